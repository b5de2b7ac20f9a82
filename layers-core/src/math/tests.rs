//! erf and erfc against mpmath, against quadrature, and for the symmetries and limits.
//!
//! Beyond these, a one-off program compared `erf` and `erfc` on all 2³² f32 inputs with the
//! `libm` crate's `f64` erf/erfc (a port of musl) rounded to f32: they were equal on every
//! input, NaNs included.

use super::*;
use crate::dual::Dual;
use proptest::prelude::*;

/// Distance in representable f32 values between `a` and `b` (0 if both are NaN).
fn ulps(a: f32, b: f32) -> u64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() {
            0
        } else {
            u64::MAX
        };
    }
    let key = |x: f32| {
        let i = i64::from(x.to_bits() as i32);
        if i < 0 { i64::from(i32::MIN) - i } else { i }
    };
    key(a).abs_diff(key(b))
}

/// (x, erf(x), erfc(x)) at the f32 nearest each x, from mpmath at 40 digits, by
///
/// ```python
/// import struct
/// from mpmath import mp, erf, erfc, mpf
/// mp.dps = 40
/// for s in ["1e-40", "1e-30", ...]:
///     x = mpf(struct.unpack("f", struct.pack("f", float(s)))[0])
///     print(f"({s}, {mp.nstr(erf(x), 17)}, {mp.nstr(erfc(x), 17)}),")
/// ```
// The digits are mpmath's, pasted as printed.
#[allow(clippy::excessive_precision)]
const REFERENCE: [(f32, f64, f64); 26] = [
    (1e-40, 1.1283730852575891e-40, 1.0),
    (1e-30, 1.1283791706736896e-30, 1.0),
    (1e-8, 1.1283791602378209e-8, 0.9999999887162084),
    (0.001, 0.0011283788445643173, 0.99887162115543568),
    (0.1, 0.11246291768297051, 0.88753708231702949),
    (0.25, 0.27632639016823693, 0.72367360983176307),
    (0.5, 0.52049987781304654, 0.47950012218695346),
    (0.75, 0.71115563365351513, 0.28884436634648487),
    (1.0, 0.84270079294971487, 0.15729920705028513),
    (1.25, 0.92290012825645823, 0.07709987174354177),
    (1.4999, 0.96609324968818183, 0.033906750311818169),
    (1.5, 0.96610514647531073, 0.033894853524689273),
    (1.75, 0.98667167121918244, 0.013328328780817556),
    (2.0, 0.99532226501895273, 0.0046777349810472658),
    (2.5, 0.99959304798255504, 0.00040695201744495894),
    (3.0, 0.99997790950300141, 2.2090496998585441e-5),
    (3.5, 0.99999925690162766, 7.4309837234141275e-7),
    (3.8, 0.99999992299604373, 7.7003956271585044e-8),
    (4.0, 0.9999999845827421, 1.5417257900280019e-8),
    (5.0, 0.99999999999846254, 1.5374597944280349e-12),
    (6.0, 0.99999999999999998, 2.1519736712498913e-17),
    (9.0, 1.0, 4.1370317465138102e-37),
    (10.0, 1.0, 2.0884875837625448e-45),
    (10.05, 1.0, 7.6261436274050507e-46),
    (-0.5, -0.52049987781304654, 1.5204998778130465),
    (-3.0, -0.99997790950300141, 1.9999779095030014),
];

#[test]
fn erf_and_erfc_match_mpmath_to_one_ulp() {
    for (x, want_erf, want_erfc) in REFERENCE {
        for (name, got, want) in [("erf", erf(x), want_erf), ("erfc", erfc(x), want_erfc)] {
            assert!(
                ulps(got, want as f32) <= 1,
                "{name}({x}) = {got:e}, expected {want:e}"
            );
            assert!(
                (f64::from(got) - want).abs() < 1e-7,
                "{name}({x}) = {got:e}"
            );
            // Odd and complementary symmetry give the mirrored point its own reference.
            let mirrored = if name == "erf" { -want } else { 2.0 - want };
            let got_mirrored = if name == "erf" { erf(-x) } else { erfc(-x) };
            assert!(ulps(got_mirrored, mirrored as f32) <= 1, "{name}({})", -x);
        }
    }
}

#[test]
fn erf_matches_the_values_in_the_brief() {
    // Values from the module's specification, themselves from a high-precision source.
    for (x, want) in [
        (0.5, 0.5204998778130465),
        (1.0, 0.8427007929497149),
        (2.0, 0.9953222650189527),
        (-3.0, -0.9999779095030014),
    ] {
        assert!((f64::from(erf(x)) - want).abs() < 1e-7, "erf({x})");
    }
    assert_eq!(erf(0.0_f32).to_bits(), 0.0_f32.to_bits());
    assert_eq!(erf(-0.0_f32).to_bits(), (-0.0_f32).to_bits());
}

#[test]
fn extremes_and_nan() {
    for x in [4.0, 6.0, 1e5, 1e30, f32::MAX, f32::INFINITY] {
        assert_eq!(erf(x), 1.0, "erf({x})");
        assert_eq!(erf(-x), -1.0, "erf({})", -x);
        assert_eq!(erfc(-x), 2.0, "erfc({})", -x);
    }
    for x in [10.1, 27.0, 1e30, f32::MAX, f32::INFINITY] {
        assert_eq!(erfc(x), 0.0, "erfc({x})");
    }
    assert!(erf(f32::NAN).is_nan());
    assert!(erfc(f32::NAN).is_nan());
    assert!(erf(Dual::variable(f32::NAN)).value.is_nan());
    assert_eq!(erf(Dual::variable(30.0)).value, 1.0);
    assert_eq!(erf(Dual::variable(30.0)).deriv, 0.0);
}

/// erf(x) = 2/√π ∫₀ˣ e^(−t²) dt by composite Simpson, an algorithm independent of ours.
fn erf_by_quadrature(a: f64, b: f64) -> f64 {
    const N: usize = 4000;
    let h = (b - a) / N as f64;
    let f = |t: f64| (-t * t).exp();
    let inner: f64 = (1..N)
        .map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(a) + f(b) + inner) * h / 3.0 * FRAC_2_SQRT_PI
}

#[test]
fn erf_and_erfc_match_quadrature_on_a_grid() {
    for i in -500..=500 {
        let x = i as f32 / 100.0;
        let want = erf_by_quadrature(0.0, f64::from(x));
        assert!((f64::from(erf(x)) - want).abs() < 1e-7, "erf({x})");
        assert!(ulps(erf(x), want as f32) <= 1, "erf({x})");
    }
    // The tail integral ∫ₓ^(x+8) loses nothing that an f32 could hold.
    for i in 100..=1000 {
        let x = i as f32 / 100.0;
        let want = erf_by_quadrature(f64::from(x), f64::from(x) + 8.0);
        let got = erfc(x);
        assert!(
            ulps(got, want as f32) <= 1,
            "erfc({x}) = {got:e}, expected {want:e}"
        );
    }
}

#[test]
fn erf_is_monotonic_across_neighbouring_floats() {
    // Each x in a grid against the next float up, where rounding errors would show first.
    for i in -45_000..45_000 {
        let x = i as f32 / 10_000.0;
        let next = x.next_up();
        assert!(erf(next) >= erf(x), "erf decreases after {x}");
        assert!(erfc(next) <= erfc(x), "erfc increases after {x}");
    }
}

#[test]
fn generic_free_functions_and_method_form_agree() {
    let x = 0.7_f32;
    assert_eq!(erf(x), Erf::erf(x));
    assert_eq!(erfc(x), Erf::erfc(x));
    assert_eq!(erf(Dual::variable(x)).value, erf(x));
    assert_eq!(Dual::variable(x).erfc().value, erfc(x));
    assert_eq!(
        <Dual as Erf>::erf(Dual::variable(x)).deriv,
        Dual::variable(x).erf().deriv
    );
}

/// Central difference with Richardson extrapolation, error O(h⁴).
fn derivative(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-3;
    let d = |h: f64| (f(x + h) - f(x - h)) / (2.0 * h);
    (4.0 * d(h / 2.0) - d(h)) / 3.0
}

proptest! {
    #[test]
    fn dual_erf_and_erfc_derivatives_match_finite_differences(x in -6.0f32..6.0) {
        let fd = derivative(erf_f64, f64::from(x));
        let d = erf(Dual::variable(x)).deriv;
        prop_assert!((f64::from(d) - fd).abs() <= 1e-6 * fd.abs() + 1e-12, "erf'({}) = {}, fd {}", x, d, fd);
        let d = erfc(Dual::variable(x)).deriv;
        prop_assert!((f64::from(d) + fd).abs() <= 1e-6 * fd.abs() + 1e-12, "erfc'({}) = {}", x, d);
    }
}

#[test]
fn one_minus_is_keras_double_complement_of_the_decimal() {
    // Python: float(np.float32(1 - 0.999)) etc., the factors Keras multiplies by.
    assert_eq!(one_minus(0.999), 0.001);
    assert_eq!(one_minus(0.9), 0.1);
    assert_eq!(one_minus(0.99), 0.01);
    assert_ne!(1.0 - 0.999f32, 0.001); // the f32 subtraction this replaces
    assert_eq!(one_minus(0.0), 1.0);
    assert_eq!(one_minus(1.0), 0.0);
    assert_eq!(one_minus(f32::MIN_POSITIVE), 1.0);
    assert!(one_minus(f32::NAN).is_nan());
    assert_eq!(one_minus(f32::INFINITY), f32::NEG_INFINITY);
}
