//! QoL scoring against hand-computed worked examples (the arithmetic is in the
//! comments, not computed by the code under test), the prorating and half-the-items
//! boundaries, invalid responses, and deterioration. Scores are compared with a
//! tolerance of 1e-3 (the report rounds to 3 decimals).

use netrx_case::{Case, InputError};
use netrx_clinical::qol::{QolOptions, QolReport, analyse, analyse_with};
use netrx_kb::Kb;
use netrx_kb::qol::parse_instrument;
use serde_json::{Map, Value, json};

const TOL: f64 = 1e-3;

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge base")
}

fn items(pairs: &[(&str, u8)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), json!(v));
    }
    Value::Object(m)
}

fn case_json(assessments: Vec<Value>, start: Option<&str>) -> String {
    let mut c = json!({
        "id": "qol-test",
        "patient": { "age_years": 60, "sex": "male" },
        "tumor": { "primary_site": "jejunum_ileum", "differentiation": "well" },
        "qol": assessments,
    });
    if let Some(s) = start {
        c["everolimus"] = json!({ "start_date": s, "dose_mg": 10, "frequency": "daily" });
    }
    c.to_string()
}

fn load(assessments: Vec<Value>, start: Option<&str>) -> Result<Case, InputError> {
    netrx_clinical::load_case(&case_json(assessments, start), kb())
}

fn report(assessments: Vec<Value>, opts: &QolOptions) -> QolReport {
    analyse(&load(assessments, None).expect("valid case"), kb(), opts).expect("scores")
}

fn scale(r: &QolReport, k: usize, code: &str) -> Option<f64> {
    *r.assessments[k]
        .scales
        .get(code)
        .unwrap_or_else(|| panic!("scale {code}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= TOL)
}

// FACT-G worked example (responses as marked on the form):
//   PWB GP1–GP7 = 1 0 2 1 0 0 1, all reversed (4 − x): 3 4 2 3 4 4 3 = 23
//   SWB GS1–GS7 = 3 4 2 3 3 2 1 = 18
//   EWB GE1–GE6 = 1 3 0 1 2 1; GE2 not reversed: 3 3 4 3 2 3 = 18
//   FWB GF1–GF7 = 3 3 2 2 3 4 2 = 19
//   total = 23 + 18 + 18 + 19 = 78
const FACTG: [(&str, u8); 27] = [
    ("GP1", 1),
    ("GP2", 0),
    ("GP3", 2),
    ("GP4", 1),
    ("GP5", 0),
    ("GP6", 0),
    ("GP7", 1),
    ("GS1", 3),
    ("GS2", 4),
    ("GS3", 2),
    ("GS4", 3),
    ("GS5", 3),
    ("GS6", 2),
    ("GS7", 1),
    ("GE1", 1),
    ("GE2", 3),
    ("GE3", 0),
    ("GE4", 1),
    ("GE5", 2),
    ("GE6", 1),
    ("GF1", 3),
    ("GF2", 3),
    ("GF3", 2),
    ("GF4", 2),
    ("GF5", 3),
    ("GF6", 4),
    ("GF7", 2),
];

fn factg(date: &str, omit: &[&str]) -> Value {
    let kept: Vec<(&str, u8)> = FACTG.iter().copied().filter(|(c, _)| !omit.contains(c)).collect();
    json!({ "date": date, "instrument": "FACT-G", "items": items(&kept) })
}

#[test]
fn factg_complete_worked_example() {
    let r = report(vec![factg("2024-01-01", &[])], &QolOptions::default());
    assert!(close(scale(&r, 0, "PWB"), 23.0));
    assert!(close(scale(&r, 0, "SWB"), 18.0));
    assert!(close(scale(&r, 0, "EWB"), 18.0));
    assert!(close(scale(&r, 0, "FWB"), 19.0));
    assert!(close(scale(&r, 0, "FACTG"), 78.0));
    assert!(r.assessments[0].valid);
    assert_eq!(r.assessments[0].items_answered, 27);
}

#[test]
fn factg_prorating_boundaries_4_of_7_and_3_of_7() {
    // PWB with GP1–GP4 answered (4/7 > 50 %): reversed 3 4 2 3 = 12 → 12 × 7 / 4 = 21.
    let r = report(
        vec![factg("2024-01-01", &["GP5", "GP6", "GP7"])],
        &QolOptions::default(),
    );
    assert!(close(scale(&r, 0, "PWB"), 21.0));
    // 24/27 answered: total = 21 + 18 + 18 + 19 = 76.
    assert!(close(scale(&r, 0, "FACTG"), 76.0));
    // PWB with GP1–GP3 answered (3/7 ≤ 50 %): missing, and so is the total.
    let r = report(
        vec![factg("2024-01-01", &["GP4", "GP5", "GP6", "GP7"])],
        &QolOptions::default(),
    );
    assert_eq!(scale(&r, 0, "PWB"), None);
    assert_eq!(scale(&r, 0, "FACTG"), None);
    assert!(!r.assessments[0].valid);
    assert!(r.assessments[0].missing.iter().any(|m| m.starts_with("PWB: 3 of 7")));
    // EWB: 3 of 6 is not more than half → missing; 4 of 6 (GE1–GE4: 3 3 4 3 = 13) → 13 × 6 / 4 = 19.5.
    let r = report(
        vec![factg("2024-01-01", &["GE4", "GE5", "GE6"])],
        &QolOptions::default(),
    );
    assert_eq!(scale(&r, 0, "EWB"), None);
    let r = report(vec![factg("2024-01-01", &["GE5", "GE6"])], &QolOptions::default());
    assert!(close(scale(&r, 0, "EWB"), 19.5));
}

#[test]
fn factg_total_needs_more_than_80_percent_22_vs_21_of_27() {
    // 22/27 answered: PWB GP1–GP4 → 21; SWB GS1–GS5 = 3 4 2 3 3 = 15 → 15 × 7 / 5 = 21;
    // EWB 18; FWB 19 → total 79.
    let r = report(
        vec![factg("2024-01-01", &["GP5", "GP6", "GP7", "GS6", "GS7"])],
        &QolOptions::default(),
    );
    assert_eq!(r.assessments[0].items_answered, 22);
    assert!(close(scale(&r, 0, "SWB"), 21.0));
    assert!(close(scale(&r, 0, "FACTG"), 79.0));
    assert!(r.assessments[0].valid);
    // 21/27: also omit GF7 → FWB GF1–GF6 = 17 → 17 × 7 / 6 = 19.833; every subscale is
    // present but 21/27 = 77.8 % ≤ 80 % → no total.
    let r = report(
        vec![factg("2024-01-01", &["GP5", "GP6", "GP7", "GS6", "GS7", "GF7"])],
        &QolOptions::default(),
    );
    assert_eq!(r.assessments[0].items_answered, 21);
    assert!(close(scale(&r, 0, "FWB"), 119.0 / 6.0));
    assert_eq!(scale(&r, 0, "FACTG"), None);
    assert!(!r.assessments[0].valid);
    assert!(r.assessments[0].missing.iter().any(|m| m.contains("21 of 27")));
}

// QLQ-C30 worked example:
//   PF2 Q1–Q5 = 1 2 1 1 2, RS 1.4 → (1 − 0.4/3) × 100 = 86.667
//   RF2 Q6,Q7 = 2 2, RS 2 → (1 − 1/3) × 100 = 66.667
//   EF Q21–Q24 = 2 2 3 1, RS 2 → 66.667;  CF Q20,Q25 = 1 2, RS 1.5 → 83.333
//   SF Q26,Q27 = 1 2 → 83.333
//   FA Q10,Q12,Q18 = 2 3 2, RS 7/3 → (4/3)/3 × 100 = 44.444
//   NV Q14,Q15 = 1 1 → 0;  PA Q9,Q19 = 2 3, RS 2.5 → 50
//   DY Q8 = 1 → 0; SL Q11 = 3 → 66.667; AP Q13 = 2 → 33.333; CO Q16 = 1 → 0; DI Q17 = 4 → 100
//   FI Q28 = 2 → 33.333
//   QL2 Q29,Q30 = 5 4, RS 4.5 → 3.5/6 × 100 = 58.333
//   SUMMARY = (PF + RF + SF + EF + CF + (100−FA) + (100−PA) + (100−NV) + (100−DY) + (100−SL)
//              + (100−AP) + (100−CO) + (100−DI)) / 13
//           = (780 + 600 + 750 + 600 + 750 + 500 + 450 + 900 + 900 + 300 + 600 + 900 + 0)/9 / 13
//           = 8030 / 117 = 68.632
const C30: [(&str, u8); 30] = [
    ("Q1", 1),
    ("Q2", 2),
    ("Q3", 1),
    ("Q4", 1),
    ("Q5", 2),
    ("Q6", 2),
    ("Q7", 2),
    ("Q8", 1),
    ("Q9", 2),
    ("Q10", 2),
    ("Q11", 3),
    ("Q12", 3),
    ("Q13", 2),
    ("Q14", 1),
    ("Q15", 1),
    ("Q16", 1),
    ("Q17", 4),
    ("Q18", 2),
    ("Q19", 3),
    ("Q20", 1),
    ("Q21", 2),
    ("Q22", 2),
    ("Q23", 3),
    ("Q24", 1),
    ("Q25", 2),
    ("Q26", 1),
    ("Q27", 2),
    ("Q28", 2),
    ("Q29", 5),
    ("Q30", 4),
];

fn c30(date: &str, omit: &[&str]) -> Value {
    let kept: Vec<(&str, u8)> = C30.iter().copied().filter(|(c, _)| !omit.contains(c)).collect();
    json!({ "date": date, "instrument": "QLQ-C30", "items": items(&kept) })
}

#[test]
fn qlq_c30_complete_worked_example() {
    let r = report(vec![c30("2024-01-01", &[])], &QolOptions::default());
    let expect = [
        ("PF2", 260.0 / 3.0),
        ("RF2", 200.0 / 3.0),
        ("EF", 200.0 / 3.0),
        ("CF", 250.0 / 3.0),
        ("SF", 250.0 / 3.0),
        ("FA", 400.0 / 9.0),
        ("NV", 0.0),
        ("PA", 50.0),
        ("DY", 0.0),
        ("SL", 200.0 / 3.0),
        ("AP", 100.0 / 3.0),
        ("CO", 0.0),
        ("DI", 100.0),
        ("FI", 100.0 / 3.0),
        ("QL2", 175.0 / 3.0),
        ("SUMMARY", 8030.0 / 117.0),
    ];
    for (code, v) in expect {
        assert!(close(scale(&r, 0, code), v), "{code}: {:?} vs {v}", scale(&r, 0, code));
    }
    assert_eq!(r.assessments[0].scales.len(), 16);
    assert!(r.assessments[0].valid);
    // The summary's missing-data rule is flagged as unverified.
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("SUMMARY") && w.contains("UNVERIFIED"))
    );
}

#[test]
fn qlq_c30_half_the_items_rule() {
    // RF2 with 1 of 2 items (Q6 = 2): ≥ 50 % → 66.667.
    let r = report(vec![c30("2024-01-01", &["Q7"])], &QolOptions::default());
    assert!(close(scale(&r, 0, "RF2"), 200.0 / 3.0));
    // PF2 with 3 of 5 (Q1–Q3 = 1 2 1, RS 4/3) → (1 − (1/3)/3) × 100 = 88.889; 2 of 5 → missing.
    let r = report(vec![c30("2024-01-01", &["Q4", "Q5"])], &QolOptions::default());
    assert!(close(scale(&r, 0, "PF2"), 800.0 / 9.0));
    let r = report(vec![c30("2024-01-01", &["Q3", "Q4", "Q5"])], &QolOptions::default());
    assert_eq!(scale(&r, 0, "PF2"), None);
    // …and the summary needs all 13 of its scales.
    assert_eq!(scale(&r, 0, "SUMMARY"), None);
    // FA with 1 of 3 → missing. A missing single item (DY) → missing.
    let r = report(vec![c30("2024-01-01", &["Q10", "Q12", "Q8"])], &QolOptions::default());
    assert_eq!(scale(&r, 0, "FA"), None);
    assert_eq!(scale(&r, 0, "DY"), None);
    // FI and QL2 are not part of the summary: missing them leaves it at 68.632.
    let r = report(vec![c30("2024-01-01", &["Q28", "Q29", "Q30"])], &QolOptions::default());
    assert_eq!(scale(&r, 0, "FI"), None);
    assert_eq!(scale(&r, 0, "QL2"), None);
    assert!(close(scale(&r, 0, "SUMMARY"), 8030.0 / 117.0));
    assert!(!r.assessments[0].valid);
}

fn ginet21(date: &str, pairs: &[(&str, u8)]) -> Value {
    json!({ "date": date, "instrument": "QLQ-GINET21", "items": items(pairs) })
}

#[test]
fn ginet21_without_the_licensed_map_is_not_scored_and_says_why() {
    let all: Vec<(String, u8)> = (31..=51).map(|n| (format!("Q{n}"), 2)).collect();
    let pairs: Vec<(&str, u8)> = all.iter().map(|(c, v)| (c.as_str(), *v)).collect();
    let r = report(vec![ginet21("2024-01-01", &pairs)], &QolOptions::default());
    let a = &r.assessments[0];
    assert_eq!(a.items_answered, 21);
    assert_eq!(a.scales.len(), 10);
    assert!(a.scales.values().all(|v| v.is_none()));
    assert!(!a.valid);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("QLQ-GINET21") && w.contains("--instrument-file"))
    );
}

/// A SYNTHETIC map (ED = Q31–Q33, GI = Q34–Q38, TR = Q39–Q40, SF = Q41–Q43,
/// DRW = Q44–Q46, MBP = Q47, SX = Q48, INF = Q49, BI = Q50, WG = Q51) used only to
/// test the EORTC module algorithm on a site-supplied definition. It is NOT the
/// EORTC item→scale map.
fn synthetic_ginet21() -> netrx_kb::qol::InstrumentDef {
    let text = Kb::embedded_files()
        .iter()
        .find(|(p, _)| *p == "qol/qlq-ginet21.toml")
        .expect("embedded GI.NET21 file")
        .1;
    let maps = [
        "[\"Q31\", \"Q32\", \"Q33\"]",
        "[\"Q34\", \"Q35\", \"Q36\", \"Q37\", \"Q38\"]",
        "[\"Q39\", \"Q40\"]",
        "[\"Q41\", \"Q42\", \"Q43\"]",
        "[\"Q44\", \"Q45\", \"Q46\"]",
        "[\"Q47\"]",
        "[\"Q48\"]",
        "[\"Q49\"]",
        "[\"Q50\"]",
        "[\"Q51\"]",
    ];
    let mut out = text.to_string();
    for m in maps {
        out = out.replacen("items = []", &format!("items = {m}"), 1);
    }
    parse_instrument(&out).expect("synthetic definition parses")
}

#[test]
fn ginet21_with_a_site_map_uses_the_eortc_module_rules() {
    let mut qol = kb().qol.clone();
    qol.replace_instrument(synthetic_ginet21()).unwrap();
    // ED (synthetic Q31–Q33) = 2 3 4, RS 3 → (3 − 1)/3 × 100 = 66.667.
    // ED with Q32 missing (2 of 3 ≥ 50 %): RS 3 → 66.667; with only Q31 (1 of 3): missing.
    // GI (Q34–Q38) = 1 1 2 2 4, RS 2 → 33.333. WG (Q51) = 4 → 100.
    let base = [
        ("Q31", 2),
        ("Q32", 3),
        ("Q33", 4),
        ("Q34", 1),
        ("Q35", 1),
        ("Q36", 2),
        ("Q37", 2),
        ("Q38", 4),
        ("Q51", 4),
    ];
    let without_q32: Vec<(&str, u8)> = base.iter().copied().filter(|(c, _)| *c != "Q32").collect();
    let only_q31: Vec<(&str, u8)> = base
        .iter()
        .copied()
        .filter(|(c, _)| *c != "Q32" && *c != "Q33")
        .collect();
    let c = load(
        vec![
            ginet21("2024-01-01", &base),
            ginet21("2024-03-01", &without_q32),
            ginet21("2024-05-01", &only_q31),
        ],
        None,
    )
    .unwrap();
    let opts = QolOptions {
        instrument: Some("QLQ-GINET21".into()),
        scale: Some("ED".into()),
        mid: Some(10.0),
        ..Default::default()
    };
    let r = analyse_with(&c, &qol, kb().version(), &opts).unwrap();
    assert!(close(scale(&r, 0, "ED"), 200.0 / 3.0));
    assert!(close(scale(&r, 1, "ED"), 200.0 / 3.0));
    assert_eq!(scale(&r, 2, "ED"), None);
    assert!(close(scale(&r, 0, "GI"), 100.0 / 3.0));
    assert!(close(scale(&r, 0, "WG"), 100.0));
    assert_eq!(scale(&r, 0, "MBP"), None);
    assert_eq!(r.definition.direction, "increase");
}

#[test]
fn out_of_range_responses_and_unknown_codes_are_errors() {
    // FACT-G responses are 0–4.
    let e = load(
        vec![json!({ "date": "2024-01-01", "instrument": "FACT-G", "items": { "GP1": 5 } })],
        None,
    )
    .unwrap_err();
    assert_eq!(e.field, "qol[0].items.GP1");
    assert!(
        e.message.contains("got 5") && e.message.contains("from 0 to 4"),
        "{}",
        e.message
    );
    // QLQ-C30 items 1–28 are 1–4 (0 is out of range); items 29–30 are 1–7.
    let e = load(
        vec![json!({ "date": "2024-01-01", "instrument": "QLQ-C30", "items": { "Q3": 0 } })],
        None,
    )
    .unwrap_err();
    assert_eq!(e.field, "qol[0].items.Q3");
    let e = load(
        vec![json!({ "date": "2024-01-01", "instrument": "QLQ-C30", "items": { "Q29": 8 } })],
        None,
    )
    .unwrap_err();
    assert!(e.message.contains("from 1 to 7"), "{}", e.message);
    assert!(
        load(
            vec![json!({ "date": "2024-01-01", "instrument": "QLQ-C30", "items": { "Q29": 7 } })],
            None
        )
        .is_ok()
    );
    // Unknown codes, including another instrument's.
    let e = load(
        vec![json!({ "date": "2024-01-01", "instrument": "FACT-G", "items": { "GP8": 1 } })],
        None,
    )
    .unwrap_err();
    assert_eq!(e.field, "qol[0].items.GP8");
    assert!(
        e.message.contains("GP1–GP7, GS1–GS7, GE1–GE6, GF1–GF7"),
        "{}",
        e.message
    );
    let e = load(
        vec![json!({ "date": "2024-01-01", "instrument": "QLQ-C30", "items": { "Q31": 1 } })],
        None,
    )
    .unwrap_err();
    assert!(e.message.contains("Q1–Q30"), "{}", e.message);
    // A negative or fractional response is refused by the parser, naming the field.
    let e = load(
        vec![json!({ "date": "2024-01-01", "instrument": "FACT-G", "items": { "GP1": -1 } })],
        None,
    )
    .unwrap_err();
    assert!(e.field.starts_with("qol[0].items"), "{}", e.field);
    // One instrument's assessments are in date order.
    let e = load(vec![factg("2024-03-01", &[]), factg("2024-01-01", &[])], None).unwrap_err();
    assert_eq!(e.field, "qol[1].date");
}

/// FACT-G with the FWB items set so that FWB sums to `fwb` (baseline FWB is 19 → total 78).
fn factg_with_fwb(date: &str, fwb: u8) -> Value {
    let mut left = fwb;
    let mut pairs: Vec<(&str, u8)> = FACTG.iter().copied().filter(|(c, _)| !c.starts_with("GF")).collect();
    for code in ["GF1", "GF2", "GF3", "GF4", "GF5", "GF6", "GF7"] {
        let v = left.min(4);
        left -= v;
        pairs.push((code, v));
    }
    json!({ "date": date, "instrument": "FACT-G", "items": items(&pairs) })
}

fn series() -> Vec<Value> {
    // Totals: 78 (baseline), 72 (−6), 71 (−7), 75 (−3), 70 (−8), 69 (−9).
    vec![
        factg_with_fwb("2024-01-01", 19),
        factg_with_fwb("2024-02-26", 13),
        factg_with_fwb("2024-04-22", 12),
        factg_with_fwb("2024-06-17", 16),
        factg_with_fwb("2024-08-12", 11),
        factg_with_fwb("2024-10-07", 10),
    ]
}

#[test]
fn definitive_factg_deterioration_of_7_points_by_default() {
    let c = load(series(), Some("2023-12-28")).unwrap();
    let r = analyse(&c, kb(), &QolOptions::default()).unwrap();
    assert_eq!(r.definition.id, "radiant4_factg_7");
    assert_eq!(r.definition.threshold, 7.0);
    assert!(r.definition.source.reference.contains("Pavel"));
    assert!(close(scale(&r, 2, "FACTG"), 71.0));
    assert!(close(r.assessments[2].change_from_baseline["FACTG"], -7.0));
    // Exactly −7 on 2024-04-22 is a deterioration, but not definitive (recovers to −3);
    // −8 on 2024-08-12 and −9 after it are definitive.
    let dates: Vec<(String, bool)> = r
        .deterioration
        .iter()
        .map(|e| (e.date.to_string(), e.definitive))
        .collect();
    assert_eq!(
        dates,
        [
            ("2024-04-22".to_string(), false),
            ("2024-08-12".to_string(), true),
            ("2024-10-07".to_string(), true)
        ]
    );
    // From everolimus start 2023-12-28 to 2024-08-12: 228 days = 228 / 30.4375 months.
    assert_eq!(r.time_origin.as_ref().unwrap().basis, "everolimus.start_date");
    assert!(close(r.time_to_deterioration_months, 228.0 / 30.4375));
    assert_eq!(r.time_to_deterioration_event, Some(true));
    // Later assessments confirm it: no "last assessment" warning.
    assert!(!r.warnings.iter().any(|w| w.contains("no later assessment confirms")));
    // A drop only at the last assessment counts, with a warning that nothing confirms it.
    let c = load(
        vec![factg_with_fwb("2024-01-01", 19), factg_with_fwb("2024-02-26", 11)],
        None,
    )
    .unwrap();
    let r = analyse(&c, kb(), &QolOptions::default()).unwrap();
    assert_eq!(r.time_to_deterioration_event, Some(true));
    assert!(r.warnings.iter().any(|w| w.contains("no later assessment confirms")));
}

#[test]
fn deterioration_is_configurable() {
    let c = load(series(), None).unwrap();
    // Any drop: the first −7 (2024-04-22), 112 days after the baseline assessment.
    let r = analyse(
        &c,
        kb(),
        &QolOptions {
            any_drop: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!r.definition.definitive);
    assert_eq!(r.time_origin.as_ref().unwrap().basis, "baseline assessment");
    assert!(close(r.time_to_deterioration_months, 112.0 / 30.4375));
    // A 10-point threshold: never reached → censored at the last assessment (280 days).
    let r = analyse(
        &c,
        kb(),
        &QolOptions {
            mid: Some(10.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.deterioration.is_empty());
    assert_eq!(r.time_to_deterioration_event, Some(false));
    assert!(close(r.time_to_deterioration_months, 280.0 / 30.4375));
    assert!(r.definition.user_set.iter().any(|u| u.contains("10 points")));
    // FWB alone (baseline 19): 13 is −6 ≥ 5 → 5-point FWB deterioration; 16 (−3) recovers,
    // so the first definitive one is 11 (−8) on 2024-08-12.
    let r = analyse(
        &c,
        kb(),
        &QolOptions {
            scale: Some("FWB".into()),
            mid: Some(5.0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        r.deterioration.iter().find(|e| e.counts).unwrap().date.to_string(),
        "2024-08-12"
    );
    // Unknown definition, scale or threshold → errors naming the option.
    for (opts, field) in [
        (
            QolOptions {
                definition: Some("nope".into()),
                ..Default::default()
            },
            "definition",
        ),
        (
            QolOptions {
                scale: Some("XX".into()),
                ..Default::default()
            },
            "scale",
        ),
        (
            QolOptions {
                mid: Some(-1.0),
                ..Default::default()
            },
            "mid",
        ),
        (
            QolOptions {
                instrument: Some("QLQ-C30".into()),
                ..Default::default()
            },
            "scale",
        ),
    ] {
        assert_eq!(analyse(&c, kb(), &opts).unwrap_err().field, field);
    }
}

#[test]
fn symptom_scales_deteriorate_upwards() {
    // Fatigue FA baseline Q10,Q12,Q18 = 2 3 2 → 44.444; then 3 3 3 → 66.667 (+22.2) ≥ 10 → event.
    let mut worse: Vec<(&str, u8)> = C30.to_vec();
    for (c, v) in worse.iter_mut() {
        if ["Q10", "Q12", "Q18"].contains(c) {
            *v = 3;
        }
    }
    let c = load(
        vec![
            c30("2024-01-01", &[]),
            json!({ "date": "2024-03-01", "instrument": "QLQ-C30", "items": items(&worse) }),
        ],
        None,
    )
    .unwrap();
    let opts = QolOptions {
        instrument: Some("QLQ-C30".into()),
        scale: Some("FA".into()),
        mid: Some(10.0),
        ..Default::default()
    };
    let r = analyse(&c, kb(), &opts).unwrap();
    assert_eq!(r.definition.direction, "increase");
    assert_eq!(r.deterioration.len(), 1);
    assert!((r.deterioration[0].change - 200.0 / 9.0).abs() <= TOL);
    // The default (FACT-G) definition cannot be applied to a QLQ-C30-only case: a warning, no time.
    let r = analyse(&c, kb(), &QolOptions::default()).unwrap();
    assert_eq!(r.time_to_deterioration_months, None);
    assert!(r.warnings.iter().any(|w| w.contains("No FACT-G assessments")));
}

/// xorshift64*: a tiny deterministic generator for the invariant checks below.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn scores_stay_in_range_and_move_with_the_items() {
    use netrx_clinical::qol::{scale_range, score};
    use std::collections::BTreeMap;
    let q = &kb().qol;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for id in ["FACT-G", "QLQ-C30"] {
        let def = q.instrument(id).unwrap();
        for _ in 0..2000 {
            // Random responses, each item left out with probability 1/5.
            let mut items = BTreeMap::new();
            for it in &def.items {
                if rng.below(5) != 0 {
                    let span = u64::from(it.max - it.min) + 1;
                    items.insert(it.code.clone(), it.min + rng.below(span) as u8);
                }
            }
            let scores = score(def, &items);
            for s in &scores {
                let sd = def.scale(&s.code).unwrap();
                let (lo, hi) = scale_range(def, sd);
                if let Some(v) = s.score {
                    assert!(
                        v >= lo - 1e-9 && v <= hi + 1e-9,
                        "{id} {}: {v} outside {lo}–{hi}",
                        s.code
                    );
                }
            }
            if id == "FACT-G" {
                // The total, when present, is the sum of the four subscales.
                let get = |c: &str| scores.iter().find(|s| s.code == c).unwrap().score;
                if let Some(t) = get("FACTG") {
                    let sum: f64 = ["PWB", "SWB", "EWB", "FWB"].iter().map(|c| get(c).unwrap()).sum();
                    assert!((t - sum).abs() < 1e-9);
                }
            }
            // Raising one answered item by one step moves its scale the right way: up for a
            // FACT-G item (down if reverse-keyed), up for EORTC symptom/global, down for functional.
            let code = def.items[rng.below(def.items.len() as u64) as usize].code.clone();
            let it = def.item(&code).unwrap();
            let Some(&r) = items.get(&code) else { continue };
            if r == it.max {
                continue;
            }
            let Some(sd) = def.scales.iter().find(|s| s.items.contains(&code)) else {
                continue;
            };
            let before = scores.iter().find(|s| s.code == sd.code).unwrap().score;
            let mut raised = items.clone();
            raised.insert(code.clone(), r + 1);
            let after = score(def, &raised)
                .into_iter()
                .find(|s| s.code == sd.code)
                .unwrap()
                .score;
            if let (Some(b), Some(a)) = (before, after) {
                let up = match sd.method {
                    netrx_kb::qol::Method::ProratedSum => !it.reverse,
                    netrx_kb::qol::Method::EortcFunctional => false,
                    _ => true,
                };
                assert!(if up { a > b } else { a < b }, "{id} {code} {r}→{}: {b} → {a}", r + 1);
            }
        }
    }
}
