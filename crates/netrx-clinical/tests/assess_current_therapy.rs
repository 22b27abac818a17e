//! Clinical review of `netrx assess` (issue 4, "taking prior therapies into account"):
//! 1. a patient already on everolimus (the case's `everolimus` section, no stop recorded) is read
//!    exactly like a `prior_therapies` entry `{ agent: everolimus, outcome: ongoing }`, and the
//!    "currently receiving" statement comes first in `why`;
//! 2. a value the case gives is never called missing (a borderline value stays borderline when the
//!    same rule also waits for a missing input).
//!
//! Expectations are read off the case files themselves (what they give and what they omit) and
//! off the equivalent `prior_therapies` form of the same case, not copied from program output.

use netrx_clinical::assess::facts::GapKind;
use netrx_clinical::assess::{AgentOption, assess};
use netrx_clinical::capability::{Options, Region};
use serde_json::{Value, json};
use std::path::Path;

mod common;
use common::{example, kb, opt, run};

/// The examples whose `everolimus` section holds a course with no stop recorded.
const ON_EVEROLIMUS: [&str; 3] = [
    "si-net-followup.json",
    "pnet-everolimus-stomatitis-course.json",
    "pnet-everolimus-tdm.json",
];

/// The same case with the course written as a `prior_therapies` entry (outcome `ongoing`) instead.
fn as_prior_entry(v: &Value) -> Value {
    let mut w = v.clone();
    let o = w.as_object_mut().unwrap();
    o.remove("everolimus");
    let pts = o.entry("prior_therapies").or_insert_with(|| json!([]));
    let line = pts.as_array().unwrap().len() + 1;
    pts.as_array_mut()
        .unwrap()
        .push(json!({ "agent": "everolimus", "line": line, "outcome": "ongoing" }));
    w
}

#[test]
fn an_everolimus_course_in_progress_is_read_as_everolimus_ongoing() {
    for name in ON_EVEROLIMUS {
        let v = example(name);
        assert!(v["everolimus"]["start_date"].is_string(), "{name}: has a course");
        assert!(
            v["prior_therapies"]
                .as_array()
                .is_none_or(|p| p.iter().all(|x| x["agent"] != "everolimus")),
            "{name}: no stop recorded in prior_therapies"
        );
        for region in [Region::Us, Region::Eu] {
            let a = run(&v, region);
            let b = run(&as_prior_entry(&v), region);
            let ev = opt(&a, "everolimus");
            // (b) the statement comes first, names the course, and the option is marked current.
            assert!(ev.current, "{name} {region:?}: everolimus marked current");
            assert_eq!(ev.why[0].id, "everolimus", "{name} {region:?}: {:?}", ev.why);
            assert!(
                ev.why[0].text.starts_with("Currently receiving Everolimus"),
                "{}",
                ev.why[0].text
            );
            assert!(ev.why[0].text.contains(v["everolimus"]["start_date"].as_str().unwrap()));
            assert_eq!(ev.why[0].source, "case input everolimus");
            assert!(a.facts.receiving.contains(&"everolimus".to_string()));
            // (a) exactly like the prior_therapies form: every agent's role, label, current mark and
            // the rules behind it are the same (only the id of the case-input statement differs).
            let eb = opt(&b, "everolimus");
            assert!(eb.current && eb.why[0].text.starts_with("Currently receiving Everolimus"));
            for (x, y) in a.options.iter().zip(&b.options) {
                assert_eq!(
                    (&x.agent, x.role, x.label, x.current),
                    (&y.agent, y.role, y.label, y.current),
                    "{name} {region:?}"
                );
                let rules = |o: &AgentOption| -> Vec<String> {
                    o.why
                        .iter()
                        .filter(|w| !w.id.starts_with("prior_therapies[") && w.id != "everolimus")
                        .map(|w| w.id.clone())
                        .collect()
                };
                assert_eq!(rules(x), rules(y), "{name} {region:?} {}", x.agent);
            }
            // Only everolimus is current.
            assert_eq!(a.options.iter().filter(|o| o.current).count(), 1, "{name}");
        }
    }
}

#[test]
fn a_stop_recorded_in_prior_therapies_ends_the_course() {
    for (outcome, withheld_role) in [("progressed", true), ("intolerant", true), ("completed", false)] {
        let mut v = example("pnet-everolimus-tdm.json");
        v["prior_therapies"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "agent": "everolimus", "line": 2, "outcome": outcome }));
        let a = run(&v, Region::Us);
        let ev = opt(&a, "everolimus");
        assert!(!ev.current, "{outcome}: not current");
        assert!(!a.facts.receiving.contains(&"everolimus".to_string()));
        assert!(ev.why.iter().all(|w| w.id != "everolimus"), "{outcome}: {:?}", ev.why);
        assert!(ev.why.iter().any(|w| w.id == "prior_therapies[1]"), "{outcome}");
        assert_eq!(ev.role.is_withheld(), withheld_role, "{outcome}: {:?}", ev.role);
    }
    // No everolimus section, no entry: nothing is current.
    let a = run(&example("pnet-g2-progressive.json"), Region::Us);
    assert!(a.options.iter().all(|o| !o.current));
    assert!(a.facts.receiving.is_empty());
}

#[test]
fn the_currently_receiving_statement_comes_first_for_any_ongoing_line() {
    // pnet-g2-progressive with lanreotide still running instead of progressed: rules fire for
    // lanreotide, and the ongoing line still leads its `why`.
    let mut v = example("pnet-g2-progressive.json");
    v["prior_therapies"][0]["outcome"] = json!("ongoing");
    let a = run(&v, Region::Us);
    let l = opt(&a, "lanreotide");
    assert!(l.why.len() > 1, "rules fired too: {:?}", l.why);
    assert!(l.current);
    assert_eq!(l.why[0].id, "prior_therapies[0]");
    assert!(
        l.why[0].text.starts_with("Currently receiving Lanreotide"),
        "{}",
        l.why[0].text
    );
    assert_eq!(a.facts.receiving, vec!["lanreotide".to_string()]);
    // The JSON carries `current: true` on that option only.
    let j = serde_json::to_value(&a).unwrap();
    for o in j["options"].as_array().unwrap() {
        assert_eq!(o.get("current").is_some(), o["agent"] == "lanreotide", "{}", o["agent"]);
    }
}

/// The value the case file gives at a dotted field path (`None` if absent, null or "unknown").
fn given<'a>(v: &'a Value, field: &str) -> Option<&'a Value> {
    let mut x = v;
    for part in field.split('.') {
        x = x.get(part)?;
    }
    (!x.is_null() && x != "unknown").then_some(x)
}

#[test]
fn a_given_value_is_never_called_missing() {
    // Both examples give the progression interval inside the band the wording leaves open (> 6 and
    // ≤ 12 months: "rapid progression (≤ 6–12 months)", ENETS 2016, clinical-rules.md §C.4 P2).
    for name in ["pnet-everolimus-stomatitis-course.json", "pnet-g2-progressive.json"] {
        let v = example(name);
        let months = v["tumor"]["progression"]["months_observed"].as_f64().unwrap();
        assert!(months > 6.0 && months <= 12.0, "{name}: {months}");
        for region in [Region::Us, Region::Eu] {
            let a = run(&v, region);
            let field = "tumor.progression.months_observed";
            let kinds: Vec<GapKind> = a.missing.iter().filter(|m| m.field == field).map(|m| m.kind).collect();
            assert_eq!(kinds, vec![GapKind::Borderline], "{name} {region:?}: {:?}", a.missing);
            assert!(
                a.warnings
                    .iter()
                    .all(|w| !w.starts_with(&format!("{field} is missing"))),
                "{name}: {:?}",
                a.warnings
            );
            for o in &a.options {
                for m in o.missing.iter().filter(|m| m.fields.iter().any(|f| f == field)) {
                    assert!(m.kind == GapKind::Borderline || m.borderline.iter().any(|f| f == field));
                }
            }
        }
    }
}

#[test]
fn every_example_calls_missing_only_what_the_case_omits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let Ok(case) = netrx_clinical::load_case(&v.to_string(), kb()) else {
            continue; // not a case file (trial data, a FHIR bundle, …)
        };
        for region in [Region::Us, Region::Eu] {
            let opts = Options {
                region,
                scheme: "auto".into(),
            };
            let Ok(a) = assess(&case, kb(), &opts) else { continue };
            checked += 1;
            for m in &a.missing {
                // A grade that cannot be determined is reported under Ki-67 although Ki-67 may be given.
                if m.field == "tumor.ki67_percent" {
                    continue;
                }
                let value = given(&v, &m.field);
                match m.kind {
                    GapKind::Missing => assert!(value.is_none(), "{}: {} given {value:?}", p.display(), m.field),
                    GapKind::Borderline => assert!(value.is_some(), "{}: {} not given", p.display(), m.field),
                }
            }
        }
    }
    assert!(checked >= 20, "{checked} assessments checked");
}
