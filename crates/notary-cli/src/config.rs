//! notation's configuration directory: where it is and the files in it.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Failure;

/// notation's configuration directory (see [`notary::config::NotationDir::from_env`]).
pub fn config_dir() -> Result<PathBuf, Failure> {
    Ok(crate::notation_dir()?.config_dir().to_path_buf())
}

/// The plugin directory: `$NOTATION_LIBEXEC/plugins`, else `<config dir>/plugins`.
pub fn plugins_dir() -> Result<PathBuf, Failure> {
    Ok(crate::notation_dir()?.plugins_dir().to_path_buf())
}

/// Refuses symlinks for configuration files, as notation does.
pub fn read_config_file(path: &Path) -> Result<Option<Vec<u8>>, Failure> {
    notary::config::read_config_file(path).map_err(|e| Failure::msg(e.to_string()))
}

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
    builder
        .create(dir)
        .map_err(|e| Failure::msg(format!("{}: {e}", dir.display())))
}

/// Writes a file with mode 0600, atomically: a temporary file with an unpredictable name is
/// created exclusively (never following a planted symlink) in the same directory, then renamed
/// over `path`. Missing directories are created 0700; existing ones are left as they are.
pub fn write_private(path: &Path, data: &[u8]) -> Result<(), Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    ensure_dir(dir)?;
    let fail = |p: &Path, e: std::io::Error| Failure::msg(format!("{}: {e}", p.display()));
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
    // On failure the temporary file is removed when `e.file` drops: nothing half-written.
    tmp.persist(path).map_err(|e| fail(path, e.error))?;
    Ok(())
}

/// One entry of `signingkeys.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyEntry {
    /// Key name.
    pub name: String,
    /// Local key file (absolute).
    #[serde(rename = "keyPath", default, skip_serializing_if = "Option::is_none")]
    pub key_path: Option<String>,
    /// Local certificate chain file (absolute).
    #[serde(rename = "certPath", default, skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<String>,
    /// Plugin key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Plugin name.
    #[serde(
        rename = "pluginName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub plugin_name: Option<String>,
    /// Plugin configuration.
    #[serde(
        rename = "pluginConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub plugin_config: Option<BTreeMap<String, String>>,
}

/// `signingkeys.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SigningKeys {
    /// Default key name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The keys.
    #[serde(default)]
    pub keys: Vec<KeyEntry>,
}

impl SigningKeys {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("signingkeys.json")
    }

    pub fn load(dir: &Path) -> Result<Self, Failure> {
        let p = Self::path(dir);
        let Some(bytes) = read_config_file(&p)? else {
            return Ok(Self::default());
        };
        let keys: Self = serde_json::from_slice(&bytes).map_err(|e| {
            Failure::msg(format!("{}: malformed signingkeys.json: {e}", p.display()))
        })?;
        let mut names = std::collections::HashSet::new();
        for k in &keys.keys {
            if k.name.is_empty() || !names.insert(k.name.as_str()) {
                return Err(Failure::msg(format!(
                    "{}: key names must be non-empty and unique ({:?})",
                    p.display(),
                    k.name
                )));
            }
        }
        if let Some(d) = &keys.default
            && !names.contains(d.as_str())
        {
            return Err(Failure::msg(format!(
                "{}: default key {d:?} is not in the key list",
                p.display()
            )));
        }
        Ok(keys)
    }

    pub fn save(&self, dir: &Path) -> Result<(), Failure> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Failure::msg(e.to_string()))?;
        write_private(&Self::path(dir), &bytes)
    }

    pub fn get(&self, name: Option<&str>) -> Result<&KeyEntry, Failure> {
        let name = match name {
            Some(n) => n,
            None => self.default.as_deref().ok_or_else(|| Failure::msg("no signing key was given (--key) and no default key is configured; use `notary key update NAME --default` or `notary cert generate-test NAME --default`"))?,
        };
        self.keys.iter().find(|k| k.name == name).ok_or_else(|| {
            Failure::msg(format!(
                "signing key {name:?} not found in signingkeys.json"
            ))
        })
    }
}

/// `config.json`, kept as a JSON object so unknown fields survive a rewrite.
pub fn load_config_json(dir: &Path) -> Result<serde_json::Map<String, Value>, Failure> {
    let p = dir.join("config.json");
    match read_config_file(&p)? {
        None => Ok(serde_json::Map::new()),
        Some(b) => match serde_json::from_slice(&b) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(Failure::msg(format!("{}: not a JSON object", p.display()))),
            Err(e) => Err(Failure::msg(format!("{}: {e}", p.display()))),
        },
    }
}

/// The signature format from `config.json` (`signatureFormat`), default JWS.
pub fn default_signature_format(dir: &Path) -> Result<String, Failure> {
    Ok(load_config_json(dir)?
        .get("signatureFormat")
        .and_then(Value::as_str)
        .unwrap_or("jws")
        .to_string())
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
