//! The government's targets for online services, national or for one
//! ministry: listed, created, changed and withdrawn by the DINUM, audited.

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::demarches::targets::Target;
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "demarche_target";

/// A stored target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredTarget {
    pub id: i64,
    pub target: Target,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    label: String,
    slug: String,
    threshold: f64,
    deadline: Date,
    organisation_id: Option<i64>,
    version: i64,
}

impl Row {
    fn into_stored(self) -> StoredTarget {
        StoredTarget {
            id: self.id,
            target: Target {
                label_fr: self.label,
                slug: self.slug,
                threshold: self.threshold,
                deadline: self.deadline,
                scope: self.organisation_id.map(OrgId),
            },
            version: self.version,
        }
    }
}

macro_rules! cols {
    () => {
        "id, label, slug, threshold, deadline, organisation_id, version"
    };
}

fn audit_view(t: &Target) -> Value {
    json!({
        "label": t.label_fr, "slug": t.slug, "threshold": t.threshold,
        "deadline": t.deadline.to_string(), "organisation_id": t.scope,
    })
}

/// The targets in force (not withdrawn), by deadline.
pub async fn list(db: &Db) -> StoreResult<Vec<StoredTarget>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM demarche_targets WHERE archived_at IS NULL ORDER BY deadline, id"))
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(Row::into_stored).collect())
}

/// A target, withdrawn or not (its history stays readable).
pub async fn get(db: &Db, id: i64) -> StoreResult<StoredTarget> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM demarche_targets WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    Ok(row.ok_or(StoreError::NotFound)?.into_stored())
}

async fn get_tx(tx: &mut Tx, id: i64) -> StoreResult<StoredTarget> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM demarche_targets WHERE id = $1 AND archived_at IS NULL"))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.ok_or(StoreError::NotFound)?.into_stored())
}

pub async fn create(tx: &mut Tx, ctx: &AuditCtx, t: &Target) -> StoreResult<StoredTarget> {
    let t = t.clone().validated()?;
    let now = OffsetDateTime::now_utc();
    let row: Row = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO demarche_targets (label, slug, threshold, deadline, organisation_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING ", cols!()))
        .bind(&t.label_fr).bind(&t.slug).bind(t.threshold).bind(t.deadline).bind(t.scope.map(|o| o.0)).bind(now)
        .fetch_one(c).await)?;
    let stored = row.into_stored();
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        stored.id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &audit_view(&stored.target)),
    )
    .await?;
    Ok(stored)
}

pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    t: &Target,
) -> StoreResult<StoredTarget> {
    let t = t.clone().validated()?;
    let before = get_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE demarche_targets SET label = $1, slug = $2, threshold = $3, deadline = $4, organisation_id = $5, \
         version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8 AND archived_at IS NULL RETURNING ", cols!()))
        .bind(&t.label_fr).bind(&t.slug).bind(t.threshold).bind(t.deadline).bind(t.scope.map(|o| o.0))
        .bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)?;
    let after = stale_if_none(row, expected_version, before.version)?.into_stored();
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&audit_view(&before.target), &audit_view(&after.target)),
    )
    .await?;
    Ok(after)
}

/// Withdraws a target (kept, with its history; no longer shown).
pub async fn withdraw(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
) -> StoreResult<()> {
    let before = get_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    let now = OffsetDateTime::now_utc();
    let done = on_tx!(tx, c => sqlx::query(
        "UPDATE demarche_targets SET archived_at = $1, version = version + 1, updated_at = $1 \
         WHERE id = $2 AND version = $3 AND archived_at IS NULL")
        .bind(now).bind(id).bind(expected_version).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(StoreError::Conflict {
            expected: expected_version,
            current: before.version,
        });
    }
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        before.version + 1,
        AuditAction::Archive,
        &diff(&audit_view(&before.target), &Value::Null),
    )
    .await?;
    Ok(())
}
