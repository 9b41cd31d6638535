//! The floor of the peer workload: its Istio objects built directly as typed
//! `meshc_istio::model` values and written by meshc's own writer, with no parsing, no
//! checking and no lowering. A meshc build of the same workload cannot be faster than this;
//! `bench/compare.sh` prints meshc/floor. The output is byte-for-byte what `meshc build`
//! writes for the workload (a test checks it), so both do exactly the same writing.

use std::collections::BTreeMap;

use meshc_istio::lower::{ENV_LABEL, MANAGED_BY, SOURCE_ANNOTATION};
use meshc_istio::model::destination_rule as dr;
use meshc_istio::model::virtual_service as vs;
use meshc_istio::model::{Kustomization, ObjectMeta, PortSelector, Resource, Spec};
use meshc_istio::{yaml, EmittedEnv, OutputFile};

use crate::workload::peer;

/// Every object of the peer workload of `services` services, sorted by output path as
/// meshc sorts them, each with its path.
pub fn resources(services: usize) -> Vec<(String, Resource)> {
    let mut out = Vec::with_capacity(2 * services);
    for i in 0..services {
        let name = peer::name(i);
        let host = format!("{name}.{}.svc.cluster.local", peer::NAMESPACE);
        out.push(object(&name, peer::service_line(i), destination_rule(&host).into()));
        out.push(object(&name, peer::route_line(i), virtual_service(&host, peer::port(i)).into()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The workload as `meshc build` would emit it: one file per object and a kustomization.
pub fn emit(services: usize) -> EmittedEnv {
    let mut files: Vec<OutputFile> = resources(services)
        .into_iter()
        .map(|(path, resource)| OutputFile { path, contents: yaml::to_yaml(&resource) })
        .collect();
    let kustomization = Kustomization {
        name: format!("{}-{}", peer::MESH, peer::ENVIRONMENT),
        resources: files.iter().map(|f| f.path.clone()).collect(),
    };
    files.push(OutputFile { path: "kustomization.yaml".to_string(), contents: yaml::to_yaml(&kustomization) });
    EmittedEnv { env: peer::ENVIRONMENT.to_string(), files }
}

fn object(name: &str, line: usize, spec: Spec) -> (String, Resource) {
    let mut metadata = ObjectMeta::new(name, peer::NAMESPACE);
    metadata.labels.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
    metadata.labels.insert(ENV_LABEL.to_string(), peer::ENVIRONMENT.to_string());
    metadata.annotations.insert(SOURCE_ANNOTATION.to_string(), format!("{}:{line}", peer::SERVICES_FILE));
    let resource = Resource::new(metadata, spec);
    let path = format!("{}/{}-{name}.yaml", peer::NAMESPACE, resource.kind().to_ascii_lowercase());
    (path, resource)
}

fn destination_rule(host: &str) -> dr::DestinationRule {
    let subset = |version: &str| dr::Subset {
        name: version.to_string(),
        labels: BTreeMap::from([("version".to_string(), version.to_string())]),
        traffic_policy: None,
    };
    dr::DestinationRule {
        host: host.to_string(),
        traffic_policy: Some(dr::TrafficPolicy {
            connection_pool: Some(dr::ConnectionPoolSettings {
                tcp: Some(dr::TcpSettings { max_connections: Some(100), ..Default::default() }),
                http: None,
            }),
            outlier_detection: Some(dr::OutlierDetection {
                consecutive_5xx_errors: Some(5),
                interval: Some("30s".to_string()),
                ..Default::default()
            }),
            tls: Some(dr::ClientTlsSettings { mode: Some(dr::ClientTlsMode::IstioMutual), ..Default::default() }),
            ..Default::default()
        }),
        subsets: vec![subset("v1"), subset("v2")],
        ..Default::default()
    }
}

fn virtual_service(host: &str, port: u32) -> vs::VirtualService {
    let leg = |subset: &str, weight: u32| vs::HttpRouteDestination {
        destination: vs::Destination {
            host: host.to_string(),
            subset: Some(subset.to_string()),
            port: Some(PortSelector { number: port }),
        },
        weight: Some(weight),
        headers: None,
    };
    vs::VirtualService {
        hosts: vec![host.to_string()],
        http: vec![vs::HttpRoute {
            route: vec![leg("v1", 90), leg("v2", 10)],
            retries: Some(vs::HttpRetry {
                attempts: Some(3),
                per_try_timeout: Some("2s".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        }],
        ..Default::default()
    }
}
