//! Telemetry: tracing providers and sampling, custom tags, metrics and access logs.

use meshc_syntax::ast::{self, TagValue};

use super::Checker;
use crate::index::DefKind;
use crate::model::{self, ProviderKind};
use crate::Diagnostic;

impl<'a> Checker<'a> {
    pub(crate) fn telemetry(&mut self, decl: &'a ast::TelemetryDecl) -> Option<model::Telemetry> {
        let workload = match &decl.target {
            Some(t) => Some(self.workload_ref(t)?.0),
            None => None,
        };
        if decl.target.is_none() {
            if let Some(first) = self.decls.telemetry.iter().find(|t| t.target.is_none()) {
                if first.span != decl.span {
                    self.report(
                        Diagnostic::error(
                            "E0301",
                            decl.span.to(decl.span),
                            "the namespace has two telemetry blocks without a target",
                        )
                        .with_span_label("second one")
                        .with_label(first.span, "first one")
                        .with_note("Istio applies only one namespace-wide Telemetry; merge them"),
                    );
                    return None;
                }
            }
        }
        let presets = self.expand(&decl.uses, &[ast::StatementFamily::Telemetry], "a telemetry block");
        let merged;
        let decl: &ast::TelemetryDecl = if presets.is_empty() {
            decl
        } else {
            let mut m = decl.clone();
            for body in &presets {
                m.tracing.extend(body.tracing.iter().cloned());
                m.tags.extend(body.tags.iter().cloned());
                m.metrics.extend(body.metrics.iter().cloned());
                m.access_logs.extend(body.access_logs.iter().cloned());
            }
            merged = m;
            &merged
        };
        let mut tracing = Vec::new();
        for t in &decl.tracing {
            if self.provider_ref(
                &t.provider,
                &[ProviderKind::Zipkin, ProviderKind::Opentelemetry, ProviderKind::Skywalking, ProviderKind::Datadog],
                "tracing",
                &[],
            ) {
                let sampling = t.sampling.as_ref().and_then(|s| self.percent(s));
                tracing.push((t.provider.node.clone(), sampling));
            }
        }
        if decl.tracing.len() > 1 {
            self.report(
                Diagnostic::warning("W0203", decl.tracing[1].span, "Istio supports one tracing provider per workload")
                    .with_span_label("this provider would be ignored")
                    .with_label(decl.tracing[0].span, "the first provider"),
            );
            tracing.truncate(1);
        }
        let mut tags = Vec::new();
        for tag in &decl.tags {
            let value = match &tag.value {
                TagValue::Literal(v) => self.line_string(v, "a tag value").map(model::TagValue::Literal),
                TagValue::Header { name, default } => {
                    let default = default.as_ref().and_then(|d| self.string(d));
                    self.header_name(name, false).map(|name| model::TagValue::Header { name, default })
                }
                TagValue::Environment { name, default } => {
                    let default = default.as_ref().and_then(|d| self.string(d));
                    self.string(name).map(|name| model::TagValue::Environment { name, default })
                }
            };
            if let Some(v) = value {
                tags.push((tag.name.node.clone(), v));
            }
        }
        if !decl.tags.is_empty() && decl.tracing.is_empty() {
            self.report(
                Diagnostic::error("E0307", decl.tags[0].span, "custom tags need a `tracing` line")
                    .with_span_label("tags are added to trace spans"),
            );
        }
        let mut metrics = Vec::new();
        for m in &decl.metrics {
            if self.provider_ref(m, &[ProviderKind::Prometheus], "metrics", &["prometheus"])
                && !metrics.contains(&m.node)
            {
                metrics.push(m.node.clone());
            }
        }
        let mut access_logs = Vec::new();
        for log in &decl.access_logs {
            if !self.provider_ref(
                &log.provider,
                &[ProviderKind::EnvoyFileAccessLog, ProviderKind::Opentelemetry],
                "access log",
                &["envoy"],
            ) {
                continue;
            }
            let filter = match &log.filter {
                Some(f) => {
                    let Some(text) = self.string(f) else { continue };
                    if let Err(why) = check_cel(&text) {
                        self.report(
                            Diagnostic::error("E0212", f.span, "invalid access-log filter")
                                .with_span_label(why)
                                .with_note(
                                    "filters are CEL expressions over Envoy attributes, e.g. `response.code >= 400`",
                                ),
                        );
                        continue;
                    }
                    Some(text)
                }
                None => None,
            };
            access_logs.push((log.provider.node.clone(), filter));
        }
        let name = decl.target.as_ref().map_or_else(|| "default".to_string(), |t| t.node.clone());
        Some(model::Telemetry { name, workload, tracing, tags, metrics, access_logs, origin: self.origin(decl.span) })
    }

    /// Whether `name` is a built-in provider or a declared one of a fitting kind.
    fn provider_ref(&mut self, name: &ast::Name, kinds: &[ProviderKind], what: &str, builtins: &[&str]) -> bool {
        if builtins.contains(&name.node.as_str()) && self.decls.provider(&name.node).is_none() {
            return true;
        }
        match self.decls.provider(&name.node) {
            Some(p) => {
                self.record_ref(name.span, DefKind::Provider, &name.node, None);
                let fits = match p.kind.node.as_str() {
                    "zipkin" => kinds.contains(&ProviderKind::Zipkin),
                    "opentelemetry" => kinds.contains(&ProviderKind::Opentelemetry),
                    "skywalking" => kinds.contains(&ProviderKind::Skywalking),
                    "datadog" => kinds.contains(&ProviderKind::Datadog),
                    "prometheus" => kinds.contains(&ProviderKind::Prometheus),
                    "envoy_file_access_log" => kinds.contains(&ProviderKind::EnvoyFileAccessLog),
                    _ => true,
                };
                if !fits {
                    self.report(
                        Diagnostic::error(
                            "E0106",
                            name.span,
                            format!("provider `{}` is a `{}` provider, not a {what} provider", name.node, p.kind.node),
                        )
                        .with_span_label("wrong kind of provider")
                        .with_label(p.kind.span, "its kind"),
                    );
                }
                fits
            }
            None => {
                let mut candidates: Vec<&str> = self.decls.providers.iter().map(|p| p.name.node.as_str()).collect();
                candidates.extend(builtins.iter().copied());
                self.unknown("E0106", &format!("{what} provider"), name, candidates);
                false
            }
        }
    }
}

/// A light CEL syntax check: balanced brackets and quotes, no empty expression.
pub(crate) fn check_cel(expr: &str) -> Result<(), String> {
    if expr.trim().is_empty() {
        return Err("the expression is empty".into());
    }
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in expr.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return Err(format!("unbalanced `{c}`"));
                }
            }
            _ => {}
        }
    }
    if quote.is_some() {
        return Err("unterminated string".into());
    }
    if let Some(open) = stack.pop() {
        return Err(format!("unclosed `{open}`"));
    }
    let trimmed = expr.trim_end();
    if trimmed.ends_with("&&") || trimmed.ends_with("||") || trimmed.ends_with('!') || trimmed.ends_with("==") {
        return Err("the expression ends with an operator".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_cel;

    #[test]
    fn cel_balance_is_checked() {
        assert!(check_cel("response.code >= 400").is_ok());
        assert!(check_cel("request.headers['x'] == 'a)'").is_ok());
        assert!(check_cel("(a && b").is_err());
        assert!(check_cel("a &&").is_err());
        assert!(check_cel("'open").is_err());
        assert!(check_cel("  ").is_err());
    }
}
