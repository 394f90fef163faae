//! Each ministry's declared delivery capacity per semester, in person-months.

use cosinum_domain::OrgId;
use cosinum_domain::ValidationError;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::funding::{Capacity, Semester};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

pub const OBJECT_TYPE: &str = "delivery_capacity";

/// Every declared capacity, with its version.
pub async fn list(db: &Db) -> StoreResult<Vec<(Capacity, i64)>> {
    let rows: Vec<(i64, String, f64, f64, i64)> = on_pool!(db, p => sqlx::query_as(
        "SELECT organisation_id, semester, capacity, committed, version FROM delivery_capacities ORDER BY organisation_id, semester")
        .fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(org, s, capacity, committed, v)| {
            Some((
                Capacity {
                    organisation_id: OrgId(org),
                    semester: Semester::parse(&s)?,
                    capacity,
                    committed,
                },
                v,
            ))
        })
        .collect())
}

/// Declares (or changes, at the version read) a ministry's capacity for a
/// semester. `expected_version` is `None` for a first declaration.
pub async fn set(
    tx: &mut Tx,
    ctx: &AuditCtx,
    c: &Capacity,
    expected_version: Option<i64>,
) -> StoreResult<i64> {
    if !(c.capacity.is_finite()
        && c.capacity >= 0.0
        && c.committed.is_finite()
        && c.committed >= 0.0)
    {
        return Err(ValidationError::new(
            "capacity",
            "la capacité et la charge engagée sont des mois-personnes positifs",
        )
        .into());
    }
    let semester = c.semester.to_string();
    let before: Option<(f64, f64, i64)> = on_tx!(tx, k => sqlx::query_as(
        "SELECT capacity, committed, version FROM delivery_capacities WHERE organisation_id = $1 AND semester = $2")
        .bind(c.organisation_id.0).bind(&semester).fetch_optional(k).await)?;
    let now = OffsetDateTime::now_utc();
    let view =
        |cap: f64, com: f64| json!({"semester": semester, "capacity": cap, "committed": com});
    let (version, action, old) = match (before, expected_version) {
        (None, None) => {
            on_tx!(tx, k => sqlx::query(
                "INSERT INTO delivery_capacities (organisation_id, semester, capacity, committed, version, updated_at) VALUES ($1, $2, $3, $4, 1, $5)")
                .bind(c.organisation_id.0).bind(&semester).bind(c.capacity).bind(c.committed).bind(now)
                .execute(k).await.map(|r| r.rows_affected()))?;
            (1, AuditAction::Create, Value::Null)
        }
        (Some((cap, com, v)), Some(expected)) if v == expected => {
            on_tx!(tx, k => sqlx::query(
                "UPDATE delivery_capacities SET capacity = $1, committed = $2, version = version + 1, updated_at = $3 \
                 WHERE organisation_id = $4 AND semester = $5 AND version = $6")
                .bind(c.capacity).bind(c.committed).bind(now).bind(c.organisation_id.0).bind(&semester).bind(v)
                .execute(k).await.map(|r| r.rows_affected()))?;
            (v + 1, AuditAction::Update, view(cap, com))
        }
        (Some((_, _, v)), expected) => {
            return Err(StoreError::Conflict {
                expected: expected.unwrap_or(0),
                current: v,
            });
        }
        (None, Some(expected)) => {
            return Err(StoreError::Conflict {
                expected,
                current: 0,
            });
        }
    };
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        c.organisation_id.0,
        version,
        action,
        &diff(&old, &view(c.capacity, c.committed)),
    )
    .await?;
    Ok(version)
}
