//! `notary plugin list|install|uninstall`: the plugins under `$NOTATION_LIBEXEC/plugins`
//! (default `<config dir>/plugins`), one directory per plugin holding `notation-<name>`.

use std::io::{BufRead as _, Read as _};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use notary::plugin::PluginHost;

use crate::config;
use crate::{CmdResult, Failure};

use notary::plugin_package::MAX_PLUGIN_SIZE;

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

/// Reads the package file, refusing anything but a regular file within the size cap.
fn read_file(file: &Path) -> Result<Vec<u8>, Failure> {
    let meta =
        std::fs::metadata(file).map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    if !meta.is_file() {
        return Err(Failure::msg(format!(
            "{}: not a regular file",
            file.display()
        )));
    }
    let mut data = Vec::new();
    // The size is read through a cap too: the file may grow after the metadata call.
    std::fs::File::open(file)
        .and_then(|f| {
            f.take(MAX_PLUGIN_SIZE.saturating_add(1))
                .read_to_end(&mut data)
        })
        .map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    Ok(data)
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::msg(format!("{}: {e}", p.display()))
}

fn install(file: &Path, force: bool) -> CmdResult {
    let data = read_file(file)?;
    let file_name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let dir = config::plugins_dir()?;
    config::ensure_dir(&dir)?;
    // Stage inside the plugin directory, so the final move is a rename on one file system.
    let tmp = tempfile::Builder::new()
        .prefix(".install-")
        .tempdir_in(&dir)
        .map_err(io(&dir))?;
    let staged =
        notary::plugin_package::stage_package(&data, file_name, tmp.path(), MAX_PLUGIN_SIZE)
            .map_err(|e| Failure::msg(e.to_string()))?;
    let (name, exe) = (staged.name.clone(), staged.path.clone());
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
