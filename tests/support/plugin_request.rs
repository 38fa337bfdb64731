//! A `verify-signature` request for tests that only need the plugin to be run.

use notary_plugin_api::{
    CONTRACT_VERSION, CriticalAttributes, SignatureInfo, TrustPolicyInfo, VerifySignatureRequest,
};

/// A request whose chain is the one base64 `certificate` (its length sizes the request).
pub fn verify_signature_request(certificate: String) -> VerifySignatureRequest {
    VerifySignatureRequest {
        contract_version: CONTRACT_VERSION.into(),
        signature: SignatureInfo {
            critical_attributes: CriticalAttributes {
                content_type: "application/vnd.cncf.notary.payload.v1+json".into(),
                signing_scheme: "notary.x509".into(),
                expiry: None,
                authentic_signing_time: None,
                extended_attributes: None,
            },
            unprocessed_attributes: Vec::new(),
            certificate_chain: vec![certificate],
        },
        trust_policy: TrustPolicyInfo {
            trusted_identities: vec!["*".into()],
            signature_verification: Vec::new(),
        },
        plugin_config: None,
    }
}
