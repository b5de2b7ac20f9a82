use layers::prelude::*;

struct Slope(f32);

impl Slope {
    #[activation]
    fn leaky(&self, x: f32) -> f32 {
        x.max(self.0 * x)
    }
}

fn main() {
    let _ = Slope(0.1).leaky(1.0);
}
