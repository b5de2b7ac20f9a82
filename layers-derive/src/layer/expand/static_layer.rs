//! The `StaticLayer` impl: the shape signatures as types over the input shape `__In`, so
//! that the compiler checks them wherever the layer sits in a statically checked model.

use std::collections::HashMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::text::ident_text;
use crate::layer::ast::Container;
use crate::layer::check::signature::{Dim, Resolved, Signatures};

/// `<T as Shape>::Pop`, `m` times over `__In`.
fn pops(m: usize) -> TokenStream {
    let mut t = quote!(__In);
    for _ in 0..m {
        t = quote!(<#t as __layers::Shape>::Pop);
    }
    t
}

/// The type of the input's axis at entry `j` of `k`.
fn axis_ty(rest: bool, k: usize, j: usize) -> TokenStream {
    if rest {
        let base = pops(k - 1 - j);
        quote!(<#base as __layers::Shape>::Last)
    } else {
        let d = format_ident!("D{}", j);
        quote!(<__In as __layers::Shape>::#d)
    }
}

fn size_literal(n: usize, span: Span) -> Literal {
    let mut l = Literal::usize_unsuffixed(n);
    l.set_span(span);
    l
}

/// The type of a non-binding entry.
fn fixed_ty(dim: &Dim) -> TokenStream {
    match dim {
        Dim::Size(lit, n) => {
            let n = size_literal(*n, lit.span());
            quote_spanned!(lit.span()=> __layers::Const<#n>)
        }
        Dim::Const(ident) => quote_spanned!(ident.span()=> __layers::Const<#ident>),
        Dim::Field(field, ident) => {
            let ty = field.ty;
            quote_spanned!(ident.span()=> #ty)
        }
        Dim::Bind(_) => unreachable!("not a fixed size"),
    }
}

/// The input's bindings: name → the type of the axis where it first appears.
fn bindings(input: &Resolved) -> HashMap<String, TokenStream> {
    let k = input.dims.len();
    let mut map = HashMap::new();
    for (j, d) in input.dims.iter().enumerate() {
        if let Dim::Bind(ident) = d {
            map.entry(ident_text(ident))
                .or_insert_with(|| axis_ty(input.rest, k, j));
        }
    }
    map
}

/// A signature as a type over `__In`.
pub fn sig_ty(
    sig: &Resolved,
    binds: &HashMap<String, TokenStream>,
    base_pops: usize,
) -> TokenStream {
    let tys: Vec<TokenStream> = sig
        .dims
        .iter()
        .map(|d| match d {
            Dim::Bind(ident) => binds[&ident_text(ident)].clone(),
            other => fixed_ty(other),
        })
        .collect();
    if sig.rest {
        let mut t = pops(base_pops);
        for ty in tys {
            t = quote!(<#t as __layers::Shape>::Push<#ty>);
        }
        t
    } else {
        quote!((#(#tys,)*))
    }
}

/// The model's input as a concrete type: names are runtime sizes.
pub fn model_input_ty(input: &Resolved) -> TokenStream {
    let tys = input.dims.iter().map(|d| match d {
        Dim::Bind(ident) => quote_spanned!(ident.span()=> usize),
        other => fixed_ty(other),
    });
    quote!((#(#tys,)*))
}

/// The `StaticLayer` impl (none with `custom_shape`).
pub fn static_layer_impl(container: &Container, signatures: &Signatures) -> TokenStream {
    if container.attrs.custom_shape.is_some() {
        return TokenStream::new();
    }
    let (input_ty, binds) = match &signatures.input {
        Some(input) => {
            let binds = bindings(input);
            (sig_ty(input, &binds, input.dims.len()), binds)
        }
        None => (quote!(__In), HashMap::new()),
    };
    let output_ty = match (&signatures.output, &signatures.input) {
        (Some(output), Some(input)) => sig_ty(output, &binds, input.dims.len()),
        _ if container.attrs.sequential.is_some() => {
            let mut t = input_ty.clone();
            for f in container.sublayer_fields() {
                let ty = f.ty;
                t = quote_spanned!(ty.span()=> <#ty as __layers::StaticLayer>::Output<#t>);
            }
            t
        }
        _ => quote!(__layers::DynShape),
    };
    impl_with(container, input_ty, output_ty)
}

/// The `StaticLayer` impl of a layer with errors: any input, and an output the compiler
/// knows nothing about, so that uses of the layer report nothing more.
pub fn stub_static_layer_impl(container: &Container) -> TokenStream {
    impl_with(container, quote!(__In), quote!(__layers::DynShape))
}

fn impl_with(container: &Container, input_ty: TokenStream, output_ty: TokenStream) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    quote! {
        impl #impl_generics __layers::StaticLayer for #ident #ty_generics #where_clause {
            type Input<__In: __layers::Shape> = #input_ty;
            type Output<__In: __layers::Shape> = #output_ty;
            type Check<__In: __layers::Shape> = __layers::NoCheck;
        }
    }
}
