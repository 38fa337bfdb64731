//! Plugin packages as `notation plugin install` takes them: a bare `notation-<name>` executable,
//! or a `.zip` / `.tar.gz` holding exactly that one file. Extraction never trusts the archive:
//! paths are checked (no absolute paths, no `..`), links and special files are refused, the
//! number of entries is capped and the decompressed size is capped while streaming.

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use crate::plugin::{PluginError, valid_name};

/// Largest plugin executable, compressed archive or decompressed archive content accepted by
/// the CLI.
pub const MAX_PLUGIN_SIZE: u64 = 256 * 1024 * 1024;

/// Most entries (files and directories) an archive may list.
pub const MAX_ENTRIES: usize = 1024;

/// The executable a package held, written to a staging directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedPlugin {
    /// Plugin name (`<name>` of `notation-<name>`).
    pub name: String,
    /// The executable's file name (`notation-<name>`).
    pub file_name: String,
    /// Where it was written (mode 0755 on Unix).
    pub path: PathBuf,
}

fn invalid(reason: impl Into<String>) -> PluginError {
    PluginError::InvalidPackage {
        reason: reason.into(),
    }
}

/// Reads at most `limit` bytes in total (`used` counts across entries).
fn read_capped(r: impl Read, used: &mut u64, limit: u64) -> Result<Vec<u8>, PluginError> {
    let mut out = Vec::new();
    let budget = limit.saturating_sub(*used);
    r.take(budget.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| invalid(format!("cannot read the plugin archive: {e}")))?;
    *used = used.saturating_add(u64::try_from(out.len()).unwrap_or(u64::MAX));
    if *used > limit {
        return Err(PluginError::PackageTooLarge { limit });
    }
    Ok(out)
}

/// The file name of an archive entry, refusing absolute paths, drive prefixes and `..`
/// (zip slip). `None` for a path with no file name (`./`).
pub fn entry_file_name(raw: &str) -> Result<Option<String>, PluginError> {
    let bad = || invalid(format!("archive entry {raw:?} has an unsafe path"));
    if raw.starts_with('/') || raw.starts_with('\\') || raw.contains(':') || raw.contains('\0') {
        return Err(bad());
    }
    let mut last = None;
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err(bad()),
            p => last = Some(p),
        }
    }
    Ok(last.map(str::to_string))
}

/// One file found so far; a second one is refused.
fn one_file(
    found: &mut Option<(String, Vec<u8>)>,
    name: String,
    bytes: Vec<u8>,
) -> Result<(), PluginError> {
    if let Some((prev, _)) = found {
        return Err(invalid(format!(
            "the archive must contain exactly one file, found {prev} and {name}"
        )));
    }
    *found = Some((name, bytes));
    Ok(())
}

fn too_many() -> PluginError {
    invalid(format!("the archive has more than {MAX_ENTRIES} entries"))
}

fn from_zip(data: &[u8], limit: u64) -> Result<(String, Vec<u8>), PluginError> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map_err(|e| invalid(format!("not a valid zip archive: {e}")))?;
    if z.len() > MAX_ENTRIES {
        return Err(too_many());
    }
    let mut used = 0u64;
    let mut found = None;
    for i in 0..z.len() {
        let entry = z
            .by_index(i)
            .map_err(|e| invalid(format!("zip entry {i}: {e}")))?;
        let raw = entry.name().to_string();
        let name = entry_file_name(&raw)?;
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(invalid(format!("archive entry {raw:?} is a symbolic link")));
        }
        let name =
            name.ok_or_else(|| invalid(format!("archive entry {raw:?} has no file name")))?;
        // The declared size is not trusted: the stream itself is capped.
        let bytes = read_capped(entry, &mut used, limit)?;
        one_file(&mut found, name, bytes)?;
    }
    found.ok_or_else(|| invalid("the archive contains no file"))
}

fn from_tar_gz(data: &[u8], limit: u64) -> Result<(String, Vec<u8>), PluginError> {
    // The decompressed stream is capped as a whole, headers included, so a gzip bomb of
    // empty entries or padding cannot run unbounded either.
    let gz = flate2::read::GzDecoder::new(data).take(limit.saturating_add(64 * 1024));
    let mut t = tar::Archive::new(gz);
    let mut used = 0u64;
    let mut found = None;
    let entries = t
        .entries()
        .map_err(|e| invalid(format!("not a valid .tar.gz archive: {e}")))?;
    for (i, entry) in entries.enumerate() {
        if i >= MAX_ENTRIES {
            return Err(too_many());
        }
        let entry = entry.map_err(|e| invalid(format!("not a valid .tar.gz archive: {e}")))?;
        let path = entry.path_bytes();
        let raw = std::str::from_utf8(&path)
            .map_err(|_| invalid("archive entry path is not UTF-8"))?
            .to_string();
        let name = entry_file_name(&raw)?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(invalid(format!(
                "archive entry {raw:?} is not a regular file"
            )));
        }
        let name =
            name.ok_or_else(|| invalid(format!("archive entry {raw:?} has no file name")))?;
        let bytes = read_capped(entry, &mut used, limit)?;
        one_file(&mut found, name, bytes)?;
    }
    found.ok_or_else(|| invalid("the archive contains no file"))
}

/// The executable a package holds, as (file name, bytes): `data` is a zip (by magic or a
/// `.zip` name), a gzip-compressed tar (magic, `.tar.gz` or `.tgz`), or the executable itself
/// named `file_name`. At most `limit` bytes of content are accepted.
pub fn read_package(
    data: &[u8],
    file_name: &str,
    limit: u64,
) -> Result<(String, Vec<u8>), PluginError> {
    if u64::try_from(data.len()).unwrap_or(u64::MAX) > limit {
        return Err(PluginError::PackageTooLarge { limit });
    }
    if data.starts_with(b"PK\x03\x04") || file_name.ends_with(".zip") {
        from_zip(data, limit)
    } else if data.starts_with(&[0x1f, 0x8b])
        || file_name.ends_with(".tar.gz")
        || file_name.ends_with(".tgz")
    {
        from_tar_gz(data, limit)
    } else {
        Ok((file_name.to_string(), data.to_vec()))
    }
}

/// Extracts the package `data` (see [`read_package`]) and writes its executable into the
/// existing directory `dir` (created exclusively, mode 0755), after checking its name is
/// `notation-<valid plugin name>`. The caller then asks the plugin for its metadata and moves
/// it into place.
pub fn stage_package(
    data: &[u8],
    file_name: &str,
    dir: &Path,
    limit: u64,
) -> Result<StagedPlugin, PluginError> {
    let (file_name, bytes) = read_package(data, file_name, limit)?;
    let name = file_name
        .strip_prefix("notation-")
        .filter(|n| valid_name(n))
        .ok_or_else(|| {
            invalid(format!(
                "the plugin executable must be named notation-<plugin name>, found {file_name:?}"
            ))
        })?
        .to_string();
    let path = dir.join(&file_name);
    let io = |e: std::io::Error| invalid(format!("{}: {e}", path.display()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o755);
    }
    let mut f = opts.open(&path).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(StagedPlugin {
        name,
        file_name,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::entry_file_name;

    #[test]
    fn zip_slip_paths_are_refused() {
        for bad in [
            "../notation-x",
            "/etc/notation-x",
            "a/../../x",
            "C:\\x",
            "..\\x",
        ] {
            assert!(entry_file_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            entry_file_name("dir/./notation-x")
                .ok()
                .flatten()
                .as_deref(),
            Some("notation-x")
        );
    }
}
