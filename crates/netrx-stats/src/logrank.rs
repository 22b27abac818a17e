//! The log-rank family of tests, exactly as R's `survdiff(Surv(time, status) ~ group +
//! strata(s), rho = ρ)` (survival 3.5-3, C routine `survdiff2`).
//!
//! At each distinct event time t_j within a stratum (n_j at risk, d_j events; n_gj, d_gj in
//! group g) and with the weight w_j = Ŝ(t_j−)^ρ (Ŝ = the pooled Kaplan–Meier of the stratum,
//! left-continuous; ρ = 0 is the log-rank test, ρ = 1 the Peto–Peto modification of the
//! Gehan–Wilcoxon test):
//! - O_g = Σ w_j d_gj, E_g = Σ w_j d_j n_gj / n_j (weighted sums, as R prints them);
//! - V_gh = Σ w_j² d_j (n_j − d_j)/(n_j − 1) · (n_gj/n_j)(δ_gh − n_hj/n_j) (hypergeometric;
//!   no term when n_j = 1).
//!
//! O, E and V are summed over strata; χ² = (O − E)ᵀ V⁻¹ (O − E) over the groups with E > 0,
//! leaving out the first of them; df = (number of groups with E > 0) − 1; p from the χ² upper
//! tail. Near-tied times are merged first as R's `timefix = TRUE` does (see [`crate::km`]).
//! Two sorts in total, then one linear pass per stratum.

use crate::dist;
use crate::km::{TIME_TOLERANCE, check_input, radix_sort, time_key, timefix_sorted_keys};
use netrx_case::InputError;
use serde::Serialize;

/// Options of [`survdiff`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurvdiffOptions {
    /// G-rho weight exponent ρ ≥ 0 (0 = log-rank, 1 = Peto–Peto).
    pub rho: f64,
    /// Merge near-tied times as R's `timefix = TRUE` (default true).
    pub timefix: bool,
}

impl Default for SurvdiffOptions {
    fn default() -> Self {
        SurvdiffOptions {
            rho: 0.0,
            timefix: true,
        }
    }
}

/// One row of R's printed `survdiff` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvdiffGroup {
    /// Group label (`sex=1`).
    pub group: String,
    /// Subjects.
    pub n: usize,
    /// Observed (weighted) events O.
    pub observed: f64,
    /// Expected (weighted) events E.
    pub expected: f64,
    /// (O − E)²/E.
    pub oe2_e: f64,
    /// (O − E)²/V (V = diagonal of the variance matrix).
    pub oe2_v: f64,
}

/// The result of [`survdiff`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survdiff {
    /// Per group, in level order.
    pub groups: Vec<SurvdiffGroup>,
    /// Variance matrix of O − E (K×K, row-major).
    pub var: Vec<f64>,
    /// The test statistic.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Upper-tail χ² p-value.
    pub p: f64,
    /// The weight exponent used.
    pub rho: f64,
    /// Number of strata.
    pub nstrata: usize,
}

/// R's `aeqSurv()` on a vector of (finite, non-negative) times: near-tied values replaced by the
/// smallest value of their run. Returns `None` when nothing changes.
pub fn aeq_times(time: &[f64]) -> Option<Vec<f64>> {
    // sorted distinct values (radix sort on the bit patterns of the non-negative times)
    let mut keys: Vec<u64> = time.iter().map(|&t| (t + 0.0).to_bits()).collect();
    let mut dummy = vec![0u32; keys.len()];
    radix_sort(&mut keys, &mut dummy);
    drop(dummy);
    keys.dedup();
    let u: Vec<f64> = keys.into_iter().map(f64::from_bits).collect();
    if u.len() < 2 {
        return None;
    }
    let mean_abs = u.iter().map(|v| v.abs()).sum::<f64>() / u.len() as f64;
    let mut cuts = Vec::with_capacity(u.len());
    cuts.push(u[0]);
    let mut any = false;
    for w in u.windows(2) {
        let dy = w[1] - w[0];
        if dy <= TIME_TOLERANCE || dy / mean_abs <= TIME_TOLERANCE {
            any = true;
        } else {
            cuts.push(w[1]);
        }
    }
    if !any {
        return None;
    }
    Some(
        time.iter()
            .map(|&t| cuts[cuts.partition_point(|&c| c <= t) - 1])
            .collect(),
    )
}

/// The G-rho test for K groups (`codes[i]` indexes `labels`), optionally stratified
/// (`strata[i]` any stratum code). Levels without observations are dropped, as R does.
pub fn survdiff(
    time: &[f64],
    event: &[bool],
    codes: &[u32],
    labels: &[String],
    strata: Option<&[u32]>,
    opts: &SurvdiffOptions,
) -> Result<Survdiff, InputError> {
    check_input(time, event, Some(codes))?;
    if strata.is_some_and(|s| s.len() != time.len()) {
        return Err(InputError::new(
            "strata",
            "strata codes and times have different lengths",
        ));
    }
    if !(opts.rho.is_finite() && opts.rho >= 0.0) {
        return Err(InputError::invalid(
            "rho",
            opts.rho,
            "a finite number ≥ 0 (0 = log-rank, 1 = Peto–Peto)",
        ));
    }
    if let Some(&c) = codes.iter().find(|&&c| c as usize >= labels.len()) {
        return Err(InputError::invalid(
            "group",
            format!("code {c}"),
            format!("codes below {}", labels.len()),
        ));
    }
    // keep only levels that occur
    let mut count = vec![0usize; labels.len()];
    for &c in codes {
        count[c as usize] += 1;
    }
    let used: Vec<usize> = (0..labels.len()).filter(|&k| count[k] > 0).collect();
    let k = used.len();
    if k < 2 {
        return Err(InputError::invalid(
            "group",
            format!(
                "only one group ({})",
                used.first().map(|&u| labels[u].as_str()).unwrap_or("none")
            ),
            "at least 2 groups to compare",
        ));
    }
    if !event.iter().any(|&e| e) {
        return Err(InputError::invalid(
            "event",
            "no events in the data",
            "at least one event (the test compares event counts)",
        ));
    }
    let mut remap = vec![0u32; labels.len()];
    for (new, &old) in used.iter().enumerate() {
        remap[old] = new as u32;
    }

    // stratum codes 0..nstrata
    let strata_codes: Option<Vec<u32>> = strata.map(|s| {
        let mut levels: Vec<u32> = s.to_vec();
        levels.sort_unstable();
        levels.dedup();
        s.iter().map(|v| levels.binary_search(v).unwrap_or(0) as u32).collect()
    });
    let nstrata = strata_codes
        .as_ref()
        .and_then(|c| c.iter().max())
        .map_or(1, |&m| m as usize + 1);
    // one sort of (time; stratum, group, event) packed into a u32 payload
    let gbits = usize::BITS - (k - 1).leading_zeros();
    let sbits = usize::BITS - nstrata.saturating_sub(1).leading_zeros();
    if gbits + sbits + 1 > 32 {
        return Err(InputError::invalid(
            "group",
            format!("{k} groups × {nstrata} strata"),
            "fewer groups × strata combinations (at most 2^31)",
        ));
    }
    let mut keys: Vec<u64> = time.iter().map(|&t| time_key(t)).collect();
    let mut vals: Vec<u32> = (0..time.len())
        .map(|i| {
            let s = strata_codes.as_ref().map_or(0, |c| c[i]);
            (s << (gbits + 1)) | (remap[codes[i] as usize] << 1) | event[i] as u32
        })
        .collect();
    radix_sort(&mut keys, &mut vals);
    if opts.timefix {
        timefix_sorted_keys(&mut keys);
    }
    let gmask = (1u32 << gbits) - 1;
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = vec![0.0; k * k];
    let mut present = 0;
    if nstrata == 1 {
        stratum_pass(&keys, &vals, k, gmask, opts.rho, &mut obs, &mut exp, &mut var);
        present = 1;
    } else {
        // stable counting sort by stratum keeps each stratum in time order
        let mut start = vec![0usize; nstrata + 1];
        for &v in &vals {
            start[(v >> (gbits + 1)) as usize + 1] += 1;
        }
        for s in 0..nstrata {
            start[s + 1] += start[s];
        }
        let mut pos = start.clone();
        let mut k2 = vec![0u64; keys.len()];
        let mut v2 = vec![0u32; vals.len()];
        for (&kk, &v) in keys.iter().zip(&vals) {
            let s = (v >> (gbits + 1)) as usize;
            k2[pos[s]] = kk;
            v2[pos[s]] = v;
            pos[s] += 1;
        }
        drop(keys);
        drop(vals);
        for s in 0..nstrata {
            let (a, b) = (start[s], start[s + 1]);
            if b > a {
                present += 1;
                stratum_pass(&k2[a..b], &v2[a..b], k, gmask, opts.rho, &mut obs, &mut exp, &mut var);
            }
        }
    }

    let n_per: Vec<usize> = used.iter().map(|&u| count[u]).collect();
    let groups: Vec<SurvdiffGroup> = (0..k)
        .map(|g| {
            let oe = obs[g] - exp[g];
            SurvdiffGroup {
                group: labels[used[g]].clone(),
                n: n_per[g],
                observed: obs[g],
                expected: exp[g],
                oe2_e: oe * oe / exp[g],
                oe2_v: oe * oe / var[g * k + g],
            }
        })
        .collect();
    let pos: Vec<usize> = (0..k).filter(|&g| exp[g] > 0.0).collect();
    let df = pos.len().saturating_sub(1);
    let chisq = if pos.len() < 2 {
        0.0
    } else {
        let sel = &pos[1..];
        let m = sel.len();
        let u: Vec<f64> = sel.iter().map(|&g| obs[g] - exp[g]).collect();
        let mut a = vec![0.0; m * m];
        for (r, &gr) in sel.iter().enumerate() {
            for (c, &gc) in sel.iter().enumerate() {
                a[r * m + c] = var[gr * k + gc];
            }
        }
        let x = solve_psd(&mut a, &u, m);
        u.iter().zip(&x).map(|(a, b)| a * b).sum()
    };
    let p = if df == 0 {
        f64::NAN
    } else {
        dist::pchisq_upper(chisq, df as f64)
    };
    Ok(Survdiff {
        groups,
        var,
        chisq,
        df,
        p,
        rho: opts.rho,
        nstrata: present,
    })
}

/// One stratum, keys sorted by time: accumulate O, E, V.
#[allow(clippy::too_many_arguments)]
fn stratum_pass(
    keys: &[u64],
    vals: &[u32],
    k: usize,
    gmask: u32,
    rho: f64,
    obs: &mut [f64],
    exp: &mut [f64],
    var: &mut [f64],
) {
    let n = keys.len();
    let mut risk = vec![0.0f64; k];
    for &v in vals {
        risk[((v >> 1) & gmask) as usize] += 1.0;
    }
    let mut d = vec![0.0f64; k];
    let mut c = vec![0.0f64; k];
    let mut nrisk = n as f64;
    let mut km = 1.0f64;
    let mut i = 0;
    while i < n {
        let key = keys[i];
        let mut deaths = 0.0;
        let start = i;
        while i < n && keys[i] == key {
            let v = vals[i];
            let g = ((v >> 1) & gmask) as usize;
            if v & 1 == 1 {
                d[g] += 1.0;
                deaths += 1.0;
            } else {
                c[g] += 1.0;
            }
            i += 1;
        }
        if deaths > 0.0 {
            let w = if rho == 0.0 { 1.0 } else { km.powf(rho) };
            for g in 0..k {
                obs[g] += w * d[g];
                exp[g] += w * deaths * risk[g] / nrisk;
            }
            if nrisk > 1.0 {
                let w2 = w * w;
                for j in 0..k {
                    let tmp = w2 * deaths * risk[j] * (nrisk - deaths) / (nrisk * (nrisk - 1.0));
                    var[j * k + j] += tmp;
                    for h in 0..k {
                        var[j * k + h] -= tmp * risk[h] / nrisk;
                    }
                }
            }
            km *= (nrisk - deaths) / nrisk;
        }
        for g in 0..k {
            risk[g] -= d[g] + c[g];
            d[g] = 0.0;
            c[g] = 0.0;
        }
        nrisk -= (i - start) as f64;
    }
}

/// Solve A x = b for a symmetric positive semi-definite A (m×m, row-major, overwritten) by
/// Cholesky; a pivot below 1e-10 of the largest diagonal is treated as a redundant direction
/// (that component of x set to 0), which gives a generalised-inverse solution.
pub(crate) fn solve_psd(a: &mut [f64], b: &[f64], m: usize) -> Vec<f64> {
    let maxdiag = (0..m).map(|i| a[i * m + i].abs()).fold(0.0, f64::max);
    let tol = 1e-10 * maxdiag.max(f64::MIN_POSITIVE);
    let mut ok = vec![true; m];
    // LDLᵀ in place (lower triangle)
    for j in 0..m {
        let mut djj = a[j * m + j];
        for p in 0..j {
            djj -= a[j * m + p] * a[j * m + p] * a[p * m + p];
        }
        if djj <= tol {
            ok[j] = false;
            a[j * m + j] = 0.0;
            for i in (j + 1)..m {
                a[i * m + j] = 0.0;
            }
            continue;
        }
        a[j * m + j] = djj;
        for i in (j + 1)..m {
            let mut s = a[i * m + j];
            for p in 0..j {
                s -= a[i * m + p] * a[j * m + p] * a[p * m + p];
            }
            a[i * m + j] = s / djj;
        }
    }
    // forward: L y = b
    let mut y = b.to_vec();
    for i in 0..m {
        for p in 0..i {
            y[i] -= a[i * m + p] * y[p];
        }
    }
    // diagonal
    for i in 0..m {
        y[i] = if ok[i] { y[i] / a[i * m + i] } else { 0.0 };
    }
    // back: Lᵀ x = y
    for i in (0..m).rev() {
        for p in (i + 1)..m {
            y[i] -= a[p * m + i] * y[p];
        }
        if !ok[i] {
            y[i] = 0.0;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aeq_merges_chains_to_the_smallest() {
        let t = [1.0, 1.0 + 1e-10, 2.0, 2.0 + 1e-9, 2.0 + 2e-9, 3.0];
        let f = aeq_times(&t).unwrap();
        assert_eq!(f, vec![1.0, 1.0, 2.0, 2.0, 2.0, 3.0]);
        assert!(aeq_times(&[1.0, 2.0, 3.0]).is_none());
    }

    #[test]
    fn solve_psd_solves() {
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let x = solve_psd(&mut a, &[2.0, 1.0], 2);
        assert!((x[0] - 0.5).abs() < 1e-14 && x[1].abs() < 1e-14);
    }

    #[test]
    fn errors() {
        let l = vec!["a".to_string(), "b".to_string()];
        let o = SurvdiffOptions::default();
        let e = survdiff(&[1.0, 2.0], &[true, false], &[0, 0], &l, None, &o).unwrap_err();
        assert!(e.message.contains("only one group"), "{e}");
        let e = survdiff(&[1.0, 2.0], &[false, false], &[0, 1], &l, None, &o).unwrap_err();
        assert!(e.message.contains("no events"), "{e}");
        let bad = SurvdiffOptions { rho: -1.0, ..o };
        assert!(survdiff(&[1.0, 2.0], &[true, false], &[0, 1], &l, None, &bad).is_err());
    }
}
