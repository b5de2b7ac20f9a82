//! `#[activation]`, in stages that each use only the ones before: parse the attribute
//! ([`attr`]), check the function's signature ([`check`]) and rewrite its body to dual
//! numbers for the derivative ([`dual`], which reports what it cannot differentiate), then,
//! if nothing was reported, generate the layer type ([`expand`]), or else its stubs.

pub mod attr;
pub mod check;
pub mod dual;
pub mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::internals::ctxt::Ctxt;

/// The whole expansion: the errors if any, the function as written, and the generated items
/// (stubs with unreachable bodies when there are errors).
pub fn activation(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::parse(&cx, args);
    let func = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(func)) => func,
        Ok(other) => {
            check::report_not_a_function(&cx, &other);
            return with_errors(cx, item);
        }
        Err(e) => {
            cx.syn_error(e);
            return with_errors(cx, item);
        }
    };
    let signature = check::check_signature(&cx, &func, &args);
    let derivative = dual::derivative(&cx, &func, args.derivative.as_ref());
    let activation = expand::Activation::new(&func, &args, &signature);
    match cx.check() {
        Ok(()) => {
            let generated = expand::generate(&activation, &derivative);
            quote!(#item #generated)
        }
        Err(errors) => {
            let errors = errors.to_compile_error();
            // Not for methods: the item then sits in an `impl` block, where a struct cannot.
            let stubs = signature.stubs.then(|| expand::stubs(&activation));
            quote!(#errors #item #stubs)
        }
    }
}

/// The item as written, after the errors, when it is not a function to expand.
fn with_errors(cx: Ctxt, item: TokenStream) -> TokenStream {
    let errors = cx.check().err().map(|e| e.to_compile_error());
    quote!(#errors #item)
}
