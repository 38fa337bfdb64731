//! Every trust-policy case of the interop corpus (`../shared/interop/cases.json`): documents
//! notation accepts or rejects, statement selection, and blob policies.

use notary_trustpolicy::{
    BlobTrustPolicy, OciTrustPolicy, TrustedIdentity, match_trusted_identity,
};
use serde_json::Value;

fn interop() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop")
}

fn policy_bytes(input: &Value) -> Vec<u8> {
    let p = &input["policy"];
    match p.get("document") {
        Some(d) => serde_json::to_vec(d).unwrap(),
        None => std::fs::read(interop().join("data").join(p["path"].as_str().unwrap())).unwrap(),
    }
}

/// Runs one case; returns `Ok(selected statement)` or `Err(validation name)`.
fn run(check: &str, input: &Value) -> Result<Option<String>, &'static str> {
    let bytes = policy_bytes(input);
    let parse_kind = |e: &notary_trustpolicy::Error| {
        if e.is_parse_error() {
            "parse"
        } else {
            "policy"
        }
    };
    match check {
        "oci-policy-validate+select" => {
            let p = OciTrustPolicy::from_json(&bytes).map_err(|e| parse_kind(&e))?;
            match input.get("reference").and_then(Value::as_str) {
                Some(r) => p
                    .statement_for(r)
                    .map(|s| Some(s.name.clone()))
                    .map_err(|_| "policy"),
                None => Ok(None),
            }
        }
        "blob-policy-validate" => {
            let p = BlobTrustPolicy::from_json(&bytes).map_err(|e| parse_kind(&e))?;
            let name = input.get("policy_name").and_then(Value::as_str);
            if name.is_none() && input.get("expected_statement").is_none_or(Value::is_null) {
                return Ok(None);
            }
            p.statement(name)
                .map(|s| Some(s.name.clone()))
                .map_err(|_| "policy")
        }
        "policy-parse" => {
            let r = if input["policy"]["kind"] == "blob" {
                BlobTrustPolicy::from_json(&bytes).map(|_| ())
            } else {
                OciTrustPolicy::from_json(&bytes).map(|_| ())
            };
            r.map(|_| None).map_err(|_| "parse")
        }
        _ => unreachable!(),
    }
}

#[test]
fn every_policy_case_of_the_corpus() {
    let cases: Value =
        serde_json::from_slice(&std::fs::read(interop().join("cases.json")).unwrap()).unwrap();
    let mut n = 0;
    let mut failures = Vec::new();
    for c in cases["cases"].as_array().unwrap() {
        let check = c["check"].as_str().unwrap();
        if !matches!(
            check,
            "oci-policy-validate+select" | "blob-policy-validate" | "policy-parse"
        ) {
            continue;
        }
        n += 1;
        let got = run(check, &c["input"]);
        let ok = match (&got, c["expected"].as_str().unwrap()) {
            (Ok(sel), "pass") => match c["input"].get("expected_statement").and_then(Value::as_str)
            {
                Some(want) => sel.as_deref() == Some(want),
                None => true,
            },
            (Err(v), "fail") => c["expected_validation"].as_str() == Some(*v),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: got {got:?}, expected {} {}",
                c["id"], c["expected"], c["expected_validation"]
            ));
        }
    }
    assert_eq!(n, 47, "the corpus has 47 policy cases");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn identity_matching() {
    let ids: Vec<TrustedIdentity> = ["x509.subject:C=US,O=SomeOrg,ST=WA"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let leaf = "CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US";
    assert!(match_trusted_identity(&ids, leaf, "p").is_ok());
    assert!(match_trusted_identity(&ids, "CN=SomeCN,O=Other,ST=WA,C=US", "p").is_err());
    let other: Vec<TrustedIdentity> = vec!["nonX509Prefix:my-custom-identity".parse().unwrap()];
    assert!(match_trusted_identity(&other, leaf, "p").is_err());
    assert!(match_trusted_identity(&[TrustedIdentity::Any], "anything", "p").is_ok());
    // A subject Go renders with `=#` (e.g. an email attribute) never matches an x509.subject identity.
    assert!(
        match_trusted_identity(
            &ids,
            "CN=x,O=SomeOrg,ST=WA,C=US,1.2.840.113549.1.9.1=#0c03612e62",
            "p"
        )
        .is_err()
    );
    // Multi-valued RDNs in the rendering (two OU values) cannot match either.
    assert!(match_trusted_identity(&ids, "CN=x,OU=a+OU=b,O=SomeOrg,ST=WA,C=US", "p").is_err());
    // A mismatch in notation's words: Go's `%q` of the identity maps and the policy name.
    let e = match_trusted_identity(&ids, "CN=SomeCN,O=Other,ST=WA,C=US", "e2e").unwrap_err();
    assert!(
        e.to_string().ends_with(
            r#"does not match the X.509 trusted identities [map["C":"US" "O":"SomeOrg" "ST":"WA"]] defined in the trust policy "e2e""#
        ),
        "{e}"
    );
}

#[test]
fn an_identity_escaped_to_bytes_that_are_not_utf8_parses_and_never_matches() {
    // go-ldap keeps the byte `\fc` as it is: notation accepts the policy, and no certificate
    // subject (always UTF-8 as Go renders it) can equal it, not even one holding U+FFFD.
    let bad: TrustedIdentity = r"x509.subject:C=DE,ST=BY,O=M\fcller".parse().unwrap();
    let good: TrustedIdentity = "x509.subject:C=DE,ST=BY,O=Acme".parse().unwrap();
    for subject in [
        "CN=a,O=Müller,ST=BY,C=DE",
        "CN=a,O=M\u{fffd}ller,ST=BY,C=DE",
    ] {
        let e = match_trusted_identity(std::slice::from_ref(&bad), subject, "p").unwrap_err();
        assert!(e.to_string().contains(r#""O":"M\xfcller""#), "{e}");
    }
    // Beside an identity that matches, the statement still works.
    let both = [bad, good];
    assert!(match_trusted_identity(&both, "CN=a,O=Acme,ST=BY,C=DE", "p").is_ok());
}

fn doc(statement: &str) -> Vec<u8> {
    format!(r#"{{"version":"1.0","trustPolicies":[{statement}]}}"#).into_bytes()
}

#[test]
fn validation_rules() {
    let base = |level: &str, extra: &str| {
        doc(&format!(
            r#"{{"name":"s","registryScopes":["*"],"signatureVerification":{{"level":"{level}"{extra}}},"trustStores":["ca:x"],"trustedIdentities":["*"]}}"#
        ))
    };
    assert!(OciTrustPolicy::from_json(&base("strict", "")).is_ok());
    let p = OciTrustPolicy::from_json(&base(
        "strict",
        r#","override":{"revocation":"skip","expiry":"log"}"#,
    ))
    .unwrap();
    assert_eq!(
        p.statements[0].signature_verification.level.name(),
        "custom"
    );
    for bad in [
        base("strict", r#","override":{"integrity":"enforce"}"#),
        base("strict", r#","override":{"expiry":"skip"}"#),
        base("strict", r#","override":{"bogus":"log"}"#),
        base("strict", r#","override":{"expiry":"maybe"}"#),
        base("strict", r#","verifyTimestamp":"sometimes""#),
        base("lenient", ""),
        doc(
            r#"{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"skip"},"trustStores":["ca:x"],"trustedIdentities":["*"]}"#,
        ),
        doc(
            r#"{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"skip","override":{"expiry":"log"}}}"#,
        ),
        doc(
            r#"{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["bogus:x"],"trustedIdentities":["*"]}"#,
        ),
        doc(
            r#"{"name":"s","registryScopes":["a.io/b","a.io/b"],"signatureVerification":{"level":"strict"},"trustStores":["ca:x"],"trustedIdentities":["*"]}"#,
        ),
        doc(
            r#"{"name":"s","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:x"],"trustedIdentities":["x509.subject:C=US,ST=WA,O=a","x509.subject:C=US,ST=WA,O=a,CN=b"]}"#,
        ),
        br#"{"version":"2.0","trustPolicies":[]}"#.to_vec(),
        br#"{"trustPolicies":[]}"#.to_vec(),
        br#"{"version":"1.0","trustPolicies":[]}"#.to_vec(),
    ] {
        let e = OciTrustPolicy::from_json(&bad).expect_err(&String::from_utf8_lossy(&bad));
        assert!(!e.is_parse_error(), "{e}");
    }
    // Go's decoder: case-insensitive names, unknown fields ignored.
    assert!(OciTrustPolicy::from_json(br#"{"Version":"1.0","TrustPolicies":[{"NAME":"s","registryScopes":["*"],"signatureVerification":{"level":"audit"},"trustStores":["ca:x"],"trustedIdentities":["*"],"extra":1}]}"#).is_ok());
    // Blob: one global statement at most, and it may not skip.
    let g = |level: &str, n: &str| {
        format!(
            r#"{{"name":"{n}","globalPolicy":true,"signatureVerification":{{"level":"{level}"}}{}}}"#,
            if level == "skip" {
                ""
            } else {
                r#","trustStores":["ca:x"],"trustedIdentities":["*"]"#
            }
        )
    };
    assert!(BlobTrustPolicy::from_json(&doc(&g("audit", "a"))).is_ok());
    assert!(
        BlobTrustPolicy::from_json(&doc(&format!("{},{}", g("audit", "a"), g("strict", "b"))))
            .is_err()
    );
    let e = BlobTrustPolicy::from_json(&doc(&g("skip", "a"))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "trust policy statement \"a\" is the global blob trust policy statement and cannot use the skip verification level"
    );
}

#[test]
fn overlapping_identities_are_named_as_notation_names_them() {
    // notation-go walks every ordered pair and names the subset first.
    let policy = |ids: &[&str]| {
        let ids: Vec<String> = ids.iter().map(|i| format!("{i:?}")).collect();
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"signatureVerification":{{"level":"strict"}},"trustStores":["ca:x"],"trustedIdentities":[{}]}}]}}"#,
            ids.join(",")
        )
    };
    let wide = "x509.subject: C=US, ST=WA, O=acme";
    let narrow = "x509.subject: C=US, ST=WA, O=acme, CN=signer";
    for ids in [[wide, narrow], [narrow, wide]] {
        let e = OciTrustPolicy::from_json(policy(&ids).as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "trust policy: trust policy statement \"p\" has overlapping x509 trustedIdentities, {wide:?} overlaps with {narrow:?}"
            )
        );
    }
    // Equal sets: the first is named first (each is the other's subset).
    let same = "x509.subject: O=acme, ST=WA, C=US";
    let e = OciTrustPolicy::from_json(policy(&[wide, same]).as_bytes()).unwrap_err();
    assert!(
        e.to_string()
            .ends_with(&format!("{wide:?} overlaps with {same:?}")),
        "{e}"
    );
    // Neither a subset of the other: accepted, as notation does.
    let other = "x509.subject: C=US, ST=WA, O=acme, OU=build";
    assert!(OciTrustPolicy::from_json(policy(&[narrow, other]).as_bytes()).is_ok());
}
