//! Revocation checking boundary. The network-backed OCSP/CRL checker plugs in here; the default
//! [`OfflineRevocation`] never touches the network.

use notary_x509::Certificate;
use time::OffsetDateTime;

/// Which chain is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationPurpose {
    /// The signing certificate chain.
    CodeSigning,
    /// A timestamping authority's chain.
    Timestamping,
}

/// The combined revocation status of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationStatus {
    /// No certificate is revoked (or none can be: no revocation information).
    Good,
    /// Some certificate is revoked (takes precedence over unknown).
    Revoked {
        /// Which certificate and why.
        reason: String,
    },
    /// Some certificate's status could not be determined.
    Unknown {
        /// Which certificate and why.
        reason: String,
    },
}

/// Checks a chain (leaf first) for revocation.
pub trait RevocationChecker: Send + Sync {
    /// The chain's status. `authentic_signing_time` is set for the signing-authority scheme only.
    fn check(
        &self,
        chain: &[Certificate],
        purpose: RevocationPurpose,
        authentic_signing_time: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> RevocationStatus;
}

/// A checker for machines with no network access: certificates that publish no revocation
/// information are good; a certificate that does publish OCSP or CRL endpoints has an unknown
/// status (notation reports the same when the endpoints cannot be reached).
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineRevocation;

impl RevocationChecker for OfflineRevocation {
    fn check(
        &self,
        chain: &[Certificate],
        _purpose: RevocationPurpose,
        _authentic_signing_time: Option<OffsetDateTime>,
        _now: OffsetDateTime,
    ) -> RevocationStatus {
        // The root is never checked.
        let n = chain.len().saturating_sub(1);
        for c in &chain[..n] {
            if c.has_revocation_endpoints() {
                return RevocationStatus::Unknown {
                    reason: format!(
                        "certificate with subject {:?} publishes revocation endpoints and no revocation checker is configured",
                        c.subject_string()
                    ),
                };
            }
        }
        RevocationStatus::Good
    }
}
