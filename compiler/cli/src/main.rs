//! The `meshc` binary: parses the command line, runs one subcommand and turns its outcome
//! into the exit code (0 success, 1 errors in the program or drift, 2 usage or IO errors).

mod commands;
mod diagnostics;
mod drift;
mod error;
mod project;
mod stdout;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostics::{ColorChoice, MessageFormat, Reporter};

/// A build allocates and frees millions of small strings and tree nodes; glibc's malloc and
/// free took a fifth of its time, mimalloc a fraction of that (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Compiles `.mesh` service-mesh programs to Istio YAML.
///
/// Exit status: 0 on success, 1 when the program has errors (or warnings with
/// --deny-warnings) or `build --check` found drift, 2 on usage or IO errors.
#[derive(Parser)]
#[command(name = "meshc", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// How to print diagnostics on stderr: rustc-style text, one JSON object per line, or
    /// GitHub Actions annotations.
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,

    /// Colour the human output: `auto` colours when stderr is a terminal and NO_COLOR is
    /// not set.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Treat warnings as errors: exit 1 and write nothing when there is any.
    #[arg(long, global = true)]
    deny_warnings: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check a project and write the Istio YAML of its environments.
    Build(commands::build::Args),
    /// Check a project without writing anything.
    Check(commands::check::Args),
    /// Print the long explanation of a diagnostic code, e.g. `meshc explain E0001`.
    Explain(commands::explain::Args),
    /// Rebuild on every change to the project and show what changed in the output.
    Watch(commands::watch::Args),
    /// Show, resource by resource and field by field, how two environments' output differs.
    Diff(commands::diff::Args),
    /// Run the language server on stdin/stdout (editors start it).
    Lsp(commands::lsp::Args),
    /// Rewrite .mesh files in the canonical layout; `--check` only reports the ones that are not.
    Fmt(commands::fmt::Args),
    /// Turn existing Istio YAML into a .mesh program; `--verify` proves nothing was lost.
    Import(commands::import::Args),
}

/// What a command that ran to its end found; errors that stop a command are
/// [`error::Fatal`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let reporter = Reporter::new(cli.message_format, cli.color, cli.deny_warnings);
    let result = match cli.command {
        Command::Build(args) => commands::build::run(&args, &reporter),
        Command::Check(args) => commands::check::run(&args, &reporter),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Watch(args) => commands::watch::run(&args, &reporter, cli.color),
        Command::Diff(args) => commands::diff::run(&args, &reporter, cli.color),
        Command::Lsp(args) => commands::lsp::run(&args),
        Command::Fmt(args) => commands::fmt::run(&args, &reporter),
        Command::Import(args) => commands::import::run(&args, &reporter),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(fatal) => {
            reporter.fatal(&fatal);
            ExitCode::from(2)
        }
    }
}
