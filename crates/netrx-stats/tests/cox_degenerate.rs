//! Degenerate Cox data with hand-computed answers: all censored, a single event, a
//! three-observation model whose MLE has a closed form, ties that must not cross strata, and
//! bad input (errors name the field). Tolerances 1e-9 relative unless stated.

mod cox_util;

use cox_util::assert_close;
use netrx_stats::cox::{self, CoxData, CoxOptions, Ties};
use netrx_stats::survreg::{Dist, SurvregOptions, survreg};
use netrx_stats::zph::{ZphTransform, cox_zph};

fn names(k: usize) -> Vec<String> {
    (1..=k).map(|j| format!("x{j}")).collect()
}

#[test]
fn all_censored_gives_na_coefficients_not_a_crash() {
    let t = [1.0, 2.0, 3.0, 4.0];
    let s = [false; 4];
    let x = [0.0, 1.0, 0.0, 1.0];
    let d = CoxData::new(&t, &s, vec![&x], names(1));
    let f = cox::fit(&d, &CoxOptions::default()).unwrap();
    assert_eq!(f.nevent, 0);
    assert!(f.singular[0] && f.table()[0].coef.is_none());
    assert_eq!((f.loglik, f.loglik_null), (0.0, 0.0)); // R: loglik c(0, 0)
    assert!(f.warnings.iter().any(|w| w.contains("no events")));
    assert!(
        cox_zph(&d, &f, ZphTransform::Km).is_err(),
        "zph has no residuals without events"
    );
    assert!(survreg(&t, &s, &[], &[], None, Dist::Weibull, &SurvregOptions::default()).is_err());
}

#[test]
fn single_event_score_test_and_infinite_coefficient() {
    // Risk set {x = 1, 0, 0} at the only event (x = 1): at β = 0, U = 1 − 1/3 = 2/3,
    // I = 1/3 − 1/9 = 2/9, score test U²/I = 2; loglik(0) = −log 3. The likelihood
    // e^β/(e^β + 2) increases without bound. R 3.5-3 runs out of iterations here
    // ("Ran out of iterations and did not converge", fit$iter 21, coef 22.15131).
    let t = [1.0, 2.0, 3.0];
    let s = [true, false, false];
    let x = [1.0, 0.0, 0.0];
    let d = CoxData::new(&t, &s, vec![&x], names(1));
    let f = cox::fit(&d, &CoxOptions::default()).unwrap();
    assert_close("score", f.score_test.statistic, 2.0, 1e-12);
    assert_close("loglik0", f.loglik_null, -(3.0f64).ln(), 1e-12);
    assert!(!f.converged);
    assert!(
        f.warnings.iter().any(|w| w.contains("did not converge")),
        "{:?}",
        f.warnings
    );
    assert_eq!(f.iter, 21);
    assert_close("coef", f.coef[0], 22.15131, 1e-6);
}

#[test]
fn closed_form_mle() {
    // t = 1, 2, 3; events at 1 and 2; x = 1, 0, 1. log L = β − log(2e^β + 1) − log(1 + e^β),
    // maximised at e^β = 1/√2 (β̂ = −ln 2 / 2) with information 2√2/(3 + 2√2).
    let t = [1.0, 2.0, 3.0];
    let s = [true, true, false];
    let x = [1.0, 0.0, 1.0];
    let d = CoxData::new(&t, &s, vec![&x], names(1));
    for ties in [Ties::Efron, Ties::Breslow] {
        let f = cox::fit(
            &d,
            &CoxOptions {
                ties,
                ..CoxOptions::default()
            },
        )
        .unwrap();
        let r2 = 2f64.sqrt();
        assert_close("beta", f.coef[0], -(2f64.ln()) / 2.0, 1e-9);
        assert_close("var", f.naive_var[0], (3.0 + 2.0 * r2) / (2.0 * r2), 1e-8);
        let u = 1.0 / r2;
        let ll = u.ln() - (2.0 * u + 1.0).ln() - (1.0 + u).ln();
        assert_close("loglik", f.loglik, ll, 1e-12);
        assert!(f.converged && f.warnings.is_empty(), "{:?}", f.warnings);
    }
}

#[test]
fn efron_and_breslow_differ_only_with_ties_and_ties_do_not_cross_strata() {
    // Without tied event times Efron ≡ Breslow.
    let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let s = [true, true, false, true, true, false];
    let x = [0.5, 1.2, -0.3, 0.8, -1.0, 0.1];
    let d = CoxData::new(&t, &s, vec![&x], names(1));
    let e = cox::fit(&d, &CoxOptions::default()).unwrap();
    let b = cox::fit(
        &d,
        &CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        },
    )
    .unwrap();
    assert_close("no ties", e.coef[0], b.coef[0], 1e-12);
    // Same times in two strata: each stratum alone has no ties, so Efron ≡ Breslow again, and
    // the stratified loglik is the sum of the per-stratum logliks at the common β.
    let t2 = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
    let s2 = [true, true, false, true, true, false];
    let x2 = [0.5, 1.2, -0.3, 0.8, -1.0, 0.1];
    let st = [0u32, 0, 0, 1, 1, 1];
    let mut d2 = CoxData::new(&t2, &s2, vec![&x2], names(1));
    d2.strata = Some(&st);
    let e2 = cox::fit(&d2, &CoxOptions::default()).unwrap();
    let b2 = cox::fit(
        &d2,
        &CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        },
    )
    .unwrap();
    assert_close("strata", e2.coef[0], b2.coef[0], 1e-12);
    let unstrat = cox::fit(&CoxData::new(&t2, &s2, vec![&x2], names(1)), &CoxOptions::default()).unwrap();
    let unstrat_b = cox::fit(
        &CoxData::new(&t2, &s2, vec![&x2], names(1)),
        &CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        },
    )
    .unwrap();
    assert!(
        (unstrat.coef[0] - unstrat_b.coef[0]).abs() > 1e-6,
        "pooled data has ties"
    );
}

#[test]
fn constant_column_is_na_and_bad_input_names_the_field() {
    let t = [1.0, 2.0, 3.0, 4.0];
    let s = [true, true, false, true];
    let x = [0.3, -0.2, 0.9, 0.1];
    let c = [2.0; 4];
    let d = CoxData::new(&t, &s, vec![&x, &c], names(2));
    let f = cox::fit(&d, &CoxOptions::default()).unwrap();
    assert!(!f.singular[0] && f.singular[1], "constant column is not estimable");
    let w = [1.0, 0.0, 1.0, 1.0];
    let mut d = CoxData::new(&t, &s, vec![&x], names(1));
    d.weights = Some(&w);
    let e = cox::fit(&d, &CoxOptions::default()).unwrap_err();
    assert_eq!(e.field, "weights");
    assert!(
        e.message.contains("row 2") && e.message.contains("> 0"),
        "{}",
        e.message
    );
    let bad = [1.0, f64::NAN, 3.0, 4.0];
    let e = cox::fit(&CoxData::new(&bad, &s, vec![&x], names(1)), &CoxOptions::default()).unwrap_err();
    assert_eq!(e.field, "time");
}

#[test]
fn timefix_merges_near_ties_like_aeqsurv() {
    // 0.1 + 0.2 ≠ 0.3 in floating point; R's aeqSurv merges them into one tied time.
    let t = [0.1 + 0.2, 0.3, 0.5, 0.7];
    let fixed = cox::timefix(&t);
    assert_eq!(fixed[0], fixed[1]);
    assert_eq!(&fixed[2..], &t[2..]);
    let s = [true, true, true, false];
    let x = [1.0, 0.0, 0.5, 0.2];
    let d = CoxData::new(&t, &s, vec![&x], names(1));
    let on = cox::fit(&d, &CoxOptions::default()).unwrap();
    let off = cox::fit(
        &d,
        &CoxOptions {
            timefix: false,
            ..CoxOptions::default()
        },
    )
    .unwrap();
    assert!(
        (on.loglik - off.loglik).abs() > 1e-6,
        "the merged tie changes the Efron likelihood"
    );
}
