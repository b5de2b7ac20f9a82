use layers::prelude::*;

#[derive(Layer)]
struct CustomDense {
    units: usize,
    #[weight(shape = [input[-1], units])]
    w: Weight,
}

fn main() {
    let _ = CustomDense::new(4);
}
