//! PeerAuthentication (`security.istio.io/v1`): which mutual-TLS mode a workload's sidecar
//! accepts (mesh-wide in the root namespace, namespace-wide without selector).

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::common::LabelSelector;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthentication {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtls: Option<MutualTls>,
    /// Workload (container) port → mode; needs a non-empty `selector`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", serialize_with = "port_keys_as_strings")]
    pub port_level_mtls: BTreeMap<u32, MutualTls>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualTls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<MtlsMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MtlsMode {
    /// Inherit from the parent scope.
    Unset,
    Disable,
    /// Accept mTLS and plain text (migration).
    Permissive,
    Strict,
}

/// JSON (and so the CRD) only has string keys; writing `"8080":` keeps YAML readers from
/// producing an integer key that each tool would convert differently.
fn port_keys_as_strings<S: Serializer>(map: &BTreeMap<u32, MutualTls>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = serializer.serialize_map(Some(map.len()))?;
    for (port, mtls) in map {
        out.serialize_entry(&port.to_string(), mtls)?;
    }
    out.end()
}
