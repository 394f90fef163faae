//! Decisions of the committee and their follow-up notes. A decision is
//! reworded only while its session's record is a draft; its status moves
//! with the progress notes its owner writes, whatever the record's state.

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::committee::ObjectRef;
use cosinum_domain::committee::decisions::{DecisionInput, Frequency, Status, note_text};
use cosinum_domain::committee::releve;
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "decision";

/// A decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub id: i64,
    pub session_id: i64,
    pub point_id: i64,
    /// Rank among the point's decisions.
    pub rank: i64,
    pub text: String,
    pub owner_id: OrgId,
    pub due_on: Date,
    pub frequency: Frequency,
    pub objects: Vec<ObjectRef>,
    pub status: Status,
    /// The date of the last progress note.
    pub last_update: Option<Date>,
    pub version: i64,
}

type Row = (
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
    Date,
    String,
    String,
    String,
    Option<Date>,
    i64,
);

macro_rules! cols {
    () => {
        "SELECT d.id, d.session_id, d.point_id, d.rank, d.text, d.owner_id, d.due_on, d.frequency, d.objects, d.status, \
         (SELECT MAX(n.noted_on) FROM decision_notes n WHERE n.decision_id = d.id), d.version FROM decisions d"
    };
}

fn from_row(r: Row) -> StoreResult<Decision> {
    let bad = |what: &str| anyhow::anyhow!("decision {}: bad {what}", r.0);
    Ok(Decision {
        id: r.0,
        session_id: r.1,
        point_id: r.2,
        rank: r.3,
        text: r.4,
        owner_id: OrgId(r.5),
        due_on: r.6,
        frequency: Frequency::parse(&r.7).ok_or_else(|| bad("frequency"))?,
        objects: serde_json::from_str(&r.8).map_err(|_| bad("objects"))?,
        status: Status::parse(&r.9).ok_or_else(|| bad("status"))?,
        last_update: r.10,
        version: r.11,
    })
}

/// Every decision, newest session first (the register).
pub async fn all(db: &Db) -> StoreResult<Vec<Decision>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(),
        " JOIN committee_sessions s ON s.id = d.session_id ORDER BY s.held_on DESC, d.point_id, d.rank"))
        .fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

pub async fn for_session(db: &Db, session_id: i64) -> StoreResult<Vec<Decision>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(),
        " WHERE d.session_id = $1 ORDER BY d.point_id, d.rank")).bind(session_id).fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

/// The decisions about one object (shown on its page).
pub async fn for_object(db: &Db, kind: &str, id: i64) -> StoreResult<Vec<Decision>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(),
        " WHERE d.id IN (SELECT decision_id FROM decision_objects WHERE kind = $1 AND object_id = $2) ORDER BY d.due_on, d.id"))
        .bind(kind).bind(id).fetch_all(p).await)?;
    rows.into_iter().map(from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Decision> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(cols!(), " WHERE d.id = $1"))
        .bind(id).fetch_optional(p).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

async fn get_in(tx: &mut Tx, id: i64) -> StoreResult<Decision> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(cols!(), " WHERE d.id = $1"))
        .bind(id).fetch_optional(c).await)?;
    from_row(row.ok_or(StoreError::NotFound)?)
}

fn as_json(d: &DecisionInput, status: Status) -> Value {
    json!({"text": d.text, "owner_id": d.owner.0, "due_on": d.due_on.to_string(), "frequency": d.frequency.as_str(),
        "status": status.as_str(), "objects": d.objects.iter().map(ObjectRef::key).collect::<Vec<_>>()})
}

/// Refuses to reword the decisions of a session whose record left draft.
async fn check_editable(tx: &mut Tx, session_id: i64) -> StoreResult<()> {
    let latest: Option<(String,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT status FROM session_records WHERE session_id = $1 ORDER BY number DESC LIMIT 1")
        .bind(session_id).fetch_optional(c).await)?;
    let status = latest.and_then(|(s,)| releve::Status::parse(&s));
    if releve::decisions_editable(status) {
        Ok(())
    } else {
        Err(StoreError::Stale(
            "le relevé de décisions n'est plus un projet : ouvrez une nouvelle version pour modifier les décisions".into(),
        ))
    }
}

async fn link_objects(tx: &mut Tx, id: i64, objects: &[ObjectRef]) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM decision_objects WHERE decision_id = $1").bind(id).execute(c).await.map(|_| ()))?;
    for o in objects {
        on_tx!(tx, c => sqlx::query("INSERT INTO decision_objects (decision_id, kind, object_id) VALUES ($1, $2, $3)")
            .bind(id).bind(&o.kind).bind(o.id).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Records a decision on a point of a session held on `held_on`.
pub async fn add(
    tx: &mut Tx,
    ctx: &AuditCtx,
    session_id: i64,
    held_on: Date,
    point_id: i64,
    input: &DecisionInput,
) -> StoreResult<Decision> {
    let d = input.validated(held_on)?;
    check_editable(tx, session_id).await?;
    let (rank,): (Option<i64>,) = on_tx!(tx, c => sqlx::query_as(
        "SELECT MAX(rank) FROM decisions WHERE point_id = $1").bind(point_id).fetch_one(c).await)?;
    let objects = serde_json::to_string(&d.objects).map_err(anyhow::Error::from)?;
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO decisions (session_id, point_id, rank, text, owner_id, due_on, frequency, objects, status, version, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id")
        .bind(session_id).bind(point_id).bind(rank.unwrap_or(0) + 1).bind(&d.text).bind(d.owner.0).bind(d.due_on)
        .bind(d.frequency.as_str()).bind(&objects).bind(Status::Open.as_str()).bind(now)
        .fetch_one(c).await)?;
    link_objects(tx, id, &d.objects).await?;
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &as_json(&d, Status::Open)),
    )
    .await?;
    get_in(tx, id).await
}

/// Rewords a decision (text, owner, due date, frequency, objects) at the version read.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    held_on: Date,
    input: &DecisionInput,
    version: i64,
) -> StoreResult<Decision> {
    let d = input.validated(held_on)?;
    let old = get_in(tx, id).await?;
    check_version(version, old.version)?;
    check_editable(tx, old.session_id).await?;
    let objects = serde_json::to_string(&d.objects).map_err(anyhow::Error::from)?;
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE decisions SET text = $1, owner_id = $2, due_on = $3, frequency = $4, objects = $5, updated_at = $6, \
         version = version + 1 WHERE id = $7 AND version = $8 RETURNING version")
        .bind(&d.text).bind(d.owner.0).bind(d.due_on).bind(d.frequency.as_str()).bind(&objects)
        .bind(OffsetDateTime::now_utc()).bind(id).bind(version).fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, version, old.version)?;
    link_objects(tx, id, &d.objects).await?;
    let before = DecisionInput {
        text: old.text.clone(),
        owner: old.owner_id,
        due_on: old.due_on,
        frequency: old.frequency,
        objects: old.objects.clone(),
    };
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        v,
        AuditAction::Update,
        &diff(&as_json(&before, old.status), &as_json(&d, old.status)),
    )
    .await?;
    get_in(tx, id).await
}

/// A dated progress note on a decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub decision_id: i64,
    pub noted_on: Date,
    pub text: String,
    /// The decision's status the note reported.
    pub status: Status,
    pub author: String,
}

pub async fn notes(db: &Db, decision_id: i64) -> StoreResult<Vec<Note>> {
    let rows: Vec<(i64, i64, Date, String, String, String)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, decision_id, noted_on, text, status, author_label FROM decision_notes WHERE decision_id = $1 \
         ORDER BY noted_on DESC, id DESC").bind(decision_id).fetch_all(p).await)?;
    rows.into_iter()
        .map(|r| {
            Ok(Note {
                id: r.0,
                decision_id: r.1,
                noted_on: r.2,
                text: r.3,
                status: Status::parse(&r.4)
                    .ok_or_else(|| anyhow::anyhow!("note {}: bad status", r.0))?,
                author: r.5,
            })
        })
        .collect()
}

/// Adds a progress note, moving the decision to `status`, at the version read.
pub async fn add_note(
    tx: &mut Tx,
    ctx: &AuditCtx,
    decision_id: i64,
    noted_on: Date,
    text: &str,
    status: Status,
    version: i64,
) -> StoreResult<Decision> {
    let text = note_text(text)?;
    let old = get_in(tx, decision_id).await?;
    check_version(version, old.version)?;
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE decisions SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4 RETURNING version")
        .bind(status.as_str()).bind(OffsetDateTime::now_utc()).bind(decision_id).bind(version).fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, version, old.version)?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO decision_notes (decision_id, noted_on, text, status, author_id, author_label, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(decision_id).bind(noted_on).bind(&text).bind(status.as_str()).bind(ctx.actor.map(|u| u.0))
        .bind(&ctx.actor_label).bind(OffsetDateTime::now_utc()).execute(c).await.map(|_| ()))?;
    let changes = diff(
        &json!({"status": old.status.as_str()}),
        &json!({"status": status.as_str(), "note": format!("{noted_on} : {text}")}),
    );
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        decision_id,
        v,
        AuditAction::Update,
        &changes,
    )
    .await?;
    get_in(tx, decision_id).await
}
