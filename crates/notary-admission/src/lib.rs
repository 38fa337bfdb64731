//! A Kubernetes validating admission webhook that admits a workload only when every image it
//! runs or mounts carries a Notary Project signature that verifies against a notation
//! configuration directory (trust policy and trust store, as `notation verify` reads them).
//!
//! - [`Webhook`] decides: it reads an `admission.k8s.io/v1` `AdmissionReview`, takes the
//!   images of Pods and of the pod templates of Deployments, StatefulSets, DaemonSets,
//!   ReplicaSets, Jobs, CronJobs, ReplicationControllers and PodTemplates (containers, init
//!   containers, ephemeral containers, and image volumes, `spec.volumes[].image.reference`,
//!   whose content the kubelet pulls and mounts like a container image; an image volume
//!   without a reference is denied), canonicalises each reference the way trust policy
//!   scopes are matched (`nginx` is `docker.io/library/nginx`; host case and `:443` do not
//!   matter), resolves tags to digests (or denies tag-only references: a validating webhook
//!   cannot pin the digest it verified, and the kubelet resolves a tag again when it pulls),
//!   and verifies with
//!   `notary::artifact::verify_artifact`. Concurrent admissions of one digest share one
//!   verification. A denial names the image (`image "ref"`, or `volume "name" image "ref"`
//!   when only image volumes use it) and the failed validation; `audit` policies admit with
//!   warnings.
//! - [`serve`] runs it over HTTPS (h2 and HTTP/1.1) with `/healthz`, `/readyz` and Prometheus
//!   `/metrics`, reloading the certificate pair when the mounted files change.
//!
//! # Cached verdicts
//!
//! A verdict is cached per (scope, digest, hash of the trust policy and trust-store files) for
//! [`Settings::cache_ttl`] (5 minutes by default; zero turns the cache off). Within that time
//! an allowed verdict is reused for the same digest even if, meanwhile, its signature is
//! deleted from the registry, its signing certificate is revoked or expires, or a plugin in
//! `plugins/` changes: none of these is re-checked until the entry expires. A denial is
//! reused the same way (an image signed after being refused is admitted once its entry
//! expires); registry and configuration errors are never cached. Changing the trust policy
//! or any trust-store file changes the hash, so the next review verifies afresh under the new
//! configuration: at once, as soon as the changed files are visible in the mounted directory
//! (the kubelet updates ConfigMap and Secret volumes with a delay of its own). Tag
//! resolutions have their own [`Settings::tag_cache_ttl`] (zero by default).
//!
//! # Limits
//!
//! An object naming more than [`DEFAULT_MAX_IMAGES_PER_REVIEW`] distinct images is denied
//! before any is verified; at most [`DEFAULT_MAX_REGISTRY_CLIENTS`] registry clients are kept
//! (least recently used dropped), and at most [`Settings::cache_max_entries`] verdicts (least
//! recently used dropped); [`serve`] serves at most [`DEFAULT_MAX_CONNECTIONS`] connections at
//! once and closes those that do not send request headers within [`DEFAULT_HEADER_READ_TIMEOUT`].
//! It handles at most [`DEFAULT_MAX_REVIEWS_IN_FLIGHT`] reviews at once (over all connections;
//! it is also each h2 connection's stream limit): a review that finds them all taken waits up
//! to its time budget (the API server's `timeout` parameter, else 1 s) without its body being
//! read, then gets `429 Too Many Requests` with `Retry-After: 1`, and the API server applies
//! the webhook's `failurePolicy` as it does for a timeout. At most
//! [`DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT`] image verifications run at once, counting those left
//! running in the background after their review's deadline: an image that finds none free is
//! denied unverified (an error, not cached) rather than queued. All are adjustable in
//! [`Settings`].
//!
//! The `notary-admission-webhook` binary wires both to command-line flags; `examples/admission/`
//! has a manifest set to deploy it.
#![forbid(unsafe_code)]
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

mod cache;
mod error;
pub mod images;
mod metrics;
pub mod reference;
pub mod review;
mod server;
mod webhook;

pub use error::Error;
pub use server::{TlsFiles, VALIDATE_PATH, serve};
pub use webhook::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_IMAGES_PER_REVIEW,
    DEFAULT_MAX_REGISTRY_CLIENTS, DEFAULT_MAX_REVIEW_BYTES, DEFAULT_MAX_REVIEWS_IN_FLIGHT,
    DEFAULT_MAX_VERIFICATIONS_IN_FLIGHT, RegistrySettings, Settings, Webhook,
};
