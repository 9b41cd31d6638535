//! Telemetry → `telemetry` blocks (tracing with sampling and tags, metrics, access logs),
//! and the `provider` declarations they need: from the mesh config when the input holds
//! it (an IstioOperator, or the `istio` ConfigMap), otherwise placeholders with a warning.

use meshc_core::Diagnostic;

use super::{cannot, number, text, Cannot, Lift};
use crate::codes;
use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family};
use crate::yaml::Node;

impl<'a> Lift<'a> {
    pub(super) fn telemetry(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a Telemetry needs a spec"))?;
        for key in ["targetRef", "targetRefs"] {
            if spec.get(key).is_some() {
                return Err(cannot(format!("spec.{key}"), "telemetry attached with `targetRefs` has no .mesh form"));
            }
        }
        let namespace = self.ns(object);
        let selector = spec.get("selector").and_then(|s| s.get("matchLabels"));
        let service = self.selected_service(id, selector, "spec.selector.matchLabels", &namespace)?;
        if service.is_none() && namespace != self.namespace {
            return Err(cannot(
                "metadata.namespace",
                format!("meshc writes a telemetry block without a service in the mesh namespace `{}`", self.namespace),
            ));
        }
        let target = service.clone().unwrap_or_default();
        if !self.keys.insert(format!("telemetry {namespace} {target}")) {
            return Err(cannot("spec.selector", "a second Telemetry for the same target; meshc writes one"));
        }
        let head = match &service {
            Some(s) => format!("telemetry {s}"),
            None => "telemetry".to_string(),
        };
        let mut decl = Decl::new(Family::Telemetry, head);
        let tracing = spec.get("tracing").map(Node::items).unwrap_or_default();
        for (i, entry) in tracing.iter().enumerate() {
            let path = format!("spec.tracing[{i}]");
            let provider = self.provider(id, entry, &path, "tracing")?;
            let mut line = format!("tracing {provider}");
            if let Some(sampling) = number(entry, "randomSamplingPercentage") {
                line.push_str(&format!(" sampling {}", program::percent(sampling)));
            }
            decl.line(line);
        }
        if let Some(first) = tracing.first() {
            for entry in first.get("customTags").map(Node::entries).unwrap_or_default() {
                let path = format!("spec.tracing[0].customTags.{}", entry.key);
                let tag = super::name(&entry.key, &path, "tag")?;
                let value = &entry.value;
                let line = if let Some(literal) = value.get("literal") {
                    format!("tag {tag} = {}", program::string(text(literal, "value").unwrap_or_default()))
                } else if let Some(header) = value.get("header") {
                    with_default(
                        format!("tag {tag} = header {}", program::string(text(header, "name").unwrap_or_default())),
                        header,
                    )
                } else if let Some(env) = value.get("environment") {
                    with_default(
                        format!("tag {tag} = environment {}", program::string(text(env, "name").unwrap_or_default())),
                        env,
                    )
                } else {
                    return Err(cannot(path, "this tag has no .mesh form"));
                };
                decl.line(line);
            }
        }
        let metrics = spec.get("metrics").map(Node::items).unwrap_or_default();
        if metrics.len() > 1 {
            return Err(cannot("spec.metrics[1]", "meshc writes one metrics entry"));
        }
        if let Some(entry) = metrics.first() {
            let mut names = Vec::new();
            for (i, provider) in entry.get("providers").map(Node::items).unwrap_or_default().iter().enumerate() {
                let name = text(provider, "name").unwrap_or_default();
                names.push(self.use_provider(id, name, &format!("spec.metrics[0].providers[{i}].name"), "metrics")?);
            }
            decl.line(format!("metrics {}", names.join(", ")));
        }
        for (i, entry) in spec.get("accessLogging").map(Node::items).unwrap_or_default().iter().enumerate() {
            let path = format!("spec.accessLogging[{i}]");
            let provider = self.provider(id, entry, &path, "access_log")?;
            let mut line = format!("access_log {provider}");
            if let Some(filter) = entry.get("filter").and_then(|f| text(f, "expression")) {
                line.push_str(&format!(" filter {}", program::string(filter)));
            }
            decl.line(line);
        }
        decl.objects = vec![id];
        self.writes_as(id, "Telemetry", &namespace, service.as_deref().unwrap_or("default"));
        self.push(decl);
        Ok(())
    }

    /// The one provider of a tracing or access-log entry.
    fn provider(&mut self, id: ObjId, entry: &Node, path: &str, used_for: &'static str) -> Result<String, Cannot> {
        let providers = entry.get("providers").map(Node::items).unwrap_or_default();
        let [provider] = providers else {
            return Err(cannot(format!("{path}.providers"), "meshc writes one provider per entry"));
        };
        self.use_provider(
            id,
            text(provider, "name").unwrap_or_default(),
            &format!("{path}.providers[0].name"),
            used_for,
        )
    }

    fn use_provider(&mut self, id: ObjId, name: &str, path: &str, used_for: &'static str) -> Result<String, Cannot> {
        let name = super::name(name, path, "provider")?;
        let built_in = matches!((used_for, name.as_str()), ("metrics", "prometheus") | ("access_log", "envoy"));
        if !built_in && !self.providers.iter().any(|p| p.name == name) {
            self.providers.push(ProviderUse { name: name.clone(), used_for, object: id, path: path.to_string() });
        }
        Ok(name)
    }

    pub(super) fn providers_finish(&mut self) {
        for ProviderUse { name, used_for, object, path } in std::mem::take(&mut self.providers) {
            let known = self.hints.providers.iter().find(|p| p.name == name);
            let (kind, address) = match known {
                Some(p) => (p.kind.clone(), p.address.clone()),
                None => {
                    let (kind, address) = match used_for {
                        "tracing" => ("zipkin", format!("{name}.istio-system:9411")),
                        "metrics" => ("prometheus", String::new()),
                        _ => ("envoy_file_access_log", "/dev/stdout".to_string()),
                    };
                    self.out.warnings.push(
                        Diagnostic::warning(codes::ASSUMED, self.span_of(object, &path), format!("provider `{name}` is not defined in the input"))
                            .with_span_label(format!("used for {used_for} here"))
                            .with_note(format!("the import declares `provider {name} {kind} {}`; providers live in meshConfig.extensionProviders: copy the real kind and address from there (they emit nothing)", program::string(&address))),
                    );
                    (kind.to_string(), address)
                }
            };
            let mut decl = Decl::new(Family::Provider, format!("provider {name} {kind} {}", program::string(&address)));
            decl.objects = self.live("Telemetry").into_iter().map(|(id, _)| id).collect();
            self.out.program.decls.push(decl);
        }
    }
}

/// A provider a telemetry block names, and where it first does.
#[derive(Debug, Clone)]
pub struct ProviderUse {
    pub name: String,
    pub used_for: &'static str,
    pub object: ObjId,
    pub path: String,
}

fn with_default(mut line: String, node: &Node) -> String {
    if let Some(default) = text(node, "defaultValue") {
        line.push_str(&format!(" default {}", program::string(default)));
    }
    line
}
