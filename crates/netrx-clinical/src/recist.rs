//! RECIST 1.1 response assessment from the case file's imaging `visits`
//! (thresholds and the overall-response table in `knowledge/recist.toml`).
//!
//! The first visit is the baseline. At every later visit: the sum of diameters
//! (longest diameter of non-nodal lesions, short axis of lymph nodes), the change
//! from baseline and from the nadir (the smallest complete sum at any earlier
//! visit, baseline included), the target response (NE when a target lesion was not
//! measured; CR when every non-nodal target is gone and every node is below the CR
//! short axis; PD on an increase from the nadir of at least the PD percentage AND
//! the PD minimum in mm; PR on a decrease from baseline of at least the PR
//! percentage; SD otherwise), and the overall response from the target response,
//! the non-target status and new lesions. Then the best overall response, with and
//! without confirmation, the date of progression and PFS.
//!
//! Boundaries are inclusive ("at least"). Diameters are recorded to 0.1 mm, so
//! comparisons allow a relative tolerance of 1e-9 to keep decimal round-off (30 %
//! of 33.3 mm) from moving a value across a threshold.

use netrx_case::{Case, Date, InputError, NonTarget, TargetLesion, Visit, validate::fmt_num};
use netrx_kb::recist::{NonTargetStatus, Recist};
use netrx_kb::{Kb, Source, Status};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub use netrx_kb::recist::{OverallResponse, TargetResponse};

/// Choices a user can make about the assessment.
#[derive(Debug, Clone, Default)]
pub struct RecistOptions {
    /// Minimum days between a CR/PR and its confirmation; `None` = the knowledge base's value.
    pub confirmation_days: Option<u32>,
    /// Minimum days from the time origin for SD (or non-CR/non-PD) to count as best response; 0 = none.
    pub sd_min_days: u32,
}

/// The RECIST assessment of a case (the JSON contract of `netrx recist --json`).
#[derive(Debug, Clone, Serialize)]
pub struct RecistReport {
    /// Version of the knowledge base that produced this answer.
    pub knowledge_version: String,
    pub case_id: String,
    /// One entry per visit, the baseline first.
    pub visits: Vec<VisitAssessment>,
    /// Best overall response without the confirmation requirement (null with the baseline only).
    pub best_overall_response: Option<OverallResponse>,
    /// Best overall response with CR/PR confirmed by a later assessment.
    pub best_overall_response_confirmed: Option<OverallResponse>,
    /// Date of the first visit with overall response PD.
    pub progression_date: Option<Date>,
    /// Months from the time origin to progression, or to the last adequate assessment if censored.
    pub pfs_months: Option<f64>,
    /// true: progression observed; false: censored.
    pub pfs_event: Option<bool>,
    /// Where PFS is counted from.
    pub pfs_origin: Origin,
    /// Per target lesion, aligned with `visits` (for spider plots).
    pub lesions: Vec<LesionSeries>,
    /// The thresholds applied, with their sources.
    pub criteria: Criteria,
    /// Everything the reader must know.
    pub warnings: Vec<String>,
}

/// The time origin of PFS.
#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    pub date: Date,
    /// "everolimus.start_date" or "baseline visit".
    pub basis: String,
}

/// One visit's assessment.
#[derive(Debug, Clone, Serialize)]
pub struct VisitAssessment {
    pub date: Date,
    pub days_from_baseline: i64,
    /// Sum of diameters, mm; null when a target lesion was not measured.
    pub sum_mm: Option<f64>,
    /// Sum of the target lesions that were measured, mm.
    pub measured_sum_mm: f64,
    pub change_from_baseline_pct: Option<f64>,
    /// The nadir this visit is compared with (null at baseline).
    pub nadir_mm: Option<f64>,
    pub change_from_nadir_pct: Option<f64>,
    pub change_from_nadir_mm: Option<f64>,
    /// null at baseline.
    pub target_response: Option<TargetResponse>,
    pub non_target: NonTarget,
    pub new_lesions: bool,
    /// null at baseline.
    pub overall_response: Option<OverallResponse>,
    /// Target lesions not measured at this visit.
    pub not_measured: Vec<String>,
    /// Why the target response is what it is.
    pub basis: String,
    /// The overall-response rule applied.
    pub overall_rule: Option<String>,
}

/// One target lesion over time.
#[derive(Debug, Clone, Serialize)]
pub struct LesionSeries {
    pub id: String,
    pub organ: String,
    pub lymph_node: bool,
    /// Diameter at each visit (null when not measured).
    pub diameters_mm: Vec<Option<f64>>,
    /// Change from its baseline diameter, %.
    pub change_from_baseline_pct: Vec<Option<f64>>,
}

/// The thresholds used.
#[derive(Debug, Clone, Serialize)]
pub struct Criteria {
    pub title: String,
    pub pr_decrease_from_baseline_pct: f64,
    pub pd_increase_from_nadir_pct: f64,
    pub pd_min_increase_mm: f64,
    pub cr_node_short_axis_below_mm: f64,
    pub confirmation_min_days: u32,
    pub sd_min_days: u32,
    pub sources: Vec<Source>,
}

const REL_TOL: f64 = 1e-9;

/// `a ≥ b`, allowing decimal round-off.
fn at_least(a: f64, b: f64) -> bool {
    a >= b - REL_TOL * b.abs().max(1.0)
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn pct(v: f64) -> String {
    let s = format!("{v:+.1}");
    s.replace('-', "−")
}

fn mm(v: f64) -> String {
    fmt_num((v * 10.0).round() / 10.0)
}

/// Signed mm with a real minus sign: "+14", "−12".
fn smm(v: f64) -> String {
    let s = mm(v);
    if let Some(rest) = s.strip_prefix('-') {
        format!("−{rest}")
    } else if s == "0" {
        s
    } else {
        format!("+{s}")
    }
}

fn organ_key(o: &str) -> String {
    o.trim().to_lowercase()
}

fn status_of(nt: NonTarget) -> NonTargetStatus {
    match nt {
        NonTarget::Absent => NonTargetStatus::Absent,
        NonTarget::Present => NonTargetStatus::Present,
        NonTarget::UnequivocalProgression => NonTargetStatus::UnequivocalProgression,
    }
}

fn lesion_field(i: usize, j: usize, leaf: &str) -> String {
    if leaf.is_empty() {
        format!("visits[{i}].target_lesions[{j}]")
    } else {
        format!("visits[{i}].target_lesions[{j}].{leaf}")
    }
}

/// The RECIST checks of a case's visits: target lesions at baseline (how many, per
/// organ, measurable), and the same lesion ids, organs and node flags at every visit.
/// Errors name the visit, the lesion and what is allowed.
pub fn check_visits(visits: &[Visit], r: &Recist) -> Result<(), InputError> {
    let Some(base) = visits.first() else {
        return Ok(());
    };
    let b = &r.baseline;
    let src = "RECIST 1.1";
    if base.new_lesions {
        return Err(InputError::invalid(
            "visits[0].new_lesions",
            "true",
            "false at the baseline visit (the first visit; all disease seen then is baseline disease)",
        ));
    }
    if base.non_target == NonTarget::UnequivocalProgression {
        return Err(InputError::invalid(
            "visits[0].non_target",
            "\"unequivocal_progression\"",
            "\"absent\" or \"present\" at the baseline visit",
        ));
    }
    if base.target_lesions.is_empty() && base.non_target == NonTarget::Absent {
        return Err(InputError::new(
            "visits[0]",
            "the baseline visit has no target lesions and non_target \"absent\": there is no disease to follow; \
             allowed: at least one target lesion, or non_target \"present\"",
        ));
    }
    let mut ids = HashSet::new();
    let mut per_organ: HashMap<String, usize> = HashMap::new();
    for (j, l) in base.target_lesions.iter().enumerate() {
        if !ids.insert(l.id.as_str()) {
            return Err(InputError::new(
                lesion_field(0, j, "id"),
                format!(
                    "lesion {:?} appears twice at baseline; allowed: each lesion id once per visit",
                    l.id
                ),
            ));
        }
        if j >= b.max_target_lesions {
            return Err(InputError::new(
                lesion_field(0, j, ""),
                format!(
                    "lesion {:?} is target lesion number {}; allowed: at most {} target lesions at baseline ({src}); \
                     record the others as non-target disease",
                    l.id,
                    j + 1,
                    b.max_target_lesions
                ),
            ));
        }
        let n = per_organ.entry(organ_key(&l.organ)).or_default();
        *n += 1;
        if *n > b.max_target_per_organ {
            return Err(InputError::new(
                lesion_field(0, j, "organ"),
                format!(
                    "lesion {:?} is target lesion number {n} in organ {:?}; allowed: at most {} target lesions per \
                     organ ({src}); record the others as non-target disease",
                    l.id, l.organ, b.max_target_per_organ
                ),
            ));
        }
        let Some(d) = l.diameter_mm else {
            return Err(InputError::new(
                lesion_field(0, j, "diameter_mm"),
                format!(
                    "lesion {:?}: not measured (null) at baseline; allowed: a measurement (every target lesion is \
                     measured at baseline)",
                    l.id
                ),
            ));
        };
        let (min, what) = if l.lymph_node {
            (b.min_nodal_short_axis_mm, "short axis of a nodal target lesion")
        } else {
            (b.min_non_nodal_mm, "longest diameter of a non-nodal target lesion")
        };
        if d < min {
            return Err(InputError::new(
                lesion_field(0, j, "diameter_mm"),
                format!(
                    "lesion {:?}: got {} mm, not measurable; allowed: ≥ {} mm {what} at baseline ({src}); record \
                     smaller lesions as non-target disease",
                    l.id,
                    fmt_num(d),
                    fmt_num(min)
                ),
            ));
        }
    }
    let base_by_id: HashMap<&str, &TargetLesion> = base.target_lesions.iter().map(|l| (l.id.as_str(), l)).collect();
    let base_ids: Vec<&str> = base.target_lesions.iter().map(|l| l.id.as_str()).collect();
    let allowed_ids = if base_ids.is_empty() {
        "none (the baseline has no target lesions; new disease goes in new_lesions)".to_string()
    } else {
        format!(
            "the baseline's target lesion ids ({}); new disease goes in new_lesions",
            base_ids.join(", ")
        )
    };
    for (i, v) in visits.iter().enumerate().skip(1) {
        let mut seen = HashSet::new();
        for (j, l) in v.target_lesions.iter().enumerate() {
            let Some(bl) = base_by_id.get(l.id.as_str()) else {
                return Err(InputError::new(
                    lesion_field(i, j, "id"),
                    format!(
                        "lesion {:?} is not a baseline target lesion; allowed: {allowed_ids}",
                        l.id
                    ),
                ));
            };
            if !seen.insert(l.id.as_str()) {
                return Err(InputError::new(
                    lesion_field(i, j, "id"),
                    format!(
                        "lesion {:?} appears twice at this visit; allowed: each lesion id once per visit",
                        l.id
                    ),
                ));
            }
            if organ_key(&l.organ) != organ_key(&bl.organ) {
                return Err(InputError::new(
                    lesion_field(i, j, "organ"),
                    format!(
                        "lesion {:?}: got organ {:?}; allowed: {:?}, its organ at baseline (lesion ids are stable \
                         across visits)",
                        l.id, l.organ, bl.organ
                    ),
                ));
            }
            if l.lymph_node != bl.lymph_node {
                return Err(InputError::new(
                    lesion_field(i, j, "lymph_node"),
                    format!(
                        "lesion {:?}: got {}; allowed: {}, as at baseline (lesion ids are stable across visits)",
                        l.id, l.lymph_node, bl.lymph_node
                    ),
                ));
            }
        }
        if let Some(missing) = base_ids.iter().find(|id| !seen.contains(**id)) {
            return Err(InputError::new(
                format!("visits[{i}].target_lesions"),
                format!(
                    "baseline target lesion {missing:?} is missing; allowed: every baseline target lesion at every \
                     visit, with diameter_mm null when it was not measured"
                ),
            ));
        }
    }
    Ok(())
}

/// Assess a case's visits under RECIST 1.1.
pub fn assess(case: &Case, kb: &Kb, opts: &RecistOptions) -> Result<RecistReport, InputError> {
    let r = &kb.recist;
    if case.visits.is_empty() {
        return Err(InputError::new(
            "visits",
            "missing or empty; allowed: a list of imaging visits, the first being the baseline",
        ));
    }
    check_visits(&case.visits, r)?;
    let t = &r.target;
    let confirmation_days = opts.confirmation_days.unwrap_or(r.confirmation.min_interval_days);
    let mut warnings = Vec::new();

    let base = &case.visits[0];
    let lesion_ids: Vec<&str> = base.target_lesions.iter().map(|l| l.id.as_str()).collect();
    let has_targets = !lesion_ids.is_empty();

    // Diameters aligned with the baseline's lesion order.
    let diam: Vec<Vec<Option<f64>>> = case
        .visits
        .iter()
        .map(|v| {
            lesion_ids
                .iter()
                .map(|id| {
                    v.target_lesions
                        .iter()
                        .find(|l| l.id == *id)
                        .and_then(|l| l.diameter_mm)
                })
                .collect()
        })
        .collect();
    let sums: Vec<Option<f64>> = diam.iter().map(|d| d.iter().copied().sum::<Option<f64>>()).collect();
    let base_sum = sums[0].expect("baseline lesions are measured (checked)");

    let mut visits = Vec::with_capacity(case.visits.len());
    for (i, v) in case.visits.iter().enumerate() {
        let measured_sum: f64 = diam[i].iter().flatten().sum();
        let not_measured: Vec<String> = lesion_ids
            .iter()
            .zip(&diam[i])
            .filter(|(_, d)| d.is_none())
            .map(|(id, _)| id.to_string())
            .collect();
        let sum = sums[i];
        let change_from_baseline_pct = match sum {
            Some(s) if has_targets => Some(round6((s - base_sum) / base_sum * 100.0)),
            _ => None,
        };
        if i == 0 {
            visits.push(VisitAssessment {
                date: v.date,
                days_from_baseline: 0,
                sum_mm: sum.map(round6),
                measured_sum_mm: round6(measured_sum),
                change_from_baseline_pct,
                nadir_mm: None,
                change_from_nadir_pct: None,
                change_from_nadir_mm: None,
                target_response: None,
                non_target: v.non_target,
                new_lesions: v.new_lesions,
                overall_response: None,
                not_measured,
                basis: if has_targets {
                    format!("baseline: sum of diameters {} mm", mm(base_sum))
                } else {
                    "baseline: no target lesions (non-target disease only)".into()
                },
                overall_rule: None,
            });
            continue;
        }
        let nadir = sums[..i].iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let (nadir_mm, change_from_nadir_mm, change_from_nadir_pct) = match sum {
            Some(s) if has_targets => (
                Some(nadir),
                Some(round6(s - nadir)),
                (nadir > 0.0).then(|| round6((s - nadir) / nadir * 100.0)),
            ),
            _ if has_targets => (Some(nadir), None, None),
            _ => (None, None, None),
        };
        let (target_response, basis) = if !has_targets {
            (
                TargetResponse::NA,
                "no target lesions: response from non-target disease and new lesions".into(),
            )
        } else if let Some(s) = sum {
            target_response(&case.visits[i], s, base_sum, nadir, t)
        } else {
            let nadir_note = if nadir > 0.0 {
                format!(
                    "{} % / {} mm from the nadir {} mm",
                    pct((measured_sum - nadir) / nadir * 100.0),
                    smm(measured_sum - nadir),
                    mm(nadir)
                )
            } else {
                format!("{} mm from the nadir 0 mm", smm(measured_sum - nadir))
            };
            let b = format!(
                "target lesion(s) {} not measured → NE (the measured lesions alone sum to {} mm, {nadir_note})",
                not_measured.join(", "),
                mm(measured_sum)
            );
            warnings.push(format!("{}: {b}.", v.date));
            (TargetResponse::NE, b)
        };
        let rule = r.overall(target_response, status_of(v.non_target), v.new_lesions);
        visits.push(VisitAssessment {
            date: v.date,
            days_from_baseline: base.date.days_until(v.date),
            sum_mm: sum.map(round6),
            measured_sum_mm: round6(measured_sum),
            change_from_baseline_pct,
            nadir_mm: nadir_mm.map(round6),
            change_from_nadir_pct,
            change_from_nadir_mm,
            target_response: Some(target_response),
            non_target: v.non_target,
            new_lesions: v.new_lesions,
            overall_response: Some(rule.overall),
            not_measured,
            basis,
            overall_rule: Some(rule.source.reference.clone()),
        });
        if base.non_target == NonTarget::Absent && v.non_target == NonTarget::Present {
            warnings.push(format!(
                "{}: non-target disease is \"present\" but was absent at baseline: disease that was not there at \
                 baseline is a new lesion (set new_lesions).",
                v.date
            ));
        }
    }

    // Time origin.
    let origin = match &case.everolimus {
        Some(ev) => Origin {
            date: ev.start_date,
            basis: "everolimus.start_date".into(),
        },
        None => Origin {
            date: base.date,
            basis: "baseline visit".into(),
        },
    };
    if let Some(ev) = &case.everolimus {
        if base.date > ev.start_date {
            warnings.push(format!(
                "The baseline imaging ({}) is after the everolimus start ({}): RECIST baseline imaging precedes \
                 treatment.",
                base.date, ev.start_date
            ));
        }
        if let Some(v) = case.visits.iter().skip(1).find(|v| v.date < ev.start_date) {
            warnings.push(format!(
                "The follow-up visit of {} precedes the everolimus start ({}).",
                v.date, ev.start_date
            ));
        }
    }

    // Progression and the visits that count for best response.
    let pd_index = visits
        .iter()
        .position(|v| v.overall_response == Some(OverallResponse::PD));
    let progression_date = pd_index.map(|k| visits[k].date);
    let last_counted = pd_index.unwrap_or(visits.len() - 1);
    if let Some(k) = pd_index {
        let after = visits.len() - 1 - k;
        if after > 0 {
            warnings.push(format!(
                "{after} visit(s) after progression on {} are assessed but not used for best response or PFS.",
                visits[k].date
            ));
        }
    }
    let post: Vec<(Date, OverallResponse)> = visits[1..=last_counted]
        .iter()
        .map(|v| (v.date, v.overall_response.expect("post-baseline")))
        .collect();
    let stable = if has_targets {
        OverallResponse::SD
    } else {
        OverallResponse::NonCrNonPd
    };
    let (best, best_confirmed) = if post.is_empty() {
        warnings.push("Only the baseline visit: no response can be assessed yet.".into());
        (None, None)
    } else {
        (
            Some(best_response(&post, origin.date, opts.sd_min_days, None, stable)),
            Some(best_response(
                &post,
                origin.date,
                opts.sd_min_days,
                Some(confirmation_days),
                stable,
            )),
        )
    };

    // PFS.
    let (pfs_months, pfs_event) = match progression_date {
        Some(d) if d < origin.date => {
            warnings.push(format!(
                "Progression ({d}) precedes the time origin ({}, {}): PFS not computed.",
                origin.date, origin.basis
            ));
            (None, None)
        }
        Some(d) => (Some(round6(origin.date.months_until(d))), Some(true)),
        None => {
            let last_adequate = visits
                .iter()
                .skip(1)
                .rev()
                .find(|v| v.overall_response != Some(OverallResponse::NE));
            match last_adequate {
                Some(v) if v.date >= origin.date => (Some(round6(origin.date.months_until(v.date))), Some(false)),
                _ => {
                    if visits.len() > 1 {
                        warnings.push(
                            "No adequate (non-NE) follow-up assessment: PFS is censored at the time origin (0 months)."
                                .into(),
                        );
                    }
                    (Some(0.0), Some(false))
                }
            }
        }
    };

    let lesions = base
        .target_lesions
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let b = diam[0][k].expect("measured at baseline");
            LesionSeries {
                id: l.id.clone(),
                organ: l.organ.clone(),
                lymph_node: l.lymph_node,
                diameters_mm: diam.iter().map(|d| d[k]).collect(),
                change_from_baseline_pct: diam.iter().map(|d| d[k].map(|x| round6((x - b) / b * 100.0))).collect(),
            }
        })
        .collect();

    let sources = vec![
        r.baseline.source.clone(),
        r.target.source.clone(),
        r.confirmation.source.clone(),
    ];
    if sources.iter().any(|s| s.status == Status::Unverified) {
        warnings.push(format!(
            "UNVERIFIED: the {} thresholds are as netrx's specification states them; the shared references cite \
             RECIST 1.1 but do not restate them — check against Eisenhauer et al. 2009.",
            r.title
        ));
    }
    if opts.sd_min_days == 0 {
        warnings.push("No minimum duration for SD was applied (protocol-defined; set one with --sd-min-days).".into());
    }

    Ok(RecistReport {
        knowledge_version: kb.version().to_string(),
        case_id: case.id.clone(),
        visits,
        best_overall_response: best,
        best_overall_response_confirmed: best_confirmed,
        progression_date,
        pfs_months,
        pfs_event,
        pfs_origin: origin,
        lesions,
        criteria: Criteria {
            title: r.title.clone(),
            pr_decrease_from_baseline_pct: t.pr_decrease_from_baseline_pct,
            pd_increase_from_nadir_pct: t.pd_increase_from_nadir_pct,
            pd_min_increase_mm: t.pd_min_increase_mm,
            cr_node_short_axis_below_mm: t.cr_node_short_axis_below_mm,
            confirmation_min_days: confirmation_days,
            sd_min_days: opts.sd_min_days,
            sources,
        },
        warnings,
    })
}

/// The target response of a visit whose lesions were all measured.
fn target_response(
    v: &Visit,
    sum: f64,
    base: f64,
    nadir: f64,
    t: &netrx_kb::recist::TargetCriteria,
) -> (TargetResponse, String) {
    let node_cut = t.cr_node_short_axis_below_mm;
    let all_gone = v.target_lesions.iter().all(|l| {
        let d = l.diameter_mm.unwrap_or(f64::NAN);
        if l.lymph_node { d < node_cut } else { d == 0.0 }
    });
    if all_gone {
        return (
            TargetResponse::CR,
            format!(
                "every non-nodal target lesion 0 mm and every nodal target < {} mm short axis → CR (sum {} mm)",
                mm(node_cut),
                mm(sum)
            ),
        );
    }
    let inc = sum - nadir;
    let pd_pct = t.pd_increase_from_nadir_pct;
    let pd_mm = t.pd_min_increase_mm;
    let from_nadir = if nadir > 0.0 {
        format!(
            "{} % ({} mm) from the nadir {} mm",
            pct(inc / nadir * 100.0),
            smm(inc),
            mm(nadir)
        )
    } else {
        format!("{} mm from the nadir 0 mm", smm(inc))
    };
    if at_least(inc * 100.0, pd_pct * nadir) && at_least(inc, pd_mm) {
        return (
            TargetResponse::PD,
            format!(
                "sum {} mm is {from_nadir} → PD (≥ {} % and ≥ {} mm increase from the nadir)",
                mm(sum),
                fmt_num(pd_pct),
                fmt_num(pd_mm)
            ),
        );
    }
    let dec = base - sum;
    let pr_pct = t.pr_decrease_from_baseline_pct;
    let from_base = format!("{} % from baseline {} mm", pct(-dec / base * 100.0), mm(base));
    if at_least(dec * 100.0, pr_pct * base) {
        return (
            TargetResponse::PR,
            format!(
                "sum {} mm is {from_base} → PR (≥ {} % decrease from baseline)",
                mm(sum),
                fmt_num(pr_pct)
            ),
        );
    }
    (
        TargetResponse::SD,
        format!(
            "sum {} mm is {from_base} and {from_nadir} → SD (neither a {} % decrease from baseline nor a {} % and \
             {} mm increase from the nadir)",
            mm(sum),
            fmt_num(pr_pct),
            fmt_num(pd_pct),
            fmt_num(pd_mm)
        ),
    )
}

/// Best overall response over the post-baseline visits up to and including the
/// first PD. With `confirm_days`, a CR needs a later CR, and a PR a later PR or CR
/// (or a CR a later PR), at least that many days later; an unconfirmed CR/PR counts
/// as stable disease. Stable disease counts only from `sd_min_days` after the origin.
fn best_response(
    post: &[(Date, OverallResponse)],
    origin: Date,
    sd_min_days: u32,
    confirm_days: Option<u32>,
    stable: OverallResponse,
) -> OverallResponse {
    use OverallResponse::*;
    let confirmed_by = |k: usize, ok: &[OverallResponse]| -> bool {
        match confirm_days {
            None => true,
            Some(days) => post[k + 1..]
                .iter()
                .any(|(d, r)| ok.contains(r) && post[k].0.days_until(*d) >= i64::from(days)),
        }
    };
    let is = |k: usize, r: OverallResponse| post[k].1 == r;
    if (0..post.len()).any(|k| is(k, CR) && confirmed_by(k, &[CR])) {
        return CR;
    }
    if (0..post.len()).any(|k| (is(k, PR) || is(k, CR)) && confirmed_by(k, &[PR, CR])) {
        return PR;
    }
    let stable_enough = post
        .iter()
        .any(|(d, r)| matches!(r, CR | PR | SD | NonCrNonPd) && origin.days_until(*d) >= i64::from(sd_min_days));
    if stable_enough {
        return stable;
    }
    if post.iter().any(|(_, r)| *r == PD) {
        return PD;
    }
    NE
}
