//! Validation of the IPD reconstruction (Guyot 2012 + IPDfromKM refinements) on trials with known
//! answers, as shared/reference/stats-anchors.md §5.4 plans it: simulate two-arm trials from known
//! distributions (seeded), compute their exact Kaplan–Meier curves, "digitise" every step corner as
//! a careful reader would (optionally with reading jitter), publish a numbers-at-risk table every 6
//! months and the total of events, reconstruct each arm, and compare what a researcher would use —
//! events, numbers at risk, the median and the Cox hazard ratio of the two reconstructed arms —
//! with the truth (the same statistics on the simulated patients).
//!
//! Design (the oracle's, `oracles/ipd_guyot_sim.R`, stats-anchors §5.4): 100 trials per scenario,
//! n = 150 per arm, exponential control with median 12 months, HR 0.7, censoring U(6, 48) months,
//! risk table every 6 months, digitised = every KM step corner (top and bottom), jitter = N(0, 0.003)
//! on S and N(0, 0.1) months on t. The oracle's re-implementation measured, as medians over trials
//! of per-arm absolute errors: events 1.25–2, median 0–0.12 months, log HR 0.007–0.010, n at risk at
//! 12 months 0–2, and a 95th percentile of |Δ log HR| of 0.021–0.029. Its suggested regression
//! threshold is |Δ log HR| ≤ 0.03 in ≥ 95 % of simulations; the tolerances below are those numbers
//! with the margin stated at each assertion.

use netrx_stats::cox::{CoxData, CoxOptions, fit};
use netrx_stats::ipd::{Curve, Input, reconstruct, risk_table_from_csv};
use netrx_stats::km::{KmOptions, survfit};

/// SplitMix64: small, seedable, reproducible on every platform.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on (0, 1).
    fn unif(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn exp(&mut self, rate: f64) -> f64 {
        -self.unif().ln() / rate
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unif(), self.unif());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

struct Arm {
    time: Vec<f64>,
    event: Vec<bool>,
}

fn simulate_arm(rng: &mut Rng, n: usize, rate: f64) -> Arm {
    let mut time = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    for _ in 0..n {
        let t = rng.exp(rate);
        let c = 6.0 + 42.0 * rng.unif();
        // Times to 1/100 of a month, as a trial database would hold them (days).
        let (x, e) = if t <= c { (t, true) } else { (c, false) };
        time.push((x * 100.0).round().max(1.0) / 100.0);
        event.push(e);
    }
    Arm { time, event }
}

#[derive(Clone, Copy)]
struct Scenario {
    name: &'static str,
    jitter: bool,
    risk_table: bool,
    total_events: bool,
}

/// The digitised curve of an arm: every step corner of its exact KM (top and bottom of each drop),
/// the origin and the end of follow-up; with jitter, each read moved by N(0, 0.003) in S and
/// N(0, 0.1) in t and kept inside the plot (t ≥ 0, 0 ≤ S ≤ 1) — a digitiser cannot click outside.
fn digitise(arm: &Arm, jitter: bool, rng: &mut Rng) -> String {
    let km = survfit(&arm.time, &arm.event, &KmOptions::default()).unwrap();
    let mut pts = vec![(0.0, 1.0)];
    let mut s_prev = 1.0;
    for k in 0..km.time.len() {
        if km.n_event[k] > 0 {
            pts.push((km.time[k], s_prev));
            pts.push((km.time[k], km.surv[k]));
            s_prev = km.surv[k];
        }
    }
    pts.push((*km.time.last().unwrap(), s_prev));
    let mut out = String::from("time,survival\n");
    for (i, (t, s)) in pts.into_iter().enumerate() {
        let (t, s) = if jitter && i > 0 {
            (
                (t + 0.1 * rng.normal()).max(0.0),
                (s + 0.003 * rng.normal()).clamp(0.0, 1.0),
            )
        } else {
            (t, s)
        };
        out.push_str(&format!("{t},{s}\n"));
    }
    out
}

/// The published risk table: numbers still at risk (time ≥ t) every 6 months while anyone is.
fn risk_table(arm: &Arm) -> String {
    let mut out = String::from("time,n_at_risk\n");
    let mut t = 0.0;
    loop {
        let n = arm.time.iter().filter(|&&x| x >= t).count();
        out.push_str(&format!("{t},{n}\n"));
        if n == 0 {
            break;
        }
        t += 6.0;
    }
    out
}

fn log_hr(a: (&[f64], &[bool]), b: (&[f64], &[bool])) -> f64 {
    let time: Vec<f64> = a.0.iter().chain(b.0).copied().collect();
    let status: Vec<bool> = a.1.iter().chain(b.1).copied().collect();
    let x: Vec<f64> = (0..time.len()).map(|i| if i < a.0.len() { 1.0 } else { 0.0 }).collect();
    let data = CoxData::new(&time, &status, vec![&x], vec!["arm".into()]);
    let opt = CoxOptions {
        concordance: false,
        ..CoxOptions::default()
    };
    fit(&data, &opt).unwrap().coef[0]
}

fn quantile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

struct Summary {
    events: f64,
    median: f64,
    log_hr: f64,
    n_risk_12: f64,
    log_hr_p95: f64,
    within_003: f64,
    max_fit_dev: f64,
}

fn run(sc: Scenario, seed: u64, trials: usize) -> Summary {
    let mut rng = Rng(seed);
    let n = 150;
    let rate_c = std::f64::consts::LN_2 / 12.0;
    let rate_t = rate_c * 0.7;
    let (mut ev, mut med, mut lhr, mut nr12, mut devs) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..trials {
        let arms = [simulate_arm(&mut rng, n, rate_t), simulate_arm(&mut rng, n, rate_c)];
        let mut recon: Vec<(Vec<f64>, Vec<bool>)> = Vec::new();
        for arm in &arms {
            let curve = Curve::from_csv("curve", &digitise(arm, sc.jitter, &mut rng)).unwrap();
            let at_risk = sc
                .risk_table
                .then(|| risk_table_from_csv("at-risk", &risk_table(arm)).unwrap().0);
            let d_true = arm.event.iter().filter(|&&e| e).count();
            let r = reconstruct(&Input {
                curve,
                at_risk,
                n_patients: Some(n as u64),
                total_events: sc.total_events.then_some(d_true as u64),
            })
            .unwrap();
            assert_eq!(r.rows.len(), n, "every patient is reconstructed");
            devs.push(r.fit.max_abs_deviation);
            let t: Vec<f64> = r.rows.iter().map(|x| x.0).collect();
            let e: Vec<bool> = r.rows.iter().map(|x| x.1).collect();
            let d_rec = e.iter().filter(|&&x| x).count();
            ev.push((d_rec as f64 - d_true as f64).abs());
            let true_med = survfit(&arm.time, &arm.event, &KmOptions::default())
                .unwrap()
                .median()
                .time;
            let rec_med = survfit(&t, &e, &KmOptions::default()).unwrap().median().time;
            if true_med.is_finite() && rec_med.is_finite() {
                med.push((rec_med - true_med).abs());
            } else {
                // One reached, the other not: count as a large error (never expected here).
                med.push(if true_med.is_finite() == rec_med.is_finite() {
                    0.0
                } else {
                    99.0
                });
            }
            let n12_true = arm.time.iter().filter(|&&x| x >= 12.0).count() as f64;
            let n12_rec = t.iter().filter(|&&x| x >= 12.0).count() as f64;
            nr12.push((n12_rec - n12_true).abs());
            recon.push((t, e));
        }
        let truth = log_hr((&arms[0].time, &arms[0].event), (&arms[1].time, &arms[1].event));
        let rec = log_hr((&recon[0].0, &recon[0].1), (&recon[1].0, &recon[1].1));
        lhr.push((rec - truth).abs());
    }
    let within = lhr.iter().filter(|&&d| d <= 0.03).count() as f64 / lhr.len() as f64;
    let s = Summary {
        events: quantile(&mut ev, 0.5),
        median: quantile(&mut med, 0.5),
        log_hr: quantile(&mut lhr.clone(), 0.5),
        n_risk_12: quantile(&mut nr12, 0.5),
        log_hr_p95: quantile(&mut lhr, 0.95),
        within_003: within,
        max_fit_dev: quantile(&mut devs, 0.5),
    };
    eprintln!(
        "{:<32} events {:>5.2}  median {:>6.3}  logHR {:>6.4}  n.risk@12 {:>4.1}  p95|dlogHR| {:>6.4}  within 0.03 {:>5.1}%  median max|dev| {:.4}",
        sc.name,
        s.events,
        s.median,
        s.log_hr,
        s.n_risk_12,
        s.log_hr_p95,
        100.0 * s.within_003,
        s.max_fit_dev
    );
    s
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        name: "exact corners + risk table + D",
        jitter: false,
        risk_table: true,
        total_events: true,
    },
    Scenario {
        name: "exact corners + risk table",
        jitter: false,
        risk_table: true,
        total_events: false,
    },
    Scenario {
        name: "jittered + risk table + D",
        jitter: true,
        risk_table: true,
        total_events: true,
    },
    Scenario {
        name: "jittered + risk table",
        jitter: true,
        risk_table: true,
        total_events: false,
    },
    Scenario {
        name: "jittered + N only + D",
        jitter: true,
        risk_table: false,
        total_events: true,
    },
];

/// Every scenario of the oracle's table (stats-anchors §5.4), 100 seeded trials each.
#[test]
fn recovers_median_hr_events_and_numbers_at_risk() {
    for (i, sc) in SCENARIOS.iter().enumerate() {
        let s = run(*sc, 20_240_611 + i as u64, 100);
        // HR (the quantity Guyot 2012 found fragile): oracle 95th percentile 0.021–0.029 and
        // median 0.007–0.010 → with a risk table we require ≥ 95 % of trials within 0.03 on the
        // log scale (the oracle's suggested threshold) and a median error ≤ 0.015 (1.5 × the
        // oracle's worst). From N and D alone (no risk table: censoring must be assumed uniform,
        // which Guyot found makes the HR least reliable) ≥ 90 % within 0.03 and a 95th percentile
        // ≤ 0.04 (oracle 0.029 + 0.01).
        if sc.risk_table {
            assert!(
                s.within_003 >= 0.95,
                "{}: only {:.0}% within 0.03",
                sc.name,
                100.0 * s.within_003
            );
        } else {
            assert!(
                s.within_003 >= 0.90,
                "{}: only {:.0}% within 0.03",
                sc.name,
                100.0 * s.within_003
            );
            assert!(s.log_hr_p95 <= 0.04, "{}: p95 |Δ log HR| {}", sc.name, s.log_hr_p95);
        }
        assert!(s.log_hr <= 0.015, "{}: median |Δ log HR| {}", sc.name, s.log_hr);
        // Median survival: oracle 0–0.12 months → ≤ 0.25 months (about a week).
        assert!(s.median <= 0.25, "{}: median |Δ median| {} months", sc.name, s.median);
        // Events per arm: oracle 0–2 → ≤ 3.
        assert!(s.events <= 3.0, "{}: median |Δ events| {}", sc.name, s.events);
        // Numbers at risk at 12 months: oracle 0 with a risk table, 2 without → 0 / ≤ 4.
        if sc.risk_table {
            assert_eq!(s.n_risk_12, 0.0, "{}: the published risk table is reproduced", sc.name);
        } else {
            assert!(s.n_risk_12 <= 4.0, "{}: median |Δ n at risk| {}", sc.name, s.n_risk_12);
        }
        // The reconstructed curve follows the digitised one: exact corners to within one patient's
        // step (1/150 ≈ 0.0067) of rounding, twice; jittered reads to within the jitter (3 SD = 0.009)
        // plus that; without a risk table the assumed uniform censoring bends the curve more (0.05).
        let limit = match (sc.jitter, sc.risk_table) {
            (false, _) => 0.0134,
            (true, true) => 0.02,
            (true, false) => 0.05,
        };
        assert!(
            s.max_fit_dev <= limit,
            "{}: median max |dev| {}",
            sc.name,
            s.max_fit_dev
        );
    }
}

/// Reproducible for a seed: the same trials give the same reconstruction.
#[test]
fn deterministic_for_a_seed() {
    let a = run(SCENARIOS[2], 7, 5);
    let b = run(SCENARIOS[2], 7, 5);
    assert_eq!(a.log_hr.to_bits(), b.log_hr.to_bits());
    assert_eq!(a.events.to_bits(), b.events.to_bits());
}

/// Digitisation noise on top of the jittered reads: percentages instead of proportions, about 5 %
/// of neighbouring reads swapped, 3 % read twice, two isolated dips of 10 percentage points, and
/// reads after the risk table has reached zero. All of it must be cleaned (and counted), give
/// nearly the patients the same reads give without the mess (events within 3), and recover the HR
/// as well as the jittered reads alone do (≥ 95 % of 40 trials within 0.03).
#[test]
fn messy_digitisation_is_cleaned_and_still_recovers_the_hr() {
    let mut rng = Rng(99);
    let n = 150;
    let rate_c = std::f64::consts::LN_2 / 12.0;
    let mut within = 0;
    let trials = 40;
    for _ in 0..trials {
        let arms = [
            simulate_arm(&mut rng, n, rate_c * 0.7),
            simulate_arm(&mut rng, n, rate_c),
        ];
        let mut recon: Vec<(Vec<f64>, Vec<bool>)> = Vec::new();
        for arm in &arms {
            let clean = digitise(arm, true, &mut rng);
            let mut rows: Vec<(f64, f64)> = clean
                .lines()
                .skip(1)
                .map(|l| {
                    let (t, s) = l.split_once(',').unwrap();
                    (t.parse().unwrap(), s.parse::<f64>().unwrap() * 100.0)
                })
                .collect();
            let k = rows.len();
            for i in 1..k - 1 {
                if rng.unif() < 0.05 {
                    rows.swap(i, i + 1);
                }
            }
            let mut messy = Vec::with_capacity(k + 20);
            for (i, r) in rows.iter().enumerate() {
                messy.push(*r);
                if i > 0 && rng.unif() < 0.03 {
                    messy.push(*r);
                }
            }
            for _ in 0..2 {
                let i = 5 + (rng.unif() * (messy.len() - 10) as f64) as usize;
                let (t0, t1) = (messy[i].0, messy[i + 1].0);
                let s = messy[i].1.min(messy[i + 1].1) - 10.0;
                messy.insert(i + 1, ((t0 + t1) / 2.0, s.max(0.0)));
            }
            let risk = risk_table(arm);
            let t_zero: f64 = risk.lines().last().unwrap().split(',').next().unwrap().parse().unwrap();
            let s_end = messy.last().unwrap().1;
            messy.push((t_zero + 1.0, s_end));
            messy.push((t_zero + 2.0, s_end));
            let mut text = String::from("time,survival\n");
            for (t, s) in &messy {
                text.push_str(&format!("{t},{s}\n"));
            }
            let r = reconstruct(&Input {
                curve: Curve::from_csv("curve", &text).unwrap(),
                at_risk: Some(risk_table_from_csv("at-risk", &risk).unwrap().0),
                n_patients: None,
                total_events: None,
            })
            .unwrap();
            assert_eq!(r.scale, netrx_stats::ipd::SurvivalScale::Percent);
            assert!(r.cleaning.points_after_zero_risk_dropped >= 2, "{:?}", r.cleaning.notes);
            assert!(r.cleaning.outliers_dropped >= 1, "{:?}", r.cleaning.notes);
            assert!(r.cleaning.monotone_fixed > 0 && r.cleaning.duplicates_dropped > 0);
            // The same reads without the extra mess give (nearly) the same patients.
            let plain = reconstruct(&Input {
                curve: Curve::from_csv("curve", &clean).unwrap(),
                at_risk: Some(risk_table_from_csv("at-risk", &risk).unwrap().0),
                n_patients: None,
                total_events: None,
            })
            .unwrap();
            assert!(
                r.fit.events.abs_diff(plain.fit.events) <= 3,
                "messy {} vs plain {} events",
                r.fit.events,
                plain.fit.events
            );
            assert!(r.fit.max_at_risk_difference <= plain.fit.max_at_risk_difference + 2);
            recon.push((
                r.rows.iter().map(|x| x.0).collect(),
                r.rows.iter().map(|x| x.1).collect(),
            ));
        }
        let truth = log_hr((&arms[0].time, &arms[0].event), (&arms[1].time, &arms[1].event));
        let rec = log_hr((&recon[0].0, &recon[0].1), (&recon[1].0, &recon[1].1));
        if (rec - truth).abs() <= 0.03 {
            within += 1;
        }
    }
    assert!(within as f64 >= 0.95 * trials as f64, "{within}/{trials} within 0.03");
}
