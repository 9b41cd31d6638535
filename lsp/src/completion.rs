//! Completion that knows where the cursor is: the keywords the grammar accepts there (asked
//! of the grammar itself), only services and externals after `->`, only that service's
//! versions after `@` and ports after `:`, the checker's own word lists after `balance`,
//! `mtls`, `h2_upgrade` and the like, environment values after `$`, and units after a number.

use std::collections::HashSet;

use meshc_core::{vocabulary, DefKind, Definition};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, MarkupContent, MarkupKind, Range, TextEdit,
};

use crate::keywords;
use crate::lexer::{self, Kind, Token};
use crate::snapshot::Snapshot;

/// Units offered after a number: durations, then a percentage.
const UNITS: &[(&str, &str)] = &[
    ("ms", "milliseconds"),
    ("s", "seconds"),
    ("m", "minutes"),
    ("h", "hours"),
    ("%", "a percentage"),
    ("us", "microseconds (Istio needs whole milliseconds)"),
];

/// What the cursor is after, decided from the tokens before it.
#[derive(Debug, PartialEq)]
enum Context<'a> {
    /// After `->` or in a destination list, after `mirror`, `hosts`: services and externals.
    Destination,
    /// After `SERVICE@`.
    Versions(&'a str),
    /// After `SERVICE:` or `SERVICE@VERSION:`.
    Ports(&'a str),
    /// Right after a keyword that takes a word from a fixed set (or a setting list).
    Words(&'static vocabulary::Words),
    /// Names of one kind (`via` → gateways, `tracing` → providers, …).
    Names(&'static [DefKind]),
    Values,
    Units(&'a str),
    Nothing,
    /// Only the grammar's keywords.
    Keywords,
}

/// The completion items at `offset` of `text` (the current buffer), with names from the
/// indexes of `snapshots` (the newest analysis first, then the last one in which the file
/// parsed: a declaration that is broken right now still offers its names).
pub fn complete(snapshots: &[&Snapshot], text: &str, offset: usize) -> Vec<CompletionItem> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let tokens = lexer::tokens(before);
    // The word being typed, if the cursor touches one: it is replaced by the completion.
    let (partial, rest) = match tokens.split_last() {
        Some((last, rest)) if last.end == offset && matches!(last.kind, Kind::Word | Kind::Number | Kind::Var) => {
            (Some(*last), rest)
        }
        Some((last, _)) if last.end == offset && matches!(last.kind, Kind::Comment | Kind::Str) => {
            return Vec::new(); // inside a comment or a string
        }
        _ => (None, &tokens[..]),
    };
    let replace = partial.map_or(offset..offset, |p| p.start..offset);
    let range = crate::position::LineIndex::new(text).range(text, replace.start, replace.end);
    let context = match partial {
        Some(p) if p.kind == Kind::Number => Context::Units(p.text(before)),
        Some(p) if p.kind == Kind::Var => Context::Values,
        _ => context(before, rest),
    };
    let mut items = Vec::new();
    // Each definition once, in order (a set, not a scan: workspaces have thousands).
    let mut seen = HashSet::new();
    let defs: Vec<&Definition> = snapshots
        .iter()
        .flat_map(|s| &s.analysis.index.definitions)
        .filter(|d| seen.insert((d.kind, d.name.as_str(), d.container.as_deref())))
        .collect();
    let defs = &defs[..];
    match context {
        Context::Destination => names(defs, &[DefKind::Service, DefKind::External], None, range, &mut items),
        Context::Versions(service) => names(defs, &[DefKind::Version], Some(service), range, &mut items),
        Context::Ports(service) => names(defs, &[DefKind::Port], Some(service), range, &mut items),
        Context::Names(kinds) => names(defs, kinds, None, range, &mut items),
        Context::Words(words) => {
            for word in words.words {
                items.push(item(word, CompletionItemKind::ENUM_MEMBER, words.what, range, "0"));
            }
        }
        Context::Values => {
            for d in defs.iter().filter(|d| d.kind == DefKind::Value) {
                let mut value =
                    item(&format!("${}", d.name), CompletionItemKind::VARIABLE, "environment value", range, "0");
                value.filter_text = Some(format!("${}", d.name));
                items.push(value);
            }
        }
        Context::Units(number) => {
            let digits = number.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
            for (unit, what) in UNITS {
                items.push(item(&format!("{digits}{unit}"), CompletionItemKind::UNIT, what, range, "0"));
            }
        }
        Context::Nothing => return items,
        Context::Keywords => {}
    }
    // Keywords the grammar accepts here, after the context's names.
    let start = partial.map_or(offset, |p| p.start);
    for keyword in meshc_syntax::expect::keywords_after(&text[..start]) {
        let mut k = item(&keyword, CompletionItemKind::KEYWORD, "keyword", range, "1");
        k.documentation = keywords::doc(&keyword)
            .map(|value| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value }));
        items.push(k);
    }
    items
}

fn item(label: &str, kind: CompletionItemKind, detail: &str, range: Range, sort: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        sort_text: Some(format!("{sort}{label}")),
        // Replace the word being typed; with none, the client inserts the label at the cursor.
        text_edit: (range.start != range.end)
            .then(|| CompletionTextEdit::Edit(TextEdit::new(range, label.to_string()))),
        ..CompletionItem::default()
    }
}

fn names(
    defs: &[&Definition],
    kinds: &[DefKind],
    container: Option<&str>,
    range: Range,
    out: &mut Vec<CompletionItem>,
) {
    let mut labels: HashSet<&str> = HashSet::new();
    for d in
        defs.iter().filter(|d| kinds.contains(&d.kind) && (container.is_none() || d.container.as_deref() == container))
    {
        let kind = match d.kind {
            DefKind::Service => CompletionItemKind::CLASS,
            DefKind::External => CompletionItemKind::INTERFACE,
            DefKind::Version => CompletionItemKind::ENUM_MEMBER,
            DefKind::Port => CompletionItemKind::PROPERTY,
            DefKind::Value => CompletionItemKind::VARIABLE,
            _ => CompletionItemKind::REFERENCE,
        };
        let detail = match &d.container {
            Some(owner) => format!("{} of {owner}", d.kind.describe()),
            None => d.kind.describe().to_string(),
        };
        if labels.insert(d.name.as_str()) {
            out.push(item(&d.name, kind, &detail, range, "0"));
        }
    }
}

/// The declaration keyword of the top-level declaration the tokens end in, if inside one.
fn enclosing<'a>(text: &'a str, tokens: &[Token]) -> Option<&'a str> {
    let mut depth = 0usize;
    let mut declaration = None;
    for token in tokens {
        match token.text(text) {
            "{" => depth += 1,
            "}" => depth = depth.saturating_sub(1),
            word if depth == 0 && token.kind == Kind::Word && meshc_syntax::DECLARATION_KEYWORDS.contains(&word) => {
                declaration = Some(word)
            }
            _ => {}
        }
    }
    declaration
}

fn context<'a>(text: &'a str, tokens: &[Token]) -> Context<'a> {
    let significant: Vec<Token> = tokens.iter().copied().filter(|t| t.kind != Kind::Comment).collect();
    let Some(last) = significant.last() else { return Context::Keywords };
    let word_before = |n: usize| {
        significant
            .len()
            .checked_sub(n + 1)
            .and_then(|i| significant.get(i))
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text(text))
    };
    let block = enclosing(text, &significant);
    match (last.kind, last.text(text)) {
        (Kind::Arrow, _) if block == Some("jwt") => Context::Nothing, // `claim NAME -> "header"`
        (Kind::Arrow, _) => Context::Destination,
        (Kind::Punct, "@") => word_before(1).map_or(Context::Nothing, Context::Versions),
        (Kind::Punct, ":") if block == Some("defaults") => Context::Words(&vocabulary::VALUE_TYPES),
        (Kind::Punct, ":") => {
            // `SERVICE:` or `SERVICE@VERSION:`
            let owner = if significant.len() >= 4 && significant[significant.len() - 3].text(text) == "@" {
                word_before(3)
            } else {
                word_before(1)
            };
            owner.map_or(Context::Nothing, Context::Ports)
        }
        (Kind::Punct, ",") => list_context(text, &significant, block),
        (Kind::Punct, "=") if block == Some("defaults") || block == Some("env") => Context::Values,
        (Kind::Other, "$") => Context::Values,
        // `use module.` (a qualified preset)
        (Kind::Other, ".") if word_before(2) == Some("use") => Context::Names(&[DefKind::Preset]),
        (Kind::Word, word) => after_word(word, word_before(1), block),
        _ => Context::Keywords,
    }
}

/// Right after `word` (the previous word is `previous`) in declaration `block`.
fn after_word(word: &str, previous: Option<&str>, block: Option<&str>) -> Context<'static> {
    const SERVICES: &[DefKind] = &[DefKind::Service];
    const HOSTS: &[DefKind] = &[DefKind::Service, DefKind::External];
    if previous == Some("provider") && block == Some("provider") {
        return Context::Words(&vocabulary::PROVIDER_KINDS);
    }
    match word {
        "on" if block == Some("jwt") => Context::Names(SERVICES),
        "on" => Context::Words(&vocabulary::RETRY_CONDITIONS),
        "mirror" | "hosts" => Context::Names(HOSTS),
        "via" => Context::Names(&[DefKind::Gateway]),
        "use" => Context::Names(&[DefKind::Preset]),
        "tracing" | "access_log" | "metrics" => Context::Names(&[DefKind::Provider]),
        "account" if block == Some("policy") => Context::Names(&[DefKind::Account]),
        "global" | "from" => Context::Names(SERVICES),
        "limit" | "sidecar" | "telemetry" | "policy" if block == Some(word) => Context::Names(SERVICES),
        "egress" if block == Some("sidecar") => Context::Names(HOSTS),
        _ => match vocabulary::words_after(word) {
            Some(words) => Context::Words(words),
            None => Context::Keywords,
        },
    }
}

/// After a `,`: what the list being continued holds, found by walking back to the word or
/// arrow that started it.
fn list_context<'a>(text: &'a str, tokens: &[Token], block: Option<&str>) -> Context<'a> {
    for (i, token) in tokens.iter().enumerate().rev() {
        match (token.kind, token.text(text)) {
            (Kind::Punct, "{" | "}") => return Context::Keywords,
            (Kind::Arrow, _) => return Context::Destination,
            (Kind::Word, word) => {
                let previous = i.checked_sub(1).and_then(|j| tokens.get(j)).map(|t| t.text(text));
                match after_word(word, previous, block) {
                    Context::Keywords => continue,
                    // A setting list (`pool a 1, b 2`) continues with another setting name.
                    found => return found,
                }
            }
            _ => {}
        }
    }
    Context::Keywords
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        let tokens = lexer::tokens(text);
        format!("{:?}", context(text, &tokens))
    }

    #[test]
    fn contexts() {
        assert_eq!(at("route r { any -> "), "Destination");
        assert_eq!(at("route r { any -> a, "), "Destination");
        assert_eq!(at("route r { any -> checkout@"), "Versions(\"checkout\")");
        assert_eq!(at("route r { any -> checkout:"), "Ports(\"checkout\")");
        assert_eq!(at("route r { any -> checkout@v1:"), "Ports(\"checkout\")");
        assert!(at("service a { balance ").contains("load balancer"));
        assert!(at("service a { pool h2_upgrade ").contains("HTTP/2"));
        assert!(at("service a { pool max_connections 1, ").contains("pool setting"));
        assert!(at("policy a { mtls ").contains("mTLS"));
        assert!(at("defaults { x: ").contains("value type"));
        assert!(at("provider p ").contains("provider kind"));
        assert!(at("route r { any -> a { retry 3 on ").contains("retry condition"));
        assert_eq!(at("jwt j { on "), "Names([Service])");
        assert_eq!(at("route r via "), "Names([Gateway])");
        assert_eq!(at("route r { any -> a { timeout 5s } }\nservice "), "Keywords");
        assert_eq!(at("env dev { x = "), "Values");
        assert_eq!(at("service a { use "), "Names([Preset])");
        assert_eq!(at("service a { use resilience."), "Names([Preset])");
    }
}
