//! A point's page (its briefing sheet, frozen or live, and the decisions
//! taken on it) and the whole pack as one printable HTML page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::OrgId;
use cosinum_domain::committee::decisions::{DecisionInput, Frequency};
use cosinum_domain::committee::fiche::Fiche;
use cosinum_store::committee as store;
use serde::Deserialize;

use super::committee::{after_form, parse_date};
use super::{Crumb, Layout, NoticeQuery, fr_date, fr_datetime, render_status};
use crate::AppState;
use crate::api::committee::objects_of;
use crate::committee::documents::{self, owner_labels};
use crate::committee::objects::href;
use crate::committee::service;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// A sheet as shown.
pub struct FicheView {
    pub anchor: String,
    pub heading: String,
    pub summary: String,
    pub as_of: String,
    pub figures: Vec<(String, String)>,
    /// Vector charts (SVG markup built by `cosinum_reports::chart_svg`, which escapes every text).
    pub charts: Vec<(String, String)>,
    pub tables: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
    pub objects: Vec<(String, Option<String>)>,
    pub compared_with: String,
    pub changes: Vec<(String, String)>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub methods: String,
    /// "Figée le … par … — empreinte …", empty while live.
    pub frozen: String,
}

pub fn fiche_view(
    anchor: String,
    heading: String,
    f: &Fiche,
    frozen: Option<&store::sheets::Sheet>,
) -> FicheView {
    FicheView {
        anchor,
        heading,
        summary: f.summary.clone(),
        as_of: fr_date(f.as_of),
        figures: f
            .figures
            .iter()
            .map(|k| (k.label.clone(), k.display()))
            .collect(),
        charts: f
            .charts
            .iter()
            .map(|c| (c.title.clone(), cosinum_reports::chart_svg(c)))
            .collect(),
        tables: f
            .tables
            .iter()
            .map(|t| (t.title.clone(), t.columns.clone(), t.rows.clone()))
            .collect(),
        objects: f
            .objects
            .iter()
            .map(|o| (o.label.clone(), href(&o.kind, o.id)))
            .collect(),
        compared_with: f.compared_with.map(fr_date).unwrap_or_default(),
        changes: f
            .changes
            .iter()
            .map(|c| (c.label.clone(), c.describe_fr()))
            .collect(),
        added: f.objects_added.iter().map(|o| o.label.clone()).collect(),
        removed: f.objects_removed.iter().map(|o| o.label.clone()).collect(),
        methods: f.methods.join(", "),
        frozen: frozen
            .map(|s| {
                format!(
                    "Figée le {} par {} — empreinte {}",
                    fr_datetime(s.frozen_at),
                    s.frozen_by,
                    &s.digest[..16.min(s.digest.len())]
                )
            })
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "committee/point.html")]
struct PointPage {
    layout: Layout,
    id: i64,
    session_id: i64,
    session: String,
    title: String,
    on_agenda: bool,
    sheet: FicheView,
    frozen: bool,
    decisions: Vec<(i64, String, String, String, String, &'static str)>,
    can_prepare: bool,
    owners: Vec<(String, String)>,
    frequencies: Vec<(&'static str, &'static str)>,
    default_due: String,
    error: String,
}

async fn point_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    error: String,
) -> Result<PointPage, PageError> {
    let point = store::points::get(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let session = store::get_session(&state.db, point.session_id)
        .await
        .map_err(AppError::from)?;
    let sheet = documents::sheet(state, &session, &point).await?;
    let owners = owner_labels(state).await?;
    let points = store::points::for_session(&state.db, session.id)
        .await
        .map_err(AppError::from)?;
    let decisions = store::decisions::for_session(&state.db, session.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .filter(|d| d.point_id == id)
        .map(|d| {
            let owner = owners
                .get(&d.owner_id.0)
                .map(|o| o.0.clone())
                .unwrap_or_default();
            (
                d.id,
                documents::reference(&d, &points),
                d.text.clone(),
                owner,
                fr_date(d.due_on),
                d.status.label_fr(),
            )
        })
        .collect();
    let mut owner_list: Vec<(String, String)> = owners.into_values().collect();
    owner_list.sort();
    Ok(PointPage {
        layout: Layout::new(
            &page.ctx,
            point.title.clone(),
            vec![
                Crumb::link("Comité", "/comite"),
                Crumb::link(
                    format!("Séance du {}", fr_date(session.held_on)),
                    format!("/comite/seances/{}", session.id),
                ),
                Crumb::here(point.title.clone()),
            ],
        ),
        id,
        session_id: session.id,
        session: format!("{} du {}", session.title, fr_date(session.held_on)),
        on_agenda: point.position.is_some(),
        frozen: sheet.frozen.is_some(),
        sheet: fiche_view(
            "fiche".into(),
            sheet.fiche.title.clone(),
            &sheet.fiche,
            sheet.frozen.as_ref(),
        ),
        title: point.title,
        decisions,
        can_prepare: service::may_prepare(page.actor()),
        owners: owner_list,
        frequencies: Frequency::ALL
            .iter()
            .map(|f| (f.as_str(), f.label_fr()))
            .collect(),
        default_due: (session.held_on + time::Duration::days(90)).to_string(),
        error,
    })
}

/// `GET /comite/points/{id}`.
pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let mut p = point_page(&state, &page, id, String::new()).await?;
    p.layout = p.layout.with_notice(q.ok.as_deref());
    render_status(StatusCode::OK, &p)
}

async fn back_to_point(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    result: Result<(), AppError>,
    ok: &str,
) -> Result<Response, PageError> {
    let ok = format!("/comite/points/{id}?ok={ok}");
    after_form(result, &ok, |m| point_page(state, page, id, m)).await
}

/// `POST /comite/points/{id}/figer`.
pub async fn freeze(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let result = service::freeze(&state, page.actor(), &page.audit(), id)
        .await
        .map(|_| ());
    back_to_point(&state, &page, id, result, "fige").await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    text: String,
    owner: String,
    due_on: String,
    frequency: String,
    #[serde(default)]
    objects: String,
    /// The version read, to reword a decision.
    #[serde(default)]
    pub version: String,
}

impl DecisionForm {
    pub async fn input(&self, state: &AppState) -> Result<DecisionInput, AppError> {
        let owner = cosinum_store::organisations::get_by_code(&state.db, self.owner.trim())
            .await
            .map_err(|_| {
                cosinum_domain::ValidationError::new("owner", "choisissez l'organisation pilote")
            })?;
        let keys: Vec<String> = self
            .objects
            .split([',', ';', ' '])
            .map(str::to_owned)
            .collect();
        Ok(DecisionInput {
            text: self.text.clone(),
            owner: OrgId(owner.id.0),
            due_on: parse_date("due_on", &self.due_on)?,
            frequency: Frequency::parse(&self.frequency).unwrap_or(Frequency::Quarterly),
            objects: objects_of(state, &keys).await?,
        })
    }
}

/// `POST /comite/points/{id}/decisions`.
pub async fn add_decision(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let result = async {
        let input = f.input(&state).await?;
        service::add_decision(&state, page.actor(), &page.audit(), id, &input)
            .await
            .map(|_| ())
    }
    .await;
    back_to_point(&state, &page, id, result, "enregistre").await
}

#[derive(Template)]
#[template(path = "committee/pack.html")]
struct PackPage {
    layout: Layout,
    id: i64,
    committee: String,
    title: String,
    held_on: String,
    cut_off: String,
    place: String,
    chair: String,
    agenda: Vec<(i64, String, String, i64, Vec<String>)>,
    attendees: Vec<(String, String, String, &'static str)>,
    sheets: Vec<(FicheView, bool)>,
}

/// `GET /comite/seances/{id}/dossier`: the pack as one printable page.
pub async fn pack(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let pack = documents::pack(&state, id).await?;
    let sheets = store::sheets::for_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let s = &pack.session;
    let p = PackPage {
        layout: Layout::new(
            &page.ctx,
            format!("Dossier — {}", s.title),
            vec![
                Crumb::link("Comité", "/comite"),
                Crumb::link(
                    format!("Séance du {}", fr_date(s.held_on)),
                    format!("/comite/seances/{id}"),
                ),
                Crumb::here("Dossier de séance"),
            ],
        ),
        id,
        committee: s.committee.clone(),
        title: s.title.clone(),
        held_on: fr_date(s.held_on),
        cut_off: fr_date(s.cut_off),
        place: format!(
            "{}{}",
            s.format.label_fr(),
            s.place
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default()
        ),
        chair: s.chair.clone(),
        agenda: pack
            .agenda
            .iter()
            .map(|a| {
                (
                    a.position,
                    a.title.clone(),
                    a.presenter.clone(),
                    a.duration_minutes,
                    a.reasons.clone(),
                )
            })
            .collect(),
        attendees: pack
            .attendees
            .iter()
            .map(|a| {
                let presence = match a.present {
                    Some(true) => "présent",
                    Some(false) => "absent",
                    None => "—",
                };
                (
                    a.name.clone(),
                    a.role.clone(),
                    a.organisation.clone(),
                    presence,
                )
            })
            .collect(),
        sheets: pack
            .sheets
            .iter()
            .map(|sh| {
                let frozen = sh
                    .digest
                    .as_ref()
                    .and_then(|d| sheets.iter().find(|x| &x.digest == d));
                (
                    fiche_view(
                        format!("fiche-{}", sh.position),
                        format!("{}. {}", sh.position, sh.fiche.title),
                        &sh.fiche,
                        frozen,
                    ),
                    sh.frozen,
                )
            })
            .collect(),
    };
    render_status(StatusCode::OK, &p)
}
