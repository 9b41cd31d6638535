//! String literals: unescaping and `${name}` interpolations, shared by both parsers so a
//! literal means the same whichever of them read it.

use crate::ast::{StrLit, StrPart};
use crate::span::{FileId, Span, Spanned};

/// The literal `raw` (quotes included) that starts at byte `at` of `file`.
pub(crate) fn string(file: FileId, at: usize, raw: &str) -> StrLit {
    let start = at + 1;
    let body = &raw[1..raw.len() - 1];
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'n')) => text.push('\n'),
                Some((_, 't')) => text.push('\t'),
                Some((_, 'r')) => text.push('\r'),
                Some((_, other)) => text.push(other),
                None => text.push('\\'),
            },
            '$' if matches!(chars.peek(), Some((_, '{'))) => {
                let close = body[i..].find('}').map(|j| i + j);
                match close {
                    Some(close) => {
                        if !text.is_empty() {
                            parts.push(StrPart::Text(std::mem::take(&mut text)));
                        }
                        let name = body[i + 2..close].trim();
                        let name_start =
                            start + i + 2 + (body[i + 2..close].len() - body[i + 2..close].trim_start().len());
                        let span = Span::new(file, name_start, name_start + name.len());
                        parts.push(StrPart::Interp(Spanned::new(name.to_string(), span)));
                        while let Some((j, _)) = chars.peek() {
                            if *j > close {
                                break;
                            }
                            chars.next();
                        }
                    }
                    None => text.push(c),
                }
            }
            _ => text.push(c),
        }
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(StrPart::Text(text));
    }
    StrLit { parts }
}
