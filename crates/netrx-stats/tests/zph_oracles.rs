//! `cox.zph` (R ≥ 3.0 exact score test) against R survival 3.5-3 on lung and rossi, transforms
//! km, rank and identity, per term and GLOBAL. Tolerance 1e-6 relative (1e-4 where R printed
//! fewer digits); df exactly.

mod cox_util;

use cox_util::{Oracle, assert_close, model, tol_for};
use netrx_stats::cox::{self, CoxData, CoxOptions};
use netrx_stats::zph::{ZphTransform, cox_zph};

fn check(ds: &str, analysis: &str, time: &str, event: &str, covs: &[&str]) {
    let o = Oracle::load();
    let (_f, y, d, _rows) = model(ds, time, event, covs, &[]);
    let cols: Vec<&[f64]> = (0..d.p).map(|j| d.col(j)).collect();
    let data = CoxData::new(&y.time, &y.event, cols, d.names.clone());
    let fit = cox::fit(&data, &CoxOptions::default()).unwrap();
    for tr in [ZphTransform::Km, ZphTransform::Rank, ZphTransform::Identity] {
        let a = format!("{analysis}:zph_{}", tr.as_str());
        let z = cox_zph(&data, &fit, tr).unwrap();
        assert_eq!(z.table.len(), covs.len() + 1);
        for row in &z.table {
            for (q, v) in [("chisq", row.chisq), ("p", row.p)] {
                let k = format!("{q}[{}]", row.term);
                assert_close(&format!("{a} {k}"), v, o.get(ds, &a, &k), tol_for(&o, ds, &a, &k));
            }
            assert_eq!(row.df as f64, o.get(ds, &a, &format!("df[{}]", row.term)));
        }
    }
}

#[test]
fn lung_zph_km_rank_identity() {
    check(
        "lung",
        "cox_age_sex_ecog_efron",
        "time",
        "status",
        &["age", "sex", "ph.ecog"],
    );
}

#[test]
fn rossi_zph_km_rank_identity() {
    check(
        "rossi",
        "cox_full_efron",
        "week",
        "arrest",
        &["fin", "age", "race", "wexp", "mar", "paro", "prio"],
    );
}

/// R's `cox.zph(fit)$x` and `$y` (transformed event times and scaled Schoenfeld residuals
/// plus β̂, for plotting β(t)): first five events, single-column terms, a factor term
/// (residual of its linear predictor, plus 1) and a stratified model. Tolerance 1e-6.
#[test]
fn zph_plot_residuals_match_r() {
    let e = cox_util::Extra::load();
    let run = |covs: &[&str], strata: Option<&str>, tr: ZphTransform, a: &str, check_x: bool| {
        let f = cox_util::frame("lung");
        let mut used = vec!["time", "status"];
        used.extend_from_slice(covs);
        used.extend(strata);
        let rows = f.complete_rows(&used).unwrap();
        let y = f.surv("time", "status", &rows).unwrap();
        let d = f.design(covs, &rows).unwrap();
        let st = strata.map(|s| f.factor(s, &rows).unwrap().codes);
        let cols: Vec<&[f64]> = (0..d.p).map(|j| d.col(j)).collect();
        let mut data = CoxData::new(&y.time, &y.event, cols, d.names.clone());
        data.strata = st.as_deref();
        data.terms = d
            .terms
            .iter()
            .map(|t| cox::Term {
                name: t.name.clone(),
                columns: (t.first_col..t.first_col + t.ncol).collect(),
            })
            .collect();
        let fit = cox::fit(&data, &CoxOptions::default()).unwrap();
        let z = cox_zph(&data, &fit, tr).unwrap();
        assert_eq!(z.y.len(), fit.nevent);
        for k in 0..5 {
            if check_x {
                assert_close(&format!("{a} x[{k}]"), z.x[k], e.get(a, &format!("x[{}]", k + 1)), 1e-9);
            }
            for (ti, term) in z.terms.iter().enumerate() {
                let want = e.get(a, &format!("y_{term}[{}]", k + 1));
                assert_close(&format!("{a} y {term} [{k}]"), z.y[k][ti].unwrap(), want, 1e-6);
            }
        }
    };
    run(
        &["age", "sex", "ph.ecog"],
        None,
        ZphTransform::Km,
        "lung_zph_km_resid",
        true,
    );
    run(
        &["age", "factor(ph.ecog)"],
        None,
        ZphTransform::Km,
        "lung_factor_zph_km_resid",
        false,
    );
    run(
        &["age", "ph.ecog"],
        Some("sex"),
        ZphTransform::Rank,
        "lung_strata_zph_rank_resid",
        true,
    );
}
