//! netrx-plot: the shared chart crate. Every chart is a pure function from its inputs to an
//! SVG string (hand-written SVG: no fonts, system libraries or I/O; deterministic output for
//! golden tests). Shared helpers (escaping, ticks, scales, palette, a small document builder)
//! live in [`svg`]; each chart has its own module.
pub mod forest;
pub mod km;
pub mod network;
pub mod pk;
pub mod svg;

// Follow-up charts (RECIST spider and waterfall, QoL trajectories).
pub mod followup_svg;
pub mod qol;
pub mod spider;
pub mod waterfall;

// Web app charts (issue 8): toxicity timeline; the evidence forest builder shared with `netrx forest`.
pub mod evidence_forest;
pub mod tox_timeline;

// Treatment-sequence simulation charts (issue 11, part B).
pub mod ce;
pub mod sequence;
