//! Templates: objects the language does not model (dashboards, the IstioOperator, any raw
//! Kubernetes object), written with minijinja and rendered once per environment with a
//! typed context. The output is read back as YAML and checked — shape, names, and for
//! Istio kinds the CRD schema — so a template can add objects but not break the output.

use meshc_syntax::ast;
use serde_json::{json, Map, Value};

use super::Checker;
use crate::index::DefKind;
use crate::model::{self, RawObject};
use crate::schema::{self, Known};
use crate::{Diagnostic, Span};

impl<'a> Checker<'a> {
    pub(crate) fn templates(&mut self, mesh: &model::Mesh) -> Vec<RawObject> {
        // Evaluating the environment's values reports on them (an unknown `${name}` inside
        // one) and records references to them: that happens with or without templates, so
        // that no diagnostic depends on whether the program has one (`tests.rs` checks it).
        let values = self.template_values();
        // The rest of the context is a copy of the whole mesh; most programs have no template.
        if self.decls.templates.is_empty() {
            return Vec::new();
        }
        let context = template_context(mesh, values);
        let mut objects: Vec<RawObject> = Vec::new();
        for decl in &self.decls.templates {
            let Some(rendered) = self.render(decl, &context) else { continue };
            for object in self.read_back(decl, &rendered) {
                let same = objects
                    .iter()
                    .find(|o| o.kind == object.kind && o.namespace == object.namespace && o.name == object.name);
                if let Some(first) = same {
                    let (kind, name, first_file) =
                        (object.kind.clone(), object.name.clone(), first.origin.file.clone());
                    self.report(
                        Diagnostic::error("E0301", decl.name.span, format!("two templates render {kind} `{name}`"))
                            .with_span_label("this template renders it again")
                            .with_note(format!("the first comes from {first_file}")),
                    );
                    continue;
                }
                objects.push(object);
            }
        }
        objects
    }

    /// The environment's values as a template sees them, by name.
    fn template_values(&mut self) -> Map<String, Value> {
        let mut values = Map::new();
        let mut names: Vec<&str> = self.env.values.keys().copied().collect();
        names.sort();
        for name in names {
            let value = self.env.values[name];
            let json = match &value.kind {
                ast::ValueKind::Number(n) => n.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(n)),
                ast::ValueKind::Percent(p) => json!(format!("{p}%")),
                ast::ValueKind::Str(_) => json!(self.string(value).unwrap_or_default()),
                ast::ValueKind::Duration(t) | ast::ValueKind::Rate(t) | ast::ValueKind::Ident(t) => json!(t),
                ast::ValueKind::Var(_) => Value::Null,
            };
            values.insert(name.to_string(), json);
        }
        values
    }

    fn render(&mut self, decl: &ast::TemplateDecl, context: &Value) -> Option<String> {
        // The file is loaded before analysis, so its path cannot depend on the environment.
        let plain = matches!(&decl.path.kind, ast::ValueKind::Str(s) if s.as_plain().is_some());
        if !plain {
            self.report(
                Diagnostic::error("E0201", decl.path.span, "a template path is a plain string")
                    .with_span_label("no `$value` or `${…}` here")
                    .with_note("to vary a template by environment, branch inside it on `env` or `values`"),
            );
            return None;
        }
        let path = self.string(&decl.path)?;
        let declaring = self.sources.get(decl.span.file).name.clone();
        let name = crate::modules::join(&declaring, &path);
        let Some(file) = self.sources.find(&name) else {
            self.report(
                Diagnostic::error("E0111", decl.path.span, format!("cannot find template `{path}`"))
                    .with_span_label(format!("no file `{name}`"))
                    .with_note("template paths are relative to the file that declares them"),
            );
            return None;
        };
        self.record_ref(decl.name.span, DefKind::Template, &decl.name.node, None);
        let source = &self.sources.get(file).text;
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        match env.render_str(source, context) {
            Ok(text) => Some(text),
            Err(error) => {
                let span = match (error.range(), error.line()) {
                    (Some(range), _) => Span::new(file, range.start, range.end),
                    (None, Some(line)) => line_span(file, source, line),
                    (None, None) => Span::new(file, 0, 0),
                };
                let what = error.detail().map_or_else(|| error.kind().to_string(), str::to_string);
                self.report(
                    Diagnostic::error("E0701", span, format!("template `{}` fails in environment `{}`: {what}", decl.name.node, self.env.name))
                        .with_span_label(error.kind().to_string())
                        .with_label(decl.name.span, "declared here")
                        .with_note("a template sees `env`, `production`, `mesh`, `values`, `services`, `externals`, `gateways`, `routes` and `providers`"),
                );
                None
            }
        }
    }

    fn read_back(&mut self, decl: &ast::TemplateDecl, rendered: &str) -> Vec<RawObject> {
        let documents: Vec<Value> = match serde_saphyr::from_multiple::<Value>(rendered) {
            Ok(docs) => docs,
            Err(error) => {
                let line = error.location().map(|l| l.line() as usize);
                let excerpt = line.and_then(|l| rendered.lines().nth(l.saturating_sub(1))).unwrap_or_default();
                let mut d = Diagnostic::error(
                    "E0702",
                    decl.name.span,
                    format!("template `{}` does not render YAML in environment `{}`", decl.name.node, self.env.name),
                )
                .with_span_label("its output cannot be read back")
                .with_note(first_line(&error.to_string()));
                if let Some(line) = line {
                    d = d.with_note(format!("rendered line {line}: {}", excerpt.trim_end()));
                }
                self.report(d);
                return Vec::new();
            }
        };
        let mut objects = Vec::new();
        for (i, document) in documents.into_iter().enumerate() {
            if document.is_null() {
                continue;
            }
            if let Some(object) = self.check_object(decl, i, document) {
                objects.push(object);
            }
        }
        objects
    }

    fn check_object(&mut self, decl: &ast::TemplateDecl, index: usize, value: Value) -> Option<RawObject> {
        let field = |path: &[&str]| -> Option<String> {
            let mut v = &value;
            for p in path {
                v = v.get(p)?;
            }
            v.as_str().map(str::to_string)
        };
        let (api_version, kind, name) = (field(&["apiVersion"]), field(&["kind"]), field(&["metadata", "name"]));
        let (Some(api_version), Some(kind), Some(name)) = (api_version, kind, name) else {
            self.report(
                Diagnostic::error(
                    "E0703",
                    decl.name.span,
                    format!("document {} of template `{}` is not a Kubernetes object", index + 1, decl.name.node),
                )
                .with_span_label("rendered without `apiVersion`, `kind` or `metadata.name`")
                .with_note(
                    "every document a template renders needs `apiVersion`, `kind` and `metadata.name` (strings)",
                ),
            );
            return None;
        };
        if let Err(why) = check_object_name(&name) {
            self.report(
                Diagnostic::error(
                    "E0703",
                    decl.name.span,
                    format!("{kind} `{name}` rendered by template `{}` has an invalid name", decl.name.node),
                )
                .with_span_label(why),
            );
            return None;
        }
        match schema::lookup(&api_version, &kind) {
            Known::NotIstio => {}
            Known::UnknownKind { served } => {
                self.report(
                    Diagnostic::error(
                        "E0703",
                        decl.name.span,
                        format!(
                            "template `{}` renders `{api_version}` {kind}, which Istio does not serve",
                            decl.name.node
                        ),
                    )
                    .with_span_label("no such Istio kind")
                    .with_note(format!("served: {}", served.join(", "))),
                );
                return None;
            }
            Known::Schema(schema) => {
                let problems = schema::validate(schema, &value);
                if let Some(first) = problems.first() {
                    let mut d = Diagnostic::error(
                        "E0704",
                        decl.name.span,
                        format!(
                            "{kind} `{name}` rendered by template `{}` does not fit Istio's schema: {first}",
                            decl.name.node
                        ),
                    )
                    .with_span_label(format!("in environment `{}`", self.env.name));
                    for more in problems.iter().skip(1).take(9) {
                        d = d.with_note(more.clone());
                    }
                    self.report(d);
                    return None;
                }
            }
        }
        if let Some(path) = first_null(&value, String::new()) {
            self.report(
                Diagnostic::error(
                    "E0703",
                    decl.name.span,
                    format!("{kind} `{name}` rendered by template `{}` has a null at `{path}`", decl.name.node),
                )
                .with_span_label(format!("in environment `{}`", self.env.name))
                .with_note(
                    "the API server drops null fields; write a value (`\"\"` for an empty string) or leave the key out",
                ),
            );
            return None;
        }
        let namespace = field(&["metadata", "namespace"]);
        Some(RawObject { api_version, kind, name, namespace, value, origin: self.origin(decl.span) })
    }
}

/// What a template sees: the environment, its values, and the checked mesh.
fn template_context(mesh: &model::Mesh, values: Map<String, Value>) -> Value {
    let port = |p: &model::Port| json!({"name": p.name, "number": p.number, "protocol": p.protocol.as_istio()});
    json!({
        "env": mesh.env,
        "production": mesh.production,
        "mesh": {"name": mesh.name, "namespace": mesh.namespace, "root_namespace": mesh.root_namespace,
                 "trust_domain": mesh.trust_domain},
        "values": values,
        "services": mesh.services.iter().map(|s| json!({
            "name": s.name, "namespace": s.namespace, "fqdn": s.fqdn, "account": s.account,
            "versions": s.versions, "ports": s.ports.iter().map(port).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "externals": mesh.externals.iter().map(|e| json!({
            "name": e.name, "hosts": e.hosts, "ports": e.ports.iter().map(port).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "gateways": mesh.gateways.iter().map(|g| json!({
            "name": g.name, "namespace": g.namespace, "egress": g.egress, "hosts": g.hosts,
        })).collect::<Vec<_>>(),
        "routes": mesh.routes.iter().map(|r| json!({"name": r.name, "hosts": r.hosts, "gateways": r.gateways}))
            .collect::<Vec<_>>(),
        "providers": mesh.providers.iter().map(|p| {
            let (host, port) = p.address.rsplit_once(':').unwrap_or((p.address.as_str(), ""));
            let kind = match p.kind {
                model::ProviderKind::Zipkin => "zipkin",
                model::ProviderKind::Opentelemetry => "opentelemetry",
                model::ProviderKind::Skywalking => "skywalking",
                model::ProviderKind::Datadog => "datadog",
                model::ProviderKind::Prometheus => "prometheus",
                model::ProviderKind::EnvoyFileAccessLog => "envoy_file_access_log",
            };
            json!({"name": p.name, "address": p.address, "host": host, "port": port.parse::<u32>().ok(), "kind": kind})
        }).collect::<Vec<_>>(),
    })
}

/// The path of the first null in a rendered object, if any.
fn first_null(value: &Value, path: String) -> Option<String> {
    match value {
        Value::Null => Some(path),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| first_null(v, format!("{path}[{i}]"))),
        Value::Object(map) => {
            map.iter().find_map(|(k, v)| first_null(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }))
        }
        _ => None,
    }
}

/// RFC 1123 subdomain: what Kubernetes accepts as an object name.
fn check_object_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err("names are 1 to 253 characters".into());
    }
    for label in name.split('.') {
        super::check_dns_label(label)?;
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

fn line_span(file: meshc_syntax::FileId, source: &str, line: usize) -> Span {
    let start: usize = source.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let len = source[start.min(source.len())..].find('\n').unwrap_or(source.len() - start.min(source.len()));
    Span::new(file, start, start + len)
}

#[cfg(test)]
mod tests;
