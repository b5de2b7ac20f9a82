//! The `#[layer(...)]`, `#[weight(...)]`, `#[config(...)]` and `#[skip]` attributes, parsed
//! with `parse_nested_meta`. Every mistake is reported to the context and parsing goes on, so
//! that all of an item's mistakes come out in one compile.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Path};

use crate::ctxt::Ctxt;
use crate::text::closest;

/// The initializer names `Initializer::from_name` accepts: Keras's snake_case names first
/// (the ones error messages list), then its class names and aliases.
const INITIALIZERS: &[&str] = &[
    "zeros",
    "ones",
    "constant",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "Zeros",
    "zero",
    "Ones",
    "one",
    "Constant",
    "RandomNormal",
    "normal",
    "RandomUniform",
    "uniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "OrthogonalInitializer",
];

/// How many of [`INITIALIZERS`] are the snake_case names listed in messages.
const SNAKE_CASE_INITIALIZERS: usize = 14;

/// The initializer of a weight without `init`: Keras's `add_weight` default.
pub const DEFAULT_INITIALIZER: &str = "glorot_uniform";

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

/// What a field is, from its attributes.
pub enum FieldKind {
    /// A hyperparameter (no attribute, or `#[config]`).
    Config(Option<ConfigDefault>),
    /// `#[weight(...)]`.
    Weight(Box<Weight>),
    /// `#[layer]`, `#[layer(default)]` or `#[layer(init = ...)]`.
    Sublayer(SublayerInit),
    /// `#[skip]`.
    Skip,
}

/// The default of an optional config field.
pub enum ConfigDefault {
    /// `#[config(default)]`: `Default::default()`.
    Trait,
    /// `#[config(default = EXPR)]`.
    Expr(Expr),
}

/// A `#[weight(...)]` attribute.
pub struct Weight {
    /// `shape = [...]`, one expression per axis; `None` if missing (already reported).
    pub shape: Option<Vec<Expr>>,
    /// `init = ...`.
    pub init: Init,
    /// `trainable = ...` (default `true`).
    pub trainable: Option<Expr>,
    /// `enabled = ...`: a `bool` expression over config fields; a disabled weight is not
    /// created and not listed (Dense's bias with `use_bias = false`).
    pub enabled: Option<Expr>,
}

/// A weight's initializer.
pub enum Init {
    /// No `init`: [`DEFAULT_INITIALIZER`].
    Default,
    /// `init = "name"`, a name checked against [`INITIALIZERS`].
    Name(LitStr),
    /// `init = EXPR`, an expression of type `Initializer`.
    Expr(Expr),
}

/// How `new()` gets a sublayer.
pub enum SublayerInit {
    /// `#[layer]`: a `new()` argument.
    Arg,
    /// `#[layer(default)]`: `Default::default()`.
    Default,
    /// `#[layer(init = EXPR)]`.
    Expr(Expr),
}

/// Tracks the keys already seen in one attribute, to report duplicates at their second
/// occurrence.
struct Seen<'a> {
    attr: &'a str,
    keys: Vec<String>,
}

impl<'a> Seen<'a> {
    fn new(attr: &'a str) -> Self {
        Seen {
            attr,
            keys: Vec::new(),
        }
    }

    /// Records `key`; `false` (after reporting) if it was there already.
    fn first(&mut self, cx: &Ctxt, path: &Path, key: &str) -> bool {
        if self.keys.iter().any(|k| k == key) {
            cx.error_spanned_by(path, format!("duplicate `{}` key `{key}`", self.attr));
            return false;
        }
        self.keys.push(key.to_string());
        true
    }
}

/// Consumes whatever value follows a key that is being rejected (`= EXPR` or `(...)`), so
/// that parsing goes on with the next key.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

fn key_name(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// Parses the struct's `#[layer(...)]` attributes (and rejects field attributes put on the
/// struct).
pub fn container(cx: &Ctxt, attrs: &[Attribute]) -> Container {
    let mut out = Container::default();
    let mut seen = Seen::new("layer");
    for attr in attrs {
        let path = attr.path();
        if path.is_ident("weight") || path.is_ident("config") || path.is_ident("skip") {
            let name = key_name(path);
            cx.error_spanned_by(
                path,
                format!("`{name}` goes on a field of the struct, not on the struct itself"),
            );
            continue;
        }
        if !path.is_ident("layer") {
            continue;
        }
        // `#[layer]` alone on the struct says nothing.
        if matches!(attr.meta, Meta::Path(_)) {
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                // `crate = ::path::to::layers` or `crate = "::path::to::layers"`
                let value = meta.value()?;
                let path = if value.peek(LitStr) {
                    value.parse::<LitStr>()?.parse::<Path>()?
                } else {
                    value.parse::<Path>()?
                };
                if seen.first(cx, &meta.path, "crate") {
                    out.krate = Some(path);
                }
            } else if meta.path.is_ident("name") {
                // `name = "TypeName"`
                let name: LitStr = meta.value()?.parse()?;
                if name.value().is_empty() {
                    cx.error_spanned_by(&name, "`layer` key `name` must not be empty");
                } else if seen.first(cx, &meta.path, "name") {
                    out.name = Some(name);
                }
            } else if meta.path.is_ident("sequential")
                || meta.path.is_ident("custom_shape")
                || meta.path.is_ident("strict")
            {
                // `sequential`, `custom_shape`, `strict`: flags
                let key = if meta.path.is_ident("sequential") {
                    "sequential"
                } else if meta.path.is_ident("strict") {
                    "strict"
                } else {
                    "custom_shape"
                };
                let message = format!("`layer` key `{key}` takes no value; write `{key}`");
                if meta.input.peek(syn::Token![=]) {
                    let value: Expr = meta.value()?.parse()?;
                    cx.error_spanned_by(&value, message);
                } else if meta.input.peek(syn::token::Paren) {
                    let group: proc_macro2::Group = meta.input.parse()?;
                    cx.error_spanned_by(&group, message);
                } else if seen.first(cx, &meta.path, key) {
                    let span = meta.path.segments[0].ident.span();
                    match key {
                        "sequential" => out.sequential = Some(span),
                        "strict" => out.strict = Some(span),
                        _ => out.custom_shape = Some(span),
                    }
                }
            } else if meta.path.is_ident("input") || meta.path.is_ident("output") {
                // `input = [B, 784]`, `output = [.., units]`
                let key = if meta.path.is_ident("input") {
                    "input"
                } else {
                    "output"
                };
                let expr: Expr = meta.value()?.parse()?;
                if let Some(sig) = signature(cx, key, expr)
                    && seen.first(cx, &meta.path, key)
                {
                    if key == "input" {
                        out.input = Some(sig);
                    } else {
                        out.output = Some(sig);
                    }
                }
            } else if meta.path.is_ident("validate") {
                // `validate = Self::validate_config` (any expression of type
                // `fn(&Self) -> Result<()>`)
                let check: Expr = meta.value()?.parse()?;
                if seen.first(cx, &meta.path, "validate") {
                    out.validate = Some(check);
                }
            } else {
                // anything else, e.g. `nmae = "…"` or `default` (a field key)
                let key = key_name(&meta.path);
                let hint = match key.as_str() {
                    "default" | "init" => {
                        " (`default` and `init` go on a `#[layer]` field, not on the struct)"
                    }
                    _ => "",
                };
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "unknown `layer` key `{key}`; expected `name`, `crate`, `input`, \
                         `output`, `validate`, `sequential`, `strict` or `custom_shape`{hint}"
                    ),
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
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
                    p.path.get_ident().expect("checked").clone(),
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

/// Parses a field's attributes into its kind. `Err` when the field's kind could not be
/// decided (the errors are reported already); the field is then treated as config.
pub fn field(cx: &Ctxt, ident: &Ident, attrs: &[Attribute]) -> FieldKind {
    let mut kind: Option<(FieldKind, &'static str)> = None;
    for attr in attrs {
        let name = if attr.path().is_ident("weight") {
            "weight"
        } else if attr.path().is_ident("layer") {
            "layer"
        } else if attr.path().is_ident("config") {
            "config"
        } else if attr.path().is_ident("skip") {
            "skip"
        } else {
            continue;
        };
        if let Some((_, first)) = &kind {
            let field = ident_text(ident);
            let message = if *first == name {
                format!("duplicate `{name}` attribute on field `{field}`")
            } else {
                format!(
                    "field `{field}` is already marked `#[{first}]`; a field is config (no \
                     attribute, or `#[config]`), a `#[weight]`, a `#[layer]` or `#[skip]`, \
                     never two of these"
                )
            };
            cx.error_spanned_by(attr, message);
            continue;
        }
        let parsed = match name {
            "weight" => FieldKind::Weight(Box::new(weight(cx, attr))),
            "layer" => FieldKind::Sublayer(sublayer(cx, attr)),
            "config" => FieldKind::Config(config(cx, attr)),
            _ => {
                if let Meta::List(list) = &attr.meta {
                    cx.error_spanned_by(&list.tokens, "`skip` takes no arguments; write `#[skip]`");
                } else if let Meta::NameValue(nv) = &attr.meta {
                    cx.error_spanned_by(&nv.value, "`skip` takes no value; write `#[skip]`");
                }
                FieldKind::Skip
            }
        };
        kind = Some((parsed, name));
    }
    kind.map_or(FieldKind::Config(None), |(k, _)| k)
}

/// The field name as users write it (without `r#`).
pub fn ident_text(ident: &Ident) -> String {
    syn::ext::IdentExt::unraw(ident).to_string()
}

/// Reports a `#[name = value]` form of a list attribute.
fn list_only(cx: &Ctxt, attr: &Attribute, example: &str) -> bool {
    if let Meta::NameValue(nv) = &attr.meta {
        let name = key_name(attr.path());
        cx.error_spanned_by(
            &nv.value,
            format!("`{name}` takes a list of keys, e.g. `{example}`"),
        );
        return false;
    }
    true
}

fn weight(cx: &Ctxt, attr: &Attribute) -> Weight {
    let mut out = Weight {
        shape: None,
        init: Init::Default,
        trainable: None,
        enabled: None,
    };
    let example = "#[weight(shape = [input[-1], units])]";
    let mut parsed_ok = list_only(cx, attr, example);
    if parsed_ok && matches!(attr.meta, Meta::List(_)) {
        let mut seen = Seen::new("weight");
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("shape") {
                // `shape = [d0, d1, ...]`: each `d` an expression over config fields and
                // `input[i]`
                let expr: Expr = meta.value()?.parse()?;
                let dims = match expr {
                    Expr::Array(array) => Some(array.elems.into_iter().collect::<Vec<_>>()),
                    other => {
                        cx.error_spanned_by(
                            &other,
                            "`weight` key `shape` takes a list of dimensions, e.g. \
                             `shape = [input[-1], units]`",
                        );
                        // counts as given: do not also report it missing
                        Some(Vec::new())
                    }
                };
                if seen.first(cx, &meta.path, "shape") {
                    out.shape = dims;
                }
            } else if meta.path.is_ident("init") {
                // `init = "glorot_uniform"` (an initializer name) or `init = EXPR` (an
                // expression of type `Initializer`, config fields in scope)
                let expr: Expr = meta.value()?.parse()?;
                let init = match expr {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(name),
                        ..
                    }) => {
                        check_initializer_name(cx, &name);
                        Init::Name(name)
                    }
                    other => Init::Expr(other),
                };
                if seen.first(cx, &meta.path, "init") {
                    out.init = init;
                }
            } else if meta.path.is_ident("trainable") {
                // `trainable = false`, or any `bool` expression over config fields
                let expr: Expr = meta.value()?.parse()?;
                if let Expr::Lit(ExprLit { lit, .. }) = &expr
                    && !matches!(lit, Lit::Bool(_))
                {
                    cx.error_spanned_by(lit, "`weight` key `trainable` takes `true` or `false`");
                }
                if seen.first(cx, &meta.path, "trainable") {
                    out.trainable = Some(expr);
                }
            } else if meta.path.is_ident("enabled") {
                // `enabled = use_bias`: a `bool` expression over config fields
                let expr: Expr = meta.value()?.parse()?;
                if let Expr::Lit(ExprLit { lit, .. }) = &expr
                    && !matches!(lit, Lit::Bool(_))
                {
                    cx.error_spanned_by(lit, "`weight` key `enabled` takes a `bool` expression, e.g. `enabled = use_bias`");
                }
                if seen.first(cx, &meta.path, "enabled") {
                    out.enabled = Some(expr);
                }
            } else {
                // anything else, e.g. `shap = [...]`
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "unknown `weight` key `{}`; expected `shape`, `init`, `trainable` or `enabled`",
                        key_name(&meta.path)
                    ),
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
            parsed_ok = false;
        }
    }
    if parsed_ok && out.shape.is_none() {
        cx.error_spanned_by(attr, format!("`weight` needs a `shape`, e.g. `{example}`"));
    }
    out
}

fn check_initializer_name(cx: &Ctxt, name: &LitStr) {
    let value = name.value();
    if INITIALIZERS.contains(&value.as_str()) {
        return;
    }
    let known = &INITIALIZERS[..SNAKE_CASE_INITIALIZERS];
    let list = known
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = closest(&value, known)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    cx.error_spanned_by(
        name,
        format!(
            "unknown initializer `{value}` in `weight`{suggestion}; expected one of {list}, or \
             an expression of type `Initializer`"
        ),
    );
}

fn sublayer(cx: &Ctxt, attr: &Attribute) -> SublayerInit {
    let mut out = SublayerInit::Arg;
    if !list_only(cx, attr, "#[layer(default)]") || matches!(attr.meta, Meta::Path(_)) {
        // `#[layer]`: the sublayer is a `new()` argument
        return out;
    }
    let mut seen: Option<(String, Span)> = None;
    let result = attr.parse_nested_meta(|meta| {
        let key = if meta.path.is_ident("default") {
            // `default`: `Default::default()`
            "default"
        } else if meta.path.is_ident("init") {
            // `init = EXPR`: config fields in scope by name
            "init"
        } else {
            // anything else, e.g. `defualt`
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown `layer` key `{}`; expected `default` or `init` on a field",
                    key_name(&meta.path)
                ),
            );
            return skip_value(&meta);
        };
        let value = if key == "init" {
            SublayerInit::Expr(meta.value()?.parse()?)
        } else {
            SublayerInit::Default
        };
        match &seen {
            Some((first, _)) if first == key => {
                cx.error_spanned_by(&meta.path, format!("duplicate `layer` key `{key}`"));
            }
            Some((first, _)) => {
                cx.error_spanned_by(
                    &meta.path,
                    format!("`layer` keys `{first}` and `{key}` exclude each other; keep one"),
                );
            }
            None => {
                seen = Some((key.to_string(), meta.path.segments[0].ident.span()));
                out = value;
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        cx.syn_error(e);
    }
    out
}

fn config(cx: &Ctxt, attr: &Attribute) -> Option<ConfigDefault> {
    if !list_only(cx, attr, "#[config(default = 1.0)]") || matches!(attr.meta, Meta::Path(_)) {
        // `#[config]`: a required config field, as if unmarked
        return None;
    }
    let mut out = None;
    let mut seen = Seen::new("config");
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("default") {
            // `default = EXPR`, or `default` alone for `Default::default()`
            let value = if meta.input.peek(syn::Token![=]) {
                ConfigDefault::Expr(meta.value()?.parse()?)
            } else {
                ConfigDefault::Trait
            };
            if seen.first(cx, &meta.path, "default") {
                out = Some(value);
            }
        } else {
            // anything else, e.g. `defualt = 1.0`
            cx.error_spanned_by(
                &meta.path,
                format!(
                    "unknown `config` key `{}`; expected `default`",
                    key_name(&meta.path)
                ),
            );
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        cx.syn_error(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{INITIALIZERS, SNAKE_CASE_INITIALIZERS};

    /// The derive checks `init = "name"` at compile time against its own list; the runtime
    /// resolves the name. The two must agree, or a name would pass one and fail the other.
    #[test]
    fn initializer_names_agree_with_the_runtime() {
        for name in INITIALIZERS {
            assert!(
                layers::Initializer::from_name(name).is_ok(),
                "the derive accepts `{name}` but `Initializer::from_name` does not"
            );
        }
        let message = layers::Initializer::from_name("no_such_initializer")
            .unwrap_err()
            .to_string();
        let listed = message
            .split("known initializers: ")
            .nth(1)
            .expect("the error lists the known names");
        let runtime: Vec<&str> = listed.trim_end_matches('.').split(", ").collect();
        assert_eq!(runtime, &INITIALIZERS[..SNAKE_CASE_INITIALIZERS]);
    }
}
