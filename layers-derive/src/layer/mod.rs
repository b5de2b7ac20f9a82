//! `#[derive(Layer)]`: parse the struct ([`ast`], [`attr`]), check it ([`check`]), generate
//! the impls ([`expand`], with `new` and the setters in [`builder`], the shape signature's
//! code in [`shape`], and a `sequential` model's forward pass and checks in [`sequential`]).

pub mod ast;
pub mod attr;
pub mod builder;
pub mod check;
pub mod expand;
pub mod sequential;
pub mod shape;
