//! Every method's value against the `f32` method bit for bit and its derivative against a
//! finite difference of the `f64` function; the edge cases the docs promise; and activation
//! bodies written once and compiled for both `f32` and `Dual`.

mod bodies;
mod edges;

use super::*;
use crate::math::erf_f64;
use proptest::prelude::*;

/// d/dx f at x by a central difference with Richardson extrapolation (error O(h⁴)), the step
/// relative to |x| so it also resolves ln near 0.01.
fn derivative(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = step(x);
    let d = |h: f64| (f(x + h) - f(x - h)) / (2.0 * h);
    (4.0 * d(h / 2.0) - d(h)) / 3.0
}

fn step(x: f64) -> f64 {
    1e-4 * x.abs().max(1e-2)
}

/// Whether `got` (an f32 derivative) agrees with the finite difference `want`.
fn close(got: f32, want: f64) -> bool {
    close_to_scale(got, want, want.abs())
}

/// As [`close`], relative to `scale` (for a sum of partials, the sum of their magnitudes).
fn close_to_scale(got: f32, want: f64, scale: f64) -> bool {
    (f64::from(got) - want).abs() <= 2e-5 * scale + 1e-9
}

/// A method of one argument with its `f32` and `f64` twins, the range it is checked on, and
/// the distance from x to the nearest kink (where finite differences mean nothing).
struct Unary {
    name: &'static str,
    dual: fn(Dual) -> Dual,
    single: fn(f32) -> f32,
    double: fn(f64) -> f64,
    range: (f32, f32),
    kink: fn(f64) -> f64,
}

fn smooth(_: f64) -> f64 {
    f64::INFINITY
}

fn integers(x: f64) -> f64 {
    (x - x.round()).abs()
}

fn half_integers(x: f64) -> f64 {
    integers(x - 0.5)
}

macro_rules! unary {
    ($($name:literal: |$x:ident| $e:expr, $lo:literal..$hi:literal, $kink:expr;)*) => {
        vec![$(Unary {
            name: $name,
            dual: |$x: Dual| $e,
            single: |$x: f32| $e,
            double: |$x: f64| $e,
            range: ($lo, $hi),
            kink: $kink,
        }),*]
    };
}

fn unary_table() -> Vec<Unary> {
    let mut table = unary! {
        "neg": |x| -x, -100.0..100.0, smooth;
        "exp": |x| x.exp(), -20.0..20.0, smooth;
        "exp2": |x| x.exp2(), -20.0..20.0, smooth;
        "exp_m1": |x| x.exp_m1(), -20.0..20.0, smooth;
        "ln": |x| x.ln(), 0.01..100.0, smooth;
        "ln_1p": |x| x.ln_1p(), -0.99..100.0, smooth;
        "log2": |x| x.log2(), 0.01..100.0, smooth;
        "log10": |x| x.log10(), 0.01..100.0, smooth;
        "sqrt": |x| x.sqrt(), 0.01..100.0, smooth;
        "cbrt": |x| x.cbrt(), -100.0..100.0, f64::abs;
        "recip": |x| x.recip(), -100.0..100.0, f64::abs;
        "powi(-3)": |x| x.powi(-3), -10.0..10.0, f64::abs;
        "powi(-1)": |x| x.powi(-1), -10.0..10.0, f64::abs;
        "powi(0)": |x| x.powi(0), -10.0..10.0, smooth;
        "powi(1)": |x| x.powi(1), -10.0..10.0, smooth;
        "powi(2)": |x| x.powi(2), -10.0..10.0, smooth;
        "powi(7)": |x| x.powi(7), -10.0..10.0, smooth;
        "powf(0.5)": |x| x.powf(0.5), 0.01..10.0, smooth;
        "powf(-0.5)": |x| x.powf(-0.5), 0.01..10.0, smooth;
        "powf(2.0)": |x| x.powf(2.0), -10.0..10.0, smooth;
        "powf(3.3)": |x| x.powf(3.3), 0.01..10.0, smooth;
        "sin": |x| x.sin(), -20.0..20.0, smooth;
        "cos": |x| x.cos(), -20.0..20.0, smooth;
        "tan": |x| x.tan(), -1.5..1.5, smooth;
        "asin": |x| x.asin(), -0.99..0.99, smooth;
        "acos": |x| x.acos(), -0.99..0.99, smooth;
        "atan": |x| x.atan(), -100.0..100.0, smooth;
        "sinh": |x| x.sinh(), -15.0..15.0, smooth;
        "cosh": |x| x.cosh(), -15.0..15.0, smooth;
        "tanh": |x| x.tanh(), -15.0..15.0, smooth;
        "asinh": |x| x.asinh(), -100.0..100.0, smooth;
        "acosh": |x| x.acosh(), 1.01..100.0, smooth;
        "atanh": |x| x.atanh(), -0.99..0.99, smooth;
        "abs": |x| x.abs(), -100.0..100.0, f64::abs;
        "signum": |x| x.signum(), -100.0..100.0, f64::abs;
        "floor": |x| x.floor(), -100.0..100.0, integers;
        "ceil": |x| x.ceil(), -100.0..100.0, integers;
        "round": |x| x.round(), -100.0..100.0, half_integers;
        "round_ties_even": |x| x.round_ties_even(), -100.0..100.0, half_integers;
        "trunc": |x| x.trunc(), -100.0..100.0, integers;
        "fract": |x| x.fract(), -100.0..100.0, integers;
        "to_degrees": |x| x.to_degrees(), -100.0..100.0, smooth;
        "to_radians": |x| x.to_radians(), -100.0..100.0, smooth;
        "sin_cos.0": |x| x.sin_cos().0, -20.0..20.0, smooth;
        "sin_cos.1": |x| x.sin_cos().1, -20.0..20.0, smooth;
    };
    // erf has no `f64` method to share a body with.
    table.push(Unary {
        name: "erf",
        dual: Dual::erf,
        single: crate::math::erf,
        double: erf_f64,
        range: (-6.0, 6.0),
        kink: smooth,
    });
    table.push(Unary {
        name: "erfc",
        dual: Dual::erfc,
        single: crate::math::erfc,
        double: |x| 1.0 - erf_f64(x),
        range: (-6.0, 6.0),
        kink: smooth,
    });
    table
}

/// Checks `f` at `x`: value bit for bit, derivative against the finite difference.
fn check_unary(f: &Unary, x: f32) -> Result<(), String> {
    let y = (f.dual)(Dual::variable(x));
    let want = (f.single)(x);
    if y.value.to_bits() != want.to_bits() {
        return Err(format!("{}({x}) = {}, f32 gives {want}", f.name, y.value));
    }
    let x64 = f64::from(x);
    if (f.kink)(x64) > 4.0 * step(x64) {
        let fd = derivative(f.double, x64);
        if !close(y.deriv, fd) {
            return Err(format!(
                "{}'({x}) = {:e}, finite difference {fd:e}",
                f.name, y.deriv
            ));
        }
    }
    Ok(())
}

#[test]
fn unary_methods_on_a_grid() {
    for f in unary_table() {
        let (lo, hi) = f.range;
        for i in 0..=1000 {
            let x = lo + (hi - lo) * (i as f32 / 1000.0);
            if let Err(e) = check_unary(&f, x) {
                panic!("{e}");
            }
        }
    }
}

/// A method of two arguments, as [`Unary`]; `kink` is the distance to the nearest kink,
/// measured in either argument.
struct Binary {
    name: &'static str,
    dual: fn(Dual, Dual) -> Dual,
    single: fn(f32, f32) -> f32,
    double: fn(f64, f64) -> f64,
    ranges: [(f32, f32); 2],
    kink: fn(f64, f64) -> f64,
}

macro_rules! binary {
    ($($name:literal: |$a:ident, $b:ident| $e:expr, $alo:literal..$ahi:literal,
       $blo:literal..$bhi:literal, $kink:expr;)*) => {
        vec![$(Binary {
            name: $name,
            dual: |$a: Dual, $b: Dual| $e,
            single: |$a: f32, $b: f32| $e,
            double: |$a: f64, $b: f64| $e,
            ranges: [($alo, $ahi), ($blo, $bhi)],
            kink: $kink,
        }),*]
    };
}

fn binary_table() -> Vec<Binary> {
    binary! {
        "add": |a, b| a + b, -100.0..100.0, -100.0..100.0, |_, _| f64::INFINITY;
        "sub": |a, b| a - b, -100.0..100.0, -100.0..100.0, |_, _| f64::INFINITY;
        "mul": |a, b| a * b, -100.0..100.0, -100.0..100.0, |_, _| f64::INFINITY;
        "div": |a, b| a / b, -100.0..100.0, -10.0..10.0, |_, b| b.abs();
        "rem": |a, b| a % b, -10.0..10.0, 0.5..3.0, |a, b| integers(a / b) / 10.0;
        "rem_euclid": |a, b| a.rem_euclid(b), -10.0..10.0, 0.5..3.0, |a, b| integers(a / b) / 10.0;
        "max": |a, b| a.max(b), -10.0..10.0, -10.0..10.0, |a, b| (a - b).abs();
        "min": |a, b| a.min(b), -10.0..10.0, -10.0..10.0, |a, b| (a - b).abs();
        "copysign": |a, b| a.copysign(b), -10.0..10.0, -10.0..10.0, |a, b| a.abs().min(b.abs());
        "log": |a, b| a.log(b), 0.01..100.0, 1.5..10.0, |_, _| f64::INFINITY;
        "powf": |a, b| a.powf(b), 0.01..10.0, -3.0..3.0, |_, _| f64::INFINITY;
        "atan2": |a, b| a.atan2(b), -10.0..10.0, -10.0..10.0,
            |y, x| if x < 0.0 { y.abs() } else { x.hypot(y) };
        "hypot": |a, b| a.hypot(b), -10.0..10.0, -10.0..10.0, |a, b| a.hypot(b);
        "midpoint": |a, b| a.midpoint(b), -100.0..100.0, -100.0..100.0, |_, _| f64::INFINITY;
    }
}

fn check_binary(f: &Binary, a: f32, b: f32) -> Result<(), String> {
    let want = (f.single)(a, b);
    let by_a = (f.dual)(Dual::variable(a), Dual::constant(b));
    let by_b = (f.dual)(Dual::constant(a), Dual::variable(b));
    let both = (f.dual)(Dual::variable(a), Dual::variable(b));
    for y in [by_a, by_b, both] {
        if y.value.to_bits() != want.to_bits() {
            return Err(format!(
                "{}({a}, {b}) = {}, f32 gives {want}",
                f.name, y.value
            ));
        }
    }
    let (a64, b64) = (f64::from(a), f64::from(b));
    if (f.kink)(a64, b64) > 4.0 * step(a64).max(step(b64)) {
        let fd_a = derivative(|a| (f.double)(a, b64), a64);
        let fd_b = derivative(|b| (f.double)(a64, b), b64);
        let scale = fd_a.abs() + fd_b.abs();
        let checks = [
            (by_a, fd_a, "a"),
            (by_b, fd_b, "b"),
            (both, fd_a + fd_b, "a and b"),
        ];
        for (y, fd, wrt) in checks {
            if !close_to_scale(y.deriv, fd, if wrt == "a and b" { scale } else { fd.abs() }) {
                let d = y.deriv;
                return Err(format!(
                    "{}({a}, {b}) by {wrt}: {d:e}, expected {fd:e}",
                    f.name
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn binary_methods_on_a_grid() {
    for f in binary_table() {
        let [(alo, ahi), (blo, bhi)] = f.ranges;
        for i in 0..=60 {
            for j in 0..=60 {
                let a = alo + (ahi - alo) * (i as f32 / 60.0);
                let b = blo + (bhi - blo) * (j as f32 / 60.0);
                if let Err(e) = check_binary(&f, a, b) {
                    panic!("{e}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn unary_methods_match_finite_differences(i in 0..unary_table().len(), t in 0.0f32..=1.0) {
        let table = unary_table();
        let (lo, hi) = table[i].range;
        prop_assert_eq!(check_unary(&table[i], lo + (hi - lo) * t), Ok(()));
    }

    #[test]
    fn binary_methods_match_finite_differences(
        i in 0..binary_table().len(),
        s in 0.0f32..=1.0,
        t in 0.0f32..=1.0,
    ) {
        let table = binary_table();
        let [(alo, ahi), (blo, bhi)] = table[i].ranges;
        let (a, b) = (alo + (ahi - alo) * s, blo + (bhi - blo) * t);
        prop_assert_eq!(check_binary(&table[i], a, b), Ok(()));
    }

    #[test]
    fn mul_add_and_clamp_match_finite_differences(
        x in -10.0f32..10.0,
        a in -10.0f32..10.0,
        b in -10.0f32..10.0,
    ) {
        let y = Dual::variable(x).mul_add(a, b);
        prop_assert_eq!(y.value.to_bits(), x.mul_add(a, b).to_bits());
        prop_assert_eq!(y.deriv, a);
        let y = Dual::constant(x).mul_add(Dual::variable(a), Dual::variable(b));
        prop_assert!(close(y.deriv, f64::from(x) + 1.0));
        let (lo, hi) = (a.min(b), a.max(b));
        let y = Dual::variable(x).clamp(lo, hi);
        prop_assert_eq!(y.value.to_bits(), x.clamp(lo, hi).to_bits());
        prop_assert_eq!(y.deriv, if x < lo || x > hi { 0.0 } else { 1.0 });
    }
}

/// Where the value is finite the derivative must not be NaN, from the tiniest to the largest
/// f32 of either sign.
#[test]
fn finite_values_have_non_nan_derivatives() {
    let mut xs = vec![
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MIN_POSITIVE,
    ];
    for e in -45..=38 {
        for m in [1.0, 1.5, 3.0, 9.99] {
            let x = m * 10f32.powi(e);
            xs.extend([x, -x]);
        }
    }
    for f in unary_table() {
        for &x in &xs {
            for y in [(f.dual)(Dual::variable(x)), (f.dual)(Dual::constant(x))] {
                assert!(
                    !y.value.is_finite() || !y.deriv.is_nan(),
                    "{}({x}) = {} with derivative NaN",
                    f.name,
                    y.value
                );
            }
        }
    }
}
