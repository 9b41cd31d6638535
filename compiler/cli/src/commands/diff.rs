//! `meshc diff [DIR] --env A --env B`: how environment B's output differs from A's, object by
//! object and field by field (`spec.http[0].timeout: 10s → 5s`).
//!
//! Both environments are built in memory and their YAML read back into value trees, so the
//! comparison is of what `kubectl apply` would see, not of text. Objects are matched by
//! kind, namespace and name; objects without a namespace (the kustomization) by file path.
//! The `meshc.dev/environment` label, which differs by construction, is left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshc_istio::output::EmittedEnv;

use crate::diagnostics::{plural, ColorChoice, Reporter};
use crate::error::Fatal;
use crate::watch::fields::{self, FieldChange};
use crate::watch::resource::Resource;
use crate::watch::value::Value;
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// The project directory: every `*.mesh` file under it, recursively, is one program.
    #[arg(default_value = ".")]
    dir: PathBuf,

    /// The two environments to compare, e.g. `--env staging --env prod`: the output shows
    /// what changes going from the first to the second.
    #[arg(long = "env", value_name = "NAME", required = true)]
    envs: Vec<String>,
}

/// The label every object carries with its environment's name.
const ENVIRONMENT_LABEL: &str = r#"metadata.labels["meshc.dev/environment"]"#;

pub fn run(args: &Args, reporter: &Reporter, color: ColorChoice) -> Result<Outcome, Fatal> {
    let [from, to] = args.envs.as_slice() else {
        return Err(Fatal::new(format!(
            "`meshc diff` compares two environments, but {} given",
            given(args.envs.len())
        ))
        .with_help("name them with `--env`, e.g. `meshc diff --env staging --env prod`"));
    };
    // Skip `build`'s default output directory, so `diff` reads the files `build` reads.
    let checked = super::check_project(&args.dir, &[Path::new(super::build::DEFAULT_OUT)], reporter)?;
    if checked.failed {
        return Ok(Outcome::Failure);
    }
    let declared = checked.analysis.environments();
    for env in [from, to] {
        super::build::select_envs(std::slice::from_ref(env), &declared)?;
    }
    let emitted = meshc_istio::emit(&checked.analysis, &[from.clone(), to.clone()]);
    let find = |name: &str| {
        emitted
            .iter()
            .find(|env| env.env == name)
            .ok_or_else(|| Fatal::new(format!("environment `{name}` produced no output")))
    };
    let report = compare(find(from)?, find(to)?);
    crate::stdout::print(&render(&report, super::watch::stdout_color(color)))?;
    Ok(Outcome::Success)
}

fn given(count: usize) -> String {
    match count {
        1 => "1 was".to_string(),
        n => format!("{n} were"),
    }
}

/// How the second environment's output differs from the first's.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub from: String,
    pub to: String,
    /// In the order of their keys: by kind, namespace and name.
    pub objects: Vec<ObjectDiff>,
    /// Objects found in both with the same contents.
    pub same: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ObjectDiff {
    /// `VirtualService/auth in shop`, or the file path of an object without a namespace.
    pub label: String,
    pub kind: ObjectChange,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ObjectChange {
    OnlyInFrom,
    OnlyInTo,
    Fields(Vec<FieldChange>),
}

/// What matches two objects across environments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Object { kind: String, namespace: String, name: String },
    File(String),
}

struct Object {
    label: String,
    value: Value,
}

pub fn compare(from: &EmittedEnv, to: &EmittedEnv) -> Report {
    let (old, new) = (objects(from), objects(to));
    let mut keys: Vec<&Key> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut report = Report { from: from.env.clone(), to: to.env.clone(), objects: Vec::new(), same: 0 };
    for key in keys {
        let diff = match (old.get(key), new.get(key)) {
            (Some(before), Some(after)) => {
                let changes: Vec<FieldChange> = fields::diff(&before.value, &after.value)
                    .into_iter()
                    .filter(|change| change.path != ENVIRONMENT_LABEL)
                    .collect();
                if changes.is_empty() {
                    report.same += 1;
                    continue;
                }
                ObjectDiff { label: after.label.clone(), kind: ObjectChange::Fields(changes) }
            }
            (Some(before), None) => ObjectDiff { label: before.label.clone(), kind: ObjectChange::OnlyInFrom },
            (None, Some(after)) => ObjectDiff { label: after.label.clone(), kind: ObjectChange::OnlyInTo },
            (None, None) => continue,
        };
        report.objects.push(diff);
    }
    report
}

/// The objects of an environment by key. A file that is not YAML (never emitted, but
/// handled) is compared as one string.
fn objects(env: &EmittedEnv) -> BTreeMap<Key, Object> {
    env.files
        .iter()
        .map(|file| {
            let value = Value::parse(&file.contents).unwrap_or_else(|_| Value::String(file.contents.clone()));
            let resource = Resource::from_value(&value).unwrap_or_else(|| Resource::from_path(&file.path));
            match (&resource.namespace, &resource.name) {
                (Some(namespace), Some(name)) => (
                    Key::Object { kind: resource.kind.clone(), namespace: namespace.clone(), name: name.clone() },
                    Object { label: format!("{} in {namespace}", resource.label()), value },
                ),
                _ => (Key::File(file.path.clone()), Object { label: file.path.clone(), value }),
            }
        })
        .collect()
}

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

pub fn render(report: &Report, color: bool) -> String {
    let paint = |code: &str, text: &str| if color { format!("{code}{text}{RESET}") } else { text.to_string() };
    let (from, to) = (&report.from, &report.to);
    let mut text = String::new();
    let (mut differ, mut only_from, mut only_to) = (0, 0, 0);
    for object in &report.objects {
        match &object.kind {
            ObjectChange::OnlyInFrom => {
                only_from += 1;
                text.push_str(&paint(RED, &format!("- {} (only in {from})", object.label)));
            }
            ObjectChange::OnlyInTo => {
                only_to += 1;
                text.push_str(&paint(GREEN, &format!("+ {} (only in {to})", object.label)));
            }
            ObjectChange::Fields(changes) => {
                differ += 1;
                text.push_str(&paint(BOLD, &format!("~ {}", object.label)));
                for change in changes {
                    text.push_str("\n    ");
                    text.push_str(&match (&change.before, &change.after) {
                        (Some(old), Some(new)) => {
                            format!("{}: {} → {}", change.path, paint(RED, old), paint(GREEN, new))
                        }
                        (Some(old), None) => paint(RED, &format!("- {}: {old}", change.path)),
                        (None, Some(new)) => paint(GREEN, &format!("+ {}: {new}", change.path)),
                        (None, None) => change.path.clone(),
                    });
                }
            }
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "{from} → {to}: {} differ, {only_from} only in {from}, {only_to} only in {to}, {} the same\n",
        plural(differ, "object"),
        report.same
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshc_istio::output::OutputFile;

    fn env(name: &str, files: &[(&str, String)]) -> EmittedEnv {
        EmittedEnv {
            env: name.to_string(),
            files: files
                .iter()
                .map(|(path, contents)| OutputFile { path: path.to_string(), contents: contents.clone() })
                .collect(),
        }
    }

    fn object(kind: &str, name: &str, env: &str, spec: &str) -> String {
        format!(
            "kind: {kind}\nmetadata:\n  name: {name}\n  namespace: shop\n  labels:\n    meshc.dev/environment: {env}\nspec:\n{spec}"
        )
    }

    fn kustomization(env: &str, resources: &[&str]) -> String {
        let list: String = resources.iter().map(|path| format!("- {path}\n")).collect();
        format!("kind: Kustomization\nmetadata:\n  name: shop-{env}\nresources:\n{list}")
    }

    fn pair() -> (EmittedEnv, EmittedEnv) {
        let staging = env(
            "staging",
            &[
                ("kustomization.yaml", kustomization("staging", &["shop/a.yaml", "shop/b.yaml", "shop/c.yaml"])),
                (
                    "shop/a.yaml",
                    object("VirtualService", "auth", "staging", "  http:\n  - timeout: 10s\n    weight: 50\n"),
                ),
                ("shop/b.yaml", object("DestinationRule", "auth", "staging", "  host: auth\n")),
                ("shop/c.yaml", object("ServiceEntry", "payments", "staging", "  hosts: [pay.example]\n")),
            ],
        );
        let prod = env(
            "prod",
            &[
                ("kustomization.yaml", kustomization("prod", &["shop/a.yaml", "shop/b.yaml"])),
                (
                    "shop/a.yaml",
                    object(
                        "VirtualService",
                        "auth",
                        "prod",
                        "  http:\n  - timeout: 5s\n    weight: 90\n    retries: {attempts: 3}\n",
                    ),
                ),
                ("shop/b.yaml", object("DestinationRule", "auth", "prod", "  host: auth\n")),
                ("shop/d.yaml", object("Sidecar", "auth", "prod", "  egress: []\n")),
            ],
        );
        (staging, prod)
    }

    #[test]
    fn objects_match_by_kind_namespace_and_name_and_differ_by_field() {
        let (staging, prod) = pair();
        let report = compare(&staging, &prod);
        assert_eq!(report.same, 1, "the DestinationRule differs only in its environment label");
        let summary: Vec<(&str, &ObjectChange)> = report.objects.iter().map(|o| (o.label.as_str(), &o.kind)).collect();
        assert_eq!(summary[0].0, "ServiceEntry/payments in shop");
        assert_eq!(summary[0].1, &ObjectChange::OnlyInFrom);
        assert_eq!(summary[1].0, "Sidecar/auth in shop");
        assert_eq!(summary[1].1, &ObjectChange::OnlyInTo);
        assert_eq!(summary[2].0, "VirtualService/auth in shop");
        assert_eq!(summary[3].0, "kustomization.yaml", "matched by path although its name differs");
    }

    #[test]
    fn renders_one_line_per_field() {
        let (staging, prod) = pair();
        assert_eq!(
            render(&compare(&staging, &prod), false),
            "- ServiceEntry/payments in shop (only in staging)\n\
             + Sidecar/auth in shop (only in prod)\n\
             ~ VirtualService/auth in shop\n    \
                 spec.http[0].timeout: 10s → 5s\n    \
                 spec.http[0].weight: 50 → 90\n    \
                 + spec.http[0].retries.attempts: 3\n\
             ~ kustomization.yaml\n    \
                 metadata.name: shop-staging → shop-prod\n    \
                 - resources[2]: shop/c.yaml\n\
             staging → prod: 2 objects differ, 1 only in staging, 1 only in prod, 1 the same\n"
        );
    }

    #[test]
    fn identical_environments_say_so() {
        let (staging, _) = pair();
        let report = compare(&staging, &staging);
        assert!(report.objects.is_empty());
        assert_eq!(
            render(&report, false),
            "staging → staging: 0 objects differ, 0 only in staging, 0 only in staging, 4 the same\n"
        );
    }

    #[test]
    fn colour_marks_old_and_new_values() {
        let (staging, prod) = pair();
        let text = render(&compare(&staging, &prod), true);
        assert!(text.contains("spec.http[0].timeout: \x1b[31m10s\x1b[0m → \x1b[32m5s\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[1m~ VirtualService/auth in shop\x1b[0m"), "{text}");
    }
}
