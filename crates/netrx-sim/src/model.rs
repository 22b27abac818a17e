//! The resolved simulation model: every number is a [`Param`] with its base value, its PSA
//! distribution and where it comes from. The model is what a SPEC file (plus the knowledge
//! base) resolves to, what a shard's part file carries, and what the report is built from, so
//! `simulate-merge` needs neither the SPEC nor the knowledge base.

use crate::dist::{Dist, Family};
use crate::rng::ParamStream;
use serde::{Deserialize, Serialize};

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Publication / knowledge-base reference, or the SPEC's stated source.
    pub reference: String,
    /// `verified`, `verified_secondary`, `unverified`, `derived` (knowledge base statuses),
    /// `user_input` (stated in the SPEC) or `illustrative` (a labelled illustrative default —
    /// not evidence).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// PSA distribution of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Psa {
    /// Not varied (no uncertainty information).
    Fixed,
    /// base · exp(sdlog · z): a median, rate or ratio with a log-scale standard error.
    Lognormal { sdlog: f64 },
    /// Beta(alpha, beta): a probability or utility.
    Beta { alpha: f64, beta: f64 },
    /// Gamma(shape, scale): a positive amount (disutility, cost).
    Gamma { shape: f64, scale: f64 },
    /// Component `index` of multivariate-normal group `group` (an explicit fit's theta).
    Mvn { group: usize, index: usize },
}

impl Psa {
    /// A short human description.
    pub fn describe(&self) -> String {
        match self {
            Psa::Fixed => "fixed".into(),
            Psa::Lognormal { sdlog } => format!("lognormal, SE(log) {sdlog:.4}"),
            Psa::Beta { alpha, beta } => format!("Beta({alpha:.4}, {beta:.4})"),
            Psa::Gamma { shape, scale } => format!("Gamma(shape {shape:.4}, scale {scale:.4})"),
            Psa::Mvn { group, index } => format!("multivariate normal (fit {group}, component {index})"),
        }
    }
}

/// One model input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Dotted name (`everolimus.median_months`, `utilities.after_last_line`).
    pub name: String,
    /// Base-case value.
    pub base: f64,
    pub unit: String,
    pub psa: Psa,
    pub provenance: Provenance,
}

/// A multivariate normal group (the theta of an explicit parametric fit with its covariance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MvnGroup {
    pub name: String,
    pub mean: Vec<f64>,
    /// Lower-triangular Cholesky factor, row-major (k × k).
    pub chol: Vec<f64>,
}

/// How a line's (or the after-last-line) event time is distributed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum TimeModel {
    /// Exponential with the median in param `median`.
    ExponentialMedian { median: usize },
    /// Exponential with the rate (per month) in param `rate`.
    ExponentialRate { rate: usize },
    /// Exponential with median = control median / HR (proportional hazards).
    ExponentialMedianOverHr { control_median: usize, hr: usize },
    /// A parametric family with theta (internal scale) in params `theta`.
    Parametric { family: Family, theta: Vec<usize> },
}

impl TimeModel {
    /// The distribution for parameter values `v`.
    pub fn dist(&self, v: &[f64]) -> Option<Dist> {
        match self {
            TimeModel::ExponentialMedian { median } => Dist::exponential_from_median(v[*median]),
            TimeModel::ExponentialRate { rate } => Dist::from_natural(Family::Exponential, &[v[*rate]]),
            TimeModel::ExponentialMedianOverHr { control_median, hr } => {
                Dist::exponential_from_median(v[*control_median] / v[*hr])
            }
            TimeModel::Parametric { family, theta } => {
                let t: Vec<f64> = theta.iter().map(|&i| v[i]).collect();
                Dist::from_theta(*family, &t)
            }
        }
    }

    /// The parameters it uses.
    pub fn params(&self) -> Vec<usize> {
        match self {
            TimeModel::ExponentialMedian { median } => vec![*median],
            TimeModel::ExponentialRate { rate } => vec![*rate],
            TimeModel::ExponentialMedianOverHr { control_median, hr } => vec![*control_median, *hr],
            TimeModel::Parametric { theta, .. } => theta.clone(),
        }
    }
}

/// What a line's time distribution measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// Progression or death (death is split off with the cause-specific death hazard).
    Pfs,
    /// Progression only (deaths censored): death competes independently.
    Ttp,
}

/// One grade 3–4 adverse event of a treatment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AeTerm {
    pub term: String,
    /// Param: probability per line (per patient, per course).
    pub probability: usize,
    /// Param: utility decrement while it lasts.
    pub decrement: usize,
    /// Duration of the decrement, months.
    pub duration_months: f64,
    /// Param: cost per event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<usize>,
}

/// A treatment (one line's content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Treatment {
    pub id: String,
    pub label: String,
    pub time: TimeModel,
    pub endpoint: Endpoint,
    /// Treatment stops after this long even without progression (e.g. 4 PRRT cycles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_treatment_months: Option<f64>,
    /// Param: utility while on this line.
    pub utility: usize,
    pub aes: Vec<AeTerm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_month: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_once: Option<usize>,
}

/// A line of a sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Index into [`Model::treatments`].
    pub treatment: usize,
    /// Param: a hazard ratio applied to this line only (position effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hr: Option<usize>,
}

/// A treatment sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub id: String,
    pub label: String,
    pub lines: Vec<Line>,
}

/// Cost settings (all optional inputs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostSettings {
    pub currency: String,
    /// Willingness-to-pay thresholds per QALY for the acceptability results.
    pub wtp_per_qaly: Vec<f64>,
}

/// The resolved model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    pub horizon_months: f64,
    /// Width of the histogram bins of total PFS and OS (medians, curves), months.
    pub bin_months: f64,
    /// Annual discount rates (0 = undiscounted).
    pub discount_qalys: f64,
    pub discount_costs: f64,
    pub treatments: Vec<Treatment>,
    pub sequences: Vec<Sequence>,
    /// Cause-specific death hazard while on a line: an exponential (constant hazard).
    pub death_during_lines: TimeModel,
    /// Survival after progression on the last line.
    pub after_last_line: TimeModel,
    /// Param: utility after the last line.
    pub utility_after_last_line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_after_last_line_per_month: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs: Option<CostSettings>,
    pub params: Vec<Param>,
    pub groups: Vec<MvnGroup>,
    /// Modelling assumptions (shown in every output).
    pub assumptions: Vec<String>,
    /// Warnings about inputs (unverified sources, fixed PSA parameters, population fit).
    pub warnings: Vec<String>,
    /// Knowledge-base version the inputs were resolved against.
    pub knowledge_version: String,
}

impl Model {
    /// Base-case parameter values.
    pub fn base_values(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.base).collect()
    }

    /// Parameter values of PSA draw `draw` (draw 0 = base case), from the draw's own stream.
    pub fn draw_values(&self, seed: u64, draw: u64) -> Vec<f64> {
        let mut v = self.base_values();
        if draw == 0 {
            return v;
        }
        let mut s = ParamStream::new(seed, draw);
        // Multivariate-normal groups first (in group order), then the rest in parameter order.
        let mut group_draws: Vec<Vec<f64>> = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let k = g.mean.len();
            let z: Vec<f64> = (0..k).map(|_| s.normal()).collect();
            let x: Vec<f64> = (0..k)
                .map(|i| g.mean[i] + (0..=i).map(|j| g.chol[i * k + j] * z[j]).sum::<f64>())
                .collect();
            group_draws.push(x);
        }
        for (i, p) in self.params.iter().enumerate() {
            v[i] = match &p.psa {
                Psa::Fixed => p.base,
                Psa::Lognormal { sdlog } => p.base * (sdlog * s.normal()).exp(),
                Psa::Beta { alpha, beta } => s.beta(*alpha, *beta),
                Psa::Gamma { shape, scale } => s.gamma(*shape) * scale,
                Psa::Mvn { group, index } => group_draws[*group][*index],
            };
        }
        v
    }

    /// Number of lines of the longest sequence.
    pub fn max_lines(&self) -> usize {
        self.sequences.iter().map(|s| s.lines.len()).max().unwrap_or(0)
    }
}
