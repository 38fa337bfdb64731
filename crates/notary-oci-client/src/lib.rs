#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// Input-derived values must not panic or wrap: checked operations and `get` instead.
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

mod error;
mod repository;

pub use error::{BoxError, Error};
pub use repository::{OciClientOptions, OciClientRepository, referrers_tag};

#[doc(no_inline)]
pub use notary_core::SignatureRepository;
#[doc(no_inline)]
pub use oci_client::secrets::RegistryAuth;
