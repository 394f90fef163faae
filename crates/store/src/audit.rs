//! The audit history, written in the same transaction as the change it records.

use cosinum_domain::UserId;
use cosinum_domain::audit::{AuditAction, FieldChange};
use serde::Serialize;
use time::OffsetDateTime;

use crate::db::{Db, Tx};
use crate::error::StoreResult;

/// Through which door a change came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Web,
    Api,
    Cli,
    System,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::Api => "api",
            Via::Cli => "cli",
            Via::System => "system",
        }
    }
}

/// Who is making a change, and through what, for the audit record.
#[derive(Debug, Clone)]
pub struct AuditCtx {
    pub actor: Option<UserId>,
    /// A readable name of the actor, kept even if the account is later renamed.
    pub actor_label: String,
    pub via: Via,
    pub request_id: Option<String>,
}

impl AuditCtx {
    /// Changes made by the platform itself (migrations, demo data).
    pub fn system(label: &str) -> Self {
        Self {
            actor: None,
            actor_label: label.to_owned(),
            via: Via::System,
            request_id: None,
        }
    }
}

/// One line of an object's history.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub via: String,
    pub request_id: Option<String>,
    pub object_type: String,
    pub object_id: i64,
    pub object_version: i64,
    pub action: AuditAction,
    pub changes: Vec<FieldChange>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: OffsetDateTime,
    actor_user_id: Option<i64>,
    actor_label: String,
    via: String,
    request_id: Option<String>,
    object_type: String,
    object_id: i64,
    object_version: i64,
    action: String,
    changes: String,
}

impl AuditRow {
    fn into_entry(self) -> StoreResult<AuditEntry> {
        let action = AuditAction::parse(&self.action)
            .ok_or_else(|| anyhow::anyhow!("unknown audit action {:?}", self.action))?;
        let changes = serde_json::from_str(&self.changes)
            .map_err(|e| anyhow::anyhow!("corrupt audit record {}: {e}", self.id))?;
        Ok(AuditEntry {
            id: self.id,
            at: self.at,
            actor_user_id: self.actor_user_id,
            actor_label: self.actor_label,
            via: self.via,
            request_id: self.request_id,
            object_type: self.object_type,
            object_id: self.object_id,
            object_version: self.object_version,
            action,
            changes,
        })
    }
}

/// Records a change of `object_type` #`object_id`, now at `version`.
pub async fn record(
    tx: &mut Tx,
    ctx: &AuditCtx,
    object_type: &str,
    object_id: i64,
    version: i64,
    action: AuditAction,
    changes: &[FieldChange],
) -> StoreResult<()> {
    let changes = serde_json::to_string(changes).map_err(anyhow::Error::from)?;
    const SQL: &str = "INSERT INTO audit_log (at, actor_user_id, actor_label, via, request_id, \
        object_type, object_id, object_version, action, changes) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(OffsetDateTime::now_utc())
        .bind(ctx.actor.map(|u| u.0))
        .bind(&ctx.actor_label)
        .bind(ctx.via.as_str())
        .bind(ctx.request_id.as_deref())
        .bind(object_type)
        .bind(object_id)
        .bind(version)
        .bind(action.as_str())
        .bind(&changes)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One line of the history, written with others by [`record_many`].
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub object_type: &'static str,
    pub object_id: i64,
    pub version: i64,
    pub action: AuditAction,
    /// The changes, serialised as [`record`] serialises them.
    pub changes: String,
}

/// The audit log's columns, in the order bulk writers fill them.
pub(crate) const COLUMNS: [&str; 10] = [
    "at",
    "actor_user_id",
    "actor_label",
    "via",
    "request_id",
    "object_type",
    "object_id",
    "object_version",
    "action",
    "changes",
];

/// Records `entries` in bulk, in their order, as [`record`] would one by
/// one: same actor, same serialisation, ids in the same order.
pub(crate) async fn record_many(
    tx: &mut Tx,
    ctx: &AuditCtx,
    entries: &[Pending],
) -> StoreResult<()> {
    use crate::scale::write::{Cell, write_cells};
    let now = OffsetDateTime::now_utc();
    let mut cells = Vec::with_capacity(entries.len() * COLUMNS.len());
    for e in entries {
        cells.extend([
            Cell::Time(now),
            ctx.actor.map(|u| u.0).into(),
            Cell::Text(&ctx.actor_label),
            Cell::Text(ctx.via.as_str()),
            ctx.request_id.as_deref().into(),
            Cell::Text(e.object_type),
            Cell::Int(e.object_id),
            Cell::Int(e.version),
            Cell::Text(e.action.as_str()),
            Cell::Text(&e.changes),
        ]);
    }
    write_cells(tx, "audit_log", &COLUMNS, &cells).await
}

/// The history of one object, oldest first.
pub async fn history(db: &Db, object_type: &str, object_id: i64) -> StoreResult<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, at, actor_user_id, actor_label, via, request_id, object_type, object_id, \
         object_version, action, changes FROM audit_log \
         WHERE object_type = $1 AND object_id = $2 ORDER BY id")
        .bind(object_type)
        .bind(object_id)
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(AuditRow::into_entry).collect()
}

/// The changes made to an object after `version`: what a user who opened
/// `version` has not seen (shown when their update is refused as stale).
pub async fn changes_since(
    db: &Db,
    object_type: &str,
    object_id: i64,
    version: i64,
) -> StoreResult<Vec<AuditEntry>> {
    let mut all = history(db, object_type, object_id).await?;
    all.retain(|e| e.object_version > version);
    Ok(all)
}

/// The id of the latest audit entry (0 when none): it moves with every
/// write, so caches of derived data (the search index) know when to rebuild.
pub async fn position(db: &Db) -> StoreResult<i64> {
    let (n,): (Option<i64>,) =
        on_pool!(db, p => sqlx::query_as("SELECT MAX(id) FROM audit_log").fetch_one(p).await)?;
    Ok(n.unwrap_or(0))
}

/// How far back a cache re-reads the history: on PostgreSQL an entry can
/// become visible after a later one (ids are drawn before commit), so a
/// write committed late, up to this many entries behind, is still seen.
pub const LOOKBACK: i64 = 64;

/// Where the history stands, for caches of derived data: the latest id and
/// how many entries lie within [`LOOKBACK`] of it, up to it (which changes
/// when a late entry lands below the latest id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub latest: i64,
    pub recent: i64,
}

impl Position {
    /// As a short text (stored next to a derived index).
    pub fn stamp(&self) -> String {
        format!("{}:{}", self.latest, self.recent)
    }

    pub fn parse(stamp: &str) -> Option<Position> {
        let (latest, recent) = stamp.split_once(':')?;
        Some(Position {
            latest: latest.parse().ok()?,
            recent: recent.parse().ok()?,
        })
    }
}

/// The current [`Position`].
pub async fn current_position(db: &Db) -> StoreResult<Position> {
    let latest = position(db).await?;
    let recent = below(db, latest).await?;
    Ok(Position { latest, recent })
}

/// How many entries lie within [`LOOKBACK`] of `latest`, up to it.
async fn below(db: &Db, latest: i64) -> StoreResult<i64> {
    let (n,): (i64,) = on_pool!(db, p => sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE id > $1 AND id <= $2")
        .bind(latest - LOOKBACK)
        .bind(latest)
        .fetch_one(p)
        .await)?;
    Ok(n)
}

/// The kinds of objects written since `position`, each once. The
/// [`LOOKBACK`] entries below it are read again only when one landed there
/// since (a late commit): read every time, the types written just before
/// — by an import, say — made every cache depending on them, and the
/// search index, read their sources again after any later write, a
/// sign-in included (issue #11).
pub async fn types_since(db: &Db, position: Position) -> StoreResult<Vec<String>> {
    let from = if below(db, position.latest).await? == position.recent {
        position.latest
    } else {
        position.latest - LOOKBACK
    };
    let rows: Vec<(String,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT DISTINCT object_type FROM audit_log WHERE id > $1")
        .bind(from)
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}
