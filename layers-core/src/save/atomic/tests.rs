use std::fs;
use std::io::{self, Write};

use super::{open_for_writing, write_atomic, write_with};
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

/// Whether `path` is a symbolic link itself (not the file it names).
fn is_link(path: &std::path::Path) -> bool {
    fs::symlink_metadata(path)
        .expect("the link exists")
        .file_type()
        .is_symlink()
}

#[test]
fn a_write_failing_midway_leaves_the_previous_file_intact_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    fs::write(&path, b"the previous weights").unwrap();
    let new = vec![7u8; 1 << 20];
    let err = write_with(&path, open_for_writing, |file| {
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

#[test]
fn a_file_name_of_up_to_255_bytes_is_written_and_no_temporary_file_stays() {
    let dir = tempfile::tempdir().unwrap();
    // 253 ASCII bytes, and 255 bytes of two-byte characters (an odd cut would split one).
    let ascii = format!("{}.safetensors", "w".repeat(241));
    let accented = format!("a{}.safetensors", "é".repeat(121));
    assert_eq!((ascii.len(), accented.len()), (253, 255));
    for name in [ascii, accented] {
        let path = dir.path().join(&name);
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(listing(dir.path()), std::slice::from_ref(&name));
        fs::remove_file(&path).unwrap();
    }
}

#[test]
fn temporary_names_stay_within_255_bytes_and_unique() {
    use std::ffi::OsStr;
    let long = "é".repeat(127); // 254 bytes
    let a = super::temp_name(OsStr::new(&long), u32::MAX, u64::MAX);
    let b = super::temp_name(OsStr::new(&long), u32::MAX, u64::MAX - 1);
    assert!(a.len() <= 255 && b.len() <= 255, "{} {}", a.len(), b.len());
    assert_ne!(a, b);
    assert!(
        a.ends_with(&format!(".{}.{}.tmp", u32::MAX, u64::MAX)),
        "{a}"
    );
    assert!(a.starts_with(".éé"), "{a}");
    // A short name is kept whole.
    assert_eq!(super::temp_name(OsStr::new("w.st"), 7, 3), ".w.st.7.3.tmp");
}

#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let real = tempfile::tempdir().unwrap();
    let target = real.path().join("weights.safetensors");
    fs::write(&target, b"old").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
    // A chain: an absolute link to a relative one, in another directory.
    symlink("weights.safetensors", real.path().join("latest")).unwrap();
    let link = dir.path().join("model.safetensors");
    symlink(real.path().join("latest"), &link).unwrap();

    write_atomic(&link, b"new").unwrap();
    assert!(is_link(&link));
    let latest = real.path().join("latest");
    assert!(is_link(&latest));
    assert_eq!(fs::read(&target).unwrap(), b"new");
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(listing(dir.path()), ["model.safetensors"]);
    assert_eq!(listing(real.path()), ["latest", "weights.safetensors"]);
}

#[test]
fn a_dangling_link_creates_the_file_it_names_as_fs_write_does() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("model.safetensors");
    symlink("saved/next.safetensors", &link).unwrap();
    // Its directory is missing: refused, naming the link, and nothing is made.
    let expected = fs::write(&link, b"x").unwrap_err().kind();
    let err = write_atomic(&link, b"x").unwrap_err();
    let Error::Io { path, cause, .. } = &err else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!((path.as_path(), cause.kind()), (link.as_path(), expected));
    assert_eq!(listing(dir.path()), ["model.safetensors"]);

    fs::create_dir(dir.path().join("saved")).unwrap();
    write_atomic(&link, b"new").unwrap();
    assert!(is_link(&link));
    assert_eq!(
        fs::read(dir.path().join("saved/next.safetensors")).unwrap(),
        b"new"
    );
    assert_eq!(listing(&dir.path().join("saved")), ["next.safetensors"]);
}

#[test]
fn a_loop_of_links_is_an_error_naming_the_path() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    symlink(&b, &a).unwrap();
    symlink(&a, &b).unwrap();
    let err = write_atomic(&a, b"x").unwrap_err();
    let Error::Io { path, .. } = &err else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!(path, &a);
    assert_eq!(listing(dir.path()), ["a", "b"]);
}

#[test]
fn a_file_that_cannot_be_opened_for_writing_is_refused_before_any_temporary_is_made() {
    use std::cell::Cell;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    fs::write(&path, b"the previous weights").unwrap();
    let (asked, wrote) = (Cell::new(None), Cell::new(false));
    // What the system answers a user who may not write the file (root may write any file,
    // so the answer is injected; `open_for_writing` is tested below).
    let err = write_with(
        &path,
        |target| {
            asked.set(Some(target.to_path_buf()));
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        },
        |_| {
            wrote.set(true);
            Ok(())
        },
    )
    .unwrap_err();
    assert_eq!(asked.take().as_deref(), Some(path.as_path()));
    assert!(!wrote.get());
    let Error::Io {
        path: named, cause, ..
    } = &err
    else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!(
        (named.as_path(), cause.kind()),
        (path.as_path(), io::ErrorKind::PermissionDenied)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "cannot write `{}`: the file cannot be opened for writing: permission denied",
            path.display()
        )
    );
    assert_eq!(fs::read(&path).unwrap(), b"the previous weights");
    assert_eq!(listing(dir.path()), ["model.safetensors"]);

    // A new file is not asked about.
    let new = dir.path().join("new.safetensors");
    write_with(
        &new,
        |_| panic!("a new file has nothing to check"),
        |f| f.write_all(b"x"),
    )
    .unwrap();
    assert_eq!(fs::read(&new).unwrap(), b"x");
}

#[test]
fn opening_for_writing_changes_nothing_and_fails_for_a_read_only_file_unless_root() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    fs::write(&path, b"kept as it is").unwrap();
    let before = fs::metadata(&path).unwrap();
    open_for_writing(&path).unwrap();
    let after = fs::metadata(&path).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"kept as it is");
    assert_eq!(
        (before.mtime(), before.mtime_nsec()),
        (after.mtime(), after.mtime_nsec())
    );
    assert_eq!(
        open_for_writing(&dir.path().join("missing"))
            .unwrap_err()
            .kind(),
        io::ErrorKind::NotFound
    );
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    // Root may write any file (the end-to-end test `tests/persistence/save_edges.rs` runs as
    // another user for this); anyone else is refused.
    let root = after.uid() == 0;
    assert_eq!(open_for_writing(&path).is_ok(), root);
    assert_eq!(fs::read(&path).unwrap(), b"kept as it is");
}

#[test]
fn a_path_ending_in_a_separator_is_refused_as_fs_write_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = format!("{}/model.safetensors/", dir.path().display());
    let expected = fs::write(&path, b"x").unwrap_err().kind();
    let err = write_atomic(std::path::Path::new(&path), b"x").unwrap_err();
    let Error::Io { cause, .. } = &err else {
        panic!("expected Error::Io, got {err:?}");
    };
    assert_eq!(cause.kind(), expected);
    assert_eq!(
        err.to_string(),
        format!("cannot write `{path}`: the path ends in a separator, so it names a directory")
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_socket_or_fifo_is_refused_and_stays_what_it_was() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("model.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut specials = vec![socket];
    // A FIFO where the system can make one (opening it for writing would block).
    let fifo = dir.path().join("model.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        specials.push(fifo);
    }
    for path in &specials {
        let err = write_atomic(path, b"x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot write `{}`: it is not a regular file (a device, FIFO or socket), and \
                 only a regular file is replaced",
                path.display()
            )
        );
        let kind = fs::symlink_metadata(path).unwrap().file_type();
        assert!(kind.is_socket() || kind.is_fifo(), "{path:?} was replaced");
    }
    let mut names: Vec<String> = specials
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(listing(dir.path()), names);
}
