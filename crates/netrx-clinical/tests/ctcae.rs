//! CTCAE v5.0 lab grading against clinical-rules.md §B.8 (the admiral v5
//! criteria): every boundary of the table, the boundary rules R-B8.1–R-B8.3 and
//! unit handling. Expected grades are typed from the reference table, not read
//! from the knowledge files. Boundaries are compared with netrx's relative
//! tolerance of 1e-9; the off-boundary probes below sit 1e-3 (or more) away,
//! far outside it.

use netrx_clinical::ctcae::{LabInput, grade_lab};
use netrx_kb::Kb;

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge loads")
}

fn grade_with(test: &str, value: f64, unit: &str, lln: Option<f64>, uln: Option<f64>, base: Option<f64>) -> Option<u8> {
    grade_lab(
        kb(),
        &LabInput {
            test,
            value,
            unit,
            lln,
            uln,
            baseline: base,
        },
    )
    .unwrap_or_else(|e| panic!("{test} {value} {unit}: {e}"))
    .grade
}

fn check(test: &str, unit: &str, lln: Option<f64>, uln: Option<f64>, cases: &[(f64, Option<u8>)]) {
    for &(v, want) in cases {
        assert_eq!(
            grade_with(test, v, unit, lln, uln, None),
            want,
            "{test} {v} {unit} (LLN {lln:?}, ULN {uln:?})"
        );
    }
}

#[test]
fn platelets_boundaries_in_10e9_per_l() {
    // R-B8.1: "<A – B" is [B, A): 75 → G1 (if < LLN), 74.999 → G2, 50 → G2, 25 → G3.
    check(
        "platelets",
        "10^9/L",
        Some(150.0),
        None,
        &[
            (150.0, Some(0)),
            (149.999, Some(1)),
            (75.0, Some(1)),
            (74.999, Some(2)),
            (50.0, Some(2)),
            (49.999, Some(3)),
            (25.0, Some(3)),
            (24.999, Some(4)),
            (0.0, Some(4)),
        ],
    );
}

#[test]
fn platelets_boundaries_in_per_mm3() {
    // The same boundaries written per mm³ (75 000/mm³ = 75 × 10⁹/L exactly).
    check(
        "platelets",
        "/mm3",
        Some(150_000.0),
        None,
        &[
            (75_000.0, Some(1)),
            (74_999.0, Some(2)),
            (50_000.0, Some(2)),
            (49_999.0, Some(3)),
            (25_000.0, Some(3)),
            (24_999.0, Some(4)),
        ],
    );
    for u in ["/mm³", "/µL", "/μL", "/uL", "cells/mm3"] {
        assert_eq!(
            grade_with("platelets", 74_999.0, u, Some(150_000.0), None, None),
            Some(2),
            "{u}"
        );
    }
    for u in ["×10⁹/L", "x10^9/L", "10^3/uL", "G/L"] {
        assert_eq!(
            grade_with("platelets", 50.0, u, Some(150.0), None, None),
            Some(2),
            "{u}"
        );
    }
}

#[test]
fn no_grade_1_without_the_limit() {
    // R-B8.3: G1 needs the lab's LLN/ULN; without it the grade is undetermined (0 or 1).
    let g = grade_lab(
        kb(),
        &LabInput {
            test: "platelets",
            value: 100.0,
            unit: "10^9/L",
            lln: None,
            uln: None,
            baseline: None,
        },
    )
    .unwrap();
    assert_eq!(g.grade, None);
    assert_eq!(g.possible_grades, vec![0, 1]);
    assert!(g.criterion.contains("R-B8.3"), "{}", g.criterion);
    // Below 75 the grade needs no LLN.
    assert_eq!(grade_with("platelets", 74.0, "10^9/L", None, None, None), Some(2));
    assert_eq!(grade_with("neutrophils", 1.6, "10^9/L", None, None, None), None);
    assert_eq!(grade_with("cholesterol", 250.0, "mg/dL", None, None, None), None);
    assert_eq!(grade_with("cholesterol", 301.0, "mg/dL", None, None, None), Some(2));
    assert_eq!(grade_with("hemoglobin", 11.0, "g/dL", None, None, None), None);
}

#[test]
fn neutrophil_boundaries() {
    // ANC 1.5 / 1.0 / 0.5 × 10⁹/L; 1 000 → G2, 500 → G3 (R-B8.1).
    check(
        "neutrophils",
        "10^9/L",
        Some(2.0),
        None,
        &[
            (2.0, Some(0)),
            (1.999, Some(1)),
            (1.5, Some(1)),
            (1.499, Some(2)),
            (1.0, Some(2)),
            (0.999, Some(3)),
            (0.5, Some(3)),
            (0.499, Some(4)),
        ],
    );
    check(
        "anc",
        "/mm3",
        Some(2000.0),
        None,
        &[
            (1500.0, Some(1)),
            (1499.0, Some(2)),
            (1000.0, Some(2)),
            (999.0, Some(3)),
            (500.0, Some(3)),
            (499.0, Some(4)),
        ],
    );
}

#[test]
fn hemoglobin_boundaries_in_each_printed_unit() {
    // CTCAE prints g/dL, mmol/L and g/L thresholds; each unit uses its own numbers.
    check(
        "hemoglobin",
        "g/dL",
        Some(12.0),
        None,
        &[
            (12.0, Some(0)),
            (11.9, Some(1)),
            (10.0, Some(1)),
            (9.99, Some(2)),
            (8.0, Some(2)),
            (7.99, Some(3)),
        ],
    );
    check(
        "hemoglobin",
        "mmol/L",
        Some(7.4),
        None,
        &[(6.2, Some(1)), (6.19, Some(2)), (4.9, Some(2)), (4.89, Some(3))],
    );
    check(
        "haemoglobin",
        "g/L",
        Some(120.0),
        None,
        &[(100.0, Some(1)), (99.0, Some(2)), (80.0, Some(2)), (79.0, Some(3))],
    );
    // Grade 4 anaemia is clinical: a very low value stays grade 3, with a note.
    let g = grade_lab(
        kb(),
        &LabInput {
            test: "hemoglobin",
            value: 4.0,
            unit: "g/dL",
            lln: Some(12.0),
            uln: None,
            baseline: None,
        },
    )
    .unwrap();
    assert_eq!(g.grade, Some(3));
    assert!(g.notes.iter().any(|n| n.contains("Grade 4")), "{:?}", g.notes);
}

#[test]
fn triglyceride_boundaries() {
    // "> A – B" is (A, B]; TG G1 starts at 150 inclusive: 150 → G1, 300 → G1, 300.1 → G2 (R-B8.1).
    check(
        "triglycerides",
        "mg/dL",
        None,
        None,
        &[
            (149.9, Some(0)),
            (150.0, Some(1)),
            (300.0, Some(1)),
            (300.1, Some(2)),
            (500.0, Some(2)),
            (500.1, Some(3)),
            (1000.0, Some(3)),
            (1000.1, Some(4)),
        ],
    );
    // CTCAE's own mmol/L numbers (1.71 / 3.42 / 5.7 / 11.4), not a conversion of 150 mg/dL (≈ 1.69).
    check(
        "triglycerides",
        "mmol/L",
        None,
        None,
        &[
            (1.70, Some(0)),
            (1.71, Some(1)),
            (3.42, Some(1)),
            (3.43, Some(2)),
            (5.7, Some(2)),
            (5.71, Some(3)),
            (11.4, Some(3)),
            (11.41, Some(4)),
        ],
    );
}

#[test]
fn cholesterol_boundaries() {
    check(
        "cholesterol",
        "mg/dL",
        None,
        Some(200.0),
        &[
            (200.0, Some(0)),
            (200.1, Some(1)),
            (300.0, Some(1)),
            (300.1, Some(2)),
            (400.0, Some(2)),
            (400.1, Some(3)),
            (500.0, Some(3)),
            (500.1, Some(4)),
        ],
    );
    check(
        "cholesterol",
        "mmol/L",
        None,
        Some(5.2),
        &[
            (7.75, Some(1)),
            (7.76, Some(2)),
            (10.34, Some(2)),
            (10.35, Some(3)),
            (12.92, Some(3)),
            (12.93, Some(4)),
        ],
    );
}

#[test]
fn creatinine_uln_and_baseline_take_the_higher_grade() {
    // R-B8.2: the higher of the ×ULN and ×baseline grades.
    let g = |v: f64, uln: Option<f64>, base: Option<f64>| grade_with("creatinine", v, "mg/dL", None, uln, base);
    // 1.5 × ULN is G1 (upper-inclusive); 3.0 × baseline is G2 → 2.
    assert_eq!(g(1.5, Some(1.0), Some(0.5)), Some(2));
    assert_eq!(g(1.5, Some(1.0), None), Some(1));
    // Not above ULN, but 2 × baseline → G2.
    assert_eq!(g(1.0, Some(1.0), Some(0.5)), Some(2));
    // ×ULN G2 (1.6 ×), ×baseline below 1.5 → 2.
    assert_eq!(g(1.6, Some(1.0), Some(1.5)), Some(2));
    // 1.5 × baseline exactly is not > 1.5 → no ×baseline grade; 0.75 × ULN → 0.
    assert_eq!(g(1.5, Some(2.0), Some(1.0)), Some(0));
    // 3.0 × ULN → G2; 3.0 × baseline → G2; just above → G3.
    assert_eq!(g(3.0, Some(1.0), Some(1.0)), Some(2));
    assert_eq!(g(3.01, Some(1.0), Some(2.0)), Some(3));
    assert_eq!(
        g(3.2, Some(2.0), Some(1.0)),
        Some(3),
        "> 3.0 × baseline is G3 even at 1.6 × ULN"
    );
    // 6.0 × ULN → G3; above → G4 (×baseline has no G4).
    assert_eq!(g(6.0, Some(1.0), None), Some(3));
    assert_eq!(g(6.01, Some(1.0), None), Some(4));
    assert_eq!(g(100.0, None, Some(1.0)), Some(3));
    // A product boundary lands on the boundary: 1.8 / 1.2 = 1.5 → G1, not G2.
    assert_eq!(g(1.8, Some(1.2), None), Some(1));
    // Without ULN, G0 and G1 cannot be told apart (R-B8.3).
    assert_eq!(g(1.2, None, Some(1.0)), None);
    assert_eq!(g(2.0, None, Some(1.0)), Some(2));
    assert_eq!(g(1.0, None, None), None);
    // µmol/L: ratios are unit-free.
    assert_eq!(
        grade_with("creatinine", 177.0, "µmol/L", None, Some(88.0), Some(60.0)),
        Some(2)
    );
    assert_eq!(
        grade_with("creatinine", 177.0, "umol/L", None, Some(88.0), Some(50.0)),
        Some(3)
    );
}

#[test]
fn hyperglycaemia_is_not_gradable_from_a_value_in_v5() {
    let g = grade_lab(
        kb(),
        &LabInput {
            test: "glucose",
            value: 400.0,
            unit: "mg/dL",
            lln: None,
            uln: Some(100.0),
            baseline: None,
        },
    )
    .unwrap();
    assert_eq!(g.grade, None);
    assert!(g.possible_grades.is_empty());
    assert_eq!(g.version, "5.0");
    assert!(g.criterion.contains("not by a value"), "{}", g.criterion);
    assert_eq!(g.term, "hyperglycemia");
}

#[test]
fn units_convert_and_unknown_units_are_errors() {
    let g = grade_lab(
        kb(),
        &LabInput {
            test: "platelets",
            value: 74_999.0,
            unit: "/mm3",
            lln: Some(150_000.0),
            uln: None,
            baseline: None,
        },
    )
    .unwrap();
    let c = g.converted.expect("converted to the canonical unit");
    assert_eq!((c.value, c.unit.as_str()), (74.999, "10^9/L"));
    let g = grade_lab(
        kb(),
        &LabInput {
            test: "creatinine",
            value: 88.42,
            unit: "µmol/L",
            lln: None,
            uln: Some(100.0),
            baseline: None,
        },
    )
    .unwrap();
    // 88.42 µmol/L = 1 mg/dL (molar mass 113.12 g/mol), to 1e-9.
    assert!((g.converted.unwrap().value - 1.0).abs() < 1e-9);

    let err = grade_lab(
        kb(),
        &LabInput {
            test: "platelets",
            value: 70.0,
            unit: "mg/dL",
            lln: None,
            uln: None,
            baseline: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.field, "unit");
    assert!(
        err.message.contains("\"mg/dL\"") && err.message.contains("10^9/L"),
        "{}",
        err.message
    );
    let err = grade_lab(
        kb(),
        &LabInput {
            test: "alt",
            value: 70.0,
            unit: "U/L",
            lln: None,
            uln: None,
            baseline: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.field, "test");
    assert!(err.message.contains("platelets"), "{}", err.message);
    let err = grade_lab(
        kb(),
        &LabInput {
            test: "platelets",
            value: f64::NAN,
            unit: "10^9/L",
            lln: None,
            uln: None,
            baseline: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.field, "value");
    let err = grade_lab(
        kb(),
        &LabInput {
            test: "platelets",
            value: 100.0,
            unit: "10^9/L",
            lln: Some(400.0),
            uln: Some(150.0),
            baseline: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.field, "lln");
}

#[test]
fn creatinine_without_uln_quotes_the_grade_1_band_from_the_data() {
    // §B.8 creatinine G1 "> ULN – 1.5 × ULN" (v5.0 G1 has no ×baseline criterion): with only a
    // baseline, grade 0 and 1 cannot be told apart, and the message quotes the data's G1 band —
    // shown by editing the band's text in a copy of the knowledge base.
    let input = LabInput {
        test: "creatinine",
        value: 1.2,
        unit: "mg/dL",
        lln: None,
        uln: None,
        baseline: Some(1.0),
    };
    let g = grade_lab(kb(), &input).unwrap();
    assert_eq!(g.grade, None);
    assert_eq!(g.possible_grades, vec![0, 1]);
    assert!(g.criterion.contains("(> ULN – 1.5 × ULN)"), "{}", g.criterion);
    let band = "text = \"> ULN – 1.5 × ULN\"";
    let files: Vec<(String, String)> = Kb::embedded_files()
        .iter()
        .map(|(p, c)| {
            let c = if *p == "ctcae.toml" {
                assert!(c.contains(band));
                c.replacen(band, "text = \"> ULN – 1.5 × ULN [edited]\"", 1)
            } else {
                c.to_string()
            };
            (p.to_string(), c)
        })
        .collect();
    let edited = Kb::from_files(files).expect("edited copy loads");
    let g = grade_lab(&edited, &input).unwrap();
    assert!(g.criterion.contains("[edited]"), "{}", g.criterion);
}
