//! Shape signatures: `#[layer(input = [...], output = [...])]` resolved against the struct
//! (names bind, literals and const generics are compile-time sizes, config fields are sizes
//! of their own type), with the rules of the flags that depend on them (`custom_shape`,
//! `strict`, `sequential`). The code they generate is in `expand::static_layer`,
//! `expand::forward` and `expand::sequential`.

use quote::quote;
use syn::{GenericParam, Ident, LitInt};

use crate::internals::ctxt::Ctxt;
use crate::internals::text::{did_you_mean, ident_text};
use crate::layer::ast::{Container, Field};
use crate::layer::attr::container::{Signature, SignatureEntry};

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
pub struct Resolved<'a> {
    /// Whether it starts with `..`.
    pub rest: bool,
    /// The entries after `..`, if any.
    pub dims: Vec<Dim<'a>>,
}

/// The struct's signatures, resolved.
#[derive(Default)]
pub struct Signatures<'a> {
    /// `input = [...]`
    pub input: Option<Resolved<'a>>,
    /// `output = [...]`
    pub output: Option<Resolved<'a>>,
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
    container: &'a Container<'a>,
    sig: &Signature,
    bound: Option<&[String]>,
) -> Option<Resolved<'a>> {
    let fields = container.fields();
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
                let name = ident_text(ident);
                if consts.iter().any(|c| *c == name) {
                    dims.push(Dim::Const(ident.clone()));
                } else if let Some(field) = fields.iter().find(|f| f.name() == name) {
                    if field.is_config() {
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
                    let hint = did_you_mean(&name, &container.config_names());
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
    ok.then_some(Resolved { rest, dims })
}

/// Resolves and checks the struct's signatures and the `sequential` rules.
pub fn resolve<'a>(cx: &Ctxt, container: &'a Container<'a>) -> Signatures<'a> {
    let fields = container.fields();
    let attrs = &container.attrs;
    let mut shapes = Signatures::default();
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
        shapes.input = resolve_sig(cx, container, input, None);
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
                    Dim::Bind(i) => Some(ident_text(i)),
                    _ => None,
                })
                .collect();
            shapes.output = resolve_sig(cx, container, output, Some(&names));
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
            if f.is_weight() {
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
        if container.sublayer_fields().next().is_none() {
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
