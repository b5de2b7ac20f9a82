//! `Embedding`: integer ids to learned vectors.

use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::layer::config::{check_initializer, check_size};
use crate::layer::context::data_sample;
use crate::regularizers::Regularizer;
use crate::typed::Dim;
use crate::{Layer, Tensor, Weight};

/// Maps integer ids in `[0, input_dim)` (given as `f32` values) to rows of a learned
/// `(input_dim, output_dim)` table: `(batch, …)` → `(batch, …, output_dim)`.
/// Keras's default initializer, `uniform`, is [`Initializer::random_uniform`]. Building
/// checks that both sizes are at least 1 and the initializer is usable.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut e = Embedding::new(10, 4);
/// assert_eq!(e.build([3])?, vec![3, 4]);
/// let y = e.try_apply(&Tensor::from_vec(vec![0.0, 9.0, 9.0], &[1, 3]))?;
/// let v = y.to_vec();
/// assert_eq!(v[4..8], v[8..12]); // the same id gives the same row
/// // ids 0..=9 exist; 10 does not
/// let err = e.try_apply(&Tensor::from_vec(vec![0.0, 10.0, 2.5], &[1, 3])).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `embedding` (Embedding): its call failed for input shape (None, 3): \
///      `embedding`: id 10 (sample 0, position 1) is not an integer in [0, 10): \
///      input_dim is 10"
/// );
///
/// let err = Embedding::new(0, 4).build([3]).unwrap_err();
/// assert!(err.to_string().ends_with("`input_dim` must be a positive integer, got 0"));
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// With `mask_zero(true)` (Keras's `mask_zero`), id 0 is padding: in a
/// [`Sequential`](crate::Sequential) the layers after it get Keras's mask, `(batch, seq)`
/// with 0 where the id is 0, and the recurrent layers skip those steps.
///
/// ```
/// use layers_core::prelude::*;
/// let e = Embedding::new(5, 2).mask_zero(true);
/// let (_, mask) = e.forward_masked(&Tensor::from_vec(vec![3.0, 1.0, 0.0], &[1, 3]), None)?;
/// assert_eq!(mask.unwrap().to_vec(), vec![1.0, 1.0, 0.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// # Errors
///
/// The call fails (`fit`, `predict` and [`LayerExt::try_apply`](crate::LayerExt::try_apply)
/// return [`Error::Call`](crate::Error::Call)) on an id that is negative, fractional, not
/// finite or not below `input_dim`; the message names the first such id, where it is, and
/// `input_dim`. The sample is counted in the data given to `fit`, `evaluate` or `predict`,
/// which call the layer a (shuffled) batch at a time, not in the batch.
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [.., output_dim],
    validate = Self::validate_config,
    masking = Self::masked,
    takes_mask = |embedding| embedding.mask_zero
)]
pub struct Embedding<D: Dim = usize> {
    /// The number of distinct ids.
    pub input_dim: usize,
    /// The length of each vector.
    pub output_dim: D,
    /// Fills the table; `random_uniform` (±0.05) by default.
    #[config(default = Initializer::random_uniform())]
    pub embeddings_initializer: Initializer,
    /// A penalty on the embeddings, added to the training loss; none by default.
    #[config(default = None)]
    pub embeddings_regularizer: Option<Regularizer>,
    /// Projects the embeddings after each update; none by default.
    #[config(default = None)]
    pub embeddings_constraint: Option<Constraint>,
    /// Whether id 0 is padding, masked for the layers after (Keras's `mask_zero`); `false`
    /// by default.
    #[config(default = false)]
    pub mask_zero: bool,
    /// The `(input_dim, output_dim)` table.
    #[weight(
        shape = [input_dim, output_dim.size()],
        init = embeddings_initializer.clone(),
        regularizer = embeddings_regularizer.clone(),
        constraint = embeddings_constraint.clone()
    )]
    pub embeddings: Weight,
}

impl<D: Dim> Embedding<D> {
    fn validate_config(&self) -> Result<()> {
        check_size("input_dim", self.input_dim)?;
        check_size("output_dim", self.output_dim.size())?;
        check_initializer("embeddings_initializer", &self.embeddings_initializer)
    }
}

impl<D: Dim> TryCall for Embedding<D> {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let ids = x
            .view()
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                // NaN fails `>=`; ±∞ has a NaN fraction; a huge id saturates the cast.
                if v >= 0.0 && v.fract() == 0.0 && (v as usize) < self.input_dim {
                    Ok(v as usize)
                } else {
                    Err(self.bad_id(x, i, v))
                }
            })
            .collect::<Result<Vec<usize>>>()?;
        let rows = self.embeddings.try_value()?.index_select(0, &ids);
        let mut shape = x.shape().to_vec();
        shape.push(self.output_dim.size());
        rows.try_reshape(&shape)
    }
}

impl<D: Dim> Embedding<D> {
    /// The `#[layer(masking = …)]` of the layer: with `mask_zero`, the mask of the ids
    /// that are not 0 (a mask coming in is replaced, as in Keras).
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let y = self.forward(x)?;
        if self.mask_zero {
            return Ok((y, Some(x.not_equal(0.0))));
        }
        match mask {
            None => Ok((y, None)),
            Some(_) => Err(crate::layer::mask_refused("Embedding without `mask_zero`")),
        }
    }

    /// The error for the id `v` at flat index `i` of `x`.
    fn bad_id(&self, x: &Tensor, i: usize, v: f32) -> Error {
        let per_sample = x.shape().get(1..).unwrap_or(&[]).iter().product::<usize>();
        let (sample, position) = (i / per_sample.max(1), i % per_sample.max(1));
        // `fit` and the batched `evaluate`/`predict` call it a batch at a time: the sample
        // in the user's data, not in the batch.
        let sample = data_sample(sample);
        Error::invalid(
            "embedding",
            format!(
                "id {v} (sample {sample}, position {position}) is not an integer in [0, {n}): input_dim is {n}",
                n = self.input_dim
            ),
        )
    }
}
