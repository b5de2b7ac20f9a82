//! The signatures of the layers that the [`layer`](crate::layer) module itself defines: a
//! [`Named`] layer has its layer's, and a container (`Vec<L>`, `[L; N]`, `Option<L>`,
//! `Box<L>`, `Box<dyn Layer>`) has one derived from its element's.
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::typed::{Shape, StaticLayer};
//! type Stack = Vec<Dense<Const<8>>>;
//! // A stack of `Dense<8>` blocks keeps the shape it receives: it takes only width 8.
//! type Out = <Stack as StaticLayer>::Output<(usize, Const<8>)>;
//! assert_eq!(Out::describe(), "(usize, Const<8>)");
//! type Boxed = <Box<dyn Layer> as StaticLayer>::Output<(usize, Const<8>)>;
//! assert_eq!(Boxed::describe(), "DynShape");
//! ```

use super::fits::Both;
use super::layer::{NoCheck, StaticLayer};
use super::shapes::{DynShape, Shape};
use crate::layer::{Layer, Named};

/// The named layer's signature.
impl<L: StaticLayer> StaticLayer for Named<L> {
    type Input<In: Shape> = L::Input<In>;
    type Output<In: Shape> = L::Output<In>;
    type Check<In: Shape> = L::Check<In>;
}

/// A list's elements may run any number of times (none included), so in a statically
/// checked model it takes only shapes that fit both an element's input and its output (a
/// stack of same-shape blocks), and produces the shape it receives ([`DynShape`] when the
/// element has no signature).
impl<L: StaticLayer> StaticLayer for Vec<L> {
    type Input<In: Shape> = Both<L::Input<In>, L::Output<In>>;
    type Output<In: Shape> = <L::Output<In> as Shape>::IfKnown<In>;
    type Check<In: Shape> = L::Check<In>;
}

/// As for `Vec<L>`: the elements keep the shape they receive.
impl<L: StaticLayer, const N: usize> StaticLayer for [L; N] {
    type Input<In: Shape> = Both<L::Input<In>, L::Output<In>>;
    type Output<In: Shape> = <L::Output<In> as Shape>::IfKnown<In>;
    type Check<In: Shape> = L::Check<In>;
}

/// The layer runs or not, so, as for `Vec<L>`, it must keep the shape it receives.
impl<L: StaticLayer> StaticLayer for Option<L> {
    type Input<In: Shape> = Both<L::Input<In>, L::Output<In>>;
    type Output<In: Shape> = <L::Output<In> as Shape>::IfKnown<In>;
    type Check<In: Shape> = L::Check<In>;
}

/// The boxed layer's signature.
impl<L: StaticLayer> StaticLayer for Box<L> {
    type Input<In: Shape> = L::Input<In>;
    type Output<In: Shape> = L::Output<In>;
    type Check<In: Shape> = L::Check<In>;
}

/// A layer chosen at run time: the compiler knows nothing of its shapes, which are checked
/// when the model is built.
impl StaticLayer for Box<dyn Layer> {
    type Input<In: Shape> = In;
    type Output<In: Shape> = DynShape;
    type Check<In: Shape> = NoCheck;
}
