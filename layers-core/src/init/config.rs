//! An [`Initializer`] as config data and back: its Keras name when its parameters are the
//! name's defaults, otherwise Keras's `{"class_name": …, "config": {…}}` with every
//! parameter, so that a layer reloaded from its config initializes as the saved one did.

use serde_json::{Map, Value, json};

use super::{Distribution, FanMode, Initializer};
use crate::error::{Error, Result};
use crate::json::{expected, f32_from_json, f32_to_json};

impl Initializer {
    /// The initializer as config JSON: `"he_normal"` when its parameters are the defaults of
    /// its name, `{"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.5}}`
    /// otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// assert_eq!(Initializer::he_normal().to_config(), serde_json::json!("he_normal"));
    /// assert_eq!(
    ///     Initializer::constant(0.5).to_config(),
    ///     serde_json::json!({"class_name": "Constant", "config": {"value": 0.5}})
    /// );
    /// ```
    pub fn to_config(&self) -> Value {
        if let Initializer::WithFanAxes { initializer, .. } = self {
            return initializer.to_config();
        }
        let name = self.name();
        if Initializer::from_name(name).as_ref() == Ok(self) {
            return name.into();
        }
        let (class_name, config) = match *self {
            Initializer::Zeros => ("Zeros", json!({})),
            Initializer::Ones => ("Ones", json!({})),
            Initializer::Constant(value) => ("Constant", json!({ "value": f32_to_json(value) })),
            Initializer::RandomNormal { mean, stddev } => (
                "RandomNormal",
                json!({ "mean": f32_to_json(mean), "stddev": f32_to_json(stddev) }),
            ),
            Initializer::TruncatedNormal { mean, stddev } => (
                "TruncatedNormal",
                json!({ "mean": f32_to_json(mean), "stddev": f32_to_json(stddev) }),
            ),
            Initializer::RandomUniform { minval, maxval } => (
                "RandomUniform",
                json!({ "minval": f32_to_json(minval), "maxval": f32_to_json(maxval) }),
            ),
            Initializer::Orthogonal { gain } => {
                ("Orthogonal", json!({ "gain": f32_to_json(gain) }))
            }
            Initializer::WithFanAxes { .. } => unreachable!("written as its initializer above"),
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
            } => (
                "VarianceScaling",
                json!({
                    "scale": f32_to_json(scale),
                    "mode": mode_name(mode),
                    "distribution": distribution_name(distribution),
                }),
            ),
        };
        json!({ "class_name": class_name, "config": config })
    }

    /// The initializer a config gives: a name (`"glorot_uniform"`, `"GlorotUniform"`), or
    /// `{"class_name": …, "config": {…}}` whose config sets any of the class's parameters
    /// (the others keep their defaults). The parameters are checked as a layer checks them.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for an unknown initializer; [`Error::InvalidConfig`] for a
    /// parameter the class does not have, a value of the wrong type, or an unusable value
    /// (a NaN constant, a negative standard deviation).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// let init = Initializer::RandomNormal { mean: 0.0, stddev: 0.5 };
    /// assert_eq!(Initializer::from_config(&init.to_config())?, init);
    /// let bad = serde_json::json!({"class_name": "RandomNormal", "config": {"stdev": 1.0}});
    /// assert_eq!(
    ///     Initializer::from_config(&bad).unwrap_err().to_string(),
    ///     "`stdev` is not a parameter of initializer `random_normal`; its parameters: mean, stddev"
    /// );
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_config(value: &Value) -> Result<Initializer> {
        let empty = Map::new();
        let (name, params) = match value {
            Value::String(name) => return Initializer::from_name(name),
            Value::Object(map) => {
                let name = map.get("class_name").and_then(Value::as_str);
                let params = match map.get("config") {
                    None => Some(&empty),
                    Some(Value::Object(params)) => Some(params),
                    Some(_) => None,
                };
                let extra = map.keys().find(|k| *k != "class_name" && *k != "config");
                match (name, params, extra) {
                    (Some(name), Some(params), None) => (name, params),
                    _ => return Err(invalid("initializer", expected_shape(value))),
                }
            }
            _ => return Err(invalid("initializer", expected_shape(value))),
        };
        let mut init = Initializer::from_name(name)?;
        let known = init.param_names();
        for (key, v) in params {
            if !known.contains(&key.as_str()) {
                return Err(invalid(
                    key,
                    format!(
                        "is not a parameter of initializer `{}`; its parameters: {}",
                        init.name(),
                        known.join(", ")
                    ),
                ));
            }
            init.set_param(key, v)
                .map_err(|message| invalid(key, message))?;
        }
        match init.invalid_params() {
            Some(reason) => Err(invalid(
                "initializer",
                format!("is an unusable `{}` initializer: {reason}", init.name()),
            )),
            None => Ok(init),
        }
    }

    /// The names of the parameters this initializer's config holds.
    fn param_names(&self) -> &'static [&'static str] {
        match self {
            Initializer::Zeros | Initializer::Ones => &[],
            Initializer::Constant(_) => &["value"],
            Initializer::RandomNormal { .. } | Initializer::TruncatedNormal { .. } => {
                &["mean", "stddev"]
            }
            Initializer::RandomUniform { .. } => &["minval", "maxval"],
            Initializer::Orthogonal { .. } => &["gain"],
            Initializer::VarianceScaling { .. } => &["scale", "mode", "distribution"],
            Initializer::WithFanAxes { initializer, .. } => initializer.param_names(),
        }
    }

    /// Sets parameter `key` (one of [`param_names`](Self::param_names)) from config JSON.
    fn set_param(&mut self, key: &str, v: &Value) -> std::result::Result<(), String> {
        let number = || f32_from_json(v);
        match (self, key) {
            (Initializer::Constant(value), _) => *value = number()?,
            (
                Initializer::RandomNormal { mean, stddev }
                | Initializer::TruncatedNormal { mean, stddev },
                _,
            ) => *(if key == "mean" { mean } else { stddev }) = number()?,
            (Initializer::RandomUniform { minval, maxval }, _) => {
                *(if key == "minval" { minval } else { maxval }) = number()?;
            }
            (Initializer::Orthogonal { gain }, _) => *gain = number()?,
            (Initializer::WithFanAxes { initializer, .. }, _) => initializer.set_param(key, v)?,
            (Initializer::VarianceScaling { scale, .. }, "scale") => *scale = number()?,
            (Initializer::VarianceScaling { mode, .. }, "mode") => {
                *mode = match v.as_str() {
                    Some("fan_in") => FanMode::FanIn,
                    Some("fan_out") => FanMode::FanOut,
                    Some("fan_avg") => FanMode::FanAvg,
                    _ => return Err(expected("\"fan_in\", \"fan_out\" or \"fan_avg\"", v)),
                }
            }
            (Initializer::VarianceScaling { distribution, .. }, _) => {
                *distribution = match v.as_str() {
                    Some("truncated_normal") => Distribution::TruncatedNormal,
                    Some("untruncated_normal") => Distribution::UntruncatedNormal,
                    Some("uniform") => Distribution::Uniform,
                    _ => {
                        return Err(expected(
                            "\"truncated_normal\", \"untruncated_normal\" or \"uniform\"",
                            v,
                        ));
                    }
                }
            }
            (Initializer::Zeros | Initializer::Ones, _) => {
                unreachable!("zeros and ones have no parameters")
            }
        }
        Ok(())
    }
}

fn mode_name(mode: FanMode) -> &'static str {
    match mode {
        FanMode::FanIn => "fan_in",
        FanMode::FanOut => "fan_out",
        FanMode::FanAvg => "fan_avg",
    }
}

fn distribution_name(distribution: Distribution) -> &'static str {
    match distribution {
        Distribution::TruncatedNormal => "truncated_normal",
        Distribution::UntruncatedNormal => "untruncated_normal",
        Distribution::Uniform => "uniform",
    }
}

fn expected_shape(value: &Value) -> String {
    expected(
        "an initializer name or {\"class_name\": …, \"config\": {…}}",
        value,
    )
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidConfig {
        field: field.to_string(),
        message,
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn every_initializer_round_trips_through_its_config() {
        let all = [
            Initializer::zeros(),
            Initializer::ones(),
            Initializer::constant(0.25),
            Initializer::constant(0.0),
            Initializer::RandomNormal {
                mean: 1.0,
                stddev: 0.5,
            },
            Initializer::random_uniform(),
            Initializer::RandomUniform {
                minval: -2.0,
                maxval: 3.0,
            },
            Initializer::TruncatedNormal {
                mean: 0.1,
                stddev: 0.2,
            },
            Initializer::Orthogonal { gain: 2.0 },
            Initializer::glorot_uniform(),
            Initializer::he_normal(),
            Initializer::variance_scaling(0.3, FanMode::FanOut, Distribution::Uniform),
            Initializer::variance_scaling(2.0, FanMode::FanAvg, Distribution::UntruncatedNormal),
        ];
        for init in all {
            let config = init.to_config();
            assert_eq!(Initializer::from_config(&config).unwrap(), init, "{config}");
        }
    }

    #[test]
    fn bad_initializer_configs_are_refused_with_the_key() {
        let cases = [
            (json!(3), "expected an initializer name or"),
            (json!("xavier"), "unknown initializer `xavier`"),
            (
                json!({"class_name": "Constant", "config": {"value": "a"}}),
                "`value` expected a number",
            ),
            (
                json!({"class_name": "Constant", "config": {"value": 1e300}}),
                "within f32's range",
            ),
            (
                json!({"class_name": "RandomNormal", "config": {"stddev": -1.0}}),
                "unusable `random_normal`",
            ),
            (
                json!({"class_name": "VarianceScaling", "config": {"mode": "fan_up"}}),
                "`mode` expected \"fan_in\"",
            ),
            (
                json!({"class_name": "Ones", "extra": 1}),
                "expected an initializer name",
            ),
        ];
        for (config, message) in cases {
            let err = Initializer::from_config(&config).unwrap_err().to_string();
            assert!(err.contains(message), "{config}: {err}");
        }
    }
}
