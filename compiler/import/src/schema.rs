//! The structural checks the API server makes on an Istio object, against Istio's CRD
//! schemas (the copy `meshc_core::schema` embeds): unknown fields, wrong types, values
//! outside an enum or a range, required fields left out — each reported at the field's
//! `file:line` with its path. CEL rules, patterns and string lengths are not checked here;
//! what the language cannot take is caught later, when the object does not come back
//! unchanged from `.mesh`.

use meshc_core::suggest::did_you_mean;
use meshc_core::{Diagnostic, Span};
use serde_json::Value as Json;

use crate::codes;
use crate::yaml::{Node, Value};

/// One node of a structural schema (an OpenAPI v3 subset), as the CRDs write it.
pub type Schema = Json;

/// The schema of an Istio kind in one API version (`networking.istio.io/v1`, `Gateway`),
/// or `None` when Istio does not serve it.
pub fn of(api_version: &str, kind: &str) -> Option<&'static Schema> {
    match meshc_core::schema::lookup(api_version, kind) {
        meshc_core::schema::Known::Schema(schema) => Some(schema),
        _ => None,
    }
}

/// The `(version, kind)` pairs Istio serves in an API group, for "did you mean" and notes.
pub fn kinds_of_group(group: &str) -> Vec<(String, String)> {
    // Asking for a kind no group has lists what the group serves.
    match meshc_core::schema::lookup(&format!("{group}/v0"), "") {
        meshc_core::schema::Known::UnknownKind { served } => served
            .iter()
            .filter_map(|key| {
                let (group_version, kind) = key.rsplit_once('/')?;
                let (g, version) = group_version.split_once('/')?;
                (g == group).then(|| (version.to_string(), kind.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `group` is an Istio API group whose kinds are configuration
/// (`networking.istio.io`, not `install.istio.io`).
pub fn is_istio_group(group: &str) -> bool {
    !kinds_of_group(group).is_empty()
}

/// The schema of a field of an object schema.
pub fn property<'s>(schema: &'s Schema, name: &str) -> Option<&'s Schema> {
    schema.get("properties")?.get(name)
}

/// Checks `node` (the value of `path` in `object`) against `schema`, reporting every
/// problem found.
pub fn check(
    schema: &Schema,
    node: &Node,
    key_span: Option<Span>,
    path: &str,
    object: &str,
    out: &mut Vec<Diagnostic>,
) {
    Walk { object, out }.node(schema, node, key_span, path);
}

struct Walk<'a> {
    object: &'a str,
    out: &'a mut Vec<Diagnostic>,
}

impl Walk<'_> {
    fn node(&mut self, schema: &Schema, node: &Node, key_span: Option<Span>, path: &str) {
        let int_or_string = schema.get("x-kubernetes-int-or-string").and_then(Json::as_bool) == Some(true);
        let ty = if int_or_string { Some("int-or-string") } else { schema.get("type").and_then(Json::as_str) };
        let Some(ty) = ty else {
            // No type: anything goes (`x-kubernetes-preserve-unknown-fields` objects, `{}`).
            if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
                self.fields(schema, properties, node, path);
            }
            return;
        };
        if node.is_null() {
            if schema.get("nullable").and_then(Json::as_bool) != Some(true) {
                self.wrong_type(node, path, expected(ty));
            }
            return;
        }
        let fits = match (ty, &node.value) {
            ("object", Value::Map(_)) | ("array", Value::Seq(_)) | ("string", Value::Str(_)) => true,
            ("boolean", Value::Bool(_)) | ("integer", Value::Int(_)) => true,
            ("integer", Value::Float(f)) => f.fract() == 0.0,
            ("number", Value::Int(_) | Value::Float(_)) => true,
            ("int-or-string", Value::Int(_) | Value::Str(_)) => true,
            _ => false,
        };
        if !fits {
            self.wrong_type(node, path, expected(ty));
            return;
        }
        match &node.value {
            Value::Map(_) => match schema.get("properties").and_then(Json::as_object) {
                Some(properties) => self.fields(schema, properties, node, path),
                None => {
                    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                        for entry in node.entries() {
                            self.node(
                                values,
                                &entry.value,
                                Some(entry.key_span),
                                &format!("{path}.{}", key_path(&entry.key)),
                            );
                        }
                    }
                }
            },
            Value::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.node(item_schema, item, None, &format!("{path}[{i}]"));
                    }
                }
            }
            Value::Int(_) | Value::Float(_) => self.range(schema, node, path),
            Value::Str(s) => self.allowed(schema, node, s, path),
            Value::Bool(_) | Value::Null => {}
        }
        let _ = key_span;
    }

    fn fields(&mut self, schema: &Schema, properties: &serde_json::Map<String, Json>, node: &Node, path: &str) {
        let preserve = schema.get("x-kubernetes-preserve-unknown-fields").and_then(Json::as_bool) == Some(true);
        for entry in node.entries() {
            let child = format!("{}{}", prefix(path), key_path(&entry.key));
            match properties.get(&entry.key) {
                Some(field) => self.node(field, &entry.value, Some(entry.key_span), &child),
                None => match schema.get("additionalProperties") {
                    Some(values) if values.is_object() => self.node(values, &entry.value, Some(entry.key_span), &child),
                    Some(Json::Bool(true)) => {}
                    _ if preserve => {}
                    _ => self.unknown_field(properties, entry.key.as_str(), entry.key_span, &child, path),
                },
            }
        }
        let required = schema.get("required").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str);
        for required in required {
            if node.get(required).is_none() {
                let at = format!("{}{required}", prefix(path));
                self.out.push(
                    Diagnostic::error(
                        codes::MISSING_FIELD,
                        head(node.span),
                        format!("`{at}` is required in {}", self.object),
                    )
                    .with_span_label(format!(
                        "`{}` has no `{required}`",
                        if path.is_empty() { "the object" } else { path }
                    ))
                    .with_note(format!("Istio's schema requires `{required}` here")),
                );
            }
        }
    }

    fn unknown_field(
        &mut self,
        properties: &serde_json::Map<String, Json>,
        key: &str,
        span: Span,
        child: &str,
        path: &str,
    ) {
        let owner = if path.is_empty() { "the object".to_string() } else { format!("`{path}`") };
        let mut d =
            Diagnostic::error(codes::UNKNOWN_FIELD, span, format!("unknown field `{child}` in {}", self.object))
                .with_span_label(format!("not a field of {owner}"));
        // A near spelling, or a real field the key is a part of (`claimToHeaders` for
        // `outputClaimToHeaders`).
        let lower = key.to_ascii_lowercase();
        let near = did_you_mean(key, properties.keys().map(String::as_str)).or_else(|| {
            properties.keys().find(|p| lower.len() > 3 && p.to_ascii_lowercase().contains(&lower)).map(String::as_str)
        });
        match near {
            Some(near) => d = d.with_suggestion(span, near, format!("did you mean `{near}`?")),
            None => {
                let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
                names.sort_unstable();
                d = d.with_note(format!("{owner} has: {}", names.join(", ")));
            }
        }
        self.out.push(d);
    }

    fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        let found = node.type_name();
        let mut d = Diagnostic::error(
            codes::WRONG_TYPE,
            node.span,
            format!("`{path}` must be {expected}, not {found}, in {}", self.object),
        )
        .with_span_label(found.to_string());
        if expected == "a string"
            && matches!(node.value, Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Null)
        {
            d = d.with_note("YAML reads this unquoted scalar as another type (`on`, `yes`, `80`, `~`, …): quote it");
        }
        self.out.push(d);
    }

    fn range(&mut self, schema: &Schema, node: &Node, path: &str) {
        let value = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => return,
        };
        let minimum = schema.get("minimum").and_then(Json::as_f64);
        let maximum = schema.get("maximum").and_then(Json::as_f64);
        let below = minimum.is_some_and(|min| value < min);
        let above = maximum.is_some_and(|max| value > max);
        if below || above {
            let bounds = match (minimum, maximum) {
                (Some(min), Some(max)) => format!("between {min} and {max}"),
                (Some(min), None) => format!("at least {min}"),
                (None, Some(max)) => format!("at most {max}"),
                (None, None) => String::new(),
            };
            self.out.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    node.span,
                    format!("`{path}` is out of range in {}", self.object),
                )
                .with_span_label(format!("must be {bounds}")),
            );
        }
    }

    fn allowed(&mut self, schema: &Schema, node: &Node, value: &str, path: &str) {
        let Some(allowed) = schema.get("enum").and_then(Json::as_array) else { return };
        let names: Vec<&str> = allowed.iter().filter_map(Json::as_str).collect();
        if names.contains(&value) {
            return;
        }
        let mut d = Diagnostic::error(
            codes::INVALID_VALUE,
            node.span,
            format!("`{value}` is not a valid `{path}` in {}", self.object),
        )
        .with_span_label("not one of the values Istio accepts");
        match did_you_mean(value, names.iter().copied()) {
            Some(near) => d = d.with_suggestion(node.span, near, format!("did you mean `{near}`?")),
            None => d = d.with_note(format!("expected one of: {}", names.join(", "))),
        }
        self.out.push(d);
    }
}

fn expected(ty: &str) -> &'static str {
    match ty {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        "int-or-string" => "an integer or a string",
        _ => "something else",
    }
}

fn prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}.")
    }
}

/// A key as a path segment; keys that are not identifiers are quoted (`headers["x-id"]`
/// reads worse than `headers.x-id`, so only keys with dots or spaces are).
fn key_path(key: &str) -> String {
    if key.contains(['.', ' ', '[', ']']) || key.is_empty() {
        format!("\"{key}\"")
    } else {
        key.to_string()
    }
}

/// The first line of a node's span, so a missing field points at where its mapping starts
/// rather than underlining the whole mapping.
fn head(span: Span) -> Span {
    Span { end: span.start.saturating_add(1).min(span.end.max(span.start)), ..span }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;
    use meshc_core::FileId;

    fn errors(api: &str, kind: &str, spec: &str) -> Vec<String> {
        let (docs, d) = yaml::read(FileId(0), spec);
        assert!(d.is_empty());
        let schema = of(api, kind).expect("served kind");
        let spec_schema = property(schema, "spec").expect("spec");
        let mut out = Vec::new();
        check(spec_schema, &docs[0].root, None, "spec", "X", &mut out);
        out.into_iter().map(|d| format!("{}: {}", d.code, d.message)).collect()
    }

    #[test]
    fn every_served_version_is_known() {
        for (api, kind) in [
            ("networking.istio.io/v1alpha3", "VirtualService"),
            ("networking.istio.io/v1beta1", "DestinationRule"),
            ("networking.istio.io/v1alpha3", "EnvoyFilter"),
            ("security.istio.io/v1beta1", "AuthorizationPolicy"),
            ("telemetry.istio.io/v1alpha1", "Telemetry"),
        ] {
            assert!(of(api, kind).is_some(), "{api} {kind}");
        }
        assert!(of("networking.istio.io/v1", "EnvoyFilter").is_none());
        assert!(of("networking.istio.io/v1beta1", "TLSRoute").is_none());
        assert!(is_istio_group("security.istio.io"));
        assert!(!is_istio_group("apps"));
    }

    #[test]
    fn structural_checks() {
        assert_eq!(
            errors(
                "networking.istio.io/v1",
                "DestinationRule",
                "host: a\ntrafficPolicy:\n  outlierDetection:\n    percentage: 1\n"
            ),
            ["E0603: unknown field `spec.trafficPolicy.outlierDetection.percentage` in X"]
        );
        assert_eq!(
            errors(
                "networking.istio.io/v1",
                "DestinationRule",
                "host: a\ntrafficPolicy:\n  loadBalancer:\n    warmup: 30s\n"
            ),
            ["E0604: `spec.trafficPolicy.loadBalancer.warmup` must be a mapping, not a string, in X"]
        );
        assert_eq!(
            errors(
                "networking.istio.io/v1",
                "DestinationRule",
                "host: a\ntrafficPolicy:\n  loadBalancer:\n    simple: LEAST\n"
            ),
            ["E0605: `LEAST` is not a valid `spec.trafficPolicy.loadBalancer.simple` in X"]
        );
        assert_eq!(
            errors("networking.istio.io/v1", "DestinationRule", "subsets: []\n"),
            ["E0606: `spec.host` is required in X"]
        );
        assert!(errors(
            "networking.istio.io/v1alpha3",
            "EnvoyFilter",
            "configPatches:\n- applyTo: HTTP_FILTER\n  patch:\n    value: {anything: [1]}\n"
        )
        .is_empty());
    }
}
