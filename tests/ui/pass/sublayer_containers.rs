// `Vec<L>`, `[L; N]`, `Option<L>` and `Box<dyn Layer>` are `#[layer]` fields; a list of
// same-shape blocks fits a statically checked (even `strict`) model.
use layers::{activation::Relu, prelude::*};

#[derive(Layer)]
struct Flexible {
    #[layer]
    blocks: Vec<Dense>,
    #[layer(default)]
    pair: [Relu; 2],
    #[layer]
    shortcut: Option<Dense>,
    #[layer]
    head: Box<dyn Layer>,
}

impl Call for Flexible {
    fn call(&self, x: &Tensor) -> Tensor {
        let mut y = x.clone();
        for block in &self.blocks {
            y = block.apply(&y);
        }
        let y = self.pair.apply(&y);
        let y = match &self.shortcut {
            Some(s) => s.apply(&y) + &y,
            None => y,
        };
        self.head.apply(&y)
    }
}

#[derive(Layer)]
#[layer(sequential, strict, input = [B, 4])]
struct Deep {
    #[layer(default)]
    first: Dense<Const<8>>,
    #[layer]
    blocks: Vec<Dense<Const<8>>>,
    #[layer(default)]
    norm: Option<LayerNormalization>,
    #[layer(default)]
    out: Dense<Const<2>>,
}

pub fn main() {
    let mut flexible = Flexible::new(
        vec![Dense::new(3), Dense::new(3)],
        Some(Dense::new(3)),
        Box::new(Dense::new(1)),
    );
    assert_eq!(flexible.build([2]).unwrap(), vec![1]);
    let mut deep = Deep::new((0..2).map(|_| Dense::default()).collect());
    assert_eq!(deep.build([4]).unwrap(), vec![2]);
}
