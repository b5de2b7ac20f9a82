//! The numerics test binary: tensor ops, activations, losses, metrics and optimizers against
//! values worked out by hand, against float64 reference tables (`tests/reference/`) and
//! against finite differences. One binary links the library once for all of them; each
//! module is one former `tests/*.rs` file, so a test is named `ops_errors::…`,
//! `gradcheck::…` and so on (`cargo test --test numerics ops_errors::`).

#[path = "../common/table.rs"]
mod table;

mod activations;
mod gradcheck;
mod keras_losses;
mod keras_metrics;
mod keras_metrics2;
mod keras_orthogonal;
mod losses;
mod metrics;
mod ops;
mod ops_errors;
mod ops_gradcheck;
mod ops_reference;
mod optimizers;
mod schedules;
mod subnormal_states;
mod threshold_metrics_api;
