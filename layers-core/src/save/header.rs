//! The safetensors header: the first 8 bytes (the header's length, little-endian) and the
//! JSON after them, which gives each tensor's dtype, shape and place in the data. Read and
//! checked in full before any tensor data is read, so that a hostile file costs no more than
//! its header (at most [`MAX_HEADER_BYTES`]) to refuse.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{FORMAT_VERSION, MAX_HEADER_BYTES, METADATA_KEY, problem};
use crate::error::{Error, Result, Shape, WeightsProblem};

/// Bytes of the header length that opens every safetensors file.
const LENGTH_BYTES: u64 = 8;
/// Bytes of one `F32` value.
const F32_BYTES: usize = 4;

/// One tensor of the header: its name, shape and byte range in the data.
#[derive(Debug)]
pub(super) struct Entry {
    pub name: String,
    pub shape: Vec<usize>,
    pub begin: usize,
    pub end: usize,
}

/// A checked header: the tensors in the order of their data, the metadata, and the bytes
/// read so far (the length and the JSON), to which the data is appended.
pub(super) struct Header {
    pub entries: Vec<Entry>,
    pub metadata: BTreeMap<String, String>,
    pub bytes: Vec<u8>,
    /// The bytes of tensor data after the header, equal to the sum of the tensors' sizes.
    pub data_len: u64,
}

/// Reads and checks the header of a file of `file_len` bytes from `reader`, positioned at
/// its start. `path` names the file in errors.
///
/// The checks, in order: the file is not empty and holds the 8-byte length; the JSON starts
/// with `{` (otherwise it is not a safetensors file at all); the length is at most
/// [`MAX_HEADER_BYTES`] and within the file; the JSON parses, names no tensor twice, and
/// gives a supported `format_version`; every tensor is `F32` and its offsets hold exactly
/// its shape, one after the other from the start of the data with no gap or overlap; and
/// the data ends where the file does.
pub(super) fn read_header(reader: &mut impl Read, file_len: u64, path: &str) -> Result<Header> {
    let fail = |tensor: Option<&str>, p: WeightsProblem| problem(path, tensor, p);
    if file_len == 0 {
        return Err(fail(None, WeightsProblem::Empty));
    }
    if file_len < LENGTH_BYTES {
        return Err(truncated(path, LENGTH_BYTES, file_len));
    }
    // The length and the header's first byte: enough to tell a safetensors file from others.
    let mut bytes = Vec::new();
    read_more(
        reader,
        &mut bytes,
        (LENGTH_BYTES + 1).min(file_len),
        path,
        file_len,
    )?;
    let mut length = [0u8; 8];
    length.copy_from_slice(&bytes[..8]);
    let length = u64::from_le_bytes(length);
    if bytes.get(8).is_some_and(|&b| b != b'{') {
        return Err(fail(None, WeightsProblem::NotSafetensors));
    }
    if length > MAX_HEADER_BYTES {
        return Err(fail(
            None,
            WeightsProblem::HeaderTooLarge {
                length,
                limit: MAX_HEADER_BYTES,
            },
        ));
    }
    if length > file_len - LENGTH_BYTES {
        return Err(fail(
            None,
            WeightsProblem::HeaderLength {
                length,
                file: file_len,
            },
        ));
    }
    if length == 0 {
        let message = "it is empty (its length, in the first 8 bytes, is 0)".to_string();
        return Err(fail(None, WeightsProblem::InvalidHeader { message }));
    }
    // `length` is at most MAX_HEADER_BYTES and within the file: this reads no more than that.
    let header_end = LENGTH_BYTES + length;
    let rest = header_end - bytes.len() as u64;
    read_more(reader, &mut bytes, rest, path, file_len)?;
    let data_len = file_len - header_end;
    let (entries, metadata) = parse(&bytes[LENGTH_BYTES as usize..], data_len, path)?;
    Ok(Header {
        entries,
        metadata,
        bytes,
        data_len,
    })
}

/// Reads the tensor data after a checked header, appending it to the header's bytes: the
/// whole file, as the safetensors crate reads it.
pub(super) fn read_data(reader: &mut impl Read, header: &mut Header, path: &str) -> Result<()> {
    let file_len = header.bytes.len() as u64 + header.data_len;
    read_more(reader, &mut header.bytes, header.data_len, path, file_len)
}

fn truncated(path: &str, expected: u64, found: u64) -> Error {
    problem(path, None, WeightsProblem::Truncated { expected, found })
}

/// Appends the next `n` bytes of the file from `reader` to `bytes`, which holds the bytes
/// read before. Fewer bytes than `n` means the file ended early (it shrank while read).
fn read_more(
    reader: &mut impl Read,
    bytes: &mut Vec<u8>,
    n: u64,
    path: &str,
    file_len: u64,
) -> Result<()> {
    let wanted = usize::try_from(n).ok();
    if wanted.is_none_or(|n| bytes.try_reserve_exact(n).is_err()) {
        return Err(Error::Allocation {
            what: format!("weights file `{path}`"),
            shape: Shape(vec![wanted.unwrap_or(usize::MAX)]),
            reason: format!("needs {file_len} bytes in memory, more than this machine has"),
        });
    }
    let got = reader
        .take(n)
        .read_to_end(bytes)
        .map_err(|e| Error::io("read", path, e))?;
    if (got as u64) < n {
        return Err(truncated(path, file_len, bytes.len() as u64));
    }
    Ok(())
}

/// A tensor's entry as the JSON gives it; unknown keys are ignored, as safetensors does.
#[derive(Deserialize)]
struct RawEntry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: (usize, usize),
}

/// A header entry: the metadata or a tensor.
enum Item {
    Metadata(BTreeMap<String, String>),
    Tensor(RawEntry),
}

/// The header's entries in the order written, duplicates kept (a map type would drop them).
struct Items(Vec<(String, Item)>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Items, D::Error> {
        struct ItemsVisitor;
        impl<'de> Visitor<'de> for ItemsVisitor {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of tensors")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Items, A::Error> {
                let mut items = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let item = if key == METADATA_KEY {
                        Item::Metadata(map.next_value()?)
                    } else {
                        Item::Tensor(map.next_value().map_err(|e: A::Error| {
                            de::Error::custom(format_args!("tensor `{key}`: {e}"))
                        })?)
                    };
                    items.push((key, item));
                }
                Ok(Items(items))
            }
        }
        deserializer.deserialize_map(ItemsVisitor)
    }
}

type Parsed = (Vec<Entry>, BTreeMap<String, String>);

/// Parses and checks the JSON header of a file with `data_len` bytes of data after it.
fn parse(json: &[u8], data_len: u64, path: &str) -> Result<Parsed> {
    let fail = |tensor: &str, p: WeightsProblem| problem(path, Some(tensor), p);
    let Items(items) = serde_json::from_slice(json).map_err(|e| {
        problem(
            path,
            None,
            WeightsProblem::InvalidHeader {
                message: e.to_string(),
            },
        )
    })?;
    let mut seen = HashSet::with_capacity(items.len());
    if let Some((name, _)) = items.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return Err(fail(name, WeightsProblem::DuplicateName));
    }
    let mut metadata = BTreeMap::new();
    let mut entries = Vec::with_capacity(items.len());
    for (name, item) in items {
        match item {
            Item::Metadata(m) => metadata = m,
            Item::Tensor(raw) => {
                if raw.dtype != "F32" {
                    return Err(fail(&name, WeightsProblem::Dtype { found: raw.dtype }));
                }
                let (begin, end) = raw.data_offsets;
                if let Some(message) = size_problem(&raw.shape, begin, end) {
                    return Err(fail(&name, WeightsProblem::Offsets { message }));
                }
                entries.push(Entry {
                    name,
                    shape: raw.shape,
                    begin,
                    end,
                });
            }
        }
    }
    if let Some(found) = metadata.get("format_version")
        && found != FORMAT_VERSION
    {
        return Err(problem(
            path,
            None,
            WeightsProblem::Version {
                found: found.clone(),
            },
        ));
    }
    entries.sort_by_key(|e| (e.begin, e.end));
    check_layout(&entries, data_len, json.len() as u64, path)?;
    Ok((entries, metadata))
}

/// Why `[begin, end)` cannot hold an `F32` tensor of `shape`, if it cannot.
fn size_problem(shape: &[usize], begin: usize, end: usize) -> Option<String> {
    let offsets = format!("its data_offsets [{begin}, {end}]");
    let Some(bytes) = shape.iter().try_fold(F32_BYTES, |n, &d| n.checked_mul(d)) else {
        return Some(format!(
            "its shape {shape:?} has more values than any file can hold"
        ));
    };
    // An array must be addressable even when an axis of 0 leaves it empty: the product of
    // its other axes must fit in `isize` (ndarray's rule), or making the tensor would fail.
    let addressable = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .is_some_and(|n| isize::try_from(n).is_ok());
    if !addressable {
        return Some(format!(
            "its shape {shape:?} has more values than memory can address"
        ));
    }
    match end.checked_sub(begin) {
        None => Some(format!("{offsets} end before they begin")),
        Some(held) if held != bytes => Some(format!(
            "{offsets} hold {held} bytes, but shape {shape:?} of F32 needs {bytes}"
        )),
        Some(_) => None,
    }
}

/// Checks that the tensors, sorted by offset, fill the data from its start to its end one
/// after the other.
fn check_layout(entries: &[Entry], data_len: u64, header_len: u64, path: &str) -> Result<()> {
    let mut expected = 0usize;
    let mut previous: Option<&str> = None;
    for e in entries {
        let message = if e.begin < expected {
            let other = previous.unwrap_or_default();
            format!(
                "its data_offsets [{}, {}] overlap those of tensor `{other}`, which end at {expected}",
                e.begin, e.end
            )
        } else if e.begin > expected && e.begin as u64 >= data_len {
            format!(
                "its data_offsets [{}, {}] point past the end of the file's {data_len} bytes of data",
                e.begin, e.end
            )
        } else if e.begin > expected {
            format!(
                "its data_offsets [{}, {}] leave bytes {expected}..{} of the data unused",
                e.begin, e.end, e.begin
            )
        } else {
            expected = e.end;
            previous = Some(&e.name);
            continue;
        };
        return Err(problem(
            path,
            Some(&e.name),
            WeightsProblem::Offsets { message },
        ));
    }
    let described = expected as u64;
    if described > data_len {
        let file_len = LENGTH_BYTES + header_len + data_len;
        return Err(truncated(
            path,
            LENGTH_BYTES + header_len + described,
            file_len,
        ));
    }
    if described < data_len {
        let message = format!(
            "its tensors' data ends at byte {described} of the data, but the file holds {data_len} bytes of data"
        );
        return Err(problem(path, None, WeightsProblem::Offsets { message }));
    }
    Ok(())
}
