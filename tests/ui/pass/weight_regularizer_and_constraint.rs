//! `regularizer` and `constraint` on `#[weight]`: a `Regularizer`/`Constraint` value, or an
//! `Option` config field whose setter makes the weight again.
use layers::prelude::*;

#[derive(Layer)]
pub struct Gain {
    pub units: usize,
    #[config(default = None)]
    pub gain_regularizer: Option<Regularizer>,
    #[weight(
        shape = [units],
        init = "ones",
        regularizer = gain_regularizer.clone(),
        constraint = Constraint::max_norm(1.0)
    )]
    pub g: Weight,
    #[weight(shape = [units], init = "zeros", regularizer = Regularizer::l1(0.5))]
    pub b: Weight,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g + &self.b
    }
}

pub fn main() {
    let mut layer = Gain::new(3).gain_regularizer(Regularizer::l2(0.25));
    layer.build([3]).unwrap();
    assert_eq!(layer.g.regularizer(), Some(&Regularizer::l2(0.25)));
    assert_eq!(layer.g.constraint(), Some(&Constraint::max_norm(1.0)));
    assert_eq!(layer.b.regularizer(), Some(&Regularizer::l1(0.5)));
    let mut bad = Gain::new(3).gain_regularizer(Regularizer::l2(-1.0));
    let err = bad.build([3]).unwrap_err().to_string();
    assert!(err.contains("`gain_regularizer` (of weight `g`)"), "{err}");
}
