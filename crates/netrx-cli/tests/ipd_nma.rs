//! `netrx reconstruct` and `netrx nma` run as a user runs them: the contracts of issue 11 (flags,
//! CSV columns, JSON keys), the output read back by `netrx km`/`netrx cox`, digitisation noise
//! cleaned with a report, bad input as exit code 2 on one stderr line naming row/column/value,
//! the Bucher special case equal to `netrx compare`, the published Bucher figures of
//! shared/reference/trials.md §3.3, and the Senn 2013 network against its oracle.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn netrx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
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

fn stdout(args: &[&str]) -> String {
    String::from_utf8(ok(args).stdout).unwrap()
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(args)).expect("JSON on stdout")
}

/// Exit code 2 and exactly one stderr line; returns it.
fn input_error(args: &[&str]) -> String {
    let out = netrx(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(p)
        .to_string_lossy()
        .into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netrx-ipd-nma-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn write(name: &str, text: &str) -> String {
    let p = tmp(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------------------------
// netrx reconstruct

#[test]
fn reconstructs_the_example_arm_and_reproduces_the_risk_table() {
    let out = tmp("eve.csv");
    let v = json_of(&[
        "reconstruct",
        "--curve",
        &repo("examples/radiant4/everolimus_curve_SYNTHETIC.csv"),
        "--at-risk",
        &repo("examples/radiant4/everolimus_at_risk.csv"),
        "--total-events",
        "109",
        "--out",
        &s(&out),
        "--json",
    ]);
    assert_eq!(v["scale"], "percent", "survival given in percent is detected");
    assert_eq!(v["n"], 205);
    assert_eq!(v["events"], 109, "the reported total of events is met");
    assert_eq!(v["fit"]["max_at_risk_difference"], 0);
    for row in v["at_risk"].as_array().unwrap() {
        if row["used"] == true {
            assert_eq!(row["published"], row["reconstructed"], "{row}");
        }
    }
    assert!(v["fit"]["mean_abs_deviation"].as_f64().unwrap() < 0.01);
    assert!(v["fit"]["max_abs_deviation"].as_f64().is_some());
    assert_eq!(v["status"], "derived");
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("time,event\n"));
    assert_eq!(csv.lines().count(), 206);
    // Read back by netrx km: 205 patients, 109 events.
    let km = json_of(&["km", &s(&out), "--time", "time", "--event", "event", "--json"]);
    let text = km.to_string();
    assert!(text.contains("205") && text.contains("109"), "{text}");
}

#[test]
fn two_reconstructed_arms_go_into_cox_and_logrank() {
    let e = tmp("arm_e.csv");
    let p = tmp("arm_p.csv");
    for (arm, curve, risk, d, out) in [
        (
            "everolimus",
            "everolimus_curve_SYNTHETIC.csv",
            "everolimus_at_risk.csv",
            "109",
            &e,
        ),
        (
            "placebo",
            "placebo_curve_SYNTHETIC.csv",
            "placebo_at_risk.csv",
            "60",
            &p,
        ),
    ] {
        ok(&[
            "reconstruct",
            "--curve",
            &repo(&format!("examples/radiant4/{curve}")),
            "--at-risk",
            &repo(&format!("examples/radiant4/{risk}")),
            "--total-events",
            d,
            "--arm",
            arm,
            "--out",
            &s(out),
        ]);
    }
    let a = std::fs::read_to_string(&e).unwrap();
    let b = std::fs::read_to_string(&p).unwrap();
    assert!(a.starts_with("time,event,arm\n"));
    let both = write("both.csv", &format!("{a}{}", b.split_once('\n').unwrap().1));
    let cox = stdout(&[
        "cox",
        &both,
        "--time",
        "time",
        "--event",
        "event",
        "--covariates",
        "arm",
    ]);
    assert!(cox.contains("n= 302"), "{cox}");
    assert!(cox.contains("number of events= 169"), "{cox}");
    ok(&["logrank", &both, "--time", "time", "--event", "event", "--group", "arm"]);
}

#[test]
fn digitisation_noise_is_cleaned_with_a_report() {
    // Out of order, a duplicate, a rise, an isolated dip, reads a hair above 100 %, no header.
    let curve = write(
        "noisy.csv",
        "0,100.3\n2,90\n1,95\n1,95\n3,91\n4,60\n5,86\n6,84\n8,80\n10,75\n12,70\n14,66\n",
    );
    let risk = write("noisy_risk.csv", "time,n_at_risk\n0,50\n5,40\n10,30\n16,0\n");
    let out = tmp("noisy_ipd.csv");
    let v = json_of(&[
        "reconstruct",
        "--curve",
        &curve,
        "--at-risk",
        &risk,
        "--out",
        &s(&out),
        "--json",
    ]);
    let c = &v["cleaning"];
    assert!(c["reordered"].as_u64().unwrap() > 0, "{c}");
    assert_eq!(c["duplicates_dropped"], 1, "{c}");
    assert_eq!(c["outliers_dropped"], 1, "{c}");
    assert_eq!(c["monotone_fixed"], 1, "{c}");
    assert_eq!(c["risk_rows_dropped"], 1, "{c}");
    let notes = c["notes"].to_string();
    assert!(notes.contains("clipped") && notes.contains("no header"), "{notes}");
    assert_eq!(v["n"], 50);
    assert_eq!(v["fit"]["max_at_risk_difference"], 0);
    // The text report says the same in words.
    let text = stdout(&["reconstruct", "--curve", &curve, "--at-risk", &risk, "--out", &s(&out)]);
    assert!(
        text.contains("out of time order") && text.contains("isolated outlier"),
        "{text}"
    );
}

#[test]
fn out_dash_writes_rows_to_stdout_and_the_report_to_stderr() {
    let curve = write("dash.csv", "time,survival\n0,1\n1,0.9\n2,0.8\n3,0.7\n");
    let out = ok(&["reconstruct", "--curve", &curve, "--n", "10", "--out", "-"]);
    let so = String::from_utf8(out.stdout).unwrap();
    assert!(so.starts_with("time,event\n"));
    assert_eq!(so.lines().count(), 11);
    assert!(String::from_utf8(out.stderr).unwrap().contains("IPD reconstruction"));
}

#[test]
fn bad_reconstruct_input_is_exit_2_naming_row_column_value() {
    let out = s(&tmp("never.csv"));
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "over100.csv",
            "time,survival\n0,100\n1,120\n",
            vec!["line 3", "survival", "120", "100"],
        ),
        (
            "negtime.csv",
            "time,survival\n0,1\n-1,0.9\n",
            vec!["line 3", "time", "-1"],
        ),
        (
            "text.csv",
            "time,survival\n0,1\n1,abc\n",
            vec!["line 3", "survival", "abc"],
        ),
        ("empty.csv", "time,survival\n0,1\n1,\n", vec!["line 3", "survival"]),
        ("badheader.csv", "t,s\n0,1\n", vec!["header", "time,survival"]),
    ];
    for (file, text, want) in cases {
        let curve = write(file, text);
        let e = input_error(&["reconstruct", "--curve", &curve, "--n", "10", "--out", &out]);
        for w in want {
            assert!(e.contains(w), "{file}: {e} lacks {w}");
        }
    }
    let curve = write("fine.csv", "time,survival\n0,1\n1,0.9\n");
    let e = input_error(&["reconstruct", "--curve", &curve, "--out", &out]);
    assert!(e.contains("--at-risk") && e.contains("--n"), "{e}");
    let risk = write("up.csv", "time,n_at_risk\n0,10\n1,12\n");
    let e = input_error(&["reconstruct", "--curve", &curve, "--at-risk", &risk, "--out", &out]);
    assert!(
        e.contains("line 3") && e.contains("n_at_risk") && e.contains("never increase"),
        "{e}"
    );
    let risk = write("ok.csv", "time,n_at_risk\n0,10\n");
    let e = input_error(&[
        "reconstruct",
        "--curve",
        &curve,
        "--at-risk",
        &risk,
        "--n",
        "12",
        "--out",
        &out,
    ]);
    assert!(e.contains("--n"), "{e}");
    let e = input_error(&[
        "reconstruct",
        "--curve",
        &curve,
        "--n",
        "10",
        "--total-events",
        "11",
        "--out",
        &out,
    ]);
    assert!(e.contains("--total-events"), "{e}");
    let e = input_error(&[
        "reconstruct",
        "--curve",
        "/nonexistent/c.csv",
        "--n",
        "10",
        "--out",
        &out,
    ]);
    assert!(e.contains("--curve"), "{e}");
    assert!(!Path::new(&out).exists(), "nothing written on bad input");
}

// ---------------------------------------------------------------------------------------------
// netrx nma

fn league<'a>(v: &'a Value, a: &str, b: &str) -> &'a Value {
    v["league"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["treat1"] == a && r["treat2"] == b)
        .unwrap_or_else(|| panic!("no league row {a} vs {b}"))
}

#[test]
fn json_contract_and_published_bucher_figures_gi_lung() {
    let v = json_of(&[
        "nma",
        "--network",
        &repo("examples/radiant4/network_gi_lung.csv"),
        "--json",
    ]);
    for k in ["model", "tau2", "treatments", "league", "p_scores", "inconsistency"] {
        assert!(v.get(k).is_some(), "key {k}");
    }
    assert_eq!(v["model"], "fixed");
    assert!(v["tau2"].is_null(), "a star network has no df for tau2");
    for row in v["league"].as_array().unwrap() {
        for k in ["treat1", "treat2", "log_hr", "se", "hr", "lower", "upper"] {
            assert!(row.get(k).is_some(), "league key {k}");
        }
    }
    assert_eq!(v["league"].as_array().unwrap().len(), 4 * 3);
    // trials.md §3.3 (derived Bucher estimates, 2 decimals): everolimus vs surufatinib 1.44
    // (0.86–2.41), everolimus vs cabozantinib 1.26 (0.74–2.16). Tolerance: the table's rounding.
    for (b, want) in [
        ("surufatinib", [1.44, 0.86, 2.41]),
        ("cabozantinib", [1.26, 0.74, 2.16]),
    ] {
        let r = league(&v, "everolimus", b);
        for (k, w) in ["hr", "lower", "upper"].iter().zip(want) {
            let got = r[k].as_f64().unwrap();
            assert!((got - w).abs() <= 0.005 + 1e-12, "everolimus vs {b} {k}: {got} vs {w}");
        }
        // League rows read as the input rows: the reverse row is the inverse.
        let back = league(&v, b, "everolimus");
        assert!((back["hr"].as_f64().unwrap() * r["hr"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    }
    let ps = v["p_scores"].as_array().unwrap();
    assert_eq!(ps.len(), 4);
    assert_eq!(ps.last().unwrap()["treatment"], "placebo");
}

#[test]
fn from_knowledge_bucher_case_equals_netrx_compare() {
    let v = json_of(&["nma", "--from-knowledge", "--population", "pnet", "--json"]);
    assert!(v["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
    assert!(!v["sources"].as_array().unwrap().is_empty());
    for (a, b) in [
        ("everolimus", "sunitinib"),
        ("everolimus", "surufatinib"),
        ("sunitinib", "lanreotide"),
    ] {
        let c = json_of(&["compare", a, b, "--population", "pnet", "--json"]);
        assert_eq!(c["method"], "bucher");
        let r = league(&v, a, b);
        for (nk, ck) in [
            ("hr", "hr"),
            ("lower", "ci_low"),
            ("upper", "ci_high"),
            ("log_hr", "log_hr"),
            ("se", "se"),
        ] {
            let (x, y) = (r[nk].as_f64().unwrap(), c[ck].as_f64().unwrap());
            assert!((x - y).abs() < 1e-9, "{a} vs {b} {nk}: nma {x}, compare {y}");
        }
    }
    // Disconnected parts are excluded and said so; left-out trials carry a reason.
    assert!(!v["excluded"].as_array().unwrap().is_empty());
    assert!(v["warnings"].to_string().contains("disconnected"));
    assert!(
        v["left_out"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["reason"].as_str().is_some())
    );
    // Text output names sources and the knowledge version.
    let t = stdout(&["nma", "--from-knowledge", "--population", "pnet"]);
    assert!(
        t.contains("RADIANT-3") && t.contains("Knowledge") && t.contains("derived"),
        "{t}"
    );
}

#[test]
fn senn2013_through_the_cli_matches_the_oracle() {
    // The published netmeta example (HbA1c mean differences; the method is scale-free, so the
    // effect column can be called log_hr for the CLI) with its metafor oracle.
    let data = std::fs::read_to_string(repo("crates/netrx-stats/tests/data/ipd_nma/senn2013.csv")).unwrap();
    let net = write("senn.csv", &data.replacen("te,se", "log_hr,se", 1));
    let oracle: std::collections::HashMap<String, f64> =
        std::fs::read_to_string(repo("crates/netrx-stats/tests/data/ipd_nma/senn2013_oracle.tsv"))
            .unwrap()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('\t').unwrap();
                (k.to_string(), v.parse().unwrap())
            })
            .collect();
    let v = json_of(&["nma", "--network", &net, "--random", "--json"]);
    assert_eq!(v["model"], "random");
    assert!(
        (v["tau2"].as_f64().unwrap() - 0.1087).abs() < 5e-5,
        "netmeta prints tau^2 = 0.1087"
    );
    assert!((v["heterogeneity"]["q"].as_f64().unwrap() - 96.99).abs() < 0.005);
    let r = league(&v, "rosi", "plac");
    assert!((r["log_hr"].as_f64().unwrap() - oracle["re.rosi.plac.te"]).abs() < 1e-8);
    assert!((r["se"].as_f64().unwrap() - oracle["re.rosi.plac.se"]).abs() < 1e-8);
    let inc = &v["inconsistency"];
    assert!((inc["between_designs"]["q"].as_f64().unwrap() - 22.53).abs() < 0.005);
    assert_eq!(inc["between_designs"]["df"], 7);
    assert!(!inc["node_split"].as_array().unwrap().is_empty());
    assert_eq!(v["multi_arm"][0]["study"], "Willms1999");
}

#[test]
fn svg_network_graph() {
    let svg = tmp("net.svg");
    ok(&["nma", "--from-knowledge", "--population", "pnet", "--svg", &s(&svg)]);
    let t = std::fs::read_to_string(&svg).unwrap();
    assert!(t.starts_with("<svg") && t.contains("Everolimus") && t.contains("Placebo"));
    assert!(t.contains("P-score") && t.contains("RADIANT-3") && t.contains("sha256:"));
}

#[test]
fn bad_nma_input_is_exit_2() {
    let e = input_error(&["nma", "--network", "/nonexistent/net.csv"]);
    assert!(e.contains("--network"), "{e}");
    let bad = write("badhdr.csv", "study,a,b,c,d\nx,A,B,0.1,0.1\n");
    let e = input_error(&["nma", "--network", &bad]);
    assert!(e.contains("header") && e.contains("log_hr"), "{e}");
    let bad = write("badse.csv", "study,treat1,treat2,log_hr,se\nx,A,B,0.1,-1\n");
    let e = input_error(&["nma", "--network", &bad]);
    assert!(e.contains("line 2") && e.contains("se") && e.contains("-1"), "{e}");
    let bad = write(
        "multi.csv",
        "study,treat1,treat2,log_hr,se\nx,A,B,0.1,0.1\nx,A,C,0.2,0.1\n",
    );
    let e = input_error(&["nma", "--network", &bad]);
    assert!(e.contains("missing B vs C"), "{e}");
    let e = input_error(&["nma", "--from-knowledge", "--population", "nowhere"]);
    assert!(e.contains("--population") && e.contains("pnet"), "{e}");
    input_error(&["nma", "--from-knowledge"]);
    input_error(&["nma"]);
    let e = input_error(&[
        "nma",
        "--network",
        &repo("examples/radiant4/network_gi_lung.csv"),
        "--from-knowledge",
        "--population",
        "pnet",
    ]);
    assert!(e.contains("--network") || e.contains("--from-knowledge"), "{e}");
    let e = input_error(&["nma", "--from-knowledge", "--population", "pnet", "--endpoint", "orr"]);
    assert!(e.contains("--endpoint"), "{e}");
}
