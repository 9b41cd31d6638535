//! The diagnostic codes of `meshc import` (E06xx, W06xx), registered with the compiler's in
//! `meshc_core::codes` so that `meshc explain` prints their texts.
//!
//! They come from YAML, not from `.mesh` cases, so the UI tests do not produce them; the
//! import corpus test (`compiler/import/tests/corpus.rs`) checks that each one is produced.

/// Not YAML: a syntax error, a duplicate key, an alias to nothing.
pub const INVALID_YAML: &str = "E0601";
/// An `apiVersion`/`kind` pair no Istio release serves (or no `apiVersion`/`kind` at all).
pub const UNKNOWN_KIND: &str = "E0602";
/// A field the kind's schema does not have.
pub const UNKNOWN_FIELD: &str = "E0603";
/// A field of the wrong type: a string where a mapping belongs, a list for a number, …
pub const WRONG_TYPE: &str = "E0604";
/// A value outside the schema's enum or range.
pub const INVALID_VALUE: &str = "E0605";
/// A required field left out.
pub const MISSING_FIELD: &str = "E0606";

/// An object (or part of it) the language cannot express, kept verbatim.
pub const KEPT_VERBATIM: &str = "W0601";
/// Something the input does not say and the import had to assume or add.
pub const ASSUMED: &str = "W0602";
/// An object recognised as a construct whose meshc output differs from it.
pub const CHANGED: &str = "W0603";

/// Every code above, for the test that each is produced and registered.
pub const ALL: &[&str] = &[
    INVALID_YAML,
    UNKNOWN_KIND,
    UNKNOWN_FIELD,
    WRONG_TYPE,
    INVALID_VALUE,
    MISSING_FIELD,
    KEPT_VERBATIM,
    ASSUMED,
    CHANGED,
];
