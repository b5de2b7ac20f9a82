//! `#[derive(Layer)]`: parse the struct ([`ast`], [`attr`]), check it ([`check`]), generate
//! the impls ([`expand`], with `new` and the setters in [`builder`], and the shape signature's
//! code in [`shape`]).

pub mod ast;
pub mod attr;
pub mod builder;
pub mod check;
pub mod expand;
pub mod shape;
