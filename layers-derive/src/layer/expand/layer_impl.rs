//! The `Layer` impl `#[derive(Layer)]` writes: one function per method (`type_name`,
//! `forward`, `weights`, `sublayers`, `config`, `summary_rows`), and the private trait
//! through which sublayer fields are seen as layers.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::forward::{enabled_value, forward_body};
use super::scope::{add_used_config, bind_from_self};
use crate::layer::ast::{Container, Field};
use crate::layer::attr::field::Weight;
use crate::layer::check::signature::Signatures;

/// `impl Layer`, with the sublayer trait it uses.
pub fn layer_impl(container: &Container, signatures: &Signatures) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let sublayer_trait = sublayer_trait(container);
    let type_name = type_name_fn(container);
    let forward = forward_body(container, signatures);
    let weights = weights_fns(container);
    let sublayers = sublayers_fns(container);
    let config = config_fn(container);
    let summary = summary_fns(container, signatures);
    let masking = masking_fn(container);
    let takes_mask = takes_mask_fn(container);
    let forward = if container.attrs.sequential.is_some() && masking.is_none() {
        // Masks go through a sequential layer as through a `Sequential`.
        quote! {
            fn forward(
                &self,
                __layers_x: &__layers::Tensor,
            ) -> __layers::Result<__layers::Tensor> {
                __layers::Layer::forward_masked(self, __layers_x, ::core::option::Option::None)
                    .map(|(__layers_y, _)| __layers_y)
            }

            fn forward_masked(
                &self,
                __layers_x: &__layers::Tensor,
                __layers_mask: ::core::option::Option<&__layers::Tensor>,
            ) -> __layers::Result<(__layers::Tensor, ::core::option::Option<__layers::Tensor>)> {
                #forward
            }
        }
    } else {
        quote! {
            fn forward(
                &self,
                __layers_x: &__layers::Tensor,
            ) -> __layers::Result<__layers::Tensor> {
                #forward
            }
        }
    };
    let forward_rows = forward_rows_fn(container);
    quote! {
        #sublayer_trait

        impl #impl_generics __layers::Layer for #ident #ty_generics #where_clause {
            #type_name
            #forward
            #forward_rows
            #masking
            #takes_mask
            #weights
            #sublayers
            #config
            #summary
        }
    }
}

/// `fn forward_rows` of a layer whose forward pass is its `TryCall` (not a sequential one):
/// the call's `try_call_rows`, after the `validate` function (a configuration it refuses
/// gives `None`, so that `forward` reports it).
fn forward_rows_fn(container: &Container) -> Option<TokenStream> {
    if container.attrs.sequential.is_some() {
        return None;
    }
    let validate = container.attrs.validate.as_ref().map(|check| {
        quote_spanned! {check.span()=>
            let __layers_validate: fn(&Self) -> __layers::Result<()> = #check;
            if __layers_validate(self).is_err() {
                return ::core::option::Option::None;
            }
        }
    });
    let ident = container.ident;
    let call = quote_spanned! {ident.span()=>
        <Self as __layers::TryCall>::try_call_rows(self, __layers_x, __layers_rows)
    };
    Some(quote! {
        fn forward_rows(
            &self,
            __layers_x: &[f32],
            __layers_rows: usize,
        ) -> ::core::option::Option<::std::vec::Vec<f32>> {
            #validate
            #call
        }
    })
}

/// `fn forward_masked` for `#[layer(masking = EXPR)]`: `EXPR`, given the mask or `None`.
fn masking_fn(container: &Container) -> Option<TokenStream> {
    let masking = container.attrs.masking.as_ref()?;
    Some(quote_spanned! {masking.span()=>
        fn forward_masked(
            &self,
            __layers_x: &__layers::Tensor,
            __layers_mask: ::core::option::Option<&__layers::Tensor>,
        ) -> __layers::Result<(__layers::Tensor, ::core::option::Option<__layers::Tensor>)> {
            let __layers_masking: fn(
                &Self,
                &__layers::Tensor,
                ::core::option::Option<&__layers::Tensor>,
            ) -> __layers::MaskedOutput = #masking;
            __layers_masking(self, __layers_x, __layers_mask)
        }
    })
}

/// `fn takes_mask`: what `takes_mask = EXPR` says, else `true` for a layer with a `masking`
/// function or a `sequential` one (which carries the mask from field to field); none (the
/// trait's `false`, as its `forward_masked` refuses every mask) for any other.
fn takes_mask_fn(container: &Container) -> Option<TokenStream> {
    let attrs = &container.attrs;
    let body = match (&attrs.takes_mask, &attrs.masking, &attrs.sequential) {
        (Some(takes_mask), _, _) => quote_spanned! {takes_mask.span()=>
            let __layers_takes_mask: fn(&Self) -> bool = #takes_mask;
            __layers_takes_mask(self)
        },
        (None, Some(_), _) | (None, None, Some(_)) => quote!(true),
        (None, None, None) => return None,
    };
    Some(quote! {
        fn takes_mask(&self) -> bool {
            #body
        }
    })
}

/// `fn type_name`: the name in summaries.
pub fn type_name_fn(container: &Container) -> TokenStream {
    let type_name = container.type_name();
    quote! {
        fn type_name(&self) -> &'static str {
            #type_name
        }
    }
}

/// `fn weights` and `fn weights_mut`: the enabled weights, in declaration order.
fn weights_fns(container: &Container) -> Option<TokenStream> {
    let weights: Vec<(&Field, &Weight)> = container.weight_fields().collect();
    if weights.is_empty() {
        return None;
    }
    // Whether each weight is enabled, evaluated with the config fields it names in scope.
    let enabled: Vec<TokenStream> = weights
        .iter()
        .map(|(_, w)| match &w.enabled {
            Some(e) => {
                let mut used = BTreeSet::new();
                add_used_config(container, quote!(#e), &mut used);
                enabled_value(e, bind_from_self(container, &used))
            }
            None => quote!(true),
        })
        .collect();
    let flags: Vec<_> = weights
        .iter()
        .map(|(f, _)| format_ident!("__layers_enabled_{}", f.name()))
        .collect();
    let idents: Vec<_> = weights.iter().map(|(f, _)| f.ident).collect();
    Some(quote! {
        fn weights(&self) -> __layers::Vec<&__layers::Weight> {
            #(let #flags: bool = #enabled;)*
            let mut __layers_weights = __layers::Vec::new();
            #(if #flags { __layers_weights.push(&self.#idents); })*
            __layers_weights
        }
        fn weights_mut(&mut self) -> __layers::Vec<&mut __layers::Weight> {
            #(let #flags: bool = #enabled;)*
            let mut __layers_weights = __layers::Vec::new();
            #(if #flags { __layers_weights.push(&mut self.#idents); })*
            __layers_weights
        }
    })
}

/// `(name, &dyn Layer)` for each `#[layer]` field, through the sublayer trait.
fn sublayer_refs(container: &Container) -> (Vec<String>, Vec<TokenStream>) {
    container
        .sublayer_fields()
        .map(|f| {
            let (name, ty) = (f.ident, f.ty);
            let layer = quote_spanned! {ty.span()=>
                <#ty as __layers_Sublayer>::__layers_as_layer(&self.#name)
            };
            (f.name(), layer)
        })
        .unzip()
}

/// `fn sublayers` and `fn sublayers_mut`: the `#[layer]` fields, in declaration order.
fn sublayers_fns(container: &Container) -> Option<TokenStream> {
    container.sublayer_fields().next()?;
    let (names, refs) = sublayer_refs(container);
    let muts = container.sublayer_fields().map(|f| {
        let (name, ty) = (f.ident, f.ty);
        quote_spanned! {ty.span()=>
            <#ty as __layers_Sublayer>::__layers_as_layer_mut(&mut self.#name)
        }
    });
    Some(quote! {
        fn sublayers(&self) -> __layers::Vec<(__layers::String, &dyn __layers::Layer)> {
            __layers::Vec::from([#((__layers::String::from(#names), #refs)),*])
        }
        fn sublayers_mut(&mut self) -> __layers::Vec<(__layers::String, &mut dyn __layers::Layer)> {
            __layers::Vec::from([#((__layers::String::from(#names), #muts)),*])
        }
    })
}

/// `fn config`: each config field by name.
fn config_fn(container: &Container) -> Option<TokenStream> {
    container.config_fields().next()?;
    let inserts = container.config_fields().map(|f| {
        let (name, ty) = (f.ident, f.ty);
        let key = f.name();
        let value =
            quote_spanned!(ty.span()=> <#ty as __layers::ConfigValue>::to_config(&self.#name));
        quote!(__layers_config.insert(__layers::String::from(#key), #value);)
    });
    Some(quote! {
        fn config(&self) -> __layers::serde_json::Value {
            let mut __layers_config = __layers::serde_json::Map::new();
            #(#inserts)*
            __layers::serde_json::Value::Object(__layers_config)
        }
    })
}

/// The summary of a `sequential` model: one row per field, and in a statically checked one,
/// whether the compiler checked it.
fn summary_fns(container: &Container, signatures: &Signatures) -> Option<TokenStream> {
    container.attrs.sequential?;
    let (names, refs) = sublayer_refs(container);
    if signatures.input.is_none() {
        return Some(quote! {
            fn summary_rows_for(&self, __layers_input: &[usize]) -> __layers::Vec<__layers::SummaryRow> {
                __layers::sequential_summary_rows(&[#((#names, #refs)),*], __layers_input)
            }
        });
    }
    let index = 0..names.len();
    let rows = quote! {
        let __layers_checked = Self::__LAYERS_CHECKED;
        let __layers_fields = [#((#names, #refs, __layers_checked[#index])),*];
    };
    Some(quote! {
        fn summary_rows(&self) -> __layers::Vec<__layers::SummaryRow> {
            #rows
            __layers::static_summary_rows(&__layers_fields, ::core::option::Option::None)
        }
        fn summary_rows_for(&self, __layers_input: &[usize]) -> __layers::Vec<__layers::SummaryRow> {
            #rows
            __layers::static_summary_rows(&__layers_fields, ::core::option::Option::Some(__layers_input))
        }
    })
}

/// The trait both sublayer methods go through, so that a field that is not a layer gets one
/// error (identical diagnostics are merged), with a message of ours.
fn sublayer_trait(container: &Container) -> Option<TokenStream> {
    container.sublayer_fields().next()?;
    Some(quote! {
        #[diagnostic::on_unimplemented(
            message = "`#[layer]` field of type `{Self}` is not a layer",
            label = "a `#[layer]` field must implement `Layer`",
            note = "a `#[layer]` field holds a sublayer: a type with `#[derive(Layer)]` or an `impl Layer`; a hyperparameter is a plain field, and anything else can be `#[skip]`"
        )]
        #[allow(non_camel_case_types)]
        trait __layers_Sublayer {
            fn __layers_as_layer(&self) -> &dyn __layers::Layer;
            fn __layers_as_layer_mut(&mut self) -> &mut dyn __layers::Layer;
        }

        #[diagnostic::do_not_recommend]
        impl<T: __layers::Layer> __layers_Sublayer for T {
            fn __layers_as_layer(&self) -> &dyn __layers::Layer {
                self
            }
            fn __layers_as_layer_mut(&mut self) -> &mut dyn __layers::Layer {
                self
            }
        }
    })
}
