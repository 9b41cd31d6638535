//! EnvoyFilter (`networking.istio.io/v1alpha3`): raw patches of the generated Envoy config —
//! the escape hatch when no Istio API field exists (e.g. local rate limiting).
//!
//! `patch.value` is an untyped tree ([`Value`]). It has no null, so a patch can never write
//! `null`; maps are sorted (deterministic, and Envoy's `@type` sorts first).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::common::{PolicyTargetReference, WorkloadSelector};

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config_patches: Vec<EnvoyConfigObjectPatch>,
    /// Lower applies first; set it when patches are relative (INSERT_BEFORE, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyConfigObjectPatch {
    pub apply_to: ApplyTo,
    /// The match kind must fit `apply_to` (listener / routeConfiguration / cluster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#match: Option<EnvoyConfigObjectMatch>,
    pub patch: Patch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplyTo {
    Listener,
    FilterChain,
    NetworkFilter,
    HttpFilter,
    RouteConfiguration,
    VirtualHost,
    HttpRoute,
    Cluster,
    ExtensionConfig,
    Bootstrap,
    ListenerFilter,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyConfigObjectMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<PatchContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener: Option<ListenerMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_configuration: Option<RouteConfigurationMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterMatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchContext {
    Any,
    SidecarInbound,
    SidecarOutbound,
    Gateway,
    Waypoint,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProxyMatch {
    /// A regex on the proxy's Istio version, e.g. `^1\.30.*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_version: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenerMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_chain: Option<FilterChainMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterChainMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_protocol: Option<String>,
    /// Comma-separated, e.g. `h2,http/1.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_protocols: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<FilterMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_port: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterMatch {
    /// Required when matching a filter, e.g. `envoy.filters.network.http_connection_manager`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only for HTTP_FILTER patches under the http_connection_manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_filter: Option<SubFilterMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubFilterMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteConfigurationMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhost: Option<VirtualHostMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualHostMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<RouteAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RouteAction {
    Any,
    Route,
    Redirect,
    DirectResponse,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterMatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_number: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patch {
    pub operation: PatchOperation,
    /// Envoy v3 config of the `apply_to` type (snake_case fields, `@type` for typed configs);
    /// required unless the operation is REMOVE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_class: Option<FilterClass>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PatchOperation {
    Merge,
    Add,
    Remove,
    InsertBefore,
    InsertAfter,
    InsertFirst,
    Replace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FilterClass {
    Unspecified,
    Authn,
    Authz,
    Stats,
}

/// An untyped, null-free configuration tree for `patch.value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// A map from `(key, value)` pairs, for building Envoy config inline.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}

/// Why a JSON value cannot become a [`Value`]: it holds a `null` or an integer above `i64::MAX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// JSON-pointer-like location, e.g. `/typed_config/stat_prefix`.
    pub path: String,
    pub reason: &'static str,
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() { "/" } else { &self.path };
        write!(f, "{} at {at}", self.reason)
    }
}

impl std::error::Error for ValueError {}

impl TryFrom<serde_json::Value> for Value {
    type Error = ValueError;

    fn try_from(json: serde_json::Value) -> Result<Self, ValueError> {
        from_json(json, &mut String::new())
    }
}

fn from_json(json: serde_json::Value, path: &mut String) -> Result<Value, ValueError> {
    use serde_json::Value as J;
    Ok(match json {
        J::Null => {
            return Err(ValueError { path: path.clone(), reason: "null is not allowed in an EnvoyFilter patch value" })
        }
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(f)) if !n.is_u64() => Value::Float(f),
            _ => return Err(ValueError { path: path.clone(), reason: "integer out of range" }),
        },
        J::String(s) => Value::String(s),
        J::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                out.push(from_json(item, path)?);
                path.truncate(len);
            }
            Value::List(out)
        }
        J::Object(entries) => {
            let mut out = BTreeMap::new();
            for (key, item) in entries {
                let len = path.len();
                path.push('/');
                path.push_str(&key);
                let value = from_json(item, path)?;
                path.truncate(len);
                out.insert(key, value);
            }
            Value::Map(out)
        }
    })
}
