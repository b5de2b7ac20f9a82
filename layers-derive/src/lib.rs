//! Procedural macros for `layers`: `#[derive(Layer)]` and `#[activation]`.
//!
//! This crate is re-exported by the `layers` facade; depend on `layers` rather than on this
//! crate directly.
