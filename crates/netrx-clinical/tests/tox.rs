//! `netrx tox` against clinical-rules.md §B.4 (Table B.4, R-B3.2, R-B4.1, R-B4.2):
//! every row of the dose-modification table in both regions (first and
//! recurrent), the ladders and their floors, haematological recovery thresholds,
//! recurrence detection, and course bookkeeping. Expected actions and doses are
//! typed from the reference, not read from the knowledge files.

use netrx_case::Frequency;
use netrx_clinical::capability::{Capability, Options, Region, evaluate};
use netrx_clinical::tox::{Step, ToxReport, reduce, replay};
use netrx_kb::label::Action;
use netrx_kb::{Kb, Status};
use serde_json::{Value, json};

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge loads")
}

fn run(labs: Value, aes: Value, everolimus: Option<Value>, region: Region) -> ToxReport {
    let mut c = json!({
        "id": "t",
        "patient": { "age_years": 60, "sex": "female" },
        "tumor": { "primary_site": "pancreas", "differentiation": "well", "ki67_percent": 5 },
        "labs": labs,
        "adverse_events": aes,
    });
    if let Some(ev) = everolimus {
        c["everolimus"] = ev;
    }
    let case = netrx_clinical::load_case(&c.to_string(), kb()).expect("test case loads");
    replay(&case, kb(), region).expect("replay")
}

fn on_10mg() -> Value {
    json!({ "start_date": "2024-01-01", "dose_mg": 10, "frequency": "daily" })
}

// ---------------------------------------------------------------------------
// Every row

#[derive(Debug, Clone, Copy)]
enum Want {
    /// Continue.
    C,
    /// Continue if tolerable; if intolerable withhold until ≤ g and resume same (false) / reduced (true).
    CI(u8, bool),
    /// Withhold until ≤ g, resume same (false) or reduced (true).
    W(u8, bool),
    /// Discontinue.
    D,
}
use Want::*;

/// (term, grade, first, recurrent) per region; reduced = 5 mg from 10 mg in both regions
/// (US ~50 %, EU 5 mg), same = 10 mg.
const US: &[(&str, u8, Want, Want)] = &[
    ("pneumonitis", 1, C, C),
    ("pneumonitis", 2, W(1, true), W(1, true)),
    ("pneumonitis", 3, W(1, true), D),
    ("pneumonitis", 4, D, D),
    ("stomatitis", 1, C, C),
    ("stomatitis", 2, W(1, false), W(1, true)),
    ("stomatitis", 3, W(1, true), W(1, true)),
    ("stomatitis", 4, D, D),
    ("hyperglycemia", 1, C, C),
    ("hyperglycemia", 2, C, C),
    ("hyperglycemia", 3, W(2, true), W(2, true)),
    ("hyperglycemia", 4, D, D),
    ("diarrhea", 1, C, C),
    ("diarrhea", 2, CI(1, false), CI(1, true)),
    ("diarrhea", 3, W(1, true), D),
    ("diarrhea", 4, D, D),
    ("platelet_count_decreased", 1, C, C),
    ("platelet_count_decreased", 2, W(1, false), W(1, false)),
    ("platelet_count_decreased", 3, W(1, true), W(1, true)),
    ("platelet_count_decreased", 4, W(1, true), W(1, true)),
    ("neutrophil_count_decreased", 1, C, C),
    ("neutrophil_count_decreased", 2, C, C),
    ("neutrophil_count_decreased", 3, W(2, false), W(2, false)),
    ("neutrophil_count_decreased", 4, W(2, true), W(2, true)),
    ("febrile_neutropenia", 3, W(2, true), W(2, true)),
    ("febrile_neutropenia", 4, D, D),
    ("lung_infection", 1, C, C),
    ("lung_infection", 2, CI(1, false), W(1, false)),
    ("lung_infection", 3, W(1, true), W(1, true)),
    ("lung_infection", 4, D, D),
];

/// The EU table has the same structure (pneumonitis from the EU generic SmPC; the
/// rest US structure with the EU reduction to 5 mg).
const EU: &[(&str, u8, Want, Want)] = US;

fn check_row(region: Region, term: &str, grade: u8, recurrent: bool, want: Want) {
    let mut aes = vec![];
    if recurrent {
        aes.push(json!({ "date": "2024-02-01", "term": term, "grade": grade, "resolved_date": "2024-02-08", "resolved_to_grade": 0 }));
    }
    aes.push(json!({ "date": "2024-03-01", "term": term, "grade": grade }));
    let r = run(json!([]), Value::Array(aes), Some(on_10mg()), region);
    let d = r.timeline.last().expect("a decision");
    let at = format!(
        "{region:?} {term} G{grade} {}",
        if recurrent { "recurrent" } else { "first" }
    );
    assert_eq!(d.occurrence, if recurrent { "recurrent" } else { "first" }, "{at}");
    assert_eq!(d.dose_in_force.map(|x| x.dose_mg), Some(10.0), "{at}");
    assert!(d.source.is_some(), "{at}: source");
    match want {
        C => {
            assert_eq!(d.action, Some(Action::Continue), "{at}");
            assert!(d.if_intolerable.is_none(), "{at}");
        }
        CI(g, reduced) => {
            assert_eq!(d.action, Some(Action::Continue), "{at}");
            let i = d.if_intolerable.as_ref().expect("intolerable branch");
            assert_eq!(i.action, Action::Withhold, "{at}");
            assert_eq!(i.resume_when_max_grade, Some(g), "{at}");
            assert_eq!(i.resume_dose_mg, Some(if reduced { 5.0 } else { 10.0 }), "{at}");
        }
        W(g, reduced) => {
            assert_eq!(d.action, Some(Action::Withhold), "{at}");
            assert_eq!(d.resume_when_max_grade, Some(g), "{at}");
            assert_eq!(d.resume_dose_mg, Some(if reduced { 5.0 } else { 10.0 }), "{at}");
            assert_eq!(d.resume_frequency, Some(Frequency::Daily), "{at}");
        }
        D => assert_eq!(d.action, Some(Action::Discontinue), "{at}"),
    }
}

#[test]
fn every_row_us() {
    for &(term, g, first, rec) in US {
        check_row(Region::Us, term, g, false, first);
        check_row(Region::Us, term, g, true, rec);
    }
}

#[test]
fn every_row_eu() {
    for &(term, g, first, rec) in EU {
        check_row(Region::Eu, term, g, false, first);
        check_row(Region::Eu, term, g, true, rec);
    }
}

#[test]
fn statuses_carry_the_reference_marks() {
    let status = |region, term: &str, g: u8| {
        let r = run(
            json!([]),
            json!([{ "date": "2024-03-01", "term": term, "grade": g }]),
            Some(on_10mg()),
            region,
        );
        r.timeline[0].source.as_ref().unwrap().status
    };
    // ✔ rows.
    for (t, g) in [
        ("pneumonitis", 2),
        ("stomatitis", 2),
        ("stomatitis", 3),
        ("hyperglycemia", 3),
        ("diarrhea", 3),
    ] {
        assert_eq!(status(Region::Us, t, g), Status::Verified, "US {t} {g}");
    }
    assert_eq!(
        status(Region::Eu, "pneumonitis", 2),
        Status::Verified,
        "EU pneumonitis [diagnosia]"
    );
    // ✱ rows and rows the reference gives for the US only.
    for (t, g) in [
        ("platelet_count_decreased", 2),
        ("neutrophil_count_decreased", 3),
        ("febrile_neutropenia", 3),
        ("lung_infection", 3),
    ] {
        assert_eq!(status(Region::Us, t, g), Status::Unverified, "US {t} {g}");
    }
    assert_eq!(
        status(Region::Eu, "stomatitis", 2),
        Status::Unverified,
        "EU row text not in the reference"
    );
    // Metabolic G3: the action is ✔, the recovery threshold ✱.
    let r = run(
        json!([]),
        json!([{ "date": "2024-03-01", "term": "hyperglycemia", "grade": 3 }]),
        Some(on_10mg()),
        Region::Us,
    );
    assert_eq!(
        r.timeline[0].resume_when_source.as_ref().unwrap().status,
        Status::Unverified
    );
    assert!(r.timeline[0].notes.iter().any(|n| n.contains("UNVERIFIED")));
}

#[test]
fn consider_flags_follow_the_label_wording() {
    let r = run(
        json!([]),
        json!([{ "date": "2024-03-01", "term": "pneumonitis", "grade": 2 }]),
        Some(on_10mg()),
        Region::Eu,
    );
    assert!(r.timeline[0].consider, "EU pneumonitis G2: consider interruption");
    let r = run(
        json!([]),
        json!([{ "date": "2024-03-01", "term": "pneumonitis", "grade": 2 }]),
        Some(on_10mg()),
        Region::Us,
    );
    assert!(!r.timeline[0].consider);
    assert_eq!(r.timeline[0].discontinue_if_not_recovered_days, Some(28));
}

// ---------------------------------------------------------------------------
// Stomatitis G2 first vs recurrent; pneumonitis G2 always lower

#[test]
fn stomatitis_grade_2_first_same_dose_recurrent_lower() {
    let aes = json!([
        { "date": "2024-02-01", "term": "stomatitis", "grade": 2, "resolved_date": "2024-02-08", "resolved_to_grade": 0 },
        { "date": "2024-03-01", "term": "mucositis_oral", "grade": 2, "resolved_date": "2024-03-09", "resolved_to_grade": 1 }
    ]);
    let r = run(json!([]), aes.clone(), Some(on_10mg()), Region::Us);
    assert_eq!(r.timeline.len(), 2);
    let (a, b) = (&r.timeline[0], &r.timeline[1]);
    assert_eq!((a.occurrence.as_str(), a.resume_dose_mg), ("first", Some(10.0)));
    assert_eq!(a.recovered_on.map(|d| d.to_string()).as_deref(), Some("2024-02-08"));
    assert_eq!((b.occurrence.as_str(), b.resume_dose_mg), ("recurrent", Some(5.0)));
    assert_eq!(b.recurrence_of.map(|d| d.to_string()).as_deref(), Some("2024-02-01"));
    assert_eq!(
        r.current.action,
        Some(Action::Continue),
        "both episodes recovered to ≤ 1"
    );
    // An unresolved first episode followed by a second record is the same episode, not a recurrence.
    let r = run(
        json!([]),
        json!([
            { "date": "2024-02-01", "term": "stomatitis", "grade": 2 },
            { "date": "2024-02-05", "term": "stomatitis", "grade": 2 }
        ]),
        Some(on_10mg()),
        Region::Us,
    );
    assert_eq!(r.timeline.len(), 1);
    assert_eq!(r.current.action, Some(Action::Withhold));
    assert_eq!(r.current.resume_dose_mg, Some(10.0));
    assert!(r.warnings.iter().any(|w| w.contains("not recorded as recovered")));
    // A recurrence after an earlier, worse episode is a recurrence of the lower grade.
    let r = run(
        json!([]),
        json!([
            { "date": "2024-02-01", "term": "stomatitis", "grade": 3, "resolved_date": "2024-02-08", "resolved_to_grade": 0 },
            { "date": "2024-03-01", "term": "stomatitis", "grade": 2 }
        ]),
        Some(on_10mg()),
        Region::Us,
    );
    assert_eq!(r.timeline[1].occurrence, "recurrent");
    // A first grade 3 after an earlier grade 2 is a first grade 3 (resume lower, not discontinue).
    let r = run(
        json!([]),
        json!([
            { "date": "2024-02-01", "term": "diarrhea", "grade": 2, "resolved_date": "2024-02-08", "resolved_to_grade": 0 },
            { "date": "2024-03-01", "term": "diarrhea", "grade": 3 }
        ]),
        Some(on_10mg()),
        Region::Us,
    );
    assert_eq!(r.timeline[1].occurrence, "first");
    assert_eq!(r.timeline[1].action, Some(Action::Withhold));
}

#[test]
fn pneumonitis_grade_2_always_resumes_lower() {
    // R-B4.1: first and recurrent, from every dose in force.
    for (region, dose, freq, want) in [
        (Region::Us, 10.0, "daily", Some((5.0, Frequency::Daily))),
        (Region::Us, 5.0, "daily", Some((2.5, Frequency::Daily))),
        (Region::Us, 2.5, "daily", Some((2.5, Frequency::EveryOtherDay))),
        (Region::Eu, 10.0, "daily", Some((5.0, Frequency::Daily))),
        (Region::Eu, 5.0, "daily", Some((5.0, Frequency::EveryOtherDay))),
        (Region::Us, 2.5, "every_other_day", None),
        (Region::Eu, 5.0, "every_other_day", None),
    ] {
        let ev = json!({ "start_date": "2024-01-01", "dose_mg": dose, "frequency": freq });
        let r = run(
            json!([]),
            json!([{ "date": "2024-03-01", "term": "pneumonitis", "grade": 2 }]),
            Some(ev),
            region,
        );
        let d = &r.timeline[0];
        match want {
            Some((mg, f)) => {
                assert_eq!(d.action, Some(Action::Withhold), "{region:?} {dose} {freq}");
                assert_eq!(
                    (d.resume_dose_mg, d.resume_frequency),
                    (Some(mg), Some(f)),
                    "{region:?} {dose} {freq}"
                );
                assert!(
                    d.resume_dose_mg.unwrap() < dose || f == Frequency::EveryOtherDay,
                    "always lower"
                );
            }
            None => {
                assert_eq!(
                    d.action,
                    Some(Action::Discontinue),
                    "{region:?} {dose} {freq}: ladder end"
                );
                assert!(d.notes.iter().any(|n| n.contains("no lower step")));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Ladders

#[test]
fn ladder_floors_in_both_regions() {
    let step = |region, dose, f| match reduce(kb(), region, dose, f) {
        Step::Dose { dose_mg, frequency, .. } => Some((dose_mg, frequency)),
        Step::End { .. } => None,
    };
    use Frequency::{Daily as D, EveryOtherDay as E};
    // US: ~50 %, 2.5 mg floor, then every other day (§B.4, R-B3.2).
    assert_eq!(step(Region::Us, 10.0, D), Some((5.0, D)));
    assert_eq!(step(Region::Us, 5.0, D), Some((2.5, D)));
    assert_eq!(step(Region::Us, 2.5, D), Some((2.5, E)));
    assert_eq!(step(Region::Us, 2.5, E), None);
    // 7.5 mg (Child-Pugh A): 3.75 mg is no strength, rounded down to 2.5 mg (derived, flagged).
    assert_eq!(step(Region::Us, 7.5, D), Some((2.5, D)));
    match reduce(kb(), Region::Us, 7.5, D) {
        Step::Dose { how, source, .. } => {
            assert!(how.contains("3.75"), "{how}");
            assert_eq!(source.status, Status::Derived);
        }
        Step::End { .. } => panic!("7.5 mg reduces"),
    }
    // EU: 5 mg, never lower than 5 mg daily; then alternate days.
    assert_eq!(step(Region::Eu, 10.0, D), Some((5.0, D)));
    assert_eq!(step(Region::Eu, 7.5, D), Some((5.0, D)));
    assert_eq!(step(Region::Eu, 5.0, D), Some((5.0, E)));
    assert_eq!(step(Region::Eu, 5.0, E), None);
    // Below the EU floor (Child-Pugh C 2.5 mg): alternate days at the dose in force.
    assert_eq!(step(Region::Eu, 2.5, D), Some((2.5, E)));
    // The whole US ladder from 10 mg ends after four steps.
    let mut r = Some((10.0, D));
    let mut seen = vec![];
    while let Some((d, f)) = r {
        seen.push((d, f));
        r = step(Region::Us, d, f);
    }
    assert_eq!(seen, vec![(10.0, D), (5.0, D), (2.5, D), (2.5, E)]);
}

#[test]
fn compounding_reductions_use_the_dose_in_force() {
    // Stomatitis G3 twice: 10 → 5 (recorded), then 5 → 2.5 (US) / 5 → 5 mg alternate days (EU).
    let ev = json!({
        "start_date": "2024-01-01", "dose_mg": 5, "frequency": "daily",
        "history": [
            { "date": "2024-01-01", "dose_mg": 10, "frequency": "daily", "reason": "start" },
            { "date": "2024-02-01", "dose_mg": 0, "frequency": "daily", "reason": "hold" },
            { "date": "2024-02-15", "dose_mg": 5, "frequency": "daily", "reason": "resumed lower" }
        ]
    });
    let aes = json!([
        { "date": "2024-02-01", "term": "stomatitis", "grade": 3, "resolved_date": "2024-02-14", "resolved_to_grade": 1 },
        { "date": "2024-03-10", "term": "stomatitis", "grade": 3 }
    ]);
    let r = run(json!([]), aes.clone(), Some(ev.clone()), Region::Us);
    assert_eq!(r.timeline[0].dose_in_force.unwrap().dose_mg, 10.0);
    assert_eq!(r.timeline[0].resume_dose_mg, Some(5.0));
    assert_eq!(r.timeline[1].dose_in_force.unwrap().dose_mg, 5.0);
    assert_eq!(r.timeline[1].resume_dose_mg, Some(2.5));
    assert_eq!(r.current.action, Some(Action::Withhold));
    assert_eq!(r.current.resume_dose_mg, Some(2.5));
    let r = run(json!([]), aes, Some(ev), Region::Eu);
    assert_eq!(
        (r.current.resume_dose_mg, r.current.resume_frequency),
        (Some(5.0), Some(Frequency::EveryOtherDay))
    );
}

// ---------------------------------------------------------------------------
// Labs: grades, haematological recovery thresholds

#[test]
fn haematological_recovery_thresholds() {
    // R-B4.2: thrombocytopenia recovers to G0–1, neutropenia to G0–2.
    let plt = |v: f64| json!({ "date": "x", "test": "platelets", "value": v, "unit": "10^9/L", "lln": 150 });
    let anc = |v: f64| json!({ "date": "x", "test": "neutrophils", "value": v, "unit": "10^9/L", "lln": 1.8 });
    let dated = |mut v: Value, d: &str| {
        v["date"] = json!(d);
        v
    };
    // Platelets G3 (40) → still G2 (60): not recovered → withhold; then 80 (G1) → recovered.
    let labs = json!([dated(plt(40.0), "2024-03-01"), dated(plt(60.0), "2024-03-08")]);
    let r = run(labs, json!([]), Some(on_10mg()), Region::Us);
    assert_eq!(r.timeline.len(), 1);
    assert_eq!(r.current.action, Some(Action::Withhold));
    assert_eq!(r.current.resume_dose_mg, Some(5.0));
    let labs = json!([
        dated(plt(40.0), "2024-03-01"),
        dated(plt(60.0), "2024-03-08"),
        dated(plt(80.0), "2024-03-15")
    ]);
    let r = run(labs, json!([]), Some(on_10mg()), Region::Us);
    assert_eq!(
        r.timeline[0].recovered_on.map(|d| d.to_string()).as_deref(),
        Some("2024-03-15")
    );
    assert_eq!(r.current.action, Some(Action::Continue));
    // Neutrophils G3 (0.8) → G2 (1.2) is recovery (G0–2).
    let labs = json!([dated(anc(0.8), "2024-03-01"), dated(anc(1.2), "2024-03-08")]);
    let r = run(labs, json!([]), Some(on_10mg()), Region::Us);
    assert_eq!(r.timeline[0].action, Some(Action::Withhold));
    assert_eq!(
        r.timeline[0].resume_dose_mg,
        Some(10.0),
        "neutropenia G3 resumes at the same dose"
    );
    assert_eq!(
        r.timeline[0].recovered_on.map(|d| d.to_string()).as_deref(),
        Some("2024-03-08")
    );
    assert_eq!(r.current.action, Some(Action::Continue));
    // Platelets at 75 × 10⁹/L exactly is grade 1: recovered.
    let labs = json!([dated(plt(70.0), "2024-03-01"), dated(plt(75.0), "2024-03-05")]);
    let r = run(labs, json!([]), Some(on_10mg()), Region::Us);
    assert_eq!(
        r.timeline[0].resume_dose_mg,
        Some(10.0),
        "thrombocytopenia G2 resumes at the same dose"
    );
    assert!(r.timeline[0].recovered_on.is_some());
    // 74 999/mm³ is still grade 2.
    let labs = json!([
        { "date": "2024-03-01", "test": "platelets", "value": 70000, "unit": "/mm3", "lln": 150000 },
        { "date": "2024-03-05", "test": "platelets", "value": 74999, "unit": "/mm3", "lln": 150000 }
    ]);
    let r = run(labs, json!([]), Some(on_10mg()), Region::Us);
    assert!(r.timeline[0].recovered_on.is_none());
    assert_eq!(r.current.action, Some(Action::Withhold));
}

#[test]
fn lab_and_adverse_event_on_the_same_day_are_one_event() {
    let labs = json!([{ "date": "2024-03-01", "test": "platelets", "value": 60, "unit": "10^9/L", "lln": 150 }]);
    let aes = json!([{ "date": "2024-03-01", "term": "thrombocytopenia", "grade": 2 }]);
    let r = run(labs, aes, Some(on_10mg()), Region::Us);
    assert_eq!(r.timeline.len(), 1);
    assert_eq!(r.timeline[0].event.entry, "labs[0]");
    assert_eq!(r.timeline[0].event.also, vec!["adverse_events[0]".to_string()]);
}

#[test]
fn ungradable_and_undetermined_labs_are_reported() {
    let labs = json!([
        { "date": "2024-03-01", "test": "glucose", "value": 300, "unit": "mg/dL" },
        { "date": "2024-03-01", "test": "platelets", "value": 100, "unit": "10^9/L" }
    ]);
    let r = run(labs, json!([]), Some(on_10mg()), Region::Us);
    assert!(r.timeline.is_empty(), "no grade ≥ 1 is derived");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("Not gradable") && w.contains("glucose"))
    );
    assert!(r.warnings.iter().any(|w| w.contains("grade undetermined")));
}

// ---------------------------------------------------------------------------
// Course bookkeeping and current action

#[test]
fn pneumonitis_not_recovered_within_4_weeks_is_discontinued() {
    let labs = json!([{ "date": "2024-04-15", "test": "platelets", "value": 200, "unit": "10^9/L", "lln": 150 }]);
    let aes = json!([{ "date": "2024-03-01", "term": "pneumonitis", "grade": 2 }]);
    let r = run(labs, aes, Some(on_10mg()), Region::Us);
    assert_eq!(r.as_of.map(|d| d.to_string()).as_deref(), Some("2024-04-15"));
    assert_eq!(r.current.action, Some(Action::Discontinue));
    assert!(r.warnings.iter().any(|w| w.contains("not recovered within 28 days")));
    // Recovered on day 20: resume lower.
    let aes = json!([{ "date": "2024-03-01", "term": "pneumonitis", "grade": 2, "resolved_date": "2024-03-21", "resolved_to_grade": 1 }]);
    let r = run(json!([]), aes, Some(on_10mg()), Region::Us);
    assert_eq!(r.current.action, Some(Action::Continue));
}

#[test]
fn two_active_holds_resume_at_the_lower_dose() {
    let aes = json!([
        { "date": "2024-03-01", "term": "thrombocytopenia", "grade": 2 },
        { "date": "2024-03-02", "term": "stomatitis", "grade": 3 }
    ]);
    let r = run(json!([]), aes, Some(on_10mg()), Region::Us);
    assert_eq!(r.current.action, Some(Action::Withhold));
    assert_eq!(r.current.resume_dose_mg, Some(5.0));
    assert_eq!(r.current.event.as_ref().unwrap().term, "mucositis_oral");
    assert_eq!(r.current.also_active.len(), 1);
    assert!(r.warnings.iter().any(|w| w.contains("other event(s) still active")));
}

#[test]
fn recorded_course_is_checked_against_the_label() {
    // Stomatitis G3: the label resumes at 5 mg; the course resumed at 10 mg.
    let ev = json!({
        "start_date": "2024-01-01", "dose_mg": 10, "frequency": "daily",
        "history": [
            { "date": "2024-01-01", "dose_mg": 10, "frequency": "daily", "reason": "start" },
            { "date": "2024-03-01", "dose_mg": 0, "frequency": "daily", "reason": "hold" },
            { "date": "2024-03-10", "dose_mg": 10, "frequency": "daily", "reason": "resumed" }
        ]
    });
    let aes = json!([{ "date": "2024-03-01", "term": "stomatitis", "grade": 3, "resolved_date": "2024-03-09", "resolved_to_grade": 1 }]);
    let r = run(json!([]), aes, Some(ev), Region::Us);
    assert!(
        r.warnings.iter().any(|w| w.contains("above the label's 5 mg")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.timeline[0].recorded_resume.as_ref().unwrap().dose_mg, 10.0);
    // History that starts after the start date: the dose before it is unknown.
    let ev = json!({
        "start_date": "2024-01-01", "dose_mg": 5, "frequency": "daily",
        "history": [{ "date": "2024-03-10", "dose_mg": 5, "frequency": "daily", "reason": "resumed" }]
    });
    let aes = json!([{ "date": "2024-03-01", "term": "stomatitis", "grade": 3, "resolved_date": "2024-03-09", "resolved_to_grade": 1 }]);
    let r = run(json!([]), aes, Some(ev), Region::Us);
    assert!(r.timeline[0].dose_in_force.is_none());
    assert_eq!(r.timeline[0].resume_dose_mg, None);
    assert!(r.timeline[0].notes.iter().any(|n| n.contains("not recorded")));
}

#[test]
fn events_before_start_grade_5_anaemia_and_no_course() {
    let aes = json!([
        { "date": "2023-12-01", "term": "diarrhea", "grade": 3 },
        { "date": "2024-03-01", "term": "anaemia", "grade": 3 },
        { "date": "2024-03-05", "term": "sepsis", "grade": 5 }
    ]);
    let r = run(json!([]), aes.clone(), Some(on_10mg()), Region::Us);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("Before the everolimus start date") && w.contains("adverse_events[0]"))
    );
    assert_eq!(r.timeline.len(), 2);
    assert_eq!(r.timeline[0].action, None, "anaemia has no label row");
    assert!(r.timeline[0].rule.contains("no row"));
    assert_eq!(r.timeline[1].action, Some(Action::Discontinue));
    assert_eq!(r.current.action, Some(Action::Discontinue));
    // The label tables have no grade-5 row: the rule is netrx's, from the data, marked derived.
    let src = r.timeline[1].source.as_ref().expect("grade-5 rule has a source");
    assert_eq!(src.status, Status::Derived);
    assert!(src.reference.contains("netrx design rule"), "{}", src.reference);
    assert_eq!(r.timeline[1].rule, kb().everolimus.modifications.grade_5.text);
    let r = run(
        json!([]),
        json!([{ "date": "2024-03-01", "term": "stomatitis", "grade": 2 }]),
        None,
        Region::Us,
    );
    assert_eq!(r.timeline[0].action, Some(Action::Withhold));
    assert_eq!(r.timeline[0].resume_dose_mg, None);
    assert!(r.warnings.iter().any(|w| w.contains("No everolimus course")));
}

#[test]
fn example_course_replays_as_documented() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/pnet-everolimus-stomatitis-course.json"
    ))
    .unwrap();
    let case = netrx_clinical::load_case(&text, kb()).expect("example loads");
    let r = replay(&case, kb(), Region::Us).unwrap();
    type Row = (String, String, u8, Option<Action>, Option<f64>);
    let summary: Vec<Row> = r
        .timeline
        .iter()
        .map(|d| {
            (
                d.date.to_string(),
                d.event.term.clone(),
                d.event.grade,
                d.action,
                d.resume_dose_mg,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "2024-03-14".into(),
                "mucositis_oral".into(),
                2,
                Some(Action::Withhold),
                Some(10.0)
            ),
            (
                "2024-04-10".into(),
                "mucositis_oral".into(),
                2,
                Some(Action::Withhold),
                Some(5.0)
            ),
            (
                "2024-04-29".into(),
                "hypertriglyceridemia".into(),
                1,
                Some(Action::Continue),
                None
            ),
            (
                "2024-05-10".into(),
                "platelet_count_decreased".into(),
                2,
                Some(Action::Withhold),
                Some(5.0)
            ),
            (
                "2024-05-17".into(),
                "neutrophil_count_decreased".into(),
                2,
                Some(Action::Continue),
                None
            ),
            (
                "2024-05-31".into(),
                "hyperglycemia".into(),
                2,
                Some(Action::Continue),
                None
            ),
        ]
    );
    assert_eq!(r.current.action, Some(Action::Continue));
    // The recorded course followed the label: no "above the label" warning.
    assert!(
        !r.warnings.iter().any(|w| w.contains("above the label")),
        "{:?}",
        r.warnings
    );
    let opts = Options {
        region: Region::Eu,
        ..Options::default()
    };
    let v = evaluate(Capability::Tox, &case, kb(), &opts).unwrap();
    assert_eq!(
        v,
        serde_json::to_value(replay(&case, kb(), Region::Eu).unwrap()).unwrap()
    );
    for key in ["knowledge_version", "region", "current", "timeline", "warnings"] {
        assert!(v.get(key).is_some(), "{key}");
    }
    for key in [
        "action",
        "resume_when",
        "resume_dose_mg",
        "resume_frequency",
        "event",
        "source",
    ] {
        assert!(v["current"].get(key).is_some(), "current.{key}");
    }
}

#[test]
fn case_checks_name_the_field_value_and_allowed() {
    let load = |c: Value| netrx_clinical::load_case(&c.to_string(), kb());
    let base = || {
        json!({
            "id": "t",
            "patient": { "age_years": 60, "sex": "female" },
            "tumor": { "primary_site": "pancreas", "differentiation": "well", "ki67_percent": 5 }
        })
    };
    let mut c = base();
    c["labs"] = json!([{ "date": "2024-01-01", "test": "alt", "value": 40, "unit": "U/L" }]);
    let e = load(c).unwrap_err();
    assert_eq!(e.field, "labs[0].test");
    assert!(
        e.message.contains("\"alt\"") && e.message.contains("platelets"),
        "{}",
        e.message
    );
    let mut c = base();
    c["labs"] = json!([{ "date": "2024-01-01", "test": "Platelets", "value": 40, "unit": "mg" }]);
    let e = load(c).unwrap_err();
    assert_eq!(e.field, "labs[0].unit");
    assert!(
        e.message.contains("\"mg\"") && e.message.contains("/mm³"),
        "{}",
        e.message
    );
    let mut c = base();
    c["adverse_events"] = json!([{ "date": "2024-01-01", "term": "mucositis", "grade": 2 }]);
    let e = load(c).unwrap_err();
    assert_eq!(e.field, "adverse_events[0].term");
    assert!(e.message.contains("mucositis_oral"), "{}", e.message);
    let mut c = base();
    c["adverse_events"] = json!([{ "date": "2024-01-01", "term": "febrile_neutropenia", "grade": 2 }]);
    let e = load(c).unwrap_err();
    assert_eq!(e.field, "adverse_events[0].grade");
    assert!(e.message.contains("grade 3 to 5"), "{}", e.message);
    // Aliases and unknown medications are accepted.
    let mut c = base();
    c["adverse_events"] = json!([{ "date": "2024-01-01", "term": "Stomatitis", "grade": 2 }]);
    c["labs"] = json!([{ "date": "2024-01-01", "test": "ANC", "value": 1200, "unit": "/µL" }]);
    c["medications"] = json!(["some unknown drug"]);
    assert!(load(c).is_ok());
}
