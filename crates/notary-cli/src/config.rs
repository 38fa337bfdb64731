//! Writing notation's configuration directory (reading it is `notary::config::NotationDir`).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use notary::config::SigningKeys;

use crate::Failure;

/// notation's configuration directory (see [`notary::config::NotationDir::from_env`]).
pub fn config_dir() -> Result<PathBuf, Failure> {
    Ok(crate::notation_dir()?.config_dir().to_path_buf())
}

/// An exclusive advisory lock on directory `dir` (`flock` on the directory itself: nothing is
/// added to notation's directory), held until the returned file is dropped. The commands that
/// read, change and write `signingkeys.json` or `config.json` hold it from the read to the
/// write, so that parallel runs (two `login`s in one CI job) do not lose each other's changes.
/// A missing directory, or a file system without locks, is not locked.
pub fn lock_dir(dir: &Path) -> Option<fs::File> {
    let f = fs::File::open(dir).ok()?;
    if !f.metadata().ok()?.is_dir() {
        return None;
    }
    match f.lock() {
        Ok(()) => Some(f),
        Err(e) => {
            tracing::debug!(dir = %dir.display(), error = %e, "configuration directory not locked");
            None
        }
    }
}

/// The plugin directory: `$NOTATION_LIBEXEC/plugins`, else `<config dir>/plugins`.
pub fn plugins_dir() -> Result<PathBuf, Failure> {
    Ok(crate::notation_dir()?.plugins_dir().to_path_buf())
}

/// `signingkeys.json` (see [`notary::config::NotationDir::signing_keys`]); a file that cannot
/// be read is named in notation's words (its loader `lstat`s the file and takes nothing but a
/// regular file).
pub fn signing_keys() -> Result<SigningKeys, Failure> {
    use notary::config::ConfigError;
    crate::notation_dir()?.signing_keys().map_err(|e| match e {
        ConfigError::Read { path, source } => {
            Failure::msg(format!("lstat {}: {source}", path.display()))
        }
        ConfigError::NotARegularFile { path, .. } => Failure::msg(format!(
            "{} is not a regular file (symlinks are not supported)",
            crate::go_quote(&path.display().to_string())
        )),
        e => e.into(),
    })
}

/// Reads an input file named on the command line (a link is followed): a regular file of at most
/// `max` bytes. The type is checked before the open (opening a FIFO would block) and again on the
/// opened file, and the read stops past `max` (a file that grows, `/dev/zero`). Errors name the
/// file.
pub fn read_input(path: &Path, max: u64) -> Result<Vec<u8>, Failure> {
    read_capped(path, max, false)
}

/// [`read_input`] that also reads a pipe or a character device (`policy import /dev/stdin`,
/// `<(...)`), as notation does: what the user named explicitly to be read. Still capped.
pub fn read_input_or_stream(path: &Path, max: u64) -> Result<Vec<u8>, Failure> {
    read_capped(path, max, true)
}

/// The metadata of `path` (a link followed), or Go's words (`os.ReadFile`) for a file that
/// cannot be found or opened (`open PATH: ...`) or is a directory (`read PATH: is a directory`).
pub fn stat_as_go_reads(path: &Path) -> Result<fs::Metadata, String> {
    match fs::metadata(path) {
        Err(e) => Err(format!("open {}: {e}", path.display())),
        Ok(m) if m.is_dir() => Err(format!("read {}: is a directory", path.display())),
        Ok(m) => Ok(m),
    }
}

fn read_capped(path: &Path, max: u64, streams: bool) -> Result<Vec<u8>, Failure> {
    use std::io::Read as _;
    let fail = |e: &dyn std::fmt::Display| Failure::msg(format!("{}: {e}", path.display()));
    let check = |m: &fs::Metadata| -> Result<(), Failure> {
        // Go's words (`os.ReadFile` of a directory).
        if m.is_dir() {
            return Err(Failure::msg(format!(
                "read {}: is a directory",
                path.display()
            )));
        }
        if !(m.is_file() || streams) {
            return Err(fail(&"not a regular file"));
        }
        if m.is_file() && m.len() > max {
            return Err(fail(&format_args!("larger than {max} bytes")));
        }
        Ok(())
    };
    check(&stat_as_go_reads(path).map_err(Failure::msg)?)?;
    let file =
        fs::File::open(path).map_err(|e| Failure::msg(format!("open {}: {e}", path.display())))?;
    check(&file.metadata().map_err(|e| fail(&e))?)?;
    let mut data = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| fail(&e))?;
    if data.len() as u64 > max {
        return Err(fail(&format_args!("larger than {max} bytes")));
    }
    Ok(data)
}

/// Largest envelope read from a file (as from a registry or a layout).
pub const MAX_ENVELOPE_FILE: u64 = 32 * 1024 * 1024;
/// Largest trust policy, certificate or CA bundle file read.
pub const MAX_SMALL_FILE: u64 = 16 * 1024 * 1024;

/// Creates `dir` and its missing parents with mode 0700, as notation does. An existing
/// directory keeps its mode: it may be shared (`-d /tmp`), and its owner chose the mode.
pub fn ensure_dir(dir: &Path) -> Result<(), Failure> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| mkdir_error(dir, e))
}

/// A failed `ensure_dir` in Go's words (`os.MkdirAll`, as notation creates directories): the
/// first directory on the way that could not be made, or the file in the way ("mkdir
/// <path>: not a directory").
fn mkdir_error(dir: &Path, e: std::io::Error) -> Failure {
    let mut ancestors: Vec<&Path> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    ancestors.reverse();
    for a in ancestors {
        match fs::metadata(a) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => return Failure::msg(format!("mkdir {}: not a directory", a.display())),
            Err(_) => return Failure::msg(format!("mkdir {}: {e}", a.display())),
        }
    }
    Failure::msg(format!("mkdir {}: {e}", dir.display()))
}

/// Writes a file with mode 0600, atomically: a temporary file with an unpredictable name is
/// created exclusively (never following a planted symlink) in the same directory, then renamed
/// over `path`. Missing directories are created 0700; existing ones are left as they are.
pub fn write_private(path: &Path, data: &[u8]) -> Result<(), Failure> {
    let tmp = complete_temp(path, data)?;
    // On failure the temporary file is removed when `e.file` drops: nothing half-written.
    tmp.persist(path).map_err(|e| open_fail(path, e.error))?;
    Ok(())
}

/// Like [`write_private`], but never replaces anything: when `path` exists (even as a dangling
/// symlink) it fails with "file exists" and leaves it untouched, as notation's `O_EXCL` writes do.
/// The file appears complete or not at all.
pub fn write_private_new(path: &Path, data: &[u8]) -> Result<(), Failure> {
    write_new(path, data, false)
}

/// [`write_private_new`] for a file others may read (0644, as notation writes the certificate of
/// `cert generate-test`).
pub fn write_public_new(path: &Path, data: &[u8]) -> Result<(), Failure> {
    write_new(path, data, true)
}

fn write_new(path: &Path, data: &[u8], public: bool) -> Result<(), Failure> {
    let tmp = complete_temp(path, data)?;
    #[cfg(unix)]
    if public {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644))
            .map_err(|e| fail(tmp.path(), e))?;
    }
    #[cfg(not(unix))]
    let _ = public;
    // A no-replace rename (or link + unlink): atomic, and refused when the name is taken.
    tmp.persist_noclobber(path)
        .map_err(|e| open_fail(path, e.error))?;
    Ok(())
}

fn fail(p: &Path, e: std::io::Error) -> Failure {
    Failure::msg(format!("{}: {e}", p.display()))
}

/// A file that could not be put in place, in Go's words for the `open` of `os.WriteFile` (as
/// notation writes it): "open <path>: is a directory", "open <path>: file exists".
fn open_fail(p: &Path, e: std::io::Error) -> Failure {
    Failure::msg(format!("open {}: {e}", p.display()))
}

/// A 0600 temporary file holding all of `data`, synced, next to `path`.
fn complete_temp(path: &Path, data: &[u8]) -> Result<tempfile::NamedTempFile, Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    ensure_dir(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".notary-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| fail(dir, e))?;
    tmp.write_all(data).map_err(|e| fail(tmp.path(), e))?;
    tmp.as_file().sync_all().map_err(|e| fail(tmp.path(), e))?;
    Ok(tmp)
}

/// Writes `signingkeys.json` (read with [`notary::config::NotationDir::signing_keys`]).
pub fn save_signing_keys(dir: &Path, keys: &SigningKeys) -> Result<(), Failure> {
    // As notation's encoder writes it: four-space indent, Go's HTML-safe escapes, a final
    // newline.
    let mut bytes = go_json_indent(keys, b"    ")?;
    bytes.push(b'\n');
    write_private(&SigningKeys::path(dir), &bytes)
}

/// `value` as Go's `json.MarshalIndent(value, "", indent)` writes it: `indent` per level, Go's
/// HTML-safe escapes, no final newline.
pub fn go_json_indent<T: serde::Serialize>(value: &T, indent: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let fmt = GoFormatter(serde_json::ser::PrettyFormatter::with_indent(indent));
    value
        .serialize(&mut serde_json::Serializer::with_formatter(&mut bytes, fmt))
        .map_err(|e| Failure::msg(e.to_string()))?;
    Ok(bytes)
}

/// serde_json's pretty printer with Go's `encoding/json` string escapes: `<`, `>`, `&`, U+2028
/// and U+2029 as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029` (the other escapes already
/// agree), so that a file notary writes is byte for byte the one notation writes.
struct GoFormatter<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for GoFormatter<'_> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}']) {
            w.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(w, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    // The layout is the pretty printer's.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn write_private_does_not_follow_a_symlink_planted_at_the_old_temporary_name() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir_all(&out).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        let victim = elsewhere.join("victim");
        fs::write(&victim, b"precious").unwrap();
        // The name the writer used to pick: `.<file>.tmp-<pid>`.
        let planted = out.join(format!(".artifact.sig.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();

        let target = out.join("artifact.sig");
        write_private(&target, b"signature").unwrap();

        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        let meta = fs::symlink_metadata(&target).unwrap();
        assert!(
            meta.file_type().is_file(),
            "the signature must be a regular file"
        );
        assert_eq!(fs::read(&target).unwrap(), b"signature");
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        // Only the planted link and the signature are left: no stray temporary file.
        let mut names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
