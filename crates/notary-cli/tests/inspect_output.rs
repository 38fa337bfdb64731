//! `notary inspect`, `blob inspect` and `verify` print what notation prints: the interop
//! corpus's tree and JSON files byte for byte, the header line, notation's order of signed
//! attributes, Go's JSON escaping, and, for a signature that cannot be read, a warning, the
//! others shown and a failing exit status; after a verification, the user metadata table.

#[path = "support/env.rs"]
mod support;

use std::path::{Path, PathBuf};

use notary_registry::OciLayout;
use notary_registry::manifest::{IMAGE_MANIFEST, image_manifest};

use support::Env;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop/data/notation-e2e")
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(corpus().join("expected-output").join(name)).unwrap()
}

/// notation's tree names the artifact by its registry reference; ours by the layout's path.
fn with_reference(tree: &str, reference: &str) -> String {
    let mut lines: Vec<String> = tree.lines().map(str::to_string).collect();
    lines[1] = reference.to_string();
    lines.join("\n") + "\n"
}

#[test]
fn corpus_inspections_match_notation_byte_for_byte() {
    let e = Env::new();
    let layout = corpus().join("oci_layout/e2e-with-timestamped-signature");
    let reference = format!(
        "{}@sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20",
        layout.display()
    );
    let (tree, _) = e.ok_both(&["inspect", "--oci-layout", &reference]);
    assert_eq!(
        tree,
        with_reference(&expected("oci-timestamped.inspect.tree.txt"), &reference)
    );
    let (json, _) = e.ok_both(&["inspect", "--oci-layout", "-o", "json", &reference]);
    assert_eq!(json, expected("oci-timestamped.inspect.json"));

    let unsigned = format!(
        "{}@sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9",
        corpus().join("oci_layout/e2e").display()
    );
    let (json, _) = e.ok_both(&["inspect", "--oci-layout", "-o", "json", &unsigned]);
    assert_eq!(json, expected("oci-unsigned.inspect.json"));
    let (text, _) = e.ok_both(&["inspect", "--oci-layout", &unsigned]);
    assert_eq!(text, format!("{unsigned} has no associated signature\n"));

    for (sig, name) in [("blob.jws.sig", "blob-jws"), ("blob.cose.sig", "blob-cose")] {
        let path = corpus().join("signatures").join(sig);
        let path = path.to_str().unwrap();
        let (tree, _) = e.ok_both(&["blob", "inspect", path]);
        assert_eq!(
            tree,
            expected(&format!("{name}.inspect.tree.txt")).replace("<SIGNATURE_FILE_PATH>", path)
        );
        let (json, _) = e.ok_both(&["blob", "inspect", "-o", "json", path]);
        assert_eq!(json, expected(&format!("{name}.inspect.json")));
    }
}

/// A layout with one artifact signed by notary with `k=<a&b>` and an expiry, plus a
/// signature manifest whose JWS envelope is not a JWS.
fn layout_with_a_bad_signature(e: &Env) -> (PathBuf, String, String) {
    e.default_test_key("acme");
    let (layout, art) = e.layout_with_artifact(None);
    let reference = format!("{}@{}", layout.display(), art.digest);
    e.ok_both(&[
        "sign",
        "--oci-layout",
        "--expiry",
        "24h",
        "-m",
        "k=<a&b>",
        &reference,
    ]);
    let l = OciLayout::open(&layout).unwrap();
    let config = l
        .push_blob("application/vnd.oci.empty.v1+json", b"{}")
        .unwrap();
    let envelope = l
        .push_blob("application/jose+json", b"{\"not\":\"a jws\"}")
        .unwrap();
    let bad = l
        .push_manifest(
            IMAGE_MANIFEST,
            &image_manifest(
                &config,
                &[envelope],
                Some(notary_core::SIGNATURE_ARTIFACT_TYPE),
                Some(&art),
                None,
            ),
            None,
        )
        .unwrap();
    (layout, reference, bad.digest.to_string())
}

#[test]
fn an_unreadable_signature_is_named_the_others_shown_and_the_command_fails() {
    let e = Env::new();
    let (_, reference, bad) = layout_with_a_bad_signature(&e);
    for format in ["text", "json"] {
        let o = e.run(&["inspect", "--oci-layout", "-o", format, &reference]);
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
        assert!(
            err.contains(&format!(
                "Warning: Skipping signature {bad} because of error:"
            )),
            "{err}"
        );
        assert!(
            err.contains("Error: at least one signature was skipped and not displayed"),
            "{err}"
        );
        assert!(!out.contains(&bad), "{out}");
        assert_eq!(
            out.matches("RSASSA-PSS").count() + out.matches("ECDSA").count(),
            1,
            "{out}"
        );
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(v["signatures"].as_array().unwrap().len(), 1);
        }
    }
}

#[test]
fn text_and_json_follow_notations_order_and_escaping() {
    let e = Env::new();
    // The bad signature is skipped; the good one is printed all the same.
    let (_, reference, _) = layout_with_a_bad_signature(&e);
    let o = e.run(&["inspect", "--oci-layout", &reference]);
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Inspecting all signatures for signed artifact");
    assert_eq!(lines[1], reference);
    let signed: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.ends_with("signed attributes"))
        .skip(1)
        .take(4)
        .map(|l| l.split("── ").nth(1).unwrap().split(':').next().unwrap())
        .collect();
    assert_eq!(
        signed,
        ["content type", "signing scheme", "signing time", "expiry"]
    );
    assert!(out.contains("k: <a&b>"), "{out}");

    let o = e.run(&["inspect", "--oci-layout", "-o", "json", &reference]);
    let out = String::from_utf8_lossy(&o.stdout);
    // Go's encoder escapes HTML characters; members come in notation's struct order.
    assert!(out.contains(r#""k": "\u003ca\u0026b\u003e""#), "{out}");
    let order: Vec<usize> = [
        "\"digest\"",
        "\"signatureAlgorithm\"",
        "\"signatureEnvelopeType\"",
        "\"signedAttributes\"",
        "\"userDefinedAttributes\"",
        "\"unsignedAttributes\"",
        "\"certificates\"",
        "\"signedArtifact\"",
    ]
    .iter()
    .map(|k| out.find(k).unwrap_or_else(|| panic!("{k} missing: {out}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
}

#[test]
fn tags_and_limits_are_warned_about() {
    let e = Env::new();
    let (layout, reference, _) = layout_with_a_bad_signature(&e);
    let by_tag = format!("{}:v1", layout.display());
    let o = e.run(&["inspect", "--oci-layout", &by_tag]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "Warning: Always inspect the artifact using digest(@sha256:...) rather than a tag(:v1)"
        ),
        "{err}"
    );
    let (_, err) = e.ok_both(&["list", "--oci-layout", &by_tag]);
    assert!(
        err.contains(
            "Warning: Always list the artifact using digest(@sha256:...) rather than a tag(:v1)"
        ),
        "{err}"
    );
    for command in ["inspect", "list"] {
        let o = e.run(&[command, "--oci-layout", "--max-signatures", "1", &reference]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("Warning: exceeded configured limit of max signatures 1 to examine"),
            "{command}: {err}"
        );
    }
    let (_, err) = e.ok_both(&["list", "--oci-layout", "--max-signatures", "2", &reference]);
    assert!(!err.contains("exceeded"), "{err}");
}

#[test]
fn verify_prints_the_signed_user_metadata_as_notation_does() {
    let e = Env::new();
    let (layout, reference, _) = layout_with_a_bad_signature(&e);
    let pol = e.write(
        "p.json",
        r#"{"version":"1.0","trustPolicies":[{"name":"p","registryScopes":["local/app"],"signatureVerification":{"level":"strict"},"trustStores":["ca:acme"],"trustedIdentities":["*"]}]}"#,
    );
    e.ok_both(&["policy", "import", pol.to_str().unwrap()]);
    let (out, err) = e.ok_both(&["verify", "--oci-layout", "--scope", "local/app", &reference]);
    assert_eq!(
        out,
        format!(
            "Successfully verified signature for {reference}\n\nThe artifact was signed with the following user metadata.\n\nKEY   VALUE   \nk     <a&b>   \n"
        ),
        "{err}"
    );
    // By tag: the warning on stderr, then a blank line before the result, as notation does.
    let by_tag = format!("{}:v1", layout.display());
    let (out, err) = e.ok_both(&["verify", "--oci-layout", "--scope", "local/app", &by_tag]);
    assert!(
        err.contains(
            "Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:v1)"
        ),
        "{err}"
    );
    assert!(
        out.starts_with(&format!(
            "\nSuccessfully verified signature for {reference}\n"
        )),
        "{out}"
    );
}

#[test]
fn a_timestamp_of_another_signature_is_shown_as_an_error() {
    let e = Env::new();
    // The corpus's timestamped JWS with its signature changed: the token no longer imprints it.
    let mut jws: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus().join("signatures/blob.jws.sig")).unwrap())
            .unwrap();
    let sig = jws["signature"].as_str().unwrap().to_string();
    let first = if sig.starts_with('B') { "C" } else { "B" };
    jws["signature"] = format!("{first}{}", &sig[1..]).into();
    let path = e.work.join("other.jws.sig");
    std::fs::write(&path, serde_json::to_vec(&jws).unwrap()).unwrap();
    let (tree, _) = e.ok_both(&["blob", "inspect", path.to_str().unwrap()]);
    assert!(
        tree.contains("└── timestamp signature\n│       └── error: failed to parse timestamp countersignature: invalid TSTInfo: mismatched message\n"),
        "{tree}"
    );
    let (json, _) = e.ok_both(&["blob", "inspect", "-o", "json", path.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ts = &v["unsignedAttributes"]["timestampSignature"];
    assert!(
        ts["error"]
            .as_str()
            .unwrap()
            .ends_with("invalid TSTInfo: mismatched message"),
        "{json}"
    );
    assert!(ts.get("timestamp").is_none(), "{json}");
}
