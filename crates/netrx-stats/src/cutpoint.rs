//! Cut-point finding for a continuous marker: the maximally selected log-rank statistic with a
//! p-value corrected for the search — what R's `maxstat.test(Surv(time, status) ~ marker,
//! smethod = "LogRank", pmethod = "Lau92")` (package maxstat 0.7-25) computes.
//!
//! **Statistic** (Lausen & Schumacher 1992, Biometrics 48:73–85; Hothorn & Lausen 2003,
//! Comput Stat Data Anal 43:121–137). Log-rank scores a_i = δ_i − Σ_{j: t_j ≤ t_i} δ_j /
//! (N − γ_j + 1), with γ_j = #{k: t_k ≤ t_j} (tied times share the largest rank, as in
//! Hothorn & Lausen's definition and maxstat/exactRankTests). Sort by the marker; for each
//! candidate split "marker ≤ c" leaving m observations below (m = number of observations with a
//! smaller marker value than the next distinct value, restricted to
//! max(1, ⌊N·ε₁⌋) ≤ m ≤ ⌊N·ε₂⌋; ε₁ = 0.1, ε₂ = 0.9 by default), the standardised linear rank
//! statistic |S_m − E_m|/√V_m with S_m = Σ_{lowest m} a_i, E_m = m/N Σa, V_m = m(N − m)/(N²(N − 1))
//! · (N Σa² − (Σa)²). M = the largest; the cut-point is the largest marker value in the lower group
//! (the first maximising split).
//!
//! **p-values.** `p_lau92` (the Miller–Siegmund (1982, Biometrics 38:1011–1016) approximation used
//! by Lausen & Schumacher 1992): P(M ≥ b) ≈ 4φ(b)/b + φ(b)(b − 1/b)·log(ε₂(1 − ε₁)/((1 − ε₂)ε₁)),
//! 1 when b < 1. `p_lau94` (Lausen, Sauerbrei & Schumacher 1994, improved Bonferroni inequality,
//! Worsley 1982): 2(1 − Φ(b)) + Σ over consecutive candidate splits (m₁, m₂) of
//! (1/π) e^{−b²/2} (t − (b²/4 − 1) t³/6), t = √(1 − m₁(N − m₂)/((N − m₁) m₂)). Both are
//! approximations that can exceed 1 (maxstat prints them as they are); here they are capped at 1.
//!
//! Times are used as given (no near-tie merging), as maxstat does. The ordinary log-rank test of
//! the chosen split ([`Cutpoint::logrank_at_cut`]) is reported for description only: its p-value
//! ignores the search and is too small.

use crate::dist;
use crate::km::check_input;
use crate::logrank::{Survdiff, SurvdiffOptions, survdiff};
use netrx_case::InputError;
use serde::Serialize;

/// Options of [`maxstat`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutpointOptions {
    /// Smallest fraction of observations in the lower group (ε₁, default 0.1).
    pub min_prop: f64,
    /// Largest fraction of observations in the lower group (ε₂, default 0.9).
    pub max_prop: f64,
}

impl Default for CutpointOptions {
    fn default() -> Self {
        CutpointOptions {
            min_prop: 0.1,
            max_prop: 0.9,
        }
    }
}

/// One candidate split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Candidate {
    /// Cut-point c (lower group: marker ≤ c).
    pub cut: f64,
    /// Observations in the lower group.
    pub n_low: usize,
    /// Standardised log-rank statistic.
    pub statistic: f64,
}

/// Result of [`maxstat`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cutpoint {
    /// Observations.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// The estimated cut-point (lower group: marker ≤ cutpoint).
    pub cutpoint: f64,
    /// The maximally selected statistic M.
    pub statistic: f64,
    /// Observations with marker ≤ cutpoint.
    pub n_low: usize,
    /// Observations with marker > cutpoint.
    pub n_high: usize,
    /// Lausen–Schumacher 1992 / Miller–Siegmund p-value (capped at 1).
    pub p_lau92: f64,
    /// Lausen–Sauerbrei–Schumacher 1994 improved-Bonferroni p-value (capped at 1).
    pub p_lau94: f64,
    /// ε₁.
    pub min_prop: f64,
    /// ε₂.
    pub max_prop: f64,
    /// Every candidate split considered.
    pub candidates: Vec<Candidate>,
    /// The ordinary log-rank test of the chosen split (p-value NOT corrected for the search).
    pub logrank_at_cut: Survdiff,
}

/// Miller–Siegmund / Lausen–Schumacher (1992) approximation (maxstat `pLausen92`), uncapped.
pub fn p_lausen92(b: f64, min_prop: f64, max_prop: f64) -> f64 {
    if b < 1.0 {
        return 1.0;
    }
    let db = (-b * b / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let p = 4.0 * db / b + db * (b - 1.0 / b) * ((max_prop * (1.0 - min_prop)) / ((1.0 - max_prop) * min_prop)).ln();
    p.max(0.0)
}

/// Improved Bonferroni bound of Lausen, Sauerbrei & Schumacher (1994) (maxstat `pLausen94`), uncapped.
pub fn p_lausen94(b: f64, n: usize, ms: &[usize]) -> f64 {
    let nf = n as f64;
    let mut d = 0.0;
    for w in ms.windows(2) {
        let (m1, m2) = (w[0] as f64, w[1] as f64);
        let t = (1.0 - m1 * (nf - m2) / ((nf - m1) * m2)).sqrt();
        d += 1.0 / std::f64::consts::PI * (-b * b / 2.0).exp() * (t - (b * b / 4.0 - 1.0) * t.powi(3) / 6.0);
    }
    2.0 * dist::pnorm_upper(b) + d
}

/// Log-rank scores of Hothorn & Lausen (2003): a_i = δ_i − Σ_{t_j ≤ t_i} δ_j/(N − γ_j + 1).
pub fn logrank_scores(time: &[f64], event: &[bool]) -> Vec<f64> {
    let n = time.len();
    let mut ord: Vec<usize> = (0..n).collect();
    ord.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut scores = vec![0.0; n];
    let mut cum = 0.0;
    let mut i = 0;
    while i < n {
        let t = time[ord[i]];
        let mut j = i;
        let mut deaths = 0.0;
        while j < n && time[ord[j]] == t {
            deaths += event[ord[j]] as u8 as f64;
            j += 1;
        }
        // γ = j (the largest rank of the tie group, 1-based)
        cum += deaths / (n as f64 - j as f64 + 1.0);
        for &o in &ord[i..j] {
            scores[o] = event[o] as u8 as f64 - cum;
        }
        i = j;
    }
    scores
}

/// The maximally selected log-rank statistic over the marker's distinct values.
pub fn maxstat(time: &[f64], event: &[bool], marker: &[f64], opts: &CutpointOptions) -> Result<Cutpoint, InputError> {
    check_input(time, event, None)?;
    if marker.len() != time.len() {
        return Err(InputError::new("marker", "marker and times have different lengths"));
    }
    if let Some(v) = marker.iter().find(|v| !v.is_finite()) {
        return Err(InputError::invalid(
            "marker",
            v,
            "finite numbers (drop missing values first)",
        ));
    }
    if !(opts.min_prop >= 0.0 && opts.min_prop < opts.max_prop && opts.max_prop <= 1.0) {
        return Err(InputError::invalid(
            "min_prop/max_prop",
            format!("{} / {}", opts.min_prop, opts.max_prop),
            "0 ≤ min_prop < max_prop ≤ 1",
        ));
    }
    let events = event.iter().filter(|&&e| e).count();
    if events == 0 {
        return Err(InputError::invalid(
            "event",
            "no events in the data",
            "at least one event",
        ));
    }
    let n = time.len();
    let nf = n as f64;
    let scores = logrank_scores(time, event);
    let mut ord: Vec<usize> = (0..n).collect();
    ord.sort_by(|&a, &b| marker[a].total_cmp(&marker[b])); // stable, as R's order()
    let xs: Vec<f64> = ord.iter().map(|&i| marker[i]).collect();
    let ys: Vec<f64> = ord.iter().map(|&i| scores[i]).collect();
    // m = (1-based position of each first occurrence of a distinct value) − 1
    let mut ms: Vec<usize> = (0..n).filter(|&i| i == 0 || xs[i] != xs[i - 1]).collect();
    let lo_bound = (nf * opts.min_prop).floor() as usize;
    let hi_bound = (nf * opts.max_prop).floor() as usize;
    if opts.min_prop == 0.0 && opts.max_prop == 1.0 {
        if ms.len() > 2 {
            ms = ms[1..ms.len() - 1].to_vec();
        } else {
            ms.clear();
        }
    } else {
        if ms.iter().all(|&m| m < lo_bound) {
            return Err(InputError::invalid(
                "min_prop",
                opts.min_prop,
                "a smaller minimum fraction (no split reaches it)",
            ));
        }
        if ms.iter().all(|&m| m > hi_bound) {
            return Err(InputError::invalid(
                "max_prop",
                opts.max_prop,
                "a larger maximum fraction (no split reaches it)",
            ));
        }
        ms.retain(|&m| m >= lo_bound.max(1) && m <= hi_bound);
    }
    if ms.is_empty() {
        return Err(InputError::invalid(
            "marker",
            format!("{} distinct value(s) among {n} observations", {
                let mut d = xs.clone();
                d.dedup();
                d.len()
            }),
            format!(
                "a marker with at least one split leaving between {:.0}% and {:.0}% of observations below it",
                opts.min_prop * 100.0,
                opts.max_prop * 100.0
            ),
        ));
    }
    let ss: f64 = ys.iter().sum();
    let ss2: f64 = ys.iter().map(|y| y * y).sum();
    let mut cum = vec![0.0; n + 1];
    for i in 0..n {
        cum[i + 1] = cum[i] + ys[i];
    }
    let mut candidates = Vec::with_capacity(ms.len());
    let mut best = 0usize;
    for (c, &m) in ms.iter().enumerate() {
        let mf = m as f64;
        let e = mf / nf * ss;
        let v = mf * (nf - mf) / (nf * nf * (nf - 1.0)) * (nf * ss2 - ss * ss);
        let stat = ((cum[m] - e) / v.sqrt()).abs();
        if stat
            > candidates
                .get(best)
                .map_or(f64::NEG_INFINITY, |b: &Candidate| b.statistic)
        {
            best = c;
        }
        candidates.push(Candidate {
            cut: xs[m - 1],
            n_low: m,
            statistic: stat,
        });
    }
    let b = candidates[best];
    if !b.statistic.is_finite() {
        return Err(InputError::invalid(
            "data",
            "no variation in the log-rank scores",
            "events at more than one time, or censored observations",
        ));
    }
    let codes: Vec<u32> = marker.iter().map(|&v| (v > b.cut) as u32).collect();
    let labels = vec![
        format!("marker<={}", fmt_num(b.cut)),
        format!("marker>{}", fmt_num(b.cut)),
    ];
    let logrank_at_cut = survdiff(time, event, &codes, &labels, None, &SurvdiffOptions::default())?;
    Ok(Cutpoint {
        n,
        events,
        cutpoint: b.cut,
        statistic: b.statistic,
        n_low: b.n_low,
        n_high: n - b.n_low,
        p_lau92: p_lausen92(b.statistic, opts.min_prop, opts.max_prop).min(1.0),
        p_lau94: p_lausen94(b.statistic, n, &ms).min(1.0),
        min_prop: opts.min_prop,
        max_prop: opts.max_prop,
        candidates,
        logrank_at_cut,
    })
}

fn fmt_num(v: f64) -> String {
    crate::data::format_level(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_exact_rank_tests_example() {
        // exactRankTests::cscores(Surv(c(1,2,2,3,2), c(1,1,0,1,1)), "LogRank") in R:
        // 0.8 -0.2 -1.2 -1.2 -0.2
        let s = logrank_scores(&[1.0, 2.0, 2.0, 3.0, 2.0], &[true, true, false, true, true]);
        let want = [0.8, -0.2, -1.2, -1.2, -0.2];
        for (a, b) in s.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
    }

    #[test]
    fn lau92_below_one_is_one() {
        assert_eq!(p_lausen92(0.5, 0.1, 0.9), 1.0);
    }
}
