//! Certificate parsing, key specs, file reading and signature verification against real files.

#[macro_use]
mod common;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use notary_core::{KeySpec, SignatureAlgorithm, SignatureVerifier};
use notary_x509::{Certificate, Error, key_spec_from_spki, read_certificates};

for_each_provider! {
    #[test]
    fn from_der_parses_fields() {
        let der = read(&fixture("valid/leaf.der"));
        let c = Certificate::from_der(&der).unwrap();
        assert_eq!(c.der(), der.as_slice());
        assert_eq!(c.version(), 3);
        assert_eq!(c.key_spec().unwrap(), KeySpec::Rsa2048);
        assert_eq!(
            c.subject_string(),
            "CN=Notary Test Leaf,OU=Test,O=Notary,L=Seattle,ST=WA,C=US"
        );
        assert_eq!(
            c.issuer_string(),
            "CN=Notary Test Intermediate,OU=Test,O=Notary,L=Seattle,ST=WA,C=US"
        );
        assert!(!c.is_ca() && !c.is_self_issued() && !x509().is_self_signed(&c));
        assert_eq!(c.not_before().unix_timestamp(), 1_704_067_200); // 2024-01-01T00:00:00Z
        assert!(c.not_after() > c.not_before());
        assert_eq!(x509().sha256_fingerprint(&c).len(), 64);
        assert_eq!(x509().sha1_fingerprint(&c).len(), 40);
        // The raw pieces are sub-slices of the DER with the right tags.
        assert_eq!(c.subject_raw().first(), Some(&0x30));
        assert_eq!(c.spki_der().first(), Some(&0x30));
        assert_eq!(key_spec_from_spki(c.spki_der()).unwrap(), KeySpec::Rsa2048);
        assert!(!c.serial_hex().is_empty());
        assert!(
            c.serial_hex()
                .chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_uppercase())
        );

        let root = Certificate::from_der(&read(&fixture("valid/root.der"))).unwrap();
        assert!(root.is_ca() && root.is_self_issued() && x509().is_self_signed(&root));
        assert_eq!(root.key_spec().unwrap(), KeySpec::Rsa3072);
        // Critical extensions in certificate order; non-critical ones are not listed.
        assert_eq!(root.critical_extension_oids(), ["2.5.29.19", "2.5.29.15"]);
        assert_eq!(c.critical_extension_oids(), ["2.5.29.15"]);
    }

    #[test]
    fn from_der_rejects_trailing_and_truncated_data() {
        let mut der = read(&fixture("valid/leaf.der"));
        der.push(0);
        assert!(matches!(
            Certificate::from_der(&der),
            Err(Error::Parse { .. })
        ));
        der.pop();
        der.pop();
        assert!(matches!(
            Certificate::from_der(&der),
            Err(Error::Parse { .. })
        ));
        assert!(matches!(
            Certificate::from_der(b""),
            Err(Error::Parse { .. })
        ));
        // Every truncation fails cleanly (no panic).
        let full = read(&fixture("valid/leaf.der"));
        for len in (0..full.len()).step_by(7) {
            assert!(Certificate::from_der(full.get(..len).unwrap()).is_err());
        }
    }

    #[test]
    fn key_specs_of_real_certs() {
        let cases = [
            (fixture("ec/leaf.pem"), Ok(KeySpec::EcP521)),
            (fixture("ec/inter.pem"), Ok(KeySpec::EcP256)),
            (fixture("ec/root.pem"), Ok(KeySpec::EcP384)),
            (fixture("pss/leaf.pem"), Ok(KeySpec::Rsa4096)),
            (fixture("leaf_rsa1024/leaf.pem"), Err(())),
            (fixture("ed25519/root.pem"), Err(())),
            (
                interop("notation-core-go/x509/timestamp_leaf.crt"),
                Ok(KeySpec::Rsa4096),
            ),
            (
                interop("notation-core-go/x509/timestamp_root.crt"),
                Ok(KeySpec::Rsa4096),
            ),
            (
                interop("notation-go/verifier-testdata/verifier/signing-cert.pem"),
                Ok(KeySpec::Rsa2048),
            ),
        ];
        for (path, want) in cases {
            let got = cert(&path).key_spec();
            match want {
                Ok(spec) => assert_eq!(got.unwrap(), spec, "{path}"),
                Err(()) => assert!(
                    matches!(got, Err(Error::UnsupportedKey { .. })),
                    "{path}: {got:?}"
                ),
            }
        }
    }

    #[test]
    fn read_certificates_pem_der_and_errors() {
        // PEM chain.
        let chain = read_certificates(&read(&fixture("valid/chain.pem"))).unwrap();
        assert_eq!(chain.len(), 3);
        assert_eq!(
            chain[2],
            Certificate::from_der(&read(&fixture("valid/root.der"))).unwrap()
        );
        // Concatenated DER.
        let mut der = read(&fixture("valid/leaf.der"));
        der.extend(read(&fixture("valid/inter.der")));
        let two = read_certificates(&der).unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].subject_string(), chain[1].subject_string());
        // PEM with text around the blocks.
        let mut text = b"leading text\n".to_vec();
        text.extend(read(&fixture("valid/leaf.pem")));
        text.extend(b"trailing text\n");
        assert_eq!(read_certificates(&text).unwrap().len(), 1);
        // Empty input, garbage, a non-certificate PEM block, DER followed by garbage.
        assert_eq!(read_certificates(b"").unwrap_err(), Error::NoCertificates);
        assert!(matches!(
            read_certificates(b"\x01\x02garbage"),
            Err(Error::Parse { .. })
        ));
        let key_block = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert!(matches!(
            read_certificates(key_block.as_bytes()),
            Err(Error::Parse { .. })
        ));
        let mut bad = read(&fixture("valid/leaf.der"));
        bad.extend(b"xx");
        assert!(matches!(read_certificates(&bad), Err(Error::Parse { .. })));
        // Real corpus files: DER roots and the notation-go trust stores.
        for rel in [
            "notation-e2e/config/timestamp/DigiCertTSARootSHA384.cer",
            "notation-e2e/config/timestamp/globalsignTSARoot.cer",
            "notation-go/verifier-testdata/truststore/x509/ca/valid-trust-store/GlobalSign.der",
            "notation-go/verifier-testdata/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem",
        ] {
            assert_eq!(
                read_certificates(&read(&interop(rel))).unwrap().len(),
                1,
                "{rel}"
            );
        }
        assert_eq!(
            read_certificates(&read(&interop(
                "notation-e2e/config/timestamp/CertChain.pem"
            )))
            .unwrap()
            .len(),
            2
        );
    }

    #[test]
    fn verify_signed_by_and_signature_algorithms() {
        let (leaf, inter, root) = (
            fx("valid/leaf.pem"),
            fx("valid/inter.pem"),
            fx("valid/root.pem"),
        );
        x509().verify_signed_by(&leaf, &inter).unwrap();
        x509().verify_signed_by(&inter, &root).unwrap();
        x509().verify_signed_by(&root, &root).unwrap();
        assert!(matches!(
            x509().verify_signed_by(&leaf, &root),
            Err(Error::SignatureMismatch { .. })
        ));

        // ECDSA with mixed curve/hash, RSASSA-PSS, Ed25519.
        let (el, ei, er) = (fx("ec/leaf.pem"), fx("ec/inter.pem"), fx("ec/root.pem"));
        x509().verify_signed_by(&el, &ei).unwrap();
        x509().verify_signed_by(&ei, &er).unwrap();
        x509().verify_signed_by(&er, &er).unwrap();
        x509().verify_signed_by(&fx("pss/leaf.pem"), &inter).unwrap();
        let ed_root = fx("ed25519/root.pem");
        x509().verify_signed_by(&fx("ed25519/leaf.pem"), &ed_root).unwrap();
        assert!(x509().is_self_signed(&ed_root));
        // Key type that does not fit the algorithm.
        assert!(matches!(
            x509().verify_signed_by(&el, &inter),
            Err(Error::KeyAlgorithmMismatch { .. })
        ));
        // SHA-1 is refused as weak, before any key use.
        assert!(matches!(
            x509().verify_signed_by(&fx("leaf_sha1/leaf.pem"), &inter),
            Err(Error::WeakSignatureAlgorithm { .. })
        ));
        // The generic entry point with a tampered TBS.
        let mut tbs = leaf.tbs_der().to_vec();
        if let Some(b) = tbs.last_mut() {
            *b ^= 1;
        }
        assert!(matches!(
            verify_signature_with_spki(
                inter.spki_der(),
                leaf.signature_algorithm_der(),
                &tbs,
                leaf.signature()
            ),
            Err(Error::SignatureMismatch { .. })
        ));
        assert!(matches!(
            verify_signature_with_spki(
                inter.spki_der(),
                &[0x30, 0x03, 0x06, 0x01, 0x2a],
                leaf.tbs_der(),
                leaf.signature()
            ),
            Err(Error::UnsupportedSignatureAlgorithm { .. })
        ));
    }

    #[test]
    fn real_tsa_chain_signatures() {
        let leaf = cert(&interop("notation-core-go/x509/timestamp_leaf.crt"));
        let inter = cert(&interop("notation-core-go/x509/timestamp_intermediate.crt"));
        let root = cert(&interop("notation-core-go/x509/timestamp_root.crt"));
        x509().verify_signed_by(&leaf, &inter).unwrap();
        x509().verify_signed_by(&inter, &root).unwrap();
        assert!(x509().is_self_signed(&root));
        assert!(!x509().is_self_signed(&inter));
    }

    /// DER ECDSA signature -> fixed-width r||s.
    fn der_to_fixed(der: &[u8], width: usize) -> Vec<u8> {
        fn int(b: &[u8]) -> (&[u8], &[u8]) {
            assert_eq!(b[0], 0x02);
            let len = b[1] as usize;
            (&b[2..2 + len], &b[2 + len..])
        }
        assert_eq!(der[0], 0x30);
        let body = if der[1] & 0x80 != 0 {
            &der[3..]
        } else {
            &der[2..]
        };
        let (r, rest) = int(body);
        let (s, _) = int(rest);
        let mut out = Vec::new();
        for v in [r, s] {
            let v = &v[v.iter().take_while(|&&x| x == 0).count()..];
            out.extend(std::iter::repeat_n(0u8, width - v.len()));
            out.extend_from_slice(v);
        }
        out
    }

    /// DER TLV with a definite length.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else if len < 0x100 {
            out.extend([0x81, len as u8]);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    fn bit_string(key: &[u8]) -> Vec<u8> {
        tlv(0x03, &[&[0u8][..], key].concat())
    }

    fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
        let alg = tlv(0x30, &[tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]), vec![0x05, 0x00]].concat());
        let key = tlv(0x30, &[tlv(0x02, &[&[0u8][..], n].concat()), tlv(0x02, e)].concat());
        tlv(0x30, &[alg, bit_string(&key)].concat())
    }

    /// The key rules made explicit in notary-x509 (so that every provider sees the same keys)
    /// refuse the key before any cryptography, with the same error under every provider.
    #[test]
    fn explicit_key_bounds() {
        let leaf = fx("valid/leaf.pem");
        let inter = fx("valid/inter.pem");
        let check = |spki: &[u8]| {
            verify_signature_with_spki(spki, leaf.signature_algorithm_der(), leaf.tbs_der(), leaf.signature())
        };
        // The intermediate's real key, re-encoded, still verifies the leaf.
        let inter_spki = inter.spki_der();
        // The modulus INTEGER: 02 82 LL LL 00 <n>.
        let n_at = inter_spki.windows(2).position(|w| w == [0x02, 0x82]).unwrap();
        let n_len = usize::from(inter_spki[n_at + 2]) << 8 | usize::from(inter_spki[n_at + 3]);
        let n = &inter_spki[n_at + 5..n_at + 4 + n_len];
        check(&rsa_spki(n, &[1, 0, 1])).unwrap();
        for (n, e, what) in [
            (&n[..128], &[1u8, 0, 1][..], "1024 bits"),
            (&[n, n, n, n, n].concat()[..1025], &[1, 0, 1][..], "8200 bits"),
            (n, &[2][..], "even exponent"),
            (n, &[1][..], "exponent 1"),
            (n, &[2, 0, 0, 0, 1][..], "exponent above 2^33"),
            (n, &[0x80, 0, 0, 0x0b][..], "exponent 2^31 + 11"),
        ] {
            match check(&rsa_spki(n, e)) {
                Err(Error::UnsupportedKey { reason }) => assert!(reason.contains("RSA"), "{what}: {reason}"),
                other => panic!("{what}: {other:?}"),
            }
        }

        // A compressed EC point is refused (Go's parser requires the uncompressed form).
        let ec = fx("ec/leaf.pem");
        let ec_inter = fx("ec/inter.pem");
        let spki = ec_inter.spki_der();
        let alg = {
            let body = &spki[2..];
            let alg_len = body[1] as usize + 2;
            body[..alg_len].to_vec()
        };
        let point_len = match key_spec_from_spki(spki).unwrap() {
            KeySpec::EcP256 => 65,
            KeySpec::EcP384 => 97,
            _ => 133,
        };
        let point = &spki[spki.len() - point_len..];
        let field = (point_len - 1) / 2;
        let mut compressed = vec![2 + (point[point_len - 1] & 1)];
        compressed.extend_from_slice(&point[1..1 + field]);
        let uncompressed_spki = tlv(0x30, &[alg.clone(), bit_string(point)].concat());
        x509().verify_signature_with_spki(&uncompressed_spki, ec.signature_algorithm_der(), ec.tbs_der(), ec.signature()).unwrap();
        let compressed_spki = tlv(0x30, &[alg, bit_string(&compressed)].concat());
        assert!(matches!(
            x509().verify_signature_with_spki(&compressed_spki, ec.signature_algorithm_der(), ec.tbs_der(), ec.signature()),
            Err(Error::UnsupportedKey { reason }) if reason.contains("uncompressed")
        ));
    }

    #[test]
    fn raw_signatures_ps256_and_es512() {
        let msg = read(&fixture("raw/message.txt"));
        let leaf = fx("valid/leaf.pem");
        let ps256 = read(&fixture("raw/ps256.sig"));
        verify_raw_signature(
            leaf.spki_der(),
            SignatureAlgorithm::RsaPssSha256,
            &msg,
            &ps256,
        )
        .unwrap();
        assert!(matches!(
            verify_raw_signature(
                leaf.spki_der(),
                SignatureAlgorithm::RsaPssSha256,
                b"other",
                &ps256
            ),
            Err(Error::SignatureMismatch { .. })
        ));
        assert!(matches!(
            verify_raw_signature(
                leaf.spki_der(),
                SignatureAlgorithm::RsaPssSha384,
                &msg,
                &ps256
            ),
            Err(Error::KeyAlgorithmMismatch { .. })
        ));

        let ec = fx("ec/leaf.pem");
        let der_sig = read(&fixture("raw/es512.der.sig"));
        let fixed = der_to_fixed(&der_sig, 66);
        assert_eq!(fixed.len(), 132);
        verify_raw_signature(ec.spki_der(), SignatureAlgorithm::EcdsaSha512, &msg, &fixed).unwrap();
        // DER-encoded ECDSA is not accepted for envelopes.
        assert!(matches!(
            verify_raw_signature(
                ec.spki_der(),
                SignatureAlgorithm::EcdsaSha512,
                &msg,
                &der_sig
            ),
            Err(Error::SignatureMismatch { .. })
        ));
        let mut flipped = fixed.clone();
        flipped[10] ^= 0x55;
        assert!(
            verify_raw_signature(
                ec.spki_der(),
                SignatureAlgorithm::EcdsaSha512,
                &msg,
                &flipped
            )
            .is_err()
        );
    }

    #[test]
    fn x509_signature_verifier_on_real_notation_jws() {
        let text = read(&interop("notation-go/internal-testdata/jws_signature.sig"));
        let jws: serde_json::Value = serde_json::from_slice(&text).unwrap();
        let protected = jws["protected"].as_str().unwrap();
        let payload = jws["payload"].as_str().unwrap();
        let signature = URL_SAFE_NO_PAD
            .decode(jws["signature"].as_str().unwrap())
            .unwrap();
        let cert_der = STANDARD
            .decode(jws["header"]["x5c"][0].as_str().unwrap())
            .unwrap();
        let signing_input = format!("{protected}.{payload}");

        let v = x509();
        assert_eq!(
            v.key_spec_of_certificate(&cert_der).unwrap(),
            KeySpec::Rsa2048
        );
        v.verify_signature(
            &cert_der,
            SignatureAlgorithm::RsaPssSha256,
            signing_input.as_bytes(),
            &signature,
        )
        .unwrap();

        // Tampered input.
        let tampered = format!("{protected}.{payload}x");
        assert!(matches!(
            v.verify_signature(
                &cert_der,
                SignatureAlgorithm::RsaPssSha256,
                tampered.as_bytes(),
                &signature
            ),
            Err(notary_core::Error::SignatureInvalid { .. })
        ));
        // Algorithm substitution: named in the error, refused before any cryptography.
        let err = v
            .verify_signature(
                &cert_der,
                SignatureAlgorithm::RsaPssSha512,
                signing_input.as_bytes(),
                &signature,
            )
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, notary_core::Error::SignatureInvalid { .. }));
        assert!(
            msg.contains("RSASSA-PSS-SHA-512") && msg.contains("RSA-2048"),
            "{msg}"
        );
        // Not a certificate.
        assert!(matches!(
            v.key_spec_of_certificate(b"nope"),
            Err(notary_core::Error::InvalidCertificate { .. })
        ));
        // Unsupported key.
        let small = fx("leaf_rsa1024/leaf.pem");
        assert!(matches!(
            v.key_spec_of_certificate(small.der()),
            Err(notary_core::Error::UnsupportedKey { .. })
        ));
    }

    #[test]
    fn x509_signature_verifier_ecdsa_fixed_width() {
        let msg = read(&fixture("raw/message.txt"));
        let ec = fx("ec/leaf.pem");
        let fixed = der_to_fixed(&read(&fixture("raw/es512.der.sig")), 66);
        let v = x509();
        assert_eq!(
            v.key_spec_of_certificate(ec.der()).unwrap(),
            KeySpec::EcP521
        );
        v.verify_signature(ec.der(), SignatureAlgorithm::EcdsaSha512, &msg, &fixed)
            .unwrap();
        // Wrong length for ES512 is refused with a message saying so.
        let err = v
            .verify_signature(
                ec.der(),
                SignatureAlgorithm::EcdsaSha512,
                &msg,
                &fixed[..130],
            )
            .unwrap_err();
        assert!(err.to_string().contains("132 bytes"), "{err}");
        // ES256 declared for a P-521 key.
        let err = v
            .verify_signature(
                ec.der(),
                SignatureAlgorithm::EcdsaSha256,
                &msg,
                &fixed[..64],
            )
            .unwrap_err();
        assert!(err.to_string().contains("EC-521"), "{err}");
    }

    #[test]
    fn corrupted_certificates_never_panic() {
        let inter = fx("valid/inter.pem");
        for base in [
            read(&fixture("valid/leaf.der")),
            fx("ec/leaf.pem").der().to_vec(),
        ] {
            for i in 0..base.len() {
                for mask in [0x01u8, 0x80, 0xff] {
                    let mut der = base.clone();
                    der[i] ^= mask;
                    if let Ok(c) = Certificate::from_der(&der) {
                        let _ = (
                            c.subject_string(),
                            c.issuer_string(),
                            c.key_spec(),
                            c.serial_hex(),
                        );
                        assert!(x509().verify_signed_by(&c, &inter).is_err() || c.der() == base.as_slice());
                    }
                    let _ = x509().key_spec_of_certificate(&der);
                    let _ = read_certificates(&der);
                }
            }
        }
    }
}
