//! Reading OCI layout files without trusting what is on disk.
//!
//! A layout may come from someone else (an archive, a shared directory). Decision: blobs,
//! `index.json` and `oci-layout` must be regular files, and symbolic links are refused for them
//! and for the `blobs/` and `blobs/<algorithm>/` directories, even links that resolve inside the
//! layout: content is addressed by digest, so a link is never needed, and refusing every link
//! is simpler to get right than resolving them. The file is opened with `O_NOFOLLOW |
//! O_NONBLOCK` and its type checked on the opened descriptor (no check-then-open race; a FIFO
//! is refused instead of blocking the open), and reads stop at the size the caller expects.

use std::fs::{self, File};
use std::io::Read as _;
use std::path::Path;

use crate::error::Error;

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn not_regular(path: &Path, what: &str) -> Error {
    Error::NotRegularFile {
        path: path.display().to_string(),
        reason: format!("is {what}, not a regular file in the layout (refused)"),
    }
}

fn kind_of(ft: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_symlink() {
        "a symbolic link"
    } else if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Refuses `dir` when it is a symbolic link (a missing directory is left to the open).
pub(crate) fn check_dir(dir: &Path) -> Result<(), Error> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(not_regular(dir, "a symbolic link")),
        Ok(m) if !m.is_dir() => Err(not_regular(dir, kind_of(m.file_type()))),
        _ => Ok(()),
    }
}

/// Opens `path` for reading if it is a regular file that is not a symbolic link. `Ok(None)`
/// when it does not exist. Returns the file and its length.
pub(crate) fn open_regular(path: &Path) -> Result<Option<(File, u64)>, Error> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it has no effect on reads of
        // regular files). O_NOFOLLOW: the last component must not be a symbolic link.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        // No O_NOFOLLOW: check the link before opening (best effort), the type after.
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(not_regular(path, "a symbolic link"));
        }
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // ELOOP (or EMLINK on some BSDs) from O_NOFOLLOW: say what it is.
            return Err(match fs::symlink_metadata(path) {
                Ok(m) if !m.is_file() => not_regular(path, kind_of(m.file_type())),
                _ => io_err(path, e),
            });
        }
    };
    let meta = file.metadata().map_err(|e| io_err(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, kind_of(meta.file_type())));
    }
    Ok(Some((file, meta.len())))
}

/// Reads at most `limit` bytes of `file`, plus one to tell whether there was more. The buffer
/// never grows past `limit + 1` whatever the file does after it was opened.
fn read_up_to(file: File, path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let capacity = usize::try_from(limit).unwrap_or(0).min(64 * 1024 * 1024);
    let mut out = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| io_err(path, e))?;
    Ok(out)
}

/// Reads a whole regular file of at most `cap` bytes (`index.json`, `oci-layout`, a manifest
/// named only by digest). `Ok(None)` when it does not exist.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, Error> {
    let Some((file, len)) = open_regular(path)? else {
        return Ok(None);
    };
    let too_large = || io_err(path, format!("larger than {cap} bytes"));
    if len > cap {
        return Err(too_large());
    }
    let data = read_up_to(file, path, cap)?;
    if u64::try_from(data.len()).unwrap_or(u64::MAX) > cap {
        return Err(too_large());
    }
    Ok(Some(data))
}

/// Reads exactly `size` bytes of a blob; a file of another length (on open or while read) is
/// a [`Error::DigestMismatch`] of `digest`. `Ok(None)` when it does not exist.
pub(crate) fn read_exact_size(
    path: &Path,
    size: u64,
    digest: &str,
) -> Result<Option<Vec<u8>>, Error> {
    let Some((file, len)) = open_regular(path)? else {
        return Ok(None);
    };
    let mismatch = |n: u64| Error::DigestMismatch {
        digest: digest.to_string(),
        reason: format!("{n} bytes on disk, the descriptor says {size}"),
    };
    if len != size {
        return Err(mismatch(len));
    }
    let data = read_up_to(file, path, size)?;
    let n = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if n != size {
        return Err(mismatch(n));
    }
    Ok(Some(data))
}
