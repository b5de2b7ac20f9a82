//! Activation bodies as users write them, each compiled twice from the same tokens: once with
//! `x: f32` and once with `x: Dual`. Bare float literals are left as they are (mixed `Dual`
//! and `f32` arithmetic must accept them); bodies that need `#[activation]`'s rewriting of
//! literals to `Dual::constant` are written out rewritten by hand.

use super::{close, derivative};
use crate::dual::Dual;
use crate::math::{erf, erf_f64};
use std::f32::consts::{PI, SQRT_2};

/// Defines `$name::single(x: f32, …) -> f32` and `$name::dual(x: Dual, …) -> Dual` from
/// one body; hyperparameters stay `f32` in both, as in `#[activation]`.
macro_rules! same_body {
    ($($name:ident($x:ident $(, $p:ident)*) $body:block)*) => {$(
        // Bodies as users write them, including what clippy would tidy.
        #[allow(clippy::excessive_precision, clippy::manual_clamp)]
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            pub fn single($x: f32 $(, $p: f32)*) -> f32 $body
            pub fn dual($x: Dual $(, $p: f32)*) -> Dual $body
        }
    )*};
}

same_body! {
    gelu(x) { 0.5 * x * (1.0 + erf(x / SQRT_2)) }
    gelu_sqrt_literal(x) { 0.5 * x * (1.0 + erf(x / 2f32.sqrt())) }
    gelu_tanh(x) { 0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh()) }
    elu(x, alpha) { if x > 0.0 { x } else { alpha * (x.exp() - 1.0) } }
    selu(x) {
        let alpha = 1.6732632423543772848170429916717;
        let scale = 1.0507009873554804934193349852946;
        if x >= 0.0 { scale * x } else { scale * alpha * x.exp_m1() }
    }
    leaky(x) { x.max(0.1 * x) }
    leaky_alpha(x, alpha) { x.max(alpha * x) }
    relu6(x) { x.max(0.0).min(6.0) }
    hard_sigmoid(x) { (x / 6.0 + 0.5).clamp(0.0, 1.0) }
    hard_silu(x) { x * (x / 6.0 + 0.5).clamp(0.0, 1.0) }
    sigmoid(x) { 1.0 / (1.0 + (-x).exp()) }
    silu(x) { x / (1.0 + (-x).exp()) }
    softsign(x) { x / (1.0 + x.abs()) }
    softplus(x) { (1.0 + x.exp()).ln() }
    softplus_stable(x) { x.max(0.0) + (-x.abs()).exp().ln_1p() }
    mish(x) { x * (1.0 + x.exp()).ln().tanh() }
    assigning(x) {
        let mut y = x;
        y *= 2.0;
        y += x;
        y -= 1.0;
        y /= 3.0;
        y %= 5.0;
        y
    }
    comparing(x) { if 0.0 < x && x != 1.0 && -5.0 <= x { x.sqrt() } else { x * x } }
    mixed_consts(x) { x.abs().powf(PI) + PI * x.sin_cos().0 * x.hypot(1.5) + x.atan2(PI) }
}

/// `#[activation]`'s rewriting of literals, by hand, for bodies whose branches are literals.
fn relu_rewritten(x: Dual) -> Dual {
    if x > Dual::constant(0.0) {
        x
    } else {
        Dual::constant(0.0)
    }
}

fn gelu_rewritten(x: Dual) -> Dual {
    Dual::constant(0.5) * x * (Dual::constant(1.0) + erf(x / Dual::constant(2.0).sqrt()))
}

const ALPHA: f64 = 1.6732632423543772;
const SCALE: f64 = 1.0507009873554805;

/// (name, f32 body, Dual body, f64 reference, points to skip because of kinks)
type Case = (
    &'static str,
    fn(f32) -> f32,
    fn(Dual) -> Dual,
    fn(f64) -> f64,
    &'static [f64],
);

fn cases() -> Vec<Case> {
    let gelu64 = |x: f64| 0.5 * x * (1.0 + erf_f64(x / 2f64.sqrt()));
    let sigmoid64 = |x: f64| 1.0 / (1.0 + (-x).exp());
    let hard_sigmoid64 = |x: f64| (x / 6.0 + 0.5).clamp(0.0, 1.0);
    let softplus64 = |x: f64| (1.0 + x.exp()).ln();
    vec![
        ("gelu", gelu::single, gelu::dual, gelu64, &[]),
        (
            "gelu_sqrt_literal",
            gelu_sqrt_literal::single,
            gelu_sqrt_literal::dual,
            gelu64,
            &[],
        ),
        ("gelu_rewritten", gelu::single, gelu_rewritten, gelu64, &[]),
        (
            "gelu_tanh",
            gelu_tanh::single,
            gelu_tanh::dual,
            |x| {
                0.5 * x
                    * (1.0
                        + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
            },
            &[],
        ),
        (
            "elu",
            |x| elu::single(x, 1.5),
            |x| elu::dual(x, 1.5),
            |x| {
                if x > 0.0 { x } else { 1.5 * (x.exp() - 1.0) }
            },
            &[0.0],
        ),
        (
            "selu",
            selu::single,
            selu::dual,
            |x| {
                if x >= 0.0 {
                    SCALE * x
                } else {
                    SCALE * ALPHA * x.exp_m1()
                }
            },
            &[0.0],
        ),
        (
            "leaky",
            leaky::single,
            leaky::dual,
            |x| x.max(0.1 * x),
            &[0.0],
        ),
        (
            "leaky_alpha",
            |x| leaky_alpha::single(x, 0.3),
            |x| leaky_alpha::dual(x, 0.3),
            |x| x.max(0.3 * x),
            &[0.0],
        ),
        (
            "relu",
            |x| if x > 0.0 { x } else { 0.0 },
            relu_rewritten,
            |x| x.max(0.0),
            &[0.0],
        ),
        (
            "relu6",
            relu6::single,
            relu6::dual,
            |x| x.clamp(0.0, 6.0),
            &[0.0, 6.0],
        ),
        (
            "hard_sigmoid",
            hard_sigmoid::single,
            hard_sigmoid::dual,
            hard_sigmoid64,
            &[-3.0, 3.0],
        ),
        (
            "hard_silu",
            hard_silu::single,
            hard_silu::dual,
            |x| x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            &[-3.0, 3.0],
        ),
        ("sigmoid", sigmoid::single, sigmoid::dual, sigmoid64, &[]),
        (
            "silu",
            silu::single,
            silu::dual,
            |x| x * (1.0 / (1.0 + (-x).exp())),
            &[],
        ),
        (
            "softsign",
            softsign::single,
            softsign::dual,
            |x| x / (1.0 + x.abs()),
            &[],
        ),
        (
            "softplus",
            softplus::single,
            softplus::dual,
            softplus64,
            &[],
        ),
        (
            "softplus_stable",
            softplus_stable::single,
            softplus_stable::dual,
            softplus64,
            &[0.0],
        ),
        (
            "mish",
            mish::single,
            mish::dual,
            |x| x * (1.0 + x.exp()).ln().tanh(),
            &[],
        ),
        (
            "assigning",
            assigning::single,
            assigning::dual,
            |x| ((x * 3.0 - 1.0) / 3.0) % 5.0,
            &[],
        ),
        (
            "comparing",
            comparing::single,
            comparing::dual,
            |x| {
                if 0.0 < x && x != 1.0 && -5.0 <= x {
                    x.sqrt()
                } else {
                    x * x
                }
            },
            &[0.0],
        ),
        (
            "mixed_consts",
            mixed_consts::single,
            mixed_consts::dual,
            |x| {
                let pi = f64::from(PI);
                x.abs().powf(pi) + pi * x.sin() * x.hypot(1.5) + x.atan2(pi)
            },
            &[0.0],
        ),
    ]
}

#[test]
fn bodies_give_f32_values_and_exact_derivatives() {
    for (name, single, dual, double, kinks) in cases() {
        // Off-grid points, so that kinks at integers and ±3 are not hit.
        for i in 0..=160 {
            let x = -7.95 + 0.1 * i as f32;
            let y = dual(Dual::variable(x));
            assert_eq!(y.value.to_bits(), single(x).to_bits(), "{name}({x})");
            let x64 = f64::from(x);
            if kinks.iter().any(|k| (x64 - k).abs() < 0.01) {
                continue;
            }
            let fd = derivative(double, x64);
            // Intermediate f32 roundings (e.g. 1 + erf(−5) = 0) cost some absolute accuracy.
            let ok = close(y.deriv, fd) || (f64::from(y.deriv) - fd).abs() < 1e-6;
            assert!(ok, "{name}'({x}) = {:e}, finite difference {fd:e}", y.deriv);
        }
    }
}

#[test]
fn kinks_take_the_documented_branch() {
    // Keras: elu uses x for x ≥ 0; `x > 0.0` sends 0 to the other branch, whose slope α·e⁰
    // is what the Dual reports.
    assert_eq!(elu::dual(Dual::variable(0.0), 1.5).deriv, 1.5);
    assert_eq!(relu_rewritten(Dual::variable(0.0)).deriv, 0.0);
    assert_eq!(leaky::dual(Dual::variable(0.0)).deriv, 1.0); // tie: self
    assert_eq!(relu6::dual(Dual::variable(6.0)).deriv, 1.0);
    assert_eq!(hard_sigmoid::dual(Dual::variable(3.0)).deriv, 1.0 / 6.0);
}
