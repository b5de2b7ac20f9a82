//! A layer's `call` that fails — an op given shapes it cannot combine, an `Embedding` id out
//! of range, the user's own `unwrap` — becomes an error at every boundary (`fit`,
//! `evaluate`, `predict`, `train_on_batch`, `try_apply`), naming the layer path, the op and
//! its shapes and the line in the user's code, and leaves the model as it was. Also: a
//! model's weights change as a whole under concurrent `predict`.

use layers::model::FitOptions;
use layers::prelude::*;

/// Passes its input through, except that a batch holding a value above 100 is multiplied by
/// a `(5, 1)` matrix, which a `(batch, 3)` input cannot be: a shape bug that the build's
/// dry run (on zeros) does not reach.
#[derive(Layer)]
struct Tripwire {
    #[weight(shape = [input[-1]], init = "ones")]
    scale: Weight,
}

const TRIPWIRE_LINE: u32 = line!() + 6;

impl Call for Tripwire {
    fn call(&self, x: &Tensor) -> Tensor {
        let y = x * &self.scale;
        if x.to_vec().iter().any(|&v| v > 100.0) {
            return y.matmul(&Tensor::ones(&[5, 1]));
        }
        y
    }
}

fn small_model() -> Sequential {
    Sequential::new()
        .seed(3)
        .add(Dense::new(3))
        .add(Tripwire::new())
        .add(Dense::new(1))
}

fn tripping_batch() -> Tensor {
    // The first Dense of `small_model` is set to the identity, so 1000 reaches the tripwire.
    Tensor::from_vec(vec![1.0, 2.0, 1000.0, 0.5, 0.5, 0.5], &[2, 3])
}

fn identity_first_layer(model: &Sequential) {
    let mut weights = model.get_weights().unwrap();
    weights[0] = Tensor::from_vec(
        vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        &[3, 3],
    );
    weights[1] = Tensor::zeros(&[3]);
    model.set_weights(&weights).unwrap();
}

#[test]
fn a_panicking_op_in_predict_is_an_error_naming_layer_op_shapes_and_line() {
    let mut model = small_model();
    model.build([3]).unwrap();
    identity_first_layer(&model);
    let err = model.predict(&tripping_batch()).unwrap_err();
    // The tripwire gets (2, 3); `y` is (2, 3) and the matrix (5, 1): 3 ≠ 5.
    let expected = format!(
        "layer `tripwire` (Tripwire): its call failed for input shape (None, 3) at {}:{TRIPWIRE_LINE}:",
        file!()
    );
    let text = err.to_string();
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        text.ends_with("`matmul` cannot combine shapes [2, 3] and [5, 1]: inner dimensions 3 and 5 differ"),
        "{text}"
    );
}

#[test]
fn a_panicking_op_in_fit_is_an_error_and_the_model_stays_compiled_and_unchanged() {
    let mut model = small_model();
    model.compile("sgd", "mse", &[]).unwrap();
    model.build([3]).unwrap();
    identity_first_layer(&model);
    let before = model.get_weights().unwrap();
    let y = Tensor::zeros(&[2, 1]);
    let err = model
        .fit(&tripping_batch(), &y, FitOptions::new().verbose(0).shuffle(false))
        .unwrap_err();
    assert!(err.to_string().starts_with("layer `tripwire` (Tripwire): "), "{err}");
    let after = model.get_weights().unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.to_vec(), a.to_vec());
    }
    // Still compiled: training on good data works.
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 0.5, 0.5, 0.5], &[2, 3]);
    model.fit(&x, &y, FitOptions::new().verbose(0)).unwrap();
    assert!(model.train_on_batch(&tripping_batch(), &y).is_err());
    assert!(model.evaluate(&tripping_batch(), &y, 2).is_err());
    model.train_on_batch(&x, &y).unwrap();
}

#[test]
fn an_embedding_id_out_of_range_is_an_error_in_fit() {
    let mut model = Sequential::new()
        .add(Embedding::new(10, 2))
        .add(Flatten::new())
        .add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    let good = Tensor::from_vec(vec![0.0, 9.0, 3.0, 4.0], &[2, 2]);
    let y = Tensor::zeros(&[2, 1]);
    model.fit(&good, &y, FitOptions::new().verbose(0)).unwrap();
    let before = model.get_weights().unwrap();
    // id 10 is one past the table's last row (input_dim = 10 → ids 0..=9)
    let bad = Tensor::from_vec(vec![0.0, 9.0, 10.0, 4.0], &[2, 2]);
    let err = model
        .fit(&bad, &y, FitOptions::new().verbose(0).shuffle(false))
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("layer `embedding` (Embedding): "), "{text}");
    assert!(text.contains("id 10"), "{text}");
    assert!(text.contains("[0, 10)"), "{text}");
    for (b, a) in before.iter().zip(&model.get_weights().unwrap()) {
        assert_eq!(b.to_vec(), a.to_vec());
    }
    model.fit(&good, &y, FitOptions::new().verbose(0)).unwrap();
}

#[test]
fn set_weights_on_an_unbuilt_model_is_refused() {
    let model = Sequential::new().add(Dense::new(2));
    // Any shapes would do: the model cannot know them before it is built.
    let err = model
        .set_weights(&[Tensor::zeros(&[7, 7]), Tensor::zeros(&[7])])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `sequential` is not built yet: call `build` with an input shape, or call it on data first"
    );
    let mut model = model;
    assert_eq!(model.build([4]).unwrap(), vec![2]);
}

/// One thread swaps between two weight sets while others predict: every prediction must
/// come from one set or the other. Twenty `Dense(4)` layers with identity kernels; set A has
/// zero biases (y = x), set B biases of 1 (y = x + 20). A mixture gives x + k, 0 < k < 20.
#[test]
fn predict_sees_the_old_or_the_new_weights_never_a_mixture() {
    let mut model = Sequential::new();
    for _ in 0..20 {
        model = model.add(Dense::new(4));
    }
    model.build([4]).unwrap();
    let eye = Tensor::from_vec(
        (0..16)
            .map(|i| if i % 5 == 0 { 1.0 } else { 0.0 })
            .collect(),
        &[4, 4],
    );
    let set = |bias: f32| -> Vec<Tensor> {
        (0..20)
            .flat_map(|_| [eye.clone(), Tensor::full(&[4], bias)])
            .collect()
    };
    let (a, b) = (set(0.0), set(1.0));
    model.set_weights(&a).unwrap();
    let x = Tensor::ones(&[1, 4]);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mixtures = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..2_000 {
                    let y = model.predict(&x).unwrap().to_vec()[0];
                    if y != 1.0 && y != 21.0 {
                        mixtures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            });
        }
        s.spawn(|| {
            let mut flip = false;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                model.set_weights(if flip { &a } else { &b }).unwrap();
                flip = !flip;
            }
        });
    });
    assert_eq!(mixtures.into_inner(), 0);
}
