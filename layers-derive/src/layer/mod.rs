//! `#[derive(Layer)]`: parse the struct ([`ast`], [`attr`]), check it ([`check`]), generate
//! the impls ([`expand`], with `new` and the setters in [`builder`]).

pub mod ast;
pub mod attr;
pub mod builder;
pub mod check;
pub mod expand;
