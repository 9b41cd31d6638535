//! Sidecars → `sidecar` declarations: egress hosts as `local`, `namespace NS`, services and
//! externals; ingress listeners as ports of the service; the outbound policy.

use super::hosts::{self, Host};
use super::registry::protocol_of;
use super::{cannot, int, text, Cannot, Lift};
use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family};
use crate::yaml::Node;

impl<'a> Lift<'a> {
    pub(super) fn sidecar(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a Sidecar needs a spec"))?;
        let namespace = self.ns(object);
        let selector = spec.get("workloadSelector").and_then(|w| w.get("labels"));
        let Some(service) = self.selected_service(id, selector, "spec.workloadSelector.labels", &namespace)? else {
            return Err(cannot(
                "spec",
                "meshc writes a Sidecar for one service; a namespace-wide Sidecar has no .mesh form",
            ));
        };
        if self.survey
            && self.live("Sidecar").iter().any(|(other, o)| {
                *other < id
                    && o.namespace == object.namespace
                    && o.spec().and_then(|s| s.get("workloadSelector")).and_then(|w| w.get("labels")) == selector
            })
        {
            return Err(cannot("spec.workloadSelector", format!("a second Sidecar for `{service}`")));
        }
        let mut decl = Decl::new(Family::Sidecar, format!("sidecar {service}"));
        for (i, listener) in spec.get("egress").map(Node::items).unwrap_or_default().iter().enumerate() {
            let path = format!("spec.egress[{i}]");
            let mut names: Vec<String> = Vec::new();
            for (j, host) in listener.get("hosts").map(Node::items).unwrap_or_default().iter().enumerate() {
                let name = self.egress_host(id, host.as_str().unwrap_or_default(), &format!("{path}.hosts[{j}]"))?;
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let port = listener.get("port").and_then(|p| int(p, "number"));
            match port {
                Some(port) => decl.line(format!("egress port {port} {}", names.join(", "))),
                None => decl.line(format!("egress {}", names.join(", "))),
            }
        }
        for (i, listener) in spec.get("ingress").map(Node::items).unwrap_or_default().iter().enumerate() {
            let path = format!("spec.ingress[{i}]");
            let port = listener.get("port");
            let number = port.and_then(|p| int(p, "number")).unwrap_or_default() as u32;
            let protocol = port.and_then(|p| text(p, "protocol")).and_then(protocol_of);
            let Some(port_name) = port.and_then(|p| text(p, "name")) else {
                return Err(cannot(format!("{path}.port"), "meshc names every ingress port (the service's port name)"));
            };
            super::name(port_name, &format!("{path}.port.name"), "port")?;
            let info = self.reg.service_mut(&service).expect("selected service exists");
            info.add_port(number, Some(port_name), protocol, true)
                .map_err(|why| cannot(format!("{path}.port"), why))?;
            let mut line = format!("ingress {port_name}");
            if let Some(endpoint) = text(listener, "defaultEndpoint") {
                if endpoint != format!("127.0.0.1:{number}") {
                    line.push_str(&format!(" to {}", program::string(endpoint)));
                }
            }
            decl.line(line);
        }
        if let Some(mode) = spec.get("outboundTrafficPolicy").and_then(|o| text(o, "mode")) {
            decl.line(format!("outbound {}", mode.to_ascii_lowercase()));
        }
        decl.objects = vec![id];
        self.writes_as(id, "Sidecar", &namespace, &service);
        self.push(decl);
        Ok(())
    }

    /// `./*` → `local`, `NS/*` → `namespace NS`, `NS/<service FQDN>` → the service,
    /// `<mesh namespace>/<external host>` → the external.
    fn egress_host(&mut self, id: ObjId, host: &str, path: &str) -> Result<String, Cannot> {
        let Some((namespace, dns)) = host.split_once('/') else {
            return Err(cannot(path, format!("`{host}` is not `namespace/host`")));
        };
        if dns == "*" {
            return match namespace {
                "." => Ok("local".to_string()),
                "*" | "~" => Err(cannot(path, format!("`{host}` has no .mesh form"))),
                ns => Ok(format!("namespace {ns}")),
            };
        }
        let dns = dns.to_ascii_lowercase();
        if let Some(external) = self.reg.external_of_host(&dns).map(|e| e.name.clone()) {
            if namespace != self.namespace {
                return Err(cannot(path, format!("meshc lists externals as `{}/<host>`", self.namespace)));
            }
            return Ok(external);
        }
        match hosts::parse(&dns, namespace) {
            Host::Service(name, ns) if ns == namespace && dns.contains('.') => {
                self.reg.ensure(&name, &ns, id).map_err(|why| cannot(path, why))?;
                Ok(name)
            }
            _ => Err(cannot(
                path,
                format!("`{host}` is neither a service's `namespace/FQDN` nor an imported external's host"),
            )),
        }
    }
}
