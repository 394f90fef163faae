//! The committee's records (issue #9): the committee and its members,
//! sessions with attendance, agenda points, frozen briefing sheets,
//! decisions with their follow-up notes, and the versions of each record of
//! decisions. Every write is audited in its transaction and checked against
//! the version read.

pub mod decisions;
pub mod points;
pub mod records;
pub mod sheets;

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::committee::{Format, SessionInput};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const SESSION: &str = "committee_session";

/// A member of the committee, as invited to each session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub name: String,
    pub role: String,
    pub organisation: String,
}

/// The committee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Committee {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The chair, as printed ("Secrétaire générale du Gouvernement").
    pub chair_title: String,
    /// The account that validates records of decisions.
    pub chair_user_id: Option<i64>,
    pub members: Vec<Member>,
}

/// Sets the committee's chair and members (replacing the members).
pub async fn configure(
    tx: &mut Tx,
    ctx: &AuditCtx,
    chair_title: &str,
    chair_user_id: Option<i64>,
    members: &[Member],
) -> StoreResult<()> {
    let found: Option<(i64, i64, String, Option<i64>)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, version, chair_title, chair_user_id FROM committees ORDER BY id LIMIT 1")
        .fetch_optional(c).await)?;
    let (id, version, old_title, old_chair) = found.ok_or(StoreError::NotFound)?;
    let (old_members,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "SELECT COUNT(*) FROM committee_members WHERE committee_id = $1").bind(id).fetch_one(c).await)?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE committees SET chair_title = $1, chair_user_id = $2, version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(chair_title).bind(chair_user_id).bind(OffsetDateTime::now_utc()).bind(id)
        .execute(c).await.map(|_| ()))?;
    on_tx!(tx, c => sqlx::query("DELETE FROM committee_members WHERE committee_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    for (i, m) in members.iter().enumerate() {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO committee_members (committee_id, position, name, role, organisation) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(i as i64 + 1).bind(&m.name).bind(&m.role).bind(&m.organisation)
            .execute(c).await.map(|_| ()))?;
    }
    let before =
        json!({"chair_title": old_title, "chair_user_id": old_chair, "members": old_members});
    let after = json!({"chair_title": chair_title, "chair_user_id": chair_user_id, "members": members.len()});
    audit::record(
        tx,
        ctx,
        "committee",
        id,
        version + 1,
        AuditAction::Update,
        &diff(&before, &after),
    )
    .await?;
    Ok(())
}

/// The committee (the first one: cosinum runs one per installation).
pub async fn committee(db: &Db) -> StoreResult<Committee> {
    let row: Option<(i64, String, String, String, Option<i64>)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, code, name, chair_title, chair_user_id FROM committees ORDER BY id LIMIT 1")
        .fetch_optional(p).await)?;
    let (id, code, name, chair_title, chair_user_id) = row.ok_or(StoreError::NotFound)?;
    let members: Vec<(String, String, String)> = on_pool!(db, p => sqlx::query_as(
        "SELECT name, role, organisation FROM committee_members WHERE committee_id = $1 ORDER BY position")
        .bind(id).fetch_all(p).await)?;
    Ok(Committee {
        id,
        code,
        name,
        chair_title,
        chair_user_id,
        members: members
            .into_iter()
            .map(|(name, role, organisation)| Member {
                name,
                role,
                organisation,
            })
            .collect(),
    })
}

/// A session of the committee.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: i64,
    pub committee_id: i64,
    pub title: String,
    pub held_on: Date,
    pub cut_off: Date,
    pub format: Format,
    pub place: Option<String>,
    pub version: i64,
}

type SessionRow = (i64, i64, String, Date, Date, String, Option<String>, i64);

macro_rules! session_cols {
    () => {
        "SELECT id, committee_id, title, held_on, cut_off, format, place, version FROM committee_sessions"
    };
}

fn session(r: SessionRow) -> StoreResult<Session> {
    let format = Format::parse(&r.5)
        .ok_or_else(|| anyhow::anyhow!("session {}: unknown format {:?}", r.0, r.5))?;
    Ok(Session {
        id: r.0,
        committee_id: r.1,
        title: r.2,
        held_on: r.3,
        cut_off: r.4,
        format,
        place: r.6,
        version: r.7,
    })
}

/// Every session, newest first.
pub async fn sessions(db: &Db) -> StoreResult<Vec<Session>> {
    let rows: Vec<SessionRow> = on_pool!(db, p => sqlx::query_as(concat!(session_cols!(),
        " ORDER BY held_on DESC, id DESC")).fetch_all(p).await)?;
    rows.into_iter().map(session).collect()
}

pub async fn get_session(db: &Db, id: i64) -> StoreResult<Session> {
    let row: Option<SessionRow> = on_pool!(db, p => sqlx::query_as(concat!(session_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    session(row.ok_or(StoreError::NotFound)?)
}

/// The session held just before `s` (the one its sheets compare with).
pub async fn previous_session(db: &Db, s: &Session) -> StoreResult<Option<Session>> {
    let row: Option<SessionRow> = on_pool!(db, p => sqlx::query_as(concat!(session_cols!(),
        " WHERE committee_id = $1 AND (held_on < $2 OR (held_on = $2 AND id < $3)) ORDER BY held_on DESC, id DESC LIMIT 1"))
        .bind(s.committee_id).bind(s.held_on).bind(s.id).fetch_optional(p).await)?;
    row.map(session).transpose()
}

fn session_json(s: &SessionInput) -> Value {
    json!({"title": s.title, "held_on": s.held_on.to_string(), "cut_off": s.cut_off.to_string(),
        "format": s.format.as_str(), "place": s.place})
}

/// Schedules a session; the committee's members are invited to it.
pub async fn create_session(
    tx: &mut Tx,
    ctx: &AuditCtx,
    committee_id: i64,
    input: &SessionInput,
) -> StoreResult<Session> {
    let s = input.validated()?;
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO committee_sessions (committee_id, title, held_on, cut_off, format, place, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING id")
        .bind(committee_id).bind(&s.title).bind(s.held_on).bind(s.cut_off).bind(s.format.as_str())
        .bind(&s.place).bind(now).fetch_one(c).await)?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO session_attendees (session_id, position, name, role, organisation, present) \
         SELECT $1, position, name, role, organisation, NULL FROM committee_members WHERE committee_id = $2")
        .bind(id).bind(committee_id).execute(c).await.map(|_| ()))?;
    audit::record(
        tx,
        ctx,
        SESSION,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &session_json(&s)),
    )
    .await?;
    session_in(tx, id).await
}

async fn session_in(tx: &mut Tx, id: i64) -> StoreResult<Session> {
    let row: Option<SessionRow> = on_tx!(tx, c => sqlx::query_as(concat!(session_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    session(row.ok_or(StoreError::NotFound)?)
}

/// Locks a session for a write on it or its parts, checking the version read.
pub(crate) async fn bump_session(tx: &mut Tx, id: i64, expected: i64) -> StoreResult<Session> {
    let current = session_in(tx, id).await?;
    check_version(expected, current.version)?;
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE committee_sessions SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3 RETURNING version")
        .bind(OffsetDateTime::now_utc()).bind(id).bind(expected).fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, expected, current.version)?;
    Ok(Session {
        version: v,
        ..current
    })
}

/// Changes a session's date, cut-off, format or place.
pub async fn update_session(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    input: &SessionInput,
    version: i64,
) -> StoreResult<Session> {
    let s = input.validated()?;
    let old = bump_session(tx, id, version).await?;
    on_tx!(tx, c => sqlx::query(
        "UPDATE committee_sessions SET title = $1, held_on = $2, cut_off = $3, format = $4, place = $5 WHERE id = $6")
        .bind(&s.title).bind(s.held_on).bind(s.cut_off).bind(s.format.as_str()).bind(&s.place).bind(id)
        .execute(c).await.map(|_| ()))?;
    let before = session_json(&SessionInput {
        title: old.title.clone(),
        held_on: old.held_on,
        cut_off: old.cut_off,
        format: old.format,
        place: old.place.clone(),
    });
    audit::record(
        tx,
        ctx,
        SESSION,
        id,
        old.version,
        AuditAction::Update,
        &diff(&before, &session_json(&s)),
    )
    .await?;
    session_in(tx, id).await
}

/// One person expected at a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendee {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub organisation: String,
    /// `None` until attendance is taken.
    pub present: Option<bool>,
}

pub async fn attendees(db: &Db, session_id: i64) -> StoreResult<Vec<Attendee>> {
    let rows: Vec<(i64, String, String, String, Option<bool>)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, name, role, organisation, present FROM session_attendees WHERE session_id = $1 ORDER BY position, id")
        .bind(session_id).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role, organisation, present)| Attendee {
            id,
            name,
            role,
            organisation,
            present,
        })
        .collect())
}

/// Records who attended (`attendee id → present`), at the session's version.
pub async fn set_attendance(
    tx: &mut Tx,
    ctx: &AuditCtx,
    session_id: i64,
    presence: &[(i64, Option<bool>)],
    version: i64,
) -> StoreResult<Session> {
    let s = bump_session(tx, session_id, version).await?;
    let mut changes = vec![];
    for (attendee, present) in presence {
        let old: Option<(String, Option<bool>)> = on_tx!(tx, c => sqlx::query_as(
            "SELECT name, present FROM session_attendees WHERE id = $1 AND session_id = $2")
            .bind(attendee).bind(session_id).fetch_optional(c).await)?;
        let (name, was) = old.ok_or(StoreError::NotFound)?;
        if was == *present {
            continue;
        }
        on_tx!(tx, c => sqlx::query("UPDATE session_attendees SET present = $1 WHERE id = $2")
            .bind(present).bind(attendee).execute(c).await.map(|_| ()))?;
        changes.extend(diff(
            &json!({ format!("présence {name}"): was }),
            &json!({ format!("présence {name}"): present }),
        ));
    }
    audit::record(
        tx,
        ctx,
        SESSION,
        session_id,
        s.version,
        AuditAction::Update,
        &changes,
    )
    .await?;
    Ok(s)
}
