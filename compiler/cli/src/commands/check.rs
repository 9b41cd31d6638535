//! `meshc check [DIR]`: analyze a project and report its diagnostics, writing nothing.

use std::path::{Path, PathBuf};

use crate::diagnostics::Reporter;
use crate::error::Fatal;
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The project directory: every `*.mesh` file under it, recursively, is one program.
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: &Args, reporter: &Reporter) -> Result<Outcome, Fatal> {
    // Skip `build`'s default output directory too, so `check` and `build` read the same files.
    let checked = super::check_project(&args.dir, &[Path::new(super::build::DEFAULT_OUT)], reporter)?;
    Ok(if checked.failed { Outcome::Failure } else { Outcome::Success })
}
