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
