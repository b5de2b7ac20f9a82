//! The arguments of `#[activation(...)]`, parsed with `parse_nested_meta`: `derivative`,
//! `name`, `crate`, and one `name = default` per hyperparameter. Whether a hyperparameter
//! key names an argument of the function is checked later, with the signature.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprPath, Ident, LitStr, Path};

use crate::internals::attr::{self, Attr, AttrName};
use crate::internals::ctxt::Ctxt;
use crate::internals::text::ident_text;

/// How messages name the options of `#[activation(...)]`.
const ACTIVATION: AttrName = AttrName {
    attr: "activation",
    entry: "option",
};

/// The parsed arguments.
pub struct Args {
    /// `derivative = path`: the user's derivative `fn(f32, hyperparameters…) -> f32`.
    pub derivative: Option<ExprPath>,
    /// `name = "..."`: the registered name (default: the function's name).
    pub name: Option<LitStr>,
    /// `crate = path`: where the runtime is, when the automatic rule cannot tell.
    pub krate: Option<Path>,
    /// `alpha = 1.0`: the hyperparameter keys in attribute order, each with its default, or
    /// `None` when it was given without a value (already reported).
    pub hypers: Vec<(Ident, Option<Expr>)>,
}

impl Args {
    /// The hyperparameter keys given with a default, and the default.
    pub fn defaults(&self) -> impl Iterator<Item = (&Ident, &Expr)> {
        self.hypers
            .iter()
            .filter_map(|(key, default)| Some((key, default.as_ref()?)))
    }

    /// The default given for the hyperparameter `name`.
    pub fn default_of(&self, name: &str) -> Option<&Expr> {
        self.defaults()
            .find(|(key, _)| ident_text(key) == name)
            .map(|(_, e)| e)
    }

    /// Whether the key `name` was given without a value.
    pub fn is_valueless(&self, name: &str) -> bool {
        self.hypers
            .iter()
            .any(|(key, default)| default.is_none() && ident_text(key) == name)
    }
}

/// The options of `#[activation(...)]` with a fixed key, each set at most once, and the
/// hyperparameter keys.
struct Keys<'c> {
    derivative: Attr<'c, ExprPath>,
    name: Attr<'c, LitStr>,
    krate: Attr<'c, Path>,
    hypers: Vec<(Ident, Option<Expr>)>,
}

/// Parses the attribute's arguments, reporting mistakes and going on.
pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let mut keys = Keys {
        derivative: Attr::none(cx, ACTIVATION),
        name: Attr::none(cx, ACTIVATION),
        krate: Attr::none(cx, ACTIVATION),
        hypers: Vec::new(),
    };
    let parser = syn::meta::parser(|meta| parse_option(cx, &mut keys, &meta));
    if let Err(e) = parser.parse2(tokens) {
        cx.syn_error(e);
    }
    Args {
        derivative: keys.derivative.get(),
        name: keys.name.get(),
        krate: keys.krate.get(),
        hypers: keys.hypers,
    }
}

/// One option of `#[activation(...)]`.
fn parse_option(cx: &Ctxt, keys: &mut Keys, meta: &ParseNestedMeta) -> syn::Result<()> {
    let path = &meta.path;
    if path.is_ident("derivative") {
        // `derivative = path::to::function`
        match meta.value()?.parse()? {
            Expr::Path(function) => keys.derivative.set(path, function),
            other => cx.error_spanned_by(
                &other,
                "`activation` option `derivative` takes the path of a function \
                 `fn(f32, …) -> f32`, e.g. `derivative = leaky_derivative`; write a closure as \
                 a named function",
            ),
        }
    } else if path.is_ident("name") {
        // `name = "registered_name"`
        if let Some(name) = attr::name(cx, ACTIVATION, meta)? {
            keys.name.set(path, name);
        }
    } else if path.is_ident("crate") {
        // `crate = ::path::to::layers` or `crate = "::path::to::layers"`
        keys.krate.set(path, attr::crate_path(meta)?);
    } else if let Some(ident) = path.get_ident() {
        // `alpha = 1.0`: the default of hyperparameter `alpha` (checked against the
        // function's arguments later)
        let key = ident_text(ident);
        let default = if meta.input.peek(syn::Token![=]) {
            Some(meta.value()?.parse()?)
        } else {
            cx.error_spanned_by(
                path,
                format!(
                    "`activation` option `{key}` needs a value: `{key} = 1.0` for a \
                     hyperparameter, or `derivative = path`"
                ),
            );
            attr::skip_value(meta)?;
            None
        };
        if keys.hypers.iter().any(|(k, _)| ident_text(k) == key) {
            attr::duplicate(cx, ACTIVATION, path);
        } else {
            keys.hypers.push((ident.clone(), default));
        }
    } else {
        // a longer path such as `a::b = 1`
        attr::unknown_key(
            cx,
            ACTIVATION,
            meta,
            "a hyperparameter name, `derivative`, `name` or `crate`",
        )?;
    }
    Ok(())
}
