//! Gradient checking: compares the gradients that backward computes with central finite
//! differences, to debug a custom op, layer or activation.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::autograd::check_gradients;
//!
//! let x = Tensor::from_vec(vec![0.3, -1.2, 2.0], &[3]);
//! let report = check_gradients(&[x], |v| v[0].exp() * &v[0], 1e-3);
//! assert!(report.worst() < 1e-2, "{report}");
//! ```

use std::fmt;

use ndarray::{ArrayD, IxDyn, Zip};

use crate::Tensor;
use crate::autograd::no_grad;

/// The result of [`check_gradients`]: for each input, the worst disagreement between the
/// backward pass and finite differences.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::autograd::check_gradients;
/// let r = check_gradients(&[Tensor::ones(&[2])], |v| v[0].square(), 1e-3);
/// assert_eq!(r.inputs.len(), 1);
/// assert!(r.inputs[0].max_abs_error < 1e-2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    /// One entry per input, in order.
    pub inputs: Vec<InputCheck>,
}

/// How well one input's analytic gradient matches finite differences.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::autograd::check_gradients;
/// let r = check_gradients(&[Tensor::ones(&[3])], |v| v[0].exp(), 1e-3);
/// let c = &r.inputs[0];
/// assert!(c.max_rel_error <= c.max_abs_error / 1.0 + 1e-6 || c.max_rel_error < 1e-2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InputCheck {
    /// Largest `|analytic − numeric|` over the input's elements.
    pub max_abs_error: f32,
    /// Largest `|analytic − numeric| / max(1, |analytic|, |numeric|)`.
    pub max_rel_error: f32,
    /// The flat index of the element with the largest relative error.
    pub worst_index: usize,
    /// The analytic gradient there.
    pub analytic: f32,
    /// The finite-difference estimate there.
    pub numeric: f32,
}

impl GradCheck {
    /// The largest relative error over all inputs (0 when there are none).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::autograd::check_gradients;
    /// let r = check_gradients(&[Tensor::ones(&[2])], |v| v[0].scale(2.0), 1e-3);
    /// assert!(r.worst() < 1e-3);
    /// ```
    pub fn worst(&self) -> f32 {
        self.inputs
            .iter()
            .map(|c| c.max_rel_error)
            .fold(0.0, f32::max)
    }
}

impl fmt::Display for GradCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.inputs.iter().enumerate() {
            writeln!(
                f,
                "input {i}: max rel error {:.3e}, max abs error {:.3e} (element {}: analytic {}, numeric {})",
                c.max_rel_error, c.max_abs_error, c.worst_index, c.analytic, c.numeric
            )?;
        }
        Ok(())
    }
}

/// A fixed pseudo-random cotangent, so that non-scalar outputs are checked along a generic
/// direction rather than only through their sum.
pub(crate) fn cotangent(shape: &[usize]) -> ArrayD<f32> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        0.5 + ((state >> 40) as f32 / (1u64 << 24) as f32)
    })
}

/// `Σ y·c` in double precision, so finite differences lose no digits to the sum.
pub(crate) fn weighted_sum(y: &Tensor, c: &ArrayD<f32>) -> f64 {
    let mut acc = 0.0f64;
    Zip::from(y.data())
        .and(c)
        .for_each(|&y, &c| acc += f64::from(y) * f64::from(c));
    acc
}

/// Checks the gradient of `f` at `inputs` against central finite differences with step
/// `epsilon`.
///
/// The output of `f` is reduced to a scalar with a fixed pseudo-random weighting, the
/// inputs are made trainable variables, and every input element is perturbed by ±`epsilon`.
/// Costs two evaluations of `f` per input element, so keep the inputs small.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::autograd::check_gradients;
/// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
/// let b = Tensor::from_vec(vec![0.5, -1.0], &[2, 1]);
/// let r = check_gradients(&[a, b], |v| v[0].matmul(&v[1]), 1e-2);
/// assert!(r.worst() < 1e-2, "{r}");
/// ```
pub fn check_gradients(
    inputs: &[Tensor],
    f: impl Fn(&[Tensor]) -> Tensor,
    epsilon: f32,
) -> GradCheck {
    let vars: Vec<Tensor> = inputs.iter().map(|t| t.detach().into_variable()).collect();
    let y = f(&vars);
    let c = cotangent(y.shape());
    let grads = y.backward_with(&Tensor::from_array(c.clone()));
    drop(y);
    let mut checks = Vec::with_capacity(inputs.len());
    for (i, var) in vars.iter().enumerate() {
        let analytic = grads
            .get(var)
            .map(|g| g.to_vec())
            .unwrap_or_else(|| vec![0.0; var.len()]);
        let base = var.to_vec();
        let mut check = InputCheck {
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            worst_index: 0,
            analytic: analytic.first().copied().unwrap_or(0.0),
            numeric: 0.0,
        };
        for (j, &a) in analytic.iter().enumerate() {
            let eval = |delta: f32| {
                let mut values = base.clone();
                values[j] += delta;
                let mut args = vars.clone();
                args[i] = Tensor::from_vec(values, var.shape());
                no_grad(|| weighted_sum(&f(&args), &c))
            };
            let numeric = ((eval(epsilon) - eval(-epsilon)) / (2.0 * f64::from(epsilon))) as f32;
            let abs = (a - numeric).abs();
            let rel = abs / 1f32.max(a.abs()).max(numeric.abs());
            check.max_abs_error = check.max_abs_error.max(abs);
            if rel > check.max_rel_error || rel.is_nan() {
                check.max_rel_error = rel;
                check.worst_index = j;
                check.analytic = a;
                check.numeric = numeric;
            }
        }
        checks.push(check);
    }
    GradCheck { inputs: checks }
}
