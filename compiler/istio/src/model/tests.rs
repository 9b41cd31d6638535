//! Model tests: exact output shape of a few objects, and every kind checked by validate-istio.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::authorization_policy::*;
use super::destination_rule::*;
use super::envoy_filter::*;
use super::gateway::*;
use super::peer_authentication::*;
use super::request_authentication::*;
use super::service_entry::*;
use super::sidecar::*;
use super::telemetry::*;
use super::virtual_service::*;
use super::*;
use crate::yaml::{multi_document, to_yaml};

fn map<const N: usize>(entries: [(&str, &str); N]) -> BTreeMap<String, String> {
    entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn strings<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        labels: map([("app.kubernetes.io/managed-by", "meshc")]),
        annotations: map([("meshc.dev/source", "mesh/auth.mesh:12")]),
        ..ObjectMeta::new(name, "biometrics")
    }
}

fn dest(host: &str, subset: &str) -> Destination {
    Destination { host: host.into(), subset: Some(subset.into()), port: Some(PortSelector { number: 8080 }) }
}

const AUTH: &str = "auth.biometrics.svc.cluster.local";

fn virtual_service() -> Resource {
    let vs = VirtualService {
        hosts: strings([AUTH, "auth.biometrics.app"]),
        gateways: strings(["istio-system/biometrics-gateway", "mesh"]),
        http: vec![
            HttpRoute {
                name: Some("canary".into()),
                r#match: vec![HttpMatchRequest {
                    uri: Some(StringMatch::Prefix("/api/v2".into())),
                    method: Some(StringMatch::Regex("GET|POST".into())),
                    headers: [
                        ("authorization".to_string(), StringMatch::Present),
                        ("x-canary".to_string(), StringMatch::Exact("true".into())),
                    ]
                    .into(),
                    query_params: [("debug".to_string(), StringMatch::Exact("on".into()))].into(),
                    without_headers: [("x-legacy".to_string(), StringMatch::Present)].into(),
                    port: Some(8080),
                    source_labels: map([("app", "web")]),
                    ignore_uri_case: Some(true),
                    ..Default::default()
                }],
                route: vec![
                    HttpRouteDestination {
                        destination: dest(AUTH, "v1"),
                        weight: Some(90),
                        headers: Some(Headers {
                            response: Some(HeaderOperations { set: map([("x-version", "v1")]), ..Default::default() }),
                            ..Default::default()
                        }),
                    },
                    HttpRouteDestination { destination: dest(AUTH, "v2"), weight: Some(10), headers: None },
                ],
                rewrite: Some(HttpRewrite {
                    uri_regex_rewrite: Some(RegexRewrite { r#match: "^/api/v2/(.*)$".into(), rewrite: "/\\1".into() }),
                    authority: Some("auth.internal".into()),
                    ..Default::default()
                }),
                timeout: Some("10s".into()),
                retries: Some(HttpRetry {
                    attempts: Some(3),
                    per_try_timeout: Some("2s".into()),
                    retry_on: Some("5xx,reset,connect-failure".into()),
                    retry_remote_localities: Some(true),
                    ..Default::default()
                }),
                fault: Some(HttpFaultInjection {
                    delay: Some(FaultDelay {
                        fixed_delay: Some("5s".into()),
                        percentage: Some(Percent { value: 0.5 }),
                    }),
                    abort: Some(FaultAbort {
                        http_status: Some(503),
                        percentage: Some(Percent { value: 1.0 }),
                        ..Default::default()
                    }),
                }),
                mirror: Some(Destination { host: "shadow.biometrics.svc.cluster.local".into(), ..Default::default() }),
                mirror_percentage: Some(Percent { value: 10.0 }),
                cors_policy: Some(CorsPolicy {
                    allow_origins: vec![
                        StringMatch::Exact("https://app.biometrics.app".into()),
                        StringMatch::Regex(".*\\.biometrics\\.app".into()),
                    ],
                    allow_methods: strings(["GET", "POST"]),
                    allow_headers: strings(["authorization", "content-type"]),
                    expose_headers: strings(["x-request-id"]),
                    max_age: Some("24h".into()),
                    allow_credentials: Some(true),
                }),
                headers: Some(Headers {
                    request: Some(HeaderOperations {
                        set: map([("x-forwarded-env", "prod")]),
                        add: map([("x-mesh", "yes")]),
                        remove: strings(["x-debug"]),
                    }),
                    response: None,
                }),
                ..Default::default()
            },
            HttpRoute {
                name: Some("legacy-redirect".into()),
                r#match: vec![HttpMatchRequest { uri: Some(StringMatch::Exact("/old".into())), ..Default::default() }],
                redirect: Some(HttpRedirect {
                    uri: Some("/new".into()),
                    authority: Some("auth.biometrics.app".into()),
                    scheme: Some("https".into()),
                    port: Some(443),
                    redirect_code: Some(308),
                    ..Default::default()
                }),
                ..Default::default()
            },
            HttpRoute {
                name: Some("health".into()),
                r#match: vec![HttpMatchRequest {
                    uri: Some(StringMatch::Exact("/healthz".into())),
                    ..Default::default()
                }],
                direct_response: Some(HttpDirectResponse { status: 200, body: Some(HttpBody::String("ok".into())) }),
                ..Default::default()
            },
            HttpRoute {
                route: vec![HttpRouteDestination {
                    destination: Destination { host: AUTH.into(), ..Default::default() },
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
        tls: vec![TlsRoute {
            r#match: vec![TlsMatchAttributes {
                sni_hosts: strings(["auth.biometrics.app"]),
                port: Some(443),
                ..Default::default()
            }],
            route: vec![RouteDestination { destination: dest(AUTH, "v1"), weight: Some(100) }],
        }],
        tcp: vec![TcpRoute {
            r#match: vec![L4MatchAttributes { port: Some(5432), ..Default::default() }],
            route: vec![RouteDestination {
                destination: Destination {
                    host: "db.biometrics.svc.cluster.local".into(),
                    port: Some(PortSelector { number: 5432 }),
                    ..Default::default()
                },
                weight: None,
            }],
        }],
        export_to: strings([".", "istio-system"]),
    };
    Resource::new(meta("auth"), vs)
}

fn destination_rule() -> Resource {
    let pool = ConnectionPoolSettings {
        tcp: Some(TcpSettings {
            max_connections: Some(100),
            connect_timeout: Some("30ms".into()),
            tcp_keepalive: Some(TcpKeepalive {
                probes: Some(3),
                time: Some("7200s".into()),
                interval: Some("75s".into()),
            }),
            max_connection_duration: Some("1h".into()),
            idle_timeout: Some("0s".into()),
        }),
        http: Some(HttpSettings {
            http1_max_pending_requests: Some(1024),
            http2_max_requests: Some(1024),
            max_requests_per_connection: Some(10),
            max_retries: Some(3),
            idle_timeout: Some("60s".into()),
            h2_upgrade_policy: Some(H2UpgradePolicy::Upgrade),
            max_concurrent_streams: Some(100),
            ..Default::default()
        }),
    };
    let dr = DestinationRule {
        host: AUTH.into(),
        traffic_policy: Some(TrafficPolicy {
            load_balancer: Some(LoadBalancerSettings {
                simple: Some(SimpleLb::LeastRequest),
                locality_lb_setting: Some(LocalityLbSetting {
                    failover: vec![LocalityFailover { from: "us-east1".into(), to: "us-west1".into() }],
                    enabled: Some(true),
                    ..Default::default()
                }),
                warmup: Some(WarmupConfiguration {
                    duration: "30s".into(),
                    minimum_percent: Some(10.0),
                    aggression: Some(1.5),
                }),
                ..Default::default()
            }),
            connection_pool: Some(pool),
            outlier_detection: Some(OutlierDetection {
                split_external_local_origin_errors: Some(true),
                consecutive_local_origin_failures: Some(3),
                consecutive_gateway_errors: Some(0),
                consecutive_5xx_errors: Some(5),
                interval: Some("10s".into()),
                base_ejection_time: Some("30s".into()),
                max_ejection_percent: Some(10),
                min_health_percent: Some(50),
            }),
            tls: Some(ClientTlsSettings { mode: Some(ClientTlsMode::IstioMutual), ..Default::default() }),
            port_level_settings: vec![PortTrafficPolicy {
                port: Some(PortSelector { number: 9090 }),
                tls: Some(ClientTlsSettings {
                    mode: Some(ClientTlsMode::Simple),
                    credential_name: Some("auth-client-cert".into()),
                    sni: Some("auth.biometrics.app".into()),
                    subject_alt_names: strings(["auth.biometrics.app"]),
                    ..Default::default()
                }),
                ..Default::default()
            }],
        }),
        subsets: vec![
            Subset { name: "v1".into(), labels: map([("version", "v1")]), traffic_policy: None },
            Subset {
                name: "v2".into(),
                labels: map([("version", "v2")]),
                traffic_policy: Some(TrafficPolicy {
                    load_balancer: Some(LoadBalancerSettings {
                        consistent_hash: Some(ConsistentHashLb {
                            http_cookie: Some(HttpCookie {
                                name: "session".into(),
                                path: Some("/".into()),
                                ttl: Some("0s".into()),
                            }),
                            ring_hash: Some(RingHash { minimum_ring_size: Some(1024) }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            },
            Subset {
                name: "v3".into(),
                labels: map([("version", "v3")]),
                traffic_policy: Some(TrafficPolicy {
                    load_balancer: Some(LoadBalancerSettings {
                        consistent_hash: Some(ConsistentHashLb {
                            http_header_name: Some("x-user".into()),
                            maglev: Some(Maglev { table_size: Some(65537) }),
                            ..Default::default()
                        }),
                        locality_lb_setting: Some(LocalityLbSetting {
                            distribute: vec![LocalityDistribute {
                                from: "us-east1/*".into(),
                                to: [("us-east1/*".to_string(), 80), ("us-west1/*".to_string(), 20)].into(),
                            }],
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            },
        ],
        export_to: strings(["."]),
        workload_selector: None,
    };
    Resource::new(meta("auth"), dr)
}

fn gateway() -> Resource {
    let gw = Gateway {
        servers: vec![
            Server {
                port: GatewayPort { number: 80, protocol: Protocol::Http, name: "http".into() },
                bind: None,
                hosts: strings(["biometrics/auth.biometrics.app"]),
                tls: Some(ServerTlsSettings { https_redirect: Some(true), ..Default::default() }),
                name: None,
            },
            Server {
                port: GatewayPort { number: 443, protocol: Protocol::Https, name: "https".into() },
                bind: None,
                hosts: strings(["*.biometrics.app"]),
                tls: Some(ServerTlsSettings {
                    mode: Some(ServerTlsMode::Simple),
                    credential_name: Some("biometrics-tls".into()),
                    min_protocol_version: Some(TlsProtocolVersion::V1_2),
                    ..Default::default()
                }),
                name: Some("https-main".into()),
            },
            Server {
                port: GatewayPort { number: 8443, protocol: Protocol::Tls, name: "tls-passthrough".into() },
                bind: None,
                hosts: strings(["*"]),
                tls: Some(ServerTlsSettings { mode: Some(ServerTlsMode::Passthrough), ..Default::default() }),
                name: None,
            },
        ],
        selector: map([("istio", "ingressgateway")]),
    };
    Resource::new(ObjectMeta::new("biometrics-gateway", "istio-system"), gw)
}

fn service_entry() -> Resource {
    let se = ServiceEntry {
        hosts: strings(["db.supabase.co"]),
        addresses: strings(["10.20.0.0/16", "2001:db8::/32"]),
        ports: vec![
            ServicePort {
                number: 5432,
                protocol: Some(Protocol::Tcp),
                name: "tcp-postgres".into(),
                target_port: Some(6543),
            },
            ServicePort { number: 443, protocol: Some(Protocol::Tls), name: "tls".into(), target_port: None },
        ],
        location: Some(Location::MeshExternal),
        resolution: Some(Resolution::Static),
        endpoints: vec![
            WorkloadEntry {
                address: Some("10.20.1.5".into()),
                ports: [("tcp-postgres".to_string(), 6543)].into(),
                labels: map([("role", "primary")]),
                locality: Some("us-east1/us-east1-b".into()),
                weight: Some(3),
                ..Default::default()
            },
            WorkloadEntry { address: Some("2001:db8::5".into()), ..Default::default() },
        ],
        workload_selector: None,
        export_to: strings(["."]),
        subject_alt_names: vec![],
    };
    Resource::new(meta("external-supabase"), se)
}

fn sidecar() -> Resource {
    let sc = Sidecar {
        workload_selector: Some(WorkloadSelector { labels: map([("app", "analytics")]) }),
        ingress: vec![IstioIngressListener {
            port: SidecarPort { number: 9080, protocol: Some(Protocol::Http), name: Some("http-api".into()) },
            default_endpoint: Some("127.0.0.1:8080".into()),
            capture_mode: Some(CaptureMode::Default),
            ..Default::default()
        }],
        egress: vec![
            IstioEgressListener {
                port: Some(SidecarPort { number: 9092, protocol: Some(Protocol::Tcp), name: Some("tcp-kafka".into()) }),
                hosts: strings(["biometrics/kafka.biometrics.svc.cluster.local"]),
                ..Default::default()
            },
            IstioEgressListener { hosts: strings(["./*", "istio-system/*"]), ..Default::default() },
        ],
        outbound_traffic_policy: Some(OutboundTrafficPolicy { mode: Some(OutboundTrafficPolicyMode::RegistryOnly) }),
    };
    Resource::new(meta("analytics"), sc)
}

fn peer_authentication() -> Resource {
    let pa = PeerAuthentication {
        selector: Some(LabelSelector { match_labels: map([("app", "auth")]) }),
        mtls: Some(MutualTls { mode: Some(MtlsMode::Strict) }),
        port_level_mtls: [(8080, MutualTls { mode: Some(MtlsMode::Permissive) })].into(),
    };
    Resource::new(meta("auth"), pa)
}

fn authorization_policy() -> Resource {
    let ap = AuthorizationPolicy {
        selector: Some(LabelSelector { match_labels: map([("app", "auth")]) }),
        action: Some(Action::Deny),
        rules: vec![Rule {
            from: vec![RuleFrom {
                source: Source {
                    not_principals: strings(["cluster.local/ns/biometrics/sa/web"]),
                    namespaces: strings(["biometrics"]),
                    ip_blocks: strings(["10.0.0.0/8", "::1"]),
                    not_request_principals: strings(["*"]),
                    ..Default::default()
                },
            }],
            to: vec![RuleTo {
                operation: Operation {
                    hosts: strings(["auth.biometrics.app"]),
                    ports: strings(["8080"]),
                    methods: strings(["POST"]),
                    paths: strings(["/admin/*", "/api/{*}/keys"]),
                    not_paths: strings(["/admin/health"]),
                    not_methods: strings(["OPTIONS"]),
                    ..Default::default()
                },
            }],
            when: vec![
                Condition {
                    key: "request.headers[authorization]".into(),
                    not_values: strings(["*"]),
                    ..Default::default()
                },
                Condition {
                    key: "request.auth.claims[groups]".into(),
                    values: strings(["admin", "on"]),
                    ..Default::default()
                },
            ],
        }],
        ..Default::default()
    };
    Resource::new(meta("auth-deny"), ap)
}

fn allow_nothing() -> Resource {
    Resource::new(meta("deny-all"), AuthorizationPolicy::default())
}

fn request_authentication() -> Resource {
    let ra = RequestAuthentication {
        selector: Some(LabelSelector { match_labels: map([("app", "auth")]) }),
        jwt_rules: vec![JwtRule {
            issuer: Some("https://auth.biometrics.app".into()),
            audiences: strings(["biometrics-api"]),
            jwks_uri: Some("https://auth.biometrics.app/.well-known/jwks.json".into()),
            from_headers: vec![JwtHeader { name: "authorization".into(), prefix: Some("Bearer ".into()) }],
            from_params: strings(["access_token"]),
            forward_original_token: Some(true),
            output_claim_to_headers: vec![ClaimToHeader { header: "x-tenant-id".into(), claim: "tenant_id".into() }],
            ..Default::default()
        }],
        ..Default::default()
    };
    Resource::new(meta("auth-jwt"), ra)
}

fn envoy_filter() -> Resource {
    let value = Value::try_from(serde_json::json!({
        "name": "envoy.filters.http.local_ratelimit",
        "typed_config": {
            "@type": "type.googleapis.com/udpa.type.v1.TypedStruct",
            "type_url": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
            "value": {
                "stat_prefix": "http_local_rate_limiter",
                "token_bucket": {"max_tokens": 100, "tokens_per_fill": 100, "fill_interval": "1s"},
                "filter_enabled": {"runtime_key": "local_rate_limit_enabled",
                                   "default_value": {"numerator": 100, "denominator": "HUNDRED"}},
                "filter_enforced": {"runtime_key": "local_rate_limit_enforced",
                                    "default_value": {"numerator": 100, "denominator": "HUNDRED"}},
                "response_headers_to_add": [
                    {"append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                     "header": {"key": "x-local-rate-limit", "value": "true"}}
                ],
                "ratio": 0.5,
                "enabled": true
            }
        }
    }))
    .expect("no nulls in the literal");
    let ef = EnvoyFilter {
        workload_selector: Some(WorkloadSelector { labels: map([("app", "auth")]) }),
        config_patches: vec![
            EnvoyConfigObjectPatch {
                apply_to: ApplyTo::HttpFilter,
                r#match: Some(EnvoyConfigObjectMatch {
                    context: Some(PatchContext::SidecarInbound),
                    proxy: Some(ProxyMatch { proxy_version: Some("^1\\.30.*".into()), ..Default::default() }),
                    listener: Some(ListenerMatch {
                        port_number: Some(8080),
                        filter_chain: Some(FilterChainMatch {
                            filter: Some(FilterMatch {
                                name: Some("envoy.filters.network.http_connection_manager".into()),
                                sub_filter: Some(SubFilterMatch { name: Some("envoy.filters.http.router".into()) }),
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                patch: Patch { operation: PatchOperation::InsertBefore, value: Some(value), filter_class: None },
            },
            EnvoyConfigObjectPatch {
                apply_to: ApplyTo::HttpRoute,
                r#match: Some(EnvoyConfigObjectMatch {
                    context: Some(PatchContext::SidecarOutbound),
                    route_configuration: Some(RouteConfigurationMatch {
                        vhost: Some(VirtualHostMatch {
                            name: Some("auth.biometrics.svc.cluster.local:8080".into()),
                            route: Some(RouteMatch { name: Some("default".into()), action: Some(RouteAction::Route) }),
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                patch: Patch {
                    operation: PatchOperation::Merge,
                    value: Some(Value::map([("route", Value::map([("idle_timeout", Value::from("15s"))]))])),
                    filter_class: None,
                },
            },
            EnvoyConfigObjectPatch {
                apply_to: ApplyTo::Cluster,
                r#match: Some(EnvoyConfigObjectMatch {
                    context: Some(PatchContext::SidecarOutbound),
                    cluster: Some(ClusterMatch {
                        service: Some(AUTH.into()),
                        port_number: Some(8080),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                patch: Patch {
                    operation: PatchOperation::Merge,
                    value: Some(Value::map([("per_connection_buffer_limit_bytes", Value::Int(32768))])),
                    filter_class: None,
                },
            },
        ],
        priority: Some(-10),
        ..Default::default()
    };
    Resource::new(meta("auth-ratelimit"), ef)
}

fn telemetry() -> Resource {
    let tm = Telemetry {
        selector: Some(LabelSelector { match_labels: map([("app", "auth")]) }),
        tracing: vec![Tracing {
            r#match: Some(ModeSelector { mode: Some(WorkloadMode::Server) }),
            providers: vec![ProviderRef { name: "zipkin".into() }],
            random_sampling_percentage: Some(12.5),
            disable_span_reporting: Some(false),
            custom_tags: [
                ("env".to_string(), CustomTag::Literal(LiteralTag { value: "prod".into() })),
                (
                    "pod".to_string(),
                    CustomTag::Environment(EnvironmentTag {
                        name: "POD_NAME".into(),
                        default_value: Some("unknown".into()),
                    }),
                ),
                ("user".to_string(), CustomTag::Header(HeaderTag { name: "x-user".into(), default_value: None })),
            ]
            .into(),
        }],
        metrics: vec![Metrics {
            providers: vec![ProviderRef { name: "prometheus".into() }],
            overrides: vec![MetricsOverrides {
                r#match: Some(MetricSelector {
                    metric: Some(IstioMetric::RequestCount),
                    mode: Some(WorkloadMode::ClientAndServer),
                    ..Default::default()
                }),
                disabled: Some(false),
                tag_overrides: [
                    ("request_host".to_string(), TagOverride { operation: Some(TagOperation::Remove), value: None }),
                    (
                        "tenant".to_string(),
                        TagOverride {
                            operation: Some(TagOperation::Upsert),
                            value: Some("request.headers['x-tenant-id']".into()),
                        },
                    ),
                ]
                .into(),
            }],
            reporting_interval: Some("15s".into()),
        }],
        access_logging: vec![AccessLogging {
            r#match: Some(ModeSelector { mode: Some(WorkloadMode::Client) }),
            providers: vec![ProviderRef { name: "envoy".into() }],
            disabled: Some(false),
            filter: Some(AccessLogFilter { expression: "response.code >= 400".into() }),
        }],
        ..Default::default()
    };
    Resource::new(meta("auth"), tm)
}

fn all_resources() -> Vec<Resource> {
    vec![
        virtual_service(),
        destination_rule(),
        gateway(),
        service_entry(),
        sidecar(),
        peer_authentication(),
        authorization_policy(),
        allow_nothing(),
        request_authentication(),
        envoy_filter(),
        telemetry(),
    ]
}

/// `<workspace>/../shared`, where the Istio schemas and validate-istio live.
fn shared_dir() -> &'static Path {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    assert!(
        dir.join("tools/validate-istio").is_file(),
        "{}/tools/validate-istio not found: model_validates needs the shared Istio schemas and \
         validator next to the workspace (<workspace>/../shared)",
        dir.display()
    );
    dir
}

#[test]
fn model_validates() {
    let shared = shared_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    let resources = all_resources();
    let mut docs = Vec::new();
    for r in &resources {
        let text = to_yaml(r);
        let file = format!("{}-{}.yaml", r.kind().to_lowercase(), r.name());
        std::fs::write(tmp.path().join(file), &text).expect("write YAML");
        docs.push(text);
    }
    // The same objects once more as one stream: the multi-document form must validate too.
    std::fs::write(tmp.path().join("all.yaml"), multi_document(&docs)).expect("write stream");
    let kustomization = Kustomization { name: "prod".into(), resources: strings(["all.yaml"]) };
    std::fs::write(tmp.path().join("kustomization.yaml"), to_yaml(&kustomization)).expect("write kustomization");

    let out = Command::new(shared.join("tools/validate-istio"))
        .arg(tmp.path())
        .output()
        .expect("run validate-istio (python3 with PyYAML, jsonschema, cel-python)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = format!("exit {:?}\n{stdout}\n{stderr}", out.status.code());
    assert!(out.status.success(), "validate-istio failed:\n{summary}");
    assert!(stdout.contains(" 0 invalid"), "{summary}");
    // Every object twice (own file and stream); the kustomization is a non-Istio kind.
    let counts =
        format!("{} documents, {} valid, 0 invalid, 1 not checked", 2 * resources.len() + 1, 2 * resources.len());
    assert!(stdout.contains(&counts), "expected {counts}:\n{summary}");
    assert!(!stdout.contains("skipped"), "CEL rules skipped:\n{summary}");
}

#[test]
fn resource_envelope_and_accessors() {
    let vs = virtual_service();
    assert_eq!(vs.kind(), "VirtualService");
    assert_eq!(vs.api_version(), "networking.istio.io/v1");
    assert_eq!(vs.name(), "auth");
    assert_eq!(vs.namespace(), Some("biometrics"));
    assert_eq!(envoy_filter().api_version(), "networking.istio.io/v1alpha3");
    assert_eq!(telemetry().api_version(), "telemetry.istio.io/v1");
    assert_eq!(allow_nothing().api_version(), "security.istio.io/v1");
    let text = to_yaml(&vs);
    assert!(
        text.starts_with(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: auth\n  \
             namespace: biometrics\n  labels:\n"
        ),
        "{text}"
    );
    assert!(!text.contains("null"), "{text}");
}

#[test]
fn allow_nothing_policy_is_an_empty_spec() {
    assert_eq!(
        to_yaml(&Resource::new(ObjectMeta::new("deny-all", "prod"), AuthorizationPolicy::default())),
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: deny-all\n  \
         namespace: prod\nspec: {}\n"
    );
    let allow_all = AuthorizationPolicy { rules: vec![Rule::default()], ..Default::default() };
    assert_eq!(to_yaml(&allow_all), "rules:\n- {}\n");
}

#[test]
fn http_route_fields_in_doc_order_and_present_match() {
    let route = HttpRoute {
        name: Some("r".into()),
        r#match: vec![HttpMatchRequest {
            uri: Some(StringMatch::Prefix("/a".into())),
            headers: [("x-a".to_string(), StringMatch::Present)].into(),
            without_headers: [("x-b".to_string(), StringMatch::Present)].into(),
            ..Default::default()
        }],
        route: vec![HttpRouteDestination {
            destination: dest("a.ns.svc.cluster.local", "v1"),
            weight: Some(100),
            headers: None,
        }],
        timeout: Some("5s".into()),
        ..Default::default()
    };
    assert_eq!(
        to_yaml(&route),
        "name: r\nmatch:\n- uri:\n    prefix: /a\n  headers:\n    x-a: {}\n  withoutHeaders:\n    \
         x-b: {}\nroute:\n- destination:\n    host: a.ns.svc.cluster.local\n    subset: v1\n    \
         port:\n      number: 8080\n  weight: 100\ntimeout: 5s\n"
    );
}

#[test]
fn enums_use_istio_spellings() {
    assert_eq!(to_yaml(&Protocol::GrpcWeb), "GRPC-WEB\n");
    assert_eq!(to_yaml(&Protocol::Http2), "HTTP2\n");
    assert_eq!(Protocol::HttpProxy.as_str(), "HTTP_PROXY");
    assert_eq!(to_yaml(&SimpleLb::LeastRequest), "LEAST_REQUEST\n");
    assert_eq!(to_yaml(&ClientTlsMode::IstioMutual), "ISTIO_MUTUAL\n");
    assert_eq!(to_yaml(&ServerTlsMode::OptionalMutual), "OPTIONAL_MUTUAL\n");
    assert_eq!(to_yaml(&TlsProtocolVersion::V1_2), "TLSV1_2\n");
    assert_eq!(to_yaml(&Resolution::DnsRoundRobin), "DNS_ROUND_ROBIN\n");
    assert_eq!(to_yaml(&ApplyTo::HttpFilter), "HTTP_FILTER\n");
    assert_eq!(to_yaml(&PatchOperation::InsertBefore), "INSERT_BEFORE\n");
    assert_eq!(to_yaml(&H2UpgradePolicy::DoNotUpgrade), "DO_NOT_UPGRADE\n");
    assert_eq!(to_yaml(&IstioMetric::TcpOpenedConnections), "TCP_OPENED_CONNECTIONS\n");
    assert_eq!(
        to_yaml(&OutlierDetection { consecutive_5xx_errors: Some(0), ..Default::default() }),
        "consecutive5xxErrors: 0\n"
    );
}

#[test]
fn port_level_mtls_keys_are_strings() {
    let text = to_yaml(&peer_authentication().spec);
    assert!(text.contains("portLevelMtls:\n  \"8080\":\n    mode: PERMISSIVE\n"), "{text}");
}

#[test]
fn kustomization_shape() {
    let k =
        Kustomization { name: "prod".into(), resources: strings(["gateway-main.yaml", "virtualservice-auth.yaml"]) };
    assert_eq!(
        to_yaml(&k),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  \
         name: prod\nresources:\n- gateway-main.yaml\n- virtualservice-auth.yaml\n"
    );
    assert_eq!(
        to_yaml(&Kustomization::default()),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n"
    );
}

#[test]
fn envoy_value_rejects_null_and_huge_integers() {
    let err = Value::try_from(serde_json::json!({"a": [1, {"b": null}]})).expect_err("null");
    assert_eq!(err.path, "/a/1/b");
    assert!(Value::try_from(serde_json::json!(u64::MAX)).is_err());
    assert_eq!(
        Value::try_from(serde_json::json!({"x": [true, 1.5, -2, "s"]})),
        Ok(Value::map([(
            "x",
            Value::List(vec![Value::Bool(true), Value::Float(1.5), Value::Int(-2), Value::from("s")])
        )]))
    );
}

#[test]
fn ipv6_values_are_quoted_in_resources() {
    let text = to_yaml(&service_entry());
    assert!(text.contains("- \"2001:db8::/32\""), "{text}");
    assert!(text.contains("address: \"2001:db8::5\""), "{text}");
}
