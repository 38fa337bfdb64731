//! Values shared by every client of one repository in a process.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

type Shared = HashMap<(TypeId, String), Weak<dyn Any + Send + Sync>>;

/// The process's one `T` for `key`, made on first use and kept while any holder keeps it (the
/// tag index lock of a repository, so clients built apart for it serialise their updates as
/// clones do). Entries no one holds any more are dropped as others are added. Shared with the
/// oci-client integration; not a stable API.
#[doc(hidden)]
pub fn per_process<T: Default + Send + Sync + 'static>(key: String) -> Arc<T> {
    static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();
    let mut shared = SHARED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let key = (TypeId::of::<T>(), key);
    if let Some(value) = shared
        .get(&key)
        .and_then(Weak::upgrade)
        .and_then(|v| v.downcast::<T>().ok())
    {
        return value;
    }
    shared.retain(|_, v| v.strong_count() > 0);
    let value = Arc::new(T::default());
    let erased: Arc<dyn Any + Send + Sync> = value.clone();
    shared.insert(key, Arc::downgrade(&erased));
    value
}

/// The writes of each referrers tag of one repository by this process (one count per tag, so a
/// tag index read ahead of its update is known to be stale once this process has written the
/// tag since), behind the lock that serialises this process's updates of them. Shared with the
/// oci-client integration; not a stable API.
#[cfg(feature = "tag-index-lock")]
#[doc(hidden)]
pub type TagIndexLock = tokio::sync::Mutex<HashMap<String, u64>>;

/// Counts a write of referrers tag `tag` in the counts a [`TagIndexLock`] guards. Every client
/// calls it before it sends the write: a write the registry stored but answered with an error
/// (a gateway's 502) still makes an index read ahead of it stale. Not a stable API.
#[cfg(feature = "tag-index-lock")]
#[doc(hidden)]
pub fn count_tag_index_write(writes: &mut HashMap<String, u64>, tag: &str) {
    let count = writes.entry(tag.to_string()).or_insert(0);
    *count = count.saturating_add(1);
}

/// The tag index lock of `repository` on the registry at `host` (a name, an IPv4 address or a
/// bracketed IPv6 address) and `port`: one per process, taken by every client of the repository
/// whatever its kind (`RemoteRepository`, the oci-client integration), so signatures pushed by
/// this process at once are all listed. The host is keyed in lower case, with Docker Hub's
/// names folded into one, and ports 80 and 443 as one (a client that knows the scheme and one
/// that does not then agree: sharing a lock too widely only serialises, sharing it too little
/// loses signatures). Not a stable API.
#[cfg(feature = "tag-index-lock")]
#[doc(hidden)]
pub fn tag_index_lock(host: &str, port: u16, repository: &str) -> Arc<TagIndexLock> {
    let host = host.to_ascii_lowercase();
    let host = match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "docker.io",
        h => h,
    };
    let port = if port == 80 { 443 } else { port };
    per_process(format!("{host}:{port}/{repository}"))
}

#[cfg(all(test, feature = "tag-index-lock"))]
mod tests {
    use super::*;

    #[test]
    fn one_tag_index_lock_per_host_port_and_repository() {
        let a = tag_index_lock("Reg.Example", 443, "app");
        assert!(Arc::ptr_eq(&a, &tag_index_lock("reg.example", 443, "app")));
        assert!(Arc::ptr_eq(&a, &tag_index_lock("reg.example", 80, "app")));
        assert!(!Arc::ptr_eq(
            &a,
            &tag_index_lock("reg.example", 5000, "app")
        ));
        assert!(!Arc::ptr_eq(
            &a,
            &tag_index_lock("reg.example", 443, "other")
        ));
        let hub = tag_index_lock("docker.io", 443, "library/app");
        assert!(Arc::ptr_eq(
            &hub,
            &tag_index_lock("index.docker.io", 443, "library/app")
        ));
    }
}
