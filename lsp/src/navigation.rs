//! Go to definition, find references and rename, all answered from the analysis index
//! (`meshc_core::index`): the checker records every definition and every resolved reference,
//! so navigation knows exactly what the compiler resolved, across files.

use std::collections::HashMap;

use meshc_core::ast::Item;
use meshc_core::{DefKind, Definition, FileId, Span};
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
    spans.extend(shared_account_statements(snapshot, def));
    spans.sort();
    spans.dedup();
    spans.into_iter().filter_map(|s| snapshot.location(s)).collect()
}

/// For an account, the `account NAME` statements of the other services that run as it: the
/// index defines an account once, at its first service, and the others name it again.
fn shared_account_statements(snapshot: &Snapshot, def: usize) -> Vec<Span> {
    let Some(d) = snapshot.analysis.index.definitions.get(def).filter(|d| d.kind == DefKind::Account) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    for (_, tree) in &snapshot.analysis.files {
        for item in &tree.items {
            if let Item::Service(service) = item {
                if let Some(account) = service.account.as_ref().filter(|a| a.node == d.name && a.span != d.span) {
                    spans.push(account.span);
                }
            }
        }
    }
    spans
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
    // Definitions declared by the same name are one name: a service without an `account`
    // runs as an account of its own name, so renaming it renames `from account NAME` too.
    let same: Vec<usize> = (0..index.definitions.len()).filter(|&i| index.definitions[i].span == d.span).collect();
    let mut spans: Vec<Span> = std::iter::once(d.span)
        .chain(same.iter().flat_map(|&i| index.references_to(i)).map(|r| r.span))
        .chain(same.iter().flat_map(|&i| shared_account_statements(snapshot, i)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Entry, Key};

    const PROGRAM: &str = "mesh m { namespace m  environments dev }\n\
                           defaults { wait = 5s }\n\
                           env dev { }\n\
                           service api { port http 80  versions v1 }\n\
                           route api { hosts api  any -> api@v1:http { timeout $wait } }\n";

    fn snapshot() -> Snapshot {
        let mut sources = meshc_core::Sources::new();
        sources.add("main.mesh", PROGRAM);
        let uri: Uri = "untitled:main.mesh".parse().expect("uri");
        Snapshot::build(sources, vec![Entry { key: Key::of(&uri), uri: Some(uri), version: Some(1) }])
    }

    fn at(needle: &str, delta: usize) -> usize {
        PROGRAM.find(needle).expect("needle") + delta
    }

    #[test]
    fn value_references_are_renamed_without_their_dollar() {
        let s = snapshot();
        assert!(s.analysis.diagnostics.is_empty(), "{:?}", s.analysis.diagnostics);
        let file = FileId(0);
        let (range, name) = prepare_rename(&s, file, at("$wait", 2)).expect("a value reference");
        assert_eq!(name, "wait");
        assert_eq!(
            range.start.character as usize,
            at("$wait", 1) - PROGRAM[..at("$wait", 0)].rfind('\n').map_or(0, |i| i + 1)
        );
        let edit = rename(&s, file, at("$wait", 2), "delay").expect("an edit");
        let edits = edit.changes.expect("changes").into_values().next().expect("one file");
        assert_eq!(edits.len(), 2, "the declaration and the reference");
        assert!(edits.iter().all(|e| e.new_text == "delay"));
    }

    #[test]
    fn definition_and_references_of_a_version() {
        let s = snapshot();
        let def = definition_at(&s, FileId(0), at("@v1", 1)).expect("a version");
        let location = definition(&s, def).expect("a location");
        assert_eq!(location.range.start.line, 3);
        assert_eq!(references(&s, def, true).len(), 2);
        assert_eq!(references(&s, def, false).len(), 1);
        assert_eq!(definition_at(&s, FileId(0), at("timeout", 1)), None);
    }

    #[test]
    fn renaming_a_service_renames_its_implicit_account_and_shared_accounts_move_together() {
        let text = "mesh m { namespace m }\n\
                    service a { port http 80  account shared }\n\
                    service b { port http 81  account shared }\n\
                    service c { port http 82 }\n\
                    policy a { allow from account shared, account c }\n";
        let mut sources = meshc_core::Sources::new();
        sources.add("main.mesh", text);
        let uri: Uri = "untitled:main.mesh".parse().expect("uri");
        let s = Snapshot::build(sources, vec![Entry { key: Key::of(&uri), uri: Some(uri), version: Some(1) }]);
        let count = |offset: usize| {
            let edit = rename(&s, FileId(0), offset, "x").expect("an edit");
            edit.changes.expect("changes").into_values().next().map_or(0, |edits| edits.len())
        };
        // `shared`: both services' statements and the policy.
        assert_eq!(count(text.find("shared,").expect("policy")), 3);
        // `c`: the service and `account c` in the policy.
        assert_eq!(count(text.find("service c").expect("c") + 8), 2);
    }

    #[test]
    fn new_names_must_be_identifiers() {
        assert_eq!(invalid_name("checkout-v2"), None);
        assert_eq!(invalid_name("_x"), None);
        for bad in ["", "1a", "a b", "a->b", "é", "a.b"] {
            assert!(invalid_name(bad).is_some(), "{bad:?}");
        }
    }
}
