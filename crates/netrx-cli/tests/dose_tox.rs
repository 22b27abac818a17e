//! `netrx dose`, `netrx ctcae` and `netrx tox` run as the built binary: JSON
//! contracts (the issue's keys), identical answers to the library/capability
//! call, text output with sources and UNVERIFIED marks, and bad input as one
//! stderr line with exit code 2.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn netrx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .output()
        .expect("netrx runs")
}

fn netrx_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netrx runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn example(name: &str) -> String {
    format!("{EXAMPLES}/{name}")
}

fn bad_input(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "exit code 2 for bad input");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "one stderr line: {err}");
    assert!(out.stdout.is_empty());
    err
}

#[test]
fn dose_json_contract_and_conflict() {
    let path = example("pnet-everolimus-interactions.json");
    let v = json(&netrx(&["dose", &path, "--json"]));
    for key in [
        "knowledge_version",
        "region",
        "dose_mg",
        "frequency",
        "avoid",
        "adjustments",
        "interactions",
        "unknown_medications",
        "monitoring",
        "counselling",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "key {key}");
    }
    assert_eq!(v["region"], "us");
    // Child-Pugh B (5 mg) and verapamil (US: 2.5 mg): the lower single-rule dose, flagged (R-B3.1).
    assert_eq!(v["dose_mg"], 2.5);
    assert_eq!(v["frequency"], "daily");
    assert_eq!(v["avoid"], false);
    assert!(
        v["adjustments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["conflict"] == true)
    );
    assert_eq!(v["unknown_medications"], serde_json::json!(["pantoprazole"]));
    for a in v["adjustments"].as_array().unwrap() {
        assert!(
            a["source"]["ref"].is_string() && a["source"]["status"].is_string(),
            "source on {a}"
        );
    }
    let eu = json(&netrx(&["dose", &path, "--region", "eu", "--json"]));
    assert_eq!(eu["region"], "eu");
    assert_eq!(eu["dose_mg"], 5.0);

    // The CLI answer is the capability's answer.
    let kb = netrx_kb::Kb::embedded().unwrap();
    let case = netrx_clinical::load_case(&std::fs::read_to_string(&path).unwrap(), kb).unwrap();
    let opts = netrx_clinical::capability::Options::default();
    let cap =
        netrx_clinical::capability::evaluate(netrx_clinical::capability::Capability::Dose, &case, kb, &opts).unwrap();
    assert_eq!(v, cap);
}

#[test]
fn dose_text_shows_sources_conflicts_and_unverified_rules() {
    let out = netrx(&["dose", &example("pnet-everolimus-interactions.json")]);
    assert!(out.status.success());
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.contains("2.5 mg once daily"), "{t}");
    assert!(t.contains("CONFLICT"));
    assert!(t.contains("UNVERIFIED"), "unverified rules are marked");
    assert!(t.contains("clinical-rules.md §B.3"));
    assert!(t.contains("pantoprazole"));
    assert!(t.contains("Knowledge     sha256:"));
}

#[test]
fn dose_avoid_with_alternative() {
    let case = r#"{"id":"x","patient":{"age_years":50,"sex":"male"},
        "tumor":{"primary_site":"jejunum_ileum","differentiation":"well","ki67_percent":4},
        "medications":["Rifampin 600 mg"]}"#;
    let v = json(&netrx_stdin(&["dose", "-", "--json"], case));
    assert_eq!(v["avoid"], true);
    assert_eq!(v["dose_mg"], Value::Null);
    assert_eq!(v["alternative"]["max_dose_mg"], 20.0);
    assert_eq!(v["interactions"][0]["id"], "rifampicin");
    let t = String::from_utf8(netrx_stdin(&["dose", "-"], case).stdout).unwrap();
    assert!(t.contains("AVOID"), "{t}");
    assert!(t.contains("20 mg"), "{t}");
}

#[test]
fn ctcae_json_contract_and_boundaries() {
    let v = json(&netrx(&[
        "ctcae",
        "platelets",
        "74.999",
        "--unit",
        "10^9/L",
        "--lln",
        "150",
        "--json",
    ]));
    for key in ["term", "grade", "criterion", "version", "knowledge_version"] {
        assert!(v.get(key).is_some(), "key {key}");
    }
    assert_eq!(v["term"], "platelet_count_decreased");
    assert_eq!(v["grade"], 2);
    assert_eq!(v["version"], "5.0");
    let g = |args: &[&str]| json(&netrx(args))["grade"].clone();
    assert_eq!(
        g(&["ctcae", "platelets", "75", "--unit", "10^9/L", "--lln", "150", "--json"]),
        1
    );
    assert_eq!(g(&["ctcae", "platelets", "50000", "--unit", "/mm3", "--json"]), 2);
    assert_eq!(g(&["ctcae", "neutrophils", "500", "--unit", "/mm³", "--json"]), 3);
    assert_eq!(g(&["ctcae", "triglycerides", "300", "--unit", "mg/dL", "--json"]), 1);
    assert_eq!(g(&["ctcae", "triglycerides", "300.1", "--unit", "mg/dL", "--json"]), 2);
    assert_eq!(
        g(&[
            "ctcae",
            "creatinine",
            "1.5",
            "--unit",
            "mg/dL",
            "--uln",
            "1.0",
            "--baseline",
            "0.5",
            "--json"
        ]),
        2
    );
    // No LLN: grade 0 or 1 cannot be told apart.
    assert_eq!(
        g(&["ctcae", "platelets", "100", "--unit", "10^9/L", "--json"]),
        Value::Null
    );
    // v5.0 has no value-based hyperglycaemia grade.
    let v = json(&netrx(&["ctcae", "glucose", "250", "--unit", "mg/dL", "--json"]));
    assert_eq!(v["grade"], Value::Null);
    assert!(v["criterion"].as_str().unwrap().contains("v5.0"));
    let out = netrx(&["ctcae", "platelets", "74.999", "--unit", "10^9/L", "--lln", "150"]);
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.contains("grade 2") && t.contains("CTCAE v5.0"), "{t}");
}

#[test]
fn ctcae_bad_input_is_one_line_exit_2() {
    let e = bad_input(&netrx(&["ctcae", "platelets", "75", "--unit", "mg/dL"]));
    assert!(
        e.contains("--unit") && e.contains("\"mg/dL\"") && e.contains("10^9/L"),
        "{e}"
    );
    let e = bad_input(&netrx(&["ctcae", "alt", "40", "--unit", "U/L"]));
    assert!(e.contains("TEST") && e.contains("platelets"), "{e}");
    let e = bad_input(&netrx(&["ctcae", "platelets", "-5", "--unit", "/mm3"]));
    assert!(e.contains("VALUE"), "{e}");
    let e = bad_input(&netrx(&[
        "ctcae",
        "platelets",
        "100",
        "--unit",
        "10^9/L",
        "--lln",
        "400",
        "--uln",
        "150",
    ]));
    assert!(e.contains("--lln"), "{e}");
    bad_input(&netrx(&["ctcae", "platelets", "abc", "--unit", "/mm3"]));
}

#[test]
fn tox_json_contract_and_course() {
    let path = example("pnet-everolimus-stomatitis-course.json");
    let v = json(&netrx(&["tox", &path, "--json"]));
    for key in ["knowledge_version", "region", "current", "timeline", "warnings"] {
        assert!(v.get(key).is_some(), "key {key}");
    }
    for key in [
        "action",
        "resume_when",
        "resume_dose_mg",
        "resume_frequency",
        "event",
        "source",
    ] {
        assert!(v["current"].get(key).is_some(), "current.{key}");
    }
    let t = v["timeline"].as_array().unwrap();
    assert_eq!(t.len(), 6);
    for d in t {
        for key in [
            "action",
            "resume_when",
            "resume_dose_mg",
            "resume_frequency",
            "event",
            "source",
            "dose_in_force",
        ] {
            assert!(d.get(key).is_some(), "timeline.{key}");
        }
    }
    // First stomatitis G2: same dose; the recurrence: ~50 %.
    assert_eq!(
        (t[0]["action"].as_str(), t[0]["resume_dose_mg"].as_f64()),
        (Some("withhold"), Some(10.0))
    );
    assert_eq!(t[1]["occurrence"], "recurrent");
    assert_eq!(t[1]["resume_dose_mg"], 5.0);
    assert_eq!(v["current"]["action"], "continue");

    let kb = netrx_kb::Kb::embedded().unwrap();
    let case = netrx_clinical::load_case(&std::fs::read_to_string(&path).unwrap(), kb).unwrap();
    let opts = netrx_clinical::capability::Options {
        region: netrx_clinical::capability::Region::Eu,
        ..Default::default()
    };
    let cap =
        netrx_clinical::capability::evaluate(netrx_clinical::capability::Capability::Tox, &case, kb, &opts).unwrap();
    assert_eq!(json(&netrx(&["tox", &path, "--region", "eu", "--json"])), cap);

    let out = netrx(&["tox", &path]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("recurrence (earlier episode 2024-03-14)"), "{text}");
    assert!(text.contains("UNVERIFIED"), "the ✱ haematological rows are marked");
    assert!(text.contains("Now         CONTINUE"));
}

#[test]
fn tox_bad_input_is_one_line_exit_2() {
    let case = r#"{"id":"x","patient":{"age_years":50,"sex":"male"},
        "tumor":{"primary_site":"pancreas","differentiation":"well","ki67_percent":4},
        "adverse_events":[{"date":"2024-01-01","term":"mucositis","grade":2}]}"#;
    let e = bad_input(&netrx_stdin(&["tox", "-"], case));
    assert!(
        e.contains("adverse_events[0].term") && e.contains("mucositis_oral"),
        "{e}"
    );
    let case = r#"{"id":"x","patient":{"age_years":50,"sex":"male"},
        "tumor":{"primary_site":"pancreas","differentiation":"well","ki67_percent":4},
        "labs":[{"date":"2024-01-01","test":"platelets","value":80,"unit":"g/dL"}]}"#;
    let e = bad_input(&netrx_stdin(&["tox", "-"], case));
    assert!(e.contains("labs[0].unit") && e.contains("\"g/dL\""), "{e}");
    let e = bad_input(&netrx(&[
        "tox",
        &example("pnet-everolimus-stomatitis-course.json"),
        "--region",
        "uk",
    ]));
    assert!(e.contains("--region") && e.contains("us, eu"), "{e}");
    let e = bad_input(&netrx(&["dose", "/nonexistent/case.json"]));
    assert!(e.contains("case"), "{e}");
}
