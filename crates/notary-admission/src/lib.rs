//! A Kubernetes validating admission webhook that admits a workload only when every container
//! image it runs carries a Notary Project signature that verifies against a notation
//! configuration directory (trust policy and trust store, as `notation verify` reads them).
//!
//! - [`Webhook`] decides: it reads an `admission.k8s.io/v1` `AdmissionReview`, takes the
//!   images of Pods and of the pod templates of Deployments, StatefulSets, DaemonSets,
//!   ReplicaSets, Jobs, CronJobs, ReplicationControllers and PodTemplates (containers, init
//!   containers, ephemeral containers), canonicalises each reference the way trust policy
//!   scopes are matched (`nginx` is `docker.io/library/nginx`; host case and `:443` do not
//!   matter), resolves tags to digests (or denies tag-only references), and verifies with
//!   `notary::artifact::verify_artifact`. Results are cached per (scope, digest, hash of the
//!   policy and trust store) for a TTL, and concurrent admissions of one digest share one
//!   verification. A denial names the image and the failed validation; `audit` policies admit
//!   with warnings.
//! - [`serve`] runs it over HTTPS (h2 and HTTP/1.1) with `/healthz`, `/readyz` and Prometheus
//!   `/metrics`, reloading the certificate pair when the mounted files change.
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
pub use webhook::{DEFAULT_MAX_REVIEW_BYTES, RegistrySettings, Settings, Webhook};
