//! The issue-12 ops at their edges: every error kind of every `try_` form with its whole
//! message, the panicking twin failing with the same message, NaN propagation, ties,
//! constants that record nothing, and the random draws' reproducibility and statistics.

use std::panic::{AssertUnwindSafe, catch_unwind};

use layers::layer::context::{with_context, with_rng};
use layers::prelude::*;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
}

/// The panic message of `f`, which must panic.
fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("no panic"),
        Err(payload) => payload,
    };
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// `$try` fails with an error matching `$kind` whose message is `$message`, and `$plain`
/// (the panicking twin) panics with the same message.
macro_rules! fails {
    ($try:expr, $plain:expr, $kind:pat, $message:expr) => {{
        let err = $try.unwrap_err();
        assert!(matches!(err, $kind), "{err:?}");
        assert_eq!(err.to_string(), $message);
        assert_eq!(panic_message(|| $plain), $message);
    }};
}

#[test]
fn gather_and_scatter_add_errors() {
    let x = Tensor::ones(&[2, 3]);
    let i = t(&[0.0, 1.0], &[2, 1]);
    fails!(
        x.try_gather(&i, 2),
        x.gather(&i, 2),
        Error::InvalidAxis { .. },
        "`gather`: axis 2 is out of range for a tensor of rank 2"
    );
    let flat = t(&[0.0], &[1]);
    fails!(
        x.try_gather(&flat, 1),
        x.gather(&flat, 1),
        Error::IncompatibleShapes { .. },
        "`gather` cannot combine shapes [2, 3] and [1]: the indices must have the input's rank, 2"
    );
    let wide = Tensor::zeros(&[3, 1]);
    fails!(
        x.try_gather(&wide, 1),
        x.gather(&wide, 1),
        Error::IncompatibleShapes { .. },
        "`gather` cannot combine shapes [2, 3] and [3, 1]: axis 0 has sizes 2 and 3, neither of them 1 (only axis 1 may differ)"
    );
    for (bad, problem) in [
        (
            3.0,
            "3 at position [1, 0] is out of range for axis 1 of size 3",
        ),
        (1.5, "1.5 at position [1, 0] is not a whole number ≥ 0"),
        (-1.0, "-1 at position [1, 0] is not a whole number ≥ 0"),
        (f32::NAN, "NaN at position [1, 0] is not a whole number ≥ 0"),
        (
            f32::INFINITY,
            "inf at position [1, 0] is not a whole number ≥ 0",
        ),
    ] {
        let i = t(&[0.0, bad], &[2, 1]);
        fails!(
            x.try_gather(&i, -1),
            x.gather(&i, -1),
            Error::InvalidArgument { op: "gather", .. },
            format!("`gather`: index {problem}")
        );
    }

    let src = Tensor::ones(&[2, 2]);
    fails!(
        x.try_scatter_add(&Tensor::zeros(&[2, 1]), &src, 1),
        x.scatter_add(&Tensor::zeros(&[2, 1]), &src, 1),
        Error::IncompatibleShapes { .. },
        "`scatter_add` cannot combine shapes [2, 1] and [2, 2]: the indices and the values added must have the same shape"
    );
    fails!(
        x.try_scatter_add(&Tensor::zeros(&[1, 2]), &Tensor::ones(&[1, 2]), 1),
        x.scatter_add(&Tensor::zeros(&[1, 2]), &Tensor::ones(&[1, 2]), 1),
        Error::IncompatibleShapes { .. },
        "`scatter_add` cannot combine shapes [2, 3] and [1, 2]: all axes but axis 1 must match"
    );
    fails!(
        x.try_scatter_add(&Tensor::full(&[2, 2], 3.0), &src, -1),
        x.scatter_add(&Tensor::full(&[2, 2], 3.0), &src, -1),
        Error::InvalidArgument { .. },
        "`scatter_add`: index 3 at position [0, 0] is out of range for axis 1 of size 3"
    );
    fails!(
        x.try_scatter_add(&Tensor::zeros(&[2, 2]), &src, -3),
        x.scatter_add(&Tensor::zeros(&[2, 2]), &src, -3),
        Error::InvalidAxis { .. },
        "`scatter_add`: axis -3 is out of range for a tensor of rank 2"
    );
}

#[test]
fn one_hot_arg_and_topk_errors() {
    let ids = t(&[0.0, 4.0], &[2]);
    fails!(
        ids.try_one_hot(4),
        ids.one_hot(4),
        Error::InvalidArgument { .. },
        "`one_hot`: index 4 at position [1] is out of range for 4 classes"
    );
    let err = Tensor::zeros(&[1 << 20]).try_one_hot(1 << 30).unwrap_err();
    assert!(matches!(err, Error::Allocation { .. }), "{err:?}");

    let x = Tensor::zeros(&[2, 0]);
    fails!(
        x.try_argmax(-1),
        x.argmax(-1),
        Error::InvalidArgument { .. },
        "`argmax`: axis 1 is empty, so it has no maximum"
    );
    fails!(
        x.try_argmin(1),
        x.argmin(1),
        Error::InvalidArgument { .. },
        "`argmin`: axis 1 is empty, so it has no minimum"
    );
    fails!(
        x.try_argmax(2),
        x.argmax(2),
        Error::InvalidAxis { .. },
        "`argmax`: axis 2 is out of range for a tensor of rank 2"
    );
    let y = Tensor::ones(&[2, 3]);
    fails!(
        y.try_topk(4, -1),
        y.topk(4, -1),
        Error::InvalidArgument { .. },
        "`topk`: k = 4 is more than the 3 entries of axis 1"
    );
    fails!(
        y.try_topk(1, 2),
        y.topk(1, 2),
        Error::InvalidAxis { .. },
        "`topk`: axis 2 is out of range for a tensor of rank 2"
    );
    // An axis longer than 2^24: its positions are not all exact f32 values.
    let long = Tensor::zeros(&[(1 << 24) + 1]);
    fails!(
        long.try_argmax(0),
        long.argmax(0),
        Error::InvalidArgument { .. },
        "`argmax`: axis 0 has 16777217 entries, more than an f32 index counts exactly (2^24)"
    );
}

#[test]
fn reduction_errors() {
    let x = Tensor::ones(&[2, 3]);
    fails!(
        Tensor::zeros(&[0, 3]).try_min(&[0], true),
        Tensor::zeros(&[0, 3]).min(&[0], true),
        Error::InvalidArgument { .. },
        "`min`: axis 0 is empty, so it has no minimum"
    );
    fails!(
        x.try_min(&[-3], false),
        x.min(&[-3], false),
        Error::InvalidAxis { .. },
        "`min`: axis -3 is out of range for a tensor of rank 2"
    );
    fails!(
        x.try_var(&[1, -1], false),
        x.var(&[1, -1], false),
        Error::InvalidArgument { .. },
        "`var`: axis -1 is given twice"
    );
    fails!(
        x.try_std(&[2], false),
        x.std(&[2], false),
        Error::InvalidAxis { .. },
        "`std`: axis 2 is out of range for a tensor of rank 2"
    );
    fails!(
        x.try_logsumexp(&[0, 0], false),
        x.logsumexp(&[0, 0], false),
        Error::InvalidArgument { .. },
        "`logsumexp`: axis 0 is given twice"
    );
    fails!(
        x.try_norm(&[5], true),
        x.norm(&[5], true),
        Error::InvalidAxis { .. },
        "`norm`: axis 5 is out of range for a tensor of rank 2"
    );
    fails!(
        x.try_cumsum(2),
        x.cumsum(2),
        Error::InvalidAxis { .. },
        "`cumsum`: axis 2 is out of range for a tensor of rank 2"
    );
}

#[test]
fn layout_errors() {
    let x = Tensor::ones(&[2, 3]);
    fails!(
        x.try_pad(&[(0, 1)], 0.0),
        x.pad(&[(0, 1)], 0.0),
        Error::InvalidArgument { .. },
        "`pad`: 1 (before, after) pairs were given for the 2 axes of shape [2, 3]"
    );
    fails!(
        x.try_pad(&[(0, usize::MAX), (0, 0)], 0.0),
        x.pad(&[(0, usize::MAX), (0, 0)], 0.0),
        Error::Allocation { .. },
        "`pad` of shape [2, 3] padded by [(0, 18446744073709551615), (0, 0)] has more values than memory can address"
    );
    let err = x.try_pad(&[(1 << 40, 0), (0, 0)], 0.0).unwrap_err();
    assert!(matches!(err, Error::Allocation { .. }), "{err:?}");

    fails!(
        Tensor::try_stack(&[], 0),
        Tensor::stack(&[], 0),
        Error::InvalidArgument { .. },
        "`stack`: needs at least one tensor"
    );
    fails!(
        Tensor::try_stack(&[x.clone(), Tensor::ones(&[3, 2])], 0),
        Tensor::stack(&[x.clone(), Tensor::ones(&[3, 2])], 0),
        Error::IncompatibleShapes { .. },
        "`stack` cannot combine shapes [2, 3] and [3, 2]: all tensors must have the same shape"
    );
    fails!(
        Tensor::try_stack(&[x.clone(), x.clone()], 3),
        Tensor::stack(&[x.clone(), x.clone()], 3),
        Error::InvalidAxis { .. },
        "`stack`: axis 3 is out of range for a tensor of rank 3"
    );
    // Axes up to the new rank are fine, negative ones too.
    assert_eq!(
        Tensor::stack(&[x.clone(), x.clone()], 2).shape(),
        &[2, 3, 2]
    );
    assert_eq!(
        Tensor::stack(&[x.clone(), x.clone()], -3).shape(),
        &[2, 2, 3]
    );

    fails!(
        x.try_split(&[1, 1], 1),
        x.split(&[1, 1], 1),
        Error::InvalidArgument { .. },
        "`split`: the sizes [1, 1] add up to 2, but axis 1 has length 3"
    );
    fails!(
        x.try_split(&[usize::MAX, 4], 1),
        x.split(&[usize::MAX, 4], 1),
        Error::InvalidArgument { .. },
        "`split`: the sizes [18446744073709551615, 4] add up to more than usize::MAX, but axis 1 has length 3"
    );
    fails!(
        x.try_split(&[2], -3),
        x.split(&[2], -3),
        Error::InvalidAxis { .. },
        "`split`: axis -3 is out of range for a tensor of rank 2"
    );
    fails!(
        x.try_chunk(0, 0),
        x.chunk(0, 0),
        Error::InvalidArgument { .. },
        "`chunk`: cannot cut an axis into 0 pieces"
    );
    fails!(
        x.try_chunk(2, 2),
        x.chunk(2, 2),
        Error::InvalidAxis { .. },
        "`chunk`: axis 2 is out of range for a tensor of rank 2"
    );
    fails!(
        x.try_squeeze(0),
        x.squeeze(0),
        Error::InvalidArgument { .. },
        "`squeeze`: axis 0 of shape [2, 3] has size 2, not 1"
    );
    fails!(
        x.try_squeeze(-3),
        x.squeeze(-3),
        Error::InvalidAxis { .. },
        "`squeeze`: axis -3 is out of range for a tensor of rank 2"
    );
    fails!(
        x.try_unsqueeze(-4),
        x.unsqueeze(-4),
        Error::InvalidAxis { .. },
        "`unsqueeze`: axis -4 is out of range for a tensor of rank 3"
    );
    fails!(
        Tensor::ones(&[3]).try_tril(0),
        Tensor::ones(&[3]).tril(0),
        Error::ShapeMismatch { .. },
        "`tril` expected at least 2 axes but found shape [3]"
    );
    fails!(
        Tensor::scalar(1.0).try_triu(0),
        Tensor::scalar(1.0).triu(0),
        Error::ShapeMismatch { .. },
        "`triu` expected at least 2 axes but found shape []"
    );
    let err = Tensor::try_tril_mask(1 << 40, 1 << 40, 0).unwrap_err();
    assert!(matches!(err, Error::Allocation { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("`tril_mask` of shape [1099511627776, 1099511627776]")
    );
    let err = Tensor::try_triu_mask(usize::MAX, 2, 0).unwrap_err();
    assert!(matches!(err, Error::Allocation { .. }), "{err:?}");
}

#[test]
fn elementwise_and_random_errors() {
    let x = Tensor::ones(&[2, 3]);
    fails!(
        x.try_pow(Tensor::ones(&[2])),
        x.pow(Tensor::ones(&[2])),
        Error::IncompatibleShapes { .. },
        "`pow` cannot combine shapes [2, 3] and [2]: axis 1 of the broadcast shape has sizes 3 and 2, neither of them 1"
    );
    fails!(
        x.try_clip(1.0, -1.0),
        x.clip(1.0, -1.0),
        Error::InvalidArgument { op: "clip", .. },
        "`clip`: the range [1, -1] is empty"
    );
    fails!(
        x.try_clip(f32::NAN, 1.0),
        x.clip(f32::NAN, 1.0),
        Error::InvalidArgument { .. },
        "`clip`: the range [NaN, 1] is empty"
    );
    // `clamp` keeps its own name in its messages.
    assert_eq!(
        x.try_clamp(1.0, -1.0).unwrap_err().to_string(),
        "`clamp`: the range [1, -1] is empty"
    );

    fails!(
        with_rng(|rng| Tensor::try_random_normal_with(&[2], 0.0, -1.0, rng)),
        with_rng(|rng| Tensor::random_normal_with(&[2], 0.0, -1.0, rng)),
        Error::InvalidArgument { .. },
        "`random_normal`: the standard deviation must be finite and ≥ 0, not -1"
    );
    fails!(
        with_rng(|rng| Tensor::try_random_normal_with(&[2], f32::NAN, 1.0, rng)),
        with_rng(|rng| Tensor::random_normal_with(&[2], f32::NAN, 1.0, rng)),
        Error::InvalidArgument { .. },
        "`random_normal`: the mean must be finite, not NaN"
    );
    fails!(
        with_rng(|rng| Tensor::try_random_uniform_with(&[2], 2.0, 1.0, rng)),
        with_rng(|rng| Tensor::random_uniform_with(&[2], 2.0, 1.0, rng)),
        Error::InvalidArgument { .. },
        "`random_uniform`: the range [2, 1) is empty"
    );
    fails!(
        with_rng(|rng| Tensor::try_random_uniform_with(&[2], 0.0, f32::INFINITY, rng)),
        with_rng(|rng| Tensor::random_uniform_with(&[2], 0.0, f32::INFINITY, rng)),
        Error::InvalidArgument { .. },
        "`random_uniform`: the bounds must be finite, not [0, inf)"
    );
    let err = with_rng(|rng| Tensor::try_random_normal_with(&[1 << 40, 1 << 30], 0.0, 1.0, rng))
        .unwrap_err();
    assert!(matches!(err, Error::Allocation { .. }), "{err:?}");
    assert!(err.to_string().starts_with("`random_normal` of shape"));
}

#[test]
fn nan_propagates() {
    let x = t(&[f32::NAN, 0.5, 1.0], &[3]);
    for (name, y) in [
        ("log1p", x.log1p()),
        ("tanh", x.tanh()),
        ("sigmoid", x.sigmoid()),
        ("sin", x.sin()),
        ("cos", x.cos()),
        ("clip", x.clip(0.0, 1.0)),
        ("pow base", x.pow(2.0)),
        ("pow exponent", Tensor::full(&[3], 2.0).pow(&x)),
    ] {
        let y = y.to_vec();
        assert!(y[0].is_nan() && !y[1].is_nan(), "{name}: {y:?}");
    }
    // IEEE and NumPy: 1^NaN = 1 and NaN^0 = 1.
    assert_eq!(Tensor::ones(&[1]).pow(f32::NAN).item(), 1.0);
    assert_eq!(t(&[f32::NAN], &[1]).pow(0.0).item(), 1.0);

    let m = t(&[1.0, f32::NAN, -1.0, 2.0, 3.0, 4.0], &[2, 3]);
    for (name, y) in [
        ("min", m.min(&[1], false)),
        ("var", m.var(&[1], false)),
        ("std", m.std(&[1], false)),
        ("logsumexp", m.logsumexp(&[1], false)),
        ("norm", m.norm(&[1], false)),
    ] {
        let y = y.to_vec();
        assert!(y[0].is_nan() && !y[1].is_nan(), "{name}: {y:?}");
    }
    // The running sum is NaN from the NaN on; gather and pad carry it where it goes.
    let c = m.cumsum(1).to_vec();
    assert!(c[0] == 1.0 && c[1].is_nan() && c[2].is_nan() && c[5] == 9.0);
    assert!(m.gather(&t(&[1.0, 1.0], &[2, 1]), 1).to_vec()[0].is_nan());
    assert!(m.pad(&[(0, 0), (1, 0)], 0.0).to_vec()[2].is_nan());
    // NumPy: argmax and argmin point at the first NaN; topk puts NaN first.
    assert_eq!(m.argmax(1).to_vec(), vec![1.0, 2.0]);
    assert_eq!(m.argmin(1).to_vec(), vec![1.0, 0.0]);
    assert_eq!(m.topk(2, 1).1.to_vec(), vec![1.0, 0.0, 2.0, 1.0]);
}

#[test]
fn ties_pick_the_first_index() {
    let x = t(&[3.0, 1.0, 3.0, 1.0], &[4]);
    assert_eq!(x.argmax(0).item(), 0.0);
    assert_eq!(x.argmin(0).item(), 1.0);
    let (values, indices) = x.topk(4, 0);
    assert_eq!(values.to_vec(), vec![3.0, 3.0, 1.0, 1.0]);
    assert_eq!(indices.to_vec(), vec![0.0, 2.0, 1.0, 3.0]);
    // -0.0 and 0.0 are equal values: the first stays first.
    let zeros = t(&[-0.0, 0.0], &[2]);
    assert_eq!(zeros.argmax(0).item(), 0.0);
    assert_eq!(zeros.topk(2, 0).1.to_vec(), vec![0.0, 1.0]);
}

#[test]
fn index_results_and_masks_are_constants() {
    let x = t(&[1.0, 2.0, 0.0], &[3]).into_variable();
    assert!(!x.argmax(0).requires_grad());
    assert!(!x.argmin(0).requires_grad());
    assert!(!x.one_hot(3).requires_grad());
    let (values, indices) = x.topk(2, 0);
    assert!(values.requires_grad() && !indices.requires_grad());
    assert!(!Tensor::tril_mask(2, 2, 0).requires_grad());
    // The indices of gather and scatter_add get no gradient, even as variables.
    let i = t(&[0.0, 2.0], &[2]).into_variable();
    let g = x.gather(&i, 0).sum_all().backward();
    assert!(g.get(&i).is_none() && g.get(&x).is_some());
}

#[test]
fn chunk_follows_numpy_array_split() {
    let x = Tensor::zeros(&[2, 7]);
    let sizes = |n| -> Vec<usize> { x.chunk(n, -1).iter().map(|c| c.shape()[1]).collect() };
    assert_eq!(sizes(3), vec![3, 2, 2]);
    assert_eq!(sizes(7), vec![1; 7]);
    // More pieces than entries: the last ones are empty.
    assert_eq!(sizes(9), vec![1, 1, 1, 1, 1, 1, 1, 0, 0]);
    assert_eq!(x.split(&[7, 0], 1)[1].shape(), &[2, 0]);
}

#[test]
fn random_draws_follow_the_context_seed() {
    let normal = || with_rng(|rng| Tensor::random_normal_with(&[4, 5], 0.0, 1.0, rng));
    let a = with_context(true, 11, normal);
    let b = with_context(true, 11, normal);
    let c = with_context(true, 12, normal);
    assert_eq!(a.to_vec(), b.to_vec());
    assert_ne!(a.to_vec(), c.to_vec());
    // Two draws in one context differ: the stream moves on.
    let (d, e) = with_context(false, 11, || (normal(), normal()));
    assert_eq!(d.to_vec(), a.to_vec());
    assert_ne!(d.to_vec(), e.to_vec());

    let x = with_context(true, 3, || {
        with_rng(|rng| Tensor::random_normal_with(&[100_000], -2.0, 0.5, rng))
    });
    assert!((x.mean_all().item() + 2.0).abs() < 0.01, "{}", x.mean_all());
    assert!((x.std(&[0], false).item() - 0.5).abs() < 0.01);
    let u = with_context(true, 3, || {
        with_rng(|rng| Tensor::random_uniform_with(&[100_000], 1.0, 5.0, rng))
    });
    assert!(u.to_vec().iter().all(|v| (1.0..5.0).contains(v)));
    assert!((u.mean_all().item() - 3.0).abs() < 0.02);
    // Var of U[1, 5) is 16/12.
    assert!((u.var(&[0], false).item() - 16.0 / 12.0).abs() < 0.02);

    let point = with_rng(|rng| Tensor::random_uniform_with(&[3], 2.0, 2.0, rng));
    assert_eq!(point.to_vec(), vec![2.0; 3]);
    let flat = with_rng(|rng| Tensor::random_normal_with(&[2, 0], 1.0, 0.0, rng));
    assert_eq!(flat.shape(), &[2, 0]);
    assert!(!point.requires_grad());
}

#[test]
fn a_convolution_whose_column_buffer_cannot_be_had_is_an_allocation_error() {
    // A long kernel with `same` padding keeps the output as small as the input but makes
    // the im2col matrix (every output position × every tap) 2.6 TB: refused before anything
    // is allocated (it was the allocator aborting the process).
    let x = Tensor::zeros(&[64, 1, 100_000, 1]);
    let kernel = Tensor::zeros(&[1, 100_000, 1, 1]);
    let err = x
        .try_conv2d(&kernel, (1, 1), Padding::Same, (1, 1))
        .unwrap_err();
    assert!(matches!(err, Error::Allocation { .. }), "{err:?}");
    assert!(
        err.to_string().contains("`conv2d`'s column buffer"),
        "{err}"
    );
    let x = Tensor::zeros(&[64, 100_000, 1]);
    let kernel = Tensor::zeros(&[100_000, 1, 1]);
    let err = x.try_conv1d(&kernel, 1, Padding::Same, 1).unwrap_err();
    assert!(err.to_string().contains("column buffer"), "{err}");
}
