//! The set of source files one analysis sees. The CLI fills it from disk, the language
//! server overlays open buffers, and the standard library is added under `std/…` names.

use meshc_syntax::FileId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Display name: a path relative to the project root, or `std/<module>.mesh`.
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Per file, the byte offset where each line starts: `line_col` is asked once per
    /// declaration and diagnostic, and counting newlines from the top each time made
    /// checking quadratic in the file's size.
    line_starts: Vec<Vec<usize>>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id; ids are dense and stable for this `Sources`.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        self.line_starts.push(starts);
        self.files.push(SourceFile { name: name.into(), text });
        FileId((self.files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn find(&self, name: &str) -> Option<FileId> {
        self.files.iter().position(|f| f.name == name).map(|i| FileId(i as u32))
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based (line, column-in-chars) of a byte offset, for annotations and JSON output.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = &self.get(id).text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let starts = &self.line_starts[id.0 as usize];
        let line = starts.partition_point(|&start| start <= offset);
        (line, text[starts[line - 1]..offset].chars().count() + 1)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let mut sources = Sources::new();
        let id = sources.add("a.mesh", "ab\nçd\n\nx");
        let at = |offset| sources.line_col(id, offset);
        assert_eq!(
            [at(0), at(2), at(3), at(5), at(6), at(7), at(8)],
            [(1, 1), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1), (4, 1)]
        );
        assert_eq!(at(4), (2, 1), "inside `ç`: the character's start");
        assert_eq!(at(99), (4, 2), "past the end: the end");
    }
}
