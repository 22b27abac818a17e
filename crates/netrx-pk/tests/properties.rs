//! Property tests of the closed forms: superposition, dose linearity, F semantics,
//! steady state as the limit of many doses, continuity across the singular points
//! ka = α, ka = β (two compartments) and ka = k (one compartment), and agreement of
//! the fast partial-fraction profile path with the exact divided-difference path.

mod common;
use common::*;
use netrx_pk::{Dose, Hours, Liters, LitersPerHour, Mg, PerHour, Peripheral, PkParams};
use proptest::prelude::*;

fn params() -> impl Strategy<Value = PkParams> {
    (
        1.0f64..60.0,   // CL/F
        5.0f64..400.0,  // V1/F
        0.5f64..120.0,  // Q/F
        20.0f64..900.0, // V2/F
        0.05f64..5.0,   // ka
        0.3f64..1.5,    // F
        prop::bool::ANY,
    )
        .prop_map(|(cl, v1, q, v2, ka, f, two)| PkParams {
            cl: LitersPerHour(cl),
            v1: Liters(v1),
            peripheral: two.then_some(Peripheral {
                q: LitersPerHour(q),
                v2: Liters(v2),
            }),
            ka: PerHour(ka),
            f,
            tlag: Hours(0.0),
        })
}

fn close(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    (a - b).abs() <= rtol * a.abs().max(b.abs()) + atol
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn superposition_of_a_history(p in params(), times in prop::collection::vec((0.0f64..200.0, 0.0f64..20.0), 1..12), t in 0.0f64..300.0) {
        let s = solve(&p);
        let doses: Vec<Dose> = times.iter().map(|&(time_h, dose_mg)| Dose { time_h, dose_mg }).collect();
        let sum: f64 = doses.iter().map(|d| s.single_dose(Mg(d.dose_mg), t - d.time_h)).sum();
        prop_assert!(close(s.history(&doses, t), sum, 1e-12, 1e-12));
    }

    #[test]
    fn n_doses_equal_their_explicit_sum(p in params(), n in 1u64..40, tau in 4.0f64..72.0, frac in 0.0f64..1.0) {
        let s = solve(&p);
        let t = frac * tau;
        let sum: f64 = (0..n).map(|k| s.single_dose(Mg(5.0), t + k as f64 * tau)).sum();
        prop_assert!(close(s.after_n_doses(Mg(5.0), tau, n, t), sum, 1e-11, 1e-12));
    }

    #[test]
    fn dose_linearity_and_f_scales_the_dose(p in params(), d in 0.1f64..40.0, t in 0.01f64..200.0) {
        let s = solve(&p);
        prop_assert!(close(s.single_dose(Mg(2.0 * d), t), 2.0 * s.single_dose(Mg(d), t), 1e-14, 0.0));
        // pk.md §7 pitfall 5: F = 0.5 equals half the dose (F multiplies the amount in the depot).
        let half = solve(&PkParams { f: 0.5 * p.f, ..p });
        prop_assert!(close(half.single_dose(Mg(d), t), s.single_dose(Mg(0.5 * d), t), 1e-14, 0.0));
        prop_assert!(close(half.steady_state(Mg(d), 24.0, t), s.steady_state(Mg(0.5 * d), 24.0, t), 1e-14, 0.0));
    }

    #[test]
    fn steady_state_is_the_limit_of_many_doses(p in params(), tau in 6.0f64..48.0, frac in 0.0f64..1.0) {
        let s = solve(&p);
        let t = frac * tau;
        // Enough doses for the slowest exponential to vanish below 1e-16.
        let n = ((37.0 / (s.slowest_rate() * tau)).ceil() as u64).max(2);
        prop_assume!(n < 200_000);
        let ss = s.steady_state(Mg(10.0), tau, t);
        prop_assert!(close(s.after_n_doses(Mg(10.0), tau, n, t), ss, 1e-10, 1e-13));
        // Steady-state AUC over an interval = F·D/CL, and the exact AUC of a late interval approaches it.
        let doses: Vec<Dose> = (0..n).map(|k| Dose { time_h: k as f64 * tau, dose_mg: 10.0 }).collect();
        let last = (n - 1) as f64 * tau;
        prop_assert!(close(s.auc_history(&doses, last, last + tau), s.auc_tau_ss(Mg(10.0)), 1e-8, 1e-10));
    }

    #[test]
    fn grid_profile_and_fast_trough_match_the_exact_path(p in params(), tau in 6.0f64..48.0, n in 1u64..40, step in 0.1f64..3.0) {
        let s = solve(&p);
        let count = (40.0 * tau / step) as usize;
        let mut grid = Vec::new();
        s.regimen_profile_grid(Mg(10.0), tau, n, step, count, &mut grid);
        for (i, c) in grid.iter().enumerate() {
            let t = i as f64 * step;
            let k = ((t / tau).floor() as u64 + 1).min(n);
            let exact = if t <= 0.0 { 0.0 } else { s.after_n_doses(Mg(10.0), tau, k, t - (k - 1) as f64 * tau) };
            prop_assert!(close(*c, exact, 1e-10, 1e-12), "t={} grid={} exact={}", t, c, exact);
        }
        prop_assert!(close(s.steady_state_trough(Mg(10.0), tau), s.steady_state(Mg(10.0), tau, tau), 1e-11, 1e-14));
    }

    #[test]
    fn fast_profile_path_matches_the_exact_path(p in params(), tau in 6.0f64..48.0, n in 1u64..30) {
        let s = solve(&p);
        let times: Vec<f64> = (0..200).map(|i| i as f64 * 0.37).collect();
        let mut fast = Vec::new();
        s.regimen_profile(Mg(10.0), tau, n, &times, &mut fast);
        for (t, c) in times.iter().zip(&fast) {
            let k = ((t / tau).floor() as u64 + 1).min(n);
            let exact = if *t <= 0.0 { 0.0 } else { s.after_n_doses(Mg(10.0), tau, k, t - (k - 1) as f64 * tau) };
            prop_assert!(close(*c, exact, 1e-10, 1e-12), "t={} fast={} exact={}", t, c, exact);
        }
    }
}

/// Continuity across ka = α and ka = β: approaching the singular point from either
/// side, the solution converges to the value at the point (first order in the gap),
/// with no blow-up where naive partial fractions lose ~ε/gap (pk.md §6.7 table).
#[test]
fn continuity_across_the_singular_points() {
    let base = solve(&de_wit());
    for node in [base.alpha(), base.beta()] {
        let at = solve(&with_ka(de_wit(), node));
        for t in [0.05, 0.25, 1.0, 6.0, 24.0, 100.0] {
            let c0 = at.single_dose(Mg(10.0), t);
            let ss0 = at.steady_state(Mg(10.0), 24.0, t.min(24.0));
            let n0 = at.after_n_doses(Mg(10.0), 24.0, 5, t.min(24.0));
            for gap in [1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14] {
                for sign in [-1.0, 1.0] {
                    let s = solve(&with_ka(de_wit(), node * (1.0 + sign * gap)));
                    // C is smooth in ka with |dC/dka·ka/C| < ~50 here; allow 100·gap plus rounding.
                    let c = s.single_dose(Mg(10.0), t);
                    assert!(
                        close(c, c0, 100.0 * gap + 1e-13, 0.0),
                        "single node={node} gap={gap} t={t}: {c} vs {c0}"
                    );
                    let ss = s.steady_state(Mg(10.0), 24.0, t.min(24.0));
                    assert!(
                        close(ss, ss0, 100.0 * gap + 1e-13, 0.0),
                        "ss node={node} gap={gap}: {ss} vs {ss0}"
                    );
                    let n = s.after_n_doses(Mg(10.0), 24.0, 5, t.min(24.0));
                    assert!(
                        close(n, n0, 100.0 * gap + 1e-13, 0.0),
                        "n node={node} gap={gap}: {n} vs {n0}"
                    );
                }
            }
        }
    }
}

#[test]
fn continuity_across_ka_equal_k_one_compartment() {
    let p = |ka: f64| PkParams {
        cl: LitersPerHour(1.5),
        v1: Liters(30.0),
        peripheral: None,
        ka: PerHour(ka),
        f: 1.0,
        tlag: Hours(0.0),
    };
    let k = 0.05;
    let at = solve(&p(k));
    for t in [0.01, 1.0, 10.0, 48.0] {
        let c0 = at.single_dose(Mg(100.0), t);
        let ss0 = at.steady_state(Mg(100.0), 24.0, t.min(24.0));
        // pk.md §6.6 limit at ka = k: C_ss = F·D·k/V·e^{−kt}[t/(1−e^{−kτ}) + τe^{−kτ}/(1−e^{−kτ})²].
        let tt = t.min(24.0);
        let e = (-k * 24.0f64).exp();
        let limit = 100.0 * k / 30.0 * (-k * tt).exp() * (tt / (1.0 - e) + 24.0 * e / (1.0 - e).powi(2)) * 1000.0;
        assert!(close(ss0, limit, 1e-13, 0.0), "ss limit {ss0} vs {limit}");
        for gap in [1e-3, 1e-6, 1e-9, 1e-12, 1e-15] {
            for sign in [-1.0, 1.0] {
                let s = solve(&p(k * (1.0 + sign * gap)));
                assert!(close(s.single_dose(Mg(100.0), t), c0, 10.0 * gap + 1e-14, 0.0));
                assert!(close(
                    s.steady_state(Mg(100.0), 24.0, t.min(24.0)),
                    ss0,
                    10.0 * gap + 1e-14,
                    0.0
                ));
            }
        }
    }
}

/// pk.md §7 pitfall 3: near t = 0 the single-dose sum cancels; C(t) ≈ F·D·ka/V1·t.
#[test]
fn no_cancellation_near_time_zero() {
    let s = solve(&de_wit());
    for t in [1e-12, 1e-9, 1e-6] {
        let c = s.single_dose(Mg(10.0), t);
        let lin = 10.0 * 0.647 / 25.2 * t * 1000.0;
        // Second-order term ~ (ka + k10 + k12)·t/2 relative.
        assert!(close(c, lin, 3.0 * t + 1e-15, 0.0), "t={t}: {c} vs {lin}");
    }
    assert_eq!(s.single_dose(Mg(10.0), 0.0), 0.0);
    assert_eq!(s.single_dose(Mg(10.0), -1.0), 0.0);
}

/// A lag shorter than the time since the dose: pre-lag doses are left out; n-dose with lag
/// equals the explicit lagged sum.
#[test]
fn lag_time_with_n_doses_and_history() {
    let mut p = de_wit();
    p.tlag = Hours(1.5);
    let s = solve(&p);
    for n in [1u64, 2, 7] {
        for t in [0.0, 0.5, 1.5, 3.0, 23.9] {
            let sum: f64 = (0..n).map(|k| s.single_dose(Mg(10.0), t + k as f64 * 24.0)).sum();
            assert!(
                close(s.after_n_doses(Mg(10.0), 24.0, n, t), sum, 1e-12, 1e-14),
                "n={n} t={t}"
            );
        }
    }
    // Steady state with a lag longer than the interval is still the shifted periodic profile.
    p.tlag = Hours(30.0);
    let s2 = solve(&p);
    let plain = solve(&de_wit());
    assert!(close(
        s2.steady_state(Mg(10.0), 24.0, 31.0),
        plain.steady_state(Mg(10.0), 24.0, 1.0),
        1e-14,
        0.0
    ));
}

/// The prior-steady-state train equals the difference between steady state and the
/// recorded doses, i.e. SS = recorded daily doses + the earlier infinite train.
#[test]
fn prior_steady_state_completes_a_record() {
    let s = solve(&de_wit());
    let doses: Vec<Dose> = (0..3)
        .map(|k| Dose {
            time_h: k as f64 * 24.0,
            dose_mg: 10.0,
        })
        .collect();
    for t in [50.0, 60.0, 71.9] {
        let total = s.history(&doses, t) + s.prior_steady_state(Mg(10.0), 24.0, t);
        assert!(
            close(total, s.steady_state(Mg(10.0), 24.0, t - 48.0), 1e-12, 0.0),
            "t={t}"
        );
    }
}

/// The population mean profile equals the mean of individually computed profiles, and
/// the summary does not depend on the thread count (fixed chunking, ordered reduction).
#[test]
fn population_profile_summary_is_exact_and_deterministic() {
    use netrx_pk::Regimen;
    use netrx_pk::model::{Covariates, PopModel};
    use netrx_pk::population::{profile_summary, unit_troughs};
    let pk = netrx_kb::pk::Pk::from_texts([
        include_str!("../../../knowledge/pk/models.toml"),
        include_str!("../../../knowledge/pk/interactions.toml"),
        include_str!("../../../knowledge/pk/hepatic.toml"),
        include_str!("../../../knowledge/pk/target.toml"),
        include_str!("../../../knowledge/pk/regimens.toml"),
    ])
    .unwrap();
    let model = PopModel::new(pk.default_model());
    let cov = Covariates::default();
    let r = Regimen {
        dose_mg: 10.0,
        interval_h: 24.0,
    };
    let s = profile_summary(&model, &cov, 1.0, r, 28.0, 1.0, 3000, 9);
    // At t = 28·24 − 24 + 24 the profile ends at the trough after 28 doses; compare with the
    // per-patient steady-state troughs of the same virtual patients (28 doses ≈ SS to 1e-7).
    let ss = unit_troughs(&model, &cov, 0.0, 1.0, &[24.0], 3000, 9, &|_| {});
    let mean_ss = 10.0 * ss.iter().sum::<f64>() / 3000.0;
    let last = *s.mean_ng_ml.last().unwrap();
    assert!(close(last, mean_ss, 1e-5, 0.0), "{last} vs {mean_ss}");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let s1 = pool.install(|| profile_summary(&model, &cov, 1.0, r, 28.0, 1.0, 3000, 9));
    assert_eq!(s.mean_ng_ml, s1.mean_ng_ml);
}
