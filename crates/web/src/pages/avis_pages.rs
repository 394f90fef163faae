//! Avis pages: the DINUM's list of referrals with their deadlines, projects
//! that need an avis and have none, and one avis with its instruction.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::projects::avis::{AvisStatus, Axis, InfoRequest, Verdict};
use cosinum_store::projects::avis::{self, AXIS_RATINGS, Assessment, AvisFields};
use serde::Deserialize;

use super::projects::{is_dinum, load_project, parse_date, today};
use super::{Crumb, Layout, NoticeQuery, fr_date, render, render_status};
use crate::AppState;
use crate::api::avis::{AvisDto, dto, kind_for, missing};
use crate::api::projects::project_resource;
use crate::error::{AppError, PageError};
use crate::format::meur;
use crate::identity::SignedPage;

/// One avis as a line of a table.
pub struct AvisLine {
    pub id: i64,
    pub project_id: i64,
    pub project: String,
    pub kind: &'static str,
    pub received: String,
    pub status: String,
    pub overdue: bool,
    pub verdict: String,
    pub open_recommendations: usize,
}

pub fn status_fr(s: &AvisStatus) -> (String, bool) {
    match s {
        AvisStatus::AwaitingInformation { since } => (
            format!(
                "Délai suspendu : compléments demandés le {}",
                fr_date(*since)
            ),
            false,
        ),
        AvisStatus::Pending {
            deadline,
            days_left,
        } => (
            format!(
                "En instruction : avis dû le {} ({days_left} j)",
                fr_date(*deadline)
            ),
            *days_left < 7,
        ),
        AvisStatus::Issued { verdict, on } => {
            (format!("{} le {}", verdict.label_fr(), fr_date(*on)), false)
        }
        AvisStatus::DeemedFavourable { since } => (
            format!(
                "Réputé favorable depuis le {} (délai dépassé)",
                fr_date(*since)
            ),
            true,
        ),
    }
}

pub fn line(d: &AvisDto) -> AvisLine {
    let (status, overdue) = status_fr(&d.status);
    AvisLine {
        id: d.id,
        project_id: d.project_id,
        project: d.project_name.clone(),
        kind: d.kind.label_fr(),
        received: fr_date(d.received_on),
        status,
        overdue,
        verdict: d.verdict.map_or("—".into(), |v| v.label_fr().to_owned()),
        open_recommendations: d.open_recommendations,
    }
}

#[derive(Template)]
#[template(path = "avis/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<AvisLine>,
    missing: Vec<(i64, String, String, &'static str)>,
}

pub async fn list(State(state): State<AppState>, page: SignedPage) -> Result<Response, PageError> {
    let actor = page.actor().clone();
    let visible = |o| allows(Some(&actor), Access::Read, &project_resource(o));
    let projects = cosinum_store::projects::list(&state.db, true).await?;
    let mut lines = Vec::new();
    for a in avis::list_all(&state.db).await? {
        let Some(p) = projects.iter().find(|p| p.id == a.project_id) else {
            continue;
        };
        if visible(p.organisation_id) {
            lines.push(line(&dto(a, p.name.clone(), today())));
        }
    }
    lines.reverse();
    let missing = missing(&state, visible)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.project_id,
                m.name.clone(),
                meur(m.cost_meur),
                m.required.label_fr(),
            )
        })
        .collect();
    let layout = Layout::new(
        &page.ctx,
        "Avis de la DINUM",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Grands projets", "/projets"),
            Crumb::here("Avis"),
        ],
    );
    render(&ListPage {
        layout,
        lines,
        missing,
    })
}

#[derive(Template)]
#[template(path = "avis/show.html")]
struct ShowPage {
    layout: Layout,
    a: AvisDto,
    line: AvisLine,
    can_instruct: bool,
    can_follow: bool,
    axes: Vec<(&'static str, &'static str, String, String)>,
    ratings: Vec<&'static str>,
    requests: Vec<(String, String)>,
    verdicts: Vec<(&'static str, &'static str)>,
    error_message: String,
    deadline: String,
    observations: String,
}

async fn show_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    notice: Option<&str>,
    error: Option<&ValidationError>,
) -> Result<ShowPage, PageError> {
    let a = avis::get(&state.db, id).await?;
    let p = load_project(state, page, a.project_id, Access::Read).await?;
    let can_follow = is_dinum(page)
        || allows(
            Some(page.actor()),
            Access::Write,
            &project_resource(p.organisation_id),
        );
    let d = dto(a, p.name.clone(), today());
    let axes = Axis::ALL
        .iter()
        .map(|axis| {
            let found = d.assessments.iter().find(|x| x.axis == *axis);
            (
                axis.as_str(),
                axis.label_fr(),
                found.map_or_else(String::new, |x| x.rating.clone()),
                found.map_or_else(String::new, |x| x.comment.clone()),
            )
        })
        .collect();
    let mut requests: Vec<(String, String)> = d
        .info_requests
        .iter()
        .map(|r| {
            (
                r.sent_on.to_string(),
                r.answered_on.map(|x| x.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    requests.resize(requests.len().max(2), (String::new(), String::new()));
    let layout = Layout::new(
        &page.ctx,
        format!("Avis — {}", p.name),
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Avis", "/avis"),
            Crumb::link(p.name.clone(), format!("/projets/{}", p.id)),
            Crumb::here("Avis"),
        ],
    )
    .with_notice(notice);
    Ok(ShowPage {
        layout,
        deadline: d.decision_deadline.map(fr_date).unwrap_or_default(),
        observations: d.observations_deadline.map(fr_date).unwrap_or_default(),
        line: line(&d),
        a: d,
        can_instruct: is_dinum(page),
        can_follow,
        axes,
        ratings: AXIS_RATINGS.to_vec(),
        requests,
        verdicts: [
            Verdict::Favourable,
            Verdict::FavourableWithRecommendations,
            Verdict::Unfavourable,
        ]
        .iter()
        .map(|v| (v.as_str(), v.label_fr()))
        .collect(),
        error_message: error
            .map(|e| format!("{} : {}", e.field, e.message))
            .unwrap_or_default(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(n): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    render(&show_page(&state, &page, id, n.ok.as_deref(), None).await?)
}

#[derive(Deserialize)]
pub struct ReferralForm {
    received_on: String,
    #[serde(default)]
    summary: String,
}

/// Records a referral from the project page (DINUM only).
pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Path(project_id): Path<i64>,
    Form(f): Form<ReferralForm>,
) -> Result<Response, PageError> {
    if !is_dinum(&page) {
        return Err(AppError::Forbidden.into());
    }
    let project = cosinum_store::projects::get(&state.db, project_id).await?;
    let received = parse_date("received_on", &f.received_on)?.unwrap_or_else(today);
    let kind = kind_for(&state, &project).await?;
    let mut tx = state.db.begin().await?;
    let a = avis::create(
        &mut tx,
        &page.audit(),
        project_id,
        kind,
        received,
        &f.summary,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/avis/{}?ok=cree", a.id)).into_response())
}

/// The instruction form: dates, verdict, the five axes.
#[derive(Deserialize)]
pub struct InstructionForm {
    version: i64,
    #[serde(default)]
    transmitted_on: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    q1_sent: String,
    #[serde(default)]
    q1_answered: String,
    #[serde(default)]
    q2_sent: String,
    #[serde(default)]
    q2_answered: String,
    #[serde(flatten)]
    axes: std::collections::HashMap<String, String>,
}

impl InstructionForm {
    fn fields(&self) -> Result<AvisFields, AppError> {
        let mut info_requests = Vec::new();
        for (sent, answered) in [
            (&self.q1_sent, &self.q1_answered),
            (&self.q2_sent, &self.q2_answered),
        ] {
            if let Some(sent_on) = parse_date("info_requests", sent)? {
                info_requests.push(InfoRequest {
                    sent_on,
                    answered_on: parse_date("info_requests", answered)?,
                });
            }
        }
        let mut assessments = Vec::new();
        for axis in Axis::ALL {
            let rating = self
                .axes
                .get(&format!("rating_{}", axis.as_str()))
                .cloned()
                .unwrap_or_default();
            if !rating.is_empty() {
                let comment = self
                    .axes
                    .get(&format!("comment_{}", axis.as_str()))
                    .cloned()
                    .unwrap_or_default();
                assessments.push(Assessment {
                    axis,
                    rating,
                    comment,
                });
            }
        }
        Ok(AvisFields {
            transmitted_on: parse_date("transmitted_on", &self.transmitted_on)?,
            issued_on: parse_date("issued_on", &self.issued_on)?,
            verdict: match self.verdict.as_str() {
                "" => None,
                v => Some(Verdict::parse(v).ok_or_else(|| {
                    AppError::Invalid(ValidationError::new("verdict", "sens inconnu"))
                })?),
            },
            summary: self.summary.clone(),
            info_requests,
            assessments,
        })
    }
}

pub async fn instruct(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<InstructionForm>,
) -> Result<Response, PageError> {
    if !is_dinum(&page) {
        return Err(AppError::Forbidden.into());
    }
    let fields = match f.fields() {
        Ok(x) => x,
        Err(AppError::Invalid(e)) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(&state, &page, id, None, Some(&e)).await?,
            );
        }
        Err(e) => return Err(e.into()),
    };
    let mut tx = state.db.begin().await?;
    match avis::update(&mut tx, &page.audit(), id, f.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/avis/{id}?ok=enregistre")).into_response())
        }
        Err(cosinum_store::StoreError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(&state, &page, id, None, Some(&e)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct RecommendationForm {
    axis: String,
    text: String,
}

pub async fn add_recommendation(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<RecommendationForm>,
) -> Result<Response, PageError> {
    if !is_dinum(&page) {
        return Err(AppError::Forbidden.into());
    }
    let axis = Axis::parse(&f.axis)
        .ok_or_else(|| AppError::Invalid(ValidationError::new("axis", "axe inconnu")))?;
    let mut tx = state.db.begin().await?;
    avis::add_recommendation(&mut tx, &page.audit(), id, axis, &f.text).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/avis/{id}?ok=cree")).into_response())
}

#[derive(Deserialize)]
pub struct FollowUpForm {
    version: i64,
    status: String,
    #[serde(default)]
    follow_up: String,
}

pub async fn follow_up(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<FollowUpForm>,
) -> Result<Response, PageError> {
    let r = avis::get_recommendation(&state.db, id).await?;
    let a = avis::get(&state.db, r.avis_id).await?;
    let p = cosinum_store::projects::get(&state.db, a.project_id).await?;
    if !is_dinum(&page)
        && !allows(
            Some(page.actor()),
            Access::Write,
            &project_resource(p.organisation_id),
        )
    {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    avis::follow_up(
        &mut tx,
        &page.audit(),
        id,
        f.version,
        &f.status,
        &f.follow_up,
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/avis/{}?ok=enregistre", a.id)).into_response())
}
