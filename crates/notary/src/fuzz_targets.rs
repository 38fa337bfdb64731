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

/// OCI image layouts as read from disk. The input is split at its first NUL byte into
/// `index.json` and one blob, stored under its own digest (`@M@` and `@S@` in the index stand
/// for that digest and size, so the fuzzer can point at it); the layout is then opened,
/// resolved by tag and by digest, and its referrers and signatures listed and fetched.
pub fn oci_layout(data: &[u8]) {
    use notary_core::{Descriptor, SignatureRepository};
    use notary_registry::{OciLayout, manifest};

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        // The layout's futures never wait: one poll finishes them, the loop is a safeguard.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut f = std::pin::pin!(f);
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    let (index, blob) = match data.iter().position(|b| *b == 0) {
        Some(i) => (
            data.get(..i).unwrap_or_default(),
            data.get(i + 1..).unwrap_or_default(),
        ),
        None => (data, &[][..]),
    };
    let blob_desc = Descriptor::for_content(manifest::IMAGE_MANIFEST, blob);
    let index = String::from_utf8_lossy(index)
        .replace("@M@", &blob_desc.digest.to_string())
        .replace("@S@", &blob.len().to_string());
    let dir = std::env::temp_dir().join(format!(
        "notary-fuzz-oci-layout-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let blobs = dir.join("blobs").join("sha256");
    if std::fs::create_dir_all(&blobs).is_err()
        || std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).is_err()
        || std::fs::write(dir.join("index.json"), index.as_bytes()).is_err()
        || std::fs::write(blobs.join(blob_desc.digest.hex()), blob).is_err()
    {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if let Ok(layout) = OciLayout::open(&dir) {
        let _ = block_on(layout.resolve("v1"));
        let empty = Descriptor::new(
            manifest::EMPTY_JSON,
            manifest::EMPTY_JSON_DIGEST
                .parse()
                .unwrap_or(blob_desc.digest.clone()),
            2,
        );
        let mut subjects = vec![empty];
        if let Ok(d) = block_on(layout.resolve(&blob_desc.digest.to_string())) {
            subjects.push(d);
        }
        for subject in &subjects {
            let _ = layout.referrers(subject, None);
            if let Ok(list) = block_on(layout.list_signatures(subject, 16)) {
                for s in &list {
                    let _ = block_on(layout.fetch_signature(s));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
