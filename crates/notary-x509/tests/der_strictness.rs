//! Certificate parsing against hostile and non-DER input: each test edits the DER of a real
//! fixture certificate (the signature is left stale, as parsing does not check it) and
//! asserts that `Certificate::from_der` refuses what Go's `crypto/x509` (or RFC 5280, where
//! Go is lenient and the rule is cheap) refuses, and accepts what Go accepts.

use notary_core::SignatureVerifier;
use notary_x509::der::{Reader, push_header};
use notary_x509::{Certificate, Error, X509Verifier};

/// DER TLV with a minimal definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    push_header(&mut out, tag, content.len());
    out.extend_from_slice(content);
    out
}

/// The encodings of the elements inside a constructed element.
fn children(element: &[u8]) -> Vec<Vec<u8>> {
    let mut outer = Reader::new(element);
    let mut r = Reader::new(outer.read_any().unwrap().value);
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(r.read_any().unwrap().raw.to_vec());
    }
    out
}

/// The valid fixture leaf: v3, TBS fields version, serial, signature, issuer, validity,
/// subject, subjectPublicKeyInfo, extensions.
fn leaf() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/valid/leaf.der"
    ))
    .unwrap()
}

const VERSION: usize = 0;
const SERIAL: usize = 1;
const SIGNATURE: usize = 2;
const ISSUER: usize = 3;
const VALIDITY: usize = 4;
const SPKI: usize = 6;
const EXTENSIONS: usize = 7;

/// `der` with `edit` applied to its TBSCertificate fields.
fn edit_tbs(der: &[u8], edit: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut outer = children(der);
    let mut tbs = children(&outer[0]);
    assert_eq!(tbs.len(), 8, "fixture layout");
    edit(&mut tbs);
    outer[0] = tlv(0x30, &tbs.concat());
    tlv(0x30, &outer.concat())
}

/// `der` with its signature AlgorithmIdentifier (inner and outer alike) replaced.
fn with_signature_algorithm(der: &[u8], alg: &[u8]) -> Vec<u8> {
    let mut outer = children(der);
    let mut tbs = children(&outer[0]);
    tbs[SIGNATURE] = alg.to_vec();
    outer[0] = tlv(0x30, &tbs.concat());
    outer[1] = alg.to_vec();
    tlv(0x30, &outer.concat())
}

/// `der` with `extension` appended to its extensions.
fn with_extension(der: &[u8], extension: Vec<u8>) -> Vec<u8> {
    edit_tbs(der, |tbs| {
        let mut exts = children(&children(&tbs[EXTENSIONS])[0]);
        exts.push(extension);
        tbs[EXTENSIONS] = tlv(0xa3, &tlv(0x30, &exts.concat()));
    })
}

/// `der` without the extension whose OID contents are `oid`.
fn without_extension(der: &[u8], oid: &[u8]) -> Vec<u8> {
    edit_tbs(der, |tbs| {
        let exts: Vec<Vec<u8>> = children(&children(&tbs[EXTENSIONS])[0])
            .into_iter()
            .filter(|e| children(e)[0] != tlv(0x06, oid))
            .collect();
        tbs[EXTENSIONS] = tlv(0xa3, &tlv(0x30, &exts.concat()));
    })
}

/// An Extension with OID contents `oid`, an optional explicit critical BOOLEAN and `value`.
fn extension(oid: &[u8], critical: Option<u8>, value: &[u8]) -> Vec<u8> {
    let mut body = tlv(0x06, oid);
    if let Some(b) = critical {
        body.extend(tlv(0x01, &[b]));
    }
    body.extend(tlv(0x04, value));
    tlv(0x30, &body)
}

fn parse_error(der: &[u8]) -> String {
    match Certificate::from_der(der) {
        Err(Error::Parse { reason }) => reason,
        other => panic!("expected a parse error, got {other:?}"),
    }
}

fn assert_refused(what: &str, der: &[u8]) {
    let reason = parse_error(der);
    assert!(!reason.is_empty(), "{what}");
}

fn assert_accepted(what: &str, der: &[u8]) {
    if let Err(e) = Certificate::from_der(der) {
        panic!("{what}: {e}");
    }
}

const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// 2.5.29.19 with the `29` arc padded with a leading 0x80 octet (non-minimal).
const BASIC_CONSTRAINTS_NON_MINIMAL: &[u8] = &[0x55, 0x80, 0x1d, 0x13];
/// SEQUENCE { cA TRUE }.
const CA_TRUE: &[u8] = &[0x30, 0x03, 0x01, 0x01, 0xff];

/// Finding: extension OIDs were compared as raw bytes without being checked, so a second
/// basicConstraints (or keyUsage) encoded with a non-minimal OID slipped past the duplicate
/// check and was silently ignored, while Go refuses any malformed OID. Truncated, empty and
/// over-long (>= 2^31, beyond Go's cryptobyte) OIDs were accepted too.
#[test]
fn extension_oids_must_be_well_formed() {
    let l = leaf();
    // The leaf's own basicConstraints (cA FALSE) twice: a plain duplicate was already refused.
    assert!(
        Certificate::from_der(&l)
            .unwrap()
            .basic_constraints()
            .is_some()
    );
    let bc_false = extension(BASIC_CONSTRAINTS, None, &[0x30, 0x00]);
    assert!(parse_error(&with_extension(&l, bc_false)).contains("duplicate"));
    // One basicConstraints in canonical form is read...
    let canonical = with_extension(
        &without_extension(&l, BASIC_CONSTRAINTS),
        extension(BASIC_CONSTRAINTS, Some(0xff), CA_TRUE),
    );
    assert!(Certificate::from_der(&canonical).unwrap().is_ca());
    // ... and a second one with a non-minimal OID is not a way around the duplicate check.
    let smuggled = with_extension(
        &canonical,
        extension(BASIC_CONSTRAINTS_NON_MINIMAL, None, &[0x30, 0x00]),
    );
    assert!(parse_error(&smuggled).contains("OID"), "{smuggled:02x?}");
    // Alone, it is refused as well.
    let alone = with_extension(
        &l,
        extension(BASIC_CONSTRAINTS_NON_MINIMAL, Some(0xff), CA_TRUE),
    );
    assert!(parse_error(&alone).contains("non-minimal OID"));

    for (what, oid) in [
        ("truncated", &[0x55, 0x1d, 0x93][..]),
        ("empty", &[][..]),
        // 2.5.(2^31): a subidentifier Go's cryptobyte cannot read.
        ("arc of 2^31", &[0x55, 0x88, 0x80, 0x80, 0x80, 0x00][..]),
        ("leading 0x80", &[0x80, 0x55, 0x1d, 0x13][..]),
    ] {
        for critical in [None, Some(0xff)] {
            assert_refused(
                what,
                &with_extension(&l, extension(oid, critical, &[0x05, 0x00])),
            );
        }
    }
    // 2^31 - 1 is still fine (private OIDs use large arcs).
    assert_accepted(
        "arc of 2^31-1",
        &with_extension(
            &l,
            extension(&[0x2a, 0x87, 0xff, 0xff, 0xff, 0x7f], None, &[0x05, 0x00]),
        ),
    );
}

/// Finding: OIDs inside the extensions read by this crate and inside names were checked only
/// for u64 overflow (EKU) or not at all (authority information access), or, for names, with
/// the 31-bit limit applied to arcs rather than to Go's raw subidentifiers.
#[test]
fn oids_inside_extensions_and_names_follow_go() {
    let l = leaf();
    let eku = |oid: &[u8]| extension(&[0x55, 0x1d, 0x25], None, &tlv(0x30, &tlv(0x06, oid)));
    // An EKU OID with a 2^31 arc: renders fine as u64 arcs, but Go refuses it.
    let big_arc = [
        0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x88, 0x80, 0x80, 0x80, 0x00,
    ];
    let without_eku = without_extension(&l, &[0x55, 0x1d, 0x25]);
    assert_accepted(
        "code signing EKU",
        &with_extension(
            &without_eku,
            eku(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03]),
        ),
    );
    assert!(
        parse_error(&with_extension(&without_eku, eku(&big_arc))).contains("extended key usage")
    );

    // authorityInfoAccess whose accessMethod OID is malformed.
    let aia = |method: &[u8]| {
        let location = tlv(0x86, b"http://ocsp.example");
        let description = tlv(0x30, &[tlv(0x06, method), location].concat());
        extension(
            &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01],
            None,
            &tlv(0x30, &description),
        )
    };
    let ocsp = [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    assert_eq!(
        Certificate::from_der(&with_extension(&l, aia(&ocsp)))
            .unwrap()
            .ocsp_urls(),
        ["http://ocsp.example"]
    );
    assert!(
        parse_error(&with_extension(&l, aia(&[0x2b, 0x06, 0x01, 0x80, 0x05])))
            .contains("authority")
    );

    // A name attribute whose first subidentifier is 2^31 (arcs 2.2147483568): Go refuses it.
    let name = |oid: &[u8]| {
        let atv = tlv(0x30, &[tlv(0x06, oid), tlv(0x0c, b"x")].concat());
        tlv(0x30, &tlv(0x31, &atv))
    };
    assert_accepted(
        "name",
        &edit_tbs(&l, |t| t[ISSUER] = name(&[0x55, 0x04, 0x03])),
    );
    assert!(
        parse_error(&edit_tbs(&l, |t| t[ISSUER] = name(&[0x88, 0x80, 0x80, 0x80, 0x00])))
            .contains("issuer")
    );
}

/// Finding: the signature AlgorithmIdentifier was only compared (inner against outer), never
/// checked, so a malformed OID or extra fields parsed; Go's `parseAI` refuses a malformed OID
/// and RFC 5280 allows one parameters element.
#[test]
fn signature_algorithm_identifier_is_checked() {
    let l = leaf();
    let sha256_rsa = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    // Re-encoding the real identifier keeps the certificate valid.
    assert_accepted(
        "sha256WithRSAEncryption",
        &with_signature_algorithm(
            &l,
            &tlv(0x30, &[tlv(0x06, &sha256_rsa), vec![0x05, 0x00]].concat()),
        ),
    );
    for (what, alg) in [
        ("truncated OID", tlv(0x30, &tlv(0x06, &[0x2a, 0x86]))),
        (
            "non-minimal OID",
            tlv(0x30, &tlv(0x06, &[0x2a, 0x80, 0x86, 0x48])),
        ),
        ("empty", tlv(0x30, &[])),
        (
            "two parameters",
            tlv(
                0x30,
                &[tlv(0x06, &sha256_rsa), vec![0x05, 0x00, 0x05, 0x00]].concat(),
            ),
        ),
    ] {
        assert!(
            parse_error(&with_signature_algorithm(&l, &alg)).contains("signature algorithm"),
            "{what}"
        );
    }
}

/// Finding: the SubjectPublicKeyInfo was not looked into until the key was used, so
/// certificates with an empty or malformed key info (malformed algorithm OID, BIT STRING
/// with non-zero padding bits, trailing fields) parsed; Go refuses them all.
#[test]
fn subject_public_key_info_structure_is_checked() {
    let l = leaf();
    let spki = |alg_oid: &[u8], bits: &[u8], extra: &[u8]| {
        let alg = tlv(0x30, &tlv(0x06, alg_oid));
        tlv(0x30, &[alg, tlv(0x03, bits), extra.to_vec()].concat())
    };
    // A key of an algorithm this crate does not use still parses (the key is decoded on use).
    let unknown = edit_tbs(&l, |t| t[SPKI] = spki(&[0x2a, 0x03], &[0x00, 0xff], &[]));
    let cert = Certificate::from_der(&unknown).unwrap();
    assert!(matches!(cert.key_spec(), Err(Error::UnsupportedKey { .. })));

    let verifier = X509Verifier::new(notary_provider_aws_lc_rs::provider());
    for (what, info) in [
        ("empty", tlv(0x30, &[])),
        (
            "malformed algorithm OID",
            spki(&[0x2a, 0x83], &[0x00, 0xff], &[]),
        ),
        ("padding bits set", spki(&[0x2a, 0x03], &[0x01, 0xff], &[])),
        (
            "unused-bit count 8",
            spki(&[0x2a, 0x03], &[0x08, 0x00], &[]),
        ),
        ("empty bit string", spki(&[0x2a, 0x03], &[], &[])),
        (
            "trailing field",
            spki(&[0x2a, 0x03], &[0x00, 0xff], &[0x05, 0x00]),
        ),
    ] {
        let der = edit_tbs(&l, |t| t[SPKI] = info);
        assert!(parse_error(&der).contains("public key info"), "{what}");
        // The envelope path, which locates the key without a full parse, refuses it too.
        assert!(
            matches!(
                verifier.key_spec_of_certificate(&der),
                Err(notary_core::Error::InvalidCertificate { .. })
            ),
            "{what}"
        );
    }
}

/// Finding: issuerUniqueID and subjectUniqueID were skipped without a look; they are BIT
/// STRINGs (RFC 5280 §4.1), so malformed contents are now refused (Go skips them; no real
/// certificate carries a malformed one).
#[test]
fn unique_identifiers_must_be_bit_strings() {
    let l = leaf();
    for tag in [0x81, 0x82] {
        assert_accepted(
            "well-formed",
            &edit_tbs(&l, |t| t.insert(EXTENSIONS, tlv(tag, &[0x00, 0xab]))),
        );
        assert_accepted(
            "with unused bits",
            &edit_tbs(&l, |t| t.insert(EXTENSIONS, tlv(tag, &[0x04, 0xa0]))),
        );
        for (what, content) in [
            ("empty", &[][..]),
            ("unused-bit count 9", &[0x09, 0xff][..]),
            ("padding bits set", &[0x04, 0xa1][..]),
        ] {
            assert!(
                parse_error(&edit_tbs(&l, |t| t.insert(EXTENSIONS, tlv(tag, content))))
                    .contains("unique identifier"),
                "{what}"
            );
        }
    }
    // Both, in order.
    assert_accepted(
        "both",
        &edit_tbs(&l, |t| {
            t.insert(EXTENSIONS, tlv(0x82, &[0x00, 0x02]));
            t.insert(EXTENSIONS, tlv(0x81, &[0x00, 0x01]));
        }),
    );
}

/// Already strict (pinned): what Go's parser or DER refuses.
#[test]
fn refuses_what_go_refuses() {
    let l = leaf();
    let validity = |nb: Vec<u8>| tlv(0x30, &[nb, tlv(0x17, b"300101000000Z")].concat());
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "trailing byte after the certificate",
            [l.clone(), vec![0x00]].concat(),
        ),
        (
            "negative serial",
            edit_tbs(&l, |t| t[SERIAL] = tlv(0x02, &[0x80])),
        ),
        (
            "non-minimal serial",
            edit_tbs(&l, |t| t[SERIAL] = tlv(0x02, &[0x00, 0x01])),
        ),
        ("empty serial", edit_tbs(&l, |t| t[SERIAL] = tlv(0x02, &[]))),
        (
            "version 4",
            edit_tbs(&l, |t| t[VERSION] = tlv(0xa0, &[0x02, 0x01, 0x03])),
        ),
        (
            "negative version",
            edit_tbs(&l, |t| t[VERSION] = tlv(0xa0, &[0x02, 0x01, 0xff])),
        ),
        (
            "critical BOOLEAN not 0x00/0xff",
            with_extension(&l, extension(&[0x2a, 0x03], Some(0x01), &[0x05, 0x00])),
        ),
        (
            "UTCTime with offset",
            edit_tbs(&l, |t| {
                t[VALIDITY] = validity(tlv(0x17, b"240101000000+0000"))
            }),
        ),
        (
            "UTCTime not in Z",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x17, b"240101000000+"))),
        ),
        (
            "GeneralizedTime fraction",
            edit_tbs(&l, |t| {
                t[VALIDITY] = validity(tlv(0x18, b"20240101000000.5Z"))
            }),
        ),
        (
            "GeneralizedTime without Z",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x18, b"20240101000000"))),
        ),
        (
            "month 13",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x17, b"241301000000Z"))),
        ),
        (
            "February 30",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x17, b"240230000000Z"))),
        ),
        (
            "second 60",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x17, b"240101000060Z"))),
        ),
        (
            "sign in a time",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x17, b"24+101000000Z"))),
        ),
        (
            "time of another type",
            edit_tbs(&l, |t| t[VALIDITY] = validity(tlv(0x13, b"240101000000Z"))),
        ),
        (
            "inner and outer signature algorithms differ",
            edit_tbs(&l, |t| {
                t[SIGNATURE] = tlv(
                    0x30,
                    &[
                        tlv(
                            0x06,
                            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
                        ),
                        vec![0x05, 0x00],
                    ]
                    .concat(),
                )
            }),
        ),
    ];
    // DER length and tag forms, on the outer SEQUENCE.
    let body = &l[4..];
    assert_eq!(&l[..2], &[0x30, 0x82]);
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend_from_slice(body);
    indefinite.extend_from_slice(&[0x00, 0x00]);
    cases.push(("indefinite length", indefinite));
    let mut long = vec![0x30, 0x83, 0x00];
    long.extend_from_slice(&l[2..]);
    cases.push(("non-minimal length", long));
    let mut five = vec![0x30, 0x85, 0x00, 0x00, 0x00];
    five.extend_from_slice(&l[2..]);
    cases.push(("length of five octets", five));
    let mut high_tag = vec![0x3f, 0x10];
    high_tag.extend_from_slice(&l[1..]);
    cases.push(("high tag number form", high_tag.clone()));
    // Also as a file of concatenated DER, whose reader takes any tag.
    assert!(matches!(
        notary_x509::read_certificates(&high_tag),
        Err(Error::Parse { reason }) if reason.contains("multi-byte tags")
    ));
    // A signature BIT STRING whose unused bits are not zero (cryptobyte refuses it).
    cases.push((
        "signature with unused bits set",
        with_signature_bits(&l, 0x01),
    ));

    // Names Go reads (and refuses when malformed) though notary does not use them.
    const SAN: &[u8] = &[0x55, 0x1d, 0x11];
    const NC: &[u8] = &[0x55, 0x1d, 0x1e];
    let san = |name: Vec<u8>| with_extension(&l, extension(SAN, None, &tlv(0x30, &name)));
    let nc = |subtrees: Vec<u8>| with_extension(&l, extension(NC, None, &tlv(0x30, &subtrees)));
    let permitted = |base: Vec<u8>| tlv(0xa0, &tlv(0x30, &base));
    cases.extend([
        ("SAN IP of 5 bytes", san(tlv(0x87, &[1, 2, 3, 4, 5]))),
        ("SAN DNS name not ASCII", san(tlv(0x82, b"ex\xe4mple.test"))),
        (
            "SAN e-mail not ASCII",
            san(tlv(0x81, b"a\xe4@example.test")),
        ),
        (
            "SAN URI host with an empty label",
            san(tlv(0x86, b"https://a..b/")),
        ),
        (
            "name constraint IP of 3 bytes",
            nc(permitted(tlv(0x87, &[1, 2, 3]))),
        ),
        (
            "name constraint IP mask with a gap",
            nc(permitted(tlv(0x87, &[10, 0, 0, 0, 255, 0, 255, 0]))),
        ),
        (
            "name constraint DNS with an empty label",
            nc(permitted(tlv(0x82, b"a..b"))),
        ),
        (
            "name constraint e-mail without a local part",
            nc(permitted(tlv(0x81, b"@example.test"))),
        ),
        (
            "name constraint URI that is an IP address",
            nc(permitted(tlv(0x86, b"192.0.2.1"))),
        ),
        ("name constraints with no subtrees", nc(Vec::new())),
        (
            "negative pathLenConstraint",
            with_extension(
                &without_extension(&l, BASIC_CONSTRAINTS),
                extension(
                    BASIC_CONSTRAINTS,
                    Some(0xff),
                    &[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff],
                ),
            ),
        ),
    ]);
    for (what, der) in cases {
        assert_refused(what, &der);
    }
    for (what, der) in [
        ("SAN URN", san(tlv(0x86, b"urn:isbn:0451450523"))),
        (
            "SAN URI with user and port",
            san(tlv(0x86, b"https://u@example.test:443/p")),
        ),
        (
            "name constraint 10.0.0.0/16",
            nc(permitted(tlv(0x87, &[10, 0, 0, 0, 255, 255, 0, 0]))),
        ),
        (
            "name constraint DNS .example.test",
            nc(permitted(tlv(0x82, b".example.test"))),
        ),
        (
            "name constraint quoted mailbox",
            nc(permitted(tlv(0x81, b"\"a b\"@example.test"))),
        ),
    ] {
        assert_accepted(what, &der);
    }
}

/// `der` with the unused-bit count of its signature BIT STRING set to `unused`, the last
/// signature octet keeping `last_bit` as its lowest bit.
fn with_signature_bits(der: &[u8], last_bit: u8) -> Vec<u8> {
    let mut outer = children(der);
    // 03 82 LL LL <unused-bit count> <signature>
    assert_eq!((outer[2][0], outer[2][1], outer[2][4]), (0x03, 0x82, 0x00));
    outer[2][4] = 0x01;
    let last = outer[2].last_mut().unwrap();
    *last = (*last & 0xfe) | last_bit;
    tlv(0x30, &outer.concat())
}

/// Finding (differential against Go 1.26.8): a signature BIT STRING with unused bits (zero, as
/// DER requires) was refused at parse. Go parses the certificate (so `cert add`, a trust
/// store holding it and `cert-file-read` succeed) and fails it where its signature is
/// checked; notary now does the same.
#[test]
fn signature_with_unused_bits_parses_and_never_verifies() {
    let verifier = X509Verifier::new(notary_provider_aws_lc_rs::provider());
    let inter = Certificate::from_der(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/valid/inter.der"
        ))
        .unwrap(),
    )
    .unwrap();
    let l = leaf();
    verifier
        .verify_signed_by(&Certificate::from_der(&l).unwrap(), &inter)
        .expect("the fixture leaf is signed by the intermediate");
    let odd = Certificate::from_der(&with_signature_bits(&l, 0x00)).expect("Go parses it");
    match verifier.verify_signed_by(&odd, &inter) {
        Err(Error::SignatureMismatch { reason }) => {
            assert!(reason.contains("unused bits"), "{reason}")
        }
        other => panic!("expected a signature mismatch, got {other:?}"),
    }
    assert!(parse_error(&with_signature_bits(&l, 0x01)).contains("malformed signature"));
}

/// Pinned leniency: encodings RFC 5280 discourages that Go accepts and real certificates use.
/// Refusing them would reject signatures notation verifies, for no security gain (the bytes
/// are signed and have a single meaning).
#[test]
fn accepts_what_go_accepts() {
    let l = leaf();
    for (what, der) in [
        // DEFAULT FALSE written out (seen in certificates from several CA products).
        (
            "explicit critical FALSE",
            with_extension(&l, extension(&[0x2a, 0x03], Some(0x00), &[0x05, 0x00])),
        ),
        (
            "explicit cA FALSE",
            with_extension(
                &without_extension(&l, BASIC_CONSTRAINTS),
                extension(BASIC_CONSTRAINTS, None, &[0x30, 0x03, 0x01, 0x01, 0x00]),
            ),
        ),
        // Version v1 written out, on a certificate without extensions.
        (
            "explicit v1",
            edit_tbs(&l, |t| {
                t[VERSION] = tlv(0xa0, &[0x02, 0x01, 0x00]);
                t.pop();
            }),
        ),
        // RFC 5280 asks users to handle serials that are long or zero gracefully.
        (
            "21-octet serial",
            edit_tbs(&l, |t| t[SERIAL] = tlv(0x02, &[0x7f; 21])),
        ),
        (
            "zero serial",
            edit_tbs(&l, |t| t[SERIAL] = tlv(0x02, &[0x00])),
        ),
        (
            "empty extensions",
            edit_tbs(&l, |t| t[EXTENSIONS] = tlv(0xa3, &[0x30, 0x00])),
        ),
        // What Go 1.26.8 reads past: fields after the extensions, and in a v1 or v2
        // certificate whatever follows the key (its extensions are not read at all).
        (
            "trailing field in TBSCertificate",
            edit_tbs(&l, |t| t.push(vec![0x05, 0x00])),
        ),
        (
            "v2 with extensions",
            edit_tbs(&l, |t| t[VERSION] = tlv(0xa0, &[0x02, 0x01, 0x01])),
        ),
        (
            "v1 with a unique identifier",
            edit_tbs(&l, |t| {
                t.remove(VERSION);
                t.pop();
                t.push(tlv(0x81, &[0x00, 0x01]));
            }),
        ),
        // Times in forms Go's cryptobyte reads though RFC 5280 asks for `Z` and seconds
        // (checked against Go 1.26.8): minute precision, a non-zero offset.
        (
            "UTCTime without seconds",
            edit_tbs(&l, |t| {
                t[VALIDITY] = tlv(
                    0x30,
                    &[tlv(0x17, b"2401010000Z"), tlv(0x17, b"300101000000Z")].concat(),
                )
            }),
        ),
        (
            "UTCTime and GeneralizedTime with non-zero offsets",
            edit_tbs(&l, |t| {
                t[VALIDITY] = tlv(
                    0x30,
                    &[
                        tlv(0x17, b"2401010000+0100"),
                        tlv(0x18, b"20300101000000-0130"),
                    ]
                    .concat(),
                )
            }),
        ),
        // GeneralizedTime before 2050 / UTCTime of the 1900s.
        (
            "GeneralizedTime before 2050",
            edit_tbs(&l, |t| {
                t[VALIDITY] = tlv(
                    0x30,
                    &[tlv(0x18, b"20240101000000Z"), tlv(0x17, b"990101000000Z")].concat(),
                )
            }),
        ),
    ] {
        assert_accepted(what, &der);
    }
    let explicit_false = Certificate::from_der(&with_extension(
        &without_extension(&l, BASIC_CONSTRAINTS),
        extension(
            BASIC_CONSTRAINTS,
            Some(0x00),
            &[0x30, 0x03, 0x01, 0x01, 0x00],
        ),
    ))
    .unwrap();
    let bc = explicit_false.basic_constraints().unwrap();
    assert!(!bc.ca && !bc.critical);
    // UTCTime 99 is 1999, and the times are read as written.
    let old = Certificate::from_der(&edit_tbs(&l, |t| {
        t[VALIDITY] = tlv(
            0x30,
            &[tlv(0x17, b"991231235959Z"), tlv(0x18, b"20500101000000Z")].concat(),
        )
    }))
    .unwrap();
    assert_eq!(old.not_before().year(), 1999);
    assert_eq!(old.not_after().year(), 2050);
}

/// Finding (differential run against notation-go): a leaf marking its authority or subject key
/// identifier, or its authority information access, critical was accepted; Go's parser refuses
/// each ("incorrectly marked critical", RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.2.1), and so a
/// malformed key identifier.
#[test]
fn key_identifiers_and_aia_are_never_critical_and_key_identifiers_are_read() {
    const AKI: &[u8] = &[0x55, 0x1d, 0x23];
    const SKI: &[u8] = &[0x55, 0x1d, 0x0e];
    const AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    let key_id = tlv(0x30, &tlv(0x80, &[7; 20]));
    let subject_id = tlv(0x04, &[7; 20]);
    let ocsp = tlv(
        0x30,
        &tlv(
            0x30,
            &[
                tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]),
                tlv(0x86, b"http://ocsp.example"),
            ]
            .concat(),
        ),
    );
    for (oid, value, what) in [
        (AKI, &key_id, "authority key identifier"),
        (SKI, &subject_id, "subject key identifier"),
        (AIA, &ocsp, "authority information access"),
    ] {
        let base = without_extension(&leaf(), oid);
        assert_accepted(what, &with_extension(&base, extension(oid, None, value)));
        assert_accepted(
            what,
            &with_extension(&base, extension(oid, Some(0x00), value)),
        );
        let reason = parse_error(&with_extension(&base, extension(oid, Some(0xff), value)));
        assert!(
            reason.contains(what) && reason.contains("marked critical"),
            "{what}: {reason}"
        );
    }
    let base = without_extension(&without_extension(&leaf(), AKI), SKI);
    for (oid, value) in [
        (AKI, tlv(0x04, &[7; 20])),
        (AKI, tlv(0x30, &[0x80, 0x05, 1])),
        (SKI, tlv(0x30, &[])),
        (SKI, vec![0x04, 0x05, 1]),
    ] {
        assert_refused(
            "malformed key identifier",
            &with_extension(&base, extension(oid, None, &value)),
        );
    }
}
