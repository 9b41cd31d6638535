//! What the grammar accepts at a point of a file: the keywords an editor may offer at the
//! cursor, and the list of every keyword. Both are read from `grammar/mesh.pest` itself
//! (pest says which rules it expected; pest_meta says which keywords each rule starts with),
//! so an editor can never disagree with the parser.

use std::collections::HashMap;
use std::sync::OnceLock;

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser as _;
use pest_meta::ast::Expr;

use crate::parser::{declaration_starts, MeshParser, Rule};
use crate::DECLARATION_KEYWORDS;

const GRAMMAR: &str = include_str!("../../../grammar/mesh.pest");

/// Every keyword of the language (the grammar's `K_*` rules), sorted.
pub fn keywords() -> &'static [String] {
    &grammar().keywords
}

/// The keywords that may come next after `before` (the text of a file up to the cursor),
/// sorted and without duplicates. Only the declaration the cursor is in is parsed, so a
/// broken declaration earlier in the file does not matter; an error earlier in the same
/// declaration yields no keywords.
pub fn keywords_after(before: &str) -> Vec<String> {
    let start = declaration_starts(before).last().copied().unwrap_or(0);
    let chunk = &before[start..];
    let mut out = Vec::new();
    match MeshParser::parse(Rule::file, chunk) {
        // A complete declaration (or nothing) so far: the next thing is a declaration.
        Ok(_) => out.extend(DECLARATION_KEYWORDS.iter().map(|k| k.to_string())),
        Err(error) => {
            if error_position(&error.location) < chunk.trim_end().len() {
                return Vec::new();
            }
            if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
                let grammar = grammar();
                for rule in positives {
                    let mut seen = Vec::new();
                    grammar.first(&format!("{rule:?}"), &mut seen, &mut out);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn error_position(location: &InputLocation) -> usize {
    match location {
        InputLocation::Pos(p) => *p,
        InputLocation::Span((s, _)) => *s,
    }
}

struct Grammar {
    rules: HashMap<String, Expr>,
    keywords: Vec<String>,
}

fn grammar() -> &'static Grammar {
    static GRAMMAR_RULES: OnceLock<Grammar> = OnceLock::new();
    GRAMMAR_RULES.get_or_init(|| {
        // The same text pest_derive compiled into the parser, so it parses.
        let rules = pest_meta::parser::parse(pest_meta::parser::Rule::grammar_rules, GRAMMAR)
            .ok()
            .and_then(|pairs| pest_meta::parser::consume_rules(pairs).ok())
            .unwrap_or_default();
        let mut keywords: Vec<String> =
            rules.iter().filter_map(|r| r.name.strip_prefix("K_")).map(str::to_string).collect();
        keywords.sort();
        Grammar { rules: rules.into_iter().map(|r| (r.name, r.expr)).collect(), keywords }
    })
}

impl Grammar {
    /// Adds the keywords rule `name` can start with; `seen` stops left recursion.
    fn first(&self, name: &str, seen: &mut Vec<String>, out: &mut Vec<String>) -> bool {
        if let Some(keyword) = name.strip_prefix("K_") {
            out.push(keyword.to_string());
            return false;
        }
        if seen.iter().any(|s| s == name) {
            return false;
        }
        seen.push(name.to_string());
        match self.rules.get(name) {
            Some(expr) => self.first_of(expr, seen, out),
            // SOI, EOI and the like: the built-ins match without consuming a keyword.
            None => name == "SOI",
        }
    }

    /// Adds the keywords `expr` can start with; returns whether it can match nothing.
    fn first_of(&self, expr: &Expr, seen: &mut Vec<String>, out: &mut Vec<String>) -> bool {
        match expr {
            Expr::Ident(name) => self.first(name, seen, out),
            Expr::Seq(a, b) => self.first_of(a, seen, out) && self.first_of(b, seen, out),
            Expr::Choice(a, b) => {
                let a = self.first_of(a, seen, out);
                self.first_of(b, seen, out) || a
            }
            Expr::Opt(e) | Expr::Rep(e) | Expr::RepMax(e, _) => {
                self.first_of(e, seen, out);
                true
            }
            Expr::RepOnce(e) | Expr::Push(e) => self.first_of(e, seen, out),
            Expr::RepExact(e, n) | Expr::RepMin(e, n) | Expr::RepMinMax(e, n, _) => {
                self.first_of(e, seen, out) || *n == 0
            }
            Expr::PosPred(_) | Expr::NegPred(_) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{keywords, keywords_after};

    #[test]
    fn statements_of_the_enclosing_declaration() {
        let found = keywords_after("mesh m { }\nservice a {\n  port http 80\n  ");
        assert_eq!(
            found,
            [
                "account",
                "balance",
                "eject",
                "namespace",
                "pool",
                "port",
                "retry",
                "timeout",
                "tls",
                "use",
                "versions",
                "warmup"
            ]
        );
    }

    #[test]
    fn composite_rules_are_expanded_to_their_keywords() {
        let found = keywords_after("route r {\n  prefix \"/\" -> a ");
        for keyword in ["any", "prefix", "method", "sni", "request", "response", "timeout", "retry"] {
            assert!(found.iter().any(|k| k == keyword), "{keyword} missing from {found:?}");
        }
        assert!(!found.iter().any(|k| k == "service"), "{found:?}");
    }

    #[test]
    fn top_level_and_broken_input() {
        assert!(keywords_after("").iter().any(|k| k == "service"));
        assert!(keywords_after("service a { port http 80 }\n").iter().any(|k| k == "route"));
        assert_eq!(keywords_after("service a { ??? \n  "), Vec::<String>::new());
        // An earlier broken declaration does not matter.
        assert!(keywords_after("service a { ??? }\nservice b {\n  ").iter().any(|k| k == "port"));
    }

    #[test]
    fn every_keyword_rule_is_listed() {
        let all = keywords();
        assert!(all.len() > 100, "{}", all.len());
        for keyword in crate::DECLARATION_KEYWORDS {
            assert!(all.iter().any(|k| k == keyword), "{keyword}");
        }
        assert!(all.iter().any(|k| k == "access_log"));
    }
}
