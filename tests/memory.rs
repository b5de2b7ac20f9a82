//! The graph is freed after every backward pass: 10,000 training-style iterations leave the
//! number of live graph nodes where it started. Counted, not timed. This file holds a single
//! test so that nothing else records graph nodes in the same process at the same time.

use layers::live_graph_nodes;
use layers::prelude::*;

/// The process-wide node count is shared, so the checks run one after another in one test.
#[test]
fn graphs_are_freed() {
    ten_thousand_training_steps_do_not_grow_the_graph();
    a_no_grad_forward_records_nothing();
    a_very_long_chain_is_freed_without_overflowing_the_stack();
}

fn ten_thousand_training_steps_do_not_grow_the_graph() {
    let mut w1 = Weight::new("w1", &[8, 16], Initializer::glorot_uniform(), 1).unwrap();
    let mut b1 = Weight::new("b1", &[16], Initializer::zeros(), 0).unwrap();
    let mut w2 = Weight::new("w2", &[16, 3], Initializer::glorot_uniform(), 2).unwrap();
    let x = Tensor::from_vec((0..32).map(|i| (i as f32 * 0.37).sin()).collect(), &[4, 8]);
    let target = Tensor::from_vec(
        vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0],
        &[4, 3],
    );

    let baseline = live_graph_nodes();
    let mut peak = 0;
    let mut first_loss = None;
    let mut last_loss = 0.0;
    for _ in 0..10_000 {
        let grads = {
            let h = (x.matmul(&w1) + &b1)
                .map_with_derivative(|v| v.max(0.0), |v| if v > 0.0 { 1.0 } else { 0.0 });
            let logits = h.matmul(&w2);
            let loss = -(logits.log_softmax(-1) * &target).sum_all() / 4.0;
            peak = peak.max(live_graph_nodes() - baseline);
            last_loss = loss.item();
            first_loss.get_or_insert(last_loss);
            loss.backward()
        };
        assert_eq!(
            live_graph_nodes(),
            baseline,
            "graph nodes outlived their step"
        );
        for w in [&mut w1, &mut b1, &mut w2] {
            let g = w.grad(&grads).expect("every weight takes part").to_array();
            w.update(|v| v.scaled_add(-0.05, &g));
        }
    }
    // The loop did record a graph each step, and it really trained.
    assert!(peak >= 8, "expected a recorded graph, peak was {peak}");
    assert!(
        last_loss < first_loss.unwrap() * 0.1,
        "loss {last_loss} vs {first_loss:?}"
    );
    assert_eq!(live_graph_nodes(), baseline);
}

fn a_no_grad_forward_records_nothing() {
    let w = Weight::new("w", &[8, 4], Initializer::glorot_uniform(), 3).unwrap();
    let x = Tensor::ones(&[2, 8]);
    let before = live_graph_nodes();
    let y = no_grad(|| (x.matmul(&w).exp() + w.value().sum(&[0], false)).softmax(-1));
    assert!(!y.requires_grad());
    assert_eq!(live_graph_nodes(), before);
    // The same forward outside no_grad does record.
    let y = (x.matmul(&w).exp() + w.value().sum(&[0], false)).softmax(-1);
    assert!(y.requires_grad());
    assert!(live_graph_nodes() > before);
}

fn a_very_long_chain_is_freed_without_overflowing_the_stack() {
    let x = Tensor::ones(&[2]).into_variable();
    let before = live_graph_nodes();
    let mut y = x.clone();
    for _ in 0..200_000 {
        y = &y * 1.0;
    }
    assert_eq!(live_graph_nodes() - before, 200_000);
    drop(y);
    assert_eq!(live_graph_nodes(), before);
}
