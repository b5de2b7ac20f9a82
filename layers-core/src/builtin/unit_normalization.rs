//! [`UnitNormalization`]: Keras's layer that scales each sample to an L2 norm of 1 over
//! some of its axes.
//!
//! ```
//! use layers_core::prelude::*;
//! let y = UnitNormalization::new().try_apply(&Tensor::from_vec(vec![3.0, 4.0], &[1, 2]))?;
//! assert_eq!(y.to_vec(), vec![0.6, 0.8]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::axes::Axes;
use crate::Layer;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::tensor::Tensor;

/// Keras's `UnitNormalization(axis)`: divides each sample by its L2 norm over `axis`
/// (the last axis by default), `x / √(max(Σ x², 10⁻²⁴))`, Keras's
/// `x · min(1/√(Σ x²), 10¹²)`: a sample of zeros stays zeros. Passes a mask on, as Keras's
/// does.
///
/// # Errors
///
/// When called (or built) on an input that lacks one of the axes, or with an axis given
/// twice or an empty list of axes, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let norm = UnitNormalization::new().axis(vec![1, 2]);
/// let x = Tensor::from_vec(vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], &[2, 2, 2]);
/// assert_eq!(norm.try_apply(&x)?.to_vec(), vec![0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]);
/// assert_eq!(norm.config(), serde_json::json!({"axis": [1, 2]}));
///
/// let err = UnitNormalization::new().axis(2).build([4]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `unit_normalization` (UnitNormalization): its call failed for input shape \
///      (None, 4): `UnitNormalization`: axis 2 is outside an input of rank 2 (the batch \
///      axis is 0)"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct UnitNormalization {
    /// The axes of the norm; the last by default.
    #[config(default = Axes::from(-1))]
    pub axis: Axes,
}

impl UnitNormalization {
    fn validate_config(&self) -> Result<()> {
        if self.axis.0.is_empty() {
            return Err(Error::InvalidConfig {
                field: "axis".into(),
                message: "must name at least one axis, got []".into(),
            });
        }
        Ok(())
    }
}

impl TryCall for UnitNormalization {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let axes = self
            .axis
            .resolve(x.rank())
            .map_err(|message| Error::invalid("UnitNormalization", message))?;
        let axes: Vec<isize> = axes.into_iter().map(|a| a as isize).collect();
        // max(Σx², 1e-24) before the root, so that a zero sample has a finite gradient.
        let squares = x.square().try_sum(&axes, true)?;
        Ok(x / squares.clamp(1e-24, f32::INFINITY).sqrt())
    }
}
