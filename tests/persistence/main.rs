//! The persistence test binary: whole models and weights saved and loaded (hostile and
//! mutated files included), losses, metrics and optimizers as configs, and the reliability
//! suite of hostile inputs, and where a save goes (read-only files, long names, links). One binary links the library once for all of them
//! (`cargo test --test persistence weights::`).
//!
//! `reliability` and `weights` start this same binary again as a child process running one
//! test (`--exact` with its full name, module path included).

mod audit2;
mod audit3;
mod models;
mod regularizers;
mod reliability;
mod save_edges;
mod schedules;
mod state_config;
mod state_optimizers;
mod weights;
