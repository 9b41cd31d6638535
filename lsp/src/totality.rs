//! Every answer of the server is total: on prefixes and damaged copies of the examples,
//! at every position, hover, navigation, rename, completion, symbols, semantic tokens,
//! quick fixes and formatting answer (or decline) without panicking.

use meshc_core::{FileId, Sources};
use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::snapshot::Snapshot;
use crate::workspace::{Entry, Key};
use crate::{actions, completion, formatting, hover, navigation, semantic, symbols};

const EXAMPLES: &[&str] =
    &[include_str!("../../examples/canary/shop.mesh"), include_str!("../../examples/biometrics/mesh.mesh")];

fn snapshot(text: &str) -> Snapshot {
    let mut sources = Sources::new();
    sources.add("main.mesh", text);
    let uri: Uri = "untitled:main.mesh".parse().expect("a valid URI");
    Snapshot::build(sources, vec![Entry { key: Key::of(&uri), uri: Some(uri), version: Some(1) }])
}

fn every_answer(text: &str, step: usize) {
    let s = snapshot(text);
    let file = FileId(0);
    let _ = semantic::tokens(&s, file);
    let _ = symbols::document(&s, file);
    let mut found = Vec::new();
    symbols::workspace(&s, "e", &mut found);
    let _ = formatting::format(text);
    let everywhere = Range::new(Position::new(0, 0), Position::new(u32::MAX, u32::MAX));
    let _ = actions::quick_fixes(&s, file, everywhere);
    for offset in (0..=text.len() + 2).step_by(step) {
        let _ = hover::hover(&s, file, offset);
        let _ = navigation::definition_at(&s, file, offset).map(|d| navigation::references(&s, d, true));
        let _ = navigation::prepare_rename(&s, file, offset);
        let _ = navigation::rename(&s, file, offset, "renamed");
        let _ = completion::complete(&[&s], text, offset);
    }
}

/// Cuts `text` at byte `at`, moved back to a character boundary.
fn prefix(text: &str, mut at: usize) -> &str {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    &text[..at]
}

#[test]
fn prefixes_of_the_examples() {
    for example in EXAMPLES {
        for at in (0..example.len()).step_by(601) {
            every_answer(prefix(example, at), 31);
        }
    }
}

#[test]
fn damaged_examples_and_odd_text() {
    let damage = ["{", "}", "->", "@", ":", "$", "\"", "é𝄞", "\u{0}", "\r\n", "\r", "#", "%", "${", "\t"];
    for example in EXAMPLES {
        for (i, at) in (0..example.len()).step_by(733).enumerate() {
            let at = prefix(example, at).len();
            let damaged = format!("{}{}{}", &example[..at], damage[i % damage.len()], &example[at..]);
            every_answer(&damaged, 37);
        }
    }
    for odd in
        ["", "\u{feff}", "é", "$", "${", "\"", "route r { any -> a@", "service a { port http 99999999999999999999 }"]
    {
        every_answer(odd, 1);
    }
}
