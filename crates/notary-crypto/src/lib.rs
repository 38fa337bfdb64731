#![doc = include_str!("../README.md")]
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
