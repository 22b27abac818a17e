//! `netrx km`, `netrx logrank` and `netrx cutpoint` run as a user runs them, on the lung,
//! rossi and veteran CSV files kept in crates/netrx-stats/tests/data: the JSON contracts of
//! issue 10 (exact keys), R's numbers (R 4.2.2, survival 3.5-3, maxstat 0.7-25, from the oracle
//! TSVs there; 1e-9 relative for values R wrote with 12+ digits, exact for integers), the SVG,
//! and bad data as exit code 2 with one stderr line naming the column, row and value.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../netrx-stats/tests/data/");
const REL: f64 = 1e-9;

fn data(f: &str) -> String {
    format!("{DATA}{f}")
}

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

fn text_of(args: &[&str]) -> String {
    let out = netrx(args, None);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Bad input: exit 2, exactly one stderr line, containing every `needles`.
fn bad(args: &[&str], stdin: Option<&str>, needles: &[&str]) {
    let out = netrx(args, stdin);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: {err:?} lacks {n:?}");
    }
}

fn oracle(file: &str, ds: &str, an: &str, q: &str) -> f64 {
    let text = std::fs::read_to_string(data(file)).unwrap();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() == 4 && f[0] == ds && f[1] == an && f[2] == q {
            return if f[3] == "NA" { f64::NAN } else { f[3].parse().unwrap() };
        }
    }
    panic!("oracle missing {ds}/{an}/{q}")
}

fn close(got: &Value, want: f64, what: &str) {
    if want.is_nan() {
        assert!(got.is_null(), "{what}: got {got}, R has NA");
        return;
    }
    let g = got.as_f64().unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!(
        (g - want).abs() <= REL * want.abs() + 1e-12,
        "{what}: got {g}, R {want}"
    );
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

fn has_keys(v: &Value, required: &[&str]) {
    let k = keys(v);
    for r in required {
        assert!(k.contains(r), "missing key {r:?} in {k:?}");
    }
}

#[test]
fn km_json_contract_and_r_numbers() {
    let v = json_of(&[
        "km",
        &data("lung.csv"),
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "sex",
        "--rmst",
        "365",
        "--times",
        "100,365,730",
        "--json",
    ]);
    has_keys(&v, &["groups"]);
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    for g in groups {
        has_keys(
            g,
            &[
                "group",
                "n",
                "events",
                "median",
                "median_lcl",
                "median_ucl",
                "rmst",
                "rmst_se",
                "table",
            ],
        );
        for row in g["table"].as_array().unwrap() {
            has_keys(row, &["time", "n_risk", "n_event", "surv", "std_err", "lower", "upper"]);
        }
        let label = g["group"].as_str().unwrap();
        let an = format!("km_by_sex_log:{label}");
        let r = "r_survival_oracles.tsv";
        assert_eq!(g["n"].as_u64().unwrap() as f64, oracle(r, "lung", &an, "n"));
        assert_eq!(g["events"].as_u64().unwrap() as f64, oracle(r, "lung", &an, "events"));
        close(&g["median"], oracle(r, "lung", &an, "median"), "median");
        close(&g["median_lcl"], oracle(r, "lung", &an, "median_lcl"), "median_lcl");
        close(&g["median_ucl"], oracle(r, "lung", &an, "median_ucl"), "median_ucl");
        let an = format!("rmst_tau365:{label}");
        close(&g["rmst"], oracle(r, "lung", &an, "rmean"), "rmst");
        close(&g["rmst_se"], oracle(r, "lung", &an, "se"), "rmst_se");
        // log-log limits of the by-sex summaries are in extra_oracles; here log limits at 100/365/730
        assert_eq!(
            g["table"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["time"].as_f64().unwrap())
                .collect::<Vec<_>>(),
            vec![100.0, 365.0, 730.0]
        );
    }
    assert_eq!(v["conf_type"], "log");
    assert_eq!(v["n_dropped_missing"], 0);
    // stats-anchors §4.2: difference 55.9703 (SE 14.9581), printed to 6 digits → 1e-4 relative
    let d = &v["rmst_difference"];
    assert_eq!(d["contrast"], "sex=2 minus sex=1");
    assert!(
        (d["estimate"].as_f64().unwrap() - 55.9703).abs() / 55.9703 < 1e-4,
        "{d}"
    );
    assert!((d["se"].as_f64().unwrap() - 14.9581).abs() / 14.9581 < 1e-4, "{d}");
}

#[test]
fn km_overall_table_matches_r_summary() {
    let v = json_of(&[
        "km",
        &data("lung.csv"),
        "--time",
        "time",
        "--event",
        "status",
        "--times",
        "100,200,365,500,730",
        "--json",
    ]);
    let g = &v["groups"][0];
    assert_eq!(g["group"], "all");
    let an = "km_overall_log:S(t)";
    let r = "r_survival_oracles.tsv";
    for (i, row) in g["table"].as_array().unwrap().iter().enumerate() {
        let k = i + 1;
        close(&row["surv"], oracle(r, "lung", an, &format!("surv[{k}]")), "surv");
        close(
            &row["std_err"],
            oracle(r, "lung", an, &format!("std.err[{k}]")),
            "std_err",
        );
        close(&row["lower"], oracle(r, "lung", an, &format!("lower[{k}]")), "lower");
        close(&row["upper"], oracle(r, "lung", an, &format!("upper[{k}]")), "upper");
    }
    // R's printed n.risk and n.event (r_survival_oracles.out)
    let nr: Vec<u64> = g["table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["n_risk"].as_u64().unwrap())
        .collect();
    assert_eq!(nr, vec![196, 144, 65, 41, 13]);
    let ne: Vec<u64> = g["table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["n_event"].as_u64().unwrap())
        .collect();
    assert_eq!(ne, vec![31, 41, 49, 17, 21]);
}

#[test]
fn km_conf_types_change_the_median_ci() {
    for (ct, an) in [("log-log", "km_overall_log-log"), ("plain", "km_overall_plain")] {
        let v = json_of(&[
            "km",
            &data("lung.csv"),
            "--time",
            "time",
            "--event",
            "status",
            "--conf-type",
            ct,
            "--json",
        ]);
        let g = &v["groups"][0];
        let r = "r_survival_oracles.tsv";
        close(&g["median_lcl"], oracle(r, "lung", an, "median_lcl"), "lcl");
        close(&g["median_ucl"], oracle(r, "lung", an, "median_ucl"), "ucl");
        assert_eq!(v["conf_type"], ct);
    }
}

#[test]
fn km_text_is_r_like_and_reports_missing_rows() {
    let t = text_of(&[
        "km",
        &data("lung.csv"),
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "ph.ecog",
    ]);
    assert!(t.contains("n=227, 1 observation deleted due to missingness."), "{t}");
    assert!(t.contains("1 = censored, 2 = event"), "{t}");
    assert!(t.contains("n events median 0.95LCL 0.95UCL"), "{t}");
    assert!(t.contains("Log-rank test"), "{t}");
    // rossi: median not reached prints NA as R does
    let t = text_of(&["km", &data("rossi.csv"), "--time", "week", "--event", "arrest"]);
    assert!(
        t.lines()
            .any(|l| l.starts_with("all") && l.trim_end().ends_with("NA      NA      NA")),
        "{t}"
    );
}

#[test]
fn km_times_beyond_follow_up_are_left_out_with_a_note() {
    let v = json_of(&[
        "km",
        &data("lung.csv"),
        "--time",
        "time",
        "--event",
        "status",
        "--times",
        "100,2000",
        "--json",
    ]);
    assert_eq!(v["groups"][0]["table"].as_array().unwrap().len(), 1);
    assert!(v["notes"][0].as_str().unwrap().contains("2000"));
}

#[test]
fn km_svg_is_written() {
    let dir = std::env::temp_dir().join(format!("netrx-km-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("km.svg");
    let out = netrx(
        &[
            "km",
            &data("lung.csv"),
            "--time",
            "time",
            "--event",
            "status",
            "--group",
            "sex",
            "--svg",
            svg.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success());
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.contains("No. at risk") && s.contains("sex=2"));
    assert_eq!(s.matches("class=\"km-curve\"").count(), 2);
    // numbers at risk at time 0 are the group sizes
    assert!(s.contains(">138</text>") && s.contains(">90</text>"));
    assert!(s.contains("Log-rank p = 0.001311"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn logrank_json_contract_and_r_numbers() {
    let r = "r_survival_oracles.tsv";
    for (rho, an, strata) in [
        ("0", "logrank_sex", None),
        ("1", "FH_rho1_sex", None),
        ("0", "logrank_sex_strata_ecog", Some("ph.ecog")),
    ] {
        let mut args = vec![
            "logrank", "--time", "time", "--event", "status", "--group", "sex", "--rho", rho, "--json",
        ];
        let file = data("lung.csv");
        args.insert(1, &file);
        if let Some(s) = strata {
            args.extend(["--strata", s]);
        }
        let v = json_of(&args);
        has_keys(&v, &["chisq", "df", "p", "groups"]);
        close(&v["chisq"], oracle(r, "lung", an, "chisq"), "chisq");
        assert_eq!(v["df"].as_f64().unwrap(), oracle(r, "lung", an, "df"));
        close(&v["p"], oracle(r, "lung", an, "p"), "p");
        for (i, g) in v["groups"].as_array().unwrap().iter().enumerate() {
            has_keys(g, &["group", "n", "observed", "expected"]);
            close(
                &g["observed"],
                oracle(r, "lung", an, &format!("obs[{}]", i + 1)),
                "observed",
            );
            close(
                &g["expected"],
                oracle(r, "lung", an, &format!("exp[{}]", i + 1)),
                "expected",
            );
        }
    }
}

#[test]
fn logrank_text_is_r_like() {
    let t = text_of(&[
        "logrank",
        &data("lung.csv"),
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "sex",
    ]);
    assert!(t.contains("N Observed Expected (O-E)^2/E (O-E)^2/V"), "{t}");
    assert!(t.contains("sex=1 138      112  91.5817"), "{t}");
    assert!(t.contains("on 1 degrees of freedom, p= 0.001311"), "{t}");
}

#[test]
fn cutpoint_matches_maxstat() {
    let e = "extra_oracles.tsv";
    let v = json_of(&[
        "cutpoint",
        &data("veteran.csv"),
        "--time",
        "time",
        "--event",
        "status",
        "--marker",
        "karno",
        "--json",
    ]);
    close(&v["statistic"], oracle(e, "veteran", "maxstat_karno", "statistic"), "M");
    close(&v["cutpoint"], oracle(e, "veteran", "maxstat_karno", "cutpoint"), "cut");
    close(&v["p"], oracle(e, "veteran", "maxstat_karno", "p_lau92"), "p");
    close(&v["p_lau94"], oracle(e, "veteran", "maxstat_karno", "p_lau94"), "p94");
    assert_eq!(v["n_low"].as_u64().unwrap() + v["n_high"].as_u64().unwrap(), 137);
    let t = text_of(&[
        "cutpoint",
        &data("rossi.csv"),
        "--time",
        "week",
        "--event",
        "arrest",
        "--marker",
        "prio",
    ]);
    assert!(t.contains("estimated cut-point: 2"), "{t}");
    assert!(t.contains("NOT corrected"), "{t}");
}

#[test]
fn bad_data_is_exit_2_with_one_line() {
    let km = |csv: &str| -> Vec<String> {
        let _ = csv;
        vec![
            "km".into(),
            "-".into(),
            "--time".into(),
            "t".into(),
            "--event".into(),
            "e".into(),
        ]
    };
    let run = |csv: &str, needles: &[&str]| {
        let a = km(csv);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        bad(&a, Some(csv), needles);
    };
    run("t,e\n1,1\nabc,0\n", &["column t", "row 2", "abc"]);
    run("t,e\n1,1\n-3,0\n", &["column t", "-3", "≥ 0"]);
    run(
        "t,e\n1,1\n2,5\n",
        &["column e", "row 2", "\"5\"", "0 (censored) or 1 (event)"],
    );
    run("t,e\n1,1\n2,yes\n", &["column e", "yes"]);
    run("t,x\n1,1\n", &["column e", "one of t, x"]);
    run("t,e\n", &["no data rows"]);
    run("t,e\nNA,1\n", &["no row without a missing value"]);
    bad(
        &[
            "km",
            &data("lung.csv"),
            "--time",
            "time",
            "--event",
            "status",
            "--conf-type",
            "logit",
        ],
        None,
        &["--conf-type", "logit", "log-log"],
    );
    bad(
        &[
            "km",
            &data("lung.csv"),
            "--time",
            "time",
            "--event",
            "status",
            "--rmst",
            "-1",
        ],
        None,
        &["--rmst", "-1", "τ > 0"],
    );
    bad(
        &[
            "logrank",
            &data("lung.csv"),
            "--time",
            "time",
            "--event",
            "status",
            "--group",
            "inst",
            "--rho",
            "-1",
        ],
        None,
        &["--rho", "-1"],
    );
    bad(
        &["logrank", "-", "--time", "t", "--event", "e", "--group", "g"],
        Some("t,e,g\n1,1,a\n2,0,a\n"),
        &["--group", "only one group"],
    );
    bad(
        &["logrank", "-", "--time", "t", "--event", "e", "--group", "g"],
        Some("t,e,g\n1,0,a\n2,0,b\n"),
        &["no events"],
    );
    bad(
        &["cutpoint", "-", "--time", "t", "--event", "e", "--marker", "m"],
        Some("t,e,m\n1,1,high\n2,0,low\n"),
        &["column m", "high"],
    );
    bad(
        &["km", "/nonexistent/x.csv", "--time", "t", "--event", "e"],
        None,
        &["data", "cannot read"],
    );
}
