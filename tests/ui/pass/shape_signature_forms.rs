// Every form a signature entry takes: a name binding the incoming size (and usable in weight
// shapes), a literal, a const generic, a config field, `..` for leading axes, and a name
// repeated to require equal sizes.
use layers::prelude::*;
use layers::typed::{Shape, StaticLayer};

#[derive(Layer)]
#[layer(input = [.., IN], output = [.., N])]
struct Fixed<const N: usize> {
    #[weight(shape = [IN, N])]
    kernel: Weight,
}

impl<const N: usize> Call for Fixed<N> {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

#[derive(Layer)]
#[layer(input = [B, N, N], output = [B, N])]
struct Diagonal {}

impl Call for Diagonal {
    fn call(&self, x: &Tensor) -> Tensor {
        x.sum(&[2], false)
    }
}

#[derive(Layer)]
#[layer(input = [B, 3], output = [B, width])]
struct Widen {
    width: usize,
}

impl Call for Widen {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(Tensor::ones(&[3, self.width]))
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 5])]
struct Generic<const H: usize> {
    #[layer(init = Fixed::new())]
    a: Fixed<H>,
    #[layer(init = Fixed::new())]
    b: Fixed<3>,
    #[layer(init = Widen::new(7))]
    c: Widen,
}

pub fn main() -> Result<()> {
    type Out = <Fixed<4> as StaticLayer>::Output<(usize, usize, Const<9>)>;
    assert_eq!(Out::describe(), "(usize, usize, Const<4>)");

    let mut m = Model::new(Generic::<6>::new());
    assert_eq!(m.build([5])?, vec![7]);

    let mut d = Diagonal::new();
    assert_eq!(d.build([3, 3])?, vec![3]);
    assert!(d.build([3, 4]).is_err());
    Ok(())
}
