//! Byte offsets (the compiler's spans) ↔ LSP positions (line, UTF-16 code unit). The only
//! place that knows how LSP counts columns; every conversion is total: out-of-range
//! positions are clamped to the nearest valid offset, never an error or a panic.

use tower_lsp_server::ls_types::{Position, Range};

/// Where each line of one text starts. Lines end at `\n`, `\r\n` or a lone `\r`, as the
/// LSP specification says.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The position of byte `offset` (clamped to the text, rounded down to a character).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize = text.get(start..offset).unwrap_or("").chars().map(char::len_utf16).sum();
        Position::new(to_u32(line), to_u32(column))
    }

    /// The byte offset of `position`: a line past the end is the end of the text, a column
    /// past the end of its line is the end of the line, and a column inside a surrogate
    /// pair is the start of that character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self.line_end(text, position.line as usize);
        let mut units = 0usize;
        for (i, c) in text.get(start..end).unwrap_or("").char_indices() {
            units += c.len_utf16();
            if units > position.character as usize {
                return start + i;
            }
        }
        end
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end.max(start)))
    }

    /// The offset where line `line`'s text ends, before its line break.
    fn line_end(&self, text: &str, line: usize) -> usize {
        let Some(&next) = self.starts.get(line + 1) else {
            return text.len(); // the last line has no break
        };
        let bytes = text.as_bytes();
        let mut end = next;
        if end > 0 && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > 0 && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        end
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Length in UTF-16 code units, as LSP measures token lengths.
pub fn utf16_len(text: &str) -> u32 {
    to_u32(text.chars().map(char::len_utf16).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) {
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            if text[..offset].ends_with('\r') && text[offset..].starts_with('\n') {
                continue; // inside a `\r\n` line break: not a position of its own
            }
            let position = index.position(text, offset);
            assert_eq!(index.offset(text, position), offset, "{text:?} at {offset}: {position:?}");
        }
    }

    #[test]
    fn ascii_lines() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), Position::new(0, 0));
        assert_eq!(index.position(text, 4), Position::new(1, 1));
        assert_eq!(index.position(text, 6), Position::new(2, 0));
        roundtrip(text);
    }

    #[test]
    fn columns_count_utf16_units() {
        // `é` is 2 bytes and 1 unit; `𝄞` is 4 bytes and 2 units (a surrogate pair).
        let text = "# é𝄞x\nservice a";
        let index = LineIndex::new(text);
        let x = text.find('x').expect("x");
        assert_eq!(index.position(text, x), Position::new(0, 5));
        assert_eq!(index.offset(text, Position::new(0, 5)), x);
        // Inside the surrogate pair: the start of the character.
        assert_eq!(index.offset(text, Position::new(0, 4)), text.find('𝄞').expect("clef"));
        assert_eq!(index.position(text, text.find('a').expect("a")), Position::new(1, 8));
        roundtrip(text);
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let text = "a\r\nbé\rc";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 3), Position::new(1, 0));
        assert_eq!(index.position(text, text.len() - 1), Position::new(2, 0));
        // A column past the end of line 1 stops before its `\r`.
        assert_eq!(index.offset(text, Position::new(1, 99)), 6);
        assert_eq!(index.offset(text, Position::new(0, 99)), 1);
        roundtrip(text);
    }

    #[test]
    fn out_of_range_is_clamped() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(7, 0)), text.len());
        assert_eq!(index.offset(text, Position::new(1, 99)), text.len());
        assert_eq!(index.position(text, 999), Position::new(1, 2));
        // An offset inside a multi-byte character is rounded down.
        let text = "é";
        assert_eq!(LineIndex::new(text).position(text, 1), Position::new(0, 0));
        let empty = "";
        assert_eq!(LineIndex::new(empty).offset(empty, Position::new(0, 3)), 0);
    }
}
