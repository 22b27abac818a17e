//! `netrx grade` end to end: the bundled examples, the JSON contract and the
//! error contract (exit code 2, one line naming field, value and what is allowed).

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netrx(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netrx runs");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn grade_json(path: &str, scheme: &str) -> Value {
    let out = netrx(&["grade", path, "--scheme", scheme, "--json"], None);
    assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bundled_examples_get_the_who_names() {
    let expected = [
        ("examples/pnet-g2-progressive.json", "auto", "NET G2", Value::from("G2")),
        (
            "examples/si-net-carcinoid-syndrome.json",
            "auto",
            "NET G1",
            Value::from("G1"),
        ),
        (
            "examples/lung-atypical-carcinoid.json",
            "auto",
            "Atypical carcinoid",
            Value::Null,
        ),
        (
            "examples/pnet-g3-well-differentiated.json",
            "auto",
            "NET G3",
            Value::from("G3"),
        ),
        (
            "examples/pancreas-small-cell-nec.json",
            "auto",
            "NEC, small-cell type",
            Value::from("G3"),
        ),
        (
            "examples/who2010-ki67-gap.json",
            "who2010",
            "Indeterminate (WHO 2010 Ki-67 gap)",
            Value::Null,
        ),
        ("examples/who2010-ki67-gap.json", "who2019", "NET G1", Value::from("G1")),
    ];
    for (path, scheme, name, grade) in expected {
        let v = grade_json(path, scheme);
        assert_eq!(v["name"], name, "{path} under {scheme}");
        assert_eq!(v["grade"], grade, "{path} under {scheme}");
    }
}

#[test]
fn json_output_has_exactly_the_contract_keys() {
    let v = grade_json("examples/pnet-g2-progressive.json", "auto");
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "decided_by",
            "grade",
            "knowledge_version",
            "mitoses_per_2mm2",
            "name",
            "scheme",
            "warnings"
        ]
    );
    assert_eq!(v["scheme"], "who2022");
    assert_eq!(v["decided_by"], serde_json::json!(["ki67", "mitoses"]));
    assert!((v["mitoses_per_2mm2"].as_f64().unwrap() - 4.2).abs() < 1e-12);
    assert!(v["warnings"].as_array().unwrap().is_empty());
    assert!(v["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn human_output_names_the_basis_and_source() {
    let out = netrx(
        &["grade", "examples/who2010-ki67-gap.json", "--scheme", "who2010"],
        None,
    );
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("Indeterminate (WHO 2010 Ki-67 gap)"), "{s}");
    assert!(s.contains("Source") && s.contains("clinical-rules.md §A.1"), "{s}");
    assert!(s.contains("gap"), "{s}");
}

#[test]
fn version_shows_the_knowledge_version() {
    let out = netrx(&["--version"], None);
    let s = String::from_utf8(out.stdout).unwrap();
    let kv = grade_json("examples/pnet-g2-progressive.json", "auto")["knowledge_version"].clone();
    assert!(s.contains(kv.as_str().unwrap()), "{s}");
}

#[test]
fn help_shows_examples() {
    for args in [vec!["--help"], vec!["grade", "--help"], vec!["schema", "--help"]] {
        let out = netrx(&args, None);
        assert!(out.status.success());
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains("Example"), "{args:?}: {s}");
    }
}

const BASE: &str = r#"{"id":"t1","patient":{"age_years":50,"sex":"female"},"tumor":{"primary_site":"pancreas","differentiation":"well","ki67_percent":5}}"#;

fn with_tumor(patch: &str) -> String {
    BASE.replace(r#""ki67_percent":5"#, patch)
}

/// Runs `grade` on stdin and checks: exit 2, one stderr line, naming `field` and containing each of `needles`.
fn assert_input_error(doc: &str, extra: &[&str], field: &str, needles: &[&str]) {
    let mut args = vec!["grade", "-"];
    args.extend_from_slice(extra);
    let out = netrx(&args, Some(doc));
    assert_eq!(out.status.code(), Some(2), "exit code for {doc}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{err}");
    assert!(err.contains(field), "field {field} in: {err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} in: {err}");
    }
}

/// A missing required field is named by its own path (not its parent's), at the top level
/// and nested, with the word "required".
#[test]
fn missing_required_fields_are_named_by_their_own_path() {
    assert_input_error(
        r#"{"id":"x1"}"#,
        &[],
        "patient: ",
        &["required field `patient` is missing"],
    );
    let no_age = BASE.replace(r#""age_years":50,"#, "");
    assert_ne!(no_age, BASE, "the fixture has age_years");
    assert_input_error(&no_age, &[], "patient.age_years: ", &["required", "missing"]);
}

#[test]
fn errors_name_field_value_and_what_is_allowed() {
    assert_input_error("{\"id\": ", &[], "(document)", &["malformed JSON"]);
    assert_input_error(
        &BASE.replace(r#""sex":"female""#, r#""sex":"female","height":170"#),
        &[],
        "patient",
        &["unknown field `height`", "weight_kg"],
    );
    assert_input_error(
        &with_tumor(r#""ki67_percent":120"#),
        &[],
        "tumor.ki67_percent",
        &["120", "0 to 100"],
    );
    assert_input_error(
        &with_tumor(r#""ki67_percent":-1"#),
        &[],
        "tumor.ki67_percent",
        &["-1", "0 to 100"],
    );
    assert_input_error(
        &with_tumor(r#""mitoses":{"count":-3,"area_mm2":10}"#),
        &[],
        "tumor.mitoses.count",
        &["-3", "≥ 0"],
    );
    assert_input_error(
        &with_tumor(r#""mitoses":{"count":3,"area_mm2":0}"#),
        &[],
        "tumor.mitoses.area_mm2",
        &["got 0", "> 0"],
    );
    assert_input_error(
        &with_tumor(r#""mitoses":{"count":3}"#),
        &[],
        "tumor.mitoses",
        &["{count}", "per_2mm2"],
    );
    assert_input_error(
        &with_tumor(r#""necrosis":"none""#),
        &[],
        "tumor.ki67_percent",
        &["missing", "tumor.mitoses"],
    );
    assert_input_error(
        &BASE.replace("pancreas", "liver"),
        &[],
        "tumor.primary_site",
        &["liver", "pancreas", "unknown_primary"],
    );
    assert_input_error(BASE, &["--scheme", "who1999"], "--scheme", &["who1999", "who2022"]);
    assert_input_error(
        &BASE.replace("pancreas", "lung"),
        &["--scheme", "who2019"],
        "--scheme",
        &["who2019", "who2021_thoracic"],
    );
    assert_input_error(
        &BASE.replace(r#""t1""#, r#""../etc""#),
        &[],
        "id",
        &["../etc", "letter, digit"],
    );
}

#[test]
fn a_missing_file_is_bad_input() {
    let out = netrx(&["grade", "no/such/case.json"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no/such/case.json"), "{err}");
}
