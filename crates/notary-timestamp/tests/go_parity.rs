//! Tokens whose CMS structure or TSA path notation (tspclient-go v1.0.0, notation-core-go
//! v1.3.0) reads in a particular way, each with the outcome notation gives; the Go outcomes
//! were taken by running those libraries on the same tokens (`NOTARY_TSA_PARITY_DUMP=DIR`
//! writes each case's token, root and name there for such a run). Where RFC 3161 or RFC 5652
//! is stricter than Go, notary follows the RFC (README, deliberate differences); those cases
//! say so.
//!
//! Each case builds root → intermediate → TSA leaf (ECDSA P-256) with rcgen and a token signed
//! by the leaf, varying one thing.

mod tsa;

use notary_timestamp::{Error, TimestampToken};
use notary_x509::Certificate;
use rcgen::{CustomExtension, IsCa, Issuer, KeyPair, KeyUsagePurpose, SigningKey};
use tsa::{MESSAGE, ca, params, sha256, sha256_alg, signed_data_token, tlv, tst_info_oid};

fn extension(oid: &[u64], value: Vec<u8>, critical: bool) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(oid, value);
    e.set_criticality(critical);
    e
}

/// GeneralName `dNSName`.
fn dns(name: &str) -> Vec<u8> {
    tlv(0x82, &[name.as_bytes()])
}

/// GeneralName `directoryName` holding `CN=name`.
fn directory_name(name: &str) -> Vec<u8> {
    let cn = tlv(
        0x30,
        &[&tlv(0x06, &[&[0x55, 4, 3]]), &tlv(0x0c, &[name.as_bytes()])],
    );
    tlv(0xa4, &[&tlv(0x30, &[&tlv(0x31, &[&cn])])])
}

/// NameConstraints with the given permitted and excluded bases.
fn name_constraints(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let subtrees = |tag: u8, bases: &[Vec<u8>]| -> Vec<u8> {
        if bases.is_empty() {
            return Vec::new();
        }
        let list: Vec<Vec<u8>> = bases.iter().map(|b| tlv(0x30, &[b])).collect();
        tlv(tag, &[&list.concat()])
    };
    tlv(
        0x30,
        &[&subtrees(0xa0, permitted), &subtrees(0xa1, excluded)],
    )
}

#[derive(Clone, Copy)]
enum Sid {
    Leaf,
    /// The leaf's own subject as issuer: names no certificate of the token.
    UnknownIssuer,
    /// A subjectKeyIdentifier, which version 1 does not allow.
    KeyIdentifier,
}

#[derive(Clone)]
struct Case {
    sid: Sid,
    /// Signed attributes in the token in reverse DER order.
    unsorted_attrs: bool,
    /// The signature over the DER (sorted) form although the token carries them unsorted.
    sign_der_form: bool,
    /// ESSCertIDv2.issuerSerial naming the intermediate (the hash still the leaf's).
    issuer_serial_of_intermediate: bool,
    gen_time: &'static str,
    accuracy: Option<Vec<u8>>,
    signing_time: Option<(u8, &'static str)>,
    tst_serial: Vec<u8>,
    /// A cross-certificate of the intermediate (same name and key, issued by an untrusted
    /// root) embedded before the real one.
    cross_certificate_first: bool,
    /// An attribute certificate ([1]) among the certificates.
    other_certificate_choice: bool,
    /// A SignerInfo with a broken signature before the good one.
    broken_signer_first: bool,
    /// The leaf's subjectAltName: GeneralNames contents and criticality.
    leaf_san: Option<(Vec<u8>, bool)>,
    /// The intermediate's nameConstraints value and criticality.
    intermediate_name_constraints: Option<(Vec<u8>, bool)>,
    /// The intermediate's subjectAltName GeneralNames contents (non-critical).
    intermediate_san: Option<Vec<u8>>,
    /// The root's nameConstraints value (non-critical).
    root_name_constraints: Option<Vec<u8>>,
    /// requireExplicitPolicy of a non-critical policyConstraints on the intermediate.
    intermediate_require_explicit: Option<u8>,
    /// The same on the root (the trust anchor: Go does not process its extensions).
    root_require_explicit: Option<u8>,
    /// certificatePolicies (one policy) on the intermediate and the leaf.
    policies: bool,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            sid: Sid::Leaf,
            unsorted_attrs: false,
            sign_der_form: false,
            issuer_serial_of_intermediate: false,
            gen_time: "20260101000000Z",
            accuracy: None,
            signing_time: None,
            tst_serial: vec![0x2a],
            cross_certificate_first: false,
            other_certificate_choice: false,
            broken_signer_first: false,
            leaf_san: None,
            intermediate_name_constraints: None,
            intermediate_san: None,
            root_name_constraints: None,
            intermediate_require_explicit: None,
            root_require_explicit: None,
            policies: false,
        }
    }
}

/// The token and its trusted root.
fn build(c: &Case) -> (Vec<u8>, Certificate) {
    let root_key = KeyPair::generate().unwrap();
    let mut root_params = ca("TSA Test Root");
    if let Some(value) = &c.root_name_constraints {
        root_params
            .custom_extensions
            .push(extension(&[2, 5, 29, 30], value.clone(), false));
    }
    // policyConstraints { requireExplicitPolicy [0] n } and certificatePolicies { 2.23.140.1.2.1 }.
    let require_explicit =
        |n: u8| extension(&[2, 5, 29, 36], tlv(0x30, &[&tlv(0x80, &[&[n]])]), false);
    let policies = || {
        let oid = tlv(0x06, &[&[0x67, 0x81, 0x0c, 0x01, 0x02, 0x01]]);
        extension(&[2, 5, 29, 32], tlv(0x30, &[&tlv(0x30, &[&oid])]), false)
    };
    if let Some(n) = c.root_require_explicit {
        root_params.custom_extensions.push(require_explicit(n));
    }
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, root_key);

    let inter_key = KeyPair::generate().unwrap();
    let inter_key_pem = inter_key.serialize_pem();
    let mut inter_params = ca("TSA Test Intermediate");
    if let Some((value, critical)) = &c.intermediate_name_constraints {
        inter_params
            .custom_extensions
            .push(extension(&[2, 5, 29, 30], value.clone(), *critical));
    }
    if let Some(n) = c.intermediate_require_explicit {
        inter_params.custom_extensions.push(require_explicit(n));
    }
    if c.policies {
        inter_params.custom_extensions.push(policies());
    }
    if let Some(names) = &c.intermediate_san {
        inter_params
            .custom_extensions
            .push(extension(&[2, 5, 29, 17], tlv(0x30, &[names]), false));
    }
    let inter = inter_params
        .clone()
        .signed_by(&inter_key, &root_issuer)
        .unwrap();
    let inter_cert = Certificate::from_der(inter.der()).unwrap();
    let inter_issuer = Issuer::new(inter_params, inter_key);

    let untrusted = Issuer::new(ca("Untrusted Root"), KeyPair::generate().unwrap());
    let cross = ca("TSA Test Intermediate")
        .signed_by(&KeyPair::from_pem(&inter_key_pem).unwrap(), &untrusted)
        .unwrap();

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = params("TSA Test Leaf");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // extendedKeyUsage: timeStamping only, critical (RFC 3161 §2.3).
    let eku = tlv(0x30, &[&tlv(0x06, &[&[0x2b, 6, 1, 5, 5, 7, 3, 8]])]);
    leaf_params
        .custom_extensions
        .push(extension(&[2, 5, 29, 37], eku, true));
    if c.policies {
        leaf_params.custom_extensions.push(policies());
    }
    if let Some((names, critical)) = &c.leaf_san {
        leaf_params.custom_extensions.push(extension(
            &[2, 5, 29, 17],
            tlv(0x30, &[names]),
            *critical,
        ));
    }
    let leaf = leaf_params.signed_by(&leaf_key, &inter_issuer).unwrap();
    let leaf_cert = Certificate::from_der(leaf.der()).unwrap();

    let sha256_alg = sha256_alg();
    let tst_info_oid = tst_info_oid();
    let mut tst_parts = vec![
        tlv(0x02, &[&[1]]),
        tlv(0x06, &[&[0x2a, 0x03, 0x04]]),
        tlv(0x30, &[&sha256_alg, &tlv(0x04, &[&sha256(MESSAGE)])]),
        tlv(0x02, &[&c.tst_serial]),
        tlv(0x18, &[c.gen_time.as_bytes()]),
    ];
    if let Some(accuracy) = &c.accuracy {
        tst_parts.push(tlv(0x30, &[accuracy]));
    }
    let tst = tlv(
        0x30,
        &tst_parts.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    );

    let attr = |oid: &[u8], value: Vec<u8>| tlv(0x30, &[&tlv(0x06, &[oid]), &tlv(0x31, &[&value])]);
    let ess_id = if c.issuer_serial_of_intermediate {
        let names = tlv(0x30, &[&tlv(0xa4, &[inter_cert.issuer_raw()])]);
        let issuer_serial = tlv(0x30, &[&names, &tlv(0x02, &[inter_cert.serial_bytes()])]);
        tlv(0x30, &[&tlv(0x04, &[&sha256(leaf.der())]), &issuer_serial])
    } else {
        tlv(0x30, &[&tlv(0x04, &[&sha256(leaf.der())])])
    };
    let pkcs9 =
        |last: &[u8]| [&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09][..], last].concat();
    let mut attrs = vec![
        attr(&pkcs9(&[0x03]), tst_info_oid.clone()),
        attr(&pkcs9(&[0x04]), tlv(0x04, &[&sha256(&tst)])),
        attr(
            &pkcs9(&[0x10, 0x02, 0x2f]),
            tlv(0x30, &[&tlv(0x30, &[&ess_id])]),
        ),
    ];
    if let Some((t, v)) = c.signing_time {
        attrs.push(attr(&pkcs9(&[0x05]), tlv(t, &[v.as_bytes()])));
    }
    attrs.sort();
    let der_form = attrs.concat();
    if c.unsorted_attrs || c.sign_der_form {
        attrs.reverse();
    }
    let carried = attrs.concat();
    let signed = if c.sign_der_form { &der_form } else { &carried };
    let signature = leaf_key.sign(&tlv(0x31, &[signed])).unwrap();
    let sig_alg = tlv(
        0x30,
        &[&tlv(
            0x06,
            &[&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]],
        )],
    );
    let sid = match c.sid {
        Sid::Leaf => tlv(
            0x30,
            &[
                leaf_cert.issuer_raw(),
                &tlv(0x02, &[leaf_cert.serial_bytes()]),
            ],
        ),
        Sid::UnknownIssuer => tlv(
            0x30,
            &[
                leaf_cert.subject_raw(),
                &tlv(0x02, &[leaf_cert.serial_bytes()]),
            ],
        ),
        Sid::KeyIdentifier => tlv(0x80, &[&[1, 2, 3, 4]]),
    };
    let signer_info = |signature: &[u8]| {
        tlv(
            0x30,
            &[
                &tlv(0x02, &[&[1]]),
                &sid,
                &sha256_alg,
                &tlv(0xa0, &[&carried]),
                &sig_alg,
                &tlv(0x04, &[signature]),
            ],
        )
    };
    let mut infos = vec![signer_info(&signature)];
    if c.broken_signer_first {
        infos.insert(0, signer_info(&[0x30, 0x00]));
    }
    let mut certs: Vec<Vec<u8>> = vec![leaf.der().to_vec()];
    if c.cross_certificate_first {
        certs.push(cross.der().to_vec());
    }
    certs.push(inter.der().to_vec());
    if c.other_certificate_choice {
        certs.push(tlv(0xa1, &[&tlv(0x30, &[])]));
    }
    let token = signed_data_token(&tst, &certs.concat(), &infos.concat());
    (token, Certificate::from_der(root.der()).unwrap())
}

fn verify(name: &str, c: Case) -> Result<(), Error> {
    let (token, root) = build(&c);
    if let Some(dir) = std::env::var_os("NOTARY_TSA_PARITY_DUMP") {
        let base = std::path::Path::new(&dir).join(name);
        std::fs::write(base.with_extension("tst"), &token).unwrap();
        std::fs::write(base.with_extension("root"), root.der()).unwrap();
        std::fs::write(base.with_extension("name"), name).unwrap();
    }
    let x509 = notary_x509::X509Verifier::new(notary_provider_aws_lc_rs::provider());
    TimestampToken::parse(&token)?
        .verify_with(&x509, MESSAGE, &[root])
        .map(|_| ())
}

fn refused(name: &str, c: Case, wanted: &str) {
    match verify(name, c) {
        Ok(()) => panic!("{name}: accepted, notation refuses it"),
        Err(e) => assert!(
            e.to_string().contains(wanted),
            "{name}: refused with {e:?}, expected a reason containing {wanted:?}"
        ),
    }
}

fn accepted(name: &str, c: Case) {
    if let Err(e) = verify(name, c) {
        panic!("{name}: refused ({e}), notation accepts it");
    }
}

#[test]
fn a_well_formed_token_verifies() {
    accepted("baseline", Case::default());
}

#[test]
fn the_signature_covers_the_der_form_of_the_signed_attributes() {
    // Go re-encodes the attributes in DER order before checking: a token signed over another
    // order fails, one signed over the DER order verifies whatever order it carries.
    refused(
        "unsorted-signed-as-carried",
        Case {
            unsorted_attrs: true,
            ..Case::default()
        },
        "cms verification failure",
    );
    accepted(
        "unsorted-signed-as-der",
        Case {
            sign_der_form: true,
            ..Case::default()
        },
    );
}

#[test]
fn the_signing_certificate_is_the_one_the_signer_info_names() {
    refused(
        "sid-unknown-issuer",
        Case {
            sid: Sid::UnknownIssuer,
            ..Case::default()
        },
        "signing certificate not found in the timestamp token",
    );
    refused(
        "sid-key-identifier",
        Case {
            sid: Sid::KeyIdentifier,
            ..Case::default()
        },
        "sid is not an issuerAndSerialNumber",
    );
    refused(
        "issuer-serial-of-intermediate",
        Case {
            issuer_serial_of_intermediate: true,
            ..Case::default()
        },
        "signing certificate hash does not match CertHash",
    );
}

#[test]
fn any_verifying_signer_info_is_enough() {
    accepted(
        "broken-signer-first",
        Case {
            broken_signer_first: true,
            ..Case::default()
        },
    );
}

#[test]
fn the_path_search_backtracks_past_a_cross_certificate() {
    accepted(
        "cross-certificate-first",
        Case {
            cross_certificate_first: true,
            ..Case::default()
        },
    );
}

#[test]
fn malformed_structures_go_cannot_read_are_refused() {
    refused(
        "serial-not-minimal",
        Case {
            tst_serial: vec![0x00, 0x2a],
            ..Case::default()
        },
        "TSTInfo serialNumber: non-minimal integer",
    );
    refused(
        "serial-empty",
        Case {
            tst_serial: vec![],
            ..Case::default()
        },
        "TSTInfo serialNumber: empty integer",
    );
    refused(
        "attribute-certificate",
        Case {
            other_certificate_choice: true,
            ..Case::default()
        },
        "unsupported CertificateChoices",
    );
}

#[test]
fn rfc_time_and_accuracy_forms_go_tolerates_are_refused() {
    // Deliberate differences (README): RFC 3161 §2.4.2 and RFC 5652 §11.3; Go accepts these.
    refused(
        "gen-time-offset",
        Case {
            gen_time: "20260101010000+0100",
            ..Case::default()
        },
        "genTime must be UTC (Z)",
    );
    refused(
        "millis-zero",
        Case {
            accuracy: Some(tlv(0x80, &[&[0]])),
            ..Case::default()
        },
        "accuracy.millis",
    );
    refused(
        "signing-time-without-seconds",
        Case {
            signing_time: Some((0x17, "2601010000Z")),
            ..Case::default()
        },
        "signingTime must be UTC with seconds",
    );
    accepted(
        "signing-time",
        Case {
            signing_time: Some((0x17, "260101000000Z")),
            ..Case::default()
        },
    );
}

#[test]
fn a_critical_subject_alt_name_go_cannot_read_is_unhandled() {
    refused(
        "critical-san-directory-name",
        Case {
            leaf_san: Some((directory_name("x"), true)),
            ..Case::default()
        },
        "unhandled critical extension 2.5.29.17",
    );
    accepted(
        "critical-san-dns",
        Case {
            leaf_san: Some((dns("tsa.example.com"), true)),
            ..Case::default()
        },
    );
}

#[test]
fn name_constraints_of_the_tsa_cas_are_enforced() {
    let leaf_san = Some((dns("tsa.example.com"), false));
    refused(
        "excluded-non-critical",
        Case {
            leaf_san: leaf_san.clone(),
            intermediate_name_constraints: Some((
                name_constraints(&[], &[dns("example.com")]),
                false,
            )),
            ..Case::default()
        },
        "DNS name \"tsa.example.com\" is excluded by constraint \"example.com\"",
    );
    refused(
        "not-permitted-critical",
        Case {
            leaf_san: leaf_san.clone(),
            intermediate_name_constraints: Some((
                name_constraints(&[dns("example.org")], &[]),
                true,
            )),
            ..Case::default()
        },
        "DNS name \"tsa.example.com\" is not permitted by any constraint",
    );
    accepted(
        "permitted-critical",
        Case {
            leaf_san: leaf_san.clone(),
            intermediate_name_constraints: Some((
                name_constraints(&[dns(".example.com")], &[]),
                true,
            )),
            ..Case::default()
        },
    );
    // A directoryName base Go does not process: unhandled when critical, ignored otherwise.
    refused(
        "directory-name-constraint-critical",
        Case {
            leaf_san: leaf_san.clone(),
            intermediate_name_constraints: Some((
                name_constraints(&[directory_name("x")], &[]),
                true,
            )),
            ..Case::default()
        },
        "unhandled critical extension 2.5.29.30",
    );
    accepted(
        "directory-name-constraint",
        Case {
            leaf_san,
            intermediate_name_constraints: Some((
                name_constraints(&[directory_name("x")], &[]),
                false,
            )),
            ..Case::default()
        },
    );
}

/// Finding (t2): the names of the TSA intermediate were not held to the root's name
/// constraints (only the signing certificate's were); Go's `Verify` checks every certificate
/// below a constraining CA, and a CA's own constraints never apply to itself (outcomes taken
/// with Go 1.26.8's `Certificate.Verify` on chains of the same shape).
#[test]
fn name_constraints_apply_to_the_intermediates_names_too() {
    let root_name_constraints = Some(name_constraints(&[dns("example.com")], &[]));
    refused(
        "intermediate-san-not-permitted-by-root",
        Case {
            root_name_constraints: root_name_constraints.clone(),
            intermediate_san: Some(dns("evil.example.org")),
            ..Case::default()
        },
        "DNS name \"evil.example.org\" is not permitted by any constraint",
    );
    accepted(
        "intermediate-san-permitted-by-root",
        Case {
            root_name_constraints,
            intermediate_san: Some(dns("tsa.example.com")),
            ..Case::default()
        },
    );
    accepted(
        "intermediate-own-constraints-not-applied-to-itself",
        Case {
            intermediate_san: Some(dns("evil.example.org")),
            intermediate_name_constraints: Some((
                name_constraints(&[dns("example.com")], &[dns("evil.example.org")]),
                false,
            )),
            ..Case::default()
        },
    );
}

/// Go's policy validation (Go 1.22+) refuses a chain that requires an explicit policy
/// (policyConstraints, critical or not) where a certificate below names none; the trust
/// anchor's own constraint does not count.
#[test]
fn a_required_explicit_policy_must_be_carried() {
    const INVALID: &str = "x509: no valid chains built: 1 candidate chains with invalid policies";
    for n in [0, 1] {
        refused(
            &format!("intermediate-require-explicit-{n}-no-policies"),
            Case {
                intermediate_require_explicit: Some(n),
                ..Case::default()
            },
            INVALID,
        );
    }
    accepted(
        "intermediate-require-explicit-2-no-policies",
        Case {
            intermediate_require_explicit: Some(2),
            ..Case::default()
        },
    );
    accepted(
        "intermediate-require-explicit-0-with-policies",
        Case {
            intermediate_require_explicit: Some(0),
            policies: true,
            ..Case::default()
        },
    );
    accepted(
        "root-require-explicit-0-no-policies",
        Case {
            root_require_explicit: Some(0),
            ..Case::default()
        },
    );
}
