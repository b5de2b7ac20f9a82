//! `#[derive(Layer)]`, in stages that each use only the ones before: parse the struct's and
//! fields' attributes ([`attr`]) into the input the later stages see ([`ast`]), check what
//! needs the whole struct and resolve its shape signatures ([`check`]), then, if nothing was
//! reported, generate the impls ([`expand`]), or else their stubs.

pub mod ast;
pub mod attr;
pub mod check;
pub mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use self::ast::Container;
use crate::internals::crate_path;
use crate::internals::ctxt::Ctxt;

/// The whole expansion: the errors, if any, and the impls (stubs with unreachable bodies when
/// there are errors, so that uses of the type report nothing more).
pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input);
    let signatures = check::check(&cx, &container);
    let (errors, impls) = match cx.check() {
        Ok(()) => (TokenStream::new(), expand::impls(&container, &signatures)),
        Err(errors) => (errors.to_compile_error(), expand::stubs::stubs(&container)),
    };
    let private = crate_path::private_path(container.attrs.krate.as_ref());
    quote! {
        #errors
        const _: () = {
            use #private as __layers;
            #impls
        };
    }
}
