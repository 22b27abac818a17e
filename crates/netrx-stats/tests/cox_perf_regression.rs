//! Regression pin for the optimised Cox fit on the benchmark model (issue 10 §8): 100,000 rows,
//! 10 covariates, day-rounded times (1,095 distinct times, heavy ties), generated here
//! deterministically (xorshift64*, seed 20240611 — the generator of `benches/cox_data`, the
//! same model as `scripts/bench/perf_gen.py`).
//!
//! Two sets of expected values:
//! * **R survival 3.5-3** `coxph(Surv ~ X, ties = ...)` on the same rows (written out by the
//!   generator below, read with `readBin`; script in the comment at the end), printed with
//!   `%.15g`: tolerance 1e-9 relative (R's own convergence and rounding differ from ours at
//!   ~1e-13; the pair counts of the concordance are integers and must match exactly).
//! * **netrx before the performance work** (commit af63de0, the O(n·p²) running sums with
//!   per-row rank-one updates and the merge-sort concordance), printed with `{:?}` (shortest
//!   round-trip): the optimised code must reproduce them to 1e-12 relative — the optimisations
//!   may not change a result.

use netrx_stats::cox::{self, CoxData, CoxOptions, Ties};

/// xorshift64*, uniform in (0, 1) (as `benches/cox_data/mod.rs`).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((r >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next(), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// X ~ N(0, 1) (10 columns, column by column), β = linspace(−0.5, 0.5), event ~ Exp(e^{xβ}/365),
/// censoring ~ U(0, 1095), times rounded up to whole days.
#[allow(clippy::needless_range_loop)] // x is column-major: x[j][i]
fn perf_model(n: usize) -> (Vec<Vec<f64>>, Vec<f64>, Vec<bool>) {
    let p = 10;
    let mut rng = Rng(20240611);
    let beta: Vec<f64> = (0..p).map(|j| -0.5 + j as f64 / (p - 1) as f64).collect();
    let x: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
    let mut time = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    for i in 0..n {
        let lp: f64 = (0..p).map(|j| x[j][i] * beta[j]).sum();
        let te = -rng.next().ln() * 365.0 / lp.exp();
        let tc = rng.next() * 1095.0;
        time.push(te.min(tc).ceil());
        status.push(te <= tc);
    }
    (x, time, status)
}

fn close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: got {got:e}, want {want:e} (relative error {err:e} > {rel:e})"
    );
}

struct Expected {
    ties: Ties,
    iter: usize,
    loglik: [f64; 2],
    coef: [f64; 10],
    se: [f64; 10],
    score: f64,
    wald: f64,
    /// concordant, discordant, tied_x, tied_y (pairs: integers)
    pairs: [f64; 4],
    c: f64,
    c_se: f64,
}

const R_EFRON: Expected = Expected {
    ties: Ties::Efron,
    iter: 4,
    loglik: [-695823.590516325, -673071.453153372],
    coef: [
        -0.501626965815531,
        -0.396450968504075,
        -0.27729775132388,
        -0.164296174899485,
        -0.0606788459367718,
        0.0520738138086248,
        0.166604825565336,
        0.28358250961998,
        0.387641183651864,
        0.495914797942561,
    ],
    se: [
        0.00418462263324472,
        0.00408850340658303,
        0.00401264574315699,
        0.00397013351536511,
        0.00394188080191696,
        0.00393724741095665,
        0.00395079332199043,
        0.00402876954113409,
        0.00408476318866209,
        0.00415583703109365,
    ],
    score: 43360.7937800923,
    wald: 43091.0149197488,
    pairs: [2703243391.0, 974156768.0, 0.0, 5971584.0],
    c: 0.735096338206255,
    c_se: 0.00102229576131355,
};

const R_BRESLOW: Expected = Expected {
    ties: Ties::Breslow,
    iter: 4,
    loglik: [-695915.033477888, -673259.611637777],
    coef: [
        -0.500124557937482,
        -0.395247653151443,
        -0.276470574955061,
        -0.163831306188582,
        -0.0605168026623623,
        0.0519472558883372,
        0.166099349336845,
        0.282739528379754,
        0.386513420717763,
        0.494440877444653,
    ],
    se: [
        0.00418308860437185,
        0.00408740052095777,
        0.00401211668100281,
        0.00397002843166631,
        0.00394188555750879,
        0.00393724337944341,
        0.00395067467805925,
        0.00402816946418654,
        0.00408389670114377,
        0.00415439728337675,
    ],
    score: 43191.8276867995,
    wald: 42929.7553028982,
    pairs: [2703243508.0, 974156651.0, 0.0, 5971584.0],
    c: 0.735096370022211,
    c_se: 0.00102229578470942,
};

const PINNED_EFRON: Expected = Expected {
    ties: Ties::Efron,
    iter: 4,
    loglik: [-6.958235905163251e5, -6.730714531533745e5],
    coef: [
        -0.5016269658155349,
        -0.39645096850407785,
        -0.2772977513238848,
        -0.16429617489949147,
        -0.06067884593677314,
        0.05207381380862451,
        0.16660482556533607,
        0.2835825096199854,
        0.38764118365186445,
        0.49591479794256255,
    ],
    se: [
        0.004184622633244796,
        0.004088503406583071,
        0.004012645743157115,
        0.003970133515365124,
        0.003941880801917013,
        0.003937247410956701,
        0.003950793321990561,
        0.004028769541134104,
        0.0040847631886619575,
        0.004155837031093676,
    ],
    score: 4.336079378009406e4,
    wald: 4.309101491974994e4,
    pairs: [2.703243391e9, 9.74156768e8, 0.0, 5.971584e6],
    c: 7.35096338206255e-1,
    c_se: 1.0222957613135466e-3,
};

const PINNED_BRESLOW: Expected = Expected {
    ties: Ties::Breslow,
    iter: 4,
    loglik: [-6.959150334778883e5, -6.732596116377775e5],
    coef: [
        -0.500124557937482,
        -0.39524765315144317,
        -0.2764705749550613,
        -0.16383130618858163,
        -0.060516802662362236,
        0.051947255888337145,
        0.1660993493368453,
        0.2827395283797542,
        0.3865134207177631,
        0.4944408774446532,
    ],
    se: [
        0.004183088604371852,
        0.004087400520957768,
        0.004012116681002815,
        0.003970028431666308,
        0.003941885557508787,
        0.003937243379443403,
        0.003950674678059254,
        0.004028169464186544,
        0.004083896701143771,
        0.004154397283376753,
    ],
    score: 4.319182768679958e4,
    wald: 4.292975530289818e4,
    pairs: [2.703243508e9, 9.74156651e8, 0.0, 5.971584e6],
    c: 7.350963700222106e-1,
    c_se: 1.0222957847094202e-3,
};

fn check(fit: &cox::CoxFit, e: &Expected, rel: f64, who: &str) {
    assert_eq!(fit.iter, e.iter, "{who}: iterations");
    assert!(fit.converged, "{who}: converged");
    close(&format!("{who} loglik_null"), fit.loglik_null, e.loglik[0], rel);
    close(&format!("{who} loglik"), fit.loglik, e.loglik[1], rel);
    for j in 0..10 {
        close(&format!("{who} coef[{j}]"), fit.coef[j], e.coef[j], rel);
        close(
            &format!("{who} se[{j}]"),
            fit.naive_var[j * 10 + j].sqrt(),
            e.se[j],
            rel,
        );
    }
    close(&format!("{who} score test"), fit.score_test.statistic, e.score, rel);
    close(&format!("{who} wald test"), fit.wald_test.statistic, e.wald, rel);
    let c = fit.concordance.expect("concordance");
    let got = [c.concordant, c.discordant, c.tied_x, c.tied_y];
    assert_eq!(got, e.pairs, "{who}: concordance pair counts (integers, exact)");
    close(&format!("{who} concordance"), c.concordance, e.c, rel);
    close(&format!("{who} concordance se"), c.std_err, e.c_se, rel);
}

#[test]
fn perf_model_100k_matches_r_and_the_pre_optimisation_fit() {
    let (x, time, status) = perf_model(100_000);
    // the generated data are what the pins were computed on
    assert_eq!(status.iter().filter(|&&s| s).count(), 64_546, "events");
    let names: Vec<String> = (1..=10).map(|j| format!("x{j}")).collect();
    let cols: Vec<&[f64]> = x.iter().map(|c| c.as_slice()).collect();
    let data = CoxData::new(&time, &status, cols, names);
    for (r, pinned) in [(&R_EFRON, &PINNED_EFRON), (&R_BRESLOW, &PINNED_BRESLOW)] {
        assert_eq!(r.ties, pinned.ties);
        let fit = cox::fit(
            &data,
            &CoxOptions {
                ties: r.ties,
                ..CoxOptions::default()
            },
        )
        .unwrap();
        check(&fit, pinned, 1e-12, &format!("{:?} vs pre-optimisation netrx", r.ties));
        check(&fit, r, 1e-9, &format!("{:?} vs R survival", r.ties));
    }
}

// R script (R 4.2.2, survival 3.5-3) that produced R_EFRON / R_BRESLOW from the rows above written
// as raw little-endian f64, column-major [x1..x10, time, status]:
//   M <- matrix(readBin(f, "double", n * 12, size = 8, endian = "little"), n, 12)
//   X <- M[, 1:10]; y <- Surv(M[, 11], M[, 12])
//   fit <- coxph(y ~ X, ties = tie)
//   sprintf("%.15g", c(fit$loglik, coef(fit), sqrt(diag(vcov(fit))), fit$score, fit$wald.test, fit$concordance))
