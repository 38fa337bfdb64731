#![doc = include_str!("../README.md")]
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
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::process::ExitCode;

pub use notary_plugin_api as api;
use notary_plugin_api::{
    CONTRACT_VERSION, DescribeKeyRequest, DescribeKeyResponse, GenerateEnvelopeRequest,
    GenerateEnvelopeResponse, GenerateSignatureRequest, GenerateSignatureResponse,
    GetMetadataRequest, GetMetadataResponse, PluginError, VerifySignatureRequest,
    VerifySignatureResponse, command, error_code,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What a command handler returns: its response, or the error object sent to the host.
pub type PluginResult<T> = Result<T, PluginError>;

/// Largest request read from stdin (the host never sends more than a payload and a chain); a
/// larger one is refused, never cut short.
pub const MAX_REQUEST: u64 = 64 * 1024 * 1024;

/// A `VALIDATION_ERROR` saying `command` is not supported by this plugin.
pub fn unsupported(command: &str) -> PluginError {
    PluginError::new(
        error_code::VALIDATION_ERROR,
        format!("{command} is not supported by this plugin"),
    )
}

/// A `VALIDATION_ERROR` with `message`.
pub fn validation_error(message: impl Into<String>) -> PluginError {
    PluginError::new(error_code::VALIDATION_ERROR, message)
}

/// A generic (`ERROR`) error with `message`.
pub fn generic_error(message: impl Into<String>) -> PluginError {
    PluginError::new(error_code::GENERIC, message)
}

/// Metadata for contract version 1.0 with the given capabilities.
pub fn metadata(
    name: &str,
    description: &str,
    version: &str,
    url: &str,
    capabilities: &[&str],
) -> GetMetadataResponse {
    GetMetadataResponse {
        name: name.into(),
        description: description.into(),
        version: version.into(),
        url: url.into(),
        supported_contract_versions: vec![CONTRACT_VERSION.into()],
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
    }
}

/// A notation plugin: one method per protocol command.
///
/// Requests have already been decoded, their `contractVersion` checked (`1.0`) and their
/// required fields checked non-empty (as notation-plugin-framework-go does: `keyId`, `keySpec`,
/// `hashAlgorithm`, `payload`, ...); unknown request fields are ignored, as the protocol
/// requires.
pub trait Plugin {
    /// `get-plugin-metadata`: name (must equal the install directory), version, capabilities.
    fn metadata(&self, request: &GetMetadataRequest) -> GetMetadataResponse;

    /// `describe-key` (`SIGNATURE_GENERATOR.RAW`): the key spec of `key_id`.
    fn describe_key(&self, request: &DescribeKeyRequest) -> PluginResult<DescribeKeyResponse> {
        let _ = request;
        Err(unsupported(command::DESCRIBE_KEY))
    }

    /// `generate-signature` (`SIGNATURE_GENERATOR.RAW`): hash the payload with the requested
    /// hash and sign it (RSASSA-PSS, or ECDSA as raw `r||s`).
    fn generate_signature(
        &self,
        request: &GenerateSignatureRequest,
    ) -> PluginResult<GenerateSignatureResponse> {
        let _ = request;
        Err(unsupported(command::GENERATE_SIGNATURE))
    }

    /// `generate-envelope` (`SIGNATURE_GENERATOR.ENVELOPE`): a complete envelope over the
    /// Notary payload.
    fn generate_envelope(
        &self,
        request: &GenerateEnvelopeRequest,
    ) -> PluginResult<GenerateEnvelopeResponse> {
        let _ = request;
        Err(unsupported(command::GENERATE_ENVELOPE))
    }

    /// `verify-signature` (`SIGNATURE_VERIFIER.*`).
    fn verify_signature(
        &self,
        request: &VerifySignatureRequest,
    ) -> PluginResult<VerifySignatureResponse> {
        let _ = request;
        Err(unsupported(command::VERIFY_SIGNATURE))
    }
}

fn decode<T: DeserializeOwned>(input: &[u8]) -> PluginResult<T> {
    // serde reads a struct from a JSON array too; the protocol's requests are objects, and
    // Go's decoder refuses anything else.
    if input.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(validation_error(
            "malformed request: the request is not a JSON object",
        ));
    }
    serde_json::from_slice(input)
        .map_err(|e| validation_error(format!("malformed request: {}", json_error(&e))))
}

/// A JSON error without request content. serde's text for a wrong type or value quotes the
/// value (`invalid type: integer `1234``), and a request's `pluginConfig` may hold secrets,
/// while the error goes to stderr, which hosts show and log.
fn json_error(e: &serde_json::Error) -> String {
    if e.classify() != serde_json::error::Category::Data {
        // Syntax and end-of-input errors name a position, never a value.
        return e.to_string();
    }
    let text = e.to_string();
    // These name a protocol field, never a value.
    if text.starts_with("missing field") || text.starts_with("duplicate field") {
        return text;
    }
    format!(
        "a field has the wrong type or value at line {} column {}",
        e.line(),
        e.column()
    )
}

/// Fails with `VALIDATION_ERROR` "`field` cannot be empty" when `empty` (the checks
/// notation-plugin-framework-go makes on requests before a plugin sees them).
fn require(empty: bool, field: &str) -> PluginResult<()> {
    if empty {
        return Err(validation_error(format!("{field} cannot be empty")));
    }
    Ok(())
}

fn check_describe_key(r: &DescribeKeyRequest) -> PluginResult<()> {
    check_contract(&r.contract_version)?;
    require(r.key_id.is_empty(), "keyId")
}

fn check_generate_signature(r: &GenerateSignatureRequest) -> PluginResult<()> {
    check_contract(&r.contract_version)?;
    require(r.key_id.is_empty(), "keyId")?;
    require(r.key_spec.is_empty(), "keySpec")?;
    require(r.hash_algorithm.is_empty(), "hashAlgorithm")?;
    require(r.payload.is_empty(), "payload")
}

fn check_generate_envelope(r: &GenerateEnvelopeRequest) -> PluginResult<()> {
    check_contract(&r.contract_version)?;
    require(r.key_id.is_empty(), "keyId")?;
    require(r.payload_type.is_empty(), "payloadType")?;
    require(
        r.signature_envelope_type.is_empty(),
        "signatureEnvelopeType",
    )?;
    require(r.payload.is_empty(), "payload")
}

fn check_verify_signature(r: &VerifySignatureRequest) -> PluginResult<()> {
    check_contract(&r.contract_version)?;
    let attrs = &r.signature.critical_attributes;
    require(
        attrs.content_type.is_empty(),
        "signature.criticalAttributes.contentType",
    )?;
    require(
        attrs.signing_scheme.is_empty(),
        "signature.criticalAttributes.signingScheme",
    )?;
    require(
        r.signature.certificate_chain.is_empty(),
        "signature.certificateChain",
    )?;
    require(
        r.trust_policy.signature_verification.is_empty(),
        "trustPolicy.signatureVerification",
    )
}

/// Reads a request of at most `limit` bytes: one longer is refused, not cut at the limit (a
/// cut request would fail as truncated JSON, or, padded with whitespace, be read as valid).
fn read_request(input: impl Read, limit: u64) -> PluginResult<Vec<u8>> {
    let mut request = Vec::new();
    input
        .take(limit.saturating_add(1))
        .read_to_end(&mut request)
        .map_err(|e| generic_error(format!("cannot read the request: {e}")))?;
    if u64::try_from(request.len()).unwrap_or(u64::MAX) > limit {
        return Err(validation_error(format!(
            "the request is larger than {limit} bytes"
        )));
    }
    Ok(request)
}

fn encode<T: Serialize>(value: &T) -> PluginResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| generic_error(format!("cannot encode response: {e}")))
}

/// Accepts every minor version of the contract this SDK speaks ("1.0", "1.1", ...): the plugin
/// spec keeps minor versions backward compatible, and a plugin ignores the members a newer
/// minor version adds (unknown members are skipped). Another major version is refused.
fn check_contract(version: &str) -> PluginResult<()> {
    require(version.is_empty(), "contractVersion")?;
    let major = CONTRACT_VERSION
        .split('.')
        .next()
        .unwrap_or(CONTRACT_VERSION);
    let same_major = version.split_once('.').is_some_and(|(m, minor)| {
        m == major && !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if !same_major {
        return Err(PluginError::new(
            error_code::UNSUPPORTED_CONTRACT_VERSION,
            format!(
                "contract version {version:?} is not supported, this plugin speaks {CONTRACT_VERSION}"
            ),
        ));
    }
    Ok(())
}

/// Runs `command` with the request bytes `input` and returns the response JSON (the testable
/// core of [`run`]).
pub fn dispatch<P: Plugin + ?Sized>(
    plugin: &P,
    command: &str,
    input: &[u8],
) -> PluginResult<Vec<u8>> {
    match command {
        command::GET_PLUGIN_METADATA => {
            // An empty body is accepted: the request has no required field.
            let req: GetMetadataRequest = if input.iter().all(u8::is_ascii_whitespace) {
                GetMetadataRequest::default()
            } else {
                decode(input)?
            };
            encode(&plugin.metadata(&req))
        }
        command::DESCRIBE_KEY => {
            let req: DescribeKeyRequest = decode(input)?;
            check_describe_key(&req)?;
            encode(&plugin.describe_key(&req)?)
        }
        command::GENERATE_SIGNATURE => {
            let req: GenerateSignatureRequest = decode(input)?;
            check_generate_signature(&req)?;
            encode(&plugin.generate_signature(&req)?)
        }
        command::GENERATE_ENVELOPE => {
            let req: GenerateEnvelopeRequest = decode(input)?;
            check_generate_envelope(&req)?;
            encode(&plugin.generate_envelope(&req)?)
        }
        command::VERIFY_SIGNATURE => {
            let req: VerifySignatureRequest = decode(input)?;
            check_verify_signature(&req)?;
            encode(&plugin.verify_signature(&req)?)
        }
        other => Err(validation_error(format!("unknown command {other:?}"))),
    }
}

/// The commands [`dispatch`] answers.
const COMMANDS: [&str; 5] = [
    command::GET_PLUGIN_METADATA,
    command::DESCRIBE_KEY,
    command::GENERATE_SIGNATURE,
    command::GENERATE_ENVELOPE,
    command::VERIFY_SIGNATURE,
];

/// The plugin's `main`: reads the command from the first argument and the request from stdin,
/// writes the response to stdout (exit 0) or an error object to stderr (exit 1).
///
/// An unknown command is refused before stdin is read. While a handler runs, stdout and
/// stderr are sent to `/dev/null` (on Unix), so that nothing the plugin or a library it uses
/// prints can corrupt the response or the error object the host parses (as
/// notation-plugin-framework-go does): log to a file instead. A handler that panics is
/// answered with an `ERROR` object naming the panic, and exit 1; in a plugin built with
/// `panic = "abort"` the object is written by the panic hook and the process then aborts.
///
/// The `version` command prints the plugin's name and version for people.
pub fn run<P: Plugin + ?Sized>(plugin: &P) -> ExitCode {
    let command = match std::env::args_os()
        .nth(1)
        .map(std::ffi::OsString::into_string)
    {
        None => Err(validation_error(
            "usage: <plugin> <command> (request JSON on stdin)",
        )),
        Some(Err(c)) => Err(validation_error(format!(
            "unknown command {:?}",
            c.to_string_lossy()
        ))),
        Some(Ok(c)) => Ok(c),
    };
    let result = match command {
        Err(e) => Err(e),
        Ok(c) if c == "version" => {
            let m = plugin.metadata(&GetMetadataRequest::default());
            println!("{} - {}\nVersion: {}", m.name, m.description, m.version);
            return ExitCode::SUCCESS;
        }
        Ok(c) if !COMMANDS.contains(&c.as_str()) => {
            Err(validation_error(format!("unknown command {c:?}")))
        }
        Ok(c) => read_request(std::io::stdin().lock(), MAX_REQUEST)
            .and_then(|input| guarded(|| dispatch(plugin, &c, &input))),
    };
    match result {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(&out)
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let body = serde_json::to_vec(&e).unwrap_or_else(|_| {
                br#"{"errorCode":"ERROR","errorMessage":"unencodable error"}"#.to_vec()
            });
            let _ = std::io::stderr().lock().write_all(&body);
            ExitCode::from(1)
        }
    }
}

/// The panic of the handler [`guarded`] runs, as the panic hook saw it.
static PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Runs a handler with stdout and stderr silenced and a panic made into an error object.
fn guarded(handler: impl FnOnce() -> PluginResult<Vec<u8>>) -> PluginResult<Vec<u8>> {
    let silenced = stdio::silence();
    // Where the host reads the error object: a plugin built with `panic = "abort"` ends in
    // the hook, so the hook writes the object there itself.
    let host_stderr = stdio::host_stderr(silenced.as_ref());
    // The error object reports the panic; the plugin's own hook (a log file) still runs, and
    // the default one prints into /dev/null, not where the host expects JSON.
    let hook: std::sync::Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
        std::sync::Arc::from(std::panic::take_hook());
    let theirs = std::sync::Arc::clone(&hook);
    PANIC
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    std::panic::set_hook(Box::new(move |info| {
        let what = info.to_string();
        if cfg!(panic = "abort") {
            let body = serde_json::to_vec(&panic_error(&what)).unwrap_or_default();
            if let Some(mut err) = host_stderr.as_ref() {
                let _ = err.write_all(&body);
            }
        }
        *PANIC
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(what);
        theirs(info);
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(handler));
    let _ = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| hook(info)));
    drop(silenced);
    result.unwrap_or_else(|payload| {
        // `resume_unwind` runs no hook: the payload is all there is then.
        let what = PANIC
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(panic_error(&what))
    })
}

/// The error object of a handler that panicked with `what` (as the panic hook prints it).
fn panic_error(what: &str) -> PluginError {
    let what: String = what.chars().take(1000).collect();
    generic_error(format!("the plugin failed: {what}"))
}

/// Sending stdout and stderr to `/dev/null` while a handler runs, and back afterwards.
#[cfg(unix)]
mod stdio {
    use std::io::Write as _;
    use std::os::fd::{AsFd as _, OwnedFd};

    /// The original stdout and stderr, put back when dropped.
    pub(super) struct Silenced {
        stdout: OwnedFd,
        stderr: OwnedFd,
    }

    /// `None` when the descriptors cannot be swapped: the handler then runs as it is.
    pub(super) fn silence() -> Option<Silenced> {
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .ok()?;
        let _ = std::io::stdout().flush();
        let stdout = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
        let stderr = std::io::stderr().as_fd().try_clone_to_owned().ok()?;
        rustix::stdio::dup2_stdout(&null).ok()?;
        if rustix::stdio::dup2_stderr(&null).is_err() {
            let _ = rustix::stdio::dup2_stdout(&stdout);
            return None;
        }
        Some(Silenced { stdout, stderr })
    }

    /// A handle on the stderr the host reads while `silenced` holds the real one aside.
    pub(super) fn host_stderr(silenced: Option<&Silenced>) -> Option<std::fs::File> {
        match silenced {
            Some(s) => s.stderr.try_clone().ok().map(std::fs::File::from),
            None => std::io::stderr()
                .as_fd()
                .try_clone_to_owned()
                .ok()
                .map(std::fs::File::from),
        }
    }

    impl Drop for Silenced {
        fn drop(&mut self) {
            // What the handler left in std's buffer goes where the handler wrote it.
            let _ = std::io::stdout().flush();
            let _ = rustix::stdio::dup2_stdout(&self.stdout);
            let _ = rustix::stdio::dup2_stderr(&self.stderr);
        }
    }
}

#[cfg(not(unix))]
mod stdio {
    pub(super) fn silence() -> Option<()> {
        None
    }

    pub(super) fn host_stderr(_: Option<&()>) -> Option<std::io::Stderr> {
        Some(std::io::stderr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Plugin for Fixed {
        fn metadata(&self, _: &GetMetadataRequest) -> GetMetadataResponse {
            metadata(
                "fixed",
                "test",
                "1.0.0",
                "https://example.com",
                &[api::capability::SIGNATURE_GENERATOR_RAW],
            )
        }
        fn describe_key(&self, r: &DescribeKeyRequest) -> PluginResult<DescribeKeyResponse> {
            Ok(DescribeKeyResponse {
                key_id: r.key_id.clone(),
                key_spec: "EC-256".into(),
            })
        }
    }

    #[test]
    fn dispatch_checks_contract_and_json() {
        let ok = dispatch(
            &Fixed,
            "describe-key",
            br#"{"contractVersion":"1.0","keyId":"k1","extra":true}"#,
        )
        .unwrap();
        assert_eq!(ok, br#"{"keyId":"k1","keySpec":"EC-256"}"#);
        let e = dispatch(
            &Fixed,
            "describe-key",
            br#"{"contractVersion":"2.0","keyId":"k1"}"#,
        )
        .unwrap_err();
        assert_eq!(e.error_code, error_code::UNSUPPORTED_CONTRACT_VERSION);
        // A later minor version, with a member it added: served (the spec keeps minors
        // compatible). Anything else that is not 1.N is refused.
        let ok = dispatch(
            &Fixed,
            "describe-key",
            br#"{"contractVersion":"1.1","keyId":"k1","newMinorField":1}"#,
        )
        .unwrap();
        assert_eq!(ok, br#"{"keyId":"k1","keySpec":"EC-256"}"#);
        for bad in ["1", "1.", "1.x", "11.0", "0.9", "v1.0", "1.0.0"] {
            let request = format!(r#"{{"contractVersion":"{bad}","keyId":"k1"}}"#);
            let e = dispatch(&Fixed, "describe-key", request.as_bytes()).unwrap_err();
            assert_eq!(
                e.error_code,
                error_code::UNSUPPORTED_CONTRACT_VERSION,
                "{bad}"
            );
        }
        let e = dispatch(&Fixed, "describe-key", b"{not json").unwrap_err();
        assert_eq!(e.error_code, error_code::VALIDATION_ERROR);
        let e = dispatch(&Fixed, "generate-envelope", br#"{"contractVersion":"1.0","keyId":"k","payloadType":"p","signatureEnvelopeType":"application/cose","payload":"AA=="}"#).unwrap_err();
        assert!(e.error_message.contains("not supported"), "{e:?}");
        // Objects only: serde would read the struct from an array too.
        for array in [&br#"["1.0","k1"]"#[..], b" [] "] {
            let e = dispatch(&Fixed, "describe-key", array).unwrap_err();
            assert_eq!(e.error_code, error_code::VALIDATION_ERROR);
            assert!(e.error_message.contains("not a JSON object"), "{e:?}");
        }
        let e = dispatch(&Fixed, "get-plugin-metadata", b"[]").unwrap_err();
        assert_eq!(e.error_code, error_code::VALIDATION_ERROR);
        // An empty contract version is a missing one, as the Go framework reports it.
        let e = dispatch(
            &Fixed,
            "describe-key",
            br#"{"contractVersion":"","keyId":"k1"}"#,
        )
        .unwrap_err();
        assert_eq!(e.error_code, error_code::VALIDATION_ERROR);
        assert_eq!(e.error_message, "contractVersion cannot be empty");
        let e = dispatch(&Fixed, "frobnicate", b"{}").unwrap_err();
        assert!(e.error_message.contains("unknown command"));
        let m = dispatch(&Fixed, "get-plugin-metadata", b"").unwrap();
        let m: GetMetadataResponse = serde_json::from_slice(&m).unwrap();
        assert_eq!(m.supported_contract_versions, ["1.0"]);
    }

    /// The error goes to stderr, which hosts print and log: a request value (a secret in
    /// `pluginConfig`) must not appear in it.
    #[test]
    fn malformed_request_errors_do_not_quote_request_values() {
        for (command, request, secret) in [
            (
                "describe-key",
                &br#"{"contractVersion":"1.0","keyId":"k","pluginConfig":{"pin":987654}}"#[..],
                "987654",
            ),
            (
                "describe-key",
                br#"{"contractVersion":"1.0","keyId":"k","pluginConfig":["hunter2"]}"#,
                "hunter2",
            ),
            (
                "generate-envelope",
                br#"{"contractVersion":"1.0","keyId":"k","payloadType":"p","signatureEnvelopeType":"application/cose","payload":"AA==","expiryDurationInSeconds":"hunter2","pluginConfig":{"token":"s3cret"}}"#,
                "hunter2",
            ),
        ] {
            let e = dispatch(&Fixed, command, request).unwrap_err();
            assert_eq!(e.error_code, error_code::VALIDATION_ERROR);
            assert!(!e.error_message.contains(secret), "{e:?}");
            assert!(e.error_message.contains("line 1 column"), "{e:?}");
        }
        // Field names and syntax positions are still reported.
        let e = dispatch(&Fixed, "describe-key", br#"{"contractVersion":"1.0"}"#).unwrap_err();
        assert!(e.error_message.contains("missing field `keyId`"), "{e:?}");
        let e = dispatch(&Fixed, "describe-key", b"{\"a\" 1}").unwrap_err();
        assert!(e.error_message.contains("expected `:`"), "{e:?}");
    }

    /// notation-plugin-framework-go refuses requests with empty required fields before the
    /// plugin runs; so does `dispatch`.
    #[test]
    fn empty_required_request_fields_are_refused() {
        let chain = r#""certificateChain":["AQ=="]"#;
        for (command, request, field) in [
            (
                "describe-key",
                r#"{"contractVersion":"1.0","keyId":""}"#.to_string(),
                "keyId",
            ),
            (
                "generate-signature",
                r#"{"contractVersion":"1.0","keyId":"k","keySpec":"EC-256","hashAlgorithm":"SHA-256","payload":""}"#.into(),
                "payload",
            ),
            (
                "generate-signature",
                r#"{"contractVersion":"1.0","keyId":"k","keySpec":"","hashAlgorithm":"SHA-256","payload":"AA=="}"#.into(),
                "keySpec",
            ),
            (
                "generate-envelope",
                r#"{"contractVersion":"1.0","keyId":"k","payloadType":"p","signatureEnvelopeType":"","payload":"AA=="}"#.into(),
                "signatureEnvelopeType",
            ),
            (
                "verify-signature",
                r#"{"contractVersion":"1.0","signature":{"criticalAttributes":{"contentType":"c","signingScheme":"notary.x509"},"unprocessedAttributes":[],"certificateChain":[]},"trustPolicy":{"trustedIdentities":["*"],"signatureVerification":["SIGNATURE_VERIFIER.REVOCATION_CHECK"]}}"#.into(),
                "signature.certificateChain",
            ),
            (
                "verify-signature",
                format!(
                    r#"{{"contractVersion":"1.0","signature":{{"criticalAttributes":{{"contentType":"c","signingScheme":"notary.x509"}},"unprocessedAttributes":[],{chain}}},"trustPolicy":{{"trustedIdentities":["*"],"signatureVerification":null}}}}"#
                ),
                "trustPolicy.signatureVerification",
            ),
        ] {
            let e = dispatch(&Fixed, command, request.as_bytes()).unwrap_err();
            assert_eq!(e.error_code, error_code::VALIDATION_ERROR, "{field}");
            assert_eq!(e.error_message, format!("{field} cannot be empty"));
        }
    }

    #[test]
    fn an_oversized_request_is_refused_not_cut_short() {
        // Cut at the limit, this would be a valid request followed by whitespace.
        let request = format!(
            r#"{{"contractVersion":"1.0","keyId":"k"}}{}"#,
            " ".repeat(64)
        );
        let limit = 40;
        let e = read_request(request.as_bytes(), limit).unwrap_err();
        assert_eq!(e.error_code, error_code::VALIDATION_ERROR);
        assert!(e.error_message.contains("larger than 40 bytes"), "{e:?}");
        let exact = request.as_bytes().get(..40).unwrap();
        assert_eq!(read_request(exact, limit).unwrap(), exact);
    }
}
