//! `/comite`: the committee's sessions, and a session's page — attendance,
//! agenda builder (order, backlog, what the data propose), sheets to
//! freeze, the pack, and the way to its record of decisions.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::committee::rules::{Proposal, Rule};
use cosinum_domain::committee::{Format, PointInput, SessionInput, Topic};
use cosinum_store::committee as store;
use serde::Deserialize;
use time::Date;

use super::{Crumb, Layout, NoticeQuery, fr_date, render_status};
use crate::AppState;
use crate::api::committee::objects_of;
use crate::committee::documents::agenda;
use crate::committee::service::{self, PointChange};
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

struct SessionRow {
    id: i64,
    title: String,
    held_on: String,
    cut_off: String,
    format: &'static str,
    place: String,
    upcoming: bool,
    points: usize,
    decisions: usize,
    record: String,
}

#[derive(Template)]
#[template(path = "committee/list.html")]
struct ListPage {
    layout: Layout,
    committee: String,
    chair: String,
    members: Vec<(String, String, String)>,
    sessions: Vec<SessionRow>,
    can_prepare: bool,
    formats: Vec<(&'static str, &'static str)>,
    error: String,
}

async fn list_page(
    state: &AppState,
    page: &SignedPage,
    error: String,
) -> Result<ListPage, PageError> {
    let c = store::committee(&state.db).await.map_err(AppError::from)?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut sessions = Vec::new();
    for s in store::sessions(&state.db).await.map_err(AppError::from)? {
        let points = store::points::for_session(&state.db, s.id)
            .await
            .map_err(AppError::from)?;
        let decisions = store::decisions::for_session(&state.db, s.id)
            .await
            .map_err(AppError::from)?;
        let record = store::records::for_session(&state.db, s.id)
            .await
            .map_err(AppError::from)?;
        sessions.push(SessionRow {
            id: s.id,
            title: s.title,
            held_on: fr_date(s.held_on),
            cut_off: fr_date(s.cut_off),
            format: s.format.label_fr(),
            place: s.place.unwrap_or_default(),
            upcoming: s.held_on >= today,
            points: points.iter().filter(|p| p.position.is_some()).count(),
            decisions: decisions.len(),
            record: record.first().map_or_else(
                || "—".to_owned(),
                |r| format!("v{} — {}", r.number, r.status.label_fr()),
            ),
        });
    }
    Ok(ListPage {
        layout: Layout::new(&page.ctx, "Comité", vec![Crumb::here("Comité")]),
        committee: c.name,
        chair: c.chair_title,
        members: c
            .members
            .into_iter()
            .map(|m| (m.name, m.role, m.organisation))
            .collect(),
        sessions,
        can_prepare: service::may_prepare(page.actor()),
        formats: Format::ALL
            .iter()
            .map(|f| (f.as_str(), f.label_fr()))
            .collect(),
        error,
    })
}

/// `GET /comite`.
pub async fn list(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut p = list_page(&state, &page, String::new()).await?;
    p.layout = p.layout.with_notice(q.ok.as_deref());
    render_status(StatusCode::OK, &p)
}

#[derive(Deserialize)]
pub struct SessionForm {
    title: String,
    held_on: String,
    #[serde(default)]
    cut_off: String,
    format: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    version: Option<i64>,
}

pub(super) fn parse_date(field: &str, s: &str) -> Result<Date, AppError> {
    Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| cosinum_domain::ValidationError::new(field, "date attendue (AAAA-MM-JJ)").into())
}

impl SessionForm {
    fn input(&self) -> Result<SessionInput, AppError> {
        let held_on = parse_date("held_on", &self.held_on)?;
        Ok(SessionInput {
            title: self.title.clone(),
            held_on,
            cut_off: if self.cut_off.trim().is_empty() {
                held_on
            } else {
                parse_date("cut_off", &self.cut_off)?
            },
            format: Format::parse(&self.format)
                .ok_or_else(|| cosinum_domain::ValidationError::new("format", "format inconnu"))?,
            place: Some(self.place.clone()),
        })
    }
}

/// After a committee form: on to `ok_url` when the change was made;
/// otherwise the form's page again, built by `page_with(reason)`, with the
/// status that says why (422 invalid, 409 changed meanwhile or refused now).
pub(super) async fn after_form<T, Fut>(
    result: Result<(), AppError>,
    ok_url: &str,
    page_with: impl FnOnce(String) -> Fut,
) -> Result<Response, PageError>
where
    T: Template,
    Fut: std::future::Future<Output = Result<T, PageError>>,
{
    match result {
        Ok(()) => Ok(Redirect::to(ok_url).into_response()),
        Err(e) => {
            let (status, msg) = refusal(e)?;
            render_status(status, &page_with(msg).await?)
        }
    }
}

/// Turns a refused change into the page shown again with the reason.
pub(super) fn refusal(e: AppError) -> Result<(StatusCode, String), PageError> {
    match e {
        AppError::Invalid(v) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{} : {}", field_fr(&v.field), v.message),
        )),
        AppError::Conflict { .. } => Ok((
            StatusCode::CONFLICT,
            "Modifié par quelqu'un d'autre entre-temps : vérifiez la page, puis recommencez."
                .into(),
        )),
        AppError::Stale(m) => Ok((StatusCode::CONFLICT, m)),
        other => Err(other.into()),
    }
}

fn field_fr(field: &str) -> &str {
    match field {
        "title" => "Titre",
        "held_on" => "Date de la séance",
        "cut_off" => "Date d'arrêté des données",
        "place" => "Lieu",
        "format" => "Format",
        "duration_minutes" => "Durée",
        "objects" => "Objets concernés",
        "topic" => "Thème",
        "text" => "Texte",
        "due_on" => "Échéance",
        "owner" => "Pilote",
        "noted_on" => "Date du point",
        other => other,
    }
}

/// `POST /comite/seances`.
pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<SessionForm>,
) -> Result<Response, PageError> {
    let result = match f.input() {
        Ok(input) => service::create_session(&state, page.actor(), &page.audit(), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => Ok(Redirect::to(&format!("/comite/seances/{}?ok=cree", s.id)).into_response()),
        Err(e) => {
            let (status, msg) = refusal(e)?;
            render_status(status, &list_page(&state, &page, msg).await?)
        }
    }
}

struct PointRow {
    id: i64,
    version: i64,
    position: i64,
    title: String,
    topic: &'static str,
    presenter: String,
    duration: i64,
    starts: String,
    reasons: Vec<String>,
    frozen: bool,
    decisions: usize,
}

#[derive(Template)]
#[template(path = "committee/session.html")]
struct SessionPage {
    layout: Layout,
    id: i64,
    version: i64,
    title: String,
    held_on: String,
    held_on_iso: String,
    cut_off: String,
    cut_off_iso: String,
    format: &'static str,
    format_code: String,
    place: String,
    attendees: Vec<(i64, String, String, String, &'static str)>,
    agenda: Vec<PointRow>,
    total_minutes: i64,
    backlog: Vec<PointRow>,
    proposals: Vec<(String, String, Vec<String>, usize)>,
    topics: Vec<(&'static str, &'static str)>,
    formats: Vec<(&'static str, &'static str)>,
    can_prepare: bool,
    unfrozen: usize,
    record: String,
    error: String,
}

async fn session_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    error: String,
) -> Result<SessionPage, PageError> {
    let s = store::get_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let points = store::points::for_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let sheets = store::sheets::for_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let decisions = store::decisions::for_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let records = store::records::for_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let lines = agenda(&points);
    let row = |p: &store::points::Point| PointRow {
        id: p.id,
        version: p.version,
        position: p.position.unwrap_or_default(),
        title: p.title.clone(),
        topic: p.topic.label_fr(),
        presenter: p.presenter.clone(),
        duration: p.duration_minutes,
        starts: lines
            .iter()
            .find(|l| Some(l.position) == p.position)
            .map(|l| format!("{}h{:02}", l.starts_at_minute / 60, l.starts_at_minute % 60))
            .unwrap_or_default(),
        reasons: p.reasons.clone(),
        frozen: sheets.iter().any(|x| x.point_id == p.id),
        decisions: decisions.iter().filter(|d| d.point_id == p.id).count(),
    };
    let agenda_rows: Vec<PointRow> = points
        .iter()
        .filter(|p| p.position.is_some())
        .map(row)
        .collect();
    let can_prepare = service::may_prepare(page.actor());
    let proposals: Vec<Proposal> = if can_prepare {
        service::session_proposals(state, &s).await?
    } else {
        vec![]
    };
    Ok(SessionPage {
        layout: Layout::new(
            &page.ctx,
            s.title.clone(),
            vec![
                Crumb::link("Comité", "/comite"),
                Crumb::here(format!("Séance du {}", fr_date(s.held_on))),
            ],
        ),
        id,
        version: s.version,
        held_on: fr_date(s.held_on),
        held_on_iso: s.held_on.to_string(),
        cut_off: fr_date(s.cut_off),
        cut_off_iso: s.cut_off.to_string(),
        format: s.format.label_fr(),
        format_code: s.format.as_str().to_owned(),
        place: s.place.clone().unwrap_or_default(),
        title: s.title,
        attendees: store::attendees(&state.db, id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(|a| {
                let presence = match a.present {
                    Some(true) => "present",
                    Some(false) => "absent",
                    None => "",
                };
                (a.id, a.name, a.role, a.organisation, presence)
            })
            .collect(),
        total_minutes: agenda_rows.iter().map(|p| p.duration).sum(),
        unfrozen: agenda_rows.iter().filter(|p| !p.frozen).count(),
        agenda: agenda_rows,
        backlog: points
            .iter()
            .filter(|p| p.position.is_none())
            .map(row)
            .collect(),
        proposals: proposals
            .into_iter()
            .map(|p| {
                (
                    p.rule.as_str().to_owned(),
                    p.title,
                    p.reasons,
                    p.objects.len(),
                )
            })
            .collect(),
        topics: Topic::ALL
            .iter()
            .map(|t| (t.as_str(), t.label_fr()))
            .collect(),
        formats: Format::ALL
            .iter()
            .map(|f| (f.as_str(), f.label_fr()))
            .collect(),
        can_prepare,
        record: records.first().map_or_else(
            || "pas encore de relevé".to_owned(),
            |r| format!("version {} — {}", r.number, r.status.label_fr()),
        ),
        error,
    })
}

/// `GET /comite/seances/{id}`.
pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut p = session_page(&state, &page, id, String::new()).await?;
    p.layout = p.layout.with_notice(q.ok.as_deref());
    render_status(StatusCode::OK, &p)
}

/// After a change on the session page: back to it, or the page again with the reason.
async fn back_to_session(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    result: Result<(), AppError>,
    anchor: &str,
) -> Result<Response, PageError> {
    let ok = format!("/comite/seances/{id}?ok=enregistre#{anchor}");
    after_form(result, &ok, |m| session_page(state, page, id, m)).await
}

/// `POST /comite/seances/{id}/modifier`.
pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<SessionForm>,
) -> Result<Response, PageError> {
    let result = async {
        let version = f
            .version
            .ok_or_else(|| AppError::BadRequest("Version manquante".into()))?;
        service::update_session(
            &state,
            page.actor(),
            &page.audit(),
            id,
            &f.input()?,
            version,
        )
        .await
        .map(|_| ())
    }
    .await;
    back_to_session(&state, &page, id, result, "seance").await
}

/// `POST /comite/seances/{id}/presence`: `presence_<attendee>` = present | absent | (empty).
pub async fn attendance(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let version = f
            .iter()
            .find(|(k, _)| k == "version")
            .and_then(|(_, v)| v.parse().ok())
            .ok_or_else(|| AppError::BadRequest("Version manquante".into()))?;
        let presence: Vec<(i64, Option<bool>)> = f
            .iter()
            .filter_map(|(k, v)| {
                let attendee = k.strip_prefix("presence_")?.parse().ok()?;
                Some((
                    attendee,
                    match v.as_str() {
                        "present" => Some(true),
                        "absent" => Some(false),
                        _ => None,
                    },
                ))
            })
            .collect();
        service::set_attendance(&state, page.actor(), &page.audit(), id, &presence, version)
            .await
            .map(|_| ())
    }
    .await;
    back_to_session(&state, &page, id, result, "presence").await
}

#[derive(Deserialize)]
pub struct PointForm {
    title: String,
    topic: String,
    #[serde(default)]
    presenter: String,
    duration_minutes: i64,
    /// `project:12, organisation:3`.
    #[serde(default)]
    objects: String,
    /// `agenda` or `backlog`.
    #[serde(default)]
    place: String,
}

/// `POST /comite/seances/{id}/points`.
pub async fn add_point(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<PointForm>,
) -> Result<Response, PageError> {
    let result = async {
        let keys: Vec<String> = f
            .objects
            .split([',', ';', ' '])
            .map(str::to_owned)
            .collect();
        let input = PointInput {
            title: f.title.clone(),
            topic: Topic::parse(&f.topic)
                .ok_or_else(|| cosinum_domain::ValidationError::new("topic", "thème inconnu"))?,
            presenter: f.presenter.clone(),
            duration_minutes: f.duration_minutes,
            objects: objects_of(&state, &keys).await?,
        };
        service::add_point(
            &state,
            page.actor(),
            &page.audit(),
            id,
            &input,
            f.place != "backlog",
        )
        .await
        .map(|_| ())
    }
    .await;
    back_to_session(&state, &page, id, result, "ordre-du-jour").await
}

#[derive(Deserialize)]
pub struct ProposalForm {
    rule: String,
}

/// `POST /comite/seances/{id}/propositions`: puts a proposal on the agenda.
pub async fn accept(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<ProposalForm>,
) -> Result<Response, PageError> {
    let result = async {
        let rule =
            Rule::parse(&f.rule).ok_or_else(|| AppError::BadRequest("Règle inconnue".into()))?;
        service::accept_proposal(&state, page.actor(), &page.audit(), id, rule)
            .await
            .map(|_| ())
    }
    .await;
    back_to_session(&state, &page, id, result, "ordre-du-jour").await
}

#[derive(Deserialize)]
pub struct MoveForm {
    /// `up`, `down`, `off` (to the backlog) or `on` (to the agenda).
    action: String,
    version: i64,
}

/// `POST /comite/points/{id}/deplacer`.
pub async fn move_point(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<MoveForm>,
) -> Result<Response, PageError> {
    let point = store::points::get(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let change = match f.action.as_str() {
        "up" => PointChange::Shift(-1),
        "down" => PointChange::Shift(1),
        "off" => PointChange::Schedule(false),
        "on" => PointChange::Schedule(true),
        other => return Err(AppError::BadRequest(format!("Action inconnue : {other}")).into()),
    };
    let result = service::change_point(&state, page.actor(), &page.audit(), id, change, f.version)
        .await
        .map(|_| ());
    back_to_session(&state, &page, point.session_id, result, "ordre-du-jour").await
}

/// `POST /comite/seances/{id}/figer`: freezes every sheet of the agenda.
pub async fn freeze_all(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let result = service::freeze_all(&state, page.actor(), &page.audit(), id)
        .await
        .map(|_| ());
    back_to_session(&state, &page, id, result, "ordre-du-jour").await
}
