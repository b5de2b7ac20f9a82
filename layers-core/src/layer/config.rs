//! A layer's config: its fields as JSON ([`ConfigValue`], what `#[derive(Layer)]` writes a
//! layer's `config()` with) and the checks that layers run on their config when they are
//! built.
//!
//! ```
//! use layers_core::layer::config::{ConfigValue, check_size};
//! assert_eq!(64usize.to_config(), serde_json::json!(64));
//! assert_eq!(0.95f32.to_config().to_string(), "0.95");
//! assert!(check_size("units", 0).is_err());
//! ```

use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::init::Initializer;
pub(crate) use crate::json::expected;
use crate::json::f32_from_json;
pub use crate::json::f32_to_json;
use crate::regularizers::Regularizer;

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
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::config::ConfigValue;
    /// assert_eq!((0.5f32, true).0.to_config(), serde_json::json!(0.5));
    /// assert_eq!(Some("same".to_string()).to_config(), serde_json::json!("same"));
    /// ```
    fn to_config(&self) -> serde_json::Value;

    /// The value read back from what [`to_config`](ConfigValue::to_config) wrote, for
    /// loading a layer from its config: the inverse of `to_config`. The error says what was
    /// expected and what was found; the loader adds the layer and the field.
    ///
    /// The default refuses, naming the type: a type of your own that is a config field of a
    /// layer you want to load implements it.
    ///
    /// # Errors
    ///
    /// When `value` is not what `to_config` writes for this type.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::config::ConfigValue;
    /// assert_eq!(usize::from_config(&serde_json::json!(64)), Ok(64));
    /// assert_eq!(
    ///     usize::from_config(&serde_json::json!(-1)).unwrap_err(),
    ///     "expected an integer from 0 to 18446744073709551615, found -1"
    /// );
    /// assert_eq!(Vec::<f32>::from_config(&serde_json::json!([0.5, 2])), Ok(vec![0.5, 2.0]));
    /// ```
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String>
    where
        Self: Sized,
    {
        let _ = value;
        Err(format!(
            "a `{}` cannot be read from a config: implement `ConfigValue::from_config` for it",
            std::any::type_name::<Self>()
        ))
    }
}

macro_rules! integer_config {
    ($($t:ty),*) => {$(
        impl ConfigValue for $t {
            fn to_config(&self) -> serde_json::Value {
                serde_json::json!(*self)
            }
            fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
                let int = value.as_u64().map(i128::from).or_else(|| value.as_i64().map(i128::from));
                int.and_then(|i| <$t>::try_from(i).ok()).ok_or_else(|| {
                    expected(&format!("an integer from {} to {}", <$t>::MIN, <$t>::MAX), value)
                })
            }
        }
    )*};
}

integer_config!(usize, u8, u16, u32, u64, isize, i8, i16, i32, i64);

impl ConfigValue for bool {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!(*self)
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        value
            .as_bool()
            .ok_or_else(|| expected("true or false", value))
    }
}

impl ConfigValue for f64 {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!(*self)
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        value.as_f64().ok_or_else(|| expected("a number", value))
    }
}

impl ConfigValue for f32 {
    /// The shortest decimal that reads back as the same `f32`: see [`f32_to_json`].
    fn to_config(&self) -> serde_json::Value {
        f32_to_json(*self)
    }
    /// A number within `f32`'s range (a larger one would silently become infinite).
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        f32_from_json(value)
    }
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
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| expected("a string", value))
    }
}

impl ConfigValue for &'static str {
    fn to_config(&self) -> serde_json::Value {
        (*self).into()
    }
}

/// An initializer is its Keras name when it has its default parameters (`"he_normal"`),
/// and `{"class_name": …, "config": {…}}` with its parameters otherwise.
impl ConfigValue for Initializer {
    fn to_config(&self) -> serde_json::Value {
        Initializer::to_config(self)
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        Initializer::from_config(value).map_err(|e| e.to_string())
    }
}

/// A regularizer is Keras's `{"module": "keras.regularizers", "class_name": …, "config":
/// {…}}`; a name (`"l2"`) reads too.
impl ConfigValue for Regularizer {
    fn to_config(&self) -> serde_json::Value {
        Regularizer::to_config(self)
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        Regularizer::from_config(value).map_err(|e| e.to_string())
    }
}

/// A constraint is Keras's `{"module": "keras.constraints", "class_name": …, "config":
/// {…}}`; a name (`"non_neg"`) reads too.
impl ConfigValue for Constraint {
    fn to_config(&self) -> serde_json::Value {
        Constraint::to_config(self)
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        Constraint::from_config(value).map_err(|e| e.to_string())
    }
}

/// The elements of a JSON array, or the error for a value that is not one.
fn elements(value: &serde_json::Value) -> std::result::Result<&[serde_json::Value], String> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| expected("a list", value))
}

/// Reads every element, the error naming the first bad one's index.
fn read_elements<T: ConfigValue>(
    values: &[serde_json::Value],
) -> std::result::Result<Vec<T>, String> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| T::from_config(v).map_err(|e| format!("element {i}: {e}")))
        .collect()
}

impl<T: ConfigValue> ConfigValue for Vec<T> {
    fn to_config(&self) -> serde_json::Value {
        self.iter().map(ConfigValue::to_config).collect()
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        read_elements(elements(value)?)
    }
}

impl<T: ConfigValue> ConfigValue for Option<T> {
    fn to_config(&self) -> serde_json::Value {
        self.as_ref()
            .map_or(serde_json::Value::Null, ConfigValue::to_config)
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        match value {
            serde_json::Value::Null => Ok(None),
            v => T::from_config(v).map(Some),
        }
    }
}

impl<T: ConfigValue, const N: usize> ConfigValue for [T; N] {
    fn to_config(&self) -> serde_json::Value {
        self.iter().map(ConfigValue::to_config).collect()
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        let values = elements(value)?;
        if values.len() != N {
            return Err(expected(&format!("a list of {N}"), value));
        }
        let read: Vec<T> = read_elements(values)?;
        read.try_into()
            .map_err(|_| unreachable!("the length was checked"))
    }
}
