//! Guideline positions as rules (`knowledge/guidelines/*.toml`) and the condition
//! language shared with the label indications ([`crate::indications`]) and the
//! patient cautions ([`crate::cautions`]).
//!
//! # Rules
//! A [`Rule`] says: when its condition ([`Condition`]) holds for a patient, the
//! listed agents take a role (`preferred`, `option`, `later_line`,
//! `not_recommended`, `not_indicated`), optionally only after the patient has
//! finished a line of some agents (`after`, `after_all`). Every rule carries its
//! text and [`Source`]. Rules of a selection table or option list (ENETS 2016, the
//! NCCN-style algorithm) are marked `ordering = "list"`; rules that place an agent
//! in a line of therapy (the site tables) are `ordering = "lines"` and, when both
//! fire, take precedence (netrx-clinical's `assess` documents how roles combine).
//!
//! # The condition language (the rule engine's vocabulary)
//! A condition is a table of facts, all of which must hold (AND); `any` (OR),
//! `all` (AND) and `not` combine sub-conditions. The facts, their values and the
//! case-file field each is read from:
//!
//! | Fact | Values | Case field |
//! |---|---|---|
//! | `region` | `us`, `eu` | `--region` |
//! | `site` | the case file's `primary_site` ids | `tumor.primary_site` |
//! | `differentiation` | `well`, `poor` | `tumor.differentiation` |
//! | `entity` | `net`, `nec`, `typical_carcinoid`, `atypical_carcinoid` | the classification |
//! | `grade` | `G1`, `G2`, `G3` (thoracic: via `thoracic_grade`) | the classification |
//! | `ki67` | number (%) | `tumor.ki67_percent` |
//! | `functional` | bool | `tumor.functional` |
//! | `syndrome` | `carcinoid`, `insulinoma`, …, `none` | `tumor.syndrome` |
//! | `sstr` | `positive`, `negative` | `tumor.sstr_imaging` |
//! | `progression` | `progressive`, `stable` | `tumor.progression.status` |
//! | `progression_months` | number | `tumor.progression.months_observed` |
//! | `extent` | `localized`, `locally_advanced_unresectable`, `metastatic` | `tumor.extent` |
//! | `liver_burden` | number (%) | `tumor.liver_burden_percent` |
//! | `extrahepatic` | bool | `tumor.extrahepatic_disease` |
//! | `symptomatic` | bool | `tumor.symptomatic` |
//! | `chemo_contraindicated` | bool | `patient.chemo_contraindicated` |
//! | `comorbidity` | comorbidity ids (any of) | `patient.comorbidities` |
//! | `child_pugh` | `A`, `B`, `C` | `patient.child_pugh` |
//! | `age`, `ecog` | number | `patient.age_years`, `patient.ecog` |
//! | `prior_received` | agent ids / `@group`s (any line, any outcome) | `prior_therapies` |
//! | `prior_ended` | … a line that ended (progressed, intolerant, completed) | `prior_therapies` |
//! | `prior_progressed` | … a line that ended in progression | `prior_therapies` |
//! | `prior_ongoing` | … a line still running | `prior_therapies` |
//! | `medications_listed` | bool | `medications` |
//!
//! A number fact takes `{ lt, le, gt, ge }` bounds and an optional `borderline`
//! band: a value inside the band is reported as borderline (the source's wording
//! does not decide it) instead of true or false — e.g. "progressive in the short
//! term (≤ 6–12 months)" is `{ le = 6, borderline = { gt = 6, le = 12 } }`.
//!
//! No I/O: [`load`] takes the file contents.

use crate::KbError;
use crate::provenance::Source;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Directory of the guideline files under `knowledge/`.
pub const DIR: &str = "guidelines/";
/// The vocabulary file (groups, thoracic grades, site map, standing note).
pub const VOCABULARY_FILE: &str = "guidelines/vocabulary.toml";

/// Allowed values of the enumerated facts (the rule engine's vocabulary).
pub mod vocab {
    pub const REGION: &[&str] = &["us", "eu"];
    /// The case file's `tumor.primary_site` ids (a test checks they agree).
    pub const SITE: &[&str] = &[
        "pancreas",
        "stomach",
        "duodenum",
        "jejunum_ileum",
        "appendix",
        "colon",
        "rectum",
        "lung",
        "thymus",
        "unknown_primary",
    ];
    pub const DIFFERENTIATION: &[&str] = &["well", "poor"];
    pub const ENTITY: &[&str] = &["net", "nec", "typical_carcinoid", "atypical_carcinoid"];
    pub const GRADE: &[&str] = &["G1", "G2", "G3"];
    /// The case file's `tumor.syndrome` ids plus `none` (a non-functional tumour).
    pub const SYNDROME: &[&str] = &[
        "carcinoid",
        "insulinoma",
        "gastrinoma",
        "vipoma",
        "glucagonoma",
        "other",
        "none",
    ];
    pub const SSTR: &[&str] = &["positive", "negative"];
    pub const PROGRESSION: &[&str] = &["progressive", "stable"];
    pub const EXTENT: &[&str] = &["localized", "locally_advanced_unresectable", "metastatic"];
    /// The case file's `patient.comorbidities` ids (a test checks they agree).
    pub const COMORBIDITY: &[&str] = &[
        "diabetes",
        "interstitial_lung_disease",
        "heart_failure",
        "hypertension",
        "active_infection",
        "hepatitis_b",
        "chronic_kidney_disease",
        "coronary_artery_disease",
        "hyperlipidemia",
        "immunosuppression",
        "pregnancy",
        "breast_feeding",
        "planned_surgery",
        "prior_radiotherapy",
    ];
    pub const CHILD_PUGH: &[&str] = &["A", "B", "C"];
    /// Roles a rule may give.
    pub const ROLE: &[&str] = &["preferred", "option", "later_line", "not_recommended", "not_indicated"];
}

/// Bounds on a number fact. All given bounds must hold. A value inside
/// `borderline` is neither true nor false: the source's wording does not decide it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Num {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ge: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub borderline: Option<Box<Num>>,
}

impl Num {
    /// Whether `v` satisfies every bound (ignoring `borderline`).
    pub fn holds(&self, v: f64) -> bool {
        self.lt.is_none_or(|b| v < b)
            && self.le.is_none_or(|b| v <= b)
            && self.gt.is_none_or(|b| v > b)
            && self.ge.is_none_or(|b| v >= b)
    }

    /// Whether `v` lies in the borderline band.
    pub fn is_borderline(&self, v: f64) -> bool {
        self.borderline.as_ref().is_some_and(|b| b.holds(v))
    }

    /// The bounds in words, e.g. "> 10" or "≥ 50 and ≤ 60".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (op, b) in [(">", self.gt), ("≥", self.ge), ("<", self.lt), ("≤", self.le)] {
            if let Some(b) = b {
                parts.push(format!("{op} {}", fmt(b)));
            }
        }
        if parts.is_empty() {
            "any value".into()
        } else {
            parts.join(" and ")
        }
    }

    fn check(&self, path: &str, errs: &mut Vec<String>) {
        let bounds = [self.lt, self.le, self.gt, self.ge];
        if bounds.iter().all(Option::is_none) {
            errs.push(format!(
                "{path}: a number condition needs at least one of lt, le, gt, ge"
            ));
        }
        if bounds.iter().flatten().any(|b| !b.is_finite()) {
            errs.push(format!("{path}: bounds must be finite numbers"));
        }
        if let Some(b) = &self.borderline {
            if b.borderline.is_some() {
                errs.push(format!("{path}.borderline: a borderline band cannot have its own band"));
            }
            b.check(&format!("{path}.borderline"), errs);
        }
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A condition over a patient: every given fact must hold. See the module docs for
/// the facts and their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differentiation: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ki67: Option<Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functional: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syndrome: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sstr: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progression: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progression_months: Option<Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liver_burden: Option<Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrahepatic: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptomatic: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chemo_contraindicated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comorbidity: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_pugh: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecog: Option<Num>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_received: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_ended: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_progressed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_ongoing: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medications_listed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
}

impl Condition {
    /// Check every value against the vocabulary and every agent reference against
    /// `agents` (ids) and `groups` (written `@id`).
    pub fn check(&self, path: &str, agents: &BTreeSet<String>, groups: &BTreeSet<String>, errs: &mut Vec<String>) {
        let Condition {
            region,
            site,
            differentiation,
            entity,
            grade,
            ki67,
            functional: _,
            syndrome,
            sstr,
            progression,
            progression_months,
            extent,
            liver_burden,
            extrahepatic: _,
            symptomatic: _,
            chemo_contraindicated: _,
            comorbidity,
            child_pugh,
            age,
            ecog,
            prior_received,
            prior_ended,
            prior_progressed,
            prior_ongoing,
            medications_listed: _,
            any,
            all,
            not,
        } = self;
        type EnumFact<'a> = (&'a str, &'a Option<Vec<String>>, &'a [&'a str]);
        let enums: [EnumFact; 10] = [
            ("region", region, vocab::REGION),
            ("site", site, vocab::SITE),
            ("differentiation", differentiation, vocab::DIFFERENTIATION),
            ("entity", entity, vocab::ENTITY),
            ("grade", grade, vocab::GRADE),
            ("syndrome", syndrome, vocab::SYNDROME),
            ("sstr", sstr, vocab::SSTR),
            ("progression", progression, vocab::PROGRESSION),
            ("extent", extent, vocab::EXTENT),
            ("comorbidity", comorbidity, vocab::COMORBIDITY),
        ];
        for (name, values, allowed) in enums {
            check_enum(&format!("{path}.{name}"), values, allowed, errs);
        }
        check_enum(&format!("{path}.child_pugh"), child_pugh, vocab::CHILD_PUGH, errs);
        for (name, n) in [
            ("ki67", ki67),
            ("progression_months", progression_months),
            ("liver_burden", liver_burden),
            ("age", age),
            ("ecog", ecog),
        ] {
            if let Some(n) = n {
                n.check(&format!("{path}.{name}"), errs);
            }
        }
        for (name, list) in [
            ("prior_received", prior_received),
            ("prior_ended", prior_ended),
            ("prior_progressed", prior_progressed),
            ("prior_ongoing", prior_ongoing),
        ] {
            if let Some(list) = list {
                check_agent_refs(&format!("{path}.{name}"), list, agents, groups, errs);
            }
        }
        for (name, subs) in [("any", any), ("all", all)] {
            if let Some(subs) = subs {
                if subs.is_empty() {
                    errs.push(format!("{path}.{name}: an empty list"));
                }
                for (i, c) in subs.iter().enumerate() {
                    c.check(&format!("{path}.{name}[{i}]"), agents, groups, errs);
                }
            }
        }
        if let Some(c) = not {
            c.check(&format!("{path}.not"), agents, groups, errs);
        }
    }
}

fn check_enum(path: &str, values: &Option<Vec<String>>, allowed: &[&str], errs: &mut Vec<String>) {
    if let Some(values) = values {
        if values.is_empty() {
            errs.push(format!("{path}: an empty list never holds"));
        }
        for v in values {
            if !allowed.contains(&v.as_str()) {
                errs.push(format!("{path}: unknown value {v:?}; allowed: {}", allowed.join(", ")));
            }
        }
    }
}

/// Check a list of agent ids and `@group` references.
pub fn check_agent_refs(
    path: &str,
    list: &[String],
    agents: &BTreeSet<String>,
    groups: &BTreeSet<String>,
    errs: &mut Vec<String>,
) {
    if list.is_empty() {
        errs.push(format!("{path}: an empty list"));
    }
    for a in list {
        match a.strip_prefix('@') {
            Some(g) if !groups.contains(g) => errs.push(format!("{path}: unknown group {a:?}")),
            Some(_) => {}
            None if !agents.contains(a) => errs.push(format!("{path}: unknown agent id {a:?}")),
            None => {}
        }
    }
}

/// A role a rule gives to its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// First choice / treatment of choice for this situation.
    Preferred,
    /// One of the listed options for the current line.
    Option,
    /// Positioned for a later line.
    LaterLine,
    /// Advised against in this situation.
    NotRecommended,
    /// No indication (prerequisite not met, or outside the agent's scope).
    NotIndicated,
}

impl Role {
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            Role::Preferred => "preferred",
            Role::Option => "option",
            Role::LaterLine => "later_line",
            Role::NotRecommended => "not_recommended",
            Role::NotIndicated => "not_indicated",
        }
    }

    /// Whether the role puts the agent forward (now or later).
    pub fn is_positive(self) -> bool {
        matches!(self, Role::Preferred | Role::Option | Role::LaterLine)
    }
}

/// Whether a rule orders lines of therapy or only lists options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ordering {
    /// Places agents in lines of therapy (first line, on progression, later).
    Lines,
    /// A selection table or option list without line order.
    List,
}

/// The header of a guideline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidelineHeader {
    pub id: String,
    pub title: String,
    /// The default ordering of the file's rules.
    pub ordering: Ordering,
    pub source: Source,
}

/// One guideline rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique id, `<guideline id>.<name>`.
    pub id: String,
    /// The agents it positions (ids, never groups).
    pub agents: Vec<String>,
    pub role: Role,
    /// Positioned after a line of any of these (agents or `@groups`) has ended;
    /// before that the role is `later_line`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Positioned after lines of every one of these have ended.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_all: Vec<String>,
    /// The agent is continued even after progression on it (e.g. an SSA for a hormone syndrome).
    #[serde(default)]
    pub continuation: bool,
    /// Overrides the file's ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordering: Option<Ordering>,
    /// Level / grade of recommendation as the source gives it (`ESMO [II, B]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default)]
    pub when: Condition,
    pub text: String,
    /// A further requirement of the source that the case file cannot test (shown as "not checked").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub also_requires: Option<String>,
    /// Report the rule as "missing input" when it cannot be decided (default true). False for
    /// rules on a contraindication the case states when it exists (silence is not a gap to chase).
    #[serde(default = "yes")]
    pub report_missing: bool,
    pub source: Source,
}

fn yes() -> bool {
    true
}

/// A statement that is not about one agent (e.g. surgery for localised disease).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    pub id: String,
    #[serde(default)]
    pub when: Condition,
    pub text: String,
    pub source: Source,
}

/// One guideline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidelineFile {
    pub guideline: GuidelineHeader,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
    #[serde(default, rename = "advice")]
    pub advice: Vec<Advice>,
}

/// A named group of agents, written `@id` in conditions and `after` lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub agents: Vec<String>,
    /// Progression on one member counts as progression on every member.
    #[serde(default)]
    pub progression_applies_to_class: bool,
    pub source: Source,
}

/// Typical/atypical carcinoid and thoracic carcinoma ↔ grade, for rules that say G1/G2 of lung.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThoracicGrade {
    pub typical_carcinoid: String,
    pub atypical_carcinoid: String,
    pub nec: String,
    pub source: Source,
}

/// Where to look for a site's supporting trials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteMap {
    /// Case-file site id.
    pub site: String,
    /// Site id of knowledge/populations.toml.
    pub trial_site: String,
    /// Population ids, most specific first.
    pub populations: Vec<String>,
}

/// A sourced text.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    pub source: Source,
}

/// The vocabulary file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    #[serde(rename = "group")]
    pub groups: Vec<Group>,
    pub thoracic_grade: ThoracicGrade,
    pub site_map: Vec<SiteMap>,
    pub standing_note: Note,
}

/// All guideline knowledge.
#[derive(Debug, Clone, Serialize)]
pub struct Guidelines {
    pub vocabulary: Vocabulary,
    /// The guideline files, in path order.
    pub files: Vec<GuidelineFile>,
}

impl Guidelines {
    /// A group by id (without the `@`).
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.vocabulary.groups.iter().find(|g| g.id == id)
    }

    /// Expand agent ids and `@group`s into agent ids (groups unknown to the vocabulary expand to nothing).
    pub fn expand<'a>(&'a self, list: &'a [String]) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        for a in list {
            match a.strip_prefix('@') {
                Some(g) => {
                    if let Some(g) = self.group(g) {
                        out.extend(g.agents.iter().map(String::as_str));
                    }
                }
                None => {
                    out.insert(a.as_str());
                }
            }
        }
        out
    }

    /// Every rule with its file's header.
    pub fn rules(&self) -> impl Iterator<Item = (&GuidelineHeader, &Rule)> {
        self.files
            .iter()
            .flat_map(|f| f.rules.iter().map(move |r| (&f.guideline, r)))
    }

    /// Every advice statement with its file's header.
    pub fn advice(&self) -> impl Iterator<Item = (&GuidelineHeader, &Advice)> {
        self.files
            .iter()
            .flat_map(|f| f.advice.iter().map(move |a| (&f.guideline, a)))
    }

    /// A rule by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules().map(|(_, r)| r).find(|r| r.id == id)
    }

    /// The effective ordering of a rule.
    pub fn ordering(header: &GuidelineHeader, rule: &Rule) -> Ordering {
        rule.ordering.unwrap_or(header.ordering)
    }

    /// The site map entry of a case-file site.
    pub fn site_map(&self, site: &str) -> Option<&SiteMap> {
        self.vocabulary.site_map.iter().find(|m| m.site == site)
    }

    /// Group ids.
    pub fn group_ids(&self) -> BTreeSet<String> {
        self.vocabulary.groups.iter().map(|g| g.id.clone()).collect()
    }

    /// Consistency: ids unique, vocabulary values and agent references valid.
    fn check(
        &self,
        agents: &BTreeSet<String>,
        trial_sites: &BTreeSet<String>,
        populations: &BTreeSet<String>,
    ) -> Vec<String> {
        let mut errs = Vec::new();
        let groups = self.group_ids();
        let mut seen = BTreeSet::new();
        for g in &self.vocabulary.groups {
            if !seen.insert(format!("@{}", g.id)) {
                errs.push(format!("group {:?} defined twice", g.id));
            }
            for a in &g.agents {
                if !agents.contains(a) {
                    errs.push(format!("group {}: unknown agent id {a:?}", g.id));
                }
            }
        }
        let tg = &self.vocabulary.thoracic_grade;
        for (name, g) in [
            ("typical_carcinoid", &tg.typical_carcinoid),
            ("atypical_carcinoid", &tg.atypical_carcinoid),
            ("nec", &tg.nec),
        ] {
            if !vocab::GRADE.contains(&g.as_str()) {
                errs.push(format!("thoracic_grade.{name}: {g:?} is not a grade"));
            }
        }
        let mut mapped = BTreeSet::new();
        for m in &self.vocabulary.site_map {
            if !vocab::SITE.contains(&m.site.as_str()) {
                errs.push(format!("site_map: unknown case site {:?}", m.site));
            }
            if !mapped.insert(m.site.clone()) {
                errs.push(format!("site_map: site {:?} mapped twice", m.site));
            }
            if !trial_sites.is_empty() && !trial_sites.contains(&m.trial_site) {
                errs.push(format!("site_map {}: unknown trial site {:?}", m.site, m.trial_site));
            }
            for p in &m.populations {
                if !populations.is_empty() && !populations.contains(p) {
                    errs.push(format!("site_map {}: unknown population {p:?}", m.site));
                }
            }
        }
        for s in vocab::SITE {
            if !mapped.contains(*s) {
                errs.push(format!("site_map: case site {s:?} is not mapped"));
            }
        }
        let mut ids = BTreeSet::new();
        for f in &self.files {
            if !ids.insert(f.guideline.id.clone()) {
                errs.push(format!("guideline id {:?} used twice", f.guideline.id));
            }
            for r in &f.rules {
                let p = format!("rule {}", r.id);
                if !r.id.starts_with(&format!("{}.", f.guideline.id)) {
                    errs.push(format!("{p}: id must start with the guideline id {:?}", f.guideline.id));
                }
                if !seen.insert(r.id.clone()) {
                    errs.push(format!("{p}: id used twice"));
                }
                if r.agents.is_empty() {
                    errs.push(format!("{p}: lists no agents"));
                }
                for a in &r.agents {
                    if a.starts_with('@') || !agents.contains(a) {
                        errs.push(format!("{p}: agents must be agent ids, got {a:?}"));
                    }
                }
                for (name, list) in [("after", &r.after), ("after_all", &r.after_all)] {
                    if !list.is_empty() {
                        check_agent_refs(&format!("{p}.{name}"), list, agents, &groups, &mut errs);
                    }
                }
                if (!r.after.is_empty() || !r.after_all.is_empty()) && !r.role.is_positive() {
                    errs.push(format!("{p}: `after` only makes sense for a positive role"));
                }
                if r.text.trim().is_empty() {
                    errs.push(format!("{p}: empty text"));
                }
                r.when.check(&format!("{p}.when"), agents, &groups, &mut errs);
            }
            for a in &f.advice {
                let p = format!("advice {}", a.id);
                if !seen.insert(a.id.clone()) {
                    errs.push(format!("{p}: id used twice"));
                }
                a.when.check(&format!("{p}.when"), agents, &groups, &mut errs);
            }
        }
        errs
    }
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, KbError> {
    toml::from_str(text).map_err(|e| KbError {
        file: file.to_string(),
        message: e.to_string(),
    })
}

/// Load every file under `knowledge/guidelines/` and check it against the agent ids,
/// the trial-base site ids and the population ids (each may be empty to skip that check).
pub fn load(
    files: &[(String, String)],
    agents: &BTreeSet<String>,
    trial_sites: &BTreeSet<String>,
    populations: &BTreeSet<String>,
) -> Result<Guidelines, KbError> {
    let vocab_text = files
        .iter()
        .find(|(p, _)| p == VOCABULARY_FILE)
        .map(|(_, c)| c.as_str())
        .ok_or_else(|| KbError {
            file: VOCABULARY_FILE.into(),
            message: "missing".into(),
        })?;
    let vocabulary: Vocabulary = parse(VOCABULARY_FILE, vocab_text)?;
    let mut gf = Vec::new();
    let mut paths: Vec<&(String, String)> = files
        .iter()
        .filter(|(p, _)| p.starts_with(DIR) && p.ends_with(".toml") && p != VOCABULARY_FILE)
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, c) in paths {
        gf.push(parse::<GuidelineFile>(p, c)?);
    }
    let g = Guidelines { vocabulary, files: gf };
    let errs = g.check(agents, trial_sites, populations);
    if !errs.is_empty() {
        return Err(KbError {
            file: DIR.into(),
            message: format!("{} problem(s): {}", errs.len(), errs.join("; ")),
        });
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_conditions_and_borderline_bands() {
        // "progressive in the short term (≤ 6–12 months)".
        let n: Num = toml::from_str("le = 6\nborderline = { gt = 6, le = 12 }").unwrap();
        assert!(n.holds(6.0) && !n.is_borderline(6.0));
        assert!(n.is_borderline(6.5) && n.is_borderline(12.0));
        assert!(!n.holds(12.5) && !n.is_borderline(12.5));
        assert_eq!(n.describe(), "≤ 6");
        let mut errs = Vec::new();
        Num::default().check("x", &mut errs);
        assert_eq!(errs.len(), 1, "{errs:?}");
    }

    #[test]
    fn the_embedded_rules_load_and_every_rule_has_a_source() {
        let kb = crate::Kb::embedded().expect("embedded knowledge loads");
        let g = &kb.guidelines;
        assert!(g.files.len() >= 6, "one file per guideline table of §C.2–§C.8");
        for (_, r) in g.rules() {
            assert!(!r.source.reference.trim().is_empty(), "{} has no source", r.id);
        }
        for s in vocab::SITE {
            assert!(g.site_map(s).is_some(), "{s} is mapped to the trial base");
        }
        // A group expands to its agents; an agent id stays itself.
        let list = ["@ssa".to_string(), "everolimus".to_string()];
        let e = g.expand(&list);
        assert!(e.contains("lanreotide") && e.contains("octreotide_lar") && e.contains("everolimus"));
    }

    #[test]
    fn unknown_facts_and_values_are_load_errors() {
        let bad: Result<Condition, _> = toml::from_str("sites = [\"pancreas\"]");
        assert!(bad.is_err(), "a misspelt fact is refused");
        let c: Condition =
            toml::from_str("site = [\"liver\"]\nsstr = [\"pos\"]\nprior_received = [\"@nope\"]").unwrap();
        let mut errs = Vec::new();
        c.check("when", &BTreeSet::new(), &BTreeSet::new(), &mut errs);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].contains("\"liver\"") && errs[0].contains("pancreas"));
    }
}
