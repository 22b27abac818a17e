//! From a population model in the knowledge base (`knowledge/pk/models.toml`) to
//! one patient's parameters: covariates (weight, BSA, ABCB1), between-patient
//! random effects (etas), and exposure modifiers (interacting medications,
//! hepatic impairment) applied to CL/F.

use crate::solve::{Peripheral, PkParams};
use crate::units::{Hours, Liters, LitersPerHour, PerHour};
use netrx_case::InputError;
use netrx_kb::Source;
use netrx_kb::pk::{Matrix, Model as KbModel, Param, Pk, Structure};
use serde::Serialize;

/// At most this many random effects per model.
pub const MAX_ETA: usize = 5;

/// Which structural parameter an eta acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamId {
    Cl,
    V1,
    Q,
    V2,
    Ka,
}

impl ParamId {
    /// The name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            ParamId::Cl => "CL/F",
            ParamId::V1 => "Vc/F",
            ParamId::Q => "Q/F",
            ParamId::V2 => "Vp/F",
            ParamId::Ka => "ka",
        }
    }
}

/// A patient's covariates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Covariates {
    /// Body weight, kg.
    pub weight_kg: f64,
    /// Body-surface area, m² (models with a BSA effect; their reference when absent).
    pub bsa_m2: Option<f64>,
    /// ABCB1 TTT haplotype carrier (de Wit 2016: F × 0.792).
    pub abcb1_ttt: bool,
}

impl Default for Covariates {
    fn default() -> Self {
        Covariates {
            weight_kg: 70.0,
            bsa_m2: None,
            abcb1_ttt: false,
        }
    }
}

/// A modifier applied to CL/F (interaction or hepatic impairment).
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// Medication id, or "child_pugh_A" etc.
    pub id: String,
    /// "interaction" or "hepatic".
    pub kind: &'static str,
    /// AUC ratio from the source.
    pub auc_ratio: f64,
    /// Factor applied to CL/F (1 / AUC ratio).
    pub cl_factor: f64,
    /// The source and its status.
    pub source: Source,
}

/// The combined exposure modifiers for a patient.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Modifiers {
    /// Product of all factors on CL/F.
    pub cl_factor: f64,
    /// What was applied.
    pub applied: Vec<Applied>,
    /// Warnings for the user (avoid, monitor, unverified, combined effects).
    pub warnings: Vec<String>,
    /// A strong inducer is present (the label allows a higher dose ceiling).
    #[serde(skip)]
    pub inducer: bool,
    /// Child–Pugh class, if given.
    #[serde(skip)]
    pub child_pugh: Option<String>,
}

impl Modifiers {
    /// No modifiers.
    pub fn none() -> Modifiers {
        Modifiers {
            cl_factor: 1.0,
            ..Default::default()
        }
    }
}

/// Build the modifiers from co-medication ids (already resolved to INN ids that
/// have interaction data) and a Child–Pugh class ("A", "B", "C").
///
/// `field` names the input for errors (`--comedication`, `medications`).
pub fn modifiers(
    pk: &Pk,
    comedications: &[String],
    child_pugh: Option<&str>,
    field: &str,
) -> Result<Modifiers, InputError> {
    let mut m = Modifiers::none();
    let mut seen: Vec<&str> = Vec::new();
    for id in comedications {
        let Some(i) = pk.interaction(id) else {
            let allowed: Vec<&str> = pk.interactions.iter().map(|i| i.id.as_str()).collect();
            return Err(InputError::invalid(
                field,
                format!("{id:?}"),
                format!("a medication id with PK interaction data: {}", allowed.join(", ")),
            ));
        };
        if seen.contains(&i.id.as_str()) {
            continue;
        }
        seen.push(&i.id);
        m.cl_factor *= i.cl_factor();
        m.inducer |= i.is_inducer();
        if i.avoid {
            m.warnings.push(format!(
                "{}: {} — the label says to avoid this combination; the prediction (AUC x{}) is a model extrapolation.",
                i.id, i.class, i.auc_ratio
            ));
        }
        if i.monitor {
            m.warnings.push(format!(
                "{}: no quantitative effect on everolimus is known (ratio 1.0 assumed); monitor. {}",
                i.id,
                i.note.as_deref().unwrap_or("")
            ));
        }
        if i.source.status == netrx_kb::Status::Unverified {
            m.warnings.push(format!(
                "{}: the interaction magnitude is UNVERIFIED ({}).",
                i.id, i.source.reference
            ));
        }
        m.applied.push(Applied {
            id: i.id.clone(),
            kind: "interaction",
            auc_ratio: i.auc_ratio,
            cl_factor: i.cl_factor(),
            source: i.source.clone(),
        });
    }
    if let Some(cls) = child_pugh {
        let Some(h) = pk.hepatic(cls) else {
            return Err(InputError::invalid("child_pugh", format!("{cls:?}"), "A, B, C"));
        };
        m.cl_factor /= h.auc_ratio;
        m.child_pugh = Some(cls.to_string());
        if h.source.status != netrx_kb::Status::Verified {
            // Audit A9: the fold changes are UNVERIFIED (clinical-rules.md §B.2, §D.8).
            m.warnings.push(format!(
                "Child-Pugh {cls}: the hepatic AUC ratio x{} applied to CL/F is {} ({}){}",
                h.auc_ratio,
                h.source.status.mark(),
                h.source.reference,
                h.source.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default()
            ));
        }
        m.applied.push(Applied {
            id: format!("child_pugh_{cls}"),
            kind: "hepatic",
            auc_ratio: h.auc_ratio,
            cl_factor: 1.0 / h.auc_ratio,
            source: h.source.clone(),
        });
    }
    let n_interactions = m
        .applied
        .iter()
        .filter(|a| a.kind == "interaction" && a.auc_ratio != 1.0)
        .count();
    let hepatic = m.child_pugh.is_some();
    if n_interactions > 1 || (n_interactions >= 1 && hepatic) {
        // clinical-rules.md R-B3.1: no combined rule exists; do not multiply silently.
        m.warnings.push(format!(
            "Several exposure modifiers were multiplied (CL/F x{:.3}); no study or label rule covers the combination — check with a clinician.",
            m.cl_factor
        ));
    }
    if m.applied.iter().any(|a| a.kind == "interaction" && a.auc_ratio != 1.0) {
        m.warnings.push(
            "Interaction magnitudes are single-dose healthy-volunteer AUC ratios applied to CL/F at steady state (pk.md §4)."
                .to_string(),
        );
    }
    Ok(m)
}

/// A population model ready for evaluation.
#[derive(Debug, Clone)]
pub struct PopModel<'a> {
    /// The knowledge-base definition.
    pub def: &'a KbModel,
    eta_params: Vec<ParamId>,
    omega2: Vec<f64>,
    abcb1_factor: f64,
}

/// Typical (eta = 0) parameter values for given covariates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Typical {
    pub cl: f64,
    pub v1: f64,
    pub q: Option<f64>,
    pub v2: Option<f64>,
    pub ka: f64,
    pub f: f64,
}

fn scaled(p: &Param, cov: &Covariates) -> f64 {
    let mut v = p.value;
    if let Some(b) = &p.bsa {
        let bsa = cov.bsa_m2.unwrap_or(b.reference_m2);
        v = b.intercept + b.slope * (bsa / b.reference_m2);
    }
    if let Some(w) = &p.weight {
        v *= (cov.weight_kg / w.reference_kg).powf(w.exponent);
    }
    v
}

impl<'a> PopModel<'a> {
    /// Wrap a knowledge-base model.
    pub fn new(def: &'a KbModel) -> PopModel<'a> {
        let mut eta_params = Vec::new();
        let mut omega2 = Vec::new();
        let mut push = |id: ParamId, p: Option<&Param>| {
            if let Some(p) = p
                && p.omega2() > 0.0
            {
                eta_params.push(id);
                omega2.push(p.omega2());
            }
        };
        push(ParamId::Cl, Some(&def.cl));
        push(ParamId::V1, Some(&def.v1));
        push(ParamId::Q, def.q.as_ref());
        push(ParamId::V2, def.v2.as_ref());
        push(ParamId::Ka, Some(&def.ka));
        assert!(eta_params.len() <= MAX_ETA);
        let abcb1_factor = def
            .covariate
            .iter()
            .find(|c| c.id == "abcb1_ttt" && c.on == "f")
            .map(|c| c.factor)
            .unwrap_or(1.0);
        PopModel {
            def,
            eta_params,
            omega2,
            abcb1_factor,
        }
    }

    /// A model by id (`None` = the default), with a clear error listing the ids.
    pub fn by_id(pk: &'a Pk, id: Option<&str>, field: &str) -> Result<PopModel<'a>, InputError> {
        match id {
            None => Ok(PopModel::new(pk.default_model())),
            Some(id) => pk.model(id).map(PopModel::new).ok_or_else(|| {
                let ids: Vec<&str> = pk.models.iter().map(|m| m.id.as_str()).collect();
                InputError::invalid(field, format!("{id:?}"), ids.join(", "))
            }),
        }
    }

    /// The model id.
    pub fn id(&self) -> &str {
        &self.def.id
    }

    /// The matrix the model predicts.
    pub fn matrix(&self) -> Matrix {
        self.def.matrix
    }

    /// Parameters carrying a random effect, in eta order.
    pub fn eta_params(&self) -> &[ParamId] {
        &self.eta_params
    }

    /// Variances of the etas.
    pub fn omega2(&self) -> &[f64] {
        &self.omega2
    }

    /// Proportional residual error (SD of the relative error).
    pub fn sigma_prop(&self) -> f64 {
        self.def.residual_prop_cv.value
    }

    /// Whether the model supports the ABCB1 covariate.
    pub fn has_abcb1(&self) -> bool {
        self.abcb1_factor != 1.0
    }

    /// Typical values for these covariates (before modifiers).
    pub fn typical(&self, cov: &Covariates) -> Typical {
        let d = self.def;
        Typical {
            cl: scaled(&d.cl, cov),
            v1: scaled(&d.v1, cov),
            q: d.q.as_ref().map(|p| scaled(p, cov)),
            v2: d.v2.as_ref().map(|p| scaled(p, cov)),
            ka: scaled(&d.ka, cov),
            f: if cov.abcb1_ttt { self.abcb1_factor } else { 1.0 },
        }
    }

    /// Individual parameters: typical values × exp(eta), modifiers on CL/F.
    pub fn individual(&self, typ: &Typical, mods_cl_factor: f64, eta: &[f64]) -> PkParams {
        let mut cl = typ.cl;
        let mut v1 = typ.v1;
        let mut q = typ.q;
        let mut v2 = typ.v2;
        let mut ka = typ.ka;
        for (p, e) in self.eta_params.iter().zip(eta) {
            let x = e.exp();
            match p {
                ParamId::Cl => cl *= x,
                ParamId::V1 => v1 *= x,
                ParamId::Q => q = q.map(|v| v * x),
                ParamId::V2 => v2 = v2.map(|v| v * x),
                ParamId::Ka => ka *= x,
            }
        }
        PkParams {
            cl: LitersPerHour(cl * mods_cl_factor),
            v1: Liters(v1),
            peripheral: match (self.def.structure, q, v2) {
                (Structure::TwoCompartmentOral, Some(q), Some(v2)) => Some(Peripheral {
                    q: LitersPerHour(q),
                    v2: Liters(v2),
                }),
                _ => None,
            },
            ka: PerHour(ka),
            f: typ.f,
            tlag: Hours(0.0),
        }
    }
}
