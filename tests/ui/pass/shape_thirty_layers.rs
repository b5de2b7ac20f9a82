// A statically checked model of 30 layers compiles like one of 3: each field is one step
// of a flat check, not a level of a nested type.
use layers::{activation::Relu, prelude::*};

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Deep {
    #[layer(default)]
    dense_0: Dense<Const<32>>,
    #[layer(default)]
    act_0: Relu,
    #[layer(default)]
    dense_1: Dense<Const<32>>,
    #[layer(default)]
    act_1: Relu,
    #[layer(default)]
    dense_2: Dense<Const<32>>,
    #[layer(default)]
    act_2: Relu,
    #[layer(default)]
    dense_3: Dense<Const<32>>,
    #[layer(default)]
    act_3: Relu,
    #[layer(default)]
    dense_4: Dense<Const<32>>,
    #[layer(default)]
    act_4: Relu,
    #[layer(default)]
    dense_5: Dense<Const<32>>,
    #[layer(default)]
    act_5: Relu,
    #[layer(default)]
    dense_6: Dense<Const<32>>,
    #[layer(default)]
    act_6: Relu,
    #[layer(default)]
    dense_7: Dense<Const<32>>,
    #[layer(default)]
    act_7: Relu,
    #[layer(default)]
    dense_8: Dense<Const<32>>,
    #[layer(default)]
    act_8: Relu,
    #[layer(default)]
    dense_9: Dense<Const<32>>,
    #[layer(default)]
    act_9: Relu,
    #[layer(default)]
    dense_10: Dense<Const<32>>,
    #[layer(default)]
    act_10: Relu,
    #[layer(default)]
    dense_11: Dense<Const<32>>,
    #[layer(default)]
    act_11: Relu,
    #[layer(default)]
    dense_12: Dense<Const<32>>,
    #[layer(default)]
    act_12: Relu,
    #[layer(default)]
    dense_13: Dense<Const<32>>,
    #[layer(default)]
    act_13: Relu,
    #[layer(init = Dropout::new(0.1))]
    dropout: Dropout,
    #[layer(default)]
    out: Dense<Const<10>>,
}

pub fn main() -> Result<()> {
    let mut model = Model::new(Deep::new());
    assert_eq!(model.build([784])?, vec![10]);
    assert_eq!(model.sublayers().len(), 30);
    let y = model.predict(&Tensor::zeros(&[2, 784]))?;
    assert_eq!(y.shape(), &[2, 10]);
    Ok(())
}
