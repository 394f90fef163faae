//! Agenda points: on the agenda (with a position) or waiting in the
//! session's backlog (position NULL); written at the version read and
//! audited. A point proposed by a rule keeps the rule and its reasons.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::committee::{ObjectRef, PointInput, Topic};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "agenda_point";

/// An agenda point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub id: i64,
    pub session_id: i64,
    /// Order on the agenda; `None` while in the backlog.
    pub position: Option<i64>,
    pub title: String,
    pub topic: Topic,
    pub presenter: String,
    pub duration_minutes: i64,
    pub objects: Vec<ObjectRef>,
    /// The rule that proposed it (`project_drift`…), if any.
    pub rule: Option<String>,
    /// Why the rule proposed it.
    pub reasons: Vec<String>,
    pub version: i64,
}

type Row = (
    i64,
    i64,
    Option<i64>,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    String,
    i64,
);

macro_rules! cols {
    () => {
        "SELECT id, session_id, position, title, topic, presenter, duration_minutes, objects, rule, reasons, version \
         FROM agenda_points"
    };
}

fn from_row(r: Row) -> StoreResult<Point> {
    let topic = Topic::parse(&r.4)
        .ok_or_else(|| anyhow::anyhow!("point {}: unknown topic {:?}", r.0, r.4))?;
    let objects =
        serde_json::from_str(&r.7).map_err(|e| anyhow::anyhow!("point {}: objects: {e}", r.0))?;
    let reasons =
        serde_json::from_str(&r.9).map_err(|e| anyhow::anyhow!("point {}: reasons: {e}", r.0))?;
    Ok(Point {
        id: r.0,
        session_id: r.1,
        position: r.2,
        title: r.3,
        topic,
        presenter: r.5,
        duration_minutes: r.6,
        objects,
        rule: r.8,
        reasons,
        version: r.10,
    })
}

/// A session's points: the agenda in order, then the backlog.
pub async fn for_session(db: &Db, session_id: i64) -> StoreResult<Vec<Point>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(),
        " WHERE session_id = $1 ORDER BY CASE WHEN position IS NULL THEN 1 ELSE 0 END, position, id"))
        .bind(session_id).fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Point> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

async fn get_in(tx: &mut Tx, id: i64) -> StoreResult<Point> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

fn as_json(p: &PointInput, position: Option<i64>) -> Value {
    json!({"title": p.title, "topic": p.topic.as_str(), "presenter": p.presenter,
        "duration_minutes": p.duration_minutes, "position": position,
        "objects": p.objects.iter().map(ObjectRef::key).collect::<Vec<_>>()})
}

fn input_of(p: &Point) -> PointInput {
    PointInput {
        title: p.title.clone(),
        topic: p.topic,
        presenter: p.presenter.clone(),
        duration_minutes: p.duration_minutes,
        objects: p.objects.clone(),
    }
}

/// Adds a point to the agenda's end (`on_agenda`) or to the backlog.
pub async fn add(
    tx: &mut Tx,
    ctx: &AuditCtx,
    session_id: i64,
    input: &PointInput,
    rule: Option<&str>,
    reasons: &[String],
    on_agenda: bool,
) -> StoreResult<Point> {
    let p = input.validated()?;
    let position = if on_agenda {
        Some(next_position(tx, session_id).await?)
    } else {
        None
    };
    let objects = serde_json::to_string(&p.objects).map_err(anyhow::Error::from)?;
    let reasons_json = serde_json::to_string(reasons).map_err(anyhow::Error::from)?;
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO agenda_points (session_id, position, title, topic, presenter, duration_minutes, objects, rule, reasons, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id")
        .bind(session_id).bind(position).bind(&p.title).bind(p.topic.as_str()).bind(&p.presenter)
        .bind(p.duration_minutes).bind(&objects).bind(rule).bind(&reasons_json).bind(now)
        .fetch_one(c).await)?;
    let mut after = as_json(&p, position);
    after["rule"] = json!(rule);
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

async fn next_position(tx: &mut Tx, session_id: i64) -> StoreResult<i64> {
    let (max,): (Option<i64>,) = on_tx!(tx, c => sqlx::query_as(
        "SELECT MAX(position) FROM agenda_points WHERE session_id = $1").bind(session_id).fetch_one(c).await)?;
    Ok(max.unwrap_or(0) + 1)
}

async fn write(
    tx: &mut Tx,
    ctx: &AuditCtx,
    old: &Point,
    new: &PointInput,
    position: Option<i64>,
) -> StoreResult<Point> {
    let objects = serde_json::to_string(&new.objects).map_err(anyhow::Error::from)?;
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE agenda_points SET title = $1, topic = $2, presenter = $3, duration_minutes = $4, objects = $5, position = $6, \
         updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9 RETURNING version")
        .bind(&new.title).bind(new.topic.as_str()).bind(&new.presenter).bind(new.duration_minutes).bind(&objects)
        .bind(position).bind(OffsetDateTime::now_utc()).bind(old.id).bind(old.version)
        .fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, old.version, old.version)?;
    let changes = diff(
        &as_json(&input_of(old), old.position),
        &as_json(new, position),
    );
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        old.id,
        v,
        AuditAction::Update,
        &changes,
    )
    .await?;
    get_in(tx, old.id).await
}

/// Rewrites a point at the version read.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    input: &PointInput,
    version: i64,
) -> StoreResult<Point> {
    let p = input.validated()?;
    let old = get_in(tx, id).await?;
    check_version(version, old.version)?;
    write(tx, ctx, &old, &p, old.position).await
}

/// Puts a backlog point on the agenda (at its end) or takes it off (back to the backlog).
pub async fn schedule(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    on_agenda: bool,
    version: i64,
) -> StoreResult<Point> {
    let old = get_in(tx, id).await?;
    check_version(version, old.version)?;
    let position = match (on_agenda, old.position) {
        (true, Some(p)) => Some(p),
        (true, None) => Some(next_position(tx, old.session_id).await?),
        (false, _) => None,
    };
    let point = write(tx, ctx, &old, &input_of(&old), position).await?;
    if !on_agenda {
        renumber(tx, ctx, old.session_id).await?;
    }
    Ok(point)
}

/// Moves a point one place up (`-1`) or down (`+1`) the agenda, swapping
/// with its neighbour; both are audited.
pub async fn shift(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    by: i64,
    version: i64,
) -> StoreResult<Point> {
    let old = get_in(tx, id).await?;
    check_version(version, old.version)?;
    let Some(pos) = old.position else {
        return Err(cosinum_domain::ValidationError::new(
            "position",
            "le point n'est pas à l'ordre du jour",
        )
        .into());
    };
    let neighbour: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(if by < 0 {
        "SELECT id FROM agenda_points WHERE session_id = $1 AND position < $2 ORDER BY position DESC LIMIT 1"
    } else {
        "SELECT id FROM agenda_points WHERE session_id = $1 AND position > $2 ORDER BY position LIMIT 1"
    }).bind(old.session_id).bind(pos).fetch_optional(c).await)?;
    let Some((other_id,)) = neighbour else {
        return Ok(old);
    };
    let other = get_in(tx, other_id).await?;
    write(tx, ctx, &other, &input_of(&other), Some(pos)).await?;
    write(tx, ctx, &old, &input_of(&old), other.position).await
}

/// Closes the gaps in a session's agenda after a point left it; each
/// point that moves up is written (and audited) like any other move.
async fn renumber(tx: &mut Tx, ctx: &AuditCtx, session_id: i64) -> StoreResult<()> {
    let ids: Vec<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id FROM agenda_points WHERE session_id = $1 AND position IS NOT NULL ORDER BY position, id")
        .bind(session_id).fetch_all(c).await)?;
    for (i, (id,)) in ids.into_iter().enumerate() {
        let p = get_in(tx, id).await?;
        let wanted = i as i64 + 1;
        if p.position != Some(wanted) {
            write(tx, ctx, &p, &input_of(&p), Some(wanted)).await?;
        }
    }
    Ok(())
}
