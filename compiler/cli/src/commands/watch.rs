//! `meshc watch [DIR]`: rebuild on every change and print what it changed in the output
//! (the loop is in `crate::watch`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::diagnostics::{self, ColorChoice, Reporter};
use crate::error::Fatal;
use crate::watch;
use crate::Outcome;

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
    #[arg(long, value_name = "OUT", default_value = super::build::DEFAULT_OUT)]
    out: PathBuf,

    /// Clear the screen before each rebuild.
    #[arg(long)]
    clear: bool,

    /// How long, in milliseconds, the files must stay unchanged before a rebuild starts:
    /// a burst of saves closer together than this is one rebuild.
    #[arg(long, value_name = "MS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    debounce_ms: u64,
}

/// Watches until Ctrl-C, which exits with status 0.
pub fn run(args: &Args, reporter: &Reporter, color: ColorChoice) -> Result<Outcome, Fatal> {
    let options = watch::Options {
        dir: args.dir.clone(),
        envs: args.envs.clone(),
        out: args.out.clone(),
        debounce: Duration::from_millis(args.debounce_ms),
        clear: args.clear,
        color: stdout_color(color),
    };
    watch::run(&options, reporter)
}

/// Whether to colour what is printed on stdout: `auto` colours a terminal when NO_COLOR
/// is not set, as for diagnostics on stderr.
pub fn stdout_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && !diagnostics::no_color(),
    }
}
