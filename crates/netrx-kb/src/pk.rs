//! Everolimus pharmacokinetics as data (`knowledge/pk/`): population models,
//! interaction and hepatic-impairment multipliers, the default trough target and
//! the regimens netrx may suggest. Computation lives in `netrx-pk`.

use crate::provenance::Source;
use crate::{KbError, parse_toml};
use serde::Deserialize;

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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: f64,
    pub source: Source,
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
    pub timing: String,
    pub source: Source,
}

/// Tablet strengths.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tablets {
    pub us_mg: Vec<f64>,
    pub eu_mg: Vec<f64>,
    pub source: Source,
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

/// Regimen knowledge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimens {
    pub tablets: Tablets,
    pub standard: Standard,
    pub every_other_day: EveryOtherDay,
    pub inducer_ceiling: InducerCeiling,
    /// Child–Pugh C: the daily dose must not exceed this.
    pub child_pugh_c_max_daily_mg: Sourced,
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
    use crate::Kb;

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
}
