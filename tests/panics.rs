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
            return y.matmul(Tensor::ones(&[5, 1]));
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
    weights[0] = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], &[3, 3]);
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
        text.ends_with(
            "`matmul` cannot combine shapes [2, 3] and [5, 1]: inner dimensions 3 and 5 differ"
        ),
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
        .fit(
            &tripping_batch(),
            &y,
            FitOptions::new().verbose(0).shuffle(false),
        )
        .unwrap_err();
    assert!(
        err.to_string().starts_with("layer `tripwire` (Tripwire): "),
        "{err}"
    );
    let after = model.get_weights().unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.to_vec(), a.to_vec());
    }
    // The same when the first sample (which `fit` checks the model on) is fine and the
    // failure comes in the gradient step on the whole batch.
    let late = Tensor::from_vec(vec![0.5, 0.5, 0.5, 1.0, 2.0, 1000.0], &[2, 3]);
    let err = model
        .fit(&late, &y, FitOptions::new().verbose(0).shuffle(false))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "layer `tripwire` (Tripwire): its call failed for input shape (None, 3) at "
        ),
        "{err}"
    );
    for (b, a) in before.iter().zip(&model.get_weights().unwrap()) {
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
    assert!(
        text.starts_with("layer `embedding` (Embedding): "),
        "{text}"
    );
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

#[test]
fn the_same_failure_through_try_apply_and_apply() {
    let layer = Tripwire::new();
    let bad = Tensor::full(&[1, 3], 500.0);
    // Column 22: 12 spaces and `return y.` come before the method name, where a method
    // call's location points.
    let expected = format!(
        "layer `tripwire` (Tripwire): its call failed for input shape (None, 3) at {}:{TRIPWIRE_LINE}:22: \
         `matmul` cannot combine shapes [1, 3] and [5, 1]: inner dimensions 3 and 5 differ",
        file!()
    );
    assert_eq!(layer.try_apply(&bad).unwrap_err().to_string(), expected);
    // Outside any layer, `apply` is an ordinary panic with the same message.
    let payload = std::panic::catch_unwind(|| layer.apply(&bad)).unwrap_err();
    assert_eq!(payload.downcast_ref::<String>(), Some(&expected));
    assert_eq!(
        layer.try_apply(&Tensor::ones(&[1, 3])).unwrap().to_vec(),
        vec![1.0; 3]
    );
}

/// Calls its `Tripwire` with `apply`, as a `Call` must.
#[derive(Layer)]
struct Block {
    #[layer(default)]
    inner: Tripwire,
}

impl Call for Block {
    fn call(&self, x: &Tensor) -> Tensor {
        self.inner.apply(x) * 2.0
    }
}

#[test]
fn a_failure_in_a_sublayer_names_the_whole_path() {
    let mut model = Sequential::new().add(Block::new());
    model.build([3]).unwrap();
    let err = model.predict(&Tensor::full(&[2, 3], 500.0)).unwrap_err();
    // The innermost layer caught it; `apply` names the sublayer, the model the block.
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "layer `block.tripwire` (Tripwire): its call failed for input shape (None, 3) at {}:{TRIPWIRE_LINE}:",
            file!()
        )),
        "{text}"
    );
    assert!(matches!(
        err.root_cause(),
        Error::IncompatibleShapes { op: "matmul", .. }
    ));
    let Error::Layer { layer, cause, .. } = err else {
        panic!("expected a layer error: {err:?}")
    };
    assert_eq!(layer, "block.tripwire");
    let Error::Call { input, cause, .. } = *cause else {
        panic!("expected a call error")
    };
    assert_eq!(input.0, [3]);
    assert!(matches!(
        *cause,
        Error::IncompatibleShapes { op: "matmul", .. }
    ));
}

/// `err` as anyhow's `{:#}` prints it: each error of the `source()` chain, joined by ": ".
fn as_reported(err: &Error) -> String {
    let chain = std::iter::successors(Some(err as &dyn std::error::Error), |e| e.source());
    chain.map(|e| e.to_string()).collect::<Vec<_>>().join(": ")
}

#[test]
fn an_error_reporter_prints_each_sentence_once() {
    let mut model = Sequential::new().add(Block::new());
    model.build([3]).unwrap();
    let err = model.predict(&Tensor::full(&[2, 3], 500.0)).unwrap_err();
    let reported = as_reported(&err);
    // The whole story is in the message: the layer, its call and the op that failed.
    assert_eq!(reported, err.to_string());
    let op = err.root_cause().to_string();
    assert!(op.starts_with("`matmul` cannot combine shapes"), "{op}");
    assert_eq!(reported.matches(&op).count(), 1, "{reported}");
    let parts: Vec<&str> = reported.split(": ").collect();
    assert_eq!(parts.len(), 4, "{reported}");
    for (i, part) in parts.iter().enumerate() {
        assert!(!parts[..i].contains(part), "`{part}` twice in {reported}");
    }
}

#[test]
fn a_model_whose_own_call_fails_is_named() {
    let mut model = Model::new(Tripwire::new());
    model.compile("sgd", "mse", &[]).unwrap();
    model.build([3]).unwrap();
    let bad = Tensor::full(&[2, 3], 500.0);
    let err = model.predict(&bad).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("layer `tripwire` (Tripwire): its call failed"),
        "{err}"
    );
    let y = Tensor::zeros(&[2, 3]);
    let err = model.train_on_batch(&bad, &y).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("layer `tripwire` (Tripwire): its call failed"),
        "{err}"
    );
    assert!(model.test_on_batch(&bad, &y).is_err());
    // Nothing was lost: the model still trains and predicts.
    model.train_on_batch(&Tensor::ones(&[2, 3]), &y).unwrap();
    assert_eq!(
        model.predict(&Tensor::ones(&[2, 3])).unwrap().shape(),
        &[2, 3]
    );
}

/// A hand-written layer (no derive) whose own code panics when every input is above 100.
struct Fragile;

impl Layer for Fragile {
    fn type_name(&self) -> &'static str {
        "Fragile"
    }

    fn forward(&self, x: &Tensor) -> layers::Result<Tensor> {
        let values = x.to_vec();
        let _first_small = values
            .iter()
            .position(|&v| v <= 100.0)
            .expect("no value at most 100");
        Ok(x.clone())
    }
}

#[test]
fn a_plain_panic_in_a_hand_written_layer_is_an_error_named_by_its_container() {
    let mut model = Sequential::new().add(Dense::new(2)).add(Fragile);
    model.build([2]).unwrap();
    model
        .set_weights(&[
            Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]),
            Tensor::zeros(&[2]),
        ])
        .unwrap();
    let err = model.predict(&Tensor::full(&[1, 2], 500.0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `fragile` (Fragile): its call failed for input shape (None, 2): it panicked: no value at most 100"
    );
    let err = Fragile
        .try_apply(&Tensor::full(&[1, 2], 500.0))
        .unwrap_err();
    assert!(matches!(err, Error::Layer { .. }), "{err:?}");
}

/// A fallible call: `?` on the `try_` ops, and an error of the layer's own.
#[derive(Layer)]
struct Picky {
    #[weight(shape = [input[-1], 2], init = "ones")]
    w: Weight,
}

impl TryCall for Picky {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        if x.to_vec().iter().any(|v| *v < 0.0) {
            return Err(Error::InvalidArgument {
                op: "picky",
                message: "negative inputs are not allowed".to_string(),
            });
        }
        x.try_matmul(&self.w)
    }
}

#[test]
fn a_fallible_call_returns_its_error_through_fit() {
    let mut model = Sequential::new().add(Picky::new());
    model.compile("sgd", "mse", &[]).unwrap();
    let y = Tensor::zeros(&[2, 2]);
    model
        .fit(&Tensor::ones(&[2, 3]), &y, FitOptions::new().verbose(0))
        .unwrap();
    let before = model.get_weights().unwrap();
    let err = model
        .fit(
            &Tensor::full(&[2, 3], -1.0),
            &y,
            FitOptions::new().verbose(0),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `picky` (Picky): its call failed for input shape (None, 3): `picky`: negative inputs are not allowed"
    );
    assert_eq!(model.get_weights().unwrap()[0].to_vec(), before[0].to_vec());
}

mod allocations {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static COUNT: Cell<usize> = const { Cell::new(0) };
    }

    /// Counts this thread's allocations.
    pub struct Counting;

    // SAFETY: forwards to the system allocator unchanged; the count is a plain thread-local
    // cell without a destructor. (A global allocator cannot be written without `unsafe`,
    // which the workspace lints deny elsewhere.)
    #[allow(unsafe_code)]
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
            // SAFETY: the caller's contract is passed on.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: the caller's contract is passed on.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    pub fn count() -> usize {
        COUNT.with(Cell::get)
    }
}

#[global_allocator]
static ALLOCATOR: allocations::Counting = allocations::Counting;

#[test]
fn catching_allocates_nothing_when_nothing_fails() {
    let x = Tensor::ones(&[4, 3]);
    let layer = Tripwire::new();
    layer.try_apply(&x).unwrap(); // builds the weight
    let before = allocations::count();
    for _ in 0..100 {
        // A tensor clone shares its storage: only the catch could allocate here.
        let y = layers::layer::catch_call(&x, || Ok(x.clone())).unwrap();
        assert_eq!(y.shape(), &[4, 3]);
    }
    assert_eq!(allocations::count() - before, 0);
}

#[test]
fn a_failed_build_leaves_the_model_unbuilt() {
    // LayerNormalization's gamma takes the input's width; a (2, 2) reshape needs width 4.
    let mut model = Sequential::new()
        .add(LayerNormalization::new())
        .add(Reshape::new(vec![2, 2]));
    assert!(model.build([5]).is_err());
    assert!(!model.is_built());
    assert_eq!(model.build([4]).unwrap(), vec![2, 2]);
    // The same through `LayerExt::build`, and through a first call that fails.
    let mut square = Square::new();
    let err = square.build([5]).unwrap_err();
    assert!(err.to_string().contains("`reshape`"), "{err}");
    assert!(!square.is_built());
    assert!(square.try_apply(&Tensor::ones(&[1, 3])).is_err());
    assert!(!square.is_built());
    assert_eq!(square.build([4]).unwrap(), vec![2, 2]);
}

/// Builds a `(width, width)` weight, then needs a width of 4 to reshape to `(2, 2)`.
#[derive(Layer)]
struct Square {
    #[weight(shape = [input[-1], input[-1]], init = "ones")]
    w: Weight,
}

impl Call for Square {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w).reshape(&[x.shape()[0], 2, 2])
    }
}
