//! Arithmetic operators and comparisons for `Dual`, mixing freely with `f32` on either side.

use super::Dual;
use std::cmp::Ordering;
use std::iter::{Product, Sum};
use std::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

impl Add for Dual {
    type Output = Dual;
    #[inline]
    fn add(self, rhs: Dual) -> Dual {
        self.chain2(rhs, self.value + rhs.value, 1.0, 1.0)
    }
}

impl Sub for Dual {
    type Output = Dual;
    #[inline]
    fn sub(self, rhs: Dual) -> Dual {
        self.chain2(rhs, self.value - rhs.value, 1.0, -1.0)
    }
}

impl Mul for Dual {
    type Output = Dual;
    #[inline]
    fn mul(self, rhs: Dual) -> Dual {
        let (a, b) = (f64::from(self.value), f64::from(rhs.value));
        self.chain2(rhs, self.value * rhs.value, b, a)
    }
}

impl Div for Dual {
    type Output = Dual;
    #[inline]
    fn div(self, rhs: Dual) -> Dual {
        // In f64, b² cannot overflow or underflow for any finite nonzero f32 b.
        let (a, b) = (f64::from(self.value), f64::from(rhs.value));
        self.chain2(rhs, self.value / rhs.value, 1.0 / b, -a / (b * b))
    }
}

impl Rem for Dual {
    type Output = Dual;
    /// `a % b = a − trunc(a/b)·b`, so the partials are 1 and −trunc(a/b).
    #[inline]
    fn rem(self, rhs: Dual) -> Dual {
        let (a, b) = (f64::from(self.value), f64::from(rhs.value));
        self.chain2(rhs, self.value % rhs.value, 1.0, -(a / b).trunc())
    }
}

impl Neg for Dual {
    type Output = Dual;
    #[inline]
    fn neg(self) -> Dual {
        self.chain(-self.value, -1.0)
    }
}

/// The `Dual ∘ f32`, `f32 ∘ Dual` and `Dual ∘= Dual | f32` forms of each operator, all going
/// through the `Dual ∘ Dual` one with the `f32` as a constant.
macro_rules! mixed_forms {
    ($($Op:ident $op:ident $OpAssign:ident $op_assign:ident;)*) => {$(
        impl $Op<f32> for Dual {
            type Output = Dual;
            #[inline]
            fn $op(self, rhs: f32) -> Dual {
                <Dual as $Op>::$op(self, Dual::constant(rhs))
            }
        }

        impl $Op<Dual> for f32 {
            type Output = Dual;
            #[inline]
            fn $op(self, rhs: Dual) -> Dual {
                <Dual as $Op>::$op(Dual::constant(self), rhs)
            }
        }

        impl<T: Into<Dual>> $OpAssign<T> for Dual {
            #[inline]
            fn $op_assign(&mut self, rhs: T) {
                *self = <Dual as $Op>::$op(*self, rhs.into());
            }
        }
    )*};
}

mixed_forms! {
    Add add AddAssign add_assign;
    Sub sub SubAssign sub_assign;
    Mul mul MulAssign mul_assign;
    Div div DivAssign div_assign;
    Rem rem RemAssign rem_assign;
}

impl Sum for Dual {
    #[inline]
    fn sum<I: Iterator<Item = Dual>>(iter: I) -> Dual {
        iter.fold(Dual::constant(0.0), Add::add)
    }
}

impl<'a> Sum<&'a Dual> for Dual {
    #[inline]
    fn sum<I: Iterator<Item = &'a Dual>>(iter: I) -> Dual {
        iter.copied().sum()
    }
}

impl Product for Dual {
    #[inline]
    fn product<I: Iterator<Item = Dual>>(iter: I) -> Dual {
        iter.fold(Dual::constant(1.0), Mul::mul)
    }
}

impl<'a> Product<&'a Dual> for Dual {
    #[inline]
    fn product<I: Iterator<Item = &'a Dual>>(iter: I) -> Dual {
        iter.copied().product()
    }
}

// Comparisons look at the value only, so that a rewritten body takes the branch the `f32` one
// took; two duals with equal values but different derivatives are `==`.

impl PartialEq for Dual {
    #[inline]
    fn eq(&self, other: &Dual) -> bool {
        self.value == other.value
    }
}

impl PartialEq<f32> for Dual {
    #[inline]
    fn eq(&self, other: &f32) -> bool {
        self.value == *other
    }
}

impl PartialEq<Dual> for f32 {
    #[inline]
    fn eq(&self, other: &Dual) -> bool {
        *self == other.value
    }
}

impl PartialOrd for Dual {
    #[inline]
    fn partial_cmp(&self, other: &Dual) -> Option<Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl PartialOrd<f32> for Dual {
    #[inline]
    fn partial_cmp(&self, other: &f32) -> Option<Ordering> {
        self.value.partial_cmp(other)
    }
}

impl PartialOrd<Dual> for f32 {
    #[inline]
    fn partial_cmp(&self, other: &Dual) -> Option<Ordering> {
        self.partial_cmp(&other.value)
    }
}
