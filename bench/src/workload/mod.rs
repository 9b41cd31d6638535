//! Generated `.mesh` workspaces of N services, deterministic for a given N.
//!
//! Two shapes: [`full`] uses every kind of declaration across three environments, the way a
//! real mesh is written (services grouped by team, one file per team); [`peer`] is exactly the
//! workload of `../shared/bench/peers/` (one VirtualService and one DestinationRule per
//! service, one environment), so meshc can be timed against other configuration languages.

pub mod full;
pub mod peer;

use std::fs;
use std::io;
use std::path::Path;

use meshc_core::Sources;

/// One file of a generated workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the workspace root, `/`-separated.
    pub path: String,
    pub text: String,
}

/// Which workload to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Full,
    Peer,
}

/// The files of a workspace of `services` services, sorted by path (the order in which
/// `meshc build` loads them).
pub fn generate(shape: Shape, services: usize) -> Vec<GeneratedFile> {
    let mut files = match shape {
        Shape::Full => full::generate(services),
        Shape::Peer => peer::generate(services),
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The files as one analysis sees them, in the same order as the CLI's project loader.
pub fn sources(files: &[GeneratedFile]) -> Sources {
    let mut sources = Sources::new();
    for file in files {
        sources.add(file.path.clone(), file.text.clone());
    }
    sources
}

/// Writes the files under `dir`, which must not exist or be empty: stale files of an earlier,
/// larger workspace would otherwise become part of this one.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> io::Result<()> {
    if let Ok(mut entries) = fs::read_dir(dir) {
        if entries.next().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} is not empty; give a new or empty directory", dir.display()),
            ));
        }
    }
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.text)?;
    }
    Ok(())
}

/// Reads every `*.mesh` file under `dir` back, sorted by relative path like `meshc build`
/// does, so a test or a measurement sees what the compiler would see.
pub fn load(dir: &Path) -> io::Result<Sources> {
    // Sorted by path components, as the CLI sorts `PathBuf`s (`a/b` before `a-b/c`).
    fn walk(root: &Path, dir: &Path, found: &mut Vec<(Vec<String>, String)>) -> io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, found)?;
            } else if path.extension().is_some_and(|e| e == "mesh") {
                let relative = path.strip_prefix(root).map_err(io::Error::other)?;
                let name: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                found.push((name, fs::read_to_string(&path)?));
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found)?;
    found.sort();
    let mut sources = Sources::new();
    for (name, text) in found {
        sources.add(name.join("/"), text);
    }
    Ok(sources)
}
