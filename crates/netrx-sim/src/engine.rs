//! The microsimulation engine: virtual patients through each sequence's lines, in parallel
//! (rayon), with results that depend only on `(model, seed, patients, draws)`.
//!
//! Work is cut into *units* — (PSA draw, block of [`BLOCK`] patients) — numbered draw-major.
//! A shard `i/n` runs units `⌊i·U/n⌋ .. ⌊(i+1)·U/n⌋`; its [`Part`] holds one exact
//! [`DrawSummary`] per draw it touched. Merging parts adds the integer summaries, so a run
//! split into any number of shards and threads merges to exactly the single-run result.
//!
//! Random numbers: each patient owns a fixed block of words of its draw's keystream
//! ([`crate::rng`]); line `k` of every sequence reads the same slot of that block (common
//! random numbers across sequences, so differences between sequences are not blurred by
//! sampling noise).

use crate::dist::Dist;
use crate::model::{Endpoint, Model};
use crate::rng::{PatientStream, threshold, unit_open0};
use crate::summary::{DrawSummary, Histogram, PatientOutcome, SeqSummary, quantise};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Patients per work unit.
pub const BLOCK: u64 = 8192;

/// Format tag of part files.
pub const PART_FORMAT: &str = "netrx-simulate-part/1";

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    pub seed: u64,
    /// Virtual patients per sequence per draw.
    pub patients: u64,
    /// PSA draws (the base case, draw 0, is always run in addition).
    pub psa_draws: u64,
}

impl RunSpec {
    pub fn blocks(&self) -> u64 {
        self.patients.div_ceil(BLOCK)
    }
    pub fn units_total(&self) -> u64 {
        self.blocks() * (self.psa_draws + 1)
    }
    /// Patients (per sequence) simulated by the units `units[0]..units[1]`.
    pub fn patients_in(&self, units: [u64; 2]) -> u64 {
        let b = self.blocks();
        let last_size = self.patients - (b - 1) * BLOCK;
        // Units that are the last block of their draw: u = d·b + b − 1.
        let lasts = |u: u64| (u + 1) / b; // number of last-blocks among units 0..u
        let n = units[1].saturating_sub(units[0]);
        let k = lasts(units[1]) - lasts(units[0]);
        n * BLOCK - k * (BLOCK - last_size)
    }

    /// The unit range of shard `index` of `count`.
    pub fn shard_units(&self, index: u64, count: u64) -> [u64; 2] {
        let u = self.units_total() as u128;
        let a = (u * index as u128 / count as u128) as u64;
        let b = (u * (index as u128 + 1) / count as u128) as u64;
        [a, b]
    }
}

/// One shard's output (or a merged whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub format: String,
    /// netrx-sim version that produced it.
    pub engine_version: String,
    /// SHA-256 (first 16 hex digits) of the model's JSON: parts merge only with the same model.
    pub model_hash: String,
    pub model: Model,
    pub run: RunSpec,
    pub block_size: u64,
    pub units_total: u64,
    /// Units covered, [start, end).
    pub units: [u64; 2],
    /// Summaries of the draws touched, ascending.
    pub draws: Vec<DrawSummary>,
}

impl Part {
    /// Whether every unit of the run is covered.
    pub fn is_complete(&self) -> bool {
        self.units == [0, self.units_total]
    }
}

/// The hash of a model (SHA-256 of its JSON, `sha256:` + 16 hex digits).
pub fn model_hash(model: &Model) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(model).unwrap_or_default();
    let d = Sha256::digest(&json);
    let hex: String = d.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A failure to run or merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    /// Which input is wrong (`--shard`, `part[2]`, a parameter name).
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SimError {}

fn err(field: impl Into<String>, message: impl Into<String>) -> SimError {
    SimError {
        field: field.into(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Compiled (per-draw) model

#[derive(Debug, Clone)]
struct LineC {
    dist: Dist,
    ttp: bool,
    /// For a PFS line with an exponential: the constant death-split threshold.
    const_death: Option<(u64, bool)>,
    max_tx: f64,
    /// Utility per month, in QALY-years.
    util: f64,
    /// (threshold, QALY loss in years, cost) per AE term.
    aes: Vec<(u64, f64, f64)>,
    cost_month: f64,
    cost_once: f64,
}

#[derive(Debug, Clone)]
struct SeqC {
    lines: Vec<LineC>,
}

/// The model with one draw's parameter values, ready to simulate.
#[derive(Debug, Clone)]
pub struct Compiled {
    seqs: Vec<SeqC>,
    death_rate: f64,
    after: Dist,
    util_after: f64,
    cost_after: f64,
    horizon: f64,
    /// Continuous monthly discount rates.
    rq: f64,
    rc: f64,
    /// Word of the after-last-line survival (line slot k is words 3k..3k+3).
    after_slot: usize,
    words: usize,
    bins: usize,
    inv_bin: f64,
    ae_terms: Vec<Vec<usize>>,
    has_costs: bool,
}

/// Word layout of a patient's block: three keystream words per line slot (event time, death,
/// the key of the line's AE stream) and one for the after-last-line survival.
fn layout(model: &Model) -> (usize, usize) {
    let l = model.max_lines();
    (3 * l, 3 * l + 1)
}

/// Words each patient owns in the keystream.
pub fn words_per_patient(model: &Model) -> usize {
    layout(model).1
}

fn monthly_rate(annual: f64) -> f64 {
    (1.0 + annual).ln() / 12.0
}

impl Compiled {
    /// Compile the model for parameter values `v`.
    pub fn new(model: &Model, v: &[f64]) -> Result<Compiled, SimError> {
        let death = model
            .death_during_lines
            .dist(v)
            .ok_or_else(|| err("death.during_lines", "parameters out of range in this draw"))?;
        let death_rate = match death {
            Dist::Exponential { rate } => rate,
            _ => return Err(err("death.during_lines", "must be exponential (a constant hazard)")),
        };
        let after = model
            .after_last_line
            .dist(v)
            .ok_or_else(|| err("death.after_last_line", "parameters out of range in this draw"))?;
        let (after_slot, words) = layout(model);
        let mut seqs = Vec::with_capacity(model.sequences.len());
        let mut ae_terms = Vec::with_capacity(model.sequences.len());
        for s in &model.sequences {
            let mut lines = Vec::with_capacity(s.lines.len());
            for (k, line) in s.lines.iter().enumerate() {
                let t = &model.treatments[line.treatment];
                let mut dist = t.time.dist(v).ok_or_else(|| {
                    err(
                        format!("treatments.{}.time", t.id),
                        "parameters out of range in this draw",
                    )
                })?;
                if let Some(h) = line.hr {
                    dist = dist.with_hr(v[h]).ok_or_else(|| {
                        err(
                            format!("sequence {} line {}", s.id, k + 1),
                            "a hazard-ratio modifier needs a proportional-hazards family",
                        )
                    })?;
                }
                let const_death = match (t.endpoint, dist) {
                    (Endpoint::Pfs, Dist::Exponential { rate }) => {
                        let p = death_rate / rate;
                        Some((threshold(p.min(1.0)), p > 1.0))
                    }
                    _ => None,
                };
                let aes = t
                    .aes
                    .iter()
                    .map(|a| {
                        (
                            threshold(v[a.probability]),
                            v[a.decrement] * a.duration_months / 12.0,
                            a.cost.map(|c| v[c]).unwrap_or(0.0),
                        )
                    })
                    .collect();
                lines.push(LineC {
                    dist,
                    ttp: t.endpoint == Endpoint::Ttp,
                    const_death,
                    max_tx: t.max_treatment_months.unwrap_or(f64::INFINITY),
                    util: v[t.utility] / 12.0,
                    aes,
                    cost_month: t.cost_per_month.map(|c| v[c]).unwrap_or(0.0),
                    cost_once: t.cost_once.map(|c| v[c]).unwrap_or(0.0),
                });
            }
            ae_terms.push(
                s.lines
                    .iter()
                    .map(|l| model.treatments[l.treatment].aes.len())
                    .collect(),
            );
            seqs.push(SeqC { lines });
        }
        let bins = (model.horizon_months / model.bin_months).ceil().max(1.0) as usize;
        Ok(Compiled {
            seqs,
            death_rate,
            after,
            util_after: v[model.utility_after_last_line] / 12.0,
            cost_after: model.cost_after_last_line_per_month.map(|c| v[c]).unwrap_or(0.0),
            horizon: model.horizon_months,
            rq: monthly_rate(model.discount_qalys),
            rc: monthly_rate(model.discount_costs),
            after_slot,
            words,
            bins,
            inv_bin: 1.0 / model.bin_months,
            ae_terms,
            has_costs: model.costs.is_some(),
        })
    }

    /// Empty summaries for this model.
    pub fn empty(&self, draw: u64) -> DrawSummary {
        DrawSummary {
            draw,
            sequences: self.ae_terms.iter().map(|a| SeqSummary::new(self.bins, a)).collect(),
        }
    }

    /// Simulate patients `first..last` of `draw` into `out`.
    pub fn simulate_block(&self, seed: u64, draw: u64, first: u64, last: u64, out: &mut DrawSummary) {
        let mut stream = PatientStream::new(seed, draw, first, self.words);
        let mut block = vec![0u64; self.words];
        for _ in first..last {
            stream.next_patient(&mut block);
            let mut reference = PatientOutcome::default();
            for (i, (s, acc)) in self.seqs.iter().zip(out.sequences.iter_mut()).enumerate() {
                let o = self.patient(s, &block, acc);
                acc.outcomes.add(&o);
                if i == 0 {
                    reference = o;
                }
                acc.vs_first.add_diff(&o, &reference);
            }
        }
    }

    /// Discounting over a stretch of `dur` months that starts with factor `d` = e^{−r·start}:
    /// returns (∫ e^{−r t} dt over the stretch, the factor at its end).
    #[inline(always)]
    fn stretch(r: f64, d: f64, dur: f64) -> (f64, f64) {
        if r == 0.0 {
            (dur, d)
        } else {
            let e = (-r * dur).exp();
            (d * (1.0 - e) / r, d * e)
        }
    }

    /// One patient through one sequence.
    #[inline]
    fn patient(&self, s: &SeqC, block: &[u64], acc: &mut SeqSummary) -> PatientOutcome {
        let h = self.horizon;
        let mut t = 0.0f64;
        let mut tot = 0.0f64;
        let mut qaly = 0.0f64;
        let mut cost = 0.0f64;
        let mut n_ae = 0u32;
        // Discount factors e^{−r·t} at the current time.
        let mut dq = 1.0f64;
        let mut dc = 1.0f64;
        let mut dead = false;
        let mut censored = false;
        for (k, line) in s.lines.iter().enumerate() {
            let w = &block[3 * k..3 * k + 3];
            let la = &mut acc.lines[k];
            la.started += 1;
            acc.lines_started += 1;
            let te = line.dist.inverse_survival(unit_open0(w[0]));
            let (mut dur, mut died) = if line.ttp {
                let td = -unit_open0(w[1]).ln() / self.death_rate;
                if td < te { (td, true) } else { (te, false) }
            } else {
                let died = match line.const_death {
                    Some((thr, capped)) => {
                        if capped {
                            la.death_capped += 1;
                        }
                        (w[1] >> 32) < thr
                    }
                    None => {
                        let p = self.death_rate / line.dist.hazard(te);
                        if p > 1.0 {
                            la.death_capped += 1;
                        }
                        (w[1] >> 32) < threshold(p)
                    }
                };
                (te, died)
            };
            if t + dur >= h {
                dur = h - t;
                died = false;
                censored = true;
            }
            let on_tx = dur.min(line.max_tx);
            // Grade 3–4 adverse events at the start of the line: 32-bit uniforms from the
            // counter-based SplitMix64 stream keyed by the slot's third word.
            let mut bits = 0u64;
            for (j, &(thr, loss, c)) in line.aes.iter().enumerate() {
                let u = if j & 1 == 0 {
                    bits = mix64(w[2].wrapping_add((j as u64 / 2 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
                    bits >> 32
                } else {
                    bits & 0xFFFF_FFFF
                };
                if u < thr {
                    la.aes[j] += 1;
                    n_ae += 1;
                    qaly -= loss * dq;
                    cost += c * dc;
                }
            }
            let (iq, dq_end) = Self::stretch(self.rq, dq, dur);
            qaly += line.util * iq;
            dq = dq_end;
            if self.has_costs {
                let (ic, _) = Self::stretch(self.rc, dc, on_tx);
                cost += line.cost_once * dc + line.cost_month * ic;
                dc = Self::stretch(self.rc, dc, dur).1;
            }
            la.duration.0 += quantise(dur) as i128;
            la.on_treatment.0 += quantise(on_tx) as i128;
            tot += on_tx;
            t += dur;
            if censored {
                la.censored += 1;
                break;
            }
            if died {
                la.died += 1;
                dead = true;
                break;
            }
            la.progressed += 1;
        }
        let total_pfs = t;
        if !dead && !censored {
            let ta = self.after.inverse_survival(unit_open0(block[self.after_slot]));
            let end = if t + ta >= h {
                censored = true;
                h
            } else {
                t + ta
            };
            qaly += self.util_after * Self::stretch(self.rq, dq, end - t).0;
            if self.has_costs {
                cost += self.cost_after * Self::stretch(self.rc, dc, end - t).0;
            }
            t = end;
        }
        acc.total_pfs_hist.add(total_pfs, self.inv_bin, total_pfs >= h);
        acc.os_hist.add(t, self.inv_bin, censored);
        if censored {
            acc.alive_at_horizon += 1;
        }
        PatientOutcome {
            total_pfs,
            os: t,
            on_treatment: tot,
            aes: n_ae as f64,
            qalys: qaly,
            costs: cost,
        }
    }
}

/// The SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer; applied to
/// a key plus a Weyl counter it is a counter-based generator.
#[inline(always)]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------
// Running

/// Run units `units[0]..units[1]` of `run` (one shard, or everything with `[0, total]`).
/// `progress` is called with the number of patients (per sequence) finished so far.
pub fn run_units(
    model: &Model,
    run: RunSpec,
    units: [u64; 2],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Part, SimError> {
    if run.patients == 0 {
        return Err(err("--patients", "got 0; allowed: at least 1 virtual patient"));
    }
    let total = run.units_total();
    if units[0] > units[1] || units[1] > total {
        return Err(err("--shard", format!("unit range {units:?} outside 0..{total}")));
    }
    let blocks = run.blocks();
    let first_draw = if units[0] < units[1] { units[0] / blocks } else { 0 };
    let last_draw = if units[0] < units[1] {
        (units[1] - 1) / blocks
    } else {
        0
    };
    // Compile every touched draw (cheap; validates the draws' parameters before any work).
    let compiled: Vec<Compiled> = (first_draw..=last_draw)
        .map(|d| Compiled::new(model, &model.draw_values(run.seed, d)))
        .collect::<Result<_, _>>()?;
    let accs: Vec<Mutex<DrawSummary>> = if units[0] < units[1] {
        compiled
            .iter()
            .enumerate()
            .map(|(i, c)| Mutex::new(c.empty(first_draw + i as u64)))
            .collect()
    } else {
        Vec::new()
    };
    let done = std::sync::atomic::AtomicU64::new(0);
    (units[0]..units[1]).into_par_iter().for_each(|u| {
        let draw = u / blocks;
        let b = u % blocks;
        let first = b * BLOCK;
        let last = ((b + 1) * BLOCK).min(run.patients);
        let c = &compiled[(draw - first_draw) as usize];
        let mut local = c.empty(draw);
        c.simulate_block(run.seed, draw, first, last, &mut local);
        if let Ok(mut g) = accs[(draw - first_draw) as usize].lock() {
            g.merge(&local);
        }
        let n = done.fetch_add(last - first, std::sync::atomic::Ordering::Relaxed) + (last - first);
        progress(n);
    });
    let draws = accs
        .into_iter()
        .map(|m| m.into_inner().map_err(|_| err("run", "a worker panicked")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Part {
        format: PART_FORMAT.into(),
        engine_version: env!("CARGO_PKG_VERSION").into(),
        model_hash: model_hash(model),
        model: model.clone(),
        run,
        block_size: BLOCK,
        units_total: total,
        units,
        draws,
    })
}

/// Run everything (all draws, all patients).
pub fn run(model: &Model, run: RunSpec, progress: &(dyn Fn(u64) + Sync)) -> Result<Part, SimError> {
    run_units(model, run, [0, run.units_total()], progress)
}

/// Run shard `index` of `count` (0-based index).
pub fn run_shard(
    model: &Model,
    spec: RunSpec,
    index: u64,
    count: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Part, SimError> {
    if count == 0 || index >= count {
        return Err(err(
            "--shard",
            format!("got {index}/{count}; allowed: i/n with 0 ≤ i < n (0-based shard index)"),
        ));
    }
    run_units(model, spec, spec.shard_units(index, count), progress)
}

/// Merge parts of one run (any order) into one. Fails unless they come from the same model,
/// seed, patients and draws and their unit ranges tile without overlap; the result covers the
/// union of their ranges.
pub fn merge(mut parts: Vec<Part>) -> Result<Part, SimError> {
    if parts.is_empty() {
        return Err(err("parts", "got no part files; allowed: one or more"));
    }
    for (i, p) in parts.iter().enumerate() {
        if p.format != PART_FORMAT {
            return Err(err(
                format!("part[{i}].format"),
                format!("got {:?}; allowed: {PART_FORMAT:?}", p.format),
            ));
        }
        if model_hash(&p.model) != p.model_hash {
            return Err(err(
                format!("part[{i}].model_hash"),
                "does not match the part's model (edited or corrupt part file)",
            ));
        }
    }
    let first = parts[0].clone();
    for (i, p) in parts.iter().enumerate().skip(1) {
        if p.model_hash != first.model_hash {
            return Err(err(
                format!("part[{i}].model_hash"),
                format!(
                    "got {}; the first part has {} (parts of different SPECs or knowledge versions cannot be merged)",
                    p.model_hash, first.model_hash
                ),
            ));
        }
        if p.run != first.run || p.block_size != first.block_size || p.units_total != first.units_total {
            return Err(err(
                format!("part[{i}].run"),
                format!(
                    "got seed {} patients {} psa {}; the first part has seed {} patients {} psa {}",
                    p.run.seed,
                    p.run.patients,
                    p.run.psa_draws,
                    first.run.seed,
                    first.run.patients,
                    first.run.psa_draws
                ),
            ));
        }
    }
    parts.sort_by_key(|p| p.units);
    for w in parts.windows(2) {
        if w[0].units[1] != w[1].units[0] {
            return Err(err(
                "parts",
                format!(
                    "unit ranges {:?} and {:?} {} (each shard must be given exactly once)",
                    w[0].units,
                    w[1].units,
                    if w[0].units[1] > w[1].units[0] {
                        "overlap"
                    } else {
                        "leave a gap"
                    }
                ),
            ));
        }
    }
    let units = [parts[0].units[0], parts[parts.len() - 1].units[1]];
    let mut draws: Vec<DrawSummary> = Vec::new();
    for p in parts.iter() {
        for d in &p.draws {
            match draws.iter_mut().find(|x| x.draw == d.draw) {
                Some(x) => x.merge(d),
                None => draws.push(d.clone()),
            }
        }
    }
    draws.sort_by_key(|d| d.draw);
    let mut out = first;
    out.units = units;
    out.draws = draws;
    Ok(out)
}

/// Every draw's summaries as histograms must have the expected bins (sanity for merged input).
pub fn check_shapes(part: &Part) -> Result<(), SimError> {
    let bins = (part.model.horizon_months / part.model.bin_months).ceil().max(1.0) as usize;
    for d in &part.draws {
        if d.sequences.len() != part.model.sequences.len() {
            return Err(err(format!("draws[{}]", d.draw), "wrong number of sequences"));
        }
        for s in &d.sequences {
            let h: &Histogram = &s.os_hist;
            if h.counts.len() != bins || s.total_pfs_hist.counts.len() != bins {
                return Err(err(
                    format!("draws[{}]", d.draw),
                    "histogram size does not match the model",
                ));
            }
        }
    }
    Ok(())
}
