//! `phases DIR [--runs K]`: where the time of one `meshc build` of DIR goes. Runs each phase
//! of the pipeline K times (default 5) in this process and prints the median of each, and
//! its share of the whole: load (read the files), parse, check (`analyze` minus parse),
//! lower, YAML (serialise every object) and write (the atomic output tree, into a tmpfs when
//! there is one, else a temp dir).

use std::path::PathBuf;
use std::process::ExitCode;

/// The allocator `meshc` uses: the floor is what meshc's own writing costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::{Duration, Instant};

use meshc_bench::workload;
use meshc_istio::{output, yaml, EmittedEnv, OutputFile};

const USAGE: &str = "usage: phases DIR [--runs K]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, runs) = match args.as_slice() {
        [dir] => (dir, 5),
        [dir, flag, k] if flag == "--runs" => match k.parse::<usize>() {
            Ok(k) if k > 0 => (dir, k),
            _ => {
                eprintln!("phases: K must be a positive whole number\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match measure(&PathBuf::from(dir), runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("phases: {error}");
            ExitCode::FAILURE
        }
    }
}

fn measure(dir: &std::path::Path, runs: usize) -> Result<(), String> {
    let sources = workload::load(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let analysis = meshc_core::analyze(&sources);
    if analysis.has_errors() {
        return Err(format!("{} has errors; phases measures buildable workspaces", dir.display()));
    }
    let lowered: Vec<(String, Vec<meshc_istio::model::Resource>)> =
        analysis.meshes.iter().map(|m| (m.env.clone(), meshc_istio::lower::lower(m))).collect();
    let emitted = meshc_istio::emit(&analysis, &[]);
    // A tmpfs when there is one: on a busy disk, creating tens of thousands of files measures
    // the disk, not the writer (bench/RESULTS.md).
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let out = base.join(format!("meshc-phases-{}", std::process::id()));

    let mut phases: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut time = |name: &'static str, f: &mut dyn FnMut()| {
        let samples = (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        phases.push((name, samples));
    };
    time("load", &mut || drop(std::hint::black_box(workload::load(dir))));
    time("parse", &mut || {
        for (id, file) in sources.iter() {
            std::hint::black_box(meshc_syntax::parse(id, &file.text));
        }
    });
    time("analyze", &mut || drop(std::hint::black_box(meshc_core::analyze(&sources))));
    time("lower", &mut || {
        for mesh in &analysis.meshes {
            std::hint::black_box(meshc_istio::lower::lower(mesh));
        }
    });
    time("yaml", &mut || {
        for (_, resources) in &lowered {
            for resource in resources {
                std::hint::black_box(yaml::to_yaml(resource));
            }
        }
    });
    let mut write_error = None;
    time("write", &mut || {
        if let Err(e) = output::write_tree(&out, &emitted) {
            write_error = Some(e);
        }
    });
    let _ = std::fs::remove_dir_all(&out);
    if let Some(e) = write_error {
        return Err(format!("cannot write {}: {e}", out.display()));
    }

    let median = |name: &str| -> f64 {
        let mut samples: Vec<Duration> =
            phases.iter().find(|(n, _)| *n == name).map(|(_, s)| s.clone()).unwrap_or_default();
        samples.sort();
        samples.get(samples.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let rows = [
        ("load", median("load")),
        ("parse", median("parse")),
        ("check", (median("analyze") - median("parse")).max(0.0)),
        ("lower", median("lower")),
        ("yaml", median("yaml")),
        ("write", median("write")),
    ];
    let total: f64 = rows.iter().map(|(_, ms)| ms).sum();
    let objects: usize = emitted.iter().map(|e: &EmittedEnv| e.files.len()).sum();
    let bytes: usize = emitted.iter().flat_map(|e| e.files.iter().map(|f: &OutputFile| f.contents.len())).sum();
    println!(
        "{}: {} files, {} environments, {objects} output files ({:.1} MB) written under {}; median of {runs} runs",
        dir.display(),
        sources.len(),
        analysis.meshes.len(),
        bytes as f64 / 1e6,
        base.display()
    );
    println!("| phase | ms | share |\n|---|---:|---:|");
    for (name, ms) in rows {
        println!("| {name} | {ms:.1} | {:.0}% |", 100.0 * ms / total);
    }
    println!("| total | {total:.1} | 100% |");
    Ok(())
}
