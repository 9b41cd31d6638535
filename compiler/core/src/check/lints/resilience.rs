//! W0304: HTTP rules without a timeout (Istio sets none, so a hung upstream holds callers
//! forever); W0305: external dependencies without outlier detection (a failing endpoint
//! stays in the pool and keeps receiving its share of requests).

use meshc_syntax::ast::{self, Condition};

use super::Lints;
use crate::model::HttpAction;
use crate::Diagnostic;

impl Lints<'_, '_> {
    pub(super) fn resilience(&mut self) {
        self.timeouts();
        self.outlier_detection();
    }

    fn timeouts(&mut self) {
        for route in &self.mesh.routes {
            let Some(decl) = self.decls.route(&route.name) else { continue };
            let written: Vec<&ast::RouteRule> = decl.rules.iter().filter(|r| is_http(r)).collect();
            if written.len() != route.http.len() {
                continue;
            }
            for (rule, decl_rule) in route.http.iter().zip(written) {
                if matches!(rule.action, HttpAction::Forward(_)) && rule.timeout.is_none() {
                    self.warn(
                        Diagnostic::warning(
                            "W0304",
                            decl_rule.match_span,
                            format!(
                                "requests of this rule of route `{}` never time out in production environment `{}`",
                                route.name,
                                self.env()
                            ),
                        )
                        .with_span_label("no `timeout` here or in the route")
                        .with_note("Istio sets no timeout on HTTP routes: a hung upstream holds every caller and its retries")
                        .with_note("add `timeout 10s` to the rule or the route (for long streams, a long timeout such as `timeout 1h`)"),
                    );
                }
            }
        }
    }

    fn outlier_detection(&mut self) {
        for external in &self.mesh.externals {
            if external.policy.eject.is_some() {
                continue;
            }
            let Some(decl) = self.decls.external(&external.name) else { continue };
            self.warn(
                Diagnostic::warning(
                    "W0305",
                    decl.name.span,
                    format!(
                        "external `{}` has no outlier detection in production environment `{}`",
                        external.name,
                        self.env()
                    ),
                )
                .with_span_label("a failing endpoint of this dependency is never ejected")
                .with_note("add e.g. `eject consecutive_gateway 5, interval 30s, base_time 30s, max_percent 50%`"),
            );
        }
    }
}

/// Rules that the checker routes as HTTP: no `sni` or `tcp` match.
fn is_http(rule: &ast::RouteRule) -> bool {
    !rule.conditions.iter().any(|c| matches!(c, Condition::Sni { .. } | Condition::Tcp { .. }))
}
