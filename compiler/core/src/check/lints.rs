//! Production lints: warnings (W03xx) about meshes that are valid Istio but unsafe to ship,
//! for environments marked `production`. They read the environment's finished, checked
//! `model::Mesh`, and the declarations only to point at the source.
//!
//! They run only after a pass without errors: lints over an incomplete model would guess.
//! The family files: `mtls` (plain text accepted), `exposure` (public routes without
//! authentication), `resilience` (timeouts, outlier detection), `allow_rules` and
//! `deny_rules` (authorization rules that admit or refuse more than they seem to); `lookups`
//! indexes the model once per pass so that no lint scans the whole mesh per service.

mod allow_rules;
mod deny_rules;
mod exposure;
mod lookups;
mod mtls;
mod resilience;

use meshc_syntax::ast;

use super::{Checker, Decls};
use crate::model::{self, AuthRule, Mesh, MtlsMode, Policy, PolicyScope, Service};
use crate::Diagnostic;

impl Checker<'_> {
    /// Adds the production lints of this environment's checked mesh to the diagnostics.
    pub(crate) fn lint(&mut self, mesh: &Mesh) {
        if !self.env.production || self.errors > 0 {
            return;
        }
        let mut lints = Lints { mesh, decls: self.decls, lookups: lookups::Lookups::new(mesh), found: Vec::new() };
        lints.mtls();
        lints.exposure();
        lints.resilience();
        lints.allow_rules();
        lints.deny_rules();
        let marked = self.env.decl.map(|env| env.name.span);
        for diagnostic in lints.found {
            let diagnostic = match marked {
                Some(span) => diagnostic.with_label(span, "marked `production` here"),
                None => diagnostic,
            };
            self.report(diagnostic);
        }
    }
}

/// One environment's lint pass: the model, the declarations it came from, and the warnings.
struct Lints<'m, 'a> {
    mesh: &'m Mesh,
    decls: &'m Decls<'a>,
    lookups: lookups::Lookups<'m>,
    found: Vec<Diagnostic>,
}

/// A policy of the model with the declaration it was built from. Every declaration yields
/// one policy and every rule one rule when there are no errors, which the lints require;
/// the pairing is still checked, and a policy that does not pair has no declaration.
struct PolicyPair<'m, 'a> {
    policy: &'m Policy,
    decl: Option<&'a ast::PolicyDecl>,
}

impl<'m, 'a> PolicyPair<'m, 'a> {
    /// Each rule with its declaration (when the policy pairs).
    fn rules(&self) -> Vec<(&'m AuthRule, Option<&'a ast::AuthRule>)> {
        let decls: Vec<Option<&'a ast::AuthRule>> = match self.decl {
            Some(decl) if decl.rules.len() == self.policy.rules.len() => decl.rules.iter().map(Some).collect(),
            _ => vec![None; self.policy.rules.len()],
        };
        self.policy.rules.iter().zip(decls).collect()
    }
}

impl<'m, 'a> Lints<'m, 'a> {
    fn warn(&mut self, diagnostic: Diagnostic) {
        self.found.push(diagnostic);
    }

    fn env(&self) -> &'m str {
        &self.mesh.env
    }

    fn policies(&self) -> Vec<PolicyPair<'m, 'a>> {
        (0..self.mesh.policies.len()).map(|i| self.policy(i)).collect()
    }

    /// The `i`th policy of the model with its declaration.
    fn policy(&self, i: usize) -> PolicyPair<'m, 'a> {
        let paired = self.decls.policies.len() == self.mesh.policies.len();
        PolicyPair { policy: &self.mesh.policies[i], decl: if paired { Some(self.decls.policies[i]) } else { None } }
    }

    /// The services a policy applies to.
    fn services_of(&self, scope: &PolicyScope) -> Vec<&'m Service> {
        self.lookups.services_of(self.mesh, scope)
    }

    /// The mTLS mode a service's inbound traffic gets from the policies, or `None` when no
    /// policy sets one (Istio then accepts both mTLS and plain text).
    fn mtls_of(&self, service: &Service) -> Option<MtlsMode> {
        self.lookups.mtls_of(service)
    }

    /// Whether every port of `service` requires mTLS: a strict mode and no port-level exception.
    fn strict(&self, service: &Service) -> bool {
        self.mtls_of(service) == Some(MtlsMode::Strict) && !self.lookups.has_port_exception(service)
    }

    /// The JWT verifications that apply to a workload: the ones `on` it, and the ones without
    /// `on`, which apply to the whole mesh namespace.
    fn jwts_on(&self, workload: &model::Workload) -> Vec<&'m model::Jwt> {
        self.lookups.jwts_on(self.mesh, workload)
    }
}

fn mode_word(mode: MtlsMode) -> &'static str {
    match mode {
        MtlsMode::Strict => "strict",
        MtlsMode::Permissive => "permissive",
        MtlsMode::Disable => "disable",
        MtlsMode::Unset => "unset",
    }
}
