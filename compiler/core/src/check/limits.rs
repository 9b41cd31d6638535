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
        if decl.local.is_none() && decl.global.is_none() {
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
            Some(g) => Some(self.global_limit(g)?),
            None => None,
        };
        Some(model::Limit { workload, port: port.number, local, global, origin: self.origin(decl.span) })
    }

    fn global_limit(&mut self, g: &ast::GlobalLimit) -> Option<model::GlobalLimit> {
        let Some(service) = self.decls.service(&g.service.node) else {
            let candidates = self.decls.services.iter().map(|s| s.name.node.as_str()).collect();
            self.unknown("E0101", "service", &g.service, candidates);
            return None;
        };
        self.record_ref(g.service.span, DefKind::Service, &g.service.node, None);
        let ports = self.ports(&service.ports, &service.name);
        let port = match &g.port {
            None if ports.len() == 1 => ports[0].number,
            None => {
                self.report(
                    Diagnostic::error(
                        "E0401",
                        g.service.span,
                        format!("`{}` has several ports; say which one serves rate-limit requests", g.service.node),
                    )
                    .with_span_label("which port?"),
                );
                return None;
            }
            Some(ast::PortRef::Number(n, span)) => match ports.iter().find(|p| p.number == *n) {
                Some(p) => p.number,
                None => {
                    self.report(
                        Diagnostic::error("E0103", *span, format!("`{}` has no port {n}", g.service.node))
                            .with_span_label("not one of its ports"),
                    );
                    return None;
                }
            },
            Some(ast::PortRef::Name(name)) => match ports.iter().find(|p| p.name == name.node) {
                Some(p) => {
                    self.record_ref(name.span, DefKind::Port, &name.node, Some(&service.name.node));
                    p.number
                }
                None => {
                    let candidates = ports.iter().map(|p| p.name.as_str()).collect();
                    self.unknown("E0103", &format!("port of `{}`:", service.name.node), name, candidates);
                    return None;
                }
            },
        };
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
        Some(model::GlobalLimit {
            cluster: format!("outbound|{port}||{}", self.service_fqdn(service)),
            domain,
            descriptors,
            timeout,
        })
    }
}
