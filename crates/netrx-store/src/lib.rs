//! netrx-store
