//! Hostile and broken weights files: each is refused with its documented error kind, naming
//! the file (and the tensor, where one is at fault), and leaves the model unchanged.

use layers::error::WeightsProblem;
use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};

use super::{dense_model, floats, raw_file, weights_of, written};

/// The header of a valid file for [`dense_model`]: `dense.kernel` (3, 2), then `dense.bias`.
const VALID: &str = r#"{"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"dense.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#;

/// Loads `bytes` from a file into a built model and returns the error, after checking that
/// the message names the file and that no weight changed.
fn refused(bytes: &[u8]) -> Error {
    let (_dir, path) = written("hostile.safetensors", bytes);
    refused_at(&path)
}

fn refused_at(path: &std::path::Path) -> Error {
    let model = dense_model(1);
    let before = weights_of(&model);
    let err = model
        .load_weights(path)
        .expect_err("a hostile file must be refused");
    assert!(
        err.to_string().contains(&format!("`{}`", path.display())),
        "the error names the file: {err}"
    );
    assert_eq!(weights_of(&model), before, "no weight changed");
    err
}

/// The problem and tensor of a `WeightsFile` error.
fn problem(err: Error) -> (WeightsProblem, Option<String>) {
    match err {
        Error::WeightsFile {
            problem, tensor, ..
        } => (problem, tensor),
        other => panic!("expected Error::WeightsFile, got {other:?}"),
    }
}

fn valid_data() -> Vec<u8> {
    floats(&[0.5, -1.0, 2.0, 0.25, 3.0, -4.0, 0.125, 8.0])
}

#[test]
fn the_valid_file_these_cases_break_loads() {
    let (_dir, path) = written("valid.safetensors", &raw_file(VALID, &valid_data()));
    let model = dense_model(1);
    model.load_weights(&path).unwrap();
    assert_eq!(
        weights_of(&model),
        vec![vec![0.5, -1.0, 2.0, 0.25, 3.0, -4.0], vec![0.125, 8.0]]
    );
}

#[test]
fn an_empty_file() {
    assert_eq!(problem(refused(b"")), (WeightsProblem::Empty, None));
}

#[test]
fn a_file_that_is_not_safetensors_at_all() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let torch_zip = b"PK\x03\x04\x14\0\0\0\0\0archive/data.pkl";
    let text = b"dense.kernel = [[0.5, -1.0], [2.0, 0.25]]\n";
    for bytes in [&png[..], &torch_zip[..], &text[..]] {
        assert_eq!(
            problem(refused(bytes)),
            (WeightsProblem::NotSafetensors, None)
        );
    }
}

#[test]
fn a_file_truncated_anywhere() {
    let whole = raw_file(VALID, &valid_data());
    let header_end = 8 + VALID.len().next_multiple_of(8);
    for cut in 0..whole.len() {
        let (problem, tensor) = problem(refused(&whole[..cut]));
        assert_eq!(tensor, None);
        match cut {
            0 => assert_eq!(problem, WeightsProblem::Empty),
            1..8 => assert_eq!(
                problem,
                WeightsProblem::Truncated {
                    expected: 8,
                    found: cut as u64
                }
            ),
            _ if cut < header_end => assert!(
                matches!(problem, WeightsProblem::HeaderLength { .. }),
                "cut at {cut}: {problem:?}"
            ),
            _ => assert_eq!(
                problem,
                WeightsProblem::Truncated {
                    expected: whole.len() as u64,
                    found: cut as u64
                },
                "cut at {cut}"
            ),
        }
    }
}

#[test]
fn a_header_length_larger_than_the_file() {
    let mut bytes = raw_file(VALID, &valid_data());
    let file = bytes.len() as u64;
    bytes[..8].copy_from_slice(&(file - 4).to_le_bytes());
    let (problem, _) = problem(refused(&bytes));
    assert_eq!(
        problem,
        WeightsProblem::HeaderLength {
            length: file - 4,
            file
        }
    );
    assert_eq!(
        problem.to_string(),
        format!(
            "its header length (the first 8 bytes) says {} bytes, more than the {file}-byte file holds after them",
            file - 4
        )
    );
}

#[test]
fn a_header_over_100_mb_is_refused_before_it_is_read() {
    for length in [100_000_001u64, u64::MAX] {
        let mut bytes = length.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{\"a\":");
        let (problem, _) = problem(refused(&bytes));
        assert_eq!(
            problem,
            WeightsProblem::HeaderTooLarge {
                length,
                limit: 100_000_000
            }
        );
    }
}

#[test]
fn a_header_that_is_not_valid_json_or_not_the_safetensors_layout() {
    let nested = format!("{{\"a\":{}", "[".repeat(100_000));
    let cases: Vec<Vec<u8>> = vec![
        raw_file(
            r#"{"dense.kernel":{"dtype":"F32","shape":[3,2],"#,
            &valid_data(),
        ),
        raw_file(
            r#"{"dense.kernel":{"dtype":"F32","shape":[3,-2],"data_offsets":[0,24]}}"#,
            &[],
        ),
        raw_file(
            r#"{"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24,32]}}"#,
            &[],
        ),
        raw_file(r#"{"dense.kernel":{"dtype":"F32","shape":[3,2]}}"#, &[]),
        raw_file(r#"{"__metadata__":{"format":1}}"#, &[]),
        raw_file(r#"{} trailing"#, &[]),
        raw_file(nested, &[]),
        raw_file(b"{\"dense.kernel\xff\":{}}", &[]),
        // a header length of zero
        b"\0\0\0\0\0\0\0\0{}".to_vec(),
    ];
    for bytes in cases {
        let (problem, tensor) = problem(refused(&bytes));
        assert!(
            matches!(problem, WeightsProblem::InvalidHeader { .. }),
            "{problem:?}"
        );
        assert_eq!(tensor, None);
    }
    // The parser's message says where, and which tensor's entry.
    let err = refused(&raw_file(
        r#"{"dense.kernel":{"dtype":"F32","shape":[3,-2],"data_offsets":[0,24]}}"#,
        &[],
    ));
    assert!(
        err.to_string()
            .contains("tensor `dense.kernel`: invalid value: integer `-2`"),
        "{err}"
    );
}

/// A header for `dense_model` with the given kernel and bias entries' JSON.
fn header(kernel: &str, bias: &str) -> String {
    format!(r#"{{"dense.kernel":{kernel},"dense.bias":{bias}}}"#)
}

#[test]
fn a_tensor_of_another_dtype() {
    for dtype in ["F16", "F64", "I32", "BF16", "Q4_K"] {
        let kernel = format!(r#"{{"dtype":"{dtype}","shape":[3,2],"data_offsets":[0,24]}}"#);
        let bias = r#"{"dtype":"F32","shape":[2],"data_offsets":[24,32]}"#;
        let err = refused(&raw_file(header(&kernel, bias), &valid_data()));
        assert!(
            err.to_string()
                .contains(", tensor `dense.kernel`: its dtype is"),
            "{err}"
        );
        assert_eq!(
            problem(err),
            (
                WeightsProblem::Dtype {
                    found: dtype.to_string()
                },
                Some("dense.kernel".to_string())
            )
        );
    }
}

/// Checks that a file with these kernel and bias entries and `data` bytes of data is
/// refused for its offsets, naming `tensor`, with a message starting with `message`.
fn offsets_refused(kernel: &str, bias: &str, data: usize, tensor: &str, message: &str) {
    let bytes = raw_file(header(kernel, bias), &valid_data()[..data]);
    match problem(refused(&bytes)) {
        (WeightsProblem::Offsets { message: found }, Some(t)) => {
            assert_eq!(t, tensor);
            assert!(found.starts_with(message), "{found}");
        }
        other => panic!("expected an offsets problem of `{tensor}`, got {other:?}"),
    }
}

/// An `F32` entry of `shape` at `offsets`.
fn entry(shape: &str, offsets: &str) -> String {
    format!(r#"{{"dtype":"F32","shape":{shape},"data_offsets":{offsets}}}"#)
}

#[test]
fn overlapping_offsets() {
    offsets_refused(
        &entry("[3,2]", "[0,24]"),
        &entry("[2]", "[16,24]"),
        24,
        "dense.bias",
        "its data_offsets [16, 24] overlap those of tensor `dense.kernel`, which end at 24",
    );
}

#[test]
fn offsets_out_of_range() {
    let kernel = entry("[3,2]", "[0,24]");
    let past_the_end =
        "its data_offsets [32, 40] point past the end of the file's 32 bytes of data";
    offsets_refused(
        &kernel,
        &entry("[2]", "[32,40]"),
        32,
        "dense.bias",
        past_the_end,
    );
    let huge = entry("[2]", "[18446744073709551600,18446744073709551608]");
    let huge_offsets = "its data_offsets [18446744073709551600, 18446744073709551608] point past";
    offsets_refused(&kernel, &huge, 32, "dense.bias", huge_offsets);
}

#[test]
fn offsets_that_do_not_hold_the_shape_or_leave_a_gap() {
    let kernel = entry("[3,2]", "[0,24]");
    let cases = [
        (
            entry("[3,2]", "[0,20]"),
            entry("[2]", "[24,32]"),
            "dense.kernel",
            "its data_offsets [0, 20] hold 20 bytes, but shape [3, 2] of F32 needs 24",
        ),
        (
            kernel.clone(),
            entry("[2]", "[32,24]"),
            "dense.bias",
            "its data_offsets [32, 24] end before they begin",
        ),
        (
            kernel.clone(),
            entry("[4611686018427387904,4]", "[24,32]"),
            "dense.bias",
            "its shape [4611686018427387904, 4] has more values than any file can hold",
        ),
        (
            kernel.clone(),
            entry("[1]", "[28,32]"),
            "dense.bias",
            "its data_offsets [28, 32] leave bytes 24..28 of the data unused",
        ),
    ];
    for (k, b, tensor, message) in &cases {
        offsets_refused(k, b, 32, tensor, message);
    }
}

#[test]
fn data_after_the_last_tensor() {
    let mut data = valid_data();
    data.extend_from_slice(&[0; 8]);
    let (problem, tensor) = problem(refused(&raw_file(VALID, &data)));
    assert_eq!(tensor, None);
    assert_eq!(
        problem,
        WeightsProblem::Offsets {
            message:
                "its tensors' data ends at byte 32 of the data, but the file holds 40 bytes of data"
                    .into()
        }
    );
}

#[test]
fn a_name_given_twice() {
    let twice = r#"{"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"dense.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[32,56]}}"#;
    let mut data = valid_data();
    data.extend_from_slice(&floats(&[0.0; 6]));
    assert_eq!(
        problem(refused(&raw_file(twice, &data))),
        (WeightsProblem::DuplicateName, Some("dense.kernel".into()))
    );
    // Identical duplicates, which a map would silently merge into one valid entry.
    let same = r#"{"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"dense.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#;
    assert_eq!(
        problem(refused(&raw_file(same, &valid_data()))),
        (WeightsProblem::DuplicateName, Some("dense.kernel".into()))
    );
}

#[test]
fn nan_or_infinite_weights_unless_allowed() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let data = floats(&[0.5, bad, 2.0, 0.25, 3.0, bad, 0.125, 8.0]);
        let bytes = raw_file(VALID, &data);
        let err = refused(&bytes);
        assert!(err.to_string().ends_with(
            ", tensor `dense.kernel`: 2 of its values are NaN or infinite (load with `LoadOptions::allow_non_finite(true)` to accept them)"
        ), "{err}");
        assert_eq!(
            problem(err),
            (
                WeightsProblem::NonFinite { count: 2 },
                Some("dense.kernel".into())
            )
        );

        let (_dir, path) = written("diverged.safetensors", &bytes);
        let model = dense_model(1);
        model
            .load_weights_with(&path, LoadOptions::new().allow_non_finite(true))
            .unwrap();
        let kernel = &weights_of(&model)[0];
        assert_eq!(kernel[1].to_bits(), bad.to_bits());
    }
}

#[test]
fn a_newer_format_version() {
    let newer = r#"{"__metadata__":{"format":"layers.weights","format_version":"2"},"dense.kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"dense.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#;
    let (problem, _) = problem(refused(&raw_file(newer, &valid_data())));
    assert_eq!(problem, WeightsProblem::Version { found: "2".into() });
}

#[test]
fn a_directory_a_missing_file_and_a_device_are_io_errors() {
    let dir = tempfile::tempdir().unwrap();
    let io = |err: Error| match err {
        Error::Io { action, cause, .. } => (action, cause.to_string()),
        other => panic!("expected Error::Io, got {other:?}"),
    };
    assert_eq!(
        io(refused_at(dir.path())),
        ("read", "it is a directory, not a weights file".to_string())
    );
    let (action, message) = io(refused_at(&dir.path().join("missing.safetensors")));
    assert_eq!(action, "read");
    assert!(message.contains("No such file"), "{message}");
    // Reading /dev/zero would never end; a FIFO would block on opening.
    assert_eq!(
        io(refused_at(std::path::Path::new("/dev/zero"))),
        ("read", "it is not a regular file".to_string())
    );
    let fifo = dir.path().join("fifo.safetensors");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    assert_eq!(
        io(refused_at(&fifo)),
        ("read", "it is not a regular file".to_string())
    );
}

#[test]
fn the_same_checks_apply_to_bytes_read_without_a_layer() {
    let err = SavedWeights::from_bytes(&raw_file(VALID, &valid_data()[..31]), LoadOptions::new())
        .unwrap_err();
    let header_end = 8 + VALID.len().next_multiple_of(8);
    assert_eq!(
        err.to_string(),
        format!(
            "weights file `<bytes>`: the file is truncated: it has {} bytes, but its header describes {}",
            header_end + 31,
            header_end + 32
        )
    );
}
