//! What is emitted when the input has errors: the same public surface (`Layer`,
//! `StaticLayer`, and `new` and the setters where the fields are known) with unreachable
//! bodies, so that uses of the type report nothing beyond the errors of the derive.

use proc_macro2::TokenStream;
use quote::quote;

use super::builder::{default_impl, new_args};
use super::layer_impl::type_name_fn;
use super::static_layer::stub_static_layer_impl;
use crate::layer::ast::Container;
use crate::layer::attr::field::FieldKind;

/// The stubs of every item `expand::impls` generates.
pub fn stubs(container: &Container) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let type_name = type_name_fn(container);
    let static_layer = container
        .attrs
        .custom_shape
        .is_none()
        .then(|| stub_static_layer_impl(container));
    let inherent = container.fields.as_ref().map(|_| inherent_stubs(container));
    quote! {
        #inherent
        impl #impl_generics __layers::Layer for #ident #ty_generics #where_clause {
            #type_name
            fn forward(&self, _: &__layers::Tensor) -> __layers::Result<__layers::Tensor> {
                ::core::unreachable!()
            }
        }
        #static_layer
    }
}

/// `new`, the setters and `Default`, with unreachable bodies.
fn inherent_stubs(container: &Container) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let args = new_args(container);
    let default_impl = default_impl(container, quote!(::core::unreachable!()));
    let setters = container.fields().iter().filter_map(|f| {
        let FieldKind::Config(Some(_)) = &f.kind else {
            return None;
        };
        let (name, ty) = (f.ident, f.ty);
        Some(quote! {
            #[doc = " Not generated: `#[derive(Layer)]` reported errors."]
            pub fn #name(self, value: #ty) -> Self {
                ::core::unreachable!()
            }
        })
    });
    quote! {
        #[allow(dead_code, unused_variables, clippy::too_many_arguments)]
        impl #impl_generics #ident #ty_generics #where_clause {
            #[doc = " Not generated: `#[derive(Layer)]` reported errors."]
            pub fn new(#(#args),*) -> Self {
                ::core::unreachable!()
            }
            #(#setters)*
        }
        #default_impl
    }
}
