//! The pieces `#[derive(Layer)]` generates code against: config values as JSON, the checks
//! that layers run on their config when they are built, and the per-sample input shape that
//! weight shapes are written over (`input[-1]`).
//!
//! ```
//! use layers_core::layer::config::{ConfigValue, InputShape};
//! assert_eq!(64usize.to_config(), serde_json::json!(64));
//! assert_eq!(0.95f32.to_config().to_string(), "0.95");
//! let input = InputShape::new(&[8, 32]);
//! assert_eq!(input.axis(-1, "kernel")?, 32);
//! assert_eq!(input.axis(0, "kernel")?, 8);
//! assert!(input.axis(2, "kernel").is_err());
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::error::{Error, Result};
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
    usize, u8, u16, u32, u64, isize, i8, i16, i32, i64, f64, bool
);

impl ConfigValue for f32 {
    /// The shortest decimal that reads back as the same `f32`: see [`f32_to_json`].
    fn to_config(&self) -> serde_json::Value {
        f32_to_json(*self)
    }
}

/// An `f32` config value as JSON, written as the shortest decimal that reads back as the
/// same `f32` (`0.95`, not the `0.949999988079071` of its exact `f64` value); `null` for
/// NaN and infinities, which JSON cannot write. Every `f32` in a config (fields, activation
/// hyperparameters) goes through here.
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::f32_to_json;
/// assert_eq!(f32_to_json(0.95).to_string(), "0.95");
/// assert_eq!(f32_to_json(1e-3).to_string(), "0.001");
/// assert_eq!(f32_to_json(0.95).as_f64().map(|v| v as f32), Some(0.95));
/// assert!(f32_to_json(f32::NAN).is_null());
/// ```
pub fn f32_to_json(value: f32) -> serde_json::Value {
    // Rust prints an f32 as the shortest text that parses back to it; that text, read as
    // an f64, is the nearest f64 to the decimal, which serde_json prints the same way.
    format!("{value}")
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// An [`Error::InvalidConfig`] unless `value`, the size in config field `field`
/// (`units`, `input_dim`), is at least 1.
///
/// # Errors
///
/// For a size of 0, naming the field.
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::check_size;
/// assert!(check_size("units", 64).is_ok());
/// let err = check_size("units", 0).unwrap_err();
/// assert_eq!(err.to_string(), "`units` must be a positive integer, got 0");
/// ```
pub fn check_size(field: &str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(invalid(field, "must be a positive integer, got 0".into()));
    }
    Ok(())
}

/// An [`Error::InvalidConfig`] unless `value` lies in `[0, 1]`, or `[0, 1)` when
/// `one_allowed` is false (a dropout rate of 1 would drop everything).
///
/// # Errors
///
/// For a value outside the interval or NaN, naming the field and the value.
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::check_fraction;
/// assert!(check_fraction("momentum", 1.0, true).is_ok());
/// let err = check_fraction("rate", 1.0, false).unwrap_err();
/// assert_eq!(err.to_string(), "`rate` must be in [0, 1), got 1");
/// assert!(check_fraction("rate", f32::NAN, false).is_err());
/// ```
pub fn check_fraction(field: &str, value: f32, one_allowed: bool) -> Result<()> {
    let ok = value >= 0.0 && (value < 1.0 || (one_allowed && value == 1.0));
    if !ok {
        let close = if one_allowed { ']' } else { ')' };
        return Err(invalid(
            field,
            format!("must be in [0, 1{close}, got {value}"),
        ));
    }
    Ok(())
}

/// An [`Error::InvalidConfig`] unless `value` is positive and finite (an epsilon).
///
/// # Errors
///
/// For 0, a negative value, NaN or an infinity, naming the field and the value.
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::check_positive;
/// assert!(check_positive("epsilon", 1e-3).is_ok());
/// let err = check_positive("epsilon", 0.0).unwrap_err();
/// assert_eq!(err.to_string(), "`epsilon` must be positive and finite, got 0");
/// ```
pub fn check_positive(field: &str, value: f32) -> Result<()> {
    if !(value > 0.0 && value.is_finite()) {
        return Err(invalid(
            field,
            format!("must be positive and finite, got {value}"),
        ));
    }
    Ok(())
}

/// An [`Error::InvalidConfig`] unless the initializer in config field `field` has usable
/// parameters ([`Initializer::validate`]); a layer checks all its initializers before
/// building any weight, so that a bad one leaves nothing half-built.
///
/// # Errors
///
/// Naming the field, the initializer and the parameter.
///
/// # Examples
///
/// ```
/// use layers_core::Initializer;
/// use layers_core::layer::config::check_initializer;
/// assert!(check_initializer("kernel_initializer", &Initializer::he_normal()).is_ok());
/// let err = check_initializer("bias_initializer", &Initializer::constant(f32::NAN)).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "`bias_initializer` is an unusable `constant` initializer: `value` must be finite, got NaN"
/// );
/// ```
pub fn check_initializer(field: &str, initializer: &Initializer) -> Result<()> {
    match initializer.invalid_params() {
        None => Ok(()),
        Some(reason) => Err(invalid(
            field,
            format!(
                "is an unusable `{}` initializer: {reason}",
                initializer.name()
            ),
        )),
    }
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidConfig {
        field: field.to_string(),
        message,
    }
}

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
                input: self.dims.into(),
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
