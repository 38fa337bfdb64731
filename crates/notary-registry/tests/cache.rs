//! The signature cache on its own: every read checked against the digest, corrupted entries
//! replaced, atomic concurrent writers, the size bound, and an unwritable directory that turns
//! the cache off with one warning instead of failing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use notary_core::Descriptor;
use notary_registry::cache::{BlobCache, CACHE_SUBDIR};

fn desc(data: &[u8]) -> Descriptor {
    Descriptor::for_content("application/jose+json", data)
}

fn entry_path(dir: &Path, d: &Descriptor) -> PathBuf {
    dir.join(d.digest.algorithm().name()).join(d.digest.hex())
}

/// A cache whose warnings are collected.
fn cache_with_warnings(dir: &Path) -> (BlobCache, Arc<Mutex<Vec<String>>>) {
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let w = warnings.clone();
    let cache = BlobCache::new(dir).with_warning_handler(move |m| w.lock().unwrap().push(m.into()));
    (cache, warnings)
}

#[test]
fn entries_live_under_the_notation_cache_by_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = BlobCache::in_notation_cache(tmp.path());
    let data = b"envelope bytes";
    let d = desc(data);
    assert_eq!(cache.get(&d), None);
    cache.put(&d, data);
    let path = entry_path(&tmp.path().join(CACHE_SUBDIR), &d);
    assert_eq!(std::fs::read(&path).unwrap(), data);
    assert_eq!(cache.get(&d).as_deref(), Some(&data[..]));
    let s = cache.stats();
    assert_eq!((s.hits, s.misses, s.writes, s.discarded), (1, 1, 1, 0));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&tmp.path().join(CACHE_SUBDIR)), 0o700);
    }
}

#[test]
fn a_poisoned_entry_is_detected_deleted_and_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, warnings) = cache_with_warnings(tmp.path());
    let data = b"the real envelope";
    let d = desc(data);
    cache.put(&d, data);
    let path = entry_path(tmp.path(), &d);
    // Same length, other bytes: only the digest check can tell.
    std::fs::write(&path, b"the fake envelope").unwrap();
    assert_eq!(
        cache.get(&d),
        None,
        "a poisoned entry must never be returned"
    );
    assert!(!path.exists(), "the poisoned entry is deleted");
    assert_eq!(cache.stats().discarded, 1);
    let w = warnings.lock().unwrap().clone();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("corrupted") && w[0].contains(&d.digest.to_string()),
        "{w:?}"
    );
    // The caller fetches again and the entry is rewritten.
    cache.put(&d, data);
    assert_eq!(cache.get(&d).as_deref(), Some(&data[..]));
}

#[test]
fn truncated_and_non_regular_entries_are_discarded() {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, _) = cache_with_warnings(tmp.path());
    let data = b"0123456789abcdef";
    let d = desc(data);
    cache.put(&d, data);
    let path = entry_path(tmp.path(), &d);
    std::fs::write(&path, &data[..7]).unwrap();
    assert_eq!(cache.get(&d), None);
    assert!(!path.exists());

    // A link to the right bytes elsewhere is refused too: entries are regular files.
    #[cfg(unix)]
    {
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::write(&elsewhere, data).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert_eq!(cache.get(&d), None);
        assert!(
            std::fs::symlink_metadata(&path).is_err(),
            "the link is removed"
        );
        assert_eq!(
            std::fs::read(&elsewhere).unwrap(),
            data,
            "its target is untouched"
        );
    }
    assert!(cache.stats().discarded >= 1);
}

#[test]
fn content_that_is_not_the_descriptor_is_never_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = BlobCache::new(tmp.path());
    let d = desc(b"right");
    cache.put(&d, b"wrong");
    assert_eq!(cache.get(&d), None);
    assert_eq!(cache.stats().writes, 0);
    assert!(!entry_path(tmp.path(), &d).exists());
}

/// A cache under a path through a regular file, which cannot be created, even by root.
fn unwritable_cache(tmp: &Path) -> (BlobCache, Arc<Mutex<Vec<String>>>) {
    let file = tmp.join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    cache_with_warnings(&file.join("cache"))
}

/// The cache turned itself off after its first failed write, with one warning, having written
/// nothing.
fn assert_turned_off_once(cache: &BlobCache, warnings: &Mutex<Vec<String>>) {
    assert!(!cache.is_enabled());
    let w = warnings.lock().unwrap().clone();
    assert_eq!(w.len(), 1, "one warning, not one per write: {w:?}");
    assert!(w[0].contains("cannot be written"), "{w:?}");
    assert_eq!(cache.stats().writes, 0);
}

#[test]
fn an_unwritable_directory_warns_once_and_turns_the_cache_off() {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, warnings) = unwritable_cache(tmp.path());
    for i in 0..3 {
        let data = format!("envelope {i}");
        let d = desc(data.as_bytes());
        assert_eq!(cache.get(&d), None);
        cache.put(&d, data.as_bytes());
        assert_eq!(cache.get(&d), None);
    }
    assert_turned_off_once(&cache, &warnings);
}

#[test]
fn the_size_bound_evicts_least_recently_used_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let max = 64 * 1024;
    let cache = BlobCache::new(tmp.path()).with_max_bytes(max);
    let object = |i: usize| {
        let mut v = format!("object {i:04} ").into_bytes();
        v.resize(4096, b'x');
        v
    };
    let first = object(0);
    cache.put(&desc(&first), &first);
    for i in 1..60 {
        let o = object(i);
        cache.put(&desc(&o), &o);
        // The first object is used all along: the least recently used go first.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(cache.get(&desc(&first)).is_some(), "entry 0 evicted at {i}");
    }
    cache.evict();
    let total: u64 = std::fs::read_dir(tmp.path().join("sha256"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(total <= max, "{total} bytes cached, bound {max}");
    assert!(total > 0);
    // Older entries are gone, the newest stay.
    assert!(cache.get(&desc(&object(1))).is_none());
    assert!(cache.get(&desc(&object(59))).is_some());
    // Objects larger than an eighth of the bound are not cached at all.
    let big = vec![7u8; (max / 8 + 1) as usize];
    cache.put(&desc(&big), &big);
    assert!(cache.get(&desc(&big)).is_none());
}

#[test]
fn concurrent_writers_of_the_same_entries_leave_them_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let objects: Vec<Vec<u8>> = (0..50)
        .map(|i| format!("signature {i} ").repeat(50).into_bytes())
        .collect();
    let objects = Arc::new(objects);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (dir, objects) = (tmp.path().to_path_buf(), objects.clone());
            std::thread::spawn(move || {
                // One cache per thread, as separate processes would have.
                let cache = BlobCache::new(dir);
                for o in objects.iter() {
                    let d = desc(o);
                    if let Some(hit) = cache.get(&d) {
                        assert_eq!(&hit, o);
                    }
                    cache.put(&d, o);
                    assert_eq!(cache.get(&d).as_ref(), Some(o));
                }
                cache.stats().discarded
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 0, "no reader ever saw a torn entry");
    }
    let names: Vec<String> = std::fs::read_dir(tmp.path().join("sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 50, "no temporary file left: {names:?}");
}

#[test]
fn the_referrers_api_hint_is_remembered_and_forgotten() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = BlobCache::new(tmp.path());
    assert!(!cache.referrers_api_hint("r.example:5000"));
    cache.set_referrers_api_hint("r.example:5000", true);
    assert!(BlobCache::new(tmp.path()).referrers_api_hint("r.example:5000"));
    assert!(!cache.referrers_api_hint("r.example"));
    cache.set_referrers_api_hint("r.example:5000", false);
    assert!(!cache.referrers_api_hint("r.example:5000"));
}

#[test]
fn the_upload_and_config_blob_hints_are_kept_apart_and_forgotten() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = BlobCache::new(tmp.path());
    assert!(!cache.two_step_upload_hint("r.example"));
    assert!(!cache.config_blob_hint("r.example", "team/app"));
    cache.set_two_step_upload_hint("r.example", true);
    cache.set_config_blob_hint("r.example", "team/app", true);
    let again = BlobCache::new(tmp.path());
    assert!(again.two_step_upload_hint("r.example"));
    assert!(again.config_blob_hint("r.example", "team/app"));
    // Per repository, and no hint answers for another kind.
    assert!(!again.config_blob_hint("r.example", "team/other"));
    assert!(!again.referrers_api_hint("r.example"));
    cache.set_config_blob_hint("r.example", "team/app", false);
    cache.set_two_step_upload_hint("r.example", false);
    assert!(!again.config_blob_hint("r.example", "team/app"));
    assert!(!again.two_step_upload_hint("r.example"));
}

/// A directory outside the cache holding a large file and an old dot file, as a home directory
/// does; returns it and the two files.
#[cfg(unix)]
fn victim_dir(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let dir = root.join("home");
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("thesis.pdf");
    std::fs::write(&big, vec![0u8; 256 * 1024]).unwrap();
    let dot = dir.join(".bashrc");
    std::fs::write(&dot, b"# mine\n").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for f in [&big, &dot] {
        std::fs::File::options()
            .append(true)
            .open(f)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    (dir, big, dot)
}

#[cfg(unix)]
#[test]
fn eviction_never_follows_a_linked_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let (victim, big, dot) = victim_dir(tmp.path());
    let dir = tmp.path().join("cache");
    let cache = BlobCache::new(&dir).with_max_bytes(64 * 1024);
    let data = b"an entry";
    cache.put(&desc(data), data);
    // Planted links, under an algorithm's name and under any other name.
    std::os::unix::fs::symlink(&victim, dir.join("sha512")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("x")).unwrap();
    cache.evict();
    assert!(big.exists(), "a file behind a link was evicted");
    assert!(
        dot.exists(),
        "a dot file behind a link was taken for a stale temporary"
    );
    assert_eq!(cache.get(&desc(data)).as_deref(), Some(&data[..]));
}

#[cfg(unix)]
#[test]
fn entries_and_hints_are_never_written_through_a_linked_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let dir = tmp.path().join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("sha256")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("hints")).unwrap();
    let (cache, warnings) = cache_with_warnings(&dir);
    cache.set_referrers_api_hint("r.example", true);
    let data = b"an envelope";
    let d = desc(data);
    cache.put(&d, data);
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "something was written through the link"
    );
    // An entry placed behind the link is not read through it either.
    std::fs::write(outside.join(d.digest.hex()), data).unwrap();
    assert_eq!(cache.get(&d), None);
    assert!(!cache.is_enabled());
    let w = warnings.lock().unwrap().clone();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("symbolic link"), "{w:?}");
}

#[test]
fn background_writes_are_all_on_disk_after_flush() {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, warnings) = cache_with_warnings(tmp.path());
    let cache = Arc::new(cache);
    let objects: Vec<Vec<u8>> = (0..40)
        .map(|i| format!("background {i} ").repeat(20).into_bytes())
        .collect();
    // From several threads at once, as a batch's tasks would, plus one that is not the object
    // its descriptor names (refused, as `put` refuses it).
    std::thread::scope(|s| {
        for chunk in objects.chunks(10) {
            let cache = cache.clone();
            s.spawn(move || {
                for o in chunk {
                    cache.put_in_background(&desc(o), o);
                }
            });
        }
    });
    cache.put_in_background(&desc(b"named"), b"other");
    cache.flush();
    for o in &objects {
        assert_eq!(std::fs::read(entry_path(tmp.path(), &desc(o))).unwrap(), *o);
    }
    assert!(!entry_path(tmp.path(), &desc(b"named")).exists());
    assert_eq!(cache.stats().writes, 40);
    assert!(warnings.lock().unwrap().is_empty());
    // The writer exits when its queue is empty; a later write starts another.
    let late = b"written after a flush".to_vec();
    cache.put_in_background(&desc(&late), &late);
    cache.flush();
    assert_eq!(cache.get(&desc(&late)), Some(late));
    // Nothing queued: returns at once.
    cache.flush();
}

#[test]
fn background_writes_to_an_unwritable_directory_warn_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, warnings) = unwritable_cache(tmp.path());
    let cache = Arc::new(cache);
    for i in 0..5 {
        let data = format!("envelope {i}").into_bytes();
        cache.put_in_background(&desc(&data), &data);
    }
    cache.flush();
    assert_turned_off_once(&cache, &warnings);
}
