//! The evidence of an option: the trials of the knowledge base that tested the
//! agent in cohorts enrolling this patient's primary site (via
//! [`netrx_kb::trials::Trials::evidence`]), each with the ways its population
//! differs from the patient — derived from the trial data, not written by hand —
//! and the `netrx compare` hints for pairs of current options that the evidence
//! network connects.

use super::facts::Facts;
use super::{AgentOption, OptionRole};
use netrx_case::Case;
use netrx_kb::Kb;
use netrx_kb::populations::Fit;
use netrx_kb::provenance::Status;
use netrx_kb::trials::{
    AnalysisKind, Assessment as Read, Endpoint, Functional, Median, PriorTherapy, Progression, Trial, TrialGrade, num,
};
use serde::Serialize;
use std::collections::BTreeSet;

/// One arm of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceArm {
    pub arm: String,
    /// The arm's treatment (node name).
    pub treatment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Median in `unit` (a number, or "NR" = not reached).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<Median>,
    /// A rate at the landmark or a response rate, %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orr: Option<f64>,
}

/// An effect estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectOut {
    /// `hr`, `or`, …
    pub measure: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    pub ci_level: f64,
    /// `[experimental arm, control arm]`.
    pub contrast: [String; 2],
    /// The source gives it as approximate (≈).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
}

/// One supporting result of a trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Trial id (`radiant-3`): `netrx trials show <id>` shows it in full.
    pub trial: String,
    pub name: String,
    /// Cohort id (`all` = the whole trial).
    pub cohort: String,
    pub cohort_label: String,
    /// Patients in the cohort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// `tested` (the agent is in the experimental arm, or the study is single-arm or
    /// non-comparative) or `comparator` (the agent is the control arm).
    pub relation: String,
    /// How the cohort's sites fit the population searched.
    pub fit: Fit,
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Read>,
    pub analysis_kind: AnalysisKind,
    /// The analysis as described in the trial base.
    pub analysis: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub arms: Vec<EvidenceArm>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<EffectOut>,
    /// The p-value as the source gives it, with its sidedness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
    pub source: String,
    pub status: Status,
    /// How the trial's population differs from this patient (derived from the trial data).
    pub population_notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn population_notes(t: &Trial, cohort: &str, site: &str, f: &Facts, case: &Case, kb: &Kb) -> Vec<String> {
    let p = &t.population;
    let mut v = Vec::new();
    match (p.functional, f.functional.as_ref().ok()) {
        (Functional::NonFunctional, Some(true)) => {
            v.push("enrolled non-functional tumours only; this tumour is functional".to_string())
        }
        (Functional::Functional, Some(false)) => {
            v.push("enrolled functional tumours (hormone syndrome) only; this tumour is non-functional".to_string())
        }
        _ => {}
    }
    if let (Some(max), Ok(k)) = (p.ki67_max, f.ki67.as_ref())
        && *k > max
    {
        v.push(format!(
            "Ki-67 ≤ {} % was required; this tumour {} %",
            num(max),
            num(*k)
        ));
    }
    match (p.progression, f.progression.as_ref().ok()) {
        (Progression::Required, Some(&"stable")) => {
            v.push("documented progression was required; this tumour is stable".to_string())
        }
        (Progression::NotRequired, Some(&"progressive")) => v.push(
            "progression was not required at entry (a largely stable or newly diagnosed population); this tumour \
             is progressive"
                .to_string(),
        ),
        _ => {}
    }
    let pretreated = !case.prior_therapies.is_empty();
    match p.prior_therapy {
        PriorTherapy::Required if !pretreated => {
            v.push("a later-line population (prior therapy required); this patient is treatment-naive".to_string())
        }
        PriorTherapy::Naive if pretreated => {
            v.push("a treatment-naive population; this patient is pretreated".to_string())
        }
        _ => {}
    }
    // Grade: from the structured `grades` of the trial population. A carcinoma (NEC) is compared
    // as NEC, a well-differentiated (or undetermined) G3 tumour as G3.
    let nec = f.entity.as_deref() == Ok("nec");
    let wanted = if nec {
        Some((TrialGrade::Nec, "a poorly differentiated carcinoma"))
    } else if f.grade.as_deref() == Ok("G3") {
        Some((TrialGrade::G3, "G3"))
    } else {
        None
    };
    if let (Some((g, what)), Some(text)) = (wanted, &p.grade) {
        if p.grades.is_empty() {
            v.push(format!(
                "enrolled {text} (the references do not state which grades); this tumour is {what}"
            ));
        } else if !p.grades.contains(&g) {
            v.push(format!("enrolled {text}; this tumour is {what}"));
        }
    }
    let others: Vec<&str> = t
        .cohort_sites(cohort)
        .iter()
        .filter(|x| **x != site)
        .map(|x| {
            let n = kb.populations.site_name(x);
            n.split(" (").next().unwrap_or(n)
        })
        .collect();
    if !others.is_empty() {
        v.push(format!("also enrolled: {}", others.join(", ")));
    }
    v
}

/// The evidence for an agent: cohorts enrolling the patient's site, most specific population
/// first. When the trial reports a subgroup of exactly the patient's site (RADIANT-4's
/// unknown-primary subgroup, say), that subgroup's results are shown instead of the whole trial's.
pub fn for_agent(agent: &str, case: &Case, f: &Facts, kb: &Kb) -> Vec<Evidence> {
    let Some(map) = kb.guidelines.site_map(f.site) else {
        return Vec::new();
    };
    let site_only = std::slice::from_ref(&map.trial_site);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for pop in &map.populations {
        let pop_sites = kb
            .populations
            .population(pop)
            .map(|p| p.sites.clone())
            .unwrap_or_default();
        // The trial cohorts of this population that tested the agent and enrolled the patient's site.
        let mut cohorts: Vec<(&Trial, String)> = Vec::new();
        for line in kb.trials.evidence(&kb.agents, &kb.populations, agent, pop) {
            let Some(t) = kb.trials.get(line.trial) else { continue };
            if seen.contains(&t.id)
                || cohorts.iter().any(|(x, _)| x.id == t.id)
                || !t.cohort_sites(line.cohort).contains(&map.trial_site)
            {
                continue;
            }
            let specific = t
                .cohorts
                .iter()
                .find(|c| c.sites == site_only && t.results.iter().any(|r| r.cohort == c.id && r.preferred))
                .map(|c| c.id.clone());
            cohorts.push((t, specific.unwrap_or_else(|| line.cohort.to_string())));
        }
        for (t, cohort) in cohorts {
            let mut results: Vec<&netrx_kb::trials::Outcome> =
                t.results.iter().filter(|r| r.cohort == cohort && r.preferred).collect();
            results.sort_by_key(|r| r.endpoint);
            let mut any = false;
            for r in results {
                if let Some(e) = evidence_of(agent, t, &cohort, r, &pop_sites, case, f, kb) {
                    out.push(e);
                    any = true;
                }
            }
            if any {
                seen.insert(t.id.clone());
            }
        }
    }
    // Randomised comparisons testing the agent first, then comparator arms, then descriptive results.
    out.sort_by_key(|e| (e.relation != "tested", e.effect.is_none()));
    out
}

/// One result as evidence for `agent`, or `None` when the agent is background in both arms.
#[allow(clippy::too_many_arguments)]
fn evidence_of(
    agent: &str,
    t: &Trial,
    cohort: &str,
    r: &netrx_kb::trials::Outcome,
    pop_sites: &[String],
    case: &Case,
    f: &Facts,
    kb: &Kb,
) -> Option<Evidence> {
    let has = |arm: &str| t.arm(arm).is_some_and(|a| a.agents.iter().any(|x| x == agent));
    let relation = match &r.effect {
        Some(e) => match (has(&e.contrast[0]), has(&e.contrast[1])) {
            (true, false) => "tested",
            (false, true) => "comparator",
            _ => return None, // background in both arms, or not in the contrast
        },
        None => {
            let with: Vec<bool> = t.arms.iter().map(|a| a.agents.iter().any(|x| x == agent)).collect();
            if !with.iter().any(|w| *w) || (with.len() > 1 && with.iter().all(|w| *w)) {
                return None;
            }
            // Which arm is the control: the trial's own contrast, where any result has one.
            match t.results.iter().find_map(|x| x.effect.as_ref()) {
                Some(e) if !has(&e.contrast[0]) && has(&e.contrast[1]) => "comparator",
                _ => "tested",
            }
        }
    };
    let arm_n = |arm: &str| {
        t.cohort(cohort).and_then(|c| c.arm_n.get(arm).copied()).or_else(|| {
            if cohort == "all" {
                t.arm(arm).and_then(|a| a.n)
            } else {
                None
            }
        })
    };
    let arms = r
        .arms
        .iter()
        .map(|a| EvidenceArm {
            arm: a.arm.clone(),
            treatment: t
                .arm(&a.arm)
                .map(|x| kb.agents.node_name(&x.node).to_string())
                .unwrap_or_else(|| a.arm.clone()),
            n: a.n.or_else(|| arm_n(&a.arm)),
            median: a.median,
            percent: a.percent,
            orr: a.orr,
        })
        .collect();
    let fit = Fit::of(t.cohort_sites(cohort), pop_sites);
    let site = kb
        .guidelines
        .site_map(f.site)
        .map(|m| m.trial_site.as_str())
        .unwrap_or(f.site);
    Some(Evidence {
        trial: t.id.clone(),
        name: t.name.clone(),
        cohort: cohort.to_string(),
        cohort_label: t.cohort_label(cohort),
        n: t.cohort_n(cohort),
        relation: relation.into(),
        fit,
        endpoint: r.endpoint,
        assessment: r.assessment,
        analysis_kind: r.kind,
        analysis: r.analysis.clone(),
        unit: r.endpoint.is_time_to_event().then(|| {
            serde_json::to_value(r.unit)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_else(|| "months".into())
        }),
        arms,
        effect: r.effect.as_ref().map(|e| EffectOut {
            measure: serde_json::to_value(e.measure)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            value: e.value,
            ci_low: e.ci.map(|c| c[0]),
            ci_high: e.ci.map(|c| c[1]),
            ci_level: e.ci_level,
            contrast: e.contrast.clone(),
            approximate: e.approximate,
        }),
        p: r.p.as_ref().map(|p| p.display()),
        source: r.source.reference.clone(),
        status: r.source.status,
        population_notes: population_notes(t, cohort, site, f, case, kb),
        note: r.note.clone(),
    })
}

/// A comparison `netrx compare` makes between two current options (the same call,
/// so the numbers are those `netrx compare` prints, with its warnings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareHint {
    pub agents: [String; 2],
    /// Population id for `--population`.
    pub population: String,
    /// `direct` (a head-to-head trial) or `bucher` (through a shared comparator).
    pub method: String,
    /// PFS hazard ratio of the first agent vs the second, with its 95 % CI.
    pub hr: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The trials on the path.
    pub path: Vec<String>,
    /// How many heterogeneity warnings `netrx compare` attaches.
    pub warnings: usize,
    /// `derived` for an estimate computed by netrx from published HRs; for a direct answer from
    /// one trial, the status of that trial's figure.
    pub status: Status,
    /// `published` (one head-to-head trial's own result) or `derived` (computed by netrx), as
    /// `netrx compare --json` says.
    pub estimate: String,
    /// The command that shows the estimate with its assumption and caveats.
    pub command: String,
}

/// Pairs of current options (preferred or option) that `netrx compare` connects in
/// the PFS network of the patient's populations (most specific first).
pub fn compare_hints(options: &[AgentOption], f: &Facts, kb: &Kb) -> Vec<CompareHint> {
    let Some(map) = kb.guidelines.site_map(f.site) else {
        return Vec::new();
    };
    let current: Vec<&str> = options
        .iter()
        .filter(|o| matches!(o.role, OptionRole::Preferred | OptionRole::Option))
        .map(|o| o.agent.as_str())
        .collect();
    let mut hints = Vec::new();
    for (i, a) in current.iter().enumerate() {
        for b in &current[i + 1..] {
            for pop in &map.populations {
                let req = crate::compare::Request {
                    a: a.to_string(),
                    b: b.to_string(),
                    population: pop.clone(),
                    endpoint: "pfs".into(),
                    allow_ttp: false,
                };
                if let Ok(c) = crate::compare::compare(kb, &req) {
                    hints.push(CompareHint {
                        agents: [a.to_string(), b.to_string()],
                        population: pop.clone(),
                        method: c.method.to_string(),
                        hr: c.hr,
                        ci_low: c.ci_low,
                        ci_high: c.ci_high,
                        path: c.path.clone(),
                        warnings: c.warnings.len(),
                        status: c.status,
                        estimate: c.estimate.to_string(),
                        command: format!("netrx compare {a} {b} --population {pop}"),
                    });
                    break;
                }
            }
        }
    }
    hints
}
