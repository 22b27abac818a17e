//! `/evidence`: the evidence explorer — the trial base with filters (as `netrx trials`),
//! forest plots of an agent's randomised hazard ratios (as `netrx forest`) and indirect
//! comparisons (as `netrx compare`). Knowledge only, no patient data: every signed-in
//! role may use it.

use super::charts::{self, Chart};
use super::session::Page;
use super::view::{Src, kb_src, num};
use super::{Chrome, render};
use crate::Shared;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use netrx_clinical::compare::{CompareError, Request, compare};
use netrx_kb::Kb;
use netrx_kb::trials::{Endpoint, Median, Outcome, TimeUnit, Trial, fmt_median, fmt_ratio};

/// A trial row of the table.
pub struct TrialRow {
    /// Trial id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Registry numbers.
    pub registry: String,
    /// Phase.
    pub phase: String,
    /// Design (randomised, blinding).
    pub design: String,
    /// Population description.
    pub population: String,
    /// Population ids it belongs to.
    pub populations: String,
    /// Patients randomised / enrolled.
    pub n: String,
    /// "Everolimus vs Placebo".
    pub arms: String,
    /// The headline result with units.
    pub headline: String,
    /// Every result, each with its source.
    pub results: Vec<ResultRow>,
    /// The trial's main publication / design source.
    pub src: Src,
}

/// One result of a trial.
pub struct ResultRow {
    /// Cohort label.
    pub cohort: String,
    /// "PFS: 11.0 vs 4.6 months; HR 0.35 (95 % CI 0.27–0.45); P<0.001".
    pub text: String,
    /// Analysis description.
    pub analysis: String,
    /// Its source.
    pub src: Src,
}

/// A successful comparison as shown.
pub struct CompareView {
    /// "Everolimus vs Sunitinib — pancreatic NET (pnet), progression-free survival".
    pub title: String,
    /// "HR 0.91 (95 % CI 0.52–1.58), p = 0.74".
    pub estimate: String,
    /// "direct randomised estimate" or "derived: Bucher adjusted indirect comparison".
    pub method: String,
    /// Which treatment HR < 1 favours.
    pub favours: String,
    /// The path's trials: "RADIANT-3: everolimus vs placebo, HR 0.35 (0.27–0.45)" with sources.
    pub inputs: Vec<(String, Src)>,
    /// Pooled links.
    pub pooled: Vec<String>,
    /// The assumption.
    pub assumption: String,
    /// How to read it.
    pub interpretation: String,
    /// Heterogeneity and other warnings.
    pub warnings: Vec<String>,
    /// Checks without concern.
    pub no_concern: Vec<String>,
    /// Sensitivity analyses and other routes.
    pub variants: Vec<String>,
    /// Status of the estimate (derived).
    pub status: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    chrome: Chrome,
    q: Vec<(String, String)>,
    nodes: Vec<(String, String)>,
    populations: Vec<(String, String)>,
    sites: Vec<(String, String)>,
    endpoints: Vec<(String, String)>,
    trials: Vec<TrialRow>,
    total_trials: usize,
    trial_errors: Vec<String>,
    forest: Result<Chart, String>,
    forest_agent_name: String,
    compare: Option<Result<CompareView, String>>,
}

impl EvidencePage {
    fn get(&self, k: &str) -> &str {
        self.q
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn sel(&self, k: &str, v: &str) -> bool {
        self.get(k) == v
    }

    /// Hidden inputs that keep the other sections' choices.
    fn keep(&self, prefix: &str) -> Vec<(String, String)> {
        self.q
            .iter()
            .filter(|(k, v)| !k.starts_with(prefix) && !v.is_empty())
            .cloned()
            .collect()
    }
}

fn median(m: &Median, unit: TimeUnit) -> String {
    match m {
        Median::NotReached => "not reached".into(),
        Median::Value(v) => format!(
            "{} {}",
            fmt_median(*v),
            match unit {
                TimeUnit::Months => "months",
                TimeUnit::Weeks => "weeks",
            }
        ),
    }
}

/// One line for a result: endpoint, per-arm values with units, effect with CI, p.
pub fn result_text(kb: &Kb, t: &Trial, r: &Outcome) -> String {
    let mut s = r.endpoint.label().to_string();
    if let Some(l) = r.landmark_months {
        s.push_str(&format!(" at {} months", num(l, 1)));
    }
    let arms: Vec<String> = r
        .arms
        .iter()
        .filter_map(|v| {
            let name = t
                .arm(&v.arm)
                .map(|a| kb.agents.node_name(&a.node).to_string())
                .unwrap_or_else(|| v.arm.clone());
            let val = if let Some(m) = &v.median {
                Some(median(m, r.unit))
            } else if let Some(p) = v.percent {
                Some(format!("{} %", num(p, 1)))
            } else {
                v.orr.map(|o| format!("ORR {} %", num(o, 1)))
            };
            val.map(|x| format!("{x} ({name})"))
        })
        .collect();
    if !arms.is_empty() {
        s.push_str(": ");
        s.push_str(&arms.join(" vs "));
    }
    if let Some(e) = &r.effect {
        let ci =
            e.ci.map(|[l, h]| format!(" (95 % CI {}–{})", fmt_ratio(l), fmt_ratio(h)))
                .unwrap_or_default();
        s.push_str(&format!(
            "; {} {}{}{ci}",
            e.measure.label(),
            if e.approximate { "≈" } else { "" },
            fmt_ratio(e.value)
        ));
    }
    if let Some(p) = &r.p {
        s.push_str(&format!("; {}", p.display()));
    }
    if let Some(a) = r.assessment {
        s.push_str(&format!("; {}", a.label()));
    }
    s
}

fn trial_row(kb: &Kb, t: &Trial) -> TrialRow {
    let arms: Vec<String> = t
        .arms
        .iter()
        .map(|a| kb.agents.node_name(&a.node).to_string())
        .collect();
    let results = t
        .results
        .iter()
        .map(|r| ResultRow {
            cohort: t.cohort_label(&r.cohort),
            text: result_text(kb, t, r),
            analysis: r.analysis.clone(),
            src: kb_src(&r.source),
        })
        .collect();
    TrialRow {
        id: t.id.clone(),
        name: t.name.clone(),
        registry: t.registry.join(", "),
        phase: t.phase.clone(),
        design: format!("{}, {}", t.design.kind.label(), t.design.blinding.label()),
        population: t.population.description.clone(),
        populations: kb
            .populations
            .of_trial(&t.id)
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
            .join(", "),
        n: t.population.n.map(|n| n.to_string()).unwrap_or_else(|| "–".into()),
        arms: arms.join(" vs "),
        headline: t
            .headline()
            .map(|r| result_text(kb, t, r))
            .unwrap_or_else(|| "–".into()),
        results,
        src: kb_src(&t.design.source),
    }
}

/// The trials matching the filters (the filters of `netrx trials`), or the errors naming the filter.
pub fn filter_trials<'k>(kb: &'k Kb, q: &[(String, String)]) -> (Vec<&'k Trial>, Vec<String>) {
    let get = |k: &str| {
        q.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut list: Vec<&Trial> = kb.trials.trials.iter().collect();
    let mut errors = Vec::new();
    if let Some(ag) = get("t_agent") {
        match kb.agents.resolve_node(ag) {
            Some(id) => list.retain(|t| t.arms.iter().any(|x| x.node == id || x.agents.iter().any(|g| g == id))),
            None => errors.push(format!(
                "Agent: got {ag:?}; allowed: {}",
                kb.agents.node_ids().join(", ")
            )),
        }
    }
    if let Some(s) = get("t_site") {
        let k = netrx_kb::agents::normalise(s);
        if let Some(p) = kb.populations.population(&k) {
            list.retain(|t| p.members.iter().any(|m| m.trial == t.id));
        } else if kb.populations.site(&k).is_some() {
            list.retain(|t| t.population.sites.contains(&k) || t.cohorts.iter().any(|c| c.sites.contains(&k)));
        } else {
            errors.push(format!(
                "Population or site: got {s:?}; allowed: a population or a primary site from the list"
            ));
        }
    }
    if let Some(p) = get("t_phase") {
        match p {
            "1" | "2" | "3" | "4" => {
                let n: u8 = p.parse().unwrap_or(0);
                list.retain(|t| t.phase_numbers().contains(&n));
            }
            "observational" => list.retain(|t| t.phase == "observational"),
            _ => errors.push(format!("Phase: got {p:?}; allowed: 1, 2, 3, 4, observational")),
        }
    }
    if let Some(e) = get("t_endpoint") {
        match Endpoint::parse(e) {
            Some(ep) => list.retain(|t| t.results.iter().any(|r| r.endpoint == ep)),
            None => errors.push(format!(
                "Endpoint: got {e:?}; allowed: {}",
                Endpoint::ALL.iter().map(|x| x.id()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
    (list, errors)
}

fn compare_view(kb: &Kb, q: &[(String, String)]) -> Option<Result<CompareView, String>> {
    let get = |k: &str| {
        q.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let (a, b, population) = (get("c_a"), get("c_b"), get("c_population"));
    if a.is_empty() && b.is_empty() {
        return None;
    }
    let endpoint = match get("c_endpoint") {
        e if e.is_empty() => "pfs".to_string(),
        e => e,
    };
    let req = Request {
        a,
        b,
        population,
        endpoint,
        allow_ttp: get("c_ttp") == "1",
    };
    Some(match compare(kb, &req) {
        Ok(c) => {
            let f2 = |x: f64| format!("{x:.2}");
            let p = if c.p < 0.001 {
                "p < 0.001".to_string()
            } else {
                format!("p = {:.3}", c.p)
            };
            let mut inputs = Vec::new();
            let mut pooled = Vec::new();
            for l in &c.links {
                for i in &l.inputs {
                    let cohort = if i.cohort == "all" {
                        String::new()
                    } else {
                        format!(" ({})", i.cohort_label)
                    };
                    let ass = i.assessment.map(|a| format!(", {}", a.label())).unwrap_or_default();
                    inputs.push((
                        format!(
                            "{}{cohort}: {} vs {}, HR {} (95 % CI {}–{}){ass}",
                            i.trial_name,
                            kb.agents.node_name(&i.contrast[0]),
                            kb.agents.node_name(&i.contrast[1]),
                            fmt_ratio(i.hr),
                            fmt_ratio(i.ci[0]),
                            fmt_ratio(i.ci[1])
                        ),
                        kb_src(&i.source),
                    ));
                }
                if l.inputs.len() > 1 {
                    pooled.push(format!(
                        "pooled {} vs {}: HR {} (95 % CI {}–{})",
                        kb.agents.node_name(&l.from),
                        kb.agents.node_name(&l.to),
                        f2(l.hr),
                        f2(l.ci_low),
                        f2(l.ci_high)
                    ));
                }
            }
            let mut variants: Vec<String> = c
                .sensitivity
                .iter()
                .map(|v| {
                    format!(
                        "Sensitivity — {}: HR {} ({}–{})",
                        v.label,
                        f2(v.hr),
                        f2(v.ci_low),
                        f2(v.ci_high)
                    )
                })
                .collect();
            variants.extend(c.alternatives.iter().map(|v| {
                format!(
                    "Other route — {} [{}]: HR {} ({}–{})",
                    v.label,
                    v.path.join(", "),
                    f2(v.hr),
                    f2(v.ci_low),
                    f2(v.ci_high)
                )
            }));
            Ok(CompareView {
                title: format!(
                    "{} vs {} — {} ({}), {}",
                    c.a_name,
                    c.b_name,
                    c.population_name,
                    c.population,
                    c.endpoint.label()
                ),
                estimate: format!("HR {} (95 % CI {}–{}), {p}", f2(c.hr), f2(c.ci_low), f2(c.ci_high)),
                method: if c.estimate == "published" {
                    "direct randomised estimate: the trial's published HR and CI, not computed by netrx".into()
                } else if c.method == "direct" {
                    "direct randomised estimate, pooled by netrx from the trials that compared the two".into()
                } else {
                    "derived by netrx: Bucher adjusted indirect comparison (not a published result)".into()
                },
                favours: c.a_name.clone(),
                inputs,
                pooled,
                assumption: c.assumption.clone(),
                interpretation: c.interpretation.clone(),
                warnings: c.warnings.clone(),
                no_concern: c.checks.iter().filter(|x| !x.warn).map(|x| x.detail.clone()).collect(),
                variants,
                status: c.status.mark().to_string(),
            })
        }
        Err(CompareError::Input(e)) => Err(format!("{}: {}", field_label(&e.field), e.message)),
        Err(CompareError::Refused(r)) => Err(format!("No estimate: {r}")),
    })
}

fn field_label(f: &str) -> &str {
    match f {
        "A" => "Treatment A",
        "B" => "Treatment B",
        "--population" => "Population",
        "--endpoint" => "Endpoint",
        other => other,
    }
}

/// `GET /evidence`.
pub async fn page(State(st): State<Shared>, page: Page, uri: Uri) -> Response {
    let q: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let kb = st.kb;
    let (list, trial_errors) = filter_trials(kb, &q);
    let trials: Vec<TrialRow> = list.iter().map(|t| trial_row(kb, t)).collect();
    let get = |k: &str| {
        q.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let f_agent = get("f_agent").unwrap_or_else(|| "everolimus".into());
    let f_endpoint = get("f_endpoint").unwrap_or_else(|| "pfs".into());
    let f_population = get("f_population");
    let forest = charts::forest(kb, &f_agent, &f_endpoint, f_population.as_deref());
    let forest_agent_name = kb
        .agents
        .resolve_node(&f_agent)
        .map(|n| kb.agents.node_name(n).to_string())
        .unwrap_or(f_agent.clone());
    let compare = compare_view(kb, &q);
    let mut nodes: Vec<(String, String)> = kb
        .agents
        .node_ids()
        .into_iter()
        .map(|n| (n.to_string(), kb.agents.node_name(n).to_string()))
        .collect();
    nodes.sort_by_key(|a| a.1.to_lowercase());
    let populations = kb
        .populations
        .populations
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let sites = kb
        .populations
        .site_ids()
        .into_iter()
        .map(|s| (s.to_string(), kb.populations.site_name(s).to_string()))
        .collect();
    let endpoints = Endpoint::ALL
        .iter()
        .map(|e| (e.id().to_string(), e.label().to_string()))
        .collect();
    let mut q = q;
    for (k, v) in [("f_agent", f_agent), ("f_endpoint", f_endpoint)] {
        if !q.iter().any(|(a, _)| a == k) {
            q.push((k.to_string(), v));
        }
    }
    let status = if trial_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        status,
        &EvidencePage {
            chrome: Chrome::new(&st, &page, "Evidence explorer", "evidence"),
            q,
            nodes,
            populations,
            sites,
            endpoints,
            total_trials: kb.trials.trials.len(),
            trials,
            trial_errors,
            forest,
            forest_agent_name,
            compare,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn filters_match_the_trial_base() {
        let kb = Kb::embedded().unwrap();
        let (all, e) = filter_trials(kb, &[]);
        assert!(e.is_empty() && all.len() == kb.trials.trials.len());
        let (evero, _) = filter_trials(kb, &q(&[("t_agent", "everolimus"), ("t_phase", "3")]));
        let names: Vec<&str> = evero.iter().map(|t| t.name.as_str()).collect();
        assert!(
            names.contains(&"RADIANT-3") && names.contains(&"RADIANT-4"),
            "{names:?}"
        );
        assert!(evero.iter().all(|t| t.phase_numbers().contains(&3)));
        let (_, errs) = filter_trials(kb, &q(&[("t_agent", "aspirin"), ("t_phase", "9")]));
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn radiant3_headline_has_units_ci_and_p() {
        let kb = Kb::embedded().unwrap();
        let t = kb.trials.get("radiant-3").unwrap();
        let row = trial_row(kb, t);
        // Yao, NEJM 2011: median PFS 11.0 vs 4.6 months, HR 0.35 (0.27–0.45), P<0.001.
        assert!(
            row.headline.contains("11.0 months") && row.headline.contains("4.6 months"),
            "{}",
            row.headline
        );
        assert!(row.headline.contains("HR 0.35 (95 % CI 0.27–0.45)"), "{}", row.headline);
        assert!(row.results.iter().all(|r| !r.src.reference.is_empty()));
    }

    #[test]
    fn comparison_is_the_compare_function() {
        let kb = Kb::embedded().unwrap();
        let v = compare_view(
            kb,
            &q(&[("c_a", "everolimus"), ("c_b", "sunitinib"), ("c_population", "pnet")]),
        )
        .unwrap()
        .unwrap();
        let c = compare(
            kb,
            &Request {
                a: "everolimus".into(),
                b: "sunitinib".into(),
                population: "pnet".into(),
                endpoint: "pfs".into(),
                allow_ttp: false,
            },
        )
        .unwrap();
        assert!(
            v.estimate
                .starts_with(&format!("HR {:.2} (95 % CI {:.2}–{:.2})", c.hr, c.ci_low, c.ci_high))
        );
        let bad = compare_view(kb, &q(&[("c_a", "everolimus"), ("c_b", "x"), ("c_population", "pnet")]));
        assert!(matches!(bad, Some(Err(m)) if m.starts_with("Treatment B")));
    }
}
