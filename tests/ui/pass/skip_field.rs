#![deny(warnings)]
use std::sync::atomic::{AtomicUsize, Ordering};

use layers::prelude::*;

/// Counts its calls in a skipped field.
#[derive(Layer)]
struct Counter {
    #[skip]
    calls: AtomicUsize,
}

impl Call for Counter {
    fn call(&self, x: &Tensor) -> Tensor {
        self.calls.fetch_add(1, Ordering::Relaxed);
        x.clone()
    }
}

pub fn main() {
    let counter = Counter::new();
    counter.apply(&Tensor::ones(&[1, 2]));
    counter.apply(&Tensor::ones(&[1, 2]));
    assert_eq!(counter.calls.load(Ordering::Relaxed), 2);
    assert!(counter.weights().is_empty());
    assert_eq!(counter.config().to_string(), "{}");
}
