//! `Embedding`: integer ids to learned vectors.

use crate::error::Result;
use crate::init::Initializer;
use crate::layer::Call;
use crate::layer::config::{check_initializer, check_size};
use crate::shape::Dim;
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
/// let y = e.apply(&Tensor::from_vec(vec![0.0, 9.0, 9.0], &[1, 3]));
/// let v = y.to_vec();
/// assert_eq!(v[4..8], v[8..12]); // the same id gives the same row
///
/// let err = Embedding::new(0, 4).build([3]).unwrap_err();
/// assert!(err.to_string().ends_with("`input_dim` must be a positive integer, got 0"));
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// # Panics
///
/// On an id that is negative, fractional or not below `input_dim`; the message names the
/// id and the layer's `input_dim`.
#[derive(Layer, Debug)]
#[layer(input = [..], output = [.., output_dim], validate = Self::validate_config)]
pub struct Embedding<D: Dim = usize> {
    /// The number of distinct ids.
    pub input_dim: usize,
    /// The length of each vector.
    pub output_dim: D,
    /// Fills the table; `random_uniform` (±0.05) by default.
    #[config(default = Initializer::random_uniform())]
    pub embeddings_initializer: Initializer,
    /// The `(input_dim, output_dim)` table.
    #[weight(shape = [input_dim, output_dim.size()], init = embeddings_initializer.clone())]
    pub embeddings: Weight,
}

impl<D: Dim> Embedding<D> {
    fn validate_config(&self) -> Result<()> {
        check_size("input_dim", self.input_dim)?;
        check_size("output_dim", self.output_dim.size())?;
        check_initializer("embeddings_initializer", &self.embeddings_initializer)
    }
}

impl<D: Dim> Call for Embedding<D> {
    fn call(&self, x: &Tensor) -> Tensor {
        let ids: Vec<usize> = x
            .view()
            .iter()
            .map(|&v| {
                let valid = v >= 0.0 && v.fract() == 0.0 && (v as usize) < self.input_dim;
                assert!(
                    valid,
                    "`embedding`: id {v} is not an integer in [0, {}) (input_dim)",
                    self.input_dim
                );
                v as usize
            })
            .collect();
        let rows = self.embeddings.value().index_select(0, &ids);
        let mut shape = x.shape().to_vec();
        shape.push(self.output_dim.size());
        rows.reshape(&shape)
    }
}
