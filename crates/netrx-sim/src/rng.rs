//! Counter-based random numbers: every random word a simulation uses is a pure function of
//! `(seed, draw, patient, slot)`, so a result is identical on 1 thread, 64 threads or 500
//! machines (ecosystem.md §6.1).
//!
//! * Patients: ChaCha8 keyed by `key(seed, PATIENTS)`, on stream `draw`; patient `p` owns
//!   the fixed block of `w` 64-bit words starting at word `p · w` of that keystream. A worker
//!   seeks once to the first patient of its block of patients and reads sequentially; where
//!   the block starts does not change any patient's numbers.
//! * PSA parameter draws: ChaCha8 keyed by `key(seed, PARAMS)`, on stream `draw`, read
//!   sequentially in parameter order.
//!
//! ChaCha8 is a counter-based (seekable) generator: a position in the keystream is a block
//! counter, which is what makes the per-patient blocks free to reach.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// Key domain of the per-patient streams.
pub const PATIENTS: u64 = 0x7061_7469_656e_7473; // "patients"
/// Key domain of the PSA parameter streams.
pub const PARAMS: u64 = 0x7061_7261_6d73_0000; // "params"

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 256-bit ChaCha key of a (seed, domain) pair (SplitMix64 expansion).
pub fn key(seed: u64, domain: u64) -> [u8; 32] {
    let mut s = seed ^ domain.rotate_left(17);
    let mut k = [0u8; 32];
    for chunk in k.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut s).to_le_bytes());
    }
    k
}

/// The keystream of the patients of one draw, positioned at a patient.
pub struct PatientStream {
    rng: ChaCha8Rng,
}

impl PatientStream {
    /// Positioned at patient `first` of draw `draw`, each patient owning `words` u64 words.
    pub fn new(seed: u64, draw: u64, first: u64, words: usize) -> PatientStream {
        let mut rng = ChaCha8Rng::from_seed(key(seed, PATIENTS));
        rng.set_stream(draw);
        // word_pos counts 32-bit words.
        rng.set_word_pos(first as u128 * words as u128 * 2);
        PatientStream { rng }
    }

    /// Fill the next patient's block.
    #[inline]
    pub fn next_patient(&mut self, block: &mut [u64]) {
        for w in block.iter_mut() {
            *w = self.rng.next_u64();
        }
    }
}

/// Uniform on (0, 1] from the top 53 bits of a word (never 0, so `ln` is finite).
#[inline(always)]
pub fn unit_open0(w: u64) -> f64 {
    ((w >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A Bernoulli threshold: `u32 < threshold(p)` has probability `p` to within 2⁻³².
#[inline]
pub fn threshold(p: f64) -> u64 {
    if p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        1u64 << 32
    } else {
        (p * 4_294_967_296.0).round() as u64
    }
}

/// The `i`-th 32-bit half of a block (two per word), as a u64 for comparison with [`threshold`].
#[inline(always)]
pub fn half(block: &[u64], i: usize) -> u64 {
    let w = block[i >> 1];
    if i & 1 == 0 { w >> 32 } else { w & 0xFFFF_FFFF }
}

/// The sequential generator of one PSA draw's parameters.
pub struct ParamStream {
    rng: ChaCha8Rng,
    spare: Option<f64>,
}

impl ParamStream {
    /// The parameter stream of draw `draw`.
    pub fn new(seed: u64, draw: u64) -> ParamStream {
        let mut rng = ChaCha8Rng::from_seed(key(seed, PARAMS));
        rng.set_stream(draw);
        ParamStream { rng, spare: None }
    }

    /// Uniform on (0, 1].
    pub fn uniform(&mut self) -> f64 {
        unit_open0(self.rng.next_u64())
    }

    /// Standard normal (Box–Muller, pairs).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * self.uniform()).sin_cos();
        self.spare = Some(r * s);
        r * c
    }

    /// Gamma(shape, 1) (Marsaglia & Tsang 2000; shape < 1 by the boost U^(1/shape)).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// Beta(a, b) from two gammas.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a);
        let y = self.gamma(b);
        x / (x + y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patient_blocks_do_not_depend_on_where_reading_starts() {
        let w = 7;
        let mut seq = PatientStream::new(11, 3, 0, w);
        let mut all = vec![vec![0u64; w]; 20];
        for b in all.iter_mut() {
            seq.next_patient(b);
        }
        for (i, b) in all.iter().enumerate() {
            let mut x = vec![0u64; w];
            PatientStream::new(11, 3, i as u64, w).next_patient(&mut x);
            assert_eq!(&x, b, "patient {i}");
        }
        let mut other_draw = vec![0u64; w];
        PatientStream::new(11, 4, 0, w).next_patient(&mut other_draw);
        assert_ne!(other_draw, all[0]);
        let mut other_seed = vec![0u64; w];
        PatientStream::new(12, 3, 0, w).next_patient(&mut other_seed);
        assert_ne!(other_seed, all[0]);
    }

    #[test]
    fn uniforms_and_thresholds() {
        assert!(unit_open0(0) > 0.0);
        assert_eq!(unit_open0(u64::MAX), 1.0);
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), 1 << 32);
        assert_eq!(threshold(0.5), 1 << 31);
        let b = [0x0000_0001_0000_0002u64];
        assert_eq!(half(&b, 0), 1);
        assert_eq!(half(&b, 1), 2);
    }

    #[test]
    fn gamma_and_beta_moments() {
        // 100 000 draws; mean of Gamma(k) is k (sd √k / √n), Beta(2, 5) mean 2/7 (sd 0.16/√n).
        let mut s = ParamStream::new(5, 0);
        let n = 100_000;
        for k in [0.5, 2.0, 9.0] {
            let m: f64 = (0..n).map(|_| s.gamma(k)).sum::<f64>() / n as f64;
            assert!((m - k).abs() < 5.0 * (k / n as f64).sqrt(), "gamma({k}) mean {m}");
        }
        let m: f64 = (0..n).map(|_| s.beta(2.0, 5.0)).sum::<f64>() / n as f64;
        assert!((m - 2.0 / 7.0).abs() < 5.0 * 0.16 / (n as f64).sqrt(), "beta mean {m}");
    }
}
