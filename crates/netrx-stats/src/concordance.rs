//! Harrell's concordance (C statistic) of a risk score with right-censored
//! survival, as R ≥ 3.0 `concordance()` computes it for a Cox model
//! (`concordancefit(y, lp, strata, weights, cluster, reverse = TRUE,
//! timewt = "n")`), with its infinitesimal-jackknife standard error.
//!
//! A pair is comparable when the shorter time is an event; an observation
//! censored at an event time counts as still at risk then. Pairs tied on time
//! (both events) are `tied_y` (both tied on time and score: `tied_xy`) and are
//! excluded; pairs tied on the score count one half:
//! C = (concordant + tied_x/2) / (concordant + discordant + tied_x).
//! "Concordant" means the higher risk score had the shorter survival
//! (`reverse = TRUE`, right for a Cox linear predictor). Pairs never cross strata.
//!
//! The SE is the infinitesimal jackknife: each observation's influence on
//! Somers' d from the (weighted) counts of concordant, discordant and x-tied
//! pairs it belongs to, summed within clusters; var(C) = Σ dfbeta² / 4.
//! Counting is an offline dominance count over the sequence "enter the risk set /
//! event asks" in reverse time, by merge sort on the score ranks: O(n log n) with
//! sequential memory access (R uses a balanced tree, also O(n log n)); the orderings are
//! stable radix sorts.

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

use crate::linalg::radix_sort_pairs;

/// Pair counts, C and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Concordance {
    /// Weighted number of concordant pairs.
    pub concordant: f64,
    /// Discordant pairs.
    pub discordant: f64,
    /// Comparable pairs tied on the score.
    pub tied_x: f64,
    /// Pairs tied on time (both events), not tied on the score.
    pub tied_y: f64,
    /// Pairs tied on both.
    pub tied_xy: f64,
    /// C statistic (NaN if there is no comparable pair).
    pub concordance: f64,
    /// Its standard error (infinitesimal jackknife).
    pub std_err: f64,
}

/// One element of the offline pair-counting sequence: an observation entering the
/// risk set (`insert`) or an event asking how many of those already in it have a
/// higher, lower or equal score (`query`).
#[derive(Clone, Copy)]
struct Ev {
    rank: u32,
    /// observation index, with the top bit set for a query
    tag: u32,
    w: f64,
}

const QUERY: u32 = 1 << 31;

impl Ev {
    #[inline]
    fn query(&self) -> bool {
        self.tag & QUERY != 0
    }
    #[inline]
    fn id(&self) -> usize {
        (self.tag & !QUERY) as usize
    }
}

/// For every query, the weight of earlier inserts with greater / less / equal rank;
/// for every insert, the weight of later queries with greater / less / equal rank.
/// Bottom-up merge sort on the rank (CDQ divide and conquer over the sequence order):
/// O(m log m) with sequential memory access, much faster than a Fenwick tree over
/// a million distinct scores, whose every update misses the cache.
fn count_pairs(seq: &mut Vec<Ev>, qres: &mut [[f64; 3]], ires: &mut [[f64; 3]]) {
    let m = seq.len();
    let mut buf = seq.clone();
    let mut cum = vec![0.0f64; m + 1];
    let mut width = 1;
    while width < m {
        let mut start = 0;
        while start + width < m {
            let mid = start + width;
            let end = (start + 2 * width).min(m);
            let (l, r) = (&seq[start..mid], &seq[mid..end]);
            // right queries against left inserts
            cum[0] = 0.0;
            for (i, e) in l.iter().enumerate() {
                cum[i + 1] = cum[i] + if e.query() { 0.0 } else { e.w };
            }
            let tot = cum[l.len()];
            if tot > 0.0 {
                let (mut p1, mut p2) = (0, 0);
                for e in r.iter().filter(|e| e.query()) {
                    while p1 < l.len() && l[p1].rank < e.rank {
                        p1 += 1;
                    }
                    p2 = p2.max(p1);
                    while p2 < l.len() && l[p2].rank <= e.rank {
                        p2 += 1;
                    }
                    let q = &mut qres[e.id()];
                    q[0] += tot - cum[p2];
                    q[1] += cum[p1];
                    q[2] += cum[p2] - cum[p1];
                }
            }
            // left inserts against right queries
            cum[0] = 0.0;
            for (i, e) in r.iter().enumerate() {
                cum[i + 1] = cum[i] + if e.query() { e.w } else { 0.0 };
            }
            let tot = cum[r.len()];
            if tot > 0.0 {
                let (mut p1, mut p2) = (0, 0);
                for e in l.iter().filter(|e| !e.query()) {
                    while p1 < r.len() && r[p1].rank < e.rank {
                        p1 += 1;
                    }
                    p2 = p2.max(p1);
                    while p2 < r.len() && r[p2].rank <= e.rank {
                        p2 += 1;
                    }
                    let q = &mut ires[e.id()];
                    q[0] += tot - cum[p2];
                    q[1] += cum[p1];
                    q[2] += cum[p2] - cum[p1];
                }
            }
            // merge by rank (stable)
            let (mut i, mut j, mut k) = (0, 0, start);
            while i < l.len() && j < r.len() {
                if r[j].rank < l[i].rank {
                    buf[k] = r[j];
                    j += 1;
                } else {
                    buf[k] = l[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + l.len() - i].copy_from_slice(&l[i..]);
            k += l.len() - i;
            buf[k..k + r.len() - j].copy_from_slice(&r[j..]);
            start = end;
        }
        if start < m {
            buf[start..m].copy_from_slice(&seq[start..m]);
        }
        std::mem::swap(seq, &mut buf);
        width *= 2;
    }
}

/// A u64 whose unsigned order is the order of the f64 (−0 and 0 are made equal).
fn score_key(v: f64) -> u64 {
    let v = if v == 0.0 { 0.0 } else { v };
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Concordance of `risk` (higher = worse prognosis) with (`time`, `status`).
pub fn concordance(
    time: &[f64],
    status: &[bool],
    risk: &[f64],
    strata: Option<&[u32]>,
    weights: Option<&[f64]>,
    cluster: Option<&[u32]>,
) -> Concordance {
    let n = time.len();
    let wt = |i: usize| weights.map(|w| w[i]).unwrap_or(1.0);
    // ranks of the score (equal values share a rank), from one radix sort of packed keys
    let mut keys: Vec<(u64, u32)> = risk
        .iter()
        .enumerate()
        .map(|(i, &v)| (score_key(v), i as u32))
        .collect();
    radix_sort_pairs(&mut keys);
    let mut rank = vec![0usize; n];
    let mut r = 0usize;
    for k in 0..n {
        if k > 0 && keys[k].0 != keys[k - 1].0 {
            r += 1;
        }
        rank[keys[k].1 as usize] = r;
    }

    // observation order: by stratum, then time descending, censored first, score ascending
    // (stable LSD: least significant key first)
    for k in keys.iter_mut() {
        let i = k.1 as usize;
        k.0 = ((status[i] as u64) << 32) | rank[i] as u64;
    }
    radix_sort_pairs(&mut keys);
    for k in keys.iter_mut() {
        k.0 = !score_key(time[k.1 as usize]);
    }
    radix_sort_pairs(&mut keys);
    if let Some(s) = strata {
        for k in keys.iter_mut() {
            k.0 = s[k.1 as usize] as u64;
        }
        radix_sort_pairs(&mut keys);
    }
    let idx: Vec<usize> = keys.iter().map(|k| k.1 as usize).collect();
    drop(keys);

    let mut count = [0.0f64; 5];
    let mut imat = vec![[0.0f64; 3]; n];
    let mut qres = vec![[0.0f64; 3]; n];
    let mut ires = vec![[0.0f64; 3]; n];
    let mut seq: Vec<Ev> = Vec::with_capacity(n + n / 2);
    let mut start = 0;
    while start < n {
        let s0 = strata.map(|s| s[idx[start]]).unwrap_or(0);
        let mut end = start;
        while end < n && strata.map(|s| s[idx[end]]).unwrap_or(0) == s0 {
            end += 1;
        }
        // The sequence in reverse time: censored observations enter the risk set as met (an
        // observation censored at an event time is still at risk then); the events of one
        // time first query, then enter (tied event times are not comparable).
        seq.clear();
        let mut i = start;
        while i < end {
            let ii = idx[i];
            if !status[ii] {
                seq.push(Ev {
                    rank: rank[ii] as u32,
                    tag: ii as u32,
                    w: wt(ii),
                });
                i += 1;
                continue;
            }
            let mut j = i;
            while j < end && time[idx[j]] == time[ii] {
                j += 1;
            }
            // tied on time (and on time and score) among these events
            let mut dwt = 0.0;
            let mut dwt2 = 0.0;
            let mut xsave = rank[ii];
            for &jj in &idx[i..j] {
                let w = wt(jj);
                count[3] += w * dwt;
                dwt += w;
                if rank[jj] != xsave {
                    dwt2 = 0.0;
                    xsave = rank[jj];
                }
                count[4] += w * dwt2;
                dwt2 += w;
                seq.push(Ev {
                    rank: rank[jj] as u32,
                    tag: jj as u32 | QUERY,
                    w,
                });
            }
            for &jj in &idx[i..j] {
                seq.push(Ev {
                    rank: rank[jj] as u32,
                    tag: jj as u32,
                    w: wt(jj),
                });
            }
            i = j;
        }
        count_pairs(&mut seq, &mut qres, &mut ires);
        start = end;
    }
    for i in 0..n {
        if status[i] {
            let w = wt(i);
            for k in 0..3 {
                count[k] += w * qres[i][k];
                imat[i][k] += qres[i][k];
            }
        }
        // as the later member of a pair, concordance flips
        imat[i][0] += ires[i][1];
        imat[i][1] += ires[i][0];
        imat[i][2] += ires[i][2];
    }
    count[3] -= count[4];

    let npair = count[0] + count[1] + count[2];
    let somer = (count[0] - count[1]) / npair;
    let dfb: Vec<f64> = (0..n)
        .map(|i| wt(i) * ((imat[i][0] - imat[i][1]) / npair - (somer / npair) * (imat[i][0] + imat[i][1] + imat[i][2])))
        .collect();
    let var = match cluster {
        Some(c) => {
            let mut keys: Vec<u32> = c.to_vec();
            keys.sort_unstable();
            keys.dedup();
            let mut s = vec![0.0; keys.len()];
            for i in 0..n {
                let k = keys.binary_search(&c[i]).unwrap_or(0);
                s[k] += dfb[i];
            }
            s.iter().map(|v| v * v).sum::<f64>() / 4.0
        }
        None => dfb.iter().map(|v| v * v).sum::<f64>() / 4.0,
    };
    // reverse = TRUE: a higher score should go with a shorter time
    Concordance {
        concordant: count[1],
        discordant: count[0],
        tied_x: count[2],
        tied_y: count[3],
        tied_xy: count[4],
        concordance: 1.0 - (somer + 1.0) / 2.0,
        std_err: var.sqrt(),
    }
}
