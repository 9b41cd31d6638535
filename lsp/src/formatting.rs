//! Formatting through the same formatter as `meshc fmt` (`meshc_syntax::format`): one edit
//! replacing the whole document, or none when it is already formatted or does not parse.

use tower_lsp_server::ls_types::TextEdit;

use crate::position::LineIndex;

/// The edits that format `text`; `None` when it does not parse (its syntax errors are
/// already shown as diagnostics).
pub fn format(text: &str) -> Option<Vec<TextEdit>> {
    let formatted = meshc_syntax::format::format(text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let range = LineIndex::new(text).range(text, 0, text.len());
    Some(vec![TextEdit::new(range, formatted)])
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn formats_or_declines() {
        let edits = format("service   a {port http 80}\n").unwrap_or_default();
        assert_eq!(edits.len(), 1);
        let formatted = &edits[0].new_text;
        assert_eq!(format(formatted).map(|e| e.len()), Some(0), "formatting is idempotent");
        assert!(format("service a {").is_none());
    }
}
