//! The SPEC file (TOML): what to simulate, resolved against the knowledge base into a
//! [`Model`]. Every number is either read from the trial base (with its source and
//! verification status carried along) or stated in the SPEC with a `source` — and
//! `illustrative = true` marks an illustrative default that must never be read as evidence.
//! Errors name the TOML key (dotted path), the value given and what is allowed.
//!
//! See `docs/simulation.md` for the format and `examples/sequences/` for examples.

use crate::dist::{Dist, Family};
use crate::model::{
    AeTerm, CostSettings, Endpoint, Line, Model, MvnGroup, Param, Provenance, Psa, Sequence, TimeModel, Treatment,
};
use netrx_case::InputError;
use netrx_kb::Kb;
use netrx_kb::trials::{self, AnalysisKind, Assessment, Measure, Outcome, Trial};
use serde::Deserialize;
use std::collections::BTreeMap;

const Z95: f64 = 1.959_963_984_540_054;
/// Longest horizon accepted, months (100 years).
pub const MAX_HORIZON: f64 = 1200.0;

// ---------------------------------------------------------------------------------------
// The file

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    model: ModelSec,
    #[serde(default)]
    discount: Option<DiscountSec>,
    death: DeathSec,
    utilities: UtilitiesSec,
    #[serde(default)]
    ae_disutility: Option<AeDisSec>,
    #[serde(default)]
    costs: Option<CostsSec>,
    treatments: BTreeMap<String, TreatmentSec>,
    sequence: Vec<SequenceSec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSec {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    population: Option<String>,
    horizon_months: f64,
    #[serde(default)]
    histogram_bin_months: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscountSec {
    qalys_per_year: f64,
    #[serde(default)]
    costs_per_year: Option<f64>,
    source: String,
    #[serde(default)]
    illustrative: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeathSec {
    during_lines: TimeSpec,
    after_last_line: TimeSpec,
}

/// A time-to-event input: a knowledge-base reference, an explicit median or rate, or an
/// explicit parametric fit.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeSpec {
    // knowledge base
    trial: Option<String>,
    arm: Option<String>,
    cohort: Option<String>,
    endpoint: Option<String>,
    assessment: Option<String>,
    analysis_kind: Option<String>,
    method: Option<String>,
    // explicit exponential
    median_months: Option<f64>,
    rate_per_month: Option<f64>,
    ci: Option<[f64; 2]>,
    events: Option<u32>,
    se_log: Option<f64>,
    // explicit parametric
    distribution: Option<String>,
    shape: Option<f64>,
    scale: Option<f64>,
    rate: Option<f64>,
    meanlog: Option<f64>,
    sdlog: Option<f64>,
    vcov: Option<Vec<Vec<f64>>>,
    // a fit as `netrx survreg` (R survreg) reports it
    survreg: Option<SurvregSpec>,
    // provenance
    source: Option<String>,
    #[serde(default)]
    illustrative: bool,
    note: Option<String>,
}

/// An intercept-only AFT fit as `netrx survreg --json` / R `survreg` report it:
/// log T = intercept + σ·W. Times must be in months.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SurvregSpec {
    dist: String,
    intercept: f64,
    /// Log(scale) (absent for the exponential).
    #[serde(default)]
    log_scale: Option<f64>,
    /// Standard errors of (intercept, Log(scale)) — treated as uncorrelated.
    #[serde(default)]
    se: Option<Vec<f64>>,
    /// Covariance of (intercept, Log(scale)) (R: `vcov(fit)`), preferred over `se`.
    #[serde(default)]
    vcov: Option<Vec<Vec<f64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UtilitiesSec {
    source: String,
    #[serde(default)]
    illustrative: bool,
    progression_free: f64,
    after_last_line: f64,
    #[serde(default)]
    se: Option<f64>,
    #[serde(default)]
    treatment: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AeDisSec {
    source: String,
    #[serde(default)]
    illustrative: bool,
    default: Disutility,
    #[serde(default)]
    terms: BTreeMap<String, Disutility>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Disutility {
    decrement: f64,
    duration_months: f64,
    #[serde(default)]
    se: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CostsSec {
    currency: String,
    source: String,
    #[serde(default)]
    illustrative: bool,
    #[serde(default)]
    wtp_per_qaly: Vec<f64>,
    #[serde(default)]
    after_last_line_per_month: Option<f64>,
    /// Coefficient of variation for Gamma PSA of every cost (absent = costs fixed).
    #[serde(default)]
    cv: Option<f64>,
    #[serde(default)]
    treatment: BTreeMap<String, TxCost>,
    #[serde(default)]
    ae: Option<AeCost>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxCost {
    #[serde(default)]
    per_month: Option<f64>,
    #[serde(default)]
    once: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AeCost {
    default: f64,
    #[serde(default)]
    terms: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreatmentSec {
    label: String,
    time: TimeSpec,
    #[serde(default)]
    ae: Option<AeSpec>,
    #[serde(default)]
    max_treatment: Option<MaxTreatment>,
    #[serde(default)]
    note: Option<String>,
}

/// A fixed treatment duration (e.g. a course of PRRT cycles).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaxTreatment {
    months: f64,
    source: String,
    #[serde(default)]
    illustrative: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AeSpec {
    // knowledge base
    trial: Option<String>,
    table: Option<String>,
    arm: Option<String>,
    // explicit
    rows: Option<Vec<AeRowSpec>>,
    n: Option<u32>,
    source: Option<String>,
    #[serde(default)]
    illustrative: bool,
    /// How "< x %" is read: `half` (x/2, default), `bound` (x) or `zero`.
    below: Option<String>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AeRowSpec {
    term: String,
    percent: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SequenceSec {
    id: String,
    #[serde(default)]
    label: Option<String>,
    lines: Vec<String>,
    #[serde(default)]
    modifiers: Vec<ModifierSec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModifierSec {
    line: usize,
    hr: f64,
    #[serde(default)]
    se_log: Option<f64>,
    source: String,
    #[serde(default)]
    illustrative: bool,
}

// ---------------------------------------------------------------------------------------
// Parsing

/// Parse a SPEC (TOML) with errors that name the key path.
fn parse(text: &str) -> Result<Spec, InputError> {
    let de = toml::de::Deserializer::parse(text).map_err(|e| {
        InputError::new(
            netrx_case::error::DOCUMENT,
            format!("malformed TOML: {}", e.message().trim()),
        )
    })?;
    serde_path_to_error::deserialize::<_, Spec>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message().trim().to_string();
        let top = path.is_empty() || path == ".";
        // "missing field `x`": name the missing key itself.
        if let Some(name) = message
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            let field = if top {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            return InputError::new(field, "missing; allowed: see docs/simulation.md for the SPEC keys");
        }
        let field = if top {
            netrx_case::error::DOCUMENT.to_string()
        } else {
            path
        };
        InputError::new(field, message)
    })
}

fn bad(field: &str, value: impl std::fmt::Display, allowed: impl std::fmt::Display) -> InputError {
    InputError::invalid(field, value, allowed)
}

/// A rate as a percentage without binary noise (0.035 → "3.5").
fn percent(x: f64) -> String {
    let s = format!("{:.6}", x * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn positive(field: &str, v: f64) -> Result<f64, InputError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(bad(field, v, "a number > 0"))
    }
}

fn nonneg(field: &str, v: f64) -> Result<f64, InputError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(bad(field, v, "a number ≥ 0"))
    }
}

fn source_text(field: &str, s: &Option<String>) -> Result<String, InputError> {
    match s {
        Some(t) if !t.trim().is_empty() => Ok(t.trim().to_string()),
        Some(_) => Err(bad(
            field,
            "\"\"",
            "a non-empty statement of where the value comes from",
        )),
        None => Err(InputError::new(
            field,
            "missing; allowed: a `source` string saying where the value comes from (mark illustrative defaults with `illustrative = true`)",
        )),
    }
}

fn user_prov(source: &str, illustrative: bool, note: Option<String>) -> Provenance {
    Provenance {
        reference: source.to_string(),
        status: if illustrative { "illustrative" } else { "user_input" }.into(),
        note,
    }
}

// ---------------------------------------------------------------------------------------
// Resolution

struct Builder<'a> {
    kb: &'a Kb,
    population: Option<&'a netrx_kb::populations::Population>,
    params: Vec<Param>,
    groups: Vec<MvnGroup>,
    assumptions: Vec<String>,
    warnings: Vec<String>,
    illustrative: Vec<String>,
    /// UNVERIFIED sources and the inputs taken from each.
    unverified: Vec<(String, Vec<String>)>,
}

impl<'a> Builder<'a> {
    fn param(&mut self, name: String, base: f64, unit: &str, psa: Psa, provenance: Provenance) -> usize {
        if provenance.status == "illustrative" {
            self.illustrative.push(name.clone());
        }
        if provenance.status == "unverified" {
            let item = format!("{name} = {}", trials::num(base));
            match self.unverified.iter_mut().find(|(r, _)| *r == provenance.reference) {
                Some((_, items)) => items.push(item),
                None => self.unverified.push((provenance.reference.clone(), vec![item])),
            }
        }
        self.params.push(Param {
            name,
            base,
            unit: unit.into(),
            psa,
            provenance,
        });
        self.params.len() - 1
    }

    /// A KB median or HR param: lognormal PSA with the given log-SE, else fixed with a warning.
    fn lognormal_psa(&mut self, name: &str, se: Option<f64>, why_none: &str) -> Psa {
        match se {
            Some(s) if s.is_finite() && s > 0.0 => Psa::Lognormal { sdlog: s },
            _ => {
                self.warnings.push(format!(
                    "{name}: fixed in the PSA ({why_none}); its uncertainty is not propagated"
                ));
                Psa::Fixed
            }
        }
    }

    fn population_check(&mut self, field: &str, t: &Trial, cohort: &str) {
        let Some(pop) = self.population else { return };
        match pop.members.iter().find(|m| m.trial == t.id) {
            None => self.warnings.push(format!(
                "{field}: {} is not in the knowledge base's {} population ({}): its patients differ from the modelled population",
                t.name, pop.id, pop.name
            )),
            Some(m) => {
                if m.cohort != cohort {
                    self.warnings.push(format!(
                        "{field}: the knowledge base places cohort '{}' of {} in population {}, not cohort '{}'",
                        m.cohort, t.name, pop.id, cohort
                    ));
                }
                let fit = netrx_kb::populations::Fit::of(t.cohort_sites(cohort), &pop.sites);
                if fit != netrx_kb::populations::Fit::Exact {
                    self.warnings.push(format!(
                        "{field}: {} ({}) enrolled sites that fit population {} as '{}'{}",
                        t.name,
                        t.cohort_label(cohort),
                        pop.id,
                        fit.id(),
                        m.note.as_ref().map(|n| format!(" — {n}")).unwrap_or_default()
                    ));
                } else if let Some(n) = &m.note {
                    self.warnings.push(format!("{field}: {} — {n}", t.name));
                }
            }
        }
    }
}

fn trial_ref<'k>(kb: &'k Kb, field: &str, key: &str) -> Result<&'k Trial, InputError> {
    kb.trials.get(key).ok_or_else(|| {
        bad(
            &format!("{field}.trial"),
            format!("{key:?}"),
            format!("a trial id of the knowledge base: {}", kb.trials.ids().join(", ")),
        )
    })
}

fn cohort_ref(t: &Trial, field: &str, c: &Option<String>) -> Result<String, InputError> {
    let c = c.clone().unwrap_or_else(|| "all".into());
    if c == "all" || t.cohort(&c).is_some() {
        Ok(c)
    } else {
        let mut ids = vec!["all".to_string()];
        ids.extend(t.cohorts.iter().map(|x| x.id.clone()));
        Err(bad(
            &format!("{field}.cohort"),
            format!("{c:?}"),
            format!("a cohort of {}: {}", t.name, ids.join(", ")),
        ))
    }
}

fn arm_ref(t: &Trial, field: &str, a: &Option<String>) -> Result<String, InputError> {
    let ids: Vec<&str> = t.arms.iter().map(|x| x.id.as_str()).collect();
    match a {
        Some(a) if t.arm(a).is_some() => Ok(a.clone()),
        Some(a) => Err(bad(
            &format!("{field}.arm"),
            format!("{a:?}"),
            format!("an arm of {}: {}", t.name, ids.join(", ")),
        )),
        None => Err(InputError::new(
            format!("{field}.arm"),
            format!("missing; allowed: an arm of {}: {}", t.name, ids.join(", ")),
        )),
    }
}

fn parse_assessment(field: &str, s: &Option<String>) -> Result<Option<Assessment>, InputError> {
    match s.as_deref() {
        None => Ok(None),
        Some("investigator") => Ok(Some(Assessment::Investigator)),
        Some("central") => Ok(Some(Assessment::Central)),
        Some(x) => Err(bad(
            &format!("{field}.assessment"),
            format!("{x:?}"),
            "investigator, central",
        )),
    }
}

fn parse_kind(field: &str, s: &Option<String>) -> Result<Option<AnalysisKind>, InputError> {
    let Some(x) = s else { return Ok(None) };
    let allowed = "primary, secondary, sensitivity, interim, final, update, post_hoc, subgroup, adjusted, descriptive";
    let v: AnalysisKind = serde_json::from_value(serde_json::Value::String(x.clone()))
        .map_err(|_| bad(&format!("{field}.analysis_kind"), format!("{x:?}"), allowed))?;
    Ok(Some(v))
}

fn kind_id(k: AnalysisKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A resolved time input.
struct Resolved {
    time: TimeModel,
    endpoint: trials::Endpoint,
    /// What it is, for assumptions ("exponential from the median 11.0 months of …").
    description: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// A line: pfs or ttp.
    Line,
    /// Death while on a line: exponential only.
    DeathDuring,
    /// After the last line: OS after the last progression.
    After,
}

fn resolve_time(b: &mut Builder, field: &str, name: &str, s: &TimeSpec, role: Role) -> Result<Resolved, InputError> {
    let kb_form = s.trial.is_some();
    let median_form = s.median_months.is_some() || s.rate_per_month.is_some();
    let dist_form = s.distribution.is_some() || s.survreg.is_some();
    let forms = [kb_form, median_form, dist_form].iter().filter(|x| **x).count()
        + usize::from(s.distribution.is_some() && s.survreg.is_some());
    if forms != 1 {
        return Err(InputError::new(
            field,
            format!(
                "{}; allowed: exactly one of a knowledge-base reference (trial, arm, …), an explicit `median_months` or `rate_per_month`, an explicit `distribution` with its parameters, or a `survreg` fit",
                if forms == 0 {
                    "no time distribution given"
                } else {
                    "more than one form given"
                }
            ),
        ));
    }
    let default_endpoint = match role {
        Role::Line => trials::Endpoint::Pfs,
        _ => trials::Endpoint::Os,
    };
    let endpoint = match &s.endpoint {
        None => default_endpoint,
        Some(e) => {
            let allowed = match role {
                Role::Line => "pfs, ttp",
                _ => "os, pfs, ttp",
            };
            trials::Endpoint::parse(e)
                .filter(|ep| match role {
                    Role::Line => matches!(ep, trials::Endpoint::Pfs | trials::Endpoint::Ttp),
                    _ => matches!(ep, trials::Endpoint::Os | trials::Endpoint::Pfs | trials::Endpoint::Ttp),
                })
                .ok_or_else(|| bad(&format!("{field}.endpoint"), format!("{e:?}"), allowed))?
        }
    };
    if kb_form {
        for (k, present) in [
            ("ci", s.ci.is_some()),
            ("events", s.events.is_some()),
            ("source", s.source.is_some()),
            ("shape", s.shape.is_some()),
            ("scale", s.scale.is_some()),
            ("rate", s.rate.is_some()),
            ("meanlog", s.meanlog.is_some()),
            ("sdlog", s.sdlog.is_some()),
            ("vcov", s.vcov.is_some()),
        ] {
            if present {
                return Err(InputError::new(
                    format!("{field}.{k}"),
                    "not allowed with a knowledge-base reference (the source, CI and events come from the trial base); allowed keys: trial, arm, cohort, endpoint, assessment, analysis_kind, method, se_log, note",
                ));
            }
        }
        return resolve_kb_time(b, field, name, s, endpoint, role);
    }
    let source = source_text(&format!("{field}.source"), &s.source)?;
    if s.illustrative {
        b.warnings
            .push(format!("{name}: ILLUSTRATIVE input ({source}) — not evidence"));
    }
    let prov = |note: Option<String>| user_prov(&source, s.illustrative, note);
    if median_form {
        if s.median_months.is_some() && s.rate_per_month.is_some() {
            return Err(InputError::new(
                format!("{field}.rate_per_month"),
                "given together with median_months; allowed: one of them",
            ));
        }
        let se = match (s.ci, s.events, s.se_log) {
            (Some(ci), None, None) => {
                if !(ci[0] > 0.0 && ci[1] > ci[0]) {
                    return Err(bad(
                        &format!("{field}.ci"),
                        format!("{ci:?}"),
                        "[lower, upper] with 0 < lower < upper",
                    ));
                }
                Some((ci[1].ln() - ci[0].ln()) / (2.0 * Z95))
            }
            (None, Some(e), None) if e > 0 => Some(1.0 / (e as f64).sqrt()),
            (None, Some(e), None) => return Err(bad(&format!("{field}.events"), e, "a number of events ≥ 1")),
            (None, None, Some(v)) => Some(positive(&format!("{field}.se_log"), v)?),
            (None, None, None) => None,
            _ => {
                return Err(InputError::new(
                    field,
                    "more than one of ci, events, se_log; allowed: at most one uncertainty statement",
                ));
            }
        };
        let psa = b.lognormal_psa(name, se, "no ci, events or se_log given");
        let (time, desc) = if let Some(m) = s.median_months {
            let m = positive(&format!("{field}.median_months"), m)?;
            let p = b.param(format!("{name}.median_months"), m, "months", psa, prov(s.note.clone()));
            (
                TimeModel::ExponentialMedian { median: p },
                format!("exponential with median {} months ({source})", trials::num(m)),
            )
        } else {
            let r = positive(&format!("{field}.rate_per_month"), s.rate_per_month.unwrap_or(0.0))?;
            let p = b.param(
                format!("{name}.rate_per_month"),
                r,
                "per month",
                psa,
                prov(s.note.clone()),
            );
            (
                TimeModel::ExponentialRate { rate: p },
                format!("exponential with rate {} per month ({source})", trials::num(r)),
            )
        };
        return Ok(Resolved {
            time,
            endpoint,
            description: desc,
        });
    }
    // Explicit parametric fit: flexsurv parameters, or a survreg fit converted to them.
    let (family, nat, vcov) = match &s.survreg {
        Some(sr) => from_survreg(field, sr, s)?,
        None => {
            let dname = s.distribution.clone().unwrap_or_default();
            let family = Family::ALL.iter().copied().find(|f| f.id() == dname).ok_or_else(|| {
                bad(
                    &format!("{field}.distribution"),
                    format!("{dname:?}"),
                    Family::ALL.map(|f| f.id()).join(", "),
                )
            })?;
            let given: [(&str, Option<f64>); 5] = [
                ("shape", s.shape),
                ("scale", s.scale),
                ("rate", s.rate),
                ("meanlog", s.meanlog),
                ("sdlog", s.sdlog),
            ];
            let needed = family.params();
            for (k, v) in given {
                if v.is_some() && !needed.contains(&k) {
                    return Err(InputError::new(
                        format!("{field}.{k}"),
                        format!("not a parameter of {}; allowed: {}", family.id(), needed.join(", ")),
                    ));
                }
            }
            let mut nat = Vec::new();
            for k in needed {
                let v = given
                    .iter()
                    .find(|(g, _)| g == k)
                    .and_then(|(_, v)| *v)
                    .ok_or_else(|| {
                        InputError::new(
                            format!("{field}.{k}"),
                            format!("missing; allowed: {} needs {}", family.id(), needed.join(", ")),
                        )
                    })?;
                nat.push(v);
            }
            (family, nat, s.vcov.clone())
        }
    };
    if role == Role::DeathDuring && family != Family::Exponential {
        return Err(bad(
            &format!("{field}.distribution"),
            format!("{:?}", family.id()),
            "exponential (the death hazard while on a line is constant)",
        ));
    }
    let needed = family.params();
    let dist = Dist::from_natural(family, &nat).ok_or_else(|| {
        InputError::new(
            field,
            format!(
                "{} with {:?} is out of range; allowed: positive shape, scale, rate and sdlog (Gompertz shape and lognormal meanlog may be any real number)",
                family.id(),
                nat
            ),
        )
    })?;
    if s.ci.is_some() || s.events.is_some() || s.se_log.is_some() {
        return Err(InputError::new(
            field,
            "ci, events and se_log apply to medians and rates; allowed for a parametric fit: vcov (covariance of theta, flexsurv's res.t scale)",
        ));
    }
    let theta = theta_of(&dist);
    let k = theta.len();
    let theta_names: Vec<String> = match family {
        Family::Exponential => vec!["log_rate".into()],
        Family::Weibull | Family::Loglogistic => vec!["log_shape".into(), "log_scale".into()],
        Family::Lognormal => vec!["meanlog".into(), "log_sdlog".into()],
        Family::Gompertz => vec!["shape".into(), "log_rate".into()],
    };
    let group = match &vcov {
        None => {
            b.warnings.push(format!(
                "{name}: parametric fit without vcov — fixed in the PSA; its uncertainty is not propagated"
            ));
            None
        }
        Some(v) => {
            let chol = cholesky(v, k).ok_or_else(|| {
                InputError::new(
                    format!("{field}.{}", if s.survreg.is_some() { "survreg.vcov" } else { "vcov" }),
                    format!(
                        "got a {}×{} matrix that is not a symmetric positive-definite {k}×{k} covariance; allowed: the fit's covariance of ({}) (flexsurv res.t scale; for survreg: of (Intercept), Log(scale))",
                        v.len(),
                        v.first().map(|r| r.len()).unwrap_or(0),
                        theta_names.join(", ")
                    ),
                )
            })?;
            b.groups.push(MvnGroup {
                name: name.to_string(),
                mean: theta.clone(),
                chol,
            });
            Some(b.groups.len() - 1)
        }
    };
    let mut ids = Vec::new();
    for (i, (v, tn)) in theta.iter().zip(&theta_names).enumerate() {
        let psa = match group {
            Some(g) => Psa::Mvn { group: g, index: i },
            None => Psa::Fixed,
        };
        ids.push(b.param(format!("{name}.{tn}"), *v, "theta", psa, prov(s.note.clone())));
    }
    let desc = format!(
        "{} ({}) — median {:.2} months ({source})",
        family.id(),
        needed
            .iter()
            .zip(&nat)
            .map(|(k, v)| format!("{k} {}", trials::num(*v)))
            .collect::<Vec<_>>()
            .join(", "),
        dist.median()
    );
    Ok(Resolved {
        time: TimeModel::Parametric { family, theta: ids },
        endpoint,
        description: desc,
    })
}

/// A parametric fit: family, flexsurv parameters, covariance of theta.
type Fit = (Family, Vec<f64>, Option<Vec<Vec<f64>>>);

/// A survreg fit → (family, flexsurv parameters, covariance of theta). survreg: log T = μ + σW;
/// Weibull and log-logistic: shape 1/σ, scale e^μ, theta (−log σ, μ); exponential: rate e^−μ,
/// theta (−μ); lognormal: meanlog μ, sdlog σ, theta (μ, log σ). Gompertz is not an AFT model
/// in survreg: give it with `distribution = "gompertz"`.
fn from_survreg(field: &str, sr: &SurvregSpec, s: &TimeSpec) -> Result<Fit, InputError> {
    let f = format!("{field}.survreg");
    for (k, present) in [
        ("shape", s.shape.is_some()),
        ("scale", s.scale.is_some()),
        ("rate", s.rate.is_some()),
        ("meanlog", s.meanlog.is_some()),
        ("sdlog", s.sdlog.is_some()),
        ("vcov", s.vcov.is_some()),
    ] {
        if present {
            return Err(InputError::new(
                format!("{field}.{k}"),
                "not allowed with `survreg` (give the fit's own parameters inside survreg)",
            ));
        }
    }
    let family = match sr.dist.as_str() {
        "weibull" => Family::Weibull,
        "exponential" => Family::Exponential,
        "lognormal" => Family::Lognormal,
        "loglogistic" => Family::Loglogistic,
        x => {
            return Err(bad(
                &format!("{f}.dist"),
                format!("{x:?}"),
                "weibull, exponential, lognormal, loglogistic (Gompertz: use distribution = \"gompertz\")",
            ));
        }
    };
    let mu = sr.intercept;
    if !mu.is_finite() {
        return Err(bad(&format!("{f}.intercept"), mu, "a finite number"));
    }
    let k = if family == Family::Exponential { 1 } else { 2 };
    let ls = match (family, sr.log_scale) {
        (Family::Exponential, None) => 0.0,
        (Family::Exponential, Some(v)) => {
            return Err(bad(
                &format!("{f}.log_scale"),
                v,
                "nothing: the exponential has scale 1",
            ));
        }
        (_, Some(v)) if v.is_finite() => v,
        (_, v) => {
            return Err(InputError::new(
                format!("{f}.log_scale"),
                format!(
                    "{}; allowed: the fit's Log(scale)",
                    v.map(|x| x.to_string()).unwrap_or_else(|| "missing".into())
                ),
            ));
        }
    };
    let sigma = ls.exp();
    let nat = match family {
        Family::Exponential => vec![(-mu).exp()],
        Family::Weibull | Family::Loglogistic => vec![1.0 / sigma, mu.exp()],
        Family::Lognormal => vec![mu, sigma],
        Family::Gompertz => unreachable!("not a survreg family"),
    };
    // Covariance of (μ, log σ) → of theta. J maps (μ, log σ) to theta.
    let v_in: Option<Vec<Vec<f64>>> = match (&sr.vcov, &sr.se) {
        (Some(_), Some(_)) => {
            return Err(InputError::new(
                format!("{f}.se"),
                "given together with vcov; allowed: one of them",
            ));
        }
        (Some(v), None) => Some(v.clone()),
        (None, Some(se)) => {
            if se.len() != k || se.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
                return Err(bad(
                    &format!("{f}.se"),
                    format!("{se:?}"),
                    format!(
                        "{k} positive standard errors (of (Intercept){})",
                        if k == 2 { ", Log(scale)" } else { "" }
                    ),
                ));
            }
            Some(
                (0..k)
                    .map(|i| (0..k).map(|j| if i == j { se[i] * se[i] } else { 0.0 }).collect())
                    .collect(),
            )
        }
        (None, None) => None,
    };
    let vcov = match v_in {
        None => None,
        Some(v) => {
            if v.len() != k || v.iter().any(|r| r.len() != k) {
                return Err(bad(
                    &format!("{f}.vcov"),
                    format!("a {}-row matrix", v.len()),
                    format!(
                        "a {k}×{k} covariance of (Intercept){}",
                        if k == 2 { ", Log(scale)" } else { "" }
                    ),
                ));
            }
            let j: Vec<Vec<f64>> = match family {
                Family::Exponential => vec![vec![-1.0]],
                Family::Weibull | Family::Loglogistic => vec![vec![0.0, -1.0], vec![1.0, 0.0]],
                _ => vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            };
            // J V Jᵀ
            let jv: Vec<Vec<f64>> = (0..k)
                .map(|a| (0..k).map(|b| (0..k).map(|c| j[a][c] * v[c][b]).sum()).collect())
                .collect();
            Some(
                (0..k)
                    .map(|a| (0..k).map(|b| (0..k).map(|c| jv[a][c] * j[b][c]).sum()).collect())
                    .collect(),
            )
        }
    };
    Ok((family, nat, vcov))
}

fn theta_of(d: &Dist) -> Vec<f64> {
    match *d {
        Dist::Exponential { rate } => vec![rate.ln()],
        Dist::Weibull { shape, scale } | Dist::Loglogistic { shape, scale } => vec![shape.ln(), scale.ln()],
        Dist::Lognormal { meanlog, sdlog } => vec![meanlog, sdlog.ln()],
        Dist::Gompertz { shape, rate } => vec![shape, rate.ln()],
    }
}

/// Lower Cholesky factor of a symmetric positive-definite k×k matrix (row-major).
fn cholesky(m: &[Vec<f64>], k: usize) -> Option<Vec<f64>> {
    if m.len() != k || m.iter().any(|r| r.len() != k) {
        return None;
    }
    for (i, row) in m.iter().enumerate() {
        for (j, &a) in row.iter().enumerate() {
            let b = m[j][i];
            if !a.is_finite() || (a - b).abs() > 1e-12 * a.abs().max(b.abs()).max(1e-300) {
                return None;
            }
        }
    }
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i * k + p] * l[j * k + p]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 0.0 {
                    return None;
                }
                l[i * k + j] = d.sqrt();
            } else {
                l[i * k + j] = (m[i][j] - s) / l[j * k + j];
            }
        }
    }
    Some(l)
}

fn pick_result<'t>(
    t: &'t Trial,
    field: &str,
    cohort: &str,
    endpoint: trials::Endpoint,
    assessment: Option<Assessment>,
    kind: Option<AnalysisKind>,
) -> Result<&'t Outcome, InputError> {
    let cands: Vec<&Outcome> = t
        .results
        .iter()
        .filter(|r| r.cohort == cohort && r.endpoint == endpoint)
        .filter(|r| assessment.is_none() || r.assessment == assessment)
        .filter(|r| kind.is_none() || Some(r.kind) == kind)
        .collect();
    let describe = |r: &Outcome| {
        format!(
            "{}{} ({})",
            kind_id(r.kind),
            r.assessment.map(|a| format!(", {}", a.label())).unwrap_or_default(),
            r.analysis
        )
    };
    match cands.len() {
        0 => {
            let avail: Vec<String> = t
                .results
                .iter()
                .filter(|r| r.endpoint.is_time_to_event())
                .map(|r| format!("{} {} in cohort {}", r.endpoint.id(), kind_id(r.kind), r.cohort))
                .collect();
            Err(InputError::new(
                field,
                format!(
                    "{} has no {} result for cohort '{cohort}' with these filters; allowed (time-to-event results): {}",
                    t.name,
                    endpoint.id(),
                    if avail.is_empty() {
                        "none".into()
                    } else {
                        avail.join("; ")
                    }
                ),
            ))
        }
        1 => Ok(cands[0]),
        _ => {
            let pref: Vec<&&Outcome> = cands.iter().filter(|r| r.preferred).collect();
            if pref.len() == 1 {
                Ok(pref[0])
            } else {
                Err(InputError::new(
                    field,
                    format!(
                        "{} has {} {} results for cohort '{cohort}'; allowed: choose one with `assessment` or `analysis_kind`: {}",
                        t.name,
                        cands.len(),
                        endpoint.id(),
                        cands.iter().map(|r| describe(r)).collect::<Vec<_>>().join("; ")
                    ),
                ))
            }
        }
    }
}

fn kb_prov(t: &Trial, r: &Outcome, field: &str, arm: Option<&str>, extra: Option<String>) -> Provenance {
    let status = Trial::value_status(r, field, arm);
    let mut notes = Vec::new();
    if let Some(o) = r.overrides.iter().find(|o| {
        (o.field == field || field.starts_with(&format!("{}.", o.field)))
            && (o.arm.is_none() || o.arm.as_deref() == arm)
    }) {
        notes.push(o.note.clone());
    } else if let Some(n) = &r.source.note {
        notes.push(n.clone());
    }
    if let Some(e) = extra {
        notes.push(e);
    }
    Provenance {
        reference: format!("{} — {} ({}); {}", t.name, r.analysis, t.id, r.source.reference),
        status: status.id().into(),
        note: if notes.is_empty() { None } else { Some(notes.join(" ")) },
    }
}

fn resolve_kb_time(
    b: &mut Builder,
    field: &str,
    name: &str,
    s: &TimeSpec,
    endpoint: trials::Endpoint,
    role: Role,
) -> Result<Resolved, InputError> {
    let kb = b.kb;
    let t = trial_ref(kb, field, s.trial.as_deref().unwrap_or_default())?;
    let cohort = cohort_ref(t, field, &s.cohort)?;
    let arm = arm_ref(t, field, &s.arm)?;
    let assessment = parse_assessment(field, &s.assessment)?;
    let kind = parse_kind(field, &s.analysis_kind)?;
    let r = pick_result(t, field, &cohort, endpoint, assessment, kind)?;
    if role == Role::Line {
        b.population_check(field, t, &cohort);
    }
    let method = s.method.clone().unwrap_or_else(|| "auto".into());
    if !["auto", "median", "control_median_over_hr"].contains(&method.as_str()) {
        return Err(bad(
            &format!("{field}.method"),
            format!("{method:?}"),
            "auto, median, control_median_over_hr",
        ));
    }
    let av = r.arms.iter().find(|a| a.arm == arm);
    let median = av.and_then(|a| a.median).and_then(|m| m.value());
    let where_ = format!(
        "{} {} {}{} arm '{}'",
        t.name,
        if cohort == "all" {
            String::new()
        } else {
            format!("cohort '{cohort}'")
        },
        endpoint.label(),
        r.assessment.map(|a| format!(" ({})", a.label())).unwrap_or_default(),
        arm
    );
    let use_median = match method.as_str() {
        "median" => {
            if median.is_none() {
                return Err(InputError::new(
                    format!("{field}.arm"),
                    format!(
                        "{where_} has no numeric median (median {}); allowed: an arm with a median, or method = \"control_median_over_hr\"",
                        av.and_then(|a| a.median)
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| "not reported".into())
                    ),
                ));
            }
            true
        }
        "control_median_over_hr" => false,
        _ => median.is_some(),
    };
    if let Some(se) = s.se_log {
        positive(&format!("{field}.se_log"), se)?;
    }
    if use_median {
        let m = median.unwrap_or(f64::NAN);
        let a = av.expect("median implies arm value");
        let (se, why) = match (a.median_ci, a.events) {
            (Some([lo, hi]), _) if lo.value().is_some() && hi.value().is_some() => {
                let (lo, hi) = (lo.value().unwrap_or(1.0), hi.value().unwrap_or(1.0));
                (Some((hi.ln() - lo.ln()) / (2.0 * Z95)), "95 % CI of the median")
            }
            (_, Some(e)) if e > 0 => (Some(1.0 / (e as f64).sqrt()), "events"),
            _ => (None, "no CI of the median or event count in the knowledge base"),
        };
        let se = s.se_log.or(se);
        let psa = b.lognormal_psa(&format!("{name}.median_months"), se, why);
        let ci_note = if a.median_ci.is_some() {
            let st = Trial::value_status(r, "median_ci", Some(&arm));
            if st == netrx_kb::Status::Unverified {
                b.warnings.push(format!(
                    "{name}.median_months: the median's CI that sets its PSA spread is UNVERIFIED in the references"
                ));
                Some("The median's CI (used for the PSA) is UNVERIFIED.".to_string())
            } else {
                None
            }
        } else {
            None
        };
        let mut prov = kb_prov(t, r, "median", Some(&arm), ci_note.or(s.note.clone()));
        if s.se_log.is_some() {
            prov.note = Some(format!(
                "{} PSA SE(log) {} set in the SPEC.",
                prov.note.clone().unwrap_or_default(),
                trials::num(s.se_log.unwrap_or(0.0))
            ));
        }
        let p = b.param(format!("{name}.median_months"), m, "months", psa, prov);
        Ok(Resolved {
            time: TimeModel::ExponentialMedian { median: p },
            endpoint,
            description: format!(
                "exponential from the median {} months of {where_}",
                trials::fmt_median(m)
            ),
        })
    } else {
        // median = control median / HR.
        let e = r.effect.as_ref().filter(|e| e.measure == Measure::Hr).ok_or_else(|| {
            InputError::new(
                format!("{field}.arm"),
                format!(
                    "{where_}: no numeric median and no hazard ratio in that result; allowed: an arm with a median or a result with an HR"
                ),
            )
        })?;
        let (control, hr, ci) = if e.contrast[0] == arm {
            (e.contrast[1].clone(), e.value, e.ci)
        } else if e.contrast[1] == arm {
            (
                e.contrast[0].clone(),
                1.0 / e.value,
                e.ci.map(|[l, u]| [1.0 / u, 1.0 / l]),
            )
        } else {
            return Err(InputError::new(
                format!("{field}.arm"),
                format!(
                    "the HR of that result compares {} with {}, not arm '{arm}'",
                    e.contrast[0], e.contrast[1]
                ),
            ));
        };
        let cv = r.arms.iter().find(|a| a.arm == control);
        let cm = cv.and_then(|a| a.median).and_then(|m| m.value()).ok_or_else(|| {
            InputError::new(
                format!("{field}.arm"),
                format!("{where_}: the control arm '{control}' has no numeric median to divide by the HR"),
            )
        })?;
        let c = cv.expect("median implies value");
        let (cse, cwhy) = match (c.median_ci, c.events) {
            (Some([lo, hi]), _) if lo.value().is_some() && hi.value().is_some() => (
                Some((hi.value().unwrap_or(1.0).ln() - lo.value().unwrap_or(1.0).ln()) / (2.0 * Z95)),
                "95 % CI of the median",
            ),
            (_, Some(ev)) if ev > 0 => (Some(1.0 / (ev as f64).sqrt()), "events"),
            _ => (None, "no CI of the control median or event count in the knowledge base"),
        };
        let hse = match (ci, trials::z_for_level(e.ci_level)) {
            (Some([l, u]), Some(z)) => Some((u.ln() - l.ln()) / (2.0 * z)),
            _ => None,
        };
        let cpsa = b.lognormal_psa(&format!("{name}.control_median_months"), cse, cwhy);
        let hpsa = b.lognormal_psa(
            &format!("{name}.hr"),
            s.se_log.or(hse),
            "no CI of the HR in the knowledge base",
        );
        let cp = b.param(
            format!("{name}.control_median_months"),
            cm,
            "months",
            cpsa,
            kb_prov(
                t,
                r,
                "median",
                Some(&control),
                Some(format!("Control arm '{control}'.")),
            ),
        );
        let mut hprov = kb_prov(t, r, "effect", None, s.note.clone());
        if ci.is_some() && Trial::value_status(r, "effect.ci", None) == netrx_kb::Status::Unverified {
            hprov.note = Some(format!(
                "{} The HR's CI (used for the PSA) is UNVERIFIED.",
                hprov.note.clone().unwrap_or_default()
            ));
            b.warnings.push(format!(
                "{name}.hr: the HR's CI that sets its PSA spread is UNVERIFIED in the references"
            ));
        }
        if e.contrast[1] == arm {
            hprov.note = Some(format!(
                "{} Inverted from the published HR {} ({} vs {}).",
                hprov.note.clone().unwrap_or_default(),
                trials::fmt_ratio(e.value),
                e.contrast[0],
                e.contrast[1]
            ));
        }
        let hp = b.param(format!("{name}.hr"), hr, "ratio", hpsa, hprov);
        b.assumptions.push(format!(
            "{name}: the median of {where_} is {} in the knowledge base, so it is modelled as the control arm's median ({} months, arm '{control}') divided by the HR {} — exponential, proportional hazards.",
            av.and_then(|a| a.median).map(|m| m.to_string()).unwrap_or_else(|| "not reported".into()),
            trials::fmt_median(cm),
            trials::fmt_ratio(hr)
        ));
        Ok(Resolved {
            time: TimeModel::ExponentialMedianOverHr {
                control_median: cp,
                hr: hp,
            },
            endpoint,
            description: format!(
                "exponential with median {} / {} = {:.1} months ({where_}, via the HR against '{control}')",
                trials::fmt_median(cm),
                trials::fmt_ratio(hr),
                cm / hr
            ),
        })
    }
}

fn resolve_ae(
    b: &mut Builder,
    field: &str,
    tid: &str,
    spec: &AeSpec,
    dis: &Option<AeDisSec>,
    costs: &Option<CostsSec>,
) -> Result<Vec<AeTerm>, InputError> {
    let below = spec.below.clone().unwrap_or_else(|| "half".into());
    let below_factor = match below.as_str() {
        "half" => 0.5,
        "bound" => 1.0,
        "zero" => 0.0,
        x => return Err(bad(&format!("{field}.below"), format!("{x:?}"), "half, bound, zero")),
    };
    // (term, percent, reported-below?, n, provenance)
    let mut rows: Vec<(String, f64, bool, Option<u32>, Provenance)> = Vec::new();
    match (&spec.trial, &spec.rows) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(InputError::new(
                field,
                "allowed: either a knowledge-base table (trial, table, arm) or explicit rows (rows, source)",
            ));
        }
        (Some(tk), None) => {
            if spec.source.is_some() || spec.n.is_some() {
                return Err(InputError::new(
                    format!("{field}.{}", if spec.source.is_some() { "source" } else { "n" }),
                    "not allowed with a knowledge-base table (source and N come from the trial base)",
                ));
            }
            let t = trial_ref(b.kb, field, tk)?;
            let ids: Vec<&str> = t.ae_tables.iter().map(|x| x.id.as_str()).collect();
            let table_id = spec.table.clone().ok_or_else(|| {
                InputError::new(
                    format!("{field}.table"),
                    format!(
                        "missing; allowed: an AE table of {}: {}",
                        t.name,
                        if ids.is_empty() { "none".into() } else { ids.join(", ") }
                    ),
                )
            })?;
            let table = t.ae_tables.iter().find(|x| x.id == table_id).ok_or_else(|| {
                bad(
                    &format!("{field}.table"),
                    format!("{table_id:?}"),
                    format!(
                        "an AE table of {}: {}",
                        t.name,
                        if ids.is_empty() { "none".into() } else { ids.join(", ") }
                    ),
                )
            })?;
            let row_arms: Vec<String> = {
                let mut v: Vec<String> = table
                    .rows
                    .iter()
                    .filter_map(|r| r.arm.clone().or_else(|| table.arm.clone()))
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            let arm = match (&spec.arm, row_arms.len()) {
                (Some(a), _) if row_arms.contains(a) => a.clone(),
                (Some(a), _) => {
                    return Err(bad(
                        &format!("{field}.arm"),
                        format!("{a:?}"),
                        format!("an arm of table {table_id}: {}", row_arms.join(", ")),
                    ));
                }
                (None, 1) => row_arms[0].clone(),
                (None, _) => {
                    return Err(InputError::new(
                        format!("{field}.arm"),
                        format!("missing; allowed: an arm of table {table_id}: {}", row_arms.join(", ")),
                    ));
                }
            };
            let n = match &table.cohort {
                Some(c) => t.cohort(c).and_then(|c| c.arm_n.get(&arm).copied()),
                None => t.arm(&arm).and_then(|a| a.n),
            };
            let mut skipped = Vec::new();
            for r in table
                .rows
                .iter()
                .filter(|r| r.arm.as_ref().or(table.arm.as_ref()) == Some(&arm))
            {
                let (pct, grade_note) = match (r.grade_3_4, r.grade_3_plus, r.grade_3) {
                    (Some(p), _, _) => (p, None),
                    (None, Some(p), _) => (p, Some("grade ≥ 3 as reported, used as grade 3–4".to_string())),
                    (None, None, Some(p)) => (
                        p,
                        Some(
                            "grade 3 only as reported (grade 4 not reported), used as grade 3–4: may underestimate"
                                .to_string(),
                        ),
                    ),
                    (None, None, None) => {
                        skipped.push(r.term.clone());
                        continue;
                    }
                };
                // A range "a–b" (e.g. across cohorts) is read as its midpoint.
                let (pct, range_note) = match pct.to {
                    Some(to) => (
                        trials::Pct {
                            value: (pct.value + to) / 2.0,
                            below: false,
                            to: None,
                        },
                        Some(format!(
                            "reported as the range {}–{}%, read as its midpoint",
                            trials::num(pct.value),
                            trials::num(to)
                        )),
                    ),
                    None => (pct, None),
                };
                let src = r.source.as_ref().unwrap_or(&table.source);
                let mut notes = vec![];
                if let Some(n) = &src.note {
                    notes.push(n.clone());
                }
                if let Some(g) = grade_note {
                    notes.push(g);
                }
                if let Some(g) = range_note {
                    notes.push(g);
                }
                if table.attribution == "drug_related" {
                    notes.push("drug-related events only".into());
                }
                rows.push((
                    r.term.clone(),
                    pct.value,
                    pct.below,
                    n,
                    Provenance {
                        reference: format!(
                            "{} — {} ({}/{}); {}",
                            t.name, table.label, t.id, table.id, src.reference
                        ),
                        status: src.status.id().into(),
                        note: if notes.is_empty() { None } else { Some(notes.join("; ")) },
                    },
                ));
            }
            if !skipped.is_empty() {
                b.warnings.push(format!(
                    "{field}: rows without a grade 3–4 rate are not used: {}",
                    skipped.join(", ")
                ));
            }
            if n.is_none() {
                b.warnings.push(format!(
                    "{field}: the arm's N is not in the knowledge base — AE probabilities are fixed in the PSA"
                ));
            }
        }
        (None, Some(rs)) => {
            if spec.table.is_some() || spec.arm.is_some() {
                return Err(InputError::new(
                    format!("{field}.{}", if spec.table.is_some() { "table" } else { "arm" }),
                    "not allowed with explicit rows (give trial, table, arm instead of rows)",
                ));
            }
            let source = source_text(&format!("{field}.source"), &spec.source)?;
            for (i, r) in rs.iter().enumerate() {
                if !(r.percent.is_finite() && (0.0..=100.0).contains(&r.percent)) {
                    return Err(bad(
                        &format!("{field}.rows[{i}].percent"),
                        r.percent,
                        "a percentage 0–100",
                    ));
                }
                rows.push((
                    r.term.clone(),
                    r.percent,
                    false,
                    spec.n,
                    user_prov(&source, spec.illustrative, spec.note.clone()),
                ));
            }
        }
    }
    let mut out = Vec::new();
    let cost_cv = costs.as_ref().and_then(|c| c.cv);
    for (term, pct, is_below, n, mut prov) in rows {
        let p = if is_below { pct * below_factor } else { pct } / 100.0;
        if is_below {
            prov.note = Some(format!(
                "{}reported as <{}%, read as {}% (below = {below})",
                prov.note.as_ref().map(|n| format!("{n}; ")).unwrap_or_default(),
                trials::num(pct),
                trials::num(p * 100.0)
            ));
        }
        if let (Some(n2), Some(_)) = (&spec.note, &spec.trial) {
            prov.note = Some(format!(
                "{}{n2}",
                prov.note.as_ref().map(|n| format!("{n}; ")).unwrap_or_default()
            ));
        }
        let psa = match n {
            Some(n) if p > 0.0 && p < 1.0 => Psa::Beta {
                alpha: p * n as f64,
                beta: (1.0 - p) * n as f64,
            },
            _ => Psa::Fixed,
        };
        let pi = b.param(
            format!("{tid}.ae.{term}.probability"),
            p,
            "probability per line",
            psa,
            prov,
        );
        let d = dis.as_ref().ok_or_else(|| {
            InputError::new(
                "ae_disutility",
                format!("missing; allowed: an [ae_disutility] table with `source` and `default = {{ decrement, duration_months }}` (treatment '{tid}' has AE rows)"),
            )
        })?;
        let (dd, which) = match d.terms.get(&term) {
            Some(x) => (*x, format!("ae_disutility.terms.{term}")),
            None => (d.default, "ae_disutility.default".to_string()),
        };
        nonneg(&format!("{which}.decrement"), dd.decrement)?;
        nonneg(&format!("{which}.duration_months"), dd.duration_months)?;
        let dpsa = gamma_psa(&format!("{which}.se"), dd.decrement, dd.se)?;
        let di = b.param(
            format!("{tid}.ae.{term}.decrement"),
            dd.decrement,
            "utility decrement",
            dpsa,
            user_prov(
                &d.source,
                d.illustrative,
                Some(format!(
                    "from {which}; lasts {} months",
                    trials::num(dd.duration_months)
                )),
            ),
        );
        let cost = match costs.as_ref().and_then(|c| c.ae.as_ref().map(|a| (c, a))) {
            Some((c, a)) => {
                let v = *a.terms.get(&term).unwrap_or(&a.default);
                nonneg("costs.ae", v)?;
                let cpsa = cost_psa(v, cost_cv);
                Some(b.param(
                    format!("{tid}.ae.{term}.cost"),
                    v,
                    &c.currency,
                    cpsa,
                    user_prov(&c.source, c.illustrative, None),
                ))
            }
            None => None,
        };
        out.push(AeTerm {
            term,
            probability: pi,
            decrement: di,
            duration_months: dd.duration_months,
            cost,
        });
    }
    Ok(out)
}

fn gamma_psa(field: &str, mean: f64, se: Option<f64>) -> Result<Psa, InputError> {
    match se {
        None => Ok(Psa::Fixed),
        Some(s) if s.is_finite() && s > 0.0 && mean > 0.0 => Ok(Psa::Gamma {
            shape: mean * mean / (s * s),
            scale: s * s / mean,
        }),
        Some(s) => Err(bad(field, s, "a standard error > 0 (with a value > 0)")),
    }
}

fn cost_psa(v: f64, cv: Option<f64>) -> Psa {
    match cv {
        Some(c) if c > 0.0 && v > 0.0 => Psa::Gamma {
            shape: 1.0 / (c * c),
            scale: v * c * c,
        },
        _ => Psa::Fixed,
    }
}

fn utility_psa(field: &str, u: f64, se: Option<f64>) -> Result<Psa, InputError> {
    match se {
        None => Ok(Psa::Fixed),
        Some(s) => {
            if !(u > 0.0 && u < 1.0) {
                return Err(bad(
                    field,
                    u,
                    "a utility strictly between 0 and 1 when utilities.se is given (Beta PSA)",
                ));
            }
            let v = s * s;
            if !(s > 0.0 && v < u * (1.0 - u)) {
                return Err(bad(
                    "utilities.se",
                    s,
                    format!("a standard error > 0 with se² < u(1 − u) for every utility (here u = {u})"),
                ));
            }
            let k = u * (1.0 - u) / v - 1.0;
            Ok(Psa::Beta {
                alpha: u * k,
                beta: (1.0 - u) * k,
            })
        }
    }
}

fn utility_value(field: &str, u: f64) -> Result<f64, InputError> {
    if u.is_finite() && (-1.0..=1.0).contains(&u) {
        Ok(u)
    } else {
        Err(bad(field, u, "a utility between -1 and 1"))
    }
}

/// The generic modelling assumptions (shown in every output).
fn generic_assumptions() -> Vec<String> {
    vec![
        "Each line's time is drawn from its treatment's distribution; a treatment's effect does not depend on its position in the sequence or on earlier treatments (no carry-over, no cross-resistance, no line-of-therapy effect) unless a sequence modifier states a hazard ratio for that line.".into(),
        "Trial medians become exponential distributions (constant hazard); a hazard ratio is applied as proportional hazards. Trial populations (line of therapy, era, progression status, assessment) differ from the modelled patients: the model transports published results to sequences that no trial has tested.".into(),
        "PFS counts progression or death. On a PFS line, an event at time t is a death with probability h_death / h_PFS(t) (competing risks with the constant cause-specific death hazard of [death].during_lines), so the line's PFS distribution is reproduced exactly; where h_PFS(t) < h_death every event is counted as a death (reported as death_capped). On a TTP line (deaths censored in the trial), death competes independently.".into(),
        "After progression on the last line, survival follows [death].after_last_line.".into(),
        "Grade 3–4 adverse events: each listed term occurs at most once per line, with the trial's per-patient incidence, independently of other terms and of how long the line lasts; its disutility applies at the start of the line. Terms without grade 3–4 data count as zero.".into(),
        "Utilities per state and AE disutilities are SPEC inputs with the source the SPEC states; they are not in the knowledge base and are not evidence from it.".into(),
        "Outcomes are restricted to the horizon: means are restricted means; a median beyond the horizon is reported as not reached. Medians come from fixed-bin histograms (within one bin width of the sample median).".into(),
        "PSA: medians and HRs lognormal (SE from the 95 % CI, or 1/√events); AE probabilities Beta(p·N, (1−p)·N); utilities Beta and disutilities Gamma when an SE is given; costs Gamma with the SPEC's coefficient of variation; explicit fits multivariate normal on flexsurv's scale with their vcov. Parameters are independent of each other (except within one fit); parameters without uncertainty information are fixed and listed in the warnings.".into(),
    ]
}

/// Parse a SPEC and resolve it against the knowledge base.
pub fn load(text: &str, kb: &Kb) -> Result<Model, InputError> {
    let spec = parse(text)?;
    let m = &spec.model;
    if m.title.trim().is_empty() {
        return Err(bad("model.title", "\"\"", "a non-empty title"));
    }
    let horizon = positive("model.horizon_months", m.horizon_months)?;
    if horizon > MAX_HORIZON {
        return Err(bad(
            "model.horizon_months",
            horizon,
            format!("a number of months > 0 and ≤ {MAX_HORIZON}"),
        ));
    }
    let bin = m.histogram_bin_months.unwrap_or(0.25);
    let bin = positive("model.histogram_bin_months", bin)?;
    if horizon / bin > 100_000.0 || bin > horizon {
        return Err(bad(
            "model.histogram_bin_months",
            bin,
            format!(
                "a bin width ≤ the horizon with at most 100000 bins (≥ {})",
                horizon / 100_000.0
            ),
        ));
    }
    let population = match &m.population {
        None => None,
        Some(p) => Some(kb.populations.population(p).ok_or_else(|| {
            bad(
                "model.population",
                format!("{p:?}"),
                format!(
                    "a population of the knowledge base: {}",
                    kb.populations.ids().join(", ")
                ),
            )
        })?),
    };
    let mut b = Builder {
        kb,
        population,
        params: Vec::new(),
        groups: Vec::new(),
        assumptions: generic_assumptions(),
        warnings: Vec::new(),
        illustrative: Vec::new(),
        unverified: Vec::new(),
    };
    let (dq, dc) = match &spec.discount {
        None => {
            b.assumptions
                .push("No discounting (no [discount] section in the SPEC).".into());
            (0.0, 0.0)
        }
        Some(d) => {
            let q = nonneg("discount.qalys_per_year", d.qalys_per_year)?;
            let c = nonneg("discount.costs_per_year", d.costs_per_year.unwrap_or(d.qalys_per_year))?;
            if q > 0.2 || c > 0.2 {
                return Err(bad(
                    "discount",
                    format!("{q}/{c}"),
                    "annual rates between 0 and 0.2 (e.g. 0.035)",
                ));
            }
            let src = source_text("discount.source", &Some(d.source.clone()))?;
            b.assumptions.push(format!(
                "Discounting (continuous, equivalent to {}%/year for QALYs and {}%/year for costs): {src}{}.",
                percent(q),
                percent(c),
                if d.illustrative { " — ILLUSTRATIVE" } else { "" }
            ));
            (q, c)
        }
    };

    // Utilities.
    let u = &spec.utilities;
    let usrc = source_text("utilities.source", &Some(u.source.clone()))?;
    let uprov = || user_prov(&usrc, u.illustrative, None);
    let pf = utility_value("utilities.progression_free", u.progression_free)?;
    let after_u = utility_value("utilities.after_last_line", u.after_last_line)?;
    let psa = utility_psa("utilities.after_last_line", after_u, u.se)?;
    let utility_after = b.param("utilities.after_last_line".into(), after_u, "utility", psa, uprov());
    for k in u.treatment.keys() {
        if !spec.treatments.contains_key(k) {
            return Err(bad(
                &format!("utilities.treatment.{k}"),
                format!("{k:?}"),
                format!(
                    "a treatment id: {}",
                    spec.treatments.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    if u.illustrative {
        b.warnings.push(format!(
            "utilities: ILLUSTRATIVE defaults ({usrc}) — not evidence; QALYs depend on them"
        ));
    }

    // Death.
    let death = resolve_time(
        &mut b,
        "death.during_lines",
        "death.during_lines",
        &spec.death.during_lines,
        Role::DeathDuring,
    )?;
    let death_desc = death.description.clone();
    b.assumptions.push(format!(
        "Death while on a line: constant cause-specific hazard, {death_desc}."
    ));
    let after = resolve_time(
        &mut b,
        "death.after_last_line",
        "death.after_last_line",
        &spec.death.after_last_line,
        Role::After,
    )?;
    b.assumptions
        .push(format!("Survival after the last line: {}.", after.description));

    // Costs.
    let costs = match &spec.costs {
        None => None,
        Some(c) => {
            source_text("costs.source", &Some(c.source.clone()))?;
            if c.currency.trim().is_empty() {
                return Err(bad("costs.currency", "\"\"", "a currency code, e.g. EUR"));
            }
            for (i, w) in c.wtp_per_qaly.iter().enumerate() {
                nonneg(&format!("costs.wtp_per_qaly[{i}]"), *w)?;
            }
            if let Some(cv) = c.cv {
                positive("costs.cv", cv)?;
            }
            for k in c.treatment.keys() {
                if !spec.treatments.contains_key(k) {
                    return Err(bad(
                        &format!("costs.treatment.{k}"),
                        format!("{k:?}"),
                        format!(
                            "a treatment id: {}",
                            spec.treatments.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            if c.illustrative {
                b.warnings
                    .push(format!("costs: ILLUSTRATIVE ({}) — not evidence", c.source));
            }
            Some(c)
        }
    };
    let cost_after = match costs.and_then(|c| c.after_last_line_per_month.map(|v| (c, v))) {
        Some((c, v)) => {
            nonneg("costs.after_last_line_per_month", v)?;
            Some(b.param(
                "costs.after_last_line_per_month".into(),
                v,
                &c.currency,
                cost_psa(v, c.cv),
                user_prov(&c.source, c.illustrative, None),
            ))
        }
        None => None,
    };

    // Treatments.
    let mut treatments = Vec::new();
    let mut index = BTreeMap::new();
    for (id, t) in &spec.treatments {
        let field = format!("treatments.{id}");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(bad(
                &field,
                format!("{id:?}"),
                "a treatment id of lowercase letters, digits, '_' or '-'",
            ));
        }
        if t.label.trim().is_empty() {
            return Err(bad(&format!("{field}.label"), "\"\"", "a non-empty label"));
        }
        let r = resolve_time(&mut b, &format!("{field}.time"), id, &t.time, Role::Line)?;
        let endpoint = match r.endpoint {
            trials::Endpoint::Ttp => Endpoint::Ttp,
            _ => Endpoint::Pfs,
        };
        b.assumptions.push(format!(
            "{} ({id}): {} — {}{}.",
            t.label,
            r.description,
            if endpoint == Endpoint::Ttp {
                "time to progression (deaths censored in the source), death competes"
            } else {
                "PFS (progression or death)"
            },
            t.note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
        ));
        let max_treatment = match &t.max_treatment {
            None => None,
            Some(mx) => {
                let v = positive(&format!("{field}.max_treatment.months"), mx.months)?;
                let src = source_text(&format!("{field}.max_treatment.source"), &Some(mx.source.clone()))?;
                b.assumptions.push(format!(
                    "{} ({id}): time on treatment ends after {} months even without progression ({src}{}); the patient stays progression-free off treatment until the line's event.",
                    t.label,
                    trials::num(v),
                    if mx.illustrative { " — ILLUSTRATIVE" } else { "" }
                ));
                Some(v)
            }
        };
        let uval = match u.treatment.get(id) {
            Some(v) => utility_value(&format!("utilities.treatment.{id}"), *v)?,
            None => pf,
        };
        let upsa = utility_psa(
            &if u.treatment.contains_key(id) {
                format!("utilities.treatment.{id}")
            } else {
                "utilities.progression_free".into()
            },
            uval,
            u.se,
        )?;
        let util = b.param(format!("{id}.utility"), uval, "utility", upsa, uprov());
        let aes = match &t.ae {
            Some(a) => resolve_ae(&mut b, &format!("{field}.ae"), id, a, &spec.ae_disutility, &spec.costs)?,
            None => {
                b.warnings.push(format!(
                    "{field}: no grade 3–4 adverse-event data given — AE count 0 assumed for {}",
                    t.label
                ));
                Vec::new()
            }
        };
        let (cpm, conce) = match costs.and_then(|c| c.treatment.get(id).map(|x| (c, x))) {
            Some((c, x)) => {
                let mut one = |k: &str, v: Option<f64>| -> Result<Option<usize>, InputError> {
                    match v {
                        None => Ok(None),
                        Some(v) => {
                            nonneg(&format!("costs.treatment.{id}.{k}"), v)?;
                            Ok(Some(b.param(
                                format!("{id}.cost_{k}"),
                                v,
                                &c.currency,
                                cost_psa(v, c.cv),
                                user_prov(&c.source, c.illustrative, None),
                            )))
                        }
                    }
                };
                (one("per_month", x.per_month)?, one("once", x.once)?)
            }
            None => (None, None),
        };
        index.insert(id.clone(), treatments.len());
        treatments.push(Treatment {
            id: id.clone(),
            label: t.label.clone(),
            time: r.time,
            endpoint,
            max_treatment_months: max_treatment,
            utility: util,
            aes,
            cost_per_month: cpm,
            cost_once: conce,
        });
    }
    if let Some(d) = &spec.ae_disutility {
        source_text("ae_disutility.source", &Some(d.source.clone()))?;
        if d.illustrative {
            b.warnings
                .push(format!("ae_disutility: ILLUSTRATIVE ({}) — not evidence", d.source));
        }
    }

    // Sequences.
    if spec.sequence.is_empty() {
        return Err(InputError::new(
            "sequence",
            "missing; allowed: one or more [[sequence]] tables",
        ));
    }
    let mut sequences = Vec::new();
    for (i, s) in spec.sequence.iter().enumerate() {
        let field = format!("sequence[{i}]");
        if s.id.trim().is_empty() {
            return Err(bad(&format!("{field}.id"), "\"\"", "a non-empty id"));
        }
        if spec.sequence[..i].iter().any(|x| x.id == s.id) {
            return Err(bad(
                &format!("{field}.id"),
                format!("{:?}", s.id),
                "an id not used by another sequence",
            ));
        }
        if s.lines.is_empty() || s.lines.len() > 20 {
            return Err(bad(&format!("{field}.lines"), s.lines.len(), "1 to 20 treatment ids"));
        }
        let mut lines = Vec::new();
        for (k, l) in s.lines.iter().enumerate() {
            let ti = *index.get(l).ok_or_else(|| {
                bad(
                    &format!("{field}.lines[{k}]"),
                    format!("{l:?}"),
                    format!(
                        "a treatment id: {}",
                        index.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            lines.push(Line {
                treatment: ti,
                hr: None,
            });
        }
        for (j, md) in s.modifiers.iter().enumerate() {
            let mf = format!("{field}.modifiers[{j}]");
            if md.line == 0 || md.line > lines.len() {
                return Err(bad(
                    &format!("{mf}.line"),
                    md.line,
                    format!("a line number 1–{}", lines.len()),
                ));
            }
            positive(&format!("{mf}.hr"), md.hr)?;
            let src = source_text(&format!("{mf}.source"), &Some(md.source.clone()))?;
            let ti = lines[md.line - 1].treatment;
            let t = &treatments[ti];
            let ph = match &t.time {
                TimeModel::Parametric { family, .. } => family.is_ph(),
                _ => true,
            };
            if !ph {
                return Err(InputError::new(
                    format!("{mf}.hr"),
                    format!(
                        "treatment '{}' uses an accelerated-failure-time family; allowed: hazard-ratio modifiers only on exponential, Weibull or Gompertz lines",
                        t.id
                    ),
                ));
            }
            if lines[md.line - 1].hr.is_some() {
                return Err(bad(&format!("{mf}.line"), md.line, "a line without another modifier"));
            }
            let se = match md.se_log {
                Some(v) => Some(positive(&format!("{mf}.se_log"), v)?),
                None => None,
            };
            let name = format!("{}.line{}.hr", s.id, md.line);
            let psa = b.lognormal_psa(&name, se, "no se_log given");
            let p = b.param(name, md.hr, "ratio", psa, user_prov(&src, md.illustrative, None));
            lines[md.line - 1].hr = Some(p);
            b.assumptions.push(format!(
                "Sequence {}: line {} ({}) has its hazard multiplied by {} ({src}{}).",
                s.id,
                md.line,
                t.label,
                trials::num(md.hr),
                if md.illustrative { " — ILLUSTRATIVE" } else { "" }
            ));
        }
        sequences.push(Sequence {
            id: s.id.clone(),
            label: s.label.clone().unwrap_or_else(|| {
                s.lines
                    .iter()
                    .map(|l| treatments[index[l]].label.clone())
                    .collect::<Vec<_>>()
                    .join(" → ")
            }),
            lines,
        });
    }
    for t in &treatments {
        let used = sequences
            .iter()
            .any(|s| s.lines.iter().any(|l| treatments[l.treatment].id == t.id));
        if !used {
            b.warnings
                .push(format!("treatments.{}: defined but used by no sequence", t.id));
        }
    }
    for (reference, items) in std::mem::take(&mut b.unverified) {
        b.warnings.push(format!(
            "UNVERIFIED in the references: {reference} — used for {}",
            items.join(", ")
        ));
    }
    if !b.illustrative.is_empty() {
        b.warnings.insert(
            0,
            format!(
                "{} inputs are ILLUSTRATIVE defaults, not evidence: {}",
                b.illustrative.len(),
                b.illustrative.join(", ")
            ),
        );
    }
    let model = Model {
        title: m.title.trim().to_string(),
        description: m.description.clone(),
        population: m.population.clone(),
        horizon_months: horizon,
        bin_months: bin,
        discount_qalys: dq,
        discount_costs: dc,
        treatments,
        sequences,
        death_during_lines: death.time,
        after_last_line: after.time,
        utility_after_last_line: utility_after,
        cost_after_last_line_per_month: cost_after,
        costs: costs.map(|c| CostSettings {
            currency: c.currency.clone(),
            wtp_per_qaly: c.wtp_per_qaly.clone(),
        }),
        params: b.params,
        groups: b.groups,
        assumptions: b.assumptions,
        warnings: b.warnings,
        knowledge_version: kb.version().to_string(),
    };
    // The base case must compile (e.g. ratios of parameters stay in range).
    crate::engine::Compiled::new(&model, &model.base_values())
        .map_err(|e| InputError::new(e.field.clone(), e.message.clone()))?;
    Ok(model)
}
