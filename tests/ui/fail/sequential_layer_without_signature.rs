// A hand-written `impl Layer` has no shape signature, so it cannot sit in a statically
// checked model until it implements `StaticLayer`.
use layers::prelude::*;

struct Plain;

impl Layer for Plain {
    fn type_name(&self) -> &'static str {
        "Plain"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.clone())
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 4])]
struct Net {
    #[layer(default)]
    hidden: Dense<Const<8>>,
    #[layer(init = Plain)]
    plain: Plain,
}

fn main() {}
