//! The report of a complete run (single or merged): per-sequence outcomes with Monte Carlo
//! errors and PSA intervals, the comparison with the first sequence, optional
//! cost-effectiveness results, the inputs with their sources, and the assumptions. Every
//! report carries the label that it is modelling, not evidence.

use crate::engine::{Part, SimError, check_shapes};
use crate::summary::{DrawSummary, Histogram, Moments};
use serde::Serialize;

/// Shown at the top of every output.
pub const LABEL: &str = "MODELLING, NOT EVIDENCE: a microsimulation of treatment sequences that no trial has compared. \
Every number is a model output that depends on the inputs and assumptions listed with it; it is not a trial result \
and must not be read as evidence that one sequence is better.";

/// The outcomes reported, in order: (key, label, unit, has a median).
pub const OUTCOMES: [(&str, &str, &str, bool); 6] = [
    ("total_pfs", "Total PFS across lines", "months", true),
    ("os", "Overall survival", "months", true),
    ("on_treatment", "Time on treatment", "months", false),
    ("aes", "Grade 3–4 AEs", "per patient", false),
    ("qalys", "QALYs", "QALYs", false),
    ("costs", "Costs", "currency", false),
];

/// A PSA interval: 2.5th and 97.5th percentiles of the per-draw values.
#[derive(Debug, Clone, Serialize)]
pub struct Interval {
    /// Mean of the per-draw values.
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

/// One outcome of one sequence.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub unit: String,
    /// Base-case mean (restricted to the horizon).
    pub mean: f64,
    /// Monte Carlo standard error of the base-case mean.
    pub mcse: f64,
    pub sd: f64,
    /// Base-case median (from the histogram); `null` when not reached within the horizon
    /// or not tracked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// Whether the median was not reached within the horizon.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub median_not_reached: bool,
    /// PSA interval of the mean (absent without PSA draws).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psa_mean: Option<Interval>,
    /// PSA interval of the median (draws where the median is not reached count as the horizon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psa_median: Option<Interval>,
}

/// One line of one sequence, base case.
#[derive(Debug, Clone, Serialize)]
pub struct LineReport {
    pub line: usize,
    pub treatment: String,
    pub label: String,
    /// Fraction of patients who started the line.
    pub started: f64,
    /// Of those who started: fraction who died on it, progressed, were still on it at the horizon.
    pub died: f64,
    pub progressed: f64,
    pub censored: f64,
    /// Mean duration of the line and time on treatment among those who started it, months.
    pub mean_duration_months: f64,
    pub mean_on_treatment_months: f64,
    /// Grade 3–4 AE rate per patient starting the line, by term.
    pub ae_rates: Vec<(String, f64)>,
    /// Fraction of events at times where the PFS hazard was below the death hazard.
    #[serde(skip_serializing_if = "is_zero")]
    pub death_capped: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Survival curves from the base-case histograms, at every `step_months`.
#[derive(Debug, Clone, Serialize)]
pub struct Curves {
    pub step_months: f64,
    pub total_pfs: Vec<f64>,
    pub os: Vec<f64>,
}

/// One sequence.
#[derive(Debug, Clone, Serialize)]
pub struct SequenceReport {
    pub id: String,
    pub label: String,
    pub lines: Vec<String>,
    pub outcomes: Vec<(String, Outcome)>,
    pub alive_at_horizon: f64,
    pub patient_lines: u64,
    pub per_line: Vec<LineReport>,
    pub curves: Curves,
}

/// A difference to the first sequence.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub outcome: String,
    /// Base-case mean difference (per patient, common random numbers).
    pub mean: f64,
    pub mcse: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psa: Option<Interval>,
    /// Fraction of PSA draws in which the difference is positive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psa_probability_positive: Option<f64>,
}

/// One sequence against the first.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub sequence: String,
    pub versus: String,
    pub differences: Vec<Difference>,
}

/// Cost-effectiveness results (only with costs in the SPEC).
#[derive(Debug, Clone, Serialize)]
pub struct CostEffectiveness {
    pub currency: String,
    /// Per sequence ≠ first: incremental cost, QALYs and ICER vs the first (base case).
    pub incremental: Vec<Icer>,
    /// Probability each sequence has the highest net monetary benefit, per WTP (PSA).
    pub acceptability: Vec<Acceptability>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Icer {
    pub sequence: String,
    pub versus: String,
    pub delta_cost: f64,
    pub delta_qalys: f64,
    /// `null` when the QALY difference is 0; negative ICERs are reported with `dominance`.
    pub icer: Option<f64>,
    /// `dominates`, `dominated` or `trade-off`.
    pub dominance: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Acceptability {
    pub wtp_per_qaly: f64,
    /// (sequence id, probability).
    pub probability_best: Vec<(String, f64)>,
}

/// Per-draw means, for plots and users' own analyses.
#[derive(Debug, Clone, Serialize)]
pub struct PsaDraw {
    pub draw: u64,
    /// Per sequence: mean total PFS, OS, time on treatment, AEs, QALYs, costs.
    pub means: Vec<[f64; 6]>,
}

/// A parameter, for the inputs table.
#[derive(Debug, Clone, Serialize)]
pub struct InputRow {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub psa: String,
    pub source: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Run facts.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub seed: u64,
    pub patients: u64,
    pub psa_draws: u64,
    pub horizon_months: f64,
    pub histogram_bin_months: f64,
    pub discount_qalys_per_year: f64,
    pub discount_costs_per_year: f64,
    /// Patient-lines simulated, all draws and sequences.
    pub patient_lines: u64,
    pub engine_version: String,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub label: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    pub knowledge_version: String,
    pub model_hash: String,
    pub run: RunInfo,
    pub sequences: Vec<SequenceReport>,
    pub comparison: Vec<Comparison>,
    /// Fraction of PSA draws in which each sequence has the most QALYs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probability_most_qalys: Vec<(String, f64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_effectiveness: Option<CostEffectiveness>,
    pub inputs: Vec<InputRow>,
    pub assumptions: Vec<String>,
    pub warnings: Vec<String>,
    /// Per-draw means (draw ≥ 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub psa_draws: Vec<PsaDraw>,
}

/// Type-7 percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn interval(mut xs: Vec<f64>) -> Option<Interval> {
    if xs.is_empty() {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    xs.sort_by(f64::total_cmp);
    Some(Interval {
        mean,
        lower: percentile(&xs, 0.025),
        upper: percentile(&xs, 0.975),
    })
}

fn hist_of<'a>(d: &'a DrawSummary, s: usize, key: &str) -> Option<&'a Histogram> {
    let q = &d.sequences[s];
    match key {
        "total_pfs" => Some(&q.total_pfs_hist),
        "os" => Some(&q.os_hist),
        _ => None,
    }
}

/// Build the report from a complete part (a single run or merged shards).
pub fn report(part: &Part) -> Result<Report, SimError> {
    if !part.is_complete() {
        return Err(SimError {
            field: "parts".into(),
            message: format!(
                "covers units {:?} of 0..{}: some shards are missing; merge all of them first",
                part.units, part.units_total
            ),
        });
    }
    check_shapes(part)?;
    let m = &part.model;
    let base = part.draws.iter().find(|d| d.draw == 0).ok_or_else(|| SimError {
        field: "draws".into(),
        message: "the base case (draw 0) is missing".into(),
    })?;
    let psa: Vec<&DrawSummary> = part.draws.iter().filter(|d| d.draw > 0).collect();
    let has_costs = m.costs.is_some();
    let outcomes_used: Vec<&(&str, &str, &str, bool)> =
        OUTCOMES.iter().filter(|o| has_costs || o.0 != "costs").collect();
    let bin = m.bin_months;
    let n = part.run.patients as f64;
    let step = (1.0 / bin).round().max(1.0) as usize;

    let mut sequences = Vec::new();
    for (si, s) in m.sequences.iter().enumerate() {
        let b = &base.sequences[si];
        let mut outs = Vec::new();
        for (key, _, unit, has_median) in outcomes_used.iter().map(|o| **o) {
            let mo: &Moments = b.outcomes.get(key);
            let (median, not_reached) = if has_median {
                let h = hist_of(base, si, key).expect("tracked");
                match h.quantile(0.5, bin) {
                    Some(v) => (Some(v), false),
                    None => (None, true),
                }
            } else {
                (None, false)
            };
            let psa_mean = interval(psa.iter().map(|d| d.sequences[si].outcomes.get(key).mean()).collect());
            let psa_median = if has_median {
                interval(
                    psa.iter()
                        .map(|d| {
                            hist_of(d, si, key)
                                .and_then(|h| h.quantile(0.5, bin))
                                .unwrap_or(m.horizon_months)
                        })
                        .collect(),
                )
            } else {
                None
            };
            let unit = if key == "costs" {
                m.costs.as_ref().map(|c| c.currency.clone()).unwrap_or_default()
            } else {
                unit.to_string()
            };
            outs.push((
                key.to_string(),
                Outcome {
                    unit,
                    mean: mo.mean(),
                    mcse: mo.mcse(),
                    sd: mo.sd(),
                    median,
                    median_not_reached: not_reached,
                    psa_mean,
                    psa_median,
                },
            ));
        }
        let per_line = s
            .lines
            .iter()
            .enumerate()
            .map(|(k, line)| {
                let t = &m.treatments[line.treatment];
                let l = &b.lines[k];
                let st = l.started.max(1) as f64;
                let events = (l.died + l.progressed).max(1) as f64;
                LineReport {
                    line: k + 1,
                    treatment: t.id.clone(),
                    label: t.label.clone(),
                    started: l.started as f64 / n,
                    died: l.died as f64 / st,
                    progressed: l.progressed as f64 / st,
                    censored: l.censored as f64 / st,
                    mean_duration_months: l.duration.0 as f64 / (1u64 << crate::summary::FRAC_BITS) as f64 / st,
                    mean_on_treatment_months: l.on_treatment.0 as f64 / (1u64 << crate::summary::FRAC_BITS) as f64 / st,
                    ae_rates: t
                        .aes
                        .iter()
                        .zip(&l.aes)
                        .map(|(a, c)| (a.term.clone(), *c as f64 / st))
                        .collect(),
                    death_capped: l.death_capped as f64 / events,
                }
            })
            .collect();
        let pick = |v: Vec<f64>| v.into_iter().step_by(step).collect::<Vec<f64>>();
        sequences.push(SequenceReport {
            id: s.id.clone(),
            label: s.label.clone(),
            lines: s
                .lines
                .iter()
                .map(|l| m.treatments[l.treatment].label.clone())
                .collect(),
            outcomes: outs,
            alive_at_horizon: b.alive_at_horizon as f64 / n,
            patient_lines: b.lines_started,
            per_line,
            curves: Curves {
                step_months: step as f64 * bin,
                total_pfs: pick(b.total_pfs_hist.survival_curve()),
                os: pick(b.os_hist.survival_curve()),
            },
        });
    }

    // Comparison with the first sequence.
    let mut comparison = Vec::new();
    for (si, s) in m.sequences.iter().enumerate().skip(1) {
        let b = &base.sequences[si];
        let diffs = outcomes_used
            .iter()
            .map(|(key, _, _, _)| {
                let d = b.vs_first.get(key);
                let per_draw: Vec<f64> = psa
                    .iter()
                    .map(|x| x.sequences[si].outcomes.get(key).mean() - x.sequences[0].outcomes.get(key).mean())
                    .collect();
                let pp = if per_draw.is_empty() {
                    None
                } else {
                    Some(per_draw.iter().filter(|v| **v > 0.0).count() as f64 / per_draw.len() as f64)
                };
                Difference {
                    outcome: key.to_string(),
                    mean: d.mean(),
                    mcse: d.mcse(),
                    psa: interval(per_draw),
                    psa_probability_positive: pp,
                }
            })
            .collect();
        comparison.push(Comparison {
            sequence: s.id.clone(),
            versus: m.sequences[0].id.clone(),
            differences: diffs,
        });
    }

    let probability_most_qalys = if psa.is_empty() {
        Vec::new()
    } else {
        let mut wins = vec![0u64; m.sequences.len()];
        for d in &psa {
            let best = (0..m.sequences.len())
                .max_by(|&a, &b| {
                    d.sequences[a]
                        .outcomes
                        .qalys
                        .sum
                        .0
                        .cmp(&d.sequences[b].outcomes.qalys.sum.0)
                        .then(b.cmp(&a))
                })
                .unwrap_or(0);
            wins[best] += 1;
        }
        m.sequences
            .iter()
            .zip(wins)
            .map(|(s, w)| (s.id.clone(), w as f64 / psa.len() as f64))
            .collect()
    };

    let cost_effectiveness = m.costs.as_ref().map(|c| {
        let incremental = (1..m.sequences.len())
            .map(|si| {
                let d = &base.sequences[si].vs_first;
                let dc = d.costs.mean();
                let dq = d.qalys.mean();
                let dominance = if dq >= 0.0 && dc <= 0.0 {
                    "dominates"
                } else if dq <= 0.0 && dc >= 0.0 {
                    "dominated"
                } else {
                    "trade-off"
                };
                Icer {
                    sequence: m.sequences[si].id.clone(),
                    versus: m.sequences[0].id.clone(),
                    delta_cost: dc,
                    delta_qalys: dq,
                    icer: if dq != 0.0 { Some(dc / dq) } else { None },
                    dominance: dominance.into(),
                }
            })
            .collect();
        let acceptability = c
            .wtp_per_qaly
            .iter()
            .map(|&w| Acceptability {
                wtp_per_qaly: w,
                probability_best: probability_best_nmb(&psa, m.sequences.iter().map(|s| s.id.clone()).collect(), w),
            })
            .collect();
        CostEffectiveness {
            currency: c.currency.clone(),
            incremental,
            acceptability,
        }
    });

    let inputs = m
        .params
        .iter()
        .map(|p| InputRow {
            name: p.name.clone(),
            value: p.base,
            unit: p.unit.clone(),
            psa: p.psa.describe(),
            source: p.provenance.reference.clone(),
            status: p.provenance.status.clone(),
            note: p.provenance.note.clone(),
        })
        .collect();

    let psa_draws = psa
        .iter()
        .map(|d| PsaDraw {
            draw: d.draw,
            means: d
                .sequences
                .iter()
                .map(|s| {
                    let o = &s.outcomes;
                    [
                        o.total_pfs.mean(),
                        o.os.mean(),
                        o.on_treatment.mean(),
                        o.aes.mean(),
                        o.qalys.mean(),
                        o.costs.mean(),
                    ]
                })
                .collect(),
        })
        .collect();

    let patient_lines = part
        .draws
        .iter()
        .flat_map(|d| d.sequences.iter().map(|s| s.lines_started))
        .sum();
    Ok(Report {
        label: LABEL.into(),
        title: m.title.clone(),
        description: m.description.clone(),
        population: m.population.clone(),
        knowledge_version: m.knowledge_version.clone(),
        model_hash: part.model_hash.clone(),
        run: RunInfo {
            seed: part.run.seed,
            patients: part.run.patients,
            psa_draws: part.run.psa_draws,
            horizon_months: m.horizon_months,
            histogram_bin_months: m.bin_months,
            discount_qalys_per_year: m.discount_qalys,
            discount_costs_per_year: m.discount_costs,
            patient_lines,
            engine_version: part.engine_version.clone(),
        },
        sequences,
        comparison,
        probability_most_qalys,
        cost_effectiveness,
        inputs,
        assumptions: m.assumptions.clone(),
        warnings: m.warnings.clone(),
        psa_draws,
    })
}

/// Probability (over PSA draws) that each sequence has the highest net monetary benefit
/// `wtp · QALYs − cost`.
pub fn probability_best_nmb(psa: &[&DrawSummary], ids: Vec<String>, wtp: f64) -> Vec<(String, f64)> {
    let mut wins = vec![0u64; ids.len()];
    for d in psa {
        let nmb = |i: usize| wtp * d.sequences[i].outcomes.qalys.mean() - d.sequences[i].outcomes.costs.mean();
        let best = (0..ids.len())
            .max_by(|&a, &b| nmb(a).total_cmp(&nmb(b)).then(b.cmp(&a)))
            .unwrap_or(0);
        wins[best] += 1;
    }
    let k = psa.len().max(1) as f64;
    ids.into_iter().zip(wins).map(|(s, w)| (s, w as f64 / k)).collect()
}

/// The acceptability curve from a report's per-draw means: for each WTP of `grid`, the fraction
/// of PSA draws in which each sequence has the highest net monetary benefit.
pub fn acceptability_curve(r: &Report, grid: &[f64]) -> Vec<(String, Vec<f64>)> {
    let k = r.sequences.len();
    let n = r.psa_draws.len().max(1) as f64;
    let mut out: Vec<(String, Vec<f64>)> = r.sequences.iter().map(|s| (s.id.clone(), Vec::new())).collect();
    for w in grid {
        let mut wins = vec![0usize; k];
        for d in &r.psa_draws {
            let nmb = |i: usize| w * d.means[i][4] - d.means[i][5];
            let best = (0..k)
                .max_by(|&x, &y| nmb(x).total_cmp(&nmb(y)).then(y.cmp(&x)))
                .unwrap_or(0);
            wins[best] += 1;
        }
        for (i, c) in out.iter_mut().enumerate() {
            c.1.push(wins[i] as f64 / n);
        }
    }
    out
}

fn trim(s: String) -> String {
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn f2(x: f64) -> String {
    if x.is_nan() { "–".into() } else { format!("{x:.2}") }
}

fn f3(x: f64) -> String {
    if x.is_nan() { "–".into() } else { format!("{x:.3}") }
}

/// The report as text (the CLI's default output).
pub fn render_text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{}", r.title);
    let _ = writeln!(s, "{}", "=".repeat(r.title.chars().count().min(100)));
    let _ = writeln!(s, "{}\n", r.label);
    if let Some(d) = &r.description {
        let _ = writeln!(s, "{d}\n");
    }
    let _ = writeln!(
        s,
        "Run: {} virtual patients per sequence, {} PSA draws, seed {}, horizon {} months, {} patient-lines; knowledge {}; model {}.",
        r.run.patients,
        r.run.psa_draws,
        r.run.seed,
        r.run.horizon_months,
        r.run.patient_lines,
        r.knowledge_version,
        r.model_hash
    );
    if r.run.discount_qalys_per_year > 0.0 || r.run.discount_costs_per_year > 0.0 {
        let _ = writeln!(
            s,
            "Discounting: QALYs {}%/year, costs {}%/year.",
            trim(format!("{:.6}", r.run.discount_qalys_per_year * 100.0)),
            trim(format!("{:.6}", r.run.discount_costs_per_year * 100.0))
        );
    }
    let has_psa = r.run.psa_draws > 0;
    for q in &r.sequences {
        let _ = writeln!(s, "\nSequence {} — {}", q.id, q.label);
        let _ = writeln!(s, "  lines: {}", q.lines.join(" → "));
        let _ = writeln!(
            s,
            "  {:<36} {:>10} {:>8} {:>10}   {}",
            "outcome",
            "mean",
            "±MCSE",
            "median",
            if has_psa {
                "PSA 95% interval of the mean [median]"
            } else {
                ""
            }
        );
        for (key, o) in &q.outcomes {
            let label = OUTCOMES.iter().find(|x| x.0 == key).map(|x| x.1).unwrap_or(key);
            let med = match (o.median, o.median_not_reached) {
                (Some(v), _) => f2(v),
                (None, true) => "NR".into(),
                _ => "".into(),
            };
            let psa = match (&o.psa_mean, &o.psa_median) {
                (Some(a), Some(b)) => format!(
                    "{} to {} [{} to {}]",
                    f2(a.lower),
                    f2(a.upper),
                    f2(b.lower),
                    f2(b.upper)
                ),
                (Some(a), None) => format!("{} to {}", f2(a.lower), f2(a.upper)),
                _ => String::new(),
            };
            let name = if o.unit == *label {
                label.to_string()
            } else {
                format!("{label} ({})", o.unit)
            };
            let _ = writeln!(
                s,
                "  {:<36} {:>10} {:>8} {:>10}   {}",
                name,
                f2(o.mean),
                f3(o.mcse),
                med,
                psa
            );
        }
        let _ = writeln!(s, "  alive at the horizon: {:.1}%", q.alive_at_horizon * 100.0);
        for l in &q.per_line {
            let aes: Vec<String> = l
                .ae_rates
                .iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(t, v)| format!("{t} {:.1}%", v * 100.0))
                .collect();
            let _ = writeln!(
                s,
                "  line {} {:<38} started {:>5.1}%  died {:>5.1}%  progressed {:>5.1}%  mean {:>6.2} mo (on treatment {:>6.2}){}",
                l.line,
                l.label,
                l.started * 100.0,
                l.died * 100.0,
                l.progressed * 100.0,
                l.mean_duration_months,
                l.mean_on_treatment_months,
                if aes.is_empty() {
                    String::new()
                } else {
                    format!("; grade 3–4: {}", aes.join(", "))
                }
            );
        }
    }
    if !r.comparison.is_empty() {
        let _ = writeln!(
            s,
            "\nComparison with {} (difference = sequence − {}):",
            r.sequences[0].id, r.sequences[0].id
        );
        for c in &r.comparison {
            let _ = writeln!(s, "  {}:", c.sequence);
            for d in &c.differences {
                let label = OUTCOMES
                    .iter()
                    .find(|x| x.0 == d.outcome)
                    .map(|x| x.1)
                    .unwrap_or(&d.outcome);
                let psa = match (&d.psa, d.psa_probability_positive) {
                    (Some(i), Some(p)) => format!(
                        "  PSA 95% interval {} to {}; P(difference > 0) = {:.2}",
                        f2(i.lower),
                        f2(i.upper),
                        p
                    ),
                    _ => String::new(),
                };
                let _ = writeln!(s, "    {:<28} {:>9} ±{}{}", label, f3(d.mean), f3(d.mcse), psa);
            }
        }
    }
    if !r.probability_most_qalys.is_empty() {
        let v: Vec<String> = r
            .probability_most_qalys
            .iter()
            .map(|(id, p)| format!("{id} {:.2}", p))
            .collect();
        let _ = writeln!(s, "\nProbability of the most QALYs across PSA draws: {}", v.join(", "));
    }
    if let Some(ce) = &r.cost_effectiveness {
        let _ = writeln!(s, "\nCost-effectiveness ({}):", ce.currency);
        for i in &ce.incremental {
            let _ = writeln!(
                s,
                "  {} vs {}: Δcost {:.0}, ΔQALY {:.3}, ICER {} ({})",
                i.sequence,
                i.versus,
                i.delta_cost,
                i.delta_qalys,
                i.icer
                    .map(|x| format!("{x:.0} per QALY"))
                    .unwrap_or_else(|| "undefined".into()),
                i.dominance
            );
        }
        for a in &ce.acceptability {
            let v: Vec<String> = a
                .probability_best
                .iter()
                .map(|(id, p)| format!("{id} {p:.2}"))
                .collect();
            let _ = writeln!(
                s,
                "  WTP {:.0}/QALY: P(highest net benefit) {}",
                a.wtp_per_qaly,
                v.join(", ")
            );
        }
    }
    let _ = writeln!(s, "\nInputs (value, PSA distribution, source [status]):");
    for i in &r.inputs {
        let status = match i.status.as_str() {
            "illustrative" => "ILLUSTRATIVE — not evidence".to_string(),
            "unverified" => "UNVERIFIED".to_string(),
            other => other.to_string(),
        };
        let _ = writeln!(
            s,
            "  {:<44} {:>10} {:<12} {:<32} {} [{}]{}",
            i.name,
            format!("{:.4}", i.value).trim_end_matches('0').trim_end_matches('.'),
            i.unit,
            i.psa,
            i.source,
            status,
            i.note.as_ref().map(|n| format!(" — {n}")).unwrap_or_default()
        );
    }
    let _ = writeln!(s, "\nAssumptions:");
    for (i, a) in r.assumptions.iter().enumerate() {
        let _ = writeln!(s, "  {}. {a}", i + 1);
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings:");
        for w in &r.warnings {
            let _ = writeln!(s, "  - {w}");
        }
    }
    let _ = writeln!(s, "\n{}", r.label);
    s
}
