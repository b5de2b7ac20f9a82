//! [`Padding`]: Keras's `padding` argument of pooling (and convolution) layers, `"valid"`
//! or `"same"`.
//!
//! ```
//! use layers_core::builtin::Padding;
//! assert_eq!(Padding::Same.amounts(7, 2, 2, 1), (0, 1));
//! assert_eq!(Padding::Valid.amounts(7, 2, 2, 1), (0, 0));
//! ```

use std::fmt;

use crate::layer::config::{ConfigValue, expected};
use crate::tensor::pool::same_padding;

/// How a sliding window treats the edges of its input, as Keras's `padding` argument.
///
/// - `Valid` (the default): no padding; windows lie inside the input, so an axis of `n`
///   gives `floor((n − span) / stride) + 1` positions.
/// - `Same`: TensorFlow's rule, `ceil(n / stride)` positions, the padding split with the
///   smaller half before ([`same_padding`]).
///
/// In a config it is the Keras string, `"valid"` or `"same"` (read in any case, as Keras
/// does).
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Padding;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Padding::default(), Padding::Valid);
/// assert_eq!(Padding::Same.to_config(), serde_json::json!("same"));
/// assert_eq!(Padding::from_config(&serde_json::json!("SAME")), Ok(Padding::Same));
/// assert_eq!(
///     Padding::from_config(&serde_json::json!("full")).unwrap_err(),
///     "expected \"valid\" or \"same\", found \"full\""
/// );
/// assert_eq!("same".parse::<Padding>(), Ok(Padding::Same));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Padding {
    /// No padding.
    #[default]
    Valid,
    /// Pad so that the output has `ceil(n / stride)` positions.
    Same,
}

impl Padding {
    /// The Keras name, `"valid"` or `"same"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Padding;
    /// assert_eq!(Padding::Same.name(), "same");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
        }
    }

    /// The `(before, after)` padding of an axis of `size` elements for a window of
    /// `window` elements spaced `dilation` apart (1 for pooling), moved by `stride`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Padding;
    /// assert_eq!(Padding::Same.amounts(28, 3, 1, 1), (1, 1));
    /// assert_eq!(Padding::Same.amounts(28, 3, 1, 2), (2, 2));
    /// assert_eq!(Padding::Valid.amounts(28, 3, 1, 1), (0, 0));
    /// ```
    pub fn amounts(
        self,
        size: usize,
        window: usize,
        stride: usize,
        dilation: usize,
    ) -> (usize, usize) {
        match self {
            Padding::Valid => (0, 0),
            Padding::Same => same_padding(size, window, stride, dilation),
        }
    }
}

impl fmt::Display for Padding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Padding {
    type Err = String;

    /// `"valid"` or `"same"`, in any case.
    fn from_str(s: &str) -> Result<Padding, String> {
        match s.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            _ => Err(format!("expected \"valid\" or \"same\", found {s:?}")),
        }
    }
}

impl ConfigValue for Padding {
    fn to_config(&self) -> serde_json::Value {
        self.name().into()
    }

    fn from_config(value: &serde_json::Value) -> Result<Self, String> {
        value
            .as_str()
            .ok_or_else(|| expected("\"valid\" or \"same\"", value))?
            .parse()
    }
}
