//! Security: authorization rules (from services, accounts, namespaces, JWT subjects; to
//! methods, paths, ports; when conditions), default deny, mTLS modes, and JWT verification.

use meshc_syntax::ast::{self, AuthAction, PolicyTarget, Source, WhenKey, WhenTest};

use super::Checker;
use crate::index::DefKind;
use crate::model::{self, MtlsMode};
use crate::Diagnostic;

pub(crate) const MTLS_MODES: &[&str] = &["strict", "permissive", "disable", "unset"];

/// `when` keys Istio accepts besides `request.headers[…]` and `request.auth.claims[…]`.
const WHEN_KEYS: &[&str] = &[
    "source.ip",
    "remote.ip",
    "source.namespace",
    "source.principal",
    "source.serviceAccount",
    "source.trustDomain",
    "request.auth.principal",
    "request.auth.audiences",
    "request.auth.presenter",
    "destination.ip",
    "destination.port",
    "connection.sni",
];

impl<'a> Checker<'a> {
    fn mtls_mode(&mut self, value: &ast::Value) -> Option<MtlsMode> {
        self.word(value, MTLS_MODES, "mTLS mode").map(|m| match m {
            "strict" => MtlsMode::Strict,
            "permissive" => MtlsMode::Permissive,
            "disable" => MtlsMode::Disable,
            _ => MtlsMode::Unset,
        })
    }

    pub(crate) fn policy(&mut self, decl: &'a ast::PolicyDecl) -> Option<model::Policy> {
        let (scope, name, service) = match &decl.target {
            PolicyTarget::Namespace(_) => {
                (model::PolicyScope::Namespace(self.namespace.clone()), "namespace".to_string(), None)
            }
            PolicyTarget::Mesh(_) => (model::PolicyScope::Mesh(self.root_namespace.clone()), "mesh".to_string(), None),
            PolicyTarget::Workload(target) => {
                let (workload, service) = self.workload_ref(target)?;
                (model::PolicyScope::Workload(workload), target.node.clone(), Some(service))
            }
        };
        let presets = self.expand(&decl.uses, &[ast::StatementFamily::Policy], "a policy");
        let merged;
        let decl: &ast::PolicyDecl = if presets.is_empty() {
            decl
        } else {
            merged = with_presets(decl, &presets);
            &merged
        };
        let mut mtls = None;
        let mut port_mtls = Vec::new();
        for m in &decl.mtls {
            let Some(mode) = self.mtls_mode(&m.mode) else { continue };
            match &m.port {
                None => {
                    if mtls.replace(mode).is_some() {
                        let first = decl.mtls.iter().find(|x| x.port.is_none()).map_or(m.span, |x| x.span);
                        self.report(
                            Diagnostic::error("E0301", m.span, "the mTLS mode is set twice")
                                .with_span_label("again here")
                                .with_label(first, "first set here"),
                        );
                    }
                    if self.env.production
                        && matches!(mode, MtlsMode::Permissive | MtlsMode::Disable)
                        && service.is_none()
                    {
                        self.production_warning(
                            Diagnostic::warning(
                                "W0201",
                                m.mode.span,
                                format!("mTLS is `{}` in production environment `{}`", word_of(mode), self.env.name),
                            )
                            .with_span_label("plain-text traffic is accepted")
                            .with_note("set `mtls = strict` for this environment once every workload has a sidecar"),
                        );
                    }
                }
                Some(port) => {
                    if service.is_none() {
                        self.report(
                            Diagnostic::error("E0307", m.span, "port-level mTLS needs a workload policy")
                                .with_span_label("Istio applies port-level modes only to selected workloads")
                                .with_note("write it in `policy <service> { … }`"),
                        );
                        continue;
                    }
                    if let Some(p) = self.port_number(port) {
                        port_mtls.push((p, mode));
                    }
                }
            }
        }
        let mut rules = Vec::with_capacity(decl.rules.len());
        for rule in &decl.rules {
            if let Some(r) = self.auth_rule(rule, service) {
                rules.push(r);
            }
        }
        Some(model::Policy {
            name,
            scope,
            mtls,
            port_mtls,
            default_deny: decl.default_deny.is_some(),
            rules,
            origin: self.origin(decl.span),
        })
    }

    /// The SPIFFE principal of `account` in `service`'s namespace, built in place (every
    /// `from` of every rule makes one).
    fn principal(&self, service: &ast::ServiceDecl, account: &str) -> String {
        let namespace = service.namespace.as_ref().map_or(self.namespace.as_str(), |n| n.node.as_str());
        [self.trust_domain.as_str(), "/ns/", namespace, "/sa/", account].concat()
    }

    fn production_warning(&mut self, diagnostic: Diagnostic) {
        let d = match self.env.decl {
            Some(env) => diagnostic.with_label(env.name.span, "marked `production` here"),
            None => diagnostic,
        };
        self.report(d);
    }

    fn auth_rule(&mut self, rule: &ast::AuthRule, service: Option<&'a ast::ServiceDecl>) -> Option<model::AuthRule> {
        let mut principals = Vec::new();
        let mut request_principals = Vec::new();
        let mut namespaces = Vec::new();
        let mut ip_blocks = Vec::new();
        for source in &rule.from {
            match source {
                Source::Workload(name) => {
                    if let Some(s) = self.decls.service(&name.node) {
                        self.record_ref(name.span, DefKind::Service, &name.node, None);
                        principals.push(self.principal(s, &s.account.as_ref().unwrap_or(&s.name).node));
                    } else {
                        let candidates = self.decls.services.iter().map(|s| s.name.node.as_str()).collect();
                        self.unknown("E0101", "service", name, candidates);
                    }
                }
                Source::Account(name) => match self.decls.account_owner(&name.node) {
                    Some(s) => {
                        self.record_ref(name.span, DefKind::Account, &name.node, None);
                        principals.push(self.principal(s, &name.node));
                    }
                    None => {
                        let candidates = self
                            .decls
                            .services
                            .iter()
                            .map(|s| s.account.as_ref().unwrap_or(&s.name).node.as_str())
                            .collect();
                        self.unknown("E0108", "service account", name, candidates);
                    }
                },
                Source::Namespace(ns) => namespaces.push(ns.node.clone()),
                Source::Jwt(None, _) => request_principals.push("*".to_string()),
                Source::Jwt(Some(subject), _) => {
                    if let Some(s) = self.string(subject) {
                        if !s.contains('/') && s != "*" {
                            self.report(
                                Diagnostic::error("E0205", subject.span, format!("invalid JWT subject `{s}`"))
                                    .with_span_label("request principals are `<issuer>/<subject>`"),
                            );
                        } else {
                            request_principals.push(s);
                        }
                    }
                }
                Source::Ip(ip) => {
                    if let Some(text) = self.string(ip) {
                        let addr = text.split('/').next().unwrap_or_default();
                        if addr.parse::<std::net::IpAddr>().is_ok() {
                            ip_blocks.push(text);
                        } else {
                            self.report(
                                Diagnostic::error("E0205", ip.span, format!("invalid IP block `{text}`"))
                                    .with_span_label("expected an IP or CIDR"),
                            );
                        }
                    }
                }
            }
        }
        let mut from = Vec::new();
        for (principals, request_principals, namespaces, ip_blocks) in [
            (principals, vec![], vec![], vec![]),
            (vec![], request_principals, vec![], vec![]),
            (vec![], vec![], namespaces, vec![]),
            (vec![], vec![], vec![], ip_blocks),
        ] {
            if !(principals.is_empty()
                && request_principals.is_empty()
                && namespaces.is_empty()
                && ip_blocks.is_empty())
            {
                from.push(model::AuthSource { principals, request_principals, namespaces, ip_blocks });
            }
        }
        let (mut methods, mut paths, mut ports) = (Vec::new(), Vec::new(), Vec::new());
        if let Some(op) = &rule.to {
            if op.methods.is_empty() && op.paths.is_empty() && op.ports.is_empty() {
                self.report(
                    Diagnostic::error("E0306", op.span, "`to` names no method, path or port")
                        .with_span_label("to what?")
                        .with_note("write e.g. `to GET, POST \"/api/*\"` or `to port 8080`; leave `to` out to mean any request"),
                );
                return None;
            }
            for m in &op.methods {
                if let Some(m) = self.choose(
                    &m.node,
                    m.span,
                    None,
                    &["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"],
                    "HTTP method",
                ) {
                    methods.push(m.to_string());
                }
            }
            for p in &op.paths {
                if let Some(path) = self.auth_path(p) {
                    paths.push(path);
                }
            }
            for port in &op.ports {
                match (port, service) {
                    (ast::PortRef::Number(n, span), _) => {
                        if (1..=65535).contains(n) {
                            ports.push(*n);
                        } else {
                            self.report(
                                Diagnostic::error("E0202", *span, "port number out of range")
                                    .with_span_label("1–65535"),
                            );
                        }
                    }
                    (ast::PortRef::Name(name), Some(s)) => {
                        let declared = self.ports(&s.ports, &s.name);
                        match declared.iter().find(|p| p.name == name.node) {
                            Some(port) => {
                                self.record_ref(name.span, DefKind::Port, &name.node, Some(&s.name.node));
                                ports.push(port.number);
                            }
                            None if declared.len() < s.ports.len() => {} // a port had an error, already reported
                            None => {
                                let candidates = s.ports.iter().map(|p| p.name.node.as_str()).collect();
                                self.unknown_port(&s.name.node, name, candidates);
                            }
                        }
                    }
                    (ast::PortRef::Name(name), None) => self.report(
                        Diagnostic::error(
                            "E0103",
                            name.span,
                            format!("port `{}` names no service's port here", name.node),
                        )
                        .with_span_label("named ports need a workload policy; use a number"),
                    ),
                }
            }
        }
        let mut when = Vec::new();
        for w in &rule.when {
            let key = match &w.key {
                WhenKey::Header(h) => self.header_name(h, false).map(|h| format!("request.headers[{h}]")),
                WhenKey::Claim(c) => self.string(c).map(|c| format!("request.auth.claims[{c}]")),
                WhenKey::Raw(k) => self.string(k).and_then(|k| {
                    let ok = WHEN_KEYS.contains(&k.as_str())
                        || k.starts_with("request.headers[")
                        || k.starts_with("request.auth.claims[")
                        || k.starts_with("experimental.envoy.filters.");
                    if ok {
                        Some(k)
                    } else {
                        self.choose(&k, w.span, None, WHEN_KEYS, "condition key").map(str::to_string)
                    }
                }),
            };
            let Some(key) = key else { continue };
            let (values, not_values) = match &w.test {
                WhenTest::Present => (vec!["*".to_string()], vec![]),
                WhenTest::Absent => (vec![], vec!["*".to_string()]),
                WhenTest::In(list) => (list.iter().filter_map(|v| self.string(v)).collect(), vec![]),
                WhenTest::NotIn(list) => (vec![], list.iter().filter_map(|v| self.string(v)).collect()),
            };
            when.push(model::AuthCondition { key, values, not_values });
        }
        let action = match rule.action {
            AuthAction::Allow => model::AuthAction::Allow,
            AuthAction::Deny => model::AuthAction::Deny,
            AuthAction::Audit => model::AuthAction::Audit,
        };
        let unconditional = rule.from.is_empty() && rule.to.is_none() && rule.when.is_empty();
        if unconditional && action == model::AuthAction::Allow && self.env.production {
            self.production_warning(
                Diagnostic::warning(
                    "W0202",
                    rule.span,
                    format!("this rule allows every request in production environment `{}`", self.env.name),
                )
                .with_span_label("allow-all")
                .with_note("an `allow` with no `from`, `to` or `when` admits anyone; name the callers"),
            );
        }
        if unconditional && action == model::AuthAction::Deny {
            self.report(
                Diagnostic::error("E0501", rule.span, "a `deny` rule needs `from`, `to` or `when`")
                    .with_span_label("what should be denied?")
                    .with_note("to deny everything not explicitly allowed, write `default deny`"),
            );
            return None;
        }
        Some(model::AuthRule { action, from, methods, paths, ports, when, origin: self.origin(rule.span) })
    }

    /// Paths in authorization rules: exact, `prefix*`, `*suffix`, `*`, or `{*}`/`{**}` templates.
    fn auth_path(&mut self, value: &ast::Value) -> Option<String> {
        let path = self.string(value)?;
        let problem = if path == "*" {
            None
        } else if path.contains('{') || path.contains('}') {
            let segments: Vec<&str> = path.split('/').collect();
            let bad = segments.iter().enumerate().any(|(i, s)| {
                (s.contains('{') || s.contains('}')) && !(*s == "{*}" || (*s == "{**}" && i == segments.len() - 1))
            });
            bad.then_some("`{*}` must be a whole segment and `{**}` the last one")
        } else if path.is_empty() {
            Some("a path cannot be empty")
        } else if path.chars().skip(1).take(path.chars().count().saturating_sub(2)).any(|c| c == '*') {
            Some("`*` may only start or end a path (`/api/*`, `*.png`)")
        } else if !path.starts_with('/') && !path.starts_with('*') {
            Some("paths start with `/`")
        } else {
            None
        };
        match problem {
            Some(why) => {
                self.report(
                    Diagnostic::error("E0210", value.span, format!("invalid path `{path}`")).with_span_label(why),
                );
                None
            }
            None => Some(path),
        }
    }

    pub(crate) fn jwt(&mut self, decl: &'a ast::JwtDecl) -> Option<model::Jwt> {
        let mut workloads = Vec::new();
        for target in &decl.on {
            if let Some(gateway) = self.decls.gateway(&target.node) {
                self.record_ref(target.span, DefKind::Gateway, &target.node, None);
                if let Some(g) = self.gateway_workload(gateway) {
                    workloads.push(g);
                }
            } else if let Some(service) = self.decls.service(&target.node) {
                self.record_ref(target.span, DefKind::Service, &target.node, None);
                workloads.push(self.workload_of(service));
            } else {
                let mut candidates: Vec<&str> = self.decls.services.iter().map(|s| s.name.node.as_str()).collect();
                candidates.extend(self.decls.gateways.iter().map(|g| g.name.node.as_str()));
                self.unknown("E0101", "service or gateway", target, candidates);
            }
        }
        let issuer = match &decl.issuer {
            Some(i) => self.line_string(i, "an issuer"),
            None => {
                self.report(
                    Diagnostic::error("E0306", decl.name.span, format!("jwt `{}` has no issuer", decl.name.node))
                        .with_span_label("add `issuer \"https://issuer.example.com\"`"),
                );
                None
            }
        }?;
        let jwks_uri = match &decl.jwks {
            Some(j) => {
                let uri = self.string(j)?;
                if !(uri.starts_with("https://") || uri.starts_with("http://")) || uri.contains(char::is_whitespace) {
                    self.report(
                        Diagnostic::error("E0205", j.span, format!("invalid JWKS URI `{uri}`"))
                            .with_span_label("expected an http:// or https:// URL"),
                    );
                    return None;
                }
                if uri.starts_with("http://") && self.env.production {
                    self.production_warning(
                        Diagnostic::warning("W0204", j.span, "the JWKS is fetched over plain HTTP in production")
                            .with_span_label("use https://"),
                    );
                }
                Some(uri)
            }
            None => None,
        };
        let audiences = decl.audiences.iter().filter_map(|a| self.line_string(a, "an audience")).collect();
        let mut from_headers = Vec::new();
        let mut from_params = Vec::new();
        let mut from_cookies = Vec::new();
        for location in &decl.from {
            match location {
                ast::TokenLocation::Header { name, prefix } => {
                    let prefix = prefix.as_ref().and_then(|p| self.string(p));
                    if let Some(h) = self.string(name) {
                        from_headers.push((h, prefix));
                    }
                }
                ast::TokenLocation::Param(p) => from_params.extend(self.string(p)),
                ast::TokenLocation::Cookie(c) => from_cookies.extend(self.string(c)),
            }
        }
        let mut claims_to_headers = Vec::new();
        for (claim, header) in &decl.claims {
            let Some(h) = self.string(header) else { continue };
            if h.is_empty() || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                self.report(
                    Diagnostic::error("E0211", header.span, format!("invalid header name `{h}`"))
                        .with_span_label("letters, digits, `-` and `_` only"),
                );
                continue;
            }
            claims_to_headers.push((h, claim.node.clone()));
        }
        let require =
            decl.require.as_ref().map(|(except, _)| except.iter().filter_map(|p| self.auth_path(p)).collect());
        Some(model::Jwt {
            name: decl.name.node.clone(),
            workloads,
            issuer,
            audiences,
            jwks_uri,
            from_headers,
            from_params,
            from_cookies,
            claims_to_headers,
            forward: decl.forward,
            require,
            origin: self.origin(decl.span),
        })
    }

    pub(crate) fn gateway_workload(&mut self, gateway: &ast::GatewayDecl) -> Option<model::Workload> {
        let mut labels = std::collections::BTreeMap::new();
        for (k, v) in &gateway.selector {
            labels.insert(k.node.clone(), self.string(v)?);
        }
        if labels.is_empty() {
            labels.insert(
                "istio".to_string(),
                if gateway.egress { "egressgateway" } else { "ingressgateway" }.to_string(),
            );
        }
        Some(model::Workload {
            name: gateway.name.node.clone(),
            namespace: self.gateway_namespace(gateway),
            labels: labels.into(),
        })
    }
}

fn word_of(mode: MtlsMode) -> &'static str {
    match mode {
        MtlsMode::Strict => "strict",
        MtlsMode::Permissive => "permissive",
        MtlsMode::Disable => "disable",
        MtlsMode::Unset => "unset",
    }
}

/// A policy with its presets' statements: its own mTLS mode wins over a preset's, rules add up.
fn with_presets(decl: &ast::PolicyDecl, presets: &[ast::PresetBody]) -> ast::PolicyDecl {
    let mut merged = decl.clone();
    // A later `use` wins over an earlier one, as in every other declaration.
    for body in presets.iter().rev() {
        let has_mode = merged.mtls.iter().any(|m| m.port.is_none());
        merged.mtls.extend(body.mtls.iter().filter(|m| m.port.is_some() || !has_mode).cloned());
        merged.default_deny = merged.default_deny.or(body.default_deny);
    }
    for body in presets {
        merged.rules.extend(body.rules.iter().cloned());
    }
    merged
}
