//! A notary-rs [`SignatureRepository`] over [`oci_client::Client`], for projects that already
//! talk to registries with `oci-client` and its [`RegistryAuth`].
//!
//! [`OciClientRepository`] lists, fetches and pushes Notary signatures in one repository with
//! the same rules as notary-rs's own registry client (`notary_registry::RemoteRepository`):
//!
//! - **list**: the referrers API filtered to `application/vnd.cncf.notary.signature`, with the
//!   referrers tag schema (`sha256-<hex>`) when the registry lacks the API or its answer is
//!   empty (a signer may have written only the tag schema, as notation does by default);
//! - **fetch**: the signature manifest and its envelope are refused above the caps (manifest
//!   4 MiB, envelope 32 MiB, judged on the descriptor before any request), must be exactly the
//!   descriptor's size and hash to its digest (SHA-256, SHA-384 or SHA-512), and the manifest
//!   must have exactly one layer (`notary_registry::manifest::signature_layer`). The envelope
//!   is streamed and the transfer stopped past the descriptor's size;
//! - **push**: the envelope and the `{}` config blob, then an image manifest with the signed
//!   artifact as `subject` (`notary_registry::manifest::signature_manifest`, in the form
//!   [`OciClientOptions::signature_manifest_form`] picks; the `ArtifactType` form carries
//!   `artifactType: application/vnd.cncf.notary.signature`). When the registry does not list
//!   the new manifest through its referrers API, or
//!   [`OciClientOptions::force_referrers_tag`] is set, the subject's referrers tag schema
//!   index is updated, keeping every referrer already listed.
//!
//! # Limits that come from `oci-client`
//!
//! - `oci-client` reads manifest and index bodies whole before returning them. Caps are
//!   enforced on the descriptor before a signature manifest is requested and on the body
//!   after, so a hostile registry can still make one response body (a manifest, a referrers
//!   index) larger than 4 MiB reach memory before it is refused. Set
//!   `ClientConfig::read_timeout` to bound it in time; use `notary_registry::RemoteRepository`
//!   where that matters.
//! - Only the first page of a referrers API answer is read (`oci-client` does not expose the
//!   `Link` header).
//! - `oci-client` answers every request through its own auth state: give the repository the
//!   same [`RegistryAuth`] you pull with; it is stored in the client for the registry.
//!
//! ```no_run
//! use notary_core::SignatureRepository;
//! use notary_oci_client::OciClientRepository;
//! use oci_client::client::{ClientConfig, ClientProtocol};
//! use oci_client::secrets::RegistryAuth;
//! use oci_client::{Client, Reference};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(ClientConfig {
//!     protocol: ClientProtocol::HttpsExcept(vec!["localhost:5000".into()]),
//!     ..Default::default()
//! });
//! let image: Reference = "localhost:5000/team/app:v1".parse()?;
//! let repo = OciClientRepository::new(client, &image, RegistryAuth::Anonymous);
//! let artifact = repo.resolve("v1").await?;
//! for signature in repo.list_signatures(&artifact, 100).await? {
//!     let fetched = repo.fetch_signature(&signature).await?; // capped, digest checked
//!     println!("{} {}", signature.digest, fetched.envelope_media_type);
//! }
//! # Ok(()) }
//! ```
//!
//! Verification goes through the `notary` facade, which takes any [`SignatureRepository`]
//! (`notary::artifact::verify_artifact(&repo, &verifier, ...)`).
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
