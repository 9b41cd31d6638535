//! The text `meshc watch` prints for a rebuild: a unified diff per changed resource under a
//! `prod VirtualService/auth (changed)` header, then one summary line per environment,
//! coloured like `git diff` when colour is on.
//!
//! A new environment's resources are only counted, not shown: on a first build that is the
//! whole program, which nobody wants scrolled past them.

use similar::{ChangeTag, TextDiff};

use super::diff::{Change, EnvChanges, EnvStatus, ResourceChange};

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// How many unchanged lines to show around each change.
const CONTEXT: usize = 3;

/// The diffs of every environment, then its summary line.
pub fn render(changes: &[EnvChanges<'_>], color: bool) -> String {
    let paint = Paint { color };
    let mut text = String::new();
    for env in changes.iter().filter(|env| env.status == EnvStatus::Rebuilt) {
        for resource in &env.resources {
            resource_diff(&mut text, env.env, resource, paint);
        }
    }
    for env in changes {
        text.push_str(&env.summary());
        text.push('\n');
    }
    text
}

fn resource_diff(text: &mut String, env: &str, resource: &ResourceChange<'_>, paint: Paint) {
    let change = match resource.change() {
        Change::Changed => "changed",
        Change::Added => "added",
        Change::Removed => "removed",
    };
    text.push_str(&paint.apply(BOLD, &format!("{env} {} ({change})", resource.label)));
    text.push('\n');
    let (old, new) = (resource.before.unwrap_or_default(), resource.after.unwrap_or_default());
    let diff = TextDiff::from_lines(old, new);
    for hunk in diff.unified_diff().context_radius(CONTEXT).iter_hunks() {
        text.push_str(&paint.apply(CYAN, &hunk.header().to_string()));
        text.push('\n');
        for line in hunk.iter_changes() {
            let (sign, color) = match line.tag() {
                ChangeTag::Delete => ('-', Some(RED)),
                ChangeTag::Insert => ('+', Some(GREEN)),
                ChangeTag::Equal => (' ', None),
            };
            let body = format!("{sign}{}", line.to_string_lossy().trim_end_matches('\n'));
            text.push_str(&match color {
                Some(color) => paint.apply(color, &body),
                None => body,
            });
            text.push('\n');
            if line.missing_newline() {
                text.push_str("\\ No newline at end of file\n");
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Paint {
    color: bool,
}

impl Paint {
    fn apply(self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::diff::compare;
    use super::*;
    use meshc_istio::output::{EmittedEnv, OutputFile};

    fn env(name: &str, files: &[(&str, &str)]) -> EmittedEnv {
        EmittedEnv {
            env: name.to_string(),
            files: files
                .iter()
                .map(|(path, contents)| OutputFile { path: path.to_string(), contents: contents.to_string() })
                .collect(),
        }
    }

    const AUTH_10: &str = "kind: VirtualService\nmetadata:\n  name: auth\nspec:\n  timeout: 10s\n";
    const AUTH_5: &str = "kind: VirtualService\nmetadata:\n  name: auth\nspec:\n  timeout: 5s\n";

    #[test]
    fn a_diff_per_resource_then_a_summary_per_environment() {
        let before = [env("prod", &[("shop/virtualservice-auth.yaml", AUTH_10), ("shop/gone.yaml", "kind: Old\n")])];
        let after = [
            env("prod", &[("shop/virtualservice-auth.yaml", AUTH_5)]),
            env("qa", &[("shop/virtualservice-auth.yaml", AUTH_5)]),
        ];
        let text = render(&compare(&before, &after), false);
        assert_eq!(
            text,
            "prod Old (removed)\n@@ -1 +0,0 @@\n-kind: Old\n\
             prod VirtualService/auth (changed)\n@@ -2,4 +2,4 @@\n metadata:\n   name: auth\n spec:\n-  timeout: 10s\n+  timeout: 5s\n\
             prod: 1 changed, 0 added, 1 removed\n\
             qa: 0 changed, 1 added, 0 removed (new environment)\n"
        );
    }

    #[test]
    fn colour_marks_headers_and_lines() {
        let text =
            render(&compare(&[env("prod", &[("a.yaml", AUTH_10)])], &[env("prod", &[("a.yaml", AUTH_5)])]), true);
        assert!(text.contains("\x1b[1mprod VirtualService/auth (changed)\x1b[0m\n"), "{text}");
        assert!(text.contains("\x1b[36m@@ -2,4 +2,4 @@\x1b[0m\n"), "{text}");
        assert!(text.contains("\x1b[31m-  timeout: 10s\x1b[0m\n\x1b[32m+  timeout: 5s\x1b[0m\n"), "{text}");
        assert!(text.contains("\n metadata:\n"), "context lines are not coloured: {text}");
    }

    #[test]
    fn a_missing_final_newline_is_shown() {
        let text = render(
            &compare(&[env("p", &[("a.yaml", "kind: A\nx: 1")])], &[env("p", &[("a.yaml", "kind: A\nx: 2\n")])]),
            false,
        );
        assert!(text.contains("-x: 1\n\\ No newline at end of file\n+x: 2\n"), "{text}");
    }
}
