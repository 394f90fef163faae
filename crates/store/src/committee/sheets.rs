//! Frozen briefing sheets. Freezing stores the sheet's content as computed,
//! with the method versions and a digest, once: the table refuses updates
//! and deletes (triggers), so a pack reads the same forever.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::committee::Topic;
use cosinum_domain::committee::fiche::Fiche;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

pub const OBJECT_TYPE: &str = "briefing_sheet";

/// A frozen sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sheet {
    pub id: i64,
    pub point_id: i64,
    pub session_id: i64,
    pub fiche: Fiche,
    /// SHA-256 of the stored content, in hex.
    pub digest: String,
    pub frozen_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub frozen_at: OffsetDateTime,
}

type Row = (i64, i64, i64, String, String, String, OffsetDateTime);

macro_rules! cols {
    () => {
        "SELECT id, point_id, session_id, content, digest, frozen_by, frozen_at FROM briefing_sheets"
    };
}

fn from_row(r: Row) -> StoreResult<Sheet> {
    let fiche: Fiche =
        serde_json::from_str(&r.3).map_err(|e| anyhow::anyhow!("sheet {}: {e}", r.0))?;
    if digest_of(&r.3) != r.4 {
        return Err(anyhow::anyhow!("sheet {}: content does not match its digest", r.0).into());
    }
    Ok(Sheet {
        id: r.0,
        point_id: r.1,
        session_id: r.2,
        fiche,
        digest: r.4,
        frozen_by: r.5,
        frozen_at: r.6,
    })
}

fn digest_of(content: &str) -> String {
    Sha256::digest(content.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The frozen sheets of a session.
pub async fn for_session(db: &Db, session_id: i64) -> StoreResult<Vec<Sheet>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE session_id = $1 ORDER BY id"))
        .bind(session_id).fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Sheet> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

/// The frozen sheet of a point, if any.
pub async fn for_point(db: &Db, point_id: i64) -> StoreResult<Option<Sheet>> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE point_id = $1"))
        .bind(point_id).fetch_optional(p).await)?;
    row.map(from_row).transpose()
}

/// The last sheet on `topic` frozen for a session held before `held_on`:
/// what a new sheet on the topic compares with.
pub async fn previous_on_topic(
    db: &Db,
    topic: Topic,
    held_on: Date,
    session_id: i64,
) -> StoreResult<Option<Sheet>> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(
        "SELECT b.id, b.point_id, b.session_id, b.content, b.digest, b.frozen_by, b.frozen_at \
         FROM briefing_sheets b JOIN committee_sessions s ON s.id = b.session_id \
         WHERE b.topic = $1 AND b.session_id <> $3 AND s.held_on < $2 ORDER BY s.held_on DESC, b.id DESC LIMIT 1")
        .bind(topic.as_str()).bind(held_on).bind(session_id).fetch_optional(p).await)?;
    row.map(from_row).transpose()
}

/// Freezes the sheet of a point. A point has one frozen sheet: freezing it
/// again is refused (409).
pub async fn freeze(
    tx: &mut Tx,
    ctx: &AuditCtx,
    point_id: i64,
    session_id: i64,
    fiche: &Fiche,
) -> StoreResult<Sheet> {
    let content = serde_json::to_string(fiche).map_err(anyhow::Error::from)?;
    let digest = digest_of(&content);
    let methods = serde_json::to_string(&fiche.methods).map_err(anyhow::Error::from)?;
    let now = OffsetDateTime::now_utc();
    let inserted: Result<(i64,), StoreError> = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO briefing_sheets (point_id, session_id, topic, as_of, content, digest, methods, frozen_by, frozen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(point_id).bind(session_id).bind(fiche.topic.as_str()).bind(fiche.as_of).bind(&content)
        .bind(&digest).bind(&methods).bind(&ctx.actor_label).bind(now)
        .fetch_one(c).await).map_err(StoreError::unique("point_id"));
    let (id,) = match inserted {
        Err(StoreError::Duplicate { .. }) => {
            return Err(StoreError::Stale(
                "la fiche de ce point est déjà figée".into(),
            ));
        }
        other => other?,
    };
    let after = json!({"point_id": point_id, "as_of": fiche.as_of.to_string(), "digest": digest,
        "methods": fiche.methods, "figures": fiche.figures.len()});
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &after),
    )
    .await?;
    Ok(Sheet {
        id,
        point_id,
        session_id,
        fiche: fiche.clone(),
        digest,
        frozen_by: ctx.actor_label.clone(),
        frozen_at: now,
    })
}
