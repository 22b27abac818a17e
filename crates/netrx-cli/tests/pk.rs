//! `netrx pk` run as a user runs it: the JSON contracts of issue 9 (exact keys),
//! the reference values of shared/reference/pk.md §8 through the binary (1e-6
//! relative), determinism of `population` across thread counts, the TDM output equal
//! to capability `pk`, SVG output, and bad input as exit code 2 with one line naming
//! the field.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const TDM_EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/pnet-everolimus-tdm.json");
const TOL: f64 = 1e-6;

fn netrx_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netrx"));
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("netrx runs")
}

fn netrx(args: &[&str]) -> Output {
    netrx_env(args, &[])
}

fn json_of(args: &[&str]) -> Value {
    let out = netrx(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

fn expect_input_error(args: &[&str], field: &str) -> String {
    let out = netrx(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(field), "{args:?}: expected field {field} in {err}");
    assert!(out.stdout.is_empty());
    err
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netrx-pk-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn simulate_json_keys_and_reference_values() {
    let v = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "15",
        "--json",
    ]);
    for k in [
        "times_h",
        "conc_ng_ml",
        "cmax",
        "cmin",
        "auc_tau",
        "ss_trough",
        "model",
        "knowledge_version",
    ] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(v["model"], "dewit2016");
    assert!(v["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
    // pk.md §8: SS trough 12.880103; the last interval of 15 daily doses starts at the
    // trough after 14 doses, 12.879759 (its minimum); AUC_ss = F·D/CL = 10/17.4·1000.
    assert!(rel(v["ss_trough"].as_f64().unwrap(), 12.880103) < TOL);
    assert!(rel(v["cmin"].as_f64().unwrap(), 12.879759) < TOL);
    assert!(rel(v["ss_auc_tau"].as_f64().unwrap(), 10.0 / 17.4 * 1000.0) < 1e-12);
    let t = nums(&v["times_h"]);
    let c = nums(&v["conc_ng_ml"]);
    assert_eq!(t.len(), 15 * 48 + 1);
    assert_eq!((t[0], *t.last().unwrap()), (0.0, 360.0));
    assert_eq!(nums(&v["last_interval_h"]), vec![336.0, 360.0]);
    // Single-dose values of §8 during the first interval (step 0.5 h).
    for (ti, want) in [(0.5, 58.516199), (1.0, 59.45448), (2.0, 40.545616), (12.0, 9.959921)] {
        let i = t.iter().position(|x| *x == ti).unwrap();
        assert!(rel(c[i], want) < TOL, "C({ti}) = {}", c[i]);
    }
    // Time to 90 % of the SS trough: trough after 3 doses is 89.5 %, after 4 above 90 % (§8 table).
    assert_eq!(v["time_to_90pct_ss_h"].as_f64(), Some(96.0));
    // The history form gives a null ss_trough.
    let h = tmp("hist.json");
    std::fs::write(&h, r#"[{"time_h": 0, "dose_mg": 10}, {"time_h": 24, "dose_mg": 10}]"#).unwrap();
    let v = json_of(&[
        "pk",
        "simulate",
        "--history",
        h.to_str().unwrap(),
        "--days",
        "2",
        "--json",
    ]);
    assert!(v["ss_trough"].is_null());
    // The last interval is [24, 48]: its minimum is the trough after 1 dose, 6.80894 (§8);
    // the concentration at its end is the trough after 2 doses, 10.018397.
    assert_eq!(nums(&v["last_interval_h"]), vec![24.0, 48.0]);
    assert!(rel(v["cmin"].as_f64().unwrap(), 6.80894) < TOL);
    assert!(rel(*nums(&v["conc_ng_ml"]).last().unwrap(), 10.018397) < TOL);
}

#[test]
fn at_reproduces_reference_values() {
    let v = json_of(&[
        "pk",
        "at",
        "--dose",
        "10",
        "--interval",
        "24",
        "--steady-state",
        "--times-h",
        "0,0.5,1,2,4,12,24",
        "--json",
    ]);
    assert_eq!(v["model"], "dewit2016");
    assert_eq!(v["steady_state"], true);
    let want = [
        12.880103, 71.196047, 71.937187, 52.643192, 31.613661, 18.802834, 12.880103,
    ];
    for (c, w) in nums(&v["conc_ng_ml"]).iter().zip(want) {
        assert!(rel(*c, w) < TOL, "{c} vs {w}");
    }
    // Regimen from time 0: troughs after n daily doses at t = 24 n (§8).
    let v = json_of(&[
        "pk",
        "at",
        "--dose",
        "10",
        "--interval",
        "24",
        "--times-h",
        "24,48,72,120,168,336",
        "--json",
    ]);
    let want = [6.80894, 10.018397, 11.531208, 12.580405, 12.813516, 12.879759];
    for (c, w) in nums(&v["conc_ng_ml"]).iter().zip(want) {
        assert!(rel(*c, w) < TOL, "{c} vs {w}");
    }
    // A history: single doses superpose.
    let h = tmp("hist_at.json");
    std::fs::write(&h, r#"[{"time_h": 0, "dose_mg": 10}]"#).unwrap();
    let v = json_of(&[
        "pk",
        "at",
        "--history",
        h.to_str().unwrap(),
        "--times-h",
        "0.25,48,96",
        "--json",
    ]);
    for (c, w) in nums(&v["conc_ng_ml"]).iter().zip([42.736895, 3.2094568, 0.7130794]) {
        assert!(rel(*c, w) < TOL, "{c} vs {w}");
    }
    // Text output has one line per time.
    let out = netrx(&["pk", "at", "--dose", "10", "--interval", "24", "--times-h", "1,2"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("59.4544"));
}

#[test]
fn comedication_and_hepatic_modifiers_scale_exposure() {
    let base = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--json",
    ]);
    // Verapamil: CL/F / 3.5 → AUC_ss × 3.5 exactly (knowledge/pk/interactions.toml).
    let v = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--comedication",
        "verapamil",
        "--json",
    ]);
    let r = v["ss_auc_tau"].as_f64().unwrap() / base["ss_auc_tau"].as_f64().unwrap();
    assert!(rel(r, 3.5) < 1e-12, "{r}");
    // A spelling variant resolves through the medication vocabulary (rifampin → rifampicin).
    let v = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--comedication",
        "rifampin",
        "--json",
    ]);
    assert_eq!(v["modifiers"][0]["id"], "rifampicin");
    let r = v["ss_auc_tau"].as_f64().unwrap() / base["ss_auc_tau"].as_f64().unwrap();
    assert!(rel(r, 0.37) < 1e-12, "{r}");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("avoid"))
    );
    // Child-Pugh B: AUC × 3.26.
    let v = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--child-pugh",
        "B",
        "--json",
    ]);
    let r = v["ss_auc_tau"].as_f64().unwrap() / base["ss_auc_tau"].as_f64().unwrap();
    assert!(rel(r, 3.26) < 1e-12, "{r}");
}

#[test]
fn population_contract_and_determinism_across_threads() {
    let args = ["pk", "population", "--n", "20000", "--seed", "42", "--json"];
    let one = netrx_env(&args, &[("RAYON_NUM_THREADS", "1")]);
    let two = netrx_env(&args, &[("RAYON_NUM_THREADS", "2")]);
    assert!(one.status.success() && two.status.success());
    assert_eq!(
        one.stdout, two.stdout,
        "same seed, different thread counts, same result"
    );
    let v: Value = serde_json::from_slice(&one.stdout).unwrap();
    for k in ["n", "seed", "target", "regimens", "knowledge_version"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["n"], 20000);
    assert_eq!(v["seed"], 42);
    assert_eq!(nums(&v["target"]), vec![10.0, 20.0]);
    let regs = v["regimens"].as_array().unwrap();
    let got: Vec<(f64, f64)> = regs
        .iter()
        .map(|r| (r["dose_mg"].as_f64().unwrap(), r["interval_h"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![(2.5, 24.0), (5.0, 24.0), (7.5, 24.0), (10.0, 24.0), (5.0, 48.0)]
    );
    for r in regs {
        let q = &r["trough_quantiles"];
        let qs: Vec<f64> = ["p05", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|k| q[k].as_f64().unwrap())
            .collect();
        assert!(qs.windows(2).all(|w| w[0] <= w[1]), "quantiles ordered");
        let pta = r["pta"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&pta));
    }
    // Dose linearity across regimens with the same interval: quantiles scale with dose.
    let q = |i: usize, k: &str| regs[i]["trough_quantiles"][k].as_f64().unwrap();
    assert!(rel(q(3, "p50"), 4.0 * q(0, "p50")) < 1e-12);
    // Typical patient on 10 mg daily: 12.880103 (§8).
    assert!(rel(regs[3]["typical"].as_f64().unwrap(), 12.880103) < TOL);
    // With CL log-normal (omega² 0.1162) and a trough ~ proportional to 1/CL^1.5 near the
    // typical values (pk.md §5.2: d ln C / d eta_CL = −1.53), the median trough sits near
    // the typical value: within 10 %.
    assert!(rel(q(3, "p50"), 12.880103) < 0.10, "median {}", q(3, "p50"));
    // Another seed gives another sample.
    let other = json_of(&["pk", "population", "--n", "20000", "--seed", "43", "--json"]);
    assert_ne!(
        other["regimens"][3]["trough_quantiles"]["p50"],
        v["regimens"][3]["trough_quantiles"]["p50"]
    );
}

#[test]
fn population_regimen_and_target_options() {
    let v = json_of(&[
        "pk",
        "population",
        "--n",
        "5000",
        "--seed",
        "3",
        "--regimen",
        "5@24",
        "--regimen",
        "2.5@48",
        "--target-low",
        "5",
        "--target-high",
        "15",
        "--json",
    ]);
    assert_eq!(nums(&v["target"]), vec![5.0, 15.0]);
    assert_eq!(v["regimens"].as_array().unwrap().len(), 2);
    assert_eq!(v["regimens"][1]["interval_h"], 48.0);
    expect_input_error(&["pk", "population", "--regimen", "5mg"], "--regimen");
    expect_input_error(&["pk", "population", "--regimen", "5@0"], "--regimen");
    expect_input_error(&["pk", "population", "--n", "1"], "--n");
    expect_input_error(
        &["pk", "population", "--target-low", "20", "--target-high", "10"],
        "--target-low",
    );
}

#[test]
fn tdm_contract_matches_capability() {
    let v = json_of(&["pk", "tdm", TDM_EXAMPLE, "--json"]);
    for k in [
        "map_params",
        "predicted_troughs",
        "recommended",
        "pta",
        "warnings",
        "knowledge_version",
    ] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
    // The routine-TDM caveat and the target caveat are shown.
    assert!(v["warnings"][0].as_str().unwrap().contains("not routine in NET"));
    assert!(
        v["target_caveat"]
            .as_str()
            .unwrap()
            .contains("NOT label-endorsed for NET")
    );
    assert!(
        v["recommended"]["label"]
            .as_str()
            .unwrap()
            .contains("Model-based suggestion")
    );
    // The recommended regimen is a real tablet strength.
    let d = v["recommended"]["dose_mg"].as_f64().unwrap();
    assert!([2.5, 5.0, 7.5, 10.0].contains(&d), "{d}");
    // A measured trough above the population prediction lowers the clearance estimate.
    let cl = &v["map_params"]["estimates"][0];
    assert_eq!(cl["param"], "CL/F");
    assert!(cl["eta"].as_f64().unwrap() < 0.0);
    // Same JSON as the capability dispatcher (CLI and server share the library call).
    let kb = netrx_kb::Kb::embedded().unwrap();
    let case = netrx_clinical::load_case(&std::fs::read_to_string(TDM_EXAMPLE).unwrap(), kb).unwrap();
    let cap = netrx_clinical::capability::evaluate(
        netrx_clinical::capability::Capability::Pk,
        &case,
        kb,
        &netrx_clinical::capability::Options::default(),
    )
    .unwrap();
    assert_eq!(cap, v);
}

#[test]
fn svg_outputs_draw_curve_and_band() {
    let p = tmp("sim.svg");
    let out = netrx(&[
        "pk",
        "simulate",
        "--dose",
        "5",
        "--interval",
        "48",
        "--days",
        "10",
        "--svg",
        p.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(&p).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("target-band") && svg.contains("class=\"concentration\""));
    let p = tmp("tdm.svg");
    let out = netrx(&["pk", "tdm", TDM_EXAMPLE, "--svg", p.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(&p).unwrap();
    assert_eq!(svg.matches("class=\"observed\"").count(), 2);
}

#[test]
fn bad_input_is_exit_2_naming_the_field() {
    let e = expect_input_error(
        &[
            "pk",
            "simulate",
            "--dose",
            "10",
            "--interval",
            "24",
            "--days",
            "7",
            "--comedication",
            "grapefruit_xyz",
        ],
        "--comedication",
    );
    assert!(
        e.contains("verapamil") && e.contains("rifampicin"),
        "lists the allowed ids: {e}"
    );
    expect_input_error(
        &["pk", "simulate", "--dose", "10", "--interval", "24", "--days", "0"],
        "--days",
    );
    expect_input_error(
        &["pk", "simulate", "--dose=-1", "--interval", "24", "--days", "3"],
        "--dose",
    );
    expect_input_error(
        &[
            "pk",
            "simulate",
            "--dose",
            "10",
            "--interval",
            "24",
            "--days",
            "3",
            "--step-h",
            "0",
        ],
        "--step-h",
    );
    expect_input_error(
        &[
            "pk",
            "simulate",
            "--dose",
            "10",
            "--interval",
            "24",
            "--days",
            "3",
            "--model",
            "nope",
        ],
        "--model",
    );
    expect_input_error(
        &[
            "pk",
            "simulate",
            "--dose",
            "10",
            "--interval",
            "24",
            "--days",
            "3",
            "--weight",
            "0",
        ],
        "--weight",
    );
    let h = tmp("bad_hist.json");
    std::fs::write(&h, r#"[{"time_h": 0, "dose_mg": 10, "extra": 1}]"#).unwrap();
    expect_input_error(
        &["pk", "simulate", "--history", h.to_str().unwrap(), "--days", "3"],
        "--history",
    );
    std::fs::write(&h, r#"[{"time_h": -5, "dose_mg": 10}]"#).unwrap();
    expect_input_error(
        &["pk", "simulate", "--history", h.to_str().unwrap(), "--days", "3"],
        "--history[0].time_h",
    );
    expect_input_error(
        &["pk", "at", "--dose", "10", "--interval", "24", "--times-h", "1,x"],
        "--times-h",
    );
    // A case without samples.
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(TDM_EXAMPLE).unwrap()).unwrap();
    case["everolimus"]["samples"] = Value::Array(vec![]);
    let p = tmp("nosamples.json");
    std::fs::write(&p, case.to_string()).unwrap();
    expect_input_error(&["pk", "tdm", p.to_str().unwrap()], "everolimus.samples");
    // Mixed offsets: one sample without a UTC offset.
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(TDM_EXAMPLE).unwrap()).unwrap();
    case["everolimus"]["samples"][0]["datetime"] = Value::String("2024-03-15T07:30:00".into());
    std::fs::write(&p, case.to_string()).unwrap();
    expect_input_error(&["pk", "tdm", p.to_str().unwrap()], "everolimus.samples[0].datetime");
}

#[test]
fn population_weight_distribution_widens_the_spread() {
    let fixed = json_of(&[
        "pk",
        "population",
        "--n",
        "20000",
        "--seed",
        "5",
        "--regimen",
        "10@24",
        "--json",
    ]);
    let spread = json_of(&[
        "pk",
        "population",
        "--n",
        "20000",
        "--seed",
        "5",
        "--regimen",
        "10@24",
        "--weight-cv",
        "0.3",
        "--json",
    ]);
    assert_eq!(spread["weight_cv"], 0.3);
    let width = |v: &Value| {
        let q = &v["regimens"][0]["trough_quantiles"];
        q["p95"].as_f64().unwrap() / q["p05"].as_f64().unwrap()
    };
    // Weight acts on CL/F (exponent 0.75) on top of the IIV: the 90 % range widens.
    assert!(
        width(&spread) > width(&fixed),
        "{} vs {}",
        width(&spread),
        width(&fixed)
    );
    expect_input_error(&["pk", "population", "--weight-cv=-1"], "--weight-cv");
}

#[test]
fn tdm_respects_the_child_pugh_c_ceiling_and_resolves_aliases() {
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(TDM_EXAMPLE).unwrap()).unwrap();
    case["patient"]["child_pugh"] = Value::String("C".into());
    case["medications"] = serde_json::json!(["rifampin"]);
    let p = tmp("cp_c.json");
    std::fs::write(&p, case.to_string()).unwrap();
    let v = json_of(&["pk", "tdm", p.to_str().unwrap(), "--json"]);
    // Every candidate is within the label's 2.5 mg/day maximum for Child-Pugh C (the current
    // 10 mg regimen is still predicted, flagged as current).
    for r in v["predicted_troughs"].as_array().unwrap() {
        let daily = r["dose_mg"].as_f64().unwrap() * 24.0 / r["interval_h"].as_f64().unwrap();
        assert!(daily <= 2.5 || r["is_current"] == true, "{r}");
    }
    let rec = &v["recommended"];
    assert!(rec["dose_mg"].as_f64().unwrap() * 24.0 / rec["interval_h"].as_f64().unwrap() <= 2.5);
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Child-Pugh C") && w.contains("exceeds the label maximum")),
        "{warnings:?}"
    );
    // rifampin (a spelling variant) is applied as rifampicin, together with Child-Pugh C: flagged.
    let ids: Vec<&str> = v["modifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["rifampicin", "child_pugh_C"]);
    assert!(warnings.iter().any(|w| w.contains("Several exposure modifiers")));
}

/// The optional independent check against scipy's DOP853 ODE solver
/// (tests/python/pk_scipy_check.py, 1e-6 relative) runs when python3 with scipy is present;
/// under `CI=true` (where .ci/run installs scipy) a missing scipy fails the test.
#[test]
fn scipy_ode_cross_check_when_available() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let has_scipy = Command::new("python3")
        .args(["-c", "import scipy, numpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !has_scipy {
        assert!(
            std::env::var("CI").map(|v| v != "true").unwrap_or(true),
            "python3 with numpy and scipy is required under CI=true (.ci/run installs them)"
        );
        eprintln!(
            "python3 with scipy not found: scipy cross-check skipped (the RK45 validation in netrx-pk still runs)"
        );
        return;
    }
    let out = Command::new("python3")
        .arg(format!("{root}/tests/python/pk_scipy_check.py"))
        .arg(env!("CARGO_BIN_EXE_netrx"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "scipy cross-check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Through the case adapter: no dose records, one trough of 6 ng/mL on 10 mg daily, 70 kg —
/// the worked example of shared/reference/pk.md §5.2 (MAP eta_CL +0.415, IPRED 6.6 ng/mL,
/// exact dose for 15 ng/mL 22.7 mg); and dose records that start after `start_date` get the
/// earlier doses assumed (at the dose in force from `history`), with a warning.
#[test]
fn tdm_case_adapter_reproduces_the_worked_example() {
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(TDM_EXAMPLE).unwrap()).unwrap();
    case["patient"]["weight_kg"] = serde_json::json!(70);
    case["medications"] = serde_json::json!([]);
    case["everolimus"]["doses"] = serde_json::json!([]);
    case["everolimus"]["samples"] = serde_json::json!([{ "datetime": "2024-03-15T07:30:00+01:00", "conc_ng_ml": 6.0 }]);
    let p = tmp("worked.json");
    std::fs::write(&p, case.to_string()).unwrap();
    let v = json_of(&["pk", "tdm", p.to_str().unwrap(), "--json"]);
    let eta = v["map_params"]["estimates"][0]["eta"].as_f64().unwrap();
    assert!((eta - 0.415).abs() < 0.002, "eta_CL {eta}");
    let ipred = v["fit"][0]["ipred_ng_ml"].as_f64().unwrap();
    assert!((ipred - 6.6).abs() < 0.06, "IPRED {ipred}");
    let exact = v["recommended"]["exact_dose_for_target_mid_mg"].as_f64().unwrap();
    assert!((exact - 22.7).abs() < 0.06, "exact dose {exact}");
    assert!(v["dosing_record"]["assumed_prior_steady_state"].is_object());
    // Standard strengths cannot reach the window (PTA at 10 mg ≈ 7 %): the suggestion is the
    // standard maximum, 10 mg daily, and the warning says no regimen reaches 50 %.
    assert_eq!(v["recommended"]["dose_mg"], 10.0);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("No candidate regimen"))
    );

    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(TDM_EXAMPLE).unwrap()).unwrap();
    case["everolimus"]["start_date"] = serde_json::json!("2024-02-20");
    case["everolimus"]["history"] =
        serde_json::json!([{ "date": "2024-02-20", "dose_mg": 5, "frequency": "daily", "reason": "started low" }]);
    std::fs::write(&p, case.to_string()).unwrap();
    let v = json_of(&["pk", "tdm", p.to_str().unwrap(), "--json"]);
    assert_eq!(v["dosing_record"]["assumed_doses"], 10);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("10 doses between start_date"))
    );
}

/// The population against an independent implementation: numpy's PCG64 normals and the
/// textbook partial-fraction steady-state trough (scripts/bench/pk_numpy.py), 4,000,000
/// patients, 10 mg every 24 h, de Wit 2016 at 70 kg (computed with
/// `rng = np.random.default_rng(2024)`, four draws of 1e6 through `draw`/`ss_trough`):
/// quantiles 5.2022 / 9.0664 / 12.9995 / 18.2773 / 28.9461 ng/mL, P(10–20) 0.49456, mean
/// 14.5088. Monte Carlo error with 200,000 patients here: < 0.5 % on the quantiles, 0.0011 on
/// the PTA; tolerances 2 % and 0.006.
#[test]
fn population_matches_an_independent_numpy_simulation() {
    let v = json_of(&[
        "pk",
        "population",
        "--n",
        "200000",
        "--seed",
        "11",
        "--regimen",
        "10@24",
        "--json",
    ]);
    let r = &v["regimens"][0];
    let oracle = [
        ("p05", 5.2022),
        ("p25", 9.0664),
        ("p50", 12.9995),
        ("p75", 18.2773),
        ("p95", 28.9461),
    ];
    for (k, want) in oracle {
        let got = r["trough_quantiles"][k].as_f64().unwrap();
        assert!(rel(got, want) < 0.02, "{k}: {got} vs numpy {want}");
    }
    assert!((r["pta"].as_f64().unwrap() - 0.49456).abs() < 0.006, "PTA {}", r["pta"]);
    assert!(rel(r["mean"].as_f64().unwrap(), 14.5088) < 0.02, "mean {}", r["mean"]);
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

fn regimen_pairs(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["dose_mg"].as_f64().unwrap(), r["interval_h"].as_f64().unwrap()))
        .collect()
}

/// Audit C1: the default regimens come from knowledge/pk/regimens.toml, per --region; the
/// issue 9 contract ("2.5, 5, 7.5, 10 mg every 24 h, and 5 mg every 48 h") is the US default
/// and each regimen carries its basis in the region.
#[test]
fn population_default_regimens_by_region_with_their_basis() {
    let contract = vec![(2.5, 24.0), (5.0, 24.0), (7.5, 24.0), (10.0, 24.0), (5.0, 48.0)];
    let us = json_of(&["pk", "population", "--n", "1000", "--seed", "5", "--json"]);
    assert_eq!(us["region"], "us");
    assert_eq!(us["regimens_from"], "default");
    assert_eq!(us["default_regimens_source"]["status"], "derived");
    assert_eq!(regimen_pairs(&us["regimens"]), contract);
    assert_eq!(regimen_pairs(&us["regimen_basis"]), contract);
    let basis: Vec<&str> = us["regimen_basis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["basis"].as_str().unwrap())
        .collect();
    // 5 mg every other day: a US tablet, not a step of the US ladder (which ends at 2.5 mg
    // every other day, clinical-rules.md §B.4).
    assert_eq!(
        basis,
        vec![
            "tablet_strength",
            "tablet_strength",
            "tablet_strength",
            "tablet_strength",
            "not_a_label_regimen"
        ]
    );
    assert!(us["not_available_in_region"].as_array().unwrap().is_empty());

    // EU: no 7.5 mg tablet (clinical-rules.md §B.2) — 5 + 2.5 mg; 5 mg every other day is
    // the EU ladder's last step.
    let eu = json_of(&[
        "pk",
        "population",
        "--n",
        "1000",
        "--seed",
        "5",
        "--region",
        "eu",
        "--json",
    ]);
    assert_eq!(eu["region"], "eu");
    assert_eq!(regimen_pairs(&eu["regimens"]), contract);
    let b75 = &eu["regimen_basis"][2];
    assert_eq!(b75["basis"], "combined_tablets");
    assert_eq!(nums(&b75["tablets_mg"]), vec![5.0, 2.5]);
    assert!(b75["note"].as_str().unwrap().contains("No 7.5 mg tablet in the EU"));
    assert_eq!(eu["regimen_basis"][4]["basis"], "label_every_other_day");
    // Same seed, same patients: the region changes the notes, not the numbers.
    assert_eq!(us["regimens"], eu["regimens"]);

    // Text output explains each regimen.
    let out = netrx(&["pk", "population", "--n", "1000", "--region", "eu"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("combined tablets") && text.contains("5 + 2.5 mg tablets"),
        "{text}"
    );

    // The help names the data, not numbers that could drift from it.
    let help = String::from_utf8_lossy(&netrx(&["pk", "population", "--help"]).stdout).to_string();
    assert!(help.contains("knowledge/pk/regimens.toml"), "{help}");
    assert!(!help.contains("2.5, 5") && !help.contains("every 48 h"), "{help}");

    // Given regimens are classified too; one the region's tablets cannot make up is flagged.
    let v = json_of(&[
        "pk",
        "population",
        "--n",
        "1000",
        "--regimen",
        "3@24",
        "--regimen",
        "2.5@48",
        "--json",
    ]);
    assert_eq!(v["regimens_from"], "given");
    assert_eq!(v["regimen_basis"][0]["basis"], "not_available");
    assert_eq!(v["regimen_basis"][1]["basis"], "label_every_other_day");
    assert!(strs(&v["warnings"]).iter().any(|w| w.contains("--regimen 3@24")), "{v}");
    let out = netrx(&["pk", "population", "--region", "jp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--region"));
}

/// Audit A9: a Child-Pugh multiplier is UNVERIFIED (clinical-rules.md §B.2, §D.8), and every
/// `netrx pk` output that applies one says so.
#[test]
fn child_pugh_multipliers_are_shown_unverified() {
    let v = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--child-pugh",
        "A",
        "--json",
    ]);
    assert_eq!(v["modifiers"][0]["id"], "child_pugh_A");
    assert_eq!(v["modifiers"][0]["source"]["status"], "unverified");
    assert!(
        strs(&v["warnings"])
            .iter()
            .any(|w| w.contains("Child-Pugh A") && w.contains("UNVERIFIED") && w.contains("1.6")),
        "{v}"
    );
    let out = netrx(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--child-pugh",
        "B",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("child_pugh_B (CL/F x0.307, UNVERIFIED)"), "{text}");
    let out = netrx(&["pk", "population", "--n", "1000", "--child-pugh", "C"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("UNVERIFIED"), "{text}");
    // Child-Pugh C: the regimens above the label's 2.5 mg daily maximum are named.
    assert!(text.contains("the label's maximum is 2.5 mg daily"), "{text}");
    // No multiplier, no mark.
    let v = json_of(&[
        "pk",
        "simulate",
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "7",
        "--json",
    ]);
    assert!(!strs(&v["warnings"]).iter().any(|w| w.contains("UNVERIFIED")), "{v}");
}

/// Audits B15 and C3: the sampling advice is data with its sources (the ~2-week re-check is
/// the SEGA/TSC label's, pk.md §3; about 90 % of steady state by day 3, pk.md §1.1), and the
/// suggestion's decision settings are listed with their sources.
#[test]
fn tdm_sampling_advice_and_design_choices_are_sourced() {
    let v = json_of(&["pk", "tdm", TDM_EXAMPLE, "--json"]);
    let advice = v["sampling_advice"].as_str().unwrap();
    assert!(advice.contains("SEGA/TSC label"), "{advice}");
    assert!(advice.contains("90 % of steady state by day 3,"), "{advice}");
    assert!(!advice.contains("day 3-4"), "{advice}");
    let sampling = v["sampling"].as_array().unwrap();
    assert_eq!(sampling.len(), 3);
    assert!(
        sampling
            .iter()
            .all(|s| s["source"]["ref"].as_str().is_some_and(|r| r.contains("pk.md")))
    );
    let a = strs(&v["recommended"]["assumptions"]).join("\n");
    assert!(a.contains("±5 prior SD") && a.contains("pk.md §7"), "{a}");
    assert!(a.contains("netrx design choice [derived]"), "{a}");
    assert!(a.contains("0.75 × the dosing interval"), "{a}");
    assert!(!a.contains("4-6 days"), "{a}");
}
