//! Benchmarks of issue 9 (criterion): steady-state troughs of 1,000,000 virtual
//! patients (target < 1 s) and full 28-day hourly profiles of 100,000 (target < 2 s)
//! with the de Wit 2016 model, 10 mg every 24 h. Run with
//! `cargo bench -p netrx-pk --bench pk`; `scripts/bench/pk_bench.sh` also times a
//! vectorised numpy implementation of the same closed form and reports the ratio.

use criterion::{Criterion, criterion_group, criterion_main};
use netrx_kb::pk::Pk;
use netrx_pk::model::{Covariates, PopModel};
use netrx_pk::population::{profile_summary, unit_troughs};
use netrx_pk::{Mg, Regimen, Solution};
use std::hint::black_box;

fn pk() -> Pk {
    Pk::from_texts([
        include_str!("../../../knowledge/pk/models.toml"),
        include_str!("../../../knowledge/pk/interactions.toml"),
        include_str!("../../../knowledge/pk/hepatic.toml"),
        include_str!("../../../knowledge/pk/target.toml"),
        include_str!("../../../knowledge/pk/regimens.toml"),
    ])
    .expect("knowledge/pk loads")
}

fn benches(c: &mut Criterion) {
    let pk = pk();
    let model = PopModel::new(pk.default_model());
    let cov = Covariates::default();
    let mut g = c.benchmark_group("pk");
    g.sample_size(10);
    g.bench_function("ss_trough_1m_patients", |b| {
        b.iter(|| {
            let t = unit_troughs(&model, &cov, 0.0, 1.0, &[24.0], black_box(1_000_000), 42, &|_| {});
            black_box(t[0] * 10.0)
        })
    });
    let r = Regimen {
        dose_mg: 10.0,
        interval_h: 24.0,
    };
    g.bench_function("profiles_28d_hourly_100k_patients", |b| {
        b.iter(|| {
            let s = profile_summary(&model, &cov, 1.0, r, 28.0, 1.0, black_box(100_000), 42);
            black_box(s.mean_ng_ml[600])
        })
    });
    // Single-patient kernels, for reference.
    let typ = model.typical(&cov);
    let sol = Solution::new(&model.individual(&typ, 1.0, &[0.0, 0.0])).unwrap();
    g.sample_size(100);
    g.bench_function("one_ss_trough", |b| {
        b.iter(|| black_box(&sol).steady_state_trough(Mg(10.0), 24.0))
    });
    g.bench_function("one_single_dose_conc", |b| {
        b.iter(|| black_box(&sol).single_dose(Mg(10.0), black_box(7.5)))
    });
    g.finish();
}

criterion_group!(pk_benches, benches);
criterion_main!(pk_benches);
