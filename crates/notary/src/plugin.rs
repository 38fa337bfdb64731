//! notation's plugin protocol, host side. Plugins live in `<dir>/<name>/notation-<name>`
//! (usually `$XDG_CONFIG_HOME/notation/plugins`), run as separate processes with a timeout and
//! output caps, and speak JSON on stdin/stdout.
//!
//! [`PluginHost`] runs the commands; [`PluginSigner`] signs through a plugin, either with
//! `SIGNATURE_GENERATOR.RAW` (`describe-key`, then `generate-signature` for the codec's signing
//! input) or with `SIGNATURE_GENERATOR.ENVELOPE` (`generate-envelope`, the plugin builds the
//! whole envelope). Everything a plugin returns is checked before it is used.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use notary_core::{
    EnvelopeGenerator, EnvelopeMediaType, GeneratedEnvelope, KeySpec, RawSignature,
    SignatureAlgorithm, Signer,
};
use notary_plugin_api::{
    CONTRACT_VERSION, DescribeKeyRequest, DescribeKeyResponse, GenerateEnvelopeRequest,
    GenerateEnvelopeResponse, GenerateSignatureRequest, GenerateSignatureResponse,
    GetMetadataRequest, GetMetadataResponse, PAYLOAD_TYPE_NOTARY_V1, VerifySignatureRequest,
    VerifySignatureResponse, capability, command,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::plugin_json::decode_response;
use crate::plugin_json::go_base64;

/// Largest stdout or stderr read from a plugin (notation's cap).
pub const MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// Why a plugin could not be used or what it returned was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin name is not a valid directory name.
    #[error("invalid plugin name {name:?}")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// No executable at the expected path.
    #[error("plugin {name} is not installed ({path} not found)")]
    NotInstalled {
        /// Plugin name.
        name: String,
        /// Expected executable path.
        path: String,
    },
    /// The executable is a symlink or not a regular file.
    #[error("plugin executable {path} is not a regular file (symlinks are not followed)")]
    NotRegularFile {
        /// The executable path.
        path: String,
    },
    /// The process could not be started or its pipes failed.
    #[error("cannot run plugin {name} {command}: {reason}")]
    Process {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// What failed.
        reason: String,
    },
    /// The plugin ran past the host's timeout and was killed.
    #[error("plugin {name} {command} timed out after {timeout:?}")]
    Timeout {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// The timeout.
        timeout: Duration,
    },
    /// stdout or stderr exceeded [`MAX_OUTPUT`] bytes.
    #[error("plugin {name} {command} wrote more than {limit} bytes")]
    OutputTooLarge {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// The cap.
        limit: usize,
    },
    /// The plugin failed and reported an error object.
    #[error("plugin {name} {command} failed with {code}: {message}")]
    Failed {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// `errorCode` (e.g. `ACCESS_DENIED`).
        code: String,
        /// `errorMessage`.
        message: String,
    },
    /// The plugin exited non-zero without a usable error object.
    #[error("plugin {name} {command} exited with {status}{detail}")]
    ExitStatus {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// Exit status.
        status: String,
        /// Start of a malformed stderr, if any.
        detail: String,
    },
    /// stdout was not the JSON response the command defines.
    #[error("plugin {name} {command} returned a malformed response: {reason}")]
    MalformedResponse {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// Parse error.
        reason: String,
    },
    /// The response did not echo the key id that was asked for.
    #[error("plugin {name} {command} answered for key {got:?} instead of {expected:?}")]
    KeyIdMismatch {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// Requested key id.
        expected: String,
        /// Returned key id.
        got: String,
    },
    /// The response was well formed but its content was refused.
    #[error("plugin {name} {command}: {reason}")]
    InvalidResponse {
        /// Plugin name.
        name: String,
        /// Command.
        command: String,
        /// What was wrong.
        reason: String,
    },
    /// `get-plugin-metadata` was refused (name, contract version, capabilities).
    #[error("plugin {name}: {reason}")]
    InvalidMetadata {
        /// Plugin name.
        name: String,
        /// What was wrong.
        reason: String,
    },
    /// A plugin package (executable or archive) was refused: unsafe or unexpected entries,
    /// not exactly one file, a wrong executable name, or a malformed archive.
    #[error("{reason}")]
    InvalidPackage {
        /// What was wrong.
        reason: String,
    },
    /// A plugin package holds no file named `notation-<name>` marked executable, nor exactly
    /// one so named (notation's words).
    #[error("no plugin executable file was found")]
    NoExecutable,
    /// A plugin package holds more than one executable named `notation-<name>` (notation's
    /// words).
    #[error("found more than one plugin executable files")]
    SeveralExecutables,
    /// A plugin package, or its decompressed content, is not smaller than the limit (the spec
    /// wants less than 256 MiB).
    #[error("plugin content reached the {} MiB size limit", .limit / 1024 / 1024)]
    PackageTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The plugin lacks the capability an operation needs.
    #[error("plugin {name} has none of the capabilities {needed:?}")]
    MissingCapability {
        /// Plugin name.
        name: String,
        /// Capabilities that would do.
        needed: Vec<String>,
    },
}

impl From<PluginError> for notary_core::Error {
    fn from(e: PluginError) -> Self {
        notary_core::Error::SigningFailed {
            reason: e.to_string(),
        }
    }
}

/// Finds and runs plugins.
#[derive(Debug, Clone)]
pub struct PluginHost {
    dir: PathBuf,
    timeout: Duration,
    terminal: bool,
}

/// Prefix of the directories `plugin install` stages a package in, inside the plugin directory
/// (never a plugin).
pub const STAGING_PREFIX: &str = ".install-";

/// True for names usable as a plugin directory (`[A-Za-z0-9._-]+`, not `.`/`..`).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// notation-go's check of a `get-plugin-metadata` response, in its order and with its words:
/// `name`, `description`, `version` and `url` must be non-empty, `capabilities` and
/// `supportedContractVersions` must be listed, and the latter must include
/// [`CONTRACT_VERSION`].
fn validate_metadata(m: &GetMetadataResponse) -> Result<(), String> {
    let empty = [
        (m.name.is_empty(), "empty name"),
        (m.description.is_empty(), "empty description"),
        (m.version.is_empty(), "empty version"),
        (m.url.is_empty(), "empty url"),
        (m.capabilities.is_empty(), "empty capabilities"),
        (
            m.supported_contract_versions.is_empty(),
            "supported contract versions not specified",
        ),
    ];
    if let Some((_, reason)) = empty.iter().find(|(bad, _)| *bad) {
        return Err((*reason).to_string());
    }
    if !m
        .supported_contract_versions
        .iter()
        .any(|v| v == CONTRACT_VERSION)
    {
        return Err(format!(
            "contract version {CONTRACT_VERSION:?} is not in the list of the plugin supported versions [{}]",
            m.supported_contract_versions.join(" ")
        ));
    }
    Ok(())
}

enum ReadError {
    TooLarge,
    Io(String),
    /// The reader thread ended without a result (it panicked).
    Lost,
}

type ReadResult = Result<Vec<u8>, ReadError>;

/// Reads a plugin pipe on its own thread, at most [`MAX_OUTPUT`] bytes. The result arrives on
/// the returned channel, so the host can wait for it with a deadline: a grandchild holding the
/// pipe open must not make the host wait forever.
fn read_capped(mut r: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<ReadResult> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 65536];
        let result = loop {
            match r.read(&mut buf) {
                Ok(0) => break Ok(out),
                Ok(n) => {
                    let Some(chunk) = buf.get(..n) else {
                        break Err(ReadError::Io("read past the buffer".into()));
                    };
                    if out.len().saturating_add(n) > MAX_OUTPUT {
                        break Err(ReadError::TooLarge);
                    }
                    out.extend_from_slice(chunk);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(ReadError::Io(e.to_string())),
            }
        };
        // The host may have given up already; nobody to tell then.
        let _ = tx.send(result);
    });
    rx
}

/// Whether this process runs at a terminal (its stdin or stderr is one): where a CLI lets its
/// plugins share it ([`PluginHost::with_terminal`]).
pub fn interactive() -> bool {
    use std::io::IsTerminal as _;
    std::io::stdin().is_terminal() || std::io::stderr().is_terminal()
}

/// Takes a reader's result if it has arrived (`slot` keeps it).
fn poll_reader(rx: &std::sync::mpsc::Receiver<ReadResult>, slot: &mut Option<ReadResult>) {
    if slot.is_none() {
        match rx.try_recv() {
            Ok(r) => *slot = Some(r),
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => *slot = Some(Err(ReadError::Lost)),
        }
    }
}

/// Kills the plugin's process group (the plugin was started as its leader, so this reaches the
/// processes it forked too), then the plugin itself in case it is not in the group, and reaps it.
fn kill_plugin(child: &mut std::process::Child, reaped: bool) {
    kill_group(child.id());
    if !reaped {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The process groups of the plugins running now (their leaders' pids), started in groups of
/// their own, for [`kill_running_plugins`].
static RUNNING: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// A plugin's entry in [`RUNNING`] while its host waits for it.
struct Running(u32);

impl Running {
    fn register(leader: u32) -> Self {
        RUNNING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(leader);
        Self(leader)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|p| *p != self.0);
    }
}

/// Kills the process group of every plugin this process runs now. For a process about to exit
/// on a deadline of its own (the containerd verifier's watchdog), whose plugins would otherwise
/// outlive it; plugins sharing the terminal ([`PluginHost::with_terminal`]) are in the
/// caller's group and not reached.
pub fn kill_running_plugins() {
    for leader in RUNNING.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        kill_group(*leader);
    }
}

/// SIGKILL to the process group `leader` leads. While the plugin is not reaped its pid cannot
/// be reused; after that, the group id stays reserved as long as any member is alive. ESRCH
/// (nobody left in the group) is the expected outcome when all have exited.
#[cfg(unix)]
fn kill_group(leader: u32) {
    if let Some(pgid) = i32::try_from(leader)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_leader: u32) {}

impl PluginHost {
    /// Plugins under `dir`, each call limited to 60 s.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            timeout: Duration::from_secs(60),
            terminal: false,
        }
    }

    /// Lets plugins share the caller's terminal: they run in the caller's process group, so a
    /// plugin can ask for a PIN or a touch on `/dev/tty` (a background group is stopped by
    /// SIGTTIN) and Ctrl-C reaches it too, as for notation's plugins. The price: a timeout then
    /// kills the plugin alone, not what it forked. Off by default (each call in its own process
    /// group, killed whole); [`interactive`] tells whether a person is at a terminal.
    pub fn with_terminal(mut self, terminal: bool) -> Self {
        self.terminal = terminal;
        self
    }

    /// Sets the per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The executable of plugin `name`: a regular file (symlinks refused).
    pub fn executable(&self, name: &str) -> Result<PathBuf, PluginError> {
        if !valid_name(name) {
            return Err(PluginError::InvalidName {
                name: name.to_string(),
            });
        }
        let path = self.dir.join(name).join(format!("notation-{name}"));
        let meta = std::fs::symlink_metadata(&path).map_err(|_| PluginError::NotInstalled {
            name: name.to_string(),
            path: path.display().to_string(),
        })?;
        if meta.file_type().is_symlink() || !meta.is_file() {
            return Err(PluginError::NotRegularFile {
                path: path.display().to_string(),
            });
        }
        Ok(path)
    }

    /// The names of the plugin directories (sorted; symlinked directories skipped).
    pub fn list(&self) -> Result<Vec<String>, PluginError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(PluginError::Process {
                    name: String::new(),
                    command: "list".into(),
                    reason: format!("{}: {e}", self.dir.display()),
                });
            }
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            // An install interrupted by a signal may leave its staging directory behind.
            .filter(|n| valid_name(n) && !n.starts_with(STAGING_PREFIX))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Runs `command` of plugin `name` with `request` on stdin and decodes its response.
    pub fn run<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        name: &str,
        cmd: &str,
        request: &Req,
    ) -> Result<Resp, PluginError> {
        let exe = self.executable(name)?;
        self.run_executable(&exe, name, cmd, request)
    }

    /// Like [`PluginHost::run`], for an executable outside the plugin directory (used to
    /// query a plugin before it is installed).
    pub fn run_executable<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        exe: &Path,
        name: &str,
        cmd: &str,
        request: &Req,
    ) -> Result<Resp, PluginError> {
        let started = Instant::now();
        let result = self.exchange(exe, name, cmd, request);
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // Name, command, duration and how it ended; never the request, whose pluginConfig may
        // hold secrets, nor the response.
        match &result {
            Ok(_) => tracing::debug!(
                plugin = name,
                command = cmd,
                duration_ms,
                exit = "success",
                "plugin run"
            ),
            Err(e) => tracing::debug!(
                plugin = name,
                command = cmd,
                duration_ms,
                error = %e,
                "plugin run failed"
            ),
        }
        result
    }

    fn exchange<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        exe: &Path,
        name: &str,
        cmd: &str,
        request: &Req,
    ) -> Result<Resp, PluginError> {
        let process = |reason: String| PluginError::Process {
            name: name.to_string(),
            command: cmd.to_string(),
            reason,
        };
        let input = serde_json::to_vec(request).map_err(|e| process(e.to_string()))?;
        // The deadline covers the whole exchange: writing the request, the run, and reading
        // every byte of output.
        let deadline = Instant::now().checked_add(self.timeout);
        let past_deadline = || deadline.is_some_and(|d| Instant::now() >= d);
        let mut command = Command::new(exe);
        command
            .arg(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so a timeout kills whatever the plugin forked as well, unless
        // the plugin may use the caller's terminal (`with_terminal`).
        #[cfg(unix)]
        if !self.terminal {
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
        }
        let mut child = notary_registry::spawn_when_not_busy(&mut command)
            .map_err(|e| process(e.to_string()))?;
        let _running = (!self.terminal).then(|| Running::register(child.id()));
        let (Some(stdout), Some(stderr), Some(mut stdin)) =
            (child.stdout.take(), child.stderr.take(), child.stdin.take())
        else {
            kill_plugin(&mut child, false);
            return Err(process("no stdin/stdout/stderr pipe".into()));
        };
        let out = read_capped(stdout);
        let err = read_capped(stderr);
        // Written on a thread: a plugin that never reads a request larger than the pipe buffer
        // must not block the host past the deadline. A plugin that exits without reading its
        // input is judged by its exit status, so write errors are ignored.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let timeout = || PluginError::Timeout {
            name: name.to_string(),
            command: cmd.to_string(),
            timeout: self.timeout,
        };
        let too_large = || PluginError::OutputTooLarge {
            name: name.to_string(),
            command: cmd.to_string(),
            limit: MAX_OUTPUT,
        };
        let mut status = None;
        let mut stdout = None;
        let mut stderr = None;
        let (status, stdout, stderr) = loop {
            poll_reader(&out, &mut stdout);
            poll_reader(&err, &mut stderr);
            if matches!(stdout, Some(Err(ReadError::TooLarge)))
                || matches!(stderr, Some(Err(ReadError::TooLarge)))
            {
                kill_plugin(&mut child, status.is_some());
                return Err(too_large());
            }
            if status.is_none() {
                match child.try_wait() {
                    Ok(s) => status = s,
                    Err(e) => {
                        kill_plugin(&mut child, false);
                        return Err(process(e.to_string()));
                    }
                }
            }
            match (status, stdout.take(), stderr.take()) {
                (Some(s), Some(o), Some(e)) => break (s, o, e),
                (_, o, e) => {
                    stdout = o;
                    stderr = e;
                }
            }
            if past_deadline() {
                // Either the plugin still runs, or it exited and something it forked still
                // holds its output open: both are out of time, and both are killed.
                kill_plugin(&mut child, status.is_some());
                return Err(timeout());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let collect = |r: ReadResult| match r {
            Ok(v) => Ok(v),
            Err(ReadError::TooLarge) => Err(too_large()),
            Err(ReadError::Io(e)) => Err(process(e)),
            Err(ReadError::Lost) => Err(process("output reader failed".into())),
        };
        let stdout = collect(stdout)?;
        let stderr = collect(stderr)?;
        if !status.success() {
            return Err(
                match decode_response::<notary_plugin_api::PluginError>(&stderr) {
                    Ok(e) if !e.error_code.is_empty() || !e.error_message.is_empty() => {
                        PluginError::Failed {
                            name: name.to_string(),
                            command: cmd.to_string(),
                            code: e.error_code,
                            message: e.error_message,
                        }
                    }
                    _ => PluginError::ExitStatus {
                        name: name.to_string(),
                        command: cmd.to_string(),
                        status: status.to_string(),
                        detail: if stderr.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " and a malformed error: {}",
                                String::from_utf8_lossy(stderr.get(..200).unwrap_or(&stderr))
                            )
                        },
                    },
                },
            );
        }
        decode_response(&stdout).map_err(|e| PluginError::MalformedResponse {
            name: name.to_string(),
            command: cmd.to_string(),
            // serde may quote a value of the response, which can be megabytes long.
            reason: notary_core::shown(&e.to_string()),
        })
    }

    /// `get-plugin-metadata` with no `pluginConfig` (as `notation plugin list` and `install`
    /// ask), checked as notation-go checks it (`name`, `description`, `version` and `url`
    /// non-empty, capabilities listed, contract 1.0 supported) and for its name.
    pub fn metadata(&self, name: &str) -> Result<GetMetadataResponse, PluginError> {
        self.metadata_with_config(name, &BTreeMap::new())
    }

    /// `get-plugin-metadata` with `config` as its `pluginConfig` (none when empty), checked like
    /// [`PluginHost::metadata`]. notation-go sends the signing config (the key's `pluginConfig`
    /// merged with `--plugin-config`) when signing and the verification's plugin config when
    /// verifying: a plugin may answer with other capabilities for another config.
    pub fn metadata_with_config(
        &self,
        name: &str,
        config: &BTreeMap<String, String>,
    ) -> Result<GetMetadataResponse, PluginError> {
        let exe = self.executable(name)?;
        let m = self.query_metadata(&exe, name, config)?;
        if m.name != name {
            return Err(PluginError::InvalidMetadata {
                name: name.to_string(),
                reason: format!("reports the name {:?}", m.name),
            });
        }
        Ok(m)
    }

    /// `get-plugin-metadata` of the executable `exe` (any path) with no `pluginConfig`, checked
    /// like [`PluginHost::metadata`] but not for its name.
    pub fn metadata_of(&self, exe: &Path, name: &str) -> Result<GetMetadataResponse, PluginError> {
        self.query_metadata(exe, name, &BTreeMap::new())
    }

    fn query_metadata(
        &self,
        exe: &Path,
        name: &str,
        config: &BTreeMap<String, String>,
    ) -> Result<GetMetadataResponse, PluginError> {
        let m: GetMetadataResponse = self.run_executable(
            exe,
            name,
            command::GET_PLUGIN_METADATA,
            &GetMetadataRequest {
                plugin_config: (!config.is_empty()).then(|| config.clone()),
            },
        )?;
        let invalid = |reason: String| PluginError::InvalidMetadata {
            name: name.to_string(),
            reason,
        };
        validate_metadata(&m).map_err(|e| invalid(format!("invalid metadata: {e}")))?;
        if !valid_name(&m.name) {
            return Err(invalid(format!("invalid plugin name {:?}", m.name)));
        }
        Ok(m)
    }

    /// `verify-signature`.
    pub fn verify_signature(
        &self,
        name: &str,
        request: &VerifySignatureRequest,
    ) -> Result<VerifySignatureResponse, PluginError> {
        self.run(name, command::VERIFY_SIGNATURE, request)
    }

    /// The plugin directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// How a [`PluginSigner`] signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningMode {
    /// `SIGNATURE_GENERATOR.RAW`: the plugin signs bytes, the host builds the envelope.
    Raw,
    /// `SIGNATURE_GENERATOR.ENVELOPE`: the plugin builds the envelope.
    Envelope,
}

/// A [`Signer`] backed by a signing plugin and one of its keys.
///
/// Raw mode is preferred when the plugin has both capabilities (as notation does).
#[derive(Debug)]
pub struct PluginSigner {
    host: PluginHost,
    name: String,
    key_id: String,
    config: BTreeMap<String, String>,
    mode: SigningMode,
    metadata: GetMetadataResponse,
    key_spec: OnceLock<KeySpec>,
}

impl PluginSigner {
    /// Resolves plugin `name` (metadata checked) for key `key_id` with `config` passed as
    /// `pluginConfig` on every call, `get-plugin-metadata` included (as notation-go does).
    pub fn new(
        host: PluginHost,
        name: &str,
        key_id: &str,
        config: BTreeMap<String, String>,
    ) -> Result<Self, PluginError> {
        // notation-go asks for the metadata with the signing config too.
        let metadata = host.metadata_with_config(name, &config)?;
        let has = |c: &str| metadata.capabilities.iter().any(|x| x == c);
        let mode = if has(capability::SIGNATURE_GENERATOR_RAW) {
            SigningMode::Raw
        } else if has(capability::SIGNATURE_GENERATOR_ENVELOPE) {
            SigningMode::Envelope
        } else {
            return Err(PluginError::MissingCapability {
                name: name.to_string(),
                needed: vec![
                    capability::SIGNATURE_GENERATOR_RAW.into(),
                    capability::SIGNATURE_GENERATOR_ENVELOPE.into(),
                ],
            });
        };
        Ok(Self {
            host,
            name: name.to_string(),
            key_id: key_id.to_string(),
            config,
            mode,
            metadata,
            key_spec: OnceLock::new(),
        })
    }

    /// Forces the signing mode (the plugin must have the capability).
    pub fn with_mode(mut self, mode: SigningMode) -> Result<Self, PluginError> {
        let cap = match mode {
            SigningMode::Raw => capability::SIGNATURE_GENERATOR_RAW,
            SigningMode::Envelope => capability::SIGNATURE_GENERATOR_ENVELOPE,
        };
        if !self.metadata.capabilities.iter().any(|c| c == cap) {
            return Err(PluginError::MissingCapability {
                name: self.name.clone(),
                needed: vec![cap.to_string()],
            });
        }
        self.mode = mode;
        Ok(self)
    }

    /// The signing mode in use.
    pub fn mode(&self) -> SigningMode {
        self.mode
    }

    /// The plugin's metadata.
    pub fn metadata(&self) -> &GetMetadataResponse {
        &self.metadata
    }

    fn config(&self) -> Option<BTreeMap<String, String>> {
        (!self.config.is_empty()).then(|| self.config.clone())
    }

    fn invalid(&self, cmd: &str, reason: impl Into<String>) -> PluginError {
        PluginError::InvalidResponse {
            name: self.name.clone(),
            command: cmd.to_string(),
            reason: reason.into(),
        }
    }

    fn check_key_id(&self, cmd: &str, got: &str) -> Result<(), PluginError> {
        if got != self.key_id {
            return Err(PluginError::KeyIdMismatch {
                name: self.name.clone(),
                command: cmd.to_string(),
                expected: self.key_id.clone(),
                got: got.to_string(),
            });
        }
        Ok(())
    }

    /// `describe-key`: the key spec, checked (key id echoed, one of the six specs). Cached.
    pub fn describe_key(&self) -> Result<KeySpec, PluginError> {
        if let Some(k) = self.key_spec.get() {
            return Ok(*k);
        }
        let cmd = command::DESCRIBE_KEY;
        let resp: DescribeKeyResponse = self.host.run(
            &self.name,
            cmd,
            &DescribeKeyRequest {
                contract_version: CONTRACT_VERSION.into(),
                key_id: self.key_id.clone(),
                plugin_config: self.config(),
            },
        )?;
        self.check_key_id(cmd, &resp.key_id)?;
        let spec = KeySpec::from_name(&resp.key_spec)
            .map_err(|_| self.invalid(cmd, format!("unsupported keySpec {:?}", resp.key_spec)))?;
        Ok(*self.key_spec.get_or_init(|| spec))
    }

    /// `generate-signature` over `signing_input`, checked: key id echoed, signing algorithm the
    /// one the key spec implies, non-empty signature of the right shape, a parseable chain whose
    /// leaf key has the described spec, and a signature that verifies with that leaf.
    pub fn generate_raw(&self, signing_input: &[u8]) -> Result<RawSignature, PluginError> {
        let spec = self.describe_key()?;
        let alg = spec.signature_algorithm();
        let cmd = command::GENERATE_SIGNATURE;
        let resp: GenerateSignatureResponse = self.host.run(
            &self.name,
            cmd,
            &GenerateSignatureRequest {
                contract_version: CONTRACT_VERSION.into(),
                key_id: self.key_id.clone(),
                key_spec: spec.name().into(),
                hash_algorithm: alg.hash_algorithm().notary_name().into(),
                payload: STANDARD.encode(signing_input),
                plugin_config: self.config(),
            },
        )?;
        self.check_key_id(cmd, &resp.key_id)?;
        match SignatureAlgorithm::from_name(&resp.signing_algorithm) {
            Ok(a) if a == alg => {}
            _ => {
                return Err(self.invalid(
                    cmd,
                    format!(
                        "signingAlgorithm {:?} does not match key spec {spec} ({alg})",
                        resp.signing_algorithm
                    ),
                ));
            }
        }
        let signature = go_base64(&resp.signature)
            .map_err(|e| self.invalid(cmd, format!("signature is not base64: {e}")))?;
        if signature.is_empty() {
            return Err(self.invalid(cmd, "empty signature"));
        }
        if let Some(n) = alg.ecdsa_signature_len()
            && signature.len() != n
        {
            return Err(self.invalid(
                cmd,
                format!(
                    "ECDSA signature is {} bytes, expected raw r||s of {n} bytes",
                    signature.len()
                ),
            ));
        }
        if resp.certificate_chain.is_empty() {
            return Err(self.invalid(cmd, "empty certificate chain"));
        }
        let mut chain = Vec::with_capacity(resp.certificate_chain.len());
        for (i, c) in resp.certificate_chain.iter().enumerate() {
            let der = go_base64(c)
                .map_err(|e| self.invalid(cmd, format!("certificate {i} is not base64: {e}")))?;
            let cert = notary_x509::Certificate::from_der(&der)
                .map_err(|e| self.invalid(cmd, format!("certificate {i}: {e}")))?;
            if i == 0 {
                let leaf_spec = cert
                    .key_spec()
                    .map_err(|e| self.invalid(cmd, format!("leaf certificate key: {e}")))?;
                if leaf_spec != spec {
                    return Err(self.invalid(
                        cmd,
                        format!(
                            "leaf certificate key is {leaf_spec}, the key was described as {spec}"
                        ),
                    ));
                }
                notary_x509::X509Verifier::new(crate::default_provider())
                    .verify_raw_signature(cert.spki_der(), alg, signing_input, &signature)
                    .map_err(|e| {
                        self.invalid(
                            cmd,
                            format!("signature does not verify with the leaf certificate: {e}"),
                        )
                    })?;
            }
            chain.push(der);
        }
        Ok(RawSignature {
            signature,
            certificate_chain: chain,
        })
    }

    /// `generate-envelope` for `payload`, checked: envelope type echoed, base64, and the
    /// envelope parses, verifies with its own leaf, signs exactly the requested target artifact
    /// and has a chain valid at its signing time.
    pub fn generate_envelope_checked(
        &self,
        media_type: EnvelopeMediaType,
        payload: &[u8],
        expiry_seconds: Option<u64>,
    ) -> Result<GeneratedEnvelope, PluginError> {
        let cmd = command::GENERATE_ENVELOPE;
        let resp: GenerateEnvelopeResponse = self.host.run(
            &self.name,
            cmd,
            &GenerateEnvelopeRequest {
                contract_version: CONTRACT_VERSION.into(),
                key_id: self.key_id.clone(),
                payload_type: PAYLOAD_TYPE_NOTARY_V1.into(),
                signature_envelope_type: media_type.as_str().into(),
                payload: STANDARD.encode(payload),
                expiry_duration_in_seconds: expiry_seconds.filter(|s| *s > 0),
                plugin_config: self.config(),
            },
        )?;
        if resp.signature_envelope_type != media_type.as_str() {
            return Err(self.invalid(
                cmd,
                format!(
                    "returned envelope type {:?}, asked for {:?}",
                    resp.signature_envelope_type,
                    media_type.as_str()
                ),
            ));
        }
        let envelope = go_base64(&resp.signature_envelope)
            .map_err(|e| self.invalid(cmd, format!("signatureEnvelope is not base64: {e}")))?;
        crate::signing::check_generated_envelope(
            media_type,
            payload,
            &envelope,
            &crate::default_provider(),
        )
        .map_err(|e| self.invalid(cmd, format!("envelope refused: {e}")))?;
        Ok(GeneratedEnvelope {
            envelope,
            annotations: resp.annotations.unwrap_or_default(),
        })
    }
}

impl Signer for PluginSigner {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(self.describe_key()?)
    }

    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, notary_core::Error> {
        Ok(self.generate_raw(signing_input)?)
    }

    fn envelope_generator(&self) -> Option<&dyn EnvelopeGenerator> {
        match self.mode {
            SigningMode::Raw => None,
            SigningMode::Envelope => Some(self),
        }
    }

    /// ` <name>/<version>` of the plugin, as notation-go appends it to the signing agent.
    fn signing_agent_suffix(&self) -> Option<String> {
        Some(format!("{}/{}", self.metadata.name, self.metadata.version))
    }
}

impl EnvelopeGenerator for PluginSigner {
    fn generate_envelope(
        &self,
        media_type: EnvelopeMediaType,
        payload: &[u8],
        expiry_seconds: Option<u64>,
    ) -> Result<GeneratedEnvelope, notary_core::Error> {
        Ok(self.generate_envelope_checked(media_type, payload, expiry_seconds)?)
    }
}

impl notary_verifier::plugin::VerificationPlugin for PluginHost {
    fn metadata(
        &self,
        name: &str,
    ) -> Result<GetMetadataResponse, notary_verifier::plugin::PluginError> {
        PluginHost::metadata(self, name).map_err(|e| into_engine_error(name, e))
    }

    fn metadata_with_config(
        &self,
        name: &str,
        config: &BTreeMap<String, String>,
    ) -> Result<GetMetadataResponse, notary_verifier::plugin::PluginError> {
        PluginHost::metadata_with_config(self, name, config).map_err(|e| into_engine_error(name, e))
    }

    fn verify_signature(
        &self,
        name: &str,
        request: &VerifySignatureRequest,
    ) -> Result<VerifySignatureResponse, notary_verifier::plugin::PluginError> {
        PluginHost::verify_signature(self, name, request).map_err(|e| into_engine_error(name, e))
    }
}

/// The host's error becomes the engine's source, so its message (with the executable path)
/// reaches the user unchanged.
fn into_engine_error(name: &str, e: PluginError) -> notary_verifier::plugin::PluginError {
    notary_verifier::plugin::PluginError::Failed {
        name: name.to_string(),
        source: Box::new(e),
    }
}
