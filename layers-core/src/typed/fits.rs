//! The matching rule, as traits the compiler checks: a shape fits a layer's expected input
//! when the ranks agree and every pair of compile-time sizes is equal; a runtime size
//! (`usize`) fits anything here and is checked when the model is built.
//!
//! The traits carry the whole shapes, the layer type and the field as parameters only so
//! that a failure reads as a shape error ("layer `r` (`Residual`) takes … but receives …")
//! rather than as an unsatisfied bound.

use std::marker::PhantomData;

use super::dim::Const;
use super::shapes::DynShape;

/// `Self` (the shape a layer receives) fits `Expected` (the shape the layer takes). `L` is
/// the layer type and `F` the field holding it, for the message.
///
/// Implemented by the crate for every pair of tuple shapes of equal rank whose axes fit
/// (see [`DimFits`]), and for [`DynShape`] either way round.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, Fits};
/// fn fits<S: Fits<E, (), ()>, E>() {}
/// fits::<(usize, Const<3>), (usize, Const<3>)>();
/// fits::<(usize, usize), (usize, Const<3>)>(); // runtime size: checked at build time
/// ```
#[diagnostic::on_unimplemented(
    message = "shape mismatch: layer `{F}` (`{L}`) takes `{Expected}` but receives `{Self}`",
    label = "`{L}` takes `{Expected}`, not `{Self}`",
    note = "`Const<N>` is a size known at compile time, `usize` one known only at run time"
)]
pub trait Fits<Expected, L, F> {}

/// One axis of a [`Fits`] check: axis `Self` of the received shape `Whole` fits axis
/// `Target` of the expected shape `Expected`. Two compile-time sizes fit when equal; a
/// runtime size fits anything.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, DimFits};
/// fn fits<D: DimFits<T, (), (), (), ()>, T>() {}
/// fits::<Const<3>, Const<3>>();
/// fits::<usize, Const<3>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "shape mismatch: layer `{F}` (`{L}`) takes `{Expected}` but receives `{Whole}`",
    label = "`{L}` takes `{Expected}`, not `{Whole}`",
    note = "`Const<N>` is a size known at compile time, `usize` one known only at run time"
)]
pub trait DimFits<Target, Whole, Expected, L, F> {}

/// Typed data `Self` fits model `M`'s input `Expected`: [`Fits`] with a message about data.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, DataFits};
/// fn fits<S: DataFits<E, ()>, E>() {}
/// fits::<(usize, Const<3>), (usize, Const<3>)>();
/// ```
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{M}` takes input of shape `{Expected}` but the data has shape `{Self}`",
    label = "data of shape `{Self}` cannot go into `{M}`",
    note = "`Const<N>` is a size known at compile time, `usize` one known only at run time"
)]
pub trait DataFits<Expected, M> {}

/// One axis of a [`DataFits`] check.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, DataDimFits};
/// fn fits<D: DataDimFits<T, (), (), ()>, T>() {}
/// fits::<Const<3>, usize>();
/// ```
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{M}` takes input of shape `{Expected}` but the data has shape `{Whole}`",
    label = "data of shape `{Whole}` cannot go into `{M}`",
    note = "`Const<N>` is a size known at compile time, `usize` one known only at run time"
)]
pub trait DataDimFits<Target, Whole, Expected, M> {}

#[diagnostic::do_not_recommend]
impl<const N: usize, W, E, L, F> DimFits<Const<N>, W, E, L, F> for Const<N> {}
#[diagnostic::do_not_recommend]
impl<const N: usize, W, E, L, F> DimFits<usize, W, E, L, F> for Const<N> {}
#[diagnostic::do_not_recommend]
impl<const N: usize, W, E, L, F> DimFits<Const<N>, W, E, L, F> for usize {}
#[diagnostic::do_not_recommend]
impl<W, E, L, F> DimFits<usize, W, E, L, F> for usize {}

#[diagnostic::do_not_recommend]
impl<const N: usize, W, E, M> DataDimFits<Const<N>, W, E, M> for Const<N> {}
#[diagnostic::do_not_recommend]
impl<const N: usize, W, E, M> DataDimFits<usize, W, E, M> for Const<N> {}
#[diagnostic::do_not_recommend]
impl<const N: usize, W, E, M> DataDimFits<Const<N>, W, E, M> for usize {}
#[diagnostic::do_not_recommend]
impl<W, E, M> DataDimFits<usize, W, E, M> for usize {}

/// An expected shape that is two at once: what a layer that may run its element any number
/// of times (`Vec<L>`, `[L; N]`, `Option<L>`) takes, since what it receives goes into the
/// element and what the element produces goes into it again, or out. A shape fits
/// `Both<A, B>` when it fits `A` and `B`.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Both, Const, Fits};
/// fn fits<S: Fits<E, (), ()>, E>() {}
/// fits::<(usize, Const<8>), Both<(usize, usize), (usize, Const<8>)>>();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Both<A, B>(PhantomData<fn() -> (A, B)>);

// `DynShape` fits every shape, listed kind by kind rather than as one blanket impl, so that
// `Both` can have the blanket impl.
#[diagnostic::do_not_recommend]
impl<L, F> Fits<DynShape, L, F> for DynShape {}
#[diagnostic::do_not_recommend]
impl<E, M> DataFits<E, M> for DynShape {}

// Not `do_not_recommend`, and a blanket impl: a mismatch is then reported against the half
// that fails, as a plain shape mismatch.
impl<S, X, Y, L, F> Fits<Both<X, Y>, L, F> for S where S: Fits<X, L, F> + Fits<Y, L, F> {}

macro_rules! tuple_fits {
    ($($found:tt $expected:tt: $($a:ident $b:ident),*;)*) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($a, $b,)* L, F> Fits<$expected, L, F> for $found
        where
            $($a: DimFits<$b, $found, $expected, L, F>,)*
        {
        }

        #[diagnostic::do_not_recommend]
        impl<$($a,)* L, F> Fits<DynShape, L, F> for $found {}

        #[diagnostic::do_not_recommend]
        impl<$($a, $b,)* M> DataFits<$expected, M> for $found
        where
            $($a: DataDimFits<$b, $found, $expected, M>,)*
        {
        }

        #[diagnostic::do_not_recommend]
        impl<$($a,)* M> DataFits<DynShape, M> for $found {}

        #[diagnostic::do_not_recommend]
        impl<$($b,)* L, F> Fits<$expected, L, F> for DynShape {}

        #[diagnostic::do_not_recommend]
        impl<$($a,)* X, Y, M> DataFits<Both<X, Y>, M> for $found
        where
            $found: DataFits<X, M> + DataFits<Y, M>,
        {
        }
    )*};
}

tuple_fits!(
    () ():;
    (A0,) (B0,): A0 B0;
    (A0, A1) (B0, B1): A0 B0, A1 B1;
    (A0, A1, A2) (B0, B1, B2): A0 B0, A1 B1, A2 B2;
    (A0, A1, A2, A3) (B0, B1, B2, B3): A0 B0, A1 B1, A2 B2, A3 B3;
);
