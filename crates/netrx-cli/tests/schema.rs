//! The case-file JSON Schema: the committed file is what the code generates, every
//! bundled example validates against it, and documents the parser refuses are
//! refused by the schema too.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn committed_schema() -> Value {
    let text = std::fs::read_to_string(root().join("schemas/case.schema.json")).expect("schemas/case.schema.json");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn committed_schema_is_up_to_date() {
    let out = Command::new(env!("CARGO_BIN_EXE_netrx"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let generated: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        generated == committed_schema(),
        "schemas/case.schema.json is stale: run `cargo run -- schema > schemas/case.schema.json`"
    );
}

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    assert!(v.len() >= 6, "at least the six foundation examples");
    v
}

#[test]
fn every_example_validates_against_the_schema_and_loads() {
    let validator = jsonschema::validator_for(&committed_schema()).expect("schema compiles");
    let kb = netrx_kb::Kb::embedded().unwrap();
    for p in examples() {
        let text = std::fs::read_to_string(&p).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", p.display());
        netrx_clinical::load_case(&text, kb).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

#[test]
fn the_schema_refuses_what_the_parser_refuses() {
    let validator = jsonschema::validator_for(&committed_schema()).unwrap();
    let base: Value = serde_json::from_str(
        r#"{"id":"t1","patient":{"age_years":50,"sex":"female"},"tumor":{"primary_site":"pancreas","differentiation":"well","ki67_percent":5}}"#,
    )
    .unwrap();
    assert!(validator.is_valid(&base));
    type Mutation = Box<dyn Fn(&mut Value)>;
    let mutations: Vec<(&str, Mutation)> = vec![
        ("unknown top-level field", Box::new(|v| v["extra"] = Value::from(1))),
        (
            "unknown tumour field",
            Box::new(|v| v["tumor"]["grade"] = Value::from("G2")),
        ),
        (
            "Ki-67 over 100",
            Box::new(|v| v["tumor"]["ki67_percent"] = Value::from(101)),
        ),
        (
            "unknown site",
            Box::new(|v| v["tumor"]["primary_site"] = Value::from("liver")),
        ),
        ("bad id", Box::new(|v| v["id"] = Value::from("a/b"))),
        ("id too long", Box::new(|v| v["id"] = Value::from("x".repeat(65)))),
        (
            "missing tumour",
            Box::new(|v| drop(v.as_object_mut().unwrap().remove("tumor"))),
        ),
        ("bad sex", Box::new(|v| v["patient"]["sex"] = Value::from("f"))),
        (
            "mitoses with two shapes",
            Box::new(|v| v["tumor"]["mitoses"] = serde_json::json!({"per_2mm2": 1, "per_10hpf": 1})),
        ),
    ];
    let kb = netrx_kb::Kb::embedded().unwrap();
    for (what, m) in mutations {
        let mut doc = base.clone();
        m(&mut doc);
        assert!(!validator.is_valid(&doc), "schema accepts: {what}");
        assert!(
            netrx_clinical::load_case(&doc.to_string(), kb).is_err(),
            "parser accepts: {what}"
        );
    }
}
