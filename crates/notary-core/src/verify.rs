//! The verification boundary: the [`Verifier`] trait, the request it takes and the outcome it
//! returns.
//!
//! A verifier decides whether one signature envelope is trusted for one target (an OCI artifact
//! or a blob) under a trust policy. Implementations (the notation trust engine is
//! `notary-verifier`'s `NotaryVerifier`) do no I/O of their own beyond what the embedder gives
//! them; the clock comes in with every request.
//!
//! An outcome that says "verified" is made only by a verifier's explicit assertion
//! ([`VerifiedSignature::assertion`], in the manner of rustls' `ServerCertVerified::assertion`)
//! and only from a [`VerifiedEnvelope`], which exists only after a successful signature check
//! over the envelope's own signed bytes ([`VerifiedEnvelope::from_signature_check`], which takes
//! the payload from the bytes the signature covers): a caller cannot produce one by accident,
//! nor pair a genuine signature with a payload it does not cover. The check is as sound as the
//! crypto backend ([`crate::SignatureVerifier`]) it ran with, and the signed attributes are the
//! envelope codec's reading of the protected header it passed (not re-derived in the core).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::envelope::{EnvelopeMediaType, VerifiedEnvelope};
use crate::payload::Payload;
use crate::policy::{Enforcement, ValidationAction, ValidationType, VerificationLevel};

/// A shared, thread-safe error source kept in [`VerificationError`] (shared so the error stays
/// `Clone`).
pub type SharedError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Verifies signatures under a loaded trust policy.
///
/// Object safe: hold one as `Arc<dyn Verifier>`. Synchronous on purpose: verification is CPU
/// work; fetching envelopes is the repository's job.
pub trait Verifier: Send + Sync + fmt::Debug {
    /// The policy statement that applies to `target`, without looking at any signature (callers
    /// stop here when the level is [`VerificationLevel::Skip`], before fetching anything).
    fn policy(&self, target: PolicyTarget<'_>) -> Result<AppliedPolicy, VerificationError>;

    /// Verifies one envelope against one target, in notation's order: policy, integrity,
    /// verification plugin gate, authenticity, trusted identity, expiry, authentic timestamp,
    /// revocation, target, user metadata. A statement at level `skip` gives
    /// [`VerificationOutcome::Skipped`] without parsing the envelope.
    fn verify(&self, request: VerifyRequest<'_>) -> Result<VerificationOutcome, VerificationError>;
}

impl<V: Verifier + ?Sized> Verifier for &V {
    fn policy(&self, target: PolicyTarget<'_>) -> Result<AppliedPolicy, VerificationError> {
        (**self).policy(target)
    }
    fn verify(&self, request: VerifyRequest<'_>) -> Result<VerificationOutcome, VerificationError> {
        (**self).verify(request)
    }
}

impl<V: Verifier + ?Sized> Verifier for Box<V> {
    fn policy(&self, target: PolicyTarget<'_>) -> Result<AppliedPolicy, VerificationError> {
        (**self).policy(target)
    }
    fn verify(&self, request: VerifyRequest<'_>) -> Result<VerificationOutcome, VerificationError> {
        (**self).verify(request)
    }
}

impl<V: Verifier + ?Sized> Verifier for Arc<V> {
    fn policy(&self, target: PolicyTarget<'_>) -> Result<AppliedPolicy, VerificationError> {
        (**self).policy(target)
    }
    fn verify(&self, request: VerifyRequest<'_>) -> Result<VerificationOutcome, VerificationError> {
        (**self).verify(request)
    }
}

/// What a policy is selected for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum PolicyTarget<'a> {
    /// An OCI artifact: the statement whose registry scopes match `scope` (`registry/repository`).
    Oci {
        /// The `registry/repository` the trust policy sees.
        scope: &'a str,
        /// The artifact's manifest digest.
        digest: &'a Digest,
    },
    /// A blob: the statement named `policy_name`, or the global one.
    Blob {
        /// The statement name, or `None` for the global statement.
        policy_name: Option<&'a str>,
    },
}

/// One envelope and the target it must be for.
#[derive(Debug)]
#[non_exhaustive]
pub struct VerifyRequest<'a> {
    /// The envelope bytes exactly as received.
    pub envelope: &'a [u8],
    /// The envelope format (from the signature manifest's layer or the file's media type).
    pub media_type: EnvelopeMediaType,
    /// What the signature must be for.
    pub target: VerifyTarget<'a>,
    /// User metadata the signed payload must carry (`None`: no requirement).
    pub user_metadata: Option<&'a BTreeMap<String, String>>,
    /// The verification time (the core never reads the clock).
    pub now: OffsetDateTime,
}

impl<'a> VerifyRequest<'a> {
    /// A request for an OCI artifact: `artifact` is its resolved manifest descriptor and `scope`
    /// the `registry/repository` its policy is selected by.
    pub fn oci(
        envelope: &'a [u8],
        media_type: EnvelopeMediaType,
        scope: &'a str,
        artifact: &'a Descriptor,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            envelope,
            media_type,
            target: VerifyTarget::Oci { scope, artifact },
            user_metadata: None,
            now,
        }
    }

    /// A request for a detached blob signature.
    pub fn blob(
        envelope: &'a [u8],
        media_type: EnvelopeMediaType,
        blob: BlobTarget<'a>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            envelope,
            media_type,
            target: VerifyTarget::Blob(blob),
            user_metadata: None,
            now,
        }
    }

    /// Requires the signed payload to carry every key/value of `metadata`.
    #[must_use]
    pub fn with_user_metadata(mut self, metadata: &'a BTreeMap<String, String>) -> Self {
        self.user_metadata = Some(metadata);
        self
    }

    /// The policy target of this request.
    pub fn policy_target(&self) -> PolicyTarget<'_> {
        match &self.target {
            VerifyTarget::Oci { scope, artifact } => PolicyTarget::Oci {
                scope,
                digest: &artifact.digest,
            },
            VerifyTarget::Blob(b) => PolicyTarget::Blob {
                policy_name: b.policy_name,
            },
        }
    }
}

/// What a signature must be for.
#[derive(Debug)]
#[non_exhaustive]
pub enum VerifyTarget<'a> {
    /// An OCI artifact.
    Oci {
        /// The `registry/repository` the trust policy sees.
        scope: &'a str,
        /// The resolved manifest descriptor (digest, size and media type must all match).
        artifact: &'a Descriptor,
    },
    /// A blob.
    Blob(BlobTarget<'a>),
}

/// The blob a detached signature is checked against.
#[non_exhaustive]
pub struct BlobTarget<'a> {
    /// The blob content, streamed once with the hash the signing key implies.
    pub content: &'a mut dyn Read,
    /// The media type the signed descriptor must carry, if the caller requires one.
    pub media_type: Option<&'a str>,
    /// Trust-policy statement name; `None` selects the global statement.
    pub policy_name: Option<&'a str>,
}

impl<'a> BlobTarget<'a> {
    /// A blob read from `content`, under the global statement, with no media-type requirement.
    pub fn new(content: &'a mut dyn Read) -> Self {
        Self {
            content,
            media_type: None,
            policy_name: None,
        }
    }

    /// Requires the signed descriptor's media type to be `media_type`.
    #[must_use]
    pub fn with_media_type(mut self, media_type: &'a str) -> Self {
        self.media_type = Some(media_type);
        self
    }

    /// Selects the statement named `name` instead of the global one.
    #[must_use]
    pub fn with_policy_name(mut self, name: &'a str) -> Self {
        self.policy_name = Some(name);
        self
    }
}

impl fmt::Debug for BlobTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobTarget")
            .field("media_type", &self.media_type)
            .field("policy_name", &self.policy_name)
            .finish_non_exhaustive()
    }
}

/// The trust-policy statement a verification applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPolicy {
    name: String,
    level: VerificationLevel,
    enforcement: Enforcement,
    trusted_thumbprints: Vec<String>,
}

impl AppliedPolicy {
    /// A statement `name` at `level` with the actions `enforcement`.
    pub fn new(
        name: impl Into<String>,
        level: VerificationLevel,
        enforcement: Enforcement,
    ) -> Self {
        Self {
            name: name.into(),
            level,
            enforcement,
            trusted_thumbprints: Vec::new(),
        }
    }

    /// Records the SHA-256 thumbprints (lowercase hex) of the certificates of the statement's
    /// signing trust stores. They only order which signature is tried first; trust is decided by
    /// byte equality during verification.
    #[must_use]
    pub fn with_trusted_thumbprints(mut self, thumbprints: Vec<String>) -> Self {
        self.trusted_thumbprints = thumbprints;
        self
    }

    /// The statement name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verification level (`Custom` when overrides apply).
    pub fn level(&self) -> VerificationLevel {
        self.level
    }

    /// The action for each validation.
    pub fn enforcement(&self) -> &Enforcement {
        &self.enforcement
    }

    /// The action for `validation`.
    pub fn action(&self, validation: ValidationType) -> ValidationAction {
        self.enforcement.action(validation)
    }

    /// True when the level is `skip`: nothing is verified.
    pub fn is_skip(&self) -> bool {
        self.level == VerificationLevel::Skip
    }

    /// Thumbprints of the trusted signing certificates (an ordering hint, see
    /// [`Self::with_trusted_thumbprints`]).
    pub fn trusted_thumbprints(&self) -> &[String] {
        &self.trusted_thumbprints
    }
}

/// The validations a signature goes through, in notation's order. `TrustedIdentity` is
/// reported on its own although it follows the authenticity action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Validation {
    /// The signature parses and verifies with its leaf key; header and chain rules hold.
    Integrity,
    /// A verification plugin is required (named by the signature or by unknown critical attributes).
    Plugin,
    /// Some certificate of the chain is byte-identical to a trust-store certificate.
    Authenticity,
    /// The leaf certificate's subject matches a trusted identity.
    TrustedIdentity,
    /// The signature has not expired.
    Expiry,
    /// The signing chain was valid at a trusted time (timestamp, authentic signing time or now).
    AuthenticTimestamp,
    /// No certificate of the chain is revoked.
    Revocation,
    /// The signed descriptor (or blob digest, size and media type) equals the target.
    TargetMismatch,
    /// The signed annotations hold the user metadata the caller requires.
    UserMetadata,
}

impl Validation {
    /// The snake-case name (`integrity`, `trusted_identity`, ...), as used by the interop corpus.
    pub fn name(self) -> &'static str {
        match self {
            Self::Integrity => "integrity",
            Self::Plugin => "plugin",
            Self::Authenticity => "authenticity",
            Self::TrustedIdentity => "trusted_identity",
            Self::Expiry => "expiry",
            Self::AuthenticTimestamp => "authentic_timestamp",
            Self::Revocation => "revocation",
            Self::TargetMismatch => "target_mismatch",
            Self::UserMetadata => "user_metadata",
        }
    }

    /// The name notation gives this validation in its log messages and trust policy overrides:
    /// `authenticTimestamp`, and `authenticity` for a trusted identity, which notation checks as
    /// part of authenticity.
    ///
    /// ```
    /// use notary_core::verify::Validation;
    /// assert_eq!(Validation::AuthenticTimestamp.notation_name(), "authenticTimestamp");
    /// assert_eq!(Validation::TrustedIdentity.notation_name(), "authenticity");
    /// ```
    pub fn notation_name(self) -> &'static str {
        match self {
            Self::TrustedIdentity => "authenticity",
            Self::AuthenticTimestamp => "authenticTimestamp",
            other => other.name(),
        }
    }

    /// How far verification got when this validation ran (used to pick the most telling of
    /// several failures).
    pub fn progress(self) -> usize {
        (self as usize).saturating_add(1)
    }
}

impl fmt::Display for Validation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happened to one validation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckStatus {
    /// It ran and passed.
    Passed,
    /// It failed, and its action is `log`: recorded, verification went on.
    Logged(String),
    /// Its action is `skip` (or it does not apply).
    Skipped,
}

/// One validation's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    validation: Validation,
    status: CheckStatus,
}

impl CheckResult {
    /// The result `status` of `validation`.
    pub fn new(validation: Validation, status: CheckStatus) -> Self {
        Self { validation, status }
    }

    /// The validation.
    pub fn validation(&self) -> Validation {
        self.validation
    }

    /// Its status.
    pub fn status(&self) -> &CheckStatus {
        &self.status
    }
}

/// The result of [`Verifier::verify`]: verified, or skipped by a `skip` level.
#[must_use]
#[derive(Debug, Clone)]
#[non_exhaustive]
#[expect(
    clippy::large_enum_variant,
    reason = "one outcome per verification, moved rarely; boxing would only add an allocation"
)]
pub enum VerificationOutcome {
    /// The signature passed every enforced validation.
    Verified(VerifiedSignature),
    /// The statement's level is `skip`: nothing was verified.
    Skipped(SkippedVerification),
}

impl VerificationOutcome {
    /// The statement applied.
    pub fn policy(&self) -> &AppliedPolicy {
        match self {
            Self::Verified(v) => &v.policy,
            Self::Skipped(s) => &s.policy,
        }
    }

    /// The level applied.
    pub fn level(&self) -> VerificationLevel {
        self.policy().level()
    }

    /// The name of the statement applied.
    pub fn policy_name(&self) -> &str {
        self.policy().name()
    }

    /// True when a signature was verified (not skipped).
    pub fn is_verified(&self) -> bool {
        matches!(self, Self::Verified(_))
    }

    /// True when the level was `skip` and nothing was verified.
    pub fn is_skipped(&self) -> bool {
        matches!(self, Self::Skipped(_))
    }

    /// The verified signature, unless skipped.
    pub fn verified(&self) -> Option<&VerifiedSignature> {
        match self {
            Self::Verified(v) => Some(v),
            Self::Skipped(_) => None,
        }
    }

    /// The result of each validation in order (empty when skipped).
    pub fn checks(&self) -> &[CheckResult] {
        match self {
            Self::Verified(v) => &v.checks,
            Self::Skipped(_) => &[],
        }
    }

    /// The failures that were logged instead of enforced.
    pub fn warnings(&self) -> impl Iterator<Item = (Validation, &str)> {
        self.checks().iter().filter_map(|c| match &c.status {
            CheckStatus::Logged(r) => Some((c.validation, r.as_str())),
            _ => None,
        })
    }
}

/// A signature that passed verification: the policy, the verified envelope, its payload and
/// each validation's result.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    policy: AppliedPolicy,
    envelope: VerifiedEnvelope,
    payload: Payload,
    checks: Vec<CheckResult>,
}

impl VerifiedSignature {
    /// The only constructor: a verifier asserts that `envelope` passed every enforced
    /// validation of `policy`. The payload is decoded here from the verified bytes, so it is
    /// always the one that was signed. Fails for a `skip` policy (see
    /// [`SkippedVerification::assertion`]).
    pub fn assertion(
        policy: AppliedPolicy,
        envelope: VerifiedEnvelope,
        checks: Vec<CheckResult>,
    ) -> Result<Self, VerificationError> {
        if policy.is_skip() {
            return Err(VerificationError::Policy {
                reason: "a skip policy verifies nothing".into(),
                source: None,
            });
        }
        let payload = envelope
            .decode_payload()
            .map_err(|e| VerificationError::failed_with(Validation::Integrity, e.to_string(), e))?;
        Ok(Self {
            policy,
            envelope,
            payload,
            checks,
        })
    }

    /// The statement applied.
    pub fn policy(&self) -> &AppliedPolicy {
        &self.policy
    }

    /// The verified envelope (signer information, exact payload bytes).
    pub fn envelope(&self) -> &VerifiedEnvelope {
        &self.envelope
    }

    /// The signed payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// Each validation's result in order.
    pub fn checks(&self) -> &[CheckResult] {
        &self.checks
    }
}

/// A verification skipped by a `skip` statement.
#[derive(Debug, Clone)]
pub struct SkippedVerification {
    policy: AppliedPolicy,
}

impl SkippedVerification {
    /// Records that `policy` skips verification; fails unless its level is `skip`.
    pub fn assertion(policy: AppliedPolicy) -> Result<Self, VerificationError> {
        if !policy.is_skip() {
            return Err(VerificationError::Policy {
                reason: format!(
                    "the trust policy {:?} has level {}, not skip",
                    policy.name(),
                    policy.level()
                ),
                source: None,
            });
        }
        Ok(Self { policy })
    }

    /// The statement applied.
    pub fn policy(&self) -> &AppliedPolicy {
        &self.policy
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum VerificationError {
    /// The trust policy is invalid or has no statement for this target.
    Policy {
        /// What is wrong.
        reason: String,
        /// The underlying error, if any.
        source: Option<SharedError>,
    },
    /// The request cannot be verified whatever the policy says (an empty signature, a media
    /// type that is not one), refused before any statement applies, as notation-go refuses it.
    Request {
        /// What is wrong.
        reason: String,
    },
    /// An enforced validation failed.
    Failed {
        /// The validation that failed.
        validation: Validation,
        /// Why.
        reason: String,
        /// The underlying error, if any.
        source: Option<SharedError>,
    },
}

impl VerificationError {
    /// A failed validation with a reason.
    pub fn failed(validation: Validation, reason: impl Into<String>) -> Self {
        Self::Failed {
            validation,
            reason: reason.into(),
            source: None,
        }
    }

    /// A failed validation with a reason and the error behind it.
    pub fn failed_with(
        validation: Validation,
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Failed {
            validation,
            reason: reason.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// A policy error with the error behind it.
    pub fn policy_with(
        reason: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Policy {
            reason: reason.into(),
            source: Some(Arc::new(source)),
        }
    }

    /// The validation that failed, if this is a validation failure.
    pub fn validation(&self) -> Option<Validation> {
        match self {
            Self::Failed { validation, .. } => Some(*validation),
            Self::Policy { .. } | Self::Request { .. } => None,
        }
    }

    /// How far verification got before this error (0 for policy and request errors).
    pub fn progress(&self) -> usize {
        self.validation().map_or(0, Validation::progress)
    }
}

impl fmt::Display for VerificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The trust policy's own words (notation's), unprefixed: notation prints them after
            // "signature verification failed: " as they are, and scripts match them.
            Self::Policy { reason, .. } => f.write_str(reason),
            Self::Request { reason } => f.write_str(reason),
            Self::Failed {
                validation, reason, ..
            // notation's words and names ("authenticTimestamp validation failed. Failure
            // reason: ..."), which its users and tests match.
            } => write!(
                f,
                "{} validation failed. Failure reason: {reason}",
                validation.notation_name()
            ),
        }
    }
}

impl std::error::Error for VerificationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Policy { source, .. } | Self::Failed { source, .. } => source
                .as_ref()
                .map(|s| s.as_ref() as &(dyn std::error::Error + 'static)),
            Self::Request { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(level: VerificationLevel) -> AppliedPolicy {
        AppliedPolicy::new("p", level, Enforcement::of(level).unwrap())
    }

    #[test]
    fn skipped_assertion_needs_a_skip_policy() {
        assert!(SkippedVerification::assertion(policy(VerificationLevel::Skip)).is_ok());
        let err = SkippedVerification::assertion(policy(VerificationLevel::Strict)).unwrap_err();
        assert!(err.to_string().contains("not skip"), "{err}");
    }

    #[test]
    fn error_keeps_its_source() {
        let inner = crate::Error::InvalidPayload {
            reason: "bad".into(),
        };
        let e = VerificationError::failed_with(Validation::Integrity, "x", inner.clone());
        let src = std::error::Error::source(&e).unwrap();
        assert_eq!(src.to_string(), inner.to_string());
        assert_eq!(e.validation(), Some(Validation::Integrity));
        assert!(
            VerificationError::failed(Validation::Revocation, "").progress() > e.progress(),
            "a later validation got further"
        );
    }
}
