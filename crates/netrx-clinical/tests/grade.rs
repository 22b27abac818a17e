//! WHO/ENETS grading: every cut-off of clinical-rules.md §A and its neighbours.
//! Expected names and grades are read off the tables in §A (not computed by the
//! code under test); numeric comparisons state their tolerance.

use netrx_case::Tumor;
use netrx_clinical::grade::{Basis, Grade, classify};
use netrx_kb::Kb;
use serde_json::json;

fn tumor(v: serde_json::Value) -> Tumor {
    serde_json::from_value(v).expect("test tumour parses")
}

fn gep(ki67: Option<f64>, mitoses: Option<serde_json::Value>, differentiation: &str) -> Tumor {
    let mut t = json!({ "primary_site": "pancreas", "differentiation": differentiation });
    if let Some(k) = ki67 {
        t["ki67_percent"] = json!(k);
    }
    if let Some(m) = mitoses {
        t["mitoses"] = m;
    }
    tumor(t)
}

fn lung(mitoses: Option<f64>, necrosis: &str, differentiation: &str) -> Tumor {
    let mut t = json!({ "primary_site": "lung", "differentiation": differentiation, "necrosis": necrosis });
    if let Some(m) = mitoses {
        t["mitoses"] = json!({ "per_2mm2": m });
    }
    tumor(t)
}

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge base")
}

fn name_grade(t: &Tumor, scheme: &str) -> (String, Option<Grade>) {
    let c = classify(t, scheme, kb()).expect("classifies");
    (c.name, c.grade)
}

#[test]
fn ki67_cutoffs_who2019_and_who2022() {
    // §A.2: G1 < 3, G2 3–20, G3 > 20 (R-A2.2, R-A1.3).
    let cases = [
        (0.0, "NET G1", Grade::G1),
        (2.0, "NET G1", Grade::G1),
        (2.5, "NET G1", Grade::G1),
        (2.99, "NET G1", Grade::G1),
        (3.0, "NET G2", Grade::G2),
        (20.0, "NET G2", Grade::G2),
        (20.1, "NET G3", Grade::G3),
        (100.0, "NET G3", Grade::G3),
    ];
    for scheme in ["who2019", "who2022", "auto"] {
        for (k, name, g) in cases {
            let t = gep(Some(k), None, "well");
            assert_eq!(
                name_grade(&t, scheme),
                (name.to_string(), Some(g)),
                "Ki-67 {k} under {scheme}"
            );
        }
    }
}

#[test]
fn ki67_cutoffs_who2010_with_the_gap() {
    // §A.1: G1 ≤ 2, G2 3–20, G3 > 20; (2, 3) undefined (R-A1.2); every G3 is NEC in WHO 2010.
    let cases: [(f64, &str, Option<Grade>); 7] = [
        (2.0, "NET G1", Some(Grade::G1)),
        (2.01, "Indeterminate (WHO 2010 Ki-67 gap)", None),
        (2.5, "Indeterminate (WHO 2010 Ki-67 gap)", None),
        (2.99, "Indeterminate (WHO 2010 Ki-67 gap)", None),
        (3.0, "NET G2", Some(Grade::G2)),
        (20.0, "NET G2", Some(Grade::G2)),
        (20.1, "NEC", Some(Grade::G3)),
    ];
    for (k, name, g) in cases {
        let t = gep(Some(k), None, "well");
        let c = classify(&t, "who2010", kb()).unwrap();
        assert_eq!((c.name.as_str(), c.grade), (name, g), "Ki-67 {k} under WHO 2010");
        if g.is_none() {
            assert!(c.decided_by.is_empty());
            assert!(
                c.warnings.iter().any(|w| w.contains("gap")),
                "the gap is named: {:?}",
                c.warnings
            );
        }
    }
    // A well-differentiated G3 under WHO 2010 is NEC, with the WHO 2019 name given as a warning.
    let c = classify(&gep(Some(35.0), None, "well"), "who2010", kb()).unwrap();
    assert!(c.warnings.iter().any(|w| w.contains("NET G3")));
}

#[test]
fn the_gap_is_resolved_only_by_a_higher_mitotic_grade() {
    // Ki-67 2.5 % is G1 or G2 under WHO 2010; mitoses G2 make the maximum G2 either way.
    let t = gep(Some(2.5), Some(json!({ "per_2mm2": 5 })), "well");
    let c = classify(&t, "who2010", kb()).unwrap();
    assert_eq!((c.name.as_str(), c.grade), ("NET G2", Some(Grade::G2)));
    assert_eq!(c.decided_by, vec![Basis::Mitoses]);
    // Mitoses G1 cannot resolve it.
    let t = gep(Some(2.5), Some(json!({ "per_2mm2": 1 })), "well");
    let c = classify(&t, "who2010", kb()).unwrap();
    assert_eq!(c.grade, None);
    assert!(c.warnings.iter().any(|w| w.contains("cannot settle")));
}

#[test]
fn mitotic_cutoffs_gep() {
    // §A.1/§A.2: mitoses G1 [0,2), G2 [2,20], G3 (20,∞) — per 2 mm² (R-A1.3).
    let cases = [
        (1.9, Grade::G1),
        (2.0, Grade::G2),
        (10.0, Grade::G2),
        (10.1, Grade::G2),
        (20.0, Grade::G2),
        (20.1, Grade::G3),
    ];
    for scheme in ["who2010", "who2019", "who2022"] {
        for (m, g) in cases {
            let t = gep(None, Some(json!({ "per_2mm2": m })), "well");
            let c = classify(&t, scheme, kb()).unwrap();
            assert_eq!(c.grade, Some(g), "mitoses {m} under {scheme}");
            assert!(c.decided_by.contains(&Basis::Mitoses));
            assert!(
                c.warnings.iter().any(|w| w.contains("Ki-67 not given")),
                "missing index flagged"
            );
        }
    }
}

#[test]
fn the_higher_grade_wins() {
    // R-A1.1 / R-A2.1.
    let t = gep(Some(2.0), Some(json!({ "per_2mm2": 4 })), "well");
    let c = classify(&t, "who2022", kb()).unwrap();
    assert_eq!((c.name.as_str(), c.grade), ("NET G2", Some(Grade::G2)));
    assert_eq!(c.decided_by, vec![Basis::Mitoses]);
    assert!(c.warnings.iter().any(|w| w.contains("disagree")));

    let t = gep(Some(25.0), Some(json!({ "per_2mm2": 1 })), "well");
    let c = classify(&t, "who2022", kb()).unwrap();
    assert_eq!((c.name.as_str(), c.grade), ("NET G3", Some(Grade::G3)));
    assert_eq!(c.decided_by, vec![Basis::Ki67, Basis::Differentiation]);

    // Concordant indices: both decide.
    let t = gep(Some(10.0), Some(json!({ "per_2mm2": 4 })), "well");
    let c = classify(&t, "who2022", kb()).unwrap();
    assert_eq!(c.decided_by, vec![Basis::Ki67, Basis::Mitoses]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn differentiation_decides_net_g3_versus_nec() {
    // R-A2.3.
    let cases = [
        (json!({"differentiation": "well"}), "NET G3", Some(Grade::G3)),
        (
            json!({"differentiation": "poor", "cell_type": "small_cell"}),
            "NEC, small-cell type",
            Some(Grade::G3),
        ),
        (
            json!({"differentiation": "poor", "cell_type": "large_cell"}),
            "NEC, large-cell type",
            Some(Grade::G3),
        ),
        (json!({"differentiation": "poor"}), "NEC", Some(Grade::G3)),
        (
            json!({"differentiation": "unknown"}),
            "High-grade NEN, NET G3 vs NEC undetermined",
            Some(Grade::G3),
        ),
    ];
    for (extra, name, g) in cases {
        let mut t = json!({ "primary_site": "stomach", "ki67_percent": 45 });
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        let c = classify(&tumor(t), "auto", kb()).unwrap();
        assert_eq!((c.name.as_str(), c.grade), (name, g));
        if name.starts_with("NEC") {
            assert_eq!(c.decided_by, vec![Basis::Differentiation]);
        }
    }
    // Poor differentiation with low proliferation: NEC by morphology, discordance flagged.
    let c = classify(&gep(Some(12.0), None, "poor"), "who2022", kb()).unwrap();
    assert_eq!(c.name, "NEC");
    assert!(c.warnings.iter().any(|w| w.contains("discordance")));
}

#[test]
fn hpf_counts_are_normalised_by_field_area() {
    // §A.4: field area = π(d/2)²; CAP: with a 0.55 mm field, 42 HPF ≈ 10 mm², so mitoses/5 ≈ per 2 mm².
    let t = gep(
        Some(5.0),
        Some(json!({ "count": 21, "hpf": 42, "field_diameter_mm": 0.55 })),
        "well",
    );
    let c = classify(&t, "who2022", kb()).unwrap();
    let m = c.mitoses_per_2mm2.unwrap();
    let exact = 21.0 * 2.0 / (42.0 * std::f64::consts::PI * 0.275_f64.powi(2));
    assert!((m - exact).abs() <= 1e-12 * exact, "{m} vs {exact}");
    // CAP's rule of thumb (21 / 5 = 4.2) agrees to within 0.3 % for this field size.
    assert!((m - 4.2).abs() / 4.2 < 3e-3, "{m}");
    // §A.4 table: a 0.50 mm field has 0.196 mm² per HPF (10.2 HPF per 2 mm²): 10 HPF with 2 mitoses → 2.04 /2 mm².
    let t = gep(
        None,
        Some(json!({ "count": 2, "hpf": 10, "field_diameter_mm": 0.5 })),
        "well",
    );
    let m = classify(&t, "who2022", kb()).unwrap().mitoses_per_2mm2.unwrap();
    assert!((m - 2.0 / 0.19635 * 2.0 / 10.0).abs() < 1e-3, "{m}");
    // Area form: 21 mitoses in 10 mm² = 4.2 per 2 mm² (R-A1.3's example).
    let t = gep(None, Some(json!({ "count": 21, "area_mm2": 10 })), "well");
    let m = classify(&t, "who2022", kb()).unwrap().mitoses_per_2mm2.unwrap();
    assert!((m - 4.2).abs() < 1e-12);
}

#[test]
fn legacy_per_10_hpf_warns_near_cutoffs() {
    // R-A4.2: 10 HPF of 0.50–0.65 mm fields is 1.96–3.32 mm², so 2.5 per 10 HPF is ≈1.5–2.5 per 2 mm²: crosses 2.
    let t = gep(Some(1.0), Some(json!({ "per_10hpf": 2.5 })), "well");
    let c = classify(&t, "who2022", kb()).unwrap();
    assert!(
        c.warnings.iter().any(|w| w.contains("crosses a cut-off")),
        "{:?}",
        c.warnings
    );
    // Far from a cut-off: still said to be approximate, not "uncertain".
    let t = gep(Some(1.0), Some(json!({ "per_10hpf": 8 })), "well");
    let c = classify(&t, "who2022", kb()).unwrap();
    assert!(
        c.warnings.iter().any(|w| w.contains("does not cross")),
        "{:?}",
        c.warnings
    );
    // Under WHO 2010 a per-10-HPF count is the scheme's own unit: no approximation warning.
    let c = classify(&t, "who2010", kb()).unwrap();
    assert!(!c.warnings.iter().any(|w| w.contains("10 HPF")), "{:?}", c.warnings);
}

#[test]
fn lung_and_thymus_use_mitoses_and_necrosis() {
    // §A.3, R-A3.1: TC < 2 AND no necrosis; AC 2–10 OR any necrosis; > 10 carcinoma range.
    let cases = [
        (Some(1.9), "none", "well", "Typical carcinoid"),
        (Some(0.0), "none", "well", "Typical carcinoid"),
        (Some(1.9), "punctate", "well", "Atypical carcinoid"),
        (Some(1.0), "extensive", "well", "Atypical carcinoid"),
        (Some(2.0), "none", "well", "Atypical carcinoid"),
        (Some(10.0), "none", "well", "Atypical carcinoid"),
        (Some(10.1), "extensive", "poor", "NEC"),
        (
            Some(60.0),
            "extensive",
            "unknown",
            "High-grade NEN, NET G3 vs NEC undetermined",
        ),
        (None, "punctate", "well", "Atypical carcinoid"),
    ];
    for scheme in ["who2015_thoracic", "who2021_thoracic", "auto"] {
        for (m, nec, diff, name) in cases {
            let c = classify(&lung(m, nec, diff), scheme, kb()).unwrap();
            assert_eq!(c.name, name, "mitoses {m:?}, necrosis {nec}, {diff} under {scheme}");
            assert_eq!(c.grade, None, "thoracic entities are named, not graded");
            assert!(!c.decided_by.contains(&Basis::Ki67));
        }
    }
    // Necrosis with low mitoses decides alone.
    let c = classify(&lung(Some(1.0), "punctate", "well"), "auto", kb()).unwrap();
    assert_eq!(c.decided_by, vec![Basis::Necrosis]);
    // Cell type names the carcinoma.
    let t = tumor(
        json!({ "primary_site": "lung", "differentiation": "poor", "cell_type": "small_cell",
        "mitoses": { "per_2mm2": 80 }, "necrosis": "extensive" }),
    );
    assert_eq!(classify(&t, "auto", kb()).unwrap().name, "Small-cell carcinoma");
    let t = tumor(
        json!({ "primary_site": "thymus", "differentiation": "poor", "cell_type": "large_cell",
        "mitoses": { "per_2mm2": 30 }, "ki67_percent": 60 }),
    );
    let c = classify(&t, "auto", kb()).unwrap();
    assert_eq!(c.name, "Large-cell neuroendocrine carcinoma");
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("Ki-67 60 % is reported but not used"))
    );
    assert!(c.warnings.iter().any(|w| w.contains("Thymic")));
    // Carcinoid morphology above 10 mitoses: atypical carcinoid with a warning to review.
    let c = classify(&lung(Some(10.1), "none", "well"), "auto", kb()).unwrap();
    assert_eq!(c.name, "Atypical carcinoid");
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("above the atypical-carcinoid range"))
    );
    // Low mitoses with necrosis not reported: TC with the requirement stated.
    let t = tumor(json!({ "primary_site": "lung", "differentiation": "well", "mitoses": { "per_2mm2": 1 } }));
    let c = classify(&t, "auto", kb()).unwrap();
    assert_eq!(c.name, "Typical carcinoid");
    assert!(c.warnings.iter().any(|w| w.contains("Necrosis not reported")));
}

#[test]
fn auto_picks_the_newest_scheme_for_the_site() {
    let c = classify(&gep(Some(5.0), None, "well"), "auto", kb()).unwrap();
    assert_eq!(c.scheme, "who2022");
    let c = classify(&lung(Some(1.0), "none", "well"), "auto", kb()).unwrap();
    assert_eq!(c.scheme, "who2021_thoracic");
    let t = tumor(json!({ "primary_site": "unknown_primary", "differentiation": "well", "ki67_percent": 5 }));
    let c = classify(&t, "auto", kb()).unwrap();
    assert_eq!((c.scheme.as_str(), c.name.as_str()), ("who2022", "NET G2"));
    assert!(c.warnings.iter().any(|w| w.contains("Primary unknown")));
    // An unknown primary may be graded with the thoracic criteria on request.
    let t = tumor(json!({ "primary_site": "unknown_primary", "differentiation": "well",
        "mitoses": { "per_2mm2": 3 } }));
    assert_eq!(
        classify(&t, "who2021_thoracic", kb()).unwrap().name,
        "Atypical carcinoid"
    );
}

#[test]
fn a_scheme_of_the_wrong_family_is_an_error() {
    let e = classify(&lung(Some(1.0), "none", "well"), "who2019", kb()).unwrap_err();
    assert_eq!(e.field, "scheme");
    assert!(
        e.message.contains("who2021_thoracic") && e.message.contains("lung"),
        "{e}"
    );
    let e = classify(&gep(Some(5.0), None, "well"), "who2021_thoracic", kb()).unwrap_err();
    assert_eq!(e.field, "scheme");
    assert!(e.message.contains("who2022"), "{e}");
    let e = classify(&gep(Some(5.0), None, "well"), "who1999", kb()).unwrap_err();
    assert_eq!(e.field, "scheme");
}

#[test]
fn missing_indices() {
    let e = classify(&gep(None, None, "well"), "auto", kb()).unwrap_err();
    assert_eq!(e.field, "tumor.ki67_percent");
    assert!(e.message.contains("tumor.mitoses"));
    let t = tumor(json!({ "primary_site": "lung", "differentiation": "well", "ki67_percent": 4 }));
    let e = classify(&t, "auto", kb()).unwrap_err();
    assert_eq!(e.field, "tumor.mitoses");
    let c = classify(&gep(Some(5.0), None, "well"), "auto", kb()).unwrap();
    assert!(c.warnings.iter().any(|w| w.contains("Mitotic count not given")));
}
