//! Lowering: the checked mesh of one environment becomes typed Istio resources, written as
//! one YAML file per resource under `<namespace>/<kind>-<name>.yaml`, plus a
//! `kustomization.yaml` listing them.

mod networking;
mod rate_limits;
mod security;
mod telemetry;

use std::collections::BTreeMap;

use meshc_core::model::{self, Mesh, Origin};
use meshc_core::Analysis;

use crate::model::{Kustomization, ObjectMeta, Resource, Spec};
use crate::output::{EmittedEnv, OutputFile};
use crate::yaml;

/// The label every emitted object carries, so `kubectl get -l` finds what meshc owns.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "meshc");
/// The annotation that points at the declaration an object came from.
pub const SOURCE_ANNOTATION: &str = "meshc.dev/source";
pub const ENV_LABEL: &str = "meshc.dev/environment";

/// Emits every selected environment (all when `envs` is empty) of an analysis.
/// Callers must not emit an analysis with errors: its model is incomplete.
pub fn emit(analysis: &Analysis, envs: &[String]) -> Vec<EmittedEnv> {
    analysis
        .meshes
        .iter()
        .filter(|m| envs.is_empty() || envs.contains(&m.env))
        .map(|mesh| EmittedEnv { env: mesh.env.clone(), files: files(mesh, &lower(mesh)) })
        .collect()
}

/// All resources of one environment, in a stable order.
pub fn lower(mesh: &Mesh) -> Vec<Resource> {
    let mut out = Emitter { mesh, resources: Vec::new() };
    networking::lower(&mut out);
    security::lower(&mut out);
    rate_limits::lower(&mut out);
    telemetry::lower(&mut out);
    let mut resources = out.resources;
    // One key per resource: `sort_by_key` would format both paths at every comparison.
    resources.sort_by_cached_key(file_name);
    resources
}

/// Collects resources with their metadata filled in the same way.
pub(crate) struct Emitter<'a> {
    pub mesh: &'a Mesh,
    pub resources: Vec<Resource>,
}

impl Emitter<'_> {
    pub fn push(&mut self, name: &str, namespace: &str, origin: &Origin, spec: impl Into<Spec>) {
        let mut metadata = ObjectMeta::new(name, namespace);
        metadata.labels.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
        metadata.labels.insert(ENV_LABEL.to_string(), self.mesh.env.clone());
        metadata.annotations.insert(SOURCE_ANNOTATION.to_string(), format!("{}:{}", origin.file, origin.line));
        self.resources.push(Resource::new(metadata, spec));
    }
}

fn file_name(resource: &Resource) -> String {
    format!(
        "{}/{}-{}.yaml",
        resource.metadata.namespace.as_deref().unwrap_or("cluster"),
        resource.kind().to_ascii_lowercase(),
        resource.metadata.name
    )
}

fn files(mesh: &Mesh, resources: &[Resource]) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> =
        resources.iter().map(|r| OutputFile { path: file_name(r), contents: yaml::to_yaml(r) }).collect();
    files.extend(mesh.raw.iter().map(|raw| raw_file(mesh, raw)));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // An IstioOperator is input for `istioctl install`, not an object the API server takes:
    // it is written beside the others but kept out of `kubectl apply -k`.
    let for_istioctl: Vec<String> =
        mesh.raw.iter().filter(|r| r.api_version.starts_with("install.istio.io/")).map(raw_path).collect();
    let kustomization = Kustomization {
        name: format!("{}-{}", mesh.name, mesh.env),
        resources: files.iter().map(|f| f.path.clone()).filter(|p| !for_istioctl.contains(p)).collect(),
    };
    files.push(OutputFile { path: "kustomization.yaml".to_string(), contents: yaml::to_yaml(&kustomization) });
    files
}

/// An object a template rendered, with the same labels and source annotation as the rest.
fn raw_file(mesh: &Mesh, raw: &model::RawObject) -> OutputFile {
    let mut value = raw.value.clone();
    if let Some(metadata) = value.get_mut("metadata").and_then(serde_json::Value::as_object_mut) {
        let labels = metadata.entry("labels").or_insert_with(|| serde_json::json!({}));
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.into());
            labels.insert(ENV_LABEL.to_string(), mesh.env.clone().into());
        }
        let annotations = metadata.entry("annotations").or_insert_with(|| serde_json::json!({}));
        if let Some(annotations) = annotations.as_object_mut() {
            annotations
                .insert(SOURCE_ANNOTATION.to_string(), format!("{}:{}", raw.origin.file, raw.origin.line).into());
        }
    }
    OutputFile { path: raw_path(raw), contents: yaml::to_yaml(&value) }
}

fn raw_path(raw: &model::RawObject) -> String {
    format!("{}/{}-{}.yaml", raw.namespace.as_deref().unwrap_or("cluster"), raw.kind.to_ascii_lowercase(), raw.name)
}

/// `matchLabels`/`labels` maps from a workload.
pub(crate) fn labels(workload: &model::Workload) -> BTreeMap<String, String> {
    workload.labels.clone()
}

pub(crate) fn selector(workload: &model::Workload) -> crate::model::LabelSelector {
    crate::model::LabelSelector { match_labels: labels(workload) }
}

/// Durations as Envoy's proto JSON wants them (`0.100s`), for EnvoyFilter patches.
pub(crate) fn proto_duration(d: model::Duration) -> String {
    let ms = d.millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{}.{:03}s", ms / 1000, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::proto_duration;
    use meshc_core::model::Duration;

    #[test]
    fn proto_durations_use_seconds() {
        assert_eq!(proto_duration(Duration(1000)), "1s");
        assert_eq!(proto_duration(Duration(100)), "0.100s");
        assert_eq!(proto_duration(Duration(1500)), "1.500s");
    }
}
