//! The reader of the flat Keras reference tables (`tests/reference/keras_prep.txt`,
//! `keras_regularizers.txt`: one array per line, a name, a tab, the values separated by
//! spaces) and their comparison, shared by the `families` modules that use them (included
//! with `#[path = "../common/named.rs"] mod named;`).

use std::collections::HashMap;

/// The arrays of the table in `text` (an `include_str!` of the file), by name. Panics on a
/// value that is not a float.
pub fn read(text: &'static str) -> HashMap<&'static str, Vec<f32>> {
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, values)| {
            let values = values
                .split(' ')
                .map(|v| v.parse::<f32>().expect("a float in the table"))
                .collect();
            (name, values)
        })
        .collect()
}

/// Asserts `actual` within rtol 1e-5, atol 1e-6 of Keras's `expected`, naming `what` and the
/// index; returns the worst relative difference.
pub fn assert_close(what: &str, actual: &[f32], expected: &[f32]) -> f32 {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    let mut worst = 0.0f32;
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let diff = (a - e).abs();
        assert!(
            diff <= 1e-6 + 1e-5 * e.abs(),
            "{what}[{i}]: layers {a}, Keras {e}\n layers {actual:?}\n Keras  {expected:?}"
        );
        worst = worst.max(diff / e.abs().max(1.0));
    }
    worst
}
