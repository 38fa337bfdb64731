//! Registry credentials.
//!
//! Credentials come from a [`CredentialProvider`]: fixed ones (`-u/-p`), or a Docker
//! `config.json` with its `auths`, `credHelpers` and `credsStore` (helpers are the
//! `docker-credential-<name>` programs of the Docker credential-helper protocol). The file path
//! is always given by the caller: nothing here reads `$HOME`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

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
}

impl std::fmt::Debug for Credential {
    // Never print secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Self::RefreshToken(_) => write!(f, "RefreshToken(***)"),
        }
    }
}

/// Finds the credential for a registry host.
pub trait CredentialProvider: Send + Sync + std::fmt::Debug {
    /// The credential for `registry` (`host[:port]`), or `None` for anonymous access.
    fn credential(&self, registry: &str) -> Result<Option<Credential>, Error>;
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
    #[serde(default)]
    auths: BTreeMap<String, DockerAuth>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

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
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Credentials from a Docker `config.json` (`auths`, `credHelpers`, `credsStore`).
#[derive(Debug, Clone)]
pub struct DockerConfig {
    path: PathBuf,
    helper_dirs: Option<Vec<PathBuf>>,
    helper_timeout: Duration,
}

/// Largest config.json or helper output read.
const MAX_CONFIG: u64 = 4 * 1024 * 1024;

impl DockerConfig {
    /// Reads credentials from the `config.json` at `path` (a missing file means anonymous).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            helper_dirs: None,
            helper_timeout: Duration::from_secs(30),
        }
    }

    /// Looks up `docker-credential-*` helpers only in these directories (default: `PATH`).
    pub fn with_helper_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.helper_dirs = Some(dirs);
        self
    }

    /// Whether the file configures any credential (`auths`, `credHelpers` or `credsStore`).
    pub fn is_configured(&self) -> bool {
        self.read().is_ok_and(|c| {
            !c.auths.is_empty()
                || !c.cred_helpers.is_empty()
                || c.creds_store.as_ref().is_some_and(|s| !s.is_empty())
        })
    }

    fn read(&self) -> Result<DockerConfigFile, Error> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DockerConfigFile::default());
            }
            Err(e) => return Err(io(&self.path, e)),
        };
        if meta.len() > MAX_CONFIG {
            return Err(io(&self.path, "larger than 4 MiB"));
        }
        let bytes = std::fs::read(&self.path).map_err(|e| io(&self.path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Auth {
            registry: String::new(),
            reason: format!("{}: {e}", self.path.display()),
        })
    }

    fn helper(&self, name: &str, registry: &str) -> Result<Option<Credential>, Error> {
        let fail = |reason: String| Error::Auth {
            registry: registry.to_string(),
            reason: format!("credential helper docker-credential-{name}: {reason}"),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(fail("invalid helper name".into()));
        }
        let program = format!("docker-credential-{name}");
        let path = match &self.helper_dirs {
            Some(dirs) => dirs
                .iter()
                .map(|d| d.join(&program))
                .find(|p| p.is_file())
                .ok_or_else(|| fail("not found".into()))?,
            None => PathBuf::from(&program),
        };
        let mut child = Command::new(&path)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(e.to_string()))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(registry.as_bytes());
        }
        let started = std::time::Instant::now();
        loop {
            match child.try_wait().map_err(|e| fail(e.to_string()))? {
                Some(_) => break,
                None if started.elapsed() > self.helper_timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail("timed out".into()));
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
        if out.stdout.len() as u64 > MAX_CONFIG {
            return Err(fail("output too large".into()));
        }
        if !out.status.success() {
            let msg = String::from_utf8_lossy(&out.stdout).trim().to_string();
            // The protocol reports a missing entry on stdout with this message.
            if msg.contains("credentials not found") {
                return Ok(None);
            }
            return Err(fail(format!("exited with {}: {msg}", out.status)));
        }
        let h: HelperOutput =
            serde_json::from_slice(&out.stdout).map_err(|e| fail(format!("bad output: {e}")))?;
        if h.username == "<token>" {
            return Ok(Some(Credential::RefreshToken(h.secret)));
        }
        if h.username.is_empty() && h.secret.is_empty() {
            return Ok(None);
        }
        Ok(Some(Credential::Basic {
            username: h.username,
            password: h.secret,
        }))
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Docker Hub keeps its credentials under its legacy index URL.
fn config_keys(registry: &str) -> Vec<String> {
    let mut keys = vec![
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
        format!("https://{registry}/v1/"),
        format!("https://{registry}/v2/"),
    ];
    if registry == "docker.io" || registry == "registry-1.docker.io" {
        keys.push("https://index.docker.io/v1/".into());
    }
    keys
}

impl CredentialProvider for DockerConfig {
    fn credential(&self, registry: &str) -> Result<Option<Credential>, Error> {
        let cfg = self.read()?;
        if let Some(helper) = cfg.cred_helpers.get(registry) {
            return self.helper(helper, registry);
        }
        for key in config_keys(registry) {
            let Some(a) = cfg.auths.get(&key) else {
                continue;
            };
            if let Some(t) = a.identitytoken.as_ref().filter(|t| !t.is_empty()) {
                return Ok(Some(Credential::RefreshToken(t.clone())));
            }
            if let Some(enc) = a.auth.as_ref().filter(|s| !s.is_empty()) {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(enc.trim())
                    .map_err(|e| Error::Auth {
                        registry: registry.to_string(),
                        reason: format!(
                            "{}: auths.{key}.auth is not base64: {e}",
                            self.path.display()
                        ),
                    })?;
                let text = String::from_utf8(raw).map_err(|_| Error::Auth {
                    registry: registry.to_string(),
                    reason: format!("{}: auths.{key}.auth is not UTF-8", self.path.display()),
                })?;
                let (u, p) = text.split_once(':').ok_or_else(|| Error::Auth {
                    registry: registry.to_string(),
                    reason: format!(
                        "{}: auths.{key}.auth is not user:password",
                        self.path.display()
                    ),
                })?;
                return Ok(Some(Credential::Basic {
                    username: u.to_string(),
                    password: p.to_string(),
                }));
            }
            if let (Some(u), Some(p)) = (&a.username, &a.password) {
                return Ok(Some(Credential::Basic {
                    username: u.clone(),
                    password: p.clone(),
                }));
            }
        }
        if let Some(store) = cfg.creds_store.as_ref().filter(|s| !s.is_empty()) {
            return self.helper(store, registry);
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
        n = n.saturating_add(config_keys(key).len());
        if let Some(enc) = &a.auth
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
                r#"{{"auths":{{"r.example:5000":{{"auth":"{auth}"}},"https://t.example":{{"identitytoken":"rt"}}}}}}"#
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
}
