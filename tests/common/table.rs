//! The reader of the float64 reference tables in `tests/reference/*.txt` that the Python
//! scripts beside them write (`ops`, `conv`, `pool`, `rnn`, `attention`), shared by the
//! `*_reference` modules of the `numerics` and `families` test binaries (each includes this
//! file with `#[path = "../common/table.rs"] mod table;`).
//!
//! A table is one array per line: `case field shape v0 v1 …`, the shape written `2x3x4`, or
//! `-` for a scalar, the values in row-major order. A field is an input (`x`, `x0`, `w0`),
//! an expected output (`y`), the cotangent of the gradient check (`c`) or an expected
//! gradient (`g0`, `gx`, `gw0`), by the script's conventions.

use std::collections::BTreeMap;

use layers::prelude::*;

/// One array of the table: its shape and its values in row-major order.
pub struct Array {
    /// The shape, empty for a scalar.
    pub shape: Vec<usize>,
    /// The values in row-major order, as the script printed them.
    pub values: Vec<f64>,
}

impl Array {
    /// The array as a float32 tensor.
    pub fn tensor(&self) -> Tensor {
        Tensor::from_vec(self.values.iter().map(|&v| v as f32).collect(), &self.shape)
    }
}

/// The arrays of one case, by field.
pub type Fields = BTreeMap<&'static str, Array>;

/// The table in `text` (an `include_str!` of the file), by case and then by field. Panics
/// on a malformed line, naming it.
pub fn read(text: &'static str) -> BTreeMap<&'static str, Fields> {
    let mut cases: BTreeMap<&'static str, Fields> = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (Some(name), Some(field), Some(shape)) = (parts.next(), parts.next(), parts.next())
        else {
            panic!("malformed line: {line}");
        };
        let shape = match shape {
            "-" => vec![],
            s => s.split('x').map(|d| parse(d, line)).collect(),
        };
        let values = parts.map(|v| parse(v, line)).collect();
        cases
            .entry(name)
            .or_default()
            .insert(field, Array { shape, values });
    }
    cases
}

fn parse<T: std::str::FromStr>(text: &str, line: &str) -> T {
    text.parse()
        .unwrap_or_else(|_| panic!("`{text}` is not a number, in line: {line}"))
}

/// The disagreements between `found` and `expected` beyond 1e-4 relative (to
/// `max(1, |expected|)`), as lines for the report; a NaN is never within the tolerance, and
/// a shape that differs is one line.
pub fn compare(what: &str, found: &Tensor, expected: &Array) -> Vec<String> {
    if found.shape() != expected.shape.as_slice() {
        return vec![format!(
            "{what}: shape {:?}, the reference has {:?}",
            found.shape(),
            expected.shape
        )];
    }
    found
        .to_vec()
        .iter()
        .zip(&expected.values)
        .enumerate()
        .filter(|&(_, (&f, &e))| {
            // NaN fails too: it is not within any tolerance.
            let within = (f64::from(f) - e).abs() <= 1e-4 * e.abs().max(1.0);
            !within
        })
        .map(|(i, (f, e))| format!("{what}[{i}]: {f}, the reference has {e}"))
        .collect()
}

#[test]
fn a_malformed_line_is_refused() {
    let short = std::panic::catch_unwind(|| read("case x\n"));
    assert!(short.is_err());
    let not_a_number = std::panic::catch_unwind(|| read("case x 2 1.0 one\n"));
    assert!(not_a_number.is_err());
    let table = read("a x - 2.5\na y 2x1 1 -3e-2\nb x 1 0\n");
    assert_eq!(table.keys().copied().collect::<Vec<_>>(), ["a", "b"]);
    assert!(table["a"]["x"].shape.is_empty());
    assert_eq!(table["a"]["x"].tensor().item(), 2.5);
    assert_eq!(table["a"]["y"].shape, [2, 1]);
    assert_eq!(table["a"]["y"].values, [1.0, -0.03]);
}
