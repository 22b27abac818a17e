//! Kaplan–Meier estimation exactly as R's `survfit(Surv(time, status) ~ g)` (survival 3.5-3).
//!
//! - **Estimator**: S(t) = Π_{t_j ≤ t} (1 − d_j/n_j) over distinct times; a subject censored
//!   at an event time is still at risk at that time.
//! - **Variance**: Greenwood. [`KmCurve::std_err`] is what R stores in `fit$std.err`: the standard
//!   error of −log S(t), σ(t) = √Σ d_j/(n_j(n_j − d_j)). The standard error of S itself (what
//!   `summary(fit)$std.err` prints, and the `std_err` of [`SummaryRow`]) is S·σ. When the last
//!   subjects at risk all die (n_j = d_j), σ = ∞, the SE of S is NaN and the limits are NA there,
//!   as in R.
//! - **Pointwise limits** ([`ConfType`]): `log` (R's default) S·e^{∓zσ}, upper capped at 1;
//!   `log-log` exp(−exp(log(−log S) ∓ zσ/log S)), NA where S is 0 or 1; `plain` S ∓ zSσ clipped to [0, 1].
//!   NaN stands for R's NA.
//! - **Near-tied times** (R's `timefix = TRUE`, `aeqSurv()`): sorted distinct times whose gap is
//!   ≤ √ε (≈1.49e-8) absolutely, or relative to the mean of the absolute distinct times, are merged
//!   to the smallest of the run, before anything else (over all groups). On by default
//!   ([`KmOptions::timefix`]); turn it off to treat every distinct floating-point value as its own
//!   time (what lifelines does).
//! - **Median and its limits** ([`KmCurve::median`]): R's `print.survfit` rule — the first time S
//!   (resp. the lower / upper band) is ≤ 0.5; if S is exactly 0.5 (within √ε) on a flat stretch
//!   that is followed by a further drop, the midpoint of that stretch. The limits therefore
//!   depend on the confidence type (Brookmeyer–Crowley with R's transformed bands).
//! - **Any quantile** ([`KmCurve::quantiles`]): R's `quantile.survfit` rule (same midpoint rule;
//!   a flat stretch at exactly 1 − p that lasts to the end of follow-up gives the midpoint between
//!   its start and the last follow-up time).
//! - **Speed**: one radix sort of the (time, group, status) keys, then one linear pass.

use crate::dist;
use netrx_case::InputError;
use serde::Serialize;

/// √ε, R's default tolerance for `aeqSurv` and quantiles.
pub const TIME_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// Pointwise confidence-interval transform (R's `conf.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum ConfType {
    /// CI of log S (R's default).
    #[default]
    #[serde(rename = "log")]
    Log,
    /// CI of log(−log S) (Kalbfleisch–Prentice; lifelines', SAS's and Stata's default).
    #[serde(rename = "log-log")]
    LogLog,
    /// Linear CI of S.
    #[serde(rename = "plain")]
    Plain,
}

impl ConfType {
    /// The names accepted on the command line.
    pub const CHOICES: [&'static str; 3] = ["log", "log-log", "plain"];

    /// R's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfType::Log => "log",
            ConfType::LogLog => "log-log",
            ConfType::Plain => "plain",
        }
    }

    /// Parse R's name (`log`, `log-log`, `plain`; `loglog` accepted).
    pub fn parse(s: &str) -> Result<Self, InputError> {
        match s {
            "log" => Ok(ConfType::Log),
            "log-log" | "loglog" => Ok(ConfType::LogLog),
            "plain" => Ok(ConfType::Plain),
            _ => Err(InputError::invalid(
                "conf_type",
                format!("{s:?}"),
                "log, log-log, plain",
            )),
        }
    }
}

/// Options of a Kaplan–Meier fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KmOptions {
    /// CI transform (default `log`, as R).
    pub conf_type: ConfType,
    /// Confidence level (default 0.95).
    pub conf_level: f64,
    /// Merge near-tied times as R's `timefix = TRUE` does (default true).
    pub timefix: bool,
}

impl Default for KmOptions {
    fn default() -> Self {
        KmOptions {
            conf_type: ConfType::Log,
            conf_level: 0.95,
            timefix: true,
        }
    }
}

/// One Kaplan–Meier curve, one entry per distinct time (event or censoring), as R's `survfit` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmCurve {
    /// The group label (`sex=1`), or empty for a single curve.
    pub label: String,
    /// Subjects.
    pub n: usize,
    /// Events.
    pub events: usize,
    /// Distinct times (after near-tie merging), ascending.
    pub time: Vec<f64>,
    /// Number at risk just before each time.
    pub n_risk: Vec<u64>,
    /// Events at each time.
    pub n_event: Vec<u64>,
    /// Censorings at each time.
    pub n_censor: Vec<u64>,
    /// S(t).
    pub surv: Vec<f64>,
    /// Standard error of −log S(t) (R's `fit$std.err`); ∞ after n = d.
    pub std_err: Vec<f64>,
    /// Lower pointwise limit (NaN = NA).
    pub lower: Vec<f64>,
    /// Upper pointwise limit (NaN = NA).
    pub upper: Vec<f64>,
    /// CI transform used.
    pub conf_type: ConfType,
    /// Confidence level used.
    pub conf_level: f64,
}

/// A median or quantile with its confidence limits (NaN = not reached / NA).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// The probability (0.5 for the median).
    pub p: f64,
    /// The time by which a fraction p has had the event.
    pub time: f64,
    /// Lower confidence limit.
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
}

/// One row of R's `summary(fit, times = …)` (or of the default summary at event times).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Time.
    pub time: f64,
    /// Number at risk at that time.
    pub n_risk: u64,
    /// Events since the previous row (at the event time itself for the default summary).
    pub n_event: u64,
    /// Censorings since the previous row.
    pub n_censor: u64,
    /// S(t).
    pub surv: f64,
    /// Standard error of S(t) (Greenwood), NaN where undefined.
    pub std_err: f64,
    /// Lower limit (NaN = NA).
    pub lower: f64,
    /// Upper limit (NaN = NA).
    pub upper: f64,
}

/// Key of a non-negative finite time whose bit pattern sorts as the number.
#[inline]
pub(crate) fn time_key(t: f64) -> u64 {
    (t + 0.0).to_bits() // + 0.0 turns −0 into +0
}

/// LSD radix sort of `keys` carrying `vals`, 8 bits a pass; passes on a byte that is the same in
/// every key are skipped (integer-valued times need only 2–3 passes).
pub(crate) fn radix_sort(keys: &mut Vec<u64>, vals: &mut Vec<u32>) {
    let n = keys.len();
    if n < 64 {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by_key(|&i| keys[i]);
        *keys = idx.iter().map(|&i| keys[i]).collect();
        *vals = idx.iter().map(|&i| vals[i]).collect();
        return;
    }
    let mut hist = vec![[0usize; 256]; 8];
    for &k in keys.iter() {
        for (b, h) in hist.iter_mut().enumerate() {
            h[((k >> (8 * b)) & 0xff) as usize] += 1;
        }
    }
    let mut k2 = vec![0u64; n];
    let mut v2 = vec![0u32; n];
    for (b, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue;
        }
        let mut offs = [0usize; 256];
        let mut acc = 0;
        for d in 0..256 {
            offs[d] = acc;
            acc += h[d];
        }
        let shift = 8 * b;
        for i in 0..n {
            let k = keys[i];
            let d = ((k >> shift) & 0xff) as usize;
            let o = offs[d];
            k2[o] = k;
            v2[o] = vals[i];
            offs[d] = o + 1;
        }
        std::mem::swap(keys, &mut k2);
        std::mem::swap(vals, &mut v2);
    }
}

/// Check times (finite, ≥ 0) and lengths; shared by KM and log-rank.
pub(crate) fn check_input(time: &[f64], event: &[bool], codes: Option<&[u32]>) -> Result<(), InputError> {
    if time.len() != event.len() || codes.is_some_and(|c| c.len() != time.len()) {
        return Err(InputError::new(
            "data",
            format!(
                "time, event (and group) have different lengths ({}, {})",
                time.len(),
                event.len()
            ),
        ));
    }
    if time.is_empty() {
        return Err(InputError::invalid(
            "data",
            "no observations",
            "at least one observation",
        ));
    }
    if let Some((i, t)) = time.iter().enumerate().find(|(_, t)| !(t.is_finite() && **t >= 0.0)) {
        return Err(InputError::invalid(
            "time",
            format!("{t} at observation {}", i + 1),
            "finite times ≥ 0",
        ));
    }
    Ok(())
}

/// R's `aeqSurv()` applied in place to sorted time keys ([`time_key`] of non-negative times):
/// consecutive distinct values whose gap is ≤ √ε absolutely, or relative to the mean of the
/// absolute distinct values, are replaced by the first value of their run.
pub(crate) fn timefix_sorted_keys(keys: &mut [u64]) {
    let tol = TIME_TOLERANCE;
    let (mut sum, mut m) = (0.0, 0usize);
    let mut prev = u64::MAX;
    for &k in keys.iter() {
        if k != prev {
            sum += f64::from_bits(k);
            m += 1;
            prev = k;
        }
    }
    if m < 2 {
        return;
    }
    let mean_abs = sum / m as f64;
    let mut prev_val = f64::NAN;
    let mut cut = 0u64;
    let mut last_raw = u64::MAX;
    for k in keys.iter_mut() {
        if *k == last_raw {
            *k = cut;
            continue;
        }
        let v = f64::from_bits(*k);
        last_raw = *k;
        let merged = !prev_val.is_nan() && {
            let dy = v - prev_val;
            dy <= tol || dy / mean_abs <= tol
        };
        prev_val = v;
        if !merged {
            cut = *k;
        }
        *k = cut;
    }
}

/// Sorted distinct times with, per distinct time and group, the event and censoring counts.
pub(crate) struct Tabulated {
    /// Distinct (merged) times per group, with (d, c) counts.
    pub per_group: Vec<GroupTable>,
}

#[derive(Default, Clone)]
pub(crate) struct GroupTable {
    pub time: Vec<f64>,
    pub d: Vec<u64>,
    pub c: Vec<u64>,
}

/// Sort once and count events/censorings per (merged) distinct time and group.
/// `codes[i]` < `ngroups`. With `timefix`, near-ties are merged over all observations (R's aeqSurv).
pub(crate) fn tabulate(
    time: &[f64],
    event: &[bool],
    codes: Option<&[u32]>,
    ngroups: usize,
    timefix: bool,
) -> Tabulated {
    let n = time.len();
    let mut keys: Vec<u64> = time.iter().map(|&t| time_key(t)).collect();
    let mut vals: Vec<u32> = match codes {
        Some(c) => c.iter().zip(event).map(|(&g, &e)| (g << 1) | e as u32).collect(),
        None => event.iter().map(|&e| e as u32).collect(),
    };
    radix_sort(&mut keys, &mut vals);

    if timefix {
        timefix_sorted_keys(&mut keys);
    }
    let mut per_group = vec![GroupTable::default(); ngroups.max(1)];
    let mut i = 0;
    while i < n {
        let k = keys[i];
        let t = f64::from_bits(k);
        while i < n && keys[i] == k {
            let p = vals[i];
            let g = (p >> 1) as usize;
            let gt = &mut per_group[g];
            if gt.time.last() != Some(&t) {
                gt.time.push(t);
                gt.d.push(0);
                gt.c.push(0);
            }
            let last = gt.d.len() - 1;
            if p & 1 == 1 {
                gt.d[last] += 1;
            } else {
                gt.c[last] += 1;
            }
            i += 1;
        }
    }
    Tabulated { per_group }
}

/// Pointwise limits from S and σ (SE of −log S), R's `survfit_confint(logse = TRUE)`.
pub fn conf_limits(s: f64, sigma: f64, z: f64, ct: ConfType) -> (f64, f64) {
    match ct {
        ConfType::Plain => {
            let se2 = sigma * s * z;
            if se2.is_nan() {
                return (f64::NAN, f64::NAN);
            }
            ((s - se2).max(0.0), (s + se2).min(1.0))
        }
        ConfType::Log => {
            if s == 0.0 || sigma.is_nan() {
                return (f64::NAN, f64::NAN);
            }
            let se2 = z * sigma;
            ((s.ln() - se2).exp(), (s.ln() + se2).exp().min(1.0))
        }
        ConfType::LogLog => {
            if s == 0.0 || s == 1.0 || sigma.is_nan() {
                return (f64::NAN, f64::NAN);
            }
            let se2 = z * sigma / s.ln();
            let ll = (-s.ln()).ln();
            ((-(ll - se2).exp()).exp(), (-(ll + se2).exp()).exp())
        }
    }
}

fn build_curve(label: String, gt: GroupTable, opts: &KmOptions) -> KmCurve {
    let m = gt.time.len();
    let n: u64 = gt.d.iter().sum::<u64>() + gt.c.iter().sum::<u64>();
    let z = dist::z_for_level(opts.conf_level);
    let mut n_risk = Vec::with_capacity(m);
    let mut surv = Vec::with_capacity(m);
    let mut std_err = Vec::with_capacity(m);
    let mut lower = Vec::with_capacity(m);
    let mut upper = Vec::with_capacity(m);
    let (mut at_risk, mut s, mut gw) = (n, 1.0f64, 0.0f64);
    for k in 0..m {
        let (d, c) = (gt.d[k], gt.c[k]);
        n_risk.push(at_risk);
        if d > 0 {
            let nr = at_risk as f64;
            let df = d as f64;
            s *= (nr - df) / nr;
            gw += if d == at_risk {
                f64::INFINITY
            } else {
                df / (nr * (nr - df))
            };
        }
        let sigma = gw.sqrt();
        let (lo, hi) = conf_limits(s, sigma, z, opts.conf_type);
        surv.push(s);
        std_err.push(sigma);
        lower.push(lo);
        upper.push(hi);
        at_risk -= d + c;
    }
    let events = gt.d.iter().sum::<u64>() as usize;
    KmCurve {
        label,
        n: n as usize,
        events,
        time: gt.time,
        n_risk,
        n_event: gt.d,
        n_censor: gt.c,
        surv,
        std_err,
        lower,
        upper,
        conf_type: opts.conf_type,
        conf_level: opts.conf_level,
    }
}

fn check_level(opts: &KmOptions) -> Result<(), InputError> {
    if !(opts.conf_level > 0.0 && opts.conf_level < 1.0) {
        return Err(InputError::invalid(
            "conf_level",
            opts.conf_level,
            "a confidence level strictly between 0 and 1",
        ));
    }
    Ok(())
}

/// One Kaplan–Meier curve over all observations.
pub fn survfit(time: &[f64], event: &[bool], opts: &KmOptions) -> Result<KmCurve, InputError> {
    check_input(time, event, None)?;
    check_level(opts)?;
    let mut tab = tabulate(time, event, None, 1, opts.timefix);
    Ok(build_curve(String::new(), tab.per_group.swap_remove(0), opts))
}

/// One curve per group: `codes[i]` indexes `labels`. Groups without observations are omitted.
/// Near-tie merging (if on) is done over all observations together, as R does.
pub fn survfit_groups(
    time: &[f64],
    event: &[bool],
    codes: &[u32],
    labels: &[String],
    opts: &KmOptions,
) -> Result<Vec<KmCurve>, InputError> {
    check_input(time, event, Some(codes))?;
    check_level(opts)?;
    if let Some(&c) = codes.iter().find(|&&c| c as usize >= labels.len()) {
        return Err(InputError::invalid(
            "group",
            format!("code {c}"),
            format!("codes below {}", labels.len()),
        ));
    }
    let tab = tabulate(time, event, Some(codes), labels.len(), opts.timefix);
    Ok(tab
        .per_group
        .into_iter()
        .zip(labels)
        .filter(|(gt, _)| !gt.time.is_empty())
        .map(|(gt, l)| build_curve(l.clone(), gt, opts))
        .collect())
}

/// R's `minmin()` inside `survmean()`: the first time `y` ≤ 0.5 (within √ε), or the midpoint of
/// a flat stretch at exactly 0.5 that is followed by a further drop.
fn minmin(y: &[f64], x: &[f64]) -> f64 {
    let tol = TIME_TOLERANCE;
    let kept: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan() && y[i] < 0.5 + tol).collect();
    let Some(&first) = kept.first() else {
        return f64::NAN;
    };
    let y1 = y[first];
    if (y1 - 0.5).abs() < tol
        && let Some(&next) = kept.iter().find(|&&i| y[i] < y1)
    {
        return (x[first] + x[next]) / 2.0;
    }
    x[first]
}

/// R's `findq()` in `quantile.survfit`: where the horizontal line at p meets the CDF 1 − S
/// (x starts with 0, y with 0), with the midpoint rule for flat stretches.
fn findq(x: &[f64], y: &[f64], probs: &[f64]) -> Vec<f64> {
    let tol = TIME_TOLERANCE;
    let ymax = y
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::NEG_INFINITY, f64::max);
    let pmin = probs.iter().copied().fold(f64::INFINITY, f64::min);
    if ymax < pmin {
        return vec![f64::NAN; probs.len()];
    }
    let xmax = *x.last().unwrap_or(&f64::NAN);
    // drop duplicated y values (keep the first occurrence; NaN counts as one value)
    let mut xs = Vec::with_capacity(x.len());
    let mut ys: Vec<f64> = Vec::with_capacity(y.len());
    let mut seen = std::collections::HashSet::with_capacity(y.len());
    for (xi, yi) in x.iter().zip(y) {
        let key = if yi.is_nan() { u64::MAX } else { (yi + 0.0).to_bits() };
        if seen.insert(key) {
            xs.push(*xi);
            ys.push(*yi);
        }
    }
    // approx(y ± tol, index, p, "constant", f = 1): pairs with NaN dropped, sorted by y
    let mut order: Vec<usize> = (0..ys.len()).filter(|&i| !ys[i].is_nan()).collect();
    order.sort_by(|&a, &b| ys[a].total_cmp(&ys[b]));
    let lookup = |p: f64, shift: f64| -> Option<usize> {
        let first = ys[*order.first()?] + shift;
        let last = ys[*order.last()?] + shift;
        if p < first || p > last {
            return None;
        }
        order.iter().copied().find(|&i| ys[i] + shift >= p)
    };
    let last_y = *ys.last().unwrap_or(&f64::NAN);
    probs
        .iter()
        .map(|&p| {
            if p == 0.0 {
                return xs[0];
            }
            let i1 = lookup(p, tol);
            let i2 = lookup(p, -tol);
            if !last_y.is_nan()
                && (p - last_y).abs() < tol
                && let Some(i1) = i1
            {
                return (xs[i1] + xmax) / 2.0;
            }
            match (i1, i2) {
                (Some(a), Some(b)) => (xs[a] + xs[b]) / 2.0,
                _ => f64::NAN,
            }
        })
        .collect()
}

impl KmCurve {
    /// The median and its confidence limits, as R's `print.survfit` reports them.
    pub fn median(&self) -> Quantile {
        Quantile {
            p: 0.5,
            time: minmin(&self.surv, &self.time),
            lower: minmin(&self.lower, &self.time),
            upper: minmin(&self.upper, &self.time),
        }
    }

    /// Quantiles (fractions with the event, 0 ≤ p ≤ 1) with limits, as R's `quantile.survfit`.
    pub fn quantiles(&self, probs: &[f64]) -> Result<Vec<Quantile>, InputError> {
        if let Some(p) = probs.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(InputError::invalid("quantiles", p, "probabilities between 0 and 1"));
        }
        let mut x = Vec::with_capacity(self.time.len() + 1);
        x.push(0.0f64.min(self.time.first().copied().unwrap_or(0.0)));
        x.extend_from_slice(&self.time);
        let cdf = |v: &[f64]| -> Vec<f64> { std::iter::once(0.0).chain(v.iter().map(|s| 1.0 - s)).collect() };
        let q = findq(&x, &cdf(&self.surv), probs);
        let lo = findq(&x, &cdf(&self.lower), probs);
        let hi = findq(&x, &cdf(&self.upper), probs);
        Ok(probs
            .iter()
            .enumerate()
            .map(|(k, &p)| Quantile {
                p,
                time: q[k],
                lower: lo[k],
                upper: hi[k],
            })
            .collect())
    }

    /// Index of the last curve time ≤ t.
    fn index_at(&self, t: f64) -> Option<usize> {
        let k = self.time.partition_point(|&x| x <= t);
        k.checked_sub(1)
    }

    /// S(t) (1 before the first time).
    pub fn surv_at(&self, t: f64) -> f64 {
        self.index_at(t).map(|k| self.surv[k]).unwrap_or(1.0)
    }

    /// Number at risk at time t (the number still under observation just before t).
    pub fn n_risk_at(&self, t: f64) -> u64 {
        let k = self.time.partition_point(|&x| x < t);
        self.n_risk.get(k).copied().unwrap_or(0)
    }

    /// R's `summary(fit)`: one row per event time.
    pub fn summary_events(&self) -> Vec<SummaryRow> {
        let mut rows = Vec::new();
        let mut censored_since = 0;
        for k in 0..self.time.len() {
            if self.n_event[k] > 0 {
                rows.push(self.row(k, self.time[k], self.n_risk[k], self.n_event[k], censored_since));
                censored_since = self.n_censor[k];
            } else {
                censored_since += self.n_censor[k];
            }
        }
        rows
    }

    fn row(&self, k: usize, t: f64, n_risk: u64, n_event: u64, n_censor: u64) -> SummaryRow {
        let s = self.surv[k];
        SummaryRow {
            time: t,
            n_risk,
            n_event,
            n_censor,
            surv: s,
            std_err: s * self.std_err[k],
            lower: self.lower[k],
            upper: self.upper[k],
        }
    }

    /// R's `summary(fit, times = …)` (extend = FALSE): rows at the requested times, sorted;
    /// times after the last follow-up time are left out (returned second). Events and
    /// censorings are counted since the previous requested time.
    pub fn summary_at(&self, times: &[f64]) -> (Vec<SummaryRow>, Vec<f64>) {
        let mut ts: Vec<f64> = times.to_vec();
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        let last = self.time.last().copied().unwrap_or(f64::NEG_INFINITY);
        let (keep, beyond): (Vec<f64>, Vec<f64>) = ts.into_iter().partition(|&t| t <= last);
        let mut rows = Vec::with_capacity(keep.len());
        let mut from = 0usize; // first curve index not yet counted
        for t in keep {
            let upto = self.time.partition_point(|&x| x <= t);
            let d: u64 = self.n_event[from..upto].iter().sum();
            let c: u64 = self.n_censor[from..upto].iter().sum();
            from = upto.max(from);
            let nr = self.n_risk_at(t);
            rows.push(match self.index_at(t) {
                Some(k) => self.row(k, t, nr, d, c),
                None => SummaryRow {
                    time: t,
                    n_risk: nr,
                    n_event: d,
                    n_censor: c,
                    surv: 1.0,
                    std_err: 0.0,
                    lower: 1.0,
                    upper: 1.0,
                },
            });
        }
        (rows, beyond)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_example_censored_at_event_time_stays_at_risk() {
        // stats-anchors §1.1: times (1,2,2,2,3,4), status (1,1,0,1,1,0): at t=2 n.risk=5, n.event=2, S=0.5
        let t = [1.0, 2.0, 2.0, 2.0, 3.0, 4.0];
        let e = [true, true, false, true, true, false];
        let f = survfit(&t, &e, &KmOptions::default()).unwrap();
        assert_eq!(f.time, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(f.n_risk, vec![6, 5, 2, 1]);
        assert_eq!(f.n_event[1], 2);
        assert!((f.surv[1] - 0.5).abs() < 1e-15);
    }

    #[test]
    fn radix_sort_sorts_with_payload() {
        let mut x: u64 = 12345;
        let mut keys = Vec::new();
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            keys.push(time_key((x % 100_000) as f64 / 7.0));
        }
        let mut vals: Vec<u32> = (0..1000).collect();
        let orig = keys.clone();
        radix_sort(&mut keys, &mut vals);
        assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        assert!(vals.iter().zip(&keys).all(|(&v, &k)| orig[v as usize] == k));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(survfit(&[], &[], &KmOptions::default()).is_err());
        assert!(survfit(&[1.0, f64::NAN], &[true, false], &KmOptions::default()).is_err());
        assert!(survfit(&[1.0, -1.0], &[true, false], &KmOptions::default()).is_err());
        let bad = KmOptions {
            conf_level: 1.0,
            ..KmOptions::default()
        };
        assert!(survfit(&[1.0], &[true], &bad).is_err());
        assert!(ConfType::parse("logit").is_err());
    }
}
