//! The per-iteration pass of the Cox fit: log partial likelihood, score vector and
//! information matrix at β from one backward walk over the sorted data with running sums
//! (O(n·p²) per iteration, never a scan of a risk set).
//!
//! Per tie group (walking backwards through time), the running sums of the risk set are
//! D = Σ wᵢ e^{ηᵢ}, a = Σ wᵢ e^{ηᵢ} xᵢ and C = Σ wᵢ e^{ηᵢ} xᵢ xᵢᵀ (lower triangle only); the
//! group's events are summed separately (D₂, a₂, C₂) for Efron's correction, which then
//! costs O(p²) per group instead of R's O(d·p²) (closed-form sums over its d sub-steps).
//!
//! How it is made fast without changing a single rounding:
//! * **Each accumulator receives exactly the same additions in exactly the same order** as the
//!   straightforward one-row-at-a-time code (and therefore the same bits): a tie group's
//!   event rows all go to (D₂, a₂, C₂) and its censored rows to (D, a, C), so visiting the
//!   events first and the censored rows second (each in sorted order, [`Prepared::perm`])
//!   changes no accumulator's sequence; products are formed as `(w e^η · xᵢ) · xⱼ` as before.
//!   Nothing is reassociated and nothing is fused (no FMA): every lane of a vector
//!   instruction is one independent accumulator.
//! * **Rank-4 blocks**: four rows are added into each entry of C while it sits in a register
//!   (one load and one store per entry per four rows instead of per row).
//! * **Padded triangle**: row i of the triangle holds columns 0..len(i), len(i) = i + 1
//!   rounded up to a multiple of [`LANES`], and the design rows are padded with zeros to the
//!   same stride, so every inner loop runs over whole 4-wide chunks with no bounds checks and
//!   no remainder loop. The extra entries (j > i) are computed and never read.
//! * **AVX when the CPU has it**: the same code compiled a second time with AVX enabled
//!   (4 doubles per instruction instead of SSE2's 2), chosen at run time. Only `avx` is
//!   enabled, not `fma`, so results are identical on every x86-64 CPU (a unit test compares
//!   both paths bit for bit).

use super::Prepared;

/// Width of the padded rows and triangle rows (AVX: 4 doubles).
pub(crate) const LANES: usize = 4;

/// Row stride for p columns: p rounded up to a multiple of [`LANES`].
pub(crate) fn padded(p: usize) -> usize {
    p.div_ceil(LANES) * LANES
}

/// The padded lower triangle of a p×p symmetric matrix: row i at `off[i]`, with
/// `padded(i + 1)` entries (rows in bands of four of equal length).
struct Tri {
    off: Vec<usize>,
    size: usize,
}

impl Tri {
    fn new(p: usize) -> Tri {
        let mut off = Vec::with_capacity(p);
        let mut size = 0;
        for i in 0..p {
            off.push(size);
            size += padded(i + 1);
        }
        Tri { off, size }
    }
}

/// Log partial likelihood at `beta` (scaled coordinates), with the score vector `u` (p) and
/// the information matrix `imat` (p×p, row-major, full) written in place.
pub(crate) fn iterate(prep: &Prepared, beta: &[f64], efron: bool, u: &mut [f64], imat: &mut [f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: `iterate_avx` only needs the AVX instruction set, which the CPU has
            // (checked just above).
            return unsafe { iterate_avx(prep, beta, efron, u, imat) };
        }
    }
    iterate_dispatch(prep, beta, efron, u, imat)
}

/// [`iterate_dispatch`] compiled with AVX (no FMA, so bit-identical to the baseline build).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn iterate_avx(prep: &Prepared, beta: &[f64], efron: bool, u: &mut [f64], imat: &mut [f64]) -> f64 {
    iterate_dispatch(prep, beta, efron, u, imat)
}

/// The row width (in 4-lane chunks) as a compile-time constant for up to 16 columns, so that
/// the inner loops have fixed trip counts; any width otherwise.
#[inline(always)]
fn iterate_dispatch(prep: &Prepared, beta: &[f64], efron: bool, u: &mut [f64], imat: &mut [f64]) -> f64 {
    match prep.ps / LANES {
        1 => iterate_body(prep, beta, efron, u, imat, 1),
        2 => iterate_body(prep, beta, efron, u, imat, 2),
        3 => iterate_body(prep, beta, efron, u, imat, 3),
        4 => iterate_body(prep, beta, efron, u, imat, 4),
        nc => iterate_body(prep, beta, efron, u, imat, nc),
    }
}

/// Running sums of one kind of row (a group's events, or the risk set): Σ w, Σ w e^η, and for
/// events Σ w η (the log-likelihood's first term) and Σ w x (the score's).
struct Sums<'a> {
    wsum: f64,
    denom: f64,
    ll: f64,
    u: &'a mut [f64],
}

#[inline(always)]
fn iterate_body(prep: &Prepared, beta: &[f64], efron: bool, u: &mut [f64], imat: &mut [f64], nc: usize) -> f64 {
    let p = prep.p;
    let ps = nc * LANES;
    assert_eq!(ps, prep.ps, "row stride");
    let tri = Tri::new(p);
    // β and u padded to the row stride (the padding columns of x are zero); the information
    // matrix accumulated in the padded triangle and copied out at the end
    let mut bp = vec![0.0; ps];
    bp[..p].copy_from_slice(beta);
    let mut up = vec![0.0; ps];
    let mut info = vec![0.0; tri.size];
    // risk-set sums (a, cmat) and the current group's events (a2, cmat2)
    let mut a = vec![0.0; ps];
    let mut a2 = vec![0.0; ps];
    let mut cmat = vec![0.0; tri.size];
    let mut cmat2 = vec![0.0; tri.size];
    let mut scratch = vec![0.0; 4 * ps];
    let mut unused = [0.0; 0];
    let mut denom = 0.0;
    let mut ll = 0.0;
    for g in prep.groups.iter().rev() {
        if g.last_in_stratum {
            denom = 0.0;
            a.fill(0.0);
            cmat.fill(0.0);
        }
        let nd = g.ndead;
        let (ev, ce) = prep.perm[g.start..g.end].split_at(nd);
        let mut cens = Sums {
            wsum: 0.0,
            denom,
            ll: 0.0,
            u: &mut unused,
        };
        segment::<false>(prep, nc, &tri, &bp, ce, &mut cens, &mut a, &mut cmat, &mut scratch);
        denom = cens.denom;
        if nd == 0 {
            continue;
        }
        if nd == 1 {
            // One death: its terms go straight into the risk-set sums. The same bits as
            // summing it on its own first (0 + t = t exactly) and adding that.
            let mut evs = Sums {
                wsum: 0.0,
                denom: 0.0,
                ll,
                u: &mut up,
            };
            segment::<true>(prep, nc, &tri, &bp, ev, &mut evs, &mut a, &mut cmat, &mut scratch);
            let deadwt = evs.wsum;
            ll = evs.ll;
            denom += evs.denom;
            ll -= deadwt * denom.ln();
            add_information(&mut up, &mut info, &a, &cmat, denom, deadwt, p, nc);
            continue;
        }
        let mut evs = Sums {
            wsum: 0.0,
            denom: 0.0,
            ll,
            u: &mut up,
        };
        segment::<true>(prep, nc, &tri, &bp, ev, &mut evs, &mut a2, &mut cmat2, &mut scratch);
        let (deadwt, denom2) = (evs.wsum, evs.denom);
        ll = evs.ll;
        if !efron {
            denom += denom2;
            ll -= deadwt * denom.ln();
            add_to(&mut a, &a2);
            add_to(&mut cmat, &cmat2);
            add_information(&mut up, &mut info, &a, &cmat, denom, deadwt, p, nc);
        } else {
            // Efron: the d tied deaths enter the k-th term with fraction f_k = (k+1)/d,
            // D_k = D + f_k·E. The d terms of the score and information are sums of
            // a_k/D_k and (C_k − a_k a_kᵀ/D_k)/D_k with a_k = a + f_k a₂, C_k = C + f_k C₂,
            // so they need only five scalar sums over k and O(p²) work per tie group
            // (R's coxfit6 does O(d·p²)); identical up to rounding.
            let ndf = nd as f64;
            let wtave = deadwt / ndf;
            let (mut s_i, mut s_f, mut s_i2, mut s_f2, mut s_ff2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for k in 0..nd {
                let f = (k + 1) as f64 / ndf;
                let d = denom + f * denom2;
                ll -= wtave * d.ln();
                let inv = 1.0 / d;
                let inv2 = inv * inv;
                s_i += inv;
                s_f += f * inv;
                s_i2 += inv2;
                s_f2 += f * inv2;
                s_ff2 += f * f * inv2;
            }
            for i in 0..p {
                up[i] -= wtave * (a[i] * s_i + a2[i] * s_f);
            }
            let mut o = 0;
            for ib in 0..nc {
                let len = (ib + 1) * LANES;
                for i in ib * LANES..(ib * LANES + LANES).min(p) {
                    let (ai, a2i) = (a[i], a2[i]);
                    let c = &cmat[o..o + len];
                    let c2 = &cmat2[o..o + len];
                    let out = &mut info[o..o + len];
                    for (t, o4) in out.chunks_exact_mut(LANES).enumerate() {
                        let r = t * LANES..t * LANES + LANES;
                        let (c, c2, aj, a2j) = (&c[r.clone()], &c2[r.clone()], &a[r.clone()], &a2[r]);
                        for l in 0..LANES {
                            let v = c[l] * s_i + c2[l] * s_f
                                - (ai * aj[l] * s_i2 + (ai * a2j[l] + a2i * aj[l]) * s_f2 + a2i * a2j[l] * s_ff2);
                            o4[l] += wtave * v;
                        }
                    }
                    o += len;
                }
            }
            denom += denom2;
            add_to(&mut a, &a2);
            add_to(&mut cmat, &cmat2);
        }
        a2.fill(0.0);
        cmat2.fill(0.0);
    }
    u.copy_from_slice(&up[..p]);
    for i in 0..p {
        let o = tri.off[i];
        for j in 0..=i {
            imat[i * p + j] = info[o + j];
            imat[j * p + i] = info[o + j];
        }
    }
    ll
}

#[inline(always)]
fn add_to(dst: &mut [f64], src: &[f64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d += s;
    }
}

/// Score and information contributions of one event time (Breslow, or a single death):
/// u −= w·a/D, I += w·(C − (a/D) aᵀ)/D on the (padded) lower triangle.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn add_information(u: &mut [f64], info: &mut [f64], a: &[f64], cmat: &[f64], denom: f64, wt: f64, p: usize, nc: usize) {
    let mut o = 0;
    for ib in 0..nc {
        let len = (ib + 1) * LANES;
        for i in ib * LANES..(ib * LANES + LANES).min(p) {
            let mi = a[i] / denom;
            u[i] -= wt * mi;
            let c = &cmat[o..o + len];
            let out = &mut info[o..o + len];
            for (t, o4) in out.chunks_exact_mut(LANES).enumerate() {
                let r = t * LANES..t * LANES + LANES;
                let (c, aj) = (&c[r.clone()], &a[r]);
                for l in 0..LANES {
                    o4[l] += wt * (c[l] - mi * aj[l]) / denom;
                }
            }
            o += len;
        }
    }
}

/// One kind of row of a tie group (`EVENT`: its events; else its censored rows), in order:
/// risk scores, the scalar sums, and a += r·x, C += (r·x) xᵀ (four rows per pass over C).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn segment<const EVENT: bool>(
    prep: &Prepared,
    nc: usize,
    tri: &Tri,
    beta: &[f64],
    rows: &[u32],
    sums: &mut Sums<'_>,
    a: &mut [f64],
    cmat: &mut [f64],
    scratch: &mut [f64],
) {
    let mut rc = rows.chunks_exact(4);
    for r4 in &mut rc {
        block::<4, EVENT>(prep, nc, tri, beta, r4, sums, a, cmat, scratch);
    }
    for r1 in rc.remainder().chunks(1) {
        block::<1, EVENT>(prep, nc, tri, beta, r1, sums, a, cmat, scratch);
    }
}

/// R rows at once. Each accumulator receives the R rows' terms in row order; each entry of
/// `a` and C is loaded and stored once per block.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn block<const R: usize, const EVENT: bool>(
    prep: &Prepared,
    nc: usize,
    tri: &Tri,
    beta: &[f64],
    rows: &[u32],
    sums: &mut Sums<'_>,
    a: &mut [f64],
    cmat: &mut [f64],
    scratch: &mut [f64],
) {
    let p = prep.p;
    let ps = nc * LANES;
    assert!(p <= ps && cmat.len() >= tri.size && a.len() >= ps);
    let idx: [usize; R] = std::array::from_fn(|m| rows[m] as usize);
    let xr: [&[f64]; R] = std::array::from_fn(|m| &prep.x[idx[m] * ps..][..ps]);
    // linear predictors, R independent chains (each summed in column order, as before)
    let mut z: [f64; R] = std::array::from_fn(|m| prep.off[idx[m]]);
    let xp: [&[f64]; R] = std::array::from_fn(|m| &xr[m][..p]);
    for (j, &bj) in beta[..p].iter().enumerate() {
        for m in 0..R {
            z[m] += bj * xp[m][j];
        }
    }
    let w: [f64; R] = std::array::from_fn(|m| prep.wt[idx[m]]);
    let rk: [f64; R] = std::array::from_fn(|m| z[m].exp() * w[m]);
    for m in 0..R {
        sums.denom += rk[m];
        if EVENT {
            sums.wsum += w[m];
            sums.ll += w[m] * z[m];
        }
    }
    if EVENT {
        let u = &mut sums.u[..ps];
        for (t, u4) in u.chunks_exact_mut(LANES).enumerate() {
            let mut v = [u4[0], u4[1], u4[2], u4[3]];
            for m in 0..R {
                let y = &xr[m][t * LANES..t * LANES + LANES];
                for l in 0..LANES {
                    v[l] += w[m] * y[l];
                }
            }
            u4.copy_from_slice(&v);
        }
    }
    // s_m = r_m·x_m (the same products the one-row code forms)
    let (sc, _) = scratch.split_at_mut(R * ps);
    for m in 0..R {
        for (s, &v) in sc[m * ps..(m + 1) * ps].iter_mut().zip(xr[m]) {
            *s = rk[m] * v;
        }
    }
    let sr: [&[f64]; R] = std::array::from_fn(|m| &sc[m * ps..(m + 1) * ps]);
    for (t, a4) in a[..ps].chunks_exact_mut(LANES).enumerate() {
        let mut v = [a4[0], a4[1], a4[2], a4[3]];
        for m in 0..R {
            let y = &sr[m][t * LANES..t * LANES + LANES];
            for l in 0..LANES {
                v[l] += y[l];
            }
        }
        a4.copy_from_slice(&v);
    }
    // the triangle, by bands of four rows (band ib: rows 4ib..4ib+3, ib+1 chunks each)
    let mut o = 0;
    for ib in 0..nc {
        let len = (ib + 1) * LANES;
        for i in ib * LANES..(ib * LANES + LANES).min(p) {
            let b: [f64; R] = std::array::from_fn(|m| sr[m][i]);
            let c = &mut cmat[o..o + len];
            for (t, c4) in c.chunks_exact_mut(LANES).enumerate() {
                let mut v = [c4[0], c4[1], c4[2], c4[3]];
                for m in 0..R {
                    let y = &xr[m][t * LANES..t * LANES + LANES];
                    for l in 0..LANES {
                        v[l] += b[m] * y[l];
                    }
                }
                c4.copy_from_slice(&v);
            }
            o += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cox::{CoxData, Scaling};

    /// The AVX build and the baseline build give the same bits (no FMA, no reassociation).
    #[test]
    fn avx_and_baseline_paths_agree_bit_for_bit() {
        let n = 997;
        let p = 7;
        let mut s = 12345u64;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let x: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| next() * 4.0 - 2.0).collect()).collect();
        let time: Vec<f64> = (0..n).map(|_| (next() * 60.0).ceil()).collect();
        let status: Vec<bool> = (0..n).map(|_| next() < 0.6).collect();
        let w: Vec<f64> = (0..n).map(|_| 0.5 + next()).collect();
        let cols: Vec<&[f64]> = x.iter().map(|c| c.as_slice()).collect();
        let mut d = CoxData::new(&time, &status, cols, (0..p).map(|j| format!("x{j}")).collect());
        d.weights = Some(&w);
        let off = vec![0.0; n];
        let prep = Prepared::new(&d, &time, &off, &[], Scaling::MeanAbsDev);
        let beta: Vec<f64> = (0..p).map(|j| 0.1 * j as f64 - 0.3).collect();
        for efron in [true, false] {
            let (mut u1, mut i1) = (vec![0.0; p], vec![0.0; p * p]);
            let (mut u2, mut i2) = (vec![0.0; p], vec![0.0; p * p]);
            let l1 = iterate(&prep, &beta, efron, &mut u1, &mut i1);
            let l2 = iterate_dispatch(&prep, &beta, efron, &mut u2, &mut i2);
            assert_eq!(l1.to_bits(), l2.to_bits());
            assert!(u1.iter().zip(&u2).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(i1.iter().zip(&i2).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(l1.is_finite() && i1[0] > 0.0);
        }
    }
}
