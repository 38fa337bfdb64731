//! OCI layout writes keep what is already there and repair what is not intact:
//! - creating a layout never replaces an `index.json` (or `oci-layout`) another writer made
//!   (parallel copies into a new directory lost tags);
//! - a blob present but truncated or corrupt is rewritten, not skipped as present (a copy
//!   reported success and left it broken);
//! - rewriting `index.json` keeps the members this crate does not model, at the top level and
//!   in each entry (a signature dropped `artifactType`, `subject` and vendor members).

use std::path::Path;
use std::sync::{Arc, Barrier};

mod common;

use common::{blob_path, block_on, signed_layout};
use notary_core::{Descriptor, PushSignature, SignatureRepository as _};
use notary_registry::copy::{Endpoint, copy};
use notary_registry::{OciLayout, manifest};
use serde_json::{Value, json};

fn read_index(root: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap()
}

fn write_index(root: &Path, index: &Value) {
    std::fs::write(root.join("index.json"), serde_json::to_vec(index).unwrap()).unwrap();
}

/// A layout holding an image tagged `v1` and one signature of it.
struct Signed {
    dir: tempfile::TempDir,
    artifact: Descriptor,
    envelope: Descriptor,
    signature: Descriptor,
}

fn signed() -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let (_, artifact, pushed) = signed_layout(
        dir.path(),
        &[b"hello"],
        br#"{"payload":"an envelope long enough to be cut short","signatures":[]}"#,
    );
    Signed {
        dir,
        artifact,
        envelope: pushed.blob,
        signature: pushed.manifest,
    }
}

fn copy_v1(src: &Path, dst: &Path) {
    let src = OciLayout::open(src).unwrap();
    let dst = OciLayout::create(dst).unwrap();
    block_on(copy(
        Endpoint::Layout(&src),
        "v1",
        Endpoint::Layout(&dst),
        Some("v1"),
        |_| {},
    ))
    .unwrap();
}

/// Finding: `create` checked that `index.json` was absent, then wrote an empty one over
/// whatever another process had written meanwhile; 6 parallel copies into a new layout lost
/// tags in 3 of 40 rounds, all of them reporting success.
#[test]
fn concurrent_creators_and_writers_lose_no_entry() {
    const WRITERS: usize = 8;
    const ROUNDS: usize = 30;
    let config = Descriptor::for_content(manifest::EMPTY_JSON, b"{}");
    let images: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..WRITERS)
            .map(|i| {
                let layer = Descriptor::for_content("text/plain", format!("layer {i}").as_bytes());
                manifest::image_manifest(&config, &[layer], None, None, None)
            })
            .collect(),
    );
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("new-layout");
        let start = Arc::new(Barrier::new(WRITERS));
        let threads: Vec<_> = (0..WRITERS)
            .map(|i| {
                let (root, start, images) = (root.clone(), start.clone(), images.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let layout = OciLayout::create(&root)?;
                    layout.push_manifest(
                        manifest::IMAGE_MANIFEST,
                        &images[i],
                        Some(&format!("t{i}")),
                    )
                })
            })
            .collect();
        let pushed: Vec<Descriptor> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        let layout = OciLayout::open(&root).unwrap();
        for (i, d) in pushed.iter().enumerate() {
            let got = layout.resolve_reference(&format!("t{i}"));
            assert_eq!(
                got.as_ref().map(|g| &g.digest),
                Ok(&d.digest),
                "round {round}: tag t{i} lost; index.json: {}",
                read_index(&root)
            );
        }
        assert_eq!(
            std::fs::read(root.join("oci-layout")).unwrap(),
            br#"{"imageLayoutVersion":"1.0.0"}"#
        );
    }
}

/// Creating a layout where one exists leaves its files byte for byte.
#[test]
fn create_keeps_an_existing_layout_as_it_is() {
    let s = signed();
    let root = s.dir.path();
    let marker = br#"{"imageLayoutVersion": "1.0.0"}"#;
    std::fs::write(root.join("oci-layout"), marker).unwrap();
    let index = std::fs::read(root.join("index.json")).unwrap();
    let layout = OciLayout::create(root).unwrap();
    assert_eq!(std::fs::read(root.join("oci-layout")).unwrap(), marker);
    assert_eq!(std::fs::read(root.join("index.json")).unwrap(), index);
    assert_eq!(
        layout.resolve_reference("v1").unwrap().digest,
        s.artifact.digest
    );
}

/// Finding: a copy into a layout skipped any blob present as a regular file, so a truncated
/// envelope stayed truncated and the copy still said "Copied".
#[test]
fn a_copy_repairs_truncated_and_corrupt_blobs() {
    let s = signed();
    let dst = tempfile::tempdir().unwrap();
    copy_v1(s.dir.path(), dst.path());
    let envelope = blob_path(dst.path(), &s.envelope);
    let signature = blob_path(dst.path(), &s.signature);
    let artifact = blob_path(dst.path(), &s.artifact);
    let intact = |p: &Path, d: &Descriptor| {
        std::fs::read(p).unwrap() == std::fs::read(blob_path(s.dir.path(), d)).unwrap()
    };
    assert!(intact(&envelope, &s.envelope) && intact(&signature, &s.signature));

    // Truncated blobs (a layer and a manifest).
    std::fs::OpenOptions::new()
        .write(true)
        .open(&envelope)
        .unwrap()
        .set_len(10)
        .unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&artifact)
        .unwrap()
        .set_len(10)
        .unwrap();
    copy_v1(s.dir.path(), dst.path());
    assert!(intact(&envelope, &s.envelope), "truncated envelope kept");
    assert!(intact(&artifact, &s.artifact), "truncated manifest kept");

    // The same size, other bytes.
    for p in [&envelope, &signature] {
        let mut bytes = std::fs::read(p).unwrap();
        bytes[3] ^= 0x20;
        std::fs::write(p, bytes).unwrap();
    }
    copy_v1(s.dir.path(), dst.path());
    assert!(intact(&envelope, &s.envelope), "corrupt envelope kept");
    assert!(intact(&signature, &s.signature), "corrupt manifest kept");

    let layout = OciLayout::open(dst.path()).unwrap();
    let sigs = block_on(layout.list_signatures(&s.artifact, 10)).unwrap();
    assert_eq!(sigs.len(), 1);
    block_on(layout.fetch_signature(&sigs[0])).unwrap();
}

/// The same through the layout API: pushing a blob (in memory or streamed from a file) over a
/// corrupt copy of it rewrites it; over an intact one it is left alone.
#[test]
fn pushing_a_blob_over_a_corrupt_copy_rewrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let data = b"some blob content".to_vec();
    let d = layout.push_blob("text/plain", &data).unwrap();
    let p = blob_path(dir.path(), &d);
    assert!(layout.exists(&d));
    for bad in [&b"some blob conten"[..], &b"some blob CONTENT"[..], &[][..]] {
        std::fs::write(&p, bad).unwrap();
        assert!(!layout.exists(&d));
        layout.push_blob("text/plain", &data).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), data);
    }
    let src = dir.path().join("source");
    std::fs::write(&src, &data).unwrap();
    std::fs::write(&p, b"some blob CONTENT").unwrap();
    layout.push_blob_file(&d, &src).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), data);
    // A descriptor of another size never takes the file for its blob.
    let mut longer = d.clone();
    longer.size += 1;
    assert!(!layout.exists(&longer));
}

/// Members of `index.json` added by other tools, at the top level and in an entry.
fn extend_index(root: &Path) {
    let mut index = read_index(root);
    let top = index.as_object_mut().unwrap();
    top.insert("artifactType".into(), json!("application/vnd.example.set"));
    top.insert("x-vendor".into(), json!(1));
    top.insert(
        "subject".into(),
        json!({"mediaType": manifest::IMAGE_MANIFEST, "digest": format!("sha256:{}", "a".repeat(64)), "size": 7}),
    );
    top.insert("annotations".into(), json!({"org.example.note": "kept"}));
    for e in top["manifests"].as_array_mut().unwrap() {
        e.as_object_mut()
            .unwrap()
            .insert("x-entry-ext".into(), json!({"nested": [1, "two", null]}));
    }
    write_index(root, &index);
}

fn assert_extensions_kept(root: &Path, entries_with_ext: usize) {
    let index = read_index(root);
    assert_eq!(
        index["artifactType"], "application/vnd.example.set",
        "{index}"
    );
    assert_eq!(index["x-vendor"], 1, "{index}");
    assert_eq!(index["subject"]["size"], 7, "{index}");
    assert_eq!(index["annotations"]["org.example.note"], "kept", "{index}");
    assert_eq!(index["schemaVersion"], 2);
    assert_eq!(index["mediaType"], manifest::IMAGE_INDEX);
    let with_ext = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["x-entry-ext"] == json!({"nested": [1, "two", null]}))
        .count();
    assert_eq!(with_ext, entries_with_ext, "{index}");
}

/// Finding: writing a signature rewrote `index.json` with only `schemaVersion`, `mediaType`
/// and `manifests`, each entry with only the descriptor members this crate knows.
#[test]
fn unknown_index_members_survive_a_signature_and_a_copy() {
    let s = signed();
    let root = s.dir.path();
    extend_index(root);
    let before = read_index(root)["manifests"].as_array().unwrap().len();

    let layout = OciLayout::open(root).unwrap();
    block_on(layout.push_signature(PushSignature::new(
        &s.artifact,
        notary_core::EnvelopeMediaType::Jws,
        b"{\"payload\":\"second\"}",
        Default::default(),
    )))
    .unwrap();
    assert_eq!(
        read_index(root)["manifests"].as_array().unwrap().len(),
        before + 1
    );
    assert_extensions_kept(root, before);
    assert_eq!(
        block_on(layout.list_signatures(&s.artifact, 10))
            .unwrap()
            .len(),
        2
    );

    // A copy into a layout with such members: the tagged entry of the artifact is replaced by
    // the copy's (the tag moves to it) and keeps its member too.
    let dst = tempfile::tempdir().unwrap();
    copy_v1(root, dst.path());
    extend_index(dst.path());
    let entries = read_index(dst.path())["manifests"]
        .as_array()
        .unwrap()
        .len();
    copy_v1(root, dst.path());
    assert_extensions_kept(dst.path(), entries);
    let dst_layout = OciLayout::open(dst.path()).unwrap();
    assert_eq!(
        dst_layout.resolve_reference("v1").unwrap().digest,
        s.artifact.digest
    );
    assert_eq!(
        block_on(dst_layout.list_signatures(&s.artifact, 10))
            .unwrap()
            .len(),
        2
    );
}

/// Members not modelled are written back as their JSON text: numbers past f64's range and
/// integers past 64 bits (which Go's decoder skips) neither fail the layout nor change, and a
/// member given twice keeps its last value, as Go reads it.
#[test]
fn unknown_index_members_are_kept_verbatim() {
    let s = signed();
    let root = s.dir.path();
    let path = root.join("index.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(
        '{',
        r#"{"x-huge":1e400,"x-big":123456789012345678901234567890,"x-dup":1,"x-dup":2,"x-nested":{"a":[1.50,"\u00e9"]},"#,
        1,
    );
    std::fs::write(&path, &edited).unwrap();
    let layout = OciLayout::open(root).unwrap();
    block_on(layout.push_signature(PushSignature::new(
        &s.artifact,
        notary_core::EnvelopeMediaType::Jws,
        b"{\"payload\":\"again\"}",
        Default::default(),
    )))
    .unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    for kept in [
        r#""x-huge":1e400"#,
        r#""x-big":123456789012345678901234567890"#,
        r#""x-dup":2"#,
        r#""x-nested":{"a":[1.50,"\u00e9"]}"#,
    ] {
        assert!(after.contains(kept), "{kept} not kept: {after}");
    }
    assert!(!after.contains(r#""x-dup":1"#), "{after}");
    assert_eq!(
        block_on(layout.list_signatures(&s.artifact, 10))
            .unwrap()
            .len(),
        2
    );
}

/// A listing that left out a corrupt signature manifest lists it once a write repaired it,
/// `index.json` unchanged (the listing is not served from before the repair).
#[test]
fn a_repaired_manifest_is_listed_again() {
    let s = signed();
    let root = s.dir.path();
    let p = blob_path(root, &s.signature);
    let good = std::fs::read(&p).unwrap();
    let mut bad = good.clone();
    bad[3] ^= 0x20;
    std::fs::write(&p, bad).unwrap();
    let layout = OciLayout::open(root).unwrap();
    let listed = || {
        block_on(layout.list_signatures(&s.artifact, 10))
            .unwrap()
            .len()
    };
    assert_eq!(listed(), 0);
    assert_eq!(layout.unreadable_manifests().len(), 1);
    let index = std::fs::read(root.join("index.json")).unwrap();
    layout.push_blob(manifest::IMAGE_MANIFEST, &good).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), good);
    assert_eq!(std::fs::read(root.join("index.json")).unwrap(), index);
    assert_eq!(listed(), 1);
}
