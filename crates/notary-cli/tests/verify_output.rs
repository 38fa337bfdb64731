//! The text `notary verify` prints, in notation v1.3.2's words (tests/differential/verifyout.py
//! compares it with notation's in full): a failed validation that is only logged, the
//! all-signatures-failed headline naming the artifact by its resolved digest, a trust store that
//! is missing or empty, and the `-v` line of a skipped verification.

#[path = "support/env.rs"]
mod support;

use support::Env;

const SCOPE: &str = "local/words";

/// A layout artifact signed by `other`, whose CA no policy here trusts (`good`'s is in
/// `ca:good`): the layout's path and the artifact's digest.
fn signed_by_other(e: &Env) -> (String, String) {
    e.trust_test_key("good", SCOPE, "words");
    e.ok(&["cert", "generate-test", "--bits", "256", "other"]);
    let (layout, artifact) = e.layout_with_artifact(None);
    let layout = layout.display().to_string();
    let digest = artifact.digest.to_string();
    e.ok(&[
        "sign",
        "--oci-layout",
        "--key",
        "other",
        &format!("{layout}@{digest}"),
    ]);
    (layout, digest)
}

/// Replaces the trust policy with one statement for every scope.
fn policy(e: &Env, level: &str, store: &str) {
    let stores = if level == "skip" {
        String::new()
    } else {
        format!(r#","trustStores":["{store}"],"trustedIdentities":["*"]"#)
    };
    std::fs::write(
        e.config.join("trustpolicy.json"),
        format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"signatureVerification":{{"level":"{level}"}}{stores}}}]}}"#
        ),
    )
    .unwrap();
}

fn verify<'a>(reference: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["verify", "--oci-layout", "--scope", SCOPE];
    args.extend_from_slice(extra);
    args.push(reference);
    args
}

const TAG_WARNING: &str = "Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:v1) because resolved digest may not point to the same signed artifact, as tags are mutable.";

#[test]
fn an_untrusted_signer_is_named_in_notation_core_gos_words() {
    let e = Env::new();
    let (layout, digest) = signed_by_other(&e);
    let by_tag = format!("{layout}:v1");

    // audit: logged, so a warning and then the result.
    policy(&e, "audit", "ca:good");
    let (out, err) = e.ok_both(&verify(&by_tag, &[]));
    assert_eq!(
        err,
        format!(
            "{TAG_WARNING}\nWarning: authenticity was set to \"log\" and failed with error: the signature's certificate chain does not contain any trusted certificate\n"
        )
    );
    assert_eq!(
        out,
        format!("\nSuccessfully verified signature for {layout}@{digest}\n")
    );

    // strict: the headline names the artifact by the digest the tag resolved to.
    policy(&e, "strict", "ca:good");
    let err = e.fails(&verify(&by_tag, &[]));
    assert_eq!(
        err,
        format!(
            "{TAG_WARNING}\nError: signature verification failed for all the signatures associated with {layout}@{digest}: authenticity validation failed. Failure reason: the signature's certificate chain does not contain any trusted certificate\n"
        )
    );
}

#[test]
fn a_missing_or_empty_trust_store_is_the_whole_error() {
    let e = Env::new();
    let (layout, digest) = signed_by_other(&e);
    let reference = format!("{layout}@{digest}");
    let hint =
        "Use command 'notary cert add' to create and add trusted certificates to the trust store";

    policy(&e, "strict", "ca:absent");
    assert_eq!(
        e.fails(&verify(&reference, &[])),
        format!("Error: the trust store \"absent\" of type \"ca\" does not exist. {hint}\n")
    );

    std::fs::create_dir_all(e.config.join("truststore/x509/ca/empty")).unwrap();
    policy(&e, "strict", "ca:empty");
    assert_eq!(
        e.fails(&verify(&reference, &[])),
        format!(
            "Error: no x509 certificates were found in trust store \"empty\" of type \"ca\". {hint}\n"
        )
    );
    // `blob verify` the same way.
    std::fs::write(e.work.join("artifact.bin"), b"bytes").unwrap();
    e.ok(&["blob", "sign", "--key", "other", "artifact.bin"]);
    std::fs::write(
        e.config.join("trustpolicy.blob.json"),
        r#"{"version":"1.0","trustPolicies":[{"name":"b","globalPolicy":true,"signatureVerification":{"level":"strict"},"trustStores":["ca:absent"],"trustedIdentities":["*"]}]}"#,
    )
    .unwrap();
    assert_eq!(
        e.fails(&[
            "blob",
            "verify",
            "--signature",
            "artifact.bin.jws.sig",
            "artifact.bin"
        ]),
        format!("Error: the trust store \"absent\" of type \"ca\" does not exist. {hint}\n")
    );
    // Logged: notation's words for the store, then where notary looked.
    policy(&e, "audit", "ca:empty");
    let (_, err) = e.ok_both(&verify(&reference, &[]));
    assert!(
        err.starts_with(
            "Warning: authenticity was set to \"log\" and failed with error: no x509 certificates were found in trust store \"empty\" of type \"ca\" ("
        ),
        "{err}"
    );
}

#[test]
fn a_skipped_verification_is_logged_under_verbose() {
    let e = Env::new();
    let (layout, digest) = signed_by_other(&e);
    let reference = format!("{layout}@{digest}");
    policy(&e, "skip", "");
    let (out, err) = e.ok_both(&verify(&reference, &["-v"]));
    assert_eq!(
        out,
        format!("Trust policy is configured to skip signature verification for {reference}\n")
    );
    assert!(
        err.contains(&format!(
            "Signature verification skipped for {SCOPE}@{digest}"
        )),
        "{err}"
    );
    // Without -v, nothing on stderr.
    let (_, err) = e.ok_both(&verify(&reference, &[]));
    assert_eq!(err, "");
}
