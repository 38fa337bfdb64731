//! The `admission.k8s.io/v1` `AdmissionReview` wire types: only the fields the webhook reads
//! and writes. Unknown fields are ignored, so newer API servers keep working.

use serde::{Deserialize, Serialize};

/// The only review version the webhook speaks (the API server converts nothing: a response of
/// another version is refused, see `../shared/infra/kubernetes.md`).
pub const API_VERSION: &str = "admission.k8s.io/v1";
/// The review kind.
pub const KIND: &str = "AdmissionReview";

/// An incoming review.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionReview {
    /// Must be [`API_VERSION`].
    pub api_version: String,
    /// Must be [`KIND`].
    pub kind: String,
    /// The request (absent in responses only).
    pub request: Option<AdmissionRequest>,
}

/// Group, version and kind of the object under review.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupVersionKind {
    /// API group (`""` for the core group, `apps`, `batch`).
    #[serde(default)]
    pub group: String,
    /// API version.
    #[serde(default)]
    pub version: String,
    /// Kind (`Pod`, `Deployment`, ...).
    #[serde(default)]
    pub kind: String,
}

/// The request part of a review.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionRequest {
    /// Identifies the call; the response must echo it.
    pub uid: String,
    /// What the object is.
    pub kind: GroupVersionKind,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    #[serde(default)]
    pub operation: String,
    /// The object's namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The object's name (may be empty on CREATE with `generateName`).
    #[serde(default)]
    pub name: Option<String>,
    /// The new object (absent on DELETE), as far as it names images: its `spec` and
    /// `template` members (every pod spec the webhook reads is under one of them); the rest
    /// of a possibly large object is skipped while it is read, never held.
    #[serde(default, deserialize_with = "image_bearing_members")]
    pub object: Option<serde_json::Value>,
    /// The object before an `UPDATE`, read the same way: the images it already named were
    /// admitted then, and an update that keeps them (a scale, a finalizer removed, a status
    /// change) is not held up verifying them again.
    #[serde(default, deserialize_with = "image_bearing_members")]
    pub old_object: Option<serde_json::Value>,
    /// Set for `dryRun` requests; they are verified all the same.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// The status of a denial.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// HTTP-style code the API server reports (403 for a policy denial).
    pub code: u16,
    /// Machine-readable reason (`Forbidden`), shown by the API server in its `Status`.
    pub reason: &'static str,
    /// Shown to the user after `admission webhook "..." denied the request: `.
    pub message: String,
}

/// The response part of a review.
#[derive(Debug, Clone, Serialize)]
pub struct AdmissionResponse {
    /// The request's uid.
    pub uid: String,
    /// The verdict.
    pub allowed: bool,
    /// Why it was denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Warnings the API server passes on to the client (`Warning:` lines of kubectl).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewOut<'a> {
    api_version: &'static str,
    kind: &'static str,
    response: &'a AdmissionResponse,
}

impl AdmissionResponse {
    /// Serialises the response inside an `AdmissionReview` envelope.
    pub fn to_review_json(&self) -> Vec<u8> {
        serde_json::to_vec(&ReviewOut {
            api_version: API_VERSION,
            kind: KIND,
            response: self,
        })
        // A struct of strings, bools and integers always serialises.
        .unwrap_or_default()
    }
}

/// Reads `object` keeping only `spec` and `template`; `null` is no object, and anything but an
/// object stays something that is not one (the webhook then denies it).
fn image_bearing_members<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    struct Members;
    impl<'de> serde::de::Visitor<'de> for Members {
        type Value = Option<serde_json::Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a Kubernetes object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut kept = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                if key == "spec" || key == "template" {
                    kept.insert(key, map.next_value()?);
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(Some(serde_json::Value::Object(kept)))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Some(not_an_object()))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Some(not_an_object()))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Some(not_an_object()))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Some(not_an_object()))
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Some(not_an_object()))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(Some(not_an_object()))
        }
    }
    d.deserialize_any(Members)
}

/// A stand-in for an `object` that is not a JSON object (an empty array).
fn not_an_object() -> serde_json::Value {
    serde_json::Value::Array(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_of(object: &str) -> Option<serde_json::Value> {
        let review: AdmissionReview = serde_json::from_str(&format!(
            r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"u","kind":{{"group":"","version":"v1","kind":"Pod"}},"object":{object}}}}}"#
        ))
        .unwrap();
        review.request.unwrap().object
    }

    #[test]
    fn only_the_members_that_name_images_are_kept() {
        let kept = object_of(
            r#"{"metadata":{"name":"p"},"junk":[{"a":0},{"a":1}],"spec":{"containers":[{"image":"x"}]},"template":{"spec":{}}}"#,
        )
        .unwrap();
        assert_eq!(
            kept,
            serde_json::json!({"spec":{"containers":[{"image":"x"}]},"template":{"spec":{}}})
        );
        assert_eq!(object_of("null"), None);
        // Not an object: kept as something that is not one, so the webhook denies it.
        for other in ["5", "\"pod\"", "[1]", "true"] {
            let v = object_of(other).unwrap();
            assert!(!v.is_object() && !v.is_null(), "{other}: {v}");
        }
    }
}
