//! notation's configuration directory as a library call: where it is, its trust policies, its
//! trust store and its plugins, turned into a ready [`NotaryVerifier`] (the counterpart of
//! notation-go's `verifier.NewOCIVerifierFromConfig`); its signing keys (`signingkeys.json`),
//! its settings and credentials (`config.json`, else Docker's).
//!
//! The environment is read only by [`NotationDir::from_env`]; [`NotationDir::at`] takes explicit
//! paths, for servers that mount a configuration directory.
//!
//! ```
//! use notary::config::{KeySource, NotationDir};
//! # let tmp = tempfile::tempdir()?;
//! # std::fs::write(tmp.path().join("trustpolicy.oci.json"), br#"{"version": "1.0",
//! #   "trustPolicies": [{"name": "skip-all", "registryScopes": ["*"],
//! #   "signatureVerification": {"level": "skip"}}]}"#)?;
//! # std::fs::write(tmp.path().join("signingkeys.json"), br#"{"default": "release",
//! #   "keys": [{"name": "release", "id": "arn:aws:kms:key/1", "pluginName": "aws-kms"}]}"#)?;
//! # std::fs::write(tmp.path().join("config.json"), br#"{"signatureFormat": "cose",
//! #   "insecureRegistries": ["localhost:5000"]}"#)?;
//! let dir = NotationDir::at(tmp.path());
//! // `notation verify`'s verifier: the OCI policy, the trust store, revocation and plugins.
//! let verifier = dir.oci_verifier(notary::default_provider())?;
//!
//! // `notation sign`'s default key and envelope format.
//! let keys = dir.signing_keys()?;
//! let key = keys.get(None)?;
//! assert!(matches!(key.source()?, KeySource::Plugin { plugin: "aws-kms", .. }));
//! let settings = dir.config_json()?;
//! assert_eq!(settings.signature_format()?, notary::EnvelopeMediaType::Cose);
//!
//! // How to reach a registry: plain HTTP for `insecureRegistries`, credentials from
//! // `config.json` (or Docker's).
//! let options = dir.remote_options("localhost:5000")?;
//! assert!(options.plain_http);
//! # let _ = verifier;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod settings;
mod signing_keys;

pub use settings::NotationConfig;
pub use signing_keys::{KeyEntry, KeySource, SigningKeys};

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
    /// No configuration directory could be found. [`NotationDir::from_env`] no longer returns
    /// it: like notation, it falls back to `.notation` in the working directory.
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
    /// The trust policy of this kind does not exist. The message starts as notation's does
    /// (scripts and notation's own tests match it), then names the file looked for.
    #[error(
        "trust policy is not present. To create a trust policy, see: https://notaryproject.dev/docs/quickstart/#create-a-trust-policy ({kind} trust policy configuration {} does not exist)",
        path.display()
    )]
    NoPolicy {
        /// `OCI` or `blob`.
        kind: &'static str,
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The trust policy is invalid. The message starts with notation's words, then names
    /// the file.
    #[error("{source} ({})", path.display())]
    Policy {
        /// The file.
        path: PathBuf,
        /// Why it is invalid.
        #[source]
        source: notary_trustpolicy::Error,
    },
    /// `signingkeys.json` or `config.json` is not what notation writes.
    #[error("{}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `signingkeys.json` parses but its keys break notation's rules: a key without a name,
    /// two keys of one name, an empty default or a default that names no key. Worded as
    /// notation words it.
    #[error("malformed signingkeys.json: {reason}")]
    InvalidSigningKeys {
        /// What is wrong, in notation's words.
        reason: String,
    },
    /// No key name was given and `signingkeys.json` names no default key.
    #[error("default signing key not set. Please set default signing key or specify a key name")]
    NoDefaultKey,
    /// `signingkeys.json` has no key of this name.
    #[error("signing key {name} not found")]
    KeyNotFound {
        /// The name asked for.
        name: String,
    },
    /// A `signingkeys.json` entry cannot sign.
    #[error("signing key {name:?} {reason}")]
    InvalidKey {
        /// The key name.
        name: String,
        /// What is missing.
        reason: String,
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
    docker_config: Option<PathBuf>,
    on_warning: WarningHandler,
}

/// Where the verifiers made from a [`NotationDir`] report what they go on without (a CRL cache
/// that cannot be written or read). Not part of what a directory is: any two compare equal.
#[derive(Clone, Default)]
struct WarningHandler(Option<Arc<WarningFn>>);

/// What is called with a warning's one-line message.
type WarningFn = dyn Fn(&str) + Send + Sync;

impl PartialEq for WarningHandler {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for WarningHandler {}

impl std::fmt::Debug for WarningHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Some(..)" } else { "None" })
    }
}

impl NotationDir {
    /// The directories notation uses: `$NOTATION_CONFIG`, else `$XDG_CONFIG_HOME/notation`
    /// (when absolute), else `$HOME/.config/notation`, else `.notation` (as notation falls back); plugins in `$NOTATION_LIBEXEC/plugins`, else
    /// `<config>/plugins`; the cache in `$NOTATION_CACHE`, else `$XDG_CACHE_HOME/notation`, else
    /// `$HOME/.cache/notation`; Docker's credentials in `$DOCKER_CONFIG/config.json`, else
    /// `$HOME/.docker/config.json`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        // Go's `os.UserConfigDir` (a relative $XDG_CONFIG_HOME is an error there, a relative
        // $HOME is not); where it fails, notation uses `.notation` in the working directory.
        let user_config = match var("XDG_CONFIG_HOME") {
            Some(d) if d.is_absolute() => Some(d),
            Some(_) => None,
            None => var("HOME").map(|h| h.join(".config")),
        };
        let config = var("NOTATION_CONFIG")
            .or_else(|| user_config.map(|d| d.join("notation")))
            .unwrap_or_else(|| PathBuf::from(".notation"));
        let plugins = var("NOTATION_LIBEXEC")
            .unwrap_or_else(|| config.clone())
            .join("plugins");
        let cache = var("NOTATION_CACHE")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("notation")))
            .or_else(|| var("HOME").map(|h| h.join(".cache").join("notation")));
        let docker_config = var("DOCKER_CONFIG")
            .or_else(|| var("HOME").map(|h| h.join(".docker")))
            .map(|d| d.join("config.json"));
        Ok(Self {
            config,
            plugins,
            cache,
            docker_config,
            on_warning: WarningHandler::default(),
        })
    }

    /// A configuration directory at `config`, plugins in `<config>/plugins`, no cache and no
    /// Docker configuration.
    pub fn at(config: impl Into<PathBuf>) -> Self {
        let config = config.into();
        Self {
            plugins: config.join("plugins"),
            config,
            cache: None,
            docker_config: None,
            on_warning: WarningHandler::default(),
        }
    }

    /// Calls `handler` with a one-line message where a verifier made from this directory goes
    /// on without something it would use: a CRL cache entry that cannot be read (downloaded
    /// instead) or a CRL cache that cannot be written. Without a handler these are debug events.
    #[must_use]
    pub fn with_warning_handler(mut self, handler: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_warning = WarningHandler(Some(Arc::new(handler)));
        self
    }

    /// Falls back to the Docker `config.json` at `path` for credentials (see
    /// [`Self::credentials_file`]).
    #[must_use]
    pub fn with_docker_config(mut self, path: impl Into<PathBuf>) -> Self {
        self.docker_config = Some(path.into());
        self
    }

    /// Docker's `config.json`, if one is known.
    pub fn docker_config_path(&self) -> Option<&Path> {
        self.docker_config.as_deref()
    }

    /// `<config>/signingkeys.json`, checked (see [`SigningKeys::from_json`]); empty when the
    /// file does not exist.
    pub fn signing_keys(&self) -> Result<SigningKeys, ConfigError> {
        let path = SigningKeys::path(&self.config);
        match read_config_file(&path)? {
            None => Ok(SigningKeys::default()),
            Some(bytes) => SigningKeys::from_json(&path, &bytes),
        }
    }

    /// `<config>/config.json`; empty when the file does not exist.
    pub fn config_json(&self) -> Result<NotationConfig, ConfigError> {
        let path = self.config.join("config.json");
        match read_config_file(&path)? {
            None => Ok(NotationConfig::empty(&path)),
            Some(bytes) => NotationConfig::from_json(&path, &bytes),
        }
    }

    /// The `config.json` that holds registry credentials, as notation v1.3 chooses it:
    /// notation's when it configures any (`auths`, `credHelpers` or `credsStore`), else
    /// Docker's when it does, else notation's (where `login` then stores them).
    pub fn credentials_file(&self) -> Result<NotationConfig, ConfigError> {
        let own = self.config_json()?;
        if own.configures_credentials() {
            return Ok(own);
        }
        if let Some(path) = &self.docker_config {
            // Docker's file is not a notation configuration file: a symbolic link is fine, but
            // it must lead to a regular file of bounded size.
            let docker = match fs::metadata(path) {
                Ok(meta) => NotationConfig::from_json(path, &read_regular(path, &meta)?)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => NotationConfig::empty(path),
                Err(source) => {
                    return Err(ConfigError::Read {
                        path: path.clone(),
                        source,
                    });
                }
            };
            if docker.configures_credentials() {
                return Ok(docker);
            }
        }
        Ok(own)
    }

    /// The registry credentials of [`Self::credentials_file`]: its `auths`, or the
    /// `docker-credential-<helper>` programs its `credHelpers`/`credsStore` name; when neither
    /// file configures any, the platform's credential store if its helper is installed
    /// (`pass` or `secretservice` on Linux, as notation detects it; see
    /// [`DockerConfig::detect_default_store`](notary_registry::remote::DockerConfig::detect_default_store)).
    #[cfg(feature = "remote")]
    pub fn credentials(
        &self,
    ) -> Result<std::sync::Arc<dyn notary_registry::remote::CredentialProvider>, ConfigError> {
        let file = self.credentials_file()?;
        // The provider asks the platform's store only while the file configures nothing.
        Ok(Arc::new(
            notary_registry::remote::DockerConfig::new(file.path()).with_detected_default_store(),
        ))
    }

    /// Registry client options as notation sets them for `registry` (`host[:port]`): plain HTTP
    /// for registries listed in `insecureRegistries` and for `localhost`, and the credentials
    /// of [`Self::credentials`].
    #[cfg(feature = "remote")]
    pub fn remote_options(
        &self,
        registry: &str,
    ) -> Result<notary_registry::RemoteOptions, ConfigError> {
        let mut o = notary_registry::RemoteOptions::default();
        o.plain_http = notary_registry::remote::is_localhost(registry)
            || self.config_json()?.is_insecure_registry(registry);
        o.credentials = self.credentials()?;
        Ok(o)
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

    /// The plugins of [`Self::plugins_dir`], run as notation runs them: sharing this process's
    /// terminal when there is one ([`crate::plugin::PluginHost::with_terminal`]).
    pub fn plugin_host(&self) -> crate::plugin::PluginHost {
        crate::plugin::PluginHost::new(&self.plugins).with_terminal(crate::plugin::interactive())
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
            .with_plugins(Arc::new(self.plugin_host()));
        #[cfg(feature = "http")]
        let verifier = verifier.with_revocation(self.revocation_checker(provider));
        verifier
    }

    /// Online revocation checking as notation's `verify` and `sign` (of a TSA's chain) do it:
    /// OCSP, then CRLs, cached under `<cache>/crl`.
    #[cfg(feature = "http")]
    pub fn revocation_checker(
        &self,
        provider: CryptoProvider,
    ) -> Arc<dyn notary_revocation::RevocationChecker> {
        let mut checker = notary_revocation::Checker::new_with(
            notary_x509::X509Verifier::new(provider),
            Arc::new(notary_revocation::HttpFetcher::new()),
        );
        if let Some(cache) = &self.cache {
            let mut crl_cache = notary_revocation::CrlCache::new_with(&provider, cache.join("crl"));
            if let Some(h) = self.on_warning.0.clone() {
                crl_cache = crl_cache.with_warning_handler(move |m| h(m));
            }
            checker = checker.with_cache(crl_cache);
        }
        Arc::new(checker)
    }
}

/// Largest configuration file read (trust policies, `signingkeys.json`, `config.json`,
/// Docker's `config.json`): far above any real one, and a bound on what a stray file costs.
pub const MAX_CONFIG_FILE: u64 = 16 * 1024 * 1024;

/// Reads a configuration file: `None` when missing, an error for a symbolic link or anything
/// but a regular file (notation refuses both) or for one larger than [`MAX_CONFIG_FILE`]. What is
/// read is the file that was checked: the open file must be the one `lstat` saw.
pub fn read_config_file(path: &Path) -> Result<Option<Vec<u8>>, ConfigError> {
    let before = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        Ok(m) if m.file_type().is_symlink() => {
            return Err(ConfigError::NotARegularFile {
                path: path.to_path_buf(),
                reason: "symbolic links are not allowed for configuration files",
            });
        }
        Ok(m) => m,
    };
    read_regular(path, &before).map(Some)
}

/// Reads `path` (a symbolic link is followed), which `before` describes: a regular file of at
/// most [`MAX_CONFIG_FILE`] bytes that the open file still is.
fn read_regular(path: &Path, before: &fs::Metadata) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read as _;
    let not_regular = || ConfigError::NotARegularFile {
        path: path.to_path_buf(),
        reason: "not a regular file",
    };
    let read_err = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    // Checked before opening: opening a FIFO would block.
    if !before.is_file() {
        return Err(not_regular());
    }
    let file = fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() || !same_file(before, &meta) {
        return Err(not_regular());
    }
    let too_large = || ConfigError::Malformed {
        path: path.to_path_buf(),
        reason: format!("larger than {MAX_CONFIG_FILE} bytes"),
    };
    if meta.len() > MAX_CONFIG_FILE {
        return Err(too_large());
    }
    let mut data = Vec::new();
    file.take(MAX_CONFIG_FILE + 1)
        .read_to_end(&mut data)
        .map_err(read_err)?;
    if data.len() as u64 > MAX_CONFIG_FILE {
        return Err(too_large());
    }
    Ok(data)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

/// The first JSON value of a configuration file, as Go's `json.Decoder` reads one (what follows
/// it is not looked at); `null`, which leaves a Go struct unset, reads as an empty object.
fn first_json_value(bytes: &[u8]) -> Result<serde_json::Value, String> {
    match serde_json::Deserializer::from_slice(bytes)
        .into_iter::<serde_json::Value>()
        .next()
    {
        Some(Ok(serde_json::Value::Null)) => Ok(serde_json::Value::Object(serde_json::Map::new())),
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("empty file".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notary_core::EnvelopeMediaType;

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

    #[test]
    fn signing_keys_are_read_as_gos_decoder_reads_them() {
        // Member names in any case, the first JSON value, and null as no keys (notation).
        let tmp = tempfile::tempdir().unwrap();
        let dir = NotationDir::at(tmp.path());
        fs::write(
            tmp.path().join("signingkeys.json"),
            br#"{"Default": "a", "KEYS": [{"Name": "a", "KeyPath": "/k/a.key", "certpath": "/k/a.crt"}]} tail"#,
        )
        .unwrap();
        let keys = dir.signing_keys().unwrap();
        assert_eq!(
            keys.get(None).unwrap().source().unwrap(),
            KeySource::Local {
                key: Path::new("/k/a.key"),
                cert: Path::new("/k/a.crt")
            }
        );
        // Written back under notation's names only.
        let written = serde_json::to_value(&keys).unwrap();
        assert_eq!(written["default"], "a");
        assert!(
            written.get("Default").is_none() && written.get("KEYS").is_none(),
            "{written}"
        );
        fs::write(tmp.path().join("signingkeys.json"), b"null").unwrap();
        assert_eq!(dir.signing_keys().unwrap(), SigningKeys::default());
    }

    #[test]
    fn signing_keys_give_the_default_or_named_key_and_what_it_signs_with() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = NotationDir::at(tmp.path());
        // No file: no keys, and no default.
        assert_eq!(dir.signing_keys().unwrap(), SigningKeys::default());
        assert!(matches!(
            dir.signing_keys().unwrap().get(None),
            Err(ConfigError::NoDefaultKey)
        ));
        fs::write(
            tmp.path().join("signingkeys.json"),
            br#"{"default": "local", "keys": [
                {"name": "local", "keyPath": "/k/local.key", "certPath": "/k/local.crt"},
                {"name": "kms", "id": "key-1", "pluginName": "aws-kms", "pluginConfig": {"region": "eu"}},
                {"name": "broken", "pluginName": "aws-kms"}]}"#,
        )
        .unwrap();
        let keys = dir.signing_keys().unwrap();
        assert_eq!(
            keys.get(None).unwrap().source().unwrap(),
            KeySource::Local {
                key: Path::new("/k/local.key"),
                cert: Path::new("/k/local.crt")
            }
        );
        let KeySource::Plugin { plugin, id, config } =
            keys.get(Some("kms")).unwrap().source().unwrap()
        else {
            panic!("kms is a plugin key");
        };
        assert_eq!((plugin, id), ("aws-kms", "key-1"));
        assert_eq!(config.unwrap()["region"], "eu");
        let err = keys.get(Some("broken")).unwrap().source().unwrap_err();
        assert!(err.to_string().contains("no key id"), "{err}");
        assert!(matches!(
            keys.get(Some("missing")),
            Err(ConfigError::KeyNotFound { name }) if name == "missing"
        ));
        // Written back as notation writes it.
        let mut edited = keys.clone();
        edited.keys.push(KeyEntry::plugin(
            "other",
            "p",
            "id-2",
            std::collections::BTreeMap::new(),
        ));
        let json = serde_json::to_value(&edited).unwrap();
        assert_eq!(
            json["keys"][3],
            serde_json::json!({"name": "other", "id": "id-2", "pluginName": "p"})
        );
        assert_eq!(json["keys"][0]["keyPath"], "/k/local.key");
    }

    #[test]
    fn signing_keys_with_duplicate_names_or_an_unknown_default_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = NotationDir::at(tmp.path());
        // notation-go's words, whole.
        for (doc, words) in [
            (
                r#"{"keys": [{"name": "a", "id": "1", "pluginName": "p"}, {"name": "a", "id": "2", "pluginName": "p"}]}"#,
                "malformed signingkeys.json: multiple keys with name 'a' found",
            ),
            (
                r#"{"default": "", "keys": [{"name": "", "id": "1", "pluginName": "p"}]}"#,
                "malformed signingkeys.json: key name cannot be empty",
            ),
            (
                r#"{"default": "b", "keys": []}"#,
                "malformed signingkeys.json: default key 'b' not found",
            ),
            (
                r#"{"default": "", "keys": [{"name": "a", "id": "1", "pluginName": "p"}]}"#,
                "malformed signingkeys.json: default key name cannot be empty",
            ),
        ] {
            fs::write(tmp.path().join("signingkeys.json"), doc).unwrap();
            let err = dir.signing_keys().unwrap_err();
            assert!(
                matches!(err, ConfigError::InvalidSigningKeys { .. }),
                "{doc}: {err:?}"
            );
            assert_eq!(err.to_string(), words, "{doc}");
        }
        fs::write(tmp.path().join("signingkeys.json"), r#"{"keys": 7}"#).unwrap();
        let err = dir.signing_keys().unwrap_err();
        assert!(
            matches!(err, ConfigError::Malformed { .. })
                && err.to_string().contains("invalid type"),
            "{err}"
        );
    }

    #[test]
    fn config_json_gives_the_signature_format_and_insecure_registries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = NotationDir::at(tmp.path());
        let empty = dir.config_json().unwrap();
        assert_eq!(empty.signature_format().unwrap(), EnvelopeMediaType::Jws);
        assert!(!empty.is_insecure_registry("localhost:5000"));
        fs::write(
            tmp.path().join("config.json"),
            br#"{"signatureFormat": "cose", "insecureRegistries": ["reg.test:5000"], "other": 1}"#,
        )
        .unwrap();
        let c = dir.config_json().unwrap();
        assert_eq!(c.signature_format().unwrap(), EnvelopeMediaType::Cose);
        assert!(c.is_insecure_registry("reg.test:5000"));
        assert!(
            c.is_insecure_registry("REG.Test:5000"),
            "host names ignore case"
        );
        assert!(!c.is_insecure_registry("reg.test"));
        assert_eq!(c.as_json()["other"], 1);
        // notation reads the format in lower case, and an empty one as unset.
        for (format, want) in [
            ("COSE", EnvelopeMediaType::Cose),
            ("", EnvelopeMediaType::Jws),
        ] {
            fs::write(
                tmp.path().join("config.json"),
                format!(r#"{{"signatureFormat": "{format}"}}"#),
            )
            .unwrap();
            assert_eq!(dir.config_json().unwrap().signature_format().unwrap(), want);
        }
        // An empty credHelpers entry falls back to credsStore (oras-go).
        fs::write(
            tmp.path().join("config.json"),
            br#"{"credsStore": "fake", "credHelpers": {"a.test": "", "b.test": "other"}}"#,
        )
        .unwrap();
        let c = dir.config_json().unwrap();
        assert_eq!(c.credential_helper("a.test"), Some("fake"));
        assert_eq!(c.credential_helper("b.test"), Some("other"));
        assert_eq!(c.credential_helper("c.test"), Some("fake"));
        fs::write(
            tmp.path().join("config.json"),
            br#"{"signatureFormat": "pgp"}"#,
        )
        .unwrap();
        let err = dir.config_json().unwrap().signature_format().unwrap_err();
        assert!(err.to_string().contains("use jws or cose"), "{err}");
        fs::write(tmp.path().join("config.json"), b"[]").unwrap();
        let err = dir.config_json().unwrap_err();
        assert!(err.to_string().contains("not a JSON object"), "{err}");
        // The first JSON value is the configuration, as Go's json.Decoder reads it; the members
        // notation decodes keep their types.
        fs::write(
            tmp.path().join("config.json"),
            br#"{"insecureRegistries":["reg.test:5000"]} trailing"#,
        )
        .unwrap();
        assert!(
            dir.config_json()
                .unwrap()
                .is_insecure_registry("reg.test:5000")
        );
        fs::write(tmp.path().join("config.json"), b"null").unwrap();
        assert!(dir.config_json().unwrap().as_json().is_empty());
        // notation's own fields are matched in any case, as Go's decoder matches them; an
        // exact name wins over a case variant.
        fs::write(
            tmp.path().join("config.json"),
            br#"{"SIGNATUREFORMAT": "cose", "InsecureRegistries": ["reg.test:5000"]}"#,
        )
        .unwrap();
        let c = dir.config_json().unwrap();
        assert_eq!(c.signature_format().unwrap(), EnvelopeMediaType::Cose);
        assert!(c.is_insecure_registry("reg.test:5000"));
        fs::write(
            tmp.path().join("config.json"),
            br#"{"SignatureFormat": "cose", "signatureFormat": "jws"}"#,
        )
        .unwrap();
        let c = dir.config_json().unwrap();
        assert_eq!(c.signature_format().unwrap(), EnvelopeMediaType::Jws);
        for bad in [
            r#"{"credsStore": 5}"#,
            r#"{"insecureRegistries": "reg.test"}"#,
            r#"{"insecureRegistries": [1]}"#,
            r#"{"credHelpers": {"a": 1}}"#,
            r#"{"auths": []}"#,
            r#"{"SignatureFormat": 5}"#,
        ] {
            fs::write(tmp.path().join("config.json"), bad).unwrap();
            let err = dir.config_json().unwrap_err();
            assert!(err.to_string().contains("must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn credentials_come_from_notation_then_docker_then_nowhere() {
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("notation");
        let docker = tmp.path().join("docker.json");
        fs::create_dir_all(&config).unwrap();
        let dir = NotationDir::at(&config).with_docker_config(&docker);
        // Neither configures credentials: notation's file (where login would store them).
        assert_eq!(
            dir.credentials_file().unwrap().path(),
            config.join("config.json")
        );
        // Docker's does.
        fs::write(&docker, br#"{"auths": {"reg.test": {"auth": "dTpw"}}}"#).unwrap();
        assert_eq!(dir.credentials_file().unwrap().path(), docker);
        // notation's wins once it configures any.
        fs::write(config.join("config.json"), br#"{"credsStore": "pass"}"#).unwrap();
        let own = dir.credentials_file().unwrap();
        assert_eq!(own.path(), config.join("config.json"));
        assert_eq!(own.credential_helper("reg.test"), Some("pass"));
    }

    #[cfg(feature = "remote")]
    #[test]
    fn remote_options_use_insecure_registries_and_the_credentials_file() {
        use notary_registry::remote::Credential;
        let tmp = tempfile::tempdir().unwrap();
        fs::write(
            tmp.path().join("config.json"),
            br#"{"insecureRegistries": ["reg.test:5000"], "auths": {"reg.test:5000": {"auth": "dTpw"}}}"#,
        )
        .unwrap();
        let dir = NotationDir::at(tmp.path());
        let o = dir.remote_options("reg.test:5000").unwrap();
        assert!(o.plain_http);
        assert_eq!(
            o.credentials.credential("reg.test:5000").unwrap(),
            Some(Credential::Basic {
                username: "u".into(),
                password: "p".into()
            })
        );
        assert!(dir.remote_options("localhost:5000").unwrap().plain_http);
        let o = dir.remote_options("elsewhere.test").unwrap();
        assert!(!o.plain_http);
        assert_eq!(o.credentials.credential("elsewhere.test").unwrap(), None);
    }

    #[test]
    fn oversized_configuration_files_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = NotationDir::at(tmp.path());
        for name in ["signingkeys.json", "config.json", "trustpolicy.oci.json"] {
            fs::File::create(tmp.path().join(name))
                .unwrap()
                .set_len(MAX_CONFIG_FILE + 1)
                .unwrap();
        }
        let errs = [
            dir.signing_keys().unwrap_err(),
            dir.config_json().unwrap_err(),
            // (Only the size of what was read would be printed on failure.)
            dir.policy_bytes(PolicyKind::Oci)
                .map(|(p, b)| (p, b.len()))
                .unwrap_err(),
        ];
        for err in errs {
            assert!(err.to_string().contains("larger than"), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_docker_config_that_is_not_a_regular_file_is_refused_without_hanging() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("docker.json");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let dir = NotationDir::at(tmp.path().join("notation")).with_docker_config(&fifo);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(dir.credentials_file().map(|c| c.path().to_path_buf()));
        });
        let err = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO must not hang")
            .unwrap_err();
        assert!(matches!(err, ConfigError::NotARegularFile { .. }), "{err}");
    }

    #[test]
    fn signing_keys_keep_members_they_do_not_know_when_written_back() {
        let doc = br#"{"default": "a", "future": {"x": 1}, "keys": [
            {"name": "a", "id": "1", "pluginName": "p", "keySpec": "EC-256"}]}"#;
        let mut keys = SigningKeys::from_json(Path::new("signingkeys.json"), doc).unwrap();
        keys.keys.push(KeyEntry::local("b", "/k/b.key", "/k/b.crt"));
        keys.default = Some("b".into());
        let json = serde_json::to_value(&keys).unwrap();
        assert_eq!(json["future"], serde_json::json!({"x": 1}), "{json}");
        assert_eq!(json["keys"][0]["keySpec"], "EC-256", "{json}");
        assert_eq!(json["default"], "b");
        assert_eq!(
            json["keys"][1],
            serde_json::json!({"name": "b", "keyPath": "/k/b.key", "certPath": "/k/b.crt"})
        );
    }
}
