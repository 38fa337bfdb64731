#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod cache;
pub mod crl;
mod fetch;
pub mod ocsp;

use std::sync::Arc;
use std::time::Duration;

pub use cache::{CachedCrl, CrlCache};
pub use fetch::{FetchError, FetchErrorKind, Fetcher, StaticFetcher};
#[cfg(feature = "http")]
pub use fetch::{HttpFetcher, HttpFetcherBuilder, ProxyConfig};
/// The certificate type [`RevocationChecker::check`] takes, so a checker of one's own needs no
/// direct dependency on `notary-x509`.
pub use notary_x509::Certificate;
use notary_x509::X509Verifier;
use time::OffsetDateTime;

/// Why a CRL or OCSP response cannot be used as revocation evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The DER of a CRL or OCSP response is malformed.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read (e.g. `CRL`, `OCSP response`).
        what: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// An extension marked critical that this crate does not process (RFC 5280 §5.2, §5.3):
    /// the material is refused rather than read without it.
    #[error("unsupported critical {location} extension {oid}")]
    UnsupportedCriticalExtension {
        /// Where it was: `CRL`, `CRL entry`, `OCSP single response` or `OCSP response`.
        location: &'static str,
        /// The extension's OID, dotted.
        oid: String,
    },
    /// A delta CRL (deltaCRLIndicator) was served where a complete CRL was expected; a delta
    /// lists only changes since its base, so it is never evidence that a certificate is good.
    #[error(
        "the CRL is a delta CRL (deltaCRLIndicator, base CRL number {base_crl_number}), not a complete CRL"
    )]
    DeltaCrlAsBase {
        /// The base CRL number the delta refers to, in hex.
        base_crl_number: String,
    },
    /// The CRL's issuingDistributionPoint scope does not cover the certificate
    /// (RFC 5280 §6.3.3 (b)(2)), so it is no evidence of the certificate's status.
    #[error("the CRL does not cover the certificate: {reason}")]
    OutOfScope {
        /// Which scope rule failed.
        reason: String,
    },
    /// The signature does not verify, or the signer may not sign this material.
    #[error("{reason}")]
    Signature {
        /// What failed.
        reason: String,
    },
    /// The material is not current at the check time (expired, or not yet valid).
    #[error("{reason}")]
    NotCurrent {
        /// Which time bound failed.
        reason: String,
    },
    /// The material is well formed and signed but unusable for this check (wrong issuer,
    /// inconsistent delta numbering, no answer for the certificate, responder error, …).
    #[error("{reason}")]
    Unusable {
        /// Why.
        reason: String,
    },
    /// Retrieving the material failed.
    #[error("{reason}")]
    Fetch {
        /// The fetcher's error, rendered.
        reason: String,
    },
}

impl Error {
    pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> Self {
        Self::Malformed {
            what,
            reason: reason.into(),
        }
    }
    pub(crate) fn unusable(reason: impl Into<String>) -> Self {
        Self::Unusable {
            reason: reason.into(),
        }
    }
    pub(crate) fn scope(reason: impl Into<String>) -> Self {
        Self::OutOfScope {
            reason: reason.into(),
        }
    }
}

/// Which chain is being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationPurpose {
    /// The signing certificate chain.
    CodeSigning,
    /// A timestamping authority's chain.
    Timestamping,
}

impl RevocationPurpose {
    /// How notation names a certificate of such a chain in its messages ("signing certificate
    /// with subject ... is revoked"); notation names any certificate of the chain so.
    pub fn certificate_role(self) -> &'static str {
        match self {
            Self::CodeSigning => "signing certificate",
            Self::Timestamping => "timestamping certificate",
        }
    }
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
/// information are good; a certificate that publishes OCSP or CRL endpoints has an unknown
/// status (what notation reports when the endpoints cannot be reached).
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineRevocation;

impl RevocationChecker for OfflineRevocation {
    fn check(
        &self,
        chain: &[Certificate],
        purpose: RevocationPurpose,
        _: Option<OffsetDateTime>,
        _: OffsetDateTime,
    ) -> RevocationStatus {
        let n = chain.len().saturating_sub(1);
        for c in chain.iter().take(n) {
            if c.has_revocation_endpoints() {
                return RevocationStatus::Unknown {
                    reason: format!(
                        "{} with subject {:?} revocation status is unknown: it publishes revocation endpoints and no revocation checker is configured",
                        purpose.certificate_role(),
                        c.subject_string()
                    ),
                };
            }
        }
        RevocationStatus::Good
    }
}

/// The status of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked.
    Good,
    /// Revoked (the reason names the source).
    Revoked(String),
    /// Could not be determined.
    Unknown(String),
    /// The certificate publishes no revocation information.
    NonRevokable,
}

impl CertStatus {
    /// `good`, `revoked`, `unknown` or `non-revokable`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked(_) => "revoked",
            Self::Unknown(_) => "unknown",
            Self::NonRevokable => "non-revokable",
        }
    }
}

/// OCSP and CRL checking through a [`Fetcher`].
#[derive(Clone)]
pub struct Checker {
    x509: X509Verifier,
    fetcher: Arc<dyn Fetcher>,
    cache: Option<CrlCache>,
    validated: Arc<crl::Validated>,
    ocsp_timeout: Duration,
    crl_timeout: Duration,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("ocsp_timeout", &self.ocsp_timeout)
            .field("crl_timeout", &self.crl_timeout)
            .finish_non_exhaustive()
    }
}

impl Checker {
    /// A checker on the aws-lc-rs provider. Compatibility shim: use [`Checker::new_with`].
    #[cfg(feature = "compat-aws-lc")]
    pub fn new(fetcher: Arc<dyn Fetcher>) -> Self {
        Self::new_with(
            X509Verifier::new(notary_provider_aws_lc_rs::provider()),
            fetcher,
        )
    }

    /// A checker verifying OCSP responses and CRLs with `x509`, with notation's default
    /// timeouts (OCSP 2 s, CRL 5 s).
    pub fn new_with(x509: X509Verifier, fetcher: Arc<dyn Fetcher>) -> Self {
        Self {
            x509,
            fetcher,
            cache: None,
            validated: Arc::default(),
            ocsp_timeout: Duration::from_secs(2),
            crl_timeout: Duration::from_secs(5),
        }
    }

    /// Caches downloaded CRLs (and reuses them while current).
    pub fn with_cache(mut self, cache: CrlCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Sets the per-request timeouts.
    pub fn with_timeouts(mut self, ocsp: Duration, crl: Duration) -> Self {
        self.ocsp_timeout = ocsp;
        self.crl_timeout = crl;
        self
    }

    /// The status of `cert`, issued by `issuer`.
    pub fn check_certificate(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        authentic_signing_time: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> CertStatus {
        let status = self.check_certificate_inner(cert, issuer, authentic_signing_time, now);
        match &status {
            CertStatus::Revoked(why) | CertStatus::Unknown(why) => tracing::debug!(
                subject = ?cert.subject_string(),
                result = status.name(),
                reason = why.as_str(),
                "revocation status"
            ),
            _ => tracing::debug!(
                subject = ?cert.subject_string(),
                result = status.name(),
                "revocation status"
            ),
        }
        status
    }

    fn check_certificate_inner(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        authentic_signing_time: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> CertStatus {
        let sources = crl::Sources {
            x509: &self.x509,
            fetcher: self.fetcher.as_ref(),
            cache: self.cache.as_ref(),
            validated: &self.validated,
            timeout: self.crl_timeout,
        };
        let crl = || crl::check(&sources, cert, issuer, authentic_signing_time, now);
        if !cert.ocsp_urls().is_empty() {
            let r = ocsp::check(
                &self.x509,
                self.fetcher.as_ref(),
                self.ocsp_timeout,
                cert,
                issuer,
                authentic_signing_time,
                now,
            );
            return match r {
                CertStatus::Unknown(why) if !cert.crl_urls().is_empty() => match crl() {
                    CertStatus::Unknown(w2) => {
                        CertStatus::Unknown(format!("{why}; CRL fallback: {w2}"))
                    }
                    other => other,
                },
                other => other,
            };
        }
        if !cert.crl_urls().is_empty() {
            return crl();
        }
        CertStatus::NonRevokable
    }
}

impl RevocationChecker for Checker {
    fn check(
        &self,
        chain: &[Certificate],
        purpose: RevocationPurpose,
        authentic_signing_time: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> RevocationStatus {
        let role = purpose.certificate_role();
        let mut unknown = None;
        // The root (last) is never checked.
        let pairs: Vec<(&Certificate, &Certificate)> = chain
            .windows(2)
            .filter_map(|pair| match pair {
                [cert, issuer] => Some((cert, issuer)),
                _ => None,
            })
            .collect();
        let check = |(cert, issuer): (&Certificate, &Certificate)| {
            self.check_certificate(cert, issuer, authentic_signing_time, now)
        };
        // Every certificate whose check may wait on a responder is checked at once, as
        // notation checks them, so that unreachable ones cost one certificate's timeouts, not
        // the chain's sum; the verdict is read in chain order all the same. A chain answered
        // from the CRLs validated in memory (the warm path) starts no thread.
        let waits = |(cert, issuer): &(&Certificate, &Certificate)| {
            !cert.ocsp_urls().is_empty() || !crl::in_memory(&self.validated, cert, issuer, now)
        };
        let concurrent = pairs.len() > 1 && pairs.iter().filter(|p| waits(p)).count() > 1;
        let statuses: Vec<CertStatus> = match pairs.split_first() {
            Some((first, rest)) if concurrent => std::thread::scope(|s| {
                let others: Vec<_> = rest.iter().map(|p| s.spawn(move || check(*p))).collect();
                let mut all = vec![check(*first)];
                all.extend(others.into_iter().map(|h| {
                    h.join().unwrap_or_else(|_| {
                        CertStatus::Unknown("the revocation check stopped".into())
                    })
                }));
                all
            }),
            _ => pairs.iter().map(|p| check(*p)).collect(),
        };
        for ((cert, _), status) in pairs.iter().zip(statuses) {
            match status {
                CertStatus::Revoked(why) => {
                    return RevocationStatus::Revoked {
                        reason: format!(
                            "{role} with subject {:?} is revoked: {why}",
                            cert.subject_string()
                        ),
                    };
                }
                CertStatus::Unknown(why) => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "{role} with subject {:?} revocation status is unknown: {why}",
                            cert.subject_string()
                        )
                    });
                }
                CertStatus::Good | CertStatus::NonRevokable => {}
            }
        }
        match unknown {
            Some(reason) => RevocationStatus::Unknown { reason },
            None => RevocationStatus::Good,
        }
    }
}

/// `http` URLs only (case-insensitive scheme), as notation requires for OCSP and CRLs.
pub(crate) fn is_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}
