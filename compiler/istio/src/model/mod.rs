//! Typed Istio resources (Istio 1.30 field names and enum spellings), serialised with serde.
//!
//! Conventions shared by every file: fields are declared in the order of Istio's reference docs
//! (that is the YAML output order); unset optional fields, empty lists and empty maps are not
//! written at all, so the output never holds `null` or empty noise; maps are `BTreeMap` so the
//! output is deterministic; closed sets (modes, protocols, actions, ...) are Rust enums written
//! with Istio's exact strings. Structs derive `Default` where every field has a natural empty
//! value, so callers can write `Foo { x: .., ..Default::default() }`.

pub mod common;
mod meta;

pub mod authorization_policy;
pub mod destination_rule;
pub mod envoy_filter;
pub mod gateway;
pub mod kustomization;
pub mod peer_authentication;
pub mod request_authentication;
pub mod service_entry;
pub mod sidecar;
pub mod telemetry;
pub mod virtual_service;

pub use authorization_policy::AuthorizationPolicy;
pub use common::{LabelSelector, Percent, PolicyTargetReference, PortSelector, Protocol, WorkloadSelector};
pub use destination_rule::DestinationRule;
pub use envoy_filter::EnvoyFilter;
pub use gateway::Gateway;
pub use kustomization::Kustomization;
pub use meta::{ObjectMeta, Resource, Spec};
pub use peer_authentication::PeerAuthentication;
pub use request_authentication::RequestAuthentication;
pub use service_entry::ServiceEntry;
pub use sidecar::Sidecar;
pub use telemetry::Telemetry;
pub use virtual_service::VirtualService;

#[cfg(test)]
mod tests;
