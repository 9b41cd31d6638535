//! The examples: each builds without errors or warnings, its output for every environment
//! matches the reviewed snapshot, and Istio's own CRD schemas accept every document.

use meshc_core::analyze;
use meshc_tests::{assert_valid_istio, load_project, render, repo_root, scratch_dir};

fn example_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "expected at least two examples");
    dirs
}

#[test]
fn examples_build_cleanly_and_match_snapshots() {
    for dir in example_dirs() {
        let sources = load_project(&dir);
        let analysis = analyze(&sources);
        assert!(analysis.diagnostics.is_empty(), "{} has diagnostics:\n{}", dir.display(), render(&sources, &analysis));
        let name = dir.file_name().expect("name").to_string_lossy().to_string();
        for env in meshc_istio::emit(&analysis, &[]) {
            let stream = meshc_istio::to_stream(std::slice::from_ref(&env));
            insta::with_settings!({
                snapshot_path => repo_root().join("tests/examples"),
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{name}-{}", env.env), stream);
            });
        }
    }
}

#[test]
fn examples_output_is_byte_for_byte_deterministic() {
    for dir in example_dirs() {
        let first = meshc_istio::to_stream(&meshc_istio::emit(&analyze(&load_project(&dir)), &[]));
        let second = meshc_istio::to_stream(&meshc_istio::emit(&analyze(&load_project(&dir)), &[]));
        assert_eq!(first, second, "{} output differs between two runs", dir.display());
    }
}

/// The independent check: `../shared/tools/validate-istio` on every example and environment.
#[test]
fn examples_pass_istio_schemas() {
    let out = scratch_dir("examples");
    for dir in example_dirs() {
        let analysis = analyze(&load_project(&dir));
        let envs = meshc_istio::emit(&analysis, &[]);
        assert!(envs.len() >= 2, "{} should declare several environments", dir.display());
        let target = out.join(dir.file_name().expect("name"));
        meshc_istio::write_tree(&target, &envs).expect("write output");
        for env in &envs {
            assert_valid_istio(&target.join(&env.env), env.files.len());
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
