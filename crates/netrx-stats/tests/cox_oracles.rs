//! Cox models against R survival 3.5-3 (`tests/data/r_survival_oracles.tsv`, copied from
//! `../shared/oracles`): coefficients, SEs, log-likelihoods, LR/Wald/score tests, robust SEs and
//! robust score test, strata, concordance counts and SE, and the baseline hazard, on lung and
//! rossi with Efron, Breslow and exact ties.
//!
//! Tolerance: 1e-6 relative, or 1e-4 where R printed fewer than 7 significant digits
//! (`cox_util::tol_for`); integer counts exactly.

mod cox_util;

use cox_util::{Oracle, assert_close, model, tol_for};
use netrx_stats::cox::{self, CoxData, CoxFit, CoxOptions, Ties};

struct Case {
    ds: &'static str,
    analysis: &'static str,
    time: &'static str,
    event: &'static str,
    covs: &'static [&'static str],
    strata: Option<&'static str>,
    ties: Ties,
    robust: bool,
}

fn fit_case(c: &Case) -> (CoxFit, Vec<String>) {
    let extra: Vec<&str> = c.strata.into_iter().collect();
    let (f, y, d, rows) = model(c.ds, c.time, c.event, c.covs, &extra);
    let strata: Option<Vec<u32>> = c.strata.map(|s| f.factor(s, &rows).unwrap().codes);
    let cols: Vec<&[f64]> = (0..d.p).map(|j| d.col(j)).collect();
    let mut data = CoxData::new(&y.time, &y.event, cols, d.names.clone());
    data.strata = strata.as_deref();
    let opt = CoxOptions {
        ties: c.ties,
        robust: c.robust,
        ..CoxOptions::default()
    };
    let fit = cox::fit(&data, &opt).expect("fit");
    (fit, d.names.clone())
}

fn check_case(o: &Oracle, c: &Case) {
    let (fit, names) = fit_case(c);
    let (ds, a) = (c.ds, c.analysis);
    let t = |q: &str| tol_for(o, ds, a, q);
    assert_eq!(fit.n as f64, o.get(ds, a, "n"), "{a} n");
    assert_eq!(fit.nevent as f64, o.get(ds, a, "nevent"), "{a} nevent");
    assert_eq!(fit.iter as f64, o.get(ds, a, "iter"), "{a} iterations");
    let single = names.len() == 1;
    for (j, name) in names.iter().enumerate() {
        let key = |what: &str| {
            if single {
                what.to_string()
            } else {
                format!("{what}[{name}]")
            }
        };
        let k = key("coef");
        assert_close(&format!("{a} {k}"), fit.coef[j], o.get(ds, a, &k), t(&k));
        let k = key("se");
        assert_close(
            &format!("{a} {k}"),
            fit.naive_var[j * names.len() + j].sqrt(),
            o.get(ds, a, &k),
            t(&k),
        );
        if c.robust {
            let k = key("robust_se");
            let rv = fit.robust_var.as_ref().expect("robust variance");
            assert_close(
                &format!("{a} {k}"),
                rv[j * names.len() + j].sqrt(),
                o.get(ds, a, &k),
                t(&k),
            );
        }
    }
    for (q, v) in [
        ("loglik_null", fit.loglik_null),
        ("loglik", fit.loglik),
        ("lr_chisq", fit.lr_test.statistic),
        ("wald_chisq", fit.wald_test.statistic),
        ("score_chisq", fit.score_test.statistic),
    ] {
        assert_close(&format!("{a} {q}"), v, o.get(ds, a, q), t(q));
    }
    if c.robust {
        let q = "robust_score_chisq";
        assert_close(
            &format!("{a} {q}"),
            fit.robust_score_test.unwrap().statistic,
            o.get(ds, a, q),
            t(q),
        );
    }
    let cc = fit.concordance.expect("concordance");
    assert_close(
        &format!("{a} concordance"),
        cc.concordance,
        o.get(ds, a, "concordance"),
        t("concordance"),
    );
    assert_close(
        &format!("{a} concordance_se"),
        cc.std_err,
        o.get(ds, a, "concordance_se"),
        t("concordance_se"),
    );
    for (q, v) in [
        ("concordant", cc.concordant),
        ("discordant", cc.discordant),
        ("tied.x", cc.tied_x),
        ("tied.y", cc.tied_y),
        ("tied.xy", cc.tied_xy),
    ] {
        assert_eq!(v, o.get(ds, a, &format!("concordant_pairs[{q}]")), "{a} {q}");
    }
}

const LUNG3: &[&str] = &["age", "sex", "ph.ecog"];
const ROSSI: &[&str] = &["fin", "age", "race", "wexp", "mar", "paro", "prio"];

fn case(
    ds: &'static str,
    analysis: &'static str,
    covs: &'static [&'static str],
    strata: Option<&'static str>,
    ties: Ties,
    robust: bool,
) -> Case {
    let (time, event) = if ds == "lung" {
        ("time", "status")
    } else {
        ("week", "arrest")
    };
    Case {
        ds,
        analysis,
        time,
        event,
        covs,
        strata,
        ties,
        robust,
    }
}

#[test]
fn lung_efron() {
    check_case(
        &Oracle::load(),
        &case("lung", "cox_age_sex_ecog_efron", LUNG3, None, Ties::Efron, false),
    );
}

#[test]
fn lung_breslow() {
    check_case(
        &Oracle::load(),
        &case("lung", "cox_age_sex_ecog_breslow", LUNG3, None, Ties::Breslow, false),
    );
}

#[test]
fn lung_efron_robust() {
    check_case(
        &Oracle::load(),
        &case("lung", "cox_age_sex_ecog_efron_robust", LUNG3, None, Ties::Efron, true),
    );
}

#[test]
fn lung_stratified_by_sex() {
    check_case(
        &Oracle::load(),
        &case(
            "lung",
            "cox_age_ecog_strata_sex_efron",
            &["age", "ph.ecog"],
            Some("sex"),
            Ties::Efron,
            false,
        ),
    );
}

#[test]
fn lung_sex_only_both_ties() {
    let o = Oracle::load();
    check_case(&o, &case("lung", "cox_sex_efron", &["sex"], None, Ties::Efron, false));
    check_case(
        &o,
        &case("lung", "cox_sex_breslow", &["sex"], None, Ties::Breslow, false),
    );
}

#[test]
fn rossi_efron_breslow_robust() {
    let o = Oracle::load();
    check_case(&o, &case("rossi", "cox_full_efron", ROSSI, None, Ties::Efron, false));
    check_case(
        &o,
        &case("rossi", "cox_full_breslow", ROSSI, None, Ties::Breslow, false),
    );
    check_case(
        &o,
        &case("rossi", "cox_full_efron_robust", ROSSI, None, Ties::Efron, true),
    );
}

#[test]
fn lung_baseline_hazard_uncentered() {
    let o = Oracle::load();
    let (ds, a) = ("lung", "basehaz_uncentered_efron");
    let (f, y, d, _rows) = model(ds, "time", "status", LUNG3, &[]);
    let _ = f;
    let cols: Vec<&[f64]> = (0..d.p).map(|j| d.col(j)).collect();
    let data = CoxData::new(&y.time, &y.event, cols, d.names.clone());
    let fit = cox::fit(&data, &CoxOptions::default()).unwrap();
    let bh = cox::baseline_hazard(&data, &fit, false);
    for k in 1..=10 {
        let t = o.get(ds, a, &format!("time[{k}]"));
        let want = o.get(ds, a, &format!("hazard[{k}]"));
        assert_eq!(bh.time[k - 1], t, "basehaz time {k}");
        assert_close(&format!("basehaz[{k}]"), bh.hazard[k - 1], want, 1e-6);
    }
}

#[test]
fn coefficient_table_matches_printed_summary() {
    // R's print(summary(coxph)) for lung age+sex+ph.ecog (Efron): z, p and the 95% limits.
    // Printed to 6–8 significant digits: tolerance 1e-5 relative.
    let (fit, _) = fit_case(&case("lung", "cox_age_sex_ecog_efron", LUNG3, None, Ties::Efron, false));
    let t = fit.table();
    let want = [
        (1.19416, 0.23241568, 0.9929281, 1.0296620),
        (-3.29448, 0.00098605, 0.4142130, 0.7994351),
        (4.08293, 4.4471e-05, 1.2726752, 1.9864236),
    ];
    for (row, w) in t.iter().zip(want) {
        assert_close(&format!("{} z", row.name), row.z.unwrap(), w.0, 1e-5);
        assert_close(&format!("{} p", row.name), row.p.unwrap(), w.1, 1e-4);
        assert_close(&format!("{} lower", row.name), row.lower95.unwrap(), w.2, 1e-6);
        assert_close(&format!("{} upper", row.name), row.upper95.unwrap(), w.3, 1e-6);
    }
    // LR / Wald / score p-values as printed: 1.08e-06, 1.43e-06, 1.08e-06 (3 digits).
    assert_close("lr p", fit.lr_test.p, 1.08e-6, 5e-3);
    assert_close("wald p", fit.wald_test.p, 1.43e-6, 5e-3);
    assert_close("score p", fit.score_test.p, 1.08e-6, 5e-3);
}

#[test]
fn exact_ties_lung_and_rossi() {
    // R's ties = "exact" (discrete-time exact partial likelihood, coxexact)
    let o = Oracle::load();
    check_case(
        &o,
        &case("lung", "cox_age_sex_ecog_exact", LUNG3, None, Ties::Exact, false),
    );
    check_case(&o, &case("rossi", "cox_full_exact", ROSSI, None, Ties::Exact, false));
}
