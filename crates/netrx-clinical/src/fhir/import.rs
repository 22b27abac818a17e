//! FHIR R4 Bundle → netrx case file, with an OperationOutcome saying what was
//! mapped (and by which table row, with its source and status), what was not
//! and why.
//!
//! The case built here goes through [`crate::load_case`] like every other case.
//! When that check refuses a part that came from one resource (a lab in a unit
//! netrx does not know, a questionnaire item out of range), that part is left
//! out and the outcome says so with the resource and the checker's message; the
//! rest is imported. When it refuses what every case needs (the patient's age,
//! the primary site), the import fails: [`ImportFailure`] carries the first
//! blocking error (field and message, as the CLI and API report bad input) and
//! the whole outcome.

use super::outcome::{IssueType, OperationOutcome, Severity};
use super::read::{self, Coding};
use crate::load_case;
use netrx_case::{
    AdverseEvent, Case, CellType, Comorbidity, Date, Differentiation, Everolimus, Extent, Frequency, InputError, Lab,
    Mitoses, Patient, PrimarySite, QolAssessment, Sex, Tumor,
};
use netrx_kb::fhir::{self as kbf, Fhir, ObservationUse, Where};
use netrx_kb::{Kb, Source};
use serde_json::Value;
use std::collections::BTreeMap;

/// Options of an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The id of the case to build (a pseudonym: never the MRN or a name).
    pub case_id: String,
    /// Today's date: the patient's age is computed at this date.
    pub today: Date,
}

/// A successful import.
#[derive(Debug, Clone)]
pub struct Import {
    /// The case, checked by [`crate::load_case`].
    pub case: Case,
    /// What was mapped and what was not.
    pub outcome: OperationOutcome,
}

/// The Bundle cannot yield a valid case.
#[derive(Debug, Clone)]
pub struct ImportFailure {
    /// The first blocking problem (field of the case or of the Bundle, and message).
    pub error: InputError,
    /// Every issue found, the blocking ones first.
    pub outcome: OperationOutcome,
}

/// One resource of the input, with where it sits.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// FHIRPath of the resource (`Bundle.entry[3].resource`).
    pub path: &'a str,
    /// The entry's fullUrl, if any.
    pub full_url: Option<&'a str>,
    pub value: &'a Value,
}

/// Import a FHIR R4 Bundle (JSON text).
pub fn import_bundle(text: &str, kb: &Kb, opts: &ImportOptions) -> Result<Import, ImportFailure> {
    let fail = |field: &str, msg: String| {
        let mut outcome = OperationOutcome::default();
        outcome.push(Severity::Fatal, IssueType::Structure, msg.clone(), None, None);
        ImportFailure {
            error: InputError::new(field, msg),
            outcome,
        }
    };
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(fail(netrx_case::DOCUMENT, format!("malformed JSON: {e}"))),
    };
    match v.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => {
            return Err(fail(
                "resourceType",
                format!("got {other:?}; allowed: \"Bundle\" (a FHIR R4 Bundle of the patient's resources)"),
            ));
        }
        None => {
            return Err(fail(
                "resourceType",
                "missing; allowed: \"Bundle\" (a FHIR R4 Bundle of the patient's resources)".into(),
            ));
        }
    }
    let Some(entries) = v.get("entry").and_then(Value::as_array) else {
        return Err(fail(
            "entry",
            "the Bundle has no entry array; allowed: a Bundle whose entries hold the Patient and their resources"
                .into(),
        ));
    };
    let paths: Vec<String> = (0..entries.len())
        .map(|i| format!("Bundle.entry[{i}].resource"))
        .collect();
    let mut resources = Vec::new();
    let mut pre = OperationOutcome::default();
    for (i, e) in entries.iter().enumerate() {
        match e.get("resource") {
            Some(r) if r.get("resourceType").and_then(Value::as_str).is_some() => resources.push(Resource {
                path: &paths[i],
                full_url: read::s(e, "fullUrl"),
                value: r,
            }),
            _ => pre.push(
                Severity::Warning,
                IssueType::Structure,
                "entry without a resource (or without resourceType): skipped",
                None,
                Some(format!("Bundle.entry[{i}]")),
            ),
        }
    }
    import_resources(&resources, kb, opts, pre)
}

/// Import a list of resources (a Bundle's entries, or a CDS Hooks prefetch).
/// `outcome` may already hold issues found while collecting them.
pub fn import_resources(
    resources: &[Resource<'_>],
    kb: &Kb,
    opts: &ImportOptions,
    outcome: OperationOutcome,
) -> Result<Import, ImportFailure> {
    let mut m = Mapper {
        kb,
        f: &kb.fhir,
        out: outcome,
        resources,
        today: opts.today,
        patient_refs: Vec::new(),
        d: Draft::default(),
        fatal: None,
    };
    m.run();
    m.finish(&opts.case_id)
}

fn src(s: &Source) -> String {
    format!("{} [{}]", s.reference, s.status.mark())
}

fn label(r: &Value) -> String {
    let t = r.get("resourceType").and_then(Value::as_str).unwrap_or("resource");
    match read::s(r, "id") {
        Some(id) => format!("{t}/{id}"),
        None => t.to_string(),
    }
}

/// A value found in a resource, with where it came from.
#[derive(Debug, Clone)]
struct Found<T> {
    value: T,
    date: Option<Date>,
    path: String,
    what: String,
}

#[derive(Debug, Default)]
struct Draft {
    sex: Option<Sex>,
    birth_date: Option<Date>,
    name: Option<String>,
    mrn: Option<String>,
    primary: Vec<Found<PrimarySite>>,
    site_problems: Vec<(String, String)>,
    differentiation: Vec<Found<(Differentiation, Option<CellType>)>>,
    metastases: Vec<Found<Where>>,
    comorbidities: Vec<Found<Comorbidity>>,
    ki67: Vec<Found<f64>>,
    mitoses: Vec<Found<Mitoses>>,
    weight: Vec<Found<f64>>,
    ecog: Vec<Found<u8>>,
    reported_grade: Vec<Found<String>>,
    labs: Vec<Found<Lab>>,
    aes: Vec<Found<AdverseEvent>>,
    qol: Vec<Found<QolAssessment>>,
    meds: Vec<Found<String>>,
    everolimus: Vec<Found<Everolimus>>,
    /// Source (table row) of a value, by its path.
    sources: BTreeMap<String, String>,
}

struct Mapper<'a> {
    kb: &'a Kb,
    f: &'a Fhir,
    out: OperationOutcome,
    resources: &'a [Resource<'a>],
    today: Date,
    patient_refs: Vec<String>,
    d: Draft,
    fatal: Option<InputError>,
}

impl<'a> Mapper<'a> {
    fn info(&mut self, path: &str, text: String, diag: Option<String>) {
        self.out.push(
            Severity::Information,
            IssueType::Informational,
            text,
            diag,
            Some(path.to_string()),
        );
    }

    /// Read but deliberately not used (not a netrx field, not current, not final): information, not a mapping.
    fn skip(&mut self, path: &str, text: String, diag: Option<String>) {
        self.out.push(
            Severity::Information,
            IssueType::NotSupported,
            text,
            diag,
            Some(path.to_string()),
        );
    }

    fn warn(&mut self, code: IssueType, path: &str, text: String, diag: Option<String>) {
        self.out
            .push(Severity::Warning, code, text, diag, Some(path.to_string()));
    }

    fn fatal(&mut self, code: IssueType, field: &str, path: Option<&str>, text: String) {
        self.out.push(
            Severity::Fatal,
            code,
            text.clone(),
            Some(format!("case field: {field}")),
            path.map(str::to_string),
        );
        if self.fatal.is_none() {
            self.fatal = Some(InputError::new(field, text));
        }
    }

    fn run(&mut self) {
        self.patient();
        for r in self.resources {
            let t = r.value.get("resourceType").and_then(Value::as_str).unwrap_or("");
            if t == "Patient" || t == "Medication" {
                continue;
            }
            if !self.for_patient(r) {
                continue;
            }
            match t {
                "Condition" => self.condition(r),
                "Observation" => self.observation(r),
                "MedicationRequest" | "MedicationStatement" => self.medication(r),
                "AdverseEvent" => self.adverse_event(r),
                "QuestionnaireResponse" => self.questionnaire_response(r),
                _ => self.skip(
                    r.path,
                    format!("{}: netrx does not read {t} resources; not imported", label(r.value)),
                    None,
                ),
            }
        }
    }

    // --- Patient -------------------------------------------------------------------

    fn patient(&mut self) {
        let patients: Vec<&Resource> = self
            .resources
            .iter()
            .filter(|r| r.value.get("resourceType").and_then(Value::as_str) == Some("Patient"))
            .collect();
        let Some(p) = patients.first().copied() else {
            self.fatal(
                IssueType::Required,
                "patient",
                None,
                "no Patient resource; allowed: a Bundle holding the Patient (netrx needs the birth date and sex)"
                    .into(),
            );
            return;
        };
        let ids: Vec<String> = patients.iter().map(|r| label(r.value)).collect();
        if ids.iter().any(|i| *i != ids[0]) {
            self.fatal(
                IssueType::Conflict,
                "patient",
                Some(patients[1].path),
                format!(
                    "the Bundle holds {} different Patient resources ({}); allowed: the resources of one patient",
                    ids.len(),
                    ids.join(", ")
                ),
            );
            return;
        }
        for r in &patients {
            if let Some(id) = read::s(r.value, "id") {
                self.patient_refs.push(format!("Patient/{id}"));
            }
            if let Some(u) = r.full_url {
                self.patient_refs.push(u.to_string());
                if let Some(tail) = u.rsplit_once("/Patient/").map(|(_, t)| t) {
                    self.patient_refs.push(format!("Patient/{tail}"));
                }
            }
        }
        let v = p.value;
        let who = label(v);
        self.d.sex = match read::s(v, "gender") {
            Some("male") => Some(Sex::Male),
            Some("female") => Some(Sex::Female),
            Some("other") => Some(Sex::Other),
            Some("unknown") => Some(Sex::Unknown),
            Some(g) => {
                self.warn(
                    IssueType::Value,
                    &format!("{}.gender", p.path),
                    format!("{who}.gender {g:?} is not a FHIR administrative gender; patient.sex set to \"unknown\""),
                    None,
                );
                Some(Sex::Unknown)
            }
            None => {
                self.warn(
                    IssueType::Required,
                    p.path,
                    format!("{who} has no gender; patient.sex set to \"unknown\""),
                    None,
                );
                Some(Sex::Unknown)
            }
        };
        if let Some(sex) = self.d.sex {
            self.info(
                &format!("{}.gender", p.path),
                format!("{who}.gender → patient.sex = {}", sex.id()),
                None,
            );
        }
        match read::s(v, "birthDate").map(read::date) {
            Some(Ok(d)) => {
                self.d.birth_date = Some(d);
                self.info(
                    &format!("{}.birthDate", p.path),
                    format!(
                        "{who}.birthDate → patient.birth_date = {d}; patient.age_years computed at {}",
                        self.today
                    ),
                    None,
                );
            }
            Some(Err(e)) => self.fatal(
                IssueType::Value,
                "patient.age_years",
                Some(&format!("{}.birthDate", p.path)),
                format!("{who}.birthDate: {e}; netrx needs the age (a full birth date)"),
            ),
            None => self.fatal(
                IssueType::Required,
                "patient.age_years",
                Some(p.path),
                format!("{who} has no birthDate; allowed: a Patient with birthDate (netrx needs the age)"),
            ),
        }
        if let Some(n) = read::arr(v, "name").first() {
            let name = read::s(n, "text").map(str::to_string).or_else(|| {
                let given: Vec<&str> = read::arr(n, "given").iter().filter_map(Value::as_str).collect();
                let family = read::s(n, "family");
                let parts: Vec<&str> = given.into_iter().chain(family).collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            });
            if name.is_some() {
                self.info(
                    &format!("{}.name[0]", p.path),
                    format!("{who}.name → patient.name (identifying)"),
                    None,
                );
            }
            self.d.name = name;
        }
        let mrn_types = &self.f.mrn.type_codings;
        for (i, id) in read::arr(v, "identifier").iter().enumerate() {
            let is_mrn = id.get("type").is_some_and(|t| {
                read::codings(t, "")
                    .iter()
                    .any(|c| mrn_types.iter().any(|m| m.system == c.system && m.code == c.code))
            });
            if is_mrn && let Some(value) = read::s(id, "value") {
                self.d.mrn = Some(value.to_string());
                self.info(
                    &format!("{}.identifier[{i}]", p.path),
                    format!("{who}.identifier (type MR) → patient.mrn"),
                    Some(src(&self.f.mrn.source)),
                );
                break;
            }
        }
        if self.d.mrn.is_none() {
            self.skip(
                p.path,
                format!("{who} has no identifier of type MR: patient.mrn not set (the case cannot be matched by MRN)"),
                Some(src(&self.f.mrn.source)),
            );
        }
        if v.get("deceasedBoolean").and_then(Value::as_bool) == Some(true) || v.get("deceasedDateTime").is_some() {
            self.warn(IssueType::Value, p.path, format!("{who} is recorded as deceased"), None);
        }
    }

    /// Whether a resource is about the Bundle's patient (no subject: assumed so).
    fn for_patient(&mut self, r: &Resource) -> bool {
        let subject = read::reference(r.value, "subject").or_else(|| read::reference(r.value, "patient"));
        match subject {
            None => true,
            Some(s)
                if self
                    .patient_refs
                    .iter()
                    .any(|p| p == s || s.ends_with(&format!("/{p}"))) =>
            {
                true
            }
            Some(s) => {
                self.warn(
                    IssueType::Conflict,
                    r.path,
                    format!(
                        "{}: its subject {s:?} is not the Bundle's Patient; not imported",
                        label(r.value)
                    ),
                    None,
                );
                false
            }
        }
    }

    fn unknown_codes(&mut self, r: &Resource, what: &str, codes: &[Coding]) {
        let list = if codes.is_empty() {
            "no coding".to_string()
        } else {
            codes.iter().map(Coding::describe).collect::<Vec<_>>().join(", ")
        };
        self.out.push(
            Severity::Information,
            IssueType::CodeInvalid,
            format!("{}: {what} {list}: no netrx mapping; not imported", label(r.value)),
            Some("tables: knowledge/fhir/".into()),
            Some(r.path.to_string()),
        );
    }

    // --- Condition -----------------------------------------------------------------

    fn condition(&mut self, r: &Resource) {
        let v = r.value;
        let who = label(v);
        let status_of = |k: &str| -> Vec<String> {
            v.get(k)
                .map(|c| read::codings(c, "").into_iter().map(|c| c.code).collect())
                .unwrap_or_default()
        };
        if status_of("verificationStatus")
            .iter()
            .any(|c| c == "refuted" || c == "entered-in-error")
        {
            self.skip(
                r.path,
                format!("{who}: refuted or entered in error; not imported"),
                None,
            );
            return;
        }
        let profiles = read::profiles(v);
        let is_primary_profile = profiles.iter().any(|p| {
            self.f
                .profiles
                .primary_cancer_condition
                .iter()
                .any(|x| p.starts_with(x.as_str()))
        });
        let is_secondary_profile = profiles.iter().any(|p| {
            self.f
                .profiles
                .secondary_cancer_condition
                .iter()
                .any(|x| p.starts_with(x.as_str()))
        });
        let code = v
            .get("code")
            .map(|c| read::codings(c, &format!("{}.code", r.path)))
            .unwrap_or_default();
        let mut body: Vec<Coding> = Vec::new();
        for (i, b) in read::arr(v, "bodySite").iter().enumerate() {
            body.extend(read::codings(b, &format!("{}.bodySite[{i}]", r.path)));
        }
        let mut morph: Vec<Coding> = Vec::new();
        for (i, e) in read::arr(v, "extension").iter().enumerate() {
            if read::s(e, "url").is_some_and(|u| self.f.morphology_extension.urls.iter().any(|x| x == u))
                && let Some(cc) = e.get("valueCodeableConcept")
            {
                morph.extend(read::codings(
                    cc,
                    &format!("{}.extension[{i}].valueCodeableConcept", r.path),
                ));
            }
        }
        morph.extend(code.iter().cloned());

        // Metastases: codes always; body sites only on a SecondaryCancerCondition.
        let mut met_codes: Vec<&Coding> = code.iter().collect();
        if is_secondary_profile {
            met_codes.extend(body.iter());
        }
        let mut is_met = is_secondary_profile;
        for c in met_codes {
            if let Some(h) = self.f.metastasis(&c.system, &c.code) {
                is_met = true;
                match h.entry.target.location {
                    Some(w) => {
                        let d = self.date_of(v, &["onsetDateTime", "recordedDate"]);
                        self.d.metastases.push(Found {
                            value: w,
                            date: d,
                            path: c.path.clone(),
                            what: format!("{who} {}", c.describe()),
                        });
                        let text = match w {
                            Where::Liver => "liver metastasis → tumor.extent = metastatic",
                            Where::DistantOther => {
                                "distant metastasis outside the liver → tumor.extent = metastatic, tumor.extrahepatic_disease = true"
                            }
                            Where::RegionalNodes => "regional nodal metastasis (extent not changed)",
                        };
                        self.info(
                            &c.path,
                            format!("{who} {}: {text}", c.describe()),
                            Some(src(&h.entry.source)),
                        );
                    }
                    None => self.warn(
                        IssueType::MultipleMatches,
                        &c.path,
                        format!(
                            "{who} {}: {}",
                            c.describe(),
                            h.entry.target.ambiguous.clone().unwrap_or_default()
                        ),
                        Some(src(&h.entry.source)),
                    ),
                }
            }
        }
        if is_met {
            if is_secondary_profile && self.d.metastases.iter().all(|m| !m.what.starts_with(&who)) {
                self.warn(
                    IssueType::CodeInvalid,
                    r.path,
                    format!(
                        "{who}: a secondary cancer condition whose site netrx cannot map ({}); record tumor.extent and tumor.extrahepatic_disease by hand",
                        code.iter().chain(body.iter()).map(Coding::describe).collect::<Vec<_>>().join(", ")
                    ),
                    None,
                );
            }
            return;
        }

        // Primary tumour?
        let site_hits: Vec<_> = body
            .iter()
            .chain(code.iter())
            .filter_map(|c| self.f.site(&c.system, &c.code).map(|h| (c, h)))
            .collect();
        let morph_hits: Vec<_> = morph
            .iter()
            .filter_map(|c| self.f.morphology(&c.system, &c.code).map(|h| (c, h)))
            .collect();
        let is_primary = is_primary_profile || !site_hits.is_empty() || !morph_hits.is_empty();
        if !is_primary {
            self.comorbidity(r, &code, &status_of("clinicalStatus"));
            return;
        }
        let mut mapped_any = false;
        for (c, h) in &site_hits {
            match &h.entry.target.site {
                Some(site) => {
                    let Some(ps) = PrimarySite::ALL.iter().copied().find(|p| p.id() == site) else {
                        continue;
                    };
                    mapped_any = true;
                    self.d.primary.push(Found {
                        value: ps,
                        date: None,
                        path: c.path.clone(),
                        what: format!("{who} {}", c.describe()),
                    });
                    self.info(
                        &c.path,
                        format!(
                            "{who} {}{} → tumor.primary_site = {site}",
                            c.describe(),
                            also(c, &h.entry.display)
                        ),
                        Some(src(&h.entry.source)),
                    );
                }
                None => {
                    let msg = h.entry.target.ambiguous.clone().unwrap_or_default();
                    self.d
                        .site_problems
                        .push((c.path.clone(), format!("{} — {msg}", c.describe())));
                    self.warn(
                        IssueType::MultipleMatches,
                        &c.path,
                        format!("{who} {}: {msg}; not mapped", c.describe()),
                        Some(src(&h.entry.source)),
                    );
                }
            }
        }
        if !mapped_any {
            let unknown: Vec<Coding> = body
                .iter()
                .chain(code.iter())
                .filter(|c| self.f.site(&c.system, &c.code).is_none())
                .cloned()
                .collect();
            if !unknown.is_empty() {
                let list = unknown.iter().map(Coding::describe).collect::<Vec<_>>().join(", ");
                self.d
                    .site_problems
                    .push((r.path.to_string(), format!("unknown codes {list}")));
                self.out.push(
                    Severity::Warning,
                    IssueType::CodeInvalid,
                    format!("{who}: no primary site in its codes {list} (knowledge/fhir/sites.toml has none of them)"),
                    None,
                    Some(r.path.to_string()),
                );
            }
        }
        for (c, h) in &morph_hits {
            let t = &h.entry.target;
            match t.differentiation {
                Some(d) => {
                    let diff = match d {
                        kbf::Differentiation::Well => Differentiation::Well,
                        kbf::Differentiation::Poor => Differentiation::Poor,
                    };
                    let cell = t.cell_type.map(|c| match c {
                        kbf::CellType::SmallCell => CellType::SmallCell,
                        kbf::CellType::LargeCell => CellType::LargeCell,
                    });
                    let cell_text = t
                        .cell_type
                        .map(|c| format!(", tumor.cell_type = {}", c.id()))
                        .unwrap_or_default();
                    self.d.differentiation.push(Found {
                        value: (diff, cell),
                        date: None,
                        path: c.path.clone(),
                        what: format!("{who} {}", c.describe()),
                    });
                    self.info(
                        &c.path,
                        format!(
                            "{who} morphology {}{} → tumor.differentiation = {}{cell_text}",
                            c.describe(),
                            also(c, &h.entry.display),
                            d.id()
                        ),
                        Some(src(&h.entry.source)),
                    );
                }
                None => self.warn(
                    IssueType::BusinessRule,
                    &c.path,
                    format!(
                        "{who} morphology {} ({}): {}",
                        c.describe(),
                        h.entry.display,
                        t.not_mapped.clone().unwrap_or_default()
                    ),
                    Some(src(&h.entry.source)),
                ),
            }
        }
        let unknown_morph: Vec<&Coding> = morph
            .iter()
            .filter(|c| self.f.morphology(&c.system, &c.code).is_none() && self.f.site(&c.system, &c.code).is_none())
            .collect();
        if morph_hits.is_empty() && !unknown_morph.is_empty() {
            let list = unknown_morph
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(", ");
            self.out.push(
                Severity::Information,
                IssueType::CodeInvalid,
                format!("{who}: no morphology netrx knows among {list}"),
                Some("table: knowledge/fhir/morphology.toml".into()),
                Some(r.path.to_string()),
            );
        }
    }

    fn comorbidity(&mut self, r: &Resource, code: &[Coding], clinical: &[String]) {
        let who = label(r.value);
        if clinical
            .iter()
            .any(|c| c == "inactive" || c == "resolved" || c == "remission")
        {
            self.skip(
                r.path,
                format!("{who}: not active ({}); not imported", clinical.join(", ")),
                None,
            );
            return;
        }
        for c in code {
            if let Some(h) = self.f.comorbidity(&c.system, &c.code) {
                let id = &h.entry.target.comorbidity;
                if let Some(cm) = Comorbidity::ALL.iter().copied().find(|x| x.id() == id) {
                    self.d.comorbidities.push(Found {
                        value: cm,
                        date: None,
                        path: c.path.clone(),
                        what: who.clone(),
                    });
                    self.info(
                        &c.path,
                        format!("{who} {} → patient.comorbidities += {id}", c.describe()),
                        Some(src(&h.entry.source)),
                    );
                    return;
                }
            }
        }
        self.unknown_codes(r, "condition", code);
    }

    fn date_of(&self, v: &Value, keys: &[&str]) -> Option<Date> {
        read::first_date(v, keys).and_then(|(_, d)| d.ok())
    }

    // --- Observation ---------------------------------------------------------------

    fn observation(&mut self, r: &Resource) {
        let v = r.value;
        let who = label(v);
        match read::s(v, "status") {
            Some("final" | "amended" | "corrected") | None => {}
            Some("preliminary") => self.warn(
                IssueType::Value,
                r.path,
                format!("{who} is preliminary; imported, check against the final result"),
                None,
            ),
            Some(s) => {
                self.skip(r.path, format!("{who} has status {s:?}; not imported"), None);
                return;
            }
        }
        let codes = v
            .get("code")
            .map(|c| read::codings(c, &format!("{}.code", r.path)))
            .unwrap_or_default();
        let Some((c, h)) = codes
            .iter()
            .find_map(|c| self.f.observation(&c.system, &c.code).map(|h| (c.clone(), h)))
        else {
            self.unknown_codes(r, "observation", &codes);
            return;
        };
        let e = h.entry;
        let source = src(&e.source);
        let dated = read::first_date(
            v,
            &[
                "effectiveDateTime",
                "effectivePeriod.start",
                "effectiveInstant",
                "issued",
            ],
        );
        let date = match &dated {
            Some((_, Ok(d))) => Some(*d),
            Some((k, Err(msg))) => {
                self.warn(
                    IssueType::Value,
                    &format!("{}.{k}", r.path),
                    format!("{who}.{k}: {msg}"),
                    None,
                );
                None
            }
            None => None,
        };
        let qty = v.get("valueQuantity").and_then(read::quantity);
        let vpath = format!("{}.valueQuantity", r.path);
        let what = format!("{who} {}", c.describe());
        if let Some(q) = &qty
            && let Some(cmp) = &q.comparator
            && matches!(
                e.usage,
                ObservationUse::Ki67 | ObservationUse::Lab | ObservationUse::MitosesPer2mm2
            )
        {
            self.warn(
                IssueType::Value,
                &vpath,
                format!(
                    "{what}: the value is {cmp} {}; netrx needs an exact value; not imported",
                    q.value
                ),
                Some(source),
            );
            return;
        }
        let unit_ok = |q: &read::Quantity| -> bool {
            e.units.is_empty()
                || q.unit
                    .as_deref()
                    .is_none_or(|u| e.units.iter().any(|x| read::same_unit(x, u)))
        };
        match e.usage {
            ObservationUse::Ki67
            | ObservationUse::WeightKg
            | ObservationUse::MitosesPer2mm2
            | ObservationUse::MitosesPer10hpf => {
                let Some(q) = qty else {
                    self.warn(
                        IssueType::Value,
                        r.path,
                        format!("{what}: no valueQuantity; not imported"),
                        Some(source),
                    );
                    return;
                };
                if !unit_ok(&q) {
                    self.warn(
                        IssueType::Value,
                        &vpath,
                        format!(
                            "{what}: unit {:?}; allowed: {}; not imported",
                            q.unit.clone().unwrap_or_default(),
                            e.units.join(", ")
                        ),
                        Some(source),
                    );
                    return;
                }
                self.d.sources.insert(vpath.clone(), source.clone());
                let found = |value| Found {
                    value,
                    date,
                    path: vpath.clone(),
                    what: what.clone(),
                };
                match e.usage {
                    ObservationUse::Ki67 => self.d.ki67.push(found(q.value)),
                    ObservationUse::WeightKg => self.d.weight.push(found(q.value)),
                    ObservationUse::MitosesPer2mm2 => self.d.mitoses.push(Found {
                        value: Mitoses::Per2mm2 { per_2mm2: q.value },
                        date,
                        path: vpath.clone(),
                        what: what.clone(),
                    }),
                    _ => self.d.mitoses.push(Found {
                        value: Mitoses::Per10Hpf { per_10hpf: q.value },
                        date,
                        path: vpath.clone(),
                        what: what.clone(),
                    }),
                }
            }
            ObservationUse::Ecog => match read::integer(v, "value") {
                Some(n) if (0..=255).contains(&n) => self.d.ecog.push({
                    self.d.sources.insert(r.path.to_string(), source.clone());
                    Found {
                        value: n as u8,
                        date,
                        path: r.path.to_string(),
                        what: what.clone(),
                    }
                }),
                _ => {
                    self.warn(
                        IssueType::Value,
                        r.path,
                        format!("{what}: no integer value (valueInteger 0–4); not imported"),
                        Some(source),
                    );
                }
            },
            ObservationUse::Lab => {
                let test = e.test.clone().unwrap_or_default();
                let Some(q) = qty else {
                    self.warn(
                        IssueType::Value,
                        r.path,
                        format!("{what}: no valueQuantity; not imported"),
                        Some(source),
                    );
                    return;
                };
                let Some(unit) = q.unit.clone() else {
                    self.warn(
                        IssueType::Value,
                        &vpath,
                        format!("{what}: the quantity has no unit; not imported"),
                        Some(source),
                    );
                    return;
                };
                let Some(date) = date else {
                    self.warn(
                        IssueType::Required,
                        r.path,
                        format!("{what}: no effective date; not imported"),
                        Some(source),
                    );
                    return;
                };
                let (mut lln, mut uln) = (None, None);
                if let Some(rr) = read::arr(v, "referenceRange").first() {
                    let bound = |k: &str| -> Option<f64> {
                        let q = rr.get(k).and_then(read::quantity)?;
                        match &q.unit {
                            Some(u) if !read::same_unit(u, &unit) => None,
                            _ => Some(q.value),
                        }
                    };
                    lln = bound("low");
                    uln = bound("high");
                }
                self.d.labs.push(Found {
                    value: Lab {
                        date,
                        test: test.clone(),
                        value: q.value,
                        unit: unit.clone(),
                        lln,
                        uln,
                        baseline: None,
                    },
                    date: Some(date),
                    path: r.path.to_string(),
                    what: what.clone(),
                });
                self.info(
                    r.path,
                    format!("{what} → labs[] {test} {} {unit} on {date}", q.value),
                    Some(source),
                );
            }
            ObservationUse::ReportedGrade => {
                let texts: Vec<String> = v
                    .get("valueCodeableConcept")
                    .map(|cc| {
                        let mut t = read::names(cc);
                        t.extend(read::codings(cc, "").into_iter().map(|c| c.code));
                        t
                    })
                    .or_else(|| read::s(v, "valueString").map(|s| vec![s.to_string()]))
                    .unwrap_or_default();
                match texts.iter().find_map(|t| parse_grade(t)) {
                    Some(g) => {
                        self.d.reported_grade.push(Found {
                            value: g.clone(),
                            date,
                            path: r.path.to_string(),
                            what: what.clone(),
                        });
                        self.info(
                            r.path,
                            format!("{what}: reported grade {g} (compared with netrx's grading, not copied)"),
                            Some(source),
                        );
                    }
                    None => self.warn(
                        IssueType::Value,
                        r.path,
                        format!(
                            "{what}: grade value {:?} not understood (G1, G2, G3)",
                            texts.join(" / ")
                        ),
                        Some(source),
                    ),
                }
            }
            ObservationUse::Marker => {
                self.skip(
                    r.path,
                    format!(
                        "{what}{}: a tumour marker netrx recognises; the case file has no field for it, not imported",
                        also(&c, &e.display)
                    ),
                    Some(source),
                );
            }
            ObservationUse::Refused => {
                self.warn(
                    IssueType::BusinessRule,
                    r.path,
                    format!("{what}: {}; not imported", e.reason.clone().unwrap_or_default()),
                    Some(source),
                );
            }
        }
    }

    // --- Medications ---------------------------------------------------------------

    fn medication_concept(&self, v: &Value, path: &str) -> Option<(Value, String)> {
        if let Some(cc) = v.get("medicationCodeableConcept") {
            return Some((cc.clone(), format!("{path}.medicationCodeableConcept")));
        }
        let reference = read::reference(v, "medicationReference")?;
        if let Some(id) = reference.strip_prefix('#') {
            let m = read::arr(v, "contained")
                .iter()
                .find(|c| read::s(c, "id") == Some(id))?;
            return m.get("code").map(|c| (c.clone(), format!("{path}.contained.code")));
        }
        let r = self.resources.iter().find(|r| {
            r.value.get("resourceType").and_then(Value::as_str) == Some("Medication")
                && (r.full_url == Some(reference)
                    || read::s(r.value, "id").is_some_and(|id| reference.ends_with(&format!("Medication/{id}"))))
        })?;
        r.value.get("code").map(|c| (c.clone(), format!("{}.code", r.path)))
    }

    fn medication(&mut self, r: &Resource) {
        let v = r.value;
        let who = label(v);
        let statement = v.get("resourceType").and_then(Value::as_str) == Some("MedicationStatement");
        let status = read::s(v, "status").unwrap_or("");
        let current = if statement {
            matches!(status, "active" | "intended")
        } else {
            matches!(status, "active" | "on-hold")
        };
        if !current {
            self.skip(
                r.path,
                format!("{who} has status {status:?}: not a current medication; not imported"),
                None,
            );
            return;
        }
        if !statement && status == "on-hold" {
            self.warn(
                IssueType::Value,
                r.path,
                format!("{who} is on hold; imported as a current medication (interactions still matter)"),
                None,
            );
        }
        let Some((cc, cpath)) = self.medication_concept(v, r.path) else {
            self.warn(
                IssueType::Required,
                r.path,
                format!("{who}: no medication code or name (medicationCodeableConcept, or a resolvable medicationReference); not imported"),
                None,
            );
            return;
        };
        let codes = read::codings(&cc, &cpath);
        let names = read::names(&cc);
        let mut id: Option<(String, String)> = None; // (id, how)
        for c in &codes {
            if let Some(h) = self.f.medication(&c.system, &c.code) {
                id = Some((
                    h.entry.medication.clone(),
                    format!("{} ({}) — {}", c.describe(), h.entry.display, src(&h.entry.source)),
                ));
                break;
            }
        }
        if id.is_none() {
            for n in &names {
                if self.f.is_everolimus_name(n) {
                    id = Some((
                        "everolimus".into(),
                        format!("name {n:?} — {}", src(&self.f.everolimus.source)),
                    ));
                    break;
                }
            }
        }
        if id.as_ref().is_some_and(|(i, _)| i == "everolimus") {
            let how = id.map(|(_, h)| h).unwrap_or_default();
            self.everolimus_course(r, statement, &how);
            return;
        }
        let (entry, text) = match (id, names.first()) {
            (Some((mid, how)), _) => {
                let name = self
                    .kb
                    .medications
                    .get(&mid)
                    .map(|m| m.name.clone())
                    .unwrap_or(mid.clone());
                (mid.clone(), format!("{who}: {how} → medications += {mid} ({name})"))
            }
            (None, Some(n)) => match self.kb.medications.resolve(n) {
                Some(m) => (
                    n.clone(),
                    format!(
                        "{who}: {n:?} → medications += {n:?} (recognised as {}{})",
                        m.medication.id,
                        if m.by_alias {
                            ", by a brand name or spelling variant"
                        } else {
                            ""
                        }
                    ),
                ),
                None => {
                    self.warn(
                        IssueType::CodeInvalid,
                        &cpath,
                        format!(
                            "{who}: {n:?} is not in netrx's medication list; imported as written so the interaction check lists it for a manual check"
                        ),
                        Some("knowledge/medications.toml".into()),
                    );
                    self.d.meds.push(Found {
                        value: n.clone(),
                        date: None,
                        path: cpath.clone(),
                        what: who.clone(),
                    });
                    return;
                }
            },
            (None, None) => {
                let shown = codes
                    .iter()
                    .map(|c| format!("{} {}", c.system, c.code))
                    .collect::<Vec<_>>()
                    .join(", ");
                let label_text = if shown.is_empty() {
                    "unnamed medication".to_string()
                } else {
                    format!("unnamed medication {shown}")
                };
                self.warn(
                    IssueType::CodeInvalid,
                    &cpath,
                    format!(
                        "{who}: no name and no code netrx knows ({shown}); imported as {label_text:?} so the interaction check lists it for a manual check"
                    ),
                    None,
                );
                self.d.meds.push(Found {
                    value: label_text,
                    date: None,
                    path: cpath.clone(),
                    what: who.clone(),
                });
                return;
            }
        };
        self.d.meds.push(Found {
            value: entry,
            date: None,
            path: cpath.clone(),
            what: who.clone(),
        });
        self.info(&cpath, text, None);
    }

    fn everolimus_course(&mut self, r: &Resource, statement: bool, how: &str) {
        let v = r.value;
        let who = label(v);
        let dosages = read::arr(v, if statement { "dosage" } else { "dosageInstruction" });
        let dkey = if statement { "dosage" } else { "dosageInstruction" };
        let fail = |m: &mut Self, why: String| {
            m.warn(
                IssueType::Incomplete,
                r.path,
                format!(
                    "{who}: everolimus ({how}), but {why}; the everolimus course is not imported — enter it by hand"
                ),
                None,
            );
        };
        if dosages.len() != 1 {
            fail(
                self,
                format!(
                    "{} dosage instructions (netrx reads exactly one: a dose in mg, daily or every other day)",
                    dosages.len()
                ),
            );
            return;
        }
        let d = &dosages[0];
        let dose = read::arr(d, "doseAndRate")
            .first()
            .and_then(|x| x.get("doseQuantity"))
            .and_then(read::quantity);
        let Some(dose) = dose else {
            fail(self, format!("{dkey}[0] has no doseAndRate[0].doseQuantity"));
            return;
        };
        if !dose.unit.as_deref().is_some_and(|u| read::same_unit(u, "mg")) {
            fail(
                self,
                format!("the dose unit is {:?}, not mg", dose.unit.clone().unwrap_or_default()),
            );
            return;
        }
        let rep = d.get("timing").and_then(|t| t.get("repeat"));
        let frequency = rep
            .and_then(|x| x.get("frequency"))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let period = rep.and_then(|x| x.get("period")).and_then(Value::as_f64);
        let unit = rep.and_then(|x| read::s(x, "periodUnit"));
        let freq = match (frequency, period, unit) {
            (1, Some(1.0), Some("d")) => Frequency::Daily,
            (1, Some(2.0), Some("d")) => Frequency::EveryOtherDay,
            _ => {
                fail(
                    self,
                    format!(
                        "the timing ({frequency} per {} {}) is neither once daily nor once every other day",
                        period.map(|p| p.to_string()).unwrap_or("?".into()),
                        unit.unwrap_or("?")
                    ),
                );
                return;
            }
        };
        let mut start_keys: Vec<(String, Option<&str>)> = Vec::new();
        let bounds = rep
            .and_then(|x| x.get("boundsPeriod"))
            .and_then(|b| read::s(b, "start"));
        start_keys.push((format!("{dkey}[0].timing.repeat.boundsPeriod.start"), bounds));
        if statement {
            start_keys.push((
                "effectivePeriod.start".into(),
                v.get("effectivePeriod").and_then(|p| read::s(p, "start")),
            ));
            start_keys.push(("effectiveDateTime".into(), read::s(v, "effectiveDateTime")));
        } else {
            start_keys.push((
                "dispenseRequest.validityPeriod.start".into(),
                v.get("dispenseRequest")
                    .and_then(|x| x.get("validityPeriod"))
                    .and_then(|p| read::s(p, "start")),
            ));
            start_keys.push(("authoredOn".into(), read::s(v, "authoredOn")));
        }
        let Some((key, text)) = start_keys.into_iter().find_map(|(k, t)| t.map(|t| (k, t))) else {
            fail(self, "there is no start date".into());
            return;
        };
        let start = match read::date(text) {
            Ok(d) => d,
            Err(e) => {
                fail(self, format!("{key}: {e}"));
                return;
            }
        };
        if key == "authoredOn" {
            self.warn(
                IssueType::Value,
                &format!("{}.authoredOn", r.path),
                format!("{who}: the everolimus start date is taken from the prescription date (authoredOn {start}); correct it if treatment started later"),
                None,
            );
        }
        self.d.everolimus.push(Found {
            value: Everolimus {
                start_date: start,
                dose_mg: dose.value,
                frequency: freq,
                history: vec![],
                doses: vec![],
                samples: vec![],
            },
            date: Some(start),
            path: r.path.to_string(),
            what: who.clone(),
        });
        self.info(
            r.path,
            format!(
                "{who}: everolimus ({how}) → everolimus = {} mg {} from {start} ({key})",
                dose.value,
                freq.id()
            ),
            None,
        );
    }

    // --- AdverseEvent --------------------------------------------------------------

    fn adverse_event(&mut self, r: &Resource) {
        let v = r.value;
        let who = label(v);
        if read::s(v, "actuality") == Some("potential") {
            self.skip(r.path, format!("{who} is a potential event; not imported"), None);
            return;
        }
        let Some(ev) = v.get("event") else {
            self.warn(
                IssueType::Required,
                r.path,
                format!("{who}: no event; not imported"),
                None,
            );
            return;
        };
        let names = read::names(ev);
        let term = names
            .iter()
            .find_map(|n| self.kb.ctcae.term(n).map(|t| (n.clone(), t.id.clone())));
        let Some((given, term)) = term else {
            let codes = read::codings(ev, &format!("{}.event", r.path));
            let shown: Vec<String> = names
                .iter()
                .map(|n| format!("{n:?}"))
                .chain(codes.iter().map(Coding::describe))
                .collect();
            self.warn(
                IssueType::CodeInvalid,
                &format!("{}.event", r.path),
                format!(
                    "{who}: event {} is not a CTCAE v5.0 term netrx knows; not imported",
                    if shown.is_empty() {
                        "(no text)".to_string()
                    } else {
                        shown.join(", ")
                    }
                ),
                Some("knowledge/ctcae.toml".into()),
            );
            return;
        };
        let mut grade = None;
        for (i, e) in read::arr(v, "extension").iter().enumerate() {
            if read::s(e, "url").is_some_and(|u| self.f.adverse_event.grade_extensions.iter().any(|x| x == u)) {
                grade = Some((read::integer(e, "value"), format!("{}.extension[{i}]", r.path)));
                break;
            }
        }
        let Some((Some(g), gpath)) = grade else {
            let sev = v
                .get("severity")
                .map(|s| {
                    read::arr(s, "coding")
                        .iter()
                        .filter_map(|c| read::s(c, "code"))
                        .chain(read::s(s, "text"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|s| !s.is_empty());
            self.warn(
                IssueType::Required,
                r.path,
                format!(
                    "{who} ({term}): no CTCAE grade (an extension {}){}; not imported",
                    self.f.adverse_event.grade_extensions.join(" or "),
                    sev.map(|s| format!("; severity {s:?} is not a CTCAE grade and is not converted"))
                        .unwrap_or_default()
                ),
                Some(src(&self.f.adverse_event.source)),
            );
            return;
        };
        let Some(date) = self.date_of(v, &["date", "detected", "recordedDate"]) else {
            self.warn(
                IssueType::Required,
                r.path,
                format!("{who} ({term}): no date (date, detected); not imported"),
                None,
            );
            return;
        };
        self.d.aes.push(Found {
            value: AdverseEvent {
                date,
                term: term.clone(),
                grade: g.clamp(0, 255) as u8,
                resolved_date: None,
                resolved_to_grade: None,
            },
            date: Some(date),
            path: gpath.clone(),
            what: who.clone(),
        });
        self.info(
            &gpath,
            format!("{who}: {given:?} grade {g} on {date} → adverse_events[] {term}"),
            Some(src(&self.f.adverse_event.source)),
        );
    }

    // --- QuestionnaireResponse -----------------------------------------------------

    fn questionnaire_response(&mut self, r: &Resource) {
        let v = r.value;
        let who = label(v);
        if !matches!(read::s(v, "status"), Some("completed" | "amended")) {
            self.skip(r.path, format!("{who} is not completed; not imported"), None);
            return;
        }
        let canonical = read::s(v, "questionnaire").unwrap_or("");
        let Some(q) = self.f.questionnaire(canonical) else {
            self.warn(
                IssueType::CodeInvalid,
                r.path,
                format!("{who}: questionnaire {canonical:?} is not one netrx scores (knowledge/fhir/resources.toml lists FACT-G, QLQ-C30, QLQ-GINET21 canonicals); not imported"),
                None,
            );
            return;
        };
        let Some(date) = self.date_of(v, &["authored"]) else {
            self.warn(
                IssueType::Required,
                r.path,
                format!("{who}: no authored date; not imported"),
                None,
            );
            return;
        };
        let mut items = BTreeMap::new();
        let mut skipped = Vec::new();
        fn walk(list: &[Value], items: &mut BTreeMap<String, u8>, skipped: &mut Vec<String>) {
            for it in list {
                if let Some(link) = read::s(it, "linkId") {
                    let answers = read::arr(it, "answer");
                    if let Some(a) = answers.first() {
                        match read::integer(a, "value") {
                            Some(n) if (0..=255).contains(&n) => {
                                items.insert(link.to_string(), n as u8);
                            }
                            _ => skipped.push(link.to_string()),
                        }
                        for a in answers {
                            walk(read::arr(a, "item"), items, skipped);
                        }
                    }
                }
                walk(read::arr(it, "item"), items, skipped);
            }
        }
        walk(read::arr(v, "item"), &mut items, &mut skipped);
        if !skipped.is_empty() {
            self.warn(
                IssueType::Value,
                r.path,
                format!("{who}: items without an integer answer skipped: {}", skipped.join(", ")),
                None,
            );
        }
        let Ok(instrument) = serde_json::from_value(Value::String(q.instrument.clone())) else {
            return;
        };
        let n = items.len();
        self.d.qol.push(Found {
            value: QolAssessment {
                date,
                instrument,
                items,
            },
            date: Some(date),
            path: r.path.to_string(),
            what: who.clone(),
        });
        self.info(
            r.path,
            format!("{who}: {} on {date}, {n} answered items → qol[]", q.instrument),
            Some(src(&q.source)),
        );
    }

    // --- Assembly ------------------------------------------------------------------

    /// The latest of several values for a one-value field (listing the others).
    fn latest<T: Clone>(&mut self, field: &str, list: &[Found<T>], show: impl Fn(&T) -> String) -> Option<(T, String)> {
        if list.is_empty() {
            return None;
        }
        let mut sorted: Vec<&Found<T>> = list.iter().collect();
        sorted.sort_by_key(|f| f.date);
        let last = sorted[sorted.len() - 1];
        if list.len() > 1 {
            let undated = list.iter().filter(|f| f.date.is_none()).count();
            if undated > 0 {
                self.warn(
                    IssueType::MultipleMatches,
                    &last.path,
                    format!(
                        "{} values for {field}, {undated} without a date: netrx cannot tell which is current; {field} not imported",
                        list.len()
                    ),
                    None,
                );
                return None;
            }
            let others: Vec<String> = sorted[..sorted.len() - 1]
                .iter()
                .map(|f| {
                    format!(
                        "{} ({}, {})",
                        f.what,
                        show(&f.value),
                        f.date.map(|d| d.to_string()).unwrap_or_default()
                    )
                })
                .collect();
            self.warn(
                IssueType::MultipleMatches,
                &last.path,
                format!(
                    "{} values for {field}: the latest ({}, {}) is used; earlier: {}",
                    list.len(),
                    last.what,
                    show(&last.value),
                    others.join("; ")
                ),
                None,
            );
        } else {
            let diag = self.d.sources.get(&last.path).cloned();
            self.info(
                &last.path,
                format!("{} → {field} = {}", last.what, show(&last.value)),
                diag,
            );
        }
        Some((last.value.clone(), last.path.clone()))
    }

    fn finish(mut self, case_id: &str) -> Result<Import, ImportFailure> {
        // Primary site: exactly one.
        let mut sites: Vec<PrimarySite> = self.d.primary.iter().map(|f| f.value).collect();
        sites.dedup();
        sites.sort();
        sites.dedup();
        let primary_site = match sites.as_slice() {
            [one] => Some(*one),
            [] => {
                let detail = if self.d.site_problems.is_empty() {
                    "no primary cancer Condition (mCODE PrimaryCancerCondition, or a Condition whose code or bodySite names a site)".to_string()
                } else {
                    self.d
                        .site_problems
                        .iter()
                        .map(|(_, m)| m.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let allowed: Vec<&str> = PrimarySite::ALL.iter().map(|s| s.id()).collect();
                self.fatal(
                    IssueType::Required,
                    "tumor.primary_site",
                    None,
                    format!(
                        "the Bundle gives no primary site netrx can map ({detail}); allowed: a primary cancer Condition whose bodySite or code maps to one of {}",
                        allowed.join(", ")
                    ),
                );
                None
            }
            many => {
                let list: Vec<String> = self
                    .d
                    .primary
                    .iter()
                    .map(|f| format!("{} → {}", f.what, f.value.id()))
                    .collect();
                self.fatal(
                    IssueType::Conflict,
                    "tumor.primary_site",
                    self.d.primary.first().map(|f| f.path.clone()).as_deref(),
                    format!(
                        "the Bundle names {} primary sites ({}); allowed: one primary tumour per case",
                        many.len(),
                        list.join("; ")
                    ),
                );
                None
            }
        };
        // Differentiation: every mapped morphology must agree; a cell type only when one is named.
        let mut diffs: Vec<Differentiation> = self.d.differentiation.iter().map(|f| f.value.0).collect();
        diffs.sort_by_key(|d| d.id());
        diffs.dedup();
        let mut cells: Vec<CellType> = self.d.differentiation.iter().filter_map(|f| f.value.1).collect();
        cells.sort_by_key(|c| c.id());
        cells.dedup();
        let listed = |d: &Draft| -> String {
            d.differentiation
                .iter()
                .map(|f| {
                    let cell = f.value.1.map(|c| format!(", {}", c.id())).unwrap_or_default();
                    format!("{} → {}{cell}", f.what, f.value.0.id())
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (differentiation, cell_type) = match diffs.as_slice() {
            [d] => {
                let cell = match cells.as_slice() {
                    [] => None,
                    [c] => Some(*c),
                    _ => {
                        let list = listed(&self.d);
                        self.warn(
                            IssueType::Conflict,
                            "Bundle",
                            format!("morphology codes name different cell types ({list}): tumor.cell_type not set"),
                            None,
                        );
                        None
                    }
                };
                (*d, cell)
            }
            [] => {
                self.warn(
                    IssueType::Required,
                    "Bundle",
                    "no morphology netrx can map: tumor.differentiation set to \"unknown\" (netrx grades but cannot tell NET G3 from NEC)".into(),
                    Some("table: knowledge/fhir/morphology.toml".into()),
                );
                (Differentiation::Unknown, None)
            }
            _ => {
                let list = listed(&self.d);
                self.warn(
                    IssueType::Conflict,
                    "Bundle",
                    format!("morphology codes disagree ({list}): tumor.differentiation set to \"unknown\""),
                    None,
                );
                (Differentiation::Unknown, None)
            }
        };
        let ki67 = {
            let l = self.d.ki67.clone();
            self.latest("tumor.ki67_percent", &l, |v| format!("{v} %"))
        };
        let mitoses = {
            let l = self.d.mitoses.clone();
            self.latest("tumor.mitoses", &l, |m| match m {
                Mitoses::Per2mm2 { per_2mm2 } => format!("{{\"per_2mm2\": {per_2mm2}}}"),
                Mitoses::Per10Hpf { per_10hpf } => format!("{{\"per_10hpf\": {per_10hpf}}}"),
                other => format!("{other:?}"),
            })
        };
        let weight = {
            let l = self.d.weight.clone();
            self.latest("patient.weight_kg", &l, |v| format!("{v} kg"))
        };
        let ecog = {
            let l = self.d.ecog.clone();
            self.latest("patient.ecog", &l, |v| v.to_string())
        };
        let everolimus = {
            let l = self.d.everolimus.clone();
            if l.len() > 1 {
                let mut s = l.clone();
                s.sort_by_key(|f| f.date);
                let last = s.last().cloned();
                self.warn(
                    IssueType::MultipleMatches,
                    &last.as_ref().map(|f| f.path.clone()).unwrap_or_default(),
                    format!(
                        "{} current everolimus orders: the one starting last is used; enter dose changes in everolimus.history by hand",
                        l.len()
                    ),
                    None,
                );
                last.map(|f| (f.value, f.path))
            } else {
                l.first().map(|f| (f.value.clone(), f.path.clone()))
            }
        };
        let liver = self.d.metastases.iter().any(|m| m.value == Where::Liver);
        let distant = self.d.metastases.iter().any(|m| m.value == Where::DistantOther);
        let mut comorbidities: Vec<Comorbidity> = self.d.comorbidities.iter().map(|f| f.value).collect();
        comorbidities.sort();
        comorbidities.dedup();
        let age = self.d.birth_date.map(|b| age_at(b, self.today));
        if let Some(a) = age
            && a < 0.0
        {
            self.fatal(
                IssueType::Value,
                "patient.age_years",
                None,
                format!(
                    "the birth date {} is after today ({})",
                    self.d.birth_date.unwrap_or(self.today),
                    self.today
                ),
            );
        }
        if let Some(e) = self.fatal.clone() {
            self.out.sort();
            return Err(ImportFailure {
                error: e,
                outcome: self.out,
            });
        }
        let (Some(primary_site), Some(age_years), Some(sex)) = (primary_site, age, self.d.sex) else {
            // Unreachable: each missing piece recorded a fatal issue above.
            let e = InputError::new("patient", "incomplete patient or tumour");
            self.out.sort();
            return Err(ImportFailure {
                error: e,
                outcome: self.out,
            });
        };
        let mut case = Case {
            id: case_id.to_string(),
            patient: Patient {
                age_years,
                sex,
                weight_kg: weight.as_ref().map(|w| w.0),
                ecog: ecog.as_ref().map(|e| e.0),
                child_pugh: None,
                name: self.d.name.clone(),
                birth_date: self.d.birth_date,
                mrn: self.d.mrn.clone(),
                chemo_contraindicated: None,
                comorbidities,
            },
            tumor: Tumor {
                primary_site,
                differentiation,
                cell_type,
                ki67_percent: ki67.as_ref().map(|k| k.0),
                mitoses: mitoses.as_ref().map(|m| m.0),
                necrosis: None,
                functional: None,
                syndrome: None,
                sstr_imaging: None,
                progression: None,
                liver_burden_percent: None,
                extrahepatic_disease: distant.then_some(true),
                extent: (liver || distant).then_some(Extent::Metastatic),
                symptomatic: None,
            },
            prior_therapies: vec![],
            medications: self.d.meds.iter().map(|f| f.value.clone()).collect(),
            labs: self.d.labs.iter().map(|f| f.value.clone()).collect(),
            adverse_events: self.d.aes.iter().map(|f| f.value.clone()).collect(),
            everolimus: everolimus.as_ref().map(|e| e.0.clone()),
            visits: vec![],
            qol: self.d.qol.iter().map(|f| f.value.clone()).collect(),
        };
        let mut prov = Provenance {
            ki67: ki67.map(|k| k.1),
            mitoses: mitoses.map(|m| m.1),
            weight: weight.map(|w| w.1),
            ecog: ecog.map(|e| e.1),
            everolimus: everolimus.map(|e| e.1),
            labs: self.d.labs.iter().map(|f| f.path.clone()).collect(),
            aes: self.d.aes.iter().map(|f| f.path.clone()).collect(),
            qol: self.d.qol.iter().map(|f| f.path.clone()).collect(),
            meds: self.d.meds.iter().map(|f| f.path.clone()).collect(),
        };
        // Check with the one loader every front end uses; drop parts it refuses.
        let limit = 8 + case.labs.len() + case.adverse_events.len() + case.qol.len() + case.medications.len();
        for _ in 0..limit {
            let text = serde_json::to_string(&case).expect("a case serialises");
            match load_case(&text, self.kb) {
                Ok(checked) => {
                    self.compare_grade(&checked);
                    self.out.sort();
                    return Ok(Import {
                        case: checked,
                        outcome: self.out,
                    });
                }
                Err(e) => match prov.drop(&mut case, &e.field) {
                    Some(path) => self.warn(
                        IssueType::Value,
                        &path,
                        format!("not imported: {}: {}", e.field, e.message),
                        Some("refused by the case checks (netrx_clinical::load_case)".into()),
                    ),
                    None => {
                        self.out.push(
                            Severity::Error,
                            IssueType::Value,
                            format!("{}: {}", e.field, e.message),
                            Some("refused by the case checks (netrx_clinical::load_case)".into()),
                            None,
                        );
                        self.out.sort();
                        return Err(ImportFailure {
                            error: e,
                            outcome: self.out,
                        });
                    }
                },
            }
        }
        let e = InputError::new(netrx_case::DOCUMENT, "the imported case could not be made valid");
        self.out
            .push(Severity::Error, IssueType::Value, e.message.clone(), None, None);
        self.out.sort();
        Err(ImportFailure {
            error: e,
            outcome: self.out,
        })
    }

    fn compare_grade(&mut self, case: &Case) {
        if self.d.reported_grade.is_empty() {
            return;
        }
        let ours = crate::grade::classify(&case.tumor, "auto", self.kb)
            .ok()
            .and_then(|c| c.grade.map(|g| (g.as_str().to_string(), c.name.clone())));
        for r in self.d.reported_grade.clone() {
            match &ours {
                Some((g, name)) if *g == r.value => self.info(
                    &r.path,
                    format!("{}: reported grade {} agrees with netrx's grading ({name})", r.what, r.value),
                    None,
                ),
                Some((g, name)) => self.warn(
                    IssueType::Conflict,
                    &r.path,
                    format!(
                        "{}: reported grade {} differs from netrx's grading from Ki-67 and mitoses ({g}, {name}); check the pathology report",
                        r.what, r.value
                    ),
                    None,
                ),
                None => self.info(
                    &r.path,
                    format!(
                        "{}: reported grade {}; netrx assigns no grade from the imported data (see netrx grade)",
                        r.what, r.value
                    ),
                    None,
                ),
            }
        }
    }
}

/// Where the droppable parts of the case came from.
struct Provenance {
    ki67: Option<String>,
    mitoses: Option<String>,
    weight: Option<String>,
    ecog: Option<String>,
    everolimus: Option<String>,
    labs: Vec<String>,
    aes: Vec<String>,
    qol: Vec<String>,
    meds: Vec<String>,
}

fn index_in(field: &str, list: &str) -> Option<usize> {
    let rest = field.strip_prefix(list)?.strip_prefix('[')?;
    rest.split(']').next()?.parse().ok()
}

impl Provenance {
    /// Remove the part of the case a refused field belongs to; the path of the
    /// resource it came from, or `None` when the field is not droppable.
    fn drop(&mut self, case: &mut Case, field: &str) -> Option<String> {
        fn take<T>(v: &mut Vec<T>, p: &mut Vec<String>, i: usize) -> Option<String> {
            if i < v.len() && i < p.len() {
                v.remove(i);
                Some(p.remove(i))
            } else {
                None
            }
        }
        if let Some(i) = index_in(field, "labs") {
            return take(&mut case.labs, &mut self.labs, i);
        }
        if let Some(i) = index_in(field, "adverse_events") {
            return take(&mut case.adverse_events, &mut self.aes, i);
        }
        if let Some(i) = index_in(field, "qol") {
            return take(&mut case.qol, &mut self.qol, i);
        }
        if let Some(i) = index_in(field, "medications") {
            return take(&mut case.medications, &mut self.meds, i);
        }
        if field == "everolimus" || field.starts_with("everolimus.") {
            case.everolimus = None;
            return self.everolimus.take();
        }
        if field.starts_with("tumor.ki67_percent") {
            case.tumor.ki67_percent = None;
            return self.ki67.take();
        }
        if field.starts_with("tumor.mitoses") {
            case.tumor.mitoses = None;
            return self.mitoses.take();
        }
        if field.starts_with("patient.weight_kg") {
            case.patient.weight_kg = None;
            return self.weight.take();
        }
        if field.starts_with("patient.ecog") {
            case.patient.ecog = None;
            return self.ecog.take();
        }
        None
    }
}

/// The table's name for a code, when the coding's own display differs.
fn also(c: &Coding, display: &str) -> String {
    match &c.display {
        Some(d) if d.eq_ignore_ascii_case(display) => String::new(),
        _ => format!(" [{display}]"),
    }
}

/// Completed years between two dates.
fn age_at(birth: Date, today: Date) -> f64 {
    let (by, bm, bd) = birth.ymd();
    let (ty, tm, td) = today.ymd();
    let mut years = ty - by;
    if (tm, td) < (bm, bd) {
        years -= 1;
    }
    years as f64
}

/// "G2", "2", "Grade 2", "G2 (intermediate)" → "G2".
fn parse_grade(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.strip_prefix("GRADE").map(str::trim).unwrap_or(&t);
    let t = t.strip_prefix('G').unwrap_or(t);
    let digit = t.chars().next()?;
    let rest = &t[digit.len_utf8()..];
    if matches!(digit, '1' | '2' | '3') && !rest.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some(format!("G{digit}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_are_parsed_strictly() {
        assert_eq!(parse_grade("G2").as_deref(), Some("G2"));
        assert_eq!(parse_grade("grade 3").as_deref(), Some("G3"));
        assert_eq!(parse_grade("1").as_deref(), Some("G1"));
        assert_eq!(parse_grade("G2 (intermediate)").as_deref(), Some("G2"));
        assert_eq!(parse_grade("G4"), None);
        assert_eq!(parse_grade("GX"), None);
        assert_eq!(parse_grade("12"), None);
    }

    #[test]
    fn age_is_completed_years() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(age_at(d("1960-05-10"), d("2026-05-09")), 65.0);
        assert_eq!(age_at(d("1960-05-10"), d("2026-05-10")), 66.0);
        assert_eq!(age_at(d("2000-02-29"), d("2001-02-28")), 0.0);
    }

    #[test]
    fn list_indices_are_read_from_field_paths() {
        assert_eq!(index_in("labs[3].unit", "labs"), Some(3));
        assert_eq!(index_in("labs[12]", "labs"), Some(12));
        assert_eq!(index_in("qol[0].items.GP9", "qol"), Some(0));
        assert_eq!(index_in("labsx[1]", "labs"), None);
    }
}
