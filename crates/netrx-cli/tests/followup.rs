//! `netrx recist` and `netrx qol` run as a user runs them: the JSON contract of
//! issue 6 (exact keys), numbers worked out by hand for examples/si-net-followup.json,
//! the SVG outputs, and bad input as exit code 2 with one line naming the field.
//! Month values are days / (365.25 / 12); compared with a tolerance of 1e-3.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/si-net-followup.json");
const TOL: f64 = 1e-3;
const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

fn netrx(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netrx"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("netrx runs");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn json_of(args: &[&str]) -> Value {
    let out = netrx(args, None);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn example() -> Value {
    serde_json::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap()
}

/// Run with a modified example on stdin; expect exit 2 and one stderr line.
fn refused(case: &Value, extra: &[&str]) -> String {
    let mut args = vec![extra[0], "-"];
    args.extend_from_slice(&extra[1..]);
    let out = netrx(&args, Some(&case.to_string()));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "expected exit 2, stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(out.stdout.is_empty());
    err
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netrx-followup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn close(v: &Value, x: f64) -> bool {
    v.as_f64().is_some_and(|a| (a - x).abs() <= TOL)
}

#[test]
fn recist_json_has_the_issue_keys_and_hand_computed_values() {
    let r = json_of(&["recist", EXAMPLE, "--json"]);
    for k in [
        "visits",
        "best_overall_response",
        "best_overall_response_confirmed",
        "progression_date",
        "pfs_months",
        "warnings",
        "knowledge_version",
    ] {
        assert!(r.get(k).is_some(), "missing key {k}");
    }
    let visits = r["visits"].as_array().unwrap();
    for v in visits {
        for k in [
            "date",
            "sum_mm",
            "change_from_baseline_pct",
            "change_from_nadir_pct",
            "target_response",
            "overall_response",
        ] {
            assert!(v.get(k).is_some(), "visit lacks {k}");
        }
    }
    // Sums (L1 + L2 + N1 short axis): 42+31+18 = 91, 79, 65, 58, NE, 55, 69.
    let sums: Vec<Option<f64>> = visits.iter().map(|v| v["sum_mm"].as_f64()).collect();
    assert_eq!(
        sums,
        [
            Some(91.0),
            Some(79.0),
            Some(65.0),
            Some(58.0),
            None,
            Some(55.0),
            Some(69.0)
        ]
    );
    // 58 vs 91: −36.264 % → PR; 65 vs 91: −28.571 % → SD.
    assert!(close(
        &visits[3]["change_from_baseline_pct"],
        (58.0 - 91.0) / 91.0 * 100.0
    ));
    assert_eq!(visits[3]["target_response"], "PR");
    assert_eq!(visits[2]["target_response"], "SD");
    assert_eq!(visits[4]["target_response"], "NE");
    // 69 vs the nadir 55: +25.45 %, +14 mm → PD.
    assert!(close(&visits[6]["change_from_nadir_pct"], 14.0 / 55.0 * 100.0));
    assert_eq!(visits[6]["overall_response"], "PD");
    assert_eq!(visits[0]["target_response"], Value::Null);
    // PR on 2024-06-26 confirmed by PR on 2024-10-16 (112 days ≥ 28).
    assert_eq!(r["best_overall_response"], "PR");
    assert_eq!(r["best_overall_response_confirmed"], "PR");
    assert_eq!(r["progression_date"], "2024-12-11");
    // everolimus start 2024-01-10 → 2024-12-11 = 336 days.
    assert!(close(&r["pfs_months"], 336.0 / DAYS_PER_MONTH));
    assert_eq!(r["pfs_origin"]["basis"], "everolimus.start_date");
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("UNVERIFIED"))
    );
    assert!(r["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn recist_text_and_svg_outputs() {
    let spider = tmp("spider.svg");
    let waterfall = tmp("waterfall.svg");
    let out = netrx(
        &[
            "recist",
            EXAMPLE,
            "--svg",
            spider.to_str().unwrap(),
            "--waterfall",
            waterfall.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Best overall response   PR unconfirmed; PR with confirmation"));
    assert!(text.contains("[UNVERIFIED]"));
    let svg = std::fs::read_to_string(&spider).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for needle in [
        "L1 (liver)",
        "N1 (mesenteric lymph node",
        "progression 2024-12-11",
        "PR: −30 %",
    ] {
        assert!(svg.contains(needle), "spider lacks {needle:?}");
    }
    let wf = std::fs::read_to_string(&waterfall).unwrap();
    let _ = std::fs::remove_file(&spider);
    let _ = std::fs::remove_file(&waterfall);
    // Best change of the sum before progression: 55 vs 91 = −39.6 %.
    assert!(wf.contains("Sum of diameters: best change −39.6 %"), "{wf}");
}

#[test]
fn recist_bad_input_is_exit_2_naming_the_lesion() {
    // A sixth target lesion at baseline.
    let mut c = example();
    for k in 0..3 {
        let lesion = serde_json::json!({ "id": format!("X{k}"), "organ": format!("organ{k}"), "diameter_mm": 20, "lymph_node": false });
        c["visits"][0]["target_lesions"].as_array_mut().unwrap().push(lesion);
    }
    let err = refused(&c, &["recist"]);
    assert!(
        err.contains("visits[0].target_lesions[5]") && err.contains("\"X2\""),
        "{err}"
    );
    // A follow-up lesion that was not at baseline.
    let mut c = example();
    c["visits"][2]["target_lesions"][1]["id"] = "L9".into();
    let err = refused(&c, &["recist"]);
    assert!(
        err.contains("visits[2].target_lesions[1].id") && err.contains("\"L9\""),
        "{err}"
    );
    // A node below 15 mm short axis at baseline.
    let mut c = example();
    c["visits"][0]["target_lesions"][2]["diameter_mm"] = 14.into();
    let err = refused(&c, &["recist"]);
    assert!(err.contains("\"N1\"") && err.contains("≥ 15 mm"), "{err}");
    // Options.
    let out = netrx(&["recist", EXAMPLE, "--confirmation-days", "0"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn qol_json_has_the_issue_keys_and_hand_computed_values() {
    let r = json_of(&["qol", EXAMPLE, "--json"]);
    for k in [
        "assessments",
        "deterioration",
        "time_to_deterioration_months",
        "warnings",
        "knowledge_version",
    ] {
        assert!(r.get(k).is_some(), "missing key {k}");
    }
    let a = r["assessments"].as_array().unwrap();
    for x in a {
        for k in ["date", "instrument", "scales", "valid"] {
            assert!(x.get(k).is_some(), "assessment lacks {k}");
        }
    }
    // FACT-G totals in the example: 82, 78, 77, 74, 79, 73, 72 (PWB+SWB+EWB+FWB as written).
    let totals: Vec<f64> = a
        .iter()
        .filter(|x| x["instrument"] == "FACT-G")
        .map(|x| x["scales"]["FACTG"].as_f64().unwrap())
        .collect();
    assert_eq!(totals, [82.0, 78.0, 77.0, 74.0, 79.0, 73.0, 72.0]);
    // 2024-08-19: GS7 skipped, SWB prorated 18 × 7 / 6 = 21; 26/27 answered, valid.
    let aug = a.iter().find(|x| x["date"] == "2024-08-19").unwrap();
    assert!(close(&aug["scales"]["SWB"], 21.0));
    assert_eq!(aug["valid"], true);
    // Default: definitive ≥ 7-point decrease. −8 on 2024-06-24 recovers to −3 (not definitive);
    // −9 on 2024-10-14 and −10 after it are. From 2024-01-10: 278 days.
    let ev: Vec<(&str, bool)> = r["deterioration"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["date"].as_str().unwrap(), e["counts"].as_bool().unwrap()))
        .collect();
    assert_eq!(ev, [("2024-06-24", false), ("2024-10-14", true), ("2024-12-09", true)]);
    assert!(close(&r["time_to_deterioration_months"], 278.0 / DAYS_PER_MONTH));
    assert_eq!(r["definition"]["threshold"], 7.0);
    assert!(r["definition"]["source"]["ref"].as_str().unwrap().contains("RADIANT-4"));
    // GI.NET21 is not scored without the licensed map, and says so.
    let gi = a.iter().find(|x| x["instrument"] == "QLQ-GINET21").unwrap();
    assert_eq!(gi["valid"], false);
    assert!(gi["scales"].as_object().unwrap().values().all(Value::is_null));
    // QLQ-C30 baseline: QL2 from Q29 = Q30 = 5 → (5 − 1)/6 × 100 = 66.667.
    let c30 = a.iter().find(|x| x["instrument"] == "QLQ-C30").unwrap();
    assert!(close(&c30["scales"]["QL2"], 400.0 / 6.0));
}

#[test]
fn qol_deterioration_options() {
    // Any drop counts: the −8 on 2024-06-24, 166 days from the start.
    let r = json_of(&["qol", EXAMPLE, "--json", "--any-drop"]);
    assert!(close(&r["time_to_deterioration_months"], 166.0 / DAYS_PER_MONTH));
    // A 12-point threshold is never reached: censored at the last FACT-G (2024-12-09, 334 days).
    let r = json_of(&["qol", EXAMPLE, "--json", "--mid", "12"]);
    assert_eq!(r["deterioration"].as_array().unwrap().len(), 0);
    assert_eq!(r["time_to_deterioration_event"], false);
    assert!(close(&r["time_to_deterioration_months"], 334.0 / DAYS_PER_MONTH));
    // QLQ-C30 global health status: 66.667 → 50 (Q29 = Q30 = 4) is −16.7 ≥ 10, twice → definitive
    // at 2024-04-29, 110 days from the start.
    let r = json_of(&["qol", EXAMPLE, "--json", "--definition", "c30_ql2_10"]);
    assert_eq!(r["definition"]["scale"], "QL2");
    assert!(close(&r["time_to_deterioration_months"], 110.0 / DAYS_PER_MONTH));
}

#[test]
fn qol_svg_shows_the_threshold_and_events() {
    let path = tmp("qol.svg");
    let out = netrx(&["qol", EXAMPLE, "--svg", path.to_str().unwrap()], None);
    assert!(out.status.success());
    let svg = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("FACTG ↑ better") && svg.contains(">−7<"));
    // Events are drawn in the large deterioration panel and again in the small FACTG panel.
    assert_eq!(svg.matches("— deterioration</title>").count(), 2 * 2);
    assert_eq!(svg.matches("not definitive</title>").count(), 2);
    assert!(svg.contains("Not scored: QLQ-GINET21 ED"));
}

#[test]
fn qol_bad_input_is_exit_2_naming_the_field() {
    let mut c = example();
    c["qol"][0]["items"]["GP1"] = 5.into();
    let err = refused(&c, &["qol"]);
    assert!(
        err.contains("qol[0].items.GP1") && err.contains("got 5") && err.contains("from 0 to 4"),
        "{err}"
    );
    let mut c = example();
    c["qol"][7]["items"]["Q52"] = 1.into();
    let err = refused(&c, &["qol"]);
    assert!(
        err.contains("qol[7].items.Q52") && err.contains("unknown item code"),
        "{err}"
    );
    let c = example();
    let err = refused(&c, &["qol", "--mid=-3"]);
    assert!(err.contains("--mid"), "{err}");
    let err = refused(&c, &["qol", "--definition", "nope"]);
    assert!(
        err.contains("--definition") && err.contains("radiant4_factg_7"),
        "{err}"
    );
    let err = refused(&c, &["qol", "--scale", "XYZ"]);
    assert!(err.contains("--scale"), "{err}");
    let bad = tmp("bad-instrument.toml");
    std::fs::write(&bad, "id = \"QLQ-GINET21\"\n").unwrap();
    let err = refused(&c, &["qol", "--instrument-file", bad.to_str().unwrap()]);
    let _ = std::fs::remove_file(&bad);
    assert!(err.contains("--instrument-file"), "{err}");
}

#[test]
fn qol_scores_ginet21_with_a_site_supplied_map() {
    // A SYNTHETIC map (ED = Q31–Q33, …, WG = Q51), only to exercise --instrument-file; not the EORTC map.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../knowledge/qol/qlq-ginet21.toml"
    ))
    .unwrap();
    let maps = [
        "[\"Q31\", \"Q32\", \"Q33\"]",
        "[\"Q34\", \"Q35\", \"Q36\", \"Q37\", \"Q38\"]",
        "[\"Q39\", \"Q40\"]",
        "[\"Q41\", \"Q42\", \"Q43\"]",
        "[\"Q44\", \"Q45\", \"Q46\"]",
        "[\"Q47\"]",
        "[\"Q48\"]",
        "[\"Q49\"]",
        "[\"Q50\"]",
        "[\"Q51\"]",
    ];
    let mut site = text;
    for m in maps {
        site = site.replacen("items = []", &format!("items = {m}"), 1);
    }
    let path = tmp("ginet21-site.toml");
    std::fs::write(&path, site).unwrap();
    let r = json_of(&["qol", EXAMPLE, "--json", "--instrument-file", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    let gi = r["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["instrument"] == "QLQ-GINET21")
        .unwrap();
    // Example responses Q31–Q33 = 2 2 1: RS 5/3 → (2/3)/3 × 100 = 22.222; Q51 = 1 → 0.
    assert!(close(&gi["scales"]["ED"], 200.0 / 9.0));
    assert!(close(&gi["scales"]["WG"], 0.0));
    assert_eq!(gi["valid"], true);
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("site-supplied definition"))
    );
}

#[test]
fn cli_json_equals_the_capability_output() {
    let kb = netrx_kb::Kb::embedded().unwrap();
    let case = netrx_clinical::load_case(&std::fs::read_to_string(EXAMPLE).unwrap(), kb).unwrap();
    let opts = netrx_clinical::capability::Options::default();
    for (cap, cmd) in [("recist", "recist"), ("qol", "qol")] {
        let c = netrx_clinical::capability::Capability::from_id(cap).expect("capability exists");
        let lib = netrx_clinical::capability::evaluate(c, &case, kb, &opts).unwrap();
        let cli = json_of(&[cmd, EXAMPLE, "--json"]);
        assert_eq!(lib, cli, "{cap}");
    }
}
