//! The compiler's diagnostics as LSP diagnostics: one conversion, grouped per file. Labels
//! that point elsewhere (possibly into other files) become related information; notes and
//! the "did you mean" help follow the message, as in the terminal output.

use meshc_core::{Diagnostic, FileId, Severity};
use tower_lsp_server::ls_types::{self as lsp, DiagnosticRelatedInformation, NumberOrString};

use crate::snapshot::Snapshot;

pub fn to_lsp(snapshot: &Snapshot, d: &Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.span_label.is_empty() {
        message.push_str(": ");
        message.push_str(&d.span_label);
    }
    for note in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(suggestion) = &d.suggestion {
        message.push_str("\nhelp: ");
        message.push_str(&suggestion.message);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: snapshot.location(label.span)?,
                message: label.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: snapshot.range(d.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("meshc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}

/// Every file of the snapshot with its diagnostics (empty lists included, so a file whose
/// problems were fixed gets cleared).
pub fn by_file(snapshot: &Snapshot) -> Vec<(FileId, Vec<lsp::Diagnostic>)> {
    let mut out: Vec<(FileId, Vec<lsp::Diagnostic>)> =
        (0..snapshot.entries.len()).map(|i| (FileId(i as u32), Vec::new())).collect();
    for d in &snapshot.analysis.diagnostics {
        if let Some((_, list)) = out.get_mut(d.span.file.0 as usize) {
            list.push(to_lsp(snapshot, d));
        }
    }
    out
}
