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
    /// The new object (absent on DELETE).
    #[serde(default)]
    pub object: Option<serde_json::Value>,
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
