//! Medication vocabulary (`knowledge/medications.toml`): lowercase INN ids with
//! brand names and spelling variants as aliases, looked up case-insensitively.
//!
//! A name is normalised with [`normalize_id`] (lowercase; apostrophes dropped;
//! every other run of non-alphanumerics becomes one `_`), so "St. John's Wort",
//! "st johns wort" and "st_johns_wort" are the same key. [`Medications::resolve`]
//! also accepts a trailing dose or route ("ketoconazole 200 mg bid") by matching
//! the longest leading run of words.

use crate::provenance::Source;
use serde::Deserialize;
use std::collections::HashMap;

/// Normalise a name to an id-like key: lowercase, apostrophes removed, each run
/// of other non-alphanumeric characters replaced by one `_`, no leading/trailing `_`.
pub fn normalize_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_sep = false;
    for ch in s.chars() {
        if matches!(ch, '\'' | '’' | '‘' | '`' | '´') {
            continue;
        }
        if ch.is_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_sep = true;
        }
    }
    out
}

/// Drug or food.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Drug,
    Food,
}

/// One medication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    /// Lowercase INN in snake_case.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Brand names and spelling variants.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Pharmacological classes (ids of `[[class]]`).
    #[serde(default)]
    pub classes: Vec<String>,
    #[serde(default)]
    pub kind: Kind,
}

/// A pharmacological class named by an interaction statement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedClass {
    pub id: String,
    pub name: String,
    pub source: Source,
}

/// Where the names come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nomenclature {
    pub source: Source,
}

/// The medication vocabulary.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Medications {
    pub nomenclature: Nomenclature,
    pub medication: Vec<Medication>,
    #[serde(default)]
    pub class: Vec<MedClass>,
    /// Normalised name → index into `medication`.
    #[serde(skip)]
    index: HashMap<String, usize>,
}

/// How a name given by a user was recognised.
#[derive(Debug, Clone)]
pub struct MedMatch<'a> {
    pub medication: &'a Medication,
    /// The normalised name that matched (the id or one of its aliases).
    pub matched_as: String,
    /// Whether the match was by an alias (brand name or spelling variant) rather than the id.
    pub by_alias: bool,
    /// Trailing words ignored (dose, route), if any.
    pub ignored: Option<String>,
}

impl Medications {
    /// Parse and check `medications.toml`.
    pub(crate) fn load(text: &str) -> Result<Medications, crate::KbError> {
        let mut m: Medications = crate::parse_toml("medications.toml", text)?;
        m.build().map_err(|message| crate::KbError {
            file: "medications.toml".into(),
            message,
        })?;
        Ok(m)
    }

    fn build(&mut self) -> Result<(), String> {
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, med) in self.medication.iter().enumerate() {
            if normalize_id(&med.id) != med.id {
                return Err(format!("medication id {:?} is not a lowercase snake_case id", med.id));
            }
            for name in std::iter::once(&med.id).chain(med.aliases.iter()) {
                let key = normalize_id(name);
                if key.is_empty() {
                    return Err(format!("{}: empty alias", med.id));
                }
                if let Some(&j) = index.get(&key)
                    && j != i
                {
                    return Err(format!(
                        "name {name:?} maps to both {} and {}",
                        self.medication[j].id, med.id
                    ));
                }
                index.insert(key, i);
            }
            for c in &med.classes {
                if !self.class.iter().any(|k| &k.id == c) {
                    return Err(format!("{}: unknown class {c:?}", med.id));
                }
            }
        }
        self.index = index;
        Ok(())
    }

    /// A medication by its id (exact).
    pub fn get(&self, id: &str) -> Option<&Medication> {
        self.medication.iter().find(|m| m.id == id)
    }

    /// A class by id.
    pub fn class(&self, id: &str) -> Option<&MedClass> {
        self.class.iter().find(|c| c.id == id)
    }

    /// Exact lookup of a name (id, brand name or spelling variant), case-insensitive.
    pub fn lookup(&self, name: &str) -> Option<&Medication> {
        self.index.get(&normalize_id(name)).map(|&i| &self.medication[i])
    }

    /// Resolve a name as written in a medication list: the whole name, or else the
    /// longest leading run of words that is a known name ("ketoconazole 200 mg" →
    /// ketoconazole). `None` when no leading run is known.
    pub fn resolve(&self, name: &str) -> Option<MedMatch<'_>> {
        let key = normalize_id(name);
        let words: Vec<&str> = key.split('_').filter(|w| !w.is_empty()).collect();
        for n in (1..=words.len()).rev() {
            let candidate = words[..n].join("_");
            if let Some(&i) = self.index.get(&candidate) {
                let med = &self.medication[i];
                let ignored = if n < words.len() {
                    Some(words[n..].join(" "))
                } else {
                    None
                };
                return Some(MedMatch {
                    medication: med,
                    by_alias: candidate != med.id,
                    matched_as: candidate,
                    ignored,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize_id("St. John's Wort"), "st_johns_wort");
        assert_eq!(normalize_id("  Rifampin  "), "rifampin");
        assert_eq!(normalize_id("Sandostatin-LAR 30 mg"), "sandostatin_lar_30_mg");
        assert_eq!(normalize_id("ciclosporin"), "ciclosporin");
    }

    #[test]
    fn embedded_aliases_resolve_to_inn_ids() {
        let kb = crate::Kb::embedded().expect("embedded knowledge loads");
        let m = &kb.medications;
        for (name, id) in [
            ("rifampin", "rifampicin"),
            ("Rifadin", "rifampicin"),
            ("RIFAMPICIN", "rifampicin"),
            ("cyclosporine", "ciclosporin"),
            ("Neoral", "ciclosporin"),
            ("St. John's Wort", "st_johns_wort"),
            ("grapefruit juice", "grapefruit"),
            ("Sandostatin LAR", "octreotide"),
        ] {
            assert_eq!(m.lookup(name).map(|x| x.id.as_str()), Some(id), "{name}");
        }
        assert!(m.lookup("paracetamol").is_none());
        let r = m.resolve("Ketoconazole 200 mg bid").expect("leading name");
        assert_eq!(r.medication.id, "ketoconazole");
        assert_eq!(r.ignored.as_deref(), Some("200 mg bid"));
        assert!(!r.by_alias);
        let r = m.resolve("sandostatin lar 30 mg").expect("brand");
        assert_eq!((r.medication.id.as_str(), r.by_alias), ("octreotide", true));
        assert!(
            m.resolve("200 mg ketoconazole").is_none(),
            "only a leading name is matched"
        );
    }
}
