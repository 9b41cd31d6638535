//! Which Kubernetes object an emitted file holds, for the headers of diffs
//! (`prod VirtualService/auth`) and for matching objects across environments.
//!
//! The kind and name come from the YAML (`kind`, `metadata.name`, `metadata.namespace`);
//! a file that does not parse (one edited by hand in the output directory) is named after
//! the path meshc writes objects at, `<namespace>/<kind>-<name>.yaml`.

use super::value::Value;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resource {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Resource {
    /// Names the object in `contents`, found at `path` (relative to its environment's
    /// directory).
    pub fn of(path: &str, contents: &str) -> Resource {
        Value::parse(contents)
            .ok()
            .and_then(|value| Resource::from_value(&value))
            .unwrap_or_else(|| Resource::from_path(path))
    }

    /// The object's identity as its YAML states it; `None` without a `kind`.
    pub fn from_value(value: &Value) -> Option<Resource> {
        let kind = value.get("kind")?.as_str()?.to_string();
        let metadata = value.get("metadata");
        let field =
            |key: &str| metadata.and_then(|metadata| metadata.get(key)).and_then(Value::as_str).map(str::to_string);
        Some(Resource { kind, namespace: field("namespace"), name: field("name") })
    }

    /// The identity meshc's file layout implies: `shop/virtualservice-auth.yaml` is the
    /// `virtualservice` `auth` in `shop` (the kind in lower case, as in the file name).
    pub fn from_path(path: &str) -> Resource {
        let (namespace, file) = match path.rsplit_once('/') {
            Some((namespace, file)) => (Some(namespace.to_string()), file),
            None => (None, path),
        };
        let stem = file.strip_suffix(".yaml").or_else(|| file.strip_suffix(".yml")).unwrap_or(file);
        match stem.split_once('-') {
            Some((kind, name)) => Resource { kind: kind.to_string(), namespace, name: Some(name.to_string()) },
            None => Resource { kind: stem.to_string(), namespace, name: None },
        }
    }

    /// `VirtualService/auth`, or the kind alone for an object without a name.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{}/{name}", self.kind),
            None => self.kind.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: &str, namespace: Option<&str>, name: Option<&str>) -> Resource {
        Resource { kind: kind.into(), namespace: namespace.map(Into::into), name: name.map(Into::into) }
    }

    #[test]
    fn named_from_the_yaml() {
        let yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: auth\n  namespace: shop\nspec: {}\n";
        let found = Resource::of("shop/virtualservice-auth.yaml", yaml);
        assert_eq!(found, resource("VirtualService", Some("shop"), Some("auth")));
        assert_eq!(found.label(), "VirtualService/auth");
        let kustomization = Resource::of("kustomization.yaml", "kind: Kustomization\nresources: []\n");
        assert_eq!(kustomization, resource("Kustomization", None, None));
        assert_eq!(kustomization.label(), "Kustomization");
    }

    #[test]
    fn named_from_the_path_when_the_yaml_says_nothing() {
        let found = Resource::of("shop/virtualservice-payments-egress.yaml", "kind: [unclosed\n");
        assert_eq!(found, resource("virtualservice", Some("shop"), Some("payments-egress")));
        assert_eq!(Resource::of("notes.yaml", "just: text\n"), resource("notes", None, None));
        assert_eq!(Resource::from_path("a/b/gateway-web.yml"), resource("gateway", Some("a/b"), Some("web")));
    }
}
