//! Code generation for `#[derive(Layer)]`, from a checked struct: it reports nothing. The
//! inherent impl with `new` and the setters ([`builder`], with the config-made parts in
//! [`parts`]), the `Layer` impl ([`layer_impl`], its `forward` in [`forward`]), the
//! `StaticLayer` impl ([`static_layer`]), a `sequential` model's compile-time check
//! ([`sequential`]), `FromConfig` and the class's registration ([`from_config`]), and the stubs emitted instead when the input has errors ([`stubs`]).

pub mod builder;
pub mod forward;
pub mod from_config;
pub mod layer_impl;
pub mod parts;
pub mod scope;
pub mod sequential;
pub mod static_layer;
pub mod stubs;

use proc_macro2::TokenStream;
use quote::quote;

use crate::layer::ast::Container;
use crate::layer::check::signature::Signatures;

/// Every item of a checked struct.
pub fn impls(container: &Container, signatures: &Signatures) -> TokenStream {
    let inherent = builder::inherent_impl(container);
    let layer = layer_impl::layer_impl(container, signatures);
    let static_layer = static_layer::static_layer_impl(container, signatures);
    let check = sequential::sequential_check(container, signatures);
    let from_config = from_config::from_config_impl(container);
    quote!(#inherent #layer #static_layer #check #from_config)
}
