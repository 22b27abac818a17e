//! The trial base (`knowledge/trials/*.toml`, one file per trial).
//!
//! A trial has publications, a design, a population, arms (each with its agents
//! and its network node), optional cohorts (separately randomised cohorts,
//! strata or subgroups; `all` is the whole trial and is implicit), results
//! (one per endpoint × cohort × analysis, with per-arm values, an effect estimate
//! and a p-value), adverse-event tables, the rows the review quotes with a verdict
//! against the primary paper, and notes.
//!
//! Provenance: every section carries a [`Source`]; values nested in a section
//! inherit it. A single value whose status differs from its section's (a median CI
//! quoted from memory next to verified medians, say) is listed in the section's
//! `overrides` with its own status and note.
//!
//! Two queries the rest of netrx relies on are one call each:
//! [`Trials::evidence`] (the supporting trials of an agent in a population, for
//! `assess`) and [`Trials::contrasts`] (the network as pairwise contrasts
//! `study, treat1, treat2, log_hr, se`, for `nma` and `compare`).

use crate::agents::Agents;
use crate::populations::{Fit, Populations};
use crate::provenance::{Source, Status};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;

/// All trials.
///
/// Built once at load with [`Trials::new`], which indexes every trial's id, name, aliases and
/// registry ids by their normalised key ([`trial_key`]) so that [`Trials::get`] is one hash
/// lookup. `trials` is public for reading; a list changed after construction must be rebuilt
/// with [`Trials::new`] (a `Trials` without an index — `Default` — falls back to a scan).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trials {
    pub trials: Vec<Trial>,
    /// Normalised key (id, name, alias, registry id) → position in `trials`; the first trial
    /// naming a key wins, as in a scan (the validator rejects keys naming two trials).
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// Exact trial id → position in `trials`.
    #[serde(skip)]
    by_id: HashMap<String, usize>,
}

/// One trial (one file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trial {
    /// Lowercase id with hyphens (`radiant-3`, `a6181111`, `calgb-80701`).
    pub id: String,
    /// Display name (`RADIANT-3`).
    pub name: String,
    /// One-line description.
    pub title: String,
    /// Other names it is known by (`SUN-1111`, `Raymond 2011`), matched case-insensitively.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Registry ids (NCT, EudraCT).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registry: Vec<String>,
    /// Where the registry ids come from and how sure they are (required when `registry` is
    /// given): trials.md marks some NCT numbers UNVERIFIED, and that mark is shown with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_source: Option<Source>,
    /// Phase label: `1`, `1b-2`, `1-2`, `2`, `2-3`, `3`, `3b`, `4` or `observational`.
    pub phase: String,
    /// Which tables of the review (2–6) show it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_tables: Vec<u8>,
    /// Recruitment status as listed (ongoing trials of review Table 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruitment: Option<Recruitment>,
    #[serde(rename(deserialize = "publication"), default)]
    pub publications: Vec<Publication>,
    pub design: Design,
    pub population: TrialPopulation,
    #[serde(rename(deserialize = "arm"))]
    pub arms: Vec<Arm>,
    #[serde(rename(deserialize = "cohort"), default, skip_serializing_if = "Vec::is_empty")]
    pub cohorts: Vec<Cohort>,
    #[serde(rename(deserialize = "result"), default)]
    pub results: Vec<Outcome>,
    #[serde(rename(deserialize = "ae_table"), default, skip_serializing_if = "Vec::is_empty")]
    pub ae_tables: Vec<AeTable>,
    /// The review's rows for this trial, verbatim, with a verdict against the primary paper.
    #[serde(rename(deserialize = "review"), default, skip_serializing_if = "Vec::is_empty")]
    pub review: Vec<ReviewRow>,
    #[serde(rename(deserialize = "note"), default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// Recruitment status.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recruitment {
    /// The status text as listed.
    pub status: String,
    pub source: Source,
}

/// A publication or congress report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    pub citation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// What it reports (`primary`, `final OS`, `subgroup`, `congress`, …).
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    pub source: Source,
}

/// How the trial was run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub kind: DesignKind,
    pub blinding: Blinding,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<String>,
    /// Free-text design summary (centres, countries, stratification, boundaries).
    pub summary: String,
    pub stopped_early: StoppedEarly,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossover: Option<Crossover>,
    /// Enrolment era (for the era warning of indirect comparisons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub era: Option<Era>,
    /// Where it enrolled: `international`, or the one country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

/// Design type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    /// Randomised, with a formal between-arm comparison.
    RandomisedComparative,
    /// Randomised but not designed for a between-arm comparison (LUNA, OCLURANDOM).
    RandomisedNonComparative,
    /// Randomised comparison of treatment sequences (SEQTOR).
    RandomisedSequence,
    /// Non-randomised strata or dose cohorts.
    NonRandomised,
    /// One arm.
    SingleArm,
    /// Retrospective / observational cohort.
    Observational,
}

impl DesignKind {
    /// Whether the arms were randomised.
    pub fn randomised(self) -> bool {
        matches!(
            self,
            DesignKind::RandomisedComparative | DesignKind::RandomisedNonComparative | DesignKind::RandomisedSequence
        )
    }
    pub fn label(self) -> &'static str {
        match self {
            DesignKind::RandomisedComparative => "randomised, comparative",
            DesignKind::RandomisedNonComparative => "randomised, non-comparative",
            DesignKind::RandomisedSequence => "randomised sequence trial",
            DesignKind::NonRandomised => "non-randomised",
            DesignKind::SingleArm => "single-arm",
            DesignKind::Observational => "observational",
        }
    }
}

/// Blinding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blinding {
    DoubleBlind,
    OpenLabel,
    NotStated,
}

impl Blinding {
    pub fn label(self) -> &'static str {
        match self {
            Blinding::DoubleBlind => "double-blind",
            Blinding::OpenLabel => "open-label",
            Blinding::NotStated => "blinding not stated",
        }
    }
}

/// Whether and why the trial stopped before its planned end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoppedEarly {
    No,
    /// Stopped at an interim analysis for benefit (effects likely overestimated).
    Benefit,
    /// Stopped at a planned interim analysis (reason not stated in the references).
    Interim,
    /// Stopped for slow accrual.
    PoorAccrual,
    /// Not stated in the references.
    NotStated,
}

/// Crossover from control to experimental treatment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crossover {
    pub policy: CrossoverPolicy,
    /// Share of control patients who received the experimental treatment (or its class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    pub text: String,
    /// Defaults to the design's source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// Crossover policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossoverPolicy {
    /// Allowed at progression within the protocol.
    Allowed,
    /// Not in the protocol, but control patients received it after the study.
    PostStudy,
    NotAllowed,
    NotApplicable,
    NotStated,
}

/// Enrolment era.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Era {
    pub from: u16,
    pub to: u16,
    /// `enrolment` (the trial's own enrolment dates) or `era_group` (a grouping in the references).
    pub basis: String,
    pub source: Source,
}

/// Who was enrolled.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialPopulation {
    pub description: String,
    /// Patients enrolled (randomised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Primary sites enrolled (ids from populations.toml).
    pub sites: Vec<String>,
    /// Site shares where reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_mix: Vec<SiteShare>,
    pub functional: Functional,
    /// Grades / histologies enrolled (`G1`, `G2`, `G3`, `TC`, `AC`, `NEC`), as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// The same, structured: the grades the trial enrolled (`G1`, `G2`, `G3` for
    /// well-differentiated NET; `NEC` for poorly differentiated carcinoma). Lung typical /
    /// atypical carcinoid are written G1 / G2 (vocabulary.toml `thoracic_grade`); "low or
    /// intermediate grade" is G1 / G2 (clinical-rules.md §A.2). Empty = the references do not
    /// state the grades, and netrx draws no grade comparison from the trial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<TrialGrade>,
    /// Upper Ki-67 limit of eligibility (%), where one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ki67_max: Option<f64>,
    pub progression: Progression,
    /// Window for the required progression (months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progression_window_months: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progression_note: Option<String>,
    pub prior_therapy: PriorTherapy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_therapy_note: Option<String>,
    /// Somatostatin-analogue background in the control arm.
    pub ssa_background: SsaBackground,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

/// A grade a trial enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TrialGrade {
    G1,
    G2,
    G3,
    /// Poorly differentiated neuroendocrine carcinoma.
    #[serde(rename = "NEC")]
    Nec,
}

impl TrialGrade {
    pub fn id(self) -> &'static str {
        match self {
            TrialGrade::G1 => "G1",
            TrialGrade::G2 => "G2",
            TrialGrade::G3 => "G3",
            TrialGrade::Nec => "NEC",
        }
    }
}

/// A site's share of the enrolled population.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteShare {
    /// As the source words it (`lung`, `ileum`, `GI`, `other`).
    pub label: String,
    pub percent: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// Hormonal functionality of the enrolled tumours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Functional {
    Functional,
    NonFunctional,
    Mixed,
    NotStated,
}

impl Functional {
    pub fn label(self) -> &'static str {
        match self {
            Functional::Functional => "functional (hormone syndrome)",
            Functional::NonFunctional => "non-functional",
            Functional::Mixed => "functional and non-functional",
            Functional::NotStated => "functional status not stated",
        }
    }
}

/// Progression at entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progression {
    /// Documented progression required.
    Required,
    /// Not required (the population was largely stable or newly diagnosed).
    NotRequired,
    NotStated,
}

impl Progression {
    pub fn label(self) -> &'static str {
        match self {
            Progression::Required => "progression required",
            Progression::NotRequired => "progression not required",
            Progression::NotStated => "progression at entry not stated",
        }
    }
}

/// Prior systemic therapy at entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorTherapy {
    /// Treatment-naive (or newly diagnosed).
    Naive,
    /// Allowed, not required.
    Allowed,
    /// Required (a later-line population).
    Required,
    NotStated,
}

impl PriorTherapy {
    pub fn label(self) -> &'static str {
        match self {
            PriorTherapy::Naive => "treatment-naive",
            PriorTherapy::Allowed => "prior therapy allowed",
            PriorTherapy::Required => "prior therapy required (later line)",
            PriorTherapy::NotStated => "prior therapy not stated",
        }
    }
}

/// Somatostatin-analogue background of the control arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsaBackground {
    /// No SSA background.
    None,
    /// SSA allowed as best supportive care.
    Allowed,
    /// Every patient received an SSA (it is part of both arms).
    AllPatients,
    /// The comparator itself is an SSA.
    IsComparator,
    NotStated,
}

/// One arm (or stratum / dose cohort).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Id within the trial (usually the node id).
    pub id: String,
    /// Full description: agents, doses, schedule, background.
    pub label: String,
    /// Agent ids (agents.toml).
    pub agents: Vec<String>,
    /// Network node (agent or regimen id).
    pub node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Defaults to the population's source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// A part of the trial with its own results: a separately randomised cohort, a stratum or a subgroup.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    pub id: String,
    pub label: String,
    pub kind: CohortKind,
    /// Sites of this cohort (defaults to the trial's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Patients per arm: `{ arm id = n }`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub arm_n: std::collections::BTreeMap<String, u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Source,
}

/// What a cohort is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortKind {
    /// Separately randomised and powered cohort (CABINET pNET / epNET).
    Cohort,
    /// A subgroup analysis of the randomised population.
    Subgroup,
    /// An analysis population (e.g. eligible patients).
    AnalysisSet,
    /// A non-randomised stratum or dose cohort.
    Stratum,
}

/// Endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// Progression-free survival.
    Pfs,
    /// Time to progression (deaths without progression censored).
    Ttp,
    /// Overall survival.
    Os,
    /// Proportion progression-free at a landmark.
    PfsRate,
    /// Proportion alive at a landmark.
    OsRate,
    /// Tumour response (ORR, CR/PR/SD/PD, disease control).
    Response,
    /// Time to treatment failure.
    Ttf,
    /// Biochemical (marker) response.
    BiomarkerResponse,
    /// Any tumour shrinkage.
    TumourShrinkage,
}

impl Endpoint {
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::Pfs,
        Endpoint::Ttp,
        Endpoint::Os,
        Endpoint::PfsRate,
        Endpoint::OsRate,
        Endpoint::Response,
        Endpoint::Ttf,
        Endpoint::BiomarkerResponse,
        Endpoint::TumourShrinkage,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Endpoint::Pfs => "pfs",
            Endpoint::Ttp => "ttp",
            Endpoint::Os => "os",
            Endpoint::PfsRate => "pfs_rate",
            Endpoint::OsRate => "os_rate",
            Endpoint::Response => "response",
            Endpoint::Ttf => "ttf",
            Endpoint::BiomarkerResponse => "biomarker_response",
            Endpoint::TumourShrinkage => "tumour_shrinkage",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Pfs => "PFS",
            Endpoint::Ttp => "TTP",
            Endpoint::Os => "OS",
            Endpoint::PfsRate => "PFS rate",
            Endpoint::OsRate => "OS rate",
            Endpoint::Response => "Response",
            Endpoint::Ttf => "TTF",
            Endpoint::BiomarkerResponse => "Biomarker response",
            Endpoint::TumourShrinkage => "Tumour shrinkage",
        }
    }
    pub fn parse(s: &str) -> Option<Endpoint> {
        let k = crate::agents::normalise(s);
        Self::ALL.iter().copied().find(|e| e.id() == k)
    }
    /// Time-to-event endpoints (medians, hazard ratios).
    pub fn is_time_to_event(self) -> bool {
        matches!(self, Endpoint::Pfs | Endpoint::Ttp | Endpoint::Os | Endpoint::Ttf)
    }
}

/// Who assessed progression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Local investigator.
    Investigator,
    /// Central / blinded independent central review.
    Central,
}

impl Assessment {
    pub fn label(self) -> &'static str {
        match self {
            Assessment::Investigator => "investigator",
            Assessment::Central => "central review",
        }
    }
}

/// What kind of analysis a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisKind {
    /// The protocol's primary analysis of the primary endpoint.
    Primary,
    /// A secondary endpoint at the primary analysis.
    Secondary,
    /// Sensitivity analysis (e.g. the other assessment).
    Sensitivity,
    /// A planned interim analysis.
    Interim,
    /// The final analysis.
    Final,
    /// A later update (longer follow-up, regulatory cut).
    Update,
    /// Post-hoc analysis.
    PostHoc,
    /// Subgroup analysis.
    Subgroup,
    /// Covariate- or crossover-adjusted analysis.
    Adjusted,
    /// Descriptive (single-arm, non-comparative or observational).
    Descriptive,
}

/// A time unit for medians.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    #[default]
    Months,
    Weeks,
}

/// One result: an endpoint in a cohort under one analysis.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Cohort id (`all` = the whole trial).
    #[serde(default = "all_cohort")]
    pub cohort: String,
    pub endpoint: Endpoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    pub kind: AnalysisKind,
    /// Short description of the analysis (`investigator, primary`, `final OS after 271 deaths`).
    pub analysis: String,
    /// The analysis netrx uses for this cohort and endpoint by default (network edges, headline).
    #[serde(default)]
    pub preferred: bool,
    /// Landmark for rates (months).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landmark_months: Option<f64>,
    #[serde(default, skip_serializing_if = "is_months")]
    pub unit: TimeUnit,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<ArmValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<PValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

fn is_months(u: &TimeUnit) -> bool {
    *u == TimeUnit::Months
}

fn all_cohort() -> String {
    "all".into()
}

/// Per-arm values of a result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmValue {
    /// Arm id.
    pub arm: String,
    /// Patients in this analysis, if different from the arm's N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<Median>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ci: Option<[Bound; 2]>,
    /// A rate (PFS/OS rate at the landmark, response rate for a single figure), %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_ci: Option<[f64; 2]>,
    /// Events (progressions or deaths) or responders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<u32>,
    /// Objective response rate, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pd: Option<f64>,
    /// Disease control rate, %.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dcr: Option<f64>,
}

/// A median: a positive number, or not reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Median {
    Value(f64),
    NotReached,
}

impl Median {
    pub fn value(self) -> Option<f64> {
        match self {
            Median::Value(v) => Some(v),
            Median::NotReached => None,
        }
    }
}

impl fmt::Display for Median {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Median::Value(v) => f.write_str(&fmt_median(*v)),
            Median::NotReached => f.write_str("NR"),
        }
    }
}

/// A confidence bound: a number, or not estimable (`NE`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Value(f64),
    NotEstimable,
}

impl Bound {
    pub fn value(self) -> Option<f64> {
        match self {
            Bound::Value(v) => Some(v),
            Bound::NotEstimable => None,
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Value(v) => f.write_str(&num(*v)),
            Bound::NotEstimable => f.write_str("NE"),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for Median {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumOrText::deserialize(d)? {
            NumOrText::Num(v) => Ok(Median::Value(v)),
            NumOrText::Text(s) if s == "NR" => Ok(Median::NotReached),
            NumOrText::Text(s) => Err(serde::de::Error::custom(format!(
                "median {s:?}: allowed a number of months or \"NR\" (not reached)"
            ))),
        }
    }
}

impl Serialize for Median {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Median::Value(v) => s.serialize_f64(*v),
            Median::NotReached => s.serialize_str("NR"),
        }
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumOrText::deserialize(d)? {
            NumOrText::Num(v) => Ok(Bound::Value(v)),
            NumOrText::Text(s) if s == "NE" => Ok(Bound::NotEstimable),
            NumOrText::Text(s) => Err(serde::de::Error::custom(format!(
                "confidence bound {s:?}: allowed a number or \"NE\" (not estimable)"
            ))),
        }
    }
}

impl Serialize for Bound {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Bound::Value(v) => s.serialize_f64(*v),
            Bound::NotEstimable => s.serialize_str("NE"),
        }
    }
}

/// An effect estimate (experimental arm vs control arm).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Effect {
    pub measure: Measure,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<[f64; 2]>,
    /// Confidence level of `ci`, % (default 95).
    #[serde(default = "ninety_five")]
    pub ci_level: f64,
    /// `[experimental arm id, control arm id]`: the estimate is the first vs the second.
    pub contrast: [String; 2],
    /// `≈` in the source (an approximate value, e.g. derived from "27 % risk reduction").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
}

fn ninety_five() -> f64 {
    95.0
}

/// Effect measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Hazard ratio.
    Hr,
    /// Odds ratio.
    Or,
    /// Difference in restricted mean survival time, months.
    RmstDifference,
}

impl Measure {
    pub fn label(self) -> &'static str {
        match self {
            Measure::Hr => "HR",
            Measure::Or => "OR",
            Measure::RmstDifference => "RMST difference (months)",
        }
    }
    /// Ratio measures live on the log scale (their CI must be positive).
    pub fn is_ratio(self) -> bool {
        matches!(self, Measure::Hr | Measure::Or)
    }
}

/// A p-value with its sidedness.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PValue {
    pub value: f64,
    /// `=` (default) or `<`.
    #[serde(default = "eq")]
    pub relation: String,
    /// `one`, `two` or `not_stated` — always given, so a one-sided p is never read as two-sided.
    pub sided: Sidedness,
    /// Pre-specified significance boundary, if the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<f64>,
    /// The test (`stratified log-rank`), where stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
}

fn eq() -> String {
    "=".into()
}

/// Sidedness of a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sidedness {
    One,
    Two,
    NotStated,
}

impl PValue {
    /// `P<0.001`, `one-sided P=0.026 (boundary 0.0246: not met)`.
    pub fn display(&self) -> String {
        let mut s = String::new();
        match self.sided {
            Sidedness::One => s.push_str("one-sided "),
            Sidedness::Two => s.push_str("two-sided "),
            Sidedness::NotStated => {}
        }
        s.push_str(&format!("P{}{}", self.relation, fmt_p(self.value)));
        if let Some(b) = self.boundary {
            // "P=x" or "P<x" with x at or below the boundary meets it.
            let met = self.value <= b;
            s.push_str(&format!(
                " (boundary {}: {})",
                num(b),
                if met { "met" } else { "not met" }
            ));
        }
        s
    }
}

/// A value whose status differs from its section's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The field (`median_ci`, `pr`, `effect`, `effect.ci`, `p`, `n`, `crossover`, …).
    pub field: String,
    /// Only this arm's value (all arms if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    pub status: Status,
    pub note: String,
}

/// An adverse-event table (one arm, or rows naming their arm).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AeTable {
    pub id: String,
    pub label: String,
    /// Arm id for every row (unless a row names its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    /// `any`, `drug_related` or `not_stated`.
    pub attribution: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    pub rows: Vec<AeRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Source,
}

/// One adverse event. Percentages are of patients; absent = not reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AeRow {
    /// Lowercase snake_case term (`stomatitis`, `peripheral_edema`, `any`).
    pub term: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_grades: Option<Pct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_3_4: Option<Pct>,
    /// Grade ≥ 3 (when the source reports ≥ 3 rather than 3–4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_3_plus: Option<Pct>,
    /// Grade 3 only (when the source reports grade 3 rather than 3–4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_3: Option<Pct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// A percentage, possibly "< x", or a range "a–b" as the source reports it (e.g. a range
/// across cohorts); `value` is then the lower end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pct {
    pub value: f64,
    /// Reported as "< value".
    pub below: bool,
    /// Upper end of a reported range ("62–65"), if the source gives a range.
    pub to: Option<f64>,
}

impl fmt::Display for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.below {
            write!(f, "<{}", num(self.value))
        } else if let Some(t) = self.to {
            write!(f, "{}–{}", num(self.value), num(t))
        } else {
            f.write_str(&num(self.value))
        }
    }
}

impl<'de> Deserialize<'de> for Pct {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bad = |s: &str| {
            serde::de::Error::custom(format!("percentage {s:?}: allowed a number, \"<x\" or a range \"a–b\""))
        };
        match NumOrText::deserialize(d)? {
            NumOrText::Num(v) => Ok(Pct {
                value: v,
                below: false,
                to: None,
            }),
            NumOrText::Text(s) => {
                if let Some(r) = s.strip_prefix('<') {
                    let v = r.trim().parse::<f64>().map_err(|_| bad(&s))?;
                    return Ok(Pct {
                        value: v,
                        below: true,
                        to: None,
                    });
                }
                let (a, b) = s.split_once('–').or_else(|| s.split_once('-')).ok_or_else(|| bad(&s))?;
                let (a, b) = (
                    a.trim().parse::<f64>().map_err(|_| bad(&s))?,
                    b.trim().parse::<f64>().map_err(|_| bad(&s))?,
                );
                if a >= b {
                    return Err(bad(&s));
                }
                Ok(Pct {
                    value: a,
                    below: false,
                    to: Some(b),
                })
            }
        }
    }
}

impl Serialize for Pct {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.below || self.to.is_some() {
            s.serialize_str(&self.to_string())
        } else {
            s.serialize_f64(self.value)
        }
    }
}

/// One row of the review about this trial, verbatim, checked against the primary paper.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRow {
    /// `table 2` … `table 6`, or `text` for the review's prose.
    pub place: String,
    /// The review's figures as printed.
    pub quoted: String,
    pub verdict: Verdict,
    /// Why it differs / what the paper says (required unless the verdict is `matches`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Source,
}

/// How a review figure compares with the primary paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The paper has the same figures.
    Matches,
    /// Same numbers, but the label, endpoint, analysis or sidedness differs from the paper.
    Relabelled,
    /// The numbers differ from the paper.
    Differs,
    /// Could not be checked against the paper.
    Unverified,
}

/// A note about the trial (interpretation, caveat), with its source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    pub source: Source,
}

/// A ratio (HR, OR) as papers print it: at least two decimals (0.80, 0.276).
pub fn fmt_ratio(v: f64) -> String {
    if ((v * 100.0).round() - v * 100.0).abs() < 1e-9 {
        format!("{v:.2}")
    } else {
        num(v)
    }
}

/// A median in months as papers print it: at least one decimal (11.0, 4.6).
pub fn fmt_median(v: f64) -> String {
    if ((v * 10.0).round() - v * 10.0).abs() < 1e-9 {
        format!("{v:.1}")
    } else {
        num(v)
    }
}

/// A p-value: two decimals from 0.1 up (0.30), otherwise as stored (0.026, 0.000072).
pub fn fmt_p(v: f64) -> String {
    if v >= 0.1 && ((v * 100.0).round() - v * 100.0).abs() < 1e-9 {
        format!("{v:.2}")
    } else {
        num(v)
    }
}

/// Format a number without trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v}");
    if s.contains('e') { format!("{v:.6}") } else { s }
}

// ---------------------------------------------------------------------------------------------
// Queries

/// One pairwise contrast of the evidence network: `study, treat1, treat2, log_hr, se`
/// (log hazard ratio of treat1 versus treat2), with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Contrast {
    /// Trial id.
    pub study: String,
    /// Cohort id (`all` or a subgroup / cohort).
    pub cohort: String,
    pub treat1: String,
    pub treat2: String,
    pub log_hr: f64,
    /// From the 95 % CI: (ln upper − ln lower) / (2 · z).
    pub se: f64,
    pub hr: f64,
    pub ci: [f64; 2],
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    pub kind: AnalysisKind,
    pub fit: Fit,
    /// Whether this is the trial's preferred analysis (false for sensitivity variants).
    pub preferred: bool,
    pub source: Source,
}

/// One supporting trial of an agent in a population (for `assess`).
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceLine<'a> {
    pub trial: &'a str,
    pub name: &'a str,
    pub cohort: &'a str,
    pub n: Option<u32>,
    pub fit: Fit,
    pub arms: Vec<(&'a str, &'a str)>,
    pub result: &'a Outcome,
}

/// Standard-normal quantile for a two-sided confidence level (only the levels the data use).
pub fn z_for_level(level: f64) -> Option<f64> {
    // Φ⁻¹(1 − α/2) to 16 digits for the levels the trial base uses.
    if (level - 95.0).abs() < 1e-9 {
        Some(1.959_963_984_540_054)
    } else if (level - 90.0).abs() < 1e-9 {
        Some(1.644_853_626_951_472_2)
    } else if (level - 80.0).abs() < 1e-9 {
        Some(1.281_551_565_544_600_4)
    } else {
        None
    }
}

impl Trials {
    /// The trial base with its lookup indexes.
    pub fn new(trials: Vec<Trial>) -> Trials {
        let mut index = HashMap::new();
        let mut by_id = HashMap::new();
        for (i, t) in trials.iter().enumerate() {
            by_id.entry(t.id.clone()).or_insert(i);
            for k in t.keys() {
                index.entry(trial_key(k)).or_insert(i);
            }
        }
        Trials { trials, index, by_id }
    }

    /// Whether the indexes describe `trials` (false for a `Default` base filled by hand, or a
    /// list grown after [`Trials::new`]; such a base is scanned instead).
    fn indexed(&self) -> bool {
        self.by_id.len() == self.trials.len()
    }

    /// A trial by id, name or alias (case-insensitive; spaces and underscores read as hyphens).
    pub fn get(&self, key: &str) -> Option<&Trial> {
        if !self.indexed() {
            let k = trial_key(key);
            return self.trials.iter().find(|t| t.keys().any(|x| trial_key(x) == k));
        }
        let i = if is_trial_key(key) {
            self.index.get(key)
        } else {
            self.index.get(&trial_key(key))
        };
        i.and_then(|&i| self.trials.get(i))
    }

    /// A trial by its exact id.
    pub fn by_id(&self, id: &str) -> Option<&Trial> {
        if !self.indexed() {
            return self.trials.iter().find(|t| t.id == id);
        }
        self.by_id.get(id).and_then(|&i| self.trials.get(i))
    }

    /// Every trial id, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.trials.iter().map(|t| t.id.as_str()).collect()
    }

    /// The network as pairwise contrasts of an endpoint in a population: one row per
    /// member cohort whose preferred result of that endpoint has an HR with a CI and
    /// comes from a randomised comparison. With `all_analyses`, every such HR of the
    /// cohort (sensitivity analyses, other assessments) is returned, the preferred
    /// one flagged.
    pub fn contrasts(
        &self,
        agents: &Agents,
        populations: &Populations,
        population: &str,
        endpoint: Endpoint,
        all_analyses: bool,
    ) -> Vec<Contrast> {
        let _ = agents;
        let Some(pop) = populations.population(population) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in &pop.members {
            let Some(t) = self.by_id(&m.trial) else {
                continue;
            };
            if !t.design.kind.randomised() || t.design.kind == DesignKind::RandomisedNonComparative {
                continue;
            }
            let fit = Fit::of(t.cohort_sites(&m.cohort), &pop.sites);
            for r in t
                .results
                .iter()
                .filter(|r| r.cohort == m.cohort && r.endpoint == endpoint)
            {
                if !(r.preferred || all_analyses) {
                    continue;
                }
                let Some(e) = &r.effect else { continue };
                if e.measure != Measure::Hr {
                    continue;
                }
                let (Some([lo, hi]), Some(z)) = (e.ci, z_for_level(e.ci_level)) else {
                    continue;
                };
                let (Some(a1), Some(a2)) = (t.arm(&e.contrast[0]), t.arm(&e.contrast[1])) else {
                    continue;
                };
                out.push(Contrast {
                    study: t.id.clone(),
                    cohort: m.cohort.clone(),
                    treat1: a1.node.clone(),
                    treat2: a2.node.clone(),
                    log_hr: e.value.ln(),
                    se: (hi.ln() - lo.ln()) / (2.0 * z),
                    hr: e.value,
                    ci: [lo, hi],
                    endpoint,
                    assessment: r.assessment,
                    kind: r.kind,
                    fit,
                    preferred: r.preferred,
                    source: r.source.clone(),
                });
            }
        }
        out
    }

    /// The trials that support `agent` in `population`: every member cohort with an arm
    /// containing the agent, with its preferred results (time-to-event first). For `assess`.
    pub fn evidence<'a>(
        &'a self,
        agents: &'a Agents,
        populations: &'a Populations,
        agent: &str,
        population: &str,
    ) -> Vec<EvidenceLine<'a>> {
        let Some(pop) = populations.population(population) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in &pop.members {
            let Some(t) = self.by_id(&m.trial) else {
                continue;
            };
            if !t.arms.iter().any(|a| a.agents.iter().any(|x| x == agent)) {
                continue;
            }
            let fit = Fit::of(t.cohort_sites(&m.cohort), &pop.sites);
            let mut rs: Vec<&Outcome> = t
                .results
                .iter()
                .filter(|r| r.cohort == m.cohort && r.preferred)
                .collect();
            rs.sort_by_key(|r| r.endpoint);
            for r in rs {
                out.push(EvidenceLine {
                    trial: &t.id,
                    name: &t.name,
                    cohort: &m.cohort,
                    n: t.cohort_n(&m.cohort),
                    fit,
                    arms: t
                        .arms
                        .iter()
                        .map(|a| (a.id.as_str(), agents.node_name(&a.node)))
                        .collect(),
                    result: r,
                });
            }
        }
        out
    }
}

/// Whether `s` is already a normalised trial key ([`trial_key`] would return it unchanged):
/// ASCII without upper case, whitespace or underscores.
fn is_trial_key(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase() && !b.is_ascii_whitespace() && b != b'_')
}

/// Normalise a trial key: lowercase, spaces/underscores → hyphens.
pub fn trial_key(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect()
}

impl Trial {
    /// Every name the trial is looked up by: id, name, aliases, registry ids.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.id)
            .chain(std::iter::once(&self.name))
            .chain(self.aliases.iter())
            .chain(self.registry.iter())
    }

    /// The verification status of the registry ids (`None` without registry ids).
    pub fn registry_status(&self) -> Option<Status> {
        if self.registry.is_empty() {
            None
        } else {
            Some(
                self.registry_source
                    .as_ref()
                    .map(|s| s.status)
                    .unwrap_or(Status::Unverified),
            )
        }
    }

    /// An arm by id.
    pub fn arm(&self, id: &str) -> Option<&Arm> {
        self.arms.iter().find(|a| a.id == id)
    }

    /// A cohort by id (`all` is the whole trial and has no entry).
    pub fn cohort(&self, id: &str) -> Option<&Cohort> {
        self.cohorts.iter().find(|c| c.id == id)
    }

    /// The sites of a cohort (the trial's for `all` or a cohort without its own).
    pub fn cohort_sites(&self, id: &str) -> &[String] {
        match self.cohort(id) {
            Some(c) if !c.sites.is_empty() => &c.sites,
            _ => &self.population.sites,
        }
    }

    /// Patients in a cohort (`all`: the trial's N).
    pub fn cohort_n(&self, id: &str) -> Option<u32> {
        if id == "all" {
            self.population.n
        } else {
            self.cohort(id).and_then(|c| c.n)
        }
    }

    /// The label of a cohort (`Whole trial` for `all`).
    pub fn cohort_label(&self, id: &str) -> String {
        if id == "all" {
            "whole trial".into()
        } else {
            self.cohort(id)
                .map(|c| c.label.clone())
                .unwrap_or_else(|| id.to_string())
        }
    }

    /// The preferred result of the protocol's primary endpoint for the whole trial, if any;
    /// otherwise the first preferred result.
    pub fn headline(&self) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|r| r.cohort == "all" && r.kind == AnalysisKind::Primary && r.preferred)
            .or_else(|| {
                self.results
                    .iter()
                    .find(|r| r.cohort == "all" && r.kind == AnalysisKind::Primary)
            })
            .or_else(|| self.results.iter().find(|r| r.cohort == "all" && r.preferred))
            .or_else(|| self.results.first())
    }

    /// Every agent the trial's arms use.
    pub fn agents(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .arms
            .iter()
            .flat_map(|a| a.agents.iter().map(String::as_str))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The phase numbers in the phase label (`2-3` → [2, 3], `1b-2` → [1, 2]).
    pub fn phase_numbers(&self) -> Vec<u8> {
        self.phase
            .split(['-', '/'])
            .filter_map(|p| p.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse().ok())
            .collect()
    }

    /// The status that applies to `field` of a result: its override, else the override of the
    /// enclosing field (`effect` for `effect.ci`), else the result's source.
    pub fn value_status(r: &Outcome, field: &str, arm: Option<&str>) -> Status {
        let find = |f: &str| {
            r.overrides
                .iter()
                .find(|o| o.field == f && (o.arm.is_none() || o.arm.as_deref() == arm))
                .map(|o| o.status)
        };
        find(field)
            .or_else(|| field.rsplit_once('.').and_then(|(parent, _)| find(parent)))
            .unwrap_or(r.source.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup as it was before the index: normalise every key of every trial, in order.
    fn scan<'a>(t: &'a Trials, key: &str) -> Option<&'a str> {
        let k = trial_key(key);
        t.trials
            .iter()
            .find(|t| t.keys().any(|x| trial_key(x) == k))
            .map(|t| t.id.as_str())
    }

    fn variants(k: &str) -> Vec<String> {
        vec![
            k.to_string(),
            k.to_uppercase(),
            k.to_lowercase(),
            format!("  {k}\t"),
            k.replace('-', " "),
            k.replace('-', "_"),
            k.replace(' ', "_").to_uppercase(),
            format!("{k}x"),
        ]
    }

    #[test]
    fn indexed_lookup_answers_as_the_scan_for_every_key_of_every_trial() {
        let kb = crate::Kb::embedded().expect("knowledge loads");
        let t = &kb.trials;
        assert!(t.indexed(), "the loaded base is indexed");
        let mut checked = 0;
        for trial in &t.trials {
            assert_eq!(t.by_id(&trial.id).map(|x| x.id.as_str()), Some(trial.id.as_str()));
            for k in trial.keys() {
                for v in variants(k) {
                    assert_eq!(t.get(&v).map(|x| x.id.as_str()), scan(t, &v), "key {v:?}");
                    checked += 1;
                }
                assert_eq!(t.get(k).map(|x| x.id.as_str()), Some(trial.id.as_str()), "key {k:?}");
            }
        }
        assert!(checked > 8 * 2 * t.trials.len(), "{checked} keys checked");
        for k in ["", " ", "radiant", "RADIANT-99", "nct", "ÉTUDE", "radiant–3"] {
            assert_eq!(t.get(k).map(|x| x.id.as_str()), scan(t, k), "key {k:?}");
        }
        assert!(t.by_id("RADIANT-3").is_none(), "by_id is exact");
    }

    #[test]
    fn a_base_without_index_is_scanned() {
        let kb = crate::Kb::embedded().expect("knowledge loads");
        let t = Trials {
            trials: kb.trials.trials.clone(),
            ..Trials::default()
        };
        assert!(!t.indexed());
        let first = &t.trials[0];
        assert_eq!(t.get(&first.name.to_uppercase()).map(|x| &x.id), Some(&first.id));
        assert_eq!(t.by_id(&first.id).map(|x| &x.id), Some(&first.id));
        // Grown after construction: the index no longer covers the list, so it is not used.
        let mut grown = Trials::new(kb.trials.trials[1..].to_vec());
        grown.trials.push(first.clone());
        assert_eq!(grown.get(&first.id).map(|x| &x.id), Some(&first.id));
    }
}
