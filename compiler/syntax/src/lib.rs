//! The `.mesh` syntax: grammar (`grammar/mesh.pest`), parser and syntax tree with spans.
//! It depends on nothing else of meshc; pest `Pair`s never leave this crate.

pub mod span;

pub use span::{FileId, Span, Spanned};
pub mod ast;
pub mod expect;
pub mod format;
pub mod parser;

pub use parser::{parse, SyntaxError, DECLARATION_KEYWORDS};
