//! `#[activation]`: parse the attribute ([`attr`]), check the signature ([`check`]), and
//! generate the layer type ([`expand`]), with the derivative from the body run on dual
//! numbers ([`dual`]).

pub mod attr;
pub mod check;
pub mod dual;
pub mod expand;
