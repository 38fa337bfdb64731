//! The crate's error type.

/// Why the webhook could not do something.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is not an `admission.k8s.io/v1` `AdmissionReview` the webhook can read
    /// (answered with HTTP 400).
    #[error("malformed AdmissionReview: {reason}")]
    MalformedReview {
        /// What is wrong.
        reason: String,
    },
    /// The notation configuration directory or a setting is unusable.
    #[error("configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The TLS certificate or key cannot be loaded.
    #[error("TLS: {reason}")]
    Tls {
        /// What is wrong.
        reason: String,
    },
    /// The listener failed.
    #[error("{what}: {reason}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        reason: String,
    },
}
