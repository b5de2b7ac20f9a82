//! `impl FromConfig` (Keras's `from_config`): the config fields read back by name (a field
//! with a default keeps it when absent), the parts `new` makes computed from them, every
//! sublayer made from its own config; and the registration of the class under its type
//! name, so that a saved model finds it with no list of custom objects.

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Ident, Type};

use super::parts::Parts;
use crate::layer::ast::Container;
use crate::layer::attr::field::{ConfigDefault, FieldKind, SublayerInit};

/// `impl FromConfig`, and the registration when the type can be named without arguments.
pub fn from_config_impl(container: &Container) -> TokenStream {
    let ident = container.ident;
    let type_name = container.type_name();
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let params = type_params(container);
    // A sublayer whose type involves a type parameter is made through its `FromConfig`,
    // which the impl then requires; any other type is made through it when it has one.
    let bounds: Vec<TokenStream> = container
        .sublayer_fields()
        .filter(|f| mentions_type(f.ty, &params))
        .map(|f| {
            let ty = f.ty;
            quote!(#ty: __layers::FromConfig)
        })
        .collect();
    let where_clause = match (where_clause, bounds.is_empty()) {
        (_, true) => quote!(#where_clause),
        (Some(w), false) => {
            let existing = &w.predicates;
            quote!(where #existing, #(#bounds),*)
        }
        (None, false) => quote!(where #(#bounds),*),
    };
    let config_names = container.config_names();
    let sublayer_names: Vec<String> = container.sublayer_fields().map(|f| f.name()).collect();
    let required = container.config_fields().filter_map(|f| {
        let FieldKind::Config(None) = f.kind else {
            return None;
        };
        let (name, ty, key) = (f.ident, f.ty, f.name());
        // Read through the same `<T as ConfigValue>` path as `config()` writes, so that a
        // type without it gets that one error, not a second.
        let read = quote_spanned! {ty.span()=>
            <#ty as __layers::ConfigValue>::from_config(__layers_reader.value(#key)?)
        };
        Some(quote! {
            let #name: #ty = __layers_reader.field(#key, #read)?;
        })
    });
    let optional = container.config_fields().filter_map(|f| {
        let FieldKind::Config(Some(default)) = &f.kind else {
            return None;
        };
        let (name, ty, key) = (f.ident, f.ty, f.name());
        let default = match default {
            ConfigDefault::Trait => quote_spanned!(ty.span()=> ::core::default::Default::default()),
            ConfigDefault::Expr(e) => quote!(#e),
        };
        let read = quote_spanned! {ty.span()=>
            <#ty as __layers::ConfigValue>::from_config(__layers_value)
        };
        Some(quote! {
            let #name: #ty = match __layers_reader.maybe_value(#key) {
                ::core::option::Option::Some(__layers_value) => __layers_reader.field(#key, #read)?,
                ::core::option::Option::None => #default,
            };
        })
    });
    let parts = Parts::of(container);
    let compute = parts.compute(container, quote!());
    let inits = container.fields().iter().map(|f| {
        let (name, ty, key) = (f.ident, f.ty, f.name());
        match &f.kind {
            FieldKind::Weight(_) => {
                let value = Parts::value(container, f);
                quote!(#name: #value)
            }
            // A sublayer `new` makes from the settings may be left out of the config (as
            // Keras leaves an LSTM's cell out): it is then made as `new` makes it.
            FieldKind::Sublayer(SublayerInit::Expr(_) | SublayerInit::Default) => {
                let made = Parts::value(container, f);
                quote_spanned! {ty.span()=>
                    #name: match __layers_reader.maybe_sublayer(#key) {
                        ::core::option::Option::Some(__layers_sub) => __layers_reader.in_sublayer(
                            #key,
                            (&__layers::Maker::<#ty>::new()).make(__layers_sub),
                        )?,
                        ::core::option::Option::None => #made,
                    }
                }
            }
            FieldKind::Sublayer(SublayerInit::Arg) => quote_spanned! {ty.span()=>
                #name: __layers_reader.in_sublayer(
                    #key,
                    (&__layers::Maker::<#ty>::new()).make(__layers_reader.sublayer(#key)?),
                )?
            },
            FieldKind::Skip => {
                quote_spanned!(ty.span()=> #name: ::core::default::Default::default())
            }
            FieldKind::Config(_) => quote!(#name),
        }
    });
    let registration = registration(container, ident, &type_name);
    quote! {
        impl #impl_generics __layers::FromConfig for #ident #ty_generics #where_clause {
            #[allow(unused_variables, clippy::redundant_clone)]
            fn from_config(
                __layers_config: &__layers::LayerConfig,
            ) -> __layers::Result<Self> {
                #[allow(unused_imports)]
                use __layers::{MakeFallback as _, MakeFromConfig as _};
                let __layers_reader = __layers::ConfigReader::new(
                    __layers_config,
                    #type_name,
                    &[#(#config_names),*],
                    &[#(#sublayer_names),*],
                )?;
                #(#required)*
                #(#optional)*
                #compute
                ::core::result::Result::Ok(Self { #(#inits),* })
            }
        }
        #registration
    }
}

/// The registration under the type name, for a type that can be named without arguments:
/// no lifetimes or const parameters, and a default for every type parameter (`Dense` is
/// `Dense<usize>`). Others are registered at a type with `register_layer!`.
fn registration(container: &Container, ident: &Ident, type_name: &str) -> TokenStream {
    let nameable = container.generics.params.iter().all(|p| match p {
        GenericParam::Type(t) => t.default.is_some(),
        _ => false,
    });
    if !nameable {
        return TokenStream::new();
    }
    quote! {
        __layers::inventory::submit! {
            __layers::LayerEntry::of::<#ident>(#type_name)
        }
    }
}

/// The names of the type parameters.
fn type_params(container: &Container) -> Vec<Ident> {
    container
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .collect()
}

/// Whether `tokens` name one of `params`.
fn mentions(tokens: TokenStream, params: &[Ident]) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => params.contains(&i),
        TokenTree::Group(g) => mentions(g.stream(), params),
        _ => false,
    })
}

/// Whether type `ty` names one of `params`.
fn mentions_type(ty: &Type, params: &[Ident]) -> bool {
    mentions(quote!(#ty), params)
}
