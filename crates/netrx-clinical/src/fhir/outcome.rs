//! The FHIR R4 OperationOutcome netrx answers with: one issue per resource or
//! element read — what it was mapped to (information), what could not be used
//! and why (warning), what stops the import (error / fatal).

use serde::{Deserialize, Serialize};

/// Issue severity (FHIR `IssueSeverity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The import cannot proceed.
    Fatal,
    /// The Bundle cannot yield a valid case.
    Error,
    /// Something in the Bundle was not imported (or imported with a caveat).
    Warning,
    /// What was mapped, and to what.
    Information,
}

/// Issue type (the subset of FHIR `IssueType` netrx uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueType {
    /// Mapped (information).
    Informational,
    /// Not valid JSON / not a Bundle.
    Structure,
    /// Required for a case and absent.
    Required,
    /// A value netrx cannot use (wrong unit, out of range, partial date).
    Value,
    /// A code netrx has no mapping for (listed, never guessed).
    CodeInvalid,
    /// A resource type or element netrx does not read.
    NotSupported,
    /// Several values where the case holds one, or a code naming several sites.
    MultipleMatches,
    /// A recognised code deliberately not used (e.g. the breast-cancer Ki-67).
    BusinessRule,
    /// Resources that contradict each other.
    Conflict,
    /// Present but not complete enough to use (e.g. a dosage netrx cannot read).
    Incomplete,
}

/// One issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub code: IssueType,
    /// What happened, in words.
    pub details: Details,
    /// The knowledge behind a mapping (reference and status), or the case field concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    /// FHIRPath of the element in the Bundle (`Bundle.entry[2].resource.code`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// `CodeableConcept` with text only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Details {
    pub text: String,
}

/// A FHIR R4 OperationOutcome.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OperationOutcome {
    #[serde(rename = "resourceType")]
    pub resource_type: OutcomeType,
    pub issue: Vec<Issue>,
}

/// Always "OperationOutcome".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OutcomeType {
    #[default]
    OperationOutcome,
}

impl OperationOutcome {
    /// Add an issue.
    pub fn push(
        &mut self,
        severity: Severity,
        code: IssueType,
        text: impl Into<String>,
        diagnostics: Option<String>,
        expression: Option<String>,
    ) {
        self.issue.push(Issue {
            severity,
            code,
            details: Details { text: text.into() },
            diagnostics,
            expression: expression.into_iter().collect(),
        });
    }

    /// Whether any issue is an error or fatal.
    pub fn has_errors(&self) -> bool {
        self.issue.iter().any(|i| i.severity <= Severity::Error)
    }

    /// Issues of a severity.
    pub fn count(&self, s: Severity) -> usize {
        self.issue.iter().filter(|i| i.severity == s).count()
    }

    /// Errors first, then warnings, then information (stable within a severity).
    pub fn sort(&mut self) {
        self.issue.sort_by_key(|i| i.severity);
    }
}
