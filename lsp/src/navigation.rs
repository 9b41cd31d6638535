//! Go to definition, find references and rename, all answered from the analysis index
//! (`meshc_core::index`): the checker records every definition and every resolved reference,
//! so navigation knows exactly what the compiler resolved, across files.

use std::collections::HashMap;

use meshc_core::{Definition, FileId, Span};
use tower_lsp_server::ls_types::{Location, Range, TextEdit, Uri, WorkspaceEdit};

use crate::snapshot::Snapshot;

/// The definition named at `offset` of `file`: its index.
pub fn definition_at(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<usize> {
    snapshot.analysis.index.definition_at(file, offset)
}

pub fn definition(snapshot: &Snapshot, def: usize) -> Option<Location> {
    let d = snapshot.analysis.index.definitions.get(def)?;
    snapshot.location(d.span)
}

pub fn references(snapshot: &Snapshot, def: usize, include_declaration: bool) -> Vec<Location> {
    let index = &snapshot.analysis.index;
    let mut spans: Vec<Span> = Vec::new();
    if include_declaration {
        spans.extend(index.definitions.get(def).map(|d| d.span));
    }
    spans.extend(index.references_to(def).map(|r| r.span));
    spans.sort();
    spans.dedup();
    spans.into_iter().filter_map(|s| snapshot.location(s)).collect()
}

/// The part of `span` that is the name itself: a `$name` reference spans the `$` too.
fn name_span(snapshot: &Snapshot, span: Span, name: &str) -> Option<Span> {
    let text = snapshot.slice(span);
    if text == name {
        return Some(span);
    }
    text.ends_with(name).then(|| Span { start: span.end - name.len() as u32, ..span })
}

/// The range to rename at `offset` and the current name, if a renamable name is there.
pub fn prepare_rename(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<(Range, String)> {
    let index = &snapshot.analysis.index;
    let def = definition_at(snapshot, file, offset)?;
    let d: &Definition = index.definitions.get(def)?;
    let at = index
        .references
        .iter()
        .find(|r| r.span.file == file && r.span.contains(offset))
        .map(|r| r.span)
        .unwrap_or(d.span);
    let span = name_span(snapshot, at, &d.name)?;
    Some((snapshot.range(span), d.name.clone()))
}

/// Why `name` cannot be a new name, if it cannot: it must be an identifier of the grammar.
pub fn invalid_name(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = name.chars().skip(1).all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || name.contains("->") {
        return Some(format!(
            "`{name}` is not a name: start with a letter or `_`, then use letters, digits, `_` and `-`"
        ));
    }
    None
}

/// Every occurrence of the definition at `offset` (declaration and references, in every
/// file of the project) replaced by `new_name`.
pub fn rename(snapshot: &Snapshot, file: FileId, offset: usize, new_name: &str) -> Option<WorkspaceEdit> {
    let index = &snapshot.analysis.index;
    let def = definition_at(snapshot, file, offset)?;
    let d = index.definitions.get(def)?;
    let mut spans: Vec<Span> = std::iter::once(d.span)
        .chain(index.references_to(def).map(|r| r.span))
        .filter_map(|s| name_span(snapshot, s, &d.name))
        .collect();
    spans.sort();
    spans.dedup();
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for span in spans {
        if let Some(uri) = snapshot.uri(span.file) {
            changes.entry(uri.clone()).or_default().push(TextEdit::new(snapshot.range(span), new_name.to_string()));
        }
    }
    Some(WorkspaceEdit::new(changes))
}
