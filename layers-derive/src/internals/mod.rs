//! What the macros share: the error context ([`ctxt`]), the typed attribute helper and the
//! keys every attribute parses alike ([`attr`]), where the runtime is ([`crate_path`]), the
//! table of initializer names ([`initializer`]), and the text of messages and docs
//! ([`text`]). Nothing here knows a macro's input.

pub mod attr;
pub mod crate_path;
pub mod ctxt;
pub mod initializer;
pub mod text;
