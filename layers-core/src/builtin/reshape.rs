//! `Flatten` and `Reshape`: change the per-sample shape, keeping the batch axis.

use std::fmt::Debug;

use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::ConfigValue;
use crate::typed::{Const, Dim, DynShape, Mismatch, NoCheck, Shape, ShapeCheck, StaticLayer};
use crate::{Layer, Tensor};

/// Flattens each sample to one axis: `(batch, d1, d2, …)` → `(batch, d1·d2·…)`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut f = Flatten::new();
/// assert_eq!(f.build([28, 28])?, vec![784]);
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// In a statically checked model the flattened width is a runtime size: types cannot
/// multiply, so the layers after it are checked when the model is built.
#[derive(Layer, Debug)]
#[layer(custom_shape)]
pub struct Flatten {}

/// `x`'s batch size and its number of values per sample; a scalar, which has no batch axis
/// to keep, is an error naming `op`.
fn batch_and_rest(op: &'static str, x: &Tensor) -> Result<(usize, usize)> {
    let &[batch, ref rest @ ..] = x.shape() else {
        return Err(Error::mismatch(
            op,
            "a batch axis: at least 1 axis",
            x.shape(),
        ));
    };
    Ok((batch, rest.iter().product()))
}

impl TryCall for Flatten {
    /// A scalar, which has no batch axis to keep, is refused.
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, rest) = batch_and_rest("flatten", x)?;
        x.try_reshape(&[batch, rest])
    }
}

/// Reshapes each sample to `target_shape` (the batch axis is kept); one entry may be `-1`,
/// inferred from the element count, as in Keras. Building checks the target first: every
/// other entry must be at least 1.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut r = Reshape::new(vec![-1, 4]);
/// assert_eq!(r.build([2, 6])?, vec![3, 4]);
/// let mut bad = Reshape::new(vec![5]);
/// let err = bad.build([2, 6]).unwrap_err();
/// assert!(err.to_string().contains("12 values per sample"), "{err}");
/// let err = Reshape::new(vec![-1, -1]).build([4]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `reshape` (Reshape): `target_shape` must hold sizes of at least 1 and at most \
///      one -1, got [-1, -1]"
/// );
///
/// // A target known at compile time: in a statically checked model, the compiler checks
/// // that the element count matches.
/// let mut fixed = Reshape::new((Const::<3>, Const::<4>));
/// assert_eq!(fixed.build([12])?, vec![3, 4]);
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// # Panics
///
/// When called on samples whose element count the target shape cannot hold; building
/// the model reports this as an error naming the layer first.
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct Reshape<T: ReshapeTarget = Vec<isize>> {
    /// The per-sample target shape; at most one `-1`.
    pub target_shape: T,
}

impl<T: ReshapeTarget> Reshape<T> {
    /// The product of the target's known sizes, or why the target is not one.
    fn known_size(target: &[isize]) -> Result<usize, String> {
        let unknown = target.iter().filter(|&&d| d == -1).count();
        let known = target
            .iter()
            .filter(|&&d| d != -1)
            .try_fold(1usize, |n, &d| {
                usize::try_from(d)
                    .ok()
                    .filter(|&d| d >= 1)
                    .and_then(|d| n.checked_mul(d))
            });
        match known {
            Some(known) if unknown <= 1 => Ok(known),
            _ if unknown <= 1 && target.iter().all(|&d| d >= 1 || d == -1) => Err(format!(
                "holds more values per sample than memory can address, got {target:?}"
            )),
            _ => Err(format!(
                "must hold sizes of at least 1 and at most one -1, got {target:?}"
            )),
        }
    }

    fn validate_config(&self) -> Result<()> {
        Self::known_size(&self.target_shape.dims())
            .map(|_| ())
            .map_err(|message| Error::InvalidConfig {
                field: "target_shape".into(),
                message,
            })
    }

    /// The per-sample shape for samples of `count` elements, or why there is none.
    fn resolve(&self, count: usize) -> Result<Vec<usize>, String> {
        let target = self.target_shape.dims();
        let unknown = target.iter().filter(|&&d| d == -1).count();
        // At least 1, and without overflow: every size is checked.
        let known = Self::known_size(&target).map_err(|e| format!("`target_shape` {e}"))?;
        let fill = if unknown == 1 && count.is_multiple_of(known) {
            count / known
        } else {
            0
        };
        let shape: Vec<usize> = target
            .iter()
            .map(|&d| if d == -1 { fill } else { d as usize })
            .collect();
        // `known · fill` is `count` or 0, so the product cannot overflow.
        if shape.iter().product::<usize>() != count {
            return Err(format!(
                "target shape {:?} cannot hold the input's {count} values per sample",
                target
            ));
        }
        Ok(shape)
    }
}

impl<T: ReshapeTarget> TryCall for Reshape<T> {
    /// A target that cannot hold the input's values per sample is an error naming both.
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, count) = batch_and_rest("reshape", x)?;
        let target = self
            .resolve(count)
            .map_err(|e| Error::invalid("reshape", e))?;
        let mut shape = vec![batch];
        shape.extend(target);
        x.try_reshape(&shape)
    }
}

impl StaticLayer for Flatten {
    type Input<In: Shape> = In;
    type Output<In: Shape> = (In::D0, usize);
    type Check<In: Shape> = NoCheck;
}

/// A [`Reshape`] target: a `Vec<isize>` known at run time (one entry may be `-1`), or a
/// tuple of up to three [`Dim`]s such as `(Const<7>, Const<112>)` known at compile time.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::ReshapeTarget;
/// use layers_core::typed::Const;
/// assert_eq!(vec![-1isize, 4].dims(), vec![-1, 4]);
/// assert_eq!((Const::<7>, Const::<112>).dims(), vec![7, 112]);
/// assert_eq!(<(Const<7>, Const<112>) as ReshapeTarget>::SIZE, Some(784));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a reshape target",
    label = "expected a `Vec<isize>` or a tuple of up to three sizes",
    note = "write `Reshape::new(vec![28, 28])` (checked at run time) or `Reshape::new((Const::<28>, Const::<28>))` (checked by the compiler)"
)]
pub trait ReshapeTarget: ConfigValue + Debug + Clone + Send + Sync + 'static {
    /// The number of values per sample when known at compile time.
    const SIZE: Option<usize>;
    /// The output shape, batch axis `B` first.
    type Output<B: Dim>: Shape;
    /// The target's sizes, `-1` for one to infer.
    fn dims(&self) -> Vec<isize>;
}

impl ReshapeTarget for Vec<isize> {
    const SIZE: Option<usize> = None;
    type Output<B: Dim> = DynShape;
    fn dims(&self) -> Vec<isize> {
        self.clone()
    }
}

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

macro_rules! tuple_target {
    ($(($($d:ident $i:tt),*)),*) => {$(
        impl<$($d: Dim),*> ReshapeTarget for ($($d,)*) {
            const SIZE: Option<usize> = crate::typed::product(&[$($d::SIZE),*]);
            type Output<N0: Dim> = (N0, $($d,)*);
            fn dims(&self) -> Vec<isize> {
                vec![$(signed(self.$i.size())),*]
            }
        }

        impl<$($d: Dim),*> ConfigValue for ($($d,)*) {
            fn to_config(&self) -> serde_json::Value {
                serde_json::json!([$(self.$i.size()),*])
            }
            fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
                let sizes = <Vec<usize>>::from_config(value)?;
                let n = [$($i),*].len();
                if sizes.len() != n {
                    return Err(crate::layer::config::expected(&format!("a list of {n} sizes"), value));
                }
                Ok(($(
                    $d::from_size(sizes[$i]).ok_or_else(|| {
                        crate::layer::config::expected(&format!("sizes this type allows"), value)
                    })?,
                )*))
            }
        }
    )*};
}

tuple_target!((A 0), (A 0, B 1), (A 0, B 1, C 2));

impl<const A: usize> Default for Reshape<(Const<A>,)> {
    fn default() -> Self {
        Reshape::new((Const,))
    }
}

impl<const A: usize, const B: usize> Default for Reshape<(Const<A>, Const<B>)> {
    fn default() -> Self {
        Reshape::new((Const, Const))
    }
}

impl<const A: usize, const B: usize, const C: usize> Default
    for Reshape<(Const<A>, Const<B>, Const<C>)>
{
    fn default() -> Self {
        Reshape::new((Const, Const, Const))
    }
}

/// The compile-time check of a reshape: the input's values per sample against the
/// target's, when the compiler knows both.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::ReshapeCheck;
/// use layers_core::typed::{Const, ShapeCheck};
/// type Ok = ReshapeCheck<(usize, Const<784>), (Const<28>, Const<28>)>;
/// assert!(Ok::MISMATCH.is_none());
/// type Bad = ReshapeCheck<(usize, Const<784>), (Const<28>, Const<27>)>;
/// assert_eq!(Bad::MISMATCH.map(|m| (m.found, m.expected)), Some((784, 756)));
/// ```
pub struct ReshapeCheck<In, T>(std::marker::PhantomData<(In, T)>);

impl<In: Shape, T: ReshapeTarget> ShapeCheck for ReshapeCheck<In, T> {
    const MISMATCH: Option<Mismatch> = match (In::SAMPLE_SIZE, T::SIZE) {
        (Some(found), Some(expected)) if found != expected => Some(Mismatch {
            layer: "Reshape",
            found,
            expected,
        }),
        _ => None,
    };
}

impl<T: ReshapeTarget> StaticLayer for Reshape<T> {
    type Input<In: Shape> = In;
    type Output<In: Shape> = T::Output<In::D0>;
    type Check<In: Shape> = ReshapeCheck<In, T>;
}
