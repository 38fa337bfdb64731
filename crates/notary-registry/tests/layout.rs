//! The OCI layout back end on notation's real e2e layouts and on layouts it writes itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

use common::block_on;
use notary_core::{PushSignature, SignatureRepository};
use notary_registry::{Error, OciLayout, manifest};

fn e2e(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/interop/data/notation-e2e/oci_layout")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

fn sigs(layout: &OciLayout, reference: &str) -> Vec<String> {
    let subject = block_on(layout.resolve(reference)).unwrap();
    block_on(layout.list_signatures(&subject, 100))
        .unwrap()
        .into_iter()
        .map(|d| d.digest.to_string())
        .collect()
}

#[test]
fn notation_layouts_list_their_signatures() {
    assert!(sigs(&OciLayout::open(e2e("e2e")).unwrap(), "v1").is_empty());
    assert_eq!(
        sigs(&OciLayout::open(e2e("e2e-valid-signature")).unwrap(), "v1"),
        ["sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f"]
    );
    let mut multi = sigs(
        &OciLayout::open(e2e("e2e-valid-multiple-signatures")).unwrap(),
        "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9",
    );
    multi.sort();
    assert_eq!(
        multi,
        [
            "sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f",
            "sha256:c3ebe4a20b6832328fc5078a7795ddc1114b896e13fca2add38109c3866b5fbf"
        ]
    );
}

#[test]
fn fetch_takes_the_media_type_from_the_layer() {
    // A layer that is not a Notary envelope format is refused with a typed error whose
    // source says so (the verifier counts it as an integrity failure, as notation does).
    let l = OciLayout::open(e2e("e2e-invalid-signature")).unwrap();
    let subject = block_on(l.resolve("v1")).unwrap();
    let list = block_on(l.list_signatures(&subject, 10)).unwrap();
    assert_eq!(list.len(), 1);
    let e = block_on(l.fetch_signature(&list[0])).unwrap_err();
    let found = notary_core::UnsupportedEnvelopeFormat::find(&e).expect("typed source");
    assert_eq!(found.media_type, "application/vnd.oci.image.layer.v1.tar");
    assert_eq!(found.manifest, list[0].digest);

    let l = OciLayout::open(e2e("e2e-valid-signature")).unwrap();
    let subject = block_on(l.resolve("v1")).unwrap();
    let list = block_on(l.list_signatures(&subject, 10)).unwrap();
    let f = block_on(l.fetch_signature(&list[0])).unwrap();
    assert_eq!(f.envelope_media_type, notary_core::EnvelopeMediaType::Jws);
    assert!(
        f.annotations
            .contains_key("io.cncf.notary.x509chain.thumbprint#S256")
    );
}

#[test]
fn corrupted_blobs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&e2e("e2e-valid-signature"), dir.path());
    let l = OciLayout::open(dir.path()).unwrap();
    let subject = block_on(l.resolve("v1")).unwrap();
    let sig = block_on(l.list_signatures(&subject, 10)).unwrap().remove(0);
    let m: manifest::Manifest = serde_json::from_slice(&l.fetch(&sig, 1 << 22).unwrap()).unwrap();
    let layer = &m.content()[0];
    let p = dir.path().join("blobs/sha256").join(layer.digest.hex());
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[5] ^= 1;
    std::fs::write(&p, bytes).unwrap();
    assert!(matches!(
        block_on(l.fetch_signature(&sig)),
        Err(Error::DigestMismatch { .. })
    ));
    assert!(matches!(
        OciLayout::open(dir.path().join("nope")),
        Err(Error::InvalidLayout { .. })
    ));
    assert!(matches!(
        l.resolve_reference("v9"),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn push_then_list_and_concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let l = Arc::new(OciLayout::create(dir.path()).unwrap());
    let config = l.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let layer = l.push_blob("text/plain", b"hello").unwrap();
    let art = l
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &manifest::image_manifest(&config, &[layer], Some("text/x"), None, None),
            Some("v1"),
        )
        .unwrap();
    let before = std::fs::read(dir.path().join("blobs/sha256").join(art.digest.hex())).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let l = Arc::clone(&l);
            let art = art.clone();
            std::thread::spawn(move || {
                let env = format!("envelope {i}");
                let ann = BTreeMap::from([(
                    "org.opencontainers.image.created".to_string(),
                    format!("2026-01-01T00:00:0{i}Z"),
                )]);
                block_on(l.push_signature(PushSignature::new(
                    &art,
                    notary_core::EnvelopeMediaType::Jws,
                    env.as_bytes(),
                    ann,
                )))
                .unwrap()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let reopened = OciLayout::open(dir.path()).unwrap();
    assert_eq!(sigs(&reopened, "v1").len(), 8);
    // The artifact itself never changes, and its tag still points at it.
    assert_eq!(
        std::fs::read(dir.path().join("blobs/sha256").join(art.digest.hex())).unwrap(),
        before
    );
    assert_eq!(reopened.resolve_reference("v1").unwrap(), art_desc(&art));
    assert_eq!(
        block_on(reopened.list_signatures(&art, 3)).unwrap().len(),
        3
    );
}

/// An `index.json` its owner made private stays private when a signature is added (notation
/// rewrites it in place, which keeps the mode; the atomic rename here must too).
#[cfg(unix)]
#[test]
fn a_signature_keeps_the_permission_bits_of_index_json() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let l = OciLayout::create(dir.path()).unwrap();
    let config = l.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let layer = l.push_blob("text/plain", b"hello").unwrap();
    let art = l
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &manifest::image_manifest(&config, &[layer], Some("text/x"), None, None),
            Some("v1"),
        )
        .unwrap();
    let index = dir.path().join("index.json");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    for wanted in [0o600, 0o640] {
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(wanted)).unwrap();
        let env = format!("envelope {wanted:o}");
        block_on(l.push_signature(PushSignature::new(
            &art,
            notary_core::EnvelopeMediaType::Jws,
            env.as_bytes(),
            BTreeMap::new(),
        )))
        .unwrap();
        assert_eq!(mode(&index), wanted);
    }
    assert_eq!(sigs(&OciLayout::open(dir.path()).unwrap(), "v1").len(), 2);
}

fn art_desc(d: &notary_core::Descriptor) -> notary_core::Descriptor {
    notary_core::Descriptor::new(d.media_type.clone(), d.digest.clone(), d.size)
}

#[test]
fn both_signature_manifest_forms_are_written_and_listed() {
    use notary_registry::SignatureManifestForm;
    let dir = tempfile::tempdir().unwrap();
    let config = OciLayout::create(dir.path())
        .unwrap()
        .push_blob(manifest::EMPTY_JSON, b"{}")
        .unwrap();
    let mut digests = Vec::new();
    for form in [
        SignatureManifestForm::ConfigMediaType,
        SignatureManifestForm::ArtifactType,
    ] {
        let l = OciLayout::open(dir.path())
            .unwrap()
            .with_signature_manifest_form(form);
        let art = l
            .push_manifest(
                manifest::IMAGE_MANIFEST,
                &manifest::image_manifest(&config, &[], None, None, None),
                Some("v1"),
            )
            .unwrap();
        let pushed = block_on(l.push_signature(PushSignature::new(
            &art,
            notary_core::EnvelopeMediaType::Cose,
            format!("{form:?}").as_bytes(),
            BTreeMap::new(),
        )))
        .unwrap();
        let m: manifest::Manifest =
            serde_json::from_slice(&l.fetch(&pushed.manifest, 1 << 22).unwrap()).unwrap();
        match form {
            SignatureManifestForm::ConfigMediaType => {
                assert_eq!(m.artifact_type, None);
                assert_eq!(
                    m.config.unwrap().media_type,
                    "application/vnd.cncf.notary.signature"
                );
            }
            _ => {
                assert_eq!(
                    m.artifact_type.as_deref(),
                    Some("application/vnd.cncf.notary.signature")
                );
                assert_eq!(m.config.unwrap().media_type, manifest::EMPTY_JSON);
            }
        }
        digests.push(pushed.manifest.digest.to_string());
    }
    let mut listed = sigs(&OciLayout::open(dir.path()).unwrap(), "v1");
    listed.sort();
    digests.sort();
    assert_eq!(listed, digests);
}

#[test]
fn separately_opened_layouts_on_one_directory_lose_nothing() {
    // Each writer opens its own `OciLayout` value (as a CLI batch or two libraries in one
    // process would): they still share one index lock.
    let dir = tempfile::tempdir().unwrap();
    let l = OciLayout::create(dir.path()).unwrap();
    let config = l.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let art = l
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &manifest::image_manifest(&config, &[], Some("text/x"), None, None),
            Some("v1"),
        )
        .unwrap();
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let path = dir.path().to_path_buf();
            let art = art.clone();
            std::thread::spawn(move || {
                let own = OciLayout::open(&path).unwrap();
                let env = format!("envelope {i}");
                block_on(own.push_signature(PushSignature::new(
                    &art,
                    notary_core::EnvelopeMediaType::Jws,
                    env.as_bytes(),
                    BTreeMap::new(),
                )))
                .unwrap()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sigs(&OciLayout::open(dir.path()).unwrap(), "v1").len(), 16);
}

#[test]
fn copy_bounds_the_objects_a_chain_of_indexes_lists() {
    use notary_registry::copy::{Endpoint, copy};
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let src = OciLayout::create(a.path()).unwrap();
    // One real blob, listed 30 000 times by each of four nested indexes (each under the 4 MiB
    // manifest cap): 120 000 objects listed for one blob copied.
    let blob = src.push_blob("x/y", b"x").unwrap();
    let mut child: Option<notary_core::Descriptor> = None;
    for level in 0..4 {
        let mut entries: Vec<_> = child.iter().cloned().collect();
        entries.extend(std::iter::repeat_n(blob.clone(), 30_000));
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::IMAGE_INDEX,
            "manifests": entries,
        }))
        .unwrap();
        let tag = (level == 3).then_some("v1");
        child = Some(
            src.push_manifest(manifest::IMAGE_INDEX, &index, tag)
                .unwrap(),
        );
    }
    let dst = OciLayout::create(b.path()).unwrap();
    let e = block_on(copy(
        Endpoint::Layout(&src),
        "v1",
        Endpoint::Layout(&dst),
        None,
        |_| {},
    ))
    .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidManifest { reason, .. } if reason.contains("more than 100000 objects")),
        "{e}"
    );
}

/// What makes a manifest in a layout a signature of a subject, as notation's layout store
/// decides it: the config type alone, or the newer form (artifactType with an empty config); the
/// signature's subject descriptor must be the subject's (size and media type, not only the
/// digest). And an index.json entry whose blob has another size is refused.
#[test]
fn layout_signatures_match_notation_forms_and_whole_subject_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let l = OciLayout::create(dir.path()).unwrap();
    let config = l.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let sig_config = l
        .push_blob("application/vnd.cncf.notary.signature", b"{}")
        .unwrap();
    let art = l
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &manifest::image_manifest(&config, &[], None, None, None),
            Some("v1"),
        )
        .unwrap();
    let envelope = l.push_blob("application/cose", b"envelope").unwrap();
    let subject = art_desc(&art);
    let signature = |artifact_type: Option<&str>,
                     cfg: &notary_core::Descriptor,
                     subj: &notary_core::Descriptor| {
        let mut v = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::IMAGE_MANIFEST,
            "config": {"mediaType": cfg.media_type, "digest": cfg.digest.to_string(), "size": cfg.size},
            "layers": [{"mediaType": "application/cose", "digest": envelope.digest.to_string(), "size": envelope.size}],
            "subject": {"mediaType": subj.media_type, "digest": subj.digest.to_string(), "size": subj.size},
        });
        if let Some(t) = artifact_type {
            v["artifactType"] = t.into();
        }
        l.push_manifest(
            manifest::IMAGE_MANIFEST,
            &serde_json::to_vec(&v).unwrap(),
            None,
        )
        .unwrap()
        .digest
        .to_string()
    };
    let sig_type = Some("application/vnd.cncf.notary.signature");
    let config_form = signature(None, &sig_config, &subject);
    let newer_form = signature(sig_type, &config, &subject);
    let config_form_other_type = signature(Some("application/spdx+json"), &sig_config, &subject);
    // Not signatures: another artifact type over an empty config, the signature type over an
    // image config, no artifact type over an empty config.
    let image_config = l
        .push_blob("application/vnd.oci.image.config.v1+json", b"{ }")
        .unwrap();
    signature(Some("application/spdx+json"), &config, &subject);
    signature(sig_type, &image_config, &subject);
    signature(None, &config, &subject);
    // Not this subject's: its descriptor with another size or media type.
    let mut bigger = subject.clone();
    bigger.size += 1;
    signature(None, &sig_config, &bigger);
    let mut index_type = subject.clone();
    index_type.media_type = manifest::IMAGE_INDEX.to_string();
    signature(None, &sig_config, &index_type);

    let mut listed = sigs(&OciLayout::open(dir.path()).unwrap(), "v1");
    listed.sort();
    let mut expected = vec![config_form, newer_form, config_form_other_type];
    expected.sort();
    assert_eq!(listed, expected);

    // index.json gives the tagged manifest another size than its blob: refused.
    let index_path = dir.path().join("index.json");
    let index = std::fs::read_to_string(&index_path).unwrap();
    let wrong = index.replacen(
        &format!("\"size\":{}", subject.size),
        &format!("\"size\":{}", subject.size + 5),
        1,
    );
    assert_ne!(index, wrong);
    std::fs::write(&index_path, wrong).unwrap();
    let layout = OciLayout::open(dir.path()).unwrap();
    for reference in ["v1".to_string(), subject.digest.to_string()] {
        let e = block_on(layout.resolve(&reference)).unwrap_err();
        assert!(
            matches!(e, Error::DigestMismatch { .. }),
            "{reference}: {e}"
        );
    }
}

#[test]
fn copy_keeps_sha512_digests_so_signatures_still_name_their_subject() {
    use notary_core::DigestAlgorithm::Sha512;
    use notary_registry::copy::{Endpoint, copy};
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let src = OciLayout::create(a.path()).unwrap();
    let config = src
        .push_blob_as(Sha512, manifest::EMPTY_JSON, b"{}")
        .unwrap();
    let layer = src.push_blob_as(Sha512, "text/plain", b"hello").unwrap();
    let artifact = src
        .push_manifest_as(
            Sha512,
            manifest::IMAGE_MANIFEST,
            &manifest::image_manifest(&config, &[layer], None, None, None),
            Some("v1"),
        )
        .unwrap();
    assert_eq!(artifact.digest.algorithm(), Sha512);
    block_on(src.push_signature(PushSignature::new(
        &art_desc(&artifact),
        notary_core::EnvelopeMediaType::Jws,
        b"{}",
        BTreeMap::new(),
    )))
    .unwrap();
    assert_eq!(sigs(&src, "v1").len(), 1);
    let dst = OciLayout::create(b.path()).unwrap();
    let report = block_on(copy(
        Endpoint::Layout(&src),
        "v1",
        Endpoint::Layout(&dst),
        Some("v1"),
        |_| {},
    ))
    .unwrap();
    assert_eq!(report.artifact.digest, artifact.digest);
    assert_eq!(block_on(dst.resolve("v1")).unwrap().digest, artifact.digest);
    assert_eq!(sigs(&dst, "v1"), sigs(&src, "v1"));
}

/// Finding (a review): a copy out of a layout re-read every manifest of the layout for each
/// referrer it followed, and rewrote the destination's index.json for each manifest, so 2,000
/// referrers took 38 s; and a source that gives every manifest a new referrer kept a copy going
/// until the object cap. Now the walk is read once while index.json is unchanged, the
/// destination is indexed in one rewrite, and referrers nest at most MAX_REFERRER_DEPTH deep.
#[test]
fn copy_indexes_every_referrer_and_bounds_how_deep_referrers_nest() {
    use notary_registry::copy::{Endpoint, MAX_REFERRER_DEPTH, copy};
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let src = OciLayout::create(a.path()).unwrap();
    let config = src.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let layer = src.push_blob("text/plain", b"hello").unwrap();
    let artifact = src
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &manifest::image_manifest(&config, &[layer], None, None, None),
            Some("v1"),
        )
        .unwrap();
    // A chain: each manifest refers to the one before it, MAX_REFERRER_DEPTH deep.
    let mut subject = artifact.clone();
    let mut chain = Vec::new();
    let link = |subject: &notary_core::Descriptor, n: usize| {
        let l = src
            .push_blob("text/plain", format!("{n}").as_bytes())
            .unwrap();
        let m = manifest::image_manifest(
            &config,
            &[l],
            Some("application/vnd.example.note"),
            Some(subject),
            None,
        );
        src.push_manifest(manifest::IMAGE_MANIFEST, &m, None)
            .unwrap()
    };
    for n in 0..MAX_REFERRER_DEPTH {
        subject = link(&subject, n);
        chain.push(subject.digest.clone());
    }
    let dst = OciLayout::create(b.path()).unwrap();
    let report = block_on(copy(
        Endpoint::Layout(&src),
        "v1",
        Endpoint::Layout(&dst),
        Some("v1"),
        |_| {},
    ))
    .unwrap();
    assert_eq!(report.referrers.len(), MAX_REFERRER_DEPTH);
    // Every copied referrer is listed in the destination's index.json, so found again there.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.path().join("index.json")).unwrap()).unwrap();
    let listed: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].as_str().unwrap().to_string())
        .collect();
    for d in &chain {
        assert!(listed.contains(&d.to_string()), "{d} is not indexed");
    }
    // One level more is refused, with what it is.
    link(&subject, MAX_REFERRER_DEPTH);
    let c = tempfile::tempdir().unwrap();
    let dst = OciLayout::create(c.path()).unwrap();
    let e = block_on(copy(
        Endpoint::Layout(&src),
        "v1",
        Endpoint::Layout(&dst),
        Some("v1"),
        |_| {},
    ))
    .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidManifest { reason, .. } if reason.contains("nest more than 16 levels")),
        "{e}"
    );
}
