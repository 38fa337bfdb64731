//! The verification result cache: one slot per key, filled once. Concurrent admissions of the
//! same image wait on the slot being filled instead of verifying again; later ones read it
//! until the TTL runs out.

use std::hash::{Hash, RandomState};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;

type Slot<V> = Arc<tokio::sync::OnceCell<(Instant, V)>>;

/// A map that drops its least recently used entry when full.
pub(crate) type LruMap<K, V> = LruCache<K, V, RandomState>;

/// An [`LruMap`] holding at most `max` entries (at least one), with std's SipHash (keys come
/// from reviewed objects) and no storage reserved up front (`max` is a bound, not a size).
pub(crate) fn lru_map<K: Hash + Eq, V>(max: usize) -> LruMap<K, V> {
    let mut map = LruCache::unbounded_with_hasher(RandomState::new());
    map.resize(NonZeroUsize::new(max).unwrap_or(NonZeroUsize::MIN));
    map
}

/// A TTL cache whose misses are computed once per key, however many callers ask at once. Past
/// `max_entries` the least recently used entry is dropped.
#[derive(Debug)]
pub(crate) struct OnceCache<K: Hash + Eq, V> {
    ttl: Duration,
    slots: Mutex<LruMap<K, Slot<V>>>,
}

impl<K: Hash + Eq + Clone, V: Clone> OnceCache<K, V> {
    pub(crate) fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            slots: Mutex::new(lru_map(max_entries)),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.lock().map(|m| m.len()).unwrap_or(0)
    }

    fn fresh(&self, slot: &Slot<V>, now: Instant) -> bool {
        slot.get()
            .is_none_or(|(t, _)| now.saturating_duration_since(*t) < self.ttl)
    }

    /// The value of `key`, computing it with `compute` unless it is cached and fresh or being
    /// computed by another caller. Values `keep` refuses (transient errors) are handed to the
    /// callers waiting for them but not kept. Returns the value and whether this caller was
    /// spared the computation.
    pub(crate) async fn get_or_compute<F, Fut>(
        &self,
        key: K,
        keep: impl Fn(&V) -> bool,
        compute: F,
    ) -> (V, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let slot = {
            // A poisoned lock only means another admission panicked mid-insert; the map is
            // still a valid map.
            let mut map = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            // `get` marks the entry used; an expired one is replaced below.
            match map.get(&key).filter(|s| self.fresh(s, now)).cloned() {
                Some(slot) => slot,
                None => {
                    let slot = Slot::default();
                    // Full: the least recently used entry goes (a verification in flight in
                    // it still reaches the callers already waiting for it).
                    map.put(key.clone(), slot.clone());
                    slot
                }
            }
        };
        let ran = AtomicBool::new(false);
        let (_, value) = slot
            .get_or_init(|| async {
                ran.store(true, Ordering::Relaxed);
                let v = compute().await;
                (Instant::now(), v)
            })
            .await;
        let value = value.clone();
        let ran = ran.load(Ordering::Relaxed);
        if ran && !keep(&value) {
            let mut map = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            if map.peek(&key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                map.pop(&key);
            }
        }
        (value, !ran)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_share_one_computation() {
        let cache = Arc::new(OnceCache::<u32, u32>::new(Duration::from_secs(60), 10));
        let runs = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, runs) = (cache.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_compute(
                        1,
                        |_| true,
                        || async {
                            runs.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            42
                        },
                    )
                    .await
            }));
        }
        let mut spared = 0;
        for t in tasks {
            let (v, hit) = t.await.unwrap();
            assert_eq!(v, 42);
            spared += u32::from(hit);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(spared, 15);
        // Cached afterwards.
        let (v, hit) = cache.get_or_compute(1, |_| true, || async { 0 }).await;
        assert_eq!((v, hit), (42, true));
    }

    #[tokio::test]
    async fn expired_and_unkept_values_are_recomputed() {
        let cache = OnceCache::<u32, u32>::new(Duration::from_millis(30), 10);
        assert_eq!(
            cache.get_or_compute(1, |_| true, || async { 1 }).await,
            (1, false)
        );
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            cache.get_or_compute(1, |_| true, || async { 2 }).await,
            (2, false)
        );
        // A transient result is not kept.
        assert_eq!(
            cache.get_or_compute(2, |v| *v != 7, || async { 7 }).await,
            (7, false)
        );
        assert_eq!(
            cache.get_or_compute(2, |_| true, || async { 8 }).await,
            (8, false)
        );
        assert_eq!(cache.len(), 2);
    }

    #[tokio::test]
    async fn the_map_stays_bounded() {
        let cache = OnceCache::<u32, u32>::new(Duration::from_secs(60), 3);
        for k in 0..10 {
            cache.get_or_compute(k, |_| true, || async { k }).await;
            assert!(cache.len() <= 3);
        }
    }

    #[tokio::test]
    async fn a_full_cache_drops_only_the_least_recently_used_entry() {
        let cache = OnceCache::<u32, u32>::new(Duration::from_secs(60), 3);
        // A computation gives 100 + key: a recomputed entry is one that was dropped.
        let get = |k: u32| cache.get_or_compute(k, |_| true, move || async move { 100 + k });
        for k in [1, 2, 3] {
            assert_eq!(get(k).await, (100 + k, false));
        }
        // 1 is used again, so 2 is now the least recently used...
        assert_eq!(get(1).await, (101, true));
        // ...and the only entry a new key pushes out.
        assert_eq!(get(4).await, (104, false));
        assert_eq!(cache.len(), 3);
        for k in [1, 3, 4] {
            assert_eq!(get(k).await, (100 + k, true), "entry {k} was dropped");
        }
        assert_eq!(get(2).await, (102, false));
    }
}
