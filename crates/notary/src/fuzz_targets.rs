//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the stable regression test that
//! replays their corpora. Each must never panic, whatever the input.

use notary_core::EnvelopeMediaType;

/// JWS: parse, inspect, verify (the signature will not verify; the point is reaching every branch).
pub fn jws_parse(data: &[u8]) {
    envelope(EnvelopeMediaType::Jws, data);
}

/// COSE: parse, inspect, verify.
pub fn cose_parse(data: &[u8]) {
    envelope(EnvelopeMediaType::Cose, data);
}

fn envelope(mt: EnvelopeMediaType, data: &[u8]) {
    if let Ok(mut e) = crate::UnverifiedEnvelope::parse(mt.as_str(), data) {
        let _ = e.inspect();
        let _ = e.verify_integrity();
        e.set_timestamp_signature(data.to_vec());
        let again = e.to_bytes();
        let _ = crate::UnverifiedEnvelope::parse(mt.as_str(), &again);
    }
}

/// Certificate input: the bytes are read as a PEM/DER certificate file and the certificates, in
/// file order, are validated as a code-signing and as a timestamping chain.
pub fn cert_chain(data: &[u8]) {
    if let Ok(chain) = notary_x509::read_certificates(data) {
        let _ = notary_x509::validate_code_signing_chain(&chain, None);
        let _ = notary_x509::validate_timestamping_chain(&chain, None);
        for c in &chain {
            let _ = c.subject_string();
            let _ = c.key_spec();
        }
    }
    let _ = notary_x509::validate_tsa_root_certificate(data);
}

/// Trust policy documents, OCI and blob, plus selection.
pub fn trust_policy(data: &[u8]) {
    if let Ok(p) = notary_trustpolicy::OciTrustPolicy::from_json(data) {
        let _ = p.statement_for("registry.example/repo@sha256:0000000000000000000000000000000000000000000000000000000000000000");
    }
    if let Ok(p) = notary_trustpolicy::BlobTrustPolicy::from_json(data) {
        let _ = p.statement(None);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = notary_trustpolicy::parse_distinguished_name(s);
    }
}

/// RFC 3161 timestamp tokens: parse, render for inspect, verify (against no roots).
pub fn timestamp_token(data: &[u8]) {
    let _ = notary_timestamp::inspect_json(data);
    if let Ok(t) = notary_timestamp::TimestampToken::parse(data) {
        let _ = t.timestamp_range();
        let _ = t.verify(data, &[]);
    }
}

/// CRLs and OCSP responses: parse a CRL, and evaluate the bytes as an OCSP response for a fixed
/// self-signed certificate.
pub fn revocation(data: &[u8]) {
    if let Ok(crl) = notary_revocation::crl::Crl::parse(data) {
        let _ = crl.freshest_crl_urls.len();
    }
    static CERT: std::sync::OnceLock<Option<notary_x509::Certificate>> = std::sync::OnceLock::new();
    let cert = CERT.get_or_init(|| {
        notary_x509::read_certificates(include_bytes!("../../notary-x509/testdata/valid/leaf.der"))
            .ok()
            .and_then(|mut v| v.pop())
    });
    if let Some(c) = cert {
        let _ =
            notary_revocation::ocsp::evaluate(data, c, c, None, time::OffsetDateTime::UNIX_EPOCH);
    }
}

/// OCI manifests and indexes as read from layouts and registries, and the signature-manifest rule.
pub fn oci_manifest(data: &[u8]) {
    if let Ok(m) = serde_json::from_slice::<notary_registry::manifest::Manifest>(data) {
        let _ = m.content().len();
        for mt in [
            notary_registry::manifest::IMAGE_MANIFEST,
            notary_registry::manifest::ARTIFACT_MANIFEST,
        ] {
            let _ = notary_registry::manifest::is_signature_for(
                mt,
                &m,
                "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            );
        }
    }
}

/// The registry client's text parsers: auth challenges, `Link` headers, references, error
/// bodies, Docker `config.json`.
pub fn registry_text(data: &[u8]) {
    notary_registry::remote::fuzz_text(data);
}

/// Plugin responses as the host reads them: every response type of the protocol, and the
/// error body.
pub fn plugin_output(data: &[u8]) {
    use notary_plugin_api as api;
    let _ = serde_json::from_slice::<api::GetMetadataResponse>(data);
    let _ = serde_json::from_slice::<api::DescribeKeyResponse>(data);
    let _ = serde_json::from_slice::<api::GenerateSignatureResponse>(data);
    let _ = serde_json::from_slice::<api::GenerateEnvelopeResponse>(data);
    let _ = serde_json::from_slice::<api::VerifySignatureResponse>(data);
    let _ = serde_json::from_slice::<api::PluginError>(data);
}

/// Fixed material of the `verifier` target: the root of the fuzz test CA (committed; the seeds
/// in `fuzz/corpus/verifier/` are envelopes signed by its leaf, see `tests/fuzz_corpus.rs`).
const FUZZ_ROOT: &[u8] = include_bytes!("../testdata/fuzz/root.der");

/// The verification time of the `verifier` target (the fuzz CA's chain is valid then).
pub const VERIFIER_NOW: time::OffsetDateTime = time::macros::datetime!(2026-06-01 12:00 UTC);

/// The artifact reference the `verifier` target verifies OCI signatures for.
pub const VERIFIER_REFERENCE: &str =
    "registry.example/app@sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

/// The blob the `verifier` target verifies blob signatures against.
pub const VERIFIER_BLOB: &[u8] = b"notary-rs fuzz blob\n";

/// The OCI manifest descriptor [`VERIFIER_REFERENCE`] resolves to.
pub fn verifier_oci_target() -> Option<notary_core::Descriptor> {
    let digest = VERIFIER_REFERENCE.rsplit_once('@')?.1.parse().ok()?;
    Some(notary_core::Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        digest,
        942,
    ))
}

/// The trust policies of the `verifier` target, picked by the selector byte: strict, permissive,
/// audit, and strict with a TSA trust store (so the timestamp path runs).
const VERIFIER_LEVELS: [(&str, &str); 4] = [
    ("strict", r#""ca:fuzz","signingAuthority:fuzz""#),
    ("permissive", r#""ca:fuzz","signingAuthority:fuzz""#),
    ("audit", r#""ca:fuzz","signingAuthority:fuzz""#),
    ("strict", r#""ca:fuzz","signingAuthority:fuzz","tsa:fuzz""#),
];

fn fuzz_verifiers() -> &'static [crate::Verifier] {
    static V: std::sync::OnceLock<Vec<crate::Verifier>> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let build = |level: &str, stores: &str| -> Option<crate::Verifier> {
            use crate::truststore::{MemoryTrustStore, TrustStoreType};
            let root = notary_x509::Certificate::from_der(FUZZ_ROOT).ok()?;
            let mut store = MemoryTrustStore::new();
            for t in [
                TrustStoreType::Ca,
                TrustStoreType::SigningAuthority,
                TrustStoreType::Tsa,
            ] {
                store.add(t, "fuzz", vec![root.clone()]).ok()?;
            }
            let statement = format!(
                r#""signatureVerification":{{"level":"{level}"}},"trustStores":[{stores}],
                "trustedIdentities":["x509.subject: C=US, ST=WA, O=Notary"]"#
            );
            let oci = notary_trustpolicy::OciTrustPolicy::from_json(format!(
                r#"{{"version":"1.0","trustPolicies":[{{"name":"o","registryScopes":["*"],{statement}}}]}}"#
            ).as_bytes()).ok()?;
            let blob = notary_trustpolicy::BlobTrustPolicy::from_json(format!(
                r#"{{"version":"1.0","trustPolicies":[{{"name":"b","globalPolicy":true,{statement}}}]}}"#
            ).as_bytes()).ok()?;
            Some(
                crate::Verifier::new(std::sync::Arc::new(store))
                    .with_oci_policy(oci)
                    .with_blob_policy(blob),
            )
        };
        VERIFIER_LEVELS
            .iter()
            .filter_map(|(level, stores)| build(level, stores))
            .collect()
    })
}

/// What the `verifier` target concluded for one input: the OCI and the blob verification
/// results (`None` when the input is empty or the fixed material did not load).
pub type VerifierResults = Option<(
    Result<crate::VerificationOutcome, crate::VerificationError>,
    Result<crate::VerificationOutcome, crate::VerificationError>,
)>;

/// Runs the whole [`crate::Verifier`] on fuzzed envelope bytes, as `verify_oci` and
/// `verify_blob` would: the first byte selects the envelope format (bit 0: JWS or COSE) and
/// the trust policy (bits 1-2, see `VERIFIER_LEVELS`); the rest is the envelope.
pub fn verifier_results(data: &[u8]) -> VerifierResults {
    let (&selector, envelope) = data.split_first()?;
    let media_type = if selector & 1 == 0 {
        EnvelopeMediaType::Jws
    } else {
        EnvelopeMediaType::Cose
    };
    let verifiers = fuzz_verifiers();
    let verifier = verifiers.get(usize::from((selector >> 1) & 3))?;
    let target = verifier_oci_target()?;
    let none = std::collections::BTreeMap::new();
    let oci = verifier.verify_oci(
        envelope,
        media_type.as_str(),
        VERIFIER_REFERENCE,
        &target,
        &none,
        VERIFIER_NOW,
    );
    let mut blob = VERIFIER_BLOB;
    let blob = verifier.verify_blob(
        envelope,
        media_type.as_str(),
        crate::BlobTarget {
            content: &mut blob,
            media_type: Some("application/octet-stream"),
            policy_name: None,
        },
        &none,
        VERIFIER_NOW,
    );
    Some((oci, blob))
}

/// The `verifier` fuzz target (see [`verifier_results`]).
pub fn verifier(data: &[u8]) {
    let _ = verifier_results(data);
}

/// Decompressed-size cap of the `plugin_archive` target (the CLI uses
/// [`crate::plugin_package::MAX_PLUGIN_SIZE`]; a smaller cap keeps fuzzing fast and exercises
/// the same code).
pub const PLUGIN_ARCHIVE_LIMIT: u64 = 1024 * 1024;

/// Plugin package installation as `notary plugin install` does it: the first byte picks the
/// file name (`.zip`, `.tar.gz`, or a bare executable name), the rest is the package, which is
/// extracted into a fresh temporary directory with the caps.
pub fn plugin_archive(data: &[u8]) {
    let Some((&selector, package)) = data.split_first() else {
        return;
    };
    let file_name = match selector % 3 {
        0 => "plugin.zip",
        1 => "plugin.tar.gz",
        _ => "notation-fuzz",
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    if let Ok(staged) =
        crate::plugin_package::stage_package(package, file_name, dir.path(), PLUGIN_ARCHIVE_LIMIT)
    {
        // Whatever an archive says, the executable lands directly in the staging directory
        // under a valid plugin name, within the cap.
        assert_eq!(staged.path.parent(), Some(dir.path()));
        assert!(crate::plugin::valid_name(&staged.name));
        assert!(std::fs::metadata(&staged.path).is_ok_and(|m| m.len() <= PLUGIN_ARCHIVE_LIMIT));
    }
}
