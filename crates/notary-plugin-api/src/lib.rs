//! Wire types of the Notary Project plugin protocol, contract version `1.0`: the JSON a host
//! writes to a plugin's stdin and reads from its stdout (field names exactly as notation uses
//! them). No process handling here.
//!
//! ```
//! use notary_plugin_api::{GetMetadataResponse, capability};
//! let m: GetMetadataResponse = serde_json::from_str(r#"{"name":"com.example.p","description":"d","version":"1.2.0",
//!   "url":"https://example.com","supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"]}"#)?;
//! assert!(m.capabilities.iter().any(|c| c == capability::VERIFIER_TRUSTED_IDENTITY));
//! # Ok::<(), serde_json::Error>(())
//! ```
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The contract version this crate speaks.
pub const CONTRACT_VERSION: &str = "1.0";

/// Capability names.
pub mod capability {
    /// Raw signature generation (`describe-key`, `generate-signature`).
    pub const SIGNATURE_GENERATOR_RAW: &str = "SIGNATURE_GENERATOR.RAW";
    /// Envelope generation (`generate-envelope`).
    pub const SIGNATURE_GENERATOR_ENVELOPE: &str = "SIGNATURE_GENERATOR.ENVELOPE";
    /// Trusted-identity verification (`verify-signature`).
    pub const VERIFIER_TRUSTED_IDENTITY: &str = "SIGNATURE_VERIFIER.TRUSTED_IDENTITY";
    /// Revocation checking (`verify-signature`).
    pub const VERIFIER_REVOCATION_CHECK: &str = "SIGNATURE_VERIFIER.REVOCATION_CHECK";
}

/// Command names (the plugin's first argument).
pub mod command {
    /// `get-plugin-metadata`.
    pub const GET_PLUGIN_METADATA: &str = "get-plugin-metadata";
    /// `verify-signature`.
    pub const VERIFY_SIGNATURE: &str = "verify-signature";
}

/// `get-plugin-metadata` request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GetMetadataRequest {
    /// Plugin configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_config: Option<BTreeMap<String, String>>,
}

/// `get-plugin-metadata` response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GetMetadataResponse {
    /// Plugin name (must equal its directory name).
    pub name: String,
    /// Description.
    pub description: String,
    /// SemVer version.
    pub version: String,
    /// Project URL.
    pub url: String,
    /// Contract versions supported (must include `1.0`).
    pub supported_contract_versions: Vec<String>,
    /// Capabilities.
    pub capabilities: Vec<String>,
}

/// The critical attributes sent to `verify-signature`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CriticalAttributes {
    /// Payload content type.
    pub content_type: String,
    /// Signing scheme.
    pub signing_scheme: String,
    /// Expiry (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// Authentic signing time (RFC 3339, signing-authority scheme).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentic_signing_time: Option<String>,
    /// Extended attributes by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_attributes: Option<BTreeMap<String, serde_json::Value>>,
}

/// The signature part of a `verify-signature` request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInfo {
    /// Critical attributes.
    pub critical_attributes: CriticalAttributes,
    /// Attributes the host did not process; the plugin must return those it processed.
    pub unprocessed_attributes: Vec<String>,
    /// Standard base64 DER certificates, leaf first.
    pub certificate_chain: Vec<String>,
}

/// The trust-policy part of a `verify-signature` request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicyInfo {
    /// Trusted identities of the statement.
    pub trusted_identities: Vec<String>,
    /// Capabilities the plugin is asked to run.
    pub signature_verification: Vec<String>,
}

/// `verify-signature` request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VerifySignatureRequest {
    /// Always `1.0`.
    pub contract_version: String,
    /// The signature.
    pub signature: SignatureInfo,
    /// The trust policy.
    pub trust_policy: TrustPolicyInfo,
    /// Plugin configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_config: Option<BTreeMap<String, String>>,
}

/// One capability's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VerificationResult {
    /// Whether it passed.
    pub success: bool,
    /// Why it failed (required when `success` is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `verify-signature` response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VerifySignatureResponse {
    /// Result per requested capability.
    pub verification_results: BTreeMap<String, VerificationResult>,
    /// Attributes the plugin processed.
    pub processed_attributes: Vec<String>,
}

/// The error a failing plugin writes to stderr.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PluginError {
    /// `VALIDATION_ERROR`, `UNSUPPORTED_CONTRACT_VERSION`, `ACCESS_DENIED`, `TIMEOUT`, `THROTTLED` or `ERROR`.
    pub error_code: String,
    /// Message.
    #[serde(default)]
    pub error_message: String,
    /// Extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_metadata: Option<BTreeMap<String, String>>,
}
