//! The `notation-pkcs11` plugin: [`crate::Pkcs11Signer`] behind notation's plugin protocol
//! (`SIGNATURE_GENERATOR.RAW`).
//!
//! Configured through `pluginConfig` (see [`crate::Pkcs11Config::from_settings`]: `module`,
//! `token`, `certChain`, `pinEnv`, optional `keyLabel`/`keyId`); the key id of the request is
//! the key label, or `id:<hex>` for a `CKA_ID`. Register a key with, for example:
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
        Pkcs11Error::Config(_) | Pkcs11Error::Key { .. } | Pkcs11Error::UnsupportedKey(_) => {
            error_code::VALIDATION_ERROR
        }
        Pkcs11Error::Login { .. } => error_code::ACCESS_DENIED,
        _ => error_code::GENERIC,
    };
    PluginError::new(code, e.to_string())
}

fn open(
    config: Option<&std::collections::BTreeMap<String, String>>,
    key_id: &str,
) -> PluginResult<Pkcs11Signer> {
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
