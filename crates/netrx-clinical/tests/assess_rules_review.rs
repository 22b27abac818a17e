//! Findings of a clinical review of `netrx assess` (reference:
//! shared/reference/clinical-rules.md §C), one test per finding. Each case is written
//! inline; each expectation is read off the cited reference row, not copied from the
//! program's output. Roles are categorical: no numeric tolerance applies.

use netrx_clinical::assess::{Assessment, OptionRole};
use netrx_clinical::capability::Region;
use netrx_kb::guidelines::Role;

mod common;
use common::{kb, opt, run_text as run};

fn fired(a: &Assessment, agent: &str, rule: &str) -> bool {
    opt(a, agent).why.iter().any(|w| w.id == rule)
}

fn why_ids(a: &Assessment, agent: &str) -> Vec<String> {
    opt(a, agent).why.iter().map(|w| w.id.clone()).collect()
}

/// A well-differentiated advanced NET; `tumor_extra` and `prior` are spliced in as JSON text.
fn case(site: &str, ki67: f64, mitoses_per_2mm2: u32, tumor_extra: &str, prior: &str) -> String {
    format!(
        r#"{{
  "id": "review-case",
  "patient": {{ "age_years": 60, "sex": "female", "weight_kg": 70, "ecog": 1, "child_pugh": null }},
  "tumor": {{
    "primary_site": "{site}",
    "differentiation": "well",
    "ki67_percent": {ki67},
    "mitoses": {{ "per_2mm2": {mitoses_per_2mm2} }},
    "necrosis": "none",
    "extent": "metastatic",
    "liver_burden_percent": 20,
    {tumor_extra}
  }},
  "prior_therapies": [{prior}]
}}"#
    )
}

const BOTH: [Region; 2] = [Region::Us, Region::Eu];

// --- Finding 1: interferon-α only for G1/G2 ---------------------------------------------------

#[test]
fn interferon_is_not_positioned_for_small_intestinal_net_g3() {
    // §C.7 "Interferon-α: midgut G1/G2"; §C.2 row Interferon-α 2b: grade G1/G2. A NET G3
    // (Ki-67 25 %, as examples/assess-si-net-g3.json) gets no interferon rule, whatever the
    // prior therapy, with or without carcinoid syndrome.
    let g3 = r#""functional": false, "syndrome": null, "sstr_imaging": "positive",
    "progression": { "status": "progressive", "months_observed": 5 },
    "extrahepatic_disease": true, "symptomatic": false"#;
    let g3_syndrome = r#""functional": true, "syndrome": "carcinoid", "sstr_imaging": "positive",
    "progression": { "status": "progressive", "months_observed": 5 },
    "extrahepatic_disease": true, "symptomatic": true"#;
    let after_ssa = r#"{ "agent": "octreotide_lar", "line": 1, "outcome": "progressed" }"#;
    for region in BOTH {
        for tumor in [g3, g3_syndrome] {
            for prior in ["", after_ssa] {
                let a = run(&case("jejunum_ileum", 25.0, 8, tumor, prior), region);
                assert_eq!(a.facts.grade.as_deref(), Some("G3"), "the case is a NET G3");
                assert_eq!(
                    opt(&a, "interferon_alpha").role,
                    OptionRole::NotIndicated,
                    "{region:?} prior [{prior}]: why {:?}",
                    why_ids(&a, "interferon_alpha")
                );
            }
        }
    }
    // The same tumour as G2 (Ki-67 8 %): the NCCN GI row still places IFN-α after SSA failure
    // (§C.3 NCCN GI specifics), so the grade condition is what withholds it above.
    let g2 = case("jejunum_ileum", 8.0, 2, g3, "");
    let a = run(&g2, Region::Us);
    assert!(fired(&a, "interferon_alpha", "nccn_style.gi_interferon_after_ssa"));
    assert_eq!(opt(&a, "interferon_alpha").role, OptionRole::LaterLine);
    let a = run(&case("jejunum_ileum", 8.0, 2, g3, after_ssa), Region::Us);
    assert_eq!(opt(&a, "interferon_alpha").role, OptionRole::Option);
}

#[test]
fn every_interferon_rule_tests_grade_g1_g2() {
    // §C.7 / §C.2: every rule that puts interferon-α forward must be limited to G1/G2 (at
    // its top level, so that no branch of it escapes the limit).
    let mut checked = 0;
    for (_, rule) in kb().guidelines.rules() {
        if !rule.agents.iter().any(|a| a == "interferon_alpha") {
            continue;
        }
        if matches!(rule.role, Role::NotRecommended | Role::NotIndicated) {
            continue;
        }
        checked += 1;
        let grades = rule.when.grade.clone().unwrap_or_default();
        assert!(
            !grades.is_empty() && grades.iter().all(|g| g == "G1" || g == "G2"),
            "{} positions interferon-α without limiting it to G1/G2 (grade = {grades:?})",
            rule.id
        );
    }
    assert!(checked >= 6, "interferon rules found: {checked}");
}

// --- Finding 2: §C.3 'widespread' rows need extrahepatic disease ---------------------------------

/// The §C.3 'widespread' rows and one agent each lists.
const WIDESPREAD: [(&str, &str, &str); 6] = [
    // (rule, agent, tumour)
    ("nccn_style.pnet_sstr_pos", "everolimus", PNET_SSTR_POS),
    (
        "nccn_style.pnet_sstr_pos_high_ki67_chemo",
        "capecitabine_temozolomide",
        PNET_SSTR_POS_HIGH_KI67,
    ),
    (
        "nccn_style.pnet_sstr_pos_high_ki67_then",
        "everolimus",
        PNET_SSTR_POS_HIGH_KI67_AFTER_CHEMO,
    ),
    ("nccn_style.pnet_sstr_neg", "sunitinib", PNET_SSTR_NEG),
    ("nccn_style.midgut_sstr_pos", "everolimus", MIDGUT_SSTR_POS),
    ("nccn_style.midgut_sstr_neg", "everolimus", MIDGUT_SSTR_NEG),
];

// Each: (site, Ki-67, mitoses per 2 mm², tumour fields without extrahepatic_disease, prior therapy)
type Tumour = (&'static str, f64, u32, &'static str, &'static str);

const PROGRESSIVE_NF: &str = r#""functional": false, "syndrome": null, "symptomatic": false,
    "progression": { "status": "progressive", "months_observed": 9 }"#;
const PNET_SSTR_POS: &str = "pnet_sstr_pos";
const PNET_SSTR_POS_HIGH_KI67: &str = "pnet_sstr_pos_high_ki67";
const PNET_SSTR_POS_HIGH_KI67_AFTER_CHEMO: &str = "pnet_sstr_pos_high_ki67_after_chemo";
const PNET_SSTR_NEG: &str = "pnet_sstr_neg";
const MIDGUT_SSTR_POS: &str = "midgut_sstr_pos";
const MIDGUT_SSTR_NEG: &str = "midgut_sstr_neg";

fn tumour(name: &str) -> Tumour {
    let capecitabine = r#"{ "agent": "capecitabine_temozolomide", "line": 1, "outcome": "progressed" }"#;
    match name {
        "pnet_sstr_pos" => ("pancreas", 8.0, 2, "positive", ""),
        "pnet_sstr_pos_high_ki67" => ("pancreas", 15.0, 3, "positive", ""),
        "pnet_sstr_pos_high_ki67_after_chemo" => ("pancreas", 15.0, 3, "positive", capecitabine),
        "pnet_sstr_neg" => ("pancreas", 8.0, 2, "negative", ""),
        "midgut_sstr_pos" => ("jejunum_ileum", 8.0, 2, "positive", ""),
        "midgut_sstr_neg" => ("jejunum_ileum", 8.0, 2, "negative", ""),
        _ => unreachable!("{name}"),
    }
}

fn widespread_case(name: &str, extrahepatic: Option<bool>, prior: Option<&str>) -> String {
    let (site, ki67, mitoses, sstr, default_prior) = tumour(name);
    let extra = match extrahepatic {
        Some(b) => format!(r#", "extrahepatic_disease": {b}"#),
        None => String::new(),
    };
    let tumor = format!(r#"{PROGRESSIVE_NF}, "sstr_imaging": "{sstr}"{extra}"#);
    case(site, ki67, mitoses, &tumor, prior.unwrap_or(default_prior))
}

#[test]
fn widespread_rows_do_not_fire_on_liver_only_disease() {
    // §C.3: the 'widespread' rows are the siblings of 'hepatic-dominant'; netrx reads
    // hepatic-dominant as no extrahepatic disease (nccn_style.hepatic_dominant), so a
    // widespread row needs extrahepatic disease.
    for (rule, agent, name) in WIDESPREAD {
        for region in BOTH {
            let spread = run(&widespread_case(name, Some(true), None), region);
            assert!(
                fired(&spread, agent, rule),
                "{rule} fires with extrahepatic disease ({region:?})"
            );
            let liver_only = run(&widespread_case(name, Some(false), None), region);
            assert!(
                !fired(&liver_only, agent, rule),
                "{rule} must not fire on liver-only disease ({region:?})"
            );
            // Not known: the three-valued logic leaves the row undecided (it never fires) and
            // names the missing input.
            let unknown = run(&widespread_case(name, None, None), region);
            assert!(
                !fired(&unknown, agent, rule),
                "{rule} undecided when extrahepatic is missing"
            );
            assert_eq!(unknown.facts.extrahepatic, None);
        }
    }
}

#[test]
fn liver_only_examples_get_no_widespread_row() {
    // The examples the review named (liver-only pNETs, extrahepatic_disease = false).
    let insulinoma = case(
        "pancreas",
        6.0,
        3,
        r#""functional": true, "syndrome": "insulinoma", "sstr_imaging": "positive",
    "progression": { "status": "progressive", "months_observed": 8 },
    "extrahepatic_disease": false, "symptomatic": true"#,
        "",
    );
    let pnet_g2 = widespread_case(
        "pnet_sstr_pos",
        Some(false),
        Some(r#"{ "agent": "lanreotide", "line": 1, "outcome": "progressed" }"#),
    );
    for text in [insulinoma, pnet_g2] {
        for region in BOTH {
            let a = run(&text, region);
            for o in &a.options {
                for w in &o.why {
                    assert!(
                        !WIDESPREAD.iter().any(|(rule, _, _)| w.id == *rule),
                        "{} fired for {} on liver-only disease",
                        w.id,
                        o.agent
                    );
                }
            }
        }
    }
}

// --- Finding 3: cabozantinib in SI-NET after one non-SSA systemic therapy ------------------------

const SI_SSTR_NEG: &str = r#""functional": false, "syndrome": null, "sstr_imaging": "negative",
    "progression": { "status": "progressive", "months_observed": 6 },
    "extrahepatic_disease": true, "symptomatic": false"#;

#[test]
fn cabozantinib_in_sstr_negative_si_net_after_everolimus() {
    // §C.7: US "previously treated"; EU "after ≥ 1 prior systemic therapy other than SSA";
    // §C.5 S1 "cabozantinib (epNET, after prior therapy)". An SSA is not required as well.
    let everolimus = r#"{ "agent": "everolimus", "line": 1, "outcome": "progressed" }"#;
    let lanreotide = r#"{ "agent": "lanreotide", "line": 1, "outcome": "progressed" }"#;
    for region in BOTH {
        let naive = run(&case("jejunum_ileum", 7.0, 2, SI_SSTR_NEG, ""), region);
        assert_eq!(
            opt(&naive, "cabozantinib").role,
            OptionRole::LaterLine,
            "{region:?} naive"
        );
        let after_ssa_only = run(&case("jejunum_ileum", 7.0, 2, SI_SSTR_NEG, lanreotide), region);
        assert_eq!(
            opt(&after_ssa_only, "cabozantinib").role,
            OptionRole::LaterLine,
            "{region:?}: an SSA is not a non-SSA systemic therapy"
        );
        let after_everolimus = run(&case("jejunum_ileum", 7.0, 2, SI_SSTR_NEG, everolimus), region);
        assert_eq!(
            opt(&after_everolimus, "cabozantinib").role,
            OptionRole::Option,
            "{region:?} after everolimus: why {:?}",
            why_ids(&after_everolimus, "cabozantinib")
        );
        assert!(fired(
            &after_everolimus,
            "cabozantinib",
            "small_intestine.s1_cabozantinib"
        ));
    }
}

// --- Finding 4: cabozantinib for treatment-naive insulinoma and pNET G3 -------------------------

#[test]
fn cabozantinib_later_line_for_insulinoma_and_pnet_g3() {
    // §C.7: cabozantinib is approved for previously treated well-differentiated pNET (US) /
    // after ≥ 1 non-SSA systemic therapy (EU), with no grade or function limit. §C.4 P1 lists
    // it on progression. Treatment-naive → later line; after everolimus → an option.
    let insulinoma = r#""functional": true, "syndrome": "insulinoma", "sstr_imaging": "positive",
    "progression": { "status": "progressive", "months_observed": 8 },
    "extrahepatic_disease": false, "symptomatic": true"#;
    let g3 = r#""functional": false, "syndrome": null, "sstr_imaging": "positive",
    "progression": { "status": "progressive", "months_observed": 4 },
    "extrahepatic_disease": false, "symptomatic": true"#;
    let everolimus = r#"{ "agent": "everolimus", "line": 1, "outcome": "progressed" }"#;
    for (ki67, mitoses, tumor, grade) in [(6.0, 3, insulinoma, "G2"), (35.0, 6, g3, "G3")] {
        for region in BOTH {
            let naive = run(&case("pancreas", ki67, mitoses, tumor, ""), region);
            assert_eq!(naive.facts.grade.as_deref(), Some(grade));
            assert_eq!(
                opt(&naive, "cabozantinib").role,
                OptionRole::LaterLine,
                "{grade} {region:?}: why {:?}",
                why_ids(&naive, "cabozantinib")
            );
            let treated = run(&case("pancreas", ki67, mitoses, tumor, everolimus), region);
            assert_eq!(
                opt(&treated, "cabozantinib").role,
                OptionRole::Option,
                "{grade} {region:?}"
            );
        }
    }
}
