//! FHIR code mapping tables (`knowledge/fhir/`): which codes of which code
//! systems netrx reads from a FHIR R4 Bundle, and what each becomes in a case
//! file — primary site, differentiation, Ki-67, mitoses, labs, comorbidities,
//! metastases, medications — each with its source and status. A code in no
//! table is reported by the importer as unknown, never guessed.
//!
//! Codes are matched exactly or by prefix (ICD codes); for a system with
//! `normalize = "icd"` the comparison ignores case, '.' and '/', so "C25.4",
//! "c254" and "C25.4" are one code and "8240/3" = "82403". The longest matching
//! entry wins ("C18.1" appendix beats the "C18" colon prefix).

use crate::KbError;
use crate::provenance::Source;
use serde::Deserialize;

/// The files of this module, relative to `knowledge/`.
pub const FILES: [&str; 7] = [
    "fhir/systems.toml",
    "fhir/sites.toml",
    "fhir/morphology.toml",
    "fhir/observations.toml",
    "fhir/conditions.toml",
    "fhir/medications.toml",
    "fhir/resources.toml",
];

/// The case file's primary-site ids (netrx-case `PrimarySite`; a netrx-clinical
/// test keeps the two lists equal): the rule engine's vocabulary.
pub const CASE_SITES: &[&str] = crate::guidelines::vocab::SITE;

/// The case file's comorbidity ids (netrx-case `Comorbidity`; kept equal by a netrx-clinical test).
pub const CASE_COMORBIDITIES: &[&str] = crate::guidelines::vocab::COMORBIDITY;

/// How codes of a system are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// Exactly (after trimming).
    #[default]
    Exact,
    /// ICD style: upper-case, without '.', '/' and spaces.
    Icd,
}

impl Normalize {
    /// The comparison key of a code.
    pub fn key(self, code: &str) -> String {
        let code = code.trim();
        match self {
            Normalize::Exact => code.to_string(),
            Normalize::Icd => code
                .chars()
                .filter(|c| !matches!(c, '.' | '/' | ' '))
                .flat_map(char::to_uppercase)
                .collect(),
        }
    }
}

/// A code system.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSystem {
    /// Short key used by the other tables.
    pub key: String,
    /// Display name.
    pub name: String,
    /// The system URI.
    pub uri: String,
    /// Other URIs (OIDs, national variants) meaning the same system.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub normalize: Normalize,
    pub source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemsFile {
    system: Vec<CodeSystem>,
}

/// A code (or code prefix) in one or more systems, with what it means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry<T> {
    /// Keys of [`CodeSystem`]s.
    pub systems: Vec<String>,
    /// Exact code.
    #[serde(default)]
    pub code: Option<String>,
    /// Code prefix (ICD hierarchies).
    #[serde(default)]
    pub prefix: Option<String>,
    /// The code's meaning, as a person reads it.
    pub display: String,
    /// What it maps to.
    #[serde(flatten)]
    pub target: T,
    pub source: Source,
}

/// Target of a site entry: a netrx primary site, or why the code names none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteTarget {
    /// Primary site id (case-file vocabulary).
    #[serde(default)]
    pub site: Option<String>,
    /// The code is known but does not name one netrx site.
    #[serde(default)]
    pub ambiguous: Option<String>,
}

/// Differentiation as the case file spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Differentiation {
    Well,
    Poor,
}

impl Differentiation {
    /// The case-file id.
    pub fn id(self) -> &'static str {
        match self {
            Differentiation::Well => "well",
            Differentiation::Poor => "poor",
        }
    }
}

/// Cell type of a neuroendocrine carcinoma, as the case file spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellType {
    SmallCell,
    LargeCell,
}

impl CellType {
    /// The case-file id.
    pub fn id(self) -> &'static str {
        match self {
            CellType::SmallCell => "small_cell",
            CellType::LargeCell => "large_cell",
        }
    }
}

/// Target of a morphology entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MorphologyTarget {
    #[serde(default)]
    pub differentiation: Option<Differentiation>,
    #[serde(default)]
    pub cell_type: Option<CellType>,
    /// Recognised but deliberately not mapped: why.
    #[serde(default)]
    pub not_mapped: Option<String>,
}

/// Target of a comorbidity entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComorbidityTarget {
    /// Comorbidity id (case-file vocabulary).
    pub comorbidity: String,
}

/// Where a metastasis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Where {
    Liver,
    DistantOther,
    RegionalNodes,
}

/// Target of a metastasis entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetastasisTarget {
    #[serde(default, rename = "where")]
    pub location: Option<Where>,
    #[serde(default)]
    pub ambiguous: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SitesFile {
    site: Vec<Entry<SiteTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MorphologyFile {
    morphology: Vec<Entry<MorphologyTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionsFile {
    condition: Vec<Entry<ComorbidityTarget>>,
    metastasis: Vec<Entry<MetastasisTarget>>,
}

/// What an Observation code becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationUse {
    Ki67,
    #[serde(rename = "mitoses_per_2mm2")]
    MitosesPer2mm2,
    #[serde(rename = "mitoses_per_10hpf")]
    MitosesPer10hpf,
    Lab,
    WeightKg,
    Ecog,
    ReportedGrade,
    Marker,
    Refused,
}

/// An Observation code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationCode {
    /// Key of the code system.
    pub system: String,
    pub code: String,
    pub display: String,
    #[serde(rename = "use")]
    pub usage: ObservationUse,
    /// For `lab`: the test id of knowledge/units.toml.
    #[serde(default)]
    pub test: Option<String>,
    /// Accepted units (UCUM code or printed unit), compared case-insensitively without spaces.
    #[serde(default)]
    pub units: Vec<String>,
    /// For `refused`: why.
    #[serde(default)]
    pub reason: Option<String>,
    pub source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObservationsFile {
    observation: Vec<ObservationCode>,
}

/// A medication code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicationCode {
    pub system: String,
    pub code: String,
    pub display: String,
    /// Medication id (`everolimus` or an id of knowledge/medications.toml).
    pub medication: String,
    pub source: Source,
}

/// Names meaning everolimus.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EverolimusNames {
    pub names: Vec<String>,
    pub source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MedicationsFile {
    code: Vec<MedicationCode>,
    everolimus: EverolimusNames,
}

/// Profile URLs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    pub primary_cancer_condition: Vec<String>,
    pub secondary_cancer_condition: Vec<String>,
    pub source: Source,
}

/// Extension URLs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Urls {
    pub urls: Vec<String>,
    pub source: Source,
}

/// A system + code pair.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coding {
    pub system: String,
    pub code: String,
}

/// How the MRN is recognised.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mrn {
    pub type_codings: Vec<Coding>,
    pub source: Source,
}

/// How an adverse event's CTCAE grade is recognised.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdverseEventRules {
    pub grade_extensions: Vec<String>,
    pub source: Source,
}

/// A questionnaire netrx scores.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// Instrument id as the case file spells it (FACT-G, QLQ-C30, QLQ-GINET21).
    pub instrument: String,
    pub canonicals: Vec<String>,
    pub source: Source,
}

/// A code prefix in a system.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePrefix {
    /// Key of the code system.
    pub system: String,
    pub prefix: String,
}

/// What makes a patient relevant to the CDS Hooks service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdsRules {
    pub net_codes: Vec<CodePrefix>,
    pub source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourcesFile {
    cds: CdsRules,
    profiles: Profiles,
    morphology_extension: Urls,
    mrn: Mrn,
    adverse_event: AdverseEventRules,
    questionnaire: Vec<Questionnaire>,
}

/// The FHIR mapping tables.
#[derive(Debug, Clone)]
pub struct Fhir {
    pub systems: Vec<CodeSystem>,
    pub sites: Vec<Entry<SiteTarget>>,
    pub morphology: Vec<Entry<MorphologyTarget>>,
    pub observations: Vec<ObservationCode>,
    pub comorbidities: Vec<Entry<ComorbidityTarget>>,
    pub metastases: Vec<Entry<MetastasisTarget>>,
    pub medication_codes: Vec<MedicationCode>,
    pub everolimus: EverolimusNames,
    pub profiles: Profiles,
    pub morphology_extension: Urls,
    pub mrn: Mrn,
    pub adverse_event: AdverseEventRules,
    pub questionnaires: Vec<Questionnaire>,
    pub cds: CdsRules,
}

/// A match of a coding against a table.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a, T> {
    /// The code system.
    pub system: &'a CodeSystem,
    /// The entry that matched.
    pub entry: &'a T,
}

fn err(file: &str, message: String) -> KbError {
    KbError {
        file: file.to_string(),
        message,
    }
}

impl Fhir {
    /// Parse and check the tables. `lab_test` and `medication` tell whether an id
    /// belongs to those vocabularies (units.toml, medications.toml).
    pub(crate) fn load(
        texts: [&str; 7],
        lab_test: &dyn Fn(&str) -> bool,
        medication: &dyn Fn(&str) -> bool,
    ) -> Result<Fhir, KbError> {
        let systems: SystemsFile = crate::parse_toml(FILES[0], texts[0])?;
        let sites: SitesFile = crate::parse_toml(FILES[1], texts[1])?;
        let morphology: MorphologyFile = crate::parse_toml(FILES[2], texts[2])?;
        let observations: ObservationsFile = crate::parse_toml(FILES[3], texts[3])?;
        let conditions: ConditionsFile = crate::parse_toml(FILES[4], texts[4])?;
        let medications: MedicationsFile = crate::parse_toml(FILES[5], texts[5])?;
        let resources: ResourcesFile = crate::parse_toml(FILES[6], texts[6])?;
        let fhir = Fhir {
            systems: systems.system,
            sites: sites.site,
            morphology: morphology.morphology,
            observations: observations.observation,
            comorbidities: conditions.condition,
            metastases: conditions.metastasis,
            medication_codes: medications.code,
            everolimus: medications.everolimus,
            profiles: resources.profiles,
            morphology_extension: resources.morphology_extension,
            mrn: resources.mrn,
            adverse_event: resources.adverse_event,
            questionnaires: resources.questionnaire,
            cds: resources.cds,
        };
        fhir.check(CASE_SITES, lab_test, medication)?;
        Ok(fhir)
    }

    fn check(
        &self,
        site_ids: &[&str],
        lab_test: &dyn Fn(&str) -> bool,
        medication: &dyn Fn(&str) -> bool,
    ) -> Result<(), KbError> {
        let mut uris: Vec<&str> = Vec::new();
        for s in &self.systems {
            for u in std::iter::once(&s.uri).chain(&s.aliases) {
                if uris.contains(&u.as_str()) {
                    return Err(err(FILES[0], format!("system URI {u:?} listed twice")));
                }
                uris.push(u);
            }
        }
        let known = |file: &str, key: &str| -> Result<(), KbError> {
            if self.system(key).is_some() {
                Ok(())
            } else {
                Err(err(file, format!("unknown system key {key:?} (see fhir/systems.toml)")))
            }
        };
        fn shape<T>(file: &str, e: &Entry<T>) -> Result<(), KbError> {
            if e.systems.is_empty() {
                return Err(err(file, format!("{}: no systems", e.display)));
            }
            match (&e.code, &e.prefix) {
                (Some(_), None) | (None, Some(_)) => Ok(()),
                _ => Err(err(file, format!("{}: give exactly one of code, prefix", e.display))),
            }
        }
        for e in &self.sites {
            shape(FILES[1], e)?;
            for k in &e.systems {
                known(FILES[1], k)?;
            }
            match (&e.target.site, &e.target.ambiguous) {
                (Some(s), None) if site_ids.contains(&s.as_str()) => {}
                (Some(s), None) => {
                    return Err(err(
                        FILES[1],
                        format!("{}: unknown site {s:?}; allowed: {}", e.display, site_ids.join(", ")),
                    ));
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(err(
                        FILES[1],
                        format!("{}: give exactly one of site, ambiguous", e.display),
                    ));
                }
            }
        }
        for e in &self.morphology {
            shape(FILES[2], e)?;
            for k in &e.systems {
                known(FILES[2], k)?;
            }
            let t = &e.target;
            if t.differentiation.is_some() == t.not_mapped.is_some() {
                return Err(err(
                    FILES[2],
                    format!("{}: give exactly one of differentiation, not_mapped", e.display),
                ));
            }
            if t.cell_type.is_some() && t.differentiation != Some(Differentiation::Poor) {
                return Err(err(
                    FILES[2],
                    format!("{}: a cell type only for differentiation = poor", e.display),
                ));
            }
        }
        for e in &self.comorbidities {
            shape(FILES[4], e)?;
            for k in &e.systems {
                known(FILES[4], k)?;
            }
            if !CASE_COMORBIDITIES.contains(&e.target.comorbidity.as_str()) {
                return Err(err(
                    FILES[4],
                    format!("{}: unknown comorbidity {:?}", e.display, e.target.comorbidity),
                ));
            }
        }
        for e in &self.metastases {
            shape(FILES[4], e)?;
            for k in &e.systems {
                known(FILES[4], k)?;
            }
            if e.target.location.is_some() == e.target.ambiguous.is_some() {
                return Err(err(
                    FILES[4],
                    format!("{}: give exactly one of where, ambiguous", e.display),
                ));
            }
        }
        let mut seen: Vec<(String, String)> = Vec::new();
        for o in &self.observations {
            known(FILES[3], &o.system)?;
            let key = (o.system.clone(), o.code.clone());
            if seen.contains(&key) {
                return Err(err(FILES[3], format!("{} {} listed twice", o.system, o.code)));
            }
            seen.push(key);
            let ok = match o.usage {
                ObservationUse::Lab => o.test.as_deref().is_some_and(lab_test),
                ObservationUse::Refused => o.reason.is_some() && o.test.is_none(),
                _ => o.test.is_none() && o.reason.is_none(),
            };
            if !ok {
                return Err(err(
                    FILES[3],
                    format!(
                        "{} {}: `lab` needs a known `test`, `refused` a `reason`; others neither",
                        o.system, o.code
                    ),
                ));
            }
        }
        for m in &self.medication_codes {
            known(FILES[5], &m.system)?;
            if m.medication != "everolimus" && !medication(&m.medication) {
                return Err(err(
                    FILES[5],
                    format!("{}: unknown medication id {:?}", m.code, m.medication),
                ));
            }
        }
        for c in &self.cds.net_codes {
            known(FILES[6], &c.system)?;
        }
        for q in &self.questionnaires {
            if !["FACT-G", "QLQ-C30", "QLQ-GINET21"].contains(&q.instrument.as_str()) {
                return Err(err(FILES[6], format!("unknown instrument {:?}", q.instrument)));
            }
        }
        Ok(())
    }

    /// A system by key.
    pub fn system(&self, key: &str) -> Option<&CodeSystem> {
        self.systems.iter().find(|s| s.key == key)
    }

    /// The system a URI names (its URI or an alias).
    pub fn system_by_uri(&self, uri: &str) -> Option<&CodeSystem> {
        let uri = uri.trim();
        self.systems
            .iter()
            .find(|s| s.uri == uri || s.aliases.iter().any(|a| a == uri))
    }

    fn best<'a, T>(&'a self, table: &'a [Entry<T>], uri: &str, code: &str) -> Option<Hit<'a, Entry<T>>> {
        let system = self.system_by_uri(uri)?;
        let key = system.normalize.key(code);
        let mut best: Option<(usize, &Entry<T>)> = None;
        for e in table.iter().filter(|e| e.systems.contains(&system.key)) {
            let len = match (&e.code, &e.prefix) {
                (Some(c), _) if system.normalize.key(c) == key => usize::MAX,
                (_, Some(p)) => {
                    let p = system.normalize.key(p);
                    if key.starts_with(&p) { p.len() } else { continue }
                }
                _ => continue,
            };
            if best.is_none_or(|(l, _)| len > l) {
                best = Some((len, e));
            }
        }
        best.map(|(_, entry)| Hit { system, entry })
    }

    /// The site entry for a coding.
    pub fn site(&self, system: &str, code: &str) -> Option<Hit<'_, Entry<SiteTarget>>> {
        self.best(&self.sites, system, code)
    }

    /// The morphology entry for a coding.
    pub fn morphology(&self, system: &str, code: &str) -> Option<Hit<'_, Entry<MorphologyTarget>>> {
        self.best(&self.morphology, system, code)
    }

    /// The comorbidity entry for a coding.
    pub fn comorbidity(&self, system: &str, code: &str) -> Option<Hit<'_, Entry<ComorbidityTarget>>> {
        self.best(&self.comorbidities, system, code)
    }

    /// The metastasis entry for a coding.
    pub fn metastasis(&self, system: &str, code: &str) -> Option<Hit<'_, Entry<MetastasisTarget>>> {
        self.best(&self.metastases, system, code)
    }

    /// The Observation code entry for a coding.
    pub fn observation(&self, system: &str, code: &str) -> Option<Hit<'_, ObservationCode>> {
        let system = self.system_by_uri(system)?;
        let key = system.normalize.key(code);
        self.observations
            .iter()
            .find(|o| o.system == system.key && system.normalize.key(&o.code) == key)
            .map(|entry| Hit { system, entry })
    }

    /// The medication code entry for a coding.
    pub fn medication(&self, system: &str, code: &str) -> Option<Hit<'_, MedicationCode>> {
        let system = self.system_by_uri(system)?;
        let key = system.normalize.key(code);
        self.medication_codes
            .iter()
            .find(|m| m.system == system.key && system.normalize.key(&m.code) == key)
            .map(|entry| Hit { system, entry })
    }

    /// Whether a coding is one of the CDS service's NET codes.
    pub fn is_net_code(&self, system: &str, code: &str) -> bool {
        let Some(sys) = self.system_by_uri(system) else {
            return false;
        };
        let key = sys.normalize.key(code);
        self.cds
            .net_codes
            .iter()
            .any(|c| c.system == sys.key && key.starts_with(&sys.normalize.key(&c.prefix)))
    }

    /// Whether a name means everolimus.
    pub fn is_everolimus_name(&self, name: &str) -> bool {
        let key = crate::medications::normalize_id(name);
        self.everolimus
            .names
            .iter()
            .any(|n| crate::medications::normalize_id(n) == key)
    }

    /// The instrument of a questionnaire canonical (a `|version` suffix is ignored).
    pub fn questionnaire(&self, canonical: &str) -> Option<&Questionnaire> {
        let c = canonical.split('|').next().unwrap_or("").trim();
        self.questionnaires.iter().find(|q| q.canonicals.iter().any(|x| x == c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> &'static crate::Kb {
        crate::Kb::embedded().expect("embedded knowledge loads")
    }

    #[test]
    fn longest_prefix_wins_and_icd_codes_ignore_dots() {
        let f = &kb().fhir;
        let icd = "http://hl7.org/fhir/sid/icd-10";
        let site = |c: &str| f.site(icd, c).and_then(|h| h.entry.target.site.clone());
        assert_eq!(site("C18.1").as_deref(), Some("appendix"));
        assert_eq!(site("c181").as_deref(), Some("appendix"));
        assert_eq!(site("C18.7").as_deref(), Some("colon"));
        assert_eq!(site("C25.4").as_deref(), Some("pancreas"));
        assert_eq!(site("C17.1").as_deref(), Some("jejunum_ileum"));
        let amb = f.site(icd, "C17.9").expect("known");
        assert!(amb.entry.target.site.is_none() && amb.entry.target.ambiguous.is_some());
        assert!(f.site(icd, "C50.9").is_none(), "breast is not a netrx site: unknown");
        assert!(
            f.site("http://example.org/other", "C25.4").is_none(),
            "other systems do not match"
        );
        let cm = "http://hl7.org/fhir/sid/icd-10-cm";
        assert_eq!(
            f.site(cm, "C7A.012")
                .and_then(|h| h.entry.target.site.clone())
                .as_deref(),
            Some("jejunum_ileum")
        );
        assert!(f.site(cm, "C7A.00").unwrap().entry.target.ambiguous.is_some());
    }

    #[test]
    fn morphology_codes_with_and_without_slash() {
        let f = &kb().fhir;
        let o = "http://terminology.hl7.org/CodeSystem/icd-o-3";
        let d = |c: &str| f.morphology(o, c).and_then(|h| h.entry.target.differentiation);
        assert_eq!(d("8240/3"), Some(Differentiation::Well));
        assert_eq!(d("82403"), Some(Differentiation::Well));
        assert_eq!(d("8246/3"), Some(Differentiation::Poor));
        let sc = f.morphology(o, "8041/3").unwrap();
        assert_eq!(sc.entry.target.cell_type, Some(CellType::SmallCell));
        assert!(f.morphology(o, "8154/3").unwrap().entry.target.not_mapped.is_some());
    }

    #[test]
    fn ki67_is_the_verified_loinc_and_breast_ki67_is_refused() {
        let f = &kb().fhir;
        let h = f.observation("http://loinc.org", "29593-1").unwrap();
        assert_eq!(h.entry.usage, ObservationUse::Ki67);
        assert_eq!(h.entry.source.status, crate::Status::Verified);
        let b = f.observation("http://loinc.org", "85330-9").unwrap();
        assert_eq!(b.entry.usage, ObservationUse::Refused);
        assert!(f.observation("http://loinc.org", "0000-0").is_none());
    }

    #[test]
    fn every_unverified_mapping_is_marked() {
        // Codes the references do not list must not claim to be verified.
        let f = &kb().fhir;
        for e in &f.sites {
            assert_ne!(e.source.status, crate::Status::Verified, "{}", e.display);
        }
        for o in f.observations.iter().filter(|o| o.usage == ObservationUse::Lab) {
            assert_eq!(o.source.status, crate::Status::Unverified, "{}", o.code);
        }
    }

    #[test]
    fn a_bad_site_id_is_refused() {
        let mut files: Vec<(String, String)> = crate::Kb::embedded_files()
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        let sites = files.iter_mut().find(|(p, _)| p == "fhir/sites.toml").unwrap();
        sites.1 = sites.1.replacen("site = \"pancreas\"", "site = \"pancreatic\"", 1);
        let e = crate::Kb::from_files(files).unwrap_err();
        assert_eq!(e.file, "fhir/sites.toml");
        assert!(e.message.contains("pancreatic"), "{}", e.message);
    }
}
