//! The oci-spec conversions on real manifests: every manifest and index of notation's e2e OCI
//! layouts (`../shared/interop`), parsed by oci-spec itself, converted to ours and back.
#![cfg(feature = "oci-spec")]

use std::path::{Path, PathBuf};

use notary_core::{Descriptor, SIGNATURE_ARTIFACT_TYPE};
use notary_registry::manifest::{self, Manifest};
use oci_spec::image as oci;

fn layouts() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/interop/data/notation-e2e/oci_layout");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn blob(layout: &Path, d: &Descriptor) -> Vec<u8> {
    let data = std::fs::read(
        layout
            .join("blobs")
            .join(d.digest.algorithm().name())
            .join(d.digest.hex()),
    )
    .unwrap();
    assert!(d.digest.matches(&data) && data.len() as u64 == d.size);
    data
}

#[test]
fn every_e2e_manifest_converts_both_ways() {
    let (mut images, mut indexes, mut signatures) = (0, 0, 0);
    for layout in layouts() {
        // index.json through oci-spec's own reader.
        let top = oci::ImageIndex::from_file(layout.join("index.json")).unwrap();
        let ours = Manifest::try_from(&top).unwrap();
        let direct: Manifest =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        assert_eq!(ours.manifests, direct.manifests, "{}", layout.display());
        assert_eq!(oci::ImageIndex::try_from(&ours).unwrap(), top);

        for d in ours.manifests.unwrap() {
            let data = blob(&layout, &d);
            let direct: Manifest = serde_json::from_slice(&data).unwrap();
            match d.media_type.as_str() {
                manifest::IMAGE_MANIFEST => {
                    let theirs = oci::ImageManifest::from_reader(&data[..]).unwrap();
                    let ours = Manifest::try_from(&theirs).unwrap();
                    assert_eq!(
                        serde_json::to_value(&ours).unwrap(),
                        serde_json::to_value(&direct).unwrap(),
                        "{}",
                        d.digest
                    );
                    assert_eq!(oci::ImageManifest::try_from(&ours).unwrap(), theirs);
                    // The subject of a signature survives with its digest.
                    if let Some(subject) = &ours.subject {
                        assert!(manifest::is_signature_for(
                            &d.media_type,
                            &ours,
                            &subject.digest.to_string()
                        ));
                        let theirs_subject = theirs.subject().as_ref().unwrap();
                        assert_eq!(
                            theirs_subject.digest().to_string(),
                            subject.digest.to_string()
                        );
                        signatures += 1;
                    }
                    images += 1;
                }
                manifest::IMAGE_INDEX => {
                    let theirs = oci::ImageIndex::from_reader(&data[..]).unwrap();
                    let ours = Manifest::try_from(&theirs).unwrap();
                    assert_eq!(
                        serde_json::to_value(&ours).unwrap(),
                        serde_json::to_value(&direct).unwrap()
                    );
                    assert_eq!(oci::ImageIndex::try_from(&ours).unwrap(), theirs);
                    // A referrers tag schema index: its entries are signature manifests.
                    for entry in ours.manifests.unwrap() {
                        assert_eq!(
                            entry.artifact_type.as_deref(),
                            Some(SIGNATURE_ARTIFACT_TYPE)
                        );
                    }
                    indexes += 1;
                }
                other => panic!("unexpected media type {other}"),
            }
        }
    }
    // Eight layouts: eight artifacts, eight signatures (one layout has none, one has two) and
    // five referrers tag schema indexes (the timestamped layouts have none).
    assert_eq!((images, signatures, indexes), (16, 8, 5));
}
