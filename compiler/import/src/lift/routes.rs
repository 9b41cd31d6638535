//! VirtualServices → `route` declarations: hosts and gateway binding, then the HTTP, TLS and
//! TCP rules in order, each with its matcher, its action (`->`, `redirect`, `respond`) and
//! its options. A VirtualService shaped like meshc's egress route for an external becomes
//! that external's `via`.

use meshc_core::model::Protocol;
use meshc_core::Diagnostic;

use super::hosts::{self, Host};
use super::registry::ExternalInfo;
use super::{boolean, cannot, duration, int, percentage, quoted, strings, text, Cannot, Identity, Lift};
use crate::codes;
use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family, Stmt};
use crate::yaml::Node;

/// The HTTP methods a `method` matcher and `cors { methods … }` take.
const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

impl<'a> Lift<'a> {
    pub(super) fn virtual_service(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a VirtualService needs a spec"))?;
        let namespace = self.ns(object);
        if namespace != self.namespace {
            return Err(cannot(
                "metadata.namespace",
                format!("meshc writes routes in the mesh namespace `{}`; this one is in `{namespace}`", self.namespace),
            ));
        }
        if self.egress_route(id, spec)? {
            return Ok(());
        }
        let name = hosts::label_for(&object.name);
        let mut decl = Decl::new(Family::Route, format!("route {name}"));
        let gateways = strings(spec, "gateways");
        let mut via = Vec::new();
        for (i, gateway) in gateways.iter().enumerate() {
            if gateway == "mesh" {
                via.push("mesh".to_string());
                continue;
            }
            let (gateway_ns, gateway_name) = gateway.split_once('/').unwrap_or((namespace.as_str(), gateway.as_str()));
            match self.reg.gateway(gateway_ns, gateway_name) {
                Some(g) => via.push(g.name.clone()),
                None => {
                    let kept = self
                        .objects
                        .iter()
                        .any(|o| o.kind == "Gateway" && o.name == gateway_name && self.ns(o) == gateway_ns);
                    let why = if kept {
                        format!("gateway `{gateway_ns}/{gateway_name}` is kept verbatim, and a route binds only declared gateways")
                    } else {
                        format!("gateway `{gateway_ns}/{gateway_name}` is not among the imported Gateways")
                    };
                    return Err(cannot(format!("spec.gateways[{i}]"), why));
                }
            }
        }
        if via.len() > 1 || via.first().is_some_and(|v| v != "mesh") {
            decl.head.push_str(&format!(" via {}", via.join(", ")));
        }
        let mut host_refs = Vec::new();
        let route_hosts: Vec<String> = strings(spec, "hosts").iter().map(|h| h.to_ascii_lowercase()).collect();
        let mut i = 0;
        while i < route_hosts.len() {
            // An external's name stands for all its hosts, in order.
            let external =
                self.reg.externals.iter().find(|e| route_hosts[i..].starts_with(&e.hosts) && !e.hosts.is_empty());
            if let Some(external) = external {
                host_refs.push(external.name.clone());
                i += external.hosts.len();
                continue;
            }
            host_refs.push(self.route_host(id, &route_hosts[i], &namespace, &format!("spec.hosts[{i}]"))?);
            i += 1;
        }
        if !host_refs.is_empty() {
            decl.line(format!("hosts {}", host_refs.join(", ")));
        }
        let mut rules = Vec::new();
        for (i, rule) in spec.get("http").map(Node::items).unwrap_or_default().iter().enumerate() {
            rules.extend(self.http_rule(id, rule, &namespace, &format!("spec.http[{i}]"))?);
        }
        let defaults = hoist(&mut rules);
        decl.body.extend(defaults.into_iter().map(Stmt::line));
        decl.body.extend(rules);
        for (i, rule) in spec.get("tls").map(Node::items).unwrap_or_default().iter().enumerate() {
            let path = format!("spec.tls[{i}]");
            let matches = rule.get("match").map(Node::items).unwrap_or_default();
            let sni = match matches {
                [only] => strings(only, "sniHosts"),
                _ => Vec::new(),
            };
            if sni.is_empty() {
                return Err(cannot(format!("{path}.match"), "meshc writes a TLS rule as one match on SNI hosts"));
            }
            let action = self.forward(id, rule.get("route"), &namespace, &format!("{path}.route"), Protocol::Tls)?;
            decl.line(format!("sni {} {action}", quoted(&sni)));
        }
        for (i, rule) in spec.get("tcp").map(Node::items).unwrap_or_default().iter().enumerate() {
            let path = format!("spec.tcp[{i}]");
            let matcher = match rule.get("match").map(Node::items).unwrap_or_default() {
                [] => "tcp".to_string(),
                [only] => match int(only, "port") {
                    Some(port) => format!("tcp {port}"),
                    None => return Err(cannot(format!("{path}.match[0]"), "meshc matches TCP traffic by port only")),
                },
                _ => return Err(cannot(format!("{path}.match"), "meshc writes a TCP rule with at most one match")),
            };
            let action = self.forward(id, rule.get("route"), &namespace, &format!("{path}.route"), Protocol::Tcp)?;
            decl.line(format!("{matcher} {action}"));
        }
        decl.objects = vec![id];
        self.writes_as(id, "VirtualService", &namespace, &name);
        self.push(decl);
        Ok(())
    }

    /// A host of the route: a service by name, or a string.
    fn route_host(&mut self, id: ObjId, host: &str, namespace: &str, path: &str) -> Result<String, Cannot> {
        let lower = host.to_ascii_lowercase();
        if self.reg.external_of_host(&lower).is_some() {
            return Ok(program::string(&lower));
        }
        match hosts::parse(&lower, namespace) {
            Host::Service(name, service_ns) => {
                self.reg.ensure(&name, &service_ns, id).map_err(|why| cannot(path, why))?;
                Ok(name)
            }
            Host::Other(other) => Ok(program::string(&other)),
        }
    }

    /// One Istio HTTP rule as one `.mesh` rule or more: match alternatives that one matcher
    /// cannot say together (`exact` and `prefix` paths) become consecutive rules with the
    /// same action and options, which route exactly the same requests.
    fn http_rule(&mut self, id: ObjId, rule: &Node, namespace: &str, path: &str) -> Result<Vec<Stmt>, Cannot> {
        let matches = rule.get("match").map(Node::items).unwrap_or_default();
        let mut matchers = Vec::new();
        let mut start = 0;
        for end in 1..=matches.len() {
            if end == matches.len() || match_shape(&matches[end]) != match_shape(&matches[start]) {
                matchers.push(http_matcher(&matches[start..end], &format!("{path}.match"))?);
                start = end;
            }
        }
        if matchers.is_empty() {
            matchers.push("any".to_string());
        }
        let mut options = Vec::new();
        let action = if rule.get("route").is_some_and(|r| !r.items().is_empty()) {
            self.forward(id, rule.get("route"), namespace, &format!("{path}.route"), Protocol::Http)?
        } else if let Some(redirect) = rule.get("redirect") {
            let mut parts = Vec::new();
            if let Some(uri) = text(redirect, "uri") {
                parts.push(format!("uri {}", program::string(uri)));
            }
            if let Some(authority) = text(redirect, "authority") {
                parts.push(format!("authority {}", program::string(authority)));
            }
            if let Some(scheme) = text(redirect, "scheme") {
                parts.push(format!("scheme {}", super::name(scheme, &format!("{path}.redirect.scheme"), "scheme")?));
            }
            if let Some(port) = int(redirect, "port") {
                parts.push(format!("port {port}"));
            }
            if let Some(code) = int(redirect, "redirectCode") {
                parts.push(format!("code {code}"));
            }
            format!("redirect {}", parts.join(" "))
        } else if let Some(response) = rule.get("directResponse") {
            let status = int(response, "status").unwrap_or_default();
            match response.get("body") {
                None => format!("respond {status}"),
                Some(body) => match text(body, "string") {
                    Some(text) => format!("respond {status} {}", program::string(text)),
                    None => {
                        return Err(cannot(
                            format!("{path}.directResponse.body"),
                            "a response body in bytes has no .mesh form",
                        ))
                    }
                },
            }
        } else {
            return Err(cannot(
                path,
                "a rule that neither routes, redirects nor responds (a delegation) has no .mesh form",
            ));
        };
        if let Some(timeout) = text(rule, "timeout") {
            options.push(format!("timeout {}", duration(timeout, &format!("{path}.timeout"))?));
        }
        if let Some(retries) = rule.get("retries") {
            options.push(retry(retries, &format!("{path}.retries"))?);
        }
        if let Some(rewrite) = rule.get("rewrite") {
            if let Some(uri) = text(rewrite, "uri") {
                options.push(format!("rewrite {}", program::string(uri)));
            }
            if let Some(regex) = rewrite.get("uriRegexRewrite") {
                options.push(format!(
                    "rewrite regex {} {}",
                    program::string(text(regex, "match").unwrap_or_default()),
                    program::string(text(regex, "rewrite").unwrap_or_default())
                ));
            }
            if let Some(authority) = text(rewrite, "authority") {
                options.push(format!("rewrite authority {}", program::string(authority)));
            }
        }
        if let Some(fault) = rule.get("fault") {
            options.extend(fault_lines(fault, &format!("{path}.fault"))?);
        }
        let mirrors = rule.get("mirrors").map(Node::items).unwrap_or_default();
        if mirrors.len() > 1 {
            return Err(cannot(format!("{path}.mirrors[1]"), "meshc mirrors a rule's traffic to one destination"));
        }
        if let Some(mirror) = mirrors.first() {
            let target = self.destination(
                id,
                mirror.get("destination"),
                namespace,
                &format!("{path}.mirrors[0].destination"),
                Protocol::Http,
            )?;
            let percent = percentage(mirror.get("percentage")).map(|p| format!(" {p}")).unwrap_or_default();
            options.push(format!("mirror {target}{percent}"));
        } else if let Some(mirror) = rule.get("mirror") {
            let target = self.destination(id, Some(mirror), namespace, &format!("{path}.mirror"), Protocol::Http)?;
            let percent = percentage(rule.get("mirrorPercentage")).map(|p| format!(" {p}")).unwrap_or_default();
            options.push(format!("mirror {target}{percent}"));
        }
        if let Some(cors) = rule.get("corsPolicy") {
            options.push(cors_line(cors, &format!("{path}.corsPolicy"))?);
        }
        if let Some(headers) = rule.get("headers") {
            for side in ["request", "response"] {
                let Some(ops) = headers.get(side) else { continue };
                for (op, word) in [("set", "set"), ("add", "add")] {
                    for entry in ops.get(op).map(Node::entries).unwrap_or_default() {
                        let value = entry.value.as_str().unwrap_or_default();
                        options.push(format!(
                            "{side} {word} {} = {}",
                            program::string(&entry.key),
                            program::string(value)
                        ));
                    }
                }
                let remove = strings(ops, "remove");
                if !remove.is_empty() {
                    options.push(format!("{side} remove {}", quoted(&remove)));
                }
            }
        }
        Ok(matchers
            .into_iter()
            .map(|matcher| Stmt { text: format!("{matcher} {action}"), block: options.clone() })
            .collect())
    }

    /// `-> a 90%, b 10%`: the destinations of a rule, weights only when there are several.
    fn forward(
        &mut self,
        id: ObjId,
        route: Option<&Node>,
        namespace: &str,
        path: &str,
        protocol: Protocol,
    ) -> Result<String, Cannot> {
        let destinations = route.map(Node::items).unwrap_or_default();
        if destinations.is_empty() {
            return Err(cannot(path, "a rule without destinations has no .mesh form"));
        }
        let mut parts = Vec::new();
        for (i, d) in destinations.iter().enumerate() {
            let p = format!("{path}[{i}]");
            if d.get("headers").is_some() {
                return Err(cannot(
                    format!("{p}.headers"),
                    "header edits per destination have no .mesh form (edit them on the rule)",
                ));
            }
            let target =
                self.destination(id, d.get("destination"), namespace, &format!("{p}.destination"), protocol)?;
            let weight = int(d, "weight");
            match weight {
                Some(w) if destinations.len() > 1 || w != 100 => parts.push(format!("{target} {w}%")),
                _ => parts.push(target),
            }
        }
        Ok(format!("-> {}", parts.join(", ")))
    }

    /// One destination: `service@version:port`, or an external's name.
    pub(super) fn destination(
        &mut self,
        id: ObjId,
        node: Option<&Node>,
        namespace: &str,
        path: &str,
        protocol: Protocol,
    ) -> Result<String, Cannot> {
        let node = node.ok_or_else(|| cannot(path, "a destination needs a host"))?;
        let host = text(node, "host").unwrap_or_default().to_ascii_lowercase();
        let subset = text(node, "subset");
        let port = node.get("port").and_then(|p| int(p, "number")).map(|n| n as u32);
        if let Some(external) = self.reg.external_of_host(&host).cloned() {
            if subset.is_some() {
                return Err(cannot(format!("{path}.subset"), "externals have no versions in .mesh"));
            }
            return self.external_destination(id, &external, &host, port, path, protocol);
        }
        let (name, service_ns) = match hosts::parse(&host, namespace) {
            Host::Service(name, ns) => (name, ns),
            Host::Other(other) => return self.added_external(id, &other, port, path, protocol),
        };
        let verbatim_rule = self.verbatim_rule(&name, &service_ns);
        let service = self.reg.ensure(&name, &service_ns, id).map_err(|why| cannot(format!("{path}.host"), why))?;
        if let Some(port) = port {
            service.add_port(port, None, Some(protocol), false).map_err(|why| cannot(format!("{path}.port"), why))?;
        }
        let mut text_out = name.clone();
        if let Some(subset) = subset {
            if let Some(rule) = verbatim_rule {
                return Err(cannot(
                    format!("{path}.subset"),
                    format!("subset `{subset}` is defined by {rule}, which is kept verbatim"),
                ));
            }
            if service.rule.is_some() && !self.survey && !service.versions.iter().any(|v| v == subset) {
                return Err(cannot(
                    format!("{path}.subset"),
                    format!("the DestinationRule of `{name}` has no subset `{subset}`"),
                ));
            }
            if service.rule.is_none() && !service.versions.iter().any(|v| v == subset) {
                super::name(subset, &format!("{path}.subset"), "version")?;
                service.versions.push(subset.to_string());
            }
            text_out.push_str(&format!("@{subset}"));
        }
        let ports = service.port_names();
        if let (Some(number), true) = (port, ports.len() > 1) {
            if let Some(port_name) = service.port_name(number) {
                text_out.push_str(&format!(":{port_name}"));
            }
        }
        let (has_rule, versions, assumed) =
            (service.rule.is_some(), service.versions.clone(), service.ports.is_empty());
        if !self.survey {
            if assumed && port.is_none() && self.assumed.insert(name.clone()) {
                self.warn(
                    Diagnostic::warning(codes::ASSUMED, self.span_of(id, path), format!("the port of service `{name}` is not known"))
                        .with_span_label("no port here, and no imported object gives one")
                        .with_note("the import declares `port http 80`, and meshc writes that port into every destination of it: check it"),
                );
            }
            if subset.is_some() && !has_rule {
                let identity =
                    Identity { kind: "DestinationRule".into(), namespace: service_ns.clone(), name: name.clone() };
                if !self.out.added.iter().any(|(i, _)| *i == identity) {
                    self.out.added.push((
                        identity,
                        format!(
                            "the routes use versions {} of `{name}`, which no DestinationRule of the input defines",
                            versions.join(", ")
                        ),
                    ));
                    self.warn(
                        Diagnostic::warning(codes::ASSUMED, self.span_of(id, &format!("{path}.subset")), format!("no DestinationRule defines the subsets of `{name}`"))
                            .with_span_label("this subset")
                            .with_note(format!("the import declares `versions {}`, and meshc writes a DestinationRule `{name}` with those subsets", versions.join(", "))),
                    );
                }
            }
        }
        Ok(text_out)
    }

    fn external_destination(
        &mut self,
        id: ObjId,
        external: &ExternalInfo,
        host: &str,
        port: Option<u32>,
        path: &str,
        protocol: Protocol,
    ) -> Result<String, Cannot> {
        if external.hosts.first().map(String::as_str) != Some(host) {
            return Err(cannot(
                format!("{path}.host"),
                format!("meshc routes to the first host of external `{}`, not to `{host}`", external.name),
            ));
        }
        if let Some(info) = self.reg.externals.iter_mut().find(|e| e.name == external.name) {
            if !info.objects.contains(&id) {
                info.objects.push(id);
            }
        }
        if external.entry.is_none() && !self.survey {
            let identity = Identity {
                kind: "ServiceEntry".into(),
                namespace: self.namespace.clone(),
                name: external.name.clone(),
            };
            if !self.out.added.iter().any(|(i, _)| *i == identity) {
                self.out.added.push((identity, format!("no ServiceEntry of the input declares `{host}`")));
                self.warn(
                    Diagnostic::warning(codes::ASSUMED, self.span_of(id, &format!("{path}.host")), format!("no ServiceEntry declares `{host}`"))
                        .with_span_label("a host outside the cluster")
                        .with_note(format!("the import declares `external {}` for it, and meshc writes a ServiceEntry of that name (resolution DNS)", external.name)),
                );
            }
        }
        let ports = self.external_ports(external);
        if external.entry.is_none() {
            if let Some(port) = port {
                let info = self.reg.externals.iter_mut().find(|e| e.name == external.name).expect("known external");
                if !info.ports.iter().any(|(n, _)| *n == port) {
                    info.ports.push((port, protocol));
                }
            }
        }
        let mut out = external.name.clone();
        if let (Some(number), true) = (port, ports.len() > 1) {
            if let Some((name, _)) = ports.iter().find(|(_, n)| *n == number) {
                out.push_str(&format!(":{name}"));
            }
        }
        Ok(out)
    }

    /// A host outside the cluster that no ServiceEntry declares: the import declares an
    /// external for it, which makes meshc write a ServiceEntry the input did not have.
    fn added_external(
        &mut self,
        id: ObjId,
        host: &str,
        port: Option<u32>,
        path: &str,
        protocol: Protocol,
    ) -> Result<String, Cannot> {
        if host == "*" || !host.contains('.') {
            return Err(cannot(format!("{path}.host"), format!("`{host}` cannot be a destination in .mesh")));
        }
        let name = hosts::name_for(host);
        if self.reg.external_of_host(host).is_none() {
            if self.reg.service(&name).is_some() || self.reg.externals.iter().any(|e| e.name == name) {
                return Err(cannot(format!("{path}.host"), format!("the name `{name}` for host `{host}` is taken")));
            }
            let number = port.unwrap_or(if protocol == Protocol::Http { 80 } else { 443 });
            self.reg.externals.push(ExternalInfo {
                name: name.clone(),
                hosts: vec![host.to_string()],
                entry: None,
                ports: vec![(number, protocol)],
                objects: vec![id],
                policy: Vec::new(),
                rules: Vec::new(),
                via: None,
            });
        }
        let external = self.reg.external_of_host(host).cloned().expect("just added");
        self.external_destination(id, &external, host, port, path, protocol)
    }

    /// `(name, number)` of an external's ports as `.mesh` declares them.
    pub(super) fn external_ports(&self, external: &ExternalInfo) -> Vec<(String, u32)> {
        match external.entry {
            Some(entry) => self.objects[entry]
                .spec()
                .and_then(|s| s.get("ports"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    let number = int(p, "number").unwrap_or_default() as u32;
                    (text(p, "name").unwrap_or_default().to_string(), number)
                })
                .collect(),
            None => {
                let mut out: Vec<(String, u32)> = Vec::new();
                for (number, protocol) in &external.ports {
                    let word = super::registry::protocol_word(*protocol);
                    let name =
                        if out.iter().any(|(n, _)| n == word) { format!("{word}-{number}") } else { word.to_string() };
                    out.push((name, *number));
                }
                out
            }
        }
    }

    /// The DestinationRule kept verbatim that defines the subsets of a service, if any.
    fn verbatim_rule(&self, name: &str, namespace: &str) -> Option<String> {
        let wanted = Host::Service(name.to_string(), namespace.to_string());
        self.fallen.iter().find_map(|&id| {
            let o = &self.objects[id];
            let host = o.spec().and_then(|s| text(s, "host"))?;
            (o.kind == "DestinationRule" && hosts::parse(host, &self.ns(o)) == wanted).then(|| o.label())
        })
    }

    /// A VirtualService shaped like the one meshc writes for `external … via GATEWAY`:
    /// bound to `mesh` and one gateway, for exactly the hosts of an imported external.
    fn egress_route(&mut self, id: ObjId, spec: &Node) -> Result<bool, Cannot> {
        let gateways = strings(spec, "gateways");
        if gateways.len() != 2 || gateways[0] != "mesh" {
            return Ok(false);
        }
        let Some((gateway_ns, gateway_name)) = gateways[1].split_once('/') else { return Ok(false) };
        let Some(gateway) = self.reg.gateway(gateway_ns, gateway_name).map(|g| g.name.clone()) else {
            return Ok(false);
        };
        let hosts: Vec<String> = strings(spec, "hosts").iter().map(|h| h.to_ascii_lowercase()).collect();
        let Some(external) = self.reg.externals.iter_mut().find(|e| e.entry.is_some() && e.hosts == hosts) else {
            return Ok(false);
        };
        if external.via.as_ref().is_some_and(|(_, other)| *other != id) {
            return Err(cannot(
                "spec.hosts",
                format!("external `{}` already leaves through another egress route", external.name),
            ));
        }
        external.via = Some((gateway, id));
        if !external.objects.contains(&id) {
            external.objects.push(id);
        }
        let name = format!("{}-egress", external.name);
        let namespace = self.namespace.clone();
        self.writes_as(id, "VirtualService", &namespace, &name);
        Ok(true)
    }

    /// The span of a field of an object, for warnings about it.
    pub(super) fn span_of(&self, id: ObjId, path: &str) -> meshc_core::Span {
        crate::paths::span(&self.objects[id], path)
    }
}

/// Options every rule they can apply to has, identically, become route-level defaults
/// (written once, before the rules), which gives the same objects: `timeout`, `cors` and
/// header edits reach every HTTP rule; `retry`, `rewrite` and `mirror` only the rules that
/// forward. Not `fault`: a rule's own fault replaces the default one whole, so a shared
/// `fault delay` beside a rule's `fault abort` could not move. Only for routes with
/// several HTTP rules.
fn hoist(rules: &mut [Stmt]) -> Vec<String> {
    if rules.len() < 2 {
        return Vec::new();
    }
    let forwards = |rule: &Stmt| rule.text.contains(" -> ");
    let mut defaults = Vec::new();
    let candidates: Vec<String> = rules.iter().flat_map(|r| r.block.iter()).cloned().collect();
    for option in candidates {
        let word = option.split_whitespace().next().unwrap_or_default();
        if defaults.contains(&option) || word == "fault" {
            continue;
        }
        let forward_only = matches!(word, "retry" | "rewrite" | "mirror");
        let reach: Vec<&Stmt> = rules.iter().filter(|r| !forward_only || forwards(r)).collect();
        if reach.len() < 2 || !reach.iter().all(|r| r.block.contains(&option)) {
            continue;
        }
        defaults.push(option);
    }
    for rule in rules.iter_mut() {
        rule.block.retain(|option| !defaults.contains(option));
    }
    defaults
}

/// What decides whether match alternatives can share one matcher: the kind of path test,
/// whether the method is tested, and the other conditions.
fn match_shape(m: &Node) -> (Option<String>, bool, String) {
    let uri_kind = m.get("uri").and_then(|u| u.entries().first()).map(|e| e.key.clone());
    let others: Vec<String> = ["headers", "withoutHeaders", "queryParams"]
        .iter()
        .map(|k| m.get(k).map(|n| n.to_json().to_string()).unwrap_or_default())
        .collect();
    (uri_kind, m.get("method").is_some(), others.join("|"))
}

/// The matcher of an HTTP rule: `any`, or its conditions joined by `and`. Istio's match
/// list is the alternatives; meshc writes paths × methods with the same other conditions,
/// so that is the only shape read here (the round trip catches the rest).
fn http_matcher(matches: &[Node], path: &str) -> Result<String, Cannot> {
    if matches.is_empty() {
        return Ok("any".to_string());
    }
    for (i, m) in matches.iter().enumerate() {
        for entry in m.entries() {
            if !matches!(entry.key.as_str(), "uri" | "method" | "headers" | "withoutHeaders" | "queryParams") {
                return Err(cannot(
                    format!("{path}[{i}].{}", entry.key),
                    format!("matching on `{}` has no .mesh form", entry.key),
                ));
            }
        }
    }
    let mut uris: Vec<Option<(String, String)>> = Vec::new();
    let mut methods: Vec<Option<String>> = Vec::new();
    for (i, m) in matches.iter().enumerate() {
        let uri = match m.get("uri") {
            Some(u) => Some(
                string_match(u, &format!("{path}[{i}].uri"))?
                    .ok_or_else(|| cannot(format!("{path}[{i}].uri"), "an empty path match has no .mesh form"))?,
            ),
            None => None,
        };
        let method = match m.get("method") {
            Some(method) => match text(method, "exact") {
                Some(exact) if METHODS.contains(&exact) => Some(exact.to_string()),
                _ => {
                    return Err(cannot(format!("{path}[{i}].method"), "meshc matches methods exactly, by their names"))
                }
            },
            None => None,
        };
        if !uris.contains(&uri) {
            uris.push(uri);
        }
        if !methods.contains(&method) {
            methods.push(method);
        }
    }
    let mut parts = Vec::new();
    if uris.iter().any(Option::is_some) {
        if uris.iter().any(Option::is_none) {
            return Err(cannot(
                path,
                "alternatives that test the path and alternatives that do not cannot be one .mesh rule",
            ));
        }
        let uris: Vec<(String, String)> = uris.into_iter().flatten().collect();
        let kind = &uris[0].0;
        if uris.iter().any(|(k, _)| k != kind) {
            return Err(cannot(path, "alternatives that test the path in different ways cannot be one .mesh rule"));
        }
        let values: Vec<String> = uris.iter().map(|(_, v)| v.clone()).collect();
        parts.push(format!("{kind} {}", quoted(&values)));
    }
    if methods.iter().any(Option::is_some) {
        if methods.iter().any(Option::is_none) {
            return Err(cannot(
                path,
                "alternatives that test the method and alternatives that do not cannot be one .mesh rule",
            ));
        }
        parts.push(format!("method {}", methods.into_iter().flatten().collect::<Vec<_>>().join(", ")));
    }
    let first = &matches[0];
    for entry in first.get("headers").map(Node::entries).unwrap_or_default() {
        let test = string_test(&entry.value, &format!("{path}[0].headers.{}", entry.key))?;
        parts.push(format!("header {} {test}", program::string(&entry.key)));
    }
    for entry in first.get("withoutHeaders").map(Node::entries).unwrap_or_default() {
        if !entry.value.entries().is_empty() {
            return Err(cannot(
                format!("{path}[0].withoutHeaders.{}", entry.key),
                "meshc tests only that a header is absent",
            ));
        }
        parts.push(format!("header {} absent", program::string(&entry.key)));
    }
    for entry in first.get("queryParams").map(Node::entries).unwrap_or_default() {
        let test = string_test(&entry.value, &format!("{path}[0].queryParams.{}", entry.key))?;
        parts.push(format!("query {} {test}", program::string(&entry.key)));
    }
    if parts.is_empty() {
        return Ok("any".to_string());
    }
    Ok(parts.join(" and "))
}

/// `{exact: v}` → `("exact", "\"v\"")`; `{}` → `None`.
fn string_match(node: &Node, path: &str) -> Result<Option<(String, String)>, Cannot> {
    let entries = node.entries();
    match entries {
        [] => Ok(None),
        [only] if matches!(only.key.as_str(), "exact" | "prefix" | "regex") => {
            let value = only.value.as_str().unwrap_or_default();
            Ok(Some((only.key.clone(), value.to_string())))
        }
        _ => Err(cannot(path, "meshc matches strings exactly, by prefix or by regex")),
    }
}

/// A header or query test: `= "v"`, `prefix "p"`, `regex "r"`, `present`.
fn string_test(node: &Node, path: &str) -> Result<String, Cannot> {
    Ok(match string_match(node, path)? {
        None => "present".to_string(),
        Some((kind, value)) if kind == "exact" => format!("= {}", program::string(&value)),
        Some((kind, value)) => format!("{kind} {}", program::string(&value)),
    })
}

fn retry(retries: &Node, path: &str) -> Result<String, Cannot> {
    let Some(attempts) = int(retries, "attempts") else {
        return Err(cannot(format!("{path}.attempts"), "meshc always writes the number of attempts"));
    };
    let per_try = text(retries, "perTryTimeout");
    let on = text(retries, "retryOn");
    if attempts == 0 && per_try.is_none() && on.is_none() {
        return Ok("retry none".to_string());
    }
    let mut line = format!("retry {attempts}");
    if let Some(per_try) = per_try {
        line.push_str(&format!(" x {}", duration(per_try, &format!("{path}.perTryTimeout"))?));
    }
    if let Some(on) = on {
        let conditions: Vec<&str> = on.split(',').map(str::trim).collect();
        if conditions
            .iter()
            .any(|c| c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
        {
            return Err(cannot(format!("{path}.retryOn"), format!("`{on}` is not a list of retry conditions")));
        }
        line.push_str(&format!(" on {}", conditions.join(", ")));
    }
    Ok(line)
}

fn fault_lines(fault: &Node, path: &str) -> Result<Vec<String>, Cannot> {
    let mut lines = Vec::new();
    if let Some(delay) = fault.get("delay") {
        let Some(fixed) = text(delay, "fixedDelay") else {
            return Err(cannot(format!("{path}.delay"), "meshc injects fixed delays only"));
        };
        let Some(percent) = percentage(delay.get("percentage")) else {
            return Err(cannot(
                format!("{path}.delay"),
                "meshc writes the share of requests a fault hits as `percentage`",
            ));
        };
        lines.push(format!("fault delay {} {percent}", duration(fixed, &format!("{path}.delay.fixedDelay"))?));
    }
    if let Some(abort) = fault.get("abort") {
        let Some(status) = int(abort, "httpStatus") else {
            return Err(cannot(format!("{path}.abort"), "meshc aborts with HTTP statuses only"));
        };
        let Some(percent) = percentage(abort.get("percentage")) else {
            return Err(cannot(
                format!("{path}.abort"),
                "meshc writes the share of requests a fault hits as `percentage`",
            ));
        };
        lines.push(format!("fault abort {status} {percent}"));
    }
    Ok(lines)
}

fn cors_line(cors: &Node, path: &str) -> Result<String, Cannot> {
    let mut items = Vec::new();
    let mut origins = Vec::new();
    for (i, origin) in cors.get("allowOrigins").map(Node::items).unwrap_or_default().iter().enumerate() {
        match text(origin, "exact") {
            Some(exact) if origin.entries().len() == 1 => origins.push(exact.to_string()),
            _ => return Err(cannot(format!("{path}.allowOrigins[{i}]"), "meshc matches CORS origins exactly")),
        }
    }
    if !origins.is_empty() {
        items.push(format!("origins {}", quoted(&origins)));
    }
    let methods = strings(cors, "allowMethods");
    if !methods.is_empty() {
        if let Some(m) = methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
            return Err(cannot(format!("{path}.allowMethods"), format!("`{m}` is not an HTTP method .mesh knows")));
        }
        items.push(format!("methods {}", methods.join(", ")));
    }
    for (field, key) in [("allowHeaders", "headers"), ("exposeHeaders", "expose")] {
        let headers = strings(cors, field);
        if !headers.is_empty() {
            items.push(format!("{key} {}", quoted(&headers)));
        }
    }
    if let Some(max_age) = text(cors, "maxAge") {
        items.push(format!("max_age {}", duration(max_age, &format!("{path}.maxAge"))?));
    }
    if let Some(credentials) = boolean(cors, "allowCredentials") {
        items.push(format!("credentials {credentials}"));
    }
    Ok(format!("cors {{ {} }}", items.join("  ")))
}
