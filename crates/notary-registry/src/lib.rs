//! Where signatures live: [`notary_core::SignatureRepository`] back ends.
//!
//! - [`OciLayout`]: an OCI image layout directory on disk, the offline default. Signatures are
//!   found through the `subject` of every manifest reachable from `index.json` (including a
//!   referrers-tag-schema index), written atomically, and `index.json` stays valid under
//!   concurrent writers in one process.
//! - [`RemoteRepository`] (feature `remote`, on by default): one repository of an OCI
//!   registry over HTTP(S), with the referrers API and the referrers tag schema fallback,
//!   Basic and bearer-token auth, Docker credentials and helpers, retries and size caps.
//! - [`cache`]: a content-addressed cache of signature manifests and envelopes shared between
//!   processes, which a [`RemoteRepository`] consults for fetches by digest (the embedder
//!   chooses one, or none: [`RemoteOptions::cache`]).
//! - [`manifest`]: OCI manifest and index types and the Notary signature-manifest rules shared
//!   by every back end.
//! - [`oci_spec`] (feature `oci-spec`): `TryFrom` conversions between [`manifest::Manifest`]
//!   and oci-spec's `ImageManifest` and `ImageIndex`.
//!
//! ```
//! use notary_core::{Descriptor, PushSignature, SignatureRepository};
//! use notary_registry::OciLayout;
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let w = std::task::Waker::noop(); let mut cx = std::task::Context::from_waker(&w);
//! #     let mut f = std::pin::pin!(f);
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! let dir = tempfile::tempdir()?;
//! let layout = OciLayout::create(dir.path())?;
//! let config = layout.push_blob("application/vnd.oci.empty.v1+json", b"{}")?;
//! let manifest = notary_registry::manifest::image_manifest(&config, &[], None, None, None);
//! let artifact = layout.push_manifest(notary_registry::manifest::IMAGE_MANIFEST, &manifest, Some("v1"))?;
//! assert_eq!(block_on(layout.resolve("v1"))?, artifact);
//! block_on(layout.push_signature(PushSignature::new(&artifact, notary_core::EnvelopeMediaType::Jws, b"{}", Default::default())))?;
//! assert_eq!(block_on(layout.list_signatures(&artifact, 10))?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
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
#[cfg(feature = "remote")]
pub mod remote;

pub use error::Error;
pub use layout::OciLayout;
pub use manifest::{SignatureManifestForm, thumbprint_annotation};
#[cfg(feature = "remote")]
pub use remote::{RemoteOptions, RemoteReference, RemoteRepository};

/// Largest signature manifest read (notation's cap).
pub const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;
/// Largest signature envelope read (notation's cap).
pub const MAX_ENVELOPE_SIZE: u64 = 32 * 1024 * 1024;
