use std::collections::BTreeMap;
use std::future::Future;

use crate::envelope::{CertificateChain, EnvelopeMediaType};
use crate::error::Error;
use crate::keyspec::{KeySpec, SignatureAlgorithm};

/// A raw signature and the certificate chain of the key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSignature {
    /// RSASSA-PSS signature bytes, or ECDSA fixed-width `r||s`.
    pub signature: Vec<u8>,
    /// DER certificates, leaf first, root last.
    pub certificate_chain: CertificateChain,
}

/// Produces raw signatures over the envelope's signing input.
///
/// Local keys, HSM tokens and plugins implement it. The signer never sees the envelope format
/// or the registry. The signature algorithm is the one implied by [`Signer::key_spec`]; the
/// signer hashes `signing_input` itself.
pub trait Signer: Send + Sync {
    /// The key spec of the signing key.
    fn key_spec(&self) -> Result<KeySpec, Error>;

    /// Signs `signing_input` (JWS: `protected.payload` ASCII; COSE: the Sig_structure bytes).
    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, Error>;

    /// A signer that produces whole envelopes (notation's `SIGNATURE_GENERATOR.ENVELOPE`
    /// plugins) returns its generator here; the envelope is then built by it rather than by the
    /// codecs, and checked by the caller. Default: none (raw signing).
    fn envelope_generator(&self) -> Option<&dyn EnvelopeGenerator> {
        None
    }

    /// What the signer adds to the signing agent header (notation-go writes
    /// `<agent> <plugin name>/<plugin version>` for a plugin's signature). Default: nothing.
    fn signing_agent_suffix(&self) -> Option<String> {
        None
    }
}

impl<S: Signer + ?Sized> Signer for &S {
    fn key_spec(&self) -> Result<KeySpec, Error> {
        (**self).key_spec()
    }
    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, Error> {
        (**self).sign(signing_input)
    }
    fn envelope_generator(&self) -> Option<&dyn EnvelopeGenerator> {
        (**self).envelope_generator()
    }
    fn signing_agent_suffix(&self) -> Option<String> {
        (**self).signing_agent_suffix()
    }
}

impl<S: Signer + ?Sized> Signer for Box<S> {
    fn key_spec(&self) -> Result<KeySpec, Error> {
        (**self).key_spec()
    }
    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, Error> {
        (**self).sign(signing_input)
    }
    fn envelope_generator(&self) -> Option<&dyn EnvelopeGenerator> {
        (**self).envelope_generator()
    }
    fn signing_agent_suffix(&self) -> Option<String> {
        (**self).signing_agent_suffix()
    }
}

/// A signer whose key operations may wait (a remote KMS, an HSM over the network), for async
/// programs that must not block their runtime.
///
/// Every [`Signer`] is an `AsyncSigner` (it signs inline). A blocking signer used from a tokio
/// program can instead be moved to the blocking pool with an adapter such as:
///
/// ```
/// use std::sync::Arc;
/// use notary_core::{AsyncSigner, Error, KeySpec, RawSignature, Signer};
///
/// /// Runs a blocking signer on tokio's blocking pool.
/// struct SpawnBlocking<S>(Arc<S>);
///
/// impl<S: Signer + 'static> AsyncSigner for SpawnBlocking<S> {
///     async fn key_spec_async(&self) -> Result<KeySpec, Error> {
///         let s = Arc::clone(&self.0);
///         tokio::task::spawn_blocking(move || s.key_spec())
///             .await
///             .map_err(|e| Error::SigningFailed { reason: e.to_string() })?
///     }
///     async fn sign_async(&self, input: &[u8]) -> Result<RawSignature, Error> {
///         let (s, input) = (Arc::clone(&self.0), input.to_vec());
///         tokio::task::spawn_blocking(move || s.sign(&input))
///             .await
///             .map_err(|e| Error::SigningFailed { reason: e.to_string() })?
///     }
/// }
/// ```
pub trait AsyncSigner: Send + Sync {
    /// The key spec of the signing key.
    fn key_spec_async(&self) -> impl Future<Output = Result<KeySpec, Error>> + Send;

    /// Signs `signing_input` (see [`Signer::sign`]).
    fn sign_async(
        &self,
        signing_input: &[u8],
    ) -> impl Future<Output = Result<RawSignature, Error>> + Send;

    /// See [`Signer::envelope_generator`]. Default: none.
    fn envelope_generator(&self) -> Option<&dyn EnvelopeGenerator> {
        None
    }

    /// See [`Signer::signing_agent_suffix`]. Default: none.
    fn signing_agent_suffix(&self) -> Option<String> {
        None
    }
}

impl<S: Signer + ?Sized> AsyncSigner for S {
    fn key_spec_async(&self) -> impl Future<Output = Result<KeySpec, Error>> + Send {
        std::future::ready(self.key_spec())
    }
    fn sign_async(
        &self,
        signing_input: &[u8],
    ) -> impl Future<Output = Result<RawSignature, Error>> + Send {
        std::future::ready(self.sign(signing_input))
    }
    fn envelope_generator(&self) -> Option<&dyn EnvelopeGenerator> {
        Signer::envelope_generator(self)
    }
    fn signing_agent_suffix(&self) -> Option<String> {
        Signer::signing_agent_suffix(self)
    }
}

/// An envelope produced whole by an [`EnvelopeGenerator`], not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedEnvelope {
    /// The envelope bytes.
    pub envelope: Vec<u8>,
    /// Annotations to add to the signature manifest.
    pub annotations: BTreeMap<String, String>,
}

/// Produces complete signature envelopes over a Notary payload (signing time, expiry and any
/// timestamp are the generator's).
pub trait EnvelopeGenerator: Send + Sync {
    /// Signs `payload` (the Notary payload JSON) into an envelope of `media_type`, valid for
    /// `expiry_seconds` when given.
    fn generate_envelope(
        &self,
        media_type: EnvelopeMediaType,
        payload: &[u8],
        expiry_seconds: Option<u64>,
    ) -> Result<GeneratedEnvelope, Error>;
}

/// The crypto boundary used by envelope codecs to check a signature with a certificate's key.
///
/// Implementations must bind the algorithm to the key: when the key spec of the certificate's
/// public key does not imply `algorithm`, `verify_signature` fails with
/// [`Error::SignatureInvalid`] or [`Error::UnsupportedKey`] and never checks the bytes.
pub trait SignatureVerifier: Send + Sync {
    /// The key spec of the public key in the DER certificate `certificate`.
    fn key_spec_of_certificate(&self, certificate: &[u8]) -> Result<KeySpec, Error>;

    /// Verifies `signature` over `message` with the public key of `certificate`.
    fn verify_signature(
        &self,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error>;
}
