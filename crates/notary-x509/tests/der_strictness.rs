//! Certificate parsing against hostile and non-DER input: each test edits the DER of a real
//! fixture certificate (the signature is left stale, as parsing does not check it) and
//! asserts that `Certificate::from_der` refuses what Go's `crypto/x509` (or RFC 5280, where
//! Go is lenient and the rule is cheap) refuses, and accepts what Go accepts.

mod common;

use common::{children, tlv};
use notary_core::SignatureVerifier;
use notary_x509::{Certificate, Error, X509Verifier};

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
/// checked, so a malformed OID parsed; Go's `parseAI` refuses it. Go reads one parameters
/// element and nothing after it (checked against Go 1.26.8), so a second one is accepted.
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
    assert_accepted(
        "two parameters",
        &with_signature_algorithm(
            &l,
            &tlv(
                0x30,
                &[tlv(0x06, &sha256_rsa), vec![0x05, 0x00, 0x05, 0x00]].concat(),
            ),
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
            "malformed parameters",
            tlv(
                0x30,
                &[tlv(0x06, &sha256_rsa), vec![0x05, 0x02, 0x00]].concat(),
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
/// with non-zero padding bits) parsed; Go refuses them all. Go reads nothing after the key's
/// BIT STRING (checked against Go 1.26.8), so a trailing field is accepted.
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
    // Go does not decode such a key: a BIT STRING with (zero) unused bits is read as well.
    let unused_bits = edit_tbs(&l, |t| t[SPKI] = spki(&[0x2a, 0x03], &[0x01, 0xfe], &[]));
    assert_accepted("unknown key algorithm, one unused bit", &unused_bits);
    let trailing = edit_tbs(&l, |t| {
        t[SPKI] = spki(&[0x2a, 0x03], &[0x00, 0xff], &[0x05, 0x00])
    });
    assert_accepted("trailing field", &trailing);

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
        // Go's domainNameValid: no trailing dot, so a lone dot is no domain.
        ("name constraint DNS .", nc(permitted(tlv(0x82, b".")))),
        (
            "name constraint e-mail domain .",
            nc(permitted(tlv(0x81, b"."))),
        ),
        ("name constraint URI .", nc(permitted(tlv(0x86, b".")))),
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

/// Finding (t4): certificatePolicies, policyMappings, policyConstraints and inhibitAnyPolicy
/// were not read at all, so a certificate Go's parser (so notation) refuses for a malformed
/// one (a repeated policy OID included) verified. Each vector's outcome was taken from Go
/// 1.26.8's `x509.ParseCertificate` on a certificate carrying that extension value.
#[test]
fn policy_extensions_are_read_as_go_reads_them() {
    const POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
    const MAPPINGS: &[u8] = &[0x55, 0x1d, 0x21];
    const CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
    const INHIBIT_ANY: &[u8] = &[0x55, 0x1d, 0x36];
    let l = leaf();
    // (what, extension, value in hex, accepted by Go)
    let cases: &[(&str, &[u8], &str, bool)] = &[
        ("policy", POLICIES, "300c300a06082b0601040183b23a", true),
        (
            "policy with a qualifier",
            POLICIES,
            "3020301e06082b0601040183b23a3012301006082b06010505070201160461626364",
            true,
        ),
        ("no policy", POLICIES, "3000", true),
        (
            "data after the policies",
            POLICIES,
            "300c300a06082b0601040183b23a0500",
            true,
        ),
        (
            "policy OID with an arc of 2^35",
            POLICIES,
            "300b3009060755888080808000",
            true,
        ),
        (
            "unread data after a policy OID",
            POLICIES,
            "300d300b06082b0601040183b23a05",
            true,
        ),
        (
            "repeated policy",
            POLICIES,
            "3014300a06082b0601040183b23a300a06082b0601040183b23a",
            false,
        ),
        ("policies not a SEQUENCE", POLICIES, "040178", false),
        ("policy without an OID", POLICIES, "3005300302010a", false),
        ("policy not a SEQUENCE", POLICIES, "300306012a", false),
        (
            "non-minimal policy OID",
            POLICIES,
            "300630040602802a",
            false,
        ),
        ("truncated policy OID", POLICIES, "3006300406022a86", false),
        ("empty policy OID", POLICIES, "300430020600", false),
        ("mapping", MAPPINGS, "3008300606012a06012b", true),
        ("no mapping", MAPPINGS, "3000", true),
        // Go checks the tags of the mapped OIDs only.
        ("mapping of empty OIDs", MAPPINGS, "3006300406000600", true),
        (
            "mapping of a non-minimal OID",
            MAPPINGS,
            "3008300606018006012b",
            true,
        ),
        (
            "data after a mapping's OIDs",
            MAPPINGS,
            "300a300806012a06012b0500",
            true,
        ),
        (
            "data after the mappings",
            MAPPINGS,
            "3008300606012a06012b0500",
            true,
        ),
        ("mapping of an INTEGER", MAPPINGS, "3005300302010a", false),
        ("mapping with one OID", MAPPINGS, "3005300306012a", false),
        ("mappings not a SEQUENCE", MAPPINGS, "0400", false),
        (
            "both policy constraints",
            CONSTRAINTS,
            "3006800100810101",
            true,
        ),
        ("no policy constraint", CONSTRAINTS, "3000", true),
        ("inhibitPolicyMapping only", CONSTRAINTS, "3003810102", true),
        (
            "negative requireExplicitPolicy",
            CONSTRAINTS,
            "30038001ff",
            true,
        ),
        (
            "64-bit skip count",
            CONSTRAINTS,
            "300a80087fffffffffffffff",
            true,
        ),
        // Go reads a field only when the next element has its (primitive) tag.
        (
            "constructed [0] is not read",
            CONSTRAINTS,
            "3005a003020101",
            true,
        ),
        (
            "fields in reverse order",
            CONSTRAINTS,
            "3006810101800100",
            true,
        ),
        ("[0] twice", CONSTRAINTS, "3006800100800100", true),
        ("policy constraints garbage", CONSTRAINTS, "010203", false),
        ("non-minimal skip count", CONSTRAINTS, "300480020001", false),
        (
            "skip count over 64 bits",
            CONSTRAINTS,
            "300b8009010000000000000000",
            false,
        ),
        ("empty skip count", CONSTRAINTS, "30028000", false),
        ("truncated skip count", CONSTRAINTS, "30028005", false),
        ("inhibitAnyPolicy", INHIBIT_ANY, "020100", true),
        ("negative inhibitAnyPolicy", INHIBIT_ANY, "0201ff", true),
        (
            "data after inhibitAnyPolicy",
            INHIBIT_ANY,
            "0201000500",
            true,
        ),
        (
            "inhibitAnyPolicy not an INTEGER",
            INHIBIT_ANY,
            "040178",
            false,
        ),
        ("empty inhibitAnyPolicy", INHIBIT_ANY, "0200", false),
        (
            "non-minimal inhibitAnyPolicy",
            INHIBIT_ANY,
            "02020001",
            false,
        ),
        (
            "inhibitAnyPolicy over 64 bits",
            INHIBIT_ANY,
            "0209010000000000000000",
            false,
        ),
    ];
    for &(what, oid, value, accepted) in cases {
        let value = hex::decode(value).unwrap();
        // Go handles these extensions, so their critical flag changes nothing when parsing.
        for critical in [None, Some(0xff)] {
            let der = with_extension(&l, extension(oid, critical, &value));
            if accepted {
                assert_accepted(what, &der);
            } else {
                let reason = parse_error(&der);
                assert!(reason.contains("polic"), "{what}: {reason}");
            }
        }
    }

    // More entries than are read.
    let many = |entry: &[u8]| tlv(0x30, &entry.repeat(1025));
    let policy = |i: u16| {
        tlv(
            0x30,
            &tlv(0x06, &[0x2a, 0x81, (i >> 7) as u8 | 0x80, (i & 0x7f) as u8]),
        )
    };
    let policies: Vec<u8> = (0..1025u16).flat_map(policy).collect();
    assert!(
        parse_error(&with_extension(
            &l,
            extension(POLICIES, None, &tlv(0x30, &policies))
        ))
        .contains("too many policies")
    );
    let mapping = tlv(0x30, &[0x06, 0x01, 0x2a, 0x06, 0x01, 0x2b]);
    assert!(
        parse_error(&with_extension(
            &l,
            extension(MAPPINGS, None, &many(&mapping))
        ))
        .contains("too many policy mappings")
    );
}

/// Finding (t3): a URI subjectAltName was accepted or refused by a guess at its host (the
/// text after the first `://`), not as Go's `url.Parse` reads it: notary refused an opaque
/// `urn:foo://bad..host` Go accepts, and accepted URIs `url.Parse` refuses (bad escapes, an
/// unclosed IP literal, control characters), which make the certificate unreadable for Go.
/// Go checks the host's labels only when the URI has a host. Each outcome was taken from Go
/// 1.26.8's `x509.ParseCertificate`.
#[test]
fn uri_names_are_parsed_as_go_parses_them() {
    const SAN: &[u8] = &[0x55, 0x1d, 0x11];
    let l = leaf();
    // (URI, accepted by Go)
    let cases: &[(&[u8], bool)] = &[
        (b"urn:foo://bad..host", true),
        (b"mailto:x@a..b", true),
        (b"http://%zz/", false),
        (b"http://[::1/", false),
        (b"http://a.example/\x7f", false),
        (b"https://a..b/", false),
        (b"https://u@example.test:443/p", true),
        (b"urn:isbn:0451450523", true),
        (b"http://a.example/#\x7f", true),
        (b"http://a.example/#%zz", false),
        (b"http://a.example/?%zz", true),
        (b"http://a.example/%zz", false),
        (b"http://a.example/%41", true),
        (b"http://a%25b/", true),
        (b"http://a%41b/", false),
        (b"http://a%C3%A9/", false),
        (b"http://a b/", false),
        (b"http://a^b/", false),
        (b"http://a{b/", false),
        (b"http://a.example:80:81/", false),
        (b"foo://a.example:80:81/", true),
        (b"foo://a:b:80/", true),
        (b"http://a.example:8x/", false),
        (b"http://[::1]:443/", true),
        (b"http://[1.2.3.4]/", false),
        (b"http://[::ffff:1.2.3.4]/", true),
        (b"http://[fe80::1%25eth0]/", true),
        (b"http://[fe80::1%25]/", false),
        (b"http://[fe80::1%25%C3%A9]/", false),
        (b"http://[fe80::1%25a%20b]/", false),
        (b"http://x[::1]/", false),
        (b"http://[::1]x/", false),
        (b"http://a]b/", true),
        (b"http://u:p@a.example/", true),
        (b"http://u^@a.example/", false),
        (b"http://u%zz@a.example/", false),
        (b"http://a@b@c.example/", true),
        (b":foo", false),
        (b"1http://x", false),
        (b"*", true),
        (b"", true),
        (b"//host/p", true),
        (b"///x", true),
        (b"a/b:c", true),
        (b"a:b", true),
        (b"x:/path", true),
        (b"http:///nohost", true),
        (b"http://", true),
        (b"http://:80/", true),
        (b"http://a.example.", false),
        (b"http://.a.example/", false),
        (b"http://-a.example/", true),
        (b"http://a_b.example/", true),
        (b"http://a\\b/", false),
        (b"http://a|b/", false),
        (b"http://[::1]%41/", false),
        (b"http://[::1]:/", true),
        (b"HTTP://A.EXAMPLE/", true),
        (b"http://a.example?x", true),
        (b"http://a.example#f", true),
        (b"http://a<b>/", true),
        (b"http://a\"b/", true),
        (b"http://[fe80::1%25%41]/", true),
        (b"http://[fe80::1%25%2f]/", false),
        (b"http://[fe80::1%25%80]/", false),
        (b"http://[::1%25x]:8/", true),
        (b"s3://bucket..x/", false),
        (b"http://a..b:80/", false),
        (b"http://a%2eb/", false),
        (b"http://[]/", false),
        (b"http://[1::2::3]/", false),
        (b"ldap://[::1]/", true),
    ];
    for &(uri, accepted) in cases {
        let what = String::from_utf8_lossy(uri);
        let der = with_extension(&l, extension(SAN, None, &tlv(0x30, &tlv(0x86, uri))));
        if accepted {
            assert_accepted(&what, &der);
        } else {
            let reason = parse_error(&der);
            assert!(
                reason.contains("subject alternative name"),
                "{what}: {reason}"
            );
        }
    }
}

/// Finding (review, checked against Go 1.26.8 `x509.ParseCertificate` with certificates made by
/// `x509.CreateCertificate`): Go reads only the first element of these extension values and,
/// in basicConstraints and an access description, only the members it needs, so bytes after
/// them do not make the certificate unreadable; notary refused each, and so refused chains
/// notation verifies. nameConstraints is the one Go refuses trailing bytes in.
#[test]
fn extension_values_are_read_as_far_as_go_reads_them() {
    const KU: &[u8] = &[0x55, 0x1d, 0x0f];
    const EKU: &[u8] = &[0x55, 0x1d, 0x25];
    const SAN: &[u8] = &[0x55, 0x1d, 0x11];
    const AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    const CRLDP: &[u8] = &[0x55, 0x1d, 0x1f];
    const NC: &[u8] = &[0x55, 0x1d, 0x1e];
    const NULL: &[u8] = &[0x05, 0x00];
    let ocsp_method = tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]);
    let ocsp_url = tlv(0x86, b"http://a.test/ocsp");
    let crl_dp = tlv(
        0x30,
        &tlv(0xa0, &tlv(0xa0, &tlv(0x86, b"http://a.test/c.crl"))),
    );
    let cat = |parts: &[&[u8]]| parts.concat();
    let l = leaf();
    let with = |oid: &[u8], value: Vec<u8>| {
        with_extension(&without_extension(&l, oid), extension(oid, None, &value))
    };

    // basicConstraints: after the SEQUENCE; inside it after cA; a pathLenConstraint first
    // (then cA is not read: FALSE, as Go has it).
    for value in [
        cat(&[CA_TRUE, NULL]),
        tlv(0x30, &cat(&[&[0x01, 0x01, 0xff], NULL])),
    ] {
        let c = Certificate::from_der(&with(BASIC_CONSTRAINTS, value)).unwrap();
        let bc = c.basic_constraints().unwrap();
        assert!(bc.ca && bc.path_len.is_none(), "{bc:?}");
    }
    let c = Certificate::from_der(&with(
        BASIC_CONSTRAINTS,
        tlv(0x30, &[0x02, 0x01, 0x00, 0x01, 0x01, 0xff]),
    ))
    .unwrap();
    assert!(!c.basic_constraints().unwrap().ca);

    let c = Certificate::from_der(&with(KU, cat(&[&[0x03, 0x02, 0x07, 0x80], NULL]))).unwrap();
    assert!(
        c.key_usage()
            .unwrap()
            .has(notary_x509::KeyUsage::DIGITAL_SIGNATURE)
    );

    let code_signing = tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03]);
    let c = Certificate::from_der(&with(EKU, cat(&[&tlv(0x30, &code_signing), NULL]))).unwrap();
    assert_eq!(
        c.extended_key_usage().unwrap().usages,
        ["1.3.6.1.5.5.7.3.3"]
    );

    assert_accepted(
        "SAN followed by bytes",
        &with(SAN, cat(&[&tlv(0x30, &tlv(0x82, b"a.test")), NULL])),
    );

    // AIA: after the SEQUENCE; after a location; a description with no location or with a
    // location that is not a URI (skipped, not read).
    for (value, urls) in [
        (
            cat(&[
                &tlv(0x30, &tlv(0x30, &cat(&[&ocsp_method, &ocsp_url]))),
                NULL,
            ]),
            1,
        ),
        (
            tlv(0x30, &tlv(0x30, &cat(&[&ocsp_method, &ocsp_url, NULL]))),
            1,
        ),
        (tlv(0x30, &tlv(0x30, &ocsp_method)), 0),
        (
            tlv(
                0x30,
                &tlv(0x30, &cat(&[&ocsp_method, &tlv(0x82, b"a.test"), NULL])),
            ),
            0,
        ),
    ] {
        let c = Certificate::from_der(&with(AIA, value)).unwrap();
        assert_eq!(c.ocsp_urls().len(), urls, "{:?}", c.ocsp_urls());
    }
    let c = Certificate::from_der(&with(
        AIA,
        tlv(0x30, &tlv(0x30, &cat(&[&ocsp_method, &ocsp_url]))),
    ))
    .unwrap();
    assert_eq!(c.ocsp_urls(), ["http://a.test/ocsp"]);

    let c = Certificate::from_der(&with(CRLDP, cat(&[&tlv(0x30, &crl_dp), NULL]))).unwrap();
    assert_eq!(c.crl_urls(), ["http://a.test/c.crl"]);

    // Still refused, as Go refuses them: nameConstraints followed by bytes, and a malformed
    // element read before the end.
    let nc = tlv(0x30, &tlv(0xa0, &tlv(0x30, &tlv(0x82, b"a.test"))));
    assert_accepted("name constraints", &with(NC, nc.clone()));
    assert_refused(
        "name constraints followed by bytes",
        &with(NC, cat(&[&nc, NULL])),
    );
    assert_refused(
        "basicConstraints cA not DER",
        &with(BASIC_CONSTRAINTS, tlv(0x30, &[0x01, 0x01, 0x01])),
    );
    assert_refused("keyUsage not a BIT STRING", &with(KU, NULL.to_vec()));
    assert_refused(
        "AIA method not an OID",
        &with(AIA, tlv(0x30, &tlv(0x30, &cat(&[NULL, &ocsp_url])))),
    );
}

/// Finding (a differential run of ~9,300 structure-aware mutants of 18 certificates against
/// Go 1.26.8's `x509.ParseCertificate`): Go reads nothing after the signature inside the
/// Certificate, after the two validity times, after an attribute's value, after an
/// extension's value, after the extensions' SEQUENCE inside `[3]`, or after an RSA key's
/// exponent, and notary refused each; and Go refuses public keys it cannot decode (RSA
/// without NULL parameters or with a non-minimal or non-positive modulus, EC without a known
/// named curve or not an uncompressed point, Ed25519 with parameters or of another size, DSA
/// without parameters), which notary accepted until the key was used, so a trust store
/// holding one loaded here and not in notation.
#[test]
fn certificate_parts_and_keys_are_read_as_go_reads_them() {
    let l = leaf();
    const NULL: &[u8] = &[0x05, 0x00];
    let outer_with = |extra: &[u8]| {
        let mut parts = children(&l);
        parts.push(extra.to_vec());
        tlv(0x30, &parts.concat())
    };
    let name_with_extra = |t: &mut Vec<Vec<u8>>| {
        // The issuer's first attribute gets an element after its value.
        let mut rdns = children(&t[ISSUER]);
        let mut atv = children(&children(&rdns[0])[0]);
        atv.push(NULL.to_vec());
        rdns[0] = tlv(0x31, &tlv(0x30, &atv.concat()));
        t[ISSUER] = tlv(0x30, &rdns.concat());
    };
    let spki = |alg: Vec<u8>, key: Vec<u8>| {
        tlv(
            0x30,
            &[tlv(0x30, &alg), tlv(0x03, &[&[0u8][..], &key].concat())].concat(),
        )
    };
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    const DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
    // The leaf's RSA key: modulus and exponent INTEGER encodings.
    let rsa = {
        let info = children(&children(&l)[0])[SPKI].clone();
        let bits = children(&info)[1].clone();
        let content = notary_x509::der::Reader::new(&bits)
            .read_any()
            .unwrap()
            .value;
        children(&content[1..])
    };
    let rsa_key =
        |parts: &[&[u8]], after: &[u8]| [tlv(0x30, &parts.concat()), after.to_vec()].concat();
    let (n, e) = (rsa[0].clone(), rsa[1].clone());
    let rsa_alg = [tlv(0x06, RSA), NULL.to_vec()].concat();

    for (what, der) in [
        ("an element after the signature", outer_with(NULL)),
        (
            "a third validity time",
            edit_tbs(&l, |t| {
                let mut v = children(&t[VALIDITY]);
                v.push(v[1].clone());
                t[VALIDITY] = tlv(0x30, &v.concat());
            }),
        ),
        (
            "an element after an attribute value",
            edit_tbs(&l, name_with_extra),
        ),
        (
            "an element after an extension value",
            edit_tbs(&l, |t| {
                let mut exts = children(&children(&t[EXTENSIONS])[0]);
                let mut first = children(&exts[0]);
                first.push(NULL.to_vec());
                exts[0] = tlv(0x30, &first.concat());
                t[EXTENSIONS] = tlv(0xa3, &tlv(0x30, &exts.concat()));
            }),
        ),
        (
            "an element after the extensions SEQUENCE",
            edit_tbs(&l, |t| {
                let exts = children(&t[EXTENSIONS])[0].clone();
                t[EXTENSIONS] = tlv(0xa3, &[exts, NULL.to_vec()].concat());
            }),
        ),
        (
            "an element after the RSA exponent and after the key",
            edit_tbs(&l, |t| {
                t[SPKI] = spki(rsa_alg.clone(), rsa_key(&[&n, &e, NULL], NULL))
            }),
        ),
    ] {
        assert_accepted(what, &der);
    }
    let c = Certificate::from_der(&edit_tbs(&l, name_with_extra)).unwrap();
    assert_eq!(
        c.issuer_string(),
        "CN=Notary Test Intermediate,OU=Test,O=Notary,L=Seattle,ST=WA,C=US"
    );

    let point = [&[0x04u8][..], &[0x01; 64]].concat();
    for (what, info) in [
        (
            "RSA without parameters",
            spki(tlv(0x06, RSA), rsa_key(&[&n, &e], &[])),
        ),
        (
            "RSA with parameters that are not NULL",
            spki(
                [tlv(0x06, RSA), vec![0x04, 0x00]].concat(),
                rsa_key(&[&n, &e], &[]),
            ),
        ),
        (
            "RSA with a non-minimal modulus",
            spki(
                rsa_alg.clone(),
                rsa_key(
                    &[
                        &tlv(0x02, &[&[0u8, 0][..], &n[n.len() - 256..]].concat()),
                        &e,
                    ],
                    &[],
                ),
            ),
        ),
        (
            "RSA with a negative modulus",
            spki(rsa_alg.clone(), rsa_key(&[&[0x02, 0x01, 0x80], &e], &[])),
        ),
        (
            "RSA with a zero exponent",
            spki(rsa_alg.clone(), rsa_key(&[&n, &[0x02, 0x01, 0x00]], &[])),
        ),
        ("EC without a curve", spki(tlv(0x06, EC), point.clone())),
        (
            "EC on secp256k1",
            spki(
                [tlv(0x06, EC), tlv(0x06, &[0x2b, 0x81, 0x04, 0x00, 0x0a])].concat(),
                point.clone(),
            ),
        ),
        (
            "EC compressed point",
            spki(
                [tlv(0x06, EC), tlv(0x06, P256)].concat(),
                [&[0x02u8][..], &[0x01; 32]].concat(),
            ),
        ),
        (
            "Ed25519 with parameters",
            spki([tlv(0x06, ED25519), NULL.to_vec()].concat(), vec![1; 32]),
        ),
        ("Ed25519 of 31 bytes", spki(tlv(0x06, ED25519), vec![1; 31])),
        (
            "DSA without parameters",
            spki(tlv(0x06, DSA), vec![0x02, 0x01, 0x05]),
        ),
    ] {
        let der = edit_tbs(&l, |t| t[SPKI] = info);
        assert!(Certificate::from_der(&der).is_err(), "{what}");
    }

    // Go's parser also refuses an EC point that is not on its curve: a trust store holding
    // such a certificate fails to load in notation, and here.
    let ec_alg = [tlv(0x06, EC), tlv(0x06, P256)].concat();
    let off = edit_tbs(&l, |t| t[SPKI] = spki(ec_alg.clone(), point.clone()));
    let why = parse_error(&off);
    assert!(why.contains("not a point on its curve"), "{why}");
    // The curve's base point is on it.
    let base = [
        &[0x04u8][..],
        &hex::decode("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296").unwrap(),
        &hex::decode("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5").unwrap(),
    ]
    .concat();
    assert_accepted(
        "the P-256 base point",
        &edit_tbs(&l, |t| t[SPKI] = spki(ec_alg.clone(), base)),
    );

    // A key whose BIT STRING has unused bits: Go shifts the bits right, which only an
    // Ed25519 or X25519 key survives (it keeps 32 bytes), so only those load; the key is not
    // used here (it is other bits than those written). Go 1.26.8's answers, checked on these
    // certificates.
    let with_unused = |alg: Vec<u8>, key: &[u8]| {
        tlv(
            0x30,
            &[tlv(0x30, &alg), tlv(0x03, &[&[3u8][..], key].concat())].concat(),
        )
    };
    let ed = edit_tbs(&l, |t| {
        t[SPKI] = with_unused(tlv(0x06, ED25519), &[0x08; 32])
    });
    let c = Certificate::from_der(&ed).unwrap();
    assert!(c.key_spec().is_err());
    for (what, info) in [
        (
            "Ed25519 with non-zero unused bits",
            with_unused(tlv(0x06, ED25519), &[0x01; 32]),
        ),
        (
            "RSA with unused bits",
            with_unused(rsa_alg.clone(), &rsa_key(&[&n, &e], &[])),
        ),
        (
            "EC with unused bits",
            with_unused(ec_alg.clone(), &[&[0x04u8][..], &[0x08; 64]].concat()),
        ),
    ] {
        let der = edit_tbs(&l, |t| t[SPKI] = info);
        assert!(Certificate::from_der(&der).is_err(), "{what}");
    }
}
