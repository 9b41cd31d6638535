//! `meshc build [DIR]`: check a project and, when it has no errors, write the Istio YAML
//! of its environments to `OUT/<env>/…`, print it (`--stdout`), or compare it with what
//! is in OUT (`--check`). A build with errors never touches OUT.

use std::convert::Infallible;
use std::io;
use std::path::{Path, PathBuf};

use meshc_core::model::Mesh;
use meshc_core::Analysis;
use meshc_istio::emit_env;
use meshc_istio::output::{Staging, StreamWriter};

use crate::diagnostics::{plural, Reporter};
use crate::drift;
use crate::error::Fatal;
use crate::Outcome;
use meshc_core::suggest::did_you_mean;

/// The output directory when `--out` is not given, relative to the current directory.
pub const DEFAULT_OUT: &str = "out";

#[derive(clap::Args)]
pub struct Args {
    /// The project directory: every `*.mesh` file under it, recursively, is one program.
    #[arg(default_value = ".")]
    dir: PathBuf,

    /// Build only this environment; repeat for several. Default: every environment the
    /// program declares.
    #[arg(long = "env", value_name = "NAME")]
    envs: Vec<String>,

    /// Where to write the YAML, one directory per environment (`OUT/<env>/…`).
    /// Defaults to `out` in the current directory, not under DIR.
    #[arg(long, value_name = "OUT", default_value = DEFAULT_OUT)]
    out: PathBuf,

    /// Print every environment as one multi-document YAML stream on stdout instead of
    /// writing files.
    #[arg(long, conflicts_with = "check")]
    stdout: bool,

    /// Write nothing: compare what would be written with OUT, and exit 1 printing a unified
    /// diff on stdout when they differ (a drift gate for CI).
    #[arg(long)]
    check: bool,
}

pub fn run(args: &Args, reporter: &Reporter) -> Result<Outcome, Fatal> {
    let checked = super::check_project(&args.dir, &[&args.out], reporter)?;
    if checked.failed {
        return Ok(Outcome::Failure);
    }
    let envs = select_envs(&args.envs, &checked.analysis.environments())?;
    let meshes = selected_meshes(checked.analysis, &envs);

    if args.stdout {
        return print_stream(meshes);
    }
    if args.check {
        return check_drift(&args.out, meshes, reporter);
    }
    write(&args.out, meshes, reporter)
}

/// The checked model of each selected environment (all when `envs` is empty), in declaration
/// order. The rest of the analysis (syntax trees, index) is dropped here: at 5,000 services it
/// is as large as the models, and emitting needs only these.
fn selected_meshes(analysis: Analysis, envs: &[String]) -> Vec<Mesh> {
    let mut meshes = analysis.meshes;
    meshes.retain(|mesh| envs.is_empty() || envs.contains(&mesh.env));
    meshes
}

/// Emits one environment at a time into the staging dir, dropping its model and YAML as soon
/// as its files are written; nothing in OUT changes until every environment is staged.
fn write(out: &Path, meshes: Vec<Mesh>, reporter: &Reporter) -> Result<Outcome, Fatal> {
    let cannot_write = |error: io::Error| Fatal::io("cannot write", out, &error);
    let names: Vec<String> = meshes.iter().map(|mesh| mesh.env.clone()).collect();
    let mut staging = Staging::begin(out, &names).map_err(cannot_write)?;
    let mut written = Vec::with_capacity(meshes.len());
    for mesh in meshes {
        let mut dir = staging.env(&mesh.env).map_err(cannot_write)?;
        let files = emit_env(&mesh, |path, contents| dir.write(path, contents.as_bytes())).map_err(cannot_write)?;
        written.push((mesh.env, files));
    }
    staging.install().map_err(cannot_write)?;
    reporter.status(&wrote(out, &written));
    Ok(Outcome::Success)
}

/// `--stdout`: one document at a time, so the stream is never held whole.
fn print_stream(meshes: Vec<Mesh>) -> Result<Outcome, Fatal> {
    crate::stdout::stream(|out| {
        let mut stream = StreamWriter::new(out);
        for mesh in meshes {
            emit_env(&mesh, |path, contents| stream.document(&mesh.env, path, contents))?;
        }
        Ok(())
    })?;
    Ok(Outcome::Success)
}

/// Checks the `--env` names against the environments the program declares, keeping the
/// order given and dropping repeats. An empty list means every environment.
pub fn select_envs(requested: &[String], declared: &[String]) -> Result<Vec<String>, Fatal> {
    let mut selected: Vec<String> = Vec::new();
    for name in requested {
        if !declared.contains(name) {
            let error = Fatal::new(format!("unknown environment `{name}`"));
            let error = match did_you_mean(name, declared.iter().map(String::as_str)) {
                Some(near) => error.with_help(format!("did you mean `{near}`?")),
                None => error,
            };
            return Err(if declared.is_empty() {
                error.with_help("the program declares no environments")
            } else {
                error.with_help(format!("the program declares: {}", declared.join(", ")))
            });
        }
        if !selected.contains(name) {
            selected.push(name.clone());
        }
    }
    Ok(selected)
}

/// `--check`: compares one environment at a time, so only one environment's output and
/// files on disk are held at once.
fn check_drift(out: &Path, meshes: Vec<Mesh>, reporter: &Reporter) -> Result<Outcome, Fatal> {
    let mut envs = Vec::with_capacity(meshes.len());
    for mesh in meshes {
        let mut planned = Vec::new();
        let emitted: Result<usize, Infallible> = emit_env(&mesh, |path, contents| {
            planned.push(drift::planned(&mesh.env, path, contents));
            Ok(())
        });
        let Ok(_) = emitted;
        envs.push((mesh.env, drift::compare(out, &planned)?));
    }
    let drift = drift::Drift::join(envs);
    if drift.changed == 0 {
        reporter.status(&format!("{} is up to date", out.display()));
        return Ok(Outcome::Success);
    }
    crate::stdout::print(&drift.diff)?;
    reporter.error(
        &format!("{} is out of date: {} would change", out.display(), plural(drift.changed, "file")),
        &["run `meshc build` without `--check` to update it".to_string()],
    );
    Ok(Outcome::Failure)
}

/// `wrote out/dev (14 files), out/prod (14 files)`, from each environment and its file count.
fn wrote(out: &Path, written: &[(String, usize)]) -> String {
    if written.is_empty() {
        return "wrote nothing: there is no environment to build".to_string();
    }
    let envs: Vec<String> = written
        .iter()
        .map(|(env, files)| format!("{} ({})", out.join(env).display(), plural(*files, "file")))
        .collect();
    format!("wrote {}", envs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn selects_declared_environments_once_each() {
        let declared = names(&["dev", "staging", "prod"]);
        assert_eq!(select_envs(&[], &declared), Ok(vec![]));
        assert_eq!(select_envs(&names(&["prod", "dev", "prod"]), &declared), Ok(names(&["prod", "dev"])));
    }

    #[test]
    fn unknown_environments_list_the_declared_ones() {
        let declared = names(&["dev", "staging", "prod"]);
        let error = select_envs(&names(&["dev", "prd"]), &declared).expect_err("unknown");
        assert_eq!(error.message, "unknown environment `prd`");
        assert_eq!(error.help, ["did you mean `prod`?", "the program declares: dev, staging, prod"]);
        let error = select_envs(&names(&["qa"]), &[]).expect_err("unknown");
        assert_eq!(error.help, ["the program declares no environments"]);
    }
}
