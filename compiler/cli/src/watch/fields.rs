//! Field-by-field difference of two YAML values, for `meshc diff`: one line per leaf that
//! differs, named by its path (`spec.http[0].timeout: 10s → 5s`).
//!
//! Lists are aligned on their equal items (a longest common subsequence), so a route
//! inserted at the top of `spec.http` is one addition rather than every route changed.
//! Items that were removed are named by their index before the change, all others by their
//! index after it.

use super::value::Value;

/// One leaf that differs; `None` on a side means the field is absent there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Lists longer than this (items before × items after) are compared index by index, to
/// bound the quadratic alignment.
const MAX_ALIGNED: usize = 250_000;

/// Every leaf that differs between `before` and `after`, in document order.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    compare(String::new(), before, after, &mut changes);
    changes
}

fn compare(path: String, before: &Value, after: &Value, out: &mut Vec<FieldChange>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Map(old), Value::Map(new)) => {
            for (key, old_value) in old {
                let child = field(&path, key);
                match new.iter().find(|(name, _)| name == key) {
                    Some((_, new_value)) => compare(child, old_value, new_value, out),
                    None => leaves(child, old_value, &mut |path, leaf| out.push(removed(path, leaf))),
                }
            }
            for (key, new_value) in new.iter().filter(|(key, _)| !old.iter().any(|(name, _)| name == key)) {
                leaves(field(&path, key), new_value, &mut |path, leaf| out.push(added(path, leaf)));
            }
        }
        (Value::Seq(old), Value::Seq(new)) => compare_lists(&path, old, new, out),
        _ if before.is_leaf() && after.is_leaf() => out.push(FieldChange {
            path: shown(path),
            before: Some(before.to_string()),
            after: Some(after.to_string()),
        }),
        _ => {
            leaves(path.clone(), before, &mut |path, leaf| out.push(removed(path, leaf)));
            leaves(path, after, &mut |path, leaf| out.push(added(path, leaf)));
        }
    }
}

/// Walks the two lists along their common items; the items between two common ones are
/// paired off in order (and compared field by field), the rest removed or added.
fn compare_lists(path: &str, old: &[Value], new: &[Value], out: &mut Vec<FieldChange>) {
    let common = if old.len().saturating_mul(new.len()) <= MAX_ALIGNED { common_items(old, new) } else { Vec::new() };
    let (mut i, mut j) = (0, 0);
    for (next_i, next_j) in common.into_iter().chain([(old.len(), new.len())]) {
        while i < next_i && j < next_j {
            compare(format!("{path}[{j}]"), &old[i], &new[j], out);
            i += 1;
            j += 1;
        }
        for (index, item) in old.iter().enumerate().take(next_i).skip(i) {
            leaves(format!("{path}[{index}]"), item, &mut |path, leaf| out.push(removed(path, leaf)));
        }
        for (index, item) in new.iter().enumerate().take(next_j).skip(j) {
            leaves(format!("{path}[{index}]"), item, &mut |path, leaf| out.push(added(path, leaf)));
        }
        (i, j) = (next_i + 1, next_j + 1);
    }
}

/// The index pairs of a longest common subsequence of equal items.
fn common_items(old: &[Value], new: &[Value]) -> Vec<(usize, usize)> {
    // lengths[i][j]: the longest common subsequence of old[i..] and new[j..].
    let mut lengths = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lengths[i][j] =
                if old[i] == new[j] { lengths[i + 1][j + 1] + 1 } else { lengths[i + 1][j].max(lengths[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < old.len() && j < new.len() {
        if old[i] == new[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// Calls `each` with the path and value of every leaf of `value`.
fn leaves(path: String, value: &Value, each: &mut dyn FnMut(String, &Value)) {
    match value {
        Value::Map(entries) if !entries.is_empty() => {
            for (key, child) in entries {
                leaves(field(&path, key), child, each);
            }
        }
        Value::Seq(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                leaves(format!("{path}[{index}]"), item, each);
            }
        }
        _ => each(path, value),
    }
}

fn removed(path: String, value: &Value) -> FieldChange {
    FieldChange { path: shown(path), before: Some(value.to_string()), after: None }
}

fn added(path: String, value: &Value) -> FieldChange {
    FieldChange { path: shown(path), before: None, after: Some(value.to_string()) }
}

/// `parent.key`, or `parent["key"]` when the key holds characters that would make the
/// path ambiguous (`metadata.labels["app.kubernetes.io/name"]`).
fn field(parent: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, parent.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{parent}.{key}"),
        (false, _) => format!("{parent}[{key:?}]"),
    }
}

/// The document itself has the empty path; it is shown as `.`.
fn shown(path: String) -> String {
    if path.is_empty() {
        ".".to_string()
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        Value::parse(text).expect("test YAML parses")
    }

    fn lines(before: &str, after: &str) -> Vec<String> {
        diff(&yaml(before), &yaml(after))
            .into_iter()
            .map(|change| match (change.before, change.after) {
                (Some(old), Some(new)) => format!("{}: {old} → {new}", change.path),
                (Some(old), None) => format!("- {}: {old}", change.path),
                (None, Some(new)) => format!("+ {}: {new}", change.path),
                (None, None) => unreachable!("a change has a side"),
            })
            .collect()
    }

    #[test]
    fn equal_documents_have_no_changes() {
        let doc = "kind: A\nspec:\n  http:\n  - timeout: 5s\n";
        assert_eq!(lines(doc, doc), Vec::<String>::new());
    }

    #[test]
    fn scalars_changed_added_and_removed_by_path() {
        let before = "metadata:\n  name: auth\n  labels:\n    app.kubernetes.io/name: auth\nspec:\n  http:\n  - timeout: 10s\n    retries: {attempts: 3}\n";
        let after = "metadata:\n  name: auth\n  labels:\n    app.kubernetes.io/name: login\nspec:\n  http:\n  - timeout: 5s\n    mirror: {host: m}\n";
        assert_eq!(
            lines(before, after),
            [
                r#"metadata.labels["app.kubernetes.io/name"]: auth → login"#,
                "spec.http[0].timeout: 10s → 5s",
                "- spec.http[0].retries.attempts: 3",
                "+ spec.http[0].mirror.host: m",
            ]
        );
    }

    #[test]
    fn list_items_are_aligned_on_equal_ones() {
        let before = "hosts: [a, b, c]\n";
        assert_eq!(lines(before, "hosts: [z, a, b, c]\n"), ["+ hosts[0]: z"]);
        assert_eq!(lines(before, "hosts: [a, c]\n"), ["- hosts[1]: b"]);
        assert_eq!(lines(before, "hosts: [a, x, c, d]\n"), ["hosts[1]: b → x", "+ hosts[3]: d"]);
        assert_eq!(
            lines("route: [{w: 90}, {w: 10}]\n", "route: [{w: 50}, {w: 50}]\n"),
            ["route[0].w: 90 → 50", "route[1].w: 10 → 50"]
        );
    }

    #[test]
    fn a_value_changing_shape_is_removed_then_added() {
        assert_eq!(lines("port: 80\n", "port: {number: 80}\n"), ["- port: 80", "+ port.number: 80"]);
        assert_eq!(lines("a: []\n", "a: [1]\n"), ["+ a[0]: 1"], "an empty list grows by items");
        assert_eq!(lines("a: {x: 1}\n", "a: {}\n"), ["- a.x: 1"]);
        assert_eq!(lines("a: 1\n", "b: 1\n"), ["- a: 1", "+ b: 1"]);
        assert_eq!(lines("1\n", "2\n"), [".: 1 → 2"]);
    }

    #[test]
    fn long_lists_fall_back_to_index_by_index() {
        let before: Vec<Value> = (0..600).map(|n| Value::Number(n.to_string())).collect();
        let mut after = before.clone();
        after.insert(0, Value::Number("-1".into()));
        let changes = diff(&Value::Seq(before), &Value::Seq(after));
        assert_eq!(changes.len(), 601, "every item shifted, one added");
    }
}
