//! The hand-written parser against pest on any text: when it builds a tree, pest must build
//! the same one (spans included); when pest accepts a text, it must not decline it (unless
//! a byte-order mark stands between tokens, which it leaves to pest on purpose).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshc_syntax::parser::{parse_fast, parse_with_pest};
use meshc_syntax::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let fast = parse_fast(FileId(0), text);
    let pest = parse_with_pest(FileId(0), text);
    match (&fast, &pest) {
        (Some(fast), Some(pest)) => assert_eq!(fast, pest, "the two parsers build different trees"),
        (Some(_), None) => panic!("the fast parser accepts a text pest rejects"),
        (None, Some(_)) => assert!(bom_between_tokens(text), "the fast parser declines a text pest accepts"),
        (None, None) => {}
    }
});

/// A byte-order mark anywhere but at the very start: the fast parser leaves such texts to
/// pest on purpose (pest's spans may end with it).
fn bom_between_tokens(text: &str) -> bool {
    text.strip_prefix('\u{feff}').unwrap_or(text).contains('\u{feff}')
}
