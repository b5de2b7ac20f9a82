//! [`UnitNormalization`]: Keras's layer that scales each sample to an L2 norm of 1 over
//! some of its axes.
//!
//! ```
//! use layers_core::prelude::*;
//! let y = UnitNormalization::new().try_apply(&Tensor::from_vec(vec![3.0, 4.0], &[1, 2]))?;
//! assert_eq!(y.to_vec(), vec![0.6, 0.8]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::Layer;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::{ConfigValue, expected};
use crate::tensor::Tensor;

/// The axes a layer works over, numbered as Keras numbers them: the batch axis is 0, and a
/// negative axis counts from the end (`-1` is the last). Made from one axis (`-1`) or a list
/// (`vec![1, 2]`); in a config it is an integer for one axis, as Keras writes it, and a
/// list otherwise.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Axes;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Axes::from(-1).to_config(), serde_json::json!(-1));
/// assert_eq!(Axes::from(vec![1, 2]).to_config(), serde_json::json!([1, 2]));
/// assert_eq!(Axes::from_config(&serde_json::json!([-1])), Ok(Axes::from(-1)));
/// assert_eq!(Axes::from(vec![1, -1]).resolve(3), Ok(vec![1, 2]));
/// assert!(Axes::from(3).resolve(3).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Axes(pub Vec<isize>);

impl Axes {
    /// The axes as indices into a shape of `rank` axes (batch included), in the order given.
    ///
    /// # Errors
    ///
    /// A message naming the axis that is outside the rank or given twice.
    pub fn resolve(&self, rank: usize) -> std::result::Result<Vec<usize>, String> {
        let signed_rank = isize::try_from(rank).unwrap_or(isize::MAX);
        let mut resolved = Vec::with_capacity(self.0.len());
        for &axis in &self.0 {
            let index = if axis < 0 { axis + signed_rank } else { axis };
            if index < 0 || index >= signed_rank {
                return Err(format!(
                    "axis {axis} is outside an input of rank {rank} (the batch axis is 0)"
                ));
            }
            let index = index as usize;
            if resolved.contains(&index) {
                return Err(format!("axis {axis} is given twice"));
            }
            resolved.push(index);
        }
        Ok(resolved)
    }
}

impl From<isize> for Axes {
    fn from(axis: isize) -> Self {
        Axes(vec![axis])
    }
}

impl From<Vec<isize>> for Axes {
    fn from(axes: Vec<isize>) -> Self {
        Axes(axes)
    }
}

impl<const N: usize> From<[isize; N]> for Axes {
    fn from(axes: [isize; N]) -> Self {
        Axes(axes.to_vec())
    }
}

impl ConfigValue for Axes {
    fn to_config(&self) -> serde_json::Value {
        match self.0.as_slice() {
            [axis] => (*axis).into(),
            axes => axes.to_vec().into(),
        }
    }

    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        if let Ok(axis) = isize::from_config(value) {
            return Ok(axis.into());
        }
        Vec::<isize>::from_config(value)
            .map(Axes)
            .map_err(|_| expected("an axis or a list of axes", value))
    }
}

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
