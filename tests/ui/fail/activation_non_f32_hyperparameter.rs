use layers::prelude::*;

#[activation(steps = 2)]
fn staircase(x: f32, steps: i32) -> f32 {
    (x * steps as f32).floor()
}

fn main() {}
