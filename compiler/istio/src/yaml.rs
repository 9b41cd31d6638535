//! The one YAML writer of meshc: every byte of YAML the compiler emits goes through here.
//!
//! Output is block style with 2-space indentation and kubectl-style sequences (`- ` at the
//! indentation of the owning key), deterministic for a given value. serde-saphyr decides the
//! scalar style; with its default (YAML 1.1 aware) settings it already quotes every string a
//! YAML 1.1 reader (PyYAML, like kubectl's Go YAML) or a YAML 1.2 reader would retype:
//! booleans (`on`, `yes`, `y`, ...), nulls (`~`, `null`), numbers (`1.10`, `0x1F`, `1_000`,
//! base-60 `10:20`), timestamps, indicators (`*`, `&`, `!`, `@`, `%`, `#`, `: `), surrounding
//! whitespace and control characters. Multi-line strings become literal blocks (`|`).
//!
//! One gap was measured (see the tests): IPv6 addresses such as `2001:db8::1` stay plain. That
//! reads back correctly in block context, but the same scalar in a flow sequence is a one-key
//! map for PyYAML, and humans and grep-based tools treat unquoted colon-heavy scalars as risky.
//! So the value is first captured into a small ordered [`Node`] tree (which also lets us drop
//! `null`s, see below), and strings that look like IP addresses or CIDRs with colons are
//! emitted double-quoted.
//!
//! `None` values inside maps/structs are omitted, so the output never contains `null`, even for a
//! caller that forgot `skip_serializing_if`; a `null` anywhere else is reported as an error.
//!
//! Speed: serde-saphyr costs about as much as everything else in a build together, so the
//! documents meshc writes most (block maps and lists of plain words, names, hosts, paths,
//! numbers) are laid out by `block`, a small writer that produces serde-saphyr's exact bytes
//! for that subset and declines anything else (a string that needs quotes or a block scalar,
//! a list in a list, ...), which then goes through serde-saphyr as before. Tests compare the
//! two writers on every document shape and on thousands of strings. Capturing the tree and
//! dropping it cost more than writing, so `stream` first writes the same subset straight from
//! serde, and declines (to the tree) wherever `block` would decline or the tree would refuse
//! a null; its tests compare it with the tree the same way.

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

mod block;
mod stream;

/// Why a value could not be written as YAML. Only a programming error (an unsupported type, a
/// `null` in a sequence) produces one: every type of [`crate::model`] serialises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError(String);

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write YAML: {}", self.0)
    }
}

impl std::error::Error for YamlError {}

impl ser::Error for YamlError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        YamlError(msg.to_string())
    }
}

/// Serialises one value as one YAML document (ends with a newline, no `---`).
///
/// # Panics
/// Only if `value` cannot be represented (see [`YamlError`]) — a bug in the caller's types,
/// never a property of user input. Use [`try_to_yaml`] to handle that case instead.
pub fn to_yaml<T: Serialize + ?Sized>(value: &T) -> String {
    match try_to_yaml(value) {
        Ok(text) => text,
        Err(e) => panic!("{e} (a bug in the serialised type, not in the input)"),
    }
}

/// Serialises one value as one YAML document, reporting unsupported values as an error.
pub fn try_to_yaml<T: Serialize + ?Sized>(value: &T) -> Result<String, YamlError> {
    match stream::write(value) {
        Some(text) => Ok(text),
        None => via_tree(value),
    }
}

/// The general path: the value captured as a [`Node`] tree, then written by `block` or,
/// outside its subset, by serde-saphyr.
fn via_tree<T: Serialize + ?Sized>(value: &T) -> Result<String, YamlError> {
    // Nulls are dropped from maps and refused in sequences as the tree is captured, so only
    // the top level is left to check (a second walk over the tree cost a tenth of writing).
    let node = not_null(value.serialize(Capture)?)?;
    match block::write(&node) {
        Some(text) => Ok(text),
        None => with_serde_saphyr(&node),
    }
}

/// The general writer, for every document `block` declines.
fn with_serde_saphyr(node: &Node) -> Result<String, YamlError> {
    let options = serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: true,
        // Literal blocks (`|`) for multi-line strings (e.g. Lua in an EnvoyFilter), but never
        // fold long single-line strings: a folded regex or CEL expression is hard to read/grep.
        prefer_block_scalars: true,
        folded_wrap_chars: usize::MAX,
    };
    let mut text = serde_saphyr::to_string_with_options(node, options).map_err(|e| YamlError(e.to_string()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Joins single documents (as produced by [`to_yaml`]) into one multi-document stream,
/// separated by `---` lines. Empty input gives an empty string.
pub fn multi_document(docs: &[String]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        // A document that already starts with its own marker would otherwise become an
        // empty document followed by this one.
        let doc = doc.strip_prefix("---\n").unwrap_or(doc);
        out.push_str(doc);
        if !doc.is_empty() && !doc.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// True for strings that we double-quote on top of serde-saphyr's own rules: IPv6 addresses,
/// CIDRs and `[addr]:port` forms (hex digits, `:`, `.`, `/`, `%`, `[`, `]` with at least one
/// `:`), and anything with `::` (zone ids like `fe80::1%eth0`).
fn force_double_quotes(s: &str) -> bool {
    s.contains("::")
        || (s.contains(':')
            && s.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '/' | '%' | '[' | ']')))
}

/// An ordered, null-free image of a serialised value: what we hand to serde-saphyr.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Only transient: map entries with a null value are dropped while capturing.
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    /// Field names and enum variants are `'static`: borrowed, not copied for every object.
    Str(Cow<'static, str>),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// `node`, unless it is a null where YAML would have to write one: outside a map (in a
/// sequence, as a variant's value, at the top level) or as a key.
fn not_null(node: Node) -> Result<Node, YamlError> {
    match node {
        Node::Null => Err(YamlError("null value outside a map (in a sequence or at the top level)".into())),
        node => Ok(node),
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::I64(n) => s.serialize_i64(*n),
            Node::U64(n) => s.serialize_u64(*n),
            Node::F64(n) => s.serialize_f64(*n),
            Node::Str(text) if force_double_quotes(text) => serde_saphyr::DoubleQuoted(text.as_ref()).serialize(s),
            Node::Str(text) => s.serialize_str(text),
            Node::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Serde serializer that captures any value as a [`Node`] (struct field order preserved).
struct Capture;

fn capture<T: Serialize + ?Sized>(value: &T) -> Result<Node, YamlError> {
    value.serialize(Capture)
}

impl Serializer for Capture {
    type Ok = Node;
    type Error = YamlError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantSeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantMapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Node, YamlError> {
        Ok(Node::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Node, YamlError> {
        Ok(Node::I64(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Node, YamlError> {
        Ok(Node::I64(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Node, YamlError> {
        Ok(Node::I64(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Node, YamlError> {
        Ok(Node::I64(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Node, YamlError> {
        i64::try_from(v).map(Node::I64).map_err(|_| YamlError(format!("integer {v} does not fit in 64 bits")))
    }
    fn serialize_u8(self, v: u8) -> Result<Node, YamlError> {
        Ok(Node::U64(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Node, YamlError> {
        Ok(Node::U64(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Node, YamlError> {
        Ok(Node::U64(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Node, YamlError> {
        Ok(Node::U64(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Node, YamlError> {
        u64::try_from(v).map(Node::U64).map_err(|_| YamlError(format!("integer {v} does not fit in 64 bits")))
    }
    fn serialize_f32(self, v: f32) -> Result<Node, YamlError> {
        Ok(Node::F64(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Node, YamlError> {
        Ok(Node::F64(v))
    }
    fn serialize_char(self, v: char) -> Result<Node, YamlError> {
        Ok(Node::Str(Cow::Owned(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Node, YamlError> {
        Ok(Node::Str(Cow::Owned(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node, YamlError> {
        Ok(Node::Seq(v.iter().map(|b| Node::U64((*b).into())).collect()))
    }
    fn serialize_none(self) -> Result<Node, YamlError> {
        Ok(Node::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node, YamlError> {
        capture(value)
    }
    fn serialize_unit(self) -> Result<Node, YamlError> {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Node, YamlError> {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Node, YamlError> {
        Ok(Node::Str(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Node, YamlError> {
        capture(value)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Node, YamlError> {
        let value = not_null(capture(value)?)?;
        Ok(Node::Map(vec![(Node::Str(Cow::Borrowed(variant)), value)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, YamlError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, YamlError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder, YamlError> {
        Ok(SeqBuilder(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSeqBuilder, YamlError> {
        Ok(VariantSeqBuilder { variant, items: SeqBuilder(Vec::with_capacity(len)) })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, YamlError> {
        Ok(MapBuilder::new(len.unwrap_or(0)))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, YamlError> {
        Ok(MapBuilder::new(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantMapBuilder, YamlError> {
        Ok(VariantMapBuilder { variant, fields: MapBuilder::new(len) })
    }
}

struct SeqBuilder(Vec<Node>);

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), YamlError> {
        self.0.push(not_null(capture(value)?)?);
        Ok(())
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), YamlError> {
        self.push(value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Seq(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), YamlError> {
        self.push(value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Seq(self.0))
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), YamlError> {
        self.push(value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Seq(self.0))
    }
}

struct VariantSeqBuilder {
    variant: &'static str,
    items: SeqBuilder,
}

impl ser::SerializeTupleVariant for VariantSeqBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), YamlError> {
        self.items.push(value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Map(vec![(Node::Str(Cow::Borrowed(self.variant)), Node::Seq(self.items.0))]))
    }
}

struct MapBuilder {
    entries: Vec<(Node, Node)>,
    pending_key: Option<Node>,
}

impl MapBuilder {
    fn new(len: usize) -> Self {
        MapBuilder { entries: Vec::with_capacity(len), pending_key: None }
    }

    /// Adds an entry unless its value is null: an unset field is written as no field.
    fn insert(&mut self, key: Node, value: Node) -> Result<(), YamlError> {
        // A key that holds a null inside was refused while it was captured.
        if matches!(key, Node::Null) {
            return Err(YamlError("null map key".into()));
        }
        if !matches!(value, Node::Null) {
            self.entries.push((key, value));
        }
        Ok(())
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), YamlError> {
        self.pending_key = Some(capture(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), YamlError> {
        let key = self.pending_key.take().ok_or_else(|| YamlError("map value without a key".into()))?;
        let value = capture(value)?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), YamlError> {
        let value = capture(value)?;
        self.insert(Node::Str(Cow::Borrowed(key)), value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Map(self.entries))
    }
}

struct VariantMapBuilder {
    variant: &'static str,
    fields: MapBuilder,
}

impl ser::SerializeStructVariant for VariantMapBuilder {
    type Ok = Node;
    type Error = YamlError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), YamlError> {
        ser::SerializeStruct::serialize_field(&mut self.fields, key, value)
    }
    fn end(self) -> Result<Node, YamlError> {
        Ok(Node::Map(vec![(Node::Str(Cow::Borrowed(self.variant)), Node::Map(self.fields.entries))]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Strings that some YAML reader would retype, misparse or trim if written plain.
    pub(super) const TRICKY: &[&str] = &[
        "*",
        "*.example.com",
        "on",
        "On",
        "ON",
        "off",
        "yes",
        "Yes",
        "no",
        "NO",
        "y",
        "Y",
        "n",
        "N",
        "true",
        "True",
        "false",
        "FALSE",
        "null",
        "Null",
        "NULL",
        "~",
        "",
        "1.10",
        "1.0",
        "0.5",
        ".5",
        "5.",
        "1e3",
        "1E3",
        "+1",
        "-1",
        "0",
        "017",
        "0x1F",
        "0o17",
        "0b101",
        "1_000",
        "10:20",
        "1:2:3:4:5:6:7:8",
        "190:20:30",
        ".inf",
        "-.inf",
        ".NaN",
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "::1",
        "::",
        "2001:db8::1",
        "2001:db8::/32",
        "fe80::1%eth0",
        "[::1]:8080",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        " leading",
        "trailing ",
        "  ",
        "#",
        "# comment",
        "a #b",
        "a: b",
        "a:",
        ":",
        "@request.auth.claims.groups",
        "@",
        "&anchor",
        "*alias",
        "!tag",
        "!!str",
        "%directive",
        "`tick",
        "|",
        ">",
        "-",
        "- item",
        "?",
        "? key",
        "[a]",
        "{a}",
        "{*}",
        ",",
        "'single",
        "\"double",
        "=",
        "<<",
        "---",
        "...",
        "--- x",
        "line1\nline2",
        "line1\nline2\n",
        "trailing newlines\n\n\n",
        "\n",
        "  indented first\nsecond\n",
        "tab\there",
        "\t",
        "cr\r\nlf",
        "nel\u{85}x",
        "\u{feff}bom",
        "del\u{7f}",
        "function envoy_on_request(h)\n  h:headers():add(\"x-a\", \"b\")\nend\n",
        "back\\slash",
        "quote'inside",
        "key: \"v\"",
        "é ü 字",
        "30s",
        "1h30m",
        "unix:///var/run/sock",
        "https://issuer.example.com/.well-known/jwks.json",
        "cluster.local/ns/default/sa/web",
        "request.headers[x-user]",
        "^/api/v[0-9]+/.*$",
        "a very long string that goes on and on and on well beyond eighty characters of width, so that folding would kick in",
    ];

    #[derive(serde::Serialize)]
    struct Sample {
        values: Vec<String>,
        by_key: BTreeMap<String, String>,
        as_keys: BTreeMap<String, u32>,
    }

    fn sample() -> Sample {
        Sample {
            values: TRICKY.iter().map(|s| s.to_string()).collect(),
            by_key: TRICKY.iter().enumerate().map(|(i, s)| (format!("k{i:03}"), s.to_string())).collect(),
            as_keys: TRICKY.iter().enumerate().map(|(i, s)| (s.to_string(), i as u32)).collect(),
        }
    }

    fn expect_same_strings(value: &serde_json::Value, reader: &str) {
        let values = value["values"].as_array().expect("values is a list");
        assert_eq!(values.len(), TRICKY.len(), "{reader}: list length");
        for (got, want) in values.iter().zip(TRICKY) {
            assert_eq!(got.as_str(), Some(*want), "{reader}: list item {want:?}");
        }
        for (i, want) in TRICKY.iter().enumerate() {
            let got = &value["by_key"][format!("k{i:03}")];
            assert_eq!(got.as_str(), Some(*want), "{reader}: map value {want:?}");
        }
        let keys = value["as_keys"].as_object().expect("as_keys is a map");
        for (i, want) in TRICKY.iter().enumerate() {
            assert_eq!(keys.get(*want).and_then(|v| v.as_u64()), Some(i as u64), "{reader}: key {want:?}");
        }
    }

    #[test]
    fn tricky_strings_read_back_identically() {
        let text = to_yaml(&sample());
        let back: serde_json::Value = serde_saphyr::from_str(&text).expect("own output parses as YAML");
        expect_same_strings(&back, "serde-saphyr");
    }

    /// PyYAML's `safe_load` is YAML 1.1 like kubectl's reader: the strictest test of retyping.
    #[test]
    fn tricky_strings_stay_strings_for_pyyaml() {
        let text = to_yaml(&sample());
        let json = pyyaml_to_json(&text);
        let back: serde_json::Value = serde_json::from_str(&json).expect("python printed JSON for the document");
        expect_same_strings(&back, "PyYAML");
    }

    /// Loads `text` with PyYAML's safe_load and returns it as JSON (fails the test if the
    /// document does not load or contains non-string keys).
    fn pyyaml_to_json(text: &str) -> String {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let script = "import sys, json, yaml\n\
                      d = yaml.safe_load(sys.stdin.read())\n\
                      def check(v):\n\
                      \x20   if isinstance(v, dict):\n\
                      \x20       for k, x in v.items():\n\
                      \x20           assert isinstance(k, str), repr(k)\n\
                      \x20           check(x)\n\
                      \x20   elif isinstance(v, list):\n\
                      \x20       for x in v: check(x)\n\
                      check(d)\n\
                      print(json.dumps(d))\n";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 must be installed (with PyYAML) to run this test");
        child.stdin.take().expect("stdin is piped").write_all(text.as_bytes()).expect("write YAML to python3");
        let out = child.wait_with_output().expect("python3 ran");
        assert!(
            out.status.success(),
            "python3/PyYAML failed (is PyYAML installed? pip install PyYAML):\n{}\n--- YAML ---\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("python printed UTF-8")
    }

    #[test]
    fn ip_like_strings_are_double_quoted() {
        let text = to_yaml(&vec!["2001:db8::1", "::1", "10.0.0.0/8", "fe80::1%eth0"]);
        assert_eq!(text, "- \"2001:db8::1\"\n- \"::1\"\n- 10.0.0.0/8\n- \"fe80::1%eth0\"\n");
    }

    #[test]
    fn block_style_two_space_indent_and_plain_durations() {
        #[derive(serde::Serialize)]
        struct Inner {
            timeout: String,
            hosts: Vec<String>,
        }
        #[derive(serde::Serialize)]
        struct Outer {
            spec: Inner,
            list: Vec<Inner>,
        }
        let inner = || Inner { timeout: "30s".into(), hosts: vec!["a.example.com".into(), "*".into()] };
        let text = to_yaml(&Outer { spec: inner(), list: vec![inner()] });
        assert_eq!(
            text,
            "spec:\n  timeout: 30s\n  hosts:\n  - a.example.com\n  - \"*\"\nlist:\n\
             - timeout: 30s\n  hosts:\n  - a.example.com\n  - \"*\"\n"
        );
    }

    #[test]
    fn none_fields_are_dropped_and_empty_collections_are_braces() {
        #[derive(serde::Serialize)]
        struct S {
            a: Option<u32>,
            b: BTreeMap<String, String>,
            c: Vec<u32>,
            d: u32,
        }
        let text = to_yaml(&S { a: None, b: BTreeMap::new(), c: vec![], d: 1 });
        assert_eq!(text, "b: {}\nc: []\nd: 1\n");
        assert!(try_to_yaml(&vec![None::<u32>]).is_err());
    }

    #[test]
    fn a_null_outside_a_map_is_refused_wherever_it_is() {
        #[derive(serde::Serialize)]
        enum E {
            Newtype(Option<u32>),
            Tuple(u32, Option<u32>),
        }
        let nested: BTreeMap<&str, Vec<Option<u32>>> = [("a", vec![Some(1), None])].into_iter().collect();
        assert!(try_to_yaml(&nested).is_err(), "in a sequence inside a map");
        assert!(try_to_yaml(&None::<u32>).is_err(), "at the top level");
        assert!(try_to_yaml(&()).is_err(), "a unit at the top level");
        assert!(try_to_yaml(&E::Newtype(None)).is_err(), "as a variant's value");
        assert!(try_to_yaml(&E::Tuple(1, None)).is_err(), "in a tuple variant");
        let keyed: BTreeMap<Option<u32>, u32> = [(None, 1)].into_iter().collect();
        assert!(try_to_yaml(&keyed).is_err(), "as a key");
        assert_eq!(to_yaml(&E::Newtype(Some(1))), "Newtype: 1\n");
    }

    #[test]
    fn multi_document_joins_with_markers() {
        let docs = vec!["a: 1\n".to_string(), "---\nb: 2\n".to_string(), "c: 3".into()];
        assert_eq!(multi_document(&docs), "a: 1\n---\nb: 2\n---\nc: 3\n");
        assert_eq!(multi_document(&[]), "");
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(to_yaml(&sample()), to_yaml(&sample()));
    }
}
