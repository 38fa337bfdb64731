//! `inspect`: what a signature says about itself, in notation's JSON shape. Nothing here is
//! verified; the output is for people and pipelines that want to see the content.

use std::collections::BTreeMap;

use notary_core::{AttributeValue, Descriptor, SignatureRepository, SigningScheme, timefmt};
use notary_x509::Certificate;
use serde::Serialize;
use serde_json::Value;

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

/// One signature as `inspect -o json` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureInspection {
    /// Digest of the signature manifest (OCI only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Signature algorithm name (`RSASSA-PSS-SHA-256`, ...).
    pub signature_algorithm: String,
    /// Envelope media type.
    pub signature_envelope_type: String,
    /// Signed attributes as strings.
    pub signed_attributes: BTreeMap<String, String>,
    /// Annotations of the signed descriptor (user metadata), or null.
    pub user_defined_attributes: Option<BTreeMap<String, String>>,
    /// Unsigned attributes.
    pub unsigned_attributes: BTreeMap<String, Value>,
    /// The certificate chain, leaf first.
    pub certificates: Vec<CertificateSummary>,
    /// The signed descriptor.
    pub signed_artifact: Value,
}

/// Renders a timestamp token (DER) as the JSON `inspect` shows.
pub type TimestampRenderer<'a> = &'a dyn Fn(&[u8]) -> Value;

/// Inspects one envelope. `timestamp` renders the timestamp countersignature (token bytes to
/// JSON); by default [`notary_timestamp::inspect_json`] does.
pub fn inspect_envelope(
    media_type: EnvelopeMediaType,
    bytes: &[u8],
    timestamp: Option<TimestampRenderer<'_>>,
) -> Result<SignatureInspection, Error> {
    let env = UnverifiedEnvelope::parse(media_type, bytes)?;
    let seen = env.inspect()?;
    let info = &seen.signer_info;
    let attrs = &info.signed_attributes;
    let mut signed = BTreeMap::new();
    signed.insert("contentType".to_string(), attrs.content_type.clone());
    signed.insert(
        "signingScheme".to_string(),
        attrs.signing_scheme.as_str().to_string(),
    );
    let time = match attrs.signing_scheme {
        SigningScheme::X509SigningAuthority => attrs.authentic_signing_time,
        _ => attrs.signing_time,
    };
    if let Some(t) = time {
        signed.insert("signingTime".to_string(), timefmt::format_rfc3339(t)?);
    }
    if let Some(t) = attrs.expiry {
        signed.insert("expiry".to_string(), timefmt::format_rfc3339(t)?);
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
        signed.insert(a.key.to_string(), v);
    }
    let payload: Value = serde_json::from_slice(&seen.payload).unwrap_or(Value::Null);
    let target = payload
        .get("targetArtifact")
        .cloned()
        .unwrap_or(Value::Null);
    let user: Option<BTreeMap<String, String>> = target
        .get("annotations")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .filter(|m: &BTreeMap<String, String>| !m.is_empty());
    let mut signed_artifact = serde_json::Map::new();
    for k in ["mediaType", "digest", "size"] {
        if let Some(v) = target.get(k) {
            signed_artifact.insert(k.to_string(), v.clone());
        }
    }
    let mut unsigned = BTreeMap::new();
    if let Some(a) = &info.unsigned_attributes.signing_agent {
        unsigned.insert("signingAgent".to_string(), Value::String(a.clone()));
    }
    if let Some(tok) = &info.unsigned_attributes.timestamp_signature {
        let v = match timestamp {
            Some(f) => f(tok),
            None => notary_timestamp::inspect_json_with(&crate::default_provider(), tok),
        };
        unsigned.insert("timestampSignature".to_string(), v);
    }
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
        user_defined_attributes: user,
        unsigned_attributes: unsigned,
        certificates,
        signed_artifact: Value::Object(signed_artifact),
    })
}

/// Inspects every signature of an artifact: `{"mediaType": ..., "signatures": [...]}`.
/// A signature that cannot be parsed is listed with an `error` member instead of failing the
/// whole listing.
pub async fn inspect_artifact<R: SignatureRepository + ?Sized>(
    repository: &R,
    reference: &str,
    max_signatures: usize,
) -> Result<Value, String> {
    let artifact: Descriptor = repository
        .resolve(reference)
        .await
        .map_err(|e| e.to_string())?;
    let list = repository
        .list_signatures(&artifact, max_signatures)
        .await
        .map_err(|e| e.to_string())?;
    let mut signatures = Vec::new();
    for manifest in list {
        let item = match repository.fetch_signature(&manifest).await {
            Ok(f) => match inspect_envelope(f.envelope_media_type, &f.envelope, None) {
                Ok(mut s) => {
                    s.digest = Some(manifest.digest.to_string());
                    serde_json::to_value(s).map_err(|e| e.to_string())?
                }
                Err(e) => {
                    serde_json::json!({"digest": manifest.digest.to_string(), "error": e.to_string()})
                }
            },
            Err(e) => {
                serde_json::json!({"digest": manifest.digest.to_string(), "error": e.to_string()})
            }
        };
        signatures.push(item);
    }
    Ok(serde_json::json!({ "mediaType": artifact.media_type, "signatures": signatures }))
}
