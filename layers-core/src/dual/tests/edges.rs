//! The edge cases and conventions that the docs of `Dual` promise, and the operator forms.

use crate::dual::Dual;

fn d(x: f32) -> Dual {
    Dual::variable(x)
}

fn c(x: f32) -> Dual {
    Dual::constant(x)
}

#[test]
fn roots_and_logs_at_zero() {
    assert_eq!(d(0.0).sqrt().deriv, f32::INFINITY);
    assert_eq!(d(-0.0).sqrt().deriv, f32::INFINITY);
    assert_eq!(c(0.0).sqrt().deriv, 0.0);
    assert_eq!(d(0.0).cbrt().deriv, f32::INFINITY);
    assert_eq!(d(-0.0).cbrt().deriv, f32::INFINITY);
    assert_eq!(
        (d(0.0).ln().value, d(0.0).ln().deriv),
        (f32::NEG_INFINITY, f32::INFINITY)
    );
    assert_eq!(d(-0.0).log2().deriv, f32::INFINITY);
    assert_eq!(d(-1.0).ln_1p().deriv, f32::INFINITY);
    assert_eq!(d(0.0).recip().deriv, f32::NEG_INFINITY);
    assert_eq!((d(1.0) / 0.0).deriv, f32::INFINITY);
    assert!(d(-1.0).sqrt().value.is_nan());
}

#[test]
fn powers_at_zero_and_negative_bases() {
    let cases = [
        (0.0, 2.0, 0.0, 0.0),
        (0.0, 0.0, 1.0, 0.0),
        (0.0, 1.0, 0.0, 1.0),
    ];
    for (x, p, value, deriv) in cases {
        let y = d(x).powf(p);
        assert_eq!((y.value, y.deriv), (value, deriv), "{x}^{p}");
    }
    assert_eq!(d(0.0).powf(0.5).deriv, f32::INFINITY);
    assert_eq!(d(-2.0).powf(2.0).deriv, -4.0);
    assert_eq!(d(-2.0).powf(3.0).deriv, 12.0);
    assert_eq!(d(0.0).powf(d(3.0)).deriv, 0.0); // both vary; d/dy 0ʸ → 0
    assert_eq!(c(0.0).powf(c(0.0)).deriv, 0.0);
    for (n, deriv) in [(0, 0.0), (1, 1.0), (2, 0.0), (-1, f32::NEG_INFINITY)] {
        assert_eq!(d(0.0).powi(n).deriv, deriv, "0^{n}");
    }
    let y = d(1.0).powi(i32::MIN);
    assert_eq!((y.value, y.deriv), (1.0, i32::MIN as f32));
}

#[test]
fn saturating_functions_keep_small_derivatives_and_no_nan() {
    let y = d(10.0).tanh();
    assert_eq!(y.value, 1.0);
    assert!((y.deriv / 8.244_614e-9 - 1.0).abs() < 1e-6); // 1/cosh²(10), not 1 − 1²
    assert!(d(50.0).tanh().deriv >= 0.0);
    assert_eq!(d(-1e30).tanh().deriv, 0.0);
    assert_eq!(d(f32::INFINITY).tanh().deriv, 0.0);
    assert_eq!(
        (d(100.0).exp().value, d(100.0).exp().deriv),
        (f32::INFINITY, f32::INFINITY)
    );
    assert_eq!(d(-200.0).exp().deriv, 0.0);
    assert_eq!(d(1e30).atan().deriv, 0.0);
    assert_eq!(d(30.0).erf().deriv, 0.0);
    assert_eq!(d(1.0).asin().deriv, f32::INFINITY);
    assert_eq!(d(1.0).atanh().deriv, f32::INFINITY);
    assert_eq!(d(1.0).acosh().deriv, f32::INFINITY);
}

#[test]
fn kinks_and_steps() {
    assert_eq!(d(0.0).abs().deriv, 0.0);
    assert_eq!(d(-0.0).abs().deriv, 0.0);
    assert_eq!(d(-3.0).abs().deriv, -1.0);
    assert_eq!(d(0.0).copysign(-1.0).deriv, 0.0);
    assert_eq!(d(2.0).copysign(d(-1.0)).deriv, -1.0);
    assert_eq!(d(2.0).signum().deriv, 0.0);
    assert_eq!(d(2.5).floor().deriv, 0.0);
    assert_eq!(d(2.5).fract().deriv, 1.0);
    assert_eq!(d(-7.0).div_euclid(2.0).deriv, 0.0);
    // Ties go to self (NaN is in `nan_in_gives_nan_value_and_derivative`).
    assert_eq!(d(1.0).max(c(1.0)).deriv, 1.0);
    assert_eq!(c(1.0).max(d(1.0)).deriv, 0.0);
    assert_eq!(d(1.0).min(c(1.0)).deriv, 1.0);
    // clamp: self on the bounds, the bound's derivative outside.
    assert_eq!(d(0.0).clamp(0.0, 1.0).deriv, 1.0);
    assert_eq!(d(1.0).clamp(0.0, 1.0).deriv, 1.0);
    assert_eq!(d(-1.0).clamp(d(0.0) * 2.0, 1.0).deriv, 2.0);
    assert_eq!(c(5.0).clamp(0.0, d(1.0)).deriv, 1.0);
    // The origin of atan2 and hypot has no derivative; 0 is reported.
    assert_eq!(d(0.0).atan2(d(0.0)).deriv, 0.0);
    assert_eq!(d(0.0).hypot(d(0.0)).deriv, 0.0);
    assert_eq!(d(1.0).atan2(f32::INFINITY).deriv, 0.0);
}

#[test]
fn nan_in_gives_nan_value_and_derivative() {
    // As NumPy's `maximum` and PyTorch: a NaN operand makes the result NaN (f32::max would
    // pick the other operand and hide it), and a NaN value has no slope: NaN, whichever
    // operand varies.
    let (nan, x) = (d(f32::NAN), d(2.0));
    let cases = [
        ("max(NaN, 2)", nan.max(c(2.0))),
        ("max(NaN, 2 varying)", nan.max(x)),
        ("max(2, NaN)", x.max(nan)),
        ("max(2, NaN constant)", x.max(f32::NAN)),
        ("max(2 constant, NaN)", c(2.0).max(nan)),
        ("min(NaN, 2)", nan.min(2.0)),
        ("min(2, NaN)", x.min(nan)),
        ("min(2, NaN constant)", x.min(f32::NAN)),
        ("clamp(NaN, 0, 1)", nan.clamp(0.0, 1.0)),
        ("clamp(NaN, varying bounds)", nan.clamp(x * -1.0, x)),
        ("abs", nan.abs()),
        ("signum", nan.signum()),
        ("copysign", nan.copysign(-1.0)),
        ("floor", nan.floor()),
        ("ceil", nan.ceil()),
        ("round", nan.round()),
        ("round_ties_even", nan.round_ties_even()),
        ("trunc", nan.trunc()),
        ("fract", nan.fract()),
        ("div_euclid", nan.div_euclid(2.0)),
        ("rem_euclid", nan.rem_euclid(2.0)),
        ("neg", -nan),
        ("x + NaN", x + f32::NAN),
        ("NaN − x", nan - x),
        ("x · NaN", x * f32::NAN),
        ("NaN / 2", nan / 2.0),
        ("NaN % 2", nan % 2.0),
        ("mul_add", x.mul_add(f32::NAN, 1.0)),
        ("midpoint", x.midpoint(f32::NAN)),
        ("exp", nan.exp()),
        ("tanh", nan.tanh()),
        ("powi", nan.powi(3)),
        ("powf", nan.powf(0.5)),
    ];
    for (name, y) in cases {
        assert!(y.value.is_nan() && y.deriv.is_nan(), "{name}: {y:?}");
    }
    // Comparisons with NaN are false either way round, so `if x > 0 { x } else { 0 }` sends
    // NaN to its else branch: `#[activation]` answers NaN for a NaN input whatever the body.
    assert_eq!([nan > 0.0, nan <= 0.0, 0.0 < nan, nan == nan], [false; 4]);
    // A constant NaN stays a constant.
    for y in [
        c(f32::NAN).max(1.0),
        c(1.0).min(f32::NAN),
        c(f32::NAN).floor(),
    ] {
        assert!(y.value.is_nan() && y.deriv == 0.0, "{y:?}");
    }
}

#[test]
#[should_panic]
fn clamp_panics_like_f32_on_inverted_bounds() {
    let _ = d(0.5).clamp(1.0, 0.0);
}

#[test]
fn constants_stay_constant() {
    let zero = c(0.0);
    for y in [
        zero.sqrt(),
        zero.ln(),
        zero.recip(),
        zero.cbrt(),
        zero.powf(0.5),
        zero.powi(-2),
        c(1.0).asin(),
        c(1.0).atanh(),
        zero.atan2(zero),
        zero * c(f32::INFINITY) + zero,
        c(f32::INFINITY) * d(0.0).powi(0),
    ] {
        assert_eq!(y.deriv, 0.0, "{y:?}");
    }
}

#[test]
fn operator_forms() {
    let (x, k) = (d(3.0), 2.0_f32);
    let cases = [
        (x + k, 5.0, 1.0),
        (k + x, 5.0, 1.0),
        (x + x, 6.0, 2.0),
        (x - k, 1.0, 1.0),
        (k - x, -1.0, -1.0),
        (x - x, 0.0, 0.0),
        (x * k, 6.0, 2.0),
        (k * x, 6.0, 2.0),
        (x * x, 9.0, 6.0),
        (x / k, 1.5, 0.5),
        (k / x, 2.0 / 3.0, -2.0 / 9.0),
        (x / x, 1.0, 0.0),
        (x % k, 1.0, 1.0),
        (k % x, 2.0, 0.0),
        (d(7.0) % d(2.0), 1.0, -2.0),
        (-x, -3.0, -1.0),
    ];
    for (i, (y, value, deriv)) in cases.into_iter().enumerate() {
        assert_eq!((y.value, y.deriv), (value, deriv), "case {i}");
    }
    let mut y = x;
    y += k;
    y += x;
    assert_eq!((y.value, y.deriv), (8.0, 2.0));
    y -= 1.0;
    y -= x;
    assert_eq!((y.value, y.deriv), (4.0, 1.0));
    y *= 2.0;
    y *= x;
    assert_eq!((y.value, y.deriv), (24.0, 14.0)); // d(2y·x) = 2·(y'x + yx') = 2·(3 + 4)
    y /= 4.0;
    y /= c(2.0);
    assert_eq!((y.value, y.deriv), (3.0, 1.75));
    y %= 2.0;
    assert_eq!((y.value, y.deriv), (1.0, 1.75));
}

#[test]
fn comparisons_look_at_the_value_only() {
    let x = Dual::new(2.0, 1.0);
    let holds = [
        x == 2.0,
        2.0 == x,
        x == Dual::new(2.0, -5.0),
        x != 3.0,
        3.0 != x,
        x > 1.0,
        1.0 < x,
        x < 3.0,
        3.0 > x,
        x >= 2.0,
        2.0 <= x,
        x <= 2.0,
        2.0 >= x,
        x < d(2.5),
        d(2.5) > x,
        x <= c(2.0),
    ];
    assert_eq!(holds, [true; 16]);
    let nan = d(f32::NAN);
    assert_eq!([nan == nan, nan < 0.0, nan >= 0.0, 0.0 < nan], [false; 4]);
    assert_eq!(x.partial_cmp(&1.0), Some(std::cmp::Ordering::Greater));
    assert_eq!(1.0.partial_cmp(&x), Some(std::cmp::Ordering::Less));
}

#[test]
fn sums_products_and_conversions() {
    let xs = [d(1.0), d(2.0) * 2.0, c(3.0)];
    let s: Dual = xs.iter().sum();
    assert_eq!((s.value, s.deriv), (8.0, 3.0));
    let s: Dual = xs.into_iter().sum();
    assert_eq!(s.deriv, 3.0);
    let p: Dual = xs.iter().product(); // 1·4·3, derivative 1·4·3 + 1·2·3
    assert_eq!((p.value, p.deriv), (12.0, 18.0));
    let p: Dual = xs.into_iter().product();
    assert_eq!(p.value, 12.0);
    let from: Dual = 1.5.into();
    assert_eq!((from.value, from.deriv), (1.5, 0.0));
    assert_eq!((Dual::default().value, Dual::default().deriv), (0.0, 0.0));
    assert_eq!(format!("{:.1}", d(1.25)), "1.2 + 1.0ε");
    assert!(d(1e-40).is_subnormal() && d(1.0).is_normal() && d(-0.0).is_sign_negative());
    assert!(
        d(f32::INFINITY).is_infinite() && !d(f32::NAN).is_finite() && d(0.0).is_sign_positive()
    );
}
