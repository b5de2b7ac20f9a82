use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use std::time::Instant;

fn model() -> Sequential {
    let mut m = Sequential::new()
        .seed(1)
        .add(Dense::new(256).activation(layers::activation::Relu))
        .add(Dense::new(128).activation(layers::activation::Relu))
        .add(Dense::new(10));
    m.build([784]).unwrap();
    m.compile(
        Adam::new().with_learning_rate(1e-3),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &[],
    )
    .unwrap();
    m
}

fn main() {
    let what = std::env::args().nth(1).unwrap_or("all".into());
    let n = 60_000;
    let mut rng = 12345u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 40) as f32 / (1u64 << 24) as f32
    };
    let x = Tensor::from_vec((0..n * 784).map(|_| next()).collect(), &[n, 784]);
    let y = Tensor::from_vec((0..n).map(|_| (next() * 10.0).floor()).collect(), &[n]);
    let mut m = model();
    if what == "all" || what == "w1" {
        m.fit(
            &x.narrow(0, 0, 1280),
            &y.narrow(0, 0, 1280),
            FitOptions::new().with_epochs(1).batch_size(128).verbose(0),
        )
        .unwrap();
        for _ in 0..3 {
            let t = Instant::now();
            m.fit(
                &x,
                &y,
                FitOptions::new().with_epochs(1).batch_size(128).verbose(0),
            )
            .unwrap();
            let s = t.elapsed().as_secs_f64();
            println!("W1 {:.0} samples/s ({:.3} s)", n as f64 / s, s);
        }
    }
    if what == "all" || what == "w2" {
        for _ in 0..3 {
            let t = Instant::now();
            let p = m.predict_batched(&x, 1024).unwrap();
            let s = t.elapsed().as_secs_f64();
            println!("W2 {:.0} samples/s {}", n as f64 / s, p.shape()[0]);
        }
    }
    if what == "all" || what == "w4" {
        let one = x.narrow(0, 0, 1);
        let one = Tensor::from_vec(one.to_vec(), &[1, 784]);
        for _ in 0..1000 {
            m.predict(&one).unwrap();
        }
        for _ in 0..3 {
            let t = Instant::now();
            for _ in 0..10_000 {
                std::hint::black_box(m.predict(&one).unwrap());
            }
            println!("W4 {:.2} us", t.elapsed().as_secs_f64() * 1e6 / 10_000.0);
        }
    }
}
