//! Which presets each file can name: its imports (qualified `alias.preset` or listed
//! names), and the presets declared in the program's own files (visible everywhere).
//! Also reports imports of missing files and import cycles.

use rustc_hash::FxHashMap;

use meshc_syntax::ast::{self, Item};
use meshc_syntax::{FileId, Span};

use crate::index::{DefKind, Index};
use crate::modules::{default_alias, resolve, STDLIB};
use crate::suggest::did_you_mean;
use crate::{Diagnostic, Sources};

#[derive(Default)]
pub struct Modules<'a> {
    /// Presets declared outside the standard library, by name.
    global: FxHashMap<&'a str, &'a ast::PresetDecl>,
    /// Presets by file.
    by_file: FxHashMap<FileId, FxHashMap<&'a str, &'a ast::PresetDecl>>,
    /// Per importing file: alias → imported file.
    aliases: FxHashMap<FileId, FxHashMap<String, FileId>>,
    /// Per importing file: names imported unqualified.
    names: FxHashMap<FileId, FxHashMap<String, &'a ast::PresetDecl>>,
}

impl<'a> Modules<'a> {
    pub fn resolve(
        sources: &Sources,
        files: &'a [(FileId, ast::File)],
        index: &mut Index,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut modules = Modules::default();
        for (file, tree) in files {
            let is_std = sources.get(*file).name.starts_with("std/");
            for item in &tree.items {
                if let Item::Preset(preset) = item {
                    let preset: &ast::PresetDecl = preset;
                    let local = modules.by_file.entry(*file).or_default();
                    if let Some(first) = local.get(preset.name.node.as_str()) {
                        diagnostics.push(duplicate(&preset.name, first.name.span));
                        continue;
                    }
                    local.insert(&preset.name.node, preset);
                    for param in &preset.params {
                        let Some(ty) = &param.ty else { continue };
                        if !super::environments::TYPES.contains(&ty.node.as_str()) {
                            let mut d = Diagnostic::error("E0203", ty.span, format!("unknown type `{}`", ty.node))
                                .with_span_label("not a value type")
                                .with_note(format!("types: {}", super::environments::TYPES.join(", ")));
                            if let Some(near) = did_you_mean(&ty.node, super::environments::TYPES.iter().copied()) {
                                d = d.with_suggestion(ty.span, near, format!("did you mean `{near}`?"));
                            }
                            diagnostics.push(d);
                        }
                    }
                    index.define(DefKind::Preset, &preset.name.node, None, preset.name.span, preset.span);
                    if is_std {
                        continue;
                    }
                    match modules.global.get(preset.name.node.as_str()) {
                        Some(first) => diagnostics.push(duplicate(&preset.name, first.name.span)),
                        None => {
                            modules.global.insert(&preset.name.node, preset);
                        }
                    }
                }
            }
        }
        let mut edges: FxHashMap<FileId, Vec<(FileId, Span)>> = FxHashMap::default();
        for (file, tree) in files {
            let importer = &sources.get(*file).name;
            for item in &tree.items {
                let Item::Import(import) = item else { continue };
                let target_name = resolve(importer, &import.path.node);
                let Some(target) = sources.find(&target_name) else {
                    diagnostics.push(missing_module(import, &target_name));
                    continue;
                };
                edges.entry(*file).or_default().push((target, import.span));
                if import.names.is_empty() {
                    let alias =
                        import.alias.as_ref().map_or_else(|| default_alias(&import.path.node), |a| a.node.clone());
                    modules.aliases.entry(*file).or_default().insert(alias, target);
                } else {
                    let exported = modules.by_file.get(&target).cloned().unwrap_or_default();
                    for name in &import.names {
                        match exported.get(name.node.as_str()) {
                            Some(preset) => {
                                index.add_reference(name.span, DefKind::Preset, &name.node, None);
                                modules.names.entry(*file).or_default().insert(name.node.clone(), preset);
                            }
                            None => {
                                let mut d = Diagnostic::error(
                                    "E0109",
                                    name.span,
                                    format!("`{}` has no preset `{}`", import.path.node, name.node),
                                )
                                .with_span_label("not declared there");
                                let candidates: Vec<&str> = exported.keys().copied().collect();
                                if let Some(near) = did_you_mean(&name.node, candidates.iter().copied()) {
                                    d = d.with_suggestion(name.span, near, format!("did you mean `{near}`?"));
                                } else if !candidates.is_empty() {
                                    let mut list = candidates;
                                    list.sort();
                                    d = d.with_note(format!("its presets: {}", list.join(", ")));
                                }
                                diagnostics.push(d);
                            }
                        }
                    }
                }
            }
        }
        report_cycles(sources, &edges, diagnostics);
        modules
    }

    /// The preset `name` (possibly `alias.preset`) as seen from `file`, or the names that
    /// file could have meant.
    pub fn lookup(&self, file: FileId, name: &str) -> Result<&'a ast::PresetDecl, Vec<String>> {
        let found = match name.split_once('.') {
            Some((alias, preset)) => self
                .aliases
                .get(&file)
                .and_then(|a| a.get(alias))
                .and_then(|target| self.by_file.get(target))
                .and_then(|presets| presets.get(preset))
                .copied(),
            None => self
                .names
                .get(&file)
                .and_then(|n| n.get(name))
                .copied()
                .or_else(|| self.global.get(name).copied())
                .or_else(|| self.by_file.get(&file).and_then(|p| p.get(name)).copied()),
        };
        found.ok_or_else(|| self.visible(file))
    }

    /// Every preset name `file` can use.
    fn visible(&self, file: FileId) -> Vec<String> {
        let mut names: Vec<String> = self.global.keys().map(|k| k.to_string()).collect();
        names.extend(self.names.get(&file).into_iter().flat_map(|n| n.keys().cloned()));
        for (alias, target) in self.aliases.get(&file).into_iter().flatten() {
            for preset in self.by_file.get(target).into_iter().flat_map(|p| p.keys()) {
                names.push(format!("{alias}.{preset}"));
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

fn duplicate(name: &ast::Name, first: Span) -> Diagnostic {
    Diagnostic::error("E0301", name.span, format!("preset `{}` is declared twice", name.node))
        .with_span_label("declared again here")
        .with_label(first, "first declared here")
}

fn missing_module(import: &ast::ImportDecl, target: &str) -> Diagnostic {
    let mut d = Diagnostic::error("E0111", import.path.span, format!("cannot find module `{}`", import.path.node))
        .with_span_label(format!("no file `{target}`"));
    if import.path.node.starts_with("std/") {
        let modules: Vec<&str> = STDLIB.iter().map(|(n, _)| n.trim_end_matches(".mesh")).collect();
        match did_you_mean(&import.path.node, modules.iter().copied()) {
            Some(near) => {
                d = d.with_suggestion(import.path.span, format!("\"{near}\""), format!("did you mean `{near}`?"))
            }
            None => d = d.with_note(format!("the standard library has: {}", modules.join(", "))),
        }
    } else if !target.ends_with(".mesh") {
        d = d.with_note("imports name `.mesh` files, relative to the importing file, or `std/<module>`");
    }
    d
}

/// The imports followed from one file: `(imported file, the import's span)`.
type ImportPath = Vec<(FileId, Span)>;

/// Reports each import that closes a cycle, with the other imports of the cycle as labels.
fn report_cycles(sources: &Sources, edges: &FxHashMap<FileId, Vec<(FileId, Span)>>, diagnostics: &mut Vec<Diagnostic>) {
    let mut files: Vec<FileId> = edges.keys().copied().collect();
    files.sort();
    let mut reported: Vec<Span> = Vec::new();
    for start in files {
        // Depth-first search for a path back to `start`.
        let mut stack: Vec<(FileId, usize, ImportPath)> = vec![(start, 0, Vec::new())];
        let mut visited: Vec<FileId> = Vec::new();
        while let Some((file, next, path)) = stack.pop() {
            let out = edges.get(&file).map(Vec::as_slice).unwrap_or_default();
            if next < out.len() {
                stack.push((file, next + 1, path.clone()));
                let (target, span) = out[next];
                let mut path = path;
                path.push((target, span));
                if target == start {
                    let (_, closing) = path[path.len() - 1];
                    if !path.iter().any(|(_, s)| reported.contains(s)) {
                        reported.push(closing);
                        let names: Vec<&str> = path.iter().map(|(f, _)| sources.get(*f).name.as_str()).collect();
                        let mut d = Diagnostic::error(
                            "E0112",
                            closing,
                            format!("import cycle: {} → {}", sources.get(start).name, names.join(" → ")),
                        )
                        .with_span_label("this import closes the cycle");
                        for (_, span) in &path[..path.len() - 1] {
                            d = d.with_label(*span, "imported here");
                        }
                        diagnostics.push(d.with_note(
                            "modules cannot import each other in a circle; move what both need into a third module",
                        ));
                    }
                } else if !visited.contains(&target) {
                    visited.push(target);
                    stack.push((target, 0, path));
                }
            }
        }
    }
}
