//! Turns diagnostics into text for people and tools: rustc-style terminal output
//! ([`human`]), JSON lines ([`json`]) and GitHub Actions annotations ([`github`]).
//!
//! Every renderer is a pure function from `(&Sources, &[Diagnostic])` to a `String`; the
//! caller decides where the text goes. None of them panics on a span that does not fit its
//! file: spans are clamped, and a label whose file is unknown is dropped.

pub mod github;
pub mod human;
pub mod json;

use meshc_syntax::{FileId, Span};

use crate::sources::{SourceFile, Sources};

/// Where a span is, in the terms people and tools use: a file name and 1-based line and
/// column (in characters) of its start and of its end (the position just past it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// The file a diagnostic points at, if `Sources` has it. A diagnostic is produced from the
/// same `Sources`, so `None` means a bug elsewhere; renderers degrade instead of panicking.
pub(crate) fn file(sources: &Sources, id: FileId) -> Option<&SourceFile> {
    sources.iter().nth(id.0 as usize).map(|(_, file)| file)
}

/// Resolves a span to its [`Location`], or `None` when its file is unknown.
pub(crate) fn locate(sources: &Sources, span: Span) -> Option<Location<'_>> {
    let source = file(sources, span.file)?;
    let (line, column) = sources.line_col(span.file, span.start as usize);
    let (end_line, end_column) = sources.line_col(span.file, (span.end.max(span.start)) as usize);
    Some(Location { file: &source.name, line, column, end_line, end_column })
}

/// The byte range of `span` made safe to slice `text` with: inside the text, on character
/// boundaries, and never reversed.
pub(crate) fn clamp(text: &str, span: Span) -> std::ops::Range<usize> {
    let end = floor_char_boundary(text, (span.end as usize).min(text.len()));
    let start = floor_char_boundary(text, (span.start as usize).min(end));
    start..end
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The words a renderer uses for a severity.
pub(crate) fn severity_word(severity: crate::Severity) -> &'static str {
    match severity {
        crate::Severity::Error => "error",
        crate::Severity::Warning => "warning",
    }
}

/// The text of the `help` line of a suggestion: its own message, or, when the checker gave
/// none, a description of the replacement.
pub(crate) fn help_text(suggestion: &crate::Suggestion) -> String {
    if suggestion.message.is_empty() {
        format!("replace with `{}`", suggestion.replacement)
    } else {
        suggestion.message.clone()
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Hand-made sources and diagnostics shared by the renderers' tests.

    use crate::{Diagnostic, Sources, Span};

    pub const ROUTES: &str = "route api {\n  to auth-servce\n}\n";
    pub const SERVICES: &str = "service auth-service {\n  port http 3000\n}\n";

    pub fn sources() -> Sources {
        let mut sources = Sources::new();
        sources.add("routes.mesh", ROUTES);
        sources.add("services/auth.mesh", SERVICES);
        sources
    }

    fn span_of(sources: &Sources, file: &str, needle: &str) -> Span {
        let id = sources.find(file).expect("fixture file");
        let start = sources.get(id).text.find(needle).expect("fixture needle");
        Span::new(id, start, start + needle.len())
    }

    /// An error with every part filled in: a secondary label in another file, a note and a
    /// suggestion.
    pub fn unknown_service() -> Diagnostic {
        let sources = sources();
        let typo = span_of(&sources, "routes.mesh", "auth-servce");
        Diagnostic::error("E0101", typo, "unknown service `auth-servce`")
            .with_span_label("no service of this name")
            .with_label(span_of(&sources, "services/auth.mesh", "auth-service"), "a similar service is declared here")
            .with_note("routes may only send traffic to declared services")
            .with_suggestion(typo, "auth-service", "did you mean `auth-service`?")
    }

    /// A warning with only a primary span.
    pub fn bare_warning() -> Diagnostic {
        let sources = sources();
        Diagnostic::warning("W0001", span_of(&sources, "services/auth.mesh", "3000"), "port 3000, is it: plain?")
    }
}
