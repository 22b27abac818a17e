//! The whole evidence base (trials, agents, populations) validated on every test run,
//! the validator shown to catch each kind of defect, the review's Tables 2–6 and
//! every trial of shared/reference/trials.md present, and the two queries later
//! issues rely on.

use netrx_kb::populations::Fit;
use netrx_kb::trials::{Endpoint, Sidedness, Trial, Verdict};
use netrx_kb::validate::{Evidence, load_evidence};

fn files() -> Vec<(String, String)> {
    netrx_kb::Kb::embedded_files()
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect()
}

fn evidence() -> Evidence {
    match load_evidence(&files()) {
        Ok(e) => e,
        Err(e) => panic!("the embedded evidence base must load and validate: {e}"),
    }
}

fn trial<'a>(e: &'a Evidence, id: &str) -> &'a Trial {
    e.trials.get(id).unwrap_or_else(|| panic!("trial {id} is in the base"))
}

#[test]
fn embedded_evidence_validates() {
    let e = evidence();
    let problems = netrx_kb::validate::validate(&e.trials, &e.agents, &e.populations);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// The validator catches each kind of defect (so the test above can fail).

/// Replace `old` by `new` in one file and return the validation error text.
fn broken(file: &str, old: &str, new: &str) -> String {
    let mut fs = files();
    let f = fs
        .iter_mut()
        .find(|(p, _)| p == file)
        .unwrap_or_else(|| panic!("{file} exists"));
    assert!(f.1.contains(old), "{file} contains {old:?}");
    f.1 = f.1.replacen(old, new, 1);
    match load_evidence(&fs) {
        Ok(_) => panic!("the defect {old:?} → {new:?} in {file} was not caught"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn validator_catches_hr_outside_its_ci() {
    let e = broken(
        "trials/radiant-3.toml",
        "value = 0.35, ci = [0.27, 0.45]",
        "value = 0.55, ci = [0.27, 0.45]",
    );
    assert!(e.contains("outside its CI"), "{e}");
}

#[test]
fn validator_catches_unordered_ci() {
    let e = broken(
        "trials/a6181111.toml",
        "value = 0.42, ci = [0.26, 0.66]",
        "value = 0.42, ci = [0.66, 0.26]",
    );
    assert!(e.contains("not ordered"), "{e}");
}

#[test]
fn validator_catches_non_positive_median() {
    let e = broken("trials/clarinet.toml", "median = 18.0,", "median = -18.0,");
    assert!(e.contains("must be positive"), "{e}");
    let e = broken("trials/clarinet.toml", "median = \"NR\"", "median = \"never\"");
    assert!(e.contains("NR"), "{e}");
}

#[test]
fn validator_catches_arms_not_summing_to_n() {
    let e = broken("trials/radiant-4.toml", "n = 302", "n = 303");
    assert!(e.contains("arms sum to 302"), "{e}");
    let e = broken(
        "trials/radiant-4.toml",
        "arm_n = { everolimus = 118, placebo = 57 }",
        "arm_n = { everolimus = 118, placebo = 58 }",
    );
    assert!(e.contains("arms sum to 176"), "{e}");
}

#[test]
fn validator_catches_unknown_agent_node_site_and_population_member() {
    let e = broken(
        "trials/promid.toml",
        "agents = [\"octreotide_lar\"]",
        "agents = [\"octreotide\"]",
    );
    assert!(e.contains("unknown agent \"octreotide\""), "{e}");
    let e = broken("trials/promid.toml", "node = \"placebo\"", "node = \"dummy\"");
    assert!(e.contains("neither an agent nor a regimen"), "{e}");
    let e = broken(
        "trials/promid.toml",
        "sites = [\"small_intestine\"]",
        "sites = [\"ileum\"]",
    );
    assert!(e.contains("unknown site \"ileum\""), "{e}");
    let e = broken(
        "populations.toml",
        "{ trial = \"promid\" },",
        "{ trial = \"promid-2\" },",
    );
    assert!(e.contains("unknown trial \"promid-2\""), "{e}");
}

#[test]
fn validator_catches_an_unlabelled_one_sided_p() {
    let e = broken(
        "trials/radiant-3.toml",
        "p = { value = 0.30, sided = \"one\", boundary = 0.0249 }",
        "p = { value = 0.30, sided = \"not_stated\" }",
    );
    assert!(e.contains("one-sided"), "{e}");
    // A p-value without any sidedness does not even parse.
    let e = broken(
        "trials/radiant-3.toml",
        "p = { value = 0.30, sided = \"one\", boundary = 0.0249 }",
        "p = { value = 0.30 }",
    );
    assert!(e.contains("sided"), "{e}");
}

#[test]
fn a_one_sided_design_alpha_does_not_make_the_p_one_sided() {
    // trials.md CALGB 80701: "P=0.12 (met pre-specified one-sided α=0.15)" — the design alpha is
    // one-sided, the p-value's sidedness is not stated. The embedded base (note mentions the
    // one-sided alpha, p not_stated) validates; calling the p itself one-sided is caught.
    let e = broken(
        "trials/calgb-80701.toml",
        "The sidedness of P=0.12 itself is not stated in the reference.",
        "P=0.12 is one-sided.",
    );
    assert!(e.contains("one-sided"), "{e}");
}

#[test]
fn validator_catches_a_missing_source_and_a_review_difference_without_note() {
    let e = broken(
        "trials/promid.toml",
        "source = { ref = \"Rinke, JCO 2009 (Abstract)\", status = \"verified\" }",
        "source = { ref = \"\", status = \"verified\" }",
    );
    assert!(e.contains("empty ref"), "{e}");
    let e = broken(
        "trials/cooperate-2.toml",
        "verdict = \"differs\"\nnote = \"PFS values are swapped",
        "verdict = \"differs\"\nxnote = \"PFS values are swapped",
    );
    // An unknown key is itself an error (deny_unknown_fields) — and without it the note is missing.
    assert!(e.contains("xnote") || e.contains("needs a note"), "{e}");
}

#[test]
fn validator_catches_a_second_preferred_analysis() {
    let e = broken(
        "trials/radiant-3.toml",
        "kind = \"sensitivity\"\nanalysis = \"PFS by central (independent) review — sensitivity analysis\"",
        "kind = \"sensitivity\"\nanalysis = \"PFS by central (independent) review — sensitivity analysis\"\npreferred = true",
    );
    assert!(e.contains("already the preferred analysis"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Coverage of the review and of trials.md.

#[test]
fn every_trial_of_the_reviews_tables_2_to_6_is_present_with_its_review_row() {
    let e = evidence();
    let tables: &[(u8, &[&str])] = &[
        (2, &["clarinet", "promid", "netter-1", "a6181111", "sun-2005"]),
        (
            3,
            &[
                "chan-everolimus-pasireotide",
                "chan-everolimus-sorafenib",
                "yao-2008",
                "radiant-1",
                "calgb-80701",
                "cooperate-2",
                "luna",
            ],
        ),
        (4, &["radiant-2", "radiant-3", "radiant-4"]),
        (5, &["radiant-2", "radiant-3", "radiant-4"]),
        (
            6,
            &[
                "nct03014297",
                "nct01204476",
                "nct01784861",
                "nct02063958",
                "seqtor",
                "nct02077933",
                "nct00843531",
                "nct00985374",
                "nct00655655",
            ],
        ),
    ];
    for (n, ids) in tables {
        for id in *ids {
            let t = trial(&e, id);
            assert!(t.review_tables.contains(n), "{id} is marked as in table {n}");
            assert!(
                t.review.iter().any(|r| r.place == format!("table {n}")),
                "{id} carries its table {n} row"
            );
        }
        let marked = e.trials.trials.iter().filter(|t| t.review_tables.contains(n)).count();
        assert_eq!(marked, ids.len(), "table {n} has exactly these trials");
    }
}

#[test]
fn every_trial_of_trials_md_is_present() {
    let e = evidence();
    for id in [
        "radiant-1",
        "radiant-2",
        "radiant-3",
        "radiant-4",
        "cooperate-2",
        "luna",
        "calgb-80701",
        "yao-2008",
        "panzuto-2014",
        "bajetta-2014",
        "promid",
        "clarinet",
        "netter-1",
        "netter-2",
        "a6181111",
        "sun-2005",
        "spinet",
        "cabinet",
        "compete",
        "seqtor",
        "oclurandom",
        "e2211",
        "sanet-ep",
        "sanet-p",
    ] {
        trial(&e, id);
    }
    // Lookup by name, alias and registry id.
    assert_eq!(trial(&e, "RADIANT-3").id, "radiant-3");
    assert_eq!(trial(&e, "SUN-1111").id, "a6181111");
    assert_eq!(trial(&e, "NCT03049189").id, "compete");
    assert_eq!(trial(&e, "calgb 80701").id, "calgb-80701");
}

/// Numbers in a text: digit runs with an optional decimal part, not glued to letters
/// (so `RADIANT-3`, `NCT02246127`, `5-FU`, `G2` are not numbers).
fn numbers(s: &str) -> Vec<String> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if c[i].is_ascii_digit()
            || (c[i] == '.' && i + 1 < c.len() && c[i + 1].is_ascii_digit() && (i == 0 || !c[i - 1].is_ascii_digit()))
        {
            let start = i;
            while i < c.len()
                && (c[i].is_ascii_digit() || (c[i] == '.' && i + 1 < c.len() && c[i + 1].is_ascii_digit()))
            {
                i += 1;
            }
            let before = if start > 0 { Some(c[start - 1]) } else { None };
            let glued_before =
                before.is_some_and(|b| b.is_alphanumeric() || (b == '-' && start >= 2 && c[start - 2].is_alphabetic()));
            let glued_after =
                i < c.len() && (c[i].is_alphabetic() || (c[i] == '-' && i + 1 < c.len() && c[i + 1].is_alphabetic()));
            if !glued_before && !glued_after {
                out.push(c[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Whether `stored` rounds to `quoted` at `quoted`'s precision.
fn rounds_to(stored: f64, quoted: &str) -> bool {
    let q: f64 = quoted.parse().unwrap();
    let decimals = quoted.split('.').nth(1).map_or(0, str::len) as i32;
    let half = 0.5 * 10f64.powi(-decimals);
    (stored - q).abs() <= half + 1e-9
}

#[test]
fn every_number_the_review_quotes_is_in_the_trial_data_or_explained() {
    let e = evidence();
    let mut missing = Vec::new();
    for t in &e.trials.trials {
        // Every number stored for the trial, via its JSON form.
        let json = serde_json::to_string(t).unwrap();
        let stored: Vec<f64> = numbers(&json).iter().filter_map(|s| s.parse().ok()).collect();
        for r in &t.review {
            let note_numbers = r.note.as_deref().map(numbers).unwrap_or_default();
            for q in numbers(&r.quoted) {
                let found = stored.iter().any(|s| rounds_to(*s, &q)) || note_numbers.iter().any(|n| n == &q);
                if !found {
                    missing.push(format!("{} ({}): {q} in {:?}", t.id, r.place, r.quoted));
                }
            }
            if r.verdict != Verdict::Matches {
                assert!(
                    r.note.is_some(),
                    "{}: a {:?} review row explains itself",
                    t.id,
                    r.verdict
                );
            }
        }
    }
    assert!(missing.is_empty(), "review numbers not found:\n{}", missing.join("\n"));
}

#[test]
fn table_5_rows_equal_the_transcribed_review_row() {
    // The review row is the verbatim transcription; the AE table is the data. They must agree.
    let e = evidence();
    for id in ["radiant-2", "radiant-3", "radiant-4"] {
        let t = trial(&e, id);
        let row = t.review.iter().find(|r| r.place == "table 5").unwrap();
        let ae = t.ae_tables.iter().find(|a| a.id == "review-table-5").unwrap();
        let body = row.quoted.split(':').nth(1).unwrap().split('(').next().unwrap();
        let mut n = 0;
        for item in body.split(',') {
            let item = item.trim();
            let (name, vals) = item.rsplit_once(' ').unwrap();
            let term = name.replace(' ', "_");
            let (all, g34) = vals.split_once('/').unwrap();
            let r = ae
                .rows
                .iter()
                .find(|r| r.term == term)
                .unwrap_or_else(|| panic!("{id}: {term}"));
            assert_eq!(r.all_grades.unwrap().to_string(), all, "{id} {term} all grades");
            let g = r.grade_3_4.map(|g| g.to_string()).unwrap_or_else(|| "–".into());
            assert_eq!(g, g34, "{id} {term} grade 3–4");
            n += 1;
        }
        assert_eq!(n, ae.rows.len(), "{id}: every stored row is in the review's table");
    }
}

#[test]
fn one_sided_p_values_of_trials_md_are_labelled_one_sided() {
    let e = evidence();
    // trials.md: RADIANT-2 PFS one-sided log-rank P=0.026; RADIANT-3 final OS one-sided P=0.30;
    // RADIANT-4 first interim OS one-sided P=0.037.
    for (id, endpoint, p) in [
        ("radiant-2", Endpoint::Pfs, 0.026),
        ("radiant-3", Endpoint::Os, 0.30),
        ("radiant-4", Endpoint::Os, 0.037),
    ] {
        let t = trial(&e, id);
        let r = t
            .results
            .iter()
            .find(|r| r.endpoint == endpoint && r.p.as_ref().is_some_and(|x| (x.value - p).abs() < 1e-12))
            .unwrap_or_else(|| panic!("{id} has the p = {p} result"));
        assert_eq!(r.p.as_ref().unwrap().sided, Sidedness::One, "{id}");
        assert!(r.p.as_ref().unwrap().display().starts_with("one-sided"));
    }
}

#[test]
fn radiant_3_keeps_investigator_and_central_pfs_and_marks_the_primary() {
    let e = evidence();
    let t = trial(&e, "radiant-3");
    let pfs: Vec<_> = t
        .results
        .iter()
        .filter(|r| r.endpoint == Endpoint::Pfs && r.cohort == "all")
        .collect();
    let inv = pfs.iter().find(|r| r.analysis.contains("investigator")).unwrap();
    let cen = pfs.iter().find(|r| r.analysis.contains("central")).unwrap();
    assert!(inv.preferred && format!("{:?}", inv.kind) == "Primary");
    assert!(!cen.preferred);
    assert_eq!(inv.effect.as_ref().unwrap().value, 0.35);
    assert_eq!(cen.effect.as_ref().unwrap().value, 0.34);
    assert_eq!(cen.effect.as_ref().unwrap().ci, Some([0.26, 0.44]));
}

// ---------------------------------------------------------------------------------------
// The queries of issues 4 and 11.

#[test]
fn network_contrasts_for_pnet_pfs() {
    let e = evidence();
    let c = e
        .trials
        .contrasts(&e.agents, &e.populations, "pnet", Endpoint::Pfs, false);
    let r3 = c.iter().find(|x| x.study == "radiant-3").unwrap();
    assert_eq!((r3.treat1.as_str(), r3.treat2.as_str()), ("everolimus", "placebo"));
    assert!((r3.log_hr - 0.35f64.ln()).abs() < 1e-12);
    // SE from the CI: R `(log(0.45)-log(0.27))/(2*qnorm(0.975))` = 0.1303150537 (tolerance 1e-9).
    assert!((r3.se - 0.130_315_053_7).abs() < 1e-9, "{}", r3.se);
    assert_eq!(r3.fit, Fit::Exact);
    // CLARINET enters pNET as a mixed-site population; E2211 (no CI) and OCLURANDOM (non-comparative) do not enter.
    assert_eq!(c.iter().find(|x| x.study == "clarinet").unwrap().fit, Fit::Mixed);
    assert!(!c.iter().any(|x| x.study == "e2211" || x.study == "oclurandom"));
    // One preferred row per study.
    let mut studies: Vec<&str> = c.iter().map(|x| x.study.as_str()).collect();
    let n = studies.len();
    studies.dedup();
    assert_eq!(n, studies.len());
    // With all analyses, RADIANT-3's central review appears too, not preferred.
    let all = e
        .trials
        .contrasts(&e.agents, &e.populations, "pnet", Endpoint::Pfs, true);
    assert!(
        all.iter()
            .any(|x| x.study == "radiant-3" && !x.preferred && (x.hr - 0.34).abs() < 1e-12)
    );
}

#[test]
fn evidence_lines_for_everolimus_in_pnet() {
    let e = evidence();
    let lines = e.trials.evidence(&e.agents, &e.populations, "everolimus", "pnet");
    let r3: Vec<_> = lines.iter().filter(|l| l.trial == "radiant-3").collect();
    assert!(
        r3.iter()
            .any(|l| l.result.endpoint == Endpoint::Pfs && l.n == Some(410))
    );
    assert!(lines.iter().any(|l| l.trial == "cooperate-2"));
    assert!(lines.iter().any(|l| l.trial == "compete" && l.cohort == "pnet"));
    // Sunitinib's trial does not support everolimus.
    assert!(!lines.iter().any(|l| l.trial == "a6181111"));
}

#[test]
fn fit_is_derived_from_sites() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(Fit::of(&s(&["pancreas"]), &s(&["pancreas"])), Fit::Exact);
    assert_eq!(
        Fit::of(&s(&["pancreas"]), &s(&["pancreas", "small_intestine"])),
        Fit::Subset
    );
    assert_eq!(Fit::of(&s(&["pancreas", "lung"]), &s(&["pancreas"])), Fit::Mixed);
}

#[test]
fn agents_resolve_by_id_alias_and_regimen() {
    let e = evidence();
    assert_eq!(e.agents.resolve_node("Afinitor"), Some("everolimus"));
    assert_eq!(e.agents.resolve_node("CAPTEM"), Some("capecitabine_temozolomide"));
    assert_eq!(e.agents.resolve_node("OCT60"), Some("octreotide_lar_60mg"));
    assert_eq!(e.agents.resolve_node("lu177-edotreotide"), Some("lu177_edotreotide"));
    assert_eq!(e.agents.resolve_node("aspirin"), None);
    for id in [
        "everolimus",
        "sunitinib",
        "cabozantinib",
        "octreotide_lar",
        "lanreotide",
        "lu177_dotatate",
        "capecitabine_temozolomide",
        "streptozocin_5fu",
        "interferon_alpha",
        "platinum_etoposide",
        "liver_directed_therapy",
        "watch_and_wait",
        "placebo",
    ] {
        assert!(e.agents.agent(id).is_some(), "agent {id} (issue 4's list) exists");
    }
}
