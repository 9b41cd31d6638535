//! Writes a [`Layout`] in the canonical layout described in `format.rs`.

use super::layout::{Block, Gap, Kind, Layout, Part, Stmt, Token};
use crate::parser::GrammarRule as Rule;

/// One level of indentation.
const INDENT: &str = "  ";
/// Lines of a statement continued after a comment sit this many levels deeper than the
/// statement, so they cannot be mistaken for the statements of a block.
const CONTINUATION: usize = 2;
/// The widest line an inline block may make.
const WIDTH: usize = 100;
/// The most an inline block may hold between its braces: longer statements read better on
/// a line of their own than at the end of a header.
const INLINE_WIDTH: usize = 60;

pub(super) fn render(layout: &Layout) -> String {
    let mut writer = Writer { layout, out: String::new() };
    writer.file();
    writer.out
}

struct Writer<'l, 'a> {
    layout: &'l Layout<'a>,
    out: String,
}

impl<'l, 'a> Writer<'l, 'a> {
    fn token(&self, i: usize) -> &Token<'a> {
        &self.layout.tokens[i]
    }

    fn gap(&self, i: usize) -> &'l Gap<'a> {
        &self.layout.gaps[i]
    }

    /// The declarations at column 0, with one blank line between them — except that two
    /// one-line declarations the user wrote on consecutive lines stay together.
    fn file(&mut self) {
        let decls = &self.layout.decls;
        let rendered: Vec<String> = decls.iter().map(|decl| self.alone(decl, 0)).collect();
        let mut blank_allowed = false;
        for (k, (decl, text)) in decls.iter().zip(&rendered).enumerate() {
            let Some(first) = decl.first_token() else { continue };
            let gap = self.gap(first);
            let separated = k > 0 && (rendered[k - 1].contains('\n') || text.contains('\n'));
            let wrote_line = self.comments(gap, 0, &mut blank_allowed, separated);
            let blank = blank_allowed && (gap.newlines_after >= 2 || (separated && !wrote_line));
            self.start_line(blank, 0);
            self.out.push_str(text);
            blank_allowed = true;
        }
        self.comments(self.gap(self.layout.tokens.len()), 0, &mut blank_allowed, false);
        if !self.out.is_empty() {
            self.newline();
        }
    }

    /// `stmt` rendered on its own, starting at column 0 of a fresh line at `level`.
    fn alone(&self, stmt: &Stmt, level: usize) -> String {
        let mut writer = Writer { layout: self.layout, out: String::new() };
        writer.stmt(stmt, level);
        writer.out
    }

    /// A statement at the current position: single spaces between its tokens, a line break
    /// only after a comment.
    fn stmt(&mut self, stmt: &Stmt, level: usize) {
        let mut previous: Option<usize> = None;
        for part in &stmt.parts {
            match part {
                Part::Token(i) => {
                    if let Some(p) = previous {
                        self.within(p, *i, level);
                    }
                    self.out.push_str(self.token(*i).text);
                    previous = Some(*i);
                }
                Part::Block(block) => {
                    if let Some(p) = previous {
                        self.within(p, block.open, level);
                    }
                    self.block(block, level);
                    previous = Some(block.last_token());
                }
            }
        }
    }

    /// The gap between two tokens of one statement.
    fn within(&mut self, previous: usize, next: usize, level: usize) {
        let gap = self.gap(next);
        if gap.comments.is_empty() {
            self.out.push_str(spacing(self.token(previous), self.token(next)));
            return;
        }
        let mut blank_allowed = false;
        self.comments(gap, level + CONTINUATION, &mut blank_allowed, false);
        self.start_line(false, level + CONTINUATION);
    }

    fn block(&mut self, block: &Block, level: usize) {
        if let Some(inline) = self.inline(block) {
            let width = inline.chars().count();
            // `{ ` and ` }` around the statements.
            if width <= INLINE_WIDTH + 4 && self.column() + width <= WIDTH {
                self.out.push_str(&inline);
                return;
            }
        }
        self.out.push('{');
        let inner = level + 1;
        let mut blank_allowed = false;
        for stmt in &block.stmts {
            let Some(first) = stmt.first_token() else { continue };
            let gap = self.gap(first);
            self.comments(gap, inner, &mut blank_allowed, false);
            self.start_line(blank_allowed && gap.newlines_after >= 2, inner);
            self.stmt(stmt, inner);
            blank_allowed = true;
        }
        let Some(close) = block.close else { return };
        self.comments(self.gap(close), inner, &mut blank_allowed, false);
        self.start_line(false, level);
        self.out.push('}');
    }

    /// The block on one line, `{ a }`, when the canonical layout puts it there (widths
    /// aside): it holds no comment, and it is empty, or holds one statement without a block
    /// of its own, or is an `env` block (a short table of values).
    fn inline(&self, block: &Block) -> Option<String> {
        let close = block.close?;
        if self.layout.has_comments(block.open, close) {
            return None;
        }
        if block.stmts.is_empty() {
            return Some("{}".to_string());
        }
        let simple = block.stmts.len() == 1 || block.owner == Rule::env_decl;
        if !simple || block.stmts.iter().any(Stmt::has_block) {
            return None;
        }
        let stmts: Vec<String> = block.stmts.iter().map(|stmt| self.alone(stmt, 0)).collect();
        Some(format!("{{ {} }}", stmts.join("  ")))
    }

    /// Writes the comments of a gap: one that trails a token stays at the end of its line,
    /// the others go on lines of their own at `level`. A blank line the user left before a
    /// comment is kept when `blank_allowed` (never at the top of a block); `force_blank`
    /// puts one before the first comment line in any case. Returns whether a comment line
    /// was written.
    fn comments(&mut self, gap: &Gap, level: usize, blank_allowed: &mut bool, force_blank: bool) -> bool {
        let mut wrote_line = false;
        for (k, comment) in gap.comments.iter().enumerate() {
            if k == 0 && comment.newlines_before == 0 && self.line_has_text() {
                self.out.push_str("  ");
                self.out.push_str(comment.text);
                continue;
            }
            let wanted = comment.newlines_before >= 2 || (force_blank && !wrote_line);
            self.start_line(*blank_allowed && wanted, level);
            self.out.push_str(comment.text);
            *blank_allowed = true;
            wrote_line = true;
        }
        wrote_line
    }

    /// Ends the current line (unless nothing was written yet), adds a blank line if asked,
    /// and indents the new line.
    fn start_line(&mut self, blank: bool, level: usize) {
        if !self.out.is_empty() {
            self.newline();
            if blank {
                self.newline();
            }
        }
        for _ in 0..level {
            self.out.push_str(INDENT);
        }
    }

    fn newline(&mut self) {
        let kept = self.out.trim_end_matches(' ').len();
        self.out.truncate(kept);
        self.out.push('\n');
    }

    fn current_line(&self) -> &str {
        let start = self.out.rfind('\n').map_or(0, |i| i + 1);
        &self.out[start..]
    }

    fn line_has_text(&self) -> bool {
        !self.current_line().trim().is_empty()
    }

    fn column(&self) -> usize {
        self.current_line().chars().count()
    }
}

/// What separates two tokens of a statement: nothing before `,`, `:`, `@`, `(` and `)`, and
/// after `@`, `(` and a `service:port` colon (`auth@v1:http`, `resilient(attempts = 3)`), a
/// space everywhere else (`name: type`, `a, b`, `x = 1`, `-> dest`).
fn spacing(previous: &Token, next: &Token) -> &'static str {
    let tight_before =
        matches!(next.kind, Kind::Comma | Kind::Colon { .. } | Kind::At | Kind::OpenParen | Kind::CloseParen);
    let tight_after = matches!(previous.kind, Kind::At | Kind::OpenParen | Kind::Colon { spaced: false });
    if tight_before || tight_after {
        ""
    } else {
        " "
    }
}
