//! Restricted mean survival time (RMST) to a horizon τ, as R's
//! `print(survfit, rmean = τ)` / `summary(fit, rmean = τ)$table` compute it (`survmean()`).
//!
//! RMST(τ) = ∫₀^τ Ŝ(u) du, the area under the Kaplan–Meier step function; when τ lies beyond
//! the last follow-up time the last value of Ŝ is carried forward to τ (R's convention; survRM2
//! refuses such τ instead). Variance (Greenwood plug-in, stats-anchors §4.2):
//! Σ_{t_j ≤ τ} A_j² · d_j / (n_j (n_j − d_j)) with A_j = ∫_{t_j}^τ Ŝ(u) du; a time where every
//! subject at risk dies (n_j = d_j) contributes 0, as in R.
//!
//! Also the two-group contrast (difference, with the normal CI of survRM2's `rmst2`).

use crate::dist;
use crate::km::KmCurve;
use netrx_case::InputError;
use serde::Serialize;

/// RMST of one curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rmst {
    /// The horizon τ.
    pub tau: f64,
    /// ∫₀^τ S.
    pub rmst: f64,
    /// Its standard error.
    pub se: f64,
    /// Whether τ is beyond the curve's last follow-up time (S carried forward).
    pub extrapolated: bool,
}

/// RMST of a curve to `tau` (> 0, finite).
pub fn rmst(curve: &KmCurve, tau: f64) -> Result<Rmst, InputError> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(InputError::invalid("rmst", tau, "a finite horizon τ > 0"));
    }
    // rectangles between 0, the curve times ≤ τ, and τ
    let keep = curve.time.partition_point(|&t| t <= tau);
    let mut prev_t = 0.0;
    let mut prev_s = 1.0;
    let mut rects = Vec::with_capacity(keep + 1);
    for k in 0..keep {
        rects.push((curve.time[k] - prev_t) * prev_s);
        prev_t = curve.time[k];
        prev_s = curve.surv[k];
    }
    rects.push((tau - prev_t) * prev_s);
    let mean: f64 = rects.iter().sum();
    // variance: walk back from τ accumulating the area after each time
    let mut after = 0.0;
    let mut var = 0.0;
    for k in (0..keep).rev() {
        after += rects[k + 1];
        let (n, d) = (curve.n_risk[k] as f64, curve.n_event[k] as f64);
        if d > 0.0 && n > d {
            var += after * after * d / (n * (n - d));
        }
    }
    Ok(Rmst {
        tau,
        rmst: mean,
        se: var.sqrt(),
        extrapolated: curve.time.last().is_none_or(|&last| tau > last),
    })
}

/// Difference in RMST between two curves (second minus first), with a normal CI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RmstDifference {
    /// RMST(b) − RMST(a).
    pub estimate: f64,
    /// √(se_a² + se_b²).
    pub se: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
    /// Two-sided p-value (z test).
    pub p: f64,
}

/// RMST(b) − RMST(a) with its normal-approximation CI at `level` (independent groups).
pub fn difference(a: &Rmst, b: &Rmst, level: f64) -> RmstDifference {
    let est = b.rmst - a.rmst;
    let se = (a.se * a.se + b.se * b.se).sqrt();
    let z = dist::z_for_level(level);
    RmstDifference {
        estimate: est,
        se,
        lower: est - z * se,
        upper: est + z * se,
        p: dist::p_two_sided(est / se),
    }
}
