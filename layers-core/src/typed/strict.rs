//! Strict models: `#[layer(sequential, strict, input = [...])]` makes a field whose layer has
//! no shape signature a compile error, instead of checking it, and everything after it, at
//! run time only; and what every statically checked model's summary says about which fields
//! the compiler checked.

use std::marker::PhantomData;

use super::dim::Dim;
use super::fits::Fits;
use super::layer::{FieldName, StaticLayer, step};
use super::shapes::{DynShape, Shape};

/// A shape the compiler knows (a tuple of dimensions), as opposed to [`DynShape`].
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, KnownShape};
/// fn known<S: KnownShape>() {}
/// known::<(usize, Const<3>)>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a shape the compiler knows",
    label = "expected a tuple of dimensions such as `(usize, Const<784>)`",
    note = "`DynShape` is what a layer without a shape signature produces"
)]
pub trait KnownShape: Shape {}

impl KnownShape for () {}
impl<A: Dim> KnownShape for (A,) {}
impl<A: Dim, B: Dim> KnownShape for (A, B) {}
impl<A: Dim, B: Dim, C: Dim> KnownShape for (A, B, C) {}
impl<A: Dim, B: Dim, C: Dim, D: Dim> KnownShape for (A, B, C, D) {}

/// In a strict model, layer `L` (field `F`) receiving `Self` produces `Out`, which the
/// compiler must know when it knows `Self`. (When it does not, an earlier field has already
/// been reported.)
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, DynShape, StrictFits};
/// fn strict<S: StrictFits<O, (), ()>, O>() {}
/// strict::<(usize, Const<3>), (usize, Const<4>)>();
/// strict::<DynShape, DynShape>();
/// ```
#[diagnostic::on_unimplemented(
    message = "layer `{F}` (`{L}`) has no shape signature, so a `strict` model cannot check it at compile time",
    label = "`{L}` produces a shape the compiler does not know, from `{Self}`",
    note = "give `{L}` a signature (`#[layer(input = [...], output = [...])]` on its struct, or an `impl StaticLayer` whose `Output` is a tuple of dimensions), or drop `strict` to check this field and the ones after it when the model is built"
)]
pub trait StrictFits<Out, L, F> {}

#[diagnostic::do_not_recommend]
impl<Out, L, F> StrictFits<Out, L, F> for DynShape {}

macro_rules! strict_fits {
    ($(($($a:ident),*))*) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($a: Dim,)* Out: KnownShape, L, F> StrictFits<Out, L, F> for ($($a,)*) {}
    )*};
}

strict_fits!(()(A0)(A0, A1)(A0, A1, A2)(A0, A1, A2, A3));

/// [`step`] in a strict model: also, the layer must produce a shape the compiler knows. Not a
/// public API (reached through `__private`).
pub const fn strict_step<In, L: StaticLayer, F: FieldName>(
    shape: PhantomData<In>,
) -> PhantomData<L::Output<In>>
where
    In: Shape + Fits<L::Input<In>, L, F> + StrictFits<L::Output<In>, L, F>,
{
    step::<In, L, F>(shape)
}

/// Whether the compiler knows shape `S` (a tuple of dimensions, not [`DynShape`]): a
/// statically checked model checks a field at compile time when it knows the shape the
/// field receives and the one it produces. Called by the code `#[layer(sequential)]`
/// generates; not a public API (reached through `__private`).
pub const fn shape_known<S: Shape>(_: &PhantomData<S>) -> bool {
    S::RANK.is_some()
}
