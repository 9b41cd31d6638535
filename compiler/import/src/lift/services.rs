//! DestinationRules → the `versions` and traffic policy (`pool`, `eject`, `balance`,
//! `warmup`, `tls`) of a `service` or an `external`; and the `service` declarations
//! themselves, once every object has told what it knows about them.

use super::hosts::{self, Host};
use super::registry::ServiceInfo;
use super::{boolean, cannot, duration, int, text, Cannot, Lift};
use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family};
use crate::yaml::Node;

impl<'a> Lift<'a> {
    pub(super) fn destination_rule(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a DestinationRule needs a spec"))?;
        super::only(spec, "spec", &["host", "trafficPolicy", "subsets"])?;
        let host = text(spec, "host").unwrap_or_default().to_ascii_lowercase();
        let namespace = self.ns(object);
        let policy = traffic_policy(spec.get("trafficPolicy"), "spec.trafficPolicy")?;
        let versions = subsets(spec)?;
        if let Some(external) = self.reg.external_of_host(&host).map(|e| e.name.clone()) {
            if !versions.is_empty() {
                return Err(cannot("spec.subsets", "externals have no versions in .mesh"));
            }
            if namespace != self.namespace {
                return Err(cannot(
                    "metadata.namespace",
                    format!("meshc writes an external's DestinationRules in the mesh namespace `{}`", self.namespace),
                ));
            }
            if policy.is_empty() {
                return Err(cannot("spec", "a DestinationRule with no traffic policy has no .mesh form"));
            }
            let info = self.reg.externals.iter_mut().find(|e| e.name == external).expect("found by host");
            if self.survey {
                if info.rules.iter().any(|(h, _)| *h == host) {
                    return Err(cannot("spec.host", format!("a second DestinationRule for `{host}`")));
                }
                if !info.rules.is_empty() && info.policy != policy {
                    return Err(cannot(
                        "spec.trafficPolicy",
                        format!(
                            "the hosts of external `{external}` share one traffic policy in .mesh; this one differs"
                        ),
                    ));
                }
                info.rules.push((host.clone(), id));
                info.policy = policy;
                info.objects.push(id);
            } else {
                if info.rules.len() != info.hosts.len() {
                    return Err(cannot("spec.host", format!("meshc writes a DestinationRule for every host of external `{external}`; the input has none for some of them")));
                }
                let index = info.hosts.iter().position(|h| *h == host).unwrap_or(0);
                let name = if index == 0 { external.clone() } else { format!("{external}-{index}") };
                self.writes_as(id, "DestinationRule", &namespace, &name);
            }
            return Ok(());
        }
        let Host::Service(name, service_namespace) = hosts::parse(&host, &namespace) else {
            return Err(cannot(
                "spec.host",
                format!("`{host}` is neither a Kubernetes Service nor a host of an imported ServiceEntry"),
            ));
        };
        if service_namespace != namespace {
            return Err(cannot(
                "metadata.namespace",
                format!("this DestinationRule is in `{namespace}`, its service in `{service_namespace}`; meshc writes it in the service's namespace"),
            ));
        }
        if policy.is_empty() && versions.is_empty() {
            return Err(cannot("spec", "a DestinationRule with no subsets and no traffic policy has no .mesh form"));
        }
        let service = self.reg.ensure(&name, &namespace, id).map_err(|why| cannot("spec.host", why))?;
        if self.survey {
            if service.rule.is_some_and(|other| other != id) {
                return Err(cannot("spec.host", format!("a second DestinationRule for service `{name}`")));
            }
            service.rule = Some(id);
            service.versions = versions;
            service.policy = policy;
        }
        self.writes_as(id, "DestinationRule", &namespace, &name);
        Ok(())
    }

    /// The `service` declaration of what the registry knows about it.
    pub(super) fn service_decl(&self, service: &ServiceInfo) -> Decl {
        let mut decl = Decl::new(Family::Service, format!("service {}", service.name));
        decl.objects = service.objects.clone();
        if service.rule.is_none() {
            decl.comment = Some("no DestinationRule: declared for the objects that refer to it".to_string());
        }
        if service.namespace != self.namespace {
            decl.line(format!("namespace {}", service.namespace));
        }
        for (name, number) in service.port_names() {
            decl.line(format!("port {name} {number}"));
        }
        if let Some(account) = &service.account {
            if *account != service.name {
                decl.line(format!("account {account}"));
            }
        }
        if !service.versions.is_empty() {
            decl.line(format!("versions {}", service.versions.join(", ")));
        }
        for line in &service.policy {
            decl.line(line.clone());
        }
        decl
    }
}

/// `subsets` as `versions`: each must select `version: <its name>` and nothing else.
fn subsets(spec: &Node) -> Result<Vec<String>, Cannot> {
    let mut versions = Vec::new();
    for (i, subset) in spec.get("subsets").map(Node::items).unwrap_or_default().iter().enumerate() {
        let path = format!("spec.subsets[{i}]");
        let name = text(subset, "name").unwrap_or_default();
        let labels = crate::objects::string_map(subset.get("labels"));
        if labels.len() != 1 || labels.get("version").map(String::as_str) != Some(name) {
            return Err(cannot(
                format!("{path}.labels"),
                format!("meshc writes subset `{name}` as the label `version: {name}`; this one selects pods by other labels"),
            ));
        }
        if subset.get("trafficPolicy").is_some() {
            return Err(cannot(format!("{path}.trafficPolicy"), "per-version traffic policies have no .mesh form"));
        }
        versions.push(super::name(name, &format!("{path}.name"), "version")?);
    }
    Ok(versions)
}

/// A `trafficPolicy` as `pool`, `eject`, `balance`, `warmup` and `tls` lines. Fields the
/// language has no statement for are left to the round trip, which names them.
pub(super) fn traffic_policy(node: Option<&Node>, path: &str) -> Result<Vec<String>, Cannot> {
    let Some(node) = node else { return Ok(Vec::new()) };
    super::only(node, path, &["connectionPool", "loadBalancer", "outlierDetection", "tls"])?;
    let mut lines = Vec::new();
    if let Some(pool) = node.get("connectionPool") {
        let path = format!("{path}.connectionPool");
        let mut tcp_settings = Vec::new();
        if let Some(tcp) = pool.get("tcp") {
            let p = format!("{path}.tcp");
            count(tcp, "maxConnections", "max_connections", &mut tcp_settings);
            time(tcp, "connectTimeout", "connect_timeout", &p, &mut tcp_settings)?;
            if let Some(keepalive) = tcp.get("tcpKeepalive") {
                let p = format!("{p}.tcpKeepalive");
                time(keepalive, "time", "keepalive_time", &p, &mut tcp_settings)?;
                time(keepalive, "interval", "keepalive_interval", &p, &mut tcp_settings)?;
                count(keepalive, "probes", "keepalive_probes", &mut tcp_settings);
            }
            time(tcp, "idleTimeout", "tcp_idle_timeout", &p, &mut tcp_settings)?;
            time(tcp, "maxConnectionDuration", "max_connection_duration", &p, &mut tcp_settings)?;
        }
        let mut http_settings = Vec::new();
        if let Some(http) = pool.get("http") {
            let p = format!("{path}.http");
            count(http, "http1MaxPendingRequests", "max_pending", &mut http_settings);
            count(http, "http2MaxRequests", "max_requests", &mut http_settings);
            count(http, "maxRequestsPerConnection", "max_requests_per_connection", &mut http_settings);
            count(http, "maxRetries", "max_retries", &mut http_settings);
            time(http, "idleTimeout", "idle_timeout", &p, &mut http_settings)?;
            if let Some(policy) = text(http, "h2UpgradePolicy") {
                http_settings.push(format!("h2_upgrade {}", policy.to_ascii_lowercase()));
            }
            count(http, "maxConcurrentStreams", "max_concurrent_streams", &mut http_settings);
        }
        // A few settings per line: the formatter does not break long lists.
        for settings in [tcp_settings, http_settings] {
            for chunk in settings.chunks(4) {
                lines.push(format!("pool {}", chunk.join(", ")));
            }
        }
    }
    if let Some(lb) = node.get("loadBalancer") {
        let p = format!("{path}.loadBalancer");
        if let Some(simple) = text(lb, "simple") {
            lines.push(format!("balance {}", simple.to_ascii_lowercase()));
        }
        if let Some(hash) = lb.get("consistentHash") {
            if let Some(header) = text(hash, "httpHeaderName") {
                lines.push(format!("balance hash header {}", program::string(header)));
            } else if let Some(cookie) = hash.get("httpCookie") {
                let mut line =
                    format!("balance hash cookie {}", program::string(text(cookie, "name").unwrap_or_default()));
                if let Some(ttl) = text(cookie, "ttl") {
                    line.push_str(&format!(" ttl {}", duration(ttl, &format!("{p}.consistentHash.httpCookie.ttl"))?));
                }
                lines.push(line);
            } else if let Some(query) = text(hash, "httpQueryParameterName") {
                lines.push(format!("balance hash query {}", program::string(query)));
            } else if boolean(hash, "useSourceIp") == Some(true) {
                lines.push("balance hash source_ip".to_string());
            } else {
                return Err(cannot(format!("{p}.consistentHash"), "this hash key has no .mesh form"));
            }
        }
        if let Some(warmup) = lb.get("warmup").and_then(|w| text(w, "duration")) {
            lines.push(format!("warmup {}", duration(warmup, &format!("{p}.warmup.duration"))?));
        }
    }
    if let Some(outlier) = node.get("outlierDetection") {
        let p = format!("{path}.outlierDetection");
        let mut settings = Vec::new();
        count(outlier, "consecutive5xxErrors", "consecutive_5xx", &mut settings);
        count(outlier, "consecutiveGatewayErrors", "consecutive_gateway", &mut settings);
        count(outlier, "consecutiveLocalOriginFailures", "local_origin", &mut settings);
        time(outlier, "interval", "interval", &p, &mut settings)?;
        time(outlier, "baseEjectionTime", "base_time", &p, &mut settings)?;
        if let Some(n) = int(outlier, "maxEjectionPercent") {
            settings.push(format!("max_percent {n}%"));
        }
        if let Some(n) = int(outlier, "minHealthPercent") {
            settings.push(format!("min_health {n}%"));
        }
        for chunk in settings.chunks(4) {
            lines.push(format!("eject {}", chunk.join(", ")));
        }
    }
    if let Some(tls) = node.get("tls") {
        let mut line = format!("tls {}", text(tls, "mode").unwrap_or("disable").to_ascii_lowercase());
        if let Some(sni) = text(tls, "sni") {
            line.push_str(&format!(" sni {}", program::string(sni)));
        }
        lines.push(line);
    }
    Ok(lines)
}

fn count(node: &Node, field: &str, key: &str, out: &mut Vec<String>) {
    if let Some(n) = int(node, field) {
        out.push(format!("{key} {n}"));
    }
}

fn time(node: &Node, field: &str, key: &str, path: &str, out: &mut Vec<String>) -> Result<(), Cannot> {
    if let Some(d) = text(node, field) {
        out.push(format!("{key} {}", duration(d, &format!("{path}.{field}"))?));
    }
    Ok(())
}
