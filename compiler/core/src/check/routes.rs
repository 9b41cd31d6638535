//! Routes: hosts and gateway binding, ordered match rules, destinations with versions,
//! ports and weights, and the per-rule options (retries, timeouts, faults, mirrors, CORS,
//! header edits).

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use meshc_syntax::ast::{self, Action, Condition, RuleOption, StatementFamily, StringTest, UriKind};
use meshc_syntax::Span;

use super::gateways::host_covers;
use super::presets::merge_options;
use super::Checker;
use crate::index::DefKind;
use crate::model::{self, HttpMatch, StringMatch};
use crate::Diagnostic;

pub(crate) const RETRY_ON: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// Retry conditions under which the upstream never saw the request: safe for any method.
const RETRY_BEFORE_REQUEST: &[&str] =
    &["connect-failure", "refused-stream", "reset-before-request", "envoy-ratelimited"];

pub(crate) const HTTP_METHODS: &[&str] =
    &["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

pub(crate) const CORS_SETTINGS: &[&str] = &["origins", "methods", "headers", "expose", "max_age", "credentials"];

pub(crate) const SCHEMES: &[&str] = &["http", "https"];

/// Options of a rule, before the route's defaults fill the gaps.
#[derive(Default, Clone)]
struct Options {
    timeout: Option<(model::Duration, Span)>,
    retry: Option<(model::Retry, Span)>,
    rewrite: Option<model::Rewrite>,
    rewrite_authority: Option<String>,
    fault: Option<(model::Fault, Span)>,
    mirror: Option<(model::Destination, Option<f64>, Span)>,
    cors: Option<model::Cors>,
    request_headers: model::HeaderOps,
    response_headers: model::HeaderOps,
}

impl Options {
    /// These options, with `fallback` filling what they leave unset.
    fn or(self, fallback: Options) -> Options {
        Options {
            timeout: self.timeout.or(fallback.timeout),
            retry: self.retry.or(fallback.retry),
            rewrite: self.rewrite.or(fallback.rewrite),
            rewrite_authority: self.rewrite_authority.or(fallback.rewrite_authority),
            fault: self.fault.or(fallback.fault),
            mirror: self.mirror.or(fallback.mirror),
            cors: self.cors.or(fallback.cors),
            request_headers: merge_headers(self.request_headers, &fallback.request_headers),
            response_headers: merge_headers(self.response_headers, &fallback.response_headers),
        }
    }
}

/// A destination with where it was written.
struct Resolved {
    destination: model::Destination,
    span: Span,
}

impl<'a> Checker<'a> {
    pub(crate) fn route(&mut self, decl: &'a ast::RouteDecl) -> Option<model::Route> {
        let mut gateways = Vec::new();
        let mut bound: Vec<&'a ast::GatewayDecl> = Vec::new();
        let mut mesh_bound = decl.via.is_empty();
        for via in &decl.via {
            if via.node == "mesh" {
                mesh_bound = true;
                gateways.push("mesh".to_string());
            } else if let Some(gateway) = self.decls.gateway(&via.node) {
                self.record_ref(via.span, DefKind::Gateway, &via.node, None);
                gateways.push(format!("{}/{}", self.gateway_namespace(gateway), gateway.name.node));
                bound.push(gateway);
            } else {
                let mut candidates: Vec<&str> = self.decls.gateways.iter().map(|g| g.name.node.as_str()).collect();
                candidates.push("mesh");
                self.unknown("E0104", "gateway", via, candidates);
            }
        }
        if decl.via.len() == 1 && mesh_bound {
            gateways.clear(); // `via mesh` alone is Istio's default: leave `gateways` out
        }

        let hosts = self.route_hosts(decl, &bound, mesh_bound);
        if decl.hosts.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("route `{}` has no hosts", decl.name.node))
                    .with_span_label("add `hosts my-service` or `hosts \"api.example.com\"`"),
            );
        }
        if decl.rules.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("route `{}` has no rules", decl.name.node))
                    .with_span_label("add a rule, e.g. `any -> my-service`"),
            );
        }

        let presets = self.expand(&decl.uses, &[StatementFamily::RouteOption], "a route");
        let defaults = self.options(&merge_options(&decl.options, &presets));
        let mut route = model::Route {
            name: decl.name.node.clone(),
            namespace: self.namespace.clone(),
            hosts,
            gateways,
            http: Vec::with_capacity(decl.rules.len()),
            tls: Vec::new(),
            tcp: Vec::new(),
            origin: self.origin(decl.span),
        };
        let mut http_spans: Vec<Span> = Vec::new();
        for rule in &decl.rules {
            match rule_kind(rule) {
                Some("tls") => {
                    if let Some(r) = self.tls_rule(rule) {
                        self.check_sni_hosts(rule, &r, &route.hosts);
                        self.check_l4_server(rule, &bound, ast::ServerProtocol::Tls, None);
                        route.tls.push(r);
                    }
                }
                Some("tcp") => {
                    if let Some(r) = self.tcp_rule(rule) {
                        self.check_l4_server(rule, &bound, ast::ServerProtocol::Tcp, r.port);
                        route.tcp.push(r);
                    }
                }
                Some(_) => {
                    if let Some(r) = self.http_rule(rule, &defaults) {
                        route.http.push(r);
                        http_spans.push(rule.match_span);
                    }
                }
                None => self.report(
                    Diagnostic::error("E0408", rule.match_span, "a rule cannot mix `sni` or `tcp` with HTTP matches")
                        .with_span_label("TLS, TCP and HTTP traffic are routed separately"),
                ),
            }
        }
        self.check_shadowing(&route.http, &http_spans);
        Some(route)
    }

    fn route_hosts(&mut self, decl: &ast::RouteDecl, bound: &[&'a ast::GatewayDecl], mesh_bound: bool) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        let mut spans: Vec<(String, Span, bool)> = Vec::new();
        for host in &decl.hosts {
            match host {
                ast::Host::Ref(name) => {
                    if let Some(service) = self.decls.service(&name.node) {
                        self.record_ref(name.span, DefKind::Service, &name.node, None);
                        spans.push((self.service_fqdn(service), name.span, true));
                    } else if let Some(external) = self.decls.external(&name.node) {
                        self.record_ref(name.span, DefKind::External, &name.node, None);
                        for h in &external.hosts {
                            if let ast::Host::Literal(v) = h {
                                if let Some(s) = self.string(v) {
                                    spans.push((s.to_ascii_lowercase(), name.span, true));
                                }
                            }
                        }
                    } else {
                        let candidates = self.decls.destination_names();
                        self.unknown("E0101", "service", name, candidates);
                    }
                }
                ast::Host::Literal(value) => {
                    let Some(text) = self.host_string(value) else { continue };
                    if !text.contains('.') && text != "*" && text.parse::<std::net::IpAddr>().is_err() {
                        let mut d = Diagnostic::error(
                            "E0205",
                            value.span,
                            format!("route host `{text}` is not a fully qualified name"),
                        )
                        .with_span_label("short names resolve in the namespace of the route, not of the service");
                        if self.decls.service(&text).is_some() {
                            d = d.with_suggestion(
                                value.span,
                                text.clone(),
                                format!("refer to the service: `{text}` without quotes"),
                            );
                        }
                        self.report(d);
                        continue;
                    }
                    if text == "*" && mesh_bound {
                        self.report(
                            Diagnostic::error("E0409", value.span, "a route bound to `mesh` cannot have the host `*`")
                                .with_span_label("it would capture every request in the mesh"),
                        );
                        continue;
                    }
                    spans.push((text, value.span, false));
                }
            }
        }
        for (i, (host, span, is_ref)) in spans.iter().enumerate() {
            if let Some((_, first, _)) = spans[..i].iter().find(|(h, _, _)| h == host) {
                self.report(
                    Diagnostic::error("E0301", *span, format!("host `{host}` appears twice"))
                        .with_span_label("again here")
                        .with_label(*first, "first here"),
                );
                continue;
            }
            hosts.push(host.clone());
            if bound.is_empty() || (mesh_bound && *is_ref) {
                continue;
            }
            let mut covered = false;
            let mut served: Vec<(Span, String)> = Vec::new();
            for gateway in bound {
                let patterns = self.gateway_hosts(gateway);
                covered |= patterns.iter().any(|p| host_covers(p, host));
                served.push((gateway.name.span, format!("gateway `{}` serves {}", gateway.name.node, list(&patterns))));
            }
            if !covered {
                let names: Vec<String> = bound.iter().map(|g| format!("`{}`", g.name.node)).collect();
                let mut d =
                    Diagnostic::error("E0403", *span, format!("host `{host}` is not served by {}", names.join(" or ")))
                        .with_span_label("no gateway this route is bound to accepts this host");
                for (at, text) in served {
                    d = d.with_label(at, text);
                }
                d = d.with_note("add the host to a gateway's `hosts`, or bind the route to a gateway that serves it");
                self.report(d);
            }
        }
        hosts
    }

    fn http_rule(&mut self, rule: &ast::RouteRule, defaults: &Options) -> Option<model::HttpRule> {
        let errors_before = self.errors;
        let matches = self.matches(&rule.conditions);
        // A match that lost a condition to an error would match more than written (an empty
        // one matches everything): drop the rule so it cannot shadow later ones.
        let matches_failed = self.errors > errors_before;
        let presets = self.expand(&rule.uses, &[StatementFamily::RouteOption], "a rule");
        let own_options = merge_options(&rule.options, &presets);
        let own = self.options(&own_options);
        let service_defaults = match &rule.action {
            Action::Forward(destinations) => destinations
                .first()
                .and_then(|d| self.service_route_defaults.get(&d.target.node).cloned())
                .map(|options| self.options(&options)),
            _ => None,
        };
        // The rule's own options, then the route's, then those of the service it forwards to
        // (most services have none: then the route's serve as they are, uncopied).
        let defaults = match service_defaults {
            Some(service_defaults) => Cow::Owned(defaults.clone().or(service_defaults)),
            None => Cow::Borrowed(defaults),
        };
        let forward = matches!(rule.action, Action::Forward(_));
        if matches_failed {
            return None;
        }
        if !forward {
            for option in own_options.iter() {
                if matches!(
                    option,
                    RuleOption::Fault(_) | RuleOption::Rewrite(_) | RuleOption::Mirror(..) | RuleOption::Retry(_)
                ) {
                    let at = option.span();
                    let from_preset = at.file != rule.span.file || at.start < rule.span.start || at.end > rule.span.end;
                    let d = match rule.uses.first() {
                        Some(used) if from_preset => Diagnostic::error(
                            "E0406",
                            used.span,
                            "this preset sets an option that only applies to rules that forward with `->`",
                        )
                        .with_span_label("a redirect or a direct response never reaches a service")
                        .with_label(at, "the option"),
                        _ => Diagnostic::error("E0406", at, "this option only applies to rules that forward with `->`")
                            .with_span_label("a redirect or a direct response never reaches a service"),
                    };
                    self.report(d);
                }
            }
        }
        let action = match &rule.action {
            Action::Forward(destinations) => {
                let resolved = self.destinations(destinations, true)?;
                model::HttpAction::Forward(resolved.into_iter().map(|r| r.destination).collect())
            }
            Action::Redirect { parts, .. } => self.redirect(parts)?,
            Action::Respond { status, body, .. } => {
                let status = self.int(status, 200, 599, "HTTP status")? as u32;
                let body = match body {
                    Some(b) => Some(self.string(b)?),
                    None => None,
                };
                if body.as_ref().is_some_and(|b| b.len() >= 1 << 20) {
                    self.report(
                        Diagnostic::error("E0202", rule.span, "a direct response body must be smaller than 1 MB")
                            .with_span_label("too large"),
                    );
                }
                model::HttpAction::Respond { status, body }
            }
        };
        let timeout = own.timeout.or(defaults.timeout);
        let retry = pick(forward, own.retry, &defaults.retry);
        let fault = pick(forward, own.fault, &defaults.fault);
        let mirror = pick(forward, own.mirror, &defaults.mirror);
        let rewrite = pick(forward, own.rewrite, &defaults.rewrite);
        let rewrite_authority = pick(forward, own.rewrite_authority, &defaults.rewrite_authority);
        if let (Some((t, t_span)), Some((r, r_span))) = (&timeout, &retry) {
            if let Some(per_try) = r.per_try {
                let needed = per_try.millis().saturating_mul(r.attempts + 1);
                if r.attempts > 0 && needed > t.millis() {
                    let w = Diagnostic::warning(
                        "W0102",
                        *r_span,
                        format!(
                            "the first try and {} retries of {per_try} need {}, but the route times out after {t}",
                            r.attempts,
                            model::Duration(needed)
                        ),
                    )
                    .with_span_label("retries cut short by the timeout")
                    .with_label(*t_span, "route timeout")
                    .with_note(
                        "the route timeout bounds the whole request, retries included; raise it or lower the retries",
                    );
                    let inherited =
                        r_span.file != rule.span.file || r_span.start < rule.span.start || r_span.end > rule.span.end;
                    self.report(if inherited { w.with_label(rule.match_span, "in this rule") } else { w });
                }
            }
        }
        if let Some((r, r_span)) = &retry {
            let methods: Vec<&str> = matches.iter().filter_map(|m| m.method.as_deref()).collect();
            let unsafe_method = methods.iter().find(|m| matches!(**m, "POST" | "PATCH"));
            let unsafe_on: Vec<&str> = if r.on.is_empty() {
                vec!["unavailable", "cancelled", "retriable-status-codes"]
            } else {
                r.on.iter().map(String::as_str).filter(|c| !RETRY_BEFORE_REQUEST.contains(c)).collect()
            };
            if let (Some(method), true) = (unsafe_method, r.attempts > 0 && !unsafe_on.is_empty()) {
                self.report(
                    Diagnostic::warning("W0103", *r_span, format!("retries on `{}` may repeat a non-idempotent {method} request", unsafe_on.join(", ")))
                        .with_span_label(format!("{method} is not idempotent"))
                        .with_note("retry only on `connect-failure`, `refused-stream` or `reset-before-request` (the upstream never saw the request), or use `retry none`"),
                );
            }
        }
        Some(model::HttpRule {
            name: String::new(),
            matches,
            action,
            timeout: timeout.map(|(t, _)| t),
            retry: retry.map(|(r, _)| Box::new(r)),
            rewrite,
            rewrite_authority,
            fault: fault.map(|(f, _)| f).filter(|f| f.delay.is_some() || f.abort.is_some()).map(Box::new),
            mirror: mirror.map(|(d, p, _)| (d, p)),
            cors: own.cors.or_else(|| defaults.cors.clone()).map(Box::new),
            request_headers: merge_headers(own.request_headers, &defaults.request_headers),
            response_headers: merge_headers(own.response_headers, &defaults.response_headers),
        })
    }

    fn matches(&mut self, conditions: &[Condition]) -> Vec<HttpMatch> {
        let mut uris: Vec<Option<StringMatch>> = vec![None];
        let mut methods: Vec<Option<String>> = vec![None];
        let mut base = HttpMatch::default();
        let mut uri_span: Option<Span> = None;
        let mut method_span: Option<Span> = None;
        for condition in conditions {
            match condition {
                Condition::Uri { kind, values, span } => {
                    if let Some(first) = uri_span.replace(*span) {
                        self.report(
                            Diagnostic::error("E0307", *span, "a rule can test the path once")
                                .with_span_label("second path test")
                                .with_label(first, "first path test")
                                .with_note("alternatives go in one list: `prefix \"/a\", \"/b\"`; alternative kinds go in separate rules"),
                        );
                        continue;
                    }
                    uris = values.iter().filter_map(|v| self.path_match(*kind, v)).map(Some).collect();
                }
                Condition::Method { methods: names, span } => {
                    if let Some(first) = method_span.replace(*span) {
                        self.report(
                            Diagnostic::error("E0307", *span, "a rule can test the method once")
                                .with_span_label("second method test")
                                .with_label(first, "first one"),
                        );
                        continue;
                    }
                    methods = names
                        .iter()
                        .filter_map(|m| self.choose(&m.node, m.span, None, HTTP_METHODS, "HTTP method"))
                        .map(|m| Some(m.to_string()))
                        .collect();
                }
                Condition::Header { name, test, .. } => {
                    let Some(header) = self.header_name(name, false) else { continue };
                    match self.string_test(test) {
                        Some(Some(m)) => base.headers.push((header, m)),
                        Some(None) => base.without_headers.push(header),
                        None => {}
                    }
                }
                Condition::Query { name, test, span } => {
                    let Some(param) = self.string(name) else { continue };
                    match self.string_test(test) {
                        Some(Some(m)) => base.query.push((param, m)),
                        Some(None) => self.report(
                            Diagnostic::error("E0307", *span, "Istio cannot match on an absent query parameter")
                                .with_span_label("`absent` is only for headers"),
                        ),
                        None => {}
                    }
                }
                Condition::Sni { .. } | Condition::Tcp { .. } => {}
            }
        }
        if conditions.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(uris.len() * methods.len());
        for uri in &uris {
            for method in &methods {
                let mut m = base.clone();
                m.uri = uri.clone();
                m.method = method.clone();
                out.push(m);
            }
        }
        out
    }

    fn path_match(&mut self, kind: UriKind, value: &ast::Value) -> Option<StringMatch> {
        let text = self.line_string(value, "a path")?;
        match kind {
            UriKind::Regex => {
                if text.len() > 1024 {
                    self.report(
                        Diagnostic::error("E0202", value.span, "Istio limits regular expressions to 1024 characters")
                            .with_span_label("too long"),
                    );
                    return None;
                }
                Some(StringMatch::Regex(text))
            }
            _ if !text.starts_with('/') => {
                self.report(
                    Diagnostic::error("E0210", value.span, format!("path `{text}` does not start with `/`"))
                        .with_span_label("request paths always start with `/`")
                        .with_suggestion(value.span, format!("\"/{text}\""), "add the leading `/`"),
                );
                None
            }
            UriKind::Exact => Some(StringMatch::Exact(text)),
            UriKind::Prefix => Some(StringMatch::Prefix(text)),
        }
    }

    /// `Some(None)` means "absent".
    fn string_test(&mut self, test: &StringTest) -> Option<Option<StringMatch>> {
        Some(match test {
            StringTest::Present => Some(StringMatch::Present),
            StringTest::Absent => None,
            StringTest::Exact(v) => Some(StringMatch::Exact(self.line_string(v, "a match value")?)),
            StringTest::Prefix(v) => {
                let text = self.line_string(v, "a match value")?;
                if text.is_empty() {
                    self.report(
                        Diagnostic::error("E0202", v.span, "an empty prefix matches everything")
                            .with_span_label("use `present`"),
                    );
                    return None;
                }
                Some(StringMatch::Prefix(text))
            }
            StringTest::Regex(v) => Some(StringMatch::Regex(self.line_string(v, "a regular expression")?)),
        })
    }

    /// A header name; `:authority`/`host` are allowed only where `pseudo_ok`.
    pub(crate) fn header_name(&mut self, value: &ast::Value, pseudo_ok: bool) -> Option<String> {
        let text = self.string(value)?;
        let valid = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if text == ":authority" && pseudo_ok {
            return Some(text);
        }
        if !valid {
            self.report(
                Diagnostic::error("E0211", value.span, format!("invalid header name `{text}`"))
                    .with_span_label("header names are letters, digits, `-` and `_`"),
            );
            return None;
        }
        Some(text.to_ascii_lowercase())
    }

    fn destinations(&mut self, destinations: &[ast::Destination], http: bool) -> Option<Vec<Resolved>> {
        let mut out = Vec::new();
        let mut ok = true;
        for d in destinations {
            match self.destination(d, http) {
                Some(r) => out.push(r),
                None => ok = false,
            }
        }
        let weights: Vec<Option<u64>> =
            destinations.iter().map(|d| d.weight.as_ref().and_then(|w| self.whole_percent(w))).collect();
        if destinations.len() > 1 {
            if let Some(missing) = destinations.iter().find(|d| d.weight.is_none()) {
                self.report(
                    Diagnostic::error("E0404", missing.span, "with several destinations, each needs a weight")
                        .with_span_label("no weight")
                        .with_note("write `-> svc@v1 90%, svc@v2 10%`; weights add up to 100%"),
                );
                return None;
            }
            if weights.iter().all(Option::is_some) {
                let sum: u64 = weights.iter().flatten().sum();
                if sum != 100 {
                    let mut d = Diagnostic::error("E0402", destinations[0].span.to(destinations[destinations.len() - 1].span), format!("weights add up to {sum}%, not 100%"))
                        .with_span_label(format!("{sum}% in total"))
                        .with_note("Istio would treat weights as relative; meshc requires them to add up to 100% so that each one reads as the share it is");
                    for dest in destinations {
                        if let Some(w) = &dest.weight {
                            d = d.with_label(w.span, "");
                        }
                    }
                    self.report(d);
                    return None;
                }
            }
        } else if let (Some(dest), Some(Some(w))) = (destinations.first(), weights.first()) {
            if *w != 100 {
                self.report(
                    Diagnostic::error(
                        "E0402",
                        dest.span,
                        format!("a single destination gets all the traffic, not {w}%"),
                    )
                    .with_span_label("the only destination")
                    .with_note("to send part of the traffic elsewhere, list the other destination with its weight"),
                );
                return None;
            }
        }
        if !ok {
            return None;
        }
        if destinations.len() > 1 {
            for (r, w) in out.iter_mut().zip(weights) {
                r.destination.weight = w.map(|w| w as u32);
            }
        }
        for (i, r) in out.iter().enumerate() {
            if let Some(previous) = out[..i].iter().find(|p| {
                p.destination.host == r.destination.host
                    && p.destination.subset == r.destination.subset
                    && p.destination.port == r.destination.port
            }) {
                self.report(
                    Diagnostic::error("E0301", r.span, "the same destination appears twice")
                        .with_span_label("again here")
                        .with_label(previous.span, "first here"),
                );
                return None;
            }
        }
        Some(out)
    }

    fn destination(&mut self, d: &ast::Destination, http: bool) -> Option<Resolved> {
        let span = d.span;
        if let Some(service) = self.decls.service(&d.target.node) {
            self.record_ref(d.target.span, DefKind::Service, &d.target.node, None);
            let subset = match &d.version {
                Some(version) => {
                    if service.versions.iter().any(|v| v.node == version.node) {
                        self.record_ref(version.span, DefKind::Version, &version.node, Some(&service.name.node));
                        Some(version.node.clone())
                    } else {
                        let candidates = service.versions.iter().map(|v| v.node.as_str()).collect::<Vec<_>>();
                        let mut diag = Diagnostic::error(
                            "E0102",
                            version.span,
                            format!("service `{}` has no version `{}`", service.name.node, version.node),
                        )
                        .with_span_label("no such version");
                        match crate::suggest::did_you_mean(&version.node, candidates.iter().copied()) {
                            Some(near) => {
                                diag = diag.with_suggestion(version.span, near, format!("did you mean `{near}`?"))
                            }
                            None if candidates.is_empty() => {
                                diag = diag.with_note(format!(
                                    "`{}` declares no versions; add `versions {}`",
                                    service.name.node, version.node
                                ))
                            }
                            None => diag = diag.with_note(format!("its versions: {}", candidates.join(", "))),
                        }
                        let versions_span = service
                            .versions
                            .first()
                            .map(|f| f.span.to(service.versions[service.versions.len() - 1].span));
                        diag = diag.with_label(versions_span.unwrap_or(service.name.span), "declared here");
                        self.report(diag);
                        return None;
                    }
                }
                None => None,
            };
            let port = self.destination_port(&service.name, &service.ports, d)?;
            if http {
                self.check_http_port(&service.ports, &port, d);
            }
            return Some(Resolved {
                destination: model::Destination {
                    host: self.service_fqdn(service),
                    subset,
                    port: Some(port.number),
                    weight: None,
                },
                span,
            });
        }
        if let Some(external) = self.decls.external(&d.target.node) {
            self.record_ref(d.target.span, DefKind::External, &d.target.node, None);
            if let Some(version) = &d.version {
                self.report(
                    Diagnostic::error(
                        "E0102",
                        version.span,
                        format!("external `{}` has no versions", external.name.node),
                    )
                    .with_span_label("versions are subsets of in-mesh services"),
                );
                return None;
            }
            let host = external.hosts.iter().find_map(|h| match h {
                ast::Host::Literal(v) => self.string(v).map(|s| s.to_ascii_lowercase()),
                ast::Host::Ref(_) => None,
            })?;
            let port = self.destination_port(&external.name, &external.ports, d)?;
            if http {
                self.check_http_port(&external.ports, &port, d);
            }
            return Some(Resolved {
                destination: model::Destination { host, subset: None, port: Some(port.number), weight: None },
                span,
            });
        }
        let candidates = self.decls.destination_names();
        self.unknown("E0101", "service", &d.target, candidates);
        None
    }

    /// HTTP rules only apply to traffic Envoy parses as HTTP: a TCP port gets no retries,
    /// no matching, nothing — Istio would silently ignore the rule.
    fn check_http_port(&mut self, ports: &[ast::PortDecl], port: &model::Port, d: &ast::Destination) {
        if port.protocol.is_http() {
            return;
        }
        let declared = ports.iter().find(|p| p.name.node == port.name).map_or(d.target.span, |p| p.name.span);
        self.report(
            Diagnostic::error(
                "E0405",
                d.port.as_ref().map_or(d.target.span, |p| p.span()),
                format!("HTTP rule sends traffic to port `{}`, which speaks {}", port.name, port.protocol.as_istio()),
            )
            .with_span_label("not an HTTP port")
            .with_label(declared, "declared here")
            .with_note("HTTP rules (paths, methods, headers, retries) only apply to http, http2, grpc and grpc-web ports; route TCP with `tcp -> …` and TLS with `sni \"host\" -> …`"),
        );
    }

    /// The port a destination names, or the owner's only port.
    pub(crate) fn destination_port(
        &mut self,
        owner: &ast::Name,
        declared: &[ast::PortDecl],
        d: &ast::Destination,
    ) -> Option<model::Port> {
        let ports = self.ports(declared, owner);
        if ports.len() < declared.len() {
            return None; // a port declaration has an error, already reported
        }
        match &d.port {
            None => match &ports[..] {
                [only] => Some(only.clone()),
                [] => None,
                [first, ..] => {
                    let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                    let version = d.version.as_ref().map(|v| format!("@{}", v.node)).unwrap_or_default();
                    self.report(
                        Diagnostic::error(
                            "E0401",
                            d.target.span,
                            format!("`{}` has several ports; say which one", owner.node),
                        )
                        .with_span_label("which port?")
                        .with_note(format!("its ports: {}", names.join(", ")))
                        .with_suggestion(
                            d.target.span.to(d.version.as_ref().map_or(d.target.span, |v| v.span)),
                            format!("{}{version}:{}", owner.node, first.name),
                            format!("e.g. `:{}`", first.name),
                        ),
                    );
                    None
                }
            },
            Some(ast::PortRef::Name(name)) => match ports.iter().find(|p| p.name == name.node) {
                Some(port) => {
                    self.record_ref(name.span, DefKind::Port, &name.node, Some(&owner.node));
                    Some(port.clone())
                }
                None => {
                    let candidates = ports.iter().map(|p| p.name.as_str()).collect();
                    self.unknown_port(&owner.node, name, candidates);
                    None
                }
            },
            Some(ast::PortRef::Number(n, span)) => match ports.iter().find(|p| p.number == *n) {
                Some(port) => Some(port.clone()),
                None => {
                    let list: Vec<String> = ports.iter().map(|p| format!("{} {}", p.name, p.number)).collect();
                    self.report(
                        Diagnostic::error("E0103", *span, format!("`{}` has no port {n}", owner.node))
                            .with_span_label("not one of its ports")
                            .with_note(format!("its ports: {}", list.join(", "))),
                    );
                    None
                }
            },
        }
    }

    fn redirect(&mut self, parts: &[(ast::Name, ast::Value)]) -> Option<model::HttpAction> {
        let (mut uri, mut authority, mut scheme, mut port, mut code) = (None, None, None, None, None);
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in parts {
            if seen.contains(&key.node.as_str()) {
                self.report(
                    Diagnostic::error("E0301", key.span, format!("`{}` is given twice", key.node))
                        .with_span_label("again here"),
                );
                continue;
            }
            seen.push(&key.node);
            match key.node.as_str() {
                "uri" => uri = self.line_string(value, "a redirect URI"),
                "authority" => authority = self.host_string(value),
                "scheme" => scheme = self.word(value, SCHEMES, "scheme").map(str::to_string),
                "port" => port = self.port_number(value),
                _ => code = self.int(value, 301, 308, "redirect status").map(|c| c as u32),
            }
        }
        if parts.iter().all(|(key, _)| key.node == "code") {
            if let Some((first, _)) = parts.first() {
                self.report(
                    Diagnostic::error("E0306", first.span, "a redirect needs a `uri`, `authority`, `scheme` or `port`")
                        .with_span_label("redirect to where?")
                        .with_note("e.g. `redirect authority \"www.example.com\" code 301`"),
                );
            }
            return None;
        }
        if uri.is_none() && authority.is_none() && scheme.is_none() && port.is_none() {
            return None; // every target had an error, already reported
        }
        Some(model::HttpAction::Redirect { uri, authority, scheme, port, code })
    }

    fn options(&mut self, options: &[RuleOption]) -> Options {
        let mut out = Options::default();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        for option in options {
            let kind = option_kind(option);
            if kind != "headers" {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == kind) {
                    self.report(
                        Diagnostic::error("E0301", option.span(), format!("`{kind}` is given twice"))
                            .with_span_label("again here")
                            .with_label(*first, "first here"),
                    );
                    continue;
                }
                seen.push((kind, option.span()));
            }
            match option {
                RuleOption::Timeout(v, span) => out.timeout = self.positive_duration(v).map(|d| (d, *span)),
                RuleOption::Retry(r) => out.retry = self.retry(r).map(|x| (x, r.span)),
                RuleOption::Rewrite(r) => match &r.kind {
                    ast::RewriteKind::Uri(v) => {
                        out.rewrite = self.line_string(v, "a rewritten path").map(model::Rewrite::Uri)
                    }
                    ast::RewriteKind::Authority(v) => out.rewrite_authority = self.host_string(v),
                    ast::RewriteKind::Regex { pattern, replacement } => {
                        if let (Some(pattern), Some(replacement)) = (self.string(pattern), self.string(replacement)) {
                            out.rewrite = Some(model::Rewrite::Regex { pattern, replacement });
                        }
                    }
                },
                RuleOption::Fault(f) => {
                    let percent = self.percent(&f.percent);
                    let (fault, _) = out.fault.get_or_insert_with(|| (model::Fault::default(), f.span));
                    // A fault at 0% never fires: leaving it out lets an environment value
                    // switch fault injection off (`fault abort 503 $abort_rate`).
                    match f.kind {
                        ast::FaultKind::Delay => {
                            if let (Some(d), Some(p)) = (self.positive_duration(&f.value), percent) {
                                fault.delay = (p > 0.0).then_some((d, p));
                            }
                        }
                        ast::FaultKind::Abort => {
                            if let (Some(s), Some(p)) = (self.int(&f.value, 200, 599, "HTTP status"), percent) {
                                fault.abort = (p > 0.0).then_some((s as u32, p));
                            }
                        }
                    }
                }
                RuleOption::Mirror(d, span) => {
                    let percent = d.weight.as_ref().and_then(|w| self.percent(w));
                    if let Some(r) = self.destination(d, true) {
                        out.mirror = Some((r.destination, percent, *span));
                    }
                }
                RuleOption::Cors(items, _) => out.cors = self.cors(items),
                RuleOption::Headers(edit) => self.header_edit(edit, &mut out),
            }
        }
        out
    }

    fn retry(&mut self, r: &ast::RetryDecl) -> Option<model::Retry> {
        let Some(attempts) = &r.attempts else {
            return Some(model::Retry { attempts: 0, per_try: None, on: Vec::new() });
        };
        let attempts = self.int(attempts, 0, 100, "retry attempts")?;
        let per_try = match &r.per_try {
            Some(v) => Some(self.positive_duration(v)?),
            None => None,
        };
        if attempts == 0 && (per_try.is_some() || !r.on.is_empty()) {
            self.report(
                Diagnostic::error("E0307", r.span, "zero retry attempts cannot have a per-try timeout or conditions")
                    .with_span_label("write `retry none` to disable retries"),
            );
            return None;
        }
        let mut on = Vec::new();
        for condition in &r.on {
            let is_status =
                condition.node.len() == 3 && condition.node.parse::<u16>().is_ok_and(|s| (100..600).contains(&s));
            if is_status || RETRY_ON.contains(&condition.node.as_str()) {
                if !on.contains(&condition.node) {
                    on.push(condition.node.clone());
                }
            } else {
                self.choose(&condition.node, condition.span, None, RETRY_ON, "retry condition");
            }
        }
        Some(model::Retry { attempts, per_try, on })
    }

    fn cors(&mut self, items: &[(ast::Name, Vec<ast::Value>)]) -> Option<model::Cors> {
        let settings: Vec<ast::Setting> = items
            .iter()
            .filter_map(|(k, v)| v.first().map(|first| ast::Setting { key: k.clone(), value: first.clone() }))
            .collect();
        let known = super::settings_map(self, &settings, CORS_SETTINGS, "cors");
        let mut cors = model::Cors::default();
        for (key, values) in items {
            if !known.contains_key(key.node.as_str()) {
                continue;
            }
            match key.node.as_str() {
                "origins" => {
                    cors.origins = values.iter().filter_map(|v| self.string(v)).map(StringMatch::Exact).collect()
                }
                "methods" => {
                    for v in values {
                        if let ast::ValueKind::Ident(m) = &v.kind {
                            if let Some(m) = self.choose(m, v.span, None, HTTP_METHODS, "HTTP method") {
                                cors.methods.push(m.to_string());
                            }
                        } else {
                            self.word(v, HTTP_METHODS, "HTTP method");
                        }
                    }
                }
                "headers" => cors.headers = values.iter().filter_map(|v| self.header_name(v, false)).collect(),
                "expose" => cors.expose = values.iter().filter_map(|v| self.header_name(v, false)).collect(),
                "max_age" => cors.max_age = values.first().and_then(|v| self.positive_duration(v)),
                _ => cors.credentials = values.first().and_then(|v| self.boolean(v)),
            }
        }
        Some(cors)
    }

    fn header_edit(&mut self, edit: &ast::HeaderEdit, out: &mut Options) {
        let request = edit.side == ast::HeaderSide::Request;
        let ops = if request { &mut out.request_headers } else { &mut out.response_headers };
        let mut ops_local = std::mem::take(ops);
        match &edit.op {
            ast::HeaderOp::Set(k, v) | ast::HeaderOp::Add(k, v) => {
                let name = self.header_name(k, request);
                let value = self.string(v);
                if let Some(value) = &value {
                    if value.chars().any(|c| c.is_control() && c != '\t') {
                        self.report(
                            Diagnostic::error("E0211", v.span, "header values cannot contain control characters")
                                .with_span_label("a control character"),
                        );
                    }
                }
                if let (Some(name), Some(value)) = (name, value) {
                    if !request && name == "host" {
                        self.report(
                            Diagnostic::error("E0211", k.span, "responses have no `host` header to change")
                                .with_span_label("not allowed"),
                        );
                    } else if matches!(edit.op, ast::HeaderOp::Set(..)) {
                        ops_local.set.insert(name, value);
                    } else {
                        ops_local.add.insert(name, value);
                    }
                }
            }
            ast::HeaderOp::Remove(names) => {
                for n in names {
                    if let Some(name) = self.header_name(n, false) {
                        if name == "host" {
                            self.report(
                                Diagnostic::error("E0211", n.span, "the `host` header cannot be removed")
                                    .with_span_label("not allowed"),
                            );
                        } else if !ops_local.remove.contains(&name) {
                            ops_local.remove.push(name);
                        }
                    }
                }
            }
        }
        let ops = if request { &mut out.request_headers } else { &mut out.response_headers };
        *ops = ops_local;
    }

    /// Istio's webhook rejects SNI hosts that none of the route's hosts covers.
    fn check_sni_hosts(&mut self, rule: &ast::RouteRule, tls: &model::TlsRule, hosts: &[String]) {
        for sni in &tls.sni {
            if !hosts.iter().any(|h| host_covers(h, sni)) {
                let span = rule.conditions.first().map_or(rule.match_span, |c| c.span());
                self.report(
                    Diagnostic::error("E0410", span, format!("SNI host `{sni}` is not one of the route's hosts"))
                        .with_span_label("not covered by `hosts`")
                        .with_note(format!("the route's hosts: {}", list(hosts)))
                        .with_note(
                            "add it to the route's `hosts` (a wildcard like `*.example.com` covers its subdomains)",
                        ),
                );
            }
        }
    }

    /// A TLS rule bound to gateways needs a `tls … passthrough` server there, a TCP rule a
    /// `tcp` server (on its port, when it names one); otherwise Istio never applies it.
    fn check_l4_server(
        &mut self,
        rule: &ast::RouteRule,
        bound: &[&'a ast::GatewayDecl],
        protocol: ast::ServerProtocol,
        port: Option<u32>,
    ) {
        if bound.is_empty() {
            return;
        }
        let fits = bound.iter().any(|g| {
            g.servers.iter().any(|s| {
                let number = match &s.port.kind {
                    ast::ValueKind::Number(n) => n.parse::<u32>().ok(),
                    _ => None,
                };
                s.protocol == protocol
                    && (protocol != ast::ServerProtocol::Tls || s.passthrough.is_some())
                    && port.is_none_or(|p| number == Some(p))
            })
        });
        if !fits {
            let wanted = match (protocol, port) {
                (ast::ServerProtocol::Tls, _) => "a `tls <port> passthrough` server".to_string(),
                (_, Some(p)) => format!("a `tcp {p}` server"),
                _ => "a `tcp` server".to_string(),
            };
            let mut d =
                Diagnostic::error("E0307", rule.match_span, format!("no gateway this route is bound to has {wanted}"))
                    .with_span_label("Istio would never apply this rule at the gateway");
            for g in bound {
                d = d.with_label(g.name.span, "bound gateway");
            }
            self.report(d);
        }
    }

    fn tls_rule(&mut self, rule: &ast::RouteRule) -> Option<model::TlsRule> {
        let mut sni = Vec::new();
        for c in &rule.conditions {
            if let Condition::Sni { hosts, .. } = c {
                sni.extend(hosts.iter().filter_map(|h| self.host_string(h)));
            }
        }
        let Action::Forward(destinations) = &rule.action else {
            self.report(
                Diagnostic::error("E0408", rule.span, "TLS rules can only forward with `->`")
                    .with_span_label("redirects and responses need HTTP"),
            );
            return None;
        };
        self.no_http_options(rule);
        let destinations = self.destinations(destinations, false)?.into_iter().map(|r| r.destination).collect();
        Some(model::TlsRule { sni, destinations })
    }

    fn tcp_rule(&mut self, rule: &ast::RouteRule) -> Option<model::TcpRule> {
        let mut port = None;
        for c in &rule.conditions {
            if let Condition::Tcp { port: Some(p), .. } = c {
                port = self.port_number(p);
            }
        }
        let Action::Forward(destinations) = &rule.action else {
            self.report(
                Diagnostic::error("E0408", rule.span, "TCP rules can only forward with `->`")
                    .with_span_label("redirects and responses need HTTP"),
            );
            return None;
        };
        self.no_http_options(rule);
        let destinations = self.destinations(destinations, false)?.into_iter().map(|r| r.destination).collect();
        Some(model::TcpRule { port, destinations })
    }

    fn no_http_options(&mut self, rule: &ast::RouteRule) {
        let first = rule.options.first().map(|o| o.span()).into_iter().chain(rule.uses.first().map(|u| u.span)).min();
        if let Some(span) = first {
            self.report(
                Diagnostic::error("E0408", span, "TLS and TCP rules take no HTTP options")
                    .with_span_label("retries, timeouts, faults, mirrors, CORS and headers need HTTP"),
            );
        }
    }

    /// W0101: a rule that an earlier rule always matches first.
    fn check_shadowing(&mut self, rules: &[model::HttpRule], spans: &[Span]) {
        for (i, rule) in rules.iter().enumerate() {
            for (j, earlier) in rules[..i].iter().enumerate() {
                if shadows(earlier, rule) {
                    let why = if earlier.matches.is_empty() {
                        "it matches every request"
                    } else {
                        "it matches everything this rule matches"
                    };
                    self.report(
                        Diagnostic::warning("W0101", spans[i], "this rule can never match")
                            .with_span_label("unreachable")
                            .with_label(spans[j], format!("this earlier rule wins: {why}"))
                            .with_note(
                                "rules are tried in order and the first match wins; move the more specific rule up",
                            ),
                    );
                    break;
                }
            }
        }
    }

    /// E0407: two routes bound to the mesh for one host (Istio keeps only one).
    pub(crate) fn check_route_conflicts(&mut self, routes: &[model::Route], externals: &[model::External]) {
        let in_mesh = |r: &model::Route| r.gateways.is_empty() || r.gateways.iter().any(|g| g == "mesh");
        // The in-mesh routes of each host, in order, so that finding the routes that share a
        // host is a lookup: comparing every pair of routes (and every egress external with
        // every route) was quadratic in their number.
        let mut routes_of: FxHashMap<&str, Vec<usize>> =
            FxHashMap::with_capacity_and_hasher(routes.len(), Default::default());
        for (i, route) in routes.iter().enumerate().filter(|(_, r)| in_mesh(r)) {
            for host in &route.hosts {
                let list = routes_of.entry(host.as_str()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        // An external that leaves through an egress gateway has a mesh route of its own.
        for external in externals.iter().filter(|e| e.egress.is_some()) {
            let mut sharing: Vec<usize> =
                external.hosts.iter().filter_map(|h| routes_of.get(h.as_str())).flatten().copied().collect();
            sharing.sort_unstable();
            sharing.dedup();
            for route in sharing.into_iter().map(|i| &routes[i]) {
                let Some(host) = route.hosts.iter().find(|h| external.hosts.contains(h)) else { continue };
                let here = self.decls.routes.iter().find(|r| r.name.node == route.name).map(|r| r.name.span);
                let there = self.decls.external(&external.name).and_then(|e| e.via.as_ref()).map(|v| v.span);
                if let (Some(here), Some(there)) = (here, there) {
                    self.report(
                        Diagnostic::error(
                            "E0407",
                            here,
                            format!(
                                "route `{}` and the egress route of `{}` both route `{host}` inside the mesh",
                                route.name, external.name
                            ),
                        )
                        .with_span_label("second route for this host")
                        .with_label(there, "this sends the host's traffic to the egress gateway")
                        .with_note("Istio uses only one VirtualService per host for mesh traffic; drop one of them"),
                    );
                }
            }
        }
        for (i, route) in routes.iter().enumerate() {
            if !in_mesh(route) {
                continue;
            }
            // The earliest in-mesh route before this one that shares one of its hosts.
            let earliest = route.hosts.iter().filter_map(|h| routes_of.get(h.as_str())?.first().copied()).min();
            if let Some(earlier) = earliest.filter(|&j| j < i).map(|j| &routes[j]) {
                if let Some(host) = route.hosts.iter().find(|h| earlier.hosts.contains(h)) {
                    let at = |name: &str| self.decls.routes.iter().find(|r| r.name.node == name).map(|r| r.name.span);
                    if let (Some(here), Some(there)) = (at(&route.name), at(&earlier.name)) {
                        self.report(
                            Diagnostic::error("E0407", here, format!("routes `{}` and `{}` both route `{host}` inside the mesh", earlier.name, route.name))
                                .with_span_label("second route for this host")
                                .with_label(there, "first route for it")
                                .with_note("Istio uses only one VirtualService per host for mesh traffic; merge the rules into one route"),
                        );
                    }
                }
            }
        }
    }
}

/// What an option sets; two options of one kind in one list conflict.
pub(crate) fn option_kind(option: &RuleOption) -> &'static str {
    match option {
        RuleOption::Timeout(..) => "timeout",
        RuleOption::Retry(_) => "retry",
        RuleOption::Rewrite(r) if matches!(r.kind, ast::RewriteKind::Authority(_)) => "rewrite authority",
        RuleOption::Rewrite(_) => "rewrite",
        RuleOption::Fault(f) if f.kind == ast::FaultKind::Delay => "fault delay",
        RuleOption::Fault(_) => "fault abort",
        RuleOption::Mirror(..) => "mirror",
        RuleOption::Cors(..) => "cors",
        RuleOption::Headers(_) => "headers",
    }
}

fn rule_kind(rule: &ast::RouteRule) -> Option<&'static str> {
    let sni = rule.conditions.iter().any(|c| matches!(c, Condition::Sni { .. }));
    let tcp = rule.conditions.iter().any(|c| matches!(c, Condition::Tcp { .. }));
    let http = rule.conditions.iter().any(|c| !matches!(c, Condition::Sni { .. } | Condition::Tcp { .. }));
    match (sni, tcp, http) {
        (false, false, _) => Some("http"),
        (true, false, false) => Some("tls"),
        (false, true, false) => Some("tcp"),
        _ => None,
    }
}

/// A rule's own option, else the route's default; forwarding options only for `->` rules.
fn pick<T: Clone>(forward: bool, own: Option<T>, default: &Option<T>) -> Option<T> {
    if forward {
        own.or_else(|| default.clone())
    } else {
        None
    }
}

fn merge_headers(own: model::HeaderOps, defaults: &model::HeaderOps) -> model::HeaderOps {
    // Nothing to add (most routes): the rule's own edits, whose removals have no repeats
    // (`header_edit` keeps them so), are the answer.
    if defaults.is_empty() {
        return own;
    }
    let mut out = defaults.clone();
    out.set.extend(own.set);
    out.add.extend(own.add);
    for r in own.remove {
        if !out.remove.contains(&r) {
            out.remove.push(r);
        }
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "no hosts".to_string();
    }
    items.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
}

/// Whether `earlier` matches every request `later` matches.
fn shadows(earlier: &model::HttpRule, later: &model::HttpRule) -> bool {
    if earlier.matches.is_empty() {
        return true;
    }
    if later.matches.is_empty() {
        // `any` after `prefix "/"` (with nothing else tested) never matches either.
        let universal = HttpMatch { uri: Some(StringMatch::Prefix("/".to_string())), ..HttpMatch::default() };
        return earlier.matches.contains(&universal);
    }
    later.matches.iter().all(|l| earlier.matches.iter().any(|e| match_covers(e, l)))
}

fn match_covers(e: &HttpMatch, l: &HttpMatch) -> bool {
    let uri_ok = match (&e.uri, &l.uri) {
        (None, _) => true,
        (Some(StringMatch::Prefix(p)), Some(StringMatch::Prefix(q) | StringMatch::Exact(q))) => {
            q.starts_with(p.as_str())
        }
        (Some(StringMatch::Exact(p)), Some(StringMatch::Exact(q))) => p == q,
        _ => false,
    };
    let method_ok = e.method.is_none() || e.method == l.method;
    let headers_ok = e.headers.iter().all(|h| l.headers.contains(h))
        && e.without_headers.iter().all(|h| l.without_headers.contains(h));
    let query_ok = e.query.iter().all(|q| l.query.contains(q));
    uri_ok && method_ok && headers_ok && query_ok
}
