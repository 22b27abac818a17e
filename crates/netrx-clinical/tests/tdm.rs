//! `netrx pk tdm` adapter: how messages and fit rows name samples. Users number samples
//! from 1 in the case file's order and know them by their date-time; the example case has
//! a trough at 07:30 (23.5 h after the 08:00 dose the day before) and a second sample at
//! 10:00, 2.0 h after that morning's dose (acceptance review of issue 9).

use netrx_clinical::load_case;
use netrx_clinical::tdm::{TdmOptions, tdm};
use netrx_kb::Kb;
use serde_json::Value;

const EXAMPLE: &str = include_str!("../../../examples/pnet-everolimus-tdm.json");

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge loads")
}

fn not_a_trough(warnings: &[String]) -> Vec<&String> {
    warnings.iter().filter(|w| w.contains("not a trough")).collect()
}

#[test]
fn the_non_trough_warning_names_the_second_sample_by_number_and_time() {
    let case = load_case(EXAMPLE, kb()).unwrap();
    let e = case.everolimus.as_ref().unwrap();
    // The premise, read from the example: sample 2 (10:00) is the one drawn after a dose.
    assert_eq!(e.samples.len(), 2);
    assert_eq!(e.samples[1].datetime.to_string(), "2024-03-15T10:00:00+01:00");
    let r = tdm(&case, kb(), &TdmOptions::default()).unwrap();
    let w = not_a_trough(&r.warnings);
    assert_eq!(w.len(), 1, "{:?}", r.warnings);
    assert!(
        w[0].starts_with("Sample 2 (2024-03-15T10:00:00+01:00) was drawn 2.0 h after a dose"),
        "{}",
        w[0]
    );
    // The fit rows carry the same numbers and times.
    for (k, f) in r.fit.iter().enumerate() {
        assert_eq!(f.sample, k + 1);
        assert_eq!(f.datetime.as_deref(), Some(e.samples[k].datetime.to_string().as_str()));
    }
    // The trough row: 23.5 h after the last dose (07:30 vs 08:00 the day before), ±0.01 h.
    assert!((r.fit[0].hours_after_dose.unwrap() - 23.5).abs() < 0.01);
    assert!((r.fit[1].hours_after_dose.unwrap() - 2.0).abs() < 0.01);
}

#[test]
fn numbering_follows_the_case_file_order_not_the_clock() {
    // The same samples written in the reverse order: now the 10:00 sample is sample 1.
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["everolimus"]["samples"].as_array_mut().unwrap().reverse();
    let case = load_case(&v.to_string(), kb()).unwrap();
    let r = tdm(&case, kb(), &TdmOptions::default()).unwrap();
    let w = not_a_trough(&r.warnings);
    assert_eq!(w.len(), 1, "{:?}", r.warnings);
    assert!(
        w[0].starts_with("Sample 1 (2024-03-15T10:00:00+01:00) was drawn"),
        "{}",
        w[0]
    );
    assert_eq!(r.fit[0].datetime.as_deref(), Some("2024-03-15T10:00:00+01:00"));
}
