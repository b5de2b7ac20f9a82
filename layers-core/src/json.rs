//! JSON for config values, shared by every module that writes or reads configs (layers,
//! initializers): numbers written so they read back the same, and the wording of a
//! refusal.

/// An `f32` config value as JSON, written as the shortest decimal that reads back as the
/// same `f32` (`0.95`, not the `0.949999988079071` of its exact `f64` value); `null` for
/// NaN and infinities, which JSON cannot write. Every `f32` in a config (fields, activation
/// hyperparameters) goes through here.
///
/// # Examples
///
/// ```
/// use layers_core::layer::config::f32_to_json;
/// assert_eq!(f32_to_json(0.95).to_string(), "0.95");
/// assert_eq!(f32_to_json(1e-3).to_string(), "0.001");
/// assert_eq!(f32_to_json(0.95).as_f64().map(|v| v as f32), Some(0.95));
/// assert!(f32_to_json(f32::NAN).is_null());
/// ```
pub fn f32_to_json(value: f32) -> serde_json::Value {
    // Rust prints an f32 as the shortest text that parses back to it; that text, read as
    // an f64, is the nearest f64 to the decimal, which serde_json prints the same way.
    format!("{value}")
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The `f32` in config JSON: a number within `f32`'s range (a larger one would silently
/// become infinite); the error says what was found.
pub(crate) fn f32_from_json(value: &serde_json::Value) -> std::result::Result<f32, String> {
    match value.as_f64() {
        Some(v) if v.abs() <= f64::from(f32::MAX) => Ok(v as f32),
        _ => Err(expected("a number within f32's range", value)),
    }
}

/// "expected …, found `value`", the message of every [`ConfigValue::from_config`] refusal.
pub(crate) fn expected(what: &str, value: &serde_json::Value) -> String {
    let mut found = value.to_string();
    if found.len() > 60 {
        let cut = (0..=60)
            .rev()
            .find(|&i| found.is_char_boundary(i))
            .unwrap_or(0);
        found.truncate(cut);
        found.push('…');
    }
    format!("expected {what}, found {found}")
}

/// A Keras object as `regularizers.get` or `constraints.get` takes it: a bare name (`"l2"`)
/// or `{"class_name": …, "config": {…}}` (other keys, such as Keras's `module` and
/// `registered_name`, are left to the caller). Returns the class name and the settings,
/// if any; `kind` names what was expected in the error (`"regularizer"`).
///
/// # Errors
///
/// [`Error::InvalidConfig`](crate::Error::InvalidConfig) naming `class_name`, `config` or
/// `kind` for a value of the wrong type.
pub(crate) fn keras_object<'a>(
    value: &'a serde_json::Value,
    kind: &str,
) -> crate::Result<(
    &'a str,
    Option<&'a serde_json::Map<String, serde_json::Value>>,
)> {
    use serde_json::Value;
    let error = |field: &str, message: String| crate::Error::InvalidConfig {
        field: field.to_string(),
        message,
    };
    match value {
        Value::String(name) => Ok((name.as_str(), None)),
        Value::Object(map) => {
            let class = map
                .get("class_name")
                .and_then(Value::as_str)
                .ok_or_else(|| error("class_name", expected("a string", value)))?;
            let params = match map.get("config") {
                None | Some(Value::Null) => None,
                Some(Value::Object(p)) => Some(p),
                Some(other) => return Err(error("config", expected("an object", other))),
            };
            Ok((class, params))
        }
        other => Err(error(
            kind,
            expected(
                &format!("a {kind} name or {{\"class_name\": …, \"config\": …}}"),
                other,
            ),
        )),
    }
}
