//! Hover: on a name, what it resolves to (its declaration's source, summarised, and where
//! it is); on a keyword, its documentation; on a word of a fixed set, the set; on a number
//! with a unit, what the unit means and the value it stands for.

use meshc_core::{units, vocabulary, DefKind, FileId};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::keywords;
use crate::lexer::{self, Kind};
use crate::snapshot::Snapshot;

/// Lines of a declaration shown at most.
const MAX_LINES: usize = 12;

pub fn hover(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<Hover> {
    if let Some(def) = snapshot.analysis.index.definition_at(file, offset) {
        let at = snapshot
            .analysis
            .index
            .references
            .iter()
            .find(|r| r.span.file == file && r.span.contains(offset))
            .map(|r| r.span)
            .or_else(|| snapshot.analysis.index.definitions.get(def).map(|d| d.span));
        return Some(markdown(declaration(snapshot, def)?, at.map(|s| snapshot.range(s))));
    }
    let text = snapshot.text(file);
    let token = lexer::word_at(text, offset)?;
    let word = token.text(text);
    let range = Some(snapshot.range(meshc_core::Span::new(file, token.start, token.end)));
    match token.kind {
        Kind::Word => {
            if let Some(doc) = keywords::doc(word) {
                return Some(markdown(doc, range));
            }
            enum_word(word).map(|doc| markdown(doc, range))
        }
        Kind::Number => Some(markdown(unit_doc(word), range)),
        _ => None,
    }
}

fn markdown(value: String, range: Option<tower_lsp_server::ls_types::Range>) -> Hover {
    Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }), range }
}

/// The declaration of definition `def`: its source lines (at most [`MAX_LINES`]), kind and
/// name, and where it is.
fn declaration(snapshot: &Snapshot, def: usize) -> Option<String> {
    let d = snapshot.analysis.index.definitions.get(def)?;
    let text = snapshot.text(d.full_span.file);
    // Whole lines: a version or port is shown with the statement that declares it.
    let start = text.get(..d.full_span.start as usize).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let end = text
        .get(d.full_span.end as usize..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| d.full_span.end as usize + i);
    let source = text.get(start..end).unwrap_or("");
    let lines: Vec<&str> = source.lines().collect();
    let indent =
        lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let mut shown: Vec<&str> =
        lines.iter().take(MAX_LINES).map(|l| l.get(indent..).unwrap_or(l.trim_start())).collect();
    if lines.len() > MAX_LINES {
        shown.push("…");
    }
    let what = match (&d.container, d.kind) {
        (Some(owner), DefKind::Version | DefKind::Port) => format!("{} `{}` of `{owner}`", d.kind.describe(), d.name),
        _ => format!("{} `{}`", d.kind.describe(), d.name),
    };
    let file = snapshot.sources.get(d.span.file);
    let (line, _) = snapshot.sources.line_col(d.span.file, d.span.start as usize);
    Some(format!("```mesh\n{}\n```\n\n{what}, declared in `{}:{line}`", shown.join("\n"), file.name))
}

/// A word from one of the checker's fixed sets (`least_request`, `strict`, …).
fn enum_word(word: &str) -> Option<String> {
    let sets: Vec<&vocabulary::Words> = vocabulary::WORDS
        .iter()
        .chain([&vocabulary::PROVIDER_KINDS, &vocabulary::RETRY_CONDITIONS, &vocabulary::VALUE_TYPES])
        .filter(|w| w.words.contains(&word))
        .collect();
    if sets.is_empty() {
        return None;
    }
    let lines: Vec<String> = sets
        .iter()
        .map(|w| {
            let all: Vec<String> = w.words.iter().map(|x| format!("`{x}`")).collect();
            format!("a {} (after `{}`): one of {}", w.what, w.after, all.join(", "))
        })
        .collect();
    Some(format!("`{word}`: {}", lines.join("\n\n")))
}

/// What a number means by its unit.
fn unit_doc(text: &str) -> String {
    if let Some(number) = text.strip_suffix('%') {
        return format!("**percentage** `{number}%`: 0–100; weights and ejection percentages must be whole.");
    }
    if let Some((count, per)) = text.split_once('/') {
        let interval = match units::parse_duration(per) {
            Ok(d) => format!("{} ms", d.millis()),
            Err(e) => e.to_string(),
        };
        return format!("**rate** `{text}`: {count} per {per} ({interval}).");
    }
    if text.chars().any(|c| c.is_ascii_alphabetic()) {
        let value = match units::parse_duration(text) {
            Ok(d) => format!("= {} ms", d.millis()),
            Err(e) => format!("invalid: {e}"),
        };
        return format!(
            "**duration** `{text}` {value}\n\nUnits: `ns`, `us`, `ms`, `s`, `m`, `h`, summed (`1h30m`); \
             Istio takes whole milliseconds; there is no `d`."
        );
    }
    format!("**number** `{text}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert!(unit_doc("1h30m").contains("5400000 ms"), "{}", unit_doc("1h30m"));
        assert!(unit_doc("5d").contains("invalid"));
        assert!(unit_doc("10%").starts_with("**percentage**"));
        assert!(unit_doc("100/1s").contains("1000 ms"));
        assert_eq!(unit_doc("8080"), "**number** `8080`");
    }

    #[test]
    fn enum_words_name_their_set() {
        let doc = enum_word("least_request").unwrap_or_default();
        assert!(doc.contains("load balancer") && doc.contains("`round_robin`"), "{doc}");
        assert_eq!(enum_word("checkout"), None);
    }
}
