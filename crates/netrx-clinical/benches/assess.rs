//! CPU per `assess` call (criterion). Run with `cargo bench -p netrx-clinical --bench assess`.
//!
//! - `assess/all_examples`: `assess::assess` on each bundled example case in turn (the
//!   `assess-*`, `pnet-*`, … files of `examples/`, US label), one knowledge base loaded once —
//!   the steady state of a process that has answered before (comparisons memoised);
//! - `assess/server_path_all_examples`: what the server's stateless `POST /api/v1/assess` computes
//!   for each: `load_case` (parse and validate), `capability::evaluate` and the JSON bytes;
//! - `assess/first_call_pnet_g2`: `assess` of `examples/pnet-g2-progressive.json` on a knowledge
//!   base loaded just before (nothing memoised for it yet; the load itself is not timed).
//!
//! Divide the `all_examples` times by the number of examples printed first for the mean per call.
//! Results and the before/after comparison are in docs/benchmarks.md.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use netrx_clinical::capability::{Capability, Options, evaluate};
use netrx_kb::Kb;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut v: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("example reads");
            (p.file_name().unwrap().to_string_lossy().to_string(), text)
        })
        .collect();
    v.sort();
    v
}

/// A knowledge base with the embedded contents plus one inert file, so that its version (and so
/// its memo) is its own.
fn fresh_kb(nonce: u64) -> Kb {
    let mut files: Vec<(String, String)> = Kb::embedded_files()
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    files.push((format!("bench/nonce-{nonce}.txt"), String::new()));
    Kb::from_files(files).expect("knowledge loads")
}

fn benches(c: &mut Criterion) {
    let kb = Kb::embedded().expect("knowledge loads");
    let opts = Options::default();
    let cases: Vec<(String, netrx_case::Case)> = examples()
        .into_iter()
        .map(|(n, t)| {
            let case = netrx_clinical::load_case(&t, kb).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, case)
        })
        .collect();
    let texts = examples();
    println!("assess benchmark: {} example cases", cases.len());

    let mut g = c.benchmark_group("assess");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("all_examples", |b| {
        b.iter(|| {
            for (_, case) in &cases {
                black_box(netrx_clinical::assess::assess(black_box(case), kb, &opts).expect("assess"));
            }
        })
    });
    g.bench_function("server_path_all_examples", |b| {
        b.iter(|| {
            for (_, text) in &texts {
                let case = netrx_clinical::load_case(black_box(text), kb).expect("case loads");
                let v = evaluate(Capability::Assess, &case, kb, &opts).expect("assess");
                black_box(serde_json::to_vec(&v).expect("JSON"));
            }
        })
    });
    let pnet = &cases
        .iter()
        .find(|(n, _)| n == "pnet-g2-progressive.json")
        .expect("pnet example")
        .1;
    let mut nonce = 0;
    g.sample_size(10);
    g.bench_function("first_call_pnet_g2", |b| {
        b.iter_batched(
            || {
                nonce += 1;
                fresh_kb(nonce)
            },
            |fresh| black_box(netrx_clinical::assess::assess(pnet, &fresh, &opts).expect("assess")),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(assess_benches, benches);
criterion_main!(assess_benches);
