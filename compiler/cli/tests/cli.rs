//! End-to-end tests of the `meshc` binary: exit codes, messages and output formats, each run
//! in its own temporary directory (also the working directory, so the default `out` lands
//! there).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// A program that must always compile: the project's reference example.
const EXAMPLE: &str = include_str!("../../../examples/biometrics/mesh.mesh");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn meshc(cwd: &Path, args: &[&str]) -> Run {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("meshc runs");
    Run {
        code: output.status.code().expect("meshc exits with a code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(root: &Path, relative: &str, contents: &[u8]) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
    fs::write(path, contents).expect("write file");
}

/// A temp dir holding the example as `proj/mesh.mesh`.
/// The biometrics example with the templates it declares, as `proj/` in a temp dir.
fn example_project() -> tempfile::TempDir {
    let dir = temp();
    write(dir.path(), "proj/mesh.mesh", EXAMPLE.as_bytes());
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/biometrics/templates");
    for entry in std::fs::read_dir(&templates).expect("example templates") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name").to_string_lossy().to_string();
        write(dir.path(), &format!("proj/templates/{name}"), &std::fs::read(&path).expect("template"));
    }
    dir
}

#[test]
fn unknown_subcommands_and_flags_are_usage_errors() {
    let dir = temp();
    assert_eq!(meshc(dir.path(), &["frobnicate"]).code, 2);
    assert_eq!(meshc(dir.path(), &["check", "--frobnicate"]).code, 2);
    assert_eq!(meshc(dir.path(), &["--message-format", "xml", "check"]).code, 2);
    assert_eq!(meshc(dir.path(), &[]).code, 2);
    assert_eq!(meshc(dir.path(), &["build", "--stdout", "--check"]).code, 2);
}

#[test]
fn help_documents_the_default_output_directory() {
    let run = meshc(temp().path(), &["build", "--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Defaults to `out` in the current directory"), "{}", run.stdout);
}

#[test]
fn a_missing_directory_is_an_io_error() {
    let dir = temp();
    let run = meshc(dir.path(), &["check", "no-such-dir"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: no such directory: no-such-dir\n");
    assert_eq!(meshc(dir.path(), &["build", "no-such-dir"]).code, 2);
}

#[test]
fn a_directory_without_mesh_files_is_an_error() {
    let dir = temp();
    write(dir.path(), "proj/readme.md", b"# not a program\n");
    write(dir.path(), "proj/.hidden/a.mesh", EXAMPLE.as_bytes());
    write(dir.path(), "proj/target/a.mesh", EXAMPLE.as_bytes());
    let run = meshc(dir.path(), &["check", "proj"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no .mesh files found under proj"), "{}", run.stderr);
}

#[test]
fn invalid_utf8_is_an_io_error_naming_the_file() {
    let dir = temp();
    write(dir.path(), "proj/mesh.mesh", EXAMPLE.as_bytes());
    write(dir.path(), "proj/extra/latin1.mesh", b"service caf\xe9 { port http 80 }\n");
    let run = meshc(dir.path(), &["check", "proj"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("proj/extra/latin1.mesh is not valid UTF-8 (line 1)"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_io_error_naming_it() {
    let dir = example_project();
    std::os::unix::fs::symlink("nowhere.mesh", dir.path().join("proj/dangling.mesh")).expect("symlink");
    let run = meshc(dir.path(), &["build", "proj"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read proj/dangling.mesh"), "{}", run.stderr);
    assert!(!dir.path().join("out").exists(), "a failed build must not create the output dir");
}

#[test]
fn hidden_and_build_directories_are_not_read() {
    let dir = example_project();
    // Invalid UTF-8 would be an IO error if any of these were read.
    for skipped in ["proj/.git/x.mesh", "proj/.#mesh.mesh", "proj/target/x.mesh", "proj/node_modules/x.mesh"] {
        write(dir.path(), skipped, b"\xff");
    }
    let run = meshc(dir.path(), &["check", "proj"]);
    assert_ne!(run.code, 2, "{}", run.stderr);

    // The output directory is skipped too, wherever `--out` puts it.
    write(dir.path(), "proj/generated/x.mesh", b"\xff");
    let run = meshc(dir.path(), &["build", "proj", "--out", "proj/generated", "--stdout"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    assert_eq!(meshc(dir.path(), &["build", "proj", "--stdout"]).code, 2);
}

#[test]
fn check_skips_the_default_output_directory_like_build() {
    let dir = temp();
    write(dir.path(), "mesh.mesh", EXAMPLE.as_bytes());
    write(dir.path(), "out/x.mesh", b"\xff");
    let run = meshc(dir.path(), &["check"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let run = meshc(dir.path(), &["build", "--stdout"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
}

#[test]
fn an_unknown_environment_is_a_usage_error_and_writes_nothing() {
    let dir = example_project();
    let run = meshc(dir.path(), &["build", "proj", "--env", "prd"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("error: unknown environment `prd`"), "{}", run.stderr);
    assert!(run.stderr.contains("help: the program declares"), "{}", run.stderr);
    assert!(!dir.path().join("out").exists());
}

#[test]
fn explain_prints_the_text_of_a_code_in_any_case() {
    let dir = temp();
    let upper = meshc(dir.path(), &["explain", "E0001"]);
    assert_eq!(upper.code, 0);
    assert!(upper.stdout.starts_with("# E0001: "), "{}", upper.stdout);
    assert_eq!(upper.stdout, meshc_core::codes::lookup("E0001").expect("E0001 exists").explanation);
    let lower = meshc(dir.path(), &["explain", "e0001"]);
    assert_eq!(lower.code, 0);
    assert_eq!(lower.stdout, upper.stdout);
    let list = meshc(dir.path(), &["explain", "--list"]);
    assert_eq!(list.code, 0);
    assert!(list.stdout.lines().any(|line| line.starts_with("E0001  ")), "{}", list.stdout);
}

#[test]
fn explain_of_an_unknown_code_is_a_usage_error() {
    let dir = temp();
    let run = meshc(dir.path(), &["explain", "E9999"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("unknown diagnostic code `E9999`"), "{}", run.stderr);
    assert!(run.stderr.contains("meshc explain --list"), "{}", run.stderr);
    let near = meshc(dir.path(), &["explain", "E0010"]);
    assert_eq!(near.code, 2);
    assert!(near.stderr.contains("did you mean `E0001`?"), "{}", near.stderr);
}

/// Every line of stderr is one JSON object.
fn json_lines(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
        .collect()
}

#[test]
fn json_output_is_json_lines() {
    let dir = example_project();
    let run = meshc(dir.path(), &["--message-format", "json", "check", "proj"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    for value in json_lines(&run.stderr) {
        assert!(value["severity"].is_string() && value["code"].is_string(), "{value}");
    }
    let run = meshc(dir.path(), &["build", "proj", "--message-format", "json"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    json_lines(&run.stderr);

    write(dir.path(), "proj/bad.mesh", b"\xff\n");
    let run = meshc(dir.path(), &["check", "proj", "--message-format=json"]);
    assert_eq!(run.code, 2);
    let lines = json_lines(&run.stderr);
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert_eq!(lines[0]["severity"], "error");
    assert_eq!(lines[0]["code"], serde_json::Value::Null);
    assert_eq!(lines[0]["file"], "proj/bad.mesh");
    assert!(lines[0]["message"].as_str().is_some_and(|message| message.contains("proj/bad.mesh")));
}

#[test]
fn github_output_is_workflow_commands() {
    let dir = temp();
    let run = meshc(dir.path(), &["check", "missing", "--message-format", "github"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "::error::no such directory: missing\n");
}

#[test]
fn colour_follows_the_flag() {
    let dir = temp();
    let always = meshc(dir.path(), &["--color", "always", "check", "missing"]);
    assert!(always.stderr.contains("\x1b["), "{:?}", always.stderr);
    let never = meshc(dir.path(), &["--color", "never", "check", "missing"]);
    assert!(!never.stderr.contains('\x1b'));
    // Auto: stderr is a pipe here, so no colour.
    let auto = meshc(dir.path(), &["check", "missing"]);
    assert!(!auto.stderr.contains('\x1b'));
}

#[test]
fn build_then_check_finds_no_drift_and_tampering_is_found() {
    let dir = example_project();
    let build = meshc(dir.path(), &["build", "proj"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert!(build.stderr.contains("wrote"), "{}", build.stderr);
    let check = meshc(dir.path(), &["build", "proj", "--check"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(check.stdout, "");
    assert!(check.stderr.contains("out is up to date"), "{}", check.stderr);

    // Tamper with the first file written, if the build wrote any.
    let first = fs::read_dir(dir.path().join("out"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|env| env.path().is_dir())
        .flat_map(|env| fs::read_dir(env.path()).into_iter().flatten().flatten())
        .map(|file| file.path())
        .find(|path| path.is_file());
    if let Some(path) = first {
        let mut contents = fs::read_to_string(&path).expect("written YAML is UTF-8");
        contents.push_str("# edited by hand\n");
        fs::write(&path, &contents).expect("tamper");
        let check = meshc(dir.path(), &["build", "proj", "--check"]);
        assert_eq!(check.code, 1, "{}", check.stderr);
        assert!(check.stdout.contains("-# edited by hand"), "{}", check.stdout);
        assert!(check.stderr.contains("out is out of date: 1 file would change"), "{}", check.stderr);
        assert_eq!(fs::read_to_string(&path).expect("still there"), contents, "--check must not write");
    }
}

#[test]
fn stdout_mode_writes_no_files() {
    let dir = example_project();
    let run = meshc(dir.path(), &["build", "proj", "--stdout"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!dir.path().join("out").exists());
}

/// A temp dir holding the example with `from` replaced by `to` as `proj/mesh.mesh`.
fn edited_example(from: &str, to: &str) -> tempfile::TempDir {
    assert!(EXAMPLE.contains(from), "the example no longer contains {from:?}");
    let dir = example_project();
    write(dir.path(), "proj/mesh.mesh", EXAMPLE.replacen(from, to, 1).as_bytes());
    dir
}

#[test]
fn a_build_with_errors_exits_1_and_never_touches_the_output_dir() {
    let dir = edited_example("-> auth-service@v1", "-> auth-servce@v1");
    write(dir.path(), "out/dev/kept.yaml", b"kind: Kept\n");
    let run = meshc(dir.path(), &["build", "proj"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[E0101]: "), "{}", run.stderr);
    assert!(run.stderr.contains("--> mesh.mesh:"), "{}", run.stderr);
    assert!(run.stderr.trim_end().lines().last().is_some_and(|line| line.starts_with("error: aborting due to ")));
    assert!(!run.stderr.contains("wrote"), "{}", run.stderr);
    let kept: Vec<_> = fs::read_dir(dir.path().join("out/dev")).expect("out/dev").flatten().collect();
    assert_eq!(kept.len(), 1, "the output dir must be left as it was");
    assert_eq!(meshc(dir.path(), &["build", "proj", "--check"]).code, 1);
    assert_eq!(meshc(dir.path(), &["check", "proj"]).code, 1);

    let json = meshc(dir.path(), &["check", "proj", "--message-format", "json"]);
    assert_eq!(json.code, 1);
    let lines = json_lines(&json.stderr);
    assert!(lines.iter().any(|line| line["code"] == "E0101" && line["file"] == "mesh.mesh"), "{}", json.stderr);

    let github = meshc(dir.path(), &["check", "proj", "--message-format", "github"]);
    assert_eq!(github.code, 1);
    assert!(github.stderr.lines().all(|line| line.starts_with("::error file=proj/mesh.mesh,")), "{}", github.stderr);
}

#[test]
fn warnings_pass_unless_denied() {
    let production = r#"env prod production { domain = "biometrics.app" }"#;
    let permissive = r#"env prod production { domain = "biometrics.app"  mtls = permissive }"#;
    let dir = edited_example(production, permissive);
    let run = meshc(dir.path(), &["check", "proj"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning["), "{}", run.stderr);
    assert!(run.stderr.ends_with("warning: 1 warning emitted\n"), "{}", run.stderr);

    let run = meshc(dir.path(), &["build", "proj", "--deny-warnings"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.ends_with("error: aborting due to 1 warning (--deny-warnings)\n"), "{}", run.stderr);
    assert!(!dir.path().join("out").exists());
}
