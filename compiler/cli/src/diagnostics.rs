//! Everything the CLI prints on stderr: diagnostics in the chosen format, the closing
//! summary, status lines and fatal errors. It picks the renderer and the colour, counts
//! errors and warnings, and decides whether they fail the run.
//!
//! In `--message-format json`, stderr holds JSON lines only: fatal errors become objects
//! with `"code": null`, and summary and status lines are left out.

use std::io::{IsTerminal, Write};
use std::path::Path;

use clap::ValueEnum;
use meshc_core::render::{self, human::Color};
use meshc_core::{Diagnostic, Severity, Sources};

use crate::error::Fatal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How many diagnostics of each severity a run produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
}

impl Counts {
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        diagnostics.iter().fold(Counts::default(), |mut counts, diagnostic| {
            match diagnostic.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
            }
            counts
        })
    }
}

pub struct Reporter {
    format: MessageFormat,
    color: bool,
    deny_warnings: bool,
}

impl Reporter {
    pub fn new(format: MessageFormat, color: ColorChoice, deny_warnings: bool) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stderr().is_terminal() && !no_color(),
        };
        Reporter { format, color, deny_warnings }
    }

    /// Prints the diagnostics in the chosen format and returns their counts.
    /// `project_dir` is the directory the file names are relative to, as the user gave it;
    /// GitHub annotations need it to name files from the repository root.
    pub fn diagnostics(&self, sources: &Sources, diagnostics: &[Diagnostic], project_dir: &Path) -> Counts {
        let text = match self.format {
            MessageFormat::Human => {
                render::human::render(sources, diagnostics, if self.color { Color::Always } else { Color::Never })
            }
            MessageFormat::Json => render::json::render(sources, diagnostics),
            MessageFormat::Github => {
                let dir = project_dir.to_string_lossy();
                render::github::render(sources, diagnostics, dir.strip_prefix("./").unwrap_or(&dir))
            }
        };
        eprint_raw(&text);
        Counts::of(diagnostics)
    }

    /// Whether these diagnostics fail the run: any error, or any warning under
    /// `--deny-warnings`.
    pub fn failed(&self, counts: Counts) -> bool {
        counts.errors > 0 || (self.deny_warnings && counts.warnings > 0)
    }

    /// The closing line in human mode, e.g. `error: aborting due to 2 errors; 1 warning
    /// emitted`; nothing when there was nothing to say.
    pub fn summary(&self, counts: Counts) {
        if self.format != MessageFormat::Human {
            return;
        }
        if let Some((severity, text)) = summary_line(counts, self.deny_warnings) {
            eprint_raw(&self.headline(severity, &text));
        }
    }

    /// An informational line such as `wrote out/dev (14 files)`; left out of JSON output.
    pub fn status(&self, text: &str) {
        if self.format != MessageFormat::Json {
            eprint_raw(&format!("{text}\n"));
        }
    }

    /// An error that concerns no source location, e.g. drift found by `build --check`.
    pub fn error(&self, message: &str, help: &[String]) {
        self.fatal(&Fatal { message: message.to_string(), help: help.to_vec(), path: None });
    }

    /// A fatal error (exit status 2) in the chosen format.
    pub fn fatal(&self, fatal: &Fatal) {
        let text = match self.format {
            MessageFormat::Human => {
                let mut text = self.headline(Severity::Error, &fatal.message);
                for help in &fatal.help {
                    text.push_str(&format!("  = help: {help}\n"));
                }
                text
            }
            MessageFormat::Json => {
                let value = serde_json::json!({
                    "severity": "error",
                    "code": null,
                    "message": fatal.message,
                    "file": fatal.path.as_ref().map(|path| path.to_string_lossy()),
                    "notes": fatal.help,
                });
                format!("{value}\n")
            }
            MessageFormat::Github => {
                let mut message = fatal.message.clone();
                for help in &fatal.help {
                    message.push_str(&format!("\nhelp: {help}"));
                }
                let file = match &fatal.path {
                    Some(path) => format!(" file={}", render::github::escape_property(&path.to_string_lossy())),
                    None => String::new(),
                };
                format!("::error{file}::{}\n", render::github::escape_data(&message))
            }
        };
        eprint_raw(&text);
    }

    /// `error: text` (or `warning: text`), coloured like rustc's when colour is on.
    fn headline(&self, severity: Severity, text: &str) -> String {
        let (word, color) = match severity {
            Severity::Error => ("error", "\x1b[1;31m"),
            Severity::Warning => ("warning", "\x1b[1;33m"),
        };
        if self.color {
            format!("{color}{word}\x1b[0m\x1b[1m: {text}\x1b[0m\n")
        } else {
            format!("{word}: {text}\n")
        }
    }
}

fn summary_line(counts: Counts, deny_warnings: bool) -> Option<(Severity, String)> {
    let warnings = plural(counts.warnings, "warning");
    match (counts.errors, counts.warnings) {
        (0, 0) => None,
        (0, _) if deny_warnings => Some((Severity::Error, format!("aborting due to {warnings} (--deny-warnings)"))),
        (0, _) => Some((Severity::Warning, format!("{warnings} emitted"))),
        (errors, 0) => Some((Severity::Error, format!("aborting due to {}", plural(errors, "error")))),
        (errors, _) => {
            Some((Severity::Error, format!("aborting due to {}; {warnings} emitted", plural(errors, "error"))))
        }
    }
}

pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// NO_COLOR disables colour when it is set to anything but the empty string
/// (https://no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// Writes to stderr, ignoring failures: there is nowhere left to report them.
fn eprint_raw(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(errors: usize, warnings: usize) -> Counts {
        Counts { errors, warnings }
    }

    #[test]
    fn summary_lines() {
        assert_eq!(summary_line(counts(0, 0), false), None);
        assert_eq!(summary_line(counts(0, 1), false), Some((Severity::Warning, "1 warning emitted".into())));
        assert_eq!(
            summary_line(counts(0, 2), true),
            Some((Severity::Error, "aborting due to 2 warnings (--deny-warnings)".into()))
        );
        assert_eq!(summary_line(counts(1, 0), false), Some((Severity::Error, "aborting due to 1 error".into())));
        assert_eq!(
            summary_line(counts(2, 1), false),
            Some((Severity::Error, "aborting due to 2 errors; 1 warning emitted".into()))
        );
    }

    #[test]
    fn warnings_fail_only_when_denied() {
        let lenient = Reporter::new(MessageFormat::Human, ColorChoice::Never, false);
        let strict = Reporter::new(MessageFormat::Human, ColorChoice::Never, true);
        assert!(!lenient.failed(counts(0, 3)));
        assert!(strict.failed(counts(0, 3)));
        assert!(lenient.failed(counts(1, 0)));
        assert!(!strict.failed(counts(0, 0)));
    }
}
