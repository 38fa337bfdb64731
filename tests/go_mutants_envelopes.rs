//! Signature envelopes against notation-go's integrity step (notation-core-go v1.3.0
//! `signature.ParseEnvelope` and `Verify`: the signature with the leaf's key, the signer
//! information, the certificate chain; then the payload's type, the payload read and its
//! target matched to the artifact), on structure-aware mutants of COSE and JWS envelopes made
//! here under both signing schemes: every CBOR item or JSON value replaced by one of each
//! type, deleted, repeated, given a longer or indefinite-length head (CBOR), escaped or
//! re-spaced (JSON), its last byte changed; members and labels added; the protected header's
//! and the payload's own items mutated the same way. Whenever the protected header or the
//! payload changes, the mutant is signed again (deterministic ECDSA, RFC 6979, so a mutant's
//! bytes and its key stay the same from run to run), so what is inside them is compared, not
//! only how a broken signature fails. Compared: the verdict, and when accepted, what was read
//! (the payload's target, payload and its type, signing scheme and time, expiry, extended
//! attributes, signing agent, timestamp, chain length, algorithm).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use notary::verifier::UnverifiedEnvelope;
use notary_core::{
    AttributeKey, AttributeValue, EnvelopeMediaType, ExtendedAttribute, RawSignature, SignRequest,
    SignatureAlgorithm, SigningScheme, VerifiedEnvelope,
};
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::DecodePrivateKey as _;

use super::{compare, deliberate, read, unique, verifiers, workspace};

fn signing_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_pkcs8_der(&read(&workspace(
        "tests/go-mutants/envelope-leaf-key.pk8",
    )))
    .unwrap()
}

/// r || s, deterministic (RFC 6979).
fn es256(message: &[u8]) -> Vec<u8> {
    let s: p256::ecdsa::Signature = signing_key().sign(message);
    s.to_bytes().to_vec()
}

fn chain() -> Vec<Vec<u8>> {
    ["envelope-leaf.der", "envelope-root.der"]
        .iter()
        .map(|f| read(&workspace(&format!("tests/go-mutants/{f}"))))
        .collect()
}

/// What the envelopes sign: a payload, a signing time (or an authentic signing time, under the
/// signingAuthority scheme), an expiry, two extended attributes (one critical) and a signing
/// agent.
fn request(scheme: SigningScheme) -> SignRequest {
    let at = time::macros::datetime!(2026-06-01 12:00:00 UTC);
    let (media_type, digest, size) = ARTIFACT;
    let mut r = SignRequest::new(
        format!(
            r#"{{"targetArtifact":{{"mediaType":"{media_type}","digest":"{digest}","size":{size},"annotations":{{"io.example.kept":"yes"}}}}}}"#
        )
        .into_bytes(),
        at,
    );
    r.signing_scheme = scheme;
    r.expiry = Some(at + time::Duration::days(365));
    r.signing_agent = Some("notary-rs/mutants".into());
    r.extended_attributes = vec![
        ExtendedAttribute {
            key: AttributeKey::Text("com.example.note".into()),
            value: AttributeValue::Text("kept".into()),
            critical: false,
        },
        ExtendedAttribute {
            key: AttributeKey::Text("com.example.critical".into()),
            value: AttributeValue::Text("yes".into()),
            critical: true,
        },
    ];
    r
}

fn raw(signing_input: &[u8]) -> RawSignature {
    RawSignature {
        signature: es256(signing_input),
        certificate_chain: chain(),
    }
}

/// What was read, in the form the Go program digests.
fn fields(v: &VerifiedEnvelope, payload: &notary_core::Payload) -> String {
    let ta = &payload.target_artifact;
    let mut annotations: Vec<String> = ta
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| format!("{}={}", super::hex(k.as_bytes()), super::hex(v.as_bytes())))
        .collect();
    annotations.sort();
    let si = v.signer_info();
    let sa = &si.signed_attributes;
    let time = sa
        .signing_time
        .or(sa.authentic_signing_time)
        // Go's zero time.
        .map_or(-62_135_596_800, |t| t.unix_timestamp());
    let expiry = sa
        .expiry
        .map_or("-".to_string(), |t| t.unix_timestamp().to_string());
    let mut ext: Vec<String> = sa
        .extended_attributes
        .iter()
        .map(|a| format!("{}:{}", a.key, a.critical))
        .collect();
    ext.sort();
    let alg = match si.signature_algorithm {
        SignatureAlgorithm::RsaPssSha256 => 1,
        SignatureAlgorithm::RsaPssSha384 => 2,
        SignatureAlgorithm::RsaPssSha512 => 3,
        SignatureAlgorithm::EcdsaSha256 => 4,
        SignatureAlgorithm::EcdsaSha384 => 5,
        SignatureAlgorithm::EcdsaSha512 => 6,
        _ => 0,
    };
    let scheme = match sa.signing_scheme {
        SigningScheme::X509 => "notary.x509",
        SigningScheme::X509SigningAuthority => "notary.x509.signingAuthority",
        _ => "?",
    };
    format!(
        "ta={}|{}|{}|{};ct={};payload={};scheme={scheme};st={time};exp={expiry};ext={};agent={};tst={};certs={};alg={alg}",
        super::hex(ta.media_type.as_bytes()),
        super::hex(ta.digest.to_string().as_bytes()),
        ta.size,
        annotations.join(","),
        sa.content_type,
        super::hex(v.payload()),
        ext.join(","),
        super::hex(
            si.unsigned_attributes
                .signing_agent
                .as_deref()
                .unwrap_or_default()
                .as_bytes()
        ),
        super::hex(
            si.unsigned_attributes
                .timestamp_signature
                .as_deref()
                .unwrap_or_default()
        ),
        si.certificate_chain.len(),
    )
}

/// The artifact the envelopes sign (their payload's target; not empty, so that a size or
/// digest left out, which Go reads as zero, never matches it).
const ARTIFACT: (&str, &str, u64) = (
    "application/vnd.oci.image.manifest.v1+json",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    1234,
);

/// notary's verifier up to where notation-go's ends for these inputs: the integrity step (the
/// envelope, then its payload's type and content) and the payload's target compared with the
/// artifact. Refusals notary makes on purpose where notation accepts are named (README:
/// deliberate differences); any other refusal is `-`.
fn check(
    x509: &notary_x509::X509Verifier,
    media: EnvelopeMediaType,
    bytes: &[u8],
) -> (String, String) {
    use notary::verifier::EnvelopeError;
    use notary_envelope_cose::Error as Cose;
    use notary_envelope_jws::Error as Jws;
    let refused = |why: &str| ("ERR".to_string(), why.to_string());
    let verified = match UnverifiedEnvelope::parse(media, bytes)
        .and_then(|e| e.verify_integrity(x509))
    {
        Ok(v) => v,
        Err(EnvelopeError::Cose(Cose::CritDuplicate { .. })) => {
            return refused("crit entry repeated");
        }
        Err(EnvelopeError::Jws(Jws::InvalidCrit { reason, .. }))
            if reason.contains("more than once") =>
        {
            return refused("crit entry repeated");
        }
        Err(EnvelopeError::Jws(
            Jws::DuplicateMember { .. } | Jws::UnknownMember { .. } | Jws::CaseVariantHeader { .. },
        )) => return refused("JSON member repeated, unknown or in another case"),
        Err(EnvelopeError::Jws(Jws::AmbiguousMember { .. })) => {
            return refused("JSON member repeated, unknown or in another case");
        }
        Err(EnvelopeError::Jws(Jws::Json { reason, .. })) if reason.contains("escape") => {
            return refused("lone surrogate escape");
        }
        Err(EnvelopeError::Jws(Jws::Base64 { reason, .. })) if reason.contains("last symbol") => {
            return refused("base64url with non-zero unused bits");
        }
        Err(_) => return refused("-"),
    };
    let payload = match verified.decode_payload() {
        Ok(p) => p,
        Err(notary_core::Error::InvalidPayload { reason })
            if reason.contains("duplicate member") || reason.contains("case variant") =>
        {
            return refused("JSON member repeated, unknown or in another case");
        }
        Err(notary_core::Error::InvalidPayload { reason }) if reason.contains("escape") => {
            return refused("lone surrogate escape");
        }
        // A null annotation value (Go reads it as an empty string).
        Err(notary_core::Error::InvalidPayload { reason })
            if reason.contains("null, expected a string") =>
        {
            return refused("null where a string belongs");
        }
        Err(_) => return refused("-"),
    };
    let ta = &payload.target_artifact;
    if (
        ta.media_type.as_str(),
        ta.digest.to_string().as_str(),
        ta.size,
    ) != ARTIFACT
    {
        return refused("-");
    }
    (
        "OK".into(),
        super::key(fields(&verified, &payload).as_bytes()),
    )
}

// ---- Trees of items (CBOR) or values (JSON) --------------------------------------------------

/// A decoded document whose nodes are reached by paths of child indexes.
trait Tree: Clone {
    /// The node's children, in document order.
    fn children_mut(&mut self) -> Vec<&mut Self>;
}

/// The path of every node, the root's (empty) first, in document order.
fn paths<T: Tree>(root: &T) -> Vec<Vec<usize>> {
    fn walk<T: Tree>(node: &mut T, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(prefix.clone());
        for (i, c) in node.children_mut().into_iter().enumerate() {
            prefix.push(i);
            walk(c, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(&mut root.clone(), &mut Vec::new(), &mut out);
    out
}

/// The node at `path`.
fn at<'a, T: Tree>(node: &'a mut T, path: &[usize]) -> &'a mut T {
    match path.split_first() {
        None => node,
        Some((&i, rest)) => at(node.children_mut().swap_remove(i), rest),
    }
}

// ---- CBOR ---------------------------------------------------------------------------------

/// How an item's head encodes its argument.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Form {
    Shortest,
    /// 1, 2, 4 or 8 bytes, whatever the value.
    Wide(u8),
    /// Indefinite length (byte and text strings as one chunk).
    Indefinite,
}

#[derive(Clone, PartialEq, Debug)]
enum Cbor {
    /// Major type 0 or 1 and its argument.
    Int(u8, u64, Form),
    /// Major type 2 or 3.
    Str(u8, Vec<u8>, Form),
    Array(Vec<Cbor>, Form),
    Map(Vec<(Cbor, Cbor)>, Form),
    Tag(u64, Box<Cbor>, Form),
    /// A major type 7 item, as encoded.
    Simple(Vec<u8>),
}

fn head(out: &mut Vec<u8>, major: u8, v: u64, form: Form) {
    let m = major << 5;
    let width = match form {
        Form::Indefinite => {
            out.push(m | 31);
            return;
        }
        Form::Wide(w) => w,
        Form::Shortest if v < 24 => {
            out.push(m | v as u8);
            return;
        }
        Form::Shortest if v < 1 << 8 => 1,
        Form::Shortest if v < 1 << 16 => 2,
        Form::Shortest if v < 1 << 32 => 4,
        Form::Shortest => 8,
    };
    out.push(
        m | match width {
            1 => 24,
            2 => 25,
            4 => 26,
            _ => 27,
        },
    );
    out.extend_from_slice(&v.to_be_bytes()[8 - usize::from(width)..]);
}

fn cbor(item: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    put(&mut out, item);
    out
}

fn put(out: &mut Vec<u8>, item: &Cbor) {
    match item {
        Cbor::Int(major, v, form) => head(out, *major, *v, *form),
        Cbor::Str(major, data, Form::Indefinite) => {
            head(out, *major, 0, Form::Indefinite);
            head(out, *major, data.len() as u64, Form::Shortest);
            out.extend_from_slice(data);
            out.push(0xff);
        }
        Cbor::Str(major, data, form) => {
            head(out, *major, data.len() as u64, *form);
            out.extend_from_slice(data);
        }
        Cbor::Array(items, form) => {
            head(out, 4, items.len() as u64, *form);
            items.iter().for_each(|i| put(out, i));
            if *form == Form::Indefinite {
                out.push(0xff);
            }
        }
        Cbor::Map(pairs, form) => {
            head(out, 5, pairs.len() as u64, *form);
            for (k, v) in pairs {
                put(out, k);
                put(out, v);
            }
            if *form == Form::Indefinite {
                out.push(0xff);
            }
        }
        Cbor::Tag(n, inner, form) => {
            head(out, 6, *n, *form);
            put(out, inner);
        }
        Cbor::Simple(raw) => out.extend_from_slice(raw),
    }
}

/// Decodes shortest-form, definite-length CBOR (what the encoder writes).
fn decode(b: &[u8], at: &mut usize) -> Cbor {
    let first = b[*at];
    *at += 1;
    let (major, ai) = (first >> 5, first & 0x1f);
    if major == 7 {
        let n = match ai {
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => 0,
        };
        let raw = b[*at - 1..*at + n].to_vec();
        *at += n;
        return Cbor::Simple(raw);
    }
    let v = match ai {
        0..=23 => u64::from(ai),
        24..=27 => {
            let n = 1usize << (ai - 24);
            let v = b[*at..*at + n]
                .iter()
                .fold(0u64, |a, x| a << 8 | u64::from(*x));
            *at += n;
            v
        }
        _ => panic!("only definite lengths are decoded"),
    };
    let f = Form::Shortest;
    match major {
        0 | 1 => Cbor::Int(major, v, f),
        2 | 3 => {
            let data = b[*at..*at + v as usize].to_vec();
            *at += v as usize;
            Cbor::Str(major, data, f)
        }
        4 => Cbor::Array((0..v).map(|_| decode(b, at)).collect(), f),
        5 => Cbor::Map(
            (0..v)
                .map(|_| {
                    let k = decode(b, at);
                    (k, decode(b, at))
                })
                .collect(),
            f,
        ),
        _ => Cbor::Tag(v, Box::new(decode(b, at)), f),
    }
}

fn decode_all(b: &[u8]) -> Cbor {
    let mut at = 0;
    let item = decode(b, &mut at);
    assert_eq!(at, b.len());
    assert_eq!(cbor(&item), b, "the input is shortest-form CBOR");
    item
}

impl Tree for Cbor {
    /// Array items, map keys and values (key 2i, value 2i + 1), a tag's content.
    fn children_mut(&mut self) -> Vec<&mut Self> {
        match self {
            Cbor::Array(items, _) => items.iter_mut().collect(),
            Cbor::Map(pairs, _) => pairs.iter_mut().flat_map(|(k, v)| [k, v]).collect(),
            Cbor::Tag(_, inner, _) => vec![&mut **inner],
            _ => Vec::new(),
        }
    }
}

fn text(s: &str) -> Cbor {
    Cbor::Str(3, s.as_bytes().to_vec(), Form::Shortest)
}

fn int(v: u64) -> Cbor {
    Cbor::Int(0, v, Form::Shortest)
}

/// The mutants of `root`, each with the path of the item it changed.
fn cbor_mutants(root: &Cbor) -> Vec<(Cbor, Vec<usize>)> {
    let replacements = [
        int(0),
        Cbor::Int(1, 0, Form::Shortest),
        Cbor::Str(2, Vec::new(), Form::Shortest),
        text(""),
        Cbor::Array(Vec::new(), Form::Shortest),
        Cbor::Map(Vec::new(), Form::Shortest),
        Cbor::Simple(vec![0xf4]),
        Cbor::Simple(vec![0xf5]),
        Cbor::Simple(vec![0xf6]),
        Cbor::Simple(vec![0xf7]),
        Cbor::Simple(vec![0xf9, 0x00, 0x00]),
        Cbor::Simple(vec![0xfb, 0x41, 0xd9, 0xd2, 0x4b, 0x40, 0x00, 0x00, 0x00]),
        Cbor::Tag(1, Box::new(int(0)), Form::Shortest),
    ];
    let paths = paths(root);
    let mut out = Vec::new();
    for path in paths {
        let node = at(&mut root.clone(), &path).clone();
        let mut set = |f: &dyn Fn(&mut Cbor)| {
            let mut t = root.clone();
            f(at(&mut t, &path));
            out.push((t, path.clone()));
        };
        for r in &replacements {
            if *r != node {
                set(&|n| *n = r.clone());
            }
        }
        set(&|n| *n = Cbor::Tag(1, Box::new(n.clone()), Form::Shortest));
        set(&|n| *n = Cbor::Tag(55799, Box::new(n.clone()), Form::Shortest));
        // Longer heads, and indefinite lengths.
        let wider = |n: &mut Cbor, w: u8| match n {
            Cbor::Int(_, _, f)
            | Cbor::Str(_, _, f)
            | Cbor::Array(_, f)
            | Cbor::Map(_, f)
            | Cbor::Tag(_, _, f) => *f = Form::Wide(w),
            Cbor::Simple(_) => {}
        };
        if !matches!(node, Cbor::Simple(_)) {
            let shortest_len = cbor(&node).len() - cbor_body_len(&node);
            let next = match shortest_len {
                1 => 1,
                2 => 2,
                3 => 4,
                _ => 8,
            };
            set(&|n| wider(n, next));
            if next != 8 {
                set(&|n| wider(n, 8));
            }
        }
        match &node {
            Cbor::Str(..) | Cbor::Array(..) | Cbor::Map(..) => set(&|n| match n {
                Cbor::Str(_, _, f) | Cbor::Array(_, f) | Cbor::Map(_, f) => *f = Form::Indefinite,
                _ => {}
            }),
            _ => {}
        }
        match &node {
            Cbor::Int(major, v, _) => {
                let (major, v) = (*major, *v);
                set(&|n| *n = Cbor::Int(major, v.wrapping_add(1), Form::Shortest));
                set(&|n| *n = Cbor::Int(1 - major, v, Form::Shortest));
            }
            Cbor::Str(major, data, _) => {
                let (major, data) = (*major, data.clone());
                if let Some(&last) = data.last() {
                    let mut flipped = data.clone();
                    *flipped.last_mut().unwrap() = last ^ 0x01;
                    set(&|n| *n = Cbor::Str(major, flipped.clone(), Form::Shortest));
                    let cut = data[..data.len() - 1].to_vec();
                    set(&|n| *n = Cbor::Str(major, cut.clone(), Form::Shortest));
                    if data[0].is_ascii_lowercase() {
                        let mut upper = data.clone();
                        upper[0] = upper[0].to_ascii_uppercase();
                        set(&|n| *n = Cbor::Str(major, upper.clone(), Form::Shortest));
                    }
                }
                let longer = [&data[..], b"x"].concat();
                set(&|n| *n = Cbor::Str(major, longer.clone(), Form::Shortest));
                // Text as bytes and bytes as text (invalid UTF-8 too).
                set(&|n| *n = Cbor::Str(5 - major, data.clone(), Form::Shortest));
                if major == 3 {
                    let bad = [&data[..], &[0xff]].concat();
                    set(&|n| *n = Cbor::Str(3, bad.clone(), Form::Shortest));
                }
            }
            Cbor::Tag(number, inner, _) => {
                let (number, inner) = (*number, inner.clone());
                set(&|n| *n = Cbor::Tag(number + 1, inner.clone(), Form::Shortest));
                set(&|n| *n = (*inner).clone());
            }
            Cbor::Array(..) => {
                set(&|n| {
                    if let Cbor::Array(items, _) = n {
                        items.push(Cbor::Simple(vec![0xf6]));
                    }
                });
                set(&|n| {
                    if let Cbor::Array(items, _) = n
                        && let Some(first) = items.first().cloned()
                    {
                        items.push(first);
                    }
                });
            }
            Cbor::Map(..) => {
                for (k, v) in [
                    (int(99), text("x")),
                    (text("x"), int(1)),
                    (Cbor::Int(1, 99, Form::Shortest), Cbor::Simple(vec![0xf6])),
                ] {
                    set(&|n| {
                        if let Cbor::Map(pairs, _) = n {
                            pairs.push((k.clone(), v.clone()));
                        }
                    });
                }
                // The first pair moved to the end (CBOR maps have no order; go-cose's decoder
                // does not insist on one).
                set(&|n| {
                    if let Cbor::Map(pairs, _) = n
                        && !pairs.is_empty()
                    {
                        let first = pairs.remove(0);
                        pairs.push(first);
                    }
                });
            }
            Cbor::Simple(_) => {}
        }
        // Deleted and repeated, where the parent is an array or a map (a key takes its value).
        if let Some((&last, parent_path)) = path.split_last() {
            let parent = at(&mut root.clone(), parent_path).clone();
            let edit_parent = |f: &dyn Fn(&mut Cbor)| {
                let mut t = root.clone();
                f(at(&mut t, parent_path));
                (t, path.clone())
            };
            match parent {
                Cbor::Array(..) => {
                    out.push(edit_parent(&|p| {
                        if let Cbor::Array(items, _) = p {
                            items.remove(last);
                        }
                    }));
                    out.push(edit_parent(&|p| {
                        if let Cbor::Array(items, _) = p {
                            items.insert(last, items[last].clone());
                        }
                    }));
                }
                Cbor::Map(..) if last % 2 == 0 => {
                    out.push(edit_parent(&|p| {
                        if let Cbor::Map(pairs, _) = p {
                            pairs.remove(last / 2);
                        }
                    }));
                    out.push(edit_parent(&|p| {
                        if let Cbor::Map(pairs, _) = p {
                            pairs.insert(last / 2, pairs[last / 2].clone());
                        }
                    }));
                }
                _ => {}
            }
        }
    }
    out
}

/// The length of what follows an item's head (its content and children).
fn cbor_body_len(item: &Cbor) -> usize {
    match item {
        Cbor::Str(_, d, _) => d.len(),
        Cbor::Array(items, _) => items.iter().map(|i| cbor(i).len()).sum(),
        Cbor::Map(pairs, _) => pairs
            .iter()
            .map(|(k, v)| cbor(k).len() + cbor(v).len())
            .sum(),
        Cbor::Tag(_, inner, _) => cbor(inner).len(),
        _ => 0,
    }
}

/// The `COSE_Sign1` array of an envelope (tagged or not).
fn sign1(envelope: &mut Cbor) -> Option<&mut Vec<Cbor>> {
    match envelope {
        Cbor::Tag(18, inner, _) => sign1(inner),
        Cbor::Array(items, _) => Some(items),
        _ => None,
    }
}

/// Signs `envelope` again when it still has the shape of a `COSE_Sign1` (byte string
/// protected header, payload and signature).
fn cose_resign(mut envelope: Cbor) -> Vec<u8> {
    if let Some(items) = sign1(&mut envelope)
        && let [
            Cbor::Str(2, protected, _),
            _,
            Cbor::Str(2, payload, _),
            Cbor::Str(2, sig, _),
        ] = &mut items[..]
    {
        let to_be_signed = cbor(&Cbor::Array(
            vec![
                text("Signature1"),
                Cbor::Str(2, protected.clone(), Form::Shortest),
                Cbor::Str(2, Vec::new(), Form::Shortest),
                Cbor::Str(2, payload.clone(), Form::Shortest),
            ],
            Form::Shortest,
        ));
        *sig = es256(&to_be_signed);
    }
    cbor(&envelope)
}

fn cose_envelope(scheme: SigningScheme) -> Vec<u8> {
    let unsigned =
        notary_envelope_cose::prepare(&request(scheme), notary_core::KeySpec::EcP256).unwrap();
    let input = unsigned.signing_input().to_vec();
    unsigned.finish(raw(&input)).unwrap()
}

fn cose_mutants(scheme: SigningScheme) -> Vec<Vec<u8>> {
    let base = cose_envelope(scheme);
    let root = decode_all(&base);
    let mut out = vec![base.clone()];
    // Paths of the array's items under tag 18.
    const SIGNATURE: [usize; 2] = [0, 3];
    for (m, path) in cbor_mutants(&root) {
        if path.starts_with(&SIGNATURE) {
            out.push(cbor(&m));
        } else {
            out.push(cose_resign(m));
        }
    }
    // The protected header's own items.
    let mut r = root.clone();
    let Cbor::Str(2, protected, _) = &sign1(&mut r).unwrap()[0] else {
        panic!("protected header")
    };
    let inner = decode_all(protected);
    for (m, _) in cbor_mutants(&inner) {
        let mut t = root.clone();
        sign1(&mut t).unwrap()[0] = Cbor::Str(2, cbor(&m), Form::Shortest);
        out.push(cose_resign(t));
    }
    // The whole: trailing bytes, cut short, x5chain as a lone byte string (RFC 9360 allows it
    // for one certificate) and without the root.
    out.push([&base[..], &[0x00]].concat());
    out.push(base[..base.len() - 1].to_vec());
    let x5chain = |f: &dyn Fn(&mut Cbor)| {
        let mut t = root.clone();
        if let Cbor::Map(pairs, _) = &mut sign1(&mut t).unwrap()[1] {
            for (k, v) in pairs {
                if *k == int(33) {
                    f(v);
                }
            }
        }
        cose_resign(t)
    };
    let leaf = chain().remove(0);
    out.push(x5chain(&|v| {
        *v = Cbor::Str(2, leaf.clone(), Form::Shortest)
    }));
    out.push(x5chain(&|v| {
        if let Cbor::Array(items, _) = v {
            items.truncate(1);
        }
    }));
    out.push(x5chain(&|v| {
        if let Cbor::Array(items, _) = v {
            items.reverse();
        }
    }));
    out
}

/// The two schemes' envelopes: mutants directory and Go's answers.
const SCHEMES: [(SigningScheme, &str); 2] = [
    (SigningScheme::X509, ""),
    (SigningScheme::X509SigningAuthority, "-sa"),
];

/// Compares the mutants of `media` envelopes of both schemes with Go's answers.
fn compare_envelopes(
    media: EnvelopeMediaType,
    mutants: fn(SigningScheme) -> Vec<Vec<u8>>,
    min_mutants: usize,
) {
    let format = media.format_name();
    for (scheme, suffix) in SCHEMES {
        let all = unique(mutants(scheme), &format!("{format}{suffix}"));
        for x509 in verifiers() {
            assert_eq!(check(&x509, media, &all[0]).0, "OK", "the base envelope");
            let accepted = compare(
                &all,
                &format!("{format}{suffix}-go1.26.8.txt"),
                |m| check(&x509, media, m),
                deliberate,
            );
            assert!(
                all.len() > min_mutants && accepted > 100,
                "{scheme:?}: {} {accepted}",
                all.len()
            );
        }
    }
}

#[test]
fn cose_envelope_mutants_verify_as_notation_go_verifies_them() {
    compare_envelopes(EnvelopeMediaType::Cose, cose_mutants, 700);
}

// ---- JSON ---------------------------------------------------------------------------------

#[derive(Clone, PartialEq, Debug)]
enum Json {
    /// A literal, number or any other text, written as it is.
    Raw(String),
    /// A string, as written between its quotes (escapes kept).
    Str(String),
    Arr(Vec<Json>),
    /// Members with their names as written between quotes.
    Obj(Vec<(String, Json)>),
}

fn json(v: &Json) -> String {
    match v {
        Json::Raw(t) => t.clone(),
        Json::Str(s) => format!("\"{s}\""),
        Json::Arr(items) => format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(",")),
        Json::Obj(members) => format!(
            "{{{}}}",
            members
                .iter()
                .map(|(k, v)| format!("\"{k}\":{}", json(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Parses compact JSON as the encoders write it (no white space).
fn parse_json(t: &[u8], at: &mut usize) -> Json {
    let string = |at: &mut usize| {
        let start = *at + 1;
        let mut i = start;
        while t[i] != b'"' {
            i += if t[i] == b'\\' { 2 } else { 1 };
        }
        *at = i + 1;
        String::from_utf8(t[start..i].to_vec()).unwrap()
    };
    match t[*at] {
        b'"' => Json::Str(string(at)),
        b'[' => {
            *at += 1;
            let mut items = Vec::new();
            while t[*at] != b']' {
                items.push(parse_json(t, at));
                if t[*at] == b',' {
                    *at += 1;
                }
            }
            *at += 1;
            Json::Arr(items)
        }
        b'{' => {
            *at += 1;
            let mut members = Vec::new();
            while t[*at] != b'}' {
                let k = string(at);
                assert_eq!(t[*at], b':');
                *at += 1;
                members.push((k, parse_json(t, at)));
                if t[*at] == b',' {
                    *at += 1;
                }
            }
            *at += 1;
            Json::Obj(members)
        }
        _ => {
            let start = *at;
            while !matches!(t[*at], b',' | b']' | b'}') {
                *at += 1;
            }
            Json::Raw(String::from_utf8(t[start..*at].to_vec()).unwrap())
        }
    }
}

fn parse_json_all(t: &[u8]) -> Json {
    let mut at = 0;
    let v = parse_json(t, &mut at);
    assert_eq!(at, t.len());
    assert_eq!(json(&v).as_bytes(), t, "the input is compact JSON");
    v
}

impl Tree for Json {
    /// Array items and member values.
    fn children_mut(&mut self) -> Vec<&mut Self> {
        match self {
            Json::Arr(items) => items.iter_mut().collect(),
            Json::Obj(members) => members.iter_mut().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        }
    }
}

/// A name or string as written, with its first character changed by `f` (if ASCII).
fn first_char(s: &str, f: impl Fn(char) -> Option<String>) -> Option<String> {
    let c = s.chars().next()?;
    if !c.is_ascii_alphanumeric() {
        return None;
    }
    Some(format!("{}{}", f(c)?, &s[1..]))
}

/// The mutants of `root`, each with the path of the value it changed.
fn json_mutants(root: &Json) -> Vec<(Json, Vec<usize>)> {
    let raw = |t: &str| Json::Raw(t.to_string());
    let replacements = [
        raw("null"),
        raw("true"),
        raw("false"),
        raw("0"),
        Json::Str(String::new()),
        Json::Arr(Vec::new()),
        Json::Obj(Vec::new()),
    ];
    let paths = paths(root);
    let mut out = Vec::new();
    for path in paths {
        let node = at(&mut root.clone(), &path).clone();
        let mut set = |f: &dyn Fn(&mut Json)| {
            let mut t = root.clone();
            f(at(&mut t, &path));
            out.push((t, path.clone()));
        };
        for r in &replacements {
            if *r != node {
                set(&|n| *n = r.clone());
            }
        }
        // The same value with white space around it.
        set(&|n| *n = Json::Raw(format!(" \n{}\t ", json(n))));
        match &node {
            Json::Str(s) => {
                let mut variants = vec![
                    format!("{s}x"),
                    format!("{s}="),
                    format!("{s}\\u0000"),
                    format!("{s}\\ud800"),
                    format!("{s}\\/"),
                ];
                if !s.is_empty() && !s.ends_with('\\') {
                    variants.push(s[..s.len() - 1].to_string());
                    if let Some(c) = s.chars().last().filter(char::is_ascii_alphanumeric) {
                        let flipped = char::from(c as u8 ^ 0x01);
                        if flipped.is_ascii_alphanumeric() {
                            variants.push(format!("{}{flipped}", &s[..s.len() - 1]));
                        }
                    }
                }
                variants.extend(first_char(s, |c| Some(format!("\\u{:04x}", c as u32))));
                variants.extend(first_char(s, |c| {
                    c.is_ascii_lowercase()
                        .then(|| c.to_ascii_uppercase().to_string())
                }));
                for v in variants {
                    set(&|n| *n = Json::Str(v.clone()));
                }
            }
            Json::Raw(t) if t.parse::<i64>().is_ok() => {
                let n: i64 = t.parse().unwrap();
                for v in [
                    format!("{n}.0"),
                    format!("{n}e0"),
                    format!("{}", n + 1),
                    format!("-{n}"),
                    format!("\"{n}\""),
                    "1e999".to_string(),
                ] {
                    set(&|x| *x = Json::Raw(v.clone()));
                }
            }
            Json::Arr(..) => {
                set(&|n| {
                    if let Json::Arr(items) = n {
                        items.push(Json::Raw("null".into()));
                    }
                });
            }
            Json::Obj(members) => {
                let first = members.first().cloned();
                set(&|n| {
                    if let Json::Obj(m) = n {
                        m.push(("x".into(), Json::Raw("1".into())));
                    }
                });
                if let Some((k, v)) = first {
                    // The first member again, in another case, and after the others.
                    if let Some(upper) = first_char(&k, |c| {
                        c.is_ascii_lowercase()
                            .then(|| c.to_ascii_uppercase().to_string())
                    }) {
                        set(&|n| {
                            if let Json::Obj(m) = n {
                                m.push((upper.clone(), v.clone()));
                            }
                        });
                    }
                    set(&|n| {
                        if let Json::Obj(m) = n {
                            let f = m.remove(0);
                            m.push(f);
                        }
                    });
                }
            }
            Json::Raw(_) => {}
        }
        // Deleted and repeated, where the parent is an array or an object.
        if let Some((&last, parent_path)) = path.split_last() {
            let mut t = root.clone();
            let parent = at(&mut t, parent_path);
            let mut deleted = parent.clone();
            let mut repeated = parent.clone();
            match (&mut deleted, &mut repeated) {
                (Json::Arr(a), Json::Arr(b)) => {
                    a.remove(last);
                    b.insert(last, b[last].clone());
                }
                (Json::Obj(a), Json::Obj(b)) => {
                    a.remove(last);
                    b.insert(last, b[last].clone());
                }
                _ => {}
            }
            for p in [deleted, repeated] {
                let mut t = root.clone();
                *at(&mut t, parent_path) = p;
                out.push((t, path.clone()));
            }
        }
    }
    out
}

/// The mutants of the compact JSON document `base`: itself first, each of [`json_mutants`],
/// then `base` followed by `after` and `base` cut short by one byte.
pub(crate) fn document_mutants(base: &[u8], after: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![base.to_vec()];
    out.extend(
        json_mutants(&parse_json_all(base))
            .into_iter()
            .map(|(m, _)| json(&m).into_bytes()),
    );
    out.push([base, after].concat());
    out.push(base[..base.len() - 1].to_vec());
    out
}

/// The index of member `name` of an object, when it is the only one of that name.
fn member_at(v: &Json, name: &str) -> Option<usize> {
    let Json::Obj(members) = v else { return None };
    let mut found = members
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| k == name)
        .map(|(i, _)| i);
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The value of member `name` of an object (the only one of that name), as written.
fn member<'a>(v: &'a mut Json, name: &str) -> Option<&'a mut Json> {
    let i = member_at(v, name)?;
    match v {
        Json::Obj(members) => members.get_mut(i).map(|(_, v)| v),
        _ => None,
    }
}

/// A JSON string's value, when it is a valid string.
fn string_value(s: &str) -> Option<String> {
    serde_json::from_str::<String>(&format!("\"{s}\"")).ok()
}

/// Signs `envelope` again when it still has one `protected`, `payload` and `signature` string.
fn jws_resign(mut envelope: Json) -> Vec<u8> {
    let input = match (
        member(&mut envelope, "protected").cloned(),
        member(&mut envelope, "payload").cloned(),
    ) {
        (Some(Json::Str(p)), Some(Json::Str(d))) => string_value(&p)
            .zip(string_value(&d))
            .map(|(p, d)| format!("{p}.{d}")),
        _ => None,
    };
    if let Some(input) = input
        && let Some(Json::Str(sig)) = member(&mut envelope, "signature")
    {
        *sig = B64.encode(es256(input.as_bytes()));
    }
    json(&envelope).into_bytes()
}

fn jws_envelope(scheme: SigningScheme) -> Vec<u8> {
    let unsigned =
        notary_envelope_jws::prepare(&request(scheme), notary_core::KeySpec::EcP256).unwrap();
    let input = unsigned.signing_input().to_vec();
    unsigned.finish(raw(&input)).unwrap()
}

fn jws_mutants(scheme: SigningScheme) -> Vec<Vec<u8>> {
    let base = jws_envelope(scheme);
    let root = parse_json_all(&base);
    let mut out = vec![base.clone()];
    let signature_at = member_at(&root, "signature").expect("one signature member");
    for (m, path) in json_mutants(&root) {
        if path.first() == Some(&signature_at) {
            out.push(json(&m).into_bytes());
        } else {
            out.push(jws_resign(m));
        }
    }
    // The protected header's and the payload's own values, encoded again.
    for field in ["protected", "payload"] {
        let Some(Json::Str(b64)) = member(&mut root.clone(), field).cloned() else {
            panic!("{field}")
        };
        let inner = parse_json_all(&B64.decode(b64).unwrap());
        for (m, _) in json_mutants(&inner) {
            let mut t = root.clone();
            *member(&mut t, field).unwrap() = Json::Str(B64.encode(json(&m)));
            out.push(jws_resign(t));
        }
    }
    // The whole: trailing text, cut short.
    out.push([&base[..], b" x"].concat());
    out.push(base[..base.len() - 1].to_vec());
    out
}

#[test]
fn jws_envelope_mutants_verify_as_notation_go_verifies_them() {
    compare_envelopes(EnvelopeMediaType::Jws, jws_mutants, 400);
}
