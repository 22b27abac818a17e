//! The evidence network of a population, from the trial base, as the input of a network
//! meta-analysis (`netrx nma --from-knowledge --population P`).
//!
//! The contrasts are exactly those `netrx compare` builds its paths from
//! ([`netrx_kb::trials::Trials::contrasts`]: one row per member cohort of the population whose
//! preferred analysis of the endpoint reports a hazard ratio with a confidence interval from a
//! randomised comparison; SE = (ln upper − ln lower)/(2·1.959964)), so the two-trial special case
//! of the NMA is the Bucher estimate `compare` reports. With `allow_ttp`, a trial without a PFS
//! result contributes its TTP result (warned), as `compare --allow-ttp` does.
//!
//! Every row keeps its trial, cohort, published HR and CI, assessment, analysis, how the cohort's
//! sites fit the population, and its source with the reference's status (UNVERIFIED stays
//! visible). Trials of the population that cannot be used are listed with the reason. Warnings
//! are derived from the rows (site mix, mixed outcome assessment, TTP standing in, unverified
//! inputs), never written per network.

use crate::compare::{ENDPOINTS, parse_endpoint, resolve_population};
use netrx_case::InputError;
use netrx_kb::Kb;
use netrx_kb::populations::Fit;
use netrx_kb::provenance::{Source, Status};
use netrx_kb::trials::{Assessment, DesignKind, Endpoint, Measure, Trial};
use netrx_stats::nma::Contrast;
use serde::Serialize;
use std::collections::BTreeSet;

/// One contrast of the network with its provenance.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRow {
    /// Study label used in the analysis (the trial id).
    pub study: String,
    pub trial_name: String,
    pub cohort: String,
    pub cohort_label: String,
    /// Network node ids: the HR is treat1 vs treat2.
    pub treat1: String,
    pub treat2: String,
    pub treat1_name: String,
    pub treat2_name: String,
    pub hr: f64,
    pub ci: [f64; 2],
    pub log_hr: f64,
    pub se: f64,
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    pub analysis: String,
    pub fit: Fit,
    pub source: Source,
}

/// A trial of the population that gives no contrast, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    pub trial: String,
    pub trial_name: String,
    pub reason: String,
}

/// A population's network from the trial base.
#[derive(Debug, Clone, Serialize)]
pub struct KnowledgeNetwork {
    pub population: String,
    pub population_name: String,
    pub endpoint: Endpoint,
    pub rows: Vec<SourceRow>,
    pub left_out: Vec<LeftOut>,
    pub warnings: Vec<String>,
    pub knowledge_version: String,
}

impl KnowledgeNetwork {
    /// The contrasts for [`netrx_stats::nma::nma`].
    pub fn contrasts(&self) -> Vec<Contrast> {
        self.rows
            .iter()
            .map(|r| Contrast {
                study: r.study.clone(),
                treat1: r.treat1.clone(),
                treat2: r.treat2.clone(),
                te: r.log_hr,
                se: r.se,
            })
            .collect()
    }
}

fn why_left_out(t: &Trial, cohort: &str, endpoint: Endpoint) -> String {
    if !t.design.kind.randomised() {
        return format!("{} (no randomised comparison)", t.design.kind.label());
    }
    if t.design.kind == DesignKind::RandomisedNonComparative {
        return "randomised but non-comparative (no between-arm HR)".into();
    }
    let rs: Vec<_> = t
        .results
        .iter()
        .filter(|r| r.cohort == cohort && r.endpoint == endpoint)
        .collect();
    if rs.is_empty() {
        let others: BTreeSet<&str> = t
            .results
            .iter()
            .filter(|r| r.cohort == cohort && r.effect.is_some())
            .map(|r| r.endpoint.label())
            .collect();
        return if others.is_empty() {
            format!("no {} result with a hazard ratio", endpoint.label())
        } else {
            format!(
                "reports no {} (its effect estimates are for {})",
                endpoint.label(),
                others.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
    }
    match rs.iter().find(|r| r.preferred).and_then(|r| r.effect.as_ref()) {
        None => format!("{} reported without a hazard ratio", endpoint.label()),
        Some(e) if e.ci.is_none() => format!(
            "{} HR {} reported without a confidence interval",
            endpoint.label(),
            e.value
        ),
        Some(e) if e.measure != Measure::Hr => {
            format!(
                "{} effect is a {}, not a hazard ratio",
                endpoint.label(),
                e.measure.label()
            )
        }
        Some(_) => "its contrast compares regimens outside this network".into(),
    }
}

/// The network of `population` for `endpoint` (`pfs`, `ttp`, `os`).
pub fn network(kb: &Kb, population: &str, endpoint: &str, allow_ttp: bool) -> Result<KnowledgeNetwork, InputError> {
    let ev = crate::compare::Evidence::of(kb);
    let pop = resolve_population(&ev, "--population", population)?;
    let endpoint = parse_endpoint("--endpoint", endpoint)?;
    if allow_ttp && endpoint != Endpoint::Pfs {
        return Err(InputError::invalid(
            "--allow-ttp",
            format!("with --endpoint {}", endpoint.id()),
            format!("only with --endpoint pfs (endpoints: {})", ENDPOINTS.join(", ")),
        ));
    }
    let mut contrasts = kb
        .trials
        .contrasts(&kb.agents, &kb.populations, &pop.id, endpoint, false);
    let mut ttp_used = Vec::new();
    if allow_ttp {
        let have: BTreeSet<(String, String)> = contrasts.iter().map(|c| (c.study.clone(), c.cohort.clone())).collect();
        for c in kb
            .trials
            .contrasts(&kb.agents, &kb.populations, &pop.id, Endpoint::Ttp, false)
        {
            if !have.contains(&(c.study.clone(), c.cohort.clone())) {
                ttp_used.push(c.study.clone());
                contrasts.push(c);
            }
        }
    }
    let name = |id: &str| kb.agents.node_name(id).to_string();
    let mut rows = Vec::new();
    for c in &contrasts {
        let t = kb.trials.get(&c.study).expect("a contrast comes from a trial");
        let analysis = t
            .results
            .iter()
            .find(|r| {
                r.cohort == c.cohort
                    && r.endpoint == c.endpoint
                    && r.assessment == c.assessment
                    && r.kind == c.kind
                    && r.effect.as_ref().is_some_and(|e| e.value == c.hr && e.ci == Some(c.ci))
            })
            .map(|r| r.analysis.clone())
            .unwrap_or_default();
        rows.push(SourceRow {
            study: c.study.clone(),
            trial_name: t.name.clone(),
            cohort: c.cohort.clone(),
            cohort_label: t.cohort_label(&c.cohort),
            treat1: c.treat1.clone(),
            treat2: c.treat2.clone(),
            treat1_name: name(&c.treat1),
            treat2_name: name(&c.treat2),
            hr: c.hr,
            ci: c.ci,
            log_hr: c.log_hr,
            se: c.se,
            endpoint: c.endpoint,
            assessment: c.assessment,
            analysis,
            fit: c.fit,
            source: c.source.clone(),
        });
    }
    let used: BTreeSet<&str> = rows.iter().map(|r| r.study.as_str()).collect();
    let mut left_out = Vec::new();
    for m in &pop.members {
        if used.contains(m.trial.as_str()) {
            continue;
        }
        if let Some(t) = kb.trials.get(&m.trial) {
            left_out.push(LeftOut {
                trial: t.id.clone(),
                trial_name: t.name.clone(),
                reason: why_left_out(t, &m.cohort, endpoint),
            });
        }
    }
    let mut warnings = Vec::new();
    for r in &rows {
        match r.fit {
            Fit::Mixed => warnings.push(format!(
                "{}: enrolled sites outside {} (mixed population); its HR may not transfer",
                r.trial_name, pop.name
            )),
            Fit::Subset => warnings.push(format!(
                "{}: enrolled only part of {}'s sites ({})",
                r.trial_name, pop.name, r.cohort_label
            )),
            Fit::Exact => {}
        }
        if r.source.status == Status::Unverified {
            warnings.push(format!(
                "{}: the input HR is UNVERIFIED in the references ({})",
                r.trial_name, r.source.reference
            ));
        }
    }
    let assessments: BTreeSet<&str> = rows
        .iter()
        .map(|r| r.assessment.map(|a| a.label()).unwrap_or("not stated"))
        .collect();
    if assessments.len() > 1 {
        warnings.push(format!(
            "outcome assessment differs between trials ({}): investigator and central review can disagree",
            assessments.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    for s in &ttp_used {
        let n = kb.trials.get(s).map(|t| t.name.clone()).unwrap_or_else(|| s.clone());
        warnings.push(format!("{n}: TTP (deaths censored) stands in for PFS (--allow-ttp)"));
    }
    Ok(KnowledgeNetwork {
        population: pop.id.clone(),
        population_name: pop.name.clone(),
        endpoint,
        rows,
        left_out,
        warnings,
        knowledge_version: kb.version().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pnet_network_rows_come_from_the_trial_base_with_sources() {
        let kb = Kb::embedded().unwrap();
        let n = network(kb, "pnet", "pfs", false).unwrap();
        assert!(!n.rows.is_empty());
        // RADIANT-3 everolimus vs placebo, investigator HR 0.35 (0.27–0.45) (trials.md §3.1).
        let r3 = n.rows.iter().find(|r| r.study == "radiant-3").unwrap();
        assert_eq!((r3.treat1.as_str(), r3.treat2.as_str()), ("everolimus", "placebo"));
        assert_eq!(r3.hr, 0.35);
        assert_eq!(r3.ci, [0.27, 0.45]);
        assert!((r3.se - (0.45f64.ln() - 0.27f64.ln()) / (2.0 * 1.959_963_984_540_054)).abs() < 1e-12);
        assert!(!r3.source.reference.is_empty());
        // Trials that cannot be edges are named with a reason.
        assert!(n.left_out.iter().any(|l| l.trial == "oclurandom"));
        assert!(n.left_out.iter().all(|l| !l.reason.is_empty()));
        assert!(n.warnings.iter().any(|w| w.contains("CLARINET")), "{:?}", n.warnings);
    }

    #[test]
    fn bad_population_and_endpoint_name_the_field() {
        let kb = Kb::embedded().unwrap();
        assert_eq!(network(kb, "nowhere", "pfs", false).unwrap_err().field, "--population");
        assert_eq!(network(kb, "pnet", "orr", false).unwrap_err().field, "--endpoint");
        assert_eq!(network(kb, "pnet", "os", true).unwrap_err().field, "--allow-ttp");
    }
}
