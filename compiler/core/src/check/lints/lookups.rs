//! The lookups the lints make for every service, route and policy, built once per pass:
//! scanning the whole mesh for each of them made the lints quadratic in the size of the mesh.
//! Each answers exactly what the scan it replaces answered (the first match, in mesh order).

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{Jwt, Mesh, MtlsMode, PolicyScope, Service, Workload};

/// `(namespace, name)` of a workload.
type Key<'m> = (&'m str, &'m str);

pub(super) struct Lookups<'m> {
    services_by_workload: FxHashMap<Key<'m>, Vec<&'m Service>>,
    services_by_namespace: FxHashMap<&'m str, Vec<&'m Service>>,
    service_by_fqdn: FxHashMap<&'m str, &'m Service>,
    /// The mode of the first policy that sets one, per scope.
    workload_modes: FxHashMap<Key<'m>, MtlsMode>,
    namespace_modes: FxHashMap<&'m str, MtlsMode>,
    mesh_mode: Option<MtlsMode>,
    /// Positions in `mesh.policies` of the policies of each scope.
    workload_policies: FxHashMap<Key<'m>, Vec<usize>>,
    namespace_policies: FxHashMap<&'m str, Vec<usize>>,
    mesh_policies: Vec<usize>,
    /// Workloads with a policy that excepts a port from strict mTLS.
    port_exceptions: FxHashSet<Key<'m>>,
    /// Positions in `mesh.jwts` of the verifications `on` each workload, and of those
    /// without `on` (the mesh namespace's).
    jwts_by_workload: FxHashMap<Key<'m>, Vec<usize>>,
    namespace_jwts: Vec<usize>,
}

fn key(workload: &Workload) -> Key<'_> {
    (&workload.namespace, &workload.name)
}

impl<'m> Lookups<'m> {
    pub(super) fn new(mesh: &'m Mesh) -> Self {
        let mut lookups = Lookups {
            services_by_workload: FxHashMap::default(),
            services_by_namespace: FxHashMap::default(),
            service_by_fqdn: FxHashMap::default(),
            workload_modes: FxHashMap::default(),
            namespace_modes: FxHashMap::default(),
            mesh_mode: None,
            workload_policies: FxHashMap::default(),
            namespace_policies: FxHashMap::default(),
            mesh_policies: Vec::new(),
            port_exceptions: FxHashSet::default(),
            jwts_by_workload: FxHashMap::default(),
            namespace_jwts: Vec::new(),
        };
        for service in &mesh.services {
            lookups.services_by_workload.entry((&service.namespace, &service.name)).or_default().push(service);
            lookups.services_by_namespace.entry(&service.namespace).or_default().push(service);
            lookups.service_by_fqdn.entry(&service.fqdn).or_insert(service);
        }
        for (i, policy) in mesh.policies.iter().enumerate() {
            match &policy.scope {
                PolicyScope::Workload(w) => lookups.workload_policies.entry(key(w)).or_default().push(i),
                PolicyScope::Namespace(ns) => lookups.namespace_policies.entry(ns).or_default().push(i),
                PolicyScope::Mesh(_) => lookups.mesh_policies.push(i),
            }
            if let Some(mode) = policy.mtls.filter(|m| *m != MtlsMode::Unset) {
                match &policy.scope {
                    PolicyScope::Workload(w) => {
                        lookups.workload_modes.entry(key(w)).or_insert(mode);
                    }
                    PolicyScope::Namespace(ns) => {
                        lookups.namespace_modes.entry(ns).or_insert(mode);
                    }
                    PolicyScope::Mesh(_) => {
                        lookups.mesh_mode.get_or_insert(mode);
                    }
                }
            }
            if let PolicyScope::Workload(w) = &policy.scope {
                if policy.port_mtls.iter().any(|(_, m)| *m != MtlsMode::Strict) {
                    lookups.port_exceptions.insert(key(w));
                }
            }
        }
        for (i, jwt) in mesh.jwts.iter().enumerate() {
            if jwt.workloads.is_empty() {
                lookups.namespace_jwts.push(i);
            }
            for w in &jwt.workloads {
                let positions = lookups.jwts_by_workload.entry(key(w)).or_default();
                if positions.last() != Some(&i) {
                    positions.push(i);
                }
            }
        }
        lookups
    }

    /// The services a policy scope applies to, in mesh order.
    pub(super) fn services_of(&self, mesh: &'m Mesh, scope: &PolicyScope) -> Vec<&'m Service> {
        match scope {
            PolicyScope::Workload(w) => self.services_by_workload.get(&key(w)).cloned().unwrap_or_default(),
            PolicyScope::Namespace(ns) => self.services_by_namespace.get(ns.as_str()).cloned().unwrap_or_default(),
            PolicyScope::Mesh(_) => mesh.services.iter().collect(),
        }
    }

    /// Positions in `mesh.policies` of the policies that apply to the service, in mesh order.
    pub(super) fn policies_of(&self, service: &Service) -> Vec<usize> {
        let key = (service.namespace.as_str(), service.name.as_str());
        let workload = self.workload_policies.get(&key).map_or(&[][..], Vec::as_slice);
        let namespace = self.namespace_policies.get(service.namespace.as_str()).map_or(&[][..], Vec::as_slice);
        let mut positions: Vec<usize> = workload.iter().chain(namespace).chain(&self.mesh_policies).copied().collect();
        positions.sort_unstable();
        positions
    }

    /// The first service whose DNS name is `fqdn`.
    pub(super) fn service_by_fqdn(&self, fqdn: &str) -> Option<&'m Service> {
        self.service_by_fqdn.get(fqdn).copied()
    }

    /// The mode the first policy that sets one gives the service: its workload's, else its
    /// namespace's, else the mesh's.
    pub(super) fn mtls_of(&self, service: &Service) -> Option<MtlsMode> {
        self.workload_modes
            .get(&(service.namespace.as_str(), service.name.as_str()))
            .or_else(|| self.namespace_modes.get(service.namespace.as_str()))
            .copied()
            .or(self.mesh_mode)
    }

    pub(super) fn has_port_exception(&self, service: &Service) -> bool {
        self.port_exceptions.contains(&(service.namespace.as_str(), service.name.as_str()))
    }

    /// The verifications `on` the workload and, in the mesh namespace, those without `on`,
    /// in mesh order.
    pub(super) fn jwts_on(&self, mesh: &'m Mesh, workload: &Workload) -> Vec<&'m Jwt> {
        let on = self.jwts_by_workload.get(&key(workload)).map_or(&[][..], Vec::as_slice);
        let wide = if workload.namespace == mesh.namespace { self.namespace_jwts.as_slice() } else { &[] };
        let mut positions: Vec<usize> = on.iter().chain(wide).copied().collect();
        positions.sort_unstable();
        positions.dedup();
        positions.into_iter().map(|i| &mesh.jwts[i]).collect()
    }
}
