//! Timestamping at signing time: an RFC 3161 countersignature over the signature bytes
//! (`notary.x509` scheme only), checked against the caller's TSA roots before it is embedded.

use std::fmt;

use notary_core::DigestAlgorithm;

/// Obtains a verified RFC 3161 token (DER) over `message`.
pub trait Timestamper: Send + Sync + fmt::Debug {
    /// A token imprinting `message` hashed with `hash`, verified against the TSA roots.
    fn timestamp(&self, message: &[u8], hash: DigestAlgorithm) -> Result<Vec<u8>, TimestampError>;
}

/// Boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a timestamp could not be obtained. The lower layer's error is kept as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The request could not be built.
    #[error("timestamp: cannot build the timestamp request: {0}")]
    Request(#[source] BoxError),
    /// The TSA could not be reached or answered with an HTTP error.
    // notation's (Go's) form, "timestamp: Post \"URL\": ...", which its users match.
    #[error("timestamp: Post {url:?}: {source}")]
    Transport {
        /// The TSA URL.
        url: String,
        /// The transport error.
        #[source]
        source: BoxError,
    },
    /// The TSA's response is not a valid answer to the request.
    #[error("timestamp: invalid timestamp response from {url}: {source}")]
    InvalidResponse {
        /// The TSA URL.
        url: String,
        /// What is wrong with it.
        #[source]
        source: BoxError,
    },
    /// The token does not verify against the TSA roots.
    #[error("timestamp: the timestamp from {url} does not verify: {source}")]
    DoesNotVerify {
        /// The TSA URL.
        url: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The TSA's certificate chain is revoked, or its revocation status could not be learned
    /// (notation's `sign` fails on both).
    // notation-core-go's words after its "timestamp: " prefix.
    #[error("timestamp: after timestamping: {reason}")]
    Revocation {
        /// The TSA URL.
        url: String,
        /// The revocation checker's reason, naming the certificate.
        reason: String,
    },
    /// Any other failure of a custom timestamper.
    #[error(transparent)]
    Other(BoxError),
}

#[cfg(feature = "http")]
pub use rfc3161::Rfc3161Timestamper;

#[cfg(feature = "http")]
mod rfc3161 {
    use std::sync::Arc;
    use std::time::Duration;

    use notary_core::DigestAlgorithm;
    use notary_revocation::{HttpFetcher, RevocationChecker, RevocationPurpose, RevocationStatus};
    use notary_timestamp::TimestampRequest;
    use notary_x509::{Certificate, X509Verifier};

    use super::{TimestampError, Timestamper};

    /// An RFC 3161 client over HTTP or HTTPS (`--timestamp-url`), with the TSA root certificate the
    /// token must chain to (`--timestamp-root-cert`).
    ///
    /// HTTPS trusts the platform's roots (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set) and honours
    /// `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`; pass an [`HttpFetcher`] built with extra roots or
    /// explicit proxies through [`Rfc3161Timestamper::with_http`].
    #[derive(Clone)]
    pub struct Rfc3161Timestamper {
        url: String,
        roots: Vec<Certificate>,
        timeout: Duration,
        http: HttpFetcher,
        x509: X509Verifier,
        revocation: Option<Arc<dyn RevocationChecker>>,
    }

    impl std::fmt::Debug for Rfc3161Timestamper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Rfc3161Timestamper")
                .field("url", &logged_url(&self.url))
                .field("roots", &self.roots.len())
                .field("timeout", &self.timeout)
                .field("revocation", &self.revocation.is_some())
                .finish_non_exhaustive()
        }
    }

    /// Largest TSA response read (notation's limit).
    const MAX_RESPONSE: usize = 1024 * 1024;

    impl Rfc3161Timestamper {
        /// A client for the TSA at `url` whose tokens must chain to one of `roots`; notation's
        /// CLI timeout (15 s).
        pub fn new(url: impl Into<String>, roots: Vec<Certificate>) -> Self {
            Self {
                url: url.into(),
                roots,
                timeout: Duration::from_secs(15),
                http: HttpFetcher::new(),
                x509: X509Verifier::new(crate::default_provider()),
                revocation: None,
            }
        }

        /// Checks the TSA's certificate chain for revocation once its token verifies, as
        /// notation's `sign` does: a chain that is revoked, or whose status is unknown, fails
        /// the timestamp (and so the signing) instead of embedding a token no verifier will
        /// accept. Without it the chain is not checked when signing.
        pub fn with_revocation(mut self, checker: Arc<dyn RevocationChecker>) -> Self {
            self.revocation = Some(checker);
            self
        }

        /// Uses `provider` for the request digest, the nonce and the token's verification.
        pub fn with_provider(mut self, provider: notary_core::crypto::CryptoProvider) -> Self {
            self.x509 = X509Verifier::new(provider);
            self
        }

        /// Uses `http` for the requests (extra trusted roots for an HTTPS TSA, proxies, connect
        /// and DNS timeouts).
        pub fn with_http(mut self, http: HttpFetcher) -> Self {
            self.http = http;
            self
        }

        /// Sets the HTTP timeout.
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.timeout = timeout;
            self
        }
    }

    impl Timestamper for Rfc3161Timestamper {
        fn timestamp(
            &self,
            message: &[u8],
            hash: DigestAlgorithm,
        ) -> Result<Vec<u8>, TimestampError> {
            let url = || self.url.clone();
            let request =
                TimestampRequest::with_random_nonce_from(self.x509.provider(), message, hash)
                    .map_err(|e| TimestampError::Request(Box::new(e)))?;
            let response = self
                .http
                .post_expecting(
                    &self.url,
                    "application/timestamp-query",
                    &request.to_der(),
                    "application/timestamp-reply",
                    MAX_RESPONSE,
                    self.timeout,
                )
                .map_err(|e| {
                    tracing::debug!(url = %logged_url(&self.url), error = %e, "timestamp request failed");
                    TimestampError::Transport {
                        url: url(),
                        source: Box::new(e),
                    }
                })?;
            tracing::debug!(
                url = %logged_url(&self.url),
                bytes = response.len(),
                "timestamp response"
            );
            let (token, der) = request.validate_response(&response).map_err(|e| {
                TimestampError::InvalidResponse {
                    url: url(),
                    source: Box::new(e),
                }
            })?;
            let verified = token
                .verify_with(&self.x509, message, &self.roots)
                .map_err(|e| TimestampError::DoesNotVerify {
                    url: url(),
                    source: Box::new(e),
                })?;
            tracing::debug!(url = %logged_url(&self.url), "timestamp verified");
            if let Some(checker) = &self.revocation {
                // The signing machine's clock: the status is the one at signing, as notation's.
                match checker.check(
                    &verified.tsa_chain,
                    RevocationPurpose::Timestamping,
                    None,
                    time::OffsetDateTime::now_utc(),
                ) {
                    RevocationStatus::Good => {}
                    RevocationStatus::Revoked { reason } | RevocationStatus::Unknown { reason } => {
                        tracing::debug!(url = %logged_url(&self.url), %reason, "timestamping certificate chain refused");
                        return Err(TimestampError::Revocation { url: url(), reason });
                    }
                    _ => {
                        return Err(TimestampError::Revocation {
                            url: url(),
                            reason: "unexpected revocation status".into(),
                        });
                    }
                }
            }
            Ok(der)
        }
    }

    /// The TSA URL as logged: without user info, query or fragment (each may carry a
    /// credential).
    pub(crate) fn logged_url(url: &str) -> String {
        let end = url.find(['?', '#']).unwrap_or(url.len());
        let url = url.get(..end).unwrap_or(url);
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.to_string();
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        format!("{scheme}://{host}{path}")
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn logged_tsa_urls_carry_no_credentials() {
            assert_eq!(
                super::logged_url("https://u:p%40ss@tsa.example:8443/ts?key=s3cret#x"),
                "https://tsa.example:8443/ts"
            );
            assert_eq!(
                super::logged_url("http://127.0.0.1:9/"),
                "http://127.0.0.1:9/"
            );
        }
    }
}
