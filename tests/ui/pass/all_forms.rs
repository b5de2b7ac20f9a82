//! Every supported form of `#[derive(Layer)]` and `#[activation]`, one module per form (in
//! `cases/`, named after it), built as one program and run: each module compiles without
//! warnings (`#![deny(warnings)]` at its top, where it had it as a program of its own) and its
//! `main` asserts what the form does. One program instead of one per form: each program links
//! the whole library, and 22 of them took ~9 s each in CI. Names the registries hold
//! (activations, layer classes) are unique across the modules where a case looks them up.

#[path = "cases/activation_body_forms.rs"]
mod activation_body_forms;
#[path = "cases/activation_derivative.rs"]
mod activation_derivative;
#[path = "cases/activation_generic_helper.rs"]
mod activation_generic_helper;
#[path = "cases/activation_hyperparameters.rs"]
mod activation_hyperparameters;
#[path = "cases/activation_plain.rs"]
mod activation_plain;
#[path = "cases/activation_visibility.rs"]
mod activation_visibility;
#[path = "cases/call_with_context.rs"]
mod call_with_context;
#[path = "cases/config_with_and_without_default.rs"]
mod config_with_and_without_default;
#[path = "cases/generic_layer.rs"]
mod generic_layer;
#[path = "cases/layer_name_and_crate.rs"]
mod layer_name_and_crate;
#[path = "cases/layer_validate.rs"]
mod layer_validate;
#[path = "cases/raw_identifiers.rs"]
mod raw_identifiers;
#[path = "cases/shape_mixed_sizes.rs"]
mod shape_mixed_sizes;
#[path = "cases/shape_same_layer_static_and_dynamic.rs"]
mod shape_same_layer_static_and_dynamic;
#[path = "cases/shape_signature_forms.rs"]
mod shape_signature_forms;
#[path = "cases/shape_thirty_layers.rs"]
mod shape_thirty_layers;
#[path = "cases/skip_field.rs"]
mod skip_field;
#[path = "cases/sublayer_containers.rs"]
mod sublayer_containers;
#[path = "cases/sublayers.rs"]
mod sublayers;
#[path = "cases/try_call.rs"]
mod try_call;
#[path = "cases/weight_inits_and_trainable.rs"]
mod weight_inits_and_trainable;
#[path = "cases/weight_input_axes.rs"]
mod weight_input_axes;

fn main() -> layers::Result<()> {
    activation_body_forms::main();
    activation_derivative::main();
    activation_generic_helper::main();
    activation_hyperparameters::main();
    activation_plain::main();
    activation_visibility::main();
    call_with_context::main();
    config_with_and_without_default::main();
    generic_layer::main();
    layer_name_and_crate::main();
    layer_validate::main();
    raw_identifiers::main();
    shape_mixed_sizes::main()?;
    shape_same_layer_static_and_dynamic::main()?;
    shape_signature_forms::main()?;
    shape_thirty_layers::main()?;
    skip_field::main();
    sublayer_containers::main();
    sublayers::main();
    try_call::main()?;
    weight_inits_and_trainable::main();
    weight_input_axes::main();
    Ok(())
}
