//! Data derived from the database, shared between requests for as long as
//! nothing is written (issue #11). Every write adds to the audit history in
//! its own transaction, so an unchanged history position
//! ([`audit::current_position`], two indexed lookups) means unchanged data.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use cosinum_store::{Db, audit};

use crate::error::AppError;

/// At most this many keys are kept; past it the cache starts afresh (keys
/// are dates or editions chosen by callers: a few in practice).
const MAX_KEYS: usize = 64;

type Slot<K, T> = Option<(audit::Position, HashMap<K, Arc<T>>)>;

/// The rows `actor` may read among `rows`: all of them, without a copy, for
/// whoever sees everything.
pub fn readable<'a>(
    actor: &cosinum_domain::authz::Actor,
    rows: &'a [cosinum_domain::demarches::shares::DemarcheValues],
) -> std::borrow::Cow<'a, [cosinum_domain::demarches::shares::DemarcheValues]> {
    use cosinum_domain::authz::{Access, allows};
    if actor.sees_everything() {
        return std::borrow::Cow::Borrowed(rows);
    }
    std::borrow::Cow::Owned(
        rows.iter()
            .filter(|r| {
                allows(
                    Some(actor),
                    Access::Read,
                    &crate::api::demarches::demarche_resource(r.ministry),
                )
            })
            .cloned()
            .collect(),
    )
}

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
}

impl<K, T> Default for KeyedCache<K, T> {
    fn default() -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
            depends_on: None,
        }
    }
}

impl<K, T> KeyedCache<K, T> {
    /// A cache whose values change only with writes to objects of `types`:
    /// other writes (a project edited, a user signing in) keep it. Values
    /// that take seconds to compute at scale then survive unrelated work.
    pub fn depending_on(types: &'static [&'static str]) -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
            depends_on: Some(types),
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
        if let (Some(types), Some((at, _))) = (self.depends_on, slot.as_mut())
            && *at != now
            && !audit::types_since(db, *at)
                .await?
                .iter()
                .any(|t| types.contains(&t.as_str()))
        {
            *at = now;
        }
        let fresh = matches!(slot.as_ref(), Some((at, map)) if *at == now && map.len() < MAX_KEYS);
        let (_, map) = match slot.as_mut() {
            Some(entry) if fresh => entry,
            _ => slot.insert((now, HashMap::new())),
        };
        if let Some(v) = map.get(&key) {
            return Ok(v.clone());
        }
        let value = Arc::new(load().await?);
        map.insert(key, value.clone());
        Ok(value)
    }
}
