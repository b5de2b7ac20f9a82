#![deny(warnings)]
use layers::layer::context::with_context;
use layers::prelude::*;

#[derive(Layer)]
struct Noise {
    #[config(default = 1.0)]
    amount: f32,
}

impl CallWithContext for Noise {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if ctx.training() {
            x + self.amount
        } else {
            x.clone()
        }
    }
}

pub fn main() {
    let noise = Noise::new().amount(2.0);
    let x = Tensor::zeros(&[1, 2]);
    assert_eq!(noise.apply(&x).to_vec(), vec![0.0, 0.0]);
    assert_eq!(
        with_context(true, 0, || noise.apply(&x)).to_vec(),
        vec![2.0, 2.0]
    );
}
