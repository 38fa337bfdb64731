//! `notary plugin list|install|uninstall`: the plugins under `$NOTATION_LIBEXEC/plugins`
//! (default `<config dir>/plugins`), one directory per plugin holding `notation-<name>`.

use std::io::{BufRead as _, Read, Write as _};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use notary::plugin::PluginHost;

use crate::config;
use crate::{CmdResult, Failure};

/// Largest plugin executable, compressed archive or decompressed archive content accepted.
const MAX_PLUGIN_SIZE: u64 = 256 * 1024 * 1024;

#[derive(Subcommand)]
pub enum PluginCommand {
    /// List installed plugins
    #[command(alias = "ls")]
    List,
    /// Install a plugin from an executable, a .zip or a .tar.gz holding one executable
    Install {
        /// The plugin file (`notation-<name>`, or an archive containing only it)
        #[arg(long = "file")]
        file: PathBuf,
        /// Overwrite an installed plugin of the same name
        #[arg(long)]
        force: bool,
    },
    /// Uninstall a plugin
    #[command(alias = "remove", alias = "rm")]
    Uninstall {
        /// Plugin name
        name: String,
        /// Do not ask for confirmation
        #[arg(short = 'y', long = "yes")]
        yes: bool,
    },
}

fn list() -> CmdResult {
    let host = PluginHost::new(config::plugins_dir()?);
    let names = host.list().map_err(|e| Failure::msg(e.to_string()))?;
    println!(
        "{:<24}{:<40}{:<10}{:<60}ERROR",
        "NAME", "DESCRIPTION", "VERSION", "CAPABILITIES"
    );
    for n in names {
        match host.metadata(&n) {
            Ok(m) => println!(
                "{:<24}{:<40}{:<10}{:<60}<nil>",
                n,
                m.description,
                m.version,
                format!("[{}]", m.capabilities.join(" "))
            ),
            Err(e) => println!("{:<24}{:<40}{:<10}{:<60}{e}", n, "", "", ""),
        }
    }
    Ok(())
}

/// What an archive or file held: the executable's file name and bytes.
struct Staged {
    file_name: String,
    bytes: Vec<u8>,
}

fn too_large() -> Failure {
    Failure::msg(format!(
        "plugin content exceeds {} MiB",
        MAX_PLUGIN_SIZE / 1024 / 1024
    ))
}

/// Reads at most [`MAX_PLUGIN_SIZE`] bytes in total (`used` counts across entries).
fn read_capped(r: impl Read, used: &mut u64) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    let budget = MAX_PLUGIN_SIZE.saturating_sub(*used);
    r.take(budget + 1)
        .read_to_end(&mut out)
        .map_err(|e| Failure::msg(format!("cannot read the plugin archive: {e}")))?;
    *used += out.len() as u64;
    if *used > MAX_PLUGIN_SIZE {
        return Err(too_large());
    }
    Ok(out)
}

/// The file name of an archive entry, refusing absolute paths and `..` (zip slip).
fn entry_file_name(raw: &str) -> Result<Option<String>, Failure> {
    let bad = || Failure::msg(format!("archive entry {raw:?} has an unsafe path"));
    if raw.starts_with('/') || raw.starts_with('\\') || raw.contains(':') {
        return Err(bad());
    }
    let parts: Vec<&str> = raw
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(bad());
    }
    Ok(parts.last().map(|s| s.to_string()))
}

fn one_file(found: &mut Option<Staged>, name: String, bytes: Vec<u8>) -> Result<(), Failure> {
    if let Some(prev) = found {
        return Err(Failure::msg(format!(
            "the archive must contain exactly one file, found {} and {name}",
            prev.file_name
        )));
    }
    *found = Some(Staged {
        file_name: name,
        bytes,
    });
    Ok(())
}

fn from_zip(data: &[u8]) -> Result<Staged, Failure> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map_err(|e| Failure::msg(format!("not a valid zip archive: {e}")))?;
    let mut used = 0u64;
    let mut found = None;
    for i in 0..z.len() {
        let entry = z
            .by_index(i)
            .map_err(|e| Failure::msg(format!("zip entry {i}: {e}")))?;
        let raw = entry.name().to_string();
        let name = entry_file_name(&raw)?;
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(Failure::msg(format!(
                "archive entry {raw:?} is a symbolic link"
            )));
        }
        let name =
            name.ok_or_else(|| Failure::msg(format!("archive entry {raw:?} has no file name")))?;
        // The declared size is not trusted: the stream itself is capped.
        let bytes = read_capped(entry, &mut used)?;
        one_file(&mut found, name, bytes)?;
    }
    found.ok_or_else(|| Failure::msg("the archive contains no file"))
}

fn from_tar_gz(data: &[u8]) -> Result<Staged, Failure> {
    let mut t = tar::Archive::new(flate2::read::GzDecoder::new(data));
    let mut used = 0u64;
    let mut found = None;
    let entries = t
        .entries()
        .map_err(|e| Failure::msg(format!("not a valid .tar.gz archive: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| Failure::msg(format!("not a valid .tar.gz archive: {e}")))?;
        let raw = entry
            .path_bytes()
            .iter()
            .map(|b| *b as char)
            .collect::<String>();
        let name = entry_file_name(&raw)?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(Failure::msg(format!(
                "archive entry {raw:?} is not a regular file"
            )));
        }
        let name =
            name.ok_or_else(|| Failure::msg(format!("archive entry {raw:?} has no file name")))?;
        let bytes = read_capped(entry, &mut used)?;
        one_file(&mut found, name, bytes)?;
    }
    found.ok_or_else(|| Failure::msg("the archive contains no file"))
}

fn stage(file: &Path) -> Result<Staged, Failure> {
    let meta =
        std::fs::metadata(file).map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    if !meta.is_file() {
        return Err(Failure::msg(format!(
            "{}: not a regular file",
            file.display()
        )));
    }
    if meta.len() > MAX_PLUGIN_SIZE {
        return Err(too_large());
    }
    let data = std::fs::read(file).map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    if data.starts_with(b"PK\x03\x04") || name.ends_with(".zip") {
        from_zip(&data)
    } else if data.starts_with(&[0x1f, 0x8b]) || name.ends_with(".tar.gz") || name.ends_with(".tgz")
    {
        from_tar_gz(&data)
    } else {
        Ok(Staged {
            file_name: name,
            bytes: data,
        })
    }
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::msg(format!("{}: {e}", p.display()))
}

fn install(file: &Path, force: bool) -> CmdResult {
    let staged = stage(file)?;
    let name = staged
        .file_name
        .strip_prefix("notation-")
        .filter(|n| notary::plugin::valid_name(n))
        .ok_or_else(|| {
            Failure::msg(format!(
                "the plugin executable must be named notation-<plugin name>, found {:?}",
                staged.file_name
            ))
        })?
        .to_string();
    let dir = config::plugins_dir()?;
    config::ensure_dir(&dir)?;
    // Stage inside the plugin directory, so the final move is a rename on one file system.
    let tmp = tempfile::Builder::new()
        .prefix(".install-")
        .tempdir_in(&dir)
        .map_err(io(&dir))?;
    let exe = tmp.path().join(&staged.file_name);
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o755);
        }
        let mut f = opts.open(&exe).map_err(io(&exe))?;
        f.write_all(&staged.bytes).map_err(io(&exe))?;
        f.sync_all().map_err(io(&exe))?;
    }
    let host = PluginHost::new(&dir);
    let meta = host
        .metadata_of(&exe, &name)
        .map_err(|e| Failure::msg(format!("{} is not a valid plugin: {e}", file.display())))?;
    if meta.name != name {
        return Err(Failure::msg(format!(
            "the executable is named notation-{name} but the plugin reports the name {:?}",
            meta.name
        )));
    }
    let target = dir.join(&name);
    if std::fs::symlink_metadata(&target).is_ok() {
        if !force {
            let current = host
                .metadata(&name)
                .map(|m| format!(" (version {})", m.version))
                .unwrap_or_default();
            return Err(Failure::msg(format!(
                "plugin {name}{current} is already installed, use --force to overwrite it"
            )));
        }
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    config::ensure_dir(&target)?;
    let dst = target.join(&staged.file_name);
    std::fs::rename(&exe, &dst).map_err(io(&dst))?;
    println!(
        "Successfully installed plugin {name}, version {}",
        meta.version
    );
    Ok(())
}

fn uninstall(name: &str, yes: bool) -> CmdResult {
    if !notary::plugin::valid_name(name) {
        return Err(Failure::msg(format!("invalid plugin name {name:?}")));
    }
    let dir = config::plugins_dir()?.join(name);
    if std::fs::symlink_metadata(&dir).is_err() {
        return Err(Failure::msg(format!("plugin {name} is not installed")));
    }
    if !yes {
        eprint!("Are you sure you want to uninstall plugin {name:?}? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::msg(format!(
                "uninstalling plugin {name} was cancelled (use --yes to skip the prompt)"
            )));
        }
    }
    std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    println!("Successfully uninstalled plugin {name}");
    Ok(())
}

pub fn run(c: PluginCommand) -> CmdResult {
    match c {
        PluginCommand::List => list(),
        PluginCommand::Install { file, force } => install(&file, force),
        PluginCommand::Uninstall { name, yes } => uninstall(&name, yes),
    }
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
