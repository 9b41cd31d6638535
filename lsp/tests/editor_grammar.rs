//! The VS Code TextMate grammar highlights exactly the language's keywords: the `K_*` rules
//! of grammar/mesh.pest, with the declaration keywords (`DECLARATION_KEYWORDS`) apart.
//! After changing the grammar's keywords, run `editors/vscode/syntaxes/generate.py`.

use std::path::Path;

fn tm_grammar() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode/syntaxes/mesh.tmLanguage.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The words of the `(?:a|b|c)` alternation in the `match` of repository rule `rule`.
fn words(grammar: &serde_json::Value, rule: &str) -> Vec<String> {
    let pattern = grammar["repository"][rule]["match"].as_str().unwrap_or_else(|| panic!("no match in `{rule}`"));
    let start = pattern.find("(?:").map(|i| i + 3).unwrap_or_else(|| panic!("no alternation in `{rule}`"));
    let end = pattern[start..].find(')').map(|i| start + i).unwrap_or_else(|| panic!("unclosed in `{rule}`"));
    let mut words: Vec<String> = pattern[start..end].split('|').map(str::to_string).collect();
    words.sort();
    words
}

#[test]
fn tm_grammar_keywords_are_the_grammar_keywords() {
    let grammar = tm_grammar();
    let declarations = words(&grammar, "declaration");
    let mut expected_declarations: Vec<String> =
        meshc_syntax::DECLARATION_KEYWORDS.iter().map(|k| k.to_string()).collect();
    expected_declarations.sort();
    assert_eq!(declarations, expected_declarations, "run editors/vscode/syntaxes/generate.py");

    let mut all = words(&grammar, "keyword");
    all.extend(declarations);
    all.sort();
    let keywords = meshc_syntax::expect::keywords();
    let missing: Vec<&String> = keywords.iter().filter(|k| !all.contains(k)).collect();
    let extra: Vec<&String> = all.iter().filter(|k| !keywords.contains(k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "mesh.tmLanguage.json lacks {missing:?} and has {extra:?} that are no keywords: \
         run editors/vscode/syntaxes/generate.py"
    );
}
