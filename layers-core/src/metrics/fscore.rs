//! The F-beta and F1 scores of each class, or averaged (Keras's `FBetaScore` and
//! `F1Score`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Average, F1Score, Metric};
//! let mut f1 = F1Score::new().average(Average::Micro).threshold(0.5);
//! let y = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[2, 2]);
//! f1.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.2, 0.7], &[2, 2]))?;
//! // tp 2, fp 1, fn 1: precision 2/3, recall 2/3, F1 2/3
//! assert!((f1.result() - 2.0 / 3.0).abs() < 1e-6);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Value, json};

use super::Metric;
use super::thresholds::EPSILON;
use super::weights::spread_weights;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;

/// How the scores of the classes are combined (Keras's `average`).
///
/// # Examples
///
/// ```
/// use layers_core::metrics::{Average, FBetaScore, Metric};
/// assert_eq!(FBetaScore::new(2.0).average(Average::Weighted).config()["average"], "weighted");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Average {
    /// One score from the counts of every class together (`"micro"`).
    Micro,
    /// The mean of the classes' scores (`"macro"`).
    Macro,
    /// The mean of the classes' scores weighted by their number of positives
    /// (`"weighted"`).
    Weighted,
}

impl Average {
    fn keras_name(self) -> &'static str {
        match self {
            Average::Micro => "micro",
            Average::Macro => "macro",
            Average::Weighted => "weighted",
        }
    }
}

/// The F-beta score `(1 + β²)·p·r / (β²·p + r)` of precision `p` and recall `r`, per
/// class or averaged, counted over every batch since the last reset, as Keras's
/// `FBetaScore` computes it (with its `ε` of 1e-7 in each division).
///
/// Inputs are `(batch, classes)`. A prediction is positive above `threshold`, or, without
/// one, where it is the largest of its sample (and not 0). Targets count by their value
/// (Keras multiplies by them). Without `average` the result is one score per class
/// ([`Metric::results`]; [`Metric::result`] gives the first class's, and `compile` refuses
/// it, since `fit`'s logs hold one number per name).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Average, FBetaScore, Metric};
/// let mut f = FBetaScore::new(2.0).average(Average::Macro).threshold(0.5);
/// let y = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[2, 2]);
/// f.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.2, 0.7], &[2, 2]))?;
/// // class 0: p 1, r 1/2, F2 = 5·(1/2)/(4 + 1/2) = 5/9; class 1: p 1/2, r 1, F2 = 5/6
/// assert!((f.result() - (5.0 / 9.0 + 5.0 / 6.0) / 2.0).abs() < 1e-6);
/// let err = FBetaScore::new(0.0).update(&y, &y).unwrap_err();
/// assert_eq!(err.to_string(), "`fbeta_score`: beta must be a finite number > 0, but it is 0");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FBetaScore {
    name: String,
    /// `fbeta_score`, or `f1_score` for [`F1Score`].
    kind: &'static str,
    average: Option<Average>,
    beta: f32,
    threshold: Option<f32>,
    /// Per class (one value for micro): true positives, false positives, false
    /// negatives, and the sum of the targets.
    tp: Vec<f64>,
    fp: Vec<f64>,
    fn_: Vec<f64>,
    weights: Vec<f64>,
    classes: usize,
}

impl FBetaScore {
    /// The name it is reported under by default, and its `metric` in configs.
    pub const NAME: &'static str = "fbeta_score";

    /// An empty score with `beta` (Keras's has 1 by default; > 0, else refused by
    /// [`Metric::update`]), no average, no threshold.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{FBetaScore, Metric};
    /// assert_eq!(FBetaScore::new(0.5).config()["beta"], 0.5);
    /// ```
    pub fn new(beta: f32) -> FBetaScore {
        FBetaScore {
            name: Self::NAME.to_string(),
            kind: Self::NAME,
            average: None,
            beta,
            threshold: None,
            tp: Vec::new(),
            fp: Vec::new(),
            fn_: Vec::new(),
            weights: Vec::new(),
            classes: 0,
        }
    }

    /// Sets how classes are combined (Keras's `average`; none by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Average, FBetaScore, Metric};
    /// assert!(FBetaScore::new(1.0).average(Average::Micro).is_scalar());
    /// assert!(!FBetaScore::new(1.0).is_scalar());
    /// ```
    pub fn average(mut self, average: Average) -> FBetaScore {
        self.average = Some(average);
        self.reset();
        self
    }

    /// Sets the threshold above which a prediction is positive (Keras's `threshold`, in
    /// `(0, 1]`, else refused by [`Metric::update`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{FBetaScore, Metric};
    /// let err = FBetaScore::new(1.0).threshold(0.0).update(&Tensor::ones(&[1, 2]), &Tensor::ones(&[1, 2])).unwrap_err();
    /// assert_eq!(err.to_string(), "`fbeta_score`: threshold must be in (0, 1], but it is 0");
    /// ```
    pub fn threshold(mut self, threshold: f32) -> FBetaScore {
        self.threshold = Some(threshold);
        self
    }

    /// Renames the metric (the name `fit`'s logs and the history use).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{FBetaScore, Metric};
    /// assert_eq!(FBetaScore::new(1.0).with_name("f").name(), "f");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> FBetaScore {
        self.name = name.into();
        self
    }

    fn validate(&self) -> Result<()> {
        if !(self.beta.is_finite() && self.beta > 0.0) {
            return Err(Error::invalid(
                self.kind,
                format!("beta must be a finite number > 0, but it is {}", self.beta),
            ));
        }
        if let Some(t) = self.threshold.filter(|t| !(*t > 0.0 && *t <= 1.0)) {
            return Err(Error::invalid(
                self.kind,
                format!("threshold must be in (0, 1], but it is {t}"),
            ));
        }
        Ok(())
    }

    /// The score of each class (one for micro).
    fn scores(&self) -> Vec<f64> {
        let b2 = f64::from(self.beta) * f64::from(self.beta);
        (0..self.tp.len())
            .map(|i| {
                let p = self.tp[i] / (self.tp[i] + self.fp[i] + EPSILON);
                let r = self.tp[i] / (self.tp[i] + self.fn_[i] + EPSILON);
                p * r / (b2 * p + r + EPSILON) * (1.0 + b2)
            })
            .collect()
    }
}

impl FBetaScore {
    /// Adds a batch's counts, each sample's weighed by `sample_weight` if given.
    fn count(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: Option<&Tensor>,
    ) -> Result<()> {
        self.validate()?;
        if y_pred.rank() != 2 || y_true.shape() != y_pred.shape() {
            return Err(Error::incompatible(
                self.kind,
                y_true.shape(),
                y_pred.shape(),
                "y_true and y_pred must both have shape (batch, classes)",
            ));
        }
        let classes = y_pred.shape()[1];
        // Keras's `expand_dims(sample_weight, 1)`: one weight per sample (row).
        let row_weights = match sample_weight {
            Some(w) => Some(spread_weights(self.kind, w, &y_pred.shape()[..1])?),
            None => None,
        };
        if self.classes != 0 && classes != self.classes {
            return Err(Error::invalid(
                self.kind,
                format!(
                    "y_pred has {classes} classes (shape {:?}), but the metric counts {}",
                    y_pred.shape(),
                    self.classes
                ),
            ));
        }
        let slots = if self.average == Some(Average::Micro) {
            1
        } else {
            classes
        };
        if self.tp.len() != slots {
            self.tp = vec![0.0; slots];
            self.fp = vec![0.0; slots];
            self.fn_ = vec![0.0; slots];
            self.weights = vec![0.0; slots];
        }
        self.classes = classes;
        let pred = y_pred.data();
        let truth = y_true.data();
        for (i, (p_row, t_row)) in pred.outer_iter().zip(truth.outer_iter()).enumerate() {
            let w = row_weights.as_ref().map_or(1.0, |w| w[i]);
            let max = p_row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for (c, (&p, &t)) in p_row.iter().zip(t_row.iter()).enumerate() {
                let positive = match self.threshold {
                    Some(threshold) => p > threshold,
                    None => p >= max && p.abs() > 1e-9,
                };
                let (p, t) = (f64::from(u8::from(positive)), f64::from(t));
                let slot = if slots == 1 { 0 } else { c };
                self.tp[slot] += p * t * w;
                self.fp[slot] += p * (1.0 - t) * w;
                self.fn_[slot] += (1.0 - p) * t * w;
                self.weights[slot] += t * w;
            }
        }
        Ok(())
    }
}

impl Metric for FBetaScore {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        self.count(y_true, y_pred, None)
    }

    /// Each sample's counts weighed by its weight (one per sample), as Keras weighs them;
    /// the mask is ignored, as Keras ignores it here.
    fn update_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: &Tensor,
        _mask: Option<&Tensor>,
    ) -> Result<()> {
        self.count(y_true, y_pred, Some(sample_weight))
    }

    fn takes_sample_weight(&self) -> bool {
        true
    }

    /// The averaged score, or without `average` the first class's.
    fn result(&self) -> f32 {
        self.results().first().copied().unwrap_or(0.0)
    }

    fn results(&self) -> Vec<f32> {
        let scores = self.scores();
        let combined = match self.average {
            None => return scores.iter().map(|&s| s as f32).collect(),
            Some(_) if scores.is_empty() => 0.0,
            Some(Average::Weighted) => {
                let total: f64 = self.weights.iter().sum::<f64>() + EPSILON;
                scores
                    .iter()
                    .zip(&self.weights)
                    .map(|(s, w)| s * (w / total))
                    .sum()
            }
            Some(_) => scores.iter().sum::<f64>() / scores.len() as f64,
        };
        vec![combined as f32]
    }

    fn is_scalar(&self) -> bool {
        self.average.is_some()
    }

    fn reset(&mut self) {
        for v in [&mut self.tp, &mut self.fp, &mut self.fn_, &mut self.weights] {
            v.clear();
        }
        self.classes = 0;
    }

    /// Keras's keys: `average`, `beta` (not for `F1Score`), `threshold`.
    fn config(&self) -> Value {
        let mut config = json!({
            "name": self.name,
            "metric": self.kind,
            "average": self.average.map(Average::keras_name),
            "threshold": self.threshold.map(f32_to_json),
        });
        if self.kind == Self::NAME {
            config["beta"] = f32_to_json(self.beta);
        }
        config
    }
}

/// Keras's `F1Score`: the [`FBetaScore`] with β = 1, reported as `f1_score`, its config
/// without `beta`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{F1Score, Metric};
/// let mut f1 = F1Score::new();
/// let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]);
/// // no threshold: each sample's largest prediction is its positive
/// f1.update(&y, &Tensor::from_vec(vec![0.6, 0.4, 0.7, 0.3], &[2, 2]))?;
/// // class 0: tp 1, fp 1 → F1 2/3; class 1: tp 0 → 0
/// assert_eq!(f1.results().len(), 2);
/// assert!((f1.results()[0] - 2.0 / 3.0).abs() < 1e-6 && f1.results()[1] == 0.0);
/// assert!(f1.config().get("beta").is_none());
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct F1Score;

impl F1Score {
    /// The name it is reported under by default, and its `metric` in configs.
    pub const NAME: &'static str = "f1_score";

    /// An empty F1 score: an [`FBetaScore`] with β = 1 named `f1_score`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{F1Score, Metric};
    /// assert_eq!(F1Score::new().name(), "f1_score");
    /// ```
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> FBetaScore {
        FBetaScore {
            name: Self::NAME.to_string(),
            kind: Self::NAME,
            ..FBetaScore::new(1.0)
        }
    }
}

/// The maker of both from their Keras configs, for `metric_from_config`.
pub(super) fn from_config(
    kind: &str,
    name: &str,
    r: &crate::loss::config::ConfigReader<'_>,
) -> Result<Box<dyn Metric>> {
    let mut m = if kind == F1Score::NAME {
        F1Score::new()
    } else {
        FBetaScore::new(r.f32("beta")?.unwrap_or(1.0))
    }
    .with_name(name);
    match r.get("average") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let average = match v.as_str() {
                Some("micro") => Average::Micro,
                Some("macro") => Average::Macro,
                Some("weighted") => Average::Weighted,
                _ => {
                    return Err(r.wrong(
                        "average",
                        "\"micro\", \"macro\", \"weighted\" or null",
                        v,
                    ));
                }
            };
            m = m.average(average);
        }
    }
    if let Some(t) = r.optional_f32("threshold")?.flatten() {
        m = m.threshold(t);
    }
    if let Err(Error::InvalidArgument { message, .. }) = m.validate() {
        let (key, expected) = if message.starts_with("beta") {
            ("beta", "a finite number > 0")
        } else {
            ("threshold", "a number in (0, 1] or null")
        };
        return Err(r.wrong(key, expected, &r.get(key).cloned().unwrap_or_default()));
    }
    Ok(Box::new(m))
}
