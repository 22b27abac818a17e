//! A case's medication list read against the knowledge base
//! (`knowledge/medications.toml`): each name to its INN id, or listed as unknown
//! for a manual interaction check (never an error, never "no interaction").

use netrx_kb::Kb;
use serde::Serialize;

/// A medication netrx recognised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnownMedication {
    /// The name as written in the case file.
    pub given: String,
    /// The medication id (lowercase INN).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The name that matched (id, brand name or spelling variant), normalised.
    pub matched_as: String,
    /// Matched through a brand name or spelling variant.
    pub by_alias: bool,
    /// Trailing words ignored (dose, route), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

/// The medication list, split into recognised and unknown names.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MedicationList {
    pub known: Vec<KnownMedication>,
    /// Names netrx does not know, as written: check these by hand.
    pub unknown: Vec<String>,
}

/// Resolve every name of a medication list (duplicates of the same id are kept once).
pub fn resolve(kb: &Kb, names: &[String]) -> MedicationList {
    let mut out = MedicationList::default();
    for name in names {
        match kb.medications.resolve(name) {
            Some(m) => {
                if out.known.iter().any(|k| k.id == m.medication.id) {
                    continue;
                }
                out.known.push(KnownMedication {
                    given: name.clone(),
                    id: m.medication.id.clone(),
                    name: m.medication.name.clone(),
                    matched_as: m.matched_as.clone(),
                    by_alias: m.by_alias,
                    ignored: m.ignored.clone(),
                });
            }
            None => {
                if !out.unknown.contains(name) {
                    out.unknown.push(name.clone());
                }
            }
        }
    }
    out
}
