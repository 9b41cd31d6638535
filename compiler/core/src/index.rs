//! Navigation data recorded by the checker: every declaration and every reference to one.
//! The language server answers go-to-definition, references, hover and rename from it.

use rustc_hash::FxHashMap;

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
    /// The first definition of each `(kind, name, container)`: every reference looks its
    /// definition up, and a linear search made big programs quadratic.
    first: FxHashMap<DefKind, FirstOfKind>,
    /// How many of `definitions` went through `define`, and so are in `first`.
    indexed: usize,
}

/// The first definitions of one kind, looked up by borrowed names: a key that owned its
/// strings made every lookup allocate two of them.
#[derive(Debug, Clone, Default)]
struct FirstOfKind {
    /// By name, for definitions without a container.
    plain: FxHashMap<String, usize>,
    /// By container, then name (a service's versions and ports).
    contained: FxHashMap<String, FxHashMap<String, usize>>,
}

impl Index {
    pub fn define(&mut self, kind: DefKind, name: &str, container: Option<&str>, span: Span, full_span: Span) {
        let first = self.first.entry(kind).or_default();
        let names = match container {
            None => &mut first.plain,
            Some(container) => first.contained.entry(container.to_string()).or_default(),
        };
        names.entry(name.to_string()).or_insert(self.definitions.len());
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
            let first = self.first.get(&kind)?;
            let names = match container {
                None => &first.plain,
                Some(container) => first.contained.get(container)?,
            };
            return names.get(name).copied();
        }
        self.definitions.iter().position(|d| d.kind == kind && d.name == name && d.container.as_deref() == container)
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
