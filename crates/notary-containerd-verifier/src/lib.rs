//! A containerd 2.x image verifier that checks Notary Project signatures at pull time.
//!
//! containerd's transfer service runs every executable of the
//! `io.containerd.image-verifier.v1.bindir` directory before it pulls an image, as
//! `<bin> -name <reference> -digest <digest> -stdin-media-type application/vnd.oci.descriptor.v1+json`
//! with the image's OCI descriptor (not its manifest) on stdin. Exit status 0 allows the pull;
//! anything else refuses it, and stdout is the reason shown to the user.
//!
//! The verifier gets none of containerd's registry settings, so it reads its own: notation's
//! configuration directory (trust policy, trust store, plugins, `config.json`'s
//! `insecureRegistries`), Docker/notation credentials, and a small JSON file or flags for the
//! rest ([`Settings`]). It then verifies the descriptor's digest — for a multi-platform image
//! that is the index, as with `notation verify` — under the policy scope `registry/repository`
//! of `-name`, and requires the signed descriptor to be the one containerd will pull.
//!
//! The binary is `notary-containerd-verifier`; this library part holds what it does, so that it
//! can be tested without containerd.
//!
//! # Installing
//!
//! containerd runs the first `max_verifiers` entries of the directory (10 by default), in name
//! order, skipping the rest with only a warning, so notary's entry should sort first; it
//! refuses every pull if an entry is not executable (a `README` there breaks all pulls). containerd passes no options, so they
//! go in [`DEFAULT_CONFIG_PATH`] (see [`ConfigFile`]) or in a wrapper script:
//!
//! ```sh
//! install -m 0755 target/release/notary-containerd-verifier /usr/local/bin/
//! mkdir -p /opt/containerd/image-verifier/bin
//! ln -s /usr/local/bin/notary-containerd-verifier /opt/containerd/image-verifier/bin/00-notary
//! cat > /etc/notary/containerd-verifier.json <<'JSON'
//! {"notationConfigDir": "/etc/notation", "timeoutSeconds": 8}
//! JSON
//! ```
//!
//! That directory and a 10 s `per_verifier_timeout` are containerd's defaults; to change them,
//! in containerd's `config.toml` (`version = 3` is read by every 2.x):
//!
//! ```toml
//! [plugins."io.containerd.image-verifier.v1.bindir"]
//!   bin_dir = "/opt/containerd/image-verifier/bin"
//!   max_verifiers = 10
//!   per_verifier_timeout = "10s"   # keep timeoutSeconds below it
//! ```
//!
//! Verifiers run only on transfer-service pulls (`ctr image pull` without `--local`; CRI pulls
//! since containerd 2.1 unless `use_local_image_pull` is set).
//!
//! # Run-time verification (`verify_on_run`)
//!
//! A proposed containerd change (containerd/containerd PR #12541, stored at commit `10836d6e`:
//! `pkg/imageverifier/bindir/bindir.go`, `pkg/imageverifier/image_verifier.go`,
//! `docs/image-verification.md`; no released containerd up to 2.4 has it) adds a bindir option
//! `verify_on_run`. With it on, containerd also runs the verifiers when CRI creates a container,
//! adding `-operation run` and announcing [`VERIFIER_INPUT_MEDIA_TYPE`], whose stdin wraps the
//! descriptor: `{"descriptor": {…}, "operation": "run", "annotations": {…}}` ([`VerifierInput`]);
//! a later revision of its documentation passes `-operation pull` and this input on pulls too.
//! Both are accepted: the nested descriptor is checked and verified exactly like a pull's, and
//! the annotations (partly set by the caller, so not trusted) are ignored.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notary::artifact::{VerifyArtifactError, VerifyArtifactRequest, verify_artifact};
use notary::config::NotationDir;
use notary_core::crypto::CryptoProvider;
use notary_core::{Descriptor, Digest};
use notary_registry::cache::BlobCache;
use notary_registry::remote::{CredentialProvider, DockerConfig};
use notary_registry::{RemoteOptions, RemoteReference, RemoteRepository};
use serde::Deserialize;

/// The stdin media type containerd announces: one OCI descriptor as JSON.
pub const DESCRIPTOR_MEDIA_TYPE: &str = "application/vnd.oci.descriptor.v1+json";

/// The stdin media type of containerd's proposed `verify_on_run` mode (see the crate docs): a
/// [`VerifierInput`] as JSON.
pub const VERIFIER_INPUT_MEDIA_TYPE: &str =
    "application/vnd.containerd.image-verifier.input.v1+json";

/// The phase containerd verifies for (`-operation`, only passed in its proposed `verify_on_run`
/// mode; without it, the call is a pull).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `pull`: before an image is pulled.
    Pull,
    /// `run`: before CRI creates a container from a pulled image.
    Run,
}

impl Operation {
    /// The name containerd passes (`pull` or `run`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Pull => "pull",
            Operation::Run => "run",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "pull" => Some(Operation::Pull),
            "run" => Some(Operation::Run),
            _ => None,
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stdin of [`VERIFIER_INPUT_MEDIA_TYPE`], as containerd's `imageverifier.VerifierInput`
/// encodes it (every field `omitempty`). Unknown fields are ignored, as Go's decoder would.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct VerifierInput {
    /// The image's OCI descriptor (what a pull sends alone).
    #[serde(default)]
    pub descriptor: Option<Descriptor>,
    /// `pull` or `run`.
    #[serde(default)]
    pub operation: Option<String>,
    /// The container's annotations (run only), partly supplied by the CRI caller. Not used.
    #[serde(default)]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// The configuration file read when neither `--config` nor
/// `$NOTARY_CONTAINERD_VERIFIER_CONFIG` names one (a missing file is no error).
pub const DEFAULT_CONFIG_PATH: &str = "/etc/notary/containerd-verifier.json";

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "NOTARY_CONTAINERD_VERIFIER_CONFIG";

/// The whole verification's time limit unless configured: below containerd's default
/// `per_verifier_timeout` of 10 s, so that a slow registry gets our one-line reason instead of
/// containerd killing the process.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);

/// Largest stdin (a descriptor is a few hundred bytes) and configuration file read.
pub const MAX_INPUT: u64 = 1024 * 1024;

/// Why the verifier could not even start verifying. Every one of these refuses the pull.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line is wrong.
    #[error("usage: {reason}")]
    Usage {
        /// What is wrong.
        reason: String,
    },
    /// A configuration file or directory cannot be used.
    #[error("configuration: {reason}")]
    Config {
        /// What is wrong, with the file's path.
        reason: String,
    },
    /// containerd's stdin is not the expected descriptor.
    #[error("stdin: {reason}")]
    Stdin {
        /// What is wrong.
        reason: String,
    },
    /// `-name` and `-digest` do not name one image.
    #[error("{reason}")]
    Image {
        /// What is wrong.
        reason: String,
    },
}

fn usage(reason: impl Into<String>) -> Error {
    Error::Usage {
        reason: reason.into(),
    }
}

fn config(reason: impl Into<String>) -> Error {
    Error::Config {
        reason: reason.into(),
    }
}

/// The command line: containerd's three flags and the verifier's own options. Flags are parsed
/// like Go's `flag` package, which is what containerd's verifiers are written against: `-name`
/// and `--name` are the same flag, and a value follows as `-name=v` or `-name v`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Args {
    /// `-name`: the image reference as the client gave it (tag, digest or both).
    pub name: Option<String>,
    /// `-digest`: the digest containerd resolved (for a multi-platform image, the index's).
    pub digest: Option<String>,
    /// `-stdin-media-type`: what stdin holds.
    pub stdin_media_type: Option<String>,
    /// `-operation`: `pull` or `run` (containerd's proposed `verify_on_run` mode only).
    pub operation: Option<Operation>,
    /// `--config FILE`: the verifier's JSON configuration ([`ConfigFile`]).
    pub config: Option<PathBuf>,
    /// `--notation-config DIR`: notation's configuration directory (default: as notation finds it).
    pub notation_config: Option<PathBuf>,
    /// `--cache-dir DIR`: notation's cache directory, for the signature and CRL caches
    /// (default: as notation finds it).
    pub cache_dir: Option<PathBuf>,
    /// `--plain-http REGISTRY` (repeatable): registries spoken to over plain HTTP.
    pub plain_http: Vec<String>,
    /// `--ca-file FILE` (repeatable): extra root certificates (PEM) for registry TLS.
    pub ca_files: Vec<PathBuf>,
    /// `--docker-config FILE`: the Docker `config.json` holding registry credentials.
    pub docker_config: Option<PathBuf>,
    /// `--timeout SECONDS`: the whole verification's time limit.
    pub timeout: Option<Duration>,
    /// `--crypto aws-lc-rs|rustcrypto`: the crypto provider.
    pub crypto: Option<String>,
    /// `--no-signature-cache`: do not cache signatures in notation's cache directory.
    pub no_signature_cache: bool,
    /// `--max-signatures N`: most signatures evaluated per image.
    pub max_signatures: Option<usize>,
    /// `-h`/`--help`.
    pub help: bool,
    /// `--version`.
    pub version: bool,
}

/// The `--help` text.
pub const HELP: &str = "\
notary-containerd-verifier: a containerd image verifier for Notary Project signatures.

containerd runs it from its io.containerd.image-verifier.v1.bindir directory as
  notary-containerd-verifier -name REF -digest DIGEST -stdin-media-type application/vnd.oci.descriptor.v1+json
with the image descriptor on stdin. Exit status 0 allows the pull; the reason is printed on stdout.
With containerd's proposed verify_on_run, it also gets -operation pull|run and stdin of type
application/vnd.containerd.image-verifier.input.v1+json; the descriptor in it is verified the same way.

Options (also settable in the JSON configuration file):
  --config FILE             configuration file (default: $NOTARY_CONTAINERD_VERIFIER_CONFIG,
                            else /etc/notary/containerd-verifier.json when it exists)
  --notation-config DIR     notation's configuration directory (default: $NOTATION_CONFIG,
                            else $XDG_CONFIG_HOME/notation, else $HOME/.config/notation)
  --cache-dir DIR           notation's cache directory (signature and CRL caches; default:
                            $NOTATION_CACHE, else $XDG_CACHE_HOME/notation, else ~/.cache/notation)
  --plain-http REGISTRY     talk plain HTTP to REGISTRY (host[:port]; repeatable)
  --ca-file FILE            extra root certificates (PEM) for registry TLS (repeatable)
  --docker-config FILE      Docker config.json with registry credentials
  --timeout SECONDS         time limit of the whole verification (default 8)
  --crypto NAME             crypto provider: aws-lc-rs (default) or rustcrypto
  --max-signatures N        most signatures evaluated (default 100)
  --no-signature-cache      do not cache fetched signatures
";

impl Args {
    /// Parses the arguments (without the program name).
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Self, Error> {
        let mut out = Args::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let Some(flag) = arg
                .strip_prefix("--")
                .or_else(|| arg.strip_prefix('-'))
                .filter(|f| !f.is_empty() && !f.starts_with('-'))
            else {
                return Err(usage(format!("unexpected argument {arg:?}")));
            };
            let (flag, inline) = match flag.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (flag, None),
            };
            let switch = |set: &mut bool| match &inline {
                None => {
                    *set = true;
                    Ok(())
                }
                Some(v) => match v.as_str() {
                    "true" | "1" => {
                        *set = true;
                        Ok(())
                    }
                    "false" | "0" => {
                        *set = false;
                        Ok(())
                    }
                    _ => Err(usage(format!("-{flag} takes no value, got {v:?}"))),
                },
            };
            match flag {
                "h" | "help" => switch(&mut out.help)?,
                "version" => switch(&mut out.version)?,
                "no-signature-cache" => switch(&mut out.no_signature_cache)?,
                _ => {
                    let value = match inline {
                        Some(v) => v,
                        None => it
                            .next()
                            .ok_or_else(|| usage(format!("flag needs an argument: -{flag}")))?,
                    };
                    match flag {
                        "name" => out.name = Some(value),
                        "digest" => out.digest = Some(value),
                        "stdin-media-type" => out.stdin_media_type = Some(value),
                        "operation" => {
                            out.operation =
                                Some(Operation::from_name(&value).ok_or_else(|| {
                                    usage(format!(
                                        "unsupported -operation {value:?} (expected pull or run)"
                                    ))
                                })?);
                        }
                        "config" => out.config = Some(value.into()),
                        "notation-config" => out.notation_config = Some(value.into()),
                        "cache-dir" => out.cache_dir = Some(value.into()),
                        "plain-http" => out.plain_http.push(value),
                        "ca-file" => out.ca_files.push(value.into()),
                        "docker-config" => out.docker_config = Some(value.into()),
                        "timeout" => out.timeout = Some(parse_seconds(&value)?),
                        "crypto" => out.crypto = Some(value),
                        "max-signatures" => {
                            out.max_signatures = Some(parse_max_signatures(&value)?);
                        }
                        _ => return Err(usage(format!("flag provided but not defined: -{flag}"))),
                    }
                }
            }
        }
        Ok(out)
    }
}

/// `8`, `7.5` or `8s`: a positive number of seconds.
fn parse_seconds(value: &str) -> Result<Duration, Error> {
    let n = value.strip_suffix('s').unwrap_or(value);
    n.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            usage(format!(
                "invalid timeout {value:?}: expected seconds, e.g. 8"
            ))
        })
}

fn parse_max_signatures(value: &str) -> Result<usize, Error> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            usage(format!(
                "invalid --max-signatures {value:?}: expected a number > 0"
            ))
        })
}

/// The JSON configuration file. Every field is optional; flags win over the file.
///
/// ```json
/// {
///   "notationConfigDir": "/etc/notation",
///   "cacheDir": "/var/cache/notation",
///   "plainHttp": ["registry.local:5000"],
///   "caFiles": ["/etc/ssl/certs/registry-ca.pem"],
///   "dockerConfig": "/root/.docker/config.json",
///   "timeoutSeconds": 8,
///   "crypto": "aws-lc-rs",
///   "maxSignatures": 100,
///   "signatureCache": true
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ConfigFile {
    /// notation's configuration directory.
    #[serde(default)]
    pub notation_config_dir: Option<PathBuf>,
    /// notation's cache directory (signature and CRL caches).
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// Registries (`host[:port]`) spoken to over plain HTTP.
    #[serde(default)]
    pub plain_http: Vec<String>,
    /// Extra root certificates (PEM files) for registry TLS.
    #[serde(default)]
    pub ca_files: Vec<PathBuf>,
    /// The Docker `config.json` with registry credentials.
    #[serde(default)]
    pub docker_config: Option<PathBuf>,
    /// The whole verification's time limit, in seconds.
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
    /// The crypto provider (`aws-lc-rs` or `rustcrypto`).
    #[serde(default)]
    pub crypto: Option<String>,
    /// Most signatures evaluated per image.
    #[serde(default)]
    pub max_signatures: Option<usize>,
    /// Whether fetched signatures are cached in notation's cache directory (default true).
    #[serde(default)]
    pub signature_cache: Option<bool>,
}

impl ConfigFile {
    /// Reads the file at `path`.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let bytes = read_capped(path)?;
        serde_json::from_slice(&bytes).map_err(|e| config(format!("{}: {e}", path.display())))
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| config(format!("{}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| config(format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(config(format!("{}: larger than 1 MiB", path.display())));
    }
    Ok(bytes)
}

/// Everything a verification needs besides the image: flags merged over the configuration file
/// and notation's configuration directory.
#[derive(Clone)]
#[non_exhaustive]
pub struct Settings {
    /// notation's configuration and cache directories.
    pub notation: NotationDir,
    /// Registries spoken to over plain HTTP (`host[:port]`, as in `-name`).
    pub plain_http: Vec<String>,
    /// Extra root certificates (PEM) for registry TLS.
    pub ca_certificates_pem: Vec<Vec<u8>>,
    /// Where registry credentials come from.
    pub credentials: Arc<dyn CredentialProvider>,
    /// The whole verification's time limit.
    pub timeout: Duration,
    /// The crypto provider.
    pub provider: CryptoProvider,
    /// The signature cache, if on.
    pub cache: Option<Arc<BlobCache>>,
    /// Most signatures evaluated per image.
    pub max_signatures: usize,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("notation", &self.notation)
            .field("plain_http", &self.plain_http)
            .field("timeout", &self.timeout)
            .field("max_signatures", &self.max_signatures)
            .finish_non_exhaustive()
    }
}

/// The configuration file `args` and the environment point at, if any: `--config`, else
/// `$NOTARY_CONTAINERD_VERIFIER_CONFIG`, else [`DEFAULT_CONFIG_PATH`] when it exists.
pub fn config_path(args: &Args) -> Option<PathBuf> {
    args.config
        .clone()
        .or_else(|| {
            std::env::var_os(CONFIG_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| Some(PathBuf::from(DEFAULT_CONFIG_PATH)).filter(|p| p.exists()))
}

impl Settings {
    /// Loads the settings: the configuration file of [`config_path`], then the flags.
    pub fn load(args: &Args) -> Result<Self, Error> {
        let file = match config_path(args) {
            Some(p) => ConfigFile::read(&p)?,
            None => ConfigFile::default(),
        };
        Self::from_parts(args, file)
    }

    /// Merges `args` over `file` (flags win; lists are joined).
    pub fn from_parts(args: &Args, file: ConfigFile) -> Result<Self, Error> {
        let from_env = NotationDir::from_env();
        let notation = match args.notation_config.clone().or(file.notation_config_dir) {
            Some(dir) => NotationDir::at(dir),
            None => from_env.as_ref().map(Clone::clone).map_err(|e| {
                config(format!(
                    "{e} (containerd's environment may have none: use --notation-config or \"notationConfigDir\")"
                ))
            })?,
        };
        // containerd run by systemd often has no HOME, hence no cache directory to find.
        let cache_dir = args.cache_dir.clone().or(file.cache_dir).or_else(|| {
            from_env
                .as_ref()
                .ok()
                .and_then(|d| d.cache_dir().map(Path::to_path_buf))
        });
        let notation = match cache_dir {
            Some(d) => notation.with_cache_dir(d),
            None => notation,
        }
        // containerd logs what the verifier writes to stderr.
        .with_warning_handler(|m| eprintln!("warning: {m}"));
        let mut plain_http = file.plain_http;
        plain_http.extend(args.plain_http.iter().cloned());
        // notation's own list of plain-HTTP registries.
        let notation_config = notation.config_json().map_err(|e| config(e.to_string()))?;
        plain_http.extend(
            notation_config
                .insecure_registries()
                .into_iter()
                .map(str::to_string),
        );
        let mut ca_certificates_pem = Vec::new();
        for f in file.ca_files.iter().chain(&args.ca_files) {
            ca_certificates_pem.push(read_capped(f)?);
        }
        let docker_config = args.docker_config.clone().or(file.docker_config);
        let credentials = match docker_config {
            Some(path) => Arc::new(DockerConfig::new(path)) as Arc<dyn CredentialProvider>,
            None => {
                // A directory given explicitly still finds Docker's file as notation would.
                let env_docker = from_env.as_ref().ok().and_then(|d| d.docker_config_path());
                let notation = match (notation.docker_config_path(), env_docker) {
                    (None, Some(p)) => notation.clone().with_docker_config(p),
                    _ => notation.clone(),
                };
                notation.credentials().map_err(|e| config(e.to_string()))?
            }
        };
        let timeout = match (args.timeout, file.timeout_seconds) {
            (Some(t), _) => t,
            (None, Some(s)) => parse_seconds(&s.to_string())?,
            (None, None) => DEFAULT_TIMEOUT,
        };
        let crypto = args
            .crypto
            .clone()
            .or(file.crypto)
            .unwrap_or_else(|| "aws-lc-rs".to_string());
        let provider = notary::provider_by_name(&crypto)
            .ok_or_else(|| usage(format!("unknown crypto provider {crypto:?}")))?;
        let cache = if args.no_signature_cache || file.signature_cache == Some(false) {
            None
        } else {
            notation.cache_dir().map(|d| {
                Arc::new(
                    BlobCache::in_notation_cache(d)
                        .with_warning_handler(|m| eprintln!("warning: {m}")),
                )
            })
        };
        let max_signatures = args
            .max_signatures
            .or(file.max_signatures)
            .unwrap_or(notary::artifact::DEFAULT_MAX_SIGNATURES);
        if max_signatures == 0 {
            return Err(config("maxSignatures must be greater than 0"));
        }
        Ok(Self {
            notation,
            plain_http,
            ca_certificates_pem,
            credentials,
            timeout,
            provider,
            cache,
            max_signatures,
        })
    }

    /// Whether `registry` (as written in the image name) is spoken to over plain HTTP: listed,
    /// or `localhost` with a port (as notation does; bare `localhost` is HTTPS).
    pub fn is_plain_http(&self, registry: &str) -> bool {
        notary_registry::remote::is_localhost(registry)
            || self.plain_http.iter().any(|r| r == registry)
    }
}

/// One image to verify: what containerd passed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Image {
    /// `-name`, parsed.
    pub reference: RemoteReference,
    /// `-digest`.
    pub digest: Digest,
    /// The descriptor from stdin, when containerd sent one.
    pub descriptor: Option<Descriptor>,
    /// `-operation` (or the stdin input's `operation`), when containerd passed one.
    pub operation: Option<Operation>,
}

impl Image {
    /// Checks containerd's arguments and stdin against each other: the name's digest (if any)
    /// and the descriptor's must be `-digest`.
    pub fn from_args(args: &Args, stdin: Option<&[u8]>) -> Result<Self, Error> {
        let name = args
            .name
            .as_deref()
            .ok_or_else(|| usage("-name is required"))?;
        let digest_arg = args
            .digest
            .as_deref()
            .ok_or_else(|| usage("-digest is required"))?;
        let reference = RemoteReference::parse(name).map_err(|e| Error::Image {
            reason: e.to_string(),
        })?;
        let digest: Digest = digest_arg.parse().map_err(|e| Error::Image {
            reason: format!("invalid -digest {digest_arg:?}: {e}"),
        })?;
        if let Some(d) = &reference.digest
            && *d != digest
        {
            return Err(Error::Image {
                reason: format!("the name's digest {d} is not the resolved digest {digest}"),
            });
        }
        let mut operation = args.operation;
        let descriptor = match (args.stdin_media_type.as_deref(), stdin) {
            (None, _) => None,
            (Some(DESCRIPTOR_MEDIA_TYPE), Some(bytes)) => {
                let d: Descriptor = serde_json::from_slice(bytes).map_err(|e| Error::Stdin {
                    reason: format!("not an OCI descriptor: {e}"),
                })?;
                Some(check_descriptor(d, &digest)?)
            }
            (Some(VERIFIER_INPUT_MEDIA_TYPE), Some(bytes)) => {
                let input: VerifierInput =
                    serde_json::from_slice(bytes).map_err(|e| Error::Stdin {
                        reason: format!("not a containerd image-verifier input: {e}"),
                    })?;
                if let Some(name) = input.operation.as_deref().filter(|n| !n.is_empty()) {
                    let op = Operation::from_name(name).ok_or_else(|| Error::Stdin {
                        reason: format!("unsupported operation {name:?} (expected pull or run)"),
                    })?;
                    if let Some(flag) = operation
                        && flag != op
                    {
                        return Err(Error::Stdin {
                            reason: format!("the input's operation {op} is not -operation {flag}"),
                        });
                    }
                    operation = Some(op);
                }
                let d = input.descriptor.ok_or_else(|| Error::Stdin {
                    reason: "the image-verifier input has no descriptor".into(),
                })?;
                Some(check_descriptor(d, &digest)?)
            }
            (Some(DESCRIPTOR_MEDIA_TYPE | VERIFIER_INPUT_MEDIA_TYPE), None) => {
                return Err(Error::Stdin {
                    reason: "no descriptor".into(),
                });
            }
            (Some(other), _) => {
                return Err(Error::Stdin {
                    reason: format!(
                        "unsupported -stdin-media-type {other:?} (expected {DESCRIPTOR_MEDIA_TYPE} or {VERIFIER_INPUT_MEDIA_TYPE})"
                    ),
                });
            }
        };
        Ok(Self {
            reference,
            digest,
            descriptor,
            operation,
        })
    }

    /// `registry/repository@digest`, the image as messages name it.
    pub fn label(&self) -> String {
        self.reference.with_digest(self.digest.clone()).to_string()
    }
}

/// The stdin descriptor must be the image of `-digest`.
fn check_descriptor(d: Descriptor, digest: &Digest) -> Result<Descriptor, Error> {
    if d.digest != *digest {
        return Err(Error::Stdin {
            reason: format!(
                "the descriptor's digest {} is not -digest {digest}",
                d.digest
            ),
        });
    }
    Ok(d)
}

/// The best name for messages before `-name` and `-digest` were checked.
pub fn label_of(args: &Args) -> String {
    // The label opens containerd's log line: a control character (or a bidirectional
    // override) in `-name` is shown escaped, never passed to a terminal.
    let label = match (&args.name, &args.digest) {
        (Some(n), Some(d)) if !n.contains('@') => {
            // Drop the tag: the digest is what is verified.
            let repo = match n.rsplit_once(':') {
                Some((r, t)) if !t.contains('/') => r,
                _ => n.as_str(),
            };
            format!("{repo}@{d}")
        }
        (Some(n), _) => n.clone(),
        (None, _) => "(no -name)".to_string(),
    };
    notary::inspect::printable(&label).into_owned()
}

/// The decision: allow (exit 0) or refuse, and the one-line reason for stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// Whether the pull may go ahead.
    pub allowed: bool,
    /// One line, starting with `notary: <image>: `.
    pub reason: String,
    /// Warnings (validations at level `log` that failed), for stderr.
    pub warnings: Vec<String>,
}

impl Verdict {
    /// A refusal of `label` for `reason`.
    pub fn deny(label: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            allowed: false,
            reason: one_line(&format!("notary: {label}: {reason}")),
            warnings: Vec::new(),
        }
    }

    fn allow(label: &str, reason: impl std::fmt::Display, warnings: Vec<String>) -> Self {
        Self {
            allowed: true,
            reason: one_line(&format!("notary: {label}: {reason}")),
            warnings,
        }
    }

    /// The process exit status containerd reads.
    pub fn exit_code(&self) -> u8 {
        if self.allowed { 0 } else { 1 }
    }
}

/// Newlines would split the reason in containerd's error; runs of whitespace are folded.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The registry host to connect to for `registry`: Docker Hub's API is not served at
/// `docker.io`, the name containerd normalises Hub images to.
pub fn connect_host(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        other => other,
    }
}

/// Verifies `image` under `settings`: the digest's signatures in the image's repository against
/// notation's trust policy for the scope `registry/repository`. Network requests are bounded by
/// `settings.timeout` each; the caller bounds the whole run (the binary has a watchdog).
pub async fn verify(image: &Image, settings: &Settings) -> Verdict {
    let label = image.label();
    let verifier = match settings.notation.oci_verifier(settings.provider) {
        // One call is one process: each named store is read once.
        Ok(v) => v.with_trust_store(Arc::new(notary::truststore::SnapshotTrustStore::new(
            Arc::new(settings.notation.trust_store(settings.provider)),
        ))),
        Err(e) => return Verdict::deny(&label, format_args!("configuration: {e}")),
    };
    let registry = &image.reference.registry;
    let mut options = RemoteOptions::default().with_cache(settings.cache.clone());
    // One retry at most: the whole run has to fit in containerd's per-verifier timeout.
    options.timeout = settings.timeout;
    options.max_retries = 1;
    options.retry_base_delay = Duration::from_millis(100);
    options.plain_http = settings.is_plain_http(registry);
    options.ca_certificates_pem = settings.ca_certificates_pem.clone();
    options.credentials = settings.credentials.clone();
    options.user_agent = concat!("notary-containerd-verifier/", env!("CARGO_PKG_VERSION")).into();
    let repo =
        match RemoteRepository::new(connect_host(registry), &image.reference.repository, options) {
            Ok(r) => r,
            Err(e) => return Verdict::deny(&label, format_args!("registry client: {e}")),
        };
    let scope = image.reference.scope();
    let digest = image.digest.to_string();
    let request = VerifyArtifactRequest::new(&digest, &scope, time::OffsetDateTime::now_utc())
        .with_max_signatures(settings.max_signatures);
    let done = match verify_artifact(&repo, &verifier, &request).await {
        Ok(d) => d,
        Err(e) => return Verdict::deny(&label, refusal(&e)),
    };
    let policy = done.outcome.policy_name().to_string();
    if done.outcome.is_skipped() {
        return Verdict::allow(
            &label,
            format_args!("trust policy {policy:?} skips signature verification"),
            Vec::new(),
        );
    }
    // The signed descriptor must be the one containerd pulls: the digest alone is checked by
    // the lookup, the media type and size only here.
    if let Some(pulled) = &image.descriptor
        && !done.artifact.content_equals(pulled)
    {
        return Verdict::deny(
            &label,
            format_args!(
                "signature verification failed: the signed descriptor ({}, {} bytes) is not the pulled one ({}, {} bytes)",
                done.artifact.media_type, done.artifact.size, pulled.media_type, pulled.size
            ),
        );
    }
    let warnings: Vec<String> = done
        .outcome
        .warnings()
        .map(|(v, r)| format!("{v} was set to \"log\" and failed with error: {r}"))
        .collect();
    let signature = done
        .signature_manifest
        .as_ref()
        .map(|d| d.digest.to_string())
        .unwrap_or_default();
    Verdict::allow(
        &label,
        format_args!(
            "verified (trust policy {policy:?}, level {}, signature {signature}{})",
            done.outcome.level().name(),
            if warnings.is_empty() {
                String::new()
            } else {
                format!("; {} warning(s): {}", warnings.len(), warnings.join("; "))
            }
        ),
        warnings,
    )
}

/// The refusal text of a failed verification, without repeating the reference.
fn refusal(e: &VerifyArtifactError) -> String {
    match e {
        VerifyArtifactError::NoSignature { .. } => {
            "signature verification failed: no signature is associated with the image".into()
        }
        VerifyArtifactError::AllFailed { failures, .. } => match failures.as_slice() {
            [one] => format!("signature verification failed: {one}"),
            many => {
                let each: Vec<String> = many
                    .iter()
                    .enumerate()
                    .map(|(i, f)| format!("signature {}: {f}", i.saturating_add(1)))
                    .collect();
                format!(
                    "signature verification failed for all {} signatures: {}",
                    many.len(),
                    each.join("; ")
                )
            }
        },
        VerifyArtifactError::Policy(p) => format!("trust policy: {p}"),
        other => format!("signature verification failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    const D: &str = "sha256:ab2025f2f0a7e1ea39c8e3b5fc9a5e6d1d2a2b7f3ab3c1c1d1e1f10111213141";

    #[test]
    fn containerds_go_style_flags_parse_like_gnu_ones() {
        let a = Args::parse(strings(&[
            "-name",
            "127.0.0.1:5000/test/app:v1",
            "-digest",
            D,
            "-stdin-media-type",
            DESCRIPTOR_MEDIA_TYPE,
            "--plain-http=127.0.0.1:5000",
            "--plain-http",
            "r.example",
            "--timeout",
            "2.5s",
            "-no-signature-cache",
        ]))
        .unwrap();
        assert_eq!(a.name.as_deref(), Some("127.0.0.1:5000/test/app:v1"));
        assert_eq!(a.digest.as_deref(), Some(D));
        assert_eq!(a.stdin_media_type.as_deref(), Some(DESCRIPTOR_MEDIA_TYPE));
        assert_eq!(a.plain_http, ["127.0.0.1:5000", "r.example"]);
        assert_eq!(a.timeout, Some(Duration::from_millis(2500)));
        assert!(a.no_signature_cache);
    }

    #[test]
    fn bad_command_lines_are_usage_errors() {
        for bad in [
            &["-name"][..],
            &["-bogus", "x"],
            &["positional"],
            &["---name", "x"],
            &["--timeout", "0"],
            &["--timeout", "soon"],
            &["--max-signatures", "0"],
            &["--help=maybe"],
        ] {
            let e = Args::parse(strings(bad)).unwrap_err();
            assert!(matches!(e, Error::Usage { .. }), "{bad:?}: {e}");
        }
    }

    fn args(name: &str, digest: &str, stdin_type: Option<&str>) -> Args {
        Args {
            name: Some(name.into()),
            digest: Some(digest.into()),
            stdin_media_type: stdin_type.map(str::to_string),
            ..Args::default()
        }
    }

    #[test]
    fn the_descriptor_and_name_must_agree_with_the_digest() {
        let stdin = format!(
            r#"{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{D}","size":401}}"#
        );
        let ok = Image::from_args(
            &args("r.example:5000/a/b:v1", D, Some(DESCRIPTOR_MEDIA_TYPE)),
            Some(stdin.as_bytes()),
        )
        .unwrap();
        assert_eq!(ok.label(), format!("r.example:5000/a/b@{D}"));
        assert_eq!(ok.reference.scope(), "r.example:5000/a/b");
        assert_eq!(ok.descriptor.as_ref().unwrap().size, 401);

        let other = D.replace("ab20", "cd20");
        let e =
            Image::from_args(&args(&format!("r.example/a@{other}"), D, None), None).unwrap_err();
        assert!(e.to_string().contains("is not the resolved digest"), "{e}");
        let e = Image::from_args(
            &args("r.example/a:v1", &other, Some(DESCRIPTOR_MEDIA_TYPE)),
            Some(stdin.as_bytes()),
        )
        .unwrap_err();
        assert!(e.to_string().contains("is not -digest"), "{e}");
        let e = Image::from_args(
            &args("r.example/a:v1", D, Some("application/json")),
            Some(stdin.as_bytes()),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("unsupported -stdin-media-type"),
            "{e}"
        );
        let e = Image::from_args(
            &args("r.example/a:v1", D, Some(DESCRIPTOR_MEDIA_TYPE)),
            Some(b"[]"),
        )
        .unwrap_err();
        assert!(matches!(e, Error::Stdin { .. }), "{e}");
        let e = Image::from_args(&args("app:v1", D, None), None).unwrap_err();
        assert!(matches!(e, Error::Image { .. }), "{e}");
    }

    #[test]
    fn containerds_operation_flag_is_accepted_and_unknown_operations_refused() {
        // Without the flag the command line is what containerd 2.0-2.4 pass.
        let a = Args::parse(strings(&["-name", "r/a:v1", "-digest", D])).unwrap();
        assert_eq!(a.operation, None);
        // verify_on_run (containerd PR #12541): `-operation run`, Go style, and `--operation=pull`.
        let a = Args::parse(strings(&[
            "-name",
            "r/a:v1",
            "-digest",
            D,
            "-stdin-media-type",
            VERIFIER_INPUT_MEDIA_TYPE,
            "-operation",
            "run",
        ]))
        .unwrap();
        assert_eq!(a.operation, Some(Operation::Run));
        assert_eq!(
            a.stdin_media_type.as_deref(),
            Some(VERIFIER_INPUT_MEDIA_TYPE)
        );
        let a = Args::parse(strings(&["--operation=pull", "-name", "r/a:v1"])).unwrap();
        assert_eq!(a.operation, Some(Operation::Pull));
        assert_eq!(a.name.as_deref(), Some("r/a:v1"));
        // An operation this verifier does not know is refused, never verified as a pull.
        for bad in [
            &["-operation", "delete"][..],
            &["--operation=Run"],
            &["-operation="],
            &["-operation"],
        ] {
            let e = Args::parse(strings(bad)).unwrap_err();
            assert!(matches!(e, Error::Usage { .. }), "{bad:?}: {e}");
        }
        let e = Args::parse(strings(&["-operation", "delete"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"usage: unsupported -operation "delete" (expected pull or run)"#
        );
    }

    /// The stdin of `verify_on_run`, as containerd's bindir.go encodes `VerifierInput`
    /// (json.Encoder: compact, trailing newline) at containerd commit 10836d6e for a run.
    fn run_input(digest: &str, operation: &str) -> String {
        format!(
            "{{\"descriptor\":{{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"{digest}\",\"size\":401}},\"operation\":\"{operation}\",\"annotations\":{{\"io.kubernetes.cri.container-name\":\"app\",\"io.kubernetes.cri.image-name\":\"r.example:5000/a/b:v1\",\"io.kubernetes.cri.sandbox-id\":\"0123abcd\",\"io.kubernetes.cri.sandbox-name\":\"pod\",\"io.kubernetes.cri.sandbox-namespace\":\"default\",\"io.kubernetes.cri.sandbox-uid\":\"00000000-0000-0000-0000-000000000000\"}}}}\n"
        )
    }

    #[test]
    fn the_verify_on_run_input_carries_the_descriptor_to_check() {
        let mut a = args("r.example:5000/a/b:v1", D, Some(VERIFIER_INPUT_MEDIA_TYPE));
        a.operation = Some(Operation::Run);
        let img = Image::from_args(&a, Some(run_input(D, "run").as_bytes())).unwrap();
        let d = img.descriptor.as_ref().unwrap();
        assert_eq!(d.digest.to_string(), D);
        assert_eq!(d.media_type, "application/vnd.oci.image.index.v1+json");
        assert_eq!(d.size, 401);
        assert_eq!(img.operation, Some(Operation::Run));
        assert_eq!(img.label(), format!("r.example:5000/a/b@{D}"));

        // The later documented pull form; and the input's operation alone is enough.
        a.operation = Some(Operation::Pull);
        let pull = format!(
            r#"{{"descriptor":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{D}","size":7}},"operation":"pull"}}"#
        );
        let img = Image::from_args(&a, Some(pull.as_bytes())).unwrap();
        assert_eq!(img.operation, Some(Operation::Pull));
        a.operation = None;
        let img = Image::from_args(&a, Some(run_input(D, "run").as_bytes())).unwrap();
        assert_eq!(img.operation, Some(Operation::Run));

        // Everything that does not name one image of one operation is refused.
        a.operation = Some(Operation::Run);
        let other = D.replace("ab20", "cd20");
        for (stdin, expect) in [
            (run_input(&other, "run"), "is not -digest"),
            (
                run_input(D, "pull"),
                "the input's operation pull is not -operation run",
            ),
            (run_input(D, "delete"), r#"unsupported operation "delete""#),
            (r#"{"operation":"run"}"#.to_string(), "has no descriptor"),
            // A bare descriptor announced as the input has no `descriptor` field.
            (
                format!(r#"{{"mediaType":"{MANIFEST}","digest":"{D}","size":7}}"#),
                "has no descriptor",
            ),
            (
                r#""run""#.to_string(),
                "not a containerd image-verifier input",
            ),
        ] {
            let e = Image::from_args(&a, Some(stdin.as_bytes())).unwrap_err();
            assert!(matches!(e, Error::Stdin { .. }), "{stdin}: {e}");
            assert!(e.to_string().contains(expect), "{stdin}: {e}");
        }
        let e = Image::from_args(&a, None).unwrap_err();
        assert!(e.to_string().contains("no descriptor"), "{e}");
    }

    const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

    #[test]
    fn labels_name_the_digest_not_the_tag() {
        assert_eq!(
            label_of(&args("127.0.0.1:5000/a/b:v1", D, None)),
            format!("127.0.0.1:5000/a/b@{D}")
        );
        assert_eq!(label_of(&args("r/a@x", D, None)), "r/a@x");
        assert_eq!(label_of(&Args::default()), "(no -name)");
        // Control characters are shown escaped, never passed on.
        assert_eq!(
            label_of(&args("r/a\u{1b}[2J", D, None)),
            format!("r/a\\u{{1b}}[2J@{D}")
        );
    }

    #[test]
    fn reasons_are_one_line_and_exit_codes_follow_the_verdict() {
        let v = Verdict::deny("r/a@sha256:x", "line one\nline two\r\n  three");
        assert_eq!(v.reason, "notary: r/a@sha256:x: line one line two three");
        assert_eq!(v.exit_code(), 1);
        assert_eq!(Verdict::allow("r", "ok", Vec::new()).exit_code(), 0);
    }

    #[test]
    fn docker_hub_names_connect_to_its_api_host() {
        assert_eq!(connect_host("docker.io"), "registry-1.docker.io");
        assert_eq!(connect_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn settings_merge_flags_over_the_file_and_read_notations_insecure_registries() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("config.json"),
            br#"{"insecureRegistries": ["from-notation:5000"]}"#,
        )
        .unwrap();
        let file: ConfigFile = serde_json::from_str(&format!(
            r#"{{"notationConfigDir": {:?}, "plainHttp": ["from-file:1"], "timeoutSeconds": 3,
                "crypto": "rustcrypto", "maxSignatures": 7, "signatureCache": false}}"#,
            tmp.path()
        ))
        .unwrap();
        let a = Args {
            plain_http: vec!["from-flag:2".into()],
            timeout: Some(Duration::from_secs(5)),
            ..Args::default()
        };
        let s = Settings::from_parts(&a, file.clone()).unwrap();
        assert_eq!(s.notation.config_dir(), tmp.path());
        assert_eq!(s.timeout, Duration::from_secs(5));
        assert_eq!(s.max_signatures, 7);
        assert!(s.cache.is_none());
        for r in [
            "from-notation:5000",
            "from-file:1",
            "from-flag:2",
            "localhost:99",
        ] {
            assert!(s.is_plain_http(r), "{r}");
        }
        assert!(!s.is_plain_http("from-file:2"));
        let s = Settings::from_parts(&Args::default(), file.clone()).unwrap();
        assert_eq!(s.timeout, Duration::from_secs(3));
        // The signature cache lives in the configured cache directory.
        let with_cache = ConfigFile {
            cache_dir: Some(tmp.path().join("cache")),
            signature_cache: None,
            ..file
        };
        let s = Settings::from_parts(&Args::default(), with_cache).unwrap();
        assert_eq!(
            s.notation.cache_dir(),
            Some(tmp.path().join("cache").as_path())
        );
        assert!(s.cache.unwrap().dir().starts_with(tmp.path().join("cache")));

        let e = serde_json::from_str::<ConfigFile>(r#"{"plainHTTP": []}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let bad = ConfigFile {
            crypto: Some("rot13".into()),
            notation_config_dir: Some(tmp.path().into()),
            ..ConfigFile::default()
        };
        let e = Settings::from_parts(&Args::default(), bad).unwrap_err();
        assert!(e.to_string().contains("unknown crypto provider"), "{e}");
    }
}
