//! `netrx assess` end to end: every bundled example in both regions, the JSON
//! contract (knowledge_version, classification, region, options, warnings; per
//! option agent, label, role, why, evidence, cautions), the human summary, and the
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

fn json(args: &[&str]) -> Value {
    let out = netrx(args, None);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .map(|n| format!("examples/{n}"))
        .collect();
    v.sort();
    v
}

const LABELS: [&str; 6] = [
    "approved",
    "not_approved",
    "off_label_evidence",
    "undetermined",
    "not_stated",
    "not_applicable",
];
const ROLES: [&str; 6] = [
    "preferred",
    "option",
    "later_line",
    "not_recommended",
    "undetermined",
    "not_indicated",
];
const STATUSES: [&str; 4] = ["verified", "verified_secondary", "unverified", "derived"];

#[test]
fn every_example_assesses_in_both_regions_with_the_contract_keys() {
    let mut assessed = 0;
    for path in examples() {
        // Examples a grading scheme cannot classify without an explicit scheme are still assessable with auto.
        for region in ["us", "eu"] {
            let out = netrx(&["assess", &path, "--region", region, "--json"], None);
            if !out.status.success() {
                let err = String::from_utf8_lossy(&out.stderr);
                // Only the classification may refuse a case (e.g. a lung tumour without mitoses): exit 2, one line.
                assert_eq!(out.status.code(), Some(2), "{path}: {err}");
                assert_eq!(err.trim().lines().count(), 1, "{path}: {err}");
                continue;
            }
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            for k in ["knowledge_version", "classification", "region", "options", "warnings"] {
                assert!(v.get(k).is_some(), "{path}: key {k}");
            }
            assert_eq!(v["region"], region);
            assert!(v["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
            for o in v["options"].as_array().unwrap() {
                for k in ["agent", "label", "role", "why", "evidence", "cautions"] {
                    assert!(o.get(k).is_some(), "{path}: option key {k}");
                }
                assert!(LABELS.contains(&o["label"].as_str().unwrap()), "{path}: {}", o["label"]);
                assert!(ROLES.contains(&o["role"].as_str().unwrap()), "{path}: {}", o["role"]);
                for w in o["why"].as_array().unwrap() {
                    assert!(w["text"].is_string() && w["source"].is_string(), "{path}: {w}");
                    assert!(STATUSES.contains(&w["status"].as_str().unwrap()), "{path}: {w}");
                }
                for c in o["cautions"].as_array().unwrap() {
                    assert!(c["source"].is_string() && STATUSES.contains(&c["status"].as_str().unwrap()));
                }
                for e in o["evidence"].as_array().unwrap() {
                    assert!(e["trial"].is_string() && e["endpoint"].is_string() && e["arms"].is_array());
                }
            }
            assessed += 1;
        }
    }
    assert!(assessed >= 30, "assessed {assessed}");
}

#[test]
fn classification_is_the_grade_object() {
    let a = json(&["assess", "examples/pnet-g2-progressive.json", "--json"]);
    let g = json(&["grade", "examples/pnet-g2-progressive.json", "--json"]);
    assert_eq!(a["classification"], g);
    // The same knowledge version as `netrx --version` reports.
    let out = netrx(&["--version"], None);
    let version = String::from_utf8(out.stdout).unwrap();
    assert!(version.contains(a["knowledge_version"].as_str().unwrap()), "{version}");
}

#[test]
fn region_changes_the_label_not_the_guideline_role() {
    // clinical-rules.md §B.1 / R-B1.1: EU GI/lung indication is G1/G2 only; US names no grade.
    let us = json(&["assess", "examples/assess-si-net-g3.json", "--region", "us", "--json"]);
    let eu = json(&["assess", "examples/assess-si-net-g3.json", "--region", "eu", "--json"]);
    let find = |v: &Value, agent: &str| -> Value {
        v["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["agent"] == agent)
            .cloned()
            .unwrap()
    };
    assert_eq!(find(&us, "everolimus")["label"], "approved");
    assert_eq!(find(&eu, "everolimus")["label"], "off_label_evidence");
    assert_eq!(find(&us, "everolimus")["role"], find(&eu, "everolimus")["role"]);
}

#[test]
fn human_summary_groups_options_and_states_the_standing_note() {
    let out = netrx(&["assess", "examples/assess-prior-prrt-chemo.json"], None);
    assert!(out.status.success());
    let t = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "tumour-board assessment (US label)",
        "Classification  NET G2",
        "OPTIONS",
        "NOT RECOMMENDED",
        "NO HEAD-TO-HEAD TRIAL DECIDES AMONG THESE OPTIONS",
        "trial  RADIANT-3",
        "Knowledge sha256:",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    // The compassionate-use caution is highlighted (!!) with its source.
    let line = t.lines().find(|l| l.contains("86.8 %")).expect("caution line");
    assert!(
        line.trim_start().starts_with("!!") && line.contains("Panzuto"),
        "{line}"
    );
    // Options come before later lines, later lines before not recommended.
    let pos = |s: &str| t.find(s).unwrap();
    assert!(pos("\nOPTIONS") < pos("\nNOT RECOMMENDED"));
    // An UNVERIFIED source says so in the text.
    let sg = netrx(&["assess", "examples/pnet-g2-progressive.json"], None);
    let t = String::from_utf8(sg.stdout).unwrap();
    assert!(t.contains("UNVERIFIED"));
    // An indirect estimate points to `netrx compare`.
    assert!(
        t.contains("netrx compare everolimus sunitinib --population pnet"),
        "{t}"
    );
}

#[test]
fn missing_inputs_are_shown_as_missing() {
    let out = netrx(&["assess", "examples/assess-missing-inputs.json"], None);
    assert!(out.status.success());
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.contains("MISSING OR BORDERLINE INPUTS"));
    assert!(t.contains("tumor.sstr_imaging (missing)"));
    assert!(t.contains("NOT POSITIONED YET"));
    let v = json(&["assess", "examples/assess-missing-inputs.json", "--json"]);
    let fields: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"tumor.progression.status"), "{fields:?}");
}

#[test]
fn a_role_decided_by_a_missing_input_is_undetermined_in_json_and_text() {
    // The acceptance review's two cases: a G3 tumour without differentiation (NET G3 vs NEC), and
    // the case without SSTR status, progression or function. No option is `not_indicated` merely
    // because an input is missing: those are `undetermined`, listed as "not positioned yet".
    for (file, agents) in [
        (
            "examples/assess-g3-differentiation-unknown.json",
            &[
                "platinum_etoposide",
                "everolimus",
                "sunitinib",
                "lu177_dotatate",
                "streptozocin_5fu",
                "capecitabine_temozolomide",
            ][..],
        ),
        (
            "examples/assess-missing-inputs.json",
            &["everolimus", "octreotide_lar", "lanreotide", "lu177_dotatate"][..],
        ),
    ] {
        let v = json(&["assess", file, "--json"]);
        let opts = v["options"].as_array().unwrap();
        for o in opts {
            let decisive = o["missing"].as_array().unwrap().iter().any(|m| m["decisive"] == true);
            assert_eq!(o["role"] == "undetermined", decisive, "{file}: {}", o["agent"]);
            if o["role"] == "not_indicated" {
                for m in o["missing"].as_array().unwrap() {
                    let puts_forward = m["outcomes"].as_array().is_some_and(|x| {
                        x.iter()
                            .any(|x| ["preferred", "option", "later_line"].contains(&x["role"].as_str().unwrap()))
                    });
                    assert!(
                        !puts_forward,
                        "{file}: {} not_indicated merely because {m} is missing",
                        o["agent"]
                    );
                }
            }
        }
        let t = String::from_utf8(netrx(&["assess", file], None).stdout).unwrap();
        let section = t
            .split("NOT POSITIONED YET")
            .nth(1)
            .and_then(|x| x.split("\nNOT INDICATED").next())
            .unwrap_or_else(|| panic!("{file}: no NOT POSITIONED YET section:\n{t}"));
        for agent in agents {
            let o = opts.iter().find(|o| o["agent"] == *agent).unwrap();
            assert_eq!(o["role"], "undetermined", "{file}: {agent}");
            assert!(o["possible_roles"].as_array().unwrap().len() >= 2, "{file}: {agent}");
            let name = o["name"].as_str().unwrap();
            assert!(
                section.contains(name),
                "{file}: {name} not under NOT POSITIONED YET:\n{t}"
            );
        }
    }
}

#[test]
fn bad_input_is_exit_2_with_one_line() {
    let case = std::fs::read_to_string(root().join("examples/pnet-g2-progressive.json")).unwrap();
    let bad = case.replace("\"agent\": \"lanreotide\"", "\"agent\": \"somatuline\"");
    let out = netrx(&["assess", "-"], Some(&bad));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("prior_therapies[0].agent") && err.contains("somatuline") && err.contains("lanreotide"),
        "{err}"
    );
    let out = netrx(&["assess", "examples/pnet-g2-progressive.json", "--region", "uk"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--region") && err.contains("uk") && err.contains("us, eu"),
        "{err}"
    );
    let unknown_field = case.replace("\"ecog\": 1,", "\"ecog\": 1, \"ecgo\": 1,");
    let out = netrx(&["assess", "-"], Some(&unknown_field));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("ecgo"));
}
