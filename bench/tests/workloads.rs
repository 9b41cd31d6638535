//! The generated workspaces build with no diagnostic at all, the peer workload emits the
//! same objects and fields as the peer programs of `../shared/bench/peers/`, and the floor
//! writes exactly what meshc writes.

use std::collections::BTreeSet;
use std::path::Path;

use meshc_bench::floor;
use meshc_bench::workload::{self, peer, Shape};
use meshc_core::{render, Analysis, Sources};
use serde_json::{json, Value};

/// Generates, writes to a temp dir and reads back (as `meshc build` would) and analyzes.
fn build(shape: Shape, services: usize) -> (Sources, Analysis) {
    let dir = tempfile::tempdir().expect("temp dir");
    workload::write(dir.path(), &workload::generate(shape, services)).expect("write the workspace");
    let sources = workload::load(dir.path()).expect("read the workspace back");
    let analysis = meshc_core::analyze(&sources);
    (sources, analysis)
}

fn assert_no_diagnostics(sources: &Sources, analysis: &Analysis, what: &str) {
    if !analysis.diagnostics.is_empty() {
        let first = &analysis.diagnostics[..analysis.diagnostics.len().min(5)];
        let shown = render::human::render(sources, first, render::human::Color::Never);
        panic!("{what}: {} diagnostics, the first ones:\n{shown}", analysis.diagnostics.len());
    }
}

fn kinds(analysis: &Analysis) -> BTreeSet<&'static str> {
    analysis.meshes.iter().flat_map(meshc_istio::lower::lower).map(|r| r.kind()).collect()
}

#[test]
fn the_full_workload_builds_without_any_diagnostic() {
    for services in [50, 23, 1] {
        let (sources, analysis) = build(Shape::Full, services);
        assert_no_diagnostics(&sources, &analysis, &format!("full workload of {services} services"));
        assert_eq!(analysis.environments(), ["dev", "staging", "prod"]);
        let prod = analysis.mesh("prod").expect("a prod environment");
        assert_eq!(prod.services.iter().filter(|s| s.name.starts_with("svc-")).count(), services);
    }
    let (_, analysis) = build(Shape::Full, 50);
    let every_kind = [
        "AuthorizationPolicy",
        "DestinationRule",
        "EnvoyFilter",
        "Gateway",
        "PeerAuthentication",
        "RequestAuthentication",
        "ServiceEntry",
        "Sidecar",
        "Telemetry",
        "VirtualService",
    ];
    assert_eq!(kinds(&analysis), every_kind.into_iter().collect());
    // The environments differ (weights, fault injection, sampling, mTLS), so each is built.
    let emitted = meshc_istio::emit(&analysis, &[]);
    assert_eq!(emitted.len(), 3);
    assert_ne!(emitted[0].files, emitted[2].files);
}

#[test]
fn generation_is_deterministic_and_fills_an_empty_directory_only() {
    assert_eq!(workload::generate(Shape::Full, 37), workload::generate(Shape::Full, 37));
    assert_eq!(workload::generate(Shape::Peer, 37), workload::generate(Shape::Peer, 37));
    let dir = tempfile::tempdir().expect("temp dir");
    workload::write(dir.path(), &workload::generate(Shape::Peer, 2)).expect("an empty dir is fine");
    let again = workload::write(dir.path(), &workload::generate(Shape::Peer, 1));
    assert_eq!(again.map_err(|e| e.kind()), Err(std::io::ErrorKind::AlreadyExists));
}

#[test]
fn the_peer_workload_builds_one_virtual_service_and_one_destination_rule_per_service() {
    let services = 50;
    let (sources, analysis) = build(Shape::Peer, services);
    assert_no_diagnostics(&sources, &analysis, "peer workload");
    let emitted = meshc_istio::emit(&analysis, &[]);
    assert_eq!(emitted.len(), 1, "one environment");
    let resources = meshc_istio::lower::lower(&analysis.meshes[0]);
    assert_eq!(resources.len(), 2 * services);
    assert_eq!(kinds(&analysis), ["DestinationRule", "VirtualService"].into_iter().collect());
}

/// The two objects `services.jsonnet` (and the other peer programs) emit for service `i`,
/// transcribed from the peers' source; meshc names hosts by their full DNS name.
fn peer_objects(i: usize, host: &str) -> [Value; 2] {
    let (name, port) = (peer::name(i), peer::port(i));
    let destination = |subset: &str| json!({ "host": host, "subset": subset, "port": { "number": port } });
    [
        json!({
            "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": { "name": name, "namespace": "prod" },
            "spec": { "hosts": [host], "http": [{
                "route": [
                    { "destination": destination("v1"), "weight": 90 },
                    { "destination": destination("v2"), "weight": 10 },
                ],
                "retries": { "attempts": 3, "perTryTimeout": "2s" },
            }]},
        }),
        json!({
            "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": { "name": name, "namespace": "prod" },
            "spec": {
                "host": host,
                "trafficPolicy": {
                    "tls": { "mode": "ISTIO_MUTUAL" },
                    "connectionPool": { "tcp": { "maxConnections": 100 } },
                    "outlierDetection": { "consecutive5xxErrors": 5, "interval": "30s" },
                },
                "subsets": [
                    { "name": "v1", "labels": { "version": "v1" } },
                    { "name": "v2", "labels": { "version": "v2" } },
                ],
            },
        }),
    ]
}

/// Every key and every string of `value`, to check the transcription against the peer source.
fn words(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.insert(key.clone());
                words(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| words(item, out)),
        Value::String(text) => {
            out.insert(text.clone());
        }
        _ => {}
    }
}

#[test]
fn the_peer_workload_emits_the_peers_objects_and_fields() {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/peers/services.jsonnet");
    let jsonnet = std::fs::read_to_string(&peers)
        .unwrap_or_else(|e| panic!("{} must exist (../shared beside the workspace): {e}", peers.display()));
    let mut expected_words = BTreeSet::new();
    words(&Value::Array(peer_objects(0, "svc-0").to_vec()), &mut expected_words);
    for word in expected_words.iter().filter(|w| w.as_str() != "svc-0") {
        assert!(jsonnet.contains(word.as_str()), "`{word}` is not in services.jsonnet: the transcription drifted");
    }

    let services = 12;
    let (_, analysis) = build(Shape::Peer, services);
    let env = &meshc_istio::emit(&analysis, &[])[0];
    for i in 0..services {
        let host = format!("{}.prod.svc.cluster.local", peer::name(i));
        for want in peer_objects(i, &host) {
            let path =
                format!("prod/{}-{}.yaml", want["kind"].as_str().unwrap_or_default().to_lowercase(), peer::name(i));
            let file = env.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}"));
            let mut got: Value = serde_saphyr::from_str(&file.contents).expect("meshc writes valid YAML");
            // meshc adds its own labels and the source annotation; the rest must match exactly.
            for extra in ["labels", "annotations"] {
                got["metadata"].as_object_mut().expect("metadata is a map").remove(extra);
            }
            assert_eq!(got, want, "{path}");
        }
    }
}

#[test]
fn the_floor_writes_exactly_what_meshc_writes() {
    let services = 120;
    let (_, analysis) = build(Shape::Peer, services);
    let emitted = meshc_istio::emit(&analysis, &[]);
    assert_eq!(emitted, vec![floor::emit(services)]);
}
