//! Reading a CSV file of numbers (plain or gzipped) into a [`Dataset`]; every failure names
//! the file, the line and, for a bad cell, the column.
//!
//! ```
//! use layers_core::data::{CsvOptions, Dataset};
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/iris.csv");
//! let iris = Dataset::load_csv_with(path, CsvOptions::new().header(true))?;
//! assert_eq!(iris.len(), 150);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::data::check::data_error;
use crate::data::{Dataset, MAX_CLASSES};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// How [`Dataset::load_csv_with`] reads a file: whether line 1 is a header, whether the last
/// column holds class labels, and the limits that keep a file from exhausting memory.
///
/// The defaults ([`CsvOptions::new`]) detect a header, require class labels, and allow lines
/// of up to 1 MiB and files of up to 1 GiB of text (after decompression).
///
/// # Examples
///
/// ```
/// use layers_core::data::CsvOptions;
/// let options = CsvOptions::new().header(true).class_labels(false).max_bytes(1 << 20);
/// assert_eq!(options.limits(), (CsvOptions::DEFAULT_MAX_LINE_BYTES, 1 << 20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    header: Option<bool>,
    class_labels: bool,
    max_line_bytes: usize,
    max_bytes: u64,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            header: None,
            class_labels: true,
            max_line_bytes: Self::DEFAULT_MAX_LINE_BYTES,
            max_bytes: Self::DEFAULT_MAX_BYTES,
        }
    }
}

impl CsvOptions {
    /// The longest line read by default: 1 MiB (a 28×28 image row is about 3 KiB).
    pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
    /// The most text read from one file by default: 1 GiB, after decompression.
    pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

    /// The defaults: header detected, class labels, 1 MiB lines, 1 GiB files.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::CsvOptions;
    /// assert_eq!(CsvOptions::new(), CsvOptions::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Says whether the first non-blank line is a header (`true`: skipped unread) or data
    /// (`false`). Without this call the line is taken as a header only when none of its
    /// cells is a number and one is a word, so a data row with a typo (`2.O`) is an error,
    /// never silently skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::CsvOptions;
    /// assert_ne!(CsvOptions::new().header(false), CsvOptions::new());
    /// ```
    pub fn header(mut self, present: bool) -> Self {
        self.header = Some(present);
        self
    }

    /// Says whether the last column holds class labels (`true`, the default: whole numbers
    /// from 0 to 16,777,215, checked while loading) or any finite targets (`false`, for
    /// regression).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::CsvOptions;
    /// assert_ne!(CsvOptions::new().class_labels(false), CsvOptions::new());
    /// ```
    pub fn class_labels(mut self, yes: bool) -> Self {
        self.class_labels = yes;
        self
    }

    /// The longest line accepted, in bytes; a longer one (or a stream without line breaks,
    /// such as `/dev/zero`) is an error once this many bytes are read.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::CsvOptions;
    /// assert_eq!(CsvOptions::new().max_line_bytes(64).limits().0, 64);
    /// ```
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes;
        self
    }

    /// The most text read from one file, in bytes after decompression; a larger file (or an
    /// endless stream) is an error once this many bytes are read.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::CsvOptions;
    /// assert_eq!(CsvOptions::new().max_bytes(4096).limits().1, 4096);
    /// ```
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The limits in force: `(max_line_bytes, max_bytes)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::CsvOptions;
    /// assert_eq!(CsvOptions::new().limits(), (1 << 20, 1 << 30));
    /// ```
    pub fn limits(&self) -> (usize, u64) {
        (self.max_line_bytes, self.max_bytes)
    }
}

/// Splits one line (without its line end) into cells at commas, writing each cell's byte
/// range into `cells`. A cell may be quoted (`"1.5"`, spaces around the quotes allowed),
/// with `""` standing for a quote inside; the range is then the text between the quotes.
///
/// Returns the column (from 1) and the problem for a quoted cell that is not closed, or
/// that has text after its closing quote.
fn split_cells(
    line: &[u8],
    cells: &mut Vec<(usize, usize)>,
) -> std::result::Result<(), (usize, &'static str)> {
    cells.clear();
    let mut i = 0;
    loop {
        let start = i;
        while line.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
            i += 1;
        }
        if line.get(i) == Some(&b'"') {
            let column = cells.len() + 1;
            let open = i + 1;
            i = open;
            let close = loop {
                match line[i..].iter().position(|&b| b == b'"') {
                    None => return Err((column, "the quoted cell is not closed")),
                    Some(j) if line.get(i + j + 1) == Some(&b'"') => i += j + 2,
                    Some(j) => break i + j,
                }
            };
            i = close + 1;
            while line.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
                i += 1;
            }
            if i < line.len() && line[i] != b',' {
                return Err((column, "text follows the closing quote"));
            }
            cells.push((open, close));
        } else {
            i = line[start..]
                .iter()
                .position(|&b| b == b',')
                .map_or(line.len(), |j| start + j);
            cells.push((start, i));
        }
        if i >= line.len() {
            return Ok(());
        }
        i += 1; // the comma
    }
}

/// What went wrong with one cell, before the file, line and column are added.
enum CellError {
    Empty,
    NotANumber,
    NotFinite,
    NotAClass,
}

/// Parses one cell: surrounding ASCII whitespace is ignored; the value must be finite.
fn parse_cell(cell: &[u8]) -> std::result::Result<f32, CellError> {
    let text = cell.trim_ascii();
    if text.is_empty() {
        return Err(CellError::Empty);
    }
    let value: f32 = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(CellError::NotANumber)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CellError::NotFinite)
    }
}

/// A cell as the user typed it, for an error message: control characters escaped, long
/// cells shortened.
fn shown_cell(cell: &[u8]) -> String {
    let text = String::from_utf8_lossy(cell.trim_ascii());
    let mut shown: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    shown
        .chars()
        .map(|c| {
            if c.is_control() || c == '\u{feff}' {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn cell_message(error: &CellError, column: usize, cell: &[u8]) -> String {
    let shown = shown_cell(cell);
    let lower = shown.to_ascii_lowercase();
    match error {
        CellError::Empty => format!("column {column} is empty"),
        CellError::NotANumber => format!("column {column}: `{shown}` is not a number"),
        CellError::NotFinite if lower.contains("inf") || lower.contains("nan") => {
            format!("column {column}: `{shown}` is not a finite number")
        }
        // The text is a finite number too large for f32, which parsing rounds to infinity.
        CellError::NotFinite => format!(
            "column {column}: `{shown}` is beyond the range of f32 (largest magnitude {:e})",
            f32::MAX
        ),
        CellError::NotAClass => format!(
            "column {column} (the label): `{shown}` is not a class index; expected a whole \
             number from 0 to {} (load with `CsvOptions::class_labels(false)` for other targets)",
            MAX_CLASSES - 1
        ),
    }
}

/// Whether `value` is a class index: a whole number in `0..MAX_CLASSES`.
pub(crate) fn is_class_index(value: f32) -> bool {
    value >= 0.0 && value.fract() == 0.0 && value < MAX_CLASSES as f32
}

/// An error of the operating system, tagged so that it can be told apart from the gzip
/// decoder's once it has passed through the decoder ([`read_error`]).
#[derive(Debug)]
struct DiskError(io::Error);

impl std::fmt::Display for DiskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DiskError {}

fn on_disk(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), DiskError(e))
}

/// A file whose read errors are tagged as the operating system's.
struct Disk(File);

impl Read for Disk {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(on_disk)
    }
}

/// The error for a failed read of `path`: the operating system's is [`Error::Io`]; any other
/// came from the gzip decoder and means the file's content is corrupt ([`Error::Data`]).
fn read_error(path: &Path, e: io::Error) -> Error {
    match e.downcast::<DiskError>() {
        Ok(DiskError(e)) => Error::io("read", path, e),
        Err(e) => data_error(
            path.display().to_string(),
            format!("the gzip data is corrupt: {e}"),
        ),
    }
}

/// Opens `path`, decompressing it when it starts with gzip's magic bytes; a file named
/// `*.gz` that does not (and is not empty) is refused as corrupt gzip data. Every member of a
/// multi-member gzip (`gzip -c a b`, concatenated archives) is read. Errors are sorted by [`read_error`]. Without the `gzip` feature a gzipped file is
/// refused with an [`Error::Io`] that says so.
fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    let file = File::open(path).map_err(on_disk)?;
    let mut reader = BufReader::new(Disk(file));
    let start = reader.fill_buf()?;
    let magic = start.starts_with(&[0x1f, 0x8b]);
    // An empty file reads as one with no rows, whatever its name.
    if !magic && !start.is_empty() && path.extension().is_some_and(|e| e == "gz") {
        // Not tagged as the disk's: `read_error` reports it as the file's content.
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file does not start with gzip's magic bytes 1f 8b, though its name ends in \
             `.gz`",
        ));
    }
    if magic {
        #[cfg(feature = "gzip")]
        return Ok(Box::new(BufReader::new(
            flate2::bufread::MultiGzDecoder::new(reader),
        )));
        #[cfg(not(feature = "gzip"))]
        return Err(on_disk(io::Error::new(
            io::ErrorKind::Unsupported,
            "the file is gzipped, and `layers` was built without its `gzip` feature",
        )));
    }
    Ok(Box::new(reader))
}

impl Dataset {
    /// Loads a CSV file of numbers with the default [`CsvOptions`]: each row holds the
    /// features, then the class label in the last column. The file may be gzipped (read with
    /// the default-on `gzip` feature; without it, an [`Error::Io`] that says so); a UTF-8
    /// byte-order mark, `\r\n` line ends, quoted cells, spaces around numbers and blank lines
    /// are accepted. The first non-blank line is taken as a header only when none of its
    /// cells is a number and one is a word; say so with [`Dataset::load_csv_with`] and
    /// [`CsvOptions::header`] otherwise.
    ///
    /// # Errors
    ///
    /// As [`Dataset::load_csv_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::Dataset;
    /// # #[cfg(feature = "gzip")] {
    /// let digits = Dataset::load_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/digits.csv.gz"))?;
    /// assert_eq!((digits.len(), digits.num_features(), digits.num_classes()?), (1797, 64, 10));
    /// # }
    /// let err = Dataset::load_csv("no/such/file.csv").unwrap_err();
    /// assert!(err.to_string().starts_with("cannot read `no/such/file.csv`"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn load_csv(path: impl AsRef<Path>) -> Result<Dataset> {
        Self::load_csv_with(path, CsvOptions::new())
    }

    /// Loads a CSV file of numbers as [`Dataset::load_csv`] does, with the header, label and
    /// size rules of `options`.
    ///
    /// # Errors
    ///
    /// - [`Error::Io`] naming the file when the operating system cannot open or read it;
    /// - [`Error::Data`] naming the file for gzip data that does not decompress, a file
    ///   named `*.gz` that is not gzip data, or a file with no rows, and the
    ///   file and line (and the column, for a cell) for an empty
    ///   cell, a cell that is not a finite number, a label that is not a class index, a row
    ///   of another length than the first, a row of one column, or a line or file longer
    ///   than the limits.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::data::{CsvOptions, Dataset};
    /// let path = std::env::temp_dir().join("layers_load_csv_with_doc.csv");
    /// std::fs::write(&path, "x1,x2,y\n0.5,1,2.5\n1.5,2,-4\n")?;
    /// let d = Dataset::load_csv_with(&path, CsvOptions::new().class_labels(false))?;
    /// assert_eq!(d.y().to_vec(), vec![2.5, -4.0]);
    /// let err = Dataset::load_csv(&path).unwrap_err().to_string();
    /// assert!(err.ends_with(":2: column 3 (the label): `2.5` is not a class index; expected a whole number from 0 to 16777215 (load with `CsvOptions::class_labels(false)` for other targets)"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_csv_with(path: impl AsRef<Path>, options: CsvOptions) -> Result<Dataset> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let mut reader = open(path).map_err(|e| read_error(path, e))?;
        let mut buf: Vec<u8> = Vec::new();
        let mut cells: Vec<(usize, usize)> = Vec::new();
        let mut values: Vec<f32> = Vec::new();
        let mut labels: Vec<f32> = Vec::new();
        let mut row: Vec<f32> = Vec::new();
        let (mut line, mut total) = (0u64, 0u64);
        // (columns, line) of the first data row, which every other row must match.
        let mut first: Option<(usize, u64)> = None;
        let mut header_done = false;
        loop {
            // Never read more than one line past either limit, so the buffer stays bounded
            // whatever the input (an endless stream, a line without an end, a gzip bomb).
            let room = (options.max_line_bytes as u64)
                .saturating_add(1)
                .min(options.max_bytes.saturating_sub(total).saturating_add(1));
            buf.clear();
            let n = (&mut reader)
                .take(room)
                .read_until(b'\n', &mut buf)
                .map_err(|e| read_error(path, e))?;
            if n == 0 {
                break;
            }
            line += 1;
            total += n as u64;
            let at = || format!("{shown}:{line}");
            if total > options.max_bytes {
                return Err(data_error(
                    at(),
                    format!(
                        "the file holds more than the limit of {} bytes of text \
                         (`CsvOptions::max_bytes`)",
                        options.max_bytes
                    ),
                ));
            }
            let mut text = buf.strip_suffix(b"\n").unwrap_or(&buf);
            if text.len() > options.max_line_bytes {
                return Err(data_error(
                    at(),
                    format!(
                        "the line is longer than the limit of {} bytes \
                         (`CsvOptions::max_line_bytes`)",
                        options.max_line_bytes
                    ),
                ));
            }
            text = text.strip_suffix(b"\r").unwrap_or(text);
            if line == 1 {
                text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            }
            if text.trim_ascii().is_empty() {
                continue;
            }
            if let Err((column, problem)) = split_cells(text, &mut cells) {
                return Err(data_error(at(), format!("column {column}: {problem}")));
            }
            let cell = |&(a, b): &(usize, usize)| &text[a..b];
            // Whether this is the first row and, unless told, might have been a header: it
            // has a word in it. Then an error on it says how to skip it.
            let mut maybe_header = false;
            if !header_done {
                header_done = true;
                let kinds: Vec<_> = cells.iter().map(|c| parse_cell(cell(c))).collect();
                let words = kinds
                    .iter()
                    .any(|k| matches!(k, Err(CellError::NotANumber)));
                // Detected: no cell is a number (empty cells, as in an unnamed index column,
                // are allowed) and at least one is a word, in at least two cells (a header
                // names a feature and the label; one cell is a line not split at commas,
                // `1;2;0`, which must not be skipped unread).
                let detected = words
                    && cells.len() >= 2
                    && kinds
                        .iter()
                        .all(|k| matches!(k, Err(CellError::NotANumber | CellError::Empty)));
                if options.header.unwrap_or(detected) {
                    continue;
                }
                maybe_header = options.header.is_none() && words;
            }
            let columns = cells.len();
            match first {
                None if columns < 2 => {
                    let other = [b';', b'\t', b'|'].into_iter().find(|b| text.contains(b));
                    let hint = other.map_or(String::new(), |b| {
                        format!(
                            " (cells are separated by commas; this line has `{}` instead)",
                            char::from(b).escape_debug()
                        )
                    });
                    return Err(data_error(
                        at(),
                        format!(
                            "a row needs at least one feature and a label, found 1 column{hint}"
                        ),
                    ));
                }
                None => first = Some((columns, line)),
                Some((width, first_line)) if width != columns => {
                    return Err(data_error(
                        at(),
                        format!("expected {width} columns like line {first_line}, found {columns}"),
                    ));
                }
                Some(_) => {}
            }
            row.clear();
            for (i, c) in cells.iter().enumerate() {
                let is_label = i + 1 == columns;
                let parsed = parse_cell(cell(c)).and_then(|v| {
                    if is_label && options.class_labels && !is_class_index(v) {
                        Err(CellError::NotAClass)
                    } else {
                        Ok(v)
                    }
                });
                match parsed {
                    Ok(v) => row.push(v),
                    Err(error) => {
                        let mut message = cell_message(&error, i + 1, cell(c));
                        if maybe_header {
                            message.push_str(&format!(
                                "; if line {line} is a header, load with \
                                 `CsvOptions::new().header(true)`"
                            ));
                        }
                        return Err(data_error(at(), message));
                    }
                }
            }
            let (features, label) = row.split_at(columns - 1);
            values.extend_from_slice(features);
            labels.push(label[0]);
        }
        let (width, _) =
            first.ok_or_else(|| data_error(shown.clone(), "the file holds no rows"))?;
        let samples = labels.len();
        let x = Tensor::from_vec(values, &[samples, width - 1]);
        let y = Tensor::from_vec(labels, &[samples]);
        Dataset::new(x, y)
    }
}

#[cfg(test)]
mod tests;
