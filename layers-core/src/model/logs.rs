//! `Logs`: named values in order (`loss`, then the metrics, then `val_…`), as `evaluate`,
//! `train_on_batch` and `test_on_batch` return them, callbacks receive them and `History`
//! records them (Keras's `return_dict=True` logs).
//!
//! ```
//! use layers_core::model::Logs;
//! let logs = Logs::from([("loss", 0.25), ("accuracy", 0.75)]);
//! assert_eq!(logs["accuracy"], 0.75);
//! assert_eq!(logs.get("val_loss"), None);
//! let names: Vec<&str> = logs.iter().map(|(name, _)| name).collect();
//! assert_eq!(names, ["loss", "accuracy"]);
//! ```

use std::fmt;
use std::ops::Index;

/// Named `f32` values in the order they were added, looked up by name.
///
/// A handful of values (the loss and a few metrics), so a lookup is a short scan; adding a
/// name that is already there replaces its value in place.
///
/// # Examples
///
/// ```
/// use layers_core::model::Logs;
/// let mut logs = Logs::new();
/// logs.insert("loss", 0.5);
/// logs.insert("accuracy", 0.9);
/// logs.insert("loss", 0.4); // replaces, keeps the position
/// assert_eq!(logs.to_string(), "loss: 0.4000 - accuracy: 0.9000");
/// assert_eq!(logs.len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs {
    entries: Vec<(String, f32)>,
}

impl Logs {
    /// No values.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// assert!(Logs::new().is_empty());
    /// ```
    pub fn new() -> Logs {
        Logs::default()
    }

    /// Sets `name` to `value`: replaces the value in place if `name` is there, else appends.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// let mut logs = Logs::new();
    /// logs.insert("loss", 1.0);
    /// logs.insert("loss", 0.5);
    /// assert_eq!((logs.len(), logs["loss"]), (1, 0.5));
    /// ```
    pub fn insert(&mut self, name: impl AsRef<str> + Into<String>, value: f32) {
        match self.entries.iter_mut().find(|(k, _)| k == name.as_ref()) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.into(), value)),
        }
    }

    /// The value of `name`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// let logs = Logs::from([("loss", 0.5)]);
    /// assert_eq!(logs.get("loss"), Some(0.5));
    /// assert_eq!(logs.get("accuracy"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<f32> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }

    /// Whether there is a value named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// assert!(Logs::from([("loss", 0.5)]).contains("loss"));
    /// ```
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The number of values.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// assert_eq!(Logs::from([("loss", 0.5), ("mae", 0.1)]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no values.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// assert!(!Logs::from([("loss", 0.5)]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The names and values, in the order they were added.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// let logs = Logs::from([("loss", 0.5), ("mae", 0.25)]);
    /// let total: f32 = logs.iter().map(|(_, v)| v).sum();
    /// assert_eq!(total, 0.75);
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The names, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// let logs = Logs::from([("loss", 0.5), ("mae", 0.25)]);
    /// assert_eq!(logs.names().collect::<Vec<_>>(), ["loss", "mae"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The entries as `(name, value)` pairs, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// let logs = Logs::from([("loss", 0.5)]);
    /// assert_eq!(logs.as_slice(), &[("loss".to_string(), 0.5)]);
    /// ```
    pub fn as_slice(&self) -> &[(String, f32)] {
        &self.entries
    }
}

impl Index<&str> for Logs {
    type Output = f32;

    /// The value of `name`, as a map's `[]` gives it.
    ///
    /// # Panics
    ///
    /// If there is no value named `name` (the message lists the names there are); use
    /// [`Logs::get`] to get an `Option` instead.
    fn index(&self, name: &str) -> &f32 {
        match self.entries.iter().find(|(k, _)| k == name) {
            Some((_, v)) => v,
            None => {
                let known: Vec<&str> = self.names().collect();
                panic!(
                    "no log named `{name}`; the logs hold: {}",
                    if known.is_empty() {
                        "nothing".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            }
        }
    }
}

impl fmt::Display for Logs {
    /// Keras's progress style, in order: `loss: 0.5000 - accuracy: 0.7500`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(" - ")?;
            }
            write!(f, "{name}: {value:.4}")?;
        }
        Ok(())
    }
}

impl<S: AsRef<str> + Into<String>> FromIterator<(S, f32)> for Logs {
    fn from_iter<I: IntoIterator<Item = (S, f32)>>(iter: I) -> Logs {
        let mut logs = Logs::new();
        logs.extend(iter);
        logs
    }
}

impl<S: AsRef<str> + Into<String>> Extend<(S, f32)> for Logs {
    fn extend<I: IntoIterator<Item = (S, f32)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.insert(name, value);
        }
    }
}

impl<S: AsRef<str> + Into<String>, const N: usize> From<[(S, f32); N]> for Logs {
    fn from(entries: [(S, f32); N]) -> Logs {
        entries.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Logs {
    type Item = (&'a str, f32);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The `(name, value)` pairs of [`Logs`], in order.
///
/// # Examples
///
/// ```
/// use layers_core::model::Logs;
/// let logs = Logs::from([("loss", 0.5)]);
/// for (name, value) in &logs {
///     assert_eq!((name, value), ("loss", 0.5));
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, (String, f32)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, f32);

    fn next(&mut self) -> Option<(&'a str, f32)> {
        self.0.next().map(|(k, v)| (k.as_str(), *v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k.as_str(), *v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_panics_naming_the_missing_log_and_the_known_ones() {
        let logs = Logs::from([("loss", 0.5), ("accuracy", 0.25)]);
        let message = std::panic::catch_unwind(|| logs["val_loss"])
            .unwrap_err()
            .downcast::<String>()
            .map(|s| *s)
            .unwrap_or_default();
        assert_eq!(
            message,
            "no log named `val_loss`; the logs hold: loss, accuracy"
        );
    }

    #[test]
    fn a_repeated_name_keeps_its_first_position() {
        let mut logs = Logs::from([("loss", 0.5), ("accuracy", 0.25)]);
        logs.extend([("loss", 0.125), ("val_loss", 1.0)]);
        assert_eq!(
            logs.iter().collect::<Vec<_>>(),
            [("loss", 0.125), ("accuracy", 0.25), ("val_loss", 1.0)]
        );
        assert_eq!(logs.iter().next_back(), Some(("val_loss", 1.0)));
    }
}
