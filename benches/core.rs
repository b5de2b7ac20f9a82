//! Criterion benchmarks of the hot paths of `layers`: matrix products, the fused elementwise
//! map behind every activation, and one training step and one batch-1 prediction of the
//! reference MLP (784→256→128→10), each next to plain `ndarray` where a comparison exists.
//!
//! Run with `cargo bench --bench core`. Throughputs are reported as "elements" per second:
//! floating-point operations for `matmul` (2·m·n·k per product), array elements for `map`
//! and training samples for `mlp_step`. All inputs come from fixed seeds, so every run
//! measures the same data.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use layers::{Initializer, Tensor, Weight, no_grad};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The seed of every random input, so runs measure identical data.
const SEED: u64 = 42;

/// A `(rows, cols)` matrix of uniform draws in `[-1, 1)` from `seed`.
fn random_matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    Array2::from_shape_simple_fn((rows, cols), || rng.random_range(-1.0f32..1.0))
}

/// Leaky ReLU (slope 0.01).
fn leaky_relu(v: f32) -> f32 {
    if v > 0.0 { v } else { 0.01 * v }
}

/// The derivative of [`leaky_relu`].
fn leaky_relu_derivative(v: f32) -> f32 {
    if v > 0.0 { 1.0 } else { 0.01 }
}

/// ReLU, the MLP's activation.
fn relu(v: f32) -> f32 {
    if v > 0.0 { v } else { 0.0 }
}

/// The derivative of [`relu`].
fn relu_derivative(v: f32) -> f32 {
    if v > 0.0 { 1.0 } else { 0.0 }
}

/// `Tensor::matmul` (the tuned GEMM on both cores) against `ndarray`'s `Array2::dot`
/// (`matrixmultiply`, one thread) on the same operands: square 256, 512, 1024 and the MLP's
/// first layer, `(128, 784)·(784, 256)`. Throughput is in FLOPs, so criterion's
/// "Gelem/s" reads as GFLOP/s.
fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    // The largest products take tens of milliseconds; flat sampling keeps the run short.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (m, k, n) in [
        (256, 256, 256),
        (512, 512, 512),
        (1024, 1024, 1024),
        (128, 784, 256),
    ] {
        let a = random_matrix(m, k, SEED);
        let b = random_matrix(k, n, SEED + 1);
        let ta = Tensor::from_array(a.clone());
        let tb = Tensor::from_array(b.clone());
        // Both sides must compute the same product, or the comparison means nothing.
        let ours = no_grad(|| ta.matmul(&tb)).to_array();
        let reference = a.dot(&b).into_dyn();
        let worst = (&ours - &reference)
            .iter()
            .fold(0.0f32, |acc, d| acc.max(d.abs()));
        assert!(
            worst < 1e-3 * k as f32,
            "matmul {m}x{k}x{n} differs from ndarray by {worst}"
        );

        let flops = 2 * m * k * n;
        group.throughput(Throughput::Elements(flops as u64));
        let size = format!("{m}x{k}x{n}");
        group.bench_with_input(
            BenchmarkId::new("layers", &size),
            &(&ta, &tb),
            |bench, (x, y)| {
                bench.iter(|| no_grad(|| x.matmul(*y)));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("ndarray_dot", &size),
            &(&a, &b),
            |bench, (x, y)| {
                bench.iter(|| x.dot(*y));
            },
        );
    }
    group.finish();
}

/// The fused elementwise map on 1,000,000 values with a leaky ReLU: in inference (value
/// only, nothing recorded), while recording (value and derivative in one pass, graph node
/// kept), and `ndarray`'s single-threaded `mapv` of the same function for reference.
fn map(c: &mut Criterion) {
    const LEN: usize = 1_000_000;
    let mut group = c.benchmark_group("map");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(LEN as u64));
    let mut rng = StdRng::seed_from_u64(SEED);
    let values = Array1::from_shape_simple_fn(LEN, || rng.random_range(-1.0f32..1.0));
    // A variable, so that only `no_grad` keeps the inference case from recording.
    let x = Tensor::from_array(values.clone()).into_variable();
    let map = || x.map_with_derivative(leaky_relu, leaky_relu_derivative);
    assert!(!no_grad(map).requires_grad());
    assert!(map().requires_grad());

    group.bench_function("map_with_derivative_inference", |bench| {
        bench.iter(|| no_grad(map));
    });
    group.bench_function("map_with_derivative_recording", |bench| {
        bench.iter(map);
    });
    group.bench_function("ndarray_mapv", |bench| {
        bench.iter(|| values.mapv(leaky_relu));
    });
    group.finish();
}

/// The reference MLP, 784→256→128→10 with ReLU: Keras-initialised kernels, zero biases.
struct Mlp {
    layers: Vec<(Weight, Weight)>,
}

impl Mlp {
    /// Glorot-uniform kernels (each from its own seed) and zero biases.
    fn new() -> Mlp {
        let widths = [784, 256, 128, 10];
        let layers = widths
            .windows(2)
            .zip(0u64..)
            .map(|(io, i)| {
                let kernel = Weight::new(
                    "kernel",
                    &[io[0], io[1]],
                    Initializer::glorot_uniform(),
                    SEED + i,
                )
                .expect("glorot_uniform accepts any rank-2 shape");
                let bias = Weight::new("bias", &[io[1]], Initializer::zeros(), 0)
                    .expect("zeros accepts any shape");
                (kernel, bias)
            })
            .collect();
        Mlp { layers }
    }

    /// The logits, `(batch, 10)`, for `x` of shape `(batch, 784)`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let last = self.layers.len() - 1;
        let mut h = x.clone();
        for (i, (kernel, bias)) in self.layers.iter().enumerate() {
            h = h.matmul(kernel) + bias;
            if i < last {
                h = h.map_with_derivative(relu, relu_derivative);
            }
        }
        h
    }

    /// Mean softmax cross-entropy of the logits of `x` against one-hot `targets`.
    fn loss(&self, x: &Tensor, targets: &Tensor) -> Tensor {
        let batch = x.shape()[0] as f32;
        -(self.forward(x).log_softmax(-1) * targets).sum_all() / batch
    }
}

/// `(batch, 784)` inputs in `[0, 1)` like scaled pixels, and one-hot `(batch, 10)` targets.
fn mlp_batch(batch: usize) -> (Tensor, Tensor) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let x = Array2::from_shape_simple_fn((batch, 784), || rng.random_range(0.0f32..1.0));
    let mut targets = Array2::<f32>::zeros((batch, 10));
    for mut row in targets.rows_mut() {
        row[rng.random_range(0..10)] = 1.0;
    }
    (Tensor::from_array(x), Tensor::from_array(targets))
}

/// One training step of the reference MLP at batch 128, forward and backward (no optimiser
/// update), in samples per second; and the latency of one batch-1 forward pass under
/// `no_grad`, which is mostly per-op overhead.
fn mlp_step(c: &mut Criterion) {
    const BATCH: usize = 128;
    let mut group = c.benchmark_group("mlp_step");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mlp = Mlp::new();
    let (x, targets) = mlp_batch(BATCH);
    let grads = mlp.loss(&x, &targets).backward();
    assert!(
        mlp.layers
            .iter()
            .all(|(k, b)| k.grad(&grads).is_some() && b.grad(&grads).is_some())
    );

    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("forward_backward_batch128", |bench| {
        bench.iter(|| mlp.loss(&x, &targets).backward());
    });

    let (x1, _) = mlp_batch(1);
    group.throughput(Throughput::Elements(1));
    group.bench_function("batch1_forward", |bench| {
        bench.iter(|| no_grad(|| mlp.forward(black_box(&x1))));
    });
    group.finish();
}

/// A full training step through the public API: `Sequential` of built-in `Dense` layers,
/// sparse softmax cross-entropy on logits, Adam, `train_on_batch` (forward, backward,
/// update, metrics), batch 128: the workload of the README's training-throughput figures.
fn train_step(c: &mut Criterion) {
    use layers::activation::Relu;
    use layers::loss::SparseCategoricalCrossentropy;
    use layers::optim::Adam;
    use layers::{Dense, LayerExt, Sequential, Train};
    const BATCH: usize = 128;
    let mut model = Sequential::new()
        .add(Dense::new(256).activation(Relu))
        .add(Dense::new(128).activation(Relu))
        .add(Dense::new(10));
    model.build([784]).expect("builds");
    model
        .compile(
            Adam::new(),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &[],
        )
        .expect("compiles");
    assert_eq!(model.count_params().expect("built"), 235_146);
    let (x, _) = mlp_batch(BATCH);
    let labels = Tensor::from_vec((0..BATCH).map(|i| (i % 10) as f32).collect(), &[BATCH]);
    let mut group = c.benchmark_group("train_step");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("sequential_adam_batch128", |bench| {
        bench.iter(|| model.train_on_batch(&x, &labels).expect("trains"));
    });
    group.finish();

    // The same trained model's batch-1 `predict` (W4 of the comparison harness): the slice
    // path of `Layer::forward_rows`, with a softmax head too, and a model with a layer
    // without that path (a `Lambda`), which runs `forward`.
    let (x1, _) = mlp_batch(1);
    let mut softmax = Sequential::new()
        .add(Dense::new(256).activation(Relu))
        .add(Dense::new(128).activation(Relu))
        .add(Dense::new(10).activation("softmax"));
    softmax.build([784]).expect("builds");
    let mut walked = Sequential::new()
        .add(Dense::new(256).activation(Relu))
        .add(Dense::new(128).activation(Relu))
        .add(Dense::new(10))
        .add(layers::builtin::Lambda::new(|x: &Tensor| x.clone()));
    walked.build([784]).expect("builds");
    let mut group = c.benchmark_group("predict");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));
    group.bench_function("sequential_batch1", |bench| {
        bench.iter(|| model.predict(black_box(&x1)).expect("predicts"));
    });
    group.bench_function("sequential_batch1_softmax", |bench| {
        bench.iter(|| softmax.predict(black_box(&x1)).expect("predicts"));
    });
    group.bench_function("sequential_batch1_forward_walk", |bench| {
        bench.iter(|| walked.predict(black_box(&x1)).expect("predicts"));
    });
    group.finish();
}

/// A user's activation, written exactly like the built-in `relu`.
#[layers::activation]
fn custom_relu(x: f32) -> f32 {
    if x > 0.0 { x } else { 0.0 }
}

/// A custom `#[activation]` against the identical built-in on 1M elements, applied as layers,
/// in inference and while recording: the DSL promises they cost the same.
fn activation(c: &mut Criterion) {
    use layers::LayerExt;
    use layers::activation::Relu;
    const N: usize = 1_000_000;
    let mut rng = StdRng::seed_from_u64(11);
    let values: Vec<f32> = (0..N).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect();
    let x = Tensor::from_vec(values, &[1000, 1000]);
    let xv = x.clone().into_variable();
    let mut group = c.benchmark_group("activation");
    group.throughput(Throughput::Elements(N as u64));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("builtin_relu/inference", |b| {
        b.iter(|| no_grad(|| black_box(Relu.apply(&x))))
    });
    group.bench_function("custom_relu/inference", |b| {
        b.iter(|| no_grad(|| black_box(CustomRelu.apply(&x))))
    });
    group.bench_function("builtin_relu/recording", |b| {
        b.iter(|| black_box(Relu.apply(&xv)))
    });
    group.bench_function("custom_relu/recording", |b| {
        b.iter(|| black_box(CustomRelu.apply(&xv)))
    });
    group.finish();
}

/// `MultiHeadAttention` (self-attention) forward and backward at a transformer-block size:
/// batch 32 of 64 steps of 128 features, 8 heads of 16, causal mask. Throughput in
/// floating-point operations: the forward pass's four projections (2·b·t·d·h·k each) and its
/// two batched products (2·b·h·t²·k each), times 3 for forward plus backward (each product's
/// backward is two products of the same size).
fn attention(c: &mut Criterion) {
    use layers::LayerExt;
    let (b, t, d, h, k) = (32, 64, 128, 8, 16);
    let mut group = c.benchmark_group("attention");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mha = layers::MultiHeadAttention::new(h, k).use_causal_mask(true);
    let x = Tensor::from_array(
        random_matrix(b * t, d, SEED)
            .into_shape_with_order((b, t, d))
            .unwrap(),
    );
    let flops = 3 * (4 * 2 * b * t * d * h * k + 2 * 2 * b * h * t * t * k);
    group.throughput(Throughput::Elements(flops as u64));
    let input = x.detach().into_variable();
    mha.try_apply(&input).unwrap();
    group.bench_function("forward_backward_b32_t64_d128_h8", |bench| {
        bench.iter(|| mha.try_apply(&input).unwrap().sum_all().backward());
    });
    group.finish();
}

/// `MaxPooling2D` 2×2 (stride 2) forward and backward on a batch of 64 images of
/// 26×26×32 (the output of a 3×3 convolution of 32 filters on MNIST), through the layer:
/// the forward pass alone under `no_grad`, the forward pass recording the graph (it keeps
/// each output's argmax), and forward plus backward; beside them, as a baseline, the
/// backward pass of a plain `sum` over the same input (the cost of making and storing a
/// gradient of that size at all). Throughput is in input values, so "Gelem/s" reads as
/// billions of input values pooled per second.
fn pool(c: &mut Criterion) {
    use layers::{LayerExt, MaxPooling2D};
    let mut group = c.benchmark_group("pool");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let shape = [64, 26, 26, 32];
    let len: usize = shape.iter().product();
    let mut rng = StdRng::seed_from_u64(SEED);
    let values = (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let x = Tensor::from_vec(values, &shape);
    let layer = MaxPooling2D::new();
    let y = layer.try_apply(&x).expect("pools a rank-4 batch");
    assert_eq!(y.shape(), &[64, 13, 13, 32]);
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function("max_pooling2d_forward", |bench| {
        bench.iter(|| no_grad(|| layer.apply(black_box(&x))));
    });
    let variable = x.clone().into_variable();
    group.bench_function("max_pooling2d_forward_recorded", |bench| {
        bench.iter(|| layer.apply(black_box(&variable)));
    });
    group.bench_function("sum_backward_only", |bench| {
        bench.iter(|| black_box(&variable).sum_all().backward());
    });
    group.bench_function("max_pooling2d_forward_backward", |bench| {
        bench.iter(|| layer.apply(black_box(&variable)).sum_all().backward());
    });
    group.finish();
}

/// A 2-D convolution at a realistic size, forward and backward (input and kernel
/// gradients): batch 64 of 28×28×32 images, 3×3 kernel to 64 filters, `valid` padding
/// (26×26 outputs). Throughput is in FLOPs, so "Gelem/s" reads as GFLOP/s: 2·M·K·N per
/// product with M = 64·26·26 output pixels, K = 3·3·32, N = 64, three products for forward
/// and backward. Beside it, the GEMM alone on the forward product's shape, and the forward
/// pass alone: the gap is what im2col and col2im cost.
fn conv2d(c: &mut Criterion) {
    use layers::tensor::conv::Padding;
    let (batch, side, cin, k, filters) = (64usize, 28usize, 32usize, 3usize, 64usize);
    let out = side - k + 1;
    let (m, kk, n) = (batch * out * out, k * k * cin, filters);
    let product = 2 * m * kk * n;
    let x = Tensor::from_array(random_matrix(batch * side * side, cin, SEED))
        .reshape(&[batch, side, side, cin]);
    let kernel = Tensor::from_array(random_matrix(kk, n, SEED + 1)).reshape(&[k, k, cin, n]);
    let (xv, kv) = (x.clone().into_variable(), kernel.clone().into_variable());
    let mut group = c.benchmark_group("conv2d");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(3 * product as u64));
    group.bench_function("forward_backward_64x28x28x32_3x3x64", |bench| {
        bench.iter(|| {
            let y = xv.conv2d(&kv, (1, 1), Padding::Valid, (1, 1));
            black_box(y.sum_all().backward())
        })
    });
    group.throughput(Throughput::Elements(product as u64));
    group.bench_function("forward_64x28x28x32_3x3x64", |bench| {
        bench.iter(|| no_grad(|| black_box(x.conv2d(&kernel, (1, 1), Padding::Valid, (1, 1)))))
    });
    let a = Tensor::from_array(random_matrix(m, kk, SEED + 2));
    let b = Tensor::from_array(random_matrix(kk, n, SEED + 3));
    group.bench_function("gemm_43264x288x64", |bench| {
        bench.iter(|| no_grad(|| black_box(a.matmul(&b))))
    });
    group.finish();
}

/// An `LSTM` layer's forward and backward pass (batch 64, 32 steps, 64 features, 128
/// units), the gradient reaching every weight and the input. Throughput is the matrix
/// products' floating-point operations, `3 × 2·batch·time·(features + units)·4·units`
/// (the forward products and the backward's two per product), so that it reads next to
/// `matmul`'s GEMM rate; the rest (gates, slicing, stacking) is the overhead it shows.
fn lstm(c: &mut Criterion) {
    recurrent(c, "lstm", layers::Lstm::new(UNITS), 4);
}

/// A `GRU` layer's forward and backward pass, as [`lstm`] (Keras's default `reset_after`;
/// throughput `3 × 2·batch·time·(features + units)·3·units`).
fn gru(c: &mut Criterion) {
    recurrent(c, "gru", layers::Gru::new(UNITS), 3);
}

/// Units of the recurrent layers of [`lstm`] and [`gru`].
const UNITS: usize = 128;

/// The forward and backward pass of a recurrent `layer` of [`UNITS`] units with `gates`
/// blocks in its kernels, over batch 64 × 32 steps × 64 features, as benchmark group
/// `name`.
fn recurrent(c: &mut Criterion, name: &str, mut layer: impl layers::LayerExt, gates: usize) {
    const BATCH: usize = 64;
    const TIME: usize = 32;
    const FEATURES: usize = 64;
    layer.build([TIME, FEATURES]).expect("builds");
    let x = Tensor::from_array(
        random_matrix(BATCH * TIME, FEATURES, SEED)
            .into_shape_with_order((BATCH, TIME, FEATURES))
            .expect("same size")
            .into_dyn(),
    )
    .into_variable();
    let run = || layer.try_apply(&x).expect("runs").sum_all().backward();
    let grads = run();
    assert!(
        grads.get(&x).is_some()
            && layer
                .all_weights()
                .iter()
                .all(|(_, w)| w.grad(&grads).is_some())
    );
    let flops = 3 * 2 * BATCH * TIME * (FEATURES + UNITS) * gates * UNITS;
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(flops as u64));
    group.bench_function("forward_backward_b64_t32_f64_u128", |bench| {
        bench.iter(run);
    });
    group.finish();
}

criterion_group!(
    benches, matmul, map, mlp_step, train_step, activation, attention, pool, conv2d, lstm, gru
);
criterion_main!(benches);
