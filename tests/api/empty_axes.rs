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
