//! Where a custom activation's gradient vanishes or explodes: the tutorial's caution
//! ("watch its effect on gradients") as a measurement.
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::activation::report::ActivationReport;
//!
//! let sigmoid = Activation::from_name("sigmoid")?;
//! let report = ActivationReport::over(&sigmoid, -10.0..=10.0, 2001)?;
//! assert!((report.max_derivative - 0.25).abs() < 1e-6); // σ'(0) = 1/4
//! assert!(report.vanishing_share > 0.0);                 // σ' < 1e-3 for |x| ≳ 6.9
//! assert_eq!(report.exploding_share, 0.0);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::fmt;
use std::ops::RangeInclusive;

use crate::activation::Activation;
use crate::error::{Error, Result};

/// Derivatives below this magnitude count as vanishing.
pub const VANISHING: f32 = 1e-3;
/// Derivatives above this magnitude count as exploding.
pub const EXPLODING: f32 = 10.0;

/// The derivative of an activation sampled over a range: its extremes, and the share of the
/// range where it vanishes (|f′| < 1e-3) or explodes (|f′| > 10).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::activation::report::ActivationReport;
/// let relu = Activation::from_name("relu")?;
/// let r = ActivationReport::over(&relu, -1.0..=1.0, 201)?;
/// // relu′ is 0 on [-1, 0] (101 of 201 points) and 1 on (0, 1]
/// assert!((r.vanishing_share - 101.0 / 201.0).abs() < 1e-6);
/// assert_eq!((r.min_derivative, r.max_derivative), (0.0, 1.0));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ActivationReport {
    /// The activation's name.
    pub name: String,
    /// The sampled range.
    pub range: (f32, f32),
    /// The number of sample points.
    pub samples: usize,
    /// The smallest derivative seen.
    pub min_derivative: f32,
    /// Where it was seen.
    pub argmin: f32,
    /// The largest derivative seen.
    pub max_derivative: f32,
    /// Where it was seen.
    pub argmax: f32,
    /// The share of points where |f′(x)| < 1e-3.
    pub vanishing_share: f32,
    /// The share of points where |f′(x)| > 10.
    pub exploding_share: f32,
    /// The number of points where the value or derivative is NaN or infinite.
    pub non_finite: usize,
}

impl ActivationReport {
    /// Samples the derivative at `samples` evenly spaced points of `range`, ends included.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for fewer than 2 samples, an empty or non-finite range,
    /// or an activation that is not elementwise (softmax).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::activation::report::ActivationReport;
    /// assert!(ActivationReport::over(&Activation::softmax(), -1.0..=1.0, 10).is_err());
    /// ```
    pub fn over(
        activation: &Activation,
        range: RangeInclusive<f32>,
        samples: usize,
    ) -> Result<ActivationReport> {
        let (lo, hi) = (*range.start(), *range.end());
        if samples < 2 || !(lo.is_finite() && hi.is_finite()) || lo >= hi {
            return Err(Error::invalid(
                "activation report",
                format!(
                    "needs a finite range with start < end and at least 2 samples, got {lo}..={hi} with {samples}"
                ),
            ));
        }
        if activation.value_and_derivative(0.0).is_none() {
            return Err(Error::invalid(
                "activation report",
                format!("`{}` is not elementwise", activation.name()),
            ));
        }
        let mut report = ActivationReport {
            name: activation.name().to_string(),
            range: (lo, hi),
            samples,
            min_derivative: f32::INFINITY,
            argmin: lo,
            max_derivative: f32::NEG_INFINITY,
            argmax: lo,
            vanishing_share: 0.0,
            exploding_share: 0.0,
            non_finite: 0,
        };
        let (mut vanishing, mut exploding) = (0usize, 0usize);
        for i in 0..samples {
            let x = lo + (hi - lo) * i as f32 / (samples - 1) as f32;
            let (v, d) = activation
                .value_and_derivative(x)
                .expect("checked to be elementwise");
            if !(v.is_finite() && d.is_finite()) {
                report.non_finite += 1;
                continue;
            }
            if d < report.min_derivative {
                report.min_derivative = d;
                report.argmin = x;
            }
            if d > report.max_derivative {
                report.max_derivative = d;
                report.argmax = x;
            }
            vanishing += usize::from(d.abs() < VANISHING);
            exploding += usize::from(d.abs() > EXPLODING);
        }
        report.vanishing_share = vanishing as f32 / samples as f32;
        report.exploding_share = exploding as f32 / samples as f32;
        Ok(report)
    }
}

impl fmt::Display for ActivationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} over [{}, {}] ({} points): f′ from {:.4} (at {:.3}) to {:.4} (at {:.3}); vanishing (|f′| < 1e-3) on {:.1} %, exploding (|f′| > 10) on {:.1} %",
            self.name,
            self.range.0,
            self.range.1,
            self.samples,
            self.min_derivative,
            self.argmin,
            self.max_derivative,
            self.argmax,
            self.vanishing_share * 100.0,
            self.exploding_share * 100.0
        )?;
        if self.non_finite > 0 {
            write!(f, "; {} points NaN or infinite", self.non_finite)?;
        }
        Ok(())
    }
}
