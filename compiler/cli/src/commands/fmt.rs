//! `meshc fmt [PATH]...`: rewrites `.mesh` files in the canonical layout
//! (`meshc_syntax::format`). `--check` changes nothing and exits 1 with a diff when a file is
//! not formatted (a gate for CI); `--stdin` formats stdin to stdout (for editors and pipes).
//!
//! A file is replaced atomically and only when its layout changes. A file with syntax
//! errors is reported with the usual diagnostics and left as it is; the others are still
//! formatted.

use std::collections::HashSet;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use meshc_core::{syntax_diagnostic, Diagnostic, FileId, Sources, Span};
use meshc_syntax::format::format;
use similar::TextDiff;

use crate::diagnostics::{plural, Reporter};
use crate::error::Fatal;
use crate::{project, Outcome};

/// The name stdin's text gets in diagnostics and diffs.
const STDIN_NAME: &str = "<stdin>";

#[derive(clap::Args)]
pub struct Args {
    /// Files and directories to format; every `*.mesh` file under a directory is formatted,
    /// skipping hidden directories, `target` and `node_modules`.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Change nothing: print a unified diff of every file that is not formatted on stdout,
    /// and exit 1 if there is any.
    #[arg(long)]
    check: bool,

    /// Format the text read from stdin and print it on stdout (with `--check`, print its
    /// diff instead).
    #[arg(long, conflicts_with = "paths")]
    stdin: bool,
}

pub fn run(args: &Args, reporter: &Reporter) -> Result<Outcome, Fatal> {
    if args.stdin {
        return run_stdin(args.check, reporter);
    }
    let (sources, paths) = gather(&args.paths)?;
    let mut tally = Tally::default();
    let mut diagnostics = Vec::new();
    let mut diff = String::new();
    for ((id, file), path) in sources.iter().zip(&paths) {
        let formatted = match format(&file.text) {
            Ok(formatted) => formatted,
            Err(errors) => {
                diagnostics.extend(errors.into_iter().map(|error| in_file(error, id)));
                tally.broken += 1;
                continue;
            }
        };
        if formatted == file.text {
            tally.unchanged += 1;
            continue;
        }
        if args.check {
            diff.push_str(&unified_diff(path, &file.text, &formatted));
            reporter.fatal(&Fatal::new(format!("{} is not formatted", path.display())).with_path(path));
        } else {
            replace(path, &formatted).map_err(|error| Fatal::io("cannot write", path, &error))?;
            reporter.status(&format!("reformatted {}", path.display()));
        }
        tally.changed += 1;
    }
    crate::stdout::print(&diff)?;
    // Names in `sources` are the paths as shown, so annotations need no prefix.
    reporter.diagnostics(&sources, &diagnostics, Path::new(""));
    reporter.status(&tally.summary(args.check));
    let failed = tally.broken > 0 || (args.check && tally.changed > 0);
    Ok(if failed { Outcome::Failure } else { Outcome::Success })
}

/// What a run did to its files.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    changed: usize,
    unchanged: usize,
    /// Files with syntax errors, left as they are.
    broken: usize,
}

impl Tally {
    /// `2 files reformatted, 5 files already formatted`, and what stopped the others.
    fn summary(&self, check: bool) -> String {
        let changed = plural(self.changed, "file");
        let mut parts =
            vec![if check { format!("{changed} would be reformatted") } else { format!("{changed} reformatted") }];
        parts.push(format!("{} already formatted", plural(self.unchanged, "file")));
        if self.broken > 0 {
            parts.push(format!("{} not formatted because of syntax errors", plural(self.broken, "file")));
        }
        let mut summary = parts.join(", ");
        if check && self.changed > 0 {
            summary.push_str("; run `meshc fmt` to format them");
        }
        summary
    }
}

fn run_stdin(check: bool, reporter: &Reporter) -> Result<Outcome, Fatal> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).map_err(|error| Fatal::new(format!("cannot read stdin: {error}")))?;
    let text = utf8(bytes, Path::new(STDIN_NAME))?;
    match format(&text) {
        Ok(formatted) if !check => crate::stdout::print(&formatted).map(|()| Outcome::Success),
        Ok(formatted) if formatted == text => Ok(Outcome::Success),
        Ok(formatted) => {
            crate::stdout::print(&unified_diff(Path::new(STDIN_NAME), &text, &formatted))?;
            reporter.error(&format!("{STDIN_NAME} is not formatted"), &[]);
            Ok(Outcome::Failure)
        }
        Err(errors) => {
            let mut sources = Sources::new();
            let id = sources.add(STDIN_NAME, text);
            let diagnostics: Vec<Diagnostic> = errors.into_iter().map(|error| in_file(error, id)).collect();
            reporter.diagnostics(&sources, &diagnostics, Path::new(""));
            Ok(Outcome::Failure)
        }
    }
}

/// A syntax error of `format` (spans in `FileId(0)`) as the diagnostic of file `id`.
fn in_file(mut error: meshc_syntax::SyntaxError, id: FileId) -> Diagnostic {
    error.span = Span { file: id, ..error.span };
    syntax_diagnostic(error)
}

/// Reads the files the paths name into `Sources`, each named by its path as shown, and the
/// paths in the same order. A file reached twice (named and inside a named directory, or
/// through a symbolic link) is read once.
fn gather(paths: &[PathBuf]) -> Result<(Sources, Vec<PathBuf>), Fatal> {
    let mut sources = Sources::new();
    let mut shown = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |path: PathBuf, text: String| {
        if seen.insert(fs::canonicalize(&path).unwrap_or_else(|_| path.clone())) {
            sources.add(path.display().to_string(), text);
            shown.push(path);
        }
    };
    for path in paths {
        let metadata = fs::metadata(path).map_err(|error| match error.kind() {
            ErrorKind::NotFound => Fatal::new(format!("no such file or directory: {}", path.display())),
            _ => Fatal::io("cannot read", path, &error),
        })?;
        if metadata.is_dir() {
            for (_, file) in project::load_files(path, &[])?.iter() {
                add(under(path, &file.name), file.text.clone());
            }
        } else {
            let bytes = fs::read(path).map_err(|error| Fatal::io("cannot read", path, &error))?;
            add(path.clone(), utf8(bytes, path)?);
        }
    }
    Ok((sources, shown))
}

/// The path of a project file named `name` (relative, `/`-separated) under `dir`, without a
/// leading `./`.
fn under(dir: &Path, name: &str) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

fn utf8(bytes: Vec<u8>, path: &Path) -> Result<String, Fatal> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
        Fatal::new(format!("{} is not valid UTF-8 (line {line})", path.display()))
            .with_help("save .mesh files as UTF-8")
            .with_path(path)
    })
}

/// A unified diff from `old` to `new`, with `a/` and `b/` prefixes like `git diff`.
fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display();
    let mut diff =
        TextDiff::from_lines(old, new).unified_diff().header(&format!("a/{shown}"), &format!("b/{shown}")).to_string();
    if !diff.ends_with('\n') {
        diff.push('\n');
    }
    diff
}

/// Replaces the file at `path` — the file itself when `path` is a symbolic link — with
/// `text`: written beside it under a temporary name, then renamed over it, so a reader sees
/// the old file or the new one, never a part of one. The file keeps its permissions.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let target = fs::canonicalize(path)?;
    let permissions = fs::metadata(&target)?.permissions();
    let name = target.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    // Hidden, so a project load running meanwhile (`meshc watch`) never reads it.
    let temp = target.with_file_name(format!(".{name}.meshc-fmt-{}", std::process::id()));
    let written = write_new(&temp, text, permissions).and_then(|()| fs::rename(&temp, &target));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

fn write_new(path: &Path, text: &str, permissions: fs::Permissions) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.set_permissions(permissions)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        let tally = |changed, unchanged, broken| Tally { changed, unchanged, broken };
        assert_eq!(tally(0, 3, 0).summary(false), "0 files reformatted, 3 files already formatted");
        assert_eq!(
            tally(1, 1, 2).summary(false),
            "1 file reformatted, 1 file already formatted, 2 files not formatted because of syntax errors"
        );
        assert_eq!(tally(0, 1, 0).summary(true), "0 files would be reformatted, 1 file already formatted");
        assert_eq!(
            tally(2, 0, 0).summary(true),
            "2 files would be reformatted, 0 files already formatted; run `meshc fmt` to format them"
        );
    }

    #[test]
    fn project_files_are_shown_under_their_directory() {
        assert_eq!(under(Path::new("."), "a/b.mesh"), PathBuf::from("a/b.mesh"));
        assert_eq!(under(Path::new("proj"), "a/b.mesh"), PathBuf::from("proj/a/b.mesh"));
    }

    #[cfg(unix)]
    #[test]
    fn replacing_keeps_symbolic_links_and_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let real = dir.path().join("real.mesh");
        let link = dir.path().join("link.mesh");
        fs::write(&real, "old").expect("write");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).expect("chmod");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        replace(&link, "new").expect("replaced");
        assert!(fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).expect("read"), "new");
        assert_eq!(fs::metadata(&real).expect("metadata").permissions().mode() & 0o777, 0o640);
        let names: Vec<_> = fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
    }
}
