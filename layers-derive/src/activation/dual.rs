//! The body rewrite behind `#[activation]`'s exact derivatives: the user's `f32` function
//! becomes a function of dual numbers (`__layers::Dual`, value and derivative together) that
//! runs the same code, so `if`, `max`, `exp`, `powi`… all carry the derivative.
//!
//! Every value the body computes with becomes a `Dual`:
//! - the arguments (the input as the variable, hyperparameters as constants);
//! - float literals `0.1`, `2f32` → `Dual::constant(0.1)` (integer literals, as in
//!   `powi(2)`, and `f64` literals stay as they are);
//! - the type `f32` anywhere in the body (`let y: f32`, `|v: f32|`, `sum::<f32>()`) → `Dual`,
//!   and the value of `let y: f32 = e` is converted with `Dual::from(e)`;
//! - `f32::max(a, b)` and other `f32::method` paths → `Dual::method(Dual::from(a), b)`;
//! - `e as f32` → `e` when `e` is a dual value, `Dual::constant(e as f32)` otherwise (an
//!   integer, say); `e as i32` (or any other integer type) of a dual value → `e.value as i32`;
//! - the value returned (the tail expression, through `if`/`match`/blocks, and every
//!   `return`) is converted with `Dual::from`, so that branches returning `f32` constants
//!   such as `f32::INFINITY` still fit.
//!
//! What stays `f32`: `f32::consts::PI` and other associated constants, `const` items, results
//! of casts from integers, and of functions that take and return `f32` only; `Dual` mixes
//! with `f32` in arithmetic, comparisons and method arguments, so these work as operands.
//! A call with a dual argument (`helper(x)`) goes through `DualCall`, which calls a function
//! whose parameters there are `Dual` or a generic `S: Scalar`; for a function that takes `f32`
//! there (and would lose the derivative) its error says to write
//! `fn helper<S: Scalar>(x: S) -> S`. Not supported: calling the activation itself
//! recursively, and casting a dual value to `f64` (reported: the derivative would be lost).
//! Macro bodies (`println!`, `assert!`) are left alone.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{BinOp, Block, Expr, ExprPath, FnArg, ItemFn, Lit, Pat, Stmt, Type, UnOp};

use super::check::is_f32;
use crate::internals::ctxt::Ctxt;

/// The `f32` methods `Dual` has too (with the same arguments).
pub const DUAL_METHODS: &[&str] = &[
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "clamp",
    "copysign",
    "cos",
    "cosh",
    "div_euclid",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "exp_m1",
    "floor",
    "fract",
    "hypot",
    "is_finite",
    "is_infinite",
    "is_nan",
    "is_normal",
    "is_sign_negative",
    "is_sign_positive",
    "is_subnormal",
    "ln",
    "ln_1p",
    "log",
    "log10",
    "log2",
    "max",
    "midpoint",
    "min",
    "mul_add",
    "powf",
    "powi",
    "recip",
    "rem_euclid",
    "round",
    "round_ties_even",
    "signum",
    "sin",
    "sin_cos",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "to_degrees",
    "to_radians",
    "trunc",
];

/// Where an activation's derivative comes from.
pub enum Derivative<'a> {
    /// `#[activation(derivative = path)]`: the user's function.
    Given(&'a ExprPath),
    /// The function's body, rewritten to compute on dual numbers.
    Dual(Block),
}

/// The derivative of `func`: the `given` function, or else its body rewritten to dual
/// numbers, where what cannot carry the derivative (`as f64`) is reported. It runs before
/// the errors are checked, so that code generation reports nothing.
pub fn derivative<'a>(cx: &Ctxt, func: &ItemFn, given: Option<&'a ExprPath>) -> Derivative<'a> {
    if let Some(path) = given {
        return Derivative::Given(path);
    }
    let mut args = Vec::new();
    for arg in &func.sig.inputs {
        if let FnArg::Typed(arg) = arg {
            bound_names(&arg.pat, &mut args);
        }
    }
    Derivative::Dual(rewrite_body(cx, &func.block, &args))
}

/// Rewrites a function body to compute on dual numbers. `args` are the names of the
/// function's arguments (all of which become `Dual`).
fn rewrite_body(cx: &Ctxt, body: &Block, args: &[String]) -> Block {
    let mut block = body.clone();
    let mut rewriter = Rewriter {
        cx,
        duals: args.iter().cloned().collect(),
        closure_depth: 0,
    };
    rewriter.visit_block_mut(&mut block);
    if let Some(Stmt::Expr(tail, None)) = block.stmts.last_mut() {
        wrap_tail(tail);
    }
    block
}

fn dual_path() -> TokenStream {
    quote!(__layers::Dual)
}

/// `Dual::from(expr)`, spanned on the expression.
fn from_dual(expr: &Expr) -> Expr {
    let dual = dual_path();
    syn::parse_quote_spanned!(expr.span()=> #dual::from(#expr))
}

/// Converts the value of a tail expression to `Dual`, going into `if`, `match` and blocks so
/// that every branch gets converted on its own.
fn wrap_tail(expr: &mut Expr) {
    match expr {
        Expr::If(e) => {
            wrap_block_tail(&mut e.then_branch);
            if let Some((_, other)) = &mut e.else_branch {
                wrap_tail(other);
            }
        }
        Expr::Match(m) => {
            for arm in &mut m.arms {
                wrap_tail(&mut arm.body);
            }
        }
        Expr::Block(b) if b.label.is_none() => wrap_block_tail(&mut b.block),
        Expr::Unsafe(b) => wrap_block_tail(&mut b.block),
        // Diverging or opaque: nothing to convert (`panic!()` has no value; a `return`'s
        // value is converted where it is).
        Expr::Macro(_) | Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) | Expr::Loop(_) => {}
        other => *other = from_dual(other),
    }
}

fn wrap_block_tail(block: &mut Block) {
    if let Some(Stmt::Expr(tail, None)) = block.stmts.last_mut() {
        wrap_tail(tail);
    }
}

/// The names bound by a pattern.
fn bound_names(pat: &Pat, out: &mut Vec<String>) {
    match pat {
        Pat::Ident(p) => {
            out.push(syn::ext::IdentExt::unraw(&p.ident).to_string());
            if let Some((_, sub)) = &p.subpat {
                bound_names(sub, out);
            }
        }
        Pat::Type(p) => bound_names(&p.pat, out),
        Pat::Tuple(p) => p.elems.iter().for_each(|e| bound_names(e, out)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| bound_names(e, out)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| bound_names(e, out)),
        Pat::Reference(p) => bound_names(&p.pat, out),
        Pat::Paren(p) => bound_names(&p.pat, out),
        Pat::Or(p) => p.cases.iter().for_each(|e| bound_names(e, out)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| bound_names(&f.pat, out)),
        _ => {}
    }
}

struct Rewriter<'a> {
    cx: &'a Ctxt,
    /// Local names whose values are dual numbers (a best-effort reading of the body).
    duals: BTreeSet<String>,
    closure_depth: usize,
}

impl Rewriter<'_> {
    /// Whether `expr` (not yet rewritten) computes a dual number, as far as the syntax tells.
    fn is_dual(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Lit(l) => is_f32_literal(&l.lit),
            Expr::Path(p) => {
                p.qself.is_none()
                    && p.path.get_ident().is_some_and(|i| {
                        self.duals
                            .contains(&syn::ext::IdentExt::unraw(i).to_string())
                    })
            }
            Expr::Binary(b) => match b.op {
                BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Div(_) | BinOp::Rem(_) => {
                    self.is_dual(&b.left) || self.is_dual(&b.right)
                }
                _ => false,
            },
            Expr::Unary(u) => match u.op {
                UnOp::Not(_) => false,
                _ => self.is_dual(&u.expr),
            },
            Expr::Paren(p) => self.is_dual(&p.expr),
            Expr::Group(g) => self.is_dual(&g.expr),
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                !(method.starts_with("is_")
                    || matches!(
                        method.as_str(),
                        "to_bits"
                            | "total_cmp"
                            | "partial_cmp"
                            | "eq"
                            | "ne"
                            | "lt"
                            | "le"
                            | "gt"
                            | "ge"
                    ))
                    && self.is_dual(&m.receiver)
            }
            Expr::Field(f) => self.is_dual(&f.base),
            Expr::Index(i) => self.is_dual(&i.expr),
            Expr::Call(c) => match f32_method(&c.func) {
                Some(name) => !name.starts_with("is_"),
                None => c.args.iter().any(|a| self.is_dual(a)),
            },
            Expr::Cast(c) => is_f32(&c.ty),
            Expr::If(e) => {
                block_tail(&e.then_branch).is_some_and(|t| self.is_dual(t))
                    || e.else_branch.as_ref().is_some_and(|(_, b)| self.is_dual(b))
            }
            Expr::Match(m) => m.arms.iter().any(|a| self.is_dual(&a.body)),
            Expr::Block(b) => block_tail(&b.block).is_some_and(|t| self.is_dual(t)),
            _ => false,
        }
    }

    fn rewrite_cast(&mut self, expr: &mut Expr) {
        let Expr::Cast(cast) = expr else { return };
        let dual_operand = self.is_dual(&cast.expr);
        self.visit_expr_mut(&mut cast.expr);
        let operand = &cast.expr;
        let dual = dual_path();
        let operand = &parenthesized(operand);
        if is_f32(&cast.ty) {
            *expr = if dual_operand {
                operand.clone()
            } else {
                syn::parse_quote_spanned!(operand.span()=> #dual::constant(#operand as f32))
            };
        } else if dual_operand {
            let ty = &cast.ty;
            if matches!(&*cast.ty, Type::Path(p) if p.path.is_ident("f64")) {
                let as_token = cast.as_token;
                self.cx.error_spanned_by(
                    quote!(#as_token #ty),
                    "`#[activation]` cannot carry the derivative through `as f64`; compute in \
                     `f32`, or give the derivative with `#[activation(derivative = path)]`",
                );
                return;
            }
            // An integer (or other) cast is a step function: its derivative is 0, and the
            // value is the `f32` one.
            *expr = syn::parse_quote_spanned!(operand.span()=> #operand.value as #ty);
        }
    }
}

/// `expr`, in parentheses unless it is a primary expression already (a name, a literal, a
/// call, a method call, a field, an index or a parenthesized expression).
fn parenthesized(expr: &Expr) -> Expr {
    match expr {
        Expr::Path(_)
        | Expr::Lit(_)
        | Expr::Call(_)
        | Expr::MethodCall(_)
        | Expr::Field(_)
        | Expr::Index(_)
        | Expr::Paren(_) => expr.clone(),
        other => syn::parse_quote_spanned!(other.span()=> (#other)),
    }
}

fn block_tail(block: &Block) -> Option<&Expr> {
    match block.stmts.last() {
        Some(Stmt::Expr(e, None)) => Some(e),
        _ => None,
    }
}

fn is_f32_literal(lit: &Lit) -> bool {
    match lit {
        Lit::Float(f) => matches!(f.suffix(), "" | "f32"),
        _ => false,
    }
}

/// Whether `expr` names a function (or a local closure) to call: a path without `<T as …>`
/// whose last segment starts in lower case (`helper`, `utils::helper`), not a tuple struct or
/// variant (`Some`, `Wrapper`), whose fields take any type.
fn is_function_path(expr: &Expr) -> bool {
    let Expr::Path(p) = expr else { return false };
    p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| {
            s.ident
                .to_string()
                .trim_start_matches("r#")
                .starts_with(|c: char| c.is_lowercase() || c == '_')
        })
}

/// `DualCall { f: &helper, args: (a, b, …) }.__layers_call()` for `helper(a, b, …)`, spanned
/// on the function's name so that an error points at it. The traits of the method are
/// imported where the dual-number function is generated.
fn dual_call(call: &syn::ExprCall) -> Expr {
    let (func, args) = (&call.func, call.args.iter());
    syn::parse_quote_spanned!(func.span()=>
        __layers::DualCall { f: &#func, args: (#(#args,)*) }.__layers_call()
    )
}

/// `NAME` if `expr` is the path `f32::NAME` of a method `Dual` has.
fn f32_method(expr: &Expr) -> Option<String> {
    let Expr::Path(p) = expr else { return None };
    let segments = &p.path.segments;
    if p.qself.is_some() || p.path.leading_colon.is_some() || segments.len() != 2 {
        return None;
    }
    let name = segments[1].ident.to_string();
    (segments[0].ident == "f32" && DUAL_METHODS.contains(&name.as_str())).then_some(name)
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Lit(l) if is_f32_literal(&l.lit) => {
                let dual = dual_path();
                let lit = &l.lit;
                *expr = syn::parse_quote_spanned!(lit.span()=> #dual::constant(#lit));
            }
            Expr::Cast(_) => self.rewrite_cast(expr),
            Expr::Call(call) if f32_method(&call.func).is_some() => {
                let name = f32_method(&call.func).expect("checked by the guard");
                let dual = dual_path();
                let method = syn::Ident::new(&name, call.func.span());
                *call.func = syn::parse_quote_spanned!(call.func.span()=> #dual::#method);
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
                if let Some(first) = call.args.first_mut() {
                    *first = from_dual(first);
                }
            }
            // `helper(x)` with a dual argument: through `DualCall`, which calls a helper that
            // takes `Dual` or a generic `S: Scalar`, and whose error for one that takes `f32`
            // shows how to write it.
            Expr::Call(call) if is_function_path(&call.func) => {
                let dual = call.args.iter().any(|a| self.is_dual(a));
                visit_mut::visit_expr_call_mut(self, call);
                if dual {
                    *expr = dual_call(call);
                }
            }
            Expr::Path(_) if f32_method(expr).is_some() => {
                let name = f32_method(expr).expect("checked by the guard");
                let dual = dual_path();
                let method = syn::Ident::new(&name, expr.span());
                *expr = syn::parse_quote_spanned!(expr.span()=> #dual::#method);
            }
            Expr::Return(r) => {
                if let Some(value) = &mut r.expr {
                    self.visit_expr_mut(value);
                    if self.closure_depth == 0 {
                        **value = from_dual(value);
                    }
                }
            }
            Expr::Closure(c) => {
                for input in &c.inputs {
                    if let Pat::Type(p) = input
                        && is_f32(&p.ty)
                    {
                        let mut names = Vec::new();
                        bound_names(&p.pat, &mut names);
                        self.duals.extend(names);
                    }
                }
                self.closure_depth += 1;
                visit_mut::visit_expr_closure_mut(self, c);
                self.closure_depth -= 1;
            }
            // Macro arguments are opaque tokens; leave them as written.
            Expr::Macro(_) => {}
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        let annotated_f32 = matches!(&local.pat, Pat::Type(p) if is_f32(&p.ty));
        let dual_init = local
            .init
            .as_ref()
            .is_some_and(|init| self.is_dual(&init.expr));
        visit_mut::visit_local_mut(self, local);
        if annotated_f32 && let Some(init) = &mut local.init {
            *init.expr = from_dual(&init.expr);
        }
        let mut names = Vec::new();
        bound_names(&local.pat, &mut names);
        for name in names {
            if annotated_f32 || dual_init {
                self.duals.insert(name);
            } else {
                self.duals.remove(&name);
            }
        }
    }

    fn visit_type_mut(&mut self, ty: &mut Type) {
        if is_f32(ty) {
            let dual = dual_path();
            *ty = syn::parse_quote_spanned!(ty.span()=> #dual);
        } else {
            visit_mut::visit_type_mut(self, ty);
        }
    }

    // Items inside the body (`const`, nested `fn`) keep their own `f32` code.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

#[cfg(test)]
mod tests {
    use super::rewrite_body;
    use crate::internals::ctxt::Ctxt;
    use quote::quote;

    fn rewrite(body: syn::Block, args: &[&str]) -> String {
        let cx = Ctxt::new();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = rewrite_body(&cx, &body, &args);
        cx.check().expect("the body rewrites without errors");
        quote!(#out).to_string()
    }

    #[test]
    fn literals_become_constants_and_integers_stay() {
        let out = rewrite(syn::parse_quote!({ x.max(0.1 * x).powi(2) }), &["x"]);
        assert_eq!(
            out,
            quote!({ __layers::Dual::from(x.max(__layers::Dual::constant(0.1) * x).powi(2)) })
                .to_string()
        );
    }

    #[test]
    fn branches_and_returns_are_converted() {
        let out = rewrite(
            syn::parse_quote!({
                if x > 0.0 {
                    return x;
                }
                f32::max(x, f32::INFINITY)
            }),
            &["x"],
        );
        let expected = quote!({
            if x > __layers::Dual::constant(0.0) {
                return __layers::Dual::from(x);
            }
            __layers::Dual::from(__layers::Dual::max(__layers::Dual::from(x), f32::INFINITY))
        });
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn lets_and_casts_follow_the_dual_values() {
        let out = rewrite(
            syn::parse_quote!({
                let y: f32 = n as f32;
                let k = (x * 3.0) as i32;
                y * x as f32 + k as f32
            }),
            &["x"],
        );
        let expected = quote!({
            let y: __layers::Dual = __layers::Dual::from(__layers::Dual::constant(n as f32));
            let k = (x * __layers::Dual::constant(3.0)).value as i32;
            __layers::Dual::from(y * x + __layers::Dual::constant(k as f32))
        });
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn calls_with_dual_arguments_go_through_dual_call() {
        let out = rewrite(
            syn::parse_quote!({ helpers::swish(x, 2.0) + Some(x).unwrap() + count(n) }),
            &["x"],
        );
        let two = quote!(__layers::Dual::constant(2.0));
        let call = quote!(__layers::DualCall { f: &helpers::swish, args: (x, #two,) });
        let expected =
            quote!({ __layers::Dual::from(#call.__layers_call() + Some(x).unwrap() + count(n)) });
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn casting_a_dual_to_f64_is_reported() {
        let cx = Ctxt::new();
        rewrite_body(
            &cx,
            &syn::parse_quote!({ (x as f64).exp() as f32 }),
            &["x".into()],
        );
        assert!(cx.check().is_err());
    }
}
