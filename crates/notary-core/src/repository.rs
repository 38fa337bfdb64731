use std::collections::BTreeMap;
use std::future::Future;

use crate::descriptor::Descriptor;

/// A signature envelope fetched from a repository, with its digest and size already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedSignature {
    /// Descriptor of the signature manifest.
    pub manifest: Descriptor,
    /// The envelope media type, taken from the manifest's layer descriptor.
    pub envelope_media_type: String,
    /// The envelope bytes.
    pub envelope: Vec<u8>,
    /// The signature manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// The signature manifest's `subject` (unverified: the signed payload is what binds).
    pub subject: Option<Descriptor>,
}

/// A request to store a signature next to its subject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PushSignature<'a> {
    /// The signed artifact (resolved manifest descriptor).
    pub subject: &'a Descriptor,
    /// The envelope media type.
    pub envelope_media_type: &'a str,
    /// The envelope bytes.
    pub envelope: &'a [u8],
    /// Annotations of the signature manifest (thumbprints, creation time, plugin annotations).
    pub annotations: BTreeMap<String, String>,
}

impl<'a> PushSignature<'a> {
    /// A push request.
    pub fn new(
        subject: &'a Descriptor,
        envelope_media_type: &'a str,
        envelope: &'a [u8],
        annotations: BTreeMap<String, String>,
    ) -> Self {
        Self {
            subject,
            envelope_media_type,
            envelope,
            annotations,
        }
    }
}

/// What a push stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedSignature {
    /// Descriptor of the envelope blob.
    pub blob: Descriptor,
    /// Descriptor of the signature manifest.
    pub manifest: Descriptor,
}

/// Where signatures live: an OCI registry or an OCI image layout.
///
/// This is the only async boundary of notary-rs. Implementations must check the digest and
/// size of everything they fetch and cap sizes (manifest 4 MiB, envelope 32 MiB).
pub trait SignatureRepository: Send + Sync {
    /// The repository's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Resolves a tag or digest reference to the artifact's manifest descriptor.
    fn resolve(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<Descriptor, Self::Error>> + Send;

    /// Whether [`SignatureRepository::resolve`] costs nothing worth saving (a local lookup).
    /// Remote repositories return `false`, and callers that hold a digest reference may then
    /// skip resolution and take the subject descriptor from a signature manifest, checking its
    /// digest against the reference (the signed payload binds digest, size and media type).
    fn resolve_is_cheap(&self) -> bool {
        true
    }

    /// Lists signature manifests whose subject is `subject`, at most `limit` of them.
    fn list_signatures(
        &self,
        subject: &Descriptor,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Descriptor>, Self::Error>> + Send;

    /// Fetches the envelope of a signature manifest.
    fn fetch_signature(
        &self,
        manifest: &Descriptor,
    ) -> impl Future<Output = Result<FetchedSignature, Self::Error>> + Send;

    /// Stores an envelope blob and a signature manifest whose subject is the signed artifact.
    fn push_signature(
        &self,
        request: PushSignature<'_>,
    ) -> impl Future<Output = Result<PushedSignature, Self::Error>> + Send;
}
