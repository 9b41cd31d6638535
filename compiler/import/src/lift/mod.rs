//! Lifting: Istio objects → `.mesh` declarations, the inverse of `meshc_istio::lower`.
//!
//! Two passes over the same objects: the first fills the [`Registry`] (services with their
//! namespaces, ports, versions and accounts; externals; gateways), the second writes the
//! declarations with references the finished registry accepts. A lifter that meets
//! something the language cannot say returns [`Cannot`] with the field's path; the import
//! then keeps that object verbatim and lifts again without it. Lifters may also let a field
//! through unread: the round trip that follows compares what meshc writes back with the
//! input and catches it.

mod externals;
mod gateways;
pub mod hints;
pub mod hosts;
mod limits;
pub mod registry;
mod routes;
mod security;
mod services;
mod sidecars;
mod telemetry;

use std::collections::{BTreeMap, BTreeSet};

use meshc_core::Diagnostic;

use crate::objects::{ObjId, Object};
use crate::program::{self, Decl, Family, Program};
use crate::yaml::{Node, Value};
pub use hints::Hints;
use registry::Registry;

/// Istio's root namespace: mesh-wide policies and, by default, gateways live there.
pub const ROOT_NAMESPACE: &str = "istio-system";

/// The object meshc writes for an input object: `(kind, namespace, name)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identity {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// Why an object cannot become `.mesh`: the field (a path such as `spec.http[0].name`)
/// and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cannot {
    pub path: String,
    pub reason: String,
}

pub fn cannot(path: impl Into<String>, reason: impl Into<String>) -> Cannot {
    Cannot { path: path.into(), reason: reason.into() }
}

/// The outcome of lifting the objects that have not fallen back.
#[derive(Debug, Default)]
pub struct Lifted {
    pub program: Program,
    pub namespace: String,
    /// What meshc should write for each lifted object.
    pub expected: BTreeMap<ObjId, Identity>,
    /// Objects lifted as a construct whose output is known to differ from them (the Istio
    /// docs' rate-limit filter): reported, not kept verbatim.
    pub approximate: BTreeSet<ObjId>,
    /// Objects that cannot be lifted, with why.
    pub unsupported: Vec<(ObjId, Cannot)>,
    /// Assumptions the import made (W0602) and recognitions that change an object (W0603).
    pub warnings: Vec<Diagnostic>,
    /// Objects meshc writes that no input object asked for: `(identity, why)`.
    pub added: Vec<(Identity, String)>,
}

/// Lifts every object not in `fallen`.
pub fn lift(objects: &[Object], hints: &Hints, fallen: &BTreeSet<ObjId>) -> Lifted {
    // Chosen from every object, so that objects kept verbatim do not move the others.
    let namespace = mesh_namespace(objects, &BTreeSet::new());
    let trust_domain = trust_domain(objects, fallen);
    let mut survey = Lift::new(objects, hints, fallen, &namespace, &trust_domain, Registry::default(), true);
    survey.run();
    if !survey.out.unsupported.is_empty() {
        return survey.out;
    }
    let mut write = Lift::new(objects, hints, fallen, &namespace, &trust_domain, survey.reg, false);
    write.run();
    write.finish();
    write.out
}

/// One pass over the objects.
pub(crate) struct Lift<'a> {
    pub objects: &'a [Object],
    pub hints: &'a Hints,
    /// Objects kept verbatim: lifted without.
    pub fallen: &'a BTreeSet<ObjId>,
    /// The first pass fills the registry; the second writes declarations.
    pub survey: bool,
    pub reg: Registry,
    pub namespace: String,
    pub trust_domain: String,
    pub out: Lifted,
    /// Declarations for `policy`, `limit` and `jwt` targets, merged across objects.
    pub blocks: Vec<Decl>,
    /// Providers the telemetry blocks use, in order of first use.
    pub providers: Vec<telemetry::ProviderUse>,
    /// AuthorizationPolicies a `jwt … require` stands for.
    pub claimed: BTreeSet<ObjId>,
    /// `jwt` declarations being gathered.
    pub jwts: Vec<security::JwtBlock>,
    /// Targets that already have their object of some kind (one PeerAuthentication per
    /// target, …): a second one cannot be expressed.
    pub keys: BTreeSet<String>,
    /// Services whose port was assumed (warned about once).
    pub assumed: BTreeSet<String>,
}

impl<'a> Lift<'a> {
    fn new(
        objects: &'a [Object],
        hints: &'a Hints,
        fallen: &'a BTreeSet<ObjId>,
        namespace: &str,
        trust_domain: &str,
        mut reg: Registry,
        survey: bool,
    ) -> Self {
        if survey {
            // Objects without a namespace are in the mesh namespace, hints as much as the rest.
            let ns = |n: &String| if n.is_empty() { namespace.to_string() } else { n.clone() };
            reg.accounts = hints.accounts.iter().map(|(n, app, sa)| (ns(n), app.clone(), sa.clone())).collect();
            reg.hinted_ports =
                hints.ports.iter().map(|(n, name, ports)| (ns(n), name.clone(), ports.clone())).collect();
        }
        Lift {
            objects,
            hints,
            fallen,
            survey,
            reg,
            namespace: namespace.to_string(),
            trust_domain: trust_domain.to_string(),
            out: Lifted { namespace: namespace.to_string(), ..Lifted::default() },
            blocks: Vec::new(),
            providers: Vec::new(),
            claimed: BTreeSet::new(),
            jwts: Vec::new(),
            keys: BTreeSet::new(),
            assumed: BTreeSet::new(),
        }
    }

    /// Objects of one kind that are still in play.
    pub fn live(&self, kind: &str) -> Vec<(ObjId, &'a Object)> {
        let objects: &'a [Object] = self.objects;
        objects.iter().enumerate().filter(|(id, o)| o.kind == kind && !self.fallen.contains(id)).collect()
    }

    fn run(&mut self) {
        // Order matters: gateways and externals before the routes that name them, jwts
        // before the AuthorizationPolicies their `require` stands for.
        type Lifter<'a> = fn(&mut Lift<'a>, ObjId, &'a Object) -> Result<(), Cannot>;
        let steps: [(&str, Lifter<'a>); 10] = [
            ("Gateway", Lift::gateway),
            ("ServiceEntry", Lift::service_entry),
            ("DestinationRule", Lift::destination_rule),
            ("VirtualService", Lift::virtual_service),
            ("Sidecar", Lift::sidecar),
            ("PeerAuthentication", Lift::peer_authentication),
            ("RequestAuthentication", Lift::request_authentication),
            ("AuthorizationPolicy", Lift::authorization_policy),
            ("EnvoyFilter", Lift::envoy_filter),
            ("Telemetry", Lift::telemetry),
        ];
        for (kind, step) in steps {
            for (id, object) in self.live(kind) {
                if let Err(why) = step(self, id, object) {
                    self.out.unsupported.push((id, why));
                }
            }
        }
        let known: Vec<&str> = steps.iter().map(|(k, _)| *k).collect();
        for (id, object) in self.objects.iter().enumerate() {
            if !known.contains(&object.kind.as_str()) && !self.fallen.contains(&id) {
                self.out
                    .unsupported
                    .push((id, cannot("kind", format!("the language has no construct for a {}", object.kind))));
            }
        }
    }

    /// The namespace an object is in (the mesh namespace when it names none).
    pub fn ns(&self, object: &Object) -> String {
        object.namespace.clone().unwrap_or_else(|| self.namespace.clone())
    }

    /// Records the object meshc writes for `id`.
    pub fn writes_as(&mut self, id: ObjId, kind: &str, namespace: &str, name: &str) {
        if !self.survey {
            self.out.expected.insert(
                id,
                Identity { kind: kind.to_string(), namespace: namespace.to_string(), name: name.to_string() },
            );
        }
    }

    /// Adds a declaration (second pass only).
    pub fn push(&mut self, decl: Decl) {
        if !self.survey {
            self.out.program.decls.push(decl);
        }
    }

    /// The merged block for a target (`policy api`, `limit api`, `jwt auth`), created on
    /// first use.
    pub fn block(&mut self, family: Family, head: &str) -> &mut Decl {
        match self.blocks.iter().position(|d| d.family == family && d.head == head) {
            Some(i) => &mut self.blocks[i],
            None => {
                self.blocks.push(Decl::new(family, head));
                self.blocks.last_mut().expect("just pushed")
            }
        }
    }

    pub fn warn(&mut self, diagnostic: Diagnostic) {
        if !self.survey {
            self.out.warnings.push(diagnostic);
        }
    }

    /// The service a workload selector (`app: NAME`) picks in `namespace`.
    pub fn selected_service(
        &mut self,
        id: ObjId,
        selector: Option<&Node>,
        path: &str,
        namespace: &str,
    ) -> Result<Option<String>, Cannot> {
        let Some(selector) = selector else { return Ok(None) };
        let labels = crate::objects::string_map(Some(selector));
        if labels.is_empty() && selector.entries().is_empty() {
            return Ok(None);
        }
        match labels.get("app") {
            Some(app) if labels.len() == 1 && selector.entries().len() == labels.len() => {
                self.reg.ensure(app, namespace, id).map_err(|why| cannot(path, why))?;
                Ok(Some(app.clone()))
            }
            _ => Err(cannot(
                path,
                "meshc selects a workload by `app: <service>` alone; this selector picks pods another way",
            )),
        }
    }

    /// Adds the service, external and gateway declarations and the merged blocks.
    fn finish(&mut self) {
        let services = self.reg.services.clone();
        for service in &services {
            let decl = self.service_decl(service);
            self.out.program.decls.push(decl);
        }
        self.externals_finish();
        self.gateways_finish();
        self.providers_finish();
        self.jwts_finish();
        let blocks = std::mem::take(&mut self.blocks);
        self.out.program.decls.extend(blocks);
        let mut mesh = Decl::new(Family::Mesh, format!("mesh {}", self.namespace));
        mesh.line(format!("namespace {}", self.namespace));
        if self.trust_domain != "cluster.local" {
            mesh.line(format!("trust_domain {}", program::string(&self.trust_domain)));
        }
        self.out.program.decls.insert(0, mesh);
    }
}

/// The namespace most routes, externals and namespace-wide objects live in.
fn mesh_namespace(objects: &[Object], fallen: &BTreeSet<ObjId>) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    fn count(counts: &mut Vec<(String, usize)>, ns: &str) {
        match counts.iter_mut().find(|(n, _)| n == ns) {
            Some((_, c)) => *c += 1,
            None => counts.push((ns.to_string(), 1)),
        }
    }
    for (id, object) in objects.iter().enumerate() {
        let Some(ns) = &object.namespace else { continue };
        if fallen.contains(&id) || ns == ROOT_NAMESPACE {
            continue;
        }
        let selects = object.spec().is_some_and(|s| s.get("selector").is_some() || s.get("workloadSelector").is_some());
        let bound = matches!(object.kind.as_str(), "VirtualService" | "ServiceEntry")
            || (matches!(
                object.kind.as_str(),
                "PeerAuthentication" | "AuthorizationPolicy" | "RequestAuthentication" | "Telemetry"
            ) && !selects);
        if bound {
            count(&mut counts, ns);
        }
    }
    if counts.is_empty() {
        for (id, object) in objects.iter().enumerate() {
            match &object.namespace {
                Some(ns) if !fallen.contains(&id) && ns != ROOT_NAMESPACE => count(&mut counts, ns),
                _ => {}
            }
        }
    }
    let best = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    counts.into_iter().find(|(_, c)| *c == best).map_or_else(|| "default".to_string(), |(ns, _)| ns)
}

/// The trust domain most principals of the AuthorizationPolicies name.
fn trust_domain(objects: &[Object], fallen: &BTreeSet<ObjId>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (id, object) in objects.iter().enumerate() {
        if object.kind != "AuthorizationPolicy" || fallen.contains(&id) {
            continue;
        }
        for rule in object.spec().and_then(|s| s.get("rules")).map(Node::items).unwrap_or_default() {
            for from in rule.get("from").map(Node::items).unwrap_or_default() {
                for principal in
                    from.get("source").and_then(|s| s.get("principals")).map(Node::items).unwrap_or_default()
                {
                    if let Some((td, _)) = principal.as_str().and_then(|p| p.split_once("/ns/")) {
                        *counts.entry(td.to_string()).or_default() += 1;
                    }
                }
            }
        }
    }
    let best = counts.values().copied().max().unwrap_or(0);
    counts.into_iter().find(|(_, c)| *c == best && best > 0).map_or_else(|| "cluster.local".to_string(), |(td, _)| td)
}

// ---- small readers over `Node` ---------------------------------------------------------

pub fn text<'n>(node: &'n Node, key: &str) -> Option<&'n str> {
    node.get(key).and_then(Node::as_str)
}

pub fn int(node: &Node, key: &str) -> Option<i64> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        Some(Value::Float(f)) if f.fract() == 0.0 => Some(*f as i64),
        _ => None,
    }
}

pub fn number(node: &Node, key: &str) -> Option<f64> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i as f64),
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    }
}

pub fn boolean(node: &Node, key: &str) -> Option<bool> {
    match node.get(key).map(|n| &n.value) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

pub fn strings(node: &Node, key: &str) -> Vec<String> {
    node.get(key).map(Node::items).unwrap_or_default().iter().filter_map(|n| n.as_str().map(str::to_string)).collect()
}

/// A Go duration as `.mesh` writes it (`60s` → `1m`), or why it has no `.mesh` form.
pub fn duration(text: &str, path: &str) -> Result<String, Cannot> {
    meshc_core::units::parse_duration(text)
        .map(|d| d.to_string())
        .map_err(|why| cannot(path, format!("duration `{text}`: {why}")))
}

/// A `percentage: {value}` as `10%`.
pub fn percentage(node: Option<&Node>) -> Option<String> {
    node.and_then(|p| number(p, "value")).map(program::percent)
}

/// A name the grammar reads as one identifier, or why not.
pub fn name(text: &str, path: &str, what: &str) -> Result<String, Cannot> {
    if program::is_name(text) {
        Ok(text.to_string())
    } else {
        Err(cannot(path, format!("`{text}` cannot be a {what} name in .mesh")))
    }
}

/// `, `-joined quoted strings.
pub fn quoted(items: &[String]) -> String {
    items.iter().map(|s| program::string(s)).collect::<Vec<_>>().join(", ")
}

/// The first key of a mapping that is not one of `known`, as a [`Cannot`]: the fields a
/// lifter reads are all the language has for that object.
pub fn only(node: &Node, path: &str, known: &[&str]) -> Result<(), Cannot> {
    match node.entries().iter().find(|e| !known.contains(&e.key.as_str())) {
        Some(entry) => Err(cannot(format!("{path}.{}", entry.key), format!("`{}` has no .mesh form", entry.key))),
        None => Ok(()),
    }
}
