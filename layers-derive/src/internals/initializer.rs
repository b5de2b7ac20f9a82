//! The initializer names, in one table: `#[weight(init = "name")]` is checked against it
//! where the user wrote the name, and the core's `Initializer::from_name` matches on the
//! enum that `initializer_names!` generates from it (the core depends on this crate, so the
//! table lives here).

use syn::LitStr;

use crate::internals::ctxt::Ctxt;
use crate::internals::text::{camel_case, code_list, did_you_mean};

/// A Keras initializer: its snake_case name, and its names besides that one and its class
/// name (the snake_case name in CamelCase, `GlorotUniform`).
pub struct Known {
    /// Keras's snake_case name (`glorot_uniform`), the one messages list.
    pub name: &'static str,
    /// Keras's other aliases (`zero` for `zeros`).
    pub aliases: &'static [&'static str],
}

impl Known {
    /// Keras's class name: `GlorotUniform` for `glorot_uniform`.
    pub fn class_name(&self) -> String {
        camel_case(self.name)
    }

    /// Every name that means this initializer: snake_case, class name, aliases.
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![self.name.to_string(), self.class_name()];
        names.extend(self.aliases.iter().map(|alias| alias.to_string()));
        names
    }
}

/// Keras 3's initializers, in the order messages list them.
pub const INITIALIZERS: [Known; 14] = [
    Known {
        name: "zeros",
        aliases: &["zero"],
    },
    Known {
        name: "ones",
        aliases: &["one"],
    },
    Known {
        name: "constant",
        aliases: &[],
    },
    Known {
        name: "random_normal",
        aliases: &["normal"],
    },
    Known {
        name: "random_uniform",
        aliases: &["uniform"],
    },
    Known {
        name: "truncated_normal",
        aliases: &[],
    },
    Known {
        name: "variance_scaling",
        aliases: &[],
    },
    Known {
        name: "glorot_uniform",
        aliases: &[],
    },
    Known {
        name: "glorot_normal",
        aliases: &[],
    },
    Known {
        name: "he_normal",
        aliases: &[],
    },
    Known {
        name: "he_uniform",
        aliases: &[],
    },
    Known {
        name: "lecun_normal",
        aliases: &[],
    },
    Known {
        name: "lecun_uniform",
        aliases: &[],
    },
    Known {
        name: "orthogonal",
        aliases: &["OrthogonalInitializer"],
    },
];

/// The initializer of a weight without `init`: Keras's `add_weight` default.
pub const DEFAULT: &str = "glorot_uniform";

/// Reports an `init = "name"` that `Initializer::from_name` would reject, on the string,
/// with the closest known name.
pub fn check_name(cx: &Ctxt, name: &LitStr) {
    let value = name.value();
    if INITIALIZERS
        .iter()
        .any(|known| known.names().contains(&value))
    {
        return;
    }
    let known: Vec<&str> = INITIALIZERS.iter().map(|known| known.name).collect();
    let (list, suggestion) = (code_list(&known), did_you_mean(&value, &known));
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
    use super::INITIALIZERS;

    /// Every name the derive accepts resolves at run time, and the runtime lists the
    /// table's names: the core's `from_name` is generated from this table, and this holds
    /// the two ends together.
    #[test]
    fn the_runtime_resolves_every_name_of_the_table() {
        for known in &INITIALIZERS {
            let expected = layers::Initializer::from_name(known.name).expect("a known name");
            for name in known.names() {
                assert_eq!(
                    layers::Initializer::from_name(&name).ok(),
                    Some(expected.clone()),
                    "`{name}` should mean `{}`",
                    known.name
                );
            }
        }
        let message = layers::Initializer::from_name("no_such_initializer")
            .unwrap_err()
            .to_string();
        let listed = message
            .split("known initializers: ")
            .nth(1)
            .expect("the error lists the known names");
        let runtime: Vec<&str> = listed.trim_end_matches('.').split(", ").collect();
        let table: Vec<&str> = INITIALIZERS.iter().map(|known| known.name).collect();
        assert_eq!(runtime, table);
    }
}
