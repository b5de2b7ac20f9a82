//! Keras 3's training-only noise layers: `GaussianNoise`, `GaussianDropout`,
//! `SpatialDropout1D`, `SpatialDropout2D` and `AlphaDropout`. Keras's random numbers cannot be matched bit
//! for bit, so these check what Keras's code defines: the identity in inference; in
//! training, the mean and variance of the noise over many draws (Keras's formulas:
//! `x + N(0, stddev)`, `x · N(1, √(rate / (1 − rate)))`, whole channels dropped with
//! probability `rate` and the rest scaled by `1 / (1 − rate)`, alpha dropout keeping mean
//! 0 and variance 1 with Keras's `a` and `b`); seeded reproducibility;
//! the gradient; masks passed on; configs by Keras's keys; and each refusal.

use layers::layer::context::with_context;
use layers::prelude::*;

const N: usize = 200_000;

fn mean_and_variance(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = v
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var)
}

fn noise_layers() -> Vec<Box<dyn Layer>> {
    vec![
        Box::new(GaussianNoise::new(0.3)),
        Box::new(GaussianDropout::new(0.4)),
        Box::new(SpatialDropout1D::new(0.5)),
        Box::new(SpatialDropout2D::new(0.5)),
        Box::new(AlphaDropout::new(0.3)),
    ]
}

fn input_for(layer: &dyn Layer) -> Tensor {
    let shape: &[usize] = match layer.type_name() {
        "SpatialDropout2D" => &[2, 3, 4, 5],
        _ => &[2, 6, 5],
    };
    let n: usize = shape.iter().product();
    Tensor::from_vec((1..=n).map(|i| i as f32 / 10.0).collect(), shape)
}

#[test]
fn in_inference_they_are_the_identity() {
    for layer in noise_layers() {
        let x = input_for(layer.as_ref());
        let y = layer.try_apply(&x).unwrap();
        assert_eq!(y.to_vec(), x.to_vec(), "{}", layer.type_name());
        let y = with_context(false, 3, || layer.try_apply(&x)).unwrap();
        assert_eq!(y.to_vec(), x.to_vec(), "{}", layer.type_name());
    }
    // In a model, `predict` and `evaluate` run in inference.
    let mut model = Sequential::new()
        .add(GaussianNoise::new(1.0))
        .add(GaussianDropout::new(0.5));
    model.build([4]).unwrap();
    let x = Tensor::from_vec(vec![1.0, -2.0, 3.0, 0.5], &[1, 4]);
    assert_eq!(model.predict(&x).unwrap().to_vec(), x.to_vec());
}

#[test]
fn gaussian_noise_adds_normal_noise_of_stddev() {
    let x = Tensor::full(&[1, N], 2.0);
    for stddev in [0.1f32, 0.5, 1.0] {
        let y = with_context(true, 11, || GaussianNoise::new(stddev).apply(&x)).to_vec();
        let noise: Vec<f32> = y.iter().map(|v| v - 2.0).collect();
        let (mean, var) = mean_and_variance(&noise);
        // The sample mean's standard error is stddev/√N (≈ 0.0022·stddev), the sample
        // variance's √(2/N)·stddev² (≈ 0.0032·stddev²): 5 of them.
        let s = f64::from(stddev);
        assert!(mean.abs() < 0.012 * s, "stddev {stddev}: mean {mean}");
        assert!(
            (var - s * s).abs() < 0.016 * s * s,
            "stddev {stddev}: variance {var}"
        );
    }
}

#[test]
fn gaussian_dropout_multiplies_by_normal_noise_around_1() {
    let x = Tensor::full(&[1, N], -3.0);
    for rate in [0.1f32, 0.5, 0.8] {
        let y = with_context(true, 12, || GaussianDropout::new(rate).apply(&x)).to_vec();
        let factors: Vec<f32> = y.iter().map(|v| v / -3.0).collect();
        let (mean, var) = mean_and_variance(&factors);
        let expected = f64::from(rate / (1.0 - rate));
        let s = expected.sqrt();
        assert!((mean - 1.0).abs() < 0.012 * s, "rate {rate}: mean {mean}");
        assert!(
            (var - expected).abs() < 0.016 * expected,
            "rate {rate}: variance {var}"
        );
    }
}

/// The channels of `y` (from an input of ones): each is all 0 or all `1 / (1 − rate)`.
fn channel_values(y: &Tensor) -> Vec<f32> {
    let shape = y.shape();
    let channels = shape[shape.len() - 1];
    let batch = shape[0];
    let per_sample: usize = shape[1..shape.len() - 1].iter().product();
    let v = y.to_vec();
    let mut values = Vec::new();
    for b in 0..batch {
        for c in 0..channels {
            let first = v[b * per_sample * channels + c];
            for i in 0..per_sample {
                let value = v[(b * per_sample + i) * channels + c];
                assert_eq!(value, first, "sample {b}, channel {c}: not one value");
            }
            values.push(first);
        }
    }
    values
}

#[test]
fn spatial_dropout_drops_whole_channels_at_the_rate() {
    for rate in [0.2f32, 0.5, 0.75] {
        let scale = 1.0 / (1.0 - rate);
        let layers: Vec<(Box<dyn Layer>, Tensor)> = vec![
            (
                Box::new(SpatialDropout1D::new(rate)),
                Tensor::ones(&[100, 4, 500]),
            ),
            (
                Box::new(SpatialDropout2D::new(rate)),
                Tensor::ones(&[100, 2, 3, 500]),
            ),
        ];
        for (layer, x) in layers {
            let y = with_context(true, 13, || layer.try_apply(&x)).unwrap();
            let values = channel_values(&y);
            assert!(values.iter().all(|&v| v == 0.0 || v == scale));
            let dropped = values.iter().filter(|&&v| v == 0.0).count() as f64;
            let share = dropped / values.len() as f64;
            // 50,000 channels: the share's standard error is at most 0.0023.
            assert!(
                (share - f64::from(rate)).abs() < 0.012,
                "{}: rate {rate}, dropped {share}",
                layer.type_name()
            );
        }
    }
}

/// Keras's `a`, `b` and the value of a dropped input, `a·α' + b`, from its constants
/// (α' = −λα of SELU), worked out here in f64.
fn alpha_constants(rate: f64) -> (f32, f32, f32) {
    let alpha_p = -1.6732632423543772 * 1.0507009873554805;
    let a = ((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p)).powf(-0.5);
    let b = -a * alpha_p * rate;
    (a as f32, b as f32, (a * alpha_p + b) as f32)
}

#[test]
fn alpha_dropout_keeps_mean_0_and_variance_1() {
    let x = with_context(false, 17, || Tensor::random_normal(&[1, N], 0.0, 1.0));
    for rate in [0.1f32, 0.3, 0.6] {
        let y = with_context(true, 18, || AlphaDropout::new(rate).apply(&x)).to_vec();
        let (mean, var) = mean_and_variance(&y);
        // The sample mean's and variance's standard errors: about 0.0022 and 0.0032.
        assert!(mean.abs() < 0.015, "rate {rate}: mean {mean}");
        assert!((var - 1.0).abs() < 0.025, "rate {rate}: variance {var}");
        let (_, _, dropped) = alpha_constants(f64::from(rate));
        let share = y.iter().filter(|&&v| (v - dropped).abs() < 1e-6).count() as f64 / N as f64;
        assert!(
            (share - f64::from(rate)).abs() < 0.01,
            "rate {rate}: dropped {share}"
        );
    }
}

#[test]
fn alpha_dropout_s_noise_shape_shares_draws() {
    let drop = AlphaDropout::new(0.5).noise_shape(Some(vec![None, Some(1), None]));
    let x = Tensor::zeros(&[4, 6, 50]);
    let y = with_context(true, 2, || drop.try_apply(&x)).unwrap();
    let first = y.narrow(1, 0, 1).to_vec();
    for t in 1..6 {
        assert_eq!(y.narrow(1, t, 1).to_vec(), first, "step {t}");
    }
    let bad = AlphaDropout::new(0.5).noise_shape(Some(vec![None, Some(3), None]));
    let err = with_context(true, 2, || bad.try_apply(&x)).unwrap_err();
    assert!(
        err.to_string()
            .contains("`noise_shape` [None, Some(3), None] has 3 where the input"),
        "{err}"
    );
    let short = AlphaDropout::new(0.5).noise_shape(Some(vec![None]));
    let err = with_context(true, 2, || short.try_apply(&x)).unwrap_err();
    assert!(err.to_string().contains("alpha_dropout"), "{err}");
}

#[test]
fn draws_are_reproducible_by_seed() {
    for layer in noise_layers() {
        let x = input_for(layer.as_ref());
        let a = with_context(true, 21, || layer.try_apply(&x)).unwrap();
        let b = with_context(true, 21, || layer.try_apply(&x)).unwrap();
        let c = with_context(true, 22, || layer.try_apply(&x)).unwrap();
        assert_eq!(a.to_vec(), b.to_vec(), "{}", layer.type_name());
        assert_ne!(a.to_vec(), c.to_vec(), "{}", layer.type_name());
    }
    // A layer's own seed: the same draws whatever the model's seed, going on from call to
    // call as Keras's seed generator does.
    let x = Tensor::zeros(&[1, 50]);
    let own = |context_seed| {
        let layer = GaussianNoise::new(0.5).seed(Some(9));
        with_context(true, context_seed, || {
            (layer.apply(&x).to_vec(), layer.apply(&x).to_vec())
        })
    };
    let (first, second) = own(1);
    assert_eq!(own(2), (first.clone(), second.clone()));
    assert_ne!(first, second);
    let other = GaussianNoise::new(0.5).seed(Some(10));
    assert_ne!(with_context(true, 1, || other.apply(&x)).to_vec(), first);
}

#[test]
fn the_gradient_is_the_noise_applied() {
    for layer in noise_layers() {
        let x = input_for(layer.as_ref()).into_variable();
        let c = Tensor::from_vec(
            (0..x.len()).map(|i| (i % 7) as f32 - 3.0).collect(),
            x.shape(),
        );
        let y = with_context(true, 5, || layer.try_apply(&x)).unwrap();
        let grads = y.backward_with(&c);
        let g = grads.get(&x).unwrap().to_vec();
        let (xv, yv, cv) = (x.to_vec(), y.to_vec(), c.to_vec());
        for i in 0..g.len() {
            // Additive noise passes the cotangent; a factor multiplies it: y / x; alpha
            // dropout's affine map gives `a` where kept, 0 where dropped.
            let expected = match layer.type_name() {
                "GaussianNoise" => cv[i],
                "AlphaDropout" => {
                    let (a, b, dropped) = alpha_constants(0.3);
                    if (yv[i] - dropped).abs() < 1e-6 {
                        0.0
                    } else {
                        assert!((yv[i] - (a * xv[i] + b)).abs() < 1e-5);
                        a * cv[i]
                    }
                }
                _ => yv[i] / xv[i] * cv[i],
            };
            assert!(
                (g[i] - expected).abs() < 1e-4 * expected.abs().max(1.0),
                "{}[{i}]: {} vs {expected}",
                layer.type_name(),
                g[i]
            );
        }
    }
}

#[test]
fn a_seeded_fit_through_noise_is_reproducible_and_learns() {
    let train = || {
        let mut model = Sequential::new()
            .add(GaussianNoise::new(0.1))
            .add(Dense::new(8).activation("relu"))
            .add(GaussianDropout::new(0.1))
            .add(Dense::new(1))
            .seed(3);
        model.compile("adam", "mse", &[]).unwrap();
        let x = Tensor::from_vec((0..64).map(|i| (i as f32 / 16.0) - 2.0).collect(), &[32, 2]);
        let y = x.sum(&[-1], true);
        let options = FitOptions::new().with_epochs(40).batch_size(8).verbose(0);
        let history = model.fit(&x, &y, options).unwrap();
        (model, history.history["loss"].clone())
    };
    let (a, losses) = train();
    let (b, _) = train();
    let weights = |m: &Sequential| -> Vec<Vec<f32>> {
        m.get_weights()
            .unwrap()
            .iter()
            .map(Tensor::to_vec)
            .collect()
    };
    assert_eq!(weights(&a), weights(&b));
    assert!(losses[losses.len() - 1] < 0.6 * losses[0], "{losses:?}");
}

#[test]
fn masks_pass_through_these_and_the_normalizations() {
    let x = Tensor::ones(&[1, 3, 4]);
    let mask = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[1, 3]);
    let passing: Vec<Box<dyn Layer>> = vec![
        Box::new(GaussianNoise::new(0.1)),
        Box::new(GaussianDropout::new(0.1)),
        Box::new(SpatialDropout1D::new(0.1)),
        Box::new(AlphaDropout::new(0.1)),
        Box::new(UnitNormalization::new()),
        Box::new(GroupNormalization::new().groups(2)),
    ];
    for layer in passing {
        let (_, out) = layer.forward_masked(&x, Some(&mask)).unwrap();
        assert_eq!(
            out.unwrap().to_vec(),
            mask.to_vec(),
            "{}",
            layer.type_name()
        );
    }
    // Keras's reshaping layers have no `supports_masking`: a mask is refused.
    let refusing: Vec<Box<dyn Layer>> = vec![
        Box::new(Cropping1D::new()),
        Box::new(ZeroPadding1D::new()),
        Box::new(UpSampling1D::new()),
        Box::new(Permute::new(vec![2, 1])),
    ];
    for layer in refusing {
        let err = layer.forward_masked(&x, Some(&mask)).unwrap_err();
        assert!(
            err.to_string().contains("does not take a mask"),
            "{}: {err}",
            layer.type_name()
        );
    }
}

#[test]
fn configs_use_keras_keys_and_read_back() {
    let layers: Vec<(Box<dyn Layer>, serde_json::Value)> = vec![
        (
            Box::new(GaussianNoise::new(0.25)),
            serde_json::json!({"stddev": 0.25, "seed": null}),
        ),
        (
            Box::new(GaussianDropout::new(0.5).seed(Some(7))),
            serde_json::json!({"rate": 0.5, "seed": 7}),
        ),
        (
            Box::new(SpatialDropout1D::new(0.5)),
            serde_json::json!({"rate": 0.5, "seed": null}),
        ),
        (
            Box::new(SpatialDropout2D::new(0.25)),
            serde_json::json!({"rate": 0.25, "data_format": "channels_last", "seed": null}),
        ),
        (
            Box::new(AlphaDropout::new(0.1).noise_shape(Some(vec![None, Some(1)]))),
            serde_json::json!({"rate": 0.1, "noise_shape": [null, 1], "seed": null}),
        ),
    ];
    for (layer, expected) in layers {
        assert_eq!(layer.config(), expected, "{}", layer.type_name());
        let loaded = layer_from_config(&layer.layer_config().unwrap()).unwrap();
        assert_eq!(loaded.type_name(), layer.type_name());
        assert_eq!(loaded.config(), layer.config());
    }
    let mut model = Sequential::new()
        .add(SpatialDropout2D::new(0.3))
        .add(Flatten::new())
        .add(GaussianNoise::new(0.2).seed(Some(1)))
        .add(Dense::new(2));
    model.build([2, 2, 3]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noise.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
    let x = Tensor::ones(&[3, 2, 2, 3]);
    assert_eq!(
        loaded.predict(&x).unwrap().to_vec(),
        model.predict(&x).unwrap().to_vec()
    );
}

#[test]
fn bad_settings_and_shapes_are_errors_naming_the_layer() {
    let cases: Vec<(Box<dyn Layer>, Vec<usize>, &str)> = vec![
        (
            Box::new(GaussianNoise::new(1.5)),
            vec![3],
            "layer `gaussian_noise` (GaussianNoise): `stddev` must be in [0, 1], got 1.5",
        ),
        (
            Box::new(GaussianNoise::new(f32::NAN)),
            vec![3],
            "layer `gaussian_noise` (GaussianNoise): `stddev` must be in [0, 1], got NaN",
        ),
        (
            Box::new(GaussianDropout::new(1.0)),
            vec![3],
            "layer `gaussian_dropout` (GaussianDropout): `rate` must be in [0, 1), got 1",
        ),
        (
            Box::new(GaussianDropout::new(-0.1)),
            vec![3],
            "layer `gaussian_dropout` (GaussianDropout): `rate` must be in [0, 1), got -0.1",
        ),
        (
            Box::new(SpatialDropout1D::new(1.0)),
            vec![3, 2],
            "layer `spatial_dropout1d` (SpatialDropout1D): `rate` must be in [0, 1), got 1",
        ),
        (
            Box::new(SpatialDropout1D::new(0.5)),
            vec![3],
            "layer `spatial_dropout1d` (SpatialDropout1D): `spatial_dropout1d` expects input \
             of shape [B, T, C] but got [1, 3]",
        ),
        (
            Box::new(SpatialDropout2D::new(f32::NAN)),
            vec![3, 3, 2],
            "layer `spatial_dropout2d` (SpatialDropout2D): `rate` must be in [0, 1), got NaN",
        ),
        (
            Box::new(SpatialDropout2D::new(0.5)),
            vec![3, 2],
            "layer `spatial_dropout2d` (SpatialDropout2D): `spatial_dropout2d` expects input \
             of shape [B, H, W, C] but got [1, 3, 2]",
        ),
        (
            Box::new(AlphaDropout::new(1.0)),
            vec![3],
            "layer `alpha_dropout` (AlphaDropout): `rate` must be in [0, 1), got 1",
        ),
        (
            Box::new(SpatialDropout2D::new(0.5).data_format("channels_first")),
            vec![3, 3, 2],
            "layer `spatial_dropout2d` (SpatialDropout2D): `data_format` must be \
             \"channels_last\" (the only one supported), got \"channels_first\"",
        ),
    ];
    let mut problems = Vec::new();
    for (mut layer, shape, expected) in cases {
        let err = layer.build(&shape).unwrap_err().to_string();
        if !err.contains(expected) {
            problems.push(format!("{err}\n  should contain: {expected}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
