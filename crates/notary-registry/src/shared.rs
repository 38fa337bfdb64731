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
