//! netrx-stats: survival analysis that reproduces R's `survival` package (3.5-3) —
//! Kaplan–Meier with Greenwood variance and R's confidence intervals, medians and
//! quantiles, restricted mean survival, the log-rank (G-rho) family, maximally selected
//! log-rank cut-points, Cox proportional hazards and parametric models.
//!
//! A general library: it knows nothing about NETs, and does no I/O — callers hand in
//! CSV text ([`data::Frame::from_csv`]) or plain slices.
//!
//! Module map:
//! - [`data`]: CSV → columns → `Surv`, factors, design matrix (R's conventions, clear errors).
//! - [`dist`]: normal and chi-square distribution functions (one place for every p-value).
//! - [`km`]: Kaplan–Meier (`survfit`), summaries at chosen times, median/quantiles, near-tie merging.
//! - [`rmst`]: restricted mean survival time (`print.survfit(rmean = τ)`).
//! - [`logrank`]: `survdiff` (K groups, strata, G-rho weights).
//! - [`cutpoint`]: maximally selected log-rank statistic with the Lausen–Schumacher p-value.

pub mod concordance;
pub mod cox;
pub mod cutpoint;
pub mod data;
pub mod dist;
pub mod indirect;
pub mod ipd;
pub mod km;
pub mod linalg;
pub mod logrank;
pub mod nma;
pub mod rmst;
pub mod survreg;
pub mod zph;
