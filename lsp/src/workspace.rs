//! The files the server sees: every `.mesh` file under each workspace folder (read from
//! disk) overlaid with the editor's open buffers, grouped into projects. A project is what
//! `meshc build DIR` would compile: one workspace folder, or a single file opened outside
//! every folder (or that is not a file on disk at all, like an unsaved buffer).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use meshc_core::Sources;
use tower_lsp_server::ls_types::Uri;

/// Directories never searched, as in `meshc build`: build output and dependencies.
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// A document: a file path when the URI is a `file:` URI, else the URI itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Path(PathBuf),
    Uri(String),
}

impl Key {
    pub fn of(uri: &Uri) -> Key {
        match uri.to_file_path() {
            Some(path) => Key::Path(normalize(&path)),
            None => Key::Uri(uri.as_str().to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectId {
    Folder(PathBuf),
    Single(Key),
}

#[derive(Debug, Clone)]
struct Open {
    uri: Uri,
    text: String,
    version: i32,
}

/// One file of a project as handed to analysis.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Key,
    /// `None` for a dependency that has no file to show (the standard library when its
    /// copy cannot be written).
    pub uri: Option<Uri>,
    /// The buffer version when the file is open in the editor.
    pub version: Option<i32>,
}

#[derive(Debug, Default)]
pub struct Workspace {
    folders: Vec<PathBuf>,
    disk: BTreeMap<PathBuf, String>,
    open: HashMap<Key, Open>,
}

impl Workspace {
    /// Adds a workspace folder and reads its `.mesh` files.
    pub fn add_folder(&mut self, dir: &Path) {
        let dir = normalize(dir);
        if self.folders.contains(&dir) {
            return;
        }
        let mut found = Vec::new();
        walk(&dir, &mut found);
        for path in found {
            if let Some(text) = read(&path) {
                self.disk.insert(path, text);
            }
        }
        self.folders.push(dir);
    }

    pub fn remove_folder(&mut self, dir: &Path) {
        let dir = normalize(dir);
        self.folders.retain(|f| *f != dir);
        let folders = &self.folders;
        self.disk.retain(|path, _| folders.iter().any(|f| path.starts_with(f)));
    }

    /// Records an opened buffer; returns its project.
    pub fn open(&mut self, uri: &Uri, text: String, version: i32) -> ProjectId {
        let key = Key::of(uri);
        self.open.insert(key.clone(), Open { uri: uri.clone(), text, version });
        self.project_of(&key)
    }

    /// Replaces a buffer's text. A change older than the buffer's version is ignored, so
    /// notifications handled out of order cannot roll a buffer back.
    pub fn change(&mut self, uri: &Uri, text: String, version: i32) -> Option<ProjectId> {
        let key = Key::of(uri);
        let open = self.open.get_mut(&key)?;
        if version < open.version {
            return None;
        }
        open.text = text;
        open.version = version;
        Some(self.project_of(&key))
    }

    /// Forgets a buffer: a file inside a folder falls back to what is on disk, a single-file
    /// project disappears (the caller clears its diagnostics).
    pub fn close(&mut self, uri: &Uri) -> ProjectId {
        let key = Key::of(uri);
        self.open.remove(&key);
        if let Key::Path(path) = &key {
            if self.folder_of(path).is_some() {
                match read(path) {
                    Some(text) => self.disk.insert(path.clone(), text),
                    None => self.disk.remove(path),
                };
            }
        }
        self.project_of(&key)
    }

    /// A file changed, appeared or disappeared on disk; returns its project if it is in one.
    pub fn disk_changed(&mut self, path: &Path) -> Option<ProjectId> {
        let path = normalize(path);
        let folder = self.folder_of(&path)?.to_path_buf();
        if is_mesh(&path) && !is_skipped(&folder, &path) {
            match read(&path) {
                Some(text) => self.disk.insert(path.clone(), text),
                None => self.disk.remove(&path),
            };
        }
        Some(ProjectId::Folder(folder))
    }

    /// The text of a document as the server sees it (buffer first, then disk).
    pub fn text(&self, uri: &Uri) -> Option<&str> {
        let key = Key::of(uri);
        if let Some(open) = self.open.get(&key) {
            return Some(&open.text);
        }
        match &key {
            Key::Path(path) => self.disk.get(path).map(String::as_str),
            Key::Uri(_) => None,
        }
    }

    /// The deepest workspace folder holding `path`.
    fn folder_of(&self, path: &Path) -> Option<&Path> {
        self.folders.iter().filter(|f| path.starts_with(f)).max_by_key(|f| f.components().count()).map(PathBuf::as_path)
    }

    pub fn project_of(&self, key: &Key) -> ProjectId {
        match key {
            Key::Path(path) => match self.folder_of(path) {
                Some(folder) => ProjectId::Folder(folder.to_path_buf()),
                None => ProjectId::Single(key.clone()),
            },
            Key::Uri(_) => ProjectId::Single(key.clone()),
        }
    }

    /// Every project: each folder, and each open buffer outside all folders.
    pub fn projects(&self) -> Vec<ProjectId> {
        let mut out: Vec<ProjectId> = self.folders.iter().cloned().map(ProjectId::Folder).collect();
        let mut singles: Vec<ProjectId> =
            self.open.keys().map(|k| self.project_of(k)).filter(|p| matches!(p, ProjectId::Single(_))).collect();
        singles.sort();
        out.extend(singles);
        out
    }

    /// The sources of one project, named and ordered as `meshc build` names and orders them,
    /// with the entry of each file. `None` when the project no longer exists.
    pub fn inputs(&self, project: &ProjectId) -> Option<(Sources, Vec<Entry>)> {
        let mut files: BTreeMap<String, (Key, Uri, String, Option<i32>)> = BTreeMap::new();
        match project {
            ProjectId::Folder(folder) => {
                if !self.folders.contains(folder) {
                    return None;
                }
                let mine = |path: &Path| self.folder_of(path) == Some(folder.as_path());
                for (path, text) in &self.disk {
                    if mine(path) && !self.open.contains_key(&Key::Path(path.clone())) {
                        let Some(uri) = Uri::from_file_path(path) else { continue };
                        files.insert(relative_name(folder, path), (Key::Path(path.clone()), uri, text.clone(), None));
                    }
                }
                for (key, open) in &self.open {
                    if let Key::Path(path) = key {
                        if mine(path) && is_mesh(path) {
                            let entry = (key.clone(), open.uri.clone(), open.text.clone(), Some(open.version));
                            files.insert(relative_name(folder, path), entry);
                        }
                    }
                }
            }
            ProjectId::Single(key) => {
                let open = self.open.get(key)?;
                let name = match key {
                    Key::Path(path) => {
                        path.file_name().map_or_else(|| "main.mesh".into(), |n| n.to_string_lossy().into())
                    }
                    Key::Uri(uri) => uri.clone(),
                };
                files.insert(name, (key.clone(), open.uri.clone(), open.text.clone(), Some(open.version)));
            }
        }
        let mut sources = Sources::new();
        let mut entries = Vec::with_capacity(files.len());
        for (name, (key, uri, text, version)) in files {
            sources.add(name, text);
            entries.push(Entry { key, uri: Some(uri), version });
        }
        self.add_dependencies(project, &mut sources, &mut entries);
        Some((sources, entries))
    }

    /// Adds what the project imports, as `meshc build` does (`load_dependencies`): the
    /// standard library, and files outside the project read from their buffer or the disk.
    fn add_dependencies(&self, project: &ProjectId, sources: &mut Sources, entries: &mut Vec<Entry>) {
        // Source names are relative to the folder (or to the single file's folder).
        let base = match project {
            ProjectId::Folder(folder) => folder.clone(),
            ProjectId::Single(Key::Path(path)) => path.parent().map(Path::to_path_buf).unwrap_or_default(),
            ProjectId::Single(Key::Uri(_)) => PathBuf::new(),
        };
        let before = sources.len();
        meshc_core::modules::load_dependencies(sources, &mut |name| {
            if base.as_os_str().is_empty() {
                return None; // an unsaved buffer has no folder to import from
            }
            let path = normalize(&base.join(name));
            match self.open.get(&Key::Path(path.clone())) {
                Some(open) => Some(open.text.clone()),
                None => read(&path),
            }
        });
        for i in before..sources.len() {
            let file = sources.get(meshc_core::FileId(i as u32));
            let path = match meshc_core::modules::STDLIB.iter().find(|(name, _)| *name == file.name) {
                Some((name, text)) => stdlib_file(name, text),
                None => Some(normalize(&base.join(&file.name))),
            };
            let uri = path.as_ref().and_then(Uri::from_file_path);
            let Some(path) = path else {
                // Not addressable: the analysis sees it; diagnostics and navigation skip it.
                entries.push(Entry {
                    key: Key::Uri(format!("meshc-dependency:{}", file.name)),
                    uri: None,
                    version: None,
                });
                continue;
            };
            let version = self.open.get(&Key::Path(path.clone())).map(|o| o.version);
            entries.push(Entry { key: Key::Path(path), uri, version });
        }
    }
}

/// Where the copies of the standard library's modules are shown from.
fn stdlib_dir() -> PathBuf {
    std::env::temp_dir().join(format!("meshc-{}", env!("CARGO_PKG_VERSION")))
}

/// Whether `key` is such a copy: opened from a go-to-definition, it is read-only and not a
/// program of its own (it has no `mesh` header), so it is not analyzed alone.
pub fn is_stdlib_copy(key: &Key) -> bool {
    matches!(key, Key::Path(path) if path.starts_with(stdlib_dir()))
}

/// The file a standard module is shown from: written once under the temporary directory,
/// so the editor can open it for go-to-definition (the text is embedded in meshc).
fn stdlib_file(name: &str, text: &str) -> Option<PathBuf> {
    let path = stdlib_dir().join(name);
    if fs::read_to_string(&path).ok().as_deref() != Some(text) {
        fs::create_dir_all(path.parent()?).ok()?;
        fs::write(&path, text).ok()?;
    }
    Some(path)
}

/// `.`/`..` removed without touching the file system (symbolic links are kept as named).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn relative_name(folder: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(folder).unwrap_or(path);
    let parts: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

fn is_mesh(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "mesh")
}

/// Hidden entries and skipped directories between `folder` and `path`.
fn is_skipped(folder: &Path, path: &Path) -> bool {
    path.strip_prefix(folder).is_ok_and(|rel| {
        rel.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref())
        })
    })
}

/// Collects the `.mesh` files under `dir`, skipping what `meshc build` skips. Unreadable
/// directories are left out: the editor still works on everything else.
fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, found);
            }
        } else if is_mesh(&path) && fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            found.push(path);
        }
    }
}

/// A file's text; files that cannot be read or are not UTF-8 are left out (`meshc build`
/// reports them; the editor shows the rest of the project).
fn read(path: &Path) -> Option<String> {
    fs::read(path).ok().and_then(|bytes| String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &Path) -> Uri {
        Uri::from_file_path(path).expect("absolute path")
    }

    #[test]
    fn folders_overlay_buffers_and_single_files() {
        let dir = std::env::temp_dir().join(format!("meshc-lsp-ws-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sub")).expect("mkdir");
        fs::create_dir_all(dir.join("target")).expect("mkdir");
        fs::write(dir.join("a.mesh"), "disk a").expect("write");
        fs::write(dir.join("sub/b.mesh"), "disk b").expect("write");
        fs::write(dir.join("target/c.mesh"), "skipped").expect("write");
        fs::write(dir.join("notes.txt"), "not mesh").expect("write");

        let mut ws = Workspace::default();
        ws.add_folder(&dir);
        let project = ProjectId::Folder(dir.clone());
        let (sources, entries) = ws.inputs(&project).expect("project");
        let names: Vec<_> = sources.iter().map(|(_, f)| f.name.clone()).collect();
        assert_eq!(names, ["a.mesh", "sub/b.mesh"]);
        assert!(entries.iter().all(|e| e.version.is_none()));

        // A buffer replaces the disk text; an older version is ignored.
        assert_eq!(ws.open(&uri(&dir.join("a.mesh")), "buffer a".into(), 2), project);
        assert_eq!(ws.change(&uri(&dir.join("a.mesh")), "stale".into(), 1), None);
        let (sources, entries) = ws.inputs(&project).expect("project");
        assert_eq!(sources.get(meshc_core::FileId(0)).text, "buffer a");
        assert_eq!(entries[0].version, Some(2));

        // Closing falls back to the disk.
        ws.close(&uri(&dir.join("a.mesh")));
        assert_eq!(ws.inputs(&project).expect("project").0.get(meshc_core::FileId(0)).text, "disk a");

        // A file outside every folder is its own project.
        let outside = std::env::temp_dir().join("meshc-lsp-outside.mesh");
        let single = ws.open(&uri(&outside), "x".into(), 1);
        assert_eq!(single, ProjectId::Single(Key::Path(outside.clone())));
        assert_eq!(ws.projects(), [project.clone(), single.clone()]);
        ws.close(&uri(&outside));
        assert!(ws.inputs(&single).is_none());

        // Disk events: a new file appears, a deleted one disappears.
        fs::write(dir.join("new.mesh"), "new").expect("write");
        assert_eq!(ws.disk_changed(&dir.join("new.mesh")), Some(project.clone()));
        fs::remove_file(dir.join("sub/b.mesh")).expect("rm");
        ws.disk_changed(&dir.join("sub/b.mesh"));
        let names: Vec<_> = ws.inputs(&project).expect("project").0.iter().map(|(_, f)| f.name.clone()).collect();
        assert_eq!(names, ["a.mesh", "new.mesh"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn untitled_buffers_are_single_projects() {
        let mut ws = Workspace::default();
        let uri: Uri = "untitled:Untitled-1".parse().expect("uri");
        let project = ws.open(&uri, "service a {}".into(), 1);
        let (sources, entries) = ws.inputs(&project).expect("project");
        assert_eq!(sources.len(), 1);
        assert_eq!(entries[0].uri.as_ref(), Some(&uri));
    }
}
