//! The facts the rule engine reads from a case, and the three-valued evaluation of
//! a [`Condition`] over them.
//!
//! Every fact is either known or a [`Gap`]: missing from the case (named by its
//! case-file field) or, for numbers, inside a condition's borderline band (the
//! source's wording does not decide it). Conditions evaluate in Kleene logic: an
//! AND with a false part is false whatever is missing; an OR with a true part is
//! true. A condition is therefore `Unknown` only when a gap could decide it, and
//! the gaps it reports are exactly the inputs that would.

use crate::capability::Region;
use crate::grade::{Classification, Grade};
use netrx_case::{Case, Differentiation, Extent, PrimarySite, ProgressionStatus, SstrImaging, TherapyOutcome};
use netrx_kb::Kb;
use netrx_kb::guidelines::{Condition, Guidelines, Num};
use serde::Serialize;
use std::collections::BTreeSet;

/// Why a fact is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// The case does not give it (or gives "unknown").
    Missing,
    /// The value lies in a band where the source's wording does not decide.
    Borderline,
}

/// An input that could decide a condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Gap {
    /// The case-file field (dotted path).
    pub field: String,
    pub kind: GapKind,
    /// What is missing or why the value is borderline.
    pub detail: String,
}

impl Gap {
    fn missing(field: &str, detail: impl Into<String>) -> Gap {
        Gap {
            field: field.into(),
            kind: GapKind::Missing,
            detail: detail.into(),
        }
    }
}

/// The value of a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// Decided by these gaps.
    Unknown(BTreeSet<Gap>),
}

impl Truth {
    fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, t) | (t, Truth::True) => t,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(b);
                Truth::Unknown(a)
            }
        }
    }

    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, t) | (t, Truth::False) => t,
            (Truth::Unknown(mut a), Truth::Unknown(b)) => {
                a.extend(b);
                Truth::Unknown(a)
            }
        }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            u => u,
        }
    }
}

type Known<T> = Result<T, Gap>;

/// A prior line of therapy, as the engine reads it.
#[derive(Debug, Clone)]
pub struct Prior {
    /// The case-file field it comes from: `prior_therapies[i]`, or `everolimus` for the everolimus
    /// course of the pharmacist's section (see [`course_in_progress`]).
    pub field: String,
    pub agent: String,
    /// Line of therapy, as the case gives it (`None` for the everolimus course, which has no line).
    pub line: Option<u32>,
    pub outcome: TherapyOutcome,
    /// How the course stands, for the reader (the everolimus course: start, dose now).
    pub detail: Option<String>,
}

impl Prior {
    /// The line has ended (progression, intolerance or a completed course).
    pub fn ended(&self) -> bool {
        !matches!(self.outcome, TherapyOutcome::Ongoing)
    }
}

/// The facts of one patient.
#[derive(Debug, Clone)]
pub struct Facts {
    pub region: &'static str,
    pub site: &'static str,
    pub differentiation: Known<&'static str>,
    pub entity: Known<&'static str>,
    pub grade: Known<String>,
    pub ki67: Known<f64>,
    pub functional: Known<bool>,
    pub syndrome: Known<&'static str>,
    pub sstr: Known<&'static str>,
    pub progression: Known<&'static str>,
    pub progression_months: Known<f64>,
    pub extent: Known<&'static str>,
    pub liver_burden: Known<f64>,
    pub extrahepatic: Known<bool>,
    pub symptomatic: Known<bool>,
    pub chemo_contraindicated: Known<bool>,
    pub comorbidities: BTreeSet<&'static str>,
    pub child_pugh: Option<&'static str>,
    pub age: f64,
    pub ecog: Known<f64>,
    pub prior: Vec<Prior>,
    pub medications_listed: bool,
    /// Things the reader must know about how the facts were read.
    pub notes: Vec<String>,
}

fn grade_id(g: Grade) -> String {
    g.as_str().to_string()
}

impl Facts {
    /// Read the facts of a case, given its classification.
    pub fn read(case: &Case, cls: &Classification, region: Region, kb: &Kb) -> Facts {
        let t = &case.tumor;
        let p = &case.patient;
        let mut notes = Vec::new();
        let tg = &kb.guidelines.vocabulary.thoracic_grade;
        let diff_gap = |what: &str| Gap::missing("tumor.differentiation", what);

        // Differentiation, entity and grade.
        let (differentiation, entity, grade): (Known<&'static str>, Known<&'static str>, Known<String>) =
            if t.primary_site.is_thoracic() {
                match (t.differentiation, cls.name.as_str()) {
                    (Differentiation::Poor, _) => (Ok("poor"), Ok("nec"), Ok(tg.nec.clone())),
                    (d, "Typical carcinoid") | (d, "Atypical carcinoid") => {
                        let typical = cls.name == "Typical carcinoid";
                        if d == Differentiation::Unknown {
                            notes.push(format!(
                                "Differentiation not reported: read as well-differentiated because the classification \
                                 names a carcinoid ({}); confirm carcinoid morphology.",
                                cls.name
                            ));
                        }
                        if typical {
                            (Ok("well"), Ok("typical_carcinoid"), Ok(tg.typical_carcinoid.clone()))
                        } else {
                            (Ok("well"), Ok("atypical_carcinoid"), Ok(tg.atypical_carcinoid.clone()))
                        }
                    }
                    _ => {
                        let g = diff_gap("carcinoid vs carcinoma undetermined (morphology needed)");
                        (Err(g.clone()), Err(g.clone()), Err(g))
                    }
                }
            } else {
                match (t.differentiation, cls.grade) {
                    (Differentiation::Poor, g) => (
                        Ok("poor"),
                        Ok("nec"),
                        g.map(grade_id)
                            .ok_or_else(|| Gap::missing("tumor.ki67_percent", "grade not determinable")),
                    ),
                    (Differentiation::Well, Some(g)) => (Ok("well"), Ok("net"), Ok(grade_id(g))),
                    (Differentiation::Well, None) => (
                        Ok("well"),
                        Ok("net"),
                        Err(Gap::missing(
                            "tumor.ki67_percent",
                            format!("grade not determinable ({})", cls.name),
                        )),
                    ),
                    (Differentiation::Unknown, Some(Grade::G3)) => {
                        let g = diff_gap("G3 tumour: NET G3 vs NEC undetermined (morphology needed)");
                        (Err(g.clone()), Err(g), Ok("G3".to_string()))
                    }
                    (Differentiation::Unknown, Some(g)) => {
                        notes.push(format!(
                            "Differentiation not reported: read as a well-differentiated NET {} as the \
                             classification names it; confirm well-differentiated morphology.",
                            g.as_str()
                        ));
                        (Ok("well"), Ok("net"), Ok(grade_id(g)))
                    }
                    (Differentiation::Unknown, None) => {
                        let g = diff_gap("differentiation and grade undetermined");
                        (
                            Err(g.clone()),
                            Err(g),
                            Err(Gap::missing("tumor.ki67_percent", "grade not determinable")),
                        )
                    }
                }
            };

        let ki67 = t
            .ki67_percent
            .ok_or_else(|| Gap::missing("tumor.ki67_percent", "Ki-67 not given"));
        let functional = match (t.functional, t.syndrome) {
            (Some(f), _) => Ok(f),
            (None, Some(_)) => Ok(true),
            (None, None) => Err(Gap::missing("tumor.functional", "functional status not given")),
        };
        let syndrome = match (t.functional, t.syndrome) {
            (_, Some(s)) => Ok(s.id()),
            (Some(false), None) => Ok("none"),
            (Some(true), None) => Err(Gap::missing(
                "tumor.syndrome",
                "functional tumour without the syndrome named",
            )),
            (None, None) => Err(Gap::missing("tumor.functional", "functional status not given")),
        };
        let sstr = match t.sstr_imaging {
            Some(SstrImaging::Positive) => Ok("positive"),
            Some(SstrImaging::Negative) => Ok("negative"),
            Some(SstrImaging::Unknown) | None => Err(Gap::missing("tumor.sstr_imaging", "SSTR imaging not given")),
        };
        let prog_gap = || Gap::missing("tumor.progression.status", "progression status not given");
        let progression = match t.progression.as_ref().map(|p| p.status) {
            Some(ProgressionStatus::Progressive) => Ok("progressive"),
            Some(ProgressionStatus::Stable) => Ok("stable"),
            Some(ProgressionStatus::Unknown) | None => Err(prog_gap()),
        };
        let progression_months = t.progression.as_ref().and_then(|p| p.months_observed).ok_or_else(|| {
            Gap::missing(
                "tumor.progression.months_observed",
                "the interval over which progression was observed is not given",
            )
        });
        let extent = t
            .extent
            .map(|e| match e {
                Extent::Localized => "localized",
                Extent::LocallyAdvancedUnresectable => "locally_advanced_unresectable",
                Extent::Metastatic => "metastatic",
            })
            .ok_or_else(|| Gap::missing("tumor.extent", "extent of disease not given"));
        let liver_burden = t
            .liver_burden_percent
            .ok_or_else(|| Gap::missing("tumor.liver_burden_percent", "liver tumour burden not given"));
        let extrahepatic = t
            .extrahepatic_disease
            .ok_or_else(|| Gap::missing("tumor.extrahepatic_disease", "extrahepatic disease not stated"));
        let symptomatic = t
            .symptomatic
            .ok_or_else(|| Gap::missing("tumor.symptomatic", "tumour-related symptoms not stated"));
        let chemo_contraindicated = p.chemo_contraindicated.ok_or_else(|| {
            Gap::missing(
                "patient.chemo_contraindicated",
                "whether chemotherapy is contraindicated is not stated",
            )
        });
        let ecog = p
            .ecog
            .map(f64::from)
            .ok_or_else(|| Gap::missing("patient.ecog", "ECOG not given"));
        let mut prior: Vec<Prior> = case
            .prior_therapies
            .iter()
            .enumerate()
            .map(|(index, pt)| Prior {
                field: format!("prior_therapies[{index}]"),
                agent: pt.agent.clone(),
                line: Some(pt.line),
                outcome: pt.outcome,
                detail: None,
            })
            .collect();
        prior.extend(course_in_progress(case));
        Facts {
            region: region.id(),
            site: t.primary_site.id(),
            differentiation,
            entity,
            grade,
            ki67,
            functional,
            syndrome,
            sstr,
            progression,
            progression_months,
            extent,
            liver_burden,
            extrahepatic,
            symptomatic,
            chemo_contraindicated,
            comorbidities: p.comorbidities.iter().map(|c| c.id()).collect(),
            child_pugh: p.child_pugh.map(|c| c.id()),
            age: p.age_years,
            ecog,
            prior,
            medications_listed: !case.medications.is_empty(),
            notes,
        }
    }

    /// Whether the primary site is thoracic.
    pub fn thoracic(&self) -> bool {
        PrimarySite::ALL
            .iter()
            .find(|s| s.id() == self.site)
            .is_some_and(|s| s.is_thoracic())
    }
}

/// The agent id of the case file's `everolimus` section.
pub const EVEROLIMUS: &str = "everolimus";

/// The everolimus course of the case file's `everolimus` section as a line in progress — read
/// exactly like a `prior_therapies` entry `{ agent: everolimus, outcome: ongoing }` — unless
/// `prior_therapies` already has an everolimus entry. The case model records no stop date in the
/// section (its `dose_mg` is the dose in force now, > 0; a `history` dose of 0 is a hold, not a
/// stop): a stopped course is recorded as a `prior_therapies` everolimus entry with outcome
/// `progressed`, `intolerant` or `completed`, and that entry then stands alone (as does an
/// `ongoing` one).
pub fn course_in_progress(case: &Case) -> Option<Prior> {
    let ev = case.everolimus.as_ref()?;
    if case.prior_therapies.iter().any(|p| p.agent == EVEROLIMUS) {
        return None;
    }
    let freq = match ev.frequency {
        netrx_case::Frequency::Daily => "daily",
        netrx_case::Frequency::EveryOtherDay => "every other day",
    };
    let detail = match ev.history.last().filter(|h| h.dose_mg == 0.0) {
        Some(h) => format!("started {}, withheld since {} ({})", ev.start_date, h.date, h.reason),
        None => format!(
            "started {}, {} mg {freq} now",
            ev.start_date,
            netrx_case::validate::fmt_num(ev.dose_mg)
        ),
    };
    Some(Prior {
        field: EVEROLIMUS.into(),
        agent: EVEROLIMUS.into(),
        line: None,
        outcome: TherapyOutcome::Ongoing,
        detail: Some(detail),
    })
}

/// The categorical inputs [`values_of`] enumerates.
const CATEGORICAL: &[&str] = &[
    "tumor.differentiation",
    "tumor.functional",
    "tumor.syndrome",
    "tumor.sstr_imaging",
    "tumor.progression.status",
    "tumor.extent",
    "tumor.extrahepatic_disease",
    "tumor.symptomatic",
    "patient.chemo_contraindicated",
];

/// Inputs the case states when they apply (a contraindication): their absence is named under
/// `missing` with what it would change, but it does not leave a role undetermined — silence is not a
/// gap to chase (as `report_missing = false` for the rules that withhold an agent for it).
pub fn stated_when_present(field: &str) -> bool {
    field == "patient.chemo_contraindicated"
}

/// The field as a static id, if it is a categorical input [`values_of`] enumerates.
pub fn field_id(field: &str) -> Option<&'static str> {
    CATEGORICAL.iter().copied().find(|f| *f == field)
}

/// The values a missing categorical input can take, as written in the case file; `None` for
/// numbers and free inputs (those are reported per rule instead).
pub fn values_of(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "tumor.differentiation" => &["well", "poor"],
        "tumor.functional" => &["false", "true"],
        "tumor.syndrome" => &[
            "carcinoid",
            "insulinoma",
            "gastrinoma",
            "vipoma",
            "glucagonoma",
            "other",
        ],
        "tumor.sstr_imaging" => &["positive", "negative"],
        "tumor.progression.status" => &["progressive", "stable"],
        "tumor.extent" => &["localized", "locally_advanced_unresectable", "metastatic"],
        "tumor.extrahepatic_disease" | "tumor.symptomatic" | "patient.chemo_contraindicated" => &["false", "true"],
        _ => return None,
    })
}

fn intern(values: &'static [&'static str], v: &str) -> Option<&'static str> {
    values.iter().copied().find(|x| *x == v)
}

impl Facts {
    /// The same facts with one missing categorical input given (see [`values_of`]); `None` for an
    /// input or value outside that vocabulary.
    pub fn with(&self, field: &str, value: &str, kb: &Kb) -> Option<Facts> {
        let mut f = self.clone();
        let v = intern(values_of(field)?, value)?;
        let b = v == "true";
        match field {
            "tumor.differentiation" => {
                f.differentiation = Ok(v);
                if v == "poor" {
                    f.entity = Ok("nec");
                    if self.thoracic() {
                        f.grade = Ok(kb.guidelines.vocabulary.thoracic_grade.nec.clone());
                    }
                } else if !self.thoracic() {
                    f.entity = Ok("net");
                }
            }
            "tumor.functional" => {
                f.functional = Ok(b);
                if !b {
                    f.syndrome = Ok("none");
                } else if f.syndrome.is_err() {
                    f.syndrome = Err(Gap::missing(
                        "tumor.syndrome",
                        "functional tumour without the syndrome named",
                    ));
                }
            }
            "tumor.syndrome" => {
                f.syndrome = Ok(v);
                f.functional = Ok(true);
            }
            "tumor.sstr_imaging" => f.sstr = Ok(v),
            "tumor.progression.status" => f.progression = Ok(v),
            "tumor.extent" => f.extent = Ok(v),
            "tumor.extrahepatic_disease" => f.extrahepatic = Ok(b),
            "tumor.symptomatic" => f.symptomatic = Ok(b),
            "patient.chemo_contraindicated" => f.chemo_contraindicated = Ok(b),
            _ => return None,
        }
        Some(f)
    }
}

fn one_of(v: &Known<&'static str>, allowed: &[String]) -> Truth {
    match v {
        Ok(v) => Truth::from_bool(allowed.iter().any(|a| a == v)),
        Err(g) => Truth::Unknown(BTreeSet::from([g.clone()])),
    }
}

fn boolean(v: &Known<bool>, want: bool) -> Truth {
    match v {
        Ok(v) => Truth::from_bool(*v == want),
        Err(g) => Truth::Unknown(BTreeSet::from([g.clone()])),
    }
}

fn number(v: &Known<f64>, n: &Num, field: &str, what: &str) -> Truth {
    match v {
        Ok(v) if n.is_borderline(*v) => Truth::Unknown(BTreeSet::from([Gap {
            field: field.into(),
            kind: GapKind::Borderline,
            detail: format!(
                "{what} {} lies in the band ({}) that the source's wording leaves open; the rule needs {what} {}",
                netrx_case::validate::fmt_num(*v),
                n.borderline.as_ref().map(|b| b.describe()).unwrap_or_default(),
                n.describe(),
            ),
        }])),
        Ok(v) => Truth::from_bool(n.holds(*v)),
        Err(g) => Truth::Unknown(BTreeSet::from([g.clone()])),
    }
}

/// Evaluate a condition over the facts (groups in `@id` form are expanded with `g`).
pub fn eval(c: &Condition, f: &Facts, g: &Guidelines) -> Truth {
    let Condition {
        region,
        site,
        differentiation,
        entity,
        grade,
        ki67,
        functional,
        syndrome,
        sstr,
        progression,
        progression_months,
        extent,
        liver_burden,
        extrahepatic,
        symptomatic,
        chemo_contraindicated,
        comorbidity,
        child_pugh,
        age,
        ecog,
        prior_received,
        prior_ended,
        prior_progressed,
        prior_ongoing,
        medications_listed,
        any,
        all,
        not,
    } = c;
    let mut t = Truth::True;
    let known = |v: &'static str| -> Known<&'static str> { Ok(v) };
    if let Some(v) = region {
        t = t.and(one_of(&known(f.region), v));
    }
    if let Some(v) = site {
        t = t.and(one_of(&known(f.site), v));
    }
    if let Some(v) = differentiation {
        t = t.and(one_of(&f.differentiation, v));
    }
    if let Some(v) = entity {
        t = t.and(one_of(&f.entity, v));
    }
    if let Some(v) = grade {
        t = t.and(match &f.grade {
            Ok(gr) => Truth::from_bool(v.iter().any(|x| x == gr)),
            Err(gap) => Truth::Unknown(BTreeSet::from([gap.clone()])),
        });
    }
    if let Some(n) = ki67 {
        t = t.and(number(&f.ki67, n, "tumor.ki67_percent", "Ki-67 %"));
    }
    if let Some(b) = functional {
        t = t.and(boolean(&f.functional, *b));
    }
    if let Some(v) = syndrome {
        t = t.and(one_of(&f.syndrome, v));
    }
    if let Some(v) = sstr {
        t = t.and(one_of(&f.sstr, v));
    }
    if let Some(v) = progression {
        t = t.and(one_of(&f.progression, v));
    }
    if let Some(n) = progression_months {
        t = t.and(number(
            &f.progression_months,
            n,
            "tumor.progression.months_observed",
            "progression interval (months)",
        ));
    }
    if let Some(v) = extent {
        t = t.and(one_of(&f.extent, v));
    }
    if let Some(n) = liver_burden {
        t = t.and(number(
            &f.liver_burden,
            n,
            "tumor.liver_burden_percent",
            "liver tumour burden %",
        ));
    }
    if let Some(b) = extrahepatic {
        t = t.and(boolean(&f.extrahepatic, *b));
    }
    if let Some(b) = symptomatic {
        t = t.and(boolean(&f.symptomatic, *b));
    }
    if let Some(b) = chemo_contraindicated {
        t = t.and(boolean(&f.chemo_contraindicated, *b));
    }
    if let Some(v) = comorbidity {
        t = t.and(Truth::from_bool(v.iter().any(|x| f.comorbidities.contains(x.as_str()))));
    }
    if let Some(v) = child_pugh {
        t = t.and(Truth::from_bool(f.child_pugh.is_some_and(|c| v.iter().any(|x| x == c))));
    }
    if let Some(n) = age {
        t = t.and(number(&Ok(f.age), n, "patient.age_years", "age"));
    }
    if let Some(n) = ecog {
        t = t.and(number(&f.ecog, n, "patient.ecog", "ECOG"));
    }
    let prior = |list: &[String], pick: &dyn Fn(&Prior) -> bool| -> Truth {
        let set = g.expand(list);
        Truth::from_bool(f.prior.iter().any(|p| pick(p) && set.contains(p.agent.as_str())))
    };
    if let Some(v) = prior_received {
        t = t.and(prior(v, &|_| true));
    }
    if let Some(v) = prior_ended {
        t = t.and(prior(v, &|p| p.ended()));
    }
    if let Some(v) = prior_progressed {
        t = t.and(prior(v, &|p| p.outcome == TherapyOutcome::Progressed));
    }
    if let Some(v) = prior_ongoing {
        t = t.and(prior(v, &|p| p.outcome == TherapyOutcome::Ongoing));
    }
    if let Some(b) = medications_listed {
        t = t.and(Truth::from_bool(f.medications_listed == *b));
    }
    if let Some(subs) = any {
        let mut o = Truth::False;
        for s in subs {
            o = o.or(eval(s, f, g));
        }
        t = t.and(o);
    }
    if let Some(subs) = all {
        for s in subs {
            t = t.and(eval(s, f, g));
        }
    }
    if let Some(s) = not {
        t = t.and(eval(s, f, g).not());
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(f: &str) -> BTreeSet<Gap> {
        BTreeSet::from([Gap::missing(f, "x")])
    }

    #[test]
    fn kleene_logic() {
        let u = || Truth::Unknown(gap("a"));
        assert_eq!(Truth::False.and(u()), Truth::False);
        assert_eq!(u().and(Truth::True), u());
        assert_eq!(Truth::True.or(u()), Truth::True);
        assert_eq!(u().or(Truth::False), u());
        assert_eq!(u().not(), u());
        let both = Truth::Unknown(gap("a")).and(Truth::Unknown(gap("b")));
        match both {
            Truth::Unknown(s) => assert_eq!(s.len(), 2),
            t => panic!("{t:?}"),
        }
    }
}
