//! Shared helpers for the data-driven tests: loading cases and projects into `Sources`,
//! reading `# ~ CODE` annotations, and rendering diagnostics without colour.

use std::path::{Path, PathBuf};
use std::process::Command;

use meshc_core::render::human;
use meshc_core::{Analysis, Sources};

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Every file with `extension` directly in `dir`, sorted.
pub fn files_in(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

/// Every `.mesh` file under `dir`, named relative to it, as the CLI would load them.
pub fn load_project(dir: &Path) -> Sources {
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    let mut sources = Sources::new();
    for path in paths {
        let name = path.strip_prefix(dir).expect("under dir").to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        sources.add(name, text);
    }
    meshc_core::modules::load_dependencies(&mut sources, &mut |name| std::fs::read_to_string(dir.join(name)).ok());
    sources
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "mesh") {
            out.push(path);
        }
    }
}

/// A single-file case: its name is the file name.
pub fn load_case(path: &Path) -> Sources {
    let mut sources = Sources::new();
    let name = path.file_name().expect("file name").to_string_lossy().to_string();
    sources.add(name, std::fs::read_to_string(path).expect("case readable"));
    let dir = path.parent().expect("a case lives in a folder");
    meshc_core::modules::load_dependencies(&mut sources, &mut |name| std::fs::read_to_string(dir.join(name)).ok());
    sources
}

/// Rendered diagnostics as a terminal without colour shows them.
pub fn render(sources: &Sources, analysis: &Analysis) -> String {
    human::render(sources, &analysis.diagnostics, human::Color::Never)
}

/// `(line, code)` of every `# ~ CODE` annotation; a line may carry several codes.
pub fn annotations(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, rest)) = line.split_once("# ~") {
            for code in rest.split_whitespace() {
                out.push((i + 1, code.trim_end_matches(',').to_string()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `(line, code)` of every diagnostic whose primary span is in the case file itself
/// (diagnostics inside imported modules or templates show in the snapshot).
pub fn reported(sources: &Sources, analysis: &Analysis) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.span.file == meshc_core::FileId(0))
        .map(|d| (sources.line_col(d.span.file, d.span.start as usize).0, d.code.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Runs the independent check, `../shared/tools/validate-istio`, on `dir`; panics with its
/// report unless every document is valid (documents of other groups count as not checked).
pub fn assert_valid_istio(dir: &Path, expected_documents: usize) {
    let validator = repo_root().join("../shared/tools/validate-istio");
    assert!(
        validator.exists(),
        "validate-istio not found at {}; ../shared must sit beside the checkout",
        validator.display()
    );
    let result = Command::new("python3").arg(&validator).arg(dir).output().expect("run validate-istio");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        result.status.success() && summary.contains(" 0 invalid"),
        "validate-istio rejected {}:\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    let documents =
        summary.split(" documents").next().and_then(|l| l.rsplit(' ').next()).and_then(|n| n.parse::<usize>().ok());
    assert!(
        documents.unwrap_or(0) >= expected_documents,
        "validate-istio saw fewer documents than written in {}: {summary}",
        dir.display()
    );
}

/// A fresh scratch directory for one test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}
