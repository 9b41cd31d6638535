//! Environments and their values: which values exist (`defaults`), what each environment
//! sets, and the scope one environment's pass evaluates `$name` and `${name}` in.

use rustc_hash::FxHashMap;

use meshc_syntax::ast::{self, Value, ValueKind};
use meshc_syntax::Span;

use super::Decls;
use crate::suggest::did_you_mean;
use crate::Diagnostic;

/// The values visible in one environment.
pub struct EnvScope<'a> {
    pub name: String,
    pub production: bool,
    /// The environment's own block, if it has one.
    pub decl: Option<&'a ast::EnvDecl>,
    pub values: FxHashMap<&'a str, &'a Value>,
}

/// The shape of a value, to compare an environment's value with its default.
pub(crate) fn shape(kind: &ValueKind) -> &'static str {
    match kind {
        ValueKind::Var(_) => "a reference",
        ValueKind::Rate(_) => "a rate",
        ValueKind::Duration(_) => "a duration",
        ValueKind::Percent(_) => "a percentage",
        ValueKind::Number(_) => "a number",
        ValueKind::Str(_) => "a string",
        ValueKind::Ident(_) => "a name",
    }
}

/// The shape a declared type name stands for.
fn type_shape(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "string" | "host" => "a string",
        "duration" => "a duration",
        "percent" => "a percentage",
        "int" | "number" => "a number",
        "rate" => "a rate",
        "mtls" | "name" | "bool" => "a name",
        _ => return None,
    })
}

pub(crate) const TYPES: &[&str] = &["string", "host", "duration", "percent", "int", "rate", "mtls", "name", "bool"];

/// Checks `defaults` and every `env` block once, and builds each environment's scope.
pub fn scopes<'a>(decls: &Decls<'a>, diagnostics: &mut Vec<Diagnostic>) -> Vec<EnvScope<'a>> {
    let declared: Vec<String> = decls.environment_names();
    let declared_in_header = decls.mesh.is_some_and(|m| !m.environments.is_empty());
    let mut shapes: FxHashMap<&str, (&'static str, Span)> = FxHashMap::default();

    for var in &decls.defaults {
        if let Some(ty) = &var.ty {
            match type_shape(&ty.node) {
                Some(s) => {
                    shapes.insert(&var.name.node, (s, var.name.span));
                }
                None => {
                    let mut d = Diagnostic::error("E0203", ty.span, format!("unknown type `{}`", ty.node))
                        .with_span_label("not a value type")
                        .with_note(format!("types: {}", TYPES.join(", ")));
                    if let Some(near) = did_you_mean(&ty.node, TYPES.iter().copied()) {
                        d = d.with_suggestion(ty.span, near, format!("did you mean `{near}`?"));
                    }
                    diagnostics.push(d);
                }
            }
        }
        if let Some(default) = &var.default {
            check_literal(default, diagnostics);
            let s = shape(&default.kind);
            match shapes.get(var.name.node.as_str()) {
                Some((declared, _)) if *declared != s => diagnostics.push(
                    Diagnostic::error(
                        "E0308",
                        default.span,
                        format!("`{}` is declared as {declared} but its default is {s}", var.name.node),
                    )
                    .with_span_label(format!("this is {s}")),
                ),
                Some(_) => {}
                None => {
                    shapes.insert(&var.name.node, (s, default.span));
                }
            }
        }
    }

    for env in &decls.envs {
        if declared_in_header && !declared.contains(&env.name.node) {
            let mut d = Diagnostic::error("E0107", env.name.span, format!("unknown environment `{}`", env.name.node))
                .with_span_label("not listed in the `mesh` declaration's `environments`");
            if let Some(near) = did_you_mean(&env.name.node, declared.iter().map(String::as_str)) {
                d = d.with_suggestion(env.name.span, near, format!("did you mean `{near}`?"));
            }
            if let Some(mesh) = decls.mesh {
                if let Some(first) = mesh.environments.first() {
                    d = d.with_label(
                        first.span.to(mesh.environments.last().map_or(first.span, |l| l.span)),
                        "environments are declared here",
                    );
                }
            }
            diagnostics.push(d);
        }
        let mut seen: FxHashMap<&str, Span> = FxHashMap::default();
        for set in &env.values {
            if let Some(first) = seen.insert(&set.name.node, set.name.span) {
                diagnostics.push(
                    Diagnostic::error(
                        "E0301",
                        set.name.span,
                        format!("`{}` is set twice in environment `{}`", set.name.node, env.name.node),
                    )
                    .with_span_label("set again here")
                    .with_label(first, "first set here"),
                );
            }
            check_literal(&set.value, diagnostics);
            match shapes.get(set.name.node.as_str()) {
                None => {
                    let mut d = Diagnostic::error(
                        "E0305",
                        set.name.span,
                        format!("environment `{}` overrides `{}`, which `defaults` does not declare", env.name.node, set.name.node),
                    )
                    .with_span_label("no such value")
                    .with_note("every environment value is declared once in `defaults`, with a default or a type: `name = value` or `name: type`");
                    if let Some(near) =
                        did_you_mean(&set.name.node, decls.defaults.iter().map(|v| v.name.node.as_str()))
                    {
                        d = d.with_suggestion(set.name.span, near, format!("did you mean `{near}`?"));
                    }
                    diagnostics.push(d);
                }
                Some((expected, at)) => {
                    let s = shape(&set.value.kind);
                    // A `$reference` is reported once, as E0309, not also as a type mismatch.
                    if *expected != s && !matches!(set.value.kind, ValueKind::Var(_)) {
                        diagnostics.push(
                            Diagnostic::error(
                                "E0308",
                                set.value.span,
                                format!(
                                    "`{}` is {expected} but environment `{}` sets {s}",
                                    set.name.node, env.name.node
                                ),
                            )
                            .with_span_label(format!("this is {s}"))
                            .with_label(*at, format!("declared as {expected} here")),
                        );
                    }
                }
            }
        }
    }

    declared
        .iter()
        .map(|name| {
            let decl = decls.envs.iter().copied().find(|e| &e.name.node == name);
            let mut values: FxHashMap<&str, &Value> = FxHashMap::default();
            for var in &decls.defaults {
                if let Some(default) = &var.default {
                    values.insert(&var.name.node, default);
                }
            }
            if let Some(decl) = decl {
                for set in &decl.values {
                    values.insert(&set.name.node, &set.value);
                }
            }
            for var in &decls.defaults {
                if !values.contains_key(var.name.node.as_str()) {
                    let (at, label) = match (decl, decls.mesh) {
                        (Some(d), _) => (d.name.span, format!("environment `{name}` sets no `{}`", var.name.node)),
                        (None, Some(m)) => {
                            let span = m.environments.iter().find(|e| &e.node == name).map_or(m.name.span, |e| e.span);
                            (span, format!("environment `{name}` has no block and `{}` has no default", var.name.node))
                        }
                        (None, None) => (var.name.span, "no environment sets it".to_string()),
                    };
                    diagnostics.push(
                        Diagnostic::error(
                            "E0304",
                            at,
                            format!("environment `{name}` lacks a value for `{}`", var.name.node),
                        )
                        .with_span_label(label)
                        .with_label(var.name.span, "declared here without a default"),
                    );
                }
            }
            EnvScope { name: name.clone(), production: decl.is_some_and(|d| d.production), decl, values }
        })
        .collect()
}

/// Environment values are literals: they cannot refer to other values.
fn check_literal(value: &Value, diagnostics: &mut Vec<Diagnostic>) {
    let refers = match &value.kind {
        ValueKind::Var(_) => true,
        ValueKind::Str(s) => s.parts.iter().any(
            |p| matches!(p, ast::StrPart::Interp(n) if n.node != "env" && n.node != "namespace" && n.node != "mesh"),
        ),
        _ => false,
    };
    if refers {
        diagnostics.push(
            Diagnostic::error("E0309", value.span, "environment values cannot refer to other values")
                .with_span_label("a reference to another value")
                .with_note("only `${env}`, `${namespace}` and `${mesh}` may appear inside an environment value"),
        );
    }
}
