//! netrx-plot
pub mod pk;
