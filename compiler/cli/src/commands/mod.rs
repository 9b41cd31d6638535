//! One module per subcommand, and the step `build` and `check` share: load the project,
//! analyze it and report its diagnostics.

pub mod build;
pub mod check;
pub mod diff;
pub mod explain;
pub mod fmt;
pub mod import;
pub mod lsp;
pub mod watch;

use std::path::Path;

use meshc_core::{Analysis, Sources};

use crate::diagnostics::Reporter;
use crate::error::Fatal;
use crate::project;

/// A project that was read and analyzed; `failed` tells whether its diagnostics stop the run.
pub struct Checked {
    pub analysis: Analysis,
    pub failed: bool,
    /// The files that were read (`meshc watch` watches where they live).
    pub sources: Sources,
}

/// Loads every `.mesh` file under `dir` (leaving out `skip`), analyzes them, prints the
/// diagnostics and the summary line.
pub fn check_project(dir: &Path, skip: &[&Path], reporter: &Reporter) -> Result<Checked, Fatal> {
    let sources = project::load(dir, skip)?;
    let analysis = meshc_core::analyze(&sources);
    let counts = reporter.diagnostics(&sources, &analysis.diagnostics, dir);
    reporter.summary(counts);
    Ok(Checked { failed: reporter.failed(counts), analysis, sources })
}
