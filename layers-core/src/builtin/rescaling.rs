//! Keras's `Rescaling(scale, offset)` preprocessing layer, by numbers or by arrays
//! ([`Coefficient`]) broadcast against the input.
//!
//! ```
//! use layers_core::builtin::Rescaling;
//! use layers_core::prelude::*;
//! let per_channel = Rescaling::new([1.0, 0.5]).offset(-1.0);
//! let y = per_channel.try_apply(&Tensor::from_vec(vec![2.0, 2.0], &[1, 2]))?;
//! assert_eq!(y.to_vec(), vec![1.0, 0.0]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Value, json};

use crate::Layer;
use crate::builtin::statistic::Statistic;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::ConfigValue;
use crate::tensor::Tensor;

/// A `scale` or `offset` of [`Rescaling`]: a number, or an array broadcast against the
/// input as Keras (NumPy) broadcasts it, from the last axis: `[3]` values for the 3
/// channels of `(batch, height, width, 3)` images, `[3, 1]` for the rows of
/// `(batch, 3, width)`. From an `f32`, a `Vec<f32>`, an array or a [`Tensor`]. In a config
/// a number is a number and an array is Keras's `{"class_name": "__numpy__", "config":
/// {"value": nested lists, "dtype": "float32"}}`; nested lists (a Python list given to
/// Keras) are read too.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Coefficient;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Coefficient::from(0.5).to_config(), serde_json::json!(0.5));
/// let per_channel = Coefficient::from([1.0, 2.0]);
/// assert_eq!(per_channel.shape(), &[2]);
/// assert_eq!(
///     per_channel.to_config()["config"]["value"],
///     serde_json::json!([1.0, 2.0])
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Coefficient {
    shape: Vec<usize>,
    values: Vec<f32>,
}

impl Coefficient {
    /// The shape of the value (`[]` for a number).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Coefficient;
    /// assert!(Coefficient::from(2.0).shape().is_empty());
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The values, in row-major order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Coefficient;
    /// assert_eq!(Coefficient::from(vec![1.0, 2.0]).values(), &[1.0, 2.0]);
    /// ```
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// The number, when the value is one (of shape `[]`).
    fn number(&self) -> Option<f32> {
        self.shape.is_empty().then(|| self.values[0])
    }

    /// Refuses a value that is NaN or infinite, naming `field` and its position.
    fn check_finite(&self, field: &str) -> Result<()> {
        match self.values.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => Err(Error::InvalidConfig {
                field: field.into(),
                message: match self.number() {
                    Some(v) => format!("must be finite, got {v:?}"),
                    None => format!(
                        "must be finite, got {:?} at flat position {i} of its shape {}",
                        self.values[i],
                        tuple(&self.shape)
                    ),
                },
            }),
        }
    }

    /// Refuses a value that does not broadcast to `input` from the last axis (more axes
    /// than the input, or an axis neither 1 nor the input's), naming `field`.
    fn check_broadcast(&self, field: &str, input: &[usize]) -> Result<()> {
        let fits = self.shape.len() <= input.len()
            && self
                .shape
                .iter()
                .rev()
                .zip(input.iter().rev())
                .all(|(&c, &i)| c == 1 || c == i);
        if fits {
            return Ok(());
        }
        let mut expected: Vec<String> = input.iter().map(ToString::to_string).collect();
        if let Some(batch) = expected.first_mut() {
            *batch = "None".into();
        }
        Err(Error::InvalidConfig {
            field: field.into(),
            message: format!(
                "has shape {}, which does not broadcast to the input ({}): from the last \
                 axis, each of its axes must be 1 or the input's, and it may not have more \
                 axes than the input",
                tuple(&self.shape),
                expected.join(", ")
            ),
        })
    }

    fn to_tensor(&self) -> Tensor {
        Tensor::from_vec(self.values.clone(), &self.shape)
    }
}

/// `shape` as Python writes a tuple: `(3,)`, `(2, 3)`, `()`.
fn tuple(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(ToString::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

impl From<f32> for Coefficient {
    fn from(value: f32) -> Coefficient {
        Coefficient {
            shape: Vec::new(),
            values: vec![value],
        }
    }
}

impl From<Vec<f32>> for Coefficient {
    fn from(values: Vec<f32>) -> Coefficient {
        Coefficient {
            shape: vec![values.len()],
            values,
        }
    }
}

impl<const N: usize> From<[f32; N]> for Coefficient {
    fn from(values: [f32; N]) -> Coefficient {
        Coefficient::from(values.to_vec())
    }
}

impl From<&Tensor> for Coefficient {
    fn from(value: &Tensor) -> Coefficient {
        Coefficient {
            shape: value.shape().to_vec(),
            values: value.to_vec(),
        }
    }
}

impl From<Tensor> for Coefficient {
    fn from(value: Tensor) -> Coefficient {
        Coefficient::from(&value)
    }
}

impl ConfigValue for Coefficient {
    fn to_config(&self) -> Value {
        match self.number() {
            Some(v) => v.to_config(),
            None => json!({
                "class_name": "__numpy__",
                "config": {
                    "value": Statistic::from(&self.to_tensor()).to_config(),
                    "dtype": "float32",
                },
            }),
        }
    }

    fn from_config(value: &Value) -> std::result::Result<Self, String> {
        let array = match value.get("class_name") {
            Some(name) if name == "__numpy__" => value
                .get("config")
                .and_then(|c| c.get("value"))
                .ok_or_else(|| {
                format!("expected `config.value` in a `__numpy__` array, found {value}")
            })?,
            Some(name) => {
                return Err(format!(
                    "expected a number, nested lists or a `__numpy__` array, found class {name}"
                ));
            }
            None => value,
        };
        if array.is_null() {
            return Err("expected a number or an array, found null".into());
        }
        let read = Statistic::from_config(array)?;
        match (read.shape(), read.values()) {
            (Some(shape), Some(values)) => Ok(Coefficient {
                shape: shape.to_vec(),
                values: values.to_vec(),
            }),
            _ => Err(format!("expected a number or an array, found {value}")),
        }
    }
}

/// Keras 3's `Rescaling(scale, offset)` layer: `x · scale + offset` (offset 0 by default),
/// in training and inference alike. `scale` and `offset` are numbers or arrays
/// ([`Coefficient`]) broadcast against the input from its last axis, as in Keras: one
/// value per channel, `[3]`, for `(batch, height, width, 3)` images. The mask, if any, is
/// passed on.
///
/// # Errors
///
/// Building refuses a `scale` or `offset` with a NaN or infinite value, and (when built
/// for or called on an input) one that does not broadcast to the input (more axes, or an
/// axis neither 1 nor the input's; Keras refuses it when called), each naming the layer,
/// the setting, its shape and the input's.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Rescaling;
/// use layers_core::prelude::*;
/// // [0, 255] to [-1, 1]
/// let layer = Rescaling::new(1.0 / 127.5).offset(-1.0);
/// let y = layer.try_apply(&Tensor::from_vec(vec![0.0, 255.0], &[1, 2]))?;
/// assert_eq!(y.to_vec(), vec![-1.0, 1.0]);
/// assert!(Rescaling::new(f32::INFINITY).build([2]).is_err());
///
/// // One scale per channel of (batch, 2, 3) inputs.
/// let mut model = Sequential::new().add(Rescaling::new([1.0, 10.0, 100.0]));
/// model.build([2, 3])?;
/// let err = Sequential::new().add(Rescaling::new([1.0, 2.0])).build([2, 3]).unwrap_err();
/// assert!(err.to_string().contains("`scale` has shape (2,)"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct Rescaling {
    /// The factor every value is multiplied by: a number, or an array broadcast against
    /// the input.
    pub scale: Coefficient,
    /// Added after scaling; 0 by default. A number, or an array broadcast against the input.
    #[config(default = Coefficient::from(0.0))]
    pub offset: Coefficient,
}

impl Rescaling {
    fn validate_config(&self) -> Result<()> {
        self.scale.check_finite("scale")?;
        self.offset.check_finite("offset")
    }
}

impl TryCall for Rescaling {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        self.scale.check_broadcast("scale", x.shape())?;
        self.offset.check_broadcast("offset", x.shape())?;
        let scaled = match self.scale.number() {
            Some(s) => x * s,
            None => x.try_mul(self.scale.to_tensor())?,
        };
        match self.offset.number() {
            Some(o) => Ok(scaled + o),
            None => scaled.try_add(self.offset.to_tensor()),
        }
    }
}
