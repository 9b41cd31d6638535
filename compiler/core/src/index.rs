//! Navigation data recorded by the checker: every declaration and every reference to one.
//! The language server answers go-to-definition, references, hover and rename from it.

use std::hash::{Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::FxHasher;

use meshc_syntax::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefKind {
    Environment,
    Value,
    Provider,
    Service,
    External,
    Version,
    Port,
    Account,
    Gateway,
    Route,
    Jwt,
    Preset,
    Template,
}

impl DefKind {
    pub fn describe(self) -> &'static str {
        match self {
            DefKind::Environment => "environment",
            DefKind::Value => "environment value",
            DefKind::Provider => "provider",
            DefKind::Service => "service",
            DefKind::External => "external",
            DefKind::Version => "version",
            DefKind::Port => "port",
            DefKind::Account => "service account",
            DefKind::Gateway => "gateway",
            DefKind::Route => "route",
            DefKind::Jwt => "jwt",
            DefKind::Preset => "preset",
            DefKind::Template => "template",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub kind: DefKind,
    pub name: String,
    /// The service a version or port belongs to.
    pub container: Option<String>,
    /// The name at the declaration.
    pub span: Span,
    /// The whole declaration, for hover and outlines.
    pub full_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub span: Span,
    pub definition: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub definitions: Vec<Definition>,
    pub references: Vec<Reference>,
    /// The first definition of each `(kind, name, container)`, as an index into
    /// `definitions`: every reference looks its definition up (a linear search made big
    /// programs quadratic), and a table of indices hashed by the definitions' own names
    /// needs no copy of any name, neither to define nor to look up.
    first: HashTable<usize>,
    /// How many of `definitions` went through `define`, and so are in `first`.
    indexed: usize,
}

/// The hash `first` files a definition under.
fn key_hash(kind: DefKind, name: &str, container: Option<&str>) -> u64 {
    let mut hasher = FxHasher::default();
    (kind, name, container).hash(&mut hasher);
    hasher.finish()
}

impl Definition {
    fn is(&self, kind: DefKind, name: &str, container: Option<&str>) -> bool {
        self.kind == kind && self.name == name && self.container.as_deref() == container
    }
}

impl Index {
    /// Room for at least `definitions` more definitions (and as many references).
    pub fn reserve(&mut self, definitions: usize) {
        self.definitions.reserve(definitions);
        self.references.reserve(definitions);
        let Index { definitions: all, first, .. } = self;
        first.reserve(definitions, |&i| key_hash(all[i].kind, &all[i].name, all[i].container.as_deref()));
    }

    pub fn define(&mut self, kind: DefKind, name: &str, container: Option<&str>, span: Span, full_span: Span) {
        let Index { definitions, first, .. } = self;
        let hash = key_hash(kind, name, container);
        if first.find(hash, |&i| definitions[i].is(kind, name, container)).is_none() {
            let rehash = |&i: &usize| {
                let d = &definitions[i];
                key_hash(d.kind, &d.name, d.container.as_deref())
            };
            first.insert_unique(hash, definitions.len(), rehash);
        }
        self.indexed += 1;
        self.definitions.push(Definition {
            kind,
            name: name.to_string(),
            container: container.map(str::to_string),
            span,
            full_span,
        });
    }

    pub fn find(&self, kind: DefKind, name: &str, container: Option<&str>) -> Option<usize> {
        // `definitions` is public: trust the table only while it describes the whole vector.
        if self.indexed == self.definitions.len() {
            let definitions = &self.definitions;
            return self
                .first
                .find(key_hash(kind, name, container), |&i| definitions[i].is(kind, name, container))
                .copied();
        }
        self.definitions.iter().position(|d| d.is(kind, name, container))
    }

    pub fn add_reference(&mut self, span: Span, kind: DefKind, name: &str, container: Option<&str>) {
        if let Some(definition) = self.find(kind, name, container) {
            self.references.push(Reference { span, definition });
        }
    }

    /// The definition named at `offset`, whether the cursor is on a reference or on the declaration.
    pub fn definition_at(&self, file: meshc_syntax::FileId, offset: usize) -> Option<usize> {
        self.references
            .iter()
            .find(|r| r.span.file == file && r.span.contains(offset))
            .map(|r| r.definition)
            .or_else(|| self.definitions.iter().position(|d| d.span.file == file && d.span.contains(offset)))
    }

    pub fn references_to(&self, definition: usize) -> impl Iterator<Item = &Reference> {
        self.references.iter().filter(move |r| r.definition == definition)
    }
}
