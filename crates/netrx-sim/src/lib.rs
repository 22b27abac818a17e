//! netrx-sim
