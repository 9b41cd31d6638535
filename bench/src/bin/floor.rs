//! `floor N OUT [--stdout]`: writes the peer workload's Istio objects, built directly with no
//! parsing or checking, exactly as `meshc build --out OUT` (or `--stdout`) would write them:
//! the lower bound a meshc build of the same workload is measured against.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The allocator `meshc` uses: the floor is what meshc's own writing costs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use meshc_bench::floor;
use meshc_istio::output;

const USAGE: &str = "usage: floor N OUT | floor N --stdout
  N         number of services (at least 1)
  OUT       output directory (OUT/prod/…), as `meshc build --out OUT`
  --stdout  print one YAML stream instead, as `meshc build --stdout`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = args.iter().any(|a| a == "--stdout");
    let positional: Vec<&String> = args.iter().filter(|a| *a != "--stdout").collect();
    if let Some(unknown) = positional.iter().find(|a| a.starts_with('-')) {
        eprintln!("floor: unknown option {unknown}\n{USAGE}");
        return ExitCode::from(2);
    }
    let (count, out) = match positional.as_slice() {
        [count, out] if !stdout => (*count, out.as_str()),
        [count] if stdout => (*count, "stdout"),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(services) = count.parse::<usize>().ok().filter(|n| *n > 0) else {
        eprintln!("floor: N must be a positive whole number, not `{count}`\n{USAGE}");
        return ExitCode::from(2);
    };
    let emitted = [floor::emit(services)];
    let result = if stdout {
        std::io::stdout().lock().write_all(output::to_stream(&emitted).as_bytes())
    } else {
        output::write_tree(&PathBuf::from(out), &emitted)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("floor: cannot write {out}: {error}");
            ExitCode::FAILURE
        }
    }
}
