//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the stable regression test that
//! replays their corpora. Each must never panic, whatever the input. Not published: the fuzz
//! helpers are not part of any library's public API.
#![forbid(unsafe_code)]

use notary_core::EnvelopeMediaType;

/// JWS: parse, inspect, verify (the signature will not verify; the point is reaching every
/// branch), and show it as `notary inspect` does (tree and JSON).
pub fn jws_parse(data: &[u8]) {
    envelope(EnvelopeMediaType::Jws, data);
}

/// COSE: parse, inspect, verify, show.
pub fn cose_parse(data: &[u8]) {
    envelope(EnvelopeMediaType::Cose, data);
}

fn envelope(mt: EnvelopeMediaType, data: &[u8]) {
    if let Ok(mut e) = notary::UnverifiedEnvelope::parse(mt, data) {
        let _ = e.inspect();
        let _ = e.verify_integrity(&notary_x509::X509Verifier::new(notary::default_provider()));
        e.set_timestamp_signature(data.to_vec());
        let again = e.to_bytes();
        let _ = notary::UnverifiedEnvelope::parse(mt, &again);
    }
    let zone = notary::inspect::TimeZone::utc();
    if let Ok(shown) = notary::inspect::inspect_envelope(mt, data, None, &zone) {
        let _ = shown.tree("signature").render();
        let _ = notary::inspect::to_notation_json(&shown);
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

/// CRLs and OCSP responses, signed by a fixed test CA so that the fuzzed bytes get past the
/// signature checks and reach CRL entry parsing, delta CRL handling, scope
/// (issuingDistributionPoint) checks and OCSP status parsing. The first byte selects what the
/// rest is (`% 4`):
/// - 1: a TBSCertList, optionally followed by a delta CRL's TBSCertList; each is signed with
///   the CA key and served at the fixed leaf's CRL distribution point (the delta at any other
///   URL, i.e. the base CRL's freshestCRL);
/// - 2: an OCSP ResponseData, signed by the CA;
/// - 3: an OCSP ResponseData, signed by the CA's delegated responder (embedded);
/// - 0 (whole DER files start with 0x30): the bytes as a CRL and as an OCSP response.
///
/// Bit 2 of the first byte passes an authentic signing time. The CA
/// (`crates/notary-revocation/testdata/fixed-ca`, made by `tests/pki/make-fixed-revocation-ca.sh`)
/// is public test material.
pub fn revocation(data: &[u8]) {
    let _ = revocation_status(data);
}

/// [`revocation`], returning the fixed leaf's status in modes 1 to 3 (so tests can check the
/// seeds reach the revocation logic).
pub fn revocation_status(data: &[u8]) -> Option<notary_revocation::CertStatus> {
    use notary_revocation::crl::Crl;
    let (&selector, rest) = data.split_first()?;
    let fx = fixed_ca::get()?;
    let now = time::macros::datetime!(2030-01-01 0:00 UTC);
    let signing_time = (selector & 4 != 0).then_some(time::macros::datetime!(2029-06-01 0:00 UTC));
    let fetcher = match selector % 4 {
        1 => {
            let mut r = notary_x509::der::Reader::new(rest);
            let base_tbs = r.read_any().ok()?;
            let base = fixed_ca::signed(&fx.ca_key, base_tbs.raw);
            let delta = r
                .read_any()
                .ok()
                .map(|d| fixed_ca::signed(&fx.ca_key, d.raw));
            if let Ok(c) = Crl::parse(&base) {
                let _ = c.validate_complete(&fx.ca, now);
                let _ = c.coverage(&fx.ca, fixed_ca::CRL_URL);
                let _ = c.coverage(&fx.leaf, fixed_ca::CRL_URL);
            }
            fixed_ca::Fetcher {
                base: Some(base),
                delta,
                ocsp: None,
            }
        }
        2 | 3 => {
            let delegated = selector % 4 == 3;
            let (key, cert) = if delegated {
                (&fx.responder_key, Some(fixed_ca::RESPONDER))
            } else {
                (&fx.ca_key, None)
            };
            let response = fixed_ca::ocsp_response(key, rest, cert);
            let _ =
                notary_revocation::ocsp::evaluate(&response, &fx.leaf, &fx.ca, signing_time, now);
            fixed_ca::Fetcher {
                base: None,
                delta: None,
                ocsp: Some(response),
            }
        }
        _ => {
            if let Ok(crl) = Crl::parse(data) {
                let _ = crl.validate_complete(&fx.ca, now);
                let _ = crl.coverage(&fx.leaf, fixed_ca::CRL_URL);
            }
            let _ = notary_revocation::ocsp::evaluate(data, &fx.leaf, &fx.ca, signing_time, now);
            let _ = notary_revocation::ocsp::evaluate(
                data,
                &fx.leaf,
                &fx.leaf,
                None,
                time::OffsetDateTime::UNIX_EPOCH,
            );
            return None;
        }
    };
    let checker = notary_revocation::Checker::new(std::sync::Arc::new(fetcher));
    Some(checker.check_certificate(&fx.leaf, &fx.ca, signing_time, now))
}

/// The fixed revocation test CA of the `revocation` fuzz target.
mod fixed_ca {
    use std::sync::OnceLock;
    use std::time::Duration;

    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    use notary_revocation::FetchError;
    use notary_x509::Certificate;
    use notary_x509::der::{push_header, tag};

    const CA: &[u8] = include_bytes!("../../notary-revocation/testdata/fixed-ca/ca.der");
    const CA_KEY: &[u8] = include_bytes!("../../notary-revocation/testdata/fixed-ca/ca.pk8");
    const LEAF: &[u8] = include_bytes!("../../notary-revocation/testdata/fixed-ca/leaf.der");
    pub const RESPONDER: &[u8] =
        include_bytes!("../../notary-revocation/testdata/fixed-ca/responder.der");
    const RESPONDER_KEY: &[u8] =
        include_bytes!("../../notary-revocation/testdata/fixed-ca/responder.pk8");
    /// The leaf's CRL distribution point.
    pub const CRL_URL: &str = "http://127.0.0.1/fixed-ca/leaf.crl";
    /// ecdsa-with-SHA256, as OpenSSL writes it (no parameters).
    const ECDSA_SHA256: [u8; 12] = [
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ];
    /// id-pkix-ocsp-basic.
    const OCSP_BASIC: [u8; 11] = [
        0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01,
    ];

    pub struct Fixed {
        pub ca: Certificate,
        pub leaf: Certificate,
        pub ca_key: EcdsaKeyPair,
        pub responder_key: EcdsaKeyPair,
    }

    pub fn get() -> Option<&'static Fixed> {
        static FIXED: OnceLock<Option<Fixed>> = OnceLock::new();
        FIXED
            .get_or_init(|| {
                Some(Fixed {
                    ca: Certificate::from_der(CA).ok()?,
                    leaf: Certificate::from_der(LEAF).ok()?,
                    ca_key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, CA_KEY)
                        .ok()?,
                    responder_key: EcdsaKeyPair::from_pkcs8(
                        &ECDSA_P256_SHA256_ASN1_SIGNING,
                        RESPONDER_KEY,
                    )
                    .ok()?,
                })
            })
            .as_ref()
    }

    fn tlv(tag_byte: u8, parts: &[&[u8]]) -> Vec<u8> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mut out = Vec::with_capacity(len.saturating_add(6));
        push_header(&mut out, tag_byte, len);
        for p in parts {
            out.extend_from_slice(p);
        }
        out
    }

    fn signature(key: &EcdsaKeyPair, tbs: &[u8]) -> Vec<u8> {
        let sig = key
            .sign(&SystemRandom::new(), tbs)
            .map(|s| s.as_ref().to_vec())
            .unwrap_or_default();
        tlv(tag::BIT_STRING, &[&[0], &sig])
    }

    /// SEQUENCE { tbs, ecdsa-with-SHA256, signature }: a CRL (or certificate) around `tbs`.
    pub fn signed(key: &EcdsaKeyPair, tbs: &[u8]) -> Vec<u8> {
        tlv(tag::SEQUENCE, &[tbs, &ECDSA_SHA256, &signature(key, tbs)])
    }

    /// A successful OCSPResponse whose BasicOCSPResponse signs `response_data` with `key`,
    /// embedding `cert` when given.
    pub fn ocsp_response(key: &EcdsaKeyPair, response_data: &[u8], cert: Option<&[u8]>) -> Vec<u8> {
        let certs = cert
            .map(|c| tlv(0xa0, &[&tlv(tag::SEQUENCE, &[c])]))
            .unwrap_or_default();
        let basic = tlv(
            tag::SEQUENCE,
            &[
                response_data,
                &ECDSA_SHA256,
                &signature(key, response_data),
                &certs,
            ],
        );
        let bytes = tlv(
            tag::SEQUENCE,
            &[&OCSP_BASIC, &tlv(tag::OCTET_STRING, &[&basic])],
        );
        tlv(tag::SEQUENCE, &[&[0x0a, 0x01, 0x00], &tlv(0xa0, &[&bytes])])
    }

    /// Serves the base CRL at [`CRL_URL`], the delta at any other URL, and the OCSP response.
    pub struct Fetcher {
        pub base: Option<Vec<u8>>,
        pub delta: Option<Vec<u8>>,
        pub ocsp: Option<Vec<u8>>,
    }

    fn serve(url: &str, v: &Option<Vec<u8>>, max: usize) -> Result<Vec<u8>, FetchError> {
        match v {
            Some(b) if b.len() < max => Ok(b.clone()),
            _ => Err(FetchError::new(
                url,
                notary_revocation::FetchErrorKind::Unreachable,
                "unreachable",
            )),
        }
    }

    impl notary_revocation::Fetcher for Fetcher {
        fn ocsp(
            &self,
            responder: &str,
            _: &[u8],
            max: usize,
            _: Duration,
        ) -> Result<Vec<u8>, FetchError> {
            serve(responder, &self.ocsp, max)
        }
        fn crl(&self, url: &str, max: usize, _: Duration) -> Result<Vec<u8>, FetchError> {
            serve(
                url,
                if url == CRL_URL {
                    &self.base
                } else {
                    &self.delta
                },
                max,
            )
        }
    }
}

/// OCI manifests and indexes as read from layouts and registries, and the signature-manifest rule.
pub fn oci_manifest(data: &[u8]) {
    // The same bytes as a referrers index (tag schema or API page), read entry by entry and
    // updated with one more entry, as both registry clients do.
    if let (Ok(index), Ok(subject)) = (
        notary_registry::manifest::index_entries(data),
        VERIFIER_DIGEST.parse::<notary_core::Digest>(),
    ) {
        let _ = notary_registry::manifest::readable_descriptors(
            index.entries.clone(),
            &subject,
            "fuzz",
        );
        let entry =
            notary_core::Descriptor::new(notary_registry::manifest::IMAGE_MANIFEST, subject, 2);
        let _ = notary_registry::manifest::referrers_index_with(index.entries, &entry);
    }
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

/// Admission reviews as the webhook reads them: the review JSON, the images of every pod spec
/// it may hold, and each image reference's scope and digest-pinned form.
pub fn admission_review(data: &[u8]) {
    use notary_admission::{images, reference::ImageReference, review::AdmissionReview};
    let Ok(review) = serde_json::from_slice::<AdmissionReview>(data) else {
        return;
    };
    let Some(request) = review.request else {
        return;
    };
    let _ = images::pod_spec_pointer(&request.kind);
    let Some(object) = request.object else {
        return;
    };
    if let Ok(found) = images::images(&request.kind, &object) {
        for image in found {
            if let Ok(r) = ImageReference::parse(&image) {
                let _ = r.scope();
                let _ = r.connect_host();
                if let Ok(d) = VERIFIER_DIGEST.parse::<notary_core::Digest>() {
                    let _ = r.pinned(&d);
                }
            }
        }
    }
}

/// containerd's image-verifier call as the verifier reads it: the first line is `-name`, the
/// second `-digest`, the rest stdin, read as an OCI descriptor and as an image-verifier input.
pub fn containerd_input(data: &[u8]) {
    let _ = containerd_images(data);
}

/// How many of [`containerd_input`]'s two readings give an image (for the seeds' test).
pub fn containerd_images(data: &[u8]) -> usize {
    use notary_containerd_verifier::{
        Args, DESCRIPTOR_MEDIA_TYPE, Image, VERIFIER_INPUT_MEDIA_TYPE,
    };
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (Some(name), Some(digest)) = (parts.next(), parts.next()) else {
        return 0;
    };
    let mut images = 0;
    let stdin = parts.next().unwrap_or_default().as_bytes();
    for media_type in [DESCRIPTOR_MEDIA_TYPE, VERIFIER_INPUT_MEDIA_TYPE] {
        let args = [
            format!("-name={name}"),
            format!("-digest={digest}"),
            format!("-stdin-media-type={media_type}"),
        ];
        if let Ok(args) = Args::parse(args)
            && Image::from_args(&args, Some(stdin)).is_ok()
        {
            images += 1;
        }
    }
    images
}

/// Plugin responses as the host reads them (`notary::plugin::decode_response`): every
/// response type of the protocol, and the error body.
pub fn plugin_output(data: &[u8]) {
    use notary::plugin::decode_response;
    use notary_plugin_api as api;
    let _ = decode_response::<api::GetMetadataResponse>(data);
    let _ = decode_response::<api::DescribeKeyResponse>(data);
    let _ = decode_response::<api::GenerateSignatureResponse>(data);
    let _ = decode_response::<api::GenerateEnvelopeResponse>(data);
    let _ = decode_response::<api::VerifySignatureResponse>(data);
    let _ = decode_response::<api::PluginError>(data);
}

/// Requests as a plugin built with `notary-plugin` reads them (`notary_plugin::dispatch`): the
/// first byte picks the command (one of the five, or an unknown one), the rest is the request.
/// A plugin's answer must be something the host can read back: a response of the command's
/// type, or an error object with a code.
pub fn plugin_request(data: &[u8]) {
    use notary_plugin_api::command;
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let commands = [
        command::GET_PLUGIN_METADATA,
        command::DESCRIBE_KEY,
        command::GENERATE_SIGNATURE,
        command::GENERATE_ENVELOPE,
        command::VERIFY_SIGNATURE,
        "sign-everything",
    ];
    let name = commands[usize::from(selector) % commands.len()];
    match notary_plugin::dispatch(&EchoPlugin, name, input) {
        Ok(out) => read_back(name, &out),
        Err(e) => {
            let out = serde_json::to_vec(&e).expect("a plugin error encodes");
            let back = notary::plugin::decode_response::<notary_plugin_api::PluginError>(&out)
                .expect("the host reads the plugin's error object");
            assert!(
                !back.error_code.is_empty(),
                "an error object without a code"
            );
            assert_eq!(
                back, e,
                "the host reads another error than the plugin wrote"
            );
        }
    }
}

/// Fails when the host does not read `out` back as the response to `name` the plugin wrote
/// (as serde reads its own output).
fn read_back(name: &str, out: &[u8]) {
    use notary_plugin_api::{self as api, command};
    match name {
        command::GET_PLUGIN_METADATA => same::<api::GetMetadataResponse>(name, out),
        command::DESCRIBE_KEY => same::<api::DescribeKeyResponse>(name, out),
        command::GENERATE_SIGNATURE => same::<api::GenerateSignatureResponse>(name, out),
        command::GENERATE_ENVELOPE => same::<api::GenerateEnvelopeResponse>(name, out),
        command::VERIFY_SIGNATURE => same::<api::VerifySignatureResponse>(name, out),
        other => panic!("{other:?} was answered"),
    }
}

fn same<T>(name: &str, out: &[u8])
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let written: T = serde_json::from_slice(out).expect("the SDK writes JSON serde reads");
    match notary::plugin::decode_response::<T>(out) {
        Ok(read) => assert_eq!(read, written, "the host reads another {name} response"),
        Err(e) => panic!("the host cannot read the {name} response: {e}"),
    }
}

/// A plugin that answers every command with what the request holds, so the fuzzer's strings
/// reach the response encoder.
struct EchoPlugin;

impl notary_plugin::Plugin for EchoPlugin {
    fn metadata(
        &self,
        request: &notary_plugin_api::GetMetadataRequest,
    ) -> notary_plugin_api::GetMetadataResponse {
        let config = request.plugin_config.iter().flatten();
        let description = config.map(|(k, v)| format!("{k}={v}")).collect::<String>();
        notary_plugin::metadata(
            "echo",
            &description,
            "1.0.0",
            "",
            &["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"],
        )
    }

    fn describe_key(
        &self,
        request: &notary_plugin_api::DescribeKeyRequest,
    ) -> notary_plugin::PluginResult<notary_plugin_api::DescribeKeyResponse> {
        Ok(notary_plugin_api::DescribeKeyResponse {
            key_id: request.key_id.clone(),
            key_spec: "EC-256".into(),
        })
    }

    fn generate_signature(
        &self,
        request: &notary_plugin_api::GenerateSignatureRequest,
    ) -> notary_plugin::PluginResult<notary_plugin_api::GenerateSignatureResponse> {
        Ok(notary_plugin_api::GenerateSignatureResponse {
            key_id: request.key_id.clone(),
            signature: request.payload.clone(),
            signing_algorithm: request.hash_algorithm.clone(),
            certificate_chain: vec![request.key_spec.clone()],
        })
    }

    fn generate_envelope(
        &self,
        request: &notary_plugin_api::GenerateEnvelopeRequest,
    ) -> notary_plugin::PluginResult<notary_plugin_api::GenerateEnvelopeResponse> {
        Ok(notary_plugin_api::GenerateEnvelopeResponse {
            signature_envelope: request.payload.clone(),
            signature_envelope_type: request.signature_envelope_type.clone(),
            annotations: request.plugin_config.clone(),
        })
    }

    fn verify_signature(
        &self,
        request: &notary_plugin_api::VerifySignatureRequest,
    ) -> notary_plugin::PluginResult<notary_plugin_api::VerifySignatureResponse> {
        let attributes = &request.signature.critical_attributes;
        if let Some(expiry) = attributes.expiry() {
            return Err(notary_plugin::validation_error(format!("expires {expiry}")));
        }
        let results = request
            .trust_policy
            .signature_verification
            .iter()
            .map(|c| {
                let result = notary_plugin_api::VerificationResult {
                    success: c.len() % 2 == 0,
                    reason: (c.len() % 2 == 1)
                        .then(|| request.signature.certificate_chain.concat()),
                };
                (c.clone(), result)
            })
            .collect();
        Ok(notary_plugin_api::VerifySignatureResponse {
            verification_results: results,
            processed_attributes: request.signature.unprocessed_attributes.clone(),
        })
    }
}

/// Fixed material of the `verifier` target: the root of the fuzz test CA (committed; the seeds
/// in `fuzz/corpus/verifier/` are envelopes signed by its leaf, see `tests/fuzz_corpus.rs`).
const FUZZ_ROOT: &[u8] = include_bytes!("../testdata/fuzz/root.der");

/// The verification time of the `verifier` target (the fuzz CA's chain is valid then).
pub const VERIFIER_NOW: time::OffsetDateTime = time::macros::datetime!(2026-06-01 12:00 UTC);

/// The policy scope of the artifact the `verifier` target verifies OCI signatures for.
pub const VERIFIER_SCOPE: &str = "registry.example/app";

/// The digest of the artifact the `verifier` target verifies OCI signatures for.
const VERIFIER_DIGEST: &str =
    "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

/// The blob the `verifier` target verifies blob signatures against.
pub const VERIFIER_BLOB: &[u8] = b"notary-rs fuzz blob\n";

/// The OCI manifest descriptor the `verifier` target verifies OCI signatures for.
pub fn verifier_oci_target() -> Option<notary_core::Descriptor> {
    let digest = VERIFIER_DIGEST.parse().ok()?;
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

fn fuzz_verifiers() -> &'static [notary::NotaryVerifier] {
    static V: std::sync::OnceLock<Vec<notary::NotaryVerifier>> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let build = |level: &str, stores: &str| -> Option<notary::NotaryVerifier> {
            use notary::truststore::{MemoryTrustStore, TrustStoreType};
            let root = notary_x509::Certificate::from_der(FUZZ_ROOT).ok()?;
            let mut store = MemoryTrustStore::new(notary::default_provider());
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
                notary::NotaryVerifier::new(notary::default_provider(), std::sync::Arc::new(store))
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
    Result<notary::VerificationOutcome, notary::VerificationError>,
    Result<notary::VerificationOutcome, notary::VerificationError>,
)>;

/// Runs the whole [`notary::NotaryVerifier`] on fuzzed envelope bytes, for an OCI target and a
/// blob target: the first byte selects the envelope format (bit 0: JWS or COSE) and
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
    use notary::Verifier as _;
    let oci = verifier.verify(notary::VerifyRequest::oci(
        envelope,
        media_type,
        VERIFIER_SCOPE,
        &target,
        VERIFIER_NOW,
    ));
    let mut blob = VERIFIER_BLOB;
    let blob = verifier.verify(notary::VerifyRequest::blob(
        envelope,
        media_type,
        notary::BlobTarget::new(&mut blob).with_media_type("application/octet-stream"),
        VERIFIER_NOW,
    ));
    Some((oci, blob))
}

/// The `verifier` fuzz target (see [`verifier_results`]).
pub fn verifier(data: &[u8]) {
    let _ = verifier_results(data);
}

/// Decompressed-size cap of the `plugin_archive` target (the CLI uses
/// [`notary::plugin_package::MAX_PLUGIN_SIZE`]; a smaller cap keeps fuzzing fast and exercises
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
    if let Ok(staged) = notary::plugin_package::stage_package(
        package,
        file_name,
        None,
        dir.path(),
        PLUGIN_ARCHIVE_LIMIT,
    ) {
        // Whatever an archive says, the executable lands directly in the staging directory
        // under a valid plugin name, within the cap.
        assert_eq!(staged.path.parent(), Some(dir.path()));
        assert!(notary::plugin::valid_name(&staged.name));
        assert!(std::fs::metadata(&staged.path).is_ok_and(|m| m.len() <= PLUGIN_ARCHIVE_LIMIT));
        for other in &staged.other_files {
            assert!(dir.path().join(other).is_file(), "{other}");
        }
    }
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
            data.get(i.saturating_add(1)..).unwrap_or_default(),
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
