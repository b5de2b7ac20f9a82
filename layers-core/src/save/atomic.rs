//! Atomic, durable file writes: the bytes go to a new temporary file in the target's
//! directory, which is synced to disk and then renamed over the target, and the directory is
//! synced so that the rename itself survives a power cut. A rename within one directory
//! replaces the target in one step, so the target always holds either its previous content or
//! the whole new file: a failed write, a full disk or a killed process leaves it intact.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Makes each temporary name unique within the process (the process id, across processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically and durably.
///
/// # Errors
///
/// [`Error::Io`] naming `path` and the step that failed; `path` is then unchanged and the
/// temporary file removed. Only a failure to sync the directory, after the rename, leaves
/// the new file in place (it is complete, but may not survive a power cut).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] with the writing of the temporary file's content given as `write`: the
/// tests inject failures through it.
fn write_with(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> Result<()> {
    let fail = |e: io::Error| Error::io("write", path, e);
    let Some(name) = path.file_name() else {
        return Err(fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path names no file",
        )));
    };
    if path.is_dir() {
        return Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temp = dir.join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
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
    if let Ok(previous) = fs::metadata(path) {
        file.set_permissions(previous.permissions())
            .map_err(|e| at("cannot set the permissions of", e))?;
    }
    write(&mut file).map_err(|e| at("failed writing", e))?;
    file.flush()
        .and_then(|()| file.sync_all())
        .map_err(|e| at("failed syncing to disk", e))?;
    drop(file);
    fs::rename(&temp, path).map_err(|e| at("cannot rename over it", e))?;
    cleanup.0 = None;
    sync_dir(dir).map_err(|e| {
        fail(io::Error::new(
            e.kind(),
            format!("the file was replaced, but syncing its directory failed: {e}"),
        ))
    })
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
