//! Streaming, exactly mergeable summaries.
//!
//! Every per-patient value is quantised to a fixed-point integer with [`FRAC_BITS`]
//! fractional bits (2⁻²⁰ ≈ 9.5·10⁻⁷ of a month, QALY or currency unit) before it is added,
//! and sums and sums of squares are kept as `i128`. Integer addition is associative and
//! commutative, so a summary is bit-for-bit the same whatever the number of threads, the
//! order blocks finish in, or how the run is split into shards and merged. Medians and
//! survival curves come from fixed-bin histograms over [0, horizon] (counts — also exact).
//! Memory is independent of the number of patients.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Fractional bits of the fixed-point sums.
pub const FRAC_BITS: u32 = 20;
const SCALE: f64 = (1u64 << FRAC_BITS) as f64;

/// Quantise a value to fixed point (round half to even — IEEE addition of 1.5·2⁵² — for
/// |x·2²⁰| < 2⁵¹, i.e. |x| < 2·10⁹; `round` beyond). Deterministic on every IEEE-754 platform.
#[inline(always)]
pub fn quantise(x: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    let y = x * SCALE;
    if y.abs() < 2_251_799_813_685_248.0 {
        ((y + MAGIC) - MAGIC) as i64
    } else {
        y.round() as i64
    }
}

/// An `i128` that serialises as a decimal string (JSON numbers are not safe beyond 2⁵³).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wide(pub i128);

impl Serialize for Wide {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Wide {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<i128>()
            .map(Wide)
            .map_err(|_| serde::de::Error::custom(format!("{s:?}: allowed a decimal integer")))
    }
}

/// Count, sum and sum of squares of a quantity (fixed point).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    pub n: u64,
    pub sum: Wide,
    pub sum_sq: Wide,
}

impl Moments {
    /// Add one value.
    #[inline(always)]
    pub fn add(&mut self, x: f64) {
        let q = quantise(x) as i128;
        self.n += 1;
        self.sum.0 += q;
        self.sum_sq.0 += q * q;
    }

    /// Merge another summary.
    pub fn merge(&mut self, o: &Moments) {
        self.n += o.n;
        self.sum.0 += o.sum.0;
        self.sum_sq.0 += o.sum_sq.0;
    }

    /// Mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.sum.0 as f64 / SCALE / self.n as f64
    }

    /// Sample standard deviation.
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = self.n as f64;
        let m = self.sum.0 as f64 / n;
        let var = (self.sum_sq.0 as f64 - m * self.sum.0 as f64) / (n - 1.0);
        var.max(0.0).sqrt() / SCALE
    }

    /// Monte Carlo standard error of the mean.
    pub fn mcse(&self) -> f64 {
        self.sd() / (self.n as f64).sqrt()
    }
}

/// A fixed-bin histogram over [0, horizon); values at the horizon (censored) are counted apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    pub counts: Vec<u64>,
    /// Values equal to the horizon (alive / event-free at the end of the horizon).
    pub at_horizon: u64,
}

impl Histogram {
    /// Empty histogram with `bins` bins.
    pub fn new(bins: usize) -> Histogram {
        Histogram {
            counts: vec![0; bins],
            at_horizon: 0,
        }
    }

    /// Add a value in [0, horizon]; `censored` = reached the horizon.
    #[inline(always)]
    pub fn add(&mut self, x: f64, inv_bin: f64, censored: bool) {
        if censored {
            self.at_horizon += 1;
        } else {
            let i = ((x * inv_bin) as usize).min(self.counts.len() - 1);
            self.counts[i] += 1;
        }
    }

    pub fn merge(&mut self, o: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.at_horizon += o.at_horizon;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.at_horizon
    }

    /// The p-quantile (0 < p < 1), linearly interpolated inside its bin; `None` if it lies
    /// at the horizon (not reached). Accuracy: within one bin width of the exact sample
    /// quantile, and within half a bin where the density is locally flat.
    pub fn quantile(&self, p: f64, bin: f64) -> Option<f64> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let target = p * n as f64;
        let mut cum = 0.0;
        for (i, &c) in self.counts.iter().enumerate() {
            let next = cum + c as f64;
            if next >= target && c > 0 {
                let frac = ((target - cum) / c as f64).clamp(0.0, 1.0);
                return Some((i as f64 + frac) * bin);
            }
            cum = next;
        }
        None
    }

    /// Survival (fraction with a value > t) at each bin edge 0, bin, 2·bin, …, horizon.
    pub fn survival_curve(&self) -> Vec<f64> {
        let n = self.total() as f64;
        let mut out = Vec::with_capacity(self.counts.len() + 1);
        let mut remaining = n;
        out.push(1.0);
        for &c in &self.counts {
            remaining -= c as f64;
            out.push(if n > 0.0 { remaining / n } else { f64::NAN });
        }
        out
    }
}

/// Per-line counts of one sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSummary {
    /// Patients who started the line.
    pub started: u64,
    /// Died on the line.
    pub died: u64,
    /// Progressed on the line (moved on).
    pub progressed: u64,
    /// Still on the line at the horizon.
    pub censored: u64,
    /// Events at times where the PFS hazard was below the death hazard (counted as deaths).
    pub death_capped: u64,
    /// Sum of line durations (fixed point).
    pub duration: Wide,
    /// Sum of time on treatment (fixed point).
    pub on_treatment: Wide,
    /// Grade 3–4 AE counts, per term of the treatment.
    pub aes: Vec<u64>,
}

impl LineSummary {
    pub fn merge(&mut self, o: &LineSummary) {
        self.started += o.started;
        self.died += o.died;
        self.progressed += o.progressed;
        self.censored += o.censored;
        self.death_capped += o.death_capped;
        self.duration.0 += o.duration.0;
        self.on_treatment.0 += o.on_treatment.0;
        for (a, b) in self.aes.iter_mut().zip(&o.aes) {
            *a += b;
        }
    }
}

/// The six per-patient outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantities {
    /// Total progression-free time across lines, months (to the last progression or death).
    pub total_pfs: Moments,
    /// Overall survival, months.
    pub os: Moments,
    /// Time on treatment, months.
    pub on_treatment: Moments,
    /// Grade 3–4 adverse events.
    pub aes: Moments,
    pub qalys: Moments,
    pub costs: Moments,
}

/// One patient's outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PatientOutcome {
    pub total_pfs: f64,
    pub os: f64,
    pub on_treatment: f64,
    pub aes: f64,
    pub qalys: f64,
    pub costs: f64,
}

impl Quantities {
    #[inline(always)]
    pub fn add(&mut self, o: &PatientOutcome) {
        self.total_pfs.add(o.total_pfs);
        self.os.add(o.os);
        self.on_treatment.add(o.on_treatment);
        self.aes.add(o.aes);
        self.qalys.add(o.qalys);
        self.costs.add(o.costs);
    }

    /// Add the difference `o − reference` (per patient; common random numbers).
    #[inline(always)]
    pub fn add_diff(&mut self, o: &PatientOutcome, r: &PatientOutcome) {
        self.total_pfs.add(o.total_pfs - r.total_pfs);
        self.os.add(o.os - r.os);
        self.on_treatment.add(o.on_treatment - r.on_treatment);
        self.aes.add(o.aes - r.aes);
        self.qalys.add(o.qalys - r.qalys);
        self.costs.add(o.costs - r.costs);
    }

    pub fn merge(&mut self, o: &Quantities) {
        self.total_pfs.merge(&o.total_pfs);
        self.os.merge(&o.os);
        self.on_treatment.merge(&o.on_treatment);
        self.aes.merge(&o.aes);
        self.qalys.merge(&o.qalys);
        self.costs.merge(&o.costs);
    }

    /// By name (`total_pfs`, `os`, `on_treatment`, `aes`, `qalys`, `costs`).
    pub fn get(&self, name: &str) -> &Moments {
        match name {
            "total_pfs" => &self.total_pfs,
            "os" => &self.os,
            "on_treatment" => &self.on_treatment,
            "aes" => &self.aes,
            "qalys" => &self.qalys,
            _ => &self.costs,
        }
    }
}

/// Everything kept about one sequence in one PSA draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqSummary {
    pub outcomes: Quantities,
    /// Per-patient differences to the first sequence (zero for the first).
    pub vs_first: Quantities,
    pub lines_started: u64,
    pub alive_at_horizon: u64,
    pub total_pfs_hist: Histogram,
    pub os_hist: Histogram,
    pub lines: Vec<LineSummary>,
}

impl SeqSummary {
    /// Empty summary for a sequence with the given AE term counts per line.
    pub fn new(bins: usize, ae_terms_per_line: &[usize]) -> SeqSummary {
        SeqSummary {
            outcomes: Quantities::default(),
            vs_first: Quantities::default(),
            lines_started: 0,
            alive_at_horizon: 0,
            total_pfs_hist: Histogram::new(bins),
            os_hist: Histogram::new(bins),
            lines: ae_terms_per_line
                .iter()
                .map(|&k| LineSummary {
                    aes: vec![0; k],
                    ..LineSummary::default()
                })
                .collect(),
        }
    }

    pub fn merge(&mut self, o: &SeqSummary) {
        self.outcomes.merge(&o.outcomes);
        self.vs_first.merge(&o.vs_first);
        self.lines_started += o.lines_started;
        self.alive_at_horizon += o.alive_at_horizon;
        self.total_pfs_hist.merge(&o.total_pfs_hist);
        self.os_hist.merge(&o.os_hist);
        for (a, b) in self.lines.iter_mut().zip(&o.lines) {
            a.merge(b);
        }
    }
}

/// All sequences of one PSA draw (draw 0 = base case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawSummary {
    pub draw: u64,
    pub sequences: Vec<SeqSummary>,
}

impl DrawSummary {
    pub fn merge(&mut self, o: &DrawSummary) {
        for (a, b) in self.sequences.iter_mut().zip(&o.sequences) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantise_rounds_to_nearest() {
        let u = 1.0 / SCALE;
        assert_eq!(quantise(0.0), 0);
        assert_eq!(quantise(1.0), 1 << 20);
        assert_eq!(quantise(-1.0), -(1 << 20));
        assert_eq!(quantise(0.4 * u), 0);
        assert_eq!(quantise(0.6 * u), 1);
        assert_eq!(quantise(-0.6 * u), -1);
        assert_eq!(quantise(1.5 * u), 2);
        assert_eq!(quantise(2.5 * u), 2, "half to even");
        assert_eq!(quantise(3e9), (3e9 * SCALE).round() as i64);
    }

    #[test]
    fn moments_merge_exactly_in_any_order() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64 / 37.0 + 0.1).collect();
        let mut all = Moments::default();
        xs.iter().for_each(|&x| all.add(x));
        let mut a = Moments::default();
        let mut b = Moments::default();
        xs[..333].iter().for_each(|&x| a.add(x));
        xs[333..].iter().rev().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(all, b);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0).sqrt();
        // Quantisation error ≤ 2^-21 per value.
        assert!((all.mean() - mean).abs() < 1e-6);
        assert!((all.sd() - sd).abs() < 1e-6);
    }

    #[test]
    fn histogram_quantile_is_within_a_bin() {
        let mut h = Histogram::new(100);
        let xs: Vec<f64> = (0..999).map(|i| i as f64 * 0.1).collect();
        xs.iter().for_each(|&x| h.add(x, 1.0, false));
        let med = h.quantile(0.5, 1.0).unwrap();
        assert!((med - 49.9).abs() <= 1.0, "median {med}");
        let mut c = Histogram::new(10);
        (0..10).for_each(|_| c.add(10.0, 1.0, true));
        c.add(1.5, 1.0, false);
        assert_eq!(c.quantile(0.5, 1.0), None);
        let s = c.survival_curve();
        assert_eq!(s.len(), 11);
        assert!((s[2] - 10.0 / 11.0).abs() < 1e-12);
    }
}
