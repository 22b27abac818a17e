//! Everolimus label rules for NET (`knowledge/everolimus/`): dose, strengths,
//! hepatic impairment, interactions, dose modifications for adverse reactions,
//! reduction ladders, monitoring and counselling — per region (US label / EU
//! SmPC), every rule with its [`Source`].
//!
//! Regions are the ids "us" and "eu"; frequencies "daily" and "every_other_day"
//! (the case file's spellings).

use crate::KbError;
use crate::ctcae::Ctcae;
use crate::medications::Medications;
use crate::provenance::Source;
use serde::{Deserialize, Serialize};

/// The regions every rule set must cover.
pub const REGIONS: [&str; 2] = ["us", "eu"];

/// The files of `knowledge/everolimus/`, in the order [`Label::load`] takes them.
pub const FILES: [&str; 4] = [
    "everolimus/dosing.toml",
    "everolimus/interactions.toml",
    "everolimus/modifications.toml",
    "everolimus/monitoring.toml",
];

/// A statement with its own source (a detail, caveat or supportive measure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub text: String,
    pub source: Source,
}

// ---------------------------------------------------------------------------
// dosing.toml

/// Which label copies the rules were read from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelMeta {
    pub us: String,
    pub eu: String,
    /// Shown with every answer: re-verify against the current label.
    pub caveat: String,
}

/// The standard NET dose.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardDose {
    pub dose_mg: f64,
    pub frequency: String,
    pub text: String,
    pub source: Source,
}

/// Tablet strengths available in a region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strengths {
    pub region: String,
    pub tablets_mg: Vec<f64>,
    pub text: String,
    pub source: Source,
}

/// Hepatic-impairment dose for a Child-Pugh class in a region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hepatic {
    /// "A", "B" or "C".
    pub child_pugh: String,
    pub region: String,
    pub dose_mg: f64,
    #[serde(default)]
    pub may_decrease_to_mg: Option<f64>,
    /// The dose must not be exceeded.
    #[serde(default)]
    pub maximum: bool,
    /// Use only if the benefit outweighs the risk.
    #[serde(default)]
    pub benefit_risk_only: bool,
    pub text: String,
    pub source: Source,
}

/// Notes that go with the hepatic table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HepaticNotes {
    pub change: String,
    pub change_source: Source,
    pub version_trap: String,
    pub version_trap_source: Source,
    pub pk: String,
    pub pk_source: Source,
    /// The hepatic AUC fold changes, kept apart from `pk` because their status differs.
    #[serde(default)]
    pub pk_fold: Option<String>,
    #[serde(default)]
    pub pk_fold_source: Option<Source>,
    pub not_assessed: String,
}

/// How a region's label reduces a dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LadderMethod {
    /// A fraction of the dose in force, rounded down to a strength.
    Fraction,
    /// A fixed reduced dose.
    Fixed,
}

/// A region's dose-reduction ladder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    pub region: String,
    pub method: LadderMethod,
    #[serde(default)]
    pub fraction: Option<f64>,
    #[serde(default)]
    pub reduced_dose_mg: Option<f64>,
    /// Lowest daily dose; a reduction at or below it is every-other-day dosing.
    pub floor_mg: f64,
    pub steps: String,
    pub text: String,
    pub source: Source,
    pub rounding: String,
    pub rounding_source: Source,
    pub end_text: String,
    pub end_source: Source,
    #[serde(default)]
    pub restart_note: Option<String>,
    #[serde(default)]
    pub restart_note_source: Option<Source>,
}

/// A plain statement with a source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    pub source: Source,
}

/// `everolimus/dosing.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dosing {
    pub label: LabelMeta,
    pub standard_dose: StandardDose,
    pub flat_dose: Note,
    pub renal: Note,
    pub strengths: Vec<Strengths>,
    pub hepatic: Vec<Hepatic>,
    pub hepatic_notes: HepaticNotes,
    pub ladder: Vec<Ladder>,
}

// ---------------------------------------------------------------------------
// interactions.toml

/// What an interaction rule does to the everolimus dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Avoid the combination; no everolimus dose is given for it.
    Avoid,
    /// Everolimus dose at most `dose_mg` while co-administered.
    Cap,
    /// Stop the food or supplement; the dose assumes it is stopped.
    AvoidFood,
    /// A safety warning, no dose change.
    Warning,
    /// A documented PK effect, no dose change stated.
    Info,
}

/// What the label allows when an avoided combination cannot be avoided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    pub text: String,
    pub max_dose_mg: f64,
    pub step_mg: f64,
    pub source: Source,
}

/// One region's rule for an interaction class.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionRule {
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub member_classes: Vec<String>,
    pub effect: Effect,
    pub text: String,
    pub source: Source,
    #[serde(default)]
    pub dose_mg: Option<f64>,
    #[serde(default)]
    pub dose_options_mg: Vec<f64>,
    #[serde(default)]
    pub alternative: Option<Alternative>,
    #[serde(default)]
    pub details: Vec<Sourced>,
}

/// What kind of interaction a class is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassKind {
    /// Inhibits everolimus metabolism/transport (raises exposure).
    Inhibitor,
    /// Induces everolimus metabolism/transport (lowers exposure).
    Inducer,
    /// A food or supplement.
    Food,
    /// An additive risk, not a PK interaction.
    Pharmacodynamic,
    /// Everolimus changes the other drug's exposure.
    EverolimusPerpetrator,
}

/// An interaction class with its per-region rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionClass {
    pub id: String,
    pub name: String,
    pub kind: ClassKind,
    #[serde(default)]
    pub us: Option<InteractionRule>,
    #[serde(default)]
    pub eu: Option<InteractionRule>,
}

impl InteractionClass {
    /// The rule for a region, or the other region's with `fallback = true`.
    pub fn rule(&self, region: &str) -> Option<(&InteractionRule, bool)> {
        let (own, other) = if region == "eu" {
            (&self.eu, &self.us)
        } else {
            (&self.us, &self.eu)
        };
        own.as_ref()
            .map(|r| (r, false))
            .or_else(|| other.as_ref().map(|r| (r, true)))
    }
}

/// A documented PK effect on one medication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrugEffect {
    pub medication: String,
    pub text: String,
    pub source: Source,
}

/// A rule netrx applies where the label is silent (a design rule, shown with its source).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignRule {
    pub id: String,
    pub text: String,
    pub source: Source,
}

/// Design-rule ids the dose engine relies on (checked at load).
pub const DESIGN_RULES: [&str; 1] = ["strong_inhibitor_and_inducer"];

/// `everolimus/interactions.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interactions {
    pub class: Vec<InteractionClass>,
    #[serde(default)]
    pub drug_effect: Vec<DrugEffect>,
    /// What netrx does for combinations the label has no rule for.
    #[serde(default)]
    pub design_rule: Vec<DesignRule>,
}

impl Interactions {
    /// A design rule by id.
    pub fn design_rule(&self, id: &str) -> Option<&DesignRule> {
        self.design_rule.iter().find(|r| r.id == id)
    }
}

// ---------------------------------------------------------------------------
// modifications.toml

/// continue | withhold | discontinue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Continue,
    Withhold,
    Discontinue,
}

impl Action {
    /// The id.
    pub fn id(self) -> &'static str {
        match self {
            Action::Continue => "continue",
            Action::Withhold => "withhold",
            Action::Discontinue => "discontinue",
        }
    }
}

/// The dose to resume at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resume {
    /// The dose in force before the event.
    Same,
    /// One step down the region's ladder.
    Reduce,
}

/// What to do (first occurrence, recurrence, or the intolerable branch).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub action: Action,
    #[serde(default)]
    pub resume_when_max_grade: Option<u8>,
    #[serde(default)]
    pub resume_when: Option<String>,
    #[serde(default)]
    pub resume: Option<Resume>,
    #[serde(default)]
    pub consider: bool,
    #[serde(default)]
    pub discontinue_if_not_recovered_days: Option<u32>,
    pub text: String,
    #[serde(default)]
    pub if_intolerable: Option<Box<Branch>>,
}

/// A row of the dose-modification table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModRow {
    pub category: String,
    pub region: String,
    pub grades: Vec<u8>,
    pub first: Branch,
    #[serde(default)]
    pub recurrent: Option<Branch>,
    pub source: Source,
    /// A separate (weaker) source for the recovery threshold.
    #[serde(default)]
    pub resume_when_source: Option<Source>,
    #[serde(default)]
    pub supportive: Vec<Sourced>,
    #[serde(default)]
    pub details: Vec<Sourced>,
}

/// A row family.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: String,
}

/// A statement for all rows of a region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct General {
    pub region: String,
    pub text: String,
    pub source: Source,
}

/// What happens at CTCAE grade 5 (death related to the event): the label tables have no
/// grade-5 row, so this is a netrx rule with its own source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade5 {
    pub action: Action,
    pub text: String,
    pub source: Source,
}

/// `everolimus/modifications.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Modifications {
    pub category: Vec<Category>,
    pub general: Vec<General>,
    pub grade_5: Grade5,
    pub row: Vec<ModRow>,
}

impl Modifications {
    /// The row for a category, region and grade (1–4).
    pub fn row(&self, category: &str, region: &str, grade: u8) -> Option<&ModRow> {
        self.row
            .iter()
            .find(|r| r.category == category && r.region == region && r.grades.contains(&grade))
    }

    /// A category by id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.category.iter().find(|c| c.id == id)
    }
}

// ---------------------------------------------------------------------------
// monitoring.toml

/// A monitoring item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringItem {
    pub id: String,
    pub what: String,
    pub when: String,
    pub source: Source,
    /// Comorbidity ids (case file) that make the item especially relevant.
    #[serde(default)]
    pub emphasise_if: Vec<String>,
    #[serde(default)]
    pub details: Vec<Sourced>,
}

/// A counselling point.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counselling {
    pub id: String,
    pub topic: String,
    pub text: String,
    #[serde(default)]
    pub region: Option<String>,
    /// "female" or "male" when sex-specific.
    #[serde(default)]
    pub sex: Option<String>,
    pub source: Source,
    #[serde(default)]
    pub emphasise_if: Vec<String>,
}

/// `everolimus/monitoring.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    pub monitoring: Vec<MonitoringItem>,
    pub counselling: Vec<Counselling>,
}

// ---------------------------------------------------------------------------

/// All everolimus label knowledge.
#[derive(Debug, Clone)]
pub struct Label {
    pub dosing: Dosing,
    pub interactions: Interactions,
    pub modifications: Modifications,
    pub monitoring: Monitoring,
}

impl Label {
    /// Load the four files of `knowledge/everolimus/` ([`FILES`]) and check them
    /// against the medication and CTCAE vocabularies.
    pub(crate) fn load(texts: [&str; 4], ctcae: &Ctcae, medications: &Medications) -> Result<Label, KbError> {
        let dosing: Dosing = crate::parse_toml(FILES[0], texts[0])?;
        let interactions: Interactions = crate::parse_toml(FILES[1], texts[1])?;
        let modifications: Modifications = crate::parse_toml(FILES[2], texts[2])?;
        let monitoring: Monitoring = crate::parse_toml(FILES[3], texts[3])?;
        let label = Label {
            dosing,
            interactions,
            modifications,
            monitoring,
        };
        label.check(ctcae, medications)?;
        Ok(label)
    }

    fn check(&self, ctcae: &Ctcae, medications: &Medications) -> Result<(), KbError> {
        let err = |file: &str, message: String| KbError {
            file: format!("everolimus/{file}"),
            message,
        };
        let region_ok = |r: &str| REGIONS.contains(&r);

        // dosing
        let d = &self.dosing;
        if !matches!(d.standard_dose.frequency.as_str(), "daily" | "every_other_day") {
            return Err(err(
                "dosing.toml",
                "standard_dose.frequency must be daily or every_other_day".into(),
            ));
        }
        for r in REGIONS {
            let s = self
                .strengths(r)
                .ok_or_else(|| err("dosing.toml", format!("no strengths for region {r}")))?;
            if s.tablets_mg.is_empty() || s.tablets_mg.windows(2).any(|w| w[0] >= w[1]) {
                return Err(err("dosing.toml", format!("{r}: strengths must be ascending")));
            }
            let l = self
                .ladder(r)
                .ok_or_else(|| err("dosing.toml", format!("no ladder for region {r}")))?;
            let ok = match l.method {
                LadderMethod::Fraction => l.fraction.is_some_and(|f| f > 0.0 && f < 1.0),
                LadderMethod::Fixed => l.reduced_dose_mg.is_some_and(|m| m >= l.floor_mg),
            };
            if !ok || !s.tablets_mg.contains(&l.floor_mg) {
                return Err(err("dosing.toml", format!("{r}: ladder parameters inconsistent")));
            }
            for cp in ["A", "B", "C"] {
                if self.hepatic(cp, r).is_none() {
                    return Err(err(
                        "dosing.toml",
                        format!("no hepatic rule for Child-Pugh {cp}, region {r}"),
                    ));
                }
            }
        }
        for h in &d.hepatic {
            if !region_ok(&h.region) || !matches!(h.child_pugh.as_str(), "A" | "B" | "C") {
                return Err(err(
                    "dosing.toml",
                    format!("hepatic row {} {} invalid", h.child_pugh, h.region),
                ));
            }
        }

        // interactions
        for c in &self.interactions.class {
            if c.us.is_none() && c.eu.is_none() {
                return Err(err("interactions.toml", format!("class {} has no rule", c.id)));
            }
            for r in [&c.us, &c.eu].into_iter().flatten() {
                for m in &r.members {
                    if medications.get(m).is_none() {
                        return Err(err(
                            "interactions.toml",
                            format!("class {}: {m} is not a medication id of medications.toml", c.id),
                        ));
                    }
                }
                for k in &r.member_classes {
                    if medications.class(k).is_none() {
                        return Err(err("interactions.toml", format!("class {}: unknown class {k}", c.id)));
                    }
                }
                if r.effect == Effect::Cap && r.dose_mg.is_none() {
                    return Err(err("interactions.toml", format!("class {}: cap without dose_mg", c.id)));
                }
            }
        }
        for id in DESIGN_RULES {
            if self.interactions.design_rule(id).is_none() {
                return Err(err("interactions.toml", format!("design_rule {id} is missing")));
            }
        }
        for e in &self.interactions.drug_effect {
            if medications.get(&e.medication).is_none() {
                return Err(err(
                    "interactions.toml",
                    format!("drug_effect: unknown medication {}", e.medication),
                ));
            }
        }

        // modifications
        let m = &self.modifications;
        if m.grade_5.action != Action::Discontinue {
            return Err(err(
                "modifications.toml",
                "grade_5.action must be discontinue (grade 5 is death)".into(),
            ));
        }
        for g in &m.general {
            if !region_ok(&g.region) {
                return Err(err("modifications.toml", format!("general: bad region {}", g.region)));
            }
        }
        for row in &m.row {
            let at = format!("{} {} {:?}", row.category, row.region, row.grades);
            if m.category(&row.category).is_none() || !region_ok(&row.region) {
                return Err(err(
                    "modifications.toml",
                    format!("row {at}: unknown category or region"),
                ));
            }
            if row.grades.is_empty() || row.grades.iter().any(|g| !(1..=4).contains(g)) {
                return Err(err("modifications.toml", format!("row {at}: grades must be 1–4")));
            }
            for b in std::iter::once(&row.first).chain(row.recurrent.iter()) {
                check_branch(b).map_err(|e| err("modifications.toml", format!("row {at}: {e}")))?;
            }
        }
        for c in &m.category {
            let grades = |r: &str| -> Vec<u8> {
                let mut v: Vec<u8> = m
                    .row
                    .iter()
                    .filter(|x| x.category == c.id && x.region == r)
                    .flat_map(|x| x.grades.iter().copied())
                    .collect();
                v.sort();
                v
            };
            let us = grades("us");
            if us.is_empty() || us.windows(2).any(|w| w[0] == w[1]) || grades("eu") != us {
                return Err(err(
                    "modifications.toml",
                    format!(
                        "category {}: each grade needs exactly one row per region, the same grades in both",
                        c.id
                    ),
                ));
            }
        }
        for t in &ctcae.term {
            if t.category != "none" && m.category(&t.category).is_none() {
                return Err(KbError {
                    file: "ctcae.toml".into(),
                    message: format!(
                        "term {}: category {} is not a category of everolimus/modifications.toml",
                        t.id, t.category
                    ),
                });
            }
        }

        // monitoring
        for c in &self.monitoring.counselling {
            if c.region.as_deref().is_some_and(|r| !region_ok(r))
                || c.sex.as_deref().is_some_and(|s| !matches!(s, "female" | "male"))
            {
                return Err(err(
                    "monitoring.toml",
                    format!("counselling {}: bad region or sex", c.id),
                ));
            }
        }
        Ok(())
    }

    /// Tablet strengths of a region.
    pub fn strengths(&self, region: &str) -> Option<&Strengths> {
        self.dosing.strengths.iter().find(|s| s.region == region)
    }

    /// The reduction ladder of a region.
    pub fn ladder(&self, region: &str) -> Option<&Ladder> {
        self.dosing.ladder.iter().find(|l| l.region == region)
    }

    /// The hepatic rule for a Child-Pugh class ("A", "B", "C") in a region.
    pub fn hepatic(&self, child_pugh: &str, region: &str) -> Option<&Hepatic> {
        self.dosing
            .hepatic
            .iter()
            .find(|h| h.child_pugh == child_pugh && h.region == region)
    }
}

fn check_branch(b: &Branch) -> Result<(), String> {
    match b.action {
        Action::Withhold => {
            if b.resume_when_max_grade.is_none() || b.resume_when.is_none() || b.resume.is_none() {
                return Err("withhold needs resume_when_max_grade, resume_when and resume".into());
            }
        }
        Action::Continue | Action::Discontinue => {
            if b.resume.is_some() || b.resume_when_max_grade.is_some() {
                return Err(format!("{} takes no resume fields", b.action.id()));
            }
        }
    }
    if let Some(i) = &b.if_intolerable {
        if b.action != Action::Continue {
            return Err("if_intolerable only follows a continue branch".into());
        }
        check_branch(i)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_label_covers_both_regions() {
        let kb = crate::Kb::embedded().expect("embedded knowledge loads");
        let l = &kb.everolimus;
        assert_eq!(l.dosing.standard_dose.dose_mg, 10.0);
        assert_eq!(l.strengths("us").expect("us").tablets_mg, vec![2.5, 5.0, 7.5, 10.0]);
        assert_eq!(l.strengths("eu").expect("eu").tablets_mg, vec![2.5, 5.0, 10.0]);
        assert_eq!(l.hepatic("B", "us").expect("B").dose_mg, 5.0);
        assert_eq!(l.ladder("eu").expect("eu").floor_mg, 5.0);
        for region in super::REGIONS {
            assert!(l.modifications.row("stomatitis", region, 2).is_some());
            assert!(l.modifications.row("febrile_neutropenia", region, 2).is_none());
        }
    }
}
