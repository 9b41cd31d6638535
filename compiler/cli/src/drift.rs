//! The drift gate of `meshc build --check`: what a build would write, compared with what
//! is in the output directory, as a unified diff.
//!
//! A build owns `OUT/<env>/` for every environment it emits (the layout `write_tree`
//! writes), so a file there that the build would not write counts as drift too: it would
//! still be applied by `kubectl apply -f`. Directories of environments not being built
//! are not looked at.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::error::Fatal;

/// One file a build would write, at `path` relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: PathBuf,
    pub contents: Vec<u8>,
}

/// One file of environment `env` a build would write, at `<env>/<path>`.
pub fn planned(env: &str, path: &str, contents: &str) -> Planned {
    Planned { path: Path::new(env).join(path), contents: contents.as_bytes().to_vec() }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// How many files would be added, changed or removed.
    pub changed: usize,
    /// A unified diff from what is in `out` to what would be written, in path order,
    /// with `a/` and `b/` prefixes so `patch -p1` could apply it from the current directory.
    pub diff: String,
}

impl Drift {
    /// The drift of several environments compared one at a time, listed as one comparison
    /// of them all lists it: by path, so by environment directory first.
    pub fn join(mut envs: Vec<(String, Drift)>) -> Drift {
        envs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut joined = Drift::default();
        for (_, drift) in envs {
            joined.changed += drift.changed;
            joined.diff.push_str(&drift.diff);
        }
        joined
    }
}

/// Compares `planned` with the contents of `out`, reading only.
pub fn compare(out: &Path, planned: &[Planned]) -> Result<Drift, Fatal> {
    let wanted: BTreeMap<&Path, &[u8]> =
        planned.iter().map(|file| (file.path.as_path(), file.contents.as_slice())).collect();
    let mut present = BTreeMap::new();
    let mut env_dirs: Vec<&Path> = planned.iter().filter_map(|file| file.path.iter().next().map(Path::new)).collect();
    env_dirs.sort();
    env_dirs.dedup();
    for env_dir in env_dirs {
        collect(out, env_dir, &mut present)?;
    }

    let mut paths: Vec<&Path> = wanted.keys().copied().chain(present.keys().map(PathBuf::as_path)).collect();
    paths.sort();
    paths.dedup();

    let mut drift = Drift::default();
    for path in paths {
        let old = present.get(path).map(Vec::as_slice);
        let new = wanted.get(path).copied();
        if old == new {
            continue;
        }
        drift.changed += 1;
        drift.diff.push_str(&file_diff(&out.join(path), old, new));
    }
    Ok(drift)
}

/// Reads every file under `out/relative` into `found`, keyed by path relative to `out`.
pub fn collect(out: &Path, relative: &Path, found: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<(), Fatal> {
    let dir = out.join(relative);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(Fatal::io("cannot read directory", &dir, &error)),
    };
    for entry in entries {
        let entry = entry.map_err(|error| Fatal::io("cannot read directory", &dir, &error))?;
        let child = relative.join(entry.file_name());
        let path = entry.path();
        if fs::metadata(&path).map_err(|error| Fatal::io("cannot read", &path, &error))?.is_dir() {
            collect(out, &child, found)?;
        } else {
            let contents = fs::read(&path).map_err(|error| Fatal::io("cannot read", &path, &error))?;
            found.insert(child, contents);
        }
    }
    Ok(())
}

fn file_diff(path: &Path, old: Option<&[u8]>, new: Option<&[u8]>) -> String {
    let shown = path.display();
    let old_name = if old.is_some() { format!("a/{shown}") } else { "/dev/null".to_string() };
    let new_name = if new.is_some() { format!("b/{shown}") } else { "/dev/null".to_string() };
    match (text(old), text(new)) {
        (Some(old), Some(new)) => {
            let mut diff = TextDiff::from_lines(old, new).unified_diff().header(&old_name, &new_name).to_string();
            if !diff.ends_with('\n') {
                diff.push('\n');
            }
            diff
        }
        _ => format!("Binary files {old_name} and {new_name} differ\n"),
    }
}

/// The contents as text, a missing file being empty; `None` when it is not UTF-8.
fn text(contents: Option<&[u8]>) -> Option<&str> {
    std::str::from_utf8(contents.unwrap_or_default()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(path: &str, contents: &str) -> Planned {
        let (env, path) = path.split_once('/').expect("<env>/<path>");
        super::planned(env, path, contents)
    }

    fn write(root: &Path, relative: &str, contents: &[u8]) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
        fs::write(path, contents).expect("write file");
    }

    #[test]
    fn identical_trees_do_not_drift() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), "dev/a.yaml", b"kind: A\n");
        write(dir.path(), "prod/a.yaml", b"kind: A\n");
        let drift = compare(dir.path(), &[planned("dev/a.yaml", "kind: A\n"), planned("prod/a.yaml", "kind: A\n")])
            .expect("compares");
        assert_eq!(drift, Drift::default());
    }

    #[test]
    fn changed_added_and_stale_files_are_drift() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path();
        write(out, "dev/a.yaml", b"kind: A\nreplicas: 1\n");
        write(out, "dev/stale/old.yaml", b"kind: Old\n");
        write(out, "dev/logo.bin", b"\xff\xfe");
        write(out, "staging/untouched.yaml", b"not built, not compared\n");
        let drift = compare(
            out,
            &[
                planned("dev/a.yaml", "kind: A\nreplicas: 2\n"),
                planned("dev/b.yaml", "kind: B\n"),
                planned("prod/c.yaml", "kind: C\n"),
            ],
        )
        .expect("compares");
        assert_eq!(drift.changed, 5, "{}", drift.diff);
        let o = out.display();
        let expected = format!(
            "--- a/{o}/dev/a.yaml\n+++ b/{o}/dev/a.yaml\n@@ -1,2 +1,2 @@\n kind: A\n-replicas: 1\n+replicas: 2\n\
             --- /dev/null\n+++ b/{o}/dev/b.yaml\n@@ -0,0 +1 @@\n+kind: B\n\
             Binary files a/{o}/dev/logo.bin and /dev/null differ\n\
             --- a/{o}/dev/stale/old.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: Old\n\
             --- /dev/null\n+++ b/{o}/prod/c.yaml\n@@ -0,0 +1 @@\n+kind: C\n"
        );
        assert_eq!(drift.diff, expected);
    }

    #[test]
    fn environments_compared_one_at_a_time_join_in_path_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path();
        write(out, "prod/a.yaml", b"old\n");
        write(out, "dev/a.yaml", b"old\n");
        let all = compare(out, &[planned("prod/a.yaml", "new\n"), planned("dev/a.yaml", "new\n")]).expect("compares");
        let prod = compare(out, &[planned("prod/a.yaml", "new\n")]).expect("compares");
        let dev = compare(out, &[planned("dev/a.yaml", "new\n")]).expect("compares");
        assert_eq!(Drift::join(vec![("prod".to_string(), prod), ("dev".to_string(), dev)]), all);
        assert_eq!(all.changed, 2);
        assert!(all.diff.find("/dev/a.yaml") < all.diff.find("/prod/a.yaml"), "{}", all.diff);
    }

    #[test]
    fn a_missing_output_directory_is_all_additions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let drift = compare(&dir.path().join("out"), &[planned("dev/a.yaml", "a\n")]).expect("compares");
        assert_eq!(drift.changed, 1);
        assert!(drift.diff.contains("+++ b/"), "{}", drift.diff);
    }
}
