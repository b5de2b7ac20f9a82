//! `initializer_names!()`, for `layers-core` only: the enum of the initializer names in
//! [`INITIALIZERS`], which `Initializer::from_name` matches on. The core depends on this
//! crate, so the names `#[weight(init = "name")]` is checked against and the names the
//! runtime resolves come from one table, and the compiler holds the core's match to it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::internals::initializer::INITIALIZERS;

/// `enum InitializerName` with a variant per initializer (its class name), its
/// snake_case names (`InitializerName::SNAKE_CASE`, as messages list them), and
/// `InitializerName::parse(name)`, which accepts every name of the table.
pub fn expand(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return syn::Error::new_spanned(input, "`initializer_names!` takes no arguments")
            .to_compile_error();
    }
    let variants: Vec<Ident> = INITIALIZERS
        .iter()
        .map(|known| Ident::new(&known.class_name(), Span::call_site()))
        .collect();
    let snake_case = INITIALIZERS.iter().map(|known| known.name);
    let count = INITIALIZERS.len();
    let patterns = INITIALIZERS.iter().map(|known| {
        let names = known.names();
        quote!(#(#names)|*)
    });
    quote! {
        /// An initializer name that [`Initializer::from_name`] accepts, resolved. Generated
        /// by `layers_derive::__initializer_names!` from the table that
        /// `#[weight(init = "name")]` is checked against at compile time.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum InitializerName {
            #(#variants,)*
        }

        impl InitializerName {
            /// Every initializer's name in Keras's snake_case spelling, as messages list
            /// them.
            const SNAKE_CASE: [&'static str; #count] = [#(#snake_case),*];

            /// The initializer Keras calls `name`: its snake_case name, its class name
            /// (`GlorotUniform`) or one of Keras's aliases (`zero`, `normal`, `uniform`,
            /// `OrthogonalInitializer`).
            fn parse(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#patterns => ::core::option::Option::Some(Self::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn generates_one_variant_and_one_arm_per_initializer() {
        let file: syn::File = syn::parse2(expand(proc_macro2::TokenStream::new()))
            .expect("the expansion is Rust items");
        let syn::Item::Enum(names) = &file.items[0] else {
            panic!("the first item is the enum");
        };
        assert_eq!(names.variants.len(), 14);
        assert_eq!(names.variants[13].ident, "Orthogonal");
        let text = quote::quote!(#file).to_string();
        assert!(text.contains(r#""orthogonal" | "Orthogonal" | "OrthogonalInitializer""#));
        assert!(
            expand(quote::quote!(x))
                .to_string()
                .contains("compile_error")
        );
    }
}
