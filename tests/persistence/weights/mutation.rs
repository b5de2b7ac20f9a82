//! Valid weights files mutated at random (bits flipped, digits of the header changed, bytes
//! cut, inserted or spliced in from another file): loading never panics, and either succeeds
//! with exactly the file's values, all finite, or fails with a weights error and leaves the
//! model unchanged. Whole models' files are mutated the same way: they load a working model
//! or are refused with a file error.

use std::sync::OnceLock;

use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};
use proptest::prelude::*;
use proptest::sample::Index;

use super::{dense_model, weights_of, written};

/// The bytes of a file that `dense_model` saved, and of another model's file to splice from.
fn files() -> &'static (Vec<u8>, Vec<u8>) {
    static FILES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let save = |model: &Sequential, name: &str| {
            let path = dir.path().join(name);
            model.save_weights(&path).unwrap();
            std::fs::read(path).unwrap()
        };
        let mut other = Sequential::new().add(Dense::new(3)).add(Dense::new(2));
        other.build([2]).unwrap();
        (save(&dense_model(1), "a"), save(&other, "b"))
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Flips one bit.
    Flip(Index, u8),
    /// Sets one byte of the first 8 (the header length) or of the header.
    SetHeaderByte(Index, u8),
    /// Replaces one ASCII digit of the header (a shape or an offset) by another.
    Digit(Index, u8),
    /// Cuts the file short.
    Truncate(Index),
    /// Inserts bytes.
    Insert(Index, Vec<u8>),
    /// Removes bytes.
    Remove(Index, usize),
    /// Copies a run of bytes from the other model's file over this one.
    Splice(Index, Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetHeaderByte(i, b)),
        (any::<Index>(), b'0'..=b'9').prop_map(|(i, d)| Mutation::Digit(i, d)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Remove(i, n)),
        (any::<Index>(), any::<Index>(), 1usize..64)
            .prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation, other: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let header_end = {
        let mut length = [0u8; 8];
        let n = bytes.len().min(8);
        length[..n].copy_from_slice(&bytes[..n]);
        (u64::from_le_bytes(length).min(bytes.len() as u64) as usize + 8).min(bytes.len())
    };
    match m {
        Mutation::Flip(i, bit) => {
            let i = i.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Mutation::SetHeaderByte(i, b) => {
            let i = i.index(header_end);
            bytes[i] = *b;
        }
        Mutation::Digit(i, d) => {
            let digits: Vec<usize> = (8..header_end)
                .filter(|&j| bytes[j].is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                bytes[digits[i.index(digits.len())]] = *d;
            }
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
        Mutation::Insert(i, new) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let at = i.index(bytes.len());
            bytes.drain(at..(at + n).min(bytes.len()));
        }
        Mutation::Splice(to, from, n) => {
            let from = from.index(other.len());
            let to = to.index(bytes.len());
            let n = (*n).min(other.len() - from).min(bytes.len() - to);
            bytes[to..to + n].copy_from_slice(&other[from..from + n]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_file_loads_exactly_or_is_refused_cleanly(
        mutations in prop::collection::vec(mutation(), 1..5)
    ) {
        let (valid, other) = files();
        let mut bytes = valid.clone();
        for m in &mutations {
            apply(&mut bytes, m, other);
        }
        let (_dir, path) = written("mutated.safetensors", &bytes);
        let model = dense_model(2);
        let before = weights_of(&model);
        match model.load_weights(&path) {
            Ok(()) => {
                let file = SavedWeights::from_bytes(&bytes, LoadOptions::new())
                    .expect("a file that loads into a layer also reads on its own");
                for (path, weight) in model.all_weights() {
                    let value = weight.value().to_vec();
                    prop_assert!(value.iter().all(|v| v.is_finite()));
                    prop_assert_eq!(&file.get(&path).expect("every weight is in the file").to_vec(), &value);
                }
            }
            Err(err) => {
                prop_assert!(
                    matches!(err, Error::WeightsFile { .. } | Error::WeightsMismatch { .. }),
                    "{:?}", err
                );
                prop_assert_eq!(weights_of(&model), before);
            }
        }
    }
}

/// The bytes of a whole model's file (`save`): a compiled, trained model with a custom
/// config, so that its header holds the architecture and training record as JSON.
fn model_file() -> &'static Vec<u8> {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let mut model = Sequential::new()
            .add(Dense::new(3).activation("elu"))
            .add(BatchNormalization::new())
            .add(Dense::new(2).named("head"));
        model.compile("adam", "mse", &["mae"]).unwrap();
        model
            .train_on_batch(&Tensor::ones(&[2, 4]), &Tensor::zeros(&[2, 2]))
            .unwrap();
        model.save(&path).unwrap();
        std::fs::read(path).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_model_file_loads_a_working_model_or_is_refused_cleanly(
        mutations in prop::collection::vec(mutation(), 1..5)
    ) {
        let (weights, _) = files();
        let mut bytes = model_file().clone();
        for m in &mutations {
            apply(&mut bytes, m, weights);
        }
        let (dir, path) = written("mutated.safetensors", &bytes);
        match Sequential::load(&path) {
            Ok(model) => {
                // What loads is a model like any other: it saves, and loads again the same.
                let again = dir.path().join("again.safetensors");
                model.save(&again).unwrap();
                let reloaded = Sequential::load(&again).unwrap();
                prop_assert_eq!(reloaded.layer_config().unwrap(), model.layer_config().unwrap());
                if model.is_built() {
                    prop_assert_eq!(weights_of(&reloaded), weights_of(&model));
                }
            }
            Err(err) => prop_assert!(
                matches!(err, Error::WeightsFile { .. } | Error::ModelFile { .. }),
                "{:?}", err
            ),
        }
    }
}
