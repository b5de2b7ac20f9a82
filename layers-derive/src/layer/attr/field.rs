//! A field's attribute, parsed with `parse_nested_meta`: `#[weight(...)]`, `#[layer(...)]`,
//! `#[config(...)]` or `#[skip]`, which decides what the field is.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta};

use super::container::LAYER;
use crate::internals::attr::{self, Attr, AttrName};
use crate::internals::ctxt::Ctxt;
use crate::internals::initializer;
use crate::internals::text::ident_text;

const WEIGHT: AttrName = AttrName {
    attr: "weight",
    entry: "key",
};

const CONFIG: AttrName = AttrName {
    attr: "config",
    entry: "key",
};

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
    /// `shape = [...]`, one expression per axis; `None` if missing (already reported). With
    /// `shape = if COND { [...] } else { [...] }`, the shape when `COND` holds.
    pub shape: Option<Vec<Expr>>,
    /// `shape = if COND { [...] } else { [...] }`: `COND` and the shape when it does not
    /// hold (GRU's bias, `(2, 3·units)` or `(3·units,)` by `reset_after`).
    pub otherwise: Option<Otherwise>,
    /// `shape = Self::method`: a `fn(&Self, &[usize]) -> Result<Vec<usize>>` given the
    /// input's per-sample shape, for a rank that follows the input (PReLU's `alpha`); then
    /// `shape` is empty.
    pub shape_fn: Option<syn::ExprPath>,
    /// `init = ...`.
    pub init: Init,
    /// `trainable = ...` (default `true`).
    pub trainable: Option<Expr>,
    /// `enabled = ...`: a `bool` expression over config fields; a disabled weight is not
    /// created and not listed (Dense's bias with `use_bias = false`).
    pub enabled: Option<Expr>,
    /// `regularizer = ...`: an `Option<Regularizer>` (or a `Regularizer`) expression over
    /// config fields.
    pub regularizer: Option<Expr>,
    /// `constraint = ...`: an `Option<Constraint>` (or a `Constraint`) expression over
    /// config fields.
    pub constraint: Option<Expr>,
}

/// The `COND` of `shape = if COND { [...] } else { [...] }` and the shape when it does not
/// hold.
pub type Otherwise = (Expr, Vec<Expr>);

/// A `shape` value as parsed: the dimensions, and the alternative of an `if`; or the
/// function of `shape = Self::method`.
type ShapeChoice = (Vec<Expr>, Option<Otherwise>, Option<syn::ExprPath>);

/// A weight's initializer.
pub enum Init {
    /// No `init`: [`initializer::DEFAULT`].
    Default,
    /// `init = "name"`, a name checked against [`initializer::INITIALIZERS`].
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

/// The attributes that say what a field is.
const KIND_ATTRIBUTES: [&str; 4] = ["weight", "layer", "config", "skip"];

/// Parses a field's attributes into its kind; a field with none is config. Of two kind
/// attributes the first counts and the second is reported.
pub fn field(cx: &Ctxt, ident: &Ident, attrs: &[Attribute]) -> FieldKind {
    let mut kind: Option<(FieldKind, &'static str)> = None;
    for attr in attrs {
        let Some(name) = KIND_ATTRIBUTES
            .into_iter()
            .find(|name| attr.path().is_ident(name))
        else {
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
            _ => skip(cx, attr),
        };
        kind = Some((parsed, name));
    }
    kind.map_or(FieldKind::Config(None), |(kind, _)| kind)
}

/// `#[skip]`, which takes nothing.
fn skip(cx: &Ctxt, attr: &Attribute) -> FieldKind {
    match &attr.meta {
        Meta::List(list) => {
            cx.error_spanned_by(&list.tokens, "`skip` takes no arguments; write `#[skip]`")
        }
        Meta::NameValue(nv) => {
            cx.error_spanned_by(&nv.value, "`skip` takes no value; write `#[skip]`")
        }
        Meta::Path(_) => {}
    }
    FieldKind::Skip
}

/// Reports a `#[name = value]` form of a list attribute.
fn list_only(cx: &Ctxt, attr: &Attribute, example: &str) -> bool {
    if let Meta::NameValue(nv) = &attr.meta {
        cx.error_spanned_by(
            &nv.value,
            format!(
                "`{}` takes a list of keys, e.g. `{example}`",
                attr::key_name(attr.path())
            ),
        );
        return false;
    }
    true
}

/// The keys of one `#[weight(...)]`, each set at most once.
struct WeightKeys<'c> {
    shape: Attr<'c, ShapeChoice>,
    init: Attr<'c, Init>,
    trainable: Attr<'c, Expr>,
    enabled: Attr<'c, Expr>,
    regularizer: Attr<'c, Expr>,
    constraint: Attr<'c, Expr>,
}

fn weight(cx: &Ctxt, attr: &Attribute) -> Weight {
    let mut keys = WeightKeys {
        shape: Attr::none(cx, WEIGHT),
        init: Attr::none(cx, WEIGHT),
        trainable: Attr::none(cx, WEIGHT),
        enabled: Attr::none(cx, WEIGHT),
        regularizer: Attr::none(cx, WEIGHT),
        constraint: Attr::none(cx, WEIGHT),
    };
    let example = "#[weight(shape = [input[-1], units])]";
    let mut parsed_ok = list_only(cx, attr, example);
    if parsed_ok && matches!(attr.meta, Meta::List(_)) {
        parsed_ok = attr::parse_keys(cx, attr, |meta| weight_key(cx, &mut keys, &meta));
    }
    let (shape, otherwise, shape_fn) = match keys.shape.get() {
        Some((dims, otherwise, shape_fn)) => (Some(dims), otherwise, shape_fn),
        None => (None, None, None),
    };
    if parsed_ok && shape.is_none() {
        cx.error_spanned_by(attr, format!("`weight` needs a `shape`, e.g. `{example}`"));
    }
    Weight {
        shape,
        otherwise,
        shape_fn,
        init: keys.init.get().unwrap_or(Init::Default),
        trainable: keys.trainable.get(),
        enabled: keys.enabled.get(),
        regularizer: keys.regularizer.get(),
        constraint: keys.constraint.get(),
    }
}

/// A `shape` value: `[d0, ...]`, or `if COND { [d0, ...] } else { [e0, ...] }` as the first
/// list and `(COND, second list)`, or `Self::method` (a path of two segments or more, so
/// that a lone config field is still reported as not a list); `None` for anything else.
fn shape_choice(expr: &Expr) -> Option<ShapeChoice> {
    fn list(expr: &Expr) -> Option<Vec<Expr>> {
        match expr {
            Expr::Array(array) => Some(array.elems.iter().cloned().collect()),
            Expr::Block(block) => match block.block.stmts.as_slice() {
                [syn::Stmt::Expr(e, None)] => list(e),
                _ => None,
            },
            _ => None,
        }
    }
    if let Some(dims) = list(expr) {
        return Some((dims, None, None));
    }
    if let Expr::Path(path) = expr
        && path.qself.is_none()
        && path.path.segments.len() >= 2
    {
        return Some((Vec::new(), None, Some(path.clone())));
    }
    if let Expr::If(choice) = expr
        && let [syn::Stmt::Expr(then, None)] = choice.then_branch.stmts.as_slice()
        && let (Some(then), Some((_, otherwise))) = (list(then), &choice.else_branch)
        && let Some(otherwise) = list(otherwise)
    {
        return Some((then, Some(((*choice.cond).clone(), otherwise)), None));
    }
    None
}

/// One key of `#[weight(...)]`.
fn weight_key(cx: &Ctxt, keys: &mut WeightKeys, meta: &ParseNestedMeta) -> syn::Result<()> {
    let path = &meta.path;
    if path.is_ident("shape") {
        // `shape = [d0, d1, ...]`: each `d` an expression over config fields and `input[i]`
        // `shape = if COND { [d0, ...] } else { [e0, ...] }`: a rank chosen by the config
        // `shape = Self::method`: a `fn(&Self, &[usize]) -> Result<Vec<usize>>` of the
        // input's per-sample shape, for a rank that follows the input
        let parsed: Expr = meta.value()?.parse()?;
        let shape = match shape_choice(&parsed) {
            Some(shape) => shape,
            None => {
                cx.error_spanned_by(
                    &parsed,
                    "`weight` key `shape` takes a list of dimensions, e.g. \
                     `shape = [input[-1], units]`, `if COND { [...] } else { [...] }`, or \
                     `Self::method` (a function of the input's per-sample shape)",
                );
                // counts as given: do not also report it missing
                (Vec::new(), None, None)
            }
        };
        keys.shape.set(path, shape);
    } else if path.is_ident("init") {
        // `init = "glorot_uniform"` (an initializer name) or `init = EXPR` (an expression
        // of type `Initializer`, config fields in scope)
        let init = match meta.value()?.parse()? {
            Expr::Lit(ExprLit {
                lit: Lit::Str(name),
                ..
            }) => {
                initializer::check_name(cx, &name);
                Init::Name(name)
            }
            other => Init::Expr(other),
        };
        keys.init.set(path, init);
    } else if path.is_ident("trainable") {
        // `trainable = false`, or any `bool` expression over config fields
        keys.trainable.set(path, bool_expr(cx, meta, "false")?);
    } else if path.is_ident("enabled") {
        // `enabled = use_bias`: a `bool` expression over config fields
        keys.enabled.set(path, bool_expr(cx, meta, "use_bias")?);
    } else if path.is_ident("regularizer") {
        // `regularizer = kernel_regularizer.clone()`: an `Option<Regularizer>` or a
        // `Regularizer`, config fields in scope
        keys.regularizer
            .set(path, value_expr(cx, meta, "regularizer")?);
    } else if path.is_ident("constraint") {
        // `constraint = kernel_constraint.clone()`: an `Option<Constraint>` or a
        // `Constraint`, config fields in scope
        keys.constraint
            .set(path, value_expr(cx, meta, "constraint")?);
    } else {
        // anything else, e.g. `shap = [...]`
        attr::unknown_key(
            cx,
            WEIGHT,
            meta,
            "`shape`, `init`, `trainable`, `enabled`, `regularizer` or `constraint`",
        )?;
    }
    Ok(())
}

/// The value of `regularizer` or `constraint`: an expression, where a string literal (a
/// Keras name such as `"l2"`) is reported, since the weight takes the value itself.
fn value_expr(cx: &Ctxt, meta: &ParseNestedMeta, key: &str) -> syn::Result<Expr> {
    let expr: Expr = meta.value()?.parse()?;
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(name),
        ..
    }) = &expr
    {
        let (ty, example) = if key == "regularizer" {
            ("Regularizer", "Regularizer::l2(0.01)")
        } else {
            ("Constraint", "Constraint::max_norm(3.0)")
        };
        cx.error_spanned_by(
            name,
            format!(
                "`weight` key `{key}` takes a `{ty}` expression, not a name: write \
                 `{key} = {example}` or a config field, e.g. `{key} = kernel_{key}.clone()`"
            ),
        );
    }
    Ok(expr)
}

/// The value of `trainable` or `enabled`: a `bool` expression over config fields, where a
/// literal other than `true` or `false` is reported (`example` is the value the message
/// shows).
fn bool_expr(cx: &Ctxt, meta: &ParseNestedMeta, example: &str) -> syn::Result<Expr> {
    let expr: Expr = meta.value()?.parse()?;
    if let Expr::Lit(ExprLit { lit, .. }) = &expr
        && !matches!(lit, Lit::Bool(_))
    {
        let key = attr::key_name(&meta.path);
        cx.error_spanned_by(
            lit,
            format!("`weight` key `{key}` takes a `bool` expression, e.g. `{key} = {example}`"),
        );
    }
    Ok(expr)
}

fn sublayer(cx: &Ctxt, attr: &Attribute) -> SublayerInit {
    if !list_only(cx, attr, "#[layer(default)]") || matches!(attr.meta, Meta::Path(_)) {
        // `#[layer]`: the sublayer is a `new()` argument
        return SublayerInit::Arg;
    }
    // `default` and `init` both say how `new` makes the sublayer: one value, two keys.
    let mut init = Attr::none(cx, LAYER);
    attr::parse_keys(cx, attr, |meta| {
        if meta.path.is_ident("default") {
            // `default`: `Default::default()`
            init.set(&meta.path, SublayerInit::Default);
        } else if meta.path.is_ident("init") {
            // `init = EXPR`: config fields in scope by name
            init.set(&meta.path, SublayerInit::Expr(meta.value()?.parse()?));
        } else {
            // anything else, e.g. `defualt`
            attr::unknown_key(cx, LAYER, &meta, "`default` or `init` on a field")?;
        }
        Ok(())
    });
    init.get().unwrap_or(SublayerInit::Arg)
}

fn config(cx: &Ctxt, attr: &Attribute) -> Option<ConfigDefault> {
    if !list_only(cx, attr, "#[config(default = 1.0)]") || matches!(attr.meta, Meta::Path(_)) {
        // `#[config]`: a required config field, as if unmarked
        return None;
    }
    let mut default = Attr::none(cx, CONFIG);
    attr::parse_keys(cx, attr, |meta| {
        if meta.path.is_ident("default") {
            // `default = EXPR`, or `default` alone for `Default::default()`
            let value = if meta.input.peek(syn::Token![=]) {
                ConfigDefault::Expr(meta.value()?.parse()?)
            } else {
                ConfigDefault::Trait
            };
            default.set(&meta.path, value);
        } else {
            // anything else, e.g. `defualt = 1.0`
            attr::unknown_key(cx, CONFIG, &meta, "`default`")?;
        }
        Ok(())
    });
    default.get()
}
