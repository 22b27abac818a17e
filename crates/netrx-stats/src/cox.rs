//! Cox proportional-hazards regression, computed the way R `survival` 3.5-3
//! `coxph()` computes it (see `../shared/reference/stats-anchors.md` §3).
//!
//! * Ties: Efron (default) or Breslow. Censored observations at an event time
//!   are in that time's risk set. Near-equal times are merged first as R's
//!   `aeqSurv()` does (`timefix`, on by default).
//! * Strata (separate risk sets, common β), case weights, offsets.
//! * Newton–Raphson exactly as R's `coxfit6`: columns centred at their weighted
//!   mean and scaled by 1/mean absolute deviation (columns whose values all lie
//!   in {−1, 0, 1} are left alone, R's `nocenter`), start at β = 0, step by the
//!   generalised Cholesky solve of the information, converge when
//!   |1 − ℓ_old/ℓ_new| ≤ `eps` (1e-9), step-halve (h/(h+1) back toward the best
//!   β) when the log-likelihood falls or anything is non-finite, at most
//!   `iter_max` (20) iterations.
//! * Singular (collinear/constant) columns are detected by the Cholesky
//!   tolerance `toler_chol` and reported as `NA` (`None`) coefficients; the
//!   "coefficient may be infinite" check of R's `coxph.fit` is applied after
//!   convergence.
//! * Tests: likelihood ratio, Wald and score (log-rank) tests; robust
//!   (sandwich / infinitesimal-jackknife) variance with optional clusters from
//!   Efron- or Breslow-weighted score residuals, computed in O(n·p) with
//!   cumulative sums (R's own routine is O(n²)), plus R's robust score test.
//! * Concordance (Harrell's C as R ≥ 3.0 `concordance()` computes it) with its
//!   infinitesimal-jackknife standard error: see [`crate::concordance`].
//!
//! The cost is one O(n log n) sort, then O(n·p²) per iteration using running
//! sums over the risk sets (never a scan of each risk set).

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

mod baseline;
mod kernel;
mod residuals;

pub use baseline::{BaselineHazard, baseline_hazard};

use crate::concordance::{Concordance, concordance};
use crate::linalg::{Ldl, quad_form_inv, toler_chol_default};

/// How tied event times are handled in the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// Efron's approximation (R's default).
    Efron,
    /// Breslow's approximation (the default of SAS, SPSS, Stata, statsmodels).
    Breslow,
    /// The exact partial likelihood of discrete time (Kalbfleisch–Prentice; R's `ties = "exact"`,
    /// conditional logistic): all subsets of the risk set of the size of the tied deaths.
    /// Cost grows with risk-set size × tied deaths; no case weights, no robust variance (as R).
    Exact,
}

impl Ties {
    /// The name R uses (`"efron"`, `"breslow"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Ties::Efron => "efron",
            Ties::Breslow => "breslow",
            Ties::Exact => "exact",
        }
    }
}

/// A bad model input or a model that cannot be fitted: which input, and why
/// (the crate-wide input error, so front ends report it as any other bad input).
pub type ModelError = netrx_case::InputError;

/// A model term: one or more design columns tested together (a factor's
/// indicator columns form one term, as in R).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Term label (e.g. the factor's name).
    pub name: String,
    /// Indices of its columns in the design matrix.
    pub columns: Vec<usize>,
}

/// The data of a Cox model, borrowed: right-censored times with an event
/// indicator, design columns, and the optional strata, weights, offset and
/// cluster vectors (all of length n).
#[derive(Debug, Clone)]
pub struct CoxData<'a> {
    /// Follow-up times (finite).
    pub time: &'a [f64],
    /// Event indicator (true = event, false = censored).
    pub status: &'a [bool],
    /// Design columns (covariates after factor expansion), each of length n.
    pub x: Vec<&'a [f64]>,
    /// Column names (same length as `x`).
    pub names: Vec<String>,
    /// Terms for the per-term tests of `cox.zph`; empty means one term per column.
    pub terms: Vec<Term>,
    /// Stratum of each observation (any integer labels).
    pub strata: Option<&'a [u32]>,
    /// Case weights (finite, > 0).
    pub weights: Option<&'a [f64]>,
    /// Offset added to the linear predictor.
    pub offset: Option<&'a [f64]>,
    /// Cluster of each observation, for the robust variance.
    pub cluster: Option<&'a [u32]>,
}

impl<'a> CoxData<'a> {
    /// Data with no strata, weights, offset or clusters.
    pub fn new(time: &'a [f64], status: &'a [bool], x: Vec<&'a [f64]>, names: Vec<String>) -> Self {
        CoxData {
            time,
            status,
            x,
            names,
            terms: Vec::new(),
            strata: None,
            weights: None,
            offset: None,
            cluster: None,
        }
    }

    /// Number of observations.
    pub fn n(&self) -> usize {
        self.time.len()
    }

    /// The terms, defaulting to one per column.
    pub fn terms_or_default(&self) -> Vec<Term> {
        if self.terms.is_empty() {
            self.names
                .iter()
                .enumerate()
                .map(|(i, n)| Term {
                    name: n.clone(),
                    columns: vec![i],
                })
                .collect()
        } else {
            self.terms.clone()
        }
    }

    fn validate(&self) -> Result<(), ModelError> {
        let n = self.time.len();
        let check_len = |field: &str, len: usize| {
            if len != n {
                Err(ModelError::new(
                    field,
                    format!("has {len} values but time has {n}; allowed: one value per observation"),
                ))
            } else {
                Ok(())
            }
        };
        check_len("status", self.status.len())?;
        if self.names.len() != self.x.len() {
            return Err(ModelError::new(
                "covariates",
                format!("{} names for {} columns", self.names.len(), self.x.len()),
            ));
        }
        for (c, name) in self.x.iter().zip(&self.names) {
            check_len(name, c.len())?;
            if let Some(i) = c.iter().position(|v| !v.is_finite()) {
                return Err(ModelError::new(
                    name.as_str(),
                    format!("row {}: got {}; allowed: a finite number", i + 1, c[i]),
                ));
            }
        }
        if let Some(i) = self.time.iter().position(|t| !t.is_finite()) {
            return Err(ModelError::new(
                "time",
                format!("row {}: got {}; allowed: a finite number", i + 1, self.time[i]),
            ));
        }
        if let Some(s) = self.strata {
            check_len("strata", s.len())?;
        }
        if let Some(c) = self.cluster {
            check_len("cluster", c.len())?;
        }
        if let Some(w) = self.weights {
            check_len("weights", w.len())?;
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(ModelError::new(
                    "weights",
                    format!("row {}: got {}; allowed: a finite number > 0", i + 1, w[i]),
                ));
            }
        }
        if let Some(o) = self.offset {
            check_len("offset", o.len())?;
            if let Some(i) = o.iter().position(|v| !(v.is_finite() && v.exp().is_finite())) {
                return Err(ModelError::new(
                    "offset",
                    format!(
                        "row {}: got {}; allowed: a finite number with a finite exp()",
                        i + 1,
                        o[i]
                    ),
                ));
            }
        }
        for t in &self.terms {
            if let Some(&c) = t.columns.iter().find(|&&c| c >= self.x.len()) {
                return Err(ModelError::new(
                    "terms",
                    format!("term {} refers to column {c} of {}", t.name, self.x.len()),
                ));
            }
        }
        Ok(())
    }
}

/// Fitting controls, with R's `coxph.control()` defaults.
#[derive(Debug, Clone)]
pub struct CoxOptions {
    /// Tie handling (default Efron).
    pub ties: Ties,
    /// Compute the robust (sandwich) variance. A cluster vector always implies it.
    pub robust: bool,
    /// Convergence: relative change of the log partial likelihood (1e-9).
    pub eps: f64,
    /// Maximum Newton–Raphson iterations (20).
    pub iter_max: usize,
    /// Cholesky singularity tolerance (`.Machine$double.eps^0.75`).
    pub toler_chol: f64,
    /// Tolerance of the infinite-coefficient check (√eps).
    pub toler_inf: f64,
    /// Merge near-tied times as R's `aeqSurv()` (default true).
    pub timefix: bool,
    /// Columns whose values all lie in this set are not centred or scaled (R's `nocenter`).
    pub nocenter: Vec<f64>,
    /// Starting values (default 0).
    pub init: Option<Vec<f64>>,
    /// Compute the concordance (default true).
    pub concordance: bool,
}

impl Default for CoxOptions {
    fn default() -> Self {
        CoxOptions {
            ties: Ties::Efron,
            robust: false,
            eps: 1e-9,
            iter_max: 20,
            toler_chol: toler_chol_default(),
            toler_inf: 1e-9_f64.sqrt(),
            timefix: true,
            nocenter: vec![-1.0, 0.0, 1.0],
            init: None,
            concordance: true,
        }
    }
}

/// A chi-square test: statistic, degrees of freedom, upper-tail p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSqTest {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// P(χ²_df ≥ statistic).
    pub p: f64,
}

impl ChiSqTest {
    pub(crate) fn new(statistic: f64, df: usize) -> Self {
        let p = if df == 0 {
            f64::NAN
        } else {
            crate::dist::pchisq_upper(statistic, df as f64)
        };
        ChiSqTest { statistic, df, p }
    }
}

/// One row of the coefficient table (R's `summary(coxph)`); `None` where R prints `NA`.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefRow {
    /// Column name.
    pub name: String,
    /// β̂ (None: column was singular).
    pub coef: Option<f64>,
    /// exp(β̂), the hazard ratio.
    pub exp_coef: Option<f64>,
    /// Model-based SE.
    pub se: Option<f64>,
    /// Robust SE (when the robust variance was computed).
    pub robust_se: Option<f64>,
    /// z = β̂ / SE (robust SE when robust).
    pub z: Option<f64>,
    /// Two-sided p-value of z.
    pub p: Option<f64>,
    /// Lower 95% limit of exp(β).
    pub lower95: Option<f64>,
    /// Upper 95% limit of exp(β).
    pub upper95: Option<f64>,
}

/// A fitted Cox model.
#[derive(Debug, Clone)]
pub struct CoxFit {
    /// Observations used.
    pub n: usize,
    /// Number of events.
    pub nevent: usize,
    /// Tie method.
    pub ties: Ties,
    /// Column names.
    pub names: Vec<String>,
    /// β̂ on the original scale (coefficients of singular columns are 0 here and flagged in `singular`).
    pub coef: Vec<f64>,
    /// Columns found redundant (R reports their coefficient as NA).
    pub singular: Vec<bool>,
    /// Columns whose coefficient may be infinite (monotone likelihood).
    pub infinite: Vec<bool>,
    /// Model-based variance matrix (p×p, row-major; zero rows/columns for singular columns).
    pub naive_var: Vec<f64>,
    /// Robust variance matrix when computed.
    pub robust_var: Option<Vec<f64>>,
    /// Log partial likelihood at the initial values (β = 0 by default).
    pub loglik_null: f64,
    /// Log partial likelihood at β̂.
    pub loglik: f64,
    /// Likelihood-ratio test.
    pub lr_test: ChiSqTest,
    /// Wald test (robust variance when robust).
    pub wald_test: ChiSqTest,
    /// Score (log-rank) test at the initial values.
    pub score_test: ChiSqTest,
    /// R's robust score test (when robust).
    pub robust_score_test: Option<ChiSqTest>,
    /// Newton–Raphson iterations used.
    pub iter: usize,
    /// Whether the iteration converged.
    pub converged: bool,
    /// Warnings in R's words (non-convergence, infinite coefficients, singular columns).
    pub warnings: Vec<String>,
    /// Centring values used internally (weighted means; 0 for columns not centred).
    pub means: Vec<f64>,
    /// Linear predictor per observation in data order, centred as R's `fit$linear.predictors`.
    pub linear_predictors: Vec<f64>,
    /// Score vector at β̂ (original scale).
    pub score_vector: Vec<f64>,
    /// Concordance of the linear predictor with survival.
    pub concordance: Option<Concordance>,
    /// Times after `timefix` (data order), as used in the fit.
    pub time_used: Vec<f64>,
}

impl CoxFit {
    /// Number of columns.
    pub fn p(&self) -> usize {
        self.coef.len()
    }

    /// The variance used for inference: robust if computed, else model-based.
    pub fn var(&self) -> &[f64] {
        self.robust_var.as_deref().unwrap_or(&self.naive_var)
    }

    /// The coefficient table with 95% confidence limits.
    pub fn table(&self) -> Vec<CoefRow> {
        self.table_level(0.95)
    }

    /// The coefficient table with confidence limits at `level`.
    pub fn table_level(&self, level: f64) -> Vec<CoefRow> {
        let p = self.p();
        let zq = crate::dist::z_for_level(level);
        (0..p)
            .map(|i| {
                if self.singular[i] {
                    return CoefRow {
                        name: self.names[i].clone(),
                        coef: None,
                        exp_coef: None,
                        se: None,
                        robust_se: None,
                        z: None,
                        p: None,
                        lower95: None,
                        upper95: None,
                    };
                }
                let b = self.coef[i];
                let se = self.naive_var[i * p + i].sqrt();
                let rse = self.robust_var.as_ref().map(|v| v[i * p + i].sqrt());
                let s = rse.unwrap_or(se);
                let z = b / s;
                CoefRow {
                    name: self.names[i].clone(),
                    coef: Some(b),
                    exp_coef: Some(b.exp()),
                    se: Some(se),
                    robust_se: rse,
                    z: Some(z),
                    p: Some(crate::dist::p_two_sided(z)),
                    lower95: Some((b - zq * s).exp()),
                    upper95: Some((b + zq * s).exp()),
                }
            })
            .collect()
    }
}

/// R's `aeqSurv()` tie adjudication: sorted distinct finite times whose gap is
/// ≤ √ε absolutely, or relative to mean(|t|) over the distinct times, are
/// merged to the smaller value (chains merge to their first value).
pub fn timefix(times: &[f64]) -> Vec<f64> {
    let tol = f64::EPSILON.sqrt();
    let mut u: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
    u.sort_by(|a, b| a.total_cmp(b));
    u.dedup();
    if u.len() < 2 {
        return times.to_vec();
    }
    let mean_abs = u.iter().map(|v| v.abs()).sum::<f64>() / u.len() as f64;
    let mut cuts = Vec::with_capacity(u.len());
    cuts.push(u[0]);
    let mut any = false;
    for w in u.windows(2) {
        let d = w[1] - w[0];
        if d <= tol || d / mean_abs <= tol {
            any = true;
        } else {
            cuts.push(w[1]);
        }
    }
    if !any {
        return times.to_vec();
    }
    times
        .iter()
        .map(|&t| {
            if !t.is_finite() {
                return t;
            }
            // largest cut ≤ t (findInterval)
            let k = cuts.partition_point(|&c| c <= t);
            if k == 0 { t } else { cuts[k - 1] }
        })
        .collect()
}

/// How the design columns are centred and scaled for the iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scaling {
    /// Raw columns.
    None,
    /// Weighted mean, 1/mean absolute deviation (R's coxfit6).
    MeanAbsDev,
    /// Mean and standard deviation (R's coxexact.fit via scale()).
    StdDev,
}

/// The sorted, centred and scaled problem the Newton–Raphson works on.
pub(crate) struct Prepared {
    pub n: usize,
    pub p: usize,
    /// sorted position → data row
    pub order: Vec<usize>,
    pub time: Vec<f64>,
    pub status: Vec<bool>,
    pub wt: Vec<f64>,
    pub off: Vec<f64>,
    /// n rows of stride `ps` (row-major, sorted, centred and scaled; columns p..ps are zero
    /// padding so that the iteration's kernels work on whole SIMD lanes)
    pub x: Vec<f64>,
    /// row stride of `x`: p rounded up to a multiple of [`kernel::LANES`]
    pub ps: usize,
    /// within each tie group, its event rows first, then its censored rows (each in sorted
    /// order): the order in which [`Prepared::iterate`] visits them
    pub perm: Vec<u32>,
    pub means: Vec<f64>,
    pub scale: Vec<f64>,
    /// tie groups in sorted order
    pub groups: Vec<Group>,
    /// stratum index (0..) of each sorted position
    #[allow(dead_code)]
    pub stratum: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    pub start: usize,
    pub end: usize,
    /// last group of its stratum (the first one met walking backwards)
    pub last_in_stratum: bool,
    pub ndead: usize,
}

impl Prepared {
    pub(crate) fn new(
        data: &CoxData<'_>,
        time: &[f64],
        offset_centered: &[f64],
        nocenter: &[f64],
        scaling: Scaling,
    ) -> Prepared {
        let n = data.n();
        let p = data.x.len();
        // Sort by (stratum, time): a stable radix sort on the time bits, then (if stratified)
        // a stable sort on the stratum; ties keep data order, as R's order().
        let mut keys: Vec<(u64, u32)> = (0..n).map(|i| (order_key(time[i]), i as u32)).collect();
        crate::linalg::radix_sort_pairs(&mut keys);
        if let Some(s) = data.strata {
            for k in keys.iter_mut() {
                k.0 = s[k.1 as usize] as u64;
            }
            crate::linalg::radix_sort_pairs(&mut keys);
        }
        let order: Vec<usize> = keys.iter().map(|k| k.1 as usize).collect();
        drop(keys);
        let wt_data: Vec<f64> = match data.weights {
            Some(w) => w.to_vec(),
            None => vec![1.0; n],
        };
        let wsum: f64 = wt_data.iter().sum();
        let mut means = vec![0.0; p];
        let mut scale = vec![1.0; p];
        let mut center = vec![false; p];
        for (j, col) in data.x.iter().enumerate() {
            let zero_one = col.iter().all(|v| nocenter.contains(v));
            if scaling == Scaling::MeanAbsDev && !zero_one {
                let m = col.iter().zip(&wt_data).map(|(v, w)| w * v).sum::<f64>() / wsum;
                let mad = col.iter().zip(&wt_data).map(|(v, w)| w * (v - m).abs()).sum::<f64>();
                means[j] = m;
                scale[j] = if mad > 0.0 { wsum / mad } else { 1.0 };
                center[j] = true;
            } else if scaling == Scaling::StdDev && !zero_one {
                // R's scale(): unweighted mean and standard deviation (coxexact.fit)
                let nf = n as f64;
                let m = col.iter().sum::<f64>() / nf;
                let sd = (col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (nf - 1.0)).sqrt();
                means[j] = m;
                scale[j] = if sd > 0.0 && sd.is_finite() { 1.0 / sd } else { 1.0 };
                center[j] = true;
            }
        }
        // Row-major copy in data order (sequential reads of every column), then one
        // contiguous row move per observation into sorted order (one cache miss per row
        // instead of one per cell).
        let mut xd = vec![0.0; n * p];
        for i in 0..n {
            let row = &mut xd[i * p..(i + 1) * p];
            for (j, col) in data.x.iter().enumerate() {
                row[j] = if center[j] {
                    (col[i] - means[j]) * scale[j]
                } else {
                    col[i]
                };
            }
        }
        let ps = kernel::padded(p);
        let mut x = vec![0.0; n * ps];
        let mut wt = vec![0.0; n];
        for (r, &i) in order.iter().enumerate() {
            x[r * ps..r * ps + p].copy_from_slice(&xd[i * p..(i + 1) * p]);
            wt[r] = wt_data[i];
        }
        drop(xd);
        let stime: Vec<f64> = order.iter().map(|&i| time[i]).collect();
        let status: Vec<bool> = order.iter().map(|&i| data.status[i]).collect();
        let off: Vec<f64> = order.iter().map(|&i| offset_centered[i]).collect();
        // strata renumbered 0.. in sorted order
        let mut stratum = vec![0u32; n];
        if let Some(s) = data.strata {
            let mut k = 0u32;
            for r in 1..n {
                if s[order[r]] != s[order[r - 1]] {
                    k += 1;
                }
                stratum[r] = k;
            }
        }
        let mut groups = Vec::new();
        let mut perm = Vec::with_capacity(n);
        let mut r = 0;
        while r < n {
            let mut e = r + 1;
            while e < n && stratum[e] == stratum[r] && stime[e] == stime[r] {
                e += 1;
            }
            let ndead = status[r..e].iter().filter(|&&s| s).count();
            perm.extend((r..e).filter(|&i| status[i]).map(|i| i as u32));
            perm.extend((r..e).filter(|&i| !status[i]).map(|i| i as u32));
            groups.push(Group {
                start: r,
                end: e,
                last_in_stratum: e == n || stratum[e] != stratum[r],
                ndead,
            });
            r = e;
        }
        Prepared {
            n,
            p,
            order,
            time: stime,
            status,
            wt,
            off,
            x,
            ps,
            perm,
            means,
            scale,
            groups,
            stratum,
        }
    }

    /// Row `i` (sorted position) of the centred, scaled design: its p values.
    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.ps..i * self.ps + self.p]
    }

    /// Log partial likelihood, score vector and information matrix (full p×p) at `beta`
    /// (scaled coordinates): see [`kernel`].
    pub(crate) fn iterate(&self, beta: &[f64], efron: bool, u: &mut [f64], imat: &mut [f64]) -> f64 {
        kernel::iterate(self, beta, efron, u, imat)
    }
}

/// A u64 whose unsigned order is the total order of the f64 (for packed sort keys).
#[inline]
pub(crate) fn order_key(t: f64) -> u64 {
    let b = t.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

impl Prepared {
    /// Exact (discrete-time) partial likelihood, score and information at `beta`: for each
    /// event time with d deaths among the m subjects at risk, the denominator is the sum over
    /// all d-subsets of the product of their risk scores, built by the recursion
    /// D(k, m) = D(k, m−1) + r_m D(k−1, m−1), with the same recursion for its first and
    /// second derivatives.
    pub(crate) fn iterate_exact(&self, beta: &[f64], u: &mut [f64], imat: &mut [f64]) -> f64 {
        let p = self.p;
        let np = p * (p + 1) / 2;
        u.iter_mut().for_each(|v| *v = 0.0);
        imat.iter_mut().for_each(|v| *v = 0.0);
        let risk: Vec<f64> = (0..self.n)
            .map(|i| {
                let xi = self.row(i);
                (self.off[i] + xi.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>()).exp()
            })
            .collect();
        let mut ll = 0.0;
        // end (exclusive) of each group's stratum
        let mut stratum_end = vec![0usize; self.groups.len()];
        let mut end = self.n;
        for (gi, g) in self.groups.iter().enumerate().rev() {
            if g.last_in_stratum {
                end = g.end;
            }
            stratum_end[gi] = end;
        }
        for (gi, g) in self.groups.iter().enumerate() {
            let d = g.ndead;
            if d == 0 {
                continue;
            }
            for i in g.start..g.end {
                if self.status[i] {
                    let xi = self.row(i);
                    ll += self.off[i] + xi.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>();
                    for j in 0..p {
                        u[j] += xi[j];
                    }
                }
            }
            let mut d0 = vec![0.0; d + 1];
            let mut d1 = vec![0.0; (d + 1) * p];
            let mut d2 = vec![0.0; (d + 1) * np];
            d0[0] = 1.0;
            let mut seen = 0usize;
            for m in g.start..stratum_end[gi] {
                let r = risk[m];
                let x = self.row(m);
                seen += 1;
                for k in (1..=d.min(seen)).rev() {
                    let (lo, hi) = d2.split_at_mut(k * np);
                    let prev2 = &lo[(k - 1) * np..];
                    let cur2 = &mut hi[..np];
                    let prev1 = &d1[(k - 1) * p..k * p];
                    let mut t = 0;
                    for a in 0..p {
                        for b in 0..=a {
                            cur2[t] += r * (x[a] * x[b] * d0[k - 1] + x[a] * prev1[b] + x[b] * prev1[a] + prev2[t]);
                            t += 1;
                        }
                    }
                    let (lo1, hi1) = d1.split_at_mut(k * p);
                    let prev1 = &lo1[(k - 1) * p..];
                    for a in 0..p {
                        hi1[a] += r * (x[a] * d0[k - 1] + prev1[a]);
                    }
                    d0[k] += r * d0[k - 1];
                }
            }
            let den = d0[d];
            ll -= den.ln();
            let g1: Vec<f64> = (0..p).map(|a| d1[d * p + a] / den).collect();
            let mut t = 0;
            for a in 0..p {
                u[a] -= g1[a];
                for b in 0..=a {
                    imat[a * p + b] += d2[d * np + t] / den - g1[a] * g1[b];
                    t += 1;
                }
            }
        }
        for i in 0..p {
            for j in 0..i {
                imat[j * p + i] = imat[i * p + j];
            }
        }
        ll
    }
}

/// Fit a Cox model.
pub fn fit(data: &CoxData<'_>, opt: &CoxOptions) -> Result<CoxFit, ModelError> {
    data.validate()?;
    let n = data.n();
    let p = data.x.len();
    if n == 0 {
        return Err(ModelError::new("data", "no (non-missing) observations"));
    }
    if let Some(init) = &opt.init
        && init.len() != p
    {
        return Err(ModelError::new(
            "init",
            format!("has {} values; allowed: one per column ({p})", init.len()),
        ));
    }
    let time = if opt.timefix {
        timefix(data.time)
    } else {
        data.time.to_vec()
    };
    let nevent = data.status.iter().filter(|&&s| s).count();
    // R centres a non-zero offset at its mean (the partial likelihood is unchanged).
    let offset_centered: Vec<f64> = match data.offset {
        Some(o) if o.iter().any(|&v| v != 0.0) => {
            let m = o.iter().sum::<f64>() / n as f64;
            o.iter().map(|v| v - m).collect()
        }
        _ => vec![0.0; n],
    };
    let robust = opt.robust || data.cluster.is_some();
    let exact = opt.ties == Ties::Exact;
    if exact && data.weights.is_some_and(|w| w.iter().any(|&v| v != 1.0)) {
        return Err(ModelError::new(
            "weights",
            "case weights are not supported with exact ties (as in R); allowed: efron or breslow ties",
        ));
    }
    if exact && robust {
        return Err(ModelError::new(
            "robust",
            "the robust variance needs score residuals, which the exact method does not have (as in R); allowed: efron or breslow ties",
        ));
    }

    let scaling = if exact { Scaling::StdDev } else { Scaling::MeanAbsDev };
    let prep = Prepared::new(data, &time, &offset_centered, &opt.nocenter, scaling);
    let efron = opt.ties == Ties::Efron;
    let mut warnings = Vec::new();

    if nevent == 0 {
        // R: no events → all coefficients NA, loglik 0, no tests.
        warnings.push("no events in the data: no coefficient can be estimated".to_string());
        return Ok(CoxFit {
            n,
            nevent,
            ties: opt.ties,
            names: data.names.clone(),
            coef: vec![0.0; p],
            singular: vec![true; p],
            infinite: vec![false; p],
            naive_var: vec![0.0; p * p],
            robust_var: None,
            loglik_null: 0.0,
            loglik: 0.0,
            lr_test: ChiSqTest::new(0.0, 0),
            wald_test: ChiSqTest::new(0.0, 0),
            score_test: ChiSqTest::new(0.0, 0),
            robust_score_test: None,
            iter: 0,
            converged: true,
            warnings,
            means: prep.means.clone(),
            linear_predictors: offset_centered,
            score_vector: vec![0.0; p],
            concordance: None,
            time_used: time,
        });
    }

    if p == 0 {
        let mut u = Vec::new();
        let mut imat = Vec::new();
        let ll = if exact {
            prep.iterate_exact(&[], &mut u, &mut imat)
        } else {
            prep.iterate(&[], efron, &mut u, &mut imat)
        };
        let conc = if opt.concordance {
            Some(concordance(
                &time,
                data.status,
                &offset_centered,
                data.strata,
                data.weights,
                data.cluster,
            ))
        } else {
            None
        };
        return Ok(CoxFit {
            n,
            nevent,
            ties: opt.ties,
            names: Vec::new(),
            coef: Vec::new(),
            singular: Vec::new(),
            infinite: Vec::new(),
            naive_var: Vec::new(),
            robust_var: None,
            loglik_null: ll,
            loglik: ll,
            lr_test: ChiSqTest::new(0.0, 0),
            wald_test: ChiSqTest::new(0.0, 0),
            score_test: ChiSqTest::new(0.0, 0),
            robust_score_test: None,
            iter: 0,
            converged: true,
            warnings,
            means: Vec::new(),
            linear_predictors: offset_centered,
            score_vector: Vec::new(),
            concordance: conc,
            time_used: time,
        });
    }

    // ---- Newton–Raphson (coxfit6 semantics) ----
    let mut beta: Vec<f64> = match &opt.init {
        Some(init) => init.iter().zip(&prep.scale).map(|(b, s)| b / s).collect(),
        None => vec![0.0; p],
    };
    let mut u = vec![0.0; p];
    let mut imat = vec![0.0; p * p];
    let eval = |b: &[f64], u: &mut [f64], imat: &mut [f64]| {
        if exact {
            prep.iterate_exact(b, u, imat)
        } else {
            prep.iterate(b, efron, u, imat)
        }
    };
    let ll0 = eval(&beta, &mut u, &mut imat);
    let mut ll_best = ll0;
    let chol = Ldl::new(&imat, p, opt.toler_chol);
    let step = chol.solve(&u);
    let sctest: f64 = u.iter().zip(&step).map(|(a, b)| a * b).sum();
    let mut final_chol = chol;
    let mut iter = 0;
    let mut converged = false;

    if opt.iter_max == 0 || !ll0.is_finite() {
        converged = opt.iter_max == 0;
    } else if exact {
        // R's coxexact: plain halving back toward the previous β, converge only after a full step.
        let mut oldbeta = beta.clone();
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        let mut halving = false;
        let mut newlk = ll0;
        let mut it = 1;
        while it <= opt.iter_max {
            newlk = eval(&beta, &mut u, &mut imat);
            let chol = Ldl::new(&imat, p, opt.toler_chol);
            if (1.0 - ll_best / newlk).abs() <= opt.eps && !halving {
                ll_best = newlk;
                final_chol = chol;
                converged = true;
                break;
            }
            final_chol = chol;
            if it == opt.iter_max {
                break;
            }
            if newlk < ll_best || !newlk.is_finite() {
                halving = true;
                for (b, o) in beta.iter_mut().zip(&oldbeta) {
                    *b = (*o + *b) / 2.0;
                }
            } else {
                halving = false;
                ll_best = newlk;
                let step = final_chol.solve(&u);
                oldbeta = beta.clone();
                for (b, s) in beta.iter_mut().zip(&step) {
                    *b += s;
                }
            }
            it += 1;
        }
        iter = it.min(opt.iter_max);
        if !converged {
            ll_best = newlk;
            warnings.push("Ran out of iterations and did not converge".to_string());
        }
    } else {
        let mut newbeta: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
        let mut halving = 0usize;
        let mut it = 1;
        while it <= opt.iter_max {
            let newlk = eval(&newbeta, &mut u, &mut imat);
            let chol = Ldl::new(&imat, p, opt.toler_chol);
            let notfinite =
                !newlk.is_finite() || u.iter().any(|v| !v.is_finite()) || imat.iter().any(|v| !v.is_finite());
            if !notfinite && (1.0 - ll_best / newlk).abs() <= opt.eps {
                ll_best = newlk;
                beta = newbeta.clone();
                final_chol = chol;
                converged = true;
                break;
            }
            if notfinite || newlk < ll_best {
                halving += 1;
                let h = halving as f64;
                for (nb, b) in newbeta.iter_mut().zip(&beta) {
                    *nb = (*nb + h * b) / (h + 1.0);
                }
            } else {
                halving = 0;
                ll_best = newlk;
                let step = chol.solve(&u);
                beta = newbeta.clone();
                for (nb, s) in newbeta.iter_mut().zip(&step) {
                    *nb += s;
                }
            }
            it += 1;
        }
        iter = it;
        if !converged {
            // Ran out of iterations: report the last good β, with its score and information
            // (R reports iter.max + 1 iterations in this case).
            iter = opt.iter_max + 1;
            ll_best = eval(&beta, &mut u, &mut imat);
            final_chol = Ldl::new(&imat, p, opt.toler_chol);
            warnings.push("Ran out of iterations and did not converge".to_string());
        }
    }

    // back to the original scale
    let mut var = final_chol.inverse();
    for i in 0..p {
        for j in 0..p {
            var[i * p + j] *= prep.scale[i] * prep.scale[j];
        }
    }
    let coef: Vec<f64> = beta.iter().zip(&prep.scale).map(|(b, s)| b * s).collect();
    let uo: Vec<f64> = u.iter().zip(&prep.scale).map(|(v, s)| v / s).collect();
    let rank = final_chol.rank;
    let singular: Vec<bool> = (0..p).map(|i| rank < p && var[i * p + i] == 0.0).collect();

    // infinite-coefficient check (R's coxph.fit)
    let mut infinite = vec![false; p];
    if opt.iter_max > 1 {
        for j in 0..p {
            let infs: f64 = (0..p).map(|i| uo[i] * var[i * p + j]).sum::<f64>().abs();
            let flag = !uo[j].is_finite() || (infs > opt.eps && infs > opt.toler_inf * coef[j].abs());
            infinite[j] = flag && !singular[j];
        }
        if converged && infinite.iter().any(|&f| f) {
            let names: Vec<&str> = (0..p)
                .filter(|&j| infinite[j])
                .map(|j| data.names[j].as_str())
                .collect();
            warnings.push(format!(
                "Loglik converged before variable {}; coefficient may be infinite.",
                names.join(",")
            ));
        }
        if !converged {
            infinite.iter_mut().for_each(|f| *f = false);
        }
    }
    if singular.iter().any(|&s| s) {
        let names: Vec<&str> = (0..p)
            .filter(|&j| singular[j])
            .map(|j| data.names[j].as_str())
            .collect();
        warnings.push(format!(
            "X matrix deemed to be singular; variable {} not estimable (NA)",
            names.join(" ")
        ));
    }

    // linear predictor in data order: Xβ + offset − Σ β·means
    let shift: f64 = coef.iter().zip(&prep.means).map(|(b, m)| b * m).sum();
    let mut lp = offset_centered.clone();
    for (j, col) in data.x.iter().enumerate() {
        let b = coef[j];
        if b != 0.0 {
            for (l, v) in lp.iter_mut().zip(col.iter()) {
                *l += b * v;
            }
        }
    }
    lp.iter_mut().for_each(|l| *l -= shift);

    let nonsing: Vec<usize> = (0..p).filter(|&j| !singular[j]).collect();
    let df = nonsing.len();

    // robust variance
    let (robust_var, robust_score_test) = if robust && df > 0 {
        let (rv, rs) = residuals::robust_variance(&prep, data, &coef, &var, efron, opt.toler_chol);
        (Some(rv), Some(ChiSqTest::new(rs.0, rs.1)))
    } else {
        (None, None)
    };

    // Wald test on the non-singular block
    let vuse = robust_var.as_deref().unwrap_or(&var);
    let sub: Vec<f64> = nonsing
        .iter()
        .flat_map(|&i| nonsing.iter().map(move |&j| (i, j)))
        .map(|(i, j)| vuse[i * p + j])
        .collect();
    let init = opt.init.clone().unwrap_or_else(|| vec![0.0; p]);
    let bsub: Vec<f64> = nonsing.iter().map(|&i| coef[i] - init[i]).collect();
    let (wald, _) = quad_form_inv(&sub, df, &bsub, opt.toler_chol);

    let conc = if opt.concordance {
        Some(concordance(
            &time,
            data.status,
            &lp,
            data.strata,
            data.weights,
            data.cluster,
        ))
    } else {
        None
    };

    Ok(CoxFit {
        n,
        nevent,
        ties: opt.ties,
        names: data.names.clone(),
        coef,
        singular,
        infinite,
        naive_var: var,
        robust_var,
        loglik_null: ll0,
        loglik: ll_best,
        lr_test: ChiSqTest::new(2.0 * (ll_best - ll0), df),
        wald_test: ChiSqTest::new(wald, df),
        score_test: ChiSqTest::new(sctest, df),
        robust_score_test,
        iter,
        converged,
        warnings,
        means: prep.means.clone(),
        linear_predictors: lp,
        score_vector: uo,
        concordance: conc,
        time_used: time,
    })
}
