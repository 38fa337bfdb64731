//! LocalSigner, key loading and certificate generation, checked against aws-lc-rs verification,
//! the certificate parser of notary-x509 and the OpenSSL CLI.

use notary_core::{KeySpec, SignatureAlgorithm, Signer};
use notary_crypto::pki::{ChainBuilder, LeafPurpose, fixture_key};
use notary_crypto::{LocalSigner, generate_test_certificate, private_key_to_pem};
use notary_x509::{
    Certificate, validate_code_signing_chain, validate_timestamping_chain, verify_raw_signature,
};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn key_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/testdata/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn every_key_spec_signs_verifiably() {
    for spec in KeySpec::ALL {
        let chain = ChainBuilder::new(spec, NOW).build().unwrap();
        let certs: Vec<Certificate> = chain
            .certificates
            .iter()
            .map(|d| Certificate::from_der(d).unwrap())
            .collect();
        validate_code_signing_chain(&certs, Some(NOW)).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let signer = chain.signer().unwrap();
        assert_eq!(signer.key_spec().unwrap(), spec);
        let raw = signer.sign(b"payload to sign").unwrap();
        if let Some(n) = spec.signature_algorithm().ecdsa_signature_len() {
            assert_eq!(
                raw.signature.len(),
                n,
                "{spec}: ECDSA must be fixed-width r||s"
            );
        }
        let alg: SignatureAlgorithm = spec.signature_algorithm();
        verify_raw_signature(certs[0].spki_der(), alg, b"payload to sign", &raw.signature)
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert!(
            verify_raw_signature(certs[0].spki_der(), alg, b"other payload", &raw.signature)
                .is_err()
        );
        assert_eq!(raw.certificate_chain, chain.certificates);
    }
}

#[test]
fn mixed_specs_and_timestamping_chain() {
    let chain = ChainBuilder::new(KeySpec::EcP256, NOW)
        .ca_spec(KeySpec::Rsa3072)
        .intermediates(2)
        .purpose(LeafPurpose::Timestamping)
        .build()
        .unwrap();
    assert_eq!(chain.certificates.len(), 4);
    let certs: Vec<Certificate> = chain
        .certificates
        .iter()
        .map(|d| Certificate::from_der(d).unwrap())
        .collect();
    validate_timestamping_chain(&certs, Some(NOW)).unwrap();
    assert!(
        validate_code_signing_chain(&certs, Some(NOW)).is_err(),
        "timeStamping EKU is refused for code signing"
    );
}

#[test]
fn pkcs1_sec1_and_pkcs8_keys_load() {
    for (file, spec, variant) in [
        ("rsa-2048-a.pkcs1.pem", KeySpec::Rsa2048, 0),
        ("ec-256-a.sec1.pem", KeySpec::EcP256, 0),
        ("rsa-4096-a.pk8.pem", KeySpec::Rsa4096, 0),
        ("ec-521-a.pk8.pem", KeySpec::EcP521, 0),
    ] {
        // A self-signed certificate for the fixture key, made with rcgen through the builder's key.
        let key = rcgen::KeyPair::try_from(fixture_key(spec, variant).as_slice()).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).unwrap();
        let signer = LocalSigner::from_pem(&key_file(file), cert.pem().as_bytes())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(signer.key_spec().unwrap(), spec, "{file}");
    }
}

#[test]
fn mismatched_encrypted_and_garbage_keys_are_refused() {
    let generated = generate_test_certificate("mismatch", KeySpec::EcP256, NOW).unwrap();
    let other = private_key_to_pem(&fixture_key(KeySpec::EcP256, 1));
    let err = LocalSigner::from_pem(other.as_bytes(), generated.cert_pem.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .contains("does not belong to the leaf certificate"),
        "{err}"
    );
    let err = LocalSigner::from_pem(
        &key_file("ec-256-a.encrypted.pem"),
        generated.cert_pem.as_bytes(),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("encrypted private keys are not supported"),
        "{err}"
    );
    let err = LocalSigner::from_pem(b"not a key", generated.cert_pem.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("no PEM block"), "{err}");
    let err = LocalSigner::from_pem(generated.key_pem.as_bytes(), b"").unwrap_err();
    assert!(
        matches!(err, notary_core::Error::InvalidCertificate { .. }),
        "{err}"
    );
}

#[test]
fn test_certificate_matches_notation() {
    let g = generate_test_certificate("wabbit", KeySpec::Rsa2048, NOW).unwrap();
    let c = Certificate::from_der(&g.cert_der).unwrap();
    assert_eq!(
        c.subject_string(),
        "CN=wabbit,O=Notary,L=Seattle,ST=WA,C=US"
    );
    assert!(c.is_self_signed());
    assert!(!c.is_ca());
    assert_eq!(c.not_before(), NOW);
    assert_eq!(c.not_after(), NOW + time::Duration::days(1));
    assert_eq!(c.key_spec().unwrap(), KeySpec::Rsa2048);
    validate_code_signing_chain(&[c], Some(NOW)).unwrap();
    assert!(generate_test_certificate("", KeySpec::EcP256, NOW).is_err());
}

/// RSASSA-PSS signatures must verify with OpenSSL using salt = hash length.
#[test]
fn openssl_accepts_pss_signatures() {
    let dir = std::env::temp_dir().join(format!("notary-crypto-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (spec, hash, salt) in [
        (KeySpec::Rsa2048, "sha256", "32"),
        (KeySpec::Rsa3072, "sha384", "48"),
        (KeySpec::Rsa4096, "sha512", "64"),
    ] {
        let chain = ChainBuilder::new(spec, NOW)
            .intermediates(0)
            .build()
            .unwrap();
        let sig = chain
            .signer()
            .unwrap()
            .sign(b"openssl cross-check")
            .unwrap()
            .signature;
        let leaf = Certificate::from_der(&chain.certificates[0]).unwrap();
        let pubkey = pem::encode(&pem::Pem::new("PUBLIC KEY", leaf.spki_der().to_vec()));
        std::fs::write(dir.join("pub.pem"), pubkey).unwrap();
        std::fs::write(dir.join("msg"), b"openssl cross-check").unwrap();
        std::fs::write(dir.join("sig"), &sig).unwrap();
        let out = std::process::Command::new("openssl")
            .args([
                "dgst",
                &format!("-{hash}"),
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
            ])
            .arg(format!("rsa_pss_saltlen:{salt}"))
            .args(["-verify", "pub.pem", "-signature", "sig", "msg"])
            .current_dir(&dir)
            .output()
            .expect("openssl must be installed (scripts/setup.sh installs it)");
        assert!(
            out.status.success(),
            "{spec}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generated_test_certificates_carry_notations_extensions_only() {
    // notation's template: key usage (critical, digitalSignature) and the code-signing EKU;
    // no basicConstraints and no subject key identifier.
    for spec in [KeySpec::Rsa2048, KeySpec::EcP256] {
        let g = generate_test_certificate("ext", spec, NOW).unwrap();
        let cert = Certificate::from_der(&g.cert_der).unwrap();
        assert!(cert.basic_constraints().is_none(), "{spec}");
        assert_eq!(cert.critical_extension_oids(), ["2.5.29.15"], "{spec}");
        // The subject key identifier OID (2.5.29.14) appears nowhere in the DER.
        assert!(
            !g.cert_der
                .windows(5)
                .any(|w| w == [0x06, 0x03, 0x55, 0x1d, 0x0e]),
            "{spec}"
        );
        validate_code_signing_chain(&[cert], Some(NOW)).unwrap();
    }
}
