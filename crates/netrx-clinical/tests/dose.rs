//! `netrx dose` rules against clinical-rules.md §B.2, §B.3, §B.6: hepatic classes
//! A/B/C in both regions, every interaction class, unknown drugs, conflicts
//! (R-B3.1), monitoring and counselling. Expected doses are typed from the
//! reference tables.

use netrx_case::Frequency;
use netrx_clinical::capability::{Capability, Options, Region, evaluate};
use netrx_clinical::dose::{AdjustmentEffect, DoseAdvice, advise};
use netrx_kb::label::Effect;
use netrx_kb::{Kb, Status};
use serde_json::{Value, json};

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge loads")
}

fn case(patient_extra: Value, meds: &[&str], everolimus: Option<Value>) -> netrx_case::Case {
    let mut patient = json!({ "age_years": 60, "sex": "female", "child_pugh": null });
    if let (Value::Object(p), Value::Object(extra)) = (&mut patient, patient_extra) {
        p.extend(extra);
    }
    let mut c = json!({
        "id": "t",
        "patient": patient,
        "tumor": { "primary_site": "pancreas", "differentiation": "well", "ki67_percent": 5 },
        "medications": meds,
    });
    if let Some(ev) = everolimus {
        c["everolimus"] = ev;
    }
    netrx_clinical::load_case(&c.to_string(), kb()).expect("test case loads")
}

fn dose(patient_extra: Value, meds: &[&str], region: Region) -> DoseAdvice {
    advise(&case(patient_extra, meds, None), kb(), region).expect("advice")
}

#[test]
fn standard_start_dose_without_adjustments() {
    for region in [Region::Us, Region::Eu] {
        let a = dose(json!({}), &[], region);
        assert_eq!(a.dose_mg, Some(10.0));
        assert_eq!(a.frequency, Some(Frequency::Daily));
        assert!(!a.avoid);
        assert_eq!(a.basis, "start");
        assert!(a.interactions.is_empty() && a.unknown_medications.is_empty());
        assert!(a.warnings.iter().any(|w| w.contains("Child-Pugh class not recorded")));
        assert_eq!(a.adjustments[0].source.status, Status::Verified);
    }
}

#[test]
fn hepatic_classes_a_b_c_in_both_regions() {
    // §B.2: A 7.5 (US: may decrease to 5), B 5 (US: may decrease to 2.5), C 2.5 maximum, benefit > risk.
    for (cp, region, want) in [
        ("A", Region::Us, 7.5),
        ("A", Region::Eu, 7.5),
        ("B", Region::Us, 5.0),
        ("B", Region::Eu, 5.0),
        ("C", Region::Us, 2.5),
        ("C", Region::Eu, 2.5),
    ] {
        let a = dose(json!({ "child_pugh": cp }), &[], region);
        assert_eq!(a.dose_mg, Some(want), "Child-Pugh {cp} {region:?}");
        let h = a
            .adjustments
            .iter()
            .find(|x| x.kind == "hepatic")
            .expect("hepatic adjustment");
        assert_eq!(h.effect, AdjustmentEffect::Cap);
        assert_eq!(h.reason, format!("patient.child_pugh = {cp}"));
        assert_eq!(h.source.status, Status::Verified);
        assert!(!h.conflict);
        let may = h.details.iter().any(|d| d.text.starts_with("May decrease to"));
        assert_eq!(may, region == Region::Us && cp != "C", "{cp} {region:?} fallback dose");
        assert!(
            h.details.iter().any(|d| d.text.contains("2009–2011")),
            "R-B2.1 version trap shown"
        );
        let warned = a.warnings.iter().any(|w| w.contains("benefit outweighs the risk"));
        assert_eq!(warned, cp == "C");
    }
    // 7.5 mg is not an EU tablet strength (2.5/5/10): the combination is shown.
    let a = dose(json!({ "child_pugh": "A" }), &[], Region::Eu);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("7.5 mg is not a single EU tablet strength: e.g. 5 + 2.5 mg")),
        "{:?}",
        a.warnings
    );
    let a = dose(json!({ "child_pugh": "A" }), &[], Region::Us);
    assert!(!a.warnings.iter().any(|w| w.contains("tablet strength")));
}

#[test]
fn hepatic_cap_does_not_raise_a_lower_current_dose() {
    let c = case(
        json!({ "child_pugh": "A" }),
        &[],
        Some(json!({ "start_date": "2024-01-01", "dose_mg": 5, "frequency": "daily" })),
    );
    let a = advise(&c, kb(), Region::Us).unwrap();
    assert_eq!(a.basis, "current");
    assert_eq!(a.dose_mg, Some(5.0));
    let c = case(
        json!({ "child_pugh": "B" }),
        &[],
        Some(json!({ "start_date": "2024-01-01", "dose_mg": 10, "frequency": "daily" })),
    );
    assert_eq!(advise(&c, kb(), Region::Us).unwrap().dose_mg, Some(5.0));
    // Every-other-day dosing in force stays every other day.
    let c = case(
        json!({}),
        &[],
        Some(json!({ "start_date": "2024-01-01", "dose_mg": 2.5, "frequency": "every_other_day" })),
    );
    let a = advise(&c, kb(), Region::Us).unwrap();
    assert_eq!((a.dose_mg, a.frequency), (Some(2.5), Some(Frequency::EveryOtherDay)));
}

#[test]
fn strong_inhibitors_are_avoided() {
    // §B.3 row 1: US avoid; EU not recommended (and adds posaconazole).
    for m in [
        "ketoconazole",
        "itraconazole",
        "clarithromycin",
        "atazanavir",
        "nefazodone",
        "saquinavir",
        "telithromycin",
        "ritonavir",
        "indinavir",
        "nelfinavir",
        "voriconazole",
    ] {
        for region in [Region::Us, Region::Eu] {
            let a = dose(json!({}), &[m], region);
            assert!(a.avoid, "{m} {region:?}");
            assert_eq!(a.dose_mg, None);
            assert_eq!(a.frequency, None);
            assert!(a.alternative.is_none(), "no label dose with a strong inhibitor");
            assert_eq!(a.interactions[0].class, "strong_cyp3a4_pgp_inhibitor");
            assert!(!a.interactions[0].listed_for_other_region_only);
        }
    }
    let eu = dose(json!({}), &["Noxafil"], Region::Eu);
    assert!(eu.avoid);
    assert!(!eu.interactions[0].listed_for_other_region_only);
    assert!(eu.interactions[0].text.contains("not recommended"));
    // In the US list posaconazole is not named: the US rule is applied, and flagged.
    let us = dose(json!({}), &["posaconazole"], Region::Us);
    assert!(us.avoid);
    assert!(us.interactions[0].listed_for_other_region_only);
    assert!(
        us.warnings.iter().any(|w| w.contains("EU list, not in the US list")),
        "{:?}",
        us.warnings
    );
    // Ketoconazole's PK effect is shown with the class rule.
    let k = dose(json!({}), &["Nizoral"], Region::Us);
    assert!(k.interactions[0].details.iter().any(|d| d.text.contains("AUC ×15.0")));
}

#[test]
fn moderate_inhibitors_reduce_the_dose() {
    // §B.3 row 2: US 2.5 mg daily (increase to 5 mg UNVERIFIED); EU consider 5 or 2.5 mg.
    for m in [
        "amprenavir",
        "fosamprenavir",
        "aprepitant",
        "erythromycin",
        "fluconazole",
        "verapamil",
        "diltiazem",
    ] {
        let us = dose(json!({}), &[m], Region::Us);
        assert_eq!(us.dose_mg, Some(2.5), "{m} US");
        assert!(!us.avoid);
        let adj = us.adjustments.iter().find(|a| a.kind == "interaction").unwrap();
        assert_eq!(adj.effect, AdjustmentEffect::Cap);
        assert!(
            adj.details
                .iter()
                .any(|d| d.text.contains("increase to 5 mg") && d.source.status == Status::Unverified),
            "the unverified step-up is shown as such"
        );
        let eu = dose(json!({}), &[m], Region::Eu);
        assert_eq!(eu.dose_mg, Some(5.0), "{m} EU");
        assert_eq!(eu.interactions[0].dose_options_mg, vec![5.0, 2.5]);
    }
    for m in ["imatinib", "ciclosporin", "dronedarone"] {
        let eu = dose(json!({}), &[m], Region::Eu);
        assert_eq!(eu.dose_mg, Some(5.0), "{m} EU");
        assert!(!eu.interactions[0].listed_for_other_region_only);
        let us = dose(json!({}), &[m], Region::Us);
        assert_eq!(us.dose_mg, Some(2.5), "{m} US (EU-listed, flagged)");
        assert!(us.interactions[0].listed_for_other_region_only);
    }
}

#[test]
fn strong_inducers_are_avoided_with_the_label_alternative() {
    // §B.3 row 3: avoid; if unavoidable 10 → 20 mg in 5 mg steps (EU: Day 4 and Day 8).
    for m in [
        "phenytoin",
        "carbamazepine",
        "rifampin",
        "Rifadin",
        "rifabutin",
        "rifapentine",
        "phenobarbital",
        "St. John's Wort",
    ] {
        for region in [Region::Us, Region::Eu] {
            let a = dose(json!({}), &[m], region);
            assert!(a.avoid, "{m}");
            assert_eq!(a.dose_mg, None);
            let alt = a.alternative.as_ref().expect("alternative");
            assert_eq!((alt.max_dose_mg, alt.step_mg), (20.0, 5.0));
            assert_eq!(alt.text.contains("Day 4 and Day 8"), region == Region::Eu);
            assert_eq!(a.interactions[0].class, "strong_cyp3a4_pgp_inducer");
        }
    }
    let a = dose(json!({}), &["rifampin"], Region::Us);
    assert_eq!(a.interactions[0].id, "rifampicin");
    assert_eq!(a.interactions[0].matched_as, "rifampin");
    assert!(a.interactions[0].details.iter().any(|d| d.text.contains("AUC −63 %")));
}

#[test]
fn inhibitor_with_inducer_gives_no_label_dose() {
    let a = dose(json!({}), &["ketoconazole", "rifampicin"], Region::Us);
    assert!(a.avoid);
    assert!(a.alternative.is_none());
    // The references have no rule for the combination (R-B3.1: flag for the clinician): the
    // warning is netrx's design rule from the data, shown with its derived status.
    let w = a.warnings.iter().find(|w| w.contains("both present")).expect("warned");
    assert!(w.contains("netrx design rule") && w.contains("[derived]"), "{w}");
}

#[test]
fn a_dose_above_the_standard_names_the_rule_that_allows_it() {
    // §B.3 row 3: only the strong-inducer rule raises the dose above 10 mg (up to 20 mg).
    let c = case(
        json!({}),
        &[],
        Some(json!({ "start_date": "2024-01-01", "dose_mg": 15, "frequency": "daily" })),
    );
    for region in [Region::Us, Region::Eu] {
        let a = advise(&c, kb(), region).unwrap();
        let w = a
            .warnings
            .iter()
            .find(|w| w.contains("above the standard NET dose (10 mg)"))
            .expect("warned");
        assert!(w.contains("P-gp and strong CYP3A4 inducer (up to 20 mg daily)"), "{w}");
    }
}

#[test]
fn pregnancy_and_breast_feeding_warnings_quote_the_regional_counselling() {
    // §B.6: breast-feeding 2 weeks [HK-MIMS SmPC], [Swiss Fachinfo] — SmPC sources only, so
    // the US item is unverified; the warning carries the item's text and status.
    let us = dose(
        json!({ "comorbidities": ["breast_feeding", "pregnancy"] }),
        &[],
        Region::Us,
    );
    let eu = dose(
        json!({ "comorbidities": ["breast_feeding", "pregnancy"] }),
        &[],
        Region::Eu,
    );
    let bf = |a: &DoseAdvice| {
        a.warnings
            .iter()
            .find(|w| w.starts_with("patient.comorbidities contains breast_feeding"))
            .cloned()
            .expect("warned")
    };
    assert!(
        bf(&us).contains("2 weeks") && bf(&us).contains("UNVERIFIED"),
        "{}",
        bf(&us)
    );
    assert!(
        bf(&eu).contains("2 weeks") && bf(&eu).contains("✔ verified"),
        "{}",
        bf(&eu)
    );
    for a in [&us, &eu] {
        assert!(
            a.warnings
                .iter()
                .any(|w| w.starts_with("patient.comorbidities contains pregnancy") && w.contains("Embryo-fetal"))
        );
    }
}

#[test]
fn hepatic_fold_changes_are_shown_unverified_beside_verified_kovarik() {
    // §B.2: fold values 1.6/3.3/3.6 UNVERIFIED (§D.8); Kovarik 2001 Child-Pugh B figures unflagged.
    let a = dose(json!({ "child_pugh": "B" }), &[], Region::Us);
    let h = a.adjustments.iter().find(|x| x.kind == "hepatic").unwrap();
    let fold = h
        .details
        .iter()
        .find(|d| d.text.contains("3.6"))
        .expect("fold changes shown");
    assert_eq!(fold.source.status, Status::Unverified);
    let kovarik = h.details.iter().find(|d| d.text.contains("79 vs 43 h")).unwrap();
    assert_eq!(kovarik.source.status, Status::Verified);
}

#[test]
fn us_moderate_inhibitor_rule_states_the_label_versions_conflict() {
    // pk.md §4: "reduce to 2.5 mg daily (older PI) / reduce dose by ~50% (newer PI)".
    let a = dose(json!({}), &["verapamil"], Region::Us);
    assert_eq!(a.dose_mg, Some(2.5));
    let i = a.adjustments.iter().find(|x| x.kind == "interaction").unwrap();
    assert!(i.text.contains("~50 %"), "{}", i.text);
}

#[test]
fn ciclosporin_pk_effect_is_from_healthy_volunteers() {
    // pk.md §4: all DDI studies in healthy volunteers (Kovarik 2002, Neoral 175 mg).
    let a = dose(json!({}), &["ciclosporin"], Region::Eu);
    let i = a.interactions.iter().find(|i| i.id == "ciclosporin").unwrap();
    let d = i.details.iter().find(|d| d.text.contains("×2.68")).unwrap();
    assert!(d.text.contains("healthy volunteers"), "{}", d.text);
}

#[test]
fn grapefruit_ace_inhibitors_and_octreotide() {
    let a = dose(json!({}), &["Grapefruit juice"], Region::Us);
    assert_eq!(a.dose_mg, Some(10.0));
    assert!(!a.avoid);
    assert_eq!(a.interactions[0].effect, Effect::AvoidFood);
    assert!(a.warnings.iter().any(|w| w.contains("Do not ingest grapefruit")));

    let a = dose(json!({}), &["Ramipril 5 mg"], Region::Us);
    assert_eq!(a.dose_mg, Some(10.0));
    assert_eq!(a.interactions[0].class, "ace_inhibitor");
    assert_eq!(a.interactions[0].effect, Effect::Warning);
    assert!(a.interactions[0].text.contains("angioedema"));
    assert!(!a.interactions[0].region_fallback);
    // The reference has no EU statement: the US rule is shown and flagged.
    let a = dose(json!({}), &["enalapril"], Region::Eu);
    assert!(a.interactions[0].region_fallback);
    assert!(a.warnings.iter().any(|w| w.contains("for the US label only")));

    let a = dose(json!({}), &["Sandostatin LAR 30 mg"], Region::Us);
    assert_eq!(a.dose_mg, Some(10.0));
    assert_eq!(a.interactions[0].class, "octreotide");
    assert_eq!(a.interactions[0].effect, Effect::Info);
    assert_eq!(a.interactions[0].source.status, Status::VerifiedSecondary);

    // A documented PK effect without a class rule.
    let a = dose(json!({}), &["atorvastatin"], Region::Us);
    assert_eq!(a.interactions[0].class, "pk_effect");
    assert_eq!(a.dose_mg, Some(10.0));
}

#[test]
fn unknown_medications_are_listed_not_errors() {
    let a = dose(
        json!({}),
        &["pantoprazole", "Metformin 500 mg", "verapamil"],
        Region::Us,
    );
    assert_eq!(
        a.unknown_medications,
        vec!["pantoprazole".to_string(), "Metformin 500 mg".to_string()]
    );
    assert_eq!(a.dose_mg, Some(2.5));
    assert!(a.warnings.iter().any(|w| w.contains("check interactions by hand")));
}

#[test]
fn inhibitor_and_hepatic_impairment_conflict_is_flagged_not_multiplied() {
    // R-B3.1: moderate inhibitor (US 2.5 mg) + Child-Pugh B (5 mg): not 10 × 0.25 × 0.5.
    let a = dose(json!({ "child_pugh": "B" }), &["verapamil"], Region::Us);
    assert_eq!(
        a.dose_mg,
        Some(2.5),
        "the lower single-rule dose, not a product (1.25 mg)"
    );
    let flagged: Vec<&str> = a
        .adjustments
        .iter()
        .filter(|x| x.conflict)
        .map(|x| x.kind.as_str())
        .collect();
    assert_eq!(flagged, vec!["hepatic", "interaction"]);
    assert!(a.warnings.iter().any(|w| w.contains("R-B3.1") && w.contains("2.5 mg")));
    // EU: 5 mg (Child-Pugh B) and 5 mg (moderate inhibitor): still flagged.
    let a = dose(json!({ "child_pugh": "B" }), &["diltiazem"], Region::Eu);
    assert_eq!(a.dose_mg, Some(5.0));
    assert!(a.adjustments.iter().any(|x| x.conflict));
    // Strong inducer + hepatic impairment: avoid, and the alternative exceeds the hepatic dose.
    let a = dose(json!({ "child_pugh": "C" }), &["carbamazepine"], Region::Us);
    assert!(a.avoid);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("exceeds the hepatic-impairment dose"))
    );
    assert!(a.warnings.iter().any(|w| w.contains("R-B3.1")));
    // No conflict without hepatic impairment.
    let a = dose(json!({}), &["verapamil"], Region::Us);
    assert!(a.adjustments.iter().all(|x| !x.conflict));
}

#[test]
fn monitoring_and_counselling() {
    let a = dose(
        json!({ "sex": "female", "comorbidities": ["diabetes", "planned_surgery"] }),
        &[],
        Region::Us,
    );
    let ids: Vec<&str> = a.monitoring.iter().map(|m| m.id.as_str()).collect();
    for id in [
        "glucose",
        "lipids",
        "cbc",
        "renal",
        "liver",
        "respiratory",
        "infection",
        "trough",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    let glucose = a.monitoring.iter().find(|m| m.id == "glucose").unwrap();
    assert_eq!(glucose.because.as_deref(), Some("patient.comorbidities: diabetes"));
    assert!(a.monitoring.iter().find(|m| m.id == "cbc").unwrap().because.is_none());
    let c: Vec<&str> = a.counselling.iter().map(|m| m.id.as_str()).collect();
    for id in [
        "live_vaccines",
        "contraception_female",
        "breast_feeding",
        "wound_healing",
        "radiation",
        "stomatitis_prophylaxis",
    ] {
        assert!(c.contains(&id), "{id}");
    }
    assert!(!c.contains(&"contraception_male"));
    let f = a.counselling.iter().find(|x| x.id == "contraception_female").unwrap();
    assert!(f.text.contains("8 weeks"));
    let bf = a.counselling.iter().find(|x| x.id == "breast_feeding").unwrap();
    assert!(bf.text.contains("2 weeks"));
    let sw = a.counselling.iter().find(|x| x.id == "stomatitis_prophylaxis").unwrap();
    assert!(sw.text.contains("alcohol-free dexamethasone") && sw.text.contains("0.5 mg/5 mL"));
    assert!(
        a.counselling
            .iter()
            .find(|x| x.id == "wound_healing")
            .unwrap()
            .because
            .is_some()
    );

    let us = dose(json!({ "sex": "male" }), &[], Region::Us);
    let m = us.counselling.iter().find(|x| x.id == "contraception_male").unwrap();
    assert!(m.text.contains("4 weeks"));
    assert_eq!(
        m.source.status,
        Status::Unverified,
        "US male contraception duration is UNVERIFIED"
    );
    assert!(!us.counselling.iter().any(|x| x.id == "breast_feeding"));
    let eu = dose(json!({ "sex": "male" }), &[], Region::Eu);
    let m = eu.counselling.iter().find(|x| x.id == "contraception_male").unwrap();
    assert!(m.text.contains("should not be prohibited"));
    let missed_us = us.counselling.iter().find(|x| x.id == "missed_dose").unwrap();
    let missed_eu = eu.counselling.iter().find(|x| x.id == "missed_dose").unwrap();
    assert!(missed_us.text.contains("6 hours") && missed_eu.text.contains("Do not take an additional dose"));
}

#[test]
fn capability_gives_the_same_json() {
    let c = case(json!({ "child_pugh": "B" }), &["verapamil"], None);
    for region in [Region::Us, Region::Eu] {
        let opts = Options {
            region,
            ..Options::default()
        };
        let v = evaluate(Capability::Dose, &c, kb(), &opts).unwrap();
        assert_eq!(v, serde_json::to_value(advise(&c, kb(), region).unwrap()).unwrap());
        for key in [
            "knowledge_version",
            "region",
            "dose_mg",
            "frequency",
            "avoid",
            "adjustments",
            "interactions",
            "unknown_medications",
            "monitoring",
            "counselling",
            "warnings",
        ] {
            assert!(v.get(key).is_some(), "key {key}");
        }
    }
    assert_eq!(Capability::from_id("dose"), Some(Capability::Dose));
    assert_eq!(Capability::from_id("tox"), Some(Capability::Tox));
}

#[test]
fn active_toxicity_is_pointed_out() {
    let mut c = serde_json::to_value(case(
        json!({}),
        &[],
        Some(json!({ "start_date": "2024-01-01", "dose_mg": 10, "frequency": "daily" })),
    ))
    .unwrap();
    c["adverse_events"] = json!([{ "date": "2024-03-01", "term": "stomatitis", "grade": 3 }]);
    let c = netrx_clinical::load_case(&c.to_string(), kb()).unwrap();
    let a = advise(&c, kb(), Region::Us).unwrap();
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("WITHHOLD") && w.contains("Mucositis oral grade 3") && w.contains("5 mg daily")),
        "{:?}",
        a.warnings
    );
}
