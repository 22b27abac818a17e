// Shared helpers for the netrx-pk integration tests (included with `mod common;`).
#![allow(dead_code)]

use netrx_pk::{Hours, Liters, LitersPerHour, PerHour, Peripheral, PkParams, Solution};

/// de Wit 2016 typical patient (pk.md §8): CL 17.4, Vc 25.2, Q 51.1, Vp 400, ka 0.647, F 1.
pub fn de_wit() -> PkParams {
    PkParams {
        cl: LitersPerHour(17.4),
        v1: Liters(25.2),
        peripheral: Some(Peripheral {
            q: LitersPerHour(51.1),
            v2: Liters(400.0),
        }),
        ka: PerHour(0.647),
        f: 1.0,
        tlag: Hours(0.0),
    }
}

pub fn with_ka(mut p: PkParams, ka: f64) -> PkParams {
    p.ka = PerHour(ka);
    p
}

pub fn solve(p: &PkParams) -> Solution {
    Solution::new(p).expect("valid parameters")
}

pub fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// A tiny deterministic generator for test inputs (SplitMix64).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-uniform in [lo, hi].
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.next() * (hi.ln() - lo.ln())).exp()
    }
}
