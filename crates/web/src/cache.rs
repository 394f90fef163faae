//! Data derived from the database, shared between requests for as long as
//! nothing is written (issue #11). Every write adds to the audit history in
//! its own transaction, so an unchanged history position
//! ([`audit::current_position`], two indexed lookups) means unchanged data.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Weak};

use cosinum_store::{Db, audit};

use crate::error::AppError;

/// At most this many keys are kept by default; past it the oldest loaded
/// goes (keys are dates or editions chosen by callers: a few in practice).
const MAX_KEYS: usize = 64;

/// A value as the cache holds it.
enum Held<T> {
    /// Kept until the history moves or room is needed.
    Kept(Arc<T>),
    /// Shared by the requests using it, dropped with the last of them: a
    /// value over the cache's weight limit.
    Shared(Weak<T>),
}

impl<T> Held<T> {
    fn value(&self) -> Option<Arc<T>> {
        match self {
            Held::Kept(v) => Some(v.clone()),
            Held::Shared(w) => w.upgrade(),
        }
    }
}

/// The values as of a history position, and their keys, oldest loaded first.
struct Entries<K, T> {
    at: audit::Position,
    values: HashMap<K, Held<T>>,
    order: VecDeque<K>,
}

type Slot<K, T> = Option<Entries<K, T>>;

/// What the observatory's figures are computed from: démarches (their
/// values are recorded on them, whoever writes them: forms, imports,
/// campaigns), editions, targets, and organisations (codes, names, merges).
pub const DEMARCHES_TYPES: &[&str] = &[
    "demarche",
    "demarche_edition",
    "demarche_target",
    "organisation",
];

/// Values of `T` by key, dropped together when the history moves — or,
/// for a cache that names what it is computed from, when the history moves
/// on one of those kinds of objects.
pub struct KeyedCache<K, T> {
    slot: tokio::sync::Mutex<Slot<K, T>>,
    /// The object types whose writes change the values (`None`: any write).
    depends_on: Option<&'static [&'static str]>,
    /// How many values are kept at most.
    capacity: usize,
    /// Values weighing more than this many bytes (by the function) are
    /// only shared while in use, not kept.
    weight_limit: Option<(usize, Weigh<T>)>,
}

/// How many bytes a value takes, about.
type Weigh<T> = fn(&T) -> usize;

impl<K, T> Default for KeyedCache<K, T> {
    fn default() -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
            depends_on: None,
            capacity: MAX_KEYS,
            weight_limit: None,
        }
    }
}

impl<K, T> KeyedCache<K, T> {
    /// A cache whose values change only with writes to objects of `types`:
    /// other writes (a project edited, a user signing in) keep it. Values
    /// that take seconds to compute at scale then survive unrelated work.
    pub fn depending_on(types: &'static [&'static str]) -> Self {
        Self {
            depends_on: Some(types),
            ..Self::default()
        }
    }

    /// The same cache keeping at most `capacity` values (at least one), the
    /// oldest loaded going first: for values that weigh hundreds of
    /// megabytes at scale, of which requests need only a few at a time.
    pub fn keeping(self, capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ..self
        }
    }

    /// The same cache keeping only values that `weigh` finds no heavier
    /// than `limit` bytes. A heavier one — the inputs pages compute their
    /// figures from, at scale — is shared by the requests using it at the
    /// same time and dropped with the last of them, then read again by the
    /// next: memory stays bounded whatever the data's size, at the cost of
    /// that reading (`web.cache_keep_mib`).
    pub fn kept_up_to(self, limit: usize, weigh: Weigh<T>) -> Self {
        Self {
            weight_limit: Some((limit, weigh)),
            ..self
        }
    }
}

impl<K: Eq + Hash + Clone, T> KeyedCache<K, T> {
    /// The entries as of `now`: those held, or none when what they are
    /// computed from was written since. `now` is the history's position,
    /// read before the slot was locked: before loading, so that a write
    /// landing during the load leaves an older position beside newer data,
    /// which only costs a reload; outside the lock, so that requests do not
    /// queue behind one another's two queries.
    async fn current<'a>(
        &self,
        db: &Db,
        now: audit::Position,
        slot: &'a mut Slot<K, T>,
    ) -> Result<&'a mut Entries<K, T>, AppError> {
        // Another request read a later position after this one read its
        // own: what it left is newer still, and good for this one.
        let newer = slot
            .as_ref()
            .is_some_and(|entries| entries.at.latest > now.latest);
        if !newer {
            if let (Some(types), Some(entries)) = (self.depends_on, slot.as_mut())
                && entries.at != now
                && !audit::types_since(db, entries.at)
                    .await?
                    .iter()
                    .any(|t| types.contains(&t.as_str()))
            {
                entries.at = now;
            }
            if slot.as_ref().is_none_or(|entries| entries.at != now) {
                *slot = None;
            }
        }
        Ok(slot.get_or_insert_with(|| Entries {
            at: now,
            values: HashMap::new(),
            order: VecDeque::new(),
        }))
    }

    /// The value for `key` as of now if it is held (kept, or shared with a
    /// request using it), without loading it.
    pub async fn held(&self, db: &Db, key: &K) -> Result<Option<Arc<T>>, AppError> {
        let now = audit::current_position(db).await?;
        let mut slot = self.slot.lock().await;
        let entries = self.current(db, now, &mut slot).await?;
        Ok(entries.values.get(key).and_then(Held::value))
    }

    /// The value for `key` as of now: the cached one, or `load`'s. One
    /// request loads while the others wait for it rather than all loading.
    pub async fn get<F, Fut>(&self, db: &Db, key: K, load: F) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let now = audit::current_position(db).await?;
        let mut slot = self.slot.lock().await;
        let entries = self.current(db, now, &mut slot).await?;
        match entries.values.get(&key).map(Held::value) {
            Some(Some(v)) => return Ok(v),
            // Shared, and every request using it is done: read it again.
            Some(None) => {
                entries.values.remove(&key);
                entries.order.retain(|k| k != &key);
            }
            None => {}
        }
        // Room is made before loading: the value dropped is not held while
        // the new one is built.
        while entries.values.len() >= self.capacity {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            entries.values.remove(&oldest);
        }
        let value = Arc::new(load().await?);
        let held = match self
            .weight_limit
            .map(|(limit, weigh)| (limit, weigh(&value)))
        {
            Some((limit, bytes)) if bytes > limit => {
                tracing::debug!(
                    bytes,
                    limit,
                    "over the cache's weight limit: shared, not kept"
                );
                Held::Shared(Arc::downgrade(&value))
            }
            _ => Held::Kept(value.clone()),
        };
        entries.values.insert(key.clone(), held);
        entries.order.push_back(key);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::atomic::Ordering::SeqCst;

    use super::*;

    /// A migrated SQLite database in a file of its own (an in-memory one
    /// would be one database per pooled connection).
    async fn database(name: &str) -> (Db, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("cosinum-cache-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        (db, path)
    }

    /// `cache`'s value for `k`, made by `make` and counted in `loads` when
    /// it is loaded.
    async fn counted_get<T>(
        cache: &KeyedCache<u8, T>,
        db: &Db,
        loads: &AtomicUsize,
        k: u8,
        make: fn(u8) -> T,
    ) -> Arc<T> {
        cache
            .get(db, k, || async move {
                loads.fetch_add(1, SeqCst);
                Ok(make(k))
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn keeps_at_most_its_capacity_oldest_loaded_going_first() {
        let (db, path) = database("capacity").await;
        let cache: KeyedCache<u8, u8> = KeyedCache::default().keeping(2);
        let loads = AtomicUsize::new(0);
        let get = |k: u8| {
            let (cache, db, loads) = (&cache, &db, &loads);
            async move { *counted_get(cache, db, loads, k, |k| k * 10).await }
        };
        assert_eq!(get(1).await, 10);
        assert_eq!(get(2).await, 20);
        assert_eq!(get(1).await, 10);
        assert_eq!(loads.load(SeqCst), 2);
        // A third key drops the oldest loaded (1), keeps 2.
        assert_eq!(get(3).await, 30);
        assert_eq!(get(2).await, 20);
        assert_eq!(loads.load(SeqCst), 3);
        assert_eq!(get(1).await, 10);
        assert_eq!(loads.load(SeqCst), 4);
        drop(db);
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn values_over_the_weight_limit_are_shared_while_used_then_read_again() {
        let (db, path) = database("weight").await;
        // Values weigh their own number of bytes; the limit is 5.
        let cache: KeyedCache<u8, Vec<u8>> =
            KeyedCache::default().kept_up_to(5, |v: &Vec<u8>| v.len());
        let loads = AtomicUsize::new(0);
        let get = |k: u8| counted_get(&cache, &db, &loads, k, |k| vec![k; usize::from(k)]);
        let count = || loads.load(SeqCst);
        // Light: kept after its user is done.
        drop(get(3).await);
        drop(get(3).await);
        assert_eq!(count(), 1);
        // Heavy: shared while a user holds it…
        let held = get(9).await;
        let again = get(9).await;
        assert!(Arc::ptr_eq(&held, &again));
        assert_eq!(count(), 2);
        // …dropped with the last user, then read again.
        let weak = Arc::downgrade(&held);
        drop((held, again));
        assert!(weak.upgrade().is_none(), "nothing keeps a heavy value");
        assert_eq!(*get(9).await, vec![9; 9]);
        assert_eq!(count(), 3);
        drop(db);
        let _ = std::fs::remove_file(path);
    }
}
