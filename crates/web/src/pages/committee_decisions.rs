//! The decisions' pages: the register across sessions (searchable), the
//! actions dashboard (open decisions and their alerts), a decision with its
//! progress notes, and a session's record of decisions (editor, states,
//! versions, downloads).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::committee::decisions::{Frequency, Status};
use cosinum_domain::committee::releve;
use cosinum_store::committee as store;
use serde::Deserialize;

use super::committee::{after_form, parse_date};
use super::committee_sheet::DecisionForm;
use super::{Crumb, Layout, NoticeQuery, fr_date, fr_datetime, render_status};
use crate::AppState;
use crate::committee::documents::owner_labels;
use crate::committee::objects::href;
use crate::committee::register::{self, RegisterFilter, RegisterLine};
use crate::committee::service;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// A register line as shown.
pub struct LineView {
    pub id: i64,
    pub reference: String,
    pub text: String,
    pub session: String,
    pub session_id: i64,
    pub point: String,
    pub owner: String,
    pub due: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub alerts: Vec<&'static str>,
    pub next_update: String,
    pub objects: Vec<(String, Option<String>)>,
}

pub fn line_view(l: &RegisterLine) -> LineView {
    LineView {
        id: l.decision.id,
        reference: l.reference.clone(),
        text: l.decision.text.clone(),
        session: fr_date(l.held_on),
        session_id: l.decision.session_id,
        point: l.point_title.clone(),
        owner: l.owner_code.clone(),
        due: fr_date(l.decision.due_on),
        status: l.status_label,
        badge: l.decision.status.badge(),
        alerts: l.alerts.clone(),
        next_update: l.next_update_due.map(fr_date).unwrap_or_default(),
        objects: l
            .decision
            .objects
            .iter()
            .map(|o| (o.label.clone(), href(&o.kind, o.id)))
            .collect(),
    }
}

#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    q: Option<String>,
    statut: Option<String>,
    pilote: Option<String>,
    alerte: Option<String>,
}

#[derive(Template)]
#[template(path = "committee/register.html")]
struct RegisterPage {
    layout: Layout,
    dashboard: bool,
    q: String,
    statut: String,
    pilote: String,
    alerte: bool,
    statuses: Vec<(&'static str, &'static str)>,
    owners: Vec<String>,
    lines: Vec<LineView>,
    overdue: usize,
    missing: usize,
    by_owner: Vec<(String, usize, usize)>,
}

async fn register_page(
    state: &AppState,
    page: &SignedPage,
    q: RegisterQuery,
    dashboard: bool,
) -> Result<Response, PageError> {
    let today = time::OffsetDateTime::now_utc().date();
    let statut = q.statut.clone().unwrap_or_else(|| {
        if dashboard {
            "pending".into()
        } else {
            String::new()
        }
    });
    let filter = RegisterFilter {
        q: q.q.clone(),
        status: Some(statut.clone()),
        owner: q.pilote.clone(),
        alert: Some(q.alerte.is_some()),
        session: None,
        object: None,
    };
    let lines = register::search(state, &filter, today).await?;
    let overdue = lines
        .iter()
        .filter(|l| l.alerts.contains(&"En retard"))
        .count();
    let missing = lines
        .iter()
        .filter(|l| l.alerts.contains(&"Point d'avancement manquant"))
        .count();
    let mut by_owner: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for l in &lines {
        let e = by_owner.entry(l.owner_code.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(!l.alerts.is_empty());
    }
    let mut owners: Vec<String> = owner_labels(state)
        .await?
        .into_values()
        .map(|o| o.0)
        .collect();
    owners.sort();
    let (title, crumb) = if dashboard {
        ("Suivi des décisions", "Suivi des décisions")
    } else {
        ("Registre des décisions", "Registre des décisions")
    };
    let mut statuses = vec![("pending", "À engager ou en cours")];
    statuses.extend(Status::ALL.iter().map(|s| (s.as_str(), s.label_fr())));
    let p = RegisterPage {
        layout: Layout::new(
            &page.ctx,
            title,
            vec![Crumb::link("Comité", "/comite"), Crumb::here(crumb)],
        ),
        dashboard,
        q: q.q.unwrap_or_default(),
        statut,
        pilote: q.pilote.unwrap_or_default(),
        alerte: q.alerte.is_some(),
        statuses,
        owners,
        lines: lines.iter().map(line_view).collect(),
        overdue,
        missing,
        by_owner: by_owner.into_iter().map(|(k, (n, a))| (k, n, a)).collect(),
    };
    render_status(StatusCode::OK, &p)
}

/// `GET /comite/decisions`: the register.
pub async fn register(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    register_page(&state, &page, q, false).await
}

/// `GET /comite/actions`: open decisions and their alerts.
pub async fn actions(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    register_page(&state, &page, q, true).await
}

#[derive(Template)]
#[template(path = "committee/decision.html")]
struct DecisionPage {
    layout: Layout,
    d: LineView,
    version: i64,
    frequency: &'static str,
    notes: Vec<(String, String, &'static str, String)>,
    can_note: bool,
    can_edit: bool,
    statuses: Vec<(&'static str, &'static str)>,
    current_status: String,
    owners: Vec<(String, String)>,
    frequencies: Vec<(&'static str, &'static str)>,
    frequency_code: String,
    due_iso: String,
    objects_keys: String,
    today: String,
    error: String,
}

async fn decision_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    error: String,
) -> Result<DecisionPage, PageError> {
    let today = time::OffsetDateTime::now_utc().date();
    let line = register::line(state, id, today).await?;
    let notes = store::decisions::notes(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let records = store::records::for_session(&state.db, line.decision.session_id)
        .await
        .map_err(AppError::from)?;
    let editable = releve::decisions_editable(records.first().map(|r| r.status));
    let mut owners: Vec<(String, String)> = owner_labels(state).await?.into_values().collect();
    owners.sort();
    let d = &line.decision;
    Ok(DecisionPage {
        layout: Layout::new(
            &page.ctx,
            format!("Décision {}", line.reference),
            vec![
                Crumb::link("Comité", "/comite"),
                Crumb::link("Registre des décisions", "/comite/decisions"),
                Crumb::here(line.reference.clone()),
            ],
        ),
        version: d.version,
        frequency: d.frequency.label_fr(),
        frequency_code: d.frequency.as_str().to_owned(),
        notes: notes
            .into_iter()
            .map(|n| (fr_date(n.noted_on), n.text, n.status.label_fr(), n.author))
            .collect(),
        can_note: service::may_note(page.actor(), d.owner_id),
        can_edit: editable && service::may_prepare(page.actor()),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_fr()))
            .collect(),
        current_status: d.status.as_str().to_owned(),
        owners,
        frequencies: Frequency::ALL
            .iter()
            .map(|f| (f.as_str(), f.label_fr()))
            .collect(),
        due_iso: d.due_on.to_string(),
        objects_keys: d
            .objects
            .iter()
            .map(|o| o.key())
            .collect::<Vec<_>>()
            .join(", "),
        today: today.to_string(),
        d: line_view(&line),
        error,
    })
}

/// `GET /comite/decisions/{id}`.
pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut p = decision_page(&state, &page, id, String::new()).await?;
    p.layout = p.layout.with_notice(q.ok.as_deref());
    render_status(StatusCode::OK, &p)
}

async fn back_to_decision(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    let ok = format!("/comite/decisions/{id}?ok=enregistre");
    after_form(result, &ok, |m| decision_page(state, page, id, m)).await
}

#[derive(Deserialize)]
pub struct NoteForm {
    text: String,
    status: String,
    noted_on: String,
    version: i64,
}

/// `POST /comite/decisions/{id}/avancement`.
pub async fn add_note(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Result<Response, PageError> {
    let result = async {
        let status = Status::parse(&f.status)
            .ok_or_else(|| cosinum_domain::ValidationError::new("status", "état inconnu"))?;
        let noted_on = if f.noted_on.trim().is_empty() {
            None
        } else {
            Some(parse_date("noted_on", &f.noted_on)?)
        };
        let note = service::NoteWrite {
            noted_on,
            text: &f.text,
            status,
        };
        service::add_note(&state, page.actor(), &page.audit(), id, note, f.version)
            .await
            .map(|_| ())
    }
    .await;
    back_to_decision(&state, &page, id, result).await
}

/// `POST /comite/decisions/{id}/modifier`.
pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let result = async {
        let version = f
            .version
            .trim()
            .parse()
            .map_err(|_| AppError::BadRequest("Version manquante".into()))?;
        let input = f.input(&state).await?;
        service::update_decision(&state, page.actor(), &page.audit(), id, &input, version)
            .await
            .map(|_| ())
    }
    .await;
    back_to_decision(&state, &page, id, result).await
}

#[derive(Template)]
#[template(path = "committee/record.html")]
struct RecordPage {
    layout: Layout,
    session_id: i64,
    session: String,
    /// (id, number, status label, badge, validated, published, is latest)
    versions: Vec<(i64, i64, &'static str, &'static str, String, String)>,
    current: Option<(i64, i64, String, &'static str, i64)>,
    preamble: String,
    points: Vec<(i64, String, Vec<LineView>)>,
    can_prepare: bool,
    can_open: bool,
    can_edit_preamble: bool,
    can_validate: bool,
    can_publish: bool,
    can_reopen: bool,
    error: String,
}

async fn record_page(
    state: &AppState,
    page: &SignedPage,
    session_id: i64,
    error: String,
) -> Result<RecordPage, PageError> {
    let s = store::get_session(&state.db, session_id)
        .await
        .map_err(AppError::from)?;
    let versions = store::records::for_session(&state.db, session_id)
        .await
        .map_err(AppError::from)?;
    let today = time::OffsetDateTime::now_utc().date();
    let filter = RegisterFilter {
        session: Some(session_id),
        ..Default::default()
    };
    let lines = register::search(state, &filter, today).await?;
    let points: Vec<(i64, String, Vec<LineView>)> =
        store::points::for_session(&state.db, session_id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .filter_map(|p| {
                let pos = p.position?;
                Some((
                    pos,
                    p.title.clone(),
                    lines
                        .iter()
                        .filter(|l| l.decision.point_id == p.id)
                        .map(line_view)
                        .collect(),
                ))
            })
            .collect();
    let latest = versions.first();
    let prepare = service::may_prepare(page.actor());
    let chair = service::is_chair(state, page.actor()).await?;
    let status = latest.map(|v| v.status);
    Ok(RecordPage {
        layout: Layout::new(
            &page.ctx,
            format!("Relevé de décisions — {}", fr_date(s.held_on)),
            vec![
                Crumb::link("Comité", "/comite"),
                Crumb::link(
                    format!("Séance du {}", fr_date(s.held_on)),
                    format!("/comite/seances/{session_id}"),
                ),
                Crumb::here("Relevé de décisions"),
            ],
        ),
        session_id,
        session: format!("{} du {}", s.title, fr_date(s.held_on)),
        versions: versions
            .iter()
            .map(|v| {
                (
                    v.id,
                    v.number,
                    v.status.label_fr(),
                    v.status.badge(),
                    v.validated_at
                        .map(|t| {
                            format!(
                                "validé le {} par {}",
                                fr_datetime(t),
                                v.validated_by.clone().unwrap_or_default()
                            )
                        })
                        .unwrap_or_default(),
                    v.published_at
                        .map(|t| format!("publié le {}", fr_datetime(t)))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        current: latest.map(|v| {
            (
                v.id,
                v.version,
                v.status.as_str().to_owned(),
                v.status.label_fr(),
                v.number,
            )
        }),
        preamble: latest.map(|v| v.preamble.clone()).unwrap_or_default(),
        points,
        can_prepare: prepare,
        can_open: prepare && matches!(status, None | Some(releve::Status::Published)),
        can_edit_preamble: prepare && status == Some(releve::Status::Draft),
        can_validate: chair && status == Some(releve::Status::Draft),
        can_publish: (prepare || chair) && status == Some(releve::Status::Validated),
        can_reopen: (prepare || chair) && status == Some(releve::Status::Validated),
        error,
    })
}

/// `GET /comite/seances/{id}/releve`.
pub async fn record(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut p = record_page(&state, &page, id, String::new()).await?;
    p.layout = p.layout.with_notice(q.ok.as_deref());
    render_status(StatusCode::OK, &p)
}

#[derive(Deserialize)]
pub struct RecordForm {
    /// `open`, `preamble`, `validated`, `published` or `draft`.
    action: String,
    #[serde(default)]
    preamble: String,
    #[serde(default)]
    record: Option<i64>,
    #[serde(default)]
    version: Option<i64>,
}

/// `POST /comite/seances/{id}/releve`.
pub async fn change_record(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<RecordForm>,
) -> Result<Response, PageError> {
    let (actor, ctx) = (page.actor(), page.audit());
    let result = async {
        let target = || {
            f.record
                .zip(f.version)
                .ok_or_else(|| AppError::BadRequest("Version du relevé manquante".into()))
        };
        match f.action.as_str() {
            "open" => service::open_record(&state, actor, &ctx, id, &f.preamble)
                .await
                .map(|_| ()),
            "preamble" => {
                let (r, v) = target()?;
                service::set_preamble(&state, actor, &ctx, r, &f.preamble, v)
                    .await
                    .map(|_| ())
            }
            other => {
                let to = releve::Status::parse(other)
                    .ok_or_else(|| AppError::BadRequest(format!("Action inconnue : {other}")))?;
                let (r, v) = target()?;
                service::transition(&state, actor, &ctx, r, to, v)
                    .await
                    .map(|_| ())
            }
        }
    }
    .await;
    let ok = format!("/comite/seances/{id}/releve?ok=enregistre");
    after_form(result, &ok, |m| record_page(&state, &page, id, m)).await
}

/// The committee's decisions about an object, for its page.
pub async fn about(state: &AppState, kind: &str, id: i64) -> Result<Vec<LineView>, PageError> {
    let today = time::OffsetDateTime::now_utc().date();
    let filter = RegisterFilter {
        object: Some(format!("{kind}:{id}")),
        ..Default::default()
    };
    Ok(register::search(state, &filter, today)
        .await?
        .iter()
        .map(line_view)
        .collect())
}

/// The committee's decisions an organisation owns or that concern it.
pub async fn of_organisation(
    state: &AppState,
    id: i64,
    code: &str,
) -> Result<Vec<LineView>, PageError> {
    let today = time::OffsetDateTime::now_utc().date();
    let owned = RegisterFilter {
        owner: Some(code.to_owned()),
        ..Default::default()
    };
    let mut lines = register::search(state, &owned, today).await?;
    let about = RegisterFilter {
        object: Some(format!("organisation:{id}")),
        ..Default::default()
    };
    for l in register::search(state, &about, today).await? {
        if !lines.iter().any(|x| x.decision.id == l.decision.id) {
            lines.push(l);
        }
    }
    Ok(lines.iter().map(line_view).collect())
}
