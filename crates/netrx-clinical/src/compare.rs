//! Indirect comparisons over the trial base (`netrx compare`).
//!
//! For two treatments (agent or regimen ids) in a population (`pnet`, `gi_lung`,
//! `midgut`, `lung`, `gep`) and an endpoint, netrx builds the evidence network from
//! the population's member cohorts — one edge per randomised, comparative trial
//! cohort whose preferred analysis of that endpoint reports a hazard ratio with a
//! confidence interval — and answers with:
//! - the **direct** estimate when a trial compared the two (several trials are pooled,
//!   fixed effect, with Cochran's Q and I²);
//! - otherwise a **Bucher** adjusted indirect comparison through a shared comparator
//!   (or a chain of them; the shortest path with the smallest variance is used and the
//!   other routes are reported);
//! - or a **refusal** naming what each treatment connects to and which trials could not
//!   be used, when the network is disconnected.
//!
//! Heterogeneity warnings are derived from the trial data (population, design and
//! result fields), never written per comparison: progression at entry, site mix,
//! outcome assessment, crossover (for OS), early stopping, era, and further checks
//! (blinding, region, prior therapy, functional status, Ki-67 ceiling, the comparator's
//! SSA background, TTP standing in for PFS, interim analyses, unverified inputs).
//! Sensitivity estimates swap in each trial's other analyses (e.g. central instead of
//! investigator review). Every estimate is labelled *derived*: netrx computed it from
//! published hazard ratios; it is not a published result.

use netrx_case::InputError;
use netrx_kb::Kb;
use netrx_kb::agents::Agents;
use netrx_kb::populations::Fit;
use netrx_kb::populations::Populations;
use netrx_kb::provenance::{Source, Status};
use netrx_kb::trials::Trials;
use netrx_kb::trials::{
    AnalysisKind, Assessment, Blinding, Contrast, CrossoverPolicy, Endpoint, Outcome, Progression, SsaBackground,
    StoppedEarly, Trial,
};
use netrx_stats::indirect::{LogRatio, chain, pool_fixed};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

/// The evidence part of the knowledge base that comparisons need.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'k> {
    pub agents: &'k Agents,
    pub populations: &'k Populations,
    pub trials: &'k Trials,
    /// The knowledge version reported with every answer.
    pub knowledge_version: &'k str,
}

impl<'k> Evidence<'k> {
    /// The evidence of a loaded knowledge base.
    pub fn of(kb: &'k Kb) -> Self {
        Evidence {
            agents: &kb.agents,
            populations: &kb.populations,
            trials: &kb.trials,
            knowledge_version: kb.version(),
        }
    }

    fn version(&self) -> &'k str {
        self.knowledge_version
    }
}

/// Endpoints `compare` accepts.
pub const ENDPOINTS: &[&str] = &["pfs", "ttp", "os"];

/// What to compare.
#[derive(Debug, Clone)]
pub struct Request {
    pub a: String,
    pub b: String,
    pub population: String,
    /// `pfs` (default), `ttp` or `os`.
    pub endpoint: String,
    /// Let TTP results stand in for PFS (with a warning) when the endpoint is PFS.
    pub allow_ttp: bool,
}

/// One trial estimate used on the path.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub trial: String,
    pub trial_name: String,
    pub cohort: String,
    pub cohort_label: String,
    /// `[treat1, treat2]`: the published HR is treat1 vs treat2.
    pub contrast: [String; 2],
    pub hr: f64,
    pub ci: [f64; 2],
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    pub analysis: String,
    /// How the cohort's sites fit the population.
    pub fit: Fit,
    pub source: Source,
}

/// One link of the path: the (pooled) estimate of `from` vs `to`.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub hr: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub log_hr: f64,
    pub se: f64,
    /// The trials on this link (several = pooled, fixed effect).
    pub inputs: Vec<Input>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heterogeneity: Option<PoolStats>,
}

/// Heterogeneity of a pooled link.
#[derive(Debug, Clone, Serialize)]
pub struct PoolStats {
    pub q: f64,
    pub df: usize,
    pub i2: f64,
    pub p: f64,
}

/// One heterogeneity check and its outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `progression_at_entry`, `site_mix`, `assessment`, `crossover`, `stopped_early`, `era`, …
    pub check: &'static str,
    /// Whether it raises a warning.
    pub warn: bool,
    pub detail: String,
}

/// An estimate with another choice of inputs (sensitivity analysis) or another route.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub label: String,
    pub hr: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p: f64,
    pub path: Vec<String>,
}

/// A comparison result.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub knowledge_version: String,
    pub a: String,
    pub a_name: String,
    pub b: String,
    pub b_name: String,
    pub population: String,
    pub population_name: String,
    pub endpoint: Endpoint,
    /// HR of `a` vs `b` (< 1 favours `a`).
    pub hr: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// p of HR = 1: two-sided Wald p on the log scale, or the trial's published p for a
    /// direct single-trial answer (see `p_method`).
    pub p: f64,
    /// `published` (a single trial's reported p) or `wald` (computed from log HR / SE).
    pub p_method: &'static str,
    pub log_hr: f64,
    pub se: f64,
    /// `direct` or `bucher`.
    pub method: &'static str,
    /// Trial ids used, in path order.
    pub path: Vec<String>,
    /// Nodes along the path, from `a` to `b`.
    pub nodes: Vec<String>,
    pub links: Vec<Link>,
    /// The assumption the estimate rests on.
    pub assumption: String,
    /// What the estimate does and does not show.
    pub interpretation: String,
    pub warnings: Vec<String>,
    /// Every heterogeneity check made, including those that passed.
    pub checks: Vec<Check>,
    /// The same comparison with each trial's other analyses (e.g. the other assessment).
    pub sensitivity: Vec<Variant>,
    /// Other routes through the network (a consistency check).
    pub alternatives: Vec<Variant>,
    /// `derived` (computed by netrx from published HRs, not a published result), or for a
    /// direct single-trial answer the status of the trial's own figure.
    pub status: Status,
    /// `published`: a direct answer from one head-to-head trial — the trial's own HR and CI (and
    /// its p where `p_method` is `published`), as reported. `derived`: computed by netrx (a Bucher
    /// indirect comparison, or several direct trials pooled).
    pub estimate: &'static str,
}

/// Why a comparison is not given.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub knowledge_version: String,
    pub a: String,
    pub b: String,
    pub population: String,
    pub endpoint: Endpoint,
    pub reason: String,
    /// What each treatment connects to in this population's network.
    pub a_connects_to: Vec<String>,
    pub b_connects_to: Vec<String>,
    /// Trials in the population involving either treatment whose results cannot be used, and why.
    pub unusable: Vec<String>,
    /// The keys of the comparison contract, present with no estimate: `hr`, `ci_low`, `ci_high`,
    /// `p` and `method` are null, `path` and `warnings` empty; `reason` says why.
    pub hr: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<&'static str>,
    pub path: Vec<String>,
    pub warnings: Vec<String>,
    /// Always true: no estimate is given.
    pub refused: bool,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)?;
        if !self.unusable.is_empty() {
            write!(f, " Not usable: {}.", self.unusable.join("; "))?;
        }
        Ok(())
    }
}

/// A failed comparison.
#[derive(Debug, Clone)]
pub enum CompareError {
    /// Unknown agent, population or endpoint (exit 2 on the CLI).
    Input(InputError),
    /// The network cannot support the comparison.
    Refused(Box<Refusal>),
}

impl From<InputError> for CompareError {
    fn from(e: InputError) -> Self {
        CompareError::Input(e)
    }
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::Input(e) => write!(f, "{e}"),
            CompareError::Refused(r) => write!(f, "{r}"),
        }
    }
}

/// Parse an endpoint id; the error names `field`.
pub fn parse_endpoint(field: &str, s: &str) -> Result<Endpoint, InputError> {
    match Endpoint::parse(s) {
        Some(e) if ENDPOINTS.contains(&e.id()) => Ok(e),
        _ => Err(InputError::invalid(field, format!("{s:?}"), ENDPOINTS.join(", "))),
    }
}

/// Resolve a treatment (agent or regimen id or alias); the error names `field` and lists the ids.
pub fn resolve_treatment<'k>(kb: &Evidence<'k>, field: &str, s: &str) -> Result<&'k str, InputError> {
    kb.agents
        .resolve_node(s)
        .ok_or_else(|| InputError::invalid(field, format!("{s:?}"), kb.agents.node_ids().join(", ")))
}

/// Resolve a population id; the error lists the ids.
pub fn resolve_population<'k>(
    kb: &Evidence<'k>,
    field: &str,
    s: &str,
) -> Result<&'k netrx_kb::populations::Population, InputError> {
    let k = netrx_kb::agents::normalise(s);
    kb.populations
        .population(&k)
        .ok_or_else(|| InputError::invalid(field, format!("{s:?}"), kb.populations.ids().join(", ")))
}

struct Edge<'k> {
    c: Contrast,
    trial: &'k Trial,
    result: &'k Outcome,
}

impl Edge<'_> {
    fn log_ratio(&self) -> LogRatio {
        LogRatio {
            est: self.c.log_hr,
            se: self.c.se,
        }
    }
}

fn find_result<'k>(t: &'k Trial, c: &Contrast) -> &'k Outcome {
    t.results
        .iter()
        .find(|r| {
            r.cohort == c.cohort
                && r.endpoint == c.endpoint
                && r.assessment == c.assessment
                && r.kind == c.kind
                && r.effect.as_ref().is_some_and(|e| e.value == c.hr && e.ci == Some(c.ci))
        })
        .expect("a contrast comes from a result")
}

fn edges<'k>(kb: &Evidence<'k>, population: &str, endpoints: &[Endpoint], all: bool) -> Vec<Edge<'k>> {
    let mut out = Vec::new();
    for &ep in endpoints {
        for c in kb.trials.contrasts(kb.agents, kb.populations, population, ep, all) {
            let trial = kb.trials.by_id(&c.study).expect("contrast study exists");
            let result = find_result(trial, &c);
            out.push(Edge { c, trial, result });
        }
    }
    out
}

fn key(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// All shortest paths (as node lists) from `a` to `b`, optionally without the direct edge.
fn shortest_paths(adj: &BTreeMap<String, BTreeSet<String>>, a: &str, b: &str, skip_direct: bool) -> Vec<Vec<String>> {
    let mut dist: BTreeMap<&str, usize> = BTreeMap::new();
    let mut q = VecDeque::new();
    dist.insert(a, 0);
    q.push_back(a);
    while let Some(u) = q.pop_front() {
        let d = dist[u];
        for v in adj.get(u).into_iter().flatten() {
            if skip_direct && ((u == a && v == b) || (u == b && v == a)) {
                continue;
            }
            if !dist.contains_key(v.as_str()) {
                dist.insert(v, d + 1);
                q.push_back(v);
            }
        }
    }
    if !dist.contains_key(b) {
        return Vec::new();
    }
    // Enumerate paths backwards along decreasing distance.
    let mut out = Vec::new();
    let mut stack: Vec<Vec<String>> = vec![vec![b.to_string()]];
    while let Some(p) = stack.pop() {
        let last = p.last().unwrap().clone();
        if last == a {
            let mut p = p;
            p.reverse();
            out.push(p);
            continue;
        }
        let dl = dist[last.as_str()];
        for v in adj.get(&last).into_iter().flatten() {
            if skip_direct && ((last == a && v == b) || (last == b && v == a)) {
                continue;
            }
            if dist.get(v.as_str()) == Some(&(dl.wrapping_sub(1))) && dl > 0 {
                let mut np = p.clone();
                np.push(v.clone());
                stack.push(np);
            }
        }
        if out.len() > 50 {
            break;
        }
    }
    out.sort();
    out
}

fn num2(x: f64) -> String {
    format!("{x:.2}")
}

fn input_of(e: &Edge) -> Input {
    Input {
        trial: e.trial.id.clone(),
        trial_name: e.trial.name.clone(),
        cohort: e.c.cohort.clone(),
        cohort_label: e.trial.cohort_label(&e.c.cohort),
        contrast: [e.c.treat1.clone(), e.c.treat2.clone()],
        hr: e.c.hr,
        ci: e.c.ci,
        endpoint: e.c.endpoint,
        assessment: e.c.assessment,
        analysis: e.result.analysis.clone(),
        fit: e.c.fit,
        source: e.c.source.clone(),
    }
}

/// Estimate of `from` vs `to` from the edges between them (pooled if several).
fn link(from: &str, to: &str, es: &[&Edge]) -> Link {
    let oriented: Vec<LogRatio> = es
        .iter()
        .map(|e| {
            let lr = e.log_ratio();
            if e.c.treat1 == from { lr } else { lr.inverse() }
        })
        .collect();
    let (est, het) = if oriented.len() == 1 {
        (oriented[0], None)
    } else {
        let p = pool_fixed(&oriented).expect("edges have positive SEs");
        (
            p.estimate,
            Some(PoolStats {
                q: p.q,
                df: p.df,
                i2: p.i2,
                p: p.p_heterogeneity,
            }),
        )
    };
    // A single trial keeps its published CI (the SE only serves the combination).
    let (lo, hi) = if es.len() == 1 {
        let [l, h] = es[0].c.ci;
        if es[0].c.treat1 == from {
            (l, h)
        } else {
            (1.0 / h, 1.0 / l)
        }
    } else {
        est.ci(95.0).expect("95 % is a valid level")
    };
    Link {
        from: from.to_string(),
        to: to.to_string(),
        hr: est.ratio(),
        ci_low: lo,
        ci_high: hi,
        log_hr: est.est,
        se: est.se,
        inputs: es.iter().map(|e| input_of(e)).collect(),
        heterogeneity: het,
    }
}

fn combine(links: &[Link]) -> LogRatio {
    chain(
        &links
            .iter()
            .map(|l| LogRatio {
                est: l.log_hr,
                se: l.se,
            })
            .collect::<Vec<_>>(),
    )
    .expect("a path has at least one link")
}

fn variant(label: String, est: LogRatio, path: Vec<String>) -> Variant {
    let (lo, hi) = est.ci(95.0).expect("95 % is a valid level");
    Variant {
        label,
        hr: est.ratio(),
        ci_low: lo,
        ci_high: hi,
        p: est.p_value(),
        path,
    }
}

fn path_trials(links: &[Link]) -> Vec<String> {
    let mut v = Vec::new();
    for l in links {
        for i in &l.inputs {
            if !v.contains(&i.trial) {
                v.push(i.trial.clone());
            }
        }
    }
    v
}

/// Compare `a` with `b` in a population.
///
/// Memoised: a comparison is a pure function of the knowledge base and the resolved request
/// (treatments, population, endpoint, `allow_ttp`), so answers and refusals are kept per
/// knowledge version (the content hash of every knowledge file) and handed out again as they
/// were computed. `assess` asks for the same comparisons for every patient of a site; the
/// server asks on every request. Bad input is checked each time and never kept; the memo is
/// bounded ([`MEMO_CAPACITY`]). [`compare_in`] computes without the memo.
pub fn compare(kb: &Kb, req: &Request) -> Result<Comparison, CompareError> {
    let ev = Evidence::of(kb);
    let key = memo_key(&ev, req)?;
    let memo = MEMO.get_or_init(Default::default);
    if let Some(hit) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return answer_of(&hit);
    }
    let answer = match compare_in(&ev, req) {
        Ok(c) => Ok(c),
        Err(CompareError::Refused(r)) => Err(r),
        Err(e @ CompareError::Input(_)) => return Err(e),
    };
    let answer = Arc::new(answer);
    if let Ok(mut m) = memo.lock() {
        if m.len() >= MEMO_CAPACITY {
            m.clear();
        }
        m.insert(key, answer.clone());
    }
    answer_of(&answer)
}

/// Answers [`compare`] keeps (whole knowledge bases × requests) before starting afresh.
pub const MEMO_CAPACITY: usize = 4096;

/// A kept answer: the comparison or the refusal.
type Answer = Result<Comparison, Box<Refusal>>;

/// What a comparison depends on besides the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct MemoKey {
    knowledge_version: String,
    a: String,
    b: String,
    population: String,
    endpoint: Endpoint,
    allow_ttp: bool,
}

static MEMO: OnceLock<Mutex<HashMap<MemoKey, Arc<Answer>>>> = OnceLock::new();

/// The memo key of a request, after the input checks [`compare_in`] makes first.
fn memo_key(kb: &Evidence, req: &Request) -> Result<MemoKey, CompareError> {
    let a = resolve_treatment(kb, "A", &req.a)?;
    let b = resolve_treatment(kb, "B", &req.b)?;
    let pop = resolve_population(kb, "--population", &req.population)?;
    let endpoint = parse_endpoint("--endpoint", &req.endpoint)?;
    Ok(MemoKey {
        knowledge_version: kb.version().to_string(),
        a: a.to_string(),
        b: b.to_string(),
        population: pop.id.clone(),
        endpoint,
        allow_ttp: req.allow_ttp,
    })
}

fn answer_of(a: &Answer) -> Result<Comparison, CompareError> {
    match a {
        Ok(c) => Ok(c.clone()),
        Err(r) => Err(CompareError::Refused(r.clone())),
    }
}

/// [`compare`] on the evidence part alone.
pub fn compare_in(kb: &Evidence, req: &Request) -> Result<Comparison, CompareError> {
    let a = resolve_treatment(kb, "A", &req.a)?;
    let b = resolve_treatment(kb, "B", &req.b)?;
    let pop = resolve_population(kb, "--population", &req.population)?;
    let endpoint = parse_endpoint("--endpoint", &req.endpoint)?;
    if a == b {
        return Err(InputError::new(
            "B",
            format!("got {b:?}, the same treatment as A; allowed: a different treatment"),
        )
        .into());
    }
    let endpoints: Vec<Endpoint> = if endpoint == Endpoint::Pfs && req.allow_ttp {
        vec![Endpoint::Pfs, Endpoint::Ttp]
    } else {
        vec![endpoint]
    };
    let es = edges(kb, &pop.id, &endpoints, false);
    // With TTP allowed, a trial contributes its PFS edge if it has one, else its TTP edge.
    let es: Vec<Edge> = if endpoints.len() > 1 {
        let with_pfs: BTreeSet<(String, String)> = es
            .iter()
            .filter(|e| e.c.endpoint == Endpoint::Pfs)
            .map(|e| (e.c.study.clone(), e.c.cohort.clone()))
            .collect();
        es.into_iter()
            .filter(|e| e.c.endpoint == Endpoint::Pfs || !with_pfs.contains(&(e.c.study.clone(), e.c.cohort.clone())))
            .collect()
    } else {
        es
    };
    let mut by_pair: BTreeMap<(String, String), Vec<&Edge>> = BTreeMap::new();
    let mut adj: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &es {
        by_pair.entry(key(&e.c.treat1, &e.c.treat2)).or_default().push(e);
        adj.entry(e.c.treat1.clone()).or_default().insert(e.c.treat2.clone());
        adj.entry(e.c.treat2.clone()).or_default().insert(e.c.treat1.clone());
    }
    let paths = shortest_paths(&adj, a, b, false);
    if paths.is_empty() {
        return Err(CompareError::Refused(Box::new(refusal(
            kb, a, b, &pop.id, endpoint, &es, &adj,
        ))));
    }
    // Evaluate every shortest path; keep the most precise.
    let build = |p: &[String]| -> Vec<Link> {
        p.windows(2)
            .map(|w| link(&w[0], &w[1], &by_pair[&key(&w[0], &w[1])]))
            .collect()
    };
    let mut evaluated: Vec<(Vec<String>, Vec<Link>, LogRatio)> = paths
        .iter()
        .map(|p| {
            let ls = build(p);
            let est = combine(&ls);
            (p.clone(), ls, est)
        })
        .collect();
    evaluated.sort_by(|x, y| x.2.se.total_cmp(&y.2.se).then_with(|| x.0.cmp(&y.0)));
    let (nodes, links, est) = evaluated.remove(0);
    let direct = nodes.len() == 2;
    let mut alternatives: Vec<Variant> = evaluated
        .into_iter()
        .map(|(p, ls, e)| variant(format!("via {}", p[1..p.len() - 1].join(" → ")), e, path_trials(&ls)))
        .collect();
    if direct {
        // The indirect evidence, where there is any, as a consistency check.
        if let Some(p) = shortest_paths(&adj, a, b, true).first() {
            let ls = build(p);
            let e = combine(&ls);
            alternatives.push(variant(
                format!("indirect, via {} (consistency check)", p[1..p.len() - 1].join(" → ")),
                e,
                path_trials(&ls),
            ));
        }
    }
    // A direct single-trial answer reports the trial's own CI and (two-sided or unstated "=") p.
    let single = direct && links[0].inputs.len() == 1;
    let (lo, hi) = if single {
        (links[0].ci_low, links[0].ci_high)
    } else {
        est.ci(95.0).expect("95 % is a valid level")
    };
    let published_p = if single {
        let i = &links[0].inputs[0];
        let t = kb.trials.get(&i.trial).expect("exists");
        t.results
            .iter()
            .find(|r| r.cohort == i.cohort && r.analysis == i.analysis)
            .and_then(|r| r.p.as_ref())
            .filter(|p| p.relation == "=" && p.sided != netrx_kb::trials::Sidedness::One)
            .map(|p| p.value)
    } else {
        None
    };
    let status = if single {
        links[0].inputs[0].source.status
    } else {
        Status::Derived
    };
    let path = path_trials(&links);
    let trials: Vec<&Trial> = path
        .iter()
        .map(|id| kb.trials.get(id).expect("path trial exists"))
        .collect();
    let checks = heterogeneity(kb, &links, &trials, &nodes, endpoint, pop);
    let mut warnings: Vec<String> = checks.iter().filter(|c| c.warn).map(|c| c.detail.clone()).collect();
    if nodes.len() > 3 {
        warnings.push(format!(
            "Chain of {} links ({}): each link adds its own transitivity assumption and its variance.",
            nodes.len() - 1,
            nodes.join(" → ")
        ));
    }
    for l in &links {
        if let Some(h) = &l.heterogeneity {
            warnings.push(format!(
                "{} vs {} pools {} trials (fixed effect): Q = {:.2} on {} df (p = {:.3}), I² = {:.0} %.",
                kb.agents.node_name(&l.from),
                kb.agents.node_name(&l.to),
                l.inputs.len(),
                h.q,
                h.df,
                h.p,
                h.i2 * 100.0
            ));
        }
    }
    let sensitivity = sensitivity(kb, &pop.id, &endpoints, &nodes, &links);
    let comparators: Vec<String> = nodes[1..nodes.len() - 1]
        .iter()
        .map(|n| kb.agents.node_name(n).to_string())
        .collect();
    let assumption = if direct {
        format!(
            "Direct randomised comparison ({}): no indirect assumption. {}",
            path.join(", "),
            if links[0].inputs.len() > 1 {
                "Several trials are pooled with a fixed-effect (inverse-variance) model, which assumes one common effect."
            } else {
                "The estimate is the trial's own HR."
            }
        )
    } else {
        format!(
            "Adjusted indirect comparison (Bucher 1997) through {}: assumes that each treatment's effect relative to {} would be the same in the other trial's population (transitivity), and proportional hazards in every trial. HR({} vs {}) = {}; SEs from the published 95 % CIs (width / 3.92), variances added.",
            comparators.join(" then "),
            comparators.join(" / "),
            a,
            b,
            links
                .iter()
                .map(|l| format!("HR({} vs {})", l.from, l.to))
                .collect::<Vec<_>>()
                .join(" × ")
        )
    };
    let crosses_one = lo <= 1.0 && hi >= 1.0;
    let interpretation = format!(
        "{} {}",
        if crosses_one {
            "The 95 % CI includes 1: these trials do not show a difference."
        } else if est.est < 0.0 {
            "The 95 % CI excludes 1 in favour of A — subject to the assumption and warnings below."
        } else {
            "The 95 % CI excludes 1 in favour of B — subject to the assumption and warnings below."
        },
        if single {
            "This is the trial's published result."
        } else {
            "Derived by netrx from published hazard ratios; not a published estimate, and not evidence of superiority on its own."
        }
    );
    Ok(Comparison {
        knowledge_version: kb.version().to_string(),
        a: a.to_string(),
        a_name: kb.agents.node_name(a).to_string(),
        b: b.to_string(),
        b_name: kb.agents.node_name(b).to_string(),
        population: pop.id.clone(),
        population_name: pop.name.clone(),
        endpoint,
        hr: est.ratio(),
        ci_low: lo,
        ci_high: hi,
        p: published_p.unwrap_or_else(|| est.p_value()),
        p_method: if published_p.is_some() { "published" } else { "wald" },
        log_hr: est.est,
        se: est.se,
        method: if direct { "direct" } else { "bucher" },
        path,
        nodes,
        links,
        assumption,
        interpretation,
        warnings,
        checks,
        sensitivity,
        alternatives,
        status,
        estimate: if single { "published" } else { "derived" },
    })
}

/// Re-run the chosen path with each trial's other analyses of the same contrast.
fn sensitivity(
    kb: &Evidence,
    population: &str,
    endpoints: &[Endpoint],
    nodes: &[String],
    links: &[Link],
) -> Vec<Variant> {
    let all = edges(kb, population, endpoints, true);
    let mut out = Vec::new();
    for (i, l) in links.iter().enumerate() {
        for inp in &l.inputs {
            for alt in all.iter().filter(|e| {
                e.c.study == inp.trial
                    && e.c.cohort == inp.cohort
                    && key(&e.c.treat1, &e.c.treat2) == key(&l.from, &l.to)
                    && !(e.c.hr == inp.hr && e.c.ci == inp.ci && e.c.assessment == inp.assessment)
            }) {
                // Replace this trial's input on link i by the alternative analysis.
                let mut ls: Vec<LogRatio> = links
                    .iter()
                    .map(|l| LogRatio {
                        est: l.log_hr,
                        se: l.se,
                    })
                    .collect();
                let others: Vec<&Input> = l.inputs.iter().filter(|x| x.trial != inp.trial).collect();
                let mut parts: Vec<LogRatio> = others
                    .iter()
                    .map(|x| {
                        let lr = LogRatio::from_ci(x.hr, x.ci[0], x.ci[1], 95.0).expect("stored CI is valid");
                        if x.contrast[0] == l.from { lr } else { lr.inverse() }
                    })
                    .collect();
                let lr = alt.log_ratio();
                parts.push(if alt.c.treat1 == l.from { lr } else { lr.inverse() });
                ls[i] = pool_fixed(&parts).expect("positive SEs").estimate;
                let est = chain(&ls).expect("non-empty");
                let what = match alt.c.assessment {
                    Some(a) => format!("{} ({})", alt.result.analysis, a.label()),
                    None => alt.result.analysis.clone(),
                };
                let status = alt.c.source.status;
                out.push(variant(
                    format!(
                        "{}: {} — HR {} ({}–{}){}",
                        alt.trial.name,
                        what,
                        num2(alt.c.hr),
                        num2(alt.c.ci[0]),
                        num2(alt.c.ci[1]),
                        if status == Status::Verified {
                            String::new()
                        } else {
                            format!(" [{}]", status.mark())
                        }
                    ),
                    est,
                    path_trials(links),
                ));
            }
        }
    }
    let _ = nodes;
    out
}

fn refusal(
    kb: &Evidence,
    a: &str,
    b: &str,
    population: &str,
    endpoint: Endpoint,
    es: &[Edge],
    adj: &BTreeMap<String, BTreeSet<String>>,
) -> Refusal {
    let connects = |n: &str| -> Vec<String> {
        // Everything reachable from n, with the trials of n's own edges.
        let mut seen = BTreeSet::new();
        let mut q = VecDeque::from([n.to_string()]);
        seen.insert(n.to_string());
        while let Some(u) = q.pop_front() {
            for v in adj.get(&u).into_iter().flatten() {
                if seen.insert(v.clone()) {
                    q.push_back(v.clone());
                }
            }
        }
        seen.remove(n);
        seen.into_iter()
            .map(|m| {
                let ts: BTreeSet<String> = es
                    .iter()
                    .filter(|e| key(&e.c.treat1, &e.c.treat2) == key(n, &m))
                    .map(|e| {
                        if e.c.cohort == "all" {
                            e.trial.name.clone()
                        } else {
                            format!("{}, {}", e.trial.name, e.trial.cohort_label(&e.c.cohort))
                        }
                    })
                    .collect();
                if ts.is_empty() {
                    format!("{m} (via other nodes)")
                } else {
                    format!("{m} ({})", ts.into_iter().collect::<Vec<_>>().join(", "))
                }
            })
            .collect()
    };
    let pop = kb.populations.population(population).expect("resolved");
    let mut unusable = Vec::new();
    for m in &pop.members {
        let Some(t) = kb.trials.get(&m.trial) else { continue };
        let involves = |n: &str| {
            t.arms
                .iter()
                .any(|x| x.node == n || kb.agents.node_agents(&x.node).contains(&n))
        };
        if !(involves(a) || involves(b)) {
            continue;
        }
        if es.iter().any(|e| e.trial.id == t.id) {
            // Used as an edge, but perhaps only through a combination node.
            for n in [a, b] {
                if involves(n) && !t.arms.iter().any(|x| x.node == n) {
                    let nodes: Vec<&str> = t
                        .arms
                        .iter()
                        .filter(|x| kb.agents.node_agents(&x.node).contains(&n))
                        .map(|x| x.node.as_str())
                        .collect();
                    unusable.push(format!(
                        "{} gives {n} only as {} (a separate node; ask for it by that id)",
                        t.name,
                        nodes.join(", ")
                    ));
                }
            }
            continue;
        }
        unusable.push(format!("{} — {}", t.name, why_unusable(t, &m.cohort, endpoint)));
    }
    let ac = connects(a);
    let bc = connects(b);
    let name = |n: &str| kb.agents.node_name(n).to_string();
    let reason = if !adj.contains_key(a) || !adj.contains_key(b) {
        let missing: Vec<String> = [a, b]
            .iter()
            .filter(|n| !adj.contains_key(**n))
            .map(|n| format!("{n} ({})", name(n)))
            .collect();
        format!(
            "Cannot compare {a} with {b} in {population} ({}): no randomised {} hazard ratio with a confidence interval involves {} in this population, so the network cannot support the comparison.",
            endpoint.label(),
            endpoint.label(),
            missing.join(" or ")
        )
    } else {
        format!(
            "Cannot compare {a} with {b} in {population} ({}): the evidence network is disconnected — {a} connects to {}; {b} connects to {}. No trial links the two parts; bridging them would need an untestable assumption that the comparators are equivalent.",
            endpoint.label(),
            if ac.is_empty() {
                "nothing".to_string()
            } else {
                ac.join(", ")
            },
            if bc.is_empty() {
                "nothing".to_string()
            } else {
                bc.join(", ")
            },
        )
    };
    Refusal {
        knowledge_version: kb.version().to_string(),
        a: a.to_string(),
        b: b.to_string(),
        population: population.to_string(),
        endpoint,
        reason,
        a_connects_to: ac,
        b_connects_to: bc,
        unusable,
        hr: None,
        ci_low: None,
        ci_high: None,
        p: None,
        method: None,
        path: Vec::new(),
        warnings: Vec::new(),
        refused: true,
    }
}

fn why_unusable(t: &Trial, cohort: &str, endpoint: Endpoint) -> String {
    use netrx_kb::trials::DesignKind;
    if !t.design.kind.randomised() {
        return format!("{} (no randomised comparison)", t.design.kind.label());
    }
    if t.design.kind == DesignKind::RandomisedNonComparative {
        return "randomised but non-comparative (no between-arm HR)".into();
    }
    if t.design.kind == DesignKind::RandomisedSequence {
        return "compares treatment sequences, not treatments".into();
    }
    let rs: Vec<&Outcome> = t
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
                "reports no {} (its hazard ratios are for {})",
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
        Some(_) => "not usable".into(),
    }
}

fn list(items: &[(String, String)]) -> String {
    items
        .iter()
        .map(|(t, d)| format!("{t}: {d}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn distinct<T: Ord + Clone>(v: impl Iterator<Item = T>) -> usize {
    v.collect::<BTreeSet<T>>().len()
}

/// The heterogeneity checks over the trials on the path.
fn heterogeneity(
    kb: &Evidence,
    links: &[Link],
    trials: &[&Trial],
    nodes: &[String],
    endpoint: Endpoint,
    pop: &netrx_kb::populations::Population,
) -> Vec<Check> {
    let mut out = Vec::new();
    let name = |t: &Trial| t.name.clone();
    let several = trials.len() > 1;

    // 1. Progression at entry.
    let prog: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            let p = &t.population;
            let d = match &p.progression_note {
                Some(n) => format!("{} ({n})", p.progression.label()),
                None => p.progression.label().to_string(),
            };
            (name(t), d)
        })
        .collect();
    let differs = distinct(trials.iter().map(|t| t.population.progression)) > 1;
    let unknown = trials
        .iter()
        .any(|t| t.population.progression == Progression::NotStated);
    out.push(Check {
        check: "progression_at_entry",
        warn: differs || unknown,
        detail: format!(
            "Progression at entry {}: {}",
            if differs {
                "differs"
            } else if unknown {
                "not stated for every trial"
            } else {
                "alike"
            },
            list(&prog)
        ),
    });

    // 2. Site mix.
    let mut site_lines = Vec::new();
    let mut warn_sites = false;
    for l in links {
        for i in &l.inputs {
            let t = kb.trials.get(&i.trial).expect("exists");
            let sites: Vec<&str> = t
                .cohort_sites(&i.cohort)
                .iter()
                .map(|s| kb.populations.site_name(s))
                .collect();
            let what = match i.fit {
                Fit::Exact => "matches the population".to_string(),
                Fit::Subset => format!("covers only part of {} ({})", pop.id, sites.join(", ")),
                Fit::Mixed => format!("includes sites outside {}: {}", pop.id, sites.join(", ")),
            };
            if i.fit != Fit::Exact {
                warn_sites = true;
            }
            let mix = if t.population.site_mix.is_empty() || i.cohort != "all" {
                String::new()
            } else {
                format!(
                    " [{}]",
                    t.population
                        .site_mix
                        .iter()
                        .map(|s| format!("{} {} %", s.label, netrx_kb::trials::num(s.percent)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            site_lines.push((format!("{} ({})", t.name, i.cohort_label), format!("{what}{mix}")));
        }
    }
    out.push(Check {
        check: "site_mix",
        warn: warn_sites,
        detail: format!(
            "Site mix {}: {}",
            if warn_sites {
                "differs from the population"
            } else {
                "matches"
            },
            list(&site_lines)
        ),
    });

    // 3. Outcome assessment.
    let ass: Vec<(String, String)> = links
        .iter()
        .flat_map(|l| l.inputs.iter())
        .map(|i| {
            (
                i.trial_name.clone(),
                i.assessment
                    .map(|a| a.label().to_string())
                    .unwrap_or_else(|| "not stated".into()),
            )
        })
        .collect();
    let a_set: BTreeSet<Option<Assessment>> = links
        .iter()
        .flat_map(|l| l.inputs.iter())
        .map(|i| i.assessment)
        .collect();
    let warn = a_set.len() > 1 || a_set.contains(&None);
    out.push(Check {
        check: "assessment",
        warn,
        detail: format!(
            "Outcome assessment {}: {}",
            if a_set.len() > 1 {
                "differs"
            } else if a_set.contains(&None) {
                "not stated"
            } else {
                "alike"
            },
            list(&ass)
        ),
    });

    // 4. Crossover (matters for OS; after progression it does not change PFS/TTP).
    let xo: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            let d = match &t.design.crossover {
                Some(c) => match (c.policy, c.percent) {
                    (CrossoverPolicy::Allowed | CrossoverPolicy::PostStudy, Some(p)) => {
                        format!(
                            "{} % of controls received the experimental treatment",
                            netrx_kb::trials::num(p)
                        )
                    }
                    (CrossoverPolicy::Allowed, None) => "allowed at progression".into(),
                    (CrossoverPolicy::PostStudy, None) => "after the study".into(),
                    (CrossoverPolicy::NotAllowed, _) => "not allowed".into(),
                    _ => "not stated".into(),
                },
                None => "not recorded".into(),
            };
            (name(t), d)
        })
        .collect();
    let any_xo = trials.iter().any(|t| {
        t.design
            .crossover
            .as_ref()
            .is_some_and(|c| matches!(c.policy, CrossoverPolicy::Allowed | CrossoverPolicy::PostStudy))
    });
    out.push(Check {
        check: "crossover",
        warn: endpoint == Endpoint::Os && any_xo,
        detail: if endpoint == Endpoint::Os {
            format!(
                "Crossover {}: {}",
                if any_xo {
                    "confounds OS (unadjusted OS HRs are not comparable across trials)"
                } else {
                    "none recorded"
                },
                list(&xo)
            )
        } else {
            format!(
                "Crossover happens after progression and does not bias {}: {}",
                endpoint.label(),
                list(&xo)
            )
        },
    });

    // 5. Early stopping.
    let stops: Vec<(String, String)> = trials
        .iter()
        .filter(|t| {
            matches!(
                t.design.stopped_early,
                StoppedEarly::Benefit | StoppedEarly::Interim | StoppedEarly::PoorAccrual
            )
        })
        .map(|t| {
            let why = match t.design.stopped_early {
                StoppedEarly::Benefit => "stopped early for benefit — its effect is likely overestimated",
                StoppedEarly::Interim => "stopped at an interim analysis — interim effects tend to be overestimated",
                _ => "stopped early for poor accrual — underpowered",
            };
            let note = t
                .design
                .stopped_early_note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            (name(t), format!("{why}{note}"))
        })
        .collect();
    // A trial whose early stopping the references do not state is named as such: netrx cannot
    // say that it ran to its planned analysis, so the check does not pass silently.
    let unstated: Vec<String> = trials
        .iter()
        .filter(|t| t.design.stopped_early == StoppedEarly::NotStated)
        .map(|t| name(t))
        .collect();
    let unstated_text = || {
        format!(
            "not stated in the references for {} (whether {} ran to the planned analysis is unknown)",
            unstated.join(", "),
            if unstated.len() == 1 { "it" } else { "they" }
        )
    };
    out.push(Check {
        check: "stopped_early",
        warn: !stops.is_empty() || !unstated.is_empty(),
        detail: match (stops.is_empty(), unstated.is_empty()) {
            (true, true) => "No trial on the path stopped early.".into(),
            (false, true) => format!("Stopped early: {}", list(&stops)),
            (true, false) if unstated.len() == trials.len() => format!("Early stopping {}.", unstated_text()),
            (true, false) => format!(
                "Early stopping {}; the other trials on the path did not stop early.",
                unstated_text()
            ),
            (false, false) => format!("Stopped early: {}; early stopping {}.", list(&stops), unstated_text()),
        },
    });

    // 6. Era.
    let eras: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            (
                name(t),
                t.design
                    .era
                    .as_ref()
                    .map(|e| format!("{}–{} ({})", e.from, e.to, e.basis.replace('_', " ")))
                    .unwrap_or_else(|| "not recorded".into()),
            )
        })
        .collect();
    let mut disjoint = false;
    for (i, x) in trials.iter().enumerate() {
        for y in &trials[i + 1..] {
            if let (Some(p), Some(q)) = (&x.design.era, &y.design.era)
                && (p.to < q.from || q.to < p.from)
            {
                disjoint = true;
            }
        }
    }
    let missing_era = several && trials.iter().any(|t| t.design.era.is_none());
    out.push(Check {
        check: "era",
        warn: disjoint,
        detail: format!(
            "Era {}: {}",
            if disjoint {
                "differs (non-overlapping enrolment periods; imaging, selection and supportive care changed)"
            } else if missing_era {
                "not recorded for every trial"
            } else {
                "overlaps"
            },
            list(&eras)
        ),
    });

    // Further checks.
    let open: Vec<String> = trials
        .iter()
        .filter(|t| t.design.blinding != Blinding::DoubleBlind)
        .map(|t| format!("{} ({})", t.name, t.design.blinding.label()))
        .collect();
    out.push(Check {
        check: "blinding",
        warn: !open.is_empty(),
        detail: if open.is_empty() {
            "All trials on the path were double-blind.".into()
        } else {
            format!(
                "Not double-blind (assessment and attrition bias possible): {}",
                open.join(", ")
            )
        },
    });
    let regions: Vec<String> = trials
        .iter()
        .filter_map(|t| {
            t.design
                .region
                .as_ref()
                .filter(|r| r.as_str() != "international")
                .map(|r| format!("{} ({r} only)", t.name))
        })
        .collect();
    out.push(Check {
        check: "region",
        warn: !regions.is_empty() && several,
        detail: if regions.is_empty() {
            "No single-country trial on the path.".into()
        } else {
            format!("Single-country trials: {}", regions.join(", "))
        },
    });
    let prior: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            let p = &t.population;
            (
                name(t),
                match &p.prior_therapy_note {
                    Some(n) => format!("{} ({n})", p.prior_therapy.label()),
                    None => p.prior_therapy.label().to_string(),
                },
            )
        })
        .collect();
    let prior_differs = distinct(trials.iter().map(|t| t.population.prior_therapy)) > 1;
    out.push(Check {
        check: "prior_therapy",
        warn: prior_differs,
        detail: format!(
            "Line of therapy {}: {}",
            if prior_differs { "differs" } else { "alike" },
            list(&prior)
        ),
    });
    let func: Vec<(String, String)> = trials
        .iter()
        .map(|t| (name(t), t.population.functional.label().to_string()))
        .collect();
    let func_known: BTreeSet<_> = trials
        .iter()
        .map(|t| t.population.functional)
        .filter(|f| *f != netrx_kb::trials::Functional::NotStated)
        .collect();
    out.push(Check {
        check: "functional_status",
        warn: func_known.len() > 1,
        detail: format!(
            "Functional status {}: {}",
            if func_known.len() > 1 {
                "differs"
            } else {
                "alike or not stated"
            },
            list(&func)
        ),
    });
    let ki: Vec<(String, String)> = trials
        .iter()
        .map(|t| {
            (
                name(t),
                t.population.grade.clone().unwrap_or_else(|| "grade not stated".into()),
            )
        })
        .collect();
    let ki_caps: BTreeSet<String> = trials
        .iter()
        .map(|t| {
            t.population
                .ki67_max
                .map(netrx_kb::trials::num)
                .unwrap_or_else(|| "none".into())
        })
        .collect();
    out.push(Check {
        check: "grade",
        warn: several && ki_caps.len() > 1,
        detail: format!(
            "Grade / Ki-67 eligibility {}: {}",
            if ki_caps.len() > 1 { "differs" } else { "alike" },
            list(&ki)
        ),
    });
    // The shared comparator's background (Bucher only).
    if nodes.len() > 2 {
        let mut bg = Vec::new();
        let mut kinds = BTreeSet::new();
        for comp in &nodes[1..nodes.len() - 1] {
            for l in links.iter().filter(|l| &l.from == comp || &l.to == comp) {
                for i in &l.inputs {
                    let t = kb.trials.get(&i.trial).expect("exists");
                    let s = t.population.ssa_background;
                    kinds.insert(s);
                    let d = match s {
                        SsaBackground::None => "no SSA background",
                        SsaBackground::Allowed => "SSA allowed as supportive care",
                        SsaBackground::AllPatients => "every patient received an SSA",
                        SsaBackground::IsComparator => "the comparator is an SSA",
                        SsaBackground::NotStated => "SSA background not stated",
                    };
                    bg.push((format!("{} ({})", t.name, kb.agents.node_name(comp)), d.to_string()));
                }
            }
        }
        bg.dedup();
        let known: BTreeSet<_> = kinds.iter().filter(|k| **k != SsaBackground::NotStated).collect();
        out.push(Check {
            check: "comparator_background",
            warn: known.len() > 1,
            detail: format!(
                "Shared comparator's background {}: {}",
                if known.len() > 1 {
                    "differs (the comparator arms are not the same treatment)"
                } else {
                    "alike or not stated"
                },
                list(&bg)
            ),
        });
    }
    // Endpoint definitions, analyses and provenance of the inputs.
    let inputs: Vec<&Input> = links.iter().flat_map(|l| l.inputs.iter()).collect();
    let ttp: Vec<String> = inputs
        .iter()
        .filter(|i| i.endpoint == Endpoint::Ttp)
        .map(|i| i.trial_name.clone())
        .collect();
    if !ttp.is_empty() && endpoint == Endpoint::Pfs {
        out.push(Check {
            check: "endpoint",
            warn: true,
            detail: format!(
                "TTP stands in for PFS for {} (deaths without progression censored): the endpoints differ.",
                ttp.join(", ")
            ),
        });
    }
    let interim: Vec<String> = inputs
        .iter()
        .filter(|i| {
            let t = kb.trials.get(&i.trial).expect("exists");
            t.results
                .iter()
                .any(|r| r.analysis == i.analysis && r.kind == AnalysisKind::Interim)
        })
        .map(|i| i.trial_name.clone())
        .collect();
    if !interim.is_empty() {
        out.push(Check {
            check: "interim",
            warn: true,
            detail: format!("Interim (immature) analyses used: {}", interim.join(", ")),
        });
    }
    let unverified: Vec<String> = inputs
        .iter()
        .filter_map(|i| {
            let t = kb.trials.get(&i.trial).expect("exists");
            let r = t
                .results
                .iter()
                .find(|r| r.analysis == i.analysis && r.cohort == i.cohort)?;
            let s1 = Trial::value_status(r, "effect", None);
            let s2 = Trial::value_status(r, "effect.ci", None);
            let worst = [s1, s2]
                .into_iter()
                .find(|s| *s != Status::Verified && *s != Status::Derived);
            worst.map(|s| format!("{} HR {} ({}–{}) is {}", i.trial_name, i.hr, i.ci[0], i.ci[1], s.mark()))
        })
        .collect();
    if !unverified.is_empty() {
        out.push(Check {
            check: "input_provenance",
            warn: true,
            detail: format!(
                "Inputs not verified against the primary paper: {}",
                unverified.join("; ")
            ),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Forest-plot data: every randomised HR that tests an agent.

/// One hazard ratio testing the agent (oriented agent vs comparator).
#[derive(Debug, Clone, Serialize)]
pub struct ForestEntry {
    pub trial: String,
    pub trial_name: String,
    pub cohort: String,
    pub cohort_label: String,
    /// A subgroup (or stratum) rather than the whole trial or a separately randomised cohort.
    pub subgroup: bool,
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    pub kind: AnalysisKind,
    pub analysis: String,
    /// The trial's default analysis for this cohort and endpoint.
    pub preferred: bool,
    /// `[agent's arm node, comparator node]`.
    pub contrast: [String; 2],
    /// Name of the agent's arm node (e.g. "Everolimus + octreotide LAR 30 mg").
    pub agent_name: String,
    pub comparator_name: String,
    /// The published HR was comparator vs agent and is shown inverted.
    pub inverted: bool,
    pub hr: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The published figure, as the paper reports it.
    pub published: String,
    /// Patients per arm (agent arm / comparator arm), or the cohort's N.
    pub n: String,
    /// The population ids the trial cohort belongs to.
    pub populations: Vec<String>,
    /// The least certain status of the estimate and its CI.
    pub status: Status,
    pub source: Source,
}

/// Forest-plot data for an agent.
#[derive(Debug, Clone, Serialize)]
pub struct ForestData {
    pub knowledge_version: String,
    pub agent: String,
    pub agent_name: String,
    /// The endpoint asked for; with `pfs`, TTP results are included and marked.
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    pub entries: Vec<ForestEntry>,
}

/// Every randomised, comparative HR (with a CI) of `endpoint` in which exactly one arm
/// contains `agent`, oriented agent vs comparator; preferred analyses only unless
/// `all_analyses`; restricted to a population's member trials if given.
pub fn forest(
    kb: &Evidence,
    agent: &str,
    endpoint: &str,
    population: Option<&str>,
    all_analyses: bool,
) -> Result<ForestData, InputError> {
    let ag = kb
        .agents
        .resolve_agent(agent)
        .ok_or_else(|| InputError::invalid("--agent", format!("{agent:?}"), kb.agents.agent_ids().join(", ")))?;
    let ep = parse_endpoint("--endpoint", endpoint)?;
    let pop = population
        .map(|p| resolve_population(kb, "--population", p))
        .transpose()?;
    let eps: Vec<Endpoint> = if ep == Endpoint::Pfs {
        vec![Endpoint::Pfs, Endpoint::Ttp]
    } else {
        vec![ep]
    };
    let mut trials: Vec<&Trial> = kb.trials.trials.iter().collect();
    // Phase 3 first, then by the first publication year, then by name.
    trials.sort_by_key(|t| {
        (
            std::cmp::Reverse(t.phase_numbers().into_iter().max().unwrap_or(0)),
            t.publications.iter().filter_map(|p| p.year).min().unwrap_or(9999),
            t.name.clone(),
        )
    });
    let mut entries = Vec::new();
    for t in trials {
        if t.design.kind != netrx_kb::trials::DesignKind::RandomisedComparative {
            continue;
        }
        let member_cohort = match pop {
            Some(p) => match p.members.iter().find(|m| m.trial == t.id) {
                Some(m) => Some(m.cohort.as_str()),
                None => continue,
            },
            None => None,
        };
        let mut rs: Vec<&Outcome> = t
            .results
            .iter()
            .filter(|r| eps.contains(&r.endpoint) && (r.preferred || all_analyses))
            .filter(|r| match member_cohort {
                Some("all") | None => true,
                Some(c) => r.cohort == c,
            })
            .collect();
        // Whole trial first (preferred first), then cohorts/subgroups in file order.
        rs.sort_by_key(|r| (r.cohort != "all", !r.preferred));
        for r in rs {
            let Some(e) = &r.effect else { continue };
            let Some([lo, hi]) = e.ci else { continue };
            if e.measure != netrx_kb::trials::Measure::Hr {
                continue;
            }
            let (Some(a1), Some(a2)) = (t.arm(&e.contrast[0]), t.arm(&e.contrast[1])) else {
                continue;
            };
            let in1 = kb.agents.node_agents(&a1.node).contains(&ag.id.as_str());
            let in2 = kb.agents.node_agents(&a2.node).contains(&ag.id.as_str());
            if in1 == in2 {
                continue;
            }
            let inverted = in2;
            let (mine, other) = if inverted { (a2, a1) } else { (a1, a2) };
            let (hr, cl, ch) = if inverted {
                (1.0 / e.value, 1.0 / hi, 1.0 / lo)
            } else {
                (e.value, lo, hi)
            };
            let arm_n = |arm: &netrx_kb::trials::Arm| -> Option<u32> {
                r.arms.iter().find(|v| v.arm == arm.id).and_then(|v| v.n).or_else(|| {
                    if r.cohort == "all" {
                        arm.n
                    } else {
                        t.cohort(&r.cohort).and_then(|c| c.arm_n.get(&arm.id).copied())
                    }
                })
            };
            let n = match (arm_n(mine), arm_n(other)) {
                (Some(x), Some(y)) => format!("{x} / {y}"),
                _ => t
                    .cohort_n(&r.cohort)
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "–".into()),
            };
            let status = [
                Trial::value_status(r, "effect", None),
                Trial::value_status(r, "effect.ci", None),
            ]
            .into_iter()
            .max_by_key(|s| match s {
                Status::Verified => 0,
                Status::Derived => 1,
                Status::VerifiedSecondary => 2,
                Status::Unverified => 3,
            })
            .unwrap_or(r.source.status);
            let populations = kb
                .populations
                .populations
                .iter()
                .filter(|p| {
                    p.members
                        .iter()
                        .any(|m| m.trial == t.id && (m.cohort == r.cohort || m.cohort == "all"))
                })
                .map(|p| p.id.clone())
                .collect();
            entries.push(ForestEntry {
                trial: t.id.clone(),
                trial_name: t.name.clone(),
                cohort: r.cohort.clone(),
                cohort_label: t.cohort_label(&r.cohort),
                subgroup: t
                    .cohort(&r.cohort)
                    .is_some_and(|c| c.kind != netrx_kb::trials::CohortKind::Cohort),
                endpoint: r.endpoint,
                assessment: r.assessment,
                kind: r.kind,
                analysis: r.analysis.clone(),
                preferred: r.preferred,
                contrast: [mine.node.clone(), other.node.clone()],
                agent_name: kb.agents.node_name(&mine.node).to_string(),
                comparator_name: kb.agents.node_name(&other.node).to_string(),
                inverted,
                hr,
                ci_low: cl,
                ci_high: ch,
                published: format!(
                    "{} vs {}: HR {} ({}–{})",
                    kb.agents.node_name(&a1.node),
                    kb.agents.node_name(&a2.node),
                    netrx_kb::trials::num(e.value),
                    netrx_kb::trials::num(lo),
                    netrx_kb::trials::num(hi)
                ),
                n,
                populations,
                status,
                source: r.source.clone(),
            });
        }
    }
    Ok(ForestData {
        knowledge_version: kb.version().to_string(),
        agent: ag.id.clone(),
        agent_name: ag.name.clone(),
        endpoint: ep,
        population: pop.map(|p| p.id.clone()),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(r: &Result<Comparison, CompareError>) -> String {
        match r {
            Ok(c) => serde_json::to_string(c).unwrap(),
            Err(CompareError::Refused(x)) => format!("refused {}", serde_json::to_string(x).unwrap()),
            Err(CompareError::Input(e)) => format!("input {e}"),
        }
    }

    #[test]
    fn the_memo_hands_out_what_compare_in_computes() {
        let kb = Kb::embedded().expect("knowledge loads");
        let ev = Evidence::of(kb);
        let mut nodes = kb.agents.node_ids();
        nodes.extend(["Afinitor", "no-such-drug", ""]);
        let mut kinds = BTreeSet::new();
        for pop in ["pnet", "gi_lung", "nowhere"] {
            for (endpoint, allow_ttp) in [("pfs", false), ("pfs", true), ("os", false), ("dfs", false)] {
                for a in &nodes {
                    for b in ["everolimus", "sunitinib", "placebo", "octreotide_lar", "Sutent"] {
                        let req = Request {
                            a: a.to_string(),
                            b: b.into(),
                            population: pop.into(),
                            endpoint: endpoint.into(),
                            allow_ttp,
                        };
                        let fresh = json(&compare_in(&ev, &req));
                        assert_eq!(json(&compare(kb, &req)), fresh, "{req:?}");
                        assert_eq!(json(&compare(kb, &req)), fresh, "{req:?} (kept)");
                        kinds.insert(
                            fresh
                                .split_whitespace()
                                .next()
                                .unwrap()
                                .chars()
                                .take(6)
                                .collect::<String>(),
                        );
                    }
                }
            }
        }
        // Answers, refusals and input errors were all exercised.
        assert!(kinds.contains("refuse") && kinds.contains("input") && kinds.iter().any(|k| k.starts_with('{')));
    }

    fn stopped_early(c: &Comparison) -> &Check {
        c.checks
            .iter()
            .find(|x| x.check == "stopped_early")
            .expect("always checked")
    }

    fn ok(kb: &Kb, a: &str, b: &str, pop: &str) -> Comparison {
        let req = Request {
            a: a.into(),
            b: b.into(),
            population: pop.into(),
            endpoint: "pfs".into(),
            allow_ttp: false,
        };
        compare(kb, &req).unwrap_or_else(|e| panic!("{a} vs {b} in {pop}: {e}"))
    }

    #[test]
    fn early_stopping_the_references_do_not_state_is_said_to_be_not_stated() {
        let kb = Kb::embedded().expect("knowledge loads");
        // RADIANT-4 (stopped_early = not_stated in knowledge/trials/radiant-4.toml), alone.
        let c = ok(kb, "everolimus", "placebo", "gi_lung");
        assert_eq!(c.path, ["radiant-4"]);
        let s = stopped_early(&c);
        assert!(s.warn, "{s:?}");
        assert!(
            s.detail.contains("not stated") && s.detail.contains("RADIANT-4"),
            "{s:?}"
        );
        assert!(!s.detail.contains("No trial on the path stopped early"), "{s:?}");
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("RADIANT-4") && w.contains("not stated"))
        );
        // COMPETE, a direct answer (not_stated).
        let c = ok(kb, "lu177_edotreotide", "everolimus", "gep");
        assert!(
            stopped_early(&c)
                .detail
                .contains("not stated in the references for COMPETE"),
            "{:?}",
            stopped_early(&c)
        );
        // RADIANT-3 (no) and A6181111 (stopped for benefit): no "not stated".
        let c = ok(kb, "everolimus", "sunitinib", "pnet");
        let s = stopped_early(&c);
        assert!(s.warn && s.detail.starts_with("Stopped early: A6181111") && !s.detail.contains("not stated"));
        // RADIANT-3 alone (no): the check passes.
        let c = ok(kb, "everolimus", "placebo", "pnet");
        assert_eq!(c.path, ["radiant-3"]);
        let s = stopped_early(&c);
        assert!(!s.warn && s.detail == "No trial on the path stopped early.", "{s:?}");
    }

    #[test]
    fn no_comparison_claims_that_no_trial_stopped_early_unless_every_trial_says_so() {
        let kb = Kb::embedded().expect("knowledge loads");
        let nodes = kb.agents.node_ids();
        let mut seen = [0usize; 3];
        for pop in kb.populations.ids() {
            for a in &nodes {
                for b in &nodes {
                    let req = Request {
                        a: a.to_string(),
                        b: b.to_string(),
                        population: pop.into(),
                        endpoint: "pfs".into(),
                        allow_ttp: true,
                    };
                    let Ok(c) = compare(kb, &req) else { continue };
                    let s = stopped_early(&c);
                    let trials: Vec<&Trial> = c.path.iter().map(|t| kb.trials.by_id(t).unwrap()).collect();
                    let all_no = trials.iter().all(|t| t.design.stopped_early == StoppedEarly::No);
                    assert_eq!(
                        s.detail == "No trial on the path stopped early.",
                        all_no,
                        "{:?}: {s:?}",
                        c.path
                    );
                    assert_eq!(s.warn, !all_no, "{:?}: {s:?}", c.path);
                    for t in trials
                        .iter()
                        .filter(|t| t.design.stopped_early == StoppedEarly::NotStated)
                    {
                        assert!(s.detail.contains(&t.name) && s.detail.contains("not stated"), "{s:?}");
                        seen[0] += 1;
                    }
                    seen[if all_no { 1 } else { 2 }] += 1;
                }
            }
        }
        assert!(seen.iter().all(|n| *n > 0), "not stated / all no / some stop: {seen:?}");
    }

    #[test]
    fn the_memo_is_per_knowledge_version() {
        let kb = Kb::embedded().expect("knowledge loads");
        let req = Request {
            a: "everolimus".into(),
            b: "sunitinib".into(),
            population: "pnet".into(),
            endpoint: "pfs".into(),
            allow_ttp: false,
        };
        let k1 = memo_key(&Evidence::of(kb), &req).unwrap();
        let other = Evidence {
            knowledge_version: "sha256:0000000000000000",
            ..Evidence::of(kb)
        };
        let k2 = memo_key(&other, &req).unwrap();
        assert_ne!(k1, k2);
        let alias = Request {
            a: "Afinitor".into(),
            ..req.clone()
        };
        assert_eq!(
            memo_key(&Evidence::of(kb), &alias).unwrap(),
            k1,
            "keyed on the resolved ids"
        );
    }
}
