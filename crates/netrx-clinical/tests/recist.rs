//! RECIST 1.1: every boundary issue 6 names, the overall-response combinations,
//! best response with and without confirmation, PFS, and the baseline / lesion-id
//! errors. Expected values are worked out by hand in the comments (not computed by
//! the code under test); percentages are compared with a tolerance of 1e-6.

use netrx_case::{Case, InputError};
use netrx_clinical::recist::{OverallResponse as O, RecistOptions, RecistReport, TargetResponse as T, assess};
use netrx_kb::Kb;
use serde_json::{Value, json};

const TOL: f64 = 1e-6;

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge base")
}

/// A lesion: (id, organ, diameter or null, node).
fn l(id: &str, organ: &str, d: Option<f64>, node: bool) -> Value {
    json!({ "id": id, "organ": organ, "diameter_mm": d, "lymph_node": node })
}

fn visit(date: &str, lesions: Vec<Value>, non_target: &str, new: bool) -> Value {
    json!({ "date": date, "target_lesions": lesions, "non_target": non_target, "new_lesions": new })
}

fn case_json(visits: Vec<Value>, start: Option<&str>) -> String {
    let mut c = json!({
        "id": "recist-test",
        "patient": { "age_years": 60, "sex": "female" },
        "tumor": { "primary_site": "jejunum_ileum", "differentiation": "well" },
        "visits": visits,
    });
    if let Some(s) = start {
        c["everolimus"] = json!({ "start_date": s, "dose_mg": 10, "frequency": "daily" });
    }
    c.to_string()
}

fn load(visits: Vec<Value>, start: Option<&str>) -> Result<Case, InputError> {
    netrx_clinical::load_case(&case_json(visits, start), kb())
}

fn run(visits: Vec<Value>) -> RecistReport {
    let c = load(visits, None).expect("valid case");
    assess(&c, kb(), &RecistOptions::default()).expect("assesses")
}

/// One liver lesion: baseline `b`, then each follow-up diameter, 8 weeks apart.
fn single(b: f64, follow: &[f64]) -> RecistReport {
    let mut v = vec![visit(
        "2024-01-01",
        vec![l("L1", "liver", Some(b), false)],
        "absent",
        false,
    )];
    let dates = ["2024-02-26", "2024-04-22", "2024-06-17", "2024-08-12"];
    for (k, d) in follow.iter().enumerate() {
        v.push(visit(
            dates[k],
            vec![l("L1", "liver", Some(*d), false)],
            "absent",
            false,
        ));
    }
    run(v)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= TOL)
}

#[test]
fn exactly_30_percent_decrease_is_pr_and_29_9_is_sd() {
    // 50 → 35 mm: (35 − 50)/50 = −30 % exactly → PR.
    let r = single(50.0, &[35.0]);
    assert_eq!(r.visits[1].target_response, Some(T::PR));
    assert!(close(r.visits[1].change_from_baseline_pct, -30.0));
    // Decimal round-off: 33.3 + 20.0 = 53.3 mm; 70 % of it is 37.31 mm (23.31 + 14.0) → exactly −30 % → PR.
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("A", "liver", Some(33.3), false), l("B", "lung", Some(20.0), false)],
            "absent",
            false,
        ),
        visit(
            "2024-03-01",
            vec![l("A", "liver", Some(23.31), false), l("B", "lung", Some(14.0), false)],
            "absent",
            false,
        ),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::PR), "{}", r.visits[1].basis);
    // 100 → 70.1 mm: −29.9 % → SD.
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("A", "liver", Some(60.0), false), l("B", "liver", Some(40.0), false)],
            "absent",
            false,
        ),
        visit(
            "2024-03-01",
            vec![l("A", "liver", Some(42.1), false), l("B", "liver", Some(28.0), false)],
            "absent",
            false,
        ),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::SD));
    assert!(close(r.visits[1].change_from_baseline_pct, -29.9));
    assert_eq!(r.visits[1].sum_mm, Some(70.1));
}

#[test]
fn exactly_20_percent_increase_needs_5_mm() {
    // Nadir 25 mm (baseline and visit 1), then 30 mm: +20 % and +5 mm → PD.
    let r = single(25.0, &[25.0, 30.0]);
    let v = &r.visits[2];
    assert_eq!(v.target_response, Some(T::PD));
    assert!(close(v.change_from_nadir_pct, 20.0));
    assert!(close(v.change_from_nadir_mm, 5.0));
    assert_eq!(v.overall_response, Some(O::PD));
    assert_eq!(r.progression_date.unwrap().to_string(), "2024-04-22");
    // Nadir 20 mm, then 24 mm: +20 % but only +4 mm → SD, no progression.
    let r = single(20.0, &[24.0]);
    assert_eq!(r.visits[1].target_response, Some(T::SD));
    assert!(close(r.visits[1].change_from_nadir_pct, 20.0));
    assert_eq!(r.progression_date, None);
    // Nadir 50 mm, then 59.9 mm: +9.9 mm but +19.8 % → SD.
    let r = single(50.0, &[59.9]);
    assert_eq!(r.visits[1].target_response, Some(T::SD));
}

#[test]
fn nadir_below_baseline_is_the_reference_for_pd() {
    // 100 → 60 (PR, −40 %) → 72: −28 % from baseline but +20 % (+12 mm) from the nadir 60 → PD.
    let r = single(100.0, &[60.0, 72.0]);
    assert_eq!(r.visits[1].target_response, Some(T::PR));
    let v = &r.visits[2];
    assert_eq!(v.nadir_mm, Some(60.0));
    assert!(close(v.change_from_baseline_pct, -28.0));
    assert!(close(v.change_from_nadir_pct, 20.0));
    assert_eq!(v.target_response, Some(T::PD));
    // 100 → 60 → 71: +18.3 % from the nadir (not PD) and −29 % from baseline (not PR) → SD.
    let r = single(100.0, &[60.0, 71.0]);
    assert_eq!(r.visits[2].target_response, Some(T::SD));
    // The nadir is taken over earlier visits only: 100 → 60 → 50 → 60: nadir 50, +10 mm = +20 % → PD.
    let r = single(100.0, &[60.0, 50.0, 60.0]);
    assert_eq!(r.visits[3].nadir_mm, Some(50.0));
    assert_eq!(r.visits[3].target_response, Some(T::PD));
}

#[test]
fn nodes_at_9_9_mm_are_cr_and_at_10_mm_are_not() {
    let base = visit(
        "2024-01-01",
        vec![
            l("L1", "liver", Some(20.0), false),
            l("N1", "lymph_node", Some(16.0), true),
        ],
        "absent",
        false,
    );
    let r = run(vec![
        base.clone(),
        visit(
            "2024-03-01",
            vec![
                l("L1", "liver", Some(0.0), false),
                l("N1", "lymph_node", Some(9.9), true),
            ],
            "absent",
            false,
        ),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::CR));
    assert_eq!(r.visits[1].overall_response, Some(O::CR));
    // The node's short axis stays in the sum: 9.9 mm.
    assert_eq!(r.visits[1].sum_mm, Some(9.9));
    let r = run(vec![
        base,
        visit(
            "2024-03-01",
            vec![
                l("L1", "liver", Some(0.0), false),
                l("N1", "lymph_node", Some(10.0), true),
            ],
            "absent",
            false,
        ),
    ]);
    // Not CR: 10 mm is not < 10 mm; sum 10 vs 36 mm = −72.2 % → PR.
    assert_eq!(r.visits[1].target_response, Some(T::PR));
    // Target CR with non-target disease still present → overall PR (RECIST Table 1).
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("L1", "liver", Some(20.0), false)],
            "present",
            false,
        ),
        visit("2024-03-01", vec![l("L1", "liver", Some(0.0), false)], "present", false),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::CR));
    assert_eq!(r.visits[1].overall_response, Some(O::PR));
}

#[test]
fn a_new_lesion_alone_is_progression() {
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("L1", "liver", Some(50.0), false)],
            "present",
            false,
        ),
        visit("2024-03-01", vec![l("L1", "liver", Some(50.0), false)], "present", true),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::SD));
    assert_eq!(r.visits[1].overall_response, Some(O::PD));
    assert_eq!(r.progression_date.unwrap().to_string(), "2024-03-01");
    // A new lesion even with a target CR.
    let r = run(vec![
        visit("2024-01-01", vec![l("L1", "liver", Some(50.0), false)], "absent", false),
        visit("2024-03-01", vec![l("L1", "liver", Some(0.0), false)], "absent", true),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::CR));
    assert_eq!(r.visits[1].overall_response, Some(O::PD));
}

#[test]
fn unequivocal_non_target_progression_is_progression() {
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("L1", "liver", Some(50.0), false)],
            "present",
            false,
        ),
        visit(
            "2024-03-01",
            vec![l("L1", "liver", Some(30.0), false)],
            "unequivocal_progression",
            false,
        ),
    ]);
    // Target PR (−40 %) but non-target unequivocal progression → PD.
    assert_eq!(r.visits[1].target_response, Some(T::PR));
    assert_eq!(r.visits[1].overall_response, Some(O::PD));
    assert_eq!(r.best_overall_response, Some(O::PD));
}

#[test]
fn a_missing_measurement_makes_the_visit_ne() {
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("L1", "liver", Some(40.0), false), l("L2", "lung", Some(20.0), false)],
            "absent",
            false,
        ),
        visit(
            "2024-03-01",
            vec![l("L1", "liver", Some(10.0), false), l("L2", "lung", None, false)],
            "absent",
            false,
        ),
    ]);
    let v = &r.visits[1];
    assert_eq!(v.target_response, Some(T::NE));
    assert_eq!(v.overall_response, Some(O::NE));
    assert_eq!(v.sum_mm, None);
    assert_eq!(v.change_from_baseline_pct, None);
    assert_eq!(v.measured_sum_mm, 10.0);
    assert_eq!(v.not_measured, ["L2"]);
    assert_eq!(r.best_overall_response, Some(O::NE));
    // No adequate assessment: PFS censored at the origin (the baseline visit here).
    assert_eq!(r.pfs_event, Some(false));
    assert_eq!(r.pfs_months, Some(0.0));
    // An NE visit is not a nadir: 60 → NE → 66 mm is +10 % from 60 → SD.
    let r = run(vec![
        visit(
            "2024-01-01",
            vec![l("L1", "liver", Some(40.0), false), l("L2", "lung", Some(20.0), false)],
            "absent",
            false,
        ),
        visit(
            "2024-03-01",
            vec![l("L1", "liver", Some(10.0), false), l("L2", "lung", None, false)],
            "absent",
            false,
        ),
        visit(
            "2024-05-01",
            vec![l("L1", "liver", Some(46.0), false), l("L2", "lung", Some(20.0), false)],
            "absent",
            false,
        ),
    ]);
    assert_eq!(r.visits[2].nadir_mm, Some(60.0));
    assert_eq!(r.visits[2].target_response, Some(T::SD));
}

#[test]
fn best_response_with_and_without_confirmation() {
    // 100 → PR 60 (day 56) → PR 60 (day 84, 28 days later) → confirmed PR.
    let v = |date: &str, d: f64| visit(date, vec![l("L1", "liver", Some(d), false)], "absent", false);
    let r = run(vec![
        v("2024-01-01", 100.0),
        v("2024-02-26", 60.0),
        v("2024-03-25", 60.0),
    ]);
    assert_eq!(r.best_overall_response, Some(O::PR));
    assert_eq!(r.best_overall_response_confirmed, Some(O::PR));
    // Second PR only 27 days later → unconfirmed: PR without, SD with confirmation.
    let r = run(vec![
        v("2024-01-01", 100.0),
        v("2024-02-26", 60.0),
        v("2024-03-24", 60.0),
    ]);
    assert_eq!(r.best_overall_response, Some(O::PR));
    assert_eq!(r.best_overall_response_confirmed, Some(O::SD));
    // PR then PD: the PR is unconfirmed.
    let r = run(vec![
        v("2024-01-01", 100.0),
        v("2024-02-26", 60.0),
        v("2024-04-22", 80.0),
    ]);
    assert_eq!(r.visits[2].overall_response, Some(O::PD));
    assert_eq!(r.best_overall_response, Some(O::PR));
    assert_eq!(r.best_overall_response_confirmed, Some(O::SD));
    // CR confirmed by CR; a CR followed only by PR is a confirmed PR.
    let r = run(vec![v("2024-01-01", 30.0), v("2024-03-01", 0.0), v("2024-05-01", 0.0)]);
    assert_eq!(r.best_overall_response_confirmed, Some(O::CR));
    let r = run(vec![v("2024-01-01", 30.0), v("2024-03-01", 0.0), v("2024-05-01", 3.0)]);
    assert_eq!(r.visits[2].target_response, Some(T::PR)); // +3 mm from nadir 0 is not ≥ 5 mm
    assert_eq!(r.best_overall_response_confirmed, Some(O::PR));
    // The first visit is PD: best response PD either way.
    let r = single(50.0, &[70.0]);
    assert_eq!(r.best_overall_response, Some(O::PD));
    assert_eq!(r.best_overall_response_confirmed, Some(O::PD));
}

#[test]
fn minimum_sd_duration_is_applied_when_set() {
    // SD at day 28 then PD at day 84: with a 42-day SD minimum, best response is PD.
    let v = |date: &str, d: f64| visit(date, vec![l("L1", "liver", Some(d), false)], "absent", false);
    let c = load(
        vec![v("2024-01-01", 50.0), v("2024-01-29", 50.0), v("2024-03-25", 70.0)],
        None,
    )
    .unwrap();
    let opts = RecistOptions {
        sd_min_days: 42,
        ..Default::default()
    };
    let r = assess(&c, kb(), &opts).unwrap();
    assert_eq!(r.best_overall_response, Some(O::PD));
    let r = assess(&c, kb(), &RecistOptions::default()).unwrap();
    assert_eq!(r.best_overall_response, Some(O::SD));
}

#[test]
fn pfs_counts_from_the_everolimus_start_or_the_baseline() {
    let v = |date: &str, d: f64| visit(date, vec![l("L1", "liver", Some(d), false)], "absent", false);
    let visits = vec![v("2024-01-03", 40.0), v("2024-03-01", 40.0), v("2024-07-10", 50.0)];
    // Start 2024-01-10 → PD 2024-07-10: 182 days = 182 / 30.4375 = 5.979466 months.
    let c = load(visits.clone(), Some("2024-01-10")).unwrap();
    let r = assess(&c, kb(), &RecistOptions::default()).unwrap();
    assert_eq!(r.pfs_origin.basis, "everolimus.start_date");
    assert_eq!(r.pfs_event, Some(true));
    assert!(close(r.pfs_months, 182.0 / 30.4375));
    // Without everolimus: from the baseline visit 2024-01-03, 189 days.
    let c = load(visits, None).unwrap();
    let r = assess(&c, kb(), &RecistOptions::default()).unwrap();
    assert_eq!(r.pfs_origin.basis, "baseline visit");
    assert!(close(r.pfs_months, 189.0 / 30.4375));
    // No progression: censored at the last assessment (2024-03-01, 58 days).
    let c = load(vec![v("2024-01-03", 40.0), v("2024-03-01", 40.0)], None).unwrap();
    let r = assess(&c, kb(), &RecistOptions::default()).unwrap();
    assert_eq!(r.pfs_event, Some(false));
    assert!(close(r.pfs_months, 58.0 / 30.4375));
    assert_eq!(r.progression_date, None);
}

#[test]
fn non_target_only_disease_uses_table_2() {
    let r = run(vec![
        visit("2024-01-01", vec![], "present", false),
        visit("2024-03-01", vec![], "present", false),
    ]);
    assert_eq!(r.visits[1].target_response, Some(T::NA));
    assert_eq!(r.visits[1].overall_response, Some(O::NonCrNonPd));
    assert_eq!(r.best_overall_response, Some(O::NonCrNonPd));
}

fn err(visits: Vec<Value>) -> InputError {
    load(visits, None).expect_err("must be refused")
}

#[test]
fn more_than_five_targets_is_an_error_naming_the_sixth() {
    let organs = ["liver", "liver", "lung", "lung", "bone", "adrenal"];
    let lesions: Vec<Value> = organs
        .iter()
        .enumerate()
        .map(|(k, o)| l(&format!("T{}", k + 1), o, Some(20.0), false))
        .collect();
    let e = err(vec![visit("2024-01-01", lesions, "absent", false)]);
    assert_eq!(e.field, "visits[0].target_lesions[5]");
    assert!(
        e.message.contains("\"T6\"") && e.message.contains("at most 5"),
        "{}",
        e.message
    );
}

#[test]
fn more_than_two_per_organ_is_an_error_naming_the_lesion() {
    let lesions = vec![
        l("H1", "liver", Some(20.0), false),
        l("H2", "Liver", Some(20.0), false),
        l("H3", "liver", Some(20.0), false),
    ];
    let e = err(vec![visit("2024-01-01", lesions, "absent", false)]);
    assert_eq!(e.field, "visits[0].target_lesions[2].organ");
    assert!(
        e.message.contains("\"H3\"") && e.message.contains("at most 2"),
        "{}",
        e.message
    );
}

#[test]
fn non_measurable_baseline_lesions_are_errors() {
    // Non-nodal 9.9 mm (< 10): refused; 10 mm accepted.
    let e = err(vec![visit(
        "2024-01-01",
        vec![l("L1", "liver", Some(9.9), false)],
        "absent",
        false,
    )]);
    assert_eq!(e.field, "visits[0].target_lesions[0].diameter_mm");
    assert!(e.message.contains("\"L1\"") && e.message.contains("9.9") && e.message.contains("≥ 10 mm"));
    assert!(
        load(
            vec![visit(
                "2024-01-01",
                vec![l("L1", "liver", Some(10.0), false)],
                "absent",
                false
            )],
            None
        )
        .is_ok()
    );
    // Node short axis 14.9 mm (< 15): refused; 15 mm accepted.
    let e = err(vec![visit(
        "2024-01-01",
        vec![l("N1", "lymph_node", Some(14.9), true)],
        "absent",
        false,
    )]);
    assert!(
        e.message.contains("\"N1\"") && e.message.contains("≥ 15 mm"),
        "{}",
        e.message
    );
    assert!(
        load(
            vec![visit(
                "2024-01-01",
                vec![l("N1", "lymph_node", Some(15.0), true)],
                "absent",
                false
            )],
            None
        )
        .is_ok()
    );
    // Not measured at baseline.
    let e = err(vec![visit(
        "2024-01-01",
        vec![l("L1", "liver", None, false)],
        "absent",
        false,
    )]);
    assert_eq!(e.field, "visits[0].target_lesions[0].diameter_mm");
    // New lesions at baseline make no sense.
    let e = err(vec![visit(
        "2024-01-01",
        vec![l("L1", "liver", Some(20.0), false)],
        "absent",
        true,
    )]);
    assert_eq!(e.field, "visits[0].new_lesions");
}

#[test]
fn unstable_lesion_ids_are_errors_naming_the_lesion() {
    let base = visit(
        "2024-01-01",
        vec![l("L1", "liver", Some(20.0), false), l("L2", "lung", Some(20.0), false)],
        "absent",
        false,
    );
    // A lesion id that was not a baseline target.
    let e = err(vec![
        base.clone(),
        visit(
            "2024-03-01",
            vec![l("L1", "liver", Some(20.0), false), l("L3", "lung", Some(20.0), false)],
            "absent",
            false,
        ),
    ]);
    assert_eq!(e.field, "visits[1].target_lesions[1].id");
    assert!(
        e.message.contains("\"L3\"") && e.message.contains("L1, L2"),
        "{}",
        e.message
    );
    // A baseline lesion missing at follow-up.
    let e = err(vec![
        base.clone(),
        visit("2024-03-01", vec![l("L1", "liver", Some(20.0), false)], "absent", false),
    ]);
    assert_eq!(e.field, "visits[1].target_lesions");
    assert!(e.message.contains("\"L2\""), "{}", e.message);
    // The same id in another organ.
    let e = err(vec![
        base,
        visit(
            "2024-03-01",
            vec![l("L1", "liver", Some(20.0), false), l("L2", "bone", Some(20.0), false)],
            "absent",
            false,
        ),
    ]);
    assert_eq!(e.field, "visits[1].target_lesions[1].organ");
    assert!(e.message.contains("\"L2\"") && e.message.contains("\"lung\""));
}
