//! Baseline cumulative hazard of a fitted Cox model (R's `basehaz()` /
//! `survfit(coxph)` cumulative hazard): the Breslow estimator, with Efron's
//! tie correction when the model was fitted with Efron ties (R's default
//! `ctype` follows the fit's tie method).

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

use super::{CoxData, CoxFit, Prepared, Scaling, Ties};

/// Cumulative baseline hazard at every distinct time (events and censorings), per stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineHazard {
    /// Stratum label of each row (0 when unstratified).
    pub stratum: Vec<u32>,
    /// Time.
    pub time: Vec<f64>,
    /// Cumulative hazard at that time.
    pub hazard: Vec<f64>,
}

/// The baseline cumulative hazard for covariates all zero (`centered = false`) or at
/// the fit's centring values (`centered = true`, R's `basehaz(fit, centered = TRUE)`).
pub fn baseline_hazard(data: &CoxData<'_>, fit: &CoxFit, centered: bool) -> BaselineHazard {
    let n = data.n();
    let offset: Vec<f64> = data.offset.map(|o| o.to_vec()).unwrap_or_else(|| vec![0.0; n]);
    let prep = Prepared::new(data, &fit.time_used, &offset, &[], Scaling::None);
    let p = prep.p;
    let shift: f64 = if centered {
        fit.coef.iter().zip(&fit.means).map(|(b, m)| b * m).sum()
    } else {
        0.0
    };
    let risk: Vec<f64> = (0..n)
        .map(|r| {
            let xi = prep.row(r);
            let mut z = prep.off[r] - shift;
            for j in 0..p {
                if !fit.singular[j] {
                    z += fit.coef[j] * xi[j];
                }
            }
            z.exp()
        })
        .collect();
    let efron = fit.ties == Ties::Efron;
    let ng = prep.groups.len();
    let mut inc = vec![0.0; ng];
    let mut denom = 0.0;
    for (gi, g) in prep.groups.iter().enumerate().rev() {
        if g.last_in_stratum {
            denom = 0.0;
        }
        let mut e = 0.0;
        let mut wdead = 0.0;
        for i in g.start..g.end {
            let rw = risk[i] * prep.wt[i];
            denom += rw;
            if prep.status[i] {
                e += rw;
                wdead += prep.wt[i];
            }
        }
        let d = g.ndead;
        if d == 0 {
            continue;
        }
        inc[gi] = if !efron || d == 1 {
            wdead / denom
        } else {
            let df = d as f64;
            (0..d).map(|r| (wdead / df) / (denom - (r as f64 / df) * e)).sum()
        };
    }
    let strata_labels: Vec<u32> = match data.strata {
        Some(s) => prep.order.iter().map(|&i| s[i]).collect(),
        None => vec![0; n],
    };
    let mut out = BaselineHazard {
        stratum: Vec::with_capacity(ng),
        time: Vec::with_capacity(ng),
        hazard: Vec::with_capacity(ng),
    };
    let mut cum = 0.0;
    for (gi, g) in prep.groups.iter().enumerate() {
        cum += inc[gi];
        out.stratum.push(strata_labels[g.start]);
        out.time.push(prep.time[g.start]);
        out.hazard.push(cum);
        if g.last_in_stratum {
            cum = 0.0;
        }
    }
    out
}
