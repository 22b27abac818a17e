//! SPEC resolution against the knowledge base (expected numbers from
//! shared/reference/trials.md) and SPEC validation errors (key, value, what is allowed).

use netrx_kb::Kb;
use netrx_sim::model::{Psa, TimeModel};

fn kb() -> &'static Kb {
    Kb::embedded().expect("kb")
}

fn param<'a>(m: &'a netrx_sim::Model, name: &str) -> &'a netrx_sim::model::Param {
    m.params.iter().find(|p| p.name == name).unwrap_or_else(|| {
        panic!(
            "no param {name}: {:?}",
            m.params.iter().map(|p| &p.name).collect::<Vec<_>>()
        )
    })
}

const Z: f64 = 1.959_963_984_540_054;

#[test]
fn pnet_example_resolves_to_the_trial_numbers() {
    let m = netrx_sim::load(include_str!("../../../examples/sequences/pnet.toml"), kb()).expect("loads");
    // RADIANT-3 investigator PFS, everolimus: 11.0 (8.4–13.9) months (trials.md Part 1).
    let e = param(&m, "everolimus.median_months");
    assert_eq!(e.base, 11.0);
    match e.psa {
        Psa::Lognormal { sdlog } => assert!((sdlog - (13.9f64 / 8.4).ln() / (2.0 * Z)).abs() < 1e-12),
        ref p => panic!("{p:?}"),
    }
    assert!(e.provenance.reference.contains("RADIANT-3"));
    assert!(
        e.provenance.note.as_deref().unwrap_or("").contains("UNVERIFIED"),
        "CI status carried"
    );
    // CLARINET: lanreotide NR → placebo 18.0 (12.1–24.0) / HR 0.47 (0.30–0.73).
    let c = param(&m, "ssa.control_median_months");
    assert_eq!(c.base, 18.0);
    let h = param(&m, "ssa.hr");
    assert_eq!(h.base, 0.47);
    match h.psa {
        Psa::Lognormal { sdlog } => assert!((sdlog - (0.73f64 / 0.30).ln() / (2.0 * Z)).abs() < 1e-12),
        ref p => panic!("{p:?}"),
    }
    let ssa = m.treatments.iter().find(|t| t.id == "ssa").unwrap();
    assert!(matches!(ssa.time, TimeModel::ExponentialMedianOverHr { .. }));
    let d = ssa.time.dist(&m.base_values()).unwrap();
    assert!((d.median() - 18.0 / 0.47).abs() < 1e-9);
    // COMPETE pNET 177Lu-edotreotide 24.5 months, no CI or events → fixed, with a warning.
    let p = param(&m, "prrt.median_months");
    assert_eq!(p.base, 24.5);
    assert_eq!(p.psa, Psa::Fixed);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("prrt.median_months: fixed in the PSA"))
    );
    // E2211 CAPTEM 22.7 months; AE 'any' 45 % (UNVERIFIED) with N = 72 → Beta(32.4, 39.6).
    assert_eq!(param(&m, "captem.median_months").base, 22.7);
    let a = param(&m, "captem.ae.any.probability");
    assert!((a.base - 0.45).abs() < 1e-12);
    assert_eq!(a.provenance.status, "unverified");
    match a.psa {
        Psa::Beta { alpha, beta } => {
            assert!((alpha - 32.4).abs() < 1e-9 && (beta - 39.6).abs() < 1e-9);
        }
        ref p => panic!("{p:?}"),
    }
    // Review Table 5 RADIANT-3: rash "<1" read as 0.5 %, stomatitis 7 %.
    assert!((param(&m, "everolimus.ae.rash.probability").base - 0.005).abs() < 1e-12);
    assert!((param(&m, "everolimus.ae.stomatitis.probability").base - 0.07).abs() < 1e-12);
    // Illustrative inputs are flagged, CLARINET's mixed sites warned about.
    assert!(m.warnings[0].contains("ILLUSTRATIVE"));
    assert!(m.warnings.iter().any(|w| w.contains("CLARINET") && w.contains("mixed")));
    assert_eq!(param(&m, "utilities.after_last_line").provenance.status, "illustrative");
}

#[test]
fn midgut_example_uses_ttp_and_the_netter_hr() {
    let m = netrx_sim::load(include_str!("../../../examples/sequences/midgut.toml"), kb()).expect("loads");
    let ssa = m.treatments.iter().find(|t| t.id == "ssa").unwrap();
    assert_eq!(ssa.endpoint, netrx_sim::model::Endpoint::Ttp);
    assert_eq!(param(&m, "ssa.median_months").base, 14.3);
    // NETTER-1: control 8.4 months (67 events → SE(log) 1/√67), HR 0.21 (0.13–0.33).
    let c = param(&m, "prrt.control_median_months");
    assert_eq!(c.base, 8.4);
    assert_eq!(
        c.psa,
        Psa::Lognormal {
            sdlog: 1.0 / 67f64.sqrt()
        }
    );
    let h = param(&m, "prrt.hr");
    assert_eq!(h.base, 0.21);
    assert_eq!(h.provenance.status, "verified", "the HR 0.21 itself is verified");
    assert!(
        h.provenance
            .note
            .as_deref()
            .unwrap_or("")
            .contains("CI (used for the PSA) is UNVERIFIED")
    );
    assert!(m.warnings.iter().any(|w| w.starts_with("prrt.hr: the HR's CI")));
    // RADIANT-4 GI subgroup 13.1 (9.2–17.3).
    assert_eq!(param(&m, "everolimus.median_months").base, 13.1);
    // Sun 2005: 5.3 months, UNVERIFIED, not a midgut trial.
    let s = param(&m, "chemotherapy.median_months");
    assert_eq!((s.base, s.provenance.status.as_str()), (5.3, "unverified"));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("Sun") && w.contains("not in the knowledge base's midgut population"))
    );
}

fn minimal(extra_treatment: &str) -> String {
    format!(
        r#"
[model]
title = "t"
horizon_months = 120

[death]
during_lines = {{ rate_per_month = 0.003, source = "s" }}
after_last_line = {{ median_months = 12, source = "s" }}

[utilities]
source = "s"
progression_free = 0.8
after_last_line = 0.6

[treatments.a]
label = "A"
{extra_treatment}

[[sequence]]
id = "x"
lines = ["a"]
"#
    )
}

fn err(text: &str) -> netrx_case::InputError {
    netrx_sim::load(text, kb()).expect_err("should be refused")
}

#[test]
fn errors_name_the_key_the_value_and_what_is_allowed() {
    let ok = minimal("time = { median_months = 10, source = \"s\" }");
    netrx_sim::load(&ok, kb()).expect("minimal loads");

    let e = err(&ok.replace("horizon_months = 120", "horizon_months = -5"));
    assert_eq!(e.field, "model.horizon_months");
    assert!(e.message.contains("-5") && e.message.contains("allowed"), "{e}");

    let e = err(&ok.replace("title = \"t\"", "title = \"t\"\nhorizon = 3"));
    assert_eq!(e.field, "model.horizon");
    assert!(
        e.message.contains("unknown field `horizon`") && e.message.contains("horizon_months"),
        "{e}"
    );

    let e = err(&minimal("time = { trial = \"radiant-9\", arm = \"everolimus\" }"));
    assert_eq!(e.field, "treatments.a.time.trial");
    assert!(
        e.message.contains("radiant-9") && e.message.contains("radiant-3"),
        "{e}"
    );

    let e = err(&minimal("time = { trial = \"radiant-3\", arm = \"eve\" }"));
    assert_eq!(e.field, "treatments.a.time.arm");
    assert!(e.message.contains("everolimus, placebo"), "{e}");

    let e = err(&minimal("time = { trial = \"promid\", arm = \"octreotide_lar\" }"));
    assert_eq!(e.field, "treatments.a.time");
    assert!(e.message.contains("no pfs result") && e.message.contains("ttp"), "{e}");

    let e = err(&minimal("time = { median_months = 10 }"));
    assert_eq!(e.field, "treatments.a.time.source");

    let e = err(&minimal(
        "time = { distribution = \"weibul\", shape = 1, scale = 2, source = \"s\" }",
    ));
    assert_eq!(e.field, "treatments.a.time.distribution");
    assert!(e.message.contains("weibull"), "{e}");

    let e = err(&minimal(
        "time = { distribution = \"weibull\", shape = 1.2, source = \"s\" }",
    ));
    assert_eq!(e.field, "treatments.a.time.scale");

    let e = err(&minimal(
        "time = { distribution = \"weibull\", shape = 1.2, scale = 10, vcov = [[1, 2], [2, 1]], source = \"s\" }",
    ));
    assert_eq!(e.field, "treatments.a.time.vcov");

    let e = err(&ok.replace("lines = [\"a\"]", "lines = [\"b\"]"));
    assert_eq!(e.field, "sequence[0].lines[0]");
    assert!(e.message.contains("\"b\"") && e.message.contains("a"), "{e}");

    let e = err(&minimal(
        "time = { median_months = 10, source = \"s\" }\nae = { trial = \"radiant-3\", table = \"nope\", arm = \"everolimus\" }",
    ));
    assert_eq!(e.field, "treatments.a.ae.table");
    assert!(e.message.contains("review-table-5"), "{e}");

    let e = err(&minimal(
        "time = { median_months = 10, source = \"s\" }\nae = { trial = \"radiant-3\", table = \"review-table-5\" }",
    ));
    assert_eq!(e.field, "ae_disutility", "AE rows need disutilities: {e}");

    let e = err(&ok.replace("progression_free = 0.8", "progression_free = 1.8"));
    assert_eq!(e.field, "utilities.progression_free");

    let e = err(&ok.replace(
        "[death]\nduring_lines = { rate_per_month = 0.003, source = \"s\" }",
        "[death]\nduring_lines = { distribution = \"weibull\", shape = 1, scale = 3, source = \"s\" }",
    ));
    assert_eq!(e.field, "death.during_lines.distribution");

    let e = err("[model\ntitle=");
    assert_eq!(e.field, "(document)");
    assert!(e.message.starts_with("malformed TOML"), "{e}");

    let e = err(&ok.replace("[[sequence]]\nid = \"x\"\nlines = [\"a\"]", ""));
    assert_eq!(e.field, "sequence", "{e}");
}

#[test]
fn weibull_fit_with_covariance_draws_around_the_fit() {
    let text = minimal(
        "time = { distribution = \"weibull\", shape = 1.2, scale = 14, vcov = [[0.01, 0.002], [0.002, 0.004]], source = \"netrx survreg on reconstructed IPD\" }",
    );
    let m = netrx_sim::load(&text, kb()).expect("loads");
    assert_eq!(m.groups.len(), 1);
    let n = 4000;
    let mut sum = [0.0; 2];
    let mut sq = [0.0; 2];
    for d in 1..=n {
        let v = m.draw_values(5, d);
        let a = param(&m, "a.log_shape");
        let _ = a;
        let th = [
            v[m.params.iter().position(|p| p.name == "a.log_shape").unwrap()],
            v[m.params.iter().position(|p| p.name == "a.log_scale").unwrap()],
        ];
        for i in 0..2 {
            sum[i] += th[i];
            sq[i] += th[i] * th[i];
        }
    }
    let mean = [sum[0] / n as f64, sum[1] / n as f64];
    let var = [
        sq[0] / n as f64 - mean[0] * mean[0],
        sq[1] / n as f64 - mean[1] * mean[1],
    ];
    // Means within 5 SE of the fit, variances within 10 % (n = 4000: SE of a variance ≈ 2.2 %).
    assert!((mean[0] - 1.2f64.ln()).abs() < 5.0 * (0.01f64 / n as f64).sqrt());
    assert!((mean[1] - 14f64.ln()).abs() < 5.0 * (0.004f64 / n as f64).sqrt());
    assert!((var[0] / 0.01 - 1.0).abs() < 0.1, "{var:?}");
    assert!((var[1] / 0.004 - 1.0).abs() < 0.1, "{var:?}");
    // Draw 0 is the base case.
    assert_eq!(m.draw_values(5, 0), m.base_values());
}

#[test]
fn ae_ranges_and_grade_3_only_rows_are_read_with_a_note() {
    let text = minimal(
        "time = { median_months = 10, source = \"s\" }\nae = { trial = \"cabinet\", table = \"nejm-2025-grade-3-plus\", arm = \"cabozantinib\" }",
    )
    .replace(
        "[treatments.a]",
        "[ae_disutility]\nsource = \"s\"\ndefault = { decrement = 0.1, duration_months = 1 }\n\n[treatments.a]",
    );
    let m = netrx_sim::load(&text, kb()).expect("loads");
    // CABINET grade ≥ 3 "62–65" % (trials.md Part 2) → midpoint 63.5 %.
    let p = param(&m, "a.ae.any.probability");
    assert!((p.base - 0.635).abs() < 1e-12);
    let note = p.provenance.note.as_deref().unwrap_or("");
    assert!(note.contains("range 62–65%") && note.contains("grade ≥ 3"), "{note}");
    // Bajetta 2014: grade 3 only (diarrhoea 22 %, stomatitis 8 %).
    let text = text.replace(
        "ae = { trial = \"cabinet\", table = \"nejm-2025-grade-3-plus\", arm = \"cabozantinib\" }",
        "ae = { trial = \"bajetta-2014\", table = \"cancer-2014-grade-3\" }",
    );
    let m = netrx_sim::load(&text, kb()).expect("loads");
    let d = param(&m, "a.ae.diarrhea.probability");
    assert!((d.base - 0.22).abs() < 1e-12);
    assert!(d.provenance.note.as_deref().unwrap_or("").contains("grade 3 only"));
}

#[test]
fn survreg_fits_convert_to_flexsurv_parameters() {
    // An intercept-only Weibull fit as `netrx survreg --json` prints it (here: lung.csv of
    // shared/oracles, days). survreg: log T = μ + σW, so the median is exp(μ + σ·ln ln 2)
    // (R: predict(fit, type = "quantile", p = 0.5)); netrx survreg printed 316.26369504923355.
    let (mu, ls) = (6.034_903_910_226_848_5f64, -0.275_235_057_445_035_9f64);
    let text = minimal(&format!(
        "time = {{ survreg = {{ dist = \"weibull\", intercept = {mu}, log_scale = {ls}, se = [0.0591, 0.0624] }}, source = \"netrx survreg on reconstructed IPD\" }}"
    ));
    let m = netrx_sim::load(&text, kb()).expect("loads");
    let t = &m.treatments[0];
    let d = t.time.dist(&m.base_values()).expect("dist");
    let want = (mu + ls.exp() * std::f64::consts::LN_2.ln()).exp();
    assert!((d.median() / want - 1.0).abs() < 1e-12, "{} vs {want}", d.median());
    assert!((d.median() - 316.263_695_049_233_55).abs() < 1e-9);
    match d {
        netrx_sim::dist::Dist::Weibull { shape, scale } => {
            assert!((shape - (-ls).exp()).abs() < 1e-12 && (scale - mu.exp()).abs() < 1e-9);
        }
        other => panic!("{other:?}"),
    }
    // SEs of (Intercept, Log(scale)) become the covariance of (log shape, log scale):
    // diag(se_logscale², se_intercept²) → Cholesky diag(0.0624, 0.0591).
    let g = &m.groups[0];
    assert!((g.chol[0] - 0.0624).abs() < 1e-12 && (g.chol[3] - 0.0591).abs() < 1e-12 && g.chol[2] == 0.0);
    // A full vcov with a covariance c between (Intercept) and Log(scale) gives
    // cov(log shape, log scale) = −c.
    let text = minimal(
        "time = { survreg = { dist = \"loglogistic\", intercept = 2.5, log_scale = -0.5, vcov = [[0.01, 0.002], [0.002, 0.004]] }, source = \"s\" }",
    );
    let m = netrx_sim::load(&text, kb()).expect("loads");
    let l = &m.groups[0].chol;
    // theta vcov [[0.004, -0.002], [-0.002, 0.01]] → L = [[√0.004, 0], [-0.002/√0.004, √(0.01 − 0.001)]]
    assert!((l[0] - 0.004f64.sqrt()).abs() < 1e-12);
    assert!((l[2] + 0.002 / 0.004f64.sqrt()).abs() < 1e-12);
    assert!((l[3] - (0.01f64 - 0.001).sqrt()).abs() < 1e-12);
    // Errors name the key.
    let e = err(&minimal(
        "time = { survreg = { dist = \"gompertz\", intercept = 1 }, source = \"s\" }",
    ));
    assert_eq!(e.field, "treatments.a.time.survreg.dist");
    let e = err(&minimal(
        "time = { survreg = { dist = \"weibull\", intercept = 1 }, source = \"s\" }",
    ));
    assert_eq!(e.field, "treatments.a.time.survreg.log_scale");
}
