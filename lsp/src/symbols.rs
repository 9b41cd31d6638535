//! The outline of a file (from its syntax tree) and workspace symbol search (from the
//! index of every project).

use meshc_core::ast::{self, Item};
use meshc_core::{DefKind, FileId, Span};
use tower_lsp_server::ls_types::{DocumentSymbol, Location, SymbolInformation, SymbolKind};

use crate::snapshot::Snapshot;

pub fn kind_of(kind: DefKind) -> SymbolKind {
    match kind {
        DefKind::Environment => SymbolKind::NAMESPACE,
        DefKind::Value => SymbolKind::VARIABLE,
        DefKind::Provider => SymbolKind::FUNCTION,
        DefKind::Service => SymbolKind::CLASS,
        DefKind::External => SymbolKind::INTERFACE,
        DefKind::Version => SymbolKind::ENUM_MEMBER,
        DefKind::Port => SymbolKind::PROPERTY,
        DefKind::Account => SymbolKind::KEY,
        DefKind::Gateway => SymbolKind::STRUCT,
        DefKind::Route => SymbolKind::EVENT,
        DefKind::Jwt => SymbolKind::OBJECT,
        DefKind::Preset => SymbolKind::FUNCTION,
        DefKind::Template => SymbolKind::FILE,
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the LSP struct
fn symbol(
    snapshot: &Snapshot,
    name: String,
    detail: &str,
    kind: SymbolKind,
    full: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let range = snapshot.range(full);
    // The selection must lie inside the range; a synthetic name (`policy namespace`) uses it.
    let selection = if selection.start >= full.start && selection.end <= full.end { selection } else { full };
    DocumentSymbol {
        name: if name.is_empty() { detail.to_string() } else { name },
        detail: Some(detail.to_string()),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: snapshot.range(selection),
        children: (!children.is_empty()).then_some(children),
    }
}

fn names(snapshot: &Snapshot, list: &[ast::Name], detail: &str, kind: SymbolKind) -> Vec<DocumentSymbol> {
    list.iter().map(|n| symbol(snapshot, n.node.clone(), detail, kind, n.span, n.span, Vec::new())).collect()
}

fn ports(snapshot: &Snapshot, ports: &[ast::PortDecl]) -> Vec<DocumentSymbol> {
    ports
        .iter()
        .map(|p| {
            let detail = format!("port {}", snapshot.slice(p.number.span));
            symbol(snapshot, p.name.node.clone(), &detail, SymbolKind::PROPERTY, p.span, p.name.span, Vec::new())
        })
        .collect()
}

/// The outline of `file`: each declaration with its names inside (ports, versions, values).
pub fn document(snapshot: &Snapshot, file: FileId) -> Vec<DocumentSymbol> {
    let Some(tree) = snapshot.tree(file) else { return Vec::new() };
    tree.items.iter().map(|item| item_symbol(snapshot, item)).collect()
}

fn item_symbol(snapshot: &Snapshot, item: &Item) -> DocumentSymbol {
    let s = snapshot;
    match item {
        Item::Import(d) => {
            symbol(s, d.path.node.clone(), "import", SymbolKind::MODULE, d.span, d.path.span, Vec::new())
        }
        Item::Preset(d) => {
            symbol(s, d.name.node.clone(), "preset", SymbolKind::FUNCTION, d.span, d.name.span, Vec::new())
        }
        Item::Template(d) => {
            symbol(s, d.name.node.clone(), "template", SymbolKind::FILE, d.span, d.name.span, Vec::new())
        }
        Item::Mesh(d) => {
            let envs = names(s, &d.environments, "environment", SymbolKind::NAMESPACE);
            symbol(s, d.name.node.clone(), "mesh", SymbolKind::MODULE, d.span, d.name.span, envs)
        }
        Item::Defaults(d) => {
            let vars = d
                .vars
                .iter()
                .map(|v| symbol(s, v.name.node.clone(), "value", SymbolKind::VARIABLE, v.span, v.name.span, Vec::new()))
                .collect();
            symbol(s, "defaults".into(), "defaults", SymbolKind::NAMESPACE, d.span, d.span, vars)
        }
        Item::Env(d) => {
            let vars = d
                .values
                .iter()
                .map(|v| symbol(s, v.name.node.clone(), "value", SymbolKind::VARIABLE, v.span, v.name.span, Vec::new()))
                .collect();
            let detail = if d.production { "env (production)" } else { "env" };
            symbol(s, d.name.node.clone(), detail, SymbolKind::NAMESPACE, d.span, d.name.span, vars)
        }
        Item::Provider(d) => {
            let detail = format!("provider {}", d.kind.node);
            symbol(s, d.name.node.clone(), &detail, SymbolKind::FUNCTION, d.span, d.name.span, Vec::new())
        }
        Item::Service(d) => {
            let mut children = ports(s, &d.ports);
            children.extend(names(s, &d.versions, "version", SymbolKind::ENUM_MEMBER));
            symbol(s, d.name.node.clone(), "service", SymbolKind::CLASS, d.span, d.name.span, children)
        }
        Item::External(d) => {
            let children = ports(s, &d.ports);
            symbol(s, d.name.node.clone(), "external", SymbolKind::INTERFACE, d.span, d.name.span, children)
        }
        Item::Gateway(d) => {
            let detail = if d.egress { "egress gateway" } else { "gateway" };
            symbol(s, d.name.node.clone(), detail, SymbolKind::STRUCT, d.span, d.name.span, Vec::new())
        }
        Item::Route(d) => {
            let rules = d
                .rules
                .iter()
                .map(|r| {
                    let matcher = s.slice(r.match_span).split_whitespace().collect::<Vec<_>>().join(" ");
                    symbol(s, matcher, "rule", SymbolKind::FIELD, r.span, r.match_span, Vec::new())
                })
                .collect();
            symbol(s, d.name.node.clone(), "route", SymbolKind::EVENT, d.span, d.name.span, rules)
        }
        Item::Policy(d) => {
            let (name, selection) = match &d.target {
                ast::PolicyTarget::Namespace(span) => ("namespace".to_string(), *span),
                ast::PolicyTarget::Mesh(span) => ("mesh".to_string(), *span),
                ast::PolicyTarget::Workload(n) => (n.node.clone(), n.span),
            };
            symbol(s, name, "policy", SymbolKind::OBJECT, d.span, selection, Vec::new())
        }
        Item::Jwt(d) => symbol(s, d.name.node.clone(), "jwt", SymbolKind::OBJECT, d.span, d.name.span, Vec::new()),
        Item::Limit(d) => {
            symbol(s, d.target.node.clone(), "limit", SymbolKind::OBJECT, d.span, d.target.span, Vec::new())
        }
        Item::Sidecar(d) => {
            symbol(s, d.target.node.clone(), "sidecar", SymbolKind::OBJECT, d.span, d.target.span, Vec::new())
        }
        Item::Telemetry(d) => {
            let (name, selection) =
                d.target.as_ref().map_or(("mesh-wide".to_string(), d.span), |t| (t.node.clone(), t.span));
            symbol(s, name, "telemetry", SymbolKind::OBJECT, d.span, selection, Vec::new())
        }
    }
}

/// Whether `query`'s characters appear in `name` in order, ignoring case (what editors
/// expect of symbol search: `chk` finds `checkout`).
pub fn fuzzy_match(query: &str, name: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    query.chars().flat_map(char::to_lowercase).all(|q| name.any(|n| n == q))
}

/// Definitions of the snapshot matching `query`.
#[allow(deprecated)] // `deprecated` is a required field of the LSP struct
pub fn workspace(snapshot: &Snapshot, query: &str, out: &mut Vec<SymbolInformation>) {
    for d in &snapshot.analysis.index.definitions {
        if !fuzzy_match(query, &d.name) {
            continue;
        }
        let Some(uri) = snapshot.uri(d.span.file) else { continue };
        out.push(SymbolInformation {
            name: d.name.clone(),
            kind: kind_of(d.kind),
            tags: None,
            deprecated: None,
            location: Location::new(uri.clone(), snapshot.range(d.span)),
            container_name: Some(match &d.container {
                Some(owner) => format!("{} of {owner}", d.kind.describe()),
                None => d.kind.describe().to_string(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::fuzzy_match;

    #[test]
    fn fuzzy() {
        assert!(fuzzy_match("chk", "checkout"));
        assert!(fuzzy_match("", "anything"));
        assert!(fuzzy_match("CO", "checkout"));
        assert!(!fuzzy_match("xyz", "checkout"));
    }
}
