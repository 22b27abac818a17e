//! netrx-server
