//! parse → analyze → emit, as `meshc build` runs them. The input is one or more files,
//! separated by the byte 0xFF (never part of UTF-8 text), plus the standard modules they
//! import. Properties: nothing panics;
//! every diagnostic's span lies inside its file; and when there is no error, every emitted
//! file is one YAML document that a separate reader parses back into a Kubernetes object
//! (`apiVersion`, `kind`, `metadata.name`), and so is the `--stdout` stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshc_core::{analyze, Sources};

fuzz_target!(|data: &[u8]| {
    let mut sources = Sources::new();
    for (i, piece) in data.split(|&b| b == 0xFF).enumerate() {
        let Ok(text) = std::str::from_utf8(piece) else { return };
        sources.add(format!("f{i}.mesh"), text.to_string());
    }
    // Standard modules come from the binary; other imports name no file here.
    meshc_core::modules::load_dependencies(&mut sources, &mut |_| None);
    let analysis = analyze(&sources);
    for d in &analysis.diagnostics {
        let text = &sources.get(d.span.file).text;
        let (start, end) = (d.span.start as usize, d.span.end as usize);
        assert!(start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end));
    }
    // The renderers must cope with every span and message too.
    let _ = meshc_core::render::human::render(&sources, &analysis.diagnostics, meshc_core::render::human::Color::Never);
    if analysis.has_errors() {
        return;
    }
    let envs = meshc_istio::emit(&analysis, &[]);
    for env in &envs {
        for file in &env.files {
            let doc: serde_json::Value = serde_saphyr::from_str(&file.contents)
                .unwrap_or_else(|e| panic!("{}/{} does not parse back: {e}\n{}", env.env, file.path, file.contents));
            let object = doc.as_object().unwrap_or_else(|| panic!("{}/{} is not a mapping", env.env, file.path));
            assert!(object.get("apiVersion").is_some_and(|v| v.is_string()), "{}/{}: apiVersion", env.env, file.path);
            assert!(object.get("kind").is_some_and(|v| v.is_string()), "{}/{}: kind", env.env, file.path);
            if file.path != "kustomization.yaml" {
                let name = object.get("metadata").and_then(|m| m.get("name")).and_then(|n| n.as_str());
                assert!(name.is_some_and(|n| !n.is_empty()), "{}/{}: metadata.name", env.env, file.path);
            }
        }
    }
    let stream = meshc_istio::to_stream(&envs);
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&stream).unwrap_or_else(|e| panic!("the stream does not parse back: {e}"));
    let files: usize = envs.iter().map(|e| e.files.len()).sum();
    assert_eq!(docs.len(), files, "the stream holds one document per file");
});
