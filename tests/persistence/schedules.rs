//! Keras 3's learning-rate schedules saved with a model's optimizer: a run stopped, saved
//! to a model file, loaded and continued is bit for bit the uninterrupted run.

use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::{
    Adam, CosineDecay, CosineDecayRestarts, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay, PolynomialDecay, Sgd,
};
use layers::prelude::*;

fn model() -> Sequential {
    let mut model = Sequential::new()
        .seed(3)
        .add(Dense::new(5).activation(layers::activation::Relu))
        .add(Dense::new(3));
    model.build([4]).unwrap();
    model
}

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec(
        (0..64).map(|i| ((i * 5) % 13) as f32 * 0.2 - 1.2).collect(),
        &[16, 4],
    );
    let y = Tensor::from_vec((0..16).map(|i| (i % 3) as f32).collect(), &[16]);
    (x, y)
}

fn weight_bits(model: &Sequential) -> Vec<(String, Vec<u32>)> {
    model
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, w.value().to_vec().iter().map(|v| v.to_bits()).collect()))
        .collect()
}

/// Compiles a model with one optimizer and schedule.
type Compile = Box<dyn Fn(&mut Sequential)>;

fn compile(model: &mut Sequential, optimizer: impl Optimizer + 'static) {
    let loss = SparseCategoricalCrossentropy::new().from_logits(true);
    model.compile(optimizer, loss, &[]).unwrap();
}

/// The five schedules, each with its settings away from the defaults, cut so that the 4
/// steps of a 2-epoch run and the 4 after it cross a boundary or the end of the decay.
fn schedules() -> Vec<(&'static str, Compile)> {
    vec![
        (
            "piecewise",
            Box::new(|m: &mut Sequential| {
                let s = PiecewiseConstantDecay::new([2, 5], [0.1, 0.05, 0.01]).unwrap();
                compile(m, Sgd::new().momentum(0.5).schedule(s));
            }),
        ),
        (
            "inverse_time",
            Box::new(|m: &mut Sequential| {
                let s = InverseTimeDecay::new(0.05, 3, 0.7).unwrap().staircase(true);
                compile(m, Adam::new().schedule(s));
            }),
        ),
        (
            "polynomial",
            Box::new(|m: &mut Sequential| {
                let s = PolynomialDecay::new(0.05, 5)
                    .and_then(|s| s.end_learning_rate(0.002))
                    .and_then(|s| s.power(1.5))
                    .unwrap()
                    .cycle(true);
                compile(m, Adam::new().schedule(s));
            }),
        ),
        (
            "cosine",
            Box::new(|m: &mut Sequential| {
                let s = CosineDecay::new(0.001, 4)
                    .and_then(|s| s.alpha(0.1))
                    .and_then(|s| s.warmup(0.05, 3))
                    .unwrap();
                compile(m, Sgd::new().schedule(s));
            }),
        ),
        (
            "restarts",
            Box::new(|m: &mut Sequential| {
                let s = CosineDecayRestarts::new(0.05, 2)
                    .and_then(|s| s.t_mul(1.5))
                    .and_then(|s| s.m_mul(0.7))
                    .and_then(|s| s.alpha(0.05))
                    .unwrap();
                compile(m, Adam::new().schedule(s));
            }),
        ),
    ]
}

#[test]
fn training_resumed_from_a_saved_model_with_each_schedule_is_the_uninterrupted_run() {
    let (x, y) = data();
    let options = |epochs| {
        FitOptions::new()
            .with_epochs(epochs)
            .batch_size(8)
            .verbose(0)
    };
    for (name, compile_with) in schedules() {
        let mut straight = model();
        compile_with(&mut straight);
        straight.fit(&x, &y, options(4)).unwrap();

        let mut first = model();
        compile_with(&mut first);
        first.fit(&x, &y, options(2)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{name}.safetensors"));
        first.save(&path).unwrap();
        drop(first);
        let mut resumed = Sequential::load(&path).unwrap();
        resumed.fit(&x, &y, options(2)).unwrap();

        assert_eq!(weight_bits(&resumed), weight_bits(&straight), "{name}");
        assert_eq!(
            resumed.optimizer_params(),
            straight.optimizer_params(),
            "{name}"
        );
        // and the schedule's rate moved over the run
        let rates: Vec<f32> = (0..8).map(|s| schedule_of(name).rate(s)).collect();
        assert!(rates.windows(2).any(|w| w[0] != w[1]), "{name}: {rates:?}");
    }
}

/// The schedule of case `name` alone, to check that its rate changes within the run.
fn schedule_of(name: &str) -> Box<dyn LearningRateSchedule> {
    match name {
        "piecewise" => Box::new(PiecewiseConstantDecay::new([2, 5], [0.1, 0.05, 0.01]).unwrap()),
        "inverse_time" => Box::new(InverseTimeDecay::new(0.05, 3, 0.7).unwrap().staircase(true)),
        "polynomial" => Box::new(PolynomialDecay::new(0.05, 5).unwrap().cycle(true)),
        "restarts" => Box::new(CosineDecayRestarts::new(0.05, 2).unwrap()),
        _ => Box::new(
            CosineDecay::new(0.001, 4)
                .and_then(|s| s.warmup(0.05, 3))
                .unwrap(),
        ),
    }
}
