//! `gen N DIR [--peer]`: writes a generated `.mesh` workspace of N services to DIR (see
//! `meshc_bench::workload`). DIR must not exist or be empty.

use std::path::PathBuf;
use std::process::ExitCode;

use meshc_bench::workload::{self, Shape};

const USAGE: &str = "usage: gen N DIR [--peer]
  N       number of services (at least 1)
  DIR     where to write the workspace (must not exist, or be empty)
  --peer  the workload of ../shared/bench/peers (one environment) instead of the full one";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let peer = args.iter().any(|a| a == "--peer");
    let positional: Vec<&String> = args.iter().filter(|a| *a != "--peer").collect();
    if let Some(unknown) = positional.iter().find(|a| a.starts_with('-')) {
        eprintln!("gen: unknown option {unknown}\n{USAGE}");
        return ExitCode::from(2);
    }
    let [count, dir] = positional.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let services = match count.parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("gen: N must be a positive whole number, not `{count}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let dir = PathBuf::from(dir);
    let files = workload::generate(if peer { Shape::Peer } else { Shape::Full }, services);
    if let Err(error) = workload::write(&dir, &files) {
        eprintln!("gen: cannot write {}: {error}", dir.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
