//! [`Axes`]: Keras's `axis` setting, one axis, several or none.

use crate::layer::config::{ConfigValue, expected};

/// The axes a layer works over, numbered as Keras numbers them: the batch axis is 0, and a
/// negative axis counts from the end (`-1` is the last). Made from one axis (`-1`), an array
/// or a `Vec` (`vec![1, 2]`); [`Axes::none`] is Keras's `axis=None` where a layer takes it
/// ([`Normalization`](super::Normalization): one mean and variance over everything). In a
/// config one axis is an integer and several a list, as Keras writes them; a config's
/// integer, list or `null` (none) is read back. ([`Normalization`](super::Normalization)'s
/// Keras config lists even one axis, `[-1]`; Keras reads `-1` there as the same.)
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Axes;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Axes::from(-1).to_config(), serde_json::json!(-1));
/// assert_eq!(Axes::from(vec![1, 2]).to_config(), serde_json::json!([1, 2]));
/// assert_eq!(Axes::from_config(&serde_json::json!([-1])), Ok(Axes::from(-1)));
/// assert_eq!(Axes::from_config(&serde_json::json!(null)), Ok(Axes::none()));
/// assert_eq!(Axes::from([1, 2]).as_slice(), &[1, 2]);
/// assert_eq!(Axes::from(vec![1, -1]).resolve(3), Ok(vec![1, 2]));
/// assert!(Axes::from(3).resolve(3).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Axes(pub Vec<isize>);

impl Axes {
    /// No axis: Keras's `axis=None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Axes;
    /// assert_eq!(Axes::none(), Axes::from(Vec::new()));
    /// ```
    pub fn none() -> Axes {
        Axes(Vec::new())
    }

    /// The axes, as given.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Axes;
    /// assert_eq!(Axes::from(vec![2, -1]).as_slice(), &[2, -1]);
    /// ```
    pub fn as_slice(&self) -> &[isize] {
        &self.0
    }

    /// The axes as indices into a shape of `rank` axes (batch included), in the order given.
    ///
    /// # Errors
    ///
    /// A message naming the axis that is outside the rank or given twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Axes;
    /// assert_eq!(Axes::from(-1).resolve(4), Ok(vec![3]));
    /// assert!(Axes::from([1, 1]).resolve(3).unwrap_err().contains("twice"));
    /// ```
    pub fn resolve(&self, rank: usize) -> std::result::Result<Vec<usize>, String> {
        let signed_rank = isize::try_from(rank).unwrap_or(isize::MAX);
        let mut resolved = Vec::with_capacity(self.0.len());
        for &axis in &self.0 {
            let index = if axis < 0 { axis + signed_rank } else { axis };
            if index < 0 || index >= signed_rank {
                return Err(format!(
                    "axis {axis} is outside an input of rank {rank} (the batch axis is 0)"
                ));
            }
            let index = index as usize;
            if resolved.contains(&index) {
                return Err(format!("axis {axis} is given twice"));
            }
            resolved.push(index);
        }
        Ok(resolved)
    }
}

impl From<isize> for Axes {
    fn from(axis: isize) -> Self {
        Axes(vec![axis])
    }
}

impl From<Vec<isize>> for Axes {
    fn from(axes: Vec<isize>) -> Self {
        Axes(axes)
    }
}

impl<const N: usize> From<[isize; N]> for Axes {
    fn from(axes: [isize; N]) -> Self {
        Axes(axes.to_vec())
    }
}

impl ConfigValue for Axes {
    fn to_config(&self) -> serde_json::Value {
        match self.0.as_slice() {
            [axis] => (*axis).into(),
            axes => axes.to_vec().into(),
        }
    }

    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        if value.is_null() {
            return Ok(Axes::none());
        }
        if let Ok(axis) = isize::from_config(value) {
            return Ok(axis.into());
        }
        Vec::<isize>::from_config(value)
            .map(Axes)
            .map_err(|_| expected("an axis, a list of axes or null", value))
    }
}
