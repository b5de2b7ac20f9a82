use layers::prelude::*;

#[derive(Layer)]
struct Gain(usize, Weight);

fn main() {}
