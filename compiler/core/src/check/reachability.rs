//! W0104: a route sends a gateway's traffic to a service whose authorization policies
//! admit no request coming from that gateway. Istio would answer 403 to every request:
//! the route looks fine and the service is unreachable. Found by reading the policies that
//! apply to the service (mesh, namespace and workload scope), in every environment.

use rustc_hash::{FxHashMap, FxHashSet};

use super::Checker;
use crate::model::{self, AuthAction, HttpAction, PolicyScope};

/// The services by DNS name and the policies by scope, built once per pass: scanning every
/// service and every policy for each route made this check quadratic in the mesh's size.
struct Lookups<'m> {
    services: FxHashMap<&'m str, &'m model::Service>,
    mesh_policies: Vec<&'m model::Policy>,
    namespace_policies: FxHashMap<&'m str, Vec<&'m model::Policy>>,
    workload_policies: FxHashMap<(&'m str, &'m str), Vec<&'m model::Policy>>,
}

impl<'m> Lookups<'m> {
    fn new(mesh: &'m model::Mesh) -> Self {
        let mut lookups = Lookups {
            services: FxHashMap::with_capacity_and_hasher(mesh.services.len(), Default::default()),
            mesh_policies: Vec::new(),
            namespace_policies: FxHashMap::default(),
            workload_policies: FxHashMap::default(),
        };
        for service in &mesh.services {
            lookups.services.entry(&service.fqdn).or_insert(service);
        }
        for policy in &mesh.policies {
            match &policy.scope {
                PolicyScope::Mesh(_) => lookups.mesh_policies.push(policy),
                PolicyScope::Namespace(ns) => lookups.namespace_policies.entry(ns).or_default().push(policy),
                PolicyScope::Workload(w) => {
                    lookups.workload_policies.entry((&w.namespace, &w.name)).or_default().push(policy)
                }
            }
        }
        lookups
    }
}
use crate::Diagnostic;

impl<'a> Checker<'a> {
    pub(crate) fn check_gateway_reachability(&mut self, mesh: &model::Mesh) {
        let mut reported: FxHashSet<(String, String, String)> = FxHashSet::default();
        let lookups = Lookups::new(mesh);
        for route in &mesh.routes {
            let Some(decl) = self.decls.route(&route.name) else { continue };
            for gateway in mesh.gateways.iter().filter(|g| !g.egress) {
                let reference = format!("{}/{}", gateway.namespace, gateway.name);
                if !route.gateways.contains(&reference) {
                    continue;
                }
                for service in destinations(&lookups, route) {
                    if admits(&lookups, service, gateway) {
                        continue;
                    }
                    if !reported.insert((route.name.clone(), service.name.clone(), gateway.name.clone())) {
                        continue;
                    }
                    let Some(via) = decl.via.iter().find(|v| v.node == gateway.name) else { continue };
                    self.report(
                        Diagnostic::warning(
                            "W0104",
                            via.span,
                            format!(
                                "requests through gateway `{}` to `{}` are denied by its authorization policies",
                                gateway.name, service.name
                            ),
                        )
                        .with_span_label(format!("route `{}` sends gateway traffic to `{}`", route.name, service.name))
                        .with_note(format!(
                            "`{}` is under `default deny` or `allow` rules, and none admits callers from namespace `{}` (the gateway's), any caller, or a JWT",
                            service.name, gateway.namespace
                        ))
                        .with_note(format!(
                            "admit the gateway with `allow from namespace {}` in `policy {}`",
                            gateway.namespace, service.name
                        )),
                    );
                }
            }
        }
    }
}

/// The services a route forwards to, each once.
fn destinations<'m>(lookups: &Lookups<'m>, route: &model::Route) -> Vec<&'m model::Service> {
    let hosts = route
        .http
        .iter()
        .flat_map(|r| match &r.action {
            HttpAction::Forward(d) => d.as_slice(),
            _ => &[],
        })
        .chain(route.tls.iter().flat_map(|r| &r.destinations))
        .chain(route.tcp.iter().flat_map(|r| &r.destinations))
        .map(|d| d.host.as_str());
    let mut out: Vec<&model::Service> = Vec::new();
    for host in hosts {
        if let Some(&s) = lookups.services.get(host) {
            if !out.iter().any(|seen| seen.fqdn == s.fqdn) {
                out.push(s);
            }
        }
    }
    out
}

/// Whether some request from the gateway's workloads can pass the service's ALLOW policies.
fn admits(lookups: &Lookups<'_>, service: &model::Service, gateway: &model::Gateway) -> bool {
    // The mesh's, the namespace's and the workload's policies (the answer does not depend on
    // their order).
    let none = Vec::new();
    let namespace = lookups.namespace_policies.get(service.namespace.as_str()).unwrap_or(&none);
    let workload = lookups.workload_policies.get(&(service.namespace.as_str(), service.name.as_str())).unwrap_or(&none);
    let applying: Vec<&model::Policy> =
        lookups.mesh_policies.iter().chain(namespace).chain(workload).copied().collect();
    let allow: Vec<&model::AuthRule> =
        applying.iter().flat_map(|p| p.rules.iter()).filter(|r| r.action == AuthAction::Allow).collect();
    let deny_by_default = applying.iter().any(|p| p.default_deny);
    if allow.is_empty() && !deny_by_default {
        return true; // no ALLOW policy selects the workload: everything not denied passes
    }
    allow.iter().any(|rule| {
        rule.from.is_empty()
            || rule.from.iter().any(|source| {
                source.namespaces.contains(&gateway.namespace)
                    || !source.request_principals.is_empty()
                    || !source.ip_blocks.is_empty()
            })
    })
}
