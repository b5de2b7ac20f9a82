//! `init = "name"`: the initializer names `Initializer::from_name` accepts, checked where
//! the user wrote them.

use syn::LitStr;

use crate::internals::ctxt::Ctxt;
use crate::internals::text::closest;

/// The initializer names `Initializer::from_name` accepts: Keras's snake_case names first
/// (the ones error messages list), then its class names and aliases.
///
/// The runtime keeps the same names beside the match that gives them meaning
/// (`layers-core/src/init/mod.rs`); the derive cannot read them from there (the core
/// depends on the derive), so the test below holds the two lists equal.
pub const NAMES: &[&str] = &[
    "zeros",
    "ones",
    "constant",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "Zeros",
    "zero",
    "Ones",
    "one",
    "Constant",
    "RandomNormal",
    "normal",
    "RandomUniform",
    "uniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "OrthogonalInitializer",
];

/// How many of [`NAMES`] are the snake_case names listed in messages.
const SNAKE_CASE: usize = 14;

/// The initializer of a weight without `init`: Keras's `add_weight` default.
pub const DEFAULT: &str = "glorot_uniform";

/// Reports an `init = "name"` that `Initializer::from_name` would reject, on the string,
/// with the closest known name.
pub fn check_name(cx: &Ctxt, name: &LitStr) {
    let value = name.value();
    if NAMES.contains(&value.as_str()) {
        return;
    }
    let known = &NAMES[..SNAKE_CASE];
    let list = known
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = closest(&value, known)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    cx.error_spanned_by(
        name,
        format!(
            "unknown initializer `{value}` in `weight`{suggestion}; expected one of {list}, or \
             an expression of type `Initializer`"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::{NAMES, SNAKE_CASE};

    /// The derive checks `init = "name"` at compile time against its own list; the runtime
    /// resolves the name. The two must agree, or a name would pass one and fail the other.
    #[test]
    fn initializer_names_agree_with_the_runtime() {
        for name in NAMES {
            assert!(
                layers::Initializer::from_name(name).is_ok(),
                "the derive accepts `{name}` but `Initializer::from_name` does not"
            );
        }
        let message = layers::Initializer::from_name("no_such_initializer")
            .unwrap_err()
            .to_string();
        let listed = message
            .split("known initializers: ")
            .nth(1)
            .expect("the error lists the known names");
        let runtime: Vec<&str> = listed.trim_end_matches('.').split(", ").collect();
        assert_eq!(runtime, &NAMES[..SNAKE_CASE]);
    }
}
