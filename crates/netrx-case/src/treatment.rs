//! The pharmacist's sections: `medications`, `labs`, `adverse_events`, `everolimus`.
//!
//! Vocabularies that live in the knowledge base (medication names and their
//! brand/spelling variants, CTCAE terms and their aliases, lab units) are kept
//! as strings here and checked against the knowledge base by
//! `netrx_clinical::load_case`.

use crate::date::{Date, DateTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One laboratory result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    /// Date of the sample.
    pub date: Date,
    /// Test id, e.g. `platelets`, `neutrophils`, `hemoglobin`, `triglycerides`,
    /// `cholesterol`, `creatinine`, `glucose`.
    pub test: String,
    /// The measured value, in `unit`.
    pub value: f64,
    /// Unit as printed by the lab, e.g. `10^9/L`, `/mm3`, `g/dL`, `mmol/L`, `mg/dL`, `umol/L`.
    pub unit: String,
    /// The lab's lower limit of normal, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lln: Option<f64>,
    /// The lab's upper limit of normal, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uln: Option<f64>,
    /// The patient's own baseline value, in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
}

/// One adverse event as the clinician graded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdverseEvent {
    /// Onset date.
    pub date: Date,
    /// CTCAE v5.0 term in snake_case (e.g. `mucositis_oral`, `pneumonitis`, `hyperglycemia`);
    /// common aliases such as `stomatitis` are accepted.
    pub term: String,
    /// CTCAE grade 1–5.
    #[schemars(range(min = 1, max = 5))]
    pub grade: u8,
    /// Date the event resolved or improved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_date: Option<Date>,
    /// Grade it improved to by `resolved_date` (0 = resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4))]
    pub resolved_to_grade: Option<u8>,
}

/// Dosing frequency of everolimus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    EveryOtherDay,
}

impl Frequency {
    /// Dosing interval in hours.
    pub fn interval_hours(self) -> f64 {
        match self {
            Frequency::Daily => 24.0,
            Frequency::EveryOtherDay => 48.0,
        }
    }
}

/// The everolimus course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Everolimus {
    /// First day of everolimus.
    pub start_date: Date,
    /// The dose in force now, mg.
    #[schemars(range(min = 0, max = 40))]
    pub dose_mg: f64,
    /// The frequency in force now.
    pub frequency: Frequency,
    /// Earlier dose changes (the dose in force from `date` on), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<DoseChange>,
    /// Doses actually taken (for trough-guided individualisation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doses: Vec<DoseTaken>,
    /// Measured whole-blood concentrations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Sample>,
}

/// A change of dose or frequency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseChange {
    /// Date the new dose took effect.
    pub date: Date,
    /// Dose from that date, mg (0 = withheld).
    #[schemars(range(min = 0, max = 40))]
    pub dose_mg: f64,
    /// Frequency from that date.
    pub frequency: Frequency,
    /// Why (free text, e.g. "stomatitis grade 3").
    pub reason: String,
}

/// A dose actually taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseTaken {
    /// When it was taken.
    pub datetime: DateTime,
    /// Dose, mg.
    #[schemars(range(min = 0, max = 40))]
    pub dose_mg: f64,
}

/// A measured whole-blood everolimus concentration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// When the blood was drawn.
    pub datetime: DateTime,
    /// Whole-blood concentration, ng/mL.
    #[schemars(range(min = 0))]
    pub conc_ng_ml: f64,
}
