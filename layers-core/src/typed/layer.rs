//! [`StaticLayer`]: what a layer does to shapes, at the type level.

use std::marker::PhantomData;

use super::fits::Fits;
use super::shapes::Shape;
use crate::layer::Layer;

/// A layer's shape signature at the type level: the input shape it takes and the output shape
/// it produces, given the shape `In` it receives.
///
/// `#[derive(Layer)]` implements it: from `#[layer(input = [...], output = [...])]` when the
/// struct has a signature, and otherwise as a layer that takes anything and produces a
/// [`DynShape`](super::DynShape) (checked at run time only). The built-in layers implement
/// it with their sizes: `Dense<Const<10>>` turns `(B, N)` into `(B, Const<10>)` for any
/// `N`, activations and dropout pass any shape through.
///
/// A statically checked model (`#[layer(sequential, input = [...])]`) asks, for each field
/// in turn, whether the shape it receives [`Fits`] the field's `Input`, and feeds the
/// field's `Output` to the next one.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::{Const, Shape, StaticLayer};
/// type Out = <Dense<Const<10>> as StaticLayer>::Output<(usize, Const<64>)>;
/// assert_eq!(Out::describe(), "(usize, Const<10>)");
/// type Same = <Dropout as StaticLayer>::Output<(usize, Const<64>)>;
/// assert_eq!(Same::describe(), "(usize, Const<64>)");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no shape signature",
    label = "this layer cannot be checked in a statically checked model",
    note = "`#[derive(Layer)]` gives every layer one (add `#[layer(input = [...], output = [...])]` for a checked signature); for a hand-written `impl Layer`, implement `layers::typed::StaticLayer` too"
)]
pub trait StaticLayer: Layer {
    /// The shape the layer takes when it receives `In`: `In`'s own sizes where the
    /// signature binds a name, the signature's sizes elsewhere.
    type Input<In: Shape>;
    /// The shape the layer produces when it receives `In`.
    type Output<In: Shape>: Shape;
    /// A check the type system cannot express (a reshape's element count), evaluated by the
    /// compiler in a statically checked model; [`NoCheck`] for most layers.
    type Check<In: Shape>: ShapeCheck;
}

/// A shape check evaluated at compile time, for size arithmetic that types cannot express:
/// `MISMATCH` is `Some` when the layer cannot take its input.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{NoCheck, ShapeCheck};
/// assert!(NoCheck::MISMATCH.is_none());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a shape check",
    label = "expected a type implementing `ShapeCheck`",
    note = "use `layers::typed::NoCheck` when the layer's shapes need no compile-time arithmetic"
)]
pub trait ShapeCheck {
    /// What does not fit, if anything.
    const MISMATCH: Option<Mismatch>;
}

/// A size mismatch found by a [`ShapeCheck`]: the layer `layer` gets `found` values per
/// sample where its signature holds `expected`.
///
/// # Examples
///
/// ```
/// use layers_core::typed::Mismatch;
/// let m = Mismatch { layer: "Reshape", found: 784, expected: 770 };
/// assert_eq!(m.expected, 770);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The layer's type name.
    pub layer: &'static str,
    /// The number of values per sample the layer receives.
    pub found: usize,
    /// The number it needs.
    pub expected: usize,
}

/// The [`ShapeCheck`] that always passes.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{NoCheck, ShapeCheck};
/// assert_eq!(NoCheck::MISMATCH, None);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCheck;

impl ShapeCheck for NoCheck {
    const MISMATCH: Option<Mismatch> = None;
}

/// The name of a model's field, for compile-time messages. Implemented by the marker types
/// that `#[layer(sequential)]` generates, one per field. Not a public API (reached through
/// `__private`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name a field",
    label = "expected a marker type made by `#[layer(sequential)]`",
    note = "`FieldName` is implemented by the code `#[derive(Layer)]` generates"
)]
pub trait FieldName {
    /// The field's name.
    const NAME: &'static str;
}

/// One step of a statically checked model: the shape `In` must fit layer `L` (field `F`),
/// and the result is the shape `L` produces. Called by the code `#[layer(sequential)]`
/// generates, in a constant, so that the compiler evaluates the layer's [`ShapeCheck`] too.
/// Not a public API (reached through `__private`).
pub const fn step<In, L: StaticLayer, F: FieldName>(
    _: PhantomData<In>,
) -> PhantomData<L::Output<In>>
where
    In: Shape + Fits<L::Input<In>, L, F>,
{
    if let Some(m) = <L::Check<In> as ShapeCheck>::MISMATCH {
        let message = Message::new()
            .push("shape mismatch: layer `")
            .push(F::NAME)
            .push("` (`")
            .push(m.layer)
            .push("`) receives ")
            .number(m.found)
            .push(" values per sample but its target shape holds ")
            .number(m.expected);
        panic!("{}", message.as_str());
    }
    PhantomData
}

/// The last step of a statically checked model with a declared `output`: what the layers
/// produce must fit it. Not a public API (reached through `__private`).
pub const fn expect_output<Out, Declared, M, F: FieldName>(_: PhantomData<Out>)
where
    Out: Shape + Fits<Declared, M, F>,
{
}

/// A message built at compile time (numbers included), for panics in constants.
struct Message {
    bytes: [u8; 256],
    len: usize,
}

impl Message {
    const fn new() -> Message {
        Message {
            bytes: [0; 256],
            len: 0,
        }
    }

    const fn push(mut self, s: &str) -> Message {
        let s = s.as_bytes();
        let mut i = 0;
        while i < s.len() && self.len < self.bytes.len() {
            self.bytes[self.len] = s[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn number(mut self, mut n: usize) -> Message {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < self.bytes.len() {
            count -= 1;
            self.bytes[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    const fn as_str(&self) -> &str {
        let (used, _) = self.bytes.split_at(self.len);
        match std::str::from_utf8(used) {
            Ok(s) => s,
            Err(_) => "shape mismatch",
        }
    }
}
