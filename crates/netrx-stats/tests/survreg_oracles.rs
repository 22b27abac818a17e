//! Parametric models against R survival 3.5-3 `survreg` on lung (`Surv(time, status) ~ age + sex`
//! and intercept-only), all four distributions: coefficients, SEs (incl. Log(scale)), scale and
//! log-likelihood; quantiles and restricted means at the covariate means (R `predict(type =
//! "quantile")` and `integrate()` of `psurvreg`); case weights; and Gompertz (flexsurv
//! parameterisation) against R's optimiser (`optim` + `nlm`, Hessian by `optimHess`) on the same
//! likelihood. Tolerances: 1e-6 relative for survreg estimates, SEs and log-likelihoods (1e-4
//! where R printed fewer digits), 1e-8 for quantiles and restricted means; Gompertz 1e-5 on
//! estimates (R's optimiser stops there), 1e-4 on SEs (numerical Hessian), 1e-9 on the
//! log-likelihood.

mod cox_util;

use cox_util::{Extra, Oracle, assert_close, model, tol_for};
use netrx_stats::survreg::{Dist, SurvregOptions, survreg};

fn fit_lung(d: Dist, covs: &[&str], weights: bool) -> netrx_stats::survreg::SurvregFit {
    let (f, y, des, rows) = model("lung", "time", "status", covs, &["age"]);
    let cols: Vec<&[f64]> = (0..des.p).map(|j| des.col(j)).collect();
    let w: Option<Vec<f64>> = weights.then(|| {
        f.numeric("age", &rows)
            .unwrap()
            .iter()
            .map(|a| 1.0 + a.rem_euclid(3.0) / 2.0)
            .collect()
    });
    survreg(
        &y.time,
        &y.event,
        &cols,
        &des.names,
        w.as_deref(),
        d,
        &SurvregOptions::default(),
    )
    .unwrap()
}

const DISTS: [Dist; 4] = [Dist::Exponential, Dist::Weibull, Dist::Lognormal, Dist::Loglogistic];

#[test]
fn lung_age_sex_all_distributions() {
    let o = Oracle::load();
    for d in DISTS {
        let a = format!("survreg_{}", d.as_str());
        let fit = fit_lung(d, &["age", "sex"], false);
        assert!(fit.converged, "{a} converged");
        let se = fit.se();
        for (i, name) in fit.names.iter().enumerate() {
            if name != "Log(scale)" {
                let k = format!("coef[{name}]");
                assert_close(
                    &format!("{a} {k}"),
                    fit.estimate[i],
                    o.get("lung", &a, &k),
                    tol_for(&o, "lung", &a, &k),
                );
            }
            let k = format!("se[{name}]");
            assert_close(
                &format!("{a} {k}"),
                se[i],
                o.get("lung", &a, &k),
                tol_for(&o, "lung", &a, &k),
            );
        }
        assert_close(&format!("{a} scale"), fit.scale, o.get("lung", &a, "scale"), 1e-6);
        assert_close(&format!("{a} loglik"), fit.loglik, o.get("lung", &a, "loglik"), 1e-6);
        // intercept-only log-likelihood, reported as R's Loglik(intercept only)
        let b = format!("survreg_intercept_{}", d.as_str());
        assert_close(
            &format!("{b} loglik"),
            fit.loglik_null,
            o.get("lung", &b, "loglik"),
            1e-6,
        );
    }
}

#[test]
fn lung_intercept_only() {
    let o = Oracle::load();
    for d in DISTS {
        let a = format!("survreg_intercept_{}", d.as_str());
        let fit = fit_lung(d, &[], false);
        assert_close(&format!("{a} coef"), fit.estimate[0], o.get("lung", &a, "coef"), 1e-6);
        assert_close(&format!("{a} scale"), fit.scale, o.get("lung", &a, "scale"), 1e-6);
        assert_close(&format!("{a} loglik"), fit.loglik, o.get("lung", &a, "loglik"), 1e-6);
    }
}

#[test]
fn quantiles_and_restricted_means_at_the_means() {
    let e = Extra::load();
    for d in DISTS {
        let a = format!("survreg_{}", d.as_str());
        let fit = fit_lung(d, &["age", "sex"], false);
        let m = fit.means.clone();
        for p in ["0.25", "0.5"] {
            let q = fit.quantile(&m, p.parse().unwrap()).unwrap();
            assert_close(
                &format!("{a} quantile {p}"),
                q,
                e.get(&a, &format!("quantile[{p}]")),
                1e-6,
            );
        }
        assert_close(
            &format!("{a} rmst365"),
            fit.restricted_mean(&m, 365.0),
            e.get(&a, "rmst365"),
            1e-6,
        );
    }
}

#[test]
fn weibull_with_case_weights() {
    let e = Extra::load();
    let a = "survreg_weibull_weights";
    let fit = fit_lung(Dist::Weibull, &["age", "sex"], true);
    let se = fit.se();
    for (i, name) in fit.names.iter().enumerate() {
        if name != "Log(scale)" {
            assert_close(
                &format!("{a} {name}"),
                fit.estimate[i],
                e.get(a, &format!("coef[{name}]")),
                1e-6,
            );
        }
        assert_close(&format!("{a} se {name}"), se[i], e.get(a, &format!("se[{name}]")), 1e-6);
    }
    assert_close("scale", fit.scale, e.get(a, "scale"), 1e-6);
    assert_close("loglik", fit.loglik, e.get(a, "loglik"), 1e-9);
}

#[test]
fn gompertz_against_r_optimiser() {
    let e = Extra::load();
    let a = "gompertz_age_sex";
    let fit = fit_lung(Dist::Gompertz, &["age", "sex"], false);
    assert!(fit.converged);
    assert_eq!(fit.names, ["(Intercept)", "age", "sex", "shape"]);
    // our Newton optimum can only be at least as good as R's
    assert!(
        fit.loglik >= e.get(a, "loglik") - 1e-9,
        "{} vs {}",
        fit.loglik,
        e.get(a, "loglik")
    );
    assert_close("gompertz loglik", fit.loglik, e.get(a, "loglik"), 1e-9);
    let se = fit.se();
    for (i, name) in fit.names.iter().enumerate() {
        assert_close(
            &format!("gompertz {name}"),
            fit.estimate[i],
            e.get(a, &format!("estimate[{name}]")),
            1e-5,
        );
        assert_close(
            &format!("gompertz se {name}"),
            se[i],
            e.get(a, &format!("se[{name}]")),
            1e-4,
        );
    }
    // S(median) = 1/2 and RMST ≤ τ
    let m = fit.means.clone();
    let med = fit.quantile(&m, 0.5).unwrap();
    assert!((fit.survival(&m, med) - 0.5).abs() < 1e-12);
    let r = fit.restricted_mean(&m, 365.0);
    assert!(r > 0.0 && r < 365.0);
}

#[test]
fn gompertz_shape_zero_limit_is_exponential() {
    // Hand-checkable: S(t) with shape → 0 is exp(−b t); the series branch must agree with the
    // closed form on both sides of its switch-over (|a t| = 0.05) to 1e-12.
    let (_f, y, des, _rows) = model("lung", "time", "status", &[], &[]);
    let _ = des;
    let fit = survreg(
        &y.time,
        &y.event,
        &[],
        &[],
        None,
        Dist::Gompertz,
        &SurvregOptions::default(),
    )
    .unwrap();
    let mut f2 = fit.clone();
    f2.estimate[1] = 0.0;
    let b = f2.estimate[0].exp();
    for t in [1.0, 100.0, 1000.0] {
        assert_close("S at shape 0", f2.survival(&[], t), (-b * t).exp(), 1e-12);
    }
    for a in [0.049 / 100.0, 0.051 / 100.0] {
        f2.estimate[1] = a;
        let want = (-(b / a) * ((a * 100.0f64).exp() - 1.0)).exp();
        assert_close("S near switch", f2.survival(&[], 100.0), want, 1e-12);
    }
}

#[test]
fn degenerate_inputs_give_a_result_or_a_clear_error_never_a_panic() {
    let opt = SurvregOptions::default();
    let t = [1.0, 2.0, 3.0, 4.0, 5.0];
    // a single event
    let s1 = [true, false, false, false, false];
    for d in DISTS.into_iter().chain([Dist::Gompertz]) {
        let r = survreg(&t, &s1, &[], &[], None, d, &opt);
        if let Ok(f) = r {
            assert!(f.loglik.is_finite() || !f.converged, "{d:?}");
        }
    }
    // exponential, one event, no covariates: closed form rate = 1/Σt, intercept = log Σt
    let f = survreg(&t, &s1, &[], &[], None, Dist::Exponential, &opt).unwrap();
    assert_close("exp intercept", f.estimate[0], 15f64.ln(), 1e-9);
    // a constant and a collinear covariate: not estimable, reported, no panic
    let s = [true, true, false, true, true];
    let c = [3.0; 5];
    let x1 = [0.5, 1.5, -0.2, 0.3, 2.0];
    let x2: Vec<f64> = x1.iter().map(|v| 2.0 * v).collect();
    let names = vec!["c".to_string()];
    let f = survreg(&t, &s, &[&c], &names, None, Dist::Weibull, &opt).unwrap();
    assert!(f.warnings.iter().any(|w| w.contains("singular")), "{:?}", f.warnings);
    assert!(f.singular[1] && !f.singular[0]);
    // the redundant column stays out of the model: same fit as without it (R: coefficient NA)
    let g = survreg(&t, &s, &[], &[], None, Dist::Weibull, &opt).unwrap();
    assert_close("intercept without the NA column", f.estimate[0], g.estimate[0], 1e-8);
    assert_close("loglik without the NA column", f.loglik, g.loglik, 1e-10);
    let names = vec!["x1".to_string(), "x2".to_string()];
    let f = survreg(&t, &s, &[&x1, &x2], &names, None, Dist::Lognormal, &opt).unwrap();
    assert!(f.warnings.iter().any(|w| w.contains("singular")), "{:?}", f.warnings);
    // a zero time is an error naming the field
    let e = survreg(&[0.0, 1.0], &[true, true], &[], &[], None, Dist::Weibull, &opt).unwrap_err();
    assert_eq!(e.field, "time");
}
