//! `signingkeys.json`: notation's signing keys (local key and certificate files, or plugin
//! keys) and the default one.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// One entry of `signingkeys.json`: a local key (`keyPath` and `certPath`) or a plugin key
/// (`id`, `pluginName` and optionally `pluginConfig`), as notation writes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyEntry {
    /// The key name.
    pub name: String,
    /// The private key file (PEM, absolute path).
    #[serde(rename = "keyPath", default, skip_serializing_if = "Option::is_none")]
    pub key_path: Option<String>,
    /// The certificate chain file (PEM, leaf first, absolute path).
    #[serde(rename = "certPath", default, skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<String>,
    /// The key id a plugin signs with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The plugin's name.
    #[serde(
        rename = "pluginName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub plugin_name: Option<String>,
    /// The configuration sent to the plugin.
    #[serde(
        rename = "pluginConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub plugin_config: Option<BTreeMap<String, String>>,
    /// Members this version does not know (written by a later notation, or by hand): kept, so
    /// that editing the file never drops them.
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

/// What a [`KeyEntry`] signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource<'a> {
    /// A local private key and certificate chain.
    Local {
        /// The private key file.
        key: &'a Path,
        /// The certificate chain file.
        cert: &'a Path,
    },
    /// A plugin key.
    Plugin {
        /// The plugin's name.
        plugin: &'a str,
        /// The key id.
        id: &'a str,
        /// The key's plugin configuration (`--plugin-config` may add to it).
        config: Option<&'a BTreeMap<String, String>>,
    },
}

impl KeyEntry {
    /// A local key: `key_path` and `cert_path` should be absolute.
    pub fn local(
        name: impl Into<String>,
        key_path: impl Into<String>,
        cert_path: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            key_path: Some(key_path.into()),
            cert_path: Some(cert_path.into()),
            id: None,
            plugin_name: None,
            plugin_config: None,
            extra: serde_json::Map::new(),
        }
    }

    /// A plugin key; an empty `config` is not written.
    pub fn plugin(
        name: impl Into<String>,
        plugin_name: impl Into<String>,
        id: impl Into<String>,
        config: BTreeMap<String, String>,
    ) -> Self {
        Self {
            name: name.into(),
            key_path: None,
            cert_path: None,
            id: Some(id.into()),
            plugin_name: Some(plugin_name.into()),
            plugin_config: Some(config).filter(|c| !c.is_empty()),
            extra: serde_json::Map::new(),
        }
    }

    /// What the entry signs with: local files as soon as either path is written, even beside a
    /// plugin (as in notation, whose key suite is local once either member is present); a path
    /// that is not written is empty, and signing then fails on it, as notation's does.
    pub fn source(&self) -> Result<KeySource<'_>, ConfigError> {
        match (&self.key_path, &self.cert_path, &self.plugin_name, &self.id) {
            (k, c, _, _) if k.is_some() || c.is_some() => Ok(KeySource::Local {
                key: Path::new(k.as_deref().unwrap_or_default()),
                cert: Path::new(c.as_deref().unwrap_or_default()),
            }),
            (_, _, Some(p), Some(id)) => Ok(KeySource::Plugin {
                plugin: p,
                id,
                config: self.plugin_config.as_ref(),
            }),
            (_, _, Some(p), None) => Err(ConfigError::InvalidKey {
                name: self.name.clone(),
                reason: format!("uses plugin {p:?} but has no key id"),
            }),
            _ => Err(ConfigError::InvalidKey {
                name: self.name.clone(),
                reason: "has neither keyPath and certPath nor a plugin".into(),
            }),
        }
    }
}

/// `signingkeys.json`: the keys and the default one. [`super::NotationDir::signing_keys`]
/// reads it; a tool that manages keys edits the fields and writes it back as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningKeys {
    /// The default key's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The keys (`null` reads as none, as Go reads it).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub keys: Vec<KeyEntry>,
    /// Members this version does not know: kept when the file is written back.
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<KeyEntry>, D::Error> {
    Ok(Option::<Vec<KeyEntry>>::deserialize(d)?.unwrap_or_default())
}

impl SigningKeys {
    /// Parses and checks `signingkeys.json` read from `path`: names are non-empty and unique,
    /// and the default key is one of them.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<Self, ConfigError> {
        let malformed = |reason: String| ConfigError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        // The first JSON value, its member names matched as Go's encoding/json matches them
        // (case-insensitively; the last of two that match wins), as notation reads the file.
        let value = match super::first_json_value(bytes).map_err(malformed)? {
            serde_json::Value::Object(top) => {
                let mut top = notary_core::json::go_fields(top, &["default", "keys"]);
                if let Some(serde_json::Value::Array(keys)) = top.get_mut("keys") {
                    for k in keys.iter_mut() {
                        if let serde_json::Value::Object(entry) = k {
                            *entry = notary_core::json::go_fields(
                                std::mem::take(entry),
                                &[
                                    "name",
                                    "keyPath",
                                    "certPath",
                                    "id",
                                    "pluginName",
                                    "pluginConfig",
                                ],
                            );
                        }
                    }
                }
                serde_json::Value::Object(top)
            }
            other => other,
        };
        let keys: Self = serde_json::from_value(value).map_err(|e| malformed(e.to_string()))?;
        // notation-go's checks, in its order and words.
        let invalid = |reason: String| ConfigError::InvalidSigningKeys { reason };
        let mut names = HashSet::new();
        for k in &keys.keys {
            if k.name.is_empty() {
                return Err(invalid("key name cannot be empty".into()));
            }
            if !names.insert(k.name.as_str()) {
                return Err(invalid(format!(
                    "multiple keys with name '{}' found",
                    k.name
                )));
            }
        }
        match keys.default.as_deref() {
            Some("") => return Err(invalid("default key name cannot be empty".into())),
            Some(d) if !names.contains(d) => {
                return Err(invalid(format!("default key '{d}' not found")));
            }
            _ => {}
        }
        Ok(keys)
    }

    /// The key named `name`, or the default key when `name` is `None`.
    pub fn get(&self, name: Option<&str>) -> Result<&KeyEntry, ConfigError> {
        let name = match name {
            Some(n) => n,
            None => self.default.as_deref().ok_or(ConfigError::NoDefaultKey)?,
        };
        self.keys
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| ConfigError::KeyNotFound {
                name: name.to_string(),
            })
    }

    /// The file name in the configuration directory.
    pub const FILE_NAME: &'static str = "signingkeys.json";

    /// `<config>/signingkeys.json`.
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join(Self::FILE_NAME)
    }
}
