//! Frequentist network meta-analysis on a contrast scale (log hazard ratios, log odds ratios,
//! mean differences): the graph-theoretical / weighted-least-squares method of R's `netmeta`
//! (Rücker 2012, Res Synth Methods 3:312–24), as restated in shared/reference/stats-anchors.md §6.2.
//!
//! A general module: it knows nothing about trials or diseases and does no I/O. Callers hand in
//! pairwise contrasts `study, treat1, treat2, te, se` (te is the effect of treat1 versus treat2;
//! a study with p arms gives all p(p−1)/2 contrasts under one study label) and get back:
//!
//! - **Multi-arm studies** (Rücker 2012): the pairwise variances of a study are turned into a
//!   resistance matrix R; its Laplacian L = (−½·C·R·C)⁺ (C the centring matrix) gives effective
//!   weights w_jk = −L_jk, so that the contrasts of one study, treated as independent with variances
//!   1/w_jk, carry exactly the study's information. Negligible negative weights (< 0.1 % of the
//!   study's total) are set to 0, as netmeta does; others are kept and reported.
//! - **Fixed effect**: B (m × n, ±1 incidence), W = diag(w), Laplacian L = BᵀWB and its
//!   Moore–Penrose inverse L⁺ = (L − J/n)⁻¹ + J/n; treatment potentials θ = L⁺BᵀW·te, so every
//!   pairwise estimate is θ_i − θ_j with variance R_ij = L⁺_ii + L⁺_jj − 2L⁺_ij (the resistance
//!   distance); consistent edge estimates v = B θ = H·te with H = B L⁺ Bᵀ W.
//! - **Heterogeneity**: Q = Σ w (te − v)², df = Σ_studies (arms − 1) − (n − 1); I² = (Q − df)/Q with
//!   the Higgins–Thompson confidence interval (R `meta::isquared`); τ² by the generalised
//!   DerSimonian–Laird method of moments (Jackson 2012, netmeta): τ² = max(0, (Q − df) /
//!   tr((I − H)·(BBᵀ ∘ E / 2)·W)), E the same-study indicator.
//! - **Random effects**: τ² added to every contrast's variance before the multi-arm reweighting,
//!   then the same fit.
//! - **Inconsistency**: the design-by-treatment decomposition of Q (Krahn, Binder & König 2013;
//!   netmeta `decomp.design`): Q = Q_within designs + Q_between designs, each with its χ² test; and
//!   node-splitting by back-calculation (SIDE, König et al. 2013; netmeta `netsplit`): for every
//!   comparison with direct evidence, the direct estimate (inverse-variance pooling of its
//!   contrasts, with the model's weights), the indirect estimate backed out of the network estimate
//!   (θ_ind = (θ_net/V_net − θ_dir/V_dir)/(1/V_net − 1/V_dir)), their difference and its z-test.
//! - **Ranking**: P-scores (Rücker & Schwarzer 2015): P_i = mean over j ≠ i of Φ((θ_j − θ_i)/SE_ij),
//!   smaller effects being better (a log hazard ratio below 0 favours treat1).
//!
//! A disconnected network cannot be analysed as one: the connected sub-network with the most
//! studies (then the most treatments) is analysed and the other contrasts are returned as excluded,
//! with the reason.

use crate::dist::{pchisq_upper, pnorm, qnorm};
use netrx_case::InputError;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Largest tolerated inconsistency of the effects within one multi-arm study
/// (te_ab + te_bc − te_ac), as netmeta's `tol.multiarm`.
pub const TOL_MULTIARM: f64 = 0.001;

/// One pairwise contrast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    pub study: String,
    pub treat1: String,
    pub treat2: String,
    /// Effect of treat1 versus treat2 (e.g. a log hazard ratio).
    pub te: f64,
    /// Its standard error.
    pub se: f64,
}

/// Fixed (common) or random effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    Fixed,
    Random,
}

impl Model {
    pub fn label(self) -> &'static str {
        match self {
            Model::Fixed => "fixed effect (common effect)",
            Model::Random => "random effects (DerSimonian–Laird τ²)",
        }
    }
}

/// Options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Confidence level (0.95).
    pub level: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { level: 0.95 }
    }
}

/// One estimate with its confidence interval and Wald test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub te: f64,
    pub se: f64,
    pub lower: f64,
    pub upper: f64,
    pub z: f64,
    pub p: f64,
}

impl Estimate {
    fn new(te: f64, se: f64, z_crit: f64) -> Estimate {
        let z = te / se;
        Estimate {
            te,
            se,
            lower: te - z_crit * se,
            upper: te + z_crit * se,
            z,
            p: (2.0 * pnorm(-z.abs())).min(1.0),
        }
    }
}

/// One cell of the league table: treat1 versus treat2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeagueRow {
    pub treat1: String,
    pub treat2: String,
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// A χ² test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QTest {
    pub q: f64,
    pub df: usize,
    /// Upper-tail p-value; None when df = 0.
    pub p: Option<f64>,
}

impl QTest {
    fn new(q: f64, df: usize) -> QTest {
        QTest {
            q,
            df,
            p: (df > 0).then(|| pchisq_upper(q.max(0.0), df as f64)),
        }
    }
}

/// I² with its confidence interval (proportions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct I2 {
    pub i2: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Within-design heterogeneity of one design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesignQ {
    /// The design: its treatments joined by `:` (sorted).
    pub design: String,
    pub studies: usize,
    #[serde(flatten)]
    pub test: QTest,
}

/// Node-splitting (back-calculation) for one comparison with direct evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeSplit {
    pub treat1: String,
    pub treat2: String,
    /// Studies with a direct contrast of the two.
    pub studies: usize,
    pub network: Estimate,
    pub direct: Estimate,
    /// None when the network estimate rests on direct evidence only.
    pub indirect: Option<Estimate>,
    /// Direct − indirect, with its z-test.
    pub difference: Option<Estimate>,
    /// Share of the network estimate's information that is direct (V_net / V_dir).
    pub direct_proportion: f64,
}

/// The inconsistency checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inconsistency {
    /// Total Q of the network (heterogeneity and inconsistency).
    pub total: QTest,
    /// Heterogeneity within designs.
    pub within_designs: QTest,
    /// Inconsistency between designs (design-by-treatment interaction, fixed effect).
    pub between_designs: QTest,
    /// Q per design with more than one study.
    pub designs: Vec<DesignQ>,
    /// Node-splitting of every comparison with direct evidence, for the chosen model.
    pub node_split: Vec<NodeSplit>,
}

/// A contrast left out of the analysis, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    #[serde(flatten)]
    pub contrast: Contrast,
    pub reason: String,
}

/// A contrast with the standard error the fit used (after the multi-arm adjustment).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weighted {
    pub study: String,
    pub treat1: String,
    pub treat2: String,
    pub te: f64,
    pub se: f64,
    /// SE after adding τ² (random effects) and the multi-arm adjustment.
    pub se_used: f64,
    /// The network's (consistent) estimate of this contrast.
    pub fitted: f64,
    /// Its leverage (diagonal of the hat matrix).
    pub leverage: f64,
}

/// An edge of the network graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub treat1: String,
    pub treat2: String,
    /// Studies comparing them directly.
    pub studies: usize,
    /// Studies' labels.
    pub study_labels: Vec<String>,
}

/// The result of a network meta-analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Nma {
    /// The model whose estimates `league`, `p_scores` and `node_split` report.
    pub model: Model,
    /// Treatments analysed, sorted.
    pub treatments: Vec<String>,
    pub n_studies: usize,
    pub n_contrasts: usize,
    pub n_designs: usize,
    /// Multi-arm studies and their arm counts.
    pub multi_arm: Vec<(String, usize)>,
    pub level: f64,
    /// Q of the fixed-effect model, with df and p.
    pub heterogeneity: QTest,
    /// τ² (None when df = 0: no information on heterogeneity).
    pub tau2: Option<f64>,
    pub tau: Option<f64>,
    /// I² with its CI (None when df = 0).
    pub i2: Option<I2>,
    /// Every ordered pair treat1 ≠ treat2 (treat1 vs treat2), in treatment order.
    pub league: Vec<LeagueRow>,
    /// The same for the other model (random when `model` is fixed, and vice versa).
    pub league_other: Vec<LeagueRow>,
    /// (treatment, P-score), best first.
    pub p_scores: Vec<(String, f64)>,
    pub inconsistency: Inconsistency,
    /// The contrasts as used by the chosen model.
    pub contrasts: Vec<Weighted>,
    pub edges: Vec<Edge>,
    pub excluded: Vec<Excluded>,
    pub warnings: Vec<String>,
}

impl Nma {
    /// The league cell treat1 vs treat2 of the chosen model.
    pub fn get(&self, treat1: &str, treat2: &str) -> Option<&LeagueRow> {
        self.league.iter().find(|r| r.treat1 == treat1 && r.treat2 == treat2)
    }
}

// ---------------------------------------------------------------------------------------------
// Small dense linear algebra (row-major n × n).

fn invert(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    let scale = m.iter().fold(0.0_f64, |s, v| s.max(v.abs()));
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    for c in 0..n {
        let piv = (c..n).max_by(|&x, &y| m[x * n + c].abs().total_cmp(&m[y * n + c].abs()))?;
        if m[piv * n + c].abs() <= scale * 1e-13 {
            return None;
        }
        if piv != c {
            for k in 0..n {
                m.swap(c * n + k, piv * n + k);
                inv.swap(c * n + k, piv * n + k);
            }
        }
        let d = m[c * n + c];
        for k in 0..n {
            m[c * n + k] /= d;
            inv[c * n + k] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = m[r * n + c];
                if f != 0.0 {
                    for k in 0..n {
                        m[r * n + k] -= f * m[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Moore–Penrose inverse of the Laplacian of a connected graph: (L − J/n)⁻¹ + J/n.
fn laplacian_pinv(l: &[f64], n: usize) -> Option<Vec<f64>> {
    let jn = 1.0 / n as f64;
    let shifted: Vec<f64> = l.iter().map(|v| v - jn).collect();
    let mut inv = invert(&shifted, n)?;
    for v in &mut inv {
        *v += jn;
    }
    Some(inv)
}

// ---------------------------------------------------------------------------------------------
// Input checks and structure.

fn err(field: impl Into<String>, value: impl std::fmt::Display, allowed: impl std::fmt::Display) -> InputError {
    InputError::invalid(field, value, allowed)
}

/// A study's contrasts (indices into the row list) and arms.
#[derive(Debug, Clone)]
struct Study {
    label: String,
    rows: Vec<usize>,
    arms: Vec<String>,
}

fn validate(rows: &[Contrast]) -> Result<Vec<Study>, InputError> {
    if rows.is_empty() {
        return Err(err(
            "network",
            "no contrasts",
            "at least one row study,treat1,treat2,te,se",
        ));
    }
    let mut by_study: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let f = |c: &str| format!("row {}, column {c}", i + 1);
        if r.study.trim().is_empty() {
            return Err(err(f("study"), "an empty label", "a study label"));
        }
        if r.treat1.trim().is_empty() {
            return Err(err(f("treat1"), "an empty name", "a treatment name"));
        }
        if r.treat2.trim().is_empty() {
            return Err(err(f("treat2"), "an empty name", "a treatment name"));
        }
        if r.treat1 == r.treat2 {
            return Err(err(
                f("treat2"),
                format!("{:?} (the same as treat1)", r.treat2),
                "a treatment different from treat1",
            ));
        }
        if !r.te.is_finite() {
            return Err(err(f("effect"), r.te, "a finite number"));
        }
        if !(r.se.is_finite() && r.se > 0.0) {
            return Err(err(f("se"), r.se, "a standard error > 0"));
        }
        by_study.entry(r.study.as_str()).or_default().push(i);
    }
    let mut studies = Vec::new();
    for (label, idx) in by_study {
        let mut arms = BTreeSet::new();
        let mut pairs = BTreeSet::new();
        for &i in &idx {
            let r = &rows[i];
            arms.insert(r.treat1.clone());
            arms.insert(r.treat2.clone());
            let key = if r.treat1 < r.treat2 {
                (r.treat1.clone(), r.treat2.clone())
            } else {
                (r.treat2.clone(), r.treat1.clone())
            };
            if !pairs.insert(key) {
                return Err(err(
                    format!("row {}, study {label:?}", i + 1),
                    format!("{} vs {} a second time", r.treat1, r.treat2),
                    "each pair of arms once per study (pool repeated analyses before, or give them distinct study labels)",
                ));
            }
        }
        let p = arms.len();
        let arms: Vec<String> = arms.into_iter().collect();
        if pairs.len() != p * (p - 1) / 2 {
            let mut missing = Vec::new();
            for a in 0..p {
                for b in a + 1..p {
                    if !pairs.contains(&(arms[a].clone(), arms[b].clone())) {
                        missing.push(format!("{} vs {}", arms[a], arms[b]));
                    }
                }
            }
            return Err(err(
                format!("study {label:?}"),
                format!(
                    "{} arms ({}) but {} contrasts; missing {}",
                    p,
                    arms.join(", "),
                    pairs.len(),
                    missing.join(", ")
                ),
                format!(
                    "all {} pairwise contrasts of a {}-arm study, each with its SE (a multi-arm study's contrasts are correlated; the missing ones cannot be inferred)",
                    p * (p - 1) / 2,
                    p
                ),
            ));
        }
        if p > 2 {
            // Consistency of the effects within the study: te(a,c) = te(a,b) + te(b,c).
            let eff = |a: &str, b: &str| -> f64 {
                for &i in &idx {
                    let r = &rows[i];
                    if r.treat1 == a && r.treat2 == b {
                        return r.te;
                    }
                    if r.treat1 == b && r.treat2 == a {
                        return -r.te;
                    }
                }
                f64::NAN
            };
            for a in 0..p {
                for b in a + 1..p {
                    for c in b + 1..p {
                        let gap = eff(&arms[a], &arms[b]) + eff(&arms[b], &arms[c]) - eff(&arms[a], &arms[c]);
                        if gap.abs() > TOL_MULTIARM {
                            return Err(err(
                                format!("study {label:?}"),
                                format!(
                                    "inconsistent effects: {a} vs {b} + {b} vs {c} − {a} vs {c} = {gap:.4}",
                                    a = arms[a],
                                    b = arms[b],
                                    c = arms[c]
                                ),
                                format!(
                                    "the contrasts of one study agree (within {TOL_MULTIARM}): they are differences of the same arm estimates"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        studies.push(Study {
            label: label.to_string(),
            rows: idx,
            arms,
        });
    }
    Ok(studies)
}

/// Connected components of the treatments (by study arms), each with its studies.
fn components(studies: &[Study]) -> Vec<(BTreeSet<String>, Vec<usize>)> {
    let mut comps: Vec<(BTreeSet<String>, Vec<usize>)> = Vec::new();
    for (si, s) in studies.iter().enumerate() {
        let touching: Vec<usize> = comps
            .iter()
            .enumerate()
            .filter(|(_, c)| s.arms.iter().any(|a| c.0.contains(a)))
            .map(|(i, _)| i)
            .collect();
        let mut merged: (BTreeSet<String>, Vec<usize>) = (s.arms.iter().cloned().collect(), vec![si]);
        for &i in touching.iter().rev() {
            let c = comps.remove(i);
            merged.0.extend(c.0);
            merged.1.extend(c.1);
        }
        merged.1.sort_unstable();
        comps.push(merged);
    }
    comps.sort_by(|a, b| {
        b.1.len()
            .cmp(&a.1.len())
            .then(b.0.len().cmp(&a.0.len()))
            .then(a.0.iter().next().cmp(&b.0.iter().next()))
    });
    comps
}

// ---------------------------------------------------------------------------------------------
// The fit.

/// Effective variances of a multi-arm study's contrasts from their (τ²-augmented) variances
/// (Rücker 2012). `pairs` are (arm index a, arm index b, variance); returns the adjusted variance
/// per pair (∞ for a zero weight) and whether a non-negligible negative weight occurred.
fn multiarm_variances(p: usize, pairs: &[(usize, usize, f64)]) -> (Vec<f64>, bool) {
    let mut r = vec![0.0; p * p];
    for &(a, b, v) in pairs {
        r[a * p + b] = v;
        r[b * p + a] = v;
    }
    // Lt = −½ C R C, C = I − J/p.
    let pf = p as f64;
    let row_mean: Vec<f64> = (0..p).map(|i| (0..p).map(|j| r[i * p + j]).sum::<f64>() / pf).collect();
    let grand: f64 = row_mean.iter().sum::<f64>() / pf;
    let mut lt = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            lt[i * p + j] = -0.5 * (r[i * p + j] - row_mean[i] - row_mean[j] + grand);
        }
    }
    let Some(l) = laplacian_pinv(&lt, p) else {
        return (pairs.iter().map(|x| x.2).collect(), true);
    };
    let mut w: Vec<f64> = pairs.iter().map(|&(a, b, _)| -l[a * p + b]).collect();
    let total: f64 = w.iter().map(|x| x.abs()).sum();
    let mut negative = false;
    for x in &mut w {
        if *x < 0.0 {
            if x.abs() / total < 0.001 {
                *x = 0.0;
            } else {
                negative = true;
            }
        }
    }
    (
        w.iter()
            .map(|&x| if x == 0.0 { f64::INFINITY } else { 1.0 / x })
            .collect(),
        negative,
    )
}

/// A fitted network (one model).
struct Fit {
    /// Treatment potentials θ (reference-free; only differences matter).
    theta: Vec<f64>,
    /// L⁺.
    lplus: Vec<f64>,
    /// Weights per row (after τ² and the multi-arm adjustment).
    w: Vec<f64>,
    /// Fitted (consistent) value per row.
    fitted: Vec<f64>,
    /// Leverage per row.
    leverage: Vec<f64>,
    q: f64,
    negative_weights: Vec<String>,
}

/// Row positions: (treat1 index, treat2 index).
fn fit_model(rows: &[Contrast], pos: &[(usize, usize)], studies: &[Study], n: usize, tau2: f64) -> Option<Fit> {
    let m = rows.len();
    let mut var = vec![0.0; m];
    let mut negative_weights = Vec::new();
    for s in studies {
        if s.rows.len() == 1 {
            let i = s.rows[0];
            var[i] = rows[i].se * rows[i].se + tau2;
        } else {
            let arm = |t: &str| s.arms.iter().position(|a| a == t).unwrap_or(0);
            let pairs: Vec<(usize, usize, f64)> = s
                .rows
                .iter()
                .map(|&i| {
                    (
                        arm(&rows[i].treat1),
                        arm(&rows[i].treat2),
                        rows[i].se * rows[i].se + tau2,
                    )
                })
                .collect();
            let (adj, neg) = multiarm_variances(s.arms.len(), &pairs);
            if neg {
                negative_weights.push(s.label.clone());
            }
            for (k, &i) in s.rows.iter().enumerate() {
                var[i] = adj[k];
            }
        }
    }
    let w: Vec<f64> = var
        .iter()
        .map(|v| if v.is_infinite() { 0.0 } else { 1.0 / v })
        .collect();
    let mut l = vec![0.0; n * n];
    let mut btwy = vec![0.0; n];
    for (i, &(a, b)) in pos.iter().enumerate() {
        l[a * n + a] += w[i];
        l[b * n + b] += w[i];
        l[a * n + b] -= w[i];
        l[b * n + a] -= w[i];
        btwy[a] += w[i] * rows[i].te;
        btwy[b] -= w[i] * rows[i].te;
    }
    let lplus = laplacian_pinv(&l, n)?;
    let theta: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| lplus[i * n + j] * btwy[j]).sum())
        .collect();
    let fitted: Vec<f64> = pos.iter().map(|&(a, b)| theta[a] - theta[b]).collect();
    let resist = |a: usize, b: usize| lplus[a * n + a] + lplus[b * n + b] - 2.0 * lplus[a * n + b];
    let leverage: Vec<f64> = pos.iter().enumerate().map(|(i, &(a, b))| w[i] * resist(a, b)).collect();
    let q = (0..m).map(|i| w[i] * (rows[i].te - fitted[i]).powi(2)).sum();
    Some(Fit {
        theta,
        lplus,
        w,
        fitted,
        leverage,
        q,
        negative_weights,
    })
}

impl Fit {
    fn estimate(&self, n: usize, a: usize, b: usize, zc: f64) -> Estimate {
        let v = self.lplus[a * n + a] + self.lplus[b * n + b] - 2.0 * self.lplus[a * n + b];
        Estimate::new(self.theta[a] - self.theta[b], v.max(0.0).sqrt(), zc)
    }
}

/// Generalised DerSimonian–Laird τ² (Jackson 2012; netmeta): (Q − df) / tr((I − H)(BBᵀ∘E/2)W).
fn tau2_dl(fit: &Fit, pos: &[(usize, usize)], rows: &[Contrast], n: usize, df: usize) -> Option<f64> {
    if df == 0 {
        return None;
    }
    let m = rows.len();
    // G = B L⁺ Bᵀ; H_ij = G_ij w_j.
    let g = |i: usize, j: usize| -> f64 {
        let (a, b) = pos[i];
        let (c, d) = pos[j];
        let lp = |x: usize, y: usize| fit.lplus[x * n + y];
        lp(a, c) - lp(a, d) - lp(b, c) + lp(b, d)
    };
    // (BBᵀ)_ji: shared arms of two contrasts, signed.
    let bbt = |i: usize, j: usize| -> f64 {
        let (a, b) = pos[i];
        let (c, d) = pos[j];
        let mut s = 0.0;
        if a == c {
            s += 1.0;
        }
        if a == d {
            s -= 1.0;
        }
        if b == c {
            s -= 1.0;
        }
        if b == d {
            s += 1.0;
        }
        s
    };
    let mut denom = 0.0;
    for i in 0..m {
        for j in 0..m {
            if rows[i].study != rows[j].study {
                continue;
            }
            let h = g(i, j) * fit.w[j];
            let ih = if i == j { 1.0 - h } else { -h };
            denom += ih * bbt(j, i) / 2.0 * fit.w[i];
        }
    }
    if denom <= 0.0 {
        return Some(0.0);
    }
    Some(((fit.q - df as f64) / denom).max(0.0))
}

/// I² and its CI (Higgins & Thompson 2002, as R `meta::isquared`).
fn i_squared(q: f64, df: usize, level: f64) -> Option<I2> {
    if df == 0 {
        return None;
    }
    let k = df as f64 + 1.0;
    let h = (q / df as f64).sqrt();
    let se_log_h = if k > 2.0 {
        if q > k {
            0.5 * (q.ln() - (k - 1.0).ln()) / ((2.0 * q).sqrt() - (2.0 * k - 3.0).sqrt())
        } else {
            (1.0 / (2.0 * (k - 2.0)) * (1.0 - 1.0 / (3.0 * (k - 2.0).powi(2)))).sqrt()
        }
    } else {
        f64::NAN
    };
    let zc = qnorm(1.0 - (1.0 - level) / 2.0);
    let log_h = h.max(1.0).ln();
    let to_i2 = |x: f64| ((x * x - 1.0) / (x * x)).max(0.0);
    let (lo, hi) = if se_log_h.is_nan() {
        (f64::NAN, f64::NAN)
    } else {
        (
            (log_h - zc * se_log_h).exp().max(1.0),
            (log_h + zc * se_log_h).exp().max(1.0),
        )
    };
    Some(I2 {
        i2: if q > 0.0 { ((q - df as f64) / q).max(0.0) } else { 0.0 },
        lower: to_i2(lo),
        upper: to_i2(hi),
    })
}

/// The design-by-treatment decomposition: Q within each design (the design's studies fitted on
/// their own), summed; the rest is between designs.
fn decompose(
    rows: &[Contrast],
    pos: &[(usize, usize)],
    studies: &[Study],
    n: usize,
    total: QTest,
) -> (QTest, QTest, Vec<DesignQ>) {
    let mut designs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (si, s) in studies.iter().enumerate() {
        designs.entry(s.arms.join(":")).or_default().push(si);
    }
    let mut q_within = 0.0;
    let mut df_within = 0usize;
    let mut per = Vec::new();
    for (design, sis) in &designs {
        if sis.len() < 2 {
            continue;
        }
        let sub: Vec<Study> = sis.iter().map(|&i| studies[i].clone()).collect();
        let idx: Vec<usize> = sub.iter().flat_map(|s| s.rows.iter().copied()).collect();
        let sub_rows: Vec<Contrast> = idx.iter().map(|&i| rows[i].clone()).collect();
        let sub_pos: Vec<(usize, usize)> = idx.iter().map(|&i| pos[i]).collect();
        let remap: BTreeMap<usize, usize> = {
            let mut v: Vec<usize> = sub_pos.iter().flat_map(|&(a, b)| [a, b]).collect();
            v.sort_unstable();
            v.dedup();
            v.into_iter().enumerate().map(|(k, x)| (x, k)).collect()
        };
        let sub_pos: Vec<(usize, usize)> = sub_pos.iter().map(|&(a, b)| (remap[&a], remap[&b])).collect();
        let sub_studies: Vec<Study> = {
            let mut offset = 0;
            sub.iter()
                .map(|s| {
                    let k = s.rows.len();
                    let st = Study {
                        label: s.label.clone(),
                        rows: (offset..offset + k).collect(),
                        arms: s.arms.clone(),
                    };
                    offset += k;
                    st
                })
                .collect()
        };
        let nd = remap.len();
        let Some(f) = fit_model(&sub_rows, &sub_pos, &sub_studies, nd, 0.0) else {
            continue;
        };
        let df_d = sub.iter().map(|s| s.arms.len() - 1).sum::<usize>() - (nd - 1);
        q_within += f.q;
        df_within += df_d;
        per.push(DesignQ {
            design: design.clone(),
            studies: sis.len(),
            test: QTest::new(f.q, df_d),
        });
    }
    let _ = n;
    let between = QTest::new((total.q - q_within).max(0.0), total.df.saturating_sub(df_within));
    (QTest::new(q_within, df_within), between, per)
}

fn node_split(fit: &Fit, rows: &[Contrast], pos: &[(usize, usize)], treatments: &[String], zc: f64) -> Vec<NodeSplit> {
    let n = treatments.len();
    let mut edges: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, &(a, b)) in pos.iter().enumerate() {
        edges.entry((a.min(b), a.max(b))).or_default().push(i);
    }
    let mut out = Vec::new();
    for (_, idx) in edges {
        // Oriented as the edge's first input row reads (treat1 vs treat2).
        let (a, b) = pos[idx[0]];
        // Direct: inverse-variance pooling of the edge's contrasts (oriented a vs b), model weights.
        let (mut sw, mut swy) = (0.0, 0.0);
        let mut studies = BTreeSet::new();
        for &i in &idx {
            let y = if pos[i].0 == a { rows[i].te } else { -rows[i].te };
            sw += fit.w[i];
            swy += fit.w[i] * y;
            studies.insert(rows[i].study.clone());
        }
        if sw <= 0.0 {
            continue;
        }
        let direct = Estimate::new(swy / sw, (1.0 / sw).sqrt(), zc);
        let network = fit.estimate(n, a, b, zc);
        let v_net = network.se * network.se;
        let v_dir = direct.se * direct.se;
        let info_ind = 1.0 / v_net - 1.0 / v_dir;
        let prop = (v_net / v_dir).min(1.0);
        let (indirect, difference) = if info_ind > 1e-10 * (1.0 / v_net) {
            let v_ind = 1.0 / info_ind;
            let te_ind = (network.te / v_net - direct.te / v_dir) * v_ind;
            let ind = Estimate::new(te_ind, v_ind.sqrt(), zc);
            let diff = Estimate::new(direct.te - te_ind, (v_dir + v_ind).sqrt(), zc);
            (Some(ind), Some(diff))
        } else {
            (None, None)
        };
        out.push(NodeSplit {
            treat1: treatments[a].clone(),
            treat2: treatments[b].clone(),
            studies: studies.len(),
            network,
            direct,
            indirect,
            difference,
            direct_proportion: prop,
        });
    }
    let _ = n;
    out
}

fn league(fit: &Fit, treatments: &[String], zc: f64) -> Vec<LeagueRow> {
    let n = treatments.len();
    let mut out = Vec::with_capacity(n * n.saturating_sub(1));
    for a in 0..n {
        for b in 0..n {
            if a != b {
                out.push(LeagueRow {
                    treat1: treatments[a].clone(),
                    treat2: treatments[b].clone(),
                    estimate: fit.estimate(n, a, b, zc),
                });
            }
        }
    }
    out
}

fn p_scores(fit: &Fit, treatments: &[String]) -> Vec<(String, f64)> {
    let n = treatments.len();
    let mut out: Vec<(String, f64)> = (0..n)
        .map(|i| {
            if n < 2 {
                return (treatments[i].clone(), f64::NAN);
            }
            let s: f64 = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    let e = fit.estimate(n, i, j, 1.96);
                    if e.se > 0.0 {
                        pnorm(-e.te / e.se)
                    } else if e.te < 0.0 {
                        1.0
                    } else if e.te > 0.0 {
                        0.0
                    } else {
                        0.5
                    }
                })
                .sum();
            (treatments[i].clone(), s / (n - 1) as f64)
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Run a network meta-analysis (see the module documentation).
pub fn nma(all_rows: &[Contrast], model: Model, opt: &Options) -> Result<Nma, InputError> {
    if !(opt.level > 0.0 && opt.level < 1.0) {
        return Err(err("level", opt.level, "a confidence level strictly between 0 and 1"));
    }
    let all_studies = validate(all_rows)?;
    let comps = components(&all_studies);
    let (keep_treats, keep_studies) = comps[0].clone();
    let mut excluded = Vec::new();
    let mut warnings = Vec::new();
    if comps.len() > 1 {
        for c in &comps[1..] {
            for &si in &c.1 {
                for &i in &all_studies[si].rows {
                    excluded.push(Excluded {
                        contrast: all_rows[i].clone(),
                        reason: format!(
                            "not connected to the analysed network (a separate sub-network of {})",
                            c.0.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
        }
        warnings.push(format!(
            "the network is disconnected ({} sub-networks): only the largest ({} studies; {}) is analysed; {} left out",
            comps.len(),
            keep_studies.len(),
            keep_treats.iter().cloned().collect::<Vec<_>>().join(", "),
            if excluded.len() == 1 {
                "1 contrast".to_string()
            } else {
                format!("{} contrasts", excluded.len())
            }
        ));
    }
    // Re-index the kept part.
    let treatments: Vec<String> = keep_treats.into_iter().collect();
    let n = treatments.len();
    let tix = |t: &str| {
        treatments
            .iter()
            .position(|x| x == t)
            .expect("treatment of the component")
    };
    let mut rows = Vec::new();
    let mut studies = Vec::new();
    for &si in &keep_studies {
        let s = &all_studies[si];
        let start = rows.len();
        for &i in &s.rows {
            rows.push(all_rows[i].clone());
        }
        studies.push(Study {
            label: s.label.clone(),
            rows: (start..rows.len()).collect(),
            arms: s.arms.clone(),
        });
    }
    let pos: Vec<(usize, usize)> = rows.iter().map(|r| (tix(&r.treat1), tix(&r.treat2))).collect();
    let zc = qnorm(1.0 - (1.0 - opt.level) / 2.0);
    let fixed = fit_model(&rows, &pos, &studies, n, 0.0).ok_or_else(|| {
        err(
            "network",
            "a singular system",
            "contrasts whose standard errors are neither zero nor infinite",
        )
    })?;
    for s in &fixed.negative_weights {
        warnings.push(format!(
            "multi-arm study {s:?}: its variances give a negative effective weight (the pairwise SEs are not those of one set of arms); results for it are approximate"
        ));
    }
    let df = studies.iter().map(|s| s.arms.len() - 1).sum::<usize>() - (n - 1);
    let heterogeneity = QTest::new(fixed.q, df);
    let tau2 = tau2_dl(&fixed, &pos, &rows, n, df);
    let random = fit_model(&rows, &pos, &studies, n, tau2.unwrap_or(0.0)).ok_or_else(|| {
        err(
            "network",
            "a singular system",
            "contrasts whose standard errors are neither zero nor infinite",
        )
    })?;
    if df == 0 && model == Model::Random {
        warnings.push(
            "no degrees of freedom for heterogeneity (every comparison rests on one study, no loops): τ² cannot be estimated and the random-effects model equals the fixed-effect one".into(),
        );
    }
    let (within, between, designs) = decompose(&rows, &pos, &studies, n, heterogeneity);
    let chosen = match model {
        Model::Fixed => &fixed,
        Model::Random => &random,
    };
    let other = match model {
        Model::Fixed => &random,
        Model::Random => &fixed,
    };
    let node = node_split(chosen, &rows, &pos, &treatments, zc);
    let mut edges: BTreeMap<(usize, usize), BTreeSet<String>> = BTreeMap::new();
    for (i, &(a, b)) in pos.iter().enumerate() {
        edges
            .entry((a.min(b), a.max(b)))
            .or_default()
            .insert(rows[i].study.clone());
    }
    let edges = edges
        .into_iter()
        .map(|((a, b), s)| Edge {
            treat1: treatments[a].clone(),
            treat2: treatments[b].clone(),
            studies: s.len(),
            study_labels: s.into_iter().collect(),
        })
        .collect();
    let contrasts = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Weighted {
            study: r.study.clone(),
            treat1: r.treat1.clone(),
            treat2: r.treat2.clone(),
            te: r.te,
            se: r.se,
            se_used: if chosen.w[i] > 0.0 {
                (1.0 / chosen.w[i]).sqrt()
            } else {
                f64::INFINITY
            },
            fitted: chosen.fitted[i],
            leverage: chosen.leverage[i],
        })
        .collect();
    let mut n_designs = BTreeSet::new();
    for s in &studies {
        n_designs.insert(s.arms.join(":"));
    }
    Ok(Nma {
        model,
        n_studies: studies.len(),
        n_contrasts: rows.len(),
        n_designs: n_designs.len(),
        multi_arm: studies
            .iter()
            .filter(|s| s.arms.len() > 2)
            .map(|s| (s.label.clone(), s.arms.len()))
            .collect(),
        level: opt.level,
        heterogeneity,
        tau2,
        tau: tau2.map(f64::sqrt),
        i2: i_squared(fixed.q, df, opt.level),
        league: league(chosen, &treatments, zc),
        league_other: league(other, &treatments, zc),
        p_scores: p_scores(chosen, &treatments),
        inconsistency: Inconsistency {
            total: heterogeneity,
            within_designs: within,
            between_designs: between,
            designs,
            node_split: node,
        },
        contrasts,
        edges,
        excluded,
        warnings,
        treatments,
    })
}

/// Read a network file: CSV with a header naming the columns `study, treat1, treat2`, the effect
/// (one of `effect_columns`, e.g. `log_hr`) and its `se`; extra columns are errors. `what` names
/// the input.
pub fn contrasts_from_csv(what: &str, text: &str, effect_columns: &[&str]) -> Result<Vec<Contrast>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| InputError::new(what, format!("cannot read the header row: {e}")))?
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let allowed = format!("a header `study,treat1,treat2,{},se`", effect_columns.join("|"));
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (Some(cs), Some(c1), Some(c2), Some(ce), Some(cse)) = (
        col(&["study", "studlab"]),
        col(&["treat1"]),
        col(&["treat2"]),
        col(effect_columns),
        col(&["se", "sete"]),
    ) else {
        return Err(err(
            format!("{what} header"),
            format!("{:?}", header.join(",")),
            allowed,
        ));
    };
    if header.len() != 5 {
        let known = [cs, c1, c2, ce, cse];
        let extra: Vec<&String> = header
            .iter()
            .enumerate()
            .filter(|(i, _)| !known.contains(i))
            .map(|x| x.1)
            .collect();
        return Err(err(
            format!("{what} header"),
            format!("unknown column{} {:?}", if extra.len() == 1 { "" } else { "s" }, extra),
            &allowed,
        ));
    }
    let effect_name = header[ce].clone();
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            let msg = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("got {len} fields; allowed: {expected_len}, as in the header")
                }
                _ => e.to_string(),
            };
            InputError::new(format!("{what} row {}", i + 1), msg)
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(i as u64 + 2);
        let num = |c: usize, name: &str| -> Result<f64, InputError> {
            let cell = rec.get(c).unwrap_or("");
            cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                err(
                    format!("{what} line {line}, column {name}"),
                    format!("{cell:?}"),
                    if name == "se" {
                        "a standard error > 0"
                    } else {
                        "a finite number"
                    },
                )
            })
        };
        let te = num(ce, &effect_name)?;
        let se = num(cse, "se")?;
        if se <= 0.0 {
            return Err(err(
                format!("{what} line {line}, column se"),
                rec.get(cse).unwrap_or(""),
                "a standard error > 0",
            ));
        }
        let text_cell = |c: usize, name: &str| -> Result<String, InputError> {
            let v = rec.get(c).unwrap_or("").to_string();
            if v.is_empty() {
                return Err(err(
                    format!("{what} line {line}, column {name}"),
                    "an empty cell",
                    "a label",
                ));
            }
            Ok(v)
        };
        out.push(Contrast {
            study: text_cell(cs, "study")?,
            treat1: text_cell(c1, "treat1")?,
            treat2: text_cell(c2, "treat2")?,
            te,
            se,
        });
    }
    if out.is_empty() {
        return Err(err(what, "a header but no rows", "one row per pairwise contrast"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indirect::{LogRatio, bucher};

    fn c(study: &str, t1: &str, t2: &str, te: f64, se: f64) -> Contrast {
        Contrast {
            study: study.into(),
            treat1: t1.into(),
            treat2: t2.into(),
            te,
            se,
        }
    }

    /// Two trials against a common comparator: the NMA is Bucher's indirect comparison
    /// (stats-anchors §6.1), to machine precision.
    #[test]
    fn star_network_equals_bucher() {
        let a = LogRatio::from_ci(0.35, 0.27, 0.45, 95.0).unwrap();
        let b = LogRatio::from_ci(0.42, 0.26, 0.66, 95.0).unwrap();
        let rows = vec![c("s1", "A", "P", a.est, a.se), c("s2", "B", "P", b.est, b.se)];
        let r = nma(&rows, Model::Fixed, &Options::default()).unwrap();
        let ab = r.get("A", "B").unwrap();
        let want = bucher(a, b);
        assert!((ab.estimate.te - want.est).abs() < 1e-12);
        assert!((ab.estimate.se - want.se).abs() < 1e-12);
        assert_eq!(r.heterogeneity.df, 0);
        assert!(r.tau2.is_none() && r.i2.is_none());
        let rr = nma(&rows, Model::Random, &Options::default()).unwrap();
        assert!((rr.get("A", "B").unwrap().estimate.te - want.est).abs() < 1e-12);
    }

    /// Two studies of one comparison: the NMA is the inverse-variance pooled estimate and τ² is
    /// the classical DerSimonian–Laird estimate (Q − (k − 1)) / (Σw − Σw²/Σw).
    #[test]
    fn pairwise_reduces_to_dersimonian_laird() {
        let rows = vec![
            c("s1", "A", "B", -0.5, 0.1),
            c("s2", "A", "B", 0.1, 0.2),
            c("s3", "B", "A", 0.2, 0.15),
        ];
        let ys = [-0.5, 0.1, -0.2];
        let ws: Vec<f64> = [0.1f64, 0.2, 0.15].iter().map(|s| 1.0 / (s * s)).collect();
        let sw: f64 = ws.iter().sum();
        let est: f64 = ys.iter().zip(&ws).map(|(y, w)| y * w).sum::<f64>() / sw;
        let q: f64 = ys.iter().zip(&ws).map(|(y, w)| w * (y - est).powi(2)).sum();
        let tau2 = (q - 2.0) / (sw - ws.iter().map(|w| w * w).sum::<f64>() / sw);
        let r = nma(&rows, Model::Random, &Options::default()).unwrap();
        assert!((r.heterogeneity.q - q).abs() < 1e-10);
        assert!((r.tau2.unwrap() - tau2).abs() < 1e-12);
        let f = r
            .league_other
            .iter()
            .find(|x| x.treat1 == "A" && x.treat2 == "B")
            .unwrap();
        assert!((f.estimate.te - est).abs() < 1e-12);
        let wr: Vec<f64> = [0.1f64, 0.2, 0.15].iter().map(|s| 1.0 / (s * s + tau2)).collect();
        let swr: f64 = wr.iter().sum();
        let er: f64 = ys.iter().zip(&wr).map(|(y, w)| y * w).sum::<f64>() / swr;
        let g = r.get("A", "B").unwrap();
        assert!((g.estimate.te - er).abs() < 1e-12 && (g.estimate.se - swr.recip().sqrt()).abs() < 1e-12);
    }

    /// A three-arm study alone: the adjusted variances reproduce its covariance, so the NMA
    /// returns its own contrasts unchanged with their original SEs.
    #[test]
    fn a_three_arm_study_alone_is_returned_as_given() {
        // Arm variances 0.01, 0.02, 0.03 → pairwise 0.03, 0.04, 0.05.
        let rows = vec![
            c("w", "A", "B", -0.2, 0.03f64.sqrt()),
            c("w", "A", "C", -0.5, 0.04f64.sqrt()),
            c("w", "B", "C", -0.3, 0.05f64.sqrt()),
        ];
        let r = nma(&rows, Model::Fixed, &Options::default()).unwrap();
        for x in &rows {
            let g = r.get(&x.treat1, &x.treat2).unwrap();
            assert!((g.estimate.te - x.te).abs() < 1e-12);
            assert!((g.estimate.se - x.se).abs() < 1e-12, "{} vs {}", g.estimate.se, x.se);
        }
        assert_eq!(r.heterogeneity.df, 0);
        assert!(r.heterogeneity.q.abs() < 1e-20);
    }

    #[test]
    fn rejects_bad_networks() {
        let e = nma(&[c("s", "A", "A", 0.1, 0.1)], Model::Fixed, &Options::default()).unwrap_err();
        assert!(e.field.contains("treat2"), "{e}");
        let e = nma(&[c("s", "A", "B", 0.1, 0.0)], Model::Fixed, &Options::default()).unwrap_err();
        assert!(e.field.contains("se"), "{e}");
        let e = nma(
            &[c("s", "A", "B", 0.1, 0.1), c("s", "A", "C", 0.1, 0.1)],
            Model::Fixed,
            &Options::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("missing B vs C"), "{e}");
        let e = nma(
            &[
                c("s", "A", "B", 0.1, 0.1),
                c("s", "A", "C", 0.5, 0.1),
                c("s", "B", "C", 0.1, 0.1),
            ],
            Model::Fixed,
            &Options::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("inconsistent effects"), "{e}");
        let e = contrasts_from_csv("net", "study,treat1,treat2,log_hr,se,extra\n", &["log_hr"]).unwrap_err();
        assert!(e.message.contains("extra"), "{e}");
        let e = contrasts_from_csv("net", "study,treat1,treat2,log_hr,se\ns,A,B,x,0.1\n", &["log_hr"]).unwrap_err();
        assert_eq!(e.field, "net line 2, column log_hr");
    }

    #[test]
    fn disconnected_networks_analyse_the_largest_part() {
        let rows = vec![
            c("s1", "A", "P", -0.5, 0.2),
            c("s2", "B", "P", -0.3, 0.2),
            c("s3", "X", "Y", 0.1, 0.3),
        ];
        let r = nma(&rows, Model::Fixed, &Options::default()).unwrap();
        assert_eq!(r.treatments, vec!["A", "B", "P"]);
        assert_eq!(r.excluded.len(), 1);
        assert!(r.warnings[0].contains("disconnected"));
    }

    #[test]
    fn p_scores_rank_and_sum_to_half_n() {
        let rows = vec![
            c("s1", "A", "P", -0.5, 0.2),
            c("s2", "B", "P", -0.3, 0.2),
            c("s3", "A", "B", -0.1, 0.3),
        ];
        let r = nma(&rows, Model::Fixed, &Options::default()).unwrap();
        assert_eq!(r.p_scores[0].0, "A");
        assert_eq!(r.p_scores[2].0, "P");
        // Σ P-scores = n/2 (each pair contributes Φ(x) + Φ(−x) = 1 to two means of n − 1 terms).
        let s: f64 = r.p_scores.iter().map(|x| x.1).sum();
        assert!((s - 1.5).abs() < 1e-12);
    }
}
