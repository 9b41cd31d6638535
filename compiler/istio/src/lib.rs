//! Istio output.

pub mod yaml;

pub use yaml::{multi_document, to_yaml};
