//! The compile-time check of a `#[layer(sequential)]` model: each field takes what the
//! previous one produces (and, with `strict`, produces a shape the compiler knows); it also
//! records which fields the compiler checked, for the summary. Its forward pass is in
//! [`forward`](super::forward).

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::static_layer::{model_input_ty, sig_ty};
use crate::internals::text::ident_text;
use crate::layer::ast::{Container, Field};
use crate::layer::check::signature::{Dim, Signatures};

/// The compile-time check of a `sequential` layer with an `input`: each field must take what
/// the previous one produces. It is an associated constant, `__LAYERS_CHECKED`, which also
/// records whether the compiler knows the shapes each field receives and produces (for the
/// summary), so that a field is checked by one chain of calls and a mistake is reported
/// once. For a struct without generics it is evaluated where the struct is defined (so that
/// the compiler also evaluates reshape element counts); for a generic one, when the summary
/// of an instance is compiled.
pub fn sequential_check(container: &Container, signatures: &Signatures) -> TokenStream {
    let (Some(_), Some(input)) = (container.attrs.sequential, &signatures.input) else {
        return TokenStream::new();
    };
    let layer_fields: Vec<&Field> = container.sublayer_fields().collect();
    let markers: Vec<Ident> = layer_fields.iter().map(|f| f.ident.clone()).collect();
    let marker_items = layer_fields.iter().zip(&markers).map(|(f, m)| {
        let name = f.name();
        quote! {
            #[allow(non_camel_case_types, dead_code)]
            struct #m;
            impl __layers::FieldName for #m {
                const NAME: &'static str = #name;
            }
        }
    });
    // `strict`: each field must also produce a shape the compiler knows.
    let step = if container.attrs.strict.is_some() {
        quote!(strict_step)
    } else {
        quote!(step)
    };
    let flags: Vec<Ident> = (0..layer_fields.len())
        .map(|i| format_ident!("__layers_checked_{}", i))
        .collect();
    let steps = layer_fields
        .iter()
        .zip(&markers)
        .zip(&flags)
        .map(|((f, m), flag)| {
            let ty = f.ty;
            let span = f.ty.span();
            let step = quote_spanned! {span=>
                let __layers_s = __layers::#step::<_, #ty, #m>(__layers_s);
            };
            quote! {
                let __layers_known = __layers::shape_known(&__layers_s);
                #step
                let #flag = __layers_known && __layers::shape_known(&__layers_s);
            }
        });
    let start = model_input_ty(input);
    let ident = container.ident;
    let output = signatures.output.as_ref().map(|out| {
        let binds: HashMap<String, TokenStream> = input
            .dims
            .iter()
            .filter_map(|d| match d {
                Dim::Bind(i) => Some((ident_text(i), quote!(usize))),
                _ => None,
            })
            .collect();
        let declared = sig_ty(out, &binds, 0);
        let span = container
            .attrs
            .output
            .as_ref()
            .map_or(Span::call_site(), |s| s.span);
        quote_spanned! {span=>
            #[allow(non_camel_case_types, dead_code)]
            struct output;
            impl __layers::FieldName for output {
                const NAME: &'static str = "output";
            }
            __layers::expect_output::<_, #declared, #ident, output>(__layers_s);
        }
    });
    let count = flags.len();
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let checked = quote! {
        impl #impl_generics #ident #ty_generics #where_clause {
            #[doc(hidden)]
            const __LAYERS_CHECKED: [bool; #count] = {
                #(#marker_items)*
                let __layers_s = ::core::marker::PhantomData::<#start>;
                #(#steps)*
                #output
                [#(#flags),*]
            };
        }
    };
    let eager = container.generics.params.is_empty().then(|| {
        quote! {
            const _: [bool; #count] = #ident::__LAYERS_CHECKED;
        }
    });
    quote!(#checked #eager)
}
