//! meshc's pure core: sources in, diagnostics and a checked mesh model out. No IO here.

pub mod codes;
pub mod diagnostic;
pub mod render;
pub mod sources;

pub use diagnostic::{Diagnostic, Label, Severity, Suggestion};
pub use meshc_syntax::{FileId, Span};
pub use sources::{SourceFile, Sources};

/// Everything one run of the compiler knows about a set of sources.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every diagnostic of the run, in a deterministic order (file, offset, code).
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The single entry point shared by `meshc build`, `meshc lsp` and `meshc watch`.
pub fn analyze(_sources: &Sources) -> Analysis {
    Analysis::default()
}
