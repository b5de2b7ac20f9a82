//! The config fields a user's expression names (a weight's `shape`, `init`, `trainable` or
//! `enabled`, a sublayer's `init`), and the `let` bindings that put them in scope by name
//! in generated code.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::text::ident_text;
use crate::layer::ast::Container;

/// Adds to `out` each config field of `container` that appears as an identifier in
/// `tokens` (macros included). Found by name, which may overcount (a method named like a
/// field): the bindings allow unused variables.
pub fn add_used_config(container: &Container, tokens: TokenStream, out: &mut BTreeSet<String>) {
    mentioned_names(tokens, &container.config_names(), out);
}

fn mentioned_names(tokens: TokenStream, names: &[String], out: &mut BTreeSet<String>) {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Ident(i) => {
                let name = ident_text(&i);
                if names.contains(&name) {
                    out.insert(name);
                }
            }
            proc_macro2::TokenTree::Group(g) => mentioned_names(g.stream(), names, out),
            _ => {}
        }
    }
}

/// `let name = Clone::clone(&self.name);` for each config field in `used`, in declaration
/// order, so that an expression over config fields reads them by name inside a method.
pub fn bind_from_self(container: &Container, used: &BTreeSet<String>) -> TokenStream {
    let bindings = container
        .config_fields()
        .filter(|f| used.contains(&f.name()))
        .map(|f| {
            let name = f.ident;
            quote! {
                #[allow(unused_variables)]
                let #name = ::core::clone::Clone::clone(&self.#name);
            }
        });
    quote!(#(#bindings)*)
}
