//! The committee's writes, shared by the JSON API and the pages: who may do
//! what, and each change in one audited transaction.
//!
//! The DINUM (steering) and administrators prepare sessions, agendas,
//! sheets, decisions and records; the chair named on the committee
//! validates records; a decision's owner ministry writes its progress
//! notes. Every signed-in user reads the committee's documents.

use cosinum_domain::OrgId;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::committee::decisions::{DecisionInput, Status};
use cosinum_domain::committee::releve::{self, Role};
use cosinum_domain::committee::rules::{Proposal, Rule, proposals};
use cosinum_domain::committee::{PointInput, SessionInput};
use cosinum_store::AuditCtx;
use cosinum_store::committee::points::Point;
use cosinum_store::committee::records::RecordVersion;
use cosinum_store::committee::sheets::Sheet;
use cosinum_store::committee::{self as store, Session};
use time::{Date, OffsetDateTime};

use super::documents;
use crate::AppState;
use crate::error::AppError;

/// Whether `actor` prepares the committee (the DINUM and administrators).
pub fn may_prepare(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

fn prepare(actor: &Actor) -> Result<(), AppError> {
    if may_prepare(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether `actor` chairs the committee (validates its records). Without a
/// chair account configured, administrators stand in.
pub async fn is_chair(state: &AppState, actor: &Actor) -> Result<bool, AppError> {
    if actor.read_only {
        return Ok(false);
    }
    let c = store::committee(&state.db).await?;
    Ok(match c.chair_user_id {
        Some(u) => u == actor.user_id.0,
        None => actor.is_admin(),
    })
}

/// Whether `actor` reports progress on a decision owned by `owner`.
pub fn may_note(actor: &Actor, owner: OrgId) -> bool {
    may_prepare(actor)
        || allows(
            Some(actor),
            Access::Write,
            &Resource::owned_by(Owner::Organisation(owner)),
        )
}

/// Schedules a session. When earlier sessions left decisions open, its
/// agenda starts with their follow-up.
pub async fn create_session(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    input: &SessionInput,
) -> Result<Session, AppError> {
    prepare(actor)?;
    let committee = store::committee(&state.db).await?;
    // Decisions of sessions held before this one: a session scheduled
    // in between does not follow up decisions taken after it.
    let earlier: Vec<i64> = store::sessions(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.held_on < input.held_on)
        .map(|s| s.id)
        .collect();
    let open = store::decisions::all(&state.db)
        .await?
        .into_iter()
        .filter(|d| d.status.is_open() && earlier.contains(&d.session_id))
        .count();
    let mut tx = state.db.begin().await?;
    let session = store::create_session(&mut tx, ctx, committee.id, input).await?;
    if open > 0 {
        let rule = Rule::DecisionFollowUp;
        let point = PointInput {
            title: rule.title_fr().to_owned(),
            topic: rule.topic(),
            presenter: "DINUM".into(),
            duration_minutes: rule.default_minutes(),
            objects: vec![],
        };
        let reasons = [format!(
            "{open} décision(s) des séances précédentes encore ouverte(s)"
        )];
        store::points::add(
            &mut tx,
            ctx,
            session.id,
            &point,
            Some(rule.as_str()),
            &reasons,
            true,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(session)
}

pub async fn update_session(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    input: &SessionInput,
    version: i64,
) -> Result<Session, AppError> {
    prepare(actor)?;
    let mut tx = state.db.begin().await?;
    let s = store::update_session(&mut tx, ctx, id, input, version).await?;
    tx.commit().await?;
    Ok(s)
}

pub async fn set_attendance(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    presence: &[(i64, Option<bool>)],
    version: i64,
) -> Result<Session, AppError> {
    prepare(actor)?;
    let mut tx = state.db.begin().await?;
    let s = store::set_attendance(&mut tx, ctx, id, presence, version).await?;
    tx.commit().await?;
    Ok(s)
}

/// What the data propose for a session's agenda as of its cut-off date,
/// leaving out the rules already on its agenda or backlog.
pub async fn session_proposals(
    state: &AppState,
    session: &Session,
) -> Result<Vec<Proposal>, AppError> {
    let signals =
        super::signals::gather(state, session.cut_off, &state.config.committee_rules).await?;
    let scheduled: Vec<Rule> = store::points::for_session(&state.db, session.id)
        .await?
        .iter()
        .filter_map(|p| p.rule.as_deref().and_then(Rule::parse))
        .collect();
    Ok(proposals(&signals, &scheduled))
}

/// Adds a point written by hand, to the agenda or to the backlog.
pub async fn add_point(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    session_id: i64,
    input: &PointInput,
    on_agenda: bool,
) -> Result<Point, AppError> {
    prepare(actor)?;
    store::get_session(&state.db, session_id).await?;
    let mut tx = state.db.begin().await?;
    let p = store::points::add(&mut tx, ctx, session_id, input, None, &[], on_agenda).await?;
    tx.commit().await?;
    Ok(p)
}

/// Puts what a rule proposes on the agenda, with its reasons.
pub async fn accept_proposal(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    session_id: i64,
    rule: Rule,
) -> Result<Point, AppError> {
    prepare(actor)?;
    let session = store::get_session(&state.db, session_id).await?;
    let proposal = session_proposals(state, &session)
        .await?
        .into_iter()
        .find(|p| p.rule == rule)
        .ok_or_else(|| {
            AppError::Stale("cette proposition n'est plus d'actualité ou déjà inscrite".into())
        })?;
    let input = PointInput {
        title: proposal.title,
        topic: proposal.topic,
        presenter: "DINUM".into(),
        duration_minutes: proposal.duration_minutes,
        objects: proposal.objects,
    };
    let mut tx = state.db.begin().await?;
    let p = store::points::add(
        &mut tx,
        ctx,
        session_id,
        &input,
        Some(rule.as_str()),
        &proposal.reasons,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// What can happen to a point once it is on the agenda.
pub enum PointChange<'a> {
    Rewrite(&'a PointInput),
    Schedule(bool),
    Shift(i64),
}

pub async fn change_point(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    change: PointChange<'_>,
    version: i64,
) -> Result<Point, AppError> {
    prepare(actor)?;
    if matches!(change, PointChange::Schedule(false)) {
        let point = store::points::get(&state.db, id).await?;
        let decided = store::decisions::for_session(&state.db, point.session_id)
            .await?
            .iter()
            .any(|d| d.point_id == id);
        if decided {
            return Err(AppError::Stale(
                "des décisions ont été prises sur ce point : il reste à l'ordre du jour".into(),
            ));
        }
    }
    if store::sheets::for_point(&state.db, id).await?.is_some()
        && matches!(
            change,
            PointChange::Rewrite(_) | PointChange::Schedule(false)
        )
    {
        return Err(AppError::Stale(
            "la fiche de ce point est figée : le point ne se réécrit plus et reste à l'ordre du jour".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let p = match change {
        PointChange::Rewrite(input) => {
            store::points::update(&mut tx, ctx, id, input, version).await?
        }
        PointChange::Schedule(on) => store::points::schedule(&mut tx, ctx, id, on, version).await?,
        PointChange::Shift(by) => store::points::shift(&mut tx, ctx, id, by, version).await?,
    };
    tx.commit().await?;
    Ok(p)
}

/// Freezes the sheet of an agenda point as the data read now.
pub async fn freeze(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    point_id: i64,
) -> Result<Sheet, AppError> {
    prepare(actor)?;
    let point = store::points::get(&state.db, point_id).await?;
    if point.position.is_none() {
        return Err(AppError::Stale(
            "seuls les points inscrits à l'ordre du jour ont une fiche".into(),
        ));
    }
    let session = store::get_session(&state.db, point.session_id).await?;
    let fiche = documents::live_sheet(state, &session, &point).await?;
    let mut tx = state.db.begin().await?;
    let sheet = store::sheets::freeze(&mut tx, ctx, point.id, session.id, &fiche).await?;
    tx.commit().await?;
    Ok(sheet)
}

/// Freezes every sheet of a session's agenda not frozen yet; returns how many.
pub async fn freeze_all(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    session_id: i64,
) -> Result<usize, AppError> {
    prepare(actor)?;
    let mut n = 0;
    for p in store::points::for_session(&state.db, session_id).await? {
        if p.position.is_some() && store::sheets::for_point(&state.db, p.id).await?.is_none() {
            freeze(state, actor, ctx, p.id).await?;
            n += 1;
        }
    }
    Ok(n)
}

pub async fn add_decision(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    point_id: i64,
    input: &DecisionInput,
) -> Result<cosinum_store::committee::decisions::Decision, AppError> {
    prepare(actor)?;
    let point = store::points::get(&state.db, point_id).await?;
    if point.position.is_none() {
        return Err(AppError::Stale(
            "seuls les points inscrits à l'ordre du jour reçoivent des décisions".into(),
        ));
    }
    let session = store::get_session(&state.db, point.session_id).await?;
    let mut tx = state.db.begin().await?;
    let d =
        store::decisions::add(&mut tx, ctx, session.id, session.held_on, point.id, input).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn update_decision(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    input: &DecisionInput,
    version: i64,
) -> Result<cosinum_store::committee::decisions::Decision, AppError> {
    prepare(actor)?;
    let d = store::decisions::get(&state.db, id).await?;
    let session = store::get_session(&state.db, d.session_id).await?;
    let mut tx = state.db.begin().await?;
    let d = store::decisions::update(&mut tx, ctx, id, session.held_on, input, version).await?;
    tx.commit().await?;
    Ok(d)
}

/// A progress note as written.
pub struct NoteWrite<'a> {
    /// Default: today.
    pub noted_on: Option<Date>,
    pub text: &'a str,
    /// The decision's status now.
    pub status: Status,
}

/// A progress note by the decision's owner (or the DINUM).
pub async fn add_note(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    note: NoteWrite<'_>,
    version: i64,
) -> Result<cosinum_store::committee::decisions::Decision, AppError> {
    let d = store::decisions::get(&state.db, id).await?;
    if !may_note(actor, d.owner_id) {
        return Err(AppError::Forbidden);
    }
    let today = OffsetDateTime::now_utc().date();
    let noted_on = note.noted_on.unwrap_or(today);
    if noted_on > today {
        return Err(cosinum_domain::ValidationError::new(
            "noted_on",
            "un point d'avancement ne peut être daté du futur",
        )
        .into());
    }
    let mut tx = state.db.begin().await?;
    let d = store::decisions::add_note(&mut tx, ctx, id, noted_on, note.text, note.status, version)
        .await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn open_record(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    session_id: i64,
    preamble: &str,
) -> Result<RecordVersion, AppError> {
    prepare(actor)?;
    store::get_session(&state.db, session_id).await?;
    let mut tx = state.db.begin().await?;
    let r = store::records::open_draft(&mut tx, ctx, session_id, preamble).await?;
    tx.commit().await?;
    Ok(r)
}

pub async fn set_preamble(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    preamble: &str,
    version: i64,
) -> Result<RecordVersion, AppError> {
    prepare(actor)?;
    let mut tx = state.db.begin().await?;
    let r = store::records::set_preamble(&mut tx, ctx, id, preamble, version).await?;
    tx.commit().await?;
    Ok(r)
}

/// Moves a record to `to`: the chair validates (freezing its content),
/// the DINUM or the chair publishes, either reopens a validated draft.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    to: releve::Status,
    version: i64,
) -> Result<RecordVersion, AppError> {
    let chair = is_chair(state, actor).await?;
    let role = if chair {
        Role::Chair
    } else if may_prepare(actor) {
        Role::Secretariat
    } else {
        return Err(AppError::Forbidden);
    };
    let current = store::records::get(&state.db, id).await?;
    let content = match to {
        releve::Status::Validated => {
            let mut r = documents::record(
                state,
                current.session_id,
                current.number,
                to.as_str(),
                &current.preamble,
            )
            .await?;
            let today = OffsetDateTime::now_utc().date();
            r.validated = Some(format!(
                "Validé par {} le {}",
                ctx.actor_label,
                crate::pages::fr_date(today)
            ));
            Some(r)
        }
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    let r =
        store::records::transition(&mut tx, ctx, id, to, role, content.as_ref(), version).await?;
    tx.commit().await?;
    Ok(r)
}

/// The record document of a version: its frozen content from validation
/// on, the live assembly while a draft.
pub async fn record_document(
    state: &AppState,
    v: &RecordVersion,
) -> Result<cosinum_domain::committee::documents::Record, AppError> {
    let mut doc = match &v.content {
        Some(c) => c.clone(),
        None => {
            documents::record(
                state,
                v.session_id,
                v.number,
                v.status.as_str(),
                &v.preamble,
            )
            .await?
        }
    };
    doc.status = v.status.as_str().to_owned();
    doc.published_on = v.published_at.map(|t| t.date());
    Ok(doc)
}
