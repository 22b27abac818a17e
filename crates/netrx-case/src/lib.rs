//! The netrx case file: one JSON document per patient.
//!
//! This crate owns the document's shape (the types below, from which
//! `schemas/case.schema.json` is generated), its parsing with errors that name
//! the offending field, and the structural checks that need no knowledge base
//! (ranges, identifiers, combinations). Checks against the knowledge base
//! (agent ids, medication names, CTCAE terms, units) are made by
//! `netrx_clinical::load_case`, which every front end calls.
//!
//! No I/O: callers hand in the text.

pub mod date;
pub mod error;
pub mod followup;
pub mod patient;
pub mod therapy;
pub mod treatment;
pub mod tumor;
pub mod validate;

pub use date::{Date, DateTime};
pub use error::{DOCUMENT, InputError};
pub use followup::{Instrument, NonTarget, QolAssessment, TargetLesion, Visit};
pub use patient::{ChildPugh, Comorbidity, Patient, Sex};
pub use therapy::{BestResponse, PriorTherapy, TherapyOutcome};
pub use treatment::{AdverseEvent, DoseChange, DoseTaken, Everolimus, Frequency, Lab, Sample};
pub use tumor::{
    CellType, Differentiation, Extent, Mitoses, Necrosis, PrimarySite, Progression, ProgressionStatus, SstrImaging,
    Syndrome, Tumor,
};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Maximum length of a case id.
pub const CASE_ID_MAX_LEN: usize = 64;

/// One patient's case file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "netrx case file", extend("$id" = "https://netrx.invalid/schemas/case.schema.json"))]
pub struct Case {
    /// The case id: letters, digits, '-' and '_', at most 64 characters.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_-]{1,64}$"))]
    pub id: String,
    /// The patient.
    pub patient: Patient,
    /// The tumour.
    pub tumor: Tumor,
    /// Earlier lines of therapy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior_therapies: Vec<PriorTherapy>,
    /// Current medications, generic or brand names (case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub medications: Vec<String>,
    /// Laboratory results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labs: Vec<Lab>,
    /// Adverse events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adverse_events: Vec<AdverseEvent>,
    /// The everolimus course, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub everolimus: Option<Everolimus>,
    /// Imaging visits for RECIST 1.1; the first is the baseline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visits: Vec<Visit>,
    /// Quality-of-life questionnaires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qol: Vec<QolAssessment>,
}

/// Parse a case file and run the structural checks. The first problem found is
/// returned, naming the field (dotted path), the value given and what is allowed.
pub fn parse_case(text: &str) -> Result<Case, InputError> {
    let case: Case = from_json(text)?;
    validate::structural(&case)?;
    Ok(case)
}

/// Parse any JSON document into `T`, turning serde's errors into an [`InputError`]
/// naming the field path. Use for every JSON input netrx reads.
pub fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, InputError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let top = path == "." || path.is_empty();
            // serde reports a missing field at its parent ("missing field `x`"): name the
            // field itself, so that the error says which input to supply.
            if let Some(name) = missing_field(&inner) {
                let field = if top { name.clone() } else { format!("{path}.{name}") };
                return Err(InputError::new(field, format!("required field `{name}` is missing")));
            }
            let field = if top || inner.is_syntax() || inner.is_eof() {
                DOCUMENT.to_string()
            } else {
                path
            };
            let message = if inner.is_syntax() || inner.is_eof() {
                format!("malformed JSON: {inner}")
            } else {
                // serde_json appends " at line L column C"; keep it, it helps locate the value.
                inner.to_string()
            };
            Err(InputError::new(field, message))
        }
    }
}

/// The name in serde's "missing field `x`" message, if that is the error.
fn missing_field(e: &serde_json::Error) -> Option<String> {
    if !e.is_data() {
        return None;
    }
    let text = e.to_string();
    let name = text.strip_prefix("missing field `")?.split('`').next()?;
    Some(name.to_string())
}

/// The JSON Schema of the case file (as committed in `schemas/case.schema.json`).
pub fn case_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Case);
    serde_json::to_value(schema).expect("a schema serialises")
}

/// Gives a unit enum `ALL` and `id()` (its case-file spelling). A test checks
/// that every id equals serde's spelling of the variant.
macro_rules! ids {
    ($name:ident { $($variant:ident => $s:literal),* $(,)? }) => {
        impl $name {
            /// Every variant, in case-file order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The id as written in case files and rules.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
        }
    };
}

ids!(Sex { Female => "female", Male => "male", Other => "other", Unknown => "unknown" });
ids!(ChildPugh { A => "A", B => "B", C => "C" });
ids!(Comorbidity {
    Diabetes => "diabetes",
    InterstitialLungDisease => "interstitial_lung_disease",
    HeartFailure => "heart_failure",
    Hypertension => "hypertension",
    ActiveInfection => "active_infection",
    HepatitisB => "hepatitis_b",
    ChronicKidneyDisease => "chronic_kidney_disease",
    CoronaryArteryDisease => "coronary_artery_disease",
    Hyperlipidemia => "hyperlipidemia",
    Immunosuppression => "immunosuppression",
    Pregnancy => "pregnancy",
    BreastFeeding => "breast_feeding",
    PlannedSurgery => "planned_surgery",
    PriorRadiotherapy => "prior_radiotherapy",
});
ids!(PrimarySite {
    Pancreas => "pancreas",
    Stomach => "stomach",
    Duodenum => "duodenum",
    JejunumIleum => "jejunum_ileum",
    Appendix => "appendix",
    Colon => "colon",
    Rectum => "rectum",
    Lung => "lung",
    Thymus => "thymus",
    UnknownPrimary => "unknown_primary",
});
ids!(Differentiation { Well => "well", Poor => "poor", Unknown => "unknown" });
ids!(CellType { SmallCell => "small_cell", LargeCell => "large_cell", Unknown => "unknown" });
ids!(Necrosis { None => "none", Punctate => "punctate", Extensive => "extensive", Unknown => "unknown" });
ids!(Syndrome {
    Carcinoid => "carcinoid",
    Insulinoma => "insulinoma",
    Gastrinoma => "gastrinoma",
    Vipoma => "vipoma",
    Glucagonoma => "glucagonoma",
    Other => "other",
});
ids!(SstrImaging { Positive => "positive", Negative => "negative", Unknown => "unknown" });
ids!(ProgressionStatus { Progressive => "progressive", Stable => "stable", Unknown => "unknown" });
ids!(Extent {
    Localized => "localized",
    LocallyAdvancedUnresectable => "locally_advanced_unresectable",
    Metastatic => "metastatic",
});
ids!(TherapyOutcome { Progressed => "progressed", Intolerant => "intolerant", Ongoing => "ongoing", Completed => "completed" });
ids!(BestResponse { CR => "CR", PR => "PR", SD => "SD", PD => "PD", NE => "NE" });
ids!(Frequency { Daily => "daily", EveryOtherDay => "every_other_day" });
ids!(NonTarget { Absent => "absent", Present => "present", UnequivocalProgression => "unequivocal_progression" });
ids!(Instrument { FactG => "FACT-G", QlqC30 => "QLQ-C30", QlqGinet21 => "QLQ-GINET21" });

#[cfg(test)]
mod id_tests {
    use super::*;

    fn check<T: Serialize + Copy>(all: &[T], id: impl Fn(T) -> &'static str) {
        for v in all {
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(id(*v).into())
            );
        }
    }

    #[test]
    fn ids_match_serde_spelling() {
        check(Sex::ALL, Sex::id);
        check(ChildPugh::ALL, ChildPugh::id);
        check(Comorbidity::ALL, Comorbidity::id);
        check(PrimarySite::ALL, PrimarySite::id);
        check(Differentiation::ALL, Differentiation::id);
        check(CellType::ALL, CellType::id);
        check(Necrosis::ALL, Necrosis::id);
        check(Syndrome::ALL, Syndrome::id);
        check(SstrImaging::ALL, SstrImaging::id);
        check(ProgressionStatus::ALL, ProgressionStatus::id);
        check(Extent::ALL, Extent::id);
        check(TherapyOutcome::ALL, TherapyOutcome::id);
        check(BestResponse::ALL, BestResponse::id);
        check(Frequency::ALL, Frequency::id);
        check(NonTarget::ALL, NonTarget::id);
        check(Instrument::ALL, Instrument::id);
    }
}
