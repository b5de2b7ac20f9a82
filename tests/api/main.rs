//! The user-facing API test binary: the built-in layers, sublayer containers, the derive
//! macros at run time, layer configurations, compile-time shapes (the run-time half),
//! training, data loading and history plots. One binary links the library once for all of
//! them (`cargo test --test api training::`).

mod audit2;
mod audit3;
mod builtin_layers;
mod checkpoint_options;
mod config;
mod containers;
mod data;
mod derive;
mod empty_axes;
mod failed_calls;
mod keras_callbacks;
mod predict_rows;
// `History::plot` exists with the `plot` feature only (on by default).
#[cfg(feature = "plot")]
mod history_plot;
mod sample_weight;
mod static_shapes;
mod training;
mod weighted_metrics;
