#![deny(warnings)]
use layers::prelude::*;

#[derive(Layer)]
struct Bias {
    #[weight(shape = [input[-1]], init = "ones")]
    bias: Weight,
}

impl Call for Bias {
    fn call(&self, x: &Tensor) -> Tensor {
        x + &self.bias
    }
}

/// Sublayers given to `new`, made by `Default` (which the derive writes for `Bias`, whose
/// `new` takes no arguments), and made from the config.
#[derive(Layer)]
struct Stack {
    width: usize,
    #[layer]
    given: Bias,
    #[layer(default)]
    defaulted: Bias,
    #[layer(init = Scaled::new(width))]
    made: Scaled,
}

#[derive(Layer)]
struct Scaled {
    units: usize,
    #[weight(shape = [input[-1], units], init = "ones")]
    kernel: Weight,
}

impl Call for Scaled {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

impl Call for Stack {
    fn call(&self, x: &Tensor) -> Tensor {
        self.made.apply(&self.defaulted.apply(&self.given.apply(x)))
    }
}

pub fn main() {
    let mut stack = Stack::new(2, Bias::new());
    assert_eq!(stack.build([3]).unwrap(), vec![2]);
    let paths: Vec<String> = stack.all_weights().into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["given.bias", "defaulted.bias", "made.kernel"]);
    assert_eq!(stack.count_params().unwrap(), 3 + 3 + 6);
    // Sublayers are not config.
    assert_eq!(stack.config().to_string(), r#"{"width":2}"#);
}
