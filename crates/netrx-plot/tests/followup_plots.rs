//! The follow-up charts drawn from examples/si-net-followup.json: what a reader
//! must see is there (lesions, thresholds, events), and the geometry is right —
//! positions are checked against the chart's own zero and PR lines, so a point on
//! the wrong side of a threshold fails the test. Pixel tolerance 0.05.

use netrx_clinical::qol::{QolOptions, analyse};
use netrx_clinical::recist::{RecistOptions, RecistReport, assess};
use netrx_kb::Kb;
use netrx_plot::{qol, spider, waterfall};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/si-net-followup.json");

fn case() -> netrx_case::Case {
    let kb = Kb::embedded().unwrap();
    netrx_clinical::load_case(&std::fs::read_to_string(EXAMPLE).unwrap(), kb).unwrap()
}

fn report() -> RecistReport {
    assess(&case(), Kb::embedded().unwrap(), &RecistOptions::default()).unwrap()
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let start = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

/// The first element containing `needle`.
fn element<'a>(svg: &'a str, needle: &str) -> &'a str {
    let at = svg.find(needle).unwrap_or_else(|| panic!("{needle} not in the SVG"));
    let start = svg[..at].rfind('<').unwrap();
    let end = at + svg[at..].find('>').unwrap();
    &svg[start..=end]
}

/// The `<circle …>` whose tooltip contains `tip`.
fn circle<'a>(svg: &'a str, tip: &str) -> &'a str {
    let at = svg.find(tip).unwrap_or_else(|| panic!("{tip} not in the SVG"));
    let start = svg[..at].rfind("<circle").unwrap();
    let end = start + svg[start..].find('>').unwrap();
    &svg[start..=end]
}

#[test]
fn spider_places_points_against_the_pr_and_pd_lines() {
    let r = report();
    let svg = spider::spider(&r);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // L2 has a gap at the NE visit (two runs), so does the sum: 1 + 2 + 1 + 2 + the PD step line.
    assert_eq!(svg.matches("<polyline").count(), 7);
    // Pixel scale from the zero line (stroke-width 1.2) and the PR line (green dashed).
    let zero = element(&svg, "stroke-width=\"1.2\"/>");
    let pr = element(&svg, "stroke=\"#009E73\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\"");
    let (y0, y30) = (attr(zero, "y1"), attr(pr, "y1"));
    assert!(y30 > y0, "the PR line is below zero");
    let y_of = |pct: f64| y0 + (y30 - y0) * pct / -30.0;
    // Sum at 2024-06-26: 58 vs 91 mm = −36.26 %: below the PR line.
    let p = circle(&svg, "2024-06-26: sum 58 mm");
    assert!((attr(p, "cy") - y_of((58.0 - 91.0) / 91.0 * 100.0)).abs() < 0.05);
    assert!(attr(p, "cy") > y30);
    // The PD threshold at the last visit (nadir 55): max(55 × 1.2, 55 + 5) = 66 mm = −27.47 %;
    // the sum there (69 mm, −24.18 %) lies above it.
    let step = element(&svg, "stroke=\"#D55E00\" stroke-width=\"1.3\" stroke-linejoin");
    let pts = {
        let s = step.find("points=\"").unwrap() + 8;
        let e = s + step[s..].find('"').unwrap();
        step[s..e].to_string()
    };
    let last_y: f64 = pts
        .rsplit(' ')
        .next()
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((last_y - y_of((66.0 - 91.0) / 91.0 * 100.0)).abs() < 0.05, "{pts}");
    let pd = circle(&svg, "2024-12-11: sum 69 mm");
    assert!(attr(pd, "cy") < last_y);
    for needle in [
        "progression 2024-12-11",
        "L1 (liver)",
        "L2 (liver)",
        ">PD<",
        ">NE<",
        ">BL<",
        "UNVERIFIED",
    ] {
        assert!(svg.contains(needle), "{needle}");
    }
}

#[test]
fn waterfalls_sort_best_changes() {
    let r = report();
    let bars = waterfall::lesion_bars(&r);
    let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
    // Best changes before progression: N1 18 → 10 = −44.4 %, L1 42 → 26 = −38.1 %,
    // L2 31 → 19 = −38.7 %, sum 91 → 55 = −39.6 %; sorted from the largest value.
    assert_eq!(labels, ["L1", "L2", "Sum", "N1"]);
    assert!((bars[3].value_pct - (10.0 - 18.0) / 18.0 * 100.0).abs() < 1e-6);
    let svg = waterfall::lesion_waterfall(&r);
    assert_eq!(svg.matches("<rect").count(), 1 + 4); // background + 4 bars
    // A cohort of two: the second case has no response and a worse best change.
    let mut other = r.clone();
    other.case_id = "other".into();
    for v in other.visits.iter_mut().skip(1) {
        v.change_from_baseline_pct = v.change_from_baseline_pct.map(|p| p + 50.0);
    }
    let bars = waterfall::cohort_bars(&[r, other]);
    assert_eq!(bars[0].label, "other");
    assert!((bars[1].value_pct - (55.0 - 91.0) / 91.0 * 100.0).abs() < 1e-6);
}

#[test]
fn qol_panels_show_the_threshold_and_the_events() {
    let r = analyse(&case(), Kb::embedded().unwrap(), &QolOptions::default()).unwrap();
    let svg = qol::trajectories(&r);
    // The FACTG panel on top, then FACT-G 5 scales + QLQ-C30 16 scales; GI.NET21 is listed as not scored.
    assert_eq!(svg.matches("↑ better").count() + svg.matches("↑ worse").count(), 1 + 21);
    assert!(svg.contains("Not scored: QLQ-GINET21 ED"));
    // The threshold line of FACTG sits at 82 − 7 = 75 on the 0–108 axis; the baseline at 82.
    let th = element(&svg, "stroke=\"#D55E00\" stroke-width=\"1.2\" stroke-dasharray=\"6 3\"");
    let y75 = attr(th, "y1");
    let ev = circle(&svg, "FACTG 9.1: 73 — deterioration");
    assert!(attr(ev, "cy") > y75, "73 is below the 75 threshold");
    // Two counted events and one non-definitive drop, in the top panel and in the small FACTG panel.
    assert_eq!(svg.matches("— deterioration</title>").count(), 2 * 2);
    assert_eq!(svg.matches("not definitive</title>").count(), 2);
}
