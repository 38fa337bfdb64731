//! `inspect`: what a signature says about itself, in notation's JSON shape and tree view.
//! Nothing here is verified; the output is for people and pipelines that want to see the
//! content.
//!
//! The JSON is byte for byte what `notation inspect -o json` prints (members in notation's
//! order, two-space indent, Go's escaping of `<`, `>`, `&`), and the tree is notation's tree
//! (signed attributes in its order, times in Go's `ANSIC` layout), with control characters in
//! labels written as escapes.

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
                return failed(&notary_timestamp::Error::ImprintMismatch);
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
/// another content type than the Notary payload's, or a payload that is not a descriptor.
pub fn inspect_envelope(
    media_type: EnvelopeMediaType,
    bytes: &[u8],
    timestamp: Option<TimestampRenderer<'_>>,
) -> Result<SignatureInspection, Error> {
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
    if let Some(t) = time {
        signed.push(("signingTime".to_string(), rfc3339_nano(t)));
    }
    if let Some(t) = attrs.expiry {
        signed.push(("expiry".to_string(), rfc3339_nano(t)));
    }
    for a in &attrs.extended_attributes {
        let v = match &a.value {
            AttributeValue::Text(s) => s.clone(),
            AttributeValue::Int(i) => i.to_string(),
            AttributeValue::Bool(b) => b.to_string(),
            AttributeValue::Bytes(b) => hex::encode(b),
            AttributeValue::Json(j) => j.clone(),
            AttributeValue::Cbor(c) => hex::encode(c),
            _ => String::new(),
        };
        signed.push((a.key.to_string(), v));
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
    let certificates = info
        .certificate_chain
        .iter()
        .map(|d| Certificate::from_der(d).map(|c| CertificateSummary::of(&c)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SignatureInspection {
        digest: None,
        signature_algorithm: info.signature_algorithm.name().to_string(),
        signature_envelope_type: seen.media_type.as_str().to_string(),
        signed_attributes: signed,
        user_defined_attributes: target.annotations.clone(),
        unsigned_attributes: unsigned,
        certificates,
        signed_artifact: SignedArtifactInspection::of(&target)?,
    })
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
            Ok(f) => match inspect_envelope(f.envelope_media_type, &f.envelope, None) {
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
            .map(|(k, v)| {
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

#[cfg(test)]
mod tests {
    use super::*;

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
