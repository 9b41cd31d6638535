//! `meshc lsp`: runs the language server on stdin/stdout (editors start it; see
//! `editors/`). Everything it does lives in the `meshc-lsp` crate.

use crate::error::Fatal;
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it (the VS Code client library does); stdio is the
    /// only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: &Args) -> Result<Outcome, Fatal> {
    let _ = args.stdio;
    meshc_lsp::run_stdio().map_err(|error| Fatal::new(format!("the language server stopped: {error}")))?;
    Ok(Outcome::Success)
}
