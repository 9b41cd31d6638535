//! Modules: how `import` paths name files, the standard library embedded in the binary,
//! and loading a project's dependencies (imported files, template files) into `Sources`.
//!
//! `analyze()` stays pure: callers load dependencies first with [`load_dependencies`],
//! reading files through a closure (the CLI from disk, the language server from its
//! overlay, tests from fixtures). A file that could not be loaded is simply absent, and
//! the checker reports the import that names it.

use crate::Sources;

/// The standard library, embedded: `(source name, text)`.
pub const STDLIB: &[(&str, &str)] = &[
    ("std/resilience.mesh", include_str!("../../../stdlib/resilience.mesh")),
    ("std/security.mesh", include_str!("../../../stdlib/security.mesh")),
    ("std/ratelimit.mesh", include_str!("../../../stdlib/ratelimit.mesh")),
    ("std/telemetry.mesh", include_str!("../../../stdlib/telemetry.mesh")),
];

/// The source name an import path refers to, seen from the file `importer`:
/// `std/x` → `std/x.mesh`; a relative path is joined to the importer's folder.
pub fn resolve(importer: &str, path: &str) -> String {
    if let Some(module) = path.strip_prefix("std/") {
        return format!("std/{}.mesh", module.trim_end_matches(".mesh"));
    }
    join(importer, path)
}

/// Joins a relative path to the folder of `from` and normalises `.` and `..` lexically.
pub fn join(from: &str, path: &str) -> String {
    let mut parts: Vec<&str> = if path.starts_with('/') { Vec::new() } else { from.split('/').collect() };
    if !path.starts_with('/') {
        parts.pop(); // the file name
    }
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// The name a qualified import binds: `std/resilience` → `resilience`.
pub fn default_alias(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.trim_end_matches(".mesh").replace('.', "_")
}

/// What a file depends on, found by a cheap scan of its lines (an `import` or `template`
/// declaration starts a line, indented or not), so loading does not need a full parse.
fn dependencies(name: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim_start_matches('\u{feff}').trim_start();
        let is_import = line.starts_with("import ") || line.starts_with("import\t");
        let is_template = line.starts_with("template ") || line.starts_with("template\t");
        if !(is_import || is_template) {
            continue;
        }
        let Some(start) = line.find('"') else { continue };
        let Some(len) = line[start + 1..].find('"') else { continue };
        let path = &line[start + 1..start + 1 + len];
        found.push(if is_import { resolve(name, path) } else { join(name, path) });
    }
    found
}

/// Adds every file the sources import or use as a template, transitively: standard
/// modules from the binary, others through `read` (given a source name, it returns the
/// text, or `None` when there is no such file). Returns the names that could not be read.
pub fn load_dependencies(sources: &mut Sources, read: &mut dyn FnMut(&str) -> Option<String>) -> Vec<String> {
    let mut missing = Vec::new();
    let mut next = 0;
    while next < sources.len() {
        let file = sources.get(crate::FileId(next as u32)).clone();
        next += 1;
        if !file.name.ends_with(".mesh") {
            continue;
        }
        for dependency in dependencies(&file.name, &file.text) {
            if sources.find(&dependency).is_some() || missing.contains(&dependency) {
                continue;
            }
            let text = match STDLIB.iter().find(|(name, _)| *name == dependency) {
                Some((_, text)) => Some(text.to_string()),
                None if dependency.starts_with("std/") => None,
                None => read(&dependency),
            };
            match text {
                Some(text) => {
                    sources.add(dependency, text);
                }
                None => missing.push(dependency),
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_paths_resolve_against_the_importer() {
        assert_eq!(resolve("mesh.mesh", "std/resilience"), "std/resilience.mesh");
        assert_eq!(resolve("a/b.mesh", "./c.mesh"), "a/c.mesh");
        assert_eq!(resolve("a/b.mesh", "../shared/c.mesh"), "shared/c.mesh");
        assert_eq!(resolve("b.mesh", "../../shared/c.mesh"), "../../shared/c.mesh");
        assert_eq!(resolve("x/y/b.mesh", "../../../c.mesh"), "../c.mesh");
    }

    #[test]
    fn aliases_come_from_the_last_segment() {
        assert_eq!(default_alias("std/resilience"), "resilience");
        assert_eq!(default_alias("../shared/team.conventions.mesh"), "team_conventions");
    }

    #[test]
    fn dependencies_are_loaded_transitively_once() {
        let mut sources = Sources::new();
        sources.add("main.mesh", "import \"lib/a.mesh\"\nimport \"std/resilience\"\ntemplate t \"t.yaml\"\n");
        let mut reads = Vec::new();
        let missing = load_dependencies(&mut sources, &mut |name| {
            reads.push(name.to_string());
            match name {
                "lib/a.mesh" => Some("import \"b.mesh\"\nimport \"../main.mesh\"\n".to_string()),
                "lib/b.mesh" => Some(String::new()),
                _ => None,
            }
        });
        assert_eq!(missing, vec!["t.yaml".to_string()]);
        assert_eq!(reads, vec!["lib/a.mesh", "t.yaml", "lib/b.mesh"]);
        assert!(sources.find("std/resilience.mesh").is_some());
        assert_eq!(sources.len(), 4);
    }

    #[test]
    fn the_standard_library_parses() {
        for (name, text) in STDLIB {
            let (_, errors) = meshc_syntax::parse(crate::FileId(0), text);
            assert!(errors.is_empty(), "{name}: {errors:?}");
        }
    }
}
