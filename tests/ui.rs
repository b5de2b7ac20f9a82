//! Compile-time behaviour of `#[derive(Layer)]` and `#[activation]`.
//!
//! Every supported form compiles without warnings and does what it says: `tests/ui/pass`, one
//! file per form (named after it), each a module of this test binary (`#![deny(warnings)]` at
//! its top; `cargo clippy --all-targets` lints them too) whose `main` is run by the test of the
//! same name. They were trybuild pass cases, one program each, which trybuild builds twice
//! (once with `--diagnostic-width` to read its diagnostics, once more for `cargo run` without
//! it), and for which it builds every dependency twice (once per set of flags): with 22 forms
//! that was most of the ~4 min this test took. As modules they build with the other tests.
//!
//! Every mistake gives one error that points at the culprit and says what to write:
//! `tests/ui/fail`, one mistake per file, named after it, checked by trybuild against its
//! `.stderr`. With no pass cases trybuild checks them all in one `cargo check --keep-going`
//! instead of one `cargo build` each. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui compile_fail` and review them.

#[test]
fn compile_fail() {
    trybuild::TestCases::new().compile_fail("tests/ui/fail/*.rs");
}

#[path = "ui/pass/activation_body_forms.rs"]
mod activation_body_forms;

#[test]
fn activation_body_forms() {
    activation_body_forms::main();
}

#[path = "ui/pass/activation_derivative.rs"]
mod activation_derivative;

#[test]
fn activation_derivative() {
    activation_derivative::main();
}

#[path = "ui/pass/activation_generic_helper.rs"]
mod activation_generic_helper;

#[test]
fn activation_generic_helper() {
    activation_generic_helper::main();
}

#[path = "ui/pass/activation_hyperparameters.rs"]
mod activation_hyperparameters;

#[test]
fn activation_hyperparameters() {
    activation_hyperparameters::main();
}

#[path = "ui/pass/activation_plain.rs"]
mod activation_plain;

#[test]
fn activation_plain() {
    activation_plain::main();
}

#[path = "ui/pass/activation_visibility.rs"]
mod activation_visibility;

#[test]
fn activation_visibility() {
    activation_visibility::main();
}

#[path = "ui/pass/call_with_context.rs"]
mod call_with_context;

#[test]
fn call_with_context() {
    call_with_context::main();
}

#[path = "ui/pass/config_with_and_without_default.rs"]
mod config_with_and_without_default;

#[test]
fn config_with_and_without_default() {
    config_with_and_without_default::main();
}

#[path = "ui/pass/generic_layer.rs"]
mod generic_layer;

#[test]
fn generic_layer() {
    generic_layer::main();
}

#[path = "ui/pass/layer_name_and_crate.rs"]
mod layer_name_and_crate;

#[test]
fn layer_name_and_crate() {
    layer_name_and_crate::main();
}

#[path = "ui/pass/layer_validate.rs"]
mod layer_validate;

#[test]
fn layer_validate() {
    layer_validate::main();
}

#[path = "ui/pass/raw_identifiers.rs"]
mod raw_identifiers;

#[test]
fn raw_identifiers() {
    raw_identifiers::main();
}

#[path = "ui/pass/shape_mixed_sizes.rs"]
mod shape_mixed_sizes;

#[test]
fn shape_mixed_sizes() -> layers::Result<()> {
    shape_mixed_sizes::main()
}

#[path = "ui/pass/shape_same_layer_static_and_dynamic.rs"]
mod shape_same_layer_static_and_dynamic;

#[test]
fn shape_same_layer_static_and_dynamic() -> layers::Result<()> {
    shape_same_layer_static_and_dynamic::main()
}

#[path = "ui/pass/shape_signature_forms.rs"]
mod shape_signature_forms;

#[test]
fn shape_signature_forms() -> layers::Result<()> {
    shape_signature_forms::main()
}

#[path = "ui/pass/shape_thirty_layers.rs"]
mod shape_thirty_layers;

#[test]
fn shape_thirty_layers() -> layers::Result<()> {
    shape_thirty_layers::main()
}

#[path = "ui/pass/skip_field.rs"]
mod skip_field;

#[test]
fn skip_field() {
    skip_field::main();
}

#[path = "ui/pass/sublayer_containers.rs"]
mod sublayer_containers;

#[test]
fn sublayer_containers() {
    sublayer_containers::main();
}

#[path = "ui/pass/sublayers.rs"]
mod sublayers;

#[test]
fn sublayers() {
    sublayers::main();
}

#[path = "ui/pass/try_call.rs"]
mod try_call;

#[test]
fn try_call() -> layers::Result<()> {
    try_call::main()
}

#[path = "ui/pass/weight_inits_and_trainable.rs"]
mod weight_inits_and_trainable;

#[test]
fn weight_inits_and_trainable() {
    weight_inits_and_trainable::main();
}

#[path = "ui/pass/weight_input_axes.rs"]
mod weight_input_axes;

#[test]
fn weight_input_axes() {
    weight_input_axes::main();
}

#[path = "ui/pass/weight_shape_generic_dim.rs"]
mod weight_shape_generic_dim;

#[test]
fn weight_shape_generic_dim() -> layers::Result<()> {
    weight_shape_generic_dim::main()
}

#[path = "ui/pass/weight_shape_fn.rs"]
mod weight_shape_fn;

#[test]
fn weight_shape_fn() {
    weight_shape_fn::main();
}

#[path = "ui/pass/weight_regularizer_and_constraint.rs"]
mod weight_regularizer_and_constraint;

#[test]
fn weight_regularizer_and_constraint() {
    weight_regularizer_and_constraint::main();
}
