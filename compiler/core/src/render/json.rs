//! Machine-readable diagnostics: one JSON object per line per diagnostic, for editors,
//! scripts and CI tools. Lines and columns are 1-based, columns count characters, and an
//! end position is the one just past the span; `span` holds the byte offsets.
//!
//! ```json
//! {"severity":"error","code":"E0101","message":"unknown service `x`","file":"a.mesh",
//!  "line":2,"column":6,"end_line":2,"end_column":17,"span":{"start":17,"end":28},
//!  "span_label":"no service of this name","labels":[{"file":"b.mesh","line":1,"column":9,
//!  "end_line":1,"end_column":21,"message":"declared here"}],"notes":["…"],
//!  "suggestion":{"message":"did you mean `y`?","replacement":"y","file":"a.mesh","line":2,
//!  "column":6,"end_line":2,"end_column":17,"span":{"start":17,"end":28}}}
//! ```
//!
//! A location whose file is unknown to `Sources` (a bug elsewhere) is written with
//! `file: null` and no line or column rather than dropped, so no message is lost.

use serde::Serialize;

use crate::{Diagnostic, Label, Sources, Span, Suggestion};

/// Renders every diagnostic as one line of JSON, each ending with `\n`.
pub fn render(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(|diagnostic| render_one(sources, diagnostic) + "\n").collect()
}

/// Renders one diagnostic as a single line of JSON, without the final newline.
pub fn render_one(sources: &Sources, diagnostic: &Diagnostic) -> String {
    let record = Record::new(sources, diagnostic);
    // Serialising plain structs of strings and integers into a String cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

#[derive(Serialize)]
struct Record<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    #[serde(flatten)]
    at: At<'a>,
    span: ByteSpan,
    span_label: &'a str,
    labels: Vec<LabelRecord<'a>>,
    notes: &'a [String],
    suggestion: Option<SuggestionRecord<'a>>,
}

/// A resolved position; every field is `null` when the file is unknown.
#[derive(Serialize)]
struct At<'a> {
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
}

#[derive(Serialize)]
struct ByteSpan {
    start: u32,
    end: u32,
}

#[derive(Serialize)]
struct LabelRecord<'a> {
    #[serde(flatten)]
    at: At<'a>,
    message: &'a str,
}

#[derive(Serialize)]
struct SuggestionRecord<'a> {
    message: &'a str,
    replacement: &'a str,
    #[serde(flatten)]
    at: At<'a>,
    span: ByteSpan,
}

impl<'a> Record<'a> {
    fn new(sources: &'a Sources, diagnostic: &'a Diagnostic) -> Self {
        Record {
            severity: super::severity_word(diagnostic.severity),
            code: diagnostic.code,
            message: &diagnostic.message,
            at: At::new(sources, diagnostic.span),
            span: ByteSpan::from(diagnostic.span),
            span_label: &diagnostic.span_label,
            labels: diagnostic.labels.iter().map(|label| LabelRecord::new(sources, label)).collect(),
            notes: &diagnostic.notes,
            suggestion: diagnostic.suggestion.as_ref().map(|suggestion| SuggestionRecord::new(sources, suggestion)),
        }
    }
}

impl<'a> At<'a> {
    fn new(sources: &'a Sources, span: Span) -> Self {
        match super::locate(sources, span) {
            Some(at) => At {
                file: Some(at.file),
                line: Some(at.line),
                column: Some(at.column),
                end_line: Some(at.end_line),
                end_column: Some(at.end_column),
            },
            None => At { file: None, line: None, column: None, end_line: None, end_column: None },
        }
    }
}

impl From<Span> for ByteSpan {
    fn from(span: Span) -> Self {
        ByteSpan { start: span.start, end: span.end }
    }
}

impl<'a> LabelRecord<'a> {
    fn new(sources: &'a Sources, label: &'a Label) -> Self {
        LabelRecord { at: At::new(sources, label.span), message: &label.message }
    }
}

impl<'a> SuggestionRecord<'a> {
    fn new(sources: &'a Sources, suggestion: &'a Suggestion) -> Self {
        SuggestionRecord {
            message: &suggestion.message,
            replacement: &suggestion.replacement,
            at: At::new(sources, suggestion.span),
            span: ByteSpan::from(suggestion.span),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::render::fixture;
    use crate::FileId;

    #[test]
    fn one_line_per_diagnostic_with_every_field() {
        let sources = fixture::sources();
        let out = render(&sources, &[fixture::unknown_service(), fixture::bare_warning()]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(out.ends_with('\n'));
        let first: Value = serde_json::from_str(lines[0]).expect("valid JSON");
        let start = fixture::ROUTES.find("auth-servce").expect("fixture") as u32;
        let end = start + "auth-servce".len() as u32;
        assert_eq!(
            first,
            json!({
                "severity": "error",
                "code": "E0101",
                "message": "unknown service `auth-servce`",
                "file": "routes.mesh",
                "line": 2, "column": 6, "end_line": 2, "end_column": 17,
                "span": {"start": start, "end": end},
                "span_label": "no service of this name",
                "labels": [{
                    "file": "services/auth.mesh",
                    "line": 1, "column": 9, "end_line": 1, "end_column": 21,
                    "message": "a similar service is declared here"
                }],
                "notes": ["routes may only send traffic to declared services"],
                "suggestion": {
                    "message": "did you mean `auth-service`?",
                    "replacement": "auth-service",
                    "file": "routes.mesh",
                    "line": 2, "column": 6, "end_line": 2, "end_column": 17,
                    "span": {"start": start, "end": end}
                }
            })
        );
        let second: Value = serde_json::from_str(lines[1]).expect("valid JSON");
        assert_eq!(second["severity"], "warning");
        assert_eq!(second["suggestion"], Value::Null);
        assert_eq!(second["labels"], json!([]));
    }

    #[test]
    fn field_order_is_stable() {
        let sources = fixture::sources();
        let line = render_one(&sources, &fixture::bare_warning());
        let keys = [
            "\"severity\"",
            "\"code\"",
            "\"message\"",
            "\"file\"",
            "\"line\"",
            "\"column\"",
            "\"end_line\"",
            "\"end_column\"",
            "\"span\"",
            "\"span_label\"",
            "\"labels\"",
            "\"notes\"",
            "\"suggestion\"",
        ];
        let positions: Vec<usize> = keys.iter().map(|key| line.find(key).expect(key)).collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{line}");
    }

    #[test]
    fn special_characters_and_unknown_files_stay_valid_json() {
        let sources = fixture::sources();
        let odd = Diagnostic::error("E0001", Span::new(FileId(42), 0, 1), "quote \" backslash \\ newline \n tab \t");
        let line = render_one(&sources, &odd);
        assert!(!line.contains('\n'));
        let value: Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(value["message"], "quote \" backslash \\ newline \n tab \t");
        assert_eq!(value["file"], Value::Null);
        assert_eq!(value["line"], Value::Null);
    }
}
