//! The layout tree: a parse tree reduced to what layout needs — every token in source order,
//! the comments and line breaks between consecutive tokens, and the tokens grouped into
//! statements and `{ … }` blocks.
//!
//! Punctuation (`{`, `,`, `->`, …) and comments are not pairs in the pest tree (literals and
//! the silent COMMENT rule produce none), so both are recovered from the source text that lies
//! between a pair's children. The `file` pair spans the whole input, so every character ends
//! up in exactly one place: a token, or a gap between two tokens holding only whitespace and
//! comments. Nothing written can be lost.

use pest::iterators::Pair;

use crate::parser::GrammarRule as Rule;

/// One token: a word the grammar matched (keyword, name, value) or a punctuation mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Open,
    Close,
    /// `(` of a parameter or argument list, written like a call: `resilient(attempts = 3)`.
    OpenParen,
    CloseParen,
    Comma,
    /// `:` — `service:port` in destinations and global limits, `name: type` elsewhere
    /// (`spaced`).
    Colon {
        spaced: bool,
    },
    At,
    Arrow,
    Equals,
    /// A character that is not one of the literals above: part of a word, or a literal the
    /// formatter does not know, whose pair is then kept as written (see `Builder::flatten`).
    Other,
}

/// A comment, `#` to the end of its line, without trailing whitespace (nor a CRLF's `\r`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Comment<'a> {
    pub text: &'a str,
    /// Line breaks between the previous token or comment and this comment: 0 means it
    /// trails the line of what precedes it.
    pub newlines_before: usize,
}

/// What lies between two consecutive tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Gap<'a> {
    pub comments: Vec<Comment<'a>>,
    /// Line breaks between the last comment (or the previous token) and the next token.
    pub newlines_after: usize,
}

/// A statement (or a top-level declaration): tokens and blocks, laid out on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stmt {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    /// An index into [`Layout::tokens`].
    Token(usize),
    Block(Block),
}

/// `{ statement… }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Block {
    /// The rule whose text holds the braces, e.g. `env_decl` or `rule_block`.
    pub owner: Rule,
    pub open: usize,
    pub stmts: Vec<Stmt>,
    /// Always present in a file that parsed; `None` keeps a malformed tree renderable.
    pub close: Option<usize>,
}

impl Stmt {
    pub fn first_token(&self) -> Option<usize> {
        self.parts.first().map(|part| match part {
            Part::Token(i) => *i,
            Part::Block(block) => block.open,
        })
    }

    pub fn last_token(&self) -> Option<usize> {
        self.parts.last().map(|part| match part {
            Part::Token(i) => *i,
            Part::Block(block) => block.last_token(),
        })
    }

    pub fn has_block(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Block(_)))
    }
}

impl Block {
    pub fn last_token(&self) -> usize {
        self.close.or_else(|| self.stmts.last().and_then(Stmt::last_token)).unwrap_or(self.open)
    }
}

/// A whole file: its declarations, its tokens, and the gap before, between and after them.
#[derive(Debug)]
pub(super) struct Layout<'a> {
    pub decls: Vec<Stmt>,
    pub tokens: Vec<Token<'a>>,
    /// `gaps[i]` lies before `tokens[i]`; `gaps[tokens.len()]` is the end of the file.
    pub gaps: Vec<Gap<'a>>,
}

impl<'a> Layout<'a> {
    /// Builds the layout of `text` from its `file` pair.
    pub fn new(text: &'a str, file: Pair<'a, Rule>) -> Self {
        let mut builder = Builder { text, tokens: Vec::new() };
        let mut decls: Vec<Stmt> = Vec::new();
        for item in builder.items(file) {
            match item {
                Item::Child(pair) if pair.as_rule() == Rule::EOI => {}
                Item::Child(pair) => decls.push(Stmt { parts: builder.parts(pair) }),
                Item::Punct(kind, start, end) => {
                    let token = Part::Token(builder.push(kind, start, end));
                    match decls.last_mut() {
                        Some(decl) => decl.parts.push(token),
                        None => decls.push(Stmt { parts: vec![token] }),
                    }
                }
            }
        }
        let tokens = builder.tokens;
        let mut gaps = Vec::with_capacity(tokens.len() + 1);
        let mut at = 0;
        for token in &tokens {
            gaps.push(scan_gap(&text[at..token.start]));
            at = token.end;
        }
        gaps.push(scan_gap(&text[at..]));
        let mut layout = Layout { decls, tokens, gaps };
        layout.move_comments_past_openers();
        layout
    }

    /// A comment just before a `{` or a `,` is moved just after it: `svc  # note` + `{` on the
    /// next line becomes `svc {  # note`, and `a  # note` + `, b` becomes `a,  # note` + `b`.
    /// The comment stays on the line it was on, and no `{` or `,` starts a line.
    fn move_comments_past_openers(&mut self) {
        for (i, token) in self.tokens.iter().enumerate() {
            if !matches!(token.kind, Kind::Open | Kind::Comma) || self.gaps[i].comments.is_empty() {
                continue;
            }
            let mut moved = std::mem::take(&mut self.gaps[i].comments);
            let after = &mut self.gaps[i + 1];
            // What followed the `{` or `,` now follows a comment, so it starts a new line.
            match after.comments.first_mut() {
                Some(first) => first.newlines_before = first.newlines_before.max(1),
                None => after.newlines_after = after.newlines_after.max(1),
            }
            moved.append(&mut after.comments);
            after.comments = moved;
        }
    }

    /// Whether a comment lies between token `from` and token `to`.
    pub fn has_comments(&self, from: usize, to: usize) -> bool {
        self.gaps.get(from + 1..=to).is_some_and(|gaps| gaps.iter().any(|gap| !gap.comments.is_empty()))
    }
}

enum Item<'a> {
    Child(Pair<'a, Rule>),
    Punct(Kind, usize, usize),
}

struct Builder<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
}

impl<'a> Builder<'a> {
    fn push(&mut self, kind: Kind, start: usize, end: usize) -> usize {
        self.tokens.push(Token { text: &self.text[start..end], start, end, kind });
        self.tokens.len() - 1
    }

    fn parts(&mut self, pair: Pair<'a, Rule>) -> Vec<Part> {
        let mut parts = Vec::new();
        self.flatten(pair, &mut parts);
        parts
    }

    /// Appends the tokens of `pair` to `parts`; the children between a `{` and its `}` become
    /// the statements of a block.
    ///
    /// A pair whose text, outside its children, holds a character that is not one of the
    /// punctuation [`Kind`]s is one word, kept as written. That covers every pair without
    /// children (a keyword, a name, a value) but an empty `rule_block` (`{` and `}`), and a
    /// literal the formatter does not know (the `.` of a compound-atomic `a.b`), around which
    /// a space might not parse or might mean something else.
    fn flatten(&mut self, pair: Pair<'a, Rule>, parts: &mut Vec<Part>) {
        let span = pair.as_span();
        if span.start() == span.end() {
            return;
        }
        let owner = pair.as_rule();
        let items = self.items(pair);
        if items.iter().any(|item| matches!(item, Item::Punct(Kind::Other, ..))) {
            parts.push(Part::Token(self.push(Kind::Word, span.start(), span.end())));
            return;
        }
        let mut items = items.into_iter();
        while let Some(item) = items.next() {
            match item {
                Item::Child(child) => self.flatten(child, parts),
                Item::Punct(Kind::Open, start, end) => {
                    let open = self.push(Kind::Open, start, end);
                    let mut block = Block { owner, open, stmts: Vec::new(), close: None };
                    for item in items.by_ref() {
                        match item {
                            Item::Punct(Kind::Close, start, end) => {
                                block.close = Some(self.push(Kind::Close, start, end));
                                break;
                            }
                            Item::Child(child) => block.stmts.push(Stmt { parts: self.parts(child) }),
                            Item::Punct(kind, start, end) => {
                                let token = Part::Token(self.push(kind, start, end));
                                match block.stmts.last_mut() {
                                    Some(stmt) => stmt.parts.push(token),
                                    None => block.stmts.push(Stmt { parts: vec![token] }),
                                }
                            }
                        }
                    }
                    parts.push(Part::Block(block));
                }
                Item::Punct(kind, start, end) => parts.push(Part::Token(self.push(kind, start, end))),
            }
        }
    }

    /// The children of `pair` and the punctuation between them, in source order.
    fn items(&self, pair: Pair<'a, Rule>) -> Vec<Item<'a>> {
        let owner = pair.as_rule();
        let span = pair.as_span();
        let mut items = Vec::new();
        let mut at = span.start();
        for child in pair.into_inner() {
            let child_span = child.as_span();
            self.punctuation(owner, at, child_span.start(), &mut items);
            at = child_span.end();
            items.push(Item::Child(child));
        }
        self.punctuation(owner, at, span.end(), &mut items);
        items
    }

    /// The punctuation in `text[start..end]`, a stretch outside every child pair, which holds
    /// nothing but whitespace, comments and literals.
    fn punctuation(&self, owner: Rule, start: usize, end: usize, items: &mut Vec<Item<'a>>) {
        let mut at = start;
        while at < end {
            let rest = &self.text[at..end];
            let Some(c) = rest.chars().next() else { break };
            if is_space(c) {
                at += c.len_utf8();
                continue;
            }
            if c == '#' {
                at += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            let (kind, len) = match c {
                '-' if rest.starts_with("->") => (Kind::Arrow, 2),
                '{' => (Kind::Open, 1),
                '}' => (Kind::Close, 1),
                '(' => (Kind::OpenParen, 1),
                ')' => (Kind::CloseParen, 1),
                ',' => (Kind::Comma, 1),
                '=' => (Kind::Equals, 1),
                ':' => (Kind::Colon { spaced: !matches!(owner, Rule::destination | Rule::global_stmt) }, 1),
                '@' => (Kind::At, 1),
                other => (Kind::Other, other.len_utf8()),
            };
            items.push(Item::Punct(kind, at, at + len));
            at += len;
        }
    }
}

/// The grammar's WHITESPACE.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

/// Reads the comments and line breaks of a gap, which holds whitespace and comments only.
fn scan_gap(text: &str) -> Gap<'_> {
    let mut gap = Gap::default();
    let mut newlines = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '#' {
            let len = rest.find('\n').unwrap_or(rest.len());
            gap.comments.push(Comment { text: rest[..len].trim_end(), newlines_before: newlines });
            newlines = 0;
            rest = &rest[len..];
        } else {
            if c == '\n' {
                newlines += 1;
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    gap.newlines_after = newlines;
    gap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_line_breaks_around_comments() {
        let gap = scan_gap("  # a \r\n\n\t# b\n\n\n");
        assert_eq!(
            gap.comments,
            [Comment { text: "# a", newlines_before: 0 }, Comment { text: "# b", newlines_before: 2 }]
        );
        assert_eq!(gap.newlines_after, 3);
        assert_eq!(scan_gap(""), Gap::default());
        assert_eq!(scan_gap("\u{FEFF}# only").comments, [Comment { text: "# only", newlines_before: 0 }]);
    }
}
