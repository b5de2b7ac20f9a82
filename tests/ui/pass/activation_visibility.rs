#![deny(warnings)]
// `max(0.0).min(6.0)` is the body form a user writes; clippy would have `clamp`.
#[allow(clippy::manual_clamp)]
mod acts {
    use layers::prelude::*;

    /// Visible outside the module, like the function.
    #[activation]
    pub(crate) fn hard_silu(x: f32) -> f32 {
        x * (x / 6.0 + 0.5).clamp(0.0, 1.0)
    }

    #[activation]
    pub fn relu6(x: f32) -> f32 {
        x.max(0.0).min(6.0)
    }
}

use layers::activation::ActivationFn;

pub fn main() {
    assert_eq!(acts::HardSilu.value_and_derivative(10.0), (10.0, 1.0));
    assert_eq!(acts::Relu6.value_and_derivative(7.0), (6.0, 0.0));
    assert_eq!(acts::hard_silu(0.0), 0.0);
}
