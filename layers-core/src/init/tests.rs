//! Unit tests of the initializers. Expected values are Keras's formulas worked out by hand in
//! the comments; statistics use 500 × 400 = 200,000 draws, so the standard error of a stddev is
//! about 1/sqrt(2 · 200,000) ≈ 0.16 % and of a mean about stddev / 447.

use ndarray::{ArrayD, Ix2};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::orthogonal::positive_qr;
use super::*;

mod fan_axes;

const BIG: [usize; 2] = [500, 400];

/// (mean, stddev, min, max) of the values.
fn stats(w: &ArrayD<f32>) -> (f64, f64, f64, f64) {
    let n = w.len() as f64;
    let mean = w.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = w
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n;
    let min = w.iter().fold(f64::INFINITY, |m, &x| m.min(x.into()));
    let max = w.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x.into()));
    (mean, var.sqrt(), min, max)
}

fn all_named() -> Vec<Initializer> {
    InitializerName::SNAKE_CASE
        .iter()
        .map(|n| Initializer::from_name(n).unwrap())
        .collect()
}

fn vs(scale: f32, mode: FanMode, distribution: Distribution) -> Initializer {
    Initializer::VarianceScaling {
        scale,
        mode,
        distribution,
    }
}

#[test]
fn fans_follow_keras_for_ranks_0_to_5() {
    assert_eq!(compute_fans(&[]), (1.0, 1.0));
    assert_eq!(compute_fans(&[7]), (7.0, 7.0));
    assert_eq!(compute_fans(&[3, 5]), (3.0, 5.0));
    // Conv1D kernel (width 3, in 4, out 5): receptive 3 -> (4·3, 5·3).
    assert_eq!(compute_fans(&[3, 4, 5]), (12.0, 15.0));
    // Conv2D kernel (3, 3, in 16, out 32): receptive 9 -> (16·9, 32·9).
    assert_eq!(compute_fans(&[3, 3, 16, 32]), (144.0, 288.0));
    // Rank 5 (2, 3, 4, 5, 6): receptive 2·3·4 = 24 -> (5·24, 6·24).
    assert_eq!(compute_fans(&[2, 3, 4, 5, 6]), (120.0, 144.0));
}

#[test]
fn constants_fill_their_value() {
    let w = Initializer::constant(2.5)
        .sample_seeded(&[2, 3], 0)
        .unwrap();
    assert!(w.iter().all(|&x| x == 2.5));
    assert!(
        Initializer::zeros()
            .sample_seeded(&[4], 0)
            .unwrap()
            .iter()
            .all(|&x| x == 0.0)
    );
    assert!(
        Initializer::ones()
            .sample_seeded(&[4], 0)
            .unwrap()
            .iter()
            .all(|&x| x == 1.0)
    );
}

#[test]
fn normals_have_the_keras_mean_and_stddev() {
    // (initializer, expected mean, expected empirical stddev, truncation bound if any)
    let cases = [
        // random_normal: N(0, 0.05).
        (Initializer::random_normal(), 0.0, 0.05, None),
        (
            Initializer::RandomNormal {
                mean: 3.0,
                stddev: 2.0,
            },
            3.0,
            2.0,
            None,
        ),
        // truncated_normal: stddev 0.05 cut at 0.1 -> empirical 0.05 · 0.87962566 = 0.04398128.
        (
            Initializer::truncated_normal(),
            0.0,
            0.043_981_283,
            Some(0.1),
        ),
        // glorot_normal on (500, 400): fan_avg 450, empirical sqrt(1/450) = 0.04714045;
        // cut at 2 · 0.04714045 / 0.87962566 = 0.10718299.
        (
            Initializer::glorot_normal(),
            0.0,
            0.047_140_452,
            Some(0.107_182_99),
        ),
        // he_normal: fan_in 500, empirical sqrt(2/500) = 0.06324555; cut at 0.14380106.
        (
            Initializer::he_normal(),
            0.0,
            0.063_245_553,
            Some(0.143_801_06),
        ),
        // lecun_normal: empirical sqrt(1/500) = 0.04472136; cut at 0.10168271.
        (
            Initializer::lecun_normal(),
            0.0,
            0.044_721_360,
            Some(0.101_682_71),
        ),
        // Untruncated, scale 2, fan_out 400: stddev sqrt(2/400) = 0.07071068.
        (
            vs(2.0, FanMode::FanOut, Distribution::UntruncatedNormal),
            0.0,
            0.070_710_678,
            None,
        ),
    ];
    for (init, mean, stddev, cut) in cases {
        let (m, s, min, max) = stats(&init.sample_seeded(&BIG, 11).unwrap());
        assert!(
            (m - mean).abs() < 5.0 * stddev / 447.0,
            "{init:?}: mean {m}"
        );
        assert!((s / stddev - 1.0).abs() < 0.01, "{init:?}: stddev {s}");
        match cut {
            // Never beyond the cut (up to f32 rounding), and close to it with this many draws.
            Some(cut) => {
                assert!(
                    min >= -cut * (1.0 + 1e-6) && max <= cut * (1.0 + 1e-6),
                    "{init:?}"
                );
                assert!(
                    min < -0.99 * cut && max > 0.99 * cut,
                    "{init:?}: [{min}, {max}]"
                );
            }
            // About 4.6 % of plain normal draws lie beyond 2 stddev.
            None => assert!(
                max - mean > 2.5 * stddev && mean - min > 2.5 * stddev,
                "{init:?}"
            ),
        }
    }
}

#[test]
fn uniforms_stay_inside_and_reach_their_limits() {
    let cases = [
        // random_uniform: [-0.05, 0.05).
        (Initializer::random_uniform(), 0.05),
        // glorot_uniform on (500, 400): sqrt(6 / 900) = 0.08164966.
        (Initializer::glorot_uniform(), 0.081_649_658),
        // he_uniform: sqrt(6 / 500) = 0.10954451.
        (Initializer::he_uniform(), 0.109_544_51),
        // lecun_uniform: sqrt(3 / 500) = 0.07745967.
        (Initializer::lecun_uniform(), 0.077_459_667),
        // scale 1, fan_out 400: sqrt(3 / 400) = 0.08660254.
        (
            vs(1.0, FanMode::FanOut, Distribution::Uniform),
            0.086_602_540,
        ),
    ];
    for (init, limit) in cases {
        let (m, s, min, max) = stats(&init.sample_seeded(&BIG, 5).unwrap());
        assert!(
            min >= -limit * (1.0 + 1e-6) && max < limit * (1.0 + 1e-6),
            "{init:?}"
        );
        assert!(
            min < -limit * 0.999 && max > limit * 0.999,
            "{init:?}: [{min}, {max}]"
        );
        // U[-l, l) has mean 0 and stddev l / sqrt(3).
        assert!(m.abs() < 5.0 * limit / 447.0, "{init:?}: mean {m}");
        assert!(
            (s / (limit / 3f64.sqrt()) - 1.0).abs() < 0.01,
            "{init:?}: stddev {s}"
        );
    }
    let w = Initializer::RandomUniform {
        minval: 2.0,
        maxval: 3.0,
    }
    .sample_seeded(&[1000], 0);
    assert!(w.unwrap().iter().all(|&x| (2.0..3.0).contains(&x)));
    let w = Initializer::RandomUniform {
        minval: 1.5,
        maxval: 1.5,
    }
    .sample_seeded(&[3], 0);
    assert!(w.unwrap().iter().all(|&x| x == 1.5));
}

#[test]
fn conv_kernels_use_the_receptive_field() {
    // he_normal on (3, 3, 16, 32): fan_in 144, empirical stddev sqrt(2/144) = 0.11785113;
    // 4,608 draws -> standard error about 1 %.
    let (_, s, _, _) = stats(
        &Initializer::he_normal()
            .sample_seeded(&[3, 3, 16, 32], 3)
            .unwrap(),
    );
    assert!((s / 0.117_851_13 - 1.0).abs() < 0.05, "stddev {s}");
    // glorot_uniform on (3, 3, 16, 32): sqrt(6 / (144 + 288)) = 0.11785113.
    let w = Initializer::glorot_uniform()
        .sample_seeded(&[3, 3, 16, 32], 3)
        .unwrap();
    let (_, _, min, max) = stats(&w);
    assert!(min >= -0.117_851_14 && max < 0.117_851_14 && max > 0.11);
    // A scalar: fans (1, 1), glorot_uniform limit sqrt(6 / 2) = 1.7320508.
    let w = Initializer::glorot_uniform().sample_seeded(&[], 3).unwrap();
    assert_eq!((w.ndim(), w.len()), (0, 1));
    assert!(w.iter().all(|x| x.abs() < 1.732_051));
}

/// Checks that `w` (shape with `rows` = product of all but the last dimension, `cols` = the
/// last) has orthogonal columns (tall) or rows (wide) of norm `gain`.
fn assert_orthogonal(w: &ArrayD<f32>, rows: usize, cols: usize, gain: f64) {
    let w = w
        .to_shape((rows, cols))
        .unwrap()
        .mapv(f64::from)
        .into_dimensionality::<Ix2>()
        .unwrap();
    let gram = if rows >= cols {
        w.t().dot(&w)
    } else {
        w.dot(&w.t())
    };
    for ((i, j), &g) in gram.indexed_iter() {
        let expected = if i == j { gain * gain } else { 0.0 };
        assert!(
            (g - expected).abs() < 1e-5,
            "({rows}, {cols}): gram[{i}, {j}] = {g}"
        );
    }
}

#[test]
fn orthogonal_is_orthogonal_for_tall_wide_square_and_conv_shapes() {
    let cases: [(&[usize], usize, usize); 5] = [
        (&[60, 20], 60, 20),
        (&[20, 60], 20, 60),
        (&[50, 50], 50, 50),
        // Conv kernel (3, 3, 8, 16): rows 3·3·8 = 72, cols 16 -> tall.
        (&[3, 3, 8, 16], 72, 16),
        // (1, 1, 4, 16): rows 4, cols 16 -> wide.
        (&[1, 1, 4, 16], 4, 16),
    ];
    for (shape, rows, cols) in cases {
        let w = Initializer::orthogonal().sample_seeded(shape, 9).unwrap();
        assert_eq!(w.shape(), shape);
        assert_orthogonal(&w, rows, cols, 1.0);
    }
    let w = Initializer::Orthogonal { gain: 2.0 }
        .sample_seeded(&[30, 10], 9)
        .unwrap();
    assert_orthogonal(&w, 30, 10, 2.0);
}

/// Checks A = QR, QᵀQ = I, R upper triangular with a non-negative diagonal (column-major).
fn assert_positive_qr(a: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let (q, r) = positive_qr(a.to_vec(), m, n);
    for i in 0..m {
        for j in 0..n {
            let qr: f64 = (0..n).map(|k| q[k * m + i] * r[j * n + k]).sum();
            assert!((qr - a[j * m + i]).abs() < 1e-12, "A[{i}, {j}]");
        }
    }
    for i in 0..n {
        for j in 0..n {
            let qtq: f64 = (0..m).map(|k| q[i * m + k] * q[j * m + k]).sum();
            assert!(
                (qtq - f64::from(u8::from(i == j))).abs() < 1e-12,
                "QᵀQ[{i}, {j}]"
            );
            assert!(
                i <= j || r[j * n + i] == 0.0,
                "R[{i}, {j}] below the diagonal"
            );
        }
        assert!(r[i * n + i] >= 0.0, "R[{i}, {i}] negative");
    }
    (q, r)
}

fn assert_close(found: &[f64], expected: &[f64]) {
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() < 1e-12,
            "found {found:?}, expected {expected:?}"
        );
    }
}

#[test]
fn qr_matches_hand_worked_factorizations() {
    // A = [[3, 1], [4, 2]]: r11 = |(3, 4)| = 5, q1 = (0.6, 0.8); r12 = q1·(1, 2) = 2.2;
    // (1, 2) - 2.2·q1 = (-0.32, 0.24), r22 = 0.4, q2 = (-0.8, 0.6).
    let (q, r) = assert_positive_qr(&[3.0, 4.0, 1.0, 2.0], 2, 2);
    assert_close(&q, &[0.6, 0.8, -0.8, 0.6]);
    assert_close(&r, &[5.0, 0.0, 2.2, 0.4]);
    // A = [[-2, 0], [0, -3], [0, 0]]: the positive factorization is
    // Q = [[-1, 0], [0, -1], [0, 0]], R = diag(2, 3).
    let (q, r) = assert_positive_qr(&[-2.0, 0.0, 0.0, 0.0, -3.0, 0.0], 3, 2);
    assert_close(&q, &[-1.0, 0.0, 0.0, 0.0, -1.0, 0.0]);
    assert_close(&r, &[2.0, 0.0, 0.0, 3.0]);
    // A zero column: A = [[0, 1], [0, 1]] = I · [[0, 1], [0, 1]].
    let (q, r) = assert_positive_qr(&[0.0, 0.0, 1.0, 1.0], 2, 2);
    assert_close(&q, &[1.0, 0.0, 0.0, 1.0]);
    assert_close(&r, &[0.0, 0.0, 1.0, 1.0]);
    // Any tall normal matrix.
    let a: Vec<f64> = Initializer::random_normal()
        .sample_seeded(&[7, 4], 1)
        .unwrap()
        .iter()
        .map(|&x| x.into())
        .collect();
    assert_positive_qr(&a, 7, 4);
}

#[test]
fn same_seed_same_bits_other_seed_other_values() {
    let bits = |w: ArrayD<f32>| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for init in all_named() {
        let a = bits(init.sample_seeded(&[6, 5], 42).unwrap());
        assert_eq!(
            a,
            bits(init.sample_seeded(&[6, 5], 42).unwrap()),
            "{init:?}"
        );
        let mut rng = StdRng::seed_from_u64(42);
        assert_eq!(a, bits(init.sample(&[6, 5], &mut rng).unwrap()), "{init:?}");
        if !matches!(
            init,
            Initializer::Zeros | Initializer::Ones | Initializer::Constant(_)
        ) {
            assert_ne!(
                a,
                bits(init.sample_seeded(&[6, 5], 43).unwrap()),
                "{init:?}"
            );
        }
    }
}

#[test]
fn from_name_knows_every_keras_name() {
    let normal = Distribution::TruncatedNormal;
    let cases = [
        ("zeros", Initializer::Zeros),
        ("ones", Initializer::Ones),
        ("constant", Initializer::Constant(0.0)),
        (
            "random_normal",
            Initializer::RandomNormal {
                mean: 0.0,
                stddev: 0.05,
            },
        ),
        (
            "random_uniform",
            Initializer::RandomUniform {
                minval: -0.05,
                maxval: 0.05,
            },
        ),
        (
            "truncated_normal",
            Initializer::TruncatedNormal {
                mean: 0.0,
                stddev: 0.05,
            },
        ),
        ("variance_scaling", vs(1.0, FanMode::FanIn, normal)),
        (
            "glorot_uniform",
            vs(1.0, FanMode::FanAvg, Distribution::Uniform),
        ),
        ("glorot_normal", vs(1.0, FanMode::FanAvg, normal)),
        ("he_normal", vs(2.0, FanMode::FanIn, normal)),
        ("he_uniform", vs(2.0, FanMode::FanIn, Distribution::Uniform)),
        ("lecun_normal", vs(1.0, FanMode::FanIn, normal)),
        (
            "lecun_uniform",
            vs(1.0, FanMode::FanIn, Distribution::Uniform),
        ),
        ("orthogonal", Initializer::Orthogonal { gain: 1.0 }),
    ];
    assert_eq!(cases.len(), InitializerName::SNAKE_CASE.len());
    for (name, expected) in cases {
        assert_eq!(Initializer::from_name(name).unwrap(), expected, "{name}");
        assert_eq!(name.parse::<Initializer>().unwrap(), expected, "{name}");
        // Keras's default variance_scaling has lecun_normal's parameters.
        let reported = if name == "variance_scaling" {
            "lecun_normal"
        } else {
            name
        };
        assert_eq!(expected.name(), reported);
        assert_eq!(expected.to_string(), reported);
    }
    assert_eq!(vs(3.0, FanMode::FanIn, normal).name(), "variance_scaling");
    assert_eq!(
        vs(1.0, FanMode::FanIn, Distribution::UntruncatedNormal).name(),
        "variance_scaling"
    );
    for (class, name) in [
        ("GlorotUniform", "glorot_uniform"),
        ("RandomNormal", "random_normal"),
        ("OrthogonalInitializer", "orthogonal"),
        ("zero", "zeros"),
        ("uniform", "random_uniform"),
    ] {
        assert_eq!(
            Initializer::from_name(class).unwrap(),
            Initializer::from_name(name).unwrap()
        );
    }
}

#[test]
fn unknown_names_list_the_known_ones() {
    let err = Initializer::from_name("glorot").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown initializer `glorot`; known initializers: zeros, ones, constant, \
         random_normal, random_uniform, truncated_normal, variance_scaling, glorot_uniform, \
         glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform, orthogonal"
    );
    assert!(
        matches!(err, Error::UnknownName { kind: "initializer", ref name, ref known }
            if name == "glorot" && known.len() == 14)
    );
    assert!("Glorot_Uniform".parse::<Initializer>().is_err());
}

#[test]
fn zero_size_shapes_give_empty_arrays() {
    for init in all_named() {
        for shape in [&[0][..], &[0, 5], &[5, 0], &[3, 0, 4, 2]] {
            if init == Initializer::orthogonal() && shape.len() < 2 {
                continue;
            }
            let w = init.sample_seeded(shape, 0).unwrap();
            assert_eq!((w.shape(), w.len()), (shape, 0), "{init:?}");
        }
    }
}

#[test]
fn invalid_parameters_and_shapes_are_errors() {
    let message =
        |init: Initializer, shape: &[usize]| init.sample_seeded(shape, 0).unwrap_err().to_string();
    assert_eq!(
        message(
            Initializer::RandomNormal {
                mean: 0.0,
                stddev: -1.0
            },
            &[2, 3]
        ),
        "initializer `random_normal` cannot fill shape [2, 3]: \
         `stddev` must be positive and finite, got -1"
    );
    assert_eq!(
        message(
            Initializer::RandomUniform {
                minval: 1.0,
                maxval: 0.0
            },
            &[2]
        ),
        "initializer `random_uniform` cannot fill shape [2]: `minval` 1 is above `maxval` 0"
    );
    assert_eq!(
        message(vs(0.0, FanMode::FanIn, Distribution::Uniform), &[2, 2]),
        "initializer `variance_scaling` cannot fill shape [2, 2]: \
         `scale` must be positive and finite, got 0"
    );
    assert_eq!(
        message(Initializer::orthogonal(), &[5]),
        "initializer `orthogonal` cannot fill shape [5]: it needs rank 2 or more, got rank 1"
    );
    let err = Initializer::orthogonal().sample_seeded(&[], 0).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInitializer {
            initializer: "orthogonal",
            ..
        }
    ));
    // Invalid even when there is nothing to fill.
    assert!(
        vs(-1.0, FanMode::FanIn, Distribution::Uniform)
            .sample_seeded(&[0], 0)
            .is_err()
    );
    assert!(
        Initializer::TruncatedNormal {
            mean: 0.0,
            stddev: f32::NAN
        }
        .sample_seeded(&[1], 0)
        .is_err()
    );
    assert_eq!(
        message(Initializer::zeros(), &[usize::MAX, 2]),
        format!(
            "initializer `zeros` of shape [{}, 2] has more values than memory can address",
            usize::MAX
        )
    );
    // stddev 0 is refused: it is a constant, and almost always a slip (Keras's own
    // variance scaling refuses a scale of 0 for the same reason).
    let zero = Initializer::RandomNormal {
        mean: 0.5,
        stddev: 0.0,
    };
    assert_eq!(
        message(zero.clone(), &[3]),
        "initializer `random_normal` cannot fill shape [3]: \
         `stddev` must be positive and finite, got 0"
    );
    assert_eq!(
        zero.validate().unwrap_err().to_string(),
        "`random_normal`: `stddev` must be positive and finite, got 0"
    );
    // A constant must be finite (it would fill the weight with NaN).
    assert_eq!(
        message(Initializer::constant(f32::NAN), &[2]),
        "initializer `constant` cannot fill shape [2]: `value` must be finite, got NaN"
    );
}

#[test]
fn sizes_beyond_the_machine_are_refused_before_sampling() {
    // 2^20 × 2^20 f32 values = 4 TiB; orthogonal's f64 work space is counted too.
    for init in all_named() {
        let err = init.sample_seeded(&[1 << 20, 1 << 20], 0).unwrap_err();
        assert!(matches!(err, Error::Allocation { .. }), "{init:?}: {err}");
    }
    let err = Initializer::orthogonal()
        .sample_seeded(&[1 << 20, 1 << 20], 0)
        .unwrap_err()
        .to_string();
    // (4 + 3 · 8) bytes per value · 2^40 values
    assert!(
        err.starts_with(
            "initializer `orthogonal` of shape [1048576, 1048576] needs 30786325577728 bytes"
        ),
        "{err}"
    );
}
