//! The server's mutable state and the analysis it schedules. Edits bump a revision and mark
//! their project dirty; one analysis task re-analyzes dirty projects (the newest text only,
//! so a burst of keystrokes costs one analysis) and decides which files' diagnostics to
//! publish. Requests wait until their project's analysis has caught up with the edits
//! they follow.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use tower_lsp_server::ls_types::{self as lsp, Uri};

use crate::diagnostics;
use crate::snapshot::Snapshot;
use crate::workspace::{Key, ProjectId, Workspace};

/// What is known of one project.
pub struct Project {
    /// The newest analysis.
    pub latest: Arc<Snapshot>,
    /// Per file, the newest analysis in which that file parsed: navigation falls back to it
    /// while the file has syntax errors.
    pub parsed: HashMap<Key, Arc<Snapshot>>,
    /// The diagnostics last published per file.
    published: HashMap<Key, (Uri, Vec<lsp::Diagnostic>)>,
}

#[derive(Default)]
pub struct State {
    pub workspace: Workspace,
    revision: u64,
    /// Projects waiting for analysis.
    dirty: BTreeSet<ProjectId>,
    /// Per project, the revision of its newest edit, and the revision its analysis has seen.
    edited: HashMap<ProjectId, u64>,
    analyzed: HashMap<ProjectId, u64>,
    /// Documents whose text changed since their diagnostics were last published, with the
    /// revision of the change: they are published again even when unchanged, so a client
    /// always hears back after an edit, by the first analysis that includes the edit.
    touched: BTreeMap<Key, u64>,
    pub projects: HashMap<ProjectId, Project>,
    /// Analyses replaced by newer ones. Freeing one (a whole workspace's trees and models)
    /// takes milliseconds, so the analysis task drops them after publishing, off the path
    /// between an edit and its diagnostics.
    pub retired: Vec<Arc<Snapshot>>,
}

/// A publishDiagnostics to send.
pub struct Publish {
    pub uri: Uri,
    pub diagnostics: Vec<lsp::Diagnostic>,
    pub version: Option<i32>,
}

/// The sources of a project and the entry of each file.
pub type Inputs = (meshc_core::Sources, Vec<crate::workspace::Entry>);

/// An analysis to run: the project, as of `revision`.
pub struct Job {
    pub project: ProjectId,
    pub revision: u64,
    /// `false` when the project no longer exists (its folder was removed, its file closed).
    pub exists: bool,
}

impl State {
    /// Records an edit of `project` (touching `key` if it is a document).
    pub fn edited(&mut self, project: ProjectId, key: Option<Key>) {
        self.revision += 1;
        self.edited.insert(project.clone(), self.revision);
        self.dirty.insert(project);
        if let Some(key) = key {
            self.touched.insert(key, self.revision);
        }
    }

    /// The next project to analyze, with its inputs as of now.
    pub fn next_job(&mut self) -> Option<(Job, Option<Inputs>)> {
        let project = self.dirty.pop_first()?;
        let inputs = self.workspace.inputs(&project);
        Some((Job { project, revision: self.revision, exists: inputs.is_some() }, inputs))
    }

    /// Whether `project`'s analysis has seen every edit made so far.
    pub fn up_to_date(&self, project: &ProjectId) -> bool {
        let edited = self.edited.get(project).copied().unwrap_or(0);
        !self.dirty.contains(project) && self.analyzed.get(project).copied().unwrap_or(0) >= edited
    }

    /// A job finished. `snapshot` is `None` when the project is gone or the analysis failed;
    /// returns the diagnostics to publish.
    pub fn finish(&mut self, job: &Job, snapshot: Option<Snapshot>) -> Vec<Publish> {
        self.analyzed.insert(job.project.clone(), job.revision);
        let Some(snapshot) = snapshot else {
            if !job.exists {
                // The project is gone: clear everything it published.
                let Some(project) = self.projects.remove(&job.project) else { return Vec::new() };
                self.retired.push(project.latest);
                self.retired.extend(project.parsed.into_values());
                return project
                    .published
                    .into_values()
                    .filter(|(_, list)| !list.is_empty())
                    .map(|(uri, _)| Publish { uri, diagnostics: Vec::new(), version: None })
                    .collect();
            }
            return Vec::new();
        };
        let snapshot = Arc::new(snapshot);
        let previous = self.projects.remove(&job.project);
        let (mut parsed, mut published) = match previous {
            Some(p) => {
                self.retired.push(p.latest);
                (p.parsed, p.published)
            }
            None => Default::default(),
        };
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (id, list) in diagnostics::by_file(&snapshot) {
            let Some(entry) = snapshot.entries.get(id.0 as usize) else { continue };
            let Some(uri) = &entry.uri else { continue };
            seen.insert(entry.key.clone());
            if !snapshot.has_syntax_errors(id) {
                self.retired.extend(parsed.insert(entry.key.clone(), snapshot.clone()));
            }
            // An edit made while this analysis ran is not in it: the next one answers it.
            let touched = self.touched.get(&entry.key).is_some_and(|&revision| revision <= job.revision);
            if touched {
                self.touched.remove(&entry.key);
            }
            let unchanged = published.get(&entry.key).is_some_and(|(_, old)| *old == list)
                || (list.is_empty() && !published.contains_key(&entry.key));
            if unchanged && !touched {
                continue;
            }
            published.insert(entry.key.clone(), (uri.clone(), list.clone()));
            out.push(Publish { uri: uri.clone(), diagnostics: list, version: entry.version });
        }
        // Files that left the project (deleted, closed outside a folder): clear them.
        published.retain(|key, (uri, list)| {
            let keep = seen.contains(key);
            if !keep && !list.is_empty() {
                out.push(Publish { uri: uri.clone(), diagnostics: Vec::new(), version: None });
            }
            keep
        });
        let gone: Vec<Key> = parsed.keys().filter(|key| !seen.contains(*key)).cloned().collect();
        self.retired.extend(gone.iter().filter_map(|key| parsed.remove(key)));
        self.projects.insert(job.project.clone(), Project { latest: snapshot, parsed, published });
        out
    }

    /// The analyses to answer a request on `key` from: the newest, and (when the file does
    /// not parse in it) the newest in which it did.
    pub fn snapshots(&self, key: &Key) -> Option<(Arc<Snapshot>, Option<Arc<Snapshot>>)> {
        let project = self.projects.get(&self.workspace.project_of(key))?;
        let latest = project.latest.clone();
        let broken = latest.file(key).is_none_or(|id| latest.has_syntax_errors(id));
        let fallback = if broken { project.parsed.get(key).cloned() } else { None };
        Some((latest, fallback))
    }

    /// All newest analyses (for workspace symbols).
    pub fn all_latest(&self) -> Vec<Arc<Snapshot>> {
        let mut projects: Vec<(&ProjectId, &Project)> = self.projects.iter().collect();
        projects.sort_by(|a, b| a.0.cmp(b.0));
        projects.into_iter().map(|(_, p)| p.latest.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_made_during_an_analysis_is_answered_by_the_next_one() {
        let mut state = State::default();
        let uri: Uri = "untitled:a.mesh".parse().expect("uri");
        let key = Key::of(&uri);
        let project = state.workspace.open(&uri, "mesh m { namespace m }\n".into(), 1);
        state.edited(project.clone(), Some(key.clone()));
        let (job, inputs) = state.next_job().expect("a job");
        let inputs = inputs.expect("the project exists");

        // The buffer changes while the first analysis runs.
        state.workspace.change(&uri, "mesh m { namespace m }\nservice {\n".into(), 2);
        state.edited(project.clone(), Some(key.clone()));
        let published = state.finish(&job, Some(Snapshot::build(inputs.0, inputs.1)));
        assert!(published.is_empty(), "version 1 has nothing to say and version 2 is not analyzed yet");
        assert!(!state.up_to_date(&project));

        let (job, inputs) = state.next_job().expect("a second job");
        let inputs = inputs.expect("the project exists");
        let published = state.finish(&job, Some(Snapshot::build(inputs.0, inputs.1)));
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].version, Some(2));
        assert_eq!(published[0].diagnostics.len(), 1, "the syntax error of version 2");
        assert!(state.up_to_date(&project));

        // Closing the buffer removes the project and clears what it published.
        let project = state.workspace.close(&uri);
        state.edited(project.clone(), None);
        let (job, inputs) = state.next_job().expect("a third job");
        assert!(inputs.is_none());
        let published = state.finish(&job, None);
        assert_eq!(published.len(), 1);
        assert!(published[0].diagnostics.is_empty());
        assert!(state.snapshots(&key).is_none());
    }
}
