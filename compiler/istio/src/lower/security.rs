//! Policies and JWTs → PeerAuthentication, AuthorizationPolicy, RequestAuthentication.

use meshc_core::model::{self, AuthAction, MtlsMode, PolicyScope};

use super::{selector, Emitter};
use crate::model::authorization_policy as ap;
use crate::model::peer_authentication as pa;
use crate::model::request_authentication as ra;

pub(crate) fn lower(out: &mut Emitter<'_>) {
    let mesh = out.mesh;
    for policy in &mesh.policies {
        let (namespace, base, select) = match &policy.scope {
            PolicyScope::Namespace(ns) => (ns.clone(), "namespace".to_string(), None),
            PolicyScope::Mesh(ns) => (ns.clone(), "mesh".to_string(), None),
            PolicyScope::Workload(w) => (w.namespace.clone(), w.name.clone(), Some(selector(w))),
        };
        if policy.mtls.is_some() || !policy.port_mtls.is_empty() {
            let spec = pa::PeerAuthentication {
                selector: select.clone(),
                mtls: policy.mtls.map(|m| pa::MutualTls { mode: Some(mtls(m)) }),
                port_level_mtls: policy
                    .port_mtls
                    .iter()
                    .map(|(port, m)| (*port, pa::MutualTls { mode: Some(mtls(*m)) }))
                    .collect(),
            };
            // Istio's convention: the namespace-wide (and mesh-wide) policy is named `default`.
            let name = if select.is_some() { base.clone() } else { "default".to_string() };
            out.push(&name, &namespace, &policy.origin, spec);
        }
        if policy.default_deny {
            // ALLOW with no rules matches nothing: every request the scope receives is denied
            // unless another ALLOW policy admits it.
            let spec = ap::AuthorizationPolicy { selector: select.clone(), ..Default::default() };
            let name = if select.is_some() { format!("{base}-allow-nothing") } else { "allow-nothing".to_string() };
            out.push(&name, &namespace, &policy.origin, spec);
        }
        for (action, suffix) in [(AuthAction::Allow, "allow"), (AuthAction::Deny, "deny"), (AuthAction::Audit, "audit")]
        {
            let rules: Vec<&model::AuthRule> = policy.rules.iter().filter(|r| r.action == action).collect();
            let Some(first) = rules.first() else { continue };
            let spec = ap::AuthorizationPolicy {
                selector: select.clone(),
                action: Some(match action {
                    AuthAction::Allow => ap::Action::Allow,
                    AuthAction::Deny => ap::Action::Deny,
                    AuthAction::Audit => ap::Action::Audit,
                }),
                rules: rules.iter().map(|r| rule(r)).collect(),
                ..Default::default()
            };
            out.push(&format!("{base}-{suffix}"), &namespace, &first.origin, spec);
        }
    }
    for jwt in &mesh.jwts {
        let jwt_rule = ra::JwtRule {
            issuer: Some(jwt.issuer.clone()),
            audiences: jwt.audiences.clone(),
            jwks_uri: jwt.jwks_uri.clone(),
            from_headers: jwt
                .from_headers
                .iter()
                .map(|(name, prefix)| ra::JwtHeader { name: name.clone(), prefix: prefix.clone() })
                .collect(),
            from_params: jwt.from_params.clone(),
            from_cookies: jwt.from_cookies.clone(),
            output_claim_to_headers: jwt
                .claims_to_headers
                .iter()
                .map(|(header, claim)| ra::ClaimToHeader { header: header.clone(), claim: claim.clone() })
                .collect(),
            forward_original_token: jwt.forward.then_some(true),
            ..Default::default()
        };
        let targets: Vec<Option<&model::Workload>> =
            if jwt.workloads.is_empty() { vec![None] } else { jwt.workloads.iter().map(Some).collect() };
        for workload in targets {
            let (name, namespace) = match workload {
                Some(w) => (format!("{}-{}", jwt.name, w.name), w.namespace.clone()),
                None => (jwt.name.clone(), mesh.namespace.clone()),
            };
            let spec = ra::RequestAuthentication {
                selector: workload.map(selector),
                jwt_rules: vec![jwt_rule.clone()],
                ..Default::default()
            };
            out.push(&name, &namespace, &jwt.origin, spec);
            if let Some(except) = &jwt.require {
                // A RequestAuthentication only rejects invalid tokens. Requiring one takes a
                // DENY policy for requests without a principal: a separate ALLOW policy would
                // be ORed with the workload's other ALLOW policies and require nothing.
                let rules = vec![ap::Rule {
                    from: vec![ap::RuleFrom {
                        source: ap::Source { not_request_principals: vec!["*".to_string()], ..Default::default() },
                    }],
                    to: if except.is_empty() {
                        Vec::new()
                    } else {
                        vec![ap::RuleTo {
                            operation: ap::Operation { not_paths: except.clone(), ..Default::default() },
                        }]
                    },
                    ..Default::default()
                }];
                let spec = ap::AuthorizationPolicy {
                    selector: workload.map(selector),
                    action: Some(ap::Action::Deny),
                    rules,
                    ..Default::default()
                };
                out.push(&format!("{name}-require-jwt"), &namespace, &jwt.origin, spec);
            }
        }
    }
}

fn mtls(mode: MtlsMode) -> pa::MtlsMode {
    match mode {
        MtlsMode::Unset => pa::MtlsMode::Unset,
        MtlsMode::Disable => pa::MtlsMode::Disable,
        MtlsMode::Permissive => pa::MtlsMode::Permissive,
        MtlsMode::Strict => pa::MtlsMode::Strict,
    }
}

fn rule(r: &model::AuthRule) -> ap::Rule {
    let from = r
        .from
        .iter()
        .map(|s| ap::RuleFrom {
            source: ap::Source {
                principals: s.principals.clone(),
                request_principals: s.request_principals.clone(),
                namespaces: s.namespaces.clone(),
                ip_blocks: s.ip_blocks.clone(),
                ..Default::default()
            },
        })
        .collect();
    let operation = ap::Operation {
        methods: r.methods.clone(),
        paths: r.paths.clone(),
        ports: r.ports.iter().map(u32::to_string).collect(),
        ..Default::default()
    };
    let to = if operation == ap::Operation::default() { Vec::new() } else { vec![ap::RuleTo { operation }] };
    let when = r
        .when
        .iter()
        .map(|c| ap::Condition { key: c.key.clone(), values: c.values.clone(), not_values: c.not_values.clone() })
        .collect();
    ap::Rule { from, to, when }
}
