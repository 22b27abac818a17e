//! Quality-of-life scoring (FACT-G v4, EORTC QLQ-C30 v3.0, QLQ-GI.NET21) and time
//! to deterioration, from the case file's `qol` assessments. The instruments —
//! item codes, ranges, reverse keys, scale membership, scoring rules — are data in
//! `knowledge/qol/`; this module applies the scoring methods:
//!
//! - `prorated_sum` (FACIT): reverse-keyed items score `min + max − response`; the
//!   subscale is the sum × items in the subscale / items answered, when the share
//!   answered passes the scale's rule (more than half for FACT-G).
//! - `eortc_functional` / `eortc_symptom` / `eortc_global`: raw score = mean of the
//!   answered items (at least half answered); functional `(1 − (RS − min)/range) ×
//!   100`, symptom and global `(RS − min)/range × 100`.
//! - `sum_of_scales` (FACT-G total): every component present and the share of all
//!   component items answered passes the rule (more than 80 %).
//! - `mean_of_scales` (QLQ-C30 summary): every component present; inverted
//!   components enter as 100 − score.
//!
//! Scores are computed unrounded; the report rounds them to 3 decimals (the
//! FACTscorer convention, ecosystem.md §1.1). Changes and deterioration use the
//! unrounded values.

use netrx_case::{Case, Date, InputError, Instrument, QolAssessment, validate::fmt_num};
use netrx_kb::qol::{DeteriorationDef, InstrumentDef, Method, Qol, ScaleDef};
use netrx_kb::{Kb, Source, Status};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Choices a user can make about deterioration.
#[derive(Debug, Clone, Default)]
pub struct QolOptions {
    /// A deterioration definition id from the knowledge base (default: its default).
    pub definition: Option<String>,
    /// Instrument of the deterioration scale (overrides the definition's).
    pub instrument: Option<String>,
    /// Scale code (overrides the definition's).
    pub scale: Option<String>,
    /// Threshold in points (overrides the definition's).
    pub mid: Option<f64>,
    /// Count the first worsening by the threshold even if the score recovers later.
    pub any_drop: bool,
}

/// The QoL report of a case (the JSON contract of `netrx qol --json`).
#[derive(Debug, Clone, Serialize)]
pub struct QolReport {
    /// Version of the knowledge base that produced this answer.
    pub knowledge_version: String,
    pub case_id: String,
    /// Scores per assessment, in case-file order.
    pub assessments: Vec<AssessmentScores>,
    /// Every assessment worse than baseline by at least the threshold on the definition's scale.
    pub deterioration: Vec<DeteriorationEvent>,
    /// Months from the time origin to the first counted deterioration, or to the last scored
    /// assessment when censored; null when there is no scored baseline.
    pub time_to_deterioration_months: Option<f64>,
    /// true: deterioration observed; false: censored.
    pub time_to_deterioration_event: Option<bool>,
    /// The definition applied.
    pub definition: DefinitionUsed,
    /// Where time to deterioration is counted from.
    pub time_origin: Option<TimeOrigin>,
    /// The instruments scored, with their scales and sources.
    pub instruments: Vec<InstrumentSummary>,
    /// Everything the reader must know.
    pub warnings: Vec<String>,
}

/// One assessment's scores.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentScores {
    pub date: Date,
    pub instrument: Instrument,
    /// Scale code → score (null when it cannot be scored).
    pub scales: BTreeMap<String, Option<f64>>,
    /// Every scale of the instrument could be scored.
    pub valid: bool,
    /// Whether this is the instrument's baseline (its first assessment).
    pub baseline: bool,
    pub items_answered: usize,
    pub items_total: usize,
    /// Scale code → score minus the baseline score.
    pub change_from_baseline: BTreeMap<String, Option<f64>>,
    /// Why scales are missing.
    pub missing: Vec<String>,
}

/// A worsening by at least the threshold.
#[derive(Debug, Clone, Serialize)]
pub struct DeteriorationEvent {
    pub date: Date,
    pub instrument: Instrument,
    pub scale: String,
    pub baseline_score: f64,
    pub score: f64,
    pub change: f64,
    pub months_from_origin: f64,
    /// Every later scored assessment stays worse by at least the threshold.
    pub definitive: bool,
    /// Whether this event meets the definition applied (definitive, or any drop).
    pub counts: bool,
}

/// The deterioration definition applied.
#[derive(Debug, Clone, Serialize)]
pub struct DefinitionUsed {
    pub id: String,
    pub title: String,
    pub instrument: String,
    pub scale: String,
    pub scale_name: String,
    pub threshold: f64,
    /// "decrease" (higher is better) or "increase" (symptom scales).
    pub direction: String,
    pub definitive: bool,
    pub source: Source,
    pub definitive_source: Source,
    /// Which parts the user set (e.g. "threshold (--mid 5)").
    pub user_set: Vec<String>,
}

/// The time origin.
#[derive(Debug, Clone, Serialize)]
pub struct TimeOrigin {
    pub date: Date,
    /// "everolimus.start_date" or "baseline assessment".
    pub basis: String,
}

/// An instrument as scored.
#[derive(Debug, Clone, Serialize)]
pub struct InstrumentSummary {
    pub id: String,
    pub title: String,
    pub version: String,
    pub copyright: String,
    pub source: Source,
    pub scales: Vec<ScaleSummary>,
}

/// A scale as scored.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleSummary {
    pub code: String,
    pub name: String,
    pub higher_is_better: bool,
    /// Score range (0–28 for a 7-item FACT-G subscale, 0–100 for EORTC scales).
    pub min: f64,
    pub max: f64,
    pub source: Source,
}

/// One scale's score with the counts behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleScore {
    pub code: String,
    pub score: Option<f64>,
    /// Items answered / items in the scale (for combined scales: over all component items).
    pub answered: usize,
    pub total: usize,
    /// Why the score is missing.
    pub note: Option<String>,
}

const REL_TOL: f64 = 1e-9;

fn at_least(a: f64, b: f64) -> bool {
    a >= b - REL_TOL * b.abs().max(1.0)
}

fn round3(v: f64) -> f64 {
    let r = (v * 1000.0).round() / 1000.0;
    if r == 0.0 { 0.0 } else { r }
}

fn num(v: f64) -> String {
    fmt_num(round3(v))
}

/// The knowledge-base definition of a case-file instrument.
pub fn instrument_def(qol: &Qol, inst: Instrument) -> Option<&InstrumentDef> {
    qol.instrument(inst.id())
}

fn unmapped_note(s: &ScaleDef) -> String {
    format!(
        "{}: not scored — no item→scale map ({}; supply the licensed map with --instrument-file)",
        s.code,
        s.source.status.mark()
    )
}

/// The score range of a scale.
pub fn scale_range(def: &InstrumentDef, s: &ScaleDef) -> (f64, f64) {
    let item_span = |codes: &[String]| -> (f64, f64) {
        codes
            .iter()
            .filter_map(|c| def.item(c))
            .fold((0.0, 0.0), |(lo, hi), it| {
                (lo + f64::from(it.min), hi + f64::from(it.max))
            })
    };
    match s.method {
        Method::ProratedSum => item_span(&s.items),
        Method::SumOfScales => s
            .scales
            .iter()
            .filter_map(|c| def.scale(c))
            .map(|c| scale_range(def, c))
            .fold((0.0, 0.0), |(lo, hi), (a, b)| (lo + a, hi + b)),
        _ => (0.0, 100.0),
    }
}

/// Score one completed questionnaire. Responses must already be checked
/// ([`check_assessments`]); unknown codes are ignored here.
pub fn score(def: &InstrumentDef, items: &BTreeMap<String, u8>) -> Vec<ScaleScore> {
    let mut out: Vec<ScaleScore> = Vec::with_capacity(def.scales.len());
    for s in &def.scales {
        let scored = if s.method.is_item_based() {
            score_items(def, s, items)
        } else {
            score_combined(s, &out)
        };
        out.push(scored);
    }
    out
}

fn score_items(def: &InstrumentDef, s: &ScaleDef, items: &BTreeMap<String, u8>) -> ScaleScore {
    let total = s.items.len();
    let mut values = Vec::with_capacity(total);
    let mut range = None;
    for code in &s.items {
        let Some(it) = def.item(code) else { continue };
        range.get_or_insert((f64::from(it.min), f64::from(it.max)));
        if let Some(&r) = items.get(code) {
            let v = if it.reverse {
                i32::from(it.min) + i32::from(it.max) - i32::from(r)
            } else {
                i32::from(r)
            };
            values.push(f64::from(v));
        }
    }
    let answered = values.len();
    let mut result = ScaleScore {
        code: s.code.clone(),
        score: None,
        answered,
        total,
        note: None,
    };
    if total == 0 {
        result.note = Some(unmapped_note(s));
        return result;
    }
    let rule = s.min_answered.expect("item-based scales have a rule (checked at load)");
    if !rule.allows(answered, total) {
        result.note = Some(format!(
            "{}: {answered} of {total} items answered; needs {} answered",
            s.code,
            rule.describe()
        ));
        return result;
    }
    let sum: f64 = values.iter().sum();
    let mean = sum / answered as f64;
    let (min, max) = range.expect("a mapped scale has items");
    let span = max - min;
    result.score = Some(match s.method {
        Method::ProratedSum => sum * total as f64 / answered as f64,
        Method::EortcFunctional => (1.0 - (mean - min) / span) * 100.0,
        Method::EortcSymptom | Method::EortcGlobal => (mean - min) / span * 100.0,
        Method::SumOfScales | Method::MeanOfScales => unreachable!("item-based"),
    });
    result
}

fn score_combined(s: &ScaleDef, done: &[ScaleScore]) -> ScaleScore {
    let comps: Vec<&ScaleScore> = s
        .scales
        .iter()
        .filter_map(|c| done.iter().find(|x| x.code == *c))
        .collect();
    let answered: usize = comps.iter().map(|c| c.answered).sum();
    let total: usize = comps.iter().map(|c| c.total).sum();
    let mut result = ScaleScore {
        code: s.code.clone(),
        score: None,
        answered,
        total,
        note: None,
    };
    let missing: Vec<&str> = comps
        .iter()
        .filter(|c| c.score.is_none())
        .map(|c| c.code.as_str())
        .collect();
    if !missing.is_empty() {
        let mut note = format!("{}: component scale(s) {} missing", s.code, missing.join(", "));
        if s.method == Method::MeanOfScales && s.source.status != Status::Verified {
            note.push_str(&format!(
                " (rule: all components required — {})",
                s.source.status.mark()
            ));
        }
        result.note = Some(note);
        return result;
    }
    if let Some(rule) = s.min_answered
        && !rule.allows(answered, total)
    {
        result.note = Some(format!(
            "{}: {answered} of {total} items answered; needs {} answered",
            s.code,
            rule.describe()
        ));
        return result;
    }
    let score = match s.method {
        Method::SumOfScales => comps.iter().map(|c| c.score.unwrap_or(0.0)).sum(),
        _ => {
            let v: f64 = comps
                .iter()
                .map(|c| {
                    let x = c.score.unwrap_or(0.0);
                    if s.invert.contains(&c.code) { 100.0 - x } else { x }
                })
                .sum();
            v / comps.len() as f64
        }
    };
    result.score = Some(score);
    result
}

/// The knowledge-dependent checks of the case's questionnaires: known instrument,
/// known item codes, responses in range, and one instrument's assessments in date
/// order (the first is its baseline).
pub fn check_assessments(assessments: &[QolAssessment], qol: &Qol) -> Result<(), InputError> {
    let mut last: HashMap<Instrument, Date> = HashMap::new();
    for (i, a) in assessments.iter().enumerate() {
        let Some(def) = instrument_def(qol, a.instrument) else {
            return Err(InputError::new(
                format!("qol[{i}].instrument"),
                format!(
                    "{} has no definition in the knowledge base; allowed: {}",
                    a.instrument.id(),
                    qol.instruments
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if let Some(prev) = last.insert(a.instrument, a.date)
            && a.date <= prev
        {
            return Err(InputError::invalid(
                format!("qol[{i}].date"),
                a.date,
                format!(
                    "a date after the previous {} assessment ({prev}); one instrument's assessments are in date \
                     order, the first is its baseline",
                    a.instrument.id()
                ),
            ));
        }
        for (code, &r) in &a.items {
            let field = format!("qol[{i}].items.{code}");
            let Some(it) = def.item(code) else {
                return Err(InputError::invalid(
                    field,
                    format!("unknown item code {code:?} for {}", def.id),
                    format!("the item codes as the form prints them: {}", def.item_codes_summary()),
                ));
            };
            if r < it.min || r > it.max {
                return Err(InputError::invalid(
                    field,
                    r,
                    format!(
                        "a response from {} to {} ({} item {code}); omit an unanswered item",
                        it.min, it.max, def.id
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Resolve the deterioration definition from the knowledge base and the user's options.
fn resolve_definition<'a>(qol: &'a Qol, opts: &QolOptions) -> Result<(DefinitionUsed, &'a InstrumentDef), InputError> {
    let d = &qol.deterioration;
    let base: &DeteriorationDef = match &opts.definition {
        Some(id) => d.definition(id).ok_or_else(|| {
            InputError::invalid(
                "definition",
                format!("{id:?}"),
                d.definitions
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?,
        None => d.default_definition(),
    };
    let mut user_set = Vec::new();
    let inst_id = match &opts.instrument {
        Some(i) => {
            user_set.push(format!("instrument ({i})"));
            i.clone()
        }
        None => base.instrument.clone(),
    };
    let inst = qol.instrument(&inst_id).ok_or_else(|| {
        InputError::invalid(
            "instrument",
            format!("{inst_id:?}"),
            qol.instruments
                .iter()
                .map(|x| x.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    let scale_code = match &opts.scale {
        Some(s) => {
            user_set.push(format!("scale ({s})"));
            s.clone()
        }
        None if opts.instrument.is_some() && inst.id != base.instrument => {
            return Err(InputError::new(
                "scale",
                format!(
                    "missing; the instrument was changed to {}, so name its scale; allowed: {}",
                    inst.id,
                    inst.scales
                        .iter()
                        .map(|s| s.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        None => base.scale.clone(),
    };
    let scale = inst.scale(&scale_code).ok_or_else(|| {
        InputError::invalid(
            "scale",
            format!("{scale_code:?}"),
            format!(
                "a scale of {}: {}",
                inst.id,
                inst.scales
                    .iter()
                    .map(|s| s.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let threshold = match opts.mid {
        Some(m) => {
            if !(m.is_finite() && m > 0.0 && m <= 1000.0) {
                return Err(InputError::invalid("mid", fmt_num(m), "a number of points > 0"));
            }
            user_set.push(format!("threshold ({} points)", fmt_num(m)));
            m
        }
        None => base.threshold,
    };
    let definitive = base.definitive && !opts.any_drop;
    if opts.any_drop && base.definitive {
        user_set.push("any drop counts (not definitive)".into());
    }
    let title = if user_set.is_empty() {
        base.title.clone()
    } else {
        format!(
            "{} {}, {} ≥ {} points{} (user-set: {}; based on {})",
            inst.id,
            scale.code,
            if definitive { "definitive" } else { "any" },
            fmt_num(threshold),
            if scale.higher_is_better {
                " decrease"
            } else {
                " increase"
            },
            user_set.join(", "),
            base.id
        )
    };
    Ok((
        DefinitionUsed {
            id: base.id.clone(),
            title,
            instrument: inst.id.clone(),
            scale: scale.code.clone(),
            scale_name: scale.name.clone(),
            threshold,
            direction: if scale.higher_is_better { "decrease" } else { "increase" }.into(),
            definitive,
            source: base.source.clone(),
            definitive_source: base.definitive_source.clone(),
            user_set,
        },
        inst,
    ))
}

/// Score every assessment of a case and find deterioration.
pub fn analyse(case: &Case, kb: &Kb, opts: &QolOptions) -> Result<QolReport, InputError> {
    analyse_with(case, &kb.qol, kb.version(), opts)
}

/// [`analyse`] with an explicit QoL knowledge (e.g. with a site-supplied instrument definition).
pub fn analyse_with(
    case: &Case,
    qol: &Qol,
    knowledge_version: &str,
    opts: &QolOptions,
) -> Result<QolReport, InputError> {
    if case.qol.is_empty() {
        return Err(InputError::new(
            "qol",
            "missing or empty; allowed: a list of questionnaires { date, instrument, items }",
        ));
    }
    check_assessments(&case.qol, qol)?;
    let (definition, det_inst) = resolve_definition(qol, opts)?;
    let mut warnings = Vec::new();

    // Score.
    let mut scored: Vec<(usize, &InstrumentDef, Vec<ScaleScore>)> = Vec::new();
    for (i, a) in case.qol.iter().enumerate() {
        let def = instrument_def(qol, a.instrument).expect("checked");
        scored.push((i, def, score(def, &a.items)));
    }
    let mut baseline_of: HashMap<Instrument, usize> = HashMap::new();
    for (i, a) in case.qol.iter().enumerate() {
        baseline_of.entry(a.instrument).or_insert(i);
    }
    let assessments: Vec<AssessmentScores> = scored
        .iter()
        .map(|(i, def, scales)| {
            let a = &case.qol[*i];
            let b = &scored[baseline_of[&a.instrument]].2;
            let change = scales
                .iter()
                .map(|s| {
                    let base = b.iter().find(|x| x.code == s.code).and_then(|x| x.score);
                    (s.code.clone(), s.score.zip(base).map(|(v, b0)| round3(v - b0)))
                })
                .collect();
            AssessmentScores {
                date: a.date,
                instrument: a.instrument,
                scales: scales.iter().map(|s| (s.code.clone(), s.score.map(round3))).collect(),
                valid: scales.iter().all(|s| s.score.is_some()),
                baseline: baseline_of[&a.instrument] == *i,
                items_answered: a.items.keys().filter(|c| def.item(c).is_some()).count(),
                items_total: def.items.len(),
                change_from_baseline: change,
                missing: scales.iter().filter_map(|s| s.note.clone()).collect(),
            }
        })
        .collect();

    // Instruments used, with warnings about their data.
    let mut used: Vec<&InstrumentDef> = Vec::new();
    for (_, def, _) in &scored {
        if !used.iter().any(|u| u.id == def.id) {
            used.push(def);
        }
    }
    for def in &used {
        let unmapped: Vec<&str> = def
            .scales
            .iter()
            .filter(|s| s.method.is_item_based() && s.items.is_empty())
            .map(|s| s.code.as_str())
            .collect();
        if !unmapped.is_empty() {
            warnings.push(format!(
                "{}: scales {} are not scored — the item→scale map is not in netrx's references (UNVERIFIED, \
                 ecosystem.md §1.3); supply the EORTC scoring sheet's map with --instrument-file.",
                def.id,
                unmapped.join(", ")
            ));
        }
        for s in &def.scales {
            if let Some(n) = s.expected_items
                && !s.items.is_empty()
                && s.items.len() != n
            {
                warnings.push(format!(
                    "{} {}: the definition maps {} items; the reference expects {n}.",
                    def.id,
                    s.code,
                    s.items.len()
                ));
            }
            let scoreable = !s.method.is_item_based() || !s.items.is_empty();
            if scoreable && s.source.status == Status::Unverified {
                warnings.push(format!(
                    "{} {}: scoring rule UNVERIFIED — {}{}",
                    def.id,
                    s.code,
                    s.source.reference,
                    s.source.note.as_deref().map(|n| format!(". {n}")).unwrap_or_default()
                ));
            }
        }
    }

    // Deterioration.
    let series: Vec<(Date, Option<f64>)> = scored
        .iter()
        .filter(|(_, def, _)| def.id == det_inst.id)
        .map(|(i, _, scales)| {
            (
                case.qol[*i].date,
                scales.iter().find(|s| s.code == definition.scale).and_then(|s| s.score),
            )
        })
        .collect();
    let higher_is_better = definition.direction == "decrease";
    let mut deterioration = Vec::new();
    let mut ttd = None;
    let mut ttd_event = None;
    let mut time_origin = None;
    match series.first() {
        None => warnings.push(format!(
            "No {} assessments: deterioration by \"{}\" cannot be assessed; choose another definition \
             (--definition, --instrument/--scale).",
            definition.instrument, definition.title
        )),
        Some((bdate, None)) => warnings.push(format!(
            "The {} baseline ({bdate}) has no {} score: deterioration cannot be assessed.",
            definition.instrument, definition.scale
        )),
        Some((bdate, Some(b))) => {
            let origin = match &case.everolimus {
                Some(ev) => TimeOrigin {
                    date: ev.start_date,
                    basis: "everolimus.start_date".into(),
                },
                None => TimeOrigin {
                    date: *bdate,
                    basis: "baseline assessment".into(),
                },
            };
            if *bdate > origin.date {
                warnings.push(format!(
                    "The {} baseline ({bdate}) is after the everolimus start ({}).",
                    definition.instrument, origin.date
                ));
            }
            let det_instrument = Instrument::ALL
                .iter()
                .copied()
                .find(|i| i.id() == det_inst.id)
                .expect("assessments exist for this instrument");
            let months = |d: Date| round3(origin.date.months_until(d).max(0.0));
            let worse = |v: f64| if higher_is_better { b - v } else { v - b };
            let later: Vec<(Date, f64)> = series[1..].iter().filter_map(|(d, v)| v.map(|v| (*d, v))).collect();
            for (k, (d, v)) in later.iter().enumerate() {
                if at_least(worse(*v), definition.threshold) {
                    let definitive = later[k + 1..]
                        .iter()
                        .all(|(_, w)| at_least(worse(*w), definition.threshold));
                    let counts = definitive || !definition.definitive;
                    if counts && ttd.is_none() {
                        ttd = Some(months(*d));
                        ttd_event = Some(true);
                    }
                    deterioration.push(DeteriorationEvent {
                        date: *d,
                        instrument: det_instrument,
                        scale: definition.scale.clone(),
                        baseline_score: round3(*b),
                        score: round3(*v),
                        change: round3(v - b),
                        months_from_origin: months(*d),
                        definitive,
                        counts,
                    });
                }
            }
            if ttd.is_none() {
                let last = later.last().map(|(d, _)| *d).unwrap_or(*bdate);
                ttd = Some(months(last));
                ttd_event = Some(false);
            }
            let first_counted = deterioration.iter().find(|e| e.counts).map(|e| e.date);
            if definition.definitive && first_counted.is_some() && first_counted == later.last().map(|(d, _)| *d) {
                warnings.push(
                    "The deterioration is at the last assessment: no later assessment confirms it is definitive."
                        .into(),
                );
            }
            time_origin = Some(origin);
        }
    }
    let mut flagged = vec![&definition.source];
    if definition.definitive {
        flagged.push(&definition.definitive_source);
    }
    for src in flagged {
        if src.status == Status::Unverified {
            warnings.push(format!(
                "UNVERIFIED: {}{}",
                src.reference,
                src.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default()
            ));
        }
    }

    let instruments = used
        .iter()
        .map(|def| InstrumentSummary {
            id: def.id.clone(),
            title: def.title.clone(),
            version: def.version.clone(),
            copyright: def.copyright.clone(),
            source: def.source.clone(),
            scales: def
                .scales
                .iter()
                .map(|s| {
                    let (min, max) = scale_range(def, s);
                    ScaleSummary {
                        code: s.code.clone(),
                        name: s.name.clone(),
                        higher_is_better: s.higher_is_better,
                        min,
                        max,
                        source: s.source.clone(),
                    }
                })
                .collect(),
        })
        .collect();

    Ok(QolReport {
        knowledge_version: knowledge_version.to_string(),
        case_id: case.id.clone(),
        assessments,
        deterioration,
        time_to_deterioration_months: ttd,
        time_to_deterioration_event: ttd_event,
        definition,
        time_origin,
        instruments,
        warnings,
    })
}

/// A short description of a score for text output.
pub fn fmt_score(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "—".into())
}
