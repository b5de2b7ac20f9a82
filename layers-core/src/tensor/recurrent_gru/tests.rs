use super::*;
use crate::autograd::check_gradients;
use crate::tensor::graph::Node;

fn filled(shape: &[usize], seed: u32, scale: f32) -> Tensor {
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|i| {
            let v = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8;
            (v as f32 / (1u32 << 24) as f32 - 0.5) * scale
        })
        .collect();
    Tensor::from_vec(values, shape)
}

#[test]
fn gru_sequence_gradients_match_finite_differences() {
    let (batch, time, units) = (2, 3, 2);
    let inputs = [
        filled(&[batch, time, 3 * units], 1, 2.0),
        filled(&[units, 3 * units], 2, 1.5),
        filled(&[2, 3 * units], 3, 1.0),
        filled(&[batch, units], 4, 1.0),
    ];
    for backwards in [false, true] {
        for sequences in [false, true] {
            let r = check_gradients(
                &inputs,
                |v| {
                    v[0].try_gru_sequence(&v[1], Some(&v[2]), Some(&v[3]), backwards, sequences)
                        .unwrap()
                },
                1e-2,
            );
            assert!(
                r.worst() < 2e-3,
                "backwards {backwards} sequences {sequences}: {r}"
            );
        }
    }
    let r = check_gradients(
        &inputs[..2],
        |v| {
            v[0].try_gru_sequence(&v[1], None, None, true, false)
                .unwrap()
        },
        1e-2,
    );
    assert!(r.worst() < 2e-3, "{r}");
}

/// The batch cut into parts (run on several threads) gives the values of one part.
#[test]
fn batch_parts_give_the_same_values() {
    let (batch, time, units) = (5, 4, 3);
    let xw = filled(&[batch, time, 3 * units], 1, 3.0).into_variable();
    let k = filled(&[units, 3 * units], 2, 2.0).into_variable();
    let b = filled(&[2, 3 * units], 3, 1.0).into_variable();
    let h0 = filled(&[batch, units], 4, 1.0).into_variable();
    for sequences in [false, true] {
        let y = xw
            .try_gru_sequence(&k, Some(&b), Some(&h0), true, sequences)
            .unwrap();
        let Node::Op(Op::GruSequence(record)) = &y.0.node else {
            panic!("the op is recorded");
        };
        let grads = |parts| {
            let mut sent = Vec::new();
            let g = crate::autograd::gradcheck::cotangent(y.shape());
            gru_backward_in(record, g, &mut |t, g| sent.push((t.id(), g)), parts);
            sent
        };
        let one = grads(1);
        assert_eq!(one.len(), 4);
        for parts in [2, 3, 5] {
            let mut again = GruRecord {
                xw: xw.clone(),
                kernel: k.clone(),
                bias: Some(b.clone()),
                h0: Some(h0.clone()),
                h_prev: vec![0.0; record.h_prev.len()],
                gates: vec![0.0; record.gates.len()],
                hu_n: vec![0.0; record.hu_n.len()],
                ..**record
            };
            let out = gru_forward(
                &mut again,
                &xw.to_vec(),
                &k.to_vec(),
                Some(&b.to_vec()),
                Some(&h0.to_vec()),
                parts,
            );
            assert_eq!(out, y.to_vec(), "{parts} parts");
            assert_eq!(again.gates, record.gates);
            for ((id, g), (id1, g1)) in grads(parts).iter().zip(&one) {
                assert_eq!(id, id1);
                for (a, e) in g.iter().zip(g1) {
                    assert!((a - e).abs() <= 1e-6 * e.abs().max(1.0), "{a} vs {e}");
                }
            }
        }
    }
}

#[test]
fn gru_sequence_refuses_shapes_that_do_not_fit() {
    let xw = Tensor::ones(&[2, 3, 6]);
    let k = Tensor::ones(&[2, 6]);
    assert!(xw.try_gru_sequence(&k, None, None, false, false).is_ok());
    assert!(
        xw.try_gru_sequence(&Tensor::ones(&[3, 6]), None, None, false, false)
            .is_err()
    );
    assert!(
        Tensor::ones(&[2, 3, 5])
            .try_gru_sequence(&k, None, None, false, false)
            .is_err()
    );
    let bias = Tensor::ones(&[6]);
    assert!(
        xw.try_gru_sequence(&k, Some(&bias), None, false, false)
            .is_err()
    );
    let h0 = Tensor::ones(&[1, 2]);
    assert!(
        xw.try_gru_sequence(&k, None, Some(&h0), false, false)
            .is_err()
    );
}
