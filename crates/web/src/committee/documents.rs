//! The committee's documents assembled from the stored records: each
//! point's sheet (frozen, or computed live and compared with the previous
//! session's), the pack, and the record of decisions as it reads now.

use std::collections::HashMap;

use cosinum_domain::committee::decisions::{FollowUp, alerts};
use cosinum_domain::committee::documents::{
    AgendaLine, Attendee, Pack, PackSheet, Record, RecordPoint, RecordedDecision, SessionHeader,
};
use cosinum_domain::committee::fiche::{Fiche, compare};
use cosinum_domain::committee::timetable;
use cosinum_store::committee::decisions::Decision;
use cosinum_store::committee::points::Point;
use cosinum_store::committee::sheets::Sheet;
use cosinum_store::committee::{self as store, Committee, Session};
use time::{Date, OffsetDateTime};

use super::fiches;
use crate::AppState;
use crate::error::AppError;

/// A point's sheet: the frozen one, or the live one with its changes
/// since the previous frozen sheet on its topic.
pub struct PointSheet {
    pub fiche: Fiche,
    pub frozen: Option<Sheet>,
}

/// The sheet of `point` of `session`.
pub async fn sheet(
    state: &AppState,
    session: &Session,
    point: &Point,
) -> Result<PointSheet, AppError> {
    if let Some(frozen) = store::sheets::for_point(&state.db, point.id).await? {
        return Ok(PointSheet {
            fiche: frozen.fiche.clone(),
            frozen: Some(frozen),
        });
    }
    Ok(PointSheet {
        fiche: live_sheet(state, session, point).await?,
        frozen: None,
    })
}

/// The sheet as the data read now, compared with the last sheet on its
/// topic frozen for an earlier session (what freezing stores).
pub async fn live_sheet(
    state: &AppState,
    session: &Session,
    point: &Point,
) -> Result<Fiche, AppError> {
    let mut fiche = fiches::build(state, point.topic, session.cut_off, &point.objects).await?;
    let previous =
        store::sheets::previous_on_topic(&state.db, point.topic, session.held_on, session.id)
            .await?;
    compare(&mut fiche, previous.as_ref().map(|s| &s.fiche));
    Ok(fiche)
}

pub fn header(c: &Committee, s: &Session) -> SessionHeader {
    SessionHeader {
        id: s.id,
        committee: c.name.clone(),
        title: s.title.clone(),
        held_on: s.held_on,
        cut_off: s.cut_off,
        format: s.format,
        place: s.place.clone(),
        chair: c.chair_title.clone(),
    }
}

async fn attendees(state: &AppState, session_id: i64) -> Result<Vec<Attendee>, AppError> {
    Ok(store::attendees(&state.db, session_id)
        .await?
        .into_iter()
        .map(|a| Attendee {
            name: a.name,
            role: a.role,
            organisation: a.organisation,
            present: a.present,
        })
        .collect())
}

/// The agenda in order (backlog points left out).
pub fn agenda(points: &[Point]) -> Vec<AgendaLine> {
    let on: Vec<&Point> = points.iter().filter(|p| p.position.is_some()).collect();
    let starts = timetable(&on.iter().map(|p| p.duration_minutes).collect::<Vec<_>>());
    on.iter()
        .zip(starts)
        .map(|(p, start)| AgendaLine {
            position: p.position.unwrap_or_default(),
            title: p.title.clone(),
            topic: p.topic,
            presenter: p.presenter.clone(),
            duration_minutes: p.duration_minutes,
            starts_at_minute: start,
            reasons: p.reasons.clone(),
        })
        .collect()
}

/// The whole pack of a session: agenda, attendance and every agenda point's sheet.
pub async fn pack(state: &AppState, session_id: i64) -> Result<Pack, AppError> {
    let committee = store::committee(&state.db).await?;
    let session = store::get_session(&state.db, session_id).await?;
    let points = store::points::for_session(&state.db, session_id).await?;
    let mut sheets = Vec::new();
    for p in points.iter().filter(|p| p.position.is_some()) {
        let s = sheet(state, &session, p).await?;
        sheets.push(PackSheet {
            position: p.position.unwrap_or_default(),
            fiche: s.fiche,
            frozen: s.frozen.is_some(),
            digest: s.frozen.map(|f| f.digest),
        });
    }
    Ok(Pack {
        session: header(&committee, &session),
        attendees: attendees(state, session_id).await?,
        agenda: agenda(&points),
        sheets,
        generated_on: OffsetDateTime::now_utc().date(),
    })
}

/// "S12-3-1": session, point position, rank — how decisions are cited.
pub fn reference(d: &Decision, points: &[Point]) -> String {
    let pos = points
        .iter()
        .find(|p| p.id == d.point_id)
        .and_then(|p| p.position)
        .map_or_else(|| "h".to_owned(), |p| p.to_string());
    format!("S{}-{}-{}", d.session_id, pos, d.rank)
}

/// Owner labels by organisation id (code — name).
pub async fn owner_labels(state: &AppState) -> Result<HashMap<i64, (String, String)>, AppError> {
    Ok(state
        .organisations(true)
        .await?
        .iter()
        .map(|o| (o.id.0, (o.code.clone(), o.name.clone())))
        .collect())
}

/// The record of decisions of a session as it reads now (a draft's
/// content; validation freezes it).
pub async fn record(
    state: &AppState,
    session_id: i64,
    number: i64,
    status: &str,
    preamble: &str,
) -> Result<Record, AppError> {
    let committee = store::committee(&state.db).await?;
    let session = store::get_session(&state.db, session_id).await?;
    let points = store::points::for_session(&state.db, session_id).await?;
    let decisions = store::decisions::for_session(&state.db, session_id).await?;
    let owners = owner_labels(state).await?;
    let record_points = points
        .iter()
        .filter(|p| p.position.is_some())
        .map(|p| RecordPoint {
            position: p.position.unwrap_or_default(),
            title: p.title.clone(),
            decisions: decisions
                .iter()
                .filter(|d| d.point_id == p.id)
                .map(|d| RecordedDecision {
                    reference: reference(d, &points),
                    text: d.text.clone(),
                    owner: owners
                        .get(&d.owner_id.0)
                        .map_or_else(|| d.owner_id.to_string(), |(_, name)| name.clone()),
                    due_on: d.due_on,
                    frequency: d.frequency.label_fr().to_owned(),
                    objects: d.objects.iter().map(|o| o.label.clone()).collect(),
                })
                .collect(),
        })
        .collect();
    Ok(Record {
        session: header(&committee, &session),
        version: number,
        status: status.to_owned(),
        preamble: preamble.to_owned(),
        attendees: attendees(state, session_id).await?,
        points: record_points,
        validated: None,
        published_on: None,
    })
}

/// A decision's follow-up facts, for its alerts.
pub fn follow_up(d: &Decision, decided_on: Date) -> FollowUp {
    FollowUp {
        status: d.status,
        decided_on,
        due_on: d.due_on,
        frequency: d.frequency,
        last_update: d.last_update,
    }
}

/// The alerts of a decision as of `today`.
pub fn decision_alerts(d: &Decision, decided_on: Date, today: Date) -> Vec<&'static str> {
    alerts(&follow_up(d, decided_on), today)
        .into_iter()
        .map(|a| a.label_fr())
        .collect()
}
