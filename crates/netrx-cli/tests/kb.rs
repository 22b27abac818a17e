//! `netrx trials`, `netrx trials show`, `netrx compare` and `netrx forest` run as a user runs
//! them: the JSON contracts of issue 3 (exact keys), the knowledge version everywhere, the
//! Bucher estimate of shared/reference/trials.md §3.3 (everolimus vs sunitinib in pNET
//! 0.83 (0.49–1.42), two decimals), refusals, and bad input as exit code 2 naming the
//! allowed values.

use serde_json::Value;
use std::process::{Command, Output};

fn netrx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .output()
        .expect("netrx runs")
}

fn stdout(args: &[&str]) -> String {
    let out = netrx(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn knowledge_version() -> String {
    let v = stdout(&["--version"]);
    let k = v
        .split("knowledge ")
        .nth(1)
        .expect("version names the knowledge")
        .trim();
    k.trim_end_matches(')').to_string()
}

fn ids(v: &Value) -> Vec<String> {
    v["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn version_and_every_json_output_carry_the_knowledge_version() {
    let k = knowledge_version();
    assert!(k.starts_with("sha256:") && k.len() == 23, "{k}");
    assert_eq!(json_of(&["trials", "--json"])["knowledge_version"], k.as_str());
    assert_eq!(
        json_of(&["trials", "show", "radiant-3", "--json"])["knowledge_version"],
        k.as_str()
    );
    let c = json_of(&["compare", "everolimus", "sunitinib", "--population", "pnet", "--json"]);
    assert_eq!(c["knowledge_version"], k.as_str());
    assert_eq!(
        json_of(&["forest", "--agent", "everolimus", "--json"])["knowledge_version"],
        k.as_str()
    );
}

#[test]
fn trials_lists_and_filters() {
    let all = json_of(&["trials", "--json"]);
    let all_ids = ids(&all);
    assert!(all_ids.len() >= 34, "{}", all_ids.len());
    assert_eq!(all["count"].as_u64().unwrap() as usize, all_ids.len());
    // Each trial object carries its sources and population memberships.
    let r3 = all["trials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "radiant-3")
        .unwrap();
    assert_eq!(r3["design"]["source"]["status"], "verified");
    assert!(
        r3["populations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["population"] == "pnet" && p["fit"] == "exact")
    );

    let eve = ids(&json_of(&["trials", "--agent", "everolimus", "--json"]));
    assert!(eve.contains(&"radiant-3".into()) && eve.contains(&"compete".into()) && eve.contains(&"luna".into()));
    assert!(!eve.contains(&"a6181111".into()) && !eve.contains(&"clarinet".into()));
    // Aliases resolve; regimen ids work too.
    assert_eq!(ids(&json_of(&["trials", "--agent", "Afinitor", "--json"])), eve);
    let combo = ids(&json_of(&["trials", "--agent", "everolimus+octreotide_lar", "--json"]));
    assert!(combo.contains(&"radiant-2".into()) && !combo.contains(&"radiant-3".into()));

    let pnet = ids(&json_of(&["trials", "--site", "pnet", "--json"]));
    assert!(pnet.contains(&"a6181111".into()) && !pnet.contains(&"promid".into()));
    let lung = ids(&json_of(&["trials", "--site", "lung", "--json"]));
    assert!(lung.contains(&"luna".into()) && lung.contains(&"spinet".into()));
    let thymus = ids(&json_of(&["trials", "--site", "thymus", "--json"]));
    assert_eq!(thymus, ["luna"]);

    let p3 = ids(&json_of(&["trials", "--phase", "3", "--json"]));
    assert!(p3.contains(&"radiant-3".into()) && p3.contains(&"promid".into()) && p3.contains(&"sun-2005".into()));
    assert!(!p3.contains(&"luna".into()));
    assert_eq!(ids(&json_of(&["trials", "--phase", "III", "--json"])), p3);
    let obs = ids(&json_of(&["trials", "--phase", "observational", "--json"]));
    assert_eq!(obs, ["panzuto-2014"]);

    let os = ids(&json_of(&["trials", "--endpoint", "os", "--json"]));
    assert!(os.contains(&"radiant-3".into()) && !os.contains(&"luna".into()));
    let ttp = ids(&json_of(&["trials", "--endpoint", "ttp", "--json"]));
    assert_eq!(ttp, ["promid"]);
    let t2 = ids(&json_of(&["trials", "--review-table", "2", "--json"]));
    assert_eq!(t2, ["a6181111", "clarinet", "netter-1", "promid", "sun-2005"]);
    input_error(&["trials", "--review-table", "7"]);
    // Filters combine.
    let both = ids(&json_of(&[
        "trials",
        "--agent",
        "everolimus",
        "--site",
        "pnet",
        "--phase",
        "3",
        "--json",
    ]));
    assert!(both.contains(&"radiant-3".into()) && both.contains(&"compete".into()));
    assert!(!both.contains(&"radiant-4".into()) && !both.contains(&"cooperate-2".into()));
}

#[test]
fn trials_table_is_aligned() {
    let out = stdout(&["trials", "--phase", "3"]);
    let lines: Vec<&str> = out.lines().take_while(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("Primary result"));
    // Every column starts at the same character offset on every line.
    let col = |l: &str, i: usize| -> usize {
        let chars: Vec<char> = l.chars().collect();
        let mut starts = vec![0];
        for k in 1..chars.len() {
            if chars[k] != ' ' && chars[k - 1] == ' ' && k >= 2 && chars[k - 2] == ' ' {
                starts.push(k);
            }
        }
        starts[i]
    };
    for i in 1..4 {
        let c0 = col(lines[0], i);
        for l in &lines[1..] {
            assert_eq!(col(l, i), c0, "column {i} of {l:?}");
        }
    }
    assert!(out.contains("RADIANT-3") && out.contains("HR 0.35 (0.27–0.45)"));
    assert!(
        out.contains("one-sided P=0.026 (boundary 0.0246: not met)"),
        "RADIANT-2's p is labelled"
    );
}

#[test]
fn trials_show_prints_one_trial_with_sources() {
    let out = stdout(&["trials", "show", "RADIANT-3"]);
    for s in [
        "RADIANT-3 — Everolimus vs placebo",
        "NCT00510068",
        "HR 0.35 (0.27–0.45, 95 % CI)",
        "HR 0.34 (0.26–0.44, 95 % CI)",
        "median 11.0 mo (8.4–13.9)",
        "! median_ci: UNVERIFIED",
        "Source: Yao, NEJM 2011 (Abstract; Fig 1A) [✔ verified]",
        "one-sided P=0.30 (boundary 0.0249: not met)",
        "table 4:",
        "Verdict: Relabelled",
        "Knowledge   sha256:",
    ] {
        assert!(out.contains(s), "missing {s:?}");
    }
    // By registry number, alias and JSON.
    let j = json_of(&["trials", "show", "NCT00428597", "--json"]);
    assert_eq!(j["trial"]["id"], "a6181111");
    let j = json_of(&["trials", "show", "sun-1111", "--json"]);
    assert_eq!(j["trial"]["name"], "A6181111 (sunitinib)");
    let e = input_error(&["trials", "show", "radiant-9"]);
    assert!(e.contains("\"radiant-9\"") && e.contains("radiant-3"), "{e}");
}

#[test]
fn trials_show_prints_the_registry_mark() {
    // trials.md: "ECOG-ACRIN E2211 (NCT01824875 — NCT UNVERIFIED)"; RADIANT-3 (NCT00510068) unflagged.
    let out = stdout(&["trials", "show", "e2211"]);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("Registry"))
        .expect("a Registry line");
    assert!(line.contains("NCT01824875") && line.contains("[UNVERIFIED]"), "{line}");
    let out = stdout(&["trials", "show", "radiant-3"]);
    let line = out.lines().find(|l| l.trim_start().starts_with("Registry")).unwrap();
    assert!(line.contains("NCT00510068") && line.contains("[✔ verified]"), "{line}");
    // The JSON carries the registry's own source; the structured grades are shown and given.
    let j = json_of(&["trials", "show", "cooperate-2", "--json"]);
    assert_eq!(j["trial"]["registry_source"]["status"], "unverified");
    assert_eq!(j["trial"]["population"]["grades"], serde_json::json!(["G1", "G2"]));
    let out = stdout(&["trials", "show", "a6181111"]);
    assert!(out.contains("Grade: well differentiated [grades not stated]"), "{out}");
}

#[test]
fn the_reviews_table_2_figures_are_found_with_their_notes() {
    // Review Table 2, row by row (figures as printed in the review).
    for (id, figures) in [
        ("clarinet", vec![18.0, 0.47]),
        ("promid", vec![14.3, 6.0, 0.34, 0.000072]),
        ("netter-1", vec![8.4, 0.21]),
        ("a6181111", vec![11.4, 5.5, 0.42]),
        ("sun-2005", vec![4.5, 5.3, 0.17]),
    ] {
        let j = json_of(&["trials", "show", id, "--json"]);
        let text = j.to_string();
        for f in figures {
            assert!(text.contains(&format!("{f}")), "{id}: {f}");
        }
        assert!(
            !j["trial"]["review"].as_array().unwrap().is_empty(),
            "{id} has its review row"
        );
    }
    // PROMID's endpoint is TTP, and the review row says so.
    let p = stdout(&["trials", "show", "promid"]);
    assert!(p.contains("TTP · whole trial · primary") && p.contains("not PFS"));
}

#[test]
fn trials_bad_filters_exit_2_naming_the_allowed_values() {
    let e = input_error(&["trials", "--agent", "aspirin"]);
    assert!(
        e.contains("--agent") && e.contains("\"aspirin\"") && e.contains("everolimus"),
        "{e}"
    );
    let e = input_error(&["trials", "--site", "liver"]);
    assert!(
        e.contains("--site") && e.contains("pnet") && e.contains("pancreas"),
        "{e}"
    );
    let e = input_error(&["trials", "--phase", "5"]);
    assert!(e.contains("--phase") && e.contains("observational"), "{e}");
    let e = input_error(&["trials", "--endpoint", "qol"]);
    assert!(
        e.contains("--endpoint") && e.contains("pfs") && e.contains("response"),
        "{e}"
    );
}

#[test]
fn compare_everolimus_vs_sunitinib_in_pnet() {
    let c = json_of(&["compare", "everolimus", "sunitinib", "--population", "pnet", "--json"]);
    // The contract keys.
    for k in [
        "hr",
        "ci_low",
        "ci_high",
        "p",
        "method",
        "path",
        "warnings",
        "knowledge_version",
    ] {
        assert!(c.get(k).is_some(), "missing key {k}");
    }
    // trials.md §3.3: 0.83 (0.49–1.42), to two decimals.
    let r = |k: &str| format!("{:.2}", c[k].as_f64().unwrap());
    assert_eq!(
        (r("hr"), r("ci_low"), r("ci_high")),
        ("0.83".into(), "0.49".into(), "1.42".into())
    );
    assert_eq!(c["method"], "bucher");
    assert_eq!(c["path"], serde_json::json!(["radiant-3", "a6181111"]));
    let w = c["warnings"].as_array().unwrap();
    assert!(w.iter().any(|x| x.as_str().unwrap().contains("stopped early")), "{w:?}");
    assert!(c["assumption"].as_str().unwrap().contains("transitivity"));

    let text = stdout(&["compare", "everolimus", "sunitinib", "--population", "pnet"]);
    assert!(text.contains("HR 0.83 (95% CI 0.49–1.42)"), "{text}");
    assert!(text.contains("Assumption") && text.contains("Warnings") && text.contains("derived"));
}

#[test]
fn compare_direct_and_refusal() {
    let c = json_of(&[
        "compare",
        "lu177_edotreotide",
        "everolimus",
        "--population",
        "gep",
        "--json",
    ]);
    assert_eq!(c["method"], "direct");
    assert_eq!(c["path"], serde_json::json!(["compete"]));
    assert_eq!(
        (c["hr"].as_f64(), c["ci_low"].as_f64(), c["ci_high"].as_f64()),
        (Some(0.67), Some(0.48), Some(0.95))
    );

    // Disconnected: octreotide LAR 60 mg (NETTER-1's comparator) links to nothing else in midgut.
    let args = [
        "compare",
        "lu177_dotatate+octreotide_lar",
        "everolimus",
        "--population",
        "midgut",
        "--json",
    ];
    let out = netrx(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1);
    assert!(err.contains("disconnected"), "{err}");
    let j: Value = serde_json::from_slice(&out.stdout).expect("the refusal as JSON");
    assert_eq!(j["refused"], true);
    assert!(j["method"].is_null());
    assert!(j["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn compare_bad_input_exits_2_naming_the_allowed_values() {
    let e = input_error(&["compare", "aspirin", "everolimus", "--population", "pnet"]);
    assert!(
        e.contains("A:") && e.contains("\"aspirin\"") && e.contains("sunitinib"),
        "{e}"
    );
    let e = input_error(&["compare", "everolimus", "sunitinib", "--population", "liver"]);
    assert!(
        e.contains("--population") && e.contains("pnet, gi_lung, midgut, lung, gep"),
        "{e}"
    );
    let e = input_error(&[
        "compare",
        "everolimus",
        "sunitinib",
        "--population",
        "pnet",
        "--endpoint",
        "dfs",
    ]);
    assert!(e.contains("--endpoint") && e.contains("pfs, ttp, os"), "{e}");
}

#[test]
fn forest_writes_an_svg_a_reader_can_use() {
    let dir = std::env::temp_dir().join(format!("netrx-forest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("forest.svg");
    let out = stdout(&["forest", "--agent", "everolimus", "--out", path.to_str().unwrap()]);
    assert!(out.contains("Wrote") && out.contains("RADIANT-3"));
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for s in [
        "HR (95% CI)",
        "HR (log scale)",
        ">N<",
        "0.35 (0.27–0.45)",
        "0.48 (0.35–0.67)",
        "207 / 203",
        "RADIANT-4",
        "Favours Everolimus",
        "Sources:",
    ] {
        assert!(svg.contains(s), "missing {s:?}");
    }
    // COMPETE had everolimus as the control arm: shown inverted (1/0.67 = 1.49) and marked.
    assert!(svg.contains("1.49 (1.05–2.08)*"));
    // Without --out the SVG goes to stdout; --json gives the rows.
    assert!(stdout(&["forest", "--agent", "everolimus", "--no-subgroups"]).starts_with("<svg"));
    let j = json_of(&["forest", "--agent", "everolimus", "--population", "pnet", "--json"]);
    let trials: Vec<&str> = j["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["trial"].as_str().unwrap())
        .collect();
    assert!(
        trials.contains(&"radiant-3") && !trials.contains(&"radiant-4"),
        "{trials:?}"
    );
    let e = input_error(&["forest", "--agent", "aspirin"]);
    assert!(e.contains("--agent") && e.contains("everolimus"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
