//! Test of the proportional-hazards assumption as R ≥ 3.0 `cox.zph()` computes it
//! (stats-anchors §3.4) — not the older Grambsch–Therneau approximation that
//! lifelines' `proportional_hazard_test` still uses.
//!
//! For a fitted model with coefficients β̂, each covariate x is paired with
//! x·g(t), where g is a transform of time centred at its mean over the event
//! times: `km` (default) g = 1 − Ŝ(t−), the left-continuous Kaplan–Meier of the
//! pooled data; `rank` g = rank of t among all observations (ties averaged);
//! `identity` g = t; `log` g = log t. The exact score test for adding those p
//! columns (γ = 0) at (β̂, γ = 0) is computed from the score U_γ and the full
//! 2p × 2p information (Efron- or Breslow-weighted, as the fit). Per term
//! (a factor's columns jointly): T = u'I⁻¹u with u = (0, U_γ[term]) on the rows
//! and columns (all of β, the term's γ); GLOBAL uses all of γ.

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

use crate::cox::{CoxData, CoxFit, ModelError, Ties};
use crate::linalg::solve_general;

/// The time transform g(t).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZphTransform {
    /// 1 − KM(t−) of the pooled data (R's default).
    Km,
    /// Rank of the time among all observations.
    Rank,
    /// The time itself.
    Identity,
    /// log(time).
    Log,
}

impl ZphTransform {
    /// The name R uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ZphTransform::Km => "km",
            ZphTransform::Rank => "rank",
            ZphTransform::Identity => "identity",
            ZphTransform::Log => "log",
        }
    }

    /// Parse R's name; an unknown name is an error naming the choices.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        match s {
            "km" => Ok(ZphTransform::Km),
            "rank" => Ok(ZphTransform::Rank),
            "identity" => Ok(ZphTransform::Identity),
            "log" => Ok(ZphTransform::Log),
            _ => Err(ModelError::invalid(
                "--zph",
                format!("{s:?}"),
                "km, rank, identity, log",
            )),
        }
    }
}

/// One row of the `cox.zph` table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ZphRow {
    /// Term name, or `GLOBAL`.
    pub term: String,
    /// Score statistic.
    pub chisq: f64,
    /// Degrees of freedom (columns of the term).
    pub df: usize,
    /// Upper-tail χ² p-value.
    pub p: f64,
}

/// The `cox.zph` result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Zph {
    /// Transform used.
    pub transform: String,
    /// One row per term, then the GLOBAL row.
    pub table: Vec<ZphRow>,
    /// Event times (sorted by stratum, then time), R's `zph$time`.
    pub time: Vec<f64>,
    /// The transformed times g(t) of those events (not centred), R's `zph$x`.
    pub x: Vec<f64>,
    /// Term names of the residual columns.
    pub terms: Vec<String>,
    /// Scaled Schoenfeld residuals plus β̂ (one row per event, one column per term; a
    /// multi-column term is the residual of its linear predictor plus 1), R's `zph$y`, for
    /// plotting β(t); `None` where the term is constant within the event's stratum.
    pub y: Vec<Vec<Option<f64>>>,
}

/// g(t) for every observation (before centring).
fn transform_times(time: &[f64], status: &[bool], tr: ZphTransform) -> Result<Vec<f64>, ModelError> {
    let n = time.len();
    Ok(match tr {
        ZphTransform::Identity => time.to_vec(),
        ZphTransform::Log => {
            if let Some(i) = time.iter().position(|&t| t <= 0.0) {
                return Err(ModelError::invalid(
                    "--zph",
                    format!("log with a time of {} (row {})", time[i], i + 1),
                    "km, rank or identity when some time is 0",
                ));
            }
            time.iter().map(|t| t.ln()).collect()
        }
        ZphTransform::Rank => {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
            let mut r = vec![0.0; n];
            let mut i = 0;
            while i < n {
                let mut j = i + 1;
                while j < n && time[idx[j]] == time[idx[i]] {
                    j += 1;
                }
                let avg = (i + 1 + j) as f64 / 2.0; // mean of ranks i+1..=j
                for &k in &idx[i..j] {
                    r[k] = avg;
                }
                i = j;
            }
            r
        }
        ZphTransform::Km => {
            // unweighted pooled KM; value at t is 1 − S(t−)
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
            let mut times = Vec::new();
            let mut surv = Vec::new();
            let mut s = 1.0;
            let mut at_risk = n as f64;
            let mut i = 0;
            while i < n {
                let mut j = i;
                let mut d = 0.0;
                while j < n && time[idx[j]] == time[idx[i]] {
                    if status[idx[j]] {
                        d += 1.0;
                    }
                    j += 1;
                }
                s *= 1.0 - d / at_risk;
                times.push(time[idx[i]]);
                surv.push(s);
                at_risk -= (j - i) as f64;
                i = j;
            }
            time.iter()
                .map(|&t| {
                    let k = times.partition_point(|&u| u < t);
                    1.0 - if k == 0 { 1.0 } else { surv[k - 1] }
                })
                .collect()
        }
    })
}

/// R's `cox.zph(fit, transform)` for a model fitted to `data` (terms from `data.terms`).
pub fn cox_zph(data: &CoxData<'_>, fit: &CoxFit, tr: ZphTransform) -> Result<Zph, ModelError> {
    let n = data.n();
    if fit.nevent == 0 || fit.p() == 0 {
        return Err(ModelError::new(
            "--zph",
            "there are no score residuals for a null model or one without events",
        ));
    }
    let keep: Vec<usize> = (0..fit.p()).filter(|&j| !fit.singular[j]).collect();
    let p = keep.len();
    if p == 0 {
        return Err(ModelError::new("--zph", "every coefficient is NA (singular design)"));
    }
    // terms restricted to the kept columns, renumbered
    let terms: Vec<(String, Vec<usize>)> = data
        .terms_or_default()
        .into_iter()
        .filter_map(|t| {
            let cols: Vec<usize> = t
                .columns
                .iter()
                .filter_map(|c| keep.iter().position(|k| k == c))
                .collect();
            if cols.is_empty() { None } else { Some((t.name, cols)) }
        })
        .collect();

    let time = &fit.time_used;
    let status = data.status;
    let ttimes = transform_times(time, status, tr)?;
    let nev = status.iter().filter(|&&s| s).count() as f64;
    let gbar = ttimes
        .iter()
        .zip(status)
        .filter(|(_, s)| **s)
        .map(|(g, _)| g)
        .sum::<f64>()
        / nev;
    let gt: Vec<f64> = ttimes.iter().map(|g| g - gbar).collect();

    // X centred by unweighted column means, sorted by (stratum, time)
    let mut order: Vec<usize> = (0..n).collect();
    match data.strata {
        Some(s) => order.sort_by(|&a, &b| s[a].cmp(&s[b]).then(time[a].total_cmp(&time[b]))),
        None => order.sort_by(|&a, &b| time[a].total_cmp(&time[b])),
    }
    let mut x = vec![0.0; n * p];
    for (jj, &j) in keep.iter().enumerate() {
        let col = data.x[j];
        let m = col.iter().sum::<f64>() / n as f64;
        for (r, &i) in order.iter().enumerate() {
            x[r * p + jj] = col[i] - m;
        }
    }
    let st = |r: usize| data.strata.map(|s| s[order[r]]).unwrap_or(0);
    let wt = |r: usize| data.weights.map(|w| w[order[r]]).unwrap_or(1.0);
    let efron = fit.ties == Ties::Efron;

    let q = 2 * p;
    let mut u = vec![0.0; q];
    let mut imat = vec![0.0; q * q];
    let mut a = vec![0.0; p];
    let mut a2 = vec![0.0; p];
    let mut cmat = vec![0.0; p * p];
    let mut cmat2 = vec![0.0; p * p];
    let mut denom = 0.0;
    let mut r = n;
    let mut cstrat: Option<u32> = None;
    let mut schoen = vec![0.0; n * p];
    while r > 0 {
        let last = r - 1;
        if cstrat != Some(st(last)) {
            cstrat = Some(st(last));
            denom = 0.0;
            a.iter_mut().for_each(|v| *v = 0.0);
            cmat.iter_mut().for_each(|v| *v = 0.0);
        }
        let dtime = time[order[last]];
        let g = gt[order[last]];
        let mut nd = 0usize;
        let mut deadwt = 0.0;
        let mut denom2 = 0.0;
        while r > 0 && time[order[r - 1]] == dtime && Some(st(r - 1)) == cstrat {
            r -= 1;
            let i = order[r];
            let xi = &x[r * p..(r + 1) * p];
            let w = wt(r);
            let risk = fit.linear_predictors[i].exp() * w;
            let (aa, cc) = if status[i] {
                nd += 1;
                deadwt += w;
                denom2 += risk;
                for k in 0..p {
                    u[k] += w * xi[k];
                    u[k + p] += g * w * xi[k];
                }
                (&mut a2, &mut cmat2)
            } else {
                denom += risk;
                (&mut a, &mut cmat)
            };
            for k in 0..p {
                aa[k] += risk * xi[k];
                for l in 0..=k {
                    cc[k * p + l] += risk * xi[k] * xi[l];
                }
            }
        }
        if nd == 0 {
            continue;
        }
        // Schoenfeld residuals x − x̄ (Efron: the mean of the d Efron-weighted means)
        let ndf = nd as f64;
        for k in 0..p {
            let mean = if efron {
                (1..=nd)
                    .map(|j| {
                        let f = j as f64 / ndf;
                        (a[k] + a2[k] * f) / (denom + denom2 * f)
                    })
                    .sum::<f64>()
                    / ndf
            } else {
                (a[k] + a2[k]) / (denom + denom2)
            };
            for q in r..=last {
                if status[order[q]] {
                    schoen[q * p + k] = x[q * p + k] - mean;
                }
            }
        }
        let steps = if efron { nd } else { 1 };
        let sw = if efron { deadwt / nd as f64 } else { deadwt };
        let frac = 1.0 / steps as f64;
        for _ in 0..steps {
            denom += denom2 * frac;
            for k in 0..p {
                a[k] += a2[k] * frac;
            }
            for k in 0..p {
                for l in 0..=k {
                    cmat[k * p + l] += cmat2[k * p + l] * frac;
                }
            }
            for k in 0..p {
                let mk = a[k] / denom;
                u[k] -= sw * mk;
                u[k + p] -= g * sw * mk;
                for l in 0..=k {
                    let v = sw * (cmat[k * p + l] - mk * a[l]) / denom;
                    imat[k * q + l] += v;
                    imat[k * q + (l + p)] += g * v;
                    imat[(k + p) * q + (l + p)] += g * g * v;
                }
            }
        }
        a2.iter_mut().for_each(|v| *v = 0.0);
        cmat2.iter_mut().for_each(|v| *v = 0.0);
    }
    // symmetrise: blocks I (β,β), G1 (β,γ), G2 (γ,γ), each symmetric
    for k in 0..p {
        for l in 0..k {
            imat[l * q + k] = imat[k * q + l];
            imat[l * q + (k + p)] = imat[k * q + (l + p)];
            imat[(l + p) * q + (k + p)] = imat[(k + p) * q + (l + p)];
        }
    }
    for k in 0..p {
        for l in 0..p {
            imat[(k + p) * q + l] = imat[l * q + (k + p)];
        }
    }

    let test = |gcols: &[usize]| -> Result<f64, ModelError> {
        let mut kk: Vec<usize> = (0..p).collect();
        kk.extend(gcols.iter().map(|c| c + p));
        let m = kk.len();
        let sub: Vec<f64> = kk
            .iter()
            .flat_map(|&i| kk.iter().map(move |&j| (i, j)))
            .map(|(i, j)| imat[i * q + j])
            .collect();
        let mut uu = vec![0.0; p];
        uu.extend(gcols.iter().map(|c| u[c + p]));
        let sol = solve_general(&sub, m, &uu)
            .ok_or_else(|| ModelError::new("--zph", "the information matrix of the test is singular"))?;
        Ok(sol.iter().zip(&uu).map(|(a, b)| a * b).sum())
    };
    let mut table = Vec::with_capacity(terms.len() + 1);
    for (name, cols) in &terms {
        let chisq = test(cols)?;
        table.push(ZphRow {
            term: name.clone(),
            chisq,
            df: cols.len(),
            p: crate::dist::pchisq_upper(chisq, cols.len() as f64),
        });
    }
    let all: Vec<usize> = (0..p).collect();
    let chisq = test(&all)?;
    table.push(ZphRow {
        term: "GLOBAL".to_string(),
        chisq,
        df: p,
        p: crate::dist::pchisq_upper(chisq, p as f64),
    });
    // ---- scaled Schoenfeld residuals (R's zph$y) ----
    let nterm = terms.len();
    // used[s][j]: events in stratum s if column j varies within it, else 0
    let mut strata_ids: Vec<u32> = (0..n).map(st).collect();
    strata_ids.dedup();
    let ns = strata_ids.len();
    let mut used = vec![vec![0usize; p]; ns];
    {
        let mut s_idx = 0;
        let mut start = 0;
        while start < n {
            let mut end = start;
            while end < n && st(end) == st(start) {
                end += 1;
            }
            let ev = (start..end).filter(|&q| status[order[q]]).count();
            for j in 0..p {
                let v0 = x[start * p + j];
                if (start..end).any(|q| x[q * p + j] != v0) {
                    used[s_idx][j] = ev;
                }
            }
            s_idx += 1;
            start = end;
        }
    }
    // a factor term missing a level in some stratum: its columns share the term's maximum
    for (_, cols) in &terms {
        if cols.len() > 1 {
            for row in used.iter_mut() {
                let m = cols.iter().map(|&c| row[c]).max().unwrap_or(0);
                for &c in cols {
                    row[c] = m;
                }
            }
        }
    }
    let mut vmean = vec![0.0; p * p];
    for j in 0..p {
        for k in 0..p {
            let w: usize = used.iter().map(|row| row[j].min(row[k])).sum();
            vmean[j * p + k] = imat[j * q + k] / if w == 0 { 1.0 } else { w as f64 };
        }
    }
    // collapse multi-column terms through their coefficients
    let fcoef: Vec<f64> = keep.iter().map(|&j| fit.coef[j]).collect();
    let mut tmat = vec![0.0; p * nterm]; // p × nterm
    for (ti, (_, cols)) in terms.iter().enumerate() {
        for &c in cols {
            tmat[c * nterm + ti] = if cols.len() == 1 { 1.0 } else { fcoef[c] };
        }
    }
    let mut vm = vec![0.0; nterm * nterm];
    for a in 0..nterm {
        for b in 0..nterm {
            let mut sum = 0.0;
            for j in 0..p {
                for k in 0..p {
                    sum += tmat[j * nterm + a] * vmean[j * p + k] * tmat[k * nterm + b];
                }
            }
            vm[a * nterm + b] = sum;
        }
    }
    let used_t: Vec<Vec<usize>> = used
        .iter()
        .map(|row| terms.iter().map(|(_, c)| row[c[0]]).collect())
        .collect();
    let mut out_time = Vec::new();
    let mut out_x = Vec::new();
    let mut out_y = Vec::new();
    let mut s_idx = 0;
    for qpos in 0..n {
        if qpos > 0 && st(qpos) != st(qpos - 1) {
            s_idx += 1;
        }
        let i = order[qpos];
        if !status[i] {
            continue;
        }
        let res: Vec<f64> = (0..nterm)
            .map(|a| (0..p).map(|j| schoen[qpos * p + j] * tmat[j * nterm + a]).sum())
            .collect();
        let kk: Vec<usize> = (0..nterm).filter(|&a| used_t[s_idx][a] > 0).collect();
        let mut row = vec![None; nterm];
        if !kk.is_empty() {
            let m = kk.len();
            let vmr = &vm;
            let sub: Vec<f64> = kk
                .iter()
                .flat_map(|&a| kk.iter().map(move |&b| vmr[a * nterm + b]))
                .collect();
            let rhs: Vec<f64> = kk.iter().map(|&a| res[a]).collect();
            if let Some(sol) = solve_general(&sub, m, &rhs) {
                for (t, &a) in kk.iter().enumerate() {
                    let add = if terms[a].1.len() == 1 {
                        fcoef[terms[a].1[0]]
                    } else {
                        1.0
                    };
                    row[a] = Some(sol[t] + add);
                }
            }
        }
        out_time.push(time[i]);
        out_x.push(ttimes[i]);
        out_y.push(row);
    }
    Ok(Zph {
        transform: tr.as_str().to_string(),
        table,
        time: out_time,
        x: out_x,
        terms: terms.iter().map(|(n, _)| n.clone()).collect(),
        y: out_y,
    })
}
