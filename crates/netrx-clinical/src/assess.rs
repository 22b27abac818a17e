//! Tumour-board assessment (`netrx assess`): for one patient, every systemic agent
//! netrx knows, with its label status in the region, its guideline role, the rules
//! that gave it, the supporting trials and the patient-specific cautions — every
//! statement with its source and verification status.
//!
//! # How an agent's role is decided
//! 1. Every guideline rule (`knowledge/guidelines/`) naming the agent is evaluated
//!    over the patient's facts ([`facts`]) in three-valued logic. A rule that
//!    fires gives its role; a rule with `after` / `after_all` gives `later_line`
//!    until the patient has finished a line of those agents.
//! 2. A rule against the agent (`not_recommended`, then `not_indicated`) overrides
//!    the rules for it; both appear in `why`.
//! 3. Otherwise the best positive role wins (preferred > option > later_line),
//!    taken from the rules that place agents in lines of therapy when any fired,
//!    else from option lists (ENETS 2016 table, NCCN-style algorithm).
//! 4. Prior therapy: an agent (or, for SSAs, a class) the patient progressed on or
//!    could not tolerate is `not_recommended` — unless a rule continues it (an SSA
//!    for a hormone syndrome); a completed course is at most `later_line`.
//! 5. No rule: `not_indicated` ("no guideline rule in the references positions it").
//!
//! A rule that cannot be decided because an input is missing (or a value lies in a
//! band the source's wording leaves open) does not fire; if firing it would change
//! the role or the label, the option lists it under `missing` with what would
//! change. Nothing is filled in by default.
//!
//! # Label status
//! From `knowledge/indications.toml` for the agent and region: `approved` (an
//! indication holds and no limitation), `off_label_evidence` (outside the label,
//! or excluded by it, while a guideline rule makes it preferred or an option now),
//! `not_approved` (outside a fully stated label, or excluded, and no current
//! guideline role), `undetermined` (a missing input decides the indication),
//! `not_stated` (the references do not give this product's label) and
//! `not_applicable` (procedures and strategies).

pub mod evidence;
pub mod facts;

use crate::capability::{Options, Region};
use crate::grade::Classification;
use facts::{Facts, Gap, GapKind, Truth, eval};
use netrx_case::{Case, InputError, TherapyOutcome};
use netrx_kb::Kb;
use netrx_kb::agents::{Agent, AgentKind};
use netrx_kb::cautions::Severity;
use netrx_kb::guidelines::{GuidelineHeader, Guidelines, Ordering, Role, Rule};
use netrx_kb::provenance::{Source, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use evidence::{CompareHint, Evidence};

/// Label status of an agent for this patient's indication in the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelStatus {
    /// The patient is inside a stated label indication.
    Approved,
    /// Outside the label (or excluded by it), and no guideline rule puts it forward now.
    NotApproved,
    /// Outside the label (or excluded by it), but a guideline rule makes it preferred or an option.
    OffLabelEvidence,
    /// A missing input decides whether an indication holds (see `missing`).
    Undetermined,
    /// The references do not state this product's label for the patient's indication.
    NotStated,
    /// A procedure or strategy: no drug label.
    NotApplicable,
}

impl LabelStatus {
    pub fn id(self) -> &'static str {
        match self {
            LabelStatus::Approved => "approved",
            LabelStatus::NotApproved => "not_approved",
            LabelStatus::OffLabelEvidence => "off_label_evidence",
            LabelStatus::Undetermined => "undetermined",
            LabelStatus::NotStated => "not_stated",
            LabelStatus::NotApplicable => "not_applicable",
        }
    }
}

/// The role of an option for this patient: the guideline roles of the rules
/// ([`Role`]: preferred, option, later_line, not_recommended, not_indicated), plus
/// `undetermined` when a missing input decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionRole {
    /// First choice / treatment of choice for this situation.
    Preferred,
    /// One of the listed options for the current line.
    Option,
    /// Positioned for a later line.
    LaterLine,
    /// Advised against in this situation (or progressed on / not tolerated).
    NotRecommended,
    /// A missing input decides the role: its possible values give different roles, at least one
    /// of which puts the agent forward (see `missing` and `possible_roles`). Nothing is assumed.
    Undetermined,
    /// No indication (a prerequisite not met, or no guideline rule positions it).
    NotIndicated,
}

impl OptionRole {
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            OptionRole::Preferred => "preferred",
            OptionRole::Option => "option",
            OptionRole::LaterLine => "later_line",
            OptionRole::NotRecommended => "not_recommended",
            OptionRole::Undetermined => "undetermined",
            OptionRole::NotIndicated => "not_indicated",
        }
    }

    /// The guideline role, or `None` for `undetermined`.
    pub fn role(self) -> Option<Role> {
        match self {
            OptionRole::Preferred => Some(Role::Preferred),
            OptionRole::Option => Some(Role::Option),
            OptionRole::LaterLine => Some(Role::LaterLine),
            OptionRole::NotRecommended => Some(Role::NotRecommended),
            OptionRole::Undetermined => None,
            OptionRole::NotIndicated => Some(Role::NotIndicated),
        }
    }

    /// Whether the role puts the agent forward (now or later).
    pub fn is_positive(self) -> bool {
        self.role().is_some_and(Role::is_positive)
    }

    /// Whether the role withholds the agent (not recommended, not indicated).
    pub fn is_withheld(self) -> bool {
        self.role().is_some_and(|r| !r.is_positive())
    }
}

impl From<Role> for OptionRole {
    fn from(r: Role) -> OptionRole {
        match r {
            Role::Preferred => OptionRole::Preferred,
            Role::Option => OptionRole::Option,
            Role::LaterLine => OptionRole::LaterLine,
            Role::NotRecommended => OptionRole::NotRecommended,
            Role::NotIndicated => OptionRole::NotIndicated,
        }
    }
}

impl PartialEq<Role> for OptionRole {
    fn eq(&self, other: &Role) -> bool {
        *self == OptionRole::from(*other)
    }
}

/// One statement behind a role or label: a rule that fired, a prior therapy, a label row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Why {
    /// Rule id (`pnet.p3_everolimus`), label row id, `prior_therapies[i]`, or `no_rule`.
    pub id: String,
    pub text: String,
    /// The source reference.
    pub source: String,
    /// Verification status of the source.
    pub status: Status,
    /// What this statement does: a role (`preferred`, …, `not_indicated`) or, for the
    /// label, `indication`, `limitation`, `flag`, `outside_label`, `not_stated`.
    pub effect: String,
    /// Level / grade of recommendation, where the source gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// A requirement of the source that netrx cannot check from the case file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
    /// Caveat from the source (uncertain wording, how a phrase was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether the rule orders lines of therapy (`lines`) or lists options (`list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering: Option<Ordering>,
}

impl Why {
    fn from_source(id: &str, text: &str, source: &Source, effect: &str) -> Why {
        Why {
            id: id.into(),
            text: text.into(),
            source: source.reference.clone(),
            status: source.status,
            effect: effect.into(),
            level: None,
            not_checked: None,
            note: source.note.clone(),
            ordering: None,
        }
    }
}

/// A decisive input that is missing (or borderline), and what it would change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// Case-file fields (dotted paths).
    pub fields: Vec<String>,
    /// `missing` if any of `fields` is not given, else `borderline`.
    pub kind: GapKind,
    /// The fields of `fields` whose value is given but borderline (never called missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub borderline: Vec<String>,
    /// What is missing or why it is borderline.
    pub detail: String,
    /// What would change if the rule held: `role preferred`, `label approved`, …
    pub would: String,
    /// The rules or label rows concerned.
    pub rule: String,
    /// The rule's text (or what the input decides).
    pub text: String,
    /// For a missing categorical input: the role and label each of its values would give.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<Outcome>,
    /// This input leaves the option's role `undetermined` (its values give different roles). False
    /// for what changes only the label, a borderline value, a role change between two roles that
    /// both withhold the agent, or a contraindication the case states only when it applies.
    pub decisive: bool,
}

/// Role and label if a missing input had a given value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The value, as written in the case file.
    pub value: String,
    /// The role with that value (`undetermined` if other missing inputs still decide it).
    pub role: OptionRole,
    pub label: LabelStatus,
}

/// A patient-specific caution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CautionOut {
    pub id: String,
    pub severity: Severity,
    pub text: String,
    pub source: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The label part of an option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelDetail {
    /// The product and document the label rows come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The rows that decided the status, and flags to know.
    pub basis: Vec<Why>,
}

/// One agent for this patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentOption {
    /// Agent id.
    pub agent: String,
    /// Display name.
    pub name: String,
    /// Label status in the region for this patient's indication.
    pub label: LabelStatus,
    pub label_detail: LabelDetail,
    /// Guideline role; `undetermined` when a missing input decides it (see `missing`).
    pub role: OptionRole,
    /// The patient is receiving this agent now (a `prior_therapies` line with outcome `ongoing`, or the
    /// everolimus course of the case's `everolimus` section); `why` then starts with that statement.
    /// Serialised only when true.
    #[serde(skip_serializing_if = "is_false")]
    pub current: bool,
    /// For an `undetermined` role: the roles the missing inputs can give (best first).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub possible_roles: Vec<Role>,
    /// The rules that fired (and prior-therapy effects), each with source and status.
    pub why: Vec<Why>,
    /// Supporting trials in this patient's population.
    pub evidence: Vec<Evidence>,
    /// Patient-specific cautions.
    pub cautions: Vec<CautionOut>,
    /// Missing or borderline inputs that would change the role or the label.
    pub missing: Vec<Missing>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A sourced statement (advice, the standing note).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub id: String,
    pub text: String,
    pub source: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A missing input and the agents it decides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingSummary {
    pub field: String,
    pub kind: GapKind,
    /// Agents whose role or label it would change.
    pub affects: Vec<String>,
}

/// The patient's facts as the engine read them (null = not known).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactsOut {
    pub site: String,
    pub differentiation: Option<String>,
    pub entity: Option<String>,
    pub grade: Option<String>,
    pub ki67_percent: Option<f64>,
    pub functional: Option<bool>,
    pub syndrome: Option<String>,
    pub sstr: Option<String>,
    pub progression: Option<String>,
    pub progression_months: Option<f64>,
    pub extent: Option<String>,
    pub liver_burden_percent: Option<f64>,
    pub extrahepatic: Option<bool>,
    pub symptomatic: Option<bool>,
    pub chemo_contraindicated: Option<bool>,
    pub comorbidities: Vec<String>,
    pub prior_therapies: Vec<PriorOut>,
    /// Agents the patient is receiving now: `prior_therapies` lines with outcome `ongoing`, and
    /// `everolimus` when the case's `everolimus` section holds a course in progress.
    pub receiving: Vec<String>,
}

/// A prior line as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorOut {
    pub agent: String,
    pub line: u32,
    pub outcome: TherapyOutcome,
}

/// The assessment (the JSON contract of `netrx assess --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub knowledge_version: String,
    pub case_id: String,
    /// The classification (as `netrx grade --json`).
    pub classification: Classification,
    pub region: Region,
    /// The facts the rules were evaluated on.
    pub facts: FactsOut,
    /// Every systemic agent netrx knows, best role first.
    pub options: Vec<AgentOption>,
    /// Statements that are not about one agent (surgery for localised disease, …).
    pub advice: Vec<Statement>,
    /// Missing inputs that decide something, with the agents they affect.
    pub missing: Vec<MissingSummary>,
    /// Indirect or direct comparisons `netrx compare` can make among the options.
    pub compare_hints: Vec<CompareHint>,
    /// No head-to-head trial decides among the options.
    pub standing_note: Statement,
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Roles

/// A rule that fired for an agent.
#[derive(Debug, Clone)]
struct Hit<'k> {
    rule: &'k Rule,
    /// The role after `after` / `after_all`.
    role: Role,
    ordering: Ordering,
    /// Why the role is `later_line` although the rule's role is not.
    waiting: Option<String>,
}

fn rank(r: Role) -> u8 {
    match r {
        Role::Preferred => 0,
        Role::Option => 1,
        Role::LaterLine => 2,
        Role::NotRecommended => 3,
        Role::NotIndicated => 4,
    }
}

/// The names of agents and groups in an `after` list, for the reader.
fn names(list: &[String], kb: &Kb) -> String {
    list.iter()
        .map(|a| match a.strip_prefix('@') {
            Some(g) => kb
                .guidelines
                .group(g)
                .map(|g| g.name.clone())
                .unwrap_or_else(|| a.clone()),
            None => kb.agents.agent(a).map(|x| x.name.clone()).unwrap_or_else(|| a.clone()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn ended_any(list: &[String], f: &Facts, g: &Guidelines) -> bool {
    let set = g.expand(list);
    f.prior.iter().any(|p| p.ended() && set.contains(p.agent.as_str()))
}

fn hit<'k>(header: &'k GuidelineHeader, rule: &'k Rule, f: &Facts, kb: &'k Kb) -> Hit<'k> {
    let g = &kb.guidelines;
    let after_ok = rule.after.is_empty() || ended_any(&rule.after, f, g);
    let after_all_ok = rule.after_all.iter().all(|x| ended_any(std::slice::from_ref(x), f, g));
    let (role, waiting) = if rule.role.is_positive() && !(after_ok && after_all_ok) {
        let (list, how, yet) = if !after_ok {
            (&rule.after, "any of", "one")
        } else {
            (&rule.after_all, "each of", "all of them")
        };
        (
            Role::LaterLine,
            Some(format!(
                "positioned after a line of {how}: {}; the patient has not had {yet} yet",
                names(list, kb)
            )),
        )
    } else {
        (rule.role, None)
    };
    Hit {
        rule,
        role,
        ordering: Guidelines::ordering(header, rule),
        waiting,
    }
}

/// How prior therapy bears on an agent.
#[derive(Debug, Clone, Default)]
struct PriorEffect {
    /// Progressed on or intolerant of the agent or its class: (case-file field, text).
    exhausted: Vec<(String, String)>,
    completed: Vec<(String, String)>,
    /// The patient is receiving the agent now (an `ongoing` line or the everolimus course).
    ongoing: Vec<(String, String)>,
    /// Source of the class rule, when the exhaustion is by class.
    class_source: Option<Source>,
}

fn prior_effect(agent: &str, f: &Facts, kb: &Kb) -> PriorEffect {
    let mut e = PriorEffect::default();
    let name = |a: &str| {
        kb.agents
            .agent(a)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| a.to_string())
    };
    for p in &f.prior {
        if p.agent == agent {
            let what = prior_what(p, &name(&p.agent));
            let at = p.field.clone();
            match p.outcome {
                TherapyOutcome::Progressed => e.exhausted.push((at, format!("Progressed on {what}."))),
                TherapyOutcome::Intolerant => e.exhausted.push((at, format!("Did not tolerate {what}."))),
                TherapyOutcome::Completed => e.completed.push((
                    at,
                    format!(
                        "Already received {what} as a completed course; re-treatment is not addressed by the \
                         references — decide individually."
                    ),
                )),
                TherapyOutcome::Ongoing => e.ongoing.push((
                    at,
                    format!(
                        "Currently receiving {what}: this is the patient's current therapy; the role shown is the \
                         guideline position, not a proposal to start it anew."
                    ),
                )),
            }
        }
    }
    if e.exhausted.is_empty() {
        for grp in &kb.guidelines.vocabulary.groups {
            if !grp.progression_applies_to_class || !grp.agents.iter().any(|a| a == agent) {
                continue;
            }
            for p in &f.prior {
                if p.agent != agent && p.outcome == TherapyOutcome::Progressed && grp.agents.contains(&p.agent) {
                    e.exhausted.push((
                        p.field.clone(),
                        format!(
                            "Progressed on {}, another of the {}: progression on one is treated as progression on \
                             the class.",
                            prior_what(p, &name(&p.agent)),
                            grp.name
                        ),
                    ));
                    e.class_source = Some(grp.source.clone());
                }
            }
        }
    }
    e
}

/// "Name (field, line n)" — or, for the everolimus course, "Name (everolimus: started …)".
fn prior_what(p: &facts::Prior, name: &str) -> String {
    match (p.line, &p.detail) {
        (Some(l), _) => format!("{name} ({}, line {l})", p.field),
        (None, Some(d)) => format!("{name} ({}: {d})", p.field),
        (None, None) => format!("{name} ({})", p.field),
    }
}

fn combine(hits: &[Hit]) -> Option<Role> {
    if hits.iter().any(|h| h.role == Role::NotRecommended) {
        return Some(Role::NotRecommended);
    }
    if hits.iter().any(|h| h.role == Role::NotIndicated) {
        return Some(Role::NotIndicated);
    }
    let lines: Vec<&Hit> = hits.iter().filter(|h| h.ordering == Ordering::Lines).collect();
    let pool: Vec<&Hit> = if lines.is_empty() { hits.iter().collect() } else { lines };
    pool.iter().map(|h| h.role).min_by_key(|r| rank(*r))
}

/// The role from the hits and the prior therapy.
fn decide(hits: &[Hit], prior: &PriorEffect) -> Role {
    let base = combine(hits);
    if !prior.exhausted.is_empty() {
        let cont = hits
            .iter()
            .filter(|h| h.rule.continuation && h.role.is_positive())
            .map(|h| h.role)
            .min_by_key(|r| rank(*r));
        return cont.unwrap_or(Role::NotRecommended);
    }
    match base {
        Some(r) if !prior.completed.is_empty() && rank(r) < rank(Role::LaterLine) => Role::LaterLine,
        Some(r) => r,
        None => Role::NotIndicated,
    }
}

fn role_why(h: &Hit) -> Why {
    let r = h.rule;
    let mut text = r.text.clone();
    if let Some(w) = &h.waiting {
        text.push_str(&format!(" ({w})"));
    }
    Why {
        id: r.id.clone(),
        text,
        source: r.source.reference.clone(),
        status: r.source.status,
        effect: h.role.id().into(),
        level: r.level.clone(),
        not_checked: r.also_requires.clone(),
        note: r.source.note.clone(),
        ordering: Some(h.ordering),
    }
}

// ---------------------------------------------------------------------------------------------
// Labels

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Verified => 0,
        Status::VerifiedSecondary => 1,
        Status::Unverified => 2,
        Status::Derived => 3,
    }
}

fn positive_now(r: Role) -> bool {
    matches!(r, Role::Preferred | Role::Option)
}

/// Label status, its basis, and the label rows a gap leaves undecided (gaps, row id).
fn label_status(
    agent: &Agent,
    role: Role,
    f: &Facts,
    kb: &Kb,
) -> (LabelStatus, LabelDetail, Vec<(BTreeSet<Gap>, String)>) {
    let g = &kb.guidelines;
    if matches!(
        agent.kind,
        AgentKind::Procedure | AgentKind::Strategy | AgentKind::Control
    ) {
        return (
            LabelStatus::NotApplicable,
            LabelDetail {
                product: None,
                basis: Vec::new(),
            },
            Vec::new(),
        );
    }
    let Some(l) = kb.indications.label(&agent.id, f.region) else {
        return (
            LabelStatus::NotStated,
            LabelDetail {
                product: None,
                basis: vec![Why {
                    id: "not_stated".into(),
                    text: format!(
                        "The references do not state the label of {} in the {}.",
                        agent.name,
                        region_name(f.region)
                    ),
                    source: "knowledge/indications.toml (no entry)".into(),
                    status: Status::Unverified,
                    effect: "not_stated".into(),
                    level: None,
                    not_checked: None,
                    note: None,
                    ordering: None,
                }],
            },
            Vec::new(),
        );
    };
    let mut basis = Vec::new();
    let mut missing = Vec::new();
    let mut matched = Vec::new();
    let mut unknown_ind = Vec::new();
    for ind in &l.indications {
        match eval(&ind.when, f, g) {
            Truth::True => matched.push(ind),
            Truth::Unknown(gaps) => unknown_ind.push((ind, gaps)),
            Truth::False => {}
        }
    }
    let mut limited = Vec::new();
    let mut unknown_lim = Vec::new();
    for lim in &l.limitations {
        match eval(&lim.when, f, g) {
            Truth::True => limited.push(lim),
            Truth::Unknown(gaps) => unknown_lim.push((lim, gaps)),
            Truth::False => {}
        }
    }
    let outside = || {
        if positive_now(role) {
            LabelStatus::OffLabelEvidence
        } else {
            LabelStatus::NotApproved
        }
    };
    let status = if !limited.is_empty() {
        for lim in &limited {
            basis.push(Why::from_source(&lim.id, &lim.text, &lim.source, "limitation"));
        }
        outside()
    } else if !matched.is_empty() {
        for ind in &matched {
            basis.push(Why::from_source(&ind.id, &ind.text, &ind.source, "indication"));
        }
        for (lim, gaps) in &unknown_lim {
            missing.push((gaps.clone(), lim.id.clone()));
        }
        LabelStatus::Approved
    } else if !unknown_ind.is_empty() {
        for (ind, gaps) in &unknown_ind {
            missing.push((gaps.clone(), ind.id.clone()));
            basis.push(Why::from_source(
                &ind.id,
                &ind.text,
                &ind.source,
                "undetermined_indication",
            ));
        }
        LabelStatus::Undetermined
    } else if l.complete {
        for ind in &l.indications {
            basis.push(Why::from_source(&ind.id, &ind.text, &ind.source, "outside_label"));
        }
        outside()
    } else {
        basis.push(Why::from_source(
            "not_stated",
            &format!(
                "{} — the references do not state its label for this indication.",
                l.product
            ),
            &l.source,
            "not_stated",
        ));
        LabelStatus::NotStated
    };
    for fl in &l.flags {
        if eval(&fl.when, f, g) == Truth::True {
            basis.push(Why::from_source(&fl.id, &fl.text, &fl.source, "flag"));
        }
    }
    (
        status,
        LabelDetail {
            product: Some(l.product.clone()),
            basis,
        },
        missing,
    )
}

fn region_name(r: &str) -> &'static str {
    match r {
        "eu" => "EU (EMA SmPC)",
        _ => "US (FDA label)",
    }
}

fn missing_entry(gaps: &BTreeSet<Gap>, would: String, rule: &str, text: &str) -> Missing {
    let kind = if gaps.iter().all(|g| g.kind == GapKind::Borderline) {
        GapKind::Borderline
    } else {
        GapKind::Missing
    };
    let mut fields: Vec<String> = gaps.iter().map(|g| g.field.clone()).collect();
    fields.dedup();
    let mut borderline: Vec<String> = gaps
        .iter()
        .filter(|g| g.kind == GapKind::Borderline)
        .map(|g| g.field.clone())
        .collect();
    borderline.dedup();
    Missing {
        fields,
        kind,
        borderline,
        detail: gaps.iter().map(|g| g.detail.clone()).collect::<Vec<_>>().join("; "),
        would,
        rule: rule.into(),
        text: text.into(),
        outcomes: Vec::new(),
        decisive: false,
    }
}

// ---------------------------------------------------------------------------------------------
// The assessment

fn statement(id: &str, text: &str, s: &Source) -> Statement {
    Statement {
        id: id.into(),
        text: text.into(),
        source: s.reference.clone(),
        status: s.status,
        note: s.note.clone(),
    }
}

type Undecided<'k> = Vec<(Hit<'k>, BTreeSet<Gap>)>;

/// The rules naming an agent that fire, and those a gap leaves undecided.
fn evaluate_rules<'k>(agent: &str, f: &Facts, kb: &'k Kb) -> (Vec<Hit<'k>>, Undecided<'k>) {
    let g = &kb.guidelines;
    let mut hits = Vec::new();
    let mut unknown = Vec::new();
    for (h, r) in g.rules() {
        if !r.agents.iter().any(|a| a == agent) {
            continue;
        }
        match eval(&r.when, f, g) {
            Truth::True => hits.push(hit(h, r, f, kb)),
            Truth::Unknown(gaps) => unknown.push((hit(h, r, f, kb), gaps)),
            Truth::False => {}
        }
    }
    (hits, unknown)
}

/// How many rule evaluations the search over missing inputs may make for one agent; beyond it the
/// role is reported `undetermined` (never guessed). The largest example needs well under 200.
const SEARCH_BUDGET: usize = 4096;

/// A gap that can leave a role undetermined: a missing input the case should give (not a
/// borderline value, not a contraindication the case states only when it applies).
fn decisive_gap(g: &Gap) -> bool {
    g.kind == GapKind::Missing && !facts::stated_when_present(&g.field)
}

/// The enumerable missing input an undecided rule depends on, not yet given on this path.
fn next_field(unknown: &Undecided, filled: &[&'static str]) -> Option<&'static str> {
    unknown
        .iter()
        .filter(|(h, _)| h.rule.report_missing)
        .flat_map(|(_, gaps)| gaps.iter())
        .filter(|g| decisive_gap(g))
        .filter_map(|g| facts::field_id(&g.field))
        .filter(|f| !filled.contains(f))
        .min()
}

/// The roles an agent can take over every combination of values of the missing categorical inputs
/// its rules depend on (a decision tree: a field is tried only where an undecided rule still needs
/// it). At a leaf, a rule still undecided for want of a number counts both ways. Returns `false`
/// when the budget ran out (the set is then incomplete).
fn reachable(
    agent: &str,
    f: &Facts,
    kb: &Kb,
    prior: &PriorEffect,
    filled: &mut Vec<&'static str>,
    budget: &mut usize,
    out: &mut BTreeSet<Role>,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let (hits, unknown) = evaluate_rules(agent, f, kb);
    if let Some(field) = next_field(&unknown, filled) {
        filled.push(field);
        let mut complete = true;
        for v in facts::values_of(field).unwrap_or(&[]) {
            if let Some(g) = f.with(field, v, kb) {
                complete &= reachable(agent, &g, kb, prior, filled, budget, out);
            }
            if !complete {
                break;
            }
        }
        filled.pop();
        return complete;
    }
    out.insert(decide(&hits, prior));
    for (h, _) in unknown
        .iter()
        .filter(|(h, gaps)| h.rule.report_missing && gaps.iter().any(decisive_gap))
    {
        let mut with = hits.clone();
        with.push(h.clone());
        out.insert(decide(&with, prior));
    }
    true
}

/// What the rules make of an agent for a set of facts.
struct Resolved<'k> {
    /// The role given the inputs as they are (undecided rules do not fire).
    base: Role,
    /// The role to report: the single role every value of the missing inputs gives, or
    /// `undetermined`.
    role: OptionRole,
    /// The roles the missing inputs can give (contains `base` unless every value decides otherwise).
    possible: BTreeSet<Role>,
    hits: Vec<Hit<'k>>,
    unknown: Undecided<'k>,
    label: LabelStatus,
    label_detail: LabelDetail,
    label_gaps: Vec<(BTreeSet<Gap>, String)>,
}

/// The role to report from the roles the missing inputs can give. One role: that role. Several
/// that all withhold the agent: the role given the inputs as they are (the reader acts the same
/// either way). Otherwise — or if the search was cut short — `undetermined`.
fn reported_role(base: Role, possible: &BTreeSet<Role>, complete: bool) -> OptionRole {
    if !complete {
        return OptionRole::Undetermined;
    }
    match possible.len() {
        0 => base.into(),
        1 => (*possible.iter().next().expect("one role")).into(),
        _ if possible.iter().all(|r| !r.is_positive()) => {
            if possible.contains(&base) {
                base.into()
            } else {
                (*possible.iter().next().expect("roles")).into()
            }
        }
        _ => OptionRole::Undetermined,
    }
}

fn resolve<'k>(agent: &Agent, f: &Facts, kb: &'k Kb, prior: &PriorEffect) -> Resolved<'k> {
    let (hits, unknown) = evaluate_rules(&agent.id, f, kb);
    let base = decide(&hits, prior);
    let mut possible = BTreeSet::new();
    let mut budget = SEARCH_BUDGET;
    let complete = reachable(&agent.id, f, kb, prior, &mut Vec::new(), &mut budget, &mut possible);
    let role = reported_role(base, &possible, complete);
    // The label distinguishes off-label-with-support from not approved by the current role; an
    // undetermined role counts as current only if every possible role is.
    let for_label = match role.role() {
        Some(r) => r,
        None if !possible.is_empty() && possible.iter().all(|r| positive_now(*r)) => Role::Option,
        None => Role::NotIndicated,
    };
    let (label, label_detail, label_gaps) = label_status(agent, for_label, f, kb);
    Resolved {
        base,
        role,
        possible,
        hits,
        unknown,
        label,
        label_detail,
        label_gaps,
    }
}

/// Whether two reported roles differ in a way the reader acts on (two roles that both withhold the
/// agent do not).
fn differs(a: OptionRole, b: OptionRole) -> bool {
    a != b && !(a.is_withheld() && b.is_withheld())
}

/// What each value of a missing categorical input would make of the agent; `None` when no value
/// changes anything the reader acts on.
fn enumerate_gap(
    agent: &Agent,
    field: &str,
    f: &Facts,
    kb: &Kb,
    prior: &PriorEffect,
    now: (OptionRole, LabelStatus),
) -> Option<Vec<Outcome>> {
    let values = facts::values_of(field)?;
    let outcomes: Vec<Outcome> = values
        .iter()
        .filter_map(|v| {
            let g = f.with(field, v, kb)?;
            let r = resolve(agent, &g, kb, prior);
            Some(Outcome {
                value: v.to_string(),
                role: r.role,
                label: r.label,
            })
        })
        .collect();
    let matters = outcomes.iter().any(|o| o.label != now.1 || differs(o.role, now.0));
    matters.then_some(outcomes)
}

fn role_list(roles: &BTreeSet<Role>) -> String {
    roles.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
}

fn assess_agent(agent: &Agent, f: &Facts, kb: &Kb, case: &Case) -> AgentOption {
    let prior = prior_effect(&agent.id, f, kb);
    let Resolved {
        base,
        role,
        possible,
        hits,
        unknown,
        label,
        label_detail,
        label_gaps,
    } = resolve(agent, f, kb, &prior);
    // The role the rules that fired are sorted against: the reported one, or for an undetermined
    // role the one the inputs as given make.
    let shown = role.role().unwrap_or(base);

    // why: the rules that fired, best role first, then prior-therapy effects.
    let mut why: Vec<Why> = hits.iter().map(role_why).collect();
    // The rules that gave the final role first; then by role, verification status, and lines before lists.
    why.sort_by_key(|w| {
        let r = hits.iter().find(|h| h.rule.id == w.id).map(|h| h.role);
        (
            r != Some(shown),
            r.map(rank).unwrap_or(9),
            status_rank(w.status),
            w.ordering != Some(Ordering::Lines),
        )
    });
    let case_source = |at: &str| format!("case input {at}");
    for (at, text) in &prior.exhausted {
        let continued = base.is_positive();
        let (source, status, note) = match &prior.class_source {
            Some(s) => (
                format!("{}; {}", case_source(at), s.reference),
                s.status,
                s.note.clone(),
            ),
            None => (case_source(at), Status::Derived, None),
        };
        why.insert(
            0,
            Why {
                id: at.clone(),
                text: if continued {
                    format!("{text} It is continued for the reason below, not as a new antiproliferative line.")
                } else {
                    format!("{text} Not offered again as if new.")
                },
                source,
                status,
                effect: if continued {
                    base.id().into()
                } else {
                    "not_recommended".into()
                },
                level: None,
                not_checked: None,
                note,
                ordering: None,
            },
        );
    }
    for (at, text) in prior.completed.iter().chain(prior.ongoing.iter()) {
        why.push(Why {
            id: at.clone(),
            text: text.clone(),
            source: case_source(at),
            status: Status::Derived,
            effect: if prior.completed.iter().any(|(j, _)| j == at) {
                "later_line".into()
            } else {
                "note".into()
            },
            level: None,
            not_checked: None,
            note: None,
            ordering: None,
        });
    }
    // The inputs the undecided rules wait for (those a missing value leaves open).
    let waiting: BTreeSet<&str> = unknown
        .iter()
        .filter(|(h, _)| h.rule.report_missing)
        .flat_map(|(_, gaps)| gaps.iter())
        .filter(|g| decisive_gap(g))
        .map(|g| g.field.as_str())
        .collect();
    let waiting_list = waiting.iter().copied().collect::<Vec<_>>().join(", ");
    if role == OptionRole::Undetermined {
        why.insert(
            0,
            Why {
                id: "missing_inputs".into(),
                text: format!(
                    "Role undetermined: the case does not give {waiting_list}, and the values it can take give \
                     different roles ({}). Nothing is assumed; see what each value would change.",
                    role_list(&possible)
                ),
                source: "case input (missing fields); knowledge/guidelines/".into(),
                status: Status::Derived,
                effect: "undetermined".into(),
                level: None,
                not_checked: None,
                note: None,
                ordering: None,
            },
        );
    } else if role != base {
        // Every value of the missing inputs gives the same role, though no rule fires on the inputs
        // as given: the rules that give it are those undecided here.
        let rules: Vec<&str> = unknown
            .iter()
            .filter(|(h, _)| OptionRole::from(h.role) == role)
            .map(|(h, _)| h.rule.id.as_str())
            .collect();
        why.insert(
            0,
            Why {
                id: "every_value".into(),
                text: format!(
                    "{} is {} whatever the missing {waiting_list}: each value makes one of these rules hold: {}.",
                    agent.name,
                    role.id(),
                    rules.join(", ")
                ),
                source: "case input (missing fields); knowledge/guidelines/".into(),
                status: Status::Derived,
                effect: role.id().into(),
                level: None,
                not_checked: None,
                note: None,
                ordering: None,
            },
        );
    }
    if hits.is_empty() && prior.exhausted.is_empty() && role == OptionRole::NotIndicated {
        why.push(Why {
            id: "no_rule".into(),
            text: format!(
                "No guideline rule in the knowledge base positions {} for this patient (site, grade, SSTR status, \
                 function, course and prior therapy as given).",
                agent.name
            ),
            source: "knowledge/guidelines/ (clinical-rules.md §C)".into(),
            status: Status::Derived,
            effect: "not_indicated".into(),
            level: None,
            not_checked: None,
            note: None,
            ordering: None,
        });
    }

    // The patient is receiving the agent now: that statement comes first, before every rule.
    let current = !prior.ongoing.is_empty();
    if current {
        let (mut now, rest): (Vec<Why>, Vec<Why>) = why
            .into_iter()
            .partition(|w| w.effect == "note" && prior.ongoing.iter().any(|(at, _)| *at == w.id));
        now.extend(rest);
        why = now;
    }

    // missing: a categorical input that is missing is tried with each of its values; rules and
    // label rows that a number (or a borderline value, or several inputs at once) leaves open are
    // reported with what would change if they held. A change between two roles that both
    // withhold the agent is not worth the reader's time.
    let mut missing: Vec<Missing> = Vec::new();
    let reported: Vec<&(Hit, BTreeSet<Gap>)> = unknown.iter().filter(|(h, _)| h.rule.report_missing).collect();
    let mut fields: BTreeMap<&str, (&Gap, Vec<&str>)> = BTreeMap::new();
    for (h, gaps) in &reported {
        for gap in gaps.iter().filter(|g| g.kind == GapKind::Missing) {
            fields.entry(&gap.field).or_insert((gap, Vec::new())).1.push(&h.rule.id);
        }
    }
    for (gaps, row) in &label_gaps {
        for gap in gaps.iter().filter(|g| g.kind == GapKind::Missing) {
            fields.entry(&gap.field).or_insert((gap, Vec::new())).1.push(row);
        }
    }
    let mut enumerated: BTreeSet<&str> = BTreeSet::new();
    for (field, (gap, rules)) in &fields {
        if facts::values_of(field).is_none() {
            continue;
        }
        enumerated.insert(field);
        if let Some(outcomes) = enumerate_gap(agent, field, f, kb, &prior, (role, label)) {
            let would = outcomes
                .iter()
                .map(|o| {
                    let mut x = format!("if {}: role {}", o.value, o.role.id());
                    if o.label != label {
                        x.push_str(&format!(", label {}", o.label.id()));
                    }
                    x
                })
                .collect::<Vec<_>>()
                .join("; ");
            let mut rules = rules.clone();
            rules.dedup();
            missing.push(Missing {
                fields: vec![field.to_string()],
                kind: GapKind::Missing,
                borderline: Vec::new(),
                detail: gap.detail.clone(),
                would,
                rule: rules.join(", "),
                text: format!("{field} decides rules or label rows for {}", agent.name),
                outcomes,
                decisive: false,
            });
        }
    }
    // A rule left open by a number, a borderline value or several inputs together: what the role
    // would be if it held — against the role as given for an undetermined role, else against the
    // reported one.
    let against = role.role().unwrap_or(base);
    let covered = |gaps: &BTreeSet<Gap>| gaps.len() == 1 && gaps.iter().all(|g| enumerated.contains(g.field.as_str()));
    for (h, gaps) in reported.iter().map(|x| (&x.0, &x.1)).filter(|(_, gaps)| !covered(gaps)) {
        let mut with = hits.clone();
        with.push(h.clone());
        let would = decide(&with, &prior);
        if !differs(would.into(), against.into()) {
            continue;
        }
        let m = missing_entry(
            gaps,
            format!("role {} if this rule holds", would.id()),
            &h.rule.id,
            &h.rule.text,
        );
        match missing
            .iter_mut()
            .find(|x| x.fields == m.fields && x.kind == m.kind && x.would == m.would)
        {
            Some(x) => x.rule.push_str(&format!(", {}", m.rule)),
            None => missing.push(m),
        }
    }
    // Which entries leave the role undetermined; an undetermined role always names at least one.
    for m in &mut missing {
        m.decisive = role == OptionRole::Undetermined
            && m.kind == GapKind::Missing
            && m.fields.iter().any(|f| !facts::stated_when_present(f))
            && (m.outcomes.iter().any(|o| o.role != role) || m.would.starts_with("role "));
    }
    if role == OptionRole::Undetermined && !missing.iter().any(|m| m.decisive) {
        let rules: Vec<&str> = reported.iter().map(|(h, _)| h.rule.id.as_str()).collect();
        missing.push(Missing {
            fields: waiting.iter().map(|f| f.to_string()).collect(),
            kind: GapKind::Missing,
            borderline: Vec::new(),
            detail: "not given in the case".into(),
            would: format!("role one of {} depending on their values", role_list(&possible)),
            rule: rules.join(", "),
            text: format!("these inputs together decide the role of {}", agent.name),
            outcomes: Vec::new(),
            decisive: true,
        });
    }
    if label == LabelStatus::Undetermined || label == LabelStatus::Approved {
        for (gaps, row) in label_gaps.iter().filter(|(gaps, _)| !covered(gaps)) {
            let would = if label == LabelStatus::Undetermined {
                "label approved if this indication holds"
            } else {
                "label not_approved if this limitation holds"
            };
            let text = kb
                .indications
                .label(&agent.id, f.region)
                .and_then(|l| l.indications.iter().chain(l.limitations.iter()).find(|r| r.id == *row))
                .map(|r| r.text.clone())
                .unwrap_or_default();
            missing.push(missing_entry(gaps, would.into(), row, &text));
        }
    }

    let cautions = kb
        .cautions
        .for_agent(&agent.id)
        .filter(|c| eval(&c.when, f, &kb.guidelines) == Truth::True)
        .map(|c| CautionOut {
            id: c.id.clone(),
            severity: c.severity,
            text: c.text.clone(),
            source: c.source.reference.clone(),
            status: c.source.status,
            note: c.source.note.clone(),
        })
        .collect();

    AgentOption {
        agent: agent.id.clone(),
        name: agent.name.clone(),
        label,
        label_detail,
        role,
        current,
        possible_roles: if role == OptionRole::Undetermined {
            possible.into_iter().collect()
        } else {
            Vec::new()
        },
        why,
        evidence: evidence::for_agent(&agent.id, case, f, kb),
        cautions,
        missing,
    }
}

fn known<T: Clone>(v: &Result<T, Gap>) -> Option<T> {
    v.as_ref().ok().cloned()
}

fn facts_out(f: &Facts) -> FactsOut {
    FactsOut {
        site: f.site.into(),
        differentiation: known(&f.differentiation).map(String::from),
        entity: known(&f.entity).map(String::from),
        grade: known(&f.grade),
        ki67_percent: known(&f.ki67),
        functional: known(&f.functional),
        syndrome: known(&f.syndrome).map(String::from),
        sstr: known(&f.sstr).map(String::from),
        progression: known(&f.progression).map(String::from),
        progression_months: known(&f.progression_months),
        extent: known(&f.extent).map(String::from),
        liver_burden_percent: known(&f.liver_burden),
        extrahepatic: known(&f.extrahepatic),
        symptomatic: known(&f.symptomatic),
        chemo_contraindicated: known(&f.chemo_contraindicated),
        comorbidities: f.comorbidities.iter().map(|c| c.to_string()).collect(),
        prior_therapies: f
            .prior
            .iter()
            .filter_map(|p| {
                Some(PriorOut {
                    agent: p.agent.clone(),
                    line: p.line?,
                    outcome: p.outcome,
                })
            })
            .collect(),
        receiving: f
            .prior
            .iter()
            .filter(|p| !p.ended())
            .map(|p| p.agent.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    }
}

/// Assess a case: classification, then every systemic agent with label, role, why,
/// evidence and cautions. `opts.region` chooses the label; `opts.scheme` the grading scheme.
pub fn assess(case: &Case, kb: &Kb, opts: &Options) -> Result<Assessment, InputError> {
    check_prior_therapies(case, kb)?;
    let classification = crate::grade::classify(&case.tumor, &opts.scheme, kb)?;
    let f = Facts::read(case, &classification, opts.region, kb);
    let g = &kb.guidelines;

    let mut options: Vec<AgentOption> = kb
        .agents
        .agents
        .iter()
        .filter(|a| a.kind != AgentKind::Control)
        .map(|a| assess_agent(a, &f, kb, case))
        .collect();
    options.sort_by_key(|o| o.role); // stable: agents.toml order within a role

    let advice = g
        .advice()
        .filter(|(_, a)| eval(&a.when, &f, g) == Truth::True)
        .map(|(_, a)| statement(&a.id, &a.text, &a.source))
        .collect();

    let mut by_field: BTreeMap<(String, GapKind), BTreeSet<String>> = BTreeMap::new();
    for o in &options {
        for m in &o.missing {
            for fld in &m.fields {
                // A field is borderline or missing on its own: a given value is never called missing
                // because another input of the same rule is.
                let kind = if m.borderline.contains(fld) {
                    GapKind::Borderline
                } else {
                    m.kind
                };
                by_field.entry((fld.clone(), kind)).or_default().insert(o.agent.clone());
            }
        }
    }
    let missing: Vec<MissingSummary> = by_field
        .into_iter()
        .map(|((field, kind), affects)| MissingSummary {
            field,
            kind,
            affects: affects.into_iter().collect(),
        })
        .collect();

    let mut warnings: Vec<String> = classification
        .warnings
        .iter()
        .map(|w| format!("Classification: {w}"))
        .collect();
    warnings.extend(f.notes.iter().cloned());
    for m in &missing {
        let what = match m.kind {
            GapKind::Missing => "is missing",
            GapKind::Borderline => "is borderline for a rule's wording",
        };
        warnings.push(format!(
            "{} {what}: it decides the role or label of {} (see options[].missing).",
            m.field,
            m.affects.join(", ")
        ));
    }

    let sn = &g.vocabulary.standing_note;
    let compare_hints = evidence::compare_hints(&options, &f, kb);
    Ok(Assessment {
        knowledge_version: kb.version().to_string(),
        case_id: case.id.clone(),
        classification,
        region: opts.region,
        facts: facts_out(&f),
        options,
        advice,
        missing,
        compare_hints,
        standing_note: statement("standing_note", &sn.text, &sn.source),
        warnings,
    })
}

/// The knowledge check of `prior_therapies`: every agent must be an agent id of the
/// knowledge base (a treatment, not a control arm).
pub fn check_prior_therapies(case: &Case, kb: &Kb) -> Result<(), InputError> {
    for (i, p) in case.prior_therapies.iter().enumerate() {
        let ok = kb.agents.agent(&p.agent).is_some_and(|a| a.kind != AgentKind::Control);
        if ok {
            continue;
        }
        let ids: Vec<&str> = kb
            .agents
            .agents
            .iter()
            .filter(|a| a.kind != AgentKind::Control)
            .map(|a| a.id.as_str())
            .collect();
        let hint = match kb.agents.resolve_agent(&p.agent) {
            Some(a) if a.kind != AgentKind::Control => format!(" (did you mean {:?}?)", a.id),
            _ => String::new(),
        };
        return Err(InputError::invalid(
            format!("prior_therapies[{i}].agent"),
            format!("{:?}{hint}", p.agent),
            format!("an agent id from the knowledge base: {}", ids.join(", ")),
        ));
    }
    Ok(())
}
