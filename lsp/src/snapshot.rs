//! One analysis of one project, with what is needed to answer the editor from it: the
//! sources it saw (positions are converted against that text), each file's URI and line
//! index. Immutable once built, shared by `Arc` between the analysis task and requests.

use meshc_core::{Analysis, FileId, Sources, Span};
use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

use crate::position::LineIndex;
use crate::workspace::{Entry, Key};

pub struct Snapshot {
    pub sources: Sources,
    pub entries: Vec<Entry>,
    pub lines: Vec<LineIndex>,
    pub analysis: Analysis,
}

impl Snapshot {
    /// Runs the compiler's one `analyze()` on the project.
    pub fn build(sources: Sources, entries: Vec<Entry>) -> Snapshot {
        let analysis = meshc_core::analyze(&sources);
        let lines = sources.iter().map(|(_, f)| LineIndex::new(&f.text)).collect();
        Snapshot { sources, entries, lines, analysis }
    }

    /// How long parsing alone takes (for the timings log only: `analyze()` parses again).
    pub fn parse_time(&self) -> std::time::Duration {
        let start = std::time::Instant::now();
        for (id, file) in self.sources.iter() {
            std::hint::black_box(meshc_syntax::parse(id, &file.text));
        }
        start.elapsed()
    }

    pub fn file(&self, key: &Key) -> Option<FileId> {
        self.entries.iter().position(|e| e.key == *key).map(|i| FileId(i as u32))
    }

    fn valid(&self, id: FileId) -> bool {
        (id.0 as usize) < self.sources.len()
    }

    pub fn text(&self, id: FileId) -> &str {
        if self.valid(id) {
            &self.sources.get(id).text
        } else {
            ""
        }
    }

    pub fn uri(&self, id: FileId) -> Option<&Uri> {
        self.entries.get(id.0 as usize).and_then(|e| e.uri.as_ref())
    }

    pub fn offset(&self, id: FileId, position: Position) -> usize {
        match self.lines.get(id.0 as usize) {
            Some(lines) => lines.offset(self.text(id), position),
            None => 0,
        }
    }

    pub fn range(&self, span: Span) -> Range {
        match self.lines.get(span.file.0 as usize) {
            Some(lines) => lines.range(self.text(span.file), span.start as usize, span.end as usize),
            None => Range::default(),
        }
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location::new(self.uri(span.file)?.clone(), self.range(span)))
    }

    /// The source text under a span ("" when the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// Whether `id` had a syntax error in this analysis.
    pub fn has_syntax_errors(&self, id: FileId) -> bool {
        self.analysis.diagnostics.iter().any(|d| d.code == "E0001" && d.span.file == id)
    }

    /// The syntax tree of a file (what parsed of it).
    pub fn tree(&self, id: FileId) -> Option<&meshc_core::ast::File> {
        self.analysis.files.iter().find(|(f, _)| *f == id).map(|(_, tree)| tree)
    }
}
