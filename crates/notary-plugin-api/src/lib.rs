#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
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

/// `keySpec` values (`describe-key`, `generate-signature`).
pub mod key_spec {
    /// RSA 2048-bit.
    pub const RSA_2048: &str = "RSA-2048";
    /// RSA 3072-bit.
    pub const RSA_3072: &str = "RSA-3072";
    /// RSA 4096-bit.
    pub const RSA_4096: &str = "RSA-4096";
    /// ECDSA on P-256.
    pub const EC_256: &str = "EC-256";
    /// ECDSA on P-384.
    pub const EC_384: &str = "EC-384";
    /// ECDSA on P-521.
    pub const EC_521: &str = "EC-521";
}

/// `hashAlgorithm` values (`generate-signature`).
pub mod hash_algorithm {
    /// SHA-256 (RSA-2048, EC-256).
    pub const SHA_256: &str = "SHA-256";
    /// SHA-384 (RSA-3072, EC-384).
    pub const SHA_384: &str = "SHA-384";
    /// SHA-512 (RSA-4096, EC-521).
    pub const SHA_512: &str = "SHA-512";
}

/// `signingAlgorithm` values (`generate-signature` responses).
pub mod signing_algorithm {
    /// RSASSA-PSS with SHA-256.
    pub const RSASSA_PSS_SHA_256: &str = "RSASSA-PSS-SHA-256";
    /// RSASSA-PSS with SHA-384.
    pub const RSASSA_PSS_SHA_384: &str = "RSASSA-PSS-SHA-384";
    /// RSASSA-PSS with SHA-512.
    pub const RSASSA_PSS_SHA_512: &str = "RSASSA-PSS-SHA-512";
    /// ECDSA with SHA-256.
    pub const ECDSA_SHA_256: &str = "ECDSA-SHA-256";
    /// ECDSA with SHA-384.
    pub const ECDSA_SHA_384: &str = "ECDSA-SHA-384";
    /// ECDSA with SHA-512.
    pub const ECDSA_SHA_512: &str = "ECDSA-SHA-512";
}

/// Command names (the plugin's first argument).
pub mod command {
    /// `get-plugin-metadata`.
    pub const GET_PLUGIN_METADATA: &str = "get-plugin-metadata";
    /// `verify-signature`.
    pub const VERIFY_SIGNATURE: &str = "verify-signature";
    /// `describe-key`.
    pub const DESCRIBE_KEY: &str = "describe-key";
    /// `generate-signature`.
    pub const GENERATE_SIGNATURE: &str = "generate-signature";
    /// `generate-envelope`.
    pub const GENERATE_ENVELOPE: &str = "generate-envelope";
}

/// Error codes of [`PluginError::error_code`].
pub mod error_code {
    /// The request was invalid (bad or missing field, unknown key).
    pub const VALIDATION_ERROR: &str = "VALIDATION_ERROR";
    /// The request's contract version is not supported by the plugin.
    pub const UNSUPPORTED_CONTRACT_VERSION: &str = "UNSUPPORTED_CONTRACT_VERSION";
    /// The plugin was refused access to a key or service.
    pub const ACCESS_DENIED: &str = "ACCESS_DENIED";
    /// A remote call of the plugin timed out.
    pub const TIMEOUT: &str = "TIMEOUT";
    /// A remote service throttled the plugin.
    pub const THROTTLED: &str = "THROTTLED";
    /// Any other failure (notation's generic code is spelled `ERROR`).
    pub const GENERIC: &str = "ERROR";
}

/// Reads `null` as the empty value. Go encodes a nil slice or map as `null` in fields declared
/// without `omitempty` (notation-go sends `"unprocessedAttributes":null` when nothing is left
/// unprocessed), and Go readers take it as empty. A missing field is an error in a request;
/// the response types read it as empty, as notation-go's decoder leaves it.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `verificationResults`, where the map or any entry may be `null` (Go's
/// `map[Capability]*VerificationResult`). A `null` entry is dropped: notation-go treats a nil
/// result like a missing one (verification inconclusive for that capability), and so does a
/// host reading this map, which fails on a requested capability without a result.
fn verification_results<'de, D>(
    deserializer: D,
) -> Result<BTreeMap<String, VerificationResult>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let map: Option<BTreeMap<String, Option<VerificationResult>>> =
        Option::deserialize(deserializer)?;
    Ok(map
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

/// Payload type of `generate-envelope` requests (the Notary payload).
pub const PAYLOAD_TYPE_NOTARY_V1: &str = "application/vnd.cncf.notary.payload.v1+json";

/// `describe-key` request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DescribeKeyRequest {
    /// Always `1.0`.
    pub contract_version: String,
    /// The key id registered with the key.
    pub key_id: String,
    /// Plugin configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_config: Option<BTreeMap<String, String>>,
}

/// `describe-key` response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct DescribeKeyResponse {
    /// Must echo the request's key id.
    pub key_id: String,
    /// `RSA-2048`, `RSA-3072`, `RSA-4096`, `EC-256`, `EC-384` or `EC-521`.
    pub key_spec: String,
}

/// `generate-signature` request (capability `SIGNATURE_GENERATOR.RAW`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GenerateSignatureRequest {
    /// Always `1.0`.
    pub contract_version: String,
    /// The key id.
    pub key_id: String,
    /// The key spec `describe-key` returned.
    pub key_spec: String,
    /// `SHA-256`, `SHA-384` or `SHA-512`, as the key spec implies.
    pub hash_algorithm: String,
    /// Standard base64 of the bytes to sign; the plugin hashes them with `hash_algorithm`.
    pub payload: String,
    /// Plugin configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_config: Option<BTreeMap<String, String>>,
}

/// `generate-signature` response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct GenerateSignatureResponse {
    /// Must echo the request's key id.
    pub key_id: String,
    /// Standard base64 of the signature (RSASSA-PSS bytes, or raw `r||s` for ECDSA).
    pub signature: String,
    /// `RSASSA-PSS-SHA-256` ... `ECDSA-SHA-512`.
    pub signing_algorithm: String,
    /// Standard base64 DER certificates, leaf first, root last (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
    pub certificate_chain: Vec<String>,
}

/// `generate-envelope` request (capability `SIGNATURE_GENERATOR.ENVELOPE`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GenerateEnvelopeRequest {
    /// Always `1.0`.
    pub contract_version: String,
    /// The key id.
    pub key_id: String,
    /// [`PAYLOAD_TYPE_NOTARY_V1`].
    pub payload_type: String,
    /// `application/jose+json` or `application/cose`.
    pub signature_envelope_type: String,
    /// Standard base64 of the Notary payload JSON.
    pub payload: String,
    /// Signature lifetime in seconds (omitted when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_duration_in_seconds: Option<u64>,
    /// Plugin configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_config: Option<BTreeMap<String, String>>,
}

/// `generate-envelope` response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct GenerateEnvelopeResponse {
    /// Standard base64 of the envelope.
    pub signature_envelope: String,
    /// Must equal the request's envelope type.
    pub signature_envelope_type: String,
    /// Annotations the host adds to the signature manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct GetMetadataResponse {
    /// Plugin name (must equal its directory name).
    pub name: String,
    /// Description.
    pub description: String,
    /// SemVer version.
    pub version: String,
    /// Project URL.
    pub url: String,
    /// Contract versions supported (must include `1.0`; `null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
    pub supported_contract_versions: Vec<String>,
    /// Capabilities (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
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
    /// Expiry (RFC 3339). notation sends Go's zero time, `0001-01-01T00:00:00Z`, for a
    /// signature without one: read it through [`CriticalAttributes::expiry`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
    /// Authentic signing time (RFC 3339, signing-authority scheme).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentic_signing_time: Option<String>,
    /// Extended attributes by name. Only text-labelled attributes with JSON-representable values
    /// fit here; a host must fail verification on a critical attribute that does not (an
    /// integer COSE label, a byte string), since the plugin could never report it processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_attributes: Option<BTreeMap<String, serde_json::Value>>,
}

impl CriticalAttributes {
    /// The expiry, `None` when the signature has none: the member absent, empty, or Go's zero
    /// time (which notation sends for a signature without expiry).
    ///
    /// ```
    /// # use notary_plugin_api::CriticalAttributes;
    /// let mut a: CriticalAttributes = serde_json::from_str(
    ///     r#"{"contentType":"application/vnd.cncf.notary.payload.v1+json",
    ///         "signingScheme":"notary.x509","expiry":"0001-01-01T00:00:00Z"}"#,
    /// ).unwrap();
    /// assert_eq!(a.expiry(), None);
    /// a.expiry = Some("2027-01-01T00:00:00Z".into());
    /// assert_eq!(a.expiry(), Some("2027-01-01T00:00:00Z"));
    /// ```
    pub fn expiry(&self) -> Option<&str> {
        self.expiry
            .as_deref()
            .filter(|e| !e.is_empty() && !e.starts_with("0001-01-01T00:00:00"))
    }
}

/// The signature part of a `verify-signature` request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInfo {
    /// Critical attributes.
    pub critical_attributes: CriticalAttributes,
    /// Attributes the host did not process; the plugin must return those it processed
    /// (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
    pub unprocessed_attributes: Vec<String>,
    /// Standard base64 DER certificates, leaf first (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
    pub certificate_chain: Vec<String>,
}

/// The trust-policy part of a `verify-signature` request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicyInfo {
    /// Trusted identities of the statement (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
    pub trusted_identities: Vec<String>,
    /// Capabilities the plugin is asked to run (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct VerificationResult {
    /// Whether it passed.
    pub success: bool,
    /// Why it failed (required when `success` is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `verify-signature` response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct VerifySignatureResponse {
    /// Result per requested capability (`null`, and `null` entries, read as absent).
    #[serde(deserialize_with = "verification_results")]
    pub verification_results: BTreeMap<String, VerificationResult>,
    /// Attributes the plugin processed (`null` reads as empty).
    #[serde(deserialize_with = "null_as_empty")]
    pub processed_attributes: Vec<String>,
}

/// The error a failing plugin writes to stderr (exit code 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
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

impl PluginError {
    /// An error with `code` (see [`error_code`]) and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            error_code: code.to_string(),
            error_message: message.into(),
            error_metadata: None,
        }
    }

    /// The error with `key` = `value` added to its `errorMetadata`.
    ///
    /// ```
    /// # use notary_plugin_api::{PluginError, error_code};
    /// let e = PluginError::new(error_code::ACCESS_DENIED, "no access to the key")
    ///     .with_metadata("keyId", "k1");
    /// assert_eq!(e.to_string(), "ACCESS_DENIED: no access to the key");
    /// assert_eq!(e.error_metadata.unwrap()["keyId"], "k1");
    /// ```
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.error_metadata
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
        self
    }
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_code, self.error_message)
    }
}

impl std::error::Error for PluginError {}

/// An I/O failure of the plugin (a key file, a socket) as a generic `ERROR`, so handlers can
/// use `?` on it.
impl From<std::io::Error> for PluginError {
    fn from(e: std::io::Error) -> Self {
        Self::new(error_code::GENERIC, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_messages_use_notation_field_names() {
        let r = GenerateSignatureRequest {
            contract_version: CONTRACT_VERSION.into(),
            key_id: "k".into(),
            key_spec: "EC-256".into(),
            hash_algorithm: "SHA-256".into(),
            payload: "AAE=".into(),
            plugin_config: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"contractVersion":"1.0","keyId":"k","keySpec":"EC-256","hashAlgorithm":"SHA-256","payload":"AAE="}"#
        );
        let e: GenerateEnvelopeRequest = serde_json::from_str(
            r#"{"contractVersion":"1.0","keyId":"k","payloadType":"application/vnd.cncf.notary.payload.v1+json",
            "signatureEnvelopeType":"application/cose","payload":"e30=","expiryDurationInSeconds":3600,"unknown":1}"#,
        )
        .unwrap();
        assert_eq!(e.expiry_duration_in_seconds, Some(3600));
        let resp: GenerateSignatureResponse = serde_json::from_str(
            r#"{"keyId":"k","signature":"AQ==","signingAlgorithm":"ECDSA-SHA-256","certificateChain":["AQ=="]}"#,
        )
        .unwrap();
        assert_eq!(resp.signing_algorithm, "ECDSA-SHA-256");
        let d = DescribeKeyResponse {
            key_id: "k".into(),
            key_spec: "RSA-3072".into(),
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"keyId":"k","keySpec":"RSA-3072"}"#
        );
        let env = GenerateEnvelopeResponse {
            signature_envelope: "e30=".into(),
            signature_envelope_type: "application/jose+json".into(),
            annotations: Some(BTreeMap::from([("a".into(), "b".into())])),
        };
        assert_eq!(
            serde_json::to_string(&env).unwrap(),
            r#"{"signatureEnvelope":"e30=","signatureEnvelopeType":"application/jose+json","annotations":{"a":"b"}}"#
        );
        let err = PluginError::new(error_code::GENERIC, "boom");
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"errorCode":"ERROR","errorMessage":"boom"}"#
        );
    }

    /// What notation-go sends for a signature with no extended critical attribute: Go's nil
    /// slices as `null` (here also a nil `trustedIdentities`).
    #[test]
    fn go_null_slices_in_a_verify_request_read_as_empty() {
        let r: VerifySignatureRequest = serde_json::from_str(
            r#"{"contractVersion":"1.0","signature":{"criticalAttributes":{"contentType":"application/vnd.cncf.notary.payload.v1+json","signingScheme":"notary.x509"},"unprocessedAttributes":null,"certificateChain":["AQID"]},"trustPolicy":{"trustedIdentities":null,"signatureVerification":["SIGNATURE_VERIFIER.REVOCATION_CHECK"]}}"#,
        )
        .unwrap();
        assert!(r.signature.unprocessed_attributes.is_empty());
        assert_eq!(r.signature.certificate_chain, ["AQID"]);
        assert!(r.trust_policy.trusted_identities.is_empty());
        assert_eq!(
            r.trust_policy.signature_verification,
            [capability::VERIFIER_REVOCATION_CHECK]
        );
        let r: VerifySignatureRequest = serde_json::from_str(
            r#"{"contractVersion":"1.0","signature":{"criticalAttributes":{"contentType":"c","signingScheme":"notary.x509"},"unprocessedAttributes":["a"],"certificateChain":null},"trustPolicy":{"trustedIdentities":["*"],"signatureVerification":null}}"#,
        )
        .unwrap();
        assert_eq!(r.signature.unprocessed_attributes, ["a"]);
        assert!(r.signature.certificate_chain.is_empty());
        assert!(r.trust_policy.signature_verification.is_empty());
        // Written as before: empty lists, never `null`.
        assert_eq!(
            serde_json::to_string(&r.signature).unwrap(),
            r#"{"criticalAttributes":{"contentType":"c","signingScheme":"notary.x509"},"unprocessedAttributes":["a"],"certificateChain":[]}"#
        );
    }

    /// What a Go plugin returns from nil slices and maps, and from a nil `*VerificationResult`.
    #[test]
    fn go_null_slices_and_maps_in_plugin_responses_read_as_empty() {
        let v: VerifySignatureResponse = serde_json::from_str(
            r#"{"verificationResults":{"SIGNATURE_VERIFIER.TRUSTED_IDENTITY":{"success":true},"SIGNATURE_VERIFIER.REVOCATION_CHECK":null},"processedAttributes":null}"#,
        )
        .unwrap();
        // The null entry is dropped: a requested capability without a result.
        assert_eq!(
            v.verification_results,
            BTreeMap::from([(
                capability::VERIFIER_TRUSTED_IDENTITY.to_string(),
                VerificationResult {
                    success: true,
                    reason: None
                }
            )])
        );
        assert!(v.processed_attributes.is_empty());
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"verificationResults":{"SIGNATURE_VERIFIER.TRUSTED_IDENTITY":{"success":true}},"processedAttributes":[]}"#
        );
        let v: VerifySignatureResponse =
            serde_json::from_str(r#"{"verificationResults":null,"processedAttributes":["x"]}"#)
                .unwrap();
        assert!(v.verification_results.is_empty());
        assert_eq!(v.processed_attributes, ["x"]);

        let m: GetMetadataResponse = serde_json::from_str(
            r#"{"name":"p","description":"d","version":"1.0.0","url":"u","supportedContractVersions":null,"capabilities":null}"#,
        )
        .unwrap();
        assert!(m.supported_contract_versions.is_empty());
        assert!(m.capabilities.is_empty());
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"name":"p","description":"d","version":"1.0.0","url":"u","supportedContractVersions":[],"capabilities":[]}"#
        );

        let g: GenerateSignatureResponse = serde_json::from_str(
            r#"{"keyId":"k","signature":"AQ==","signingAlgorithm":"ECDSA-SHA-256","certificateChain":null}"#,
        )
        .unwrap();
        assert!(g.certificate_chain.is_empty());
    }

    /// A missing response member reads as empty, as Go's decoder leaves it; a wrong type is
    /// still refused.
    #[test]
    fn missing_response_members_read_empty_and_mistyped_ones_are_refused() {
        let r: VerifySignatureResponse =
            serde_json::from_str(r#"{"verificationResults":{}}"#).unwrap();
        assert!(r.processed_attributes.is_empty());
        let r: VerifySignatureResponse =
            serde_json::from_str(r#"{"processedAttributes":["a"]}"#).unwrap();
        assert!(r.verification_results.is_empty());
        assert_eq!(r.processed_attributes, ["a"]);
        for bad in [
            r#"{"verificationResults":{"X":true},"processedAttributes":[]}"#,
            r#"{"verificationResults":{},"processedAttributes":"a"}"#,
        ] {
            assert!(
                serde_json::from_str::<VerifySignatureResponse>(bad).is_err(),
                "{bad}"
            );
        }
        // Requests keep their required members.
        assert!(serde_json::from_str::<DescribeKeyRequest>(r#"{"keyId":"k"}"#).is_err());
    }
}
