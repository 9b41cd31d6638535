//! `deny` rules that protect less, or refuse more, than they seem to.
//!
//! - W0307: an exact path: `/admin/`, `/admin/users` and `/Admin` are other paths, so they
//!   are not denied (Istio advises against positive matches in DENY policies).
//! - W0308: HTTP-only fields (methods, paths, headers, claims, JWT subjects) on a workload
//!   with TCP ports: Istio cannot evaluate them on a TCP connection and, for a DENY, drops
//!   them and keeps the rest, so the rule refuses every TCP connection it still matches.
//! - W0309: a rule on mTLS identities (services, accounts, namespaces) for a workload that
//!   accepts plain text: a plain-text request has no identity, so it is never denied
//!   (ISTIO-SECURITY-2021-004).

use meshc_syntax::ast::{self, Source, ValueKind};

use super::{Lints, PolicyPair};
use crate::model::{AuthAction, AuthRule, Port, Service};
use crate::Diagnostic;

/// `when` keys that exist on TCP connections too.
const L4_KEYS: &[&str] = &[
    "source.ip",
    "remote.ip",
    "source.namespace",
    "source.principal",
    "destination.ip",
    "destination.port",
    "connection.sni",
];

impl<'m> Lints<'m, '_> {
    pub(super) fn deny_rules(&mut self) {
        for pair in self.policies() {
            for (rule, decl) in pair.rules() {
                let Some(decl) = decl else { continue };
                if rule.action != AuthAction::Deny {
                    continue;
                }
                self.exact_paths(rule, decl);
                self.http_fields_on_tcp(&pair, rule, decl);
                self.identities_in_plain_text(&pair, rule, decl);
            }
        }
    }

    fn exact_paths(&mut self, rule: &AuthRule, decl: &ast::AuthRule) {
        let Some(to) = &decl.to else { return };
        if to.paths.len() != rule.paths.len() {
            return;
        }
        for (path, value) in rule.paths.iter().zip(&to.paths) {
            if path.contains('*') || path.contains('{') {
                continue;
            }
            let shown = path.trim_end_matches('/');
            let mut d =
                Diagnostic::warning("W0307", value.span, format!("this `deny` matches the exact path `{path}` only"))
                    .with_span_label(format!("`{shown}/`, `{shown}/x` and other spellings are not denied"))
                    .with_note(
                        "deny a prefix (`\"/admin*\"`), or better: `default deny` and allow the paths callers need",
                    );
            if matches!(&value.kind, ValueKind::Str(s) if s.as_plain().is_some()) {
                let escaped = path.replace('\\', "\\\\").replace('"', "\\\"");
                d = d.with_suggestion(
                    value.span,
                    format!("\"{escaped}*\""),
                    format!("deny everything under it: `\"{escaped}*\"`"),
                );
            }
            self.warn(d);
        }
    }

    fn http_fields_on_tcp(&mut self, pair: &PolicyPair<'m, '_>, rule: &AuthRule, decl: &ast::AuthRule) {
        let http_only = !rule.methods.is_empty()
            || !rule.paths.is_empty()
            || rule.from.iter().any(|s| !s.request_principals.is_empty())
            || rule.when.iter().any(|c| !L4_KEYS.contains(&c.key.as_str()) && !c.key.starts_with("experimental."));
        if !http_only {
            return;
        }
        let tcp = self.services_of(&pair.policy.scope).into_iter().find_map(|service| {
            let port = service
                .ports
                .iter()
                .find(|p| !p.protocol.is_http() && (rule.ports.is_empty() || rule.ports.contains(&p.number)))?;
            Some((service, port))
        });
        let Some((service, port)) = tcp else { return };
        let from = if rule.from.is_empty() { "" } else { " from the callers it names" };
        self.warn(
            Diagnostic::warning(
                "W0308",
                decl.span,
                format!(
                    "this `deny` also refuses every TCP connection{from} to port {} of `{}`",
                    port.number, service.name
                ),
            )
            .with_span_label("methods, paths, headers, claims and JWT subjects do not exist on a TCP connection")
            .with_note(format!(
                "Istio drops them from a `deny` on the {} port {} (`{}`) and keeps the rest of the rule",
                protocol_word(port),
                port.number,
                port.name
            ))
            .with_note("limit the rule to the HTTP ports with `port …` in its `to`"),
        );
    }

    fn identities_in_plain_text(&mut self, pair: &PolicyPair<'m, '_>, rule: &AuthRule, decl: &ast::AuthRule) {
        let on_identity = rule.from.iter().any(|s| !s.principals.is_empty() || !s.namespaces.is_empty())
            || rule.when.iter().any(|c| matches!(c.key.as_str(), "source.principal" | "source.namespace"));
        if !on_identity {
            return;
        }
        let Some(service) = self.services_of(&pair.policy.scope).into_iter().find(|s| !self.strict(s)) else { return };
        let span = decl
            .from
            .iter()
            .find_map(|s| match s {
                Source::Workload(n) | Source::Account(n) | Source::Namespace(n) => Some(n.span),
                _ => None,
            })
            .unwrap_or(decl.span);
        self.warn(
            Diagnostic::warning(
                "W0309",
                span,
                format!("plain-text requests to `{}` skip this `deny`: {}", service.name, self.plain_text_reason(service)),
            )
            .with_span_label("a plain-text request carries no mTLS identity to match")
            .with_note("set `mtls strict` for the workloads this rule protects (Istio security bulletin ISTIO-SECURITY-2021-004)"),
        );
    }

    fn plain_text_reason(&self, service: &Service) -> String {
        match self.mtls_of(service) {
            None => "no policy sets its mTLS mode".to_string(),
            Some(mode) if mode != crate::model::MtlsMode::Strict => {
                format!("its mTLS mode is `{}`", super::mode_word(mode))
            }
            Some(_) => "one of its ports accepts plain text".to_string(),
        }
    }
}

fn protocol_word(port: &Port) -> &'static str {
    port.protocol.as_istio()
}
