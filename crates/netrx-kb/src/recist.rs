//! RECIST 1.1 criteria as data (`knowledge/recist.toml`): baseline eligibility of
//! target lesions, the target-response thresholds, the confirmation interval and
//! the overall-response table.

use crate::provenance::Source;
use serde::{Deserialize, Serialize};
use std::fmt;

/// All RECIST knowledge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recist {
    /// Display title, e.g. "RECIST 1.1 (Eisenhauer 2009)".
    pub title: String,
    pub baseline: Baseline,
    pub target: TargetCriteria,
    pub confirmation: Confirmation,
    /// Overall-response table; the first matching row wins.
    pub overall: Vec<OverallRule>,
}

/// Which lesions may be target lesions at baseline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub max_target_lesions: usize,
    pub max_target_per_organ: usize,
    /// Smallest measurable longest diameter of a non-nodal lesion (inclusive), mm.
    pub min_non_nodal_mm: f64,
    /// Smallest measurable short axis of a lymph node (inclusive), mm.
    pub min_nodal_short_axis_mm: f64,
    pub source: Source,
}

/// Target-lesion response thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetCriteria {
    /// CR needs every nodal target below this short axis (strict), mm.
    pub cr_node_short_axis_below_mm: f64,
    /// PR: decrease from the baseline sum of at least this percentage.
    pub pr_decrease_from_baseline_pct: f64,
    /// PD: increase from the nadir of at least this percentage ...
    pub pd_increase_from_nadir_pct: f64,
    /// ... and of at least this many mm.
    pub pd_min_increase_mm: f64,
    pub source: Source,
}

/// Confirmation of responses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// Minimum days between a CR/PR and the assessment that confirms it.
    pub min_interval_days: u32,
    pub source: Source,
}

/// Per-visit response of the target lesions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TargetResponse {
    CR,
    PR,
    SD,
    PD,
    /// Not evaluable: a target lesion was not measured.
    NE,
    /// No target lesions at baseline (non-target disease only).
    NA,
}

impl TargetResponse {
    /// Every value.
    pub const ALL: [TargetResponse; 6] = [
        TargetResponse::CR,
        TargetResponse::PR,
        TargetResponse::SD,
        TargetResponse::PD,
        TargetResponse::NE,
        TargetResponse::NA,
    ];

    /// As written in data and output.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetResponse::CR => "CR",
            TargetResponse::PR => "PR",
            TargetResponse::SD => "SD",
            TargetResponse::PD => "PD",
            TargetResponse::NE => "NE",
            TargetResponse::NA => "NA",
        }
    }
}

impl fmt::Display for TargetResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Overall response at a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OverallResponse {
    CR,
    PR,
    SD,
    PD,
    NE,
    /// Non-target disease only, neither CR nor PD.
    #[serde(rename = "non-CR/non-PD")]
    NonCrNonPd,
}

impl OverallResponse {
    /// As written in data and output.
    pub fn as_str(self) -> &'static str {
        match self {
            OverallResponse::CR => "CR",
            OverallResponse::PR => "PR",
            OverallResponse::SD => "SD",
            OverallResponse::PD => "PD",
            OverallResponse::NE => "NE",
            OverallResponse::NonCrNonPd => "non-CR/non-PD",
        }
    }
}

impl fmt::Display for OverallResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Non-target status as the case file writes it (mirrors `netrx_case::NonTarget`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonTargetStatus {
    Absent,
    Present,
    UnequivocalProgression,
}

impl NonTargetStatus {
    /// Every value.
    pub const ALL: [NonTargetStatus; 3] = [
        NonTargetStatus::Absent,
        NonTargetStatus::Present,
        NonTargetStatus::UnequivocalProgression,
    ];

    /// The case-file id.
    pub fn id(self) -> &'static str {
        match self {
            NonTargetStatus::Absent => "absent",
            NonTargetStatus::Present => "present",
            NonTargetStatus::UnequivocalProgression => "unequivocal_progression",
        }
    }
}

/// One row of the overall-response table. An omitted condition matches anything.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverallRule {
    #[serde(default)]
    pub target: Option<Vec<TargetResponse>>,
    #[serde(default)]
    pub non_target: Option<Vec<NonTargetStatus>>,
    #[serde(default)]
    pub new_lesions: Option<Vec<bool>>,
    pub overall: OverallResponse,
    pub source: Source,
}

impl OverallRule {
    fn matches(&self, t: TargetResponse, nt: NonTargetStatus, new: bool) -> bool {
        self.target.as_ref().is_none_or(|v| v.contains(&t))
            && self.non_target.as_ref().is_none_or(|v| v.contains(&nt))
            && self.new_lesions.as_ref().is_none_or(|v| v.contains(&new))
    }
}

impl Recist {
    /// The overall response for a combination, with the table row that decided it.
    pub fn overall(&self, t: TargetResponse, nt: NonTargetStatus, new: bool) -> &OverallRule {
        self.overall
            .iter()
            .find(|r| r.matches(t, nt, new))
            .expect("the overall-response table covers every combination (checked at load)")
    }

    /// Consistency checks run at load time.
    pub(crate) fn check(&self) -> Result<(), String> {
        let b = &self.baseline;
        if b.max_target_lesions == 0 || b.max_target_per_organ == 0 {
            return Err("baseline: the lesion limits must be ≥ 1".into());
        }
        if b.max_target_per_organ > b.max_target_lesions {
            return Err("baseline: max_target_per_organ exceeds max_target_lesions".into());
        }
        for (name, v) in [
            ("baseline.min_non_nodal_mm", b.min_non_nodal_mm),
            ("baseline.min_nodal_short_axis_mm", b.min_nodal_short_axis_mm),
            (
                "target.cr_node_short_axis_below_mm",
                self.target.cr_node_short_axis_below_mm,
            ),
            ("target.pd_min_increase_mm", self.target.pd_min_increase_mm),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("{name} must be a number ≥ 0"));
            }
        }
        let pr = self.target.pr_decrease_from_baseline_pct;
        if !(pr.is_finite() && pr > 0.0 && pr <= 100.0) {
            return Err("target.pr_decrease_from_baseline_pct must be a percentage > 0 and ≤ 100".into());
        }
        let pd = self.target.pd_increase_from_nadir_pct;
        if !(pd.is_finite() && pd > 0.0) {
            return Err("target.pd_increase_from_nadir_pct must be a percentage > 0".into());
        }
        for t in TargetResponse::ALL {
            for nt in NonTargetStatus::ALL {
                for new in [false, true] {
                    if !self.overall.iter().any(|r| r.matches(t, nt, new)) {
                        return Err(format!(
                            "overall-response table has no row for target {t}, non-target {}, new lesions {new}",
                            nt.id()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Kb;

    use super::*;

    #[test]
    fn embedded_table_gives_recist_overall_responses() {
        let kb = Kb::embedded().unwrap();
        let r = &kb.recist;
        use NonTargetStatus::*;
        use TargetResponse as T;
        let o = |t, nt, new| r.overall(t, nt, new).overall;
        assert_eq!(o(T::CR, Absent, false), OverallResponse::CR);
        assert_eq!(o(T::CR, Present, false), OverallResponse::PR);
        assert_eq!(o(T::PR, Present, false), OverallResponse::PR);
        assert_eq!(o(T::SD, Absent, false), OverallResponse::SD);
        assert_eq!(o(T::NE, Present, false), OverallResponse::NE);
        assert_eq!(o(T::CR, Absent, true), OverallResponse::PD);
        assert_eq!(o(T::PR, UnequivocalProgression, false), OverallResponse::PD);
        assert_eq!(o(T::NE, UnequivocalProgression, false), OverallResponse::PD);
        assert_eq!(o(T::NA, Present, false), OverallResponse::NonCrNonPd);
        assert_eq!(o(T::NA, Absent, false), OverallResponse::CR);
    }

    #[test]
    fn a_table_with_a_gap_is_refused() {
        let kb = Kb::embedded().unwrap();
        let mut r = kb.recist.clone();
        r.overall.retain(|row| row.overall != OverallResponse::NonCrNonPd);
        assert!(r.check().unwrap_err().contains("no row for target NA"));
    }
}
