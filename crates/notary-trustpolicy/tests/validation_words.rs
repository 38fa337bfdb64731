//! Validation errors read as notation v1.3.2 prints them (found by a differential review of
//! `policy import` and `verify` output): a rule every statement follows is named by its
//! document (`trust policy: ...`; `blob trust policy: ...` for a blob document), a document's
//! own rules are not, and a wildcard identity among others is reported before any identity is
//! read.

use notary_trustpolicy::{BlobTrustPolicy, Error, OciTrustPolicy};

fn oci(statement: &str) -> String {
    let doc = format!(r#"{{"version": "1.0", "trustPolicies": [{statement}]}}"#);
    OciTrustPolicy::from_json(doc.as_bytes())
        .unwrap_err()
        .to_string()
}

#[test]
fn statement_rules_are_named_by_their_document() {
    for (statement, words) in [
        (
            r#"{"name": "", "registryScopes": ["*"], "signatureVerification": {"level": "skip"}}"#,
            "trust policy: a trust policy statement is missing a name, every statement requires a name",
        ),
        (
            r#"{"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "bogus"}}"#,
            "trust policy: trust policy statement \"p\" has invalid signatureVerification: invalid signature verification level \"bogus\"",
        ),
        (
            r#"{"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"}, "trustStores": ["bad"], "trustedIdentities": ["*"]}"#,
            "trust policy: trust policy statement \"p\" has malformed trust store value \"bad\". The required format is <TrustStoreType>:<TrustStoreName>",
        ),
        // The wildcard first, though the identity before it is invalid.
        (
            r#"{"name": "p", "registryScopes": ["*"], "signatureVerification": {"level": "strict"}, "trustStores": ["ca:x"], "trustedIdentities": ["x509.subject:CN=a", "*"]}"#,
            "trust policy: trust policy statement \"p\" uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values",
        ),
        // The document's own rules: no prefix, the statement named once.
        (
            r#"{"name": "p", "registryScopes": [], "signatureVerification": {"level": "skip"}}"#,
            "trust policy statement \"p\" has zero registry scopes, it must specify registry scopes with at least one value",
        ),
        (
            r#"{"name": "p", "registryScopes": ["*", "a.io/b"], "signatureVerification": {"level": "skip"}}"#,
            "trust policy statement \"p\" uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values",
        ),
        (
            r#"{"name": "p", "registryScopes": ["a.io/b"], "signatureVerification": {"level": "skip"}}, {"name": "q", "registryScopes": ["a.io/b"], "signatureVerification": {"level": "skip"}}"#,
            "registry scope \"a.io/b\" is present in multiple trust policy statements, one registry scope value can only be associated with one statement",
        ),
        (
            r#"{"name": "p", "registryScopes": ["a.io/b"], "signatureVerification": {"level": "skip"}}, {"name": "p", "registryScopes": ["a.io/c"], "signatureVerification": {"level": "skip"}}"#,
            "multiple trust policy statements use the same name \"p\", statement names must be unique",
        ),
    ] {
        assert_eq!(oci(statement), words, "{statement}");
    }
}

#[test]
fn a_blob_document_names_itself() {
    let doc = br#"{"version": "1.0", "trustPolicies": [{"name": "", "signatureVerification": {"level": "skip"}}]}"#;
    let e = BlobTrustPolicy::from_json(doc).unwrap_err();
    assert_eq!(
        e.to_string(),
        "blob trust policy: a trust policy statement is missing a name, every statement requires a name"
    );
    assert!(
        matches!(
            e,
            Error::Invalid {
                document: Some("blob trust policy"),
                field: "name",
                ..
            }
        ),
        "{e:?}"
    );
}
