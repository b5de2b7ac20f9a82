//! The steps of a statically checked model, which only generated code calls: tested here
//! because they have no public path to document them on.

use std::marker::PhantomData;

use super::layer::{FieldName, expect_output, step};
use super::strict::{shape_known, strict_step};
use super::{Const, DynShape, Shape};
use crate::builtin::Dense;

#[allow(non_camel_case_types)]
struct out;

impl FieldName for out {
    const NAME: &'static str = "out";
}

#[test]
fn a_step_gives_the_shape_the_layer_produces() {
    // `Dense<Const<10>>` turns 64 features into 10; the constants' types say so.
    const OUT: PhantomData<(usize, Const<10>)> =
        step::<_, Dense<Const<10>>, out>(PhantomData::<(usize, Const<64>)>);
    const STRICT: PhantomData<(usize, Const<10>)> =
        strict_step::<_, Dense<Const<10>>, out>(PhantomData::<(usize, Const<64>)>);
    assert_eq!(<(usize, Const<10>)>::describe(), "(usize, Const<10>)");
    let _ = (OUT, STRICT, out::NAME);
    expect_output::<(usize, Const<3>), (usize, Const<3>), Dense, out>(PhantomData);
}

#[test]
fn only_tuples_of_dimensions_are_known_shapes() {
    assert!(shape_known(&PhantomData::<(usize, Const<3>)>));
    assert!(!shape_known(&PhantomData::<DynShape>));
}
