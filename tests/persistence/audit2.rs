//! Second audit of files: where a save may go (never over a device, FIFO or socket, never
//! to a path ending in a separator) and weights files whose empty tensors have axes no
//! array can have.

use layers::error::WeightsProblem;
use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};

use crate::weights::{dense_model, raw_file, weights_of, written};

/// The operating system's error kind and the message of an `Error::Io` naming `path`.
fn io_error(err: &Error, path: &std::path::Path) -> (std::io::ErrorKind, String) {
    match err {
        Error::Io {
            path: named, cause, ..
        } => {
            assert_eq!(named, path, "{err}");
            (cause.kind(), err.to_string())
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn saving_over_a_socket_or_fifo_is_refused_and_leaves_it_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    // As root, the rename of the temporary file replaced even `/dev/null`; a socket and a
    // FIFO in a scratch directory stand for it here.
    let socket = dir.path().join("model.safetensors");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut specials = vec![socket];
    let fifo = dir.path().join("weights.safetensors");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        specials.push(fifo);
    }
    let model = dense_model(1);
    for path in &specials {
        for err in [
            model.save(path).unwrap_err(),
            model.save_weights(path).unwrap_err(),
        ] {
            let (kind, message) = io_error(&err, path);
            assert_eq!(kind, std::io::ErrorKind::InvalidInput);
            assert!(
                message.ends_with(
                    "it is not a regular file (a device, FIFO or socket), and only a regular \
                     file is replaced"
                ),
                "{message}"
            );
        }
        let kind = std::fs::symlink_metadata(path).unwrap().file_type();
        assert!(kind.is_socket() || kind.is_fifo(), "{path:?} was replaced");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        specials.len()
    );
}

#[test]
fn saving_to_a_path_ending_in_a_separator_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::path::PathBuf::from(format!("{}/model.safetensors/", dir.path().display()));
    let model = dense_model(1);
    let err = model.save(&path).unwrap_err();
    let (kind, message) = io_error(&err, &path);
    assert_eq!(kind, std::io::ErrorKind::IsADirectory);
    assert!(
        message.ends_with("the path ends in a separator, so it names a directory"),
        "{message}"
    );
    // Before, the model went to `model.safetensors`, a file, under the name of a directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_empty_tensor_whose_other_axes_overflow_is_refused_naming_the_file_and_tensor() {
    let header = format!(
        r#"{{"dense.kernel":{{"dtype":"F32","shape":[0,{max},{max}],"data_offsets":[0,0]}}}}"#,
        max = usize::MAX
    );
    let bytes = raw_file(header, &[]);
    let err = SavedWeights::from_bytes(&bytes, LoadOptions::new()).unwrap_err();
    let Error::WeightsFile {
        tensor, problem, ..
    } = &err
    else {
        panic!("expected Error::WeightsFile, got {err:?}");
    };
    assert_eq!(tensor.as_deref(), Some("dense.kernel"));
    assert!(matches!(problem, WeightsProblem::Offsets { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("has more values than memory can address"),
        "{err}"
    );

    let (_dir, path) = written("empty.safetensors", &bytes);
    let model = dense_model(1);
    let before = weights_of(&model);
    let err = model.load_weights(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("weights file `{}`", path.display())),
        "{err}"
    );
    assert_eq!(weights_of(&model), before);
}
