use serde::{Deserialize, Serialize};

use crate::descriptor::Descriptor;
use crate::error::Error;

/// Content type of the Notary payload.
pub const PAYLOAD_MEDIA_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";

/// The members of an OCI descriptor (Go's `ocispec.Descriptor`).
pub const DESCRIPTOR_MEMBERS: &[&str] = &[
    "mediaType",
    "digest",
    "size",
    "urls",
    "annotations",
    "data",
    "platform",
    "artifactType",
];

fn case_variant_error(name: &str, known: &str) -> Error {
    Error::InvalidPayload {
        reason: format!(
            "member {:?} is a case variant of {known:?}",
            crate::error::shown(name)
        ),
    }
}

/// The signed Notary payload: `{"targetArtifact": <descriptor>}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// Descriptor of the signed artifact.
    pub target_artifact: Descriptor,
}

impl Payload {
    /// A payload for `target`, sanitised the way notation does (only `mediaType`, `digest`,
    /// `size` and `annotations` are kept).
    pub fn new(target: Descriptor) -> Self {
        Self {
            target_artifact: target.sanitized(),
        }
    }

    /// Decodes the exact payload bytes that were signed. Never re-serialise a verified payload.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        // Strict: a duplicate member, or a case variant of a member Go's decoder would read
        // in its place (`TargetArtifact`, `DIGEST`), would make the payload name one artifact
        // to notation-go and another to us.
        let value = crate::json::parse_strict(bytes)
            .map_err(|e| Error::InvalidPayload { reason: e.message })?;
        let obj = value.as_object().ok_or_else(|| Error::InvalidPayload {
            reason: "payload is not a JSON object".into(),
        })?;
        if let Some((name, known)) = crate::json::case_variant(obj, &["targetArtifact"]) {
            return Err(case_variant_error(name, known));
        }
        let target = obj
            .get("targetArtifact")
            .ok_or_else(|| Error::InvalidPayload {
                reason: "missing targetArtifact".into(),
            })?;
        if let Some((name, known)) = target
            .as_object()
            .and_then(|t| crate::json::case_variant(t, DESCRIPTOR_MEMBERS))
        {
            return Err(case_variant_error(name, known));
        }
        if let Some(t) = target.as_object() {
            check_go_descriptor_types(t)?;
        }
        let target_artifact: Descriptor =
            serde_json::from_value(target.clone()).map_err(|e| Error::InvalidPayload {
                reason: format!("targetArtifact: {e}"),
            })?;
        Ok(Self { target_artifact })
    }

    /// Encodes the payload as notation's COSE signer does: Go struct field order
    /// (`mediaType`, `digest`, `size`, `annotations`), compact, HTML-escaped.
    pub fn to_cose_json(&self) -> Result<Vec<u8>, Error> {
        let t = &self.target_artifact;
        let mut out = String::from("{\"targetArtifact\":{\"mediaType\":");
        out.push_str(&json_string(&t.media_type)?);
        out.push_str(",\"digest\":");
        out.push_str(&json_string(&t.digest.to_string())?);
        out.push_str(",\"size\":");
        out.push_str(&t.size.to_string());
        if let Some(a) = t.annotations.as_ref().filter(|a| !a.is_empty()) {
            out.push_str(",\"annotations\":");
            out.push_str(&to_json(a)?);
        }
        out.push_str("}}");
        Ok(go_json_escape(&out).into_bytes())
    }

    /// Encodes the payload as notation's JWS signer does: every object's keys sorted
    /// (`annotations`, `digest`, `mediaType`, `size`), compact, HTML-escaped.
    pub fn to_jws_json(&self) -> Result<Vec<u8>, Error> {
        let t = &self.target_artifact;
        let mut out = String::from("{\"targetArtifact\":{");
        if let Some(a) = t.annotations.as_ref().filter(|a| !a.is_empty()) {
            out.push_str("\"annotations\":");
            out.push_str(&to_json(a)?);
            out.push(',');
        }
        out.push_str("\"digest\":");
        out.push_str(&json_string(&t.digest.to_string())?);
        out.push_str(",\"mediaType\":");
        out.push_str(&json_string(&t.media_type)?);
        out.push_str(",\"size\":");
        out.push_str(&t.size.to_string());
        out.push_str("}}");
        Ok(go_json_escape(&out).into_bytes())
    }
}

/// What Go's decoder requires of the descriptor members kept here as received (`data`, and
/// `platform` with its known members, matched case-insensitively as Go matches them):
/// notation-go decodes the payload into `ocispec.Descriptor` and refuses an envelope whose
/// payload does not fit it, so this does too. `null` is Go's "absent".
fn check_go_descriptor_types(
    target: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), Error> {
    use serde_json::Value;
    let bad = |reason: String| Error::InvalidPayload {
        reason: format!("targetArtifact: {reason}"),
    };
    match target.get("data") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if is_std_base64(s) => {}
        Some(Value::String(_)) => return Err(bad("data is not standard padded base64".into())),
        Some(_) => return Err(bad("data is not a string".into())),
    }
    let platform = match target.get("platform") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(p)) => p,
        Some(_) => return Err(bad("platform is not an object".into())),
    };
    for (key, value) in platform {
        let strings = match key.to_ascii_lowercase().as_str() {
            "architecture" | "os" | "os.version" | "variant" => false,
            "os.features" | "features" => true,
            _ => continue,
        };
        let fits = match value {
            Value::Null | Value::String(_) => !strings || value.is_null(),
            Value::Array(items) => strings && items.iter().all(|i| i.is_string() || i.is_null()),
            _ => false,
        };
        if !fits {
            let wanted = if strings {
                "an array of strings"
            } else {
                "a string"
            };
            return Err(bad(format!(
                "platform member {:?} is not {wanted}",
                crate::error::shown(key)
            )));
        }
    }
    Ok(())
}

/// Whether `s` is standard base64 with padding, as Go's `encoding/json` decodes a `[]byte`
/// (`base64.StdEncoding`: line breaks skipped, unused trailing bits allowed).
fn is_std_base64(s: &str) -> bool {
    let b: Vec<u8> = s.bytes().filter(|c| !matches!(c, b'\r' | b'\n')).collect();
    let body = b
        .strip_suffix(b"==")
        .or_else(|| b.strip_suffix(b"="))
        .unwrap_or(&b);
    b.len().is_multiple_of(4)
        && body
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::InvalidPayload {
        reason: e.to_string(),
    })
}

fn json_string(s: &str) -> Result<String, Error> {
    to_json(&s)
}

/// Applies Go `encoding/json`'s HTML escaping (`<`, `>`, `&`, U+2028, U+2029 as `\uXXXX`) to
/// compact JSON text. Those characters never occur outside strings in compact JSON, so a
/// textual pass is exact. Used to reproduce notation's bytes.
///
/// ```
/// assert_eq!(notary_core::go_json_escape(r#"{"a":"<&>"}"#), r#"{"a":"\u003c\u0026\u003e"}"#);
/// ```
pub fn go_json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn target() -> Descriptor {
        let mut d = Descriptor::new(
            "application/vnd.oci.image.manifest.v1+json",
            "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
                .parse()
                .unwrap(),
            942,
        );
        d.annotations = Some(BTreeMap::from([
            ("b".into(), "<&>".into()),
            ("a".into(), "1".into()),
        ]));
        d.artifact_type = Some("x".into());
        d
    }

    #[test]
    fn data_and_platform_must_fit_gos_descriptor() {
        let d = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
        let with = |extra: &str| {
            Payload::from_slice(
                format!(
                    r#"{{"targetArtifact":{{"mediaType":"m/t","digest":"{d}","size":1{extra}}}}}"#
                )
                .as_bytes(),
            )
        };
        for ok in [
            r#","data":"e30=""#,
            r#","data":"""#,
            r#","data":"ZTMw\nZTMw""#,
            r#","data":"e31=""#, // unused bits set: Go's StdEncoding allows them
            r#","data":null"#,
            r#","platform":{"os":"linux","architecture":"arm64","os.features":["a"],"x":5}"#,
            r#","platform":{"OS":null,"features":null}"#,
            r#","platform":null"#,
        ] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        for bad in [
            r#","data":"e30""#,
            r#","data":"e3-_""#,
            r#","data":"e=0=""#,
            r#","data":5"#,
            r#","platform":"linux""#,
            r#","platform":{"os":5}"#,
            r#","platform":{"Architecture":["x"]}"#,
            r#","platform":{"os.features":"a"}"#,
            r#","platform":{"features":[1]}"#,
        ] {
            assert!(
                matches!(with(bad), Err(Error::InvalidPayload { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn ambiguous_payloads_are_refused() {
        let d = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
        let m = "application/vnd.oci.image.manifest.v1+json";
        let good = format!(r#"{{"targetArtifact":{{"mediaType":"{m}","digest":"{d}","size":1}}}}"#);
        assert_eq!(
            Payload::from_slice(good.as_bytes())
                .unwrap()
                .target_artifact
                .size,
            1
        );
        for bad in [
            // Duplicates: Go takes the last, serde_json's Value too; one of two readings.
            format!(
                r#"{{"targetArtifact":{{"mediaType":"{m}","digest":"{d}","size":1,"size":2}}}}"#
            ),
            format!(
                r#"{{"targetArtifact":{{"mediaType":"{m}","digest":"{d}","size":1}},"targetArtifact":{{}}}}"#
            ),
            // Case variants Go's decoder reads as the member (the later one wins in Go).
            format!(
                r#"{{"targetArtifact":{{"mediaType":"{m}","digest":"{d}","size":1}},"TargetArtifact":{{}}}}"#
            ),
            format!(
                r#"{{"targetArtifact":{{"mediaType":"{m}","digest":"{d}","size":1,"SIZE":2}}}}"#
            ),
            format!(
                r#"{{"targetArtifact":{{"mediaType":"{m}","digest":"{d}","size":1,"digeſt":"x"}}}}"#
            ),
        ] {
            assert!(
                matches!(
                    Payload::from_slice(bad.as_bytes()),
                    Err(Error::InvalidPayload { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn cose_encoding_matches_go_struct_order() {
        let p = Payload::new(target());
        assert_eq!(
            String::from_utf8(p.to_cose_json().unwrap()).unwrap(),
            r#"{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9","size":942,"annotations":{"a":"1","b":"\u003c\u0026\u003e"}}}"#
        );
    }

    #[test]
    fn jws_encoding_sorts_keys() {
        let p = Payload::new(target());
        let s = String::from_utf8(p.to_jws_json().unwrap()).unwrap();
        assert!(s.starts_with(
            r#"{"targetArtifact":{"annotations":{"a":"1","b":"\u003c\u0026\u003e"},"digest":"#
        ));
        assert!(
            s.ends_with(r#""mediaType":"application/vnd.oci.image.manifest.v1+json","size":942}}"#)
        );
        assert_eq!(Payload::from_slice(s.as_bytes()).unwrap(), p);
    }

    #[test]
    fn decode_rejects_missing_target() {
        assert!(matches!(
            Payload::from_slice(br#"{"x":1}"#),
            Err(Error::InvalidPayload { .. })
        ));
        assert!(Payload::from_slice(b"[]").is_err());
    }
}
