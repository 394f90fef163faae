//! The baselines ledger: append-only, never overwritten.

use cosinum_domain::audit::{AuditAction, FieldChange};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Baseline;
use cosinum_domain::projects::project::BaselineFields;
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::StoreResult;

/// A recorded baseline with its reason and approver.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct BaselineRecord {
    pub id: i64,
    pub project_id: i64,
    pub approved_on: Date,
    pub cost_eur: i64,
    pub start_on: Date,
    pub planned_end_on: Date,
    pub reason: String,
    pub approved_by: String,
}

impl BaselineRecord {
    pub fn baseline(&self) -> Baseline {
        Baseline {
            approved_on: self.approved_on,
            cost: Euros(self.cost_eur),
            start: self.start_on,
            planned_end: self.planned_end_on,
        }
    }
}

macro_rules! cols {
    () => {
        "id, project_id, approved_on, cost_eur, start_on, planned_end_on, reason, approved_by"
    };
}

/// The ledger of one project, oldest first.
pub async fn list(db: &Db, project_id: i64) -> StoreResult<Vec<BaselineRecord>> {
    Ok(on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM project_baselines WHERE project_id = $1 ORDER BY approved_on, id"))
        .bind(project_id)
        .fetch_all(p)
        .await)?)
}

/// Every baseline of every project (the portfolio maths loads them at once).
pub async fn list_all(db: &Db) -> StoreResult<Vec<BaselineRecord>> {
    Ok(on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM project_baselines ORDER BY project_id, approved_on, id"))
        .fetch_all(p)
        .await)?)
}

/// The baselines of the projects in `scope`, in the order of [`list_all`].
pub(crate) async fn list_in(
    db: &Db,
    scope: crate::among::ProjectScope<'_>,
) -> StoreResult<Vec<BaselineRecord>> {
    let sql = format!(
        "SELECT {} FROM project_baselines WHERE {} ORDER BY project_id, approved_on, id",
        cols!(),
        scope.condition(db.backend(), "project_id")
    );
    Ok(on_pool!(db, p => {
        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        match scope.bound() {
            Some(json) => query.bind(json),
            None => query,
        }
        .fetch_all(p)
        .await
    })?)
}

/// How many baselines the project's ledger holds.
pub async fn count_in_tx(tx: &mut Tx, project_id: i64) -> StoreResult<i64> {
    let (n,): (i64,) = on_tx!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM project_baselines WHERE project_id = $1")
        .bind(project_id)
        .fetch_one(c)
        .await)?;
    Ok(n)
}

/// Adds a baseline (the original one, or a re-baseline) to the ledger. The
/// project's version moves, so that concurrent edits of the project notice.
pub async fn add(
    tx: &mut Tx,
    ctx: &AuditCtx,
    project_id: i64,
    expected_version: i64,
    f: &BaselineFields,
) -> StoreResult<BaselineRecord> {
    let project = super::get_in_tx(tx, project_id).await?;
    crate::organisations::check_version(expected_version, project.version)?;
    let first = count_in_tx(tx, project_id).await? == 0;
    f.check(first)?;
    let record: BaselineRecord = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO project_baselines (project_id, approved_on, cost_eur, start_on, planned_end_on, reason, \
         approved_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", cols!()))
        .bind(project_id)
        .bind(f.approved_on)
        .bind(f.cost.0)
        .bind(f.start)
        .bind(f.planned_end)
        .bind(&f.reason)
        .bind(&f.approved_by)
        .bind(OffsetDateTime::now_utc())
        .fetch_one(c)
        .await)?;
    let version = bump_version(tx, project_id, expected_version).await?;
    let label = if first {
        "référence initiale"
    } else {
        "rebasage"
    };
    let change = FieldChange {
        field: format!("baseline ({label})"),
        before: serde_json::Value::Null,
        after: json!({
            "approved_on": f.approved_on.to_string(),
            "cost_meur": f.cost.meur(),
            "start": f.start.to_string(),
            "planned_end": f.planned_end.to_string(),
            "reason": f.reason,
            "approved_by": f.approved_by,
        }),
    };
    audit::record(
        tx,
        ctx,
        super::OBJECT_TYPE,
        project_id,
        version,
        AuditAction::Update,
        &[change],
    )
    .await?;
    Ok(record)
}

/// Moves a project's version after a change to one of its parts.
pub(crate) async fn bump_version(tx: &mut Tx, project_id: i64, expected: i64) -> StoreResult<i64> {
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE projects SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 RETURNING version")
        .bind(OffsetDateTime::now_utc())
        .bind(project_id)
        .bind(expected)
        .fetch_optional(c)
        .await)?;
    Ok(crate::organisations::stale_if_none(row, expected, expected)?.0)
}
