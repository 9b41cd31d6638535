//! What objects that are not Istio configuration tell about the mesh: the ports of
//! Kubernetes Services, the service accounts workloads run as, and the extension providers
//! of the mesh config (an IstioOperator, or the `istio` ConfigMap). They are not imported.

use meshc_core::model::Protocol;
use meshc_core::FileId;

use super::registry::{protocol_of, PortInfo};
use super::{int, text};
use crate::objects::Object;
use crate::yaml::{self, Node};

/// An entry of `meshConfig.extensionProviders`, as a `provider` declaration takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderHint {
    pub name: String,
    pub kind: String,
    pub address: String,
}

#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// `(namespace, app, service account)` from Deployments, StatefulSets, DaemonSets.
    pub accounts: Vec<(String, String, String)>,
    /// `(namespace, service, ports)` from Kubernetes Services.
    pub ports: Vec<(String, String, Vec<PortInfo>)>,
    pub providers: Vec<ProviderHint>,
}

pub fn read(other: &[Object]) -> Hints {
    let mut hints = Hints::default();
    for object in other {
        let namespace = object.namespace.clone().unwrap_or_default();
        match (object.group.as_str(), object.kind.as_str()) {
            ("", "Service") => {
                let mut ports = Vec::new();
                for port in object.spec().and_then(|s| s.get("ports")).map(Node::items).unwrap_or_default() {
                    let Some(number) = int(port, "port") else { continue };
                    let name = text(port, "name").map(str::to_string);
                    let protocol = text(port, "appProtocol")
                        .and_then(protocol_of)
                        .or_else(|| name.as_deref().and_then(Protocol::from_port_name));
                    ports.push(PortInfo { number: number as u32, name, protocol, fixed: false });
                }
                hints.ports.push((namespace, object.name.clone(), ports));
            }
            ("apps", "Deployment" | "StatefulSet" | "DaemonSet") => {
                let template = object.spec().and_then(|s| s.get("template"));
                let app =
                    template.and_then(|t| t.get("metadata")).and_then(|m| m.get("labels")).and_then(|l| text(l, "app"));
                let account = template.and_then(|t| t.get("spec")).and_then(|s| text(s, "serviceAccountName"));
                if let (Some(app), Some(account)) = (app, account) {
                    hints.accounts.push((namespace, app.to_string(), account.to_string()));
                }
            }
            ("install.istio.io", "IstioOperator") => {
                let providers =
                    object.spec().and_then(|s| s.get("meshConfig")).and_then(|m| m.get("extensionProviders"));
                providers_of(providers, &mut hints.providers);
            }
            ("", "ConfigMap") if object.name == "istio" => {
                let mesh = object.root.get("data").and_then(|d| text(d, "mesh"));
                if let Some(mesh) = mesh {
                    let (documents, _) = yaml::read(FileId(u32::MAX), mesh);
                    if let Some(document) = documents.first() {
                        providers_of(document.root.get("extensionProviders"), &mut hints.providers);
                    }
                }
            }
            _ => {}
        }
    }
    hints
}

fn providers_of(list: Option<&Node>, out: &mut Vec<ProviderHint>) {
    for provider in list.map(Node::items).unwrap_or_default() {
        let Some(name) = text(provider, "name") else { continue };
        let address = |node: &Node| {
            let service = text(node, "service").unwrap_or_default();
            match int(node, "port") {
                Some(port) => format!("{service}:{port}"),
                None => service.to_string(),
            }
        };
        let found = [
            ("zipkin", "zipkin"),
            ("opentelemetry", "opentelemetry"),
            ("skywalking", "skywalking"),
            ("datadog", "datadog"),
            ("envoyOtelAls", "opentelemetry"),
        ]
        .iter()
        .find_map(|(key, kind)| provider.get(key).map(|n| (kind.to_string(), address(n))))
        .or_else(|| provider.get("prometheus").map(|_| ("prometheus".to_string(), String::new())))
        .or_else(|| {
            provider
                .get("envoyFileAccessLog")
                .map(|n| ("envoy_file_access_log".to_string(), text(n, "path").unwrap_or("/dev/stdout").to_string()))
        });
        if let Some((kind, address)) = found {
            out.push(ProviderHint { name: name.to_string(), kind, address });
        }
    }
}
