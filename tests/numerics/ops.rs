//! Forward results of every op against values worked out by hand (in the comments), plus the
//! error paths of the `try_` forms.

use layers::prelude::*;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
}

fn close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-6 * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn constructors() {
    assert_eq!(Tensor::zeros(&[2, 3]).to_vec(), vec![0.0; 6]);
    assert_eq!(Tensor::ones(&[3]).to_vec(), vec![1.0; 3]);
    assert_eq!(Tensor::full(&[2], -1.5).to_vec(), vec![-1.5, -1.5]);
    assert_eq!(Tensor::scalar(4.0).shape(), &[] as &[usize]);
    let a = ndarray::arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
    let x = Tensor::from_array(a.clone());
    assert_eq!(x.to_array(), a.into_dyn());
    let err = Tensor::try_from_vec(vec![1.0; 5], &[2, 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`from_vec` expected 6 values for shape [2, 3] but found shape [5]"
    );
}

#[test]
fn broadcasting_arithmetic() {
    // rows [1,2,3],[4,5,6] with column [10],[20]: [[11,12,13],[24,25,26]]
    let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let col = t(&[10.0, 20.0], &[2, 1]);
    assert_eq!(
        (&x + &col).to_vec(),
        vec![11.0, 12.0, 13.0, 24.0, 25.0, 26.0]
    );
    // minus row [1,1,1]: [[0,1,2],[3,4,5]]
    assert_eq!(
        (&x - &t(&[1.0; 3], &[3])).to_vec(),
        vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    );
    // times column: [[10,20,30],[80,100,120]]
    assert_eq!(
        (&x * &col).to_vec(),
        vec![10.0, 20.0, 30.0, 80.0, 100.0, 120.0]
    );
    // divided by row [1,2,4]: [[1,1,0.75],[4,2.5,1.5]]
    assert_eq!(
        (&x / &t(&[1.0, 2.0, 4.0], &[3])).to_vec(),
        vec![1.0, 1.0, 0.75, 4.0, 2.5, 1.5]
    );
    // (1,3) with (2,1) broadcast both ways to (2,3)
    let r = &t(&[1.0, 2.0, 3.0], &[1, 3]) + &t(&[10.0, 20.0], &[2, 1]);
    assert_eq!(r.shape(), &[2, 3]);
    assert_eq!(r.to_vec(), vec![11.0, 12.0, 13.0, 21.0, 22.0, 23.0]);
    // scalars on both sides
    assert_eq!((2.0 * &t(&[1.0, 2.0], &[2]) - 1.0).to_vec(), vec![1.0, 3.0]);
    assert_eq!((1.0 / t(&[2.0, 4.0], &[2])).to_vec(), vec![0.5, 0.25]);
    assert_eq!((3.0 - t(&[1.0], &[1])).to_vec(), vec![2.0]);
    assert_eq!((-t(&[1.0, -2.0], &[2])).to_vec(), vec![-1.0, 2.0]);
}

#[test]
fn broadcasting_errors_name_the_op_and_shapes() {
    let err = Tensor::ones(&[2, 3])
        .try_add(Tensor::ones(&[2]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`add` cannot combine shapes [2, 3] and [2]: axis 1 of the broadcast shape has sizes 3 and 2, neither of them 1"
    );
    let r = std::panic::catch_unwind(|| Tensor::ones(&[2, 3]) * Tensor::ones(&[4]));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(
        msg.contains("`mul`") && msg.contains("[2, 3]") && msg.contains("[4]"),
        "{msg}"
    );
}

#[test]
fn maximum_minimum() {
    let a = t(&[1.0, 5.0, -3.0], &[3]);
    assert_eq!(a.maximum(0.0).to_vec(), vec![1.0, 5.0, 0.0]);
    assert_eq!(
        a.minimum(t(&[2.0, 2.0, 2.0], &[3])).to_vec(),
        vec![1.0, 2.0, -3.0]
    );
}

#[test]
fn elementwise_functions() {
    close(
        &t(&[0.0, 1.0, -1.0], &[3]).exp().to_vec(),
        &[1.0, std::f32::consts::E, 1.0 / std::f32::consts::E],
    );
    close(
        &t(&[1.0, 10.0], &[2]).ln().to_vec(),
        &[0.0, std::f32::consts::LN_10],
    );
    assert_eq!(t(&[16.0, 0.25], &[2]).sqrt().to_vec(), vec![4.0, 0.5]);
    assert_eq!(
        t(&[2.0, 9.0], &[2]).powf(0.5).to_vec(),
        vec![2f32.sqrt(), 3.0]
    );
    assert_eq!(t(&[2.0, -3.0], &[2]).powf(3.0).to_vec(), vec![8.0, -27.0]);
    assert_eq!(
        t(&[-0.5, 0.0, 2.0], &[3]).abs().to_vec(),
        vec![0.5, 0.0, 2.0]
    );
    assert_eq!(
        t(&[-5.0, 0.3, 5.0], &[3]).clamp(-1.0, 1.0).to_vec(),
        vec![-1.0, 0.3, 1.0]
    );
    assert!(Tensor::ones(&[1]).try_clamp(2.0, 1.0).is_err());
}

#[test]
fn matmul_shapes_and_values() {
    // [[1,2,3],[4,5,6]]·[[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = t(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[3, 2]);
    assert_eq!(a.matmul(&b).to_vec(), vec![4.0, 5.0, 10.0, 11.0]);
    // rank-3 times 2-D: two copies of a give two copies of the product
    let a3 = Tensor::concat(&[a.reshape(&[1, 2, 3]), a.reshape(&[1, 2, 3])], 0);
    let r = a3.matmul(&b);
    assert_eq!(r.shape(), &[2, 2, 2]);
    assert_eq!(r.to_vec(), vec![4.0, 5.0, 10.0, 11.0, 4.0, 5.0, 10.0, 11.0]);
    // batched with broadcast: (2,1,2,3)·(3,3,2) → (2,3,2,2)
    let big = a3
        .reshape(&[2, 1, 2, 3])
        .matmul(Tensor::concat(&vec![b.reshape(&[1, 3, 2]); 3], 0));
    assert_eq!(big.shape(), &[2, 3, 2, 2]);
    assert_eq!(big.sum_all().item(), 6.0 * 30.0);
    // vectors: [1,2,3]·b = [4,5]; a·[1,1,1] = [6,15]
    assert_eq!(
        t(&[1.0, 2.0, 3.0], &[3]).matmul(&b).to_vec(),
        vec![4.0, 5.0]
    );
    assert_eq!(a.matmul(t(&[1.0; 3], &[3])).to_vec(), vec![6.0, 15.0]);
    // transposed operand (non-standard strides): aᵀ·a = [[17,22,27],[22,29,36],[27,36,45]]
    assert_eq!(
        a.transpose().matmul(&a).to_vec(),
        vec![17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0]
    );
    // large enough to take the threaded path: ones(200,300)·ones(300,100) = 300 everywhere
    let big = Tensor::ones(&[200, 300]).matmul(Tensor::ones(&[300, 100]));
    assert!(big.to_vec().iter().all(|&v| v == 300.0));
    // empty inner dimension gives zeros
    assert_eq!(
        Tensor::ones(&[2, 0]).matmul(Tensor::ones(&[0, 3])).to_vec(),
        vec![0.0; 6]
    );
}

#[test]
fn matmul_errors() {
    let e = Tensor::ones(&[2, 3])
        .try_matmul(Tensor::ones(&[4, 5]))
        .unwrap_err();
    assert!(
        e.to_string().contains("inner dimensions 3 and 4 differ"),
        "{e}"
    );
    let e = Tensor::ones(&[2, 2, 3])
        .try_matmul(Tensor::ones(&[3, 3, 1]))
        .unwrap_err();
    assert!(e.to_string().contains("batch"), "{e}");
    assert!(Tensor::scalar(1.0).try_matmul(Tensor::ones(&[1])).is_err());
}

#[test]
fn reductions() {
    let x = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    assert_eq!(x.sum(&[0], false).to_vec(), vec![5.0, 7.0, 9.0]);
    assert_eq!(x.sum(&[1], true).shape(), &[2, 1]);
    assert_eq!(x.sum(&[-1], true).to_vec(), vec![6.0, 15.0]);
    assert_eq!(x.mean(&[0, 1], false).item(), 3.5);
    assert_eq!(x.max(&[0], false).to_vec(), vec![4.0, 5.0, 6.0]);
    assert_eq!(x.max(&[1], true).to_vec(), vec![3.0, 6.0]);
    assert!(t(&[1.0, f32::NAN], &[2]).max(&[0], false).item().is_nan());
    assert_eq!(x.sum_all().item(), 21.0);
    assert!(x.try_sum(&[2], false).is_err());
    assert!(x.try_sum(&[0, -2], false).is_err());
    assert!(Tensor::zeros(&[0]).try_max(&[0], false).is_err());
}

#[test]
fn max_gradient_is_shared_between_ties() {
    let x = t(&[2.0, 2.0, 1.0], &[3]).into_variable();
    let g = x.max(&[0], false).backward();
    assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.5, 0.5, 0.0]);
}

#[test]
fn reshape_shares_row_major_storage_and_copies_other_layouts() {
    let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]).into_variable();
    let y = x.reshape(&[3, 2]);
    // A view of the same values: no copy.
    assert_eq!(y.data().as_ptr(), x.data().as_ptr());
    assert_eq!(y.to_vec(), x.to_vec());
    // A transposed input is not in row-major order: its values are laid out anew.
    let z = x.transpose().reshape(&[6]);
    assert_eq!(z.to_vec(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    // Gradients reach the input through both, each in the input's own layout.
    let w = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6]);
    let loss = (&y.reshape(&[6]) * &w).sum_all() + (&z * &w).sum_all();
    let g = loss.backward();
    // y's part: w in x's order; z's part: w placed back through the transpose.
    assert_eq!(
        g.get(&x).unwrap().to_vec(),
        vec![2.0, 5.0, 8.0, 6.0, 9.0, 12.0]
    );
}

#[test]
fn layout_ops() {
    let x = t(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
    assert_eq!(x.reshape(&[3, 2]).to_array()[[2, 1]], 5.0);
    assert_eq!(
        x.try_reshape(&[4]).unwrap_err().to_string(),
        "`reshape` expected 4 elements (shape [4]) but found shape [2, 3]"
    );
    // permute (2,3,1)→ axes [2,0,1] gives (1,2,3) with the same order of values
    assert_eq!(
        x.reshape(&[2, 3, 1]).permute(&[2, 0, 1]).shape(),
        &[1, 2, 3]
    );
    assert_eq!(x.transpose().to_vec(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert!(x.try_permute(&[1]).is_err());
    assert_eq!(
        t(&[1.0, 2.0], &[2, 1]).broadcast_to(&[2, 2]).to_vec(),
        vec![1.0, 1.0, 2.0, 2.0]
    );
    assert!(x.try_broadcast_to(&[3, 3]).is_err());
    let c = Tensor::concat(&[x.clone(), t(&[9.0, 9.0], &[2, 1])], 1);
    assert_eq!(c.to_vec(), vec![0.0, 1.0, 2.0, 9.0, 3.0, 4.0, 5.0, 9.0]);
    assert!(Tensor::try_concat(&[], 0).is_err());
    assert!(Tensor::try_concat(std::slice::from_ref(&x), 2).is_err());
    assert_eq!(x.narrow(-1, 1, 2).to_vec(), vec![1.0, 2.0, 4.0, 5.0]);
    assert!(x.try_narrow(1, 2, 2).is_err());
    assert_eq!(
        x.index_select(1, &[2, 2, 0]).to_vec(),
        vec![2.0, 2.0, 0.0, 5.0, 5.0, 3.0]
    );
    assert!(x.try_index_select(0, &[2]).is_err());
}

#[test]
fn comparisons_and_select() {
    let x = t(&[-1.0, 0.0, 1.0], &[3]);
    assert_eq!(x.greater(0.0).to_vec(), vec![0.0, 0.0, 1.0]);
    assert_eq!(x.greater_equal(0.0).to_vec(), vec![0.0, 1.0, 1.0]);
    assert_eq!(x.less(0.0).to_vec(), vec![1.0, 0.0, 0.0]);
    assert_eq!(x.less_equal(0.0).to_vec(), vec![1.0, 1.0, 0.0]);
    assert_eq!(x.equal(0.0).to_vec(), vec![0.0, 1.0, 0.0]);
    assert_eq!(x.not_equal(0.0).to_vec(), vec![1.0, 0.0, 1.0]);
    assert_eq!(t(&[f32::NAN], &[1]).equal(f32::NAN).to_vec(), vec![0.0]);
    // relu written with a mask: [0, 0, 1]
    assert_eq!(x.greater(0.0).select(&x, 0.0).to_vec(), vec![0.0, 0.0, 1.0]);
    // broadcast mask over rows
    let m = t(&[1.0, 0.0], &[2, 1]);
    let r = m.select(Tensor::ones(&[2, 2]), Tensor::zeros(&[2]));
    assert_eq!(r.to_vec(), vec![1.0, 1.0, 0.0, 0.0]);
}

#[test]
fn softmax_values() {
    // softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6
    let x = t(&[0.0, 2f32.ln(), 3f32.ln()], &[1, 3]);
    close(&x.softmax(-1).to_vec(), &[1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0]);
    close(
        &x.log_softmax(1).to_vec(),
        &[-(6f32.ln()), (2.0f32 / 6.0).ln(), 0.5f32.ln()],
    );
    // huge logits neither overflow nor lose the exact answer
    let big = t(&[1000.0, 0.0, -1000.0], &[3]);
    assert_eq!(big.softmax(0).to_vec(), vec![1.0, 0.0, 0.0]);
    assert_eq!(big.log_softmax(0).to_vec(), vec![0.0, -1000.0, -2000.0]);
    // along axis 0 of a (2,1) column: [0.5, 0.5]
    assert_eq!(t(&[3.0, 3.0], &[2, 1]).softmax(0).to_vec(), vec![0.5, 0.5]);
    assert!(x.try_softmax(2).is_err());
}

#[test]
fn ops_record_only_when_needed() {
    let c = Tensor::ones(&[2]);
    assert!(!(c.exp() + 1.0).requires_grad());
    let v = c.clone().into_variable();
    assert!((&v + &c).requires_grad());
    assert!(!no_grad(|| &v + &c).requires_grad());
    assert!(!(&v + &c).detach().requires_grad());
}

#[test]
fn backward_needs_a_scalar_or_a_cotangent() {
    let x = Tensor::ones(&[2]).into_variable();
    let e = x.exp().try_backward().unwrap_err();
    assert_eq!(
        e.to_string(),
        "`backward` expected a single value but found shape [2]"
    );
    assert!(x.exp().try_backward_with(&Tensor::ones(&[3])).is_err());
    // A constant's backward is empty, not an error.
    assert!(Tensor::scalar(1.0).backward().is_empty());
}

#[test]
fn tensors_serve_from_many_threads() {
    let w = Weight::new("w", &[16, 4], Initializer::glorot_uniform(), 5).unwrap();
    let x = Tensor::ones(&[3, 16]);
    let expected = no_grad(|| x.matmul(&w)).to_vec();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let y = no_grad(|| x.matmul(&w));
                assert_eq!(y.to_vec(), expected);
            });
        }
    });
}

#[test]
fn sizes_beyond_the_machine_are_errors_before_allocating() {
    // 10^12 f32 values = 4·10^12 bytes: no machine this runs on has 4 TB of memory.
    let err = Tensor::try_zeros(&[1_000_000, 1_000_000]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("`zeros` of shape [1000000, 1000000] needs 4000000000000 bytes"),
        "{text}"
    );
    assert!(matches!(err, Error::Allocation { .. }));
    assert!(Tensor::try_ones(&[1_000_000, 1_000_000]).is_err());
    assert!(Tensor::try_full(&[1 << 40], 2.0).is_err());
    // A small shape still works, and a zero-size one holds nothing.
    assert_eq!(Tensor::try_zeros(&[2, 3]).unwrap().to_vec(), vec![0.0; 6]);
    assert!(Tensor::try_full(&[0, 5], 1.0).unwrap().is_empty());
}

#[test]
fn shape_products_that_overflow_are_errors() {
    // usize::MAX · 2 elements cannot be counted, let alone held.
    let huge = [usize::MAX, 2];
    for err in [
        Tensor::try_zeros(&huge).unwrap_err(),
        Tensor::try_from_vec(vec![], &huge).unwrap_err(),
        Tensor::try_from_vec(vec![1.0; 2], &[usize::MAX, usize::MAX]).unwrap_err(),
        Tensor::ones(&[2]).try_reshape(&huge).unwrap_err(),
        // A zero axis after the overflow: ndarray cannot hold the shape either.
        Tensor::try_from_vec(vec![], &[1 << 40, 1 << 40, 0]).unwrap_err(),
    ] {
        assert!(
            err.to_string()
                .contains("more values than memory can address"),
            "{err}"
        );
    }
    // A zero axis before the big ones: 0 elements, fine for reshape targets of 0 values.
    assert_eq!(
        Tensor::try_from_vec(vec![], &[0, 3]).unwrap().shape(),
        &[0, 3]
    );
}

#[test]
#[should_panic(expected = "`zeros` of shape [1000000, 1000000] needs 4000000000000 bytes")]
fn the_panicking_constructors_say_why() {
    let _ = Tensor::zeros(&[1_000_000, 1_000_000]);
}
