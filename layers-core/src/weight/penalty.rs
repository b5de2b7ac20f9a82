//! A weight's regularizer and constraint (Keras's `add_weight(regularizer=…,
//! constraint=…)`): set when the weight is declared, checked when it is built.

use super::Weight;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::regularizers::Regularizer;

impl Weight {
    /// The weight with a regularizer (or none): its penalty is added to the loss that
    /// training minimizes and reports, while the weight is trainable.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Regularizer, Weight};
    /// let w = Weight::unbuilt("kernel", Initializer::ones(), true)
    ///     .with_regularizer(Regularizer::l2(0.01));
    /// assert_eq!(w.regularizer(), Some(&Regularizer::l2(0.01)));
    /// ```
    pub fn with_regularizer(mut self, regularizer: impl Into<Option<Regularizer>>) -> Weight {
        self.regularizer = regularizer.into();
        self
    }

    /// The weight with a constraint (or none): the optimizer projects the weight with it
    /// after each update.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Constraint, Initializer, Weight};
    /// let w = Weight::unbuilt("kernel", Initializer::ones(), true)
    ///     .with_constraint(Constraint::non_neg());
    /// assert_eq!(w.constraint(), Some(&Constraint::non_neg()));
    /// ```
    pub fn with_constraint(mut self, constraint: impl Into<Option<Constraint>>) -> Weight {
        self.constraint = constraint.into();
        self
    }

    /// The names of the layer settings the regularizer and the constraint come from
    /// (`depthwise_regularizer`), which the weight's build errors use; `#[derive(Layer)]`
    /// sets them. Without them the errors say `kernel_regularizer` for a weight `kernel`.
    #[doc(hidden)]
    pub fn with_setting_names(
        mut self,
        regularizer: &'static str,
        constraint: &'static str,
    ) -> Weight {
        self.setting_names = Some((regularizer, constraint));
        self
    }

    /// The weight's regularizer, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// assert_eq!(Weight::unbuilt("bias", Initializer::zeros(), true).regularizer(), None);
    /// ```
    pub fn regularizer(&self) -> Option<&Regularizer> {
        self.regularizer.as_ref()
    }

    /// The weight's constraint, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// assert_eq!(Weight::unbuilt("bias", Initializer::zeros(), true).constraint(), None);
    /// ```
    pub fn constraint(&self) -> Option<&Constraint> {
        self.constraint.as_ref()
    }

    /// Checks the regularizer and the constraint for a value of `shape`, before the weight
    /// is built: the error names the setting as a layer does (`kernel_regularizer`,
    /// `kernel_constraint`), and the layer adds its own name.
    pub(crate) fn check_penalties(&self, shape: &[usize]) -> Result<()> {
        let setting = |kind: &str, e: Error| {
            let field = match (self.setting_names, kind) {
                (Some((r, _)), "regularizer") => r.to_string(),
                (Some((_, c)), _) => c.to_string(),
                (None, _) => format!("{}_{kind}", self.name),
            };
            let message = match e {
                Error::InvalidArgument { op, message } => format!("`{op}`: {message}"),
                other => other.to_string(),
            };
            Error::InvalidConfig {
                field,
                message: format!("(of weight `{}`) is unusable: {message}", self.name),
            }
        };
        if let Some(r) = &self.regularizer {
            r.check().map_err(|e| setting("regularizer", e))?;
            r.check_shape(shape)
                .map_err(|e| setting("regularizer", e))?;
        }
        if let Some(c) = &self.constraint {
            c.check(shape).map_err(|e| setting("constraint", e))?;
        }
        Ok(())
    }
}

/// What `#[weight(regularizer = …)]` takes: a [`Regularizer`] or an `Option` of one. Not a
/// public API (reached through `__private`); its purpose is the compile error for anything
/// else.
#[diagnostic::on_unimplemented(
    message = "`#[weight(regularizer = …)]` takes a `Regularizer` or an `Option<Regularizer>`, not a `{Self}`",
    label = "expected a `Regularizer` or an `Option<Regularizer>`",
    note = "e.g. `regularizer = Regularizer::l2(0.01)`, or a config field `regularizer = kernel_regularizer.clone()`"
)]
pub trait IntoRegularizer {
    /// The regularizer, if any.
    fn into_regularizer(self) -> Option<Regularizer>;
}

impl IntoRegularizer for Regularizer {
    fn into_regularizer(self) -> Option<Regularizer> {
        Some(self)
    }
}

impl IntoRegularizer for Option<Regularizer> {
    fn into_regularizer(self) -> Option<Regularizer> {
        self
    }
}

/// What `#[weight(constraint = …)]` takes: a [`Constraint`] or an `Option` of one. Not a
/// public API (reached through `__private`); its purpose is the compile error for anything
/// else.
#[diagnostic::on_unimplemented(
    message = "`#[weight(constraint = …)]` takes a `Constraint` or an `Option<Constraint>`, not a `{Self}`",
    label = "expected a `Constraint` or an `Option<Constraint>`",
    note = "e.g. `constraint = Constraint::max_norm(3.0)`, or a config field `constraint = kernel_constraint.clone()`"
)]
pub trait IntoConstraint {
    /// The constraint, if any.
    fn into_constraint(self) -> Option<Constraint>;
}

impl IntoConstraint for Constraint {
    fn into_constraint(self) -> Option<Constraint> {
        Some(self)
    }
}

impl IntoConstraint for Option<Constraint> {
    fn into_constraint(self) -> Option<Constraint> {
        self
    }
}
