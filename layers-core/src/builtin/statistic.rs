//! The config values of [`Normalization`](super::Normalization): [`Axes`], Keras's `axis`
//! (an axis, several, or none), and [`Statistic`], a `mean` or `variance` given by value.

use crate::layer::config::ConfigValue;
use crate::tensor::Tensor;

/// Keras's `axis` of `Normalization`: the input axes (batch axis 0, negative from the end)
/// that keep a mean and variance of their own; `Axes::none()` (Keras's `axis=None`) keeps
/// none, one scalar mean and variance for everything. From an `isize`, an array or a
/// `Vec`; in a config a list, as Keras writes it (`[-1]`, `[]` for none), and read from a
/// list, an integer or `null`.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Axes;
/// assert_eq!(Axes::from(-1).as_slice(), &[-1]);
/// assert_eq!(Axes::from([1, 2]).as_slice(), &[1, 2]);
/// assert!(Axes::none().as_slice().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Axes(Vec<isize>);

impl Axes {
    /// No axis: Keras's `axis=None`, one mean and variance over every value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Axes;
    /// assert_eq!(Axes::none(), Axes::from(Vec::new()));
    /// ```
    pub fn none() -> Axes {
        Axes(Vec::new())
    }

    /// The axes, as given.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Axes;
    /// assert_eq!(Axes::from(vec![2, -1]).as_slice(), &[2, -1]);
    /// ```
    pub fn as_slice(&self) -> &[isize] {
        &self.0
    }
}

impl From<isize> for Axes {
    fn from(axis: isize) -> Axes {
        Axes(vec![axis])
    }
}

impl From<Vec<isize>> for Axes {
    fn from(axes: Vec<isize>) -> Axes {
        Axes(axes)
    }
}

impl<const N: usize> From<[isize; N]> for Axes {
    fn from(axes: [isize; N]) -> Axes {
        Axes(axes.to_vec())
    }
}

impl ConfigValue for Axes {
    fn to_config(&self) -> serde_json::Value {
        self.0.to_config()
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        match value {
            serde_json::Value::Null => Ok(Axes::none()),
            serde_json::Value::Array(_) => Vec::<isize>::from_config(value).map(Axes),
            _ => isize::from_config(value)
                .map(Axes::from)
                .map_err(|_| format!("expected a list of axes, an axis or null, found {value}")),
        }
    }
}

/// A `mean` or `variance` given to [`Normalization`](super::Normalization) by value: a
/// number, or an array broadcast to the kept axes as Keras broadcasts it (aligned from the
/// right); or none (the default: the layer is adapted). From an `f32`, a `Vec<f32>`, an
/// array or a [`Tensor`]; in a config a number or nested lists, as Keras writes it, and
/// `null` for none.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Statistic;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Statistic::from(2.0).to_config(), serde_json::json!(2.0));
/// assert_eq!(Statistic::from([1.0, 2.0]).shape(), Some(&[2][..]));
/// assert!(Statistic::default().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Statistic(Option<(Vec<usize>, Vec<f32>)>);

impl Statistic {
    /// Whether no value was given.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Statistic;
    /// assert!(!Statistic::from(1.0).is_none());
    /// ```
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// The shape of the value given (`[]` for a number).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Statistic;
    /// assert_eq!(Statistic::from(1.0).shape(), Some(&[][..]));
    /// ```
    pub fn shape(&self) -> Option<&[usize]> {
        self.0.as_ref().map(|(shape, _)| shape.as_slice())
    }

    /// The values given, in row-major order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Statistic;
    /// assert_eq!(Statistic::from(vec![1.0, 2.0]).values(), Some(&[1.0, 2.0][..]));
    /// ```
    pub fn values(&self) -> Option<&[f32]> {
        self.0.as_ref().map(|(_, values)| values.as_slice())
    }

    /// The value as a tensor of its shape.
    pub(crate) fn to_tensor(&self) -> Option<Tensor> {
        self.0
            .as_ref()
            .map(|(shape, values)| Tensor::from_vec(values.clone(), shape))
    }
}

impl From<f32> for Statistic {
    fn from(value: f32) -> Statistic {
        Statistic(Some((Vec::new(), vec![value])))
    }
}

impl From<Vec<f32>> for Statistic {
    fn from(values: Vec<f32>) -> Statistic {
        Statistic(Some((vec![values.len()], values)))
    }
}

impl<const N: usize> From<[f32; N]> for Statistic {
    fn from(values: [f32; N]) -> Statistic {
        Statistic::from(values.to_vec())
    }
}

impl From<&Tensor> for Statistic {
    fn from(value: &Tensor) -> Statistic {
        Statistic(Some((value.shape().to_vec(), value.to_vec())))
    }
}

impl From<Tensor> for Statistic {
    fn from(value: Tensor) -> Statistic {
        Statistic::from(&value)
    }
}

/// `values` (row-major, of `shape`) as nested JSON lists.
fn nested(shape: &[usize], values: &[f32]) -> serde_json::Value {
    match shape.split_first() {
        None => values[0].to_config(),
        Some((&n, rest)) => {
            let step = rest.iter().product::<usize>();
            serde_json::Value::Array(
                (0..n)
                    .map(|i| nested(rest, &values[i * step..(i + 1) * step]))
                    .collect(),
            )
        }
    }
}

/// Reads nested JSON lists of numbers into `values`, returning their shape; the error
/// names a ragged or non-numeric entry.
fn read_nested(value: &serde_json::Value, values: &mut Vec<f32>) -> Result<Vec<usize>, String> {
    match value {
        serde_json::Value::Array(items) => {
            let mut inner: Option<Vec<usize>> = None;
            for item in items {
                let shape = read_nested(item, values)?;
                match &inner {
                    Some(first) if *first != shape => {
                        return Err(format!(
                            "expected nested lists of one shape, found a ragged list {value}"
                        ));
                    }
                    _ => inner = Some(shape),
                }
            }
            let mut shape = vec![items.len()];
            shape.extend(inner.unwrap_or_default());
            Ok(shape)
        }
        _ => {
            values.push(f32::from_config(value)?);
            Ok(Vec::new())
        }
    }
}

impl ConfigValue for Statistic {
    fn to_config(&self) -> serde_json::Value {
        match &self.0 {
            None => serde_json::Value::Null,
            Some((shape, values)) => nested(shape, values),
        }
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        if value.is_null() {
            return Ok(Statistic::default());
        }
        let mut values = Vec::new();
        let shape = read_nested(value, &mut values)?;
        if values.len() != shape.iter().product::<usize>() {
            return Err(format!("expected nested lists of numbers, found {value}"));
        }
        Ok(Statistic(Some((shape, values))))
    }
}
