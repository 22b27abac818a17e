//! Everolimus pharmacokinetics for netrx (issue 9): the published population
//! models (`knowledge/pk/`) solved exactly in closed form, virtual populations,
//! and Bayesian trough-guided dose individualisation.
//!
//! * [`solve`] — exact single-dose, dosing-history, n-dose and steady-state
//!   solutions of the one- and two-compartment oral models, numerically robust at
//!   and near `ka = α`, `ka = β`, `ka = k` and `t = 0` (pk.md §6–7).
//! * [`model`] — a knowledge-base model → one patient's parameters (covariates,
//!   etas, interaction and hepatic multipliers).
//! * [`simulate`] — profiles with Cmax, Cmin, AUC over the last interval,
//!   steady-state trough, time to 90 % of steady state.
//! * [`population`] — N virtual patients, trough quantiles and PTA, deterministic
//!   for a seed whatever the thread count.
//! * [`regimens`] — a region's regimens from knowledge data: tablet combinations,
//!   label standing, the default candidates of `netrx pk population`.
//! * [`tdm`] — MAP estimation from measured whole-blood concentrations, predicted
//!   troughs and PTA per tablet regimen, a model-based suggestion.
//!
//! No I/O: callers hand in parsed inputs and the knowledge base.

pub mod model;
pub mod population;
pub mod regimens;
pub mod rng;
pub mod simulate;
pub mod solve;
pub mod stats;
pub mod tdm;
pub mod units;

pub use model::{Covariates, Modifiers, PopModel};
pub use simulate::{Dosing, Profile, Regimen};
pub use solve::{Dose, Peripheral, PkParams, Solution};
pub use units::{Conc, Hours, Liters, LitersPerHour, Mg, PerHour, Plasma, PlasmaConc, WholeBlood, WholeBloodConc};
