//! Collects the declarations of every file into one table, reporting duplicates, and
//! fills the navigation index with their definitions.

use rustc_hash::FxHashMap;

use meshc_syntax::ast::{self, Item};
use meshc_syntax::{FileId, Span};

use crate::index::{DefKind, Index};
use crate::Diagnostic;

#[derive(Default)]
pub struct Decls<'a> {
    pub mesh: Option<&'a ast::MeshDecl>,
    pub defaults: Vec<&'a ast::VarDecl>,
    pub envs: Vec<&'a ast::EnvDecl>,
    pub providers: Vec<&'a ast::ProviderDecl>,
    pub services: Vec<&'a ast::ServiceDecl>,
    pub externals: Vec<&'a ast::ExternalDecl>,
    pub gateways: Vec<&'a ast::GatewayDecl>,
    pub routes: Vec<&'a ast::RouteDecl>,
    pub policies: Vec<&'a ast::PolicyDecl>,
    pub jwts: Vec<&'a ast::JwtDecl>,
    pub limits: Vec<&'a ast::LimitDecl>,
    pub sidecars: Vec<&'a ast::SidecarDecl>,
    pub telemetry: Vec<&'a ast::TelemetryDecl>,
    pub templates: Vec<&'a ast::TemplateDecl>,
    service_by_name: FxHashMap<&'a str, usize>,
    external_by_name: FxHashMap<&'a str, usize>,
    gateway_by_name: FxHashMap<&'a str, usize>,
    provider_by_name: FxHashMap<&'a str, usize>,
    route_by_name: FxHashMap<&'a str, usize>,
    /// The first service running as each service account (its own name when it names none).
    service_by_account: FxHashMap<&'a str, usize>,
}

impl<'a> Decls<'a> {
    pub fn collect(files: &'a [(FileId, ast::File)], index: &mut Index, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let mut decls = Decls::default();
        let definitions = decls.reserve(files);
        index.reserve(definitions);
        let items: usize = files.iter().map(|(_, f)| f.items.len()).sum();
        let mut seen: FxHashMap<(&'static str, &'a str), Span> =
            FxHashMap::with_capacity_and_hasher(items, Default::default());
        let mut duplicate =
            |space: &'static str, what: &str, name: &'a ast::Name, diagnostics: &mut Vec<Diagnostic>| -> bool {
                match seen.get(&(space, name.node.as_str())) {
                    Some(first) => {
                        diagnostics.push(
                            Diagnostic::error("E0301", name.span, format!("{what} `{}` is declared twice", name.node))
                                .with_span_label("declared again here")
                                .with_label(*first, "first declared here"),
                        );
                        true
                    }
                    None => {
                        seen.insert((space, name.node.as_str()), name.span);
                        false
                    }
                }
            };
        let mut mesh_span: Option<Span> = None;
        for (_, file) in files {
            for item in &file.items {
                match item {
                    Item::Mesh(m) => match mesh_span {
                        Some(first) => diagnostics.push(
                            Diagnostic::error("E0302", m.name.span, "a program has one `mesh` declaration")
                                .with_span_label("second `mesh` declaration")
                                .with_label(first, "first one here"),
                        ),
                        None => {
                            mesh_span = Some(m.name.span);
                            decls.mesh = Some(m);
                            for env in &m.environments {
                                if !duplicate("env-list", "environment", env, diagnostics) {
                                    index.define(DefKind::Environment, &env.node, None, env.span, env.span);
                                }
                            }
                        }
                    },
                    Item::Defaults(d) => {
                        for var in &d.vars {
                            if !duplicate("value", "value", &var.name, diagnostics) {
                                index.define(DefKind::Value, &var.name.node, None, var.name.span, var.span);
                                decls.defaults.push(var);
                            }
                        }
                    }
                    Item::Env(e) => {
                        if !duplicate("env", "environment block", &e.name, diagnostics) {
                            decls.envs.push(e);
                        }
                    }
                    Item::Provider(p) => {
                        if !duplicate("provider", "provider", &p.name, diagnostics) {
                            index.define(DefKind::Provider, &p.name.node, None, p.name.span, p.span);
                            decls.provider_by_name.insert(&p.name.node, decls.providers.len());
                            decls.providers.push(p);
                        }
                    }
                    Item::Service(s) => {
                        if !duplicate("destination", "service", &s.name, diagnostics) {
                            index.define(DefKind::Service, &s.name.node, None, s.name.span, s.span);
                            for v in &s.versions {
                                if !duplicate_in(&s.versions, v, "version", diagnostics) {
                                    index.define(DefKind::Version, &v.node, Some(&s.name.node), v.span, v.span);
                                }
                            }
                            for p in &s.ports {
                                index.define(DefKind::Port, &p.name.node, Some(&s.name.node), p.name.span, p.span);
                            }
                            let account = s.account.as_ref().unwrap_or(&s.name);
                            if index.find(DefKind::Account, &account.node, None).is_none() {
                                index.define(DefKind::Account, &account.node, None, account.span, account.span);
                            }
                            decls.service_by_account.entry(&account.node).or_insert(decls.services.len());
                            decls.service_by_name.insert(&s.name.node, decls.services.len());
                            decls.services.push(s);
                        }
                    }
                    Item::External(e) => {
                        if !duplicate("destination", "external", &e.name, diagnostics) {
                            index.define(DefKind::External, &e.name.node, None, e.name.span, e.span);
                            for p in &e.ports {
                                index.define(DefKind::Port, &p.name.node, Some(&e.name.node), p.name.span, p.span);
                            }
                            decls.external_by_name.insert(&e.name.node, decls.externals.len());
                            decls.externals.push(e);
                        }
                    }
                    Item::Gateway(g) => {
                        if !duplicate("gateway", "gateway", &g.name, diagnostics) {
                            index.define(DefKind::Gateway, &g.name.node, None, g.name.span, g.span);
                            decls.gateway_by_name.insert(&g.name.node, decls.gateways.len());
                            decls.gateways.push(g);
                        }
                    }
                    Item::Route(r) => {
                        if !duplicate("route", "route", &r.name, diagnostics) {
                            index.define(DefKind::Route, &r.name.node, None, r.name.span, r.span);
                            decls.route_by_name.insert(&r.name.node, decls.routes.len());
                            decls.routes.push(r);
                        }
                    }
                    Item::Jwt(j) => {
                        if !duplicate("jwt", "jwt", &j.name, diagnostics) {
                            index.define(DefKind::Jwt, &j.name.node, None, j.name.span, j.span);
                            decls.jwts.push(j);
                        }
                    }
                    Item::Policy(p) => decls.policies.push(p),
                    Item::Limit(l) => {
                        if !duplicate("limit", "limit for", &l.target, diagnostics) {
                            decls.limits.push(l);
                        }
                    }
                    Item::Sidecar(s) => {
                        if !duplicate("sidecar", "sidecar for", &s.target, diagnostics) {
                            decls.sidecars.push(s);
                        }
                    }
                    Item::Telemetry(t) => decls.telemetry.push(t),
                    Item::Template(t) => {
                        if !duplicate("template", "template", &t.name, diagnostics) {
                            index.define(DefKind::Template, &t.name.node, None, t.name.span, t.span);
                            decls.templates.push(t);
                        }
                    }
                    // Imports and presets are resolved per file by `modules`.
                    Item::Import(_) | Item::Preset(_) => {}
                }
            }
        }
        // `env NAME { value = … }` names an environment of the `mesh` header and values of
        // `defaults`: references, so that navigation and rename reach them too.
        for env in &decls.envs {
            index.add_reference(env.name.span, DefKind::Environment, &env.name.node, None);
            for set in &env.values {
                index.add_reference(set.name.span, DefKind::Value, &set.name.node, None);
            }
        }
        decls
    }

    /// Room for every declaration of each kind, counted first: tables and lists grown one
    /// declaration at a time rehash and copy themselves a dozen times in a big program.
    /// Returns about how many definitions the declarations make (for the Index).
    fn reserve(&mut self, files: &[(FileId, ast::File)]) -> usize {
        let (mut services, mut externals, mut gateways, mut routes) = (0, 0, 0, 0);
        let mut definitions = 0;
        for item in files.iter().flat_map(|(_, f)| &f.items) {
            definitions += 1;
            match item {
                Item::Service(s) => {
                    services += 1;
                    // Its account, versions and ports are definitions too.
                    definitions += 1 + s.versions.len() + s.ports.len();
                }
                Item::External(e) => {
                    externals += 1;
                    definitions += e.ports.len();
                }
                Item::Gateway(_) => gateways += 1,
                Item::Route(_) => routes += 1,
                _ => {}
            }
        }
        self.services.reserve(services);
        self.service_by_name.reserve(services);
        self.service_by_account.reserve(services);
        self.externals.reserve(externals);
        self.external_by_name.reserve(externals);
        self.gateways.reserve(gateways);
        self.gateway_by_name.reserve(gateways);
        self.routes.reserve(routes);
        self.route_by_name.reserve(routes);
        definitions
    }

    pub fn service(&self, name: &str) -> Option<&'a ast::ServiceDecl> {
        self.service_by_name.get(name).map(|&i| self.services[i])
    }

    /// The first service that runs as service account `name`.
    pub fn account_owner(&self, name: &str) -> Option<&'a ast::ServiceDecl> {
        self.service_by_account.get(name).map(|&i| self.services[i])
    }

    pub fn route(&self, name: &str) -> Option<&'a ast::RouteDecl> {
        self.route_by_name.get(name).map(|&i| self.routes[i])
    }

    pub fn external(&self, name: &str) -> Option<&'a ast::ExternalDecl> {
        self.external_by_name.get(name).map(|&i| self.externals[i])
    }

    pub fn gateway(&self, name: &str) -> Option<&'a ast::GatewayDecl> {
        self.gateway_by_name.get(name).map(|&i| self.gateways[i])
    }

    pub fn provider(&self, name: &str) -> Option<&'a ast::ProviderDecl> {
        self.provider_by_name.get(name).map(|&i| self.providers[i])
    }

    pub fn environment_names(&self) -> Vec<String> {
        match self.mesh {
            Some(m) if !m.environments.is_empty() => m.environments.iter().map(|e| e.node.clone()).collect(),
            // Without an `environments` list, the `env` blocks are the environments.
            _ if !self.envs.is_empty() => self.envs.iter().map(|e| e.name.node.clone()).collect(),
            _ => vec!["default".to_string()],
        }
    }

    /// Names that can stand after `->`: services and externals.
    pub fn destination_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self.services.iter().map(|s| s.name.node.as_str()).collect();
        names.extend(self.externals.iter().map(|e| e.name.node.as_str()));
        names
    }
}

fn duplicate_in(list: &[ast::Name], name: &ast::Name, what: &str, diagnostics: &mut Vec<Diagnostic>) -> bool {
    let first = list.iter().find(|n| n.node == name.node).map(|n| n.span);
    match first {
        Some(first) if first != name.span => {
            diagnostics.push(
                Diagnostic::error("E0301", name.span, format!("{what} `{}` is declared twice", name.node))
                    .with_span_label("declared again here")
                    .with_label(first, "first declared here"),
            );
            true
        }
        _ => false,
    }
}
