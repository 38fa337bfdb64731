use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Digest;
use crate::descriptor::Descriptor;
use crate::envelope::EnvelopeMediaType;

/// A signature envelope fetched from a repository, with its digest and size already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchedSignature {
    /// Descriptor of the signature manifest.
    pub manifest: Descriptor,
    /// The envelope format, from the manifest's layer descriptor (a repository refuses a layer
    /// media type that is not a Notary envelope format).
    pub envelope_media_type: EnvelopeMediaType,
    /// The envelope bytes.
    pub envelope: Vec<u8>,
    /// The signature manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// The signature manifest's `subject` (unverified: the signed payload is what binds).
    pub subject: Option<Descriptor>,
}

impl FetchedSignature {
    /// A fetched signature with no annotations and no subject.
    pub fn new(
        manifest: Descriptor,
        envelope_media_type: EnvelopeMediaType,
        envelope: Vec<u8>,
    ) -> Self {
        Self {
            manifest,
            envelope_media_type,
            envelope,
            annotations: BTreeMap::new(),
            subject: None,
        }
    }

    /// Sets the manifest's annotations.
    #[must_use]
    pub fn with_annotations(mut self, annotations: BTreeMap<String, String>) -> Self {
        self.annotations = annotations;
        self
    }

    /// Sets the manifest's subject.
    #[must_use]
    pub fn with_subject(mut self, subject: Option<Descriptor>) -> Self {
        self.subject = subject;
        self
    }
}

/// A signature manifest whose envelope layer is not a Notary envelope format. Repositories
/// return it as the source of their error, so callers count the signature as failing integrity
/// (as notation does) rather than as an unreachable repository.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsupportedEnvelopeFormat {
    /// The signature manifest.
    pub manifest: crate::Digest,
    /// The layer's media type (truncated to 100 characters).
    pub media_type: String,
}

impl UnsupportedEnvelopeFormat {
    /// The error for a layer of `media_type` in the signature manifest `manifest`.
    pub fn new(manifest: crate::Digest, media_type: &str) -> Self {
        Self {
            manifest,
            media_type: crate::error::shown(media_type),
        }
    }

    /// Finds this error in the source chain of `error`.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<Self>() {
                return Some(found);
            }
            current = e.source();
        }
        None
    }
}

impl fmt::Display for UnsupportedEnvelopeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "signature manifest {} has an envelope of media type {:?}, which is not a Notary signature envelope format",
            self.manifest, self.media_type
        )
    }
}

impl std::error::Error for UnsupportedEnvelopeFormat {}

/// A request to store a signature next to its subject.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PushSignature<'a> {
    /// The signed artifact (resolved manifest descriptor).
    pub subject: &'a Descriptor,
    /// The envelope format.
    pub envelope_media_type: EnvelopeMediaType,
    /// The envelope bytes.
    pub envelope: &'a [u8],
    /// Annotations of the signature manifest (thumbprints, creation time, plugin annotations).
    pub annotations: BTreeMap<String, String>,
}

impl<'a> PushSignature<'a> {
    /// A push request.
    pub fn new(
        subject: &'a Descriptor,
        envelope_media_type: EnvelopeMediaType,
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
#[non_exhaustive]
pub struct PushedSignature {
    /// Descriptor of the envelope blob.
    pub blob: Descriptor,
    /// Descriptor of the signature manifest.
    pub manifest: Descriptor,
}

impl PushedSignature {
    /// What a push stored: the envelope blob and the signature manifest.
    pub fn new(blob: Descriptor, manifest: Descriptor) -> Self {
        Self { blob, manifest }
    }
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

    /// Starts the part of a coming [`SignatureRepository::push_signature`] that does not need
    /// the envelope (a registry opens an upload session, makes sure the manifest's config blob
    /// is there and, when `subject` is known, reads its referrers tag index), so that a signer
    /// runs it alongside resolving and signing instead of after them. A hint only: nothing is
    /// reported here, whatever failed is done again (and reported) by the push, and a push
    /// without it works the same. The default does nothing.
    fn prepare_push_signature(&self, subject: Option<&Digest>) -> impl Future<Output = ()> + Send {
        let _ = subject;
        std::future::ready(())
    }
}

/// A boxed, sendable future (the return type of [`DynSignatureRepository`]'s methods).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The error of a type-erased repository: the implementation's own error, kept as the source.
pub struct RepositoryError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl RepositoryError {
    /// Wraps a repository's error (a `RepositoryError` is taken as it is, not wrapped again,
    /// so a repository held through two layers of `dyn` keeps one error to downcast).
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        let boxed: Box<dyn std::error::Error + Send + Sync + 'static> = Box::new(error);
        match boxed.downcast::<RepositoryError>() {
            Ok(inner) => *inner,
            Err(other) => Self(other),
        }
    }

    /// The wrapped error, if it is a `T`.
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }

    /// The wrapped error.
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.0
    }
}

impl fmt::Debug for RepositoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for RepositoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for RepositoryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// The object-safe form of [`SignatureRepository`], so a program can pick a registry or a
/// layout at run time and hold it as `Box<dyn DynSignatureRepository>`. Every
/// `SignatureRepository` implements it, and `dyn DynSignatureRepository` (boxed or shared)
/// implements `SignatureRepository` again, so it can be passed to the artifact flows.
pub trait DynSignatureRepository: Send + Sync {
    /// See [`SignatureRepository::resolve`].
    fn resolve_dyn<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Descriptor, RepositoryError>>;
    /// See [`SignatureRepository::resolve_is_cheap`].
    fn resolve_is_cheap_dyn(&self) -> bool;
    /// See [`SignatureRepository::list_signatures`].
    fn list_signatures_dyn<'a>(
        &'a self,
        subject: &'a Descriptor,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>, RepositoryError>>;
    /// See [`SignatureRepository::fetch_signature`].
    fn fetch_signature_dyn<'a>(
        &'a self,
        manifest: &'a Descriptor,
    ) -> BoxFuture<'a, Result<FetchedSignature, RepositoryError>>;
    /// See [`SignatureRepository::push_signature`].
    fn push_signature_dyn<'a>(
        &'a self,
        request: PushSignature<'a>,
    ) -> BoxFuture<'a, Result<PushedSignature, RepositoryError>>;
    /// See [`SignatureRepository::prepare_push_signature`].
    fn prepare_push_signature_dyn<'a>(&'a self, subject: Option<&'a Digest>) -> BoxFuture<'a, ()>;
}

impl<R: SignatureRepository> DynSignatureRepository for R {
    fn resolve_dyn<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<Descriptor, RepositoryError>> {
        Box::pin(async move { self.resolve(reference).await.map_err(RepositoryError::new) })
    }
    fn resolve_is_cheap_dyn(&self) -> bool {
        self.resolve_is_cheap()
    }
    fn list_signatures_dyn<'a>(
        &'a self,
        subject: &'a Descriptor,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>, RepositoryError>> {
        Box::pin(async move {
            self.list_signatures(subject, limit)
                .await
                .map_err(RepositoryError::new)
        })
    }
    fn fetch_signature_dyn<'a>(
        &'a self,
        manifest: &'a Descriptor,
    ) -> BoxFuture<'a, Result<FetchedSignature, RepositoryError>> {
        Box::pin(async move {
            self.fetch_signature(manifest)
                .await
                .map_err(RepositoryError::new)
        })
    }
    fn push_signature_dyn<'a>(
        &'a self,
        request: PushSignature<'a>,
    ) -> BoxFuture<'a, Result<PushedSignature, RepositoryError>> {
        Box::pin(async move {
            self.push_signature(request)
                .await
                .map_err(RepositoryError::new)
        })
    }
    fn prepare_push_signature_dyn<'a>(&'a self, subject: Option<&'a Digest>) -> BoxFuture<'a, ()> {
        Box::pin(self.prepare_push_signature(subject))
    }
}

/// The trait object behind each form [`dyn_repository!`] covers. A `Box` or `Arc` of the
/// object is itself a `SignatureRepository` (below), hence a `DynSignatureRepository` through
/// the blanket impl: calling `resolve_dyn` on it directly would pick that impl and call itself
/// forever, so every call goes through the object's own vtable.
trait AsDynRepository<'r> {
    fn as_dyn(&self) -> &(dyn DynSignatureRepository + 'r);
}

impl<'r> AsDynRepository<'r> for dyn DynSignatureRepository + 'r {
    fn as_dyn(&self) -> &(dyn DynSignatureRepository + 'r) {
        self
    }
}

impl<'r> AsDynRepository<'r> for Box<dyn DynSignatureRepository + 'r> {
    fn as_dyn(&self) -> &(dyn DynSignatureRepository + 'r) {
        &**self
    }
}

impl<'r> AsDynRepository<'r> for Arc<dyn DynSignatureRepository + 'r> {
    fn as_dyn(&self) -> &(dyn DynSignatureRepository + 'r) {
        &**self
    }
}

macro_rules! dyn_repository {
    ($ty:ty) => {
        impl<'r> SignatureRepository for $ty {
            type Error = RepositoryError;
            fn resolve(
                &self,
                reference: &str,
            ) -> impl Future<Output = Result<Descriptor, RepositoryError>> + Send {
                async move { self.as_dyn().resolve_dyn(reference).await }
            }
            fn resolve_is_cheap(&self) -> bool {
                self.as_dyn().resolve_is_cheap_dyn()
            }
            fn list_signatures(
                &self,
                subject: &Descriptor,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<Descriptor>, RepositoryError>> + Send {
                async move { self.as_dyn().list_signatures_dyn(subject, limit).await }
            }
            fn fetch_signature(
                &self,
                manifest: &Descriptor,
            ) -> impl Future<Output = Result<FetchedSignature, RepositoryError>> + Send {
                async move { self.as_dyn().fetch_signature_dyn(manifest).await }
            }
            fn push_signature(
                &self,
                request: PushSignature<'_>,
            ) -> impl Future<Output = Result<PushedSignature, RepositoryError>> + Send {
                async move { self.as_dyn().push_signature_dyn(request).await }
            }
            fn prepare_push_signature(
                &self,
                subject: Option<&Digest>,
            ) -> impl Future<Output = ()> + Send {
                async move { self.as_dyn().prepare_push_signature_dyn(subject).await }
            }
        }
    };
}

dyn_repository!(dyn DynSignatureRepository + 'r);
dyn_repository!(Box<dyn DynSignatureRepository + 'r>);
dyn_repository!(Arc<dyn DynSignatureRepository + 'r>);
