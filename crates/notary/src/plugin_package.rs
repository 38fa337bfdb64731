//! Plugin packages as `notation plugin install` takes them: a bare `notation-<name>` executable,
//! or a `.zip` / `.tar.gz` holding it and any other files (a LICENSE, dependencies: the spec's
//! package layout), told apart by their first bytes as notation does. A zip's files at its top
//! level are taken (its directories are ignored, as notation ignores them); a tar's regular files
//! are flattened into one directory. Extraction never trusts the archive: an entry name holding
//! `..` fails the package (notation's rule), absolute paths are refused, links and special files
//! are skipped (never written), two files of one name are refused, the number of entries is
//! capped and the decompressed size is capped while streaming. Files keep the permission bits the
//! archive records, without group and other write (notation's copy).

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use crate::plugin::{PluginError, valid_name};

/// Largest plugin executable, compressed archive or decompressed archive content accepted by
/// the CLI.
pub const MAX_PLUGIN_SIZE: u64 = 256 * 1024 * 1024;

/// Most entries (files and directories) an archive may list.
pub const MAX_ENTRIES: usize = 1024;

/// The executable a package held, written to a staging directory with the package's other
/// files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedPlugin {
    /// Plugin name (`<name>` of `notation-<name>`).
    pub name: String,
    /// The executable's file name (`notation-<name>`).
    pub file_name: String,
    /// Where it was written (mode 0755 on Unix).
    pub path: PathBuf,
    /// The package's other files, written beside it (mode 0644), by file name.
    pub other_files: Vec<String>,
}

/// One regular file of a package: its (flattened) file name, content, and the permission bits
/// the archive records (`None`: the format says nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// File name, without directories.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// The archive's permission bits (`0o7777` at most), when it records them.
    pub mode: Option<u32>,
}

impl PackageFile {
    /// True when the archive marks the file executable by its owner (notation's test).
    fn executable(&self) -> bool {
        self.mode.is_some_and(|m| m & 0o100 != 0)
    }
}

fn invalid(reason: impl Into<String>) -> PluginError {
    PluginError::InvalidPackage {
        reason: reason.into(),
    }
}

/// Reads an entry whose header declares `declared` bytes, within `limit` bytes in total (`used`
/// counts across entries). The declared size is checked against what is left before anything
/// is inflated (a bomb is refused at once, as notation refuses it), and the stream is cut one
/// byte past it, so a header that understates its content costs no more memory than it
/// declares: content longer or shorter than declared fails the package (Go's archive/zip, so
/// notation, refuses both).
fn read_capped(
    name: &str,
    r: impl Read,
    declared: u64,
    used: &mut u64,
    limit: u64,
) -> Result<Vec<u8>, PluginError> {
    // "less than 256 MiB" (plugin spec), as notation counts it: the limit itself is too large.
    if used.saturating_add(declared) >= limit {
        return Err(PluginError::PackageTooLarge { limit });
    }
    let mut out = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    r.take(declared.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| invalid(format!("cannot read the plugin archive: {e}")))?;
    let got = u64::try_from(out.len()).unwrap_or(u64::MAX);
    if got != declared {
        return Err(invalid(format!(
            "archive entry {name:?} holds {} bytes where its header declares {declared}",
            if got > declared {
                "more".to_string()
            } else {
                got.to_string()
            }
        )));
    }
    *used = used.saturating_add(got);
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

/// notation's zip-slip rule: any entry name holding `..` fails the whole package (`kind` is
/// `zip` or `tar.gz`).
fn check_dots(raw: &str, kind: &str) -> Result<(), PluginError> {
    if raw.contains("..") {
        return Err(invalid(format!(
            "file name in {kind} cannot contain '..', but found {raw:?}"
        )));
    }
    Ok(())
}

/// Reads an entry (within the package's cap) and adds it; two files of one name (after
/// flattening) are refused.
fn take_file(
    files: &mut Vec<PackageFile>,
    name: String,
    mode: Option<u32>,
    content: impl Read,
    declared: u64,
    used: &mut u64,
    limit: u64,
) -> Result<(), PluginError> {
    if files.iter().any(|f| f.name == name) {
        return Err(invalid(format!(
            "the archive holds two files named {name:?}"
        )));
    }
    let bytes = read_capped(&name, content, declared, used, limit)?;
    files.push(PackageFile { name, bytes, mode });
    Ok(())
}

/// The first name the zip's central directory lists twice, read from the bytes: the zip crate
/// keeps one entry per name (the last), so a second file of one name would otherwise be
/// installed unseen, where Go's archive/zip, so notation, refuses the archive. Walks the
/// central file headers from `start` (already parsed once by the crate) and stops at the
/// first record that is not one.
fn duplicate_zip_entry(data: &[u8], start: u64) -> Option<String> {
    const HEADER: usize = 46;
    let field = |h: &[u8], at: usize| {
        h.get(at..at.saturating_add(2))
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map_or(0, |b| usize::from(u16::from_le_bytes(b)))
    };
    let mut at = usize::try_from(start).ok()?;
    let mut names: Vec<&[u8]> = Vec::new();
    while names.len() <= MAX_ENTRIES {
        let Some(h) = data.get(at..at.saturating_add(HEADER)) else {
            break;
        };
        if !h.starts_with(b"PK\x01\x02") {
            break;
        }
        let (name_len, extra_len, comment_len) = (field(h, 28), field(h, 30), field(h, 32));
        let name_at = at.saturating_add(HEADER);
        let name = data.get(name_at..name_at.saturating_add(name_len))?;
        if names.contains(&name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        names.push(name);
        at = name_at
            .saturating_add(name_len)
            .saturating_add(extra_len)
            .saturating_add(comment_len);
    }
    None
}

fn too_many() -> PluginError {
    invalid(format!("the archive has more than {MAX_ENTRIES} entries"))
}

fn from_zip(data: &[u8], limit: u64) -> Result<Vec<PackageFile>, PluginError> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map_err(|e| invalid(format!("zip: not a valid zip file: {e}")))?;
    if z.len() > MAX_ENTRIES {
        return Err(too_many());
    }
    if let Some(name) = duplicate_zip_entry(data, z.central_directory_start()) {
        return Err(invalid(format!("{name}: duplicate entries in zip file")));
    }
    // Every name is checked before anything is read, as notation checks them.
    for name in z.file_names() {
        check_dots(name, "zip")?;
    }
    let mut used = 0u64;
    let mut files = Vec::new();
    for i in 0..z.len() {
        let entry = z
            .by_index(i)
            .map_err(|e| invalid(format!("zip entry {i}: {e}")))?;
        let raw = entry.name().to_string();
        let name = entry_file_name(&raw)?;
        // Directories and the files in them are ignored (notation reads the top level only);
        // links are never written (notation skips them too).
        let nested = raw
            .split(['/', '\\'])
            .filter(|p| !p.is_empty() && *p != ".")
            .count()
            > 1;
        if entry.is_dir() || entry.is_symlink() || nested {
            continue;
        }
        let name =
            name.ok_or_else(|| invalid(format!("archive entry {raw:?} has no file name")))?;
        let mode = entry.unix_mode().map(|m| m & 0o7777);
        let declared = entry.size();
        take_file(&mut files, name, mode, entry, declared, &mut used, limit)?;
    }
    Ok(files)
}

fn from_tar_gz(data: &[u8], limit: u64) -> Result<Vec<PackageFile>, PluginError> {
    // The decompressed stream is capped as a whole, headers included, so a gzip bomb of
    // empty entries or padding cannot run unbounded either.
    let gz = flate2::read::GzDecoder::new(data).take(limit.saturating_add(64 * 1024));
    let mut t = tar::Archive::new(gz);
    let mut used = 0u64;
    let mut files = Vec::new();
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
        check_dots(&raw, "tar.gz")?;
        let name = entry_file_name(&raw)?;
        let kind = entry.header().entry_type();
        // Directories are flattened; links and special files are never written (notation
        // skips them too).
        if !kind.is_file() {
            continue;
        }
        let name =
            name.ok_or_else(|| invalid(format!("archive entry {raw:?} has no file name")))?;
        let mode = entry.header().mode().ok().map(|m| m & 0o7777);
        // A tar entry's size is exact: the archive's next header is found by it.
        let declared = entry.size();
        take_file(&mut files, name, mode, entry, declared, &mut used, limit)?;
    }
    Ok(files)
}

/// What a package is, by its first bytes (as notation sniffs it; the file name does not count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackageKind {
    /// A zip archive (`PK\x03\x04`).
    Zip,
    /// A gzip stream (`1f 8b 08`), read as a tar.
    TarGz,
    /// Anything else: the plugin executable itself.
    Executable,
}

impl PackageKind {
    /// The kind of the package `data`.
    pub fn of(data: &[u8]) -> Self {
        if data.starts_with(b"PK\x03\x04") {
            Self::Zip
        } else if data.starts_with(&[0x1f, 0x8b, 0x08]) {
            Self::TarGz
        } else {
            Self::Executable
        }
    }
}

/// The regular files a package holds: `data` is a zip, a gzip-compressed tar, or the executable
/// itself named `file_name` with the permission bits `mode` ([`PackageKind::of`]). Its size and
/// its content's must be less than `limit` bytes (the plugin spec's "less than 256 MiB").
pub fn read_package(
    data: &[u8],
    file_name: &str,
    mode: Option<u32>,
    limit: u64,
) -> Result<Vec<PackageFile>, PluginError> {
    if u64::try_from(data.len()).unwrap_or(u64::MAX) >= limit {
        return Err(PluginError::PackageTooLarge { limit });
    }
    match PackageKind::of(data) {
        PackageKind::Zip => from_zip(data, limit),
        PackageKind::TarGz => from_tar_gz(data, limit),
        PackageKind::Executable => Ok(vec![PackageFile {
            name: file_name.to_string(),
            bytes: data.to_vec(),
            mode,
        }]),
    }
}

/// The plugin executable among `files`, as notation-go picks it: the one file named
/// `notation-<valid name>` the archive marks executable (two are an error); failing that, the
/// only file so named.
fn plugin_executable(files: &[PackageFile]) -> Result<usize, PluginError> {
    let named: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name.strip_prefix("notation-").is_some_and(valid_name))
        .map(|(i, _)| i)
        .collect();
    let executable: Vec<usize> = named
        .iter()
        .copied()
        .filter(|&i| files.get(i).is_some_and(PackageFile::executable))
        .collect();
    match (executable.as_slice(), named.as_slice()) {
        ([one], _) | ([], [one]) => Ok(*one),
        ([_, _, ..], _) => Err(PluginError::SeveralExecutables),
        _ => Err(PluginError::NoExecutable),
    }
}

/// Extracts the package `data` (see [`read_package`]; `mode` is a bare executable's permission
/// bits) into the existing directory `dir`, each file created exclusively with the bits the
/// package records without group and other write (notation's copy), by default 0755 for the
/// plugin executable and 0644 for the others; the executable gets its owner's execute bit (as
/// notation sets it on the one candidate not marked executable). The caller then asks the
/// plugin for its metadata and moves the files into place.
pub fn stage_package(
    data: &[u8],
    file_name: &str,
    mode: Option<u32>,
    dir: &Path,
    limit: u64,
) -> Result<StagedPlugin, PluginError> {
    let files = read_package(data, file_name, mode, limit)?;
    let exe = plugin_executable(&files)?;
    let mut staged = None;
    let mut other_files = Vec::new();
    for (i, f) in files.iter().enumerate() {
        // Names come from the archive: only plain file names are written.
        if !valid_name(&f.name) {
            return Err(invalid(format!(
                "archive file name {:?} is not a plain file name",
                f.name
            )));
        }
        let path = dir.join(&f.name);
        let io = |e: std::io::Error| invalid(format!("{}: {e}", path.display()));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(if i == exe { 0o755 } else { 0o644 });
        }
        let mut out = opts.open(&path).map_err(io)?;
        out.write_all(&f.bytes).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let default = if i == exe { 0o755 } else { 0o644 };
            let mut bits = f.mode.unwrap_or(default);
            if i == exe {
                bits |= 0o100;
            }
            // Set on the open file, so the process umask does not change it.
            out.set_permissions(std::fs::Permissions::from_mode(bits & 0o755))
                .map_err(io)?;
        }
        out.sync_all().map_err(io)?;
        if i == exe {
            let name = f
                .name
                .strip_prefix("notation-")
                .unwrap_or_default()
                .to_string();
            staged = Some((name, f.name.clone(), path));
        } else {
            other_files.push(f.name.clone());
        }
    }
    let (name, file_name, path) = staged.ok_or(PluginError::NoExecutable)?;
    Ok(StagedPlugin {
        name,
        file_name,
        path,
        other_files,
    })
}

#[cfg(test)]
mod tests {
    use super::{entry_file_name, read_package};
    use crate::plugin::PluginError;
    use std::io::Write as _;

    /// A zip of `(name, content)` entries, deflated.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in entries {
            z.start_file(
                *name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .unix_permissions(0o755),
            )
            .unwrap();
            z.write_all(content).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// Every occurrence of `from` in `data` replaced by `to` (same length).
    fn patch(data: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut hits = 0;
        let mut i = 0;
        while i + from.len() <= data.len() {
            if &data[i..i + from.len()] == from {
                data[i..i + from.len()].copy_from_slice(to);
                hits += 1;
            }
            i += 1;
        }
        assert!(hits > 0);
    }

    /// Sets the uncompressed size of every local and central file header in `data`.
    fn set_uncompressed_size(data: &mut [u8], size: u32) {
        let mut i = 0;
        while i + 4 <= data.len() {
            let at = match &data[i..i + 4] {
                b"PK\x03\x04" => Some(i + 22),
                b"PK\x01\x02" => Some(i + 24),
                _ => None,
            };
            if let Some(at) = at {
                data[at..at + 4].copy_from_slice(&size.to_le_bytes());
            }
            i += 1;
        }
    }

    fn read(data: &[u8], limit: u64) -> Result<Vec<super::PackageFile>, PluginError> {
        read_package(data, "notation-x", None, limit)
    }

    #[test]
    fn a_zip_naming_one_file_twice_is_refused() {
        let mut data = zip_of(&[("notation-evil", b"first"), ("notation-evix", b"second")]);
        // Unchanged, both entries are read.
        assert_eq!(read(&data, 1 << 20).unwrap().len(), 2);
        // The second entry renamed in its local and central headers: the zip crate keeps one
        // entry of the name, the package is refused (notation's words).
        patch(&mut data, b"notation-evix", b"notation-evil");
        let err = read(&data, 1 << 20).unwrap_err().to_string();
        assert!(
            err.contains("notation-evil: duplicate entries in zip file"),
            "{err}"
        );
    }

    #[test]
    fn zip_sizes_are_checked_before_inflating_and_bound_the_stream() {
        let content = vec![0u8; 64 * 1024];
        let data = zip_of(&[("notation-x", &content)]);
        // Declared 65536 bytes against a limit of 1024: refused on the header's word.
        assert!(matches!(
            read(&data, 1024),
            Err(PluginError::PackageTooLarge { limit: 1024 })
        ));
        assert_eq!(read(&data, 1 << 20).unwrap()[0].bytes, content);
        // A header that understates the content (65536 -> 16, central directory and local
        // header): the stream is cut past the declared size and the package refused.
        let mut lying = data.clone();
        set_uncompressed_size(&mut lying, 16);
        let err = read(&lying, 1 << 20).unwrap_err().to_string();
        assert!(
            err.contains(
                "archive entry \"notation-x\" holds more bytes where its header declares 16"
            ),
            "{err}"
        );
    }

    #[test]
    fn tar_sizes_are_checked_before_reading() {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut t = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(4096);
        h.set_mode(0o755);
        h.set_path("notation-x").unwrap();
        h.set_cksum();
        t.append(&h, &[7u8; 4096][..]).unwrap();
        let data = t.into_inner().unwrap().finish().unwrap();
        assert!(matches!(
            read(&data, 4096),
            Err(PluginError::PackageTooLarge { limit: 4096 })
        ));
        assert_eq!(read(&data, 4097).unwrap()[0].bytes, vec![7u8; 4096]);
    }

    #[test]
    fn a_bare_executable_must_be_smaller_than_the_limit() {
        let exe = b"#!/bin/sh\necho plugin\n".to_vec();
        let n = exe.len() as u64;
        assert!(matches!(
            read(&exe, n),
            Err(PluginError::PackageTooLarge { .. })
        ));
        assert_eq!(read(&exe, n + 1).unwrap()[0].bytes, exe);
    }

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
