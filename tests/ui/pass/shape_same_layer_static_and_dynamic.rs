// One custom layer with a signature, used in a statically checked model and in a
// `Sequential` built at run time.
use layers::{activation::Tanh, prelude::*};

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, units])]
struct Projection {
    units: usize,
    #[weight(shape = [IN, units])]
    kernel: Weight,
}

impl Call for Projection {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 8])]
struct Static {
    #[layer(init = Projection::new(4))]
    projection: Projection,
    #[layer(default)]
    act: Tanh,
}

pub fn main() -> Result<()> {
    let mut checked = Model::new(Static::new());
    assert_eq!(checked.build([8])?, vec![4]);
    assert_eq!(checked.count_params()?, 32);

    let mut dynamic = Sequential::new().add(Projection::new(4)).add(Tanh);
    assert_eq!(dynamic.build([8])?, vec![4]);
    assert_eq!(dynamic.count_params()?, 32);
    Ok(())
}
