//! `copy` stages a large registry blob in a file before it enters the destination layout. That
//! file sits in the layout's `blobs/` (which may come from an archive) or the shared system
//! temporary directory, so a link planted where it could be created must never be followed,
//! and the staging file must be gone afterwards. Needs Debian's `docker-registry`.
#![cfg(unix)]

#[path = "../../../tests/support/registry.rs"]
mod registry;

use std::path::Path;
use std::time::Duration;

use notary_core::Descriptor;
use notary_registry::copy::{Endpoint, STREAM_ABOVE, copy};
use notary_registry::{OciLayout, RemoteOptions, RemoteRepository, manifest};
use registry::{Kind, Options, Registry};

const VICTIM: &[u8] = b"# the user's ~/.bashrc\n";

fn staging_names(blobs: &Path) -> Vec<String> {
    std::fs::read_dir(blobs)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter(|n| n.starts_with(".notary-copy-"))
        .collect()
}

#[test]
fn large_blob_staging_never_follows_a_planted_link_and_is_removed() {
    let reg = Registry::start(Kind::Distribution2, &Options::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut o = RemoteOptions::default();
    o.plain_http = true;
    o.timeout = Duration::from_secs(30);
    let src = RemoteRepository::new(&reg.host, "app", o).unwrap();

    // A layer large enough to be streamed through a staging file.
    let layer_size = usize::try_from(STREAM_ABOVE).unwrap() + 4096;
    let layer: Vec<u8> = (0..layer_size).map(|i| (i % 251) as u8).collect();
    let (layer_desc, artifact) = rt.block_on(async {
        let config = src.push_blob(manifest::EMPTY_JSON, b"{}").await.unwrap();
        let layer_desc = src
            .push_blob("application/octet-stream", &layer)
            .await
            .unwrap();
        let image =
            manifest::image_manifest(&config, std::slice::from_ref(&layer_desc), None, None, None);
        let artifact = src
            .push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))
            .await
            .unwrap();
        (layer_desc, artifact)
    });

    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("bashrc");
    std::fs::write(&victim, VICTIM).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dst = OciLayout::create(dir.path()).unwrap();
    let blobs = dir.path().join("blobs");
    // The name the former code used for this blob in this process.
    let planted = format!(
        ".notary-copy-{}-{}",
        std::process::id(),
        layer_desc.digest.hex()
    );
    std::os::unix::fs::symlink(&victim, blobs.join(&planted)).unwrap();

    let result = rt.block_on(copy(
        Endpoint::Remote(&src),
        "v1",
        Endpoint::Layout(&dst),
        Some("v1"),
        |_| {},
    ));

    // Checked first: the former code wrote the blob through the link, then failed.
    // (Not assert_eq: the printout would be the whole blob.)
    assert!(
        std::fs::read(&victim).unwrap() == VICTIM,
        "the victim was written"
    );
    let report = result.unwrap();
    assert_eq!(report.artifact.digest, artifact.digest);
    let stored = dst
        .fetch(
            &Descriptor::new(
                layer_desc.media_type.clone(),
                layer_desc.digest.clone(),
                layer_desc.size,
            ),
            u64::MAX,
        )
        .unwrap();
    assert!(stored == layer, "the stored layer differs");
    // Only the planted link is left: the staging file was removed.
    assert_eq!(staging_names(&blobs), vec![planted]);
}
