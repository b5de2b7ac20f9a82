//! Pooling and spatial layers: finite-difference gradient checks of the pooling ops and of
//! every layer (strides, `same` padding, overlapping windows, `keepdims`, TimeDistributed
//! over a layer with weights), errors that name the layer, whole-model saving, and the
//! shapes a statically checked model sees.

use layers::autograd::check_gradients;
use layers::builtin::{Padding, SpatialPadding};
use layers::layer::gradcheck::check_layer;
use layers::prelude::*;

/// Distinct values 0.1 apart, shuffled: no two elements of a window are within a
/// finite-difference step of each other, so the max's gradient is well defined.
fn distinct(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let values = (0..n).map(|i| ((i * 37 + 11) % n) as f32 * 0.1 - n as f32 * 0.05);
    Tensor::from_vec(values.collect(), shape)
}

/// A named op of one tensor.
type OpCase = (&'static str, fn(&[Tensor]) -> Tensor);

#[test]
fn max_pooling_ops_pass_the_gradient_check() {
    let x = distinct(&[2, 5, 6, 3]);
    let cases: [OpCase; 4] = [
        ("valid 2x2", |v| {
            v[0].max_pool2d([2, 2], [2, 2], [(0, 0); 2])
        }),
        ("same 3x3 stride 2", |v| {
            v[0].max_pool2d([3, 3], [2, 2], [(1, 1), (0, 1)])
        }),
        ("overlapping, stride 1", |v| {
            v[0].max_pool2d([2, 3], [1, 1], [(0, 0); 2])
        }),
        ("1-D same", |v| {
            v[0].reshape(&[2, 30, 3]).max_pool1d(4, 3, (1, 2))
        }),
    ];
    for (what, f) in cases {
        let report = check_gradients(std::slice::from_ref(&x), f, 1e-2);
        assert!(report.worst() < 1e-2, "{what}: {report}");
    }
}

#[test]
fn average_pooling_ops_pass_the_gradient_check() {
    let x = distinct(&[2, 5, 6, 3]);
    let cases: [OpCase; 4] = [
        ("valid 2x2", |v| {
            v[0].avg_pool2d([2, 2], [2, 2], [(0, 0); 2])
        }),
        ("same 3x3 stride 2", |v| {
            v[0].avg_pool2d([3, 3], [2, 2], [(1, 1), (0, 1)])
        }),
        ("same 3x3 stride 1", |v| {
            v[0].avg_pool2d([3, 3], [1, 1], [(1, 1), (1, 1)])
        }),
        ("1-D same", |v| {
            v[0].reshape(&[2, 30, 3]).avg_pool1d(4, 3, (1, 2))
        }),
    ];
    for (what, f) in cases {
        let report = check_gradients(std::slice::from_ref(&x), f, 1e-2);
        assert!(report.worst() < 1e-2, "{what}: {report}");
    }
}

#[test]
fn a_tie_sends_the_gradient_to_the_first_maximum_only() {
    let x = Tensor::from_vec(vec![1.0, 3.0, 3.0, 0.0], &[1, 2, 2, 1]).into_variable();
    let y = x.max_pool2d([2, 2], [2, 2], [(0, 0); 2]);
    let grads = y.sum_all().backward();
    assert_eq!(grads.get(&x).unwrap().to_vec(), vec![0.0, 1.0, 0.0, 0.0]);
}

#[test]
fn pooling_without_gradients_matches_pooling_with_them() {
    let x = distinct(&[3, 6, 6, 4]);
    let plain = no_grad(|| x.max_pool2d([3, 3], [2, 2], [(0, 1), (0, 1)]));
    let recorded = x
        .clone()
        .into_variable()
        .max_pool2d([3, 3], [2, 2], [(0, 1), (0, 1)]);
    assert_eq!(plain.to_vec(), recorded.to_vec());
    // A non-contiguous input (a transposed view) pools like its contiguous copy.
    let t = x.permute(&[0, 2, 1, 3]);
    let copy = Tensor::from_vec(t.to_vec(), t.shape());
    assert_eq!(
        t.avg_pool2d([2, 2], [1, 1], [(0, 0); 2]).to_vec(),
        copy.avg_pool2d([2, 2], [1, 1], [(0, 0); 2]).to_vec()
    );
}

fn layers_to_check() -> Vec<(&'static str, Box<dyn Layer>, Vec<usize>)> {
    vec![
        (
            "MaxPooling2D",
            Box::new(MaxPooling2D::new()),
            vec![2, 4, 5, 2],
        ),
        (
            "MaxPooling2D same stride 1",
            Box::new(
                MaxPooling2D::new()
                    .pool_size((3, 3))
                    .strides((1, 1))
                    .padding(Padding::Same),
            ),
            vec![1, 4, 4, 2],
        ),
        (
            "AveragePooling2D same",
            Box::new(AveragePooling2D::new().padding(Padding::Same)),
            vec![2, 5, 3, 2],
        ),
        ("MaxPooling1D", Box::new(MaxPooling1D::new()), vec![2, 7, 2]),
        (
            "AveragePooling1D same stride 2",
            Box::new(
                AveragePooling1D::new()
                    .pool_size(3)
                    .strides(2)
                    .padding(Padding::Same),
            ),
            vec![2, 6, 2],
        ),
        (
            "GlobalAveragePooling1D",
            Box::new(GlobalAveragePooling1D::new()),
            vec![2, 4, 3],
        ),
        (
            "GlobalAveragePooling2D keepdims",
            Box::new(GlobalAveragePooling2D::new().keepdims(true)),
            vec![2, 3, 3, 2],
        ),
        (
            "GlobalMaxPooling1D",
            Box::new(GlobalMaxPooling1D::new()),
            vec![2, 4, 3],
        ),
        (
            "GlobalMaxPooling2D",
            Box::new(GlobalMaxPooling2D::new()),
            vec![2, 3, 3, 2],
        ),
        (
            "ZeroPadding2D",
            Box::new(ZeroPadding2D::new().padding(((0, 1), (2, 1)))),
            vec![2, 2, 3, 2],
        ),
        (
            "UpSampling2D",
            Box::new(UpSampling2D::new().size((2, 3))),
            vec![1, 2, 3, 2],
        ),
        (
            "TimeDistributed(Dense)",
            Box::new(TimeDistributed::new(Dense::new(3))),
            vec![2, 4, 5],
        ),
        (
            "TimeDistributed(MaxPooling2D)",
            Box::new(TimeDistributed::new(MaxPooling2D::new())),
            vec![2, 3, 4, 4, 2],
        ),
    ]
}

#[test]
fn every_layer_passes_the_layer_gradient_check() {
    for (what, layer, shape) in layers_to_check() {
        let report = check_layer(layer.as_ref(), &distinct(&shape), 1e-2).unwrap();
        assert!(report.worst() < 1e-2, "{what}: {report}");
        let checked = report.entries.len();
        assert_eq!(checked, layer.trainable_weights().len() + 1, "{what}");
    }
}

#[test]
fn every_layer_round_trips_through_a_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (what, layer, shape)) in layers_to_check().into_iter().enumerate() {
        let mut model = Sequential::new().add(layer);
        model.build(&shape[1..]).unwrap();
        let x = distinct(&shape);
        let path = dir.path().join(format!("{i}.safetensors"));
        model.save(&path).unwrap();
        let loaded = Sequential::load(&path).unwrap();
        assert_eq!(
            loaded.layer_config().unwrap(),
            model.layer_config().unwrap(),
            "{what}"
        );
        let bits = |t: Tensor| t.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(loaded.predict(&x).unwrap()),
            bits(model.predict(&x).unwrap()),
            "{what}"
        );
    }
}

#[test]
fn configs_are_keras_configs_and_read_back() {
    let pool = MaxPooling2D::new()
        .pool_size((3, 3))
        .strides((1, 2))
        .padding(Padding::Same);
    assert_eq!(
        pool.config(),
        serde_json::json!({"pool_size": [3, 3], "strides": [1, 2], "padding": "same"})
    );
    let loaded = layer_from_config(&pool.layer_config().unwrap()).unwrap();
    assert_eq!(loaded.config(), pool.config());
    assert_eq!(
        MaxPooling1D::new().config()["strides"],
        serde_json::Value::Null
    );
    assert_eq!(
        ZeroPadding2D::new().config(),
        serde_json::json!({"padding": [[1, 1], [1, 1]]})
    );
    assert_eq!(
        UpSampling2D::new().config(),
        serde_json::json!({"size": [2, 2], "interpolation": "nearest"})
    );
    // Keras's other spellings of a padding read back as the same value.
    let mut config = ZeroPadding2D::new().layer_config().unwrap();
    config
        .config
        .insert("padding".into(), serde_json::json!([2, 3]));
    let layer = layer_from_config(&config).unwrap();
    assert_eq!(
        layer.config()["padding"],
        serde_json::json!([[2, 2], [3, 3]])
    );
    assert_eq!(
        SpatialPadding::from(((1, 2), (3, 4))),
        SpatialPadding {
            top: 1,
            bottom: 2,
            left: 3,
            right: 4
        }
    );
    // A bad padding string is an error naming the field.
    let mut config = MaxPooling2D::new().layer_config().unwrap();
    config
        .config
        .insert("padding".into(), serde_json::json!("full"));
    let err = layer_from_config(&config).err().unwrap().to_string();
    assert!(err.contains("padding") && err.contains("\"full\""), "{err}");
    // TimeDistributed loads as the boxed form, holding the inner layer's class.
    let td = TimeDistributed::new(Dense::new(3));
    let loaded = layer_from_config(&td.layer_config().unwrap()).unwrap();
    assert_eq!(loaded.type_name(), "TimeDistributed");
    assert_eq!(loaded.layer_config().unwrap(), td.layer_config().unwrap());
}

#[test]
fn bad_inputs_and_configs_are_errors_naming_the_layer() {
    let cases: Vec<(Box<dyn Layer>, Vec<usize>, &str)> = vec![
        (
            Box::new(MaxPooling2D::new()),
            vec![8, 8],
            "layer `max_pooling2d` (MaxPooling2D): ",
        ),
        (
            Box::new(AveragePooling1D::new()),
            vec![8, 8, 1],
            "`AveragePooling1D` expects input of shape [B, T, C] but got [1, 8, 8, 1]",
        ),
        (
            Box::new(MaxPooling2D::new().pool_size((3, 3))),
            vec![2, 5, 1],
            "is larger than the input's spatial size [2, 5]",
        ),
        (
            Box::new(MaxPooling1D::new().pool_size(0)),
            vec![4, 1],
            "`pool_size` must be a positive integer, got 0",
        ),
        (
            Box::new(AveragePooling2D::new().strides((1, 0))),
            vec![4, 4, 1],
            "`strides` must be a positive integer, got 0",
        ),
        (
            Box::new(GlobalMaxPooling2D::new()),
            vec![4, 4],
            "layer `global_max_pooling2d` (GlobalMaxPooling2D)",
        ),
        (
            Box::new(UpSampling2D::new().size((0, 2))),
            vec![4, 4, 1],
            "`size` must be a positive integer, got 0",
        ),
        (
            Box::new(ZeroPadding2D::new()),
            vec![4, 4],
            "layer `zero_padding2d` (ZeroPadding2D)",
        ),
        (
            Box::new(TimeDistributed::new(Dense::new(2))),
            vec![4],
            "layer `time_distributed` (TimeDistributed)",
        ),
    ];
    for (mut layer, shape, expected) in cases {
        let err = layer.build(&shape).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{err}\n  should contain: {expected}"
        );
    }
    // `same` never needs a window smaller than the input: a 3×3 window on 2×2 pixels works.
    let mut same = MaxPooling2D::new().pool_size((3, 3)).padding(Padding::Same);
    assert_eq!(same.build([2, 2, 1]).unwrap(), vec![1, 1, 1]);
    // A channel count that changes after building is fine for weightless pooling, but the
    // inner layer of a TimeDistributed keeps its weights' shape.
    let mut td = TimeDistributed::new(Dense::new(2));
    td.build([3, 4]).unwrap();
    let err = td
        .try_apply(&Tensor::ones(&[1, 3, 5]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("time_distributed"), "{err}");
}

#[test]
fn output_shapes_follow_keras() {
    let shape = |mut layer: Box<dyn Layer>, input: &[usize]| layer.build(input).unwrap();
    assert_eq!(shape(Box::new(MaxPooling1D::new()), &[7, 3]), vec![3, 3]);
    assert_eq!(
        shape(
            Box::new(MaxPooling1D::new().padding(Padding::Same)),
            &[7, 3]
        ),
        vec![4, 3]
    );
    assert_eq!(
        shape(
            Box::new(MaxPooling2D::new().pool_size((3, 3)).strides((2, 2))),
            &[28, 28, 8]
        ),
        vec![13, 13, 8]
    );
    assert_eq!(
        shape(
            Box::new(
                AveragePooling2D::new()
                    .strides((1, 1))
                    .padding(Padding::Same)
            ),
            &[5, 7, 2]
        ),
        vec![5, 7, 2]
    );
    assert_eq!(
        shape(Box::new(GlobalMaxPooling1D::new().keepdims(true)), &[7, 3]),
        vec![1, 3]
    );
    assert_eq!(
        shape(Box::new(ZeroPadding2D::new().padding((1, 2))), &[5, 5, 3]),
        vec![7, 9, 3]
    );
    assert_eq!(
        shape(Box::new(UpSampling2D::new().size((3, 1))), &[5, 5, 3]),
        vec![15, 5, 3]
    );
    assert_eq!(
        shape(
            Box::new(TimeDistributed::new(Flatten::new())),
            &[10, 4, 4, 2]
        ),
        vec![10, 32]
    );
}

/// A statically checked model: the compiler checks the rank of every pooling layer's
/// input and carries the channel count through them (`MaxPooling2D` keeps `C`), so the
/// `Dense` at the end is checked against `Const<3>` channels where the model is defined.
#[derive(Layer)]
#[layer(sequential, input = [B, 28, 28, 3])]
struct Tiny {
    #[layer(default)]
    pad: ZeroPadding2D,
    #[layer(default)]
    pool: MaxPooling2D,
    #[layer(default)]
    up: UpSampling2D,
    #[layer(default)]
    avg: AveragePooling2D,
    #[layer(default)]
    dense: Dense<Const<4>>,
    #[layer(default)]
    global: GlobalMaxPooling2D,
}

#[test]
fn a_statically_checked_model_carries_the_channels_through_pooling() {
    use layers::typed::{Shape, StaticLayer};
    type AfterPool = <MaxPooling2D as StaticLayer>::Output<(usize, Const<28>, Const<28>, Const<3>)>;
    assert_eq!(AfterPool::describe(), "(usize, usize, usize, Const<3>)");
    type AfterPad = <ZeroPadding2D as StaticLayer>::Output<AfterPool>;
    assert_eq!(AfterPad::describe(), "(usize, usize, usize, Const<3>)");
    type Global = <GlobalAveragePooling2D as StaticLayer>::Output<AfterPad>;
    assert_eq!(Global::describe(), "DynShape"); // its rank depends on `keepdims`
    let mut model = Model::new(Tiny::new());
    assert_eq!(model.build([28, 28, 3]).unwrap(), vec![4]);
    assert!(Model::new(Tiny::new()).build([28, 28]).is_err());
}

/// TensorFlow's `same` rule, for every small size, window and stride: `ceil(n / stride)`
/// outputs, a padding smaller than the window (so every window holds a real element), the
/// smaller half before.
#[test]
fn same_padding_gives_ceil_n_over_stride_outputs() {
    use layers::tensor::pool::{pooled_size, same_padding};
    for n in 1..20 {
        for k in 1..6 {
            for s in 1..5 {
                let (before, after) = same_padding(n, k, s, 1);
                assert!(before <= after && after < k, "n {n} k {k} s {s}");
                assert_eq!(
                    pooled_size(n, k, s, (before, after)),
                    Some(n.div_ceil(s)),
                    "n {n} k {k} s {s}"
                );
            }
        }
    }
}
