//! Gradient checking for whole layers: the backward pass of any layer, built-in or custom,
//! against central finite differences, weight by weight.
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::layer::gradcheck::check_layer;
//!
//! let layer = Dense::new(3);
//! let x = Tensor::from_vec((0..8).map(|i| i as f32 / 8.0 - 0.5).collect(), &[2, 4]);
//! let report = check_layer(&layer, &x, 1e-2)?;
//! assert!(report.worst() < 1e-2, "{report}");
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::fmt;

use super::{Layer, LayerExt};
use crate::autograd::gradcheck::{cotangent, weighted_sum};
use crate::error::Result;
use crate::{Tensor, no_grad};

/// The worst disagreement for one weight (or the input).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::gradcheck::check_layer;
/// let r = check_layer(&Dense::new(2), &Tensor::ones(&[1, 3]), 1e-2)?;
/// assert_eq!(r.entries[0].path, "kernel");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WeightCheck {
    /// The weight's path, or `input`.
    pub path: String,
    /// Largest `|analytic − numeric|`.
    pub max_abs_error: f32,
    /// Largest `|analytic − numeric| / max(1, |analytic|, |numeric|)`.
    pub max_rel_error: f32,
}

/// The result of [`check_layer`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::gradcheck::check_layer;
/// let r = check_layer(&Dense::new(2), &Tensor::ones(&[1, 3]), 1e-2)?;
/// assert_eq!(r.entries.len(), 3); // kernel, bias, input
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LayerCheck {
    /// One entry per trainable weight, then one for the input.
    pub entries: Vec<WeightCheck>,
}

impl LayerCheck {
    /// The largest relative error over all entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::gradcheck::check_layer;
    /// assert!(check_layer(&Dense::new(2), &Tensor::ones(&[1, 3]), 1e-2)?.worst() < 1e-2);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn worst(&self) -> f32 {
        self.entries
            .iter()
            .map(|e| e.max_rel_error)
            .fold(0.0, f32::max)
    }
}

impl fmt::Display for LayerCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            writeln!(
                f,
                "{:<24} max rel error {:.3e}, max abs error {:.3e}",
                e.path, e.max_rel_error, e.max_abs_error
            )?;
        }
        Ok(())
    }
}

fn compare(path: String, analytic: &[f32], numeric: &[f32]) -> WeightCheck {
    let mut check = WeightCheck {
        path,
        max_abs_error: 0.0,
        max_rel_error: 0.0,
    };
    for (&a, &n) in analytic.iter().zip(numeric) {
        let abs = (a - n).abs();
        check.max_abs_error = check.max_abs_error.max(abs);
        let rel = abs / 1f32.max(a.abs()).max(n.abs());
        if rel > check.max_rel_error || rel.is_nan() {
            check.max_rel_error = rel;
        }
    }
    check
}

/// Checks a layer's backward pass at input `x` against central finite differences with
/// step `epsilon`, for every trainable weight and for the input, in inference mode.
///
/// The layer is built from `x` if needed. The output is reduced to a scalar with a fixed
/// pseudo-random weighting; each weight value is perturbed by ±`epsilon` in turn and
/// restored afterwards. Costs two forward passes per value: use small layers and inputs.
///
/// # Errors
///
/// When the layer cannot be built for `x`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::gradcheck::check_layer;
/// let ln = LayerNormalization::new();
/// let x = Tensor::from_vec(vec![0.3, -1.0, 2.0, 0.7, 0.1, -0.4], &[2, 3]);
/// assert!(check_layer(&ln, &x, 1e-2)?.worst() < 2e-2);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn check_layer(layer: &dyn Layer, x: &Tensor, epsilon: f32) -> Result<LayerCheck> {
    check(layer, x, epsilon, true)
}

/// Like [`check_layer`] for the weights only, leaving the input unperturbed: for layers
/// whose input is not differentiable, such as an `Embedding`'s ids.
///
/// # Errors
///
/// When the layer cannot be built for `x`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::gradcheck::check_layer_weights;
/// let ids = Tensor::from_vec(vec![0.0, 2.0, 1.0], &[3, 1]);
/// let r = check_layer_weights(&Embedding::new(3, 2), &ids, 1e-2)?;
/// assert_eq!(r.entries.len(), 1);
/// assert!(r.worst() < 1e-2);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn check_layer_weights(layer: &dyn Layer, x: &Tensor, epsilon: f32) -> Result<LayerCheck> {
    check(layer, x, epsilon, false)
}

/// `(f(v + ε·eⱼ) − f(v − ε·eⱼ)) / 2ε` for every element `j` of `v`.
fn central_differences(
    v: &Tensor,
    epsilon: f32,
    mut f: impl FnMut(Tensor) -> Result<f64>,
) -> Result<Vec<f32>> {
    let base = v.to_vec();
    let mut at = |j: usize, delta: f32| {
        let mut values = base.clone();
        values[j] += delta;
        f(Tensor::from_vec(values, v.shape()))
    };
    (0..base.len())
        .map(|j| Ok(((at(j, epsilon)? - at(j, -epsilon)?) / (2.0 * f64::from(epsilon))) as f32))
        .collect()
}

fn check(layer: &dyn Layer, x: &Tensor, epsilon: f32, with_input: bool) -> Result<LayerCheck> {
    no_grad(|| layer.forward(x))?;
    let input = x.detach().into_variable();
    let y = layer.forward(&input)?;
    let c = cotangent(y.shape());
    let grads = y.backward_with(&Tensor::from_array(c.clone()));
    drop(y);
    let eval = |input: &Tensor| -> Result<f64> {
        Ok(weighted_sum(&no_grad(|| layer.forward(input))?, &c))
    };
    let mut entries = Vec::new();
    for (path, w) in layer.trainable_weights() {
        let original = w.value().detach();
        let analytic = w
            .grad(&grads)
            .map(|g| g.to_vec())
            .unwrap_or_else(|| vec![0.0; original.len()]);
        let numeric = central_differences(&original, epsilon, |perturbed| {
            w.set_value(perturbed)?;
            eval(x)
        });
        w.set_value(original)?;
        entries.push(compare(path, &analytic, &numeric?));
    }
    if !with_input {
        return Ok(LayerCheck { entries });
    }
    let analytic = grads
        .get(&input)
        .map(|g| g.to_vec())
        .unwrap_or_else(|| vec![0.0; x.len()]);
    let numeric = central_differences(x, epsilon, |perturbed| eval(&perturbed))?;
    entries.push(compare("input".to_string(), &analytic, &numeric));
    Ok(LayerCheck { entries })
}
