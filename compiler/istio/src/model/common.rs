//! Small building blocks shared by several kinds: selectors, ports, percentages, protocols.

use std::collections::BTreeMap;

use serde::Serialize;

/// `workloadSelector: {labels}` of the networking kinds (Sidecar, ServiceEntry, EnvoyFilter).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `selector: {matchLabels}` of the security/telemetry kinds and DestinationRule's
/// `workloadSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}

/// A port by number (`port: {number}` in destinations and port-level settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortSelector {
    pub number: u32,
}

/// Istio's `Percent` message: an object, not a bare number (`percentage: {value: 10}`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Percent {
    pub value: f64,
}

/// `targetRefs[]` entry of the policy kinds (attach to a Gateway API Gateway or a Service).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTargetReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Port protocols Istio parses (`pkg/config/protocol`), in their canonical spelling.
///
/// The `Default` (HTTP) exists only so that structs with a required protocol (Gateway ports)
/// can derive `Default` for `..Default::default()`; always set the protocol explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub enum Protocol {
    #[default]
    #[serde(rename = "HTTP")]
    Http,
    #[serde(rename = "HTTPS")]
    Https,
    #[serde(rename = "HTTP2")]
    Http2,
    #[serde(rename = "GRPC")]
    Grpc,
    #[serde(rename = "GRPC-WEB")]
    GrpcWeb,
    #[serde(rename = "HTTP_PROXY")]
    HttpProxy,
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "TLS")]
    Tls,
    #[serde(rename = "MONGO")]
    Mongo,
    #[serde(rename = "REDIS")]
    Redis,
    #[serde(rename = "MYSQL")]
    Mysql,
    #[serde(rename = "UDP")]
    Udp,
}

impl Protocol {
    /// The spelling written to YAML (also handy for port names like `http-8080`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Https => "HTTPS",
            Protocol::Http2 => "HTTP2",
            Protocol::Grpc => "GRPC",
            Protocol::GrpcWeb => "GRPC-WEB",
            Protocol::HttpProxy => "HTTP_PROXY",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Mongo => "MONGO",
            Protocol::Redis => "REDIS",
            Protocol::Mysql => "MYSQL",
            Protocol::Udp => "UDP",
        }
    }
}
