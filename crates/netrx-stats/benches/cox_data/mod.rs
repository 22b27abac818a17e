//! Data for the Cox benchmarks: the binary files of `scripts/bench/perf_gen.py`
//! (raw little-endian f64, column-major [x1..x10, time, event]) when available, or a
//! synthetic stand-in from the same model generated here (so `cargo bench` works
//! without Python): X ~ N(0,1) p = 10, β = linspace(−0.5, 0.5), event ~ Exp(e^{xβ}/365),
//! censoring ~ U(0, 1095), times rounded up to whole days.
#![allow(dead_code, clippy::needless_range_loop)]

pub struct CoxBenchData {
    pub n: usize,
    pub x: Vec<Vec<f64>>,
    pub time: Vec<f64>,
    pub status: Vec<bool>,
    pub source: String,
}

pub fn read_bin(path: &str, n: usize) -> std::io::Result<CoxBenchData> {
    let bytes = std::fs::read(path)?;
    if bytes.len() != n * 12 * 8 {
        return Err(std::io::Error::other(format!(
            "{path}: {} bytes, expected {}",
            bytes.len(),
            n * 96
        )));
    }
    let v: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let x = (0..10).map(|j| v[j * n..(j + 1) * n].to_vec()).collect();
    let time = v[10 * n..11 * n].to_vec();
    let status = v[11 * n..12 * n].iter().map(|&e| e != 0.0).collect();
    Ok(CoxBenchData {
        n,
        x,
        time,
        status,
        source: path.to_string(),
    })
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        // xorshift64*, uniform in (0, 1)
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((r >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next(), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

pub fn synthetic(n: usize) -> CoxBenchData {
    let p = 10;
    let mut rng = Rng(20240611);
    let beta: Vec<f64> = (0..p).map(|j| -0.5 + j as f64 / (p - 1) as f64).collect();
    let x: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
    let mut time = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    for i in 0..n {
        let lp: f64 = (0..p).map(|j| x[j][i] * beta[j]).sum();
        let te = -rng.next().ln() * 365.0 / lp.exp();
        let tc = rng.next() * 1095.0;
        time.push(te.min(tc).ceil());
        status.push(te <= tc);
    }
    CoxBenchData {
        n,
        x,
        time,
        status,
        source: "synthetic (same model as perf_gen.py, days)".into(),
    }
}

/// The perf_gen.py file for `n` rows from `$NETRX_BENCH_DATA` if present, else synthetic data.
pub fn load(n: usize) -> CoxBenchData {
    if let Ok(dir) = std::env::var("NETRX_BENCH_DATA") {
        let path = format!("{dir}/perf_{n}_days.bin");
        if let Ok(d) = read_bin(&path, n) {
            return d;
        }
    }
    synthetic(n)
}
