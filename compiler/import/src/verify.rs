//! `meshc import --verify`: the written `.mesh` files are checked and built as `meshc build`
//! would, and every input object is compared with what meshc writes for it (or with its
//! verbatim copy), field by field, after the normalisations of [`crate::compare`].

use meshc_core::{Diagnostic, Sources};

use crate::objects::Object;
use crate::{compare, yaml, Import};

/// One object with differences, or an object meshc writes that the input does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectReport {
    /// `VirtualService `shop/api` (routes.yaml:3)`.
    pub object: String,
    pub differences: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Verification {
    /// Diagnostics of the written `.mesh` files (spans in the `written` sources).
    pub diagnostics: Vec<Diagnostic>,
    pub reports: Vec<ObjectReport>,
    /// Objects compared, those found identical, those kept verbatim.
    pub compared: usize,
    pub identical: usize,
    pub verbatim: usize,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.reports.is_empty() && !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Verifies an import: `inputs` are the YAML files it read, `written` the `.mesh` files and
/// `kept` the verbatim copies, as read back from the output directory (named as in
/// [`Import::files`] and [`crate::Verbatim::path`]).
pub fn verify(import: &Import, inputs: &Sources, written: &Sources, kept: &Sources) -> Verification {
    let analysis = meshc_core::analyze(written);
    let mut out = Verification { diagnostics: analysis.diagnostics.clone(), ..Verification::default() };
    if analysis.has_errors() {
        return out;
    }
    let emitted = crate::round_trip::emitted(&analysis);
    let mut claimed = std::collections::BTreeSet::new();
    for (id, object) in import.objects.iter().enumerate() {
        out.compared += 1;
        let where_ = location(inputs, object);
        if let Some(verbatim) = import.verbatim.iter().find(|v| v.object == id) {
            out.verbatim += 1;
            let differences = match &verbatim.template {
                // Written by meshc, through its template: compared like the rest.
                Some(_) => {
                    let identity = crate::round_trip::template_identity(object);
                    claimed.insert(identity.clone());
                    crate::round_trip::compare_template(object, emitted.get(&identity))
                        .iter()
                        .map(compare::Difference::describe)
                        .collect()
                }
                None => {
                    let copy = kept.find(&verbatim.path).map(|file| yaml::read(file, &kept.get(file).text));
                    let same = copy.is_some_and(|(documents, _)| {
                        documents.first().is_some_and(|d| {
                            compare::without_server_fields(&d.root.to_json())
                                == compare::without_server_fields(&object.root.to_json())
                        })
                    });
                    if same {
                        Vec::new()
                    } else {
                        vec![format!("`{}` does not hold this object as it was written", verbatim.path)]
                    }
                }
            };
            if differences.is_empty() {
                out.identical += 1;
            } else {
                out.reports.push(ObjectReport { object: where_, differences });
            }
            continue;
        }
        let Some(identity) = import.expected.get(&id) else { continue };
        claimed.insert(identity.clone());
        let differences = crate::round_trip::compare_object(object, &import.namespace, emitted.get(identity));
        if differences.is_empty() {
            out.identical += 1;
        } else {
            out.reports.push(ObjectReport {
                object: where_,
                differences: differences.iter().map(compare::Difference::describe).collect(),
            });
        }
    }
    for (identity, _) in emitted.iter().filter(|(identity, _)| !claimed.contains(*identity)) {
        let why = import.added.iter().find(|(i, _)| i == identity).map_or("", |(_, why)| why.as_str());
        out.reports.push(ObjectReport {
            object: format!("{} `{}/{}`", identity.kind, identity.namespace, identity.name),
            differences: vec![if why.is_empty() {
                "meshc writes this object; the input does not have it".to_string()
            } else {
                format!("meshc writes this object; the input does not have it ({why})")
            }],
        });
    }
    out
}

fn location(sources: &Sources, object: &Object) -> String {
    let (line, _) = sources.line_col(object.file, object.span.start as usize);
    format!("{} ({}:{line})", object.label(), sources.get(object.file).name)
}
