//! The `.mesh` syntax: grammar (`grammar/mesh.pest`), parser and syntax tree with spans.
//! It depends on nothing else of meshc; pest `Pair`s never leave this crate.

pub mod span;

pub use span::{FileId, Span, Spanned};
pub mod ast;
mod descent;
pub mod expect;
pub mod format;
mod literal;
pub mod parser;

pub use parser::{parse, SyntaxError, DECLARATION_KEYWORDS};
