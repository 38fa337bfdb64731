//! Helpers shared by the OCI layout tests.
#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};

use notary_core::{Descriptor, PushSignature, PushedSignature, SignatureRepository as _};
use notary_registry::{OciLayout, manifest};

/// Runs a future that never waits (the layout back end's futures are ready at once).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let w = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(w);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Where blob `d` of the layout at `root` lives.
pub fn blob_path(root: &Path, d: &Descriptor) -> PathBuf {
    root.join("blobs/sha256").join(d.digest.hex())
}

/// A new layout at `root` holding an image tagged `v1` (an empty JSON config and `layers` as
/// text/plain blobs) and one JWS signature of it whose envelope is `envelope`.
pub fn signed_layout(
    root: &Path,
    layers: &[&[u8]],
    envelope: &[u8],
) -> (OciLayout, Descriptor, PushedSignature) {
    let layout = OciLayout::create(root).unwrap();
    let config = layout.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let layers: Vec<Descriptor> = layers
        .iter()
        .map(|l| layout.push_blob("text/plain", l).unwrap())
        .collect();
    let image = manifest::image_manifest(&config, &layers, None, None, None);
    let artifact = layout
        .push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))
        .unwrap();
    let pushed = block_on(layout.push_signature(PushSignature::new(
        &artifact,
        notary_core::EnvelopeMediaType::Jws,
        envelope,
        Default::default(),
    )))
    .unwrap();
    (layout, artifact, pushed)
}
