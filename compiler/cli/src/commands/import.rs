//! `meshc import PATH... [-o DIR] [--verify]`: reads Istio YAML (files, or directories
//! searched for `*.yaml`/`*.yml`), writes the `.mesh` program that stands for it to DIR and
//! the objects the language cannot express, verbatim, to `DIR/unsupported/`. With
//! `--verify`, it then builds what it wrote and compares it with the input, object by
//! object and field by field, printing every difference (exit 1 when there is one).

use std::fs;
use std::path::{Path, PathBuf};

use meshc_core::Sources;
use meshc_import::{Import, Verification};

use crate::diagnostics::{plural, Reporter};
use crate::error::Fatal;
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Istio YAML files (any number of documents each) or directories to search for
    /// `*.yaml` and `*.yml` files, recursively.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// The directory to write the `.mesh` program to (created if needed; it must not hold
    /// `.mesh` files already).
    #[arg(short = 'o', long = "out", value_name = "DIR", default_value = ".")]
    out: PathBuf,

    /// After writing, build the result and compare it with the input, field by field.
    #[arg(long)]
    verify: bool,
}

pub fn run(args: &Args, reporter: &Reporter) -> Result<Outcome, Fatal> {
    let inputs = read_inputs(&args.paths)?;
    let import = meshc_import::import(&inputs);
    let counts = reporter.diagnostics(&inputs, &import.diagnostics, Path::new("."));
    for note in &import.notes {
        reporter.status(&format!("note: {note}"));
    }
    reporter.summary(counts);
    if import.has_errors() || reporter.failed(counts) {
        return Ok(Outcome::Failure);
    }
    write(&args.out, &import)?;
    reporter.status(&summary(&args.out, &import));
    if !args.verify {
        return Ok(Outcome::Success);
    }
    let written = crate::project::load(&args.out, &[])?;
    let kept = read_kept(&args.out, &import)?;
    let verification = meshc_import::verify(&import, &inputs, &written, &kept);
    Ok(report(&verification, &written, &args.out, reporter))
}

/// Every input file, named as the user gave it; directories are searched in sorted order.
fn read_inputs(paths: &[PathBuf]) -> Result<Sources, Fatal> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|error| Fatal::io("cannot read", path, &error))?;
        if metadata.is_dir() {
            let before = files.len();
            collect(path, &mut files)?;
            if files.len() == before {
                return Err(Fatal::new(format!("no .yaml or .yml files under {}", path.display())));
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut sources = Sources::new();
    for path in files {
        let text = fs::read_to_string(&path).map_err(|error| Fatal::io("cannot read", &path, &error))?;
        sources.add(path.to_string_lossy().replace('\\', "/"), text);
    }
    Ok(sources)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Fatal> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|error| Fatal::io("cannot read directory", dir, &error))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes the program and the verbatim objects, refusing to mix them with an existing
/// program (its declarations would become part of the imported one).
fn write(out: &Path, import: &Import) -> Result<(), Fatal> {
    if out.is_dir() {
        let existing = crate::project::load(out, &[]).ok().filter(|s| !s.is_empty());
        if let Some(sources) = existing {
            let first = sources.iter().next().map(|(_, f)| f.name.clone()).unwrap_or_default();
            return Err(Fatal::new(format!("{} already holds a .mesh program ({first})", out.display()))
                .with_help("import into a new directory with `-o DIR`"));
        }
    }
    let files = import.files.iter().map(|(path, text)| (path.as_str(), text.as_str()));
    let kept = import.verbatim.iter().map(|v| (v.path.as_str(), v.text.as_str()));
    for (relative, text) in files.chain(kept) {
        let path = out.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|error| Fatal::io("cannot create", parent, &error))?;
        }
        // Written beside the target and renamed over it, so a file is never half written.
        let partial = path.with_extension("partial");
        fs::write(&partial, text).map_err(|error| Fatal::io("cannot write", &partial, &error))?;
        fs::rename(&partial, &path).map_err(|error| Fatal::io("cannot write", &path, &error))?;
    }
    Ok(())
}

fn read_kept(out: &Path, import: &Import) -> Result<Sources, Fatal> {
    let mut sources = Sources::new();
    for verbatim in &import.verbatim {
        let path = out.join(&verbatim.path);
        let text = fs::read_to_string(&path).map_err(|error| Fatal::io("cannot read", &path, &error))?;
        sources.add(verbatim.path.clone(), text);
    }
    Ok(sources)
}

/// `imported 12 of 14 Istio objects into out/mesh.mesh; 2 kept verbatim in out/unsupported`.
fn summary(out: &Path, import: &Import) -> String {
    let total = import.objects.len();
    let kept = import.verbatim.len();
    let files: Vec<String> = import.files.iter().map(|(p, _)| out.join(p).display().to_string()).collect();
    let mut text = format!("imported {} of {} into {}", total - kept, plural(total, "Istio object"), files.join(", "));
    if kept > 0 {
        text.push_str(&format!("; {} kept verbatim in {}", kept, out.join("unsupported").display()));
    }
    if import.skipped > 0 {
        text.push_str(&format!("; {} skipped", plural(import.skipped, "other object")));
    }
    text
}

fn report(verification: &Verification, written: &Sources, out: &Path, reporter: &Reporter) -> Outcome {
    if !verification.diagnostics.is_empty() {
        let counts = reporter.diagnostics(written, &verification.diagnostics, out);
        if counts.errors > 0 {
            reporter.error(
                "the imported program does not check",
                &["this is a bug in `meshc import`; please report it".to_string()],
            );
            return Outcome::Failure;
        }
    }
    let mut text = String::new();
    for report in &verification.reports {
        text.push_str(&format!("{}\n", report.object));
        for difference in &report.differences {
            text.push_str(&format!("  {difference}\n"));
        }
    }
    if !text.is_empty() {
        // A failed write to stdout (a closed pipe) leaves the exit status to say it.
        let _ = crate::stdout::print(&text);
    }
    let line = format!(
        "verified {}: {} identical ({} kept verbatim), {} with differences",
        plural(verification.compared, "object"),
        verification.identical,
        verification.verbatim,
        verification.reports.len()
    );
    if verification.passed() {
        reporter.status(&line);
        Outcome::Success
    } else {
        reporter.error(&line, &["the differences are listed on stdout".to_string()]);
        Outcome::Failure
    }
}
