//! Quick fixes: each diagnostic's machine-applicable suggestion ("did you mean `v1`?") as a
//! code action that replaces the span, possibly in another file.

use std::collections::HashMap;

use meshc_core::FileId;
use tower_lsp_server::ls_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use crate::diagnostics::to_lsp;
use crate::snapshot::Snapshot;

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The fixes of the diagnostics of `file` that touch `range`.
pub fn quick_fixes(snapshot: &Snapshot, file: FileId, range: Range) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in snapshot.analysis.diagnostics.iter().filter(|d| d.span.file == file) {
        let Some(suggestion) = &d.suggestion else { continue };
        let diagnostic = to_lsp(snapshot, d);
        if !overlaps(diagnostic.range, range) {
            continue;
        }
        let Some(uri) = snapshot.uri(suggestion.span.file) else { continue };
        let edit = TextEdit::new(snapshot.range(suggestion.span), suggestion.replacement.clone());
        let title = if suggestion.replacement.is_empty() {
            format!("Remove ({})", suggestion.message)
        } else {
            format!("Replace with `{}` ({})", suggestion.replacement, suggestion.message)
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic]),
            edit: Some(WorkspaceEdit::new(HashMap::from([(uri.clone(), vec![edit])]))),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    out
}
