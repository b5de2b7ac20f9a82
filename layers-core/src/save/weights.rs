//! [`SavedWeights`]: named `f32` tensors as a safetensors file, and the reading that
//! [`LayerExt::load_weights`](crate::layer::LayerExt::load_weights) does (header, then the
//! names and shapes against the layer's, then the data).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io;
use std::path::Path;

use safetensors::{Dtype, SafeTensors, View};

use super::header::{Entry, Header, read_data, read_header};
use super::{
    FORMAT, FORMAT_VERSION, LoadOptions, METADATA_KEY, MODEL_FORMAT, OPTIMIZER_PREFIX, atomic,
    problem,
};
use crate::error::{Error, MismatchedWeight, Result, WeightsMisfit, WeightsProblem};
use crate::tensor::Tensor;

/// Named `f32` tensors with their metadata, as a safetensors file holds them: what
/// [`LayerExt::save_weights`](crate::layer::LayerExt::save_weights) writes, readable without
/// the layer (to inspect a file, or to build one for a model by hand).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::save::{LoadOptions, SavedWeights};
///
/// let file = SavedWeights::new(vec![
///     ("dense.kernel".to_string(), Tensor::ones(&[3, 2])),
///     ("dense.bias".to_string(), Tensor::zeros(&[2])),
/// ])?;
/// let bytes = file.to_bytes()?;
/// let read = SavedWeights::from_bytes(&bytes, LoadOptions::new())?;
/// assert_eq!(read.get("dense.kernel").unwrap().shape(), &[3, 2]);
/// assert_eq!(read.metadata()["format"], "layers.weights");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SavedWeights {
    metadata: BTreeMap<String, String>,
    tensors: Vec<(String, Tensor)>,
}

impl SavedWeights {
    /// Named tensors to save, with this library's metadata (`format`, `format_version`,
    /// `layers_version`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when two tensors share a name, or one is named
    /// `__metadata__` (the key safetensors keeps its metadata under).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::SavedWeights;
    /// let w = || ("w".to_string(), Tensor::ones(&[1]));
    /// assert!(SavedWeights::new(vec![w()]).is_ok());
    /// assert!(SavedWeights::new(vec![w(), w()]).is_err());
    /// ```
    pub fn new(tensors: Vec<(String, Tensor)>) -> Result<SavedWeights> {
        let mut seen = HashSet::with_capacity(tensors.len());
        for (name, _) in &tensors {
            if name == METADATA_KEY || !seen.insert(name.as_str()) {
                return Err(Error::invalid(
                    "save_weights",
                    format!(
                        "two weights have the path `{name}` (or it is safetensors' reserved \
                         `{METADATA_KEY}`): give the layers or weights distinct names"
                    ),
                ));
            }
        }
        let metadata = [
            ("format", FORMAT),
            ("format_version", FORMAT_VERSION),
            ("layers_version", env!("CARGO_PKG_VERSION")),
        ];
        Ok(SavedWeights {
            metadata: metadata
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            tensors,
        })
    }

    /// Reads a weights file: every check of [`LayerExt::load_weights`](crate::layer::LayerExt::load_weights)
    /// except the fit to a layer. Tensors come in the order of their data in the file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file when it cannot be read (missing, a directory, not a
    /// regular file); [`Error::WeightsFile`] with the [`WeightsProblem`] when it is not a
    /// valid safetensors file of `F32` tensors, or holds NaN or infinite values that
    /// `options` does not allow.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Error;
    /// use layers_core::save::{LoadOptions, SavedWeights};
    /// let err = SavedWeights::read("no/such/file.safetensors", LoadOptions::new()).unwrap_err();
    /// assert!(matches!(err, Error::Io { action: "read", .. }));
    /// assert!(err.to_string().starts_with("cannot read `no/such/file.safetensors`: "));
    /// ```
    pub fn read(path: impl AsRef<Path>, options: LoadOptions) -> Result<SavedWeights> {
        let (mut file, len, shown) = open(path.as_ref())?;
        let mut header = read_header(&mut file, len, &shown)?;
        read_data(&mut file, &mut header, &shown)?;
        SavedWeights::decode_all(&header, &shown, options)
    }

    /// Reads a weights file's bytes, with every check of [`SavedWeights::read`]; errors name
    /// the file `<bytes>`.
    ///
    /// # Errors
    ///
    /// [`Error::WeightsFile`] as for [`SavedWeights::read`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::error::{Error, WeightsProblem};
    /// use layers_core::save::{LoadOptions, SavedWeights};
    /// let err = SavedWeights::from_bytes(b"PK\x03\x04 a zip file", LoadOptions::new()).unwrap_err();
    /// assert!(matches!(err, Error::WeightsFile { problem: WeightsProblem::NotSafetensors, .. }));
    /// ```
    pub fn from_bytes(bytes: &[u8], options: LoadOptions) -> Result<SavedWeights> {
        let shown = "<bytes>";
        let mut reader = bytes;
        let mut header = read_header(&mut reader, bytes.len() as u64, shown)?;
        read_data(&mut reader, &mut header, shown)?;
        SavedWeights::decode_all(&header, shown, options)
    }

    fn decode_all(header: &Header, path: &str, options: LoadOptions) -> Result<SavedWeights> {
        let entries: Vec<&Entry> = header.entries.iter().collect();
        let values = decode(header, &entries, path, options)?;
        Ok(SavedWeights {
            metadata: header.metadata.clone(),
            tensors: entries.iter().map(|e| e.name.clone()).zip(values).collect(),
        })
    }

    /// The file's bytes: the safetensors crate's serialization, tensors sorted by name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the header would exceed
    /// [`MAX_HEADER_BYTES`](super::MAX_HEADER_BYTES) (millions of weights with long paths).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::SavedWeights;
    /// let bytes = SavedWeights::new(vec![("w".into(), Tensor::from_vec(vec![1.5], &[1]))])?.to_bytes()?;
    /// let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    /// assert_eq!(bytes[8], b'{');
    /// assert_eq!(&bytes[8 + header_len..], &1.5f32.to_le_bytes()); // the data: F32, little-endian
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let views: Vec<F32View> = self
            .tensors
            .iter()
            .map(|(_, t)| F32View {
                shape: t.shape().to_vec(),
                bytes: t.data().iter().flat_map(|v| v.to_le_bytes()).collect(),
            })
            .collect();
        let named = self.tensors.iter().map(|(n, _)| n.as_str()).zip(&views);
        let metadata = self.metadata.clone().into_iter().collect();
        safetensors::serialize(named, Some(metadata))
            .map_err(|e| Error::invalid("save_weights", e.to_string()))
    }

    /// Sets metadata string `key` to `value` (a library's own keys: `format`, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::save::{LoadOptions, SavedWeights};
    /// let file = SavedWeights::new(Vec::new())?.with_metadata("author", "me");
    /// let read = SavedWeights::from_bytes(&file.to_bytes()?, LoadOptions::new())?;
    /// assert_eq!(read.metadata()["author"], "me");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The tensors, by value, in file order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::SavedWeights;
    /// let file = SavedWeights::new(vec![("w".to_string(), Tensor::ones(&[2]))])?;
    /// assert_eq!(file.into_tensors()[0].0, "w");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn into_tensors(self) -> Vec<(String, Tensor)> {
        self.tensors
    }

    /// Writes the file atomically: to a temporary file in the same directory, synced to disk,
    /// then renamed over `path` (and the directory synced), so that `path` holds either its
    /// previous content or the whole new file, whatever happens meanwhile.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming `path` and the step that failed; the previous file is then
    /// intact and no temporary file is left. [`Error::InvalidArgument`] as for
    /// [`SavedWeights::to_bytes`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::{LoadOptions, SavedWeights};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("w.safetensors");
    /// SavedWeights::new(vec![("w".into(), Tensor::ones(&[2]))])?.write(&path)?;
    /// let read = SavedWeights::read(&path, LoadOptions::new())?;
    /// assert_eq!(read.get("w").unwrap().to_vec(), vec![1.0, 1.0]);
    /// assert!(SavedWeights::new(vec![])?.write(dir.path()).is_err()); // a directory
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        atomic::write_atomic(path.as_ref(), &self.to_bytes()?)
    }

    /// The tensors with their names.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::SavedWeights;
    /// let file = SavedWeights::new(vec![("w".into(), Tensor::ones(&[2]))])?;
    /// assert_eq!(file.tensors()[0].0, "w");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn tensors(&self) -> &[(String, Tensor)] {
        &self.tensors
    }

    /// The tensor named `name`, if the file holds one.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::SavedWeights;
    /// let file = SavedWeights::new(vec![("w".into(), Tensor::ones(&[2]))])?;
    /// assert!(file.get("w").is_some() && file.get("v").is_none());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// The metadata strings: for a file this library wrote, `format`
    /// ([`FORMAT`]), `format_version` ([`FORMAT_VERSION`]) and `layers_version`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::save::SavedWeights;
    /// let file = SavedWeights::new(vec![])?;
    /// let keys: Vec<&str> = file.metadata().keys().map(String::as_str).collect();
    /// assert_eq!(keys, ["format", "format_version", "layers_version"]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }
}

/// A tensor's shape and little-endian bytes, as the safetensors crate writes them.
struct F32View {
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &F32View {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Reads the weights file at `path` for a layer (`layer` names it in errors) whose weights
/// have the paths and shapes `expected`, returning the values in `expected`'s order. The
/// header is read and matched against `expected` before the data is read, so a file that
/// does not fit costs no more than its header.
///
/// # Errors
///
/// As [`SavedWeights::read`], and [`Error::WeightsMismatch`] listing every weight the file
/// lacks, every tensor the layer has no weight for, and every tensor of another shape.
pub(crate) fn read_into(
    path: &Path,
    expected: &[(String, Vec<usize>)],
    layer: &str,
    options: LoadOptions,
) -> Result<Vec<Tensor>> {
    let (mut file, len, shown) = open(path)?;
    let mut header = read_header(&mut file, len, &shown)?;
    // A whole model's file holds its weights and its optimizer's state: the weights are
    // read from it as from a weights file.
    let is_model = header.metadata.get("format").map(String::as_str) == Some(MODEL_FORMAT);
    let order =
        fit(&header.entries, expected, is_model).map_err(|misfit| Error::WeightsMismatch {
            path: shown.clone(),
            layer: layer.to_string(),
            misfit: Box::new(misfit),
        })?;
    read_data(&mut file, &mut header, &shown)?;
    let entries: Vec<&Entry> = order.iter().map(|&i| &header.entries[i]).collect();
    decode(&header, &entries, &shown, options)
}

/// The index of each expected weight's entry, or what does not fit.
fn fit(
    entries: &[Entry],
    expected: &[(String, Vec<usize>)],
    is_model: bool,
) -> std::result::Result<Vec<usize>, WeightsMisfit> {
    let index: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name.as_str(), i))
        .collect();
    let mut used = vec![false; entries.len()];
    let mut order = Vec::with_capacity(expected.len());
    let mut misfit = WeightsMisfit::default();
    for (path, shape) in expected {
        match index.get(path.as_str()) {
            None => misfit.missing.push(path.clone()),
            Some(&i) => {
                used[i] = true;
                if entries[i].shape == *shape {
                    order.push(i);
                } else {
                    misfit.mismatched.push(MismatchedWeight {
                        path: path.clone(),
                        expected: shape.clone().into(),
                        found: entries[i].shape.clone().into(),
                    });
                }
            }
        }
    }
    misfit.unexpected = entries
        .iter()
        .zip(&used)
        .filter(|(e, used)| {
            let optimizer_state = is_model && e.name.starts_with(OPTIMIZER_PREFIX);
            !**used && !optimizer_state
        })
        .map(|(e, _)| e.name.clone())
        .collect();
    if misfit.is_empty() {
        Ok(order)
    } else {
        Err(misfit)
    }
}

/// The values of `entries` from a header whose data has been read: the safetensors crate
/// reads the file (after our checks, which name the tensor), and each value is checked to
/// be finite unless `options` allows otherwise.
fn decode(
    header: &Header,
    entries: &[&Entry],
    path: &str,
    options: LoadOptions,
) -> Result<Vec<Tensor>> {
    let invalid = |e: safetensors::SafeTensorError| {
        let message = e.to_string();
        problem(path, None, WeightsProblem::InvalidHeader { message })
    };
    let file = SafeTensors::deserialize(&header.bytes).map_err(invalid)?;
    entries
        .iter()
        .map(|e| {
            let data = file.tensor(&e.name).map_err(invalid)?.data();
            let values: Vec<f32> = data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            if !options.allows_non_finite() {
                let count = values.iter().filter(|v| !v.is_finite()).count();
                if count > 0 {
                    return Err(problem(
                        path,
                        Some(&e.name),
                        WeightsProblem::NonFinite { count },
                    ));
                }
            }
            Tensor::try_from_vec(values, &e.shape)
        })
        .collect()
}

/// Opens a weights file for reading, refusing what is not a regular file before opening
/// it (opening a FIFO would block; reading a device might never end). Returns the file,
/// its length, and its path as errors show it.
fn open(path: &Path) -> Result<(File, u64, String)> {
    let shown = path.display().to_string();
    let fail = |e: io::Error| Error::io("read", path, e);
    let meta = fs::metadata(path).map_err(fail)?;
    if meta.is_dir() {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory, not a weights file",
        )));
    }
    if !meta.is_file() {
        return Err(fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file",
        )));
    }
    let file = File::open(path).map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    Ok((file, len, shown))
}
