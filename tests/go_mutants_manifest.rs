//! Signature manifests against notation v1.3.2's reading of one from an OCI image layout
//! (notation-go's `registry.NewOCIRepository` and `FetchSignatureBlob`, then the layer's media
//! type as an envelope format), on structure-aware mutants of the manifest notary writes: every
//! JSON value replaced by one of each type, deleted, repeated, escaped or re-spaced, its last
//! character changed; members added, moved or given in another case. Each mutant is read from
//! a layout holding it, the envelope and the empty config, under their digests. Compared: the
//! verdict, and when accepted, the envelope and its format. notary reads every descriptor of
//! the manifest as the image spec defines one, where notation-go reads only the layers: those
//! refusals are the differences allowed.

use std::collections::BTreeMap;
use std::path::Path;

use notary::artifact::block_on;
use notary_core::{Descriptor, Digest, SignatureRepository};
use notary_registry::OciLayout;
use notary_registry::manifest::{SignatureManifestForm, signature_manifest};

use super::envelopes::document_mutants;
use super::{compare, deliberate, key, read, sha256, unique, workspace};

const IMAGE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// The envelope the manifest names (its bytes are not read here, only fetched).
fn envelope() -> Vec<u8> {
    read(&workspace("tests/go-mutants/manifest-envelope.bin"))
}

/// The manifest notary writes for a JWS envelope of an image.
fn base() -> Vec<u8> {
    let env = Descriptor::for_content("application/jose+json", &envelope());
    let subject = Descriptor::new(
        IMAGE_MANIFEST,
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            .parse::<Digest>()
            .unwrap(),
        1234,
    );
    let annotations = BTreeMap::from([(
        "io.cncf.notary.x509chain.thumbprint#S256".to_string(),
        r#"["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]"#.to_string(),
    )]);
    signature_manifest(
        &env,
        &subject,
        &annotations,
        SignatureManifestForm::ConfigMediaType,
    )
}

fn mutants() -> Vec<Vec<u8>> {
    document_mutants(&base(), b" ")
}

/// A layout holding `manifest`, the envelope and `{}`, each under its digest.
fn layout(dir: &Path, manifest: &[u8]) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    for b in [manifest, &envelope(), b"{}"] {
        std::fs::write(blobs.join(super::hex(&sha256(b))), b).unwrap();
    }
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        r#"{"schemaVersion":2,"manifests":[]}"#,
    )
    .unwrap();
}

/// notary's reading of `manifest` from such a layout, in the Go program's form.
fn check(manifest: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), manifest);
    let desc = Descriptor::new(
        IMAGE_MANIFEST,
        format!("sha256:{}", super::hex(&sha256(manifest)))
            .parse::<Digest>()
            .unwrap(),
        manifest.len() as u64,
    );
    let layout = OciLayout::open(dir.path()).unwrap();
    match block_on(layout.fetch_signature(&desc)) {
        // Descriptors are read as the image spec defines them (media type, valid digest and
        // non-negative size required, members once, valid Unicode); notation-go reads the
        // layers alone, with Go's decoder (README: deliberate differences).
        Err(notary_registry::Error::InvalidManifest { reason, .. })
            if [
                "duplicate field",
                "missing field",
                "invalid type: null",
                "invalid digest",
                "invalid value: integer `-",
                "hex escape",
            ]
            .iter()
            .any(|r| reason.contains(r)) =>
        {
            ("ERR".into(), "descriptor not per the image spec".into())
        }
        Ok(sig) => {
            let read = format!(
                "{}|{}",
                super::hex(&sha256(&sig.envelope)),
                sig.envelope_media_type.as_str()
            );
            ("OK".into(), key(read.as_bytes()))
        }
        Err(_) => ("ERR".into(), "-".into()),
    }
}

#[test]
fn signature_manifest_mutants_read_as_notation_reads_them() {
    let all = unique(mutants(), "manifest");
    assert_eq!(check(&all[0]).0, "OK", "the base manifest");
    let accepted = compare(&all, "manifest-go1.26.8.txt", check, deliberate);
    assert!(all.len() > 250 && accepted > 50, "{} {accepted}", all.len());
}
