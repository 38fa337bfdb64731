//! Rough verification timing, RustCrypto vs aws-lc-rs, in one process (not a benchmark; run
//! with `cargo run --release -p notary-provider-rustcrypto --example verify_timing`).

use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RsaKeyPair};
use notary_core::crypto::{
    CryptoProvider, EcCurve, HashFunction, PrivateKeyDer, PublicKey, SignatureKind,
};
use rsa::pkcs1::der::Decode as _;

const MESSAGE: &[u8] = b"eyJhbGciOiJQUzI1NiJ9.eyJ0YXJnZXRBcnRpZmFjdCI6e319";

fn time(
    p: &CryptoProvider,
    kind: SignatureKind,
    key: &PublicKey<'_>,
    sig: &[u8],
    n: u32,
) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        p.signatures
            .verify(kind, key, MESSAGE, sig)
            .expect("verifies");
    }
    start.elapsed() / n
}

fn main() {
    let aws = notary_provider_aws_lc_rs::provider();
    let rc = notary_provider_rustcrypto::provider();

    let rng = aws_lc_rs::rand::SystemRandom::new();
    let ec = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("keygen");
    let ec = aws
        .load_private_key(PrivateKeyDer::Pkcs8(ec.as_ref()))
        .expect("load");
    let ec_point = ec.public_key();
    let ec_key = PublicKey::Ec {
        curve: EcCurve::P256,
        point: &ec_point,
    };
    let ec_sig = ec.sign(MESSAGE).expect("sign");

    let rsa = RsaKeyPair::generate(KeySize::Rsa3072).expect("keygen");
    let rsa_der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&rsa).expect("der");
    let rsa = aws
        .load_private_key(PrivateKeyDer::Pkcs8(rsa_der.as_ref()))
        .expect("load");
    let pkcs1 = rsa.public_key();
    let parts = rsa::pkcs1::RsaPublicKey::from_der(&pkcs1).expect("pkcs1");
    let rsa_key = PublicKey::Rsa {
        modulus: parts.modulus.as_bytes(),
        exponent: parts.public_exponent.as_bytes(),
    };
    let rsa_sig = rsa.sign(MESSAGE).expect("sign");

    let cases = [
        (
            "ECDSA P-256 (ES256)",
            SignatureKind::EcdsaFixed(HashFunction::Sha256),
            ec_key,
            ec_sig,
            2000,
        ),
        (
            "RSA-3072 PSS (PS384)",
            SignatureKind::RsaPss(HashFunction::Sha384),
            rsa_key,
            rsa_sig,
            1000,
        ),
    ];
    println!(
        "{:<22} {:>12} {:>12} {:>8}",
        "case", "aws-lc-rs", "rustcrypto", "ratio"
    );
    for (name, kind, key, sig, n) in cases {
        // Warm up, then interleave three rounds so both providers see the same machine state.
        time(&aws, kind, &key, &sig, n / 10);
        time(&rc, kind, &key, &sig, n / 10);
        let (mut a, mut r) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..3 {
            a += time(&aws, kind, &key, &sig, n);
            r += time(&rc, kind, &key, &sig, n);
        }
        println!(
            "{name:<22} {:>10.1}µs {:>10.1}µs {:>7.2}x",
            a.as_secs_f64() * 1e6 / 3.0,
            r.as_secs_f64() * 1e6 / 3.0,
            r.as_secs_f64() / a.as_secs_f64()
        );
    }
}
