//! The tutorial's custom activation, a leaky ReLU `max(0.1·x, x)`, between `Dense(64)` and
//! `Dense(10)` on inputs of 32 features. Keras wraps a Python function in a `Lambda`; here
//! `#[activation]` turns the plain function into a layer with an exact derivative.
//!
//! Run with `cargo run --example custom_activation`.

use layers::activation::report::ActivationReport;
use layers::prelude::*;

/// A leaky ReLU with slope 0.1.
#[activation]
fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

fn main() -> layers::Result<()> {
    // The function stays an ordinary function.
    assert_eq!(leaky(-2.0), -0.2);
    assert_eq!(leaky(3.0), 3.0);

    let mut model = Sequential::new()
        .add(Dense::new(64))
        .add(Leaky)
        .add(Dense::new(10));
    model.build([32])?;
    println!("{}", model.summary());

    // The exact derivative comes from dual numbers over the same body.
    let activation = Activation::from_name("leaky")?;
    for x in [-2.0, 3.0] {
        let (value, derivative) = activation.value_and_derivative(x).expect("elementwise");
        println!("leaky({x}) = {value}, leaky'({x}) = {derivative}");
    }

    // The tutorial's caution about vanishing and exploding gradients, measured.
    for name in ["leaky", "relu", "sigmoid", "tanh"] {
        let report = ActivationReport::over(&Activation::from_name(name)?, -6.0..=6.0, 1201)?;
        println!("{report}");
    }
    Ok(())
}
