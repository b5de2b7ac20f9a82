//! The checks of `#[activation]` that need the function: a plain `fn(f32, f32…) -> f32`,
//! every hyperparameter with a default, every hyperparameter key naming an argument.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{FnArg, Ident, Item, ItemFn, Pat, ReturnType, Type};

use super::attr::Args;
use crate::internals::ctxt::Ctxt;
use crate::internals::text::{closest, code_list, did_you_mean, expr_text, ident_text};

/// A hyperparameter: an argument after the input, with its default from the attribute.
pub struct Hyper {
    pub ident: Ident,
    pub name: String,
    pub default: Option<syn::Expr>,
}

/// What the checks learned about the function.
pub struct Signature {
    pub hypers: Vec<Hyper>,
    /// Whether stub impls may be emitted next to the function (not for methods: the item
    /// then sits in an `impl` block, where a struct cannot).
    pub stubs: bool,
}

/// Reports an attribute put on something other than a function, on its keyword.
pub fn report_not_a_function(cx: &Ctxt, item: &Item) {
    let (token, what): (TokenStream, &str) = match item {
        Item::Struct(i) => (i.struct_token.to_token_stream(), "a struct"),
        Item::Enum(i) => (i.enum_token.to_token_stream(), "an enum"),
        Item::Const(i) => (i.const_token.to_token_stream(), "a constant"),
        Item::Static(i) => (i.static_token.to_token_stream(), "a static"),
        Item::Impl(i) => (i.impl_token.to_token_stream(), "an impl block"),
        Item::Trait(i) => (i.trait_token.to_token_stream(), "a trait"),
        Item::Mod(i) => (i.mod_token.to_token_stream(), "a module"),
        Item::Type(i) => (i.type_token.to_token_stream(), "a type alias"),
        Item::Use(i) => (i.use_token.to_token_stream(), "a `use`"),
        other => (quote!(#other), "this item"),
    };
    cx.error_spanned_by(
        token,
        format!("`#[activation]` goes on a function `fn name(x: f32) -> f32`, not on {what}"),
    );
}

/// Whether the type is `f32`.
pub fn is_f32(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.qself.is_none() && p.path.is_ident("f32"),
        Type::Group(g) => is_f32(&g.elem),
        Type::Paren(p) => is_f32(&p.elem),
        _ => false,
    }
}

fn type_text(ty: &Type) -> String {
    expr_text(&quote!(#ty))
}

/// Checks the function's qualifiers, arguments and return type against what an activation
/// is, and the attribute's hyperparameter keys against the arguments.
pub fn check_signature(cx: &Ctxt, func: &ItemFn, args: &Args) -> Signature {
    let sig = &func.sig;
    let mut stubs = true;
    // Qualifiers an activation cannot have.
    if let Some(token) = &sig.constness {
        cx.error_spanned_by(
            token,
            "`#[activation]` function cannot be `const`; remove `const`",
        );
    }
    if let Some(token) = &sig.asyncness {
        cx.error_spanned_by(
            token,
            "`#[activation]` function cannot be `async`: an activation is a plain `fn(f32) -> \
             f32`; remove `async`",
        );
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned_by(
            token,
            "`#[activation]` function cannot be `unsafe`; remove `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            "`#[activation]` function cannot have an `extern` ABI; remove it",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "`#[activation]` function cannot be generic: write it for `f32` (the derivative \
             comes from running the same body on dual numbers); to share code between \
             activations, call a helper generic over `Scalar`: `fn helper<S: Scalar>(x: S) -> S`",
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "`#[activation]` function cannot have a `where` clause",
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "`#[activation]` function cannot be variadic");
    }

    // The input, then the hyperparameters.
    let mut hypers = Vec::new();
    let mut inputs = sig.inputs.iter();
    match inputs.next() {
        None => cx.syn_error(syn::Error::new(
            sig.paren_token.span.join(),
            format!(
                "`#[activation]` function needs an input argument: `fn {}(x: f32) -> f32`",
                sig.ident
            ),
        )),
        Some(FnArg::Receiver(receiver)) => {
            stubs = false;
            cx.error_spanned_by(
                receiver.self_token,
                format!(
                    "`#[activation]` goes on a free function, not a method; move `{}` out of \
                     the `impl` and take the input as `x: f32`",
                    sig.ident
                ),
            );
        }
        Some(FnArg::Typed(input)) => {
            if !is_f32(&input.ty) {
                cx.error_spanned_by(
                    &input.ty,
                    format!(
                        "the input of an `#[activation]` function must be `f32`, found `{}`",
                        type_text(&input.ty)
                    ),
                );
            }
        }
    }
    // After a receiver the arguments are not hyperparameters: the method error says it all.
    let inputs = inputs.filter(|_| stubs);
    for arg in inputs {
        let FnArg::Typed(arg) = arg else {
            // A receiver after the first argument is a Rust syntax error already.
            continue;
        };
        let ident = match &*arg.pat {
            Pat::Ident(p) if p.subpat.is_none() && p.by_ref.is_none() => p.ident.clone(),
            other => {
                cx.error_spanned_by(
                    other,
                    "a hyperparameter of an `#[activation]` function must be a plain name, \
                     e.g. `alpha: f32`",
                );
                continue;
            }
        };
        let name = ident_text(&ident);
        if !is_f32(&arg.ty) {
            cx.error_spanned_by(
                &arg.ty,
                format!(
                    "hyperparameter `{name}` must be `f32`, found `{}`",
                    type_text(&arg.ty)
                ),
            );
        }
        let default = args.default_of(&name).cloned();
        // A misspelt or valueless key for this hyperparameter is reported on the key alone.
        let key_reported = args.is_valueless(&name)
            || args.defaults().any(|(key, _)| {
                let key = ident_text(key);
                key != name && closest(&key, &[name.as_str()]).is_some()
            });
        if default.is_none() && !key_reported {
            cx.error_spanned_by(
                &ident,
                format!(
                    "hyperparameter `{name}` needs a default in the attribute: \
                     `#[activation({name} = 1.0)]`"
                ),
            );
        }
        hypers.push(Hyper {
            ident,
            name,
            default,
        });
    }

    // The return type.
    match &sig.output {
        ReturnType::Default => cx.syn_error(syn::Error::new(
            sig.paren_token.span.close(),
            "`#[activation]` function must return `f32`: add `-> f32`",
        )),
        ReturnType::Type(_, ty) if !is_f32(ty) => cx.error_spanned_by(
            ty,
            format!(
                "`#[activation]` function must return `f32`, found `{}`",
                type_text(ty)
            ),
        ),
        ReturnType::Type(..) => {}
    }

    // Every hyperparameter key of the attribute names an argument.
    let names: Vec<&str> = hypers.iter().map(|h| h.name.as_str()).collect();
    for (key, _) in args.defaults() {
        let key_name = ident_text(key);
        if names.contains(&key_name.as_str()) {
            continue;
        }
        let message = if names.is_empty() {
            format!(
                "unknown `activation` option `{key_name}`; expected `derivative`, `name` or \
                 `crate` (`{}` has no hyperparameters: a hyperparameter is an argument after \
                 the input, like `{key_name}: f32`)",
                sig.ident
            )
        } else {
            let (list, hint) = (code_list(&names), did_you_mean(&key_name, &names));
            format!(
                "unknown `activation` option `{key_name}`{hint}; expected a hyperparameter \
                 ({list}), `derivative`, `name` or `crate`"
            )
        };
        cx.error_spanned_by(key, message);
    }
    Signature { hypers, stubs }
}
