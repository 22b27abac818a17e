//! Everolimus toxicity management over a course (clinical-rules.md §B.4, §B.8;
//! `knowledge/everolimus/modifications.toml`).
//!
//! The course is replayed in date order: lab values are graded with CTCAE v5.0,
//! adverse events are taken as the clinician graded them, and each onset or
//! worsening gets the label's action for its category, grade and region —
//! continue, withhold or discontinue — with the recovery condition, the resume
//! dose and frequency down the region's ladder from the dose in force, the
//! supportive measures and the source.
//!
//! Episodes and recurrences. An adverse event (per CTCAE term) is one episode
//! from onset until it recovers to the row's resume condition (or is recorded as
//! resolved to it). A later onset of the same term is a *recurrence* for the row
//! of its grade when an earlier episode reached that grade or higher (the
//! toxicity has been at least this severe before and came back); the row's
//! `recurrent` rule then applies. A higher grade within an open episode is a
//! *worsening* and gets the row of the new grade.
//!
//! The dose in force at an event is read from `everolimus.history` (a change
//! dated on the event's day is taken as the response to it); during a hold
//! (dose 0) it is the dose before the hold.

use crate::capability::Region;
use crate::ctcae::{LabInput, grade_lab};
use netrx_case::{Case, Date, Frequency, InputError};
use netrx_kb::label::{Action, Branch, Ladder, LadderMethod, Resume, Sourced};
use netrx_kb::{Kb, Source, Status};
use serde::Serialize;
use std::collections::BTreeMap;

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}

fn freq_text(f: Frequency) -> &'static str {
    match f {
        Frequency::Daily => "daily",
        Frequency::EveryOtherDay => "every other day",
    }
}

// ---------------------------------------------------------------------------
// The ladder

/// One step down a region's dose-reduction ladder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// The reduced regimen.
    Dose {
        dose_mg: f64,
        frequency: Frequency,
        /// How it was derived, in words.
        how: String,
        source: Source,
    },
    /// No lower step: the ladder ends (discontinuation).
    End { text: String, source: Source },
}

/// Reduce a regimen one step on the region's ladder (clinical-rules.md §B.4, R-B3.2):
/// US ~50 % of the dose in force rounded down to a strength, not below 2.5 mg, then
/// every other day; EU 5 mg daily, then 5 mg on alternate days; from every-other-day
/// dosing there is no lower step.
pub fn reduce(kb: &Kb, region: Region, dose_mg: f64, frequency: Frequency) -> Step {
    let label = &kb.everolimus;
    let l: &Ladder = label
        .ladder(region.id())
        .expect("a ladder per region (checked at load)");
    let strengths = &label
        .strengths(region.id())
        .expect("strengths per region (checked at load)")
        .tablets_mg;
    let eps = 1e-9;
    if frequency == Frequency::EveryOtherDay {
        return Step::End {
            text: l.end_text.clone(),
            source: l.end_source.clone(),
        };
    }
    if dose_mg <= l.floor_mg + eps {
        return Step::Dose {
            dose_mg,
            frequency: Frequency::EveryOtherDay,
            how: format!(
                "{} mg daily is at or below the {} floor ({} mg): every other day ({})",
                num(dose_mg),
                region.id().to_uppercase(),
                num(l.floor_mg),
                l.steps
            ),
            source: l.source.clone(),
        };
    }
    match l.method {
        LadderMethod::Fraction => {
            let f = l.fraction.expect("fraction ladder has a fraction (checked at load)");
            let target = dose_mg * f;
            let strength = strengths
                .iter()
                .copied()
                .filter(|s| *s <= target + eps)
                .fold(None, |a: Option<f64>, s| Some(a.map_or(s, |a| a.max(s))));
            match strength {
                Some(s) if s >= l.floor_mg - eps => {
                    let exact = (s - target).abs() < eps;
                    Step::Dose {
                        dose_mg: s,
                        frequency: Frequency::Daily,
                        how: if exact {
                            format!("~{} % of {} mg = {} mg daily", num(f * 100.0), num(dose_mg), num(s))
                        } else {
                            format!(
                                "~{} % of {} mg = {} mg, not a strength: rounded down to {} mg daily ({})",
                                num(f * 100.0),
                                num(dose_mg),
                                num(target),
                                num(s),
                                l.rounding
                            )
                        },
                        source: if exact {
                            l.source.clone()
                        } else {
                            l.rounding_source.clone()
                        },
                    }
                }
                _ => Step::Dose {
                    dose_mg: l.floor_mg,
                    frequency: Frequency::EveryOtherDay,
                    how: format!(
                        "~{} % of {} mg = {} mg is below the lowest strength ({} mg): {} mg every other day",
                        num(f * 100.0),
                        num(dose_mg),
                        num(target),
                        num(l.floor_mg),
                        num(l.floor_mg)
                    ),
                    source: l.source.clone(),
                },
            }
        }
        LadderMethod::Fixed => {
            let m = l
                .reduced_dose_mg
                .expect("fixed ladder has a reduced dose (checked at load)");
            Step::Dose {
                dose_mg: m,
                frequency: Frequency::Daily,
                how: format!(
                    "{}: reduced dose {} mg daily (from {} mg), never lower than {} mg daily",
                    region.id().to_uppercase(),
                    num(m),
                    num(dose_mg),
                    num(l.floor_mg)
                ),
                source: l.source.clone(),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Output

/// A regimen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Regimen {
    pub dose_mg: f64,
    pub frequency: Frequency,
}

/// The event an action answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub date: Date,
    /// CTCAE v5.0 term id.
    pub term: String,
    pub term_name: String,
    /// Row family of the dose-modification table (or `none`).
    pub category: String,
    /// CTCAE grade (for labs: the grade read from the value; a lower bound when undetermined).
    pub grade: u8,
    /// `adverse_event` or `lab`.
    pub origin: String,
    /// The case-file entry, e.g. `adverse_events[2]` or `labs[4]`.
    pub entry: String,
    /// For lab events: the value and the criterion met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab: Option<LabReading>,
    /// Other case entries recording the same event on the same day.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// A lab reading behind an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabReading {
    pub test: String,
    pub value: f64,
    pub unit: String,
    pub criterion: String,
}

/// The intolerable branch of a "continue if tolerable" rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IfIntolerable {
    pub action: Action,
    pub resume_when: Option<String>,
    pub resume_when_max_grade: Option<u8>,
    pub resume_dose_mg: Option<f64>,
    pub resume_frequency: Option<Frequency>,
    pub rule: String,
}

/// The action for one event (a timeline entry).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub date: Date,
    pub event: Event,
    /// `first`, `recurrent` or `worsening`.
    pub occurrence: String,
    /// Onset of the earlier episode this one recurs after.
    pub recurrence_of: Option<Date>,
    /// The everolimus regimen in force at the event (null when not recorded).
    pub dose_in_force: Option<Regimen>,
    /// continue | withhold | discontinue; null when the label table has no row for the event.
    pub action: Option<Action>,
    /// The label says "consider" (clinician's judgement).
    pub consider: bool,
    /// Recovery condition to resume, e.g. "grade 0–1".
    pub resume_when: Option<String>,
    /// The same condition as a number: resume when the grade is at most this.
    pub resume_when_max_grade: Option<u8>,
    pub resume_dose_mg: Option<f64>,
    pub resume_frequency: Option<Frequency>,
    /// Discontinue if not recovered within this many days.
    pub discontinue_if_not_recovered_days: Option<u32>,
    /// For "continue if tolerable" rules: what to do if the clinician judges it intolerable.
    pub if_intolerable: Option<IfIntolerable>,
    /// The rule applied, in words.
    pub rule: String,
    /// How the resume dose was derived.
    pub ladder: Option<String>,
    pub supportive: Vec<Sourced>,
    pub details: Vec<Sourced>,
    /// Source of the rule, with its verification status.
    pub source: Option<Source>,
    /// A separate source for the recovery threshold, when weaker than the rule's.
    pub resume_when_source: Option<Source>,
    /// Date the event met the resume condition, if known.
    pub recovered_on: Option<Date>,
    /// For withhold/discontinue: the first recorded dose change on or after the event (`everolimus.history`).
    pub recorded_change: Option<RecordedChange>,
    /// For withhold: the first recorded non-zero dose on or after the event (the recorded resumption).
    pub recorded_resume: Option<RecordedChange>,
    pub notes: Vec<String>,
}

/// A recorded dose change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedChange {
    pub date: Date,
    pub dose_mg: f64,
    pub frequency: Frequency,
    pub reason: String,
}

/// What to do now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Current {
    /// continue | withhold | discontinue (null only when an active event has no label row).
    pub action: Option<Action>,
    pub resume_when: Option<String>,
    pub resume_dose_mg: Option<f64>,
    pub resume_frequency: Option<Frequency>,
    /// The event that decides the current action (null when nothing is active).
    pub event: Option<Event>,
    pub source: Option<Source>,
    /// The rule in words.
    pub rule: String,
    pub consider: bool,
    pub if_intolerable: Option<IfIntolerable>,
    /// The regimen recorded as in force now (`everolimus.dose_mg`, `frequency`).
    pub dose_in_force: Option<Regimen>,
    /// Other events still active (their own actions are in the timeline).
    pub also_active: Vec<Event>,
}

/// The toxicity replay (the JSON contract of `netrx tox --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToxReport {
    pub knowledge_version: String,
    pub region: Region,
    /// CTCAE version used to grade labs.
    pub ctcae_version: String,
    /// The latest date in the case: "now" for the current action.
    pub as_of: Option<Date>,
    pub current: Current,
    pub timeline: Vec<Decision>,
    pub warnings: Vec<String>,
    /// The region's reduction ladder.
    pub ladder: String,
    /// Re-verify before clinical use.
    pub caveat: String,
}

// ---------------------------------------------------------------------------
// Replay

#[derive(Debug, Clone)]
enum Obs {
    /// A lab grade (lo = grade, or the lowest possible; hi = the highest possible).
    Lab {
        term: String,
        lo: u8,
        hi: u8,
        index: usize,
        reading: LabReading,
    },
    /// An adverse event recorded by the clinician.
    Ae { term: String, grade: u8, index: usize },
    /// An adverse event's recorded improvement.
    Resolved { term: String, to_grade: u8, index: usize },
}

impl Obs {
    fn order(&self) -> u8 {
        match self {
            Obs::Resolved { .. } => 0,
            Obs::Lab { .. } => 1,
            Obs::Ae { .. } => 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Episode {
    onset: Date,
    grade: u8,
    max_grade: u8,
    /// Index of the governing decision in the timeline.
    item: usize,
    /// Grade at or below which the episode has recovered.
    threshold: u8,
    /// Adverse-event entries belonging to the episode.
    aes: Vec<usize>,
}

/// Dose segments from the course: (from date, regimen or None when withheld/unknown).
struct Course<'a> {
    case: &'a Case,
}

impl Course<'_> {
    /// The regimen in force at `d` (changes dated `d` are the response to an event on `d`).
    fn at(&self, d: Date) -> (Option<Regimen>, Option<String>) {
        let Some(ev) = &self.case.everolimus else {
            return (None, None);
        };
        if d < ev.start_date {
            return (None, Some("before the everolimus start date".into()));
        }
        if ev.history.is_empty() {
            return (
                Some(Regimen {
                    dose_mg: ev.dose_mg,
                    frequency: ev.frequency,
                }),
                None,
            );
        }
        // Entries strictly before d (or the start entry when d is the start date).
        let mut last_nonzero: Option<Regimen> = None;
        let mut in_force_known = ev.history[0].date <= ev.start_date;
        let mut withheld_since: Option<Date> = None;
        for (k, h) in ev.history.iter().enumerate() {
            let applies = h.date < d || (k == 0 && h.date == ev.start_date && d == ev.start_date);
            if !applies {
                break;
            }
            in_force_known = true;
            if h.dose_mg > 0.0 {
                last_nonzero = Some(Regimen {
                    dose_mg: h.dose_mg,
                    frequency: h.frequency,
                });
                withheld_since = None;
            } else if withheld_since.is_none() {
                withheld_since = Some(h.date);
            }
        }
        if in_force_known && last_nonzero.is_none() {
            return (
                None,
                Some("withheld from the first recorded entry; no dose recorded before".into()),
            );
        }
        if !in_force_known {
            return (
                None,
                Some(format!(
                    "the dose from the start ({}) to the first recorded change ({}) is not recorded — add an everolimus.history entry dated the start date",
                    ev.start_date, ev.history[0].date
                )),
            );
        }
        let note = withheld_since.map(|w| format!("withheld since {w}: the dose before the hold is used"));
        (last_nonzero, note)
    }

    /// The first recorded change on or after `d`.
    fn change_after(&self, d: Date) -> Option<RecordedChange> {
        let ev = self.case.everolimus.as_ref()?;
        ev.history.iter().find(|h| h.date >= d).map(|h| RecordedChange {
            date: h.date,
            dose_mg: h.dose_mg,
            frequency: h.frequency,
            reason: h.reason.clone(),
        })
    }

    /// The first recorded non-zero dose on or after `d`.
    fn resumed_after(&self, d: Date) -> Option<RecordedChange> {
        let ev = self.case.everolimus.as_ref()?;
        ev.history
            .iter()
            .find(|h| h.date >= d && h.dose_mg > 0.0)
            .map(|h| RecordedChange {
                date: h.date,
                dose_mg: h.dose_mg,
                frequency: h.frequency,
                reason: h.reason.clone(),
            })
    }
}

fn threshold_of(b: &Branch, grade: u8) -> u8 {
    match b.action {
        Action::Withhold => b.resume_when_max_grade.unwrap_or(grade.saturating_sub(1)),
        Action::Continue => b
            .if_intolerable
            .as_ref()
            .and_then(|i| i.resume_when_max_grade)
            .unwrap_or(grade.saturating_sub(1)),
        Action::Discontinue => grade.saturating_sub(1),
    }
}

struct Resumed {
    action: Action,
    dose: Option<f64>,
    freq: Option<Frequency>,
    how: Option<String>,
    note: Option<Sourced>,
}

fn resume_for(kb: &Kb, region: Region, b: &Branch, in_force: Option<Regimen>) -> Resumed {
    let none = Resumed {
        action: b.action,
        dose: None,
        freq: None,
        how: None,
        note: None,
    };
    if b.action != Action::Withhold {
        return none;
    }
    let Some(r) = in_force else {
        return Resumed {
            how: Some("the dose in force is not recorded: resume dose unknown".into()),
            ..none
        };
    };
    match b.resume {
        Some(Resume::Same) => Resumed {
            action: Action::Withhold,
            dose: Some(r.dose_mg),
            freq: Some(r.frequency),
            how: Some(format!("same dose: {} mg {}", num(r.dose_mg), freq_text(r.frequency))),
            note: None,
        },
        Some(Resume::Reduce) => match reduce(kb, region, r.dose_mg, r.frequency) {
            Step::Dose {
                dose_mg,
                frequency,
                how,
                source,
            } => Resumed {
                action: Action::Withhold,
                dose: Some(dose_mg),
                freq: Some(frequency),
                how: Some(how.clone()),
                note: (source.status != Status::Verified).then_some(Sourced { text: how, source }),
            },
            Step::End { text, source } => Resumed {
                action: Action::Discontinue,
                dose: None,
                freq: None,
                how: Some(text.clone()),
                note: Some(Sourced { text, source }),
            },
        },
        None => none,
    }
}

struct Replay<'a> {
    kb: &'a Kb,
    case: &'a Case,
    region: Region,
    course: Course<'a>,
    timeline: Vec<Decision>,
    warnings: Vec<String>,
    open: BTreeMap<String, Episode>,
    closed: BTreeMap<String, Vec<(Date, u8)>>,
}

impl Replay<'_> {
    fn decide(&mut self, date: Date, event: Event, occurrence: &str, recurrence_of: Option<Date>) -> (usize, u8) {
        let kb = self.kb;
        let region = self.region;
        let (in_force, in_force_note) = self.course.at(date);
        let mut d = Decision {
            date,
            event: event.clone(),
            occurrence: occurrence.into(),
            recurrence_of,
            dose_in_force: in_force,
            action: None,
            consider: false,
            resume_when: None,
            resume_when_max_grade: None,
            resume_dose_mg: None,
            resume_frequency: None,
            discontinue_if_not_recovered_days: None,
            if_intolerable: None,
            rule: String::new(),
            ladder: None,
            supportive: vec![],
            details: vec![],
            source: None,
            resume_when_source: None,
            recovered_on: None,
            recorded_change: None,
            recorded_resume: None,
            notes: vec![],
        };
        if let Some(n) = in_force_note {
            d.notes.push(format!("Dose in force: {n}."));
        }
        let g = event.grade;
        let term = kb.ctcae.term(&event.term).expect("terms are checked by load_case");
        if event.category != "none" && term.source.status == Status::Unverified {
            // The row's source is shown; the term's own UNVERIFIED mark must stay visible too.
            d.notes.push(format!(
                "CTCAE v5.0 term '{}' is UNVERIFIED in the references: {}",
                term.name,
                term.source.note.as_deref().unwrap_or(&term.source.reference)
            ));
        }
        let mut threshold = g.saturating_sub(1);
        if g >= 5 {
            let g5 = &kb.everolimus.modifications.grade_5;
            d.action = Some(g5.action);
            d.rule = g5.text.clone();
            d.source = Some(g5.source.clone());
        } else if event.category == "none" {
            d.rule = format!(
                "The label's dose-modification table has no row for {} — clinician to decide.",
                term.name
            );
            d.source = Some(term.source.clone());
            self.warnings.push(format!(
                "{} grade {g} on {date} ({}): no row in the label's dose-modification table; no action derived.",
                term.name, event.entry
            ));
        } else if let Some(row) = kb.everolimus.modifications.row(&event.category, region.id(), g) {
            let recurrent = occurrence == "recurrent";
            let branch = match (&row.recurrent, recurrent) {
                (Some(b), true) => b,
                _ => &row.first,
            };
            if recurrent && row.recurrent.is_none() {
                d.notes.push(
                    "Recurrence: the label row has no separate rule for a recurrence; the first-occurrence rule applies."
                        .into(),
                );
            }
            let res = resume_for(kb, region, branch, in_force);
            d.action = Some(res.action);
            d.consider = branch.consider;
            d.rule = branch.text.clone();
            if res.action == Action::Withhold {
                d.resume_when = branch.resume_when.clone();
                d.resume_when_max_grade = branch.resume_when_max_grade;
                d.resume_dose_mg = res.dose;
                d.resume_frequency = res.freq;
                d.discontinue_if_not_recovered_days = branch.discontinue_if_not_recovered_days;
            } else if branch.action == Action::Withhold {
                d.notes.push(format!(
                    "The rule is to withhold and resume lower, but there is no lower step on the {} ladder: discontinue.",
                    region.id().to_uppercase()
                ));
            }
            d.ladder = res.how;
            if let Some(n) = res.note {
                d.details.push(n);
            }
            if let Some(i) = &branch.if_intolerable {
                let ri = resume_for(kb, region, i, in_force);
                d.if_intolerable = Some(IfIntolerable {
                    action: ri.action,
                    resume_when: if ri.action == Action::Withhold {
                        i.resume_when.clone()
                    } else {
                        None
                    },
                    resume_when_max_grade: if ri.action == Action::Withhold {
                        i.resume_when_max_grade
                    } else {
                        None
                    },
                    resume_dose_mg: ri.dose,
                    resume_frequency: ri.freq,
                    rule: match &ri.how {
                        Some(h) => format!("{} ({h})", i.text),
                        None => i.text.clone(),
                    },
                });
                if let Some(n) = ri.note {
                    d.details.push(n);
                }
            }
            d.supportive = row.supportive.clone();
            d.details.extend(row.details.iter().cloned());
            d.source = Some(row.source.clone());
            if branch.resume_when_max_grade.is_some() {
                d.resume_when_source = row.resume_when_source.clone();
            }
            threshold = threshold_of(branch, g);
            if event.category != "none"
                && let Some(rs) = &d.resume_when_source
                && rs.status == Status::Unverified
            {
                d.notes.push(format!(
                    "The recovery threshold is UNVERIFIED: {}",
                    rs.note.clone().unwrap_or_default()
                ));
            }
        } else {
            d.rule = format!(
                "No row for {} grade {g} in the {} table.",
                event.category,
                region.id().to_uppercase()
            );
            self.warnings.push(format!(
                "{} grade {g} on {date}: no label row; no action derived.",
                term.name
            ));
        }
        if matches!(d.action, Some(Action::Withhold | Action::Discontinue)) {
            d.recorded_change = self.course.change_after(date);
        }
        if d.action == Some(Action::Withhold) {
            d.recorded_resume = self.course.resumed_after(date);
        }
        if d.event.origin == "lab" && d.action == Some(Action::Withhold) && self.case.everolimus.is_none() {
            d.notes
                .push("No everolimus course in the case: the action applies if the patient is on everolimus.".into());
        }
        self.timeline.push(d);
        (self.timeline.len() - 1, threshold)
    }

    fn onset(
        &mut self,
        date: Date,
        term_id: &str,
        grade: u8,
        entry: String,
        lab: Option<LabReading>,
        ae: Option<usize>,
    ) {
        let kb = self.kb;
        let term = kb.ctcae.term(term_id).expect("checked");
        let event = Event {
            date,
            term: term.id.clone(),
            term_name: term.name.clone(),
            category: term.category.clone(),
            grade,
            origin: if lab.is_some() {
                "lab".into()
            } else {
                "adverse_event".into()
            },
            entry: entry.clone(),
            lab,
            also: vec![],
        };
        if let Some(mut ep) = self.open.remove(&term.id) {
            if let Some(i) = ae {
                ep.aes.push(i);
            }
            if grade > ep.grade {
                let prior = self.prior_episode(&term.id, grade);
                let occurrence = if prior.is_some() { "recurrent" } else { "worsening" };
                let (item, threshold) = self.decide(date, event, occurrence, prior);
                ep.grade = grade;
                ep.max_grade = ep.max_grade.max(grade);
                ep.item = item;
                ep.threshold = threshold;
            } else {
                let gov = &mut self.timeline[ep.item];
                if gov.date == date && grade == gov.event.grade {
                    gov.event.also.push(entry);
                } else if gov.date == date {
                    gov.event.also.push(entry.clone());
                    self.warnings.push(format!(
                        "{entry} records {} grade {grade} on {date}, where {} gives grade {}: the higher grade is used.",
                        term.name, gov.event.entry, gov.event.grade
                    ));
                } else if grade <= ep.threshold {
                    gov.recovered_on.get_or_insert(date);
                    self.close(&term.id, ep);
                    return;
                } else {
                    ep.grade = grade;
                }
            }
            self.open.insert(term.id.clone(), ep);
            return;
        }
        if grade == 0 {
            return;
        }
        let prior = self.prior_episode(&term.id, grade);
        let occurrence = if prior.is_some() { "recurrent" } else { "first" };
        let (item, threshold) = self.decide(date, event, occurrence, prior);
        self.open.insert(
            term.id.clone(),
            Episode {
                onset: date,
                grade,
                max_grade: grade,
                item,
                threshold,
                aes: ae.into_iter().collect(),
            },
        );
    }

    fn improve(&mut self, date: Date, term_id: &str, to_hi: u8, ae: Option<usize>) {
        let Some(mut ep) = self.open.remove(term_id) else {
            return;
        };
        if let Some(i) = ae
            && !ep.aes.contains(&i)
        {
            // A resolution of an entry that is not part of the open episode.
            self.open.insert(term_id.to_string(), ep);
            return;
        }
        if to_hi <= ep.threshold {
            self.timeline[ep.item].recovered_on.get_or_insert(date);
            self.close(term_id, ep);
        } else {
            ep.grade = ep.grade.min(to_hi.max(ep.threshold + 1));
            self.open.insert(term_id.to_string(), ep);
        }
    }

    /// Onset of the latest earlier (closed) episode of `term` that reached `grade` or higher.
    fn prior_episode(&self, term: &str, grade: u8) -> Option<Date> {
        self.closed
            .get(term)
            .and_then(|v| v.iter().rev().find(|(_, m)| *m >= grade).map(|(d, _)| *d))
    }

    fn close(&mut self, term: &str, ep: Episode) {
        self.closed
            .entry(term.to_string())
            .or_default()
            .push((ep.onset, ep.max_grade));
    }
}

/// Replay a case's toxicity course under the region's label.
pub fn replay(case: &Case, kb: &Kb, region: Region) -> Result<ToxReport, InputError> {
    let mut warnings = Vec::new();
    let start = case.everolimus.as_ref().map(|e| e.start_date);
    if case.everolimus.is_none() {
        warnings.push(
            "No everolimus course in the case: actions are given without a dose in force (resume doses unknown)."
                .into(),
        );
    }

    // Observations.
    let mut obs: Vec<(Date, Obs)> = Vec::new();
    let mut not_gradable: Vec<String> = Vec::new();
    let mut before_start: Vec<String> = Vec::new();
    for (i, l) in case.labs.iter().enumerate() {
        let g = grade_lab(
            kb,
            &LabInput {
                test: &l.test,
                value: l.value,
                unit: &l.unit,
                lln: l.lln,
                uln: l.uln,
                baseline: l.baseline,
            },
        )
        .map_err(|e| e.under(&format!("labs[{i}]")))?;
        if start.is_some_and(|s| l.date < s) {
            before_start.push(format!("labs[{i}]"));
            continue;
        }
        let (lo, hi) = match g.grade {
            Some(x) => (x, x),
            None if g.possible_grades.is_empty() => {
                not_gradable.push(format!(
                    "labs[{i}] ({} {} {} on {})",
                    l.test,
                    num(l.value),
                    l.unit,
                    l.date
                ));
                continue;
            }
            None => {
                let lo = *g.possible_grades.first().expect("non-empty");
                let hi = *g.possible_grades.last().expect("non-empty");
                if hi > 0 {
                    warnings.push(format!(
                        "labs[{i}] ({} on {}): grade undetermined ({}); taken as grade {lo} for onsets and grade {hi} for recovery.",
                        l.test, l.date, g.criterion,
                    ));
                }
                (lo, hi)
            }
        };
        obs.push((
            l.date,
            Obs::Lab {
                term: g.term.clone(),
                lo,
                hi,
                index: i,
                reading: LabReading {
                    test: g.test.clone(),
                    value: l.value,
                    unit: g.unit.clone(),
                    criterion: g.criterion.clone(),
                },
            },
        ));
    }
    if !not_gradable.is_empty() {
        warnings.push(format!(
            "Not gradable from a value in CTCAE v5.0 (record the clinician's grade as an adverse event): {}.",
            not_gradable.join("; ")
        ));
    }
    for (i, e) in case.adverse_events.iter().enumerate() {
        let term = kb
            .ctcae
            .term(&e.term)
            .ok_or_else(|| crate::ctcae::unknown_term(kb, format!("adverse_events[{i}].term"), &e.term))?;
        if start.is_some_and(|s| e.date < s) {
            before_start.push(format!("adverse_events[{i}]"));
            continue;
        }
        obs.push((
            e.date,
            Obs::Ae {
                term: term.id.clone(),
                grade: e.grade,
                index: i,
            },
        ));
        if let (Some(d), Some(g)) = (e.resolved_date, e.resolved_to_grade) {
            obs.push((
                d,
                Obs::Resolved {
                    term: term.id.clone(),
                    to_grade: g,
                    index: i,
                },
            ));
        }
    }
    if !before_start.is_empty() {
        warnings.push(format!(
            "Before the everolimus start date (baseline findings, not replayed): {}.",
            before_start.join(", ")
        ));
    }
    obs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.order().cmp(&b.1.order())));

    let mut rp = Replay {
        kb,
        case,
        region,
        course: Course { case },
        timeline: vec![],
        warnings,
        open: BTreeMap::new(),
        closed: BTreeMap::new(),
    };
    for (date, o) in obs {
        match o {
            Obs::Lab {
                term,
                lo,
                hi,
                index,
                reading,
            } => {
                if rp.open.contains_key(&term) && lo <= rp.open[&term].grade {
                    rp.improve(date, &term, hi, None);
                    if let Some(ep) = rp.open.get(&term) {
                        // Same day as the governing event: note the entry.
                        let gov = &mut rp.timeline[ep.item];
                        if gov.date == date && gov.event.entry != format!("labs[{index}]") {
                            gov.event.also.push(format!("labs[{index}]"));
                        }
                    }
                } else {
                    rp.onset(date, &term, lo, format!("labs[{index}]"), Some(reading), None);
                }
            }
            Obs::Ae { term, grade, index } => {
                rp.onset(
                    date,
                    &term,
                    grade,
                    format!("adverse_events[{index}]"),
                    None,
                    Some(index),
                );
            }
            Obs::Resolved { term, to_grade, index } => rp.improve(date, &term, to_grade, Some(index)),
        }
    }

    // As of: the latest date in the case.
    let mut as_of: Option<Date> = None;
    let mut see = |d: Date| as_of = Some(as_of.map_or(d, |a: Date| a.max(d)));
    for l in &case.labs {
        see(l.date);
    }
    for e in &case.adverse_events {
        see(e.date);
        if let Some(d) = e.resolved_date {
            see(d);
        }
    }
    if let Some(ev) = &case.everolimus {
        see(ev.start_date);
        for h in &ev.history {
            see(h.date);
        }
    }

    // Checks against the recorded course, and time limits.
    for k in 0..rp.timeline.len() {
        let d = rp.timeline[k].clone();
        if let Some(days) = d.discontinue_if_not_recovered_days {
            let limit = d.date.add_days(days as i64);
            let late = match d.recovered_on {
                Some(r) => r > limit,
                None => as_of.is_some_and(|a| a > limit),
            };
            if late {
                let msg = format!(
                    "{} grade {} of {}: not recovered within {} days ({}) — the rule says {}discontinue.",
                    d.event.term_name,
                    d.event.grade,
                    d.date,
                    days,
                    d.recovered_on
                        .map_or("still active".to_string(), |r| format!("recovered {r}")),
                    if d.consider { "consider to " } else { "" }
                );
                rp.timeline[k].notes.push(msg.clone());
                rp.warnings.push(msg);
            }
        }
        if d.action == Some(Action::Withhold)
            && let (Some(want), Some(got)) = (d.resume_dose_mg, rp.course.resumed_after(d.date))
        {
            let want_f = d.resume_frequency.unwrap_or(Frequency::Daily);
            let more = got.dose_mg > want + 1e-9
                || (got.frequency == Frequency::Daily && want_f == Frequency::EveryOtherDay && got.dose_mg >= want);
            if more {
                rp.warnings.push(format!(
                    "After {} grade {} of {}, the course resumed at {} mg {} ({}), above the label's {} mg {}.",
                    d.event.term_name,
                    d.event.grade,
                    d.date,
                    num(got.dose_mg),
                    freq_text(got.frequency),
                    got.date,
                    num(want),
                    freq_text(want_f)
                ));
            }
        }
        if d.action == Some(Action::Discontinue)
            && !d.consider
            && let Some(got) = rp.course.resumed_after(d.date.add_days(1))
        {
            rp.warnings.push(format!(
                "{} grade {} of {}: the rule is to discontinue, but the course records {} mg {} from {}.",
                d.event.term_name,
                d.event.grade,
                d.date,
                num(got.dose_mg),
                freq_text(got.frequency),
                got.date
            ));
        }
    }
    for ep in rp.open.values() {
        let d = &rp.timeline[ep.item];
        if d.event.origin == "adverse_event" && d.action == Some(Action::Withhold) {
            let entries: Vec<String> = ep.aes.iter().map(|i| format!("adverse_events[{i}]")).collect();
            if !entries.is_empty() {
                rp.warnings.push(format!(
                    "{} of {} is not recorded as recovered ({}): taken as ongoing.",
                    d.event.term_name,
                    ep.onset,
                    entries.join(", ")
                ));
            }
        }
    }
    if let Some(ev) = &case.everolimus
        && let Some(last) = ev.history.last()
        && last.dose_mg > 0.0
        && (last.dose_mg != ev.dose_mg || last.frequency != ev.frequency)
    {
        rp.warnings.push(format!(
            "everolimus.dose_mg/frequency ({} mg {}) differ from the last history entry ({} mg {} from {}): the date of the change to the current dose is not recorded.",
            num(ev.dose_mg),
            freq_text(ev.frequency),
            num(last.dose_mg),
            freq_text(last.frequency),
            last.date
        ));
    }

    // Current.
    let in_force_now = case.everolimus.as_ref().map(|e| Regimen {
        dose_mg: e.dose_mg,
        frequency: e.frequency,
    });
    let mut candidates: Vec<usize> = rp.open.values().map(|e| e.item).collect();
    for (k, d) in rp.timeline.iter().enumerate() {
        if d.action == Some(Action::Discontinue) && !candidates.contains(&k) {
            let overridden = d.consider && rp.course.resumed_after(d.date.add_days(1)).is_some();
            if !overridden {
                candidates.push(k);
            }
        }
    }
    // Overdue recoveries turn a hold into a discontinuation.
    let overdue = |d: &Decision| {
        d.recovered_on.is_none()
            && d.discontinue_if_not_recovered_days
                .is_some_and(|days| as_of.is_some_and(|a| a > d.date.add_days(days as i64)))
    };
    let severity = |d: &Decision| -> (u8, i64) {
        let a = match d.action {
            Some(Action::Discontinue) => 3,
            _ if overdue(d) => 3,
            Some(Action::Withhold) => 2,
            None => 1,
            Some(Action::Continue) => 0,
        };
        // Among equals: the lowest resume dose, then the latest.
        let dose = d.resume_dose_mg.map_or(0, |x| -(x * 1000.0) as i64);
        (a, dose * 100_000 + d.date.days_since_epoch())
    };
    candidates.sort_by_key(|&k| severity(&rp.timeline[k]));
    let current = match candidates.last() {
        None => Current {
            action: Some(Action::Continue),
            resume_when: None,
            resume_dose_mg: None,
            resume_frequency: None,
            event: None,
            source: None,
            rule: if rp.timeline.is_empty() {
                "No adverse event or abnormal lab value in the case: continue.".into()
            } else {
                "No active adverse event: continue at the dose in force.".into()
            },
            consider: false,
            if_intolerable: None,
            dose_in_force: in_force_now,
            also_active: vec![],
        },
        Some(&k) => {
            let d = &rp.timeline[k];
            let mut action = d.action;
            let mut rule = d.rule.clone();
            if overdue(d) && action == Some(Action::Withhold) {
                action = Some(Action::Discontinue);
                rule = format!(
                    "{rule} Not recovered within {} days as of {}: {}discontinue.",
                    d.discontinue_if_not_recovered_days.unwrap_or(0),
                    as_of.map(|a| a.to_string()).unwrap_or_default(),
                    if d.consider { "consider to " } else { "" }
                );
            }
            let withhold = action == Some(Action::Withhold);
            Current {
                action,
                resume_when: if withhold { d.resume_when.clone() } else { None },
                resume_dose_mg: if withhold { d.resume_dose_mg } else { None },
                resume_frequency: if withhold { d.resume_frequency } else { None },
                event: Some(d.event.clone()),
                source: d.source.clone(),
                rule,
                consider: d.consider,
                if_intolerable: d.if_intolerable.clone(),
                dose_in_force: in_force_now,
                also_active: candidates[..candidates.len() - 1]
                    .iter()
                    .rev()
                    .map(|&j| rp.timeline[j].event.clone())
                    .collect(),
            }
        }
    };
    if !current.also_active.is_empty() && current.action == Some(Action::Withhold) {
        rp.warnings.push(format!(
            "{} other event(s) still active: resume only when every active event meets its own resume condition (see the timeline).",
            current.also_active.len()
        ));
    }

    let label = &kb.everolimus;
    let ladder = label.ladder(region.id()).expect("ladder per region");
    Ok(ToxReport {
        knowledge_version: kb.version().to_string(),
        region,
        ctcae_version: kb.ctcae.version.id.clone(),
        as_of,
        current,
        timeline: rp.timeline,
        warnings: rp.warnings,
        ladder: format!("{} — {}", ladder.steps, ladder.text),
        caveat: label.dosing.label.caveat.clone(),
    })
}
