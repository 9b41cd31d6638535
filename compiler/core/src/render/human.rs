//! rustc-style terminal rendering of diagnostics with codespan-reporting: a header
//! `error[E0101]: message`, the source with the primary and secondary labels (which may be
//! in other files), then `= note: …` and `= help: …` lines.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Ansi, Chars, Config};

use crate::{Diagnostic, Severity, Sources};

/// Whether to colour the output with ANSI escapes. The caller decides (TTY, `NO_COLOR`,
/// `--color`); the renderer never looks at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Never,
    Always,
}

/// Renders every diagnostic, each followed by a blank line, in the order given.
pub fn render(sources: &Sources, diagnostics: &[Diagnostic], color: Color) -> String {
    let files = files(sources, diagnostics);
    let config = config();
    diagnostics.iter().map(|diagnostic| render_with(&files, &config, sources, diagnostic, color)).collect()
}

/// Renders one diagnostic, followed by a blank line.
pub fn render_one(sources: &Sources, diagnostic: &Diagnostic, color: Color) -> String {
    render_with(&files(sources, std::slice::from_ref(diagnostic)), &config(), sources, diagnostic, color)
}

type Files<'a> = SimpleFiles<&'a str, String>;

/// A codespan file database whose ids are the indices of `Sources`, which are dense. The
/// text is made safe to print (see [`printable`]) without moving any byte offset. Only the
/// files the diagnostics point into get their text: a build of thousands of files with one
/// warning (or none) does not copy them all.
fn files<'a>(sources: &'a Sources, diagnostics: &[Diagnostic]) -> Files<'a> {
    let shown: std::collections::HashSet<u32> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(d.span.file.0).chain(d.labels.iter().map(|l| l.span.file.0)))
        .collect();
    let mut files = SimpleFiles::new();
    for (id, file) in sources.iter() {
        let text = if shown.contains(&id.0) { printable(&file.text) } else { String::new() };
        files.add(file.name.as_str(), text);
    }
    files
}

/// Source text as it may reach a terminal: control characters (an ESC could drive the
/// terminal) and bidirectional overrides (which make code read differently than it parses)
/// become `?`s of the same byte length, so every span still lands on the same text.
pub(crate) fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t' && c != '\r')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    text.chars().map(|c| if unsafe_char(c) { "?".repeat(c.len_utf8()) } else { c.to_string() }).collect()
}

/// ASCII borders (`-->`, `|`) so the output looks like rustc's and survives any terminal.
fn config() -> Config {
    Config { chars: Chars::ascii(), ..Config::default() }
}

fn render_with(files: &Files<'_>, config: &Config, sources: &Sources, diagnostic: &Diagnostic, color: Color) -> String {
    let converted = convert(sources, diagnostic);
    let rendered = match color {
        Color::Never => term::emit_into_string(config, files, &converted),
        Color::Always => {
            let mut out = Ansi::new(Vec::new());
            term::emit_to_write_style(&mut out, config, files, &converted)
                .map(|()| String::from_utf8_lossy(&out.into_inner()).into_owned())
        }
    };
    // Clamping in `convert` keeps every range valid, so this only guards against a
    // codespan failure we did not foresee: the message must still reach the user.
    rendered.unwrap_or_else(|_| fallback(sources, diagnostic))
}

fn convert(sources: &Sources, diagnostic: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match diagnostic.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut labels = Vec::new();
    if let Some(file) = super::file(sources, diagnostic.span.file) {
        let range = super::clamp(&file.text, diagnostic.span);
        labels.push(
            CsLabel::primary(diagnostic.span.file.0 as usize, range).with_message(printable(&diagnostic.span_label)),
        );
    }
    for label in &diagnostic.labels {
        if let Some(file) = super::file(sources, label.span.file) {
            let range = super::clamp(&file.text, label.span);
            labels.push(CsLabel::secondary(label.span.file.0 as usize, range).with_message(printable(&label.message)));
        }
    }
    let mut notes: Vec<String> = diagnostic.notes.iter().map(|note| format!("note: {}", printable(note))).collect();
    if let Some(suggestion) = &diagnostic.suggestion {
        notes.push(format!("help: {}", super::help_text(suggestion)));
    }
    CsDiagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(printable(&diagnostic.message))
        .with_labels(labels)
        .with_notes(notes)
}

/// A plain rendering with no source excerpt, used only if codespan refuses a diagnostic.
fn fallback(sources: &Sources, diagnostic: &Diagnostic) -> String {
    let mut out =
        format!("{}[{}]: {}\n", super::severity_word(diagnostic.severity), diagnostic.code, diagnostic.message);
    if let Some(at) = super::locate(sources, diagnostic.span) {
        out.push_str(&format!("  --> {}:{}:{}\n", at.file, at.line, at.column));
    }
    for note in &diagnostic.notes {
        out.push_str(&format!("  = note: {note}\n"));
    }
    if let Some(suggestion) = &diagnostic.suggestion {
        out.push_str(&format!("  = help: {}\n", super::help_text(suggestion)));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture;
    use crate::{FileId, Span};

    #[test]
    fn renders_header_labels_in_two_files_note_and_help() {
        let sources = fixture::sources();
        let out = render(&sources, &[fixture::unknown_service()], Color::Never);
        let expected = "\
error[E0101]: unknown service `auth-servce`
  --> routes.mesh:2:6
  |
2 |   to auth-servce
  |      ^^^^^^^^^^^ no service of this name
  |
  --> services/auth.mesh:1:9
  |
1 | service auth-service {
  |         ------------ a similar service is declared here
  |
  = note: routes may only send traffic to declared services
  = help: did you mean `auth-service`?

";
        assert_eq!(out, expected, "got:\n{out}");
    }

    #[test]
    fn renders_a_warning_with_an_empty_label() {
        let sources = fixture::sources();
        let out = render(&sources, &[fixture::bare_warning()], Color::Never);
        assert!(
            out.starts_with("warning[W0001]: port 3000, is it: plain?\n  --> services/auth.mesh:2:13\n"),
            "got:\n{out}"
        );
        assert!(out.contains("^^^^"), "got:\n{out}");
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn colour_is_ansi_escapes_only_when_asked() {
        let sources = fixture::sources();
        let coloured = render_one(&sources, &fixture::unknown_service(), Color::Always);
        assert!(coloured.contains("\x1b["), "expected ANSI escapes");
        let plain = render_one(&sources, &fixture::unknown_service(), Color::Never);
        assert_eq!(strip_ansi(&coloured), plain);
    }

    #[test]
    fn a_help_without_message_describes_the_replacement() {
        let sources = fixture::sources();
        let mut diagnostic = fixture::unknown_service();
        if let Some(suggestion) = &mut diagnostic.suggestion {
            suggestion.message.clear();
        }
        let out = render_one(&sources, &diagnostic, Color::Never);
        assert!(out.contains("= help: replace with `auth-service`"), "got:\n{out}");
    }

    #[test]
    fn spans_out_of_range_or_in_unknown_files_do_not_panic() {
        let sources = fixture::sources();
        // Past the end, inside a multi-byte character, and in a file that does not exist.
        let mut text = Sources::new();
        text.add("é.mesh", "é\n");
        let past_end = Diagnostic::error("E0001", Span::new(FileId(0), 10, 400), "past the end");
        let mid_char = Diagnostic::error("E0001", Span::new(FileId(0), 1, 2), "inside a character");
        let nowhere = Diagnostic::error("E0001", Span::new(FileId(9), 0, 1), "no such file")
            .with_label(Span::new(FileId(7), 0, 1), "nor this");
        let out = render(&sources, &[past_end, nowhere.clone()], Color::Never);
        assert!(out.contains("error[E0001]: past the end"));
        assert!(out.contains("error[E0001]: no such file"));
        let out = render(&text, &[mid_char, nowhere], Color::Never);
        assert!(out.contains("--> é.mesh:1:1"), "got:\n{out}");
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn terminal_control_is_neutralised_without_moving_offsets() {
        let text = "route a {\u{1b}[2J \u{202e}x\u{0085} }\n";
        let safe = printable(text);
        assert_eq!(safe.len(), text.len());
        assert!(!safe.contains('\u{1b}') && !safe.contains('\u{202e}') && !safe.contains('\u{85}'));
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
    }
}
