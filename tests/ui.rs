//! UI tests: every `tests/ui/*.mesh` case is analysed; the diagnostics must sit exactly on
//! the lines its `# ~ CODE` annotations name, and their rendering must match the reviewed
//! snapshot in `tests/ui/snapshots/` (update with `cargo insta review`).

use meshc_core::analyze;
use meshc_tests::{annotations, files_in, load_case, render, repo_root, reported};

#[test]
fn ui_cases() {
    let dir = repo_root().join("tests/ui");
    let cases = files_in(&dir, "mesh");
    assert!(!cases.is_empty(), "no UI cases found in {}", dir.display());
    let mut failures = Vec::new();
    for case in &cases {
        let sources = load_case(case);
        let analysis = analyze(&sources);
        let text = &sources.get(meshc_core::FileId(0)).text;
        let expected = annotations(text);
        let found = reported(&sources, &analysis);
        if expected != found {
            failures.push(format!(
                "{}:\n  annotated: {expected:?}\n  reported:  {found:?}\n{}",
                case.display(),
                render(&sources, &analysis)
            ));
        }
        let name = case.file_stem().expect("stem").to_string_lossy().to_string();
        insta::with_settings!({
            snapshot_path => dir.join("snapshots"),
            prepend_module_to_snapshot => false,
            description => text.as_str(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, render(&sources, &analysis));
        });
    }
    assert!(failures.is_empty(), "annotations disagree with diagnostics:\n{}", failures.join("\n"));
}

/// Codes of `meshc import` (E06xx, W06xx) come from YAML, not from `.mesh` cases:
/// `compiler/import/tests/corpus.rs` checks that its corpus produces each of them.
const IMPORT_CODES: [&str; 2] = ["E06", "W06"];

/// Every code in the registry has a UI case that produces it, so no diagnostic goes untested.
#[test]
fn every_code_has_a_ui_case() {
    let dir = repo_root().join("tests/ui");
    let mut seen = std::collections::BTreeSet::new();
    for case in files_in(&dir, "mesh") {
        let sources = load_case(&case);
        for d in analyze(&sources).diagnostics {
            seen.insert(d.code.to_string());
        }
    }
    let missing: Vec<&str> = meshc_core::codes::ALL
        .iter()
        .map(|c| c.code)
        .filter(|c| !seen.contains(*c) && !IMPORT_CODES.iter().any(|prefix| c.starts_with(prefix)))
        .collect();
    assert!(missing.is_empty(), "codes without a UI case producing them: {missing:?}");
}

/// Every code the compiler emits is in the registry (so `meshc explain` knows it).
#[test]
fn every_reported_code_is_registered() {
    let dir = repo_root().join("tests/ui");
    for case in files_in(&dir, "mesh") {
        let sources = load_case(&case);
        for d in analyze(&sources).diagnostics {
            assert!(
                meshc_core::codes::lookup(d.code).is_some(),
                "{} reports unregistered code {}",
                case.display(),
                d.code
            );
        }
    }
}
