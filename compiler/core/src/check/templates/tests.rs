//! Templates must not decide what else is reported: the checker skips building a template
//! context when a program has no template, and these tests hold that shortcut to reporting
//! exactly what the full path reports.

use std::path::{Path, PathBuf};

use crate::render::human::{self, Color};
use crate::{analyze, Analysis, Sources};

/// A case or example as the CLI would load it: its `.mesh` files, then their imports and
/// templates, with `extra` files added in between (as if they were in the folder).
fn load(root: &Path, files: &[PathBuf], extra: &[(&str, &str)]) -> Sources {
    let mut sources = Sources::new();
    for file in files {
        let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        sources.add(name, text);
    }
    for (name, text) in extra {
        sources.add(*name, *text);
    }
    crate::modules::load_dependencies(&mut sources, &mut |name| std::fs::read_to_string(root.join(name)).ok());
    sources
}

/// Every reference, by file name and offsets and by what it refers to (ids differ when a
/// file is added), leaving out the probe template's own.
fn references(sources: &Sources, analysis: &Analysis) -> Vec<String> {
    let index = &analysis.index;
    let mut out: Vec<String> = index
        .references
        .iter()
        .map(|r| (r, &index.definitions[r.definition]))
        .filter(|(_, d)| d.kind != crate::DefKind::Template)
        .map(|(r, d)| {
            let file = &sources.get(r.span.file).name;
            format!("{file}:{}-{} -> {:?} {} {:?}", r.span.start, r.span.end, d.kind, d.name, d.container)
        })
        .collect();
    out.sort();
    out
}

/// `.mesh` files under `dir`, recursively, sorted.
fn mesh_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "mesh") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_template_changes_no_other_diagnostic_or_reference() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // (root, files): each UI case alone in its folder, each example as a whole.
    let mut programs: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    let ui = repo.join("tests/ui");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&ui)
        .expect("tests/ui")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mesh"))
        .collect();
    cases.sort();
    programs.extend(cases.into_iter().map(|case| (ui.clone(), vec![case])));
    let mut examples: Vec<PathBuf> =
        std::fs::read_dir(repo.join("examples")).expect("examples").map(|e| e.expect("entry").path()).collect();
    examples.sort();
    programs.extend(examples.into_iter().filter(|p| p.is_dir()).map(|dir| (dir.clone(), mesh_files(&dir))));
    assert!(programs.len() > 50, "expected the UI cases and the examples, found {}", programs.len());

    // A template that renders nothing: it adds no object and, by itself, no diagnostic.
    let probe = [("zz-probe.mesh", "template zz-probe \"zz-probe.yaml\"\n"), ("zz-probe.yaml", "")];
    let mut compared = 0;
    for (root, files) in &programs {
        let plain_sources = load(root, files, &[]);
        let plain = analyze(&plain_sources);
        if plain.files.iter().all(|(_, f)| f.items.is_empty()) {
            continue; // no declaration at all: the probe alone would lack a `mesh` (E0302)
        }
        let probed_sources = load(root, files, &probe);
        let probed = analyze(&probed_sources);
        let what = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
        assert_eq!(
            human::render(&plain_sources, &plain.diagnostics, Color::Never),
            human::render(&probed_sources, &probed.diagnostics, Color::Never),
            "{what}: adding a template changed the diagnostics"
        );
        assert_eq!(
            references(&plain_sources, &plain),
            references(&probed_sources, &probed),
            "{what}: adding a template changed the references"
        );
        compared += 1;
    }
    assert!(compared > 50, "only {compared} programs compared");
}

#[test]
fn environment_values_are_checked_without_templates() {
    let mut sources = Sources::new();
    sources.add(
        "a.mesh",
        "mesh shop {\n  namespace shop\n  environments dev\n}\n\ndefaults {\n  api = \"api.${nope}\"\n}\n",
    );
    let analysis = analyze(&sources);
    let codes: Vec<(&str, &str)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, sources.get(d.span.file).text.get(d.span.range()).unwrap_or_default()))
        .collect();
    assert_eq!(codes, [("E0309", "\"api.${nope}\""), ("E0105", "nope")], "{codes:?}");
}
