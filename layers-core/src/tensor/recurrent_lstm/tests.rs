//! Tests of the fused LSTM sequence op (`recurrent_lstm`).
use super::*;
use crate::autograd::check_gradients;
use crate::tensor::recurrent::testing::{assert_parts_agree, check_every_mode, filled};

#[test]
fn lstm_sequence_gradients_match_finite_differences() {
    let (batch, time, units) = (2, 3, 2);
    let inputs = [
        filled(&[batch, time, 4 * units], 1, 2.0),
        filled(&[units, 4 * units], 2, 1.5),
        filled(&[4 * units], 3, 1.0),
        filled(&[batch, units], 4, 1.0),
        filled(&[batch, units], 5, 1.0),
    ];
    check_every_mode(&inputs, |v, backwards, sequences| {
        v[0].try_lstm_sequence(
            &v[1],
            Some(&v[2]),
            Some((&v[3], &v[4])),
            backwards,
            sequences,
        )
        .unwrap()
    });
    // Without bias or initial states, the same op checks the two inputs left.
    let r = check_gradients(
        &inputs[..2],
        |v| {
            v[0].try_lstm_sequence(&v[1], None, None, false, true)
                .unwrap()
        },
        1e-2,
    );
    assert!(r.worst() < 2e-3, "{r}");
}

/// The batch cut into parts (run on several threads) gives the values of one part.
#[test]
fn batch_parts_give_the_same_values() {
    use crate::tensor::graph::Node;
    let (batch, time, units) = (5, 4, 3);
    let xw = filled(&[batch, time, 4 * units], 1, 3.0).into_variable();
    let k = filled(&[units, 4 * units], 2, 2.0).into_variable();
    let b = filled(&[4 * units], 3, 1.0).into_variable();
    let h0 = filled(&[batch, units], 4, 1.0).into_variable();
    let c0 = filled(&[batch, units], 5, 1.0).into_variable();
    for backwards in [false, true] {
        for sequences in [false, true] {
            let y = xw
                .try_lstm_sequence(&k, Some(&b), Some((&h0, &c0)), backwards, sequences)
                .unwrap();
            let Node::Op(Op::LstmSequence(record)) = &y.0.node else {
                panic!("the op is recorded");
            };
            let dims = record.dims;
            for parts in [2, 3, 5] {
                let (h, c) = (h0.to_vec(), c0.to_vec());
                let (saved, out) = lstm_forward(
                    dims,
                    &xw.to_vec(),
                    &k.to_vec(),
                    Some(&b.to_vec()),
                    Some((&h, &c)),
                    backwards,
                    sequences,
                    parts,
                );
                assert_eq!(out, y.to_vec(), "{parts} parts");
                assert_eq!(saved.gates, record.saved.gates);
                assert_eq!(saved.h_prev, record.saved.h_prev);
            }
            assert_parts_agree(5, |parts| {
                let mut sent = Vec::new();
                let g = crate::autograd::gradcheck::cotangent(y.shape());
                lstm_backward_in(record, g, &mut |t, g| sent.push((t.id(), g)), parts);
                sent
            });
        }
    }
}

#[test]
fn lstm_sequence_refuses_shapes_that_do_not_fit() {
    let xw = Tensor::ones(&[2, 3, 8]);
    let k = Tensor::ones(&[2, 8]);
    assert!(
        xw.try_lstm_sequence(&Tensor::ones(&[3, 8]), None, None, false, false)
            .is_err()
    );
    assert!(
        Tensor::ones(&[2, 3, 7])
            .try_lstm_sequence(&k, None, None, false, false)
            .is_err()
    );
    assert!(
        Tensor::ones(&[2, 0, 8])
            .try_lstm_sequence(&k, None, None, false, false)
            .is_err()
    );
    assert!(
        xw.try_lstm_sequence(&k, Some(&Tensor::ones(&[4])), None, false, false)
            .is_err()
    );
    let (h, c) = (Tensor::ones(&[2, 2]), Tensor::ones(&[1, 2]));
    assert!(
        xw.try_lstm_sequence(&k, None, Some((&h, &c)), false, false)
            .is_err()
    );
    assert!(
        xw.try_lstm_sequence(&k, None, Some((&h, &h)), false, false)
            .is_ok()
    );
}
