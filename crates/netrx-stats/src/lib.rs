//! netrx-stats
