//! `kustomization.yaml` listing the files of one environment, so `kubectl apply -k` works.

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};

/// Written as `apiVersion: kustomize.config.k8s.io/v1beta1`, `kind: Kustomization`,
/// `metadata: {name}`, `resources`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kustomization {
    /// `metadata.name` (e.g. the env name). Kustomize does not need it, but validate-istio and
    /// other Kubernetes-object tools reject documents without one; omitted only when empty.
    pub name: String,
    /// Paths relative to the kustomization file, in apply order.
    pub resources: Vec<String>,
}

impl Kustomization {
    pub const API_VERSION: &'static str = "kustomize.config.k8s.io/v1beta1";
    pub const KIND: &'static str = "Kustomization";
}

/// `metadata: {name}`.
struct NameOnly<'a>(&'a str);

impl Serialize for NameOnly<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(1))?;
        m.serialize_entry("name", self.0)?;
        m.end()
    }
}

impl Serialize for Kustomization {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Kustomization", 4)?;
        s.serialize_field("apiVersion", Self::API_VERSION)?;
        s.serialize_field("kind", Self::KIND)?;
        if self.name.is_empty() {
            s.skip_field("metadata")?;
        } else {
            s.serialize_field("metadata", &NameOnly(&self.name))?;
        }
        s.serialize_field("resources", &self.resources)?;
        s.end()
    }
}
