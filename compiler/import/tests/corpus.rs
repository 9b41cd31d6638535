//! The import corpus (`tests/import/`):
//!
//! - `*.yaml`: realistic Istio YAML of every kind and API version. Each file imports without
//!   errors, its `.mesh` checks, and `verify` finds zero differences: every object is either
//!   written back identically by meshc or kept verbatim. The `.mesh` produced, the objects
//!   kept verbatim and the warnings are snapshot-tested (`tests/import/snapshots/`) so a
//!   reviewer reads what users will read.
//! - `invalid/*.yaml`: input the import rejects; the rendered errors are snapshots.
//! - `changed/*.yaml`: input the import completes or reshapes; the warnings and the
//!   differences `verify` reports are snapshots.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test -p meshc-import --test corpus` and
//! review the `.snap` diffs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use meshc_core::render::human::{self, Color};
use meshc_core::Sources;
use meshc_import::{codes, import, verify, Import, Verification};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/import")
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    files
}

/// A case as the CLI reads it, named relative to `tests/import`.
fn load(path: &Path) -> Sources {
    let mut sources = Sources::new();
    let name = path.strip_prefix(corpus()).unwrap_or(path).to_string_lossy().replace('\\', "/");
    sources.add(name, std::fs::read_to_string(path).expect("case readable"));
    sources
}

/// The import's files read back as the CLI reads what it wrote: the `.mesh` files with the
/// templates they name, and the verbatim copies.
fn written(import: &Import) -> (Sources, Sources) {
    let mut mesh = Sources::new();
    for (name, text) in &import.files {
        mesh.add(name.clone(), text.clone());
    }
    let files: Vec<(String, String)> = import.verbatim.iter().map(|v| (v.path.clone(), v.text.clone())).collect();
    meshc_core::modules::load_dependencies(&mut mesh, &mut |name| {
        files.iter().find(|(path, _)| path == name).map(|(_, text)| text.clone())
    });
    let mut kept = Sources::new();
    for verbatim in &import.verbatim {
        kept.add(verbatim.path.clone(), verbatim.text.clone());
    }
    (mesh, kept)
}

fn run(path: &Path) -> (Sources, Import, Verification) {
    let sources = load(path);
    let import = import(&sources);
    let (mesh, kept) = written(&import);
    let verification = verify(&import, &sources, &mesh, &kept);
    (sources, import, verification)
}

/// What a user sees: the `.mesh` files, what was kept verbatim, and every message.
fn transcript(sources: &Sources, import: &Import, verification: Option<&Verification>) -> String {
    let mut out = String::new();
    for (name, text) in &import.files {
        out.push_str(&format!("==> {name}\n{text}\n"));
    }
    for verbatim in &import.verbatim {
        out.push_str(&format!("==> {} (verbatim)\n", verbatim.path));
    }
    if !import.diagnostics.is_empty() {
        out.push_str("==> diagnostics\n");
        out.push_str(&human::render(sources, &import.diagnostics, Color::Never));
    }
    if !import.notes.is_empty() {
        out.push_str("==> notes\n");
        for note in &import.notes {
            out.push_str(&format!("{note}\n"));
        }
    }
    if let Some(verification) = verification {
        if !verification.reports.is_empty() {
            out.push_str("==> verify\n");
            for report in &verification.reports {
                out.push_str(&format!("{}\n", report.object));
                for difference in &report.differences {
                    out.push_str(&format!("  {difference}\n"));
                }
            }
        }
    }
    out
}

fn snapshot(name: &str, input: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => corpus().join("snapshots"),
        prepend_module_to_snapshot => false,
        description => input,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

fn stem(path: &Path, prefix: &str) -> String {
    format!("{prefix}{}", path.file_stem().expect("stem").to_string_lossy())
}

#[test]
fn every_file_round_trips_with_zero_differences() {
    let mut failures = Vec::new();
    for path in cases(&corpus()) {
        let (sources, import, verification) = run(&path);
        let rendered = human::render(&sources, &import.diagnostics, Color::Never);
        if import.has_errors() {
            failures.push(format!("{}: errors\n{rendered}", path.display()));
            continue;
        }
        let completed: Vec<&str> = import
            .diagnostics
            .iter()
            .filter(|d| d.code == codes::ASSUMED || d.code == codes::CHANGED)
            .map(|d| d.message.as_str())
            .collect();
        if !completed.is_empty() {
            failures.push(format!("{}: the import had to complete or change objects: {completed:?}", path.display()));
        }
        if !verification.passed() {
            failures.push(format!(
                "{}: verify failed\n{}",
                path.display(),
                transcript(&sources, &import, Some(&verification))
            ));
        }
        assert_eq!(verification.compared, import.objects.len());
        // The inputs are long: the snapshot names the file rather than quoting it.
        let name = &sources.get(meshc_core::FileId(0)).name;
        snapshot(&stem(&path, "import-"), &format!("tests/import/{name}"), &transcript(&sources, &import, None));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_input_is_rejected_with_its_location_object_and_field() {
    for path in cases(&corpus().join("invalid")) {
        let sources = load(&path);
        let import = import(&sources);
        assert!(import.has_errors(), "{} should be rejected", path.display());
        assert!(
            import.files.is_empty() && import.verbatim.is_empty(),
            "{}: nothing is written on errors",
            path.display()
        );
        snapshot(
            &stem(&path, "invalid-"),
            &sources.get(meshc_core::FileId(0)).text,
            &transcript(&sources, &import, None),
        );
    }
}

#[test]
fn completed_and_changed_objects_are_reported_and_verify_lists_the_differences() {
    for path in cases(&corpus().join("changed")) {
        let (sources, import, verification) = run(&path);
        assert!(!import.has_errors(), "{}", path.display());
        assert!(
            import.diagnostics.iter().any(|d| d.code == codes::ASSUMED || d.code == codes::CHANGED),
            "{}: the import should say what it completed or changed",
            path.display()
        );
        assert!(!verification.passed(), "{}: verify should report the differences", path.display());
        snapshot(
            &stem(&path, "changed-"),
            &sources.get(meshc_core::FileId(0)).text,
            &transcript(&sources, &import, Some(&verification)),
        );
    }
}

/// The codes of `meshc import` come from YAML, so the UI tests (`tests/ui/*.mesh`) cannot
/// produce them; this test does, and checks that each is registered for `meshc explain`.
#[test]
fn every_import_code_is_registered_and_produced_by_the_corpus() {
    let mut seen = BTreeSet::new();
    for dir in [corpus(), corpus().join("invalid"), corpus().join("changed")] {
        for path in cases(&dir) {
            let sources = load(&path);
            for diagnostic in import(&sources).diagnostics {
                seen.insert(diagnostic.code);
            }
        }
    }
    for code in codes::ALL {
        assert!(meshc_core::codes::lookup(code).is_some(), "{code} is not in meshc_core::codes");
        assert!(seen.contains(code), "no corpus case produces {code}");
    }
    let import_codes: Vec<&str> = meshc_core::codes::ALL
        .iter()
        .map(|c| c.code)
        .filter(|c| c.starts_with("E06") || c.starts_with("W06"))
        .collect();
    assert_eq!(import_codes, codes::ALL, "the E06xx/W06xx codes of the registry are the import's");
}

/// Documents, Istio objects, objects meshc writes back identically, objects kept verbatim:
/// the fidelity of the import on the corpus, reviewed as a snapshot.
#[test]
fn fidelity() {
    let mut out = String::from("file: documents, istio objects, imported exactly, changed, kept verbatim, skipped\n");
    let mut totals = [0usize; 6];
    for path in cases(&corpus()).into_iter().chain(cases(&corpus().join("changed"))) {
        let (sources, import, verification) = run(&path);
        let changed = import.approximate.len();
        let row = [
            import.documents,
            import.objects.len(),
            verification.identical - verification.verbatim,
            changed,
            import.verbatim.len(),
            import.skipped,
        ];
        for (total, n) in totals.iter_mut().zip(row) {
            *total += n;
        }
        let name = &sources.get(meshc_core::FileId(0)).name;
        out.push_str(&format!("{name}: {}\n", row.map(|n| n.to_string()).join(", ")));
    }
    out.push_str(&format!("total: {}\n", totals.map(|n| n.to_string()).join(", ")));
    snapshot("fidelity", "tests/import/*.yaml and tests/import/changed/*.yaml", &out);
}

#[test]
fn imports_are_deterministic_and_formatted() {
    for path in cases(&corpus()) {
        let sources = load(&path);
        let first = import(&sources);
        let second = import(&sources);
        assert_eq!(first.files, second.files, "{}", path.display());
        for (name, text) in &first.files {
            let formatted = meshc_syntax::format::format(text).expect("the .mesh parses");
            assert_eq!(&formatted, text, "{}: {name} is not in `meshc fmt` layout", path.display());
        }
    }
}

/// Importing what meshc writes, for every example and environment, gives back a program
/// that writes the same objects, none kept verbatim.
#[test]
fn meshc_output_imports_back_exactly() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for example in ["biometrics", "canary"] {
        let dir = examples.join(example);
        let mut project = Sources::new();
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(&dir).expect("example dir").map(|e| e.expect("entry").path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "mesh")) {
            project.add(
                path.file_name().expect("name").to_string_lossy(),
                std::fs::read_to_string(path).expect("readable"),
            );
        }
        meshc_core::modules::load_dependencies(&mut project, &mut |name| std::fs::read_to_string(dir.join(name)).ok());
        let analysis = meshc_core::analyze(&project);
        assert!(!analysis.has_errors(), "examples/{example} checks");
        for env in meshc_istio::emit(&analysis, &[]) {
            let mut yaml = Sources::new();
            for file in &env.files {
                yaml.add(format!("{example}/{}/{}", env.env, file.path), file.contents.clone());
            }
            let import = import(&yaml);
            assert!(!import.has_errors(), "{example}/{}", env.env);
            let (mesh, kept) = written(&import);
            let verification = verify(&import, &yaml, &mesh, &kept);
            let transcript = transcript(&yaml, &import, Some(&verification));
            assert!(verification.passed(), "{example}/{}:\n{transcript}", env.env);
            assert!(import.verbatim.is_empty(), "{example}/{}:\n{transcript}", env.env);
        }
    }
}

/// Damaged input (every corpus file cut short at many points, or with a line dropped) gets
/// diagnostics or an import, never a panic.
#[test]
fn damaged_input_never_panics() {
    for path in cases(&corpus()) {
        let text = std::fs::read_to_string(&path).expect("readable");
        let step = (text.len() / 40).max(1);
        let mut variants: Vec<String> = (1..text.len())
            .step_by(step)
            .filter(|&cut| text.is_char_boundary(cut))
            .map(|cut| text[..cut].to_string())
            .collect();
        let lines: Vec<&str> = text.lines().collect();
        for drop in (0..lines.len()).step_by((lines.len() / 20).max(1)) {
            let mut kept = lines.clone();
            kept.remove(drop);
            variants.push(kept.join("\n"));
        }
        for variant in variants {
            let mut sources = Sources::new();
            sources.add("damaged.yaml", variant);
            let import = import(&sources);
            if !import.has_errors() {
                let (mesh, kept) = written(&import);
                let verification = verify(&import, &sources, &mesh, &kept);
                assert!(
                    !verification.diagnostics.iter().any(meshc_core::Diagnostic::is_error),
                    "{}: an import that succeeds writes a program that checks",
                    path.display()
                );
            }
        }
    }
}
