//! Checks that need the whole struct: field types against their kinds, the names used in
//! weight shapes, and generated method names against the ones `Layer` already has.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprLit, Lit, Type, UnOp};

use super::ast::{Container, Field};
use super::attr::FieldKind;
use crate::ctxt::Ctxt;
use crate::text::closest;

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

/// Runs every check on a struct with named fields.
pub fn check(cx: &Ctxt, container: &Container) {
    let Some(fields) = &container.fields else {
        return;
    };
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
                    let mut checker = ShapeChecker { cx, fields };
                    checker.visit_expr_mut(&mut dim.clone());
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

/// Whether `expr` is the bare path `input`.
pub fn is_input(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(p) if p.qself.is_none() && p.path.is_ident("input"))
}

/// The axis of `input[axis]`, if `index` is an integer literal, possibly negated.
pub fn input_axis(index: &Expr) -> Option<syn::Result<isize>> {
    let (negative, lit) = match index {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => (false, lit),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(lit), ..
            }) => (true, lit),
            _ => return None,
        },
        Expr::Paren(p) => return input_axis(&p.expr),
        Expr::Group(g) => return input_axis(&g.expr),
        _ => return None,
    };
    Some(
        lit.base10_parse::<isize>()
            .map(|v| if negative { -v } else { v }),
    )
}

/// `FOO_BAR`: a constant, allowed in shapes.
fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Reports names in a shape expression that are neither config fields, `input[i]` nor
/// constants. Walks a copy (the crate has only `visit-mut`).
struct ShapeChecker<'c, 'f> {
    cx: &'c Ctxt,
    fields: &'f [Field<'f>],
}

impl ShapeChecker<'_, '_> {
    fn config_names(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Config(_)))
            .map(Field::name)
            .collect()
    }

    fn check_name(&self, ident: &syn::Ident) {
        let name = syn::ext::IdentExt::unraw(ident).to_string();
        if is_constant_name(&name) {
            return;
        }
        if name == "input" {
            self.cx.error_spanned_by(
                ident,
                "`input` in `shape` must be indexed: `input[-1]` is the last axis of the input \
                 (per sample), `input[0]` the first",
            );
            return;
        }
        let config = self.config_names();
        if config.contains(&name) {
            return;
        }
        let list = config
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let expected = if config.is_empty() {
            "expected `input[i]` or a constant (this struct has no config fields)".to_string()
        } else {
            format!("expected a config field ({list}) or `input[i]`")
        };
        let message = match self.fields.iter().find(|f| f.name() == name) {
            Some(field) => {
                let what = match field.kind {
                    FieldKind::Weight(_) => "a weight",
                    FieldKind::Sublayer(_) => "a sublayer",
                    _ => "skipped",
                };
                format!(
                    "field `{name}` is {what}, not config, so `shape` cannot use it; {expected}"
                )
            }
            None => {
                let names: Vec<&str> = config.iter().map(String::as_str).collect();
                let hint = closest(&name, &names)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                format!("unknown field `{name}` in `shape`{hint}; {expected}")
            }
        };
        self.cx.error_spanned_by(ident, message);
    }
}

impl VisitMut for ShapeChecker<'_, '_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Index(index) if is_input(&index.expr) => match input_axis(&index.index) {
                Some(Ok(_)) => {}
                Some(Err(e)) => self.cx.syn_error(e),
                None => self.cx.error_spanned_by(
                    &index.index,
                    "`input[…]` in `shape` takes an integer literal: `input[-1]` for the last \
                     axis of the input (per sample), `input[0]` for the first",
                ),
            },
            Expr::Path(path) if path.qself.is_none() && path.path.segments.len() == 1 => {
                self.check_name(&path.path.segments[0].ident);
            }
            // A function's own name is not a field: check only the arguments.
            Expr::Call(call) if matches!(*call.func, Expr::Path(_)) => {
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
            }
            // Closures bind their own names, and macros are opaque: the compiler checks them.
            Expr::Closure(_) | Expr::Macro(_) => {}
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }
}
