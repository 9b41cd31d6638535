//! Emitted files per environment, and how they reach the disk (atomically) or stdout (a stream).
//!
//! A tree is never left with an environment directory half-written: the new tree is built in a
//! hidden temp dir inside the output dir (same filesystem, so renames are cheap and atomic),
//! then each env dir is swapped into place with one rename (Linux: `renameat2(RENAME_EXCHANGE)`,
//! so the env path never even disappears; elsewhere two renames). On any error the swaps already
//! done are undone and the temp dir is removed, so the previous output stays as it was.
//!
//! [`Staging`] does this one environment, and one file, at a time, so a caller can produce each
//! file, write it and drop it: a large build never holds its whole output in memory.
//! [`write_tree`] is the same for output that is already in memory.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::{self, Write};
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
/// [`StreamWriter`] writes the same bytes without holding them.
pub fn to_stream(envs: &[EmittedEnv]) -> String {
    let mut out = String::new();
    let mut first = true;
    for env in envs {
        for file in &env.files {
            for piece in stream_pieces(first, &env.env, &file.path, &file.contents) {
                out.push_str(piece);
            }
            first = false;
        }
    }
    out
}

/// The `--stdout` stream written document by document as files are produced: byte for byte
/// what [`to_stream`] returns for the same files.
pub struct StreamWriter<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> StreamWriter<W> {
    pub fn new(out: W) -> Self {
        StreamWriter { out, first: true }
    }

    /// Writes one file as one document of the stream.
    pub fn document(&mut self, env: &str, path: &str, contents: &str) -> io::Result<()> {
        for piece in stream_pieces(self.first, env, path, contents) {
            self.out.write_all(piece.as_bytes())?;
        }
        self.first = false;
        Ok(())
    }

    /// The writer, to flush it.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// One document of the stream: `---` between documents (`yaml::multi_document`'s layout), the
/// comment naming the file, and the file without its own `---` marker, ending with a newline.
fn stream_pieces<'a>(first: bool, env: &'a str, path: &'a str, contents: &'a str) -> [&'a str; 8] {
    let contents = contents.strip_prefix("---\n").unwrap_or(contents);
    let newline = if contents.is_empty() || contents.ends_with('\n') { "" } else { "\n" };
    [if first { "" } else { "---\n" }, "# ", env, "/", path, "\n", contents, newline]
}
/// An output tree being built one environment at a time. [`Staging::begin`] names the env dirs
/// it will replace; [`Staging::env`] stages one of them, file by file, in a hidden temp dir;
/// [`Staging::install`] swaps them all into place once every one is staged. Until then nothing
/// in the output dir changes, and dropping a `Staging` (after an error, say) removes the temp
/// dir and leaves the previous output exactly as it was.
pub struct Staging {
    out_dir: PathBuf,
    tmp: PathBuf,
    /// The environments announced to `begin`, in install order.
    envs: Vec<String>,
    /// Those `env` has started.
    staged: HashSet<String>,
}

impl Staging {
    /// Prepares to replace `out_dir/<env>` for each of `envs`. Env names must be one plain path
    /// component not starting with `.` (hidden names are our temp dirs), each given once; an
    /// env path that exists but is not a real directory is refused before anything is written
    /// (a file or symlink there was not written by us, and renaming over it would lose it).
    pub fn begin(out_dir: &Path, envs: &[String]) -> io::Result<Staging> {
        let mut seen = BTreeSet::new();
        for name in envs {
            let single_component =
                matches!(Path::new(name).components().collect::<Vec<_>>().as_slice(), [Component::Normal(_)]);
            if !single_component || name.contains('/') || name.starts_with('.') {
                return Err(invalid(format!("invalid environment name {name:?}")));
            }
            if !seen.insert(name) {
                return Err(invalid(format!("environment {name:?} given twice")));
            }
        }
        fs::create_dir_all(out_dir)?;
        for name in envs {
            let target = out_dir.join(name);
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
        Ok(Staging { out_dir: out_dir.to_path_buf(), tmp, envs: envs.to_vec(), staged: HashSet::new() })
    }

    /// Starts the directory of `env`, one of the environments given to `begin`, once.
    pub fn env(&mut self, env: &str) -> io::Result<EnvStaging> {
        if !self.envs.iter().any(|name| name == env) {
            return Err(invalid(format!("environment {env:?} was not announced")));
        }
        if !self.staged.insert(env.to_string()) {
            return Err(invalid(format!("environment {env:?} given twice")));
        }
        let dir = self.tmp.join(env);
        fs::create_dir(&dir)?;
        Ok(EnvStaging { env: env.to_string(), dir, paths: HashSet::new(), created: HashSet::new() })
    }

    /// Swaps every staged env dir into place, in the order given to `begin`; on error the swaps
    /// already done are undone. Every announced environment must have been staged.
    pub fn install(self) -> io::Result<()> {
        self.install_with(&mut |_| Ok(()))
    }

    /// `install` with a hook called before each env is swapped in, so tests can make the
    /// install phase fail half-way and check the rollback.
    fn install_with(self, before_install: &mut dyn FnMut(&str) -> io::Result<()>) -> io::Result<()> {
        if let Some(missing) = self.envs.iter().find(|env| !self.staged.contains(*env)) {
            return Err(invalid(format!("environment {missing:?} was announced but not staged")));
        }
        // After a successful install the temp dir only holds the replaced old env dirs; `Drop`
        // deletes them, and failing to leaves litter, not a wrong output.
        install(&self.out_dir, &self.tmp, &self.envs, before_install)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

/// The staged directory of one environment, filled one file at a time.
pub struct EnvStaging {
    env: String,
    dir: PathBuf,
    /// Paths written so far, to refuse a second file at the same path.
    paths: HashSet<String>,
    /// Directories created so far: files come grouped by directory (namespace), so each is
    /// created once, not once per file.
    created: HashSet<PathBuf>,
}

impl EnvStaging {
    /// Writes one file at `path`, relative to the env dir and `/`-separated; the path must stay
    /// inside the env dir and be new.
    pub fn write(&mut self, path: &str, contents: &[u8]) -> io::Result<()> {
        // Checked on the string: `Path::components` silently drops inner `.` and `//`. With
        // those refused, equal components mean equal strings, so a string set finds repeats.
        let inside = path.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
            && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            return Err(invalid(format!("invalid output path {path:?} in environment {:?}", self.env)));
        }
        if !self.paths.insert(path.to_string()) {
            return Err(invalid(format!("output path {path:?} given twice in environment {:?}", self.env)));
        }
        let file = self.dir.join(path);
        if let Some(parent) = file.parent() {
            if !self.created.contains(parent) {
                fs::create_dir_all(parent)?;
                self.created.insert(parent.to_path_buf());
            }
        }
        fs::write(&file, contents)
    }

    /// How many files were written.
    pub fn files(&self) -> usize {
        self.paths.len()
    }
}

/// `write_tree` with `Staging::install_with`'s hook.
fn write_tree_with(
    out_dir: &Path,
    envs: &[EmittedEnv],
    before_install: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let names: Vec<String> = envs.iter().map(|env| env.env.clone()).collect();
    let mut staging = Staging::begin(out_dir, &names)?;
    for env in envs {
        let mut dir = staging.env(&env.env)?;
        for file in &env.files {
            dir.write(&file.path, file.contents.as_bytes())?;
        }
    }
    staging.install_with(before_install)
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
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
    envs: &[String],
    before_install: &mut dyn FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let mut done = Vec::with_capacity(envs.len());
    for env in envs {
        let step = before_install(env)
            .and_then(|()| install_one(out_dir.join(env), tmp.join(env), tmp.join(format!(".old-{env}"))));
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

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn staging_installs_env_by_env_output_only_when_every_env_is_staged() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        write_tree(out, &[env("prod", vec![file("old.yaml", "old\n")])]).expect("first write");
        let mut staging = Staging::begin(out, &names(&["prod", "dev"])).expect("begin");
        let mut prod = staging.env("prod").expect("stage prod");
        prod.write("ns/a.yaml", b"a\n").expect("write a");
        prod.write("ns/b.yaml", b"b\n").expect("write b");
        assert_eq!(prod.files(), 2);
        // Staged, not installed.
        assert_eq!(fs::read_to_string(out.join("prod/old.yaml")).expect("read"), "old\n");
        assert!(!out.join("prod/ns").exists());
        staging.env("dev").expect("stage dev").write("d.yaml", b"d\n").expect("write d");
        staging.install().expect("install");
        expect_tree(
            out,
            &[
                ("dev/", ""),
                ("dev/d.yaml", "d\n"),
                ("prod/", ""),
                ("prod/ns/", ""),
                ("prod/ns/a.yaml", "a\n"),
                ("prod/ns/b.yaml", "b\n"),
            ],
        );
    }

    #[test]
    fn an_env_announced_but_not_staged_installs_nothing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        write_tree(out, &[env("prod", vec![file("a.yaml", "a\n")])]).expect("first write");
        let before = tree(out);
        let mut staging = Staging::begin(out, &names(&["prod", "dev"])).expect("begin");
        staging.env("prod").expect("stage prod").write("a.yaml", b"changed\n").expect("write");
        let err = staging.install().expect_err("dev was not staged");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        assert_eq!(tree(out), before, "previous output changed, or temp dir left");
    }

    #[test]
    fn a_dropped_staging_leaves_previous_output_intact() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        write_tree(out, &[env("prod", vec![file("a.yaml", "a\n")])]).expect("first write");
        let before = tree(out);
        {
            let mut staging = Staging::begin(out, &names(&["prod"])).expect("begin");
            let mut prod = staging.env("prod").expect("stage prod");
            prod.write("a.yaml", b"changed\n").expect("write");
            // Staged, not installed.
            assert_eq!(fs::read_to_string(out.join("prod/a.yaml")).expect("read"), "a\n");
        }
        assert_eq!(tree(out), before, "previous output changed, or temp dir left");
    }

    #[test]
    fn staging_refuses_unannounced_repeated_and_escaping_input() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path();
        let mut staging = Staging::begin(out, &names(&["prod"])).expect("begin");
        assert_eq!(staging.env("dev").err().map(|e| e.kind()), Some(io::ErrorKind::InvalidInput));
        let mut prod = staging.env("prod").expect("stage prod");
        prod.write("a.yaml", b"a\n").expect("write");
        for bad in ["a.yaml", "../escape.yaml", "/abs.yaml", "", "a/./b.yaml", "a//b.yaml"] {
            let err = prod.write(bad, b"x\n").expect_err("invalid path");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert_eq!(prod.files(), 1);
        assert_eq!(staging.env("prod").err().map(|e| e.kind()), Some(io::ErrorKind::InvalidInput));
        drop(staging);
        expect_tree(out, &[]);
        for bad in [names(&["p", "p"]), names(&[".hidden"]), names(&["a/b"]), names(&[""])] {
            let err = Staging::begin(out, &bad).err().map(|e| e.kind());
            assert_eq!(err, Some(io::ErrorKind::InvalidInput), "{bad:?}");
        }
    }

    #[test]
    fn stream_writer_writes_what_to_stream_returns() {
        let envs = [
            env("prod", vec![file("a.yaml", "a: 1\n"), file("b.yaml", "---\nb: 2\n"), file("c.yaml", "c: 3")]),
            env("empty", vec![]),
            env("dev", vec![file("k/d.yaml", ""), file("e.yaml", "e: 5\n")]),
        ];
        let mut stream = StreamWriter::new(Vec::new());
        for env in &envs {
            for file in &env.files {
                stream.document(&env.env, &file.path, &file.contents).expect("write to a Vec");
            }
        }
        assert_eq!(String::from_utf8(stream.into_inner()).expect("UTF-8"), to_stream(&envs));
        assert_eq!(
            to_stream(&envs),
            "# prod/a.yaml\na: 1\n---\n# prod/b.yaml\nb: 2\n---\n# prod/c.yaml\nc: 3\n---\n# dev/k/d.yaml\n---\n# dev/e.yaml\ne: 5\n"
        );
        assert_eq!(to_stream(&[]), "");
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
