//! Replays every file of the fuzz corpora (`fuzz/corpus/<target>/`) through the fuzz entry
//! points on stable Rust, so inputs that once crashed stay fixed.

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("corpus entry").path();
        if path.is_file() {
            f(&std::fs::read(&path).expect("corpus file"));
            n += 1;
        }
    }
    n
}

#[test]
fn jws_corpus() {
    assert!(replay("jws_parse", notary_fuzz_targets::jws_parse) > 0);
}

#[test]
fn cose_corpus() {
    assert!(replay("cose_parse", notary_fuzz_targets::cose_parse) > 0);
}

#[test]
fn cert_chain_corpus() {
    assert!(replay("cert_chain", notary_fuzz_targets::cert_chain) > 0);
}

#[test]
fn trust_policy_corpus() {
    assert!(replay("trust_policy", notary_fuzz_targets::trust_policy) > 0);
}

#[test]
fn timestamp_token_corpus() {
    assert!(replay("timestamp_token", notary_fuzz_targets::timestamp_token) > 0);
}

#[test]
fn revocation_corpus() {
    assert!(replay("revocation", notary_fuzz_targets::revocation) > 0);
}

/// The revocation seeds are signed by the fixed test CA, so they reach the CRL and OCSP logic
/// (not just the signature check) and give the status their OpenSSL origin says.
#[test]
fn revocation_seeds_reach_the_revocation_logic() {
    use notary::revocation::CertStatus;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/revocation");
    let status = |name: &str| {
        let data = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        notary_fuzz_targets::revocation_status(&data)
            .unwrap_or_else(|| panic!("{name}: not a structured seed"))
    };
    let good = [
        "seed-crl-empty",
        "seed-crl-base-delta-empty",
        "seed-ocsp-good",
        "seed-ocsp-good-delegated",
    ];
    for name in good {
        assert_eq!(status(name), CertStatus::Good, "{name}");
    }
    let revoked = [
        "seed-crl-revoked",
        "seed-crl-revoked-signing-time",
        "seed-crl-base-delta-revoked",
        "seed-crl-idp-user-revoked",
        // A partial-reasons CRL that lists the certificate.
        "seed-crl-idp-reasons",
        "seed-ocsp-revoked",
        "seed-ocsp-revoked-delegated",
        "seed-ocsp-revoked-signing-time",
    ];
    for name in revoked {
        assert!(
            matches!(status(name), CertStatus::Revoked(_)),
            "{name}: {:?}",
            status(name)
        );
    }
    let unknown = [
        "seed-crl-delta-as-base",
        "seed-crl-idp-ca-only",
        "seed-crl-idp-indirect",
        "seed-ocsp-unknown",
    ];
    for name in unknown {
        assert!(
            matches!(status(name), CertStatus::Unknown(_)),
            "{name}: {:?}",
            status(name)
        );
    }
}

#[test]
fn oci_manifest_corpus() {
    assert!(replay("oci_manifest", notary_fuzz_targets::oci_manifest) > 0);
}

#[test]
fn registry_text_corpus() {
    assert!(replay("registry_text", notary_fuzz_targets::registry_text) > 0);
}

#[test]
fn admission_review_corpus() {
    assert!(replay("admission_review", notary_fuzz_targets::admission_review) > 0);
}

#[test]
fn plugin_output_corpus() {
    assert!(replay("plugin_output", notary_fuzz_targets::plugin_output) > 0);
}

#[test]
fn plugin_request_corpus() {
    assert!(replay("plugin_request", notary_fuzz_targets::plugin_request) > 0);
}

#[test]
fn verifier_corpus() {
    assert!(replay("verifier", notary_fuzz_targets::verifier) > 0);
}

/// The `verifier` seeds get the fuzzer past parsing and signature checks: each `valid-*` seed
/// verifies for its target (OCI or blob) under the strict policy, and fails for the other one
/// only at the target check. Seeds are written by `fuzz/make_seeds.rs`.
#[test]
fn verifier_seeds_verify_with_the_fuzz_ca() {
    use notary::Validation;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/verifier");
    let mut formats = std::collections::BTreeSet::new();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("valid-") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        formats.insert(data[0] & 1);
        let (oci, blob) = notary_fuzz_targets::verifier_results(&data).expect("fixed material");
        let (good, other) = if name.ends_with("-oci") {
            (oci, blob)
        } else {
            (blob, oci)
        };
        let outcome = good.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.level().name(), "strict", "{name}");
        assert_eq!(
            other.unwrap_err().validation(),
            Some(Validation::TargetMismatch),
            "{name}"
        );
        // One flipped byte in the signature value (the envelope's tail) breaks integrity.
        let mut tampered = data.clone();
        let last = tampered.len() - 1;
        tampered[last - 8] ^= 1;
        let (oci, blob) = notary_fuzz_targets::verifier_results(&tampered).unwrap();
        assert!(oci.is_err() && blob.is_err(), "{name}");
        n += 1;
    }
    assert!(n >= 8, "{n} valid seeds");
    assert_eq!(formats.len(), 2, "both JWS and COSE seeds");
}

#[test]
fn plugin_archive_corpus() {
    assert!(replay("plugin_archive", notary_fuzz_targets::plugin_archive) > 0);
}

#[test]
fn oci_layout_corpus() {
    assert!(replay("oci_layout", notary_fuzz_targets::oci_layout) > 0);
}

#[test]
fn containerd_input_corpus() {
    assert!(replay("containerd_input", notary_fuzz_targets::containerd_input) > 0);
    // The well-formed seeds reach the end of the parsing (one reading each), the others not.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/containerd_input");
    let images = |name: &str| {
        notary_fuzz_targets::containerd_images(&std::fs::read(dir.join(name)).unwrap())
    };
    for name in ["seed-descriptor", "seed-input", "seed-input-run"] {
        assert_eq!(images(name), 1, "{name}");
    }
    for name in ["seed-mismatch", "seed-bad-digest"] {
        assert_eq!(images(name), 0, "{name}");
    }
}
