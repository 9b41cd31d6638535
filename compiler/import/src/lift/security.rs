//! PeerAuthentications and AuthorizationPolicies → `policy` blocks (mTLS modes, default
//! deny, allow/deny/audit rules with principals turned back into services), and
//! RequestAuthentications → `jwt` declarations, with the DENY policy of `require`.

use super::hosts;
use super::{cannot, strings, text, Cannot, Lift, ROOT_NAMESPACE};
use crate::objects::{ObjId, Object};
use crate::program::{self, Family};
use crate::yaml::Node;

/// A `jwt` declaration being gathered: RequestAuthentications with the same rule become
/// one declaration with several `on` targets.
#[derive(Debug, Clone)]
pub struct JwtBlock {
    pub name: String,
    pub targets: Vec<String>,
    pub body: Vec<String>,
    pub objects: Vec<ObjId>,
}

impl<'a> Lift<'a> {
    /// `namespace`, `mesh` or the selected service, and the namespace of the object.
    fn policy_target(&mut self, id: ObjId, object: &Object, spec: Option<&Node>) -> Result<(String, String), Cannot> {
        let namespace = self.ns(object);
        if let Some(spec) = spec {
            for key in ["targetRef", "targetRefs"] {
                if spec.get(key).is_some() {
                    return Err(cannot(
                        format!("spec.{key}"),
                        "policies attached with `targetRefs` have no .mesh form",
                    ));
                }
            }
        }
        let selector = spec.and_then(|s| s.get("selector")).and_then(|s| s.get("matchLabels"));
        if let Some(service) = self.selected_service(id, selector, "spec.selector.matchLabels", &namespace)? {
            return Ok((service, namespace));
        }
        if namespace == self.namespace {
            Ok(("namespace".to_string(), namespace))
        } else if namespace == ROOT_NAMESPACE {
            Ok(("mesh".to_string(), namespace))
        } else {
            Err(cannot(
                "metadata.namespace",
                format!(
                    "meshc writes namespace-wide policies in the mesh namespace `{}` or in `{ROOT_NAMESPACE}`",
                    self.namespace
                ),
            ))
        }
    }

    /// Records that `key` (a target and a kind of object) is taken; a second object for it
    /// cannot be expressed, since meshc writes one.
    fn claim_key(&mut self, key: String, path: &str, what: &str) -> Result<(), Cannot> {
        if !self.keys.insert(key) {
            return Err(cannot(path, format!("a second {what} for the same target; meshc writes one")));
        }
        Ok(())
    }

    pub(super) fn peer_authentication(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec();
        let (target, namespace) = self.policy_target(id, object, spec)?;
        self.claim_key(format!("pa {namespace} {target}"), "spec.selector", "PeerAuthentication")?;
        let mut lines = Vec::new();
        if let Some(mode) = spec.and_then(|s| s.get("mtls")).and_then(|m| text(m, "mode")) {
            lines.push(format!("mtls {}", mode.to_ascii_lowercase()));
        }
        for entry in spec.and_then(|s| s.get("portLevelMtls")).map(Node::entries).unwrap_or_default() {
            let mode = text(&entry.value, "mode").unwrap_or("UNSET");
            lines.push(format!("mtls port {} {}", entry.key, mode.to_ascii_lowercase()));
        }
        let name = if matches!(target.as_str(), "namespace" | "mesh") { "default".to_string() } else { target.clone() };
        self.writes_as(id, "PeerAuthentication", &namespace, &name);
        let block = self.block(Family::Policy, &format!("policy {target}"));
        block.body.extend(lines.into_iter().map(program::Stmt::line));
        block.objects.push(id);
        Ok(())
    }

    pub(super) fn authorization_policy(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        if self.claimed.contains(&id) {
            return Ok(());
        }
        let spec = object.spec();
        if spec.and_then(|s| s.get("provider")).is_some() {
            return Err(cannot("spec.provider", "CUSTOM authorization by an external provider has no .mesh form"));
        }
        let action = spec.and_then(|s| text(s, "action")).unwrap_or("ALLOW");
        let word = match action {
            "ALLOW" => "allow",
            "DENY" => "deny",
            "AUDIT" => "audit",
            other => return Err(cannot("spec.action", format!("action `{other}` has no .mesh form"))),
        };
        let (target, namespace) = self.policy_target(id, object, spec)?;
        let base = target.clone();
        let rules = spec.and_then(|s| s.get("rules")).map(Node::items).unwrap_or_default();
        let mut lines = Vec::new();
        let name = if rules.is_empty() {
            if word != "allow" {
                return Err(cannot(
                    "spec.rules",
                    format!("a {action} policy without rules matches nothing; it has no .mesh form"),
                ));
            }
            self.claim_key(format!("ap {namespace} {target} nothing"), "spec", "allow-nothing AuthorizationPolicy")?;
            lines.push("default deny".to_string());
            if matches!(target.as_str(), "namespace" | "mesh") {
                "allow-nothing".to_string()
            } else {
                format!("{target}-allow-nothing")
            }
        } else {
            self.claim_key(
                format!("ap {namespace} {target} {word}"),
                "spec.action",
                &format!("{action} AuthorizationPolicy"),
            )?;
            for (i, rule) in rules.iter().enumerate() {
                lines.push(self.auth_rule(id, word, rule, &format!("spec.rules[{i}]"))?);
            }
            format!("{base}-{word}")
        };
        self.writes_as(id, "AuthorizationPolicy", &namespace, &name);
        let block = self.block(Family::Policy, &format!("policy {target}"));
        block.body.extend(lines.into_iter().map(program::Stmt::line));
        block.objects.push(id);
        Ok(())
    }

    fn auth_rule(&mut self, id: ObjId, word: &str, rule: &Node, path: &str) -> Result<String, Cannot> {
        let mut line = word.to_string();
        let mut sources = Vec::new();
        for (i, from) in rule.get("from").map(Node::items).unwrap_or_default().iter().enumerate() {
            let Some(source) = from.get("source") else { continue };
            for entry in source.entries() {
                let p = format!("{path}.from[{i}].source.{}", entry.key);
                let values: Vec<String> =
                    entry.value.items().iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
                match entry.key.as_str() {
                    "principals" => {
                        for (j, principal) in values.iter().enumerate() {
                            sources.push(self.principal(id, principal, &format!("{p}[{j}]"))?);
                        }
                    }
                    "requestPrincipals" => {
                        for v in &values {
                            sources.push(if v == "*" {
                                "jwt".to_string()
                            } else {
                                format!("jwt {}", program::string(v))
                            });
                        }
                    }
                    "namespaces" => {
                        for v in &values {
                            sources.push(format!("namespace {}", super::name(v, &p, "namespace")?));
                        }
                    }
                    "ipBlocks" => sources.extend(values.iter().map(|v| format!("ip {}", program::string(v)))),
                    other => return Err(cannot(p, format!("`{other}` has no .mesh form in `from`"))),
                }
            }
        }
        if !sources.is_empty() {
            line.push_str(&format!(" from {}", sources.join(", ")));
        }
        let to = rule.get("to").map(Node::items).unwrap_or_default();
        if to.len() > 1 {
            return Err(cannot(format!("{path}.to[1]"), "meshc writes one `to` operation per rule"));
        }
        if let Some(operation) = to.first().and_then(|t| t.get("operation")) {
            let mut parts = Vec::new();
            for entry in operation.entries() {
                if !matches!(entry.key.as_str(), "methods" | "paths" | "ports") {
                    return Err(cannot(
                        format!("{path}.to[0].operation.{}", entry.key),
                        format!("`{}` has no .mesh form in `to`", entry.key),
                    ));
                }
            }
            let methods = strings(operation, "methods");
            if let Some(m) = methods.iter().find(|m| m.is_empty() || !m.chars().all(|c| c.is_ascii_uppercase())) {
                return Err(cannot(
                    format!("{path}.to[0].operation.methods"),
                    format!("`{m}` is not a method .mesh can write"),
                ));
            }
            if !methods.is_empty() {
                parts.push(methods.join(", "));
            }
            let paths = strings(operation, "paths");
            if !paths.is_empty() {
                parts.push(super::quoted(&paths));
            }
            let ports = strings(operation, "ports");
            if let Some(p) = ports.iter().find(|p| p.parse::<u32>().is_err()) {
                return Err(cannot(format!("{path}.to[0].operation.ports"), format!("port `{p}` is not a number")));
            }
            if !ports.is_empty() {
                parts.push(format!("port {}", ports.join(", ")));
            }
            line.push_str(&format!(" to {}", parts.join(" ")));
        }
        for (i, condition) in rule.get("when").map(Node::items).unwrap_or_default().iter().enumerate() {
            let p = format!("{path}.when[{i}]");
            let key = text(condition, "key").unwrap_or_default();
            let key = if let Some(header) = key.strip_prefix("request.headers[").and_then(|k| k.strip_suffix(']')) {
                format!("header {}", program::string(header))
            } else if let Some(claim) = key.strip_prefix("request.auth.claims[").and_then(|k| k.strip_suffix(']')) {
                format!("claim {}", program::string(claim))
            } else {
                program::string(key)
            };
            let values = strings(condition, "values");
            let not_values = strings(condition, "notValues");
            let test = match (values.is_empty(), not_values.is_empty()) {
                (false, true) if values == ["*"] => "present".to_string(),
                (true, false) if not_values == ["*"] => "absent".to_string(),
                (false, true) => format!("in {}", super::quoted(&values)),
                (true, false) => format!("not in {}", super::quoted(&not_values)),
                _ => {
                    return Err(cannot(p, "meshc writes a condition with `values` or `notValues`, not both or neither"))
                }
            };
            line.push_str(&format!(" when {key} {test}"));
        }
        Ok(line)
    }

    /// `TRUST_DOMAIN/ns/NS/sa/ACCOUNT` → the service that runs as that account.
    fn principal(&mut self, id: ObjId, principal: &str, path: &str) -> Result<String, Cannot> {
        let shape = principal
            .split_once("/ns/")
            .and_then(|(td, rest)| rest.split_once("/sa/").map(|(ns, sa)| (td, ns, sa)))
            .filter(|(td, ns, sa)| {
                !td.is_empty()
                    && !ns.contains(['/', '*'])
                    && !sa.contains(['/', '*'])
                    && !ns.is_empty()
                    && !sa.is_empty()
            });
        let Some((td, namespace, account)) = shape else {
            return Err(cannot(
                path,
                format!("`{principal}` is not `TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT`; .mesh names callers by service"),
            ));
        };
        if td != self.trust_domain {
            return Err(cannot(path, format!("trust domain `{td}` is not the mesh's `{}`", self.trust_domain)));
        }
        let owner = self
            .reg
            .services
            .iter()
            .find(|s| s.namespace == namespace && s.account.as_deref().unwrap_or(&s.name) == account)
            .map(|s| s.name.clone());
        // A workload known to run as the account (from its Deployment) is the caller.
        let hinted = self
            .reg
            .accounts
            .iter()
            .find(|(ns, _, sa)| ns == namespace && sa == account)
            .map(|(_, app, _)| app.clone());
        let owner = owner.or_else(|| hinted.filter(|app| self.reg.ensure(app, namespace, id).is_ok()));
        match owner {
            Some(name) => Ok(name),
            None => {
                if self.reg.service(account).is_some() {
                    return Err(cannot(
                        path,
                        format!("service `{account}` does not run as account `{account}` in `{namespace}`"),
                    ));
                }
                self.reg.ensure(account, namespace, id).map_err(|why| cannot(path, why))?;
                Ok(account.to_string())
            }
        }
    }

    pub(super) fn request_authentication(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a RequestAuthentication needs a spec"))?;
        for key in ["targetRef", "targetRefs"] {
            if spec.get(key).is_some() {
                return Err(cannot(format!("spec.{key}"), "policies attached with `targetRefs` have no .mesh form"));
            }
        }
        let namespace = self.ns(object);
        let selector = spec.get("selector").and_then(|s| s.get("matchLabels"));
        let labels = crate::objects::string_map(selector);
        let gateway = self
            .reg
            .gateways
            .iter()
            .find(|g| {
                g.namespace == namespace
                    && !labels.is_empty()
                    && g.selector.iter().cloned().collect::<std::collections::BTreeMap<_, _>>() == labels
            })
            .map(|g| g.name.clone());
        let target = match gateway {
            Some(g) => Some(g),
            None => self.selected_service(id, selector, "spec.selector.matchLabels", &namespace)?,
        };
        if target.is_none() && namespace != self.namespace {
            return Err(cannot(
                "metadata.namespace",
                format!("meshc writes a `jwt` without targets in the mesh namespace `{}`", self.namespace),
            ));
        }
        let rules = spec.get("jwtRules").map(Node::items).unwrap_or_default();
        let [rule] = rules else {
            return Err(cannot(
                "spec.jwtRules",
                "meshc writes one RequestAuthentication per `jwt` and target, with one rule",
            ));
        };
        let mut body = jwt_body(rule)?;
        let require = self.require_policy(&namespace, selector);
        if let Some((_, except)) = &require {
            body.push(if except.is_empty() {
                "require".to_string()
            } else {
                format!("require except {}", super::quoted(except))
            });
        }
        let base = hosts::label_for(&object.name);
        let stripped = match &target {
            Some(t) => base.strip_suffix(&format!("-{t}")).filter(|s| !s.is_empty()).unwrap_or(&base).to_string(),
            None => base.clone(),
        };
        let name = match self.jwts.iter().find(|j| j.name == stripped) {
            Some(j) if j.body != body || target.is_none() || j.targets.is_empty() => base.clone(),
            _ => stripped,
        };
        super::name(&name, "metadata.name", "jwt")?;
        let object_name = match &target {
            Some(t) => format!("{name}-{t}"),
            None => name.clone(),
        };
        self.writes_as(id, "RequestAuthentication", &namespace, &object_name);
        let mut objects = vec![id];
        if let Some((policy, _)) = require {
            self.claimed.insert(policy);
            objects.push(policy);
            self.writes_as(policy, "AuthorizationPolicy", &namespace, &format!("{object_name}-require-jwt"));
        }
        match self.jwts.iter_mut().find(|j| j.name == name) {
            Some(block) => {
                if block.body != body {
                    return Err(cannot("metadata.name", format!("a second jwt named `{name}` with another rule")));
                }
                block.targets.extend(target);
                block.objects.extend(objects);
            }
            None => self.jwts.push(JwtBlock { name, targets: target.into_iter().collect(), body, objects }),
        }
        Ok(())
    }

    /// The DENY policy meshc writes for `require`: requests without a principal are denied,
    /// except on the listed paths.
    fn require_policy(&self, namespace: &str, selector: Option<&Node>) -> Option<(ObjId, Vec<String>)> {
        for (id, object) in self.live("AuthorizationPolicy") {
            let Some(spec) = object.spec() else { continue };
            if self.ns(object) != namespace || text(spec, "action") != Some("DENY") {
                continue;
            }
            let their = spec.get("selector").and_then(|s| s.get("matchLabels"));
            if crate::objects::string_map(their) != crate::objects::string_map(selector) {
                continue;
            }
            let shape = |rule: &Node| -> Option<Vec<String>> {
                let from = rule.get("from").map(Node::items).unwrap_or_default();
                let [only] = from else { return None };
                let source = only.get("source")?;
                if source.entries().len() != 1 || strings(source, "notRequestPrincipals") != ["*"] {
                    return None;
                }
                match rule.get("to").map(Node::items).unwrap_or_default() {
                    [] => Some(Vec::new()),
                    [to] => {
                        let op = to.get("operation")?;
                        (op.entries().len() == 1).then(|| strings(op, "notPaths")).filter(|p| !p.is_empty())
                    }
                    _ => None,
                }
            };
            if let [rule] = spec.get("rules").map(Node::items).unwrap_or_default() {
                if rule.get("when").is_none() {
                    if let Some(except) = shape(rule) {
                        return Some((id, except));
                    }
                }
            }
        }
        None
    }

    pub(super) fn jwts_finish(&mut self) {
        for jwt in std::mem::take(&mut self.jwts) {
            let mut decl = crate::program::Decl::new(Family::Jwt, format!("jwt {}", jwt.name));
            if !jwt.targets.is_empty() {
                decl.line(format!("on {}", jwt.targets.join(", ")));
            }
            for line in jwt.body {
                decl.line(line);
            }
            decl.objects = jwt.objects;
            self.out.program.decls.push(decl);
        }
    }
}

/// The statements of one `jwtRules` entry.
fn jwt_body(rule: &Node) -> Result<Vec<String>, Cannot> {
    let path = "spec.jwtRules[0]";
    let mut body = Vec::new();
    match text(rule, "issuer") {
        Some(issuer) => body.push(format!("issuer {}", program::string(issuer))),
        None => return Err(cannot(format!("{path}.issuer"), "meshc writes every jwt with its issuer")),
    }
    let audiences = strings(rule, "audiences");
    if !audiences.is_empty() {
        body.push(format!("audiences {}", super::quoted(&audiences)));
    }
    if let Some(jwks) = text(rule, "jwksUri") {
        body.push(format!("jwks {}", program::string(jwks)));
    }
    let mut from = Vec::new();
    for header in rule.get("fromHeaders").map(Node::items).unwrap_or_default() {
        let mut part = format!("header {}", program::string(text(header, "name").unwrap_or_default()));
        if let Some(prefix) = text(header, "prefix") {
            part.push_str(&format!(" prefix {}", program::string(prefix)));
        }
        from.push(part);
    }
    from.extend(strings(rule, "fromParams").iter().map(|p| format!("param {}", program::string(p))));
    from.extend(strings(rule, "fromCookies").iter().map(|c| format!("cookie {}", program::string(c))));
    if !from.is_empty() {
        body.push(format!("from {}", from.join(", ")));
    }
    for (i, claim) in rule.get("outputClaimToHeaders").map(Node::items).unwrap_or_default().iter().enumerate() {
        let name = super::name(
            text(claim, "claim").unwrap_or_default(),
            &format!("{path}.outputClaimToHeaders[{i}].claim"),
            "claim",
        )?;
        body.push(format!("claim {name} -> {}", program::string(text(claim, "header").unwrap_or_default())));
    }
    if super::boolean(rule, "forwardOriginalToken") == Some(true) {
        body.push("forward".to_string());
    }
    Ok(body)
}
