//! A small, total lexer over `.mesh` text for what needs tokens rather than a syntax tree:
//! semantic highlighting, the word under the cursor, and the tokens before the cursor that
//! decide what completion offers. It mirrors the grammar's token shapes (identifiers with
//! `-` not followed by `>`, `$var`, one-line strings, numbers with units, `#` comments) and
//! accepts any input: unknown characters become `Other` tokens.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name or a keyword (decided later, by the grammar's keyword list and the index).
    Word,
    /// `$name`.
    Var,
    /// `"…"`, possibly unterminated (then it ends at the line end).
    Str,
    /// `8080`, `2s`, `1h30m`, `10%`, `100/1s`, `0.5`.
    Number,
    Comment,
    Arrow,
    Punct,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `text` into tokens; whitespace is skipped.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = match c {
            c if c.is_whitespace() || c == '\u{FEFF}' => continue,
            '#' => {
                while chars.next_if(|&(_, c)| c != '\n' && c != '\r').is_some() {}
                Kind::Comment
            }
            '"' => {
                let mut escaped = false;
                while let Some((_, c)) = chars.next_if(|&(_, c)| c != '\n' && c != '\r') {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                Kind::Str
            }
            '$' if chars.peek().is_some_and(|&(_, c)| is_ident_start(c)) => {
                identifier_rest(text, &mut chars);
                Kind::Var
            }
            c if is_ident_start(c) => {
                identifier_rest(text, &mut chars);
                Kind::Word
            }
            c if c.is_ascii_digit() || (c == '-' && chars.peek().is_some_and(|&(_, c)| c.is_ascii_digit())) => {
                while chars.next_if(|&(i, c)| is_number_char(text, i, c)).is_some() {}
                Kind::Number
            }
            '-' if chars.peek().is_some_and(|&(_, c)| c == '>') => {
                chars.next();
                Kind::Arrow
            }
            '{' | '}' | ',' | ':' | '@' | '=' | '%' | '/' => Kind::Punct,
            _ => Kind::Other,
        };
        let end = chars.peek().map_or(text.len(), |&(i, _)| i);
        out.push(Token { kind, start, end });
    }
    out
}

/// Continues an identifier: letters, digits, `_`, and `-` unless it starts `->`.
fn identifier_rest(text: &str, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    while chars
        .next_if(|&(i, c)| is_ident_char(c) || (c == '-' && !text.get(i + 1..).is_some_and(|r| r.starts_with('>'))))
        .is_some()
    {}
}

/// Digits, a decimal point, unit letters, `%`, and the `/` of a rate when a digit follows.
fn is_number_char(text: &str, i: usize, c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '.'
        || c == '%'
        || (c == '/' && text.get(i + 1..).and_then(|r| r.chars().next()).is_some_and(|n| n.is_ascii_digit()))
}

/// The identifier-like word around `offset` (touching it on either side), if any.
pub fn word_at(text: &str, offset: usize) -> Option<Token> {
    tokens(text)
        .into_iter()
        .find(|t| t.start <= offset && offset <= t.end && matches!(t.kind, Kind::Word | Kind::Var | Kind::Number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        tokens(text).into_iter().map(|t| (t.kind, t.text(text))).collect()
    }

    #[test]
    fn shapes() {
        assert_eq!(
            kinds("any -> web-api@v1:http 10% # hi\n retry 3 x 1h30m $x \"a\\\"b\" 100/1s"),
            [
                (Kind::Word, "any"),
                (Kind::Arrow, "->"),
                (Kind::Word, "web-api"),
                (Kind::Punct, "@"),
                (Kind::Word, "v1"),
                (Kind::Punct, ":"),
                (Kind::Word, "http"),
                (Kind::Number, "10%"),
                (Kind::Comment, "# hi"),
                (Kind::Word, "retry"),
                (Kind::Number, "3"),
                (Kind::Word, "x"),
                (Kind::Number, "1h30m"),
                (Kind::Var, "$x"),
                (Kind::Str, "\"a\\\"b\""),
                (Kind::Number, "100/1s"),
            ]
        );
        assert_eq!(kinds("a->b"), [(Kind::Word, "a"), (Kind::Arrow, "->"), (Kind::Word, "b")]);
    }

    #[test]
    fn any_input_is_tokenised() {
        let text = "\"open é\n$ 𝄞 \u{0} -";
        let tokens = tokens(text);
        assert_eq!(tokens[0].text(text), "\"open é");
        assert!(tokens.iter().all(|t| text.get(t.start..t.end).is_some()));
    }

    #[test]
    fn word_at_touches_both_ends() {
        let text = "service auth {";
        assert_eq!(word_at(text, 8).map(|t| t.text(text)), Some("auth"));
        assert_eq!(word_at(text, 12).map(|t| t.text(text)), Some("auth"));
        assert_eq!(word_at(text, 13), None);
    }
}
