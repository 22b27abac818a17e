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
