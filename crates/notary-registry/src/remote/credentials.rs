//! Registry credentials.
//!
//! Credentials come from a [`CredentialProvider`]: fixed ones (`-u/-p`), or a Docker
//! `config.json` with its `auths`, `credHelpers` and `credsStore` (helpers are the
//! `docker-credential-<name>` programs of the Docker credential-helper protocol). The file path
//! is always given by the caller: nothing here reads `$HOME`.

use std::collections::BTreeMap;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use crate::error::Error;

/// A credential for one registry.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// User name and password (Basic auth, or the basic credential sent to a token server).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token server.
    RefreshToken(String),
    /// A bearer token for the registry itself (Docker's `registrytoken`): sent as is when the
    /// registry asks for a bearer token, with no token-server request (as oras-go sends a
    /// credential's access token). A registry asking for Basic auth gets nothing.
    AccessToken(String),
}

impl std::fmt::Debug for Credential {
    // Never print secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Self::RefreshToken(_) => write!(f, "RefreshToken(***)"),
            Self::AccessToken(_) => write!(f, "AccessToken(***)"),
        }
    }
}

/// Finds the credential for a registry host.
pub trait CredentialProvider: Send + Sync + std::fmt::Debug {
    /// The credential for `registry` (`host[:port]`), or `None` for anonymous access.
    fn credential(&self, registry: &str) -> Result<Option<Credential>, Error>;

    /// The user name and password to answer `registry`'s Basic challenge with: by default
    /// [`Self::credential`] when it is [`Credential::Basic`]. A source that keeps a token beside
    /// a user name and password (a Docker `auths` entry) gives the latter here, as oras-go
    /// does for notation: the token is for bearer challenges only.
    fn basic_credential(&self, registry: &str) -> Result<Option<Credential>, Error> {
        Ok(self
            .credential(registry)?
            .filter(|c| matches!(c, Credential::Basic { .. })))
    }
}

/// No credentials: anonymous access.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anonymous;

impl CredentialProvider for Anonymous {
    fn credential(&self, _registry: &str) -> Result<Option<Credential>, Error> {
        Ok(None)
    }
}

/// One credential used for every registry (the `--username/--password` flags).
#[derive(Debug, Clone)]
pub struct StaticCredential(pub Credential);

impl CredentialProvider for StaticCredential {
    fn credential(&self, _registry: &str) -> Result<Option<Credential>, Error> {
        Ok(Some(self.0.clone()))
    }
}

#[derive(Debug, Default, Deserialize)]
struct DockerConfigFile {
    /// Each entry is decoded only when looked up ([`DockerAuth::decode`]), as oras-go does: an
    /// odd entry for another registry does not break this one.
    #[serde(default)]
    auths: BTreeMap<String, serde_json::Value>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

/// The members of an `auths` entry.
const AUTH_FIELDS: &[&str] = &[
    "auth",
    "username",
    "password",
    "identitytoken",
    "registrytoken",
];

#[derive(Debug, Default, Deserialize)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
}

impl DockerAuth {
    /// An `auths` entry with its member names matched as Go's decoder matches them (in any
    /// case: `Auth`, `IdentityToken`), as oras-go reads it for notation. `None` when it is not
    /// an object of strings (serde's message is not kept: it may quote a value).
    fn decode(value: &serde_json::Value) -> Option<Self> {
        let value = match value {
            // Go decodes `null` into an empty entry.
            serde_json::Value::Null => return Some(Self::default()),
            serde_json::Value::Object(o) => {
                serde_json::Value::Object(notary_core::json::go_fields(o.clone(), AUTH_FIELDS))
            }
            other => other.clone(),
        };
        serde_json::from_value(value).ok()
    }
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Credentials from a Docker `config.json` (`auths`, `credHelpers`, `credsStore`), read as
/// oras-go reads them for notation: a credential helper configured for the server
/// (`credHelpers`, else `credsStore`) answers alone; without one, `auths` does.
#[derive(Debug, Clone)]
pub struct DockerConfig {
    path: PathBuf,
    helper_dirs: Option<Vec<PathBuf>>,
    helper_timeout: Duration,
    fallback: Fallback,
}

/// The store asked when the file configures no credential at all.
#[derive(Debug, Clone)]
enum Fallback {
    /// None: anonymous.
    None,
    /// This helper.
    Store(String),
    /// The platform's store, looked for on first use ([`DockerConfig::detect_default_store`]).
    Detect,
}

/// Largest config.json or helper output read.
const MAX_CONFIG: u64 = 4 * 1024 * 1024;
/// Longest helper message quoted in an error, in characters.
const MAX_MESSAGE: usize = 512;
/// Bytes of a helper's stderr kept (the rest is read and dropped).
const MAX_STDERR: u64 = 64 * 1024;
/// A helper's answer when it has no credential for the server: compared whole (after
/// trimming), as the Docker CLI and oras-go compare it.
const NOT_FOUND: &str = "credentials not found in native keychain";
/// The user name of a helper entry that holds an identity (refresh) token.
const TOKEN_USERNAME: &str = "<token>";

impl DockerConfig {
    /// Reads credentials from the `config.json` at `path` (a missing file means anonymous).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            helper_dirs: None,
            helper_timeout: Duration::from_secs(30),
            fallback: Fallback::None,
        }
    }

    /// Asks the helper `docker-credential-<name>` when the file configures no credential at
    /// all (no `auths`, `credHelpers` or `credsStore`): notation's fallback to the platform's
    /// store (see [`Self::detect_default_store`]).
    #[must_use]
    pub fn with_default_store(mut self, name: impl Into<String>) -> Self {
        self.fallback = Fallback::Store(name.into());
        self
    }

    /// Like [`Self::with_default_store`] with the store [`Self::detect_default_store`] finds,
    /// looked for only when a credential is first asked for (a registry that never challenges
    /// costs no lookup). What notation does with no credential configured anywhere.
    #[must_use]
    pub fn with_detected_default_store(mut self) -> Self {
        self.fallback = Fallback::Detect;
        self
    }

    /// The platform's credential store when its helper is installed, as oras-go detects it for
    /// notation when no configuration names one: on Linux `pass` when the `pass` program is
    /// found, else `secretservice`; `osxkeychain` on macOS; `wincred` on Windows. `None` when
    /// that `docker-credential-<name>` is not in the helper directories (see
    /// [`Self::with_helper_dirs`]).
    pub fn detect_default_store(&self) -> Option<String> {
        let name = if cfg!(target_os = "macos") {
            "osxkeychain"
        } else if cfg!(windows) {
            "wincred"
        } else if self.find_program("pass").is_some() {
            "pass"
        } else {
            "secretservice"
        };
        let found = self.find_program(&format!("docker-credential-{name}"));
        tracing::debug!(
            helper = name,
            found = found.is_some(),
            "default credential store"
        );
        found.map(|_| name.to_string())
    }

    /// `program` in the helper directories, else in the absolute directories of `PATH`.
    fn find_program(&self, program: &str) -> Option<PathBuf> {
        let dirs: Vec<PathBuf> = match &self.helper_dirs {
            Some(dirs) => dirs.clone(),
            None => std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
        };
        dirs.iter()
            .filter(|d| d.is_absolute())
            .map(|d| d.join(program))
            .find(|p| is_executable_file(p))
    }

    /// Looks up `docker-credential-*` helpers only in these directories (default: the absolute
    /// directories of `PATH`).
    pub fn with_helper_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.helper_dirs = Some(dirs);
        self
    }

    /// How long one helper call may take, output included (default 30 s); past it the helper
    /// is killed and the call fails.
    #[must_use]
    pub fn with_helper_timeout(mut self, timeout: Duration) -> Self {
        self.helper_timeout = timeout;
        self
    }

    /// The key a registry's credential is kept under: Docker Hub's legacy index URL for
    /// `docker.io` and `registry-1.docker.io`, else the registry (`host[:port]`) itself. It is
    /// the `credHelpers` key, the `auths` key and what helpers are given (oras-go's
    /// `ServerAddressFromRegistry`, as notation uses it).
    pub fn server_address(registry: &str) -> &str {
        if registry == "docker.io" || registry == "registry-1.docker.io" {
            "https://index.docker.io/v1/"
        } else {
            registry
        }
    }

    /// Whether the file configures any credential (`auths`, `credHelpers` or `credsStore`).
    pub fn is_configured(&self) -> bool {
        self.read().is_ok_and(|c| configured(&c))
    }

    fn read(&self) -> Result<DockerConfigFile, Error> {
        let Some(bytes) = read_regular(&self.path, MAX_CONFIG).map_err(|e| io(&self.path, e))?
        else {
            return Ok(DockerConfigFile::default());
        };
        serde_json::from_slice(&bytes).map_err(|e| Error::Auth {
            registry: String::new(),
            reason: format!("{}: {e}", self.path.display()),
        })
    }

    /// Stores `credential` for `registry` through `docker-credential-<helper> store`.
    pub fn store_in_helper(
        &self,
        helper: &str,
        registry: &str,
        credential: &Credential,
    ) -> Result<(), Error> {
        let (username, secret) = match credential {
            Credential::Basic { username, password } => (username.as_str(), password.as_str()),
            Credential::RefreshToken(t) => (TOKEN_USERNAME, t.as_str()),
            // The helper protocol has no field for it (oras-go drops it there too): refused
            // rather than stored as something it is not.
            Credential::AccessToken(_) => {
                return Err(Error::Auth {
                    registry: registry.to_string(),
                    reason: format!(
                        "a registry token cannot be stored in the credential helper {helper:?}"
                    ),
                });
            }
        };
        let input = serde_json::json!({
            "ServerURL": Self::server_address(registry),
            "Username": username,
            "Secret": secret,
        });
        self.exchange(helper, "store", input.to_string().into_bytes())
            .map(drop)
            .map_err(|e| {
                let mut reason = e.reason();
                // A helper may echo what it was given: the secret never reaches an error.
                if !secret.is_empty() {
                    reason = reason.replace(secret, "***");
                }
                helper_error(helper, "store", registry, reason)
            })
    }

    /// Removes the credential of `registry` through `docker-credential-<helper> erase`.
    pub fn erase_from_helper(&self, helper: &str, registry: &str) -> Result<(), Error> {
        self.exchange(
            helper,
            "erase",
            Self::server_address(registry).as_bytes().to_vec(),
        )
        .map(drop)
        .map_err(|e| helper_error(helper, "erase", registry, e.reason()))
    }

    fn helper_get(&self, helper: &str, registry: &str) -> Result<Option<Credential>, Error> {
        let server = Self::server_address(registry);
        let out = match self.exchange(helper, "get", server.as_bytes().to_vec()) {
            Ok(out) => out,
            Err(HelperError::Failed { message }) if message == NOT_FOUND => return Ok(None),
            Err(e) => return Err(helper_error(helper, "get", registry, e.reason())),
        };
        // serde's message may quote a value of the answer: only where it went wrong is told.
        // Member names as Go reads them (docker-credential-helpers' struct has no JSON tags):
        // in any case.
        let h: HelperOutput =
            notary_core::json::from_slice_go(&out, &["ServerURL", "Username", "Secret"]).map_err(
                |e| {
                    helper_error(
                        helper,
                        "get",
                        registry,
                        format!(
                            "its answer is not a credential ({:?} error at line {}, column {})",
                            e.classify(),
                            e.line(),
                            e.column()
                        ),
                    )
                },
            )?;
        if h.username == TOKEN_USERNAME {
            return Ok((!h.secret.is_empty()).then_some(Credential::RefreshToken(h.secret)));
        }
        if h.username.is_empty() && h.secret.is_empty() {
            return Ok(None);
        }
        Ok(Some(Credential::Basic {
            username: h.username,
            password: h.secret,
        }))
    }

    /// The helper program: `docker-credential-<name>` in the helper directories, else in the
    /// absolute directories of `PATH`. A relative `PATH` entry (`.`, an empty one, `bin`) is
    /// skipped, as Go's `exec.LookPath` refuses such results: the working directory must not
    /// choose the program that receives credentials.
    fn helper_program(&self, name: &str) -> Result<PathBuf, HelperError> {
        if !valid_helper_name(name) {
            return Err(HelperError::Other(format!(
                "invalid helper name {:?}: names are [A-Za-z0-9._-]+",
                sanitize(name.as_bytes())
            )));
        }
        let program = format!("docker-credential-{name}");
        self.find_program(&program).ok_or_else(|| {
            HelperError::Other(format!(
                "{program} not found in the absolute directories of PATH"
            ))
        })
    }

    /// Runs `docker-credential-<name> <action>` with `input` on stdin; its stdout. The whole
    /// exchange is bounded by the timeout (a helper, or a child of it holding its pipes open,
    /// cannot hang the caller) and stdout by [`MAX_CONFIG`]; stderr is read (at most
    /// [`MAX_STDERR`] kept) so that the helper never blocks on it.
    fn exchange(&self, name: &str, action: &str, input: Vec<u8>) -> Result<Vec<u8>, HelperError> {
        let program = self.helper_program(name)?;
        let mut command = Command::new(&program);
        command
            .arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = crate::spawn_when_not_busy(&mut command)
            .map_err(|e| HelperError::Other(e.to_string()))?;
        if let Some(mut stdin) = child.stdin.take() {
            // On its own thread: a helper that does not read its input must not block us. The
            // pipe closes when the thread ends.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        let stdout = child.stdout.take().map(|r| read_capped(r, MAX_CONFIG));
        let stderr = child.stderr.take().map(|r| read_capped(r, MAX_STDERR));
        let started = Instant::now();
        let mut status = None;
        let (mut out, mut err) = (None, None);
        loop {
            if status.is_none() {
                status = child
                    .try_wait()
                    .map_err(|e| HelperError::Other(e.to_string()))?;
            }
            poll_reader(stdout.as_ref(), &mut out);
            poll_reader(stderr.as_ref(), &mut err);
            if status.is_some() && out.is_some() && err.is_some() {
                break;
            }
            if started.elapsed() >= self.helper_timeout {
                if status.is_none() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                return Err(HelperError::Other(format!(
                    "timed out after {} s",
                    self.helper_timeout.as_secs_f32()
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let (out, too_large) = out.unwrap_or_default();
        if too_large {
            return Err(HelperError::Other(format!(
                "output larger than {MAX_CONFIG} bytes"
            )));
        }
        let status = status.ok_or_else(|| HelperError::Other("not reaped".into()))?;
        if !status.success() {
            // The protocol reports errors on stdout; stderr is the fallback.
            let (err, _) = err.unwrap_or_default();
            let mut message = sanitize(&out);
            if message.is_empty() {
                message = sanitize(&err);
            }
            if message.is_empty() {
                message = format!("exited with {status}");
            }
            return Err(HelperError::Failed { message });
        }
        Ok(out)
    }
}

/// Why a helper call failed.
enum HelperError {
    /// The helper ran and failed; its (trimmed, bounded) message.
    Failed { message: String },
    /// It could not be run, or its answer could not be read.
    Other(String),
}

impl HelperError {
    fn reason(self) -> String {
        match self {
            Self::Failed { message } => format!("failed: {message}"),
            Self::Other(r) => r,
        }
    }
}

fn helper_error(helper: &str, action: &str, registry: &str, reason: String) -> Error {
    Error::Auth {
        registry: registry.to_string(),
        reason: format!(
            "credential helper docker-credential-{} {action}: {reason}",
            sanitize(helper.as_bytes())
        ),
    }
}

/// A helper name usable as the suffix of a program name: no path separator, so that
/// `config.json` can only name a `docker-credential-*` program found on `PATH`.
fn valid_helper_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A regular file (a symlink to one counts) that can be executed.
fn is_executable_file(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// Helper output fit for a message: lossy UTF-8, trimmed, control characters replaced, at
/// most [`MAX_MESSAGE`] characters.
fn sanitize(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let mut s: String = text
        .chars()
        .take(MAX_MESSAGE)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_MESSAGE {
        s.push('…');
    }
    s
}

type Capped = (Vec<u8>, bool);

/// Reads a pipe to its end on its own thread, keeping at most `cap` bytes; `true` when more
/// came. The result arrives on the channel, so the caller can wait for it with a deadline.
fn read_capped(mut r: impl Read + Send + 'static, cap: u64) -> mpsc::Receiver<Capped> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut over = false;
        let mut buf = [0u8; 16 * 1024];
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = usize::try_from(cap)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(kept.len());
                    let chunk = buf.get(..n).unwrap_or_default();
                    if chunk.len() > room {
                        over = true;
                    }
                    kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send((kept, over));
    });
    rx
}

fn poll_reader(rx: Option<&mpsc::Receiver<Capped>>, slot: &mut Option<Capped>) {
    if slot.is_some() {
        return;
    }
    match rx {
        None => *slot = Some(Capped::default()),
        Some(rx) => match rx.try_recv() {
            Ok(r) => *slot = Some(r),
            Err(mpsc::TryRecvError::Empty) => {}
            Err(mpsc::TryRecvError::Disconnected) => *slot = Some(Capped::default()),
        },
    }
}

/// Reads the file at `path` (following symbolic links) when it is a regular file of at most
/// `cap` bytes; `None` when it does not exist. Opened without blocking, so that a FIFO fails
/// instead of hanging, and checked on the open file, so that it cannot change in between.
fn read_regular(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > cap {
        return Err(format!("larger than {cap} bytes"));
    }
    let mut data = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 > cap {
        return Err(format!("larger than {cap} bytes"));
    }
    Ok(Some(data))
}

/// oras-go's `IsAuthConfigured`.
fn configured(c: &DockerConfigFile) -> bool {
    !c.auths.is_empty()
        || !c.cred_helpers.is_empty()
        || c.creds_store.as_ref().is_some_and(|s| !s.is_empty())
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// A `config.json` key reduced to its host (Docker's `ConvertToHostname`, oras-go's
/// `ToHostname`): legacy files keep keys such as `https://r.example/v1/`.
fn to_hostname(key: &str) -> &str {
    let key = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

impl DockerConfig {
    /// The credential of an `auths` entry, if it holds one.
    /// With `basic_only`, the user name and password alone (the tokens are skipped).
    fn auth_entry(
        &self,
        registry: &str,
        key: &str,
        entry: &serde_json::Value,
        basic_only: bool,
    ) -> Result<Option<Credential>, Error> {
        let a = DockerAuth::decode(entry).ok_or_else(|| Error::Auth {
            registry: registry.to_string(),
            reason: format!(
                "{}: auths.{key} is not an auth entry (an object of strings)",
                self.path.display()
            ),
        })?;
        // oras-go's order for a bearer challenge: the registry token as is, then the
        // identity (refresh) token, then the user name and password.
        if let Some(t) = a.registrytoken.filter(|t| !t.is_empty() && !basic_only) {
            return Ok(Some(Credential::AccessToken(t)));
        }
        if let Some(t) = a.identitytoken.filter(|t| !t.is_empty() && !basic_only) {
            return Ok(Some(Credential::RefreshToken(t)));
        }
        if let Some(enc) = a.auth.as_ref().filter(|s| !s.is_empty()) {
            // Neither the encoded nor the decoded value is ever quoted in an error.
            let bad = |what: &str| Error::Auth {
                registry: registry.to_string(),
                reason: format!("{}: auths.{key}.auth is {what}", self.path.display()),
            };
            let raw = base64::engine::general_purpose::STANDARD
                .decode(enc.trim())
                .map_err(|_| bad("not base64"))?;
            let text = String::from_utf8(raw).map_err(|_| bad("not UTF-8"))?;
            let (u, p) = text
                .split_once(':')
                .ok_or_else(|| bad("not base64(user:password)"))?;
            return Ok(Some(Credential::Basic {
                username: u.to_string(),
                password: p.to_string(),
            }));
        }
        // One of the two alone goes with the other empty, as oras-go sends it (a token server
        // may take a user name alone).
        let (username, password) = (
            a.username.unwrap_or_default(),
            a.password.unwrap_or_default(),
        );
        if !username.is_empty() || !password.is_empty() {
            return Ok(Some(Credential::Basic { username, password }));
        }
        Ok(None)
    }
}

impl CredentialProvider for DockerConfig {
    fn credential(&self, registry: &str) -> Result<Option<Credential>, Error> {
        self.lookup(registry, false)
    }

    fn basic_credential(&self, registry: &str) -> Result<Option<Credential>, Error> {
        Ok(self
            .lookup(registry, true)?
            .filter(|c| matches!(c, Credential::Basic { .. })))
    }
}

impl DockerConfig {
    /// The credential of `registry`; with `basic_only`, an `auths` entry's user name and
    /// password even where it also holds a token (a helper gives one credential either way).
    fn lookup(&self, registry: &str, basic_only: bool) -> Result<Option<Credential>, Error> {
        let cfg = self.read()?;
        let server = Self::server_address(registry);
        // A helper for the server, else the store for all: it alone answers (oras-go's
        // DynamicStore), so that a stale plain-text entry never overrides it. With nothing
        // configured at all, the platform's store (notation's fallback).
        let helper = cfg
            .cred_helpers
            .get(server)
            .filter(|h| !h.is_empty())
            .or(cfg.creds_store.as_ref().filter(|s| !s.is_empty()))
            .cloned()
            .or_else(|| match &self.fallback {
                _ if configured(&cfg) => None,
                Fallback::None => None,
                Fallback::Store(name) => Some(name.clone()),
                Fallback::Detect => self.detect_default_store(),
            });
        if let Some(helper) = helper {
            return self.helper_get(&helper, registry);
        }
        // The exact key, then legacy keys with a scheme or a path.
        if let Some(a) = cfg.auths.get(server)
            && let Some(c) = self.auth_entry(registry, server, a, basic_only)?
        {
            return Ok(Some(c));
        }
        for (key, a) in &cfg.auths {
            if key != server
                && (to_hostname(key) == server || to_hostname(key) == registry)
                && let Some(c) = self.auth_entry(registry, key, a, basic_only)?
            {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }
}

/// Parses a Docker `config.json` and looks up a registry in it, as the provider does, without
/// running helpers (fuzzing).
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_docker_config(data: &[u8]) -> Option<usize> {
    let cfg: DockerConfigFile = serde_json::from_slice(data).ok()?;
    let mut n = 0usize;
    for (key, a) in &cfg.auths {
        n = n.saturating_add(to_hostname(key).len());
        if let Some(a) = DockerAuth::decode(a)
            && let Some(enc) = &a.auth
            && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(enc.trim())
        {
            n = n.saturating_add(
                String::from_utf8_lossy(&raw)
                    .split_once(':')
                    .map_or(0, |(u, _)| u.len()),
            );
        }
    }
    Some(
        n.saturating_add(cfg.cred_helpers.len())
            .saturating_add(usize::from(cfg.creds_store.is_some())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &path,
            format!(
                r#"{{"auths":{{"r.example:5000":{{"auth":"{auth}"}},"https://t.example":{{"identitytoken":"rt"}},"a.example":{{"registrytoken":"at","identitytoken":"rt2","auth":"{auth}"}}}}}}"#
            ),
        )
        .unwrap();
        let c = DockerConfig::new(&path);
        assert_eq!(
            c.credential("r.example:5000").unwrap(),
            Some(Credential::Basic {
                username: "alice".into(),
                password: "s3cret".into()
            })
        );
        assert_eq!(
            c.credential("t.example").unwrap(),
            Some(Credential::RefreshToken("rt".into()))
        );
        assert_eq!(
            c.credential("a.example").unwrap(),
            Some(Credential::AccessToken("at".into()))
        );
        assert_eq!(
            format!("{:?}", c.credential("a.example").unwrap()),
            "Some(AccessToken(***))"
        );
        // A Basic challenge gets the entry's user name and password, whatever tokens it holds.
        assert_eq!(
            c.basic_credential("a.example").unwrap(),
            Some(Credential::Basic {
                username: "alice".into(),
                password: "s3cret".into()
            })
        );
        assert_eq!(c.basic_credential("t.example").unwrap(), None);
        assert_eq!(c.credential("other.example").unwrap(), None);
        assert_eq!(
            DockerConfig::new(dir.path().join("none"))
                .credential("x")
                .unwrap(),
            None
        );
        std::fs::write(&path, r#"{"auths":{"r":{"auth":"!!"}}}"#).unwrap();
        assert!(matches!(c.credential("r"), Err(Error::Auth { .. })));
    }

    #[test]
    fn a_user_name_or_password_alone_goes_with_the_other_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"auths":{"u.example":{"username":"bob"},"p.example":{"Password":"pw"},"e.example":{"username":"","password":""}}}"#,
        )
        .unwrap();
        let c = DockerConfig::new(&path);
        let basic = |u: &str, p: &str| {
            Some(Credential::Basic {
                username: u.into(),
                password: p.into(),
            })
        };
        assert_eq!(c.credential("u.example").unwrap(), basic("bob", ""));
        assert_eq!(c.credential("p.example").unwrap(), basic("", "pw"));
        assert_eq!(c.credential("e.example").unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn runs_credential_helpers() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-fake");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread host\nif [ \"$host\" = reg.example ]; then echo '{\"ServerURL\":\"reg.example\",\"Username\":\"bob\",\"Secret\":\"pw\"}'; exit 0; fi\necho 'credentials not found in native keychain'; exit 1\n",
        )
        .unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"credsStore":"fake","credHelpers":{"broken.example":"missing"}}"#,
        )
        .unwrap();
        let c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
        assert_eq!(
            c.credential("reg.example").unwrap(),
            Some(Credential::Basic {
                username: "bob".into(),
                password: "pw".into()
            })
        );
        assert_eq!(c.credential("unknown.example").unwrap(), None);
        let e = c.credential("broken.example").unwrap_err();
        assert!(e.to_string().contains("docker-credential-missing"), "{e}");
    }
    /// A helper's member names are read as Go reads them (docker-credential-helpers' struct has
    /// no JSON tags): in any case, an exact name over a case variant.
    #[cfg(unix)]
    #[test]
    fn credential_helper_member_names_match_in_any_case() {
        let dir = tempfile::tempdir().unwrap();
        helper_script(
            dir.path(),
            "lower",
            r#"read host; echo '{"serverurl":"x","username":"low","secret":"pw"}'"#,
        );
        helper_script(
            dir.path(),
            "exact",
            r#"read host; echo '{"USERNAME":"variant","Username":"exact","Secret":"pw"}'"#,
        );
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"credHelpers":{"low.example":"lower","exact.example":"exact"}}"#,
        )
        .unwrap();
        let c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
        assert_eq!(
            c.credential("low.example").unwrap(),
            Some(Credential::Basic {
                username: "low".into(),
                password: "pw".into()
            })
        );
        assert_eq!(
            c.credential("exact.example").unwrap(),
            Some(Credential::Basic {
                username: "exact".into(),
                password: "pw".into()
            })
        );
    }

    /// Writes an executable `docker-credential-<name>` shell script into `dir`.
    #[cfg(unix)]
    fn helper_script(dir: &Path, name: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(format!("docker-credential-{name}"));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_platform_store_is_detected_and_used_only_when_nothing_is_configured() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let dirs = vec![dir.path().to_path_buf()];
        let path = dir.path().join("config.json");
        let c = || DockerConfig::new(&path).with_helper_dirs(dirs.clone());
        // No helper installed: nothing detected.
        assert_eq!(c().detect_default_store(), None);
        helper_script(
            dir.path(),
            "secretservice",
            r#"read host; echo "{\"Username\":\"ss\",\"Secret\":\"pw-$host\"}""#,
        );
        assert_eq!(c().detect_default_store().as_deref(), Some("secretservice"));
        // With `pass` on the path, oras-go picks `pass`: its helper must be there too.
        let pass = dir.path().join("pass");
        std::fs::write(&pass, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(c().detect_default_store(), None);
        helper_script(
            dir.path(),
            "pass",
            r#"read host; echo "{\"Username\":\"p\",\"Secret\":\"pass-$host\"}""#,
        );
        let detected = c().detect_default_store().unwrap();
        assert_eq!(detected, "pass");
        // Used for a file that configures nothing (missing, then empty)...
        let with = || c().with_default_store(detected.clone());
        let want = Some(Credential::Basic {
            username: "p".into(),
            password: "pass-r.example".into(),
        });
        assert_eq!(with().credential("r.example").unwrap(), want);
        let detecting = c().with_detected_default_store();
        assert_eq!(detecting.credential("r.example").unwrap(), want);
        std::fs::write(&path, r#"{"auths":{}}"#).unwrap();
        assert_eq!(with().credential("r.example").unwrap(), want);
        // Not asked for: anonymous, as before.
        assert_eq!(c().credential("r.example").unwrap(), None);
        // ...never beside a configured credential, even for another registry.
        let auth = base64::engine::general_purpose::STANDARD.encode("u:p");
        std::fs::write(
            &path,
            format!(r#"{{"auths":{{"other.example":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        assert_eq!(with().credential("r.example").unwrap(), None);
        std::fs::write(&path, r#"{"credsStore":"secretservice"}"#).unwrap();
        assert_eq!(
            with().credential("r.example").unwrap(),
            Some(Credential::Basic {
                username: "ss".into(),
                password: "pw-r.example".into()
            })
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_helper_still_open_for_writing_runs_once_it_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        helper_script(
            dir.path(),
            "busy",
            r#"read host; echo '{"Username":"u","Secret":"s"}'"#,
        );
        std::fs::write(dir.path().join("config.json"), r#"{"credsStore":"busy"}"#).unwrap();
        // As a sibling thread's fork holds a just-written helper until its exec (ETXTBSY).
        let exe = dir.path().join("docker-credential-busy");
        let held = std::fs::OpenOptions::new().append(true).open(&exe).unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(held);
        });
        let got = DockerConfig::new(dir.path().join("config.json"))
            .with_helper_dirs(vec![dir.path().to_path_buf()])
            .credential("r.example");
        release.join().unwrap();
        assert_eq!(
            got.unwrap(),
            Some(Credential::Basic {
                username: "u".into(),
                password: "s".into()
            })
        );
    }

    #[cfg(unix)]
    #[test]
    fn docker_hub_is_asked_for_under_its_index_url() {
        let dir = tempfile::tempdir().unwrap();
        helper_script(
            dir.path(),
            "hub",
            r#"read host
if [ "$host" = "https://index.docker.io/v1/" ]; then echo '{"Username":"hubuser","Secret":"hubpw"}'; exit 0; fi
echo 'credentials not found in native keychain'; exit 1"#,
        );
        let path = dir.path().join("config.json");
        let want = Some(Credential::Basic {
            username: "hubuser".into(),
            password: "hubpw".into(),
        });
        for doc in [
            r#"{"credsStore":"hub"}"#,
            r#"{"credHelpers":{"https://index.docker.io/v1/":"hub"}}"#,
        ] {
            std::fs::write(&path, doc).unwrap();
            let c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
            for registry in ["docker.io", "registry-1.docker.io"] {
                assert_eq!(c.credential(registry).unwrap(), want, "{doc} {registry}");
            }
        }
        // In `auths` too.
        let auth = base64::engine::general_purpose::STANDARD.encode("hubuser:hubpw");
        std::fs::write(
            &path,
            format!(r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        assert_eq!(
            DockerConfig::new(&path).credential("docker.io").unwrap(),
            want
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_configured_helper_answers_alone() {
        let dir = tempfile::tempdir().unwrap();
        helper_script(
            dir.path(),
            "fake",
            r#"echo '{"Username":"bob","Secret":"pw"}'"#,
        );
        let path = dir.path().join("config.json");
        let stale = base64::engine::general_purpose::STANDARD.encode("stale:old");
        std::fs::write(
            &path,
            format!(r#"{{"credsStore":"fake","auths":{{"reg.example":{{"auth":"{stale}"}}}}}}"#),
        )
        .unwrap();
        let c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
        assert_eq!(
            c.credential("reg.example").unwrap(),
            Some(Credential::Basic {
                username: "bob".into(),
                password: "pw".into()
            })
        );
    }

    #[test]
    fn auths_keys_may_carry_a_scheme_or_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let c = DockerConfig::new(&path);
        let auth = base64::engine::general_purpose::STANDARD.encode("legacy:old");
        // Legacy keys, as Docker's ConvertToHostname reads them.
        for key in [
            "https://reg.example/",
            "http://reg.example/v1/",
            "reg.example/v2/",
        ] {
            std::fs::write(
                &path,
                format!(r#"{{"auths":{{"{key}":{{"auth":"{auth}"}}}}}}"#),
            )
            .unwrap();
            assert_eq!(
                c.credential("reg.example").unwrap(),
                Some(Credential::Basic {
                    username: "legacy".into(),
                    password: "old".into()
                }),
                "{key}"
            );
            assert_eq!(c.credential("other.example").unwrap(), None, "{key}");
        }
    }

    /// A config.json whose credsStore is a helper answering per host, and its provider.
    #[cfg(unix)]
    fn odd_helper() -> (tempfile::TempDir, DockerConfig) {
        let dir = tempfile::tempdir().unwrap();
        helper_script(
            dir.path(),
            "odd",
            r#"read host
case "$host" in
token.example) echo '{"Username":"<token>","Secret":"refresh"}';;
emptytoken.example) echo '{"Username":"<token>","Secret":""}';;
number.example) echo '{"Username":"u","Secret":12345678}';;
locked.example) echo 'credentials not found in native keychain: the keyring is locked'; exit 1;;
*) echo 'credentials not found in native keychain'; exit 1;;
esac"#,
        );
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credsStore":"odd"}"#).unwrap();
        let c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
        (dir, c)
    }

    #[cfg(unix)]
    #[test]
    fn a_token_answer_is_a_refresh_token_and_an_empty_one_is_none() {
        let (_dir, c) = odd_helper();
        assert_eq!(
            c.credential("token.example").unwrap(),
            Some(Credential::RefreshToken("refresh".into()))
        );
        assert_eq!(c.credential("missing.example").unwrap(), None);
        assert_eq!(c.credential("emptytoken.example").unwrap(), None);
    }

    #[cfg(unix)]
    #[test]
    fn only_the_exact_not_found_answer_means_no_credential() {
        let (_dir, c) = odd_helper();
        let e = c.credential("locked.example").unwrap_err().to_string();
        assert!(e.contains("keyring is locked"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_malformed_helper_answer_is_refused_without_quoting_it() {
        let (_dir, c) = odd_helper();
        let e = c.credential("number.example").unwrap_err().to_string();
        assert!(
            e.contains("not a credential") && !e.contains("12345678"),
            "{e}"
        );
    }

    /// Runs the helper `helper` (a script `body`) for a credential with a 2 s timeout; the
    /// error, which must come within 10 s.
    #[cfg(unix)]
    fn helper_failure(helper: &str, body: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        helper_script(dir.path(), helper, body);
        let path = dir.path().join("config.json");
        std::fs::write(&path, format!(r#"{{"credsStore":"{helper}"}}"#)).unwrap();
        let mut c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
        c.helper_timeout = Duration::from_secs(2);
        let started = std::time::Instant::now();
        let e = c.credential("reg.example").unwrap_err().to_string();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{helper}: {:?}",
            started.elapsed()
        );
        e
    }

    #[cfg(unix)]
    #[test]
    fn a_helper_or_its_child_cannot_hold_the_call_past_the_timeout() {
        // Exits at once, but a child keeps its stdout open.
        let e = helper_failure(
            "lingering",
            "sleep 20 &\necho '{\"Username\":\"u\",\"Secret\":\"p\"}'",
        );
        assert!(e.contains("timed out"), "{e}");
        let e = helper_failure("silent", "exec sleep 20");
        assert!(e.contains("timed out"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn helper_output_is_capped() {
        let e = helper_failure("chatty", "head -c 5242880 /dev/zero");
        assert!(e.contains("larger than"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn helpers_are_never_taken_from_relative_directories() {
        let dir = tempfile::tempdir().unwrap();
        helper_script(
            dir.path(),
            "fake",
            r#"echo '{"Username":"u","Secret":"p"}'"#,
        );
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credsStore":"fake"}"#).unwrap();
        // The same directory, named relative to the working directory.
        let cwd = std::env::current_dir().unwrap();
        let relative: PathBuf = std::iter::repeat_n("..", cwd.components().count())
            .collect::<PathBuf>()
            .join(dir.path().strip_prefix("/").unwrap());
        assert!(relative.join("docker-credential-fake").is_file());
        let e = DockerConfig::new(&path)
            .with_helper_dirs(vec![relative])
            .credential("reg.example")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not found"), "{e}");
        // Names with a path separator never name a program.
        for name in ["../fake", "/bin/sh", "a/b", ""] {
            std::fs::write(
                &path,
                serde_json::json!({ "credsStore": "x", "credHelpers": { "reg.example": name } })
                    .to_string(),
            )
            .unwrap();
            let c = DockerConfig::new(&path).with_helper_dirs(vec![dir.path().to_path_buf()]);
            let r = c.credential("reg.example");
            assert!(r.is_err(), "{name:?}: {r:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn store_and_erase_go_through_the_helper_and_never_quote_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        helper_script(
            dir.path(),
            "rec",
            &format!(
                r#"case "$1" in
store) cat >> {log}; echo >> {log};;
erase) cat >> {log}; echo >> {log};;
esac"#,
                log = log.display()
            ),
        );
        helper_script(
            dir.path(),
            "echoer",
            r#"echo "cannot store $(cat)"; exit 1"#,
        );
        let c = DockerConfig::new(dir.path().join("config.json"))
            .with_helper_dirs(vec![dir.path().to_path_buf()]);
        c.store_in_helper(
            "rec",
            "docker.io",
            &Credential::Basic {
                username: "u".into(),
                password: "p".into(),
            },
        )
        .unwrap();
        c.store_in_helper("rec", "r.example", &Credential::RefreshToken("t".into()))
            .unwrap();
        c.erase_from_helper("rec", "r.example").unwrap();
        let lines: Vec<String> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let first: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            first,
            serde_json::json!({"ServerURL": "https://index.docker.io/v1/", "Username": "u", "Secret": "p"})
        );
        let second: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(
            second,
            serde_json::json!({"ServerURL": "r.example", "Username": "<token>", "Secret": "t"})
        );
        assert_eq!(lines[2], "r.example");
        let e = c
            .store_in_helper(
                "echoer",
                "r.example",
                &Credential::Basic {
                    username: "u".into(),
                    password: "sup3r-s3cret".into(),
                },
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cannot store") && !e.contains("sup3r-s3cret"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_config_json_that_is_not_a_regular_file_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config.json");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(DockerConfig::new(&fifo).credential("reg.example"));
        });
        let r = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("reading a FIFO must not hang");
        let e = r.unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let big = dir.path().join("big.json");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_CONFIG + 1)
            .unwrap();
        let e = DockerConfig::new(&big)
            .credential("reg.example")
            .unwrap_err()
            .to_string();
        assert!(e.contains("larger than"), "{e}");
    }
}
