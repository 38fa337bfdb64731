//! OCI layout writes never follow what is already in the layout (it may come from an archive):
//! links planted where a temporary file could be created, or at the index lock file, must not
//! let a signing run create, truncate or lock a file elsewhere, and a FIFO at the lock file
//! must not hang it. Writes leave no temporaries behind and keep the usual file mode.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notary_core::Descriptor;
use notary_registry::{Error, OciLayout, manifest};

const VICTIM: &[u8] = b"# the user's ~/.bashrc\n";

/// Runs `f` on a thread and fails the test if it does not finish within 10 s (a blocked open
/// of a FIFO never does; the stuck thread is left behind).
fn quickly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the layout write hung")
}

/// A file outside the layout that a planted link points at.
fn victim(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, VICTIM).unwrap();
    p
}

fn link(at: &Path, target: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// The name the former code gave a temporary for `file` in this process and thread.
fn predictable_temp(dir: &Path, file: &str) -> PathBuf {
    dir.join(format!(
        ".tmp-{}-{:?}-{file}",
        std::process::id(),
        std::thread::current().id()
    ))
}

/// Every entry under `dir` (recursively), links not followed.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(entries(&p));
        }
        out.push(p);
    }
    out
}

fn is_regular(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

fn blob_path(root: &Path, d: &Descriptor) -> PathBuf {
    root.join("blobs").join("sha256").join(d.digest.hex())
}

fn image() -> (Descriptor, Vec<u8>) {
    let config = Descriptor::for_content(manifest::EMPTY_JSON, b"{}");
    let image = manifest::image_manifest(&config, &[], None, None, None);
    (config, image)
}

/// Plants a link to a fresh victim file at the former temporary name of each `(dir, file)`.
fn plant(outside: &Path, names: &[(&Path, &str)]) -> Vec<PathBuf> {
    names
        .iter()
        .enumerate()
        .map(|(i, (dir, name))| {
            let v = victim(outside, &format!("victim-{i}"));
            link(&predictable_temp(dir, name), &v);
            v
        })
        .collect()
}

fn assert_untouched(victims: &[PathBuf]) {
    for v in victims {
        assert_eq!(
            std::fs::read(v).unwrap(),
            VICTIM,
            "{} was written",
            v.display()
        );
    }
}

#[test]
fn links_at_predictable_names_of_layout_files_are_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("layout");
    std::fs::create_dir_all(&root).unwrap();
    let victims = plant(outside.path(), &[(&root, "index.json")]);
    // A dangling link: following it would create this file.
    let created = outside.path().join("created-by-the-signer");
    link(&predictable_temp(&root, "oci-layout"), &created);
    let (_, image) = image();

    let result = (|| {
        let layout = OciLayout::create(&root)?;
        layout.push_blob(manifest::EMPTY_JSON, b"{}")?;
        layout.push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))
    })();

    // Checked first: the former code wrote through the links, then failed to read back.
    assert_untouched(&victims);
    assert!(!created.exists(), "a file was created through a link");
    let pushed = result.unwrap();
    // The real files are regular files, not the planted links renamed into place.
    assert!(is_regular(&root.join("oci-layout")));
    assert!(is_regular(&root.join("index.json")));
    let reopened = OciLayout::open(&root).unwrap();
    assert_eq!(
        reopened.resolve_reference("v1").unwrap().digest,
        pushed.digest
    );
}

#[test]
fn links_at_predictable_names_of_blobs_are_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layout = OciLayout::create(root).unwrap();
    let sha = root.join("blobs").join("sha256");
    let (config, image) = image();
    let image_desc = Descriptor::for_content(manifest::IMAGE_MANIFEST, &image);
    let big = vec![7u8; 100_000];
    let big_desc = Descriptor::for_content("application/octet-stream", &big);
    let src = outside.path().join("big.bin");
    std::fs::write(&src, &big).unwrap();
    let victims = plant(
        outside.path(),
        &[
            (&sha, config.digest.hex()),
            (&sha, image_desc.digest.hex()),
            (&sha, big_desc.digest.hex()),
        ],
    );

    let result = (|| {
        layout.push_blob(manifest::EMPTY_JSON, b"{}")?;
        layout.push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))?;
        layout.push_blob_file(&big_desc, &src)
    })();

    assert_untouched(&victims);
    result.unwrap();
    for (d, content) in [
        (&config, &b"{}"[..]),
        (&image_desc, &image[..]),
        (&big_desc, &big[..]),
    ] {
        let p = blob_path(root, d);
        assert!(is_regular(&p), "{} is not a regular file", p.display());
        assert_eq!(std::fs::read(&p).unwrap(), content);
    }
}

#[test]
fn a_linked_index_lock_is_refused_and_its_target_untouched() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    layout.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let (_, image) = image();
    let lock = dir.path().join(".notary-index.lock");
    let index_before = std::fs::read(dir.path().join("index.json")).unwrap();

    let existing = victim(outside.path(), "bashrc");
    let dangling = outside.path().join("would-be-created");
    for target in [&existing, &dangling] {
        let _ = std::fs::remove_file(&lock);
        link(&lock, target);
        match layout.push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1")) {
            Err(Error::Io { path, reason }) => {
                assert_eq!(Path::new(&path), lock);
                assert!(reason.contains("symbolic link"), "{reason}");
            }
            other => panic!("expected Error::Io on the lock file, got {other:?}"),
        }
        // Nothing was written to the index either.
        assert_eq!(
            std::fs::read(dir.path().join("index.json")).unwrap(),
            index_before
        );
    }
    assert_eq!(std::fs::read(&existing).unwrap(), VICTIM);
    assert!(!dangling.exists());
}

#[test]
fn a_fifo_index_lock_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let layout = OciLayout::create(&root).unwrap();
    layout.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let lock = root.join(".notary-index.lock");
    let st = std::process::Command::new("mkfifo")
        .arg(&lock)
        .status()
        .unwrap();
    assert!(st.success());
    let r = quickly(move || {
        let (_, image) = image();
        OciLayout::open(&root)
            .unwrap()
            .push_manifest(manifest::IMAGE_MANIFEST, &image, None)
    });
    match r {
        Err(Error::Io { path, .. }) => assert_eq!(Path::new(&path), lock),
        other => panic!("expected Error::Io on the lock file, got {other:?}"),
    }
}

#[test]
fn writes_leave_no_temporaries_and_keep_the_usual_mode() {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let layout = OciLayout::create(root).unwrap();
    let config = layout.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let (_, image) = image();
    layout
        .push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))
        .unwrap();
    let data = b"streamed blob".to_vec();
    let src = outside.path().join("src");
    std::fs::write(&src, &data).unwrap();
    let desc = Descriptor::for_content("application/octet-stream", &data);
    // Error paths: a source whose content does not match, and one that does not exist.
    let mut wrong = desc.clone();
    wrong.digest = Descriptor::for_content("x", b"other").digest;
    assert!(matches!(
        layout.push_blob_file(&wrong, &src),
        Err(Error::DigestMismatch { .. })
    ));
    assert!(matches!(
        layout.push_blob_file(&desc, &outside.path().join("missing")),
        Err(Error::Io { .. })
    ));
    assert!(!blob_path(root, &wrong).exists());
    layout.push_blob_file(&desc, &src).unwrap();

    let left: Vec<_> = entries(root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".tmp"))
        })
        .collect();
    assert!(left.is_empty(), "temporaries left behind: {left:?}");

    // What `File::create` gives here (0o666 less the umask), as layout files always had.
    let reference = outside.path().join("reference");
    std::fs::File::create(&reference).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let expected = mode(&reference);
    for p in [
        root.join("oci-layout"),
        root.join("index.json"),
        blob_path(root, &config),
        blob_path(root, &desc),
    ] {
        assert_eq!(mode(&p), expected, "{}", p.display());
    }
}

/// Finding (a review against notation): `path@prod:v1` resolved the tag `v1`, so `verify` and
/// `sign` acted on another artifact than the one named and succeeded. A tag is the whole
/// `org.opencontainers.image.ref.name`, as oras-go matches it.
#[test]
fn a_tag_with_a_colon_is_matched_whole() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    layout.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let (_, image) = image();
    let layer = layout.push_blob("text/plain", b"other").unwrap();
    let config = Descriptor::for_content(manifest::EMPTY_JSON, b"{}");
    let other = manifest::image_manifest(&config, &[layer], None, None, None);
    let v1 = layout
        .push_manifest(manifest::IMAGE_MANIFEST, &image, Some("v1"))
        .unwrap();
    let prod = layout
        .push_manifest(manifest::IMAGE_MANIFEST, &other, Some("prod:v1"))
        .unwrap();
    assert_ne!(v1.digest, prod.digest);
    assert_eq!(layout.resolve_reference("v1").unwrap().digest, v1.digest);
    assert_eq!(
        layout.resolve_reference("prod:v1").unwrap().digest,
        prod.digest
    );
    for unknown in ["md5:v1", "nosuch.example/app:v1", "prod"] {
        assert!(
            matches!(
                layout.resolve_reference(unknown),
                Err(Error::NotFound { .. })
            ),
            "{unknown}"
        );
    }
    // A digest, bare or after a name, is still a digest.
    let at = format!("app@{}", prod.digest);
    assert_eq!(layout.resolve_reference(&at).unwrap().digest, prod.digest);
}

/// Finding (a review against notation): a signature's `index.json` entry lacked the manifest's
/// annotations, which oras-go (so notation) lists there. A tag adds to them and, when it moves,
/// leaves the rest on the entry it leaves.
#[test]
fn index_entries_carry_the_manifests_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let layout = OciLayout::create(dir.path()).unwrap();
    let config = layout.push_blob(manifest::EMPTY_JSON, b"{}").unwrap();
    let annotated = |created: &str| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::IMAGE_MANIFEST,
            "config": {"mediaType": config.media_type, "digest": config.digest.to_string(), "size": config.size},
            "layers": [],
            "annotations": {
                "org.opencontainers.image.created": created,
                // A manifest naming a tag of its own never tags itself.
                "org.opencontainers.image.ref.name": "forged",
            },
        }))
        .unwrap()
    };
    let entries = || -> Vec<serde_json::Value> {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
        index["manifests"].as_array().unwrap().clone()
    };
    let a = layout
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &annotated("2026-01-01T00:00:00Z"),
            None,
        )
        .unwrap();
    let e = entries();
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0]["annotations"],
        serde_json::json!({"org.opencontainers.image.created": "2026-01-01T00:00:00Z"})
    );
    assert!(layout.resolve_reference("forged").is_err());

    // Tagging it replaces the untagged entry by one with the tag added.
    layout
        .index_manifests(std::slice::from_ref(&a), Some("v1"))
        .unwrap();
    let e = entries();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0]["annotations"],
        serde_json::json!({
            "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
            "org.opencontainers.image.ref.name": "v1",
        })
    );

    // The tag moves to another manifest; the first keeps its own annotations, untagged.
    let b = layout
        .push_manifest(
            manifest::IMAGE_MANIFEST,
            &annotated("2026-02-02T00:00:00Z"),
            Some("v1"),
        )
        .unwrap();
    assert_eq!(layout.resolve_reference("v1").unwrap().digest, b.digest);
    let e = entries();
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0]["digest"], a.digest.to_string());
    assert_eq!(
        e[0]["annotations"],
        serde_json::json!({"org.opencontainers.image.created": "2026-01-01T00:00:00Z"})
    );
    assert_eq!(
        e[1]["annotations"]["org.opencontainers.image.ref.name"],
        serde_json::json!("v1")
    );
}
