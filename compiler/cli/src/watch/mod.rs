//! `meshc watch`: rebuild on every change to the project and print what the change did to
//! the emitted YAML of each environment.
//!
//! One loop: wait for a burst of relevant file-system events ([`debounce`], [`events`]),
//! rebuild through the same `check_project`/`emit` as `meshc build`, compare the new output
//! with the last one ([`diff`]), write the environments that changed with the same atomic
//! `write_tree`, and print the diff ([`render`]). A build with errors prints its
//! diagnostics and leaves the last good output, and what later builds are compared with,
//! as it was. The first build is compared with what the output directory already holds.
//!
//! Ctrl-C (and SIGTERM) only queue a message that the loop reads between builds, so the
//! process never stops half-way through writing the output, and exits with status 0.

mod baseline;
mod debounce;
pub mod diff;
mod events;
pub mod fields;
mod render;
pub mod resource;
pub mod value;
mod watchset;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use meshc_core::Sources;
use meshc_istio::output::{self, EmittedEnv};
use notify::{RecommendedWatcher, Watcher};

use crate::commands;
use crate::diagnostics::Reporter;
use crate::error::Fatal;
use crate::project;
use crate::Outcome;

use self::debounce::{Settled, Step};
use self::events::{Filter, Trigger};
use self::watchset::WatchSet;

pub struct Options {
    /// The project directory, as the user gave it (file names are shown relative to it).
    pub dir: PathBuf,
    /// The environments to build; empty for all.
    pub envs: Vec<String>,
    pub out: PathBuf,
    /// How long the files must stay unchanged before a rebuild starts.
    pub debounce: Duration,
    /// Clear the screen before each rebuild.
    pub clear: bool,
    /// Colour the diffs on stdout.
    pub color: bool,
}

/// What reaches the loop: file-system events from the watcher's thread, and Ctrl-C.
enum Message {
    Fs(notify::Result<notify::Event>),
    Interrupt,
}

/// A burst that never goes quiet is cut after this many debounce periods (and at least
/// a second), so the output keeps following the sources.
const LONGEST_BURST_FACTOR: u32 = 10;

/// How many changed files a rebuild's first line names.
const SHOWN_TRIGGERS: usize = 3;

/// `ESC[2J` clears the screen, `ESC[H` moves the cursor to its top left corner.
const CLEAR_SCREEN: &str = "\x1b[2J\x1b[H";

pub fn run(options: &Options, reporter: &Reporter) -> Result<Outcome, Fatal> {
    let root = project_root(&options.dir)?;
    let out = watchset::resolve(&options.out).map_err(|error| Fatal::io("cannot resolve", &options.out, &error))?;
    if root.starts_with(&out) {
        return Err(Fatal::new(format!(
            "the output directory {} holds the project directory {}",
            options.out.display(),
            options.dir.display()
        ))
        .with_help(
            "meshc watch would take its own output for changes: write it beside the project, e.g. `--out out`",
        ));
    }

    let (sender, messages) = mpsc::channel();
    let interrupt = sender.clone();
    ctrlc::set_handler(move || {
        let _ = interrupt.send(Message::Interrupt);
    })
    .map_err(|error| Fatal::new(format!("cannot handle Ctrl-C: {error}")))?;
    let watcher = notify::recommended_watcher(move |event| {
        // The loop has ended when the receiver is gone; nothing is left to tell.
        let _ = sender.send(Message::Fs(event));
    })
    .map_err(|error| Fatal::new(format!("cannot watch files: {error}")))?;

    let mut session = Session {
        options,
        reporter,
        filter: Filter::new(root.clone(), out.clone()),
        root,
        out,
        watcher,
        watched: WatchSet::default(),
        extra: BTreeSet::new(),
        last: Vec::new(),
    };
    session.rebuild(&BTreeSet::new())?;
    say(&format!("watching {} for changes (Ctrl-C to stop)", options.dir.display()))?;

    let longest = (options.debounce * LONGEST_BURST_FACTOR).max(Duration::from_secs(1));
    loop {
        let mut triggers = BTreeSet::new();
        let settled = debounce::next_burst(&messages, options.debounce, longest, &mut |message| {
            session.classify(message, &mut triggers)
        });
        match settled {
            Settled::Rebuild => session.rebuild(&triggers)?,
            Settled::Stop | Settled::Disconnected => break,
        }
    }
    Ok(Outcome::Success)
}

/// The project directory, canonical: the watcher reports paths under the directory it was
/// given, and they are compared with the output directory's.
fn project_root(dir: &Path) -> Result<PathBuf, Fatal> {
    match fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => {
            fs::canonicalize(dir).map_err(|error| Fatal::io("cannot resolve", dir, &error))
        }
        Ok(_) => Err(Fatal::new(format!("{} is not a directory", dir.display()))
            .with_help("meshc watch takes a project directory and compiles every .mesh file under it")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(Fatal::new(format!("no such directory: {}", dir.display())))
        }
        Err(error) => Err(Fatal::io("cannot read", dir, &error)),
    }
}

struct Session<'a> {
    options: &'a Options,
    reporter: &'a Reporter,
    /// `options.dir`, canonical.
    root: PathBuf,
    /// `options.out`, resolved.
    out: PathBuf,
    filter: Filter,
    watcher: RecommendedWatcher,
    watched: WatchSet,
    /// The files the last build read or looked for beyond the project's own `.mesh` files
    /// (see [`Session::extra_files`]), resolved.
    extra: BTreeSet<PathBuf>,
    /// The last good output of each environment: what the next build is compared with.
    last: Vec<EmittedEnv>,
}

/// Why a build produced no output; what to say has been said.
struct Failed;

impl Session<'_> {
    fn classify(&self, message: Message, triggers: &mut BTreeSet<Trigger>) -> Step {
        match message {
            Message::Interrupt => Step::Stop,
            Message::Fs(Ok(event)) => {
                let found = self.filter.triggers(&event);
                if found.is_empty() {
                    return Step::Ignored;
                }
                triggers.extend(found);
                Step::Relevant
            }
            Message::Fs(Err(error)) => {
                self.reporter.error(&format!("file watching failed: {error}"), &[]);
                Step::Ignored
            }
        }
    }

    /// Rebuilds after `triggers` (none for the first build) and reports the outcome.
    fn rebuild(&mut self, triggers: &BTreeSet<Trigger>) -> Result<(), Fatal> {
        if self.options.clear {
            crate::stdout::print(CLEAR_SCREEN)?;
        }
        if !triggers.is_empty() {
            say(&format!("changed: {}", self.describe(triggers)))?;
        }
        // Watch first, then read: a change made while the build reads is then seen by the
        // next burst instead of being lost.
        self.update_watches(triggers);
        let started = Instant::now();
        match self.build() {
            Ok(emitted) => self.publish(emitted, started),
            Err(Failed) => say(&format!("build failed; {} is left as it was", self.options.out.display())),
        }
    }

    /// Loads, checks and emits the project, printing its diagnostics.
    fn build(&mut self) -> Result<Vec<EmittedEnv>, Failed> {
        let checked = match commands::check_project(&self.options.dir, &[&self.options.out], self.reporter) {
            Ok(checked) => checked,
            Err(fatal) => {
                self.reporter.fatal(&fatal);
                return Err(Failed);
            }
        };
        let extra = self.extra_files(&checked.sources);
        if extra != self.extra {
            self.filter.set_extra(extra.clone());
            self.extra = extra;
            self.update_watches(&BTreeSet::new());
        }
        if checked.failed {
            return Err(Failed);
        }
        let envs =
            commands::build::select_envs(&self.options.envs, &checked.analysis.environments()).map_err(|fatal| {
                self.reporter.fatal(&fatal);
                Failed
            })?;
        Ok(meshc_istio::emit(&checked.analysis, &envs))
    }

    /// Compares `emitted` with the last output, prints the diff, then writes the
    /// environments that changed. The diff comes first because writing thousands of files
    /// can take longer than everything else (on a slow disk, seconds): the reader sees what
    /// changed at once, and the closing `wrote …` line tells when the files are in place.
    fn publish(&mut self, emitted: Vec<EmittedEnv>, started: Instant) -> Result<(), Fatal> {
        let mut before = std::mem::take(&mut self.last);
        for env in &emitted {
            if before.iter().any(|known| known.env == env.env) {
                continue;
            }
            match baseline::read(&self.out, &env.env) {
                Ok(Some(on_disk)) => before.push(on_disk),
                Ok(None) => {}
                // Shown as new; writing it will tell whether the directory is usable.
                Err(fatal) => self.reporter.fatal(&fatal),
            }
        }

        let changes = diff::compare(&before, &emitted);
        let to_write: Vec<String> =
            changes.iter().filter(|change| change.needs_writing()).map(|change| change.env.to_string()).collect();
        let unchanged = changes.iter().all(|env| env.status == diff::EnvStatus::Rebuilt && env.resources.is_empty());
        let text = if unchanged { String::new() } else { render::render(&changes, self.options.color) };
        drop(changes);
        let built = format!("built in {} ms", started.elapsed().as_millis());
        if unchanged {
            self.last = emitted;
            return say(&format!("no change to the output ({built})"));
        }
        crate::stdout::print(&text)?;
        if to_write.is_empty() {
            self.last = emitted;
            return say(&format!("nothing written ({built})"));
        }

        // Moved, not copied: on a large project the output is tens of megabytes.
        let order: Vec<String> = emitted.iter().map(|env| env.env.clone()).collect();
        let (writing, kept): (Vec<EmittedEnv>, Vec<EmittedEnv>) =
            emitted.into_iter().partition(|env| to_write.contains(&env.env));
        let writing_started = Instant::now();
        let written = output::write_tree(&self.options.out, &writing);
        let mut emitted: Vec<EmittedEnv> = writing.into_iter().chain(kept).collect();
        emitted.sort_by_key(|env| order.iter().position(|name| *name == env.env));
        if let Err(error) = written {
            self.last = before;
            self.reporter.fatal(&Fatal::io("cannot write", &self.options.out, &error));
            return say(&format!("build failed; {} is left as it was", self.options.out.display()));
        }
        self.last = emitted;
        let dirs: Vec<String> = to_write.iter().map(|env| self.options.out.join(env).display().to_string()).collect();
        say(&format!("wrote {} ({built}, written in {} ms)", dirs.join(", "), writing_started.elapsed().as_millis()))
    }

    /// Makes the watched directories those the project needs now. Directories under a path
    /// that changed are watched anew: one that was deleted and re-created is another
    /// directory to the operating system, and its old watch is gone.
    fn update_watches(&mut self, triggers: &BTreeSet<Trigger>) {
        let wanted = watchset::plan(&self.root, &self.out, &self.extra);
        let stale = |dir: &Path| {
            triggers.iter().any(|trigger| match trigger {
                Trigger::Path(path) => dir.starts_with(path),
                Trigger::Rescan => true,
            })
        };
        for (dir, mode) in self.watched.entries() {
            let kept = match mode {
                notify::RecursiveMode::Recursive => wanted.recursive.contains(dir),
                notify::RecursiveMode::NonRecursive => wanted.flat.contains(dir),
            };
            if !kept || stale(dir) {
                // It may be gone already, with its watch.
                let _ = self.watcher.unwatch(dir);
            }
        }
        let mut watched = WatchSet::default();
        for (dir, mode) in wanted.entries() {
            let already = match mode {
                notify::RecursiveMode::Recursive => self.watched.recursive.contains(dir),
                notify::RecursiveMode::NonRecursive => self.watched.flat.contains(dir),
            };
            if already && !stale(dir) {
                insert(&mut watched, dir, mode);
                continue;
            }
            match self.watcher.watch(dir, mode) {
                Ok(()) => insert(&mut watched, dir, mode),
                // Removed since it was planned: the build reports what is missing.
                Err(error) if is_not_found(&error) => {}
                Err(error) => self.reporter.error(&format!("cannot watch {}: {error}", dir.display()), &[]),
            }
        }
        self.watched = watched;
    }

    /// The files a change to which the rule for the project directory would miss: the
    /// sources that are not plain `.mesh` files where `project::load` looks (imports from
    /// outside the project, templates, symbolic links, which may point anywhere), and the
    /// imports and templates that were looked for but not found, so that creating them
    /// rebuilds. The standard library is built in and never read.
    fn extra_files(&self, sources: &Sources) -> BTreeSet<PathBuf> {
        let mut probe = sources.clone();
        let missing = meshc_core::modules::load_dependencies(&mut probe, &mut |_| None);
        let read = sources.iter().map(|(_, file)| file.name.as_str());
        read.chain(missing.iter().map(String::as_str))
            .filter(|name| !name.starts_with("std/"))
            .filter(|name| !self.covered(name))
            .filter_map(|name| watchset::resolve(&self.root.join(name)).ok())
            .collect()
    }

    /// Whether the rule for the project directory sees changes to the source `name`: a
    /// `.mesh` file below the project directory, outside hidden and skipped directories,
    /// that is not a symbolic link. Costs one `lstat`.
    fn covered(&self, name: &str) -> bool {
        let mut parts = name.split('/');
        name.ends_with(".mesh")
            && !name.starts_with('/')
            && parts.all(|part| !part.is_empty() && !part.starts_with('.') && !project::SKIPPED_DIRS.contains(&part))
            && !fs::symlink_metadata(self.root.join(name)).is_ok_and(|metadata| metadata.file_type().is_symlink())
    }

    /// `mesh.mesh, teams/a.mesh and 4 more`, relative to the project directory.
    fn describe(&self, triggers: &BTreeSet<Trigger>) -> String {
        let names: Vec<String> = triggers
            .iter()
            .map(|trigger| match trigger {
                Trigger::Rescan => "(events were lost; everything is re-read)".to_string(),
                Trigger::Path(path) if path == &self.root => self.options.dir.display().to_string(),
                Trigger::Path(path) => path.strip_prefix(&self.root).unwrap_or(path).display().to_string(),
            })
            .collect();
        let mut text = names.iter().take(SHOWN_TRIGGERS).cloned().collect::<Vec<_>>().join(", ");
        if names.len() > SHOWN_TRIGGERS {
            text.push_str(&format!(" and {} more", names.len() - SHOWN_TRIGGERS));
        }
        text
    }
}

fn insert(set: &mut WatchSet, dir: &Path, mode: notify::RecursiveMode) {
    match mode {
        notify::RecursiveMode::Recursive => set.recursive.insert(dir.to_path_buf()),
        notify::RecursiveMode::NonRecursive => set.flat.insert(dir.to_path_buf()),
    };
}

fn is_not_found(error: &notify::Error) -> bool {
    match &error.kind {
        notify::ErrorKind::PathNotFound => true,
        notify::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

/// One line on stdout.
fn say(line: &str) -> Result<(), Fatal> {
    crate::stdout::print(&format!("{line}\n"))
}
