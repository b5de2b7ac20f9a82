//! Weight initializers with Keras 3's names, defaults and formulas.
//!
//! An [`Initializer`] fills a weight of a given shape; fans are taken from the shape the way
//! Keras takes them ([`compute_fans`]), so `glorot_uniform` on a `(3, 3, in, out)` convolution
//! kernel means what it means in Keras.
//!
//! ```
//! use layers_core::Initializer;
//!
//! // glorot_uniform on (4, 3): U[-l, l), l = sqrt(6 / (4 + 3)) ≈ 0.9258.
//! let kernel = Initializer::from_name("glorot_uniform")?.sample_seeded(&[4, 3], 0)?;
//! assert_eq!(kernel.shape(), &[4, 3]);
//! assert!(kernel.iter().all(|w| w.abs() < 0.9259));
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use ndarray::{ArrayD, IxDyn};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, StandardNormal, Uniform};

use crate::error::{Error, Result};
use crate::tensor::shape::{checked_size, try_buffer};

mod config;
mod orthogonal;
#[cfg(test)]
mod tests;

/// Standard deviation of a standard normal truncated to [-2, 2]; Keras divides by it so that
/// truncated draws keep the variance the formula asks for.
const TRUNCATED_STDDEV_RATIO: f64 = 0.879_625_661_034_239_8;

// `enum InitializerName`, the names `from_name` accepts, from the table that
// `#[weight(init = "name")]` is checked against at compile time.
layers_derive::__initializer_names!();

/// Which fan [`Initializer::VarianceScaling`] divides its scale by (Keras's `mode`).
///
/// Fans come from [`compute_fans`]; `FanAvg` uses `(fan_in + fan_out) / 2`.
///
/// # Examples
///
/// ```
/// use layers_core::init::{Distribution, FanMode};
/// use layers_core::Initializer;
///
/// let he = Initializer::VarianceScaling {
///     scale: 2.0,
///     mode: FanMode::FanIn,
///     distribution: Distribution::TruncatedNormal,
/// };
/// assert_eq!(he, Initializer::he_normal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FanMode {
    /// The number of inputs of a unit (Keras `"fan_in"`).
    FanIn,
    /// The number of outputs of a unit (Keras `"fan_out"`).
    FanOut,
    /// The mean of the two fans (Keras `"fan_avg"`).
    FanAvg,
}

/// The distribution [`Initializer::VarianceScaling`] draws from (Keras's `distribution`).
///
/// With `scale' = scale / max(1, fan)`: `TruncatedNormal` has stddev
/// `sqrt(scale') / 0.87962566103423978` before truncation at 2 stddev (so the values have
/// stddev `sqrt(scale')`), `UntruncatedNormal` has stddev `sqrt(scale')`, and `Uniform` draws
/// from `[-l, l)` with `l = sqrt(3 * scale')`.
///
/// # Examples
///
/// ```
/// use layers_core::init::{Distribution, FanMode};
/// use layers_core::Initializer;
///
/// let init = Initializer::VarianceScaling {
///     scale: 1.0,
///     mode: FanMode::FanIn,
///     distribution: Distribution::UntruncatedNormal,
/// };
/// // (100, 10): stddev sqrt(1 / 100) = 0.1; plain normal draws go beyond 2 stddev.
/// let w = init.sample_seeded(&[100, 10], 0)?;
/// assert!(w.iter().any(|x| x.abs() > 0.2));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// A normal truncated at 2 stddev, rescaled to keep the variance (Keras `"truncated_normal"`).
    TruncatedNormal,
    /// A plain normal (Keras `"untruncated_normal"`).
    UntruncatedNormal,
    /// A uniform distribution symmetric around 0 (Keras `"uniform"`).
    Uniform,
}

/// How to fill a new weight: Keras 3's initializers, with its names and defaults.
///
/// Build one with a constructor named like the Keras initializer ([`Initializer::glorot_uniform`]),
/// from its Keras name ([`Initializer::from_name`] or `str::parse`), or from a variant for
/// non-default parameters; then draw values with [`Initializer::sample`] or
/// [`Initializer::sample_seeded`]. Parameters are checked when sampling, and by
/// [`Initializer::validate`] (which layers call when they are built, before any weight).
///
/// # Examples
///
/// ```
/// use layers_core::Initializer;
///
/// let init = Initializer::RandomUniform { minval: 0.0, maxval: 1.0 };
/// let w = init.sample_seeded(&[2, 2], 7)?;
/// assert!(w.iter().all(|&x| (0.0..1.0).contains(&x)));
/// assert_eq!(init.to_string(), "random_uniform");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Initializer {
    /// Every value 0 (Keras `zeros`).
    Zeros,
    /// Every value 1 (Keras `ones`).
    Ones,
    /// Every value the given constant (Keras `constant`, default 0); must be finite.
    Constant(f32),
    /// Normal draws (Keras `random_normal`, defaults mean 0, stddev 0.05).
    RandomNormal {
        /// Mean of the distribution; must be finite.
        mean: f32,
        /// Standard deviation; must be positive and finite.
        stddev: f32,
    },
    /// Uniform draws in `[minval, maxval)` (Keras `random_uniform`, defaults -0.05, 0.05);
    /// equal bounds fill with that value.
    RandomUniform {
        /// Lower bound (inclusive); must be finite.
        minval: f32,
        /// Upper bound (exclusive); must be finite and not below `minval`.
        maxval: f32,
    },
    /// Normal draws, redrawn while more than 2 `stddev` from the mean (Keras
    /// `truncated_normal`, defaults mean 0, stddev 0.05).
    TruncatedNormal {
        /// Mean of the distribution; must be finite.
        mean: f32,
        /// Standard deviation before truncation; must be positive and finite.
        stddev: f32,
    },
    /// Draws whose variance is `scale / max(1, fan)` (Keras `variance_scaling`); the
    /// Glorot, He and LeCun initializers are instances.
    VarianceScaling {
        /// Scaling factor; must be positive.
        scale: f32,
        /// Which fan to divide by.
        mode: FanMode,
        /// Which distribution to draw from.
        distribution: Distribution,
    },
    /// A random orthogonal matrix times `gain` (Keras `orthogonal`, default gain 1); needs
    /// rank 2 or more, the leading dimensions being flattened into rows.
    Orthogonal {
        /// Multiplier applied to the orthogonal matrix; must be finite.
        gain: f32,
    },
    /// `initializer` on a kernel whose first `input_axes` axes are its inputs and the
    /// others its outputs, as Keras 3's `EinsumDense` (`MultiHeadAttention`'s projections)
    /// sets `input_axes` and `output_axes` on a variance-scaling initializer: `fan_in` is the
    /// product of the input axes, `fan_out` of the output axes. A `(features, heads, units)`
    /// kernel has `fan_in = features`, `fan_out = heads · units`, where the convolution rule
    /// of [`compute_fans`] would give `heads · features` and `units · features`. Other
    /// initializers ignore the axes. Its name and config are `initializer`'s: the axes belong
    /// to the layer, which sets them (made with [`Initializer::with_fan_axes`]).
    WithFanAxes {
        /// The initializer that draws the values.
        initializer: Box<Initializer>,
        /// How many leading axes are inputs (at most the weight's rank).
        input_axes: usize,
    },
}

/// Writes a constructor with its docs: name, doc summary, details, value, doc example lines.
macro_rules! constructors {
    ($($name:ident, $summary:literal, $details:literal, $value:expr, $example:literal;)*) => {$(
        #[doc = $summary]
        ///
        #[doc = $details]
        ///
        /// # Examples
        ///
        /// ```
        /// use layers_core::Initializer;
        #[doc = concat!("let init = Initializer::", stringify!($name), "();")]
        #[doc = concat!("assert_eq!(init.name(), \"", stringify!($name), "\");")]
        #[doc = $example]
        /// # Ok::<(), layers_core::Error>(())
        /// ```
        pub fn $name() -> Self {
            $value
        }
    )*};
}

impl Initializer {
    constructors! {
        zeros, "Every value 0: Keras `zeros`.", "The default bias initializer of `Dense`.",
        Initializer::Zeros,
        "assert!(init.sample_seeded(&[3], 0)?.iter().all(|&x| x == 0.0));";
        ones, "Every value 1: Keras `ones`.", "The default scale of normalization layers.",
        Initializer::Ones,
        "assert!(init.sample_seeded(&[3], 0)?.iter().all(|&x| x == 1.0));";
        random_normal, "Normal draws with mean 0, stddev 0.05: Keras `random_normal`.",
        "Use [`Initializer::RandomNormal`] for other parameters.",
        Initializer::RandomNormal { mean: 0.0, stddev: 0.05 },
        "assert_eq!(init, Initializer::RandomNormal { mean: 0.0, stddev: 0.05 });";
        random_uniform, "Uniform draws in [-0.05, 0.05): Keras `random_uniform`.",
        "Use [`Initializer::RandomUniform`] for other bounds.",
        Initializer::RandomUniform { minval: -0.05, maxval: 0.05 },
        "assert!(init.sample_seeded(&[100], 0)?.iter().all(|x| x.abs() <= 0.05));";
        truncated_normal,
        "Normal draws with mean 0, stddev 0.05, none beyond 0.1: Keras `truncated_normal`.",
        "Draws more than 2 stddev from the mean are redrawn.",
        Initializer::TruncatedNormal { mean: 0.0, stddev: 0.05 },
        "assert!(init.sample_seeded(&[1000], 0)?.iter().all(|x| x.abs() <= 0.1));";
        glorot_uniform, "Glorot (Xavier) uniform: Keras `glorot_uniform`.",
        "`U[-l, l)`, `l = sqrt(6 / (fan_in + fan_out))`; the default kernel initializer of \
         `Dense`. Variance scaling with scale 1, `FanAvg`, `Uniform`.",
        Initializer::variance_scaling(1.0, FanMode::FanAvg, Distribution::Uniform),
        "// (10, 20): l = sqrt(6 / 30) ≈ 0.4472\n\
         assert!(init.sample_seeded(&[10, 20], 0)?.iter().all(|x| x.abs() < 0.4473));";
        glorot_normal, "Glorot (Xavier) normal: Keras `glorot_normal`.",
        "Truncated normal with stddev `sqrt(2 / (fan_in + fan_out)) / 0.8796…` before \
         truncation. Variance scaling with scale 1, `FanAvg`, `TruncatedNormal`.",
        Initializer::variance_scaling(1.0, FanMode::FanAvg, Distribution::TruncatedNormal),
        "// (10, 20): 2 stddev = 2 * sqrt(2 / 30) / 0.8796 ≈ 0.5871\n\
         assert!(init.sample_seeded(&[10, 20], 0)?.iter().all(|x| x.abs() < 0.5872));";
        he_normal, "He (Kaiming) normal: Keras `he_normal`.",
        "Truncated normal with stddev `sqrt(2 / fan_in) / 0.8796…` before truncation. \
         Variance scaling with scale 2, `FanIn`, `TruncatedNormal`.",
        Initializer::variance_scaling(2.0, FanMode::FanIn, Distribution::TruncatedNormal),
        "// (8, 4): 2 stddev = 2 * sqrt(2 / 8) / 0.8796 ≈ 1.1369\n\
         assert!(init.sample_seeded(&[8, 4], 0)?.iter().all(|x| x.abs() < 1.137));";
        he_uniform, "He (Kaiming) uniform: Keras `he_uniform`.",
        "`U[-l, l)`, `l = sqrt(6 / fan_in)`. Variance scaling with scale 2, `FanIn`, `Uniform`.",
        Initializer::variance_scaling(2.0, FanMode::FanIn, Distribution::Uniform),
        "// (6, 4): l = sqrt(6 / 6) = 1\n\
         assert!(init.sample_seeded(&[6, 4], 0)?.iter().all(|x| x.abs() <= 1.0));";
        lecun_normal, "LeCun normal: Keras `lecun_normal`.",
        "Truncated normal with stddev `sqrt(1 / fan_in) / 0.8796…` before truncation. \
         Variance scaling with scale 1, `FanIn`, `TruncatedNormal`.",
        Initializer::variance_scaling(1.0, FanMode::FanIn, Distribution::TruncatedNormal),
        "// (4, 8): 2 stddev = 2 * sqrt(1 / 4) / 0.8796 ≈ 1.1369\n\
         assert!(init.sample_seeded(&[4, 8], 0)?.iter().all(|x| x.abs() < 1.137));";
        lecun_uniform, "LeCun uniform: Keras `lecun_uniform`.",
        "`U[-l, l)`, `l = sqrt(3 / fan_in)`. Variance scaling with scale 1, `FanIn`, `Uniform`.",
        Initializer::variance_scaling(1.0, FanMode::FanIn, Distribution::Uniform),
        "// (3, 5): l = sqrt(3 / 3) = 1\n\
         assert!(init.sample_seeded(&[3, 5], 0)?.iter().all(|x| x.abs() <= 1.0));";
        orthogonal, "A random orthogonal matrix: Keras `orthogonal` with gain 1.",
        "Needs rank 2 or more; see [`Initializer::Orthogonal`].",
        Initializer::Orthogonal { gain: 1.0 },
        "let q = init.sample_seeded(&[3, 3], 0)?.into_dimensionality::<ndarray::Ix2>().unwrap();\n\
         let qtq = q.t().dot(&q);\n\
         assert!((qtq[[0, 0]] - 1.0).abs() < 1e-5 && qtq[[0, 1]].abs() < 1e-5);";
    }

    /// Every value `value`: Keras `constant`.
    ///
    /// Keras's default value is 0, which is what `from_name("constant")` gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// let w = Initializer::constant(0.5).sample_seeded(&[2], 0)?;
    /// assert_eq!(w.as_slice(), Some(&[0.5, 0.5][..]));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn constant(value: f32) -> Self {
        Initializer::Constant(value)
    }

    /// This initializer with Keras's fans for a kernel whose first `input_axes` axes are
    /// its inputs (see [`Initializer::WithFanAxes`]); an initializer that already has axes
    /// gets these instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// // A (32, 4, 8) projection kernel: fan_in 32, fan_out 4 · 8 = 32, as Keras 3's
    /// // EinsumDense: glorot_uniform's limit is sqrt(6 / 64) ≈ 0.306 (not sqrt(6 / 384)).
    /// let init = Initializer::glorot_uniform().with_fan_axes(1);
    /// let w = init.sample_seeded(&[32, 4, 8], 0)?;
    /// let max = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    /// assert!(max > 0.29 && max < 0.3062);
    /// assert_eq!(init.name(), "glorot_uniform");
    /// assert_eq!(init.to_config(), Initializer::glorot_uniform().to_config());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn with_fan_axes(self, input_axes: usize) -> Self {
        let initializer = match self {
            Initializer::WithFanAxes { initializer, .. } => initializer,
            other => Box::new(other),
        };
        Initializer::WithFanAxes {
            initializer,
            input_axes,
        }
    }

    fn variance_scaling(scale: f32, mode: FanMode, distribution: Distribution) -> Self {
        Initializer::VarianceScaling {
            scale,
            mode,
            distribution,
        }
    }

    /// The initializer Keras calls `name`, with Keras's default parameters.
    ///
    /// Accepts the snake_case names (`"glorot_uniform"`), the class names
    /// (`"GlorotUniform"`) and Keras's aliases `"zero"`, `"one"`, `"normal"`, `"uniform"` and
    /// `"OrthogonalInitializer"`. `"variance_scaling"` gives Keras's defaults: scale 1,
    /// `FanIn`, `TruncatedNormal` (the same as `lecun_normal`).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for any other name, listing the snake_case names.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// assert_eq!(Initializer::from_name("HeNormal")?, Initializer::he_normal());
    /// let err = Initializer::from_name("xavier").unwrap_err();
    /// let message = err.to_string();
    /// assert!(message.starts_with("unknown initializer `xavier`; known initializers: zeros,"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_name(name: &str) -> Result<Self> {
        let Some(known) = InitializerName::parse(name) else {
            return Err(Error::unknown_name(
                "initializer",
                name,
                InitializerName::SNAKE_CASE.iter().copied(),
            ));
        };
        Ok(match known {
            InitializerName::Zeros => Self::zeros(),
            InitializerName::Ones => Self::ones(),
            InitializerName::Constant => Self::constant(0.0),
            InitializerName::RandomNormal => Self::random_normal(),
            InitializerName::RandomUniform => Self::random_uniform(),
            InitializerName::TruncatedNormal => Self::truncated_normal(),
            InitializerName::VarianceScaling => {
                Self::variance_scaling(1.0, FanMode::FanIn, Distribution::TruncatedNormal)
            }
            InitializerName::GlorotUniform => Self::glorot_uniform(),
            InitializerName::GlorotNormal => Self::glorot_normal(),
            InitializerName::HeNormal => Self::he_normal(),
            InitializerName::HeUniform => Self::he_uniform(),
            InitializerName::LecunNormal => Self::lecun_normal(),
            InitializerName::LecunUniform => Self::lecun_uniform(),
            InitializerName::Orthogonal => Self::orthogonal(),
        })
    }

    /// The Keras snake_case name of this initializer.
    ///
    /// A [`Initializer::VarianceScaling`] whose parameters are those of a Glorot, He or LeCun
    /// initializer reports that name (so Keras's default `variance_scaling` reports
    /// `"lecun_normal"`); any other parameters report `"variance_scaling"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::init::{Distribution, FanMode};
    /// use layers_core::Initializer;
    ///
    /// assert_eq!(Initializer::glorot_uniform().name(), "glorot_uniform");
    /// let custom = Initializer::VarianceScaling {
    ///     scale: 0.1,
    ///     mode: FanMode::FanOut,
    ///     distribution: Distribution::Uniform,
    /// };
    /// assert_eq!(custom.name(), "variance_scaling");
    /// ```
    pub fn name(&self) -> &'static str {
        match *self {
            Initializer::Zeros => "zeros",
            Initializer::Ones => "ones",
            Initializer::Constant(_) => "constant",
            Initializer::RandomNormal { .. } => "random_normal",
            Initializer::RandomUniform { .. } => "random_uniform",
            Initializer::TruncatedNormal { .. } => "truncated_normal",
            Initializer::Orthogonal { .. } => "orthogonal",
            Initializer::WithFanAxes {
                ref initializer, ..
            } => initializer.name(),
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
            } => {
                use Distribution::{TruncatedNormal as Normal, Uniform};
                use FanMode::{FanAvg, FanIn};
                match (mode, distribution) {
                    (FanAvg, Uniform) if scale == 1.0 => "glorot_uniform",
                    (FanAvg, Normal) if scale == 1.0 => "glorot_normal",
                    (FanIn, Uniform) if scale == 2.0 => "he_uniform",
                    (FanIn, Normal) if scale == 2.0 => "he_normal",
                    (FanIn, Uniform) if scale == 1.0 => "lecun_uniform",
                    (FanIn, Normal) if scale == 1.0 => "lecun_normal",
                    _ => "variance_scaling",
                }
            }
        }
    }

    /// Draws a new weight of shape `shape` from `rng`.
    ///
    /// A shape with a zero dimension gives an empty array. Values are computed in `f64` and
    /// rounded to `f32`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInitializer`] for invalid parameters (see [`Initializer::validate`])
    /// and for `orthogonal` on a shape of rank below 2; [`Error::Allocation`], before
    /// allocating, for a shape with more values than memory can address or than the
    /// machine's memory can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// use rand::{SeedableRng, rngs::StdRng};
    ///
    /// let mut rng = StdRng::seed_from_u64(42);
    /// let w = Initializer::he_uniform().sample(&[3, 3, 8, 16], &mut rng)?;
    /// // fan_in = 3 * 3 * 8 = 72, l = sqrt(6 / 72) ≈ 0.2887
    /// assert!(w.iter().all(|x| x.abs() < 0.2887));
    /// assert!(Initializer::orthogonal().sample(&[5], &mut rng).is_err());
    /// // 2^30 × 2^30 values: 4 EB, refused without trying.
    /// assert!(Initializer::zeros().sample(&[1 << 30, 1 << 30], &mut rng).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn sample(&self, shape: &[usize], rng: &mut StdRng) -> Result<ArrayD<f32>> {
        self.sample_with_fans(shape, fans(shape), rng)
    }

    /// [`Initializer::sample`] with the fans a variance-scaling initializer divides by.
    fn sample_with_fans(
        &self,
        shape: &[usize],
        fans: (f64, f64),
        rng: &mut StdRng,
    ) -> Result<ArrayD<f32>> {
        if let Initializer::WithFanAxes {
            initializer,
            input_axes,
        } = self
        {
            let split = (*input_axes).min(shape.len());
            let product = |axes: &[usize]| axes.iter().map(|&d| d as f64).product::<f64>();
            let fans = (product(&shape[..split]), product(&shape[split..]));
            return initializer.sample_with_fans(shape, fans, rng);
        }
        if let Some(reason) = self.invalid_reason(shape) {
            return Err(self.error(shape, reason));
        }
        let what = || format!("initializer `{}`", self.name());
        let len = checked_size(what, shape, self.bytes_per_value())?;
        let data = match *self {
            Initializer::Orthogonal { gain } => orthogonal::sample(shape, gain, rng),
            _ => {
                let mut data = try_buffer(what, shape, len)?;
                self.fill(&mut data, len, shape, fans, rng)?;
                data
            }
        };
        ArrayD::from_shape_vec(IxDyn(shape), data).map_err(|e| self.error(shape, e.to_string()))
    }

    /// Appends the `len` values of a weight of `shape` to `data` (every initializer but
    /// `orthogonal`, which needs the whole matrix at once).
    fn fill(
        &self,
        data: &mut Vec<f32>,
        len: usize,
        shape: &[usize],
        (fan_in, fan_out): (f64, f64),
        rng: &mut StdRng,
    ) -> Result<()> {
        match *self {
            Initializer::Zeros => data.resize(len, 0.0),
            Initializer::Ones => data.resize(len, 1.0),
            Initializer::Constant(value) => data.resize(len, value),
            Initializer::RandomNormal { mean, stddev } => {
                data.extend(normal(len, mean.into(), stddev.into(), rng));
            }
            Initializer::TruncatedNormal { mean, stddev } => {
                data.extend(truncated_normal(len, mean.into(), stddev.into(), rng));
            }
            Initializer::RandomUniform { minval, maxval } => {
                uniform(data, len, minval, maxval, rng)
                    .map_err(|reason| self.error(shape, reason))?;
            }
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
            } => {
                let fan = match mode {
                    FanMode::FanIn => fan_in,
                    FanMode::FanOut => fan_out,
                    FanMode::FanAvg => (fan_in + fan_out) / 2.0,
                };
                let scale = f64::from(scale) / fan.max(1.0);
                match distribution {
                    Distribution::TruncatedNormal => data.extend(truncated_normal(
                        len,
                        0.0,
                        scale.sqrt() / TRUNCATED_STDDEV_RATIO,
                        rng,
                    )),
                    Distribution::UntruncatedNormal => {
                        data.extend(normal(len, 0.0, scale.sqrt(), rng));
                    }
                    Distribution::Uniform => {
                        let limit = (3.0 * scale).sqrt() as f32;
                        uniform(data, len, -limit, limit, rng)
                            .map_err(|reason| self.error(shape, reason))?;
                    }
                }
            }
            Initializer::Orthogonal { .. } | Initializer::WithFanAxes { .. } => {
                unreachable!("`sample_with_fans` draws these itself")
            }
        }
        Ok(())
    }

    /// The bytes sampling needs per value of the weight: the `f32` values, plus, for
    /// `orthogonal`, its `f64` work space (the normal matrix, the Householder vectors and
    /// Q: three `f64` copies at most).
    pub(crate) fn bytes_per_value(&self) -> usize {
        match self {
            Initializer::Orthogonal { .. } => size_of::<f32>() + 3 * size_of::<f64>(),
            Initializer::WithFanAxes { initializer, .. } => initializer.bytes_per_value(),
            _ => size_of::<f32>(),
        }
    }

    /// Draws a new weight of shape `shape` from `StdRng::seed_from_u64(seed)`.
    ///
    /// The same seed gives bit-identical values with the same build (`StdRng`'s algorithm may
    /// change between `rand` versions, so values are not promised across upgrades).
    ///
    /// # Errors
    ///
    /// As [`Initializer::sample`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// let init = Initializer::glorot_normal();
    /// assert_eq!(init.sample_seeded(&[4, 4], 1)?, init.sample_seeded(&[4, 4], 1)?);
    /// assert_ne!(init.sample_seeded(&[4, 4], 1)?, init.sample_seeded(&[4, 4], 2)?);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn sample_seeded(&self, shape: &[usize], seed: u64) -> Result<ArrayD<f32>> {
        self.sample(shape, &mut StdRng::seed_from_u64(seed))
    }

    /// Checks the parameters, whatever the shape to fill: a constant, mean and bounds must
    /// be finite, a stddev and a scale positive and finite, `minval` not above `maxval`, a
    /// gain finite. Layers call this when they are built, before creating any weight.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the initializer and the parameter, with its value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// assert!(Initializer::glorot_uniform().validate().is_ok());
    /// let err = Initializer::constant(f32::NAN).validate().unwrap_err();
    /// assert_eq!(err.to_string(), "`constant`: `value` must be finite, got NaN");
    /// let reversed = Initializer::RandomUniform { minval: 1.0, maxval: 0.0 };
    /// assert!(reversed.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        match self.invalid_params() {
            None => Ok(()),
            Some(message) => Err(Error::InvalidArgument {
                op: self.name(),
                message,
            }),
        }
    }

    /// What is wrong with the parameters, if anything (see [`Initializer::validate`]).
    pub(crate) fn invalid_params(&self) -> Option<String> {
        let positive = |name: &str, v: f32| {
            (!(v > 0.0 && v.is_finite()))
                .then(|| format!("`{name}` must be positive and finite, got {v}"))
        };
        let finite = |name: &str, v: f32| {
            (!v.is_finite()).then(|| format!("`{name}` must be finite, got {v}"))
        };
        match *self {
            Initializer::Zeros | Initializer::Ones => None,
            Initializer::Constant(value) => finite("value", value),
            Initializer::RandomNormal { mean, stddev }
            | Initializer::TruncatedNormal { mean, stddev } => {
                finite("mean", mean).or_else(|| positive("stddev", stddev))
            }
            Initializer::RandomUniform { minval, maxval } => {
                if !(minval.is_finite() && maxval.is_finite()) {
                    Some(format!("bounds must be finite, got [{minval}, {maxval})"))
                } else if minval > maxval {
                    Some(format!("`minval` {minval} is above `maxval` {maxval}"))
                } else {
                    None
                }
            }
            Initializer::VarianceScaling { scale, .. } => positive("scale", scale),
            Initializer::Orthogonal { gain } => finite("gain", gain),
            Initializer::WithFanAxes {
                ref initializer, ..
            } => initializer.invalid_params(),
        }
    }

    /// Why this initializer cannot fill `shape`, if it cannot.
    fn invalid_reason(&self, shape: &[usize]) -> Option<String> {
        self.invalid_params().or_else(|| match self {
            Initializer::Orthogonal { .. } if shape.len() < 2 => {
                Some(format!("it needs rank 2 or more, got rank {}", shape.len()))
            }
            Initializer::WithFanAxes { initializer, .. } => initializer.invalid_reason(shape),
            _ => None,
        })
    }

    fn error(&self, shape: &[usize], reason: String) -> Error {
        Error::InvalidInitializer {
            initializer: self.name(),
            shape: shape.into(),
            reason,
        }
    }
}

impl FromStr for Initializer {
    type Err = Error;

    /// Parses a Keras initializer name, as [`Initializer::from_name`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// let init: Initializer = "lecun_uniform".parse()?;
    /// assert_eq!(init, Initializer::lecun_uniform());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn from_str(name: &str) -> Result<Self> {
        Initializer::from_name(name)
    }
}

impl fmt::Display for Initializer {
    /// Writes the Keras name, as [`Initializer::name`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Initializer;
    /// assert_eq!(Initializer::constant(3.0).to_string(), "constant");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Keras's `(fan_in, fan_out)` of a weight of shape `shape`.
///
/// Rank 0: `(1, 1)`; rank 1 `(n)`: `(n, n)`; rank 2 `(in, out)`: `(in, out)`; higher ranks are
/// channels-last convolution kernels `(k1, …, in, out)`: both fans are multiplied by the
/// receptive field `k1 * …`.
///
/// # Examples
///
/// ```
/// use layers_core::init::compute_fans;
/// assert_eq!(compute_fans(&[784, 128]), (784.0, 128.0));
/// assert_eq!(compute_fans(&[3, 3, 16, 32]), (144.0, 288.0));
/// ```
pub fn compute_fans(shape: &[usize]) -> (f32, f32) {
    let (fan_in, fan_out) = fans(shape);
    (fan_in as f32, fan_out as f32)
}

/// [`compute_fans`] in `f64`, which also cannot overflow for any shape.
fn fans(shape: &[usize]) -> (f64, f64) {
    match *shape {
        [] => (1.0, 1.0),
        [n] => (n as f64, n as f64),
        [.., fan_in, fan_out] => {
            let receptive: f64 = shape[..shape.len() - 2].iter().map(|&d| d as f64).product();
            (fan_in as f64 * receptive, fan_out as f64 * receptive)
        }
    }
}

/// `len` normal draws.
fn normal(len: usize, mean: f64, stddev: f64, rng: &mut StdRng) -> impl Iterator<Item = f32> {
    (0..len).map(move |_| {
        let z: f64 = StandardNormal.sample(rng);
        (mean + stddev * z) as f32
    })
}

/// `len` normal draws, each redrawn while more than 2 stddev from the mean.
fn truncated_normal(
    len: usize,
    mean: f64,
    stddev: f64,
    rng: &mut StdRng,
) -> impl Iterator<Item = f32> {
    (0..len).map(move |_| {
        loop {
            let z: f64 = StandardNormal.sample(rng);
            if z.abs() <= 2.0 {
                break (mean + stddev * z) as f32;
            }
        }
    })
}

/// Appends `len` uniform draws in `[minval, maxval)` to `data`, or `minval` everywhere if
/// the bounds are equal.
fn uniform(
    data: &mut Vec<f32>,
    len: usize,
    minval: f32,
    maxval: f32,
    rng: &mut StdRng,
) -> Result<(), String> {
    if minval == maxval {
        data.resize(data.len() + len, minval);
        return Ok(());
    }
    let dist = Uniform::new(minval, maxval)
        .map_err(|e| format!("cannot draw from [{minval}, {maxval}): {e}"))?;
    data.extend((0..len).map(|_| dist.sample(rng)));
    Ok(())
}
