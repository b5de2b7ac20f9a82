//! Round two of the outside-in audit: attention masks, recurrent cells, optimizer steps
//! and the samples errors name, which used to be accepted silently or named wrongly, each
//! now a clear error (or the documented behaviour), with the model left as it was.

use layers::GradStore;
use layers::builtin::{MultiHeadAttention, Rnn};
use layers::prelude::*;

/// `(1, t, 4)` values that differ per step.
fn steps(t: usize) -> Tensor {
    Tensor::from_vec(
        (0..t * 4).map(|i| (i as f32 * 0.37).sin()).collect(),
        &[1, t, 4],
    )
}

#[test]
fn attend_on_a_causal_layer_is_causal() {
    let mha = MultiHeadAttention::new(2, 3).use_causal_mask(true);
    let x = steps(4);
    // Self-attention through `attend` is the layer's own call.
    let own = mha.try_apply(&x).unwrap().to_vec();
    assert_eq!(mha.attend(&x, &x, &x, None).unwrap().to_vec(), own);
    // With 2 queries over 4 keys, query i sees keys j ≤ i only (Keras's causal mask of
    // (queries, keys)): keys 2 and 3 change nothing.
    let q = x.narrow(1, 0, 2);
    let kv = x.clone();
    let other = Tensor::concat(&[x.narrow(1, 0, 2), Tensor::full(&[1, 2, 4], 5.0)], 1);
    let a = mha.attend(&q, &kv, &kv, None).unwrap().to_vec();
    let b = mha.attend(&q, &other, &other, None).unwrap().to_vec();
    assert_eq!(a, b, "a causal query attended to a later key");
    // A mask given with it is combined with the causal one: masking key 0 leaves query 0
    // nothing to see (it then attends uniformly, as Keras does), query 1 sees key 1 only.
    let mask = Tensor::from_vec([0.0, 1.0, 1.0, 1.0].repeat(2), &[1, 2, 4]);
    let masked = mha.attend(&q, &kv, &kv, Some(&mask)).unwrap().to_vec();
    let only_key_1 = Tensor::from_vec([0.0, 1.0, 0.0, 0.0].repeat(2), &[1, 2, 4]);
    let mut plain = MultiHeadAttention::new(2, 3);
    plain.build([2, 4]).unwrap();
    plain.set_weights(&mha.get_weights().unwrap()).unwrap();
    let expected = plain
        .attend(&q, &kv, &kv, Some(&only_key_1))
        .unwrap()
        .to_vec();
    assert_eq!(masked[4..], expected[4..], "query 1 should see key 1 only");
}

#[test]
fn attend_refuses_a_mask_that_is_not_zeros_and_ones() {
    let mha = MultiHeadAttention::new(1, 2);
    let (q, kv) = (steps(2), steps(3));
    for bad in [f32::NAN, 0.5, 2.0, -1.0] {
        let mut mask = vec![1.0; 6];
        mask[4] = bad;
        let mask = Tensor::from_vec(mask, &[1, 2, 3]);
        let err = mha.attend(&q, &kv, &kv, Some(&mask)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`multi_head_attention`: the attention mask must hold only 0 and 1, but holds {bad}"
            ),
        );
    }
    let ok = Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.0, 1.0, 1.0], &[1, 2, 3]);
    assert_eq!(
        mha.attend(&q, &kv, &kv, Some(&ok)).unwrap().shape(),
        &[1, 2, 4]
    );
}

/// A cell whose output is 1 wide at the first step and 2 wide after it.
#[derive(Layer)]
struct WideningCell {
    units: usize,
    #[weight(shape = [input[-1], units])]
    kernel: Weight,
}

impl Call for WideningCell {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

impl Cell for WideningCell {
    fn state_sizes(&self) -> Vec<usize> {
        vec![self.units]
    }
    fn step(&self, xw: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>) {
        let width = if state[0].sum_all().item() == 0.0 {
            1
        } else {
            2
        };
        (xw.narrow(1, 0, width), vec![xw + &state[0] + 1.0])
    }
}

#[test]
fn a_cell_whose_output_changes_shape_between_steps_is_an_error_naming_the_cell() {
    for return_sequences in [true, false] {
        let mut m = Sequential::new()
            .add(Rnn::new(WideningCell::new(3)).return_sequences(return_sequences));
        let err = m.build([5, 4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "layer `rnn.widening_cell` (WideningCell): `recurrent layer` expected the cell's \
             `step` at time step 1 to return the shape of its first output, [1, 1], but found \
             shape [1, 2]",
            "return_sequences {return_sequences}"
        );
        assert!(!m.is_built());
    }
}

/// Every built-in optimizer, with slots of every kind in use.
fn optimizers() -> Vec<Box<dyn Optimizer>> {
    use layers::optim::{Adam, AdamW, RmsProp, Sgd};
    vec![
        Box::new(Sgd::new().momentum(0.9).nesterov(true)),
        Box::new(Adam::new().amsgrad(true)),
        Box::new(AdamW::new()),
        Box::new(RmsProp::new().centered(true).momentum(0.5)),
    ]
}

#[test]
fn a_weight_listed_twice_is_updated_once_not_left_unchanged() {
    for (mut once, mut twice) in optimizers().into_iter().zip(optimizers()) {
        let a = Weight::from_tensor("a", Tensor::from_vec(vec![1.0, -2.0], &[2]));
        let b = Weight::from_tensor("b", Tensor::from_vec(vec![1.0, -2.0], &[2]));
        let mut grads = GradStore::default();
        grads.insert(a.id(), Tensor::from_vec(vec![0.5, 3.0], &[2]));
        grads.insert(b.id(), Tensor::from_vec(vec![0.5, 3.0], &[2]));
        for _ in 0..3 {
            once.apply(&[&a], &grads).unwrap();
            twice.apply(&[&b, &b], &grads).unwrap();
        }
        let name = once.name();
        assert_ne!(b.value().to_vec(), vec![1.0, -2.0], "{name}: never moved");
        assert_eq!(b.value().to_vec(), a.value().to_vec(), "{name}");
        assert_eq!(twice.slots(&b).len(), once.slots(&a).len(), "{name}");
        for ((_, s), (_, t)) in twice.slots(&b).iter().zip(once.slots(&a)) {
            assert_eq!(s.to_vec(), t.to_vec(), "{name}: slots");
        }
        assert_eq!(twice.iterations(), 3, "{name}");
    }
}

#[test]
fn a_step_count_at_its_limit_is_an_error_not_an_overflow() {
    for mut opt in optimizers() {
        let w = Weight::from_tensor("w", Tensor::ones(&[2]));
        let mut grads = GradStore::default();
        grads.insert(w.id(), Tensor::ones(&[2]));
        opt.set_iterations(u64::MAX).unwrap();
        let err = opt.apply(&[&w], &grads).unwrap_err();
        assert!(
            err.to_string().ends_with(
                "the step count is 18446744073709551615, the largest there is: no further step \
                 can be counted (restore a smaller one with `set_iterations`)"
            ),
            "{err}"
        );
        assert_eq!(w.value().to_vec(), vec![1.0, 1.0], "{}", opt.name());
        assert_eq!(opt.iterations(), u64::MAX);
        assert!(opt.slots(&w).is_empty(), "{}: slots made", opt.name());
        // One below the limit is the last step there is.
        opt.set_iterations(u64::MAX - 1).unwrap();
        opt.apply(&[&w], &grads).unwrap();
        assert_eq!(opt.iterations(), u64::MAX);
    }
}

/// Ten samples of two ids, one of them out of range in sample 7.
fn ids_with_a_bad_one() -> Tensor {
    let mut ids: Vec<f32> = (0..20).map(|i| (i % 5) as f32).collect();
    ids[15] = 9.0;
    Tensor::from_vec(ids, &[10, 2])
}

fn embedding_model() -> Sequential {
    let mut m = Sequential::new()
        .seed(4)
        .add(Embedding::new(5, 2))
        .add(Flatten::new())
        .add(Dense::new(1));
    m.compile("sgd", "mse", &[]).unwrap();
    m.build([2]).unwrap();
    m
}

#[test]
fn a_bad_id_is_named_by_its_sample_in_the_data_not_in_the_batch() {
    let (x, y) = (ids_with_a_bad_one(), Tensor::zeros(&[10, 1]));
    let expected = "id 9 (sample 7, position 1) is not an integer in [0, 5)";
    let mut errors = Vec::new();
    for shuffle in [false, true] {
        let options = FitOptions::new().verbose(0).batch_size(2).shuffle(shuffle);
        errors.push(embedding_model().fit(&x, &y, options).unwrap_err());
    }
    errors.push(embedding_model().evaluate(&x, &y, 3).unwrap_err());
    errors.push(embedding_model().predict_batched(&x, 3).unwrap_err());
    // `predict` runs 32 samples at a time: the bad one in the second batch.
    let mut many: Vec<f32> = (0..80).map(|i| (i % 5) as f32).collect();
    many[2 * 40 + 1 - 2] = 9.0; // sample 39, position 1
    let err = embedding_model()
        .predict(&Tensor::from_vec(many, &[40, 2]))
        .unwrap_err();
    assert!(
        err.to_string().contains("id 9 (sample 39, position 1)"),
        "predict: {err}"
    );
    for err in errors {
        assert!(err.to_string().contains(expected), "{err}");
    }
    // Called directly, the sample is the batch's.
    let err = Embedding::new(5, 2)
        .try_apply(&x.narrow(0, 6, 2))
        .unwrap_err();
    assert!(
        err.to_string().contains("id 9 (sample 1, position 1)"),
        "{err}"
    );
}

#[test]
fn a_bad_id_inside_time_distributed_is_named_by_its_sample_in_the_data() {
    // 10 samples of 3 steps of 2 ids; sample 7, step 2 holds id 9.
    let mut ids: Vec<f32> = (0..60).map(|i| (i % 5) as f32).collect();
    ids[7 * 6 + 2 * 2 + 1] = 9.0;
    let x = Tensor::from_vec(ids, &[10, 3, 2]);
    let mut m = Sequential::new()
        .seed(4)
        .add(TimeDistributed::new(Embedding::new(5, 2)))
        .add(Flatten::new())
        .add(Dense::new(1));
    m.compile("sgd", "mse", &[]).unwrap();
    let options = FitOptions::new().verbose(0).batch_size(4);
    let err = m.fit(&x, &Tensor::zeros(&[10, 1]), options).unwrap_err();
    assert!(
        err.to_string().contains("id 9 (sample 7, position 1)"),
        "{err}"
    );
    let err = m.predict_batched(&x, 3).unwrap_err();
    assert!(
        err.to_string().contains("id 9 (sample 7, position 1)"),
        "{err}"
    );
}

#[test]
fn a_bad_id_in_the_validation_split_is_named_by_its_row_of_x() {
    // 10 samples, the last 3 for validation; sample 8 holds id 9.
    let mut ids: Vec<f32> = (0..20).map(|i| (i % 5) as f32).collect();
    ids[8 * 2] = 9.0;
    let x = Tensor::from_vec(ids, &[10, 2]);
    let y = Tensor::zeros(&[10, 1]);
    let options = FitOptions::new()
        .verbose(0)
        .batch_size(2)
        .validation_split(0.3);
    let err = embedding_model().fit(&x, &y, options).unwrap_err();
    assert!(
        err.to_string().contains("id 9 (sample 8, position 0)"),
        "{err}"
    );
    // Validation data of its own: the sample in it.
    let options = FitOptions::new()
        .verbose(0)
        .batch_size(2)
        .validation_data(x.narrow(0, 5, 5), y.narrow(0, 5, 5));
    let err = embedding_model()
        .fit(&x.narrow(0, 0, 5), &y.narrow(0, 0, 5), options)
        .unwrap_err();
    assert!(
        err.to_string().contains("id 9 (sample 3, position 0)"),
        "{err}"
    );
}
