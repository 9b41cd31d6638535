//! End-to-end tests of what `meshc build` emits one environment at a time: `--stdout` is the
//! reviewed snapshot of each environment, the files written are exactly the documents of that
//! stream, and `--check` lists drift in several environments in path order.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn meshc(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_meshc")).args(args).current_dir(cwd).output().expect("meshc runs");
    Run {
        code: output.status.code().expect("meshc exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("the stream is UTF-8"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The biometrics example (three environments, templates among them an IstioOperator) as
/// `proj/` in a temp dir.
fn example_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = repo().join("examples/biometrics");
    let to = dir.path().join("proj");
    fs::create_dir_all(to.join("templates")).expect("create proj/templates");
    fs::copy(from.join("mesh.mesh"), to.join("mesh.mesh")).expect("copy mesh.mesh");
    for entry in fs::read_dir(from.join("templates")).expect("example templates") {
        let path = entry.expect("entry").path();
        fs::copy(&path, to.join("templates").join(path.file_name().expect("a name"))).expect("copy template");
    }
    dir
}

/// The reviewed output of one environment (`tests/examples/biometrics-<env>.snap`), without
/// insta's header.
fn snapshot(env: &str) -> String {
    let path = repo().join(format!("tests/examples/biometrics-{env}.snap"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let body = text.splitn(3, "---\n").nth(2).unwrap_or_else(|| panic!("{} has no insta header", path.display()));
    body.to_string()
}

/// The documents of a `--stdout` stream, in order: (`<env>/<path>`, contents).
fn documents(stream: &str) -> Vec<(String, String)> {
    stream
        .split("\n---\n")
        .map(|doc| {
            let doc = doc.strip_prefix("---\n").unwrap_or(doc);
            let (comment, contents) = doc.split_once('\n').expect("a comment line, then the document");
            let path = comment.strip_prefix("# ").expect("each document names its file");
            (path.to_string(), format!("{}\n", contents.trim_end_matches('\n')))
        })
        .collect()
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
                out.insert(relative, fs::read_to_string(&path).expect("YAML is UTF-8"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn stdout_streams_each_environment_as_reviewed() {
    let dir = example_project();
    for env in ENVS {
        let run = meshc(dir.path(), &["build", "proj", "--env", env, "--stdout"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout.trim_end(), snapshot(env).trim_end(), "--stdout of {env} differs from its snapshot");
    }
}

#[test]
fn stdout_follows_declaration_order_and_files_are_its_documents() {
    let dir = example_project();
    let all = meshc(dir.path(), &["build", "proj", "--stdout"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let expected: Vec<String> = ENVS.iter().map(|env| snapshot(env).trim_end().to_string()).collect();
    assert_eq!(all.stdout.trim_end(), expected.join("\n---\n"));

    // `--env` picks environments; the stream keeps the program's order.
    let picked = meshc(dir.path(), &["build", "proj", "--env", "prod", "--env", "dev", "--stdout"]);
    assert_eq!(picked.code, 0, "{}", picked.stderr);
    assert_eq!(picked.stdout.trim_end(), format!("{}\n---\n{}", expected[0], expected[2]));

    let build = meshc(dir.path(), &["build", "proj"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let docs = documents(&all.stdout);
    let on_disk = files(&dir.path().join("out"));
    assert_eq!(on_disk.len(), docs.len(), "one file per document, no more");
    for (path, contents) in &docs {
        assert_eq!(on_disk.get(path), Some(contents), "{path}");
    }
    for env in ENVS {
        let count = docs.iter().filter(|(path, _)| path.starts_with(&format!("{env}/"))).count();
        assert!(build.stderr.contains(&format!("out/{env} ({count} files)")), "{}", build.stderr);
        // Files by path, the kustomization last (it lists the others).
        let paths: Vec<&str> = docs.iter().filter_map(|(path, _)| path.strip_prefix(&format!("{env}/"))).collect();
        assert_eq!(paths.last(), Some(&"kustomization.yaml"));
        assert!(paths[..paths.len() - 1].windows(2).all(|pair| pair[0] < pair[1]), "{paths:?}");
    }
}

#[test]
fn check_lists_drift_of_several_environments_in_path_order() {
    let dir = example_project();
    let build = meshc(dir.path(), &["build", "proj"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    let out = dir.path().join("out");
    // Edited in declaration order (prod last), listed in path order (prod before staging).
    fs::write(out.join("staging/stale.yaml"), "kind: Stale\n").expect("add a stale file");
    fs::write(out.join("dev/kustomization.yaml"), "kind: Edited\n").expect("edit a file");
    fs::remove_file(out.join("prod/kustomization.yaml")).expect("remove a file");
    let check = meshc(dir.path(), &["build", "proj", "--check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stderr.contains("out is out of date: 3 files would change"), "{}", check.stderr);
    let headers: Vec<&str> =
        check.stdout.lines().filter(|line| line.starts_with("+++ ") || line.starts_with("--- ")).collect();
    let names: Vec<String> =
        headers.iter().filter_map(|line| line.split_once("out/").map(|(_, path)| path.to_string())).collect();
    assert_eq!(
        names,
        ["dev/kustomization.yaml", "dev/kustomization.yaml", "prod/kustomization.yaml", "staging/stale.yaml"],
        "{}",
        check.stdout
    );
}
