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

pub mod cache;
#[cfg(feature = "remote")]
pub mod copy;
mod error;
mod fsread;
mod layout;
pub mod manifest;
#[cfg(feature = "oci-spec")]
pub mod oci_spec;
mod process;
#[cfg(feature = "remote")]
pub mod remote;
mod shared;

pub use error::Error;
pub use layout::OciLayout;
pub use manifest::{SignatureManifestForm, thumbprint_annotation};
#[doc(hidden)]
pub use process::spawn_when_not_busy;
#[cfg(feature = "remote")]
pub use remote::{RemoteOptions, RemoteReference, RemoteRepository};
#[doc(hidden)]
pub use shared::per_process;
#[cfg(feature = "tag-index-lock")]
#[doc(hidden)]
pub use shared::{TagIndexLock, count_tag_index_write, tag_index_lock};

/// Largest signature manifest read (notation's cap).
pub const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;
/// Largest signature envelope read (notation's cap).
pub const MAX_ENVELOPE_SIZE: u64 = 32 * 1024 * 1024;
