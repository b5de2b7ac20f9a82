//! Every op's backward rule against central finite differences, over random shapes and
//! values (proptest), broadcasting included.

use layers::autograd::check_gradients;
use layers::prelude::*;
use proptest::prelude::*;

const EPS: f32 = 1e-2;
const TOL: f32 = 2e-2;

fn assert_grads(inputs: &[Tensor], f: impl Fn(&[Tensor]) -> Tensor) {
    let report = check_gradients(inputs, f, EPS);
    assert!(report.worst() < TOL, "gradient check failed:\n{report}");
}

fn shape_strategy(max_rank: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..4, 1..=max_rank)
}

fn tensor_with(shape: Vec<usize>, range: std::ops::Range<f32>) -> impl Strategy<Value = Tensor> {
    let n: usize = shape.iter().product();
    prop::collection::vec(range, n).prop_map(move |v| Tensor::from_vec(v, &shape))
}

/// Values kept away from 0 so that kinks (abs, relu-like maps) are not crossed by ±EPS.
fn away_from_zero(shape: Vec<usize>) -> impl Strategy<Value = Tensor> {
    let n: usize = shape.iter().product();
    prop::collection::vec((0.1f32..2.0, any::<bool>()), n).prop_map(move |v| {
        Tensor::from_vec(
            v.into_iter().map(|(x, s)| if s { x } else { -x }).collect(),
            &shape,
        )
    })
}

fn any_tensor(max_rank: usize) -> impl Strategy<Value = Tensor> {
    shape_strategy(max_rank).prop_flat_map(|s| tensor_with(s, -2.0..2.0))
}

/// A pair of shapes that broadcast together: the second drops leading axes and sets some
/// axes to 1.
fn broadcast_pair() -> impl Strategy<Value = (Tensor, Tensor)> {
    shape_strategy(3)
        .prop_flat_map(|a| {
            let rank = a.len();
            (
                Just(a),
                0..=rank,
                prop::collection::vec(any::<bool>(), rank),
            )
        })
        .prop_flat_map(|(a, drop, ones)| {
            let b: Vec<usize> = a
                .iter()
                .zip(&ones)
                .skip(drop)
                .map(|(&d, &one)| if one { 1 } else { d })
                .collect();
            let b = if b.is_empty() { vec![1] } else { b };
            (tensor_with(a, -2.0..2.0), away_from_zero(b))
        })
}

fn one_or_other((a, b): (Tensor, Tensor), swap: bool) -> [Tensor; 2] {
    if swap { [b, a] } else { [a, b] }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn add_sub_mul_broadcast(pair in broadcast_pair(), swap in any::<bool>()) {
        let inputs = one_or_other(pair, swap);
        assert_grads(&inputs, |v| &v[0] + &v[1]);
        assert_grads(&inputs, |v| &v[0] - &v[1]);
        assert_grads(&inputs, |v| &v[0] * &v[1]);
    }

    #[test]
    fn div_broadcast((a, b) in broadcast_pair()) {
        assert_grads(&[a, b], |v| &v[0] / &v[1]);
    }

    #[test]
    fn maximum_minimum_broadcast((a, b) in broadcast_pair()) {
        // Snap a to multiples of 0.1 and b halfway between, so the operands differ by at least
        // 0.05 > EPS everywhere and no finite difference straddles the kink.
        let a = snap(&a, 0.0);
        let b = snap(&b, 0.05);
        assert_grads(&[a.clone(), b.clone()], |v| v[0].maximum(&v[1]));
        assert_grads(&[a, b], |v| v[0].minimum(&v[1]));
    }

    #[test]
    fn scalar_arithmetic(x in any_tensor(3)) {
        assert_grads(std::slice::from_ref(&x), |v| -(&v[0] * 3.0 + 1.5));
        assert_grads(std::slice::from_ref(&x), |v| 2.0 - &v[0] / 4.0);
        assert_grads(&[x], |v| v[0].scale(-0.5).shift(2.0).neg());
    }

    #[test]
    fn reciprocal_of_tensor(x in shape_strategy(3).prop_flat_map(away_from_zero)) {
        assert_grads(&[x], |v| 1.0 / &v[0]);
    }

    #[test]
    fn exp_and_square(x in any_tensor(3)) {
        assert_grads(std::slice::from_ref(&x), |v| v[0].exp());
        assert_grads(&[x], |v| v[0].square());
    }

    #[test]
    fn ln_sqrt_powf(x in shape_strategy(3).prop_flat_map(|s| tensor_with(s, 0.5..3.0)), p in -2.0f32..3.0) {
        assert_grads(std::slice::from_ref(&x), |v| v[0].ln());
        assert_grads(std::slice::from_ref(&x), |v| v[0].sqrt());
        assert_grads(&[x], |v| v[0].powf(p));
    }

    #[test]
    fn abs_and_clamp(x in shape_strategy(3).prop_flat_map(away_from_zero)) {
        assert_grads(std::slice::from_ref(&x), |v| v[0].abs());
        // Bounds sit between the grid of sampled magnitudes, away from the values ±EPS.
        let moved = x.to_vec().into_iter().map(|v| if (v - 0.5).abs() < 0.02 || (v + 0.5).abs() < 0.02 { v + 0.05 } else { v });
        let x = Tensor::from_vec(moved.collect(), x.shape());
        assert_grads(&[x], |v| v[0].clamp(-0.5, 0.5));
    }

    #[test]
    fn fused_maps(x in shape_strategy(3).prop_flat_map(away_from_zero)) {
        assert_grads(std::slice::from_ref(&x), |v| v[0].map_with_derivative(|t| t.max(0.1 * t), |t| if t > 0.0 { 1.0 } else { 0.1 }));
        assert_grads(&[x], |v| v[0].map_dual(f32::tanh, Dual::tanh));
    }

    #[test]
    fn matmul_2d(m in 1usize..5, k in 1usize..5, n in 1usize..5, seed in any::<u64>()) {
        let a = Tensor::from_array(random(&[m, k], seed));
        let b = Tensor::from_array(random(&[k, n], seed ^ 1));
        assert_grads(&[a, b], |v| v[0].matmul(&v[1]));
    }

    #[test]
    fn matmul_nd_times_2d(b0 in 1usize..4, m in 1usize..4, k in 1usize..4, n in 1usize..4, seed in any::<u64>()) {
        let a = Tensor::from_array(random(&[b0, 2, m, k], seed));
        let w = Tensor::from_array(random(&[k, n], seed ^ 2));
        assert_grads(&[a, w], |v| v[0].matmul(&v[1]));
    }

    #[test]
    fn matmul_batched_broadcast(b0 in 1usize..4, m in 1usize..4, k in 1usize..4, n in 1usize..4, seed in any::<u64>()) {
        // (b0, 1, m, k) · (3, k, n): the batch axes broadcast to (b0, 3).
        let a = Tensor::from_array(random(&[b0, 1, m, k], seed));
        let b = Tensor::from_array(random(&[3, k, n], seed ^ 3));
        assert_grads(&[a, b], |v| v[0].matmul(&v[1]));
    }

    #[test]
    fn matmul_vectors(k in 1usize..5, n in 1usize..5, seed in any::<u64>()) {
        let x = Tensor::from_array(random(&[k], seed));
        let w = Tensor::from_array(random(&[k, n], seed ^ 4));
        assert_grads(&[x.clone(), w.clone()], |v| v[0].matmul(&v[1]));
        let wt = w.transpose();
        assert_grads(&[wt, x.clone()], |v| v[0].matmul(&v[1]));
        // Two vectors: their dot product, a scalar.
        let y = Tensor::from_array(random(&[k], seed ^ 5));
        assert_grads(&[x, y], |v| v[0].matmul(&v[1]));
    }

    #[test]
    fn reductions(x in shape_strategy(4).prop_flat_map(distinct), keep in any::<bool>(), pick in any::<u64>()) {
        let rank = x.rank();
        let axes: Vec<isize> = (0..rank as isize).filter(|a| pick >> a & 1 == 1).collect();
        let axes = if axes.is_empty() { vec![-1] } else { axes };
        assert_grads(std::slice::from_ref(&x), |v| v[0].sum(&axes, keep));
        assert_grads(std::slice::from_ref(&x), |v| v[0].mean(&axes, keep));
        assert_grads(std::slice::from_ref(&x), |v| v[0].max(&axes, keep));
        assert_grads(std::slice::from_ref(&x), |v| v[0].sum_all());
        assert_grads(&[x], |v| v[0].mean_all());
    }

    #[test]
    fn reshape_permute_transpose(x in shape_strategy(4).prop_filter("rank ≥ 2", |s| s.len() >= 2).prop_flat_map(|s| tensor_with(s, -2.0..2.0))) {
        let n = x.len();
        assert_grads(std::slice::from_ref(&x), |v| v[0].reshape(&[n]));
        let rank = x.rank();
        let rev: Vec<usize> = (0..rank).rev().collect();
        assert_grads(std::slice::from_ref(&x), |v| v[0].permute(&rev));
        assert_grads(&[x], |v| v[0].transpose());
    }

    #[test]
    fn broadcast_to((big, small) in broadcast_pair()) {
        let shape = big.shape().to_vec();
        assert_grads(&[small], |v| v[0].broadcast_to(&shape));
    }

    #[test]
    fn concat_and_narrow(x in any_tensor(3), y_len in 1usize..4, start in 0usize..3) {
        let mut shape = x.shape().to_vec();
        let last = shape.len() - 1;
        shape[last] = y_len;
        let y = Tensor::from_array(random(&shape, 9));
        assert_grads(&[x.clone(), y], |v| Tensor::concat(&[v[0].clone(), v[1].clone()], -1));
        let size = x.shape()[0];
        let start = start.min(size - 1);
        assert_grads(&[x], |v| v[0].narrow(0, start, size - start));
    }

    #[test]
    fn index_select_with_repeats(x in any_tensor(3), picks in prop::collection::vec(0usize..8, 1..6)) {
        let size = x.shape()[0];
        let idx: Vec<usize> = picks.iter().map(|p| p % size).collect();
        assert_grads(&[x], |v| v[0].index_select(0, &idx));
    }

    #[test]
    fn select_by_mask((a, b) in broadcast_pair(), seed in any::<u64>()) {
        let mask = Tensor::from_array(random(a.shape(), seed)).greater(0.0);
        assert_grads(&[a, b], |v| mask.select(&v[0], &v[1]));
    }

    #[test]
    fn softmax_and_log_softmax(x in any_tensor(3), axis_pick in any::<u8>()) {
        let axis = (axis_pick as usize % x.rank()) as isize;
        assert_grads(std::slice::from_ref(&x), |v| v[0].softmax(axis));
        assert_grads(&[x], |v| v[0].log_softmax(axis));
    }
}

/// Rounds to multiples of 0.1, then adds `offset`.
fn snap(t: &Tensor, offset: f32) -> Tensor {
    let v = t
        .to_vec()
        .iter()
        .map(|x| (x * 10.0).round() / 10.0 + offset)
        .collect();
    Tensor::from_vec(v, t.shape())
}

/// A tensor whose values are all different, at least 0.1 apart (for `max`).
fn distinct(shape: Vec<usize>) -> impl Strategy<Value = Tensor> {
    let n: usize = shape.iter().product();
    Just((0..n).collect::<Vec<_>>())
        .prop_shuffle()
        .prop_map(move |order| {
            let v = order
                .iter()
                .map(|&i| i as f32 * 0.1 - n as f32 * 0.05)
                .collect();
            Tensor::from_vec(v, &shape)
        })
}

/// Deterministic values in [-1, 1) from a seed (a small LCG, independent of the library).
fn random(shape: &[usize], seed: u64) -> ndarray::ArrayD<f32> {
    let mut s = seed | 1;
    ndarray::ArrayD::from_shape_simple_fn(ndarray::IxDyn(shape), || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    })
}

#[test]
fn a_variable_used_twice_gets_the_sum_of_its_gradients() {
    // y = Σ (x·x + 3x): dy/dx = 2x + 3, worked by hand for x = [1, -2].
    let x = Tensor::from_vec(vec![1.0, -2.0], &[2]).into_variable();
    let y = (&x * &x + &x * 3.0).sum_all();
    assert_eq!(y.backward().get(&x).unwrap().to_vec(), vec![5.0, -1.0]);
}

#[test]
fn a_weight_entering_twice_through_separate_handles_accumulates() {
    let w = Weight::from_tensor("w", Tensor::from_vec(vec![2.0], &[1]));
    let a = w.value().clone();
    let b = w.value().clone();
    let grads = (&a * &b).sum_all().backward(); // w², derivative 2w = 4
    assert_eq!(w.grad(&grads).unwrap().to_vec(), vec![4.0]);
}

#[test]
fn detach_stops_the_gradient() {
    let x = Tensor::from_vec(vec![3.0], &[1]).into_variable();
    let y = (&x * &x.detach()).sum_all(); // only the left factor carries a gradient: 3
    assert_eq!(y.backward().get(&x).unwrap().to_vec(), vec![3.0]);
}

#[test]
fn the_checker_itself_catches_a_wrong_derivative() {
    let x = Tensor::from_vec(vec![0.5, 1.5], &[2]);
    // Claims d/dx x³ = 2x: must be reported.
    let report = check_gradients(
        &[x],
        |v| v[0].map_with_derivative(|t| t * t * t, |t| 2.0 * t),
        EPS,
    );
    assert!(report.worst() > 0.1, "{report}");
}
