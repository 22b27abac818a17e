//! Everolimus pharmacokinetics as data (`knowledge/pk/`): population models,
//! interaction and hepatic-impairment multipliers, the default trough target and
//! the regimens netrx may suggest. Computation lives in `netrx-pk`.

use crate::provenance::Source;
use crate::{KbError, parse_toml};
use serde::{Deserialize, Serialize};

/// All PK knowledge.
#[derive(Debug, Clone)]
pub struct Pk {
    /// Population models, the default first.
    pub models: Vec<Model>,
    /// Interaction magnitudes, by medication id.
    pub interactions: Vec<Interaction>,
    /// Hepatic-impairment magnitudes by Child–Pugh class.
    pub hepatic: Vec<Hepatic>,
    /// The default trough target.
    pub target: Target,
    /// Sampling advice.
    pub sampling: Sampling,
    /// Tablet strengths and regimen rules.
    pub regimens: Regimens,
    /// Decision settings of the trough-guided suggestion.
    pub tdm: TdmSettings,
}

/// Structural model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Structure {
    /// Depot + central compartment.
    OneCompartmentOral,
    /// Depot + central + peripheral compartment.
    TwoCompartmentOral,
}

/// Which concentration a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matrix {
    WholeBlood,
    Plasma,
}

impl Matrix {
    /// "whole_blood" or "plasma".
    pub fn id(self) -> &'static str {
        match self {
            Matrix::WholeBlood => "whole_blood",
            Matrix::Plasma => "plasma",
        }
    }
}

/// A number with its source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: f64,
    pub source: Source,
}

/// A statement with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub text: String,
    pub source: Source,
}

impl Statement {
    /// The text, followed by the status mark unless the statement is verified
    /// (e.g. "… [derived]", "… [UNVERIFIED]").
    pub fn marked(&self) -> String {
        marked(&self.text, &self.source)
    }
}

/// `text`, then ` [mark]` unless `source` is verified.
fn marked(text: &str, source: &Source) -> String {
    match source.status {
        crate::Status::Verified => text.to_string(),
        s => format!("{text} [{}]", s.mark()),
    }
}

/// Allometric weight scaling: `P * (WT / reference_kg)^exponent`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightScaling {
    pub exponent: f64,
    pub reference_kg: f64,
    pub source: Source,
}

/// Linear body-surface-area model: `intercept + slope * (BSA / reference_m2)`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BsaLinear {
    pub intercept: f64,
    pub slope: f64,
    pub reference_m2: f64,
}

/// One structural parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Typical value for the reference patient.
    pub value: f64,
    /// "L/h", "L" or "1/h".
    pub unit: String,
    /// Between-patient CV as reported (omega² = ln(1 + CV²)).
    #[serde(default)]
    pub iiv_cv: Option<f64>,
    /// Between-patient omega as an SD on the log scale.
    #[serde(default)]
    pub iiv_sd: Option<f64>,
    #[serde(default)]
    pub weight: Option<WeightScaling>,
    #[serde(default)]
    pub bsa: Option<BsaLinear>,
    pub source: Source,
}

impl Param {
    /// The variance of eta (0 when the parameter has no IIV).
    pub fn omega2(&self) -> f64 {
        match (self.iiv_cv, self.iiv_sd) {
            (Some(cv), _) => (1.0 + cv * cv).ln(),
            (None, Some(sd)) => sd * sd,
            (None, None) => 0.0,
        }
    }
}

/// A categorical covariate effect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covariate {
    pub id: String,
    pub description: String,
    /// The parameter it multiplies: "f" or "cl".
    pub on: String,
    pub factor: f64,
    pub source: Source,
}

/// A population PK model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub id: String,
    pub title: String,
    pub structure: Structure,
    pub matrix: Matrix,
    pub default: bool,
    pub population: String,
    pub caveats: Vec<String>,
    pub source: Source,
    pub residual_prop_cv: Sourced,
    #[serde(default)]
    pub f_iov_cv: Option<Sourced>,
    pub cl: Param,
    pub v1: Param,
    #[serde(default)]
    pub q: Option<Param>,
    #[serde(default)]
    pub v2: Option<Param>,
    pub ka: Param,
    #[serde(default)]
    pub covariate: Vec<Covariate>,
}

/// An interaction magnitude (everolimus as victim).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    /// Lowercase INN snake_case medication id.
    pub id: String,
    pub class: String,
    /// Everolimus AUC with / without the perpetrator.
    pub auc_ratio: f64,
    #[serde(default)]
    pub cmax_ratio: Option<f64>,
    /// The label says to avoid the combination.
    #[serde(default)]
    pub avoid: bool,
    /// No quantitative effect known: monitor.
    #[serde(default)]
    pub monitor: bool,
    #[serde(default)]
    pub note: Option<String>,
    pub source: Source,
}

impl Interaction {
    /// Factor on CL/F (1 / AUC ratio).
    pub fn cl_factor(&self) -> f64 {
        1.0 / self.auc_ratio
    }

    /// An inducer lowers exposure.
    pub fn is_inducer(&self) -> bool {
        self.auc_ratio < 1.0
    }
}

/// Exposure in hepatic impairment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hepatic {
    /// "A", "B" or "C".
    pub child_pugh: String,
    pub auc_ratio: f64,
    pub source: Source,
}

/// The default whole-blood trough target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub low_ng_ml: f64,
    pub high_ng_ml: f64,
    pub matrix: Matrix,
    pub caveat: String,
    pub routine_tdm_note: String,
    pub source: Source,
}

/// When to sample.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// Time of day and relation to the dose.
    pub timing: String,
    pub source: Source,
    /// How long after a start or change (the model's approach to steady state).
    pub steady_state: Statement,
    /// What the (TSC) label says about re-checking.
    pub label_recheck: Statement,
}

impl Sampling {
    /// The three statements with their sources, in reading order.
    pub fn statements(&self) -> Vec<Statement> {
        vec![
            Statement {
                text: self.timing.clone(),
                source: self.source.clone(),
            },
            self.steady_state.clone(),
            self.label_recheck.clone(),
        ]
    }

    /// The advice as one line, each part followed by its mark unless verified.
    pub fn advice(&self) -> String {
        self.statements()
            .iter()
            .map(Statement::marked)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Decision settings of the trough-guided suggestion (`knowledge/pk/target.toml` `[tdm]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TdmSettings {
    /// Bound on |eta| in units of its prior SD (omega).
    pub eta_bound_sd: Sourced,
    /// A best PTA below this is warned about.
    pub pta_adequate: Sourced,
    /// Candidates within this PTA of the best count as ties (lowest daily dose wins).
    pub pta_near_tie: Sourced,
    /// Below this best PTA, the regimen closest to the window is suggested instead.
    pub pta_minimum: Sourced,
    /// An eta whose information score (1 − posterior SD / prior SD) is below this is
    /// reported as barely informed (CL/F excepted).
    pub barely_informed: Sourced,
    /// A sample earlier than this fraction of the interval after a dose is not a trough.
    pub trough_min_fraction_of_interval: Sourced,
}

impl TdmSettings {
    /// (name, setting) pairs, for checks and listings.
    pub fn all(&self) -> [(&'static str, &Sourced); 6] {
        [
            ("eta_bound_sd", &self.eta_bound_sd),
            ("pta_adequate", &self.pta_adequate),
            ("pta_near_tie", &self.pta_near_tie),
            ("pta_minimum", &self.pta_minimum),
            ("barely_informed", &self.barely_informed),
            ("trough_min_fraction_of_interval", &self.trough_min_fraction_of_interval),
        ]
    }
}

/// Tablet strengths.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tablets {
    pub us_mg: Vec<f64>,
    pub eu_mg: Vec<f64>,
    pub source: Source,
}

impl Tablets {
    /// The strengths of a region ("us" or "eu").
    pub fn for_region(&self, region: &str) -> Option<&[f64]> {
        match region {
            "us" => Some(&self.us_mg),
            "eu" => Some(&self.eu_mg),
            _ => None,
        }
    }
}

/// The standard regimen.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub dose_mg: f64,
    pub interval_h: f64,
    pub source: Source,
}

/// Every-other-day dosing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EveryOtherDay {
    pub interval_h: f64,
    pub note: String,
    pub source: Source,
}

/// Dose ceiling with a strong inducer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InducerCeiling {
    pub max_daily_mg: f64,
    pub step_mg: f64,
    pub note: String,
    pub source: Source,
}

/// A regimen as data: `dose_mg` every `interval_h` hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimenDef {
    pub dose_mg: f64,
    pub interval_h: f64,
}

/// The default candidate regimens of `netrx pk population`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationDefault {
    pub regimens: Vec<RegimenDef>,
    pub source: Source,
}

/// Regimen knowledge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimens {
    pub tablets: Tablets,
    /// How a dose with no tablet of its own is made up.
    pub combination: Statement,
    pub standard: Standard,
    pub every_other_day: EveryOtherDay,
    pub inducer_ceiling: InducerCeiling,
    /// Child–Pugh C: the daily dose must not exceed this.
    pub child_pugh_c_max_daily_mg: Sourced,
    /// Default candidate regimens of `netrx pk population`.
    pub population_default: PopulationDefault,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelsFile {
    model: Vec<Model>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InteractionsFile {
    interaction: Vec<Interaction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HepaticFile {
    hepatic: Vec<Hepatic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    target: Target,
    sampling: Sampling,
    tdm: TdmSettings,
}

/// The files this module reads, relative to knowledge/.
pub const FILES: [&str; 5] = [
    "pk/models.toml",
    "pk/interactions.toml",
    "pk/hepatic.toml",
    "pk/target.toml",
    "pk/regimens.toml",
];

impl Pk {
    /// Parse the five files (contents in the order of [`FILES`]) and check them.
    pub fn from_texts(texts: [&str; 5]) -> Result<Pk, KbError> {
        let mut models: ModelsFile = parse_toml(FILES[0], texts[0])?;
        let interactions: InteractionsFile = parse_toml(FILES[1], texts[1])?;
        let hepatic: HepaticFile = parse_toml(FILES[2], texts[2])?;
        let target: TargetFile = parse_toml(FILES[3], texts[3])?;
        let regimens: Regimens = parse_toml(FILES[4], texts[4])?;
        models.model.sort_by_key(|m| !m.default);
        let pk = Pk {
            models: models.model,
            interactions: interactions.interaction,
            hepatic: hepatic.hepatic,
            target: target.target,
            sampling: target.sampling,
            regimens,
            tdm: target.tdm,
        };
        pk.check().map_err(|(file, message)| KbError {
            file: file.to_string(),
            message,
        })?;
        Ok(pk)
    }

    fn check(&self) -> Result<(), (&'static str, String)> {
        let m = |s: String| ("pk/models.toml", s);
        if self.models.iter().filter(|x| x.default).count() != 1 {
            return Err(m("exactly one model must have default = true".into()));
        }
        for model in &self.models {
            let two = model.structure == Structure::TwoCompartmentOral;
            if two != (model.q.is_some() && model.v2.is_some()) {
                return Err(m(format!(
                    "model {}: q and v2 are required for, and only for, two_compartment_oral",
                    model.id
                )));
            }
            let params = [
                Some(&model.cl),
                Some(&model.v1),
                model.q.as_ref(),
                model.v2.as_ref(),
                Some(&model.ka),
            ];
            for p in params.into_iter().flatten() {
                let ok = p.value.is_finite()
                    && p.value > 0.0
                    && p.omega2().is_finite()
                    && p.omega2() >= 0.0
                    && !(p.iiv_cv.is_some() && p.iiv_sd.is_some());
                if !ok {
                    return Err(m(format!("model {}: invalid parameter {p:?}", model.id)));
                }
                if let Some(b) = &p.bsa {
                    let at_ref = b.intercept + b.slope;
                    if (at_ref - p.value).abs() > 0.01 * p.value {
                        return Err(m(format!(
                            "model {}: BSA model gives {at_ref} at the reference BSA, value says {}",
                            model.id, p.value
                        )));
                    }
                }
            }
            let r = model.residual_prop_cv.value;
            if !(r > 0.0 && r < 5.0) {
                return Err(m(format!("model {}: residual_prop_cv {r} out of range", model.id)));
            }
        }
        let mut ids: Vec<&str> = self.interactions.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != self.interactions.len() {
            return Err(("pk/interactions.toml", "duplicate interaction id".into()));
        }
        for i in &self.interactions {
            let ok_id = !i.id.is_empty() && i.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !(ok_id && i.auc_ratio.is_finite() && i.auc_ratio > 0.0) {
                return Err(("pk/interactions.toml", format!("invalid entry {}", i.id)));
            }
        }
        for cls in ["A", "B", "C"] {
            if !self.hepatic.iter().any(|h| h.child_pugh == cls && h.auc_ratio > 0.0) {
                return Err(("pk/hepatic.toml", format!("missing Child-Pugh {cls}")));
            }
        }
        let t = &self.target;
        if !(t.low_ng_ml > 0.0 && t.high_ng_ml > t.low_ng_ml) {
            return Err(("pk/target.toml", "target needs 0 < low < high".into()));
        }
        let s = &self.tdm;
        for (name, v) in s.all() {
            let ok = match name {
                "eta_bound_sd" => v.value > 0.0 && v.value <= 20.0,
                _ => v.value > 0.0 && v.value < 1.0,
            };
            if !ok || v.source.reference.trim().is_empty() {
                return Err((
                    "pk/target.toml",
                    format!("[tdm] {name} = {} out of range or unsourced", v.value),
                ));
            }
        }
        if s.pta_near_tie.value >= s.pta_adequate.value || s.pta_minimum.value >= s.pta_adequate.value {
            return Err((
                "pk/target.toml",
                "[tdm] pta_near_tie and pta_minimum must be below pta_adequate".into(),
            ));
        }
        let r = &self.regimens;
        for (region, mg) in [("us", &r.tablets.us_mg), ("eu", &r.tablets.eu_mg)] {
            if mg.is_empty() || mg.iter().any(|d| !(d.is_finite() && *d > 0.0)) {
                return Err((
                    "pk/regimens.toml",
                    format!("tablets: {region} strengths must be > 0 mg"),
                ));
            }
        }
        let d = &r.population_default.regimens;
        if d.is_empty()
            || d.iter()
                .any(|x| !(x.dose_mg.is_finite() && x.dose_mg > 0.0 && x.interval_h.is_finite() && x.interval_h > 0.0))
        {
            return Err((
                "pk/regimens.toml",
                "population_default: at least one regimen, dose and interval > 0".into(),
            ));
        }
        Ok(())
    }

    /// The default model.
    pub fn default_model(&self) -> &Model {
        &self.models[0]
    }

    /// A model by id.
    pub fn model(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    /// An interaction by medication id.
    pub fn interaction(&self, id: &str) -> Option<&Interaction> {
        self.interactions.iter().find(|i| i.id == id)
    }

    /// The hepatic entry for a Child–Pugh class ("A", "B", "C").
    pub fn hepatic(&self, class: &str) -> Option<&Hepatic> {
        self.hepatic.iter().find(|h| h.child_pugh == class)
    }
}

#[cfg(test)]
mod tests {
    use super::Pk;
    use crate::{Kb, KbError, Status};

    #[test]
    fn pk_knowledge_loads_with_de_wit_as_default() {
        let kb = Kb::embedded().unwrap();
        let m = kb.pk.default_model();
        assert_eq!(m.id, "dewit2016");
        // pk.md §1.3: omega² = ln(1 + 0.351²) = 0.1162, ln(1 + 0.864²) = 0.5576.
        assert!((m.cl.omega2() - 0.1162).abs() < 5e-5);
        assert!((m.v1.omega2() - 0.5576).abs() < 5e-5);
        assert!(kb.pk.model("park2023").is_some());
        assert!(kb.pk.interaction("rifampicin").unwrap().is_inducer());
        assert!((kb.pk.interaction("ketoconazole").unwrap().cl_factor() - 1.0 / 15.0).abs() < 1e-12);
        assert_eq!(kb.pk.hepatic("B").unwrap().auc_ratio, 3.26);
    }

    /// Audit A9: the hepatic fold changes carry one status in knowledge/pk/hepatic.toml and
    /// knowledge/everolimus/dosing.toml — UNVERIFIED (clinical-rules.md §B.2 "[fold values
    /// UNVERIFIED …]", §D.8 open gap; pk.md §4 has only the Clin Ther 2012 abstract).
    #[test]
    fn hepatic_fold_changes_have_the_label_data_status() {
        let kb = Kb::embedded().unwrap();
        let label = kb.everolimus.dosing.hepatic_notes.pk_fold_source.as_ref().unwrap();
        // pk.md §4: 1.60 / 3.26 / 3.64.
        for (cls, ratio) in [("A", 1.60), ("B", 3.26), ("C", 3.64)] {
            let h = kb.pk.hepatic(cls).unwrap();
            assert_eq!(h.auc_ratio, ratio);
            assert_eq!(h.source.status, label.status, "Child-Pugh {cls}");
            assert_eq!(h.source.status, Status::Unverified, "Child-Pugh {cls}");
            assert!(h.source.note.as_deref().unwrap_or("").contains("abstract"));
        }
    }

    /// Audit B10: the regimen facts have the status (and value) of the same facts in
    /// knowledge/everolimus/ — every-other-day dosing (R-B3.2), the inducer ceiling (§B.3
    /// row 3), the Child-Pugh C maximum (§B.2) and the strengths (§B.2) are cited,
    /// unflagged rows of clinical-rules.md: verified.
    #[test]
    fn regimen_facts_match_the_label_data() {
        let kb = Kb::embedded().unwrap();
        let r = &kb.pk.regimens;
        let ev = &kb.everolimus;
        for region in ["us", "eu"] {
            let ladder = ev.ladder(region).unwrap();
            assert_eq!(r.every_other_day.source.status, ladder.source.status, "{region}");
            let strengths = ev.strengths(region).unwrap();
            assert_eq!(r.tablets.for_region(region).unwrap(), strengths.tablets_mg.as_slice());
            assert_eq!(r.tablets.source.status, strengths.source.status);
            let c = ev.hepatic("C", region).unwrap();
            assert!(c.maximum);
            assert_eq!(r.child_pugh_c_max_daily_mg.value, c.dose_mg);
            assert_eq!(r.child_pugh_c_max_daily_mg.source.status, c.source.status);
            let inducer = ev
                .interactions
                .class
                .iter()
                .find(|c| c.id == "strong_cyp3a4_pgp_inducer")
                .and_then(|c| c.rule(region))
                .and_then(|(rule, _)| rule.alternative.as_ref())
                .unwrap();
            assert_eq!(r.inducer_ceiling.max_daily_mg, inducer.max_dose_mg);
            assert_eq!(r.inducer_ceiling.step_mg, inducer.step_mg);
            assert_eq!(r.inducer_ceiling.source.status, inducer.source.status);
        }
        for s in [
            &r.every_other_day.source,
            &r.inducer_ceiling.source,
            &r.child_pugh_c_max_daily_mg.source,
        ] {
            assert_eq!(s.status, Status::Verified, "{s}");
        }
        assert_eq!(r.standard.dose_mg, ev.dosing.standard_dose.dose_mg);
    }

    /// Audit B15: the ~2-week re-check is the SEGA/TSC label's (pk.md §3), and the model
    /// reaches 90 % of steady state by day 3 (pk.md §1.1: "day 3 90%, day 4 95%").
    #[test]
    fn sampling_advice_names_tsc_and_day_3() {
        let kb = Kb::embedded().unwrap();
        let s = &kb.pk.sampling;
        assert!(s.label_recheck.text.contains("TSC"), "{}", s.label_recheck.text);
        assert!(s.label_recheck.source.reference.contains("§3"));
        assert!(s.steady_state.text.contains("90 % of steady state by day 3,"));
        assert!(!s.advice().contains("day 3-4"));
        // Model-derived statements are marked as such.
        assert_eq!(s.steady_state.source.status, Status::Derived);
        assert!(s.advice().contains("[derived]"));
        assert_eq!(s.statements().len(), 3);
    }

    /// Audit C3: the TDM decision settings are data with a source; only the eta bound has a
    /// value in the reference (pk.md §7 pitfall 4: "e.g. abs(eta) <= 5 omega").
    #[test]
    fn tdm_settings_are_sourced_data() {
        let kb = Kb::embedded().unwrap();
        let t = &kb.pk.tdm;
        assert_eq!(t.eta_bound_sd.value, 5.0);
        assert!(t.eta_bound_sd.source.reference.contains("§7"));
        for (name, v) in t.all() {
            assert_eq!(v.source.status, Status::Derived, "{name}");
            assert!(v.source.note.as_deref().is_some_and(|n| !n.is_empty()), "{name}");
        }
        for (name, v) in [
            ("pta_adequate", &t.pta_adequate),
            ("pta_near_tie", &t.pta_near_tie),
            ("pta_minimum", &t.pta_minimum),
        ] {
            assert!(v.source.reference.contains("netrx design choice"), "{name}");
        }
    }

    #[test]
    fn bad_tdm_settings_and_default_regimens_are_refused() {
        let texts = |target: &str, regimens: &str| -> Result<Pk, KbError> {
            Pk::from_texts([
                include_str!("../../../knowledge/pk/models.toml"),
                include_str!("../../../knowledge/pk/interactions.toml"),
                include_str!("../../../knowledge/pk/hepatic.toml"),
                target,
                regimens,
            ])
        };
        let target = include_str!("../../../knowledge/pk/target.toml");
        let regimens = include_str!("../../../knowledge/pk/regimens.toml");
        assert!(texts(target, regimens).is_ok());
        let bad = target.replace("pta_near_tie = { value = 0.02", "pta_near_tie = { value = 0.6");
        let e = texts(&bad, regimens).unwrap_err();
        assert!(e.message.contains("pta_near_tie"), "{e:?}");
        let bad = target.replace("eta_bound_sd = { value = 5.0", "eta_bound_sd = { value = -1.0");
        assert!(texts(&bad, regimens).unwrap_err().message.contains("eta_bound_sd"));
        let bad = regimens.replace(
            "{ dose_mg = 7.5, interval_h = 24.0 }",
            "{ dose_mg = 0.0, interval_h = 24.0 }",
        );
        assert!(texts(target, &bad).unwrap_err().message.contains("population_default"));
    }
}
