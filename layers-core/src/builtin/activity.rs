//! `ActivityRegularization`: Keras's layer that passes its input through and adds a
//! penalty on it to the loss.

use crate::error::{Error, Result};
use crate::layer::Call;
use crate::layer::context::add_loss;
use crate::regularizers::Regularizer;
use crate::{Layer, Tensor};

/// Passes its input through unchanged and adds `(l1 · Σ|x| + l2 · Σ x²) / batch` to the
/// losses of the call, as Keras 3's `ActivityRegularization(l1, l2)` (an `L1L2` activity
/// regularizer, divided by the batch size, `x.shape[0]`, and 0 for a batch of 0): `fit`
/// minimizes and reports it, `evaluate` and `val_loss` include it.
///
/// Building refuses a factor that is negative, NaN or infinite, naming the layer and the
/// setting.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::builtin::ActivityRegularization;
/// let mut model = Sequential::new()
///     .add(Dense::new(1).use_bias(false))
///     .add(ActivityRegularization::new().l1(0.5));
/// model.compile("sgd", "mae", &[])?;
/// model.build([1])?;
/// model.set_weights(&[Tensor::ones(&[1, 1])])?;
/// // outputs 2 and -4 against targets 2 and -4: the loss is 0.5 · (2 + 4) / 2
/// let x = Tensor::from_vec(vec![2.0, -4.0], &[2, 1]);
/// assert_eq!(model.evaluate(&x, &x, 2)?["loss"], 1.5);
///
/// let err = ActivityRegularization::new().l2(-1.0).build([3]).unwrap_err();
/// assert!(err.to_string().contains("`l2`"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [..], output = [..], validate = Self::validate_config)]
pub struct ActivityRegularization {
    /// The factor of `Σ|x|`; 0 by default.
    #[config(default = 0.0)]
    pub l1: f32,
    /// The factor of `Σ x²`; 0 by default.
    #[config(default = 0.0)]
    pub l2: f32,
}

impl ActivityRegularization {
    fn validate_config(&self) -> Result<()> {
        for (field, v) in [("l1", self.l1), ("l2", self.l2)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::InvalidConfig {
                    field: field.into(),
                    message: format!("must be a finite number ≥ 0, got {v:?}"),
                });
            }
        }
        Ok(())
    }
}

impl Call for ActivityRegularization {
    fn call(&self, x: &Tensor) -> Tensor {
        let penalty = Regularizer::l1_l2(self.l1, self.l2).penalty(x);
        // Keras's `divide_no_nan(loss, batch_size)`: a batch of 0 adds 0.
        let batch = x.shape().first().copied().unwrap_or(1);
        add_loss(if batch == 0 {
            penalty * 0.0
        } else {
            penalty / batch as f32
        });
        x.clone()
    }
}
