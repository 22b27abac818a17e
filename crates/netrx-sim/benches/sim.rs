//! Throughput of the sequence microsimulation (issue 11 §4: ≥ 10 million patient-lines per
//! second on the 2-core build machine). Run with `cargo bench -p netrx-sim --bench sim`.
//!
//! The model is the bundled example `examples/sequences/pnet.toml` (two 4-line sequences,
//! knowledge-base parameters, 17 AE terms on the everolimus line): one iteration simulates
//! 1,000,000 virtual patients per sequence (base case only), i.e. up to 8 million
//! patient-lines; criterion reports the throughput in patient-lines ("elements") per second,
//! counted exactly from the run's summaries. `single_thread` pins rayon to one thread.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netrx_kb::Kb;
use netrx_sim::engine::{RunSpec, run};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let kb = Kb::embedded().expect("embedded knowledge loads");
    let spec = include_str!("../../../examples/sequences/pnet.toml");
    let model = netrx_sim::load(spec, kb).expect("example SPEC loads");
    let n = 1_000_000;
    let rs = RunSpec {
        seed: 1,
        patients: n,
        psa_draws: 0,
    };
    // Patient-lines of one iteration (identical every time: deterministic).
    let part = run(&model, rs, &|_| {}).expect("runs");
    let lines: u64 = part.draws[0].sequences.iter().map(|s| s.lines_started).sum();
    let mut g = c.benchmark_group("sequence_sim");
    g.sample_size(10);
    g.throughput(Throughput::Elements(lines));
    g.bench_function("pnet_example_1m_patients_all_threads", |b| {
        b.iter(|| black_box(run(&model, black_box(rs), &|_| {}).expect("runs")))
    });
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    g.bench_function("pnet_example_1m_patients_single_thread", |b| {
        b.iter(|| pool.install(|| black_box(run(&model, black_box(rs), &|_| {}).expect("runs"))))
    });
    g.finish();
}

criterion_group!(sim_benches, benches);
criterion_main!(sim_benches);
