//! Checks that need the whole struct, run after parsing and before any code is generated:
//! field types against their kinds, generated method names against the ones `Layer`
//! already has, the names used in weight shapes ([`weight_shape`]), and the shape
//! signatures resolved against the struct ([`signature`]).

pub mod signature;
pub mod weight_shape;

use syn::Type;

use self::signature::Signatures;
use crate::internals::ctxt::Ctxt;
use crate::layer::ast::Container;
use crate::layer::attr::field::FieldKind;

/// Methods of `Layer` and `LayerExt` (and `new`): a builder setter with one of these names
/// would hide them.
const TAKEN_METHOD_NAMES: &[&str] = &[
    "new",
    "type_name",
    "name",
    "forward",
    "weights",
    "weights_mut",
    "sublayers",
    "sublayers_mut",
    "config",
    "try_config",
    "is_container",
    "summary_rows",
    "summary_rows_for",
    "display_name",
    "build",
    "apply",
    "is_built",
    "all_weights",
    "trainable_weights",
    "non_trainable_weights",
    "count_params",
    "get_weights",
    "set_weights",
    "set_trainable",
    "is_trainable",
    "named",
    "summary",
    "check_config",
    "as_dyn",
    "as_dyn_mut",
];

/// Runs every check, and returns the signatures resolved against the struct.
pub fn check<'a>(cx: &Ctxt, container: &'a Container<'a>) -> Signatures<'a> {
    check_fields(cx, container);
    signature::resolve(cx, container)
}

/// Each field's type against its kind, and the setters' names.
fn check_fields(cx: &Ctxt, container: &Container) {
    let fields = container.fields();
    for field in fields {
        match &field.kind {
            FieldKind::Weight(weight) => {
                if !is_weight_type(field.ty) {
                    cx.error_spanned_by(
                        field.ty,
                        format!(
                            "`#[weight]` field `{}` must have type `Weight`",
                            field.name()
                        ),
                    );
                }
                for dim in weight.shape.iter().flatten() {
                    weight_shape::check_dim(cx, container, dim);
                }
                if let Some((cond, otherwise)) = &weight.otherwise {
                    for e in std::iter::once(cond).chain(otherwise) {
                        weight_shape::check_dim(cx, container, e);
                    }
                }
            }
            FieldKind::Config(default) => {
                if is_weight_type(field.ty) {
                    cx.error_spanned_by(
                        field.ty,
                        format!(
                            "field `{}` has type `Weight` but no `#[weight(shape = [...])]`; \
                             add one to make it a weight of the layer, or mark it `#[skip]`",
                            field.name()
                        ),
                    );
                } else if default.is_some() && TAKEN_METHOD_NAMES.contains(&field.name().as_str()) {
                    cx.error_spanned_by(
                        field.ident,
                        format!(
                            "config field `{0}` has a default, so it gets a builder method \
                             `{0}(value)`, which would hide the layer method `{0}`; rename the \
                             field",
                            field.name()
                        ),
                    );
                }
            }
            FieldKind::Sublayer(_) | FieldKind::Skip => {}
        }
    }
}

/// Whether the type's last path segment is `Weight` (`Weight`, `layers::Weight`, …).
fn is_weight_type(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Weight" && s.arguments.is_none()),
        Type::Group(g) => is_weight_type(&g.elem),
        Type::Paren(p) => is_weight_type(&p.elem),
        _ => false,
    }
}
