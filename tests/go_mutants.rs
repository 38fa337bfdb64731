//! Parsers of untrusted DER against Go, on structure-aware mutants of real inputs: every
//! element (extension values and the TSTInfo inside a token included) deleted, repeated,
//! followed by a NULL, emptied, given a NULL inside, its last byte flipped, its first byte's
//! top bit set, a zero byte put in front, or its tag swapped for a related one.
//!
//! - Certificates (the RSA, EC, Ed25519, PSS and TSA fixtures of notary-x509) against Go
//!   1.26.8's `x509.ParseCertificate`: refused alike, or accepted with the same
//!   basicConstraints, key usages, URLs, serial, validity, version, subject and issuer.
//!   Signatures go stale; neither parser checks them. No difference is allowed (an EC point
//!   off its curve included: both parsers refuse it).
//! - Timestamp tokens (one from GlobalSign, from notation-go's test data; one made here with
//!   `openssl ts`, RSA TSA under an EC intermediate) against notation-go's check: tspclient-go
//!   (the commit notation v1.3.2 is built with) `ParseSignedToken`, `Info`, `Validate`,
//!   `Verify` and notation-core-go v1.3.0 `ValidateTimestampingCertChain`, against
//!   `TimestampToken::parse` and `verify_with`: the same verdict, and the same time and
//!   accuracy when accepted. The openssl token's TSTInfo and signed attributes are also
//!   mutated and signed again (its TSA key is in `tests/go-mutants`), so what is inside them
//!   is compared too, not only how a broken signature fails.
//! - OCSP responses (revoked and good, made with `openssl ocsp`) and a CRL (made with `openssl
//!   ca`), both also with their signed part mutated and signed again by the CA, against
//!   notation-core-go v1.3.0's reading: x/crypto/ocsp `ParseResponseForCert` and the
//!   nextUpdate check; Go's `ParseRevocationList` and notation-core-go's base CRL checks
//!   (`validateCRL`, `checkRevocation`, with and without a signing time before the entry's
//!   invalidity date). Allowed differences, both RFC rules notary keeps (README: deliberate
//!   differences): an OCSP answer whose CertID hashes do not name the issuer, a CRL repeating
//!   an extension.
//!
//! - Signature envelopes, COSE and JWS, against notation-go's integrity step
//!   (`go_mutants_envelopes.rs`), trust policy documents against notation's loading of one
//!   (`go_mutants_policy.rs`) and signature manifests against notation-go's reading of one
//!   from an OCI layout (`go_mutants_manifest.rs`).
//!
//! The token, OCSP, CRL and envelope checks run on both crypto providers (aws-lc-rs and
//! RustCrypto); each must answer as Go.
//!
//! Go's answers are in `tests/go-mutants/*.txt`, by the SHA-256 of each mutant. To make them
//! again after the inputs or the mutations change (Go and the module proxy needed):
//!
//! ```text
//! NOTARY_WRITE_MUTANTS=/tmp/m cargo test -p notary-fuzz-targets --test go_mutants
//! cd tests/interop-go/mutants && go mod tidy && go build -o /tmp/mutants . && cd ../../go-mutants
//! /tmp/mutants x509 /tmp/m/x509 > x509-go1.26.8.txt
//! /tmp/mutants tst /tmp/m/globalsign globalsign-message.bin globalsign-root.cer > tst-globalsign-go1.26.8.txt
//! /tmp/mutants tst /tmp/m/openssl openssl-message.bin openssl-root.der > tst-openssl-go1.26.8.txt
//! /tmp/mutants ocsp /tmp/m/ocsp revocation-leaf.der revocation-ca.der 1796601600 > ocsp-go1.26.8.txt
//! /tmp/mutants crl /tmp/m/crl revocation-leaf.der revocation-ca.der 1796601600 1790812800 > crl-go1.26.8.txt
//! A="application/vnd.oci.image.manifest.v1+json sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 1234"
//! for f in cose jws cose-sa jws-sa; do /tmp/mutants ${f%-sa} /tmp/m/$f $A > $f-go1.26.8.txt; done
//! /tmp/mutants policy /tmp/m/policy > policy-go1.26.8.txt
//! /tmp/mutants manifest /tmp/m/manifest manifest-envelope.bin > manifest-go1.26.8.txt
//! ```

#[path = "go_mutants_envelopes.rs"]
mod envelopes;
#[path = "go_mutants_manifest.rs"]
mod manifest;
#[path = "go_mutants_policy.rs"]
mod policy;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use notary_timestamp::TimestampToken;
use notary_x509::der::push_header;
use notary_x509::{Certificate, X509Verifier, read_certificates};

/// The notary-x509 fixtures mutated: RSA, EC, Ed25519 and RSASSA-PSS chains, a TSA leaf. (Not
/// the CRL distribution point fixtures: their URL lists differ from Go's on purpose, see
/// `Certificate::crl_urls`.)
const CERTIFICATES: &[&str] = &[
    "valid/leaf.der",
    "valid/inter.der",
    "valid/root.der",
    "ec/leaf.pem",
    "ec/inter.pem",
    "ec/root.pem",
    "ed25519/leaf.pem",
    "ed25519/root.pem",
    "pss/leaf.pem",
    "tsa_leaf/leaf.pem",
];

fn workspace(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    push_header(&mut out, tag, content.len());
    out.extend_from_slice(content);
    out
}

fn sha256(data: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, data).as_ref().to_vec()
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key of a mutant in the expectation files.
fn key(data: &[u8]) -> String {
    hex(&sha256(data)[..8])
}

#[derive(Clone)]
enum Node {
    Leaf(u8, Vec<u8>),
    /// A constructed element, or an OCTET STRING whose content is DER (an extension value).
    Tree(u8, Vec<Node>),
}

fn parse(b: &[u8], depth: usize) -> Option<Vec<Node>> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        let tag = *b.get(i)?;
        let first = *b.get(i + 1)?;
        i += 2;
        let len = if first & 0x80 == 0 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            let v = b
                .get(i..i + n)?
                .iter()
                .fold(0usize, |a, x| a << 8 | usize::from(*x));
            i += n;
            v
        };
        let content = b.get(i..i + len)?;
        i += len;
        let nested = depth < 12
            && (tag & 0x20 != 0
                || (tag == 0x04
                    && content.len() > 1
                    && [0x30, 0x03, 0x02, 0x04, 0x06].contains(&content[0])));
        out.push(match nested.then(|| parse(content, depth + 1)).flatten() {
            Some(kids) if tag & 0x20 != 0 || encode(&kids) == content => Node::Tree(tag, kids),
            _ => Node::Leaf(tag, content.to_vec()),
        });
    }
    Some(out)
}

fn encode(nodes: &[Node]) -> Vec<u8> {
    nodes.iter().flat_map(encode_one).collect()
}

fn encode_one(n: &Node) -> Vec<u8> {
    match n {
        Node::Leaf(t, c) => tlv(*t, c),
        Node::Tree(t, kids) => tlv(*t, &encode(kids)),
    }
}

/// The children of a constructed element (panics otherwise: the paths used are known).
fn kids(n: &mut Node) -> &mut Vec<Node> {
    match n {
        Node::Tree(_, k) => k,
        Node::Leaf(..) => panic!("not a constructed element"),
    }
}

/// Paths (child indexes from the top) of every element, in document order.
fn paths(nodes: &[Node], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    for (i, n) in nodes.iter().enumerate() {
        prefix.push(i);
        out.push(prefix.clone());
        if let Node::Tree(_, kids) = n {
            paths(kids, prefix, out);
        }
        prefix.pop();
    }
}

/// The list holding the element at `path`.
fn holder<'a>(nodes: &'a mut Vec<Node>, path: &[usize]) -> &'a mut Vec<Node> {
    let mut list = nodes;
    for &i in &path[..path.len() - 1] {
        list = match &mut list[i] {
            Node::Tree(_, kids) => kids,
            Node::Leaf(..) => unreachable!("paths go through constructed elements"),
        };
    }
    list
}

fn related_tags(tag: u8) -> &'static [u8] {
    match tag {
        0x30 => &[0x31],
        0x31 => &[0x30],
        0x13 => &[0x0c, 0x16, 0x14, 0x1e],
        0x0c => &[0x13, 0x16, 0x1e],
        0x02 => &[0x0a],
        0x04 => &[0x03],
        0x17 => &[0x18],
        0x18 => &[0x17],
        0x01 => &[0x02],
        0x86 => &[0x82, 0xa6],
        0x82 => &[0x86, 0x81],
        0x80 => &[0x81, 0xa0],
        0xa0 => &[0xa1, 0x80],
        _ => &[],
    }
}

fn mutants(der: &[u8]) -> Vec<Vec<u8>> {
    let tree = parse(der, 0).expect("the input is DER");
    assert_eq!(encode(&tree), der);
    let mut all = Vec::new();
    paths(&tree, &mut Vec::new(), &mut all);
    let null = Node::Leaf(0x05, Vec::new());
    let mut out = Vec::new();
    for path in all {
        let at = *path.last().unwrap();
        let mut edit = |f: &dyn Fn(&mut Vec<Node>)| {
            let mut t = tree.clone();
            f(holder(&mut t, &path));
            out.push(encode(&t));
        };
        edit(&|l| {
            l.remove(at);
        });
        edit(&|l| l.insert(at, l[at].clone()));
        edit(&|l| l.insert(at + 1, null.clone()));
        let node = holder(&mut tree.clone(), &path)[at].clone();
        match &node {
            Node::Tree(t, _) => {
                edit(&|l| {
                    if let Node::Tree(_, kids) = &mut l[at] {
                        kids.push(null.clone());
                    }
                });
                edit(&|l| l[at] = Node::Leaf(*t, Vec::new()));
            }
            Node::Leaf(t, c) => {
                if let Some(last) = c.last() {
                    let mut flipped = c.clone();
                    *flipped.last_mut().unwrap() = last ^ 0x01;
                    edit(&|l| l[at] = Node::Leaf(*t, flipped.clone()));
                    let mut high = c.clone();
                    high[0] |= 0x80;
                    edit(&|l| l[at] = Node::Leaf(*t, high.clone()));
                    edit(&|l| l[at] = Node::Leaf(*t, Vec::new()));
                }
                let prefixed = [&[0u8][..], c].concat();
                edit(&|l| l[at] = Node::Leaf(*t, prefixed.clone()));
            }
        }
        let tag = match &node {
            Node::Leaf(t, _) | Node::Tree(t, _) => *t,
        };
        for &other in related_tags(tag) {
            edit(&|l| match &mut l[at] {
                Node::Leaf(t, _) | Node::Tree(t, _) => *t = other,
            });
        }
    }
    out
}

/// Go's answers by mutant key: (verdict, detail).
fn expectations(file: &str) -> HashMap<String, (String, String)> {
    let text = String::from_utf8(read(&workspace(&format!("tests/go-mutants/{file}")))).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (k, rest) = l.split_once(' ').unwrap();
            let (verdict, detail) = rest.split_once(' ').unwrap_or((rest, ""));
            (k.to_owned(), (verdict.to_owned(), detail.to_owned()))
        })
        .collect()
}

/// Unique mutants, written to `$NOTARY_WRITE_MUTANTS/<dir>/` when that is set.
fn unique(all: Vec<Vec<u8>>, dir: &str) -> Vec<Vec<u8>> {
    let mut seen = HashSet::new();
    let out: Vec<Vec<u8>> = all.into_iter().filter(|m| seen.insert(key(m))).collect();
    if let Ok(root) = std::env::var("NOTARY_WRITE_MUTANTS") {
        let dir = Path::new(&root).join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for m in &out {
            std::fs::write(dir.join(format!("{}.der", key(m))), m).unwrap();
        }
    }
    out
}

/// Compares every mutant's answer with Go's: `ours` gives (verdict, detail) as Go's file
/// writes them; `allowed` says which differences are known. Returns how many Go accepted.
fn compare(
    mutants: &[Vec<u8>],
    file: &str,
    ours: impl Fn(&[u8]) -> (String, String),
    allowed: impl Fn(&(String, String), &(String, String)) -> bool,
) -> usize {
    let go = expectations(file);
    let (mut missing, mut wrong, mut accepted) = (0, Vec::new(), 0);
    for m in mutants {
        let k = key(m);
        let Some(theirs) = go.get(&k) else {
            missing += 1;
            continue;
        };
        let mine = ours(m);
        if theirs.0 == "OK" {
            accepted += 1;
        }
        // Refusals are compared as refusals; acceptances by what was read.
        let same = mine.0 == theirs.0 && (mine.0 != "OK" || mine.1 == theirs.1);
        if !same && !allowed(theirs, &mine) {
            wrong.push(format!("{k}: Go {theirs:?}, here {mine:?}"));
        }
    }
    assert_eq!(
        missing, 0,
        "{file}: mutants without Go's answer: regenerate (see the module docs)"
    );
    assert!(
        wrong.is_empty(),
        "{file}: {} of {} unlike Go: {:#?}",
        wrong.len(),
        mutants.len(),
        &wrong[..wrong.len().min(20)]
    );
    accepted
}

/// The differences allowed where notary refuses on purpose what Go takes: Go accepted, and
/// notary's refusal is named (README: deliberate differences), not `-`.
fn deliberate(go: &(String, String), ours: &(String, String)) -> bool {
    go.0 == "OK" && ours.0 == "ERR" && ours.1 != "-"
}

/// What was read of a certificate, in the form the Go program digests (strings hex-encoded; a
/// URL that is not UTF-8 as `-`, as the two languages render such bytes differently).
fn certificate_fields(c: &Certificate) -> String {
    let urls = |v: &[String]| {
        v.iter()
            .map(|u| {
                if u.contains('\u{fffd}') {
                    "-".into()
                } else {
                    hex(u.as_bytes())
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let bc = match c.basic_constraints() {
        None => "none".to_string(),
        Some(b) => format!(
            "{}/{}",
            b.ca,
            b.path_len.map_or("none".into(), |n| n.to_string())
        ),
    };
    let ku: u32 = c.key_usage().map_or(0, |k| {
        (0..9u16).filter(|i| k.has(1 << i)).map(|i| 1u32 << i).sum()
    });
    let serial = c.serial_hex();
    format!(
        "bc={bc};ku={ku};eku={};ocsp={};crl={};serial={};nb={};na={};v={};subj={};iss={}",
        c.extended_key_usage().map_or(0, |e| e.usages.len()),
        urls(c.ocsp_urls()),
        urls(c.crl_urls()),
        if serial == "0" { "" } else { &serial },
        c.not_before().unix_timestamp(),
        c.not_after().unix_timestamp(),
        c.version(),
        hex(c.subject_string().as_bytes()),
        hex(c.issuer_string().as_bytes()),
    )
}

#[test]
fn certificates_parse_as_go_parses_them() {
    let mut all = Vec::new();
    for rel in CERTIFICATES {
        let bytes = read(&workspace(&format!("crates/notary-x509/testdata/{rel}")));
        let der = if rel.ends_with(".pem") {
            read_certificates(&bytes).unwrap().remove(0).der().to_vec()
        } else {
            bytes
        };
        all.extend(mutants(&der));
    }
    let all = unique(all, "x509");
    let accepted = compare(
        &all,
        "x509-go1.26.8.txt",
        |m| match Certificate::from_der(m) {
            Ok(c) => ("OK".into(), key(certificate_fields(&c).as_bytes())),
            Err(_) => ("ERR".into(), "-".into()),
        },
        |_, _| false,
    );
    // Enough of both answers that neither a parser refusing everything nor one accepting
    // everything could pass.
    assert!(all.len() > 4000, "{}", all.len());
    assert!(
        accepted > all.len() / 4 && accepted < all.len() * 3 / 4,
        "{accepted}"
    );
}

/// The checks that verify signatures run on both crypto providers: each must answer as Go.
fn verifiers() -> [X509Verifier; 2] {
    [
        X509Verifier::new(notary_provider_aws_lc_rs::provider()),
        X509Verifier::new(notary_provider_rustcrypto::provider()),
    ]
}

/// notary's check of a token, answered as the Go program answers.
fn verify_token(
    x509: &X509Verifier,
    token: &[u8],
    message: &[u8],
    root: &Certificate,
) -> (String, String) {
    let verified = TimestampToken::parse(token).and_then(|t| {
        t.verify_with(x509, message, std::slice::from_ref(root))?;
        Ok(t)
    });
    match verified {
        Ok(t) => {
            let at = t.gen_time();
            (
                "OK".into(),
                format!(
                    "{}.{:09} {}",
                    at.unix_timestamp(),
                    at.nanosecond(),
                    t.accuracy().whole_nanoseconds()
                ),
            )
        }
        // RFC 3161 bounds each accuracy field (README: deliberate differences); Go takes any.
        Err(e) if e.to_string().contains("accuracy") && e.to_string().contains("out of range") => {
            ("ERR".into(), "accuracy".into())
        }
        Err(_) => ("ERR".into(), "-".into()),
    }
}

/// The one difference allowed on tokens: an accuracy RFC 3161 does not allow, which Go takes.
fn accuracy_refused(go: &(String, String), ours: &(String, String)) -> bool {
    go.0 == "OK" && ours.1 == "accuracy"
}

fn root(rel: &str) -> Certificate {
    read_certificates(&read(&workspace(rel))).unwrap().remove(0)
}

#[test]
fn globalsign_token_mutants_verify_as_notation_go_verifies_them() {
    let token = read(&workspace("tests/go-mutants/globalsign-token.der"));
    let message = read(&workspace("tests/go-mutants/globalsign-message.bin"));
    let root = root("tests/go-mutants/globalsign-root.cer");
    let all = unique(mutants(&token), "globalsign");
    compare_tokens(
        &all,
        "tst-globalsign-go1.26.8.txt",
        &token,
        &message,
        &root,
        100,
    );
}

/// Compares the token mutants `all` with Go's answers in `file` on both providers; the token
/// itself must verify, and Go must have accepted more than `min_accepted`.
fn compare_tokens(
    all: &[Vec<u8>],
    file: &str,
    token: &[u8],
    message: &[u8],
    root: &Certificate,
    min_accepted: usize,
) {
    for x509 in verifiers() {
        assert_eq!(verify_token(&x509, token, message, root).0, "OK");
        let accepted = compare(
            all,
            file,
            |m| verify_token(&x509, m, message, root),
            accuracy_refused,
        );
        assert!(
            all.len() > 1500 && accepted > min_accepted,
            "{} {accepted}",
            all.len()
        );
    }
}

/// Paths in the openssl token: ContentInfo > [0] > SignedData > encapContentInfo > [0] >
/// eContent, and SignedData > signerInfos > SignerInfo > signedAttrs / signature.
const SIGNED_DATA: [usize; 3] = [0, 1, 0];
const E_CONTENT: [usize; 3] = [2, 1, 0];
const SIGNER_INFO: [usize; 2] = [4, 0];
const SIGNED_ATTRS: usize = 3;
const SIGNATURE: usize = 5;
/// id-messageDigest.
const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];

fn at<'a>(nodes: &'a mut [Node], path: &[usize]) -> &'a mut Node {
    let (first, rest) = path.split_first().unwrap();
    rest.iter()
        .fold(&mut nodes[*first], |n, &i| &mut kids(n)[i])
}

/// The openssl token with `tst_info` as its content (its messageDigest updated) or `attrs` as
/// its signed attributes, signed again by the TSA's key over the attributes as RFC 5652 §5.4
/// has them signed (each attribute's type and values, DER-sorted in a SET).
fn resign(
    base: &[Node],
    tst_info: Option<&[u8]>,
    attrs: Option<Node>,
    key: &RsaKeyPair,
) -> Vec<u8> {
    let mut t = base.to_vec();
    let sd = at(&mut t, &SIGNED_DATA);
    let si_path: Vec<usize> = SIGNER_INFO.to_vec();
    if let Some(content) = tst_info {
        *at(kids(sd), &E_CONTENT) = Node::Leaf(0x04, content.to_vec());
        let info = at(kids(sd), &si_path);
        for a in kids(&mut kids(info)[SIGNED_ATTRS]) {
            let fields = kids(a);
            if matches!(&fields[0], Node::Leaf(0x06, oid) if oid == MESSAGE_DIGEST) {
                fields[1] = Node::Tree(0x31, vec![Node::Leaf(0x04, sha256(content))]);
            }
        }
    }
    let info = at(kids(sd), &si_path);
    if let Some(a) = attrs {
        kids(info)[SIGNED_ATTRS] = a;
    }
    let signed = match &kids(info)[SIGNED_ATTRS] {
        Node::Tree(_, attrs) => {
            let mut each: Vec<Vec<u8>> = attrs
                .iter()
                .map(|a| match a {
                    Node::Tree(_, f) if f.len() >= 2 => {
                        tlv(0x30, &[encode_one(&f[0]), encode_one(&f[1])].concat())
                    }
                    other => encode_one(other),
                })
                .collect();
            each.sort();
            tlv(0x31, &each.concat())
        }
        Node::Leaf(_, c) => tlv(0x31, c),
    };
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        &signed,
        &mut signature,
    )
    .unwrap();
    kids(info)[SIGNATURE] = Node::Leaf(0x04, signature);
    encode(&t)
}

#[test]
fn openssl_token_mutants_verify_as_notation_go_verifies_them() {
    let token = read(&workspace("tests/go-mutants/openssl-token.der"));
    let message = read(&workspace("tests/go-mutants/openssl-message.bin"));
    let root = root("tests/go-mutants/openssl-root.der");
    let key =
        RsaKeyPair::from_pkcs8(&read(&workspace("tests/go-mutants/openssl-tsa-key.pk8"))).unwrap();
    let base = parse(&token, 0).unwrap();
    // Signing the base again gives the base: the re-signing is the one the TSA made.
    assert_eq!(resign(&base, None, None, &key), token);

    let mut all = mutants(&token);
    let mut b = base.clone();
    let sd = at(&mut b, &SIGNED_DATA);
    let tst_info = encode_one(at(kids(sd), &E_CONTENT));
    let tst_info = match parse(&tst_info, 0).unwrap().remove(0) {
        Node::Leaf(_, c) => c,
        Node::Tree(_, k) => encode(&k),
    };
    for m in mutants(&tst_info) {
        all.push(resign(&base, Some(&m), None, &key));
    }
    let attrs = encode_one(&kids(at(kids(sd), &SIGNER_INFO))[SIGNED_ATTRS]);
    for m in mutants(&attrs) {
        // A mutant that is no longer one element cannot stand in for the attributes.
        if let Some([one]) = parse(&m, 0).as_deref() {
            all.push(resign(&base, None, Some(one.clone()), &key));
        }
    }
    let all = unique(all, "openssl");
    compare_tokens(
        &all,
        "tst-openssl-go1.26.8.txt",
        &token,
        &message,
        &root,
        200,
    );
}

/// The revocation fixtures (made with `openssl ca` and `openssl ocsp`, see the README there):
/// an RSA CA with its key, a leaf it issued (serial 0x1001, a CRL distribution point), OCSP
/// answers for the leaf (revoked, good) and a CRL revoking it (keyCompromise, invalidity date
/// 2026-10-15) and two other serials (one on hold).
fn revocation_fixture(name: &str) -> Vec<u8> {
    read(&workspace(&format!("tests/go-mutants/{name}")))
}

/// The check time (2026-12-07) and the signing time given with the CRL (2026-10-01).
fn revocation_times() -> (time::OffsetDateTime, time::OffsetDateTime) {
    (
        time::OffsetDateTime::from_unix_timestamp(1_796_601_600).unwrap(),
        time::OffsetDateTime::from_unix_timestamp(1_790_812_800).unwrap(),
    )
}

/// `data[path]` signed again by the CA: `path` names a SEQUENCE { tbs, algorithm, BIT STRING
/// signature, ... } whose tbs is replaced by `tbs` and signed with RSA PKCS #1 v1.5 SHA-256.
fn resign_seq(base: &[Node], path: &[usize], tbs: &[u8], key: &RsaKeyPair) -> Vec<u8> {
    let mut t = base.to_vec();
    let signed = kids(at(&mut t, path));
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), tbs, &mut signature)
        .unwrap();
    signed[0] = Node::Leaf(tbs[0], {
        let tlv = parse(tbs, 0).unwrap();
        match tlv.as_slice() {
            [one] => match one {
                Node::Leaf(_, c) => c.clone(),
                Node::Tree(_, k) => encode(k),
            },
            _ => unreachable!("mutants are one element"),
        }
    });
    signed[2] = Node::Leaf(0x03, [&[0u8][..], &signature].concat());
    encode(&t)
}

/// Mutants of `der` and, for its signed part at `path`, mutants of that part signed again.
fn signed_mutants(der: &[u8], path: &[usize], key: &RsaKeyPair) -> Vec<Vec<u8>> {
    let base = parse(der, 0).unwrap();
    let mut b = base.clone();
    let tbs = encode_one(&kids(at(&mut b, path))[0]);
    assert_eq!(
        resign_seq(&base, path, &tbs, key),
        der,
        "signing again gives the input"
    );
    let mut all = mutants(der);
    for m in mutants(&tbs) {
        // A mutant that is no longer one element cannot stand in for the signed part.
        if matches!(parse(&m, 0).as_deref(), Some([_])) {
            all.push(resign_seq(&base, path, &m, key));
        }
    }
    all
}

/// OCSPResponse > responseBytes [0] > ResponseBytes > response OCTET STRING > BasicOCSPResponse.
const BASIC_OCSP: [usize; 5] = [0, 1, 0, 1, 0];

#[test]
fn ocsp_response_mutants_read_as_notation_reads_them() {
    let key = RsaKeyPair::from_pkcs8(&revocation_fixture("revocation-ca-key.pk8")).unwrap();
    let ca = Certificate::from_der(&revocation_fixture("revocation-ca.der")).unwrap();
    let leaf = Certificate::from_der(&revocation_fixture("revocation-leaf.der")).unwrap();
    let (now, _) = revocation_times();
    let mut all = Vec::new();
    for base in ["ocsp-revoked.der", "ocsp-good.der"] {
        all.extend(signed_mutants(&revocation_fixture(base), &BASIC_OCSP, &key));
    }
    let all = unique(all, "ocsp");
    for x509 in verifiers() {
        let ours = |m: &[u8]| match notary_revocation::ocsp::evaluate_with(
            &x509, m, &leaf, &ca, None, now,
        ) {
            Ok(notary_revocation::CertStatus::Good) => ("OK".into(), "good".into()),
            Ok(notary_revocation::CertStatus::Revoked(_)) => ("OK".into(), "revoked".into()),
            Ok(notary_revocation::CertStatus::Unknown(_)) => ("OK".into(), "unknown".into()),
            Ok(other) => ("OK".into(), format!("{other:?}")),
            // RFC 6960 §4.1.1 (README: deliberate differences): the CertID's hashes must name
            // the issuer; x/crypto/ocsp compares the serial only.
            Err(e) if e.to_string().contains("no answer for this certificate") => {
                ("ERR".into(), "certid".into())
            }
            Err(_) => ("ERR".into(), "-".into()),
        };
        for base in ["ocsp-revoked.der", "ocsp-good.der"] {
            assert_eq!(ours(&revocation_fixture(base)).0, "OK", "{base}");
        }
        let accepted = compare(&all, "ocsp-go1.26.8.txt", ours, |go, ours| {
            go.0 == "OK" && ours.1 == "certid"
        });
        assert!(
            all.len() > 1000 && accepted > 100,
            "{} {accepted}",
            all.len()
        );
    }
}

#[test]
fn crl_mutants_read_as_notation_reads_them() {
    let key = RsaKeyPair::from_pkcs8(&revocation_fixture("revocation-ca-key.pk8")).unwrap();
    let ca = Certificate::from_der(&revocation_fixture("revocation-ca.der")).unwrap();
    let leaf = Certificate::from_der(&revocation_fixture("revocation-leaf.der")).unwrap();
    let (now, signed) = revocation_times();
    let url = leaf.crl_urls()[0].clone();
    let der = revocation_fixture("crl.der");
    let all = unique(signed_mutants(&der, &[0], &key), "crl");
    for x509 in verifiers() {
        let status = |crl: &[u8], at: Option<time::OffsetDateTime>| {
            let fetcher = notary_revocation::StaticFetcher::new().with_crl(&url, crl.to_vec());
            notary_revocation::Checker::new_with(x509, std::sync::Arc::new(fetcher))
                .check_certificate(&leaf, &ca, at, now)
        };
        let word = |s: notary_revocation::CertStatus| match s {
            notary_revocation::CertStatus::Good => Some("good"),
            notary_revocation::CertStatus::Revoked(_) => Some("revoked"),
            _ => None,
        };
        let ours = |m: &[u8]| {
            let unsigned = status(m, None);
            let duplicate = format!("{unsigned:?}").contains("duplicate extension");
            match (word(unsigned), word(status(m, Some(signed)))) {
                (Some(a), Some(b)) => ("OK".into(), format!("{a}/{b}")),
                // RFC 5280 §5.2 (README: deliberate differences): an extension given twice makes
                // the CRL unusable; Go takes it.
                _ if duplicate => ("ERR".into(), "duplicate".into()),
                _ => ("ERR".into(), "-".into()),
            }
        };
        assert_eq!(ours(&der), ("OK".into(), "revoked/good".into()));
        let accepted = compare(&all, "crl-go1.26.8.txt", ours, |go, ours| {
            go.0 == "OK" && ours.1 == "duplicate"
        });
        assert!(
            all.len() > 500 && accepted > 100,
            "{} {accepted}",
            all.len()
        );
    }
}
