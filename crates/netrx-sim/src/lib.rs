//! netrx-sim: treatment-sequence microsimulation (issue 11, part B).
//!
//! Virtual patients move through the lines of each treatment sequence of a SPEC: each line's
//! time to progression comes from a distribution parameterised from the knowledge base's trial
//! results (or an explicit parametric fit), death competes, grade 3–4 adverse events occur with
//! the trials' incidences, and QALYs accrue with the SPEC's utilities. Outputs per sequence:
//! mean and median total PFS across lines, OS, time on treatment, AE counts and QALYs (and
//! costs, if the SPEC has them), with probabilistic sensitivity analysis (PSA) intervals.
//!
//! * [`spec`] — the SPEC file (TOML) resolved against the knowledge base into a [`model::Model`].
//! * [`engine`] — the simulation: deterministic for a seed whatever the thread count or
//!   sharding, parallel (rayon), memory independent of the number of patients.
//! * [`summary`] — exactly mergeable streaming summaries (fixed-point sums, histograms).
//! * [`report`] — per-sequence results, comparison, cost-effectiveness, inputs, assumptions.
//! * [`dist`], [`rng`] — parametric distributions and counter-based random streams.
//!
//! Everything it outputs is modelling, not evidence ([`report::LABEL`]). No I/O.

pub mod dist;
pub mod engine;
pub mod model;
pub mod report;
pub mod rng;
pub mod spec;
pub mod summary;

pub use engine::{Part, RunSpec, SimError, merge, run, run_shard};
pub use model::Model;
pub use report::{Report, render_text, report};
pub use spec::load;
