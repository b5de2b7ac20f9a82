//! The names a weight's `shape` may use: config fields, `input[i]` with a literal axis, and
//! `ALL_CAPS` constants; anything else is reported on the name.

use syn::Expr;
use syn::visit_mut::{self, VisitMut};

use crate::internals::ctxt::Ctxt;
use crate::internals::text::{code_list, did_you_mean, ident_text};
use crate::layer::ast::{Container, input_axis, is_input};
use crate::layer::attr::field::FieldKind;

/// Reports the names in one dimension of a weight's `shape` that are neither config fields,
/// `input[i]` nor constants.
pub fn check_dim(cx: &Ctxt, container: &Container, dim: &Expr) {
    let mut checker = ShapeChecker { cx, container };
    checker.visit_expr_mut(&mut dim.clone());
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
struct ShapeChecker<'c, 'a> {
    cx: &'c Ctxt,
    container: &'c Container<'a>,
}

impl ShapeChecker<'_, '_> {
    fn check_name(&self, ident: &syn::Ident) {
        let name = ident_text(ident);
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
        let config = self.container.config_names();
        if config.contains(&name) {
            return;
        }
        let expected = if config.is_empty() {
            "expected `input[i]` or a constant (this struct has no config fields)".to_string()
        } else {
            format!(
                "expected a config field ({}) or `input[i]`",
                code_list(&config)
            )
        };
        let message = match self.container.fields().iter().find(|f| f.name() == name) {
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
                let hint = did_you_mean(&name, &config);
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
