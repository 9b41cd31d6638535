//! The Kubernetes envelope of every Istio object: apiVersion, kind, metadata and the typed spec.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::{
    AuthorizationPolicy, DestinationRule, EnvoyFilter, Gateway, PeerAuthentication, RequestAuthentication,
    ServiceEntry, Sidecar, Telemetry, VirtualService,
};

/// `metadata` of an object; only the fields a compiler should set.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ObjectMeta {
    /// Metadata with a name and a namespace, no labels or annotations.
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        ObjectMeta { name: name.into(), namespace: Some(namespace.into()), ..Default::default() }
    }
}

/// The spec of one Istio object; the variant decides `apiVersion` and `kind`, so the two can
/// never disagree with the spec's shape.
// Boxed: an environment of 5,000 services lowers to 20,000 resources, and unboxed every one
// was as large as the largest kind (888 bytes for a PeerAuthentication that needs 80). The
// `From` impls box, so constructors stay `Resource::new(meta, VirtualService { .. })`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Spec {
    VirtualService(Box<VirtualService>),
    DestinationRule(Box<DestinationRule>),
    Gateway(Box<Gateway>),
    ServiceEntry(Box<ServiceEntry>),
    Sidecar(Box<Sidecar>),
    PeerAuthentication(Box<PeerAuthentication>),
    AuthorizationPolicy(Box<AuthorizationPolicy>),
    RequestAuthentication(Box<RequestAuthentication>),
    EnvoyFilter(Box<EnvoyFilter>),
    Telemetry(Box<Telemetry>),
}

macro_rules! spec_kinds {
    ($($kind:ident => $api:literal),* $(,)?) => {
        impl Spec {
            /// The Kubernetes `kind`, e.g. `VirtualService`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Spec::$kind(_) => stringify!($kind),)*
                }
            }

            /// The `apiVersion` to write for this kind in Istio 1.30 (storage/served `v1` where
            /// it exists; EnvoyFilter only has `v1alpha3`).
            pub fn api_version(&self) -> &'static str {
                match self {
                    $(Spec::$kind(_) => $api,)*
                }
            }
        }

        $(
            impl From<$kind> for Spec {
                fn from(spec: $kind) -> Self {
                    Spec::$kind(Box::new(spec))
                }
            }
        )*
    };
}

spec_kinds! {
    VirtualService => "networking.istio.io/v1",
    DestinationRule => "networking.istio.io/v1",
    Gateway => "networking.istio.io/v1",
    ServiceEntry => "networking.istio.io/v1",
    Sidecar => "networking.istio.io/v1",
    PeerAuthentication => "security.istio.io/v1",
    AuthorizationPolicy => "security.istio.io/v1",
    RequestAuthentication => "security.istio.io/v1",
    EnvoyFilter => "networking.istio.io/v1alpha3",
    Telemetry => "telemetry.istio.io/v1",
}

/// One complete Istio object, serialised as `apiVersion`, `kind`, `metadata`, `spec`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub metadata: ObjectMeta,
    pub spec: Spec,
}

impl Resource {
    pub fn new(metadata: ObjectMeta, spec: impl Into<Spec>) -> Self {
        Resource { metadata, spec: spec.into() }
    }

    pub fn api_version(&self) -> &'static str {
        self.spec.api_version()
    }

    pub fn kind(&self) -> &'static str {
        self.spec.kind()
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Resource", 4)?;
        s.serialize_field("apiVersion", self.api_version())?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("metadata", &self.metadata)?;
        // Always written, even as `spec: {}`: for an AuthorizationPolicy that is allow-nothing.
        s.serialize_field("spec", &self.spec)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::{Resource, Spec};

    /// A lowered environment holds one `Resource` per object (20,000 at 5,000 services). The
    /// sizes are pinned so that an unboxed kind cannot make every resource large again.
    #[test]
    fn resources_stay_small() {
        assert_eq!(std::mem::size_of::<Spec>(), 16);
        assert_eq!(std::mem::size_of::<Resource>(), 112);
    }
}
