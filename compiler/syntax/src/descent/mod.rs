//! The fast path of parsing: a hand-written recursive-descent parser for
//! `grammar/mesh.pest`, building the same syntax tree as the pest parser, spans included.
//!
//! Why two parsers: pest spends about 120,000 instructions per line of a typical file (a
//! quarter of it in its recursion guard, the rest backtracking over keyword alternatives),
//! as much as a whole build of the same services in the fastest peer tool. This parser reads
//! a file once, choosing each statement by its keyword. It only ever answers for a file that
//! parses: at the first thing it does not accept it gives up (`None`) and `parser::parse`
//! asks pest, which stays the grammar of record and the only source of syntax errors. So
//! the two can disagree in one way only — this one declining a valid file — which costs
//! time, never a different tree or message. `tests/descent.rs` checks that they build the
//! same tree on every `.mesh` file of the repository and on many thousands of mutations.
//!
//! PEG semantics are kept exactly: alternatives are tried in the grammar's order, an
//! optional or repeated group that fails half-way is undone (`attempt`), repetitions are
//! greedy. Where every alternative of a choice starts with a different keyword, the next
//! word picks the only one that can match; that is the same choice, made once.

mod items;
mod scan;
mod statements;

use crate::ast::*;
use crate::span::{FileId, Span, Spanned};
use scan::Scan;

// What a repeated single statement means is decided once, for both parsers.
use crate::parser::set_once;

/// The syntax tree of `text`, or `None` when the file does not parse or uses something this
/// parser leaves to pest. Never a tree pest would not build.
pub(crate) fn parse(file: FileId, text: &str) -> Option<File> {
    // A byte-order mark is whitespace to pest, anywhere. Here only at the start: elsewhere
    // between tokens the pest parser's spans keep it at their ends (it is not whitespace to
    // `str::trim_end`), so there this parser stops at it and leaves the file to pest.
    let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let mut parser = Descent { text, scan: Scan::new(text), pos: start, last_end: start, file };
    let mut items = Vec::new();
    while parser.start() < text.len() {
        items.push(parser.item()?);
    }
    Some(File { items })
}

/// The cursor: where the next token may start (`pos`) and where the last one taken ended
/// (`last_end`), the end of every rule's span.
struct Descent<'a> {
    text: &'a str,
    scan: Scan<'a>,
    pos: usize,
    last_end: usize,
    file: FileId,
}

/// The terminals a value can be, in the order `value` tries them.
#[derive(Clone, Copy)]
enum Terminal {
    Var,
    Rate,
    Duration,
    Percent,
    Number,
    Str,
    Ident,
}

/// `value = var_ref | rate | duration | percent | number | string | name`.
const VALUE: &[Terminal] = &[
    Terminal::Var,
    Terminal::Rate,
    Terminal::Duration,
    Terminal::Percent,
    Terminal::Number,
    Terminal::Str,
    Terminal::Ident,
];

impl Terminal {
    fn end(self, scan: &Scan, at: usize) -> Option<usize> {
        match self {
            Terminal::Var => scan.var_ref(at),
            Terminal::Rate => scan.rate(at),
            Terminal::Duration => scan.duration(at),
            Terminal::Percent => scan.percent(at),
            Terminal::Number => scan.number(at),
            Terminal::Str => scan.string(at),
            Terminal::Ident => scan.ident(at),
        }
    }
}

impl<'a> Descent<'a> {
    // ---- the cursor ----------------------------------------------------------------------

    /// Skips trivia and returns where the next token starts: the start of a rule's span.
    fn start(&mut self) -> usize {
        self.pos = self.scan.skip_trivia(self.pos);
        self.pos
    }

    fn take(&mut self, start: usize, end: usize) -> Span {
        self.pos = end;
        self.last_end = end;
        Span::new(self.file, start, end)
    }

    /// The span of a rule that started at `start` and ends with the last token taken.
    fn span_from(&self, start: usize) -> Span {
        Span::new(self.file, start, self.last_end)
    }

    /// Runs one alternative or optional group; if it fails, the cursor goes back to where it
    /// was, as in a PEG.
    fn attempt<T>(&mut self, rule: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let (pos, last_end) = (self.pos, self.last_end);
        let result = rule(self);
        if result.is_none() {
            self.pos = pos;
            self.last_end = last_end;
        }
        result
    }

    /// `item ~ ("," ~ item)*`.
    fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = vec![item(self)?];
        while let Some(next) = self.attempt(|p| {
            p.symbol(",")?;
            item(p)
        }) {
            items.push(next);
        }
        Some(items)
    }

    /// The identifier at the next token, or `""`: which keyword-led alternative to try.
    fn peek_word(&mut self) -> &'a str {
        let start = self.start();
        match self.scan.ident(start) {
            Some(end) => &self.text[start..end],
            None => "",
        }
    }

    // ---- terminals -------------------------------------------------------------------------

    fn token(&mut self, rule: impl FnOnce(&Scan<'a>, usize) -> Option<usize>) -> Option<Span> {
        let start = self.start();
        let end = rule(&self.scan, start)?;
        Some(self.take(start, end))
    }

    fn keyword(&mut self, word: &str) -> Option<Span> {
        self.token(|scan, at| scan.keyword(at, word))
    }

    fn symbol(&mut self, symbol: &str) -> Option<Span> {
        self.token(|scan, at| scan.symbol(at, symbol))
    }

    fn spanned(&self, span: Span) -> Spanned<String> {
        Spanned::new(self.text[span.range()].to_string(), span)
    }

    /// `name`.
    fn name(&mut self) -> Option<Name> {
        let span = self.token(Scan::ident)?;
        Some(self.spanned(span))
    }

    /// A keyword as the pest builder names it (`redirect uri …` keeps `uri` as a name).
    fn keyword_name(&mut self, word: &str) -> Option<Name> {
        let span = self.keyword(word)?;
        Some(self.spanned(span))
    }

    /// `name_list = name ~ ("," ~ name)*`.
    fn names(&mut self) -> Option<Vec<Name>> {
        self.comma_list(Self::name)
    }

    /// `value`.
    fn value(&mut self) -> Option<Value> {
        self.value_of(VALUE)
    }

    /// `value_list = value ~ ("," ~ value)*`.
    fn values(&mut self) -> Option<Vec<Value>> {
        self.comma_list(Self::value)
    }

    fn string(&mut self) -> Option<Value> {
        self.value_of(&[Terminal::Str])
    }

    /// The first of `terminals` that matches, as a value.
    fn value_of(&mut self, terminals: &[Terminal]) -> Option<Value> {
        let start = self.start();
        let (terminal, end) = terminals.iter().find_map(|t| Some((*t, t.end(&self.scan, start)?)))?;
        let span = self.take(start, end);
        let text = &self.text[start..end];
        let kind = match terminal {
            Terminal::Var => ValueKind::Var(text[1..].to_string()),
            Terminal::Rate => ValueKind::Rate(text.to_string()),
            Terminal::Duration => ValueKind::Duration(text.to_string()),
            Terminal::Percent => ValueKind::Percent(text.trim_end_matches('%').to_string()),
            Terminal::Number => ValueKind::Number(text.to_string()),
            Terminal::Str => ValueKind::Str(crate::literal::string(self.file, start, text)),
            Terminal::Ident => ValueKind::Ident(text.to_string()),
        };
        Some(Value { kind, span })
    }

    /// `port_ref = integer | name`.
    fn port_ref(&mut self) -> Option<PortRef> {
        if let Some(span) = self.token(Scan::integer) {
            return Some(PortRef::Number(self.text[span.range()].parse().unwrap_or(u32::MAX), span));
        }
        self.name().map(PortRef::Name)
    }

    /// `host = string | var_ref | name`.
    fn host(&mut self) -> Option<Host> {
        if let Some(value) = self.value_of(&[Terminal::Str, Terminal::Var]) {
            return Some(Host::Literal(value));
        }
        self.name().map(Host::Ref)
    }

    /// `hosts_stmt = K_hosts ~ host ~ ("," ~ host)*`.
    fn hosts_stmt(&mut self) -> Option<Vec<Host>> {
        self.keyword("hosts")?;
        self.comma_list(Self::host)
    }

    /// `"{" ~ statement* ~ "}"`: `statement` parses one statement led by the word it is
    /// given, or fails; after a failed statement `}` cannot follow, so the block fails too.
    fn block(&mut self, mut statement: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.symbol("{")?;
        loop {
            if self.symbol("}").is_some() {
                return Some(());
            }
            let word = self.peek_word();
            statement(self, word)?;
        }
    }
}
