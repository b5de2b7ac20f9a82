//! The struct's own `#[layer(...)]` attribute, parsed with `parse_nested_meta`, and the
//! shape signatures it holds (`input = [B, 784]`) as written, before their names are
//! resolved against the struct.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Path};

use crate::internals::attr::{self, Attr, AttrName};
use crate::internals::ctxt::Ctxt;

/// How messages name the keys of `#[layer(...)]`.
pub const LAYER: AttrName = AttrName {
    attr: "layer",
    entry: "key",
};

/// The struct's own `#[layer(...)]` attribute.
#[derive(Default)]
pub struct Container {
    /// `crate = path`: where the runtime is, when the automatic rule cannot tell.
    pub krate: Option<Path>,
    /// `name = "..."`: the `type_name` shown in summaries (default: the struct's name).
    pub name: Option<LitStr>,
    /// `sequential`: `call` runs the `#[layer]` fields in order, and the compiler checks
    /// that each accepts what the previous one produces.
    pub sequential: Option<Span>,
    /// `custom_shape`: no `StaticLayer` impl is generated; the author writes one.
    pub custom_shape: Option<Span>,
    /// `strict`: in a `sequential` model with an `input`, a field whose layer has no shape
    /// signature is a compile error instead of being checked at run time only.
    pub strict: Option<Span>,
    /// `input = [...]`: the shape signature of the input.
    pub input: Option<Signature>,
    /// `output = [...]`: the shape signature of the output.
    pub output: Option<Signature>,
    /// `validate = EXPR`: a `fn(&Self) -> Result<()>` that checks the config, called at the
    /// start of every forward pass, before any weight is built.
    pub validate: Option<Expr>,
    /// `masking = EXPR`: a
    /// `fn(&Self, &Tensor, Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)>` that runs
    /// the layer with Keras's mask (or none) and gives the next layer's: `forward_masked`.
    pub masking: Option<Expr>,
    /// `takes_mask = EXPR`, only with `masking`: a `fn(&Self) -> bool` that says whether
    /// the `masking` function takes a mask or refuses it (`Layer::takes_mask`); without it,
    /// a layer with `masking` always takes one.
    pub takes_mask: Option<Expr>,
}

/// A shape signature as written: `[B, 784]`, `[.., IN]`.
pub struct Signature {
    /// The key (`input` or `output`), for messages.
    pub key: &'static str,
    /// The bracketed list, for spans.
    pub span: Span,
    /// Its entries.
    pub dims: Vec<SignatureEntry>,
}

/// One entry of a shape signature, before names are resolved against the struct.
pub enum SignatureEntry {
    /// `..`
    Rest(Span),
    /// A name: a binding (`B`), a const generic or a config field.
    Name(Ident),
    /// A literal size.
    Size(syn::LitInt, usize),
}

/// The keys of `#[layer(...)]` on the struct, each set at most once.
struct Keys<'c> {
    krate: Attr<'c, Path>,
    name: Attr<'c, LitStr>,
    sequential: Attr<'c, Span>,
    custom_shape: Attr<'c, Span>,
    strict: Attr<'c, Span>,
    input: Attr<'c, Signature>,
    output: Attr<'c, Signature>,
    validate: Attr<'c, Expr>,
    masking: Attr<'c, Expr>,
    takes_mask: Attr<'c, (Path, Expr)>,
}

/// Parses the struct's `#[layer(...)]` attributes (and rejects field attributes put on the
/// struct).
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> Container {
    let mut keys = Keys {
        krate: Attr::none(cx, LAYER),
        name: Attr::none(cx, LAYER),
        sequential: Attr::none(cx, LAYER),
        custom_shape: Attr::none(cx, LAYER),
        strict: Attr::none(cx, LAYER),
        input: Attr::none(cx, LAYER),
        output: Attr::none(cx, LAYER),
        validate: Attr::none(cx, LAYER),
        masking: Attr::none(cx, LAYER),
        takes_mask: Attr::none(cx, LAYER),
    };
    for attr in attrs {
        let path = attr.path();
        if path.is_ident("weight") || path.is_ident("config") || path.is_ident("skip") {
            cx.error_spanned_by(
                path,
                format!(
                    "`{}` goes on a field of the struct, not on the struct itself",
                    attr::key_name(path)
                ),
            );
            continue;
        }
        // `#[layer]` alone on the struct says nothing.
        if !path.is_ident("layer") || matches!(attr.meta, Meta::Path(_)) {
            continue;
        }
        attr::parse_keys(cx, attr, |meta| parse_key(cx, &mut keys, &meta));
    }
    let masking = keys.masking.get();
    let takes_mask = match (keys.takes_mask.get(), &masking) {
        (Some((_, expr)), Some(_)) => Some(expr),
        (Some((path, _)), None) => {
            cx.error_spanned_by(
                &path,
                "`takes_mask` says when the layer's `masking` function takes a mask; \
                 add `masking = …`, or remove `takes_mask` (without `masking` a layer \
                 refuses every mask)",
            );
            None
        }
        (None, _) => None,
    };
    Container {
        krate: keys.krate.get(),
        name: keys.name.get(),
        sequential: keys.sequential.get(),
        custom_shape: keys.custom_shape.get(),
        strict: keys.strict.get(),
        input: keys.input.get(),
        output: keys.output.get(),
        validate: keys.validate.get(),
        masking,
        takes_mask,
    }
}

/// One key of `#[layer(...)]` on the struct.
fn parse_key(cx: &Ctxt, keys: &mut Keys, meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    let path = &meta.path;
    if path.is_ident("crate") {
        // `crate = ::path::to::layers` or `crate = "::path::to::layers"`
        keys.krate.set(path, attr::crate_path(meta)?);
    } else if path.is_ident("name") {
        // `name = "TypeName"`
        if let Some(name) = attr::name(cx, LAYER, meta)? {
            keys.name.set(path, name);
        }
    } else if path.is_ident("sequential")
        || path.is_ident("custom_shape")
        || path.is_ident("strict")
    {
        // `sequential`, `custom_shape`, `strict`: flags
        let key = if path.is_ident("sequential") {
            &mut keys.sequential
        } else if path.is_ident("strict") {
            &mut keys.strict
        } else {
            &mut keys.custom_shape
        };
        if let Some(span) = attr::flag(cx, LAYER, meta)? {
            key.set(path, span);
        }
    } else if path.is_ident("input") || path.is_ident("output") {
        // `input = [B, 784]`, `output = [.., units]`
        let (name, key) = if path.is_ident("input") {
            ("input", &mut keys.input)
        } else {
            ("output", &mut keys.output)
        };
        let expr: Expr = meta.value()?.parse()?;
        if let Some(sig) = signature(cx, name, expr) {
            key.set(path, sig);
        }
    } else if path.is_ident("validate") {
        // `validate = Self::validate_config` (any expression of type
        // `fn(&Self) -> Result<()>`)
        keys.validate.set(path, meta.value()?.parse()?);
    } else if path.is_ident("masking") {
        // `masking = Self::forward_masked` (any expression of type
        // `fn(&Self, &Tensor, Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)>`)
        keys.masking.set(path, meta.value()?.parse()?);
    } else if path.is_ident("takes_mask") {
        // `takes_mask = |layer| layer.mask_zero` (any expression of type `fn(&Self) -> bool`)
        keys.takes_mask
            .set(path, (path.clone(), meta.value()?.parse()?));
    } else {
        // anything else, e.g. `nmae = "…"` or `default` (a field key)
        let hint = match attr::key_name(path).as_str() {
            "default" | "init" => {
                " (`default` and `init` go on a `#[layer]` field, not on the struct)"
            }
            _ => "",
        };
        let expected = format!(
            "`name`, `crate`, `input`, `output`, `validate`, `masking`, `takes_mask`, \
             `sequential`, `strict` or `custom_shape`{hint}"
        );
        attr::unknown_key(cx, LAYER, meta, &expected)?;
    }
    Ok(())
}

/// Parses `[B, 784]` or `[.., IN]`: each entry a name, an integer literal or `..`.
fn signature(cx: &Ctxt, key: &'static str, expr: Expr) -> Option<Signature> {
    let example = "e.g. `input = [B, 784]` or `output = [.., units]`";
    let Expr::Array(array) = expr else {
        cx.error_spanned_by(
            &expr,
            format!("`{key}` takes a list of dimensions in brackets, {example}"),
        );
        return None;
    };
    let span = array.bracket_token.span.join();
    let mut dims = Vec::new();
    let mut ok = true;
    for elem in array.elems {
        match elem {
            Expr::Range(r) if r.start.is_none() && r.end.is_none() => {
                if matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
                    dims.push(SignatureEntry::Rest(r.span()));
                } else {
                    cx.error_spanned_by(&r, "write `..` for any number of leading axes");
                    ok = false;
                }
            }
            Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                dims.push(SignatureEntry::Name(
                    p.path.get_ident().expect("checked by the guard").clone(),
                ));
            }
            Expr::Lit(ExprLit {
                lit: Lit::Int(lit), ..
            }) => match lit.base10_parse::<usize>() {
                Ok(n) => dims.push(SignatureEntry::Size(lit, n)),
                Err(e) => {
                    cx.syn_error(e);
                    ok = false;
                }
            },
            other => {
                cx.error_spanned_by(
                    &other,
                    format!(
                        "a dimension in `{key}` is a name that binds the size it receives \
                         (`B`), a size (`784`), a const generic, a config field, or `..` \
                         first for any leading axes; {example}"
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(Signature { key, span, dims })
}
