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
//! Counting uses two Fenwick trees over the ranks of the score (all subjects
//! seen so far, and events seen so far) while walking backwards in time:
//! O(n log n), where R's own first implementation was O(n²).

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

struct Fenwick {
    tree: Vec<f64>,
    node: Vec<f64>,
    total: f64,
}

impl Fenwick {
    fn new(m: usize) -> Self {
        Fenwick {
            tree: vec![0.0; m + 1],
            node: vec![0.0; m],
            total: 0.0,
        }
    }
    fn add(&mut self, r: usize, w: f64) {
        self.node[r] += w;
        self.total += w;
        let mut i = r + 1;
        while i < self.tree.len() {
            self.tree[i] += w;
            i += i & i.wrapping_neg();
        }
    }
    /// sum of weights with rank < r
    fn below(&self, r: usize) -> f64 {
        let mut s = 0.0;
        let mut i = r;
        while i > 0 {
            s += self.tree[i];
            i &= i - 1;
        }
        s
    }
    /// (greater, less, equal) weight relative to rank r
    fn query(&self, r: usize) -> [f64; 3] {
        let less = self.below(r);
        let eq = self.node[r];
        [self.total - less - eq, less, eq]
    }
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
    // ranks of the score
    let mut u: Vec<f64> = risk.to_vec();
    u.sort_by(|a, b| a.total_cmp(b));
    u.dedup();
    let rank: Vec<usize> = risk
        .iter()
        .map(|v| u.partition_point(|x| x.total_cmp(v).is_lt()))
        .collect();
    let m = u.len().max(1);

    // observation order: by stratum, then time descending, censored first, score ascending
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_unstable_by(|&a, &b| {
        let sa = strata.map(|s| s[a]).unwrap_or(0);
        let sb = strata.map(|s| s[b]).unwrap_or(0);
        sa.cmp(&sb)
            .then(time[b].total_cmp(&time[a]))
            .then(status[a].cmp(&status[b]))
            .then(rank[a].cmp(&rank[b]))
            .then(a.cmp(&b))
    });

    let mut count = [0.0f64; 5];
    let mut imat = vec![[0.0f64; 3]; n];
    let mut start = 0;
    while start < n {
        let s0 = strata.map(|s| s[idx[start]]).unwrap_or(0);
        let mut end = start;
        while end < n && strata.map(|s| s[idx[end]]).unwrap_or(0) == s0 {
            end += 1;
        }
        let mut all = Fenwick::new(m);
        let mut dead = Fenwick::new(m);
        let mut i = start;
        while i < end {
            let ii = idx[i];
            if !status[ii] {
                let q = dead.query(rank[ii]);
                imat[ii][0] -= q[1];
                imat[ii][1] -= q[0];
                imat[ii][2] -= q[2];
                all.add(rank[ii], wt(ii));
                i += 1;
                continue;
            }
            let mut j = i;
            while j < end && time[idx[j]] == time[ii] {
                j += 1;
            }
            // pass 1: count pairs with those at risk, tied-time pairs among the events
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
                let q = all.query(rank[jj]);
                for k in 0..3 {
                    count[k] += w * q[k];
                    imat[jj][k] += q[k];
                }
                dead.add(rank[jj], w);
            }
            // pass 2: influence bookkeeping and entry into the risk set
            for &jj in &idx[i..j] {
                let q = dead.query(rank[jj]);
                imat[jj][0] -= q[1];
                imat[jj][1] -= q[0];
                imat[jj][2] -= q[2];
                all.add(rank[jj], wt(jj));
            }
            i = j;
        }
        for &ii in &idx[start..end] {
            let q = dead.query(rank[ii]);
            imat[ii][0] += q[1];
            imat[ii][1] += q[0];
            imat[ii][2] += q[2];
        }
        start = end;
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
