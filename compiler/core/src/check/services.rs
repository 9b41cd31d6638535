//! Services, externals and their traffic policy (pool, ejection, balancing, TLS), and
//! telemetry providers.

use std::rc::Rc;

use meshc_syntax::ast::{self, Balance, StatementFamily, TrafficPolicyDecl};

use super::presets::{merge_options, merge_policy};

use super::{settings_map, Checker};
use crate::model::{self, Protocol};
use crate::Diagnostic;

pub(crate) const POOL_SETTINGS: &[&str] = &[
    "max_connections",
    "connect_timeout",
    "keepalive_time",
    "keepalive_interval",
    "keepalive_probes",
    "tcp_idle_timeout",
    "max_connection_duration",
    "max_pending",
    "max_requests",
    "max_requests_per_connection",
    "max_retries",
    "idle_timeout",
    "h2_upgrade",
    "max_concurrent_streams",
];

pub(crate) const EJECT_SETTINGS: &[&str] =
    &["consecutive_5xx", "consecutive_gateway", "local_origin", "interval", "base_time", "max_percent", "min_health"];

pub(crate) const BALANCERS: &[&str] = &["round_robin", "least_request", "random", "passthrough"];

pub(crate) const H2_UPGRADE: &[&str] = &["default", "do_not_upgrade", "upgrade"];

pub(crate) const TLS_MODES: &[&str] = &["disable", "simple", "mutual", "istio_mutual"];

pub(crate) const RESOLUTIONS: &[&str] = &["none", "static", "dns", "dns_round_robin"];

pub(crate) const LOCATIONS: &[&str] = &["external", "internal"];

pub(crate) const PROVIDER_KINDS: &[&str] =
    &["zipkin", "opentelemetry", "skywalking", "datadog", "prometheus", "envoy_file_access_log"];

const INT32: u64 = i32::MAX as u64;

impl<'a> Checker<'a> {
    pub(crate) fn provider(&mut self, decl: &ast::ProviderDecl) -> Option<model::Provider> {
        let kind = self.choose(&decl.kind.node, decl.kind.span, None, PROVIDER_KINDS, "provider kind");
        let address = self.string(&decl.address)?;
        let kind = match kind? {
            "zipkin" => model::ProviderKind::Zipkin,
            "opentelemetry" => model::ProviderKind::Opentelemetry,
            "skywalking" => model::ProviderKind::Skywalking,
            "datadog" => model::ProviderKind::Datadog,
            "prometheus" => model::ProviderKind::Prometheus,
            _ => model::ProviderKind::EnvoyFileAccessLog,
        };
        let needs_port = !matches!(kind, model::ProviderKind::Prometheus | model::ProviderKind::EnvoyFileAccessLog);
        if needs_port {
            let port_ok = address
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
            if !port_ok {
                self.report(
                    Diagnostic::error("E0205", decl.address.span, format!("invalid provider address `{address}`"))
                        .with_span_label("expected `host:port`, e.g. `jaeger-collector.istio-system:9411`"),
                );
                return None;
            }
        }
        Some(model::Provider { name: decl.name.node.clone(), kind, address })
    }

    /// The ports a service or external declares, evaluated once per environment: every
    /// destination, policy, sidecar and limit that names the owner reads them from here.
    /// Shared, not copied: a destination is resolved for every rule, and copying the list
    /// (a vector and a name per port) each time was a tenth of checking a big program.
    pub(crate) fn ports(&mut self, ports: &[ast::PortDecl], owner: &ast::Name) -> Rc<[model::Port]> {
        if let Some(known) = self.ports_by_owner.get(&owner.span) {
            return Rc::clone(known);
        }
        let evaluated: Rc<[model::Port]> = self.evaluate_ports(ports, owner).into();
        self.ports_by_owner.insert(owner.span, Rc::clone(&evaluated));
        evaluated
    }

    fn evaluate_ports(&mut self, ports: &[ast::PortDecl], owner: &ast::Name) -> Vec<model::Port> {
        let mut out: Vec<model::Port> = Vec::new();
        // Which declaration each evaluated port came from, for "the earlier port" labels.
        let mut declared_at: Vec<meshc_syntax::Span> = Vec::new();
        let is_service = self.decls.service(&owner.node).is_some_and(|s| s.name.span == owner.span);
        let owner_kind = if is_service { "service" } else { "external" };
        for port in ports {
            let Some(number) = self.port_number(&port.number) else { continue };
            let Some(protocol) = Protocol::from_port_name(&port.name.node) else {
                let lower = port.name.node.to_ascii_lowercase().replace('_', "-");
                let (fix, why) = if Protocol::from_port_name(&lower).is_some() {
                    (lower.clone(), format!("write `{lower}`"))
                } else {
                    (format!("tcp-{lower}"), format!("for a plain TCP port write `tcp-{lower}`"))
                };
                self.report(
                    Diagnostic::error("E0207", port.name.span, format!("port name `{}` does not name a protocol", port.name.node))
                        .with_span_label("Istio picks the protocol from the port name's prefix")
                        .with_note("name ports `<protocol>` or `<protocol>-<suffix>`: http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, udp")
                        .with_suggestion(port.name.span, fix, why),
                );
                continue;
            };
            if let Some(previous) = out.iter().position(|p| p.name == port.name.node || p.number == number) {
                let what = if out[previous].name == port.name.node { "name" } else { "number" };
                self.report(
                    Diagnostic::error(
                        "E0301",
                        port.span,
                        format!("{} `{}` has two ports with the same {what}", owner_kind, owner.node),
                    )
                    .with_span_label(format!("same {what} as an earlier port"))
                    .with_label(declared_at[previous], "the earlier port"),
                );
                continue;
            }
            out.push(model::Port { name: port.name.node.clone(), number, protocol });
            declared_at.push(port.span);
        }
        out
    }

    pub(crate) fn service(&mut self, decl: &'a ast::ServiceDecl) -> Option<model::Service> {
        let ports = self.ports(&decl.ports, &decl.name);
        if decl.ports.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("service `{}` declares no port", decl.name.node))
                    .with_span_label("routes and policies need to know its ports")
                    .with_note("add one, e.g. `port http 8080`"),
            );
        }
        let presets =
            self.expand(&decl.uses, &[StatementFamily::TrafficPolicy, StatementFamily::RouteOption], "a service");
        let policy = self.traffic_policy(&merge_policy(&decl.policy, &presets));
        let route_defaults = merge_options(&decl.route_defaults, &presets);
        if !route_defaults.is_empty() {
            self.service_route_defaults.insert(decl.name.node.clone(), route_defaults.into_owned().into());
        }
        let workload = self.workload_of(decl);
        Some(model::Service {
            name: decl.name.node.clone(),
            namespace: self.service_namespace(decl),
            fqdn: self.service_fqdn(decl),
            ports: ports.to_vec(),
            account: decl.account.as_ref().unwrap_or(&decl.name).node.clone(),
            versions: decl.versions.iter().map(|v| v.node.clone()).collect(),
            policy,
            workload,
            origin: self.origin(decl.span),
        })
    }

    pub(crate) fn traffic_policy(&mut self, decl: &TrafficPolicyDecl) -> model::TrafficPolicy {
        for span in &decl.duplicates {
            self.repeated_statement(*span);
        }
        let mut policy = model::TrafficPolicy::default();
        let pool = settings_map(self, &decl.pool, POOL_SETTINGS, "pool");
        for (key, value) in pool.iter() {
            let p = &mut policy.pool;
            match key {
                "max_connections" => p.max_connections = self.int(value, 1, INT32, "connection count"),
                "connect_timeout" => p.connect_timeout = self.positive_duration(value),
                "keepalive_time" => p.keepalive_time = self.positive_duration(value),
                "keepalive_interval" => p.keepalive_interval = self.positive_duration(value),
                "keepalive_probes" => p.keepalive_probes = self.int(value, 1, u32::MAX as u64, "probe count"),
                "tcp_idle_timeout" => p.tcp_idle_timeout = self.duration(value),
                "max_connection_duration" => p.max_connection_duration = self.positive_duration(value),
                "max_pending" => p.max_pending = self.int(value, 1, INT32, "pending request count"),
                "max_requests" => p.max_requests = self.int(value, 1, INT32, "request count"),
                "max_requests_per_connection" => {
                    p.max_requests_per_connection = self.int(value, 1, INT32, "requests per connection")
                }
                "max_retries" => p.max_retries = self.int(value, 0, INT32, "concurrent retries"),
                "idle_timeout" => p.idle_timeout = self.positive_duration(value),
                "max_concurrent_streams" => p.max_concurrent_streams = self.int(value, 1, INT32, "stream count"),
                _ => {
                    p.h2_upgrade = self.word(value, H2_UPGRADE, "HTTP/2 upgrade policy").map(|w| match w {
                        "upgrade" => model::H2Upgrade::Upgrade,
                        "do_not_upgrade" => model::H2Upgrade::DoNotUpgrade,
                        _ => model::H2Upgrade::Default,
                    })
                }
            }
        }
        let eject = settings_map(self, &decl.eject, EJECT_SETTINGS, "eject");
        if !decl.eject.is_empty() {
            let mut e = model::Eject::default();
            for (key, value) in eject.iter() {
                match key {
                    "consecutive_5xx" => e.consecutive_5xx = self.int(value, 0, u32::MAX as u64, "error count"),
                    "consecutive_gateway" => e.consecutive_gateway = self.int(value, 0, u32::MAX as u64, "error count"),
                    "local_origin" => e.local_origin = self.int(value, 0, u32::MAX as u64, "failure count"),
                    "interval" => e.interval = self.positive_duration(value),
                    "base_time" => e.base_time = self.positive_duration(value),
                    "max_percent" => e.max_percent = self.whole_percent(value),
                    _ => e.min_health = self.whole_percent(value),
                }
            }
            policy.eject = Some(e);
        }
        policy.balance = match &decl.balance {
            None => None,
            Some(Balance::Simple(name)) => {
                if name.node == "least_conn" {
                    self.report(
                        Diagnostic::error("E0203", name.span, "`least_conn` is deprecated in Istio")
                            .with_span_label("use `least_request`")
                            .with_suggestion(name.span, "least_request", "write `least_request`"),
                    );
                    None
                } else {
                    self.choose(&name.node, name.span, None, BALANCERS, "load balancer").map(|b| match b {
                        "round_robin" => model::Balance::RoundRobin,
                        "least_request" => model::Balance::LeastRequest,
                        "random" => model::Balance::Random,
                        _ => model::Balance::Passthrough,
                    })
                }
            }
            Some(Balance::HashHeader(v, _)) => self.string(v).map(model::Balance::HashHeader),
            Some(Balance::HashQuery(v, _)) => self.string(v).map(model::Balance::HashQuery),
            Some(Balance::HashSourceIp(_)) => Some(model::Balance::HashSourceIp),
            Some(Balance::HashCookie { name, ttl, .. }) => {
                let ttl = ttl.as_ref().and_then(|t| self.duration(t));
                self.string(name).map(|name| model::Balance::HashCookie { name, ttl })
            }
        };
        if let Some(warmup) = &decl.warmup {
            policy.warmup = self.positive_duration(warmup);
            let hashing = matches!(&decl.balance, Some(b) if !matches!(b, Balance::Simple(_)));
            let simple_ok =
                matches!(&policy.balance, None | Some(model::Balance::RoundRobin | model::Balance::LeastRequest));
            if hashing || !simple_ok {
                self.report(
                    Diagnostic::error(
                        "E0307",
                        warmup.span,
                        "`warmup` only works with `round_robin` or `least_request` balancing",
                    )
                    .with_span_label("Envoy ramps traffic up only for these balancers"),
                );
            }
        }
        if let Some(tls) = &decl.tls {
            let mode = self.choose(&tls.mode.node, tls.mode.span, None, TLS_MODES, "TLS mode");
            let sni = tls.sni.as_ref().and_then(|s| self.host_string(s));
            if let Some(mode) = mode {
                let mode = match mode {
                    "disable" => model::TlsMode::Disable,
                    "simple" => model::TlsMode::Simple,
                    "mutual" => model::TlsMode::Mutual,
                    _ => model::TlsMode::IstioMutual,
                };
                if mode == model::TlsMode::Mutual {
                    self.report(
                        Diagnostic::error(
                            "E0307",
                            tls.mode.span,
                            "`tls mutual` needs client certificates, which meshc does not manage",
                        )
                        .with_span_label(
                            "use `istio_mutual` inside the mesh, or `simple` towards an external TLS server",
                        ),
                    );
                }
                policy.tls = Some(model::ClientTls { mode, sni });
            }
        }
        policy
    }

    /// Istio's schemas require at least 1ms for most durations (ejection timings, pool
    /// timeouts, route timeouts, retries, delays, CORS max age): `0s` would be rejected.
    pub(crate) fn positive_duration(&mut self, value: &ast::Value) -> Option<model::Duration> {
        let d = self.duration(value)?;
        if d.millis() == 0 {
            self.report(
                Diagnostic::error("E0202", value.span, "this duration must be at least 1ms")
                    .with_span_label("0s is not accepted here"),
            );
            return None;
        }
        Some(d)
    }

    pub(crate) fn external(&mut self, decl: &'a ast::ExternalDecl) -> Option<model::External> {
        let mut hosts = Vec::new();
        for host in &decl.hosts {
            match host {
                ast::Host::Literal(v) => {
                    if let Some(h) = self.host_string(v) {
                        if h == "*" {
                            self.report(
                                Diagnostic::error("E0205", v.span, "an external cannot have the host `*`")
                                    .with_span_label("name the hosts it serves, or `*.domain`"),
                            );
                        } else if !h.contains('.') && h.parse::<std::net::IpAddr>().is_err() {
                            self.report(
                                Diagnostic::error("E0205", v.span, format!("external host `{h}` is not a fully qualified name"))
                                    .with_span_label("short names resolve in the namespace of whoever reads them; write the full DNS name"),
                            );
                        } else {
                            hosts.push(h);
                        }
                    }
                }
                ast::Host::Ref(name) => self.report(
                    Diagnostic::error("E0201", name.span, "expected a host name in quotes")
                        .with_span_label("externals are reached by DNS name")
                        .with_suggestion(name.span, format!("\"{}\"", name.node), "write it as a string"),
                ),
            }
        }
        if decl.hosts.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("external `{}` declares no host", decl.name.node))
                    .with_span_label("add `hosts \"api.example.com\"`"),
            );
        }
        let ports = self.ports(&decl.ports, &decl.name);
        if decl.ports.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("external `{}` declares no port", decl.name.node))
                    .with_span_label("add one, e.g. `port https 443`"),
            );
        }
        let resolution = match &decl.resolution {
            Some(r) => self.choose(&r.node, r.span, None, RESOLUTIONS, "resolution")?,
            None if !decl.endpoints.is_empty() && decl.endpoints.iter().all(|e| self.is_ip_literal(e)) => "static",
            None => "dns",
        };
        let resolution = match resolution {
            "none" => model::Resolution::None,
            "static" => model::Resolution::Static,
            "dns_round_robin" => model::Resolution::DnsRoundRobin,
            _ => model::Resolution::Dns,
        };
        let internal = match &decl.location {
            Some(l) => self.choose(&l.node, l.span, None, LOCATIONS, "location")? == "internal",
            None => false,
        };
        let addresses: Vec<String> = decl.addresses.iter().filter_map(|a| self.address(a, true)).collect();
        let endpoints: Vec<String> = decl.endpoints.iter().filter_map(|e| self.address(e, false)).collect();
        self.check_resolution(decl, resolution, &endpoints, &addresses, &hosts, &ports);
        let presets = self.expand(&decl.uses, &[StatementFamily::TrafficPolicy], "an external");
        let policy = self.traffic_policy(&merge_policy(&decl.policy, &presets));
        let egress = match &decl.via {
            Some(via) => Some(self.egress_route(via, &hosts, &ports)?),
            None => None,
        };
        Some(model::External {
            name: decl.name.node.clone(),
            namespace: self.namespace.clone(),
            hosts,
            ports: ports.to_vec(),
            resolution,
            internal,
            addresses,
            endpoints,
            policy,
            egress,
            origin: self.origin(decl.span),
        })
    }

    /// `via GATEWAY` on an external: the gateway must be an egress gateway with a server
    /// for each kind of port the external has, and it must accept the external's hosts.
    fn egress_route(&mut self, via: &ast::Name, hosts: &[String], ports: &[model::Port]) -> Option<model::EgressRoute> {
        let Some(gateway) = self.decls.gateway(&via.node) else {
            let candidates = self.decls.gateways.iter().filter(|g| g.egress).map(|g| g.name.node.as_str()).collect();
            self.unknown("E0104", "gateway", via, candidates);
            return None;
        };
        self.record_ref(via.span, crate::index::DefKind::Gateway, &via.node, None);
        if !gateway.egress {
            self.report(
                Diagnostic::error("E0307", via.span, format!("gateway `{}` is not an egress gateway", via.node))
                    .with_span_label("traffic leaves the mesh through an egress gateway")
                    .with_label(gateway.name.span, "declared without `egress`")
                    .with_note("declare it as `gateway NAME egress { … }`"),
            );
            return None;
        }
        let namespace = self.gateway_namespace(gateway);
        let mut servers: Vec<(ast::ServerProtocol, u32, bool)> = Vec::new();
        for server in &gateway.servers {
            if let ast::ValueKind::Number(n) = &server.port.kind {
                if let Ok(port) = n.parse() {
                    servers.push((server.protocol, port, server.passthrough.is_some()));
                }
            }
        }
        let mut legs = Vec::new();
        for port in ports {
            let kind = match port.protocol {
                Protocol::Https | Protocol::Tls => model::EgressKind::Tls,
                p if p.is_http() => model::EgressKind::Http,
                _ => model::EgressKind::Tcp,
            };
            let server = servers.iter().find(|(protocol, _, passthrough)| match kind {
                model::EgressKind::Tls => *protocol == ast::ServerProtocol::Tls && *passthrough,
                model::EgressKind::Http => *protocol == ast::ServerProtocol::Http,
                model::EgressKind::Tcp => *protocol == ast::ServerProtocol::Tcp,
            });
            match server {
                Some((_, gateway_port, _)) => {
                    if kind == model::EgressKind::Tcp {
                        let key = (gateway.name.node.clone(), *gateway_port);
                        if let Some(first) = self.egress_tcp_ports.get(&key).copied().filter(|first| *first != via.span)
                        {
                            self.report(
                                Diagnostic::error(
                                    "E0307",
                                    via.span,
                                    format!("two externals leave through the `tcp {gateway_port}` server of `{}`", via.node),
                                )
                                .with_span_label("the gateway could not tell this external's traffic from the other's")
                                .with_label(first, "the other external")
                                .with_note("plain TCP has no host name to route by: give each TCP external its own `tcp` server port"),
                            );
                            return None;
                        }
                        self.egress_tcp_ports.insert(key, via.span);
                    }
                    legs.push(model::EgressLeg { port: port.number, gateway_port: *gateway_port, kind })
                }
                None => {
                    let wanted = match kind {
                        model::EgressKind::Tls => "`tls <port> passthrough`",
                        model::EgressKind::Http => "`http <port>`",
                        model::EgressKind::Tcp => "`tcp <port>`",
                    };
                    self.report(
                        Diagnostic::error(
                            "E0307",
                            via.span,
                            format!("egress gateway `{}` has no {wanted} server for port `{}`", via.node, port.name),
                        )
                        .with_span_label(format!("port {} of this external cannot pass the gateway", port.number))
                        .with_label(gateway.name.span, "the gateway")
                        .with_note("TLS leaves through a `tls … passthrough` server, HTTP through an `http` server, other TCP protocols through a `tcp` server"),
                    );
                    return None;
                }
            }
        }
        let served = self.gateway_hosts(gateway);
        for host in hosts {
            if !served.iter().any(|p| super::gateways::host_covers(p, host)) {
                self.report(
                    Diagnostic::error("E0403", via.span, format!("host `{host}` is not served by `{}`", via.node))
                        .with_span_label("the egress gateway must accept the external's hosts")
                        .with_label(gateway.name.span, "add the host (or the external's name) to its `hosts`"),
                );
                return None;
            }
        }
        let mut labels = gateway.selector.iter().map(|(k, v)| (k.node.as_str(), v));
        let service = match labels.find(|(k, _)| *k == "istio") {
            Some((_, v)) => format!("istio-{}", self.string(v)?),
            None if gateway.selector.is_empty() => "istio-egressgateway".to_string(),
            None => gateway.name.node.clone(),
        };
        Some(model::EgressRoute {
            gateway: format!("{namespace}/{}", gateway.name.node),
            gateway_host: format!("{service}.{namespace}.svc.cluster.local"),
            legs,
        })
    }

    fn is_ip_literal(&self, value: &ast::Value) -> bool {
        matches!(&value.kind, ast::ValueKind::Str(s) if s.as_plain().is_some_and(|t| t.parse::<std::net::IpAddr>().is_ok()))
    }

    /// An IP (or CIDR when `cidr`), or for endpoints a host name.
    fn address(&mut self, value: &ast::Value, cidr: bool) -> Option<String> {
        let text = self.string(value)?;
        let (ip, prefix) = text.split_once('/').map_or((text.as_str(), None), |(a, p)| (a, Some(p)));
        let ip_ok = ip.parse::<std::net::IpAddr>().is_ok();
        let prefix_ok =
            prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= if ip.contains(':') { 128 } else { 32 }));
        if cidr {
            if !(ip_ok && prefix_ok) {
                self.report(
                    Diagnostic::error("E0205", value.span, format!("invalid address `{text}`"))
                        .with_span_label("expected an IP address or a CIDR block"),
                );
                return None;
            }
        } else if prefix.is_some() || (!ip_ok && super::values::check_host(&text).is_err()) {
            self.report(
                Diagnostic::error("E0205", value.span, format!("invalid endpoint `{text}`"))
                    .with_span_label("expected an IP address or a host name"),
            );
            return None;
        }
        Some(text)
    }

    fn check_resolution(
        &mut self,
        decl: &ast::ExternalDecl,
        resolution: model::Resolution,
        endpoints: &[String],
        addresses: &[String],
        hosts: &[String],
        ports: &[model::Port],
    ) {
        let at = decl.resolution.as_ref().map_or(decl.name.span, |r| r.span);
        match resolution {
            model::Resolution::None if !endpoints.is_empty() => self.report(
                Diagnostic::error("E0307", at, "resolution `none` cannot have endpoints")
                    .with_span_label("use `static` for fixed IPs or `dns`"),
            ),
            model::Resolution::Static => {
                if endpoints.is_empty() {
                    self.report(
                        Diagnostic::error("E0307", at, "resolution `static` needs endpoints")
                            .with_span_label("add `endpoints \"10.0.0.1\", …`"),
                    );
                }
                if let Some((i, bad)) =
                    endpoints.iter().enumerate().find(|(_, e)| e.parse::<std::net::IpAddr>().is_err())
                {
                    self.report(
                        Diagnostic::error(
                            "E0307",
                            decl.endpoints[i].span,
                            format!("static endpoint `{bad}` is not an IP address"),
                        )
                        .with_span_label("with `static` resolution endpoints are IPs; use `dns` for names"),
                    );
                }
            }
            model::Resolution::DnsRoundRobin if endpoints.len() > 1 => self.report(
                Diagnostic::error("E0307", at, "resolution `dns_round_robin` allows at most one endpoint")
                    .with_span_label("use `dns` for several"),
            ),
            _ => {}
        }
        if resolution != model::Resolution::Static && resolution != model::Resolution::None && !addresses.is_empty() {
            if let Some(cidr) = decl.addresses.iter().zip(addresses).find(|(_, a)| a.contains('/')) {
                self.report(
                    Diagnostic::error("E0307", cidr.0.span, "CIDR addresses need resolution `static` or `none`")
                        .with_span_label("a CIDR block"),
                );
            }
        }
        let tcp = ports.iter().any(|p| !p.protocol.is_http() && !matches!(p.protocol, Protocol::Https | Protocol::Tls));
        if tcp && hosts.len() > 1 && resolution != model::Resolution::None {
            self.report(
                Diagnostic::error(
                    "E0307",
                    decl.name.span,
                    "an external with a TCP port and several hosts needs resolution `none`",
                )
                .with_span_label("Istio cannot tell the hosts apart on a plain TCP port")
                .with_note("split it into one external per host"),
            );
        }
    }
}
