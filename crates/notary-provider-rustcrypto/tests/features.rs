//! What the features switch: run with and without `--no-default-features`.

use notary_core::crypto::{CryptoError, HashFunction, PublicKey, SignatureKind};
use rsa::pkcs1::der::Decode as _;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn verification_needs_no_feature() {
    let p = notary_provider_rustcrypto::provider();
    let der = data("rsa8192.pub.der");
    let k = rsa::pkcs1::RsaPublicKey::from_der(&der).unwrap();
    let key = PublicKey::Rsa {
        modulus: k.modulus.as_bytes(),
        exponent: k.public_exponent.as_bytes(),
    };
    let msg = data("message.txt");
    let sig = data("rsa8192.pkcs1-sha256.sig");
    let kind = SignatureKind::RsaPkcs1v15(HashFunction::Sha256);
    p.signatures.verify(kind, &key, &msg, &sig).unwrap();
    let err = p.signatures.verify(kind, &key, b"other", &sig).unwrap_err();
    assert!(matches!(err, CryptoError::BadSignature), "{err:?}");
}

#[test]
fn sign_feature_switches_keys_and_randomness() {
    let p = notary_provider_rustcrypto::provider();
    assert_eq!(p.keys.is_some(), cfg!(feature = "sign"));
    let r = p.random.fill(&mut [0; 16]);
    assert_eq!(r.is_ok(), cfg!(feature = "sign"), "{r:?}");
    if !cfg!(feature = "sign") {
        assert!(matches!(r, Err(CryptoError::Unsupported { .. })));
    }
}

#[test]
fn ed25519_feature_switches_ed25519() {
    // RFC 8032 section 7.1, test 1 (empty message).
    let key = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    let sig = unhex(concat!(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155",
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    ));
    let p = notary_provider_rustcrypto::provider();
    let r = p.signatures.verify(
        SignatureKind::Ed25519,
        &PublicKey::Ed25519 { key: &key },
        b"",
        &sig,
    );
    if cfg!(feature = "ed25519") {
        r.unwrap();
        let bad = p.signatures.verify(
            SignatureKind::Ed25519,
            &PublicKey::Ed25519 { key: &key },
            b"x",
            &sig,
        );
        assert!(matches!(bad, Err(CryptoError::BadSignature)), "{bad:?}");
    } else {
        assert!(matches!(r, Err(CryptoError::Unsupported { .. })), "{r:?}");
    }
}
