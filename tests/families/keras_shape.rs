//! Keras 3's weightless reshaping layers (`RepeatVector`, `Permute`, `Cropping1D`,
//! `Cropping2D`, `ZeroPadding1D`, `UpSampling1D`) and the normalizations
//! `UnitNormalization` and `GroupNormalization` against real Keras.
//!
//! The expected values were produced by Keras 3.15.1 itself (JAX backend) with
//! `KERAS_BACKEND=jax python3 tests/reference/keras_shape.py > tests/reference/keras_shape.txt`:
//! each case's output and the gradients (JAX's autodiff through Keras's own layer) of
//! `Σ y·c` for the input and every trainable weight in Keras's order (`gamma`, then
//! `beta`). Each layer here, given the same weights, must agree to 1e-4 relative (to
//! `max(1, |expected|)`). Finite-difference checks, shapes, configs, saving and refusals
//! follow.

use std::collections::BTreeMap;

use layers::builtin::Margin;
use layers::layer::gradcheck::check_layer;
use layers::prelude::*;

use crate::table::{self, Array, Fields, compare};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/keras_shape.txt"))
}

/// The cases, as the Python script makes them.
fn cases() -> Vec<(&'static str, Box<dyn Layer>)> {
    vec![
        ("RepeatVector_3", Box::new(RepeatVector::new(3))),
        ("Permute_21", Box::new(Permute::new(vec![2, 1]))),
        ("Permute_312", Box::new(Permute::new(vec![3, 1, 2]))),
        ("Cropping1D_default", Box::new(Cropping1D::new())),
        (
            "Cropping1D_2_0",
            Box::new(Cropping1D::new().cropping((2, 0))),
        ),
        ("Cropping2D_int", Box::new(Cropping2D::new().cropping(1))),
        (
            "Cropping2D_pair",
            Box::new(Cropping2D::new().cropping((1, 2))),
        ),
        (
            "Cropping2D_pairs",
            Box::new(Cropping2D::new().cropping(((1, 0), (2, 1)))),
        ),
        ("ZeroPadding1D_default", Box::new(ZeroPadding1D::new())),
        (
            "ZeroPadding1D_1_3",
            Box::new(ZeroPadding1D::new().padding((1, 3))),
        ),
        ("UpSampling1D_default", Box::new(UpSampling1D::new())),
        ("UpSampling1D_3", Box::new(UpSampling1D::new().size(3))),
        ("UnitNormalization_last", Box::new(UnitNormalization::new())),
        (
            "UnitNormalization_axis1",
            Box::new(UnitNormalization::new().axis(1)),
        ),
        (
            "UnitNormalization_axes12",
            Box::new(UnitNormalization::new().axis(vec![1, 2])),
        ),
        (
            "GroupNormalization_2_of_4",
            Box::new(GroupNormalization::new().groups(2)),
        ),
        (
            "GroupNormalization_groups_eq_channels",
            Box::new(GroupNormalization::new().groups(4)),
        ),
        (
            "GroupNormalization_instance",
            Box::new(GroupNormalization::new().groups(-1)),
        ),
        (
            "GroupNormalization_1_group",
            Box::new(GroupNormalization::new().groups(1)),
        ),
        (
            "GroupNormalization_4d",
            Box::new(GroupNormalization::new().groups(3).epsilon(0.01)),
        ),
        (
            "GroupNormalization_2d",
            Box::new(GroupNormalization::new().groups(2)),
        ),
        (
            "GroupNormalization_no_center",
            Box::new(GroupNormalization::new().groups(2).center(false)),
        ),
        (
            "GroupNormalization_no_scale",
            Box::new(GroupNormalization::new().groups(2).scale(false)),
        ),
    ]
}

/// The disagreements of one case with Keras: its output and every gradient.
fn run_case(name: &str, mut layer: Box<dyn Layer>, fields: &Fields) -> Vec<String> {
    let x = fields["x0"].tensor();
    layer.build(&x.shape()[1..]).unwrap();
    let weights = layer.trainable_weights();
    let expected: Vec<&Array> = (1..)
        .map_while(|i| fields.get(format!("x{i}").as_str()))
        .collect();
    assert_eq!(weights.len(), expected.len(), "{name}: Keras's weights");
    for ((path, w), value) in weights.iter().zip(&expected) {
        assert_eq!(w.shape().unwrap(), value.shape, "{name}: shape of `{path}`");
        w.set_value(value.tensor()).unwrap();
    }
    let input = x.into_variable();
    let y = layer.try_apply(&input).unwrap();
    let mut problems = compare(&format!("{name} y"), &y, &fields["y"]);
    let grads = y.backward_with(&fields["c"].tensor());
    let mut found: Vec<Option<Tensor>> = vec![grads.get(&input).cloned()];
    found.extend(weights.iter().map(|(_, w)| w.grad(&grads).cloned()));
    for (i, g) in found.into_iter().enumerate() {
        let what = format!("{name} g{i}");
        match g {
            Some(g) => problems.extend(compare(&what, &g, &fields[format!("g{i}").as_str()])),
            None => problems.push(format!("{what}: no gradient")),
        }
    }
    problems
}

#[test]
fn the_cases_here_are_the_cases_of_the_table() {
    let here: Vec<&str> = cases().iter().map(|(name, _)| *name).collect();
    let mut sorted = here.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), here.len(), "a case is listed twice");
    assert_eq!(sorted, table().keys().copied().collect::<Vec<_>>());
}

#[test]
fn values_and_gradients_match_keras() {
    let table = table();
    let mut problems = Vec::new();
    let mut gradients = 0;
    for (name, layer) in cases() {
        let fields = &table[name];
        gradients += fields.keys().filter(|f| f.starts_with('g')).count();
        problems.extend(run_case(name, layer, fields));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // 15 weightless cases, 6 GroupNormalization cases with gamma and beta, 2 with one.
    assert_eq!(gradients, 15 + 6 * 3 + 2 * 2, "every gradient is checked");
}

/// A GroupNormalization that put epsilon outside the square root, or normalized over the
/// whole sample, would disagree with Keras's table: the comparison is a check.
#[test]
fn a_wrong_group_normalization_is_reported() {
    let table = table();
    let case = &table["GroupNormalization_2_of_4"];
    let x = case["x0"].tensor();
    let (gamma, beta) = (case["x1"].tensor(), case["x2"].tensor());
    let (b, t, c) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    let grouped = x.reshape(&[b, t, 2, c / 2]);
    let mean = grouped.mean(&[1, 3], true);
    let centered = &grouped - &mean;
    let variance = centered.square().mean(&[1, 3], true);
    let outside = (centered / (variance.sqrt() + 1e-3)).reshape(&[b, t, c]) * &gamma + &beta;
    assert!(!compare("outside", &outside, &case["y"]).is_empty());
    let mut one_group = GroupNormalization::new().groups(1);
    one_group.build([t, c]).unwrap();
    one_group.gamma.set_value(gamma).unwrap();
    one_group.beta.set_value(beta).unwrap();
    let y = one_group.try_apply(&x).unwrap();
    assert!(!compare("one group", &y, &case["y"]).is_empty());
}

#[test]
fn gradients_match_finite_differences() {
    let x3 = Tensor::from_vec(
        (0..24).map(|i| ((i * 7 % 11) as f32 - 5.0) / 3.0).collect(),
        &[2, 3, 4],
    );
    let x4 = Tensor::from_vec(
        (0..48).map(|i| ((i * 5 % 13) as f32 - 6.0) / 4.0).collect(),
        &[2, 2, 3, 4],
    );
    let x2 = x3.reshape(&[2, 12]);
    let cases: Vec<(Box<dyn Layer>, &Tensor)> = vec![
        (Box::new(RepeatVector::new(2)), &x2),
        (Box::new(Permute::new(vec![2, 3, 1])), &x4),
        (Box::new(Cropping1D::new().cropping((0, 1))), &x3),
        (Box::new(Cropping2D::new().cropping(((0, 1), (1, 1)))), &x4),
        (Box::new(ZeroPadding1D::new().padding((2, 1))), &x3),
        (Box::new(UpSampling1D::new().size(3)), &x3),
        (Box::new(UnitNormalization::new()), &x3),
        (Box::new(UnitNormalization::new().axis(vec![1, 2])), &x4),
        (Box::new(GroupNormalization::new().groups(2)), &x3),
        (Box::new(GroupNormalization::new().groups(4)), &x4),
        (
            Box::new(GroupNormalization::new().groups(1).center(false)),
            &x4,
        ),
    ];
    for (layer, x) in cases {
        let report = check_layer(layer.as_ref(), x, 1e-2).unwrap();
        assert!(
            report.worst() < 2e-2,
            "{}: {}",
            layer.type_name(),
            report.worst()
        );
    }
}

/// Keras's `ops.normalize`: a sample of zeros stays zeros, with a finite gradient.
#[test]
fn unit_normalization_of_zeros_is_zeros() {
    let x = Tensor::zeros(&[2, 3]).into_variable();
    let y = UnitNormalization::new().try_apply(&x).unwrap();
    assert_eq!(y.to_vec(), vec![0.0; 6]);
    let grads = y.sum_all().backward();
    assert!(
        grads
            .get(&x)
            .unwrap()
            .to_vec()
            .iter()
            .all(|g| g.is_finite())
    );
}

#[test]
fn model_output_shapes_and_the_summary_are_keras_s() {
    let mut model = Sequential::new()
        .add(Dense::new(6))
        .add(RepeatVector::new(4))
        .add(Permute::new(vec![2, 1]))
        .add(ZeroPadding1D::new().padding((1, 2)))
        .add(Cropping1D::new().cropping((2, 0)))
        .add(UpSampling1D::new())
        .add(UnitNormalization::new())
        .add(GroupNormalization::new().groups(2));
    assert_eq!(model.build([3]).unwrap(), vec![14, 4]);
    let summary = model.summary().to_string();
    for shape in [
        "(None, 4, 6)",
        "(None, 6, 4)",
        "(None, 9, 4)",
        "(None, 7, 4)",
        "(None, 14, 4)",
    ] {
        assert!(summary.contains(shape), "{shape} in\n{summary}");
    }
    // Dense 3·6 + 6, GroupNormalization 4 + 4.
    assert!(summary.contains("Total params: 32"), "{summary}");
    let mut images = Sequential::new()
        .add(Cropping2D::new().cropping(((1, 2), (3, 0))))
        .add(GroupNormalization::new().groups(3));
    assert_eq!(images.build([8, 8, 6]).unwrap(), vec![5, 5, 6]);
}

/// The compiler carries the channels through the 1-D and 2-D layers that keep them.
#[test]
fn static_signatures_keep_the_channels() {
    use layers::typed::{Shape, StaticLayer};
    type In3 = (usize, Const<10>, Const<4>);
    type In4 = (usize, Const<8>, Const<8>, Const<3>);
    assert_eq!(
        <<Cropping1D as StaticLayer>::Output<In3> as Shape>::describe(),
        "(usize, usize, Const<4>)"
    );
    assert_eq!(
        <<ZeroPadding1D as StaticLayer>::Output<In3> as Shape>::describe(),
        "(usize, usize, Const<4>)"
    );
    assert_eq!(
        <<UpSampling1D as StaticLayer>::Output<In3> as Shape>::describe(),
        "(usize, usize, Const<4>)"
    );
    assert_eq!(
        <<Cropping2D as StaticLayer>::Output<In4> as Shape>::describe(),
        "(usize, usize, usize, Const<3>)"
    );
    assert_eq!(
        <<RepeatVector as StaticLayer>::Output<(usize, Const<5>)> as Shape>::describe(),
        "(usize, usize, Const<5>)"
    );
}

#[test]
fn configs_use_keras_keys_and_read_back() {
    let layers: Vec<(Box<dyn Layer>, serde_json::Value)> = vec![
        (Box::new(RepeatVector::new(3)), serde_json::json!({"n": 3})),
        (
            Box::new(Permute::new(vec![2, 1])),
            serde_json::json!({"dims": [2, 1]}),
        ),
        (
            Box::new(Cropping1D::new()),
            serde_json::json!({"cropping": [1, 1]}),
        ),
        (
            Box::new(Cropping2D::new()),
            serde_json::json!({"cropping": [[0, 0], [0, 0]], "data_format": "channels_last"}),
        ),
        (
            Box::new(ZeroPadding1D::new()),
            serde_json::json!({"padding": [1, 1], "data_format": "channels_last"}),
        ),
        (
            Box::new(UpSampling1D::new()),
            serde_json::json!({"size": 2}),
        ),
        (
            Box::new(UnitNormalization::new()),
            serde_json::json!({"axis": -1}),
        ),
        (
            Box::new(GroupNormalization::new()),
            serde_json::json!({
                "groups": 32, "axis": -1, "epsilon": 0.001, "center": true, "scale": true,
                "beta_initializer": "zeros", "gamma_initializer": "ones",
                "beta_regularizer": null, "gamma_regularizer": null,
                "beta_constraint": null, "gamma_constraint": null
            }),
        ),
    ];
    for (layer, expected) in layers {
        assert_eq!(layer.config(), expected, "{}", layer.type_name());
        let loaded = layer_from_config(&layer.layer_config().unwrap()).unwrap();
        assert_eq!(loaded.type_name(), layer.type_name());
        assert_eq!(loaded.config(), layer.config());
    }
    // Keras's other spellings read back: an int for a pair, a list for one axis.
    let config =
        LayerConfig::from_json(r#"{"class_name": "Cropping1D", "config": {"cropping": 2}}"#)
            .unwrap();
    let crop = layer_from_config(&config).unwrap();
    assert_eq!(crop.config()["cropping"], serde_json::json!([2, 2]));
    let config = LayerConfig::from_json(
        r#"{"class_name": "UnitNormalization", "config": {"axis": [1, 2]}}"#,
    )
    .unwrap();
    assert_eq!(
        layer_from_config(&config).unwrap().config()["axis"],
        serde_json::json!([1, 2])
    );
    assert_eq!(
        Margin::from(3),
        Margin {
            before: 3,
            after: 3
        }
    );
}

#[test]
fn a_model_of_them_trains_saves_and_loads() {
    let mut model = Sequential::new()
        .add(Dense::new(4))
        .add(RepeatVector::new(3))
        .add(GroupNormalization::new().groups(2))
        .add(Permute::new(vec![2, 1]))
        .add(UnitNormalization::new())
        .add(Flatten::new())
        .add(Dense::new(1))
        .seed(5);
    model.compile("adam", "mse", &[]).unwrap();
    let x = Tensor::from_vec((0..16).map(|i| i as f32 / 8.0 - 1.0).collect(), &[8, 2]);
    let y = Tensor::from_vec((0..8).map(|i| (i % 2) as f32).collect(), &[8, 1]);
    let history = model
        .fit(&x, &y, FitOptions::new().with_epochs(30).verbose(0))
        .unwrap();
    let losses = &history.history["loss"];
    assert!(losses[losses.len() - 1] < losses[0], "{losses:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shape.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.predict(&x).unwrap().to_vec(),
        model.predict(&x).unwrap().to_vec()
    );
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
}

#[test]
fn mistakes_are_errors_naming_the_layer_and_the_setting() {
    let cases: Vec<(Box<dyn Layer>, Vec<usize>, &str)> = vec![
        (
            Box::new(RepeatVector::new(0)),
            vec![3],
            "layer `repeat_vector` (RepeatVector): `n` must be a positive integer, got 0",
        ),
        (
            Box::new(RepeatVector::new(2)),
            vec![3, 4],
            "layer `repeat_vector` (RepeatVector): `repeat_vector` expects input of shape [B, F] \
             but got [1, 3, 4]",
        ),
        (
            Box::new(Permute::new(vec![1, 1])),
            vec![2, 3],
            "layer `permute` (Permute): `dims` must hold each of 1..=2 once",
        ),
        (
            Box::new(Permute::new(vec![1, 3])),
            vec![2, 3],
            "`dims` must hold each of 1..=2 once",
        ),
        (
            Box::new(Permute::new(vec![2, 1])),
            vec![2, 3, 4],
            "`Permute` expects input of shape [B, D1, D2] but got [1, 2, 3, 4]",
        ),
        (
            Box::new(Cropping1D::new().cropping((2, 1))),
            vec![3, 2],
            "layer `cropping1d` (Cropping1D): its call failed for input shape (None, 3, 2): \
             `Cropping1D`: `cropping` [2, 1] must remove fewer than the input's 3 steps",
        ),
        (
            Box::new(Cropping1D::new()),
            vec![3],
            "layer `cropping1d` (Cropping1D): its call failed for input shape (None, 3): \
             `Cropping1D` expects input of shape [B, T, C] but got [1, 3]",
        ),
        (
            Box::new(Cropping2D::new().cropping(((0, 0), (2, 2)))),
            vec![5, 4, 1],
            "layer `cropping2d` (Cropping2D): its call failed for input shape (None, 5, 4, 1): \
             `Cropping2D`: `cropping` [[0, 0], [2, 2]] must remove fewer than the input's 5 \
             rows and 4 columns",
        ),
        (
            Box::new(Cropping2D::new().data_format("channels_first")),
            vec![5, 4, 1],
            "layer `cropping2d` (Cropping2D): `data_format` must be \"channels_last\" (the only \
             one supported), got \"channels_first\"",
        ),
        (
            Box::new(ZeroPadding1D::new()),
            vec![3, 2, 1],
            "layer `zero_padding1d` (ZeroPadding1D): its call failed for input shape \
             (None, 3, 2, 1): `ZeroPadding1D` expects input of shape [B, T, C]",
        ),
        (
            Box::new(UpSampling1D::new().size(0)),
            vec![3, 2],
            "layer `up_sampling1d` (UpSampling1D): `size` must be a positive integer, got 0",
        ),
        (
            Box::new(UnitNormalization::new().axis(vec![1, -2])),
            vec![3, 2],
            "layer `unit_normalization` (UnitNormalization): its call failed for input shape \
             (None, 3, 2): `UnitNormalization`: axis -2 is given twice",
        ),
        (
            Box::new(UnitNormalization::new().axis(vec![])),
            vec![3],
            "layer `unit_normalization` (UnitNormalization): `axis` must name at least one axis",
        ),
        (
            Box::new(GroupNormalization::new().groups(3)),
            vec![4, 8],
            "layer `group_normalization` (GroupNormalization): its call failed for input shape \
             (None, 4, 8): `GroupNormalization`: `groups` (3) must divide the number of \
             channels, 8",
        ),
        (
            Box::new(GroupNormalization::new()),
            vec![4, 8],
            "`groups` (32) cannot be more than the number of channels, 8",
        ),
        (
            Box::new(GroupNormalization::new().groups(0)),
            vec![4, 8],
            "`groups` must be a positive integer, or -1 for one group per channel, got 0",
        ),
        (
            Box::new(GroupNormalization::new().groups(2).epsilon(f32::NAN)),
            vec![4, 8],
            "`epsilon` must be positive and finite, got NaN",
        ),
        (
            Box::new(GroupNormalization::new().groups(2).axis(1)),
            vec![4, 8],
            "`axis` must be -1, the last axis (channels last, the only one supported), got 1",
        ),
        (
            Box::new(GroupNormalization::new().groups(2)),
            vec![],
            "layer `group_normalization` (GroupNormalization)",
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
    // A bad value in a config is an error naming the field.
    let config = LayerConfig::from_json(
        r#"{"class_name": "Cropping2D", "config": {"cropping": [1, 2, 3]}}"#,
    )
    .unwrap();
    let err = layer_from_config(&config).err().unwrap().to_string();
    assert!(err.contains("cropping"), "{err}");
}
