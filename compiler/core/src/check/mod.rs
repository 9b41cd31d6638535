//! The checker: resolves names, evaluates values for one environment and builds the
//! checked `model::Mesh`, reporting every problem it finds on the way.
//!
//! The same code runs once per environment; diagnostics that do not depend on the
//! environment come out identical each time and are de-duplicated by `analyze()`.

mod decls;
pub(crate) mod environments;
mod gateways;
mod limits;
mod lints;
pub(crate) mod modules;
mod policies;
mod presets;
mod reachability;
mod routes;
mod services;
mod sidecars;
mod telemetry;
mod templates;
mod values;
pub mod vocabulary;

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use meshc_syntax::ast::{self, Value};
use meshc_syntax::{Span, Spanned};

pub use decls::Decls;
pub use environments::EnvScope;

use crate::index::{DefKind, Index};
use crate::model::{self, Origin};
use crate::suggest::did_you_mean;
use crate::{Diagnostic, Sources};

/// One environment's pass over the declarations.
pub struct Checker<'a> {
    pub(crate) sources: &'a Sources,
    pub(crate) decls: &'a Decls<'a>,
    pub(crate) env: &'a EnvScope<'a>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// How many of `diagnostics` are errors: rules ask after each match whether it failed,
    /// and counting them every time made checking quadratic in the number of diagnostics.
    pub(crate) errors: usize,
    /// Navigation data is recorded on the first environment's pass only.
    pub(crate) index: Option<&'a mut Index>,
    pub(crate) namespace: String,
    pub(crate) root_namespace: String,
    pub(crate) trust_domain: String,
    /// Which presets each file can use.
    pub(crate) modules: &'a modules::Modules<'a>,
    /// Each service's route defaults (its own `timeout`/`retry` and its presets'), filled
    /// as services are checked, read by the rules that forward to them.
    /// Only services that have some; shared, since every rule forwarding to one reads them.
    pub(crate) service_route_defaults: FxHashMap<String, Rc<[ast::RuleOption]>>,
    /// `(preset declaration, use)` of every expansion so far: a diagnostic inside a preset
    /// also points at where it was used.
    pub(crate) expansions: Vec<(Span, Span)>,
    /// The same pairs, to keep `expansions` free of repeats without searching it per `use`.
    pub(crate) expanded: FxHashSet<(Span, Span)>,
    /// `(gateway, server port)` of each plain-TCP egress leg and the `via` that claimed it:
    /// a TCP server cannot tell two externals apart (no SNI, no Host header).
    pub(crate) egress_tcp_ports: FxHashMap<(String, u32), Span>,
    /// Each service's or external's evaluated ports, by the span of its name.
    pub(crate) ports_by_owner: FxHashMap<Span, Rc<[model::Port]>>,
}

impl<'a> Checker<'a> {
    pub fn new(
        sources: &'a Sources,
        decls: &'a Decls<'a>,
        modules: &'a modules::Modules<'a>,
        env: &'a EnvScope<'a>,
        index: Option<&'a mut Index>,
    ) -> Self {
        let mesh = decls.mesh;
        let namespace = mesh.and_then(|m| m.namespace.as_ref()).map(|n| n.node.clone());
        let namespace =
            namespace.or_else(|| mesh.map(|m| m.name.node.clone())).unwrap_or_else(|| "default".to_string());
        let root_namespace =
            mesh.and_then(|m| m.root_namespace.as_ref()).map_or_else(|| "istio-system".to_string(), |n| n.node.clone());
        let mut checker = Checker {
            sources,
            decls,
            env,
            diagnostics: Vec::new(),
            errors: 0,
            index,
            namespace,
            root_namespace,
            trust_domain: String::new(),
            modules,
            service_route_defaults: FxHashMap::default(),
            expansions: Vec::new(),
            expanded: FxHashSet::default(),
            egress_tcp_ports: FxHashMap::default(),
            ports_by_owner: FxHashMap::with_capacity_and_hasher(
                decls.services.len() + decls.externals.len(),
                Default::default(),
            ),
        };
        checker.trust_domain = match mesh.and_then(|m| m.trust_domain.as_ref()) {
            Some(v) => checker.host_string(v).unwrap_or_default(),
            None => "cluster.local".to_string(),
        };
        checker
    }

    /// Builds the checked mesh of this environment.
    pub fn check(mut self) -> (model::Mesh, Vec<Diagnostic>) {
        let decls = self.decls;
        self.check_names(decls);
        self.check_repeated(decls);
        self.check_duplicate_targets(decls);
        let mut mesh = model::Mesh {
            name: decls.mesh.map(|m| m.name.node.clone()).unwrap_or_else(|| "mesh".to_string()),
            env: self.env.name.clone(),
            production: self.env.production,
            namespace: self.namespace.clone(),
            root_namespace: self.root_namespace.clone(),
            trust_domain: self.trust_domain.clone(),
            ..Default::default()
        };
        mesh.providers = sized(decls.providers.len(), decls.providers.iter().filter_map(|p| self.provider(p)));
        mesh.services = sized(decls.services.len(), decls.services.iter().filter_map(|s| self.service(s)));
        mesh.externals = sized(decls.externals.len(), decls.externals.iter().filter_map(|e| self.external(e)));
        mesh.gateways = sized(decls.gateways.len(), decls.gateways.iter().filter_map(|g| self.gateway(g)));
        mesh.routes = sized(decls.routes.len(), decls.routes.iter().filter_map(|r| self.route(r)));
        self.check_route_conflicts(&mesh.routes, &mesh.externals);
        mesh.policies = sized(decls.policies.len(), decls.policies.iter().filter_map(|p| self.policy(p)));
        self.check_gateway_reachability(&mesh);
        mesh.jwts = sized(decls.jwts.len(), decls.jwts.iter().filter_map(|j| self.jwt(j)));
        mesh.limits = sized(decls.limits.len(), decls.limits.iter().filter_map(|l| self.limit(l)));
        mesh.sidecars = sized(decls.sidecars.len(), decls.sidecars.iter().filter_map(|s| self.sidecar(s)));
        mesh.telemetry = sized(decls.telemetry.len(), decls.telemetry.iter().filter_map(|t| self.telemetry(t)));
        mesh.raw = self.templates(&mesh);
        self.lint(&mesh);
        (mesh, self.diagnostics)
    }

    pub(crate) fn report(&mut self, mut diagnostic: Diagnostic) {
        let at = diagnostic.span;
        let uses: Vec<Span> = self
            .expansions
            .iter()
            .filter(|(preset, _)| preset.file == at.file && preset.start <= at.start && at.end <= preset.end)
            .map(|(_, used)| *used)
            .collect();
        for used in uses.iter().take(2) {
            diagnostic = diagnostic.with_label(*used, "the preset is used here");
        }
        self.errors += usize::from(diagnostic.is_error());
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn origin(&self, span: Span) -> Origin {
        let file = self.sources.get(span.file);
        let (line, _) = self.sources.line_col(span.file, span.start as usize);
        Origin { file: file.name.clone(), line }
    }

    /// Records a reference for go-to-definition, on the first environment's pass.
    pub(crate) fn record_ref(&mut self, at: Span, kind: DefKind, name: &str, container: Option<&str>) {
        if let Some(index) = self.index.as_deref_mut() {
            index.add_reference(at, kind, name, container);
        }
    }

    /// Reports an unknown name with "did you mean" among `candidates`.
    pub(crate) fn unknown(&mut self, code: &'static str, what: &str, name: &Spanned<String>, candidates: Vec<&str>) {
        let mut diagnostic = Diagnostic::error(code, name.span, format!("unknown {what} `{}`", name.node))
            .with_span_label(format!("no {what} of this name"));
        match did_you_mean(&name.node, candidates.iter().copied()) {
            Some(near) => {
                diagnostic = diagnostic.with_suggestion(name.span, near, format!("did you mean `{near}`?"));
            }
            None if !candidates.is_empty() && candidates.len() <= 12 => {
                let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
                diagnostic = diagnostic.with_note(format!("declared: {}", list.join(", ")));
            }
            None if candidates.is_empty() => {
                diagnostic = diagnostic.with_note(format!("no {what} is declared"));
            }
            None => {}
        }
        self.report(diagnostic);
    }

    /// Reports a port name that `owner` does not declare, with "did you mean".
    pub(crate) fn unknown_port(&mut self, owner: &str, name: &Spanned<String>, candidates: Vec<&str>) {
        let mut diagnostic = Diagnostic::error("E0103", name.span, format!("`{owner}` has no port `{}`", name.node))
            .with_span_label("no such port");
        match did_you_mean(&name.node, candidates.iter().copied()) {
            Some(near) => diagnostic = diagnostic.with_suggestion(name.span, near, format!("did you mean `{near}`?")),
            None => diagnostic = diagnostic.with_note(format!("its ports: {}", candidates.join(", "))),
        }
        self.report(diagnostic);
    }

    /// A single statement (`account`, `issuer`, `balance`, …) written twice in one block.
    pub(crate) fn repeated_statement(&mut self, span: Span) {
        let text = &self.sources.get(span.file).text;
        let keyword: String =
            text.get(span.range()).unwrap_or_default().split_whitespace().next().unwrap_or("this").to_string();
        self.report(
            Diagnostic::error("E0301", span, format!("`{keyword}` is given twice in this declaration"))
                .with_span_label("given again here")
                .with_note("only one would take effect; keep one"),
        );
    }

    fn check_repeated(&mut self, decls: &Decls<'a>) {
        let mut spans: Vec<Span> = Vec::new();
        spans.extend(decls.mesh.iter().flat_map(|m| m.repeated.iter().copied()));
        spans.extend(decls.services.iter().flat_map(|s| s.repeated.iter().copied()));
        spans.extend(decls.externals.iter().flat_map(|e| e.repeated.iter().copied()));
        spans.extend(decls.jwts.iter().flat_map(|j| j.repeated.iter().copied()));
        spans.extend(decls.limits.iter().flat_map(|l| l.repeated.iter().copied()));
        for span in spans {
            self.repeated_statement(span);
        }
    }

    /// Two `policy` or `telemetry` blocks for one target would emit two objects of the same
    /// name, and Istio would apply only one of them.
    fn check_duplicate_targets(&mut self, decls: &Decls<'a>) {
        let mut seen: FxHashMap<String, Span> = FxHashMap::default();
        for policy in &decls.policies {
            let (key, span) = match &policy.target {
                ast::PolicyTarget::Namespace(s) => ("policy namespace".to_string(), *s),
                ast::PolicyTarget::Mesh(s) => ("policy mesh".to_string(), *s),
                ast::PolicyTarget::Workload(n) => (format!("policy {}", n.node), n.span),
            };
            self.first_or_duplicate(&mut seen, key, span);
        }
        for telemetry in &decls.telemetry {
            if let Some(target) = &telemetry.target {
                self.first_or_duplicate(&mut seen, format!("telemetry {}", target.node), target.span);
            }
        }
    }

    fn first_or_duplicate(&mut self, seen: &mut FxHashMap<String, Span>, key: String, span: Span) {
        match seen.get(&key) {
            Some(first) => self.report(
                Diagnostic::error("E0301", span, format!("a second `{key}` block"))
                    .with_span_label("second block for this target")
                    .with_label(*first, "first one here")
                    .with_note("merge them: both would become Istio objects of the same name"),
            ),
            None => {
                seen.insert(key, span);
            }
        }
    }

    /// Names of objects must be DNS labels: Kubernetes names, subset names and gateway names.
    fn check_names(&mut self, decls: &Decls<'a>) {
        let mut names: Vec<(&Spanned<String>, &str)> = Vec::new();
        for s in &decls.services {
            names.push((&s.name, "service name"));
            names.extend(s.versions.iter().map(|v| (v, "version name")));
            names.extend(s.ports.iter().map(|p| (&p.name, "port name")));
            if let Some(account) = &s.account {
                names.push((account, "service account name"));
            }
        }
        for e in &decls.externals {
            names.push((&e.name, "external name"));
            names.extend(e.ports.iter().map(|p| (&p.name, "port name")));
        }
        names.extend(decls.gateways.iter().map(|g| (&g.name, "gateway name")));
        names.extend(decls.routes.iter().map(|r| (&r.name, "route name")));
        names.extend(decls.jwts.iter().map(|j| (&j.name, "jwt name")));
        names.extend(decls.envs.iter().map(|e| (&e.name, "environment name")));
        for s in &decls.services {
            names.extend(s.namespace.iter().map(|n| (n, "namespace")));
        }
        for g in &decls.gateways {
            names.extend(g.namespace.iter().map(|n| (n, "namespace")));
        }
        if let Some(mesh) = decls.mesh {
            names.extend(mesh.root_namespace.iter().map(|n| (n, "root namespace")));
            names.push((&mesh.name, "mesh name"));
            names.extend(mesh.environments.iter().map(|e| (e, "environment name")));
            names.extend(mesh.namespace.iter().map(|n| (n, "namespace")));
        }
        for (name, what) in names {
            if let Err(why) = check_dns_label(&name.node) {
                let lower = name.node.to_ascii_lowercase().replace('_', "-");
                let mut d = Diagnostic::error("E0206", name.span, format!("invalid {what} `{}`", name.node))
                    .with_span_label(why)
                    .with_note("Kubernetes and Istio names are DNS labels: lowercase letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit");
                if check_dns_label(&lower).is_ok() {
                    d = d.with_suggestion(name.span, lower.clone(), format!("write `{lower}`"));
                }
                self.report(d);
            }
        }
    }

    pub(crate) fn workload_of(&self, service: &ast::ServiceDecl) -> model::Workload {
        let namespace = service.namespace.as_ref().map_or_else(|| self.namespace.clone(), |n| n.node.clone());
        model::Workload {
            name: service.name.node.clone(),
            namespace,
            labels: [("app".to_string(), service.name.node.clone())].into_iter().collect(),
        }
    }

    pub(crate) fn service_namespace(&self, service: &ast::ServiceDecl) -> String {
        service.namespace.as_ref().map_or_else(|| self.namespace.clone(), |n| n.node.clone())
    }

    pub(crate) fn service_fqdn(&self, service: &ast::ServiceDecl) -> String {
        // Built in place: this runs for every destination of every rule.
        let namespace = service.namespace.as_ref().map_or(self.namespace.as_str(), |n| n.node.as_str());
        [service.name.node.as_str(), ".", namespace, ".svc.cluster.local"].concat()
    }

    /// Resolves a workload reference (policies, limits, sidecars, telemetry).
    pub(crate) fn workload_ref(&mut self, name: &Spanned<String>) -> Option<(model::Workload, &'a ast::ServiceDecl)> {
        match self.decls.service(&name.node) {
            Some(service) => {
                self.record_ref(name.span, DefKind::Service, &name.node, None);
                Some((self.workload_of(service), service))
            }
            None => {
                let candidates = self.decls.services.iter().map(|s| s.name.node.as_str()).collect();
                self.unknown("E0101", "service", name, candidates);
                None
            }
        }
    }
}

/// The items of `iter`, of which there are at most `len`, in a vector allocated once:
/// `filter_map(…).collect()` cannot know the length and grows (and copies) the vector of
/// large model values about a dozen times for a program of thousands of declarations.
fn sized<T>(len: usize, iter: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::with_capacity(len);
    out.extend(iter);
    out
}

/// Checks a DNS-1123 label; the error says what is wrong.
pub(crate) fn check_dns_label(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if name.len() > 63 {
        return Err(format!("{} characters; at most 63", name.len()));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Err(format!("`{c}` is not allowed here"));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// Shared helper: the value for each `key` of a `key value, …` list, reporting duplicates
/// and unknown keys (with "did you mean"). The first setting of a key wins.
pub(crate) fn settings_map<'s>(
    checker: &mut Checker<'_>,
    settings: &'s [ast::Setting],
    known: &[&str],
    what: &str,
) -> Settings<'s> {
    let mut kept: Vec<&'s ast::Setting> = Vec::with_capacity(settings.len());
    for setting in settings {
        let key = setting.key.node.as_str();
        if !known.contains(&key) {
            let mut d = Diagnostic::error("E0110", setting.key.span, format!("unknown {what} setting `{key}`"))
                .with_span_label(format!("not a `{what}` setting"));
            match did_you_mean(key, known.iter().copied()) {
                Some(near) => d = d.with_suggestion(setting.key.span, near, format!("did you mean `{near}`?")),
                None => d = d.with_note(format!("{what} settings: {}", known.join(", "))),
            }
            checker.report(d);
            continue;
        }
        if let Some(previous) = kept.iter().find(|s| s.key.node == key) {
            checker.report(
                Diagnostic::error("E0301", setting.key.span, format!("`{key}` is set twice"))
                    .with_span_label("set again here")
                    .with_label(previous.key.span, "first set here"),
            );
            continue;
        }
        kept.push(setting);
    }
    let mut by_key: Vec<(&'s str, &'s Value)> = kept.iter().map(|s| (s.key.node.as_str(), &s.value)).collect();
    by_key.sort_unstable_by_key(|(key, _)| *key);
    Settings(by_key)
}

/// The settings `settings_map` kept, one per key, in key order. A list of a few settings
/// is searched faster than it is hashed, and two hash tables per `pool` block showed in
/// profiles of big programs.
pub(crate) struct Settings<'s>(Vec<(&'s str, &'s Value)>);

impl<'s> Settings<'s> {
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    /// `(key, value)` in key order, so that diagnostics come out in a stable order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'s str, &'s Value)> + '_ {
        self.0.iter().copied()
    }
}
