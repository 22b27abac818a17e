//! Score residuals and the robust (sandwich) variance of a Cox model, in O(n·p).
//!
//! R computes the score residual of every observation by walking its whole risk
//! set (`coxscore2`, O(n²) — 70 s at n = 10⁵, see stats-anchors §8). The same
//! numbers follow from two running sums per tie group: for an event time t_j with
//! Efron sub-steps r = 0..d−1 (down-weight r/d), hazard h_r = w̄/(D − (r/d)·E) and
//! mean m_r = (A − (r/d)·A₂)/(D − (r/d)·E), where D, A are the weighted risk and
//! risk-weighted covariate sums over the risk set and E, A₂ the same over the
//! tied events (Breslow: one step with h = Σw_events / D). Then, with
//! C₁(t) = Σ_{t_j ≤ t} Σ_r h_r and C₂(t) = Σ_{t_j ≤ t} Σ_r h_r m_r,
//!
//! * a subject censored at t (or at risk without an event there):
//!   L_i = −r_i (x_i C₁(t) − C₂(t));
//! * an event at t_j: L_i = x_i − Σ_r m_r/d − r_i (x_i C₁(t_j⁻) − C₂(t_j⁻))
//!   − r_i Σ_r h_r (1 − r/d)(x_i − m_r).
//!
//! These are exactly R's `residuals(fit, type = "score")` (Efron-weighted under
//! Efron ties, which lifelines' sandwich is not). The robust variance is DᵀD
//! with D = (w·L) V summed within clusters (`residuals(type = "dfbeta",
//! collapse = cluster, weighted = TRUE)`), V the model-based variance.

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

use super::{CoxData, Prepared};
use crate::linalg::quad_form_inv;

/// Score residuals (sorted order, scaled coordinates) for risk scores `risk` (sorted order).
pub(crate) fn score_residuals_sorted(prep: &Prepared, risk: &[f64], efron: bool) -> Vec<f64> {
    let p = prep.p;
    let n = prep.n;
    let mut resid = vec![0.0; n * p];
    // Per-group quantities, computed walking backwards (risk sets), stored per group.
    let ng = prep.groups.len();
    let mut c1 = vec![0.0; ng];
    let mut c2 = vec![0.0; ng * p];
    let mut e1 = vec![0.0; ng];
    let mut e2 = vec![0.0; ng * p];
    let mut e3 = vec![0.0; ng * p];
    let mut denom = 0.0;
    let mut a = vec![0.0; p];
    let mut a2 = vec![0.0; p];
    for (gi, g) in prep.groups.iter().enumerate().rev() {
        if g.last_in_stratum {
            denom = 0.0;
            a.iter_mut().for_each(|v| *v = 0.0);
        }
        let mut e_denom = 0.0;
        let mut wdead = 0.0;
        a2.iter_mut().for_each(|v| *v = 0.0);
        for i in g.start..g.end {
            let rw = risk[i] * prep.wt[i];
            denom += rw;
            let xi = prep.row(i);
            for j in 0..p {
                a[j] += rw * xi[j];
            }
            if prep.status[i] {
                e_denom += rw;
                wdead += prep.wt[i];
                for j in 0..p {
                    a2[j] += rw * xi[j];
                }
            }
        }
        let d = g.ndead;
        if d == 0 {
            continue;
        }
        if !efron || d == 1 {
            let h = wdead / denom;
            c1[gi] = h;
            e1[gi] = h;
            for j in 0..p {
                let m = a[j] / denom;
                c2[gi * p + j] = h * m;
                e2[gi * p + j] = h * m;
                e3[gi * p + j] = m;
            }
        } else {
            let df = d as f64;
            let meanwt = wdead / df;
            for r in 0..d {
                let down = r as f64 / df;
                let den = denom - down * e_denom;
                let h = meanwt / den;
                c1[gi] += h;
                e1[gi] += h * (1.0 - down);
                for j in 0..p {
                    let m = (a[j] - down * a2[j]) / den;
                    c2[gi * p + j] += h * m;
                    e2[gi * p + j] += h * (1.0 - down) * m;
                    e3[gi * p + j] += m / df;
                }
            }
        }
    }
    // Forward pass: cumulative sums within stratum.
    let mut cum1 = 0.0;
    let mut cum2 = vec![0.0; p];
    for (gi, g) in prep.groups.iter().enumerate() {
        for i in g.start..g.end {
            let xi = prep.row(i);
            let r = risk[i];
            let out = &mut resid[i * p..(i + 1) * p];
            if prep.status[i] {
                for j in 0..p {
                    out[j] =
                        xi[j] - e3[gi * p + j] - r * (xi[j] * cum1 - cum2[j]) - r * (xi[j] * e1[gi] - e2[gi * p + j]);
                }
            } else {
                let t1 = cum1 + c1[gi];
                for j in 0..p {
                    out[j] = -r * (xi[j] * t1 - (cum2[j] + c2[gi * p + j]));
                }
            }
        }
        cum1 += c1[gi];
        for j in 0..p {
            cum2[j] += c2[gi * p + j];
        }
        if g.last_in_stratum {
            cum1 = 0.0;
            cum2.iter_mut().for_each(|v| *v = 0.0);
        }
    }
    resid
}

/// Score residuals on the original covariate scale, in data order (n×p row-major),
/// at coefficients `coef` (original scale). `with_offset = false` reproduces R's
/// null-model residuals (linear predictor set to 0).
pub(crate) fn score_residuals(prep: &Prepared, coef: &[f64], efron: bool, with_offset: bool) -> Vec<f64> {
    let p = prep.p;
    let n = prep.n;
    let bs: Vec<f64> = coef.iter().zip(&prep.scale).map(|(b, s)| b * s.recip()).collect();
    let all_zero = coef.iter().all(|&b| b == 0.0);
    let risk: Vec<f64> = (0..n)
        .map(|i| {
            if all_zero && !with_offset {
                return 1.0;
            }
            let xi = prep.row(i);
            let mut z = if with_offset { prep.off[i] } else { 0.0 };
            for j in 0..p {
                z += bs[j] * xi[j];
            }
            z.exp()
        })
        .collect();
    let rs = score_residuals_sorted(prep, &risk, efron);
    let mut out = vec![0.0; n * p];
    for (r, &i) in prep.order.iter().enumerate() {
        for j in 0..p {
            // x_scaled = (x − m)·s and residuals are linear in x: divide by s.
            out[i * p + j] = rs[r * p + j] / prep.scale[j];
        }
    }
    out
}

/// Robust variance DᵀD (D = weighted dfbeta residuals summed within clusters) and
/// R's robust score test (statistic, df).
pub(crate) fn robust_variance(
    prep: &Prepared,
    data: &CoxData<'_>,
    coef: &[f64],
    var: &[f64],
    efron: bool,
    toler: f64,
) -> (Vec<f64>, (f64, usize)) {
    let p = prep.p;
    let n = prep.n;
    let w = |i: usize| data.weights.map(|w| w[i]).unwrap_or(1.0);
    // cluster index per row
    let (ncl, cl): (usize, Vec<usize>) = match data.cluster {
        Some(c) => {
            let mut u: Vec<u32> = c.to_vec();
            u.sort_unstable();
            u.dedup();
            (u.len(), c.iter().map(|v| u.binary_search(v).unwrap_or(0)).collect())
        }
        None => (n, (0..n).collect()),
    };
    let res = score_residuals(prep, coef, efron, true);
    let mut d = vec![0.0; ncl * p];
    for i in 0..n {
        let wi = w(i);
        let row = &res[i * p..(i + 1) * p];
        let dst = &mut d[cl[i] * p..(cl[i] + 1) * p];
        for k in 0..p {
            let mut s = 0.0;
            for j in 0..p {
                s += row[j] * var[j * p + k];
            }
            dst[k] += wi * s;
        }
    }
    let mut rv = vec![0.0; p * p];
    for c in 0..ncl {
        let row = &d[c * p..(c + 1) * p];
        for a in 0..p {
            for b in 0..p {
                rv[a * p + b] += row[a] * row[b];
            }
        }
    }
    // robust score test: score residuals at β = 0 (linear predictor 0)
    let zero = vec![0.0; p];
    let res0 = score_residuals(prep, &zero, efron, false);
    let mut t0 = vec![0.0; ncl * p];
    for i in 0..n {
        let wi = w(i);
        for j in 0..p {
            t0[cl[i] * p + j] += wi * res0[i * p + j];
        }
    }
    let mut uu = vec![0.0; p];
    let mut tt = vec![0.0; p * p];
    for c in 0..ncl {
        let row = &t0[c * p..(c + 1) * p];
        for a in 0..p {
            uu[a] += row[a];
            for b in 0..p {
                tt[a * p + b] += row[a] * row[b];
            }
        }
    }
    let (stat, rank) = quad_form_inv(&tt, p, &uu, toler);
    (rv, (stat, rank))
}
