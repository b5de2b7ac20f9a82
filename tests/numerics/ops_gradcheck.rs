//! The backward rule of every differentiable op of issue 12 against central finite
//! differences (`check_gradients`), over random shapes, values and axes (proptest):
//! negative axes, broadcasting indices and exponents, repeated indices.

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

fn any_tensor(max_rank: usize) -> impl Strategy<Value = Tensor> {
    shape_strategy(max_rank).prop_flat_map(|s| tensor_with(s, -2.0..2.0))
}

/// Values 0.1 apart in random order, so that no ±EPS step changes which is the largest.
fn distinct(max_rank: usize) -> impl Strategy<Value = Tensor> {
    shape_strategy(max_rank).prop_flat_map(|shape| {
        let n: usize = shape.iter().product();
        Just((0..n).map(|i| i as f32 * 0.1 - 1.0).collect::<Vec<_>>())
            .prop_shuffle()
            .prop_map(move |v| Tensor::from_vec(v, &shape))
    })
}

/// An axis of a tensor of rank `rank` from a random pick, negative half of the time.
fn axis_of(rank: usize, pick: u8) -> isize {
    let a = (pick as usize / 2 % rank) as isize;
    if pick.is_multiple_of(2) {
        a
    } else {
        a - rank as isize
    }
}

/// A tensor of random whole numbers below `n`, as indices.
fn indices(shape: &[usize], n: usize, seed: u64) -> Tensor {
    let mut state = seed | 1;
    let len: usize = shape.iter().product();
    let values = (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize % n) as f32
        })
        .collect();
    Tensor::from_vec(values, shape)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn pad(x in any_tensor(3), widths in prop::collection::vec((0usize..3, 0usize..3), 3), value in -1.0f32..1.0) {
        let widths = &widths[..x.rank()];
        assert_grads(std::slice::from_ref(&x), |v| v[0].pad(widths, value));
    }

    #[test]
    fn stack(x in any_tensor(3), n in 1usize..4, pick in any::<u8>()) {
        let axis = axis_of(x.rank() + 1, pick);
        let inputs: Vec<Tensor> = (0..n).map(|i| x.scale(i as f32 + 1.0).shift(0.3)).collect();
        assert_grads(&inputs, |v| Tensor::stack(v, axis));
    }

    #[test]
    fn split_and_chunk(x in any_tensor(3), pick in any::<u8>(), cut in 0usize..4, n in 1usize..5) {
        let axis = axis_of(x.rank(), pick);
        let length = x.shape()[axis.rem_euclid(x.rank() as isize) as usize];
        let first = cut.min(length);
        for piece in 0..2 {
            assert_grads(std::slice::from_ref(&x), |v| v[0].split(&[first, length - first], axis)[piece].clone());
        }
        for piece in 0..n {
            assert_grads(std::slice::from_ref(&x), |v| v[0].chunk(n, axis)[piece].clone());
        }
    }

    #[test]
    fn squeeze_and_unsqueeze(x in any_tensor(3), pick in any::<u8>()) {
        let axis = axis_of(x.rank() + 1, pick);
        assert_grads(std::slice::from_ref(&x), |v| v[0].unsqueeze(axis).squeeze(axis).unsqueeze(axis));
    }

    #[test]
    fn gather_with_repeats_and_broadcasting(x in any_tensor(3), pick in any::<u8>(), len in 1usize..5, ones in prop::collection::vec(any::<bool>(), 3), seed in any::<u64>()) {
        let axis = axis_of(x.rank(), pick);
        let a = axis.rem_euclid(x.rank() as isize) as usize;
        // Along the axis any length; elsewhere the input's size or 1 (broadcast).
        let shape: Vec<usize> = (0..x.rank())
            .map(|i| if i == a { len } else if ones[i] { 1 } else { x.shape()[i] })
            .collect();
        let idx = indices(&shape, x.shape()[a], seed);
        assert_grads(std::slice::from_ref(&x), |v| v[0].gather(&idx, axis));
    }

    #[test]
    fn gather_from_a_broadcast_input(rows in 1usize..4, cols in 1usize..4, seed in any::<u64>()) {
        // The input has size 1 on axis 0, the indices `rows`.
        let x = Tensor::from_vec((0..cols).map(|i| i as f32 * 0.7 - 1.0).collect(), &[1, cols]);
        let idx = indices(&[rows, 2], cols, seed);
        assert_grads(&[x], |v| v[0].gather(&idx, -1));
    }

    #[test]
    fn scatter_add_both_operands(x in any_tensor(3), pick in any::<u8>(), len in 1usize..5, seed in any::<u64>()) {
        let axis = axis_of(x.rank(), pick);
        let a = axis.rem_euclid(x.rank() as isize) as usize;
        let mut shape = x.shape().to_vec();
        shape[a] = len;
        let idx = indices(&shape, x.shape()[a], seed);
        let src = Tensor::from_vec((0..idx.len()).map(|i| (i as f32).sin()).collect(), &shape);
        assert_grads(&[x.clone(), src], |v| v[0].scatter_add(&idx, &v[1], axis));
    }

    #[test]
    fn topk_values_and_min(x in distinct(3), pick in any::<u8>(), k in 0usize..4, keep in any::<bool>()) {
        let axis = axis_of(x.rank(), pick);
        let a = axis.rem_euclid(x.rank() as isize) as usize;
        let k = k.min(x.shape()[a]);
        assert_grads(std::slice::from_ref(&x), |v| v[0].topk(k, axis).0);
        assert_grads(std::slice::from_ref(&x), |v| v[0].min(&[axis], keep));
    }

    #[test]
    fn statistics(x in any_tensor(3), pick in any::<u8>(), keep in any::<bool>()) {
        let axis = axis_of(x.rank(), pick);
        assert_grads(std::slice::from_ref(&x), |v| v[0].var(&[axis], keep));
        assert_grads(std::slice::from_ref(&x), |v| v[0].logsumexp(&[axis], keep));
        assert_grads(std::slice::from_ref(&x), |v| v[0].logsumexp(&[], keep));
        // The norm and the standard deviation have kinks at 0: shift the values away.
        let y = x.abs().shift(0.5);
        assert_grads(std::slice::from_ref(&y), |v| v[0].norm(&[axis], keep));
        let lanes_vary = y.std(&[axis], false).to_vec().iter().all(|&s| s > 0.05);
        if lanes_vary {
            assert_grads(&[y], |v| v[0].std(&[axis], keep));
        }
    }

    #[test]
    fn cumsum(x in any_tensor(3), pick in any::<u8>()) {
        let axis = axis_of(x.rank(), pick);
        assert_grads(std::slice::from_ref(&x), |v| v[0].cumsum(axis));
    }

    #[test]
    fn triangles(x in shape_strategy(3).prop_filter("rank ≥ 2", |s| s.len() >= 2).prop_flat_map(|s| tensor_with(s, -2.0..2.0)), k in -3isize..4) {
        assert_grads(std::slice::from_ref(&x), |v| v[0].tril(k));
        assert_grads(std::slice::from_ref(&x), |v| v[0].triu(k));
    }

    #[test]
    fn elementwise(x in any_tensor(3)) {
        assert_grads(std::slice::from_ref(&x), |v| v[0].tanh());
        assert_grads(std::slice::from_ref(&x), |v| v[0].sigmoid());
        assert_grads(std::slice::from_ref(&x), |v| v[0].sin());
        assert_grads(std::slice::from_ref(&x), |v| v[0].cos());
        assert_grads(&[x.scale(0.2)], |v| v[0].log1p());
    }

    #[test]
    fn pow_broadcast(base in shape_strategy(3).prop_flat_map(|s| tensor_with(s, 0.5..2.0)), exponent in -2.0f32..2.0, ones in prop::collection::vec(any::<bool>(), 3), drop in 0usize..3) {
        let shape: Vec<usize> = base.shape().iter().zip(&ones).skip(drop.min(base.rank() - 1))
            .map(|(&d, &one)| if one { 1 } else { d }).collect();
        let n: usize = shape.iter().product();
        let e = Tensor::from_vec((0..n).map(|i| exponent + (i as f32 * 0.37).sin()).collect(), &shape);
        assert_grads(&[base.clone(), e.clone()], |v| v[0].pow(&v[1]));
        assert_grads(&[e.abs().shift(0.5), base], |v| v[0].pow(&v[1]));
    }

    #[test]
    fn clip(x in any_tensor(3)) {
        // Values within EPS of a bound would straddle a kink.
        let near_a_bound = |v: f32| (v + 0.5).abs() < 0.05 || (v - 1.0).abs() < 0.05;
        let values = x.to_vec().into_iter().map(|v| if near_a_bound(v) { v + 0.2 } else { v }).collect();
        let x = Tensor::from_vec(values, x.shape());
        assert_grads(&[x], |v| v[0].clip(-0.5, 1.0));
    }
}

/// The gradient of the positional ops goes where the values came from: a value gathered
/// twice gets the gradient twice; topk's ties give it to the first index only.
#[test]
fn gradients_go_to_the_positions_used() {
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).into_variable();
    let idx = Tensor::from_vec(vec![2.0, 2.0, 0.0], &[3]);
    let g = x.gather(&idx, 0).sum_all().backward();
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![1.0, 0.0, 2.0]);

    let tied = Tensor::from_vec(vec![5.0, 1.0, 5.0], &[3]).into_variable();
    let g = tied.topk(1, 0).0.sum_all().backward();
    assert_eq!(g.get(&tied).unwrap().to_vec(), vec![1.0, 0.0, 0.0]);

    // min follows max: ties share the gradient equally.
    let g = tied.neg().min(&[0], false).backward();
    assert_eq!(g.get(&tied).unwrap().to_vec(), vec![-0.5, 0.0, -0.5]);
    let g = tied.max(&[0], false).backward();
    assert_eq!(g.get(&tied).unwrap().to_vec(), vec![0.5, 0.0, 0.5]);
}

/// Where the formulas divide by zero the rules give the documented limits.
#[test]
fn gradients_at_the_edges() {
    let zero = Tensor::zeros(&[2]).into_variable();
    let g = zero.norm(&[0], false).backward();
    assert_eq!(g.get(&zero).unwrap().to_vec(), vec![0.0, 0.0]);

    // 0^e: d/de is 0 (for e > 0) and d/dx at e = 0 is 0, not NaN.
    let e = Tensor::from_vec(vec![2.0, 0.0], &[2]).into_variable();
    let g = zero.pow(&e).sum_all().backward();
    assert_eq!(g.get(&e).unwrap().to_vec(), vec![0.0, 0.0]);
    assert_eq!(g.get(&zero).unwrap().to_vec(), vec![0.0, 0.0]);

    let minus_inf = Tensor::full(&[2], f32::NEG_INFINITY).into_variable();
    let y = minus_inf.logsumexp(&[0], false);
    assert_eq!(y.item(), f32::NEG_INFINITY);
    assert_eq!(
        y.backward().get(&minus_inf).unwrap().to_vec(),
        vec![0.0, 0.0]
    );

    let constant = Tensor::ones(&[3]).into_variable();
    let g = constant.std(&[0], false).backward();
    assert!(
        g.get(&constant)
            .unwrap()
            .to_vec()
            .iter()
            .all(|v| v.is_nan())
    );
}
