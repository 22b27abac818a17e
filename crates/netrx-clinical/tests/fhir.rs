//! FHIR R4 import and the CDS Hooks cards, on the example Bundles in
//! examples/fhir/. Expected values are read off the Bundle by hand (the
//! resource says Ki-67 8 %, the importer must give 8), not from the code.

use netrx_case::{Comorbidity, Date, Differentiation, Extent, Frequency, Mitoses, PrimarySite, Sex};
use netrx_clinical::capability::Region;
use netrx_clinical::fhir::cds;
use netrx_clinical::fhir::{ImportOptions, IssueType, Severity, import_bundle};
use netrx_kb::Kb;
use serde_json::{Value, json};

fn kb() -> &'static Kb {
    Kb::embedded().expect("knowledge loads")
}

fn example(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fhir")
        .join(name);
    std::fs::read_to_string(p).expect("example exists")
}

fn opts() -> ImportOptions {
    ImportOptions {
        case_id: "fhir-test".into(),
        today: "2026-03-01".parse().unwrap(),
    }
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

#[test]
fn the_example_bundle_becomes_the_case_its_resources_describe() {
    let r = import_bundle(&example("pnet-g2-everolimus.json"), kb(), &opts()).expect("imports");
    let c = &r.case;
    assert_eq!(c.id, "fhir-test");
    // Patient: born 1967-04-12 → 58 completed years on 2026-03-01.
    assert_eq!(c.patient.age_years, 58.0);
    assert_eq!(c.patient.sex, Sex::Female);
    assert_eq!(c.patient.birth_date, Some(d("1967-04-12")));
    assert_eq!(c.patient.mrn.as_deref(), Some("MRN-0042-7781"));
    assert_eq!(c.patient.name.as_deref(), Some("Alex Example"));
    assert_eq!(c.patient.weight_kg, Some(68.0));
    assert_eq!(c.patient.ecog, Some(1));
    assert_eq!(c.patient.comorbidities, vec![Comorbidity::Hypertension]);
    // Tumour: SNOMED 15776009 / ICD-10 C25.4 → pancreas; ICD-O-3 8249/3 → well.
    assert_eq!(c.tumor.primary_site, PrimarySite::Pancreas);
    assert_eq!(c.tumor.differentiation, Differentiation::Well);
    assert_eq!(c.tumor.ki67_percent, Some(8.0));
    assert_eq!(c.tumor.mitoses, Some(Mitoses::Per2mm2 { per_2mm2: 4.0 }));
    assert_eq!(c.tumor.extent, Some(Extent::Metastatic), "liver metastasis C78.7");
    assert_eq!(c.tumor.extrahepatic_disease, None, "never concluded from absence");
    // Labs: platelets, glucose, triglycerides (heart rate and chromogranin A are not labs netrx grades).
    let tests: Vec<&str> = c.labs.iter().map(|l| l.test.as_str()).collect();
    assert_eq!(tests, vec!["platelets", "glucose", "triglycerides"]);
    assert_eq!(
        (c.labs[0].value, c.labs[0].lln, c.labs[0].uln),
        (182.0, Some(150.0), Some(400.0))
    );
    assert_eq!(c.labs[2].uln, Some(150.0));
    // Everolimus 10 mg once daily from the boundsPeriod start, not authoredOn.
    let e = c.everolimus.as_ref().expect("course");
    assert_eq!(
        (e.dose_mg, e.frequency, e.start_date),
        (10.0, Frequency::Daily, d("2026-01-05"))
    );
    // Current co-medications; the stopped lanreotide is not one.
    assert_eq!(
        c.medications,
        vec!["Verapamil SR 240 mg".to_string(), "lisinopril".to_string()]
    );
    assert_eq!(c.adverse_events.len(), 1);
    assert_eq!(
        (c.adverse_events[0].term.as_str(), c.adverse_events[0].grade),
        ("mucositis_oral", 2)
    );
    assert_eq!(c.qol.len(), 1);
    assert_eq!(c.qol[0].items.len(), 27);
    // The outcome: no errors; the unknown code and the unread resource are listed.
    let o = &r.outcome;
    assert!(!o.has_errors());
    let texts: Vec<&str> = o.issue.iter().map(|i| i.details.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("8867-4") && t.contains("no netrx mapping")),
        "{texts:#?}"
    );
    assert!(texts.iter().any(|t| t.contains("J30.1")), "unknown condition listed");
    assert!(texts.iter().any(|t| t.contains("Encounter")), "unread resource listed");
    assert!(
        texts.iter().any(|t| t.contains("reported grade G2 agrees")),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("tumour marker")),
        "chromogranin A recognised, not imported"
    );
    // Every mapping names its source with the status mark.
    let site = o
        .issue
        .iter()
        .find(|i| i.details.text.contains("tumor.primary_site = pancreas"))
        .expect("site mapping listed");
    assert!(site.diagnostics.as_deref().unwrap().contains("UNVERIFIED"));
    assert!(!site.expression.is_empty());
    let ki = o
        .issue
        .iter()
        .find(|i| i.details.text.contains("tumor.ki67_percent"))
        .unwrap();
    assert!(ki.expression[0].contains("valueQuantity"));
}

#[test]
fn an_ambiguous_site_fails_with_the_field_and_lists_why() {
    let f = import_bundle(&example("invalid-ambiguous-site.json"), kb(), &opts()).expect_err("no site");
    assert_eq!(f.error.field, "tumor.primary_site");
    assert!(f.error.message.contains("C17.9"), "{}", f.error.message);
    assert!(f.outcome.has_errors());
    assert_eq!(f.outcome.issue[0].severity, Severity::Fatal, "blocking issues first");
    assert!(
        f.outcome
            .issue
            .iter()
            .any(|i| i.code == IssueType::MultipleMatches && i.details.text.contains("duodenum or jejunum_ileum"))
    );
}

fn bundle(resources: Vec<Value>) -> String {
    json!({"resourceType": "Bundle", "type": "collection",
           "entry": resources.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()})
    .to_string()
}

fn patient() -> Value {
    json!({"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1950-01-01"})
}

fn ileal_net() -> Value {
    json!({"resourceType": "Condition", "id": "c",
           "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C7A.012"}]},
           "subject": {"reference": "Patient/p"}})
}

fn obs(code: &str, value: Value) -> Value {
    json!({"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p"},
           "effectiveDateTime": "2026-01-10",
           "code": {"coding": [{"system": "http://loinc.org", "code": code}]}, "valueQuantity": value})
}

#[test]
fn a_lab_in_an_unknown_unit_is_left_out_and_said_so() {
    let b = bundle(vec![
        patient(),
        ileal_net(),
        obs("777-3", json!({"value": 180, "code": "furlongs"})),
        obs("2345-7", json!({"value": 5.4, "code": "mmol/L"})),
    ]);
    let r = import_bundle(&b, kb(), &opts()).expect("imports the rest");
    assert_eq!(r.case.tumor.primary_site, PrimarySite::JejunumIleum);
    assert_eq!(r.case.labs.len(), 1, "the glucose stays");
    assert_eq!(r.case.labs[0].test, "glucose");
    let w = r
        .outcome
        .issue
        .iter()
        .find(|i| i.severity == Severity::Warning && i.details.text.contains("labs[0].unit"))
        .expect("the refused lab is listed");
    assert!(w.details.text.contains("furlongs"), "{}", w.details.text);
    assert_eq!(w.expression, vec!["Bundle.entry[2].resource".to_string()]);
    assert_eq!(
        r.case.tumor.differentiation,
        Differentiation::Unknown,
        "no morphology: unknown, said so"
    );
}

#[test]
fn breast_ki67_is_refused_and_a_percentage_out_of_range_is_not_imported() {
    let b = bundle(vec![
        patient(),
        ileal_net(),
        obs("85330-9", json!({"value": 12, "code": "%"})),
    ]);
    let r = import_bundle(&b, kb(), &opts()).unwrap();
    assert_eq!(r.case.tumor.ki67_percent, None);
    assert!(
        r.outcome
            .issue
            .iter()
            .any(|i| i.code == IssueType::BusinessRule && i.details.text.contains("29593-1"))
    );
    let b = bundle(vec![
        patient(),
        ileal_net(),
        obs("29593-1", json!({"value": 140, "code": "%"})),
    ]);
    let r = import_bundle(&b, kb(), &opts()).unwrap();
    assert_eq!(r.case.tumor.ki67_percent, None);
    assert!(
        r.outcome
            .issue
            .iter()
            .any(|i| i.details.text.contains("tumor.ki67_percent") && i.details.text.contains("140"))
    );
}

#[test]
fn the_latest_ki67_is_used_and_the_earlier_listed() {
    let mut early = obs("29593-1", json!({"value": 2, "code": "%"}));
    early["effectiveDateTime"] = json!("2024-05-01");
    let b = bundle(vec![
        patient(),
        ileal_net(),
        early,
        obs("29593-1", json!({"value": 15, "code": "%"})),
    ]);
    let r = import_bundle(&b, kb(), &opts()).unwrap();
    assert_eq!(r.case.tumor.ki67_percent, Some(15.0));
    assert!(
        r.outcome
            .issue
            .iter()
            .any(|i| i.code == IssueType::MultipleMatches && i.details.text.contains("2024-05-01"))
    );
}

#[test]
fn resources_of_another_patient_and_bad_envelopes_are_refused() {
    let mut other = obs("29593-1", json!({"value": 30, "code": "%"}));
    other["subject"] = json!({"reference": "Patient/someone-else"});
    let r = import_bundle(&bundle(vec![patient(), ileal_net(), other]), kb(), &opts()).unwrap();
    assert_eq!(r.case.tumor.ki67_percent, None);
    let e = import_bundle(r#"{"resourceType":"Patient"}"#, kb(), &opts()).unwrap_err();
    assert_eq!(e.error.field, "resourceType");
    let e = import_bundle("{not json", kb(), &opts()).unwrap_err();
    assert_eq!(e.error.field, "(document)");
    let two = bundle(vec![
        patient(),
        json!({"resourceType": "Patient", "id": "q"}),
        ileal_net(),
    ]);
    let e = import_bundle(&two, kb(), &opts()).unwrap_err();
    assert_eq!(e.error.field, "patient");
    let nobirth = bundle(vec![json!({"resourceType": "Patient", "id": "p"}), ileal_net()]);
    let e = import_bundle(&nobirth, kb(), &opts()).unwrap_err();
    assert_eq!(e.error.field, "patient.age_years");
    let two_sites = bundle(vec![
        patient(),
        ileal_net(),
        json!({"resourceType": "Condition", "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C7A.090"}]}}),
    ]);
    let e = import_bundle(&two_sites, kb(), &opts()).unwrap_err();
    assert_eq!(e.error.field, "tumor.primary_site");
    assert!(e.error.message.contains("jejunum_ileum") && e.error.message.contains("lung"));
}

#[test]
fn adverse_event_severity_is_not_turned_into_a_grade() {
    let ae = json!({"resourceType": "AdverseEvent", "actuality": "actual", "date": "2026-01-20",
                    "subject": {"reference": "Patient/p"}, "event": {"text": "stomatitis"},
                    "severity": {"coding": [{"code": "severe"}]}});
    let r = import_bundle(&bundle(vec![patient(), ileal_net(), ae]), kb(), &opts()).unwrap();
    assert!(r.case.adverse_events.is_empty());
    assert!(
        r.outcome
            .issue
            .iter()
            .any(|i| i.details.text.contains("not a CTCAE grade"))
    );
}

// --- CDS Hooks ---------------------------------------------------------------------

fn cds_opts() -> cds::CdsOptions {
    cds::CdsOptions {
        today: "2026-03-01".parse().unwrap(),
        region: Region::Us,
        case_link: None,
    }
}

#[test]
fn patient_view_gives_a_summary_and_everolimus_interaction_warnings() {
    let req = cds::parse_request(&example("cds-request-patient-view.json")).unwrap();
    assert_eq!(cds::mrn(&req, kb()).as_deref(), Some("MRN-0042-7781"));
    let res = cds::cards(&req, kb(), &cds_opts()).expect("cards");
    let summary = &res.cards[0];
    assert_eq!(summary.indicator, "info");
    assert!(summary.summary.contains("NET G2"), "{}", summary.summary);
    assert!(summary.summary.chars().count() < 140);
    assert!(summary.detail.contains("Ki-67 8 %"), "{}", summary.detail);
    assert!(!summary.source.label.is_empty());
    let warnings: Vec<&cds::Card> = res.cards.iter().filter(|c| c.indicator == "warning").collect();
    let kinds: Vec<&str> = warnings.iter().map(|c| c.kind.as_str()).collect();
    assert!(kinds.contains(&"interaction:verapamil"), "{kinds:?}");
    assert!(
        kinds.contains(&"interaction:lisinopril"),
        "ACE inhibitor angioedema: {kinds:?}"
    );
    let v = warnings.iter().find(|c| c.kind == "interaction:verapamil").unwrap();
    assert!(v.summary.starts_with("Everolimus + Verapamil"), "{}", v.summary);
    assert!(v.detail.contains("On everolimus"));
    assert!(v.source.label.contains("§B.3"), "{}", v.source.label);
    let body = serde_json::to_value(&res).unwrap();
    assert!(body.get("systemActions").is_none());
    assert!(body["cards"][0].get("kind").is_none(), "internal fields are not sent");
}

#[test]
fn patient_view_is_silent_for_a_patient_without_a_net() {
    let req = json!({"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
        "prefetch": {"patient": patient(), "conditions": {"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "Condition", "code": {"coding": [
                {"system": "http://hl7.org/fhir/sid/icd-10", "code": "C25.0"}]}}}]},
            "ki67": null, "medications": null}});
    let req = cds::parse_request(&req.to_string()).unwrap();
    let res = cds::cards(&req, kb(), &cds_opts()).unwrap();
    assert!(
        res.cards.is_empty(),
        "a pancreatic adenocarcinoma code alone is not a NET"
    );
}

#[test]
fn missing_required_prefetch_is_a_412_outcome() {
    let req = json!({"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"},
                     "prefetch": {"patient": patient()}});
    let req = cds::parse_request(&req.to_string()).unwrap();
    let e = cds::cards(&req, kb(), &cds_opts()).unwrap_err();
    assert!(e.outcome.issue[0].details.text.contains("conditions"));
}

#[test]
fn kb_vocabularies_match_the_case_file() {
    let sites: Vec<&str> = PrimarySite::ALL.iter().map(|s| s.id()).collect();
    assert_eq!(sites, netrx_kb::fhir::CASE_SITES);
    let com: Vec<&str> = Comorbidity::ALL.iter().map(|s| s.id()).collect();
    assert_eq!(com, netrx_kb::fhir::CASE_COMORBIDITIES);
}

/// Every leaf of `v` replaced, one at a time, by each of `repl`: (path, mutated document).
fn mutations(v: &Value, repl: &[Value]) -> Vec<Value> {
    fn paths(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    at.push(Value::String(k.clone()));
                    out.push(at.clone());
                    paths(x, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    at.push(json!(i));
                    out.push(at.clone());
                    paths(x, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    fn set(v: &mut Value, path: &[Value], new: Value) {
        let mut cur = v;
        for (n, p) in path.iter().enumerate() {
            let last = n + 1 == path.len();
            cur = match (cur, p) {
                (Value::Object(m), Value::String(k)) => {
                    if last {
                        m.insert(k.clone(), new);
                        return;
                    }
                    m.get_mut(k).unwrap()
                }
                (Value::Array(a), Value::Number(i)) => {
                    let i = i.as_u64().unwrap() as usize;
                    if last {
                        a[i] = new;
                        return;
                    }
                    &mut a[i]
                }
                _ => return,
            };
        }
    }
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let mut out = Vec::new();
    for p in all {
        for r in repl {
            let mut m = v.clone();
            set(&mut m, &p, r.clone());
            out.push(m);
        }
    }
    out
}

#[test]
fn no_mutation_of_the_example_bundle_makes_the_importer_panic() {
    // Each element of the example Bundle replaced by null, a negative number, or a
    // string with a multi-byte character at byte 10 (where dates are cut): the
    // importer answers Ok or a named error, never a panic.
    let v: Value = serde_json::from_str(&example("pnet-g2-everolimus.json")).unwrap();
    let repl = [json!(null), json!(-1.5), json!("2026-01-0éé-x")];
    // Every second mutation (deterministic; a debug build needs ~15 ms per import).
    let all: Vec<Value> = mutations(&v, &repl).into_iter().step_by(2).collect();
    assert!(all.len() > 800, "{}", all.len());
    let (mut ok, mut refused) = (0, 0);
    for m in &all {
        match import_bundle(&m.to_string(), kb(), &opts()) {
            Ok(r) => {
                ok += 1;
                // A case that imports is a case load_case accepts.
                let text = serde_json::to_string(&r.case).unwrap();
                netrx_clinical::load_case(&text, kb()).expect("an imported case loads");
            }
            Err(f) => {
                refused += 1;
                assert!(!f.error.field.is_empty() && !f.error.message.is_empty());
            }
        }
    }
    assert!(ok > 0 && refused > 0, "ok {ok}, refused {refused}");
}

#[test]
fn no_mutation_of_the_cds_request_makes_the_service_panic() {
    let v: Value = serde_json::from_str(&example("cds-request-patient-view.json")).unwrap();
    let repl = [json!(null), json!(7), json!("x"), json!([])];
    // Every fourth mutation (deterministic): each call runs the assessment and the dose advice.
    for m in mutations(&v, &repl).into_iter().step_by(4) {
        if let Ok(req) = cds::parse_request(&m.to_string()) {
            let _ = cds::cards(&req, kb(), &cds_opts());
        }
    }
}

#[test]
fn interaction_warnings_before_everolimus_is_started_when_it_is_a_pending_option() {
    let mut v: Value = serde_json::from_str(&example("cds-request-patient-view.json")).unwrap();
    // Not on everolimus: drop the everolimus order, keep verapamil and lisinopril.
    let meds = v["prefetch"]["medications"]["entry"].as_array_mut().unwrap();
    meds.retain(|e| e["resource"]["id"] != "evero");
    let req = cds::parse_request(&v.to_string()).unwrap();
    let res = cds::cards(&req, kb(), &cds_opts()).unwrap();
    let summary = &res.cards[0];
    // The coded data leave everolimus unpositioned (SSTR imaging, progression … are not coded):
    // the card names it as pending and the inputs that decide it.
    assert!(summary.detail.contains("Not positioned yet"), "{}", summary.detail);
    assert!(
        summary.detail.contains("**Everolimus** — depends on"),
        "{}",
        summary.detail
    );
    let v = res
        .cards
        .iter()
        .find(|c| c.kind == "interaction:verapamil")
        .expect("warned before starting");
    assert!(v.detail.starts_with("If everolimus is started"), "{}", v.detail);
    assert!(
        !res.cards.iter().any(|c| c.kind == "interaction:unknown"),
        "the unknown-medication card is for patients on everolimus"
    );
}

#[test]
fn morphology_codes_are_merged_when_they_agree_and_refused_when_they_do_not() {
    let cond = |codes: Value| {
        json!({"resourceType": "Condition", "subject": {"reference": "Patient/p"},
               "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C7A.090"}]},
               "extension": [{"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                              "valueCodeableConcept": {"coding": codes}}]})
    };
    // NEC NOS (SNOMED) and small cell NEC (ICD-O-3) agree on "poor"; the cell type comes from the one that names it.
    let b = bundle(vec![
        patient(),
        cond(json!([{"system": "http://snomed.info/sct", "code": "1286767006"},
                    {"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": "8041/3"}])),
    ]);
    let r = import_bundle(&b, kb(), &opts()).unwrap();
    assert_eq!(r.case.tumor.primary_site, PrimarySite::Lung);
    assert_eq!(r.case.tumor.differentiation, Differentiation::Poor);
    assert_eq!(r.case.tumor.cell_type, Some(netrx_case::CellType::SmallCell));
    // A NET code and a NEC code: differentiation unknown, said so.
    let b = bundle(vec![
        patient(),
        cond(
            json!([{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": "8240/3"},
                    {"system": "http://terminology.hl7.org/CodeSystem/icd-o-3", "code": "8246/3"}]),
        ),
    ]);
    let r = import_bundle(&b, kb(), &opts()).unwrap();
    assert_eq!(r.case.tumor.differentiation, Differentiation::Unknown);
    assert!(
        r.outcome
            .issue
            .iter()
            .any(|i| i.code == IssueType::Conflict && i.details.text.contains("disagree"))
    );
}
