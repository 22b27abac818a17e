//! The reference values of shared/reference/pk.md §8 (50-digit mpmath), reproduced
//! to 1e-6 relative, and the §6.6 one-compartment singular check.

mod common;
use common::*;
use netrx_pk::{Hours, Liters, LitersPerHour, Mg, PerHour, PkParams};

const TOL: f64 = 1e-6;

fn check(label: &str, got: f64, want: f64) {
    assert!(
        rel(got, want) < TOL,
        "{label}: got {got}, reference {want}, rel err {:e}",
        rel(got, want)
    );
}

#[test]
fn single_10_mg_dose() {
    let s = solve(&de_wit());
    let table = [
        (0.25, 42.736895),
        (0.5, 58.516199),
        (1.0, 59.45448),
        (2.0, 40.545616),
        (4.0, 20.251062),
        (8.0, 11.806449),
        (12.0, 9.959921),
        (24.0, 6.80894),
        (48.0, 3.2094568),
        (96.0, 0.7130794),
    ];
    for (t, want) in table {
        check(&format!("single t={t}"), s.single_dose(Mg(10.0), t), want);
    }
}

#[test]
fn steady_state_10_mg_daily() {
    let s = solve(&de_wit());
    let table = [
        (0.0, 12.880103),
        (0.5, 71.196047),
        (1.0, 71.937187),
        (2.0, 52.643192),
        (4.0, 31.613661),
        (12.0, 18.802834),
        (24.0, 12.880103),
    ];
    for (t, want) in table {
        check(&format!("ss t={t}"), s.steady_state(Mg(10.0), 24.0, t), want);
    }
    // The "done when": the typical patient on 10 mg daily reaches 12.88 ng/mL.
    check("ss trough", s.steady_state_trough(Mg(10.0), 24.0), 12.880103);
}

#[test]
fn trough_after_n_daily_doses() {
    let s = solve(&de_wit());
    for (n, want) in [
        (1, 6.80894),
        (2, 10.018397),
        (3, 11.531208),
        (5, 12.580405),
        (7, 12.813516),
        (14, 12.879759),
    ] {
        check(
            &format!("trough after {n}"),
            s.after_n_doses(Mg(10.0), 24.0, n, 24.0),
            want,
        );
    }
}

#[test]
fn singular_ka_equals_alpha() {
    let alpha = solve(&de_wit()).alpha();
    let s = solve(&with_ka(de_wit(), alpha));
    for (t, want) in [(0.5, 142.25575), (1.0, 77.251879), (12.0, 9.5433721), (24.0, 6.5520687)] {
        check(&format!("ka=alpha t={t}"), s.single_dose(Mg(10.0), t), want);
    }
}

#[test]
fn singular_ka_equals_beta() {
    let beta = solve(&de_wit()).beta();
    let s = solve(&with_ka(de_wit(), beta));
    for (t, want) in [(1.0, 4.3392138), (24.0, 6.9062637), (100.0, 2.0637685)] {
        check(&format!("ka=beta t={t}"), s.single_dose(Mg(10.0), t), want);
    }
}

#[test]
fn lag_time_at_steady_state_carries_the_previous_tail() {
    let mut p = de_wit();
    p.tlag = Hours(0.5);
    let lagged = solve(&p);
    let plain = solve(&de_wit());
    let got = lagged.steady_state(Mg(10.0), 24.0, 0.25);
    // Identity exact to rounding; the reference prints 12.9814 (6 digits: ±5e-5).
    assert!(rel(got, plain.steady_state(Mg(10.0), 24.0, 23.75)) < 1e-14);
    assert!((got - 12.9814).abs() < 5e-5, "{got}");
    // After the lag, the profile is the unlagged one shifted.
    assert!(
        rel(
            lagged.steady_state(Mg(10.0), 24.0, 2.5),
            plain.steady_state(Mg(10.0), 24.0, 2.0)
        ) < 1e-14
    );
}

#[test]
fn park_2023_steady_state_trough() {
    let p = PkParams {
        cl: LitersPerHour(12.5 + 9.71),
        v1: Liters(293.0),
        peripheral: None,
        ka: PerHour(0.585),
        f: 1.0,
        tlag: Hours(0.0),
    };
    check(
        "park ss trough",
        solve(&p).steady_state_trough(Mg(5.0), 24.0),
        3.7941312,
    );
}

#[test]
fn one_compartment_ka_equals_k_has_no_nan() {
    // pk.md §6.6: k = 0.05, V = 30, D = 100, t = 10 → 1.010884433 (D/V units; ×1000 = ng/mL).
    let base = PkParams {
        cl: LitersPerHour(0.05 * 30.0),
        v1: Liters(30.0),
        peripheral: None,
        ka: PerHour(0.05),
        f: 1.0,
        tlag: Hours(0.0),
    };
    for ka in [0.05, 0.05 * (1.0 + 1e-12), 0.05 * (1.0 - 1e-9)] {
        let got = solve(&PkParams {
            ka: PerHour(ka),
            ..base
        })
        .single_dose(Mg(100.0), 10.0)
            / 1000.0;
        assert!(rel(got, 1.010884433) < 1e-8, "ka={ka}: {got}");
    }
}
