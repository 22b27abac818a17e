//! Provenance: where a fact comes from and how sure we are of it.
//!
//! Every fact in `knowledge/` carries a [`Source`]. Front ends show the
//! reference and, unless it is `verified`, the status, so a clinician sees
//! which rules the references could not confirm.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Verification status, exactly as the reference files mark facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Confirmed against the primary source (trials.md "verified"; clinical-rules.md ✔).
    Verified,
    /// Confirmed only via a secondary copy (clinical-rules.md [VERIFIED-SECONDARY]).
    VerifiedSecondary,
    /// Could not be confirmed (UNVERIFIED, ✱, "from memory / verify"). Shown to users as such.
    Unverified,
    /// Computed by netrx or the reference authors from verified numbers (e.g. a Bucher estimate).
    Derived,
}

impl Status {
    /// The snake_case id.
    pub fn id(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::VerifiedSecondary => "verified_secondary",
            Status::Unverified => "unverified",
            Status::Derived => "derived",
        }
    }

    /// The mark shown to users next to a statement.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Verified => "✔ verified",
            Status::VerifiedSecondary => "✔ verified (secondary source)",
            Status::Unverified => "UNVERIFIED",
            Status::Derived => "derived",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Where a fact comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The reference: publication, year, table/figure, or a section of shared/reference/ with its source tags.
    #[serde(rename = "ref")]
    pub reference: String,
    /// How sure we are.
    pub status: Status,
    /// Why it differs, what is uncertain, or how it was derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.reference, self.status.mark())
    }
}
