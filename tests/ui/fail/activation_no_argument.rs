use layers::prelude::*;

#[activation]
fn one() -> f32 {
    1.0
}

fn main() {
    let _ = Sequential::new().add(One);
}
