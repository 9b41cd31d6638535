//! Rate limits: a local token bucket on a workload's inbound HTTP port, and a global
//! rate-limit service reached through Envoy's ratelimit filter.

use meshc_syntax::ast::{self, Descriptor};

use super::Checker;
use crate::index::DefKind;
use crate::model;
use crate::Diagnostic;

impl<'a> Checker<'a> {
    pub(crate) fn limit(&mut self, decl: &'a ast::LimitDecl) -> Option<model::Limit> {
        let (workload, service) = self.workload_ref(&decl.target)?;
        let ports = self.ports(&service.ports, &service.name);
        let Some(port) = ports.iter().find(|p| p.protocol.is_http()) else {
            self.report(
                Diagnostic::error(
                    "E0307",
                    decl.target.span,
                    format!("`{}` has no HTTP port to rate-limit", decl.target.node),
                )
                .with_span_label("rate limits apply to HTTP requests")
                .with_note("name one of its ports `http`, `http2`, `grpc` or `grpc-web`"),
            );
            return None;
        };
        let presets = self.expand(&decl.uses, &[ast::StatementFamily::Limit], "a limit");
        let merged;
        let decl: &ast::LimitDecl = if presets.is_empty() {
            decl
        } else {
            let mut m = decl.clone();
            for body in presets.iter().rev() {
                m.local = m.local.or_else(|| body.local.clone());
                m.global = m.global.or_else(|| body.global.clone());
            }
            merged = m;
            &merged
        };
        if decl.local.is_none() && decl.global.is_none() && decl.uses.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.target.span, "this limit sets neither a `local` nor a `global` limit")
                    .with_span_label("add `local 100/1s` or `global <rate-limit-service>`"),
            );
        }
        let local = match &decl.local {
            Some(l) => {
                let rate = self.rate(&l.rate)?;
                let max_tokens = match &l.burst {
                    Some(b) => self.int(b, 1, u32::MAX as u64, "burst")?,
                    None => rate.count,
                };
                if max_tokens < rate.count {
                    self.report(
                        Diagnostic::error(
                            "E0202",
                            l.burst.as_ref().map_or(l.span, |b| b.span),
                            format!("burst {max_tokens} is smaller than the {} tokens added each interval", rate.count),
                        )
                        .with_span_label("the bucket could never hold a full refill")
                        .with_note("the burst is the bucket size; make it at least the rate's count"),
                    );
                    return None;
                }
                Some(model::LocalLimit { tokens_per_fill: rate.count, fill_interval: rate.per, max_tokens })
            }
            None => None,
        };
        let global = match &decl.global {
            Some(g) => Some(self.global_limit(service, g)?),
            None => None,
        };
        Some(model::Limit { workload, port: port.number, local, global, origin: self.origin(decl.span) })
    }

    fn global_limit(&mut self, target: &ast::ServiceDecl, g: &ast::GlobalLimit) -> Option<model::GlobalLimit> {
        let Some(service) = self.decls.service(&g.service.node) else {
            let candidates = self.decls.services.iter().map(|s| s.name.node.as_str()).collect();
            self.unknown("E0101", "service", &g.service, candidates);
            return None;
        };
        self.record_ref(g.service.span, DefKind::Service, &g.service.node, None);
        let destination = ast::Destination {
            target: g.service.clone(),
            version: None,
            port: g.port.clone(),
            weight: None,
            span: g.span,
        };
        let port = self.destination_port(&service.name, &service.ports, &destination)?;
        if !matches!(port.protocol, model::Protocol::Grpc | model::Protocol::Http2) {
            self.report(
                Diagnostic::error(
                    "E0307",
                    g.port.as_ref().map_or(g.service.span, |p| p.span()),
                    format!(
                        "Envoy talks gRPC to a rate-limit service, but port `{}` speaks {}",
                        port.name,
                        port.protocol.as_istio()
                    ),
                )
                .with_span_label("not a gRPC port")
                .with_note("declare the service's rate-limit port as `port grpc <number>`"),
            );
            return None;
        }
        let fqdn = self.service_fqdn(service);
        self.check_reachable(target, &self.service_namespace(service), &fqdn, g.service.span);
        let port = port.number;
        let domain = match &g.domain {
            Some(d) => self.string(d)?,
            None => self.decls.mesh.map_or_else(|| "mesh".to_string(), |m| m.name.node.clone()),
        };
        let timeout = match &g.timeout {
            Some(t) => self.duration(t)?,
            None => model::Duration(100),
        };
        let mut descriptors = Vec::new();
        for d in &g.descriptors {
            descriptors.push(match d {
                Descriptor::RemoteAddress(_) => model::RateDescriptor::RemoteAddress,
                Descriptor::Path(_) => model::RateDescriptor::Path,
                Descriptor::Header(h) => model::RateDescriptor::Header(self.header_name(h, false)?),
            });
        }
        if descriptors.is_empty() {
            descriptors.push(model::RateDescriptor::RemoteAddress);
        }
        Some(model::GlobalLimit { cluster: format!("outbound|{port}||{fqdn}"), domain, descriptors, timeout })
    }

    /// When the limited workload has a sidecar scope, it must let the workload reach the
    /// rate-limit service; otherwise the cluster does not exist and the filter, which fails
    /// open, lets every request through.
    fn check_reachable(&mut self, workload: &ast::ServiceDecl, namespace: &str, fqdn: &str, at: meshc_syntax::Span) {
        let Some(sidecar) = self.decls.sidecars.iter().copied().find(|s| s.target.node == workload.name.node) else {
            return;
        };
        if sidecar.egress.is_empty() {
            return;
        }
        let own_namespace = self.service_namespace(workload);
        let hosts: Vec<String> = sidecar.egress.iter().flat_map(|e| self.egress_hosts(&e.hosts)).collect();
        let reachable = hosts.iter().any(|h| {
            let (ns, host) = h.split_once('/').unwrap_or(("*", h));
            let ns_ok = ns == "*" || ns == namespace || (ns == "." && own_namespace == namespace);
            ns_ok && (host == "*" || host == fqdn)
        });
        if !reachable {
            self.report(
                Diagnostic::error("E0307", at, format!("the sidecar scope of `{}` does not let it reach `{fqdn}`", workload.name.node))
                    .with_span_label("rate-limit service out of the workload's reach")
                    .with_label(sidecar.target.span, "this sidecar scope limits its egress")
                    .with_note("add the rate-limit service to the sidecar's `egress`; without it Envoy has no cluster and the limit is never applied"),
            );
        }
    }
}
