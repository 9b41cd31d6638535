//! Sidecar scopes: which hosts a workload may reach and which ports it accepts.
//! Listeners are ordered by construction (port-specific first, the catch-all last),
//! and hosts are always `namespace/fqdn`, so Istio's ordering and short-name rules hold.

use meshc_syntax::ast::{self, EgressHost};

use super::Checker;
use crate::index::DefKind;
use crate::model::{self, Protocol};
use crate::Diagnostic;

pub(crate) const OUTBOUND_POLICIES: &[&str] = &["registry_only", "allow_any"];

impl<'a> Checker<'a> {
    pub(crate) fn sidecar(&mut self, decl: &'a ast::SidecarDecl) -> Option<model::Sidecar> {
        let (workload, service) = self.workload_ref(&decl.target)?;
        let mut catch_all: Vec<String> = Vec::new();
        let mut by_port: Vec<model::Egress> = Vec::new();
        for egress in &decl.egress {
            let hosts = self.egress_hosts(&egress.hosts);
            match &egress.port {
                None => extend_unique(&mut catch_all, hosts),
                Some(p) => {
                    let Some(number) = self.port_number(p) else { continue };
                    if by_port.iter().any(|e| e.port.as_ref().is_some_and(|x| x.number == number)) {
                        self.report(
                            Diagnostic::error("E0301", egress.span, format!("two egress listeners for port {number}"))
                                .with_span_label("merge the hosts into one `egress port` line"),
                        );
                        continue;
                    }
                    let port = self.egress_port(&egress.hosts, number);
                    by_port.push(model::Egress { port: Some(port), hosts });
                }
            }
        }
        if !catch_all.is_empty() {
            by_port.push(model::Egress { port: None, hosts: catch_all });
        }
        let ports = self.ports(&service.ports, &service.name);
        let mut ingress = Vec::new();
        let mut seen_ingress: Vec<(&str, meshc_syntax::Span)> = Vec::new();
        for i in &decl.ingress {
            if let Some((_, first)) = seen_ingress.iter().find(|(name, _)| *name == i.port.node) {
                self.report(
                    Diagnostic::error(
                        "E0301",
                        i.port.span,
                        format!("port `{}` has two ingress listeners", i.port.node),
                    )
                    .with_span_label("second listener")
                    .with_label(*first, "first one"),
                );
                continue;
            }
            seen_ingress.push((&i.port.node, i.port.span));
            let Some(port) = ports.iter().find(|p| p.name == i.port.node) else {
                let candidates = ports.iter().map(|p| p.name.as_str()).collect();
                self.unknown_port(&service.name.node, &i.port, candidates);
                continue;
            };
            self.record_ref(i.port.span, DefKind::Port, &i.port.node, Some(&service.name.node));
            let endpoint = match &i.endpoint {
                Some(e) => {
                    let text = self.string(e)?;
                    if !valid_endpoint(&text) {
                        self.report(
                            Diagnostic::error("E0205", e.span, format!("invalid default endpoint `{text}`"))
                                .with_span_label("expected `127.0.0.1:PORT`, `0.0.0.0:PORT`, `[::1]:PORT`, `[::]:PORT` or `unix:///path`"),
                        );
                        continue;
                    }
                    text
                }
                None => format!("127.0.0.1:{}", port.number),
            };
            ingress.push(model::Ingress { port: port.clone(), endpoint });
        }
        if decl.egress.is_empty() && decl.ingress.is_empty() && decl.outbound.is_none() {
            self.report(
                Diagnostic::error("E0306", decl.target.span, "this sidecar scope is empty")
                    .with_span_label("add `egress …`, `ingress …` or `outbound registry_only`"),
            );
            return None;
        }
        if by_port.is_empty() && ingress.is_empty() && decl.outbound.is_none() {
            return None; // every statement had an error, already reported
        }
        let registry_only = match &decl.outbound {
            Some(o) => {
                Some(self.choose(&o.node, o.span, None, OUTBOUND_POLICIES, "outbound policy")? == "registry_only")
            }
            None => None,
        };
        Some(model::Sidecar { workload, egress: by_port, ingress, registry_only, origin: self.origin(decl.span) })
    }

    /// The protocol of a port-specific egress listener: the one the listed services or
    /// externals declare for that port number; plain TCP when none does, which passes any
    /// traffic (an HTTP guess would break a database connection).
    fn egress_port(&mut self, hosts: &[EgressHost], number: u32) -> model::Port {
        for host in hosts {
            let EgressHost::Ref(name) = host else { continue };
            let declared = match (self.decls.service(&name.node), self.decls.external(&name.node)) {
                (Some(s), _) => self.ports(&s.ports, &s.name),
                (None, Some(e)) => self.ports(&e.ports, &e.name),
                _ => continue,
            };
            if let Some(port) = declared.iter().find(|p| p.number == number) {
                return model::Port {
                    name: format!("{}-{number}", port.name.split('-').next().unwrap_or("tcp")),
                    ..port.clone()
                };
            }
        }
        model::Port { name: format!("tcp-{number}"), number, protocol: Protocol::Tcp }
    }

    pub(crate) fn egress_hosts(&mut self, hosts: &[EgressHost]) -> Vec<String> {
        let mut out = Vec::new();
        for host in hosts {
            match host {
                EgressHost::Local(_) => out.push("./*".to_string()),
                EgressHost::Namespace(ns) => out.push(format!("{}/*", ns.node)),
                EgressHost::Ref(name) => {
                    if let Some(s) = self.decls.service(&name.node) {
                        self.record_ref(name.span, DefKind::Service, &name.node, None);
                        out.push(format!("{}/{}", self.service_namespace(s), self.service_fqdn(s)));
                    } else if let Some(e) = self.decls.external(&name.node) {
                        self.record_ref(name.span, DefKind::External, &name.node, None);
                        for h in &e.hosts {
                            if let ast::Host::Literal(v) = h {
                                if let Some(text) = self.string(v) {
                                    out.push(format!("{}/{}", self.namespace, text.to_ascii_lowercase()));
                                }
                            }
                        }
                    } else {
                        let candidates = self.decls.destination_names();
                        self.unknown("E0101", "service", name, candidates);
                    }
                }
            }
        }
        let mut unique = Vec::new();
        extend_unique(&mut unique, out);
        unique
    }
}

fn extend_unique(into: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

fn valid_endpoint(text: &str) -> bool {
    if let Some(path) = text.strip_prefix("unix://") {
        return path.starts_with('/');
    }
    let port = ["127.0.0.1:", "0.0.0.0:", "[::1]:", "[::]:", ":"].iter().find_map(|prefix| text.strip_prefix(prefix));
    port.is_some_and(|p| p.parse::<u16>().is_ok_and(|n| n > 0))
}
