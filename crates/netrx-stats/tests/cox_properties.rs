//! Properties any correct Cox / concordance implementation has, checked on rossi (432 rows,
//! heavy ties): invariance to row order, Breslow integer weights ≡ duplicated rows, covariate
//! rescaling, and the concordance's symmetry. Tolerance 1e-9 relative (rounding only).

mod cox_util;

use cox_util::{assert_close, model};
use netrx_stats::concordance::concordance;
use netrx_stats::cox::{self, CoxData, CoxOptions, Ties};

const COVS: &[&str] = &["fin", "age", "prio"];

fn rossi() -> (Vec<f64>, Vec<bool>, Vec<Vec<f64>>) {
    let (_f, y, d, _r) = model("rossi", "week", "arrest", COVS, &[]);
    (y.time, y.event, (0..d.p).map(|j| d.col(j).to_vec()).collect())
}

fn fit(t: &[f64], s: &[bool], x: &[Vec<f64>], w: Option<&[f64]>, ties: Ties) -> cox::CoxFit {
    let cols: Vec<&[f64]> = x.iter().map(|c| c.as_slice()).collect();
    let mut d = CoxData::new(t, s, cols, COVS.iter().map(|c| c.to_string()).collect());
    d.weights = w;
    cox::fit(
        &d,
        &CoxOptions {
            ties,
            ..CoxOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn row_order_does_not_matter() {
    let (t, s, x) = rossi();
    let n = t.len();
    // a fixed permutation: i → (i·37 + 11) mod n (37 is coprime with 432)
    let perm: Vec<usize> = (0..n).map(|i| (i * 37 + 11) % n).collect();
    let tp: Vec<f64> = perm.iter().map(|&i| t[i]).collect();
    let sp: Vec<bool> = perm.iter().map(|&i| s[i]).collect();
    let xp: Vec<Vec<f64>> = x.iter().map(|c| perm.iter().map(|&i| c[i]).collect()).collect();
    for ties in [Ties::Efron, Ties::Breslow] {
        let a = fit(&t, &s, &x, None, ties);
        let b = fit(&tp, &sp, &xp, None, ties);
        for j in 0..3 {
            assert_close("coef", b.coef[j], a.coef[j], 1e-9);
        }
        assert_close("loglik", b.loglik, a.loglik, 1e-12);
        assert_close(
            "C",
            b.concordance.unwrap().concordance,
            a.concordance.unwrap().concordance,
            1e-12,
        );
        assert_close(
            "C se",
            b.concordance.unwrap().std_err,
            a.concordance.unwrap().std_err,
            1e-9,
        );
    }
}

#[test]
fn breslow_integer_weights_equal_duplicated_rows() {
    // With Breslow ties the partial likelihood with weight 2 on a row is that of the row
    // repeated (not so for Efron, whose tie correction sees the copies as tied deaths).
    let (t, s, x) = rossi();
    let w: Vec<f64> = (0..t.len()).map(|i| if i % 3 == 0 { 2.0 } else { 1.0 }).collect();
    let rep: Vec<usize> = (0..t.len())
        .flat_map(|i| std::iter::repeat_n(i, w[i] as usize))
        .collect();
    let td: Vec<f64> = rep.iter().map(|&i| t[i]).collect();
    let sd: Vec<bool> = rep.iter().map(|&i| s[i]).collect();
    let xd: Vec<Vec<f64>> = x.iter().map(|c| rep.iter().map(|&i| c[i]).collect()).collect();
    let a = fit(&t, &s, &x, Some(&w), Ties::Breslow);
    let b = fit(&td, &sd, &xd, None, Ties::Breslow);
    for j in 0..3 {
        assert_close("coef", a.coef[j], b.coef[j], 1e-9);
        assert_close("se", a.naive_var[j * 4].sqrt(), b.naive_var[j * 4].sqrt(), 1e-9);
    }
    assert_close("loglik", a.loglik, b.loglik, 1e-12);
    assert_close("score", a.score_test.statistic, b.score_test.statistic, 1e-9);
    // and the weighted concordance counts pairs with the product of the weights
    let (ca, cb) = (a.concordance.unwrap(), b.concordance.unwrap());
    assert_close("concordant", ca.concordant, cb.concordant, 1e-12);
    assert_close("C", ca.concordance, cb.concordance, 1e-12);
}

#[test]
fn rescaling_a_covariate_rescales_its_coefficient() {
    let (t, s, x) = rossi();
    let mut x2 = x.clone();
    x2[1].iter_mut().for_each(|v| *v *= 12.0); // age in months
    let a = fit(&t, &s, &x, None, Ties::Efron);
    let b = fit(&t, &s, &x2, None, Ties::Efron);
    assert_close("coef", b.coef[1] * 12.0, a.coef[1], 1e-9);
    assert_close("se", b.naive_var[4].sqrt() * 12.0, a.naive_var[4].sqrt(), 1e-9);
    assert_close("loglik", b.loglik, a.loglik, 1e-12);
    assert_close("wald", b.wald_test.statistic, a.wald_test.statistic, 1e-9);
}

#[test]
fn concordance_of_the_negated_score_is_one_minus_c() {
    let (t, s, x) = rossi();
    let f = fit(&t, &s, &x, None, Ties::Efron);
    let c = concordance(&t, &s, &f.linear_predictors, None, None, None);
    let neg: Vec<f64> = f.linear_predictors.iter().map(|v| -v).collect();
    let d = concordance(&t, &s, &neg, None, None, None);
    assert_close("C + C'", c.concordance + d.concordance, 1.0, 1e-12);
    assert_eq!(
        (c.concordant, c.discordant, c.tied_x),
        (d.discordant, d.concordant, d.tied_x)
    );
    assert_close("se", c.std_err, d.std_err, 1e-12);
}
