//! `meshc build` never leaves a half-truth in the output directory, tested through the
//! binary: a failed build leaves the previous output byte for byte; a build killed with
//! SIGKILL while it writes leaves every environment directory either as it was or complete
//! (never a mix of the two), and nothing else visible; and the output holds exactly what
//! the sources say, so a removed service's files are gone after the next build.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn meshc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_meshc"));
    command.env("NO_COLOR", "1").stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

/// Runs `meshc build PROJECT --out OUT`; returns the exit code and stderr.
fn build(project: &Path, out: &Path) -> (i32, String) {
    let output = meshc().arg("build").arg(project).arg("--out").arg(out).output().expect("meshc runs");
    (output.status.code().expect("an exit code"), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Every file under `dir`, by path relative to it, with its bytes.
type Tree = BTreeMap<String, Vec<u8>>;

fn tree(dir: &Path) -> Tree {
    try_tree(dir).unwrap_or_else(|| panic!("cannot read the tree {}", dir.display()))
}

/// The tree, or `None` if anything in it cannot be read (a build may be moving it).
fn try_tree(dir: &Path) -> Option<Tree> {
    fn walk(root: &Path, dir: &Path, out: &mut Tree) -> Option<()> {
        for entry in fs::read_dir(dir).ok()? {
            let path = entry.ok()?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                let relative = path.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
                out.insert(relative, fs::read(&path).ok()?);
            }
        }
        Some(())
    }
    let mut out = Tree::new();
    walk(dir, dir, &mut out)?;
    Some(out)
}

/// How many files are under `dir` right now (0 if it cannot be read).
fn count_files(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    entries.filter_map(Result::ok).map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 }).sum()
}

/// A project of `services` services, each with a route whose response header carries the
/// revision: every route file changes between revisions.
fn project(dir: &Path, services: usize, revision: &str) {
    let mut text = format!(
        "mesh shop {{\n  namespace shop\n  environments staging, prod\n}}\n\ndefaults {{ rev = \"{revision}\" }}\n\
         env staging {{ }}\nenv prod {{ }}\n\n"
    );
    for i in 0..services {
        text.push_str(&format!(
            "service s{i} {{ port http 8080  versions v1, v2 }}\nroute s{i} {{\n  hosts s{i}\n  \
             any -> s{i}@v1 90%, s{i}@v2 10% {{ timeout 5s  response set \"x-rev\" = \"${{rev}}\" }}\n}}\n"
        ));
    }
    fs::create_dir_all(dir).expect("project dir");
    fs::write(dir.join("mesh.mesh"), text).expect("write project");
}

const ENVS: [&str; 2] = ["staging", "prod"];

/// The non-hidden entries of the output directory: only environment directories.
fn visible_entries(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(out)
        .expect("out readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_build_leaves_the_previous_output_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (src, out) = (dir.path().join("src"), dir.path().join("out"));
    project(&src, 20, "a");
    assert_eq!(build(&src, &out).0, 0);
    let before = tree(&out);
    assert!(before.len() > 40);

    // Errors in the sources: exit 1, nothing written.
    project(&src, 20, "b");
    let text =
        fs::read_to_string(src.join("mesh.mesh")).expect("read") + "route broken { hosts nowhere  any -> nowhere }\n";
    fs::write(src.join("mesh.mesh"), text).expect("write");
    let (code, stderr) = build(&src, &out);
    assert_eq!(code, 1, "{stderr}");
    assert!(tree(&out) == before, "a build with errors changed the output");

    // An output it cannot write (an environment path taken by a file): exit 2, and the other
    // environment is not half-updated either.
    project(&src, 20, "b");
    fs::remove_dir_all(out.join("staging")).expect("remove staging");
    fs::write(out.join("staging"), "not a directory").expect("write a file there");
    let before = tree(&out);
    let (code, stderr) = build(&src, &out);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("staging"), "the error names the path: {stderr}");
    assert!(tree(&out) == before, "a build that could not write changed the output");
}

#[test]
fn the_output_holds_exactly_what_the_sources_say() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (src, out, fresh) = (dir.path().join("src"), dir.path().join("out"), dir.path().join("fresh"));
    project(&src, 5, "a");
    assert_eq!(build(&src, &out).0, 0);
    assert!(tree(&out).keys().any(|p| p.contains("s4")), "service s4 has output");
    // A stray file in an environment directory is not ours to keep either.
    fs::write(out.join("prod/stray.yaml"), "kind: Leftover\n").expect("write stray");

    project(&src, 4, "a");
    assert_eq!(build(&src, &out).0, 0);
    let after = tree(&out);
    assert!(!after.keys().any(|p| p.contains("s4") || p.contains("stray")), "stale files remain: {:?}", after.keys());
    assert_eq!(build(&src, &fresh).0, 0);
    assert!(after == tree(&fresh), "the rebuilt output differs from a build into an empty directory");
}

/// Waits until `ready` holds, checking the filesystem every millisecond; gives up when the
/// build exits first (it was faster than the kill point) or after a minute.
fn wait_for(child: &mut Child, mut ready: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if ready() {
            return true;
        }
        if child.try_wait().expect("poll the build").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

/// Files written so far into the build's hidden staging directories.
fn staged_files(out: &Path) -> usize {
    let Ok(entries) = fs::read_dir(out) else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".meshc-tmp-"))
        .map(|e| count_files(&e.path()))
        .sum()
}

#[test]
fn a_killed_build_leaves_each_environment_old_or_new() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let (old_src, new_src) = (root.join("old"), root.join("new"));
    let services = 300;
    project(&old_src, services, "old");
    project(&new_src, services, "new");
    // The two complete outputs every environment must match one of.
    let (old_ref, new_ref) = (root.join("old-ref"), root.join("new-ref"));
    assert_eq!(build(&old_src, &old_ref).0, 0);
    assert_eq!(build(&new_src, &new_ref).0, 0);
    let per_env = |base: &PathBuf| -> Vec<Tree> { ENVS.iter().map(|e| tree(&base.join(e))).collect() };
    let (old_trees, new_trees) = (per_env(&old_ref), per_env(&new_ref));
    let files = old_trees[0].len();
    assert!(files > 500, "the workspace is large enough to be caught mid-write: {files} files per environment");

    let out = root.join("out");
    let mut outcomes = Vec::new();
    // Kill points: while staging (at growing fractions of the files), and while swapping
    // the environments in.
    let thresholds = [1, files / 2, files, 3 * files / 2, usize::MAX];
    for (round, &threshold) in thresholds.iter().enumerate() {
        // Start from the old output, complete.
        let _ = fs::remove_dir_all(&out);
        assert_eq!(build(&old_src, &out).0, 0);
        let mut child = meshc().arg("build").arg(&new_src).arg("--out").arg(&out).spawn().expect("spawn meshc");
        let reached = if threshold == usize::MAX {
            // Until the first environment holds the new output, then kill before the rest.
            wait_for(&mut child, || try_tree(&out.join("staging")).is_some_and(|t| t == new_trees[0]))
        } else {
            wait_for(&mut child, || staged_files(&out) >= threshold)
        };
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("reap");

        assert_eq!(
            visible_entries(&out),
            ["prod", "staging"],
            "round {round}: only environment directories are visible"
        );
        let mut states = Vec::new();
        for (i, env) in ENVS.iter().enumerate() {
            let now = tree(&out.join(env));
            assert!(
                now == old_trees[i] || now == new_trees[i],
                "round {round}: {env} is neither the old nor the new output ({} files; old {}, new {})",
                now.len(),
                old_trees[i].len(),
                new_trees[i].len()
            );
            states.push(format!("{env} {}", if now == new_trees[i] { "new" } else { "old" }));
        }
        let point =
            if threshold == usize::MAX { "after one swap".to_string() } else { format!("{threshold} files staged") };
        outcomes.push(format!("kill at {point} (reached: {reached}, {status}): {}", states.join(", ")));
    }
    // After all that, a build completes and leaves exactly the new output, whatever the
    // killed builds left in their hidden staging directories.
    assert_eq!(build(&new_src, &out).0, 0);
    assert_eq!(visible_entries(&out), ["prod", "staging"]);
    for (i, env) in ENVS.iter().enumerate() {
        assert!(tree(&out.join(env)) == new_trees[i], "{env} after a clean build");
    }
    eprintln!("{}", outcomes.join("\n"));
}
