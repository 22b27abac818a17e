//! `compare`: the worked Bucher estimates of shared/reference/trials.md §3.3, the direct
//! estimate from COMPETE, refusals where the network is disconnected, and the
//! heterogeneity warnings derived from the trial data.

use netrx_clinical::compare::{CompareError, Comparison, Evidence, Refusal, Request, compare_in};
use std::sync::OnceLock;

/// The evidence part of the embedded knowledge base (loaded on its own, so these tests do
/// not depend on the other knowledge files).
fn kb() -> Evidence<'static> {
    static E: OnceLock<netrx_kb::validate::Evidence> = OnceLock::new();
    let e = E.get_or_init(|| {
        let files: Vec<(String, String)> = netrx_kb::Kb::embedded_files()
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        netrx_kb::validate::load_evidence(&files).expect("embedded evidence loads")
    });
    Evidence {
        agents: &e.agents,
        populations: &e.populations,
        trials: &e.trials,
        knowledge_version: "sha256:test",
    }
}

fn compare(kb: &Evidence, r: &Request) -> Result<Comparison, CompareError> {
    compare_in(kb, r)
}

fn req(a: &str, b: &str, pop: &str, endpoint: &str) -> Request {
    Request {
        a: a.into(),
        b: b.into(),
        population: pop.into(),
        endpoint: endpoint.into(),
        allow_ttp: false,
    }
}

fn ok(kb: &Evidence, a: &str, b: &str, pop: &str, endpoint: &str) -> Comparison {
    match compare(kb, &req(a, b, pop, endpoint)) {
        Ok(c) => c,
        Err(e) => panic!("{a} vs {b} in {pop}: {e}"),
    }
}

fn refused(kb: &Evidence, r: Request) -> Refusal {
    match compare(kb, &r) {
        Err(CompareError::Refused(r)) => *r,
        Ok(c) => panic!("expected a refusal, got HR {}", c.hr),
        Err(CompareError::Input(e)) => panic!("expected a refusal, got input error {e}"),
    }
}

fn warns(c: &Comparison, check: &str) -> bool {
    c.checks.iter().find(|x| x.check == check).is_some_and(|x| x.warn)
}

/// trials.md §3.3, rounded to two decimals there: reproduced within ±0.005.
#[test]
fn reproduces_trials_md_3_3() {
    let kb = kb();
    let cases = [
        (
            "everolimus",
            "sunitinib",
            "pnet",
            (0.83, 0.49, 1.42),
            ["radiant-3", "a6181111"],
        ),
        (
            "everolimus",
            "surufatinib",
            "pnet",
            (0.71, 0.43, 1.18),
            ["radiant-3", "sanet-p"],
        ),
        (
            "everolimus",
            "cabozantinib",
            "pnet",
            (1.52, 0.77, 2.99),
            ["radiant-3", "cabinet"],
        ),
        (
            "everolimus",
            "lanreotide",
            "pnet",
            (0.74, 0.45, 1.24),
            ["radiant-3", "clarinet"],
        ),
        (
            "everolimus",
            "surufatinib",
            "gi_lung",
            (1.44, 0.86, 2.41),
            ["radiant-4", "sanet-ep"],
        ),
        (
            "everolimus",
            "cabozantinib",
            "gi_lung",
            (1.26, 0.74, 2.16),
            ["radiant-4", "cabinet"],
        ),
    ];
    for (a, b, pop, want, path) in cases {
        let c = ok(&kb, a, b, pop, "pfs");
        assert_eq!(c.method, "bucher", "{a} vs {b}");
        assert_eq!(c.path, path, "{a} vs {b}");
        assert_eq!(c.nodes, [a, "placebo", b]);
        for (got, w) in [(c.hr, want.0), (c.ci_low, want.1), (c.ci_high, want.2)] {
            assert!((got - w).abs() <= 0.005 + 1e-12, "{a} vs {b} in {pop}: {got} vs {w}");
        }
        assert_eq!(c.status, netrx_kb::Status::Derived);
        assert!(!c.knowledge_version.is_empty());
    }
}

/// Full precision against R 4.2.2 (base): see netrx-stats indirect tests for the script;
/// everolimus vs sunitinib → 0.83333333333 (0.48991015465–1.41749346867), p = 0.50114107787.
#[test]
fn everolimus_vs_sunitinib_matches_r() {
    let kb = kb();
    let c = ok(&kb, "everolimus", "sunitinib", "pnet", "pfs");
    assert!((c.hr - 0.833_333_333_33).abs() < 1e-9);
    assert!((c.ci_low - 0.489_910_154_65).abs() < 1e-9);
    assert!((c.ci_high - 1.417_493_468_67).abs() < 1e-9);
    assert!((c.p - 0.501_141_077_87).abs() < 1e-9);
    // Reversing the question inverts the HR and swaps the bounds.
    let r = ok(&kb, "sunitinib", "everolimus", "pnet", "pfs");
    assert!((r.hr * c.hr - 1.0).abs() < 1e-12);
    assert!((r.ci_low * c.ci_high - 1.0).abs() < 1e-12);
}

#[test]
fn everolimus_vs_sunitinib_warnings_are_derived_from_the_trials() {
    let kb = kb();
    let c = ok(&kb, "everolimus", "sunitinib", "pnet", "pfs");
    // trials.md §3.3: same era, both double-blind, both progression ≤ 12 months, both
    // investigator-assessed; the sunitinib trial stopped early.
    assert!(warns(&c, "stopped_early"));
    assert!(c.warnings.iter().any(|w| w.contains("A6181111")));
    for quiet in [
        "progression_at_entry",
        "assessment",
        "era",
        "blinding",
        "site_mix",
        "crossover",
    ] {
        assert!(!warns(&c, quiet), "{quiet} should not warn: {:?}", c.checks);
    }
    assert!(c.assumption.contains("Bucher") && c.assumption.contains("Placebo"));
    assert!(c.interpretation.contains("includes 1"));
    // The sensitivity analysis swaps in RADIANT-3's central review (HR 0.34, 0.26–0.44):
    // R → 0.8095238095 (0.4741492811–1.3821149253).
    let s = c
        .sensitivity
        .iter()
        .find(|v| v.label.contains("RADIANT-3"))
        .expect("central-review variant");
    assert!((s.hr - 0.809_523_809_5).abs() < 1e-9);
    assert!((s.ci_low - 0.474_149_281_1).abs() < 1e-9 && (s.ci_high - 1.382_114_925_3).abs() < 1e-9);
}

#[test]
fn the_other_worked_examples_raise_the_threats_trials_md_names() {
    let kb = kb();
    // Surufatinib: China-only, later era.
    let c = ok(&kb, "everolimus", "surufatinib", "pnet", "pfs");
    assert!(warns(&c, "era") && warns(&c, "region") && warns(&c, "stopped_early"));
    // Cabozantinib: later-line population; BICR vs local assessment.
    let c = ok(&kb, "everolimus", "cabozantinib", "pnet", "pfs");
    assert!(warns(&c, "prior_therapy") && warns(&c, "assessment"));
    // Lanreotide via CLARINET: mixed sites, non-progressive population, Ki-67 < 10 %.
    let c = ok(&kb, "everolimus", "lanreotide", "pnet", "pfs");
    assert!(warns(&c, "site_mix") && warns(&c, "progression_at_entry") && warns(&c, "grade"));
    // gi_lung: SANET-ep investigator vs central HRs differ — the sensitivity analysis shows it:
    // R → 0.7305936073 (0.4376065029–1.2197419726) with the central HR 0.657 (0.442–0.977).
    let c = ok(&kb, "everolimus", "surufatinib", "gi_lung", "pfs");
    assert!(warns(&c, "assessment") && warns(&c, "site_mix"));
    let s = c
        .sensitivity
        .iter()
        .find(|v| v.label.contains("SANET-ep"))
        .expect("central variant");
    assert!((s.hr - 0.730_593_607_3).abs() < 1e-9 && (s.ci_high - 1.219_741_972_6).abs() < 1e-9);
}

#[test]
fn direct_estimate_from_compete() {
    let kb = kb();
    let c = ok(&kb, "lu177_edotreotide", "everolimus", "gep", "pfs");
    assert_eq!(c.method, "direct");
    assert_eq!(c.path, ["compete"]);
    assert!((c.hr - 0.67).abs() < 1e-12);
    // A single trial's answer is its published result: 0.67 (0.48–0.95), P=0.022.
    assert_eq!((c.ci_low, c.ci_high), (0.48, 0.95));
    assert_eq!((c.p, c.p_method), (0.022, "published"));
    let r = ok(&kb, "everolimus", "lu177_edotreotide", "gep", "pfs");
    assert!((r.hr - 1.0 / 0.67).abs() < 1e-12 && (r.ci_low - 1.0 / 0.95).abs() < 1e-12);
    assert!(warns(&c, "blinding"), "COMPETE was open-label");
    // pNET: the pNET subgroup, 0.699 (0.45–1.09).
    let c = ok(&kb, "ITM-11", "everolimus", "pnet", "pfs");
    assert_eq!(
        (c.method, c.path.as_slice()),
        ("direct", ["compete".to_string()].as_slice())
    );
    assert!((c.hr - 0.699).abs() < 1e-12);
}

#[test]
fn os_comparison_warns_about_crossover() {
    let kb = kb();
    // RADIANT-3 final OS 0.94 (0.73–1.20) vs A6181111 final OS 0.73 (0.50–1.06):
    // R → 1.2876712329 (0.8206754609–2.0204054867), p = 0.2712944132.
    let c = ok(&kb, "everolimus", "sunitinib", "pnet", "os");
    assert!((c.hr - 1.287_671_232_9).abs() < 1e-9);
    assert!((c.ci_low - 0.820_675_460_9).abs() < 1e-9 && (c.ci_high - 2.020_405_486_7).abs() < 1e-9);
    assert!((c.p - 0.271_294_413_2).abs() < 1e-9);
    assert!(warns(&c, "crossover"));
    assert!(c.warnings.iter().any(|w| w.contains("85 %") && w.contains("69 %")));
}

#[test]
fn refuses_a_disconnected_network() {
    let kb = kb();
    // Midgut: NETTER-1's comparator (octreotide LAR 60 mg) links to nothing else (trials.md §3.2).
    let r = refused(&kb, req("lu177_dotatate+octreotide_lar", "everolimus", "midgut", "pfs"));
    assert!(r.reason.contains("disconnected"), "{}", r.reason);
    assert!(r.a_connects_to.iter().any(|x| x.starts_with("octreotide_lar_60mg")));
    assert!(r.b_connects_to.iter().any(|x| x.starts_with("placebo")));
    // Asking for the agent alone points to the combination node it appears in.
    let r = refused(&kb, req("lu177_dotatate", "everolimus", "midgut", "pfs"));
    assert!(
        r.unusable.iter().any(|u| u.contains("lu177_dotatate+octreotide_lar")),
        "{:?}",
        r.unusable
    );
    // Lung: SPINET reports no HR; LUNA is non-comparative.
    let r = refused(&kb, req("everolimus", "lanreotide", "lung", "pfs"));
    assert!(r.unusable.iter().any(|u| u.contains("SPINET")), "{:?}", r.unusable);
    // pNET: E2211's HR has no CI; chemotherapy is disconnected from the everolimus network.
    let r = refused(&kb, req("capecitabine_temozolomide", "everolimus", "pnet", "pfs"));
    assert!(
        r.unusable
            .iter()
            .any(|u| u.contains("E2211") && u.contains("confidence interval")),
        "{:?}",
        r.unusable
    );
    // Sun 2005 is not in any population's network at all.
    let r = refused(&kb, req("doxorubicin_5fu", "everolimus", "gep", "pfs"));
    assert!(r.reason.contains("doxorubicin_5fu"));
}

#[test]
fn ttp_stands_in_for_pfs_only_when_asked() {
    let kb = kb();
    // PROMID reports TTP, RADIANT-4's GI subgroup PFS: no PFS path …
    let r = refused(&kb, req("everolimus", "octreotide_lar", "midgut", "pfs"));
    assert!(
        r.unusable.iter().any(|u| u.contains("PROMID") && u.contains("TTP")),
        "{:?}",
        r.unusable
    );
    // … unless TTP may stand in, with a warning.
    // R → 1.6470588235 (0.8355131645–3.2468701673) from 0.56 (0.37–0.84) and 0.34 (0.20–0.59).
    let mut q = req("everolimus", "octreotide_lar", "midgut", "pfs");
    q.allow_ttp = true;
    let c = compare(&kb, &q).expect("a TTP-bridged estimate");
    assert!((c.hr - 1.647_058_823_5).abs() < 1e-9 && (c.ci_high - 3.246_870_167_3).abs() < 1e-9);
    assert!(warns(&c, "endpoint"));
    assert!(warns(&c, "progression_at_entry"), "PROMID did not require progression");
}

#[test]
fn bad_input_names_the_field_and_the_allowed_values() {
    let kb = kb();
    let e = |r: Request| match compare(&kb, &r) {
        Err(CompareError::Input(e)) => e,
        _ => panic!("expected an input error"),
    };
    let x = e(req("aspirin", "everolimus", "pnet", "pfs"));
    assert_eq!(x.field, "A");
    assert!(x.message.contains("\"aspirin\"") && x.message.contains("everolimus") && x.message.contains("sunitinib"));
    let x = e(req("everolimus", "sunitinib", "pancreas", "pfs"));
    assert_eq!(x.field, "--population");
    assert!(x.message.contains("pnet, gi_lung, midgut, lung, gep"), "{}", x.message);
    let x = e(req("everolimus", "sunitinib", "pnet", "orr"));
    assert_eq!(x.field, "--endpoint");
    assert!(x.message.contains("pfs, ttp, os"));
    let x = e(req("everolimus", "Afinitor", "pnet", "pfs"));
    assert_eq!(x.field, "B");
}

#[test]
fn gep_pools_everolimus_trials_and_reports_heterogeneity() {
    let kb = kb();
    // In gep, everolimus vs placebo comes from RADIANT-3 (pNET) and RADIANT-4's GI subgroup:
    // pooled fixed effect; R (see netrx-stats indirect tests) → 0.39915887893.
    let c = ok(&kb, "everolimus", "placebo", "gep", "pfs");
    assert_eq!(c.method, "direct");
    assert_eq!(c.links[0].inputs.len(), 2);
    assert!((c.hr - 0.399_158_878_93).abs() < 1e-9);
    assert!(c.warnings.iter().any(|w| w.contains("I²")));
    assert!(warns(&c, "site_mix"), "both trials cover only part of gep");
}
