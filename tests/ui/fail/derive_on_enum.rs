use layers::prelude::*;

#[derive(Layer)]
enum Either {
    Left,
    Right,
}

fn main() {}
