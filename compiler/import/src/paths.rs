//! Field paths (`spec.http[0].route[1].destination.host`) back to where they are written,
//! so that a warning about a field points at it.

use meshc_core::Span;

use crate::objects::Object;
use crate::yaml::Node;

/// One step of a path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    let mut key = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    key.push(q);
                }
            }
            '.' => {
                if !key.is_empty() {
                    out.push(Step::Key(std::mem::take(&mut key)));
                }
            }
            '[' => {
                if !key.is_empty() {
                    out.push(Step::Key(std::mem::take(&mut key)));
                }
                let mut digits = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    digits.push(d);
                }
                if let Ok(i) = digits.parse() {
                    out.push(Step::Index(i));
                }
            }
            c => key.push(c),
        }
    }
    if !key.is_empty() {
        out.push(Step::Key(key));
    }
    out
}

/// Where `path` is written in `object`: the key and its value when the value is a scalar,
/// the key alone otherwise; the nearest written ancestor when the field is absent.
pub fn span(object: &Object, path: &str) -> Span {
    let mut node: &Node = &object.root;
    let mut best = object.head();
    for step in steps(path) {
        match step {
            Step::Key(key) => match node.entry(&key) {
                Some(entry) => {
                    best = if matches!(entry.value.value, crate::yaml::Value::Map(_) | crate::yaml::Value::Seq(_)) {
                        entry.key_span
                    } else {
                        entry.key_span.to(entry.value.span)
                    };
                    node = &entry.value;
                }
                None => return best,
            },
            Step::Index(i) => match node.items().get(i) {
                Some(item) => {
                    best = match item.value {
                        crate::yaml::Value::Map(_) | crate::yaml::Value::Seq(_) => first_char(item.span),
                        _ => item.span,
                    };
                    node = item;
                }
                None => return best,
            },
        }
    }
    best
}

/// The first character of a span: a list item that is a mapping spans many lines.
fn first_char(span: Span) -> Span {
    Span { end: span.end.min(span.start.saturating_add(1)), ..span }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_steps() {
        assert_eq!(
            steps("spec.http[0].headers.\"x.y\""),
            vec![
                Step::Key("spec".into()),
                Step::Key("http".into()),
                Step::Index(0),
                Step::Key("headers".into()),
                Step::Key("x.y".into())
            ]
        );
    }
}
