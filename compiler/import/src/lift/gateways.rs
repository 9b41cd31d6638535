//! Gateways → `gateway` declarations: hosts (one list for every server, as meshc writes
//! them), servers by protocol and TLS mode, selector and namespace when not the defaults.

use super::{cannot, int, strings, text, Cannot, Lift, ROOT_NAMESPACE};
use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family};
use crate::yaml::Node;

impl<'a> Lift<'a> {
    pub(super) fn gateway(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a Gateway needs a spec"))?;
        let name = super::name(&object.name, "metadata.name", "gateway")?;
        let namespace = self.ns(object);
        // Checked in both passes so that routes never bind to a gateway that falls back.
        for (i, server) in spec.get("servers").map(Node::items).unwrap_or_default().iter().enumerate() {
            server_line(server, &format!("spec.servers[{i}]"))?;
        }
        let selector: Vec<(String, String)> = crate::objects::string_map(spec.get("selector")).into_iter().collect();
        for (key, _) in &selector {
            if !program::is_name(key) {
                return Err(cannot(
                    format!("spec.selector.{key}"),
                    format!("`{key}` cannot be a selector key in .mesh"),
                ));
            }
        }
        if self.survey {
            if self.reg.gateways.iter().any(|g| g.name == name) {
                return Err(cannot(
                    "metadata.name",
                    format!("a second gateway named `{name}`; .mesh names each gateway once"),
                ));
            }
            self.reg.gateways.push(super::registry::GatewayInfo {
                name: name.clone(),
                namespace: namespace.clone(),
                object: id,
                selector,
            });
        }
        self.writes_as(id, "Gateway", &namespace, &name);
        Ok(())
    }

    pub(super) fn gateways_finish(&mut self) {
        let gateways = self.reg.gateways.clone();
        for gateway in &gateways {
            let object = &self.objects[gateway.object];
            let Some(spec) = object.spec() else { continue };
            let servers = spec.get("servers").map(Node::items).unwrap_or_default();
            let egress_selector = gateway.selector == [("istio".to_string(), "egressgateway".to_string())];
            let used_for_egress =
                self.reg.externals.iter().any(|e| e.via.as_ref().is_some_and(|(g, _)| *g == gateway.name));
            let egress = egress_selector || used_for_egress;
            let mut decl =
                Decl::new(Family::Gateway, format!("gateway {}{}", gateway.name, if egress { " egress" } else { "" }));
            decl.objects = vec![gateway.object];
            if gateway.namespace != ROOT_NAMESPACE {
                decl.line(format!("namespace {}", gateway.namespace));
            }
            let default = if egress { "egressgateway" } else { "ingressgateway" };
            if gateway.selector != [("istio".to_string(), default.to_string())] {
                let pairs: Vec<String> =
                    gateway.selector.iter().map(|(k, v)| format!("{k} = {}", program::string(v))).collect();
                if !pairs.is_empty() {
                    decl.line(format!("selector {}", pairs.join(", ")));
                }
            }
            let hosts = servers.first().map(|s| strings(s, "hosts")).unwrap_or_default();
            if !hosts.is_empty() {
                decl.line(format!("hosts {}", super::quoted(&hosts)));
            }
            for (i, server) in servers.iter().enumerate() {
                if let Ok(line) = server_line(server, &format!("spec.servers[{i}]")) {
                    decl.line(line);
                }
            }
            self.out.program.decls.push(decl);
        }
    }
}

/// One server: `https 443 cert "shop-tls"`, `http 80 redirect`, `tls 443 passthrough`.
fn server_line(server: &Node, path: &str) -> Result<String, Cannot> {
    let port = server.get("port");
    let number = port.and_then(|p| int(p, "number")).unwrap_or_default();
    let protocol = port.and_then(|p| text(p, "protocol")).unwrap_or_default().to_ascii_uppercase();
    let tls = server.get("tls");
    let mode = tls.and_then(|t| text(t, "mode")).unwrap_or_default();
    let cert = tls.and_then(|t| text(t, "credentialName"));
    let with_cert = |word: &str| -> Result<String, Cannot> {
        let Some(cert) = cert else {
            return Err(cannot(
                format!("{path}.tls.credentialName"),
                "meshc terminates TLS with a certificate from a Secret (`credentialName`)",
            ));
        };
        let mutual = match mode {
            "SIMPLE" => "",
            "MUTUAL" => " mutual",
            other => {
                return Err(cannot(
                    format!("{path}.tls.mode"),
                    format!("TLS mode `{other}` has no .mesh form on a gateway"),
                ))
            }
        };
        Ok(format!("{word} {number} cert {}{mutual}", program::string(cert)))
    };
    match protocol.as_str() {
        "HTTP" => {
            let redirect = tls.and_then(|t| super::boolean(t, "httpsRedirect")) == Some(true);
            Ok(format!("http {number}{}", if redirect { " redirect" } else { "" }))
        }
        "HTTPS" => with_cert("https"),
        "TLS" if mode == "PASSTHROUGH" => Ok(format!("tls {number} passthrough")),
        "TLS" => with_cert("tls"),
        "TCP" => Ok(format!("tcp {number}")),
        other => Err(cannot(
            format!("{path}.port.protocol"),
            format!("gateway servers speak HTTP, HTTPS, TLS or TCP in .mesh, not {other}"),
        )),
    }
}
