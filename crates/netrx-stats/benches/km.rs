//! Criterion benches: Kaplan–Meier on 10,000,000 rows (day-rounded times, ~1,100 distinct, and
//! continuous times, ~9.3 million distinct) and the two-group log-rank test on 1,000,000 rows.
//! Data as scripts/bench/perf_gen.py's KM files (exponential mean 365 vs uniform(0, 1095)
//! censoring), generated in-process with a fixed SplitMix64 stream so no file is needed.
//! The peer comparison (R survival, lifelines, same data, same run) is scripts/bench/km_vs_r.py.
//!
//!   cargo bench -p netrx-stats --bench km

use criterion::{Criterion, criterion_group, criterion_main};
use netrx_stats::km::{KmOptions, survfit};
use netrx_stats::logrank::{SurvdiffOptions, survdiff};
use std::hint::black_box;
use std::time::Duration;

struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

fn km_data(n: usize, days: bool, seed: u64) -> (Vec<f64>, Vec<bool>) {
    let mut r = SplitMix(seed);
    let mut t = Vec::with_capacity(n);
    let mut e = Vec::with_capacity(n);
    for _ in 0..n {
        let mut ev = -365.0 * r.next_f64().ln();
        let mut ce = 1095.0 * r.next_f64();
        if days {
            ev = ev.ceil();
            ce = ce.ceil();
        }
        e.push(ev <= ce);
        t.push(ev.min(ce));
    }
    (t, e)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("km");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (label, days) in [("survfit_1e7_days", true), ("survfit_1e7_continuous", false)] {
        let (t, e) = km_data(10_000_000, days, 7);
        g.bench_function(label, |b| {
            b.iter(|| survfit(black_box(&t), black_box(&e), &KmOptions::default()).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("logrank");
    g.sample_size(20);
    let labels = vec!["g=1".to_string(), "g=2".to_string()];
    for (label, days) in [
        ("survdiff_1e6_days_2groups", true),
        ("survdiff_1e6_continuous_2groups", false),
    ] {
        let (t, e) = km_data(1_000_000, days, 8);
        let codes: Vec<u32> = (0..t.len()).map(|i| (i % 2) as u32).collect();
        g.bench_function(label, |b| {
            b.iter(|| {
                survdiff(
                    black_box(&t),
                    black_box(&e),
                    &codes,
                    &labels,
                    None,
                    &SurvdiffOptions::default(),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
