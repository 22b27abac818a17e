//! `prior_therapies`: what the patient has already received.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One earlier line of systemic (or liver-directed) therapy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorTherapy {
    /// Agent id from the knowledge base (e.g. `octreotide_lar`, `lu177_dotatate`).
    pub agent: String,
    /// Line of therapy, 1 = first line.
    #[schemars(range(min = 1, max = 20))]
    pub line: u32,
    /// How the line ended (or that it is still running).
    pub outcome: TherapyOutcome,
    /// Best response on that line (RECIST), if assessed.
    #[serde(default)]
    pub best_response: Option<BestResponse>,
}

/// How a line of therapy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TherapyOutcome {
    Progressed,
    Intolerant,
    Ongoing,
    Completed,
}

/// RECIST best overall response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum BestResponse {
    CR,
    PR,
    SD,
    PD,
    NE,
}
