// Compile-time and runtime sizes in one model: the compiler checks what it knows, and the
// rest is checked when the model is built, as an error naming the layer.
use layers::{activation::Relu, prelude::*};

#[derive(Layer)]
#[layer(input = [B, 64], output = [B, 64])]
struct Residual {
    #[layer(default)]
    inner: Dense<Const<64>>,
}

impl Call for Residual {
    fn call(&self, x: &Tensor) -> Tensor {
        x + self.inner.apply(x)
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Mixed {
    // a runtime size: the compiler cannot tell whether `r` fits
    #[layer]
    hidden: Dense,
    #[layer(default)]
    act: Relu,
    #[layer(default)]
    r: Residual,
    #[layer(default)]
    out: Dense<Const<10>>,
}

pub fn main() -> Result<()> {
    let mut good = Model::new(Mixed::new(Dense::new(64)));
    assert_eq!(good.build([784])?, vec![10]);

    let mut bad = Model::new(Mixed::new(Dense::new(32)));
    let err = bad.build([784]).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("layer `r` (Residual)"), "{message}");
    assert!(
        message.contains("[B, 64]") && message.contains("[1, 32]"),
        "{message}"
    );
    Ok(())
}
