//! Timed Kaplan–Meier and log-rank runs on a `perf_gen.py` KM file (raw little-endian float64,
//! [time (n), event (n)]), for scripts/bench/km_vs_r.py, which runs it under `/usr/bin/time -v`
//! next to R and lifelines on the same file. Prints timings and the results that the script
//! compares with R's (number of distinct times, median, S at 365, χ²).
//!
//!   cargo bench -p netrx-stats --bench km_perf -- FILE N [LOGRANK_N]
//!
//! Without arguments (as `cargo bench` runs every bench) it does nothing.

use netrx_stats::km::{KmOptions, survfit};
use netrx_stats::logrank::{SurvdiffOptions, survdiff};
use std::time::Instant;

fn read_bin(path: &str, n: usize) -> std::io::Result<(Vec<f64>, Vec<bool>)> {
    let bytes = std::fs::read(path)?;
    if bytes.len() < 16 * n {
        return Err(std::io::Error::other(format!("{path}: expected {} bytes", 16 * n)));
    }
    let f = |i: usize| f64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap());
    let time = (0..n).map(f).collect();
    let event = (0..n).map(|i| f(n + i) != 0.0).collect();
    Ok((time, event))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.len() < 2 {
        return;
    }
    let n: usize = args[1].parse().expect("N");
    let n_lr: usize = args.get(2).map(|s| s.parse().expect("LOGRANK_N")).unwrap_or(n);
    let (time, event) = read_bin(&args[0], n).expect("data file");

    // KM: best of 3 and the first run
    let mut best = f64::INFINITY;
    let mut first = 0.0;
    let mut fit = None;
    for k in 0..3 {
        let t0 = Instant::now();
        let f = survfit(&time, &event, &KmOptions::default()).unwrap();
        let el = t0.elapsed().as_secs_f64();
        if k == 0 {
            first = el;
        }
        best = best.min(el);
        fit = Some(f);
    }
    let fit = fit.unwrap();
    println!("netrx survfit n={n}: elapsed {first:.3} s (best of 3 {best:.3} s)");
    let m = fit.median();
    println!(
        "netrx km unique_times {} median {} lcl {} ucl {} surv365 {:.12}",
        fit.time.len(),
        m.time,
        m.lower,
        m.upper,
        fit.surv_at(365.0)
    );

    // log-rank, two groups alternating as in perf_r.R (g <- rep(1:2, length.out = n))
    let labels = vec!["g=1".to_string(), "g=2".to_string()];
    for nn in [n_lr, n] {
        let codes: Vec<u32> = (0..nn).map(|i| (i % 2) as u32).collect();
        let mut best = f64::INFINITY;
        let mut first = 0.0;
        let mut chisq = 0.0;
        for k in 0..3 {
            let t0 = Instant::now();
            let s = survdiff(
                &time[..nn],
                &event[..nn],
                &codes,
                &labels,
                None,
                &SurvdiffOptions::default(),
            )
            .unwrap();
            let el = t0.elapsed().as_secs_f64();
            if k == 0 {
                first = el;
            }
            best = best.min(el);
            chisq = s.chisq;
        }
        println!("netrx survdiff n={nn}: elapsed {first:.3} s (best of 3 {best:.3} s) chisq {chisq:.10}");
        if nn == n {
            break;
        }
    }
}
