//! Loading the trial base and validating the whole evidence part of the
//! knowledge base (trials, agents, populations) as one.
//!
//! [`validate`] runs every time the knowledge base is loaded ([`crate::Kb::from_files`])
//! and therefore in every test run. It checks, for every file:
//! - each fact has a source (a non-empty reference; nested values inherit their section's);
//! - each effect estimate lies inside its CI, CIs are ordered, ratio CIs are positive and
//!   their confidence level is known;
//! - medians are positive or "NR" and lie inside their CI; percentages lie in 0–100;
//! - arms sum to the trial's N (and cohort arms to the cohort's N) where both are given;
//! - every agent, node, site, arm, cohort and population referenced exists;
//! - every p-value states its sidedness, and a p-value described anywhere in its result
//!   as one-sided is labelled one-sided (a one-sided design alpha does not count);
//! - registry ids carry their own source; structured grades are not listed twice;
//! - at most one preferred analysis per cohort and endpoint; rates have a landmark;
//! - every review figure that does not match the paper carries a note, and every trial
//!   shown in a review table has its review row.

use crate::KbError;
use crate::agents::{Agents, is_snake_id};
use crate::populations::Populations;
use crate::provenance::Source;
use crate::trials::{
    AnalysisKind, Bound, Endpoint, Median, Outcome, Sidedness, Trial, Trials, Verdict, trial_key, z_for_level,
};
use std::collections::{BTreeMap, BTreeSet};

/// The evidence part of the knowledge base: agents, populations and trials.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub agents: Agents,
    pub populations: Populations,
    pub trials: Trials,
}

/// Parse `agents.toml`, `populations.toml` and every `trials/*.toml` from (path, contents)
/// pairs and validate them together; any problem is an error naming every problem.
pub fn load_evidence(files: &[(String, String)]) -> Result<Evidence, KbError> {
    let get = |name: &str| -> Result<&str, KbError> {
        files
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, c)| c.as_str())
            .ok_or_else(|| KbError {
                file: name.to_string(),
                message: "missing".into(),
            })
    };
    let parse = |name: &str| -> Result<&str, KbError> { get(name) };
    let agents: Agents = toml::from_str(parse("agents.toml")?).map_err(|e| KbError {
        file: "agents.toml".into(),
        message: e.to_string(),
    })?;
    let populations: Populations = toml::from_str(parse("populations.toml")?).map_err(|e| KbError {
        file: "populations.toml".into(),
        message: e.to_string(),
    })?;
    let trials = load_trials(files)?;
    let problems = validate(&trials, &agents, &populations);
    if !problems.is_empty() {
        return Err(KbError {
            file: "trials/".into(),
            message: format!("{} problem(s): {}", problems.len(), problems.join("; ")),
        });
    }
    Ok(Evidence {
        agents,
        populations,
        trials,
    })
}

/// Parse every `trials/*.toml` file.
pub(crate) fn load_trials(files: &[(String, String)]) -> Result<Trials, KbError> {
    let mut trials = Vec::new();
    for (path, text) in files {
        let Some(name) = path.strip_prefix("trials/") else {
            continue;
        };
        if !name.ends_with(".toml") || name.contains('/') {
            continue;
        }
        let t: Trial = toml::from_str(text).map_err(|e| KbError {
            file: path.clone(),
            message: e.to_string(),
        })?;
        let stem = name.trim_end_matches(".toml");
        if t.id != stem {
            return Err(KbError {
                file: path.clone(),
                message: format!("trial id {:?} must equal the file name {stem:?}", t.id),
            });
        }
        trials.push(t);
    }
    trials.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Trials::new(trials))
}

/// Every problem found, each naming its file and place. Empty = valid.
pub fn validate(trials: &Trials, agents: &Agents, populations: &Populations) -> Vec<String> {
    let mut v = Vec::new();
    for e in agents.check() {
        v.push(format!("agents.toml: {e}"));
    }
    check_sources_agents(agents, &mut v);
    check_populations(trials, agents, populations, &mut v);
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for t in &trials.trials {
        let mut p = Problems {
            file: format!("trials/{}.toml", t.id),
            out: &mut v,
        };
        if !t
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || t.id.is_empty()
        {
            p.push(
                "id",
                format!("{:?} must be lowercase letters, digits and hyphens", t.id),
            );
        }
        for k in std::iter::once(&t.id)
            .chain(std::iter::once(&t.name))
            .chain(t.aliases.iter())
            .chain(t.registry.iter())
        {
            let key = trial_key(k);
            if let Some(other) = keys.insert(key.clone(), t.id.clone())
                && other != t.id
            {
                p.push("aliases", format!("{k:?} also names trial {other}"));
            }
        }
        check_trial(t, agents, populations, &mut p);
    }
    v
}

struct Problems<'a> {
    file: String,
    out: &'a mut Vec<String>,
}

impl Problems<'_> {
    fn push(&mut self, place: &str, msg: impl AsRef<str>) {
        self.out.push(format!("{}: {place}: {}", self.file, msg.as_ref()));
    }
}

fn source_ok(s: &Source) -> bool {
    !s.reference.trim().is_empty()
}

fn check_sources_agents(agents: &Agents, v: &mut Vec<String>) {
    for a in &agents.agents {
        if !source_ok(&a.source) {
            v.push(format!("agents.toml: agent {}: source has an empty ref", a.id));
        }
    }
    for r in &agents.regimens {
        if !source_ok(&r.source) {
            v.push(format!("agents.toml: regimen {}: source has an empty ref", r.id));
        }
    }
}

fn check_populations(trials: &Trials, agents: &Agents, pops: &Populations, v: &mut Vec<String>) {
    let _ = agents;
    let mut site_ids = BTreeSet::new();
    for s in &pops.sites {
        if !is_snake_id(&s.id) || !site_ids.insert(s.id.as_str()) {
            v.push(format!("populations.toml: site {:?} is malformed or duplicated", s.id));
        }
    }
    let mut pop_ids = BTreeSet::new();
    for p in &pops.populations {
        if !is_snake_id(&p.id) || !pop_ids.insert(p.id.as_str()) {
            v.push(format!(
                "populations.toml: population {:?} is malformed or duplicated",
                p.id
            ));
        }
        if !source_ok(&p.source) {
            v.push(format!(
                "populations.toml: population {}: source has an empty ref",
                p.id
            ));
        }
        if p.sites.is_empty() {
            v.push(format!("populations.toml: population {} lists no sites", p.id));
        }
        for s in &p.sites {
            if pops.site(s).is_none() {
                v.push(format!("populations.toml: population {}: unknown site {s:?}", p.id));
            }
        }
        let mut seen = BTreeSet::new();
        for m in &p.members {
            let Some(t) = trials.trials.iter().find(|t| t.id == m.trial) else {
                v.push(format!(
                    "populations.toml: population {}: unknown trial {:?}",
                    p.id, m.trial
                ));
                continue;
            };
            if m.cohort != "all" && t.cohort(&m.cohort).is_none() {
                v.push(format!(
                    "populations.toml: population {}: trial {} has no cohort {:?}",
                    p.id, m.trial, m.cohort
                ));
            }
            if !seen.insert(m.trial.as_str()) {
                v.push(format!(
                    "populations.toml: population {}: trial {} is a member twice (one cohort per trial)",
                    p.id, m.trial
                ));
            }
            let sites = t.cohort_sites(&m.cohort);
            if !sites.iter().any(|s| p.sites.contains(s)) {
                v.push(format!(
                    "populations.toml: population {}: {} ({}) shares no site with the population",
                    p.id, m.trial, m.cohort
                ));
            }
        }
    }
}

const ARM_FIELDS: &[&str] = &[
    "n",
    "median",
    "median_ci",
    "percent",
    "percent_ci",
    "events",
    "orr",
    "cr",
    "pr",
    "sd",
    "pd",
    "dcr",
];
const RESULT_FIELDS: &[&str] = &["effect", "effect.ci", "p", "landmark_months"];
const DESIGN_FIELDS: &[&str] = &[
    "allocation",
    "crossover",
    "era",
    "stopped_early",
    "stratification",
    "summary",
];
const POPULATION_FIELDS: &[&str] = &[
    "n",
    "site_mix",
    "grade",
    "ki67_max",
    "progression",
    "progression_window_months",
    "prior_therapy",
    "ssa_background",
    "arms",
    "functional",
];

fn check_trial(t: &Trial, agents: &Agents, pops: &Populations, p: &mut Problems) {
    // Phase.
    const PHASES: &[&str] = &["1", "1b", "1-2", "1b-2", "2", "2-3", "3", "3b", "4", "observational"];
    if !PHASES.contains(&t.phase.as_str()) {
        p.push("phase", format!("{:?}; allowed: {}", t.phase, PHASES.join(", ")));
    }
    for n in &t.review_tables {
        if !(2..=6).contains(n) {
            p.push("review_tables", format!("{n}: the review's evidence tables are 2–6"));
        }
    }
    // Publications.
    for (i, pb) in t.publications.iter().enumerate() {
        if !source_ok(&pb.source) {
            p.push(&format!("publication[{i}]"), "source has an empty ref");
        }
        if let Some(y) = pb.year
            && !(1990..=2030).contains(&y)
        {
            p.push(&format!("publication[{i}]"), format!("year {y} is implausible"));
        }
    }
    if let Some(r) = &t.recruitment
        && !source_ok(&r.source)
    {
        p.push("recruitment", "source has an empty ref");
    }
    // Registry ids carry their own source (trials.md marks some NCT numbers UNVERIFIED).
    match (&t.registry_source, t.registry.is_empty()) {
        (None, false) => p.push("registry_source", "registry ids need a source (registry_source)"),
        (Some(_), true) => p.push("registry_source", "a registry_source without registry ids"),
        (Some(s), false) if !source_ok(s) => p.push("registry_source", "source has an empty ref"),
        _ => {}
    }
    // Design.
    let d = &t.design;
    if !source_ok(&d.source) {
        p.push("design", "source has an empty ref");
    }
    if let Some(c) = &d.crossover {
        if let Some(s) = &c.source
            && !source_ok(s)
        {
            p.push("design.crossover", "source has an empty ref");
        }
        if let Some(x) = c.percent
            && !(0.0..=100.0).contains(&x)
        {
            p.push("design.crossover.percent", format!("{x} is not a percentage"));
        }
    }
    if let Some(e) = &d.era {
        if e.from > e.to {
            p.push("design.era", format!("from {} is after to {}", e.from, e.to));
        }
        if !source_ok(&e.source) {
            p.push("design.era", "source has an empty ref");
        }
    }
    check_overrides("design", &d.overrides, DESIGN_FIELDS, t, p);
    // Population.
    let pop = &t.population;
    if !source_ok(&pop.source) {
        p.push("population", "source has an empty ref");
    }
    if pop.sites.is_empty() {
        p.push("population.sites", "no sites");
    }
    for s in &pop.sites {
        if pops.site(s).is_none() {
            p.push(
                "population.sites",
                format!("unknown site {s:?}; allowed: {}", pops.site_ids().join(", ")),
            );
        }
    }
    for s in &pop.site_mix {
        if !(0.0..=100.0).contains(&s.percent) {
            p.push(
                "population.site_mix",
                format!("{}: {} is not a percentage", s.label, s.percent),
            );
        }
    }
    let mix: f64 = pop.site_mix.iter().map(|s| s.percent).sum();
    if mix > 100.5 {
        p.push("population.site_mix", format!("shares sum to {mix} % (> 100)"));
    }
    if let Some(k) = pop.ki67_max
        && !(0.0..=100.0).contains(&k)
    {
        p.push("population.ki67_max", format!("{k} is not a percentage"));
    }
    let mut grades = pop.grades.clone();
    grades.sort();
    grades.dedup();
    if grades.len() != pop.grades.len() {
        p.push("population.grades", "a grade is listed twice");
    }
    if !pop.grades.is_empty() && pop.grade.is_none() {
        p.push(
            "population.grades",
            "structured grades without the grade text they read",
        );
    }
    check_overrides("population", &pop.overrides, POPULATION_FIELDS, t, p);
    // Arms.
    let mut arm_ids = BTreeSet::new();
    if t.arms.is_empty() {
        p.push("arm", "a trial needs at least one arm");
    }
    for a in &t.arms {
        let place = format!("arm {}", a.id);
        if !arm_ids.insert(a.id.as_str()) {
            p.push(&place, "duplicate arm id");
        }
        if a.agents.is_empty() {
            p.push(&place, "lists no agents");
        }
        for ag in &a.agents {
            if agents.agent(ag).is_none() {
                p.push(&place, format!("unknown agent {ag:?} (not in agents.toml)"));
            }
        }
        if !agents.is_node(&a.node) {
            p.push(&place, format!("node {:?} is neither an agent nor a regimen", a.node));
        } else {
            for ag in agents.node_agents(&a.node) {
                if !a.agents.iter().any(|x| x == ag) {
                    p.push(
                        &place,
                        format!("node {} contains {ag}, which the arm does not list", a.node),
                    );
                }
            }
        }
        if let Some(s) = &a.source
            && !source_ok(s)
        {
            p.push(&place, "source has an empty ref");
        }
    }
    // Arms sum to N.
    if let Some(n) = pop.n {
        let ns: Vec<u32> = t.arms.iter().filter_map(|a| a.n).collect();
        if ns.len() == t.arms.len() && !ns.is_empty() {
            let s: u32 = ns.iter().sum();
            if s != n {
                p.push("population.n", format!("N = {n} but the arms sum to {s}"));
            }
        }
    }
    // Cohorts.
    let mut cohort_ids = BTreeSet::new();
    for c in &t.cohorts {
        let place = format!("cohort {}", c.id);
        if c.id == "all" {
            p.push(&place, "`all` is the whole trial and must not be declared");
        }
        if !cohort_ids.insert(c.id.as_str()) {
            p.push(&place, "duplicate cohort id");
        }
        if !source_ok(&c.source) {
            p.push(&place, "source has an empty ref");
        }
        for s in &c.sites {
            if pops.site(s).is_none() {
                p.push(&place, format!("unknown site {s:?}"));
            }
        }
        for arm in c.arm_n.keys() {
            if t.arm(arm).is_none() {
                p.push(&place, format!("arm_n names unknown arm {arm:?}"));
            }
        }
        if let Some(n) = c.n
            && c.arm_n.len() == t.arms.len()
        {
            let s: u32 = c.arm_n.values().sum();
            if s != n {
                p.push(&place, format!("N = {n} but the arms sum to {s}"));
            }
        }
    }
    // Results.
    let mut preferred: BTreeMap<(String, Endpoint), usize> = BTreeMap::new();
    for (i, r) in t.results.iter().enumerate() {
        let place = format!("result[{i}] ({} {}, {})", r.endpoint.id(), r.cohort, r.analysis);
        check_result(t, r, &place, p);
        if r.preferred {
            let k = (r.cohort.clone(), r.endpoint);
            if let Some(j) = preferred.insert(k, i) {
                p.push(
                    &place,
                    format!("result[{j}] is already the preferred analysis of this cohort and endpoint"),
                );
            }
        }
    }
    // Adverse events.
    for a in &t.ae_tables {
        let place = format!("ae_table {}", a.id);
        if !source_ok(&a.source) {
            p.push(&place, "source has an empty ref");
        }
        if !["any", "drug_related", "not_stated"].contains(&a.attribution.as_str()) {
            p.push(
                &place,
                format!(
                    "attribution {:?}; allowed: any, drug_related, not_stated",
                    a.attribution
                ),
            );
        }
        if let Some(c) = &a.cohort
            && t.cohort(c).is_none()
        {
            p.push(&place, format!("unknown cohort {c:?}"));
        }
        for row in &a.rows {
            let rp = format!("{place} row {}", row.term);
            if !is_snake_id(&row.term) {
                p.push(&rp, "term must be lowercase snake_case");
            }
            match row.arm.as_deref().or(a.arm.as_deref()) {
                None => p.push(&rp, "names no arm (neither the row nor the table)"),
                Some(arm) if t.arm(arm).is_none() => p.push(&rp, format!("unknown arm {arm:?}")),
                _ => {}
            }
            if row.all_grades.is_none()
                && row.grade_3_4.is_none()
                && row.grade_3_plus.is_none()
                && row.grade_3.is_none()
            {
                p.push(&rp, "no value");
            }
            for x in [row.all_grades, row.grade_3_4, row.grade_3_plus, row.grade_3]
                .into_iter()
                .flatten()
            {
                if !(0.0..=100.0).contains(&x.value) || x.to.is_some_and(|t| !(0.0..=100.0).contains(&t)) {
                    p.push(&rp, format!("{x} is not a percentage"));
                }
            }
            if let (Some(all), Some(g)) = (row.all_grades, row.grade_3_4)
                && !all.below
                && !g.below
                && g.value > all.value
            {
                p.push(&rp, format!("grade 3–4 ({g} %) exceeds all grades ({all} %)"));
            }
            if let Some(s) = &row.source
                && !source_ok(s)
            {
                p.push(&rp, "source has an empty ref");
            }
        }
    }
    // Review rows.
    for (i, rv) in t.review.iter().enumerate() {
        let place = format!("review[{i}]");
        let ok_place = rv.place == "text"
            || rv
                .place
                .strip_prefix("table ")
                .and_then(|n| n.parse::<u8>().ok())
                .is_some_and(|n| (1..=6).contains(&n));
        if !ok_place {
            p.push(
                &place,
                format!("place {:?}; allowed: table 2 … table 6, text", rv.place),
            );
        }
        if rv.verdict != Verdict::Matches && rv.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            p.push(
                &place,
                "a review figure that does not match the paper needs a note saying why",
            );
        }
        if !source_ok(&rv.source) {
            p.push(&place, "source has an empty ref");
        }
    }
    for n in &t.review_tables {
        let want = format!("table {n}");
        if !t.review.iter().any(|r| r.place == want) {
            p.push(
                "review",
                format!("the trial is in review {want} but has no review row for it"),
            );
        }
    }
    for (i, n) in t.notes.iter().enumerate() {
        if !source_ok(&n.source) {
            p.push(&format!("note[{i}]"), "source has an empty ref");
        }
    }
}

fn check_overrides(section: &str, ov: &[crate::trials::Override], fields: &[&str], t: &Trial, p: &mut Problems) {
    for o in ov {
        if !fields.contains(&o.field.as_str()) {
            p.push(
                &format!("{section}.overrides"),
                format!("unknown field {:?}; allowed: {}", o.field, fields.join(", ")),
            );
        }
        if let Some(a) = &o.arm
            && t.arm(a).is_none()
        {
            p.push(&format!("{section}.overrides"), format!("unknown arm {a:?}"));
        }
        if o.note.trim().is_empty() {
            p.push(&format!("{section}.overrides"), "an override needs a note");
        }
    }
}

fn pct_ok(x: f64) -> bool {
    (0.0..=100.0).contains(&x)
}

fn check_result(t: &Trial, r: &Outcome, place: &str, p: &mut Problems) {
    if !source_ok(&r.source) {
        p.push(place, "source has an empty ref");
    }
    if r.cohort != "all" && t.cohort(&r.cohort).is_none() {
        p.push(place, format!("unknown cohort {:?}", r.cohort));
    }
    if matches!(r.endpoint, Endpoint::PfsRate | Endpoint::OsRate) && r.landmark_months.is_none() {
        p.push(place, "a rate endpoint needs landmark_months");
    }
    let mut fields: Vec<&str> = RESULT_FIELDS.to_vec();
    fields.extend_from_slice(ARM_FIELDS);
    for o in &r.overrides {
        if !fields.contains(&o.field.as_str()) {
            p.push(
                place,
                format!(
                    "override of unknown field {:?}; allowed: {}",
                    o.field,
                    fields.join(", ")
                ),
            );
        }
        if let Some(a) = &o.arm
            && !r.arms.iter().any(|v| &v.arm == a)
        {
            p.push(place, format!("override names arm {a:?}, which has no value here"));
        }
        if o.note.trim().is_empty() {
            p.push(place, "an override needs a note");
        }
    }
    let mut seen = BTreeSet::new();
    for a in &r.arms {
        if t.arm(&a.arm).is_none() {
            p.push(place, format!("unknown arm {:?}", a.arm));
        }
        if !seen.insert(a.arm.as_str()) {
            p.push(place, format!("arm {} listed twice", a.arm));
        }
        if let Some(m) = a.median {
            if !r.endpoint.is_time_to_event() {
                p.push(place, format!("{}: a median on a non-time-to-event endpoint", a.arm));
            }
            if let Median::Value(v) = m
                && !(v > 0.0 && v.is_finite())
            {
                p.push(place, format!("{}: median {v} must be positive or \"NR\"", a.arm));
            }
        }
        if let Some([lo, hi]) = a.median_ci {
            if let (Bound::Value(l), Bound::Value(h)) = (lo, hi)
                && l >= h
            {
                p.push(place, format!("{}: median CI [{l}, {h}] is not ordered", a.arm));
            }
            match a.median {
                Some(Median::Value(m)) => {
                    if lo.value().is_some_and(|l| l > m) || hi.value().is_some_and(|h| h < m) {
                        p.push(place, format!("{}: median {m} outside its CI [{lo}, {hi}]", a.arm));
                    }
                }
                Some(Median::NotReached) => {}
                None => p.push(place, format!("{}: a median CI without a median", a.arm)),
            }
        }
        for (name, x) in [
            ("percent", a.percent),
            ("orr", a.orr),
            ("cr", a.cr),
            ("pr", a.pr),
            ("sd", a.sd),
            ("pd", a.pd),
            ("dcr", a.dcr),
        ] {
            if let Some(x) = x
                && !pct_ok(x)
            {
                p.push(place, format!("{}: {name} {x} is not a percentage", a.arm));
            }
        }
        if let Some([lo, hi]) = a.percent_ci {
            if lo >= hi || !pct_ok(lo) || !pct_ok(hi) {
                p.push(
                    place,
                    format!("{}: percent CI [{lo}, {hi}] is not an ordered percentage range", a.arm),
                );
            }
            match a.percent {
                Some(x) if x < lo || x > hi => {
                    p.push(place, format!("{}: {x} % outside its CI [{lo}, {hi}]", a.arm));
                }
                None => p.push(place, format!("{}: a percent CI without a percent", a.arm)),
                _ => {}
            }
        }
        if let (Some(e), Some(n)) = (a.events, a.n.or_else(|| t.arm(&a.arm).and_then(|x| x.n)))
            && e > n
        {
            p.push(place, format!("{}: {e} events among {n} patients", a.arm));
        }
    }
    if let Some(e) = &r.effect {
        let [x, y] = &e.contrast;
        for a in [x, y] {
            if t.arm(a).is_none() {
                p.push(place, format!("effect contrast names unknown arm {a:?}"));
            }
        }
        if x == y {
            p.push(place, "effect contrast compares an arm with itself");
        }
        if !e.value.is_finite() || (e.measure.is_ratio() && e.value <= 0.0) {
            p.push(
                place,
                format!("{} {} must be a positive number", e.measure.label(), e.value),
            );
        }
        if let Some([lo, hi]) = e.ci {
            if lo >= hi {
                p.push(place, format!("{} CI [{lo}, {hi}] is not ordered", e.measure.label()));
            }
            if e.measure.is_ratio() && lo <= 0.0 {
                p.push(place, format!("{} CI [{lo}, {hi}] must be positive", e.measure.label()));
            }
            if e.value < lo || e.value > hi {
                p.push(
                    place,
                    format!("{} {} lies outside its CI [{lo}, {hi}]", e.measure.label(), e.value),
                );
            }
            if z_for_level(e.ci_level).is_none() {
                p.push(place, format!("CI level {} %: allowed 80, 90, 95", e.ci_level));
            }
        }
    }
    if let Some(pv) = &r.p {
        if !(pv.value > 0.0 && pv.value <= 1.0) {
            p.push(place, format!("p-value {} must lie in (0, 1]", pv.value));
        }
        if pv.relation != "=" && pv.relation != "<" {
            p.push(place, format!("p relation {:?}; allowed: =, <", pv.relation));
        }
        let texts = [
            Some(r.analysis.as_str()),
            r.note.as_deref(),
            r.source.note.as_deref(),
            pv.test.as_deref(),
        ];
        // A one-sided design alpha ("one-sided alpha 0.15") describes the design, not the p-value.
        let says_one_sided = texts.iter().flatten().any(|s| {
            s.to_lowercase()
                .replace("one-sided alpha", "")
                .replace("one-sided α", "")
                .contains("one-sided")
        });
        if says_one_sided && pv.sided != Sidedness::One {
            p.push(
                place,
                "the result is described as one-sided but its p-value is not labelled sided = \"one\"",
            );
        }
        if pv.boundary.is_some() && pv.sided == Sidedness::NotStated {
            p.push(place, "a p-value with a significance boundary must state its sidedness");
        }
    }
    if r.kind == AnalysisKind::Primary
        && t.cohort(&r.cohort)
            .is_some_and(|c| c.kind == crate::trials::CohortKind::Subgroup)
    {
        p.push(
            place,
            "a subgroup result cannot be the primary analysis (kind = \"subgroup\")",
        );
    }
}
