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
//!    ([`round_trip`], [`compare`]). An object the language cannot express — the lifter
//!    says why, the checker rejects its declaration, or meshc would write something else —
//!    is kept verbatim instead ([`kept`]: the language's escape hatch, a `template` that
//!    writes the object as it was), with a warning naming the field, and the program is
//!    lifted again without it, until everything round-trips exactly.
//!
//! [`verify`] repeats step 3 on the files as written, for `meshc import --verify`.

pub mod codes;
pub mod compare;
pub mod kept;
pub mod lift;
pub mod objects;
pub mod paths;
pub mod program;
mod round_trip;
pub mod schema;
mod verify;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use meshc_core::{Diagnostic, Sources};

pub use kept::Verbatim;
pub use lift::{Cannot, Identity};
use objects::{ObjId, Object};
pub use verify::{verify, ObjectReport, Verification};

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
    let mut plain: BTreeSet<ObjId> = BTreeSet::new();
    // Every round either finishes or keeps one more object verbatim (or one more verbatim
    // object out of templates), so this many rounds always reach the end.
    for _ in 0..=2 * objects.len() + 1 {
        let keys: BTreeSet<ObjId> = fallen.keys().copied().collect();
        let mut lifted = lift::lift(&objects, &hints, &keys);
        if !lifted.unsupported.is_empty() {
            for (id, why) in lifted.unsupported {
                fallen.entry(id).or_insert(why);
            }
            continue;
        }
        let kept = kept::files(sources, &objects, &fallen, &plain);
        lifted.program.decls.extend(kept::declarations(&kept));
        match round_trip::run(&objects, &lifted, &kept) {
            Ok(changed) => {
                finish(&mut out, sources, &objects, lifted, kept, changed);
                out.objects = objects;
                return out;
            }
            Err(failed) => {
                for (id, why) in failed.objects {
                    fallen.entry(id).or_insert(why);
                }
                plain.extend(failed.plain);
            }
        }
    }
    // Unreachable in practice (see the bound above); if it is reached, nothing is written
    // rather than something unproven.
    out.objects = objects;
    out
}

fn finish(
    out: &mut Import,
    sources: &Sources,
    objects: &[Object],
    lifted: lift::Lifted,
    kept: Vec<Verbatim>,
    changed: round_trip::Changed,
) {
    out.namespace = lifted.namespace.clone();
    for verbatim in &kept {
        let object = &objects[verbatim.object];
        let why = &verbatim.why;
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
        let written = match &verbatim.template {
            Some(name) => format!("written as it is to `{}`, which `template {name}` makes meshc write", verbatim.path),
            None => format!("written as it is to `{}`: apply it beside meshc's output", verbatim.path),
        };
        out.diagnostics.push(d.with_note(written));
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
        let (line, _) = sources.line_col(object.file, object.span.start as usize);
        let file = &sources.get(object.file).name;
        if !dropped.is_empty() {
            out.notes.push(format!(
                "{file}:{line}: {} is imported without {}: they record which tool deployed it, and meshc records itself",
                object.label(),
                dropped.join(", ")
            ));
        }
        if identity.name != object.name {
            out.notes.push(format!(
                "{file}:{line}: {} is written as `{}/{}` (meshc names its objects after their declarations)",
                object.label(),
                identity.namespace,
                identity.name
            ));
        }
    }
    out.diagnostics.extend(lifted.warnings);
    out.diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    out.files = lifted.program.files(HEADER);
    out.verbatim = kept;
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
