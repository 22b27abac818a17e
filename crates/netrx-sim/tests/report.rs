//! Report consistency: acceptability from the summaries equals the curve recomputed from the
//! per-draw means; probabilities sum to one; the text carries the label and the assumptions.

use netrx_kb::Kb;
use netrx_sim::engine::{RunSpec, run};
use netrx_sim::report::{acceptability_curve, render_text, report};

const SPEC: &str = r#"
[model]
title = "costed"
horizon_months = 120

[death]
during_lines = { rate_per_month = 0.003, source = "test" }
after_last_line = { median_months = 12, source = "test" }

[utilities]
source = "test"
progression_free = 0.8
after_last_line = 0.6
se = 0.05

[costs]
currency = "EUR"
source = "test"
wtp_per_qaly = [0, 20000, 50000, 1000000]
cv = 0.3
[costs.treatment.a]
per_month = 3000
[costs.treatment.b]
once = 15000

[treatments.a]
label = "A"
time = { median_months = 11, ci = [8.4, 13.9], source = "test" }

[treatments.b]
label = "B"
time = { median_months = 20, events = 30, source = "test" }

[[sequence]]
id = "ab"
lines = ["a", "b"]

[[sequence]]
id = "ba"
lines = ["b", "a"]
"#;

#[test]
fn acceptability_and_probabilities_are_consistent() {
    let kb = Kb::embedded().expect("kb");
    let m = netrx_sim::load(SPEC, kb).expect("loads");
    let part = run(
        &m,
        RunSpec {
            seed: 3,
            patients: 2000,
            psa_draws: 40,
        },
        &|_| {},
    )
    .expect("runs");
    let r = report(&part).expect("report");
    let ce = r.cost_effectiveness.as_ref().expect("costs");
    let grid: Vec<f64> = ce.acceptability.iter().map(|a| a.wtp_per_qaly).collect();
    let curve = acceptability_curve(&r, &grid);
    for (i, a) in ce.acceptability.iter().enumerate() {
        for (j, (id, p)) in a.probability_best.iter().enumerate() {
            assert_eq!(&curve[j].0, id);
            assert_eq!(curve[j].1[i], *p, "WTP {}", a.wtp_per_qaly);
        }
        let total: f64 = a.probability_best.iter().map(|x| x.1).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    let total: f64 = r.probability_most_qalys.iter().map(|x| x.1).sum();
    assert!((total - 1.0).abs() < 1e-12);
    // ICER = Δcost / ΔQALY of the base case.
    let i = &ce.incremental[0];
    assert!((i.icer.unwrap() - i.delta_cost / i.delta_qalys).abs() <= 1e-9 * i.icer.unwrap().abs());
    let text = render_text(&r);
    assert!(text.contains(netrx_sim::report::LABEL));
    assert!(text.contains("Assumptions:") && text.contains("Cost-effectiveness (EUR)"));
}
