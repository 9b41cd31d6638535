//! YAML streams read into spanned value trees: every node and every mapping key keeps the
//! byte range it was written at, so a problem in an Istio object is reported at its
//! `file:line` like a compiler error.
//!
//! Plain scalars are typed the way Kubernetes reads manifests (sigs.k8s.io/yaml, go-yaml v2,
//! YAML 1.1): `yes`, `on`, `y` are booleans, `0x1F` is an integer, `~` is null. Quoted and
//! block scalars are always strings; `!!str` makes any scalar a string. A syntax error stops
//! its document only: reading resumes at the next `---`. Duplicate keys are errors, as the
//! API server's strict decoding makes them.

use meshc_core::{Diagnostic, FileId, Span};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span as YamlSpan};

use crate::codes;

/// A node and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` of a mapping; keys are always read as text, as Kubernetes does.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    /// The value under `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// What the node is, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The node as JSON, the form Kubernetes stores and the round trip compares.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                serde_json::Value::Object(entries.iter().map(|e| (e.key.clone(), e.value.to_json())).collect())
            }
        }
    }
}

/// One document of a stream: its root node and the byte range it covers.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    /// From the document's first content to its end; the whole object's text.
    pub span: Span,
}

/// Reads every document of `text`. Empty documents (a stray `---`) are left out; a document
/// with a syntax error is reported and left out, and reading goes on with the next one.
pub fn read(file: FileId, text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    let mut reader = Reader { file, text, documents: Vec::new(), diagnostics: Vec::new() };
    reader.run();
    (reader.documents, reader.diagnostics)
}

/// A collection being built.
enum Open {
    Seq { start: usize, items: Vec<Node>, anchor: usize },
    Map { start: usize, entries: Vec<Entry>, pending: Option<(String, Span)>, anchor: usize },
}

struct Reader<'t> {
    file: FileId,
    text: &'t str,
    documents: Vec<Document>,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn run(&mut self) {
        let mut parser = Parser::new_from_str(self.text);
        let mut stack: Vec<Open> = Vec::new();
        let mut anchors: Vec<(usize, Node)> = Vec::new();
        let mut root: Option<Node> = None;
        let mut doc_start: Option<usize> = None;
        let mut broken = false;
        while let Some(next) = parser.next_event() {
            let (event, span) = match next {
                Ok(pair) => pair,
                Err(error) => {
                    self.syntax_error(&error);
                    stack.clear();
                    root = None;
                    broken = true;
                    match parser.proceed_next_document() {
                        Ok(true) => continue,
                        Ok(false) | Err(_) => break,
                    }
                }
            };
            let start = self.offset(&span, true);
            let end = self.offset(&span, false);
            let finished: Option<(Node, usize)> = match event {
                // Comments, anchor names and whatever a later parser version adds carry no data.
                Event::StreamStart | Event::StreamEnd | Event::Anchor(..) | Event::Comment(..) => None,
                Event::DocumentStart(..) => {
                    stack.clear();
                    anchors.clear();
                    root = None;
                    doc_start = None;
                    broken = false;
                    None
                }
                Event::DocumentEnd => {
                    if let (Some(node), false) = (root.take(), broken) {
                        if !node.is_null() {
                            let from = doc_start.unwrap_or(node.span.start as usize);
                            let span = Span::new(self.file, from, node.span.end as usize);
                            self.documents.push(Document { root: node, span });
                        }
                    }
                    None
                }
                Event::Alias(id) => match anchors.iter().rev().find(|(a, _)| *a == id) {
                    Some((_, node)) => Some((node.clone(), 0)),
                    None => {
                        self.error(start, end, "an alias to an anchor that is not defined before it");
                        Some((Node { value: Value::Null, span: self.span(start, end) }, 0))
                    }
                },
                Event::UnresolvedAlias(_) => {
                    self.error(start, end, "an alias to an anchor that is not defined before it");
                    Some((Node { value: Value::Null, span: self.span(start, end) }, 0))
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let forced_string = tag.as_ref().is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                    let value = if style == ScalarStyle::Plain && !forced_string {
                        plain_scalar(&text)
                    } else {
                        Value::Str(text.into_owned())
                    };
                    Some((Node { value, span: self.span(start, end) }, anchor))
                }
                Event::SequenceStart(_, anchor, _) => {
                    doc_start.get_or_insert(start);
                    stack.push(Open::Seq { start, items: Vec::new(), anchor });
                    None
                }
                Event::MappingStart(_, anchor, _) => {
                    doc_start.get_or_insert(start);
                    stack.push(Open::Map { start, entries: Vec::new(), pending: None, anchor });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                    Some(Open::Seq { start, items, anchor }) => {
                        Some((Node { value: Value::Seq(items), span: self.span(start, end) }, anchor))
                    }
                    Some(Open::Map { start, entries, anchor, .. }) => {
                        Some((Node { value: Value::Map(entries), span: self.span(start, end) }, anchor))
                    }
                    None => None,
                },
                _ => None,
            };
            let Some((node, anchor)) = finished else { continue };
            doc_start.get_or_insert(node.span.start as usize);
            if anchor != 0 {
                anchors.push((anchor, node.clone()));
            }
            self.place(node, &mut stack, &mut root);
        }
    }

    /// Puts a finished node where it belongs: the pending key of a mapping, the next key,
    /// the next item of a sequence, or the document's root.
    fn place(&mut self, node: Node, stack: &mut [Open], root: &mut Option<Node>) {
        match stack.last_mut() {
            None => *root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map { entries, pending, .. }) => match pending.take() {
                Some((key, key_span)) => {
                    if let Some(first) = entries.iter().find(|e| e.key == key) {
                        let first = first.key_span;
                        self.diagnostics.push(
                            Diagnostic::error(codes::INVALID_YAML, key_span, format!("duplicate key `{key}`"))
                                .with_span_label("given again here")
                                .with_label(first, "first given here")
                                .with_note("Kubernetes rejects a mapping that repeats a key"),
                        );
                    } else {
                        entries.push(Entry { key, key_span, value: node });
                    }
                }
                None => {
                    let key = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(_) | Value::Null => {
                            self.text.get(node.span.range()).unwrap_or_default().to_string()
                        }
                        Value::Seq(_) | Value::Map(_) => {
                            self.diagnostics.push(
                                Diagnostic::error(codes::INVALID_YAML, node.span, "a mapping key must be a scalar")
                                    .with_span_label("a list or mapping used as a key"),
                            );
                            String::new()
                        }
                    };
                    *pending = Some((key, node.span));
                }
            },
        }
    }

    fn syntax_error(&mut self, error: &ScanError) {
        let marker = error.marker();
        let offset = marker.byte_offset().unwrap_or_else(|| char_to_byte(self.text, marker.index()));
        let mut info = error.info();
        if info.is_empty() {
            info = "invalid YAML".to_string();
        }
        let end = next_char_boundary(self.text, offset);
        self.diagnostics.push(
            Diagnostic::error(codes::INVALID_YAML, self.span(offset, end), format!("invalid YAML: {info}"))
                .with_span_label("here")
                .with_note("this document is skipped; the ones after the next `---` are still read"),
        );
    }

    fn error(&mut self, start: usize, end: usize, message: &str) {
        self.diagnostics.push(
            Diagnostic::error(codes::INVALID_YAML, self.span(start, end), message.to_string()).with_span_label("here"),
        );
    }

    fn offset(&self, span: &YamlSpan, start: bool) -> usize {
        let marker = if start { span.start } else { span.end };
        marker.byte_offset().unwrap_or_else(|| char_to_byte(self.text, marker.index())).min(self.text.len())
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end.max(start))
    }
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i)
}

fn next_char_boundary(text: &str, offset: usize) -> usize {
    text[offset.min(text.len())..].chars().next().map_or(offset, |c| offset + c.len_utf8())
}

/// A plain scalar typed as go-yaml v2 (YAML 1.1) types it.
pub fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => return Value::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            return Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = integer(text) {
        return Value::Int(i);
    }
    let float_like = text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
        && text.chars().any(|c| c.is_ascii_digit());
    if float_like {
        if let Ok(f) = text.replace('_', "").parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_string())
}

fn integer(text: &str) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() || body.starts_with('_') {
        return None;
    }
    let body = body.replace('_', "");
    let magnitude = if let Some(hex) = body.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = body.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| b.is_ascii_digit()) {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let (docs, diagnostics) = read(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        docs.into_iter().next().expect("a document").root
    }

    #[test]
    fn scalars_are_typed_as_kubernetes_reads_them() {
        assert_eq!(plain_scalar("on"), Value::Bool(true));
        assert_eq!(plain_scalar("N"), Value::Bool(false));
        assert_eq!(plain_scalar("0x1F"), Value::Int(31));
        assert_eq!(plain_scalar("010"), Value::Int(8));
        assert_eq!(plain_scalar("-3"), Value::Int(-3));
        assert_eq!(plain_scalar("1.5"), Value::Float(1.5));
        assert_eq!(plain_scalar("10s"), Value::Str("10s".into()));
        assert_eq!(plain_scalar("10.0.0.1"), Value::Str("10.0.0.1".into()));
        assert_eq!(plain_scalar("~"), Value::Null);
        let node = one("a: 'on'\nb: !!str 80\nc: |\n  x\n");
        assert_eq!(node.get("a").and_then(Node::as_str), Some("on"));
        assert_eq!(node.get("b").and_then(Node::as_str), Some("80"));
        assert_eq!(node.get("c").and_then(Node::as_str), Some("x\n"));
    }

    #[test]
    fn spans_are_byte_ranges() {
        let text = "kind: Gateway\nspec:\n  servers: [ {port: 80} ]\n";
        let node = one(text);
        let spec = node.entry("spec").expect("spec");
        assert_eq!(&text[spec.key_span.range()], "spec");
        let port = &spec.value.get("servers").expect("servers").items()[0].get("port").expect("port");
        assert_eq!(&text[port.span.range()], "80");
    }

    #[test]
    fn streams_anchors_and_broken_documents() {
        let text = "a: &x {b: 1}\nc: *x\n---\n---\nkey: [unclosed\n---\nlast: 1\n";
        let (docs, diagnostics) = read(FileId(0), text);
        assert_eq!(docs.len(), 2, "{docs:?}");
        assert_eq!(docs[0].root.get("c").and_then(|c| c.get("b")).map(|b| &b.value), Some(&Value::Int(1)));
        assert_eq!(docs[1].root.get("last").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0].message.starts_with("invalid YAML"), "{}", diagnostics[0].message);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let (_, diagnostics) = read(FileId(0), "a: 1\na: 2\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].message, "duplicate key `a`");
    }
}
