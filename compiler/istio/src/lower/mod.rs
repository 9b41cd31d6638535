//! Lowering: the checked mesh of one environment becomes typed Istio resources, written as
//! one YAML file per resource under `<namespace>/<kind>-<name>.yaml`, plus a
//! `kustomization.yaml` listing them.

mod networking;
mod rate_limits;
mod security;
mod telemetry;

use std::collections::BTreeMap;
use std::convert::Infallible;

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

/// Emits every selected environment (all when `envs` is empty) of an analysis, in memory.
/// Callers must not emit an analysis with errors: its model is incomplete.
pub fn emit(analysis: &Analysis, envs: &[String]) -> Vec<EmittedEnv> {
    analysis
        .meshes
        .iter()
        .filter(|m| envs.is_empty() || envs.contains(&m.env))
        .map(|mesh| {
            let mut files = Vec::new();
            let written: Result<usize, Infallible> = emit_env(mesh, |path, contents| {
                files.push(OutputFile { path: path.to_string(), contents: contents.to_string() });
                Ok(())
            });
            let Ok(_) = written;
            EmittedEnv { env: mesh.env.clone(), files }
        })
        .collect()
}

/// Lowers one environment and hands each of its files to `write` (path relative to the env
/// dir, contents), in output order: by path, `kustomization.yaml` last. Files are serialised
/// one at a time and each resource is dropped once written, so a caller that writes files
/// out (`output::Staging`, `output::StreamWriter`) never holds an environment's YAML whole.
/// Stops at `write`'s first error; returns the number of files written.
pub fn emit_env<E>(mesh: &Mesh, mut write: impl FnMut(&str, &str) -> Result<(), E>) -> Result<usize, E> {
    let mut raws: Vec<(String, &model::RawObject)> = mesh.raw.iter().map(|raw| (raw_path(raw), raw)).collect();
    // Stable, like the sort of all files this replaces: equal paths keep their order, and a
    // lowered resource comes before a raw object at the same path.
    raws.sort_by(|a, b| a.0.cmp(&b.0));
    // An IstioOperator is input for `istioctl install`, not an object the API server takes:
    // it is written beside the others but kept out of `kubectl apply -k`.
    let for_istioctl: Vec<String> = raws
        .iter()
        .filter(|(_, raw)| raw.api_version.starts_with("install.istio.io/"))
        .map(|(path, _)| path.clone())
        .collect();
    let mut raws = raws.into_iter().peekable();
    // Each resource becomes YAML as soon as it is lowered: the text is a fraction of the size
    // of the typed resource (maps, boxed specs), and no environment's resources are held whole.
    let mut docs: Vec<(String, String)> = Vec::new();
    lower_each(mesh, &mut |resource| docs.push((file_name(&resource), yaml::to_yaml(&resource))));
    // Stable, as `lower`'s sort: resources with equal paths keep their lowering order.
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut docs = docs.into_iter().peekable();
    let mut listed = Vec::with_capacity(docs.len() + raws.len());
    loop {
        let raw_first = match (docs.peek(), raws.peek()) {
            (Some((doc, _)), Some((raw, _))) => raw < doc,
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let (path, contents) = if raw_first {
            let Some((path, raw)) = raws.next() else { break };
            (path, raw_yaml(mesh, raw))
        } else {
            let Some(doc) = docs.next() else { break };
            doc
        };
        write(&path, &contents)?;
        listed.push(path);
    }
    let files = listed.len() + 1;
    listed.retain(|path| !for_istioctl.contains(path));
    let kustomization = Kustomization { name: format!("{}-{}", mesh.name, mesh.env), resources: listed };
    write("kustomization.yaml", &yaml::to_yaml(&kustomization))?;
    Ok(files)
}

/// All resources of one environment, in a stable order.
pub fn lower(mesh: &Mesh) -> Vec<Resource> {
    let mut resources = Vec::new();
    lower_each(mesh, &mut |resource| resources.push(resource));
    // One key per resource: `sort_by_key` would format both paths at every comparison.
    resources.sort_by_cached_key(file_name);
    resources
}

/// Hands every resource of one environment to `sink` as it is lowered, in lowering order.
fn lower_each(mesh: &Mesh, sink: &mut dyn FnMut(Resource)) {
    let mut out = Emitter { mesh, sink };
    networking::lower(&mut out);
    security::lower(&mut out);
    rate_limits::lower(&mut out);
    telemetry::lower(&mut out);
}

/// Builds resources with their metadata filled in the same way, and passes each on.
pub(crate) struct Emitter<'a> {
    pub mesh: &'a Mesh,
    sink: &'a mut dyn FnMut(Resource),
}

impl Emitter<'_> {
    pub fn push(&mut self, name: &str, namespace: &str, origin: &Origin, spec: impl Into<Spec>) {
        let mut metadata = ObjectMeta::new(name, namespace);
        metadata.labels.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
        metadata.labels.insert(ENV_LABEL.to_string(), self.mesh.env.clone());
        metadata.annotations.insert(SOURCE_ANNOTATION.to_string(), format!("{}:{}", origin.file, origin.line));
        (self.sink)(Resource::new(metadata, spec));
    }
}

/// `<namespace>/<kind>-<name>.yaml`, kind in lower case. Built by hand: one allocation of
/// the right size instead of `format!` and a lower-cased copy of the kind, for every one of
/// tens of thousands of resources.
fn file_name(resource: &Resource) -> String {
    let namespace = resource.metadata.namespace.as_deref().unwrap_or("cluster");
    let (kind, name) = (resource.kind(), resource.metadata.name.as_str());
    let mut path = String::with_capacity(namespace.len() + kind.len() + name.len() + 7);
    path.push_str(namespace);
    path.push('/');
    path.extend(kind.chars().map(|c| c.to_ascii_lowercase()));
    path.push('-');
    path.push_str(name);
    path.push_str(".yaml");
    path
}

/// An object a template rendered, with the same labels and source annotation as the rest.
fn raw_yaml(mesh: &Mesh, raw: &model::RawObject) -> String {
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
    yaml::to_yaml(&value)
}

fn raw_path(raw: &model::RawObject) -> String {
    format!("{}/{}-{}.yaml", raw.namespace.as_deref().unwrap_or("cluster"), raw.kind.to_ascii_lowercase(), raw.name)
}

/// `matchLabels`/`labels` maps from a workload.
pub(crate) fn labels(workload: &model::Workload) -> BTreeMap<String, String> {
    workload.labels.to_map()
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
    use super::{emit_env, proto_duration};
    use meshc_core::model::{Duration, Mesh, Origin, RawObject};

    fn raw(api_version: &str, kind: &str, name: &str) -> RawObject {
        RawObject {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: Some("shop".to_string()),
            value: serde_json::json!({ "apiVersion": api_version, "kind": kind, "metadata": { "name": name } }),
            origin: Origin { file: "mesh.mesh".to_string(), line: 1 },
        }
    }

    fn mesh() -> Mesh {
        Mesh {
            name: "shop".to_string(),
            env: "dev".to_string(),
            raw: vec![
                raw("v1", "ConfigMap", "z"),
                raw("install.istio.io/v1alpha1", "IstioOperator", "mesh"),
                raw("v1", "ConfigMap", "a"),
            ],
            ..Mesh::default()
        }
    }

    #[test]
    fn files_come_in_path_order_with_the_kustomization_last() {
        let mut files = Vec::new();
        let count = emit_env(&mesh(), |path, contents| {
            files.push((path.to_string(), contents.to_string()));
            Ok::<(), ()>(())
        });
        assert_eq!(count, Ok(files.len()));
        let paths: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            paths,
            ["shop/configmap-a.yaml", "shop/configmap-z.yaml", "shop/istiooperator-mesh.yaml", "kustomization.yaml"]
        );
        // The IstioOperator is written but left to `istioctl`, out of the kustomization.
        assert!(files[3].1.contains("- shop/configmap-a.yaml\n- shop/configmap-z.yaml\n"), "{}", files[3].1);
        assert!(!files[3].1.contains("istiooperator"), "{}", files[3].1);
    }

    #[test]
    fn the_first_write_error_stops_emitting() {
        let mut calls = 0;
        let result = emit_env(&mesh(), |path, _| {
            calls += 1;
            if calls == 2 {
                Err(path.to_string())
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err("shop/configmap-z.yaml".to_string()));
        assert_eq!(calls, 2);
    }

    #[test]
    fn proto_durations_use_seconds() {
        assert_eq!(proto_duration(Duration(1000)), "1s");
        assert_eq!(proto_duration(Duration(100)), "0.100s");
        assert_eq!(proto_duration(Duration(1500)), "1.500s");
    }
}
