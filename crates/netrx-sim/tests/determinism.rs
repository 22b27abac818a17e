//! Reproducibility: the same (SPEC, seed, patients, draws) gives bit-identical summaries on any
//! number of threads and whether run as one shard or many and merged, in any merge order.

use netrx_kb::Kb;
use netrx_sim::engine::{Part, RunSpec, merge, run, run_shard};

fn model() -> netrx_sim::Model {
    let kb = Kb::embedded().expect("kb");
    netrx_sim::load(include_str!("../../../examples/sequences/pnet.toml"), kb).expect("example loads")
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

#[test]
fn thread_count_does_not_change_results() {
    let m = model();
    // 3 draws × 3 blocks (20 000 patients = 2 full blocks of 8192 + a partial one).
    let rs = RunSpec {
        seed: 42,
        patients: 20_000,
        psa_draws: 2,
    };
    let one = in_pool(1, || run(&m, rs, &|_| {}).expect("runs"));
    let two = in_pool(2, || run(&m, rs, &|_| {}).expect("runs"));
    let four = in_pool(4, || run(&m, rs, &|_| {}).expect("runs"));
    assert_eq!(one, two);
    assert_eq!(one, four);
    // And the seed matters.
    let other = in_pool(2, || run(&m, RunSpec { seed: 43, ..rs }, &|_| {}).expect("runs"));
    assert_ne!(one.draws, other.draws);
}

#[test]
fn shards_merge_to_exactly_the_single_run() {
    let m = model();
    let rs = RunSpec {
        seed: 7,
        patients: 20_000,
        psa_draws: 3,
    };
    let whole = run(&m, rs, &|_| {}).expect("runs");
    assert!(whole.is_complete());
    for n in [1u64, 2, 5, 12, 13] {
        let mut parts: Vec<Part> = (0..n)
            .map(|i| run_shard(&m, rs, i, n, &|_| {}).expect("shard"))
            .collect();
        // Merge order must not matter.
        parts.reverse();
        let merged = merge(parts).expect("merges");
        assert_eq!(merged, whole, "{n} shards");
        // The reports are identical too (serialised).
        let a = serde_json::to_string(&netrx_sim::report(&merged).expect("report")).expect("json");
        let b = serde_json::to_string(&netrx_sim::report(&whole).expect("report")).expect("json");
        assert_eq!(a, b);
    }
    // Merging merged parts (hierarchical merge) also gives the whole.
    let n = 6;
    let parts: Vec<Part> = (0..n)
        .map(|i| run_shard(&m, rs, i, n, &|_| {}).expect("shard"))
        .collect();
    let left = merge(parts[..3].to_vec()).expect("left");
    let right = merge(parts[3..].to_vec()).expect("right");
    assert_eq!(merge(vec![right, left]).expect("both"), whole);
}

#[test]
fn incomplete_or_inconsistent_parts_are_refused() {
    let m = model();
    let rs = RunSpec {
        seed: 7,
        patients: 9_000,
        psa_draws: 1,
    };
    let p0 = run_shard(&m, rs, 0, 3, &|_| {}).expect("shard");
    let p1 = run_shard(&m, rs, 1, 3, &|_| {}).expect("shard");
    let p2 = run_shard(&m, rs, 2, 3, &|_| {}).expect("shard");
    // Missing shard: merge works on a contiguous prefix but the report refuses it.
    let partial = merge(vec![p0.clone(), p1.clone()]).expect("merges");
    let e = netrx_sim::report(&partial).unwrap_err();
    assert!(e.message.contains("missing"), "{e}");
    // Gap.
    let e = merge(vec![p0.clone(), p2.clone()]).unwrap_err();
    assert!(e.message.contains("gap"), "{e}");
    // Duplicate.
    let e = merge(vec![p0.clone(), p0.clone(), p1.clone(), p2.clone()]).unwrap_err();
    assert!(e.message.contains("overlap"), "{e}");
    // Another seed.
    let q1 = run_shard(&m, RunSpec { seed: 8, ..rs }, 1, 3, &|_| {}).expect("shard");
    let e = merge(vec![p0.clone(), q1, p2.clone()]).unwrap_err();
    assert!(e.field.starts_with("part["), "{e}");
    // A tampered model.
    let mut t = p1.clone();
    t.model.horizon_months += 1.0;
    let e = merge(vec![p0, t, p2]).unwrap_err();
    assert!(e.field.ends_with("model_hash"), "{e}");
    // Bad shard index.
    assert!(run_shard(&m, rs, 3, 3, &|_| {}).is_err());
}

#[test]
fn patients_in_counts_partial_blocks() {
    let rs = RunSpec {
        seed: 1,
        patients: 20_000,
        psa_draws: 2,
    };
    assert_eq!(rs.patients_in([0, rs.units_total()]), 60_000);
    let mut sum = 0;
    for i in 0..7 {
        sum += rs.patients_in(rs.shard_units(i, 7));
    }
    assert_eq!(sum, 60_000);
}

#[test]
fn part_files_round_trip_exactly_through_json() {
    // Shards travel as JSON: the model (every float) and the summaries must parse back
    // bit-identical, or merged reports would differ from the single run in the last digit.
    for spec in [
        include_str!("../../../examples/sequences/pnet.toml"),
        include_str!("../../../examples/sequences/midgut.toml"),
    ] {
        let m = netrx_sim::load(spec, Kb::embedded().expect("kb")).expect("loads");
        let part = run_shard(
            &m,
            RunSpec {
                seed: 5,
                patients: 3000,
                psa_draws: 4,
            },
            1,
            2,
            &|_| {},
        )
        .expect("shard");
        let text = serde_json::to_string(&part).expect("serialises");
        let back: Part = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, part);
        assert_eq!(netrx_sim::engine::model_hash(&back.model), part.model_hash);
        let merged = merge(vec![back]).expect("a single part merges");
        assert_eq!(merged, part);
    }
}
