//! The import's own proof, before anything is written: the lifted program (with the
//! templates of the objects kept verbatim) is checked by `meshc_core::analyze`, lowered by
//! `meshc_istio::emit`, and every object meshc writes is compared with the input object it
//! stands for. `--verify` ([`crate::verify`]) runs the same comparison on the files as
//! written.

use std::collections::BTreeMap;

use meshc_core::Sources;
use serde_json::Value;

use crate::kept::Verbatim;
use crate::lift::{self, Cannot, Identity};
use crate::objects::{ObjId, Object};
use crate::{compare, yaml};

/// The differences of each object imported as a construct that changes it.
pub type Changed = BTreeMap<ObjId, Vec<compare::Difference>>;

/// What a round found wrong: objects to keep verbatim (with why), and objects kept
/// verbatim that cannot pass through a template.
#[derive(Debug, Default)]
pub struct Failed {
    pub objects: Vec<(ObjId, Cannot)>,
    pub plain: Vec<ObjId>,
}

/// Checks the lifted program and compares what meshc writes with the input.
pub fn run(objects: &[Object], lifted: &lift::Lifted, kept: &[Verbatim]) -> Result<Changed, Failed> {
    let (printed, decls) = lifted.program.print();
    let mut sources = Sources::new();
    sources.add("import.mesh", printed.text.clone());
    for verbatim in kept.iter().filter(|v| v.template.is_some()) {
        sources.add(verbatim.path.clone(), verbatim.text.clone());
    }
    let analysis = meshc_core::analyze(&sources);
    let mut failed = Failed::default();
    for error in analysis.diagnostics.iter().filter(|d| d.is_error()) {
        let at = error.span.start as usize;
        let Some(i) = printed.ranges.iter().position(|r| r.contains(&at) && error.span.file.0 == 0) else {
            // An error in a template's text: that object cannot pass through a template.
            if let Some(v) = kept.iter().find(|v| sources.find(&v.path) == Some(error.span.file)) {
                failed.plain.push(v.object);
            }
            continue;
        };
        let line = printed.text[printed.ranges[i].clone()]
            .lines()
            .nth(printed.text[printed.ranges[i].start..at].matches('\n').count())
            .unwrap_or_default()
            .trim();
        for &id in &decls[i].objects {
            if kept.iter().any(|v| v.object == id) {
                failed.plain.push(id);
            } else {
                failed.objects.push((id, lift::cannot("", format!("meshc rejects `{line}`: {}", error.message))));
            }
        }
    }
    if analysis.has_errors() {
        if failed.objects.is_empty() && failed.plain.is_empty() {
            // An error no declaration stands for: blame every object rather than loop.
            failed.objects =
                lifted.expected.keys().map(|&id| (id, lift::cannot("", "the import could not express it"))).collect();
        }
        return Err(failed);
    }
    let emitted = emitted(&analysis);
    let mut changed = Changed::new();
    for (&id, identity) in &lifted.expected {
        let differences = compare_object(&objects[id], &lifted.namespace, emitted.get(identity));
        if lifted.approximate.contains(&id) {
            changed.insert(id, differences);
            continue;
        }
        if let Some(first) = differences.first() {
            let mut why = first.outcome();
            if differences.len() > 1 {
                let rest: Vec<String> = differences[1..].iter().map(compare::Difference::describe).collect();
                why.push_str(&format!("; and {}", rest.join("; ")));
            }
            failed.objects.push((id, lift::cannot(first.path.clone(), why)));
        }
    }
    for verbatim in kept.iter().filter(|v| v.template.is_some()) {
        let object = &objects[verbatim.object];
        if !compare_template(object, emitted.get(&template_identity(object))).is_empty() {
            failed.plain.push(verbatim.object);
        }
    }
    if failed.objects.is_empty() && failed.plain.is_empty() {
        Ok(changed)
    } else {
        Err(failed)
    }
}

/// What meshc writes for a checked program, by identity, as JSON read back from its YAML.
pub fn emitted(analysis: &meshc_core::Analysis) -> BTreeMap<Identity, Value> {
    let mut out = BTreeMap::new();
    // One environment: an imported program declares none, so it has only `default`.
    if let Some(env) = meshc_istio::emit(analysis, &[]).into_iter().next() {
        for file in env.files {
            if file.path == "kustomization.yaml" {
                continue;
            }
            let (documents, _) = yaml::read(meshc_core::FileId(0), &file.contents);
            for document in documents {
                let json = document.root.to_json();
                let field = |key: &str| json.pointer(key).and_then(Value::as_str).unwrap_or_default().to_string();
                let identity = Identity {
                    kind: field("/kind"),
                    namespace: field("/metadata/namespace"),
                    name: field("/metadata/name"),
                };
                out.insert(identity, json);
            }
        }
    }
    out
}

/// The differences between an input object and what meshc writes for it.
pub fn compare_object(object: &Object, mesh_namespace: &str, emitted: Option<&Value>) -> Vec<compare::Difference> {
    let namespace = object.namespace.clone().unwrap_or_else(|| mesh_namespace.to_string());
    let input = compare::normalise(&object.kind, &object.root.to_json(), &namespace);
    let Some(emitted) = emitted else {
        return vec![compare::Difference {
            path: String::new(),
            input: Some(Value::String(object.label())),
            output: None,
        }];
    };
    let emitted_ns = emitted.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut output = compare::normalise(&object.kind, emitted, &emitted_ns);
    compare::drop_unasked_ports(&input, &mut output);
    compare::diff(&input, &output)
}

/// Where meshc writes an object a template renders: under its own kind, namespace (none
/// when it has none) and name.
pub fn template_identity(object: &Object) -> Identity {
    Identity {
        kind: object.kind.clone(),
        namespace: object.namespace.clone().unwrap_or_default(),
        name: object.name.clone(),
    }
}

/// The differences between an object kept verbatim and what its template makes meshc
/// write: none but meshc's labels and annotation, which the comparison leaves out.
pub fn compare_template(object: &Object, emitted: Option<&Value>) -> Vec<compare::Difference> {
    let Some(emitted) = emitted else {
        return vec![compare::Difference {
            path: String::new(),
            input: Some(Value::String(object.label())),
            output: None,
        }];
    };
    let namespace = object.namespace.clone().unwrap_or_default();
    let input = compare::normalise_verbatim(&object.root.to_json(), &namespace);
    let output = compare::normalise_verbatim(emitted, &namespace);
    compare::diff(&input, &output)
}
