//! Verification plugins: notation's plugin protocol, host side. Plugins live in
//! `<dir>/<name>/notation-<name>` (usually `$XDG_CONFIG_HOME/notation/plugins`), run as separate
//! processes with a timeout and output caps, and speak JSON on stdin/stdout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use notary_plugin_api::{
    CONTRACT_VERSION, GetMetadataRequest, GetMetadataResponse, PluginError, VerifySignatureRequest,
    VerifySignatureResponse, command,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest stdout or stderr read from a plugin (notation's cap).
const MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// Finds and runs plugins.
#[derive(Debug, Clone)]
pub struct PluginHost {
    dir: PathBuf,
    timeout: Duration,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn read_capped(
    mut r: impl Read + Send + 'static,
) -> std::thread::JoinHandle<Result<Vec<u8>, String>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => {
                    if out.len() + n > MAX_OUTPUT {
                        return Err(format!("output exceeds {MAX_OUTPUT} bytes"));
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    })
}

impl PluginHost {
    /// Plugins under `dir`, each call limited to 60 s.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            timeout: Duration::from_secs(60),
        }
    }

    /// Sets the per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The executable of plugin `name`: a regular file (symlinks refused).
    pub fn executable(&self, name: &str) -> Result<PathBuf, String> {
        if !valid_name(name) {
            return Err(format!("invalid plugin name {name:?}"));
        }
        let path = self.dir.join(name).join(format!("notation-{name}"));
        let meta = std::fs::symlink_metadata(&path).map_err(|_| {
            format!(
                "plugin {name} is not installed ({} not found)",
                path.display()
            )
        })?;
        if meta.file_type().is_symlink() || !meta.is_file() {
            return Err(format!(
                "plugin executable {} must be a regular file (symlinks are not allowed)",
                path.display()
            ));
        }
        Ok(path)
    }

    fn run<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        name: &str,
        cmd: &str,
        request: &Req,
    ) -> Result<Resp, String> {
        let exe = self.executable(name)?;
        let input = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        let mut child = Command::new(&exe)
            .arg(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run plugin {name}: {e}"))?;
        let out = read_capped(child.stdout.take().ok_or("no stdout")?);
        let err = read_capped(child.stderr.take().ok_or("no stderr")?);
        if let Some(mut stdin) = child.stdin.take() {
            // A plugin that exits without reading its input is judged by its exit status.
            let _ = stdin.write_all(&input);
        }
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait().map_err(|e| e.to_string())? {
                Some(s) => break s,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "plugin {name} {cmd} timed out after {:?}",
                        self.timeout
                    ));
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        };
        let stdout = out.join().map_err(|_| "stdout reader failed")??;
        let stderr = err.join().map_err(|_| "stderr reader failed")??;
        if !status.success() {
            return Err(match serde_json::from_slice::<PluginError>(&stderr) {
                Ok(e) => format!(
                    "plugin {name} {cmd} failed with {}: {}",
                    e.error_code, e.error_message
                ),
                Err(_) if stderr.is_empty() => format!("plugin {name} {cmd} exited with {status}"),
                Err(_) => format!(
                    "plugin {name} {cmd} failed with a malformed error: {}",
                    String::from_utf8_lossy(&stderr[..stderr.len().min(200)])
                ),
            });
        }
        serde_json::from_slice(&stdout)
            .map_err(|e| format!("plugin {name} {cmd} returned malformed JSON: {e}"))
    }

    /// `get-plugin-metadata`, checked: the name matches, contract 1.0 is supported, capabilities
    /// are listed.
    pub fn metadata(&self, name: &str) -> Result<GetMetadataResponse, String> {
        let m: GetMetadataResponse = self.run(
            name,
            command::GET_PLUGIN_METADATA,
            &GetMetadataRequest::default(),
        )?;
        if m.name != name {
            return Err(format!("plugin {name} reports the name {:?}", m.name));
        }
        if !m
            .supported_contract_versions
            .iter()
            .any(|v| v == CONTRACT_VERSION)
        {
            return Err(format!(
                "plugin {name} does not support contract version {CONTRACT_VERSION}"
            ));
        }
        if m.capabilities.is_empty() {
            return Err(format!("plugin {name} lists no capabilities"));
        }
        Ok(m)
    }

    /// `verify-signature`.
    pub fn verify_signature(
        &self,
        name: &str,
        request: &VerifySignatureRequest,
    ) -> Result<VerifySignatureResponse, String> {
        self.run(name, command::VERIFY_SIGNATURE, request)
    }

    /// The plugin directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A SemVer 2.0 version, compared by precedence (build metadata ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer {
    core: (u64, u64, u64),
    pre: Vec<String>,
}

impl SemVer {
    /// Parses `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` (an optional leading `v` is accepted).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let s = s.split('+').next()?;
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, p.split('.').map(str::to_string).collect::<Vec<_>>()),
            None => (s, Vec::new()),
        };
        let num = |x: &str| {
            (!x.is_empty()
                && x.bytes().all(|b| b.is_ascii_digit())
                && (x == "0" || !x.starts_with('0')))
            .then(|| x.parse().ok())
            .flatten()
        };
        let mut it = core.split('.');
        let v = (num(it.next()?)?, num(it.next()?)?, num(it.next()?)?);
        if it.next().is_some() || pre.iter().any(String::is_empty) {
            return None;
        }
        Some(Self { core: v, pre })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Equal,
                (true, false) => Greater,
                (false, true) => Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Less,
                            (Err(_), Ok(_)) => Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if o != Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::SemVer;

    #[test]
    fn semver_precedence() {
        let v = |s| SemVer::parse(s).unwrap();
        assert!(v("1.0.0") > v("0.0.9"));
        assert!(v("1.0.0") < v("1.0.9"));
        assert!(v("1.0.0-alpha") < v("1.0.0"));
        assert!(v("1.0.0-alpha.1") < v("1.0.0-alpha.beta"));
        assert!(v("v2.1.3+build") == v("2.1.3"));
        for bad in ["1.0", "01.0.0", "1.0.0-", "x.y.z", ""] {
            assert!(SemVer::parse(bad).is_none(), "{bad}");
        }
    }
}
