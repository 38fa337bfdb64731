//! A tool author's view: verify an image in a registry against notation's configuration
//! directory (`$NOTATION_CONFIG` or `~/.config/notation`: trust policy, trust store, plugins),
//! the way `notation verify` does.
//!
//! ```text
//! cargo run -p notary-rs --example verify_registry -- localhost:5000/app@sha256:...
//! ```
//! (`localhost` registries are spoken to over plain HTTP, as notation does; Docker/notation
//! credentials are not read here, see `RemoteOptions::credentials`.)

use notary::artifact::{VerifyArtifactRequest, verify_artifact};
use notary::config::NotationDir;
use notary::registry::{RemoteOptions, RemoteReference, RemoteRepository};

// Multi-threaded: the verifier is synchronous and may wait on an OCSP/CRL server or a plugin
// (see `verify_artifact`), which must not stall the runtime's only thread.
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reference = std::env::args()
        .nth(1)
        .ok_or("usage: verify_registry REFERENCE")?;
    let verifier = NotationDir::from_env()?.oci_verifier(notary::default_provider())?;
    let parsed = RemoteReference::parse(&reference)?;
    let mut options = RemoteOptions::default();
    // `localhost:PORT` only: a host that merely starts with "localhost" is somebody else's.
    options.plain_http = notary::registry::remote::is_localhost(&parsed.registry);
    let repository = RemoteRepository::for_reference(&parsed, options)?;
    let scope = format!("{}/{}", parsed.registry, parsed.repository);
    let object = match (&parsed.digest, &parsed.tag) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.clone(),
        (None, None) => "latest".to_string(),
    };
    let request = VerifyArtifactRequest::new(&object, &scope, time::OffsetDateTime::now_utc());
    let done = tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(verify_artifact(
            &repository,
            &verifier,
            &request,
        ))
    })?;
    println!(
        "{reference}: {:?} under policy {:?}",
        done.outcome.level(),
        done.outcome.policy_name()
    );
    Ok(())
}
