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
        assert!(
            analysis.diagnostics.is_empty(),
            "{} has diagnostics:\n{}",
            case.display(),
            render(&sources, &analysis)
        );
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

/// The standard library is tested through `tests/emit/stdlib.mesh`: every preset of every
/// module must be used there (so its expansion is built, checked by Istio's schemas and
/// snapshotted).
#[test]
fn every_stdlib_preset_is_used_by_the_stdlib_case() {
    let case = std::fs::read_to_string(repo_root().join("tests/emit/stdlib.mesh")).expect("stdlib case");
    for (module, text) in meshc_core::modules::STDLIB {
        let alias = module.trim_start_matches("std/").trim_end_matches(".mesh");
        for line in text.lines().filter(|l| l.starts_with("preset ")) {
            let name = line["preset ".len()..].split('(').next().unwrap_or_default();
            let qualified = format!("{alias}.{name}(");
            let imported = format!("use {name}(");
            assert!(
                case.contains(&qualified) || case.contains(&imported),
                "std preset `{alias}.{name}` ({module}) is not used in tests/emit/stdlib.mesh"
            );
        }
    }
}
