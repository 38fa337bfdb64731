//! Real envelopes produced by notation-go, verified with a test X.509 verifier.

mod common;

use common::*;
use notary_core::{EnvelopeMediaType, SignatureAlgorithm, SigningScheme, timefmt};
use notary_envelope_cose::{Error, UnverifiedCose};

const ALPINE: &str = "data/notation-go/internal-testdata/cose_signature.sig";
const BLOB: &str = "data/notation-e2e/signatures/blob.cose.sig";
const EXPIRED_TS: &str =
    "data/notation-go/verifier-testdata/timestamp/sigEnv/coseExpiredWithTimestamp.sig";

#[test]
fn verifies_notation_go_cose_signature() {
    let bytes = read_interop(ALPINE);
    let parsed = UnverifiedCose::parse(&bytes).unwrap();
    assert_eq!(parsed.certificate_chain().len(), 1);
    assert_eq!(
        parsed.declared_algorithm(),
        SignatureAlgorithm::RsaPssSha256
    );
    let verified = parsed.verify(&X509Verifier).unwrap();
    assert_eq!(verified.media_type(), EnvelopeMediaType::Cose);
    let info = verified.signer_info();
    assert_eq!(info.signature_algorithm, SignatureAlgorithm::RsaPssSha256);
    assert_eq!(info.signed_attributes.signing_scheme, SigningScheme::X509);
    assert_eq!(
        info.signed_attributes.signing_time,
        Some(timefmt::parse_rfc3339("2023-03-14T04:45:22Z").unwrap())
    );
    assert_eq!(info.signed_attributes.expiry, None);
    assert!(info.signed_attributes.extended_attributes.is_empty());
    assert_eq!(info.certificate_chain, parsed.certificate_chain());
    let payload = verified.decode_payload().unwrap();
    assert_eq!(
        payload.target_artifact.media_type,
        "application/vnd.oci.image.manifest.v1+json"
    );
    // The unprotected map notation wrote is canonical, so re-encoding gives the same bytes.
    assert_eq!(parsed.to_bytes(), bytes);
}

#[test]
fn verifies_notation_e2e_blob_signature_with_timestamp() {
    let bytes = read_interop(BLOB);
    let parsed = UnverifiedCose::parse(&bytes).unwrap();
    let verified = parsed.verify(&X509Verifier).unwrap();
    let info = verified.signer_info();
    assert_eq!(
        info.unsigned_attributes.signing_agent.as_deref(),
        Some("notation-go/1.3.0+unreleased")
    );
    assert_eq!(
        info.signed_attributes.signing_time,
        Some(timefmt::parse_rfc3339("2025-01-07T08:42:43Z").unwrap())
    );
    let token = info
        .unsigned_attributes
        .timestamp_signature
        .as_ref()
        .unwrap();
    assert_eq!(
        token,
        &read_interop("data/derived/tsa-tokens/blob.cose.sig.tst.der")
    );
    let payload = verified.decode_payload().unwrap();
    assert_eq!(
        payload.target_artifact.digest.to_string(),
        "sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4"
    );
    assert_eq!(payload.target_artifact.size, 11357);
    assert_eq!(parsed.to_bytes(), bytes);

    // inspect gives the same (untrusted) view without a verifier.
    let inspected = parsed.inspect().unwrap();
    assert_eq!(&inspected.signer_info, info);
    assert_eq!(inspected.payload, verified.payload());
}

#[test]
fn verifies_expired_timestamped_envelope_integrity() {
    // Integrity holds; the timestamp/expiry decision belongs to the verifier.
    let bytes = read_interop(EXPIRED_TS);
    let verified = UnverifiedCose::parse(&bytes)
        .unwrap()
        .verify(&X509Verifier)
        .unwrap();
    assert!(
        verified
            .signer_info()
            .unsigned_attributes
            .timestamp_signature
            .is_some()
    );
}

/// Byte offset of the first occurrence of `needle`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn tampered_notation_envelope_fails_signature_check() {
    let bytes = read_interop(ALPINE);

    // Signing time (inside the protected bstr): 1a 64 0f fb e2 -> change one byte.
    let mut t = bytes.clone();
    let at = find(&t, &[0xc1, 0x1a, 0x64, 0x0f]) + 5;
    t[at] ^= 1;
    let parsed = UnverifiedCose::parse(&t).unwrap();
    assert!(matches!(
        parsed.verify(&X509Verifier),
        Err(Error::SignatureInvalid { .. })
    ));

    // Payload.
    let mut p = bytes.clone();
    let at = find(&p, b"targetArtifact");
    p[at] = b'T';
    assert!(matches!(
        UnverifiedCose::parse(&p).unwrap().verify(&X509Verifier),
        Err(Error::SignatureInvalid { .. })
    ));

    // Signature: last byte.
    let mut s = bytes.clone();
    let last = s.len() - 1;
    s[last] ^= 0x80;
    assert!(matches!(
        UnverifiedCose::parse(&s).unwrap().verify(&X509Verifier),
        Err(Error::SignatureInvalid { .. })
    ));

    // A timestamp token added later lives in the unprotected header: signature still valid.
    let mut parsed = UnverifiedCose::parse(&bytes).unwrap();
    parsed.set_timestamp_signature(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    let reparsed = UnverifiedCose::parse(&parsed.to_bytes()).unwrap();
    let verified = reparsed.verify(&X509Verifier).unwrap();
    assert_eq!(
        verified
            .signer_info()
            .unsigned_attributes
            .timestamp_signature
            .as_deref(),
        Some(&[0x30, 0x03, 0x02, 0x01, 0x01][..])
    );
}

#[test]
fn every_truncation_and_many_mutations_are_rejected_without_panic() {
    let bytes = read_interop(BLOB);
    let original = UnverifiedCose::parse(&bytes)
        .unwrap()
        .verify(&X509Verifier)
        .unwrap();
    for len in 0..bytes.len() {
        assert!(
            UnverifiedCose::parse(&bytes[..len]).is_err(),
            "prefix {len}"
        );
    }
    // Deterministic xorshift so failures reproduce.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let header_end = 400.min(bytes.len());
    for _ in 0..20_000 {
        let mut m = bytes.clone();
        for _ in 0..(1 + next() % 4) {
            // Bias towards the structural part at the start, where the headers live.
            let span = if next() % 2 == 0 { header_end } else { m.len() };
            let at = (next() as usize) % span;
            m[at] = next() as u8;
        }
        if let Ok(parsed) = UnverifiedCose::parse(&m) {
            let _ = parsed.to_bytes();
            // Whatever still verifies must carry the original signed content.
            if let Ok(verified) = parsed.verify(&X509Verifier) {
                assert_eq!(verified.payload(), original.payload());
                assert_eq!(
                    verified.signer_info().signed_attributes,
                    original.signer_info().signed_attributes
                );
            }
        }
    }
}

#[test]
fn unknown_unprotected_labels_on_a_notation_envelope_are_ignored_and_kept() {
    // blob.cose.sig with three labels added to its unprotected map by tests/data/make_fixtures.py.
    let path = format!(
        "{}/tests/data/unknown-unprotected-labels.cose.sig",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let original = read_interop(BLOB);
    assert_eq!(bytes.len(), original.len() + 69, "fixture is stale");
    let parsed = UnverifiedCose::parse(&bytes).unwrap();
    let verified = parsed.verify(&X509Verifier).unwrap();
    let unsigned = &verified.signer_info().unsigned_attributes;
    // notation reads labels exactly: the case variant is not the signing agent.
    assert_eq!(
        unsigned.signing_agent.as_deref(),
        Some("notation-go/1.3.0+unreleased")
    );
    assert!(unsigned.timestamp_signature.is_some());
    let again = parsed.to_bytes();
    assert_eq!(again.len(), bytes.len());
    assert!(again.windows(11).any(|w| w == b"\x4alegacy-key"));
    UnverifiedCose::parse(&again)
        .unwrap()
        .verify(&X509Verifier)
        .unwrap();
}
