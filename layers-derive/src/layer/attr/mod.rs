//! The attributes of `#[derive(Layer)]`, parsed with `parse_nested_meta`: the struct's
//! `#[layer(...)]` ([`container`]) and each field's `#[weight]`, `#[layer]`, `#[config]` or
//! `#[skip]` ([`field`]). Every mistake is reported to the context and parsing goes on, so
//! that all of an item's mistakes come out in one compile.

pub mod container;
pub mod field;
