//! A fast writer for the common subset of documents: exactly serde-saphyr's bytes (block
//! style, 2-space indentation, lists at the indentation of their key) for a top-level map of
//! maps, lists of scalars or of non-empty maps, and one-line ASCII scalars. Anything
//! else makes it decline (`None`) and the caller falls back to serde-saphyr, so the output
//! never depends on which writer ran.
//!
//! Whether serde-saphyr writes a string plain is decided by its quoting rules (YAML 1.1 aware:
//! `on`, `1_000`, `10:20`, `2024-01-01`, `: `, ` #`, ...). Rather than copy them, the test here
//! is deliberately narrower: a string is written plain only when it is obviously plain under
//! any of those rules, and quoted only when it certainly needs quotes (see [`style`]);
//! every other string declines the document.

use std::fmt::Write;

use super::Node;

/// The document as YAML, or `None` if it is outside the subset.
pub(super) fn write(node: &Node) -> Option<String> {
    let Node::Map(entries) = node else { return None };
    let mut out = String::with_capacity(1024);
    if entries.is_empty() {
        out.push_str("{}\n");
    } else {
        map(&mut out, entries, 0, false)?;
    }
    Some(out)
}

/// Writes `key: value` lines at `indent` spaces; with `after_dash` the first key follows a
/// `- ` already written.
fn map(out: &mut String, entries: &[(Node, Node)], indent: usize, after_dash: bool) -> Option<()> {
    for (i, (key, value)) in entries.iter().enumerate() {
        let Node::Str(key) = key else { return None };
        if i > 0 || !after_dash {
            pad(out, indent);
        }
        string(out, key, Position::Key)?;
        out.push(':');
        match value {
            Node::Map(inner) if inner.is_empty() => out.push_str(" {}\n"),
            Node::Seq(items) if items.is_empty() => out.push_str(" []\n"),
            Node::Map(inner) => {
                out.push('\n');
                map(out, inner, indent + 2, false)?;
            }
            Node::Seq(items) => {
                out.push('\n');
                seq(out, items, indent)?;
            }
            scalar_value => {
                out.push(' ');
                scalar(out, scalar_value)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

/// Writes `- item` lines at `indent` spaces.
fn seq(out: &mut String, items: &[Node], indent: usize) -> Option<()> {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match item {
            Node::Map(entries) if !entries.is_empty() => map(out, entries, indent + 2, true)?,
            Node::Map(_) | Node::Seq(_) => return None,
            scalar_item => {
                scalar(out, scalar_item)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

fn scalar(out: &mut String, node: &Node) -> Option<()> {
    match node {
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // `write!` into a String cannot fail.
        Node::I64(n) => {
            let _ = write!(out, "{n}");
        }
        Node::U64(n) => {
            let _ = write!(out, "{n}");
        }
        Node::F64(n) => float(out, *n)?,
        Node::Str(text) => string(out, text, Position::Value)?,
        Node::Null | Node::Map(_) | Node::Seq(_) => return None,
    }
    Some(())
}

/// Floats in serde-saphyr's own shortest round-trip spelling, which it gives a float alone
/// exactly as it gives one inside a map.
pub(super) fn float(out: &mut String, n: f64) -> Option<()> {
    let text = serde_saphyr::to_string(&n).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    if text.is_empty() || text.contains('\n') {
        return None;
    }
    out.push_str(text);
    Some(())
}

pub(super) fn string(out: &mut String, text: &str, position: Position) -> Option<()> {
    match style(text, position)? {
        Style::Plain => out.push_str(text),
        Style::Quoted => {
            out.push('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
    Some(())
}

pub(super) fn pad(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        left -= n;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    Key,
    Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    /// `"…"`, escaping only `"` and `\` (only printable ASCII gets here).
    Quoted,
}

/// Byte classes for [`style`]: printable ASCII, a character of a plain key, a character of an
/// IP-like string (`force_double_quotes`), `#`, `:` and digits.
const PRINTABLE: u8 = 1;
const KEY_CHAR: u8 = 2;
const IP_CHAR: u8 = 4;
const HASH: u8 = 8;
const COLON: u8 = 16;
const DIGIT: u8 = 32;

const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c >= b' ' && c <= b'~' {
            class |= PRINTABLE;
        }
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/') {
            class |= KEY_CHAR;
        }
        if c.is_ascii_hexdigit() || matches!(c, b':' | b'.' | b'/' | b'%' | b'[' | b']') {
            class |= IP_CHAR;
        }
        if c == b'#' {
            class |= HASH;
        }
        if c == b':' {
            class |= COLON;
        }
        if c.is_ascii_digit() {
            class |= DIGIT;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// Words some YAML reader takes for a boolean, a null or a number when plain.
const RESERVED: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"];

/// How serde-saphyr writes `text` in this position, when that is certain; `None` otherwise.
///
/// Only printable ASCII on one line is considered. It is certainly plain when it starts with a
/// letter or `/` (so it is no number, date, indicator or document marker) or is a duration
/// like `30s` or `0.100s`; has no `#`, no space at either end, no `: ` and no trailing `:`;
/// keys hold only letters, digits and `-._/`; and it is none of the reserved words, whatever
/// their case, nor one of the IP-like strings we always quote. It is certainly quoted when it
/// is one of those IP-like strings or a reserved word, is all digits, has a space at either
/// end, or starts with an indicator (`*`, `@`, `&`, `!`, `"`, ...).
fn style(text: &str, position: Position) -> Option<Style> {
    let bytes = text.as_bytes();
    let &first = bytes.first()?;
    let &last = bytes.last()?;
    // One pass over the bytes with a class table: this runs for every key and value of every
    // object, so it must cost a few instructions per byte.
    let (mut all, mut any) = (u8::MAX, 0u8);
    for &b in bytes {
        let class = CLASSES[usize::from(b)];
        all &= class;
        any |= class;
    }
    let printable = all & PRINTABLE != 0;
    let key_chars = all & KEY_CHAR != 0;
    let ip_chars = all & IP_CHAR != 0;
    let hash = any & HASH != 0;
    let colon = any & COLON != 0;
    let digits = all & DIGIT != 0;
    let (colon_space, double_colon) = if colon { (text.contains(": "), text.contains("::")) } else { (false, false) };
    // serde-saphyr writes these three alone in single quotes.
    if !printable || matches!(text, "." | "#" | "-") {
        return None;
    }
    // The strings `force_double_quotes` picks (IP-like with a colon, or any `::`).
    let ip_like = double_colon || (colon && ip_chars);
    if ip_like && position == Position::Key {
        // Values get serde-saphyr's `DoubleQuoted`; as a key, its own rules decide.
        return None;
    }
    let reserved = bytes.len() <= 5 && RESERVED.iter().any(|word| text.eq_ignore_ascii_case(word));
    if reserved
        || ip_like
        || matches!(first, b'*' | b'&' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b'[' | b']')
        || matches!(first, b'{' | b'}' | b',' | b'#' | b':' | b' ')
        || last == b' '
        || digits
    {
        return Some(Style::Quoted);
    }
    let start_ok = first.is_ascii_alphabetic() || first == b'/' || duration(text);
    let rest_ok = match position {
        Position::Key => key_chars,
        Position::Value => !hash && last != b':' && !colon_space,
    };
    (start_ok && rest_ok).then_some(Style::Plain)
}

/// `30s`, `1h30m`, `0.100s`: digits, an optional fraction, then letters (never `e`, `x`, `o`
/// or `b` right after the digits, which could spell a number).
fn duration(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let mut rest = &text[digits..];
    if digits == 0 {
        return false;
    }
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    rest.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() && !b"eExXoObB".contains(&b))
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::super::with_serde_saphyr;
    use super::*;

    fn s(text: &str) -> Node {
        Node::Str(text.to_string().into())
    }

    fn map(entries: &[(&str, Node)]) -> Node {
        Node::Map(entries.iter().map(|(k, v)| (s(k), v.clone())).collect())
    }

    /// Asserts that the block writer takes `doc` and writes serde-saphyr's bytes.
    fn same_as_serde_saphyr(doc: &Node) {
        let fast = write(doc).unwrap_or_else(|| panic!("the block writer declined {doc:?}"));
        assert_eq!(fast, with_serde_saphyr(doc).expect("serde-saphyr writes it"), "{doc:?}");
    }

    #[test]
    fn every_shape_is_laid_out_like_serde_saphyr() {
        let leaf = map(&[("host", s("svc-0.prod.svc.cluster.local")), ("port", map(&[("number", Node::U64(8000))]))]);
        let item = map(&[("destination", leaf.clone()), ("weight", Node::U64(90))]);
        let list_first = map(&[("route", Node::Seq(vec![item.clone(), item.clone()])), ("timeout", s("5s"))]);
        let docs = [
            map(&[]),
            map(&[("a", s("b"))]),
            map(&[("empty_map", map(&[])), ("empty_list", Node::Seq(vec![])), ("num", Node::I64(-3))]),
            map(&[("flags", Node::Seq(vec![Node::Bool(true), Node::Bool(false)])), ("big", Node::U64(u64::MAX))]),
            map(&[("spec", map(&[("http", Node::Seq(vec![list_first.clone(), list_first]))]))]),
            map(&[("list", Node::Seq(vec![item.clone(), map(&[("x", Node::Seq(vec![s("a"), s("b")]))])]))]),
            map(&[("list", Node::Seq(vec![map(&[("m", map(&[("deep", map(&[("er", s("x"))]))]))]), item]))]),
            map(&[("list", Node::Seq(vec![map(&[("e", map(&[])), ("f", Node::Seq(vec![]))])]))]),
            map(&[("a", map(&[("b", map(&[("c", Node::Seq(vec![map(&[("d", Node::Seq(vec![s("x")]))])]))]))]))]),
            map(&[("floats", Node::Seq(vec![Node::F64(10.0), Node::F64(0.1), Node::F64(12.5), Node::F64(1e-7)]))]),
            map(&[("percent", map(&[("value", Node::F64(100.0))])), ("huge", Node::F64(1e300))]),
            map(&[(
                "quoted",
                Node::Seq(vec![s("*"), s("*.example.com"), s("Bearer "), s("on"), s("8001"), s("a\"b")]),
            )]),
            map(&[("8001", s("x")), ("@type", s("type.googleapis.com/x")), ("true", s("2001:db8::1"))]),
        ];
        for doc in &docs {
            same_as_serde_saphyr(doc);
        }
    }

    #[test]
    fn declines_what_it_does_not_lay_out() {
        for doc in [
            Node::Seq(vec![s("a")]),
            map(&[("nested", Node::Seq(vec![Node::Seq(vec![s("a")])]))]),
            map(&[("empty_item", Node::Seq(vec![map(&[])]))]),
            map(&[("block", s("line\nline"))]),
            map(&[("accent", s("caf\u{e9}"))]),
            map(&[("ip-key", map(&[("::1", s("x"))]))]),
            Node::Map(vec![(Node::U64(1), s("a"))]),
        ] {
            assert_eq!(write(&doc), None, "{doc:?}");
        }
    }

    #[test]
    fn istio_strings_are_written_plain() {
        for text in [
            "networking.istio.io/v1",
            "svc-0.prod.svc.cluster.local",
            "services.mesh:12",
            "30s",
            "0.100s",
            "1h30m",
            "/api/*",
            "connect-failure,refused-stream",
            "ISTIO_MUTUAL",
            "response.code >= 500",
            "outbound|8081||ratelimit.rate-limit.svc.cluster.local",
            "https://auth.example/.well-known/jwks.json",
            "cluster.local/ns/bench/sa/team-0",
        ] {
            same_as_serde_saphyr(&map(&[("k", s(text)), ("l", Node::Seq(vec![s(text)]))]));
        }
        for key in ["app.kubernetes.io/managed-by", "meshc.dev/source", "x-tenant-id", "version"] {
            same_as_serde_saphyr(&map(&[(key, s("v"))]));
        }
    }

    /// The strings of the writer's own tests and thousands of short strings over an alphabet
    /// full of YAML's special characters: whatever the block writer accepts, as a key, a value
    /// or a list item, it writes like serde-saphyr.
    #[test]
    fn accepted_strings_match_serde_saphyr() {
        let alphabet: Vec<char> = "aZyYnNsmhf0159eExob-._/:*, '\"=<>!%@?&{}[]|`~#\t\u{e9}\\+".chars().collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            // xorshift64: deterministic, so a failure reproduces.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut accepted = 0;
        let random = (0..30_000).map(|_| {
            let len = 1 + next(7);
            (0..len).map(|_| alphabet[next(alphabet.len())]).collect::<String>()
        });
        let tricky = super::super::tests::TRICKY.iter().map(|t| t.to_string());
        for text in tricky.chain(random).collect::<Vec<_>>() {
            for doc in [
                map(&[("k", s(&text))]),
                map(&[("l", Node::Seq(vec![s(&text)]))]),
                Node::Map(vec![(s(&text), Node::U64(1))]),
            ] {
                if let Some(fast) = write(&doc) {
                    accepted += 1;
                    assert_eq!(fast, with_serde_saphyr(&doc).expect("serde-saphyr writes it"), "{text:?}");
                }
            }
        }
        assert!(accepted > 10_000, "only {accepted} documents took the fast path: the test lost its power");
    }
}
