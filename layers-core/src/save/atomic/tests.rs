use std::fs;
use std::io::{self, Write};

use super::{write_atomic, write_with};
use crate::error::Error;

/// The names in `dir`, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("the test directory is readable")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_write_failing_midway_leaves_the_previous_file_intact_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    fs::write(&path, b"the previous weights").unwrap();
    let new = vec![7u8; 1 << 20];
    let err = write_with(&path, |file| {
        file.write_all(&new[..new.len() / 2])?;
        Err(io::Error::other("injected: the disk is full"))
    })
    .unwrap_err();
    let Error::Io {
        action,
        path: named,
        cause,
    } = &err
    else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!((*action, named.as_path()), ("write", path.as_path()));
    let message = cause.to_string();
    assert!(message.contains("injected: the disk is full"), "{message}");
    assert_eq!(fs::read(&path).unwrap(), b"the previous weights");
    assert_eq!(listing(dir.path()), ["model.safetensors"]);
}

#[test]
fn a_successful_write_replaces_the_file_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    fs::write(&path, b"old").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    write_atomic(&path, b"new content").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new content");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(listing(dir.path()), ["w.safetensors"]);
}

#[test]
fn a_directory_or_a_missing_directory_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_atomic(dir.path(), b"x").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot write `{}`: it is a directory", dir.path().display())
    );

    let path = dir.path().join("no/such/dir/w.safetensors");
    let err = write_atomic(&path, b"x").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot write `{}`: cannot create the temporary file",
            path.display()
        )),
        "{text}"
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_path_that_names_no_file_is_an_error() {
    for path in ["", "..", "/"] {
        let err = write_atomic(std::path::Path::new(path), b"x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("cannot write `{path}`: the path names no file")
        );
    }
}
