//! The parser alone, on any text: it must return a tree and errors, never panic, and every
//! error span must lie inside the text on character boundaries (the renderers slice by it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshc_syntax::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, errors) = meshc_syntax::parse(FileId(0), text);
    for error in errors {
        let (start, end) = (error.span.start as usize, error.span.end as usize);
        assert!(start <= end && end <= text.len(), "span {start}..{end} outside a {}-byte text", text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "span {start}..{end} splits a character");
    }
});
