//! `inspect`: what a signature says about itself, in notation's JSON shape and tree view.
//! Nothing here is verified; the output is for people and pipelines that want to see the
//! content.
//!
//! The JSON is byte for byte what `notation inspect -o json` prints (members in notation's
//! order, two-space indent, Go's escaping of `<`, `>`, `&`), and the tree is notation's tree
//! (signed attributes in its order, times in Go's `ANSIC` layout), with control characters in
//! labels written as escapes. Values are shown as Go shows them: extended attributes as
//! `fmt.Sprint` prints what Go decoded them into, and COSE times in the local time zone (`TZ`,
//! else `/etc/localtime`), JWS times in the offset they were written with.

use std::collections::BTreeMap;

use notary_core::{
    AttributeValue, Descriptor, PAYLOAD_MEDIA_TYPE, Payload, SignatureRepository, SigningScheme,
    timefmt,
};
use notary_x509::Certificate;
use serde::{Serialize, Serializer};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::Error;
use notary_core::EnvelopeMediaType;
use notary_verifier::UnverifiedEnvelope;

/// One certificate as `inspect` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertificateSummary {
    /// Lowercase hex SHA-256 of the DER certificate.
    #[serde(rename = "SHA256Fingerprint")]
    pub sha256_fingerprint: String,
    /// Subject, Go rendering.
    #[serde(rename = "issuedTo")]
    pub issued_to: String,
    /// Issuer, Go rendering.
    #[serde(rename = "issuedBy")]
    pub issued_by: String,
    /// NotAfter, RFC 3339 UTC.
    pub expiry: String,
}

impl CertificateSummary {
    /// Summarises a parsed certificate.
    pub fn of(c: &Certificate) -> Self {
        Self {
            sha256_fingerprint: notary_x509::X509Verifier::new(crate::default_provider())
                .sha256_fingerprint(c),
            issued_to: c.subject_string(),
            issued_by: c.issuer_string(),
            expiry: timefmt::format_rfc3339(c.not_after()).unwrap_or_default(),
        }
    }
}

/// The timestamp countersignature as `inspect` shows it: its time range and certificates, or
/// why it could not be read.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimestampInspection {
    /// The earliest and latest time (genTime minus and plus accuracy); in JSON the member
    /// `timestamp`, `[earliest, latest]` in RFC 3339 with nanoseconds.
    #[serde(
        rename = "timestamp",
        skip_serializing_if = "Option::is_none",
        serialize_with = "range_text"
    )]
    pub range: Option<(OffsetDateTime, OffsetDateTime)>,
    /// Certificates carried in the token.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateSummary>,
    /// Why the token could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TimestampInspection {
    /// Reads a timestamp token (DER), fingerprints hashed by the default provider.
    pub fn of(token: &[u8]) -> Self {
        Self::read(token, None)
    }

    /// [`TimestampInspection::of`] for the countersignature of `signature`: a token whose
    /// message imprint is not the hash of `signature` is shown as an error, as notation shows
    /// it (the token belongs to another signature).
    pub fn of_countersignature(token: &[u8], signature: &[u8]) -> Self {
        Self::read(token, Some(signature))
    }

    fn read(token: &[u8], signature: Option<&[u8]>) -> Self {
        let failed = |e: &dyn std::fmt::Display| Self {
            error: Some(format!("failed to parse timestamp countersignature: {e}")),
            ..Self::default()
        };
        if token.is_empty() {
            // As Go's BER reader words it.
            return failed(
                &"cms: syntax error: invalid signed data: failed to convert from BER to DER: asn1: syntax error: BER-encoded ASN.1 data structures is empty",
            );
        }
        let t = match notary_timestamp::TimestampToken::parse(token) {
            Ok(t) => t,
            Err(e) => return failed(&e),
        };
        if let Some(signature) = signature {
            let (alg, imprint) = t.message_imprint();
            let hashed = crate::default_provider()
                .hashing
                .hash(notary_core::crypto::HashFunction::from(alg), signature);
            if hashed != imprint {
                // notation's words (tspclient-go) for a token of another signature.
                return failed(&"invalid TSTInfo: mismatched message");
            }
        }
        let (a, b) = t.timestamp_range();
        Self {
            range: Some((a, b)),
            certificates: t
                .certificates()
                .iter()
                .map(CertificateSummary::of)
                .collect(),
            error: None,
        }
    }
}

/// Unsigned attributes as `inspect` shows them.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnsignedInspection {
    /// The signing agent, when the envelope names one (an empty one is not shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_agent: Option<String>,
    /// The timestamp countersignature, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_signature: Option<TimestampInspection>,
}

/// The platform member of a descriptor, in Go's member order.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformInspection {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// Operating system version.
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    /// Operating system features.
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

/// The signed descriptor as `inspect` shows it (its annotations are the user defined
/// attributes), members in Go's order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SignedArtifactInspection {
    /// Media type.
    pub media_type: String,
    /// Digest.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
    /// Alternate locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Embedded content (base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformInspection>,
    /// Artifact type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl SignedArtifactInspection {
    fn of(d: &Descriptor) -> Result<Self, Error> {
        let platform = match &d.platform {
            None | Some(Value::Null) => None,
            Some(p) => Some(serde_json::from_value(p.clone()).map_err(|e| {
                notary_core::Error::InvalidPayload {
                    reason: format!("targetArtifact.platform: {e}"),
                }
            })?),
        };
        Ok(Self {
            media_type: d.media_type.clone(),
            digest: d.digest.to_string(),
            size: d.size,
            urls: d.urls.clone().unwrap_or_default(),
            data: d.data.clone().filter(|s| !s.is_empty()),
            platform,
            artifact_type: d.artifact_type.clone().filter(|s| !s.is_empty()),
        })
    }
}

/// One signature as `inspect` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SignatureInspection {
    /// Digest of the signature manifest (OCI only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Signature algorithm name (`RSASSA-PSS-SHA-256`, ...).
    pub signature_algorithm: String,
    /// Envelope media type.
    pub signature_envelope_type: String,
    /// Signed attributes as (name, value) in notation's order: content type, signing scheme,
    /// signing time, expiry, then the envelope's extended attributes as they come. In JSON an
    /// object sorted by name (a later entry of the same name wins, as in notation's map).
    #[serde(serialize_with = "sorted_map")]
    pub signed_attributes: Vec<(String, String)>,
    /// How many of `signed_attributes` are the ones notation names itself (the rest are the
    /// envelope's extended attributes, shown under their own names whatever they are).
    #[serde(skip)]
    pub known_attributes: usize,
    /// Annotations of the signed descriptor (user metadata); `None` (JSON null) when the
    /// payload has none, an empty map when it has an empty object.
    pub user_defined_attributes: Option<BTreeMap<String, String>>,
    /// Unsigned attributes.
    pub unsigned_attributes: UnsignedInspection,
    /// The certificate chain, leaf first.
    pub certificates: Vec<CertificateSummary>,
    /// The signed descriptor, without its annotations.
    pub signed_artifact: SignedArtifactInspection,
}

fn range_text<S: Serializer>(
    range: &Option<(OffsetDateTime, OffsetDateTime)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match range {
        Some((a, b)) => s.serialize_str(&format!("[{}, {}]", rfc3339_nano(*a), rfc3339_nano(*b))),
        None => s.serialize_none(),
    }
}

fn media_type_of<S: Serializer>(artifact: &Descriptor, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&artifact.media_type)
}

fn sorted_map<S: Serializer>(v: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let map: BTreeMap<&str, &str> = v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    map.serialize(s)
}

/// Renders a timestamp token (DER) for `inspect`.
pub type TimestampRenderer<'a> = &'a dyn Fn(&[u8]) -> TimestampInspection;

/// The names notation's tree view gives the signed attributes it knows.
const SIGNED_LABELS: [(&str, &str); 4] = [
    ("contentType", "content type"),
    ("signingScheme", "signing scheme"),
    ("signingTime", "signing time"),
    ("expiry", "expiry"),
];

/// Inspects one envelope. `timestamp` renders the timestamp countersignature; by default
/// [`TimestampInspection::of`] does.
///
/// Refused, as notation refuses to show them: an envelope that does not parse, a payload of
/// another content type than the Notary payload's, a payload that is not a descriptor, a
/// certificate chain that breaks the Notary chain rules (structure only: validity periods are
/// not checked), or a signature algorithm other than the signing certificate key's. A COSE
/// envelope's times are shown in `zone`.
pub fn inspect_envelope(
    media_type: EnvelopeMediaType,
    bytes: &[u8],
    timestamp: Option<TimestampRenderer<'_>>,
    zone: &TimeZone,
) -> Result<SignatureInspection, Error> {
    let zone = zone.zone();
    let env = UnverifiedEnvelope::parse(media_type, bytes)?;
    let seen = env.inspect()?;
    let info = &seen.signer_info;
    let attrs = &info.signed_attributes;
    if attrs.content_type != PAYLOAD_MEDIA_TYPE {
        return Err(notary_core::Error::InvalidPayload {
            reason: format!(
                "payload content type {:?} not supported",
                notary_core::shown(&attrs.content_type)
            ),
        }
        .into());
    }
    let target = Payload::from_slice(&seen.payload)?.target_artifact;
    let mut signed = vec![
        ("contentType".to_string(), attrs.content_type.clone()),
        (
            "signingScheme".to_string(),
            attrs.signing_scheme.as_str().to_string(),
        ),
    ];
    let time = match attrs.signing_scheme {
        SigningScheme::X509SigningAuthority => attrs.authentic_signing_time,
        _ => attrs.signing_time,
    };
    // Go reads a COSE time (tag 1) as local time and keeps a JWS time's own offset.
    let cose = seen.media_type == EnvelopeMediaType::Cose;
    let shown_time = |t: OffsetDateTime| if cose { in_zone(zone, t) } else { t };
    if let Some(t) = time {
        signed.push(("signingTime".to_string(), rfc3339_nano(shown_time(t))));
    }
    if let Some(t) = attrs.expiry {
        signed.push(("expiry".to_string(), rfc3339_nano(shown_time(t))));
    }
    let known_attributes = signed.len();
    for a in &attrs.extended_attributes {
        signed.push((a.key.to_string(), attribute_text(&a.value, cose, zone)));
    }
    let unsigned = UnsignedInspection {
        signing_agent: info
            .unsigned_attributes
            .signing_agent
            .clone()
            .filter(|a| !a.is_empty()),
        timestamp_signature: info
            .unsigned_attributes
            .timestamp_signature
            .as_ref()
            .map(|tok| match timestamp {
                Some(f) => f(tok),
                None => TimestampInspection::of_countersignature(tok, &info.signature),
            }),
    };
    let chain = info
        .certificate_chain
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<Result<Vec<_>, _>>()?;
    // notation shows no envelope whose chain breaks the Notary chain rules (its envelope
    // reader checks the structure, not the validity period).
    notary_x509::X509Verifier::new(crate::default_provider())
        .validate_code_signing_chain(&chain, None)?;
    // Nor one whose algorithm is not the one of its signing certificate's key.
    if let Some(leaf) = chain.first() {
        let spec = leaf.key_spec()?;
        if spec.signature_algorithm() != info.signature_algorithm {
            return Err(notary_x509::Error::KeyAlgorithmMismatch {
                algorithm: info.signature_algorithm.name().to_string(),
                key: spec.to_string(),
            }
            .into());
        }
    }
    let certificates = chain.iter().map(CertificateSummary::of).collect();
    Ok(SignatureInspection {
        digest: None,
        signature_algorithm: info.signature_algorithm.name().to_string(),
        signature_envelope_type: seen.media_type.as_str().to_string(),
        signed_attributes: signed,
        known_attributes,
        user_defined_attributes: target.annotations.clone(),
        unsigned_attributes: unsigned,
        certificates,
        signed_artifact: SignedArtifactInspection::of(&target)?,
    })
}

/// An extended attribute's value as notation shows it: `fmt.Sprint` of what Go decoded it
/// into (float64 for every JSON number, `<nil>` for null, `[a b]` for arrays and byte strings,
/// `map[k:v]` for objects and maps, `Time.String()` for CBOR times).
fn attribute_text(v: &AttributeValue, cose: bool, zone: Option<&Zone>) -> String {
    match v {
        AttributeValue::Text(s) => s.clone(),
        AttributeValue::Int(i) if cose => i.to_string(),
        // JSON numbers are float64 in Go, so 2^53 + 1 is 9.007199254740992e+15.
        #[allow(clippy::cast_precision_loss)]
        AttributeValue::Int(i) => gofmt::float(*i as f64),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Bytes(b) => format!(
            "[{}]",
            b.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
        ),
        AttributeValue::Json(j) => {
            serde_json::from_str::<Value>(j).map_or_else(|_| j.clone(), |v| gofmt::json(&v))
        }
        AttributeValue::Cbor(c) => gofmt::cbor(c, zone).unwrap_or_else(|| hex::encode(c)),
        _ => String::new(),
    }
}

/// A signature `inspect` could not show, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedSignature {
    /// Digest of the signature manifest.
    pub digest: String,
    /// Why (the envelope could not be fetched, parsed or read as a Notary payload).
    pub reason: String,
    /// The envelope could not be fetched (rather than read).
    pub unfetched: bool,
}

/// Every signature of an artifact as `inspect` shows them: `{"mediaType": ..., "signatures":
/// [...]}` in JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ArtifactInspection {
    /// The artifact's descriptor, as resolved; in JSON the member `mediaType`, its media type.
    #[serde(rename = "mediaType", serialize_with = "media_type_of")]
    pub artifact: Descriptor,
    /// The signatures that could be read, in listing order.
    pub signatures: Vec<SignatureInspection>,
    /// The signatures that could not be fetched or read (notation warns about each and fails
    /// the command after printing the others).
    #[serde(skip)]
    pub skipped: Vec<SkippedSignature>,
    /// More signatures exist than the limit that was asked for.
    #[serde(skip)]
    pub exceeded_limit: bool,
}

/// Inspects the signatures of an artifact, at most `max_signatures` of them. A signature that
/// cannot be fetched or read does not fail the others: it is listed in
/// [`ArtifactInspection::skipped`].
pub async fn inspect_artifact<R: SignatureRepository + ?Sized>(
    repository: &R,
    reference: &str,
    max_signatures: usize,
    zone: &TimeZone,
) -> Result<ArtifactInspection, String> {
    let artifact: Descriptor = repository
        .resolve(reference)
        .await
        .map_err(|e| format!("{}: {e}", crate::artifact::RESOLVE_FAILED))?;
    let mut list = repository
        .list_signatures(&artifact, max_signatures.saturating_add(1))
        .await
        .map_err(|e| e.to_string())?;
    // One more than asked for tells whether there were more (notation warns then).
    let exceeded_limit = list.len() > max_signatures;
    list.truncate(max_signatures);
    let mut out = ArtifactInspection {
        artifact,
        signatures: Vec::new(),
        skipped: Vec::new(),
        exceeded_limit,
    };
    for manifest in list {
        let digest = manifest.digest.to_string();
        match repository.fetch_signature(&manifest).await {
            Ok(f) => match inspect_envelope(f.envelope_media_type, &f.envelope, None, zone) {
                Ok(mut s) => {
                    s.digest = Some(digest);
                    out.signatures.push(s);
                }
                Err(e) => out.skipped.push(SkippedSignature {
                    digest,
                    reason: e.to_string(),
                    unfetched: false,
                }),
            },
            Err(e) => out.skipped.push(SkippedSignature {
                digest,
                reason: e.to_string(),
                unfetched: true,
            }),
        }
    }
    Ok(out)
}

/// `value` as notation prints JSON: two-space indent, `<`, `>`, `&`, U+2028 and U+2029
/// escaped as Go's encoder escapes them, and a final newline.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct S { a: &'static str }
/// assert_eq!(notary::inspect::to_notation_json(&S { a: "<x>" }).unwrap(), "{\n  \"a\": \"\\u003cx\\u003e\"\n}\n");
/// ```
pub fn to_notation_json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    // Outside strings pretty JSON holds only punctuation, digits, literals and whitespace, so
    // a textual pass escapes exactly the characters inside strings.
    let text = serde_json::to_string_pretty(value)?;
    let mut out = notary_core::go_json_escape(&text);
    out.push('\n');
    Ok(out)
}

/// Go's `time.RFC3339Nano` (see [`timefmt::format_rfc3339_nano`]).
pub fn rfc3339_nano(t: OffsetDateTime) -> String {
    timefmt::format_rfc3339_nano(t)
}

/// Go's `time.ANSIC` layout notation uses in tree output (`Tue Jan 21 09:17:46 2025`), in the
/// time's own offset.
pub fn ansic(t: OffsetDateTime) -> String {
    timefmt::format_ansic(t)
}

/// [`ansic`] of an RFC 3339 text; the text itself when it does not parse.
pub fn ansic_of(rfc3339: &str) -> String {
    timefmt::parse_rfc3339(rfc3339).map_or_else(|_| rfc3339.to_string(), ansic)
}

/// A node of notation's tree view: a label and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Node {
    /// The text of the node.
    pub label: String,
    /// Its children, in order.
    pub children: Vec<Node>,
}

impl Node {
    /// A node without children.
    pub fn leaf(label: impl Into<String>) -> Self {
        Self::new(label, Vec::new())
    }

    /// A node with children.
    pub fn new(label: impl Into<String>, children: Vec<Node>) -> Self {
        Self {
            label: label.into(),
            children,
        }
    }

    /// The tree as notation prints it (`├── `, `└── `, `│   `), control characters in labels
    /// written as escapes ([`printable`]).
    ///
    /// ```
    /// use notary::inspect::Node;
    /// let t = Node::new("root", vec![Node::leaf("a"), Node::new("b", vec![Node::leaf("c")])]);
    /// assert_eq!(t.render(), "root\n├── a\n└── b\n    └── c\n");
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", printable(&self.label));
        render_children(&self.children, "", &mut out);
        out
    }
}

fn render_children(children: &[Node], prefix: &str, out: &mut String) {
    for (i, c) in children.iter().enumerate() {
        let last = i.saturating_add(1) == children.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&printable(&c.label));
        out.push('\n');
        let next = format!("{prefix}{}", if last { "    " } else { "│   " });
        render_children(&c.children, &next, out);
    }
}

/// `s` with control characters and bidirectional overrides written as escapes (`\u{1b}`): an
/// inspected envelope is not verified, and its strings (annotations, the signing agent, names
/// in certificates) must not move the cursor, rewrite the terminal's title or reorder what is
/// printed around them.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().saturating_add(8));
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn certificates_node(certs: &[CertificateSummary]) -> Node {
    Node::new(
        "certificates",
        certs
            .iter()
            .map(|c| {
                Node::new(
                    format!("SHA256 fingerprint: {}", c.sha256_fingerprint),
                    vec![
                        Node::leaf(format!("issued to: {}", c.issued_to)),
                        Node::leaf(format!("issued by: {}", c.issued_by)),
                        Node::leaf(format!("expiry: {}", ansic_of(&c.expiry))),
                    ],
                )
            })
            .collect(),
    )
}

impl SignatureInspection {
    /// The signature's subtree as notation's tree view shows it, under `label` (the signature
    /// manifest's digest, or the signature file's path for a blob).
    pub fn tree(&self, label: impl Into<String>) -> Node {
        let signed = self
            .signed_attributes
            .iter()
            .enumerate()
            .map(|(i, (k, v))| {
                if i >= self.known_attributes {
                    // An extended attribute, even one named `signingTime`: as it is.
                    return Node::leaf(format!("{k}: {v}"));
                }
                let name = SIGNED_LABELS
                    .iter()
                    .find(|(key, _)| key == k)
                    .map_or(k.as_str(), |(_, label)| label);
                let v = if matches!(k.as_str(), "signingTime" | "expiry") {
                    ansic_of(v)
                } else {
                    v.clone()
                };
                Node::leaf(format!("{name}: {v}"))
            })
            .collect();
        let user = match &self.user_defined_attributes {
            Some(m) if !m.is_empty() => m
                .iter()
                .map(|(k, v)| Node::leaf(format!("{k}: {v}")))
                .collect(),
            _ => vec![Node::leaf("(empty)")],
        };
        let mut unsigned = Vec::new();
        if let Some(a) = &self.unsigned_attributes.signing_agent {
            unsigned.push(Node::leaf(format!("signing agent: {a}")));
        }
        if let Some(ts) = &self.unsigned_attributes.timestamp_signature {
            let children = match (&ts.error, ts.range) {
                (Some(e), _) => vec![Node::leaf(format!("error: {e}"))],
                (None, range) => range
                    .map(|(a, b)| Node::leaf(format!("timestamp: [{}, {}]", ansic(a), ansic(b))))
                    .into_iter()
                    .chain([certificates_node(&ts.certificates)])
                    .collect(),
            };
            unsigned.push(Node::new("timestamp signature", children));
        }
        let art = &self.signed_artifact;
        Node::new(
            label,
            vec![
                Node::leaf(format!("signature algorithm: {}", self.signature_algorithm)),
                Node::leaf(format!(
                    "signature envelope type: {}",
                    self.signature_envelope_type
                )),
                Node::new("signed attributes", signed),
                Node::new("user defined attributes", user),
                Node::new("unsigned attributes", unsigned),
                certificates_node(&self.certificates),
                Node::new(
                    "signed artifact",
                    vec![
                        Node::leaf(format!("media type: {}", art.media_type)),
                        Node::leaf(format!("digest: {}", art.digest)),
                        Node::leaf(format!("size: {}", art.size)),
                    ],
                ),
            ],
        )
    }
}

impl ArtifactInspection {
    /// The text `notation inspect` prints for `reference` (the artifact by digest): a header
    /// line and the tree of every signature that could be read, or `<reference> has no
    /// associated signature` when none could.
    pub fn render_tree(&self, reference: &str) -> String {
        if self.signatures.is_empty() {
            return format!("{} has no associated signature\n", printable(reference));
        }
        let children = self
            .signatures
            .iter()
            .map(|s| s.tree(s.digest.clone().unwrap_or_default()))
            .collect();
        let tree = Node::new(
            reference,
            vec![Node::new(notary_core::SIGNATURE_ARTIFACT_TYPE, children)],
        );
        format!(
            "Inspecting all signatures for signed artifact\n{}",
            tree.render()
        )
    }
}

/// How Go's `fmt.Sprint` shows the values notation prints for extended signed attributes (the
/// values `encoding/json` and the CBOR decoder of notation-core-go give).
mod gofmt {
    use std::fmt::Write as _;

    use notary_envelope_cose::CborItem;
    use time::OffsetDateTime;

    use super::Zone;

    /// `f` as `%v` prints a float64: the shortest digits that read back as `f`, in `%e` form
    /// when the decimal exponent is below -4 or at least 6 (`1e+06`, `1.5e-07`), else plain.
    pub(super) fn float(f: f64) -> String {
        if f.is_nan() {
            return "NaN".into();
        }
        if f.is_infinite() {
            return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
        }
        // Rust's `{:e}` gives the shortest round-tripping digits: `d.ddde<exp>`.
        let sci = format!("{:e}", f.abs());
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let mut out = String::new();
        if f.is_sign_negative() {
            out.push('-');
        }
        if !(-4..6).contains(&exp) {
            let (first, rest) = digits.split_at(1);
            out.push_str(first);
            if !rest.is_empty() {
                out.push('.');
                out.push_str(rest);
            }
            let _ = write!(
                out,
                "e{}{:02}",
                if exp < 0 { '-' } else { '+' },
                exp.unsigned_abs()
            );
            return out;
        }
        let point = exp.saturating_add(1);
        let n = i32::try_from(digits.len()).unwrap_or(i32::MAX);
        if point <= 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat(point.unsigned_abs() as usize));
            out.push_str(&digits);
        } else if point >= n {
            out.push_str(&digits);
            out.push_str(&"0".repeat(point.saturating_sub(n).unsigned_abs() as usize));
        } else {
            let (a, b) = digits.split_at(point.unsigned_abs() as usize);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        }
        out
    }

    /// A JSON value as `fmt.Sprint` shows what `encoding/json` decodes it into: numbers are
    /// float64, null `<nil>`, arrays `[a b]`, objects `map[k:v]` sorted by key.
    pub(super) fn json(v: &serde_json::Value) -> String {
        use serde_json::Value;
        match v {
            Value::Null => "<nil>".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => float(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => s.clone(),
            Value::Array(a) => format!("[{}]", a.iter().map(json).collect::<Vec<_>>().join(" ")),
            Value::Object(o) => {
                let mut entries: Vec<(&String, &Value)> = o.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let items: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v)| format!("{k}:{}", json(v)))
                    .collect();
                format!("map[{}]", items.join(" "))
            }
        }
    }

    /// A CBOR item as notation-core-go's decoder gives it to `fmt.Sprint`.
    #[derive(Debug, Clone, PartialEq)]
    enum Item {
        Uint(u64),
        /// -1 - n.
        Neg(u64),
        /// A bignum (tags 2 and 3, and negative integers past int64): sign and magnitude.
        Big(bool, Vec<u8>),
        Bytes(Vec<u8>),
        Text(String),
        Array(Vec<Item>),
        Map(Vec<(Item, Item)>),
        /// A time (tags 0 and 1): the instant and, for tag 0, the offset it was written with.
        Time(OffsetDateTime, bool),
        Tag(u64, Box<Item>),
        Float(f64),
        Bool(bool),
        Nil,
        Simple(u8),
    }

    /// The item Go's decoder gives for `c`: tags 0 and 1 become times, 2 and 3 bignums,
    /// negative integers past int64 bignums; `None` where Go's decoder fails.
    fn item(c: CborItem) -> Option<Item> {
        Some(match c {
            CborItem::Unsigned(n) => Item::Uint(n),
            CborItem::Negative(n) if n > i64::MAX as u64 => {
                Item::Big(true, u128::from(n).saturating_add(1).to_be_bytes().to_vec())
            }
            CborItem::Negative(n) => Item::Neg(n),
            CborItem::Bytes(b) => Item::Bytes(b),
            CborItem::Text(s) => Item::Text(s),
            CborItem::Array(a) => Item::Array(a.into_iter().map(item).collect::<Option<_>>()?),
            CborItem::Map(m) => Item::Map(
                m.into_iter()
                    .map(|(k, v)| Some((item(k)?, item(v)?)))
                    .collect::<Option<_>>()?,
            ),
            CborItem::Simple(20) => Item::Bool(false),
            CborItem::Simple(21) => Item::Bool(true),
            CborItem::Simple(22 | 23) => Item::Nil,
            CborItem::Simple(s) => Item::Simple(s),
            CborItem::Float(f) => Item::Float(f),
            CborItem::Tag(tag, content) => match (tag, item(*content)?) {
                (0, Item::Text(s)) => {
                    Item::Time(notary_core::timefmt::parse_rfc3339(&s).ok()?, true)
                }
                (1, Item::Uint(n)) => Item::Time(
                    OffsetDateTime::from_unix_timestamp(i64::try_from(n).ok()?).ok()?,
                    false,
                ),
                (1, Item::Neg(n)) => Item::Time(
                    OffsetDateTime::from_unix_timestamp(
                        (-1_i64).checked_sub(i64::try_from(n).ok()?)?,
                    )
                    .ok()?,
                    false,
                ),
                (1, Item::Float(f)) if f.is_finite() => {
                    let secs = f.trunc();
                    #[allow(clippy::cast_possible_truncation)]
                    let nanos = ((f - secs) * 1e9) as i128;
                    #[allow(clippy::cast_possible_truncation)]
                    let total = (secs as i128)
                        .checked_mul(1_000_000_000)?
                        .checked_add(nanos)?;
                    Item::Time(
                        OffsetDateTime::from_unix_timestamp_nanos(total).ok()?,
                        false,
                    )
                }
                (0 | 1, _) => return None,
                (2, Item::Bytes(b)) => Item::Big(false, b),
                (3, Item::Bytes(b)) => {
                    // -1 - n: the magnitude is n + 1.
                    let mut mag = b;
                    let mut carry = true;
                    for byte in mag.iter_mut().rev() {
                        if !carry {
                            break;
                        }
                        let (v, c) = byte.overflowing_add(1);
                        *byte = v;
                        carry = c;
                    }
                    if carry {
                        mag.insert(0, 1);
                    }
                    Item::Big(true, mag)
                }
                (2 | 3, _) => return None,
                (t, c) => Item::Tag(t, Box::new(c)),
            },
            _ => return None,
        })
    }

    /// The CBOR item `raw` as `fmt.Sprint` shows it, or `None` when it does not decode.
    pub(super) fn cbor(raw: &[u8], zone: Option<&Zone>) -> Option<String> {
        let item = item(notary_envelope_cose::decode_item(raw).ok()?)?;
        Some(show(&item, zone))
    }

    /// The order Go's `fmt` prints the keys of a `map[interface{}]interface{}` in: by value
    /// within a type. (Across types it orders by the types' addresses in the binary; here
    /// negative integers come before unsigned ones, then the rest, as notation v1.3.2 does.)
    fn key_rank(k: &Item, zone: Option<&Zone>) -> (u8, i128, String) {
        match k {
            Item::Neg(n) => (0, (-1i128).saturating_sub(i128::from(*n)), String::new()),
            Item::Uint(n) => (1, i128::from(*n), String::new()),
            Item::Text(s) => (2, 0, s.clone()),
            other => (3, 0, show(other, zone)),
        }
    }

    fn show(item: &Item, zone: Option<&Zone>) -> String {
        let show = |i: &Item| show(i, zone);
        match item {
            Item::Uint(n) => n.to_string(),
            Item::Neg(n) => (-1i128).saturating_sub(i128::from(*n)).to_string(),
            Item::Big(neg, mag) => {
                // big.Int's fields: the sign, then the magnitude in 64-bit words, least
                // significant first, without leading zero words.
                let start = mag.iter().position(|b| *b != 0).unwrap_or(mag.len());
                let mag = mag.get(start..).unwrap_or_default();
                let mut words = Vec::new();
                let mut end = mag.len();
                while end > 0 {
                    let begin = end.saturating_sub(8);
                    let w = mag
                        .get(begin..end)
                        .unwrap_or_default()
                        .iter()
                        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                    words.push(w.to_string());
                    end = begin;
                }
                format!("{{{neg} [{}]}}", words.join(" "))
            }
            Item::Bytes(b) => format!(
                "[{}]",
                b.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
            ),
            Item::Text(s) => s.clone(),
            Item::Array(a) => format!("[{}]", a.iter().map(&show).collect::<Vec<_>>().join(" ")),
            Item::Map(entries) => {
                let mut sorted: Vec<&(Item, Item)> = entries.iter().collect();
                sorted.sort_by_key(|(k, _)| key_rank(k, zone));
                let items: Vec<String> = sorted
                    .into_iter()
                    .map(|(k, v)| format!("{}:{}", show(k), show(v)))
                    .collect();
                format!("map[{}]", items.join(" "))
            }
            Item::Time(t, written) => time_string(*t, *written, zone),
            Item::Tag(n, c) => format!("{{{n} {}}}", show(c)),
            Item::Float(f) => float(*f),
            Item::Bool(b) => b.to_string(),
            Item::Nil => "<nil>".into(),
            Item::Simple(s) => s.to_string(),
        }
    }

    /// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`. A time read from text
    /// (`written`) keeps its offset, named `UTC` when zero, by the local zone's abbreviation when
    /// the local zone has that offset then, else by the offset; any other time is local time.
    fn time_string(t: OffsetDateTime, written: bool, zone: Option<&Zone>) -> String {
        let (t, name) = if written {
            let off = t.offset().whole_seconds();
            let name = match super::offset_in(zone, t.unix_timestamp()) {
                _ if off == 0 => "UTC".to_string(),
                (o, abbr) if o == off => abbr,
                _ => offset_text(off),
            };
            (t, name)
        } else {
            let (_, abbr) = super::offset_in(zone, t.unix_timestamp());
            (super::in_zone(zone, t), abbr)
        };
        let mut s = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        if t.nanosecond() != 0 {
            let frac = format!("{:09}", t.nanosecond());
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        let _ = write!(s, " {} {name}", offset_text(t.offset().whole_seconds()));
        s
    }

    /// `-0700` (seconds of the offset are left out, as Go's layout does).
    fn offset_text(secs: i32) -> String {
        let sign = if secs < 0 { '-' } else { '+' };
        let a = secs.unsigned_abs();
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn floats_as_go_prints_them() {
            for (f, s) in [
                (42.0, "42"),
                (3.25, "3.25"),
                (1e-7, "1e-07"),
                (1e20, "1e+20"),
                (1e21, "1e+21"),
                (1_234_567.0, "1.234567e+06"),
                (123_456.0, "123456"),
                (9_007_199_254_740_993.0, "9.007199254740992e+15"),
                (-0.0, "-0"),
                (0.0, "0"),
                (0.0001, "0.0001"),
                (0.00001, "1e-05"),
                (-0.5, "-0.5"),
                (1.5e300, "1.5e+300"),
                (f64::INFINITY, "+Inf"),
            ] {
                assert_eq!(float(f), s, "{f}");
            }
        }

        #[test]
        fn json_values_as_go_prints_them() {
            let v: serde_json::Value =
                serde_json::from_str(r#"{"b":1,"a":[true,null,"x",1.0],"c":{"d":"e"}}"#).unwrap();
            assert_eq!(json(&v), "map[a:[true <nil> x 1] b:1 c:map[d:e]]");
        }

        #[test]
        fn cbor_items_as_go_prints_them() {
            let cases: [(&str, &str); 12] = [
                ("c249010000000000000005", "{false [5 1]}"),
                ("fb400a000000000000", "3.25"),
                ("f93e00", "1.5"),
                ("f6", "<nil>"),
                ("f7", "<nil>"),
                ("440001feff", "[0 1 254 255]"),
                ("83016374776f4103", "[1 two [3]]"),
                ("a2616201616181f5", "map[a:[true] b:1]"),
                ("a2016178216179", "map[-2:y 1:x]"),
                (
                    "c074323032362d30312d30325430333a30343a30355a",
                    "2026-01-02 03:04:05 +0000 UTC",
                ),
                ("d910926178", "{4242 x}"),
                ("f863", "99"),
            ];
            for (hex, shown) in cases {
                assert_eq!(
                    cbor(&hex::decode(hex).unwrap(), None).as_deref(),
                    Some(shown),
                    "{hex}"
                );
            }
        }
    }
}

/// A time zone read from a TZif file (RFC 8536, parsed by `tz-rs`): the local time Go shows
/// COSE times in.
#[derive(Debug, Clone)]
struct Zone(tz::TimeZone);

impl Zone {
    /// Reads a TZif file; `None` when it is not one.
    fn parse(data: &[u8]) -> Option<Self> {
        tz::TimeZone::from_tz_data(data).ok().map(Self)
    }

    /// The offset (seconds east of UTC) and abbreviation in effect at `unix`.
    fn at(&self, unix: i64) -> (i32, String) {
        self.0.find_local_time_type(unix).map_or_else(
            |_| (0, "UTC".to_string()),
            |t| (t.ut_offset(), t.time_zone_designation().to_string()),
        )
    }
}

/// The time zone `inspect` shows a COSE envelope's times in. notation shows them in its local
/// time zone (a JWS envelope's times keep the offset they were written with), so the CLI passes
/// [`TimeZone::local`]; a library caller chooses, and nothing is read from the environment
/// unless it asks.
///
/// ```
/// use notary::inspect::TimeZone;
/// let utc = TimeZone::utc();
/// assert!(TimeZone::from_tzif(b"not a TZif file").is_none());
/// # let _ = (utc, TimeZone::local());
/// ```
#[derive(Debug, Clone, Default)]
pub struct TimeZone(Option<Zone>);

impl TimeZone {
    /// UTC.
    pub fn utc() -> Self {
        Self(None)
    }

    /// The zone a TZif file (RFC 8536, as under `/usr/share/zoneinfo`) describes; `None` when
    /// `data` is not one.
    pub fn from_tzif(data: &[u8]) -> Option<Self> {
        Zone::parse(data).map(|z| Self(Some(z)))
    }

    /// The process's local time zone, found as Go finds it: `TZ` unset, `/etc/localtime`; `TZ`
    /// empty or `UTC`, UTC; else the file it names (a path, or a name under the system's
    /// zoneinfo directories). UTC when that cannot be read.
    pub fn local() -> Self {
        let read = |p: &std::path::Path| std::fs::read(p).ok().and_then(|d| Self::from_tzif(&d));
        let tz = match std::env::var("TZ") {
            Err(std::env::VarError::NotPresent) => {
                return read(std::path::Path::new("/etc/localtime")).unwrap_or_default();
            }
            Err(_) => return Self::utc(),
            Ok(tz) => tz,
        };
        let tz = tz.strip_prefix(':').unwrap_or(&tz);
        if tz.is_empty() || tz == "UTC" {
            return Self::utc();
        }
        if tz.starts_with('/') {
            return read(std::path::Path::new(tz)).unwrap_or_default();
        }
        if tz.split('/').any(|p| p == "..") {
            return Self::utc();
        }
        [
            "/usr/share/zoneinfo/",
            "/usr/share/lib/zoneinfo/",
            "/usr/lib/locale/TZ/",
            "/etc/zoneinfo/",
        ]
        .iter()
        .find_map(|d| read(&std::path::Path::new(d).join(tz)))
        .unwrap_or_default()
    }

    fn zone(&self) -> Option<&Zone> {
        self.0.as_ref()
    }
}

/// The offset (seconds east) and abbreviation of `zone` (`None`: UTC) at `unix`.
fn offset_in(zone: Option<&Zone>, unix: i64) -> (i32, String) {
    match zone {
        Some(z) => z.at(unix),
        None => (0, "UTC".to_string()),
    }
}

/// `t` in `zone`, as Go shows the times a COSE envelope holds (in its local time zone).
fn in_zone(zone: Option<&Zone>, t: OffsetDateTime) -> OffsetDateTime {
    let (off, _) = offset_in(zone, t.unix_timestamp());
    time::UtcOffset::from_whole_seconds(off)
        .ok()
        .and_then(|o| t.checked_to_offset(o))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use notary_core::{AttributeKey, ExtendedAttribute, SignRequest};

    /// An envelope of `format` over a small payload, signed at 2026-03-04T05:06:07Z with an
    /// expiry a year later, carrying `attributes`; `leaf_only` leaves the chain's CA out.
    fn envelope(
        format: EnvelopeMediaType,
        attributes: Vec<(AttributeKey, AttributeValue)>,
        leaf_only: bool,
    ) -> Vec<u8> {
        let at = timefmt::parse_rfc3339("2026-03-04T05:06:07Z").unwrap();
        let chain = notary_crypto::pki::ChainBuilder::new(notary_core::KeySpec::EcP256, at)
            .build()
            .unwrap();
        let certs = if leaf_only {
            chain.certificates[..1].to_vec()
        } else {
            chain.certificates.clone()
        };
        let signer =
            notary_crypto::LocalSigner::from_pkcs8_der(&chain.leaf_key_pkcs8, certs).unwrap();
        let target = Descriptor::for_content("application/vnd.oci.image.manifest.v1+json", b"m");
        let mut request = SignRequest::new(Payload::new(target).to_jws_json().unwrap(), at);
        request.expiry = Some(at + time::Duration::days(365));
        request.extended_attributes = attributes
            .into_iter()
            .map(|(key, value)| ExtendedAttribute {
                key,
                value,
                critical: false,
            })
            .collect();
        match format {
            EnvelopeMediaType::Jws => notary_envelope_jws::sign(&request, &signer).unwrap(),
            _ => notary_envelope_cose::sign(&request, &signer).unwrap(),
        }
    }

    fn text(k: &str) -> AttributeKey {
        AttributeKey::Text(k.to_string())
    }

    fn shown<'a>(i: &'a SignatureInspection, key: &str) -> Option<&'a str> {
        i.signed_attributes
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn extended_attributes_are_shown_as_go_prints_them() {
        let jws = envelope(
            EnvelopeMediaType::Jws,
            vec![
                (text("x.int"), AttributeValue::Int(9_007_199_254_740_993)),
                (text("x.million"), AttributeValue::Int(1_234_567)),
                (text("x.null"), AttributeValue::Json("null".into())),
                (text("x.small"), AttributeValue::Json("1e-7".into())),
                (
                    text("x.object"),
                    AttributeValue::Json(r#"{"b":1,"a":[true,null]}"#.into()),
                ),
            ],
            false,
        );
        let i = inspect_envelope(EnvelopeMediaType::Jws, &jws, None, &TimeZone::utc()).unwrap();
        assert_eq!(shown(&i, "x.int"), Some("9.007199254740992e+15"));
        assert_eq!(shown(&i, "x.million"), Some("1.234567e+06"));
        assert_eq!(shown(&i, "x.null"), Some("<nil>"));
        assert_eq!(shown(&i, "x.small"), Some("1e-07"));
        assert_eq!(shown(&i, "x.object"), Some("map[a:[true <nil>] b:1]"));
        let cose = envelope(
            EnvelopeMediaType::Cose,
            vec![
                (text("x.int"), AttributeValue::Int(9_007_199_254_740_993)),
                (text("x.bytes"), AttributeValue::Bytes(vec![0, 1, 254, 255])),
                (
                    text("x.big"),
                    AttributeValue::Cbor(hex::decode("c249010000000000000005").unwrap()),
                ),
                (
                    text("x.float"),
                    AttributeValue::Cbor(hex::decode("fb400a000000000000").unwrap()),
                ),
                (text("x.null"), AttributeValue::Cbor(vec![0xf6])),
                (
                    AttributeKey::Int(77),
                    AttributeValue::Cbor(hex::decode("d910926178").unwrap()),
                ),
            ],
            false,
        );
        let i = inspect_envelope(EnvelopeMediaType::Cose, &cose, None, &TimeZone::utc()).unwrap();
        assert_eq!(shown(&i, "x.int"), Some("9007199254740993"));
        assert_eq!(shown(&i, "x.bytes"), Some("[0 1 254 255]"));
        assert_eq!(shown(&i, "x.big"), Some("{false [5 1]}"));
        assert_eq!(shown(&i, "x.float"), Some("3.25"));
        assert_eq!(shown(&i, "x.null"), Some("<nil>"));
        assert_eq!(shown(&i, "77"), Some("{4242 x}"));
    }

    /// A version 2 TZif file: its (empty) version 1 block, then the 64-bit block with
    /// `transitions` (time, type index), `types` (offset, abbreviation) and the footer rule.
    fn tzif(transitions: &[(i64, u8)], types: &[(i32, &str)], footer: &str) -> Vec<u8> {
        let mut v1 = b"TZif2".to_vec();
        v1.resize(20, 0);
        for n in [0u32, 0, 0, 0, 1, 4] {
            v1.extend_from_slice(&n.to_be_bytes());
        }
        v1.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        v1.extend_from_slice(b"UTC\0");
        let names: String = types.iter().map(|(_, n)| format!("{n}\0")).collect();
        let mut v2 = b"TZif2".to_vec();
        v2.resize(20, 0);
        for n in [0, 0, 0, transitions.len(), types.len(), names.len()] {
            v2.extend_from_slice(&u32::try_from(n).unwrap().to_be_bytes());
        }
        for (t, _) in transitions {
            v2.extend_from_slice(&t.to_be_bytes());
        }
        v2.extend(transitions.iter().map(|(_, i)| *i));
        let mut at = 0u8;
        for (off, name) in types {
            v2.extend_from_slice(&off.to_be_bytes());
            v2.extend_from_slice(&[u8::from(name.ends_with("DT")), at]);
            at += u8::try_from(name.len() + 1).unwrap();
        }
        v2.extend_from_slice(names.as_bytes());
        v2.extend_from_slice(format!("\n{footer}\n").as_bytes());
        [v1, v2].concat()
    }

    #[test]
    fn cose_times_are_shown_in_local_time() {
        let kolkata = TimeZone::from_tzif(&tzif(&[], &[(19800, "IST")], "IST-5:30")).unwrap();
        let tag1 = hex::decode("c11a6553f100").unwrap(); // 2023-11-14T22:13:20Z
        let attrs = vec![(text("x.time"), AttributeValue::Cbor(tag1))];
        let cose = envelope(EnvelopeMediaType::Cose, attrs, false);
        let i = inspect_envelope(EnvelopeMediaType::Cose, &cose, None, &kolkata).unwrap();
        assert_eq!(shown(&i, "signingTime"), Some("2026-03-04T10:36:07+05:30"));
        assert_eq!(shown(&i, "expiry"), Some("2027-03-04T10:36:07+05:30"));
        assert_eq!(shown(&i, "x.time"), Some("2023-11-15 03:43:20 +0530 IST"));
        let tree = i.tree("sig").render();
        assert!(
            tree.contains("signing time: Wed Mar  4 10:36:07 2026"),
            "{tree}"
        );
        // A JWS time keeps the offset it was written with.
        let jws = envelope(EnvelopeMediaType::Jws, Vec::new(), false);
        let i = inspect_envelope(EnvelopeMediaType::Jws, &jws, None, &kolkata).unwrap();
        assert_eq!(shown(&i, "signingTime"), Some("2026-03-04T05:06:07Z"));
    }

    #[test]
    fn extended_attributes_keep_their_names_in_the_tree() {
        let jws = envelope(
            EnvelopeMediaType::Jws,
            vec![
                (text("contentType"), AttributeValue::Text("x".into())),
                (
                    text("signingTime"),
                    AttributeValue::Text("not a time".into()),
                ),
            ],
            false,
        );
        let tree = inspect_envelope(EnvelopeMediaType::Jws, &jws, None, &TimeZone::utc())
            .unwrap()
            .tree("sig")
            .render();
        assert!(tree.contains("── contentType: x\n"), "{tree}");
        assert!(tree.contains("── signingTime: not a time\n"), "{tree}");
        assert!(tree.contains("── content type: application/vnd.cncf.notary.payload.v1+json\n"));
    }

    #[test]
    fn an_envelope_whose_chain_breaks_the_rules_is_not_shown() {
        // A lone certificate must be self-signed.
        for format in [EnvelopeMediaType::Jws, EnvelopeMediaType::Cose] {
            let e = envelope(format, Vec::new(), true);
            let err = inspect_envelope(format, &e, None, &TimeZone::utc()).unwrap_err();
            assert!(matches!(err, Error::Certificate(_)), "{err}");
            assert!(
                inspect_envelope(
                    format,
                    &envelope(format, Vec::new(), false),
                    None,
                    &TimeZone::utc()
                )
                .is_ok()
            );
        }
    }

    #[test]
    fn an_envelope_signed_with_another_algorithm_than_its_key_is_not_shown() {
        let at = timefmt::parse_rfc3339("2026-03-04T05:06:07Z").unwrap();
        let chain = notary_crypto::pki::ChainBuilder::new(notary_core::KeySpec::EcP384, at)
            .build()
            .unwrap();
        let signer = chain.signer().unwrap();
        let target = Descriptor::for_content("application/vnd.oci.image.manifest.v1+json", b"m");
        let request = SignRequest::new(Payload::new(target).to_jws_json().unwrap(), at);
        let jws = notary_envelope_jws::sign(&request, &signer).unwrap();
        assert!(inspect_envelope(EnvelopeMediaType::Jws, &jws, None, &TimeZone::utc()).is_ok());
        // The same envelope claiming ES256 (the signature no longer matters to inspect).
        let mut e: serde_json::Value = serde_json::from_slice(&jws).unwrap();
        let protected = serde_json::json!({"alg": "ES256", "crit": ["io.cncf.notary.signingScheme"],
            "cty": PAYLOAD_MEDIA_TYPE, "io.cncf.notary.signingScheme": "notary.x509",
            "io.cncf.notary.signingTime": "2026-03-04T05:06:07Z"});
        e["protected"] = Value::String(base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            protected.to_string(),
        ));
        let err = inspect_envelope(
            EnvelopeMediaType::Jws,
            &serde_json::to_vec(&e).unwrap(),
            None,
            &TimeZone::utc(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot be used with key"), "{err}");
    }

    #[test]
    fn timestamp_errors_in_notations_words() {
        let empty = TimestampInspection::of_countersignature(b"", b"sig");
        assert_eq!(
            empty.error.as_deref(),
            Some(
                "failed to parse timestamp countersignature: cms: syntax error: invalid signed data: failed to convert from BER to DER: asn1: syntax error: BER-encoded ASN.1 data structures is empty"
            )
        );
    }

    #[test]
    fn time_zones_from_tzif_files() {
        let unix = |s: &str| timefmt::parse_rfc3339(s).unwrap().unix_timestamp();
        // Kolkata: LMT, then IST from 1942 (-883612800), and IST in the footer after that.
        let zone = Zone::parse(&tzif(
            &[(-883_612_800, 1)],
            &[(5000, "LMT"), (19800, "IST")],
            "IST-5:30",
        ))
        .unwrap();
        assert_eq!(zone.at(unix("1930-01-01T00:00:00Z")), (5000, "LMT".into()));
        assert_eq!(zone.at(unix("2026-03-04T05:06:07Z")), (19800, "IST".into()));
        let t = in_zone(
            Some(&zone),
            timefmt::parse_rfc3339("2026-03-04T05:06:07Z").unwrap(),
        );
        assert_eq!(rfc3339_nano(t), "2026-03-04T10:36:07+05:30");
        // St. John's after its last transition: -03:30, daylight saving -02:30 from the second
        // Sunday of March 02:00 to the first Sunday of November 02:00 (local), by the footer.
        let zone = Zone::parse(&tzif(
            &[(0, 0)],
            &[(-12600, "NST"), (-9000, "NDT")],
            "NST3:30NDT,M3.2.0,M11.1.0",
        ))
        .unwrap();
        for (at, expected) in [
            ("2026-01-15T12:00:00Z", (-12600, "NST")),
            ("2026-07-01T12:00:00Z", (-9000, "NDT")),
            ("2026-03-08T05:29:59Z", (-12600, "NST")),
            ("2026-03-08T05:30:00Z", (-9000, "NDT")),
            ("2026-11-01T04:29:59Z", (-9000, "NDT")),
            ("2026-11-01T04:30:00Z", (-12600, "NST")),
            ("9999-12-31T23:59:59Z", (-12600, "NST")),
        ] {
            assert_eq!(zone.at(unix(at)), (expected.0, expected.1.into()), "{at}");
        }
        assert!(Zone::parse(b"not a time zone file").is_none());
    }

    #[test]
    fn tree_labels_cannot_carry_terminal_controls() {
        let tree = Node::new(
            "signature",
            vec![Node::leaf(
                "signing agent: \u{1b}]0;pwned\u{7}x\u{202e}y\nz",
            )],
        );
        assert_eq!(
            tree.render(),
            "signature\n└── signing agent: \\u{1b}]0;pwned\\u{7}x\\u{202e}y\\u{a}z\n"
        );
        assert_eq!(printable("plain: é ✓"), "plain: é ✓");
    }

    #[test]
    fn go_time_layouts() {
        let t = timefmt::parse_rfc3339("2025-01-07T08:42:43.5+08:00").unwrap();
        assert_eq!(rfc3339_nano(t), "2025-01-07T08:42:43.5+08:00");
        assert_eq!(ansic(t), "Tue Jan  7 08:42:43 2025");
        let z = timefmt::parse_rfc3339("2024-12-31T08:05:29Z").unwrap();
        assert_eq!(rfc3339_nano(z), "2024-12-31T08:05:29Z");
        assert_eq!(ansic(z), "Tue Dec 31 08:05:29 2024");
        assert_eq!(ansic_of("not a time"), "not a time");
    }
}
