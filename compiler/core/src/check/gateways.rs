//! Gateways: servers, TLS and the hosts they serve.

use std::collections::BTreeMap;

use meshc_syntax::ast::{self, ServerProtocol};

use super::Checker;
use crate::model;
use crate::Diagnostic;

impl<'a> Checker<'a> {
    pub(crate) fn gateway_namespace(&self, decl: &ast::GatewayDecl) -> String {
        decl.namespace.as_ref().map_or_else(|| self.root_namespace.clone(), |n| n.node.clone())
    }

    /// The hosts a gateway serves, evaluated in this environment.
    pub(crate) fn gateway_hosts(&mut self, decl: &ast::GatewayDecl) -> Vec<String> {
        let mut hosts = Vec::new();
        for host in &decl.hosts {
            match host {
                ast::Host::Literal(v) => {
                    if let Some(h) = self.host_string(v) {
                        if h != "*" && !h.contains('.') && h.parse::<std::net::IpAddr>().is_err() {
                            self.report(
                                Diagnostic::error(
                                    "E0205",
                                    v.span,
                                    format!("gateway host `{h}` is not a fully qualified name"),
                                )
                                .with_span_label("gateways take FQDNs, `*.domain` or `*`"),
                            );
                        } else {
                            hosts.push(h);
                        }
                    }
                }
                ast::Host::Ref(name) => match self.decls.external(&name.node) {
                    Some(ext) if decl.egress => {
                        self.record_ref(name.span, crate::index::DefKind::External, &name.node, None);
                        for h in &ext.hosts {
                            if let ast::Host::Literal(v) = h {
                                hosts.extend(self.string(v).map(|s| s.to_ascii_lowercase()));
                            }
                        }
                    }
                    None if decl.egress => {
                        let candidates = self.decls.externals.iter().map(|e| e.name.node.as_str()).collect();
                        self.unknown("E0101", "external", name, candidates);
                    }
                    _ => self.report(
                        Diagnostic::error("E0201", name.span, "expected a host name in quotes")
                            .with_span_label("an ingress gateway serves DNS names")
                            .with_suggestion(name.span, format!("\"{}\"", name.node), "write it as a string"),
                    ),
                },
            }
        }
        hosts
    }

    pub(crate) fn gateway(&mut self, decl: &'a ast::GatewayDecl) -> Option<model::Gateway> {
        let hosts = self.gateway_hosts(decl);
        if decl.hosts.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("gateway `{}` serves no host", decl.name.node))
                    .with_span_label("Istio requires hosts on every server")
                    .with_note("add `hosts \"example.com\"` (or `\"*\"` to accept any)"),
            );
        }
        if decl.servers.is_empty() {
            self.report(
                Diagnostic::error("E0306", decl.name.span, format!("gateway `{}` has no server", decl.name.node))
                    .with_span_label("add e.g. `https 443 cert \"my-tls-secret\"`"),
            );
        }
        let mut servers: Vec<model::Server> = Vec::new();
        for server in &decl.servers {
            let Some(port) = self.port_number(&server.port) else { continue };
            if let Some(previous) = servers.iter().position(|s| s.port == port) {
                self.report(
                    Diagnostic::error(
                        "E0301",
                        server.span,
                        format!("gateway `{}` has two servers on port {port}", decl.name.node),
                    )
                    .with_span_label("second server on this port")
                    .with_label(decl.servers[previous].span, "first one"),
                );
                continue;
            }
            if let Some(s) = self.server(server, port) {
                servers.push(s);
            }
        }
        let default_selector = if decl.egress { "egressgateway" } else { "ingressgateway" };
        let mut selector = BTreeMap::new();
        for (key, value) in &decl.selector {
            if let Some(v) = self.string(value) {
                selector.insert(key.node.clone(), v);
            }
        }
        if selector.is_empty() {
            selector.insert("istio".to_string(), default_selector.to_string());
        }
        Some(model::Gateway {
            name: decl.name.node.clone(),
            namespace: self.gateway_namespace(decl),
            egress: decl.egress,
            selector,
            hosts,
            servers,
            origin: self.origin(decl.span),
        })
    }

    fn server(&mut self, server: &ast::ServerDecl, port: u32) -> Option<model::Server> {
        let protocol_name = match server.protocol {
            ServerProtocol::Http => "http",
            ServerProtocol::Https => "https",
            ServerProtocol::Tls => "tls",
            ServerProtocol::Tcp => "tcp",
        };
        let misplaced = |span: Option<meshc_syntax::Span>, what: &str, allowed: &[ServerProtocol]| {
            span.filter(|_| !allowed.contains(&server.protocol)).map(|s| (s, what.to_string()))
        };
        let cert_span = server.cert.as_ref().map(|c| c.span);
        let problems: Vec<(meshc_syntax::Span, String)> = [
            misplaced(server.redirect, "`redirect` (to https)", &[ServerProtocol::Http]),
            misplaced(server.passthrough, "`passthrough`", &[ServerProtocol::Tls]),
            misplaced(server.mutual, "`mutual`", &[ServerProtocol::Https, ServerProtocol::Tls]),
            misplaced(cert_span, "`cert`", &[ServerProtocol::Https, ServerProtocol::Tls]),
        ]
        .into_iter()
        .flatten()
        .collect();
        for (span, what) in &problems {
            self.report(
                Diagnostic::error("E0307", *span, format!("{what} does not apply to a `{protocol_name}` server"))
                    .with_span_label("not allowed here")
                    .with_note("`http` may redirect; `https` terminates TLS with `cert`; `tls` passes through or terminates; `tcp` is plain"),
            );
        }
        if !problems.is_empty() {
            return None;
        }
        let credential = server.cert.as_ref().and_then(|c| self.string(c));
        let tls_mode = match server.protocol {
            ServerProtocol::Http | ServerProtocol::Tcp => None,
            ServerProtocol::Tls if server.passthrough.is_some() => {
                if server.cert.is_some() {
                    self.report(
                        Diagnostic::error(
                            "E0307",
                            server.span,
                            "a `passthrough` server does not terminate TLS, so it takes no `cert`",
                        )
                        .with_span_label("remove `cert` or `passthrough`"),
                    );
                    return None;
                }
                Some(model::ServerTlsMode::Passthrough)
            }
            _ if credential.is_none() && server.cert.is_some() => return None, // the cert had an error
            _ if credential.is_none() => {
                let hint = if server.protocol == ServerProtocol::Tls {
                    "add `cert \"secret\"` or `passthrough`"
                } else {
                    "add `cert \"secret-name\"`"
                };
                self.report(
                    Diagnostic::error("E0306", server.span, format!("a `{protocol_name}` server needs a certificate"))
                        .with_span_label(hint)
                        .with_note("the certificate is a Kubernetes Secret in the gateway's namespace"),
                );
                return None;
            }
            _ if server.mutual.is_some() => Some(model::ServerTlsMode::Mutual),
            _ => Some(model::ServerTlsMode::Simple),
        };
        Some(model::Server {
            protocol: match server.protocol {
                ServerProtocol::Http => model::ServerProtocol::Http,
                ServerProtocol::Https => model::ServerProtocol::Https,
                ServerProtocol::Tls => model::ServerProtocol::Tls,
                ServerProtocol::Tcp => model::ServerProtocol::Tcp,
            },
            port,
            name: format!("{protocol_name}-{port}"),
            https_redirect: server.redirect.is_some(),
            tls_mode,
            credential,
        })
    }
}

/// Whether a gateway host pattern (`*`, `*.x.com`, `a.x.com`) covers `host`.
pub(crate) fn host_covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" || pattern == host {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::host_covers;

    #[test]
    fn wildcards_cover_subdomains() {
        assert!(host_covers("*", "a.b.com"));
        assert!(host_covers("*.b.com", "a.b.com"));
        assert!(host_covers("*.b.com", "x.a.b.com"));
        assert!(!host_covers("*.b.com", "b.com"));
        assert!(host_covers("a.b.com", "a.b.com"));
        assert!(!host_covers("a.b.com", "c.b.com"));
    }
}
