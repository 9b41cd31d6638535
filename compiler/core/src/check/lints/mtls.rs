//! W0301: workloads of a production environment that accept plain text, because no policy
//! sets a mode for them (Istio's default is `permissive`) or because a workload or a port
//! is excepted. Namespace-wide and mesh-wide `permissive`/`disable` are W0201's.

use super::{mode_word, Lints};
use crate::model::{MtlsMode, PolicyScope};
use crate::Diagnostic;

impl Lints<'_, '_> {
    pub(super) fn mtls(&mut self) {
        self.namespaces_without_mode();
        self.mtls_exceptions();
    }

    /// One warning per namespace holding a service that no policy gives a mode.
    fn namespaces_without_mode(&mut self) {
        let mut reported: Vec<&str> = Vec::new();
        for service in &self.mesh.services {
            if self.mtls_of(service).is_some() || reported.contains(&service.namespace.as_str()) {
                continue;
            }
            reported.push(&service.namespace);
            let in_mesh_namespace = service.namespace == self.mesh.namespace;
            let declared = self.decls.service(&service.name);
            let span = if in_mesh_namespace {
                self.decls.mesh.map(|m| m.namespace.as_ref().map_or(m.name.span, |n| n.span))
            } else {
                declared.and_then(|s| s.namespace.as_ref()).map(|n| n.span)
            };
            let Some(span) = span.or_else(|| declared.map(|s| s.name.span)) else { continue };
            let open: Vec<&str> = self
                .mesh
                .services
                .iter()
                .filter(|s| s.namespace == service.namespace && self.mtls_of(s).is_none())
                .map(|s| s.name.as_str())
                .collect();
            let label = match open.len() {
                1 => format!("`{}` accepts plain-text traffic", service.name),
                n => format!("`{}` and {} other workloads here accept plain-text traffic", service.name, n - 1),
            };
            let mut d = Diagnostic::warning(
                "W0301",
                span,
                format!(
                    "no policy sets mTLS for namespace `{}` in production environment `{}`",
                    service.namespace,
                    self.env()
                ),
            )
            .with_span_label(label);
            d = if in_mesh_namespace {
                d.with_note(
                    "Istio's default mode is `permissive`; add `policy namespace { mtls strict }` (or `policy mesh`)",
                )
            } else {
                d.with_note(format!("`policy namespace` covers namespace `{}` only", self.mesh.namespace)).with_note(format!(
                    "Istio's default mode is `permissive`; add `policy mesh {{ mtls strict }}` or `policy {} {{ mtls strict }}`",
                    service.name
                ))
            };
            self.warn(d);
        }
    }

    /// Workload-level and port-level modes other than `strict`.
    fn mtls_exceptions(&mut self) {
        for pair in self.policies() {
            let (PolicyScope::Workload(workload), Some(decl)) = (&pair.policy.scope, pair.decl) else { continue };
            let whole = decl.mtls.iter().find(|m| m.port.is_none());
            if let (Some(mode), Some(written)) = (pair.policy.mtls, whole) {
                if matches!(mode, MtlsMode::Permissive | MtlsMode::Disable) {
                    self.warn(
                        Diagnostic::warning(
                            "W0301",
                            written.mode.span,
                            format!(
                                "mTLS is `{}` for `{}` in production environment `{}`",
                                mode_word(mode),
                                workload.name,
                                self.env()
                            ),
                        )
                        .with_span_label("this workload accepts plain-text traffic")
                        .with_note("`from` rules cannot tell who sends a plain-text request; use `mtls strict`"),
                    );
                }
            }
            let per_port: Vec<_> = decl.mtls.iter().filter(|m| m.port.is_some()).collect();
            if per_port.len() != pair.policy.port_mtls.len() {
                continue;
            }
            for ((port, mode), written) in pair.policy.port_mtls.iter().zip(per_port) {
                if matches!(mode, MtlsMode::Permissive | MtlsMode::Disable) {
                    self.warn(
                        Diagnostic::warning(
                            "W0301",
                            written.mode.span,
                            format!(
                                "mTLS is `{}` on port {port} of `{}` in production environment `{}`",
                                mode_word(*mode),
                                workload.name,
                                self.env()
                            ),
                        )
                        .with_span_label("this port accepts plain-text traffic")
                        .with_note(
                            "if a client without a sidecar needs this port, give it one or move it out of production",
                        ),
                    );
                }
            }
        }
    }
}
