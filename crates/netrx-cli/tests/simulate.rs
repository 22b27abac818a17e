//! `netrx simulate` / `netrx simulate-merge` run as a user runs them: the JSON contract
//! (modelling label, knowledge version, outcomes with PSA intervals, comparison, inputs with
//! sources, assumptions), identical results across --threads and across sharding + merge
//! (exact equality of the merged output), SVG output, costs, and bad input as exit code 2
//! with one stderr line naming the key or option.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const PNET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sequences/pnet.toml");
const MIDGUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/sequences/midgut.toml");

fn netrx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .output()
        .expect("netrx runs")
}

fn ok(args: &[&str]) -> Output {
    let out = netrx(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_slice(&ok(args).stdout).expect("JSON on stdout")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netrx-simulate-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d.join(name)
}

fn input_error(args: &[&str], field: &str) -> String {
    let out = netrx(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with(&format!("error: {field}: ")), "field {field}: {err}");
    err
}

fn outcome<'a>(seq: &'a Value, key: &str) -> &'a Value {
    seq["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o[0] == key)
        .map(|o| &o[1])
        .unwrap_or_else(|| panic!("outcome {key}"))
}

#[test]
fn json_report_is_labelled_sourced_and_complete() {
    let v = json_of(&[
        "simulate",
        PNET,
        "--patients",
        "3000",
        "--psa",
        "8",
        "--seed",
        "3",
        "--json",
    ]);
    assert!(v["label"].as_str().unwrap().starts_with("MODELLING, NOT EVIDENCE"));
    let version = String::from_utf8_lossy(&ok(&["--version"]).stdout).to_string();
    let kv = v["knowledge_version"].as_str().unwrap();
    assert!(kv.starts_with("sha256:") && version.contains(kv), "{kv} in {version}");
    assert_eq!(v["run"]["patients"], 3000);
    assert_eq!(v["run"]["psa_draws"], 8);
    let seqs = v["sequences"].as_array().unwrap();
    assert_eq!(seqs.len(), 2);
    assert_eq!(seqs[0]["id"], "everolimus_first");
    for s in seqs {
        for key in ["total_pfs", "os", "on_treatment", "aes", "qalys"] {
            let o = outcome(s, key);
            assert!(o["mean"].as_f64().unwrap().is_finite(), "{key}");
            let p = &o["psa_mean"];
            assert!(p["lower"].as_f64().unwrap() <= p["upper"].as_f64().unwrap(), "{key}");
        }
        assert!(outcome(s, "os")["median"].as_f64().is_some());
        assert!(outcome(s, "total_pfs")["psa_median"]["lower"].as_f64().is_some());
        assert_eq!(s["per_line"].as_array().unwrap().len(), 4);
        // Without costs there is no cost outcome.
        assert!(s["outcomes"].as_array().unwrap().iter().all(|o| o[0] != "costs"));
    }
    // Line 1 (SSA) starts for everyone; OS ≥ total PFS for the mean.
    assert_eq!(seqs[0]["per_line"][0]["started"], 1.0);
    assert!(outcome(&seqs[0], "os")["mean"].as_f64() >= outcome(&seqs[0], "total_pfs")["mean"].as_f64());
    let cmp = &v["comparison"][0];
    assert_eq!(
        (cmp["sequence"].as_str(), cmp["versus"].as_str()),
        (Some("prrt_first"), Some("everolimus_first"))
    );
    assert!(
        cmp["differences"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["psa"]["lower"].is_number())
    );
    assert_eq!(v["probability_most_qalys"].as_array().unwrap().len(), 2);
    // Inputs carry the trial source and status; illustrative inputs are marked.
    let inputs = v["inputs"].as_array().unwrap();
    let eve = inputs.iter().find(|i| i["name"] == "everolimus.median_months").unwrap();
    assert_eq!(eve["value"], 11.0);
    assert!(eve["source"].as_str().unwrap().contains("RADIANT-3"));
    assert_eq!(eve["status"], "verified");
    assert!(inputs.iter().any(|i| i["status"] == "illustrative"));
    assert!(inputs.iter().any(|i| i["status"] == "unverified"));
    assert!(v["assumptions"].as_array().unwrap().len() >= 8);
    assert!(v["warnings"][0].as_str().unwrap().contains("ILLUSTRATIVE"));
    assert_eq!(v["psa_draws"].as_array().unwrap().len(), 8);
}

#[test]
fn text_report_has_label_assumptions_and_sources() {
    let out = ok(&["simulate", MIDGUT, "--patients", "2000", "--seed", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().nth(2).unwrap().starts_with("MODELLING, NOT EVIDENCE"));
    assert!(
        text.trim_end()
            .ends_with("must not be read as evidence that one sequence is better.")
    );
    for needle in [
        "Assumptions:",
        "Warnings:",
        "Inputs",
        "NETTER-1",
        "PROMID",
        "UNVERIFIED",
        "ILLUSTRATIVE",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("patient-lines"), "{err}");
}

#[test]
fn threads_and_shards_give_identical_results() {
    let base = [
        "simulate",
        PNET,
        "--patients",
        "9000",
        "--psa",
        "3",
        "--seed",
        "11",
        "--json",
    ];
    let one = ok(&[&base[..], &["--threads", "1"]].concat()).stdout;
    let two = ok(&[&base[..], &["--threads", "2"]].concat()).stdout;
    assert_eq!(one, two, "--threads must not change results");
    // Four shards (units: 4 draws × 2 blocks = 8), merged in scrambled order.
    let mut parts = Vec::new();
    for i in [2, 0, 3, 1] {
        let p = tmp(&format!("part-{i}.json"));
        let shard = format!("{i}/4");
        let out = json_of(&[
            "simulate",
            PNET,
            "--patients",
            "9000",
            "--psa",
            "3",
            "--seed",
            "11",
            "--shard",
            &shard,
            "--out",
            p.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(out["shard"], shard);
        assert!(out["label"].as_str().unwrap().starts_with("MODELLING"));
        parts.push(p);
    }
    let mut args = vec!["simulate-merge".to_string()];
    args.extend(parts.iter().map(|p| p.display().to_string()));
    args.push("--json".into());
    let merged_path = tmp("merged.json");
    args.push("--out".into());
    args.push(merged_path.display().to_string());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let merged = ok(&a).stdout;
    assert_eq!(merged, one, "merged shards must equal the single run exactly");
    // The merged part is itself a complete part.
    let again = ok(&["simulate-merge", merged_path.to_str().unwrap(), "--json"]).stdout;
    assert_eq!(again, one);
    // A missing shard is refused with a clear message.
    let out = netrx(&["simulate-merge", parts[0].to_str().unwrap(), parts[1].to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gap") || err.contains("missing"), "{err}");
    // A shard given twice.
    let out = netrx(&[
        "simulate-merge",
        parts[1].to_str().unwrap(),
        parts[1].to_str().unwrap(),
        parts[0].to_str().unwrap(),
        parts[2].to_str().unwrap(),
        parts[3].to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("overlap"));
}

#[test]
fn svg_dashboard_is_written() {
    let p = tmp("pnet.svg");
    ok(&[
        "simulate",
        PNET,
        "--patients",
        "2000",
        "--psa",
        "5",
        "--seed",
        "2",
        "--svg",
        p.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(&p).expect("svg written");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("MODELLING, NOT EVIDENCE"));
    assert_eq!(svg.matches("class=\"os\"").count(), 2);
    assert_eq!(svg.matches("class=\"base-case\"").count(), 1);
    assert_eq!(svg.matches("<circle cx").count(), 5 + 1, "5 PSA draws + legend");
}

const COSTED: &str = r#"
[model]
title = "costed"
horizon_months = 120

[death]
during_lines = { rate_per_month = 0.003, source = "test" }
after_last_line = { median_months = 12, source = "test" }

[utilities]
source = "test"
progression_free = 0.8
after_last_line = 0.6

[ae_disutility]
source = "test"
default = { decrement = 0.1, duration_months = 1 }

[costs]
currency = "EUR"
source = "test input, illustrative"
illustrative = true
wtp_per_qaly = [30000, 100000]
cv = 0.2
after_last_line_per_month = 500
[costs.treatment.a]
per_month = 4000
[costs.treatment.b]
once = 20000
[costs.ae]
default = 1000

[treatments.a]
label = "A"
time = { median_months = 11, ci = [8.4, 13.9], source = "test" }
ae = { rows = [{ term = "stomatitis", percent = 7 }], n = 200, source = "test" }

[treatments.b]
label = "B"
time = { median_months = 24.5, events = 40, source = "test" }
max_treatment = { months = 8, source = "test" }

[[sequence]]
id = "ab"
lines = ["a", "b"]

[[sequence]]
id = "ba"
lines = ["b", "a"]
"#;

#[test]
fn costs_give_icers_acceptability_and_a_ceac() {
    let spec = tmp("costed.toml");
    std::fs::write(&spec, COSTED).unwrap();
    let svg = tmp("costed.svg");
    let v = json_of(&[
        "simulate",
        spec.to_str().unwrap(),
        "--patients",
        "3000",
        "--psa",
        "10",
        "--seed",
        "4",
        "--json",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    let ce = &v["cost_effectiveness"];
    assert_eq!(ce["currency"], "EUR");
    let inc = &ce["incremental"][0];
    assert_eq!(inc["sequence"], "ba");
    let dc = inc["delta_cost"].as_f64().unwrap();
    let dq = inc["delta_qalys"].as_f64().unwrap();
    assert!((inc["icer"].as_f64().unwrap() - dc / dq).abs() < 1e-6 * (dc / dq).abs().max(1.0));
    for a in ce["acceptability"].as_array().unwrap() {
        let s: f64 = a["probability_best"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_f64().unwrap())
            .sum();
        assert!((s - 1.0).abs() < 1e-12);
    }
    assert!(outcome(&v["sequences"][0], "costs")["mean"].as_f64().unwrap() > 0.0);
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(svg.matches("class=\"ceac\"").count(), 2);
    assert!(svg.contains("class=\"wtp-line\""));
}

#[test]
fn bad_input_is_exit_2_with_one_line() {
    let spec = tmp("bad.toml");
    std::fs::write(
        &spec,
        COSTED.replace("horizon_months = 120", "horizon_months = 120\nhorizn = 1"),
    )
    .unwrap();
    let e = input_error(&["simulate", spec.to_str().unwrap()], "model.horizn");
    assert!(e.contains("horizon_months"), "{e}");
    std::fs::write(
        &spec,
        COSTED.replace("lines = [\"a\", \"b\"]", "lines = [\"a\", \"c\"]"),
    )
    .unwrap();
    input_error(&["simulate", spec.to_str().unwrap()], "sequence[0].lines[1]");
    std::fs::write(&spec, COSTED.replace("median_months = 11,", "median_months = -11,")).unwrap();
    input_error(&["simulate", spec.to_str().unwrap()], "treatments.a.time.median_months");
    input_error(&["simulate", PNET, "--shard", "4/4", "--out", "x.json"], "--shard");
    input_error(&["simulate", PNET, "--shard", "a/b", "--out", "x.json"], "--shard");
    input_error(&["simulate", PNET, "--patients", "0"], "--patients");
    input_error(&["simulate", PNET, "--threads", "0"], "--threads");
    input_error(&["simulate", "/nonexistent/spec.toml"], "spec");
    let junk = tmp("junk.json");
    std::fs::write(&junk, "{\"format\": 1}").unwrap();
    input_error(&["simulate-merge", junk.to_str().unwrap()], "part[0].format");
    // --shard needs --out (clap usage error, also exit 2).
    let out = netrx(&["simulate", PNET, "--shard", "0/2"]);
    assert_eq!(out.status.code(), Some(2));
}
