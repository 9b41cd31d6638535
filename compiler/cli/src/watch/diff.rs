//! What a rebuild changed in the emitted output: the two sets of files (before and after),
//! grouped per environment and per resource, with the counts of each environment's
//! one-line summary (`prod: 2 changed, 1 added, 0 removed`).
//!
//! A pure function of the two sets, so it is tested without files; `render` turns its
//! result into text.

use std::collections::BTreeMap;

use meshc_istio::output::{EmittedEnv, OutputFile};

use super::resource::Resource;

/// The changes of one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvChanges<'a> {
    pub env: &'a str,
    pub status: EnvStatus,
    /// In path order, which groups them by namespace, then kind.
    pub resources: Vec<ResourceChange<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvStatus {
    /// Built before and now: `resources` says what changed.
    Rebuilt,
    /// Not built before (nothing on disk either): every resource is added.
    New,
    /// Built before, no longer: the program stopped declaring it. Its output is left as it
    /// was, so `resources` is empty.
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange<'a> {
    /// The file, relative to the environment's directory.
    pub path: &'a str,
    /// `VirtualService/auth`.
    pub label: String,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Changed,
    Added,
    Removed,
}

impl ResourceChange<'_> {
    pub fn change(&self) -> Change {
        match (self.before, self.after) {
            (None, _) => Change::Added,
            (_, None) => Change::Removed,
            _ => Change::Changed,
        }
    }
}

impl EnvChanges<'_> {
    pub fn count(&self, change: Change) -> usize {
        self.resources.iter().filter(|resource| resource.change() == change).count()
    }

    /// Whether the environment's directory must be rewritten.
    pub fn needs_writing(&self) -> bool {
        match self.status {
            EnvStatus::New => true,
            EnvStatus::Rebuilt => !self.resources.is_empty(),
            EnvStatus::Dropped => false,
        }
    }

    /// `prod: 2 changed, 1 added, 0 removed`.
    pub fn summary(&self) -> String {
        let counts = format!(
            "{}: {} changed, {} added, {} removed",
            self.env,
            self.count(Change::Changed),
            self.count(Change::Added),
            self.count(Change::Removed)
        );
        match self.status {
            EnvStatus::Rebuilt => counts,
            EnvStatus::New => format!("{counts} (new environment)"),
            EnvStatus::Dropped => format!("{}: no longer built; its output is left as it was", self.env),
        }
    }
}

/// Compares two builds. Environments come in the order of `after`, then the dropped ones
/// in the order of `before`.
pub fn compare<'a>(before: &'a [EmittedEnv], after: &'a [EmittedEnv]) -> Vec<EnvChanges<'a>> {
    let mut envs: Vec<EnvChanges<'a>> = after
        .iter()
        .map(|new| match before.iter().find(|old| old.env == new.env) {
            Some(old) => EnvChanges {
                env: &new.env,
                status: EnvStatus::Rebuilt,
                resources: compare_files(&old.files, &new.files),
            },
            None => EnvChanges { env: &new.env, status: EnvStatus::New, resources: compare_files(&[], &new.files) },
        })
        .collect();
    envs.extend(before.iter().filter(|old| !after.iter().any(|new| new.env == old.env)).map(|old| EnvChanges {
        env: &old.env,
        status: EnvStatus::Dropped,
        resources: Vec::new(),
    }));
    disambiguate(&mut envs);
    envs
}

fn compare_files<'a>(old: &'a [OutputFile], new: &'a [OutputFile]) -> Vec<ResourceChange<'a>> {
    let mut files: BTreeMap<&'a str, (Option<&'a str>, Option<&'a str>)> = BTreeMap::new();
    for file in old {
        files.entry(&file.path).or_default().0 = Some(&file.contents);
    }
    for file in new {
        files.entry(&file.path).or_default().1 = Some(&file.contents);
    }
    files
        .into_iter()
        .filter(|(_, (before, after))| before != after)
        .map(|(path, (before, after))| {
            let contents = after.or(before).unwrap_or_default();
            ResourceChange { path, label: Resource::of(path, contents).label(), before, after }
        })
        .collect()
}

/// Two objects of the same kind and name in different namespaces would get the same
/// header: such labels get the file's directory (its namespace) added.
fn disambiguate(envs: &mut [EnvChanges<'_>]) {
    for env in envs {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for resource in &env.resources {
            *seen.entry(resource.label.clone()).or_default() += 1;
        }
        for resource in &mut env.resources {
            if seen.get(&resource.label).is_some_and(|&count| count > 1) {
                if let Some((dir, _)) = resource.path.rsplit_once('/') {
                    resource.label = format!("{} in {dir}", resource.label);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str, files: &[(&str, &str)]) -> EmittedEnv {
        EmittedEnv {
            env: name.to_string(),
            files: files
                .iter()
                .map(|(path, contents)| OutputFile { path: path.to_string(), contents: contents.to_string() })
                .collect(),
        }
    }

    fn vs(name: &str, timeout: &str) -> String {
        format!("kind: VirtualService\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  timeout: {timeout}\n")
    }

    #[test]
    fn groups_changes_per_environment_and_resource() {
        let (auth5, auth10, web, gw) =
            (vs("auth", "5s"), vs("auth", "10s"), vs("web", "1s"), "kind: Gateway\nmetadata:\n  name: public\n");
        let before = [
            env("dev", &[("shop/virtualservice-auth.yaml", &auth5), ("shop/virtualservice-web.yaml", &web)]),
            env("prod", &[("shop/virtualservice-auth.yaml", &auth5), ("istio-system/gateway-public.yaml", gw)]),
        ];
        let after = [
            env("dev", &[("shop/virtualservice-auth.yaml", &auth10)]),
            env(
                "prod",
                &[
                    ("shop/virtualservice-auth.yaml", &auth5),
                    ("istio-system/gateway-public.yaml", gw),
                    ("shop/virtualservice-web.yaml", &web),
                ],
            ),
        ];
        let changes = compare(&before, &after);
        let summaries: Vec<String> = changes.iter().map(EnvChanges::summary).collect();
        assert_eq!(summaries, ["dev: 1 changed, 0 added, 1 removed", "prod: 0 changed, 1 added, 0 removed"]);

        let dev = &changes[0];
        assert_eq!(dev.resources[0].label, "VirtualService/auth");
        assert_eq!((dev.resources[0].before, dev.resources[0].after), (Some(auth5.as_str()), Some(auth10.as_str())));
        assert_eq!(dev.resources[1].change(), Change::Removed);
        assert_eq!(dev.resources[1].label, "VirtualService/web", "a removed resource is named from its old contents");
        assert_eq!(changes[1].resources.len(), 1);
        assert!(dev.needs_writing() && changes[1].needs_writing());
    }

    #[test]
    fn identical_builds_change_nothing() {
        let build = [env("prod", &[("kustomization.yaml", "kind: Kustomization\n")])];
        let again = build.clone();
        let changes = compare(&build, &again);
        assert_eq!(changes.len(), 1);
        assert!(changes[0].resources.is_empty());
        assert!(!changes[0].needs_writing());
        assert_eq!(changes[0].summary(), "prod: 0 changed, 0 added, 0 removed");
    }

    #[test]
    fn new_and_dropped_environments() {
        let before = [env("staging", &[("a.yaml", "kind: A\n")])];
        let after = [env("prod", &[("a.yaml", "kind: A\n"), ("b.yaml", "kind: B\n")])];
        let changes = compare(&before, &after);
        assert_eq!((changes[0].env, changes[0].status), ("prod", EnvStatus::New));
        assert_eq!(changes[0].summary(), "prod: 0 changed, 2 added, 0 removed (new environment)");
        assert!(changes[0].needs_writing());
        assert_eq!((changes[1].env, changes[1].status), ("staging", EnvStatus::Dropped));
        assert_eq!(changes[1].summary(), "staging: no longer built; its output is left as it was");
        assert!(!changes[1].needs_writing());
        // A new environment with no files still gets its (empty) directory.
        assert!(compare(&[], &[env("qa", &[])])[0].needs_writing());
    }

    #[test]
    fn same_kind_and_name_in_two_namespaces_are_told_apart() {
        let a = "kind: Gateway\nmetadata:\n  name: web\n  namespace: a\n";
        let b = "kind: Gateway\nmetadata:\n  name: web\n  namespace: b\n";
        let after = [env("prod", &[("a/gateway-web.yaml", a), ("b/gateway-web.yaml", b)])];
        let changes = compare(&[], &after);
        let labels: Vec<&str> = changes[0].resources.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Gateway/web in a", "Gateway/web in b"]);
    }
}
