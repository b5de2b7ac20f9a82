//! Temporary hand-written built-ins until `#[activation]` lands (see the macro version).

use crate::activation::ActivationFn;

/// The identity.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Linear;

impl ActivationFn for Linear {
    const NAME: &'static str = "linear";
    fn value(&self, x: f32) -> f32 {
        x
    }
    fn value_and_derivative(&self, x: f32) -> (f32, f32) {
        (x, 1.0)
    }
}
