//! `Model`: any layer (a `#[derive(Layer)]` network, say) as a trainable model with
//! Keras's API.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Model::new(Dense::new(1));
//! model.compile("sgd", "mse", &[])?;
//! let logs = model.train_on_batch(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]))?;
//! assert!(logs["loss"] >= 0.0);
//! // built from the first batch: 2 inputs to 1 unit, plus its bias
//! assert!(model.summary().to_string().contains("Total params: 3"));
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::ops::{Deref, DerefMut};

use super::build;
use super::predict::predict_batched;
use super::state::TrainingState;
use super::train::Train;
use crate::error::{Error, Result};
use crate::layer::context::{DEFAULT_SEED, with_context};
use crate::layer::summary::Summary;
use crate::layer::{Layer, LayerExt, SummaryRow, catch_forward, catch_forward_masked, dry_run};
use crate::tensor::Tensor;
use crate::typed::ModelInput;
use crate::weight::Weight;

/// Wraps any layer as a model: `build`, `summary`, `predict` and the [`Train`] API
/// (`compile`, `fit`, `evaluate`), with a seed for reproducible initialization and
/// training. `Sequential` has all of this built in; `Model` is for networks written as
/// `#[derive(Layer)]` structs.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut model = Model::new(Dense::new(3)).seed(7);
/// model.build([4])?;
/// assert_eq!(model.predict(&Tensor::ones(&[2, 4]))?.shape(), &[2, 3]);
/// assert_eq!(model.units, 3); // the wrapped layer's fields
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct Model<L> {
    net: L,
    state: TrainingState,
}

impl<L: Layer> Model<L> {
    /// Wraps `net` with the default seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// // The same default seed: the same weights.
    /// let (mut a, mut b) = (Model::new(Dense::new(2)), Model::new(Dense::new(2)));
    /// a.build([3])?;
    /// b.build([3])?;
    /// assert_eq!(a.get_weights()?[0].to_vec(), b.get_weights()?[0].to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn new(net: L) -> Model<L> {
        Model {
            net,
            state: TrainingState::new(DEFAULT_SEED),
        }
    }

    /// Sets the seed of weight initialization and training.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let kernel = |seed| -> layers_core::Result<Vec<f32>> {
    ///     let mut model = Model::new(Dense::new(2)).seed(seed);
    ///     model.build([3])?;
    ///     Ok(model.get_weights()?[0].to_vec())
    /// };
    /// assert_eq!(kernel(3)?, kernel(3)?);
    /// assert_ne!(kernel(3)?, kernel(4)?);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Model<L> {
        self.state.seed = seed;
        self
    }

    /// The wrapped layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Model::new(Dense::new(2)).into_inner().units, 2);
    /// ```
    pub fn into_inner(self) -> L {
        self.net
    }

    /// Builds the model for a per-sample input shape, drawing weights from the seed.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] naming the layer when it does not fit the shape;
    /// [`Error::ModelRebuild`] when the model was built for another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Model::new(Dense::new(2));
    /// assert_eq!(m.build([5])?, vec![2]);
    /// assert!(m.build([6]).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn build(&mut self, input_shape: impl AsRef<[usize]>) -> Result<Vec<usize>> {
        let shape = input_shape.as_ref();
        build::build(self, shape, |model| model.net.build(shape))
    }

    /// Runs the model on `x` in inference mode, 32 samples at a time.
    ///
    /// `x` is a [`Tensor`] (its shape checked at run time) or a
    /// [`TypedTensor`](crate::typed::TypedTensor), whose shape the compiler checks against
    /// the model's input signature; the output is then typed with the model's output shape.
    ///
    /// # Errors
    ///
    /// [`Error::Unbuilt`], [`Error::InputShape`], [`Error::InvalidArgument`] or
    /// [`Error::Layer`] wrapping [`Error::Call`], as for `Sequential::predict_batched`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::typed::{Batch1, TypedTensor};
    /// let mut m = Model::new(Dense::new(Const::<2>));
    /// assert!(m.predict(&Tensor::ones(&[1, 3])).is_err()); // not built
    /// m.build([3])?;
    /// let x = TypedTensor::<Batch1<3>>::new(Tensor::ones(&[4, 3]))?;
    /// let y: TypedTensor<(usize, Const<2>)> = m.predict(&x)?;
    /// assert_eq!(y.tensor().shape(), &[4, 2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn predict<X: ModelInput<Self>>(&self, x: &X) -> Result<X::Output> {
        X::output(predict_batched(self, x.tensor(), 32)?)
    }

    /// Keras's summary table of the wrapped layer, with the optimizer's state size once
    /// compiled and trained.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Model::new(Dense::new(2));
    /// m.build([3])?;
    /// assert!(m.summary().to_string().contains("Total params: 8"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn summary(&self) -> Summary {
        build::summary(self)
    }
}

impl<L> Deref for Model<L> {
    type Target = L;
    fn deref(&self) -> &L {
        &self.net
    }
}

/// Mutable access to the wrapped layer, which may change what the model outputs: the
/// output shape that training keeps is found again on next use.
impl<L> DerefMut for Model<L> {
    fn deref_mut(&mut self) -> &mut L {
        self.state.output_shape = None;
        &mut self.net
    }
}

impl<L: Layer> Train for Model<L> {
    fn state(&self) -> &TrainingState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut TrainingState {
        &mut self.state
    }

    fn build_model(&mut self, input_shape: &[usize]) -> Result<Vec<usize>> {
        self.build(input_shape)
    }
}

impl<L: Layer> Model<L> {
    /// `e`, naming the wrapped layer when its own call failed (not a sublayer's).
    fn named(&self, e: Error) -> Error {
        match e {
            e @ Error::Call { .. } => e.in_layer(self.net.display_name(), self.net.type_name()),
            e => e,
        }
    }
}

impl<L: Layer> Layer for Model<L> {
    fn type_name(&self) -> &'static str {
        self.net.type_name()
    }
    fn name(&self) -> Option<&str> {
        self.net.name()
    }
    /// The wrapped layer's forward pass, with a panic inside it caught; when the wrapped
    /// layer's own call failed (not a sublayer's), the error names it.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        catch_forward(&self.net, x).map_err(|e| self.named(e))
    }
    /// As `forward`, with the wrapped layer's mask (its output's, for the loss and metrics).
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        catch_forward_masked(&self.net, x, mask).map_err(|e| self.named(e))
    }
    fn takes_mask(&self) -> bool {
        self.net.takes_mask()
    }
    fn forward_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        self.net.forward_rows(x, rows)
    }
    fn weights(&self) -> Vec<&Weight> {
        self.net.weights()
    }
    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        self.net.weights_mut()
    }
    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        self.net.sublayers()
    }
    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        self.net.sublayers_mut()
    }
    fn config(&self) -> serde_json::Value {
        self.net.config()
    }
    fn try_config(&self) -> Result<serde_json::Value> {
        self.net.try_config()
    }
    fn summary_rows(&self) -> Vec<SummaryRow> {
        let rows = match &self.state.input_shape {
            Some(shape) => {
                with_context(false, self.state.seed, || self.net.summary_rows_for(shape))
            }
            None => self.net.summary_rows(),
        };
        if rows.is_empty() {
            // A layer without sublayers is its own single row.
            let shape =
                self.state.input_shape.as_ref().and_then(|s| {
                    with_context(false, self.state.seed, || dry_run(&self.net, s)).ok()
                });
            return vec![SummaryRow::of(&self.net.display_name(), &self.net, shape)];
        }
        rows
    }
}

/// The wrapped layer's signature.
impl<L: crate::typed::StaticLayer> crate::typed::StaticLayer for Model<L> {
    type Input<In: crate::typed::Shape> = L::Input<In>;
    type Output<In: crate::typed::Shape> = L::Output<In>;
    type Check<In: crate::typed::Shape> = L::Check<In>;
}
