//! Signing and verifying artifacts where they live: any [`SignatureRepository`] (OCI registry
//! or OCI image layout). This is the only async part of the facade; it awaits nothing but the
//! repository.

use std::collections::BTreeMap;

use notary_core::{
    AsyncSigner, Descriptor, Digest, PolicyTarget, PushSignature, PushedSignature,
    SignatureRepository, SkippedVerification, THUMBPRINT_ANNOTATION, UnsupportedEnvelopeFormat,
    Validation, VerificationError, VerificationOutcome, Verifier, VerifyRequest,
};
use time::OffsetDateTime;

use crate::Error;
use crate::signing::{SignOptions, SignedEnvelope, sign_artifact_async};
use notary_verifier::thumbprints;

/// Runs a future to completion on the current thread, parking between polls until its waker
/// fires. Enough for repositories that do their I/O synchronously (OCI layouts) or wake the
/// task themselves; futures that need a specific runtime (e.g. tokio I/O) must be run on it.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// Annotation notation sets to the signing time on signature manifests.
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";

/// notation's default limit on signatures evaluated per artifact.
pub const DEFAULT_MAX_SIGNATURES: usize = 100;

/// What to verify: a reference in a repository, under the policy of a scope, at a time.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyArtifactRequest<'a> {
    /// The artifact reference (`registry/repo:tag`, `registry/repo@sha256:...`, or a tag or
    /// digest of an OCI layout).
    pub reference: &'a str,
    /// The `registry/repository` the trust policy sees (for an OCI layout, the user-chosen scope).
    pub policy_scope: &'a str,
    /// Most signatures evaluated (must be > 0; notation's default is 100).
    pub max_signatures: usize,
    /// User metadata the signed payload must carry.
    pub user_metadata: Option<&'a BTreeMap<String, String>>,
    /// The verification time.
    pub now: OffsetDateTime,
}

impl<'a> VerifyArtifactRequest<'a> {
    /// A request with notation's defaults (at most 100 signatures, no user metadata).
    pub fn new(reference: &'a str, policy_scope: &'a str, now: OffsetDateTime) -> Self {
        Self {
            reference,
            policy_scope,
            max_signatures: DEFAULT_MAX_SIGNATURES,
            user_metadata: None,
            now,
        }
    }

    /// Sets the most signatures evaluated.
    #[must_use]
    pub fn with_max_signatures(mut self, max: usize) -> Self {
        self.max_signatures = max;
        self
    }

    /// Requires user metadata.
    #[must_use]
    pub fn with_user_metadata(mut self, metadata: &'a BTreeMap<String, String>) -> Self {
        self.user_metadata = Some(metadata);
        self
    }
}

/// A successful artifact verification.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ArtifactVerification {
    /// The resolved artifact.
    pub artifact: Descriptor,
    /// The signature manifest that verified (`None` when the level is `skip`).
    pub signature_manifest: Option<Descriptor>,
    /// The verification outcome (only a [`Verifier`] makes one).
    pub outcome: VerificationOutcome,
}

/// Boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What notation says before the reason an artifact could not be resolved, in every command
/// that resolves one (sign, verify, list, inspect).
pub const RESOLVE_FAILED: &str = "failed to get manifest descriptor";

/// The repository call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepositoryOperation {
    /// Resolving the reference.
    Resolve,
    /// Listing the signatures.
    List,
}

/// Why an artifact did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyArtifactError {
    /// The request is invalid (e.g. a zero signature limit).
    #[error("{reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// The reference's digest is malformed.
    #[error("invalid reference {reference:?}: {source}")]
    InvalidReference {
        /// The reference.
        reference: String,
        /// The digest error.
        #[source]
        source: notary_core::Error,
    },
    /// The repository failed to resolve the reference (after [`RESOLVE_FAILED`], notation's
    /// words) or to list its signatures (the repository's error alone, as notation prints it:
    /// it names the listing request).
    #[error("{}{source}", match operation {
        RepositoryOperation::Resolve => format!("{RESOLVE_FAILED}: "),
        _ => String::new(),
    })]
    Repository {
        /// The call that failed.
        operation: RepositoryOperation,
        /// The repository's error.
        #[source]
        source: BoxError,
    },
    /// The repository resolved the reference to another digest than the reference names.
    #[error("resolved digest {resolved} does not match the reference digest {expected}")]
    DigestMismatch {
        /// The reference's digest.
        expected: notary_core::Digest,
        /// The resolved digest.
        resolved: notary_core::Digest,
    },
    /// No trust-policy statement applies, or the policy is invalid.
    #[error(transparent)]
    Policy(VerificationError),
    /// The artifact has no signature.
    #[error(
        "no signature is associated with {reference:?}, make sure the artifact was signed successfully"
    )]
    NoSignature {
        /// The artifact as `scope@digest` (for a registry, its full reference by digest).
        reference: String,
    },
    /// Every signature failed; the first failure is the one that got furthest.
    #[error("signature verification failed for all the signatures associated with {reference:?}: {}", .failures.first().map(|f| f.to_string()).unwrap_or_default())]
    AllFailed {
        /// The artifact as `scope@digest` (for a registry, its full reference by digest).
        reference: String,
        /// One failure per signature tried, best first.
        failures: Vec<SignatureFailure>,
    },
}

impl VerifyArtifactError {
    /// The validation that failed, for [`Self::AllFailed`] that of the signature that got
    /// furthest.
    pub fn validation(&self) -> Option<Validation> {
        match self {
            Self::AllFailed { failures, .. } => failures.first().and_then(|f| f.validation()),
            _ => None,
        }
    }
}

/// Why one signature of the artifact failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The signature could not be fetched.
    #[error("cannot fetch signature {manifest}: {source}")]
    Fetch {
        /// The signature manifest's digest.
        manifest: notary_core::Digest,
        /// The repository's error.
        #[source]
        source: BoxError,
    },
    /// The signature manifest names another subject.
    #[error("signature manifest {manifest} has subject {found}, not {expected}")]
    SubjectMismatch {
        /// The signature manifest's digest.
        manifest: notary_core::Digest,
        /// The subject it names (`none` when absent).
        found: String,
        /// The artifact's digest.
        expected: notary_core::Digest,
    },
    /// More signatures than the limit.
    #[error("signature evaluation stopped: the configured limit of {limit} signatures was reached")]
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// The verifier refused it.
    #[error(transparent)]
    Verification(VerificationError),
}

impl SignatureFailure {
    /// The validation that failed, when the verifier refused the signature.
    pub fn validation(&self) -> Option<Validation> {
        match self {
            Self::Verification(e) => e.validation(),
            _ => None,
        }
    }

    fn progress(&self) -> usize {
        match self {
            Self::Verification(e) => e.progress(),
            _ => 0,
        }
    }
}

/// The artifact's descriptor: resolved, or only its digest while resolution was skipped.
enum Subject {
    Resolved(Descriptor),
    Pending(notary_core::Digest),
}

impl Subject {
    fn digest(&self) -> &notary_core::Digest {
        match self {
            Self::Resolved(d) => &d.digest,
            Self::Pending(d) => d,
        }
    }
}

/// Verifies an artifact: resolves the reference in `repository`, asks `verifier` for the policy,
/// lists the signatures and verifies them in turn until one passes.
///
/// Signatures whose thumbprint annotation names a certificate of the policy's trust stores are
/// tried first; annotations are unsigned, so this only orders the work and never decides trust.
///
/// Only the repository is awaited: `verifier` is synchronous and runs on the calling task.
/// With online revocation checking or verification plugins (as
/// [`crate::config::NotationDir::oci_verifier`] sets them up) it may wait on an OCSP or CRL
/// server or a plugin process for up to their timeouts; on tokio, call this from a
/// multi-threaded runtime and hand the worker over around it (`tokio::task::block_in_place`, as
/// the admission webhook does), or run it on a blocking thread with [`block_on`].
pub async fn verify_artifact<R, V>(
    repository: &R,
    verifier: &V,
    request: &VerifyArtifactRequest<'_>,
) -> Result<ArtifactVerification, VerifyArtifactError>
where
    R: SignatureRepository + ?Sized,
    V: Verifier + ?Sized,
{
    let reference = request.reference;
    if request.max_signatures == 0 {
        return Err(VerifyArtifactError::InvalidRequest {
            reason: "the maximum number of signatures must be greater than 0".into(),
        });
    }
    let repo_err = |operation| {
        move |e: R::Error| VerifyArtifactError::Repository {
            operation,
            source: Box::new(e),
        }
    };
    let digest_ref = reference_digest(reference)
        .map(|d| {
            d.parse::<notary_core::Digest>().map_err(|source| {
                VerifyArtifactError::InvalidReference {
                    reference: reference.to_string(),
                    source,
                }
            })
        })
        .transpose()?;
    // A digest reference into a remote repository is not resolved: the subject descriptor is
    // taken from each signature manifest and must carry the reference's digest; the signed
    // payload then binds its size and media type. This saves a round trip per verification.
    let subject = match digest_ref {
        Some(d) if !repository.resolve_is_cheap() => Subject::Pending(d),
        _ => {
            let resolved = repository
                .resolve(reference)
                .await
                .map_err(repo_err(RepositoryOperation::Resolve))?;
            if let Some(d) = &digest_ref
                && *d != resolved.digest
            {
                return Err(VerifyArtifactError::DigestMismatch {
                    expected: d.clone(),
                    resolved: resolved.digest,
                });
            }
            Subject::Resolved(resolved)
        }
    };
    let policy = verifier
        .policy(PolicyTarget::Oci {
            scope: request.policy_scope,
            digest: subject.digest(),
        })
        .map_err(VerifyArtifactError::Policy)?;
    if policy.is_skip() {
        let artifact = match subject {
            Subject::Resolved(d) => d,
            Subject::Pending(_) => repository
                .resolve(reference)
                .await
                .map_err(repo_err(RepositoryOperation::Resolve))?,
        };
        let skipped =
            SkippedVerification::assertion(policy).map_err(VerifyArtifactError::Policy)?;
        // notation-go's words under `-v`.
        tracing::info!(
            "Signature verification skipped for {}@{}",
            request.policy_scope,
            artifact.digest
        );
        return Ok(ArtifactVerification {
            artifact,
            signature_manifest: None,
            outcome: VerificationOutcome::Skipped(skipped),
        });
    }
    let listing_subject = match &subject {
        Subject::Resolved(d) => d.clone(),
        // Listing needs only the digest.
        Subject::Pending(d) => Descriptor::new("", d.clone(), 0),
    };
    let mut signatures = repository
        .list_signatures(&listing_subject, request.max_signatures.saturating_add(1))
        .await
        .map_err(repo_err(RepositoryOperation::List))?;
    // Named as notation names it: the scope the policy applies to, at the digest.
    let named = format!("{}@{}", request.policy_scope, subject.digest());
    if signatures.is_empty() {
        return Err(VerifyArtifactError::NoSignature { reference: named });
    }
    // Only the first `max_signatures` of the listing are candidates (as in notation); the one
    // listed beyond them only tells that the limit was reached.
    let exceeded = signatures.len() > request.max_signatures;
    signatures.truncate(request.max_signatures);
    let trusted = policy.trusted_thumbprints();
    // Stable sort: signatures naming a trusted certificate first, listing order otherwise.
    signatures.sort_by_key(|s| !names_trusted_cert(s, trusted));

    let mut failures = Vec::new();
    for manifest in &signatures {
        let fetched = match repository.fetch_signature(manifest).await {
            Ok(f) => f,
            Err(e) => {
                // Not a Notary envelope: the signature fails integrity (notation's verdict), it
                // is not a repository failure.
                if let Some(reason) = UnsupportedEnvelopeFormat::find(&e).map(ToString::to_string) {
                    failures.push(SignatureFailure::Verification(
                        VerificationError::failed_with(Validation::Integrity, reason, e),
                    ));
                    continue;
                }
                failures.push(SignatureFailure::Fetch {
                    manifest: manifest.digest.clone(),
                    source: Box::new(e),
                });
                continue;
            }
        };
        // The manifest must name this artifact as its subject (a listing, such as a referrers
        // tag index, could point anywhere).
        let artifact = match (&fetched.subject, &subject) {
            (Some(s), Subject::Pending(d)) if s.digest == *d => s.clone(),
            (Some(s), Subject::Resolved(r)) if s.digest == r.digest => r.clone(),
            (None, Subject::Resolved(r)) => r.clone(),
            (other, _) => {
                failures.push(SignatureFailure::SubjectMismatch {
                    manifest: manifest.digest.clone(),
                    found: other
                        .as_ref()
                        .map_or_else(|| "none".to_string(), |s| s.digest.to_string()),
                    expected: subject.digest().clone(),
                });
                continue;
            }
        };
        let mut verify = VerifyRequest::oci(
            &fetched.envelope,
            fetched.envelope_media_type,
            request.policy_scope,
            &artifact,
            request.now,
        );
        if let Some(m) = request.user_metadata {
            verify = verify.with_user_metadata(m);
        }
        match verifier.verify(verify) {
            Ok(outcome) => {
                return Ok(ArtifactVerification {
                    artifact,
                    signature_manifest: Some(manifest.clone()),
                    outcome,
                });
            }
            Err(e) => failures.push(SignatureFailure::Verification(e)),
        }
    }
    if exceeded {
        failures.push(SignatureFailure::TooManySignatures {
            limit: request.max_signatures,
        });
    }
    // Report the signature that got furthest first.
    failures.sort_by_key(|f| std::cmp::Reverse(f.progress()));
    Err(VerifyArtifactError::AllFailed {
        reference: named,
        failures,
    })
}

fn reference_digest(reference: &str) -> Option<&str> {
    if reference.starts_with("sha256:")
        || reference.starts_with("sha384:")
        || reference.starts_with("sha512:")
    {
        return Some(reference);
    }
    reference.rsplit_once('@').map(|(_, d)| d)
}

/// Runs two futures concurrently on the caller's task (no runtime needed) until both finish.
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::task::Poll;
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(move |cx| {
        if ra.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

fn names_trusted_cert(manifest: &Descriptor, trusted: &[String]) -> bool {
    let Some(value) = manifest
        .annotations
        .as_ref()
        .and_then(|a| a.get(THUMBPRINT_ANNOTATION))
    else {
        return false;
    };
    let Ok(list) = serde_json::from_str::<Vec<String>>(value) else {
        return false;
    };
    list.iter()
        .any(|t| trusted.iter().any(|x| x.eq_ignore_ascii_case(t)))
}

/// What [`sign_and_push`] stored.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PushedArtifactSignature {
    /// The signed artifact.
    pub artifact: Descriptor,
    /// The envelope and its verified view.
    pub signed: SignedEnvelope,
    /// Where it was stored.
    pub pushed: PushedSignature,
}

/// Signs the artifact `reference` resolves to and stores the signature next to it, with
/// notation's thumbprint and creation-time annotations. The artifact is never modified.
///
/// The signer is awaited (see [`AsyncSigner`]; every [`crate::Signer`] is one), so a remote
/// KMS does not block the runtime.
pub async fn sign_and_push<R, S>(
    repository: &R,
    reference: &str,
    signer: &S,
    options: &SignOptions,
) -> Result<PushedArtifactSignature, SignAndPushError>
where
    R: SignatureRepository + ?Sized,
    S: AsyncSigner + ?Sized,
{
    // What the push can do without the envelope (an upload session, the config blob, the tag
    // index) runs while the artifact is resolved and signed, not after.
    let digest = reference_digest(reference);
    let subject_hint = digest.and_then(|d| d.parse::<Digest>().ok());
    let prepare = repository.prepare_push_signature(subject_hint.as_ref());
    let resolve_and_sign = async {
        let artifact = repository
            .resolve(reference)
            .await
            .map_err(|e| SignAndPushError::Resolve(Box::new(e)))?;
        if let Some(d) = digest
            && d != artifact.digest.to_string()
        {
            return Err(SignAndPushError::DigestMismatch {
                expected: d.to_string(),
                resolved: artifact.digest.clone(),
            });
        }
        let signed = sign_artifact_async(&artifact, signer, options).await?;
        Ok((artifact, signed))
    };
    let ((), done) = join(prepare, resolve_and_sign).await;
    let (artifact, signed) = done?;
    let info = signed.envelope.signer_info();
    let time = info
        .signed_attributes
        .signing_time
        .or(info.signed_attributes.authentic_signing_time)
        .unwrap_or(options.signing_time);
    let created = notary_core::timefmt::format_rfc3339(notary_core::timefmt::to_utc(time)?)?;
    // Annotations of an envelope plugin first, so the host's own keys win.
    let mut annotations = signed.annotations.clone();
    annotations.extend([
        (
            THUMBPRINT_ANNOTATION.to_string(),
            thumbprints(&options.provider, &info.certificate_chain),
        ),
        (CREATED_ANNOTATION.to_string(), created),
    ]);
    let subject = Descriptor::new(
        artifact.media_type.clone(),
        artifact.digest.clone(),
        artifact.size,
    );
    let pushed = repository
        .push_signature(PushSignature::new(
            &subject,
            signed.media_type(),
            &signed.bytes,
            annotations,
        ))
        .await
        .map_err(|e| SignAndPushError::Repository(Box::new(e)))?;
    Ok(PushedArtifactSignature {
        artifact,
        signed,
        pushed,
    })
}

/// Why [`sign_and_push`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignAndPushError {
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] Error),
    /// A time could not be formatted.
    #[error(transparent)]
    Core(#[from] notary_core::Error),
    /// The artifact could not be resolved (its error is the source); in notation's words.
    #[error("{prefix}: {0}", prefix = RESOLVE_FAILED)]
    Resolve(#[source] BoxError),
    /// The repository failed (its error is the source).
    #[error("repository: {0}")]
    Repository(#[source] BoxError),
    /// The repository resolved the reference to another digest than the reference names.
    #[error("resolved digest {resolved} does not match the reference digest {expected}")]
    DigestMismatch {
        /// The reference's digest.
        expected: String,
        /// The resolved digest.
        resolved: notary_core::Digest,
    },
}
