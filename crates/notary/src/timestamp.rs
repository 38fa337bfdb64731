//! Timestamping at signing time: an RFC 3161 countersignature over the signature bytes
//! (`notary.x509` scheme only), checked against the caller's TSA roots before it is embedded.

use std::fmt;
use std::time::Duration;

use notary_core::DigestAlgorithm;
use notary_revocation::HttpFetcher;
use notary_timestamp::TimestampRequest;
use notary_x509::Certificate;

/// Obtains a verified RFC 3161 token (DER) over `message`.
pub trait Timestamper: Send + Sync + fmt::Debug {
    /// A token imprinting `message` hashed with `hash`, verified against the TSA roots.
    fn timestamp(&self, message: &[u8], hash: DigestAlgorithm) -> Result<Vec<u8>, String>;
}

/// An RFC 3161 client over HTTP or HTTPS (`--timestamp-url`), with the TSA root certificate the
/// token must chain to (`--timestamp-root-cert`).
///
/// HTTPS trusts the platform's roots (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set) and honours
/// `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`; pass an [`HttpFetcher`] built with extra roots or
/// explicit proxies through [`Rfc3161Timestamper::with_http`].
#[derive(Debug, Clone)]
pub struct Rfc3161Timestamper {
    url: String,
    roots: Vec<Certificate>,
    timeout: Duration,
    http: HttpFetcher,
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
        }
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
    fn timestamp(&self, message: &[u8], hash: DigestAlgorithm) -> Result<Vec<u8>, String> {
        let request =
            TimestampRequest::with_random_nonce(message, hash).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(
                &self.url,
                "application/timestamp-query",
                &request.to_der(),
                MAX_RESPONSE,
                self.timeout,
            )
            .map_err(|e| format!("timestamp request failed: {e}"))?;
        let (token, der) = request
            .validate_response(&response)
            .map_err(|e| format!("invalid timestamp response from {}: {e}", self.url))?;
        token
            .verify(message, &self.roots)
            .map_err(|e| format!("the timestamp from {} does not verify: {e}", self.url))?;
        Ok(der)
    }
}
