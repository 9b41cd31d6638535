//! Istio output.

pub mod model;
pub mod output;
pub mod yaml;

pub use output::{to_stream, write_tree, EmittedEnv, EnvStaging, OutputFile, Staging, StreamWriter};
pub use yaml::{multi_document, to_yaml};

pub mod lower;
pub use lower::{emit, emit_env};
