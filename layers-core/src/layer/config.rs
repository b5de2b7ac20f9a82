//! The pieces `#[derive(Layer)]` generates code against: config values as JSON, and the
//! per-sample input shape that weight shapes are written over (`input[-1]`).
//!
//! ```
//! use layers_core::layer::config::{ConfigValue, InputShape};
//! assert_eq!(64usize.to_config(), serde_json::json!(64));
//! let input = InputShape::new(&[8, 32]);
//! assert_eq!(input.axis(-1, "kernel")?, 32);
//! assert_eq!(input.axis(0, "kernel")?, 8);
//! assert!(input.axis(2, "kernel").is_err());
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::activation::Activation;
use crate::error::{Error, Result, batch_shape};
use crate::init::Initializer;

/// A config field's value as JSON (Keras's `get_config` entries).
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(true.to_config(), serde_json::json!(true));
/// assert_eq!(vec![2usize, 3].to_config(), serde_json::json!([2, 3]));
/// assert_eq!(None::<f32>.to_config(), serde_json::Value::Null);
/// ```
#[diagnostic::on_unimplemented(
    message = "config field of type `{Self}` cannot be written to a layer config",
    label = "plain fields of a `#[derive(Layer)]` struct are config",
    note = "implement `layers::layer::config::ConfigValue` for `{Self}`, or mark the field `#[skip]` if it is not a hyperparameter"
)]
pub trait ConfigValue {
    /// The value as JSON.
    fn to_config(&self) -> serde_json::Value;
}

macro_rules! number_config {
    ($($t:ty),*) => {$(
        impl ConfigValue for $t {
            fn to_config(&self) -> serde_json::Value {
                serde_json::json!(*self)
            }
        }
    )*};
}

number_config!(
    usize, u8, u16, u32, u64, isize, i8, i16, i32, i64, f32, f64, bool
);

impl ConfigValue for String {
    fn to_config(&self) -> serde_json::Value {
        self.clone().into()
    }
}

impl ConfigValue for &'static str {
    fn to_config(&self) -> serde_json::Value {
        (*self).into()
    }
}

impl ConfigValue for Activation {
    fn to_config(&self) -> serde_json::Value {
        Activation::to_config(self)
    }
}

impl ConfigValue for Initializer {
    fn to_config(&self) -> serde_json::Value {
        self.name().into()
    }
}

impl<T: ConfigValue> ConfigValue for Vec<T> {
    fn to_config(&self) -> serde_json::Value {
        self.iter().map(ConfigValue::to_config).collect()
    }
}

impl<T: ConfigValue> ConfigValue for Option<T> {
    fn to_config(&self) -> serde_json::Value {
        self.as_ref()
            .map_or(serde_json::Value::Null, ConfigValue::to_config)
    }
}

impl<T: ConfigValue, const N: usize> ConfigValue for [T; N] {
    fn to_config(&self) -> serde_json::Value {
        self.iter().map(ConfigValue::to_config).collect()
    }
}

/// The per-sample shape of a layer's input (the batch axis left out), as weight shape
/// expressions see it: `input[-1]` is the last axis, as in Keras's `input_shape[-1]`.
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::InputShape;
/// let input = InputShape::new(&[28, 28, 3]);
/// assert_eq!(input.rank(), 3);
/// assert_eq!(input.axis(-3, "kernel")?, 28);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct InputShape<'a> {
    dims: &'a [usize],
}

impl<'a> InputShape<'a> {
    /// Wraps a per-sample shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::config::InputShape;
    /// assert_eq!(InputShape::new(&[4]).dims(), &[4]);
    /// ```
    pub fn new(dims: &'a [usize]) -> InputShape<'a> {
        InputShape { dims }
    }

    /// The per-sample shape of a batch `(batch, …)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, layer::config::InputShape};
    /// let x = Tensor::zeros(&[16, 32]);
    /// assert_eq!(InputShape::of(&x).dims(), &[32]);
    /// ```
    pub fn of(x: &'a crate::Tensor) -> InputShape<'a> {
        InputShape {
            dims: x.shape().get(1..).unwrap_or(&[]),
        }
    }

    /// The dimensions.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::config::InputShape;
    /// assert_eq!(InputShape::new(&[2, 3]).dims(), &[2, 3]);
    /// ```
    pub fn dims(&self) -> &'a [usize] {
        self.dims
    }

    /// The number of per-sample axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::config::InputShape;
    /// assert_eq!(InputShape::new(&[2, 3]).rank(), 2);
    /// ```
    pub fn rank(&self) -> usize {
        self.dims.len()
    }

    /// The size of axis `axis` (negative counts from the end), for the shape of `weight`.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] naming the weight when the input has no such axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::config::InputShape;
    /// let err = InputShape::new(&[]).axis(-1, "kernel").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "weight `kernel` needs input axis -1, but the input shape (None,) has no such axis"
    /// );
    /// ```
    pub fn axis(&self, axis: isize, weight: &str) -> Result<usize> {
        let rank = self.dims.len() as isize;
        let index = if axis < 0 { axis + rank } else { axis };
        if index < 0 || index >= rank {
            return Err(Error::InputRank {
                weight: weight.to_string(),
                axis,
                input: batch_shape(self.dims),
            });
        }
        Ok(self.dims[index as usize])
    }
}

/// A size in a weight shape expression: `usize` or a reference to one, or another integer
/// (which must not be negative).
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::ToDim;
/// assert_eq!(3usize.to_dim(), 3);
/// assert_eq!((&4usize).to_dim(), 4);
/// assert_eq!(5i32.to_dim(), 5);
/// ```
pub trait ToDim {
    /// The size as `usize`.
    ///
    /// # Panics
    ///
    /// For a negative integer.
    fn to_dim(&self) -> usize;
}

macro_rules! int_dim {
    ($($t:ty),*) => {$(
        impl ToDim for $t {
            fn to_dim(&self) -> usize {
                usize::try_from(*self).unwrap_or_else(|_| panic!("a weight dimension must not be negative, found {}", self))
            }
        }
    )*};
}

int_dim!(usize, u8, u16, u32, u64, isize, i8, i16, i32, i64);

impl<T: ToDim + ?Sized> ToDim for &T {
    fn to_dim(&self) -> usize {
        (**self).to_dim()
    }
}
