//! `notary key`: the signing keys of `signingkeys.json`.

use std::path::PathBuf;

use clap::Subcommand;

use notary::config::KeyEntry;

use crate::config;
use crate::{CmdResult, Failure, parse_pairs};

#[derive(Subcommand)]
// Built when used: a run parses one subcommand, not the whole tree.
#[command(defer = true)]
pub enum KeyCommand {
    /// Add a signing key (a plugin key, or a local key and certificate chain)
    Add {
        /// Key name
        name: String,
        /// Plugin name (plugin keys)
        #[arg(long)]
        plugin: Option<String>,
        /// Key id for the plugin
        #[arg(long)]
        id: Option<String>,
        /// Plugin configuration, key=value
        #[arg(long = "plugin-config")]
        plugin_config: Vec<String>,
        /// Local private key file (PEM)
        #[arg(long = "key")]
        key_file: Option<PathBuf>,
        /// Local certificate chain file (PEM, leaf first)
        #[arg(long = "cert")]
        cert_file: Option<PathBuf>,
        /// Make it the default signing key
        #[arg(long)]
        default: bool,
    },
    /// List signing keys
    #[command(alias = "ls")]
    List,
    /// Update a signing key
    #[command(alias = "set")]
    Update {
        /// Key name
        name: String,
        /// Make it the default signing key
        #[arg(long)]
        default: bool,
    },
    /// Remove signing keys from the key list (files are kept)
    #[command(alias = "rm")]
    Delete {
        /// Key names
        #[arg(required = true)]
        names: Vec<String>,
    },
}

pub fn run(c: KeyCommand) -> CmdResult {
    let dir = config::config_dir()?;
    // From the read to the write: a parallel `key add` must not lose this one's change.
    let _lock = (!matches!(c, KeyCommand::List))
        .then(|| config::lock_dir(&dir))
        .flatten();
    let mut keys = config::signing_keys()?;
    match c {
        KeyCommand::Add {
            name,
            plugin,
            id,
            plugin_config,
            key_file,
            cert_file,
            default,
        } => {
            // Any name but an empty one, as notation: a key entry names no file.
            if name.is_empty() {
                return Err(Failure::msg("key name cannot be empty"));
            }
            let entry = match (plugin, key_file, cert_file) {
                (Some(p), None, None) => {
                    let id = id
                        .filter(|i| !i.is_empty())
                        .ok_or_else(|| Failure::msg("missing key id"))?;
                    let plugin_config = parse_pairs(&plugin_config, "--plugin-config")?;
                    // notation's words for an empty name (looked up as a plugin).
                    if p.is_empty() {
                        return Err(Failure::msg("plugin name cannot be empty"));
                    }
                    // As notation: the plugin must be installed.
                    notary::plugin::PluginHost::new(config::plugins_dir()?)
                        .executable(&p)
                        .map_err(crate::oci::plugin_missing)?;
                    KeyEntry::plugin(name.clone(), p, id, plugin_config)
                }
                (None, Some(k), Some(c)) => {
                    // Refuse keys that cannot sign before they are registered.
                    notary_crypto::LocalSigner::from_files(&k, &c)?;
                    // Absolute, but not resolved (notation's filepath.Abs): a link that is
                    // moved to a renewed key keeps being used.
                    let abs = |p: &PathBuf| {
                        std::path::absolute(p)
                            .map(|a| a.display().to_string())
                            .map_err(|e| Failure::msg(format!("{}: {e}", p.display())))
                    };
                    KeyEntry::local(name.clone(), abs(&k)?, abs(&c)?)
                }
                _ => {
                    return Err(Failure::msg(
                        "required flag(s) \"plugin\" not set (or give --key FILE --cert FILE)",
                    ));
                }
            };
            // A first key of a new configuration: the directory is made now so that it can
            // be locked (and the file read again under the lock) before the write.
            let _first_lock = match &_lock {
                Some(_) => None,
                None => {
                    config::ensure_dir(&dir)?;
                    let lock = config::lock_dir(&dir);
                    if lock.is_some() {
                        keys = config::signing_keys()?;
                    }
                    lock
                }
            };
            // After the flags and the plugin, as notation-go checks them.
            if keys.keys.iter().any(|k| k.name == name) {
                return Err(Failure::msg(format!(
                    "signing key with name {name:?} already exists"
                )));
            }
            keys.keys.push(entry);
            if default {
                keys.default = Some(name.clone());
            }
            config::save_signing_keys(&dir, &keys)?;
            if default {
                println!("{name}: marked as default");
            } else {
                println!("{name}");
            }
        }
        KeyCommand::List => {
            // notation's table: the default key's name marked `* `.
            let rows: Vec<Vec<String>> = keys
                .keys
                .iter()
                .map(|k| {
                    let name = if keys.default.as_deref() == Some(k.name.as_str()) {
                        format!("* {}", k.name)
                    } else {
                        k.name.clone()
                    };
                    vec![
                        name,
                        k.key_path.clone().unwrap_or_default(),
                        k.cert_path.clone().unwrap_or_default(),
                        k.id.clone().unwrap_or_default(),
                        k.plugin_name.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print!(
                "{}",
                crate::output::table(
                    &["NAME", "KEY PATH", "CERTIFICATE PATH", "ID", "PLUGIN NAME"],
                    &rows
                )
            );
        }
        KeyCommand::Update { name, default } => {
            // As notation: without --default there is nothing to update.
            if !default {
                // notation logs this as a warning (shown with -v), not as output.
                tracing::warn!("--default flag is not set, command did not take effect");
                return Ok(());
            }
            if !keys.keys.iter().any(|k| k.name == name) {
                return Err(key_not_found(&name));
            }
            if keys.default.as_deref() != Some(name.as_str()) {
                keys.default = Some(name.clone());
                config::save_signing_keys(&dir, &keys)?;
            }
            println!("{name}: marked as default");
        }
        KeyCommand::Delete { names } => {
            let prev_default = keys.default.clone();
            // One at a time, as notation removes them: a name given twice is not found the
            // second time, and then nothing is written.
            for n in &names {
                let at = keys
                    .keys
                    .iter()
                    .position(|k| &k.name == n)
                    .ok_or_else(|| key_not_found(n))?;
                keys.keys.remove(at);
                if keys.default.as_ref() == Some(n) {
                    keys.default = None;
                }
            }
            config::save_signing_keys(&dir, &keys)?;
            // notation's messages.
            let is_default = |n: &String| prev_default.as_ref() == Some(n);
            match names.as_slice() {
                [n] if is_default(n) => println!(
                    "Removed default key {n} from Notation signing key list. The source key still exists."
                ),
                [n] => println!(
                    "Removed {n} from Notation signing key list. The source key still exists."
                ),
                _ => {
                    println!(
                        "Removed the following keys from Notation signing key list. The source keys still exist."
                    );
                    for n in &names {
                        if is_default(n) {
                            println!("{n} (default)");
                        } else {
                            println!("{n}");
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// notation's words for a key name `signingkeys.json` does not hold (`key update`, `key
/// delete`).
fn key_not_found(name: &str) -> Failure {
    Failure::msg(format!("signing key {name} not found"))
}
