//! The registry of activation names: `#[activation]` submits an [`ActivationEntry`] for each
//! type, and [`Activation::from_config`] finds it by name and makes the activation from its
//! config parameters.

use super::Activation;
use crate::error::{Error, Result};

/// A registered activation: written by `#[activation]`, collected at link time so that
/// names in configs resolve without running user code. Not a public API (reached through
/// `__private`).
pub struct ActivationEntry {
    /// The registered name.
    pub name: &'static str,
    /// Makes the activation from config parameters (missing ones take their defaults).
    pub make: fn(&serde_json::Map<String, serde_json::Value>) -> Result<Activation>,
}

inventory::collect!(ActivationEntry);

/// Every registered activation name, sorted.
///
/// # Examples
///
/// ```
/// let names = layers_core::activation::registered_names();
/// assert!(names.iter().any(|n| n == "relu"));
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered_names() -> Vec<String> {
    let mut names: Vec<String> = inventory::iter::<ActivationEntry>
        .into_iter()
        .map(|e| e.name.to_string())
        .chain(["softmax".to_string(), "log_softmax".to_string()])
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Reads hyperparameter `name` from config `params`, or `default` when absent; used by the
/// code `#[activation]` generates.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the value is not a number.
pub fn param(
    params: &serde_json::Map<String, serde_json::Value>,
    activation: &str,
    name: &str,
    default: f32,
) -> Result<f32> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.as_f64().map(|v| v as f32).ok_or_else(|| {
            Error::invalid(
                "activation config",
                format!("parameter `{name}` of `{activation}` must be a number, found {v}"),
            )
        }),
    }
}

/// Checks that config `params` name only parameters in `known`; used by generated code.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming the first unknown parameter.
pub fn check_params(
    params: &serde_json::Map<String, serde_json::Value>,
    activation: &str,
    known: &[&str],
) -> Result<()> {
    match params
        .keys()
        .find(|k| k.as_str() != "name" && !known.contains(&k.as_str()))
    {
        None => Ok(()),
        Some(k) => Err(Error::invalid(
            "activation config",
            format!(
                "`{activation}` has no parameter `{k}`; its parameters: [{}]",
                known.join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{check_params, param};

    #[test]
    fn a_parameter_is_read_from_the_config_or_defaults() {
        let mut p = serde_json::Map::new();
        p.insert("alpha".into(), 0.3.into());
        assert_eq!(param(&p, "elu", "alpha", 1.0).unwrap(), 0.3);
        assert_eq!(param(&p, "elu", "beta", 2.0).unwrap(), 2.0);
        p.insert("alpha".into(), "big".into());
        let err = param(&p, "elu", "alpha", 1.0).unwrap_err();
        assert!(
            err.to_string()
                .contains("parameter `alpha` of `elu` must be a number")
        );
    }

    #[test]
    fn an_unknown_parameter_is_named() {
        let mut p = serde_json::Map::new();
        p.insert("name".into(), "elu".into());
        assert!(check_params(&p, "elu", &["alpha"]).is_ok());
        p.insert("alpah".into(), 0.3.into());
        let err = check_params(&p, "elu", &["alpha"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("`elu` has no parameter `alpah`; its parameters: [alpha]")
        );
    }
}
