//! `netrx cox` and `netrx survreg` end to end: the built binary on the lung and rossi CSVs
//! (copied into crates/netrx-stats/tests/data), checked against R survival 3.5-3 oracle values
//! (`r_survival_oracles.tsv`, tolerance 1e-6 relative), the JSON contract of issue 10, R-like
//! text, and bad input (exit code 2, one line naming the field).

use serde_json::Value;
use std::collections::HashMap;
use std::process::{Command, Output};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../netrx-stats/tests/data");

fn netrx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .output()
        .expect("run netrx")
}

fn data(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn json_ok(args: &[&str]) -> Value {
    let o = netrx(args);
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn oracle() -> HashMap<(String, String), f64> {
    let text = std::fs::read_to_string(data("r_survival_oracles.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let v = f.get(3)?.parse().ok()?;
            Some(((format!("{}/{}", f[0], f[1]), f[2].to_string()), v))
        })
        .collect()
}

fn close(what: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs(),
        "{what}: got {got}, R {want} (relative tolerance {rel})"
    );
}

#[test]
fn cox_json_matches_r_and_has_the_contract_keys() {
    let o = oracle();
    let a = "lung/cox_age_sex_ecog_efron_robust";
    let lung = data("lung.csv");
    let v = json_ok(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,sex,ph.ecog",
        "--robust",
        "--zph",
        "km",
        "--json",
    ]);
    for k in [
        "n",
        "events",
        "coefficients",
        "loglik_null",
        "loglik",
        "lr_test",
        "wald_test",
        "score_test",
        "concordance",
        "concordance_se",
        "zph",
    ] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(v["n"], 227);
    assert_eq!(v["events"], 164);
    assert_eq!(v["dropped_missing"], 1);
    let coefs = v["coefficients"].as_array().unwrap();
    for c in coefs {
        for k in [
            "name",
            "coef",
            "exp_coef",
            "se",
            "robust_se",
            "z",
            "p",
            "lower95",
            "upper95",
        ] {
            assert!(c.get(k).is_some(), "coefficient key {k}");
        }
        let name = c["name"].as_str().unwrap();
        close(
            name,
            c["coef"].as_f64().unwrap(),
            o[&(a.into(), format!("coef[{name}]"))],
            1e-6,
        );
        close(
            name,
            c["se"].as_f64().unwrap(),
            o[&(a.into(), format!("se[{name}]"))],
            1e-6,
        );
        close(
            name,
            c["robust_se"].as_f64().unwrap(),
            o[&(a.into(), format!("robust_se[{name}]"))],
            1e-6,
        );
    }
    close(
        "loglik",
        v["loglik"].as_f64().unwrap(),
        o[&(a.into(), "loglik".into())],
        1e-9,
    );
    close(
        "wald (robust)",
        v["wald_test"]["statistic"].as_f64().unwrap(),
        o[&(a.into(), "wald_chisq".into())],
        1e-6,
    );
    close(
        "score",
        v["score_test"]["statistic"].as_f64().unwrap(),
        o[&(a.into(), "score_chisq".into())],
        1e-6,
    );
    close(
        "concordance",
        v["concordance"].as_f64().unwrap(),
        o[&(a.into(), "concordance".into())],
        1e-6,
    );
    let z = &v["zph"]["table"];
    let glob = z.as_array().unwrap().last().unwrap();
    assert_eq!(glob["term"], "GLOBAL");
    close(
        "zph GLOBAL",
        glob["chisq"].as_f64().unwrap(),
        o[&("lung/cox_age_sex_ecog_efron:zph_km".into(), "chisq[GLOBAL]".into())],
        1e-6,
    );
}

#[test]
fn cox_breslow_strata_and_factor() {
    let o = oracle();
    let rossi = data("rossi.csv");
    let v = json_ok(&[
        "cox",
        &rossi,
        "--time",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age,race,wexp,mar,paro,prio",
        "--ties",
        "breslow",
        "--json",
    ]);
    let a = "rossi/cox_full_breslow";
    for c in v["coefficients"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        close(
            name,
            c["coef"].as_f64().unwrap(),
            o[&(a.into(), format!("coef[{name}]"))],
            1e-6,
        );
    }
    assert!(v["zph"].is_null());
    let v = json_ok(&[
        "cox",
        &rossi,
        "--time",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age,race,wexp,mar,paro,prio",
        "--ties",
        "exact",
        "--json",
    ]);
    close(
        "exact loglik",
        v["loglik"].as_f64().unwrap(),
        o[&("rossi/cox_full_exact".into(), "loglik".into())],
        1e-9,
    );
    let lung = data("lung.csv");
    let v = json_ok(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,ph.ecog",
        "--strata",
        "sex",
        "--json",
    ]);
    close(
        "strata loglik",
        v["loglik"].as_f64().unwrap(),
        o[&("lung/cox_age_ecog_strata_sex_efron".into(), "loglik".into())],
        1e-9,
    );
    // factor(ph.ecog): indicators named as R names them, the reference level stated
    let v = json_ok(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,factor(ph.ecog)",
        "--zph",
        "rank",
        "--json",
    ]);
    let names: Vec<&str> = v["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["age", "factor(ph.ecog)1", "factor(ph.ecog)2", "factor(ph.ecog)3"]
    );
    assert_eq!(v["factor_references"][0]["reference"], "0");
    let terms: Vec<&str> = v["zph"]["table"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms, ["age", "factor(ph.ecog)", "GLOBAL"]);
    assert_eq!(v["zph"]["table"][1]["df"], 3);
}

#[test]
fn cox_text_output_is_r_like() {
    let lung = data("lung.csv");
    let o = netrx(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,sex,ph.ecog",
        "--zph",
        "km",
    ]);
    assert!(o.status.success());
    let s = String::from_utf8(o.stdout).unwrap();
    for want in [
        "n= 227, number of events= 164",
        "(1 observation deleted due to missingness)",
        "1 = censored, 2 = event",
        "exp(coef) exp(-coef) lower .95 upper .95",
        "Concordance= 0.637  (se = 0.025 )",
        "Likelihood ratio test= 30.5  on 3 df,   p=1.08e-06",
        "Wald test            = 29.93  on 3 df,   p=1.43e-06",
        "GLOBAL",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

#[test]
fn cluster_implies_robust() {
    let lung = data("lung.csv");
    let v = json_ok(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,sex,ph.ecog",
        "--cluster",
        "inst",
        "--json",
    ]);
    assert_eq!(v["robust"], true);
    assert_eq!(v["n"], 226); // inst has a missing value
    // R: robust se of age 0.00688872705866 with cluster = inst
    close(
        "cluster robust se",
        v["coefficients"][0]["robust_se"].as_f64().unwrap(),
        0.00688872705866,
        1e-6,
    );
}

#[test]
fn survreg_json_matches_r() {
    let o = oracle();
    let lung = data("lung.csv");
    for dist in ["weibull", "exponential", "lognormal", "loglogistic"] {
        let v = json_ok(&[
            "survreg",
            &lung,
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "age,sex",
            "--dist",
            dist,
            "--json",
        ]);
        let a = format!("lung/survreg_{dist}");
        assert_eq!(v["dist"], dist);
        for c in v["coefficients"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            if name != "Log(scale)" {
                close(
                    name,
                    c["value"].as_f64().unwrap(),
                    o[&(a.clone(), format!("coef[{name}]"))],
                    1e-6,
                );
            }
            close(
                name,
                c["se"].as_f64().unwrap(),
                o[&(a.clone(), format!("se[{name}]"))],
                1e-6,
            );
        }
        close(
            "scale",
            v["scale"].as_f64().unwrap(),
            o[&(a.clone(), "scale".into())],
            1e-6,
        );
        close(
            "loglik",
            v["loglik"].as_f64().unwrap(),
            o[&(a.clone(), "loglik".into())],
            1e-9,
        );
    }
    let v = json_ok(&[
        "survreg", &lung, "--time", "time", "--event", "status", "--dist", "gompertz", "--rmst", "365", "--json",
    ]);
    assert_eq!(v["coefficients"][1]["name"], "shape");
    assert!(v["scale"].is_null());
    let r = v["rmst"]["value"].as_f64().unwrap();
    assert!(r > 0.0 && r < 365.0);
    assert!(v["median"].as_f64().unwrap() > 0.0);
}

#[test]
fn survreg_text_is_r_like() {
    let lung = data("lung.csv");
    let o = netrx(&[
        "survreg",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,sex",
    ]);
    let s = String::from_utf8(o.stdout).unwrap();
    for want in [
        "Value",
        "Std. Error",
        "Log(scale)",
        "Scale= 0.754051",
        "Weibull distribution",
        "Loglik(model)= -1147.1",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

fn input_error(args: &[&str], needle: &str) {
    let o = netrx(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let e = String::from_utf8(o.stderr).unwrap();
    assert_eq!(e.trim_end().lines().count(), 1, "one line: {e}");
    assert!(e.contains(needle), "{needle:?} not in {e}");
}

#[test]
fn bad_input_is_exit_2_with_the_field() {
    let lung = data("lung.csv");
    input_error(
        &[
            "cox",
            &lung,
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "agee",
        ],
        "agee",
    );
    input_error(
        &["cox", &lung, "--time", "time", "--event", "status", "--ties", "exactly"],
        "--ties",
    );
    input_error(
        &["cox", &lung, "--time", "time", "--event", "status", "--zph", "loglog"],
        "--zph",
    );
    input_error(&["cox", &lung, "--time", "time", "--event", "age"], "age");
    input_error(
        &[
            "cox",
            &lung,
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "age",
            "--weights",
            "sex2",
        ],
        "sex2",
    );
    input_error(
        &[
            "survreg", &lung, "--time", "time", "--event", "status", "--dist", "gamma",
        ],
        "--dist",
    );
    input_error(
        &["survreg", &lung, "--time", "time", "--event", "status", "--rmst", "-3"],
        "--rmst",
    );
    input_error(&["cox", "/nonexistent.csv", "--time", "t", "--event", "e"], "data");
}

#[test]
fn all_censored_cox_reports_na_not_a_crash() {
    let dir = std::env::temp_dir().join(format!("netrx-cox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("cens.csv");
    std::fs::write(&f, "t,e,x\n1,0,0\n2,0,1\n3,0,0\n4,0,1\n").unwrap();
    let v = json_ok(&[
        "cox",
        f.to_str().unwrap(),
        "--time",
        "t",
        "--event",
        "e",
        "--covariates",
        "x",
        "--json",
    ]);
    assert_eq!(v["events"], 0);
    assert!(v["coefficients"][0]["coef"].is_null());
    assert!(v["warnings"][0].as_str().unwrap().contains("no events"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn baseline_hazard_matches_r_basehaz() {
    // R: basehaz(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung), centered = FALSE)
    let o = oracle();
    let lung = data("lung.csv");
    let v = json_ok(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age,sex,ph.ecog",
        "--basehaz",
        "uncentered",
        "--json",
    ]);
    let rows = v["baseline_hazard"]["rows"].as_array().unwrap();
    assert_eq!(v["baseline_hazard"]["centered"], false);
    for k in 1..=10 {
        let a = "lung/basehaz_uncentered_efron".to_string();
        assert_eq!(
            rows[k - 1]["time"].as_f64().unwrap(),
            o[&(a.clone(), format!("time[{k}]"))]
        );
        close(
            "basehaz",
            rows[k - 1]["hazard"].as_f64().unwrap(),
            o[&(a, format!("hazard[{k}]"))],
            1e-6,
        );
    }
    let t = netrx(&[
        "cox",
        &lung,
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age",
        "--strata",
        "sex",
        "--basehaz",
        "centered",
    ]);
    let s = String::from_utf8(t.stdout).unwrap();
    assert!(
        s.contains("Baseline cumulative hazard (basehaz, centered = TRUE)") && s.contains("sex=2"),
        "{s}"
    );
}
