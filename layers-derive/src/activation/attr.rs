//! The arguments of `#[activation(...)]`, parsed with `parse_nested_meta`: `derivative`,
//! `name`, `crate`, and one `name = default` per hyperparameter. Whether a hyperparameter
//! key names an argument of the function is checked later, with the signature.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{Expr, ExprPath, Ident, LitStr, Path};

use crate::ctxt::Ctxt;

/// The parsed arguments.
#[derive(Default)]
pub struct Args {
    /// `derivative = path`: the user's derivative `fn(f32, hyperparameters…) -> f32`.
    pub derivative: Option<ExprPath>,
    /// `name = "..."`: the registered name (default: the function's name).
    pub name: Option<LitStr>,
    /// `crate = path`: where the runtime is, when the automatic rule cannot tell.
    pub krate: Option<Path>,
    /// `alpha = 1.0`: hyperparameter defaults, in attribute order.
    pub defaults: Vec<(Ident, Expr)>,
    /// Keys given without a value (`alpha`), already reported.
    pub valueless: Vec<String>,
}

impl Args {
    /// The default given for the hyperparameter `name`.
    pub fn default_of(&self, name: &str) -> Option<&Expr> {
        self.defaults
            .iter()
            .find(|(key, _)| syn::ext::IdentExt::unraw(key) == name)
            .map(|(_, e)| e)
    }
}

/// Parses the attribute's arguments, reporting mistakes and going on.
pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let mut args = Args::default();
    let mut seen: Vec<String> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let path = &meta.path;
        let key = match path.get_ident() {
            Some(ident) => syn::ext::IdentExt::unraw(ident).to_string(),
            None => quote::quote!(#path).to_string().replace(' ', ""),
        };
        let first = !seen.contains(&key);
        if !first {
            cx.error_spanned_by(&meta.path, format!("duplicate `activation` option `{key}`"));
        }
        seen.push(key.clone());
        if meta.path.is_ident("derivative") {
            // `derivative = path::to::function`
            let expr: Expr = meta.value()?.parse()?;
            match expr {
                Expr::Path(path) if first => args.derivative = Some(path),
                Expr::Path(_) => {}
                other => cx.error_spanned_by(
                    &other,
                    "`activation` option `derivative` takes the path of a function \
                     `fn(f32, …) -> f32`, e.g. `derivative = leaky_derivative`; write a closure \
                     as a named function",
                ),
            }
        } else if meta.path.is_ident("name") {
            // `name = "registered_name"`
            let name: LitStr = meta.value()?.parse()?;
            if name.value().is_empty() {
                cx.error_spanned_by(&name, "`activation` option `name` must not be empty");
            } else if first {
                args.name = Some(name);
            }
        } else if meta.path.is_ident("crate") {
            // `crate = ::path::to::layers` or `crate = "::path::to::layers"`
            let value = meta.value()?;
            let path = if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse::<Path>()?
            } else {
                value.parse::<Path>()?
            };
            if first {
                args.krate = Some(path);
            }
        } else if let Some(ident) = meta.path.get_ident() {
            // `alpha = 1.0`: the default of hyperparameter `alpha` (checked against the
            // function's arguments later)
            if meta.input.peek(syn::Token![=]) {
                let default: Expr = meta.value()?.parse()?;
                if first {
                    args.defaults.push((ident.clone(), default));
                }
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "`activation` option `{key}` needs a value: `{key} = 1.0` for a \
                         hyperparameter, or `derivative = path`"
                    ),
                );
                args.valueless.push(key.clone());
                if meta.input.peek(syn::token::Paren) {
                    meta.input.parse::<proc_macro2::Group>()?;
                }
            }
        } else {
            // a longer path such as `a::b = 1`
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown `activation` option `{key}`; expected a hyperparameter name, \
                     `derivative`, `name` or `crate`"
                ),
            );
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<Expr>()?;
            }
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(tokens) {
        cx.syn_error(e);
    }
    args
}
