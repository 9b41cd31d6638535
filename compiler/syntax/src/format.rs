//! `meshc fmt`: the one canonical layout of a `.mesh` file. The CLI and the language server
//! both call [`format`]; `docs/fmt.md` is the user-facing version of these rules.
//!
//! The layout depends only on the tokens, the comments and the blank lines of the input:
//!
//! - Declarations start at column 0, separated by one blank line. Two declarations that
//!   each fit on one line and were written on consecutive lines stay together, so a table of
//!   `env` lines or of one-line services reads as one group.
//! - One statement per line, indented two spaces per block level; `{` ends the header line,
//!   `}` sits alone at the header's indentation.
//! - A block goes on one line, `header { statement }`, when it holds no comment and is empty
//!   (`{}`), holds a single statement that has no block of its own, or is an `env` block;
//!   statements of an inline `env` block are separated by two spaces. It stays on one line
//!   only if what lies between its braces is at most 60 columns wide and the whole line at
//!   most 100; otherwise it is laid out on lines.
//! - Tokens are separated by one space, except: no space before `,`, `:`, `@`, `(` and `)`,
//!   and none after `@`, `(` or the `:` of `service:port` (`name: type` keeps its space).
//!   Long lists are not broken.
//! - Blank lines: one between statements of a block where the user left one or more; none
//!   at the start or the end of a block; never more than one in a row.
//! - Every comment is kept, verbatim but for trailing whitespace. A comment that followed a
//!   token on its line stays at the end of that line, two spaces after it; any other comment
//!   gets a line of its own, indented like the statement it precedes. A comment inside a
//!   statement makes it continue on the next line, four spaces deeper; a comment just before
//!   a `{` or a `,` moves just after it, on the same line.
//! - Line ends are `\n`, the file ends with exactly one, and a byte-order mark is dropped.
//!
//! A file that does not parse is not formatted: [`format`] returns its syntax errors. A
//! file with the comment `# fmt: skip-file` (optionally followed by a space and a reason)
//! among its leading comment lines is returned as it is, for test cases that are broken on
//! purpose.
//!
//! Formatting only ever changes whitespace and the position of comments, which the grammar
//! ignores, so the output parses to the same syntax tree as the input (tested on every
//! `.mesh` file of the repository and on mutations of them).

mod layout;
mod render;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use pest::Parser as _;

use crate::parser::{convert_error, GrammarRule as Rule, MeshParser};
use crate::{parse, FileId, SyntaxError};

/// The comment that leaves a file as it is written.
pub const SKIP_FILE: &str = "# fmt: skip-file";

/// The canonical layout of `text`, or its syntax errors (with spans in `FileId(0)`) when it
/// does not parse.
pub fn format(text: &str) -> Result<String, Vec<SyntaxError>> {
    if skips_formatting(text) {
        return Ok(text.to_string());
    }
    let file = match MeshParser::parse(Rule::file, text) {
        Ok(mut pairs) => pairs.next(),
        Err(error) => {
            // The parser's recovery reports one error per broken declaration.
            let (_, mut errors) = parse(FileId(0), text);
            if errors.is_empty() {
                errors.push(convert_error(FileId(0), 0, text, error));
            }
            return Err(errors);
        }
    };
    Ok(match file {
        Some(file) => render::render(&layout::Layout::new(text, file)),
        None => String::new(),
    })
}

/// Whether `text` opts out of formatting with [`SKIP_FILE`] (and maybe a reason after a
/// space) among the comment lines that open it.
pub fn skips_formatting(text: &str) -> bool {
    text.trim_start_matches('\u{FEFF}')
        .lines()
        .map(str::trim)
        .take_while(|line| line.is_empty() || line.starts_with('#'))
        .any(|line| line.strip_prefix(SKIP_FILE).is_some_and(|rest| rest.is_empty() || rest.starts_with(' ')))
}
