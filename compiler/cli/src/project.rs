//! Loading a project from disk into `Sources`: every `*.mesh` file under the project
//! directory, sorted by relative path and named relative to it with `/` separators, so the
//! same tree gives the same `Sources` (and the same output) on every machine.
//!
//! Skipped: hidden files and directories (`.git`, editor lock files), `target`,
//! `node_modules`, the given output directories, and symbolic links to directories (which
//! could loop). Unreadable files and invalid UTF-8 are IO errors naming the file.

use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use meshc_core::Sources;

use crate::error::Fatal;

pub const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// Reads the project under `root` and what it depends on: imported modules (the standard
/// library, files outside the project) and templates. A dependency that cannot be read is
/// left out; the import or template naming it reports it. `skip` lists directories to leave
/// out wherever they are (the output directory); ones that do not exist are ignored.
pub fn load(root: &Path, skip: &[&Path]) -> Result<Sources, Fatal> {
    let mut sources = load_files(root, skip)?;
    meshc_core::modules::load_dependencies(&mut sources, &mut |name| fs::read_to_string(root.join(name)).ok());
    Ok(sources)
}

/// Reads only the `.mesh` files under `root` (what `meshc fmt` rewrites).
pub fn load_files(root: &Path, skip: &[&Path]) -> Result<Sources, Fatal> {
    match fs::metadata(root) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => {
            return Err(Fatal::new(format!("{} is not a directory", root.display()))
                .with_help("meshc takes a project directory and compiles every .mesh file under it"))
        }
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return Err(Fatal::new(format!("no such directory: {}", root.display())))
        }
        Err(error) => return Err(Fatal::io("cannot read", root, &error)),
    }
    let skip: Vec<PathBuf> = skip.iter().filter_map(|dir| fs::canonicalize(dir).ok()).collect();

    let mut found = Vec::new();
    walk(root, Path::new(""), &skip, &mut found)?;
    if found.is_empty() {
        return Err(Fatal::new(format!("no .mesh files found under {}", root.display())));
    }
    found.sort();

    let mut sources = Sources::new();
    for relative in found {
        let path = shown(root, &relative);
        let bytes = fs::read(&path).map_err(|error| Fatal::io("cannot read", &path, &error))?;
        let text = String::from_utf8(bytes).map_err(|error| {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
            Fatal::new(format!("{} is not valid UTF-8 (line {line})", path.display()))
                .with_help("save .mesh files as UTF-8")
                .with_path(&path)
        })?;
        sources.add(name(&relative), text);
    }
    Ok(sources)
}

/// Collects the `.mesh` files under `root/relative`, as paths relative to `root`.
fn walk(root: &Path, relative: &Path, skip: &[PathBuf], found: &mut Vec<PathBuf>) -> Result<(), Fatal> {
    let dir = shown(root, relative);
    let entries = fs::read_dir(&dir).map_err(|error| Fatal::io("cannot read directory", &dir, &error))?;
    for entry in entries {
        let entry = entry.map_err(|error| Fatal::io("cannot read directory", &dir, &error))?;
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with('.') {
            continue;
        }
        let child = relative.join(entry.file_name());
        let path = entry.path();
        let file_type = entry.file_type().map_err(|error| Fatal::io("cannot read", &path, &error))?;
        if file_type.is_dir() {
            if SKIPPED_DIRS.contains(&file_name.as_ref()) || is_skipped(&path, skip) {
                continue;
            }
            walk(root, &child, skip, found)?;
        } else if is_mesh(&file_name) {
            // A symbolic link to a file is read like the file; one that points nowhere is an
            // error, since the user named it `.mesh` and expects it to be compiled.
            if file_type.is_symlink() {
                let metadata = fs::metadata(&path).map_err(|error| Fatal::io("cannot read", &path, &error))?;
                if !metadata.is_file() {
                    continue;
                }
            }
            found.push(child);
        }
    }
    Ok(())
}

fn is_mesh(file_name: &str) -> bool {
    Path::new(file_name).extension().is_some_and(|extension| extension == "mesh")
}

fn is_skipped(dir: &Path, skip: &[PathBuf]) -> bool {
    !skip.is_empty() && fs::canonicalize(dir).is_ok_and(|canonical| skip.contains(&canonical))
}

/// The path to show the user (and to open): `root/relative`, without a leading `./`.
fn shown(root: &Path, relative: &Path) -> PathBuf {
    if root == Path::new(".") && !relative.as_os_str().is_empty() {
        relative.to_path_buf()
    } else {
        root.join(relative)
    }
}

/// The name a file gets in `Sources`: its path relative to the project, `/`-separated.
fn name(relative: &Path) -> String {
    let parts: Vec<_> = relative
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, relative: &str, contents: &[u8]) {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
        fs::write(path, contents).expect("write file");
    }

    fn names(sources: &Sources) -> Vec<String> {
        sources.iter().map(|(_, file)| file.name.clone()).collect()
    }

    #[test]
    fn finds_mesh_files_sorted_and_skips_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "z.mesh", b"z");
        write(root, "a/b.mesh", b"b");
        write(root, "a-b/c.mesh", b"c");
        write(root, "a.mesh", b"a");
        write(root, "notes.txt", b"not mesh");
        write(root, ".git/x.mesh", b"hidden");
        write(root, ".#a.mesh", b"editor lock");
        write(root, "target/x.mesh", b"build output");
        write(root, "node_modules/x.mesh", b"dependency");
        write(root, "generated/x.mesh", b"output dir");
        let skip = root.join("generated");
        let sources = load(root, &[&skip, Path::new("/does/not/exist")]).expect("loads");
        assert_eq!(names(&sources), ["a/b.mesh", "a-b/c.mesh", "a.mesh", "z.mesh"]);
        assert_eq!(sources.get(meshc_core::FileId(0)).text, "b");
    }

    #[test]
    fn io_errors_name_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let missing = root.join("missing");
        assert_eq!(
            load(&missing, &[]).map(|_| ()),
            Err(Fatal::new(format!("no such directory: {}", missing.display())))
        );

        write(root, "empty/readme.md", b"");
        let error = load(&root.join("empty"), &[]).expect_err("no .mesh files");
        assert!(error.message.starts_with("no .mesh files found under"), "{error:?}");

        write(root, "bad/ok.mesh", b"fine\n");
        write(root, "bad/sub/latin1.mesh", b"one\ntwo \xe9\n");
        let error = load(&root.join("bad"), &[]).expect_err("invalid UTF-8");
        let path = root.join("bad/sub/latin1.mesh");
        assert_eq!(error.message, format!("{} is not valid UTF-8 (line 2)", path.display()));
        assert_eq!(error.path, Some(path));

        let error = load(&root.join("bad/ok.mesh"), &[]).expect_err("a file is not a project");
        assert!(error.message.ends_with("is not a directory"), "{error:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_to_files_are_read_and_dangling_ones_are_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "real/a.mesh", b"a");
        std::os::unix::fs::symlink(root.join("real"), root.join("loop")).expect("symlink");
        std::os::unix::fs::symlink(root.join("real/a.mesh"), root.join("linked.mesh")).expect("symlink");
        let sources = load(root, &[]).expect("loads");
        assert_eq!(names(&sources), ["linked.mesh", "real/a.mesh"]);

        std::os::unix::fs::symlink(root.join("nowhere.mesh"), root.join("dangling.mesh")).expect("symlink");
        let error = load(root, &[]).expect_err("dangling link");
        assert!(error.message.contains("dangling.mesh"), "{error:?}");
    }

    #[test]
    fn the_current_directory_is_not_shown_as_a_prefix() {
        assert_eq!(shown(Path::new("."), Path::new("a/b.mesh")), PathBuf::from("a/b.mesh"));
        assert_eq!(shown(Path::new("proj"), Path::new("a.mesh")), PathBuf::from("proj/a.mesh"));
        assert_eq!(name(Path::new("a/b/c.mesh")), "a/b/c.mesh");
    }
}
