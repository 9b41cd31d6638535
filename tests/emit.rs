//! Emit tests: every `tests/emit/*.mesh` case builds without errors and its YAML, for
//! every environment, passes Istio's CRD schemas and matches the reviewed snapshot in
//! `tests/emit/snapshots/`.

use meshc_core::analyze;
use meshc_tests::{assert_valid_istio, files_in, load_case, render, repo_root, scratch_dir};

#[test]
fn emit_cases() {
    let dir = repo_root().join("tests/emit");
    let cases = files_in(&dir, "mesh");
    assert!(!cases.is_empty(), "no emit cases in {}", dir.display());
    for case in &cases {
        let sources = load_case(case);
        let analysis = analyze(&sources);
        assert!(!analysis.has_errors(), "{} has errors:\n{}", case.display(), render(&sources, &analysis));
        let envs = meshc_istio::emit(&analysis, &[]);
        let out = scratch_dir(&format!("emit-{}", case.file_stem().expect("stem").to_string_lossy()));
        meshc_istio::write_tree(&out, &envs).expect("write output");
        for env in &envs {
            assert_valid_istio(&out.join(&env.env), env.files.len());
        }
        let _ = std::fs::remove_dir_all(&out);
        let stream = meshc_istio::to_stream(&envs);
        let name = case.file_stem().expect("stem").to_string_lossy().to_string();
        let text = &sources.get(meshc_core::FileId(0)).text;
        insta::with_settings!({
            snapshot_path => dir.join("snapshots"),
            prepend_module_to_snapshot => false,
            description => text.as_str(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, stream);
        });
    }
}
