//! The LSP front: tower-lsp-server's `LanguageServer` trait implemented by thin handlers
//! that update the [`State`] or answer from an analysis snapshot through the pure modules
//! (navigation, hover, symbols, completion, semantic tokens, actions, formatting). Every
//! handler is total: unknown documents, stale positions and panics in a computation give
//! an empty answer, never a crash.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use meshc_core::FileId;
use tokio::sync::{watch, Notify};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::snapshot::Snapshot;
use crate::state::{Inputs, State};
use crate::workspace::{self, Key, ProjectId};
use crate::{actions, completion, formatting, hover, navigation, semantic, symbols};

/// How long a request waits for the analysis of the edits before it: long enough for a
/// large workspace, short enough that a stuck analysis never hangs the editor.
const WAIT_FOR_ANALYSIS: Duration = Duration::from_secs(5);

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
    /// Bumped after every finished analysis; requests wait on it.
    analyzed: watch::Sender<u64>,
    analyzer: OnceLock<()>,
    /// Whether the client accepts a file watcher registered at run time.
    watch_files: OnceLock<bool>,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::new(Mutex::new(State::default())),
            wake: Arc::new(Notify::new()),
            analyzed: watch::channel(0).0,
            analyzer: OnceLock::new(),
            watch_files: OnceLock::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Records an edit and wakes the analysis task.
    fn edited(&self, project: ProjectId, key: Option<Key>) {
        self.lock().edited(project, key);
        self.wake.notify_one();
    }

    fn start_analyzer(&self) {
        self.analyzer.get_or_init(|| {
            let state = self.state.clone();
            let wake = self.wake.clone();
            let client = self.client.clone();
            let analyzed = self.analyzed.clone();
            tokio::spawn(analyze_forever(state, wake, client, analyzed));
        });
    }

    /// The analyses for a request on `uri`, once they include every edit made before it.
    async fn snapshots(&self, uri: &Uri) -> Option<(Arc<Snapshot>, Option<Arc<Snapshot>>)> {
        let key = Key::of(uri);
        let mut analyzed = self.analyzed.subscribe();
        let waiting = async {
            loop {
                {
                    let state = self.lock();
                    if state.up_to_date(&state.workspace.project_of(&key)) {
                        return;
                    }
                }
                if analyzed.changed().await.is_err() {
                    return;
                }
            }
        };
        // On timeout, answer from what there is rather than not at all.
        let _ = tokio::time::timeout(WAIT_FOR_ANALYSIS, waiting).await;
        self.lock().snapshots(&key)
    }

    /// Answers from the newest analysis, or from the last one in which the file parsed when
    /// the newest has nothing (the declaration under the cursor is broken right now).
    async fn navigate<T>(
        &self,
        uri: &Uri,
        position: Position,
        answer: impl Fn(&Snapshot, FileId, usize) -> Option<T>,
    ) -> Option<T> {
        let key = Key::of(uri);
        let (latest, fallback) = self.snapshots(uri).await?;
        for snapshot in std::iter::once(&latest).chain(fallback.as_ref()) {
            let Some(file) = snapshot.file(&key) else { continue };
            let offset = snapshot.offset(file, position);
            if let Some(found) = guard(|| answer(snapshot, file, offset)).flatten() {
                return Some(found);
            }
        }
        None
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while the lock was held leaves consistent data (every update is a few plain
    // assignments), so a poisoned lock is still usable.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs a computation on client data; a panic (a bug) becomes "no answer" instead of
/// taking the server down.
fn guard<T>(compute: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(compute)).ok()
}

/// The analysis task: analyzes dirty projects one at a time and publishes what changed.
/// With `MESHC_LSP_TIMINGS` set it logs where each analysis' time went
/// (bench/lsp_latency.py reads these lines).
async fn analyze_forever(state: Arc<Mutex<State>>, wake: Arc<Notify>, client: Client, analyzed: watch::Sender<u64>) {
    let timings = std::env::var_os("MESHC_LSP_TIMINGS").is_some();
    loop {
        wake.notified().await;
        loop {
            let start = Instant::now();
            let Some((job, inputs)) = lock(&state).next_job() else { break };
            let files = inputs.as_ref().map_or(0, |(sources, _)| sources.len());
            let took_inputs = start.elapsed();
            let analyzing = Instant::now();
            let snapshot = match inputs {
                Some(inputs) => {
                    let snapshot = run(inputs, timings).await;
                    if snapshot.is_none() {
                        client
                            .log_message(MessageType::ERROR, "meshc: the analysis failed (a compiler bug); see stderr")
                            .await;
                    }
                    snapshot
                }
                None => None,
            };
            let (took_analysis, took_parse) = (analyzing.elapsed(), snapshot.as_ref().and_then(|(_, p)| *p));
            let finishing = Instant::now();
            // A bug here must not end the task: the editor would wait for diagnostics forever.
            let publish = guard(|| lock(&state).finish(&job, snapshot.map(|(s, _)| s))).unwrap_or_default();
            let took_finish = finishing.elapsed();
            let publishing = Instant::now();
            let published = publish.len();
            for p in publish {
                client.publish_diagnostics(p.uri, p.diagnostics, p.version).await;
            }
            analyzed.send_modify(|n| *n += 1);
            let took_publish = publishing.elapsed();
            // Freed on a blocking thread, while the next analysis (if any) runs.
            let retired = std::mem::take(&mut lock(&state).retired);
            drop(tokio::task::spawn_blocking(move || drop(retired)));
            if timings {
                let ms = |d: Duration| d.as_secs_f64() * 1000.0;
                let line = format!(
                    "meshc timings: files {files} inputs {:.2} ms analyze {:.2} ms (parse {:.2} ms) diagnostics {:.2} ms publish {:.2} ms ({published} files)",
                    ms(took_inputs),
                    ms(took_analysis),
                    ms(took_parse.unwrap_or_default()),
                    ms(took_finish),
                    ms(took_publish),
                );
                client.log_message(MessageType::LOG, line).await;
            }
        }
    }
}

/// Analyzes on a blocking thread: `analyze()` is CPU-bound and must not stall the request
/// loop. A panic there is caught by tokio and reported as `None`. With `timings`, also
/// measures parsing alone, after the analysis (so it never delays the diagnostics).
async fn run(inputs: Inputs, timings: bool) -> Option<(Snapshot, Option<Duration>)> {
    let (sources, entries) = inputs;
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::build(sources, entries)).await.ok()?;
    let parse = timings.then(|| snapshot.parse_time());
    Some((snapshot, parse))
}

fn folder_path(uri: &Uri) -> Option<std::path::PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let watch = params.capabilities.workspace.as_ref().and_then(|w| w.did_change_watched_files.as_ref());
        let _ = self.watch_files.set(watch.and_then(|w| w.dynamic_registration).unwrap_or(false));
        let mut folders: Vec<std::path::PathBuf> =
            params.workspace_folders.iter().flatten().filter_map(|f| folder_path(&f.uri)).collect();
        #[allow(deprecated)] // older clients (Neovim 0.7) send only rootUri
        if folders.is_empty() {
            folders.extend(params.root_uri.as_ref().and_then(folder_path));
        }
        {
            let mut state = self.lock();
            for folder in &folders {
                state.workspace.add_folder(folder);
                state.edited(ProjectId::Folder(folder.clone()), None);
            }
        }
        self.start_analyzer();
        self.wake.notify_one();
        Ok(InitializeResult {
            server_info: Some(ServerInfo { name: "meshc".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            capabilities: capabilities(),
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.watch_files.get() != Some(&true) {
            return;
        }
        // Files changed outside the editor (git checkout, code generators) are re-read.
        let watchers = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher { glob_pattern: GlobPattern::String("**/*.mesh".into()), kind: None }],
        };
        let registration = Registration {
            id: "meshc-watch-mesh-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(watchers).ok(),
        };
        // Should the client refuse anyway, the editor's own buffers still work.
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        if workspace::is_stdlib_copy(&Key::of(&doc.uri)) {
            return; // a module of the standard library, shown for reading
        }
        let project = self.lock().workspace.open(&doc.uri, doc.text, doc.version);
        self.edited(project, Some(Key::of(&doc.uri)));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full synchronisation: the last change holds the whole text.
        let Some(change) = params.content_changes.into_iter().last() else { return };
        let doc = params.text_document;
        let project = self.lock().workspace.change(&doc.uri, change.text, doc.version);
        if let Some(project) = project {
            self.edited(project, Some(Key::of(&doc.uri)));
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let key = Key::of(&params.text_document.uri);
        let project = self.lock().workspace.project_of(&key);
        self.edited(project, Some(key));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let project = self.lock().workspace.close(&uri);
        self.edited(project, None);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        for change in params.changes {
            let Some(path) = change.uri.to_file_path() else { continue };
            let project = self.lock().workspace.disk_changed(&path);
            if let Some(project) = project {
                self.edited(project, None);
            }
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        for folder in params.event.removed.iter().filter_map(|f| folder_path(&f.uri)) {
            self.lock().workspace.remove_folder(&folder);
            self.edited(ProjectId::Folder(folder), None);
        }
        for folder in params.event.added.iter().filter_map(|f| folder_path(&f.uri)) {
            self.lock().workspace.add_folder(&folder);
            self.edited(ProjectId::Folder(folder), None);
        }
        // Open files may have moved between a folder and a project of their own.
        let projects = self.lock().workspace.projects();
        for project in projects {
            self.edited(project, None);
        }
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let found = self
            .navigate(&p.text_document.uri, p.position, |s, file, offset| {
                navigation::definition(s, navigation::definition_at(s, file, offset)?)
            })
            .await;
        Ok(found.map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let include = params.context.include_declaration;
        let found = self
            .navigate(&p.text_document.uri, p.position, |s, file, offset| {
                Some(navigation::references(s, navigation::definition_at(s, file, offset)?, include))
            })
            .await;
        Ok(found)
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        Ok(self.navigate(&p.text_document.uri, p.position, hover::hover).await)
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let found = self.navigate(&params.text_document.uri, params.position, navigation::prepare_rename).await;
        Ok(found.map(|(range, placeholder)| PrepareRenameResponse::RangeWithPlaceholder { range, placeholder }))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        if let Some(why) = navigation::invalid_name(&params.new_name) {
            return Err(Error::invalid_params(why));
        }
        let p = params.text_document_position;
        let name = params.new_name;
        Ok(self
            .navigate(&p.text_document.uri, p.position, |s, file, offset| navigation::rename(s, file, offset, &name))
            .await)
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        let key = Key::of(&uri);
        let Some((latest, _)) = self.snapshots(&uri).await else { return Ok(None) };
        let symbols = latest.file(&key).and_then(|file| guard(|| symbols::document(&latest, file)));
        Ok(symbols.map(DocumentSymbolResponse::Nested))
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let snapshots = self.lock().all_latest();
        let mut found = Vec::new();
        for snapshot in snapshots {
            guard(|| symbols::workspace(&snapshot, &params.query, &mut found));
        }
        Ok(Some(WorkspaceSymbolResponse::Flat(found)))
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        let key = Key::of(&uri);
        let Some((latest, _)) = self.snapshots(&uri).await else { return Ok(None) };
        let data = latest.file(&key).and_then(|file| guard(|| semantic::tokens(&latest, file)));
        Ok(data.map(|data| SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data })))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let uri = p.text_document.uri;
        let Some((latest, fallback)) = self.snapshots(&uri).await else { return Ok(None) };
        // The context comes from the buffer as it is now; names from the analysis.
        let text = self.lock().workspace.text(&uri).map(str::to_string);
        let Some(text) = text else { return Ok(None) };
        let offset = crate::position::LineIndex::new(&text).offset(&text, p.position);
        let snapshots: Vec<&Snapshot> = std::iter::once(&*latest).chain(fallback.as_deref()).collect();
        let items = guard(|| completion::complete(&snapshots, &text, offset));
        Ok(items.map(CompletionResponse::Array))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let key = Key::of(&uri);
        let Some((latest, _)) = self.snapshots(&uri).await else { return Ok(None) };
        let actions = latest.file(&key).and_then(|file| guard(|| actions::quick_fixes(&latest, file, params.range)));
        Ok(actions)
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let text = self.lock().workspace.text(&params.text_document.uri).map(str::to_string);
        Ok(text.and_then(|text| guard(|| formatting::format(&text)).flatten()))
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            // The characters after which a new context starts; words trigger on their own.
            trigger_characters: Some(["@", ":", ">", "$"].map(String::from).to_vec()),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}
