//! Criterion benchmarks of the Cox fitter: 10 covariates, 100,000 and 1,000,000 rows,
//! day-rounded times (heavy ties), Efron and Breslow, with and without the concordance,
//! and the robust variance. Data: `$NETRX_BENCH_DATA/perf_<n>_days.bin` from
//! `scripts/bench/perf_gen.py` if set, else the same model generated in Rust.
//!
//!   cargo bench -p netrx-stats --bench cox
//!   NETRX_BENCH_DATA=/tmp/perfdata cargo bench -p netrx-stats --bench cox
//!
//! For the side-by-side comparison with R survival and lifelines on identical data see
//! `scripts/bench/cox_vs_r.sh` and docs/benchmarks.md.

mod cox_data;

use criterion::{Criterion, criterion_group, criterion_main};
use netrx_stats::cox::{self, CoxData, CoxOptions, Ties};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    for n in [100_000usize, 1_000_000] {
        let d = cox_data::load(n);
        let names: Vec<String> = (1..=10).map(|j| format!("x{j}")).collect();
        let cols: Vec<&[f64]> = d.x.iter().map(|v| v.as_slice()).collect();
        let data = CoxData::new(&d.time, &d.status, cols, names);
        let mut g = c.benchmark_group(format!("cox_{n}x10_days"));
        g.sample_size(10);
        for (label, opt) in [
            ("efron_full", CoxOptions::default()),
            (
                "efron_no_concordance",
                CoxOptions {
                    concordance: false,
                    ..CoxOptions::default()
                },
            ),
            (
                "breslow_no_concordance",
                CoxOptions {
                    ties: Ties::Breslow,
                    concordance: false,
                    ..CoxOptions::default()
                },
            ),
            (
                "efron_robust_no_concordance",
                CoxOptions {
                    robust: true,
                    concordance: false,
                    ..CoxOptions::default()
                },
            ),
        ] {
            g.bench_function(label, |b| b.iter(|| black_box(cox::fit(&data, &opt).unwrap())));
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
