//! `/cases/{id}`: the tumour-board view, and `/cases/{id}/report`, its printable report.
//!
//! One read of the case (audited, de-identified for researchers, exactly as the API
//! reads it), then every capability through `netrx_clinical::capability::evaluate`,
//! kept in the API's answer memo under the API's own key — so the page shows the very
//! JSON `GET /api/v1/cases/{id}/{capability}` returns — and the charts drawn from
//! those answers by netrx-plot.

use super::charts::{self, Chart};
use super::session::Page;
use super::view::{self, Src, Stmt, b, dose_text, list, num, of, os, qty, s, src, stmts, strings, words};
use super::{Chrome, api_error_page, error_page, render};
use crate::Shared;
use crate::answers::Key;
use crate::api::cases::{Which, check_id, deny, read_audited};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use netrx_clinical::capability::{Capability, Options, Region, evaluate};
use netrx_kb::Kb;
use serde_json::Value;
use std::collections::BTreeMap;

/// The capabilities the board shows, in page order.
pub const BOARD_CAPABILITIES: &[Capability] = &[
    Capability::Grade,
    Capability::Assess,
    Capability::Dose,
    Capability::Tox,
    Capability::Recist,
    Capability::Qol,
    Capability::Pk,
];

/// Classification with its basis.
pub struct ClassView {
    /// "NET G2".
    pub name: String,
    /// The scheme's title.
    pub scheme: String,
    /// The scheme's source.
    pub src: Option<Src>,
    /// The basis: "Ki-67 8 % → G2 band [3, 20] %".
    pub basis: Vec<String>,
    /// Which inputs decided it.
    pub decided_by: String,
    /// Warnings.
    pub warnings: Vec<String>,
}

/// A trial result supporting an option.
pub struct EvidenceView {
    /// "RADIANT-3" (+ cohort).
    pub trial: String,
    /// Patients.
    pub n: String,
    /// Endpoint label.
    pub endpoint: String,
    /// Per-arm values with units.
    pub arms: String,
    /// "HR 0.35 (95 % CI 0.27–0.45)".
    pub effect: String,
    /// P value as published.
    pub p: String,
    /// Analysis, assessment, notes, how the population differs.
    pub detail: String,
    /// Its source.
    pub src: Option<Src>,
}

/// A caution.
pub struct CautionView {
    /// high, moderate, info.
    pub severity: String,
    /// The text.
    pub text: String,
    /// Its source.
    pub src: Option<Src>,
}

/// One systemic option.
pub struct OptionView {
    /// Agent id.
    pub agent: String,
    /// Name.
    pub name: String,
    /// Label status as words.
    pub label: String,
    /// Label status id (for the badge).
    pub label_id: String,
    /// Why (guideline rules), each with its source.
    pub why: Vec<Stmt>,
    /// Label limitations and flags.
    pub label_notes: Vec<Stmt>,
    /// Trial evidence: the first results shown…
    pub evidence: Vec<EvidenceView>,
    /// … the rest behind "More evidence".
    pub more_evidence: Vec<EvidenceView>,
    /// Cautions.
    pub cautions: Vec<CautionView>,
    /// What a missing input would change.
    pub missing: Vec<String>,
    /// The patient is receiving this agent now (`current` in the answer).
    pub current: bool,
}

impl OptionView {
    /// The evidence shown first, or the rest.
    pub fn rows(&self, more: &bool) -> &[EvidenceView] {
        if *more { &self.more_evidence } else { &self.evidence }
    }
}

/// A role group of options.
pub struct RoleGroup {
    /// Anchor id.
    pub id: String,
    /// Heading.
    pub heading: String,
    /// What the group means.
    pub help: String,
    /// The options.
    pub options: Vec<OptionView>,
    /// Shown collapsed (long groups of options that do not apply).
    pub collapsed: bool,
}

/// A derived indirect-comparison hint.
pub struct HintView {
    /// "Everolimus vs cabozantinib (pnet): HR 1.52 (95 % CI 0.77–2.99), derived (Bucher) …".
    pub text: String,
    /// Link to the evidence explorer.
    pub href: String,
}

/// The assessment.
pub struct AssessView {
    /// Groups by role.
    pub groups: Vec<RoleGroup>,
    /// The standing note (no head-to-head trials).
    pub standing: Option<Stmt>,
    /// Case-specific advice.
    pub advice: Vec<Stmt>,
    /// Missing inputs and what they decide.
    pub missing: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Indirect comparison hints.
    pub hints: Vec<HintView>,
}

/// A dose adjustment or interaction line.
pub struct DoseLine {
    /// Heading (reason / medication).
    pub head: String,
    /// What to do.
    pub text: String,
    /// Dose it leads to.
    pub dose: String,
    /// Its source.
    pub src: Option<Src>,
    /// Further statements.
    pub details: Vec<Stmt>,
}

/// Everolimus dose and interactions.
pub struct DoseView {
    /// "10 mg daily".
    pub headline: String,
    /// What the dose is based on.
    pub basis: String,
    /// Avoid everolimus.
    pub avoid: bool,
    /// Adjustments.
    pub adjustments: Vec<DoseLine>,
    /// Interactions.
    pub interactions: Vec<DoseLine>,
    /// Medications not in netrx's list.
    pub unknown: Vec<String>,
    /// Monitoring.
    pub monitoring: Vec<DoseLine>,
    /// Counselling.
    pub counselling: Vec<DoseLine>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The label used and its caveat.
    pub label: String,
}

/// One toxicity event on the course.
pub struct ToxLine {
    /// Date.
    pub date: String,
    /// "Mucositis oral grade 2 (first)".
    pub event: String,
    /// Dose in force then.
    pub dose: String,
    /// withhold / reduce / continue …
    pub action: String,
    /// The rule.
    pub rule: String,
    /// Resume conditions, recovery, what was recorded.
    pub detail: Vec<String>,
    /// Supportive care.
    pub supportive: Vec<Stmt>,
    /// Source.
    pub src: Option<Src>,
}

/// Toxicity course.
pub struct ToxView {
    /// Current action: "continue — No dose change; manage medically and monitor."
    pub current: String,
    /// The event it is about.
    pub current_event: String,
    /// Dose in force now.
    pub dose_now: String,
    /// Source of the current rule.
    pub current_src: Option<Src>,
    /// Other active events.
    pub also_active: Vec<String>,
    /// The course.
    pub timeline: Vec<ToxLine>,
    /// The dose ladder.
    pub ladder: String,
    /// Caveat on the label tables.
    pub caveat: String,
    /// Warnings.
    pub warnings: Vec<String>,
    /// "CTCAE v5.0, as of 2024-05-31".
    pub basis: String,
    /// The chart.
    pub chart: Option<Chart>,
}

/// RECIST follow-up.
pub struct RecistView {
    /// Best overall response (confirmed).
    pub best: String,
    /// Progression.
    pub progression: String,
    /// Per-visit rows: date, day, sum, change, response, basis.
    pub visits: Vec<[String; 6]>,
    /// Criteria and their sources.
    pub criteria: String,
    /// Criteria sources.
    pub sources: Vec<Src>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Spider and waterfall.
    pub charts: Vec<Chart>,
}

/// QoL follow-up.
pub struct QolView {
    /// The deterioration definition.
    pub definition: String,
    /// Its source.
    pub src: Option<Src>,
    /// Time to deterioration.
    pub ttd: String,
    /// Rows: date, instrument, scores.
    pub rows: Vec<[String; 3]>,
    /// Deterioration events.
    pub events: Vec<String>,
    /// Instruments' copyright lines.
    pub notices: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Chart.
    pub chart: Option<Chart>,
}

/// Trough-guided PK.
pub struct PkView {
    /// Model and its source.
    pub model: String,
    /// Model source.
    pub src: Option<Src>,
    /// Suggestion.
    pub recommended: String,
    /// Its label ("model-based suggestion, not a prescription").
    pub recommended_label: String,
    /// Rationale.
    pub rationale: String,
    /// Predicted troughs per regimen.
    pub regimens: Vec<[String; 4]>,
    /// Measured vs predicted.
    pub fit: Vec<[String; 5]>,
    /// Estimates.
    pub estimates: Vec<String>,
    /// Target window and caveat.
    pub target: String,
    /// Target source.
    pub target_src: Option<Src>,
    /// Routine TDM note and sampling advice.
    pub notes: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Chart.
    pub chart: Option<Chart>,
}

/// A section: its content, or why there is none.
pub type Section<T> = Result<T, String>;

/// Everything the board and the report show.
pub struct Board {
    /// Case id.
    pub id: String,
    /// Revision shown.
    pub revision: i64,
    /// "saved 2026-… by ann".
    pub saved: String,
    /// The researcher's view.
    pub deidentified: bool,
    /// us / eu.
    pub region: String,
    /// Patient facts (label, value).
    pub patient: Vec<(String, String)>,
    /// Identifying facts (label, value) — clinicians only.
    pub identity: Vec<(String, String)>,
    /// Current medications.
    pub medications: Vec<String>,
    /// Prior therapies.
    pub prior: Vec<String>,
    /// Classification.
    pub class: Section<ClassView>,
    /// Options.
    pub assess: Section<AssessView>,
    /// Dose.
    pub dose: Section<DoseView>,
    /// Toxicity.
    pub tox: Section<ToxView>,
    /// RECIST.
    pub recist: Section<RecistView>,
    /// QoL.
    pub qol: Section<QolView>,
    /// PK.
    pub pk: Section<PkView>,
    /// Knowledge version.
    pub knowledge_version: String,
    /// The tumour board's summary: (what, the answer, link to the section).
    pub glance: Vec<(String, String, String)>,
    /// Every revision: (number, when, who).
    pub history: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    chrome: Chrome,
    b: Board,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    b: Board,
    generated: String,
}

fn label_text(id: &str, region: &str) -> String {
    let r = region.to_uppercase();
    match id {
        "approved" => format!("Label: approved ({r})"),
        "not_approved" => format!("Label: NOT approved for this indication ({r})"),
        "off_label_evidence" => format!("Label: off-label, with guideline or trial support ({r})"),
        "undetermined" => format!("Label: undetermined — an input is missing ({r})"),
        "not_stated" => "Label: not stated in the references".into(),
        "not_applicable" => "No drug label (procedure or strategy)".into(),
        other => format!("Label: {}", words(other)),
    }
}

fn endpoint_label(id: &str) -> String {
    netrx_kb::trials::Endpoint::parse(id)
        .map(|e| e.label().to_string())
        .unwrap_or_else(|| words(id))
}

fn evidence_view(e: &Value) -> EvidenceView {
    let unit = s(e, "unit");
    let arms: Vec<String> = list(e, "arms")
        .iter()
        .filter_map(|a| {
            let who = s(a, "treatment");
            let v = if let Some(m) = of(a, "median") {
                Some(qty(m, 2, &unit))
            } else if let Some(m) = a.get("median").and_then(Value::as_str) {
                Some(m.replace('_', " "))
            } else if let Some(p) = of(a, "percent") {
                Some(format!("{} %", num(p, 1)))
            } else {
                of(a, "orr").map(|o| format!("ORR {} %", num(o, 1)))
            };
            v.map(|v| format!("{v} ({who})"))
        })
        .collect();
    let effect = e
        .get("effect")
        .filter(|x| x.is_object())
        .map(|x| {
            let m = s(x, "measure").to_uppercase();
            let approx = if b(x, "approximate") { "≈" } else { "" };
            let v = of(x, "value").map(|v| num(v, 3)).unwrap_or_default();
            let ci = match (of(x, "ci_low"), of(x, "ci_high")) {
                (Some(l), Some(h)) => format!(
                    " ({} % CI {}–{})",
                    num(of(x, "ci_level").unwrap_or(95.0), 0),
                    num(l, 3),
                    num(h, 3)
                ),
                _ => " (no CI published)".into(),
            };
            format!("{m} {approx}{v}{ci}")
        })
        .unwrap_or_default();
    let mut trial = s(e, "name");
    if s(e, "cohort") != "all" {
        trial.push_str(&format!(" — {}", s(e, "cohort_label")));
    }
    if s(e, "relation") == "comparator" {
        trial.push_str(" (as comparator)");
    }
    let mut detail = vec![s(e, "analysis")];
    if let Some(a) = os(e, "assessment") {
        detail.push(format!("{a} assessment"));
    }
    if let Some(n) = os(e, "note") {
        detail.push(n);
    }
    let pn = strings(e, "population_notes");
    if !pn.is_empty() {
        detail.push(format!("Population differs: {}", pn.join("; ")));
    }
    EvidenceView {
        trial,
        n: e.get("n")
            .and_then(Value::as_u64)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "–".into()),
        endpoint: endpoint_label(&s(e, "endpoint")),
        arms: arms.join(" vs "),
        effect,
        p: s(e, "p"),
        detail: detail
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        src: src(e),
    }
}

fn role_word(r: &str) -> String {
    match r {
        "later_line" => "later line".into(),
        other => words(other),
    }
}

fn missing_lines(o: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for m in list(o, "missing") {
        let fields = strings(m, "fields").join(" + ");
        let outs = list(m, "outcomes");
        let line = if !outs.is_empty() {
            let parts: Vec<String> = outs
                .iter()
                .map(|x| format!("if {} → {}", s(x, "value"), role_word(&s(x, "role"))))
                .collect();
            format!("{fields} is not given: {}", parts.join("; "))
        } else if s(m, "kind") == "borderline" {
            format!("{fields} is borderline ({}): {}", s(m, "detail"), s(m, "would"))
        } else {
            format!("{fields} is not given: {}", s(m, "would"))
        };
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// Results shown before "More evidence".
pub const EVIDENCE_SHOWN: usize = 4;

fn option_view(o: &Value, region: &str) -> OptionView {
    let mut evidence: Vec<EvidenceView> = list(o, "evidence").iter().map(evidence_view).collect();
    let more_evidence = if evidence.len() > EVIDENCE_SHOWN {
        evidence.split_off(EVIDENCE_SHOWN)
    } else {
        Vec::new()
    };
    OptionView {
        agent: s(o, "agent"),
        name: s(o, "name"),
        label: label_text(&s(o, "label"), region),
        label_id: s(o, "label"),
        current: o["current"].as_bool().unwrap_or(false),
        why: list(o, "why")
            .iter()
            .filter(|w| s(w, "id") != "no_rule")
            .map(|w| {
                let mut text = s(w, "text");
                if let Some(n) = os(w, "not_checked") {
                    text.push_str(&format!(" (not checked: {n})"));
                }
                Stmt { text, src: src(w) }
            })
            .collect(),
        label_notes: o
            .get("label_detail")
            .map(|d| {
                list(d, "basis")
                    .iter()
                    .filter(|x| matches!(s(x, "effect").as_str(), "limitation" | "flag" | "outside_label"))
                    .map(|x| Stmt {
                        text: s(x, "text"),
                        src: src(x),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        evidence,
        more_evidence,
        cautions: list(o, "cautions")
            .iter()
            .map(|c| CautionView {
                severity: s(c, "severity"),
                text: s(c, "text"),
                src: src(c),
            })
            .collect(),
        missing: missing_lines(o),
    }
}

/// The options grouped by role (the order a tumour board reads them).
pub fn assess_view(a: &Value) -> AssessView {
    let region = s(a, "region");
    let opts = list(a, "options");
    let group = |id: &str, heading: &str, help: &str, pick: &dyn Fn(&Value) -> bool, collapsed: bool| RoleGroup {
        id: id.to_string(),
        heading: heading.to_string(),
        help: help.to_string(),
        options: opts
            .iter()
            .filter(|o| pick(o))
            .map(|o| option_view(o, &region))
            .collect(),
        collapsed,
    };
    let role = |r: &'static str| move |o: &Value| s(o, "role") == r;
    let groups = vec![
        group(
            "preferred",
            "Preferred",
            "Guideline rules put these first for this patient.",
            &role("preferred"),
            false,
        ),
        group(
            "option",
            "Options",
            "Guideline options for this patient.",
            &role("option"),
            false,
        ),
        group(
            "later_line",
            "Later line",
            "Options for a later line of therapy.",
            &role("later_line"),
            false,
        ),
        group(
            "not_recommended",
            "Not recommended",
            "A rule advises against these for this patient.",
            &role("not_recommended"),
            false,
        ),
        group(
            "undecided",
            "Not positioned yet — a missing input decides",
            "Role undetermined: a missing input decides it (see what each value would give).",
            &role("undetermined"),
            false,
        ),
        group(
            "not_indicated",
            "Not indicated for this patient",
            "No guideline position for this patient, or a prerequisite is not met.",
            &role("not_indicated"),
            true,
        ),
    ];
    let hints = list(a, "compare_hints")
        .iter()
        .map(|h| {
            let ag = strings(h, "agents");
            let (x, y) = (
                ag.first().cloned().unwrap_or_default(),
                ag.get(1).cloned().unwrap_or_default(),
            );
            let pop = s(h, "population");
            let text = match (of(h, "hr"), of(h, "ci_low"), of(h, "ci_high")) {
                (Some(hr), Some(l), Some(u)) => format!(
                    "{} vs {} ({pop}): HR {} (95 % CI {}–{}), {} ({}), through {}",
                    words(&x),
                    words(&y),
                    num(hr, 2),
                    num(l, 2),
                    num(u, 2),
                    if s(h, "estimate") == "published" {
                        "the trial's published estimate".to_string()
                    } else {
                        format!("{} by netrx", s(h, "status"))
                    },
                    s(h, "method"),
                    strings(h, "path").join(" and ")
                ),
                _ => format!("{} vs {} ({pop})", words(&x), words(&y)),
            };
            let q = serde_urlencoded::to_string([("c_a", x), ("c_b", y), ("c_population", pop)]).unwrap_or_default();
            HintView {
                text,
                href: format!("/evidence?{q}#compare"),
            }
        })
        .collect();
    AssessView {
        groups: groups.into_iter().filter(|g| !g.options.is_empty()).collect(),
        standing: a.get("standing_note").filter(|x| x.is_object()).map(|x| Stmt {
            text: s(x, "text"),
            src: src(x),
        }),
        advice: stmts(a, "advice"),
        missing: list(a, "missing")
            .iter()
            .map(|m| {
                let names: Vec<String> = strings(m, "affects")
                    .iter()
                    .map(|id| {
                        opts.iter()
                            .find(|o| s(o, "agent") == *id)
                            .map(|o| s(o, "name"))
                            .unwrap_or_else(|| words(id))
                    })
                    .collect();
                let field = s(m, "field");
                format!(
                    "{} ({field}) is {} — it decides: {}",
                    super::form::label_of(&field),
                    words(&s(m, "kind")),
                    names.join("; ")
                )
            })
            .collect(),
        warnings: strings(a, "warnings"),
        hints,
    }
}

fn basis_word(id: &str) -> String {
    match id {
        "ki67" => "Ki-67 index".into(),
        "mitoses" => "mitotic count".into(),
        other => words(other),
    }
}

/// Classification with its basis (bands from the knowledge base's scheme).
pub fn class_view(g: &Value, case: &Value, kb: &Kb) -> ClassView {
    let scheme_id = s(g, "scheme");
    let scheme = kb.grading.scheme.iter().find(|x| x.id == scheme_id);
    let mut basis = Vec::new();
    let grade = os(g, "grade");
    let band = |bands: &[netrx_kb::grading::Band], v: f64| {
        bands
            .iter()
            .find(|bd| bd.contains(v))
            .map(|bd| format!(" → {} band {}", bd.grade, bd.interval()))
            .unwrap_or_default()
    };
    if let Some(k) = of(&case["tumor"], "ki67_percent") {
        let b = scheme.map(|sc| band(&sc.ki67, k)).unwrap_or_default();
        basis.push(format!(
            "Ki-67 index {}{b}{}",
            qty(k, 2, "%"),
            if b.is_empty() { "" } else { " %" }
        ));
    }
    let decided = strings(g, "decided_by");
    if let Some(m) = of(g, "mitoses_per_2mm2") {
        let b = scheme.map(|sc| band(&sc.mitoses, m)).unwrap_or_default();
        basis.push(format!("Mitotic count {} per 2 mm²{b}", num(m, 2)));
    }
    ClassView {
        name: match &grade {
            Some(gr) if !s(g, "name").contains(gr.as_str()) => format!("{} ({gr})", s(g, "name")),
            _ => s(g, "name"),
        },
        scheme: scheme.map(|x| x.title.clone()).unwrap_or(scheme_id),
        src: scheme.map(|x| view::kb_src(&x.source)),
        basis,
        decided_by: decided.iter().map(|x| basis_word(x)).collect::<Vec<_>>().join(", "),
        warnings: strings(g, "warnings"),
    }
}

fn dose_line(v: &Value, head: String) -> DoseLine {
    DoseLine {
        head,
        text: s(v, "text"),
        dose: of(v, "dose_mg").map(|d| qty(d, 2, "mg")).unwrap_or_default(),
        src: src(v),
        details: stmts(v, "details"),
    }
}

/// Everolimus dose and interactions.
pub fn dose_view(d: &Value) -> DoseView {
    let headline = if b(d, "avoid") {
        "Avoid everolimus".to_string()
    } else {
        dose_text(of(d, "dose_mg"), &s(d, "frequency"))
    };
    DoseView {
        headline,
        basis: match s(d, "basis").as_str() {
            "start" => "start dose (no everolimus course recorded)".into(),
            "current" => "adjustment of the current course".into(),
            other => words(other),
        },
        avoid: b(d, "avoid"),
        adjustments: list(d, "adjustments")
            .iter()
            .map(|a| dose_line(a, s(a, "reason")))
            .collect(),
        interactions: list(d, "interactions")
            .iter()
            .map(|i| {
                dose_line(
                    i,
                    format!("{} — {} ({})", s(i, "medication"), s(i, "class_name"), s(i, "kind")),
                )
            })
            .collect(),
        unknown: strings(d, "unknown_medications"),
        monitoring: list(d, "monitoring")
            .iter()
            .map(|m| DoseLine {
                head: s(m, "what"),
                text: s(m, "when"),
                dose: String::new(),
                src: src(m),
                details: stmts(m, "details"),
            })
            .collect(),
        counselling: list(d, "counselling")
            .iter()
            .map(|c| dose_line(c, s(c, "topic")))
            .collect(),
        warnings: strings(d, "warnings"),
        label: d
            .get("label")
            .map(|l| format!("{} — {}", s(l, "label"), s(l, "caveat")))
            .unwrap_or_default(),
    }
}

fn event_text(ev: &Value) -> String {
    let mut t = format!("{} grade {}", s(ev, "term_name"), ev["grade"].as_u64().unwrap_or(0));
    if let Some(l) = ev.get("lab").filter(|x| x.is_object()) {
        t.push_str(&format!(
            " (lab: {} {} {}; {})",
            words(&s(l, "test")),
            of(l, "value").map(|v| num(v, 3)).unwrap_or_default(),
            s(l, "unit"),
            s(l, "criterion")
        ));
    }
    t
}

fn dif(v: &Value) -> String {
    dose_text(of(v, "dose_mg"), &s(v, "frequency"))
}

/// Toxicity course.
pub fn tox_view(t: &Value) -> ToxView {
    let cur = &t["current"];
    let timeline = list(t, "timeline")
        .iter()
        .map(|x| {
            let mut detail = Vec::new();
            if let Some(r) = os(x, "resume_when") {
                let dose = x
                    .get("resume_dose_mg")
                    .and_then(Value::as_f64)
                    .map(|d| format!(" at {}", dose_text(Some(d), &s(x, "resume_frequency"))))
                    .unwrap_or_default();
                detail.push(format!("Resume when {r}{dose}."));
            }
            if let Some(l) = os(x, "ladder") {
                detail.push(format!("Ladder: {l}."));
            }
            if let Some(r) = os(x, "recovered_on") {
                detail.push(format!("Recovered on {r}."));
            }
            if let Some(rc) = x.get("recorded_change").filter(|v| v.is_object()) {
                detail.push(format!(
                    "Recorded: {} from {} ({}).",
                    dif(rc),
                    s(rc, "date"),
                    s(rc, "reason")
                ));
            }
            if let Some(rc) = x.get("recorded_resume").filter(|v| v.is_object()) {
                detail.push(format!(
                    "Resumed: {} from {} ({}).",
                    dif(rc),
                    s(rc, "date"),
                    s(rc, "reason")
                ));
            }
            detail.extend(strings(x, "notes"));
            let occ = s(x, "occurrence");
            ToxLine {
                date: s(x, "date"),
                event: format!("{} ({})", event_text(&x["event"]), words(&occ)),
                dose: dif(&x["dose_in_force"]),
                action: format!(
                    "{}{}",
                    words(&s(x, "action")),
                    if b(x, "consider") { " (consider)" } else { "" }
                ),
                rule: s(x, "rule"),
                detail,
                supportive: stmts(x, "supportive"),
                src: src(x),
            }
        })
        .collect();
    let current_event = cur
        .get("event")
        .filter(|e| e.is_object())
        .map(|e| format!("{} on {}", event_text(e), s(e, "date")))
        .unwrap_or_else(|| "no active adverse event".into());
    ToxView {
        current: if s(cur, "rule").is_empty() {
            words(&s(cur, "action"))
        } else {
            format!("{} — {}", words(&s(cur, "action")), s(cur, "rule"))
        },
        current_event,
        dose_now: dif(&cur["dose_in_force"]),
        current_src: src(cur),
        also_active: list(cur, "also_active").iter().map(event_text).collect(),
        timeline,
        ladder: s(t, "ladder"),
        caveat: s(t, "caveat"),
        warnings: strings(t, "warnings"),
        basis: format!(
            "CTCAE v{}, course replayed up to {}",
            s(t, "ctcae_version"),
            s(t, "as_of")
        ),
        chart: None,
    }
}

/// RECIST follow-up.
pub fn recist_view(r: &Value) -> RecistView {
    let best = match (os(r, "best_overall_response"), os(r, "best_overall_response_confirmed")) {
        (Some(b), Some(c)) if b == c => format!("{b} (confirmed)"),
        (Some(b), Some(c)) => format!("{b}; confirmed: {c}"),
        (Some(b), None) => format!("{b} (not confirmed)"),
        (None, _) => "not evaluable yet".into(),
    };
    let progression = match os(r, "progression_date") {
        Some(d) => format!(
            "progression on {d}; PFS {} from {} ({})",
            of(r, "pfs_months").map(|m| qty(m, 1, "months")).unwrap_or_default(),
            s(&r["pfs_origin"], "date"),
            words(&s(&r["pfs_origin"], "basis"))
        ),
        None => match of(r, "pfs_months") {
            Some(m) => format!(
                "no progression; followed {} without progression (censored)",
                qty(m, 1, "months")
            ),
            None => "no progression recorded".into(),
        },
    };
    let visits = list(r, "visits")
        .iter()
        .map(|v| {
            [
                s(v, "date"),
                v["days_from_baseline"]
                    .as_i64()
                    .map(|d| format!("{d} d"))
                    .unwrap_or_default(),
                of(v, "sum_mm").map(|x| qty(x, 1, "mm")).unwrap_or_else(|| "–".into()),
                of(v, "change_from_baseline_pct")
                    .map(|x| format!("{}{} %", if x > 0.0 { "+" } else { "" }, num(x, 1)))
                    .unwrap_or_else(|| "–".into()),
                os(v, "overall_response").unwrap_or_else(|| "baseline".into()),
                s(v, "basis"),
            ]
        })
        .collect();
    let crit = &r["criteria"];
    RecistView {
        best,
        progression,
        visits,
        criteria: format!(
            "{}: PR ≥ {} % decrease from baseline; PD ≥ {} % and ≥ {} mm increase from nadir; confirmation ≥ {} days",
            s(crit, "title"),
            of(crit, "pr_decrease_from_baseline_pct")
                .map(|x| num(x, 1))
                .unwrap_or_default(),
            of(crit, "pd_increase_from_nadir_pct")
                .map(|x| num(x, 1))
                .unwrap_or_default(),
            of(crit, "pd_min_increase_mm").map(|x| num(x, 1)).unwrap_or_default(),
            crit["confirmation_min_days"].as_i64().unwrap_or(0)
        ),
        sources: list(crit, "sources")
            .iter()
            .map(|x| Src {
                reference: s(x, "ref"),
                status: s(x, "status"),
                note: os(x, "note"),
            })
            .collect(),
        warnings: strings(r, "warnings"),
        charts: Vec::new(),
    }
}

/// QoL follow-up.
pub fn qol_view(q: &Value) -> QolView {
    let def = &q["definition"];
    let rows = list(q, "assessments")
        .iter()
        .map(|a| {
            let scores: Vec<String> = a
                .get("scales")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_f64().map(|x| format!("{k} {}", num(x, 1))))
                        .collect()
                })
                .unwrap_or_default();
            let mut inst = s(a, "instrument");
            if b(a, "baseline") {
                inst.push_str(" (baseline)");
            }
            if !b(a, "valid") {
                inst.push_str(" — not scorable");
            }
            [s(a, "date"), inst, scores.join(", ")]
        })
        .collect();
    let ttd = match of(q, "time_to_deterioration_months") {
        Some(m) if b(q, "time_to_deterioration_event") => format!("deterioration after {}", qty(m, 1, "months")),
        Some(m) => format!(
            "no definitive deterioration; followed {} (censored)",
            qty(m, 1, "months")
        ),
        None => "not evaluable".into(),
    };
    QolView {
        definition: s(def, "title"),
        src: src(def),
        ttd,
        rows,
        events: list(q, "deterioration")
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}: {} → {} points ({}{}){}",
                    s(d, "date"),
                    s(d, "instrument"),
                    s(d, "scale"),
                    of(d, "baseline_score").map(|x| num(x, 1)).unwrap_or_default(),
                    of(d, "score").map(|x| num(x, 1)).unwrap_or_default(),
                    of(d, "change")
                        .map(|x| if x > 0.0 { "+" } else { "" })
                        .unwrap_or_default(),
                    of(d, "change").map(|x| num(x, 1)).unwrap_or_default(),
                    if b(d, "definitive") { ", definitive" } else { "" }
                )
            })
            .collect(),
        notices: list(q, "instruments").iter().map(|i| s(i, "copyright")).collect(),
        warnings: strings(q, "warnings"),
        chart: None,
    }
}

fn regimen_text(dose: Option<f64>, interval: Option<f64>) -> String {
    match (dose, interval) {
        (Some(d), Some(i)) => format!("{} every {} h", qty(d, 2, "mg"), num(i, 0)),
        _ => "–".into(),
    }
}

/// Trough-guided individualisation.
pub fn pk_view(p: &Value) -> PkView {
    let rec = &p["recommended"];
    let target = match (p["target"][0].as_f64(), p["target"][1].as_f64()) {
        (Some(l), Some(h)) => format!("{}–{} ng/mL. {}", num(l, 1), num(h, 1), s(p, "target_caveat")),
        _ => s(p, "target_caveat"),
    };
    PkView {
        model: s(p, "model_title"),
        src: p
            .get("model_source")
            .and_then(|x| src(&serde_json::json!({ "source": x }))),
        recommended: format!(
            "{}: predicted steady-state trough {}; probability in target {}",
            regimen_text(of(rec, "dose_mg"), of(rec, "interval_h")),
            of(rec, "trough_ng_ml").map(|x| qty(x, 1, "ng/mL")).unwrap_or_default(),
            of(rec, "pta")
                .map(|x| format!("{} %", num(100.0 * x, 0)))
                .unwrap_or_default()
        ),
        recommended_label: s(rec, "label"),
        rationale: s(rec, "rationale"),
        regimens: list(p, "predicted_troughs")
            .iter()
            .map(|r| {
                [
                    format!(
                        "{}{}",
                        regimen_text(of(r, "dose_mg"), of(r, "interval_h")),
                        if b(r, "is_current") { " (current)" } else { "" }
                    ),
                    of(r, "trough_ng_ml").map(|x| qty(x, 1, "ng/mL")).unwrap_or_default(),
                    match (of(r, "trough_p05"), of(r, "trough_p95")) {
                        (Some(l), Some(h)) => format!("{}–{} ng/mL", num(l, 1), num(h, 1)),
                        _ => "–".into(),
                    },
                    of(r, "pta")
                        .map(|x| format!("{} %", num(100.0 * x, 0)))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
        fit: list(p, "fit")
            .iter()
            .map(|f| {
                [
                    match (of(f, "sample"), s(f, "datetime")) {
                        (Some(n), d) if !d.is_empty() => format!("{} ({d})", num(n, 0)),
                        (Some(n), _) => num(n, 0),
                        (None, d) => d,
                    },
                    of(f, "time_h").map(|x| qty(x, 1, "h")).unwrap_or_default(),
                    of(f, "hours_after_dose").map(|x| qty(x, 1, "h")).unwrap_or_default(),
                    of(f, "observed_ng_ml").map(|x| qty(x, 1, "ng/mL")).unwrap_or_default(),
                    of(f, "ipred_ng_ml").map(|x| qty(x, 1, "ng/mL")).unwrap_or_default(),
                ]
            })
            .collect(),
        estimates: list(&p["map_params"], "estimates")
            .iter()
            .map(|e| {
                format!(
                    "{}: {} {} (population {} {})",
                    s(e, "param"),
                    of(e, "individual").map(|x| num(x, 2)).unwrap_or_default(),
                    s(e, "unit"),
                    of(e, "population").map(|x| num(x, 2)).unwrap_or_default(),
                    s(e, "unit")
                )
            })
            .collect(),
        target,
        target_src: p
            .get("target_source")
            .and_then(|x| src(&serde_json::json!({ "source": x }))),
        notes: vec![s(p, "routine_tdm_note"), s(p, "sampling_advice")]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect(),
        warnings: strings(p, "warnings"),
        chart: None,
    }
}

/// (label, value) pairs.
type Facts = Vec<(String, String)>;

fn patient_facts(c: &Value) -> (Facts, Facts) {
    let p = &c["patient"];
    let mut facts = vec![
        (
            "Age".to_string(),
            of(p, "age_years").map(|a| qty(a, 1, "years")).unwrap_or_default(),
        ),
        ("Sex".to_string(), s(p, "sex")),
    ];
    if let Some(w) = of(p, "weight_kg") {
        facts.push(("Weight".into(), qty(w, 1, "kg")));
    }
    if let Some(e) = p.get("ecog").and_then(Value::as_u64) {
        facts.push(("ECOG performance status".into(), e.to_string()));
    }
    facts.push((
        "Child–Pugh class".into(),
        os(p, "child_pugh").unwrap_or_else(|| "not assessed".into()),
    ));
    let com = strings(p, "comorbidities");
    if !com.is_empty() {
        facts.push((
            "Comorbidities".into(),
            com.iter().map(|x| words(x)).collect::<Vec<_>>().join(", "),
        ));
    }
    let t = &c["tumor"];
    facts.push(("Primary site".into(), words(&s(t, "primary_site"))));
    if let Some(sstr) = os(t, "sstr_imaging") {
        facts.push(("SSTR imaging".into(), sstr));
    }
    if let Some(pr) = t.get("progression").filter(|x| x.is_object()) {
        let m = of(pr, "months_observed")
            .map(|m| format!(" over {}", qty(m, 1, "months")))
            .unwrap_or_default();
        facts.push(("Growth".into(), format!("{}{m}", s(pr, "status"))));
    }
    if let Some(l) = of(t, "liver_burden_percent") {
        facts.push(("Liver tumour burden".into(), qty(l, 1, "%")));
    }
    let mut identity = Vec::new();
    for (k, label) in [("name", "Name"), ("birth_date", "Date of birth"), ("mrn", "MRN")] {
        if let Some(v) = os(p, k) {
            identity.push((label.to_string(), v));
        }
    }
    (facts, identity)
}

/// Evaluate the board's capabilities (through the API's memo) and draw the charts.
pub async fn build(st: &Shared, p: &Page, id: &str, region: Option<&str>, detail: &str) -> Result<Board, Response> {
    check_id(id).map_err(|e| api_error_page(&e, None))?;
    let opts = Options {
        region: match region {
            Some(r) => Region::parse("region", r).map_err(|e| {
                error_page(
                    StatusCode::BAD_REQUEST,
                    "That request is not valid",
                    &format!("{}: {}", e.field, e.message),
                    None,
                )
            })?,
            None => Region::Us,
        },
        ..Options::default()
    };
    if !p.p.role().reads_cases() {
        let e = deny(st, &p.p, "case.read", Some(id), "read cases").await;
        return Err(api_error_page(&e, None));
    }
    let (rev, body) = read_audited(st, &p.p, "case.read", id, Which::Latest, Some(detail.to_string()))
        .await
        .map_err(|e| api_error_page(&e, None))?;
    let deidentified = !p.p.role().writes_cases();
    let id2 = id.to_string();
    let revisions = st
        .read(move |c| netrx_store::cases::revisions(c, &id2))
        .await
        .unwrap_or_default();
    let head = revisions.iter().find(|r| r.revision == rev).cloned();
    let options: Vec<(String, String)> = region
        .map(|r| vec![("region".to_string(), r.to_string())])
        .unwrap_or_default();
    let key = |cap: Capability| Key {
        case_id: id.to_string(),
        revision: rev,
        deidentified,
        capability: cap.id(),
        options: options.clone(),
    };
    let mut cached: BTreeMap<&'static str, Value> = BTreeMap::new();
    for cap in BOARD_CAPABILITIES {
        if let Some(b) = st.answers.get(&key(*cap))
            && let Ok(v) = serde_json::from_slice(&b)
        {
            cached.insert(cap.id(), v);
        }
    }
    let kb = st.kb;
    let region_id = opts.region.id().to_string();
    let (answers, board) = tokio::task::spawn_blocking(move || {
        let case = netrx_clinical::load_case(&body, kb)?;
        let raw: Value =
            serde_json::from_str(&body).map_err(|e| netrx_case::InputError::new("(document)", e.to_string()))?;
        let mut answers: BTreeMap<&'static str, Result<(Value, bool), String>> = BTreeMap::new();
        for cap in BOARD_CAPABILITIES {
            let r = match cached.remove(cap.id()) {
                Some(v) => Ok((v, false)),
                None => evaluate(*cap, &case, kb, &opts)
                    .map(|v| (v, true))
                    .map_err(|e| format!("{}: {}", e.field, e.message)),
            };
            answers.insert(cap.id(), r);
        }
        let get = |c: &str| -> Result<&Value, String> {
            match answers.get(c) {
                Some(Ok((v, _))) => Ok(v),
                Some(Err(e)) => Err(e.clone()),
                None => Err("not evaluated".into()),
            }
        };
        let (patient, identity) = patient_facts(&raw);
        let board = Board {
            id: case.id.clone(),
            revision: rev,
            saved: String::new(),
            deidentified,
            region: region_id,
            patient,
            identity,
            medications: case.medications.clone(),
            prior: case
                .prior_therapies
                .iter()
                .map(|t| {
                    let name = kb
                        .agents
                        .agent(&t.agent)
                        .map(|a| a.name.clone())
                        .unwrap_or(t.agent.clone());
                    let br = t
                        .best_response
                        .map(|b| format!(", best response {}", b.id()))
                        .unwrap_or_default();
                    format!("Line {}: {name} — {}{br}", t.line, words(t.outcome.id()))
                })
                .collect(),
            class: get("grade").map(|g| class_view(g, &raw, kb)),
            assess: get("assess").map(assess_view),
            dose: get("dose").map(dose_view),
            tox: get("tox").map(|t| {
                let mut v = tox_view(t);
                v.chart = charts::tox_timeline(&case, t);
                v
            }),
            recist: get("recist").map(|r| {
                let mut v = recist_view(r);
                if let Some((a, b)) = charts::recist(&case, kb) {
                    v.charts = vec![a, b];
                }
                v
            }),
            qol: get("qol").map(|q| {
                let mut v = qol_view(q);
                v.chart = charts::qol(&case, kb);
                v
            }),
            pk: get("pk").map(|p| {
                let mut v = pk_view(p);
                v.chart = charts::pk_curve(&case, p);
                v
            }),
            knowledge_version: kb.version().to_string(),
            glance: Vec::new(),
            history: Vec::new(),
        };
        let mut board = board;
        board.glance = glance(&board, &raw);
        Ok::<_, netrx_case::InputError>((answers, board))
    })
    .await
    .map_err(|e| api_error_page(&crate::error::ApiError::internal("the evaluation", e), None))?
    .map_err(|e| api_error_page(&e.into(), None))?;
    for (cap, r) in answers {
        if let Ok((v, true)) = r
            && let (Some(c), Ok(bytes)) = (Capability::from_id(cap), serde_json::to_vec(&v))
        {
            st.answers.put(key(c), bytes.into());
        }
    }
    let mut board = board;
    board.history = revisions
        .iter()
        .rev()
        .map(|r| (r.revision, view::when(&r.created_at), r.user.clone()))
        .collect();
    if let Some(h) = head {
        board.saved = format!("saved {} by {}", view::when(&h.created_at), h.user);
    }
    Ok(board)
}

/// The summary a tumour board reads first: one line per question, each linking to its section.
fn glance(b: &Board, case: &Value) -> Vec<(String, String, String)> {
    let mut g = Vec::new();
    let site = words(&s(&case["tumor"], "primary_site"));
    g.push((
        "Tumour".to_string(),
        match &b.class {
            Ok(c) => format!("{} — {site}", c.name),
            Err(e) => format!("not classified ({e})"),
        },
        "#classification".to_string(),
    ));
    if let Ok(a) = &b.assess {
        for id in ["preferred", "option", "later_line", "undecided"] {
            if let Some(gr) = a.groups.iter().find(|x| x.id == id) {
                let names: Vec<&str> = gr.options.iter().map(|o| o.name.as_str()).collect();
                g.push((gr.heading.clone(), names.join("; "), format!("#role-{id}")));
            }
        }
        if !a
            .groups
            .iter()
            .any(|x| matches!(x.id.as_str(), "preferred" | "option" | "later_line"))
        {
            g.push((
                "Options".into(),
                "no guideline option with the inputs given".into(),
                "#options".into(),
            ));
        }
        if !a.missing.is_empty() {
            g.push((
                "Missing inputs".into(),
                format!("{} input(s) would change the options", a.missing.len()),
                "#options".into(),
            ));
        }
    }
    g.push((
        "Everolimus dose".into(),
        match &b.dose {
            Ok(d) => {
                let why: Vec<&str> = d
                    .interactions
                    .iter()
                    .map(|i| i.head.split(" — ").next().unwrap_or(""))
                    .collect();
                if why.is_empty() {
                    d.headline.clone()
                } else {
                    format!("{} (interactions: {})", d.headline, why.join(", "))
                }
            }
            Err(e) => e.clone(),
        },
        "#dose".into(),
    ));
    g.push((
        "Toxicity now".into(),
        match &b.tox {
            Ok(t) => format!("{} ({})", t.current.split(" — ").next().unwrap_or(""), t.current_event),
            Err(_) => "no everolimus course recorded".into(),
        },
        "#toxicity".into(),
    ));
    g.push((
        "Response".into(),
        match &b.recist {
            Ok(r) => format!("best {}; {}", r.best, r.progression),
            Err(_) => "no imaging visits recorded".into(),
        },
        "#response".into(),
    ));
    g.push((
        "Quality of life".into(),
        match &b.qol {
            Ok(q) => q.ttd.clone(),
            Err(_) => "no questionnaires recorded".into(),
        },
        "#qol".into(),
    ));
    g.push((
        "Concentrations".into(),
        match &b.pk {
            Ok(p) => p.recommended.clone(),
            Err(_) => "no doses and blood samples recorded".into(),
        },
        "#pk".into(),
    ));
    g
}

fn query(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// `GET /cases/{id}`: the tumour-board view.
pub async fn view(State(st): State<Shared>, page: Page, Path(id): Path<String>, uri: Uri) -> Response {
    let q = query(&uri);
    let region = q.iter().find(|(k, _)| k == "region").map(|(_, v)| v.clone());
    let notice = q
        .iter()
        .find(|(k, _)| k == "saved")
        .map(|(_, v)| format!("Saved as revision {v}."));
    let b = match build(&st, &page, &id, region.as_deref(), "tumour-board view").await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let chrome = Chrome::new(&st, &page, format!("{} — tumour board", b.id), "cases");
    render(StatusCode::OK, &BoardPage { chrome, b, notice })
}

/// `GET /cases/{id}/report`: the printable tumour-board report.
pub async fn report(State(st): State<Shared>, page: Page, Path(id): Path<String>, uri: Uri) -> Response {
    let q = query(&uri);
    let region = q.iter().find(|(k, _)| k == "region").map(|(_, v)| v.clone());
    let b = match build(&st, &page, &id, region.as_deref(), "tumour-board report").await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let chrome = Chrome::new(&st, &page, format!("{} — tumour-board report", b.id), "cases");
    let generated = format!("{} by {}", view::when(&netrx_store::time::now()), page.p.user.username);
    render(StatusCode::OK, &ReportPage { chrome, b, generated })
}
