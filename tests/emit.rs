//! Emit tests: every `tests/emit/*.mesh` case builds without errors and its YAML, for
//! every environment, matches the reviewed snapshot in `tests/emit/snapshots/`.

use meshc_core::analyze;
use meshc_tests::{files_in, load_case, render, repo_root};

#[test]
fn emit_cases() {
    let dir = repo_root().join("tests/emit");
    let cases = files_in(&dir, "mesh");
    assert!(!cases.is_empty(), "no emit cases in {}", dir.display());
    for case in &cases {
        let sources = load_case(case);
        let analysis = analyze(&sources);
        assert!(!analysis.has_errors(), "{} has errors:\n{}", case.display(), render(&sources, &analysis));
        let stream = meshc_istio::to_stream(&meshc_istio::emit(&analysis, &[]));
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
