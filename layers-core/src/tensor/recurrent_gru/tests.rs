use super::*;
use crate::autograd::check_gradients;
use crate::tensor::graph::Node;
use crate::tensor::recurrent::testing::{assert_parts_agree, check_every_mode, filled};

#[test]
fn gru_sequence_gradients_match_finite_differences() {
    let (batch, time, units) = (2, 3, 2);
    let inputs = [
        filled(&[batch, time, 3 * units], 1, 2.0),
        filled(&[units, 3 * units], 2, 1.5),
        filled(&[2, 3 * units], 3, 1.0),
        filled(&[batch, units], 4, 1.0),
    ];
    check_every_mode(&inputs, |v, backwards, sequences| {
        v[0].try_gru_sequence(&v[1], Some(&v[2]), Some(&v[3]), backwards, sequences)
            .unwrap()
    });
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
        assert_parts_agree(4, |parts| {
            let mut sent = Vec::new();
            let g = crate::autograd::gradcheck::cotangent(y.shape());
            gru_backward_in(record, g, &mut |t, g| sent.push((t.id(), g)), parts);
            sent
        });
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
