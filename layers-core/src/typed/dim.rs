//! [`Dim`]: one trait over a size known at compile time ([`Const<N>`]) and a size known only
//! at run time (`usize`).

use std::fmt::Debug;

use crate::layer::config::ConfigValue;
use crate::layer::weight_shape::ToDim;

/// A dimension: a size known at compile time ([`Const<N>`]) or only at run time (`usize`).
///
/// Layers whose output size is a parameter take it as a `Dim`, so that one type serves both
/// worlds: `Dense::new(128)` is a `Dense<usize>`, whose size the compiler does not know,
/// and `Dense::new(Const::<128>)` is a `Dense<Const<128>>`, whose size it does. In a
/// statically checked model two compile-time sizes must be equal (checked by the compiler);
/// anything against a runtime size is checked when the model is built.
///
/// # Examples
///
/// ```
/// use layers_core::typed::{Const, Dim};
/// assert_eq!(Const::<784>.size(), 784);
/// assert_eq!(<Const<784> as Dim>::SIZE, Some(784));
/// assert_eq!(128usize.size(), 128);
/// assert_eq!(<usize as Dim>::SIZE, None);
/// assert_eq!(Const::<3>::from_size(3), Some(Const::<3>));
/// assert_eq!(Const::<3>::from_size(4), None);
/// ```
///
/// Every `Dim` is a [`ToDim`], so a layer generic over its size may use the field in a
/// weight shape as it is (`#[weight(shape = [input[-1], units])]` with `units: U`,
/// `U: Dim`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dimension",
    label = "expected a size: `usize` (known at run time) or `Const<N>` (known at compile time)",
    note = "a dimension is `usize` or `layers::typed::Const<N>`"
)]
pub trait Dim: ToDim + Copy + Debug + ConfigValue + Send + Sync + 'static {
    /// The size when the compiler knows it, `None` for a runtime size.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::typed::{Const, Dim};
    /// assert_eq!(<Const<2> as Dim>::SIZE, Some(2));
    /// ```
    const SIZE: Option<usize>;

    /// The size.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::typed::{Const, Dim};
    /// assert_eq!(Const::<2>.size(), 2);
    /// assert_eq!(7usize.size(), 7);
    /// ```
    fn size(&self) -> usize;

    /// The dimension of size `n`, or `None` when `n` is not this compile-time size.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::typed::{Const, Dim};
    /// assert_eq!(usize::from_size(5), Some(5));
    /// assert_eq!(Const::<5>::from_size(6), None);
    /// ```
    fn from_size(n: usize) -> Option<Self>;
}

/// A size known at compile time: `Const<128>` is 128.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let d = Dense::new(Const::<10>); // a `Dense<Const<10>>`
/// assert_eq!(d.units.size(), 10);
/// assert_eq!(d.config()["units"], 10);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Const<const N: usize>;

impl<const N: usize> Dim for Const<N> {
    const SIZE: Option<usize> = Some(N);
    fn size(&self) -> usize {
        N
    }
    fn from_size(n: usize) -> Option<Self> {
        (n == N).then_some(Const)
    }
}

impl Dim for usize {
    const SIZE: Option<usize> = None;
    fn size(&self) -> usize {
        *self
    }
    fn from_size(n: usize) -> Option<Self> {
        Some(n)
    }
}

impl<const N: usize> ConfigValue for Const<N> {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!(N)
    }
    /// Only `N` itself: the size is the type's.
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        match value.as_u64() {
            Some(n) if n == N as u64 => Ok(Const),
            _ => Err(crate::layer::config::expected(
                &format!("{N}, the size this type fixes"),
                value,
            )),
        }
    }
}

impl<const N: usize> ToDim for Const<N> {
    fn to_dim(&self) -> usize {
        N
    }
}

impl<const N: usize> From<Const<N>> for usize {
    fn from(_: Const<N>) -> usize {
        N
    }
}
