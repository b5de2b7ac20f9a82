//! Binary and categorical crossentropy, on probabilities (clipped away from 0 and 1) or on
//! logits (in a form that cannot overflow).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{CategoricalCrossentropy, Loss};
//! let y = Tensor::from_vec(vec![0.0, 1.0], &[1, 2]);
//! let p = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
//! let l = CategoricalCrossentropy::new().compute(&y, &p)?;
//! assert!((l.item() - 2f32.ln()).abs() < 1e-6); // −ln 0.5
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::check::{align, check_prediction, last_axis_mean, position, validate_dense};
use super::{EPSILON, Loss};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;
use crate::math::one_minus;

/// Refuses a `label_smoothing` outside `[0, 1]` (or NaN), naming the loss.
fn check_smoothing(loss: &'static str, label_smoothing: f32) -> Result<()> {
    if (0.0..=1.0).contains(&label_smoothing) {
        Ok(())
    } else {
        Err(Error::invalid(
            loss,
            format!("label_smoothing must be in [0, 1], but it is {label_smoothing}"),
        ))
    }
}

/// The loss's config: `name` and `from_logits`, and `label_smoothing` when it is set.
fn smoothing_config(name: &str, from_logits: bool, label_smoothing: f32) -> serde_json::Value {
    let mut config = serde_json::json!({ "name": name, "from_logits": from_logits });
    if label_smoothing != 0.0 {
        config["label_smoothing"] = f32_to_json(label_smoothing);
    }
    config
}

/// The logistic sigmoid, evaluated without overflow for any sign.
pub(super) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|)`, finite for any finite `x`.
pub(super) fn softplus(x: f32) -> f32 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Crossentropy between binary labels (or probabilities of the positive class) and
/// predicted probabilities (Keras's `BinaryCrossentropy`).
///
/// Each element costs `−(y·ln p + (1 − y)·ln(1 − p))` with `p` clipped to
/// `[1e-7, 1 − 1e-7]`; with [`from_logits`](BinaryCrossentropy::from_logits) the
/// prediction `x` is a logit and the cost is `max(x, 0) − x·y + ln(1 + e^−|x|)`, exact and
/// finite even for `|x| = 1000`. Values are averaged over the last axis, then the batch.
/// With [`label_smoothing`](BinaryCrossentropy::label_smoothing) `s`, each target `y` is
/// first replaced by `y·(1 − s) + s/2`, as in Keras.
///
/// [`Loss::validate`] also checks that every target lies in `[0, 1]` (Keras accepts any
/// value and silently computes a meaningless loss).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{BinaryCrossentropy, Loss};
/// let y = Tensor::from_vec(vec![1.0, 0.0], &[2]);
/// let p = Tensor::from_vec(vec![0.5, 0.5], &[2, 1]);
/// let l = BinaryCrossentropy::new().compute(&y, &p)?;
/// assert!((l.item() - 2f32.ln()).abs() < 1e-6);
/// let logits = Tensor::from_vec(vec![1000.0, -1000.0], &[2, 1]);
/// assert_eq!(BinaryCrossentropy::new().from_logits(true).compute(&y, &logits)?.item(), 0.0);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossentropy {
    from_logits: bool,
    label_smoothing: f32,
}

impl BinaryCrossentropy {
    /// The loss on probabilities (Keras's default `from_logits=False`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{BinaryCrossentropy, Loss};
    /// assert_eq!(BinaryCrossentropy::new().name(), "binary_crossentropy");
    /// ```
    pub fn new() -> BinaryCrossentropy {
        BinaryCrossentropy {
            from_logits: false,
            label_smoothing: 0.0,
        }
    }

    /// Whether predictions are logits (no sigmoid applied) rather than probabilities.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{BinaryCrossentropy, Loss};
    /// let y = Tensor::zeros(&[1, 1]);
    /// let x = Tensor::zeros(&[1, 1]); // sigmoid(0) = 0.5
    /// let l = BinaryCrossentropy::new().from_logits(true).compute(&y, &x)?;
    /// assert!((l.item() - 2f32.ln()).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> BinaryCrossentropy {
        self.from_logits = from_logits;
        self
    }

    /// Smooths the targets towards 1/2 (Keras's `label_smoothing`, default 0): each target
    /// `y` counts as `y·(1 − s) + s/2`. Must lie in `[0, 1]`; another value is refused by
    /// `compile` ([`Loss::check_settings`]) and by [`Loss::compute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{BinaryCrossentropy, Loss};
    /// let (y, p) = (Tensor::ones(&[1, 1]), Tensor::full(&[1, 1], 0.9));
    /// // The target 1 counts as 1 − 0.2/2 = 0.9, so the loss is the entropy of 0.9.
    /// let l = BinaryCrossentropy::new().label_smoothing(0.2).compute(&y, &p)?.item();
    /// assert!((l - (-(0.9f32 * 0.9f32.ln() + 0.1 * 0.1f32.ln()))).abs() < 1e-6);
    /// assert!(BinaryCrossentropy::new().label_smoothing(1.5).check_settings().is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn label_smoothing(mut self, label_smoothing: f32) -> BinaryCrossentropy {
        self.label_smoothing = label_smoothing;
        self
    }
}

impl Loss for BinaryCrossentropy {
    fn name(&self) -> &'static str {
        "binary_crossentropy"
    }

    fn config(&self) -> serde_json::Value {
        smoothing_config(self.name(), self.from_logits, self.label_smoothing)
    }

    fn check_settings(&self) -> Result<()> {
        check_smoothing(self.name(), self.label_smoothing)
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(self.per_element(y_true, y_pred)?.mean_all())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(last_axis_mean(self.per_element(y_true, y_pred)?))
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        self.check_settings()?;
        validate_dense(self.name(), y_true, output_shape)?;
        in_unit_interval(
            self.name(),
            y_true,
            "binary targets are 0, 1 or a probability",
        )
    }
}

impl BinaryCrossentropy {
    /// Each element's crossentropy, before any reduction.
    fn per_element(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        self.check_settings()?;
        let mut y = align(self.name(), y_true, y_pred)?;
        let s = self.label_smoothing;
        if s > 0.0 {
            // Keras: `y_true * (1.0 - s) + 0.5 * s`, `1 − s` taken from the decimal `s`.
            y = &y * one_minus(s) + 0.5 * s;
        }
        if self.from_logits {
            // softplus(x) − x·y has the gradient sigmoid(x) − y, computed without overflow.
            return Ok(y_pred.map_with_derivative(softplus, sigmoid) - y_pred * &y);
        }
        let p = y_pred.clamp(EPSILON, 1.0 - EPSILON);
        Ok((&y * p.ln() + (1.0 - &y) * (1.0 - &p).ln()).neg())
    }
}

/// Refuses a target outside `[0, 1]` (a probability), naming its position; `kind` says what
/// the loss's targets are.
fn in_unit_interval(loss: &'static str, y_true: &Tensor, kind: &str) -> Result<()> {
    let outside = y_true
        .data()
        .iter()
        .enumerate()
        .find(|(_, v)| !(0.0..=1.0).contains(*v));
    match outside {
        None => Ok(()),
        Some((i, v)) => Err(Error::invalid(
            loss,
            format!(
                "target {v} at {} is outside [0, 1]; {kind}",
                position(y_true.shape(), i)
            ),
        )),
    }
}

/// Crossentropy between one-hot (or soft) labels and predicted class probabilities over
/// the last axis (Keras's `CategoricalCrossentropy`).
///
/// Each sample costs `−Σ y·ln p`, where the prediction is first divided by its sum over the
/// last axis and clipped to `[1e-7, 1 − 1e-7]`; with
/// [`from_logits`](CategoricalCrossentropy::from_logits), `ln p` is the log-softmax of the
/// logits, finite for any finite logits. The per-sample costs are averaged over the batch.
/// With [`label_smoothing`](CategoricalCrossentropy::label_smoothing) `s` over `n` classes,
/// each target `y` is first replaced by `y·(1 − s) + s/n`, as in Keras.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{CategoricalCrossentropy, Loss};
/// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0], &[1, 3]);
/// // unnormalised: 2 / (1 + 1 + 2) = 0.5
/// let p = Tensor::from_vec(vec![1.0, 1.0, 2.0], &[1, 3]);
/// let l = CategoricalCrossentropy::new().compute(&y, &p)?;
/// assert!((l.item() - 2f32.ln()).abs() < 1e-6);
/// // Targets are probabilities: one outside [0, 1] is refused before training.
/// let bad = Tensor::from_vec(vec![-1.0, 1.0, 1.0], &[1, 3]);
/// let err = CategoricalCrossentropy::new().validate(&bad, &[3]).unwrap_err();
/// assert!(err.to_string().contains("target -1 at sample 0"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoricalCrossentropy {
    from_logits: bool,
    label_smoothing: f32,
}

impl CategoricalCrossentropy {
    /// The loss on probabilities (Keras's default `from_logits=False`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{CategoricalCrossentropy, Loss};
    /// assert_eq!(CategoricalCrossentropy::new().name(), "categorical_crossentropy");
    /// ```
    pub fn new() -> CategoricalCrossentropy {
        CategoricalCrossentropy {
            from_logits: false,
            label_smoothing: 0.0,
        }
    }

    /// Whether predictions are logits (no softmax applied) rather than probabilities.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{CategoricalCrossentropy, Loss};
    /// let y = Tensor::from_vec(vec![1.0, 0.0], &[1, 2]);
    /// let x = Tensor::from_vec(vec![1000.0, -1000.0], &[1, 2]);
    /// let l = CategoricalCrossentropy::new().from_logits(true).compute(&y, &x)?;
    /// assert_eq!(l.item(), 0.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> CategoricalCrossentropy {
        self.from_logits = from_logits;
        self
    }

    /// Smooths the targets towards the uniform distribution (Keras's `label_smoothing`,
    /// default 0): over `n` classes each target `y` counts as `y·(1 − s) + s/n`. Must lie
    /// in `[0, 1]`; another value is refused by `compile` ([`Loss::check_settings`]) and by
    /// [`Loss::compute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{CategoricalCrossentropy, Loss};
    /// let y = Tensor::from_vec(vec![0.0, 1.0], &[1, 2]);
    /// let p = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
    /// // Any targets cost ln 2 against a uniform prediction.
    /// let l = CategoricalCrossentropy::new().label_smoothing(0.1).compute(&y, &p)?.item();
    /// assert!((l - 2f32.ln()).abs() < 1e-6);
    /// assert!(CategoricalCrossentropy::new().label_smoothing(-0.1).check_settings().is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn label_smoothing(mut self, label_smoothing: f32) -> CategoricalCrossentropy {
        self.label_smoothing = label_smoothing;
        self
    }

    /// The error for integer labels given to this loss, which wants one-hot labels.
    fn integer_labels(&self, y_true: &[usize], pred_shape: &[usize]) -> Option<Error> {
        let classes = *pred_shape.last()?;
        let outer = &pred_shape[..pred_shape.len() - 1];
        let looks_sparse =
            y_true == outer || (y_true.last() == Some(&1) && &y_true[..y_true.len() - 1] == outer);
        (classes > 1 && looks_sparse).then(|| {
            Error::incompatible(
                self.name(),
                y_true,
                pred_shape,
                "y_true looks like integer labels, which need `sparse_categorical_crossentropy`; \
                 `categorical_crossentropy` takes one-hot labels of y_pred's shape",
            )
        })
    }
}

impl Loss for CategoricalCrossentropy {
    fn name(&self) -> &'static str {
        "categorical_crossentropy"
    }

    fn config(&self) -> serde_json::Value {
        smoothing_config(self.name(), self.from_logits, self.label_smoothing)
    }

    fn check_settings(&self) -> Result<()> {
        check_smoothing(self.name(), self.label_smoothing)
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(self.values(y_true, y_pred)?.mean_all())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        self.check_settings()?;
        check_prediction(self.name(), y_pred)?;
        if let Some(e) = self.integer_labels(y_true.shape(), y_pred.shape()) {
            return Err(e);
        }
        let mut y = align(self.name(), y_true, y_pred)?;
        let s = self.label_smoothing;
        if s > 0.0 {
            // Keras: `y_true * (1.0 - s) + s / num_classes`, the last in f32.
            let classes = y_pred.shape().last().copied().unwrap_or(1) as f32;
            y = &y * one_minus(s) + s / classes;
        }
        let log_p = if self.from_logits {
            y_pred.log_softmax(-1)
        } else {
            (y_pred / y_pred.sum(&[-1], true))
                .clamp(EPSILON, 1.0 - EPSILON)
                .ln()
        };
        Ok((&y * log_p).sum(&[-1], false).neg())
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        self.check_settings()?;
        if let Some(&samples) = y_true.shape().first() {
            let mut expected = vec![samples];
            expected.extend_from_slice(output_shape);
            if let Some(e) = self.integer_labels(y_true.shape(), &expected) {
                return Err(e);
            }
        }
        validate_dense(self.name(), y_true, output_shape)?;
        in_unit_interval(
            self.name(),
            y_true,
            "categorical targets are one-hot rows or class probabilities",
        )
    }
}
