//! The error context: every stage reports into it, and all errors come out together, so a
//! user fixes every mistake of one item in one compile.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use quote::ToTokens;

/// Collects `syn::Error`s while an item is parsed and checked. Code generation comes after
/// [`Ctxt::check`] and reports nothing: every mistake is found before it.
///
/// A context must be checked before it goes out of scope (as serde_derive's): dropping one
/// unchecked panics, so that no path through a macro can lose the errors it collected.
pub struct Ctxt {
    /// `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    /// An empty context.
    pub fn new() -> Ctxt {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Reports `message` on the tokens of `culprit` (their first to last token).
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, culprit: T, message: M) {
        self.syn_error(syn::Error::new_spanned(
            culprit.into_token_stream(),
            message,
        ));
    }

    /// Reports an error built elsewhere (by `syn` while parsing, or on a bare span).
    pub fn syn_error(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("a `Ctxt` takes no error after `check`: the stages that report run before it")
            .push(error);
    }

    /// Ends the context: `Ok` if nothing was reported, or every error, in the order they
    /// were reported, combined into one (which expands to one `compile_error!` each).
    pub fn check(self) -> syn::Result<()> {
        let errors = self
            .errors
            .borrow_mut()
            .take()
            .expect("`check` consumes the context, so it runs once");
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !thread::panicking() && self.errors.borrow().is_some() {
            panic!("a `Ctxt` was dropped without `check`: its errors would be lost");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;

    #[test]
    fn check_returns_every_error_in_order() {
        let cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(a), "first");
        cx.error_spanned_by(quote::quote!(b), "second");
        let messages: Vec<String> = cx
            .check()
            .expect_err("two errors were reported")
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(messages, ["first", "second"]);
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "dropped without `check`")]
    fn dropping_an_unchecked_context_panics() {
        let cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(a), "lost");
    }
}
