// Typed data of the wrong width passed to `predict`.
use layers::{activation::Relu, prelude::*};
use layers::typed::Batch1;

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Mlp {
    #[layer(default)]
    hidden: Dense<Const<128>>,
    #[layer(default)]
    act: Relu,
    #[layer(default)]
    out: Dense<Const<10>>,
}

fn main() -> Result<()> {
    let mut model = Model::new(Mlp::new());
    model.build([784])?;
    let x: TypedTensor<Batch1<780>> = TypedTensor::new(Tensor::zeros(&[2, 780]))?;
    let _ = model.predict(&x)?;
    Ok(())
}
