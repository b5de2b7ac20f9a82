#![deny(warnings)]
use layers::activation::ActivationFn;
use layers::prelude::*;

/// Exponential linear unit.
#[activation(alpha = 1.0)]
fn elu2(x: f32, alpha: f32) -> f32 {
    if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
}

/// Two hyperparameters, in argument order.
#[activation(high = 6.0, low = 0.0)]
fn hard_clip(x: f32, low: f32, high: f32) -> f32 {
    x.clamp(low, high)
}

pub fn main() {
    assert_eq!(Elu2::default(), Elu2 { alpha: 1.0 });
    assert_eq!(Elu2::new(2.0).alpha, 2.0);
    let (v, d) = Elu2::new(2.0).value_and_derivative(-1.0);
    assert_eq!(v, elu2(-1.0, 2.0));
    assert!((d - 2.0 * (-1.0f32).exp()).abs() < 1e-6);
    assert_eq!(
        HardClip::default().params(),
        vec![("low", 0.0), ("high", 6.0)]
    );
    assert_eq!(
        HardClip::new(-1.0, 1.0).value_and_derivative(0.5),
        (0.5, 1.0)
    );
    assert_eq!(
        HardClip::new(-1.0, 1.0).value_and_derivative(3.0),
        (1.0, 0.0)
    );
    assert_eq!(
        HardClip::new(-1.0, 1.0).config().to_string(),
        r#"{"high":1.0,"low":-1.0}"#
    );
    let from_name = Activation::from_name("hard_clip").unwrap();
    assert_eq!(from_name.params(), vec![("low", 0.0), ("high", 6.0)]);
}
