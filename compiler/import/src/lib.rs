//! `meshc import`: Istio YAML in, idiomatic `.mesh` out, and the proof that nothing was lost.
//!
//! The pipeline, all pure (the CLI reads and writes the files):
//!
//! 1. [`objects::read`]: every YAML document of every input, with spans; Istio objects are
//!    checked against Istio's schemas ([`schema`]), other objects set aside (some still say
//!    something useful: Kubernetes Services give ports, Deployments service accounts).
//! 2. [`lift::lift`]: objects → `.mesh` declarations ([`program`]).
//! 3. The program is checked by `meshc_core::analyze` and lowered by `meshc_istio::emit`,
//!    and every object meshc writes is compared with the input object it stands for
//!    ([`compare`]). An object the language cannot express — the lifter says why, the
//!    checker rejects its declaration, or meshc would write something else — is kept
//!    verbatim instead, with a warning naming the field, and the program is lifted again
//!    without it, until everything left round-trips exactly.
//!
//! [`verify`] repeats step 3 on the files as written, for `meshc import --verify`.

pub mod codes;
pub mod compare;
pub mod lift;
pub mod objects;
pub mod paths;
pub mod program;
pub mod schema;
mod verify;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use meshc_core::{Diagnostic, Sources};
use serde_json::Value;

pub use lift::{Cannot, Identity};
use objects::{ObjId, Object};
pub use verify::{verify, ObjectReport, Verification};

/// An object kept as it was written, in `unsupported/`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verbatim {
    pub object: ObjId,
    /// Relative to the output directory: `unsupported/virtualservice-api.yaml`.
    pub path: String,
    pub text: String,
    pub why: Cannot,
}

/// Everything one import found and produced.
#[derive(Debug, Default)]
pub struct Import {
    /// Errors (invalid input) and warnings; spans point into the input sources.
    pub diagnostics: Vec<Diagnostic>,
    /// Informational lines: objects skipped, objects renamed.
    pub notes: Vec<String>,
    /// The `.mesh` files to write, relative to the output directory.
    pub files: Vec<(String, String)>,
    pub verbatim: Vec<Verbatim>,
    /// The Istio objects of the input.
    pub objects: Vec<Object>,
    /// The object meshc writes for each imported object.
    pub expected: BTreeMap<ObjId, Identity>,
    /// Objects imported as a construct whose output differs from them.
    pub approximate: BTreeSet<ObjId>,
    /// Objects meshc writes that no input object stands for, and why.
    pub added: Vec<(Identity, String)>,
    /// The mesh namespace chosen.
    pub namespace: String,
    /// Documents read, and the non-Istio ones among them.
    pub documents: usize,
    pub skipped: usize,
}

impl Import {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The first line of every `.mesh` file an import writes.
pub const HEADER: &str =
    "# Written by `meshc import`; from now on, this is the source of the mesh's Istio configuration.";

/// Imports every document of `sources` (YAML files).
pub fn import(sources: &Sources) -> Import {
    let read = objects::read(sources);
    let mut out = Import {
        documents: read.istio.len() + read.other.len(),
        skipped: read.other.len(),
        diagnostics: read.diagnostics,
        ..Import::default()
    };
    for other in &read.other {
        let (line, _) = sources.line_col(other.file, other.span.start as usize);
        let name = match &other.namespace {
            Some(ns) => format!("{ns}/{}", other.name),
            None => other.name.clone(),
        };
        let api =
            if other.group.is_empty() { other.version.clone() } else { format!("{}/{}", other.group, other.version) };
        let used = match (other.group.as_str(), other.kind.as_str()) {
            ("", "Service") => " (read for its ports)",
            ("apps", "Deployment" | "StatefulSet" | "DaemonSet") => " (read for its service account)",
            ("install.istio.io", "IstioOperator") => " (read for its extension providers)",
            ("", "ConfigMap") if other.name == "istio" => " (read for its extension providers)",
            _ => "",
        };
        out.notes.push(format!(
            "{}:{line}: skipped {api} {} `{name}`: not an Istio object{used}",
            sources.get(other.file).name,
            other.kind
        ));
    }
    if out.has_errors() {
        return out;
    }
    let hints = lift::hints::read(&read.other);
    let objects = read.istio;
    let mut fallen: BTreeMap<ObjId, Cannot> = BTreeMap::new();
    // Every round either finishes or keeps at least one more object verbatim.
    for _ in 0..=objects.len() + 1 {
        let keys: BTreeSet<ObjId> = fallen.keys().copied().collect();
        let lifted = lift::lift(&objects, &hints, &keys);
        if !lifted.unsupported.is_empty() {
            for (id, why) in lifted.unsupported {
                fallen.entry(id).or_insert(why);
            }
            continue;
        }
        match round_trip(&objects, &lifted) {
            Ok(changed) => {
                finish(&mut out, sources, &objects, lifted, &fallen, changed);
                out.objects = objects;
                return out;
            }
            Err(found) => {
                let before = fallen.len();
                for (id, why) in found {
                    fallen.entry(id).or_insert(why);
                }
                if fallen.len() == before {
                    // Nothing left to blame: keep everything verbatim rather than loop.
                    for id in 0..objects.len() {
                        fallen.entry(id).or_insert_with(|| lift::cannot("", "the import could not express it"));
                    }
                }
            }
        }
    }
    out.objects = objects;
    out
}

/// The differences of each object imported as a construct that changes it.
type Changed = BTreeMap<ObjId, Vec<compare::Difference>>;

/// Checks the lifted program and compares what meshc writes with the input; the objects
/// that do not come back unchanged, and why.
fn round_trip(objects: &[Object], lifted: &lift::Lifted) -> Result<Changed, Vec<(ObjId, Cannot)>> {
    let (printed, decls) = lifted.program.print();
    let mut sources = Sources::new();
    sources.add("import.mesh", printed.text.clone());
    let analysis = meshc_core::analyze(&sources);
    let mut failed: Vec<(ObjId, Cannot)> = Vec::new();
    let mut changed = Changed::new();
    for error in analysis.diagnostics.iter().filter(|d| d.is_error()) {
        let at = error.span.start as usize;
        if let Some(i) = printed.ranges.iter().position(|r| r.contains(&at)) {
            let line = printed.text[printed.ranges[i].clone()]
                .lines()
                .nth(printed.text[printed.ranges[i].start..at].matches('\n').count())
                .unwrap_or_default()
                .trim();
            for &id in &decls[i].objects {
                failed.push((id, lift::cannot("", format!("meshc rejects `{line}`: {}", error.message))));
            }
        }
    }
    if !analysis.diagnostics.iter().any(Diagnostic::is_error) {
        let emitted = emitted(&analysis);
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
                failed.push((id, lift::cannot(first.path.clone(), why)));
            }
        }
    } else if failed.is_empty() {
        return Err(Vec::new());
    }
    if failed.is_empty() {
        Ok(changed)
    } else {
        Err(failed)
    }
}

/// What meshc writes for a checked program, by identity, as JSON read back from its YAML.
pub(crate) fn emitted(analysis: &meshc_core::Analysis) -> BTreeMap<Identity, Value> {
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
pub(crate) fn compare_object(
    object: &Object,
    mesh_namespace: &str,
    emitted: Option<&Value>,
) -> Vec<compare::Difference> {
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

fn finish(
    out: &mut Import,
    sources: &Sources,
    objects: &[Object],
    lifted: lift::Lifted,
    fallen: &BTreeMap<ObjId, Cannot>,
    changed: Changed,
) {
    out.namespace = lifted.namespace.clone();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (&id, why) in fallen {
        let object = &objects[id];
        let kind = object.kind.to_ascii_lowercase();
        // Objects of one kind and name in several namespaces (or given twice) get distinct files.
        let ns = object.namespace.clone().unwrap_or_default();
        let mut path = format!("unsupported/{kind}-{}.yaml", object.name);
        let mut n = 1;
        while !used.insert(path.clone()) {
            n += 1;
            path = if n == 2 && !ns.is_empty() {
                format!("unsupported/{kind}-{ns}-{}.yaml", object.name)
            } else {
                format!("unsupported/{kind}-{}-{n}.yaml", object.name)
            };
        }
        let source = sources.get(object.file);
        let (line, column) = sources.line_col(object.file, object.span.start as usize);
        let body = dedent(source.text.get(object.span.range()).unwrap_or_default().trim_end(), column - 1);
        let field = if why.path.is_empty() { String::new() } else { format!("`{}`: ", why.path) };
        let text = format!(
            "# Kept verbatim by `meshc import` (from {}:{line}): {field}{}\n{body}\n",
            source.name,
            one_line(&why.reason)
        );
        let span = if why.path.is_empty() { object.head() } else { paths::span(object, &why.path) };
        let message = if why.path.is_empty() {
            format!("{} has no .mesh form: kept verbatim", object.label())
        } else {
            format!("`{}` of {} has no .mesh form: the object is kept verbatim", why.path, object.label())
        };
        let label = label_of(&why.reason);
        let mut d = Diagnostic::warning(codes::KEPT_VERBATIM, span, message).with_span_label(label.clone());
        if label != why.reason {
            d = d.with_note(why.reason.clone());
        }
        out.diagnostics.push(d.with_note(format!("written as it is to `{path}`; apply it beside meshc's output")));
        out.verbatim.push(Verbatim { object: id, path, text, why: why.clone() });
    }
    for (id, differences) in changed {
        let object = &objects[id];
        let mut d = Diagnostic::warning(
            codes::CHANGED,
            object.head(),
            format!("{} is imported as a construct that changes it", object.label()),
        )
        .with_span_label(match differences.len() {
            1 => "1 difference with what meshc writes for it".to_string(),
            n => format!("{n} differences with what meshc writes for it"),
        });
        for difference in &differences {
            d = d.with_note(difference.describe());
        }
        out.diagnostics.push(d);
    }
    for (&id, identity) in &lifted.expected {
        let object = &objects[id];
        let metadata = object.root.get("metadata");
        let mut dropped: Vec<String> = Vec::new();
        for (field, keys) in
            [("labels", compare::BOOKKEEPING_LABELS), ("annotations", compare::BOOKKEEPING_ANNOTATIONS)]
        {
            for entry in metadata.and_then(|m| m.get(field)).map(yaml::Node::entries).unwrap_or_default() {
                if keys.contains(&entry.key.as_str()) && !entry.key.starts_with("meshc.dev/") {
                    dropped.push(format!("`{}`", entry.key));
                }
            }
        }
        if !dropped.is_empty() {
            let (line, _) = sources.line_col(object.file, object.span.start as usize);
            out.notes.push(format!(
                "{}:{line}: {} is imported without {}: they record which tool deployed it, and meshc records itself",
                sources.get(object.file).name,
                object.label(),
                dropped.join(", ")
            ));
        }
        if identity.name != object.name {
            let (line, _) = sources.line_col(object.file, object.span.start as usize);
            out.notes.push(format!(
                "{}:{line}: {} is written as `{}/{}` (meshc names its objects after their declarations)",
                sources.get(object.file).name,
                object.label(),
                identity.namespace,
                identity.name
            ));
        }
    }
    out.diagnostics.extend(lifted.warnings);
    out.diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    out.files = lifted.program.files(HEADER);
    out.expected = lifted.expected;
    out.approximate = lifted.approximate;
    out.added = lifted.added;
}

/// A reason short enough for a span label: the reason itself, or its first clause.
fn label_of(reason: &str) -> String {
    if reason.chars().count() <= 100 {
        return reason.to_string();
    }
    let first = reason.split([';', ':']).next().unwrap_or(reason);
    first.chars().take(100).collect()
}

/// The text of an object that starts at column `column` (an item of a `List`), moved to
/// column 0: its first line starts there already, the others lose that much indentation.
fn dedent(text: &str, column: usize) -> String {
    let mut lines = text.split('\n');
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        let indent = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&line[indent.min(column)..]);
    }
    out
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}
