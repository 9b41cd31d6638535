//! The checked mesh of one environment: every reference resolved, every value evaluated
//! and in range. Lowering to Istio reads only this; it cannot fail.

use std::collections::BTreeMap;

pub use crate::units::{Duration, Rate};

/// Where a declaration was written, for the `meshc.dev/source` annotation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mesh {
    pub name: String,
    pub env: String,
    pub production: bool,
    pub namespace: String,
    /// Istio's root namespace (`istio-system`): mesh-wide policies live there.
    pub root_namespace: String,
    pub trust_domain: String,
    pub providers: Vec<Provider>,
    pub services: Vec<Service>,
    pub externals: Vec<External>,
    pub gateways: Vec<Gateway>,
    pub routes: Vec<Route>,
    pub policies: Vec<Policy>,
    pub jwts: Vec<Jwt>,
    pub limits: Vec<Limit>,
    pub sidecars: Vec<Sidecar>,
    pub telemetry: Vec<Telemetry>,
    /// Objects rendered by templates, already read back and checked.
    pub raw: Vec<RawObject>,
}

/// One object a template rendered: a Kubernetes object the language does not model.
#[derive(Debug, Clone, PartialEq)]
pub struct RawObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace`, when the object has one.
    pub namespace: Option<String>,
    /// The whole object, keys in the order the template wrote them.
    pub value: serde_json::Value,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub name: String,
    pub kind: ProviderKind,
    pub address: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Zipkin,
    Opentelemetry,
    Skywalking,
    Datadog,
    Prometheus,
    EnvoyFileAccessLog,
}

/// The pods a resource applies to: a `matchLabels` selector in a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub name: String,
    pub namespace: String,
    pub labels: Labels,
}

/// A `matchLabels` selector: pairs sorted by key, each key once. Nearly every workload is a
/// service's, selected by its one `app` label; a `BTreeMap` allocated a 544-byte node for
/// it, tens of thousands of times per environment, where this holds the one pair.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(key, value)| (key.as_str(), value.as_str()))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok().map(|i| self.0[i].1.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The labels as the map Istio's objects hold.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

/// As collecting into a map: sorted by key, and a repeated key keeps its last value.
impl FromIterator<(String, String)> for Labels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut pairs: Vec<(String, String)> = pairs.into_iter().collect();
        // Stable: of equal keys the last given ends up last, and is the one kept.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut labels: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            match labels.last_mut() {
                Some(last) if last.0 == key => last.1 = value,
                _ => labels.push((key, value)),
            }
        }
        Labels(labels)
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        Labels(map.into_iter().collect())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    Http,
    Http2,
    Https,
    Grpc,
    GrpcWeb,
    Tcp,
    Tls,
    Mongo,
    Mysql,
    Redis,
    Udp,
}

impl Protocol {
    /// Istio's protocol selection by port name prefix: `http`, `http-web`, `grpc-api`.
    pub fn from_port_name(name: &str) -> Option<Protocol> {
        let prefix = name.split('-').next().unwrap_or(name);
        Some(match prefix {
            "http" => Protocol::Http,
            "http2" => Protocol::Http2,
            "https" => Protocol::Https,
            "grpc" if name.starts_with("grpc-web") => Protocol::GrpcWeb,
            "grpc" => Protocol::Grpc,
            "tcp" => Protocol::Tcp,
            "tls" => Protocol::Tls,
            "mongo" => Protocol::Mongo,
            "mysql" => Protocol::Mysql,
            "redis" => Protocol::Redis,
            "udp" => Protocol::Udp,
            _ => return None,
        })
    }

    pub fn as_istio(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Http2 => "HTTP2",
            Protocol::Https => "HTTPS",
            Protocol::Grpc => "GRPC",
            Protocol::GrpcWeb => "GRPC-WEB",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Mongo => "MONGO",
            Protocol::Mysql => "MYSQL",
            Protocol::Redis => "REDIS",
            Protocol::Udp => "UDP",
        }
    }

    /// Whether Envoy routes this port as HTTP (so VirtualService `http` rules apply).
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Http2 | Protocol::Grpc | Protocol::GrpcWeb)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub number: u32,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    /// `name.namespace.svc.cluster.local`.
    pub fqdn: String,
    pub ports: Vec<Port>,
    pub account: String,
    pub versions: Vec<String>,
    pub policy: TrafficPolicy,
    pub workload: Workload,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrafficPolicy {
    pub pool: Pool,
    pub eject: Option<Eject>,
    pub balance: Option<Balance>,
    pub warmup: Option<Duration>,
    pub tls: Option<ClientTls>,
}

impl TrafficPolicy {
    pub fn is_empty(&self) -> bool {
        self.pool == Pool::default()
            && self.eject.is_none()
            && self.balance.is_none()
            && self.warmup.is_none()
            && self.tls.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pool {
    pub max_connections: Option<u64>,
    pub connect_timeout: Option<Duration>,
    pub keepalive_time: Option<Duration>,
    pub keepalive_interval: Option<Duration>,
    pub keepalive_probes: Option<u64>,
    pub tcp_idle_timeout: Option<Duration>,
    pub max_connection_duration: Option<Duration>,
    pub max_pending: Option<u64>,
    pub max_requests: Option<u64>,
    pub max_requests_per_connection: Option<u64>,
    pub max_retries: Option<u64>,
    pub idle_timeout: Option<Duration>,
    pub h2_upgrade: Option<H2Upgrade>,
    pub max_concurrent_streams: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H2Upgrade {
    Default,
    DoNotUpgrade,
    Upgrade,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eject {
    pub consecutive_5xx: Option<u64>,
    pub consecutive_gateway: Option<u64>,
    /// Setting this also sets `splitExternalLocalOriginErrors`, which Istio requires.
    pub local_origin: Option<u64>,
    pub interval: Option<Duration>,
    pub base_time: Option<Duration>,
    pub max_percent: Option<u64>,
    pub min_health: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Balance {
    RoundRobin,
    LeastRequest,
    Random,
    Passthrough,
    HashHeader(String),
    HashCookie { name: String, ttl: Option<Duration> },
    HashQuery(String),
    HashSourceIp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Simple,
    Mutual,
    IstioMutual,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientTls {
    pub mode: TlsMode,
    pub sni: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    None,
    Static,
    Dns,
    DnsRoundRobin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct External {
    pub name: String,
    pub namespace: String,
    pub hosts: Vec<String>,
    pub ports: Vec<Port>,
    pub resolution: Resolution,
    /// `MESH_INTERNAL` only when the endpoints run sidecars.
    pub internal: bool,
    pub addresses: Vec<String>,
    pub endpoints: Vec<String>,
    pub policy: TrafficPolicy,
    /// Set when traffic to this external leaves through an egress gateway.
    pub egress: Option<EgressRoute>,
    pub origin: Origin,
}

/// How sidecars reach an external through an egress gateway: two legs, mesh → gateway and
/// gateway → external, one per external port.
#[derive(Debug, Clone, PartialEq)]
pub struct EgressRoute {
    /// `namespace/name` of the Gateway.
    pub gateway: String,
    /// The gateway's Kubernetes Service, e.g. `istio-egressgateway.istio-system.svc.cluster.local`.
    pub gateway_host: String,
    pub legs: Vec<EgressLeg>,
}

/// One external port and the gateway server its traffic passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EgressLeg {
    pub port: u32,
    pub gateway_port: u32,
    pub kind: EgressKind,
}

/// How a leg is routed: HTTP by port, TLS by SNI (passed through), TCP by port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgressKind {
    Http,
    Tls,
    Tcp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    pub name: String,
    pub namespace: String,
    pub egress: bool,
    pub selector: BTreeMap<String, String>,
    pub hosts: Vec<String>,
    pub servers: Vec<Server>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerProtocol {
    Http,
    Https,
    Tls,
    Tcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerTlsMode {
    Simple,
    Mutual,
    Passthrough,
    IstioMutual,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub protocol: ServerProtocol,
    pub port: u32,
    /// Port names must be unique per gateway: `https-443`.
    pub name: String,
    pub https_redirect: bool,
    pub tls_mode: Option<ServerTlsMode>,
    pub credential: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub name: String,
    pub namespace: String,
    pub hosts: Vec<String>,
    /// `ns/name` references, and `mesh` for in-mesh traffic.
    pub gateways: Vec<String>,
    pub http: Vec<HttpRule>,
    pub tls: Vec<TlsRule>,
    pub tcp: Vec<TcpRule>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringMatch {
    Exact(String),
    Prefix(String),
    Regex(String),
    /// The header is present, whatever its value (an empty StringMatch in Istio).
    Present,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpMatch {
    pub uri: Option<StringMatch>,
    pub method: Option<String>,
    pub headers: Vec<(String, StringMatch)>,
    pub without_headers: Vec<String>,
    pub query: Vec<(String, StringMatch)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub host: String,
    pub subset: Option<String>,
    pub port: Option<u32>,
    pub weight: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HttpAction {
    Forward(Vec<Destination>),
    Redirect {
        uri: Option<String>,
        authority: Option<String>,
        scheme: Option<String>,
        port: Option<u32>,
        code: Option<u32>,
    },
    Respond {
        status: u32,
        body: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub attempts: u64,
    pub per_try: Option<Duration>,
    pub on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rewrite {
    Uri(String),
    Regex { pattern: String, replacement: String },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fault {
    pub delay: Option<(Duration, f64)>,
    pub abort: Option<(u32, f64)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cors {
    pub origins: Vec<StringMatch>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub expose: Vec<String>,
    pub max_age: Option<Duration>,
    pub credentials: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeaderOps {
    pub set: BTreeMap<String, String>,
    pub add: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

impl HeaderOps {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }
}

/// Routes hold tens of thousands of rules per environment: the options that are large and
/// often unset (retry, fault, cors: 200 bytes inline) are boxed, and the size is pinned.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRule {
    pub name: String,
    pub matches: Vec<HttpMatch>,
    pub action: HttpAction,
    pub timeout: Option<Duration>,
    pub retry: Option<Box<Retry>>,
    pub rewrite: Option<Rewrite>,
    pub rewrite_authority: Option<String>,
    pub fault: Option<Box<Fault>>,
    pub mirror: Option<(Destination, Option<f64>)>,
    pub cors: Option<Box<Cors>>,
    pub request_headers: HeaderOps,
    pub response_headers: HeaderOps,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TlsRule {
    pub sni: Vec<String>,
    pub destinations: Vec<Destination>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TcpRule {
    pub port: Option<u32>,
    pub destinations: Vec<Destination>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtlsMode {
    Unset,
    Disable,
    Permissive,
    Strict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyScope {
    Namespace(String),
    /// The root namespace: applies to the whole mesh.
    Mesh(String),
    Workload(Workload),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthAction {
    Allow,
    Deny,
    Audit,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuthSource {
    pub principals: Vec<String>,
    pub request_principals: Vec<String>,
    pub namespaces: Vec<String>,
    pub ip_blocks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthCondition {
    pub key: String,
    pub values: Vec<String>,
    pub not_values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthRule {
    pub action: AuthAction,
    /// Each source is one `from` entry (entries are ORed; fields inside one are ANDed).
    pub from: Vec<AuthSource>,
    pub methods: Vec<String>,
    pub paths: Vec<String>,
    pub ports: Vec<u32>,
    pub when: Vec<AuthCondition>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub scope: PolicyScope,
    pub mtls: Option<MtlsMode>,
    pub port_mtls: Vec<(u32, MtlsMode)>,
    pub default_deny: bool,
    pub rules: Vec<AuthRule>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    pub name: String,
    pub workloads: Vec<Workload>,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub jwks_uri: Option<String>,
    pub from_headers: Vec<(String, Option<String>)>,
    pub from_params: Vec<String>,
    pub from_cookies: Vec<String>,
    pub claims_to_headers: Vec<(String, String)>,
    pub forward: bool,
    /// `Some(paths exempted)` when requests without a token are rejected.
    pub require: Option<Vec<String>>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocalLimit {
    pub tokens_per_fill: u64,
    pub fill_interval: Duration,
    pub max_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RateDescriptor {
    RemoteAddress,
    Path,
    Header(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct GlobalLimit {
    /// Envoy cluster of the rate-limit service: `outbound|8081||ratelimit.ns.svc.cluster.local`.
    pub cluster: String,
    pub domain: String,
    pub descriptors: Vec<RateDescriptor>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub workload: Workload,
    /// Inbound HTTP port of the workload the filters attach to.
    pub port: u32,
    pub local: Option<LocalLimit>,
    pub global: Option<GlobalLimit>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Egress {
    pub port: Option<Port>,
    /// `namespace/dnsName` entries.
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ingress {
    pub port: Port,
    pub endpoint: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sidecar {
    pub workload: Workload,
    pub egress: Vec<Egress>,
    pub ingress: Vec<Ingress>,
    pub registry_only: Option<bool>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TagValue {
    Literal(String),
    Header { name: String, default: Option<String> },
    Environment { name: String, default: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Telemetry {
    pub name: String,
    pub workload: Option<Workload>,
    pub tracing: Vec<(String, Option<f64>)>,
    pub tags: Vec<(String, TagValue)>,
    pub metrics: Vec<String>,
    pub access_logs: Vec<(String, Option<String>)>,
    pub origin: Origin,
}

impl Mesh {
    /// Gives back the spare room of every list of a finished model. Lists grow by doubling
    /// while the checker builds them (a route's three rules of 664 bytes sit in room for four),
    /// and a model lives as long as its analysis: at 5,000 services this is a quarter of it.
    pub fn shrink_to_fit(&mut self) {
        let Mesh {
            providers,
            services,
            externals,
            gateways,
            routes,
            policies,
            jwts,
            limits,
            sidecars,
            telemetry,
            raw,
            ..
        } = self;
        providers.shrink();
        services.shrink();
        externals.shrink();
        gateways.shrink();
        routes.shrink();
        policies.shrink();
        jwts.shrink();
        limits.shrink();
        sidecars.shrink();
        telemetry.shrink();
        raw.shrink();
    }
}

/// Spare capacity given back, in a value and the lists it holds.
trait Shrink {
    fn shrink(&mut self);
}

impl<T: Shrink> Shrink for Vec<T> {
    fn shrink(&mut self) {
        self.shrink_to_fit();
        self.iter_mut().for_each(Shrink::shrink);
    }
}

impl<T: Shrink> Shrink for Option<T> {
    fn shrink(&mut self) {
        if let Some(value) = self {
            value.shrink();
        }
    }
}

/// Values without lists, or whose lists are built at their final size.
macro_rules! no_spare_room {
    ($($ty:ty),* $(,)?) => {
        $(impl Shrink for $ty {
            fn shrink(&mut self) {}
        })*
    };
}

no_spare_room!(
    String,
    u32,
    Provider,
    Port,
    Workload,
    Destination,
    StringMatch,
    Gateway,
    RawObject,
    Limit,
    TagValue,
    Ingress,
    (String, StringMatch),
    (u32, MtlsMode),
    (String, Option<String>),
    (String, String),
    (String, Option<f64>),
    (String, TagValue),
);

/// Shrinks the listed fields of a struct.
macro_rules! shrink_fields {
    ($($ty:ty { $($field:ident),* })*) => {
        $(impl Shrink for $ty {
            fn shrink(&mut self) {
                $(self.$field.shrink();)*
            }
        })*
    };
}

shrink_fields! {
    Service { ports, versions }
    External { hosts, ports, addresses, endpoints }
    Route { hosts, gateways, http, tls, tcp }
    HttpRule { matches, action }
    HttpMatch { headers, without_headers, query }
    TlsRule { sni, destinations }
    TcpRule { destinations }
    Policy { port_mtls, rules }
    AuthRule { from, methods, paths, ports, when }
    AuthSource { principals, request_principals, namespaces, ip_blocks }
    AuthCondition { values, not_values }
    Jwt { workloads, audiences, from_headers, from_params, from_cookies, claims_to_headers, require }
    Sidecar { egress, ingress }
    Egress { hosts }
    Telemetry { tracing, tags, metrics, access_logs }
}

impl Shrink for HttpAction {
    fn shrink(&mut self) {
        if let HttpAction::Forward(destinations) = self {
            destinations.shrink();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grown<T: Clone>(items: &[T]) -> Vec<T> {
        let mut list = Vec::with_capacity(items.len() + 8);
        list.extend_from_slice(items);
        list
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_string(), value.to_string())
    }

    #[test]
    fn labels_are_a_map() {
        let labels: Labels = [pair("version", "v1"), pair("app", "a"), pair("version", "v2")].into_iter().collect();
        let map: BTreeMap<String, String> =
            [pair("version", "v1"), pair("app", "a"), pair("version", "v2")].into_iter().collect();
        assert_eq!(labels.to_map(), map);
        assert_eq!(labels.iter().collect::<Vec<_>>(), [("app", "a"), ("version", "v2")]);
        assert_eq!((labels.get("version"), labels.get("app"), labels.get("zone")), (Some("v2"), Some("a"), None));
        assert_eq!(Labels::from(map), labels);
        assert_eq!((labels.len(), Labels::default().is_empty()), (2, true));
    }

    /// An environment holds one `HttpRule` per route rule and one `Workload` per service,
    /// policy and more, tens of thousands each at 5,000 services: pinned so they do not grow
    /// back silently.
    #[test]
    fn hot_structs_stay_small() {
        assert_eq!(std::mem::size_of::<HttpRule>(), 472);
        assert_eq!(std::mem::size_of::<Workload>(), 72);
    }

    #[test]
    fn shrinking_leaves_no_spare_room_and_changes_nothing() {
        let destination = Destination { host: "a".to_string(), subset: None, port: Some(80), weight: None };
        let rule = HttpRule {
            name: "r".to_string(),
            matches: grown(&[HttpMatch {
                headers: grown(&[("h".to_string(), StringMatch::Present)]),
                ..Default::default()
            }]),
            action: HttpAction::Forward(grown(&[destination])),
            timeout: None,
            retry: None,
            rewrite: None,
            rewrite_authority: None,
            fault: None,
            mirror: None,
            cors: None,
            request_headers: HeaderOps::default(),
            response_headers: HeaderOps::default(),
        };
        let route = Route {
            name: "r".to_string(),
            namespace: "ns".to_string(),
            hosts: grown(&["a".to_string()]),
            gateways: Vec::new(),
            http: grown(&[rule]),
            tls: Vec::new(),
            tcp: Vec::new(),
            origin: Origin::default(),
        };
        let mut mesh = Mesh { routes: grown(&[route]), ..Mesh::default() };
        let before = mesh.clone();
        mesh.shrink_to_fit();
        assert_eq!(mesh, before);
        let route = &mesh.routes[0];
        let rule = &route.http[0];
        let HttpAction::Forward(destinations) = &rule.action else { panic!("a forward rule") };
        for (capacity, len) in [
            (mesh.routes.capacity(), 1),
            (route.hosts.capacity(), 1),
            (route.http.capacity(), 1),
            (rule.matches.capacity(), 1),
            (rule.matches[0].headers.capacity(), 1),
            (destinations.capacity(), 1),
        ] {
            assert_eq!(capacity, len);
        }
    }
}
