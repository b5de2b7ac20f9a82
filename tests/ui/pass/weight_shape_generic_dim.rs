// A layer generic over its size (`U: Dim`, as `Dense<U>` is) uses the size field in a
// weight shape as it is, with a runtime `usize` or a compile-time `Const<N>`, and in a
// signature too.
use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, units])]
struct Project<U: Dim = usize> {
    units: U,
    #[weight(shape = [IN, units], init = "ones")]
    kernel: Weight,
    #[weight(shape = [units], init = "zeros")]
    bias: Weight,
}

impl<U: Dim> Call for Project<U> {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel) + &self.bias
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 3])]
struct Net {
    #[layer(init = Project::new(Const::<4>))]
    first: Project<Const<4>>,
    #[layer(init = Project::new(2))]
    second: Project,
}

pub fn main() -> Result<()> {
    let mut fixed = Project::new(Const::<5>);
    assert_eq!(fixed.build([3])?, vec![5]);
    assert_eq!(fixed.count_params()?, 3 * 5 + 5);
    let mut runtime = Project::new(5);
    assert_eq!(runtime.build([3])?, vec![5]);
    let mut net = Model::new(Net::new());
    assert_eq!(net.build([3])?, vec![2]);
    // ones kernels: each of the 4 first outputs is 1 + 2 + 3 = 6, each second output 4 · 6
    let y = net.predict(&Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]))?;
    assert_eq!(y.to_vec(), vec![24.0, 24.0]);
    Ok(())
}
