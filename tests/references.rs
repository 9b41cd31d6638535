//! Every reference in the examples, misspelled, gives an error at that spot suggesting the
//! right name; and no truncation or corruption of an example makes the compiler panic.

use meshc_core::{analyze, DefKind, Sources};
use meshc_tests::{load_project, repo_root};

/// Misspells a name the way people do: two neighbouring letters swapped, one dropped, or
/// (for short names like `v2`, where a dropped letter leaves `v` equally near `v1` and
/// `v3`) one typed twice.
fn misspell(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 4 {
        let last = chars[chars.len() - 1];
        return format!("{name}{last}");
    }
    {
        let mut swapped = chars.clone();
        swapped.swap(1, 2);
        let s: String = swapped.into_iter().collect();
        if s != name {
            return s;
        }
    }
    let mut dropped = chars;
    dropped.remove(dropped.len() / 2);
    dropped.into_iter().collect()
}

#[test]
fn misspelled_references_are_located_and_corrected() {
    let mut checked = std::collections::BTreeMap::<DefKind, usize>::new();
    for example in ["biometrics", "canary"] {
        let dir = repo_root().join("examples").join(example);
        let sources = load_project(&dir);
        let analysis = analyze(&sources);
        assert!(!analysis.has_errors());
        for reference in &analysis.index.references {
            let definition = &analysis.index.definitions[reference.definition];
            if !matches!(
                definition.kind,
                DefKind::Service
                    | DefKind::Version
                    | DefKind::Port
                    | DefKind::Account
                    | DefKind::Gateway
                    | DefKind::External
                    | DefKind::Value
            ) {
                continue;
            }
            let file = sources.get(reference.span.file);
            let original = &file.text[reference.span.range()];
            let name = original.trim_start_matches('$');
            if name.len() < 2 {
                continue;
            }
            let typo = misspell(name);
            let mut text = file.text.clone();
            let start = reference.span.start as usize + (original.len() - name.len());
            text.replace_range(start..start + name.len(), &typo);
            let mut mutated = Sources::new();
            for (id, f) in sources.iter() {
                mutated.add(f.name.clone(), if id == reference.span.file { text.clone() } else { f.text.clone() });
            }
            let result = analyze(&mutated);
            let at_spot = result.diagnostics.iter().find(|d| {
                d.is_error()
                    && d.span.file == reference.span.file
                    && (d.span.start as usize) <= start
                    && start < d.span.end as usize + 1
            });
            let line = mutated.line_col(reference.span.file, start).0;
            let diagnostic = at_spot.unwrap_or_else(|| {
                panic!(
                    "{example}: `{name}` → `{typo}` at {}:{line} gives no error there: {:#?}",
                    file.name, result.diagnostics
                )
            });
            let suggestion = diagnostic.suggestion.as_ref().unwrap_or_else(|| {
                panic!(
                    "{example}: `{typo}` at {}:{line} ({}) has no suggestion: {diagnostic:#?}",
                    file.name,
                    definition.kind.describe()
                )
            });
            assert!(
                suggestion.replacement.trim_start_matches('$') == name,
                "{example}: `{typo}` at {}:{line} suggests `{}` instead of `{name}`",
                file.name,
                suggestion.replacement
            );
            *checked.entry(definition.kind).or_default() += 1;
        }
    }
    for kind in [DefKind::Service, DefKind::Version, DefKind::Port, DefKind::Account, DefKind::Gateway, DefKind::Value]
    {
        assert!(
            checked.get(&kind).copied().unwrap_or(0) > 0,
            "no {} reference was checked: {checked:?}",
            kind.describe()
        );
    }
}

#[test]
fn truncated_and_corrupted_examples_never_panic() {
    for example in ["biometrics", "canary"] {
        let dir = repo_root().join("examples").join(example);
        let sources = load_project(&dir);
        for (_, file) in sources.iter() {
            let text = &file.text;
            let cuts: Vec<usize> = (0..text.len()).step_by(37).filter(|i| text.is_char_boundary(*i)).collect();
            for &cut in &cuts {
                let mut truncated = Sources::new();
                truncated.add(file.name.clone(), &text[..cut]);
                let _ = analyze(&truncated);
                let mut corrupted = Sources::new();
                let mut bytes = text.clone();
                bytes.insert_str(cut, "}{\"$@:-> 999999999999 %");
                corrupted.add(file.name.clone(), bytes);
                let _ = analyze(&corrupted);
            }
        }
    }
}
