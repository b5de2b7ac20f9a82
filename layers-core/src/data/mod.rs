//! Data sets: loading CSV files (gzipped ones with the default-on `gzip` feature), scaling,
//! shuffling and a seeded stratified train/test split.
//!
//! ```
//! use layers_core::data::Dataset;
//! # #[cfg(feature = "gzip")] {
//! let digits = Dataset::load_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/digits.csv.gz"))?;
//! assert_eq!(digits.len(), 1797);
//! assert_eq!(digits.num_features(), 64);
//! let (train, test) = digits.stratified_split(0.2, 42)?;
//! assert_eq!(train.len() + test.len(), 1797);
//! # }
//! # Ok::<(), layers_core::Error>(())
//! ```

pub(crate) mod check;
mod load;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{Error, Result};
use crate::tensor::Tensor;
use check::data_error;

pub use load::CsvOptions;

/// Class labels are whole numbers below this bound, 2^24: the last integer up to which every
/// integer is exact in f32, so a label read as f32 is the class the file holds.
pub(crate) const MAX_CLASSES: usize = 1 << 24;

/// Features `x` of shape `(samples, features…)` and labels or targets `y` of shape
/// `(samples, …)`, always with the same number of samples: the fields are private, read
/// them with [`Dataset::x`], [`Dataset::y`] or [`Dataset::into_parts`].
///
/// # Examples
///
/// ```
/// use layers_core::{Tensor, data::Dataset};
/// let d = Dataset::new(Tensor::zeros(&[4, 2]), Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0], &[4]))?;
/// assert_eq!(d.len(), 4);
/// assert_eq!(d.num_classes()?, 2);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dataset {
    x: Tensor,
    y: Tensor,
}

impl Dataset {
    /// Pairs features and labels (or regression targets).
    ///
    /// # Errors
    ///
    /// [`Error::Data`] if either has no sample axis or their sample counts differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let err = Dataset::new(Tensor::zeros(&[4, 2]), Tensor::zeros(&[3])).unwrap_err();
    /// assert_eq!(err.to_string(), "dataset: x has 4 samples but y has 3");
    /// ```
    pub fn new(x: Tensor, y: Tensor) -> Result<Dataset> {
        check::check_paired("dataset", &x, &y)?;
        Ok(Dataset { x, y })
    }

    /// The features, `(samples, features…)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::ones(&[3, 2]), Tensor::zeros(&[3]))?;
    /// assert_eq!(d.x().shape(), &[3, 2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn x(&self) -> &Tensor {
        &self.x
    }

    /// The labels or targets, `(samples, …)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::ones(&[2, 2]), Tensor::from_vec(vec![1.0, 0.0], &[2]))?;
    /// assert_eq!(d.y().to_vec(), vec![1.0, 0.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn y(&self) -> &Tensor {
        &self.y
    }

    /// The features and the labels, `(x, y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let (x, y) = Dataset::new(Tensor::ones(&[2, 3]), Tensor::zeros(&[2]))?.into_parts();
    /// assert_eq!((x.shape(), y.shape()), (&[2, 3][..], &[2][..]));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn into_parts(self) -> (Tensor, Tensor) {
        (self.x, self.y)
    }

    /// The features as typed data, for a statically checked model: `S` is the shape with
    /// the sample axis first, e.g. `Batch1<64>` for 64 features per sample.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] naming the shape when the features have another one.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset, typed::Batch1};
    /// let d = Dataset::new(Tensor::zeros(&[4, 2]), Tensor::zeros(&[4]))?;
    /// let x = d.typed_x::<Batch1<2>>()?;
    /// assert_eq!(x.tensor().shape(), &[4, 2]);
    /// let err = d.typed_x::<Batch1<3>>().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "dataset: the features have shape [4, 2], not (usize, Const<3>)"
    /// );
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn typed_x<S: crate::typed::Shape>(&self) -> Result<crate::typed::TypedTensor<S>> {
        crate::typed::TypedTensor::new(self.x.clone()).map_err(|_| {
            data_error(
                "dataset",
                format!(
                    "the features have shape {:?}, not {}",
                    self.x.shape(),
                    S::describe()
                ),
            )
        })
    }

    /// The number of samples.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// assert_eq!(Dataset::new(Tensor::zeros(&[3, 1]), Tensor::zeros(&[3]))?.len(), 3);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.x.shape()[0]
    }

    /// Whether there are no samples.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// assert!(Dataset::new(Tensor::zeros(&[0, 1]), Tensor::zeros(&[0]))?.is_empty());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of features per sample (the product of the per-sample shape).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// assert_eq!(Dataset::new(Tensor::zeros(&[3, 4, 2]), Tensor::zeros(&[3]))?.num_features(), 8);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn num_features(&self) -> usize {
        self.x.shape()[1..].iter().product()
    }

    /// The number of classes: one more than the largest label for labels `(samples,)` or
    /// `(samples, 1)`, or `k` for one-hot labels `(samples, k)`; 0 for no samples.
    ///
    /// # Errors
    ///
    /// [`Error::Data`] naming the sample if a label is not a class index (a whole number
    /// from 0 to 16,777,215), or if `y` has another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::zeros(&[2, 1]), Tensor::from_vec(vec![4.0, 1.0], &[2]))?;
    /// assert_eq!(d.num_classes()?, 5);
    /// let d = Dataset::new(Tensor::zeros(&[2, 1]), Tensor::from_vec(vec![1e30, 1.0], &[2]))?;
    /// assert_eq!(
    ///     d.num_classes().unwrap_err().to_string(),
    ///     "y: label 1e30 of sample 0 is not a class index; expected a whole number from 0 to 16777215"
    /// );
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn num_classes(&self) -> Result<usize> {
        match self.y.shape() {
            [_, k] if *k > 1 => Ok(*k),
            _ => Ok(self.class_indices()?.into_iter().max().map_or(0, |m| m + 1)),
        }
    }

    /// The class index of each sample, from labels `(samples,)` or `(samples, 1)`.
    fn class_indices(&self) -> Result<Vec<usize>> {
        if !matches!(self.y.shape(), [_] | [_, 1]) {
            return Err(data_error(
                "y",
                format!(
                    "labels of shape {:?} are not one class index per sample; expected \
                     (samples,) or (samples, 1)",
                    self.y.shape()
                ),
            ));
        }
        self.y
            .to_vec()
            .into_iter()
            .enumerate()
            .map(|(i, label)| {
                if load::is_class_index(label) {
                    Ok(label as usize)
                } else {
                    Err(data_error(
                        "y",
                        format!(
                            "label {label:?} of sample {i} is not a class index; expected a \
                             whole number from 0 to {}",
                            MAX_CLASSES - 1
                        ),
                    ))
                }
            })
            .collect()
    }

    /// The features multiplied by `factor` (e.g. `1/16` to bring digit pixels into [0, 1]).
    /// A non-finite factor (or an overflow) gives non-finite features, which `fit`,
    /// `evaluate` and `predict` reject with an error naming the sample.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::full(&[1, 2], 8.0), Tensor::zeros(&[1]))?.scaled(0.5);
    /// assert_eq!(d.x().to_vec(), vec![4.0, 4.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn scaled(self, factor: f32) -> Dataset {
        Dataset {
            x: self.x.detach() * factor,
            y: self.y,
        }
    }

    /// The samples at `indices`, in that order (an index may repeat).
    ///
    /// # Errors
    ///
    /// [`Error::Data`] for an index out of range, naming it and the number of samples.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3, 1]), Tensor::zeros(&[3]))?;
    /// assert_eq!(d.select(&[2, 0])?.x().to_vec(), vec![3.0, 1.0]);
    /// assert_eq!(
    ///     d.select(&[3]).unwrap_err().to_string(),
    ///     "dataset: sample index 3 is out of range for 3 samples"
    /// );
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn select(&self, indices: &[usize]) -> Result<Dataset> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(data_error(
                "dataset",
                format!(
                    "sample index {bad} is out of range for {} samples",
                    self.len()
                ),
            ));
        }
        Ok(Dataset {
            x: self.x.try_index_select(0, indices)?,
            y: self.y.try_index_select(0, indices)?,
        })
    }

    /// The samples in an order shuffled by `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::from_vec((0..10).map(|v| v as f32).collect(), &[10, 1]), Tensor::zeros(&[10]))?;
    /// let s = d.shuffled(3);
    /// assert_ne!(s.x().to_vec(), d.x().to_vec());
    /// assert_eq!(s.x().to_vec(), d.shuffled(3).x().to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn shuffled(&self, seed: u64) -> Dataset {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        self.select(&order)
            .expect("a permutation of 0..len indexes x and y, which share len samples")
    }

    /// Splits into `(train, test)` with `test_fraction` of each class (rounded to the nearest
    /// whole sample, so a class of one sample goes to `test` only when `test_fraction` is at
    /// least 0.5) in `test`, both shuffled by `seed`: Keras users'
    /// `train_test_split(..., stratify=y)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `0 < test_fraction < 1` (NaN included);
    /// [`Error::Data`] if `y` is not one class index per sample (a whole number from 0 to
    /// 16,777,215, shape `(samples,)` or `(samples, 1)`), or either part would be empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let y = Tensor::from_vec(vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0], &[10]);
    /// let d = Dataset::new(Tensor::zeros(&[10, 2]), y)?;
    /// let (train, test) = d.stratified_split(0.2, 0)?;
    /// assert_eq!((train.len(), test.len()), (8, 2));
    /// assert_eq!(test.y().sum_all().item(), 1.0); // one sample of each class
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn stratified_split(&self, test_fraction: f32, seed: u64) -> Result<(Dataset, Dataset)> {
        if !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(Error::invalid(
                "stratified_split",
                format!("the test fraction must be between 0 and 1, got {test_fraction}"),
            ));
        }
        let mut classes: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, class) in self.class_indices()?.into_iter().enumerate() {
            classes.entry(class).or_default().push(i);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for members in classes.values_mut() {
            members.shuffle(&mut rng);
            let n_test = (members.len() as f32 * test_fraction).round() as usize;
            test.extend_from_slice(&members[..n_test]);
            train.extend_from_slice(&members[n_test..]);
        }
        if train.is_empty() || test.is_empty() {
            return Err(data_error(
                "stratified_split",
                format!(
                    "splitting {} samples with test fraction {test_fraction} leaves one side empty",
                    self.len()
                ),
            ));
        }
        train.shuffle(&mut rng);
        test.shuffle(&mut rng);
        Ok((self.select(&train)?, self.select(&test)?))
    }
}
