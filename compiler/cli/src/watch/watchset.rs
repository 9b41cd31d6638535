//! Which directories `meshc watch` asks the operating system to watch, recomputed before
//! every build (as Typst's `watch` re-watches what its last compile read).
//!
//! The project directory is watched recursively, except that the output directory must
//! not be: every build rewrites it, and on a large project its events alone would fill the
//! kernel's queue. So the directories on the way from the project down to the output are
//! watched flat, and each of their other subdirectories recursively. The other files the
//! build reads or looks for (imports from outside the project, templates, targets of
//! symbolic links) get their directory watched flat unless a recursive watch covers it;
//! watching the directory rather than the file sees it replaced by a rename, and created.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use notify::RecursiveMode;

use crate::project;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WatchSet {
    pub recursive: BTreeSet<PathBuf>,
    pub flat: BTreeSet<PathBuf>,
}

impl WatchSet {
    /// Every directory with how to watch it.
    pub fn entries(&self) -> impl Iterator<Item = (&Path, RecursiveMode)> {
        let recursive = self.recursive.iter().map(|dir| (dir.as_path(), RecursiveMode::Recursive));
        recursive.chain(self.flat.iter().map(|dir| (dir.as_path(), RecursiveMode::NonRecursive)))
    }
}

/// The directories to watch for the project at `root` writing to `out`, which also reads
/// (or looks for) the files `extra`; all resolved.
pub fn plan(root: &Path, out: &Path, extra: &BTreeSet<PathBuf>) -> WatchSet {
    let mut set = WatchSet::default();
    // A project directory that was removed (a branch switch, `rm -r` then a copy) is
    // waited for from the nearest directory that still exists.
    if !root.is_dir() {
        if let Some(ancestor) = root.ancestors().skip(1).find(|dir| dir.is_dir()) {
            set.flat.insert(ancestor.to_path_buf());
        }
        return set;
    }
    add_tree(root, out, &mut set);
    for file in extra {
        if let Some(dir) = file.parent() {
            if !set.recursive.iter().any(|watched| dir.starts_with(watched)) {
                set.flat.insert(dir.to_path_buf());
            }
        }
    }
    set
}

fn add_tree(dir: &Path, out: &Path, set: &mut WatchSet) {
    if !out.starts_with(dir) || out == dir {
        set.recursive.insert(dir.to_path_buf());
        return;
    }
    set.flat.insert(dir.to_path_buf());
    // A directory that cannot be read holds nothing the build can read either; the build
    // reports it.
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
        if !is_dir || name.starts_with('.') || project::SKIPPED_DIRS.contains(&name.as_ref()) {
            continue;
        }
        let child = entry.path();
        if child != out {
            add_tree(&child, out, set);
        }
    }
}

/// `path` made absolute with symbolic links resolved, as far as it exists: the output
/// directory may not exist before the first build.
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match fs::canonicalize(existing) {
            Ok(found) => return Ok(rest.iter().rev().fold(found, |path, part| path.join(part))),
            Err(error) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => return Err(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(root: &Path, relative: &[&str]) {
        for dir in relative {
            fs::create_dir_all(root.join(dir)).expect("create dir");
        }
    }

    fn relative(root: &Path, set: &BTreeSet<PathBuf>) -> Vec<String> {
        set.iter().map(|dir| dir.strip_prefix(root).unwrap_or(dir).display().to_string()).collect()
    }

    #[test]
    fn the_output_directory_is_left_out() {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = fs::canonicalize(temp.path()).expect("canonical");
        dirs(&root, &["routes/v1", "build/out/prod", "build/cache", ".git/objects", "target/debug"]);
        fs::write(root.join("mesh.mesh"), "").expect("write");
        let extra = BTreeSet::from([root.join(".shared/common.mesh"), root.join("routes/v1/template.yaml")]);
        let set = plan(&root, &root.join("build/out"), &extra);
        assert_eq!(relative(&root, &set.flat), ["", ".shared", "build"], "a hidden folder is watched for its file");
        assert_eq!(relative(&root, &set.recursive), ["build/cache", "routes"]);
    }

    #[test]
    fn an_output_directory_elsewhere_leaves_the_project_whole() {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = fs::canonicalize(temp.path()).expect("canonical");
        dirs(&root, &["proj/sub", "out"]);
        let extra = BTreeSet::from([PathBuf::from("/shared/lib/common.mesh"), root.join("proj/sub/dashboard.json")]);
        let set = plan(&root.join("proj"), &root.join("out"), &extra);
        assert_eq!(set.recursive, BTreeSet::from([root.join("proj")]));
        assert_eq!(set.flat, BTreeSet::from([PathBuf::from("/shared/lib")]));
        assert_eq!(set.entries().count(), 2);
    }

    #[test]
    fn a_removed_project_is_waited_for_from_the_nearest_directory_left() {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = fs::canonicalize(temp.path()).expect("canonical");
        let set = plan(&root.join("gone/proj"), &root.join("out"), &BTreeSet::new());
        assert_eq!(set, WatchSet { recursive: BTreeSet::new(), flat: BTreeSet::from([root]) });
    }

    #[test]
    fn resolves_paths_that_do_not_exist_yet() {
        let temp = tempfile::tempdir().expect("temp dir");
        let root = fs::canonicalize(temp.path()).expect("canonical");
        dirs(&root, &["real"]);
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("real"), root.join("link")).expect("symlink");
        #[cfg(unix)]
        assert_eq!(resolve(&root.join("link/out/prod")).expect("resolves"), root.join("real/out/prod"));
        assert_eq!(resolve(&root.join("real/a/b")).expect("resolves"), root.join("real/a/b"));
    }
}
