//! Objects kept as they were written: the language's escape hatch. Each one becomes a file
//! `unsupported/<kind>-<name>.yaml` holding the object's own text, and a declaration
//! `template <kind>-<name> "unsupported/<kind>-<name>.yaml"`, so that `meshc build` writes it
//! with the rest. A template is rendered by minijinja: text that minijinja would read as
//! its own syntax (`{{`, `{%`, `{#`) is wrapped in a `raw` block.

use std::collections::BTreeSet;

use meshc_core::Sources;

use crate::lift::{hosts, Cannot};
use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family};

/// One object kept as it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Verbatim {
    pub object: ObjId,
    /// Relative to the output directory: `unsupported/virtualservice-api.yaml`.
    pub path: String,
    pub text: String,
    /// The `template` declaration that makes `meshc build` write it; `None` when the object
    /// cannot pass through a template (it is then to be applied beside meshc's output).
    pub template: Option<String>,
    pub why: Cannot,
}

/// The files and template names of the objects kept verbatim, in object order. Objects in
/// `plain` are given no template.
pub fn files(
    sources: &Sources,
    objects: &[Object],
    kept: &std::collections::BTreeMap<ObjId, Cannot>,
    plain: &BTreeSet<ObjId>,
) -> Vec<Verbatim> {
    let mut paths: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for (&id, why) in kept {
        let object = &objects[id];
        let stem = hosts::name_for(&format!("{}-{}", object.kind.to_ascii_lowercase(), object.name));
        // Objects of one kind and name in several namespaces (or given twice) get distinct files.
        let ns = object.namespace.clone().unwrap_or_default();
        let mut name = stem.clone();
        let mut n = 1;
        while !paths.insert(name.clone()) {
            n += 1;
            name =
                if n == 2 && !ns.is_empty() { hosts::name_for(&format!("{stem}-{ns}")) } else { format!("{stem}-{n}") };
        }
        let source = sources.get(object.file);
        let (line, column) = sources.line_col(object.file, object.span.start as usize);
        // Its own text, comments and all, unless it carries what the API server set (a
        // `kubectl get` export): applying a `resourceVersion` back would conflict.
        let json = object.root.to_json();
        let stored = crate::compare::without_server_fields(&json);
        let text = || dedent(source.text.get(object.span.range()).unwrap_or_default().trim_end(), column - 1);
        let body = if stored == json {
            text()
        } else {
            meshc_istio::yaml::try_to_yaml(&stored).map_or_else(|_| text(), |yaml| yaml.trim_end().to_string())
        };
        let field = if why.path.is_empty() { String::new() } else { format!("`{}`: ", why.path) };
        let header = format!(
            "# Kept verbatim by `meshc import` (from {}:{line}): {field}{}\n",
            source.name,
            why.reason.replace('\n', " ")
        );
        let text = format!("{header}{body}\n");
        let template_syntax = ["{{", "{%", "{#"].iter().any(|s| text.contains(s));
        let (text, template) = if plain.contains(&id) || text.contains("endraw") {
            (text, None)
        } else if template_syntax {
            (format!("{{% raw %}}{text}{{% endraw %}}\n"), Some(name.clone()))
        } else {
            (text, Some(name.clone()))
        };
        out.push(Verbatim { object: id, path: format!("unsupported/{name}.yaml"), text, template, why: why.clone() });
    }
    out
}

/// The `template` declarations of the objects kept verbatim.
pub fn declarations(kept: &[Verbatim]) -> Vec<Decl> {
    let mut decls = Vec::new();
    for verbatim in kept {
        let Some(name) = &verbatim.template else { continue };
        let mut decl = Decl::new(Family::Template, format!("template {name} {}", program::string(&verbatim.path)));
        decl.objects = vec![verbatim.object];
        decl.comment =
            Some("kept as written: the language has no form for these (see the import's warnings)".to_string());
        decls.push(decl);
    }
    decls
}

/// The text of an object that starts at column `column` (an item of a `List`), moved to
/// column 0: its first line starts there already, the others lose that much indentation.
fn dedent(text: &str, column: usize) -> String {
    let mut lines = text.split('\n');
    let mut out = lines.next().unwrap_or_default().to_string();
    for line in lines {
        out.push('\n');
        let indent = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&line[indent.min(column)..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dedent;

    #[test]
    fn list_items_move_to_column_zero() {
        assert_eq!(dedent("kind: A\n  spec:\n    x: 1", 2), "kind: A\nspec:\n  x: 1");
        assert_eq!(dedent("kind: A\nspec: {}", 0), "kind: A\nspec: {}");
    }
}
