//! W0303: a route bound to a public (ingress) gateway that lets anonymous clients reach a
//! service. A destination counts as authenticated when the gateway only accepts client
//! certificates (`mutual`), when a `jwt … require` covers the gateway or the service, or
//! when every `allow` rule that applies to the service names its callers (mTLS identities,
//! JWT subjects or claims). Routes that only redirect or respond reach no service.

use meshc_syntax::ast;
use meshc_syntax::Span;

use super::Lints;
use crate::model::{AuthAction, AuthRule, Gateway, HttpAction, Route, ServerTlsMode, Service, Workload};
use crate::Diagnostic;

/// `when` keys whose positive test needs a verified identity.
const IDENTITY_KEYS: &[&str] = &[
    "source.principal",
    "source.namespace",
    "source.serviceAccount",
    "request.auth.principal",
    "request.auth.audiences",
    "request.auth.presenter",
];

impl<'m> Lints<'m, '_> {
    pub(super) fn exposure(&mut self) {
        for route in &self.mesh.routes {
            for gateway in self.public_gateways(route) {
                for service in self.destinations(route) {
                    self.check_exposure(route, gateway, service);
                }
            }
        }
    }

    fn public_gateways(&self, route: &Route) -> Vec<&'m Gateway> {
        self.mesh
            .gateways
            .iter()
            .filter(|g| !g.egress && route.gateways.iter().any(|r| *r == format!("{}/{}", g.namespace, g.name)))
            .collect()
    }

    /// The services a route forwards to, each once, in order.
    fn destinations(&self, route: &Route) -> Vec<&'m Service> {
        let http = route.http.iter().flat_map(|r| match &r.action {
            HttpAction::Forward(destinations) => destinations.as_slice(),
            _ => &[],
        });
        let tls = route.tls.iter().flat_map(|r| &r.destinations);
        let tcp = route.tcp.iter().flat_map(|r| &r.destinations);
        let mut services: Vec<&Service> = Vec::new();
        for destination in http.chain(tls).chain(tcp) {
            if let Some(s) = self.lookups.service_by_fqdn(&destination.host) {
                if !services.iter().any(|seen| seen.name == s.name && seen.namespace == s.namespace) {
                    services.push(s);
                }
            }
        }
        services
    }

    fn check_exposure(&mut self, route: &Route, gateway: &Gateway, service: &Service) {
        let gateway_workload =
            Workload { name: gateway.name.clone(), namespace: gateway.namespace.clone(), labels: Default::default() };
        let jwt_required = self
            .jwts_on(&gateway_workload)
            .iter()
            .chain(self.jwts_on(&service.workload).iter())
            .any(|j| j.require.is_some());
        if client_certificates_only(gateway) || jwt_required {
            return;
        }
        let mut allow_list = false;
        let mut anonymous: Option<Option<Span>> = None;
        for pair in self.lookups.policies_of(service).into_iter().map(|i| self.policy(i)) {
            allow_list |= pair.policy.default_deny;
            for (rule, decl) in pair.rules() {
                if rule.action != AuthAction::Allow {
                    continue;
                }
                allow_list = true;
                if anonymous.is_none() && !names_caller(rule) {
                    anonymous = Some(decl.map(|d| d.span));
                }
            }
        }
        if allow_list && anonymous.is_none() {
            return;
        }
        let Some(decl) = self.decls.route(&route.name) else { return };
        let Some(via) = decl.via.iter().find(|v| v.node == gateway.name) else { return };
        let mut d = Diagnostic::warning(
            "W0303",
            via.span,
            format!(
                "route `{}` lets anyone reach `{}` through public gateway `{}` in production environment `{}`",
                route.name,
                service.name,
                gateway.name,
                self.env()
            ),
        )
        .with_span_label("bound to a public gateway here");
        if let Some(at) = destination_span(decl, &service.name) {
            d = d.with_label(at, "forwarded to this service");
        }
        d = match anonymous {
            Some(Some(rule)) => d.with_label(rule, "this rule admits callers without any identity"),
            Some(None) => {
                d.with_note(format!("an `allow` rule of `{}` admits callers without any identity", service.name))
            }
            None => d.with_note(format!("no authorization policy applies to `{}`", service.name)),
        };
        self.warn(d.with_note(format!(
            "require a token with `jwt … {{ on {}  require }}` (exempt public paths with `require except \"/login\"`), \
             admit only the gateway's identity with `allow from namespace {}`, or ask for client certificates with \
             `https 443 mutual …`",
            gateway.name, gateway.namespace
        )));
    }
}

/// Whether every server of the gateway that carries traffic asks for client certificates
/// (an HTTP server that only redirects to HTTPS carries none).
fn client_certificates_only(gateway: &Gateway) -> bool {
    let mut carrying = gateway.servers.iter().filter(|s| !s.https_redirect).peekable();
    carrying.peek().is_some() && carrying.all(|s| s.tls_mode == Some(ServerTlsMode::Mutual))
}

/// Whether an `allow` rule admits only callers with a verified identity: every `from` entry
/// is an identity (not an IP block), or a `when` test requires an identity attribute.
pub(super) fn names_caller(rule: &AuthRule) -> bool {
    let from = !rule.from.is_empty() && rule.from.iter().all(|s| s.ip_blocks.is_empty());
    let when = rule.when.iter().any(|c| {
        !c.values.is_empty() && (IDENTITY_KEYS.contains(&c.key.as_str()) || c.key.starts_with("request.auth.claims["))
    });
    from || when
}

/// Where the route names the service as a destination.
fn destination_span(route: &ast::RouteDecl, service: &str) -> Option<Span> {
    route.rules.iter().find_map(|rule| match &rule.action {
        ast::Action::Forward(destinations) => {
            destinations.iter().find(|d| d.target.node == service).map(|d| d.target.span)
        }
        _ => None,
    })
}
