//! Which file-system events mean the program may have changed and must be rebuilt.
//!
//! The watcher sees more than the program: the output directory being rewritten, `.git`,
//! editors' swap and backup files, unrelated files. A rebuild that changes nothing costs
//! little, but a rebuild triggered by meshc's own output would never stop, and noise hides
//! the builds that matter, so events are kept only when they can concern a file the
//! project loader reads: a `.mesh` file under the project directory where `project::load`
//! looks, or one of the other files the last build read or looked for (imports from
//! outside the project, templates, targets of symbolic links).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RemoveKind, RenameMode};
use notify::Event;

use crate::project;

/// Why a rebuild is needed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trigger {
    /// This file or directory changed.
    Path(PathBuf),
    /// The watcher lost events (its queue overflowed): anything may have changed.
    Rescan,
}

pub struct Filter {
    /// The project directory, canonical, as it is watched: event paths start with it.
    root: PathBuf,
    /// The output directory, resolved like `root`. Never an ancestor of `root`.
    out: PathBuf,
    /// Files the build reads, or looked for, that the rule for `root` does not cover,
    /// resolved like `root`.
    extra: BTreeSet<PathBuf>,
}

/// What an event says about the kind of its paths.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// A regular file: it matters only if it is a `.mesh` file.
    File,
    /// A directory: it may hold `.mesh` files.
    Folder,
    /// Unknown (renames, platform-specific events): matters unless it is a file other than
    /// a `.mesh` file.
    Unknown,
}

impl Filter {
    pub fn new(root: PathBuf, out: PathBuf) -> Self {
        Filter { root, out, extra: BTreeSet::new() }
    }

    /// Sets the files the build reads beyond the project's own `.mesh` files.
    pub fn set_extra(&mut self, extra: BTreeSet<PathBuf>) {
        self.extra = extra;
    }

    /// The reasons this event gives for a rebuild; empty when it does not concern the
    /// program.
    pub fn triggers(&self, event: &Event) -> Vec<Trigger> {
        if event.need_rescan() {
            return vec![Trigger::Rescan];
        }
        let subject = match event.kind {
            // A file closed after writing: its contents are final (truncate-and-write saves).
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Subject::File,
            EventKind::Access(_) => return Vec::new(),
            EventKind::Create(CreateKind::File)
            | EventKind::Remove(RemoveKind::File)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Metadata(_)) => Subject::File,
            EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder) => Subject::Folder,
            _ => Subject::Unknown,
        };
        // A rename within the watched tree names both paths. The old one is gone, so whether
        // it was a directory cannot be asked: it counts only as a `.mesh` file, since an
        // editor's temporary file renamed onto the source is the common case, and a
        // directory renamed counts by its new name.
        let renamed_from = match event.kind {
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if event.paths.len() == 2 => event.paths.first(),
            _ => None,
        };
        event
            .paths
            .iter()
            .filter(|path| {
                let subject = if renamed_from == Some(path) { Subject::File } else { subject };
                self.concerns(path, subject)
            })
            .map(|path| Trigger::Path(path.clone()))
            .collect()
    }

    fn concerns(&self, path: &Path, subject: Subject) -> bool {
        if self.extra.contains(path) {
            return true;
        }
        if path.starts_with(&self.out) {
            return false;
        }
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        if relative.components().any(|component| match component {
            Component::Normal(name) => {
                let name = name.to_string_lossy();
                name.starts_with('.') || project::SKIPPED_DIRS.contains(&name.as_ref())
            }
            _ => false,
        }) {
            return false;
        }
        // The project directory itself was removed, renamed or replaced.
        if relative.as_os_str().is_empty() {
            return true;
        }
        let is_mesh = path.extension().is_some_and(|extension| extension == "mesh");
        match subject {
            Subject::File => is_mesh,
            Subject::Folder => true,
            Subject::Unknown => is_mesh || !path.is_file(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{DataChange, Flag};

    fn filter() -> Filter {
        let mut filter = Filter::new(PathBuf::from("/p"), PathBuf::from("/p/out"));
        filter.set_extra(BTreeSet::from([PathBuf::from("/shared/common.mesh"), PathBuf::from("/p/templates/x.yaml")]));
        filter
    }

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        paths.iter().fold(Event::new(kind), |event, path| event.add_path(PathBuf::from(path)))
    }

    fn triggered(kind: EventKind, paths: &[&str]) -> Vec<String> {
        filter()
            .triggers(&event(kind, paths))
            .into_iter()
            .map(|trigger| match trigger {
                Trigger::Path(path) => path.display().to_string(),
                Trigger::Rescan => "rescan".to_string(),
            })
            .collect()
    }

    const WRITE: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));

    #[test]
    fn mesh_files_under_the_project_count() {
        assert_eq!(triggered(WRITE, &["/p/mesh.mesh"]), ["/p/mesh.mesh"]);
        assert_eq!(triggered(EventKind::Create(CreateKind::File), &["/p/a/b.mesh"]), ["/p/a/b.mesh"]);
        assert_eq!(triggered(EventKind::Remove(RemoveKind::File), &["/p/a.mesh"]), ["/p/a.mesh"]);
        assert_eq!(triggered(EventKind::Access(AccessKind::Close(AccessMode::Write)), &["/p/a.mesh"]), ["/p/a.mesh"]);
    }

    #[test]
    fn a_rename_onto_a_mesh_file_counts_for_its_target() {
        let both = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert_eq!(triggered(both, &["/p/.mesh.mesh.swp", "/p/mesh.mesh"]), ["/p/mesh.mesh"]);
        assert_eq!(triggered(both, &["/p/sedX1b2c3", "/p/mesh.mesh"]), ["/p/mesh.mesh"]);
        assert_eq!(triggered(both, &["/p/old.mesh", "/p/new.mesh"]), ["/p/old.mesh", "/p/new.mesh"]);
        // Neither path exists, so neither is known to be a plain file: a directory may
        // have moved out of the project.
        let from = EventKind::Modify(ModifyKind::Name(RenameMode::From));
        assert_eq!(triggered(from, &["/p/old-dir"]), ["/p/old-dir"]);
    }

    #[test]
    fn folders_and_the_project_directory_itself_count() {
        assert_eq!(triggered(EventKind::Create(CreateKind::Folder), &["/p/sub"]), ["/p/sub"]);
        assert_eq!(triggered(EventKind::Remove(RemoveKind::Folder), &["/p/sub"]), ["/p/sub"]);
        assert_eq!(triggered(EventKind::Remove(RemoveKind::Any), &["/p"]), ["/p"]);
    }

    #[test]
    fn extra_files_count_and_nothing_else_outside_does() {
        assert_eq!(triggered(WRITE, &["/shared/common.mesh"]), ["/shared/common.mesh"]);
        assert_eq!(triggered(WRITE, &["/p/templates/x.yaml"]), ["/p/templates/x.yaml"], "a template");
        assert!(triggered(WRITE, &["/p/templates/y.yaml"]).is_empty());
        assert!(triggered(WRITE, &["/shared/other.mesh"]).is_empty());
        assert!(triggered(WRITE, &["/elsewhere/x.mesh"]).is_empty());
    }

    #[test]
    fn output_hidden_skipped_and_other_files_do_not_count() {
        for path in
            ["/p/out/prod/a.mesh", "/p/.git/x.mesh", "/p/target/x.mesh", "/p/sub/node_modules/x.mesh", "/p/.#a.mesh"]
        {
            assert!(triggered(WRITE, &[path]).is_empty(), "{path}");
        }
        assert!(triggered(EventKind::Create(CreateKind::Folder), &["/p/out/.meshc-tmp-1-0"]).is_empty());
        assert!(triggered(WRITE, &["/p/notes.txt"]).is_empty());
        assert!(triggered(EventKind::Create(CreateKind::File), &["/p/4913"]).is_empty());
        assert!(triggered(EventKind::Access(AccessKind::Open(AccessMode::Any)), &["/p/a.mesh"]).is_empty());
    }

    #[test]
    fn lost_events_mean_a_rescan() {
        let lost = Event::new(EventKind::Other).set_flag(Flag::Rescan);
        assert_eq!(filter().triggers(&lost), [Trigger::Rescan]);
    }
}
