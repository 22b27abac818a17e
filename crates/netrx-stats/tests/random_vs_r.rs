//! 30 random small datasets (heavy ties, continuous times with planted near-ties, zero times,
//! 2–3 groups, 2 strata; `tests/data/gen_random_oracles.R`, R 4.2.2 + survival 3.5-3):
//! every KM curve value (time, n.risk, n.event, surv, std.err, limits) for the three
//! confidence types, medians and their limits, quantiles, RMST with SE, and stratified survdiff
//! with rho 0, 1 and 0.5. Tolerance 1e-9 relative (+1e-12 absolute); NA/Inf must match.

use netrx_stats::data::Frame;
use netrx_stats::km::{ConfType, KmOptions, survfit_groups};
use netrx_stats::logrank::{SurvdiffOptions, survdiff};
use netrx_stats::rmst::rmst;
use std::collections::HashMap;

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn check(got: f64, want: &str, what: &str) {
    match want {
        "NA" | "NaN" => assert!(got.is_nan(), "{what}: got {got}, R has {want}"),
        "Inf" => assert!(got == f64::INFINITY, "{what}: got {got}, R has Inf"),
        _ => {
            let w: f64 = want.parse().unwrap();
            assert!(
                (got - w).abs() <= 1e-9 * w.abs() + 1e-12,
                "{what}: got {got:.15e}, R {w:.15e}"
            );
        }
    }
}

#[test]
fn thirty_random_datasets_match_r() {
    let mut oracle: HashMap<(u32, String, String), Vec<String>> = HashMap::new();
    for line in read("random_oracles.tsv").lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let q = f[2].split('[').next().unwrap().to_string();
        oracle
            .entry((f[0].parse().unwrap(), f[1].to_string(), q))
            .or_default()
            .push(f[3].to_string());
    }
    let frame = Frame::from_csv(&read("random_data.csv")).unwrap();
    let all = frame.complete_rows(&["id", "time", "status", "grp", "st"]).unwrap();
    let ids = frame.numeric("id", &all).unwrap();
    let mut checked = 0usize;
    for id in 1..=30u32 {
        let rows = netrx_stats::data::Rows {
            index: all.index.iter().copied().filter(|&i| ids[i] == id as f64).collect(),
            dropped: 0,
        };
        let y = frame.surv("time", "status", &rows).unwrap();
        let g = frame.factor("grp", &rows).unwrap();
        let st = frame.factor("st", &rows).unwrap();
        let ct = ["log", "log-log", "plain"][(id % 3) as usize];
        let opts = KmOptions {
            conf_type: ConfType::parse(ct).unwrap(),
            ..KmOptions::default()
        };
        let curves = survfit_groups(&y.time, &y.event, &g.codes, &g.levels, &opts).unwrap();
        for c in &curves {
            let an = format!("km_{}_{ct}", c.label);
            let get = |q: &str| {
                oracle
                    .get(&(id, an.clone(), q.to_string()))
                    .unwrap_or_else(|| panic!("oracle {id} {an} {q}"))
                    .clone()
            };
            let cmp = |q: &str, got: &[f64]| {
                let want = get(q);
                assert_eq!(got.len(), want.len(), "dataset {id} {an} {q} length");
                for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                    check(*a, b, &format!("dataset {id} {an} {q}[{}]", k + 1));
                }
            };
            cmp("time", &c.time);
            cmp("n.risk", &c.n_risk.iter().map(|&v| v as f64).collect::<Vec<_>>());
            cmp("n.event", &c.n_event.iter().map(|&v| v as f64).collect::<Vec<_>>());
            cmp("surv", &c.surv);
            cmp("std.err", &c.std_err);
            cmp("lower", &c.lower);
            cmp("upper", &c.upper);
            let m = c.median();
            cmp("median", &[m.time]);
            cmp("median_lcl", &[m.lower]);
            cmp("median_ucl", &[m.upper]);
            let q = c.quantiles(&[0.25, 0.5, 0.75]).unwrap();
            cmp("q", &q.iter().map(|q| q.time).collect::<Vec<_>>());
            cmp("q_lower", &q.iter().map(|q| q.lower).collect::<Vec<_>>());
            cmp("q_upper", &q.iter().map(|q| q.upper).collect::<Vec<_>>());
            let tau: f64 = get("rmst_tau")[0].parse().unwrap();
            let r = rmst(c, tau).unwrap();
            cmp("rmst", &[r.rmst]);
            cmp("rmst_se", &[r.se]);
            checked += 1;
        }
        for rho in [0.0, 1.0, 0.5] {
            let an = format!("survdiff_rho{rho}");
            let Some(chisq) = oracle.get(&(id, an.clone(), "chisq".into())) else {
                continue;
            };
            let s = survdiff(
                &y.time,
                &y.event,
                &g.codes,
                &g.levels,
                Some(&st.codes),
                &SurvdiffOptions { rho, timefix: true },
            )
            .unwrap();
            check(s.chisq, &chisq[0], &format!("dataset {id} {an} chisq"));
            let obs = &oracle[&(id, an.clone(), "obs".into())];
            let exp = &oracle[&(id, an.clone(), "exp".into())];
            for (k, gr) in s.groups.iter().enumerate() {
                check(gr.observed, &obs[k], &format!("dataset {id} {an} obs[{k}]"));
                check(gr.expected, &exp[k], &format!("dataset {id} {an} exp[{k}]"));
            }
        }
    }
    assert!(checked >= 60, "only {checked} curves checked");
}
