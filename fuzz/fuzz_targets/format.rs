//! The formatter on any text: it never panics; when it formats, the output formats to
//! itself, parses without errors, and parses to the same syntax tree as the input (spans
//! aside), since formatting only moves whitespace and comments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshc_syntax::format::{format, skips_formatting};
use meshc_syntax::{parse, FileId};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(output) = format(text) else { return };
    if skips_formatting(text) {
        assert_eq!(output, text, "a skipped file was changed");
        return;
    }
    assert_eq!(format(&output).as_deref(), Ok(output.as_str()), "not a fixed point:\n{output}");
    let (before, _) = parse(FileId(0), text);
    let (after, errors) = parse(FileId(0), &output);
    assert!(errors.is_empty(), "the output does not parse: {errors:?}\n{output}");
    assert_eq!(without_spans(&format!("{before:?}")), without_spans(&format!("{after:?}")), "tree changed:\n{output}");
});

/// A syntax tree's debug text with every span offset replaced by 0.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some((at, len)) =
        ["start: ", "end: "].iter().filter_map(|key| rest.find(key).map(|at| (at, key.len()))).min()
    {
        out.push_str(&rest[..at + len]);
        out.push('0');
        rest = rest[at + len..].trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}
