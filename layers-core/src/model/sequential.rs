//! `Sequential`: Keras's stack of layers, each fed the previous one's output.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{PoisonError, RwLock};

use super::build;
use super::predict::predict_batched;
use super::state::TrainingState;
use super::train::Train;
use crate::error::{Error, Result};
use crate::layer::context::DEFAULT_SEED;
use crate::layer::summary::Summary;
use crate::layer::{Layer, SummaryRow, catch_forward_masked, dry_run, snake_case, undoing_builds};
use crate::tensor::Tensor;
use crate::typed::ModelInput;
use crate::weight::Weight;

struct Node {
    name: String,
    layer: Box<dyn Layer>,
    output_shape: RwLock<Option<Vec<usize>>>,
}

impl Node {
    fn output_shape(&self) -> Option<Vec<usize>> {
        self.output_shape
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The layer's forward pass with Keras's mask carried in and out, a panic inside it
    /// caught, its error naming the layer.
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        catch_forward_masked(self.layer.as_ref(), x, mask)
            .map_err(|e| e.in_layer(self.name.clone(), self.layer.type_name()))
    }

    /// Records the per-sample shape of the layer's output `y`; a shape already recorded is
    /// only read, so that a forward pass allocates nothing here.
    fn record(&self, y: &Tensor) {
        let shape = y.shape().get(1..).unwrap_or(&[]);
        let recorded = self
            .output_shape
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_deref()
            == Some(shape);
        if !recorded {
            self.set_output_shape(Some(shape.to_vec()));
        }
    }

    fn set_output_shape(&self, shape: Option<Vec<usize>>) {
        *self
            .output_shape
            .write()
            .unwrap_or_else(PoisonError::into_inner) = shape;
    }
}

/// A stack of layers, each called on the previous one's output (Keras's `Sequential`).
///
/// Layers are named as Keras names them, per model: the snake_case of the type, then `_1`,
/// `_2`… for later layers of the same type (`dense`, `dense_1`), unless given a name with
/// [`LayerExt::named`](crate::LayerExt::named). Weight paths are `layer_name.weight_name`. A `Sequential` is a
/// [`Layer`] itself, so models nest.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
///
/// let mut model = Sequential::new()
///     .add(Dense::new(64))
///     .add(Activation::from_name("relu")?)
///     .add(Dense::new(10));
/// model.build([32])?; // per-sample shape: the batch axis is implied
/// assert_eq!(model.layer_names(), ["dense", "activation", "dense_1"]);
/// assert_eq!(model.count_params()?, 2_762);
/// let y = model.predict(&Tensor::zeros(&[5, 32]))?;
/// assert_eq!(y.shape(), &[5, 10]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct Sequential {
    name: String,
    nodes: Vec<Node>,
    /// The layer names in use, so that adding a layer costs the same at any depth.
    taken: HashSet<String>,
    /// Per automatic base name (`dense`), the first suffix not known to be taken (0 for the
    /// bare name). Names are never removed, so every suffix below it stays taken.
    next_suffix: HashMap<String, usize>,
    state: TrainingState,
    error: Option<Error>,
    /// Set when the slice path ([`Layer::forward_rows`]) stopped at a layer after the first,
    /// so that later predictions do not compute the first layers twice; cleared by every
    /// change of the layers (adding one, building, `layer_mut`, `sublayers_mut`).
    rows_refused: AtomicBool,
}

impl Default for Sequential {
    fn default() -> Self {
        Sequential::new()
    }
}

impl Sequential {
    /// An empty model named `sequential`, seeded with the default seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert!(Sequential::new().layer_names().is_empty());
    /// ```
    pub fn new() -> Sequential {
        Sequential {
            name: "sequential".to_string(),
            nodes: Vec::new(),
            taken: HashSet::new(),
            next_suffix: HashMap::new(),
            state: TrainingState::new(DEFAULT_SEED),
            error: None,
            rows_refused: AtomicBool::new(false),
        }
    }

    /// Sets the seed that weight initialization (at build) and dropout draw from; the same
    /// seed gives bit-identical weights.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let build = |seed| -> layers_core::Result<Vec<f32>> {
    ///     let mut m = Sequential::new().seed(seed).add(Dense::new(3));
    ///     m.build([2])?;
    ///     Ok(m.get_weights()?[0].to_vec())
    /// };
    /// assert_eq!(build(1)?, build(1)?);
    /// assert_ne!(build(1)?, build(2)?);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Sequential {
        self.state.seed = seed;
        self
    }

    /// The model's seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Sequential::new().seed(9).get_seed(), 9);
    /// ```
    pub fn get_seed(&self) -> u64 {
        self.state.seed
    }

    /// Renames the model (the summary's title).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let m = Sequential::new().with_name("mlp");
    /// assert!(m.summary().to_string().starts_with("Model: \"mlp\""));
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Sequential {
        self.name = name.into();
        self
    }

    /// Appends a layer (builder style). A name clash with an earlier layer is reported by
    /// [`Sequential::build`]; [`Sequential::push`] reports it at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let m = Sequential::new().add(Dense::new(2)).add(Dense::new(2));
    /// assert_eq!(m.layer_names(), ["dense", "dense_1"]);
    /// ```
    // Keras's name for it; `Sequential` is not a number, so `std::ops::Add` is no confusion.
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, layer: impl Layer + 'static) -> Sequential {
        if let Err(e) = self.push(layer)
            && self.error.is_none()
        {
            self.error = Some(e);
        }
        self
    }

    /// Appends a layer. Naming takes constant time on average, whatever the depth: the
    /// automatic name continues from the last suffix given to the same base name.
    ///
    /// # Errors
    ///
    /// [`Error::LayerName`] if a layer of the same name is already in the model (Keras
    /// requires unique names, since weight paths use them), or if a given name is empty or
    /// holds a `.` (which separates the parts of a weight path: `dense.kernel`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new();
    /// m.push(Dense::new(2).named("out"))?;
    /// assert!(m.push(Dense::new(2).named("out")).is_err());
    /// let err = m.push(Dense::new(2).named("head.out")).unwrap_err();
    /// assert!(err.to_string().contains("`.` separates"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn push(&mut self, layer: impl Layer + 'static) -> Result<()> {
        let name = match layer.name() {
            Some(name) => {
                self.check_name(name)?;
                name.to_string()
            }
            None => self.unique_name(snake_case(layer.type_name())),
        };
        self.push_as(name, Box::new(layer));
        Ok(())
    }

    /// Appends `layer` as `name`, checked as [`push`](Self::push) checks given names: how a
    /// model read from a config gets its layers back under their saved names.
    pub(super) fn push_named(&mut self, name: &str, layer: Box<dyn Layer>) -> Result<()> {
        self.check_name(name)?;
        self.push_as(name.to_string(), layer);
        Ok(())
    }

    fn push_as(&mut self, name: String, layer: Box<dyn Layer>) {
        *self.rows_refused.get_mut() = false;
        self.taken.insert(name.clone());
        // The model's output may change: training finds it again on next use.
        self.state.output_shape = None;
        self.nodes.push(Node {
            name,
            layer,
            output_shape: RwLock::new(None),
        });
    }

    /// [`Error::LayerName`] unless `name` can name a new layer of this model.
    fn check_name(&self, name: &str) -> Result<()> {
        {
            {
                let problem = if name.is_empty() {
                    Some("a layer name must not be empty".to_string())
                } else if name.contains('.') {
                    Some(format!(
                        "the layer name `{name}` holds a `.`, but `.` separates the parts of \
                         weight paths (`dense.kernel`)"
                    ))
                } else if self.taken.contains(name) {
                    Some(format!(
                        "a layer named `{name}` is already in the model; layer names must be unique"
                    ))
                } else {
                    None
                };
                if let Some(reason) = problem {
                    return Err(Error::LayerName {
                        model: self.name.clone(),
                        name: name.to_string(),
                        reason,
                    });
                }
            }
        }
        Ok(())
    }

    /// Keras's automatic name: `base` if free, else `base_1`, `base_2`, … the first free
    /// one. The scan starts where the last one for `base` ended, so each suffix is tried at
    /// most once over the model's life: linear in the number of layers overall.
    fn unique_name(&mut self, base: String) -> String {
        let next = self.next_suffix.entry(base.clone()).or_insert(0);
        loop {
            let candidate = match *next {
                0 => base.clone(),
                i => format!("{base}_{i}"),
            };
            *next += 1;
            if !self.taken.contains(&candidate) {
                return candidate;
            }
        }
    }

    /// The names of the layers, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let m = Sequential::new().add(Dense::new(1));
    /// assert_eq!(m.layer_names(), ["dense"]);
    /// ```
    pub fn layer_names(&self) -> Vec<&str> {
        self.nodes.iter().map(|n| n.name.as_str()).collect()
    }

    /// The layer with this name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let m = Sequential::new().add(Dense::new(1));
    /// assert_eq!(m.layer("dense").unwrap().type_name(), "Dense");
    /// assert!(m.layer("nope").is_none());
    /// ```
    pub fn layer(&self, name: &str) -> Option<&dyn Layer> {
        self.nodes
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.layer.as_ref())
    }

    /// The layer with this name, mutably (to freeze it, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1)).add(Dense::new(1));
    /// m.build([2])?;
    /// m.layer_mut("dense").unwrap().set_trainable(false);
    /// assert_eq!(m.trainable_weights().len(), 2);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn layer_mut(&mut self, name: &str) -> Option<&mut dyn Layer> {
        *self.rows_refused.get_mut() = false;
        match self.nodes.iter_mut().find(|n| n.name == name) {
            Some(n) => Some(n.layer.as_mut()),
            None => None,
        }
    }

    /// The per-sample input shape the model was built for.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1));
    /// m.build([7])?;
    /// assert_eq!(m.input_shape(), Some(&[7][..]));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.state.input_shape.as_deref()
    }

    /// Builds every layer for inputs of per-sample shape `input_shape` and returns the
    /// model's per-sample output shape. Weights are drawn from the model's seed.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] naming the first layer that does not fit what it receives, with the
    /// expected and the found shapes; [`Error::LayerName`] for duplicate layer names;
    /// [`Error::ModelRebuild`] for a model already built for another input shape;
    /// [`Error::InvalidArgument`] for a model without layers (as Keras refuses to build one).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(4)).add(Reshape::new(vec![3]));
    /// let err = m.build([2]).unwrap_err();
    /// assert!(err.to_string().starts_with("layer `reshape` (Reshape): "), "{err}");
    /// assert!(Sequential::new().build([2]).unwrap_err().to_string().contains("no layers"));
    /// ```
    pub fn build(&mut self, input_shape: impl AsRef<[usize]>) -> Result<Vec<usize>> {
        *self.rows_refused.get_mut() = false;
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.nodes.is_empty() {
            return Err(Error::invalid(
                "Sequential::build",
                format!(
                    "model `{}` has no layers; add at least one before building it",
                    self.name
                ),
            ));
        }
        let shape = input_shape.as_ref();
        build::build(self, shape, |model| {
            // A failed build leaves the model as it was: no weight built, and the output
            // shapes the layers had before (the dry run records new ones as it goes).
            let before: Vec<_> = model.nodes.iter().map(Node::output_shape).collect();
            let built = undoing_builds(model, || dry_run(model, shape));
            if built.is_err() {
                for (node, shape) in model.nodes.iter().zip(before) {
                    node.set_output_shape(shape);
                }
            }
            built
        })
    }

    /// Runs the model on `x` of shape `(samples, …)` in inference mode, 32 samples at a
    /// time, recording no graph.
    ///
    /// # Errors
    ///
    /// As [`Sequential::predict_batched`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(2));
    /// m.build([3])?;
    /// assert_eq!(m.predict(&Tensor::ones(&[70, 3]))?.shape(), &[70, 2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn predict<X: ModelInput<Self>>(&self, x: &X) -> Result<X::Output> {
        X::output(self.predict_batched(x.tensor(), 32)?)
    }

    /// Runs the model on `x` in inference mode, `batch_size` samples at a time.
    ///
    /// # Errors
    ///
    /// [`Error::Unbuilt`] if the model was not built; [`Error::InputShape`] if `x`'s
    /// per-sample shape differs from the model's input shape; [`Error::InvalidArgument`]
    /// for a batch size of 0, a scalar `x`, empty data, or NaN or infinite inputs; [`Error::Layer`]
    /// wrapping [`Error::Call`] when a layer's call fails on this data (an op's shapes, an
    /// `Embedding` id out of range), naming the layer's path.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(2));
    /// m.build([3])?;
    /// let x = Tensor::ones(&[70, 3]);
    /// assert_eq!(m.predict_batched(&x, 16)?.to_vec(), m.predict(&x)?.to_vec());
    /// let err = m.predict_batched(&Tensor::ones(&[4, 5]), 16).unwrap_err();
    /// assert_eq!(err.to_string(), "`sequential` expects input of shape (None, 3) but got (None, 5)");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn predict_batched(&self, x: &Tensor, batch_size: usize) -> Result<Tensor> {
        predict_batched(self, x, batch_size)
    }

    /// Keras's summary table, with the optimizer's state size once compiled and trained.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut model = Sequential::new().add(Dense::new(10));
    /// model.build([4])?;
    /// assert!(model.summary().to_string().contains(" Total params: 50 (200.00 B)"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn summary(&self) -> Summary {
        build::summary(self)
    }
}

impl Train for Sequential {
    fn state(&self) -> &TrainingState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut TrainingState {
        &mut self.state
    }

    fn build_model(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        self.build(input_shape)
    }

    fn forget_layer_shapes(&mut self) {
        for node in &self.nodes {
            node.set_output_shape(None);
        }
    }
}

impl Layer for Sequential {
    fn type_name(&self) -> &'static str {
        "Sequential"
    }

    fn name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_masked(x, None)?.0)
    }

    /// Each layer's forward pass in turn, the mask one makes (`Masking`, `Embedding`'s
    /// `mask_zero`) carried to the next, as in Keras.
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let mut x = x.clone();
        let mut mask = mask.cloned();
        for node in &self.nodes {
            let (y, next) = node.forward_masked(&x, mask.as_ref())?;
            (x, mask) = (y, next);
            node.record(&x);
        }
        Ok((x, mask))
    }

    /// A `Sequential` takes a mask: it hands it to its first layer (which may refuse it).
    fn takes_mask(&self) -> bool {
        true
    }

    /// Each layer's [`forward_rows`](Layer::forward_rows) in turn; `None` as soon as one
    /// has none (the caller then runs the whole model's `forward`). Once a layer after the
    /// first has refused, the model answers `None` at once until its layers change.
    fn forward_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        if self.rows_refused.load(Ordering::Relaxed) {
            return None;
        }
        let (first, rest) = self.nodes.split_first()?;
        let mut y = first.layer.forward_rows(x, rows)?;
        for node in rest {
            let Some(next) = node.layer.forward_rows(&y, rows) else {
                // More rows than a `Dense` streams are refused for this call only.
                if rows <= crate::tensor::linear::STREAMED_ROWS {
                    self.rows_refused.store(true, Ordering::Relaxed);
                }
                return None;
            };
            crate::tensor::buffers::recycle(std::mem::replace(&mut y, next));
        }
        Some(y)
    }

    fn weights(&self) -> Vec<&Weight> {
        Vec::new()
    }

    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        self.nodes
            .iter()
            .map(|n| (n.name.clone(), n.layer.as_ref()))
            .collect()
    }

    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        *self.rows_refused.get_mut() = false;
        self.nodes
            .iter_mut()
            .map(|n| (n.name.clone(), n.layer.as_mut() as &mut dyn Layer))
            .collect()
    }

    fn config(&self) -> serde_json::Value {
        let layers: Vec<serde_json::Value> = self
            .nodes
            .iter()
            .map(|n| {
                serde_json::json!({
                    "class_name": n.layer.type_name(),
                    "name": n.name,
                    "config": n.layer.config(),
                })
            })
            .collect();
        serde_json::json!({ "name": self.name, "layers": layers })
    }

    fn summary_rows(&self) -> Vec<SummaryRow> {
        self.nodes
            .iter()
            .map(|n| SummaryRow::of(&n.name, n.layer.as_ref(), n.output_shape()))
            .collect()
    }
}

/// A `Sequential` is built at run time, so the compiler knows nothing of what it produces:
/// it takes any shape and produces a [`DynShape`](crate::typed::DynShape), checked when the
/// model is built.
impl crate::typed::StaticLayer for Sequential {
    type Input<In: crate::typed::Shape> = In;
    type Output<In: crate::typed::Shape> = crate::typed::DynShape;
    type Check<In: crate::typed::Shape> = crate::typed::NoCheck;
}
