//! Timestamping against a real RFC 3161 TSA: OpenSSL (`openssl ts -reply`) behind a small
//! loopback HTTP front, with a test PKI made by `tests/pki/make-tsa.sh`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

mod support;
#[path = "support/tls.rs"]
mod tls;

use notary::revocation::{HttpFetcher, ProxyConfig};
use notary::timestamp::Rfc3161Timestamper;
use notary::truststore::{MemoryTrustStore, TrustStoreType};
use notary::{Descriptor, EnvelopeMediaType, KeySpec, SignOptions, Validation, Verifier};
use notary_crypto::pki::ChainBuilder;
use notary_trustpolicy::OciTrustPolicy;
use notary_x509::{Certificate, read_certificates};
use time::{Duration, OffsetDateTime};

fn make_pki() -> (tempfile::TempDir, PathBuf) {
    make_pki_with_root_bits(2048)
}

fn make_pki_with_root_bits(bits: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/pki/make-tsa.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .arg(bits.to_string())
        .output()
        .expect("bash and openssl are installed by scripts/setup.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = dir.path().to_path_buf();
    (dir, p)
}

fn root(pki: &Path) -> Vec<Certificate> {
    read_certificates(&std::fs::read(pki.join("ca.crt")).unwrap()).unwrap()
}

const REF: &str =
    "registry.example/app@sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

fn target() -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        REF.rsplit_once('@').unwrap().1.parse().unwrap(),
        942,
    )
}

fn verifier(chain_root: &[u8], tsa_root: Option<Vec<Certificate>>) -> notary::NotaryVerifier {
    let mut store = MemoryTrustStore::new(notary::default_provider());
    store
        .add(
            TrustStoreType::Ca,
            "s",
            vec![Certificate::from_der(chain_root).unwrap()],
        )
        .unwrap();
    let stores = match tsa_root {
        Some(r) => {
            store.add(TrustStoreType::Tsa, "t", r).unwrap();
            r#"["ca:s","tsa:t"]"#
        }
        None => r#"["ca:s"]"#,
    };
    let policy = format!(
        r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"signatureVerification":{{"level":"strict"}},"trustStores":{stores},"trustedIdentities":["*"]}}]}}"#
    );
    notary::NotaryVerifier::new(notary::default_provider(), Arc::new(store))
        .with_oci_policy(OciTrustPolicy::from_json(policy.as_bytes()).unwrap())
}

#[test]
fn timestamp_keeps_an_expired_signature_valid_only_with_a_tsa_store() {
    let (_keep, pki) = make_pki();
    let url = support::start_tsa(&pki, false);
    // The TSA stamps with the real clock, so this test runs at the real time.
    let now = OffsetDateTime::now_utc();
    for (spec, format) in [
        (KeySpec::EcP384, EnvelopeMediaType::Jws),
        (KeySpec::Rsa3072, EnvelopeMediaType::Cose),
    ] {
        let chain = ChainBuilder::new(spec, now)
            .validity(now - Duration::hours(1), now + Duration::days(1))
            .build()
            .unwrap();
        let mut opts = SignOptions::new(now);
        opts.format = format;
        opts.timestamper = Some(Arc::new(Rfc3161Timestamper::new(&url, root(&pki))));
        let signed = notary::sign_artifact(&target(), &chain.signer().unwrap(), &opts).unwrap();
        assert!(
            signed
                .envelope
                .signer_info()
                .unsigned_attributes
                .timestamp_signature
                .is_some()
        );

        let later = now + Duration::days(3);
        let with_tsa = verifier(chain.root(), Some(root(&pki)));
        assert!(
            with_tsa
                .verify(notary::VerifyRequest::oci(
                    &signed.bytes,
                    format,
                    scope_of(REF),
                    &target(),
                    now
                ))
                .unwrap()
                .is_verified()
        );
        assert!(
            with_tsa
                .verify(notary::VerifyRequest::oci(
                    &signed.bytes,
                    format,
                    scope_of(REF),
                    &target(),
                    later
                ))
                .unwrap_or_else(|e| panic!(
                    "{spec}: the timestamp must carry the expired chain: {e}"
                ))
                .is_verified()
        );
        let without = verifier(chain.root(), None);
        let e = without
            .verify(notary::VerifyRequest::oci(
                &signed.bytes,
                format,
                scope_of(REF),
                &target(),
                later,
            ))
            .unwrap_err();
        assert_eq!(e.validation(), Some(Validation::AuthenticTimestamp), "{e}");
        // A TSA store that does not hold the TSA's root: "signed by unknown authority".
        let other = verifier(
            chain.root(),
            Some(vec![Certificate::from_der(chain.root()).unwrap()]),
        );
        let e = other
            .verify(notary::VerifyRequest::oci(
                &signed.bytes,
                format,
                scope_of(REF),
                &target(),
                later,
            ))
            .unwrap_err();
        assert!(e.to_string().contains("unknown authority"), "{e}");
    }
}

#[test]
fn tsa_faults_stop_signing_with_a_clear_error() {
    let (_keep, pki) = make_pki();
    let now = OffsetDateTime::now_utc();
    let chain = ChainBuilder::new(KeySpec::EcP256, now).build().unwrap();
    let sign_with = |url: &str, roots: Vec<Certificate>| {
        let mut opts = SignOptions::new(now);
        opts.timestamper = Some(Arc::new(
            Rfc3161Timestamper::new(url, roots).with_timeout(std::time::Duration::from_secs(2)),
        ));
        notary::sign_artifact(&target(), &chain.signer().unwrap(), &opts)
    };
    // Down: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = sign_with(&format!("http://127.0.0.1:{port}/tsa"), root(&pki)).unwrap_err();
    assert!(matches!(e, notary::Error::Timestamp { .. }), "{e}");
    // Garbage answer.
    let e = sign_with(&support::start_tsa(&pki, true), root(&pki)).unwrap_err();
    assert!(e.to_string().contains("invalid timestamp response"), "{e}");
    // A real token, but not from the root we trust.
    let e = sign_with(
        &support::start_tsa(&pki, false),
        vec![Certificate::from_der(chain.root()).unwrap()],
    )
    .unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    // A real token under another Content-Type (RFC 3161 §3.4), as tspclient-go refuses it: a
    // front that is not the TSA (a proxy's page, a load balancer's default) is named as such.
    for wrong in [
        "application/octet-stream",
        "application/timestamp-reply; charset=binary",
        "Application/Timestamp-Reply",
    ] {
        let e = sign_with(&support::start_tsa_typed(&pki, false, wrong), root(&pki)).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("unexpected response content type") && text.contains(wrong),
            "{wrong}: {text}"
        );
    }
}

#[test]
fn timestamping_over_https_trusts_the_given_ca_only() {
    let (_keep, pki) = make_pki();
    // The OpenSSL TSA behind a TLS front whose certificate a test CA issued.
    let tls = tls::TestTls::new();
    let url = tls.front(&support::start_tsa(&pki, false));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let now = OffsetDateTime::now_utc();
    let chain = ChainBuilder::new(KeySpec::EcP256, now)
        .validity(now - Duration::hours(1), now + Duration::days(1))
        .build()
        .unwrap();
    let sign_with = |t: Rfc3161Timestamper| {
        let mut opts = SignOptions::new(now);
        opts.timestamper = Some(Arc::new(t.with_timeout(std::time::Duration::from_secs(10))));
        notary::sign_artifact(&target(), &chain.signer().unwrap(), &opts)
    };
    let http = HttpFetcher::builder()
        .proxy(ProxyConfig::none())
        .add_root_certificate_der(tls.ca_der.clone())
        .build()
        .unwrap();
    let signed = sign_with(Rfc3161Timestamper::new(&url, root(&pki)).with_http(http)).unwrap();
    assert!(
        signed
            .envelope
            .signer_info()
            .unsigned_attributes
            .timestamp_signature
            .is_some()
    );
    // The timestamp carries the signature past its certificate's expiry.
    assert!(
        verifier(chain.root(), Some(root(&pki)))
            .verify(notary::VerifyRequest::oci(
                &signed.bytes,
                EnvelopeMediaType::Jws,
                scope_of(REF),
                &target(),
                now + Duration::days(3)
            ))
            .unwrap()
            .is_verified()
    );
    // Without the test CA the TLS handshake fails and nothing is signed.
    let e = sign_with(Rfc3161Timestamper::new(&url, root(&pki))).unwrap_err();
    assert!(matches!(e, notary::Error::Timestamp { .. }), "{e}");
    assert!(e.to_string().contains("certificate"), "{e}");
}

/// Answers a fixed status and records what it was asked.
struct Recording {
    status: fn(String) -> notary::revocation::RevocationStatus,
    asked: std::sync::Mutex<Vec<(Vec<String>, notary::revocation::RevocationPurpose)>>,
}

impl notary::revocation::RevocationChecker for Recording {
    fn check(
        &self,
        chain: &[Certificate],
        purpose: notary::revocation::RevocationPurpose,
        _authentic_signing_time: Option<OffsetDateTime>,
        _now: OffsetDateTime,
    ) -> notary::revocation::RevocationStatus {
        self.asked.lock().unwrap().push((
            chain.iter().map(Certificate::subject_string).collect(),
            purpose,
        ));
        (self.status)(format!("{} is revoked", chain[0].subject_string()))
    }
}

#[test]
fn signing_checks_the_tsa_chain_for_revocation_and_fails_on_revoked_or_unknown() {
    use notary::revocation::{RevocationPurpose, RevocationStatus};
    let (_keep, pki) = make_pki();
    let url = support::start_tsa(&pki, false);
    let now = OffsetDateTime::now_utc();
    let chain = ChainBuilder::new(KeySpec::EcP256, now)
        .validity(now - Duration::hours(1), now + Duration::days(1))
        .build()
        .unwrap();
    let sign_with = |status: fn(String) -> RevocationStatus| {
        let checker = Arc::new(Recording {
            status,
            asked: Default::default(),
        });
        let mut opts = SignOptions::new(now);
        opts.timestamper = Some(Arc::new(
            Rfc3161Timestamper::new(&url, root(&pki)).with_revocation(checker.clone()),
        ));
        let r = notary::sign_artifact(&target(), &chain.signer().unwrap(), &opts);
        let asked = checker.asked.lock().unwrap().clone();
        (r, asked)
    };
    let (signed, asked) = sign_with(|_| RevocationStatus::Good);
    assert!(
        signed
            .unwrap()
            .envelope
            .signer_info()
            .unsigned_attributes
            .timestamp_signature
            .is_some()
    );
    // Once, for the TSA's chain (never the signer's), with the timestamping purpose.
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].1, RevocationPurpose::Timestamping);
    let tsa_root = root(&pki)[0].subject_string();
    assert_eq!(asked[0].0.last(), Some(&tsa_root), "{asked:?}");
    let leaf = Certificate::from_der(&chain.certificates[0]).unwrap();
    assert!(!asked[0].0.contains(&leaf.subject_string()));

    for status in [
        (|reason| RevocationStatus::Revoked { reason }) as fn(String) -> RevocationStatus,
        |reason| RevocationStatus::Unknown { reason },
    ] {
        let (e, _) = sign_with(status);
        let e = e.unwrap_err();
        assert!(matches!(e, notary::Error::Timestamp { .. }), "{e}");
        let text = format!("{e}");
        assert!(
            text.contains("timestamp: after timestamping: ") && text.contains("is revoked"),
            "{text}"
        );
    }
}

/// Re-encodes a DER token as BER: every length in the 4-octet long form, or (`indefinite`)
/// constructed elements with indefinite lengths.
fn to_ber(der: &[u8], indefinite: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = notary_x509::der::Reader::new(der);
    while !r.is_empty() {
        let t = r.read_any().unwrap();
        out.push(t.tag);
        let constructed = t.tag & 0x20 != 0;
        let content = if constructed {
            to_ber(t.value, indefinite)
        } else {
            t.value.to_vec()
        };
        if indefinite && constructed {
            out.push(0x80);
            out.extend(content);
            out.extend([0, 0]);
        } else {
            out.push(0x84);
            out.extend(u32::try_from(content.len()).unwrap().to_be_bytes());
            out.extend(content);
        }
    }
    out
}

/// The real TSA's token, re-encoded as BER (and optionally with its last byte, inside the CMS
/// signature, changed) before it is embedded.
#[derive(Debug)]
struct BerTimestamper {
    inner: Rfc3161Timestamper,
    indefinite: bool,
    tamper: bool,
}

impl notary::timestamp::Timestamper for BerTimestamper {
    fn timestamp(
        &self,
        message: &[u8],
        hash: notary_core::DigestAlgorithm,
    ) -> Result<Vec<u8>, notary::timestamp::TimestampError> {
        let der = self.inner.timestamp(message, hash)?;
        let mut ber = to_ber(&der, self.indefinite);
        assert_ne!(ber, der);
        if self.tamper
            && let Some(last) = ber.last_mut()
        {
            *last ^= 0x01;
        }
        Ok(ber)
    }
}

#[test]
fn ber_encoded_token_from_the_real_tsa_is_accepted_like_notation() {
    let (_keep, pki) = make_pki();
    let url = support::start_tsa(&pki, false);
    let now = OffsetDateTime::now_utc();
    let chain = ChainBuilder::new(KeySpec::EcP256, now)
        .validity(now - Duration::hours(1), now + Duration::days(1))
        .build()
        .unwrap();
    let later = now + Duration::days(3);
    let with_tsa = verifier(chain.root(), Some(root(&pki)));
    let sign_and_verify = |indefinite: bool, tamper: bool| {
        let mut opts = SignOptions::new(now);
        opts.timestamper = Some(Arc::new(BerTimestamper {
            inner: Rfc3161Timestamper::new(&url, root(&pki)),
            indefinite,
            tamper,
        }));
        let signed = notary::sign_artifact(&target(), &chain.signer().unwrap(), &opts).unwrap();
        // After the chain expired, only the timestamp keeps the signature valid.
        with_tsa.verify(notary::VerifyRequest::oci(
            &signed.bytes,
            EnvelopeMediaType::Jws,
            scope_of(REF),
            &target(),
            later,
        ))
    };
    assert!(
        sign_and_verify(false, false)
            .unwrap_or_else(|e| panic!("BER token refused: {e}"))
            .is_verified()
    );
    let e = sign_and_verify(false, true).unwrap_err();
    assert_eq!(e.validation(), Some(Validation::AuthenticTimestamp), "{e}");
    // notation's BER conversion refuses indefinite lengths; so does notary-rs.
    let e = sign_and_verify(true, false).unwrap_err();
    assert_eq!(e.validation(), Some(Validation::AuthenticTimestamp), "{e}");
    assert!(e.to_string().contains("indefinite length"), "{e}");
}

/// The `registry/repository` of a digest reference (what the trust policy is selected by).
fn scope_of(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(scope, _)| scope)
}

#[test]
fn a_tsa_chain_through_a_key_notary_does_not_verify_with_names_that_key() {
    // An RSA-1024 TSA root (notation accepts it; notary verifies with no RSA key under 2048
    // bits): no path, and the error says why rather than only "unknown authority".
    let (_dir, pki) = make_pki_with_root_bits(1024);
    let data = b"the signature bytes a token imprints";
    std::fs::write(pki.join("data.bin"), data).unwrap();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&pki)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "ts", "-query", "-data", "data.bin", "-sha256", "-cert", "-out", "q.tsq",
    ]);
    openssl(&[
        "ts",
        "-reply",
        "-config",
        "tsa.cnf",
        "-queryfile",
        "q.tsq",
        "-token_out",
        "-out",
        "t.der",
    ]);
    let token = notary_timestamp::TimestampToken::parse(&std::fs::read(pki.join("t.der")).unwrap())
        .unwrap();
    let x509 = notary_x509::X509Verifier::new(notary::default_provider());
    match token.verify_with(&x509, data, &root(&pki)) {
        Err(e @ notary_timestamp::Error::UnsupportedIssuerKey { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("Test TSA Root") && text.contains("1024 bits"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}
