//! The formatter's guarantees, checked on every `.mesh` file of the repository and on
//! thousands of mutations of them (comments, line breaks and tabs inserted between tokens,
//! whitespace removed, files cut short): the output is a fixed point, holds the same comments
//! in the same order, parses to the same syntax tree (spans aside), and is clean text.
//! Nothing may panic, whatever the input.
//!
//! The checks use their own small lexer and the parser's syntax tree, not the formatter's
//! code, so a bug there cannot hide itself.

use std::path::{Path, PathBuf};

use super::{format, skips_formatting};
use crate::{parse, FileId};

/// Checks every property of `format` on `input`; `Ok(false)` when it does not parse.
fn check(input: &str) -> Result<bool, String> {
    let Ok(output) = format(input) else { return Ok(false) };
    if skips_formatting(input) {
        return if output == input { Ok(true) } else { Err("a skipped file was changed".into()) };
    }
    let again = format(&output).map_err(|errors| format!("the output does not parse: {errors:?}\n{output}"))?;
    if again != output {
        return Err(format!("not idempotent:\n--- once\n{output}\n--- twice\n{again}"));
    }
    let (before, after) = (comments(input), comments(&output));
    if before != after {
        return Err(format!("comments differ:\n{before:?}\n{after:?}\n{output}"));
    }
    let (tree, errors) = parse(FileId(0), input);
    let (new_tree, new_errors) = parse(FileId(0), &output);
    if !errors.is_empty() || !new_errors.is_empty() {
        return Err(format!("parse errors: {errors:?} / {new_errors:?}"));
    }
    if without_spans(&format!("{tree:#?}")) != without_spans(&format!("{new_tree:#?}")) {
        return Err(format!("the syntax tree changed:\n{output}"));
    }
    clean(&output)?;
    Ok(true)
}

/// Canonical text: `\n` line ends, one at the end, no trailing whitespace, no tab or blank
/// line run outside comments and strings, no line starting with a space it does not need.
fn clean(output: &str) -> Result<(), String> {
    if !output.is_empty() && (!output.ends_with('\n') || output.ends_with("\n\n")) {
        return Err(format!("bad end of file: {output:?}"));
    }
    if output.starts_with('\n') || output.contains("\n\n\n") || output.contains('\r') {
        return Err(format!("bad line breaks: {output:?}"));
    }
    for line in output.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if line.ends_with([' ', '\t']) || line.starts_with('\t') || indent % 2 == 1 {
            return Err(format!("bad line {line:?} in\n{output}"));
        }
    }
    Ok(())
}

/// Replaces every span's offsets by 0 in a syntax tree's debug text.
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

/// What the lexer below sees at each byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Code,
    Str,
    Comment,
}

/// The class of every byte of `text`: strings are `"…"` with `\` escapes, comments `#` to the
/// end of the line outside strings.
fn classes(text: &str) -> Vec<Class> {
    let mut classes = vec![Class::Code; text.len()];
    let mut state = Class::Code;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        let class = match (state, c) {
            (Class::Code, '#') => Class::Comment,
            (Class::Code, '"') => Class::Str,
            (Class::Comment, '\n') | (Class::Str, '\n') => Class::Code,
            (Class::Str, '"') if !escaped => {
                classes[i] = Class::Str;
                state = Class::Code;
                continue;
            }
            _ => state,
        };
        escaped = class == Class::Str && c == '\\' && !escaped;
        for class_of_byte in &mut classes[i..i + c.len_utf8()] {
            *class_of_byte = class;
        }
        state = class;
    }
    classes
}

/// Every comment of `text`, in order, without trailing whitespace.
fn comments(text: &str) -> Vec<String> {
    let classes = classes(text);
    let mut found = Vec::new();
    let mut start = None;
    for (i, class) in classes.iter().enumerate() {
        match (start, class) {
            (None, Class::Comment) => start = Some(i),
            (Some(s), Class::Code) => {
                found.push(text[s..i].trim_end().to_string());
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        found.push(text[s..].trim_end().to_string());
    }
    found
}

/// Every `.mesh` file of the repository (examples, tests, stdlib, …), sorted. `fuzz/` is left
/// out: its corpus is generated, ignored by git, and hundreds of files large.
fn repo_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || ["target", "node_modules", "fuzz"].contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                walk(&path, found);
            } else if name.ends_with(".mesh") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), &mut found);
    found.sort();
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

#[test]
fn every_repository_file_keeps_its_tree_and_comments() {
    let files = repo_files();
    assert!(files.len() >= 10, "too few .mesh files found: {files:?}");
    let mut formatted = 0;
    for path in &files {
        let text = read(path);
        match check(&text) {
            Ok(true) => formatted += 1,
            Ok(false) => {}
            Err(problem) => panic!("{}: {problem}", path.display()),
        }
    }
    // Only cases that are broken on purpose do not parse.
    assert!(formatted * 10 >= files.len() * 9, "{formatted} of {} files formatted", files.len());
}

/// Byte offsets of `text` between two characters of code where a comment or a line break
/// may go without joining two words.
fn boundaries(text: &str) -> Vec<usize> {
    let classes = classes(text);
    let word = |c: char| c.is_alphanumeric() || "_-$%/.\"".contains(c);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    chars
        .windows(2)
        .filter(|pair| {
            let ((i, a), (j, b)) = (pair[0], pair[1]);
            classes[i] == Class::Code && classes[j] == Class::Code && !(word(a) && word(b))
        })
        .map(|pair| pair[1].0)
        .collect()
}

/// Mutation `kind` of `text` at byte `at`.
fn mutate(text: &str, at: usize, kind: usize) -> String {
    let space_end = at + text[at..].len() - text[at..].trim_start().len();
    let (head, tail) = (&text[..at], &text[at..]);
    match kind % 6 {
        0 => format!("{head} # m{at}\n{tail}"),
        1 => format!("{head}\n# m{at}\n\n{tail}"),
        2 => format!("{head}\n\n\n{tail}"),
        3 => format!("{head}\t\r\n\t{tail}"),
        4 => format!("{head}#m{at}\r\n{}", &text[space_end..]),
        _ => format!("{head}{}", &text[space_end..]),
    }
}

#[test]
fn mutations_of_repository_files_keep_every_property() {
    let mut tried = 0;
    let mut parsed = 0;
    for path in repo_files() {
        let text = read(&path);
        if format(&text).is_err() || skips_formatting(&text) {
            continue;
        }
        let positions = boundaries(&text);
        // About 12 mutations per file keep the test fast; the stride walks the whole file, and
        // consecutive mutations are of different kinds.
        let stride = (positions.len() / 12).max(1);
        for (n, &at) in positions.iter().enumerate().filter(|(n, _)| n % stride == 0) {
            let mutated = mutate(&text, at, n / stride);
            tried += 1;
            match check(&mutated) {
                Ok(true) => parsed += 1,
                Ok(false) => {}
                Err(problem) => panic!("{} mutated at byte {at}:\n{mutated}\n{problem}", path.display()),
            }
        }
    }
    assert!(tried > 1000 && parsed * 2 > tried, "{parsed} of {tried} mutations parsed");
}

#[test]
fn truncated_and_odd_inputs_never_panic() {
    for path in repo_files() {
        let text = read(&path);
        let step = (text.len() / 30).max(1);
        let cuts: Vec<usize> = (0..text.len()).step_by(step).filter(|&i| text.is_char_boundary(i)).collect();
        for cut in cuts {
            check(&text[..cut]).unwrap_or_else(|problem| panic!("{} cut at {cut}: {problem}", path.display()));
        }
    }
    for odd in ["{", "}", "#", "\"", "->", "@@", "\u{FEFF}", "\r", "é", "mesh", "env e {", "env e { x = \"", "\0"] {
        check(odd).unwrap_or_else(|problem| panic!("{odd:?}: {problem}"));
    }
}

#[test]
fn the_checks_themselves_catch_changes() {
    assert_eq!(comments("a \"# no\" # yes \\\" \n# two\r\nb"), ["# yes \\\"", "# two"]);
    assert_eq!(without_spans("Span { start: 12, end: 345 } sent"), "Span { start: 0, end: 0 } sent");
    assert!(clean("a \n").is_err() && clean("a\n\n\n\nb\n").is_err() && clean("a").is_err());
    assert!(clean("a {\n  b\n}\n").is_ok());
    let mesh = "service a { port http 80 }\n";
    assert_eq!(boundaries(mesh).len(), 13, "{:?}", boundaries(mesh));
    assert_eq!(mutate(mesh, 9, 0), "service a # m9\n { port http 80 }\n");
    assert_eq!(mutate(mesh, 9, 5), "service a{ port http 80 }\n");
}
