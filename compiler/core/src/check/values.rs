//! Evaluating values in one environment: `$name` substitution, `${name}` interpolation,
//! and the type, unit and range of every literal.

use meshc_syntax::ast::{StrPart, Value, ValueKind};
use meshc_syntax::Span;

use super::environments::shape;
use super::Checker;
use crate::index::DefKind;
use crate::suggest::did_you_mean;
use crate::units::{self, Duration, Rate};
use crate::Diagnostic;

/// Names always available inside `${…}`.
const BUILTINS: &[&str] = &["env", "namespace", "mesh"];

impl<'a> Checker<'a> {
    /// Follows `$name` to the environment's value; `via` is the span of the use.
    fn resolve<'v>(&mut self, value: &'v Value) -> Option<(&'v Value, Option<Span>)>
    where
        'a: 'v,
    {
        match &value.kind {
            ValueKind::Var(name) => {
                let found: Option<&'a Value> = self.env.values.get(name.as_str()).copied();
                match found {
                    Some(v) => {
                        self.record_ref(value.span, DefKind::Value, name, None);
                        Some((v, Some(value.span)))
                    }
                    None => {
                        self.unknown_value(name, value.span);
                        None
                    }
                }
            }
            _ => Some((value, None)),
        }
    }

    fn unknown_value(&mut self, name: &str, span: Span) {
        if self.decls.defaults.iter().any(|v| v.name.node == name) {
            // Declared without a default and missing here: E0304 already says so.
            return;
        }
        let mut d = Diagnostic::error("E0105", span, format!("unknown value `{name}`"))
            .with_span_label("no environment value of this name")
            .with_note("environment values are declared in `defaults` and set per `env`");
        if let Some(near) = did_you_mean(name, self.decls.defaults.iter().map(|v| v.name.node.as_str())) {
            let prefix = if self.sources.get(span.file).text.get(span.range()).is_some_and(|t| t.starts_with('$')) {
                "$"
            } else {
                ""
            };
            d = d.with_suggestion(span, format!("{prefix}{near}"), format!("did you mean `{near}`?"));
        }
        self.report(d);
    }

    fn mismatch(&mut self, expected: &str, found: &Value, via: Option<Span>) {
        let found_shape = shape(&found.kind);
        let span = via.unwrap_or(found.span);
        let mut d = Diagnostic::error("E0201", span, format!("expected {expected}, found {found_shape}"))
            .with_span_label(format!("this is {found_shape}"));
        if let Some(use_site) = via {
            d = d.with_label(found.span, format!("the value in environment `{}`", self.env.name));
            let _ = use_site;
        }
        if let ValueKind::Ident(word) = &found.kind {
            if expected.contains("string") || expected.contains("host") {
                d = d.with_suggestion(found.span, format!("\"{word}\""), "strings are written in double quotes");
            }
        }
        self.report(d);
    }

    fn invalid(&mut self, code: &'static str, found: &Value, via: Option<Span>, message: String, label: &str) {
        let mut d = Diagnostic::error(code, via.unwrap_or(found.span), message).with_span_label(label.to_string());
        if via.is_some() {
            d = d.with_label(found.span, format!("the value in environment `{}`", self.env.name));
        }
        self.report(d);
    }

    pub(crate) fn duration(&mut self, value: &Value) -> Option<Duration> {
        let (v, via) = self.resolve(value)?;
        match &v.kind {
            ValueKind::Duration(text) => match units::parse_duration(text) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.invalid("E0204", v, via, format!("invalid duration `{text}`"), &e.to_string());
                    None
                }
            },
            ValueKind::Number(n) => {
                let mut d = Diagnostic::error("E0201", via.unwrap_or(v.span), "expected a duration, found a number")
                    .with_span_label("a number without a unit");
                if via.is_none() {
                    d = d.with_suggestion(v.span, format!("{n}s"), format!("write a unit, e.g. `{n}s` or `{n}ms`"));
                }
                self.report(d);
                None
            }
            _ => {
                self.mismatch("a duration", v, via);
                None
            }
        }
    }

    pub(crate) fn percent(&mut self, value: &Value) -> Option<f64> {
        let (v, via) = self.resolve(value)?;
        match &v.kind {
            ValueKind::Percent(text) => match units::parse_percent(text) {
                Ok(p) => Some(p),
                Err(e) => {
                    self.invalid("E0202", v, via, format!("percentage out of range: `{text}%`"), &e);
                    None
                }
            },
            ValueKind::Number(n) => {
                let mut d = Diagnostic::error("E0201", via.unwrap_or(v.span), "expected a percentage, found a number")
                    .with_span_label("percentages are written with `%`");
                if via.is_none() {
                    d = d.with_suggestion(v.span, format!("{n}%"), format!("write `{n}%`"));
                }
                self.report(d);
                None
            }
            _ => {
                self.mismatch("a percentage", v, via);
                None
            }
        }
    }

    /// A percentage that must be a whole number (weights, ejection percentages).
    pub(crate) fn whole_percent(&mut self, value: &Value) -> Option<u64> {
        let p = self.percent(value)?;
        if p.fract() != 0.0 {
            self.report(
                Diagnostic::error("E0202", value.span, format!("expected a whole percentage, found `{p}%`"))
                    .with_span_label("Istio takes whole numbers here"),
            );
            return None;
        }
        Some(p as u64)
    }

    pub(crate) fn int(&mut self, value: &Value, min: u64, max: u64, what: &str) -> Option<u64> {
        let (v, via) = self.resolve(value)?;
        match &v.kind {
            ValueKind::Number(text) => match units::parse_int(text, min, max) {
                Ok(n) => Some(n),
                Err(e) => {
                    self.invalid("E0202", v, via, format!("{what} out of range"), &e);
                    None
                }
            },
            _ => {
                self.mismatch(&format!("a number ({what})"), v, via);
                None
            }
        }
    }

    pub(crate) fn port_number(&mut self, value: &Value) -> Option<u32> {
        self.int(value, 1, 65535, "port number").map(|n| n as u32)
    }

    pub(crate) fn rate(&mut self, value: &Value) -> Option<Rate> {
        let (v, via) = self.resolve(value)?;
        match &v.kind {
            ValueKind::Rate(text) => match units::parse_rate(text) {
                Ok(r) => Some(r),
                Err(e) => {
                    self.invalid("E0202", v, via, format!("invalid rate `{text}`"), &e);
                    None
                }
            },
            _ => {
                self.mismatch("a rate like `100/1s`", v, via);
                None
            }
        }
    }

    /// A string literal with `${…}` interpolated.
    pub(crate) fn string(&mut self, value: &Value) -> Option<String> {
        let (v, via) = self.resolve(value)?;
        match &v.kind {
            ValueKind::Str(s) => {
                let mut out = String::new();
                let mut ok = true;
                for part in &s.parts {
                    match part {
                        StrPart::Text(t) => out.push_str(t),
                        StrPart::Interp(name) => match self.interpolate(&name.node, name.span, via.is_some()) {
                            Some(text) => out.push_str(&text),
                            None => ok = false,
                        },
                    }
                }
                ok.then_some(out)
            }
            _ => {
                self.mismatch("a string", v, via);
                None
            }
        }
    }

    fn interpolate(&mut self, name: &str, span: Span, inside_env_value: bool) -> Option<String> {
        match name {
            "env" => return Some(self.env.name.clone()),
            "namespace" => return Some(self.namespace.clone()),
            "mesh" => return Some(self.decls.mesh.map_or_else(|| "mesh".to_string(), |m| m.name.node.clone())),
            _ => {}
        }
        if inside_env_value {
            return None; // reported once by the environment checks (E0309)
        }
        let found: Option<&'a Value> = self.env.values.get(name).copied();
        let Some(v) = found else {
            let mut d = Diagnostic::error("E0105", span, format!("unknown value `{name}`"))
                .with_span_label("no environment value of this name");
            let candidates = self.decls.defaults.iter().map(|v| v.name.node.as_str()).chain(BUILTINS.iter().copied());
            if let Some(near) = did_you_mean(name, candidates) {
                d = d.with_suggestion(span, near, format!("did you mean `{near}`?"));
            }
            if !self.decls.defaults.iter().any(|v| v.name.node == name) {
                self.report(d);
            }
            return None;
        };
        self.record_ref(span, DefKind::Value, name, None);
        match &v.kind {
            // An environment value may only interpolate the built-ins (E0309 otherwise), so
            // this cannot recurse into another value.
            ValueKind::Str(s) => {
                let mut out = String::new();
                for part in &s.parts {
                    match part {
                        StrPart::Text(t) => out.push_str(t),
                        StrPart::Interp(inner) => out.push_str(&self.interpolate(&inner.node, inner.span, true)?),
                    }
                }
                Some(out)
            }
            ValueKind::Percent(p) => Some(format!("{p}%")),
            ValueKind::Rate(t) | ValueKind::Duration(t) | ValueKind::Number(t) | ValueKind::Ident(t) => Some(t.clone()),
            ValueKind::Var(_) => None,
        }
    }

    /// A string that must stay on one line (paths, match values, issuers, tags): a control
    /// character there is always a mistake, and would reach Envoy or the JWT check as is.
    pub(crate) fn line_string(&mut self, value: &Value, what: &str) -> Option<String> {
        let text = self.string(value)?;
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            self.report(
                Diagnostic::error(
                    "E0213",
                    value.span,
                    format!("{what} contains the control character U+{:04X}", c as u32),
                )
                .with_span_label("a control character (a newline, a tab, …)")
                .with_note("write the value on one line, without `\\n`, `\\t` or other escapes of control characters"),
            );
            return None;
        }
        Some(text)
    }

    /// A string that is a host name (or `*.wildcard`), lowercase as emitted.
    pub(crate) fn host_string(&mut self, value: &Value) -> Option<String> {
        let text = self.string(value)?;
        match check_host(&text) {
            Ok(()) => Some(text.to_ascii_lowercase()),
            Err(why) => {
                self.report(
                    Diagnostic::error("E0205", value.span, format!("invalid host `{text}`")).with_span_label(why),
                );
                None
            }
        }
    }

    /// A bare word from a fixed set, e.g. `least_request` or `strict`.
    pub(crate) fn word(&mut self, value: &Value, options: &[&'static str], what: &str) -> Option<&'static str> {
        let (v, via) = self.resolve(value)?;
        match &v.kind {
            ValueKind::Ident(word) => self.choose(word, v.span, via, options, what),
            _ => {
                self.mismatch(&format!("{what} ({})", options.join(", ")), v, via);
                None
            }
        }
    }

    /// Checks a name against a fixed set, with "did you mean".
    pub(crate) fn choose(
        &mut self,
        word: &str,
        span: Span,
        via: Option<Span>,
        options: &[&'static str],
        what: &str,
    ) -> Option<&'static str> {
        if let Some(found) = options.iter().find(|o| **o == word) {
            return Some(found);
        }
        let mut d = Diagnostic::error("E0203", via.unwrap_or(span), format!("`{word}` is not a valid {what}"))
            .with_span_label(format!("expected {what}"))
            .with_note(format!("valid: {}", options.join(", ")));
        if via.is_some() {
            d = d.with_label(span, format!("the value in environment `{}`", self.env.name));
        }
        if let Some(near) = did_you_mean(word, options.iter().copied()) {
            d = d.with_suggestion(span, near, format!("did you mean `{near}`?"));
        }
        self.report(d);
        None
    }

    pub(crate) fn boolean(&mut self, value: &Value) -> Option<bool> {
        self.word(value, &["true", "false"], "boolean").map(|w| w == "true")
    }
}

/// Istio's host rules: DNS labels, `*` only as the whole first label, no all-numeric TLD.
pub(crate) fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("a host cannot be empty".into());
    }
    if host.len() > 255 {
        return Err("longer than 255 characters".into());
    }
    if host == "*" {
        return Ok(());
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let labels: Vec<&str> = host.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if i == 0 && *label == "*" {
            continue;
        }
        if label.contains('*') {
            return Err("`*` may only be the whole first label, as in `*.example.com`".into());
        }
        if label.is_empty() {
            return Err("empty label (two dots, or a dot at an end)".into());
        }
        if label.len() > 63 {
            return Err("a label is longer than 63 characters".into());
        }
        if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
            return Err(format!("`{}` is not allowed in a host name", c.escape_default()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label cannot start or end with `-`".into());
        }
    }
    if labels.len() > 1 && labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
        return Err("the last label cannot be all digits".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_host;

    #[test]
    fn hosts_follow_istio_rules() {
        assert!(check_host("api.example.com").is_ok());
        assert!(check_host("*.example.com").is_ok());
        assert!(check_host("*").is_ok());
        assert!(check_host("10.0.0.1").is_ok());
        assert!(check_host("2001:db8::1").is_ok());
        assert!(check_host("*foo.com").is_err());
        assert!(check_host("a..b").is_err());
        assert!(check_host("a b.com").is_err());
        assert!(check_host("example.123").is_err());
        assert!(check_host("").is_err());
    }
}
