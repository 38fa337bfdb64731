//! Members that notation-go's `encoding/json` reads as one field (equal names, or names equal
//! under Go's case folding) are refused: Go keeps the last of them, so a policy reviewed with
//! notation could otherwise mean something weaker here. A single case variant is read as Go
//! reads it.

use notary_trustpolicy::{
    BlobTrustPolicy, Error, OciTrustPolicy, TrustedIdentity, ValidationAction, ValidationType,
    VerificationLevel,
};

/// An OCI document with `statement` as its only statement and `doc_extra` as extra document
/// members (each followed by a comma).
fn oci(doc_extra: &str, statement: &str) -> Result<OciTrustPolicy, Error> {
    OciTrustPolicy::from_json(
        format!(r#"{{"version":"1.0",{doc_extra}"trustPolicies":[{statement}]}}"#).as_bytes(),
    )
}

const STRICT: &str = r#"{"name":"prod","registryScopes":["registry.example/app"],
    "signatureVerification":{"level":"strict"},"trustStores":["ca:prod"],
    "trustedIdentities":["x509.subject: C=US,ST=WA,O=Example,CN=Prod"]}"#;

fn ambiguous(
    r: Result<impl std::fmt::Debug, Error>,
) -> (Option<String>, &'static str, String, String) {
    match r {
        Err(Error::AmbiguousMember {
            statement,
            object,
            first,
            second,
        }) => (statement, object, first, second),
        other => panic!("expected AmbiguousMember, got {other:?}"),
    }
}

#[test]
fn document_members_equal_under_go_folding_are_refused() {
    // The baseline is valid, so each refusal below is caused by the repeated member.
    assert_eq!(oci("", STRICT).unwrap().statements[0].name, "prod");
    // Go would use the second, empty list; we must not use the first.
    let e = ambiguous(oci(r#""TrustPolicies":[],"#, STRICT));
    assert_eq!(
        e,
        (
            None,
            "document",
            "TrustPolicies".into(),
            "trustPolicies".into()
        )
    );
    let e = ambiguous(oci(r#""Version":"1.0","#, STRICT));
    assert_eq!(e, (None, "document", "version".into(), "Version".into()));
    // U+017F LATIN SMALL LETTER LONG S folds to `s` in Go.
    let e = ambiguous(oci("\"tru\u{17f}tPolicies\":[],", STRICT));
    assert_eq!(e.2, "tru\u{17f}tPolicies");
    // U+212A KELVIN SIGN folds to `k` in Go (no policy field has a `k`, so an unknown one).
    let e = ambiguous(oci("\"kind\":1,\"\u{212a}IND\":2,", STRICT));
    assert_eq!((e.2.as_str(), e.3.as_str()), ("kind", "\u{212a}IND"));
    let err = oci(r#""Version":"1.0","#, STRICT).unwrap_err().to_string();
    assert!(
        err.contains("\"version\"") && err.contains("\"Version\""),
        "{err}"
    );
}

#[test]
fn statement_members_equal_under_go_folding_are_refused() {
    let st = r#"{"name":"prod","registryScopes":["registry.example/app"],
        "signatureVerification":{"level":"strict"},"trustStores":["ca:prod"],
        "trustedIdentities":["x509.subject: C=US,ST=WA,O=Example,CN=Prod"],"TrustedIdentities":["*"]}"#;
    let e = ambiguous(oci("", st));
    assert_eq!(
        e,
        (
            Some("prod".into()),
            "statement",
            "trustedIdentities".into(),
            "TrustedIdentities".into()
        )
    );
    let err = oci("", st).unwrap_err().to_string();
    assert!(
        err.contains("\"prod\"") && err.contains("\"TrustedIdentities\""),
        "{err}"
    );
    let blob = r#"{"version":"1.0","trustPolicies":[{"name":"b","globalPolicy":true,
        "signatureVerification":{"level":"strict"},"trustStores":["ca:b"],
        "trustedIdentities":["*"],"GLOBALPOLICY":false}]}"#;
    let e = ambiguous(BlobTrustPolicy::from_json(blob.as_bytes()));
    assert_eq!(
        e,
        (
            Some("b".into()),
            "statement",
            "globalPolicy".into(),
            "GLOBALPOLICY".into()
        )
    );
    // Exact repeats too (document order is kept).
    let blob = blob.replace(r#""GLOBALPOLICY":false"#, r#""trustStores":["ca:c"]"#);
    let e = ambiguous(BlobTrustPolicy::from_json(blob.as_bytes()));
    assert_eq!((e.2.as_str(), e.3.as_str()), ("trustStores", "trustStores"));
}

#[test]
fn signature_verification_members_equal_under_go_folding_are_refused() {
    // notation-go enforces strict here; reading the first member would skip verification.
    let st = r#"{"name":"prod","registryScopes":["*"],
        "signatureVerification":{"level":"skip","Level":"strict"}}"#;
    let e = ambiguous(oci("", st));
    assert_eq!(
        e,
        (
            Some("prod".into()),
            "signatureVerification",
            "level".into(),
            "Level".into()
        )
    );
    let err = oci("", st).unwrap_err().to_string();
    assert!(
        err.contains("\"prod\"") && err.contains("\"level\"") && err.contains("\"Level\""),
        "{err}"
    );
    // Exact repeats too: Go keeps "strict" over a later null, we would have read "".
    let st = STRICT.replace(
        r#"{"level":"strict"}"#,
        r#"{"level":"strict","level":null}"#,
    );
    assert_eq!(ambiguous(oci("", &st)).2, "level");
    let st = STRICT.replace(
        r#"{"level":"strict"}"#,
        "{\"level\":\"strict\",\"verifyTime\u{17f}tamp\":\"afterCertExpiry\",\"VERIFYTIMESTAMP\":\"always\"}",
    );
    let e = ambiguous(oci("", &st));
    assert_eq!(
        (e.2.as_str(), e.3.as_str()),
        ("verifyTime\u{17f}tamp", "VERIFYTIMESTAMP")
    );
}

#[test]
fn override_keys_are_data_so_only_exact_repeats_collide() {
    let with = |o: &str| {
        oci(
            "",
            &STRICT.replace(
                r#"{"level":"strict"}"#,
                &format!(r#"{{"level":"strict","override":{o}}}"#),
            ),
        )
    };
    let e = ambiguous(with(r#"{"revocation":"log","revocation":"skip"}"#));
    assert_eq!(
        e,
        (
            Some("prod".into()),
            "override",
            "revocation".into(),
            "revocation".into()
        )
    );
    // A Go map key is matched exactly: "Revocation" is an unsupported type, as in notation.
    match with(r#"{"revocation":"log","Revocation":"skip"}"#) {
        Err(Error::Invalid { reason, .. }) => assert!(reason.contains("Revocation"), "{reason}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let p = with(r#"{"revocation":"log"}"#).unwrap();
    assert_eq!(
        p.statements[0]
            .signature_verification
            .enforcement
            .action(ValidationType::Revocation),
        ValidationAction::Log
    );
}

#[test]
fn a_single_case_variant_member_is_read_as_go_reads_it() {
    let doc = "{\"Version\":\"1.0\",\"TRUSTPOLICIES\":[{\"Name\":\"prod\",\
        \"RegistryScopes\":[\"registry.example/app\"],\
        \"\u{17f}ignatureVerification\":{\"Level\":\"audit\",\"OVERRIDE\":{\"expiry\":\"log\"}},\
        \"TrustStores\":[\"ca:prod\"],\"trustedidentities\":[\"*\"]}]}";
    let p = OciTrustPolicy::from_json(doc.as_bytes()).unwrap();
    assert_eq!(p.version, "1.0");
    let s = &p.statements[0];
    assert_eq!(s.name, "prod");
    assert_eq!(s.registry_scopes, ["registry.example/app"]);
    assert_eq!(s.signature_verification.level, VerificationLevel::Custom);
    assert_eq!(
        s.signature_verification
            .enforcement
            .action(ValidationType::Authenticity),
        ValidationAction::Log,
        "the audit level applies"
    );
    assert_eq!(s.trust_stores[0].name, "prod");
    assert_eq!(s.trusted_identities, [TrustedIdentity::Any]);
}

#[test]
fn a_long_s_variant_of_trust_stores_counts_as_notation_counts_it() {
    // notation-go reads `tru\u{17f}tStores` as trustStores and refuses them on a skip statement.
    let st = "{\"name\":\"open\",\"registryScopes\":[\"*\"],\
        \"signatureVerification\":{\"level\":\"skip\"},\"tru\u{17f}tStores\":[\"ca:x\"]}";
    // Without it the statement is valid, so the refusal is due to the long-s member.
    assert!(oci("", &st.replace(",\"tru\u{17f}tStores\":[\"ca:x\"]", "")).is_ok());
    match oci("", st) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "trustStores"),
        other => panic!("expected Invalid trustStores, got {other:?}"),
    }
}

#[test]
fn repeats_in_members_notation_ignores_are_not_refused() {
    let p = oci(r#""comment":{"a":1,"a":2,"A":3},"#, STRICT).unwrap();
    assert_eq!(p.statements[0].name, "prod");
}

#[test]
fn deeply_nested_hostile_input_is_an_error_not_a_crash() {
    let deep = format!(r#""x":{}1{},"#, "[".repeat(100_000), "]".repeat(100_000));
    assert!(oci(&deep, STRICT).unwrap_err().is_parse_error());
}
