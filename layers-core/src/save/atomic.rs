//! Atomic, durable file writes: the bytes go to a new temporary file in the target's
//! directory, which is synced to disk and then renamed over the target, and the directory is
//! synced so that the rename itself survives a power cut. A rename within one directory
//! replaces the target in one step, so the target always holds either its previous content or
//! the whole new file: a failed write, a full disk or a killed process leaves it intact.
//!
//! Otherwise the write behaves as [`std::fs::write`] does: a symbolic link is followed (the
//! file it points to is replaced, next to itself, and the link stays; a dangling link's file
//! is created), and an existing file that cannot be opened for writing (read-only for this
//! user) is refused before anything is written. Unlike it, a target that exists but is not a
//! regular file (a device such as `/dev/null`, a FIFO, a socket) is refused: the rename would
//! replace it.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Makes each temporary name unique within the process (the process id, across processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The longest file name (one path component) most file systems take, in bytes: Linux's
/// `NAME_MAX`, and the limit of ext4, XFS, Btrfs, APFS and NTFS (in UTF-16 units there).
const NAME_MAX: usize = 255;

/// The most symbolic links followed in a row, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path` atomically and durably.
///
/// # Errors
///
/// [`Error::Io`] naming `path` and the step that failed; `path` is then unchanged and the
/// temporary file removed. Only a failure to sync the directory, after the rename, leaves
/// the new file in place (it is complete, but may not survive a power cut). An existing file
/// that cannot be opened for writing is refused with the operating system's error (its kind
/// `PermissionDenied` for a read-only file) before the temporary file is made, and so is
/// a path that ends in a separator, names a directory, or names something other than a
/// regular file (a device, FIFO or socket, which the rename would replace).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, open_for_writing, |file| file.write_all(bytes))
}

/// Whether the existing regular file `target` may be written, asked by opening it for
/// writing as [`std::fs::write`] would, but without truncating or otherwise changing it.
fn open_for_writing(target: &Path) -> io::Result<()> {
    OpenOptions::new().write(true).open(target).map(drop)
}

/// [`write_atomic`] with the check that an existing target may be written given as `check`
/// and the writing of the temporary file's content as `write`: the tests inject failures
/// through them (a root user may write any file, so a read-only file cannot refuse it).
fn write_with(
    path: &Path,
    check: impl FnOnce(&Path) -> io::Result<()>,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<()> {
    let fail = |e: io::Error| Error::io("write", path, e);
    let target = follow_links(path).map_err(fail)?;
    let Some(name) = target.file_name() else {
        return Err(fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path names no file",
        )));
    };
    // `Path::file_name` drops a trailing separator, so `dir/new/` would be written as the
    // file `dir/new`; `std::fs::write` refuses such a path, as this does.
    let last = target.as_os_str().as_encoded_bytes().last().copied();
    if last.is_some_and(|b| std::path::is_separator(char::from(b))) {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "the path ends in a separator, so it names a directory",
        )));
    }
    let previous = fs::metadata(&target).ok();
    if previous.as_ref().is_some_and(fs::Metadata::is_dir) {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    // The rename would replace a device, FIFO or socket with a regular file (as root,
    // `/dev/null` itself), so only a regular file is ever replaced.
    if previous.as_ref().is_some_and(|m| !m.is_file()) {
        return Err(fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file (a device, FIFO or socket), and only a regular file is \
             replaced",
        )));
    }
    if previous.is_some() {
        check(&target).map_err(|e| {
            fail(io::Error::new(
                e.kind(),
                format!("the file cannot be opened for writing: {e}"),
            ))
        })?;
    }
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temp = dir.join(temp_name(
        name,
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed),
    ));
    // The operating system's error kind is kept; the message says which step failed.
    let at = |step: &str, e: io::Error| {
        fail(io::Error::new(
            e.kind(),
            format!("{step} `{}`: {e}", temp.display()),
        ))
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(|e| at("cannot create the temporary file", e))?;
    let mut cleanup = RemoveOnDrop(Some(temp.clone()));
    // The new file keeps the permissions of the one it replaces.
    if let Some(previous) = previous {
        file.set_permissions(previous.permissions())
            .map_err(|e| at("cannot set the permissions of", e))?;
    }
    write(&mut file).map_err(|e| at("failed writing", e))?;
    file.flush()
        .and_then(|()| file.sync_all())
        .map_err(|e| at("failed syncing to disk", e))?;
    drop(file);
    fs::rename(&temp, &target).map_err(|e| at("cannot rename over it", e))?;
    cleanup.0 = None;
    sync_dir(dir).map_err(|e| {
        fail(io::Error::new(
            e.kind(),
            format!("the file was replaced, but syncing its directory failed: {e}"),
        ))
    })
}

/// The file `path` stands for: `path` itself, or, if it is a symbolic link, the end of its
/// chain of links (which need not exist), each relative link read from its own directory.
///
/// # Errors
///
/// A link that cannot be read, or more than [`MAX_LINKS`] links in a row (a loop): the
/// operating system's error for the path.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let is_link = fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink());
        if !is_link {
            return Ok(at);
        }
        let to = fs::read_link(&at)?;
        at = match at.parent() {
            Some(dir) if to.is_relative() => dir.join(to),
            _ => to,
        };
    }
    // The system reports the loop (ELOOP) itself.
    Err(fs::metadata(path).err().unwrap_or_else(|| {
        io::Error::other(format!("more than {MAX_LINKS} symbolic links in a row"))
    }))
}

/// The temporary file's name for the file `name`: `.{name}.{pid}.{counter}.tmp`, with
/// `name` shortened (at a character boundary) so that the whole stays within [`NAME_MAX`]
/// bytes; the process id and counter keep it unique.
fn temp_name(name: &OsStr, pid: u32, counter: u64) -> String {
    let suffix = format!(".{pid}.{counter}.tmp");
    let name = name.to_string_lossy();
    let mut end = name.len().min(NAME_MAX - 1 - suffix.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}{suffix}", &name[..end])
}

/// Removes the temporary file unless it was renamed into place.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            // Best effort: the write already failed, and that error is the one to report.
            let _ = fs::remove_file(path);
        }
    }
}

/// Syncs a directory, so that a rename in it is on disk.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing here; the rename is as durable as the platform
/// makes it.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
