//! The `notation-pkcs11` plugin: [`crate::Pkcs11Signer`] behind notation's plugin protocol
//! (`SIGNATURE_GENERATOR.RAW`).
//!
//! Configured through `pluginConfig` (see [`crate::Pkcs11Config::from_settings`]: `module`,
//! `token`, `certChain`, `pinEnv`, optional `keyLabel`/`keyId`); the key id of the request is
//! the key label, or `id:<hex>` for a `CKA_ID`. The PIN comes only from the environment
//! variable `pinEnv` names (default `NOTARY_PKCS11_PIN`): a `pin` in `pluginConfig` is refused,
//! since notation stores key configs in plain `signingkeys.json`, `--plugin-config` values are
//! visible in the process list, and notation-go logs whole plugin requests with `--debug`.
//! Register a key with, for example:
//! `notary key add hsm-key --plugin pkcs11 --id mykey --plugin-config module=/usr/lib/softhsm/libsofthsm2.so --plugin-config token=notation --plugin-config pinEnv=HSM_PIN`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use notary_plugin::api::{
    DescribeKeyRequest, DescribeKeyResponse, GenerateSignatureRequest, GenerateSignatureResponse,
    GetMetadataRequest, GetMetadataResponse, PluginError, capability, error_code,
};
use notary_plugin::{Plugin, PluginResult};

use crate::{Pkcs11Config, Pkcs11Error, Pkcs11Signer};

/// Plugin name (install directory and `notation-pkcs11` executable).
pub const NAME: &str = "pkcs11";

/// The plugin.
#[derive(Debug, Default)]
pub struct Pkcs11Plugin;

fn to_plugin_error(e: Pkcs11Error) -> PluginError {
    let code = match e {
        Pkcs11Error::Config(_)
        | Pkcs11Error::Key { .. }
        | Pkcs11Error::UnsupportedKey(_)
        | Pkcs11Error::AmbiguousToken { .. } => error_code::VALIDATION_ERROR,
        Pkcs11Error::Login { .. } => error_code::ACCESS_DENIED,
        _ => error_code::GENERIC,
    };
    PluginError::new(code, e.to_string())
}

fn open(
    config: Option<&std::collections::BTreeMap<String, String>>,
    key_id: &str,
) -> PluginResult<Pkcs11Signer> {
    if config.is_some_and(|c| c.contains_key("pin")) {
        return Err(notary_plugin::validation_error(
            "a PIN in pluginConfig is refused (it is stored and logged in plain text): \
             put it in an environment variable and name that with pinEnv \
             (default NOTARY_PKCS11_PIN)",
        ));
    }
    let empty = std::collections::BTreeMap::new();
    let c = Pkcs11Config::from_settings(config.unwrap_or(&empty), Some(key_id))
        .map_err(to_plugin_error)?;
    Pkcs11Signer::open(&c).map_err(to_plugin_error)
}

impl Plugin for Pkcs11Plugin {
    fn metadata(&self, _: &GetMetadataRequest) -> GetMetadataResponse {
        notary_plugin::metadata(
            NAME,
            "Signs with keys held in a PKCS#11 token (notary-rs)",
            env!("CARGO_PKG_VERSION"),
            "https://example.invalid/notary-rs",
            &[capability::SIGNATURE_GENERATOR_RAW],
        )
    }

    fn describe_key(&self, r: &DescribeKeyRequest) -> PluginResult<DescribeKeyResponse> {
        let s = open(r.plugin_config.as_ref(), &r.key_id)?;
        Ok(DescribeKeyResponse {
            key_id: r.key_id.clone(),
            key_spec: s.spec.name().into(),
        })
    }

    fn generate_signature(
        &self,
        r: &GenerateSignatureRequest,
    ) -> PluginResult<GenerateSignatureResponse> {
        let s = open(r.plugin_config.as_ref(), &r.key_id)?;
        if r.key_spec != s.spec.name() {
            return Err(notary_plugin::validation_error(format!(
                "keySpec {:?} does not match the token key ({})",
                r.key_spec, s.spec
            )));
        }
        if r.hash_algorithm != s.spec.hash_algorithm().notary_name() {
            return Err(notary_plugin::validation_error(format!(
                "hashAlgorithm {:?} does not match the key spec {}",
                r.hash_algorithm, s.spec
            )));
        }
        let payload = STANDARD
            .decode(&r.payload)
            .map_err(|e| notary_plugin::validation_error(format!("payload is not base64: {e}")))?;
        let signature = s.sign_message(&payload).map_err(to_plugin_error)?;
        Ok(GenerateSignatureResponse {
            key_id: r.key_id.clone(),
            signature: STANDARD.encode(signature),
            signing_algorithm: s.spec.signature_algorithm().name().into(),
            certificate_chain: s.chain.iter().map(|c| STANDARD.encode(c)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_pin_in_plugin_config_is_refused_without_echoing_it() {
        let config = BTreeMap::from([
            (
                "module".to_string(),
                "/nonexistent/libpkcs11.so".to_string(),
            ),
            ("token".to_string(), "t".to_string()),
            ("pin".to_string(), "s3cr3t-pin".to_string()),
        ]);
        let e = Pkcs11Plugin
            .describe_key(&DescribeKeyRequest {
                contract_version: "1.0".into(),
                key_id: "k".into(),
                plugin_config: Some(config.clone()),
            })
            .unwrap_err();
        assert_eq!(e.error_code, error_code::VALIDATION_ERROR, "{e:?}");
        assert!(e.error_message.contains("pinEnv"), "{e:?}");
        assert!(!format!("{e:?}").contains("s3cr3t"));
        let e = Pkcs11Plugin
            .generate_signature(&GenerateSignatureRequest {
                contract_version: "1.0".into(),
                key_id: "k".into(),
                key_spec: "EC-256".into(),
                hash_algorithm: "SHA-256".into(),
                payload: "AA==".into(),
                plugin_config: Some(config),
            })
            .unwrap_err();
        assert_eq!(e.error_code, error_code::VALIDATION_ERROR, "{e:?}");
    }
}
