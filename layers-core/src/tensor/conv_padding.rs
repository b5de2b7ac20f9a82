//! [`Padding`]: how a convolution or pooling treats the borders of each spatial axis (the
//! output length and the zeros before it), re-exported as `tensor::conv::Padding` and
//! `builtin::Padding`.

use std::fmt;

use crate::error::{Error, Result};

/// How a convolution treats the borders, as Keras's `padding` argument.
///
/// - `Valid`: no padding; the kernel only visits positions where it fits, so an axis of
///   length `n` gives `⌊(n − (k − 1)·d − 1) / s⌋ + 1` positions for kernel size `k`,
///   dilation `d` and stride `s`.
/// - `Same`: zeros are added so that the output has `⌈n / s⌉` positions; TensorFlow's rule
///   puts the smaller half of the padding before and the larger after.
/// - `Causal` (1-D convolutions): `(k − 1)·d` zeros before the sequence and none after, so
///   output `t` sees inputs up to `t` only; `⌈n / s⌉` positions.
///
/// # Examples
///
/// ```
/// use layers_core::tensor::conv::Padding;
/// // 7 steps, kernel 3, stride 2: valid gives 3 positions, same gives 4 with 1 zero
/// // before and 1 after ((4 − 1)·2 + 3 − 7 = 2 in all).
/// assert_eq!(Padding::Valid.output_length(7, 3, 2, 1), Some((3, 0)));
/// assert_eq!(Padding::Same.output_length(7, 3, 2, 1), Some((4, 1)));
/// // A kernel longer than the input fits only with `same`.
/// assert_eq!(Padding::Valid.output_length(2, 3, 1, 1), None);
/// assert_eq!(Padding::from_name("same"), Some(Padding::Same));
/// assert_eq!(Padding::Same.to_string(), "same");
/// // Causal: all the zeros before (kernel 3, dilation 2 spans 5: 4 zeros), none after.
/// assert_eq!(Padding::Causal.output_length(7, 3, 1, 2), Some((7, 4)));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Padding {
    /// No padding (Keras's default).
    #[default]
    Valid,
    /// Zero padding that keeps `⌈n / stride⌉` positions.
    Same,
    /// Zeros before the sequence only, as many as the dilated kernel spans less one, so
    /// that output `t` depends on inputs up to `t` alone: Keras's `causal`, for `Conv1D`
    /// only (the other convolution and pooling layers refuse it, as Keras does). Keeps
    /// `⌈n / stride⌉` positions.
    Causal,
}

impl Padding {
    /// The Keras name: `"valid"`, `"same"` or `"causal"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::tensor::conv::Padding;
    /// assert_eq!(Padding::Valid.name(), "valid");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
            Padding::Causal => "causal",
        }
    }

    /// The padding named `name` (`"valid"`, `"same"` or `"causal"`, any case, as Keras
    /// accepts).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::tensor::conv::Padding;
    /// assert_eq!(Padding::from_name("VALID"), Some(Padding::Valid));
    /// assert_eq!(Padding::from_name("full"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Padding> {
        match name.to_ascii_lowercase().as_str() {
            "valid" => Some(Padding::Valid),
            "same" => Some(Padding::Same),
            "causal" => Some(Padding::Causal),
            _ => None,
        }
    }

    /// The number of output positions along an axis of `input` positions, and the zeros
    /// added before it, for a kernel of `kernel` taps `dilation` apart moved by `stride`;
    /// `None` when the dilated kernel does not fit in the (padded) input. Sizes are at least
    /// 1 except `input`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::tensor::conv::Padding;
    /// // Kernel 3 with dilation 2 spans 5 positions: 9 − 5 + 1 = 5 outputs.
    /// assert_eq!(Padding::Valid.output_length(9, 3, 1, 2), Some((5, 0)));
    /// // Same, stride 1, kernel 4: 3 zeros, 1 before and 2 after.
    /// assert_eq!(Padding::Same.output_length(5, 4, 1, 1), Some((5, 1)));
    /// ```
    pub fn output_length(
        self,
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
    ) -> Option<(usize, usize)> {
        let span = kernel
            .checked_sub(1)?
            .checked_mul(dilation)?
            .checked_add(1)?;
        let stride = stride.max(1);
        match self {
            Padding::Valid => {
                let room = input.checked_sub(span)?;
                Some((room / stride + 1, 0))
            }
            Padding::Same => {
                let out = input.div_ceil(stride);
                // None when the padded span does not fit a usize (a huge dilation or stride).
                let needed = out
                    .saturating_sub(1)
                    .checked_mul(stride)?
                    .checked_add(span)?
                    .saturating_sub(input);
                Some((out, needed / 2))
            }
            // The input with `span − 1` zeros before it, then `valid`:
            // ⌊(n + span − 1 − span) / stride⌋ + 1 positions.
            Padding::Causal => Some(((input.checked_sub(1)?) / stride + 1, span - 1)),
        }
    }

    /// An error unless this is `valid` or `same`: what every layer but `Conv1D` accepts, as
    /// in Keras (causal padding is defined for sequences).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for the `padding` field when it is `causal`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::tensor::conv::Padding;
    /// assert!(Padding::Same.check_not_causal().is_ok());
    /// assert!(Padding::Causal.check_not_causal().is_err());
    /// ```
    pub fn check_not_causal(self) -> Result<()> {
        if self == Padding::Causal {
            return Err(Error::InvalidConfig {
                field: "padding".into(),
                message: "`causal` padding is for 1-D convolutions (`Conv1D`), as in Keras; \
                          use `valid` or `same` here"
                    .into(),
            });
        }
        Ok(())
    }
}

impl Padding {
    /// The `(before, after)` padding of an axis of `size` elements for a window of
    /// `window` elements spaced `dilation` apart (1 for pooling), moved by `stride`:
    /// nothing for `valid`, TensorFlow's rule for `same`, the window's span less one before
    /// for `causal`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::tensor::conv::Padding;
    /// assert_eq!(Padding::Same.amounts(28, 3, 1, 1), (1, 1));
    /// assert_eq!(Padding::Same.amounts(28, 3, 1, 2), (2, 2));
    /// assert_eq!(Padding::Same.amounts(7, 2, 2, 1), (0, 1));
    /// assert_eq!(Padding::Valid.amounts(28, 3, 1, 1), (0, 0));
    /// ```
    pub fn amounts(
        self,
        size: usize,
        window: usize,
        stride: usize,
        dilation: usize,
    ) -> (usize, usize) {
        match self {
            Padding::Valid => (0, 0),
            Padding::Same => super::pool::same_padding(size, window, stride, dilation),
            Padding::Causal => (window.saturating_sub(1).saturating_mul(dilation.max(1)), 0),
        }
    }
}

impl std::str::FromStr for Padding {
    type Err = String;

    /// `"valid"` or `"same"`, in any case.
    fn from_str(s: &str) -> Result<Padding, String> {
        Padding::from_name(s)
            .ok_or_else(|| format!("expected \"valid\", \"same\" or \"causal\", found {s:?}"))
    }
}

impl fmt::Display for Padding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
