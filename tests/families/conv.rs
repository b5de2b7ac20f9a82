//! The convolution ops and layers: finite-difference gradient checks over strides, `same`
//! padding and dilation (proptest over shapes and settings), the errors for bad input (each
//! naming the layer), configs and whole-model saving.

use layers::autograd::check_gradients;
use layers::layer::gradcheck::check_layer;
use layers::prelude::*;
use proptest::prelude::*;

fn values(shape: &[usize], seed: u64) -> Tensor {
    let n: usize = shape.iter().product();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        })
        .collect();
    Tensor::from_vec(v, shape)
}

fn padding(same: bool) -> Padding {
    if same { Padding::Same } else { Padding::Valid }
}

/// Settings for one 2-D case: input (batch, h, w, c), kernel (kh, kw), strides, dilation.
fn settings() -> impl Strategy<Value = ([usize; 4], [usize; 2], [usize; 2], [usize; 2], bool)> {
    (
        (1usize..3, 3usize..7, 3usize..7, 1usize..4),
        (1usize..4, 1usize..4),
        (1usize..3, 1usize..3),
        (1usize..3, 1usize..3),
        any::<bool>(),
    )
        .prop_map(|((n, h, w, c), (kh, kw), (sh, sw), (dh, dw), same)| {
            ([n, h, w, c], [kh, kw], [sh, sw], [dh, dw], same)
        })
        .prop_filter("the kernel fits the input", |(x, k, _, d, same)| {
            *same || ((k[0] - 1) * d[0] < x[1] && (k[1] - 1) * d[1] < x[2])
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn conv2d_gradients_match_finite_differences((x, k, s, d, same) in settings(), f in 1usize..4) {
        let input = values(&x, 1);
        let kernel = values(&[k[0], k[1], x[3], f], 2);
        let r = check_gradients(&[input, kernel], |v| {
            v[0].conv2d(&v[1], (s[0], s[1]), padding(same), (d[0], d[1]))
        }, 1e-2);
        prop_assert!(r.worst() < 1e-2, "{r}");
    }

    #[test]
    fn depthwise_gradients_match_finite_differences((x, k, s, d, same) in settings(), m in 1usize..3) {
        let input = values(&x, 3);
        let kernel = values(&[k[0], k[1], x[3], m], 4);
        let r = check_gradients(&[input, kernel], |v| {
            v[0].depthwise_conv2d(&v[1], (s[0], s[1]), padding(same), (d[0], d[1]))
        }, 1e-2);
        prop_assert!(r.worst() < 1e-2, "{r}");
    }

    #[test]
    fn transpose_gradients_match_finite_differences((x, k, s, d, same) in settings(), f in 1usize..4) {
        let input = values(&[x[0], x[1] - 1, x[2] - 2, x[3]], 5);
        let kernel = values(&[k[0], k[1], f, x[3]], 6);
        let r = check_gradients(&[input, kernel], |v| {
            v[0].conv2d_transpose(&v[1], (s[0], s[1]), padding(same), (d[0], d[1]))
        }, 1e-2);
        prop_assert!(r.worst() < 1e-2, "{r}");
    }

    #[test]
    fn conv1d_gradients_match_finite_differences(
        (n, t, c, f) in (1usize..3, 4usize..9, 1usize..4, 1usize..4),
        (k, s, d, p) in (1usize..4, 1usize..3, 1usize..3, 0usize..3),
    ) {
        let padding = [Padding::Valid, Padding::Same, Padding::Causal][p];
        prop_assume!(padding != Padding::Valid || (k - 1) * d < t);
        let input = values(&[n, t, c], 7);
        let kernel = values(&[k, c, f], 8);
        let r = check_gradients(&[input, kernel], |v| v[0].conv1d(&v[1], s, padding, d), 1e-2);
        prop_assert!(r.worst() < 1e-2, "{r}");
    }
}

#[test]
fn the_transposed_convolution_is_the_adjoint_of_the_convolution() {
    // <conv(x, k), y> = <x, conv_transpose(y, k)> for every geometry where the sizes match.
    for (h, k, s, same, d) in [
        (7, 3, 2, true, 1),
        (7, 3, 2, false, 1),
        (8, 4, 2, true, 1),
        (9, 3, 1, false, 2),
    ] {
        let p = padding(same);
        let x = values(&[2, h, h, 3], 9);
        let kernel = values(&[k, k, 3, 4], 10);
        let y = x.conv2d(&kernel, (s, s), p, (d, d));
        let dy = values(y.shape(), 11);
        let back = dy.conv2d_transpose(&kernel, (s, s), p, (d, d));
        if back.shape() != x.shape() {
            continue; // a valid convolution that drops the input's last positions
        }
        let lhs = (&y * &dy).sum_all().item();
        let rhs = (&x * &back).sum_all().item();
        assert!(
            (lhs - rhs).abs() < 1e-3 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
    }
}

#[test]
fn every_layer_passes_the_layer_gradient_check() {
    let layers: Vec<(Box<dyn Layer>, Vec<usize>)> = vec![
        (
            Box::new(Conv1D::new(3, 3).strides(2).padding(Padding::Same)),
            vec![2, 7, 2],
        ),
        (Box::new(Conv1D::new(2, 2).dilation_rate(2)), vec![2, 6, 3]),
        (
            Box::new(Conv1D::new(2, 3).dilation_rate(2).padding(Padding::Causal)),
            vec![2, 7, 3],
        ),
        (
            Box::new(
                Conv2D::new(3, (3, 3))
                    .strides((2, 1))
                    .padding(Padding::Same)
                    .activation("tanh"),
            ),
            vec![2, 5, 4, 2],
        ),
        (
            Box::new(Conv2D::new(2, (2, 2)).dilation_rate((2, 2))),
            vec![1, 5, 5, 2],
        ),
        (
            Box::new(
                DepthwiseConv2D::new((3, 3))
                    .depth_multiplier(2)
                    .padding(Padding::Same),
            ),
            vec![2, 4, 5, 2],
        ),
        (
            Box::new(
                SeparableConv2D::new(3, (3, 3))
                    .strides((2, 2))
                    .padding(Padding::Same),
            ),
            vec![1, 5, 5, 2],
        ),
        (
            Box::new(
                Conv2DTranspose::new(2, (3, 3))
                    .strides((2, 2))
                    .padding(Padding::Same),
            ),
            vec![2, 3, 3, 2],
        ),
        (
            Box::new(Conv2DTranspose::new(2, (3, 3)).dilation_rate((2, 1))),
            vec![1, 3, 3, 2],
        ),
    ];
    for (i, (layer, shape)) in layers.iter().enumerate() {
        // A bias that is not zero, so that the activation's slope varies.
        let x = values(shape, 20 + i as u64);
        let report = check_layer(layer.as_ref(), &x, 1e-2).unwrap();
        assert!(report.worst() < 1e-2, "{} : {report}", layer.type_name());
        assert_eq!(report.entries.len(), layer.all_weights().len() + 1);
    }
}

#[test]
fn a_rank_3_input_to_conv2d_is_an_error_naming_the_layer() {
    let err = Conv2D::new(4, (3, 3))
        .try_apply(&Tensor::ones(&[2, 8, 8]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `conv2d` (Conv2D): `conv2d` expects input of shape [B, H, W, C] but got [2, 8, 8]"
    );
    let mut model = Sequential::new().add(Conv2D::new(4, (3, 3)));
    let err = model.build([8, 8]).unwrap_err().to_string();
    assert!(err.contains("conv2d"), "{err}");
    let err = Conv1D::new(4, 3)
        .try_apply(&Tensor::ones(&[2, 8, 8, 1]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`conv1d` expects input of shape [B, T, C]"),
        "{err}"
    );
}

#[test]
fn a_kernel_larger_than_the_padded_input_is_an_error_naming_the_layer() {
    let err = Conv2D::new(4, (5, 3)).build([3, 8, 1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `conv2d` (Conv2D): its call failed for input shape (None, 3, 8, 1): `conv2d`: \
         the kernel spans 5 positions (size 5, dilation 1) along spatial axis 0, more than \
         the 3 positions of the input with `valid` padding"
    );
    // Dilation widens the kernel: 3 taps 3 apart span 7.
    let err = DepthwiseConv2D::new((3, 3))
        .dilation_rate((1, 3))
        .build([8, 6, 2])
        .unwrap_err();
    assert!(err.to_string().contains("`depthwise_conv2d`: the kernel spans 7 positions (size 3, dilation 3) along spatial axis 1"), "{err}");
    // `same` pads enough for any kernel.
    assert_eq!(
        Conv2D::new(4, (5, 5))
            .padding(Padding::Same)
            .build([3, 3, 1])
            .unwrap(),
        vec![3, 3, 4]
    );
    // Nothing was built by the failed call.
    let conv = Conv2D::new(4, (5, 3));
    assert!(conv.try_apply(&Tensor::ones(&[1, 3, 8, 1])).is_err());
    assert_eq!(conv.kernel.shape(), None);
}

#[test]
fn a_channel_count_that_changed_since_build_is_an_error_naming_the_layer() {
    let mut conv = Conv2D::new(4, (3, 3));
    conv.build([8, 8, 3]).unwrap();
    let err = conv.try_apply(&Tensor::ones(&[1, 8, 8, 2])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `conv2d` (Conv2D): weight `kernel` was built with shape [3, 3, 3, 4], but this \
         input needs shape [3, 3, 2, 4]"
    );
    let mut sep = SeparableConv2D::new(4, (3, 3));
    sep.build([8, 8, 3]).unwrap();
    let err = sep
        .try_apply(&Tensor::ones(&[1, 8, 8, 1]))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("layer `separable_conv2d` (SeparableConv2D): weight `depthwise_kernel`"),
        "{err}"
    );
    // Another image size is fine: only the channels are in the weights.
    assert_eq!(
        conv.try_apply(&Tensor::ones(&[1, 5, 6, 3]))
            .unwrap()
            .shape(),
        &[1, 3, 4, 4]
    );
}

#[test]
fn bad_config_values_are_errors_naming_the_field() {
    let cases: Vec<(Box<dyn Layer>, &str)> = vec![
        (
            Box::new(Conv2D::new(4, (0, 3))),
            "`kernel_size` must hold positive integers, got [0, 3]",
        ),
        (
            Box::new(Conv2D::new(4, (3, 3)).strides((1, 0))),
            "`strides` must hold positive integers, got [1, 0]",
        ),
        (
            Box::new(Conv1D::new(4, 3).dilation_rate(0)),
            "`dilation_rate` must hold positive integers, got 0",
        ),
        (
            Box::new(Conv2DTranspose::new(0, (3, 3))),
            "`filters` must be a positive integer, got 0",
        ),
        (
            Box::new(SeparableConv2D::new(2, (3, 3)).depth_multiplier(0)),
            "`depth_multiplier` must be a positive integer, got 0",
        ),
        (
            Box::new(
                DepthwiseConv2D::new((3, 3)).depthwise_initializer(Initializer::constant(f32::NAN)),
            ),
            "`depthwise_initializer` is an unusable `constant` initializer",
        ),
    ];
    for (mut layer, message) in cases {
        let shape = if layer.type_name() == "Conv1D" {
            vec![8, 2]
        } else {
            vec![8, 8, 2]
        };
        let err = layer.build(&shape).unwrap_err().to_string();
        assert!(err.contains(message), "{err}");
        assert!(layer.all_weights().iter().all(|(_, w)| w.shape().is_none()));
    }
}

/// Keras's convolution layers refuse a dilation above 1 with a stride above 1 (on any axes:
/// `max(strides) > 1 and max(dilation_rate) > 1`, `BaseConv.__init__` and
/// `BaseConvTranspose.__init__` in Keras 3.15.1); these built and computed a result no
/// reference checks.
#[test]
fn a_dilation_with_a_stride_is_refused_by_every_convolution() {
    let cases: Vec<(Box<dyn Layer>, Vec<usize>, &str)> = vec![
        (
            Box::new(Conv1D::new(2, 2).dilation_rate(2).strides(2)),
            vec![9, 2],
            "layer `conv1d` (Conv1D): `dilation_rate` above 1 cannot be combined with \
             `strides` above 1 (as in Keras), got dilation_rate 2 and strides 2",
        ),
        (
            Box::new(Conv2D::new(2, (2, 2)).dilation_rate((2, 1)).strides((1, 2))),
            vec![9, 9, 2],
            "layer `conv2d` (Conv2D): `dilation_rate` above 1 cannot be combined with \
             `strides` above 1 (as in Keras), got dilation_rate [2, 1] and strides [1, 2]",
        ),
        (
            Box::new(
                DepthwiseConv2D::new((2, 2))
                    .dilation_rate((2, 2))
                    .strides((2, 2)),
            ),
            vec![9, 9, 2],
            "(DepthwiseConv2D): `dilation_rate` above 1",
        ),
        (
            Box::new(
                SeparableConv2D::new(2, (2, 2))
                    .dilation_rate((1, 3))
                    .strides((2, 1)),
            ),
            vec![9, 9, 2],
            "(SeparableConv2D): `dilation_rate` above 1",
        ),
        (
            Box::new(
                Conv2DTranspose::new(2, (2, 2))
                    .dilation_rate((2, 2))
                    .strides((2, 2)),
            ),
            vec![4, 4, 2],
            "(Conv2DTranspose): `dilation_rate` above 1",
        ),
    ];
    for (mut layer, shape, message) in cases {
        let err = layer.build(&shape).unwrap_err().to_string();
        assert!(err.contains(message), "{err}");
        assert!(layer.all_weights().iter().all(|(_, w)| w.shape().is_none()));
    }
    // Either alone is fine, as in Keras.
    assert_eq!(
        Conv1D::new(2, 2).dilation_rate(2).build([9, 2]).unwrap(),
        vec![7, 2]
    );
    assert_eq!(
        Conv1D::new(2, 2).strides(2).build([9, 2]).unwrap(),
        vec![4, 2]
    );
}

#[test]
fn configs_are_keras_s_and_read_back() {
    let conv = Conv2D::new(32, (3, 3))
        .strides((2, 2))
        .padding(Padding::Same)
        .activation("relu");
    let config = conv.config();
    assert_eq!(config["filters"], 32);
    assert_eq!(config["kernel_size"], serde_json::json!([3, 3]));
    assert_eq!(config["strides"], serde_json::json!([2, 2]));
    assert_eq!(config["padding"], "same");
    assert_eq!(config["dilation_rate"], serde_json::json!([1, 1]));
    assert_eq!(config["activation"], "relu");
    assert_eq!(config["use_bias"], true);
    assert_eq!(config["kernel_initializer"], "glorot_uniform");
    assert_eq!(config["bias_initializer"], "zeros");
    let back = Conv2D::from_config(&LayerConfig::of(&conv).unwrap()).unwrap();
    assert_eq!(back.config(), config);

    let mut bad = LayerConfig::of(&conv).unwrap();
    bad.config["padding"] = "full".into();
    let err = Conv2D::from_config(&bad).unwrap_err().to_string();
    assert!(
        err.contains("padding") && err.contains("\"valid\", \"same\" or \"causal\""),
        "{err}"
    );
    // `causal` is a padding Keras knows, for `Conv1D` only: a `Conv2D` holding it is
    // refused when it is built (as every config check of a layer is), naming the field.
    bad.config["padding"] = "causal".into();
    let mut causal = Conv2D::from_config(&bad).unwrap();
    let err = causal.build([8, 8, 2]).unwrap_err().to_string();
    assert!(
        err.contains("padding") && err.contains("for 1-D convolutions (`Conv1D`)"),
        "{err}"
    );
}

fn round_trip(layer: impl Layer + 'static, input: &[usize]) {
    let mut model = Sequential::new().add(layer);
    model.build(&input[1..]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conv.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    let x = values(input, 30);
    let (a, b) = (model.predict(&x).unwrap(), loaded.predict(&x).unwrap());
    assert_eq!(a.shape(), b.shape());
    assert_eq!(a.to_vec(), b.to_vec());
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
}

#[test]
fn conv1d_saves_and_loads() {
    round_trip(
        Conv1D::new(4, 3).padding(Padding::Same).strides(2),
        &[2, 9, 3],
    );
}

#[test]
fn conv2d_saves_and_loads() {
    round_trip(
        Conv2D::new(4, (3, 2))
            .dilation_rate((2, 1))
            .activation("relu"),
        &[2, 7, 6, 3],
    );
}

#[test]
fn depthwise_conv2d_saves_and_loads() {
    round_trip(
        DepthwiseConv2D::new((3, 3))
            .depth_multiplier(2)
            .use_bias(false),
        &[2, 6, 6, 3],
    );
}

#[test]
fn separable_conv2d_saves_and_loads() {
    round_trip(
        SeparableConv2D::new(5, (3, 3)).padding(Padding::Same),
        &[2, 6, 6, 3],
    );
}

#[test]
fn conv2d_transpose_saves_and_loads() {
    round_trip(
        Conv2DTranspose::new(3, (3, 3)).strides((2, 2)),
        &[2, 4, 4, 3],
    );
}

#[test]
fn keras_weight_shapes_and_order() {
    let mut sep = SeparableConv2D::new(8, (3, 5)).depth_multiplier(2);
    sep.build([9, 9, 3]).unwrap();
    let shapes: Vec<(String, Vec<usize>)> = sep
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, w.shape().unwrap()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("depthwise_kernel".to_string(), vec![3, 5, 3, 2]),
            ("pointwise_kernel".to_string(), vec![1, 1, 6, 8]),
            ("bias".to_string(), vec![8]),
        ]
    );
    let mut t = Conv2DTranspose::new(8, (2, 3));
    t.build([4, 4, 5]).unwrap();
    assert_eq!(t.kernel.shape(), Some(vec![2, 3, 8, 5]));
    let mut c = Conv1D::new(6, 5);
    c.build([10, 2]).unwrap();
    assert_eq!(c.kernel.shape(), Some(vec![5, 2, 6]));
    let mut d = DepthwiseConv2D::new((3, 3)).depth_multiplier(4);
    d.build([9, 9, 3]).unwrap();
    assert_eq!(d.bias.shape(), Some(vec![12]));
}

#[test]
fn seeded_training_gives_the_same_bits_on_any_number_of_threads() {
    // Covered: the direct loops of a first layer (short im2col rows), im2col + GEMM with a
    // fused bias and activation, and the depthwise kernel.
    let model = || {
        Sequential::new()
            .add(Conv2D::new(8, (3, 3)).activation("relu"))
            .add(Conv2D::new(12, (3, 3)).activation("relu"))
            .add(DepthwiseConv2D::new((3, 3)).depth_multiplier(2))
            .add(Flatten::new())
            .add(Dense::new(3))
    };
    crate::assert_same_bits_on_any_number_of_threads(model, &values(&[48, 10, 10, 1], 7));
}
