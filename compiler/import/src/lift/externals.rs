//! ServiceEntries → `external` declarations (hosts, ports, location, resolution,
//! addresses, endpoints), with the traffic policy of their DestinationRules and the `via`
//! of their egress route; and the externals the import adds for hosts nothing declares.

use super::{cannot, hosts, quoted, strings, text, Cannot, Lift};
use crate::objects::{ObjId, Object};
use crate::program::{Decl, Family};
use crate::yaml::Node;

impl<'a> Lift<'a> {
    pub(super) fn service_entry(&mut self, id: ObjId, object: &'a Object) -> Result<(), Cannot> {
        let spec = object.spec().ok_or_else(|| cannot("spec", "a ServiceEntry needs a spec"))?;
        let namespace = self.ns(object);
        if namespace != self.namespace {
            return Err(cannot(
                "metadata.namespace",
                format!(
                    "meshc writes externals in the mesh namespace `{}`; this one is in `{namespace}`",
                    self.namespace
                ),
            ));
        }
        let name = hosts::label_for(&object.name);
        super::name(&name, "metadata.name", "external")?;
        let hosts: Vec<String> = strings(spec, "hosts").iter().map(|h| h.to_ascii_lowercase()).collect();
        if self.survey {
            if self.reg.service(&name).is_some() || self.reg.externals.iter().any(|e| e.name == name) {
                return Err(cannot("metadata.name", format!("the name `{name}` is taken")));
            }
            if let Some(host) = hosts.iter().find(|h| self.reg.external_of_host(h).is_some()) {
                return Err(cannot("spec.hosts", format!("host `{host}` is declared by another ServiceEntry too")));
            }
            self.reg.externals.push(super::registry::ExternalInfo {
                name: name.clone(),
                hosts,
                entry: Some(id),
                ports: Vec::new(),
                objects: vec![id],
                policy: Vec::new(),
                rules: Vec::new(),
                via: None,
            });
        }
        self.writes_as(id, "ServiceEntry", &namespace, &name);
        Ok(())
    }

    pub(super) fn externals_finish(&mut self) {
        let externals = self.reg.externals.clone();
        for external in &externals {
            let mut decl = Decl::new(Family::External, format!("external {}", external.name));
            decl.objects = external.objects.clone();
            decl.line(format!("hosts {}", quoted(&external.hosts)));
            for (name, number) in self.external_ports(external) {
                decl.line(format!("port {name} {number}"));
            }
            match external.entry {
                Some(entry) => {
                    if let Some(spec) = self.objects[entry].spec() {
                        entry_lines(spec, &mut decl);
                    }
                }
                None => decl.comment = Some("no ServiceEntry in the input: declared for the routes to it".to_string()),
            }
            for line in &external.policy {
                decl.line(line.clone());
            }
            if let Some((gateway, _)) = &external.via {
                decl.line(format!("via {gateway}"));
            }
            self.out.program.decls.push(decl);
        }
    }
}

/// `location`, `resolution`, `addresses` and `endpoints` of a ServiceEntry; the resolution
/// only when meshc's default (static for IP endpoints, else DNS) would not give it.
fn entry_lines(spec: &Node, decl: &mut Decl) {
    if text(spec, "location") == Some("MESH_INTERNAL") {
        decl.line("location internal");
    }
    let endpoints: Vec<String> = spec
        .get("endpoints")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| text(e, "address").map(str::to_string))
        .collect();
    let all_ips = !endpoints.is_empty() && endpoints.iter().all(|e| e.parse::<std::net::IpAddr>().is_ok());
    let default = if all_ips { "STATIC" } else { "DNS" };
    let resolution = text(spec, "resolution").unwrap_or("NONE");
    if resolution != default {
        decl.line(format!("resolution {}", resolution.to_ascii_lowercase()));
    }
    let addresses = strings(spec, "addresses");
    if !addresses.is_empty() {
        decl.line(format!("addresses {}", quoted(&addresses)));
    }
    if !endpoints.is_empty() {
        decl.line(format!("endpoints {}", quoted(&endpoints)));
    }
}
