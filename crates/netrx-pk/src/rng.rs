//! Reproducible random numbers, so a simulation gives identical results on 1 or 64
//! threads (ecosystem.md §6.1): every random number is a pure function of the seed and
//! the index of the item (virtual patient, posterior draw) it belongs to.
//!
//! * [`Stream::new`]`(seed, index)`: ChaCha8 keyed by the seed, on stream `index`.
//! * [`Stream::for_patients`]: for populations, patient `i` reads the fixed block of
//!   words `[i·w, (i+1)·w)` of the ChaCha8 keystream keyed by the seed (stream 0), so a
//!   worker can read a run of consecutive patients sequentially (one keystream set-up per
//!   chunk instead of per patient) and the result is still independent of chunking.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// The generator for item `index` of a run seeded with `seed`: ChaCha8 keyed by
/// the seed, on stream `index`.
pub struct Stream {
    rng: ChaCha8Rng,
    spare: Option<f64>,
}

impl Stream {
    /// Stream `index` of `seed`.
    pub fn new(seed: u64, index: u64) -> Stream {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        Stream { rng, spare: None }
    }

    /// Words (u32) of keystream one patient uses when it draws `n_normals` normals
    /// (Box–Muller pairs of two u64 each).
    pub fn words_per_patient(n_normals: usize) -> u128 {
        4 * n_normals.div_ceil(2).max(1) as u128
    }

    /// Positioned at the block of patient `first` of a population run keyed by `seed`.
    pub fn for_patients(seed: u64, first: u64, words_per_patient: u128) -> Stream {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_word_pos(first as u128 * words_per_patient);
        Stream { rng, spare: None }
    }

    /// Draw the `n` standard normals of the next patient (whole Box–Muller pairs, an odd
    /// last value discarded, so each patient consumes exactly its block).
    #[inline]
    pub fn patient_normals(&mut self, out: &mut [f64]) {
        self.spare = None;
        for z in out.iter_mut() {
            *z = self.normal();
        }
        if out.is_empty() {
            self.normal();
            self.normal();
        }
        self.spare = None;
    }

    /// Uniform on (0, 1] with 53 random bits.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal deviate (Box–Muller; the second value of each pair is kept).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let r = (-2.0 * self.uniform_open0().ln()).sqrt();
        let (s, c) = (std::f64::consts::TAU * self.uniform_open0()).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<f64> = (0..4).map(|_| Stream::new(7, 3).normal()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Stream::new(7, 3).normal(), Stream::new(7, 4).normal());
        assert_ne!(Stream::new(7, 3).normal(), Stream::new(8, 3).normal());
    }

    #[test]
    fn patient_blocks_do_not_depend_on_where_reading_starts() {
        let w = Stream::words_per_patient(3);
        let mut seq = Stream::for_patients(5, 0, w);
        let mut all = vec![[0.0; 3]; 10];
        for p in all.iter_mut() {
            seq.patient_normals(p);
        }
        for (i, p) in all.iter().enumerate() {
            let mut z = [0.0; 3];
            Stream::for_patients(5, i as u64, w).patient_normals(&mut z);
            assert_eq!(&z, p, "patient {i}");
        }
    }

    #[test]
    fn normals_have_unit_moments() {
        // 200 000 draws: SE of the mean 0.0022, of the variance ~0.0032; 5 SE tolerances.
        let mut s = Stream::new(42, 0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!(mean.abs() < 0.011, "mean {mean}");
        assert!((var - 1.0).abs() < 0.016, "var {var}");
        let p = xs.iter().filter(|&&x| x < 1.959964).count() as f64 / n as f64;
        assert!((p - 0.975).abs() < 0.0018, "P(Z < 1.96) = {p}");
    }
}
