//! [`Statistic`], a `mean` or `variance` given to [`Normalization`](super::Normalization)
//! by value.

use crate::layer::config::ConfigValue;
use crate::tensor::Tensor;

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
