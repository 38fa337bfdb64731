//! Real RFC 3161 tokens from the interop corpus: parse, verify, inspect.

#[macro_use]
mod common;

use base64::Engine as _;
use notary_timestamp::{Error, TimestampToken};
use notary_x509::{Certificate, read_certificates};

for_each_provider! {
    #[allow(dead_code)]
    fn x509() -> notary_x509::X509Verifier {
        notary_x509::X509Verifier::new(provider())
    }

    #[allow(dead_code)]
    fn inspect_json(token: &[u8]) -> serde_json::Value {
        notary_timestamp::inspect_json_with(&provider(), token)
    }

    fn data(rel: &str) -> Vec<u8> {
        let p = format!(
            "{}/../../../shared/interop/data/{rel}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn certs(rel: &str) -> Vec<Certificate> {
        read_certificates(&data(rel)).unwrap()
    }

    /// The raw signature bytes of a JWS envelope (what its timestamp imprints).
    fn jws_signature(rel: &str) -> Vec<u8> {
        let v: serde_json::Value = serde_json::from_slice(&data(rel)).unwrap();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(v["signature"].as_str().unwrap())
            .unwrap()
    }

    #[test]
    fn globalsign_token_verifies_against_its_root() {
        let tok = TimestampToken::parse(&data(
            "derived/tsa-tokens/notation-go-jwsWithTimestamp.tst.der",
        ))
        .unwrap();
        let msg = jws_signature("notation-go/verifier-testdata/timestamp/sigEnv/jwsWithTimestamp.sig");
        let roots = certs(
            "notation-go/verifier-testdata/truststore/x509/tsa/test-timestamp/globalsignRoot.cer",
        );
        let v = tok.verify_with(&x509(), &msg, &roots).unwrap();
        assert!(v.range.0 <= tok.gen_time() && tok.gen_time() <= v.range.1);
        assert!(v.tsa_chain.len() >= 2);
        // Wrong message, or wrong roots.
        assert!(matches!(
            tok.verify_with(&x509(), b"other", &roots),
            Err(Error::ImprintMismatch)
        ));
        let other_roots = certs("notation-core-go/timestamp/tsaRootCert.cer");
        assert!(matches!(
            tok.verify_with(&x509(), &msg, &other_roots),
            Err(Error::UnknownAuthority)
        ));
        // The imprint alone, with no root: what a signer checks of a plugin's token.
        assert_eq!(tok.check_imprint(&provider(), &msg), Ok(()));
        assert_eq!(
            tok.check_imprint(&provider(), b"other"),
            Err(Error::ImprintMismatch)
        );
    }

    #[test]
    fn microsoft_token_verifies_when_anchored_at_its_intermediate() {
        let tok = TimestampToken::parse(&data("derived/tsa-tokens/blob.jws.sig.tst.der")).unwrap();
        let msg = jws_signature("notation-e2e/signatures/blob.jws.sig");
        let embedded = certs("derived/tsa-tokens/blob.jws.sig.tsa-certs.pem");
        // The Microsoft root is not in the corpus: anchoring at the intermediate is not a root, so
        // the chain rules (self-signed root) refuse it, while the CMS signature itself verifies.
        let inter: Vec<Certificate> = embedded.iter().filter(|c| c.is_ca()).cloned().collect();
        match tok.verify_with(&x509(), &msg, &inter) {
            Err(Error::Chain { .. }) => {}
            other => panic!("expected a chain-rule failure, got {other:?}"),
        }
        assert!(matches!(
            tok.verify_with(&x509(), &msg, &[]),
            Err(Error::UnknownAuthority)
        ));
    }

    #[test]
    fn invalid_signature_token_is_refused() {
        let tok = TimestampToken::parse(&data(
            "notation-core-go/timestamp/TimeStampTokenWithInvalidSignature.p7s",
        ))
        .unwrap();
        let roots = certs("notation-core-go/timestamp/tsaRootCert.cer");
        assert!(tok.verify_with(&x509(), b"notation", &roots).is_err());
    }

    #[test]
    fn inspect_matches_notation_output() {
        for (tok, expected) in [
            (
                "derived/tsa-tokens/e2e-with-timestamped-signature.tst.der",
                "notation-e2e/expected-output/oci-timestamped.inspect.json",
            ),
            (
                "derived/tsa-tokens/blob.cose.sig.tst.der",
                "notation-e2e/expected-output/blob-cose.inspect.json",
            ),
            (
                "derived/tsa-tokens/blob.jws.sig.tst.der",
                "notation-e2e/expected-output/blob-jws.inspect.json",
            ),
        ] {
            let got = inspect_json(&data(tok));
            let want: serde_json::Value = serde_json::from_slice(&data(expected)).unwrap();
            let want = want.get("signatures").map(|s| s[0].clone()).unwrap_or(want);
            assert_eq!(
                got, want["unsignedAttributes"]["timestampSignature"],
                "{tok}"
            );
        }
        assert!(inspect_json(b"invalid\n").get("error").is_some());
        assert!(TimestampToken::parse(b"").is_err());
    }

    /// Re-encodes DER as BER: every length in the 4-octet long form (`indefinite`: constructed
    /// elements with indefinite lengths and end-of-contents octets instead).
    fn to_ber(der: &[u8], indefinite: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r = notary_x509::der::Reader::new(der);
        while !r.is_empty() {
            let t = r.read_any().unwrap();
            out.push(t.tag);
            let content = if t.tag & 0x20 != 0 {
                to_ber(t.value, indefinite)
            } else {
                t.value.to_vec()
            };
            if indefinite && t.tag & 0x20 != 0 {
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

    #[test]
    fn ber_token_with_non_minimal_lengths_verifies_like_its_der() {
        let der = data("derived/tsa-tokens/notation-go-jwsWithTimestamp.tst.der");
        let msg = jws_signature("notation-go/verifier-testdata/timestamp/sigEnv/jwsWithTimestamp.sig");
        let roots = certs(
            "notation-go/verifier-testdata/truststore/x509/tsa/test-timestamp/globalsignRoot.cer",
        );
        let ber = to_ber(&der, false);
        assert!(ber.len() > der.len());
        let tok = TimestampToken::parse(&ber).unwrap();
        let v = tok.verify_with(&x509(), &msg, &roots).unwrap();
        let want = TimestampToken::parse(&der).unwrap();
        assert_eq!(v.range, want.timestamp_range());
        assert_eq!(inspect_json(&ber), inspect_json(&der));

        // The same token with a changed TSTInfo (one genTime digit) or signature is refused.
        let gen_time = want.gen_time().year().to_string();
        let at = ber
            .windows(4)
            .position(|w| w == gen_time.as_bytes())
            .unwrap();
        let mut changed = ber.clone();
        changed[at + 3] ^= 0x01;
        let e = TimestampToken::parse(&changed)
            .unwrap()
            .verify_with(&x509(), &msg, &roots)
            .unwrap_err();
        assert!(matches!(e, Error::SignedAttributes { .. }), "{e:?}");
        let mut changed = ber.clone();
        let last = changed.len() - 1; // the signature value ends the token
        changed[last] ^= 0x01;
        let e = TimestampToken::parse(&changed)
            .unwrap()
            .verify_with(&x509(), &msg, &roots)
            .unwrap_err();
        assert!(matches!(e, Error::Signature { .. }), "{e:?}");
    }

    #[test]
    fn indefinite_length_token_is_refused_as_notation_does() {
        let der = data("derived/tsa-tokens/notation-go-jwsWithTimestamp.tst.der");
        match TimestampToken::parse(&to_ber(&der, true)) {
            Err(Error::Malformed { reason }) => assert!(reason.contains("indefinite"), "{reason}"),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn requests_hash_and_draw_nonces_through_the_provider() {
        use notary_core::DigestAlgorithm;
        use notary_timestamp::TimestampRequest;
        let p = provider();
        let a = TimestampRequest::with_random_nonce_from(&p, b"notation", DigestAlgorithm::Sha384)
            .unwrap()
            .to_der();
        let b = TimestampRequest::with_random_nonce_from(&p, b"notation", DigestAlgorithm::Sha384)
            .unwrap()
            .to_der();
        assert_ne!(a, b, "fresh nonces");
        let imprint = p
            .hashing
            .hash(notary_core::crypto::HashFunction::Sha384, b"notation");
        assert!(a.windows(imprint.len()).any(|w| w == imprint.as_slice()));
        let fixed = TimestampRequest::new_with(&p, b"notation", DigestAlgorithm::Sha384, [0x11; 20]);
        assert_eq!(
            fixed.to_der(),
            TimestampRequest::new_with(
                &notary_provider_aws_lc_rs::provider(),
                b"notation",
                DigestAlgorithm::Sha384,
                [0x11; 20]
            )
            .to_der()
        );
    }

    #[test]
    fn a_provider_without_a_random_source_is_named_not_called_a_syntax_error() {
        use notary_core::DigestAlgorithm;
        use notary_core::crypto::{CryptoError, CryptoProvider, SecureRandom};
        use notary_timestamp::TimestampRequest;
        #[derive(Debug)]
        struct NoRandom;
        impl SecureRandom for NoRandom {
            fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
                Err(CryptoError::Unsupported {
                    what: "random numbers".into(),
                })
            }
        }
        let mut p: CryptoProvider = provider();
        p.random = &NoRandom;
        match TimestampRequest::with_random_nonce_from(&p, b"notation", DigestAlgorithm::Sha256) {
            Err(e @ Error::NoRandom { .. }) => assert_eq!(
                e.to_string(),
                "no random source for the timestamp request's nonce: \
                 unsupported by the crypto provider: random numbers"
            ),
            other => panic!("expected NoRandom, got {other:?}"),
        }
    }
}
