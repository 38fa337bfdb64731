//! The authentic timestamp: the signing chain was valid at a trusted time (the authentic
//! signing time of `notary.x509.signingAuthority`, an RFC 3161 countersignature, or now), and
//! the timestamping chain is not revoked.

use notary_core::timefmt::format_rfc1123z;
use notary_core::{SigningScheme, VerifiedEnvelope};
use notary_revocation::{RevocationChecker, RevocationPurpose, RevocationStatus};
use notary_trustpolicy::{TrustPolicyStatement, VerifyTimestamp};
use notary_x509::{Certificate, X509Verifier};
use time::OffsetDateTime;

use super::{StepFailure, StepResult};
use crate::truststore::{TrustStore, TrustStoreType};

pub(crate) struct TimestampCheck<'a> {
    pub(crate) x509: &'a X509Verifier,
    pub(crate) trust_store: &'a dyn TrustStore,
    pub(crate) revocation: &'a dyn RevocationChecker,
}

impl TimestampCheck<'_> {
    pub(crate) fn check(
        &self,
        statement: &TrustPolicyStatement,
        envelope: &VerifiedEnvelope,
        chain: &[Certificate],
        now: OffsetDateTime,
    ) -> StepResult {
        let info = envelope.signer_info();
        let attrs = &info.signed_attributes;
        if attrs.signing_scheme == SigningScheme::X509SigningAuthority {
            let t = attrs
                .authentic_signing_time
                .ok_or("the signature lacks an authentic signing time")?;
            return chain_valid_at_signing(chain, t);
        }
        let has_tsa_store = statement
            .trust_stores
            .iter()
            .any(|s| s.store_type == TrustStoreType::Tsa);
        let any_expired = chain.iter().any(|c| now > c.not_after());
        let triggered = has_tsa_store
            && match statement.signature_verification.verify_timestamp {
                VerifyTimestamp::AfterCertExpiry => any_expired,
                _ => true,
            };
        if !triggered {
            return chain_valid_at(chain, now);
        }
        let token = info
            .unsigned_attributes
            .timestamp_signature
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or("no timestamp countersignature was found in the signature envelope")?;
        let mut roots = Vec::new();
        for s in statement
            .trust_stores
            .iter()
            .filter(|s| s.store_type == TrustStoreType::Tsa)
        {
            roots.extend(
                self.trust_store
                    .certificates(TrustStoreType::Tsa, &s.name)
                    .map_err(|e| StepFailure::with_source(e.to_string(), e))?,
            );
        }
        let verified = notary_timestamp::TimestampToken::parse(token)
            .and_then(|t| t.verify_with(self.x509, &info.signature, &roots))
            .map_err(|e| {
                StepFailure::with_source(
                    format!("failed to verify the timestamp countersignature with error: {e}"),
                    e,
                )
            })?;
        let (start, end) = verified.range;
        for c in chain {
            if start < c.not_before() {
                return Err(StepFailure::new(format!(
                    "timestamp can be before certificate {:?} validity period, it will be valid from \"{}\"",
                    c.subject_string(),
                    format_rfc1123z(c.not_before())
                )));
            }
            if end > c.not_after() {
                return Err(StepFailure::new(format!(
                    "timestamp can be after certificate {:?} validity period, it was expired at \"{}\"",
                    c.subject_string(),
                    format_rfc1123z(c.not_after())
                )));
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
            // The reason names the timestamping certificate, as notation's does.
            RevocationStatus::Revoked { reason } | RevocationStatus::Unknown { reason } => {
                Err(StepFailure::new(reason))
            }
            _ => Err(StepFailure::new("unexpected revocation status")),
        }
    }
}

/// Each certificate of `chain` is valid at the verification time `t` (notation's words).
pub(crate) fn chain_valid_at(chain: &[Certificate], t: OffsetDateTime) -> StepResult {
    for c in chain {
        if t < c.not_before() {
            return Err(StepFailure::new(format!(
                "verification time is before certificate {:?} validity period, it will be valid from \"{}\"",
                c.subject_string(),
                format_rfc1123z(c.not_before())
            )));
        }
        if t > c.not_after() {
            return Err(StepFailure::new(format!(
                "verification time is after certificate {:?} validity period, it was expired at \"{}\"",
                c.subject_string(),
                format_rfc1123z(c.not_after())
            )));
        }
    }
    Ok(())
}

/// Each certificate of `chain` was valid at the authentic signing time `t` (notation's words).
fn chain_valid_at_signing(chain: &[Certificate], t: OffsetDateTime) -> StepResult {
    match chain
        .iter()
        .find(|c| t < c.not_before() || t > c.not_after())
    {
        Some(c) => Err(StepFailure::new(format!(
            "certificate {:?} was not valid when the digital signature was produced at \"{}\"",
            c.subject_string(),
            format_rfc1123z(t)
        ))),
        None => Ok(()),
    }
}
