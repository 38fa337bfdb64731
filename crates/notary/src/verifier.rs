//! The verifier: turns a signature envelope into a trust decision the way notation does.
//!
//! Order (notation's): policy selection, integrity, verification-plugin gate, authenticity
//! (certificate byte equality with a trust-store certificate), trusted identity, expiry,
//! authentic timestamp, revocation, then the target (OCI descriptor or blob digest/size/media
//! type) and the user metadata. Each check follows the action its level gives it: enforce stops
//! with an error, log records a warning and goes on, skip does not run it.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::sync::Arc;

use notary_core::{Descriptor, DigestAlgorithm, Payload, SigningScheme, VerifiedEnvelope, header};
use notary_trustpolicy::{
    BlobTrustPolicy, OciTrustPolicy, TrustPolicyStatement, TrustedIdentity, ValidationAction,
    ValidationType, VerifyTimestamp, match_trusted_identity,
};
use notary_x509::Certificate;
use sha2::Digest as _;
use time::OffsetDateTime;

use crate::envelope::UnverifiedEnvelope;
use crate::revocation::{RevocationChecker, RevocationPurpose, RevocationStatus};
use crate::truststore::{TrustStore, TrustStoreType};

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
}

impl fmt::Display for Validation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// The trust policy is invalid or has no statement for this artifact.
    #[error("trust policy: {reason}")]
    Policy {
        /// What is wrong.
        reason: String,
    },
    /// An enforced validation failed.
    #[error("{validation} validation failed: {reason}")]
    Failed {
        /// The validation that failed.
        validation: Validation,
        /// Why.
        reason: String,
    },
    /// The artifact has no signature.
    #[error(
        "no signature is associated with {reference:?}, make sure the artifact was signed successfully"
    )]
    NoSignature {
        /// The artifact reference.
        reference: String,
    },
    /// More signatures than the caller's limit were tried.
    #[error("signature evaluation stopped: the configured limit of {limit} signatures was reached")]
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// Fetching signatures from the repository failed.
    #[error("cannot retrieve signatures: {reason}")]
    Repository {
        /// Why.
        reason: String,
    },
    /// Every signature of the artifact failed; the first element is the one that got furthest.
    #[error("signature verification failed for all the signatures associated with {reference:?}: {}", .failures.first().map(|f| f.to_string()).unwrap_or_default())]
    AllFailed {
        /// The artifact reference.
        reference: String,
        /// One failure per signature, best first.
        failures: Vec<VerificationError>,
    },
}

impl VerificationError {
    fn failed(validation: Validation, reason: impl Into<String>) -> Self {
        Self::Failed {
            validation,
            reason: reason.into(),
        }
    }

    /// The validation that failed, if the error is a validation failure (for [`Self::AllFailed`],
    /// that of the signature that got furthest).
    pub fn validation(&self) -> Option<Validation> {
        match self {
            Self::Failed { validation, .. } => Some(*validation),
            Self::AllFailed { failures, .. } => failures.first().and_then(|f| f.validation()),
            _ => None,
        }
    }

    /// How far verification got before this error (used to pick the most telling failure).
    pub(crate) fn progress(&self) -> usize {
        match self {
            Self::Failed { validation, .. } => (*validation as usize).saturating_add(1),
            _ => 0,
        }
    }
}

/// What happened to one validation.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The validation.
    pub validation: Validation,
    /// Its status.
    pub status: CheckStatus,
}

/// A successful verification: what was checked, what was only logged, and the verified content.
#[derive(Debug, Clone)]
pub struct VerificationOutcome {
    /// Name of the verification level (`strict`, `permissive`, `audit`, `skip`, `custom`).
    pub level: String,
    /// Name of the trust-policy statement applied.
    pub policy_name: String,
    /// The verified envelope (`None` when the level is `skip`).
    pub envelope: Option<VerifiedEnvelope>,
    /// The decoded payload (`None` when the level is `skip`).
    pub payload: Option<Payload>,
    /// The result of each validation in order.
    pub checks: Vec<CheckResult>,
}

impl VerificationOutcome {
    /// True when the level was `skip` and nothing was verified.
    pub fn is_skipped(&self) -> bool {
        self.envelope.is_none()
    }

    /// The failures that were logged instead of enforced.
    pub fn warnings(&self) -> impl Iterator<Item = (Validation, &str)> {
        self.checks.iter().filter_map(|c| match &c.status {
            CheckStatus::Logged(r) => Some((c.validation, r.as_str())),
            _ => None,
        })
    }

    fn skipped(statement: &TrustPolicyStatement) -> Self {
        Self {
            level: statement.signature_verification.level.name().to_string(),
            policy_name: statement.name.clone(),
            envelope: None,
            payload: None,
            checks: Vec::new(),
        }
    }
}

/// The blob a detached signature is checked against.
pub struct BlobTarget<'a> {
    /// The blob content, streamed once with the hash the signing key implies.
    pub content: &'a mut dyn Read,
    /// The media type the signed descriptor must carry, if the caller requires one.
    pub media_type: Option<&'a str>,
    /// Trust-policy statement name; `None` selects the global statement.
    pub policy_name: Option<&'a str>,
}

impl fmt::Debug for BlobTarget<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobTarget")
            .field("media_type", &self.media_type)
            .field("policy_name", &self.policy_name)
            .finish_non_exhaustive()
    }
}

/// Verifies signatures against trust policies and trust stores.
///
/// The clock is injected: every call takes `now`.
#[derive(Clone)]
pub struct Verifier {
    trust_store: Arc<dyn TrustStore>,
    oci_policy: Option<OciTrustPolicy>,
    blob_policy: Option<BlobTrustPolicy>,
    revocation: Arc<dyn RevocationChecker>,
    plugins: Option<Arc<crate::plugin::PluginHost>>,
    plugin_config: BTreeMap<String, String>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("oci_policy", &self.oci_policy.is_some())
            .field("blob_policy", &self.blob_policy.is_some())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier over `trust_store` with no policies yet; revocation uses
    /// [`crate::revocation::OfflineRevocation`] until a checker is set.
    pub fn new(trust_store: Arc<dyn TrustStore>) -> Self {
        Self {
            trust_store,
            oci_policy: None,
            blob_policy: None,
            revocation: Arc::new(crate::revocation::OfflineRevocation),
            plugins: None,
            plugin_config: BTreeMap::new(),
        }
    }

    /// Runs the verification plugins that signatures name (`io.cncf.notary.verificationPlugin`)
    /// from `host`.
    pub fn with_plugins(mut self, host: Arc<crate::plugin::PluginHost>) -> Self {
        self.plugins = Some(host);
        self
    }

    /// The `pluginConfig` sent to verification plugins in `verify-signature` requests (notation's
    /// `verify --plugin-config`). Empty (the default) sends none.
    pub fn with_plugin_config(mut self, config: BTreeMap<String, String>) -> Self {
        self.plugin_config = config;
        self
    }

    /// The trust store.
    pub fn trust_store(&self) -> &dyn TrustStore {
        self.trust_store.as_ref()
    }

    /// Sets the OCI trust policy.
    pub fn with_oci_policy(mut self, policy: OciTrustPolicy) -> Self {
        self.oci_policy = Some(policy);
        self
    }

    /// Sets the blob trust policy.
    pub fn with_blob_policy(mut self, policy: BlobTrustPolicy) -> Self {
        self.blob_policy = Some(policy);
        self
    }

    /// Sets the revocation checker.
    pub fn with_revocation(mut self, checker: Arc<dyn RevocationChecker>) -> Self {
        self.revocation = checker;
        self
    }

    /// The OCI statement that applies to `reference` (`registry/repository@sha256:...`).
    pub fn oci_statement(
        &self,
        reference: &str,
    ) -> Result<&TrustPolicyStatement, VerificationError> {
        let policy = self
            .oci_policy
            .as_ref()
            .ok_or_else(|| VerificationError::Policy {
                reason: "no OCI trust policy is configured".into(),
            })?;
        policy
            .statement_for(reference)
            .map_err(|e| VerificationError::Policy {
                reason: e.to_string(),
            })
    }

    /// The blob statement named `name`, or the global one.
    pub fn blob_statement(
        &self,
        name: Option<&str>,
    ) -> Result<&TrustPolicyStatement, VerificationError> {
        let policy = self
            .blob_policy
            .as_ref()
            .ok_or_else(|| VerificationError::Policy {
                reason: "no blob trust policy is configured".into(),
            })?;
        policy
            .statement(name)
            .map_err(|e| VerificationError::Policy {
                reason: e.to_string(),
            })
    }

    /// Verifies one signature of an OCI artifact. `reference` selects the policy statement and
    /// must be digest-pinned (`registry/repository@sha256:...`); `target` is the resolved
    /// manifest descriptor the signature must be for.
    pub fn verify_oci(
        &self,
        envelope: &[u8],
        envelope_media_type: &str,
        reference: &str,
        target: &Descriptor,
        user_metadata: &BTreeMap<String, String>,
        now: OffsetDateTime,
    ) -> Result<VerificationOutcome, VerificationError> {
        let statement = self.oci_statement(reference)?;
        if statement.signature_verification.level.is_skip() {
            return Ok(VerificationOutcome::skipped(statement));
        }
        let outcome = self.verify_signature(statement, envelope, envelope_media_type, now)?;
        let payload = decoded_payload(&outcome)?;
        if !payload.target_artifact.content_equals(target) {
            return Err(VerificationError::failed(
                Validation::TargetMismatch,
                format!(
                    "the signature is for {} {} ({} bytes), not for the artifact {} {} ({} bytes)",
                    payload.target_artifact.media_type,
                    payload.target_artifact.digest,
                    payload.target_artifact.size,
                    target.media_type,
                    target.digest,
                    target.size
                ),
            ));
        }
        finish(outcome, payload, user_metadata)
    }

    /// Verifies a detached blob signature. The blob is streamed once, hashed with the hash the
    /// signing key implies, and compared with the signed digest and size (and media type when
    /// `blob.media_type` is given).
    pub fn verify_blob(
        &self,
        envelope: &[u8],
        envelope_media_type: &str,
        blob: BlobTarget<'_>,
        user_metadata: &BTreeMap<String, String>,
        now: OffsetDateTime,
    ) -> Result<VerificationOutcome, VerificationError> {
        let statement = self.blob_statement(blob.policy_name)?;
        if statement.signature_verification.level.is_skip() {
            return Ok(VerificationOutcome::skipped(statement));
        }
        let outcome = self.verify_signature(statement, envelope, envelope_media_type, now)?;
        let payload = decoded_payload(&outcome)?;
        let algorithm = outcome
            .envelope
            .as_ref()
            .map(|e| e.signer_info().signature_algorithm.hash_algorithm())
            .unwrap_or(DigestAlgorithm::Sha256);
        let (digest, size) = hash_stream(algorithm, blob.content).map_err(|e| {
            VerificationError::failed(
                Validation::TargetMismatch,
                format!("cannot read the blob: {e}"),
            )
        })?;
        let signed = &payload.target_artifact;
        if signed.digest.to_string() != digest || signed.size != size {
            return Err(VerificationError::failed(
                Validation::TargetMismatch,
                format!(
                    "the blob is {digest} ({size} bytes) but the signature is for {} ({} bytes)",
                    signed.digest, signed.size
                ),
            ));
        }
        if let Some(mt) = blob.media_type
            && signed.media_type != mt
        {
            return Err(VerificationError::failed(
                Validation::TargetMismatch,
                format!(
                    "the signature is for media type {:?}, not {mt:?}",
                    signed.media_type
                ),
            ));
        }
        finish(outcome, payload, user_metadata)
    }

    /// The signature checks shared by OCI and blob verification (everything up to revocation).
    fn verify_signature(
        &self,
        statement: &TrustPolicyStatement,
        envelope: &[u8],
        media_type: &str,
        now: OffsetDateTime,
    ) -> Result<VerificationOutcome, VerificationError> {
        let level = &statement.signature_verification.level;
        let mut checks = Vec::new();

        // Integrity: always enforced.
        let (verified, chain) = UnverifiedEnvelope::parse(media_type, envelope)
            .and_then(|e| e.verify_integrity_with_chain())
            .map_err(|e| VerificationError::failed(Validation::Integrity, e.to_string()))?;
        let payload = verified
            .decode_payload()
            .map_err(|e| VerificationError::failed(Validation::Integrity, e.to_string()))?;
        checks.push(CheckResult {
            validation: Validation::Integrity,
            status: CheckStatus::Passed,
        });
        let info = verified.signer_info();

        // Verification plugins: a signature that names one, or that carries critical attributes
        // nobody here understands, cannot be trusted without a plugin (spec: fail closed).
        let plugin = self.plugin_gate(&verified)?;
        let plugin_identity = plugin.as_ref().is_some_and(|p| p.identity);
        let plugin_revocation = plugin.as_ref().is_some_and(|p| p.revocation);

        let mut record =
            |validation: Validation, vt: ValidationType, result: Result<(), String>| {
                let action = level.action(vt);
                match (action, result) {
                    (ValidationAction::Skip, _) => {
                        checks.push(CheckResult {
                            validation,
                            status: CheckStatus::Skipped,
                        });
                        Ok(())
                    }
                    (_, Ok(())) => {
                        checks.push(CheckResult {
                            validation,
                            status: CheckStatus::Passed,
                        });
                        Ok(())
                    }
                    (ValidationAction::Log, Err(reason)) => {
                        checks.push(CheckResult {
                            validation,
                            status: CheckStatus::Logged(reason),
                        });
                        Ok(())
                    }
                    (_, Err(reason)) => Err(VerificationError::failed(validation, reason)),
                }
            };

        let scheme = info.signed_attributes.signing_scheme;
        let authenticity_action = level.action(ValidationType::Authenticity);
        if authenticity_action != ValidationAction::Skip {
            record(
                Validation::Authenticity,
                ValidationType::Authenticity,
                self.check_authenticity(statement, scheme, &chain),
            )?;
            // A plugin with the TRUSTED_IDENTITY capability decides the identity instead.
            if !plugin_identity {
                record(
                    Validation::TrustedIdentity,
                    ValidationType::Authenticity,
                    check_identity(&statement.trusted_identities, &chain),
                )?;
            }
        } else {
            record(
                Validation::Authenticity,
                ValidationType::Authenticity,
                Ok(()),
            )?;
        }

        let expiry = info.signed_attributes.expiry;
        record(
            Validation::Expiry,
            ValidationType::Expiry,
            match expiry {
                Some(exp) if now >= exp => Err(format!(
                    "digital signature has expired on {}",
                    notary_core::timefmt::format_rfc3339(exp).unwrap_or_default()
                )),
                _ => Ok(()),
            },
        )?;

        record(
            Validation::AuthenticTimestamp,
            ValidationType::AuthenticTimestamp,
            self.check_authentic_timestamp(statement, &verified, &chain, now),
        )?;

        if level.action(ValidationType::Revocation) != ValidationAction::Skip && !plugin_revocation
        {
            let authentic_time = match scheme {
                SigningScheme::X509SigningAuthority => {
                    info.signed_attributes.authentic_signing_time
                }
                _ => None,
            };
            let status =
                self.revocation
                    .check(&chain, RevocationPurpose::CodeSigning, authentic_time, now);
            let result = match status {
                RevocationStatus::Good => Ok(()),
                RevocationStatus::Revoked { reason } | RevocationStatus::Unknown { reason } => {
                    Err(reason)
                }
                _ => Err("unexpected revocation status".into()),
            };
            record(Validation::Revocation, ValidationType::Revocation, result)?;
        } else if !plugin_revocation {
            record(Validation::Revocation, ValidationType::Revocation, Ok(()))?;
        }

        if let (Some(p), Some(host)) = (&plugin, &self.plugins) {
            let revocation_skipped =
                level.action(ValidationType::Revocation) == ValidationAction::Skip;
            let (identity, revocation) = run_plugin(
                host,
                p,
                statement,
                info,
                revocation_skipped,
                &self.plugin_config,
            )?;
            if let Some(r) = identity {
                record(Validation::TrustedIdentity, ValidationType::Authenticity, r)?;
            }
            if let Some(r) = revocation {
                record(Validation::Revocation, ValidationType::Revocation, r)?;
            }
        }

        Ok(VerificationOutcome {
            level: level.name().to_string(),
            policy_name: statement.name.clone(),
            envelope: Some(verified),
            payload: Some(payload),
            checks,
        })
    }

    fn check_authenticity(
        &self,
        statement: &TrustPolicyStatement,
        scheme: SigningScheme,
        chain: &[Certificate],
    ) -> Result<(), String> {
        let wanted = match scheme {
            SigningScheme::X509SigningAuthority => TrustStoreType::SigningAuthority,
            _ => TrustStoreType::Ca,
        };
        let mut trusted: Vec<Certificate> = Vec::new();
        let mut names = Vec::new();
        for store in &statement.trust_stores {
            if store.store_type.as_str() != wanted.as_str() {
                continue;
            }
            names.push(format!("{}:{}", store.store_type.as_str(), store.name));
            let certs = self
                .trust_store
                .certificates(wanted, &store.name)
                .map_err(|e| e.to_string())?;
            trusted.extend(certs);
        }
        if trusted.is_empty() {
            return Err(format!(
                "the trust policy {:?} lists no {} trust store for the signing scheme {}",
                statement.name,
                wanted.as_str(),
                scheme
            ));
        }
        // Byte equality, never key equality: a re-issued certificate with the same key is not trusted.
        let anchored = chain
            .iter()
            .any(|c| trusted.iter().any(|t| t.der() == c.der()));
        if anchored {
            Ok(())
        } else {
            Err(format!(
                "signature is not produced by a trusted signer (no certificate of the chain is in {})",
                names.join(", ")
            ))
        }
    }

    fn check_authentic_timestamp(
        &self,
        statement: &TrustPolicyStatement,
        envelope: &VerifiedEnvelope,
        chain: &[Certificate],
        now: OffsetDateTime,
    ) -> Result<(), String> {
        let attrs = &envelope.signer_info().signed_attributes;
        if attrs.signing_scheme == SigningScheme::X509SigningAuthority {
            let t = attrs
                .authentic_signing_time
                .ok_or("the signature lacks an authentic signing time")?;
            return chain_valid_at(chain, t, "the authentic signing time");
        }
        let has_tsa_store = statement
            .trust_stores
            .iter()
            .any(|s| s.store_type.as_str() == TrustStoreType::Tsa.as_str());
        let any_expired = chain.iter().any(|c| now > c.not_after());
        let triggered = has_tsa_store
            && match statement.signature_verification.verify_timestamp {
                VerifyTimestamp::AfterCertExpiry => any_expired,
                _ => true,
            };
        if !triggered {
            return chain_valid_at(chain, now, "the verification time");
        }
        let info = envelope.signer_info();
        let token = info
            .unsigned_attributes
            .timestamp_signature
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or("no timestamp countersignature was found in the signature envelope")?;
        let mut roots = Vec::new();
        for s in &statement.trust_stores {
            if s.store_type.as_str() == TrustStoreType::Tsa.as_str() {
                roots.extend(
                    self.trust_store
                        .certificates(TrustStoreType::Tsa, &s.name)
                        .map_err(|e| e.to_string())?,
                );
            }
        }
        let verified = notary_timestamp::TimestampToken::parse(token)
            .and_then(|t| t.verify(&info.signature, &roots))
            .map_err(|e| {
                format!("failed to verify the timestamp countersignature with error: {e}")
            })?;
        let (start, end) = verified.range;
        for c in chain {
            if start < c.not_before() || end > c.not_after() {
                return Err(format!(
                    "timestamp [{start}, {end}] is not within the validity period of certificate with subject {:?} [{}, {}]",
                    c.subject_string(),
                    c.not_before(),
                    c.not_after()
                ));
            }
        }
        // The TSA chain's revocation status: revoked or unknown both fail, as in notation.
        match self.revocation.check(
            &verified.tsa_chain,
            RevocationPurpose::Timestamping,
            None,
            now,
        ) {
            RevocationStatus::Good => Ok(()),
            RevocationStatus::Revoked { reason } | RevocationStatus::Unknown { reason } => {
                Err(format!("timestamping certificate chain: {reason}"))
            }
            _ => Err("unexpected revocation status".into()),
        }
    }
}

fn chain_valid_at(chain: &[Certificate], t: OffsetDateTime, what: &str) -> Result<(), String> {
    for c in chain {
        if t < c.not_before() {
            return Err(format!(
                "certificate with subject {:?} is not valid yet at {what}, it will be valid from {}",
                c.subject_string(),
                c.not_before()
            ));
        }
        if t > c.not_after() {
            return Err(format!(
                "certificate with subject {:?} is not valid anymore at {what}, it was valid till {}",
                c.subject_string(),
                c.not_after()
            ));
        }
    }
    Ok(())
}

fn check_identity(identities: &[TrustedIdentity], chain: &[Certificate]) -> Result<(), String> {
    let leaf = chain.first().ok_or("the certificate chain is empty")?;
    match_trusted_identity(identities, &leaf.subject_string()).map_err(|e| e.to_string())
}

/// A verification plugin a signature requires, resolved and gated.
struct ResolvedPlugin {
    name: String,
    identity: bool,
    revocation: bool,
    /// The extended attributes the plugin is given and must all report as processed.
    attributes: BTreeMap<String, serde_json::Value>,
}

/// An attribute value as plugin-request JSON, or `None` when JSON cannot carry it faithfully
/// (byte strings and other CBOR items, integers beyond 64 bits, malformed JSON text).
fn plugin_json_value(v: &notary_core::AttributeValue) -> Option<serde_json::Value> {
    use notary_core::AttributeValue;
    match v {
        AttributeValue::Text(t) => Some(serde_json::Value::String(t.clone())),
        AttributeValue::Int(i) => i64::try_from(*i)
            .map(serde_json::Value::from)
            .or_else(|_| u64::try_from(*i).map(serde_json::Value::from))
            .ok(),
        AttributeValue::Bool(b) => Some(serde_json::Value::Bool(*b)),
        AttributeValue::Json(j) => serde_json::from_str(j).ok(),
        _ => None,
    }
}

/// The extended attributes a verification plugin is given (every text-keyed one but the two
/// plugin headers, as notation). The plugin request can only name text keys with JSON values:
/// a critical attribute that cannot be represented there could never be reported as
/// processed, so it fails verification here (fail closed); a non-critical one is left out.
fn plugin_attributes(
    attrs: &notary_core::SignedAttributes,
) -> Result<BTreeMap<String, serde_json::Value>, VerificationError> {
    use notary_core::AttributeKey;
    let mut out = BTreeMap::new();
    for a in &attrs.extended_attributes {
        let key = match &a.key {
            AttributeKey::Text(k)
                if k == header::VERIFICATION_PLUGIN
                    || k == header::VERIFICATION_PLUGIN_MIN_VERSION =>
            {
                continue;
            }
            AttributeKey::Text(k) => k,
            other => {
                if a.critical {
                    return Err(plugin_failure(format!(
                        "the signature has the critical attribute with integer label {other}, which cannot be passed to a verification plugin"
                    )));
                }
                continue;
            }
        };
        match plugin_json_value(&a.value) {
            Some(v) => match out.entry(key.clone()) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(v);
                }
                std::collections::btree_map::Entry::Occupied(_) => {
                    return Err(plugin_failure(format!(
                        "the signature has the attribute {key:?} twice"
                    )));
                }
            },
            None if a.critical => {
                return Err(plugin_failure(format!(
                    "the critical attribute {key:?} has a value that cannot be passed to a verification plugin"
                )));
            }
            None => {}
        }
    }
    Ok(out)
}

fn plugin_failure(reason: impl Into<String>) -> VerificationError {
    VerificationError::failed(Validation::Plugin, reason)
}

impl Verifier {
    /// notation's plugin resolution: a signature naming a verification plugin needs that plugin,
    /// installed, at least the minimum version the signature asks for, with a verifier
    /// capability. Without a plugin, unknown critical attributes fail closed (spec).
    fn plugin_gate(
        &self,
        envelope: &VerifiedEnvelope,
    ) -> Result<Option<ResolvedPlugin>, VerificationError> {
        let attrs = &envelope.signer_info().signed_attributes;
        let Some(p) = attrs.extended(header::VERIFICATION_PLUGIN) else {
            let unknown: Vec<String> = attrs
                .extended_attributes
                .iter()
                .filter(|a| a.critical)
                .map(|a| a.key.to_string())
                .collect();
            if !unknown.is_empty() {
                return Err(plugin_failure(format!(
                    "the signature has critical attributes {unknown:?} that can only be processed by a verification plugin"
                )));
            }
            return Ok(None);
        };
        let name = p
            .value
            .as_text()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| {
                plugin_failure(format!(
                    "{} must be a non-empty string",
                    header::VERIFICATION_PLUGIN
                ))
            })?;
        if !p.critical {
            return Err(plugin_failure(format!(
                "{} must be marked critical",
                header::VERIFICATION_PLUGIN
            )));
        }
        let min = match attrs.extended(header::VERIFICATION_PLUGIN_MIN_VERSION) {
            None => None,
            Some(m) => {
                let text = m
                    .value
                    .as_text()
                    .filter(|t| !t.trim().is_empty())
                    .ok_or_else(|| {
                        plugin_failure(format!(
                            "{} must be a non-empty string",
                            header::VERIFICATION_PLUGIN_MIN_VERSION
                        ))
                    })?;
                if !m.critical {
                    return Err(plugin_failure(format!(
                        "{} must be marked critical",
                        header::VERIFICATION_PLUGIN_MIN_VERSION
                    )));
                }
                Some((
                    text,
                    crate::plugin::SemVer::parse(text).ok_or_else(|| {
                        plugin_failure(format!("{text:?} is not a valid SemVer version"))
                    })?,
                ))
            }
        };
        let attributes = plugin_attributes(attrs)?;
        let host = self.plugins.as_ref().ok_or_else(|| {
            plugin_failure(format!("the signature requires the verification plugin {name:?}, and no plugin directory is configured"))
        })?;
        let meta = host
            .metadata(name)
            .map_err(|e| plugin_failure(e.to_string()))?;
        let version = crate::plugin::SemVer::parse(&meta.version).ok_or_else(|| {
            plugin_failure(format!(
                "plugin {name} has an invalid version {:?}",
                meta.version
            ))
        })?;
        if let Some((text, min)) = min
            && version < min
        {
            return Err(plugin_failure(format!(
                "found plugin {name} with version {} but signature verification needs plugin version greater than or equal to {text}",
                meta.version
            )));
        }
        use notary_plugin_api::capability::{VERIFIER_REVOCATION_CHECK, VERIFIER_TRUSTED_IDENTITY};
        let identity = meta
            .capabilities
            .iter()
            .any(|c| c == VERIFIER_TRUSTED_IDENTITY);
        let revocation = meta
            .capabilities
            .iter()
            .any(|c| c == VERIFIER_REVOCATION_CHECK);
        if !identity && !revocation {
            return Err(plugin_failure(format!(
                "plugin {name} has no verification capability"
            )));
        }
        Ok(Some(ResolvedPlugin {
            name: name.to_string(),
            identity,
            revocation,
            attributes,
        }))
    }
}

/// Plugin `verify-signature`: the trusted-identity and revocation results it returns.
type PluginResults = (Option<Result<(), String>>, Option<Result<(), String>>);

fn run_plugin(
    host: &crate::plugin::PluginHost,
    p: &ResolvedPlugin,
    statement: &TrustPolicyStatement,
    info: &notary_core::SignerInfo,
    revocation_skipped: bool,
    config: &BTreeMap<String, String>,
) -> Result<PluginResults, VerificationError> {
    use base64::Engine as _;
    use notary_plugin_api::capability::{VERIFIER_REVOCATION_CHECK, VERIFIER_TRUSTED_IDENTITY};
    let attrs = &info.signed_attributes;
    let mut caps = Vec::new();
    if p.identity {
        caps.push(VERIFIER_TRUSTED_IDENTITY.to_string());
    }
    if p.revocation && !revocation_skipped {
        caps.push(VERIFIER_REVOCATION_CHECK.to_string());
    }
    // Every attribute sent is "unprocessed" for the plugin to claim (see plugin_attributes).
    let extended = p.attributes.clone();
    let unprocessed: Vec<String> = extended.keys().cloned().collect();
    let time = |t: Option<time::OffsetDateTime>| {
        t.and_then(|t| notary_core::timefmt::format_rfc3339(t).ok())
    };
    let request = notary_plugin_api::VerifySignatureRequest {
        contract_version: notary_plugin_api::CONTRACT_VERSION.to_string(),
        signature: notary_plugin_api::SignatureInfo {
            critical_attributes: notary_plugin_api::CriticalAttributes {
                content_type: attrs.content_type.clone(),
                signing_scheme: attrs.signing_scheme.as_str().to_string(),
                expiry: time(attrs.expiry),
                authentic_signing_time: time(attrs.authentic_signing_time),
                extended_attributes: (!extended.is_empty()).then_some(extended),
            },
            unprocessed_attributes: unprocessed.clone(),
            certificate_chain: info
                .certificate_chain
                .iter()
                .map(|c| base64::engine::general_purpose::STANDARD.encode(c))
                .collect(),
        },
        trust_policy: notary_plugin_api::TrustPolicyInfo {
            trusted_identities: statement.trusted_identity_strings.clone(),
            signature_verification: caps.clone(),
        },
        plugin_config: (!config.is_empty()).then(|| config.clone()),
    };
    let response = host
        .verify_signature(&p.name, &request)
        .map_err(|e| plugin_failure(e.to_string()))?;
    let missing: Vec<&String> = unprocessed
        .iter()
        .filter(|a| !response.processed_attributes.contains(a))
        .collect();
    if !missing.is_empty() {
        return Err(plugin_failure(format!(
            "plugin {} did not process the attributes {missing:?}",
            p.name
        )));
    }
    let result_of = |cap: &str| -> Result<Option<Result<(), String>>, VerificationError> {
        if !caps.iter().any(|c| c == cap) {
            return Ok(None);
        }
        let r = response.verification_results.get(cap).ok_or_else(|| {
            plugin_failure(format!(
                "plugin {} returned no result for {cap}: verification is inconclusive",
                p.name
            ))
        })?;
        Ok(Some(if r.success {
            Ok(())
        } else {
            Err(r
                .reason
                .clone()
                .unwrap_or_else(|| format!("plugin {} reported {cap} failed", p.name)))
        }))
    };
    Ok((
        result_of(VERIFIER_TRUSTED_IDENTITY)?,
        result_of(VERIFIER_REVOCATION_CHECK)?,
    ))
}

fn decoded_payload(outcome: &VerificationOutcome) -> Result<Payload, VerificationError> {
    outcome
        .payload
        .clone()
        .ok_or_else(|| VerificationError::failed(Validation::Integrity, "no payload"))
}

/// The steps after a matched target: record it, check the user metadata, keep the payload.
fn finish(
    mut outcome: VerificationOutcome,
    payload: Payload,
    user_metadata: &BTreeMap<String, String>,
) -> Result<VerificationOutcome, VerificationError> {
    outcome.checks.push(CheckResult {
        validation: Validation::TargetMismatch,
        status: CheckStatus::Passed,
    });
    check_user_metadata(&payload, user_metadata, &mut outcome)?;
    outcome.payload = Some(payload);
    Ok(outcome)
}

fn check_user_metadata(
    payload: &Payload,
    required: &BTreeMap<String, String>,
    outcome: &mut VerificationOutcome,
) -> Result<(), VerificationError> {
    let empty = BTreeMap::new();
    let signed = payload
        .target_artifact
        .annotations
        .as_ref()
        .unwrap_or(&empty);
    for (k, v) in required {
        match signed.get(k) {
            Some(sv) if sv == v => {}
            _ => {
                return Err(VerificationError::failed(
                    Validation::UserMetadata,
                    format!("unable to find specified metadata {k}={v} in the signature"),
                ));
            }
        }
    }
    if !required.is_empty() {
        outcome.checks.push(CheckResult {
            validation: Validation::UserMetadata,
            status: CheckStatus::Passed,
        });
    }
    Ok(())
}

/// Hashes a stream with `algorithm` in fixed-size chunks (memory independent of its size).
pub fn hash_stream(algorithm: DigestAlgorithm, r: &mut dyn Read) -> std::io::Result<(String, u64)> {
    fn run<D: sha2::Digest>(mut h: D, r: &mut dyn Read) -> std::io::Result<(Vec<u8>, u64)> {
        let mut buf = vec![0u8; 256 * 1024];
        let mut n = 0u64;
        loop {
            let k = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            h.update(buf.get(..k).unwrap_or_default());
            // A stream longer than u64::MAX bytes cannot exist; saturate rather than wrap.
            n = n.saturating_add(u64::try_from(k).unwrap_or(u64::MAX));
        }
        Ok((h.finalize().to_vec(), n))
    }
    let (bytes, n) = match algorithm {
        DigestAlgorithm::Sha384 => run(sha2::Sha384::new(), r)?,
        DigestAlgorithm::Sha512 => run(sha2::Sha512::new(), r)?,
        _ => run(sha2::Sha256::new(), r)?,
    };
    Ok((format!("{}:{}", algorithm.name(), hex::encode(bytes)), n))
}
