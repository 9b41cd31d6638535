//! `meshc build [DIR]`: check a project and, when it has no errors, write the Istio YAML
//! of its environments to `OUT/<env>/…`, print it (`--stdout`), or compare it with what
//! is in OUT (`--check`). A build with errors never touches OUT.

use std::path::{Path, PathBuf};

use meshc_istio::output::{self, EmittedEnv};

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
    let emitted = meshc_istio::emit(&checked.analysis, &envs);

    if args.stdout {
        crate::stdout::print(&output::to_stream(&emitted))?;
        return Ok(Outcome::Success);
    }
    if args.check {
        return check_drift(&args.out, &emitted, reporter);
    }
    output::write_tree(&args.out, &emitted).map_err(|error| Fatal::io("cannot write", &args.out, &error))?;
    reporter.status(&wrote(&args.out, &emitted));
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

fn check_drift(out: &Path, emitted: &[EmittedEnv], reporter: &Reporter) -> Result<Outcome, Fatal> {
    let drift = drift::compare(out, &drift::plan(emitted))?;
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

/// `wrote out/dev (14 files), out/prod (14 files)`.
fn wrote(out: &Path, emitted: &[EmittedEnv]) -> String {
    if emitted.is_empty() {
        return "wrote nothing: there is no environment to build".to_string();
    }
    let envs: Vec<String> = emitted
        .iter()
        .map(|env| format!("{} ({})", out.join(&env.env).display(), plural(env.files.len(), "file")))
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
