//! Everolimus start (or current) dose for NET from the label's rules
//! (clinical-rules.md §B.2, §B.3, §B.5, §B.6; `knowledge/everolimus/`): hepatic
//! impairment, CYP3A4/P-gp interactions, ACE inhibitors, octreotide, grapefruit,
//! the monitoring plan and counselling — every item with its source.
//!
//! Adjustments act as caps on the dose in force (the standard 10 mg, or the
//! case's current dose). Two caps from different rules (an inhibitor and hepatic
//! impairment) are never multiplied: netrx shows the lower of the single-rule
//! doses and flags the conflict for the clinician (R-B3.1). A combination the
//! label says to avoid gives no dose (`dose_mg` null, `avoid` true) and the
//! alternative the label allows, if any.

use crate::capability::Region;
use crate::meds::{self, KnownMedication};
use netrx_case::{Case, ChildPugh, Frequency, InputError, Sex};
use netrx_kb::label::{Alternative, ClassKind, Effect, Sourced};
use netrx_kb::{Kb, Source};
use serde::Serialize;

/// What an adjustment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentEffect {
    /// Sets the starting point (standard dose or the dose in force).
    Base,
    /// The dose must not exceed `dose_mg`.
    Cap,
    /// The combination is to be avoided: no dose.
    Avoid,
    /// No change (stated so the clinician sees it was considered).
    None,
}

/// One adjustment with its reason and source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    /// standard | current | hepatic | interaction | renal
    pub kind: String,
    /// Why it applies (the case field and value).
    pub reason: String,
    pub effect: AdjustmentEffect,
    /// The dose this rule alone gives (mg), if any.
    pub dose_mg: Option<f64>,
    /// The rule, in words.
    pub text: String,
    pub source: Source,
    /// Follow-on statements with their own sources (e.g. UNVERIFIED parts).
    pub details: Vec<Sourced>,
    /// Part of a conflict the label does not resolve (R-B3.1): clinician to decide.
    pub conflict: bool,
}

/// An interacting medication found in the case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    /// The name as written in the case file.
    pub medication: String,
    /// Its id (lowercase INN).
    pub id: String,
    /// How the name was recognised, e.g. "rifampin" → rifampicin.
    pub matched_as: String,
    /// The interaction class id (or `pk_effect` for a documented PK effect only).
    pub class: String,
    pub class_name: String,
    /// inhibitor | inducer | food | pharmacodynamic | everolimus_perpetrator (null for a PK note only).
    pub kind: Option<ClassKind>,
    pub effect: Effect,
    /// For `cap`: the dose netrx shows; `dose_options_mg`: the label's choices.
    pub dose_mg: Option<f64>,
    pub dose_options_mg: Vec<f64>,
    pub text: String,
    pub source: Source,
    pub details: Vec<Sourced>,
    /// The rule is the other region's: the reference has none for this region.
    pub region_fallback: bool,
    /// The medication is named in the other region's list for this class, not this region's.
    pub listed_for_other_region_only: bool,
}

/// A monitoring item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitoringItem {
    pub id: String,
    pub what: String,
    pub when: String,
    pub source: Source,
    pub details: Vec<Sourced>,
    /// Why it matters especially for this patient, if it does.
    pub because: Option<String>,
}

/// A counselling point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CounsellingItem {
    pub id: String,
    pub topic: String,
    pub text: String,
    pub source: Source,
    pub because: Option<String>,
}

/// The label versions the rules were read from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelInfo {
    /// Which label copies (this region).
    pub label: String,
    /// Re-verify before clinical use.
    pub caveat: String,
}

/// The dose recommendation (the JSON contract of `netrx dose --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseAdvice {
    pub knowledge_version: String,
    pub region: Region,
    /// `start` (no everolimus course in the case) or `current` (adjusting the dose in force).
    pub basis: String,
    /// Recommended dose (mg), null when the combination is to be avoided.
    pub dose_mg: Option<f64>,
    /// `daily` | `every_other_day`, null when avoided.
    pub frequency: Option<Frequency>,
    /// The label says to avoid a combination present in the case.
    pub avoid: bool,
    /// What the label allows if the avoided combination cannot be avoided.
    pub alternative: Option<Alternative>,
    pub adjustments: Vec<Adjustment>,
    pub interactions: Vec<Interaction>,
    /// Medication names netrx does not know: check them by hand.
    pub unknown_medications: Vec<String>,
    /// Recognised medications for which no interaction is listed (the label's lists are examples, not exhaustive).
    pub no_listed_interaction: Vec<KnownMedication>,
    pub monitoring: Vec<MonitoringItem>,
    pub counselling: Vec<CounsellingItem>,
    pub warnings: Vec<String>,
    pub label: LabelInfo,
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}

fn freq_id(f: Frequency) -> &'static str {
    match f {
        Frequency::Daily => "daily",
        Frequency::EveryOtherDay => "every other day",
    }
}

/// How a dose can be made from whole tablets of a region's strengths (largest first),
/// when it is not itself a strength. `None` when it cannot.
pub fn tablet_combination(dose: f64, strengths: &[f64]) -> Option<Vec<f64>> {
    let mut left = dose;
    let mut out = Vec::new();
    for &s in strengths.iter().rev() {
        while left >= s - 1e-9 {
            out.push(s);
            left -= s;
        }
    }
    (left.abs() < 1e-9).then_some(out)
}

/// The everolimus dose recommendation for a case.
pub fn advise(case: &Case, kb: &Kb, region: Region) -> Result<DoseAdvice, InputError> {
    let label = &kb.everolimus;
    let r = region.id();
    let std = &label.dosing.standard_dose;
    let mut warnings: Vec<String> = Vec::new();
    let mut adjustments: Vec<Adjustment> = Vec::new();

    // 1. The starting point.
    let (basis, base_dose, base_freq) = match &case.everolimus {
        Some(ev) => {
            adjustments.push(Adjustment {
                kind: "current".into(),
                reason: format!(
                    "everolimus.dose_mg = {} mg {} (the dose in force)",
                    num(ev.dose_mg),
                    freq_id(ev.frequency)
                ),
                effect: AdjustmentEffect::Base,
                dose_mg: Some(ev.dose_mg),
                text: format!(
                    "Adjustments below are applied to the dose in force; the standard NET dose is {}",
                    std.text
                ),
                source: std.source.clone(),
                details: vec![],
                conflict: false,
            });
            if ev.dose_mg > std.dose_mg + 1e-9 {
                // Which label rules allow a dose above the standard one (from the data).
                let higher: Vec<String> = label
                    .interactions
                    .class
                    .iter()
                    .filter_map(|c| {
                        let (rule, _) = c.rule(r)?;
                        let a = rule.alternative.as_ref()?;
                        (a.max_dose_mg > std.dose_mg + 1e-9)
                            .then(|| format!("{} (up to {} mg daily)", c.name, num(a.max_dose_mg)))
                    })
                    .collect();
                warnings.push(if higher.is_empty() {
                    format!(
                        "The dose in force ({} mg) is above the standard NET dose ({} mg); no label rule in netrx gives a higher dose.",
                        num(ev.dose_mg),
                        num(std.dose_mg)
                    )
                } else {
                    format!(
                        "The dose in force ({} mg) is above the standard NET dose ({} mg); the label rules in netrx give a higher dose only with: {}.",
                        num(ev.dose_mg),
                        num(std.dose_mg),
                        higher.join("; ")
                    )
                });
            }
            ("current", ev.dose_mg, ev.frequency)
        }
        None => {
            adjustments.push(Adjustment {
                kind: "standard".into(),
                reason: "no everolimus course in the case: start dose".into(),
                effect: AdjustmentEffect::Base,
                dose_mg: Some(std.dose_mg),
                text: std.text.clone(),
                source: std.source.clone(),
                details: vec![Sourced {
                    text: label.dosing.flat_dose.text.clone(),
                    source: label.dosing.flat_dose.source.clone(),
                }],
                conflict: false,
            });
            ("start", std.dose_mg, Frequency::Daily)
        }
    };

    // 2. Hepatic impairment.
    let mut hepatic_cap: Option<f64> = None;
    match case.patient.child_pugh {
        Some(cp) => {
            let id = match cp {
                ChildPugh::A => "A",
                ChildPugh::B => "B",
                ChildPugh::C => "C",
            };
            let h = label
                .hepatic(id, r)
                .expect("hepatic rules for every class and region (checked at load)");
            let n = &label.dosing.hepatic_notes;
            let mut details = vec![Sourced {
                text: n.change.clone(),
                source: n.change_source.clone(),
            }];
            if let Some(d) = h.may_decrease_to_mg {
                details.push(Sourced {
                    text: format!("May decrease to {} mg daily if not well tolerated.", num(d)),
                    source: h.source.clone(),
                });
            }
            details.push(Sourced {
                text: n.version_trap.clone(),
                source: n.version_trap_source.clone(),
            });
            details.push(Sourced {
                text: n.pk.clone(),
                source: n.pk_source.clone(),
            });
            if let (Some(t), Some(src)) = (&n.pk_fold, &n.pk_fold_source) {
                details.push(Sourced {
                    text: t.clone(),
                    source: src.clone(),
                });
            }
            if h.benefit_risk_only || h.maximum {
                warnings.push(format!(
                    "Child-Pugh {id}: everolimus only if the desired benefit outweighs the risk; {} mg daily must not be exceeded.",
                    num(h.dose_mg)
                ));
            }
            if base_dose < h.dose_mg - 1e-9 {
                details.push(Sourced {
                    text: format!(
                        "The dose in force ({} mg) is already below the Child-Pugh {id} dose; it is not raised.",
                        num(base_dose)
                    ),
                    source: h.source.clone(),
                });
            }
            hepatic_cap = Some(h.dose_mg);
            adjustments.push(Adjustment {
                kind: "hepatic".into(),
                reason: format!("patient.child_pugh = {id}"),
                effect: AdjustmentEffect::Cap,
                dose_mg: Some(h.dose_mg),
                text: h.text.clone(),
                source: h.source.clone(),
                details,
                conflict: false,
            });
        }
        None => warnings.push(label.dosing.hepatic_notes.not_assessed.clone()),
    }
    if case
        .patient
        .comorbidities
        .contains(&netrx_case::Comorbidity::ChronicKidneyDisease)
    {
        adjustments.push(Adjustment {
            kind: "renal".into(),
            reason: "patient.comorbidities contains chronic_kidney_disease".into(),
            effect: AdjustmentEffect::None,
            dose_mg: None,
            text: label.dosing.renal.text.clone(),
            source: label.dosing.renal.source.clone(),
            details: vec![],
            conflict: false,
        });
    }

    // 3. Medications.
    let list = meds::resolve(kb, &case.medications);
    let other = if r == "eu" { "us" } else { "eu" };
    let mut interactions: Vec<Interaction> = Vec::new();
    let mut no_listed = Vec::new();
    for m in &list.known {
        let med = kb.medications.get(&m.id).expect("resolved ids exist");
        let mut found = false;
        for class in &label.interactions.class {
            let Some((rule, fallback)) = class.rule(r) else {
                continue;
            };
            let member = |rule: &netrx_kb::label::InteractionRule| {
                rule.members.contains(&m.id) || rule.member_classes.iter().any(|c| med.classes.contains(c))
            };
            let in_own = member(rule);
            let in_other = !in_own
                && !fallback
                && class
                    .rule(other)
                    .is_some_and(|(o, o_fallback)| !o_fallback && member(o));
            if !(in_own || in_other) {
                continue;
            }
            found = true;
            let mut details = rule.details.clone();
            for e in label.interactions.drug_effect.iter().filter(|e| e.medication == m.id) {
                details.push(Sourced {
                    text: e.text.clone(),
                    source: e.source.clone(),
                });
            }
            if fallback {
                warnings.push(format!(
                    "{}: the reference gives this interaction ({}) for the {} label only; it is shown for {} with that source — check the {} label.",
                    m.given,
                    class.name,
                    other.to_uppercase(),
                    r.to_uppercase(),
                    r.to_uppercase()
                ));
            }
            if in_other {
                warnings.push(format!(
                    "{}: named as a {} in the {} list, not in the {} list (the lists are examples); the {} rule is applied — clinician to confirm.",
                    m.given,
                    class.name,
                    other.to_uppercase(),
                    r.to_uppercase(),
                    r.to_uppercase()
                ));
            }
            interactions.push(Interaction {
                medication: m.given.clone(),
                id: m.id.clone(),
                matched_as: m.matched_as.clone(),
                class: class.id.clone(),
                class_name: class.name.clone(),
                kind: Some(class.kind),
                effect: rule.effect,
                dose_mg: rule.dose_mg,
                dose_options_mg: rule.dose_options_mg.clone(),
                text: rule.text.clone(),
                source: rule.source.clone(),
                details,
                region_fallback: fallback,
                listed_for_other_region_only: in_other,
            });
        }
        if !found {
            let effects: Vec<_> = label
                .interactions
                .drug_effect
                .iter()
                .filter(|e| e.medication == m.id)
                .collect();
            if effects.is_empty() {
                no_listed.push(m.clone());
            }
            for e in effects {
                interactions.push(Interaction {
                    medication: m.given.clone(),
                    id: m.id.clone(),
                    matched_as: m.matched_as.clone(),
                    class: "pk_effect".into(),
                    class_name: "Documented pharmacokinetic effect".into(),
                    kind: None,
                    effect: Effect::Info,
                    dose_mg: None,
                    dose_options_mg: vec![],
                    text: e.text.clone(),
                    source: e.source.clone(),
                    details: vec![],
                    region_fallback: false,
                    listed_for_other_region_only: false,
                });
            }
        }
    }
    if !list.unknown.is_empty() {
        warnings.push(format!(
            "Not in netrx's medication list — check interactions by hand (CYP3A4/P-gp inhibitors and inducers, ACE inhibitors): {}.",
            list.unknown.join(", ")
        ));
    }

    // 4. Combine: avoid, caps, conflicts.
    let avoiders: Vec<&Interaction> = interactions.iter().filter(|i| i.effect == Effect::Avoid).collect();
    let avoid = !avoiders.is_empty();
    let mut alternative: Option<Alternative> = None;
    for i in &avoiders {
        let class = label
            .interactions
            .class
            .iter()
            .find(|c| c.id == i.class)
            .expect("class exists");
        if let Some((rule, _)) = class.rule(r)
            && let Some(a) = &rule.alternative
        {
            alternative = Some(a.clone());
        }
    }
    let kind_of = |i: &Interaction| {
        label
            .interactions
            .class
            .iter()
            .find(|c| c.id == i.class)
            .map(|c| c.kind)
    };
    let inhibitor_avoid = avoiders.iter().any(|i| kind_of(i) == Some(ClassKind::Inhibitor));
    let inducer = avoiders.iter().any(|i| kind_of(i) == Some(ClassKind::Inducer));
    if inhibitor_avoid && alternative.is_some() {
        alternative = None;
        let rule = label
            .interactions
            .design_rule("strong_inhibitor_and_inducer")
            .expect("design rules are checked at load");
        warnings.push(format!("{} ({})", rule.text, rule.source));
    }
    for i in &avoiders {
        adjustments.push(Adjustment {
            kind: "interaction".into(),
            reason: format!("medications: {} ({})", i.medication, i.class_name),
            effect: AdjustmentEffect::Avoid,
            dose_mg: None,
            text: i.text.clone(),
            source: i.source.clone(),
            details: i.details.clone(),
            conflict: false,
        });
    }
    let mut caps: Vec<(usize, f64)> = Vec::new();
    if let Some(c) = hepatic_cap {
        let idx = adjustments
            .iter()
            .position(|a| a.kind == "hepatic")
            .expect("pushed above");
        caps.push((idx, c));
    }
    let mut seen_classes: Vec<&str> = Vec::new();
    for i in interactions.iter().filter(|i| i.effect == Effect::Cap) {
        if seen_classes.contains(&i.class.as_str()) {
            continue;
        }
        seen_classes.push(&i.class);
        let meds: Vec<&str> = interactions
            .iter()
            .filter(|j| j.class == i.class)
            .map(|j| j.medication.as_str())
            .collect();
        let mut details = i.details.clone();
        if i.dose_options_mg.len() > 1 {
            details.insert(
                0,
                Sourced {
                    text: format!(
                        "The label leaves the choice between {} mg; netrx shows {} mg.",
                        i.dose_options_mg
                            .iter()
                            .map(|d| num(*d))
                            .collect::<Vec<_>>()
                            .join(" and "),
                        num(i.dose_mg.unwrap_or(0.0))
                    ),
                    source: i.source.clone(),
                },
            );
        }
        adjustments.push(Adjustment {
            kind: "interaction".into(),
            reason: format!("medications: {} ({})", meds.join(", "), i.class_name),
            effect: AdjustmentEffect::Cap,
            dose_mg: i.dose_mg,
            text: i.text.clone(),
            source: i.source.clone(),
            details,
            conflict: false,
        });
        caps.push((
            adjustments.len() - 1,
            i.dose_mg.expect("cap has a dose (checked at load)"),
        ));
    }
    // Conflicts (R-B3.1): an interaction rule together with hepatic impairment.
    let interaction_rules = adjustments
        .iter()
        .filter(|a| a.kind == "interaction" && matches!(a.effect, AdjustmentEffect::Cap | AdjustmentEffect::Avoid))
        .count();
    if hepatic_cap.is_some() && interaction_rules > 0 {
        for a in adjustments.iter_mut() {
            if a.kind == "hepatic" || (a.kind == "interaction" && a.effect != AdjustmentEffect::None) {
                a.conflict = true;
            }
        }
        let msg = if avoid {
            if inducer && !inhibitor_avoid {
                format!(
                    "Conflict (R-B3.1): a strong inducer (label: avoid; if unavoidable increase up to {} mg) together with hepatic impairment (Child-Pugh dose {} mg); the label has no combined rule — clinician to decide.",
                    num(alternative.as_ref().map(|a| a.max_dose_mg).unwrap_or(0.0)),
                    num(hepatic_cap.unwrap_or(0.0))
                )
            } else {
                "Conflict (R-B3.1): an interaction to avoid together with hepatic impairment; the label has no combined rule — clinician to decide.".to_string()
            }
        } else {
            let lowest = caps.iter().map(|(_, c)| *c).fold(f64::INFINITY, f64::min);
            format!(
                "Conflict (R-B3.1): an interacting medication and hepatic impairment each reduce the dose; the label has no combined rule and the reductions must not be multiplied. netrx shows the lower of the single-rule doses ({} mg) — clinician to decide.",
                num(lowest)
            )
        };
        warnings.push(msg);
    }

    let (dose_mg, frequency) = if avoid {
        (None, None)
    } else {
        let lowest_cap = caps.iter().map(|(_, c)| *c).fold(f64::INFINITY, f64::min);
        (Some(base_dose.min(lowest_cap)), Some(base_freq))
    };
    if avoid {
        let names: Vec<&str> = avoiders.iter().map(|i| i.medication.as_str()).collect();
        warnings.push(format!(
            "Avoid: {} — the label gives no everolimus dose for this combination{}.",
            names.join(", "),
            if alternative.is_some() {
                "; see the alternative if it cannot be avoided"
            } else {
                ""
            }
        ));
        if let (Some(a), Some(h)) = (&alternative, hepatic_cap) {
            warnings.push(format!(
                "The inducer alternative (up to {} mg daily) exceeds the hepatic-impairment dose ({} mg): not to be combined without specialist review.",
                num(a.max_dose_mg),
                num(h)
            ));
        }
    }
    for i in &interactions {
        match i.effect {
            Effect::AvoidFood => warnings.push(format!("{}: {} The dose assumes it is stopped.", i.medication, i.text)),
            Effect::Warning => warnings.push(format!("{}: {}", i.medication, i.text)),
            _ => {}
        }
    }
    if let (Some(d), Some(s)) = (dose_mg, label.strengths(r))
        && !s.tablets_mg.iter().any(|t| (t - d).abs() < 1e-9)
    {
        match tablet_combination(d, &s.tablets_mg) {
            Some(c) => warnings.push(format!(
                "{} mg is not a single {} tablet strength: e.g. {} mg.",
                num(d),
                r.to_uppercase(),
                c.iter().map(|x| num(*x)).collect::<Vec<_>>().join(" + ")
            )),
            None => warnings.push(format!(
                "{} mg cannot be made from {} tablet strengths ({} mg).",
                num(d),
                r.to_uppercase(),
                s.tablets_mg.iter().map(|x| num(*x)).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    // 5. Monitoring and counselling.
    let comorb: Vec<&str> = case.patient.comorbidities.iter().map(|c| c.id()).collect();
    let because = |ids: &[String]| -> Option<String> {
        let hit: Vec<&str> = ids.iter().map(String::as_str).filter(|i| comorb.contains(i)).collect();
        (!hit.is_empty()).then(|| format!("patient.comorbidities: {}", hit.join(", ")))
    };
    let monitoring = label
        .monitoring
        .monitoring
        .iter()
        .map(|m| {
            let mut b = because(&m.emphasise_if);
            if m.id == "liver"
                && let Some(cp) = case.patient.child_pugh
            {
                b = Some(format!("patient.child_pugh = {}", cp.id()));
            }
            MonitoringItem {
                id: m.id.clone(),
                what: m.what.clone(),
                when: m.when.clone(),
                source: m.source.clone(),
                details: m.details.clone(),
                because: b,
            }
        })
        .collect();
    let sex = case.patient.sex;
    let counselling = label
        .monitoring
        .counselling
        .iter()
        .filter(|c| c.region.as_deref().is_none_or(|x| x == r))
        .filter(|c| match c.sex.as_deref() {
            None => true,
            Some("female") => !matches!(sex, Sex::Male),
            Some("male") => !matches!(sex, Sex::Female),
            Some(_) => true,
        })
        .map(|c| CounsellingItem {
            id: c.id.clone(),
            topic: c.topic.clone(),
            text: c.text.clone(),
            source: c.source.clone(),
            because: because(&c.emphasise_if),
        })
        .collect();
    // Pregnancy and breast-feeding: point to the counselling item of the same id (its text
    // and source come from knowledge/everolimus/monitoring.toml, per region).
    for c in ["pregnancy", "breast_feeding"] {
        if comorb.contains(&c) {
            let item = label
                .monitoring
                .counselling
                .iter()
                .find(|x| x.id == c && x.region.as_deref().is_none_or(|x| x == r));
            warnings.push(match item {
                Some(i) => format!(
                    "patient.comorbidities contains {c}: {} — {} ({}).",
                    i.topic, i.text, i.source
                ),
                None => format!(
                    "patient.comorbidities contains {c}: netrx has no counselling item on it for the {} label.",
                    r.to_uppercase()
                ),
            });
        }
    }

    // 6. Active toxicity (the course replay of `netrx tox`).
    if case.everolimus.is_some() && (!case.adverse_events.is_empty() || !case.labs.is_empty()) {
        let t = crate::tox::replay(case, kb, region)?;
        if let (Some(action), Some(e)) = (t.current.action, &t.current.event)
            && action != netrx_kb::label::Action::Continue
        {
            let resume = match (t.current.resume_when.as_deref(), t.current.resume_dose_mg) {
                (Some(w), Some(d)) => format!(
                    "; resume when {w} at {} mg {}",
                    num(d),
                    freq_id(t.current.resume_frequency.unwrap_or(Frequency::Daily))
                ),
                _ => String::new(),
            };
            warnings.push(format!(
                "Toxicity: the label's current action is {} for {} grade {} of {} ({}){resume} — see netrx tox.",
                action.id().to_uppercase(),
                e.term_name,
                e.grade,
                e.date,
                e.entry
            ));
        }
    }

    Ok(DoseAdvice {
        knowledge_version: kb.version().to_string(),
        region,
        basis: basis.into(),
        dose_mg,
        frequency,
        avoid,
        alternative,
        adjustments,
        interactions,
        unknown_medications: list.unknown,
        no_listed_interaction: no_listed,
        monitoring,
        counselling,
        warnings,
        label: LabelInfo {
            label: if r == "eu" {
                label.dosing.label.eu.clone()
            } else {
                label.dosing.label.us.clone()
            },
            caveat: label.dosing.label.caveat.clone(),
        },
    })
}
