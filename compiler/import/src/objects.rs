//! Documents → Kubernetes objects: `apiVersion`, `kind` and `metadata` read and checked,
//! Istio kinds validated against their schema, other kinds set aside (some, such as
//! Kubernetes Services, still inform the import), `List` objects opened.

use std::collections::BTreeMap;

use meshc_core::suggest::did_you_mean;
use meshc_core::{Diagnostic, FileId, Sources, Span};

use crate::codes;
use crate::schema;
use crate::yaml::{self, Node, Value};

/// Index of an object in [`Objects::istio`].
pub type ObjId = usize;

/// One Kubernetes object read from the input.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: FileId,
    /// The whole document, for the verbatim copy.
    pub span: Span,
    /// `networking.istio.io`; empty for the core group (`v1`).
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub root: Node,
}

impl Object {
    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    /// `Kind namespace/name`, as messages name it.
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} `{ns}/{}`", self.kind, self.name),
            None => format!("{} `{}`", self.kind, self.name),
        }
    }

    /// The span of the `kind:` line, where notes about the whole object point.
    pub fn head(&self) -> Span {
        self.root.entry("kind").map_or(self.span, |e| e.key_span.to(e.value.span))
    }
}

/// The objects of every input file.
#[derive(Debug, Default)]
pub struct Objects {
    /// Istio objects, valid against their schema, in input order.
    pub istio: Vec<Object>,
    /// Everything else, in input order: skipped, but read for what it tells about services.
    pub other: Vec<Object>,
    pub diagnostics: Vec<Diagnostic>,
}

/// `metadata` fields the API server sets or that carry no configuration.
const METADATA_FIELDS: &[&str] = &[
    "name",
    "namespace",
    "labels",
    "annotations",
    "generateName",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "ownerReferences",
    "finalizers",
    "selfLink",
];

/// Reads every document of every source.
pub fn read(sources: &Sources) -> Objects {
    let mut out = Objects::default();
    for (file, source) in sources.iter() {
        let (documents, diagnostics) = yaml::read(file, &source.text);
        out.diagnostics.extend(diagnostics);
        for document in documents {
            out.document(file, document.span, document.root);
        }
    }
    out
}

impl Objects {
    fn document(&mut self, file: FileId, span: Span, root: Node) {
        if !matches!(root.value, Value::Map(_)) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    root.span,
                    format!("a Kubernetes object must be a mapping, not {}", root.type_name()),
                )
                .with_span_label("expected `apiVersion`, `kind`, `metadata` and `spec`"),
            );
            return;
        }
        let Some(api_version) = self.string_field(&root, "apiVersion", "the object") else { return };
        let Some(kind) = self.string_field(&root, "kind", "the object") else { return };
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.clone()),
        };
        if group.is_empty() && kind == "List" {
            // `kubectl get -o yaml` wraps objects in a List.
            if let Some(items) = root.get("items") {
                for item in items.items() {
                    self.document(file, item.span, item.clone());
                }
            }
            return;
        }
        let metadata = root.get("metadata");
        let name = metadata.and_then(|m| m.get("name")).and_then(Node::as_str).map(str::to_string);
        let namespace = metadata.and_then(|m| m.get("namespace")).and_then(Node::as_str).map(str::to_string);
        let object = Object {
            file,
            span,
            group: group.clone(),
            version,
            kind: kind.clone(),
            name: name.clone().unwrap_or_default(),
            namespace,
            root: root.clone(),
        };
        if !schema::is_istio_group(&group) {
            self.other.push(object);
            return;
        }
        let Some(kind_schema) = schema::of(&api_version, &kind) else {
            self.unknown_kind(&root, &group, &object.version, &kind);
            return;
        };
        let label = match (&name, &object.namespace) {
            (Some(n), Some(ns)) => format!("{kind} `{ns}/{n}`"),
            (Some(n), None) => format!("{kind} `{n}`"),
            (None, _) => kind.clone(),
        };
        let before = self.diagnostics.len();
        self.metadata(&root, &label);
        for entry in root.entries() {
            match entry.key.as_str() {
                "apiVersion" | "kind" | "metadata" | "status" => {}
                "spec" => {
                    if let Some(spec) = schema::property(kind_schema, "spec") {
                        schema::check(spec, &entry.value, Some(entry.key_span), "spec", &label, &mut self.diagnostics);
                    }
                }
                other => self.diagnostics.push(
                    Diagnostic::error(
                        codes::UNKNOWN_FIELD,
                        entry.key_span,
                        format!("unknown field `{other}` in {label}"),
                    )
                    .with_span_label("not a field of a Kubernetes object")
                    .with_note("an object has `apiVersion`, `kind`, `metadata`, `spec` (and `status`)"),
                ),
            }
        }
        if self.diagnostics.len() == before {
            self.istio.push(object);
        }
    }

    fn string_field(&mut self, root: &Node, key: &str, owner: &str) -> Option<String> {
        match root.get(key) {
            Some(Node { value: Value::Str(s), .. }) if !s.is_empty() => Some(s.clone()),
            Some(node) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::WRONG_TYPE,
                        node.span,
                        format!("`{key}` must be a non-empty string, not {}", node.type_name()),
                    )
                    .with_span_label(node.type_name()),
                );
                None
            }
            None => {
                self.diagnostics.push(
                    Diagnostic::error(codes::MISSING_FIELD, head(root.span), format!("`{key}` is required in {owner}"))
                        .with_span_label(format!("this object has no `{key}`")),
                );
                None
            }
        }
    }

    fn metadata(&mut self, root: &Node, label: &str) {
        let Some(metadata) = root.get("metadata") else {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    head(root.span),
                    format!("`metadata.name` is required in {label}"),
                )
                .with_span_label("this object has no `metadata`"),
            );
            return;
        };
        if !matches!(metadata.value, Value::Map(_)) {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    metadata.span,
                    format!("`metadata` must be a mapping, not {}, in {label}", metadata.type_name()),
                )
                .with_span_label(metadata.type_name()),
            );
            return;
        }
        if metadata.get("name").is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    head(metadata.span),
                    format!("`metadata.name` is required in {label}"),
                )
                .with_span_label("`metadata` has no `name`"),
            );
        }
        for entry in metadata.entries() {
            let path = format!("metadata.{}", entry.key);
            match entry.key.as_str() {
                "name" | "namespace" => {
                    if entry.value.as_str().is_none_or(str::is_empty) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::WRONG_TYPE,
                                entry.value.span,
                                format!(
                                    "`{path}` must be a non-empty string, not {}, in {label}",
                                    entry.value.type_name()
                                ),
                            )
                            .with_span_label(entry.value.type_name()),
                        );
                    }
                }
                "labels" | "annotations" => {
                    if !matches!(entry.value.value, Value::Map(_) | Value::Null) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::WRONG_TYPE,
                                entry.value.span,
                                format!("`{path}` must be a mapping, not {}, in {label}", entry.value.type_name()),
                            )
                            .with_span_label(entry.value.type_name()),
                        );
                    }
                    for item in entry.value.entries() {
                        if item.value.as_str().is_none() {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    codes::WRONG_TYPE,
                                    item.value.span,
                                    format!(
                                        "`{path}.{}` must be a string, not {}, in {label}",
                                        item.key,
                                        item.value.type_name()
                                    ),
                                )
                                .with_span_label(item.value.type_name())
                                .with_note("label and annotation values are strings: quote it"),
                            );
                        }
                    }
                }
                key if METADATA_FIELDS.contains(&key) => {}
                key => {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_FIELD,
                        entry.key_span,
                        format!("unknown field `{path}` in {label}"),
                    )
                    .with_span_label("not a field of `metadata`");
                    if let Some(near) = did_you_mean(key, METADATA_FIELDS.iter().copied()) {
                        d = d.with_suggestion(entry.key_span, near, format!("did you mean `{near}`?"));
                    }
                    self.diagnostics.push(d);
                }
            }
        }
    }

    fn unknown_kind(&mut self, root: &Node, group: &str, version: &str, kind: &str) {
        let served = schema::kinds_of_group(group);
        let at = root.get("kind").map_or(root.span, |k| k.span);
        let versions_of_kind: Vec<&str> = served.iter().filter(|(_, k)| k == kind).map(|(v, _)| v.as_str()).collect();
        let d = if versions_of_kind.is_empty() {
            let mut kinds: Vec<&str> = served.iter().map(|(_, k)| k.as_str()).collect();
            kinds.sort_unstable();
            kinds.dedup();
            let mut d = Diagnostic::error(codes::UNKNOWN_KIND, at, format!("`{group}` has no kind `{kind}`"))
                .with_span_label("not an Istio kind");
            match did_you_mean(kind, kinds.iter().copied()) {
                Some(near) => d = d.with_suggestion(at, near, format!("did you mean `{near}`?")),
                None => d = d.with_note(format!("`{group}` kinds: {}", kinds.join(", "))),
            }
            if let Some(hint) = route_kind_hint(kind) {
                d = d.with_note(hint);
            }
            d
        } else {
            let at = root.get("apiVersion").map_or(at, |a| a.span);
            Diagnostic::error(codes::UNKNOWN_KIND, at, format!("Istio does not serve {kind} in `{group}/{version}`"))
                .with_span_label("not a served version")
                .with_note(format!(
                    "{kind} is served as {}",
                    versions_of_kind.iter().map(|v| format!("`{group}/{v}`")).collect::<Vec<_>>().join(", ")
                ))
        };
        self.diagnostics.push(d);
    }
}

/// Route kinds of the Kubernetes Gateway API, often taken for Istio's.
fn route_kind_hint(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "TLSRoute" => "Istio routes TLS by SNI in the `tls` rules of a VirtualService; `TLSRoute` is a Gateway API kind (`gateway.networking.k8s.io`)",
        "HTTPRoute" | "GRPCRoute" => "Istio routes HTTP in the `http` rules of a VirtualService; this is a Gateway API kind (`gateway.networking.k8s.io`)",
        "TCPRoute" => "Istio routes TCP in the `tcp` rules of a VirtualService; `TCPRoute` is a Gateway API kind (`gateway.networking.k8s.io`)",
        _ => return None,
    })
}

/// A `string: string` mapping; other entries are left out (they were reported).
pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| n.entries().iter().filter_map(|e| Some((e.key.clone(), e.value.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

fn head(span: Span) -> Span {
    Span { end: span.start.saturating_add(1).min(span.end.max(span.start)), ..span }
}
