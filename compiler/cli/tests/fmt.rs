//! End-to-end tests of `meshc fmt`: files rewritten in place (and only when their layout
//! changes), `--check` diffs, syntax errors, `--stdin`, and the paths it accepts. Each test
//! runs the binary in its own temporary directory.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn meshc_with_stdin(cwd: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("meshc starts");
    child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("meshc runs");
    Run {
        code: output.status.code().expect("meshc exits with a code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn meshc(cwd: &Path, args: &[&str]) -> Run {
    meshc_with_stdin(cwd, args, "")
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
    fs::write(path, contents).expect("write file");
}

fn read(root: &Path, relative: &str) -> String {
    fs::read_to_string(root.join(relative)).expect("read file")
}

/// Sets a file's modification time far in the past, so a rewrite would show.
fn age(root: &Path, relative: &str) -> SystemTime {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let file = fs::File::options().write(true).open(root.join(relative)).expect("open");
    file.set_modified(old).expect("set mtime");
    old
}

fn modified(root: &Path, relative: &str) -> SystemTime {
    fs::metadata(root.join(relative)).and_then(|m| m.modified()).expect("mtime")
}

const MESSY: &str = "service   cart{port http 8080 versions v1,v2}\n\n\n# checkout\nservice checkout { port http 80 }";
const FORMATTED: &str =
    "service cart {\n  port http 8080\n  versions v1, v2\n}\n\n# checkout\nservice checkout { port http 80 }\n";
const BROKEN: &str = "service cart {\n  versions v1 v2\n}\n";

#[test]
fn files_are_rewritten_in_place_and_formatted_ones_left_untouched() {
    let dir = temp();
    let root = dir.path();
    write(root, "proj/a.mesh", MESSY);
    write(root, "proj/sub/b.mesh", FORMATTED);
    write(root, "proj/.hidden/c.mesh", MESSY);
    write(root, "proj/target/d.mesh", MESSY);
    write(root, "proj/notes.txt", MESSY);
    let old = age(root, "proj/sub/b.mesh");

    let run = meshc(root, &["fmt", "proj"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "reformatted proj/a.mesh\n1 file reformatted, 1 file already formatted\n");
    assert_eq!(read(root, "proj/a.mesh"), FORMATTED);
    assert_eq!(modified(root, "proj/sub/b.mesh"), old);
    for skipped in ["proj/.hidden/c.mesh", "proj/target/d.mesh", "proj/notes.txt"] {
        assert_eq!(read(root, skipped), MESSY, "{skipped}");
    }
    let entries = fs::read_dir(root.join("proj")).expect("list").count();
    assert_eq!(entries, 5, "no temporary file is left behind");

    let old = age(root, "proj/a.mesh");
    let run = meshc(root, &["fmt", "proj"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "0 files reformatted, 2 files already formatted\n");
    assert_eq!(modified(root, "proj/a.mesh"), old);
}

#[test]
fn the_current_directory_is_the_default() {
    let dir = temp();
    write(dir.path(), "a.mesh", MESSY);
    let run = meshc(dir.path(), &["fmt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.starts_with("reformatted a.mesh\n"), "{}", run.stderr);
    assert_eq!(read(dir.path(), "a.mesh"), FORMATTED);
}

#[test]
fn check_prints_a_diff_and_changes_nothing() {
    let dir = temp();
    let root = dir.path();
    write(root, "proj/a.mesh", MESSY);
    write(root, "proj/b.mesh", FORMATTED);
    let old = age(root, "proj/a.mesh");

    let run = meshc(root, &["fmt", "--check", "proj"]);
    assert_eq!(run.code, 1);
    assert_eq!(read(root, "proj/a.mesh"), MESSY);
    assert_eq!(modified(root, "proj/a.mesh"), old);
    let expected_diff = "\
--- a/proj/a.mesh
+++ b/proj/a.mesh
@@ -1,5 +1,7 @@
-service   cart{port http 8080 versions v1,v2}
-
+service cart {
+  port http 8080
+  versions v1, v2
+}
 
 # checkout
-service checkout { port http 80 }
\\ No newline at end of file
+service checkout { port http 80 }
";
    assert_eq!(run.stdout, expected_diff);
    assert_eq!(
        run.stderr,
        "error: proj/a.mesh is not formatted\n\
         1 file would be reformatted, 1 file already formatted; run `meshc fmt` to format them\n"
    );

    meshc(root, &["fmt", "proj"]);
    let run = meshc(root, &["fmt", "--check", "proj"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "0 files would be reformatted, 2 files already formatted\n");
}

#[test]
fn check_annotates_unformatted_files_for_github() {
    let dir = temp();
    write(dir.path(), "proj/a.mesh", MESSY);
    let run = meshc(dir.path(), &["--message-format", "github", "fmt", "--check", "proj"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("::error file=proj/a.mesh::proj/a.mesh is not formatted\n"), "{}", run.stderr);

    let run = meshc(dir.path(), &["--message-format", "json", "fmt", "--check", "proj"]);
    assert_eq!(run.code, 1);
    let line: serde_json::Value = serde_json::from_str(run.stderr.trim()).expect("one JSON line");
    assert_eq!(line["message"], "proj/a.mesh is not formatted");
    assert_eq!(line["file"], "proj/a.mesh");
}

#[test]
fn files_with_syntax_errors_are_reported_and_left_as_they_are() {
    let dir = temp();
    let root = dir.path();
    write(root, "proj/broken.mesh", BROKEN);
    write(root, "proj/ok.mesh", MESSY);

    let run = meshc(root, &["fmt", "proj"]);
    assert_eq!(run.code, 1);
    assert_eq!(read(root, "proj/broken.mesh"), BROKEN);
    assert_eq!(read(root, "proj/ok.mesh"), FORMATTED, "the other files are still formatted");
    assert!(run.stderr.contains("error[E0001]: expected"), "{}", run.stderr);
    assert!(run.stderr.contains("--> proj/broken.mesh:2:15"), "{}", run.stderr);
    assert!(
        run.stderr.ends_with(
            "1 file reformatted, 0 files already formatted, 1 file not formatted because of syntax errors\n"
        ),
        "{}",
        run.stderr
    );

    let run = meshc(root, &["fmt", "--check", "proj"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("error[E0001]"), "{}", run.stderr);

    // A case broken on purpose opts out.
    write(root, "proj/broken.mesh", &format!("# fmt: skip-file\n{BROKEN}"));
    assert_eq!(meshc(root, &["fmt", "--check", "proj"]).code, 0);
}

#[test]
fn named_files_symbolic_links_and_repeats() {
    let dir = temp();
    let root = dir.path();
    write(root, "one.mesh", MESSY);
    write(root, "lib/two.mesh", MESSY);
    let run = meshc(root, &["fmt", "one.mesh", "lib", "lib/two.mesh", "./one.mesh"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "reformatted one.mesh\nreformatted lib/two.mesh\n2 files reformatted, 0 files already formatted\n"
    );
    assert_eq!(read(root, "one.mesh"), FORMATTED);
    assert_eq!(read(root, "lib/two.mesh"), FORMATTED);

    #[cfg(unix)]
    {
        write(root, "real/three.mesh", MESSY);
        std::os::unix::fs::symlink(root.join("real/three.mesh"), root.join("link.mesh")).expect("symlink");
        let run = meshc(root, &["fmt", "link.mesh"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(fs::symlink_metadata(root.join("link.mesh")).expect("link").file_type().is_symlink());
        assert_eq!(read(root, "real/three.mesh"), FORMATTED);
    }
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let dir = temp();
    let run = meshc_with_stdin(dir.path(), &["fmt", "--stdin"], MESSY);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, FORMATTED, ""));

    let run = meshc_with_stdin(dir.path(), &["fmt", "--stdin", "--check"], FORMATTED);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));

    let run = meshc_with_stdin(dir.path(), &["fmt", "--stdin", "--check"], MESSY);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("--- a/<stdin>\n+++ b/<stdin>\n"), "{}", run.stdout);
    assert_eq!(run.stderr, "error: <stdin> is not formatted\n");

    let run = meshc_with_stdin(dir.path(), &["fmt", "--stdin"], BROKEN);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("error[E0001]") && run.stderr.contains("--> <stdin>:2:15"), "{}", run.stderr);
}

#[test]
fn bad_paths_and_arguments_are_errors() {
    let dir = temp();
    let root = dir.path();
    let run = meshc(root, &["fmt", "nope.mesh"]);
    assert_eq!((run.code, run.stderr.as_str()), (2, "error: no such file or directory: nope.mesh\n"));

    fs::create_dir(root.join("empty")).expect("mkdir");
    let run = meshc(root, &["fmt", "empty"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: no .mesh files found under empty"), "{}", run.stderr);

    fs::write(root.join("latin1.mesh"), b"service a { port http 80 }\n# caf\xe9\n").expect("write");
    let run = meshc(root, &["fmt", "latin1.mesh"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: latin1.mesh is not valid UTF-8 (line 2)"), "{}", run.stderr);

    assert_eq!(meshc(root, &["fmt", "--stdin", "a.mesh"]).code, 2, "--stdin takes no paths");
}
