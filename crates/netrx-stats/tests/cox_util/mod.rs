//! Shared helpers for the Cox / zph / survreg oracle tests: load the R oracle
//! table and the datasets copied into `tests/data/` (so a clean clone can run them).
#![allow(dead_code)]

use netrx_stats::data::{Design, Frame, Surv};
use std::collections::HashMap;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// R survival 3.5-3 oracle values keyed by (dataset, analysis, quantity).
pub struct Oracle(HashMap<(String, String, String), String>);

impl Oracle {
    pub fn load() -> Oracle {
        let text = std::fs::read_to_string(format!("{DATA}/r_survival_oracles.tsv")).expect("oracle tsv");
        let mut m = HashMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() == 4 {
                m.insert((f[0].to_string(), f[1].to_string(), f[2].to_string()), f[3].to_string());
            }
        }
        Oracle(m)
    }

    /// A numeric oracle value (panics with the key if absent, so a renamed oracle fails loudly).
    pub fn get(&self, ds: &str, analysis: &str, q: &str) -> f64 {
        let v = self
            .0
            .get(&(ds.to_string(), analysis.to_string(), q.to_string()))
            .unwrap_or_else(|| panic!("oracle {ds}/{analysis}/{q} missing"));
        v.parse()
            .unwrap_or_else(|_| panic!("oracle {ds}/{analysis}/{q} = {v} is not a number"))
    }

    /// Number of significant digits R printed for this value (the TSV uses %.12g).
    pub fn digits(&self, ds: &str, analysis: &str, q: &str) -> usize {
        let v = &self.0[&(ds.to_string(), analysis.to_string(), q.to_string())];
        let mant = v.split(['e', 'E']).next().unwrap_or(v);
        mant.trim_start_matches('-')
            .trim_start_matches(['0', '.'])
            .chars()
            .filter(|c| c.is_ascii_digit())
            .count()
    }

    pub fn keys_with(&self, ds: &str, analysis: &str) -> Vec<String> {
        let mut k: Vec<String> = self
            .0
            .keys()
            .filter(|(d, a, _)| d == ds && a == analysis)
            .map(|(_, _, q)| q.clone())
            .collect();
        k.sort();
        k
    }
}

/// Relative closeness check with the stated tolerance; values near zero compare absolutely.
pub fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rel || (got - want).abs() <= rel * 1e-3,
        "{what}: got {got:.12e}, R {want:.12e}, relative error {err:.2e} > {rel:.0e}"
    );
}

/// Tolerance for an oracle value: 1e-6 relative, or 1e-4 where R printed fewer than 7 digits.
pub fn tol_for(o: &Oracle, ds: &str, a: &str, q: &str) -> f64 {
    if o.digits(ds, a, q) >= 7 { 1e-6 } else { 1e-4 }
}

pub fn frame(name: &str) -> Frame {
    let text = std::fs::read_to_string(format!("{DATA}/{name}.csv")).expect("dataset");
    Frame::from_csv(&text).expect("csv parses")
}

/// Outcome and design over the complete cases of the used columns (R's na.omit).
pub fn model(
    name: &str,
    time: &str,
    event: &str,
    covs: &[&str],
    extra: &[&str],
) -> (Frame, Surv, Design, netrx_stats::data::Rows) {
    let f = frame(name);
    let mut used = vec![time, event];
    used.extend_from_slice(covs);
    used.extend_from_slice(extra);
    let rows = f.complete_rows(&used).expect("rows");
    let y = f.surv(time, event, &rows).expect("surv");
    let d = f.design(covs, &rows).expect("design");
    (f, y, d, rows)
}

/// The extra oracles made by `tests/data/cox_survreg_extra_oracles.R` (R 4.2.2, survival 3.5-3):
/// (analysis, quantity) → value; `NA` is kept as NaN.
pub struct Extra(HashMap<(String, String), f64>);

impl Extra {
    pub fn load() -> Extra {
        let text = std::fs::read_to_string(format!("{DATA}/cox_survreg_extra_oracles.tsv")).expect("extra oracle tsv");
        let mut m = HashMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() == 3 {
                let v = if f[2] == "NA" {
                    f64::NAN
                } else {
                    f[2].parse().expect("number")
                };
                m.insert((f[0].to_string(), f[1].to_string()), v);
            }
        }
        Extra(m)
    }

    pub fn get(&self, a: &str, q: &str) -> f64 {
        *self
            .0
            .get(&(a.to_string(), q.to_string()))
            .unwrap_or_else(|| panic!("extra oracle {a}/{q} missing"))
    }
}
