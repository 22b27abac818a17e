//! One timed Cox fit on a `perf_gen.py` binary file, for `scripts/bench/cox_vs_r.sh`
//! (run under `/usr/bin/time -v` for the peak RSS). Prints the timing and the first
//! coefficients and log-likelihood so the script can compare them with R and lifelines.
//!
//!   cargo bench -p netrx-stats --bench cox_perf -- FILE N [efron|breslow] [robust]
//!   cargo bench -p netrx-stats --bench cox_perf -- FILE N weibull     (survreg timing)
//!
//! Without arguments (as `cargo bench` runs every bench) it does nothing.

mod cox_data;

use netrx_stats::cox::{self, CoxData, CoxOptions, Ties};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.len() < 2 {
        return;
    }
    let n: usize = args[1].parse().expect("N");
    if args.get(2).map(String::as_str) == Some("weibull") {
        // survreg timing: Weibull AFT with the 10 covariates
        let d = cox_data::read_bin(&args[0], n).expect("data file");
        let names: Vec<String> = (1..=10).map(|j| format!("x{j}")).collect();
        let cols: Vec<&[f64]> = d.x.iter().map(|v| v.as_slice()).collect();
        let t = Instant::now();
        let f = netrx_stats::survreg::survreg(
            &d.time,
            &d.status,
            &cols,
            &names,
            None,
            netrx_stats::survreg::Dist::Weibull,
            &netrx_stats::survreg::SurvregOptions::default(),
        )
        .expect("fit");
        println!(
            "netrx survreg weibull n={n}: elapsed {:.3} s",
            t.elapsed().as_secs_f64()
        );
        println!(
            "  loglik {:.6}  scale {:.9}  coef[1:3] {:?}",
            f.loglik,
            f.scale,
            &f.estimate[..3]
        );
        return;
    }
    let ties = if args.get(2).map(String::as_str) == Some("breslow") {
        Ties::Breslow
    } else {
        Ties::Efron
    };
    let robust = args.iter().any(|a| a == "robust");
    let t0 = Instant::now();
    let d = cox_data::read_bin(&args[0], n).expect("data file");
    let t_read = t0.elapsed().as_secs_f64();
    let names: Vec<String> = (1..=10).map(|j| format!("x{j}")).collect();
    let cols: Vec<&[f64]> = d.x.iter().map(|v| v.as_slice()).collect();
    let data = CoxData::new(&d.time, &d.status, cols, names);
    for (label, conc) in [
        ("fit without concordance", false),
        ("fit with concordance (as coxph())", true),
    ] {
        let opt = CoxOptions {
            ties,
            robust,
            concordance: conc,
            ..CoxOptions::default()
        };
        let t = Instant::now();
        let fit = cox::fit(&data, &opt).expect("fit");
        let el = t.elapsed().as_secs_f64();
        println!(
            "netrx cox {} n={n} ties={}{}: elapsed {el:.3} s (read {t_read:.2} s)",
            label,
            ties.as_str(),
            if robust { " robust" } else { "" }
        );
        println!(
            "  iter {}  loglik {:.6}  coef[1:10] {}",
            fit.iter,
            fit.loglik,
            fit.coef
                .iter()
                .map(|b| format!("{b:.15e}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if let Some(rv) = &fit.robust_var {
            println!(
                "  robust se[1:3] {:.9} {:.9} {:.9}",
                rv[0].sqrt(),
                rv[11].sqrt(),
                rv[22].sqrt()
            );
        }
        if let Some(c) = fit.concordance {
            println!("  concordance {:.9} se {:.9}", c.concordance, c.std_err);
        }
    }
}
