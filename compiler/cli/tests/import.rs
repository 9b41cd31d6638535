//! End-to-end tests of `meshc import`: the files it reads and writes, its exit codes, and
//! `--verify`, each run in its own temporary directory.

use std::fs;
use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn meshc(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("meshc runs");
    Run {
        code: output.status.code().expect("meshc exits with a code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn corpus(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/import").join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
    fs::write(path, text).expect("write file");
}

#[test]
fn imports_a_folder_of_files_and_verifies_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "istio/traffic.yaml", &corpus("traffic.yaml"));
    write(dir.path(), "istio/security/policies.yml", &corpus("security.yaml"));
    write(dir.path(), "istio/README.md", "not YAML, not read");
    let run = meshc(dir.path(), &["import", "istio", "-o", "mesh", "--verify"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("imported 24 of 24 Istio objects into mesh/mesh.mesh"), "{}", run.stderr);
    assert!(
        run.stderr.contains("verified 24 objects: 24 identical (0 kept verbatim), 0 with differences"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let program = fs::read_to_string(dir.path().join("mesh/mesh.mesh")).expect("mesh.mesh written");
    assert!(program.contains("route checkout {"), "{program}");
    assert!(program.contains("policy api {"), "{program}");
    // What was written is a project `meshc build` takes as it is.
    let build = meshc(dir.path(), &["build", "mesh", "--out", "out"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(dir.path().join("out/default/shop/virtualservice-checkout.yaml").is_file());
}

#[test]
fn keeps_what_the_language_cannot_express_verbatim() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "unsupported.yaml", &corpus("unsupported.yaml"));
    let run = meshc(dir.path(), &["import", "unsupported.yaml", "-o", "mesh", "--verify"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning[W0601]: `spec.http[0].name` of VirtualService `shop/named-routes`"),
        "{}",
        run.stderr
    );
    let kept = fs::read_to_string(dir.path().join("mesh/unsupported/virtualservice-named-routes.yaml")).expect("kept");
    assert!(kept.contains("  - name: primary\n"), "{kept}");
    // The program declares it as a template: `meshc build` writes it with the rest.
    let build = meshc(dir.path(), &["build", "mesh", "--out", "out"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let built =
        fs::read_to_string(dir.path().join("out/default/shop/virtualservice-named-routes.yaml")).expect("built");
    assert!(built.contains("  - name: primary\n") && built.contains("app.kubernetes.io/managed-by: meshc"), "{built}");
    // `--deny-warnings` turns the warnings into a failure, and nothing is written.
    let strict = meshc(dir.path(), &["--deny-warnings", "import", "unsupported.yaml", "-o", "strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(!dir.path().join("strict").exists());
}

#[test]
fn invalid_input_fails_with_located_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "bad.yaml", &corpus("invalid/unknown-field.yaml"));
    let run = meshc(dir.path(), &["import", "bad.yaml", "-o", "mesh"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[E0603]: unknown field `spec.http[0].route[0].destination.subet`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> bad.yaml:15:9"), "{}", run.stderr);
    assert!(!dir.path().join("mesh").exists());
    let json = meshc(dir.path(), &["--message-format", "json", "import", "bad.yaml", "-o", "mesh"]);
    assert_eq!(json.code, 1);
    assert!(json.stderr.lines().all(|l| l.starts_with('{')), "{}", json.stderr);
}

#[test]
fn verify_reports_differences_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "added.yaml", &corpus("changed/added.yaml"));
    let run = meshc(dir.path(), &["import", "added.yaml", "-o", "mesh", "--verify"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("ServiceEntry `shop/httpbin-org`\n  meshc writes this object"), "{}", run.stdout);
    assert!(run.stderr.contains("2 with differences"), "{}", run.stderr);
}

#[test]
fn refuses_to_mix_with_an_existing_program_and_reports_missing_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "in.yaml", &corpus("limits.yaml"));
    write(dir.path(), "mesh/other.mesh", "mesh other { namespace other }\n");
    let run = meshc(dir.path(), &["import", "in.yaml", "-o", "mesh"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("already holds a .mesh program"), "{}", run.stderr);
    let missing = meshc(dir.path(), &["import", "nowhere.yaml"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("nowhere.yaml"), "{}", missing.stderr);
    assert_eq!(meshc(dir.path(), &["import"]).code, 2, "a path is required");
}
