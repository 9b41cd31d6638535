//! Services, externals, gateways, routes and sidecars → DestinationRule, ServiceEntry,
//! Gateway, VirtualService and Sidecar.

use meshc_core::model::{
    self, Balance, HttpAction, Protocol, ServerProtocol, ServerTlsMode, StringMatch, TrafficPolicy,
};

use super::{labels, Emitter};
use crate::model::destination_rule as dr;
use crate::model::gateway as gw;
use crate::model::service_entry as se;
use crate::model::sidecar as sc;
use crate::model::virtual_service as vs;
use crate::model::{Percent, PortSelector, Protocol as IstioProtocol, WorkloadSelector};

pub(crate) fn lower(out: &mut Emitter<'_>) {
    let mesh = out.mesh;
    for service in &mesh.services {
        if !service.versions.is_empty() || !service.policy.is_empty() {
            let spec = dr::DestinationRule {
                host: service.fqdn.clone(),
                traffic_policy: traffic_policy(&service.policy),
                subsets: service
                    .versions
                    .iter()
                    .map(|v| dr::Subset {
                        name: v.clone(),
                        labels: [("version".to_string(), v.clone())].into_iter().collect(),
                        traffic_policy: None,
                    })
                    .collect(),
                ..Default::default()
            };
            out.push(&service.name, &service.namespace, &service.origin, spec);
        }
    }
    for external in &mesh.externals {
        let spec = se::ServiceEntry {
            hosts: external.hosts.clone(),
            addresses: external.addresses.clone(),
            ports: external
                .ports
                .iter()
                .map(|p| se::ServicePort {
                    number: p.number,
                    protocol: Some(protocol(p.protocol)),
                    name: p.name.clone(),
                    target_port: None,
                })
                .collect(),
            location: Some(if external.internal { se::Location::MeshInternal } else { se::Location::MeshExternal }),
            resolution: Some(match external.resolution {
                model::Resolution::None => se::Resolution::None,
                model::Resolution::Static => se::Resolution::Static,
                model::Resolution::Dns => se::Resolution::Dns,
                model::Resolution::DnsRoundRobin => se::Resolution::DnsRoundRobin,
            }),
            endpoints: external
                .endpoints
                .iter()
                .map(|e| se::WorkloadEntry { address: Some(e.clone()), ..Default::default() })
                .collect(),
            ..Default::default()
        };
        out.push(&external.name, &external.namespace, &external.origin, spec);
        if let Some(egress) = &external.egress {
            out.push(
                &format!("{}-egress", external.name),
                &external.namespace,
                &external.origin,
                egress_route(external, egress),
            );
        }
        if !external.policy.is_empty() {
            for (i, host) in external.hosts.iter().enumerate() {
                let name = if i == 0 { external.name.clone() } else { format!("{}-{i}", external.name) };
                let spec = dr::DestinationRule {
                    host: host.clone(),
                    traffic_policy: traffic_policy(&external.policy),
                    ..Default::default()
                };
                out.push(&name, &external.namespace, &external.origin, spec);
            }
        }
    }
    for gateway in &mesh.gateways {
        let spec = gw::Gateway {
            selector: gateway.selector.clone(),
            servers: gateway.servers.iter().map(|s| server(s, &gateway.hosts)).collect(),
        };
        out.push(&gateway.name, &gateway.namespace, &gateway.origin, spec);
    }
    for route in &mesh.routes {
        let spec = vs::VirtualService {
            hosts: route.hosts.clone(),
            gateways: route.gateways.clone(),
            http: route.http.iter().map(http_route).collect(),
            tls: route
                .tls
                .iter()
                .map(|r| vs::TlsRoute {
                    r#match: vec![vs::TlsMatchAttributes { sni_hosts: r.sni.clone(), ..Default::default() }],
                    route: r.destinations.iter().map(route_destination).collect(),
                })
                .collect(),
            tcp: route
                .tcp
                .iter()
                .map(|r| vs::TcpRoute {
                    r#match: r
                        .port
                        .map(|p| vec![vs::L4MatchAttributes { port: Some(p), ..Default::default() }])
                        .unwrap_or_default(),
                    route: r.destinations.iter().map(route_destination).collect(),
                })
                .collect(),
            ..Default::default()
        };
        out.push(&route.name, &route.namespace, &route.origin, spec);
    }
    for sidecar in &mesh.sidecars {
        let spec = sc::Sidecar {
            workload_selector: Some(WorkloadSelector { labels: labels(&sidecar.workload) }),
            ingress: sidecar
                .ingress
                .iter()
                .map(|i| sc::IstioIngressListener {
                    port: sc::SidecarPort {
                        number: i.port.number,
                        protocol: Some(protocol(i.port.protocol)),
                        name: Some(i.port.name.clone()),
                    },
                    default_endpoint: Some(i.endpoint.clone()),
                    ..Default::default()
                })
                .collect(),
            egress: sidecar
                .egress
                .iter()
                .map(|e| sc::IstioEgressListener {
                    port: e.port.as_ref().map(|p| sc::SidecarPort {
                        number: p.number,
                        protocol: Some(protocol(p.protocol)),
                        name: Some(p.name.clone()),
                    }),
                    hosts: e.hosts.clone(),
                    ..Default::default()
                })
                .collect(),
            outbound_traffic_policy: sidecar.registry_only.map(|r| sc::OutboundTrafficPolicy {
                mode: Some(if r {
                    sc::OutboundTrafficPolicyMode::RegistryOnly
                } else {
                    sc::OutboundTrafficPolicyMode::AllowAny
                }),
            }),
        };
        out.push(&sidecar.workload.name, &sidecar.workload.namespace, &sidecar.origin, spec);
    }
}

/// Two legs per port: sidecars send the external's traffic to the egress gateway, and the
/// gateway sends it on to the external. TLS is routed by SNI and passes through untouched.
fn egress_route(external: &model::External, egress: &model::EgressRoute) -> vs::VirtualService {
    let mut spec = vs::VirtualService {
        hosts: external.hosts.clone(),
        gateways: vec!["mesh".to_string(), egress.gateway.clone()],
        ..Default::default()
    };
    let to = |host: &str, number: u32| vs::RouteDestination {
        destination: vs::Destination { host: host.to_string(), subset: None, port: Some(PortSelector { number }) },
        weight: None,
    };
    let external_host = &external.hosts[0];
    for leg in &egress.legs {
        let legs = [
            ("mesh", leg.port, egress.gateway_host.as_str(), leg.gateway_port),
            (egress.gateway.as_str(), leg.gateway_port, external_host.as_str(), leg.port),
        ];
        for (gateway, match_port, host, dest_port) in legs {
            let gateways = vec![gateway.to_string()];
            match leg.kind {
                model::EgressKind::Tls => spec.tls.push(vs::TlsRoute {
                    r#match: vec![vs::TlsMatchAttributes {
                        sni_hosts: external.hosts.clone(),
                        port: Some(match_port),
                        gateways,
                        ..Default::default()
                    }],
                    route: vec![to(host, dest_port)],
                }),
                model::EgressKind::Tcp => spec.tcp.push(vs::TcpRoute {
                    r#match: vec![vs::L4MatchAttributes { port: Some(match_port), gateways, ..Default::default() }],
                    route: vec![to(host, dest_port)],
                }),
                model::EgressKind::Http => spec.http.push(vs::HttpRoute {
                    r#match: vec![vs::HttpMatchRequest { gateways, port: Some(match_port), ..Default::default() }],
                    route: vec![vs::HttpRouteDestination {
                        destination: to(host, dest_port).destination,
                        weight: None,
                        headers: None,
                    }],
                    ..Default::default()
                }),
            }
        }
    }
    spec
}

pub(crate) fn protocol(p: Protocol) -> IstioProtocol {
    match p {
        Protocol::Http => IstioProtocol::Http,
        Protocol::Http2 => IstioProtocol::Http2,
        Protocol::Https => IstioProtocol::Https,
        Protocol::Grpc => IstioProtocol::Grpc,
        Protocol::GrpcWeb => IstioProtocol::GrpcWeb,
        Protocol::Tcp => IstioProtocol::Tcp,
        Protocol::Tls => IstioProtocol::Tls,
        Protocol::Mongo => IstioProtocol::Mongo,
        Protocol::Mysql => IstioProtocol::Mysql,
        Protocol::Redis => IstioProtocol::Redis,
        Protocol::Udp => IstioProtocol::Udp,
    }
}

fn u32_of(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn traffic_policy(policy: &TrafficPolicy) -> Option<dr::TrafficPolicy> {
    if policy.is_empty() {
        return None;
    }
    let p = &policy.pool;
    let keepalive = (p.keepalive_time.is_some() || p.keepalive_interval.is_some() || p.keepalive_probes.is_some())
        .then(|| dr::TcpKeepalive {
            probes: p.keepalive_probes.map(u32_of),
            time: p.keepalive_time.map(|d| d.to_string()),
            interval: p.keepalive_interval.map(|d| d.to_string()),
        });
    let tcp = dr::TcpSettings {
        max_connections: p.max_connections.map(u32_of),
        connect_timeout: p.connect_timeout.map(|d| d.to_string()),
        tcp_keepalive: keepalive,
        max_connection_duration: p.max_connection_duration.map(|d| d.to_string()),
        idle_timeout: p.tcp_idle_timeout.map(|d| d.to_string()),
    };
    let http = dr::HttpSettings {
        http1_max_pending_requests: p.max_pending.map(u32_of),
        http2_max_requests: p.max_requests.map(u32_of),
        max_requests_per_connection: p.max_requests_per_connection.map(u32_of),
        max_retries: p.max_retries.map(u32_of),
        idle_timeout: p.idle_timeout.map(|d| d.to_string()),
        h2_upgrade_policy: p.h2_upgrade.map(|u| match u {
            model::H2Upgrade::Default => dr::H2UpgradePolicy::Default,
            model::H2Upgrade::DoNotUpgrade => dr::H2UpgradePolicy::DoNotUpgrade,
            model::H2Upgrade::Upgrade => dr::H2UpgradePolicy::Upgrade,
        }),
        use_client_protocol: None,
        max_concurrent_streams: p.max_concurrent_streams.map(u32_of),
    };
    let connection_pool = (tcp != dr::TcpSettings::default() || http != dr::HttpSettings::default()).then(|| {
        dr::ConnectionPoolSettings {
            tcp: (tcp != dr::TcpSettings::default()).then_some(tcp),
            http: (http != dr::HttpSettings::default()).then_some(http),
        }
    });
    let mut load_balancer = policy.balance.as_ref().map(|b| match b {
        Balance::RoundRobin => {
            dr::LoadBalancerSettings { simple: Some(dr::SimpleLb::RoundRobin), ..Default::default() }
        }
        Balance::LeastRequest => {
            dr::LoadBalancerSettings { simple: Some(dr::SimpleLb::LeastRequest), ..Default::default() }
        }
        Balance::Random => dr::LoadBalancerSettings { simple: Some(dr::SimpleLb::Random), ..Default::default() },
        Balance::Passthrough => {
            dr::LoadBalancerSettings { simple: Some(dr::SimpleLb::Passthrough), ..Default::default() }
        }
        Balance::HashHeader(h) => {
            hash(dr::ConsistentHashLb { http_header_name: Some(h.clone()), ..Default::default() })
        }
        Balance::HashQuery(q) => {
            hash(dr::ConsistentHashLb { http_query_parameter_name: Some(q.clone()), ..Default::default() })
        }
        Balance::HashSourceIp => hash(dr::ConsistentHashLb { use_source_ip: Some(true), ..Default::default() }),
        Balance::HashCookie { name, ttl } => hash(dr::ConsistentHashLb {
            http_cookie: Some(dr::HttpCookie { name: name.clone(), path: None, ttl: ttl.map(|t| t.to_string()) }),
            ..Default::default()
        }),
    });
    if let Some(warmup) = policy.warmup {
        load_balancer.get_or_insert_with(Default::default).warmup =
            Some(dr::WarmupConfiguration { duration: warmup.to_string(), minimum_percent: None, aggression: None });
    }
    let outlier_detection = policy.eject.as_ref().map(|e| dr::OutlierDetection {
        split_external_local_origin_errors: e.local_origin.map(|_| true),
        consecutive_local_origin_failures: e.local_origin.map(u32_of),
        consecutive_gateway_errors: e.consecutive_gateway.map(u32_of),
        consecutive_5xx_errors: e.consecutive_5xx.map(u32_of),
        interval: e.interval.map(|d| d.to_string()),
        base_ejection_time: e.base_time.map(|d| d.to_string()),
        max_ejection_percent: e.max_percent.map(u32_of),
        min_health_percent: e.min_health.map(u32_of),
    });
    let tls = policy.tls.as_ref().map(|t| dr::ClientTlsSettings {
        mode: Some(match t.mode {
            model::TlsMode::Disable => dr::ClientTlsMode::Disable,
            model::TlsMode::Simple => dr::ClientTlsMode::Simple,
            model::TlsMode::Mutual => dr::ClientTlsMode::Mutual,
            model::TlsMode::IstioMutual => dr::ClientTlsMode::IstioMutual,
        }),
        sni: t.sni.clone(),
        ..Default::default()
    });
    Some(dr::TrafficPolicy { load_balancer, connection_pool, outlier_detection, tls, ..Default::default() })
}

fn hash(consistent_hash: dr::ConsistentHashLb) -> dr::LoadBalancerSettings {
    dr::LoadBalancerSettings { consistent_hash: Some(consistent_hash), ..Default::default() }
}

fn server(server: &model::Server, hosts: &[String]) -> gw::Server {
    let protocol = match server.protocol {
        ServerProtocol::Http => IstioProtocol::Http,
        ServerProtocol::Https => IstioProtocol::Https,
        ServerProtocol::Tls => IstioProtocol::Tls,
        ServerProtocol::Tcp => IstioProtocol::Tcp,
    };
    let tls = if server.https_redirect {
        Some(gw::ServerTlsSettings { https_redirect: Some(true), ..Default::default() })
    } else {
        server.tls_mode.map(|mode| gw::ServerTlsSettings {
            mode: Some(match mode {
                ServerTlsMode::Simple => gw::ServerTlsMode::Simple,
                ServerTlsMode::Mutual => gw::ServerTlsMode::Mutual,
                ServerTlsMode::Passthrough => gw::ServerTlsMode::Passthrough,
                ServerTlsMode::IstioMutual => gw::ServerTlsMode::IstioMutual,
            }),
            credential_name: server.credential.clone(),
            ..Default::default()
        })
    };
    gw::Server {
        port: gw::GatewayPort { number: server.port, protocol, name: server.name.clone() },
        hosts: hosts.to_vec(),
        tls,
        bind: None,
        name: None,
    }
}

fn string_match(m: &StringMatch) -> vs::StringMatch {
    match m {
        StringMatch::Exact(s) => vs::StringMatch::Exact(s.clone()),
        StringMatch::Prefix(s) => vs::StringMatch::Prefix(s.clone()),
        StringMatch::Regex(s) => vs::StringMatch::Regex(s.clone()),
        StringMatch::Present => vs::StringMatch::Present,
    }
}

fn destination(d: &model::Destination) -> vs::Destination {
    vs::Destination {
        host: d.host.clone(),
        subset: d.subset.clone(),
        port: d.port.map(|number| PortSelector { number }),
    }
}

fn route_destination(d: &model::Destination) -> vs::RouteDestination {
    vs::RouteDestination { destination: destination(d), weight: d.weight }
}

fn header_ops(ops: &model::HeaderOps) -> Option<vs::HeaderOperations> {
    (!ops.is_empty()).then(|| vs::HeaderOperations {
        set: ops.set.clone(),
        add: ops.add.clone(),
        remove: ops.remove.clone(),
    })
}

fn http_route(rule: &model::HttpRule) -> vs::HttpRoute {
    let mut route = vs::HttpRoute {
        r#match: rule
            .matches
            .iter()
            .map(|m| vs::HttpMatchRequest {
                uri: m.uri.as_ref().map(string_match),
                method: m.method.as_ref().map(|x| vs::StringMatch::Exact(x.clone())),
                headers: m.headers.iter().map(|(k, v)| (k.clone(), string_match(v))).collect(),
                without_headers: m.without_headers.iter().map(|k| (k.clone(), vs::StringMatch::Present)).collect(),
                query_params: m.query.iter().map(|(k, v)| (k.clone(), string_match(v))).collect(),
                ..Default::default()
            })
            .collect(),
        timeout: rule.timeout.map(|t| t.to_string()),
        ..Default::default()
    };
    match &rule.action {
        HttpAction::Forward(destinations) => {
            route.route = destinations
                .iter()
                .map(|d| vs::HttpRouteDestination { destination: destination(d), weight: d.weight, headers: None })
                .collect();
        }
        HttpAction::Redirect { uri, authority, scheme, port, code } => {
            route.redirect = Some(vs::HttpRedirect {
                uri: uri.clone(),
                authority: authority.clone(),
                port: *port,
                scheme: scheme.clone(),
                redirect_code: *code,
                ..Default::default()
            });
        }
        HttpAction::Respond { status, body } => {
            route.direct_response =
                Some(vs::HttpDirectResponse { status: *status, body: body.clone().map(vs::HttpBody::String) });
        }
    }
    if rule.rewrite.is_some() || rule.rewrite_authority.is_some() {
        let mut rewrite = vs::HttpRewrite { authority: rule.rewrite_authority.clone(), ..Default::default() };
        match &rule.rewrite {
            Some(model::Rewrite::Uri(uri)) => rewrite.uri = Some(uri.clone()),
            Some(model::Rewrite::Regex { pattern, replacement }) => {
                rewrite.uri_regex_rewrite =
                    Some(vs::RegexRewrite { r#match: pattern.clone(), rewrite: replacement.clone() })
            }
            None => {}
        }
        route.rewrite = Some(rewrite);
    }
    route.retries = rule.retry.as_ref().map(|r| vs::HttpRetry {
        attempts: Some(u32_of(r.attempts)),
        per_try_timeout: r.per_try.map(|d| d.to_string()),
        retry_on: (!r.on.is_empty()).then(|| r.on.join(",")),
        ..Default::default()
    });
    route.fault = rule.fault.as_ref().map(|f| vs::HttpFaultInjection {
        delay: f
            .delay
            .map(|(d, p)| vs::FaultDelay { fixed_delay: Some(d.to_string()), percentage: Some(Percent { value: p }) }),
        abort: f.abort.map(|(s, p)| vs::FaultAbort {
            http_status: Some(s),
            grpc_status: None,
            percentage: Some(Percent { value: p }),
        }),
    });
    if let Some((d, percent)) = &rule.mirror {
        route.mirrors = vec![vs::HttpMirrorPolicy {
            destination: destination(d),
            percentage: percent.map(|value| Percent { value }),
        }];
    }
    route.cors_policy = rule.cors.as_ref().map(|c| vs::CorsPolicy {
        allow_origins: c.origins.iter().map(string_match).collect(),
        allow_methods: c.methods.clone(),
        allow_headers: c.headers.clone(),
        expose_headers: c.expose.clone(),
        max_age: c.max_age.map(|d| d.to_string()),
        allow_credentials: c.credentials,
    });
    let request = header_ops(&rule.request_headers);
    let response = header_ops(&rule.response_headers);
    if request.is_some() || response.is_some() {
        route.headers = Some(vs::Headers { request, response });
    }
    route
}
