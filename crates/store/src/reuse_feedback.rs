//! Verdicts on the reuse finder's candidates (reused, not relevant, to
//! discuss in committee), one per (object, candidate) pair, written at the
//! version read and audited in the same transaction.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::reuse::feedback::{FeedbackInput, Verdict};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "reuse_feedback";

/// A stored verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    pub id: i64,
    pub source_kind: String,
    pub source_id: i64,
    pub candidate_kind: String,
    pub candidate_id: i64,
    pub verdict: Verdict,
    pub note: String,
    pub author: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub version: i64,
}

type Row = (
    i64,
    String,
    i64,
    String,
    i64,
    String,
    String,
    String,
    OffsetDateTime,
    i64,
);

macro_rules! cols {
    () => {
        "SELECT id, source_kind, source_id, candidate_kind, candidate_id, verdict, note, \
         author_label, updated_at, version FROM reuse_feedback"
    };
}

fn from_row(r: Row) -> StoreResult<Feedback> {
    let verdict = Verdict::parse(&r.5)
        .ok_or_else(|| anyhow::anyhow!("reuse feedback {}: unknown verdict {:?}", r.0, r.5))?;
    Ok(Feedback {
        id: r.0,
        source_kind: r.1,
        source_id: r.2,
        candidate_kind: r.3,
        candidate_id: r.4,
        verdict,
        note: r.6,
        author: r.7,
        at: r.8,
        version: r.9,
    })
}

/// Every verdict (for the duplicates report).
pub async fn all(db: &Db) -> StoreResult<Vec<Feedback>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " ORDER BY id"))
        .fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

/// The verdicts given on the candidates of one object.
pub async fn for_source(db: &Db, kind: &str, id: i64) -> StoreResult<Vec<Feedback>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(),
        " WHERE source_kind = $1 AND source_id = $2 ORDER BY id"))
        .bind(kind).bind(id).fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

/// One verdict by id.
pub async fn get(db: &Db, id: i64) -> StoreResult<Feedback> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

/// Gives or changes the verdict on a pair. A new verdict needs no
/// version; changing one needs the version read (else 409 on a verdict
/// given meanwhile by someone else).
pub async fn set(
    tx: &mut Tx,
    ctx: &AuditCtx,
    input: FeedbackInput,
    version: Option<i64>,
) -> StoreResult<Feedback> {
    let input = input.validated()?;
    let existing: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(cols!(),
        " WHERE source_kind = $1 AND source_id = $2 AND candidate_kind = $3 AND candidate_id = $4"))
        .bind(&input.source_kind).bind(input.source_id)
        .bind(&input.candidate_kind).bind(input.candidate_id)
        .fetch_optional(c).await)?;
    let now = OffsetDateTime::now_utc();
    let after = json!({"verdict": input.verdict.as_str(), "note": input.note});
    let (id, v, action, before) = match existing.map(from_row).transpose()? {
        None => {
            if let Some(expected) = version {
                // The caller read a verdict that has since been removed.
                return Err(StoreError::Conflict {
                    expected,
                    current: 0,
                });
            }
            let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                "INSERT INTO reuse_feedback (source_kind, source_id, candidate_kind, candidate_id, verdict, \
                 note, author_id, author_label, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id")
                .bind(&input.source_kind).bind(input.source_id)
                .bind(&input.candidate_kind).bind(input.candidate_id)
                .bind(input.verdict.as_str()).bind(&input.note)
                .bind(ctx.actor.map(|u| u.0)).bind(&ctx.actor_label).bind(now)
                .fetch_one(c).await).map_err(StoreError::unique("candidate_id"))?;
            (id, 1, AuditAction::Create, Value::Null)
        }
        Some(old) => {
            let Some(expected) = version else {
                return Err(StoreError::Conflict {
                    expected: 0,
                    current: old.version,
                });
            };
            check_version(expected, old.version)?;
            let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
                "UPDATE reuse_feedback SET verdict = $1, note = $2, author_id = $3, author_label = $4, \
                 updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7 RETURNING version")
                .bind(input.verdict.as_str()).bind(&input.note)
                .bind(ctx.actor.map(|u| u.0)).bind(&ctx.actor_label).bind(now)
                .bind(old.id).bind(expected)
                .fetch_optional(c).await)?;
            let (v,) = stale_if_none(row, expected, old.version)?;
            let before = json!({"verdict": old.verdict.as_str(), "note": old.note});
            (old.id, v, AuditAction::Update, before)
        }
    };
    let mut changes = diff(&before, &after);
    if action == AuditAction::Create {
        changes.extend(diff(
            &Value::Null,
            &json!({"source": format!("{}:{}", input.source_kind, input.source_id),
                    "candidate": format!("{}:{}", input.candidate_kind, input.candidate_id)}),
        ));
    }
    audit::record(tx, ctx, OBJECT_TYPE, id, v, action, &changes).await?;
    Ok(Feedback {
        id,
        source_kind: input.source_kind,
        source_id: input.source_id,
        candidate_kind: input.candidate_kind,
        candidate_id: input.candidate_id,
        verdict: input.verdict,
        note: input.note,
        author: ctx.actor_label.clone(),
        at: now,
        version: v,
    })
}

/// Carries the verdicts on the lines of plan revision `from` (as object or
/// as candidate) over to the same lines (by key) of revision `to`, so a
/// new revision does not lose them.
pub(crate) async fn carry_over_plan_lines(tx: &mut Tx, from: i64, to: i64) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO reuse_feedback (source_kind, source_id, candidate_kind, candidate_id, verdict, note, \
         author_id, author_label, version, created_at, updated_at) \
         SELECT f.source_kind, new.id, f.candidate_kind, f.candidate_id, f.verdict, f.note, f.author_id, \
         f.author_label, 1, f.created_at, f.updated_at FROM reuse_feedback f \
         JOIN plan_lines old ON f.source_kind = 'plan_line' AND old.id = f.source_id AND old.plan_id = $1 \
         JOIN plan_lines new ON new.plan_id = $2 AND new.line_key = old.line_key")
        .bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO reuse_feedback (source_kind, source_id, candidate_kind, candidate_id, verdict, note, \
         author_id, author_label, version, created_at, updated_at) \
         SELECT f.source_kind, f.source_id, f.candidate_kind, new.id, f.verdict, f.note, f.author_id, \
         f.author_label, 1, f.created_at, f.updated_at FROM reuse_feedback f \
         JOIN plan_lines old ON f.candidate_kind = 'plan_line' AND old.id = f.candidate_id AND old.plan_id = $1 \
         JOIN plan_lines new ON new.plan_id = $2 AND new.line_key = old.line_key \
         WHERE NOT EXISTS (SELECT 1 FROM reuse_feedback g WHERE g.source_kind = f.source_kind \
           AND g.source_id = f.source_id AND g.candidate_kind = 'plan_line' AND g.candidate_id = new.id)")
        .bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
