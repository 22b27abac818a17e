//! netrx-pk
