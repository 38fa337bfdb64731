//! OCI layout reads refuse files that could hang the reader, exhaust its memory or lie outside
//! the layout: symbolic links (to /dev/zero, to a file elsewhere), FIFOs, and files larger or
//! shorter than their descriptor. Each case must end in a typed error, quickly.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

mod common;

use common::{blob_path, block_on, signed_layout};
use notary_core::{Descriptor, SignatureRepository};
use notary_registry::{Error, OciLayout};

/// How long any refused read may take (a hang or an unbounded read takes far longer).
const QUICK: Duration = Duration::from_secs(10);

/// Runs `f` on a thread and fails the test if it does not finish within [`QUICK`] (the
/// thread of a hung read is left behind; the test process ends anyway).
fn quickly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(QUICK)
        .expect("the layout read hung or ran unbounded")
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    artifact: Descriptor,
    signature: Descriptor,
    envelope: Descriptor,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("layout");
    let (_, artifact, pushed) = signed_layout(&root, &[], b"{\"payload\":\"x\"}");
    Fixture {
        _dir: dir,
        root,
        artifact,
        signature: pushed.manifest,
        envelope: pushed.blob,
    }
}

fn replace_with_symlink(path: &Path, target: &Path) {
    std::fs::remove_file(path).unwrap();
    std::os::unix::fs::symlink(target, path).unwrap();
}

fn replace_with_fifo(path: &Path) {
    std::fs::remove_file(path).unwrap();
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

fn fetch_signature(root: PathBuf, sig: Descriptor) -> Result<(), Error> {
    let layout = OciLayout::open(root)?;
    block_on(layout.fetch_signature(&sig)).map(|_| ())
}

fn assert_refused(r: Result<(), Error>, what: &str) {
    match r {
        Err(Error::NotRegularFile { path, reason }) => {
            assert!(!path.is_empty() && !reason.is_empty(), "{what}");
        }
        other => panic!("{what}: expected NotRegularFile, got {other:?}"),
    }
}

#[test]
fn blob_symlinked_to_dev_zero_is_refused() {
    let f = fixture();
    replace_with_symlink(&blob_path(&f.root, &f.envelope), Path::new("/dev/zero"));
    let (root, sig) = (f.root.clone(), f.signature.clone());
    assert_refused(quickly(move || fetch_signature(root, sig)), "envelope");

    // The empty blob (size 0) named only by digest: no size check can save an unbounded read.
    let empty = Descriptor::for_content("application/octet-stream", b"");
    std::os::unix::fs::symlink("/dev/zero", blob_path(&f.root, &empty)).unwrap();
    let root = f.root.clone();
    let r = quickly(move || {
        let layout = OciLayout::open(root)?;
        block_on(layout.resolve(&empty.digest.to_string())).map(|_| ())
    });
    assert_refused(r, "resolve by digest");
}

#[test]
fn index_json_symlinked_to_dev_zero_is_refused() {
    let f = fixture();
    replace_with_symlink(&f.root.join("index.json"), Path::new("/dev/zero"));
    let root = f.root.clone();
    assert_refused(
        quickly(move || OciLayout::open(root).map(|_| ())),
        "index.json",
    );
}

#[test]
fn fifo_blobs_and_index_do_not_block() {
    let f = fixture();
    replace_with_fifo(&blob_path(&f.root, &f.signature));
    let root = f.root.clone();
    let digest = f.signature.digest.to_string();
    let r = quickly(move || {
        let layout = OciLayout::open(root)?;
        // Named by digest but absent from index.json: read straight from the blob file.
        std::fs::write(
            layout.path().join("index.json"),
            br#"{"schemaVersion":2,"manifests":[]}"#,
        )
        .unwrap();
        block_on(layout.resolve(&digest)).map(|_| ())
    });
    assert_refused(r, "manifest FIFO");

    let g = fixture();
    replace_with_fifo(&g.root.join("index.json"));
    let root = g.root.clone();
    assert_refused(
        quickly(move || OciLayout::open(root).map(|_| ())),
        "index.json FIFO",
    );
}

#[test]
fn symlink_to_a_file_outside_the_layout_is_refused() {
    let f = fixture();
    let path = blob_path(&f.root, &f.envelope);
    // Same bytes, so only the link itself can be the reason for refusing it.
    let outside = f.root.parent().unwrap().join("outside-envelope");
    std::fs::copy(&path, &outside).unwrap();
    replace_with_symlink(&path, &outside);
    let (root, sig) = (f.root.clone(), f.signature.clone());
    assert_refused(quickly(move || fetch_signature(root, sig)), "envelope");

    // A symlinked blobs/sha256 directory leaves the layout too.
    let g = fixture();
    let blobs = g.root.join("blobs/sha256");
    let moved = g.root.parent().unwrap().join("blobs-elsewhere");
    std::fs::rename(&blobs, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &blobs).unwrap();
    let (root, sig) = (g.root.clone(), g.signature.clone());
    assert_refused(quickly(move || fetch_signature(root, sig)), "blobs dir");
}

#[test]
fn blobs_larger_or_shorter_than_their_descriptor_are_refused() {
    for delta in [1i64, -1] {
        let f = fixture();
        let path = blob_path(&f.root, &f.envelope);
        let mut data = std::fs::read(&path).unwrap();
        if delta > 0 {
            data.push(b' ');
        } else {
            data.pop();
        }
        std::fs::write(&path, &data).unwrap();
        let (root, sig) = (f.root.clone(), f.signature.clone());
        match quickly(move || fetch_signature(root, sig)) {
            Err(Error::DigestMismatch { digest, reason }) => {
                assert_eq!(digest, f.envelope.digest.to_string());
                assert!(reason.contains("descriptor"), "{reason}");
            }
            other => panic!("delta {delta}: {other:?}"),
        }
    }
}

#[test]
fn intact_layouts_still_read() {
    let f = fixture();
    let layout = OciLayout::open(&f.root).unwrap();
    let sigs = block_on(layout.list_signatures(&f.artifact, 10)).unwrap();
    assert_eq!(sigs.len(), 1);
    let fetched = block_on(layout.fetch_signature(&sigs[0])).unwrap();
    assert_eq!(fetched.envelope, b"{\"payload\":\"x\"}");
    assert_eq!(
        block_on(layout.resolve(&f.signature.digest.to_string()))
            .unwrap()
            .digest,
        f.signature.digest
    );
}
