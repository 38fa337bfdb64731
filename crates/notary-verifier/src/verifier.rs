//! [`NotaryVerifier`]: the orchestration of the steps, in notation's order. Each check follows
//! the action its level gives it: enforce stops with an error, log records a warning and goes
//! on, skip does not run it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use notary_core::crypto::CryptoProvider;
use notary_core::{
    AppliedPolicy, CheckResult, CheckStatus, EnvelopeMediaType, Payload, PolicyTarget,
    SigningScheme, SkippedVerification, Validation, ValidationAction, ValidationType,
    VerificationError, VerificationOutcome, VerifiedEnvelope, VerifiedSignature, Verifier,
    VerifyRequest, VerifyTarget,
};
use notary_revocation::{
    OfflineRevocation, RevocationChecker, RevocationPurpose, RevocationStatus,
};
use notary_trustpolicy::{BlobTrustPolicy, OciTrustPolicy, TrustPolicyStatement};
use notary_x509::{Certificate, X509Verifier};
use time::OffsetDateTime;

use crate::envelope::UnverifiedEnvelope;
use crate::plugin::VerificationPlugin;
use crate::steps::timestamp::TimestampCheck;
use crate::steps::{StepFailure, StepResult, authenticity, plugin, target};
use crate::truststore::TrustStore;

pub use crate::steps::target::hash_reader;

/// The notation trust engine: verifies envelopes against trust policies and a trust store.
///
/// Build it once and share it (`Arc<dyn Verifier>`); every call takes the verification time.
#[derive(Clone)]
pub struct NotaryVerifier {
    x509: X509Verifier,
    trust_store: Arc<dyn TrustStore>,
    oci_policy: Option<OciTrustPolicy>,
    blob_policy: Option<BlobTrustPolicy>,
    revocation: Arc<dyn RevocationChecker>,
    plugins: Option<Arc<dyn VerificationPlugin>>,
    plugin_config: BTreeMap<String, String>,
}

impl fmt::Debug for NotaryVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotaryVerifier")
            .field("provider", &self.x509.provider().name)
            .field("oci_policy", &self.oci_policy.is_some())
            .field("blob_policy", &self.blob_policy.is_some())
            .field("plugins", &self.plugins.is_some())
            .finish_non_exhaustive()
    }
}

impl NotaryVerifier {
    /// A verifier using `provider` for every signature and digest, over `trust_store`, with no
    /// policies yet, offline revocation ([`OfflineRevocation`]) and no verification plugins.
    pub fn new(provider: CryptoProvider, trust_store: Arc<dyn TrustStore>) -> Self {
        Self {
            x509: X509Verifier::new(provider),
            trust_store,
            oci_policy: None,
            blob_policy: None,
            revocation: Arc::new(OfflineRevocation),
            plugins: None,
            plugin_config: BTreeMap::new(),
        }
    }

    /// Replaces the trust store (for example with a
    /// [`SnapshotTrustStore`](crate::truststore::SnapshotTrustStore) over the one it has).
    #[must_use]
    pub fn with_trust_store(mut self, trust_store: Arc<dyn TrustStore>) -> Self {
        self.trust_store = trust_store;
        self
    }

    /// Sets the OCI trust policy.
    #[must_use]
    pub fn with_oci_policy(mut self, policy: OciTrustPolicy) -> Self {
        self.oci_policy = Some(policy);
        self
    }

    /// Sets the blob trust policy.
    #[must_use]
    pub fn with_blob_policy(mut self, policy: BlobTrustPolicy) -> Self {
        self.blob_policy = Some(policy);
        self
    }

    /// Sets the revocation checker (OCSP/CRL with injected fetching, or your own).
    #[must_use]
    pub fn with_revocation(mut self, checker: Arc<dyn RevocationChecker>) -> Self {
        self.revocation = checker;
        self
    }

    /// Runs the verification plugins that signatures name (`io.cncf.notary.verificationPlugin`)
    /// through `plugins`. Without it, a signature that needs a plugin fails closed.
    #[must_use]
    pub fn with_plugins(mut self, plugins: Arc<dyn VerificationPlugin>) -> Self {
        self.plugins = Some(plugins);
        self
    }

    /// The `pluginConfig` sent to verification plugins in `verify-signature` requests (notation's
    /// `verify --plugin-config`). Empty (the default) sends none.
    #[must_use]
    pub fn with_plugin_config(mut self, config: BTreeMap<String, String>) -> Self {
        self.plugin_config = config;
        self
    }

    /// The crypto provider.
    pub fn provider(&self) -> &CryptoProvider {
        self.x509.provider()
    }

    /// The certificate verifier (the provider with the Notary certificate rules).
    pub fn x509(&self) -> &X509Verifier {
        &self.x509
    }

    /// The trust store.
    pub fn trust_store(&self) -> &dyn TrustStore {
        self.trust_store.as_ref()
    }

    /// The statement that applies to `target`.
    pub fn statement(
        &self,
        target: PolicyTarget<'_>,
    ) -> Result<&TrustPolicyStatement, VerificationError> {
        match target {
            PolicyTarget::Oci { scope, digest } => {
                let policy = self
                    .oci_policy
                    .as_ref()
                    .ok_or_else(|| VerificationError::Policy {
                        reason: "no OCI trust policy is configured".into(),
                        source: None,
                    })?;
                policy
                    .statement_for(&format!("{scope}@{digest}"))
                    .map_err(|e| VerificationError::policy_with(e.to_string(), e))
            }
            PolicyTarget::Blob { policy_name } => {
                let policy =
                    self.blob_policy
                        .as_ref()
                        .ok_or_else(|| VerificationError::Policy {
                            reason: "no blob trust policy is configured".into(),
                            source: None,
                        })?;
                policy
                    .statement(policy_name)
                    .map_err(|e| VerificationError::policy_with(e.to_string(), e))
            }
            _ => Err(VerificationError::Policy {
                reason: "unsupported trust policy target".into(),
                source: None,
            }),
        }
    }

    /// The checks shared by OCI and blob verification (everything up to revocation).
    fn verify_signature(
        &self,
        policy: &AppliedPolicy,
        statement: &TrustPolicyStatement,
        envelope: &[u8],
        media_type: EnvelopeMediaType,
        now: OffsetDateTime,
    ) -> Result<(VerifiedEnvelope, Payload, Vec<CheckResult>), VerificationError> {
        let mut checks = Vec::new();

        // Integrity: always enforced.
        let (verified, chain) = UnverifiedEnvelope::parse(media_type, envelope)
            .and_then(|e| e.verify_integrity_with_chain(&self.x509))
            .map_err(|e| VerificationError::failed_with(Validation::Integrity, e.to_string(), e))?;
        let payload = verified
            .decode_payload()
            .map_err(|e| VerificationError::failed_with(Validation::Integrity, e.to_string(), e))?;
        push_check(&mut checks, Validation::Integrity, CheckStatus::Passed);
        let info = verified.signer_info();

        // Verification plugins: a signature that names one, or that carries critical attributes
        // nobody here understands, cannot be trusted without a plugin (spec: fail closed).
        let resolved =
            plugin::plugin_gate(self.plugins.as_deref(), &verified, &self.plugin_config)?;
        let plugin_identity = resolved.as_ref().is_some_and(|p| p.identity);
        let plugin_revocation = resolved.as_ref().is_some_and(|p| p.revocation);

        let mut record = |validation: Validation, vt: ValidationType, result: StepResult| match (
            policy.action(vt),
            result,
        ) {
            (ValidationAction::Skip, _) => {
                push_check(&mut checks, validation, CheckStatus::Skipped);
                Ok(())
            }
            (_, Ok(())) => {
                push_check(&mut checks, validation, CheckStatus::Passed);
                Ok(())
            }
            (ValidationAction::Log, Err(f)) => {
                push_check(&mut checks, validation, CheckStatus::Logged(f.reason));
                Ok(())
            }
            (_, Err(f)) => Err(VerificationError::Failed {
                validation,
                reason: f.reason,
                source: f.source,
            }),
        };

        let scheme = info.signed_attributes.signing_scheme;
        let authenticity_action = policy.action(ValidationType::Authenticity);
        if authenticity_action != ValidationAction::Skip {
            tracing::debug!("Validating cert chain");
            let anchored = authenticity::check_authenticity(
                self.trust_store.as_ref(),
                statement,
                scheme,
                &chain,
            );
            let identity = || {
                tracing::debug!("Validating trust identity");
                authenticity::check_identity(statement, &chain)
            };
            if plugin_identity || anchored.is_ok() || authenticity_action != ValidationAction::Log {
                record(
                    Validation::Authenticity,
                    ValidationType::Authenticity,
                    anchored,
                )?;
                // A plugin with the TRUSTED_IDENTITY capability decides the identity instead.
                if !plugin_identity {
                    let identity = identity();
                    record(
                        Validation::TrustedIdentity,
                        ValidationType::Authenticity,
                        identity,
                    )?;
                }
            } else {
                // Logged, an identity failure takes the place of the trust store's, as
                // notation-go writes it over the same authenticity result: one warning.
                let identity = identity();
                if identity.is_ok() {
                    record(
                        Validation::Authenticity,
                        ValidationType::Authenticity,
                        anchored,
                    )?;
                }
                record(
                    Validation::TrustedIdentity,
                    ValidationType::Authenticity,
                    identity,
                )?;
            }
        } else {
            record(
                Validation::Authenticity,
                ValidationType::Authenticity,
                Ok(()),
            )?;
        }

        tracing::debug!("Validating expiry");
        record(
            Validation::Expiry,
            ValidationType::Expiry,
            match info.signed_attributes.expiry {
                // notation's words and layout (Go's RFC1123Z, quoted).
                Some(exp) if now >= exp => Err(StepFailure::new(format!(
                    "digital signature has expired on \"{}\"",
                    notary_core::timefmt::format_rfc1123z(exp)
                ))),
                _ => Ok(()),
            },
        )?;

        let timestamp = TimestampCheck {
            x509: &self.x509,
            trust_store: self.trust_store.as_ref(),
            revocation: self.revocation.as_ref(),
        };
        tracing::debug!("Validating authentic timestamp");
        record(
            Validation::AuthenticTimestamp,
            ValidationType::AuthenticTimestamp,
            timestamp.check(statement, &verified, &chain, now),
        )?;

        let revocation_skipped =
            policy.action(ValidationType::Revocation) == ValidationAction::Skip;
        if !plugin_revocation {
            let result = if revocation_skipped {
                Ok(())
            } else {
                tracing::debug!("Validating revocation");
                self.check_revocation(scheme, &verified, &chain, now)
            };
            record(Validation::Revocation, ValidationType::Revocation, result)?;
        }

        if let (Some(p), Some(host)) = (&resolved, &self.plugins) {
            let (identity, revocation) = plugin::run_plugin(
                host.as_ref(),
                p,
                statement,
                info,
                revocation_skipped,
                &self.plugin_config,
            )?;
            if let Some(r) = identity {
                record(
                    Validation::TrustedIdentity,
                    ValidationType::Authenticity,
                    r.map_err(StepFailure::from),
                )?;
            }
            if let Some(r) = revocation {
                record(
                    Validation::Revocation,
                    ValidationType::Revocation,
                    r.map_err(StepFailure::from),
                )?;
            }
        }
        Ok((verified, payload, checks))
    }

    fn check_revocation(
        &self,
        scheme: SigningScheme,
        envelope: &VerifiedEnvelope,
        chain: &[Certificate],
        now: OffsetDateTime,
    ) -> StepResult {
        let authentic_time = match scheme {
            SigningScheme::X509SigningAuthority => {
                envelope
                    .signer_info()
                    .signed_attributes
                    .authentic_signing_time
            }
            _ => None,
        };
        match self
            .revocation
            .check(chain, RevocationPurpose::CodeSigning, authentic_time, now)
        {
            RevocationStatus::Good => Ok(()),
            RevocationStatus::Revoked { reason } | RevocationStatus::Unknown { reason } => {
                Err(StepFailure::new(reason))
            }
            _ => Err(StepFailure::new("unexpected revocation status")),
        }
    }

    fn applied(&self, statement: &TrustPolicyStatement) -> AppliedPolicy {
        let sv = &statement.signature_verification;
        AppliedPolicy::new(statement.name.clone(), sv.level, sv.enforcement)
    }
}

impl Verifier for NotaryVerifier {
    fn policy(&self, target: PolicyTarget<'_>) -> Result<AppliedPolicy, VerificationError> {
        let statement = self.statement(target)?;
        let thumbprints = authenticity::trusted_thumbprints(
            self.x509.provider(),
            self.trust_store.as_ref(),
            statement,
        );
        Ok(self
            .applied(statement)
            .with_trusted_thumbprints(thumbprints))
    }

    fn verify(&self, request: VerifyRequest<'_>) -> Result<VerificationOutcome, VerificationError> {
        // notation-go's VerifyBlob refuses these before its trust policy is read, so a skip
        // statement does not pass them.
        if let VerifyTarget::Blob(blob) = &request.target {
            if request.envelope.is_empty() {
                return Err(VerificationError::Request {
                    reason: "signature cannot be nil or empty".into(),
                });
            }
            if let Some(mt) = blob.media_type {
                notary_core::mediatype::check_media_type(mt).map_err(|e| {
                    VerificationError::Request {
                        reason: format!(
                            "invalid content media type {:?}: mime: {e}",
                            notary_core::shown(mt)
                        ),
                    }
                })?;
            }
        }
        let statement = self.statement(request.policy_target())?;
        let policy = self.applied(statement);
        // One span per verification: the events of each validation (and of the revocation
        // checker and plugins it calls) nest under the policy that decided them.
        let span = tracing::info_span!(
            "verify",
            policy = policy.name(),
            level = policy.level().name(),
            envelope = request.media_type.as_str(),
        );
        let _entered = span.enter();
        let result = self.verify_with(policy, statement, request);
        match &result {
            Ok(VerificationOutcome::Skipped(_)) => {
                tracing::info!(outcome = "skipped", "trust policy level is skip");
            }
            Ok(_) => tracing::info!(outcome = "verified", "signature verified"),
            Err(VerificationError::Failed {
                validation, reason, ..
            }) => {
                // notation's words, so that what its users grep for in `-d` output is there.
                tracing::error!(
                    validation = validation.name(),
                    result = "failed",
                    "{} validation failed. Failure reason: {reason}",
                    validation.notation_name()
                );
            }
            Err(e) => tracing::warn!(outcome = "failed", error = %e, "verification failed"),
        }
        result
    }
}

impl NotaryVerifier {
    fn verify_with(
        &self,
        policy: AppliedPolicy,
        statement: &TrustPolicyStatement,
        request: VerifyRequest<'_>,
    ) -> Result<VerificationOutcome, VerificationError> {
        if policy.is_skip() {
            return SkippedVerification::assertion(policy).map(VerificationOutcome::Skipped);
        }
        let (envelope, payload, mut checks) = self.verify_signature(
            &policy,
            statement,
            request.envelope,
            request.media_type,
            request.now,
        )?;
        match request.target {
            VerifyTarget::Oci { artifact, .. } => target::check_oci(&payload, artifact)?,
            VerifyTarget::Blob(blob) => {
                let algorithm = envelope.signer_info().signature_algorithm.hash_algorithm();
                target::check_blob(self.x509.provider(), &payload, algorithm, blob)?;
            }
            _ => {
                return Err(VerificationError::failed(
                    Validation::TargetMismatch,
                    "unsupported verification target",
                ));
            }
        }
        push_check(&mut checks, Validation::TargetMismatch, CheckStatus::Passed);
        if target::check_user_metadata(&payload, request.user_metadata)? {
            push_check(&mut checks, Validation::UserMetadata, CheckStatus::Passed);
        }
        VerifiedSignature::assertion(policy, envelope, checks).map(VerificationOutcome::Verified)
    }
}

/// Records a validation's result and reports it as an event (passed and skipped at INFO, a
/// failure whose action is `log` at WARN).
fn push_check(checks: &mut Vec<CheckResult>, validation: Validation, status: CheckStatus) {
    match &status {
        CheckStatus::Passed => {
            tracing::info!(
                validation = validation.name(),
                result = "passed",
                "validation passed"
            );
        }
        CheckStatus::Skipped => {
            tracing::info!(
                validation = validation.name(),
                result = "skipped",
                "validation skipped"
            );
        }
        CheckStatus::Logged(reason) => {
            tracing::warn!(
                validation = validation.name(),
                result = "logged",
                "{} validation failed with validation action set to \"logged\". Failure reason: {reason}",
                validation.notation_name()
            );
        }
        _ => {}
    }
    checks.push(CheckResult::new(validation, status));
}
