//! Regimens in a region from knowledge data (audit C1): the default candidates of
//! `netrx pk population` keep the issue 9 contract in the US ("2.5, 5, 7.5, 10 mg every
//! 24 h, and 5 mg every 48 h"), are checked against each region's tablets
//! (clinical-rules.md §B.2: US 2.5, 5, 7.5, 10 mg; EU 2.5, 5, 10 mg), and carry their
//! basis — including the label's every-other-day steps (R-B3.2; §B.4 ladders: US ends at
//! 2.5 mg every other day, EU at 5 mg every other day).

use netrx_kb::Kb;
use netrx_kb::pk::RegimenDef;
use netrx_pk::Regimen;
use netrx_pk::regimens::{Basis, above_child_pugh_c_maximum, classify, population_defaults};

fn kb() -> &'static Kb {
    Kb::embedded().unwrap()
}

fn pairs(r: &[Regimen]) -> Vec<(f64, f64)> {
    r.iter().map(|r| (r.dose_mg, r.interval_h)).collect()
}

fn reg(dose_mg: f64, interval_h: f64) -> Regimen {
    Regimen { dose_mg, interval_h }
}

const CONTRACT: [(f64, f64); 5] = [(2.5, 24.0), (5.0, 24.0), (7.5, 24.0), (10.0, 24.0), (5.0, 48.0)];

#[test]
fn us_defaults_are_the_issue_contract_each_with_its_basis() {
    let d = population_defaults(kb(), "us").unwrap();
    assert_eq!(pairs(&d.regimens), CONTRACT.to_vec());
    assert!(d.not_available.is_empty());
    assert_eq!(d.basis.len(), d.regimens.len());
    for b in &d.basis[..4] {
        assert_eq!(b.basis, Basis::TabletStrength, "{b:?}");
        assert_eq!(b.tablets_mg.as_deref(), Some(&[b.dose_mg][..]));
    }
    // 5 mg every other day is a US tablet, but not a step of the US ladder, which ends at
    // 2.5 mg every other day (clinical-rules.md §B.4).
    let eod = &d.basis[4];
    assert_eq!(eod.basis, Basis::NotALabelRegimen);
    assert!(eod.note.contains("2.5 mg every other day"), "{}", eod.note);
    assert!(!eod.sources.is_empty());
}

#[test]
fn eu_defaults_follow_the_eu_tablets_and_ladder() {
    let d = population_defaults(kb(), "eu").unwrap();
    assert_eq!(pairs(&d.regimens), CONTRACT.to_vec());
    // No 7.5 mg tablet in the EU: 5 + 2.5 mg (the EU label's Child-Pugh A dose is 7.5 mg daily).
    let b75 = &d.basis[2];
    assert_eq!(b75.basis, Basis::CombinedTablets);
    assert_eq!(b75.tablets_mg.as_deref(), Some(&[5.0, 2.5][..]));
    assert!(b75.note.contains("No 7.5 mg tablet in the EU"), "{}", b75.note);
    assert!(b75.sources.iter().any(|s| s.status == netrx_kb::Status::Derived));
    // 5 mg every other day is the last step of the EU ladder.
    assert_eq!(d.basis[4].basis, Basis::LabelEveryOtherDay);
}

#[test]
fn defaults_come_from_the_data() {
    // Change the data, not the code: a default the EU tablets cannot make up is left out and
    // named; a new one appears.
    let mut k = kb().clone();
    k.pk.regimens.population_default.regimens = vec![
        RegimenDef {
            dose_mg: 3.0,
            interval_h: 24.0,
        },
        RegimenDef {
            dose_mg: 2.5,
            interval_h: 48.0,
        },
    ];
    let d = population_defaults(&k, "eu").unwrap();
    assert_eq!(pairs(&d.regimens), vec![(2.5, 48.0)]);
    assert_eq!(d.not_available.len(), 1);
    assert_eq!(d.not_available[0].basis, Basis::NotAvailable);
    assert!(d.not_available[0].tablets_mg.is_none());
    assert!(
        d.not_available[0].note.contains("2.5, 5, 10"),
        "{}",
        d.not_available[0].note
    );
    // A region without a 7.5 mg strength and without the 2.5 mg one: 7.5 cannot be made up.
    k.pk.regimens.tablets.eu_mg = vec![5.0, 10.0];
    k.pk.regimens.population_default.regimens = CONTRACT
        .iter()
        .map(|&(dose_mg, interval_h)| RegimenDef { dose_mg, interval_h })
        .collect();
    let d = population_defaults(&k, "eu").unwrap();
    assert_eq!(pairs(&d.regimens), vec![(5.0, 24.0), (10.0, 24.0), (5.0, 48.0)]);
    let gone: Vec<f64> = d.not_available.iter().map(|b| b.dose_mg).collect();
    assert_eq!(gone, vec![2.5, 7.5]);
}

#[test]
fn classify_every_kind_of_regimen() {
    let k = kb();
    let basis = |region: &str, d: f64, t: f64| classify(k, region, &reg(d, t)).unwrap().basis;
    // R-B3.2: every other day at the lowest strength (2.5 mg) in both regions.
    assert_eq!(basis("us", 2.5, 48.0), Basis::LabelEveryOtherDay);
    assert_eq!(basis("eu", 2.5, 48.0), Basis::LabelEveryOtherDay);
    // Above the standard dose: tablets combine; the note names the inducer rule (§B.3).
    let b = classify(k, "us", &reg(15.0, 24.0)).unwrap();
    assert_eq!(b.basis, Basis::CombinedTablets);
    assert_eq!(b.tablets_mg.as_deref(), Some(&[10.0, 5.0][..]));
    assert!(b.note.contains("inducer"), "{}", b.note);
    // Above the inducer ceiling (20 mg daily): not a label regimen.
    assert_eq!(basis("us", 25.0, 24.0), Basis::NotALabelRegimen);
    // An interval the label does not use.
    assert_eq!(basis("us", 5.0, 12.0), Basis::NotALabelRegimen);
    // A dose no tablets make up.
    assert_eq!(basis("us", 3.0, 24.0), Basis::NotAvailable);
    assert_eq!(basis("eu", 7.5, 24.0), Basis::CombinedTablets);
    assert_eq!(basis("us", 7.5, 24.0), Basis::TabletStrength);
    // An unknown region is an input error naming --region.
    let e = classify(k, "jp", &reg(5.0, 24.0)).unwrap_err();
    assert_eq!(e.field, "--region");
}

#[test]
fn child_pugh_c_maximum_is_a_mean_daily_dose() {
    // clinical-rules.md §B.2: Child-Pugh C, 2.5 mg daily must not be exceeded.
    let above = above_child_pugh_c_maximum(
        kb(),
        &[
            reg(2.5, 24.0),
            reg(5.0, 24.0),
            reg(5.0, 48.0),
            reg(2.5, 48.0),
            reg(7.5, 48.0),
        ],
    );
    assert_eq!(pairs(&above), vec![(5.0, 24.0), (7.5, 48.0)]);
}
