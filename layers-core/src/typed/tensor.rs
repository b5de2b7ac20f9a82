//! Typed data: a [`Tensor`] that carries its shape in its type, so that `predict`, `fit` and
//! `evaluate` on a statically checked model reject data of the wrong width at compile time.

use std::marker::PhantomData;

use super::fits::DataFits;
use super::layer::StaticLayer;
use super::shapes::Shape;
use crate::Tensor;
use crate::error::{Error, Result};

/// A tensor whose shape `S` is part of its type, e.g. `TypedTensor<(usize, Const<784>)>`:
/// a batch of any size of 784 features. The sizes are checked once, when it is made.
///
/// Passed to `predict`, `fit` or `evaluate` of a statically checked model, data whose width
/// does not fit the model's input is a compile error; a plain [`Tensor`] is checked at run
/// time as before.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::{Batch1, TypedTensor};
/// let x: TypedTensor<Batch1<4>> = TypedTensor::new(Tensor::zeros(&[10, 4]))?;
/// assert_eq!(x.tensor().shape(), &[10, 4]);
/// assert!(TypedTensor::<Batch1<4>>::new(Tensor::zeros(&[10, 5])).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct TypedTensor<S> {
    tensor: Tensor,
    shape: PhantomData<fn() -> S>,
}

impl<S> Clone for TypedTensor<S> {
    fn clone(&self) -> Self {
        TypedTensor {
            tensor: self.tensor.clone(),
            shape: PhantomData,
        }
    }
}

impl<S: Shape> std::fmt::Debug for TypedTensor<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedTensor")
            .field("shape", &S::describe())
            .field("tensor", &self.tensor)
            .finish()
    }
}

/// A rank-1 [`TypedTensor`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::{Const, Tensor1};
/// let v: Tensor1<Const<3>> = Tensor1::new(Tensor::zeros(&[3]))?;
/// assert_eq!(v.tensor().shape(), &[3]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type Tensor1<A> = TypedTensor<(A,)>;
/// A rank-2 [`TypedTensor`]: `Tensor2<usize, Const<784>>` is a batch of 784 features.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::{Const, Tensor2};
/// let x: Tensor2<usize, Const<784>> = Tensor2::new(Tensor::zeros(&[2, 784]))?;
/// assert_eq!(x.tensor().shape(), &[2, 784]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type Tensor2<A, B> = TypedTensor<(A, B)>;
/// A rank-3 [`TypedTensor`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::{Const, Tensor3};
/// let x: Tensor3<usize, Const<2>, Const<2>> = Tensor3::new(Tensor::zeros(&[5, 2, 2]))?;
/// assert_eq!(x.tensor().shape(), &[5, 2, 2]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type Tensor3<A, B, C> = TypedTensor<(A, B, C)>;
/// A rank-4 [`TypedTensor`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::{Const, Tensor4};
/// let x: Tensor4<usize, Const<8>, Const<8>, Const<3>> =
///     Tensor4::new(Tensor::zeros(&[1, 8, 8, 3]))?;
/// assert_eq!(x.tensor().shape(), &[1, 8, 8, 3]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type Tensor4<A, B, C, D> = TypedTensor<(A, B, C, D)>;

impl<S: Shape> TypedTensor<S> {
    /// Wraps `tensor`, checking that its rank and compile-time sizes are those of `S`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] with both shapes when they differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::typed::{Batch1, TypedTensor};
    /// let err = TypedTensor::<Batch1<4>>::new(Tensor::zeros(&[2, 3])).unwrap_err();
    /// assert!(err.to_string().contains("(usize, Const<4>)"));
    /// ```
    pub fn new(tensor: Tensor) -> Result<Self> {
        if !S::accepts(tensor.shape()) {
            return Err(Error::ShapeMismatch {
                op: "TypedTensor::new",
                expected: format!("shape {}", S::describe()),
                found: tensor.shape().into(),
            });
        }
        Ok(TypedTensor {
            tensor,
            shape: PhantomData,
        })
    }

    /// The tensor.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::typed::{Batch1, TypedTensor};
    /// let x = TypedTensor::<Batch1<2>>::new(Tensor::ones(&[1, 2]))?;
    /// assert_eq!(x.tensor().to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn tensor(&self) -> &Tensor {
        &self.tensor
    }

    /// The tensor, without its type-level shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::typed::{Batch1, TypedTensor};
    /// let x = TypedTensor::<Batch1<2>>::new(Tensor::ones(&[1, 2]))?;
    /// let t: Tensor = x.into_inner();
    /// assert_eq!(t.shape(), &[1, 2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn into_inner(self) -> Tensor {
        self.tensor
    }
}

impl<S: Shape> TryFrom<Tensor> for TypedTensor<S> {
    type Error = Error;

    /// [`TypedTensor::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::typed::Batch1;
    /// let x: TypedTensor<Batch1<3>> = Tensor::zeros(&[2, 3]).try_into()?;
    /// assert_eq!(x.tensor().shape(), &[2, 3]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn try_from(tensor: Tensor) -> Result<Self> {
        TypedTensor::new(tensor)
    }
}

impl<S> From<TypedTensor<S>> for Tensor {
    /// [`TypedTensor::into_inner`].
    fn from(typed: TypedTensor<S>) -> Tensor {
        typed.tensor
    }
}

impl<S> AsRef<Tensor> for TypedTensor<S> {
    fn as_ref(&self) -> &Tensor {
        &self.tensor
    }
}

/// Data a model `M` can take: a plain [`Tensor`] (checked at run time) or a
/// [`TypedTensor`] whose shape fits `M`'s input (checked at compile time). `predict` returns
/// the matching kind: a `Tensor`, or a `TypedTensor` of the model's output shape.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::typed::ModelInput;
/// let x = Tensor::zeros(&[1, 2]);
/// assert_eq!(<Tensor as ModelInput<Sequential>>::tensor(&x).shape(), &[1, 2]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a model's input",
    label = "expected a `Tensor` or a `TypedTensor`"
)]
pub trait ModelInput<M> {
    /// What `predict` returns for this input.
    type Output;

    /// The data.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::activation::Relu;
    /// use layers_core::prelude::*;
    /// use layers_core::typed::{Batch1, ModelInput};
    /// let x = TypedTensor::<Batch1<2>>::new(Tensor::ones(&[1, 2]))?;
    /// assert_eq!(<_ as ModelInput<Relu>>::tensor(&x).shape(), &[1, 2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn tensor(&self) -> &Tensor;

    /// Wraps the model's output.
    ///
    /// # Errors
    ///
    /// When the output does not have the shape the model's signature promises.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::typed::{Batch1, ModelInput};
    /// type Out = <TypedTensor<Batch1<4>> as ModelInput<Dense<Const<2>>>>::Output;
    /// let y: Out = <TypedTensor<Batch1<4>> as ModelInput<Dense<Const<2>>>>::output(
    ///     Tensor::zeros(&[3, 2]),
    /// )?;
    /// assert_eq!(y.tensor().shape(), &[3, 2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn output(y: Tensor) -> Result<Self::Output>;
}

impl<M> ModelInput<M> for Tensor {
    type Output = Tensor;
    fn tensor(&self) -> &Tensor {
        self
    }
    fn output(y: Tensor) -> Result<Tensor> {
        Ok(y)
    }
}

impl<M: StaticLayer, S: Shape> ModelInput<M> for TypedTensor<S>
where
    S: DataFits<M::Input<S>, M>,
{
    type Output = TypedTensor<M::Output<S>>;
    fn tensor(&self) -> &Tensor {
        &self.tensor
    }
    fn output(y: Tensor) -> Result<Self::Output> {
        TypedTensor::new(y)
    }
}
