//! Istio's CRD schemas (embedded from `schemas/istio-schemas.json`) and a structural
//! validator: the checks the API server makes with strict field validation — types,
//! unknown fields, required fields, enums, ranges, lengths — for objects meshc does not
//! build itself (the output of templates). CEL rules are not evaluated here;
//! `validate-istio` covers them in the tests.

use std::sync::OnceLock;

use serde_json::Value;

static SCHEMAS: OnceLock<Value> = OnceLock::new();

fn schemas() -> &'static Value {
    SCHEMAS.get_or_init(|| {
        serde_json::from_str(include_str!("../schemas/istio-schemas.json")).expect("embedded schemas are valid JSON")
    })
}

/// Whether `group/version/Kind` is an Istio kind, and if so its schema.
pub enum Known {
    NotIstio,
    UnknownKind { served: Vec<String> },
    Schema(&'static Value),
}

/// Looks a kind up by `apiVersion` (`networking.istio.io/v1`) and `kind`.
pub fn lookup(api_version: &str, kind: &str) -> Known {
    let group = api_version.split('/').next().unwrap_or_default();
    if !group.ends_with(".istio.io") || group == "install.istio.io" {
        return Known::NotIstio;
    }
    let all = &schemas()["kinds"];
    let key = format!("{api_version}/{kind}");
    match all.get(&key).and_then(|k| k["schema"].as_str()) {
        Some(digest) => Known::Schema(&schemas()["schemas"][digest]),
        None => Known::UnknownKind { served: served(group) },
    }
}

/// The `apiVersion/Kind` keys Istio serves in an API group (`networking.istio.io`), sorted.
pub fn served(group: &str) -> Vec<String> {
    let prefix = format!("{group}/");
    let mut keys: Vec<String> = schemas()["kinds"]
        .as_object()
        .map(|m| m.keys().filter(|k| k.starts_with(&prefix)).cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Every problem of `value` against `schema`, as `path: message`. Only `spec` (and what
/// the schema lists) is checked; `metadata` is the caller's.
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if let (Some(props), Some(object)) = (schema.get("properties"), value.as_object()) {
        for (key, child) in object {
            if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            match props.get(key) {
                Some(child_schema) => check(child_schema, child, key, &mut problems),
                None => problems.push(format!("{key}: unknown field")),
            }
        }
    }
    problems
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn check(schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
    if value.is_null() {
        if !schema.get("nullable").and_then(Value::as_bool).unwrap_or(false) {
            problems.push(format!("{path}: must not be null"));
        }
        return;
    }
    if schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool).unwrap_or(false) {
        if !(value.is_string() || value.is_i64() || value.is_u64()) {
            problems.push(format!("{path}: expected an integer or a string, found {}", type_name(value)));
        }
        return;
    }
    let expected = schema.get("type").and_then(Value::as_str);
    let fits = match expected {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !fits {
        let wanted = match expected {
            Some("object") => "a mapping",
            Some("array") => "a list",
            Some("string") => "a string",
            Some("integer") => "an integer",
            Some("number") => "a number",
            Some("boolean") => "a boolean",
            _ => "something else",
        };
        problems.push(format!("{path}: expected {wanted}, found {}", type_name(value)));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            let list: Vec<String> = options.iter().map(|o| o.to_string()).collect();
            problems.push(format!("{path}: {value} is not one of {}", list.join(", ")));
        }
    }
    if let Some(n) = value.as_f64() {
        if schema.get("minimum").and_then(Value::as_f64).is_some_and(|min| n < min) {
            problems.push(format!("{path}: {n} is below the minimum {}", schema["minimum"]));
        }
        if schema.get("maximum").and_then(Value::as_f64).is_some_and(|max| n > max) {
            problems.push(format!("{path}: {n} is above the maximum {}", schema["maximum"]));
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as u64;
        if schema.get("maxLength").and_then(Value::as_u64).is_some_and(|max| len > max) {
            problems.push(format!("{path}: longer than {} characters", schema["maxLength"]));
        }
        if schema.get("minLength").and_then(Value::as_u64).is_some_and(|min| len < min) {
            problems.push(format!("{path}: shorter than {} characters", schema["minLength"]));
        }
    }
    if let Some(items) = value.as_array() {
        if schema.get("maxItems").and_then(Value::as_u64).is_some_and(|max| items.len() as u64 > max) {
            problems.push(format!("{path}: more than {} items", schema["maxItems"]));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{path}[{i}]"), problems);
            }
        }
    }
    if let Some(object) = value.as_object() {
        if schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool).unwrap_or(false)
            && schema.get("properties").is_none()
        {
            return;
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for field in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(field) {
                    problems.push(format!("{path}.{field}: required"));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (key, child) in object {
            let child_path = format!("{path}.{key}");
            match (properties.and_then(|p| p.get(key)), additional) {
                (Some(child_schema), _) => check(child_schema, child, &child_path, problems),
                (None, Some(Value::Object(_))) => {
                    check(additional.unwrap_or(&Value::Null), child, &child_path, problems)
                }
                (None, Some(Value::Bool(true))) => {}
                (None, _) if properties.is_none() && additional.is_none() => {}
                (None, _) => problems.push(format!("{child_path}: unknown field")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(api: &str, kind: &str) -> &'static Value {
        match lookup(api, kind) {
            Known::Schema(s) => s,
            _ => panic!("{api}/{kind} should be known"),
        }
    }

    #[test]
    fn a_valid_object_has_no_problems() {
        let vs = json!({"spec": {"hosts": ["a.example.com"], "http": [{"route": [{"destination": {"host": "a"}}], "timeout": "5s"}]}});
        assert_eq!(validate(schema("networking.istio.io/v1", "VirtualService"), &vs), Vec::<String>::new());
    }

    #[test]
    fn unknown_fields_wrong_types_and_enums_are_reported() {
        let dr = json!({"spec": {"host": "a", "trafficPolicy": {"loadBalancer": {"simple": "FASTEST", "warmup": "30s"},
            "outlierDetection": {"percentage": {"value": 10}}}}});
        let problems = validate(schema("networking.istio.io/v1", "DestinationRule"), &dr);
        assert!(problems.iter().any(|p| p.contains("simple") && p.contains("FASTEST")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("warmup: expected a mapping")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("percentage: unknown field")), "{problems:?}");
    }

    #[test]
    fn the_seed_tls_route_is_an_unknown_kind() {
        assert!(matches!(lookup("networking.istio.io/v1beta1", "TLSRoute"), Known::UnknownKind { .. }));
        assert!(matches!(lookup("v1", "ConfigMap"), Known::NotIstio));
        assert!(matches!(lookup("install.istio.io/v1alpha1", "IstioOperator"), Known::NotIstio));
    }
}
