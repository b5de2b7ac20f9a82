//! Keras's weight constraints: projections applied to a weight after each optimizer update,
//! as Keras 3's `kernel_constraint=MaxNorm(3)` does.
//!
//! ```
//! use layers_core::constraints::Constraint;
//! use layers_core::Tensor;
//!
//! // Each column (axis 0 is summed over) scaled down to a norm of at most 1.
//! let w = Tensor::from_vec(vec![3.0, 0.5, 4.0, 0.0], &[2, 2]);
//! let projected = Constraint::max_norm(1.0).apply(&w)?;
//! let v = projected.to_vec();
//! assert!((v[0] - 0.6).abs() < 1e-6 && (v[2] - 0.8).abs() < 1e-6); // (3, 4) / 5
//! assert_eq!(v[1], 0.5 * (0.5 / (1e-7 + 0.5)));                     // norm 0.5 ≤ 1: kept (up to ε)
//! # Ok::<(), layers_core::Error>(())
//! ```

use ndarray::{ArrayD, ArrayViewMutD, Axis};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::json::{expected, f32_from_json, f32_to_json, keras_object};
use crate::tensor::Tensor;

/// Keras's `backend.epsilon()`, which the norm constraints add to the norm they divide by.
const EPSILON: f32 = 1e-7;

/// A projection of a weight's values, one of Keras 3's `keras.constraints`, applied after
/// each optimizer update of the weight.
///
/// The norm constraints compute `norms = sqrt(Σ w²)` over `axis` (kept as size-1 axes), in
/// `f32` as Keras does:
/// - `MaxNorm`: `w · (clip(norms, 0, max_value) / (ε + norms))`;
/// - `MinMaxNorm`: `w · ((rate · clip(norms, min_value, max_value) + (1 − rate) · norms) /
///   (ε + norms))`;
/// - `UnitNorm`: `w / (ε + norms)`;
///
/// and `NonNeg` is `max(w, 0)`; `ε` is `1e-7`. `axis` is 0 by default, as in Keras (for a
/// `Dense` kernel `(inputs, units)`: the norm of each unit's incoming weights); a negative
/// axis counts from the end.
///
/// A layer refuses, when it is built, a constraint whose axis is out of range for the
/// weight or given twice, and a value that is negative, NaN or infinite (`min_value >
/// max_value` too, and a `rate` outside `[0, 1]`): the error names the layer and the
/// setting.
///
/// # Examples
///
/// ```
/// use layers_core::constraints::Constraint;
/// use layers_core::Tensor;
/// let w = Tensor::from_vec(vec![-1.0, 2.0], &[2]);
/// assert_eq!(Constraint::non_neg().apply(&w)?.to_vec(), vec![0.0, 2.0]);
/// assert_eq!(Constraint::max_norm(3.0).to_config()["class_name"], "MaxNorm");
/// assert!(Constraint::max_norm(2.0).with_axis([2]).check(&[3, 4]).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Constraint {
    /// Keras's `MaxNorm(max_value=2, axis=0)`.
    MaxNorm {
        /// The largest norm kept.
        max_value: f32,
        /// The axes the norm is taken over.
        axis: Vec<isize>,
    },
    /// Keras's `MinMaxNorm(min_value=0, max_value=1, rate=1, axis=0)`.
    MinMaxNorm {
        /// The smallest norm.
        min_value: f32,
        /// The largest norm.
        max_value: f32,
        /// How far to move the norm into `[min_value, max_value]`, in `[0, 1]`.
        rate: f32,
        /// The axes the norm is taken over.
        axis: Vec<isize>,
    },
    /// Keras's `NonNeg()`.
    NonNeg,
    /// Keras's `UnitNorm(axis=0)`.
    UnitNorm {
        /// The axes the norm is taken over.
        axis: Vec<isize>,
    },
}

impl Constraint {
    /// `MaxNorm(max_value)` over axis 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let w = layers_core::Tensor::from_vec(vec![6.0, 8.0], &[2, 1]);
    /// let v = Constraint::max_norm(5.0).apply(&w)?.to_vec(); // norm 10 → 5
    /// assert!((v[0] - 3.0).abs() < 1e-6 && (v[1] - 4.0).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn max_norm(max_value: f32) -> Constraint {
        Constraint::MaxNorm {
            max_value,
            axis: vec![0],
        }
    }

    /// `MinMaxNorm(min_value, max_value, rate)` over axis 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let w = layers_core::Tensor::from_vec(vec![0.3, 0.4], &[2, 1]);
    /// let v = Constraint::min_max_norm(1.0, 2.0, 1.0).apply(&w)?.to_vec(); // norm 0.5 → 1
    /// assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn min_max_norm(min_value: f32, max_value: f32, rate: f32) -> Constraint {
        Constraint::MinMaxNorm {
            min_value,
            max_value,
            rate,
            axis: vec![0],
        }
    }

    /// `NonNeg()`: negative values become 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let w = layers_core::Tensor::from_vec(vec![-0.5, 0.5], &[2]);
    /// assert_eq!(Constraint::non_neg().apply(&w)?.to_vec(), vec![0.0, 0.5]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn non_neg() -> Constraint {
        Constraint::NonNeg
    }

    /// `UnitNorm()` over axis 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let w = layers_core::Tensor::from_vec(vec![3.0, 4.0], &[2, 1]);
    /// let v = Constraint::unit_norm().apply(&w)?.to_vec();
    /// assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn unit_norm() -> Constraint {
        Constraint::UnitNorm { axis: vec![0] }
    }

    /// The same constraint over other axes (Keras's `axis`, an int or a list); `NonNeg`
    /// has none and stays as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// // A Conv2D kernel (kh, kw, in, filters): one norm per filter.
    /// let c = Constraint::max_norm(3.0).with_axis([0, 1, 2]);
    /// assert_eq!(c.to_config()["config"]["axis"], serde_json::json!([0, 1, 2]));
    /// assert!(c.check(&[3, 3, 8, 16]).is_ok());
    /// ```
    pub fn with_axis(mut self, axes: impl AsRef<[isize]>) -> Constraint {
        if let Some(axis) = self.axis_mut() {
            *axis = axes.as_ref().to_vec();
        }
        self
    }

    fn axis_mut(&mut self) -> Option<&mut Vec<isize>> {
        match self {
            Constraint::MaxNorm { axis, .. }
            | Constraint::MinMaxNorm { axis, .. }
            | Constraint::UnitNorm { axis } => Some(axis),
            Constraint::NonNeg => None,
        }
    }

    fn axis(&self) -> Option<&[isize]> {
        match self {
            Constraint::MaxNorm { axis, .. }
            | Constraint::MinMaxNorm { axis, .. }
            | Constraint::UnitNorm { axis } => Some(axis),
            Constraint::NonNeg => None,
        }
    }

    /// Keras's class name: `MaxNorm`, `MinMaxNorm`, `NonNeg` or `UnitNorm`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// assert_eq!(Constraint::unit_norm().class_name(), "UnitNorm");
    /// ```
    pub fn class_name(&self) -> &'static str {
        match self {
            Constraint::MaxNorm { .. } => "MaxNorm",
            Constraint::MinMaxNorm { .. } => "MinMaxNorm",
            Constraint::NonNeg => "NonNeg",
            Constraint::UnitNorm { .. } => "UnitNorm",
        }
    }

    /// The numeric settings by their Keras names, in Keras's order.
    fn values(&self) -> Vec<(&'static str, f32)> {
        match *self {
            Constraint::MaxNorm { max_value, .. } => vec![("max_value", max_value)],
            Constraint::MinMaxNorm {
                min_value,
                max_value,
                rate,
                ..
            } => vec![
                ("min_value", min_value),
                ("max_value", max_value),
                ("rate", rate),
            ],
            Constraint::NonNeg | Constraint::UnitNorm { .. } => vec![],
        }
    }

    /// What is wrong with the settings for a weight of `shape`, if anything.
    fn problem(&self, shape: Option<&[usize]>) -> Option<String> {
        for (name, v) in self.values() {
            if !(v.is_finite() && v >= 0.0) {
                return Some(format!(
                    "`{name}` must be a finite number ≥ 0, but it is {v:?}"
                ));
            }
        }
        if let Constraint::MinMaxNorm {
            min_value,
            max_value,
            rate,
            ..
        } = *self
        {
            if min_value > max_value {
                return Some(format!(
                    "`min_value` ({min_value:?}) must not be larger than `max_value` ({max_value:?})"
                ));
            }
            if rate > 1.0 {
                return Some(format!("`rate` must be in [0, 1], but it is {rate:?}"));
            }
        }
        let axis = self.axis()?;
        if axis.is_empty() {
            return Some("`axis` must name at least one axis".into());
        }
        let shape = shape?;
        let rank = shape.len() as isize;
        let mut seen = Vec::new();
        for &a in axis {
            let Some(resolved) = (if a < 0 { a.checked_add(rank) } else { Some(a) })
                .filter(|r| (0..rank).contains(r))
            else {
                return Some(format!(
                    "`axis` {a} is out of range for a weight of shape {shape:?} (rank {rank}); \
                     expected an axis in {}..{rank}",
                    -rank
                ));
            };
            if seen.contains(&resolved) {
                return Some(format!(
                    "`axis` names axis {resolved} twice, for a weight of shape {shape:?}"
                ));
            }
            seen.push(resolved);
        }
        None
    }

    /// Checks the settings for a weight of `shape`: values finite and at least 0 (and
    /// `min_value ≤ max_value`, `rate ≤ 1`), each axis in range and named once.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the constraint, the setting and the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let err = Constraint::unit_norm().with_axis([-3]).check(&[4, 2]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`UnitNorm`: `axis` -3 is out of range for a weight of shape [4, 2] (rank 2); \
    ///      expected an axis in -2..2"
    /// );
    /// ```
    pub fn check(&self, shape: &[usize]) -> Result<()> {
        match self.problem(Some(shape)) {
            None => Ok(()),
            Some(message) => Err(Error::invalid(self.class_name(), message)),
        }
    }

    /// The projected value of `w` (no gradient is recorded).
    ///
    /// # Errors
    ///
    /// As [`check`](Constraint::check) for `w`'s shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let w = layers_core::Tensor::from_vec(vec![3.0, 4.0], &[1, 2]);
    /// let rows = Constraint::unit_norm().with_axis([-1]).apply(&w)?.to_vec();
    /// assert!((rows[0] - 0.6).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn apply(&self, w: &Tensor) -> Result<Tensor> {
        self.check(w.shape())?;
        let mut values = w.data().to_owned();
        self.apply_in_place(values.view_mut());
        Ok(Tensor::from_array(values))
    }

    /// Projects `w` in place; the caller has checked the constraint for `w`'s shape.
    pub(crate) fn apply_in_place(&self, mut w: ArrayViewMutD<'_, f32>) {
        let Some(axis) = self.axis() else {
            w.mapv_inplace(|v| v.max(0.0));
            return;
        };
        let rank = w.ndim() as isize;
        let mut axes: Vec<usize> = axis
            .iter()
            .map(|&a| (if a < 0 { a + rank } else { a }) as usize)
            .collect();
        axes.sort_unstable();
        let mut norms: ArrayD<f32> = w.mapv(|v| v * v);
        for &a in axes.iter().rev() {
            norms = norms.sum_axis(Axis(a)).insert_axis(Axis(a));
        }
        norms.mapv_inplace(f32::sqrt);
        let factor = match *self {
            Constraint::MaxNorm { max_value, .. } => {
                norms.mapv(|n| n.clamp(0.0, max_value) / (EPSILON + n))
            }
            Constraint::MinMaxNorm {
                min_value,
                max_value,
                rate,
                ..
            } => norms.mapv(|n| {
                (rate * n.clamp(min_value, max_value) + (1.0 - rate) * n) / (EPSILON + n)
            }),
            _ => {
                let denominators = norms.mapv(|n| EPSILON + n);
                let b = denominators
                    .broadcast(w.raw_dim())
                    .expect("the norms keep every axis of the weight, as size 1 or its own");
                w.zip_mut_with(&b, |v, d| *v /= d);
                return;
            }
        };
        let b = factor
            .broadcast(w.raw_dim())
            .expect("the norms keep every axis of the weight, as size 1 or its own");
        w.zip_mut_with(&b, |v, f| *v *= f);
    }

    /// Keras's serialized form, as a layer's `get_config` writes it:
    /// `{"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 3.0,
    /// "axis": 0}, "registered_name": null}`; an axis list of one is written as the int.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// let c = Constraint::min_max_norm(0.5, 2.0, 0.5);
    /// assert_eq!(Constraint::from_config(&c.to_config())?, c);
    /// assert_eq!(Constraint::non_neg().to_config()["config"], serde_json::json!({}));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn to_config(&self) -> Value {
        let mut params: Map<String, Value> = self
            .values()
            .into_iter()
            .map(|(name, v)| (name.to_string(), f32_to_json(v)))
            .collect();
        if let Some(axis) = self.axis() {
            let value = match axis {
                [one] => json!(one),
                many => json!(many),
            };
            params.insert("axis".into(), value);
        }
        json!({
            "module": "keras.constraints",
            "class_name": self.class_name(),
            "config": params,
            "registered_name": null,
        })
    }

    /// Reads what [`to_config`](Constraint::to_config) (or Keras) writes, or a name as
    /// Keras's `constraints.get` takes it (`"max_norm"`, `"NonNeg"`, …: the class with its
    /// defaults).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for another class; [`Error::InvalidConfig`] naming the key for
    /// a setting that is not a number (or an axis not an int or list of ints), an unknown
    /// key, or a value out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::constraints::Constraint;
    /// use serde_json::json;
    /// let keras = json!({"module": "keras.constraints", "class_name": "MaxNorm",
    ///                    "config": {"max_value": 3, "axis": [0, 1, 2]}, "registered_name": null});
    /// assert_eq!(Constraint::from_config(&keras)?, Constraint::max_norm(3.0).with_axis([0, 1, 2]));
    /// assert_eq!(Constraint::from_config(&json!("non_neg"))?, Constraint::non_neg());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_config(value: &Value) -> Result<Constraint> {
        let (class, params) = keras_object(value, "constraint")?;
        let mut c = match class {
            "MaxNorm" | "max_norm" => Constraint::MaxNorm {
                max_value: 2.0,
                axis: vec![0],
            },
            "MinMaxNorm" | "min_max_norm" => Constraint::min_max_norm(0.0, 1.0, 1.0),
            "NonNeg" | "non_neg" => Constraint::NonNeg,
            "UnitNorm" | "unit_norm" => Constraint::unit_norm(),
            _ => {
                return Err(Error::UnknownName {
                    kind: "constraint",
                    name: class.to_string(),
                    known: ["MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"]
                        .map(String::from)
                        .to_vec(),
                });
            }
        };
        for (key, v) in params.into_iter().flatten() {
            c.set(class, key, v)?;
        }
        if let Some(problem) = c.problem(None) {
            return Err(config_error(class, problem));
        }
        Ok(c)
    }

    /// Sets the setting `key` from its config value.
    fn set(&mut self, class: &str, key: &str, v: &Value) -> Result<()> {
        if key == "axis"
            && let Some(axis) = self.axis_mut()
        {
            *axis = read_axis(v).map_err(|e| config_error(key, e))?;
            return Ok(());
        }
        let slot = match (&mut *self, key) {
            (Constraint::MaxNorm { max_value, .. }, "max_value")
            | (Constraint::MinMaxNorm { max_value, .. }, "max_value") => max_value,
            (Constraint::MinMaxNorm { min_value, .. }, "min_value") => min_value,
            (Constraint::MinMaxNorm { rate, .. }, "rate") => rate,
            _ => {
                let mut known: Vec<String> = self
                    .values()
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect();
                if self.axis().is_some() {
                    known.push("`axis`".into());
                }
                let has = if known.is_empty() {
                    "it has no settings".to_string()
                } else {
                    format!("it has {}", known.join(", "))
                };
                return Err(config_error(
                    key,
                    format!("is not a setting of `{class}`; {has}"),
                ));
            }
        };
        *slot = f32_from_json(v).map_err(|e| config_error(key, e))?;
        Ok(())
    }
}

/// Keras's `axis`: an int or a list of ints.
fn read_axis(v: &Value) -> std::result::Result<Vec<isize>, String> {
    let one = |x: &Value| {
        x.as_i64()
            .and_then(|i| isize::try_from(i).ok())
            .ok_or_else(|| expected("an axis (an integer) or a list of axes", v))
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        other => one(other).map(|a| vec![a]),
    }
}

fn config_error(field: &str, message: String) -> Error {
    Error::InvalidConfig {
        field: field.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_over_several_axes_and_negative_axes() {
        // (2, 2, 2): the norm over axes 0 and 1 of each last-axis slice.
        let w = Tensor::from_vec((1..=8).map(|i| i as f32).collect(), &[2, 2, 2]);
        let v = Constraint::unit_norm()
            .with_axis([0, 1])
            .apply(&w)
            .unwrap()
            .to_vec();
        let n0 = (1.0f32 + 9.0 + 25.0 + 49.0).sqrt();
        assert!((v[0] - 1.0 / (EPSILON + n0)).abs() < 1e-7);
        let same = Constraint::unit_norm()
            .with_axis([-3, -2])
            .apply(&w)
            .unwrap()
            .to_vec();
        assert_eq!(v, same);
        assert!(
            Constraint::unit_norm()
                .with_axis([0, -3])
                .check(&[2, 2, 2])
                .is_err()
        );
        assert!(Constraint::unit_norm().with_axis([]).check(&[2]).is_err());
    }

    #[test]
    fn configs_round_trip_and_refuse_bad_values() {
        for c in [
            Constraint::max_norm(3.0).with_axis([0, 1, 2]),
            Constraint::min_max_norm(0.5, 1.5, 0.25).with_axis([1]),
            Constraint::non_neg(),
            Constraint::unit_norm().with_axis([-1]),
        ] {
            assert_eq!(Constraint::from_config(&c.to_config()).unwrap(), c);
        }
        let bad = json!({"class_name": "MaxNorm", "config": {"max_value": -1}});
        assert_eq!(
            Constraint::from_config(&bad).unwrap_err().to_string(),
            "`MaxNorm` `max_value` must be a finite number ≥ 0, but it is -1.0"
        );
        let bad = json!({"class_name": "NonNeg", "config": {"axis": 0}});
        assert!(
            Constraint::from_config(&bad)
                .unwrap_err()
                .to_string()
                .contains("no settings")
        );
        let bad = json!({"class_name": "MinMaxNorm", "config": {"min_value": 2, "max_value": 1}});
        assert!(Constraint::from_config(&bad).is_err());
    }
}
