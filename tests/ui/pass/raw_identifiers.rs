#![deny(warnings)]
use layers::prelude::*;

/// Keywords as field names: the weight and config keys drop the `r#`.
#[derive(Layer)]
struct Keywords {
    r#type: usize,
    #[weight(shape = [r#type], init = "ones")]
    r#box: Weight,
}

impl Call for Keywords {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.r#box
    }
}

pub fn main() {
    let mut k = Keywords::new(2);
    k.build([2]).unwrap();
    assert_eq!(k.all_weights()[0].0, "box");
    assert_eq!(k.config().to_string(), r#"{"type":2}"#);
}
