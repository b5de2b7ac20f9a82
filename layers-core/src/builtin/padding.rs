//! [`Padding`]: Keras's `padding` argument of pooling (and convolution) layers, `"valid"`
//! or `"same"` (and `"causal"` for `Conv1D`).
//!
//! ```
//! use layers_core::builtin::Padding;
//! assert_eq!(Padding::Same.amounts(7, 2, 2, 1), (0, 1));
//! assert_eq!(Padding::Valid.amounts(7, 2, 2, 1), (0, 0));
//! ```

use crate::layer::config::{ConfigValue, expected};
pub use crate::tensor::conv::Padding;

/// Written as Keras writes it: `"valid"`, `"same"` or `"causal"` (read in any case).
///
/// ```
/// use layers_core::builtin::Padding;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Padding::Same.to_config(), "same");
/// assert_eq!(Padding::from_config(&serde_json::json!("VALID")), Ok(Padding::Valid));
/// assert_eq!(Padding::from_config(&serde_json::json!("causal")), Ok(Padding::Causal));
/// assert!(Padding::from_config(&serde_json::json!("full")).is_err());
/// ```
impl ConfigValue for Padding {
    fn to_config(&self) -> serde_json::Value {
        self.name().into()
    }

    fn from_config(value: &serde_json::Value) -> Result<Self, String> {
        value
            .as_str()
            .ok_or_else(|| expected("\"valid\", \"same\" or \"causal\"", value))?
            .parse()
    }
}
