//! netrx-plot
