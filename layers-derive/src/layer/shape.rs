//! Shape signatures: `#[layer(input = [...], output = [...])]` resolved against the struct
//! (names bind, literals and const generics are compile-time sizes, config fields are sizes
//! of their own type), and the code they generate: the `StaticLayer` impl, the checks made
//! on every call, and for `#[layer(sequential)]` the forward pass and the compile-time check
//! of every field against the previous one (in [`sequential`](super::sequential)).

use std::collections::HashMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Ident, LitInt};

use super::ast::{Container, Field};
use super::attr::{self, FieldKind, Signature, SignatureEntry};
use crate::ctxt::Ctxt;

/// One resolved dimension.
pub enum Dim<'a> {
    /// A name binding the size received there.
    Bind(Ident),
    /// A literal size.
    Size(LitInt, usize),
    /// A const generic parameter of the struct.
    Const(Ident),
    /// A config field (its size type is the field's type), and the name as written.
    Field(&'a Field<'a>, Ident),
}

/// A resolved signature.
pub struct Sig<'a> {
    /// Whether it starts with `..`.
    pub rest: bool,
    /// The entries after `..`, if any.
    pub dims: Vec<Dim<'a>>,
}

/// The struct's signatures, resolved.
#[derive(Default)]
pub struct Shapes<'a> {
    /// `input = [...]`
    pub input: Option<Sig<'a>>,
    /// `output = [...]`
    pub output: Option<Sig<'a>>,
}

fn const_params(container: &Container) -> Vec<Ident> {
    container
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Const(c) => Some(c.ident.clone()),
            _ => None,
        })
        .collect()
}

/// Whether a config field's type is a size, as far as the tokens tell: `usize`,
/// `Const<N>` (any path ending so), or a type parameter of the struct (bounded by `Dim`, which
/// the compiler checks).
fn is_size_type(container: &Container, ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let type_param = path.path.segments.len() == 1
        && container
            .generics
            .params
            .iter()
            .any(|p| matches!(p, GenericParam::Type(t) if t.ident == last.ident));
    last.ident == "usize" || last.ident == "Const" || type_param
}

fn starts_uppercase(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn resolve_sig<'a>(
    cx: &Ctxt,
    container: &Container,
    fields: &'a [Field<'a>],
    sig: &Signature,
    bound: Option<&[String]>,
) -> Option<Sig<'a>> {
    let consts = const_params(container);
    let mut rest = false;
    let mut dims = Vec::new();
    let mut ok = true;
    let key = sig.key;
    for (i, entry) in sig.dims.iter().enumerate() {
        match entry {
            SignatureEntry::Rest(span) => {
                if i != 0 {
                    cx.syn_error(syn::Error::new(
                        *span,
                        format!("`..` can only come first in `{key}`, e.g. `{key} = [.., IN]`"),
                    ));
                    ok = false;
                } else {
                    rest = true;
                }
            }
            SignatureEntry::Size(lit, n) => dims.push(Dim::Size(lit.clone(), *n)),
            SignatureEntry::Name(ident) => {
                let name = attr::ident_text(ident);
                if consts.iter().any(|c| *c == name) {
                    dims.push(Dim::Const(ident.clone()));
                } else if let Some(field) = fields.iter().find(|f| f.name() == name) {
                    if matches!(field.kind, FieldKind::Config(_)) {
                        if is_size_type(container, field.ty) {
                            dims.push(Dim::Field(field, ident.clone()));
                        } else {
                            let ty = field.ty;
                            let ty = quote!(#ty).to_string().replace(' ', "");
                            cx.error_spanned_by(
                                ident,
                                format!(
                                    "config field `{name}` has type `{ty}`, which is not a size, \
                                     so it cannot be a dimension in `{key}`; a size field has \
                                     type `usize`, `Const<N>` or a type parameter bounded by \
                                     `Dim`"
                                ),
                            );
                            ok = false;
                        }
                    } else {
                        cx.error_spanned_by(
                            ident,
                            format!(
                                "field `{name}` is not a config field, so it cannot be a size \
                                 in `{key}`; a size field is a plain field of type `usize` or \
                                 `Const<N>`"
                            ),
                        );
                        ok = false;
                    }
                } else if starts_uppercase(&name) {
                    if let Some(bound) = bound
                        && !bound.contains(&name)
                    {
                        cx.error_spanned_by(
                            ident,
                            format!(
                                "`{name}` in `output` is not bound by `input`; name it in \
                                 `input` (e.g. `input = [B, {name}]`), or write a size, a \
                                 const generic or a config field"
                            ),
                        );
                        ok = false;
                    } else {
                        dims.push(Dim::Bind(ident.clone()));
                    }
                } else {
                    let configs: Vec<String> = fields
                        .iter()
                        .filter(|f| matches!(f.kind, FieldKind::Config(_)))
                        .map(Field::name)
                        .collect();
                    let names: Vec<&str> = configs.iter().map(String::as_str).collect();
                    let hint = crate::text::closest(&name, &names)
                        .map(|n| format!(" (did you mean `{n}`?)"))
                        .unwrap_or_default();
                    cx.error_spanned_by(
                        ident,
                        format!(
                            "`{name}` in `{key}` is not a config field{hint}; a dimension is \
                             a name that binds the size it receives (starting with an \
                             uppercase letter, e.g. `B`), a size (`784`), a const generic or \
                             a config field"
                        ),
                    );
                    ok = false;
                }
            }
        }
    }
    if dims.len() > 4 {
        cx.syn_error(syn::Error::new(
            sig.span,
            format!(
                "`{key}` has {} axes; shapes are checked up to rank 4 (write `..` for leading \
                 axes)",
                dims.len()
            ),
        ));
        ok = false;
    }
    ok.then_some(Sig { rest, dims })
}

/// Resolves and checks the struct's signatures and the `sequential` rules.
pub fn resolve<'a>(cx: &Ctxt, container: &'a Container, fields: &'a [Field<'a>]) -> Shapes<'a> {
    let attrs = &container.attrs;
    let mut shapes = Shapes::default();
    if let Some(span) = attrs.custom_shape {
        if attrs.sequential.is_some() {
            cx.syn_error(syn::Error::new(
                span,
                "`custom_shape` and `sequential` exclude each other: a sequential model's \
                 shape comes from its fields",
            ));
        }
        for sig in [&attrs.input, &attrs.output].into_iter().flatten() {
            cx.syn_error(syn::Error::new(
                sig.span,
                format!(
                    "`{}` has no effect with `custom_shape`, where you implement \
                     `StaticLayer` yourself; remove one of them",
                    sig.key
                ),
            ));
        }
        return shapes;
    }
    if let Some(input) = &attrs.input {
        shapes.input = resolve_sig(cx, container, fields, input, None);
    }
    if let Some(output) = &attrs.output {
        if attrs.input.is_none() {
            cx.syn_error(syn::Error::new(
                output.span,
                "`output` needs an `input` signature to bind its names against, e.g. \
                 `#[layer(input = [B, IN], output = [B, 64])]`",
            ));
        } else if let Some(input) = &shapes.input {
            let names: Vec<String> = input
                .dims
                .iter()
                .filter_map(|d| match d {
                    Dim::Bind(i) => Some(attr::ident_text(i)),
                    _ => None,
                })
                .collect();
            shapes.output = resolve_sig(cx, container, fields, output, Some(&names));
            if let Some(out) = &shapes.output
                && out.rest
                && !input.rest
            {
                cx.syn_error(syn::Error::new(
                    output.span,
                    "`..` in `output` passes on the leading axes matched by `..` in `input`, \
                     which has none; add `..` to `input` or remove it from `output`",
                ));
                shapes.output = None;
            }
        }
    }
    if let Some(span) = attrs.strict {
        if attrs.sequential.is_none() {
            cx.syn_error(syn::Error::new(
                span,
                "`strict` applies to a statically checked `sequential` model: write \
                 `#[layer(sequential, strict, input = [B, 784])]`",
            ));
        } else if attrs.input.is_none() {
            cx.syn_error(syn::Error::new(
                span,
                "`strict` needs an `input` signature to check the fields against, e.g. \
                 `#[layer(sequential, strict, input = [B, 784])]`",
            ));
        }
    }
    if let Some(span) = attrs.sequential {
        for f in fields {
            if matches!(f.kind, FieldKind::Weight(_)) {
                cx.error_spanned_by(
                    f.ident,
                    format!(
                        "a `sequential` layer runs its `#[layer]` fields in order and cannot \
                         hold weights; move `{}` into a layer of its own",
                        f.name()
                    ),
                );
            }
        }
        if !fields
            .iter()
            .any(|f| matches!(f.kind, FieldKind::Sublayer(_)))
        {
            cx.syn_error(syn::Error::new(
                span,
                "a `sequential` layer needs `#[layer]` fields: they are called in order",
            ));
        }
        if let (Some(input), Some(sig)) = (&shapes.input, &attrs.input)
            && input.rest
        {
            cx.syn_error(syn::Error::new(
                sig.span,
                "a `sequential` model's `input` lists every axis (no `..`), e.g. \
                 `input = [B, 784]`",
            ));
        }
    }
    shapes
}

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
fn bindings(input: &Sig) -> HashMap<String, TokenStream> {
    let k = input.dims.len();
    let mut map = HashMap::new();
    for (j, d) in input.dims.iter().enumerate() {
        if let Dim::Bind(ident) = d {
            map.entry(attr::ident_text(ident))
                .or_insert_with(|| axis_ty(input.rest, k, j));
        }
    }
    map
}

/// A signature as a type over `__In`.
pub fn sig_ty(sig: &Sig, binds: &HashMap<String, TokenStream>, base_pops: usize) -> TokenStream {
    let tys: Vec<TokenStream> = sig
        .dims
        .iter()
        .map(|d| match d {
            Dim::Bind(ident) => binds[&attr::ident_text(ident)].clone(),
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
pub fn model_input_ty(input: &Sig) -> TokenStream {
    let tys = input.dims.iter().map(|d| match d {
        Dim::Bind(ident) => quote_spanned!(ident.span()=> usize),
        other => fixed_ty(other),
    });
    quote!((#(#tys,)*))
}

/// The `#[layer]` fields, in order.
pub fn layer_fields<'f, 'a>(fields: &'f [Field<'a>]) -> Vec<&'f Field<'a>> {
    fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Sublayer(_)))
        .collect()
}

/// The `StaticLayer` impl (none with `custom_shape`).
pub fn static_layer_impl(container: &Container, fields: &[Field], shapes: &Shapes) -> TokenStream {
    if container.attrs.custom_shape.is_some() {
        return TokenStream::new();
    }
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let (input_ty, binds) = match &shapes.input {
        Some(input) => {
            let binds = bindings(input);
            (sig_ty(input, &binds, input.dims.len()), binds)
        }
        None => (quote!(__In), HashMap::new()),
    };
    let output_ty = match (&shapes.output, &shapes.input) {
        (Some(output), Some(input)) => sig_ty(output, &binds, input.dims.len()),
        _ if container.attrs.sequential.is_some() => {
            let mut t = input_ty.clone();
            for f in layer_fields(fields) {
                let ty = f.ty;
                t = quote_spanned!(ty.span()=> <#ty as __layers::StaticLayer>::Output<#t>);
            }
            t
        }
        _ => quote!(__layers::DynShape),
    };
    quote! {
        impl #impl_generics __layers::StaticLayer for #ident #ty_generics #where_clause {
            type Input<__In: __layers::Shape> = #input_ty;
            type Output<__In: __layers::Shape> = #output_ty;
            type Check<__In: __layers::Shape> = __layers::NoCheck;
        }
    }
}

/// The run-time form of a signature.
fn runtime_sig(sig: &Sig) -> TokenStream {
    let rest = sig.rest.then(|| quote!(__layers::SignatureDim::Rest,));
    let dims = sig.dims.iter().map(|d| match d {
        Dim::Bind(ident) => {
            let name = attr::ident_text(ident);
            quote!(__layers::SignatureDim::Bind(#name))
        }
        Dim::Size(_, n) => {
            let text = n.to_string();
            quote!(__layers::SignatureDim::Fixed(#text, #n))
        }
        Dim::Const(ident) => {
            let text = attr::ident_text(ident);
            quote!(__layers::SignatureDim::Fixed(#text, #ident))
        }
        Dim::Field(field, _) => {
            let text = field.name();
            let name = field.ident;
            quote!(__layers::SignatureDim::Fixed(#text, __layers::Dim::size(&self.#name)))
        }
    });
    quote!(&[#rest #(#dims),*])
}

/// The checks of `forward`: before the call (the input, and `let` for each name), and after
/// it (the output, on `__layers_y`).
pub fn runtime_checks(shapes: &Shapes) -> (TokenStream, TokenStream) {
    let Some(input) = &shapes.input else {
        return (TokenStream::new(), TokenStream::new());
    };
    let sig = runtime_sig(input);
    let mut names: Vec<&Ident> = Vec::new();
    for d in &input.dims {
        if let Dim::Bind(ident) = d
            && !names
                .iter()
                .any(|n| attr::ident_text(n) == attr::ident_text(ident))
        {
            names.push(ident);
        }
    }
    let index = 0..names.len();
    let before = quote! {
        let __layers_bound = __layers::check_input(
            || __layers::LayerExt::display_name(self),
            #sig,
            __layers_x.shape(),
        )?;
        #(
            #[allow(non_snake_case, unused_variables)]
            let #names: usize = __layers_bound.size(#index);
        )*
    };
    let after = shapes.output.as_ref().map(|output| {
        let sig = runtime_sig(output);
        quote! {
            __layers::check_output(
                #sig,
                __layers_y.shape(),
                &__layers_bound,
            )?;
        }
    });
    (before, after.unwrap_or_default())
}
