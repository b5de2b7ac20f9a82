//! How a failure inside a layer's `call` travels to the layer's boundary: an op that cannot
//! return an error (`matmul`, `+`, `reshape`, …) [`raise`]s it, and the innermost
//! [`catch`] turns it back into the [`Error`] it was, with the line in the user's code
//! where the op was called.
//!
//! Inside a catch, `raise` unwinds with [`std::panic::resume_unwind`], which runs no panic
//! hook: nothing is printed and no process-wide hook is installed. Outside any catch it is an
//! ordinary panic whose message names the op and its shapes. A panic that is not ours (an
//! `unwrap` in the user's code) is printed by whatever hook the program has, as a panicking
//! thread's is, and caught all the same.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, Location};

use crate::error::Error;

thread_local! {
    /// How many catches are active on this thread.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// The payload `raise` unwinds with inside a catch.
struct Raised {
    error: Error,
    location: &'static Location<'static>,
}

/// What a [`catch`] caught.
pub(crate) enum Caught {
    /// An error raised by an op (or by `apply`), with the line in the user's code that
    /// called it.
    Raised {
        /// The error.
        error: Error,
        /// `file:line:column` of the call.
        location: String,
    },
    /// Any other panic, with its message.
    Panic(String),
}

/// Fails with `error` at the caller's location: unwinds silently to the innermost
/// [`catch`] when there is one on this thread, panics with the error's message otherwise.
#[cold]
#[track_caller]
pub(crate) fn raise(error: Error) -> ! {
    let location = Location::caller();
    if DEPTH.with(Cell::get) > 0 {
        std::panic::resume_unwind(Box::new(Raised { error, location }));
    }
    panic!("{error}");
}

/// `result.or_raise()`: the value, or [`raise`] the error at the caller's location (the
/// panicking twin of a `try_` op is `self.try_op(…).or_raise()` under `#[track_caller]`).
pub(crate) trait OrRaise<T> {
    /// The value, or fails with the error.
    #[track_caller]
    fn or_raise(self) -> T;
}

impl<T> OrRaise<T> for Result<T, Error> {
    #[inline]
    #[track_caller]
    fn or_raise(self) -> T {
        match self {
            Ok(value) => value,
            Err(error) => raise(error),
        }
    }
}

/// Runs `f`, returning what it raised or panicked with instead of unwinding further. Costs
/// two thread-local updates when nothing fails.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(caught)
}

fn caught(payload: Box<dyn Any + Send>) -> Caught {
    match payload.downcast::<Raised>() {
        Ok(raised) => Caught::Raised {
            error: raised.error,
            location: raised.location.to_string(),
        },
        Err(payload) => Caught::Panic(
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raise_inside_a_catch_comes_back_as_the_error_with_its_line() {
        let line = line!() + 1;
        let caught = catch(|| raise(Error::invalid("op", "bad"))).err();
        let Some(Caught::Raised { error, location }) = caught else {
            panic!("expected a raised error");
        };
        assert_eq!(error, Error::invalid("op", "bad"));
        assert_eq!(location, format!("{}:{line}:31", file!()));
    }

    #[test]
    fn a_foreign_panic_comes_back_as_its_message() {
        let caught = catch(|| -> u8 { panic!("boom {}", 1) }).err();
        assert!(matches!(caught, Some(Caught::Panic(m)) if m == "boom 1"));
        assert!(matches!(catch(|| 5), Ok(5)));
    }

    #[test]
    fn outside_a_catch_a_raise_is_a_panic_with_the_message() {
        let payload = std::panic::catch_unwind(|| raise(Error::invalid("op", "bad")))
            .expect_err("raise panics");
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "`op`: bad");
    }
}
