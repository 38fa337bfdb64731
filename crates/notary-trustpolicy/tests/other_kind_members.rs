//! A member that belongs to the other kind of document (`globalPolicy` in an OCI policy,
//! `registryScopes` in a blob policy) is an unknown member there: notation-go's decoder ignores
//! it whatever its type, and so do we.

use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy};

#[test]
fn global_policy_in_an_oci_document_is_ignored_whatever_its_type() {
    for value in [r#""yes""#, "1", "[true]", "true", "null"] {
        let doc = format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"globalPolicy":{value},
            "signatureVerification":{{"level":"strict"}},"trustStores":["ca:s"],"trustedIdentities":["*"]}}]}}"#
        );
        let p =
            OciTrustPolicy::from_json(doc.as_bytes()).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert!(!p.statements[0].global_policy, "{value}");
    }
}

#[test]
fn registry_scopes_in_a_blob_document_are_ignored_whatever_their_type() {
    for value in [r#""x""#, "[1]", r#"["bad scope"]"#, "{}", r#"["*","a/b"]"#] {
        let doc = format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":{value},"globalPolicy":true,
            "signatureVerification":{{"level":"strict"}},"trustStores":["ca:s"],"trustedIdentities":["*"]}}]}}"#
        );
        let p =
            BlobTrustPolicy::from_json(doc.as_bytes()).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert!(p.statements[0].registry_scopes.is_empty(), "{value}");
    }
    // A real blob member of the wrong type is still refused.
    let doc = r#"{"version":"1.0","trustPolicies":[{"name":"p","globalPolicy":"yes",
        "signatureVerification":{"level":"strict"},"trustStores":["ca:s"],"trustedIdentities":["*"]}]}"#;
    assert!(BlobTrustPolicy::from_json(doc.as_bytes()).is_err());
}
