//! The terminals of `grammar/mesh.pest`, matched byte by byte: trivia (whitespace and `#`
//! comments), keywords, identifiers, and the atomic value rules. Each function says where
//! its token would end if it started at `at`, or `None`; none of them moves a cursor, so
//! the parser in `super` can try alternatives in the grammar's order at no cost.
//!
//! Every rule here is the pest rule of the same name, read as PEG: repetitions are greedy
//! and an ordered choice never reconsiders an alternative that matched.

/// The bytes of one source file.
#[derive(Clone, Copy)]
pub(super) struct Scan<'a> {
    pub bytes: &'a [u8],
}

/// The units of `duration`, in the grammar's order (`ms` before `m`).
const DURATION_UNITS: [&[u8]; 7] = [b"ms", b"us", b"ns", b"h", b"m", b"s", b"d"];

impl<'a> Scan<'a> {
    pub fn new(text: &'a str) -> Self {
        Scan { bytes: text.as_bytes() }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// Where the trivia starting at `at` ends: `WHITESPACE` and `COMMENT`, repeated. A
    /// byte-order mark counts as whitespace only at the very start (see `super::parse`).
    pub fn skip_trivia(&self, mut at: usize) -> usize {
        loop {
            match self.byte(at) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
                Some(b'#') => {
                    at += self.bytes[at..].iter().position(|&b| b == b'\n').unwrap_or(self.bytes.len() - at);
                }
                _ => return at,
            }
        }
    }

    /// `ident_char = ASCII_ALPHANUMERIC | "_" | ("-" ~ !">")`.
    pub fn is_ident_char(&self, at: usize) -> bool {
        match self.byte(at) {
            Some(b) if b.is_ascii_alphanumeric() || b == b'_' => true,
            Some(b'-') => self.byte(at + 1) != Some(b'>'),
            _ => false,
        }
    }

    /// `ident = (ASCII_ALPHA | "_") ~ ident_char*`.
    pub fn ident(&self, at: usize) -> Option<usize> {
        match self.byte(at) {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                let mut end = at + 1;
                while self.is_ident_char(end) {
                    end += 1;
                }
                Some(end)
            }
            _ => None,
        }
    }

    /// `K_word = "word" ~ !ident_char`.
    pub fn keyword(&self, at: usize, word: &str) -> Option<usize> {
        let end = at + word.len();
        (self.bytes.get(at..end) == Some(word.as_bytes()) && !self.is_ident_char(end)).then_some(end)
    }

    /// A literal symbol such as `{` or `->`: no lookahead, as in the grammar.
    pub fn symbol(&self, at: usize, symbol: &str) -> Option<usize> {
        let end = at + symbol.len();
        (self.bytes.get(at..end) == Some(symbol.as_bytes())).then_some(end)
    }

    fn digits(&self, at: usize) -> Option<usize> {
        let count = self.bytes.get(at..)?.iter().take_while(|b| b.is_ascii_digit()).count();
        (count > 0).then_some(at + count)
    }

    /// `ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)?`.
    fn decimal(&self, at: usize) -> Option<usize> {
        let end = self.digits(at)?;
        Some(self.symbol(end, ".").and_then(|dot| self.digits(dot)).unwrap_or(end))
    }

    /// `duration = (ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ unit)+ ~ !ident_char`.
    pub fn duration(&self, at: usize) -> Option<usize> {
        let mut end = None;
        let mut next = at;
        while let Some(after) = self.decimal(next).and_then(|number| self.duration_unit(number)) {
            end = Some(after);
            next = after;
        }
        end.filter(|&end| !self.is_ident_char(end))
    }

    fn duration_unit(&self, at: usize) -> Option<usize> {
        let rest = self.bytes.get(at..)?;
        DURATION_UNITS.iter().find(|unit| rest.starts_with(unit)).map(|unit| at + unit.len())
    }

    /// `rate = ASCII_DIGIT+ ~ "/" ~ duration`.
    pub fn rate(&self, at: usize) -> Option<usize> {
        let slash = self.symbol(self.digits(at)?, "/")?;
        self.duration(slash)
    }

    /// `percent = ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ "%"`.
    pub fn percent(&self, at: usize) -> Option<usize> {
        self.symbol(self.decimal(at)?, "%")
    }

    /// `number = "-"? ~ ASCII_DIGIT+ ~ ("." ~ ASCII_DIGIT+)? ~ !ident_char`.
    pub fn number(&self, at: usize) -> Option<usize> {
        let start = self.symbol(at, "-").unwrap_or(at);
        self.decimal(start).filter(|&end| !self.is_ident_char(end))
    }

    /// `integer = ASCII_DIGIT+ ~ !(ident_char | ".")`.
    pub fn integer(&self, at: usize) -> Option<usize> {
        self.digits(at).filter(|&end| !self.is_ident_char(end) && self.byte(end) != Some(b'.'))
    }

    /// `var_ref = "$" ~ ident`.
    pub fn var_ref(&self, at: usize) -> Option<usize> {
        self.ident(self.symbol(at, "$")?)
    }

    /// `string = "\"" ~ (("\\" ~ ANY) | (!("\"" | "\n") ~ ANY))* ~ "\""`. Bytes suffice: the
    /// bytes of a multi-byte character are never `"`, `\` or a newline.
    pub fn string(&self, at: usize) -> Option<usize> {
        let mut i = self.symbol(at, "\"")?;
        loop {
            match self.byte(i)? {
                b'"' => return Some(i + 1),
                b'\n' => return None,
                // An escape takes the whole next character; a lone `\` at the end is ANY.
                b'\\' if i + 1 < self.bytes.len() => i += 1 + utf8_len(self.bytes[i + 1]),
                _ => i += 1,
            }
        }
    }

    /// `method = ASCII_ALPHA_UPPER+ ~ !ident_char`.
    pub fn method(&self, at: usize) -> Option<usize> {
        let count = self.bytes.get(at..)?.iter().take_while(|b| b.is_ascii_uppercase()).count();
        (count > 0 && !self.is_ident_char(at + count)).then_some(at + count)
    }

    /// `retry_condition = (ASCII_ALPHANUMERIC | "-" | "_")+`.
    pub fn retry_condition(&self, at: usize) -> Option<usize> {
        let count =
            self.bytes.get(at..)?.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_').count();
        (count > 0).then_some(at + count)
    }

    /// `qualified_name = ident ~ ("." ~ ident)?`.
    pub fn qualified_name(&self, at: usize) -> Option<usize> {
        let end = self.ident(at)?;
        Some(self.symbol(end, ".").and_then(|dot| self.ident(dot)).unwrap_or(end))
    }
}

/// The length of the UTF-8 character whose first byte is `first`.
fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end<'a>(rule: impl Fn(&Scan<'a>, usize) -> Option<usize>, text: &'a str) -> Option<usize> {
        rule(&Scan::new(text), 0)
    }

    #[test]
    fn durations_take_units_in_the_grammar_order_and_never_backtrack() {
        assert_eq!(end(Scan::duration, "10ms "), Some(4));
        assert_eq!(end(Scan::duration, "1h30m}"), Some(5));
        assert_eq!(end(Scan::duration, "1.5s,"), Some(4));
        // `m` matches, then `in` cannot go on and is an identifier character.
        assert_eq!(end(Scan::duration, "5min"), None);
        assert_eq!(end(Scan::duration, "5"), None);
    }

    #[test]
    fn numbers_integers_and_percentages() {
        assert_eq!(end(Scan::number, "-1.5 "), Some(4));
        assert_eq!(end(Scan::number, "1.x"), Some(1));
        assert_eq!(end(Scan::number, "12a"), None);
        assert_eq!(end(Scan::integer, "80:"), Some(2));
        assert_eq!(end(Scan::integer, "80.5"), None);
        assert_eq!(end(Scan::percent, "12.5%"), Some(5));
        assert_eq!(end(Scan::rate, "100/1m "), Some(6));
    }

    #[test]
    fn identifiers_stop_before_an_arrow() {
        assert_eq!(end(Scan::ident, "svc-a->b"), Some(5));
        assert_eq!(end(Scan::ident, "_x-"), Some(3));
        assert_eq!(end(Scan::ident, "1x"), None);
        assert_eq!(end(|s, at| s.keyword(at, "port"), "port-x"), None);
        assert_eq!(end(|s, at| s.keyword(at, "port"), "port->"), Some(4));
        assert_eq!(end(Scan::qualified_name, "std.x "), Some(5));
        assert_eq!(end(Scan::qualified_name, "std. "), Some(3));
    }

    #[test]
    fn strings_escape_any_character_and_stop_at_a_newline() {
        assert_eq!(end(Scan::string, r#""a\"b" "#), Some(6));
        assert_eq!(end(Scan::string, "\"a\\\nb\""), Some(6));
        assert_eq!(end(Scan::string, "\"a\nb\""), None);
        assert_eq!(end(Scan::string, "\"é\\é\""), Some(7));
        assert_eq!(end(Scan::string, "\"abc\\"), None);
    }

    #[test]
    fn trivia_is_whitespace_and_comments() {
        let scan = Scan::new("  # one\n\t# two\n x");
        assert_eq!(scan.skip_trivia(0), 16);
        assert_eq!(Scan::new("# only").skip_trivia(0), 6);
    }
}
