//! Data derived from the database, shared between requests for as long as
//! nothing is written (issue #11). Every write adds to the audit history in
//! its own transaction, so an unchanged history position
//! ([`audit::current_position`], two indexed lookups) means unchanged data.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use cosinum_store::{Db, audit};

use crate::error::AppError;

/// At most this many keys are kept by default; past it the oldest loaded
/// goes (keys are dates or editions chosen by callers: a few in practice).
const MAX_KEYS: usize = 64;

/// The values as of a history position, and their keys, oldest loaded first.
struct Entries<K, T> {
    at: audit::Position,
    values: HashMap<K, Arc<T>>,
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
}

impl<K, T> Default for KeyedCache<K, T> {
    fn default() -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
            depends_on: None,
            capacity: MAX_KEYS,
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
}

impl<K: Eq + Hash + Clone, T> KeyedCache<K, T> {
    /// The value for `key` as of now: the cached one, or `load`'s. One
    /// request loads while the others wait for it rather than all loading.
    pub async fn get<F, Fut>(&self, db: &Db, key: K, load: F) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        // Read before loading: a write landing during the load leaves an
        // older position beside newer data, which only costs a reload.
        let now = audit::current_position(db).await?;
        let mut slot = self.slot.lock().await;
        if let (Some(types), Some(entries)) = (self.depends_on, slot.as_mut())
            && entries.at != now
            && !audit::types_since(db, entries.at)
                .await?
                .iter()
                .any(|t| types.contains(&t.as_str()))
        {
            entries.at = now;
        }
        let entries = match slot.as_mut() {
            Some(entries) if entries.at == now => entries,
            _ => slot.insert(Entries {
                at: now,
                values: HashMap::new(),
                order: VecDeque::new(),
            }),
        };
        if let Some(v) = entries.values.get(&key) {
            return Ok(v.clone());
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
        entries.values.insert(key.clone(), value.clone());
        entries.order.push_back(key);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
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

    #[tokio::test]
    async fn keeps_at_most_its_capacity_oldest_loaded_going_first() {
        let (db, path) = database("capacity").await;
        let cache: KeyedCache<u8, u8> = KeyedCache::default().keeping(2);
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let get = |k: u8| {
            let loads = &loads;
            let cache = &cache;
            let db = &db;
            async move {
                *cache
                    .get(db, k, || async move {
                        loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(k * 10)
                    })
                    .await
                    .unwrap()
            }
        };
        assert_eq!(get(1).await, 10);
        assert_eq!(get(2).await, 20);
        assert_eq!(get(1).await, 10);
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 2);
        // A third key drops the oldest loaded (1), keeps 2.
        assert_eq!(get(3).await, 30);
        assert_eq!(get(2).await, 20);
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(get(1).await, 10);
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 4);
        drop(db);
        let _ = std::fs::remove_file(path);
    }
}
