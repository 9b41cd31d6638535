//! The one diagnostic type every phase produces and every front end (terminal, JSON,
//! GitHub annotations, LSP) renders.

use meshc_syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary location with a message; it may point into another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A machine-applicable edit: replace `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    /// Shown to people, e.g. "did you mean `auth-service`?".
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code such as `E0101`; its long text is printed by `meshc explain`.
    pub code: &'static str,
    /// Lowercase, no final period.
    pub message: String,
    pub span: Span,
    /// The text under the primary span, e.g. "no service of this name".
    pub span_label: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub suggestion: Option<Suggestion>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span, message)
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span, message)
    }

    fn new(severity: Severity, code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            span,
            span_label: String::new(),
            labels: Vec::new(),
            notes: Vec::new(),
            suggestion: None,
        }
    }

    pub fn with_span_label(mut self, text: impl Into<String>) -> Self {
        self.span_label = text.into();
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_suggestion(mut self, span: Span, replacement: impl Into<String>, message: impl Into<String>) -> Self {
        self.suggestion = Some(Suggestion { span, replacement: replacement.into(), message: message.into() });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
