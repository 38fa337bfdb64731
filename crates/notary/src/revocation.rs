//! Revocation checking boundary, from `notary-revocation`: [`OfflineRevocation`] (the
//! verifier's default, never touches the network) and the OCSP/CRL [`Checker`] with an
//! injectable [`Fetcher`].

pub use notary_revocation::{
    CachedCrl, CertStatus, Checker, CrlCache, FetchError, FetchErrorKind, Fetcher,
    OfflineRevocation, RevocationChecker, RevocationPurpose, RevocationStatus, StaticFetcher,
};
#[cfg(feature = "http")]
pub use notary_revocation::{HttpFetcher, HttpFetcherBuilder, ProxyConfig};
