//! The signing side of notary-rs' crypto boundary, on aws-lc-rs.
//!
//! - [`LocalSigner`]: a [`notary_core::Signer`] over a private key in a PEM file (PKCS#8,
//!   PKCS#1 or SEC1) for any of the six Notary key specs, RSASSA-PSS with salt = hash length
//!   and ECDSA with fixed-width `r||s`;
//! - [`generate_private_key`] and [`generate_test_certificate`] (the equivalent of
//!   `notation cert generate-test`);
//! - [`pki`]: a small builder of test certificate chains used by tests and benchmarks.
//!
//! ```
//! use notary_core::{KeySpec, Signer};
//! let now = time::macros::datetime!(2026-01-01 0:00 UTC);
//! let generated = notary_crypto::generate_test_certificate("example", KeySpec::EcP256, now)?;
//! let signer = notary_crypto::LocalSigner::from_pem(generated.key_pem.as_bytes(), generated.cert_pem.as_bytes())?;
//! assert_eq!(signer.key_spec()?, KeySpec::EcP256);
//! let raw = signer.sign(b"hello")?;
//! assert_eq!(raw.signature.len(), 64);
//! assert_eq!(raw.certificate_chain.len(), 1);
//! # Ok::<(), notary_core::Error>(())
//! ```
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
#![forbid(unsafe_code)]

mod keys;
pub mod pki;
mod testcert;

pub use keys::{LocalSigner, generate_private_key, private_key_to_pem};
pub use testcert::{GeneratedCertificate, generate_test_certificate};
