//! Emitted files per environment, and how they reach the disk (atomically) or stdout (a stream).
//!
//! `write_tree` never leaves an environment directory half-written: the whole new tree is built
//! in a hidden temp dir inside the output dir (same filesystem, so renames are cheap and atomic),
//! then each env dir is swapped into place with one rename (Linux: `renameat2(RENAME_EXCHANGE)`,
//! so the env path never even disappears; elsewhere two renames). On any error the swaps already
//! done are undone and the temp dir is removed, so the previous output stays as it was.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One file of an environment's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the env dir, `/`-separated, e.g. `virtualservice-auth.yaml`.
    pub path: String,
    pub contents: String,
}

/// Everything emitted for one environment: becomes the directory `OUT/<env>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmittedEnv {
    pub env: String,
    pub files: Vec<OutputFile>,
}

/// Writes `out_dir/<env>/<path>` for every env, replacing each env dir as a whole: afterwards it
/// holds exactly the given files (stale ones are gone). Env dirs of `out_dir` that are not in
/// `envs` are left untouched. On error the previous output is left exactly as it was.
pub fn write_tree(out_dir: &Path, envs: &[EmittedEnv]) -> io::Result<()> {
    write_tree_with(out_dir, envs, &mut |_| Ok(()))
}

/// One multi-document YAML stream of all files (for `--stdout`), each document preceded by a
/// `# <env>/<path>` comment so the reader knows where it would have been written.
pub fn to_stream(envs: &[EmittedEnv]) -> String {
    let docs: Vec<String> = envs
        .iter()
        .flat_map(|env| {
            env.files.iter().map(move |file| {
                let contents = file.contents.strip_prefix("---\n").unwrap_or(&file.contents);
                format!("# {}/{}\n{}", env.env, file.path, contents)
            })
        })
        .collect();
    crate::yaml::multi_document(&docs)
}

/// `write_tree` with a hook called before each env is swapped in, so tests can make the
/// install phase fail half-way and check the rollback.
fn write_tree_with(
    out_dir: &Path,
    envs: &[EmittedEnv],
    before_install: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    validate(envs)?;
    fs::create_dir_all(out_dir)?;
    // Refuse before touching anything if an env path exists but is not a real directory: a
    // file or a symlink there was not written by us, and renaming over it would lose it.
    for env in envs {
        let target = out_dir.join(&env.env);
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and is not a directory; not replacing it", target.display()),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    let tmp = create_temp_dir(out_dir)?;
    let result = stage(&tmp, envs).and_then(|()| install(out_dir, &tmp, envs, before_install));
    // After a successful install the temp dir only holds the replaced old env dirs; failing to
    // delete them leaves litter but the new output is complete, so that is not an error.
    let _ = fs::remove_dir_all(&tmp);
    result
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Env names are one plain path component not starting with `.` (hidden names are reserved for
/// our temp dirs); file paths are relative and stay inside the env dir; no duplicates.
fn validate(envs: &[EmittedEnv]) -> io::Result<()> {
    let mut seen_envs = BTreeSet::new();
    for env in envs {
        let name = env.env.as_str();
        let single_component =
            matches!(Path::new(name).components().collect::<Vec<_>>().as_slice(), [Component::Normal(_)]);
        if !single_component || name.contains('/') || name.starts_with('.') {
            return Err(invalid(format!("invalid environment name {name:?}")));
        }
        if !seen_envs.insert(name) {
            return Err(invalid(format!("environment {name:?} given twice")));
        }
        // `Path` compares by components, as a `PathBuf` of the components did, without one
        // allocation per file; a hash set keeps this linear for tens of thousands of files.
        let mut seen_paths: HashSet<&Path> = HashSet::with_capacity(env.files.len());
        for file in &env.files {
            let path = Path::new(&file.path);
            // Checked on the string: `Path::components` silently drops inner `.` and `//`.
            let inside = file.path.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
                && path.components().all(|c| matches!(c, Component::Normal(_)));
            if !inside {
                return Err(invalid(format!("invalid output path {:?} in environment {name:?}", file.path)));
            }
            if !seen_paths.insert(path) {
                return Err(invalid(format!("output path {:?} given twice in environment {name:?}", file.path)));
            }
        }
    }
    Ok(())
}

/// Creates `out_dir/.meshc-tmp-<pid>-<n>`; `n` makes concurrent calls in one process distinct.
fn create_temp_dir(out_dir: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = out_dir.join(format!(".meshc-tmp-{}-{n}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            // Left over by an earlier process with the same pid: take the next number.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Writes every env's files under `tmp/<env>/`.
fn stage(tmp: &Path, envs: &[EmittedEnv]) -> io::Result<()> {
    for env in envs {
        let dir = tmp.join(&env.env);
        fs::create_dir(&dir)?;
        // Files come grouped by directory (namespace): create each directory once, not once
        // per file.
        let mut created: HashSet<PathBuf> = HashSet::new();
        for file in &env.files {
            let path = dir.join(&file.path);
            if let Some(parent) = path.parent() {
                if !created.contains(parent) {
                    fs::create_dir_all(parent)?;
                    created.insert(parent.to_path_buf());
                }
            }
            fs::write(&path, &file.contents)?;
        }
    }
    Ok(())
}

/// What was done to put one env in place, so it can be undone.
enum Installed {
    /// No previous dir: the new one was renamed to the target.
    Created { target: PathBuf, staged: PathBuf },
    /// Old and new were exchanged atomically; the old one now sits at `staged`.
    Exchanged { target: PathBuf, staged: PathBuf },
    /// Old moved to `old`, then new renamed to the target (no exchange support).
    Moved { target: PathBuf, staged: PathBuf, old: PathBuf },
}

fn install(
    out_dir: &Path,
    tmp: &Path,
    envs: &[EmittedEnv],
    before_install: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let mut done = Vec::with_capacity(envs.len());
    for env in envs {
        let step = before_install(&env.env).and_then(|()| {
            install_one(out_dir.join(&env.env), tmp.join(&env.env), tmp.join(format!(".old-{}", env.env)))
        });
        match step {
            Ok(installed) => done.push(installed),
            Err(e) => {
                // Best effort: each undo is a rename inside one filesystem and rarely fails;
                // the original error is the one worth reporting.
                for installed in done.into_iter().rev() {
                    let _ = undo(installed);
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

fn install_one(target: PathBuf, staged: PathBuf, old: PathBuf) -> io::Result<Installed> {
    match fs::symlink_metadata(&target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::rename(&staged, &target)?;
            return Ok(Installed::Created { target, staged });
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    if exchange(&staged, &target)? {
        return Ok(Installed::Exchanged { target, staged });
    }
    fs::rename(&target, &old)?;
    if let Err(e) = fs::rename(&staged, &target) {
        let _ = fs::rename(&old, &target);
        return Err(e);
    }
    Ok(Installed::Moved { target, staged, old })
}

fn undo(installed: Installed) -> io::Result<()> {
    match installed {
        Installed::Created { target, staged } => fs::rename(target, staged),
        Installed::Exchanged { target, staged } => exchange(&staged, &target).and_then(|ok| {
            if ok {
                Ok(())
            } else {
                Err(io::Error::other("exchange no longer supported"))
            }
        }),
        Installed::Moved { target, staged, old } => {
            fs::rename(&target, staged)?;
            fs::rename(old, target)
        }
    }
}

/// Atomically swaps two existing paths. `Ok(false)`: not supported here (other OS, old kernel,
/// or a filesystem without RENAME_EXCHANGE), so the caller falls back to two renames.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    #[cfg(test)]
    if tests::NO_EXCHANGE.with(std::cell::Cell::get) {
        return Ok(false);
    }
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::BTreeMap;

    thread_local! {
        /// Makes `exchange` report "unsupported" on this test's thread, to test the fallback.
        pub(super) static NO_EXCHANGE: Cell<bool> = const { Cell::new(false) };
    }

    fn file(path: &str, contents: &str) -> OutputFile {
        OutputFile { path: path.into(), contents: contents.into() }
    }

    fn env(name: &str, files: Vec<OutputFile>) -> EmittedEnv {
        EmittedEnv { env: name.into(), files }
    }

    /// Every file under `dir` (relative path → contents), plus `/` entries for directories.
    fn tree(dir: &Path) -> BTreeMap<String, String> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
            let mut entries: Vec<_> =
                fs::read_dir(dir).expect("read dir").map(|e| e.expect("dir entry").path()).collect();
            entries.sort();
            for path in entries {
                let rel = path.strip_prefix(root).expect("below root").to_string_lossy().into_owned();
                if path.is_dir() {
                    out.insert(format!("{rel}/"), String::new());
                    walk(root, &path, out);
                } else {
                    out.insert(rel, fs::read_to_string(&path).expect("read file"));
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    fn expect_tree(dir: &Path, want: &[(&str, &str)]) {
        let want: BTreeMap<String, String> = want.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
        assert_eq!(tree(dir), want);
    }

    #[test]
    fn writes_exact_tree_and_creates_out_dir() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out/nested");
        write_tree(
            &out,
            &[env("prod", vec![file("a.yaml", "a: 1\n"), file("sub/b.yaml", "b\n")]), env("staging", vec![])],
        )
        .expect("write");
        expect_tree(
            &out,
            &[
                ("prod/", ""),
                ("prod/a.yaml", "a: 1\n"),
                ("prod/sub/", ""),
                ("prod/sub/b.yaml", "b\n"),
                ("staging/", ""),
            ],
        );
    }

    #[test]
    fn rewrite_removes_stale_files_and_keeps_other_envs() {
        rewrite_removes_stale_files_and_keeps_other_envs_impl();
    }

    #[test]
    fn rewrite_without_rename_exchange() {
        NO_EXCHANGE.with(|c| c.set(true));
        rewrite_removes_stale_files_and_keeps_other_envs_impl();
    }

    fn rewrite_removes_stale_files_and_keeps_other_envs_impl() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        write_tree(
            out,
            &[
                env("prod", vec![file("old.yaml", "old\n"), file("keep.yaml", "v1\n")]),
                env("dev", vec![file("dev.yaml", "dev\n")]),
            ],
        )
        .expect("first write");
        fs::write(out.join("README"), "not ours\n").expect("write unrelated file");
        write_tree(out, &[env("prod", vec![file("keep.yaml", "v2\n")])]).expect("second write");
        expect_tree(
            out,
            &[
                ("README", "not ours\n"),
                ("dev/", ""),
                ("dev/dev.yaml", "dev\n"),
                ("prod/", ""),
                ("prod/keep.yaml", "v2\n"),
            ],
        );
    }

    #[test]
    fn failed_staging_leaves_previous_output_intact() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        write_tree(out, &[env("prod", vec![file("a.yaml", "a\n")])]).expect("first write");
        let before = tree(out);
        // `x` is written as a file, so `x/y.yaml` cannot be created below it.
        let err = write_tree(
            out,
            &[env("dev", vec![file("d.yaml", "d\n")]), env("prod", vec![file("x", "file\n"), file("x/y.yaml", "y\n")])],
        )
        .expect_err("a path component is a file");
        assert_ne!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert_eq!(tree(out), before, "previous output changed, or temp dir left");
    }

    #[test]
    fn failed_install_rolls_back_envs_already_swapped() {
        failed_install_rolls_back_impl();
    }

    #[test]
    fn failed_install_rolls_back_without_rename_exchange() {
        NO_EXCHANGE.with(|c| c.set(true));
        failed_install_rolls_back_impl();
    }

    fn failed_install_rolls_back_impl() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        write_tree(out, &[env("a", vec![file("a.yaml", "a1\n")]), env("c", vec![file("c.yaml", "c1\n")])])
            .expect("first write");
        let before = tree(out);
        let new = [
            env("a", vec![file("a.yaml", "a2\n")]),
            env("b", vec![file("b.yaml", "b2\n")]),
            env("c", vec![file("c.yaml", "c2\n")]),
        ];
        let err = write_tree_with(out, &new, &mut |env| {
            if env == "c" {
                Err(io::Error::other("injected failure"))
            } else {
                Ok(())
            }
        })
        .expect_err("injected failure");
        assert_eq!(err.to_string(), "injected failure");
        assert_eq!(tree(out), before, "rollback incomplete");
    }

    #[test]
    fn refuses_to_replace_a_file_at_an_env_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        fs::write(out.join("prod"), "a file\n").expect("write");
        let err = write_tree(out, &[env("prod", vec![file("a.yaml", "a\n")])]).expect_err("env path is a file");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        expect_tree(out, &[("prod", "a file\n")]);
    }

    #[test]
    fn out_dir_being_a_file_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        fs::write(&out, "x").expect("write");
        assert!(write_tree(&out, &[env("prod", vec![])]).is_err());
        assert_eq!(fs::read_to_string(&out).expect("read"), "x");
    }

    #[test]
    fn rejects_paths_outside_the_env_dir_and_bad_names() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        for bad in [
            vec![env("prod", vec![file("../escape.yaml", "")])],
            vec![env("prod", vec![file("/abs.yaml", "")])],
            vec![env("prod", vec![file("", "")])],
            vec![env("prod", vec![file("a/./b.yaml", "")])],
            vec![env("prod", vec![file("a.yaml", ""), file("a.yaml", "")])],
            vec![env("../x", vec![])],
            vec![env(".hidden", vec![])],
            vec![env("a/b", vec![])],
            vec![env("", vec![])],
            vec![env("p", vec![]), env("p", vec![])],
        ] {
            let err = write_tree(out, &bad).expect_err("invalid input");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        expect_tree(out, &[]);
    }

    #[test]
    fn stream_has_a_comment_per_document() {
        let envs = [
            env("prod", vec![file("a.yaml", "a: 1\n"), file("b.yaml", "---\nb: 2\n")]),
            env("dev", vec![file("k/c.yaml", "c: 3\n")]),
        ];
        assert_eq!(to_stream(&envs), "# prod/a.yaml\na: 1\n---\n# prod/b.yaml\nb: 2\n---\n# dev/k/c.yaml\nc: 3\n");
    }
}
