//! `notation-localkey`: an example notation plugin written with `notary-plugin`.
//!
//! It signs with a PKCS#8 PEM private key and a PEM certificate chain (leaf first) read from
//! files named by `pluginConfig` (`key`, `cert`) or by the environment (`NOTARY_LOCALKEY_KEY`,
//! `NOTARY_LOCALKEY_CERT`). It offers both signing capabilities: `SIGNATURE_GENERATOR.RAW`
//! (`describe-key`, `generate-signature`) and `SIGNATURE_GENERATOR.ENVELOPE`
//! (`generate-envelope`, JWS or COSE built with the notary library). The key id is free-form
//! and echoed back. Meant for tests and as a template, not for production keys.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use notary_core::{EnvelopeMediaType, SignRequest, Signer};
use notary_crypto::LocalSigner;
use notary_plugin::api::{
    self, DescribeKeyRequest, DescribeKeyResponse, GenerateEnvelopeRequest,
    GenerateEnvelopeResponse, GenerateSignatureRequest, GenerateSignatureResponse,
    GetMetadataRequest, GetMetadataResponse, capability,
};
use notary_plugin::{Plugin, PluginResult, generic_error, validation_error};

struct LocalKeyPlugin;

fn setting(
    config: Option<&BTreeMap<String, String>>,
    key: &str,
    env: &str,
) -> PluginResult<PathBuf> {
    config
        .and_then(|c| c.get(key).cloned())
        .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
        .map(PathBuf::from)
        .ok_or_else(|| {
            validation_error(format!(
                "set pluginConfig {key:?} or the environment variable {env}"
            ))
        })
}

fn signer(config: Option<&BTreeMap<String, String>>) -> PluginResult<LocalSigner> {
    let key = setting(config, "key", "NOTARY_LOCALKEY_KEY")?;
    let cert = setting(config, "cert", "NOTARY_LOCALKEY_CERT")?;
    LocalSigner::from_files(&key, &cert).map_err(|e| {
        api::PluginError::new(
            api::error_code::ACCESS_DENIED,
            format!("cannot load the key {}: {e}", key.display()),
        )
    })
}

impl Plugin for LocalKeyPlugin {
    fn metadata(&self, _: &GetMetadataRequest) -> GetMetadataResponse {
        notary_plugin::metadata(
            "localkey",
            "Example plugin: signs with a local key file (notary-rs)",
            env!("CARGO_PKG_VERSION"),
            "https://example.invalid/notary-rs",
            &[
                capability::SIGNATURE_GENERATOR_RAW,
                capability::SIGNATURE_GENERATOR_ENVELOPE,
            ],
        )
    }

    fn describe_key(&self, r: &DescribeKeyRequest) -> PluginResult<DescribeKeyResponse> {
        let s = signer(r.plugin_config.as_ref())?;
        let spec = s.key_spec().map_err(|e| generic_error(e.to_string()))?;
        Ok(DescribeKeyResponse {
            key_id: r.key_id.clone(),
            key_spec: spec.name().into(),
        })
    }

    fn generate_signature(
        &self,
        r: &GenerateSignatureRequest,
    ) -> PluginResult<GenerateSignatureResponse> {
        let s = signer(r.plugin_config.as_ref())?;
        let spec = s.key_spec().map_err(|e| generic_error(e.to_string()))?;
        if r.key_spec != spec.name() {
            return Err(validation_error(format!(
                "keySpec {:?} does not match the key ({spec})",
                r.key_spec
            )));
        }
        if r.hash_algorithm != spec.hash_algorithm().notary_name() {
            return Err(validation_error(format!(
                "hashAlgorithm {:?} does not match the key spec {spec}",
                r.hash_algorithm
            )));
        }
        let payload = STANDARD
            .decode(&r.payload)
            .map_err(|e| validation_error(format!("payload is not base64: {e}")))?;
        let raw = s.sign(&payload).map_err(|e| generic_error(e.to_string()))?;
        Ok(GenerateSignatureResponse {
            key_id: r.key_id.clone(),
            signature: STANDARD.encode(&raw.signature),
            signing_algorithm: spec.signature_algorithm().name().into(),
            certificate_chain: raw
                .certificate_chain
                .iter()
                .map(|c| STANDARD.encode(c))
                .collect(),
        })
    }

    fn generate_envelope(
        &self,
        r: &GenerateEnvelopeRequest,
    ) -> PluginResult<GenerateEnvelopeResponse> {
        if r.payload_type != api::PAYLOAD_TYPE_NOTARY_V1 {
            return Err(validation_error(format!(
                "unsupported payloadType {:?}",
                r.payload_type
            )));
        }
        let format = match r.signature_envelope_type.as_str() {
            "application/jose+json" => EnvelopeMediaType::Jws,
            "application/cose" => EnvelopeMediaType::Cose,
            other => {
                return Err(validation_error(format!(
                    "unsupported signatureEnvelopeType {other:?}"
                )));
            }
        };
        let s = signer(r.plugin_config.as_ref())?;
        let payload = STANDARD
            .decode(&r.payload)
            .map_err(|e| validation_error(format!("payload is not base64: {e}")))?;
        let now = notary_core::timefmt::truncate_to_seconds(time::OffsetDateTime::now_utc());
        let mut request = SignRequest::new(payload, now);
        if let Some(secs) = r.expiry_duration_in_seconds.filter(|s| *s > 0) {
            let secs = i64::try_from(secs).map_err(|_| validation_error("expiry too large"))?;
            let expiry = now
                .checked_add(time::Duration::seconds(secs))
                .ok_or_else(|| validation_error("expiry is after the year 9999"))?;
            request.expiry = Some(expiry);
        }
        request.signing_agent =
            Some(concat!("notation-localkey/", env!("CARGO_PKG_VERSION")).into());
        let signed = notary::sign_envelope(format, &request, &s, &notary::default_provider())
            .map_err(|e| generic_error(e.to_string()))?;
        Ok(GenerateEnvelopeResponse {
            signature_envelope: STANDARD.encode(&signed.bytes),
            signature_envelope_type: r.signature_envelope_type.clone(),
            annotations: Some(BTreeMap::from([(
                "io.notaryrs.localkey.signed".to_string(),
                "true".to_string(),
            )])),
        })
    }
}

fn main() -> ExitCode {
    notary_plugin::run(&LocalKeyPlugin)
}
