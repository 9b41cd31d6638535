//! Istio output.
