//! Signing and verifying artifacts where they live: any [`SignatureRepository`] (OCI registry
//! or OCI image layout). This is the only async part of the facade; it awaits nothing but the
//! repository.

use std::collections::BTreeMap;

use notary_core::{
    Descriptor, PushSignature, PushedSignature, SignatureRepository, THUMBPRINT_ANNOTATION,
};
use sha2::Digest as _;
use time::OffsetDateTime;

use crate::envelope::thumbprints;
use crate::signing::{SignOptions, SignedEnvelope, sign_artifact};
use crate::verifier::{VerificationError, VerificationOutcome, Verifier};
use crate::{Error, Signer};

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

/// Options of [`verify_artifact`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyArtifactOptions {
    /// Most signatures evaluated (must be > 0).
    pub max_signatures: usize,
    /// User metadata the signed payload must carry.
    pub user_metadata: BTreeMap<String, String>,
}

impl Default for VerifyArtifactOptions {
    fn default() -> Self {
        Self {
            max_signatures: DEFAULT_MAX_SIGNATURES,
            user_metadata: BTreeMap::new(),
        }
    }
}

/// A successful artifact verification.
#[derive(Debug, Clone)]
pub struct ArtifactVerification {
    /// The resolved artifact.
    pub artifact: Descriptor,
    /// The signature manifest that verified (`None` when the level is `skip`).
    pub signature_manifest: Option<Descriptor>,
    /// The verification outcome.
    pub outcome: VerificationOutcome,
}

/// Verifies an artifact: resolves `reference` in `repository`, lists its signatures and
/// verifies them in turn until one passes. `policy_scope` is the `registry/repository` the
/// trust policy sees (for an OCI layout, the user-chosen scope).
///
/// Signatures whose thumbprint annotation names a certificate of the policy's trust stores are
/// tried first; annotations are unsigned, so this only orders the work and never decides trust.
pub async fn verify_artifact<R: SignatureRepository>(
    repository: &R,
    verifier: &Verifier,
    reference: &str,
    policy_scope: &str,
    options: &VerifyArtifactOptions,
    now: OffsetDateTime,
) -> Result<ArtifactVerification, VerificationError> {
    if options.max_signatures == 0 {
        return Err(VerificationError::Repository {
            reason: "the maximum number of signatures must be greater than 0".into(),
        });
    }
    let digest_ref = reference_digest(reference)
        .map(|d| {
            d.parse::<notary_core::Digest>()
                .map_err(|e| VerificationError::Repository {
                    reason: format!("{reference}: {e}"),
                })
        })
        .transpose()?;
    // A digest reference into a remote repository is not resolved: the subject descriptor is
    // taken from each signature manifest and must carry the reference's digest; the signed
    // payload then binds its size and media type. This saves a round trip per verification.
    let lazy = digest_ref
        .as_ref()
        .filter(|_| !repository.resolve_is_cheap());
    let mut artifact = match lazy {
        Some(d) => Descriptor::new("", d.clone(), 0),
        None => repository
            .resolve(reference)
            .await
            .map_err(|e| VerificationError::Repository {
                reason: e.to_string(),
            })?,
    };
    if let Some(d) = &digest_ref
        && *d != artifact.digest
    {
        return Err(VerificationError::Repository {
            reason: format!(
                "resolved digest {} does not match the reference digest {d}",
                artifact.digest
            ),
        });
    }
    let policy_reference = format!("{policy_scope}@{}", artifact.digest);
    let statement = verifier.oci_statement(&policy_reference)?;
    if statement.signature_verification.level.is_skip() {
        if lazy.is_some() {
            artifact =
                repository
                    .resolve(reference)
                    .await
                    .map_err(|e| VerificationError::Repository {
                        reason: e.to_string(),
                    })?;
        }
        let outcome = verifier.verify_oci(
            &[],
            "",
            &policy_reference,
            &artifact,
            &options.user_metadata,
            now,
        )?;
        return Ok(ArtifactVerification {
            artifact,
            signature_manifest: None,
            outcome,
        });
    }
    let mut signatures = repository
        .list_signatures(&artifact, options.max_signatures.saturating_add(1))
        .await
        .map_err(|e| VerificationError::Repository {
            reason: e.to_string(),
        })?;
    if signatures.is_empty() {
        return Err(VerificationError::NoSignature {
            reference: reference.to_string(),
        });
    }
    let trusted = verifier.trusted_thumbprints(statement);
    // Stable sort: signatures naming a trusted certificate first, listing order otherwise.
    signatures.sort_by_key(|s| !names_trusted_cert(s, &trusted));

    let mut failures = Vec::new();
    for (i, manifest) in signatures.iter().enumerate() {
        if i >= options.max_signatures {
            failures.push(VerificationError::TooManySignatures {
                limit: options.max_signatures,
            });
            break;
        }
        let fetched = match repository.fetch_signature(manifest).await {
            Ok(f) => f,
            Err(e) => {
                failures.push(VerificationError::Repository {
                    reason: e.to_string(),
                });
                continue;
            }
        };
        // The manifest must name this artifact as its subject (a listing, such as a referrers
        // tag index, could point anywhere).
        let subject = match (&fetched.subject, lazy) {
            (Some(s), _) if s.digest == artifact.digest => {
                if lazy.is_some() {
                    s.clone()
                } else {
                    artifact.clone()
                }
            }
            (None, None) => artifact.clone(),
            (other, _) => {
                failures.push(VerificationError::Repository {
                    reason: format!(
                        "signature manifest {} has subject {}, not {}",
                        manifest.digest,
                        other
                            .as_ref()
                            .map_or_else(|| "none".to_string(), |s| s.digest.to_string()),
                        artifact.digest
                    ),
                });
                continue;
            }
        };
        match verifier.verify_oci(
            &fetched.envelope,
            &fetched.envelope_media_type,
            &policy_reference,
            &subject,
            &options.user_metadata,
            now,
        ) {
            Ok(outcome) => {
                return Ok(ArtifactVerification {
                    artifact: subject,
                    signature_manifest: Some(manifest.clone()),
                    outcome,
                });
            }
            Err(e) => failures.push(e),
        }
    }
    // Report the signature that got furthest first.
    failures.sort_by_key(|f| std::cmp::Reverse(f.progress()));
    Err(VerificationError::AllFailed {
        reference: reference.to_string(),
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
pub async fn sign_and_push<R: SignatureRepository>(
    repository: &R,
    reference: &str,
    signer: &dyn Signer,
    options: &SignOptions,
) -> Result<PushedArtifactSignature, SignAndPushError> {
    let artifact = repository
        .resolve(reference)
        .await
        .map_err(|e| SignAndPushError::Repository(e.to_string()))?;
    if let Some(d) = reference_digest(reference)
        && d != artifact.digest.to_string()
    {
        return Err(SignAndPushError::Repository(format!(
            "resolved digest {} does not match the reference digest {d}",
            artifact.digest
        )));
    }
    let signed = sign_artifact(&artifact, signer, options)?;
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
            thumbprints(&info.certificate_chain),
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
            signed.media_type().as_str(),
            &signed.bytes,
            annotations,
        ))
        .await
        .map_err(|e| SignAndPushError::Repository(e.to_string()))?;
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
    /// The repository failed.
    #[error("repository: {0}")]
    Repository(String),
}

impl Verifier {
    /// SHA-256 thumbprints (lowercase hex) of the certificates of the statement's signing stores.
    pub fn trusted_thumbprints(
        &self,
        statement: &notary_trustpolicy::TrustPolicyStatement,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for s in &statement.trust_stores {
            for t in [
                crate::truststore::TrustStoreType::Ca,
                crate::truststore::TrustStoreType::SigningAuthority,
            ] {
                if s.store_type.as_str() == t.as_str()
                    && let Ok(certs) = self.trust_store().certificates(t, &s.name)
                {
                    out.extend(
                        certs
                            .iter()
                            .map(|c| hex::encode(sha2::Sha256::digest(c.der()))),
                    );
                }
            }
        }
        out
    }
}
