//! End-to-end tests of `meshc watch`: each runs the binary as a child process on a project in
//! a temporary directory, edits the project the ways editors and people do, and waits for
//! the line that closes each rebuild before asserting on what was printed and on the output
//! tree. Waiting reads the child's output as it comes, bounded by a timeout; nothing sleeps.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long any one expected line may take. Generous: CI runs tests in parallel on two cores.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A program with two environments whose output is three files each; the timeout of the
/// route is the value the tests edit.
const PROGRAM: &str = r#"mesh shop {
  namespace shop
  environments staging, prod
}

defaults {
  checkout_timeout = 5s
}

env staging { checkout_timeout = 3s }
env prod production { }

policy namespace { mtls strict }

service checkout {
  port http 8080
  versions v1
}

route checkout {
  hosts checkout
  any -> checkout@v1:http { timeout $checkout_timeout }
}
"#;

/// A second file that adds a service and its route.
const PAYMENTS: &str = r#"service payments {
  port http 8080
  versions v1
}

route payments {
  hosts payments
  any -> payments@v1:http { timeout 2s }
}
"#;

fn program_with_timeout(timeout: &str) -> String {
    PROGRAM.replace("checkout_timeout = 5s", &format!("checkout_timeout = {timeout}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// What the child printed while the test waited for a line.
#[derive(Debug, Default)]
struct Seen {
    out: Vec<String>,
    err: Vec<String>,
}

impl Seen {
    fn out_has(&self, line: &str) -> bool {
        self.out.iter().any(|seen| seen == line)
    }

    fn err_text(&self) -> String {
        self.err.join("\n")
    }
}

/// A running `meshc watch` and the lines it printed that no test has looked at yet.
struct Watch {
    child: Child,
    lines: Receiver<(Stream, String)>,
}

/// The last line of every rebuild.
fn ends_a_build(line: &str) -> bool {
    ["wrote ", "no change to the output", "build failed", "nothing written"].iter().any(|end| line.starts_with(end))
}

impl Watch {
    /// Starts `meshc --color never watch proj --out out` in `dir` with a short debounce
    /// (`extra` can override it), and waits until it watches.
    fn start(dir: &Path, extra: &[&str]) -> (Watch, Seen) {
        let mut args = vec!["--color", "never", "watch", "proj", "--out", "out", "--debounce-ms", "50"];
        args.extend_from_slice(extra);
        Watch::start_with(dir, &args)
    }

    /// Starts `meshc ARGS` in `dir` and waits until it watches.
    fn start_with(dir: &Path, args: &[&str]) -> (Watch, Seen) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("meshc starts");
        let (send, lines) = mpsc::channel();
        forward(BufReader::new(child.stdout.take().expect("piped stdout")), Stream::Out, send.clone());
        forward(BufReader::new(child.stderr.take().expect("piped stderr")), Stream::Err, send);
        let mut watch = Watch { child, lines };
        let seen = watch.until(Stream::Out, |line| line.starts_with("watching proj for changes"));
        (watch, seen)
    }

    /// Reads lines until one of `stream` satisfies `done`; panics after TIMEOUT, showing
    /// everything read.
    fn until(&mut self, stream: Stream, done: impl Fn(&str) -> bool) -> Seen {
        let deadline = Instant::now() + TIMEOUT;
        let mut seen = Seen::default();
        loop {
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((from, line)) => {
                    let finished = from == stream && done(&line);
                    match from {
                        Stream::Out => seen.out.push(line),
                        Stream::Err => seen.err.push(line),
                    }
                    if finished {
                        return seen;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no expected line within {TIMEOUT:?}; read so far: {seen:#?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait().expect("child exits");
                    panic!("meshc watch exited ({status}) before the expected line; read: {seen:#?}")
                }
            }
        }
    }

    /// Waits for the end of the next rebuild.
    fn build(&mut self) -> Seen {
        self.until(Stream::Out, ends_a_build)
    }

    /// Waits for the end of the next rebuild, which must fail, and for the closing line of
    /// its diagnostics: stderr is read by another thread, so it may come before or after.
    fn failed_build(&mut self) -> Seen {
        let mut seen = self.build();
        assert_eq!(seen.out.last().map(String::as_str), Some("build failed; out is left as it was"), "{seen:#?}");
        let closing = |line: &str| line.starts_with("error: aborting due to");
        if !seen.err.iter().any(|line| closing(line)) {
            let more = self.until(Stream::Err, closing);
            seen.out.extend(more.out);
            seen.err.extend(more.err);
        }
        seen
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does, and waits for the exit.
    #[cfg(unix)]
    fn interrupt(mut self) -> ExitStatus {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        let pid = i32::try_from(self.child.id()).expect("pid fits");
        kill(Pid::from_raw(pid), Signal::SIGINT).expect("signal sent");
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status;
            }
            // Nothing can be awaited on a child with a timeout in std; its pipes closing is
            // the exit, so wait on them.
            match self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(_) => {}
                Err(RecvTimeoutError::Disconnected) => return self.child.wait().expect("child exits"),
                Err(RecvTimeoutError::Timeout) => panic!("meshc watch did not stop within {TIMEOUT:?} of SIGINT"),
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward(reader: impl BufRead + Send + 'static, stream: Stream, send: mpsc::Sender<(Stream, String)>) {
    thread::spawn(move || {
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if send.send((stream, line)).is_err() {
                return;
            }
        }
    });
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn write(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
    fs::write(path, contents).expect("write file");
}

/// A save the way most editors make one: write a temporary file beside the target, then
/// rename it over the target.
fn save_by_rename(path: &Path, contents: &str) {
    let temporary = path.with_file_name(format!(".{}.tmp", path.file_name().expect("a file").to_string_lossy()));
    fs::write(&temporary, contents).expect("write temporary file");
    fs::rename(&temporary, path).expect("rename over the target");
}

/// A temp dir with the program as `proj/mesh.mesh`.
fn project() -> tempfile::TempDir {
    let dir = temp();
    write(&dir.path().join("proj/mesh.mesh"), PROGRAM);
    dir
}

/// Every file under `dir`, relative path → contents.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let relative = path.strip_prefix(root).expect("below root").to_string_lossy().into_owned();
                found.insert(relative, fs::read_to_string(&path).expect("read file"));
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
}

fn virtual_service(dir: &Path, env: &str) -> String {
    fs::read_to_string(dir.join(format!("out/{env}/shop/virtualservice-checkout.yaml"))).expect("written")
}

#[test]
fn the_first_build_writes_every_environment_and_counts_it() {
    let dir = project();
    let (watch, seen) = Watch::start(dir.path(), &[]);
    assert!(seen.out_has("staging: 0 changed, 4 added, 0 removed (new environment)"), "{seen:#?}");
    assert!(seen.out_has("prod: 0 changed, 4 added, 0 removed (new environment)"), "{seen:#?}");
    assert!(seen.out.iter().any(|line| line.starts_with("wrote out/staging, out/prod (")), "{seen:#?}");
    assert!(!seen.out.iter().any(|line| line.starts_with('+')), "a first build lists no YAML: {seen:#?}");
    let files: Vec<String> = tree(&dir.path().join("out")).into_keys().collect();
    assert_eq!(
        files,
        [
            "prod/kustomization.yaml",
            "prod/shop/destinationrule-checkout.yaml",
            "prod/shop/peerauthentication-default.yaml",
            "prod/shop/virtualservice-checkout.yaml",
            "staging/kustomization.yaml",
            "staging/shop/destinationrule-checkout.yaml",
            "staging/shop/peerauthentication-default.yaml",
            "staging/shop/virtualservice-checkout.yaml",
        ]
        .map(|path| path.replace('/', std::path::MAIN_SEPARATOR_STR))
    );
    drop(watch);
}

#[test]
fn the_first_build_shows_how_the_existing_output_drifted() {
    let dir = project();
    let build = Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(["build", "proj", "--out", "out"])
        .current_dir(dir.path())
        .output()
        .expect("meshc build runs");
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let edited = dir.path().join("out/prod/shop/virtualservice-checkout.yaml");
    let good = fs::read_to_string(&edited).expect("built");
    fs::write(&edited, good.replace("timeout: 5s", "timeout: 99s")).expect("edit by hand");
    write(&dir.path().join("out/prod/shop/stale.yaml"), "kind: Stale\nmetadata:\n  name: old\n");

    let (_watch, seen) = Watch::start(dir.path(), &[]);
    assert!(seen.out_has("prod VirtualService/checkout (changed)"), "{seen:#?}");
    assert!(seen.out_has("-    timeout: 99s") && seen.out_has("+    timeout: 5s"), "{seen:#?}");
    assert!(seen.out_has("prod Stale/old (removed)"), "{seen:#?}");
    assert!(seen.out_has("prod: 1 changed, 0 added, 1 removed"), "{seen:#?}");
    assert!(seen.out_has("staging: 0 changed, 0 added, 0 removed"), "{seen:#?}");
    assert!(seen.out.iter().any(|line| line.starts_with("wrote out/prod (")), "only prod is rewritten: {seen:#?}");
    assert_eq!(fs::read_to_string(&edited).expect("rewritten"), good);
    assert!(!dir.path().join("out/prod/shop/stale.yaml").exists());
}

#[test]
fn a_save_by_rename_shows_the_diff_of_each_environment() {
    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    save_by_rename(&dir.path().join("proj/mesh.mesh"), &program_with_timeout("7s"));
    let seen = watch.build();
    assert_eq!(seen.out[0], "changed: mesh.mesh", "the temporary file is not named: {seen:#?}");
    let expected = [
        "prod VirtualService/checkout (changed)",
        "@@ -18,4 +18,4 @@",
        "         subset: v1",
        "         port:",
        "           number: 8080",
        "-    timeout: 5s",
        "+    timeout: 7s",
        "staging: 0 changed, 0 added, 0 removed",
        "prod: 1 changed, 0 added, 0 removed",
    ];
    assert_eq!(&seen.out[1..seen.out.len() - 1], expected, "{seen:#?}");
    assert!(seen.out[seen.out.len() - 1].starts_with("wrote out/prod ("), "{seen:#?}");
    assert!(virtual_service(dir.path(), "prod").contains("timeout: 7s"));
    assert!(virtual_service(dir.path(), "staging").contains("timeout: 3s"));
}

#[test]
fn a_truncate_and_write_save_is_read_once_complete() {
    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let contents = program_with_timeout("8s");
    let (head, tail) = contents.split_at(contents.len() / 2);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(dir.path().join("proj/mesh.mesh"))
        .expect("open for writing");
    file.write_all(head.as_bytes()).expect("write the first half");
    file.flush().expect("flush");
    file.write_all(tail.as_bytes()).expect("write the rest");
    drop(file);
    let seen = watch.build();
    assert!(seen.out_has("+    timeout: 8s"), "{seen:#?}");
    assert!(seen.out_has("prod: 1 changed, 0 added, 0 removed"), "{seen:#?}");
    assert!(virtual_service(dir.path(), "prod").contains("timeout: 8s"));
}

#[test]
fn errors_keep_the_last_good_output_and_the_fix_is_diffed_against_it() {
    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let good = tree(&dir.path().join("out"));
    let source = dir.path().join("proj/mesh.mesh");

    save_by_rename(&source, &PROGRAM.replace("checkout@v1:http", "checkout@v9:http"));
    let seen = watch.failed_build();
    assert!(seen.err_text().contains("--> mesh.mesh:"), "diagnostics point into the file: {seen:#?}");
    assert_eq!(tree(&dir.path().join("out")), good, "a failed build must not touch the output");

    save_by_rename(&source, &program_with_timeout("6s"));
    let seen = watch.build();
    assert!(
        seen.out_has("-    timeout: 5s") && seen.out_has("+    timeout: 6s"),
        "diffed against the last good build: {seen:#?}"
    );
    assert!(seen.out_has("prod: 1 changed, 0 added, 0 removed"), "{seen:#?}");
}

#[test]
fn a_save_that_changes_no_output_prints_one_quiet_line() {
    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let good = tree(&dir.path().join("out"));
    write(&dir.path().join("proj/mesh.mesh"), &format!("{PROGRAM}# a comment at the end changes nothing\n"));
    let seen = watch.build();
    assert_eq!(seen.out.len(), 2, "{seen:#?}");
    assert_eq!(seen.out[0], "changed: mesh.mesh");
    assert!(seen.out[1].starts_with("no change to the output ("), "{seen:#?}");
    assert_eq!(tree(&dir.path().join("out")), good);
}

#[test]
fn a_file_deleted_and_recreated_mid_watch() {
    let dir = project();
    // The route in one file names the service in the other.
    let service = "service checkout {\n  port http 8080\n  versions v1\n}\n";
    assert!(PROGRAM.contains(service));
    let (source, services) = (dir.path().join("proj/mesh.mesh"), dir.path().join("proj/services.mesh"));
    write(&source, &PROGRAM.replace(service, ""));
    write(&services, service);
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let good = tree(&dir.path().join("out"));

    fs::remove_file(&services).expect("delete");
    let seen = watch.failed_build();
    assert!(seen.err_text().contains("checkout"), "the dangling reference is reported: {}", seen.err_text());
    assert_eq!(tree(&dir.path().join("out")), good, "the last good output stays");

    write(&services, service);
    let seen = watch.build();
    assert!(seen.out.last().is_some_and(|line| line.starts_with("no change to the output")), "{seen:#?}");

    // With every file gone there is no program at all: an error too, not a crash.
    fs::remove_file(&services).expect("delete");
    fs::remove_file(&source).expect("delete");
    let seen = watch.until(Stream::Err, |line| line.contains("no .mesh files found under proj"));
    assert!(!seen.err.is_empty());
    assert_eq!(tree(&dir.path().join("out")), good);

    // Re-created as one file, with a change: diffed against the last good build.
    write(&source, &program_with_timeout("9s"));
    let seen = watch.until(Stream::Out, |line| line.starts_with("wrote "));
    assert!(seen.out_has("-    timeout: 5s") && seen.out_has("+    timeout: 9s"), "{seen:#?}");
}

#[test]
fn the_project_directory_removed_and_restored() {
    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let good = tree(&dir.path().join("out"));
    fs::remove_dir_all(dir.path().join("proj")).expect("remove the project");
    let seen = watch.until(Stream::Err, |line| line.contains("no such directory: proj"));
    assert!(!seen.err.is_empty());
    assert_eq!(tree(&dir.path().join("out")), good, "the last good output stays");

    write(&dir.path().join("proj/mesh.mesh"), &program_with_timeout("12s"));
    let seen = watch.until(Stream::Out, |line| line.starts_with("wrote "));
    assert!(seen.out_has("+    timeout: 12s"), "{seen:#?}");

    // Watched again as a whole, not only its re-creation.
    save_by_rename(&dir.path().join("proj/mesh.mesh"), &program_with_timeout("13s"));
    let seen = watch.build();
    assert!(seen.out_has("-    timeout: 12s") && seen.out_has("+    timeout: 13s"), "{seen:#?}");
}

#[test]
fn new_files_and_new_folders_join_the_program_and_are_watched() {
    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let nested = dir.path().join("proj/teams/payments/payments.mesh");
    write(&nested, PAYMENTS);
    let seen = watch.build();
    assert!(seen.out_has("prod VirtualService/payments (added)"), "{seen:#?}");
    assert!(seen.out_has("prod Kustomization/shop-prod (changed)"), "{seen:#?}");
    assert!(seen.out_has("prod: 1 changed, 2 added, 0 removed"), "{seen:#?}");
    assert!(dir.path().join("out/prod/shop/virtualservice-payments.yaml").exists());

    // The new folder is watched: editing the file in it rebuilds.
    save_by_rename(&nested, &PAYMENTS.replace("timeout 2s", "timeout 4s"));
    let seen = watch.build();
    assert_eq!(seen.out[0], "changed: teams/payments/payments.mesh", "{seen:#?}");
    assert!(seen.out_has("+    timeout: 4s"), "{seen:#?}");
    assert!(seen.out_has("prod: 1 changed, 0 added, 0 removed"), "{seen:#?}");

    // Removing the folder removes its resources.
    fs::remove_dir_all(dir.path().join("proj/teams")).expect("remove folder");
    let seen = watch.build();
    assert!(seen.out_has("prod: 1 changed, 0 added, 2 removed"), "{seen:#?}");
    assert!(!dir.path().join("out/prod/shop/virtualservice-payments.yaml").exists());
}

#[cfg(unix)]
#[test]
fn a_source_outside_the_project_directory_is_watched() {
    let dir = project();
    let shared = dir.path().join("shared/payments.mesh");
    write(&shared, PAYMENTS);
    std::os::unix::fs::symlink(&shared, dir.path().join("proj/payments.mesh")).expect("symlink");
    let (mut watch, seen) = Watch::start(dir.path(), &[]);
    assert!(seen.out_has("prod: 0 changed, 6 added, 0 removed (new environment)"), "{seen:#?}");

    // Edited in place where it lives, outside `proj`.
    fs::write(&shared, PAYMENTS.replace("timeout 2s", "timeout 9s")).expect("edit");
    let seen = watch.build();
    assert!(seen.out_has("+    timeout: 9s"), "{seen:#?}");
    assert!(seen.out_has("prod: 1 changed, 0 added, 0 removed"), "{seen:#?}");

    // And saved by rename there too: the directory is watched, not the file.
    save_by_rename(&shared, &PAYMENTS.replace("timeout 2s", "timeout 3s"));
    let seen = watch.build();
    assert!(seen.out_has("+    timeout: 3s"), "{seen:#?}");
}

#[test]
fn a_file_imported_from_outside_the_project_is_watched_even_before_it_exists() {
    let dir = project();
    let shared = dir.path().join("shared/payments.mesh");
    fs::create_dir_all(shared.parent().expect("a parent")).expect("create dir");
    let source = dir.path().join("proj/mesh.mesh");
    write(&source, &format!("import \"../shared/payments.mesh\"\n{PROGRAM}"));
    let (mut watch, seen) = Watch::start(dir.path(), &[]);
    assert!(seen.out_has("build failed; out is left as it was"), "the import names no file yet: {seen:#?}");

    write(&shared, PAYMENTS);
    let seen = watch.build();
    assert!(seen.out_has("prod: 0 changed, 6 added, 0 removed (new environment)"), "{seen:#?}");

    save_by_rename(&shared, &PAYMENTS.replace("timeout 2s", "timeout 7s"));
    let seen = watch.build();
    assert_eq!(seen.out[0], format!("changed: {}", fs::canonicalize(&shared).expect("exists").display()));
    assert!(seen.out_has("+    timeout: 7s"), "{seen:#?}");
    assert!(seen.out_has("prod: 1 changed, 0 added, 0 removed"), "{seen:#?}");
}

#[test]
fn a_template_is_watched() {
    let dir = project();
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboard\n  namespace: {{ mesh.namespace }}\ndata:\n  env: {{ env }}\n";
    write(&dir.path().join("proj/mesh.mesh"), &format!("{PROGRAM}\ntemplate dashboard \"templates/dashboard.yaml\"\n"));
    let file = dir.path().join("proj/templates/dashboard.yaml");
    write(&file, template);
    let (mut watch, seen) = Watch::start(dir.path(), &[]);
    assert!(seen.out_has("prod: 0 changed, 5 added, 0 removed (new environment)"), "{seen:#?}");

    write(&file, &template.replace("env: {{ env }}", "env: {{ env }}-edited"));
    let seen = watch.build();
    assert_eq!(seen.out[0], "changed: templates/dashboard.yaml", "{seen:#?}");
    assert!(seen.out_has("prod ConfigMap/dashboard (changed)") && seen.out_has("+  env: prod-edited"), "{seen:#?}");
}

#[test]
fn a_burst_of_saves_is_one_rebuild() {
    let dir = project();
    // A longer debounce than the other tests: the ten saves must fall within it even on a
    // busy machine.
    let args = ["--color", "never", "watch", "proj", "--out", "out", "--debounce-ms", "400"];
    let (mut watch, _) = Watch::start_with(dir.path(), &args);
    let source = dir.path().join("proj/mesh.mesh");
    for seconds in 10..20 {
        save_by_rename(&source, &program_with_timeout(&format!("{seconds}s")));
    }
    let seen = watch.build();
    assert!(seen.out_has("+    timeout: 19s"), "the last save wins: {seen:#?}");
    assert_eq!(seen.out.iter().filter(|line| line.starts_with("changed: ")).count(), 1, "{seen:#?}");

    // Had the burst given a second rebuild, its lines would come before this one's.
    save_by_rename(&dir.path().join("proj/mesh.mesh"), &program_with_timeout("20s"));
    let seen = watch.build();
    assert_eq!(seen.out[0], "changed: mesh.mesh", "one rebuild per burst: {seen:#?}");
    assert!(seen.out_has("-    timeout: 19s") && seen.out_has("+    timeout: 20s"), "{seen:#?}");
}

#[test]
fn clear_clears_the_screen_before_each_rebuild() {
    let dir = project();
    let (mut watch, seen) = Watch::start(dir.path(), &["--clear"]);
    assert!(seen.out[0].starts_with("\x1b[2J\x1b[H"), "the first build clears too: {seen:#?}");
    save_by_rename(&dir.path().join("proj/mesh.mesh"), &program_with_timeout("4s"));
    let seen = watch.build();
    assert_eq!(seen.out[0], "\x1b[2J\x1b[Hchanged: mesh.mesh", "{seen:#?}");
}

#[test]
fn colour_marks_the_diff() {
    let dir = project();
    let args = ["--color", "always", "watch", "proj", "--out", "out", "--debounce-ms", "50"];
    let (mut watch, _) = Watch::start_with(dir.path(), &args);
    save_by_rename(&dir.path().join("proj/mesh.mesh"), &program_with_timeout("4s"));
    let seen = watch.build();
    assert!(seen.out_has("\x1b[1mprod VirtualService/checkout (changed)\x1b[0m"), "{seen:#?}");
    assert!(seen.out_has("\x1b[31m-    timeout: 5s\x1b[0m"), "{seen:#?}");
    assert!(seen.out_has("\x1b[32m+    timeout: 4s\x1b[0m"), "{seen:#?}");
    assert!(seen.out_has("\x1b[36m@@ -18,4 +18,4 @@\x1b[0m"), "{seen:#?}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_cleanly_with_status_0() {
    let dir = project();
    let (watch, _) = Watch::start(dir.path(), &[]);
    let status = watch.interrupt();
    assert_eq!(status.code(), Some(0), "{status}");

    // Also after a failed build.
    write(&dir.path().join("proj/mesh.mesh"), "service {\n");
    let (watch, seen) = Watch::start(dir.path(), &[]);
    assert!(seen.out_has("build failed; out is left as it was"), "{seen:#?}");
    assert_eq!(watch.interrupt().code(), Some(0));
}

#[test]
fn only_the_chosen_environments_are_built_and_an_unknown_one_is_reported() {
    let dir = project();
    let (watch, seen) = Watch::start(dir.path(), &["--env", "prod"]);
    assert!(seen.out_has("prod: 0 changed, 4 added, 0 removed (new environment)"), "{seen:#?}");
    assert!(!seen.out.iter().any(|line| line.starts_with("staging")), "{seen:#?}");
    assert!(dir.path().join("out/prod").is_dir() && !dir.path().join("out/staging").exists());
    drop(watch);

    // A name the program does not declare fails the build, not the watch: the program
    // may be about to declare it.
    let (mut watch, seen) = Watch::start(dir.path(), &["--env", "prd"]);
    assert!(seen.out_has("build failed; out is left as it was"), "{seen:#?}");
    // stderr is read by another thread: its lines may come before or after stdout's.
    let mut diagnostics = seen.err_text();
    if !diagnostics.contains("did you mean `prod`?") {
        diagnostics.push_str(&watch.until(Stream::Err, |line| line.contains("did you mean `prod`?")).err_text());
    }
    assert!(diagnostics.contains("unknown environment `prd`"), "{diagnostics}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let dir = project();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_meshc")).args(args).current_dir(dir.path()).output().expect("meshc runs")
    };
    let missing = run(&["watch", "missing"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&missing.stderr), "error: no such directory: missing\n");
    let inside = run(&["watch", "proj", "--out", "."]);
    assert_eq!(inside.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&inside.stderr).contains("holds the project directory"));
    assert_eq!(run(&["watch", "proj", "--debounce-ms", "600000"]).status.code(), Some(2));
}

/// Checks one environment directory the way a reader (kubectl, Argo CD) would use it: every
/// object the kustomization lists is there, complete, and nothing else is. The directory is
/// opened once and read through that handle, so the whole read sees one directory even if
/// a build swaps another in meanwhile. `Ok(false)`: the directory was swapped out during the
/// read, so what was read is not the live tree and says nothing.
#[cfg(target_os = "linux")]
fn read_consistently(env_dir: &Path) -> Result<bool, String> {
    use std::collections::BTreeSet;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;

    let handle = fs::File::open(env_dir).map_err(|error| format!("cannot open {}: {error}", env_dir.display()))?;
    let through = PathBuf::from(format!("/proc/self/fd/{}", handle.as_raw_fd()));
    let inode = handle.metadata().map_err(|error| error.to_string())?.ino();

    let mut problems = Vec::new();
    let listed: BTreeSet<String> = match fs::read_to_string(through.join("kustomization.yaml")) {
        Ok(kustomization) => kustomization
            .lines()
            .skip_while(|line| *line != "resources:")
            .filter_map(|line| line.strip_prefix("- "))
            .map(str::to_string)
            .collect(),
        Err(error) => {
            problems.push(format!("kustomization.yaml: {error}"));
            BTreeSet::new()
        }
    };
    let mut present = BTreeSet::new();
    for namespace in fs::read_dir(&through).map_err(|error| error.to_string())?.flatten() {
        if !namespace.path().is_dir() {
            continue;
        }
        for file in fs::read_dir(namespace.path()).into_iter().flatten().flatten() {
            let name = format!("{}/{}", namespace.file_name().to_string_lossy(), file.file_name().to_string_lossy());
            match fs::read_to_string(file.path()) {
                Ok(text) if text.starts_with("apiVersion: ") && text.ends_with('\n') => {}
                Ok(text) => problems.push(format!("{name} is incomplete: {text:?}")),
                Err(error) => problems.push(format!("{name}: {error}")),
            }
            present.insert(name);
        }
    }
    if listed != present {
        problems.push(format!("listed {listed:?} but found {present:?}"));
    }
    let live = fs::metadata(env_dir).map_err(|error| format!("{} vanished: {error}", env_dir.display()))?.ino();
    if live != inode {
        return Ok(false);
    }
    if problems.is_empty() {
        Ok(true)
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_concurrent_reader_never_sees_a_partial_tree() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let dir = project();
    let (mut watch, _) = Watch::start(dir.path(), &[]);
    let env_dir = dir.path().join("out/prod");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let (mut complete, mut problems) = (0usize, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                match read_consistently(&env_dir) {
                    Ok(true) => complete += 1,
                    Ok(false) => {}
                    Err(problem) => problems.push(problem),
                }
            }
            (complete, problems)
        })
    };

    // Each build adds or removes objects, so a half-swapped tree would not match its
    // kustomization.
    let extra = dir.path().join("proj/payments.mesh");
    for round in 0..6 {
        if round % 2 == 0 {
            write(&extra, PAYMENTS);
        } else {
            fs::remove_file(&extra).expect("remove");
        }
        let seen = watch.build();
        assert!(seen.out.last().is_some_and(|line| line.starts_with("wrote ")), "{seen:#?}");
    }
    stop.store(true, Ordering::Relaxed);
    let (complete, problems) = reader.join().expect("reader thread");
    assert!(problems.is_empty(), "the reader saw a partial tree: {problems:#?}");
    assert!(complete > 0, "the reader never completed a read");
}
