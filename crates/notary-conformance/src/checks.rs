//! One handler per `check` kind. Handlers see only the case input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::cases::Outcome;

mod artifact;
mod encode;
mod envelope;
mod policy;
mod revocation;
mod x509;

pub struct Context<'a> {
    pub data: &'a Path,
    pub now: OffsetDateTime,
    /// The crypto backend every check verifies and hashes with (`--crypto`).
    pub provider: notary::CryptoProvider,
}

impl Context<'_> {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.data.join(rel)
    }

    pub fn read(&self, rel: &str) -> Result<Vec<u8>, String> {
        let p = self.path(rel);
        std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    }
}

pub fn str_field<'a>(input: &'a Value, name: &str) -> Result<&'a str, String> {
    input
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("case input lacks string field {name:?}"))
}

pub fn opt_str<'a>(input: &'a Value, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// `user_metadata` as a map (absent: empty).
pub fn user_metadata(input: &Value) -> BTreeMap<String, String> {
    input
        .get("user_metadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Lays the case's trust-store entries out the way notation keeps them on disk
/// (`x509/<type>/<name>/<file>`) in a fresh temporary directory, so the real loader runs.
pub struct TempTrustStore {
    pub root: PathBuf,
}

impl TempTrustStore {
    pub fn build(ctx: &Context<'_>, entries: Option<&Value>) -> Result<Self, String> {
        let root = std::env::temp_dir().join(format!(
            "notary-conformance-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("x509")).map_err(|e| e.to_string())?;
        for e in entries.and_then(Value::as_array).into_iter().flatten() {
            let t = str_field(e, "type")?;
            let n = str_field(e, "name")?;
            let p = str_field(e, "path")?;
            let dir = root.join("x509").join(t).join(n);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let src = ctx.path(p);
            let file = src.file_name().ok_or("trust store path has no file name")?;
            std::fs::copy(&src, dir.join(file))
                .map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
        }
        Ok(Self { root })
    }

    pub fn store(&self, ctx: &Context<'_>) -> Arc<dyn notary::truststore::TrustStore> {
        Arc::new(notary::truststore::DirTrustStore::new(
            ctx.provider,
            self.root.clone(),
        ))
    }
}

impl Drop for TempTrustStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Reads a policy building block: `{"kind", "path"}` or `{"kind", "document"}`.
pub fn policy_bytes(ctx: &Context<'_>, input: &Value) -> Result<(String, Vec<u8>), String> {
    let p = input.get("policy").ok_or("case input lacks \"policy\"")?;
    let kind = str_field(p, "kind")?.to_string();
    if let Some(doc) = p.get("document") {
        return Ok((kind, serde_json::to_vec(doc).map_err(|e| e.to_string())?));
    }
    Ok((kind, ctx.read(str_field(p, "path")?)?))
}

/// Maps a verification error to the corpus' validation names.
pub fn verification_failure(e: &notary::VerificationError) -> Outcome {
    let validation = match e.validation() {
        Some(v) => v.name(),
        None => "policy",
    };
    Outcome::fail(validation, e)
}

/// Maps an artifact verification error to the corpus' validation names.
pub fn artifact_failure(e: &notary::artifact::VerifyArtifactError) -> Outcome {
    use notary::artifact::{SignatureFailure, VerifyArtifactError as E};
    let validation = match e {
        E::Policy(p) => return verification_failure(p),
        E::NoSignature { .. } => "no_signature",
        E::AllFailed { failures, .. } => match failures.first() {
            Some(SignatureFailure::Verification(v)) => {
                return Outcome::fail(v.validation().map_or("policy", |x| x.name()), e);
            }
            _ => "parse",
        },
        _ => "parse",
    };
    Outcome::fail(validation, e)
}

pub fn run(ctx: &Context<'_>, check: &str, input: &Value) -> Outcome {
    let result = match check {
        "encode-conformance" => encode::encode_conformance(ctx, input),
        "cert-file-read" => x509::cert_file_read(ctx, input),
        "tsa-chain-validate" => x509::tsa_chain_validate(ctx, input),
        "tsa-root-cert-file" => x509::tsa_root_cert_file(ctx, input),
        "truststore-load" => x509::truststore_load(ctx, input),
        "oci-policy-validate+select" => policy::oci_policy(ctx, input),
        "blob-policy-validate" => policy::blob_policy(ctx, input),
        "policy-parse" => policy::policy_parse(ctx, input),
        "trusted-identity-match" => policy::identity_match(ctx, input),
        "verify-envelope" | "verify-envelope+user-metadata" | "verify-authentic-timestamp" => {
            envelope::verify_envelope(ctx, input)
        }
        "tsa-token-verify" => envelope::tsa_token_verify(ctx, input),
        "plugin-min-version-gate" => envelope::verify_envelope(ctx, input),
        "revocation-crl" | "revocation-ocsp" => revocation::chain_status(ctx, input),
        "crl-extension-parse" => revocation::extension_parse(ctx, input),
        "blob-verify" => envelope::blob_verify(ctx, input),
        "verify" => artifact::verify(ctx, input),
        "verify+inspect+list" => artifact::verify_inspect_list(ctx, input),
        "inspect" => artifact::inspect(ctx, input),
        "list" => artifact::list(ctx, input),
        other => Ok(Outcome::Skip(format!(
            "check {other:?} is not implemented yet"
        ))),
    };
    result.unwrap_or_else(|e| {
        Outcome::fail(
            "runner-error",
            format!("the runner could not set up the case: {e}"),
        )
    })
}

/// `--as-mock-plugin NAME VERSION COMMAND`: a verification plugin that succeeds at everything.
pub fn mock_plugin(args: &[String]) -> std::process::ExitCode {
    use std::io::Read as _;
    let (Some(name), Some(version), Some(cmd)) = (args.first(), args.get(1), args.get(2)) else {
        return std::process::ExitCode::from(2);
    };
    let mut input = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut input);
    let out = match cmd.as_str() {
        "get-plugin-metadata" => serde_json::json!({
            "name": name, "description": "conformance mock", "version": version, "url": "https://example.invalid",
            "supportedContractVersions": ["1.0"],
            "capabilities": ["SIGNATURE_VERIFIER.TRUSTED_IDENTITY", "SIGNATURE_VERIFIER.REVOCATION_CHECK"],
        }),
        "verify-signature" => {
            let req: Value = serde_json::from_slice(&input).unwrap_or(Value::Null);
            let results: serde_json::Map<String, Value> = req
                .pointer("/trustPolicy/signatureVerification")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    c.as_str()
                        .map(|c| (c.to_string(), serde_json::json!({"success": true})))
                })
                .collect();
            serde_json::json!({
                "verificationResults": results,
                "processedAttributes": req.pointer("/signature/unprocessedAttributes").cloned().unwrap_or(Value::Array(vec![])),
            })
        }
        _ => return std::process::ExitCode::from(1),
    };
    println!("{out}");
    std::process::ExitCode::SUCCESS
}

/// Installs the case's `installed_plugins` as real plugin executables in a temporary directory.
pub fn install_mock_plugins(input: &Value) -> Result<Option<tempdir::Dir>, String> {
    let Some(list) = input.get("installed_plugins").and_then(Value::as_array) else {
        return Ok(None);
    };
    let dir = tempdir::Dir::new()?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    for p in list {
        let name = str_field(p, "name")?;
        let version = str_field(p, "version")?;
        let pdir = dir.path.join(name);
        std::fs::create_dir_all(&pdir).map_err(|e| e.to_string())?;
        let script = pdir.join(format!("notation-{name}"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nexec '{}' --as-mock-plugin '{name}' '{version}' \"$@\"\n",
                exe.display()
            ),
        )
        .map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(Some(dir))
}

pub mod tempdir {
    //! A temporary directory removed on drop.
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Result<Self, String> {
            let path = std::env::temp_dir().join(format!(
                "notary-conformance-plugins-{}-{}",
                std::process::id(),
                super::NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
            Ok(Self { path })
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
