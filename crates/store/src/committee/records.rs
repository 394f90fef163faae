//! The versions of a session's record of decisions. A draft is assembled
//! live from the decisions; validation by the chair freezes its content;
//! publication makes the version immutable (a trigger refuses any later
//! update). Correcting a published record opens the next version.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::committee::documents::Record;
use cosinum_domain::committee::releve::{Role, Status, check_transition};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "session_record";

/// One version of a record of decisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordVersion {
    pub id: i64,
    pub session_id: i64,
    /// 1, 2, … within the session.
    pub number: i64,
    pub status: Status,
    pub preamble: String,
    /// The record as validated (frozen), from validation on.
    pub content: Option<Record>,
    pub validated_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub validated_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    pub version: i64,
}

type Row = (
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
    i64,
);

macro_rules! cols {
    () => {
        "SELECT id, session_id, number, status, preamble, content, validated_by, validated_at, published_at, version \
         FROM session_records"
    };
}

fn from_row(r: Row) -> StoreResult<RecordVersion> {
    let status = Status::parse(&r.3)
        .ok_or_else(|| anyhow::anyhow!("record {}: bad status {:?}", r.0, r.3))?;
    let content =
        r.5.as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| anyhow::anyhow!("record {}: {e}", r.0))?;
    Ok(RecordVersion {
        id: r.0,
        session_id: r.1,
        number: r.2,
        status,
        preamble: r.4,
        content,
        validated_by: r.6,
        validated_at: r.7,
        published_at: r.8,
        version: r.9,
    })
}

/// Every version of a session's record, latest first.
pub async fn for_session(db: &Db, session_id: i64) -> StoreResult<Vec<RecordVersion>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE session_id = $1 ORDER BY number DESC"))
        .bind(session_id).fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> StoreResult<RecordVersion> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

async fn get_in(tx: &mut Tx, id: i64) -> StoreResult<RecordVersion> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

/// Opens a draft: the first version, or the next one after a published
/// version. Refused while a draft or validated version is open.
pub async fn open_draft(
    tx: &mut Tx,
    ctx: &AuditCtx,
    session_id: i64,
    preamble: &str,
) -> StoreResult<RecordVersion> {
    let latest: Option<(i64, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT number, status FROM session_records WHERE session_id = $1 ORDER BY number DESC LIMIT 1")
        .bind(session_id).fetch_optional(c).await)?;
    let number = match latest {
        None => 1,
        Some((n, s)) if s == Status::Published.as_str() => n + 1,
        Some(_) => {
            return Err(StoreError::Stale(
                "une version du relevé est déjà en cours".into(),
            ));
        }
    };
    let preamble = preamble.trim();
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO session_records (session_id, number, status, preamble, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id")
        .bind(session_id).bind(number).bind(Status::Draft.as_str()).bind(preamble).bind(now)
        .fetch_one(c).await).map_err(StoreError::unique("number"))?;
    let after = json!({"number": number, "status": "draft", "preamble": preamble});
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
    get_in(tx, id).await
}

/// Rewrites the preamble of a draft.
pub async fn set_preamble(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    preamble: &str,
    version: i64,
) -> StoreResult<RecordVersion> {
    let old = get_in(tx, id).await?;
    check_version(version, old.version)?;
    if old.status != Status::Draft {
        return Err(StoreError::Stale(
            "seul un projet de relevé se modifie".into(),
        ));
    }
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE session_records SET preamble = $1, updated_at = $2, version = version + 1 \
         WHERE id = $3 AND version = $4 RETURNING version")
        .bind(preamble.trim()).bind(OffsetDateTime::now_utc()).bind(id).bind(version).fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, version, old.version)?;
    let changes = diff(
        &json!({"preamble": old.preamble}),
        &json!({"preamble": preamble.trim()}),
    );
    audit::record(tx, ctx, OBJECT_TYPE, id, v, AuditAction::Update, &changes).await?;
    get_in(tx, id).await
}

/// Moves a version to `to`, as `by`. Validating needs the record's
/// content as assembled now (`content`), which is frozen with it.
pub async fn transition(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    to: Status,
    by: Role,
    content: Option<&Record>,
    version: i64,
) -> StoreResult<RecordVersion> {
    let old = get_in(tx, id).await?;
    check_version(version, old.version)?;
    check_transition(old.status, to, by).map_err(|m| StoreError::Stale(m.into()))?;
    let now = OffsetDateTime::now_utc();
    let (content, validated_by, validated_at, published_at) = match to {
        Status::Validated => {
            let c =
                content.ok_or_else(|| anyhow::anyhow!("validating a record needs its content"))?;
            let json = serde_json::to_string(c).map_err(anyhow::Error::from)?;
            (Some(json), Some(ctx.actor_label.clone()), Some(now), None)
        }
        Status::Published => {
            let json = old
                .content
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(anyhow::Error::from)?;
            (json, old.validated_by.clone(), old.validated_at, Some(now))
        }
        Status::Draft => (None, None, None, None),
    };
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE session_records SET status = $1, content = $2, validated_by = $3, validated_at = $4, published_at = $5, \
         updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8 RETURNING version")
        .bind(to.as_str()).bind(&content).bind(&validated_by).bind(validated_at).bind(published_at)
        .bind(now).bind(id).bind(version).fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, version, old.version)?;
    let changes = diff(
        &json!({"status": old.status.as_str()}),
        &json!({"status": to.as_str()}),
    );
    audit::record(tx, ctx, OBJECT_TYPE, id, v, AuditAction::Update, &changes).await?;
    get_in(tx, id).await
}
