//! Keras's weight regularizers: penalties on a weight's values that training adds to the
//! loss it minimizes (and reports), as Keras 3's `kernel_regularizer=L2(1e-4)` does.
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::regularizers::Regularizer;
//!
//! let w = Tensor::from_vec(vec![1.0, -2.0, 0.0], &[3]);
//! assert_eq!(Regularizer::l2(0.5).penalty(&w).item(), 0.5 * (1.0 + 4.0));
//! assert_eq!(Regularizer::l1(0.5).penalty(&w).item(), 0.5 * (1.0 + 2.0));
//!
//! // On a layer: `fit` and `evaluate` add 0.01 · Σ kernel² to the loss.
//! let mut dense = Dense::new(2).kernel_regularizer(Regularizer::l2(0.01));
//! dense.build([3])?;
//! assert_eq!(dense.kernel.regularizer(), Some(&Regularizer::l2(0.01)));
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::json::{f32_from_json, f32_to_json, keras_object};
use crate::tensor::Tensor;

/// A penalty on a weight's values, one of Keras 3's `keras.regularizers`.
///
/// Each computes in `f32` in Keras's order: `L1`: `l1 · Σ|x|`; `L2`: `l2 · Σ x²`; `L1L2`:
/// `0 + l1 · Σ|x| + l2 · Σ x²`, leaving out a term whose factor is 0. The penalty's gradient
/// is Keras's with JAX: `2 · l2 · x` and `l1 · sign(x)`, where the sign at 0 is `+1`.
///
/// A factor must be finite and at least 0; a layer refuses a regularizer that breaks this
/// when it is built (naming the layer and the setting), and a config holding one does not
/// load.
///
/// # Examples
///
/// ```
/// use layers_core::regularizers::Regularizer;
/// use layers_core::Tensor;
/// let x = Tensor::ones(&[5, 5]);
/// assert_eq!(Regularizer::l2(2.0).penalty(&x).item(), 50.0); // Keras's docstring example
/// assert_eq!(Regularizer::l1_l2(0.1, 0.2).penalty(&x).item(), 0.1 * 25.0 + 0.2 * 25.0);
/// assert_eq!(Regularizer::l2(0.01).to_config()["class_name"], "L2");
/// assert!(Regularizer::l2(-1.0).check().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Regularizer {
    /// `l1 · Σ|x|` (Keras's `L1`, default factor 0.01).
    L1 {
        /// The factor.
        l1: f32,
    },
    /// `l2 · Σ x²` (Keras's `L2`, default factor 0.01).
    L2 {
        /// The factor.
        l2: f32,
    },
    /// `l1 · Σ|x| + l2 · Σ x²` (Keras's `L1L2`, default factors 0).
    L1L2 {
        /// The factor of `Σ|x|`.
        l1: f32,
        /// The factor of `Σ x²`.
        l2: f32,
    },
    /// Keras's `OrthogonalRegularizer`: how far the rows (or columns) of a 2-D weight are
    /// from orthogonal, `factor · ½ · Σ_{i≠j} |n_i · n_j| / (size·(size − 1)/2)` over the
    /// rows `n_i` scaled to unit length (`x · rsqrt(max(Σx², 1e-7))`, as Keras's
    /// `normalize`), i.e. the mean absolute cosine over pairs, times the factor.
    Orthogonal {
        /// The factor (Keras's default 0.01).
        factor: f32,
        /// Whether the rows or the columns should be orthogonal.
        mode: OrthogonalMode,
    },
}

/// Which vectors [`Regularizer::Orthogonal`] asks to be orthogonal (Keras's `mode`).
///
/// # Examples
///
/// ```
/// use layers_core::regularizers::{OrthogonalMode, Regularizer};
/// let reg = Regularizer::orthogonal(0.1, OrthogonalMode::Columns);
/// assert_eq!(reg.to_config()["config"]["mode"], "columns");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrthogonalMode {
    /// The rows (`"rows"`, the default): for a `Dense` kernel `(inputs, units)`, the
    /// weights leaving each input.
    #[default]
    Rows,
    /// The columns (`"columns"`): for a `Dense` kernel, each unit's weights.
    Columns,
}

impl OrthogonalMode {
    fn keras_name(self) -> &'static str {
        match self {
            OrthogonalMode::Rows => "rows",
            OrthogonalMode::Columns => "columns",
        }
    }
}

impl Regularizer {
    /// Keras's `L1(l1)`: `l1 · Σ|x|`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// let x = layers_core::Tensor::from_vec(vec![-3.0, 1.0], &[2]);
    /// assert_eq!(Regularizer::l1(0.5).penalty(&x).item(), 2.0);
    /// ```
    pub fn l1(l1: f32) -> Regularizer {
        Regularizer::L1 { l1 }
    }

    /// Keras's `L2(l2)`: `l2 · Σ x²`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// let x = layers_core::Tensor::from_vec(vec![-3.0, 1.0], &[2]);
    /// assert_eq!(Regularizer::l2(0.5).penalty(&x).item(), 5.0);
    /// ```
    pub fn l2(l2: f32) -> Regularizer {
        Regularizer::L2 { l2 }
    }

    /// Keras's `L1L2(l1, l2)`: `l1 · Σ|x| + l2 · Σ x²`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// let x = layers_core::Tensor::from_vec(vec![-3.0, 1.0], &[2]);
    /// assert_eq!(Regularizer::l1_l2(0.5, 0.5).penalty(&x).item(), 2.0 + 5.0);
    /// ```
    pub fn l1_l2(l1: f32, l2: f32) -> Regularizer {
        Regularizer::L1L2 { l1, l2 }
    }

    /// Keras's `OrthogonalRegularizer(factor, mode)`, for 2-D weights (a `Dense` kernel):
    /// the mean absolute cosine between pairs of rows (or columns), times `factor` (Keras
    /// halves the sum over `i ≠ j`, which counts each pair twice).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::{OrthogonalMode, Regularizer};
    /// use layers_core::Tensor;
    /// // rows (1, 0) and (1, 1): cosine 1/√2, one pair
    /// let x = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[2, 2]);
    /// let p = Regularizer::orthogonal(2.0, OrthogonalMode::Rows).penalty(&x).item();
    /// assert!((p - 2.0 * 0.5f32.sqrt()).abs() < 1e-6);
    /// // the columns (1, 1) and (0, 1): the same cosine
    /// let p = Regularizer::orthogonal(2.0, OrthogonalMode::Columns).penalty(&x).item();
    /// assert!((p - 2.0 * 0.5f32.sqrt()).abs() < 1e-6);
    /// // orthogonal rows: no penalty
    /// let eye = Tensor::from_vec(vec![3.0, 0.0, 0.0, -2.0], &[2, 2]);
    /// assert_eq!(Regularizer::orthogonal(2.0, OrthogonalMode::Rows).penalty(&eye).item(), 0.0);
    /// ```
    pub fn orthogonal(factor: f32, mode: OrthogonalMode) -> Regularizer {
        Regularizer::Orthogonal { factor, mode }
    }

    /// Keras's class name: `L1`, `L2`, `L1L2` or `OrthogonalRegularizer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// assert_eq!(Regularizer::l1_l2(0.1, 0.0).class_name(), "L1L2");
    /// ```
    pub fn class_name(&self) -> &'static str {
        match self {
            Regularizer::L1 { .. } => "L1",
            Regularizer::L2 { .. } => "L2",
            Regularizer::L1L2 { .. } => "L1L2",
            Regularizer::Orthogonal { .. } => "OrthogonalRegularizer",
        }
    }

    /// The factors by their Keras names, in Keras's order.
    fn factors(&self) -> Vec<(&'static str, f32)> {
        match *self {
            Regularizer::L1 { l1 } => vec![("l1", l1)],
            Regularizer::L2 { l2 } => vec![("l2", l2)],
            Regularizer::L1L2 { l1, l2 } => vec![("l1", l1), ("l2", l2)],
            Regularizer::Orthogonal { factor, .. } => vec![("factor", factor)],
        }
    }

    /// Checks the factors: each finite and at least 0 (Keras's `validate_float_arg`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the regularizer, the factor and its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// assert!(Regularizer::l2(0.0).check().is_ok());
    /// let err = Regularizer::l1_l2(0.1, f32::NAN).check().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`L1L2`: the factor `l2` must be a finite number ≥ 0, but it is NaN"
    /// );
    /// ```
    pub fn check(&self) -> Result<()> {
        match self.bad_factor() {
            None => Ok(()),
            Some((name, value)) => Err(Error::invalid(
                self.class_name(),
                format!("the factor `{name}` must be a finite number ≥ 0, but it is {value:?}"),
            )),
        }
    }

    /// The first factor that is negative, NaN or infinite.
    fn bad_factor(&self) -> Option<(&'static str, f32)> {
        self.factors()
            .into_iter()
            .find(|&(_, v)| !(v.is_finite() && v >= 0.0))
    }

    /// The penalty on `x`, a scalar recorded on the graph (its gradient flows to `x`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![0.0, -2.0], &[2]).into_variable();
    /// let grads = Regularizer::l1_l2(0.5, 0.25).penalty(&x).backward();
    /// // l1 · sign(x) + 2 · l2 · x, with Keras's (JAX's) sign(0) = 1
    /// assert_eq!(grads.get(&x).unwrap().to_vec(), vec![0.5, -0.5 - 1.0]);
    /// ```
    pub fn penalty(&self, x: &Tensor) -> Tensor {
        match *self {
            Regularizer::L1 { l1 } => abs_sum(x) * l1,
            Regularizer::L2 { l2 } => x.square().sum_all() * l2,
            Regularizer::L1L2 { l1, l2 } => {
                let mut total = Tensor::scalar(0.0);
                if l1 != 0.0 {
                    total = total + abs_sum(x) * l1;
                }
                if l2 != 0.0 {
                    total = total + x.square().sum_all() * l2;
                }
                total
            }
            Regularizer::Orthogonal { factor, mode } => orthogonal_penalty(x, factor, mode),
        }
    }

    /// Checks the regularizer against the shape of its weight: `OrthogonalRegularizer`
    /// needs a 2-D weight with at least 2 rows (or columns) to pair (Keras refuses other
    /// ranks, and gives NaN for a single row).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the regularizer, the shape and what it needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::{OrthogonalMode, Regularizer};
    /// let reg = Regularizer::orthogonal(0.01, OrthogonalMode::Rows);
    /// assert!(reg.check_shape(&[3, 4]).is_ok());
    /// assert_eq!(
    ///     reg.check_shape(&[4]).unwrap_err().to_string(),
    ///     "`OrthogonalRegularizer`: it needs a weight of rank 2, but the weight has shape [4]"
    /// );
    /// assert!(reg.check_shape(&[1, 4]).is_err());
    /// assert!(Regularizer::l2(0.1).check_shape(&[4]).is_ok());
    /// ```
    pub fn check_shape(&self, shape: &[usize]) -> Result<()> {
        let Regularizer::Orthogonal { mode, .. } = self else {
            return Ok(());
        };
        if shape.len() != 2 {
            return Err(Error::invalid(
                self.class_name(),
                format!("it needs a weight of rank 2, but the weight has shape {shape:?}"),
            ));
        }
        let (size, what) = match mode {
            OrthogonalMode::Rows => (shape[0], "rows"),
            OrthogonalMode::Columns => (shape[1], "columns"),
        };
        if size < 2 {
            return Err(Error::invalid(
                self.class_name(),
                format!(
                    "mode `{what}` needs at least 2 {what} to compare, but the weight has shape {shape:?}"
                ),
            ));
        }
        Ok(())
    }

    /// Keras's serialized form, as a layer's `get_config` writes it:
    /// `{"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
    /// "registered_name": null}`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// let config = Regularizer::l1_l2(0.1, 0.2).to_config();
    /// assert_eq!(config["config"], serde_json::json!({"l1": 0.1, "l2": 0.2}));
    /// assert_eq!(Regularizer::from_config(&config)?, Regularizer::l1_l2(0.1, 0.2));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn to_config(&self) -> Value {
        let mut params: Map<String, Value> = self
            .factors()
            .into_iter()
            .map(|(name, v)| (name.to_string(), f32_to_json(v)))
            .collect();
        if let Regularizer::Orthogonal { mode, .. } = self {
            params.insert("mode".to_string(), json!(mode.keras_name()));
        }
        json!({
            "module": "keras.regularizers",
            "class_name": self.class_name(),
            "config": params,
            "registered_name": null,
        })
    }

    /// Reads what [`to_config`](Regularizer::to_config) (or Keras) writes, or a name as
    /// Keras's `regularizers.get` takes it (`"l2"`, `"L1"`, `"l1_l2"`: the class with its
    /// default factors).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for a class Keras does not have here; [`Error::InvalidConfig`]
    /// naming the key for a factor that is missing a number, an unknown key, or a factor
    /// that is negative, NaN or infinite.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::regularizers::Regularizer;
    /// use serde_json::json;
    /// assert_eq!(Regularizer::from_config(&json!("l2"))?, Regularizer::l2(0.01));
    /// let keras = json!({"module": "keras.regularizers", "class_name": "L1",
    ///                    "config": {"l1": 0.009999999776482582}, "registered_name": null});
    /// assert_eq!(Regularizer::from_config(&keras)?, Regularizer::l1(0.01));
    /// assert!(Regularizer::from_config(&json!({"class_name": "L2", "config": {"l2": -1}})).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_config(value: &Value) -> Result<Regularizer> {
        let (class, params) = keras_object(value, "regularizer")?;
        let mut reg = match class {
            "L1" | "l1" => Regularizer::l1(0.01),
            "L2" | "l2" => Regularizer::l2(0.01),
            "L1L2" | "l1l2" | "l1_l2" => Regularizer::l1_l2(0.0, 0.0),
            "OrthogonalRegularizer" | "orthogonal_regularizer" => {
                Regularizer::orthogonal(0.01, OrthogonalMode::Rows)
            }
            _ => {
                return Err(Error::UnknownName {
                    kind: "regularizer",
                    name: class.to_string(),
                    known: vec![
                        "L1".into(),
                        "L2".into(),
                        "L1L2".into(),
                        "OrthogonalRegularizer".into(),
                    ],
                });
            }
        };
        if let Some(params) = params {
            for (key, v) in params {
                if let (Regularizer::Orthogonal { mode, .. }, "mode") = (&mut reg, key.as_str()) {
                    *mode = match v.as_str() {
                        Some("rows") => OrthogonalMode::Rows,
                        Some("columns") => OrthogonalMode::Columns,
                        _ => {
                            return Err(config_error(
                                key,
                                format!(
                                    "of `{class}` must be \"rows\" or \"columns\", but it is {v}"
                                ),
                            ));
                        }
                    };
                    continue;
                }
                let slot = match (&mut reg, key.as_str()) {
                    (Regularizer::L1 { l1 }, "l1") | (Regularizer::L1L2 { l1, .. }, "l1") => l1,
                    (Regularizer::L2 { l2 }, "l2") | (Regularizer::L1L2 { l2, .. }, "l2") => l2,
                    (Regularizer::Orthogonal { factor, .. }, "factor") => factor,
                    _ => {
                        let mut known = reg
                            .factors()
                            .iter()
                            .map(|(n, _)| format!("`{n}`"))
                            .collect::<Vec<_>>();
                        if let Regularizer::Orthogonal { .. } = reg {
                            known.push("`mode`".to_string());
                        }
                        return Err(config_error(
                            key,
                            format!(
                                "is not a setting of `{class}`; it has {}",
                                known.join(" and ")
                            ),
                        ));
                    }
                };
                // Keras writes `None` for a factor of 0 in `L1L2`'s defaults.
                *slot = if v.is_null() {
                    0.0
                } else {
                    f32_from_json(v).map_err(|e| config_error(key, e))?
                };
            }
        }
        if let Some((name, v)) = reg.bad_factor() {
            return Err(config_error(
                name,
                format!("of `{class}` must be a finite number ≥ 0, but it is {v:?}"),
            ));
        }
        Ok(reg)
    }
}

/// `Σ|x|` whose gradient is Keras's (JAX's) `sign(x)` with `sign(0) = 1`: `Σ x · s` for the
/// constant `s = ±1`, the same sum of the same values.
fn abs_sum(x: &Tensor) -> Tensor {
    let signs: Vec<f32> = x
        .to_vec()
        .into_iter()
        .map(|v| if v < 0.0 { -1.0 } else { 1.0 })
        .collect();
    (x * &Tensor::from_vec(signs, x.shape())).sum_all()
}

/// Keras's `OrthogonalRegularizer.__call__`: rows (or columns) scaled to unit length by
/// `x · rsqrt(max(Σx², ε))`, their products off the diagonal, `factor · ½ · Σ|·| / pairs`.
fn orthogonal_penalty(x: &Tensor, factor: f32, mode: OrthogonalMode) -> Tensor {
    let axis = match mode {
        OrthogonalMode::Rows => 1,
        OrthogonalMode::Columns => 0,
    };
    let norms = x.square().sum(&[axis], true).clip(1e-7, f32::INFINITY);
    let unit = x * &norms.powf(-0.5);
    let product = match mode {
        OrthogonalMode::Rows => unit.matmul(unit.transpose()),
        OrthogonalMode::Columns => unit.transpose().matmul(&unit),
    };
    let size = product.shape()[0];
    let off_diagonal: Vec<f32> = (0..size * size)
        .map(|i| if i / size == i % size { 0.0 } else { 1.0 })
        .collect();
    let masked = &product * &Tensor::from_vec(off_diagonal, &[size, size]);
    let pairs = size as f32 * (size as f32 - 1.0) / 2.0;
    abs_sum(&masked) * (factor * 0.5) / &Tensor::scalar(pairs)
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

    /// The gradient of each penalty against finite differences, away from 0 for `L1`.
    #[test]
    fn penalty_gradients_match_finite_differences() {
        let values = vec![0.7f32, -1.3, 2.1, -0.4, 0.9, -2.2];
        for reg in [
            Regularizer::l1(0.3),
            Regularizer::l2(0.2),
            Regularizer::l1_l2(0.1, 0.05),
        ] {
            let x = Tensor::from_vec(values.clone(), &[2, 3]).into_variable();
            let grads = reg.penalty(&x).backward();
            let g = grads.get(&x).expect("x is used").to_vec();
            for i in 0..values.len() {
                let h = 1e-2f32;
                let at = |d: f32| {
                    let mut v = values.clone();
                    v[i] += d;
                    f64::from(reg.penalty(&Tensor::from_vec(v, &[2, 3])).item())
                };
                let numeric = (at(h) - at(-h)) / (2.0 * f64::from(h));
                assert!(
                    (numeric - f64::from(g[i])).abs() < 1e-3,
                    "{reg:?} {i}: {numeric} vs {}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn configs_round_trip_and_refuse_bad_factors() {
        for reg in [
            Regularizer::l1(0.3),
            Regularizer::l2(1e-4),
            Regularizer::l1_l2(0.0, 0.05),
        ] {
            assert_eq!(Regularizer::from_config(&reg.to_config()).unwrap(), reg);
        }
        let bad = json!({"class_name": "L2", "config": {"l2": -0.5}});
        assert_eq!(
            Regularizer::from_config(&bad).unwrap_err().to_string(),
            "`l2` of `L2` must be a finite number ≥ 0, but it is -0.5"
        );
        let unknown = json!({"class_name": "L2", "config": {"l1": 0.5}});
        assert!(
            Regularizer::from_config(&unknown)
                .unwrap_err()
                .to_string()
                .contains("`l1` is not a setting of `L2`")
        );
        assert!(Regularizer::from_config(&json!("l3")).is_err());
    }
}
