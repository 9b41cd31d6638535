//! `cargo bench -p meshc-bench`: parse, check (`analyze`), lower and emit (YAML writing)
//! measured separately on the full generated workload of 100, 1,000 and 5,000 services in
//! three environments. Each phase gets the previous phase's output prepared outside the timed
//! loop. `check` is `meshc_core::analyze`, the single entry point, so it includes parsing:
//! subtract `parse` for the checker alone.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

use meshc_bench::workload::{self, Shape};
use meshc_istio::yaml;

const SIZES: &[usize] = &[100, 1_000, 5_000];

fn phases(c: &mut Criterion) {
    let mut group = c.benchmark_group("phases");
    // A 5,000-service check takes a noticeable fraction of a second: ten samples give a
    // stable median without making a full run last many minutes on a 2-core machine.
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for &services in SIZES {
        let sources = workload::sources(&workload::generate(Shape::Full, services));
        let analysis = meshc_core::analyze(&sources);
        assert!(!analysis.has_errors(), "the generated workload of {services} services has errors");
        let lowered: Vec<_> = analysis.meshes.iter().map(meshc_istio::lower::lower).collect();
        group.throughput(Throughput::Elements(services as u64));

        group.bench_with_input(BenchmarkId::new("parse", services), &sources, |b, sources| {
            b.iter(|| {
                for (id, file) in sources.iter() {
                    black_box(meshc_syntax::parse(id, &file.text));
                }
            })
        });
        group.bench_with_input(BenchmarkId::new("check", services), &sources, |b, sources| {
            b.iter(|| black_box(meshc_core::analyze(sources)))
        });
        group.bench_with_input(BenchmarkId::new("lower", services), &analysis, |b, analysis| {
            b.iter(|| {
                for mesh in &analysis.meshes {
                    black_box(meshc_istio::lower::lower(mesh));
                }
            })
        });
        group.bench_with_input(BenchmarkId::new("emit", services), &lowered, |b, lowered| {
            b.iter(|| {
                for resources in lowered {
                    for resource in resources {
                        black_box(yaml::to_yaml(resource));
                    }
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, phases);
criterion_main!(benches);
