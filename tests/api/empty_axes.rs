//! Axes of size 0 (an input with no channels, no steps or no features; a setting of 0) are
//! refused with an error naming the layer or op, or computed exactly where the result is
//! defined: never a panic, never a NaN made up from no values.

use layers::optim::Sgd;
use layers::prelude::*;

#[test]
fn ops_on_empty_axes_return_errors_or_exact_results() {
    // A product with k = 0 is all zeros, plus the bias when there is one.
    let x = Tensor::ones(&[2, 0]);
    let y = x
        .try_linear(
            &Tensor::ones(&[0, 3]),
            Some(&Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3])),
        )
        .unwrap();
    assert_eq!(
        (y.shape(), y.to_vec()),
        (&[2, 3][..], vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    );
    assert_eq!(
        x.try_matmul(Tensor::ones(&[0, 3])).unwrap().to_vec(),
        vec![0.0; 6]
    );
    // Convolutions over no channels, or into no filters.
    for (input, kernel) in [([1, 5, 5, 0], [3, 3, 0, 2]), ([1, 5, 5, 2], [3, 3, 2, 0])] {
        let err = Tensor::ones(&input)
            .try_conv2d(&Tensor::ones(&kernel), (1, 1), Padding::Valid, (1, 1))
            .unwrap_err();
        assert!(err.to_string().contains("must be at least 1"), "{err}");
    }
    let err = Tensor::ones(&[1, 5, 0])
        .try_conv1d(&Tensor::ones(&[3, 0, 2]), 1, Padding::Valid, 1)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`conv1d`: the input has 0 channels"),
        "{err}"
    );
    // A mean of no values is refused, as a maximum is; a sum of none is 0.
    let empty = Tensor::ones(&[2, 0, 3]);
    let err = empty.try_mean(&[1], false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`mean`: axis 1 is empty, so it has no mean"
    );
    assert_eq!(empty.try_sum(&[1], false).unwrap().to_vec(), vec![0.0; 6]);
}

#[test]
fn layers_refuse_inputs_and_settings_of_size_zero_naming_the_layer() {
    let x = Tensor::ones(&[2, 0, 3]);
    let err = GlobalAveragePooling1D::new().try_apply(&x).unwrap_err();
    assert!(err.to_string().contains("no mean"), "{err}");
    let mut conv = Conv2D::new(2, (3, 3));
    let err = conv.build([5, 5, 0]).unwrap_err().to_string();
    assert!(err.starts_with("layer `conv2d` (Conv2D): "), "{err}");
    assert!(err.contains("[3, 3, 0, 2], which holds no values"), "{err}");
    assert!(!conv.is_built());
    // Weights that would hold no values: no features, no steps' features, no width.
    let zero_width: [(Box<dyn Layer>, Vec<usize>); 4] = [
        (Box::new(Dense::new(3)), vec![0]),
        (Box::new(Lstm::new(3)), vec![4, 0]),
        (Box::new(LayerNormalization::new()), vec![0]),
        (Box::new(BatchNormalization::new()), vec![0]),
    ];
    for (mut layer, shape) in zero_width {
        let err = layer.build(&shape).unwrap_err().to_string();
        // The layer, or its cell for a recurrent layer.
        assert!(err.starts_with("layer `"), "{err}");
        assert!(
            err.contains("holds no values") || err.contains("no mean"),
            "{err}"
        );
        assert!(!layer.is_built(), "{err}");
    }
}

#[test]
fn an_empty_sequential_is_not_built_or_trained() {
    let mut m = Sequential::new();
    let err = m.build([3]).unwrap_err();
    assert!(err.to_string().contains("has no layers"), "{err}");
    m.compile(Sgd::new(), "mse", &[]).unwrap();
    let err = m
        .fit(
            &Tensor::ones(&[4, 3]),
            &Tensor::ones(&[4, 3]),
            FitOptions::new().verbose(0),
        )
        .unwrap_err();
    assert!(err.to_string().contains("has no layers"), "{err}");
}

#[test]
fn gradients_flow_through_empty_products_and_empty_batches() {
    // k = 0: the product is zeros, and the gradient of the right operand has its shape.
    let w = Tensor::zeros(&[0, 4]).into_variable();
    let grads = Tensor::zeros(&[2, 0])
        .try_matmul(&w)
        .unwrap()
        .sum_all()
        .try_backward()
        .unwrap();
    assert_eq!(grads.get(&w).unwrap().shape(), &[0, 4]);
    // A batch of no sequences through every recurrent layer, forward and backward.
    let x = Tensor::zeros(&[0, 3, 4]);
    let layers: [Box<dyn Layer>; 4] = [
        Box::new(Lstm::new(2)),
        Box::new(Gru::new(2)),
        Box::new(SimpleRnn::new(2)),
        Box::new(Lstm::new(2).return_sequences(true)),
    ];
    for layer in layers {
        let y = layer.try_apply(&x).unwrap();
        assert_eq!(y.shape()[0], 0, "{}", layer.type_name());
        y.sum_all().try_backward().unwrap();
    }
}

#[test]
fn sizes_too_large_for_the_machine_are_errors_not_panics() {
    assert!(Tensor::ones(&[3]).try_chunk(usize::MAX, 0).is_err());
    let x = Tensor::ones(&[1, 5, 5, 1]);
    let k = Tensor::ones(&[3, 3, 1, 1]);
    assert!(
        x.try_conv2d(&k, (1, 1), Padding::Same, (usize::MAX / 2, 1))
            .is_err()
    );
    let x = Tensor::ones(&[1, 1, 1, 2]);
    let k = Tensor::ones(&[3, 3, 4, 2]);
    for (strides, padding, dilation) in [
        ((usize::MAX, 1), Padding::Same, (1, 1)),
        ((1 << 40, 1), Padding::Same, (1, 1)),
        ((1, 1), Padding::Valid, (usize::MAX / 2, 1)),
    ] {
        assert!(
            x.try_conv2d_transpose(&k, strides, padding, dilation)
                .is_err(),
            "{strides:?} {dilation:?}"
        );
    }
    let err = Lstm::new(usize::MAX / 2).build([3, 4]).unwrap_err();
    assert!(err.to_string().contains("too large"), "{err}");
    let err = UpSampling2D::new()
        .size((usize::MAX / 2, 2))
        .build([5, 5, 1])
        .unwrap_err();
    assert!(!err.to_string().contains("panicked"), "{err}");
}

#[test]
fn degenerate_inputs_to_shape_layers_and_pooling_are_errors() {
    // A target that cannot hold the values is an error, not a caught panic.
    let err = Reshape::new(vec![-1, 2]).build([1]).unwrap_err();
    assert!(!err.to_string().contains("panicked"), "{err}");
    assert!(err.to_string().contains("cannot hold"), "{err}");
    // A scalar has no batch axis to keep.
    assert!(Flatten::new().try_apply(&Tensor::scalar(1.0)).is_err());
    // Pooling over no positions would pool padding only.
    let err = Tensor::zeros(&[1, 0, 2])
        .try_max_pool1d(2, 2, (1, 1))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`max_pool1d`: the input's spatial size [0] is empty; every axis needs at least one position"
    );
    let same = MaxPooling2D::new().padding(Padding::Same);
    assert!(same.try_apply(&Tensor::zeros(&[2, 0, 5, 3])).is_err());
}
