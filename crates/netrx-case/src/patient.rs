//! `patient`: demographics, organ function and comorbidities.

use crate::date::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The patient. `name`, `birth_date` and `mrn` are the only identifying fields
/// (removed for researchers by the server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// Age in years, 0–130.
    #[schemars(range(min = 0, max = 130))]
    pub age_years: f64,
    /// Sex.
    pub sex: Sex,
    /// Body weight in kg (0–500, exclusive of 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 500))]
    pub weight_kg: Option<f64>,
    /// ECOG performance status, 0–4 (5 = dead is not a valid input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4))]
    pub ecog: Option<u8>,
    /// Child–Pugh class of liver function, or null when not assessed / no cirrhosis scoring.
    #[serde(default)]
    pub child_pugh: Option<ChildPugh>,
    /// Identifying: the patient's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identifying: date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
    /// Identifying: medical record number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mrn: Option<String>,
    /// Cytotoxic chemotherapy is contraindicated for this patient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chemo_contraindicated: Option<bool>,
    /// Comorbidities that change the options or their cautions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comorbidities: Vec<Comorbidity>,
}

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

/// Child–Pugh class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum ChildPugh {
    A,
    B,
    C,
}

/// Comorbidities netrx reasons about (the vocabulary of the option and dose rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comorbidity {
    Diabetes,
    InterstitialLungDisease,
    HeartFailure,
    Hypertension,
    ActiveInfection,
    HepatitisB,
    ChronicKidneyDisease,
    CoronaryArteryDisease,
    Hyperlipidemia,
    Immunosuppression,
    Pregnancy,
    BreastFeeding,
    PlannedSurgery,
    PriorRadiotherapy,
}
