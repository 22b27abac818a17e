//! The netrx knowledge base.
//!
//! Clinical knowledge is data: every file under the workspace's `knowledge/`
//! directory is embedded at build time and parsed by the typed loaders here.
//! Each fact carries a [`Source`] with a verification [`Status`]. The
//! knowledge version — a content hash of all files — is printed by
//! `netrx --version` and returned as `knowledge_version` by every command that
//! uses the knowledge base, so a recommendation can be traced to its data.
//!
//! No I/O: a site may load its own copy with [`Kb::from_files`], reading the
//! files itself.

pub mod agents;
pub mod cautions;
pub mod ctcae;
pub mod fhir;
pub mod grading;
pub mod guidelines;
pub mod indications;
pub mod label;
pub mod medications;
pub mod pk;
pub mod populations;
pub mod provenance;
pub mod qol;
pub mod recist;
pub mod trials;
pub mod units;
pub mod validate;

pub use provenance::{Source, Status};

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/knowledge_files.rs"));
}

/// A knowledge-base file that could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("knowledge/{file}: {message}")]
pub struct KbError {
    /// Path relative to knowledge/.
    pub file: String,
    pub message: String,
}

/// The loaded knowledge base.
#[derive(Debug, Clone)]
pub struct Kb {
    version: String,
    /// WHO/ENETS grading schemes.
    pub grading: grading::Grading,
    /// Systemic agents and network regimens (`knowledge/agents.toml`).
    pub agents: agents::Agents,
    /// Primary sites and comparison populations (`knowledge/populations.toml`).
    pub populations: populations::Populations,
    /// The trial base (`knowledge/trials/*.toml`), validated with agents and populations.
    pub trials: trials::Trials,
    /// Guideline positions as rules (`knowledge/guidelines/`).
    pub guidelines: guidelines::Guidelines,
    /// Label indications per agent and region (`knowledge/indications.toml`).
    pub indications: indications::Indications,
    /// Patient-specific cautions (`knowledge/cautions.toml`).
    pub cautions: cautions::Cautions,
    /// Everolimus pharmacokinetics (`knowledge/pk/`).
    pub pk: pk::Pk,
    /// RECIST 1.1 criteria (`knowledge/recist.toml`).
    pub recist: recist::Recist,
    /// Quality-of-life instruments and deterioration definitions (`knowledge/qol/`).
    pub qol: qol::Qol,
    /// Laboratory tests and units (`knowledge/units.toml`).
    pub units: units::Units,
    /// CTCAE v5.0 lab grading and adverse-event terms (`knowledge/ctcae.toml`).
    pub ctcae: ctcae::Ctcae,
    /// Medication names and aliases (`knowledge/medications.toml`).
    pub medications: medications::Medications,
    /// Everolimus label rules: dosing, interactions, dose modifications, monitoring (`knowledge/everolimus/`).
    pub everolimus: label::Label,
    /// FHIR code mapping tables for the importer and the CDS Hooks service (`knowledge/fhir/`).
    pub fhir: fhir::Fhir,
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, KbError> {
    toml::from_str(text).map_err(|e| KbError {
        file: file.to_string(),
        message: e.to_string(),
    })
}

impl Kb {
    /// The knowledge base compiled into this binary (parsed once, then shared).
    pub fn embedded() -> Result<&'static Kb, KbError> {
        static KB: OnceLock<Result<Kb, KbError>> = OnceLock::new();
        KB.get_or_init(|| {
            Kb::from_files(
                embedded::FILES
                    .iter()
                    .map(|(p, c)| (p.to_string(), c.to_string()))
                    .collect(),
            )
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Paths and contents of the embedded files (for export or inspection).
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        embedded::FILES
    }

    /// Load from (path relative to knowledge/, contents) pairs.
    pub fn from_files(mut files: Vec<(String, String)>) -> Result<Kb, KbError> {
        files.sort();
        let version = content_hash(&files);
        let get = |name: &str| -> Result<&str, KbError> {
            files
                .iter()
                .find(|(p, _)| p == name)
                .map(|(_, c)| c.as_str())
                .ok_or_else(|| KbError {
                    file: name.to_string(),
                    message: "missing".into(),
                })
        };
        let grading: grading::Grading = parse_toml("grading.toml", get("grading.toml")?)?;
        grading.check().map_err(|m| KbError {
            file: "grading.toml".into(),
            message: m,
        })?;
        let validate::Evidence {
            agents,
            populations,
            trials,
        } = validate::load_evidence(&files)?;
        let (guidelines, indications, cautions) = {
            let ids = agents.agent_ids().into_iter().map(String::from).collect();
            let sites = populations.site_ids().into_iter().map(String::from).collect();
            let pops = populations.ids().into_iter().map(String::from).collect();
            let g = guidelines::load(&files, &ids, &sites, &pops)?;
            let i = indications::load(&files, &ids, &g)?;
            let c = cautions::load(&files, &ids, &g)?;
            (g, i, c)
        };
        let pk = pk::Pk::from_texts([
            get(pk::FILES[0])?,
            get(pk::FILES[1])?,
            get(pk::FILES[2])?,
            get(pk::FILES[3])?,
            get(pk::FILES[4])?,
        ])?;
        let recist: recist::Recist = parse_toml("recist.toml", get("recist.toml")?)?;
        recist.check().map_err(|m| KbError {
            file: "recist.toml".into(),
            message: m,
        })?;
        let qol = qol::load(&files)?;
        let units = units::Units::load(get("units.toml")?)?;
        let ctcae = ctcae::Ctcae::load(get("ctcae.toml")?, &units)?;
        let medications = medications::Medications::load(get("medications.toml")?)?;
        let everolimus = label::Label::load(
            [
                get(label::FILES[0])?,
                get(label::FILES[1])?,
                get(label::FILES[2])?,
                get(label::FILES[3])?,
            ],
            &ctcae,
            &medications,
        )?;
        let fhir = {
            fhir::Fhir::load(
                [
                    get(fhir::FILES[0])?,
                    get(fhir::FILES[1])?,
                    get(fhir::FILES[2])?,
                    get(fhir::FILES[3])?,
                    get(fhir::FILES[4])?,
                    get(fhir::FILES[5])?,
                    get(fhir::FILES[6])?,
                ],
                &|t| units.test(t).is_some_and(|x| x.id == t),
                &|m| medications.get(m).is_some(),
            )?
        };
        Ok(Kb {
            version,
            grading,
            agents,
            populations,
            trials,
            guidelines,
            indications,
            cautions,
            pk,
            recist,
            qol,
            units,
            ctcae,
            medications,
            everolimus,
            fhir,
        })
    }

    /// The knowledge version: `sha256:` and the first 16 hex digits of the hash of
    /// every file's path and contents.
    pub fn version(&self) -> &str {
        &self.version
    }
}

fn content_hash(files: &[(String, String)]) -> String {
    let mut h = Sha256::new();
    for (p, c) in files {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
        h.update((c.len() as u64).to_le_bytes());
        h.update(c.as_bytes());
    }
    let d = h.finalize();
    let hex: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_knowledge_loads_and_has_a_version() {
        let kb = Kb::embedded().expect("embedded knowledge loads");
        assert!(kb.version().starts_with("sha256:"));
        assert_eq!(kb.version().len(), "sha256:".len() + 16);
        assert!(kb.grading.scheme("who2019").is_some());
    }

    #[test]
    fn version_changes_with_content() {
        let a = content_hash(&[("a".into(), "1".into())]);
        let b = content_hash(&[("a".into(), "2".into())]);
        let c = content_hash(&[("a1".into(), "".into())]);
        assert_ne!(a, b);
        assert_ne!(a, c);
    }
}
