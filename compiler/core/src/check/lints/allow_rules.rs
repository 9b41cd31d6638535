//! `allow` rules that admit more callers than they seem to.
//!
//! - W0302: a wildcard caller: `from jwt` (any subject) where the verifying `jwt` checks no
//!   audience, so tokens the issuer minted for any other application pass; a JWT subject
//!   whose issuer is a wildcard; an IP block of every address.
//! - W0306: `from` entries of different kinds (mTLS identity, JWT, IP block) are
//!   alternatives, not requirements: `from frontend, jwt` admits any JWT holder.
//! - W0310: a `not in` test, which a request without the header or claim passes too.

use meshc_syntax::ast::{self, Source, WhenTest};
use meshc_syntax::Span;

use super::{Lints, PolicyPair};
use crate::model::{self, AuthAction, AuthRule};
use crate::Diagnostic;

impl<'m> Lints<'m, '_> {
    pub(super) fn allow_rules(&mut self) {
        for pair in self.policies() {
            for (rule, decl) in pair.rules() {
                let Some(decl) = decl else { continue };
                if rule.action != AuthAction::Allow {
                    continue;
                }
                self.wildcard_callers(&pair, rule, decl);
                self.mixed_sources(decl);
                self.negative_tests(rule, decl);
            }
        }
    }

    /// The JWT verifications that apply to any workload of the policy.
    fn jwts_of(&self, pair: &PolicyPair<'m, '_>) -> Vec<&'m model::Jwt> {
        let mut jwts: Vec<&model::Jwt> = Vec::new();
        for service in self.services_of(&pair.policy.scope) {
            for jwt in self.jwts_on(&service.workload) {
                if !jwts.iter().any(|j| j.name == jwt.name) {
                    jwts.push(jwt);
                }
            }
        }
        jwts
    }

    fn wildcard_callers(&mut self, pair: &PolicyPair<'m, '_>, rule: &AuthRule, decl: &ast::AuthRule) {
        let subjects: Vec<&String> = rule.from.iter().flat_map(|s| &s.request_principals).collect();
        let blocks: Vec<&String> = rule.from.iter().flat_map(|s| &s.ip_blocks).collect();
        let jwt_spans: Vec<Span> =
            decl.from.iter().filter_map(|s| if let Source::Jwt(_, span) = s { Some(*span) } else { None }).collect();
        let ip_spans: Vec<Span> =
            decl.from.iter().filter_map(|s| if let Source::Ip(v) = s { Some(v.span) } else { None }).collect();
        if subjects.len() == jwt_spans.len() {
            let jwts = self.jwts_of(pair);
            for (subject, span) in subjects.into_iter().zip(jwt_spans) {
                self.wildcard_subject(subject, span, &jwts);
            }
        }
        if blocks.len() == ip_spans.len() {
            for (block, span) in blocks.into_iter().zip(ip_spans) {
                if block.split_once('/').is_some_and(|(_, bits)| bits.trim() == "0") {
                    self.warn(
                        Diagnostic::warning("W0302", span, format!("`ip \"{block}\"` matches every client address"))
                            .with_span_label("this entry admits anyone who can connect")
                            .with_note("name the callers by identity instead: a service, `account …` or `namespace …`"),
                    );
                }
            }
        }
    }

    fn wildcard_subject(&mut self, subject: &str, span: Span, jwts: &[&model::Jwt]) {
        if subject.starts_with('*') && subject != "*" {
            self.warn(
                Diagnostic::warning("W0302", span, format!("the issuer of JWT subject `{subject}` is a wildcard"))
                    .with_span_label("a token from any issuer trusted here, now or later, matches")
                    .with_note("request principals are `<issuer>/<subject>`: write the issuer out"),
            );
            return;
        }
        // `*` (any subject of any trusted issuer) or `issuer/*` (any subject of that issuer).
        let Some(prefix) = subject.strip_suffix('*') else { return };
        let open = jwts.iter().find(|j| {
            let issuer = format!("{}/", j.issuer);
            j.audiences.is_empty() && (issuer.starts_with(prefix) || prefix.starts_with(&issuer))
        });
        let Some(open) = open else { return };
        let what =
            if prefix.is_empty() { "any valid JWT".to_string() } else { format!("any subject of `{}`", open.issuer) };
        let mut d = Diagnostic::warning(
            "W0302",
            span,
            format!("this rule admits {what}, and jwt `{}` checks no audience", open.name),
        )
        .with_span_label("tokens the issuer minted for any other application pass too");
        if let Some(jwt) = self.decls.jwts.iter().find(|j| j.name.node == open.name) {
            d = d.with_label(jwt.name.span, "verifies tokens without `audiences`");
        }
        self.warn(d.with_note(format!(
            "add `audiences \"<this API>\"` to jwt `{}`, or name the subjects: `from jwt \"{}/<subject>\"`",
            open.name, open.issuer
        )));
    }

    fn mixed_sources(&mut self, decl: &ast::AuthRule) {
        let Some(first) = decl.from.first() else { return };
        let Some(other) = decl.from.iter().find(|s| kind(s) != kind(first)) else { return };
        self.warn(
            Diagnostic::warning(
                "W0306",
                source_span(other),
                format!("this `from` admits {} or {}: either one is enough", kind(first), kind(other)),
            )
            .with_span_label("an alternative to the entries before it, not an extra requirement")
            .with_label(source_span(first), "admitted on its own")
            .with_note("`from` entries are ORed; to require both, keep one kind in `from` and test the other with `when` (e.g. `allow from frontend when \"request.auth.principal\" present`)")
            .with_note("to admit either, write one rule per kind so the OR is visible"),
        );
    }

    fn negative_tests(&mut self, rule: &AuthRule, decl: &ast::AuthRule) {
        if decl.when.len() != rule.when.len() {
            return;
        }
        for (condition, clause) in rule.when.iter().zip(&decl.when) {
            if !matches!(clause.test, WhenTest::NotIn(_)) {
                continue;
            }
            let required = rule.when.iter().any(|c| c.key == condition.key && !c.values.is_empty());
            if required {
                continue;
            }
            self.warn(
                Diagnostic::warning(
                    "W0310",
                    clause.span,
                    format!("requests without `{}` pass this `not in` test", condition.key),
                )
                .with_span_label("a missing header or claim is not in the list either")
                .with_note(
                    "in an `allow`, list what is accepted (`in …`), or also require the attribute with `present`",
                ),
            );
        }
    }
}

/// What a `from` entry identifies callers by, as said in messages.
fn kind(source: &Source) -> &'static str {
    match source {
        Source::Workload(_) | Source::Account(_) | Source::Namespace(_) => "an mTLS identity",
        Source::Jwt(..) => "a JWT",
        Source::Ip(_) => "an IP address",
    }
}

fn source_span(source: &Source) -> Span {
    match source {
        Source::Workload(name) | Source::Account(name) | Source::Namespace(name) => name.span,
        Source::Jwt(_, span) => *span,
        Source::Ip(value) => value.span,
    }
}
