//! [`Shape`]: a tensor shape at the type level, as a tuple of [`Dim`]s (ranks 0 to 4), or
//! [`DynShape`] when not even the rank is known at compile time.

use super::dim::{Const, Dim};

/// A shape at the type level: a tuple of [`Dim`]s such as `(usize, Const<784>)` (a batch of
/// any size of 784 features), or [`DynShape`].
///
/// Statically checked models compute the shape each layer produces from these types, so that
/// a layer that does not fit its input is a compile error. The associated types are what
/// signatures are written with; users rarely name them.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, Shape, DynShape};
/// type Images = (usize, Const<28>, Const<28>);
/// assert_eq!(Images::RANK, Some(3));
/// assert_eq!(Images::sizes(), Some(vec![None, Some(28), Some(28)]));
/// assert_eq!(Images::SAMPLE_SIZE, Some(784));
/// assert_eq!(Images::describe(), "(usize, Const<28>, Const<28>)");
/// assert_eq!(DynShape::RANK, None);
/// assert_eq!(<Images as Shape>::IfKnown::<(usize,)>::describe(), "(usize,)");
/// assert_eq!(<DynShape as Shape>::IfKnown::<(usize,)>::describe(), "DynShape");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a shape",
    label = "expected a tuple of dimensions such as `(usize, Const<784>)`",
    note = "a shape is a tuple of up to 4 dimensions, each `usize` or `Const<N>`, or `DynShape`"
)]
pub trait Shape: Send + Sync + 'static {
    /// The number of axes, `None` for [`DynShape`].
    const RANK: Option<usize>;
    /// The number of values per sample (the product of every axis after the first) when all
    /// of those are compile-time sizes.
    const SAMPLE_SIZE: Option<usize>;
    /// Axis 0; `usize` (a runtime size) when the shape has no such axis.
    type D0: Dim;
    /// Axis 1; `usize` when absent.
    type D1: Dim;
    /// Axis 2; `usize` when absent.
    type D2: Dim;
    /// Axis 3; `usize` when absent.
    type D3: Dim;
    /// The last axis; `usize` for rank 0.
    type Last: Dim;
    /// The shape without its last axis ([`DynShape`] for rank 0).
    type Pop: Shape;
    /// The shape with one more axis at the end ([`DynShape`] past rank 4).
    type Push<D: Dim>: Shape;
    /// `S` when this shape is known to the compiler, [`DynShape`] when it is not: what a
    /// list of layers produces from `S` when its element produces this shape.
    type IfKnown<S: Shape>: Shape;

    /// Each axis's compile-time size (`None` for a runtime one); `None` for [`DynShape`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::typed::{Const, Shape};
    /// assert_eq!(<(usize, Const<3>)>::sizes(), Some(vec![None, Some(3)]));
    /// ```
    fn sizes() -> Option<Vec<Option<usize>>>;

    /// The shape as the compiler prints it, e.g. `(usize, Const<64>)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::typed::{Const, Shape};
    /// assert_eq!(<(usize, Const<3>)>::describe(), "(usize, Const<3>)");
    /// ```
    fn describe() -> String {
        match Self::sizes() {
            None => "DynShape".to_string(),
            Some(sizes) => {
                let dims: Vec<String> = sizes
                    .iter()
                    .map(|s| match s {
                        Some(n) => format!("Const<{n}>"),
                        None => "usize".to_string(),
                    })
                    .collect();
                if dims.len() == 1 {
                    format!("({},)", dims[0])
                } else {
                    format!("({})", dims.join(", "))
                }
            }
        }
    }

    /// Whether a runtime shape fits: same rank, and every compile-time size equal.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::typed::{Const, Shape};
    /// assert!(<(usize, Const<3>)>::accepts(&[10, 3]));
    /// assert!(!<(usize, Const<3>)>::accepts(&[10, 4]));
    /// assert!(!<(usize, Const<3>)>::accepts(&[10, 3, 1]));
    /// ```
    fn accepts(shape: &[usize]) -> bool {
        match Self::sizes() {
            None => true,
            Some(sizes) => {
                sizes.len() == shape.len()
                    && sizes
                        .iter()
                        .zip(shape)
                        .all(|(s, &n)| s.is_none_or(|s| s == n))
            }
        }
    }
}

/// A shape the compiler knows nothing about, not even its rank: what a layer without a
/// shape signature produces. Everything fits it, and it fits everything; such shapes are
/// checked at run time, when the model is built.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{DynShape, Shape};
/// assert_eq!(DynShape::sizes(), None);
/// assert!(DynShape::accepts(&[1, 2, 3]));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DynShape;

impl Shape for DynShape {
    const RANK: Option<usize> = None;
    const SAMPLE_SIZE: Option<usize> = None;
    type D0 = usize;
    type D1 = usize;
    type D2 = usize;
    type D3 = usize;
    type Last = usize;
    type Pop = DynShape;
    type Push<D: Dim> = DynShape;
    type IfKnown<S: Shape> = DynShape;
    fn sizes() -> Option<Vec<Option<usize>>> {
        None
    }
}

/// The product of compile-time sizes, `None` if any is a runtime size.
pub(crate) const fn product(sizes: &[Option<usize>]) -> Option<usize> {
    let mut total = 1usize;
    let mut i = 0;
    while i < sizes.len() {
        match sizes[i] {
            Some(n) => total = total.saturating_mul(n),
            None => return None,
        }
        i += 1;
    }
    Some(total)
}

impl Shape for () {
    const RANK: Option<usize> = Some(0);
    const SAMPLE_SIZE: Option<usize> = None;
    type D0 = usize;
    type D1 = usize;
    type D2 = usize;
    type D3 = usize;
    type Last = usize;
    type Pop = DynShape;
    type Push<D: Dim> = (D,);
    type IfKnown<S: Shape> = S;
    fn sizes() -> Option<Vec<Option<usize>>> {
        Some(Vec::new())
    }
}

impl<A: Dim> Shape for (A,) {
    const RANK: Option<usize> = Some(1);
    const SAMPLE_SIZE: Option<usize> = Some(1);
    type D0 = A;
    type D1 = usize;
    type D2 = usize;
    type D3 = usize;
    type Last = A;
    type Pop = ();
    type Push<D: Dim> = (A, D);
    type IfKnown<S: Shape> = S;
    fn sizes() -> Option<Vec<Option<usize>>> {
        Some(vec![A::SIZE])
    }
}

impl<A: Dim, B: Dim> Shape for (A, B) {
    const RANK: Option<usize> = Some(2);
    const SAMPLE_SIZE: Option<usize> = product(&[B::SIZE]);
    type D0 = A;
    type D1 = B;
    type D2 = usize;
    type D3 = usize;
    type Last = B;
    type Pop = (A,);
    type Push<D: Dim> = (A, B, D);
    type IfKnown<S: Shape> = S;
    fn sizes() -> Option<Vec<Option<usize>>> {
        Some(vec![A::SIZE, B::SIZE])
    }
}

impl<A: Dim, B: Dim, C: Dim> Shape for (A, B, C) {
    const RANK: Option<usize> = Some(3);
    const SAMPLE_SIZE: Option<usize> = product(&[B::SIZE, C::SIZE]);
    type D0 = A;
    type D1 = B;
    type D2 = C;
    type D3 = usize;
    type Last = C;
    type Pop = (A, B);
    type Push<D: Dim> = (A, B, C, D);
    type IfKnown<S: Shape> = S;
    fn sizes() -> Option<Vec<Option<usize>>> {
        Some(vec![A::SIZE, B::SIZE, C::SIZE])
    }
}

impl<A: Dim, B: Dim, C: Dim, E: Dim> Shape for (A, B, C, E) {
    const RANK: Option<usize> = Some(4);
    const SAMPLE_SIZE: Option<usize> = product(&[B::SIZE, C::SIZE, E::SIZE]);
    type D0 = A;
    type D1 = B;
    type D2 = C;
    type D3 = E;
    type Last = E;
    type Pop = (A, B, C);
    type Push<D: Dim> = DynShape;
    type IfKnown<S: Shape> = S;
    fn sizes() -> Option<Vec<Option<usize>>> {
        Some(vec![A::SIZE, B::SIZE, C::SIZE, E::SIZE])
    }
}

/// A rank-1 shape of compile-time size: `Rank1<10>` is `(Const<10>,)`.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Rank1, Shape};
/// assert_eq!(Rank1::<10>::sizes(), Some(vec![Some(10)]));
/// ```
pub type Rank1<const A: usize> = (Const<A>,);
/// A rank-2 shape of compile-time sizes: `Rank2<2, 3>` is `(Const<2>, Const<3>)`.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Rank2, Shape};
/// assert_eq!(Rank2::<2, 3>::sizes(), Some(vec![Some(2), Some(3)]));
/// ```
pub type Rank2<const A: usize, const B: usize> = (Const<A>, Const<B>);
/// A rank-3 shape of compile-time sizes.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Rank3, Shape};
/// assert_eq!(Rank3::<1, 2, 3>::RANK, Some(3));
/// ```
pub type Rank3<const A: usize, const B: usize, const C: usize> = (Const<A>, Const<B>, Const<C>);
/// A rank-4 shape of compile-time sizes.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Rank4, Shape};
/// assert_eq!(Rank4::<1, 2, 3, 4>::SAMPLE_SIZE, Some(24));
/// ```
pub type Rank4<const A: usize, const B: usize, const C: usize, const D: usize> =
    (Const<A>, Const<B>, Const<C>, Const<D>);

/// A batch of any size of vectors of `N` features: `(usize, Const<N>)`, the usual model
/// input.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Batch1, Shape};
/// assert_eq!(Batch1::<784>::describe(), "(usize, Const<784>)");
/// ```
pub type Batch1<const N: usize> = (usize, Const<N>);
/// A batch of any size of `H × W` matrices: `(usize, Const<H>, Const<W>)`.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Batch2, Shape};
/// assert_eq!(Batch2::<28, 28>::SAMPLE_SIZE, Some(784));
/// ```
pub type Batch2<const H: usize, const W: usize> = (usize, Const<H>, Const<W>);
/// A batch of any size of `H × W × C` images: `(usize, Const<H>, Const<W>, Const<C>)`.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Batch3, Shape};
/// assert_eq!(Batch3::<8, 8, 3>::RANK, Some(4));
/// ```
pub type Batch3<const H: usize, const W: usize, const C: usize> =
    (usize, Const<H>, Const<W>, Const<C>);
