//! The error context: every check reports into it, and all errors come out together, so a
//! user fixes every mistake of one item in one compile.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Collects `syn::Error`s while an item is parsed, checked and expanded.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty context.
    pub fn new() -> Ctxt {
        Ctxt::default()
    }

    /// Reports `message` on the tokens of `culprit` (their first to last token).
    pub fn error_spanned_by<T: ToTokens, M: std::fmt::Display>(&self, culprit: T, message: M) {
        self.errors.borrow_mut().push(syn::Error::new_spanned(
            culprit.into_token_stream(),
            message,
        ));
    }

    /// Reports an error built elsewhere (e.g. by `syn` while parsing).
    pub fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Whether anything has been reported so far.
    pub fn has_errors(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    /// All reported errors as `compile_error!` invocations, in the order they were reported.
    pub fn into_compile_errors(self) -> TokenStream {
        self.errors
            .into_inner()
            .into_iter()
            .map(|e| e.to_compile_error())
            .collect()
    }
}
