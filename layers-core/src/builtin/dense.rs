//! `Dense`: Keras's densely connected layer, `activation(x · kernel + bias)`.

use crate::activation::Activation;
use crate::constraints::Constraint;
use crate::error::Result;
use crate::init::Initializer;
use crate::layer::Call;
use crate::layer::config::{check_initializer, check_size};
use crate::regularizers::Regularizer;
use crate::tensor::linear::affine_rows;
use crate::typed::{Const, Dim};
use crate::unwind::OrRaise;
use crate::{Layer, Tensor, Weight};

/// A densely connected layer: `activation(x · kernel + bias)` over the last axis of an input
/// of rank 2 or more (`(batch, …, features)` → `(batch, …, units)`).
///
/// Defaults as in Keras: no activation (`linear`), a bias, kernel `glorot_uniform`, bias
/// `zeros`. Building checks the config first: `units` of 0 or an initializer with unusable
/// parameters is an error naming the layer and the argument, and builds no weight.
///
/// # Examples
///
/// ```
/// use layers_core::activation::Relu;
/// use layers_core::prelude::*;
/// let mut d = Dense::new(64).activation(Relu);
/// assert_eq!(d.build([32])?, vec![64]);
/// assert_eq!(d.count_params()?, 32 * 64 + 64);
/// assert_eq!(d.config()["activation"], "relu");
///
/// let mut no_bias = Dense::new(64).use_bias(false);
/// no_bias.build([32])?;
/// assert_eq!(no_bias.count_params()?, 32 * 64);
///
/// // The size known at compile time: a statically checked model can check what follows.
/// let mut fixed = Dense::new(Const::<64>);
/// assert_eq!(fixed.build([32])?, vec![64]);
/// let default: Dense<Const<64>> = Dense::default();
/// assert_eq!(default.units.size(), 64);
///
/// let err = Dense::new(0).build([32]).unwrap_err();
/// assert_eq!(err.to_string(), "layer `dense` (Dense): `units` must be a positive integer, got 0");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [.., IN],
    output = [.., units],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct Dense<U: Dim = usize> {
    /// The number of output features: a `usize` (`Dense::new(64)`), or a [`Const`] when
    /// the compiler should know it (`Dense::new(Const::<64>)`, a `Dense<Const<64>>`).
    pub units: U,
    /// Applied to the output; `linear` (none) by default.
    #[config(default = Activation::linear())]
    pub activation: Activation,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// A penalty on the kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub kernel_regularizer: Option<Regularizer>,
    /// A penalty on the bias, added to the training loss; none by default.
    #[config(default = None)]
    pub bias_regularizer: Option<Regularizer>,
    /// Projects the kernel after each update; none by default.
    #[config(default = None)]
    pub kernel_constraint: Option<Constraint>,
    /// Projects the bias after each update; none by default.
    #[config(default = None)]
    pub bias_constraint: Option<Constraint>,
    /// The `(input features, units)` matrix.
    #[weight(
        shape = [input[-1], units.size()],
        init = kernel_initializer.clone(),
        regularizer = kernel_regularizer.clone(),
        constraint = kernel_constraint.clone()
    )]
    pub kernel: Weight,
    /// The `(units,)` bias, present when `use_bias`.
    #[weight(
        shape = [units.size()],
        init = bias_initializer.clone(),
        enabled = use_bias,
        regularizer = bias_regularizer.clone(),
        constraint = bias_constraint.clone()
    )]
    pub bias: Weight,
}

impl<U: Dim> Dense<U> {
    fn validate_config(&self) -> Result<()> {
        check_size("units", self.units.size())?;
        self.activation.check()?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl<U: Dim> Call for Dense<U> {
    fn call(&self, x: &Tensor) -> Tensor {
        let kernel = self.kernel.value();
        let bias = self.use_bias.then(|| self.bias.value());
        // One fused op (product, bias, elementwise activation) where it applies; a rank-1
        // input or a softmax output takes the ops one by one.
        if x.rank() >= 2 {
            let fused = self.activation.in_place();
            let y = x.linear_with(&kernel, bias.as_ref(), fused).or_raise();
            return if fused.is_some() {
                y
            } else {
                self.activation.apply(&y)
            };
        }
        let y = x.matmul(&kernel);
        let y = match &bias {
            Some(b) => y + b,
            None => y,
        };
        self.activation.apply(&y)
    }

    /// A few samples straight on slices, through the same kernel as `call`'s few-row path
    /// (so the same bits): the weights read in place, no tensor made; the activation
    /// (softmax too) applied to each sample. `None` for an unbuilt layer, an input of
    /// another width, or weights of shapes `call` would refuse.
    fn call_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        let units = self.units.size();
        let mut y = self.kernel.with_data(|kernel| {
            let ([_, n], Some(w)) = (kernel.shape(), kernel.as_slice()) else {
                return None;
            };
            if *n != units {
                return None;
            }
            if !self.use_bias {
                return affine_rows(x, rows, w, units, None);
            }
            self.bias
                .with_data(|bias| affine_rows(x, rows, w, units, Some(bias.as_slice()?)))
                .flatten()
        })??;
        self.activation.apply_rows(&mut y, units)?;
        Some(y)
    }
}

impl<const N: usize> Default for Dense<Const<N>> {
    /// A `Dense` of `N` units with Keras's defaults.
    fn default() -> Self {
        Dense::new(Const)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Layer, LayerExt};

    /// The fused call against the three ops it replaces, for elementwise activations (fused)
    /// and softmax (applied after), ranks 2 and 3, one row and many: values and gradients.
    #[test]
    fn the_fused_call_matches_the_ops_one_by_one() {
        for name in ["relu", "tanh", "gelu", "softmax", "linear"] {
            for shape in [vec![1, 5], vec![7, 5], vec![2, 3, 5]] {
                let mut d = Dense::new(4).activation(name);
                d.build(&shape[1..]).unwrap();
                let n: usize = shape.iter().product();
                let x = Tensor::from_vec((0..n).map(|i| (i as f32 * 0.37).sin()).collect(), &shape)
                    .into_variable();
                let fused = d.call(&x);
                let plain = d.activation.apply(&(x.matmul(&d.kernel) + &d.bias));
                let (a, b) = (fused.to_vec(), plain.to_vec());
                assert!(
                    a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-5),
                    "{name}"
                );
                let c = Tensor::from_vec(
                    (0..a.len()).map(|i| i as f32 - 3.0).collect(),
                    fused.shape(),
                );
                let gf = (&fused * &c).sum_all().backward();
                let gp = (&plain * &c).sum_all().backward();
                let pairs = [
                    (gf.get(&x).unwrap().to_vec(), gp.get(&x).unwrap().to_vec()),
                    (
                        d.kernel.grad(&gf).unwrap().to_vec(),
                        d.kernel.grad(&gp).unwrap().to_vec(),
                    ),
                    (
                        d.bias.grad(&gf).unwrap().to_vec(),
                        d.bias.grad(&gp).unwrap().to_vec(),
                    ),
                ];
                for (f, p) in pairs {
                    assert!(
                        f.iter().zip(&p).all(|(u, v)| (u - v).abs() < 1e-4),
                        "{name}"
                    );
                }
                assert_eq!(d.weights().len(), 2);
            }
        }
    }
}
