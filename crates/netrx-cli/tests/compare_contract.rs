//! `netrx compare` contract (issue 3, Deliver 4) as a user's script reads it: every JSON answer —
//! an estimate or a refusal — carries the keys `hr`, `ci_low`, `ci_high`, `p`, `method`, `path`,
//! `warnings`; a refusal exits 2 with one stderr line and the reason; and the text says
//! consistently whether an estimate is a trial's published result or computed by netrx.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CONTRACT: [&str; 7] = ["hr", "ci_low", "ci_high", "p", "method", "path", "warnings"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netrx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("netrx runs")
}

fn json(args: &[&str]) -> (Option<i32>, Value, String) {
    let out = netrx(args);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), v, String::from_utf8_lossy(&out.stderr).to_string())
}

fn text(args: &[&str]) -> String {
    let out = netrx(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn line<'a>(t: &'a str, head: &str) -> &'a str {
    t.lines()
        .find(|l| l.trim_start().starts_with(head))
        .unwrap_or_else(|| panic!("no {head} line in:\n{t}"))
}

#[test]
fn a_refusal_carries_every_contract_key_with_no_estimate() {
    // PRRT in pNET: no randomised PFS HR with a CI involves 177Lu-DOTATATE alone there (trials.md:
    // NETTER-1 is midgut; NETTER-2 tested it with octreotide LAR), so the network cannot connect it.
    for args in [
        &[
            "compare",
            "everolimus",
            "lu177_dotatate",
            "--population",
            "pnet",
            "--json",
        ][..],
        &[
            "compare",
            "lu177_dotatate+octreotide_lar",
            "everolimus",
            "--population",
            "midgut",
            "--json",
        ][..],
    ] {
        let (code, v, err) = json(args);
        assert_eq!(code, Some(2), "{args:?}: refusals exit 2 as documented");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with("error: A, B: Cannot compare"), "{err}");
        for k in CONTRACT {
            assert!(v.get(k).is_some(), "{args:?}: key {k} missing in {v}");
        }
        for k in ["hr", "ci_low", "ci_high", "p", "method"] {
            assert!(v[k].is_null(), "{args:?}: {k} = {}", v[k]);
        }
        assert_eq!(v["path"], serde_json::json!([]));
        assert_eq!(v["warnings"], serde_json::json!([]));
        assert_eq!(v["refused"], true);
        // The reason is in the JSON too, and it is the one stderr gives.
        let reason = v["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("Cannot compare") && err.contains(reason),
            "{reason} / {err}"
        );
        assert!(v["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
    }
}

#[test]
fn an_estimate_carries_the_same_contract_keys() {
    // Everolimus vs sunitinib in pNET: Bucher through placebo, 0.83 (0.49–1.42) from the primary
    // HRs (trials.md §3.3); tolerance 0.005 (two decimals as published).
    let (code, v, _) = json(&["compare", "everolimus", "sunitinib", "--population", "pnet", "--json"]);
    assert_eq!(code, Some(0));
    for k in CONTRACT {
        assert!(v.get(k).is_some(), "key {k} missing");
    }
    for (k, want) in [("hr", 0.83), ("ci_low", 0.49), ("ci_high", 1.42)] {
        let got = v[k].as_f64().unwrap();
        assert!((got - want).abs() < 0.005, "{k}: {got} vs {want}");
    }
    assert_eq!(v["method"], "bucher");
    assert_eq!(v["path"], serde_json::json!(["radiant-3", "a6181111"]));
    assert!(v.get("refused").is_none());
}

#[test]
fn a_direct_single_trial_estimate_is_called_published_throughout() {
    // COMPETE is the only head-to-head trial with everolimus (trials.md §3.2): its own HR 0.67
    // (0.48–0.95) and p.
    let args = ["compare", "lu177_edotreotide", "everolimus", "--population", "gep"];
    let (_, v, _) = json(&[&args[..], &["--json"]].concat());
    assert_eq!(v["method"], "direct");
    assert_eq!(v["estimate"], "published");
    assert_eq!(v["p_method"], "published");
    assert_ne!(v["status"], "derived", "the status of the trial's own figure");
    assert!(v["interpretation"].as_str().unwrap().contains("published result"));
    let t = text(&args);
    let status = line(&t, "Status");
    let reading = line(&t, "Reading");
    assert!(reading.contains("This is the trial's published result."), "{reading}");
    assert!(status.contains("published estimate"), "{status}");
    assert!(
        !status.contains("computed by netrx,") && !status.contains("not a published"),
        "Status contradicts Reading: {status}"
    );
}

#[test]
fn a_bucher_estimate_is_called_derived_throughout() {
    let args = ["compare", "everolimus", "sunitinib", "--population", "pnet"];
    let (_, v, _) = json(&[&args[..], &["--json"]].concat());
    assert_eq!(v["estimate"], "derived");
    assert_eq!(v["status"], "derived");
    assert_eq!(v["p_method"], "wald");
    let t = text(&args);
    let status = line(&t, "Status");
    assert!(
        status.contains("computed by netrx") && status.contains("not a published estimate"),
        "{status}"
    );
    assert!(line(&t, "Reading").contains("not a published estimate"));
    assert!(!line(&t, "Reading").contains("published result"));
}
