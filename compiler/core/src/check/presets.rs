//! Presets: `use NAME(args)` splices a preset's statements into the declaration it stands
//! in, with the arguments substituted for `$param` (and `${param}` in strings). Arguments
//! keep their own spans, so a wrong argument is reported where it was written; the rest of
//! the body keeps the preset's spans, so errors inside a preset point into its module.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use meshc_syntax::ast::*;
use meshc_syntax::Spanned;

use super::environments::shape;
use super::Checker;
use crate::index::DefKind;
use crate::suggest::did_you_mean;
use crate::Diagnostic;

/// Parameter name → the value it stands for.
type Bindings = FxHashMap<String, Value>;

/// How deep presets may use presets before it is surely a cycle.
const MAX_DEPTH: usize = 16;

impl<'a> Checker<'a> {
    /// The bodies of `uses`, arguments substituted and nested uses expanded, in order.
    /// Statements of a family the context does not take are reported at the `use`.
    pub(crate) fn expand(&mut self, uses: &[UseDecl], allowed: &[StatementFamily], context: &str) -> Vec<PresetBody> {
        let mut out = Vec::new();
        for u in uses {
            self.expand_one(u, allowed, context, &mut Vec::new(), &mut out);
        }
        out
    }

    fn expand_one(
        &mut self,
        u: &UseDecl,
        allowed: &[StatementFamily],
        context: &str,
        stack: &mut Vec<String>,
        out: &mut Vec<PresetBody>,
    ) {
        let preset = match self.modules.lookup(u.preset.span.file, &u.preset.node) {
            Ok(p) => p,
            Err(candidates) => {
                let mut d = Diagnostic::error("E0109", u.preset.span, format!("unknown preset `{}`", u.preset.node))
                    .with_span_label("no preset of this name here");
                match did_you_mean(&u.preset.node, candidates.iter().map(String::as_str)) {
                    Some(near) => d = d.with_suggestion(u.preset.span, near, format!("did you mean `{near}`?")),
                    None if candidates.is_empty() => {
                        d = d.with_note(
                            "no preset is visible here; `import \"std/resilience\"` brings the standard ones",
                        )
                    }
                    None => d = d.with_note(format!("visible presets: {}", candidates.join(", "))),
                }
                self.report(d);
                return;
            }
        };
        let short = preset.name.node.as_str();
        self.record_ref(u.preset.span, DefKind::Preset, short, None);
        let identity = format!("{:?}:{}", preset.span.file, short);
        if stack.contains(&identity) || stack.len() >= MAX_DEPTH {
            self.report(
                Diagnostic::error("E0112", u.span, format!("preset `{short}` uses itself"))
                    .with_span_label("this use starts the cycle again")
                    .with_label(preset.name.span, "the preset"),
            );
            return;
        }
        let Some(bindings) = self.bind(u, preset) else { return };
        if self.expanded.insert((preset.span, u.span)) {
            self.expansions.push((preset.span, u.span));
        }
        let body = substitute_body(&preset.body, &bindings);
        for (family, span) in &body.statements {
            if !allowed.contains(family) {
                self.report(
                    Diagnostic::error(
                        "E0307",
                        u.preset.span,
                        format!("preset `{short}` sets a {} that {context} cannot take", family.describe()),
                    )
                    .with_span_label(format!("used in {context} here"))
                    .with_label(*span, "this statement of the preset"),
                );
            }
        }
        stack.push(identity);
        for nested in &body.uses {
            self.expand_one(nested, allowed, context, stack, out);
        }
        stack.pop();
        out.push(body);
    }

    /// Matches arguments to parameters: positional first, then by name; defaults fill the rest.
    fn bind(&mut self, u: &UseDecl, preset: &PresetDecl) -> Option<Bindings> {
        let mut bindings = Bindings::default();
        // Parameters given an argument, even a wrong one: not also reported as missing.
        let mut given: Vec<&str> = Vec::new();
        let mut ok = true;
        let mut positional = true;
        for (i, arg) in u.args.iter().enumerate() {
            let param = match &arg.name {
                None if !positional => {
                    self.report(
                        Diagnostic::error("E0113", arg.value.span, "a positional argument after a named one")
                            .with_span_label("name this argument too"),
                    );
                    ok = false;
                    continue;
                }
                None => match preset.params.get(i) {
                    Some(p) => p,
                    None => {
                        self.report(
                            Diagnostic::error(
                                "E0113",
                                arg.value.span,
                                format!("preset `{}` takes {} arguments", preset.name.node, preset.params.len()),
                            )
                            .with_span_label("one too many")
                            .with_label(preset.name.span, "declared here"),
                        );
                        ok = false;
                        continue;
                    }
                },
                Some(name) => {
                    positional = false;
                    match preset.params.iter().find(|p| p.name.node == name.node) {
                        Some(p) => p,
                        None => {
                            let names: Vec<&str> = preset.params.iter().map(|p| p.name.node.as_str()).collect();
                            let mut d = Diagnostic::error(
                                "E0113",
                                name.span,
                                format!("preset `{}` has no parameter `{}`", preset.name.node, name.node),
                            )
                            .with_span_label("no such parameter");
                            match did_you_mean(&name.node, names.iter().copied()) {
                                Some(near) => d = d.with_suggestion(name.span, near, format!("did you mean `{near}`?")),
                                None => d = d.with_note(format!("its parameters: {}", names.join(", "))),
                            }
                            self.report(d);
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            if given.contains(&param.name.node.as_str()) {
                self.report(
                    Diagnostic::error("E0113", arg.value.span, format!("`{}` is given twice", param.name.node))
                        .with_span_label("given again here"),
                );
                ok = false;
                continue;
            }
            given.push(&param.name.node);
            if let Some(ty) = &param.ty {
                if !self.argument_fits(&arg.value, &ty.node) {
                    let found = shape(&arg.value.kind);
                    self.report(
                        Diagnostic::error(
                            "E0201",
                            arg.value.span,
                            format!("`{}` expects a {}, found {found}", param.name.node, ty.node),
                        )
                        .with_span_label(format!("this is {found}"))
                        .with_label(param.span, "the parameter"),
                    );
                    ok = false;
                    continue;
                }
            }
            bindings.insert(param.name.node.clone(), arg.value.clone());
        }
        for param in &preset.params {
            if given.contains(&param.name.node.as_str()) {
                continue;
            }
            match &param.default {
                Some(default) => {
                    bindings.insert(param.name.node.clone(), default.clone());
                }
                None => {
                    self.report(
                        Diagnostic::error(
                            "E0113",
                            u.span,
                            format!("preset `{}` needs a value for `{}`", preset.name.node, param.name.node),
                        )
                        .with_span_label(format!("add `{} = …`", param.name.node))
                        .with_label(param.span, "the parameter has no default"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(bindings)
    }

    /// Whether an argument has the declared type's shape; `$values` are checked where used.
    fn argument_fits(&self, value: &Value, ty: &str) -> bool {
        let expected = match ty {
            "string" | "host" => "a string",
            "duration" => "a duration",
            "percent" => "a percentage",
            "int" | "number" => "a number",
            "rate" => "a rate",
            _ => return true,
        };
        matches!(value.kind, ValueKind::Var(_)) || shape(&value.kind) == expected
    }
}

/// The source text a non-string value stands for inside `${…}`.
fn literal_text(value: &Value) -> Option<String> {
    Some(match &value.kind {
        ValueKind::Percent(p) => format!("{p}%"),
        ValueKind::Rate(t) | ValueKind::Duration(t) | ValueKind::Number(t) | ValueKind::Ident(t) => t.clone(),
        ValueKind::Str(_) | ValueKind::Var(_) => return None,
    })
}

fn value(v: &Value, b: &Bindings) -> Value {
    match &v.kind {
        ValueKind::Var(name) => b.get(name).cloned().unwrap_or_else(|| v.clone()),
        ValueKind::Str(s) => {
            let mut parts = Vec::new();
            for part in &s.parts {
                match part {
                    StrPart::Interp(name) if b.contains_key(&name.node) => {
                        let arg = &b[&name.node];
                        match (&arg.kind, literal_text(arg)) {
                            (ValueKind::Str(inner), _) => parts.extend(inner.parts.iter().cloned()),
                            (ValueKind::Var(var), _) => {
                                parts.push(StrPart::Interp(Spanned::new(var.clone(), arg.span)))
                            }
                            (_, Some(text)) => parts.push(StrPart::Text(text)),
                            (_, None) => parts.push(part.clone()),
                        }
                    }
                    other => parts.push(other.clone()),
                }
            }
            Value { kind: ValueKind::Str(StrLit { parts }), span: v.span }
        }
        _ => v.clone(),
    }
}

fn values(list: &[Value], b: &Bindings) -> Vec<Value> {
    list.iter().map(|v| value(v, b)).collect()
}

fn opt(v: &Option<Value>, b: &Bindings) -> Option<Value> {
    v.as_ref().map(|v| value(v, b))
}

fn settings(list: &[Setting], b: &Bindings) -> Vec<Setting> {
    list.iter().map(|s| Setting { key: s.key.clone(), value: value(&s.value, b) }).collect()
}

fn traffic_policy(p: &TrafficPolicyDecl, b: &Bindings) -> TrafficPolicyDecl {
    TrafficPolicyDecl {
        pool: settings(&p.pool, b),
        eject: settings(&p.eject, b),
        balance: p.balance.as_ref().map(|balance| match balance {
            Balance::Simple(n) => Balance::Simple(n.clone()),
            Balance::HashHeader(v, s) => Balance::HashHeader(value(v, b), *s),
            Balance::HashQuery(v, s) => Balance::HashQuery(value(v, b), *s),
            Balance::HashSourceIp(s) => Balance::HashSourceIp(*s),
            Balance::HashCookie { name, ttl, span } => {
                Balance::HashCookie { name: value(name, b), ttl: opt(ttl, b), span: *span }
            }
        }),
        warmup: opt(&p.warmup, b),
        tls: p.tls.as_ref().map(|t| TlsDecl { mode: t.mode.clone(), sni: opt(&t.sni, b), span: t.span }),
        duplicates: p.duplicates.clone(),
    }
}

fn destination(d: &Destination, b: &Bindings) -> Destination {
    Destination { weight: opt(&d.weight, b), ..d.clone() }
}

pub(crate) fn rule_option(o: &RuleOption, b: &Bindings) -> RuleOption {
    match o {
        RuleOption::Timeout(v, s) => RuleOption::Timeout(value(v, b), *s),
        RuleOption::Retry(r) => RuleOption::Retry(RetryDecl {
            attempts: opt(&r.attempts, b),
            per_try: opt(&r.per_try, b),
            on: r.on.clone(),
            span: r.span,
        }),
        RuleOption::Rewrite(r) => RuleOption::Rewrite(Rewrite {
            kind: match &r.kind {
                RewriteKind::Uri(v) => RewriteKind::Uri(value(v, b)),
                RewriteKind::Authority(v) => RewriteKind::Authority(value(v, b)),
                RewriteKind::Regex { pattern, replacement } => {
                    RewriteKind::Regex { pattern: value(pattern, b), replacement: value(replacement, b) }
                }
            },
            span: r.span,
        }),
        RuleOption::Fault(f) => RuleOption::Fault(Fault {
            kind: f.kind.clone(),
            value: value(&f.value, b),
            percent: value(&f.percent, b),
            span: f.span,
        }),
        RuleOption::Mirror(d, s) => RuleOption::Mirror(destination(d, b), *s),
        RuleOption::Cors(items, s) => {
            RuleOption::Cors(items.iter().map(|(k, v)| (k.clone(), values(v, b))).collect(), *s)
        }
        RuleOption::Headers(h) => RuleOption::Headers(HeaderEdit {
            side: h.side,
            op: match &h.op {
                HeaderOp::Set(k, v) => HeaderOp::Set(value(k, b), value(v, b)),
                HeaderOp::Add(k, v) => HeaderOp::Add(value(k, b), value(v, b)),
                HeaderOp::Remove(list) => HeaderOp::Remove(values(list, b)),
            },
            span: h.span,
        }),
    }
}

fn auth_rule(r: &AuthRule, b: &Bindings) -> AuthRule {
    AuthRule {
        action: r.action,
        from: r
            .from
            .iter()
            .map(|s| match s {
                Source::Jwt(v, span) => Source::Jwt(opt(v, b), *span),
                Source::Ip(v) => Source::Ip(value(v, b)),
                other => other.clone(),
            })
            .collect(),
        to: r.to.as_ref().map(|op| Operation { paths: values(&op.paths, b), ..op.clone() }),
        when: r
            .when
            .iter()
            .map(|w| WhenClause {
                key: match &w.key {
                    WhenKey::Header(v) => WhenKey::Header(value(v, b)),
                    WhenKey::Claim(v) => WhenKey::Claim(value(v, b)),
                    WhenKey::Raw(v) => WhenKey::Raw(value(v, b)),
                },
                test: match &w.test {
                    WhenTest::In(list) => WhenTest::In(values(list, b)),
                    WhenTest::NotIn(list) => WhenTest::NotIn(values(list, b)),
                    other => other.clone(),
                },
                span: w.span,
            })
            .collect(),
        span: r.span,
    }
}

fn substitute_body(body: &PresetBody, b: &Bindings) -> PresetBody {
    PresetBody {
        policy: traffic_policy(&body.policy, b),
        options: body.options.iter().map(|o| rule_option(o, b)).collect(),
        mtls: body
            .mtls
            .iter()
            .map(|m| MtlsDecl { port: opt(&m.port, b), mode: value(&m.mode, b), span: m.span })
            .collect(),
        default_deny: body.default_deny,
        rules: body.rules.iter().map(|r| auth_rule(r, b)).collect(),
        local: body.local.as_ref().map(|l| LocalLimit {
            rate: value(&l.rate, b),
            burst: opt(&l.burst, b),
            span: l.span,
        }),
        global: body.global.as_ref().map(|g| GlobalLimit {
            domain: opt(&g.domain, b),
            timeout: opt(&g.timeout, b),
            descriptors: g
                .descriptors
                .iter()
                .map(|d| match d {
                    Descriptor::Header(v) => Descriptor::Header(value(v, b)),
                    other => other.clone(),
                })
                .collect(),
            ..g.clone()
        }),
        tracing: body.tracing.iter().map(|t| TracingDecl { sampling: opt(&t.sampling, b), ..t.clone() }).collect(),
        tags: body
            .tags
            .iter()
            .map(|t| TagDecl {
                value: match &t.value {
                    TagValue::Literal(v) => TagValue::Literal(value(v, b)),
                    TagValue::Header { name, default } => {
                        TagValue::Header { name: value(name, b), default: opt(default, b) }
                    }
                    TagValue::Environment { name, default } => {
                        TagValue::Environment { name: value(name, b), default: opt(default, b) }
                    }
                },
                ..t.clone()
            })
            .collect(),
        metrics: body.metrics.clone(),
        access_logs: body
            .access_logs
            .iter()
            .map(|l| AccessLogDecl { filter: opt(&l.filter, b), ..l.clone() })
            .collect(),
        uses: body
            .uses
            .iter()
            .map(|u| UseDecl {
                args: u.args.iter().map(|a| Arg { name: a.name.clone(), value: value(&a.value, b) }).collect(),
                ..u.clone()
            })
            .collect(),
        statements: body.statements.clone(),
        repeated: body.repeated.clone(),
    }
}

/// A preset's traffic policy under the declaration's own: the declaration's settings win.
pub(crate) fn merge_policy<'d>(own: &'d TrafficPolicyDecl, presets: &[PresetBody]) -> Cow<'d, TrafficPolicyDecl> {
    // Most declarations use no preset: then there is nothing to merge, and nothing to copy.
    if presets.is_empty() {
        return Cow::Borrowed(own);
    }
    let mut merged = own.clone();
    for body in presets.iter().rev() {
        let p = &body.policy;
        for setting in &p.pool {
            if !merged.pool.iter().any(|s| s.key.node == setting.key.node) {
                merged.pool.push(setting.clone());
            }
        }
        for setting in &p.eject {
            if !merged.eject.iter().any(|s| s.key.node == setting.key.node) {
                merged.eject.push(setting.clone());
            }
        }
        merged.balance = merged.balance.or_else(|| p.balance.clone());
        merged.warmup = merged.warmup.or_else(|| p.warmup.clone());
        merged.tls = merged.tls.or_else(|| p.tls.clone());
    }
    Cow::Owned(merged)
}

/// Route options from presets under the declaration's own: an option the declaration
/// sets itself (by kind: `timeout`, `retry`, …) replaces the preset's, and a later `use`
/// wins over an earlier one. Header edits add up, the declaration's applied last.
pub(crate) fn merge_options<'o>(own: &'o [RuleOption], presets: &[PresetBody]) -> Cow<'o, [RuleOption]> {
    let is_headers = |o: &RuleOption| super::routes::option_kind(o) == "headers";
    // Without presets the merge only moves header edits first; when they already are (or
    // there are none), the declaration's own list is the answer, uncopied.
    if presets.is_empty() && own.iter().skip_while(|o| is_headers(o)).all(|o| !is_headers(o)) {
        return Cow::Borrowed(own);
    }
    let mut headers: Vec<RuleOption> = presets
        .iter()
        .flat_map(|body| body.options.iter())
        .filter(|o| super::routes::option_kind(o) == "headers")
        .cloned()
        .collect();
    let mut merged: Vec<RuleOption> =
        own.iter().filter(|o| super::routes::option_kind(o) != "headers").cloned().collect();
    for body in presets.iter().rev() {
        for option in &body.options {
            let kind = super::routes::option_kind(option);
            if kind != "headers" && !merged.iter().any(|o| super::routes::option_kind(o) == kind) {
                merged.push(option.clone());
            }
        }
    }
    headers.extend(own.iter().filter(|o| super::routes::option_kind(o) == "headers").cloned());
    headers.extend(merged);
    Cow::Owned(headers)
}
