//! Follow-up: imaging `visits` (RECIST 1.1) and quality-of-life questionnaires (`qol`).

use crate::date::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One imaging assessment. The first visit is the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// Date of imaging.
    pub date: Date,
    /// Target lesions (same ids at every visit).
    pub target_lesions: Vec<TargetLesion>,
    /// Status of the non-target lesions.
    pub non_target: NonTarget,
    /// New lesions seen at this visit.
    pub new_lesions: bool,
}

/// A target lesion measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetLesion {
    /// Lesion id, stable across visits.
    pub id: String,
    /// Organ (e.g. `liver`, `lymph_node`, `lung`).
    pub organ: String,
    /// Longest diameter (short axis for lymph nodes), mm; null when not measured (→ NE).
    pub diameter_mm: Option<f64>,
    /// Whether the lesion is a lymph node (measured by short axis).
    pub lymph_node: bool,
}

/// Non-target lesion status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NonTarget {
    Absent,
    Present,
    UnequivocalProgression,
}

/// Questionnaire instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum Instrument {
    #[serde(rename = "FACT-G")]
    FactG,
    #[serde(rename = "QLQ-C30")]
    QlqC30,
    #[serde(rename = "QLQ-GINET21")]
    QlqGinet21,
}

/// One completed questionnaire: item code → response (as printed on the form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QolAssessment {
    /// Date completed.
    pub date: Date,
    /// Which questionnaire.
    pub instrument: Instrument,
    /// Item code (e.g. `GP1`, `Q29`) → response; unanswered items are omitted.
    pub items: BTreeMap<String, u8>,
}
