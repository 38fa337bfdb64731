use thiserror::Error;

/// Errors of the signature repositories.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The OS message.
        reason: String,
    },
    /// A layout file is not a regular file inside the layout (a symbolic link, a FIFO, a device
    /// or a directory): refused, so that reading it can neither hang, nor run unbounded, nor
    /// leave the layout.
    #[error("{path}: {reason}")]
    NotRegularFile {
        /// The file.
        path: String,
        /// What it is instead.
        reason: String,
    },
    /// The directory is not a valid OCI image layout.
    #[error("invalid OCI image layout at {path}: {reason}")]
    InvalidLayout {
        /// The layout directory.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A tag or digest is not in the repository.
    #[error("{reference}: not found")]
    NotFound {
        /// The reference.
        reference: String,
    },
    /// A reference is not a tag or digest.
    #[error("invalid reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference.
        reference: String,
        /// Why.
        reason: String,
    },
    /// Content does not hash to its descriptor's digest, or has another size.
    #[error("content of {digest} does not match its descriptor: {reason}")]
    DigestMismatch {
        /// The expected digest.
        digest: String,
        /// Size or hash difference.
        reason: String,
    },
    /// Content is larger than the cap.
    #[error("{what} {digest} is {size} bytes, more than the {max} allowed")]
    TooLarge {
        /// `manifest` or `signature envelope`.
        what: &'static str,
        /// Its digest.
        digest: String,
        /// Its size.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// A signature manifest's envelope layer is not a Notary envelope format.
    #[error("{0}")]
    UnsupportedEnvelope(#[source] notary_core::UnsupportedEnvelopeFormat),
    /// A signature in a format of the Notary v2 prototypes that no current tool verifies (the
    /// nv2 JWT signatures). Never taken for a signature of the current format.
    #[error(
        "{digest} is a {format} signature, a format of the Notary v2 prototypes that is no longer verified; re-sign the artifact with a current tool (notary or notation v1+)"
    )]
    PrototypeSignature {
        /// The signature manifest.
        digest: String,
        /// The format, named.
        format: &'static str,
    },
    /// A manifest or index cannot be decoded or breaks a rule.
    #[error("invalid manifest {digest}: {reason}")]
    InvalidManifest {
        /// Its digest.
        digest: String,
        /// Why.
        reason: String,
    },
    /// A registry answered with an unexpected HTTP status.
    // oras-go's words, which notation prints: `response status code 404: ...`.
    #[error("{operation}: response status code {status}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Http {
        /// What was being done (method and URL).
        operation: String,
        /// The status code.
        status: u16,
        /// The registry's error message, if any.
        message: String,
    },
    /// The registry could not be reached, the connection failed or timed out.
    #[error("{operation}: {reason}")]
    Network {
        /// What was being done (method and URL).
        operation: String,
        /// The transport error.
        reason: String,
    },
    /// Authentication failed or credentials could not be loaded.
    #[error("authentication with {registry} failed: {reason}")]
    Auth {
        /// The registry host.
        registry: String,
        /// Why.
        reason: String,
    },
    /// A server other than the registry (a redirect target such as blob storage or a CDN, or
    /// the origin of a `Link` or `Location` URL) asked for what only the registry may have:
    /// credentials, or to be sent requests carrying them. Refused; origins are compared by
    /// scheme, host and port.
    #[error("{registry}: refused {url}: {reason}")]
    ForeignOrigin {
        /// The registry host.
        registry: String,
        /// The URL on the other origin.
        url: String,
        /// What it asked for.
        reason: String,
    },
    /// A redirect, `Link` or `Location` would move a request from HTTPS to plain HTTP.
    #[error("{registry}: refused to follow {from} to {to}: HTTPS is never downgraded to HTTP")]
    InsecureDowngrade {
        /// The registry host.
        registry: String,
        /// The HTTPS URL.
        from: String,
        /// The HTTP URL it pointed to.
        to: String,
    },
    /// A registry client option is invalid (CA bundle, URL).
    #[error("invalid registry client configuration: {reason}")]
    Config {
        /// Why.
        reason: String,
    },
    /// The registry does not support an operation the request needs.
    #[error("{registry}: {reason}")]
    Unsupported {
        /// The registry host.
        registry: String,
        /// What is missing.
        reason: String,
    },
    /// A signature manifest was stored but the referrers tag index could not be updated, so it
    /// may not be discoverable.
    #[error(
        "signature manifest {manifest} was pushed, but updating the referrers index {tag} failed: {reason}"
    )]
    ReferrersIndex {
        /// The pushed manifest digest.
        manifest: String,
        /// The tag of the referrers index.
        tag: String,
        /// Why.
        reason: String,
    },
}
