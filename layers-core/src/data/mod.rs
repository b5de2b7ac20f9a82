//! Data sets: loading the bundled CSV (optionally gzipped) files, scaling, shuffling and a
//! seeded stratified train/test split.
//!
//! ```
//! use layers_core::data::Dataset;
//! let digits = Dataset::load_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/digits.csv.gz"))?;
//! assert_eq!(digits.len(), 1797);
//! assert_eq!(digits.num_features(), 64);
//! let (train, test) = digits.stratified_split(0.2, 42)?;
//! assert_eq!(train.len() + test.len(), 1797);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::Tensor;
use crate::error::{Error, Result};

/// Features `x` of shape `(samples, features)` and labels `y` of shape `(samples,)`.
///
/// # Examples
///
/// ```
/// use layers_core::{Tensor, data::Dataset};
/// let d = Dataset::new(Tensor::zeros(&[4, 2]), Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0], &[4]))?;
/// assert_eq!(d.len(), 4);
/// assert_eq!(d.num_classes(), 2);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The features, `(samples, features…)`.
    pub x: Tensor,
    /// The labels, `(samples,)` or `(samples, k)`.
    pub y: Tensor,
}

fn data_error(source: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Data {
        source_name: source.into(),
        message: message.into(),
    }
}

impl Dataset {
    /// Pairs features and labels.
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
        if x.rank() == 0 || y.rank() == 0 {
            return Err(data_error("dataset", "x and y need a sample axis"));
        }
        if x.shape()[0] != y.shape()[0] {
            return Err(data_error(
                "dataset",
                format!("x has {} samples but y has {}", x.shape()[0], y.shape()[0]),
            ));
        }
        Ok(Dataset { x, y })
    }

    /// Loads a CSV file of numbers (gzipped if the name ends in `.gz`): each row holds the
    /// features, then the label in the last column. A first line that is not all numbers
    /// is taken as a header and skipped.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file when it cannot be opened or decompressed;
    /// [`Error::Data`] naming the file and line for a value that is not a number, a row of
    /// a different length, or a file with no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::Dataset;
    /// let iris = Dataset::load_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/iris.csv"))?;
    /// assert_eq!((iris.len(), iris.num_features(), iris.num_classes()), (150, 4, 3));
    /// let err = Dataset::load_csv("no/such/file.csv").unwrap_err();
    /// assert!(err.to_string().starts_with("cannot read `no/such/file.csv`"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn load_csv(path: impl AsRef<Path>) -> Result<Dataset> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let io = |e: std::io::Error| Error::Io {
            action: "read",
            path: shown.clone(),
            message: e.to_string(),
        };
        let file = File::open(path).map_err(io)?;
        let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::GzDecoder::new(BufReader::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut values: Vec<f32> = Vec::new();
        let mut labels: Vec<f32> = Vec::new();
        let mut width = None;
        for (i, record) in csv.records().enumerate() {
            let line = i + 1;
            let record = record.map_err(|e| Error::Io {
                action: "read",
                path: shown.clone(),
                message: e.to_string(),
            })?;
            let parsed: std::result::Result<Vec<f32>, _> =
                record.iter().map(|f| f.trim().parse::<f32>()).collect();
            let row = match parsed {
                Ok(row) => row,
                Err(_) if line == 1 => continue,
                Err(_) => {
                    let bad = record
                        .iter()
                        .find(|f| f.trim().parse::<f32>().is_err())
                        .unwrap_or("");
                    return Err(data_error(
                        format!("{shown}:{line}"),
                        format!("`{bad}` is not a number"),
                    ));
                }
            };
            if row.len() < 2 {
                return Err(data_error(
                    format!("{shown}:{line}"),
                    "a row needs at least one feature and a label",
                ));
            }
            match width {
                None => width = Some(row.len()),
                Some(w) if w != row.len() => {
                    return Err(data_error(
                        format!("{shown}:{line}"),
                        format!(
                            "expected {w} columns like the first row, found {}",
                            row.len()
                        ),
                    ));
                }
                Some(_) => {}
            }
            let (features, label) = row.split_at(row.len() - 1);
            values.extend_from_slice(features);
            labels.push(label[0]);
        }
        let width = width.ok_or_else(|| data_error(shown.clone(), "the file holds no rows"))?;
        let samples = labels.len();
        let x = Tensor::from_vec(values, &[samples, width - 1]);
        let y = Tensor::from_vec(labels, &[samples]);
        Dataset::new(x, y)
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
    /// use layers_core::{Tensor, data::Dataset, shape::Batch1};
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
    pub fn typed_x<S: crate::shape::Shape>(&self) -> Result<crate::shape::TypedTensor<S>> {
        crate::shape::TypedTensor::new(self.x.clone()).map_err(|_| {
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

    /// One more than the largest label (for integer labels `0..k`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::zeros(&[2, 1]), Tensor::from_vec(vec![4.0, 1.0], &[2]))?;
    /// assert_eq!(d.num_classes(), 5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn num_classes(&self) -> usize {
        self.y.view().iter().fold(0.0f32, |m, &v| m.max(v)).max(0.0) as usize
            + usize::from(!self.is_empty())
    }

    /// The features multiplied by `factor` (e.g. `1/16` to bring digit pixels into [0, 1]).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::full(&[1, 2], 8.0), Tensor::zeros(&[1]))?.scaled(0.5);
    /// assert_eq!(d.x.to_vec(), vec![4.0, 4.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn scaled(self, factor: f32) -> Dataset {
        Dataset {
            x: self.x.detach() * factor,
            y: self.y,
        }
    }

    /// The samples at `indices`, in that order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an index out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let d = Dataset::new(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3, 1]), Tensor::zeros(&[3]))?;
    /// assert_eq!(d.select(&[2, 0])?.x.to_vec(), vec![3.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn select(&self, indices: &[usize]) -> Result<Dataset> {
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
    /// assert_ne!(s.x.to_vec(), d.x.to_vec());
    /// assert_eq!(s.x.to_vec(), d.shuffled(3).x.to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn shuffled(&self, seed: u64) -> Dataset {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.shuffle(&mut StdRng::seed_from_u64(seed));
        self.select(&order).expect("a permutation of valid indices")
    }

    /// Splits into `(train, test)` with `test_fraction` of each class (rounded) in `test`,
    /// both shuffled by `seed`: Keras users' `train_test_split(..., stratify=y)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `0 < test_fraction < 1`; [`Error::Data`] if a label
    /// is not a non-negative integer, or either part would be empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, data::Dataset};
    /// let y = Tensor::from_vec(vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0], &[10]);
    /// let d = Dataset::new(Tensor::zeros(&[10, 2]), y)?;
    /// let (train, test) = d.stratified_split(0.2, 0)?;
    /// assert_eq!((train.len(), test.len()), (8, 2));
    /// assert_eq!(test.y.sum_all().item(), 1.0); // one sample of each class
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn stratified_split(&self, test_fraction: f32, seed: u64) -> Result<(Dataset, Dataset)> {
        if !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(Error::invalid(
                "stratified_split",
                format!("the test fraction must be between 0 and 1, got {test_fraction}"),
            ));
        }
        let labels = self.y.to_vec();
        let per_sample = labels.len() / self.len().max(1);
        let mut classes: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for i in 0..self.len() {
            let label = labels[i * per_sample];
            if label < 0.0 || label.fract() != 0.0 || !label.is_finite() {
                return Err(data_error(
                    "stratified_split",
                    format!("label {label} of sample {i} is not a non-negative integer"),
                ));
            }
            classes.entry(label as u64).or_default().push(i);
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
