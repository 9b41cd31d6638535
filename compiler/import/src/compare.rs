//! The round trip's comparison: an input object against the object meshc writes for it,
//! field by field, after normalising what does not change what Istio does. Each rule below
//! is one documented normalisation:
//!
//! - `apiVersion`: any served version of the kind (`v1alpha3`, `v1beta1`, `v1`) is the same.
//! - `metadata`: the name is compared through the import's mapping (a rename is reported as
//!   a note, not a difference); server-set fields and `status` are left out; so are the
//!   labels and annotations that say which tool deployed the object — meshc's own, and
//!   Helm's, kubectl's and Argo CD's, which meshc's replace (the import notes each object
//!   that had some). A missing namespace is the mesh namespace.
//! - key order, and numbers: `10` and `10.0` are equal; durations are equal when they last
//!   as long (`60s` and `1m`).
//! - hosts: a name without a dot is the Kubernetes Service of that name in the object's
//!   namespace (Istio's own rule), hosts are compared in lower case, a gateway named without
//!   a namespace is in the object's namespace, and `gateways: [mesh]` is the default.
//! - defaults meshc writes out: the `port` of a destination the input left without one (the
//!   service's only port), `weight: 100` on a lone destination, a ServiceEntry's `location`
//!   (`MESH_EXTERNAL`) and `resolution` (`NONE`), a ServiceEntry port's `protocol` when its
//!   name gives it, an AuthorizationPolicy's `action` (`ALLOW`), `forwardOriginalToken: false`,
//!   `httpsRedirect: false`.
//! - labels: Gateway server and Sidecar egress port names (they only label the port).
//! - HTTP rules: consecutive rules that differ only in `match` are one rule with their
//!   alternatives (first match wins either way).
//! - spellings: HTTP header names in lower case; the legacy `mirror`/`mirrorPercentage` as
//!   `mirrors`; in EnvoyFilters, a config wrapped in a TypedStruct as the config itself, and
//!   the deprecated `append: false/true` as `append_action`.

use serde_json::{Map, Value};

use crate::lift::hosts::{self, Host};

/// One field that differs: its path and both values (`None` where absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    pub input: Option<Value>,
    pub output: Option<Value>,
}

impl Difference {
    /// `spec.http[0].timeout: the input has `10s`, meshc writes `20s``.
    pub fn describe(&self) -> String {
        format!("`{}`: {}", self.path, self.outcome())
    }

    /// What differs, without the path: `the input has `10s`, meshc writes `20s``.
    pub fn outcome(&self) -> String {
        match (&self.input, &self.output) {
            (Some(i), Some(o)) => format!("the input has {}, meshc writes {}", show(i), show(o)),
            (Some(i), None) => format!("the input has {}, meshc does not write it", show(i)),
            (None, Some(o)) => format!("meshc writes {}, the input does not have it", show(o)),
            (None, None) => "differs".to_string(),
        }
    }
}

fn show(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("`{short}…`")
    } else {
        format!("`{short}`")
    }
}

/// Labels and annotations that record which tool deployed an object: meshc's own (on what
/// it writes), and those of the tools it takes over from (Helm, kubectl, Argo CD). They
/// change nothing Istio does, and once meshc deploys the object its own replace them.
pub const BOOKKEEPING_LABELS: &[&str] = &[
    "app.kubernetes.io/managed-by",
    "meshc.dev/environment",
    "helm.sh/chart",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "argocd.argoproj.io/instance",
];
pub const BOOKKEEPING_ANNOTATIONS: &[&str] = &[
    "meshc.dev/source",
    "kubectl.kubernetes.io/last-applied-configuration",
    "meta.helm.sh/release-name",
    "meta.helm.sh/release-namespace",
    "argocd.argoproj.io/tracking-id",
];

/// `metadata` fields the API server sets: they describe a stored object, not its
/// configuration (and applying them back would conflict).
pub const SERVER_FIELDS: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// An object kept verbatim, for comparison with what its template makes meshc write:
/// everything but `status`, the fields the API server sets and the deployment bookkeeping.
pub fn normalise_verbatim(object: &Value, namespace: &str) -> Value {
    let mut out = without_server_fields(object);
    if let Some(Value::Object(metadata)) = out.get_mut("metadata") {
        metadata.remove("namespace");
        if !namespace.is_empty() {
            metadata.insert("namespace".into(), Value::String(namespace.to_string()));
        }
        for (field, drop) in [("labels", BOOKKEEPING_LABELS), ("annotations", BOOKKEEPING_ANNOTATIONS)] {
            if let Some(Value::Object(map)) = metadata.get_mut(field) {
                map.retain(|k, _| !drop.contains(&k.as_str()));
            }
            if metadata.get(field).and_then(Value::as_object).is_some_and(Map::is_empty) {
                metadata.remove(field);
            }
        }
    }
    out
}

/// The object without `status` and the `metadata` fields the API server sets (and
/// kubectl's record of the last apply).
pub fn without_server_fields(object: &Value) -> Value {
    let mut out = object.clone();
    if let Value::Object(map) = &mut out {
        map.remove("status");
        if let Some(Value::Object(metadata)) = map.get_mut("metadata") {
            metadata.retain(|k, _| !SERVER_FIELDS.contains(&k.as_str()));
            if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
            if metadata.get("annotations").and_then(Value::as_object).is_some_and(Map::is_empty) {
                metadata.remove("annotations");
            }
        }
    }
    out
}

/// The object reduced to what Istio acts on: `metadata.namespace`, labels, annotations and
/// `spec`, normalised for its kind. `namespace` is where the object lives.
pub fn normalise(kind: &str, object: &Value, namespace: &str) -> Value {
    let mut out = Map::new();
    let mut metadata = Map::new();
    metadata.insert("namespace".into(), Value::String(namespace.to_string()));
    let meta = object.get("metadata");
    for (field, drop) in [("labels", BOOKKEEPING_LABELS), ("annotations", BOOKKEEPING_ANNOTATIONS)] {
        if let Some(Value::Object(map)) = meta.and_then(|m| m.get(field)) {
            let kept: Map<String, Value> =
                map.iter().filter(|(k, _)| !drop.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
            if !kept.is_empty() {
                metadata.insert(field.into(), Value::Object(kept));
            }
        }
    }
    out.insert("metadata".into(), Value::Object(metadata));
    let mut spec = match object.get("spec") {
        Some(Value::Null) | None => Value::Object(Map::new()),
        Some(spec) => spec.clone(),
    };
    match kind {
        "VirtualService" => virtual_service(&mut spec, namespace),
        "DestinationRule" => {
            if let Some(host) = spec.get_mut("host") {
                expand_host(host, namespace);
            }
        }
        "ServiceEntry" => service_entry(&mut spec),
        "Gateway" => {
            for server in items_mut(&mut spec, "servers") {
                remove_path(server, &["port", "name"]);
                if server.pointer("/tls/httpsRedirect") == Some(&Value::Bool(false)) {
                    remove_path(server, &["tls", "httpsRedirect"]);
                    drop_if_empty(server, "tls");
                }
            }
        }
        "Sidecar" => {
            for listener in items_mut(&mut spec, "egress") {
                remove_path(listener, &["port", "name"]);
            }
        }
        "AuthorizationPolicy" => {
            if let Value::Object(map) = &mut spec {
                map.entry("action").or_insert_with(|| Value::String("ALLOW".into()));
            }
        }
        "RequestAuthentication" => {
            for rule in items_mut(&mut spec, "jwtRules") {
                if rule.get("forwardOriginalToken") == Some(&Value::Bool(false)) {
                    remove_path(rule, &["forwardOriginalToken"]);
                }
            }
        }
        "EnvoyFilter" => unwrap_typed_structs(&mut spec),
        _ => {}
    }
    out.insert("spec".into(), spec);
    Value::Object(out)
}

fn virtual_service(spec: &mut Value, namespace: &str) {
    for host in items_mut(spec, "hosts") {
        expand_host(host, namespace);
    }
    let gateways: Vec<Value> = items_mut(spec, "gateways")
        .map(|g| match g.as_str() {
            Some("mesh") => Value::String("mesh".into()),
            Some(name) if !name.contains('/') => Value::String(format!("{namespace}/{name}")),
            _ => g.clone(),
        })
        .collect();
    if let Value::Object(map) = spec {
        if gateways == [Value::String("mesh".into())] || gateways.is_empty() {
            map.remove("gateways");
        } else {
            map.insert("gateways".into(), Value::Array(gateways));
        }
    }
    for rule in items_mut(spec, "http") {
        if let Value::Object(map) = rule {
            if let Some(mirror) = map.remove("mirror") {
                let mut entry = Map::new();
                entry.insert("destination".into(), mirror);
                if let Some(percentage) = map.remove("mirrorPercentage") {
                    entry.insert("percentage".into(), percentage);
                }
                map.insert("mirrors".into(), Value::Array(vec![Value::Object(entry)]));
            }
        }
        routes(rule, "route", namespace);
        for mirror in items_mut(rule, "mirrors") {
            if let Some(host) = mirror.pointer_mut("/destination/host") {
                expand_host(host, namespace);
            }
        }
        for m in items_mut(rule, "match") {
            lower_keys(m.get_mut("headers"));
            lower_keys(m.get_mut("withoutHeaders"));
        }
        for side in ["request", "response"] {
            if let Some(ops) = rule.pointer_mut(&format!("/headers/{side}")) {
                lower_keys(ops.get_mut("set"));
                lower_keys(ops.get_mut("add"));
                lower_items(ops.get_mut("remove"));
            }
        }
        if let Some(cors) = rule.get_mut("corsPolicy") {
            lower_items(cors.get_mut("allowHeaders"));
            lower_items(cors.get_mut("exposeHeaders"));
        }
    }
    for list in ["tls", "tcp"] {
        for rule in items_mut(spec, list) {
            routes(rule, "route", namespace);
        }
    }
    merge_alternatives(spec);
}

/// Consecutive HTTP rules that differ only in their `match` are one rule whose match
/// alternatives are theirs in order: the first match wins either way, with the same
/// result. (meshc writes a rule per kind of path test: `exact` and `prefix` alternatives
/// cannot share a matcher.)
fn merge_alternatives(spec: &mut Value) {
    let Some(Value::Array(rules)) = spec.get_mut("http") else { return };
    let mut merged: Vec<Value> = Vec::new();
    for rule in std::mem::take(rules) {
        let rest = |r: &Value| {
            let mut r = r.clone();
            if let Value::Object(map) = &mut r {
                map.remove("match");
            }
            r
        };
        let has_match = |r: &Value| r.get("match").and_then(Value::as_array).is_some_and(|m| !m.is_empty());
        if let Some(last) = merged.last_mut() {
            if has_match(last) && has_match(&rule) && rest(last) == rest(&rule) {
                let more = rule.get("match").and_then(Value::as_array).cloned().unwrap_or_default();
                if let Some(Value::Array(alternatives)) = last.get_mut("match") {
                    alternatives.extend(more);
                }
                continue;
            }
        }
        merged.push(rule);
    }
    *rules = merged;
}

/// Destination hosts expanded, and the weight of a lone destination (always 100%) left out.
fn routes(rule: &mut Value, key: &str, namespace: &str) {
    let lone = rule.get(key).and_then(Value::as_array).is_some_and(|a| a.len() == 1);
    for route in items_mut(rule, key) {
        if let Some(host) = route.pointer_mut("/destination/host") {
            expand_host(host, namespace);
        }
        if lone && route.get("weight").and_then(Value::as_f64) == Some(100.0) {
            remove_path(route, &["weight"]);
        }
    }
}

fn service_entry(spec: &mut Value) {
    if let Value::Object(map) = spec {
        map.entry("location").or_insert_with(|| Value::String("MESH_EXTERNAL".into()));
        map.entry("resolution").or_insert_with(|| Value::String("NONE".into()));
    }
    for port in items_mut(spec, "ports") {
        if port.get("protocol").is_none() {
            let name = port.get("name").and_then(Value::as_str).unwrap_or_default();
            if let Some(protocol) = meshc_core::model::Protocol::from_port_name(name) {
                if let Value::Object(map) = port {
                    map.insert("protocol".into(), Value::String(protocol.as_istio().into()));
                }
            }
        }
    }
}

/// `typed_config: {"@type": TypedStruct, type_url: T, value: V}` → `{"@type": T, …V}`, and
/// `append: false` → `append_action: OVERWRITE_IF_EXISTS_OR_ADD` (Envoy's own equivalences).
fn unwrap_typed_structs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let wrapped = map.get("@type").and_then(Value::as_str).is_some_and(|t| t.ends_with(".TypedStruct"));
            if wrapped {
                let type_url = map.get("type_url").cloned();
                let inner = map.get("value").cloned();
                if let (Some(type_url), Some(Value::Object(inner))) = (type_url, inner) {
                    let mut unwrapped = Map::new();
                    unwrapped.insert("@type".into(), type_url);
                    unwrapped.extend(inner);
                    *map = unwrapped;
                }
            }
            if let Some(Value::Bool(append)) = map.get("append").cloned() {
                if map.contains_key("header") && !map.contains_key("append_action") {
                    map.remove("append");
                    let action = if append { "APPEND_IF_EXISTS_OR_ADD" } else { "OVERWRITE_IF_EXISTS_OR_ADD" };
                    map.insert("append_action".into(), Value::String(action.into()));
                }
            }
            for v in map.values_mut() {
                unwrap_typed_structs(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_typed_structs),
        _ => {}
    }
}

/// Drops the `port` of destinations in `output` whose counterpart in `input` has none:
/// meshc always writes the port, Istio uses the service's only port when it is left out.
pub fn drop_unasked_ports(input: &Value, output: &mut Value) {
    let Some(spec) = input.get("spec") else { return };
    let mut pointers = Vec::new();
    for (list, key) in [("http", "route"), ("tls", "route"), ("tcp", "route"), ("http", "mirrors")] {
        for (i, rule) in spec.get(list).and_then(Value::as_array).into_iter().flatten().enumerate() {
            for (j, route) in rule.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
                if route.pointer("/destination/port").is_none() {
                    pointers.push(format!("/spec/{list}/{i}/{key}/{j}/destination"));
                }
            }
        }
    }
    for pointer in pointers {
        if let Some(Value::Object(destination)) = output.pointer_mut(&pointer) {
            destination.remove("port");
        }
    }
}

fn expand_host(host: &mut Value, namespace: &str) {
    if let Some(text) = host.as_str() {
        let expanded = match hosts::parse(text, namespace) {
            Host::Service(name, ns) if !text.contains('.') => hosts::fqdn(&name, &ns),
            _ => text.to_ascii_lowercase(),
        };
        *host = Value::String(expanded);
    }
}

fn items_mut<'v>(value: &'v mut Value, key: &str) -> impl Iterator<Item = &'v mut Value> {
    value.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten()
}

fn remove_path(value: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = value;
    for key in parents {
        match node.get_mut(*key) {
            Some(next) => node = next,
            None => return,
        }
    }
    if let Value::Object(map) = node {
        map.remove(*last);
    }
}

fn drop_if_empty(value: &mut Value, key: &str) {
    if let Value::Object(map) = value {
        if map.get(key).and_then(Value::as_object).is_some_and(Map::is_empty) {
            map.remove(key);
        }
    }
}

fn lower_keys(value: Option<&mut Value>) {
    if let Some(Value::Object(map)) = value {
        let lowered: Map<String, Value> =
            std::mem::take(map).into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        *map = lowered;
    }
}

fn lower_items(value: Option<&mut Value>) {
    if let Some(Value::Array(items)) = value {
        for item in items {
            if let Some(text) = item.as_str() {
                *item = Value::String(text.to_ascii_lowercase());
            }
        }
    }
}

/// Fields whose values are durations, compared by length of time.
const DURATION_FIELDS: &[&str] = &[
    "timeout",
    "perTryTimeout",
    "fixedDelay",
    "maxAge",
    "connectTimeout",
    "idleTimeout",
    "maxConnectionDuration",
    "time",
    "interval",
    "baseEjectionTime",
    "ttl",
    "duration",
    "fill_interval",
];

/// Every difference between two normalised values.
pub fn diff(input: &Value, output: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(input, output, "", "", &mut out);
    out
}

fn walk(input: &Value, output: &Value, path: &str, key: &str, out: &mut Vec<Difference>) {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let child = if path.is_empty() {
                    k.clone()
                } else if k.contains(['.', '/', '@']) {
                    format!("{path}.\"{k}\"")
                } else {
                    format!("{path}.{k}")
                };
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(x, y, &child, k, out),
                    (x, y) => out.push(Difference { path: child, input: x.cloned(), output: y.cloned() }),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let child = format!("{path}[{i}]");
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => walk(x, y, &child, key, out),
                    (x, y) => out.push(Difference { path: child, input: x.cloned(), output: y.cloned() }),
                }
            }
        }
        (a, b) if same_scalar(a, b, key) => {}
        (a, b) => out.push(Difference { path: path.to_string(), input: Some(a.clone()), output: Some(b.clone()) }),
    }
}

fn same_scalar(a: &Value, b: &Value, key: &str) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) if x == y => true,
        (Value::String(x), Value::String(y)) if DURATION_FIELDS.contains(&key) => {
            match (meshc_core::units::parse_duration(x), meshc_core::units::parse_duration(y)) {
                (Ok(x), Ok(y)) => x == y,
                _ => false,
            }
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalisations() {
        let input = json!({"spec": {"hosts": ["Reviews"], "gateways": ["mesh"], "http": [{"route": [{"destination": {"host": "reviews"}, "weight": 100}], "timeout": "60s", "mirror": {"host": "shadow"}}]}});
        let output = json!({"metadata": {"labels": {"app.kubernetes.io/managed-by": "meshc"}}, "spec": {"hosts": ["reviews.shop.svc.cluster.local"], "http": [{"route": [{"destination": {"host": "reviews.shop.svc.cluster.local", "port": {"number": 9080}}}], "timeout": "1m", "mirrors": [{"destination": {"host": "shadow.shop.svc.cluster.local"}}]}]}});
        let a = normalise("VirtualService", &input, "shop");
        let mut b = normalise("VirtualService", &output, "shop");
        drop_unasked_ports(&input, &mut b);
        assert_eq!(diff(&a, &b), Vec::<Difference>::new());
    }

    #[test]
    fn differences_name_the_field() {
        let a = json!({"spec": {"http": [{"name": "primary", "timeout": "10s"}]}});
        let b = json!({"spec": {"http": [{"timeout": "20s"}]}});
        let found: Vec<String> = diff(&a, &b).iter().map(Difference::describe).collect();
        assert_eq!(
            found,
            [
                "`spec.http[0].name`: the input has `primary`, meshc does not write it",
                "`spec.http[0].timeout`: the input has `10s`, meshc writes `20s`"
            ]
        );
    }

    #[test]
    fn typed_structs_are_their_config() {
        let mut wrapped = json!({"typed_config": {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "type_url": "T", "value": {"a": 1, "response_headers_to_add": [{"append": false, "header": {"key": "k"}}]}}});
        unwrap_typed_structs(&mut wrapped);
        assert_eq!(
            wrapped,
            json!({"typed_config": {"@type": "T", "a": 1, "response_headers_to_add": [{"append_action": "OVERWRITE_IF_EXISTS_OR_ADD", "header": {"key": "k"}}]}})
        );
    }
}
