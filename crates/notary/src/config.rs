//! notation's configuration directory as a library call: where it is, its trust policies, its
//! trust store and its plugins, turned into a ready [`NotaryVerifier`] (the counterpart of
//! notation-go's `verifier.NewOCIVerifierFromConfig`).
//!
//! The environment is read only by [`NotationDir::from_env`]; [`NotationDir::at`] takes explicit
//! paths, for servers that mount a configuration directory.
//!
//! ```
//! use notary::config::NotationDir;
//! # let tmp = tempfile::tempdir()?;
//! # std::fs::write(tmp.path().join("trustpolicy.oci.json"), br#"{"version": "1.0",
//! #   "trustPolicies": [{"name": "skip-all", "registryScopes": ["*"],
//! #   "signatureVerification": {"level": "skip"}}]}"#)?;
//! let dir = NotationDir::at(tmp.path());
//! let verifier = dir.oci_verifier(notary::default_provider())?;
//! # let _ = verifier;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use notary_core::crypto::CryptoProvider;
use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy};
use notary_verifier::NotaryVerifier;
use notary_verifier::truststore::DirTrustStore;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// None of `NOTATION_CONFIG`, `XDG_CONFIG_HOME` and `HOME` is set.
    #[error(
        "cannot find the configuration directory: set NOTATION_CONFIG, XDG_CONFIG_HOME or HOME"
    )]
    NoConfigDir,
    /// A configuration file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A configuration file is a symbolic link or not a regular file (notation refuses both).
    #[error("{}: {reason}", path.display())]
    NotARegularFile {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        reason: &'static str,
    },
    /// The trust policy of this kind does not exist.
    #[error(
        "{kind} trust policy configuration {} does not exist. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy",
        path.display()
    )]
    NoPolicy {
        /// `OCI` or `blob`.
        kind: &'static str,
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The trust policy is invalid.
    #[error("{}: {source}", path.display())]
    Policy {
        /// The file.
        path: PathBuf,
        /// Why it is invalid.
        #[source]
        source: notary_trustpolicy::Error,
    },
}

/// The policy documents of a configuration directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyKind {
    /// `trustpolicy.oci.json` (or the legacy `trustpolicy.json`).
    Oci,
    /// `trustpolicy.blob.json`.
    Blob,
}

impl PolicyKind {
    /// The file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Oci => "trustpolicy.oci.json",
            Self::Blob => "trustpolicy.blob.json",
        }
    }

    /// `OCI` or `blob`, as notation's messages say.
    pub fn label(self) -> &'static str {
        match self {
            Self::Oci => "OCI",
            Self::Blob => "blob",
        }
    }
}

/// A notation configuration directory (`trustpolicy.*.json`, `truststore/`, `plugins/`,
/// `signingkeys.json`, `config.json`) and notation's cache directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotationDir {
    config: PathBuf,
    plugins: PathBuf,
    cache: Option<PathBuf>,
}

impl NotationDir {
    /// The directories notation uses: `$NOTATION_CONFIG`, else `$XDG_CONFIG_HOME/notation`,
    /// else `$HOME/.config/notation`; plugins in `$NOTATION_LIBEXEC/plugins`, else
    /// `<config>/plugins`; the cache in `$NOTATION_CACHE`, else `$XDG_CACHE_HOME/notation`, else
    /// `$HOME/.cache/notation`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let config = var("NOTATION_CONFIG")
            .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("notation")))
            .or_else(|| var("HOME").map(|h| h.join(".config").join("notation")))
            .ok_or(ConfigError::NoConfigDir)?;
        let plugins = var("NOTATION_LIBEXEC")
            .unwrap_or_else(|| config.clone())
            .join("plugins");
        let cache = var("NOTATION_CACHE")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("notation")))
            .or_else(|| var("HOME").map(|h| h.join(".cache").join("notation")));
        Ok(Self {
            config,
            plugins,
            cache,
        })
    }

    /// A configuration directory at `config`, plugins in `<config>/plugins`, no cache.
    pub fn at(config: impl Into<PathBuf>) -> Self {
        let config = config.into();
        Self {
            plugins: config.join("plugins"),
            config,
            cache: None,
        }
    }

    /// Uses `dir` as the plugin directory.
    #[must_use]
    pub fn with_plugins_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugins = dir.into();
        self
    }

    /// Uses `dir` as the cache directory (the CRL cache lives in its `crl/`).
    #[must_use]
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache = Some(dir.into());
        self
    }

    /// The configuration directory.
    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// The plugin directory.
    pub fn plugins_dir(&self) -> &Path {
        &self.plugins
    }

    /// The cache directory, if one is known.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_deref()
    }

    /// The trust store root (`<config>/truststore`).
    pub fn trust_store_dir(&self) -> PathBuf {
        self.config.join("truststore")
    }

    /// The trust store, read on demand with `provider` checking its certificates.
    pub fn trust_store(&self, provider: CryptoProvider) -> DirTrustStore {
        DirTrustStore::new(provider, self.trust_store_dir())
    }

    /// Reads a configuration file the way notation does: a missing file is `None`; a symbolic
    /// link or anything but a regular file is refused.
    pub fn read_file(&self, name: &str) -> Result<Option<Vec<u8>>, ConfigError> {
        read_config_file(&self.config.join(name))
    }

    /// The path and bytes of the policy of `kind` (OCI falls back to the legacy
    /// `trustpolicy.json`, as notation does).
    pub fn policy_bytes(&self, kind: PolicyKind) -> Result<(PathBuf, Vec<u8>), ConfigError> {
        let mut candidates = vec![self.config.join(kind.file_name())];
        if kind == PolicyKind::Oci {
            candidates.push(self.config.join("trustpolicy.json"));
        }
        for p in candidates {
            if let Some(b) = read_config_file(&p)? {
                return Ok((p, b));
            }
        }
        Err(ConfigError::NoPolicy {
            kind: kind.label(),
            path: self.config.join(kind.file_name()),
        })
    }

    /// The OCI trust policy.
    pub fn oci_policy(&self) -> Result<OciTrustPolicy, ConfigError> {
        let (path, bytes) = self.policy_bytes(PolicyKind::Oci)?;
        OciTrustPolicy::from_json(&bytes).map_err(|source| ConfigError::Policy { path, source })
    }

    /// The blob trust policy.
    pub fn blob_policy(&self) -> Result<BlobTrustPolicy, ConfigError> {
        let (path, bytes) = self.policy_bytes(PolicyKind::Blob)?;
        BlobTrustPolicy::from_json(&bytes).map_err(|source| ConfigError::Policy { path, source })
    }

    /// A verifier for OCI artifacts as `notation verify` builds it: the OCI policy, the trust
    /// store, online revocation (OCSP then CRL, CRLs cached under `<cache>/crl`; offline without
    /// the `http` feature) and the plugins of the plugin directory.
    pub fn oci_verifier(&self, provider: CryptoProvider) -> Result<NotaryVerifier, ConfigError> {
        Ok(self
            .base_verifier(provider)
            .with_oci_policy(self.oci_policy()?))
    }

    /// A verifier for blobs as `notation blob verify` builds it (see [`Self::oci_verifier`]).
    pub fn blob_verifier(&self, provider: CryptoProvider) -> Result<NotaryVerifier, ConfigError> {
        Ok(self
            .base_verifier(provider)
            .with_blob_policy(self.blob_policy()?))
    }

    fn base_verifier(&self, provider: CryptoProvider) -> NotaryVerifier {
        let verifier = NotaryVerifier::new(provider, Arc::new(self.trust_store(provider)))
            .with_plugins(Arc::new(crate::plugin::PluginHost::new(&self.plugins)));
        #[cfg(feature = "http")]
        let verifier = {
            let mut checker = notary_revocation::Checker::new_with(
                notary_x509::X509Verifier::new(provider),
                Arc::new(notary_revocation::HttpFetcher::new()),
            );
            if let Some(cache) = &self.cache {
                checker = checker.with_cache(notary_revocation::CrlCache::new_with(
                    &provider,
                    cache.join("crl"),
                ));
            }
            verifier.with_revocation(Arc::new(checker))
        };
        verifier
    }
}

/// Reads a configuration file: `None` when missing, an error for a symbolic link or anything
/// but a regular file (notation refuses both).
pub fn read_config_file(path: &Path) -> Result<Option<Vec<u8>>, ConfigError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
        Ok(m) if m.file_type().is_symlink() => Err(ConfigError::NotARegularFile {
            path: path.to_path_buf(),
            reason: "symbolic links are not allowed for configuration files",
        }),
        Ok(m) if !m.is_file() => Err(ConfigError::NotARegularFile {
            path: path.to_path_buf(),
            reason: "not a regular file",
        }),
        Ok(_) => fs::read(path)
            .map(Some)
            .map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legacy_oci_policy_name_is_read_when_the_new_one_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = NotationDir::at(tmp.path());
        assert!(matches!(
            dir.policy_bytes(PolicyKind::Oci),
            Err(ConfigError::NoPolicy { kind: "OCI", .. })
        ));
        fs::write(tmp.path().join("trustpolicy.json"), b"{}").unwrap();
        let (path, bytes) = dir.policy_bytes(PolicyKind::Oci).unwrap();
        assert!(path.ends_with("trustpolicy.json"));
        assert_eq!(bytes, b"{}");
        let err = dir.oci_policy().unwrap_err();
        assert!(matches!(err, ConfigError::Policy { .. }), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_policy_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("real.json"), b"{}").unwrap();
        std::os::unix::fs::symlink(
            tmp.path().join("real.json"),
            tmp.path().join("trustpolicy.blob.json"),
        )
        .unwrap();
        let err = NotationDir::at(tmp.path())
            .policy_bytes(PolicyKind::Blob)
            .unwrap_err();
        assert!(err.to_string().contains("symbolic links"), "{err}");
    }
}
