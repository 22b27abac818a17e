//! Cox models against extra R survival 3.5-3 oracles made by
//! `tests/data/cox_survreg_extra_oracles.R`: case weights (Efron, Breslow, robust), an offset,
//! cluster-robust SEs, strata with Breslow ties and robust SEs, a factor covariate, a collinear
//! column (NA), the Breslow baseline hazard and monotone likelihood (separation). Tolerance
//! 1e-6 relative unless stated; counts exactly.

mod cox_util;

use cox_util::{Extra, assert_close, frame};
use netrx_stats::cox::{self, CoxData, CoxFit, CoxOptions, Ties};
use netrx_stats::zph::{ZphTransform, cox_zph};

struct Spec<'a> {
    ds: &'a str,
    covs: &'a [&'a str],
    ties: Ties,
    robust: bool,
    weights: bool,
    offset: bool,
    strata: Option<&'a str>,
    cluster: Option<&'a str>,
}

fn spec<'a>(ds: &'a str, covs: &'a [&'a str]) -> Spec<'a> {
    Spec {
        ds,
        covs,
        ties: Ties::Efron,
        robust: false,
        weights: false,
        offset: false,
        strata: None,
        cluster: None,
    }
}

/// Fit as the R script does (weights 1 + (age mod 3)/2; offset 0.3·ph.ecog; derived age_sex).
fn run(s: &Spec, then: impl FnOnce(&CoxData, &CoxFit)) {
    let f = frame(s.ds);
    let (time, event) = if s.ds == "lung" {
        ("time", "status")
    } else {
        ("week", "arrest")
    };
    let mut used: Vec<&str> = vec![time, event];
    used.extend(s.covs.iter().filter(|c| **c != "age_sex"));
    if s.weights {
        used.push("age");
    }
    if s.offset {
        used.push("ph.ecog");
    }
    used.extend(s.strata);
    used.extend(s.cluster);
    let rows = f.complete_rows(&used).unwrap();
    let y = f.surv(time, event, &rows).unwrap();
    let plain: Vec<&str> = s.covs.iter().copied().filter(|c| *c != "age_sex").collect();
    let d = f.design(&plain, &rows).unwrap();
    let mut cols: Vec<Vec<f64>> = (0..d.p).map(|j| d.col(j).to_vec()).collect();
    let mut names = d.names.clone();
    if s.covs.contains(&"age_sex") {
        let age = f.numeric("age", &rows).unwrap();
        let sex = f.numeric("sex", &rows).unwrap();
        cols.push(age.iter().zip(&sex).map(|(a, b)| a + b).collect());
        names.push("age_sex".into());
    }
    let w: Option<Vec<f64>> = s.weights.then(|| {
        f.numeric("age", &rows)
            .unwrap()
            .iter()
            .map(|a| 1.0 + a.rem_euclid(3.0) / 2.0)
            .collect()
    });
    let off: Option<Vec<f64>> = s
        .offset
        .then(|| f.numeric("ph.ecog", &rows).unwrap().iter().map(|e| 0.3 * e).collect());
    let strata = s.strata.map(|c| f.factor(c, &rows).unwrap().codes);
    let cluster = s.cluster.map(|c| f.factor(c, &rows).unwrap().codes);
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let mut data = CoxData::new(&y.time, &y.event, refs, names);
    data.weights = w.as_deref();
    data.offset = off.as_deref();
    data.strata = strata.as_deref();
    data.cluster = cluster.as_deref();
    data.terms = d
        .terms
        .iter()
        .map(|t| cox::Term {
            name: t.name.clone(),
            columns: (t.first_col..t.first_col + t.ncol).collect(),
        })
        .collect();
    if s.covs.contains(&"age_sex") {
        data.terms.push(cox::Term {
            name: "age_sex".into(),
            columns: vec![d.p],
        });
    }
    let opt = CoxOptions {
        ties: s.ties,
        robust: s.robust,
        ..CoxOptions::default()
    };
    let fit = cox::fit(&data, &opt).unwrap();
    then(&data, &fit);
}

fn check(e: &Extra, a: &str, fit: &CoxFit) {
    let p = fit.p();
    for j in 0..p {
        let want = e.get(a, &format!("coef[{}]", fit.names[j]));
        if want.is_nan() {
            assert!(fit.singular[j], "{a}: {} should be NA (singular)", fit.names[j]);
            assert!(fit.table()[j].coef.is_none());
            continue;
        }
        assert_close(&format!("{a} coef {}", fit.names[j]), fit.coef[j], want, 1e-6);
        let se = fit.naive_var[j * p + j].sqrt();
        assert_close(
            &format!("{a} se {}", fit.names[j]),
            se,
            e.get(a, &format!("se[{}]", j + 1)),
            1e-6,
        );
        if let Some(rv) = &fit.robust_var {
            let want = e.get(a, &format!("robust_se[{}]", j + 1));
            assert_close(
                &format!("{a} robust se {}", fit.names[j]),
                rv[j * p + j].sqrt(),
                want,
                1e-6,
            );
        }
    }
    let cc = fit.concordance.unwrap();
    for (q, v) in [
        ("loglik_null", fit.loglik_null),
        ("loglik", fit.loglik),
        ("lr_chisq", fit.lr_test.statistic),
        ("wald_chisq", fit.wald_test.statistic),
        ("score_chisq", fit.score_test.statistic),
        ("concordance", cc.concordance),
        ("concordance_se", cc.std_err),
    ] {
        assert_close(&format!("{a} {q}"), v, e.get(a, q), 1e-6);
    }
    if let Some(rs) = fit.robust_score_test {
        assert_close(
            &format!("{a} robust score"),
            rs.statistic,
            e.get(a, "robust_score_chisq"),
            1e-6,
        );
    }
    assert_eq!(fit.n as f64, e.get(a, "n"), "{a} n");
    assert_eq!(fit.nevent as f64, e.get(a, "nevent"), "{a} nevent");
    assert_eq!(fit.iter as f64, e.get(a, "iter"), "{a} iter");
}

const LUNG3: &[&str] = &["age", "sex", "ph.ecog"];

#[test]
fn case_weights_efron_breslow_robust() {
    let e = Extra::load();
    run(
        &Spec {
            weights: true,
            ..spec("lung", LUNG3)
        },
        |_, f| check(&e, "lung_weights_efron", f),
    );
    run(
        &Spec {
            weights: true,
            robust: true,
            ..spec("lung", LUNG3)
        },
        |_, f| check(&e, "lung_weights_efron_robust", f),
    );
    run(
        &Spec {
            weights: true,
            ties: Ties::Breslow,
            ..spec("lung", LUNG3)
        },
        |_, f| check(&e, "lung_weights_breslow", f),
    );
}

#[test]
fn offset() {
    let e = Extra::load();
    run(
        &Spec {
            offset: true,
            ..spec("lung", &["age", "sex"])
        },
        |_, f| check(&e, "lung_offset_efron", f),
    );
}

#[test]
fn cluster_robust() {
    let e = Extra::load();
    run(
        &Spec {
            cluster: Some("inst"),
            ..spec("lung", LUNG3)
        },
        |_, f| {
            assert!(f.robust_var.is_some(), "a cluster implies the robust variance");
            check(&e, "lung_cluster_inst_efron", f)
        },
    );
}

#[test]
fn strata_breslow_robust() {
    let e = Extra::load();
    let s = Spec {
        ties: Ties::Breslow,
        robust: true,
        strata: Some("race"),
        ..spec("rossi", &["fin", "age", "prio"])
    };
    run(&s, |_, f| check(&e, "rossi_strata_race_breslow_robust", f));
}

#[test]
fn collinear_column_is_na() {
    let e = Extra::load();
    run(&spec("lung", &["age", "sex", "age_sex"]), |_, f| {
        assert!(f.singular[2] && !f.singular[0] && !f.singular[1]);
        assert!(f.warnings.iter().any(|w| w.contains("singular")), "{:?}", f.warnings);
        assert_eq!(f.lr_test.df, 2);
        check(&e, "lung_collinear_efron", f)
    });
}

#[test]
fn factor_covariate_and_joint_zph() {
    let e = Extra::load();
    run(&spec("lung", &["age", "factor(ph.ecog)"]), |data, f| {
        check(&e, "lung_factor_ecog_efron", f);
        for tr in [ZphTransform::Km, ZphTransform::Log] {
            let a = format!("lung_factor_ecog_efron:zph_{}", tr.as_str());
            let z = cox_zph(data, f, tr).unwrap();
            for row in &z.table {
                assert_close(
                    &format!("{a} {}", row.term),
                    row.chisq,
                    e.get(&a, &format!("chisq[{}]", row.term)),
                    1e-6,
                );
                assert_eq!(row.df as f64, e.get(&a, &format!("df[{}]", row.term)));
            }
        }
    });
}

#[test]
fn breslow_fit_zph_and_baseline_hazard() {
    let e = Extra::load();
    run(
        &Spec {
            ties: Ties::Breslow,
            ..spec("rossi", &["fin", "age", "prio"])
        },
        |data, f| {
            check(&e, "rossi_breslow3", f);
            let z = cox_zph(data, f, ZphTransform::Km).unwrap();
            for row in &z.table {
                let a = "rossi_breslow3:zph_km";
                assert_close(
                    &format!("{a} {}", row.term),
                    row.chisq,
                    e.get(a, &format!("chisq[{}]", row.term)),
                    1e-6,
                );
            }
            let bh = cox::baseline_hazard(data, f, false);
            for (k, idx) in [0usize, 9, 19, 48].iter().enumerate() {
                let a = "rossi_breslow3:basehaz";
                assert_eq!(bh.time[*idx], e.get(a, &format!("time[{}]", k + 1)));
                assert_close(
                    &format!("basehaz {idx}"),
                    bh.hazard[*idx],
                    e.get(a, &format!("hazard[{}]", k + 1)),
                    1e-6,
                );
            }
        },
    );
}

#[test]
fn stratified_zph_rank() {
    let e = Extra::load();
    run(
        &Spec {
            strata: Some("sex"),
            ..spec("lung", &["age", "ph.ecog"])
        },
        |data, f| {
            let z = cox_zph(data, f, ZphTransform::Rank).unwrap();
            for row in &z.table {
                let a = "lung_strata_sex:zph_rank";
                assert_close(
                    &format!("{a} {}", row.term),
                    row.chisq,
                    e.get(a, &format!("chisq[{}]", row.term)),
                    1e-6,
                );
            }
        },
    );
}

#[test]
fn separation_gives_infinite_coefficient_warning() {
    // x = 1 for the three earliest deaths, 0 for the rest: the partial likelihood increases
    // without bound in β. R: loglik −3.58351894 after 20 iterations, coef 21.94, and the warning
    // "Loglik converged before variable 1; coefficient may be infinite".
    let e = Extra::load();
    let time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let status = [true, true, true, true, true, false];
    let x = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
    let data = CoxData::new(&time, &status, vec![&x], vec!["x".into()]);
    let f = cox::fit(&data, &CoxOptions::default()).unwrap();
    assert!(f.infinite[0], "infinite flag");
    assert!(
        f.warnings.iter().any(|w| w.contains("may be infinite")),
        "{:?}",
        f.warnings
    );
    assert_close("separation loglik", f.loglik, e.get("separation", "loglik"), 1e-6);
    assert_close(
        "separation loglik0",
        f.loglik_null,
        e.get("separation", "loglik_null"),
        1e-9,
    );
    assert_eq!(f.iter as f64, e.get("separation", "iter"));
    assert_close("separation coef", f.coef[0], e.get("separation", "coef"), 1e-4);
}
