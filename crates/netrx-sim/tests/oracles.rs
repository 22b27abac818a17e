//! The simulation against closed-form answers (competing exponentials, Weibull medians,
//! discounting integrals, AE expectations). Tolerances are stated per check: Monte Carlo
//! checks use 5 × the run's own Monte Carlo standard error (false-alarm rate ~6·10⁻⁷ per
//! check) plus the fixed-point quantisation (2⁻²¹ per value).

use netrx_kb::Kb;
use netrx_sim::engine::{RunSpec, run};
use netrx_sim::report::{Report, report};

fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge loads")
}

const COMMON: &str = r#"
[utilities]
source = "test input"
progression_free = 0.8
after_last_line = 0.5
"#;

fn spec(horizon: f64, death: &str, after: &str, treatments: &str, sequences: &str, extra: &str) -> String {
    format!(
        "[model]\ntitle = \"oracle\"\nhorizon_months = {horizon}\nhistogram_bin_months = 0.25\n\n[death]\nduring_lines = {death}\nafter_last_line = {after}\n{COMMON}\n{extra}\n{treatments}\n{sequences}\n"
    )
}

fn simulate(text: &str, patients: u64, psa: u64, seed: u64) -> Report {
    let model = netrx_sim::load(text, kb()).unwrap_or_else(|e| panic!("spec loads: {e}"));
    let part = run(
        &model,
        RunSpec {
            seed,
            patients,
            psa_draws: psa,
        },
        &|_| {},
    )
    .expect("runs");
    report(&part).expect("report")
}

fn outcome<'a>(r: &'a Report, seq: usize, key: &str) -> &'a netrx_sim::report::Outcome {
    &r.sequences[seq]
        .outcomes
        .iter()
        .find(|(k, _)| k == key)
        .expect("outcome")
        .1
}

fn close(what: &str, got: f64, want: f64, mcse: f64) {
    let tol = 5.0 * mcse + 1e-6;
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tolerance {tol})"
    );
}

#[test]
fn one_pfs_line_competing_death_matches_closed_form() {
    // PFS ~ Exp(λ = ln2/10); death hazard λd = 0.01 of it; after the line Exp(μ = ln2/6).
    let lam = std::f64::consts::LN_2 / 10.0;
    let mu = std::f64::consts::LN_2 / 6.0;
    let ld = 0.01;
    let text = spec(
        1200.0,
        &format!("{{ rate_per_month = {ld}, source = \"test\" }}"),
        "{ median_months = 6, source = \"test\" }",
        "[treatments.a]\nlabel = \"A\"\ntime = { median_months = 10, endpoint = \"pfs\", source = \"test\" }\n",
        "[[sequence]]\nid = \"s\"\nlines = [\"a\"]\n",
        "",
    );
    let r = simulate(&text, 400_000, 0, 3);
    let pfs = outcome(&r, 0, "total_pfs");
    close("mean PFS", pfs.mean, 1.0 / lam, pfs.mcse);
    // Median: exactly 10 months for the PFS distribution; histogram bin 0.25 + MC error
    // (SE of a sample median = 1/(2 f(m) √n) = 0.0433 here).
    assert!(
        (pfs.median.unwrap() - 10.0).abs() < 0.25 + 5.0 * 0.0433,
        "median {:?}",
        pfs.median
    );
    let p_death = ld / lam;
    let l = &r.sequences[0].per_line[0];
    let se = (p_death * (1.0 - p_death) / 400_000.0).sqrt();
    close("P(death on the line)", l.died, p_death, se);
    let os = outcome(&r, 0, "os");
    close("mean OS", os.mean, 1.0 / lam + (1.0 - p_death) / mu, os.mcse);
    // QALYs undiscounted: 0.8·E[T1]/12 + 0.5·P(progress)·E[T2]/12.
    let q = outcome(&r, 0, "qalys");
    close(
        "mean QALYs",
        q.mean,
        (0.8 / lam + 0.5 * (1.0 - p_death) / mu) / 12.0,
        q.mcse,
    );
}

#[test]
fn ttp_line_has_independent_competing_death() {
    // TTP ~ Exp(λp), death Exp(λd): line ends at min, death with probability λd/(λp+λd).
    let lp = std::f64::consts::LN_2 / 14.3;
    let ld = 0.02;
    let text = spec(
        1200.0,
        &format!("{{ rate_per_month = {ld}, source = \"test\" }}"),
        "{ median_months = 6, source = \"test\" }",
        "[treatments.a]\nlabel = \"A\"\ntime = { median_months = 14.3, endpoint = \"ttp\", source = \"test\" }\n",
        "[[sequence]]\nid = \"s\"\nlines = [\"a\"]\n",
        "",
    );
    let n = 300_000;
    let r = simulate(&text, n, 0, 5);
    let pfs = outcome(&r, 0, "total_pfs");
    close("mean line duration", pfs.mean, 1.0 / (lp + ld), pfs.mcse);
    let p = ld / (lp + ld);
    close(
        "P(death)",
        r.sequences[0].per_line[0].died,
        p,
        (p * (1.0 - p) / n as f64).sqrt(),
    );
}

#[test]
fn weibull_fit_reproduces_its_median_and_restricted_mean() {
    // Explicit Weibull(shape 1.4, scale 15): median 15·ln2^(1/1.4); horizon 24 months
    // restricts the mean to ∫0^24 S(t) dt (computed here by Simpson's rule, 2000 panels).
    let (a, b) = (1.4f64, 15.0f64);
    let text = spec(
        24.0,
        "{ rate_per_month = 0.000001, source = \"test\" }",
        "{ median_months = 6, source = \"test\" }",
        &format!(
            "[treatments.w]\nlabel = \"W\"\ntime = {{ distribution = \"weibull\", shape = {a}, scale = {b}, endpoint = \"pfs\", source = \"test fit\" }}\n"
        ),
        "[[sequence]]\nid = \"s\"\nlines = [\"w\"]\n",
        "",
    );
    let n = 300_000;
    let r = simulate(&text, n, 0, 11);
    let pfs = outcome(&r, 0, "total_pfs");
    let median = b * std::f64::consts::LN_2.powf(1.0 / a);
    // SE of the sample median 1/(2 f(m) √n).
    let f = a / b * (median / b).powf(a - 1.0) * 0.5;
    let se_med = 1.0 / (2.0 * f * (n as f64).sqrt());
    assert!(
        (pfs.median.unwrap() - median).abs() < 0.25 + 5.0 * se_med,
        "median {:?} vs {median}",
        pfs.median
    );
    let d = netrx_sim::dist::Dist::Weibull { shape: a, scale: b };
    close("restricted mean PFS", pfs.mean, d.restricted_mean(24.0), pfs.mcse);
    // Censored at the horizon: S(24).
    let s24 = d.survival(24.0);
    let got = r.sequences[0].per_line[0].censored;
    close(
        "P(on the line at the horizon)",
        got,
        s24,
        (s24 * (1.0 - s24) / n as f64).sqrt(),
    );
}

#[test]
fn two_lines_add_and_aes_match_expectations() {
    let l1 = std::f64::consts::LN_2 / 11.0;
    let l2 = std::f64::consts::LN_2 / 24.5;
    let ld = 0.003;
    let trts = "[treatments.a]\nlabel = \"A\"\ntime = { median_months = 11, endpoint = \"pfs\", source = \"t\" }\nae = { rows = [{ term = \"stomatitis\", percent = 7 }, { term = \"anemia\", percent = 6 }], source = \"t\" }\n\
[treatments.b]\nlabel = \"B\"\ntime = { median_months = 24.5, endpoint = \"pfs\", source = \"t\" }\nae = { rows = [{ term = \"lymphopenia\", percent = 9 }], source = \"t\" }\n";
    let extra = "[ae_disutility]\nsource = \"t\"\ndefault = { decrement = 0.1, duration_months = 1.0 }\n";
    let text = spec(
        1200.0,
        &format!("{{ rate_per_month = {ld}, source = \"t\" }}"),
        "{ median_months = 6, source = \"t\" }",
        trts,
        "[[sequence]]\nid = \"ab\"\nlines = [\"a\", \"b\"]\n[[sequence]]\nid = \"ba\"\nlines = [\"b\", \"a\"]\n",
        extra,
    );
    let n = 400_000;
    let r = simulate(&text, n, 0, 21);
    for (si, (x, y)) in [(l1, l2), (l2, l1)].iter().enumerate() {
        let p1 = 1.0 - ld / x; // progress on line 1
        let pfs = outcome(&r, si, "total_pfs");
        close("total PFS", pfs.mean, 1.0 / x + p1 / y, pfs.mcse);
        let ae = outcome(&r, si, "aes");
        let (ae1, ae2) = if si == 0 { (0.13, 0.09) } else { (0.09, 0.13) };
        close("AEs per patient", ae.mean, ae1 + p1 * ae2, ae.mcse);
        let q = outcome(&r, si, "qalys");
        let p2 = 1.0 - ld / y;
        let want = (0.8 * (1.0 / x + p1 / y) + 0.5 * p1 * p2 * 6.0 / std::f64::consts::LN_2) / 12.0
            - 0.1 / 12.0 * (ae1 + p1 * ae2);
        close("QALYs", q.mean, want, q.mcse);
    }
    // Paired difference (common random numbers) has a smaller MCSE than either mean.
    let d = r.comparison[0]
        .differences
        .iter()
        .find(|d| d.outcome == "total_pfs")
        .unwrap();
    assert!(d.mcse < outcome(&r, 0, "total_pfs").mcse);
}

#[test]
fn discounting_matches_the_integral() {
    // One line Exp(λ), no death, huge horizon, utility 0.8, 3.5 %/year continuous:
    // E[∫0^T 0.8 e^{-rt} dt] = 0.8 / (λ + r) (months) → /12 for years.
    let lam = std::f64::consts::LN_2 / 10.0;
    let r = (1.035f64).ln() / 12.0;
    let extra = "[discount]\nqalys_per_year = 0.035\nsource = \"t\"\n";
    let text = spec(
        1200.0,
        "{ rate_per_month = 0.0000001, source = \"t\" }",
        "{ median_months = 0.0001, source = \"t\" }",
        "[treatments.a]\nlabel = \"A\"\ntime = { median_months = 10, endpoint = \"pfs\", source = \"t\" }\n",
        "[[sequence]]\nid = \"s\"\nlines = [\"a\"]\n",
        extra,
    );
    let rep = simulate(&text, 300_000, 0, 8);
    let q = outcome(&rep, 0, "qalys");
    close("discounted QALYs", q.mean, 0.8 / (lam + r) / 12.0, q.mcse + 1e-5);
}

#[test]
fn psa_intervals_cover_the_parameter_uncertainty() {
    // Median 10 with 95 % CI [8, 12.5]: SE(log) = ln(12.5/8)/3.92; PSA mean PFS per draw is
    // 10/ln2 · exp(SE·z) → the interval of the mean is ≈ 14.43·exp(±1.96·SE).
    let text = spec(
        1200.0,
        "{ rate_per_month = 0.0000001, source = \"t\" }",
        "{ median_months = 6, source = \"t\" }",
        "[treatments.a]\nlabel = \"A\"\ntime = { median_months = 10, ci = [8, 12.5], endpoint = \"pfs\", source = \"t\" }\n",
        "[[sequence]]\nid = \"s\"\nlines = [\"a\"]\n",
        "",
    );
    let r = simulate(&text, 20_000, 400, 9);
    let se = (12.5f64 / 8.0).ln() / (2.0 * 1.959_963_984_540_054);
    let m = 10.0 / std::f64::consts::LN_2;
    let i = outcome(&r, 0, "total_pfs").psa_mean.clone().expect("psa");
    // Percentiles of 400 draws: relative tolerance 8 % on each bound (sampling error of a
    // 2.5 % quantile with 400 draws ≈ 0.2·SE on the log scale, plus the within-draw MC error).
    let lo = m * (-1.959_963_984_540_054 * se).exp();
    let hi = m * (1.959_963_984_540_054 * se).exp();
    assert!((i.lower / lo - 1.0).abs() < 0.08, "lower {} vs {lo}", i.lower);
    assert!((i.upper / hi - 1.0).abs() < 0.08, "upper {} vs {hi}", i.upper);
}
