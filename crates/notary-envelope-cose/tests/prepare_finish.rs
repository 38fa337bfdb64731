//! The two-phase signing API: `prepare` → sign the signing input → `finish` gives exactly the
//! envelope `sign` gives, and `finish` refuses what `parse` would refuse.

use notary_core::{KeySpec, RawSignature, SignRequest, Signer};
use notary_envelope_cose::{Error, UnverifiedCose, prepare, sign};
use time::macros::datetime;

/// A deterministic stand-in signer: the same input always gives the same signature, of the
/// length the key spec's algorithm needs.
struct Deterministic(KeySpec);

impl Signer for Deterministic {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(self.0)
    }

    fn sign(&self, input: &[u8]) -> Result<RawSignature, notary_core::Error> {
        let len = self
            .0
            .signature_algorithm()
            .ecdsa_signature_len()
            .unwrap_or(256);
        let mut sig = vec![0u8; len];
        for (i, b) in input.iter().enumerate() {
            sig[i % len] = sig[i % len].wrapping_mul(31).wrapping_add(*b);
        }
        Ok(RawSignature {
            signature: sig,
            certificate_chain: vec![b"leaf".to_vec(), b"root".to_vec()],
        })
    }
}

fn request() -> SignRequest {
    let mut r = SignRequest::new(
        br#"{"targetArtifact":{}}"#.to_vec(),
        datetime!(2026-06-01 12:00 UTC),
    );
    r.signing_agent = Some("notary-rs/test".into());
    r
}

#[test]
fn prepare_sign_finish_equals_sign() {
    for spec in KeySpec::ALL {
        let signer = Deterministic(spec);
        let unsigned = prepare(&request(), spec).unwrap();
        assert_eq!(unsigned.algorithm(), spec.signature_algorithm());
        let raw = signer.sign(unsigned.signing_input()).unwrap();
        let envelope = unsigned.finish(raw).unwrap();
        assert_eq!(envelope, sign(&request(), &signer).unwrap(), "{spec}");
        // The signed bytes are the envelope's own Sig_structure.
        let parsed = UnverifiedCose::parse(&envelope).unwrap();
        assert_eq!(parsed.certificate_chain().len(), 2);
    }
}

#[test]
fn finish_refuses_what_parse_would_refuse() {
    let raw = |signature: Vec<u8>, chain: Vec<Vec<u8>>| RawSignature {
        signature,
        certificate_chain: chain,
    };
    let leaf = || vec![b"leaf".to_vec()];
    let p256 = || prepare(&request(), KeySpec::EcP256).unwrap();
    assert!(matches!(
        p256().finish(raw(vec![1; 64], vec![])),
        Err(Error::EmptyCertificateChain)
    ));
    assert!(matches!(
        p256().finish(raw(vec![], leaf())),
        Err(Error::EmptySignature)
    ));
    assert!(matches!(
        p256().finish(raw(vec![1; 70], leaf())),
        Err(Error::InvalidSignatureLength {
            expected: 64,
            found: 70,
            ..
        })
    ));
    assert!(matches!(
        prepare(
            &SignRequest::new(Vec::new(), datetime!(2026-06-01 12:00 UTC)),
            KeySpec::Rsa2048
        ),
        Err(Error::EmptyPayload)
    ));
}
