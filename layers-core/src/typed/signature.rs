//! The run-time half of a shape signature: the checks a layer with
//! `#[layer(input = [...], output = [...])]` makes on every call, for the sizes the compiler
//! does not know. Everything here is called by generated code only (through `__private`).

use crate::error::{Error, Result};

/// One axis of a shape signature as written in `#[layer(input = [...])]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureDim {
    /// `..`: any number of leading axes (only first).
    Rest,
    /// A name such as `B` or `IN`: any size, the same wherever the name appears.
    Bind(&'static str),
    /// A size: a literal, a const generic or a config field (its text, its value).
    Fixed(&'static str, usize),
}

/// Writes a signature with its sizes, e.g. `[B, 64]` or `[.., IN]`.
fn render_signature(sig: &[SignatureDim]) -> String {
    let parts: Vec<String> = sig
        .iter()
        .map(|d| match d {
            SignatureDim::Rest => "..".to_string(),
            SignatureDim::Bind(name) => (*name).to_string(),
            SignatureDim::Fixed(_, size) => size.to_string(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn render_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// The sizes a signature's names are bound to, in order of first appearance: at most
/// [`Bindings::CAPACITY`], kept inline so that checking a call allocates nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bindings {
    names: [&'static str; Bindings::CAPACITY],
    sizes: [usize; Bindings::CAPACITY],
    len: usize,
}

impl Bindings {
    /// The most names a signature may bind.
    const CAPACITY: usize = 8;

    /// The size bound to the `i`-th name.
    ///
    /// # Panics
    ///
    /// If fewer than `i + 1` names are bound.
    pub fn size(&self, i: usize) -> usize {
        assert!(i < self.len, "binding {i} of {}", self.len);
        self.sizes[i]
    }

    /// The size bound to `name`, if it is bound.
    fn get(&self, name: &str) -> Option<usize> {
        (0..self.len)
            .find(|&i| self.names[i] == name)
            .map(|i| self.sizes[i])
    }

    /// Binds `name`; `false` when full.
    fn push(&mut self, name: &'static str, size: usize) -> bool {
        if self.len == Self::CAPACITY {
            return false;
        }
        self.names[self.len] = name;
        self.sizes[self.len] = size;
        self.len += 1;
        true
    }
}

/// Matches `shape` against `sig`, binding names in `bound`; `false` on a mismatch (or more
/// than [`Bindings::CAPACITY`] names).
fn matches(sig: &[SignatureDim], shape: &[usize], bound: &mut Bindings) -> bool {
    let (rest, explicit) = match sig.first() {
        Some(SignatureDim::Rest) => (true, &sig[1..]),
        _ => (false, sig),
    };
    if shape.len() < explicit.len() || (!rest && shape.len() != explicit.len()) {
        return false;
    }
    let offset = shape.len() - explicit.len();
    for (dim, &size) in explicit.iter().zip(&shape[offset..]) {
        match *dim {
            SignatureDim::Rest => return false,
            SignatureDim::Fixed(_, expected) if expected != size => return false,
            SignatureDim::Fixed(..) => {}
            SignatureDim::Bind(name) => match bound.get(name) {
                Some(earlier) if earlier != size => return false,
                Some(_) => {}
                None => {
                    if !bound.push(name, size) {
                        return false;
                    }
                }
            },
        }
    }
    true
}

/// Checks a layer's input (batch axis included) against its signature (`layer` gives the
/// layer's name, called only on a mismatch) and returns the sizes
/// bound to each name, in order of first appearance.
///
/// # Errors
///
/// [`Error::InputShape`] naming the layer, with the signature and the shape received.
pub fn check_input(
    layer: impl FnOnce() -> String,
    sig: &[SignatureDim],
    shape: &[usize],
) -> Result<Bindings> {
    let mut bound = Bindings::default();
    if matches(sig, shape, &mut bound) {
        Ok(bound)
    } else {
        Err(Error::InputShape {
            layer: layer(),
            expected: render_signature(sig),
            found: render_shape(shape),
        })
    }
}

/// Checks what a layer's `call` returned against its output signature, with the names bound
/// by its input.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] (op `call`) when the `call` returned another shape: a bug in the
/// layer, reported (and named by the model) instead of passing a wrong shape on.
pub fn check_output(sig: &[SignatureDim], shape: &[usize], bound: &Bindings) -> Result<()> {
    let mut bound = *bound;
    if matches(sig, shape, &mut bound) {
        return Ok(());
    }
    let with_sizes: Vec<SignatureDim> = sig
        .iter()
        .map(|d| match *d {
            SignatureDim::Bind(name) => match bound.get(name) {
                Some(size) => SignatureDim::Fixed(name, size),
                None => *d,
            },
            other => other,
        })
        .collect();
    Err(Error::ShapeMismatch {
        op: "call",
        expected: format!(
            "shape {} (the layer's signature says `output = {}`)",
            render_signature(&with_sizes),
            render_signature(sig)
        ),
        found: shape.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::{Bindings, SignatureDim::*, check_input, check_output, render_signature};

    #[test]
    fn an_input_check_binds_each_name_once() {
        let sig = [Bind("B"), Bind("N"), Bind("N")];
        let bound = check_input(|| "square".into(), &sig, &[2, 3, 3]).unwrap();
        assert_eq!((bound.get("B"), bound.get("N")), (Some(2), Some(3)));
        assert_eq!((bound.size(0), bound.size(1)), (2, 3));
        assert_eq!(bound.get("H"), None);
        let err = check_input(|| "square".into(), &sig, &[2, 3, 4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`square` expects input of shape [B, N, N] but got [2, 3, 4]"
        );
        let rest = [Rest, Fixed("64", 64)];
        assert!(check_input(|| "r".into(), &rest, &[8, 5, 64]).is_ok());
        assert!(check_input(|| "r".into(), &rest, &[8, 63]).is_err());
    }

    #[test]
    fn signature_checks_bind_names_without_allocating_and_refuse_too_many() {
        let names = ["A", "B", "C", "D", "E", "F", "G", "H", "I"];
        let sig: Vec<_> = names.iter().map(|&n| Bind(n)).collect();
        let shape: Vec<usize> = (1..=9).collect();
        // Eight names fit inline; a ninth is refused as an error, not a panic.
        let bound = check_input(|| "wide".into(), &sig[..8], &shape[..8]).unwrap();
        assert_eq!(bound.len, Bindings::CAPACITY);
        assert_eq!(bound.get("H"), Some(8));
        let err = check_input(|| "wide".into(), &sig, &shape).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`wide` expects input of shape [A, B")
        );
    }

    #[test]
    fn an_output_check_writes_the_bound_sizes_into_its_message() {
        let sig = [Bind("B"), Fixed("64", 64)];
        let bound = check_input(|| "r".into(), &[Bind("B"), Bind("IN")], &[2, 8]).unwrap();
        assert!(check_output(&sig, &[2, 64], &bound).is_ok());
        let err = check_output(&sig, &[3, 64], &bound).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`call` expected shape [2, 64] (the layer's signature says `output = [B, 64]`) but found shape [3, 64]"
        );
        assert_eq!(render_signature(&[Rest, Fixed("units", 10)]), "[.., 10]");
    }
}
