//! The few-sample fast path of `predict` (`Layer::forward_rows`): a chain of `Dense` and
//! `Activation` layers (softmax too) runs on slices, bit for bit what `forward` gives and
//! within rounding of a plain f64 evaluation; every other model, input or state falls back
//! to `forward`, with the same results and the same errors.

use std::sync::atomic::{AtomicUsize, Ordering};

use layers::prelude::*;

/// Inputs of `rows` samples of `width` features, in [-1, 1), from a small LCG.
fn input(rows: usize, width: usize, seed: u64) -> Tensor {
    let mut s = seed;
    let values = (0..rows * width)
        .map(|_| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    Tensor::from_vec(values, &[rows, width])
}

/// A `Dense` stack from 784 (wide enough that the first product is split between the
/// cores) to 10, seeded, built.
fn mlp(hidden: &str, use_bias: bool) -> Sequential {
    let mut m = Sequential::new()
        .add(Dense::new(256).activation(hidden).use_bias(use_bias))
        .add(Dense::new(128).activation(hidden).use_bias(use_bias))
        .add(Dense::new(10))
        .seed(7);
    m.build([784]).unwrap();
    m
}

fn bits(t: &Tensor) -> Vec<u32> {
    bits_of(&t.to_vec())
}

fn bits_of(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// The slice path of `m` on the samples of `x`, asserted to exist and to give the bits of
/// `forward`, with `predict` giving them too; `what` names the case in a failure.
fn fast_path_of(m: &Sequential, x: &Tensor, what: &str) -> Vec<f32> {
    let fast = m
        .forward_rows(&x.to_vec(), x.shape()[0])
        .unwrap_or_else(|| panic!("{what}: every layer has the fast path"));
    let full = m.forward(x).unwrap();
    assert_eq!(
        bits_of(&fast),
        bits(&full),
        "{what}: fast path against forward"
    );
    assert_eq!(bits(&m.predict(x).unwrap()), bits(&full), "{what}: predict");
    fast
}

#[test]
fn a_dense_chain_predicts_on_slices_with_the_bits_of_forward() {
    for hidden in ["relu", "tanh", "sigmoid", "linear", "gelu"] {
        for use_bias in [true, false] {
            let m = mlp(hidden, use_bias);
            for rows in 1..=5 {
                let x = input(rows, 784, rows as u64);
                let fast = m.forward_rows(&x.to_vec(), rows);
                // The fast path exists up to 4 rows; 5 rows take the GEMM through `forward`.
                assert_eq!(
                    fast.is_some(),
                    rows <= 4,
                    "{hidden} bias {use_bias} rows {rows}"
                );
                let full = m.forward(&x).unwrap();
                if let Some(fast) = fast {
                    assert_eq!(fast, full.to_vec(), "{hidden} bias {use_bias} rows {rows}");
                }
                let predicted = m.predict(&x).unwrap();
                assert_eq!(predicted.shape(), &[rows, 10]);
                assert_eq!(bits(&predicted), bits(&full), "{hidden} {use_bias} {rows}");
            }
        }
    }
}

#[test]
fn the_fast_path_agrees_with_a_plain_f64_evaluation() {
    let m = mlp("relu", true);
    let x = input(1, 784, 3);
    let y = m.predict(&x).unwrap().to_vec();
    // The same network evaluated here in f64 from the weights' values.
    let weights = m.get_weights().unwrap();
    let mut h: Vec<f64> = x.to_vec().iter().map(|&v| f64::from(v)).collect();
    for (layer, pair) in weights.chunks(2).enumerate() {
        let (kernel, bias) = (pair[0].to_vec(), pair[1].to_vec());
        let n = bias.len();
        let mut next: Vec<f64> = bias.iter().map(|&b| f64::from(b)).collect();
        for (i, &hi) in h.iter().enumerate() {
            for (j, out) in next.iter_mut().enumerate() {
                *out += hi * f64::from(kernel[i * n + j]);
            }
        }
        if layer < 2 {
            next.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        h = next;
    }
    for (got, want) in y.iter().zip(&h) {
        assert!((f64::from(*got) - want).abs() < 1e-5, "{got} vs {want}");
    }
}

/// A user-written activation: `x · sigmoid(1.5·x)`.
#[activation]
fn swish15(x: f32) -> f32 {
    x / (1.0 + (-1.5 * x).exp())
}

#[test]
fn an_activation_layer_between_dense_layers_keeps_the_fast_path() {
    for activation in [
        "tanh", "gelu", "sigmoid", "selu", "elu", "softplus", "swish15",
    ] {
        let layer = if activation == "swish15" {
            Activation::from(Swish15)
        } else {
            Activation::from_name(activation).unwrap()
        };
        let mut m = Sequential::new()
            .add(Dense::new(16))
            .add(layer)
            .add(Dense::new(3))
            .seed(1);
        m.build([8]).unwrap();
        fast_path_of(&m, &input(2, 8, 9), activation);
    }
    // The `#[activation]` type used as a layer itself.
    let mut m = Sequential::new()
        .add(Dense::new(16))
        .add(Swish15)
        .add(Dense::new(3))
        .seed(1);
    m.build([8]).unwrap();
    fast_path_of(&m, &input(3, 8, 10), "an #[activation] layer");
}

#[test]
fn a_softmax_output_keeps_the_fast_path_with_the_bits_of_forward() {
    for (name, log) in [("softmax", false), ("log_softmax", true)] {
        let mut m = Sequential::new()
            .add(Dense::new(16).activation("relu"))
            .add(Dense::new(4).activation(name))
            .add(Activation::from_name(name).unwrap())
            .seed(2);
        m.build([8]).unwrap();
        for rows in 1..=4 {
            let y = fast_path_of(&m, &input(rows, 8, 4 + rows as u64), name);
            if !log {
                // Each sample's probabilities sum to 1 (a second softmax keeps them so).
                for row in y.chunks(4) {
                    assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{row:?}");
                }
            }
        }
    }
}

#[test]
fn samples_that_are_not_vectors_take_forward() {
    // A Dense applied to the last axis of (samples, 3, 4) inputs: `predict` runs `forward`.
    let mut m = Sequential::new().add(Dense::new(2)).seed(6);
    m.build([3, 4]).unwrap();
    let x = Tensor::from_vec(input(1, 12, 8).to_vec(), &[1, 3, 4]);
    let y = m.predict(&x).unwrap();
    assert_eq!(y.shape(), &[1, 3, 2]);
    assert_eq!(bits(&y), bits(&m.forward(&x).unwrap()));
}

#[test]
fn a_dense_layer_refuses_the_fast_path_where_forward_would_fail() {
    let mut dense = Dense::new(3);
    // Unbuilt: `forward` builds it, the fast path cannot.
    assert!(dense.forward_rows(&[1.0; 4], 1).is_none());
    dense.build([4]).unwrap();
    assert!(dense.forward_rows(&[1.0; 4], 1).is_some());
    // Another width, a ragged input, no rows.
    assert!(dense.forward_rows(&[1.0; 5], 1).is_none());
    assert!(dense.forward_rows(&[1.0; 7], 2).is_none());
    assert!(dense.forward_rows(&[], 0).is_none());
    // Units changed after the build: the kernel no longer fits, `forward` says so.
    dense.units = 5;
    assert!(dense.forward_rows(&[1.0; 4], 1).is_none());
    assert!(dense.forward(&Tensor::ones(&[1, 4])).is_err());
    // A configuration `forward` refuses (no units) is refused here too.
    dense.units = 0;
    assert!(dense.forward_rows(&[1.0; 4], 1).is_none());
    assert!(dense.forward(&Tensor::ones(&[1, 4])).is_err());
}

#[test]
fn predict_keeps_its_errors_with_the_fast_path() {
    let m = mlp("relu", true);
    // Another width: the model's input check, before any layer runs.
    let err = m.predict(&Tensor::ones(&[1, 783])).unwrap_err();
    assert!(matches!(err, Error::InputShape { .. }), "{err}");
    let mut values = vec![0.5f32; 784];
    values[17] = f32::NAN;
    let err = m.predict(&Tensor::from_vec(values, &[1, 784])).unwrap_err();
    assert!(err.to_string().contains("NaN or infinite"), "{err}");
    // A transposed (non-contiguous) input takes `forward`, with the same values.
    let x = input(784, 2, 5).transpose();
    let y = m.predict(&x).unwrap();
    let contiguous = Tensor::from_vec(x.to_vec(), &[2, 784]);
    assert_eq!(bits(&y), bits(&m.predict(&contiguous).unwrap()));
}

static ROWS_CALLS: AtomicUsize = AtomicUsize::new(0);
static TENSOR_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A user layer with its own slice path; `panics` makes that path panic.
#[derive(Layer)]
struct Shift {
    by: f32,
    panics: bool,
}

impl Call for Shift {
    fn call(&self, x: &Tensor) -> Tensor {
        TENSOR_CALLS.fetch_add(1, Ordering::SeqCst);
        x + self.by
    }
    fn call_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
        ROWS_CALLS.fetch_add(1, Ordering::SeqCst);
        assert!(!self.panics, "the slice path of Shift failed");
        Some(x.iter().map(|v| v + self.by).collect())
    }
}

/// A user layer without one.
#[derive(Layer)]
struct Scale {
    by: f32,
}

impl Call for Scale {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.by
    }
}

#[test]
fn user_layers_take_the_fast_path_only_with_call_rows_and_a_panic_in_it_falls_back() {
    let x = input(1, 6, 11);
    let mut with_rows = Sequential::new()
        .add(Dense::new(4))
        .add(Shift::new(0.5, false))
        .seed(3);
    with_rows.build([6]).unwrap();
    let (rows_before, tensor_before) = (
        ROWS_CALLS.load(Ordering::SeqCst),
        TENSOR_CALLS.load(Ordering::SeqCst),
    );
    let fast = with_rows.predict(&x).unwrap();
    assert_eq!(ROWS_CALLS.load(Ordering::SeqCst), rows_before + 1);
    assert_eq!(TENSOR_CALLS.load(Ordering::SeqCst), tensor_before);
    assert_eq!(bits(&fast), bits(&with_rows.forward(&x).unwrap()));

    let mut without = Sequential::new()
        .add(Dense::new(4))
        .add(Scale::new(2.0))
        .seed(3);
    without.build([6]).unwrap();
    assert!(without.forward_rows(&x.to_vec(), 1).is_none());
    let y = without.predict(&x).unwrap();
    assert_eq!(bits(&y), bits(&without.forward(&x).unwrap()));

    let mut panicking = Sequential::new()
        .add(Dense::new(4))
        .add(Shift::new(0.5, true))
        .seed(3);
    panicking.build([6]).unwrap();
    let tensor_before = TENSOR_CALLS.load(Ordering::SeqCst);
    let y = panicking.predict(&x).unwrap();
    assert_eq!(TENSOR_CALLS.load(Ordering::SeqCst), tensor_before + 1);
    assert_eq!(bits(&y), bits(&fast));
}

#[test]
fn a_named_or_nested_model_keeps_the_fast_path() {
    let mut inner = Sequential::new()
        .add(Dense::new(5).activation("relu"))
        .seed(4);
    inner.build([3]).unwrap();
    let mut outer = Sequential::new()
        .add(inner)
        .add(Box::new(Dense::new(2)).named("head"))
        .seed(4);
    outer.build([3]).unwrap();
    fast_path_of(&outer, &input(3, 3, 12), "named and nested models");
}

#[test]
fn dropout_and_noise_layers_pass_through_on_the_fast_path() {
    use layers::builtin::{AlphaDropout, GaussianDropout, GaussianNoise};
    let mut m = Sequential::new()
        .add(Dense::new(16).activation("relu"))
        .add(Dropout::new(0.5))
        .add(GaussianNoise::new(0.3))
        .add(Dense::new(8).activation("selu"))
        .add(AlphaDropout::new(0.2))
        .add(GaussianDropout::new(0.1))
        .add(Dense::new(3))
        .seed(5);
    m.build([8]).unwrap();
    let x = input(2, 8, 13);
    let fast = m
        .forward_rows(&x.to_vec(), 2)
        .expect("every layer has the fast path");
    let y = m.predict(&x).unwrap();
    assert_eq!(fast, y.to_vec());
    // What predict gave before the fast path: the layers' `call` outside training.
    let full = m
        .predict_batched(&Tensor::from_vec(x.to_vec(), &[2, 8]), 1)
        .unwrap();
    assert_eq!(bits(&y), bits(&full));
}

static COUNTED_ROWS: AtomicUsize = AtomicUsize::new(0);

/// A first layer with a slice path that counts its calls.
#[derive(Layer)]
struct Counted {}

impl Call for Counted {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
    fn call_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
        COUNTED_ROWS.fetch_add(1, Ordering::SeqCst);
        Some(x.to_vec())
    }
}

#[test]
fn a_model_whose_later_layer_has_no_slice_path_stops_trying_until_its_layers_change() {
    let mut m = Sequential::new()
        .add(Counted::new())
        .add(Dense::new(4))
        .add(Scale::new(3.0))
        .seed(8);
    m.build([5]).unwrap();
    let x = input(1, 5, 14);
    let calls = || COUNTED_ROWS.load(Ordering::SeqCst);
    let before = calls();
    let first = m.predict(&x).unwrap();
    // Tried once: the first two layers ran on slices, `Scale` has no slice path.
    assert_eq!(calls(), before + 1);
    let second = m.predict(&x).unwrap();
    assert_eq!(calls(), before + 1, "the model remembers the refusal");
    assert_eq!(bits(&first), bits(&second));
    assert_eq!(bits(&first), bits(&m.forward(&x).unwrap()));
    // A change of the layers clears it.
    m.layer_mut("dense").unwrap();
    m.predict(&x).unwrap();
    assert_eq!(calls(), before + 2);
    // More rows than the slice path takes do not count as a refusal.
    let mut m = Sequential::new()
        .add(Counted::new())
        .add(Dense::new(4))
        .seed(8);
    m.build([5]).unwrap();
    let before = calls();
    assert!(m.forward_rows(&input(6, 5, 15).to_vec(), 6).is_none());
    assert!(m.predict(&x).is_ok());
    assert_eq!(
        calls(),
        before + 2,
        "the 6-row call refused, the 1-row one ran"
    );
    assert!(m.forward_rows(&x.to_vec(), 1).is_some());
}
