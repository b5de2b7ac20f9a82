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
    for (x, expected) in [(-2.0, (-0.2, 0.1)), (3.0, (3.0, 1.0))] {
        let (value, derivative) = activation.value_and_derivative(x).expect("elementwise");
        println!("leaky({x}) = {value}, leaky'({x}) = {derivative}");
        assert_eq!((value, derivative), expected);
    }

    // The tutorial's caution about vanishing and exploding gradients, measured.
    for name in ["leaky", "relu", "sigmoid", "tanh"] {
        let report = ActivationReport::over(&Activation::from_name(name)?, -6.0..=6.0, 1201)?;
        println!("{report}");
        // leaky's slope never drops below 0.1; relu's is 0 on the whole negative half.
        match name {
            "leaky" => assert_eq!(report.vanishing_share, 0.0),
            "relu" => assert!(report.vanishing_share >= 0.5),
            _ => {}
        }
    }
    Ok(())
}
